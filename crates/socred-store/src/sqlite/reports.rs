//! Public reports and their evidence in the embedded store, under the shared
//! rules of `reports/` (what may be filed, the rate limits, the core's state
//! machine, the records a decision writes).

use std::collections::HashSet;

use rusqlite::{Connection, OptionalExtension, params};
use socred_core::SubjectId;
use socred_core::date::{Date, format_date};
use socred_core::record::{Record, check_text};
use socred_core::reports::{Next, ReportAct};

use crate::audit::{LedgerRow, RowDigest};
use crate::error::{Result, StoreError};
use crate::reports::review::{Facts, decision_records};
use crate::reports::*;
use crate::{Actor, MAX_PAGE, Store, from_julian, julian};

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

pub(crate) struct Row {
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
                super::audit_log::append(
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
            digest.add(&crate::reports::filed_row(report, &id, &facts, &evidence_json, actor));
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
            super::audit_log::append(
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

pub(crate) fn report_row(connection: &Connection, id: &str) -> Result<Option<Row>> {
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

impl Store {
    /// A reviewer takes a submitted report into review. The report is read
    /// and judged (`socred_core::reports::transition`) inside the write
    /// transaction: two reviewers cannot both take it.
    pub fn review_report(&mut self, id: &str, reviewer: &Reviewer) -> Result<ReportView> {
        let (on, now_ms) = (reviewer.actor.today(), reviewer.actor.moment().unix_ms);
        let actor = &reviewer.actor;
        self.write(actor, |connection, seq| {
            let row = report_row(connection, id)?.ok_or_else(|| StoreError::NotFound(format!("report {id}")))?;
            let facts = gather(connection, &row, reviewer, false)?;
            if facts.judge(&row.view, ReportAct::Review)? == Next::Unchanged {
                return Ok(());
            }
            let mut digest = RowDigest::default();
            add_event(connection, &mut digest, seq, row.seq, "under-review", actor.name(), now_ms, on, "", None, None)?;
            super::audit_log::append(
                connection,
                seq,
                &actor.at_text(),
                actor.name(),
                "report.review",
                Some(row.view.subject.as_str()),
                &serde_json::json!({"report": id}),
                digest,
            )?;
            Ok(())
        })?;
        Ok(self.report_row(id)?.expect("stored").view)
    }

    /// The reviewer who took the report decides it, with reasons.
    pub fn decide_report(&mut self, id: &str, outcome: ReportOutcome, reasons: &str, reviewer: &Reviewer) -> Result<ReportView> {
        let (on, now_ms) = (reviewer.actor.today(), reviewer.actor.moment().unix_ms);
        check_text(reasons, MAX_DESCRIPTION_CHARS).map_err(|error| StoreError::invalid_text("reasons", error))?;
        let actor = &reviewer.actor;
        let rulebook = self.rulebook.clone();
        let recorded = actor.moment();
        self.write(actor, |connection, seq| {
            let row = report_row(connection, id)?.ok_or_else(|| StoreError::NotFound(format!("report {id}")))?;
            let facts = gather(connection, &row, reviewer, outcome == ReportOutcome::Verified)?;
            if facts.judge(&row.view, ReportAct::Decide { outcome, reasons })? == Next::Unchanged {
                return Ok(());
            }
            let view = row.view.clone();
            let made = decision_records(&rulebook, &view, &row.facts, &crate::store_secret(connection)?, outcome, on)?;
            let mut digest = RowDigest::default();
            let mut touched = HashSet::new();
            let (mut record_id, mut reporter_record) = (None, None);
            if let Some(record) = &made.record {
                insert_record(connection, seq, row.subject_key, record, recorded, &mut digest)?;
                touched.insert(row.subject_key);
                record_id = Some(record.id.to_string());
            }
            // One reward per facts, one penalty per report: the id is taken once.
            if let Some(record) = &made.reporter_record
                && insert_record(connection, seq, row.reporter_key, record, recorded, &mut digest)?
            {
                touched.insert(row.reporter_key);
                reporter_record = Some(record.id.to_string());
            }
            add_event(connection, &mut digest, seq, row.seq, outcome.as_str(), actor.name(), now_ms, on, reasons, record_id.as_deref(), reporter_record.as_deref())?;
            if outcome == ReportOutcome::Verified {
                // Later open reports of the same facts are closed: they count once.
                let later: Vec<i64> = connection
                    .prepare(
                        "SELECT r.seq FROM reports r WHERE r.facts = ?1 AND r.seq <> ?2 AND
                           coalesce((SELECT state FROM report_events e WHERE e.report = r.seq ORDER BY e.seq DESC LIMIT 1), 'submitted')
                           IN ('submitted', 'under-review') ORDER BY r.seq",
                    )?
                    .query_map(params![row.facts, row.seq], |r| r.get(0))?
                    .collect::<rusqlite::Result<_>>()?;
                for other in later {
                    add_event(connection, &mut digest, seq, other, "duplicate", SYSTEM_ACTOR, now_ms, on, &format!("the same facts were verified in report {id}"), None, None)?;
                }
            }
            Store::touched_subjects_invalidate(connection, &touched)?;
            super::audit_log::append(
                connection,
                seq,
                &actor.at_text(),
                actor.name(),
                "report.decide",
                Some(view.subject.as_str()),
                &serde_json::json!({"report": id, "outcome": outcome, "reasons": reasons, "record": record_id, "reporter_record": reporter_record}),
                digest,
            )?;
            Ok(())
        })?;
        Ok(self.report_row(id)?.expect("stored").view)
    }
}

#[allow(clippy::too_many_arguments)]
pub(crate) fn add_event(
    connection: &Connection,
    digest: &mut RowDigest,
    audit_seq: i64,
    report: i64,
    state: &str,
    actor: &str,
    at_ms: i64,
    on: Date,
    reasons: &str,
    record_id: Option<&str>,
    reward_id: Option<&str>,
) -> Result<()> {
    connection
        .prepare_cached(
            "INSERT INTO report_events (report, state, actor, at_ms, on_day, reasons, record_id, reward_id, audit_seq)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
        )?
        .execute(params![report, state, actor, at_ms, julian(on), reasons, record_id, reward_id, audit_seq])?;
    let report_id: String = connection.prepare_cached("SELECT report_id FROM reports WHERE seq = ?1")?.query_row([report], |r| r.get(0))?;
    digest.add(&LedgerRow::ReportEvent {
        report_id,
        state: state.to_string(),
        actor: actor.to_string(),
        at_ms,
        on,
        reasons: reasons.to_string(),
        record_id: record_id.map(str::to_string),
        reward_id: reward_id.map(str::to_string),
    });
    Ok(())
}

/// What the state machine is told of `reviewer` and `row`, read in the write's transaction.
pub(crate) fn gather(connection: &Connection, row: &Row, reviewer: &Reviewer, verifying: bool) -> Result<Facts> {
    let linked = |key: i64| -> Result<bool> {
        Ok(match &reviewer.subject {
            Some(person) => crate::sqlite::conflicts::conflict(connection, person, key)?.is_some(),
            None => false,
        })
    };
    let earlier_open = if verifying {
        connection
            .query_row(
                "SELECT r.report_id FROM reports r WHERE r.facts = ?1 AND r.seq < ?2 AND
                   coalesce((SELECT state FROM report_events e WHERE e.report = r.seq ORDER BY e.seq DESC LIMIT 1), 'submitted')
                   IN ('submitted', 'under-review') ORDER BY r.seq LIMIT 1",
                params![row.facts, row.seq],
                |r| r.get(0),
            )
            .optional()?
    } else {
        None
    };
    Ok(Facts::new(&row.view, reviewer, linked(row.reporter_key)?, linked(row.subject_key)?, earlier_open))
}
