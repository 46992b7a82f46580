//! Public reports: filed by anyone with an account, with evidence stored by
//! content hash; no effect on anyone until a reviewer verifies them.
//!
//! States: submitted → under-review → verified | rejected | malicious, and
//! submitted → duplicate when the same facts (subject, behaviour, date) were
//! already verified. A verified report becomes a record (the same facts make
//! the same record id, so they count once) and earns the first reporter the
//! rulebook's reward (one reward record per facts, by id); a malicious one
//! costs its reporter the rulebook's penalty. Rows are insert-only: a report's
//! state is its last event.
//!
//! This module holds the shapes and the rules both backends share; each
//! stores them in its own `reports.rs` (`sqlite/`, `postgres/`).

pub(crate) mod review;

use socred_i18n::Argument;
use socred_i18n::reasons::Cause;
use std::collections::HashSet;

use serde::Serialize;
use sha2::{Digest, Sha256};
use socred_core::date::format_date;
use socred_core::record::{RecordId, check_text};
use socred_core::refusal::Refusal;
use socred_core::rulebook::reporting::sniff_media_type;
use socred_core::{Date, SubjectId};

use crate::Actor;
use crate::error::{Result, StoreError};

/// The id of the record a verified report becomes starts with this (then its facts' hash), so
/// a dispute of a record can tell cheaply whether a report's reward hangs on it.
pub(crate) const REPORT_RECORD_PREFIX: &str = "rep-";

pub const MAX_DESCRIPTION_CHARS: usize = 4_000;
pub const MAX_REPORT_ID_CHARS: usize = 64;
pub(crate) const DAY_MS: i64 = 24 * 3600 * 1000;
/// The pseudo-actor for transitions nobody chose (closing duplicates).
pub(crate) const SYSTEM_ACTOR: &str = "socred";

/// A report to file.
#[derive(Debug, Clone)]
pub struct NewReport {
    /// Client-supplied id (idempotency); derived from the content when absent.
    pub id: Option<String>,
    pub reporter: SubjectId,
    pub subject: SubjectId,
    pub behaviour: String,
    pub occurred_on: Date,
    pub description: String,
    /// SHA-256 hashes of evidence already stored with [`Store::add_evidence`].
    pub evidence: Vec<String>,
}

/// Who is reviewing: their acting name and, if known, the person they are.
#[derive(Debug, Clone)]
pub struct Reviewer {
    pub actor: Actor,
    pub subject: Option<SubjectId>,
}

pub use socred_core::reports::ReportOutcome;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct EvidenceInfo {
    pub hash: String,
    pub media_type: String,
    pub bytes: u64,
}

/// One transition of a report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ReportEvent {
    pub state: String,
    pub actor: String,
    #[serde(with = "socred_core::date::serde_date")]
    pub on: Date,
    pub reasons: String,
}

/// How a reporter's reports have fared: shown to reviewers.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ReporterStats {
    pub filed: u64,
    pub verified: u64,
    pub rejected: u64,
    pub malicious: u64,
    /// malicious / decided (verified + rejected + malicious); 0 when none decided.
    pub malicious_share: f64,
}

/// A report as stored, with its history.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ReportView {
    pub id: String,
    /// `None` when shown to the reported subject and the rulebook does not disclose reporters.
    pub reporter: Option<SubjectId>,
    pub subject: SubjectId,
    pub behaviour: String,
    #[serde(with = "socred_core::date::serde_date")]
    pub occurred_on: Date,
    pub description: String,
    pub evidence: Vec<EvidenceInfo>,
    /// submitted, under-review, verified, rejected, malicious, duplicate.
    pub state: String,
    #[serde(with = "socred_core::date::serde_date")]
    pub filed_on: Date,
    /// Earlier reports of the same facts.
    pub same_facts: Vec<String>,
    /// The record a verified report became; the reward or penalty record of the reporter.
    pub record_id: Option<String>,
    pub reporter_record_id: Option<String>,
    pub history: Vec<ReportEvent>,
    /// Present for reviewers.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reporter_stats: Option<ReporterStats>,
    #[serde(skip)]
    pub filed_by: String,
}

/// Counts and decision times, for `/metrics` and the reviewers' page.
#[derive(Debug, Clone, PartialEq, Serialize, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ReportMetrics {
    /// (state, reports now in it)
    pub by_state: Vec<(String, u64)>,
    pub decided: u64,
    /// Hours from filing to decision (verified, rejected or malicious).
    pub decision_hours_p50: Option<f64>,
    pub decision_hours_p90: Option<f64>,
    pub decision_hours_max: Option<f64>,
}

/// The key of the facts a report states (subject, behaviour, date), keyed with
/// the store's secret: the record a verified report becomes is named after it
/// and may be published, and nobody should test a guess of whom it is about.
pub(crate) fn facts_of(secret: &str, subject: &SubjectId, behaviour: &str, on: Date) -> String {
    let mut hasher = Sha256::new();
    for part in [secret, subject.as_str(), behaviour, &format_date(on)] {
        hasher.update((part.len() as u64).to_le_bytes());
        hasher.update(part.as_bytes());
    }
    hex::encode(&hasher.finalize()[..12])
}

fn check_report_id(id: &str) -> Result<()> {
    RecordId::parse(id).map(|_| ()).map_err(|error| StoreError::invalid_text("id", error))?;
    socred_core::id::check_client_id(id).map_err(|_| StoreError::invalid_message("id", crate::CLIENT_ID_HOLDS_NUMBER, vec![]))?;
    if id.len() > MAX_REPORT_ID_CHARS {
        let max = Argument::Number(MAX_REPORT_ID_CHARS as i64);
        return Err(StoreError::invalid_message("id", "input-at-most-characters", vec![("max", max)]));
    }
    Ok(())
}

/// Evidence judged by its bytes against the rulebook: its type (sniffed,
/// never taken from the uploader) and size; named by its SHA-256.
pub(crate) fn judge_evidence(rules: &socred_core::rulebook::reporting::Reporting, data: &[u8]) -> Result<EvidenceInfo> {
    if data.len() as u64 > rules.evidence_max_bytes {
        return Err(StoreError::invalid_because(
            "evidence",
            Refusal::EvidenceTooLarge { bytes: data.len() as u64, allowed: rules.evidence_max_bytes },
        ));
    }
    let Some(media_type) = sniff_media_type(data) else {
        return Err(StoreError::invalid_because("evidence", Refusal::EvidenceUnrecognised { allowed: rules.evidence_types.join(", ") }));
    };
    if !rules.evidence_types.iter().any(|t| t == media_type) {
        let allowed = rules.evidence_types.join(", ");
        return Err(StoreError::invalid_because(
            "evidence",
            Refusal::EvidenceTypeNotAllowed { media_type: media_type.to_string(), allowed },
        ));
    }
    Ok(EvidenceInfo { hash: hex::encode(Sha256::digest(data)), media_type: media_type.to_string(), bytes: data.len() as u64 })
}

/// Refuses an upload beyond the account's daily quota (`today` uploads in the last 24 hours).
pub(crate) fn check_evidence_quota(today: i64, quota: i64) -> Result<()> {
    if today >= quota {
        return Err(StoreError::rate_limited(
            "evidence",
            "input-rate-evidence",
            vec![("count", Argument::Number(today)), ("max", Argument::Number(quota))],
        ));
    }
    Ok(())
}

/// What can be judged of a new report without the store: the behaviour may
/// be reported, nobody reports themselves, the date and the text are in
/// range, and the evidence list is short and has no repeats.
pub(crate) fn check_new_report(rulebook: &socred_core::Rulebook, report: &NewReport, on: Date) -> Result<()> {
    let rules = &rulebook.reporting;
    if !rules.may_report(&report.behaviour) {
        let behaviour = report.behaviour.clone();
        let refusal = if rulebook.behaviour(&report.behaviour).is_none() {
            Refusal::NotInRulebook { behaviour }
        } else {
            Refusal::NotReportable { behaviour, reportable: rules.reportable.join(", ") }
        };
        return Err(StoreError::invalid_because("behaviour", refusal));
    }
    if report.reporter == report.subject {
        return Err(StoreError::invalid_because("subject", Refusal::ReportYourself));
    }
    socred_core::record::occurred_on_problem(rulebook, &report.subject, report.occurred_on, on)
        .map_err(|problem| StoreError::invalid_cause("occurred_on", Cause::Problem(problem)))?;
    check_text(&report.description, MAX_DESCRIPTION_CHARS).map_err(|error| StoreError::invalid_text("description", error))?;
    if report.evidence.len() > rules.evidence_max_files as usize {
        let (allowed, got) = (u64::from(rules.evidence_max_files), report.evidence.len() as u64);
        return Err(StoreError::invalid_because("evidence", Refusal::EvidenceTooMany { allowed, got }));
    }
    let mut seen = HashSet::new();
    for hash in &report.evidence {
        if !seen.insert(hash) {
            return Err(StoreError::invalid_because("evidence", Refusal::EvidenceTwice { hash: hash.clone() }));
        }
    }
    Ok(())
}

pub(crate) fn unknown_evidence(hash: &str) -> StoreError {
    StoreError::invalid_because("evidence", Refusal::EvidenceNotStored { hash: hash.to_string() })
}

/// The report's id: the client's (checked), or one derived from its content.
pub(crate) fn report_id_of(report: &NewReport, facts: &str, evidence_json: &str) -> Result<String> {
    match &report.id {
        Some(id) => {
            check_report_id(id)?;
            Ok(id.clone())
        }
        None => {
            let mut hasher = Sha256::new();
            for part in [report.reporter.as_str(), facts, &report.description, evidence_json] {
                hasher.update((part.len() as u64).to_le_bytes());
                hasher.update(part.as_bytes());
            }
            Ok(format!("rep-{}", &hex::encode(hasher.finalize())[..24]))
        }
    }
}

/// A report filed again under a taken id: the same report (`same_filer`: the
/// same reporter and facts, and here the same text and evidence) is a no-op.
pub(crate) fn same_report(existing: ReportView, same_filer: bool, report: &NewReport) -> Result<ReportView> {
    let same =
        same_filer && existing.description == report.description && existing.evidence.iter().map(|e| &e.hash).eq(report.evidence.iter());
    if same {
        Ok(existing)
    } else {
        Err(StoreError::conflict_message("input-conflict-report-id", vec![("id", Argument::Text(existing.id.to_string()))]))
    }
}

/// The rulebook's limits on filing: per account and per reported subject, in 24 hours.
pub(crate) fn check_report_rates(
    rules: &socred_core::rulebook::reporting::Reporting,
    actor: &Actor,
    report: &NewReport,
    by_account: i64,
    about_target: i64,
) -> Result<()> {
    if by_account >= i64::from(rules.per_account_per_day) {
        return Err(StoreError::rate_limited(
            "reporter",
            "input-rate-reports",
            vec![("reporter", Argument::Text(actor.name().to_string())), ("max", Argument::Number(i64::from(rules.per_account_per_day)))],
        ));
    }
    if about_target >= i64::from(rules.per_target_per_day) {
        return Err(StoreError::rate_limited(
            "subject",
            "input-rate-reported",
            vec![("subject", Argument::Text(report.subject.to_string())), ("count", Argument::Number(about_target))],
        ));
    }
    Ok(())
}

/// The ledger row of a report filed by `actor` under `id`: what both backends store and digest.
pub(crate) fn filed_row(report: &NewReport, id: &str, facts: &str, evidence_json: &str, actor: &Actor) -> crate::audit::LedgerRow {
    crate::audit::LedgerRow::Report {
        report_id: id.to_string(),
        reporter: report.reporter,
        subject: report.subject,
        behaviour: report.behaviour.clone(),
        occurred_on: report.occurred_on,
        description: report.description.clone(),
        evidence: crate::audit::rows::json_value(evidence_json),
        facts: facts.to_string(),
        filed_by: actor.name().to_string(),
        filed_at_ms: actor.moment().unix_ms,
        filed_on: actor.today(),
    }
}

/// A reporter's record from the count of their reports in each state.
pub(crate) fn reporter_stats_of(counts: impl IntoIterator<Item = (String, u64)>) -> ReporterStats {
    let mut stats = ReporterStats::default();
    for (state, count) in counts {
        stats.filed += count;
        match state.as_str() {
            "verified" => stats.verified += count,
            "rejected" => stats.rejected += count,
            "malicious" => stats.malicious += count,
            _ => {}
        }
    }
    let decided = stats.verified + stats.rejected + stats.malicious;
    stats.malicious_share = if decided == 0 { 0.0 } else { stats.malicious as f64 / decided as f64 };
    stats
}

/// Metrics from the count of reports in each state and the milliseconds from filing to each decision.
pub(crate) fn report_metrics_of(by_state: Vec<(String, u64)>, decision_ms: impl IntoIterator<Item = i64>) -> ReportMetrics {
    let mut hours: Vec<f64> = decision_ms.into_iter().map(|ms| ms.max(0) as f64 / 3_600_000.0).collect();
    hours.sort_by(f64::total_cmp);
    let at = |q: f64| hours.get(((hours.len() as f64 - 1.0) * q).round() as usize).copied();
    ReportMetrics {
        by_state,
        decided: hours.len() as u64,
        decision_hours_p50: at(0.5),
        decision_hours_p90: at(0.9),
        decision_hours_max: hours.last().copied(),
    }
}
