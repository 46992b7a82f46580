//! Due process in words, in the output's language: a list entry with its
//! history, the written notice, and every service's decision with its causes.

use socred_core::Date;
use socred_core::lists::{EntryState, ListEntry, Notice};
use socred_store::SubjectInfo;

use crate::render::{day, t, text, with};

/// One line per service: the decision and every reason, in the output's language.
pub fn render_decisions(decisions: &[socred_core::decide::Decision], rulebook: &socred_core::Rulebook) -> String {
    use socred_core::decide::{Cause, Outcome};
    use std::fmt::Write;
    let words = socred_i18n::words::Words::new(crate::render::language(), rulebook);
    let mut out = String::new();
    for decision in decisions {
        let outcome = match decision.outcome {
            Outcome::Deny => t("decision-may-not"),
            Outcome::Allow => t("decision-may"),
            Outcome::AllowWithBenefit => with("decision-may-with", &[("benefits", text(decision.benefits.join(", ")))]),
        };
        let _ = writeln!(out, "  {} {outcome}", socred_i18n::words::padded(words.service(&decision.service), 26));
        for reason in &decision.reasons {
            let cause = match &reason.cause {
                Cause::List { list, entry } => {
                    format!("{} {entry}", with("decision-cause-list", &[("list", text(words.list_title(list)))]))
                }
                Cause::Tier { tier } => with("decision-cause-tier", &[("tier", text(tier))]),
                Cause::Record { behaviour, record } => {
                    format!("{} {record}", with("decision-cause-record", &[("behaviour", text(words.behaviour_title(behaviour)))]))
                }
            };
            let via = reason
                .via
                .as_ref()
                .map(|via| {
                    with(
                        "cli-decision-via",
                        &[("link", text(t(socred_i18n::words::link_message(via.link)))), ("subject", text(via.subject))],
                    )
                })
                .unwrap_or_default();
            let arguments = [
                ("measure", text(words.measure(&reason.measure, &reason.title))),
                ("cause", text(cause)),
                ("via", text(via)),
                ("basis", text(words.measure_basis(&reason.measure, &reason.legal_basis))),
            ];
            let _ = writeln!(out, "      {}", with("cli-decision-reason", &arguments));
        }
    }
    out
}

pub fn render_entry(entry: &ListEntry, as_of: Date, rulebook: &socred_core::Rulebook) -> String {
    use socred_i18n::notice::{authority, facts, legal_basis, notice_words};
    use std::fmt::Write;
    let language = crate::render::language();
    let mut out = String::new();
    let title = notice_words(language, rulebook, &entry.list, &entry.list_title, "", "").0;
    let state = t(&format!("entry-state-{}", entry.state.as_str()));
    let _ = writeln!(out, "\n  {}", with("cli-entry-heading", &[("id", text(&entry.id)), ("title", text(title)), ("state", text(state))]));
    let raised = [
        ("authority", text(authority(language, rulebook, &entry.authority))),
        ("basis", text(legal_basis(language, rulebook, &entry.list, &entry.legal_basis))),
    ];
    let _ = writeln!(out, "    {}", with("cli-entry-raised", &raised));
    let _ =
        writeln!(out, "    {}", with("cli-entry-facts", &[("facts", text(facts(language, rulebook, &entry.facts, &entry.facts_source)))]));
    if let Some(since) = entry.listed_since {
        let until = entry.listed_until.map(|until| language.date(until)).unwrap_or_else(|| "-".into());
        let published = if entry.published { crate::render::t("cli-entry-published") } else { String::new() };
        let _ = writeln!(
            out,
            "    {}",
            with("cli-entry-listed", &[("since", day(since)), ("until", text(until)), ("published", text(published))])
        );
    }
    if let (Some(from), EntryState::Listed) = (entry.repair_from, entry.state) {
        let _ = writeln!(out, "    {}", with("cli-entry-repair", &[("day", day(from))]));
    }
    if entry.in_force() {
        let _ = writeln!(out, "    {}", with("cli-entry-in-force", &[("day", day(as_of))]));
    }
    let _ = writeln!(out, "    {}", crate::render::t("cli-entry-history"));
    for step in &entry.history {
        let (action, detail) = socred_i18n::notice::step(language, rulebook, entry, step);
        let line = with(
            "cli-entry-step",
            &[
                ("day", crate::render::day_column(step.on)),
                ("action", text(socred_i18n::words::padded(&action, 16))),
                ("actor", text(authority(language, rulebook, &step.actor))),
                ("detail", text(detail)),
            ],
        );
        let _ = writeln!(out, "      {line}");
    }
    out
}

/// The notice to `to` as a document, in the output's language.
pub fn notice_document(
    to: &SubjectInfo,
    notice: &Notice,
    rulebook: &socred_core::Rulebook,
    portal: Option<&str>,
) -> socred_i18n::document::NoticeDocument {
    let kind = crate::render::kind(to.kind);
    let id = to.id.to_string();
    let to = socred_i18n::document::Addressee { name: &to.name, id: &id, kind: &kind };
    socred_i18n::document::notice_document(crate::render::language(), rulebook, &to, notice, portal)
}

/// The written notice, in the output's language: the document the portal
/// prints (`socred_i18n::document`), as text; `portal` is `--public-url`.
pub fn render_notice(to: &SubjectInfo, notice: &Notice, rulebook: &socred_core::Rulebook, portal: Option<&str>) -> String {
    use std::fmt::Write;
    let language = crate::render::language();
    let document = notice_document(to, notice, rulebook, portal);
    let mut out = String::new();
    let rule = "=".repeat(78);
    let title = if language == socred_i18n::Language::English { document.title.to_uppercase() } else { document.title.clone() };
    let _ = writeln!(out, "{rule}\n{title}\n{rule}");
    let labels: Vec<String> = document.particulars.iter().map(|(label, _)| with("cli-document-label", &[("label", text(label))])).collect();
    let width = labels.iter().map(|label| socred_i18n::words::display_columns(label)).max().unwrap_or(0) + 2;
    for (label, (_, value)) in labels.iter().zip(&document.particulars) {
        let _ = writeln!(out, "{}{value}", socred_i18n::words::padded(label, width));
    }
    for section in &document.sections {
        let _ = writeln!(out, "\n{}", section.heading);
        for paragraph in &section.paragraphs {
            let _ = writeln!(out, "   {paragraph}");
        }
    }
    let _ = writeln!(out, "{rule}");
    out
}
