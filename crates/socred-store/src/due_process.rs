//! Due process in the store: events checked by the core's state machine and
//! stored append-only under the audit chain; derived list entries for the
//! public list; reviewer queues; the access log.

use rusqlite::{Connection, OptionalExtension};
use serde::Serialize;
use socred_core::lists::{self, Appeal, Dispute, EntryState, ListEntry, Repair};
use socred_core::{Date, SubjectId};

use crate::error::{Result, StoreError};
use crate::{Actor, SubjectRef};

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "outcome", rename_all = "kebab-case")]
pub enum ActOutcome {
    Stored {
        subject: SubjectId,
        audit_seq: i64,
        voided_record: Option<String>,
        /// When the voided record came from a verified public report: the
        /// reporter's reward for it, voided with it (the facts it rewarded
        /// did not stand).
        voided_reward: Option<String>,
    },
    /// The same event (same case, content, date and actor) was already stored.
    Duplicate { subject: SubjectId },
}

/// A read of a subject's file, to be logged.
#[derive(Debug, Clone)]
pub struct AccessRequest {
    pub actor: Actor,
    pub subject: SubjectId,
    pub purpose: String,
    pub what: String,
}

/// One read of a subject's file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Access {
    pub at: String,
    pub actor: String,
    pub purpose: String,
    pub what: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct QueueItem<T> {
    pub subject: SubjectRef,
    #[serde(flatten)]
    pub item: T,
}

/// What reviewers have to decide, with deadlines.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Queue {
    pub appeals: Vec<QueueItem<Appeal>>,
    pub disputes: Vec<QueueItem<Dispute>>,
    pub repairs: Vec<QueueItem<Repair>>,
    /// Reviewers' proposals still waiting for their written notice.
    pub proposals: Vec<QueueItem<ListEntry>>,
}

/// The open cases of some files, as the core evaluates them on `as_of`:
/// appeals, disputes and repair applications without a decision, and
/// proposals without a notice, each list by its deadline.
pub(crate) fn queue_of(rulebook: &socred_core::Rulebook, files: Vec<(SubjectRef, socred_core::SubjectFile)>, as_of: Date) -> Queue {
    let mut queue = Queue::default();
    for (subject, file) in files {
        let view = lists::evaluate(rulebook, subject.id, &file, as_of);
        for entry in &view.entries {
            let live = !entry.state.is_final();
            for appeal in entry.appeals.iter().filter(|a| a.decision.is_none() && live) {
                queue.appeals.push(QueueItem { subject: subject.clone(), item: appeal.clone() });
            }
            for repair in entry.repairs.iter().filter(|r| r.decision.is_none() && live) {
                queue.repairs.push(QueueItem { subject: subject.clone(), item: repair.clone() });
            }
            if entry.state == EntryState::Proposed {
                queue.proposals.push(QueueItem { subject: subject.clone(), item: entry.clone() });
            }
        }
        for dispute in view.disputes.into_iter().filter(|d| d.decision.is_none()) {
            queue.disputes.push(QueueItem { subject: subject.clone(), item: dispute });
        }
    }
    queue.appeals.sort_by_key(|q| q.item.decide_by);
    queue.disputes.sort_by_key(|q| q.item.decide_by);
    queue.repairs.sort_by_key(|q| q.item.decide_by);
    queue.proposals.sort_by_key(|q| q.item.started_on);
    queue
}

pub(crate) fn subject_by_key(connection: &Connection, key: i64) -> Result<SubjectRef> {
    let (id, name): (String, String) =
        connection.query_row("SELECT id, name FROM subjects WHERE key = ?1", [key], |row| Ok((row.get(0)?, row.get(1)?)))?;
    let id = SubjectId::parse(&id).map_err(|e| StoreError::Corrupt(format!("stored subject {id}: {e}")))?;
    Ok(SubjectRef { id, name })
}

/// The reward a verified report earned, if `record` is the record that report
/// became and the reward still counts: (reward id, its seq, the reporter's key).
pub(crate) fn unvoided_reward_for(connection: &Connection, record: &str) -> Result<Option<(String, i64, i64)>> {
    // Only a report's record has this prefix; others skip the search.
    if !record.starts_with(crate::reports::REPORT_RECORD_PREFIX) {
        return Ok(None);
    }
    Ok(connection
        .prepare_cached(
            "SELECT r.record_id, r.seq, r.subject FROM report_events e JOIN records r ON r.record_id = e.reward_id
             WHERE e.record_id = ?1 AND e.state = 'verified' AND NOT EXISTS (SELECT 1 FROM voids v WHERE v.record_seq = r.seq)
             LIMIT 1",
        )?
        .query_row([record], |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)))
        .optional()?)
}
