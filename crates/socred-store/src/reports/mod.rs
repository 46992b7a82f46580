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

pub(crate) mod review;

use review::add_event;
use std::collections::HashSet;

use rusqlite::{Connection, OptionalExtension, params};
use serde::Serialize;
use sha2::{Digest, Sha256};
use socred_core::date::format_date;
use socred_core::record::{Record, RecordId, check_text};
use socred_core::rulebook::reporting::sniff_media_type;
use socred_core::{Date, SubjectId};

use crate::audit::{self, LedgerRow, RowDigest};
use crate::error::{Result, StoreError};
use crate::{Actor, MAX_PAGE, Store, from_julian, julian};

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
    RecordId::parse(id).map(|_| ()).map_err(|e| StoreError::invalid("id", e.to_string().replace("record id", "report id")))?;
    socred_core::id::check_client_id(id).map_err(|reason| StoreError::invalid("id", reason))?;
    if id.len() > MAX_REPORT_ID_CHARS {
        return Err(StoreError::invalid("id", format!("at most {MAX_REPORT_ID_CHARS} characters")));
    }
    Ok(())
}

/// Evidence judged by its bytes against the rulebook: its type (sniffed,
/// never taken from the uploader) and size; named by its SHA-256.
pub(crate) fn judge_evidence(rules: &socred_core::rulebook::reporting::Reporting, data: &[u8]) -> Result<EvidenceInfo> {
    if data.len() as u64 > rules.evidence_max_bytes {
        return Err(StoreError::invalid(
            "evidence",
            format!("is {} bytes; the rulebook allows at most {}", data.len(), rules.evidence_max_bytes),
        ));
    }
    let Some(media_type) = sniff_media_type(data) else {
        return Err(StoreError::invalid(
            "evidence",
            format!("is not a file socred recognises by its content; allowed: {}", rules.evidence_types.join(", ")),
        ));
    };
    if !rules.evidence_types.iter().any(|t| t == media_type) {
        return Err(StoreError::invalid("evidence", format!("{media_type} is not allowed; allowed: {}", rules.evidence_types.join(", "))));
    }
    Ok(EvidenceInfo { hash: hex::encode(Sha256::digest(data)), media_type: media_type.to_string(), bytes: data.len() as u64 })
}

/// Refuses an upload beyond the account's daily quota (`today` uploads in the last 24 hours).
pub(crate) fn check_evidence_quota(today: i64, quota: i64) -> Result<()> {
    if today >= quota {
        return Err(StoreError::RateLimited {
            field: "evidence".into(),
            reason: format!("this account uploaded {today} files in the last 24 hours; the rulebook allows {quota}"),
        });
    }
    Ok(())
}

/// What can be judged of a new report without the store: the behaviour may
/// be reported, nobody reports themselves, the date and the text are in
/// range, and the evidence list is short and has no repeats.
pub(crate) fn check_new_report(rulebook: &socred_core::Rulebook, report: &NewReport, on: Date) -> Result<()> {
    let rules = &rulebook.reporting;
    if !rules.may_report(&report.behaviour) {
        let reason = if rulebook.behaviour(&report.behaviour).is_none() {
            format!("{:?} is not in the rulebook", report.behaviour)
        } else {
            format!("{:?} may not be reported by the public; reportable: {}", report.behaviour, rules.reportable.join(", "))
        };
        return Err(StoreError::invalid("behaviour", reason));
    }
    if report.reporter == report.subject {
        return Err(StoreError::invalid("subject", "you cannot report yourself"));
    }
    socred_core::record::check_occurred_on(rulebook, &report.subject, report.occurred_on, on)
        .map_err(|reason| StoreError::invalid("occurred_on", reason))?;
    check_text(&report.description, MAX_DESCRIPTION_CHARS).map_err(|e| StoreError::invalid("description", e.to_string()))?;
    if report.evidence.len() > rules.evidence_max_files as usize {
        return Err(StoreError::invalid("evidence", format!("at most {} files, got {}", rules.evidence_max_files, report.evidence.len())));
    }
    let mut seen = HashSet::new();
    for hash in &report.evidence {
        if !seen.insert(hash) {
            return Err(StoreError::invalid("evidence", format!("{hash} is attached twice")));
        }
    }
    Ok(())
}

pub(crate) fn unknown_evidence(hash: &str) -> StoreError {
    StoreError::invalid("evidence", format!("{hash} is not stored evidence; upload it first"))
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
    if same { Ok(existing) } else { Err(StoreError::Conflict(format!("report id {} is already taken by a different report", existing.id))) }
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
        return Err(StoreError::RateLimited {
            field: "reporter".into(),
            reason: format!("{} may file at most {} reports in 24 hours; try later", actor.name(), rules.per_account_per_day),
        });
    }
    if about_target >= i64::from(rules.per_target_per_day) {
        return Err(StoreError::RateLimited {
            field: "subject".into(),
            reason: format!(
                "{} has been reported {} times in 24 hours, the most the rulebook allows; try later",
                report.subject, about_target
            ),
        });
    }
    Ok(())
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

/// Inserts a record recorded at `recorded` under audit entry `seq`, unless its id is taken.
pub(crate) fn insert_record(
    connection: &Connection,
    seq: i64,
    subject_key: i64,
    record: &Record,
    recorded: socred_core::date::Moment,
    digest: &mut RowDigest,
) -> Result<bool> {
    let inserted = connection
        .prepare_cached(
            "INSERT INTO records (record_id, subject, behaviour, occurred_on, source, evidence, recorded_ms, recorded_day, audit_seq)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9) ON CONFLICT (record_id) DO NOTHING",
        )?
        .execute(params![
            record.id.as_str(),
            subject_key,
            record.behaviour,
            julian(record.occurred_on),
            record.source,
            record.evidence,
            recorded.unix_ms,
            julian(recorded.day),
            seq
        ])?;
    if inserted == 1 {
        digest.record(record.id.as_str(), &record.content(), recorded);
    }
    Ok(inserted == 1)
}

pub(super) struct Row {
    seq: i64,
    view: ReportView,
    reporter_key: i64,
    subject_key: i64,
    facts: String,
}

impl Store {
    /// Stores evidence by content. The type is judged from the bytes, never
    /// taken from the uploader; the rulebook limits size and types.
    /// Storing the same content twice is a no-op that returns the same hash.
    pub fn add_evidence(&mut self, data: &[u8], actor: &Actor) -> Result<EvidenceInfo> {
        let rules = &self.rulebook.reporting;
        let info = judge_evidence(rules, data)?;
        let (hash, media_type) = (info.hash.clone(), info.media_type.as_str());
        let quota = i64::from(rules.evidence_uploads_per_account_per_day);
        let now_ms = actor.moment().unix_ms;
        self.write(actor, |connection, seq| {
            let stored: bool = connection.query_row("SELECT EXISTS (SELECT 1 FROM evidence WHERE hash = ?1)", [&hash], |r| r.get(0))?;
            if stored {
                return Ok(());
            }
            let today: i64 = connection.query_row(
                "SELECT count(*) FROM evidence WHERE added_by = ?1 AND added_ms > ?2",
                params![actor.name(), now_ms - 86_400_000],
                |r| r.get(0),
            )?;
            check_evidence_quota(today, quota)?;
            let inserted = connection.execute(
                "INSERT INTO evidence (hash, media_type, bytes, data, added_at, added_by, added_ms, audit_seq)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) ON CONFLICT (hash) DO NOTHING",
                params![hash, media_type, data.len() as i64, data, actor.at_text(), actor.name(), now_ms, seq],
            )?;
            if inserted == 1 {
                let mut digest = RowDigest::default();
                digest.add(&LedgerRow::Evidence {
                    hash: hash.clone(),
                    media_type: media_type.to_string(),
                    bytes: data.len() as i64,
                    added_by: actor.name().to_string(),
                    added_ms: now_ms,
                });
                audit::append(
                    connection,
                    seq,
                    &actor.at_text(),
                    actor.name(),
                    "evidence.add",
                    None,
                    &serde_json::json!({"hash": hash, "media_type": media_type, "bytes": data.len()}),
                    digest,
                )?;
            }
            Ok(())
        })?;
        Ok(info)
    }

    pub fn evidence(&self, hash: &str) -> Result<Option<(EvidenceInfo, Vec<u8>)>> {
        Ok(self
            .connection
            .query_row("SELECT media_type, bytes, data FROM evidence WHERE hash = ?1", [hash], |row| {
                Ok((EvidenceInfo { hash: hash.to_string(), media_type: row.get(0)?, bytes: row.get::<_, i64>(1)? as u64 }, row.get(2)?))
            })
            .optional()?)
    }

    /// Whether `subject` may see this evidence: it is attached to a report they
    /// filed, or to a verified report about them.
    pub fn evidence_visible_to(&self, hash: &str, subject: &SubjectId) -> Result<bool> {
        let quoted = format!("\"{hash}\"");
        let found: Option<i64> = self
            .connection
            .query_row(
                "SELECT r.seq FROM reports r JOIN subjects s ON s.id = ?2
                 WHERE instr(r.evidence, ?1) > 0 AND (r.reporter = s.key OR (r.subject = s.key AND
                   (SELECT state FROM report_events e WHERE e.report = r.seq ORDER BY e.seq DESC LIMIT 1) = 'verified'))
                 LIMIT 1",
                params![quoted, subject.as_str()],
                |row| row.get(0),
            )
            .optional()?;
        Ok(found.is_some())
    }

    /// Files a report. Refused when the behaviour may not be reported, the
    /// reporter reports themselves, evidence is unknown, or a rate limit is
    /// reached (24 hours before the actor's moment). The same id with the
    /// same content again is a no-op.
    pub fn file_report(&mut self, report: &NewReport, actor: &Actor) -> Result<ReportView> {
        let (on, now_ms) = (actor.today(), actor.moment().unix_ms);
        let rules = self.rulebook.reporting.clone();
        check_new_report(&self.rulebook, report, on)?;
        for hash in &report.evidence {
            if evidence_info(&self.connection, hash)?.is_none() {
                return Err(unknown_evidence(hash));
            }
        }
        let reporter_key = self.subject_key(&report.reporter)?;
        let subject_key = self.subject_key(&report.subject)?;
        let facts = facts_of(&crate::store_secret(&self.connection)?, &report.subject, &report.behaviour, report.occurred_on);
        let evidence_json = serde_json::to_string(&report.evidence).expect("strings serialise");
        let id = report_id_of(report, &facts, &evidence_json)?;
        let since = now_ms - DAY_MS;
        // Judged inside the write's transaction: two writers cannot both pass a limit only one may.
        let existing = self.write(actor, |connection, seq| {
            if let Some(existing) = report_row(connection, &id)? {
                let same = existing.reporter_key == reporter_key && existing.facts == facts;
                return same_report(existing.view, same, report).map(Some);
            }
            let by_account: i64 = connection.query_row(
                "SELECT count(*) FROM reports WHERE filed_by = ?1 AND filed_at_ms > ?2",
                params![actor.name(), since],
                |row| row.get(0),
            )?;
            let about_target: i64 = connection.query_row(
                "SELECT count(*) FROM reports WHERE subject = ?1 AND filed_at_ms > ?2",
                params![subject_key, since],
                |row| row.get(0),
            )?;
            check_report_rates(&rules, actor, report, by_account, about_target)?;
            connection.execute(
                "INSERT INTO reports (report_id, reporter, subject, behaviour, occurred_on, description, evidence, facts, filed_by, filed_at_ms, filed_on, audit_seq)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
                params![
                    id,
                    reporter_key,
                    subject_key,
                    report.behaviour,
                    julian(report.occurred_on),
                    report.description,
                    evidence_json,
                    facts,
                    actor.name(),
                    now_ms,
                    julian(on),
                    seq
                ],
            )?;
            let report_seq = connection.last_insert_rowid();
            let mut digest = RowDigest::default();
            digest.add(&LedgerRow::Report {
                report_id: id.clone(),
                reporter: report.reporter,
                subject: report.subject,
                behaviour: report.behaviour.clone(),
                occurred_on: report.occurred_on,
                description: report.description.clone(),
                evidence: crate::audit::rows::json_value(&evidence_json),
                facts: facts.clone(),
                filed_by: actor.name().to_string(),
                filed_at_ms: now_ms,
                filed_on: on,
            });
            let verified_before: Option<String> = connection
                .query_row(
                    "SELECT r.report_id FROM reports r WHERE r.facts = ?1 AND r.seq <> ?2 AND
                       (SELECT state FROM report_events e WHERE e.report = r.seq ORDER BY e.seq DESC LIMIT 1) = 'verified' LIMIT 1",
                    params![facts, report_seq],
                    |row| row.get(0),
                )
                .optional()?;
            if let Some(earlier) = &verified_before {
                add_event(connection, &mut digest, seq, report_seq, "duplicate", SYSTEM_ACTOR, now_ms, on, &format!("the same facts were verified in report {earlier}"), None, None)?;
            }
            audit::append(
                connection,
                seq,
                &actor.at_text(),
                actor.name(),
                "report.file",
                Some(report.subject.as_str()),
                &serde_json::json!({"report": id, "reporter": report.reporter, "behaviour": report.behaviour,
                    "occurred_on": format_date(report.occurred_on), "evidence": report.evidence, "duplicate_of": verified_before}),
                digest,
            )?;
            Ok(None)
        })?;
        match existing {
            Some(view) => Ok(view),
            None => Ok(self.report_row(&id)?.expect("just stored").view),
        }
    }

    fn report_row(&self, id: &str) -> Result<Option<Row>> {
        report_row(&self.connection, id)
    }
}
fn evidence_info(connection: &Connection, hash: &str) -> Result<Option<EvidenceInfo>> {
    Ok(connection
        .prepare_cached("SELECT media_type, bytes FROM evidence WHERE hash = ?1")?
        .query_row([hash], |row| Ok(EvidenceInfo { hash: hash.to_string(), media_type: row.get(0)?, bytes: row.get::<_, i64>(1)? as u64 }))
        .optional()?)
}

pub(super) fn report_row(connection: &Connection, id: &str) -> Result<Option<Row>> {
    let raw = connection
        .prepare_cached(
            "SELECT r.seq, r.report_id, rp.id, s.id, r.behaviour, r.occurred_on, r.description, r.evidence, r.facts,
                        r.filed_by, r.filed_at_ms, r.filed_on, r.reporter, r.subject
                 FROM reports r JOIN subjects rp ON rp.key = r.reporter JOIN subjects s ON s.key = r.subject WHERE r.report_id = ?1",
        )?
        .query_row([id], |row| {
            Ok((
                row.get::<_, i64>(0)?,
                row.get::<_, String>(1)?,
                row.get::<_, String>(2)?,
                row.get::<_, String>(3)?,
                row.get::<_, String>(4)?,
                row.get::<_, i64>(5)?,
                row.get::<_, String>(6)?,
                row.get::<_, String>(7)?,
                row.get::<_, String>(8)?,
                (row.get::<_, String>(9)?, row.get::<_, i64>(10)?, row.get::<_, i64>(11)?, row.get::<_, i64>(12)?, row.get::<_, i64>(13)?),
            ))
        })
        .optional()?;
    let Some((seq, report_id, reporter, subject, behaviour, occurred_on, description, evidence, facts, rest)) = raw else {
        return Ok(None);
    };
    let (filed_by, _filed_at_ms, filed_on, reporter_key, subject_key) = rest;
    let label = report_id.clone();
    let corrupt = |what: &str| StoreError::Corrupt(format!("report {label}: {what}"));
    let hashes: Vec<String> = serde_json::from_str(&evidence).map_err(|_| corrupt("evidence"))?;
    let mut evidence = Vec::with_capacity(hashes.len());
    for hash in hashes {
        evidence.push(evidence_info(connection, &hash)?.ok_or_else(|| corrupt("evidence missing"))?);
    }
    let mut history = Vec::new();
    let (mut record_id, mut reporter_record_id) = (None, None);
    let mut events = connection
        .prepare_cached("SELECT state, actor, on_day, reasons, record_id, reward_id FROM report_events WHERE report = ?1 ORDER BY seq")?;
    let mut rows = events.query([seq])?;
    while let Some(event) = rows.next()? {
        history.push(ReportEvent { state: event.get(0)?, actor: event.get(1)?, on: from_julian(event.get(2)?)?, reasons: event.get(3)? });
        if let Some(id) = event.get::<_, Option<String>>(4)? {
            record_id = Some(id);
        }
        if let Some(id) = event.get::<_, Option<String>>(5)? {
            reporter_record_id = Some(id);
        }
    }
    let same_facts: Vec<String> = connection
        .prepare_cached("SELECT report_id FROM reports WHERE facts = ?1 AND seq < ?2 ORDER BY seq")?
        .query_map(params![facts, seq], |row| row.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    let state = history.last().map(|e| e.state.clone()).unwrap_or_else(|| "submitted".into());
    let parse = |text: &str| SubjectId::parse(text).map_err(|_| corrupt("subject"));
    Ok(Some(Row {
        seq,
        reporter_key,
        subject_key,
        facts,
        view: ReportView {
            id: report_id,
            reporter: Some(parse(&reporter)?),
            subject: parse(&subject)?,
            behaviour,
            occurred_on: from_julian(occurred_on)?,
            description,
            evidence,
            state,
            filed_on: from_julian(filed_on)?,
            same_facts,
            record_id,
            reporter_record_id,
            history,
            reporter_stats: None,
            filed_by,
        },
    }))
}

impl Store {
    /// One report, as a reviewer sees it (with the reporter's record).
    pub fn report(&self, id: &str) -> Result<Option<ReportView>> {
        let Some(row) = self.report_row(id)? else { return Ok(None) };
        let mut view = row.view;
        view.reporter_stats = Some(self.reporter_stats_by_key(row.reporter_key)?);
        Ok(Some(view))
    }

    fn report_ids(&self, sql: &str, key: rusqlite::types::Value, limit: u32) -> Result<Vec<String>> {
        Ok(self
            .connection
            .prepare_cached(sql)?
            .query_map(params![key, limit.min(MAX_PAGE)], |row| row.get(0))?
            .collect::<rusqlite::Result<_>>()?)
    }

    /// Open reports (submitted or under review), oldest first, with each reporter's record.
    pub fn report_queue(&self, limit: u32) -> Result<Vec<ReportView>> {
        let ids = self.report_ids(
            "SELECT r.report_id FROM reports r WHERE ?1 IS NOT NULL AND
               coalesce((SELECT state FROM report_events e WHERE e.report = r.seq ORDER BY e.seq DESC LIMIT 1), 'submitted')
               IN ('submitted', 'under-review') ORDER BY r.seq LIMIT ?2",
            rusqlite::types::Value::Integer(1),
            limit,
        )?;
        ids.iter().map(|id| Ok(self.report(id)?.expect("listed"))).collect()
    }

    /// Reports filed by a subject, newest first.
    pub fn reports_by(&self, reporter: &SubjectId, limit: u32) -> Result<Vec<ReportView>> {
        let key = self.subject_key(reporter)?;
        let ids = self.report_ids(
            "SELECT report_id FROM reports WHERE reporter = ?1 ORDER BY seq DESC LIMIT ?2",
            rusqlite::types::Value::Integer(key),
            limit,
        )?;
        ids.iter().map(|id| Ok(self.report_row(id)?.expect("listed").view)).collect()
    }

    /// Verified reports about a subject, as the subject sees them: the reporter
    /// is named only if the rulebook discloses reporters.
    pub fn reports_about(&self, subject: &SubjectId, limit: u32) -> Result<Vec<ReportView>> {
        let key = self.subject_key(subject)?;
        let ids = self.report_ids(
            "SELECT r.report_id FROM reports r WHERE r.subject = ?1 AND
               (SELECT state FROM report_events e WHERE e.report = r.seq ORDER BY e.seq DESC LIMIT 1) = 'verified'
             ORDER BY r.seq DESC LIMIT ?2",
            rusqlite::types::Value::Integer(key),
            limit,
        )?;
        let disclose = self.rulebook.reporting.disclose_reporter;
        ids.iter()
            .map(|id| {
                let mut view = self.report_row(id)?.expect("listed").view;
                if !disclose {
                    view.reporter = None;
                    view.reporter_record_id = None;
                }
                Ok(view)
            })
            .collect()
    }

    pub fn reporter_stats(&self, reporter: &SubjectId) -> Result<ReporterStats> {
        let key = self.subject_key(reporter)?;
        self.reporter_stats_by_key(key)
    }

    fn reporter_stats_by_key(&self, key: i64) -> Result<ReporterStats> {
        let counts: Vec<(String, u64)> = self
            .connection
            .prepare_cached(
                "SELECT coalesce((SELECT state FROM report_events e WHERE e.report = r.seq ORDER BY e.seq DESC LIMIT 1), 'submitted'), count(*)
                 FROM reports r WHERE r.reporter = ?1 GROUP BY 1",
            )?
            .query_map([key], |row| Ok((row.get(0)?, row.get::<_, i64>(1)? as u64)))?
            .collect::<rusqlite::Result<_>>()?;
        Ok(reporter_stats_of(counts))
    }

    /// Reports by state and the time from filing to decision.
    pub fn report_metrics(&self) -> Result<ReportMetrics> {
        let by_state = self
            .connection
            .prepare(
                "SELECT coalesce((SELECT state FROM report_events e WHERE e.report = r.seq ORDER BY e.seq DESC LIMIT 1), 'submitted'), count(*)
                 FROM reports r GROUP BY 1 ORDER BY 1",
            )?
            .query_map([], |row| Ok((row.get(0)?, row.get::<_, i64>(1)? as u64)))?
            .collect::<rusqlite::Result<_>>()?;
        let decision_ms: Vec<i64> = self
            .connection
            .prepare(
                "SELECT e.at_ms - r.filed_at_ms FROM report_events e JOIN reports r ON r.seq = e.report
                 WHERE e.state IN ('verified', 'rejected', 'malicious')",
            )?
            .query_map([], |row| row.get(0))?
            .collect::<rusqlite::Result<_>>()?;
        Ok(report_metrics_of(by_state, decision_ms))
    }
}
