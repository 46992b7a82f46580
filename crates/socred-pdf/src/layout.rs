//! Setting a notice on A4 pages: lines broken to the measure (at spaces in
//! English, between any two characters in Chinese but never before closing
//! punctuation), the body size chosen so the whole notice fits one page.

use socred_i18n::document::NoticeDocument;

use crate::fonts::{Fonts, Weight};

pub const A4_WIDTH_POINTS: f32 = 595.28;
pub const A4_HEIGHT_POINTS: f32 = 841.89;
pub const MARGIN_POINTS: f32 = 56.0;
/// Body sizes tried in turn until the notice fits one page.
const BODY_SIZES_POINTS: [f32; 5] = [10.0, 9.5, 9.0, 8.5, 8.0];
const LINE_HEIGHT: f32 = 1.45;

/// One thing drawn on a page. Coordinates in points from the top left.
#[derive(Debug, Clone, PartialEq)]
pub enum Line {
    Text { x: f32, baseline: f32, size: f32, weight: Weight, text: String },
    Rule { y: f32, width: f32 },
}

/// The notice as pages of lines, at the largest body size that fits one
/// page (or at the smallest, on as many pages as it needs).
pub fn layout(document: &NoticeDocument, fonts: &Fonts) -> Vec<Vec<Line>> {
    for size in BODY_SIZES_POINTS {
        let pages = set(document, fonts, size);
        if pages.len() == 1 {
            return pages;
        }
    }
    set(document, fonts, BODY_SIZES_POINTS[BODY_SIZES_POINTS.len() - 1])
}

struct Pages<'f> {
    fonts: &'f Fonts,
    pages: Vec<Vec<Line>>,
    /// The top of the next line, from the top of the page.
    y: f32,
}

impl Pages<'_> {
    fn room(&mut self, height: f32) {
        if self.y + height > A4_HEIGHT_POINTS - MARGIN_POINTS && !self.pages.last().is_none_or(Vec::is_empty) {
            self.pages.push(Vec::new());
            self.y = MARGIN_POINTS;
        }
    }

    /// `text` broken to `width` points from `x`, each line at `size`.
    fn paragraph(&mut self, x: f32, width: f32, text: &str, size: f32, weight: Weight) {
        let leading = size * LINE_HEIGHT;
        for line in break_lines(self.fonts, text, size, weight, width) {
            self.room(leading);
            let baseline = self.y + size;
            self.pages.last_mut().expect("a page is open").push(Line::Text { x, baseline, size, weight, text: line });
            self.y += leading;
        }
    }

    fn gap(&mut self, points: f32) {
        self.y += points;
    }
}

fn set(document: &NoticeDocument, fonts: &Fonts, body: f32) -> Vec<Vec<Line>> {
    let measure = A4_WIDTH_POINTS - 2.0 * MARGIN_POINTS;
    let mut pages = Pages { fonts, pages: vec![Vec::new()], y: MARGIN_POINTS };
    pages.paragraph(MARGIN_POINTS, measure, &document.title, body * 1.5, Weight::Bold);
    pages.gap(body * 0.3);
    let rule_y = pages.y;
    pages.pages.last_mut().expect("a page is open").push(Line::Rule { y: rule_y, width: measure });
    pages.gap(body * 0.9);
    // Particulars as a two-column table: labels in bold, values beside them.
    let label_width = document.particulars.iter().map(|(label, _)| fonts.width(label, body, Weight::Bold)).fold(0.0_f32, f32::max) + body;
    for (label, value) in &document.particulars {
        // The label sits on the value's first line: room for that line first.
        pages.room(body * LINE_HEIGHT);
        let baseline = pages.y + body;
        pages.pages.last_mut().expect("a page is open").push(Line::Text {
            x: MARGIN_POINTS,
            baseline,
            size: body,
            weight: Weight::Bold,
            text: label.clone(),
        });
        if value.trim().is_empty() {
            pages.gap(body * LINE_HEIGHT);
        } else {
            pages.paragraph(MARGIN_POINTS + label_width, measure - label_width, value, body, Weight::Regular);
        }
    }
    for section in &document.sections {
        pages.gap(body * 0.8);
        // A heading is never the last line of a page.
        pages.room(body * LINE_HEIGHT * 3.0);
        pages.paragraph(MARGIN_POINTS, measure, &section.heading, body * 1.1, Weight::Bold);
        pages.gap(body * 0.15);
        for paragraph in section.paragraphs.iter().filter(|paragraph| !paragraph.trim().is_empty()) {
            pages.paragraph(MARGIN_POINTS, measure, paragraph, body, Weight::Regular);
            pages.gap(body * 0.25);
        }
    }
    pages.pages
}

/// Characters that must not begin a line (Chinese typesetting's 避头 rule,
/// and the Latin equivalents).
fn closes(character: char) -> bool {
    "，。、；：！？）》」』】〉”’…,.;:!?)]%".contains(character)
}

/// Characters that must not end a line (避尾).
fn opens(character: char) -> bool {
    "（《「『【〈“‘([".contains(character)
}

/// A character after which a line may break, or before which it may: Han
/// ideographs, kana and the fullwidth forms.
fn ideographic(character: char) -> bool {
    matches!(character as u32, 0x2E80..=0x9FFF | 0xF900..=0xFAFF | 0xFF00..=0xFFEF | 0x20000..=0x3FFFF)
}

/// The units a line is filled with: a word and the spaces after it, or one
/// ideograph, each with the closing punctuation that follows it.
fn units(text: &str) -> Vec<&str> {
    let mut units = Vec::new();
    let mut start = 0;
    let characters: Vec<(usize, char)> = text.char_indices().collect();
    for (position, &(_, character)) in characters.iter().enumerate() {
        let Some(&(next_at, next)) = characters.get(position + 1) else { break };
        let boundary =
            !closes(next) && !opens(character) && ((character == ' ' && next != ' ') || ideographic(character) || ideographic(next));
        if boundary {
            units.push(&text[start..next_at]);
            start = next_at;
        }
    }
    if start < text.len() {
        units.push(&text[start..]);
    }
    units
}

/// `text` broken into lines no wider than `width` points; a unit wider than
/// a whole line (a long address) is cut between characters.
pub(crate) fn break_lines(fonts: &Fonts, text: &str, size: f32, weight: Weight, width: f32) -> Vec<String> {
    let mut lines = Vec::new();
    let mut line = String::new();
    for unit in units(text) {
        let candidate = format!("{line}{unit}");
        if fonts.width(candidate.trim_end(), size, weight) <= width {
            line = candidate;
            continue;
        }
        if !line.trim().is_empty() {
            lines.push(line.trim_end().to_string());
            line = String::new();
        }
        for character in unit.chars() {
            let candidate = format!("{line}{character}");
            if fonts.width(candidate.trim_end(), size, weight) > width && !line.is_empty() {
                lines.push(line.trim_end().to_string());
                line = String::new();
            }
            line.push(character);
        }
    }
    if !line.trim().is_empty() {
        lines.push(line.trim_end().to_string());
    }
    lines
}
