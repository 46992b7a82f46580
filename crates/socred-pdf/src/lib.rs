//! The written notice as a PDF: the document `socred_i18n::document`
//! builds, set on one A4 page (its title, particulars and numbered
//! sections), in the reader's language. The text is real text, not
//! pictures of it: the fonts are embedded as subsets with their Unicode
//! maps, so a reader can search and copy it and `pdftotext` gets the
//! deadline and the case number back.
//!
//! A notice fits one page at the body size of 10 points; a longer one is set
//! smaller, down to 8 points, and only past that runs on to a second page.

mod fonts;
mod layout;

use krilla::Document;
use krilla::geom::{PathBuilder, Point, Rect};
use krilla::metadata::Metadata;
use krilla::page::PageSettings;
use krilla::text::TextDirection;
use socred_i18n::document::NoticeDocument;

pub use fonts::{FONT_BYTES_MAX, Face, Fonts, HAN_FONTS, LATIN_FONTS, Weight, split_index};
pub use layout::{A4_HEIGHT_POINTS, A4_WIDTH_POINTS, Line, MARGIN_POINTS, layout};

#[derive(Debug, thiserror::Error)]
pub enum PdfError {
    #[error(
        "no font for PDF notices: {} was looked for in {searched} (install fonts-dejavu-core and fonts-droid-fallback, or name the files in SOCRED_FONT_LATIN and SOCRED_FONT_HAN)",
        if *han { "a face with Han characters" } else { "a Latin face" }
    )]
    NoFont {
        /// The face missing draws the Han characters (else the Latin letters).
        han: bool,
        searched: String,
    },
    #[error("font {path}: {reason}")]
    Font { path: std::path::PathBuf, reason: String },
    #[error("the PDF could not be written: {0}")]
    Write(String),
}

/// The notice as the bytes of a PDF file. `language` is the document's BCP 47
/// tag (`en`, `zh-CN`), recorded in its metadata for screen readers.
pub fn notice_pdf(document: &NoticeDocument, fonts: &Fonts, language: &str) -> Result<Vec<u8>, PdfError> {
    let pages = layout(document, fonts);
    let mut pdf = Document::new();
    pdf.set_metadata(Metadata::new().title(document.title.clone()).language(language.to_string()).creator("socred".to_string()));
    for lines in &pages {
        let settings = PageSettings::from_wh(A4_WIDTH_POINTS, A4_HEIGHT_POINTS).expect("A4 is a valid page size");
        let mut page = pdf.start_page_with(settings);
        let mut surface = page.surface();
        for line in lines {
            match line {
                Line::Text { x, baseline, size, weight, text } => {
                    let mut at = *x;
                    for (face, run) in fonts.runs(text, *weight) {
                        surface.draw_text(Point::from_xy(at, *baseline), face.font.clone(), *size, run, false, TextDirection::Auto);
                        at += face.width(run, *size);
                    }
                }
                Line::Rule { y, width } => {
                    let mut path = PathBuilder::new();
                    if let Some(rect) = Rect::from_xywh(MARGIN_POINTS, *y, *width, 0.6) {
                        path.push_rect(rect);
                    }
                    if let Some(path) = path.finish() {
                        surface.draw_path(&path);
                    }
                }
            }
        }
        surface.finish();
        page.finish();
    }
    pdf.finish().map_err(|error| PdfError::Write(format!("{error:?}")))
}

#[cfg(test)]
mod tests;
