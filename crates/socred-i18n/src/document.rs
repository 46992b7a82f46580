//! The written notice as a document, in a reader's language: its
//! particulars (case number, addressee, issuing authority, day of service)
//! and its numbered sections (facts, legal basis, consequences, how to
//! appeal — on the portal and by post —, the file, credit repair). The
//! portal prints it on one A4 page and the CLI's `list notice` writes it as
//! text: one document, so both say the same, and neither tells a citizen to
//! run a command.

use socred_core::Rulebook;
use socred_core::lists::Notice;
use socred_core::rulebook::ListKind;

use crate::notice::{authority, authority_address, facts, notice_words};
use crate::{Argument, Language};

/// The person a notice is addressed to, as the document names them.
pub struct Addressee<'a> {
    pub name: &'a str,
    pub id: &'a str,
    /// The kind of subject, already in the reader's language.
    pub kind: &'a str,
}

/// One numbered section: its heading and its paragraphs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Section {
    pub heading: String,
    pub paragraphs: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NoticeDocument {
    pub title: String,
    /// Labelled lines under the title: case number, to, issued by (and its
    /// address, when the rulebook gives one), served on.
    pub particulars: Vec<(String, String)>,
    pub sections: Vec<Section>,
}

/// The written notice of `notice` to `to`. `portal` is the site's address
/// (`--public-url`), if known; the rulebook's postal address, if it has one,
/// is where a written appeal may be posted.
pub fn notice_document(
    language: Language,
    rulebook: &Rulebook,
    to: &Addressee<'_>,
    notice: &Notice,
    portal: Option<&str>,
) -> NoticeDocument {
    let text = |value: &str| Argument::Text(value.to_string());
    let day = |date: socred_core::Date| Argument::Text(language.date(date));
    let with = |id: &str, arguments: &[(&str, Argument)]| language.text_with(id, arguments);
    let (title, basis, consequences) =
        notice_words(language, rulebook, &notice.list, &notice.list_title, &notice.legal_basis, &notice.consequences);
    let particulars = vec![
        (language.text("document-case-number"), notice.entry.to_string()),
        (
            language.text("document-to"),
            with("document-addressee", &[("name", text(to.name)), ("id", text(to.id)), ("kind", text(to.kind))]),
        ),
        (language.text("document-issued-by"), authority(language, rulebook, &notice.issued_by)),
    ];
    let mut particulars = particulars;
    if let Some(address) = authority_address(language, rulebook, &notice.issued_by) {
        particulars.push((language.text("document-authority-address"), address));
    }
    particulars.push((language.text("document-served-on"), language.date(notice.served_on)));
    let numbered = |number: usize, id: &str| {
        with("document-numbered", &[("number", Argument::Number(number as i64)), ("heading", Argument::Text(language.text(id)))])
    };
    let mut sections = vec![
        Section {
            heading: numbered(1, "document-facts"),
            paragraphs: vec![facts(language, rulebook, &notice.facts, &notice.facts_source)],
        },
        Section { heading: numbered(2, "document-basis"), paragraphs: vec![basis] },
        Section {
            heading: numbered(3, "document-consequences"),
            paragraphs: vec![
                with(
                    "document-consequences-text",
                    &[
                        ("list", text(&title)),
                        ("years", Argument::Number(i64::from(notice.max_listing_years))),
                        ("consequences", text(&consequences)),
                    ],
                ),
                language.text("document-no-measure-yet"),
            ],
        },
    ];
    let portal_at = portal.map(|portal| format!("{}/me", portal.trim_end_matches('/')));
    let on_the_portal = match &portal_at {
        Some(address) => with("document-on-the-portal-at", &[("address", text(address))]),
        None => language.text("document-on-the-portal"),
    };
    let postal = language.pick(&rulebook.due_process.postal_address, &rulebook.due_process.postal_address_zh);
    let appeal = match notice.appeal_deadline {
        Some(deadline) => {
            let mut paragraphs = vec![with("document-appeal-until", &[("deadline", day(deadline))]), on_the_portal.clone()];
            if !postal.trim().is_empty() {
                paragraphs.push(with("document-by-post", &[("address", text(postal))]));
            }
            paragraphs.push(language.text("document-appeal-suspends"));
            if notice.second_instance {
                paragraphs.push(language.text("document-second-instance"));
            }
            paragraphs.push(with("document-unappealed", &[("day", day(notice.listing_if_unappealed))]));
            Section { heading: numbered(4, "document-how-to-appeal"), paragraphs }
        }
        None => Section {
            heading: numbered(4, "document-appeal"),
            paragraphs: vec![with("document-no-appeal", &[("day", day(notice.listing_if_unappealed))])],
        },
    };
    sections.push(appeal);
    sections.push(Section { heading: numbered(5, "document-file"), paragraphs: vec![language.text("document-file-text"), on_the_portal] });
    if notice.kind == ListKind::Restrictive {
        let commitment = if notice.repair_requires_commitment { language.text("document-repair-commitment") } else { String::new() };
        sections.push(Section {
            heading: numbered(6, "document-repair"),
            paragraphs: vec![
                with(
                    "document-repair-text",
                    &[("years", Argument::Number(i64::from(notice.repair_after_years))), ("commitment", Argument::Text(commitment))],
                ),
                language.text("document-dispute"),
            ],
        });
    }
    let title = with("document-title", &[("list", text(&title))]);
    NoticeDocument { title, particulars, sections }
}
