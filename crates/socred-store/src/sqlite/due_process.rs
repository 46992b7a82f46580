//! Due-process acts in the embedded store: the core's `lists::check` asked
//! inside the write, and the reviewers' queue.

use crate::audit::RowDigest;
use crate::error::{Result, StoreError};
use crate::{Actor, MAX_PAGE, Store, SubjectRef, julian, load_file};
use rusqlite::{Connection, OptionalExtension, params};
use socred_core::date::format_date;
use socred_core::lists::{self, DueProcessView, Effect, ListEntry};
use socred_core::process::{EntryId, EntryOrigin, Event, StoredEvent};
use socred_core::{Date, SubjectId};
use std::collections::HashSet;

use crate::due_process::*;

impl Store {
    fn key_of(&self, id: &SubjectId) -> Result<i64> {
        self.connection
            .prepare_cached("SELECT key FROM subjects WHERE id = ?1")?
            .query_row([id.as_str()], |row| row.get(0))
            .optional()?
            .ok_or_else(|| StoreError::UnknownSubject(id.to_string()))
    }

    fn subject_of_record(&self, record: &str) -> Result<(i64, SubjectId)> {
        let row: Option<(i64, String)> = self
            .connection
            .query_row("SELECT s.key, s.id FROM records r JOIN subjects s ON s.key = r.subject WHERE r.record_id = ?1", [record], |row| {
                Ok((row.get(0)?, row.get(1)?))
            })
            .optional()?;
        let (key, id) = row.ok_or_else(|| StoreError::UnknownRecord(record.to_string()))?;
        Ok((key, SubjectId::parse(&id).map_err(|e| StoreError::Corrupt(e.to_string()))?))
    }

    fn subject_of_case(&self, case_key: &str, kinds: &[&str], what: &str) -> Result<(i64, SubjectId)> {
        let mut statement = self.connection.prepare_cached(
            "SELECT s.key, s.id FROM events e JOIN subjects s ON s.key = e.subject
             WHERE e.case_key = ?1 AND e.kind IN (?2, ?3) ORDER BY e.seq LIMIT 1",
        )?;
        let row: Option<(i64, String)> = statement
            .query_row(params![case_key, kinds[0], kinds.get(1).unwrap_or(&kinds[0])], |row| Ok((row.get(0)?, row.get(1)?)))
            .optional()?;
        let (key, id) = row.ok_or_else(|| StoreError::NotFound(format!("{what} {case_key}")))?;
        Ok((key, SubjectId::parse(&id).map_err(|e| StoreError::Corrupt(e.to_string()))?))
    }

    /// The subject a list entry belongs to, read off the entry id.
    pub fn subject_of_entry(&self, entry: &EntryId) -> Result<(i64, SubjectId)> {
        match entry.origin() {
            Some(EntryOrigin::Record { record, .. }) => self.subject_of_record(record.as_str()).map_err(|error| match error {
                StoreError::UnknownRecord(_) => StoreError::NotFound(format!("list entry {entry}")),
                other => other,
            }),
            Some(EntryOrigin::Tier { reference, .. }) => {
                let row: Option<(i64, String)> = self
                    .connection
                    .prepare_cached("SELECT key, id FROM subjects WHERE reference = ?1")?
                    .query_row([reference.as_str()], |row| Ok((row.get(0)?, row.get(1)?)))
                    .optional()?;
                let (key, id) = row.ok_or_else(|| StoreError::NotFound(format!("list entry {entry}")))?;
                Ok((key, SubjectId::parse(&id).map_err(|e| StoreError::Corrupt(e.to_string()))?))
            }
            Some(EntryOrigin::Proposal { .. }) => self.subject_of_case(entry.as_str(), &["list-proposed"], "list entry"),
            None => Err(StoreError::NotFound(format!("list entry {entry}"))),
        }
    }

    fn subject_of_event(&self, event: &Event, proposal_subject: Option<&SubjectId>) -> Result<(i64, SubjectId)> {
        match event {
            Event::ListProposed { .. } => {
                let subject = proposal_subject.ok_or_else(|| StoreError::invalid_message("subject", "input-act-names-subject", vec![]))?;
                Ok((self.key_of(subject)?, *subject))
            }
            Event::NoticeServed { entry }
            | Event::ListWithdrawn { entry, .. }
            | Event::AppealFiled { entry, .. }
            | Event::RepairApplied { entry, .. } => self.subject_of_entry(entry),
            Event::AppealDecided { appeal, .. } => self.subject_of_case(appeal.as_str(), &["appeal-filed"], "appeal"),
            Event::RepairDecided { repair, .. } => self.subject_of_case(repair.as_str(), &["repair-applied"], "repair application"),
            Event::DisputeDecided { dispute, .. } => self.subject_of_case(dispute.as_str(), &["dispute-filed"], "dispute"),
            Event::DisputeFiled { record, .. } => self.subject_of_record(record.as_str()),
            Event::ConsentGiven { .. } | Event::ConsentWithdrawn { .. } => {
                let subject = proposal_subject.ok_or_else(|| StoreError::invalid_message("subject", "input-act-names-subject", vec![]))?;
                Ok((self.key_of(subject)?, *subject))
            }
        }
    }

    /// Records a due-process act after the core's state machine allowed it,
    /// dated by the actor's moment (the store's clock). Refused acts change
    /// nothing. The same act (case, content and actor) twice is stored once.
    pub fn act(&mut self, proposal_subject: Option<&SubjectId>, actor: &Actor, event: Event) -> Result<ActOutcome> {
        let on = actor.today();
        event.check_text()?;
        let (key, subject) = self.subject_of_event(&event, proposal_subject)?;
        if let (Event::ListProposed { .. } | Event::ConsentGiven { .. } | Event::ConsentWithdrawn { .. }, Some(named)) =
            (&event, proposal_subject)
        {
            debug_assert_eq!(*named, subject);
        }
        let rulebook = self.rulebook.clone();
        // Stored as canonical JSON, as a restored store (and PostgreSQL) holds
        // it; a retry is recognised in that form or in the serialiser's, which
        // stores written before this rule hold.
        let serialised = serde_json::to_string(&event).expect("events serialise");
        let body = socred_log::canonical_json(&crate::audit::rows::json_value(&serialised));
        self.write(actor, |connection, seq| {
            let same: Option<i64> = connection
                .prepare_cached(
                    "SELECT seq FROM events WHERE case_key = ?1 AND kind = ?2 AND body IN (?3, ?6) AND actor = ?4 AND subject = ?5",
                )?
                .query_row(params![event.key(), event.kind(), body, actor.name(), key, serialised], |row| row.get(0))
                .optional()?;
            if same.is_some() {
                return Ok(ActOutcome::Duplicate { subject });
            }
            if event.opened_case_field().is_some() {
                let taken: bool = connection
                    .prepare_cached("SELECT EXISTS (SELECT 1 FROM events WHERE case_key = ?1 AND subject <> ?2)")?
                    .query_row(params![event.key(), key], |row| row.get(0))?;
                if taken {
                    return Err(StoreError::Refused(event.case_taken()));
                }
            }
            // Filing is the subject's (or guardian's) own right; every other act is official.
            if !event.is_subjects_own() {
                crate::sqlite::conflicts::refuse_conflicted(connection, actor, key)?;
            }
            let file = load_file(connection, key, subject)?;
            let next_seq: i64 = connection.query_row("SELECT COALESCE(MAX(seq), 0) + 1 FROM events", [], |row| row.get(0))?;
            let stored = StoredEvent { seq: next_seq as u64, on, actor: actor.name().to_string(), event: event.clone() };
            let effect = lists::check(&rulebook, subject, &file, &stored)?;

            let mut digest = RowDigest::default();
            connection
                .prepare_cached(
                    "INSERT INTO events (seq, subject, on_day, recorded_ms, actor, kind, case_key, body, audit_seq)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
                )?
                .execute(params![next_seq, key, julian(on), actor.moment().unix_ms, actor.name(), event.kind(), event.key(), body, seq])?;
            digest.add(&crate::audit::LedgerRow::Event {
                subject,
                on,
                recorded_ms: actor.moment().unix_ms,
                actor: actor.name().to_string(),
                kind: event.kind().to_string(),
                case_key: event.key().to_string(),
                body: crate::audit::rows::json_value(&body),
            });
            let (mut voided_record, mut voided_reward) = (None, None);
            let mut touched = HashSet::from([key]);
            if let Effect::VoidRecord { record, reason } = &effect {
                let record_seq: i64 =
                    connection.query_row("SELECT seq FROM records WHERE record_id = ?1", [record.as_str()], |row| row.get(0))?;
                crate::insert_void(connection, &mut digest, record_seq, record.as_str(), reason, actor.moment(), seq)?;
                voided_record = Some(record.to_string());
                if let Some((reward, reward_seq, reporter_key)) = unvoided_reward_for(connection, record.as_str())? {
                    let reward_reason = format!("the reported record {record} was voided on dispute: {reason}");
                    crate::insert_void(connection, &mut digest, reward_seq, &reward, &reward_reason, actor.moment(), seq)?;
                    touched.insert(reporter_key);
                    voided_reward = Some(reward);
                }
            }
            Store::touched_subjects_invalidate(connection, &touched)?;
            super::audit_log::append(
                connection,
                seq,
                &actor.at_text(),
                actor.name(),
                event.action(),
                Some(subject.as_str()),
                &serde_json::json!({"on": format_date(on), "event": event, "voided_record": voided_record, "voided_reward": voided_reward}),
                digest,
            )?;
            Ok(ActOutcome::Stored { subject, audit_seq: seq, voided_record, voided_reward })
        })
    }

    /// List entries and disputes of a subject on a date.
    pub fn due_process(&self, subject: &SubjectId, as_of: Date) -> Result<DueProcessView> {
        let key = self.key_of(subject)?;
        let file = load_file(&self.connection, key, *subject)?;
        Ok(lists::evaluate(&self.rulebook, *subject, &file, as_of))
    }

    /// One list entry on a date.
    pub fn entry(&self, entry: &EntryId, as_of: Date) -> Result<ListEntry> {
        let (_, subject) = self.subject_of_entry(entry)?;
        self.due_process(&subject, as_of)?
            .entries
            .into_iter()
            .find(|e| &e.id == entry)
            .ok_or_else(|| StoreError::NotFound(format!("list entry {entry} on {}", format_date(as_of))))
    }

    /// Pending appeals, disputes, repair applications and unserved proposals,
    /// with deadlines: of the subjects with open cases, the MAX_PAGE whose
    /// oldest open case was filed first.
    pub fn queue(&self, as_of: Date) -> Result<Queue> {
        let mut statement = self.connection.prepare(
            "SELECT f.subject FROM events f
             WHERE (f.kind = 'appeal-filed' AND NOT EXISTS (SELECT 1 FROM events d WHERE d.kind = 'appeal-decided' AND d.case_key = f.case_key))
                OR (f.kind = 'dispute-filed' AND NOT EXISTS (SELECT 1 FROM events d WHERE d.kind = 'dispute-decided' AND d.case_key = f.case_key))
                OR (f.kind = 'repair-applied' AND NOT EXISTS (SELECT 1 FROM events d WHERE d.kind = 'repair-decided' AND d.case_key = f.case_key))
                OR (f.kind = 'list-proposed' AND NOT EXISTS (SELECT 1 FROM events d WHERE d.kind IN ('notice-served', 'list-withdrawn') AND d.case_key = f.case_key))
             GROUP BY f.subject ORDER BY min(f.seq) LIMIT ?1",
        )?;
        let keys: Vec<i64> = statement.query_map([MAX_PAGE], |row| row.get(0))?.collect::<Result<_, _>>()?;
        let mut files = Vec::with_capacity(keys.len());
        for key in keys {
            let subject = subject_by_key(&self.connection, key)?;
            let file = load_file(&self.connection, key, subject.id)?;
            files.push((subject, file));
        }
        Ok(queue_of(&self.rulebook, files, as_of))
    }

    /// Logs a read of a subject's file by someone other than the subject
    /// (the caller knows who the subject is and skips its own reads).
    pub fn log_access(&self, actor: &Actor, subject: &SubjectId, purpose: &str, what: &str) -> Result<()> {
        self.log_accesses(&[AccessRequest {
            actor: actor.clone(),
            subject: *subject,
            purpose: purpose.to_string(),
            what: what.to_string(),
        }])
    }

    /// Logs many reads in one transaction: the server's group commit.
    pub fn log_accesses(&self, reads: &[AccessRequest]) -> Result<()> {
        for read in reads {
            socred_core::record::check_text(&read.purpose, 500).map_err(|error| StoreError::invalid_text("purpose", error))?;
        }
        let keys = reads.iter().map(|read| self.key_of(&read.subject)).collect::<Result<Vec<_>>>()?;
        self.connection.execute_batch("BEGIN IMMEDIATE")?;
        let result = reads.iter().zip(keys).try_for_each(|(read, key)| {
            super::audit_log::log_access(
                &self.connection,
                &read.actor.at_text(),
                read.actor.name(),
                key,
                read.subject.as_str(),
                &read.purpose,
                &read.what,
            )
        });
        match result {
            Ok(()) => crate::commit(&self.connection),
            Err(error) => {
                let _ = self.connection.execute_batch("ROLLBACK");
                Err(error)
            }
        }
    }

    /// Every logged read of a subject's file, oldest first.
    pub fn accesses(&self, subject: &SubjectId) -> Result<Vec<Access>> {
        let key = self.key_of(subject)?;
        let mut statement =
            self.connection.prepare_cached("SELECT at, actor, purpose, what FROM accesses WHERE subject = ?1 ORDER BY seq")?;
        let rows = statement
            .query_map([key], |row| Ok(Access { at: row.get(0)?, actor: row.get(1)?, purpose: row.get(2)?, what: row.get(3)? }))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }
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
