//! An entry's words in a reader's language: the rulebook's own (a list's
//! title, legal basis and consequences, when the stored text is still the
//! rulebook's), and the facts and authority a rule wrote (from a record or
//! a tier change), written again from their parts. What a person wrote is
//! quoted as written. The printed notice, the pages and e-mail-ready texts
//! all read an entry through these.

use socred_core::date::format_date;
use socred_core::lists::{FactsSource, ListEntry, Step, Transition};
use socred_core::rulebook::Rulebook;

use crate::{Argument, Language};

/// A list's title, legal basis and consequences in `language` when the
/// stored text is the rulebook's own (a later rulebook may have reworded
/// it: then the text stands as the notice gave it).
pub fn notice_words(
    language: Language,
    rulebook: &Rulebook,
    list: &str,
    title: &str,
    basis: &str,
    consequences: &str,
) -> (String, String, String) {
    let Some(spec) = rulebook.list(list).filter(|spec| spec.title == title) else {
        return (title.to_string(), basis.to_string(), consequences.to_string());
    };
    let basis = legal_basis(language, rulebook, list, basis);
    let consequences = if spec.consequences == consequences { language.pick(consequences, &spec.consequences_zh) } else { consequences };
    (language.pick(title, &spec.title_zh).to_string(), basis, consequences.to_string())
}

/// An entry's legal basis in `language` when it is the list's own, or the
/// list's and its trigger behaviour's joined; a reviewer's words as written.
pub fn legal_basis(language: Language, rulebook: &Rulebook, list: &str, basis: &str) -> String {
    match rulebook.list(list) {
        Some(spec) if spec.legal_basis == basis => language.pick(basis, &spec.legal_basis_zh).to_string(),
        Some(spec) => joined_basis(language, rulebook, spec, basis).unwrap_or_else(|| basis.to_string()),
        None => basis.to_string(),
    }
}

/// A record-triggered entry's basis joins the list's and its behaviour's
/// (see `lists::entries`): in Chinese when both are the rulebook's own.
fn joined_basis(language: Language, rulebook: &Rulebook, spec: &socred_core::rulebook::ListSpec, basis: &str) -> Option<String> {
    if language == Language::English || spec.legal_basis_zh.trim().is_empty() {
        return None;
    }
    let rest = basis.strip_prefix(spec.legal_basis.as_str())?.strip_prefix("; ")?;
    spec.triggers.iter().find_map(|trigger| match trigger {
        socred_core::rulebook::Trigger::Behaviour { code } => rulebook
            .behaviour(code)
            .filter(|behaviour| behaviour.legal_basis == rest && !behaviour.legal_basis_zh.trim().is_empty())
            .map(|behaviour| format!("{}；{}", spec.legal_basis_zh, behaviour.legal_basis_zh)),
        _ => None,
    })
}

/// An entry's facts in `language`: written again from their parts when a
/// rule wrote them, else (a person's words) as written.
pub fn facts(language: Language, rulebook: &Rulebook, written: &str, source: &FactsSource) -> String {
    let day = |day: socred_core::Date| Argument::Text(if language == Language::English { format_date(day) } else { language.date(day) });
    match source {
        FactsSource::Written => written.to_string(),
        FactsSource::Record { occurred_on, behaviour, record, source, evidence } => {
            let title = rulebook.behaviour(behaviour).map_or(behaviour.as_str(), |spec| language.pick(&spec.title, &spec.title_zh));
            let evidence = evidence
                .as_deref()
                .map(|evidence| language.text_with("facts-evidence", &[("evidence", Argument::Text(evidence.to_string()))]))
                .unwrap_or_default();
            language.text_with(
                "facts-record",
                &[
                    ("day", day(*occurred_on)),
                    ("behaviour", Argument::Text(title.to_string())),
                    ("record", Argument::Text(record.to_string())),
                    ("source", Argument::Text(authority(language, rulebook, source))),
                    ("evidence", Argument::Text(evidence)),
                ],
            )
        }
        FactsSource::Tier { on, tier, score } => language.text_with(
            "facts-tier",
            &[("day", day(*on)), ("tier", Argument::Text(tier.clone())), ("score", Argument::Text(score.to_string()))],
        ),
    }
}

/// A stored act by its code (`appeal.decide`) in English, as the ledger
/// names it; in words in other languages.
fn act_words(language: Language, action: &str) -> String {
    let id = format!("cli-action-{}", action.replace('.', "-"));
    if language == Language::English || !crate::message_ids(language).contains(&id) { action.to_string() } else { language.text(&id) }
}

/// One step of an entry's history in `language`: its action and what
/// happened, written again from its parts (a person's words as written).
pub fn step(language: Language, rulebook: &Rulebook, entry: &ListEntry, transition: &Transition) -> (String, String) {
    let text = |value: String| Argument::Text(value);
    let day = |day: socred_core::Date| Argument::Text(if language == Language::English { format_date(day) } else { language.date(day) });
    let with = |id: &str, arguments: &[(&str, Argument)]| language.text_with(id, arguments);
    let action = with(&format!("action-{}", transition.step.action()), &[]);
    let detail = match &transition.step {
        Step::Proposed => facts(language, rulebook, &entry.facts, &entry.facts_source),
        Step::NoticeServed { appeal_until: Some(deadline) } => with("step-notice-served", &[("deadline", day(*deadline))]),
        Step::NoticeServed { appeal_until: None } => with("step-notice-served-no-appeal", &[]),
        Step::Listed { published, after_appeal, until } => {
            let why = with(if *after_appeal { "step-why-appeal-dismissed" } else { "step-why-no-appeal" }, &[]);
            with(if *published { "step-listed-published" } else { "step-listed" }, &[("why", text(why)), ("until", day(*until))])
        }
        Step::Expired { years } => with("step-expired", &[("years", text(years.to_string()))]),
        Step::Ended => with("step-ended", &[]),
        Step::Withdrawn { reason } => reason.clone(),
        Step::AppealFiled { appeal, instance, grounds } => with(
            "step-appeal-filed",
            &[("appeal", text(appeal.to_string())), ("instance", text(instance.to_string())), ("grounds", text(grounds.clone()))],
        ),
        Step::AppealDismissed { second_instance, reasons } => with(
            if *second_instance { "step-appeal-dismissed-finally" } else { "step-appeal-dismissed" },
            &[("reasons", text(reasons.clone()))],
        ),
        Step::Overturned { reasons } => with("step-overturned", &[("reasons", text(reasons.clone()))]),
        Step::RepairApplied { repair, evidence } => {
            with("step-repair-applied", &[("repair", text(repair.to_string())), ("evidence", text(evidence.clone()))])
        }
        Step::Repaired { reasons } => with("step-repaired", &[("reasons", text(reasons.clone()))]),
        Step::RepairRefused { reasons } => reasons.clone(),
        Step::Void { reason } => with("step-void", &[("reason", text(reason.clone()))]),
        Step::Recorded { action } => with("step-recorded", &[("action", text(act_words(language, action)))]),
        Step::NotApplied { action, error, refusal } => {
            // English as the ledger's history states it (the field, then the reason).
            let error = match refusal {
                Some(refusal) if language != Language::English => crate::refusals::text(language, refusal),
                _ => error.clone(),
            };
            with("step-not-applied", &[("action", text(act_words(language, action))), ("error", text(error))])
        }
    };
    (action, detail)
}

/// The rule's prefix of a tier-triggered entry's authority (see `lists::origins`).
const TIER_RULE: &str = "tier rule of rulebook ";

/// An entry's authority in `language`: the tier rule's name is written
/// again; an authority's own name (a court, a bureau) stands as written.
pub fn authority(language: Language, rulebook: &Rulebook, written: &str) -> String {
    match (written.strip_prefix(TIER_RULE), rulebook.authority(written)) {
        (Some(rulebook), _) => language.text_with("authority-tier-rule", &[("rulebook", Argument::Text(rulebook.to_string()))]),
        (None, Some(known)) => language.pick(&known.name, &known.name_zh).to_string(),
        (None, None) => written.to_string(),
    }
}

/// Where the authority `written` may be written to, in `language`, when the
/// rulebook gives an address for it.
pub fn authority_address(language: Language, rulebook: &Rulebook, written: &str) -> Option<String> {
    let known = rulebook.authority(written)?;
    Some(language.pick(&known.address, &known.address_zh).to_string()).filter(|address| !address.trim().is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;
    use socred_core::lists::{DueProcessView, FactsSource};

    fn rulebook() -> Rulebook {
        Rulebook::from_toml(socred_core::DEFAULT_RULEBOOK, "default.toml").unwrap()
    }

    /// The entries of a file with a record-triggered and a tier-triggered
    /// entry, as the core derives them.
    fn entries() -> DueProcessView {
        use socred_core::record::{Record, RecordId, SubjectFile};
        let rulebook = rulebook();
        let day = |text: &str| socred_core::parse_date(text).unwrap();
        let subject = socred_core::SubjectId::parse("11010519491231002X").unwrap();
        let record = |id: &str, behaviour: &str, on: &str, evidence: Option<&str>| Record {
            id: RecordId::parse(id).unwrap(),
            subject,
            behaviour: behaviour.into(),
            occurred_on: day(on),
            source: "Intermediate People's Court".into(),
            evidence: evidence.map(str::to_string),
        };
        let mut file = SubjectFile::default();
        file.records.push(record("jd-1", "judgment-default", "2025-01-10", Some("(2024) civil case 17")));
        file.records.push(record("crime-1", "intentional-crime", "2025-02-01", None));
        socred_core::lists::evaluate(&rulebook, subject, &file, day("2025-06-01"))
    }

    #[test]
    fn a_rules_facts_read_in_english_exactly_as_the_ledger_wrote_them() {
        let rulebook = rulebook();
        let due = entries();
        let sources: Vec<&FactsSource> = due.entries.iter().map(|entry| &entry.facts_source).collect();
        assert!(
            sources.iter().any(|s| matches!(s, FactsSource::Record { .. }))
                && sources.iter().any(|s| matches!(s, FactsSource::Tier { .. })),
            "{sources:?}"
        );
        for entry in &due.entries {
            assert_eq!(facts(Language::English, &rulebook, &entry.facts, &entry.facts_source), entry.facts);
            assert_eq!(authority(Language::English, &rulebook, &entry.authority), entry.authority);
            let chinese = facts(Language::Chinese, &rulebook, &entry.facts, &entry.facts_source);
            assert!(!chinese.contains("on 20") && chinese.contains("2025年"), "{chinese}");
            let notice = entry.notice.as_ref().unwrap();
            assert_eq!(notice.facts_source, entry.facts_source, "the notice carries the parts too");
        }
        let judgment = due.entries.iter().find(|entry| entry.id.as_str() == "blacklist:jd-1").unwrap();
        assert_eq!(
            facts(Language::Chinese, &rulebook, &judgment.facts, &judgment.facts_source),
            "2025年1月10日，有履行能力而拒不履行生效法律文书（失信被执行人）（记录 jd-1，由中级人民法院记录；证据：(2024) civil case 17）"
        );
        let tier = due.entries.iter().find(|entry| entry.authority.starts_with(TIER_RULE)).unwrap();
        assert!(
            authority(Language::Chinese, &rulebook, &tier.authority).starts_with("规则 default "),
            "{}",
            authority(Language::Chinese, &rulebook, &tier.authority)
        );
        assert_eq!(facts(Language::Chinese, &rulebook, "a reviewer's words", &FactsSource::Written), "a reviewer's words");
    }

    /// Every kind of step, read in English, is exactly the ledger's detail;
    /// in Chinese, the rules' words are Chinese and a person's are kept.
    #[test]
    fn every_step_reads_in_english_as_the_ledger_states_it() {
        let rulebook = rulebook();
        let mut entry = entries().entries.remove(0);
        let day = socred_core::parse_date("2026-01-21").unwrap();
        let case = |id: &str| socred_core::process::CaseId::parse(id).unwrap();
        let steps = [
            Step::Proposed,
            Step::NoticeServed { appeal_until: Some(day) },
            Step::NoticeServed { appeal_until: None },
            Step::Listed { published: true, after_appeal: false, until: day },
            Step::Listed { published: false, after_appeal: true, until: day },
            Step::Expired { years: 3 },
            Step::Ended,
            Step::Withdrawn { reason: "entered twice".into() },
            Step::AppealFiled { appeal: case("ap-1"), instance: 2, grounds: "paid in full".into() },
            Step::AppealDismissed { second_instance: false, reasons: "not paid".into() },
            Step::AppealDismissed { second_instance: true, reasons: "not paid".into() },
            Step::Overturned { reasons: "paid".into() },
            Step::RepairApplied { repair: case("rp-1"), evidence: "receipt".into() },
            Step::Repaired { reasons: "fulfilled".into() },
            Step::RepairRefused { reasons: "not fulfilled".into() },
            Step::Void { reason: "wrong person".into() },
            Step::Recorded { action: "appeal.file".into() },
            Step::NotApplied { action: "appeal.decide".into(), error: "no appeal is pending".into(), refusal: None },
            Step::NotApplied {
                action: "appeal.file".into(),
                error: "entry: an appeal decision can be appealed only once".into(),
                refusal: Some(socred_core::refusal::Refusal::SecondAppealUsed),
            },
        ];
        for kind in steps {
            let transition = Transition {
                on: day,
                actor: "reviewer-li".into(),
                action: kind.action().into(),
                detail: kind.english(&entry.facts),
                state: entry.state,
                step: kind.clone(),
            };
            entry.history = vec![transition.clone()];
            assert_eq!(step(Language::English, &rulebook, &entry, &transition), (transition.action.clone(), transition.detail.clone()));
            let (action, detail) = step(Language::Chinese, &rulebook, &entry, &transition);
            assert!(action.chars().any(|c| ('\u{4E00}'..='\u{9FFF}').contains(&c)), "{action}");
            assert!(!detail.contains("appeal."), "a stored act's code reads in words: {detail}");
            if matches!(kind, Step::NotApplied { refusal: Some(_), .. }) {
                assert!(detail.contains("申诉决定只能再申诉一次") && !detail.contains("only once"), "the rule reads in Chinese: {detail}");
            }
            let persons = ["entered twice", "not fulfilled"];
            if !persons.iter().any(|words| detail == *words) {
                assert!(detail.chars().any(|c| ('\u{4E00}'..='\u{9FFF}').contains(&c)), "{kind:?}: {detail}");
            }
        }
    }
}
