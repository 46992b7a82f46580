//! Due-process acts on PostgreSQL: the core's state machine (`lists::check`)
//! is asked inside the write's transaction, under the log's write lock, on
//! the file as that transaction reads it, so two servers cannot both pass a
//! check only one of them may pass (two appeals of one entry, a decision on
//! a case another server has just decided).

use postgres::Transaction;
use socred_core::SubjectId;
use socred_core::lists::{self, Effect};
use socred_core::process::{EntryId, EntryOrigin, Event, StoredEvent};

use super::ledger::{Owner, conflicted_with, file_in};
use super::rows::insert_row;
use super::{Entry, PgStore};
use crate::audit::LedgerRow;
use crate::audit::rows::json_value;
use crate::error::{Result, StoreError};
use crate::{ActOutcome, Actor};

fn subject_of(id: &str) -> Result<SubjectId> {
    SubjectId::parse(id).map_err(|e| StoreError::Corrupt(format!("stored subject {id:?}: {e}")))
}

/// The subject a case (an appeal, dispute, repair or proposed entry) is about: the subject of the event that opened it.
fn subject_of_case(transaction: &mut Transaction<'_>, case_key: &str, kind: &str, what: &str) -> Result<SubjectId> {
    let row =
        transaction.query_opt("SELECT subject FROM events WHERE case_key = $1 AND kind = $2 ORDER BY seq LIMIT 1", &[&case_key, &kind])?;
    row.map(|row| subject_of(row.get(0))).transpose()?.ok_or_else(|| StoreError::NotFound(format!("{what} {case_key}")))
}

fn subject_of_record(transaction: &mut Transaction<'_>, record: &str) -> Result<Option<SubjectId>> {
    transaction.query_opt("SELECT subject FROM record_ids WHERE record_id = $1", &[&record])?.map(|row| subject_of(row.get(0))).transpose()
}

/// The subject a list entry belongs to, read off the entry id.
fn subject_of_entry(transaction: &mut Transaction<'_>, entry: &EntryId) -> Result<SubjectId> {
    let missing = || StoreError::NotFound(format!("list entry {entry}"));
    match entry.origin() {
        Some(EntryOrigin::Record { record, .. }) => subject_of_record(transaction, record.as_str())?.ok_or_else(missing),
        Some(EntryOrigin::Tier { reference, .. }) => transaction
            .query_opt("SELECT subject FROM subjects WHERE reference = $1", &[&reference.as_str()])?
            .map(|row| subject_of(row.get(0)))
            .transpose()?
            .ok_or_else(missing),
        Some(EntryOrigin::Proposal { .. }) => subject_of_case(transaction, entry.as_str(), "list-proposed", "list entry"),
        None => Err(missing()),
    }
}

fn subject_of_event(transaction: &mut Transaction<'_>, event: &Event, proposal_subject: Option<&SubjectId>) -> Result<SubjectId> {
    match event {
        Event::ListProposed { .. } | Event::ConsentGiven { .. } | Event::ConsentWithdrawn { .. } => {
            let subject = proposal_subject.ok_or_else(|| StoreError::invalid_message("subject", "input-act-names-subject", vec![]))?;
            if transaction.query_opt("SELECT 1 FROM subjects WHERE subject = $1", &[&subject.as_str()])?.is_none() {
                return Err(StoreError::UnknownSubject(subject.to_string()));
            }
            Ok(*subject)
        }
        Event::NoticeServed { entry }
        | Event::ListWithdrawn { entry, .. }
        | Event::AppealFiled { entry, .. }
        | Event::RepairApplied { entry, .. } => subject_of_entry(transaction, entry),
        Event::AppealDecided { appeal, .. } => subject_of_case(transaction, appeal.as_str(), "appeal-filed", "appeal"),
        Event::RepairDecided { repair, .. } => subject_of_case(transaction, repair.as_str(), "repair-applied", "repair application"),
        Event::DisputeDecided { dispute, .. } => subject_of_case(transaction, dispute.as_str(), "dispute-filed", "dispute"),
        Event::DisputeFiled { record, .. } => {
            subject_of_record(transaction, record.as_str())?.ok_or_else(|| StoreError::UnknownRecord(record.to_string()))
        }
    }
}

/// The reporter's reward for a record that came from a verified public
/// report, unless it is void already: (reward record, reporter).
fn unvoided_reward_for(transaction: &mut Transaction<'_>, record: &str) -> Result<Option<(String, String)>> {
    // Only a report's record has this prefix; others skip the search.
    if !record.starts_with(crate::reports::REPORT_RECORD_PREFIX) {
        return Ok(None);
    }
    Ok(transaction
        .query_opt(
            "SELECT i.record_id, i.subject FROM report_events e JOIN record_ids i ON i.record_id = e.reward_id
             WHERE e.record_id = $1 AND e.state = 'verified'
               AND NOT EXISTS (SELECT 1 FROM voids v WHERE v.subject = i.subject AND v.record_id = i.record_id)
             LIMIT 1",
            &[&record],
        )?
        .map(|row| (row.get(0), row.get(1))))
}

impl PgStore {
    /// The subject a list entry belongs to, read off the entry id (on the primary).
    pub fn subject_of_entry(&self, entry: &EntryId) -> Result<SubjectId> {
        let mut connection = self.connection()?;
        let mut transaction = connection.build_transaction().read_only(true).start()?;
        let subject = subject_of_entry(&mut transaction, entry)?;
        transaction.commit()?;
        Ok(subject)
    }

    /// One list entry on a date, evaluated by the core from the subject's file.
    pub fn entry(&self, entry: &EntryId, as_of: socred_core::Date) -> Result<socred_core::lists::ListEntry> {
        let subject = self.subject_of_entry(entry)?;
        let file = self.file(&subject)?;
        lists::evaluate(self.rulebook(), subject, &file, as_of)
            .entries
            .into_iter()
            .find(|e| &e.id == entry)
            .ok_or_else(|| StoreError::NotFound(format!("list entry {entry} on {}", socred_core::date::format_date(as_of))))
    }

    /// Records a due-process act after the core's state machine allowed it
    /// (see [`crate::Store::act`]): dated by the actor's moment; refused acts
    /// change nothing; the same act (case, content and actor) twice is stored once.
    pub fn act(&mut self, proposal_subject: Option<&SubjectId>, actor: &Actor, event: Event) -> Result<ActOutcome> {
        event.check_text()?;
        let (on, moment) = (actor.today(), actor.moment());
        let rulebook = self.rulebook().clone();
        // Stored as canonical JSON, as every JSON column of the ledger.
        let body = json_value(&serde_json::to_string(&event).expect("events serialise"));
        let stored_body = socred_log::canonical_json(&body);
        self.write(actor, |transaction, rows| {
            let subject = subject_of_event(transaction, &event, proposal_subject)?;
            let same = transaction.query_opt(
                "SELECT 1 FROM events WHERE subject = $1 AND case_key = $2 AND kind = $3 AND body = $4 AND actor = $5",
                &[&subject.as_str(), &event.key(), &event.kind(), &stored_body, &actor.name()],
            )?;
            if same.is_some() {
                return Ok((ActOutcome::Duplicate { subject }, None));
            }
            if event.opened_case_field().is_some()
                && transaction
                    .query_opt("SELECT 1 FROM events WHERE case_key = $1 AND subject <> $2 LIMIT 1", &[&event.key(), &subject.as_str()])?
                    .is_some()
            {
                return Err(StoreError::Refused(event.case_taken()));
            }
            // Filing is the subject's (or guardian's) own right; every other act is official.
            let filing = event.is_subjects_own();
            if !filing
                && let Some(person) = actor.person()
                && conflicted_with(transaction, person)?.contains(subject.as_str())
            {
                return Err(StoreError::Refused(socred_core::process::ProcessError::because(
                    "actor",
                    socred_core::refusal::Refusal::ConflictOfInterest,
                )));
            }
            let file = file_in(self, transaction, &subject)?;
            // The number the event gets below, under the same lock.
            let next: i64 = transaction.query_one("SELECT size + 1 FROM log_head WHERE log = 'events'", &[])?.get(0);
            let stored = StoredEvent { seq: next as u64, on, actor: actor.name().to_string(), event: event.clone() };
            let effect = lists::check(&rulebook, subject, &file, &stored)?;
            let row = LedgerRow::Event {
                subject,
                on,
                recorded_ms: moment.unix_ms,
                actor: actor.name().to_string(),
                kind: event.kind().to_string(),
                case_key: event.key().to_string(),
                body: body.clone(),
            };
            insert_row(transaction, rows, &row, &mut Owner(subject.as_str().to_string()))?;
            let (mut voided_record, mut voided_reward) = (None, None);
            if let Effect::VoidRecord { record, reason } = &effect {
                let void = LedgerRow::Void {
                    record_id: record.to_string(),
                    reason: reason.clone(),
                    recorded_ms: moment.unix_ms,
                    recorded_on: moment.day,
                };
                insert_row(transaction, rows, &void, &mut Owner(subject.as_str().to_string()))?;
                voided_record = Some(record.to_string());
                if let Some((reward, reporter)) = unvoided_reward_for(transaction, record.as_str())? {
                    let reason = format!("the reported record {record} was voided on dispute: {reason}");
                    let void = LedgerRow::Void { record_id: reward.clone(), reason, recorded_ms: moment.unix_ms, recorded_on: moment.day };
                    insert_row(transaction, rows, &void, &mut Owner(reporter))?;
                    voided_reward = Some(reward);
                }
            }
            let detail = serde_json::json!({"on": socred_core::date::format_date(on), "event": event, "voided_record": voided_record,
                "voided_reward": voided_reward});
            let outcome = ActOutcome::Stored { subject, audit_seq: rows.seq, voided_record, voided_reward };
            Ok((outcome, Some(Entry { action: event.action().to_string(), subject: Some(subject.as_str().to_string()), detail })))
        })
    }
}

/// Subjects with an open case (a filing without its decision, a proposal
/// without its notice or withdrawal), the oldest open case first.
const OPEN_CASES: &str = "
SELECT f.subject FROM events f
WHERE (f.kind = 'appeal-filed' AND NOT EXISTS
        (SELECT 1 FROM events d WHERE d.subject = f.subject AND d.case_key = f.case_key AND d.kind = 'appeal-decided'))
   OR (f.kind = 'dispute-filed' AND NOT EXISTS
        (SELECT 1 FROM events d WHERE d.subject = f.subject AND d.case_key = f.case_key AND d.kind = 'dispute-decided'))
   OR (f.kind = 'repair-applied' AND NOT EXISTS
        (SELECT 1 FROM events d WHERE d.subject = f.subject AND d.case_key = f.case_key AND d.kind = 'repair-decided'))
   OR (f.kind = 'list-proposed' AND NOT EXISTS
        (SELECT 1 FROM events d WHERE d.subject = f.subject AND d.case_key = f.case_key AND d.kind IN ('notice-served', 'list-withdrawn')))
GROUP BY f.subject ORDER BY min(f.seq) LIMIT $1";

impl PgStore {
    /// What reviewers have to decide on `as_of`, with deadlines (from the
    /// standby with `--read-db`). A case's events are all in its subject's
    /// file, so each test of "decided yet?" stays on one shard.
    pub fn queue(&self, as_of: socred_core::Date) -> Result<crate::Queue> {
        let mut connection = self.read_connection()?;
        let mut snapshot =
            connection.build_transaction().isolation_level(postgres::IsolationLevel::RepeatableRead).read_only(true).start()?;
        let subjects: Vec<String> = snapshot.query(OPEN_CASES, &[&i64::from(crate::MAX_PAGE)])?.iter().map(|row| row.get(0)).collect();
        let ids: Vec<&str> = subjects.iter().map(String::as_str).collect();
        let names: std::collections::HashMap<String, String> = snapshot
            .query("SELECT subject, name FROM subjects WHERE subject = ANY($1)", &[&ids])?
            .iter()
            .map(|row| (row.get(0), row.get(1)))
            .collect();
        let (files, unreadable) = self.readable_files_in(&mut snapshot, &ids)?;
        if let Some((_, reason)) = unreadable.into_iter().next() {
            return Err(StoreError::Corrupt(reason));
        }
        snapshot.commit()?;
        let files = files
            .into_iter()
            .map(|(id, file)| (crate::SubjectRef { id, name: names.get(id.as_str()).cloned().unwrap_or_default() }, file))
            .collect();
        Ok(crate::due_process::queue_of(self.rulebook(), files, as_of))
    }
}
