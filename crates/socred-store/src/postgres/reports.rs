//! Public reports and their evidence on PostgreSQL, under the embedded
//! store's rules (`crate::reports`: what may be filed, the rate limits, the
//! core's state machine, the records a decision writes). Everything a write
//! judges is read inside its transaction, under the log's write lock, so two
//! servers cannot both pass a limit only one may, or both take one report.
//!
//! A report lives in the file of the subject it is about; `report_ids`
//! finds that file from the report's id.

use postgres::GenericClient;
use postgres::Transaction;
use postgres::types::ToSql;
use socred_core::SubjectId;
use socred_core::date::Moment;
use socred_core::record::{Record, check_text};
use socred_core::reports::{Next, ReportAct};

use super::ledger::{Owner, conflicted_with, secret};
use super::rows::insert_row;
use super::{Entry, EntryRows, PgStore};
use crate::audit::LedgerRow;
use crate::error::{Result, StoreError};
use crate::reports::review::{Facts, decision_records};
use crate::reports::{
    DAY_MS, EvidenceInfo, MAX_DESCRIPTION_CHARS, NewReport, ReportEvent, ReportMetrics, ReportOutcome, ReportView, ReporterStats, Reviewer,
    SYSTEM_ACTOR, check_evidence_quota, check_new_report, check_report_rates, facts_of, judge_evidence, report_id_of, report_metrics_of,
    reporter_stats_of, same_report, unknown_evidence,
};
use crate::{Actor, MAX_PAGE};

/// A report's state: its last event's, `submitted` before any.
const STATE: &str = "coalesce((SELECT e.state FROM report_events e WHERE e.subject = r.subject AND e.report_id = r.report_id
                                ORDER BY e.audit_seq DESC, e.ordinal DESC LIMIT 1), 'submitted')";

const COLUMNS: &str = "r.report_id, r.reporter, r.behaviour, r.occurred_on, r.description, r.evidence, r.facts, r.filed_by, r.filed_on,
                       r.audit_seq, r.ordinal, r.subject";

/// A report as stored: its view, and what the view does not show.
pub(crate) struct StoredReport {
    pub view: ReportView,
    pub facts: String,
    audit_seq: i64,
    ordinal: i32,
}

fn subject_of(id: &str) -> Result<SubjectId> {
    SubjectId::parse(id).map_err(|e| StoreError::Corrupt(format!("stored subject {id:?}: {e}")))
}

/// The reports `tail` selects (`WHERE … ORDER BY … LIMIT …` of `reports r`), with their histories.
pub(crate) fn reports_where(client: &mut impl GenericClient, tail: &str, params: &[&(dyn ToSql + Sync)]) -> Result<Vec<StoredReport>> {
    let reports = client.query(&format!("SELECT {COLUMNS} FROM reports r {tail}"), params)?;
    let mut stored = Vec::with_capacity(reports.len());
    for report in reports {
        let id: String = report.get(0);
        let corrupt = |what: &str| StoreError::Corrupt(format!("report {id}: {what}"));
        let hashes: Vec<String> = serde_json::from_str(report.get(5)).map_err(|_| corrupt("evidence"))?;
        let mut evidence = Vec::with_capacity(hashes.len());
        for hash in hashes {
            let row = client
                .query_opt("SELECT media_type, bytes FROM evidence WHERE hash = $1", &[&hash])?
                .ok_or_else(|| corrupt("evidence missing"))?;
            evidence.push(EvidenceInfo { hash, media_type: row.get(0), bytes: row.get::<_, i64>(1) as u64 });
        }
        let about = subject_of(report.get(11))?;
        let (mut history, mut record_id, mut reporter_record_id) = (Vec::new(), None, None);
        for event in client.query(
            "SELECT state, actor, on_day, reasons, record_id, reward_id FROM report_events
             WHERE subject = $1 AND report_id = $2 ORDER BY audit_seq, ordinal",
            &[&about.as_str(), &id],
        )? {
            history.push(ReportEvent { state: event.get(0), actor: event.get(1), on: event.get(2), reasons: event.get(3) });
            record_id = event.get::<_, Option<String>>(4).or(record_id);
            reporter_record_id = event.get::<_, Option<String>>(5).or(reporter_record_id);
        }
        let (facts, audit_seq, ordinal): (String, i64, i32) = (report.get(6), report.get(9), report.get(10));
        let same_facts = client
            .query(
                "SELECT report_id FROM reports WHERE facts = $1 AND (audit_seq, ordinal) < ($2, $3) ORDER BY audit_seq, ordinal",
                &[&facts, &audit_seq, &ordinal],
            )?
            .iter()
            .map(|row| row.get(0))
            .collect();
        let state = history.last().map(|e| e.state.clone()).unwrap_or_else(|| "submitted".into());
        let view = ReportView {
            reporter: Some(subject_of(report.get(1))?),
            subject: about,
            behaviour: report.get(2),
            occurred_on: report.get(3),
            description: report.get(4),
            evidence,
            state,
            filed_on: report.get(8),
            same_facts,
            record_id,
            reporter_record_id,
            history,
            reporter_stats: None,
            filed_by: report.get(7),
            id,
        };
        stored.push(StoredReport { view, facts, audit_seq, ordinal });
    }
    Ok(stored)
}

/// One report by id: `report_ids` names its file.
fn report_in(client: &mut impl GenericClient, id: &str) -> Result<Option<StoredReport>> {
    let tail = "WHERE r.subject = (SELECT subject FROM report_ids WHERE report_id = $1) AND r.report_id = $1";
    Ok(reports_where(client, tail, &[&id])?.into_iter().next())
}

fn reporter_stats_in(client: &mut impl GenericClient, reporter: &SubjectId) -> Result<ReporterStats> {
    let counts = client
        .query(&format!("SELECT {STATE}, count(*) FROM reports r WHERE r.reporter = $1 GROUP BY 1"), &[&reporter.as_str()])?
        .iter()
        .map(|row| (row.get::<_, String>(0), row.get::<_, i64>(1) as u64))
        .collect::<Vec<_>>();
    Ok(reporter_stats_of(counts))
}

/// Writes a report's transition, in the file of the subject it is about.
#[allow(clippy::too_many_arguments)]
fn add_event(
    transaction: &mut Transaction<'_>,
    rows: &mut EntryRows,
    subject: &SubjectId,
    report_id: &str,
    state: &str,
    (actor, at): (&str, Moment),
    reasons: &str,
    records: (Option<&str>, Option<&str>),
) -> Result<()> {
    let row = LedgerRow::ReportEvent {
        report_id: report_id.to_string(),
        state: state.to_string(),
        actor: actor.to_string(),
        at_ms: at.unix_ms,
        on: at.day,
        reasons: reasons.to_string(),
        record_id: records.0.map(str::to_string),
        reward_id: records.1.map(str::to_string),
    };
    insert_row(transaction, rows, &row, &mut Owner(subject.as_str().to_string()))
}

/// Inserts one record recorded at `recorded`, unless its id is taken (then false).
pub(crate) fn insert_record(transaction: &mut Transaction<'_>, rows: &mut EntryRows, record: &Record, recorded: Moment) -> Result<bool> {
    let claimed = transaction.execute(
        "INSERT INTO record_ids (record_id, subject) VALUES ($1, $2) ON CONFLICT DO NOTHING",
        &[&record.id.as_str(), &record.subject.as_str()],
    )?;
    if claimed == 0 {
        return Ok(false);
    }
    let seq: i64 = transaction.query_one("UPDATE log_head SET size = size + 1 WHERE log = 'records' RETURNING size", &[])?.get(0);
    let ordinal = rows.add_record(record, recorded);
    transaction.execute(
        "INSERT INTO records (subject, record_id, seq, behaviour, occurred_on, source, evidence, recorded_ms, recorded_on, audit_seq, ordinal)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
        &[
            &record.subject.as_str(),
            &record.id.as_str(),
            &seq,
            &record.behaviour,
            &record.occurred_on,
            &record.source,
            &record.evidence,
            &recorded.unix_ms,
            &recorded.day,
            &rows.seq,
            &ordinal,
        ],
    )?;
    Ok(true)
}

/// What the state machine is told of `reviewer` and `stored`, read in the write's transaction.
fn gather(transaction: &mut Transaction<'_>, stored: &StoredReport, reviewer: &Reviewer, verifying: bool) -> Result<Facts> {
    let conflicted = match &reviewer.subject {
        Some(person) => conflicted_with(transaction, person)?,
        None => Default::default(),
    };
    let reporter = stored.view.reporter.expect("stored reports name their reporter");
    let earlier_open = if verifying {
        transaction
            .query_opt(
                &format!(
                    "SELECT r.report_id FROM reports r WHERE r.facts = $1 AND (r.audit_seq, r.ordinal) < ($2, $3)
                       AND {STATE} IN ('submitted', 'under-review') ORDER BY r.audit_seq, r.ordinal LIMIT 1"
                ),
                &[&stored.facts, &stored.audit_seq, &stored.ordinal],
            )?
            .map(|row| row.get(0))
    } else {
        None
    };
    Ok(Facts::new(
        &stored.view,
        reviewer,
        conflicted.contains(reporter.as_str()),
        conflicted.contains(stored.view.subject.as_str()),
        earlier_open,
    ))
}

fn not_found(id: &str) -> StoreError {
    StoreError::NotFound(format!("report {id}"))
}

impl PgStore {
    /// Stores evidence by content (see [`crate::Store::add_evidence`]).
    pub fn add_evidence(&self, data: &[u8], actor: &Actor) -> Result<EvidenceInfo> {
        let rules = &self.rulebook().reporting;
        let info = judge_evidence(rules, data)?;
        let quota = i64::from(rules.evidence_uploads_per_account_per_day);
        let now_ms = actor.moment().unix_ms;
        self.write(actor, |transaction, rows| {
            if transaction.query_opt("SELECT 1 FROM evidence WHERE hash = $1", &[&info.hash])?.is_some() {
                return Ok((info.clone(), None));
            }
            let today: i64 = transaction
                .query_one("SELECT count(*) FROM evidence WHERE added_by = $1 AND added_ms > $2", &[&actor.name(), &(now_ms - DAY_MS)])?
                .get(0);
            check_evidence_quota(today, quota)?;
            let row = LedgerRow::Evidence {
                hash: info.hash.clone(),
                media_type: info.media_type.clone(),
                bytes: data.len() as i64,
                added_by: actor.name().to_string(),
                added_ms: now_ms,
            };
            let ordinal = rows.add(&row);
            transaction.execute(
                "INSERT INTO evidence (hash, media_type, bytes, data, added_by, added_ms, audit_seq, ordinal) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                &[&info.hash, &info.media_type, &(data.len() as i64), &data, &actor.name(), &now_ms, &rows.seq, &ordinal],
            )?;
            let detail = serde_json::json!({"hash": info.hash, "media_type": info.media_type, "bytes": data.len()});
            Ok((info.clone(), Some(Entry { action: "evidence.add".into(), subject: None, detail })))
        })
    }

    pub fn evidence(&self, hash: &str) -> Result<Option<(EvidenceInfo, Vec<u8>)>> {
        let row = self.connection()?.query_opt("SELECT media_type, bytes, data FROM evidence WHERE hash = $1", &[&hash])?;
        Ok(row.map(|row| (EvidenceInfo { hash: hash.to_string(), media_type: row.get(0), bytes: row.get::<_, i64>(1) as u64 }, row.get(2))))
    }

    /// Whether `subject` may see this evidence: it is attached to a report
    /// they filed, or to a verified report about them.
    pub fn evidence_visible_to(&self, hash: &str, subject: &SubjectId) -> Result<bool> {
        let quoted = format!("\"{hash}\"");
        let found = self.connection()?.query_opt(
            &format!(
                "SELECT 1 FROM reports r WHERE strpos(r.evidence, $1) > 0
                   AND (r.reporter = $2 OR (r.subject = $2 AND {STATE} = 'verified')) LIMIT 1"
            ),
            &[&quoted, &subject.as_str()],
        )?;
        Ok(found.is_some())
    }

    /// Files a report (see [`crate::Store::file_report`]): every check runs
    /// in the write's transaction.
    pub fn file_report(&self, report: &NewReport, actor: &Actor) -> Result<ReportView> {
        let (on, now_ms) = (actor.today(), actor.moment().unix_ms);
        let rules = self.rulebook().reporting.clone();
        check_new_report(self.rulebook(), report, on)?;
        let evidence_json = serde_json::to_string(&report.evidence).expect("strings serialise");
        let (existing, id) = self.write(actor, |transaction, rows| {
            for hash in &report.evidence {
                if transaction.query_opt("SELECT 1 FROM evidence WHERE hash = $1", &[hash])?.is_none() {
                    return Err(unknown_evidence(hash));
                }
            }
            for subject in [&report.reporter, &report.subject] {
                if transaction.query_opt("SELECT 1 FROM subjects WHERE subject = $1", &[&subject.as_str()])?.is_none() {
                    return Err(StoreError::UnknownSubject(subject.to_string()));
                }
            }
            let facts = facts_of(&secret(transaction)?, &report.subject, &report.behaviour, report.occurred_on);
            let id = report_id_of(report, &facts, &evidence_json)?;
            if let Some(existing) = report_in(transaction, &id)? {
                let same = existing.view.reporter == Some(report.reporter) && existing.facts == facts;
                return Ok(((Some(same_report(existing.view, same, report)?), id), None));
            }
            let since = now_ms - DAY_MS;
            let by_account: i64 = transaction
                .query_one("SELECT count(*) FROM reports WHERE filed_by = $1 AND filed_at_ms > $2", &[&actor.name(), &since])?
                .get(0);
            let about_target: i64 = transaction
                .query_one("SELECT count(*) FROM reports WHERE subject = $1 AND filed_at_ms > $2", &[&report.subject.as_str(), &since])?
                .get(0);
            check_report_rates(&rules, actor, report, by_account, about_target)?;
            let row = crate::reports::filed_row(report, &id, &facts, &evidence_json, actor);
            insert_row(transaction, rows, &row, &mut Owner(report.subject.as_str().to_string()))?;
            let verified_before: Option<String> = transaction
                .query_opt(
                    &format!("SELECT r.report_id FROM reports r WHERE r.facts = $1 AND r.report_id <> $2 AND {STATE} = 'verified' LIMIT 1"),
                    &[&facts, &id],
                )?
                .map(|row| row.get(0));
            if let Some(earlier) = &verified_before {
                let reasons = format!("the same facts were verified in report {earlier}");
                add_event(transaction, rows, &report.subject, &id, "duplicate", (SYSTEM_ACTOR, actor.moment()), &reasons, (None, None))?;
            }
            let detail = serde_json::json!({"report": id, "reporter": report.reporter, "behaviour": report.behaviour,
                "occurred_on": socred_core::date::format_date(report.occurred_on), "evidence": report.evidence, "duplicate_of": verified_before});
            let entry = Entry { action: "report.file".into(), subject: Some(report.subject.as_str().to_string()), detail };
            Ok(((None, id), Some(entry)))
        })?;
        match existing {
            Some(view) => Ok(view),
            None => self.stored_view(&id),
        }
    }

    /// A report as just written, from the primary.
    fn stored_view(&self, id: &str) -> Result<ReportView> {
        Ok(report_in(&mut **self.connection()?, id)?.ok_or_else(|| not_found(id))?.view)
    }

    /// A reviewer takes a submitted report into review (see [`crate::Store::review_report`]).
    pub fn review_report(&self, id: &str, reviewer: &Reviewer) -> Result<ReportView> {
        let actor = &reviewer.actor;
        self.write(actor, |transaction, rows| {
            let stored = report_in(transaction, id)?.ok_or_else(|| not_found(id))?;
            let facts = gather(transaction, &stored, reviewer, false)?;
            if facts.judge(&stored.view, ReportAct::Review)? == Next::Unchanged {
                return Ok(((), None));
            }
            add_event(transaction, rows, &stored.view.subject, id, "under-review", (actor.name(), actor.moment()), "", (None, None))?;
            let detail = serde_json::json!({"report": id});
            Ok(((), Some(Entry { action: "report.review".into(), subject: Some(stored.view.subject.as_str().to_string()), detail })))
        })?;
        self.stored_view(id)
    }

    /// The reviewer who took the report decides it, with reasons (see [`crate::Store::decide_report`]).
    pub fn decide_report(&self, id: &str, outcome: ReportOutcome, reasons: &str, reviewer: &Reviewer) -> Result<ReportView> {
        check_text(reasons, MAX_DESCRIPTION_CHARS).map_err(|error| StoreError::invalid_text("reasons", error))?;
        let actor = &reviewer.actor;
        let rulebook = self.rulebook().clone();
        self.write(actor, |transaction, rows| {
            let stored = report_in(transaction, id)?.ok_or_else(|| not_found(id))?;
            let facts = gather(transaction, &stored, reviewer, outcome == ReportOutcome::Verified)?;
            if facts.judge(&stored.view, ReportAct::Decide { outcome, reasons })? == Next::Unchanged {
                return Ok(((), None));
            }
            let view = &stored.view;
            let made = decision_records(&rulebook, view, &stored.facts, &secret(transaction)?, outcome, actor.today())?;
            let (mut record_id, mut reporter_record) = (None, None);
            if let Some(record) = &made.record {
                insert_record(transaction, rows, record, actor.moment())?;
                record_id = Some(record.id.to_string());
            }
            // One reward per facts, one penalty per report: the id is taken once.
            if let Some(record) = &made.reporter_record
                && insert_record(transaction, rows, record, actor.moment())?
            {
                reporter_record = Some(record.id.to_string());
            }
            add_event(
                transaction,
                rows,
                &view.subject,
                id,
                outcome.as_str(),
                (actor.name(), actor.moment()),
                reasons,
                (record_id.as_deref(), reporter_record.as_deref()),
            )?;
            if outcome == ReportOutcome::Verified {
                // Later open reports of the same facts are closed: they count once.
                let later = transaction.query(
                    &format!(
                        "SELECT r.subject, r.report_id FROM reports r WHERE r.facts = $1 AND r.report_id <> $2
                           AND {STATE} IN ('submitted', 'under-review') ORDER BY r.audit_seq, r.ordinal"
                    ),
                    &[&stored.facts, &id],
                )?;
                let reasons = format!("the same facts were verified in report {id}");
                for other in later {
                    let subject = subject_of(other.get(0))?;
                    add_event(
                        transaction,
                        rows,
                        &subject,
                        other.get(1),
                        "duplicate",
                        (SYSTEM_ACTOR, actor.moment()),
                        &reasons,
                        (None, None),
                    )?;
                }
            }
            let detail = serde_json::json!({"report": id, "outcome": outcome, "reasons": reasons, "record": record_id,
                "reporter_record": reporter_record});
            Ok(((), Some(Entry { action: "report.decide".into(), subject: Some(view.subject.as_str().to_string()), detail })))
        })?;
        self.stored_view(id)
    }

    /// One report, as a reviewer sees it (with the reporter's record), from the primary.
    pub fn report(&self, id: &str) -> Result<Option<ReportView>> {
        let mut connection = self.connection()?;
        let Some(stored) = report_in(&mut **connection, id)? else { return Ok(None) };
        let mut view = stored.view;
        view.reporter_stats = Some(reporter_stats_in(&mut **connection, &view.reporter.expect("stored reports name their reporter"))?);
        Ok(Some(view))
    }

    /// Open reports (submitted or under review), oldest first, with each reporter's record.
    pub fn report_queue(&self, limit: u32) -> Result<Vec<ReportView>> {
        let mut connection = self.connection()?;
        let tail = format!("WHERE {STATE} IN ('submitted', 'under-review') ORDER BY r.audit_seq, r.ordinal LIMIT $1");
        let stored = reports_where(&mut **connection, &tail, &[&i64::from(limit.min(MAX_PAGE))])?;
        stored
            .into_iter()
            .map(|stored| {
                let mut view = stored.view;
                view.reporter_stats =
                    Some(reporter_stats_in(&mut **connection, &view.reporter.expect("stored reports name their reporter"))?);
                Ok(view)
            })
            .collect()
    }

    pub fn reporter_stats(&self, reporter: &SubjectId) -> Result<ReporterStats> {
        reporter_stats_in(&mut **self.connection()?, reporter)
    }

    /// Reports by state and the time from filing to decision.
    pub fn report_metrics(&self) -> Result<ReportMetrics> {
        let mut connection = self.connection()?;
        let by_state = connection
            .query(&format!("SELECT {STATE}, count(*) FROM reports r GROUP BY 1 ORDER BY 1"), &[])?
            .iter()
            .map(|row| (row.get::<_, String>(0), row.get::<_, i64>(1) as u64))
            .collect();
        let decision_ms: Vec<i64> = connection
            .query(
                "SELECT e.at_ms - r.filed_at_ms FROM report_events e JOIN reports r ON r.subject = e.subject AND r.report_id = e.report_id
                 WHERE e.state IN ('verified', 'rejected', 'malicious')",
                &[],
            )?
            .iter()
            .map(|row| row.get(0))
            .collect();
        Ok(report_metrics_of(by_state, decision_ms))
    }

    /// The verified public reports about a subject, newest first (from the
    /// standby with `--read-db`); the reporter is named only where the
    /// rulebook discloses reporters.
    pub fn reports_about(&self, subject: &SubjectId, limit: u32) -> Result<Vec<ReportView>> {
        let disclose = self.rulebook().reporting.disclose_reporter;
        let tail = format!("WHERE r.subject = $1 AND {STATE} = 'verified' ORDER BY r.audit_seq DESC, r.ordinal DESC LIMIT $2");
        let stored = reports_where(&mut **self.read_connection()?, &tail, &[&subject.as_str(), &i64::from(limit.min(MAX_PAGE))])?;
        Ok(stored
            .into_iter()
            .map(|stored| {
                let mut view = stored.view;
                if !disclose {
                    view.reporter = None;
                    view.reporter_record_id = None;
                }
                view
            })
            .collect())
    }

    /// The public reports a subject filed, newest first, in every state (from
    /// the standby with `--read-db`). A report lives in the file of the
    /// subject it is about: this one scans every partition by `reports_by_reporter`.
    pub fn reports_by(&self, reporter: &SubjectId, limit: u32) -> Result<Vec<ReportView>> {
        let tail = "WHERE r.reporter = $1 ORDER BY r.audit_seq DESC, r.ordinal DESC LIMIT $2";
        let stored = reports_where(&mut **self.read_connection()?, tail, &[&reporter.as_str(), &i64::from(limit.min(MAX_PAGE))])?;
        Ok(stored.into_iter().map(|stored| stored.view).collect())
    }
}
