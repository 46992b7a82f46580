//! Human-readable output, in the language of `--lang` (English or Chinese;
//! JSON is the same in both). The rulebook's own words follow the language;
//! what people wrote (names, facts, reasons) is shown as written.

use std::fmt::Write;
use std::sync::OnceLock;

use socred_core::Rulebook;
use socred_core::assess::{Assessment, RecordStatus, TierCause};
use socred_i18n::{Argument, Language};
use socred_store::SubjectInfo;

static LANGUAGE: OnceLock<Language> = OnceLock::new();

/// Sets the language of this process's human output (once, from `--lang`).
pub fn set_language(language: Language) {
    let _ = LANGUAGE.set(language);
}

/// An indicatif template in the output's language: the message `id` writes
/// indicatif's own keys as `[key]`, since Fluent reads braces as its own.
pub fn progress_template(id: &str) -> String {
    progress_template_in(language(), id)
}

fn progress_template_in(language: Language, id: &str) -> String {
    let mut template = language.text(id);
    for key in ["spinner", "bar:40", "pos", "len", "per_sec", "eta", "bytes", "total_bytes", "bytes_per_sec"] {
        template = template.replace(&format!("[{key}]"), &format!("{{{key}}}"));
    }
    template
}

pub fn language() -> Language {
    LANGUAGE.get().copied().unwrap_or_default()
}

/// The language a command line asks for: `--lang` or `SOCRED_LANG`, else the
/// locale's (`LC_ALL`, `LC_MESSAGES`, `LANG`: `zh_CN.UTF-8` is Chinese), else English.
pub fn chosen_language(flag: Option<Language>) -> Language {
    flag.unwrap_or_else(|| {
        ["LC_ALL", "LC_MESSAGES", "LANG"]
            .iter()
            .filter_map(|name| std::env::var(name).ok())
            .find(|value| !value.is_empty())
            .and_then(|value| Language::from_tag(value.split(['.', '@']).next().unwrap_or("").replace('_', "-").as_str()))
            .unwrap_or_default()
    })
}

/// `--lang`: en or zh-CN (and the tags those stand for).
pub fn parse_language(text: &str) -> Result<Language, String> {
    // Said in the language read before parsing (the locale's, when --lang itself is wrong).
    Language::from_tag(text).ok_or_else(|| with("cli-usage-not-a-language", &[("value", self::text(format!("{text:?}")))]))
}

pub(crate) fn t(id: &str) -> String {
    language().text(id)
}

pub(crate) fn with(id: &str, arguments: &[(&str, Argument)]) -> String {
    language().text_with(id, arguments)
}

pub(crate) fn text(value: impl ToString) -> Argument {
    Argument::Text(value.to_string())
}

/// A day in a sentence, as the output's language writes it (2025年1月10日 in
/// Chinese). Columns of a table keep ISO 8601, which GB/T 7408 also writes:
/// one width, sorted as text.
pub(crate) fn day(date: socred_core::Date) -> Argument {
    Argument::Text(language().date(date))
}

/// A day at the start of a line of a listing: as [`day`], padded to the
/// language's widest day (2025年12月31日 takes 14 columns) so lines align.
pub(crate) fn day_column(date: socred_core::Date) -> Argument {
    let widest = match language() {
        Language::English => 10,
        Language::Chinese => 14,
    };
    Argument::Text(socred_i18n::words::padded(&language().date(date), widest))
}

pub(crate) fn kind(kind: socred_core::SubjectKind) -> String {
    match (language(), kind) {
        (Language::Chinese, socred_core::SubjectKind::Person) => "自然人".into(),
        (Language::Chinese, socred_core::SubjectKind::Organisation) => "组织".into(),
        (_, kind) => kind.as_str().into(),
    }
}

/// A behaviour's title in the output's language; `english` is what the record carries.
fn behaviour_title<'a>(rulebook: &'a Rulebook, code: &str, english: &'a str) -> &'a str {
    match rulebook.behaviour(code) {
        Some(spec) if spec.title == english => language().pick(english, &spec.title_zh),
        _ => english,
    }
}

/// A behaviour named by its code alone: its title in the output's language, else the code.
pub(crate) fn behaviour_by_code<'a>(rulebook: &'a Rulebook, code: &'a str) -> &'a str {
    match rulebook.behaviour(code) {
        Some(spec) => language().pick(&spec.title, &spec.title_zh),
        None => code,
    }
}

fn links(out: &mut String, info: &SubjectInfo) {
    for (label, list) in [
        ("cli-guardians", &info.guardians),
        ("cli-children", &info.children),
        ("cli-represents", &info.represents),
        ("cli-representatives", &info.representatives),
    ] {
        if !list.is_empty() {
            let names: Vec<String> = list.iter().map(|s| format!("{} ({})", s.name, s.id)).collect();
            let _ = writeln!(out, "  {}", with("cli-linked", &[("links", text(t(label))), ("names", text(names.join(", ")))]));
        }
    }
}

pub fn subject(info: &SubjectInfo) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "{} ({}, {})", info.name, info.id, kind(info.kind));
    links(&mut out, info);
    out
}

pub fn assessment(info: &SubjectInfo, assessment: &Assessment, rulebook: &Rulebook) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "{} ({}, {})", info.name, info.id, kind(info.kind));
    links(&mut out, info);
    let as_of = with(
        "cli-as-of",
        &[("day", day(assessment.as_of)), ("rulebook", text(&assessment.rulebook.id)), ("version", text(&assessment.rulebook.version))],
    );
    let _ = writeln!(out, "{as_of}\n");
    let _ = write!(out, "{}", with("cli-score-tier", &[("score", Argument::Number(assessment.score)), ("tier", text(&assessment.tier))]));
    if assessment.tier != assessment.points_tier {
        let _ = write!(out, "{}", with("cli-points-alone", &[("tier", text(&assessment.points_tier))]));
    }
    let _ = writeln!(out);
    for lock in &assessment.locks {
        let _ =
            writeln!(out, "{}", with("cli-locked", &[("tier", text(&lock.tier)), ("since", day(lock.since)), ("until", day(lock.until))]));
    }
    let annual = &assessment.annual_expectation;
    let annual_line = with(
        "cli-annual",
        &[
            ("year", text(annual.year)),
            ("net", text(format!("{:+}", annual.net_points))),
            ("expected", text(format!("{:+}", annual.expected_points))),
            ("met", text(t(if annual.met { "cli-annual-met" } else { "cli-annual-not-met" }))),
            ("so_far", text(if annual.year_complete { String::new() } else { t("cli-annual-so-far") })),
        ],
    );
    let _ = writeln!(out, "{annual_line}");

    let _ = writeln!(out, "\n{}", with("cli-why-points", &[("score", Argument::Number(assessment.score))]));
    let _ = writeln!(out, "  {:>6}  {}", assessment.base_score, t("cli-base-score"));
    for contribution in &assessment.explanation {
        let basis = match rulebook.behaviour(&contribution.behaviour) {
            Some(spec) if spec.legal_basis == contribution.legal_basis => language().pick(&spec.legal_basis, &spec.legal_basis_zh),
            _ => contribution.legal_basis.as_str(),
        };
        let _ = writeln!(
            out,
            "  {:>+6}  {} {} ({}), {}; {}",
            contribution.points,
            socred_core::date::format_date(contribution.occurred_on),
            behaviour_title(rulebook, &contribution.behaviour, &contribution.title),
            contribution.record_id,
            with("cli-counts-until", &[("day", day(contribution.counts_until))]),
            basis
        );
    }
    let _ = writeln!(out, "  {:>6}  {}", assessment.score, t("cli-total"));

    if !assessment.tier_history.is_empty() {
        let _ = writeln!(out, "\n{}", with("cli-why-tier", &[("tier", text(&assessment.tier))]));
        for change in &assessment.tier_history {
            let cause = match &change.cause {
                TierCause::Points => t("cli-cause-points"),
                TierCause::Forced { record_id, behaviour } => {
                    with("cli-cause-forced", &[("behaviour", text(behaviour_by_code(rulebook, behaviour))), ("record", text(record_id))])
                }
                TierCause::StepRecovery => t("cli-cause-step"),
                TierCause::LockEnded => t("cli-cause-lock-ended"),
            };
            let locked = change.locked_until.map(|until| with("cli-locked-until", &[("day", day(until))])).unwrap_or_default();
            let line = with(
                "cli-tier-change",
                &[
                    ("day", day_column(change.on)),
                    ("from", text(&change.from)),
                    ("to", text(&change.to)),
                    ("score", Argument::Number(change.score)),
                    ("cause", text(cause)),
                    ("locked", text(locked)),
                ],
            );
            let _ = writeln!(out, "  {line}");
        }
    } else {
        let _ = writeln!(
            out,
            "\n{}",
            with("cli-tier-of-points", &[("tier", text(&assessment.tier)), ("score", Argument::Number(assessment.score))])
        );
    }

    let _ = writeln!(out, "\n{}", with("cli-file", &[("count", Argument::Number(assessment.records.len() as i64))]));
    for entry in &assessment.records {
        let status = t(match entry.status {
            RecordStatus::Counts => "cli-status-counts",
            RecordStatus::Expired => "cli-status-expired",
            RecordStatus::NotYetEffective => "cli-status-not-yet-effective",
            RecordStatus::Void => "cli-status-void",
            RecordStatus::NotInRulebook => "cli-status-not-in-rulebook",
        });
        let _ = writeln!(
            out,
            "  {}  {:<28} {:>+5}  {:<17} {}  {}{}{}",
            socred_core::date::format_date(entry.record.occurred_on),
            entry.record.behaviour,
            entry.points,
            status,
            entry.record.id,
            with("cli-source", &[("source", text(socred_i18n::notice::authority(language(), rulebook, &entry.record.source)))]),
            entry.record.evidence.as_deref().map(|e| with("cli-evidence", &[("evidence", text(e))])).unwrap_or_default(),
            entry.void_reason.as_deref().map(|r| with("cli-void", &[("reason", text(r))])).unwrap_or_default()
        );
    }
    out
}

pub fn rulebook(rulebook: &Rulebook) -> String {
    let language = language();
    let mut out = String::new();
    let _ = writeln!(out, "{} {}: {}", rulebook.id, rulebook.version, language.pick(&rulebook.title, &rulebook.title_zh));
    let _ = writeln!(out, "{}", with("cli-fingerprint", &[("fingerprint", text(&rulebook.fingerprint))]));
    let base = with(
        "cli-base",
        &[
            ("base", Argument::Number(rulebook.base_score)),
            ("deductions", text(rulebook.deduction_years)),
            ("additions", text(rulebook.addition_years)),
        ],
    );
    let _ = writeln!(out, "{base}");
    let _ = writeln!(out, "{}", with("cli-annual-rule", &[("points", text(format!("{:+}", rulebook.annual_min_net_points)))]));
    let recovery = match rulebook.recovery {
        socred_core::rulebook::Recovery::StepWise => t("cli-recovery-step-wise"),
        socred_core::rulebook::Recovery::Immediate => t("cli-recovery-immediate"),
    };
    let _ = writeln!(out, "\n{}", with("cli-tiers", &[("recovery", text(recovery))]));
    for (_, spec) in rulebook.tiers.iter_best_first() {
        let threshold = spec.min_points.map(|m| format!(">= {m}")).unwrap_or_else(|| t("cli-below"));
        let lock = if spec.lock_years > 0 { with("cli-locks-years", &[("years", text(spec.lock_years))]) } else { String::new() };
        let _ =
            writeln!(out, "  {:<4} {:<9} {:<14} {}", spec.name, threshold, lock, language.pick(&spec.description, &spec.description_zh));
    }
    let _ = writeln!(out, "\n{}", t("cli-behaviours"));
    for behaviour in &rulebook.behaviours {
        let forced = behaviour.forced_tier.map(|tier| with("cli-forces", &[("tier", text(rulebook.tiers.name(tier)))])).unwrap_or_default();
        let _ = writeln!(
            out,
            "  {:<30} {:>+5}  {}  [{}]{}  {}; {}",
            behaviour.code,
            behaviour.points,
            with("cli-years", &[("years", text(behaviour.years))]),
            behaviour.category.as_str(),
            forced,
            language.pick(&behaviour.title, &behaviour.title_zh),
            language.pick(&behaviour.legal_basis, &behaviour.legal_basis_zh)
        );
    }
    lists_and_measures(&mut out, rulebook);
    out
}

/// The lists, then the catalogue of joint rewards and punishments: each
/// measure with its service, what triggers it, whom it reaches and its basis.
fn lists_and_measures(out: &mut String, rulebook: &Rulebook) {
    use socred_core::rulebook::MeasureKind;
    let language = language();
    let words = socred_i18n::words::Words::new(language, rulebook);
    let _ = writeln!(out, "\n{}", t("cli-lists"));
    for list in &rulebook.lists {
        let arguments = [
            ("code", text(&list.code)),
            ("title", text(language.pick(&list.title, &list.title_zh))),
            ("appeal", text(list.appeal_days)),
            ("years", text(list.max_listing_years)),
            ("repair", text(list.min_publication_years)),
            ("basis", text(language.pick(&list.legal_basis, &list.legal_basis_zh))),
        ];
        let _ = writeln!(out, "  {}", with("cli-list-line", &arguments));
    }
    for (kind, heading) in [(MeasureKind::Restriction, "cli-restrictions"), (MeasureKind::Reward, "cli-rewards")] {
        let measures: Vec<_> = rulebook.measures.iter().filter(|measure| measure.kind == kind).collect();
        let _ = writeln!(out, "\n{}", with(heading, &[("count", text(measures.len()))]));
        for measure in measures {
            let mut triggers: Vec<String> = measure.lists.iter().map(|list| words.list_title(list).to_string()).collect();
            triggers.extend(measure.tiers.iter().map(|tier| with("decision-cause-tier", &[("tier", text(rulebook.tiers.name(*tier)))])));
            triggers.extend(
                measure.records.iter().map(|code| with("decision-cause-record", &[("behaviour", text(words.behaviour_title(code)))])),
            );
            let mut reaches: Vec<String> = Vec::new();
            if measure.direct {
                reaches.push(t("cli-measure-reaches-self"));
            }
            reaches.extend(measure.extends_to.iter().map(|link| t(&format!("cli-measure-reaches-{}", link.as_str()))));
            let benefit = measure.benefit.as_deref().map(|b| with("cli-measure-benefit", &[("benefit", text(b))])).unwrap_or_default();
            let arguments = [
                ("title", text(language.pick(&measure.title, &measure.title_zh))),
                ("code", text(&measure.code)),
                ("service", text(words.service(&measure.service))),
                ("benefit", text(benefit)),
            ];
            let _ = writeln!(out, "  {}", with("cli-measure-line", &arguments));
            let separator = t("cli-list-separator");
            let _ = writeln!(out, "      {}", with("cli-measure-when", &[("triggers", text(triggers.join(&separator)))]));
            let _ = writeln!(out, "      {}", with("cli-measure-reaches", &[("whom", text(reaches.join(&t("cli-and-separator"))))]));
            let _ = writeln!(
                out,
                "      {}",
                with("cli-measure-basis", &[("basis", text(language.pick(&measure.legal_basis, &measure.legal_basis_zh)))])
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use socred_i18n::Language;

    use super::progress_template_in;

    /// Every message id the CLI's output names exists in both languages.
    #[test]
    fn every_message_the_cli_names_exists_in_both_languages() {
        let mut named = std::collections::BTreeSet::new();
        let sources = [
            include_str!("render.rs"),
            include_str!("due.rs"),
            include_str!("due_words.rs"),
            include_str!("main.rs"),
            include_str!("accounts.rs"),
            include_str!("log.rs"),
            include_str!("reports.rs"),
            include_str!("policy.rs"),
            include_str!("sim.rs"),
            include_str!("score.rs"),
        ];
        for source in sources {
            for prefix in ["cli-", "decision-"] {
                for part in source.split(&format!("\"{prefix}")).skip(1) {
                    let Some((rest, _)) = part.split_once('"') else { continue };
                    if !rest.is_empty() && rest.bytes().all(|b| b.is_ascii_lowercase() || b == b'-') && !rest.ends_with('-') {
                        named.insert(format!("{prefix}{rest}"));
                    }
                }
            }
        }
        assert!(named.len() > 110, "the scan finds the output's ids: {}", named.len());
        // Ids the output builds from a code: every act's name and every state of an entry.
        let actions = ["list.propose", "list.serve-notice", "list.withdraw", "appeal.file", "appeal.decide"];
        let actions = actions.into_iter().chain([
            "dispute.file",
            "dispute.decide",
            "repair.apply",
            "repair.decide",
            "consent.give",
            "consent.withdraw",
        ]);
        named.extend(actions.map(|action| format!("cli-action-{}", action.replace('.', "-"))));
        let dimensions = socred_core::policy::groups::Dimension::ALL;
        named.extend(dimensions.map(|dimension| format!("cli-policy-dimension-{}", dimension.as_str())));
        named.extend(socred_core::lists::EntryState::ALL.iter().map(|state| format!("entry-state-{}", state.as_str())));
        use socred_core::rulebook::Extension;
        let links = [Extension::Children, Extension::LegalRepresentatives, Extension::RepresentedOrganisations];
        named.extend(links.iter().map(|link| format!("cli-measure-reaches-{}", link.as_str())));
        for language in Language::ALL {
            let ids = socred_i18n::message_ids(language);
            let missing: Vec<&String> = named.iter().filter(|id| !ids.contains(id)).collect();
            assert!(missing.is_empty(), "{}: {missing:?}", language.tag());
        }
    }

    /// Each progress template reads in both languages with indicatif's keys in braces.
    #[test]
    fn progress_templates_hold_indicatifs_keys_in_both_languages() {
        for id in ["cli-progress-generating", "cli-progress-importing", "cli-progress-reading", "cli-progress-simulating"] {
            for language in Language::ALL {
                let template = progress_template_in(language, id);
                assert!(template.starts_with("{spinner} ") && !template.contains("[spinner]"), "{template}");
                indicatif::ProgressStyle::with_template(&template).expect("a valid template");
            }
        }
    }
}
