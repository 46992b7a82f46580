//! Due process in the store: events checked by the core's state machine and
//! stored append-only under the audit chain; derived list entries for the
//! public list; reviewer queues; the access log.

use serde::Serialize;
use socred_core::lists::{self, Appeal, Dispute, EntryState, ListEntry, Repair};
use socred_core::{Date, SubjectId};

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
