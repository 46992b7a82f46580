//! Reviewing public reports: taking one into review and deciding it. The
//! report is read and judged by the core's state machine
//! (`socred_core::reports::transition`) inside the write transaction, and a
//! verification writes its record and the reporter's reward in the same one.

use std::collections::HashSet;

use rusqlite::{Connection, OptionalExtension, params};
use sha2::{Digest, Sha256};
use socred_core::date::Date;
use socred_core::record::{Record, RecordId, check_text};
use socred_core::reports::{Next, ReportAct, ReportFacts, transition};

use super::{
    MAX_DESCRIPTION_CHARS, REPORT_RECORD_PREFIX, ReportOutcome, ReportView, Reviewer, Row, SYSTEM_ACTOR, insert_record, report_row,
};
use crate::audit::{self, LedgerRow, RowDigest};
use crate::error::{Result, StoreError};
use crate::{Store, julian};

impl Store {
    /// A reviewer takes a submitted report into review. The report is read
    /// and judged (`socred_core::reports::transition`) inside the write
    /// transaction: two reviewers cannot both take it.
    pub fn review_report(&mut self, id: &str, reviewer: &Reviewer) -> Result<ReportView> {
        let (on, now_ms) = (reviewer.actor.today(), reviewer.actor.moment().unix_ms);
        let actor = &reviewer.actor;
        self.write(actor, |connection, seq| {
            let row = report_row(connection, id)?.ok_or_else(|| StoreError::NotFound(format!("report {id}")))?;
            let facts = Facts::gather(connection, &row, reviewer, false)?;
            if facts.judge(&row.view, ReportAct::Review)? == Next::Unchanged {
                return Ok(());
            }
            let mut digest = RowDigest::default();
            add_event(connection, &mut digest, seq, row.seq, "under-review", actor.name(), now_ms, on, "", None, None)?;
            audit::append(
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
        check_text(reasons, MAX_DESCRIPTION_CHARS).map_err(|e| StoreError::invalid("reasons", e.to_string()))?;
        let actor = &reviewer.actor;
        let rulebook = self.rulebook.clone();
        let recorded = actor.moment();
        self.write(actor, |connection, seq| {
            let row = report_row(connection, id)?.ok_or_else(|| StoreError::NotFound(format!("report {id}")))?;
            let facts = Facts::gather(connection, &row, reviewer, outcome == ReportOutcome::Verified)?;
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
            audit::append(
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

/// What the report state machine is told, gathered in the write transaction.
pub(crate) struct Facts {
    reviewer: String,
    filed: bool,
    concerned: bool,
    earlier_open: Option<String>,
}

impl Facts {
    /// Nobody reviews a report they filed, or one about themselves or anyone
    /// they are linked to (`conflicts.rs`), by acting name or by person. The
    /// reporter's side counts too: a reward or penalty lands in the
    /// reporter's file, so their guardian or ward may not decide it either.
    /// `earlier_open`: with a verification, the earliest open report of the same facts.
    pub(crate) fn new(
        view: &ReportView,
        reviewer: &Reviewer,
        reporter_linked: bool,
        subject_linked: bool,
        earlier_open: Option<String>,
    ) -> Facts {
        let name = reviewer.actor.name();
        let reporter = view.reporter.expect("stored reports name their reporter");
        Facts {
            reviewer: name.to_string(),
            filed: name == view.filed_by || name == reporter.as_str() || reporter_linked,
            concerned: name == view.subject.as_str() || subject_linked,
            earlier_open,
        }
    }

    fn gather(connection: &Connection, row: &Row, reviewer: &Reviewer, verifying: bool) -> Result<Facts> {
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

    /// The core's verdict on `act` for the report as `view` shows it.
    pub(crate) fn judge(&self, view: &ReportView, act: ReportAct<'_>) -> Result<Next> {
        let last = view.history.last();
        let facts = ReportFacts {
            id: &view.id,
            state: &view.state,
            last: last.map(|event| (event.actor.as_str(), event.reasons.as_str())),
            reviewer: &self.reviewer,
            reviewer_filed: self.filed,
            reviewer_is_concerned: self.concerned,
            earlier_open: self.earlier_open.as_deref(),
        };
        transition(&facts, act).map_err(|refusal| StoreError::Conflict(refusal.0))
    }
}

/// The records a decision writes: the verified facts' own record, and the
/// reporter's reward (verified) or penalty (malicious), as the rulebook says.
pub(crate) struct DecisionRecords {
    pub record: Option<Record>,
    pub reporter_record: Option<Record>,
}

/// The records deciding `view` as `outcome` on `on` writes. A verified
/// report becomes a record today, under the record rules of today: refused
/// when its date no longer can be, or its behaviour left the rulebook.
pub(crate) fn decision_records(
    rulebook: &socred_core::Rulebook,
    view: &ReportView,
    facts: &str,
    secret: &str,
    outcome: ReportOutcome,
    on: Date,
) -> Result<DecisionRecords> {
    let rules = &rulebook.reporting;
    let reporter = view.reporter.expect("stored reports name their reporter");
    let id = &view.id;
    match outcome {
        ReportOutcome::Verified => {
            socred_core::record::check_occurred_on(rulebook, &view.subject, view.occurred_on, on)
                .map_err(|reason| StoreError::invalid("occurred_on", format!("the reported facts cannot be recorded: {reason}")))?;
            if rulebook.behaviour(&view.behaviour).is_none() {
                return Err(StoreError::invalid("behaviour", format!("{:?} is no longer in the rulebook", view.behaviour)));
            }
            let record = Record {
                id: RecordId::parse(&format!("{REPORT_RECORD_PREFIX}{facts}")).expect("a valid id"),
                subject: view.subject,
                behaviour: view.behaviour.clone(),
                occurred_on: view.occurred_on,
                source: "public report (verified)".into(),
                evidence: Some(format!(
                    "report {id}; evidence {}",
                    view.evidence.iter().map(|e| e.hash.as_str()).collect::<Vec<_>>().join(", ")
                )),
            };
            let reporter_record = rules.reward_behaviour.as_ref().map(|reward| Record {
                id: reward_record_id(secret, facts),
                subject: reporter,
                behaviour: reward.clone(),
                occurred_on: on,
                source: "public reports".into(),
                evidence: Some(format!("report {id} verified")),
            });
            Ok(DecisionRecords { record: Some(record), reporter_record })
        }
        ReportOutcome::Malicious => {
            let reporter_record = rules.malicious_behaviour.as_ref().map(|penalty| Record {
                id: RecordId::parse(&format!("mal-{}", &hex::encode(Sha256::digest(id.as_bytes()))[..24])).expect("a valid id"),
                subject: reporter,
                behaviour: penalty.clone(),
                occurred_on: on,
                source: "public reports".into(),
                evidence: Some(format!("report {id} found malicious")),
            });
            Ok(DecisionRecords { record: None, reporter_record })
        }
        ReportOutcome::Rejected => Ok(DecisionRecords { record: None, reporter_record: None }),
    }
}

#[allow(clippy::too_many_arguments)]
pub(super) fn add_event(
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

/// The id of the reward for the verified report of `facts`: one per facts (the
/// id is taken once), keyed with the store's secret so that the reported
/// subject, who sees the facts' own record id, cannot derive it and look for
/// the reporter.
fn reward_record_id(secret: &str, facts: &str) -> RecordId {
    let mut hasher = Sha256::new();
    for part in [secret, "report-reward", facts] {
        hasher.update((part.len() as u64).to_le_bytes());
        hasher.update(part.as_bytes());
    }
    RecordId::parse(&format!("rwd-{}", &hex::encode(hasher.finalize())[..24])).expect("a valid id")
}
