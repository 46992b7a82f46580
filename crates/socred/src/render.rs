//! Human-readable output.

use std::fmt::Write;

use socred_core::Rulebook;
use socred_core::assess::{Assessment, RecordStatus, TierCause};
use socred_core::date::format_date;
use socred_store::SubjectInfo;

fn links(out: &mut String, info: &SubjectInfo) {
    for (label, list) in [
        ("guardians", &info.guardians),
        ("children", &info.children),
        ("represents", &info.represents),
        ("legal representatives", &info.representatives),
    ] {
        if !list.is_empty() {
            let names: Vec<String> = list.iter().map(|s| format!("{} ({})", s.name, s.id)).collect();
            let _ = writeln!(out, "  {label}: {}", names.join(", "));
        }
    }
}

pub fn subject(info: &SubjectInfo) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "{} ({}, {})", info.name, info.id, info.kind.as_str());
    links(&mut out, info);
    out
}

pub fn assessment(info: &SubjectInfo, assessment: &Assessment) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "{} ({}, {})", info.name, info.id, info.kind.as_str());
    links(&mut out, info);
    let _ = writeln!(
        out,
        "as of {} under rulebook {} {}\n",
        format_date(assessment.as_of),
        assessment.rulebook.id,
        assessment.rulebook.version
    );
    let _ = write!(out, "score {}   tier {}", assessment.score, assessment.tier);
    if assessment.tier != assessment.points_tier {
        let _ = write!(out, "   (points alone would give {})", assessment.points_tier);
    }
    let _ = writeln!(out);
    for lock in &assessment.locks {
        let _ = writeln!(out, "locked in {} since {} until {}", lock.tier, format_date(lock.since), format_date(lock.until));
    }
    let annual = &assessment.annual_expectation;
    let _ = writeln!(
        out,
        "annual expectation {}: net {:+} of at least {:+}{}{}",
        annual.year,
        annual.net_points,
        annual.expected_points,
        if annual.met { ", met" } else { ", not met" },
        if annual.year_complete { "" } else { " so far" }
    );

    let _ = writeln!(out, "\nwhy {} points:", assessment.score);
    let _ = writeln!(out, "  {:>6}  base score", assessment.base_score);
    for contribution in &assessment.explanation {
        let _ = writeln!(
            out,
            "  {:>+6}  {} {} ({}), counts until {}; {}",
            contribution.points,
            format_date(contribution.occurred_on),
            contribution.title,
            contribution.record_id,
            format_date(contribution.counts_until),
            contribution.legal_basis
        );
    }
    let _ = writeln!(out, "  {:>6}  total", assessment.score);

    if !assessment.tier_history.is_empty() {
        let _ = writeln!(out, "\nwhy tier {}:", assessment.tier);
        for change in &assessment.tier_history {
            let cause = match &change.cause {
                TierCause::Points => "the score crossed a threshold".to_string(),
                TierCause::Forced { record_id, behaviour } => format!("{behaviour} ({record_id}) forces this tier"),
                TierCause::StepRecovery => "a lock ended; recovery goes one locked tier at a time".to_string(),
                TierCause::LockEnded => "a lock ended".to_string(),
            };
            let locked = change.locked_until.map(|u| format!(", locked until {}", format_date(u))).unwrap_or_default();
            let _ =
                writeln!(out, "  {}  {} -> {} at {} points: {cause}{locked}", format_date(change.on), change.from, change.to, change.score);
        }
    } else {
        let _ = writeln!(out, "\ntier {}: the tier of {} points (see `socred rulebook show`)", assessment.tier, assessment.score);
    }

    let _ = writeln!(out, "\nfile: {} record(s)", assessment.records.len());
    for entry in &assessment.records {
        let status = match entry.status {
            RecordStatus::Counts => "counts",
            RecordStatus::Expired => "expired",
            RecordStatus::NotYetEffective => "not yet effective",
            RecordStatus::Void => "void",
            RecordStatus::NotInRulebook => "not in rulebook",
        };
        let title = entry.record.behaviour.as_str();
        let _ = writeln!(
            out,
            "  {}  {:<28} {:>+5}  {:<17} {}  source: {}{}{}",
            format_date(entry.record.occurred_on),
            title,
            entry.points,
            status,
            entry.record.id,
            entry.record.source,
            entry.record.evidence.as_deref().map(|e| format!("; evidence: {e}")).unwrap_or_default(),
            entry.void_reason.as_deref().map(|r| format!("; void: {r}")).unwrap_or_default()
        );
    }
    out
}

pub fn rulebook(rulebook: &Rulebook) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "{} {}: {}", rulebook.id, rulebook.version, rulebook.title);
    let _ = writeln!(out, "fingerprint {}", rulebook.fingerprint);
    let _ = writeln!(
        out,
        "base score {}; deductions count {} years, additions {} years unless stated",
        rulebook.base_score, rulebook.deduction_years, rulebook.addition_years
    );
    let _ = writeln!(out, "annual expectation: at least {:+} net points per year (reported only)", rulebook.annual_min_net_points);
    let _ = writeln!(out, "\ntiers (recovery: {:?}):", rulebook.recovery);
    for (_, spec) in rulebook.tiers.iter_best_first() {
        let threshold = spec.min_points.map(|m| format!(">= {m}")).unwrap_or_else(|| "below".to_string());
        let lock = if spec.lock_years > 0 { format!("locks {} years", spec.lock_years) } else { String::new() };
        let _ = writeln!(out, "  {:<4} {:<9} {:<14} {}", spec.name, threshold, lock, spec.description);
    }
    let _ = writeln!(out, "\nbehaviours:");
    for behaviour in &rulebook.behaviours {
        let forced = behaviour.forced_tier.map(|t| format!(", forces {}", rulebook.tiers.name(t))).unwrap_or_default();
        let _ = writeln!(
            out,
            "  {:<30} {:>+5}  {} years  [{}]{}  {}; {}",
            behaviour.code,
            behaviour.points,
            behaviour.years,
            behaviour.category.as_str(),
            forced,
            behaviour.title,
            behaviour.legal_basis
        );
    }
    out
}
