//! E-mail-ready texts: what due process tells a subject (a notice served, a
//! decision on an appeal, a repair or a dispute), written in the reader's
//! language and ready for any mailer. socred holds no e-mail addresses and
//! sends nothing itself; a mail relay (or a clerk) takes these texts, adds
//! the addresses and sends them.
//!
//! A text is built from the subject's due-process view alone, so the same
//! file always gives the same texts. The rulebook's own words (a list's
//! title, legal basis and consequences) follow the language; what a person
//! wrote (facts, reasons) is quoted as written.

use socred_core::Date;
use socred_core::lists::{DueProcessView, Notice};
use socred_core::process::{AppealOutcome, DisputeOutcome, RepairOutcome};
use socred_core::rulebook::Rulebook;

use crate::notice::{authority, facts, notice_words};
use crate::{Argument, Language};

/// The widest line of a body, in columns (a Chinese character takes two),
/// as mail readers expect plain text.
pub const MAX_LINE_COLUMNS: usize = 76;

/// The longest run without a place to break (an address, say) kept whole on
/// one line; a longer one is cut. Well inside RFC 5322's 998 octets.
pub const MAX_UNBROKEN_CHARS: usize = 300;

/// What a text is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MailKind {
    Notice,
    AppealDecided,
    RepairDecided,
    DisputeDecided,
}

impl MailKind {
    pub fn as_str(self) -> &'static str {
        match self {
            MailKind::Notice => "notice",
            MailKind::AppealDecided => "appeal-decided",
            MailKind::RepairDecided => "repair-decided",
            MailKind::DisputeDecided => "dispute-decided",
        }
    }
}

/// One e-mail-ready text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mail {
    pub kind: MailKind,
    /// The entry, case or record it is about.
    pub about: String,
    /// The day of the act it reports.
    pub on: Date,
    pub language: Language,
    /// One line, without control characters.
    pub subject: String,
    /// Lines of at most [`MAX_LINE_COLUMNS`] columns, `\n` between them
    /// (a longer run that cannot break stands alone on its line).
    pub body: String,
}

impl Mail {
    /// An Internet message (RFC 5322, MIME) without addresses or date, which
    /// the mailer adds: the subject as RFC 2047 encoded words when it is not
    /// ASCII, the body as UTF-8 text with CRLF line ends.
    pub fn to_message(&self) -> String {
        let mut message = String::new();
        message.push_str("MIME-Version: 1.0\r\n");
        message.push_str(&format!("Subject: {}\r\n", encode_header(&self.subject)));
        message.push_str("Content-Type: text/plain; charset=UTF-8\r\n");
        message.push_str("Content-Transfer-Encoding: 8bit\r\n");
        message.push_str(&format!("Content-Language: {}\r\n", self.language.tag()));
        message.push_str(&format!("X-Socred-About: {} {}\r\n", self.kind.as_str(), header_safe(&self.about)));
        message.push_str("\r\n");
        for line in self.body.lines() {
            message.push_str(line);
            message.push_str("\r\n");
        }
        message
    }
}

/// The longest public address of the site a text may name.
pub const MAX_PORTAL_CHARS: usize = 256;

/// Checks the site's public address a text links to: `http://` or
/// `https://`, a host, no spaces, quotes or control characters, at most
/// [`MAX_PORTAL_CHARS`] characters. The refusal says why in any language.
pub fn check_portal(address: &str) -> Result<(), crate::reasons::Cause> {
    let refused = |id: &'static str| Err(crate::reasons::Cause::message(id, vec![]));
    let rest = address.strip_prefix("https://").or_else(|| address.strip_prefix("http://"));
    let Some(rest) = rest else { return refused("input-portal-scheme") };
    if address.chars().count() > MAX_PORTAL_CHARS {
        return refused("input-portal-long");
    }
    if address.chars().any(|c| c.is_whitespace() || c.is_control() || matches!(c, '"' | '<' | '>' | '\\')) {
        return refused("input-portal-characters");
    }
    if rest.split('/').next().is_none_or(str::is_empty) || rest.contains(['?', '#']) {
        return refused("input-portal-host");
    }
    Ok(())
}

/// Every text due process owes the subject named `name`, oldest first.
/// `portal` is the site's public address (`https://credit.example.gov.cn`),
/// when the server knows it; the texts then link to the subject's file.
pub fn letters(language: Language, rulebook: &Rulebook, name: &str, due: &DueProcessView, portal: Option<&str>) -> Vec<Mail> {
    let mut letters = Vec::new();
    for entry in &due.entries {
        if let Some(notice) = &entry.notice {
            letters.push(notice_mail(language, rulebook, name, notice, portal));
        }
        let list = notice_words(language, rulebook, &entry.list, &entry.list_title, "", "").0;
        for appeal in &entry.appeals {
            let Some(decision) = &appeal.decision else { continue };
            let outcome = match decision.outcome {
                AppealOutcome::Uphold => "mail-appeal-upheld",
                AppealOutcome::Overturn => "mail-appeal-overturned",
            };
            let arguments = [("case", text(appeal.id.as_str())), ("list", text(&list)), ("entry", text(entry.id.as_str()))];
            let mut paragraphs = vec![language.text_with(outcome, &arguments)];
            if decision.outcome == AppealOutcome::Uphold && appeal.instance == 1 {
                paragraphs.push(language.text("mail-appeal-second-instance"));
            }
            letters.push(decided(
                language,
                MailKind::AppealDecided,
                appeal.id.as_str(),
                name,
                outcome,
                &arguments,
                decision.on,
                &decision.by,
                &decision.reasons,
                paragraphs,
                portal,
            ));
        }
        for repair in &entry.repairs {
            let Some(decision) = &repair.decision else { continue };
            let outcome = match decision.outcome {
                RepairOutcome::Approve => "mail-repair-approved",
                RepairOutcome::Refuse => "mail-repair-refused",
            };
            let arguments = [("case", text(repair.id.as_str())), ("list", text(&list)), ("entry", text(entry.id.as_str()))];
            let paragraphs = vec![language.text_with(outcome, &arguments)];
            letters.push(decided(
                language,
                MailKind::RepairDecided,
                repair.id.as_str(),
                name,
                outcome,
                &arguments,
                decision.on,
                &decision.by,
                &decision.reasons,
                paragraphs,
                portal,
            ));
        }
    }
    for dispute in &due.disputes {
        let Some(decision) = &dispute.decision else { continue };
        let outcome = match decision.outcome {
            DisputeOutcome::Uphold => "mail-dispute-upheld",
            DisputeOutcome::Reject => "mail-dispute-rejected",
        };
        let arguments = [("case", text(dispute.id.as_str())), ("record", text(dispute.record.as_str()))];
        let paragraphs = vec![language.text_with(outcome, &arguments)];
        letters.push(decided(
            language,
            MailKind::DisputeDecided,
            dispute.id.as_str(),
            name,
            outcome,
            &arguments,
            decision.on,
            &decision.by,
            &decision.reasons,
            paragraphs,
            portal,
        ));
    }
    letters.sort_by(|a, b| (a.on, &a.about).cmp(&(b.on, &b.about)));
    letters
}

/// The written notice as an e-mail: the same facts, basis, consequences and
/// deadlines as the printed notice, with the way to respond on the site.
pub fn notice_mail(language: Language, rulebook: &Rulebook, name: &str, notice: &Notice, portal: Option<&str>) -> Mail {
    let (title, basis, consequences) =
        notice_words(language, rulebook, &notice.list, &notice.list_title, &notice.legal_basis, &notice.consequences);
    let (title, consequences) = (title.as_str(), consequences.as_str());
    let day = |day: Date| text(language.date(day));
    let subject = match notice.appeal_deadline {
        Some(deadline) => language.text_with("mail-notice-subject", &[("list", text(title)), ("deadline", day(deadline))]),
        None => language.text_with("mail-notice-subject-no-appeal", &[("list", text(title)), ("day", day(notice.listing_if_unappealed))]),
    };
    let mut paragraphs = vec![
        language.text_with("mail-greeting", &[("name", text(name))]),
        language.text_with(
            "mail-notice-opening",
            &[
                ("authority", text(authority(language, rulebook, &notice.issued_by))),
                ("list", text(title)),
                ("day", day(notice.served_on)),
                ("entry", text(notice.entry.as_str())),
            ],
        ),
        format!("{}\n{}", language.text("mail-notice-facts"), facts(language, rulebook, &notice.facts, &notice.facts_source)),
        format!("{}\n{basis}", language.text("mail-notice-basis")),
        format!(
            "{}\n{}",
            language.text("mail-notice-consequences"),
            language.text_with(
                "mail-notice-consequences-text",
                &[
                    ("list", text(title)),
                    ("years", Argument::Number(i64::from(notice.max_listing_years))),
                    ("consequences", text(consequences))
                ],
            )
        ),
    ];
    paragraphs.push(match notice.appeal_deadline {
        Some(deadline) => {
            language.text_with("mail-notice-appeal", &[("deadline", day(deadline)), ("day", day(notice.listing_if_unappealed))])
        }
        None => language.text_with("mail-notice-no-appeal", &[("day", day(notice.listing_if_unappealed))]),
    });
    if notice.kind == socred_core::rulebook::ListKind::Restrictive {
        paragraphs.push(language.text_with("mail-notice-repair", &[("years", Argument::Number(i64::from(notice.repair_after_years)))]));
    }
    paragraphs.push(where_to_respond(language, portal));
    paragraphs.push(language.text("mail-footer"));
    Mail {
        kind: MailKind::Notice,
        about: notice.entry.to_string(),
        on: notice.served_on,
        language,
        subject: one_line(&subject),
        body: wrap_paragraphs(&paragraphs),
    }
}

#[allow(clippy::too_many_arguments)]
fn decided(
    language: Language,
    kind: MailKind,
    about: &str,
    name: &str,
    outcome: &str,
    arguments: &[(&str, Argument)],
    on: Date,
    by: &str,
    reasons: &str,
    mut middle: Vec<String>,
    portal: Option<&str>,
) -> Mail {
    let subject = language.text_with(&format!("{outcome}-subject"), arguments);
    let mut paragraphs = vec![
        language.text_with("mail-greeting", &[("name", text(name))]),
        language.text_with("mail-decided-on", &[("day", text(language.date(on))), ("by", text(by))]),
    ];
    paragraphs.append(&mut middle);
    paragraphs.push(format!("{}\n{reasons}", language.text("mail-reasons")));
    paragraphs.push(where_to_respond(language, portal));
    paragraphs.push(language.text("mail-footer"));
    Mail { kind, about: about.to_string(), on, language, subject: one_line(&subject), body: wrap_paragraphs(&paragraphs) }
}

fn where_to_respond(language: Language, portal: Option<&str>) -> String {
    match portal {
        Some(portal) => language.text_with("mail-respond-at", &[("address", text(format!("{}/me", portal.trim_end_matches('/'))))]),
        None => language.text("mail-respond"),
    }
}

fn text(value: impl ToString) -> Argument {
    Argument::Text(value.to_string())
}

/// A header value on one line: control characters (a line break above all,
/// which would start a header of the writer's choosing) become spaces.
fn header_safe(value: &str) -> String {
    value.chars().map(|c| if c.is_control() { ' ' } else { c }).collect()
}

fn one_line(value: &str) -> String {
    header_safe(value).split_whitespace().collect::<Vec<_>>().join(" ")
}

/// A header value as is when it is printable ASCII, else as RFC 2047
/// encoded words (UTF-8, base64), each at most 75 characters and split on
/// character boundaries, folded onto continuation lines.
fn encode_header(value: &str) -> String {
    use base64::Engine;
    let value = header_safe(value);
    if value.is_ascii() {
        return value;
    }
    // 39 bytes encode to 52 base64 characters: with `=?UTF-8?B?` and `?=`,
    // 64, and 73 after `Subject: `, inside the 78 a line should keep to.
    const CHUNK_BYTES: usize = 39;
    let mut words = Vec::new();
    let mut chunk = String::new();
    for character in value.chars() {
        if chunk.len() + character.len_utf8() > CHUNK_BYTES {
            words.push(std::mem::take(&mut chunk));
        }
        chunk.push(character);
    }
    if !chunk.is_empty() {
        words.push(chunk);
    }
    words
        .iter()
        .map(|word| format!("=?UTF-8?B?{}?=", base64::engine::general_purpose::STANDARD.encode(word.as_bytes())))
        .collect::<Vec<_>>()
        .join("\r\n ")
}

/// Paragraphs separated by a blank line, each line wrapped at
/// [`MAX_LINE_COLUMNS`]: at a space, or next to a Chinese character (which
/// needs no space to break), never before closing punctuation or after
/// opening punctuation, never inside a word or an address.
fn wrap_paragraphs(paragraphs: &[String]) -> String {
    let mut lines = Vec::new();
    for (index, paragraph) in paragraphs.iter().enumerate() {
        if index > 0 {
            lines.push(String::new());
        }
        for line in paragraph.lines() {
            lines.extend(wrap_line(&header_safe(line)));
        }
    }
    lines.join("\n")
}

/// The columns a character takes in a fixed-width font.
pub(crate) fn columns(character: char) -> usize {
    if is_wide(character) { 2 } else { 1 }
}

fn is_wide(character: char) -> bool {
    matches!(character as u32,
        0x1100..=0x115F | 0x2E80..=0x303E | 0x3041..=0x33FF | 0x3400..=0x4DBF | 0x4E00..=0x9FFF
        | 0xA000..=0xA4CF | 0xAC00..=0xD7A3 | 0xF900..=0xFAFF | 0xFE30..=0xFE4F | 0xFF00..=0xFF60 | 0xFFE0..=0xFFE6)
}

/// Punctuation a line may not start with, and punctuation it may not end with.
const CLOSING: &[char] = &['，', '。', '、', '；', '：', '？', '！', '）', '》', '」', '』', '】', ',', '.', ';', ':', ')'];
const OPENING: &[char] = &['（', '《', '「', '『', '【', '('];

/// A piece of a line no break may fall inside: a word, or a Chinese
/// character with the punctuation that clings to it.
struct Piece {
    text: String,
    columns: usize,
    space_before: bool,
    ends_wide: bool,
}

fn pieces(line: &str) -> Vec<Piece> {
    let mut pieces: Vec<Piece> = Vec::new();
    let mut space_before = false;
    let mut clinging = false;
    for character in line.chars() {
        if character == ' ' {
            space_before = true;
            clinging = false;
            continue;
        }
        let wide = is_wide(character);
        match pieces.last_mut() {
            Some(last) if !space_before && (clinging || CLOSING.contains(&character) || (!wide && !last.ends_wide)) => {
                last.text.push(character);
                last.columns += columns(character);
                last.ends_wide = wide;
            }
            _ => pieces.push(Piece { text: character.to_string(), columns: columns(character), space_before, ends_wide: wide }),
        }
        clinging = OPENING.contains(&character);
        space_before = false;
    }
    pieces
}

fn wrap_line(line: &str) -> Vec<String> {
    let mut lines = Vec::new();
    let mut current = String::new();
    let mut width = 0;
    for piece in pieces(line.trim_end()) {
        let space = usize::from(piece.space_before && !current.is_empty());
        if !current.is_empty() && width + space + piece.columns > MAX_LINE_COLUMNS {
            lines.push(std::mem::take(&mut current));
            width = 0;
        } else if space == 1 {
            current.push(' ');
            width += 1;
        }
        // A run too long for any line is cut where it must be.
        let characters: Vec<char> = piece.text.chars().collect();
        let mut chunks = characters.chunks(MAX_UNBROKEN_CHARS).peekable();
        while let Some(chunk) = chunks.next() {
            current.extend(chunk);
            width += chunk.iter().copied().map(columns).sum::<usize>();
            if chunks.peek().is_some() {
                lines.push(std::mem::take(&mut current));
                width = 0;
            }
        }
    }
    lines.push(current);
    lines
}

#[cfg(test)]
mod tests;
