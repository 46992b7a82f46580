//! Due process in words, in the output's language: a list entry with its
//! history, the written notice, and every service's decision with its causes.

use socred_core::Date;
use socred_core::date::format_date;
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
        ("authority", text(authority(language, &entry.authority))),
        ("basis", text(legal_basis(language, rulebook, &entry.list, &entry.legal_basis))),
    ];
    let _ = writeln!(out, "    {}", with("cli-entry-raised", &raised));
    let _ =
        writeln!(out, "    {}", with("cli-entry-facts", &[("facts", text(facts(language, rulebook, &entry.facts, &entry.facts_source)))]));
    if let Some(since) = entry.listed_since {
        let until = entry.listed_until.map(format_date).unwrap_or_else(|| "-".into());
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
                ("day", day(step.on)),
                ("action", text(socred_i18n::words::padded(&action, 16))),
                ("actor", text(&step.actor)),
                ("detail", text(detail)),
            ],
        );
        let _ = writeln!(out, "      {line}");
    }
    out
}

/// The written notice, in the output's language: the list's own words (its
/// title, legal basis and consequences) as the rulebook gives them in that
/// language; the facts as the officer wrote them.
pub fn render_notice(to: &SubjectInfo, notice: &Notice, rulebook: &socred_core::Rulebook) -> String {
    use crate::render::day;
    use std::fmt::Write;
    let language = crate::render::language();
    let (title, basis, consequences) =
        socred_i18n::notice::notice_words(language, rulebook, &notice.list, &notice.list_title, &notice.legal_basis, &notice.consequences);
    let (title, basis, consequences) = (title.as_str(), basis.as_str(), consequences.as_str());
    let mut out = String::new();
    let rule = "=".repeat(78);
    let heading = |out: &mut String, id: &str| {
        let _ = writeln!(out, "\n{}", t(id));
    };
    let _ = writeln!(out, "{rule}");
    let title_in_capitals = if language == socred_i18n::Language::English { title.to_uppercase() } else { title.to_string() };
    let _ = writeln!(out, "{}", with("cli-notice-title", &[("list", text(title_in_capitals))]));
    let _ = writeln!(out, "{rule}");
    let _ = writeln!(out, "{}", with("cli-notice-notice", &[("entry", text(&notice.entry))]));
    let _ = writeln!(
        out,
        "{}",
        with("cli-notice-to", &[("name", text(&to.name)), ("id", text(to.id)), ("kind", text(crate::render::kind(to.kind)))])
    );
    let _ = writeln!(
        out,
        "{}",
        with("cli-notice-issued-by", &[("authority", text(socred_i18n::notice::authority(language, &notice.issued_by)))])
    );
    let _ = writeln!(out, "{}", with("cli-notice-served-on", &[("day", day(notice.served_on))]));
    let _ = writeln!(out);
    let _ = writeln!(
        out,
        "{}\n   {}",
        t("cli-notice-facts"),
        socred_i18n::notice::facts(language, rulebook, &notice.facts, &notice.facts_source)
    );
    heading(&mut out, "cli-notice-basis");
    let _ = writeln!(out, "   {basis}");
    heading(&mut out, "cli-notice-consequences");
    let consequences = with(
        "cli-notice-consequences-text",
        &[("list", text(title)), ("years", text(notice.max_listing_years)), ("consequences", text(consequences))],
    );
    let _ = writeln!(out, "   {consequences}");
    let _ = writeln!(out, "   {}", t("cli-notice-no-measure"));
    match notice.appeal_deadline {
        Some(deadline) => {
            heading(&mut out, "cli-notice-how-to-appeal");
            let _ = writeln!(out, "   {}", with("cli-notice-appeal-until", &[("deadline", day(deadline))]));
            let _ = writeln!(out, "     socred appeal file {} --grounds \"...\"", notice.entry);
            let second = if notice.second_instance { format!(" {}", t("cli-notice-second-instance")) } else { String::new() };
            let _ = writeln!(out, "   {}{second}", t("cli-notice-appeal-suspends"));
            let _ = writeln!(out, "   {}", with("cli-notice-unappealed", &[("day", day(notice.listing_if_unappealed))]));
        }
        None => {
            heading(&mut out, "cli-notice-appeal");
            let _ = writeln!(out, "   {}", with("cli-notice-no-appeal", &[("day", day(notice.listing_if_unappealed))]));
        }
    }
    heading(&mut out, "cli-notice-file");
    let _ = writeln!(out, "   {}\n     socred file {}", t("cli-notice-file-text"), to.id);
    if notice.kind == socred_core::rulebook::ListKind::Restrictive {
        heading(&mut out, "cli-notice-repair");
        let commitment = if notice.repair_requires_commitment { t("cli-notice-repair-commitment") } else { String::new() };
        let repair = with("cli-notice-repair-text", &[("years", text(notice.repair_after_years)), ("commitment", text(commitment))]);
        let _ = writeln!(
            out,
            "   {repair}\n     socred repair apply {} --evidence \"...\"{}",
            notice.entry,
            if notice.repair_requires_commitment { " --commitment \"...\"" } else { "" }
        );
        let _ = writeln!(out, "   {}\n     socred dispute file RECORD_ID --grounds \"...\"", t("cli-notice-dispute"));
    }
    let _ = writeln!(out, "{rule}");
    out
}
