//! ImportSession: a batch of records into the embedded store, in one
//! IMMEDIATE transaction with held statements and an incremental audit digest.

use crate::audit::RowDigest;
use crate::error::{Result, StoreError};
use crate::import::*;
use crate::{Actor, Store, from_julian, julian};
use rusqlite::{OptionalExtension, params};
use socred_core::SubjectId;
use socred_core::record::{ProblemKind, Record};
use socred_i18n::reasons::Cause;
use std::collections::{HashMap, HashSet};

pub struct ImportSession<'s> {
    connection: &'s rusqlite::Connection,
    rulebook: std::sync::Arc<socred_core::Rulebook>,
    /// Held for the whole session: preparing per row costs a cache lookup each time.
    insert: rusqlite::Statement<'s>,
    find_subject: rusqlite::Statement<'s>,
    actor: Actor,
    clock: crate::Clock,
    action: String,
    audit_seq: i64,
    subject_keys: HashMap<SubjectId, Option<i64>>,
    touched: HashSet<i64>,
    pub(crate) digest: RowDigest,
    inserted: u64,
    duplicates: u64,
    rejected: u64,
    subjects: u64,
    /// Partner records stored to wait for a reviewer.
    pending: u64,
    /// Lines a partner's batch has carried so far, by subject (`[limits]`).
    pub(crate) partner_lines: HashMap<i64, u32>,
    /// The store's secret, which keys the references of subjects registered here.
    secret: String,
    open: bool,
}

impl<'s> ImportSession<'s> {
    /// Takes the store mutably for the session's lifetime (one writer), then
    /// works through a shared borrow so statements can be held.
    pub(crate) fn begin(store: &'s mut Store, actor: Actor, action: String) -> Result<Self> {
        let store: &'s Store = store;
        store.clock.admit(actor.moment())?;
        let connection = &store.connection;
        connection.execute_batch("BEGIN IMMEDIATE")?;
        let prepared = (|| -> Result<_> {
            let audit_seq = super::audit_log::next_seq(connection)?;
            let insert = connection.prepare(
                "INSERT INTO records (record_id, subject, behaviour, occurred_on, source, evidence, recorded_ms, recorded_day, audit_seq)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9) ON CONFLICT (record_id) DO NOTHING",
            )?;
            let find_subject = connection.prepare("SELECT key FROM subjects WHERE id = ?1")?;
            // Read once: every subject the session registers is keyed with it.
            let secret = crate::store_secret(connection)?;
            Ok((audit_seq, insert, find_subject, secret))
        })();
        let (audit_seq, insert, find_subject, secret) = match prepared {
            Ok(prepared) => prepared,
            Err(error) => {
                let _ = connection.execute_batch("ROLLBACK");
                return Err(error);
            }
        };
        Ok(ImportSession {
            connection,
            rulebook: store.rulebook.clone(),
            insert,
            find_subject,
            actor,
            clock: store.clock,
            action,
            audit_seq,
            subject_keys: HashMap::new(),
            touched: HashSet::new(),
            digest: RowDigest::default(),
            inserted: 0,
            duplicates: 0,
            rejected: 0,
            subjects: 0,
            pending: 0,
            partner_lines: HashMap::new(),
            secret,
            open: true,
        })
    }

    fn subject_key(&mut self, subject: &SubjectId) -> Result<Option<i64>> {
        if let Some(key) = self.subject_keys.get(subject) {
            return Ok(*key);
        }
        let key = self.find_subject.query_row([subject.as_str()], |row| row.get(0)).optional()?;
        self.subject_keys.insert(*subject, key);
        Ok(key)
    }

    pub(crate) fn rulebook(&self) -> &socred_core::Rulebook {
        &self.rulebook
    }

    pub(crate) fn connection(&self) -> &'s rusqlite::Connection {
        self.connection
    }

    /// Replay stores only: what the session writes from now on is recorded on
    /// `day` (a population's history replayed day by day). A live store refuses.
    pub fn replay_on(&mut self, day: socred_core::Date) -> Result<()> {
        let clock = self.clock.fixed_on(day)?;
        self.actor = Actor::new(self.actor.name(), clock.now())?.as_person(self.actor.person().copied());
        Ok(())
    }

    /// The moment the session's records are recorded at.
    pub(crate) fn moment(&self) -> socred_core::date::Moment {
        self.actor.moment()
    }

    /// The day the session's records are recorded on.
    pub(crate) fn today(&self) -> socred_core::Date {
        self.actor.today()
    }

    pub(crate) fn audit_seq(&self) -> i64 {
        self.audit_seq
    }

    pub(crate) fn subject_key_of(&mut self, subject: &SubjectId) -> Result<Option<i64>> {
        self.subject_key(subject)
    }

    pub(crate) fn reject_row(&mut self, field: &'static str, kind: ProblemKind, conflict: bool) -> RowOutcome {
        self.reject(field, kind, conflict)
    }

    /// A record now waits for a reviewer: it is about `subject_key`, whose history the entry joins.
    pub(crate) fn count_pending(&mut self, subject_key: i64) {
        self.pending += 1;
        self.touched.insert(subject_key);
    }

    pub(crate) fn count_duplicate(&mut self) -> RowOutcome {
        self.duplicates += 1;
        RowOutcome::Duplicate
    }

    fn reject(&mut self, field: &'static str, kind: ProblemKind, conflict: bool) -> RowOutcome {
        self.rejected += 1;
        RowOutcome::rejected(field, kind, conflict)
    }

    /// Writes one record (validated by the caller) inside the session.
    pub fn push(&mut self, record: &Record) -> Result<RowOutcome> {
        assert!(self.open);
        if self.inserted + self.duplicates + self.rejected >= MAX_SESSION_RECORDS {
            return Err(StoreError::TooLarge { count: (MAX_SESSION_RECORDS + 1) as usize, limit: MAX_SESSION_RECORDS as usize });
        }
        if self.rulebook.behaviour(&record.behaviour).is_none() {
            return Ok(self.reject("behaviour", unknown_behaviour(&self.rulebook, &record.behaviour), false));
        }
        // The parser checked the date against its own reading of the clock;
        // the ledger checks it against the moment it is recorded.
        let recorded = self.actor.moment();
        if let Err(kind) = socred_core::record::occurred_on_problem(&self.rulebook, &record.subject, record.occurred_on, recorded.day) {
            return Ok(self.reject("at", kind, false));
        }
        let Some(subject_key) = self.subject_key(&record.subject)? else {
            return Ok(self.reject("subject", ProblemKind::NotRegistered { subject: record.subject.to_string() }, false));
        };
        if let Some(person) = self.actor.person()
            && let Some(refusal) = crate::sqlite::conflicts::conflict(self.connection, person, subject_key)?
        {
            return Ok(self.reject("subject", ProblemKind::Refused(refusal), false));
        }
        let inserted = self.insert.execute(params![
            record.id.as_str(),
            subject_key,
            record.behaviour,
            julian(record.occurred_on),
            record.source,
            record.evidence,
            recorded.unix_ms,
            julian(recorded.day),
            self.audit_seq
        ])?;
        if inserted == 1 {
            self.digest.record(record.id.as_str(), &record.content(), recorded);
            self.touched.insert(subject_key);
            self.inserted += 1;
            return Ok(RowOutcome::Inserted);
        }
        // The id is taken: the same content is a retry, anything else a conflict.
        let stored = self
            .connection
            .prepare_cached(
                "SELECT s.id, r.behaviour, r.occurred_on, r.source, r.evidence FROM records r
                 JOIN subjects s ON s.key = r.subject WHERE r.record_id = ?1",
            )?
            .query_row([record.id.as_str()], |row| {
                Ok((
                    row.get::<_, String>(0)?,
                    row.get::<_, String>(1)?,
                    row.get::<_, i64>(2)?,
                    row.get::<_, String>(3)?,
                    row.get::<_, Option<String>>(4)?,
                ))
            })?;
        let same = stored.0 == record.subject.as_str()
            && stored.1 == record.behaviour
            && from_julian(stored.2)? == record.occurred_on
            && stored.3 == record.source
            && stored.4 == record.evidence;
        if same {
            self.duplicates += 1;
            Ok(RowOutcome::Duplicate)
        } else {
            // Only that it is taken: the stored record belongs to someone the
            // sender may know nothing about.
            Ok(self.reject("id", ProblemKind::IdTaken { id: record.id.to_string() }, true))
        }
    }

    /// Registers a subject (and its links) inside the session, for bulk loads.
    /// After an error the session holds a partial write: roll it back.
    pub fn push_subject(&mut self, subject: &crate::NewSubject) -> Result<crate::SubjectOutcome> {
        assert!(self.open);
        crate::check_new_subject(subject)?;
        subject
            .id
            .check_plausible(self.actor.today())
            .map_err(|error| StoreError::invalid_cause("id", Cause::Id { input: subject.id.to_string(), error }))?;
        let (outcome, key) =
            crate::write_subject(self.connection, self.audit_seq, &self.secret, subject, self.actor.moment(), &mut self.digest)?;
        self.subject_keys.insert(subject.id, Some(key));
        if outcome == crate::SubjectOutcome::Registered {
            self.subjects += 1;
        }
        Ok(outcome)
    }

    pub fn counts(&self) -> (u64, u64, u64) {
        (self.inserted, self.duplicates, self.rejected)
    }

    /// Makes every inserted record durable, with one audit entry covering them.
    pub fn commit(mut self, detail: serde_json::Value) -> Result<ImportSummary> {
        let connection = self.connection;
        let result = (|| -> Result<Option<i64>> {
            if self.digest.rows() == 0 && self.pending == 0 {
                return Ok(None);
            }
            Store::touched_subjects_invalidate(connection, &self.touched)?;
            let mut detail = detail;
            if let serde_json::Value::Object(map) = &mut detail {
                map.insert("inserted".into(), self.inserted.into());
                map.insert("duplicates".into(), self.duplicates.into());
                if self.pending > 0 {
                    map.insert("pending_review".into(), self.pending.into());
                }
                if self.subjects > 0 {
                    map.insert("subjects_registered".into(), self.subjects.into());
                }
            }
            // One subject in the batch: the entry belongs in that subject's history.
            let single_subject = if self.touched.len() == 1 {
                let key = *self.touched.iter().next().expect("one");
                Some(connection.query_row("SELECT id FROM subjects WHERE key = ?1", [key], |row| row.get::<_, String>(0))?)
            } else {
                None
            };
            super::audit_log::append(
                connection,
                self.audit_seq,
                &self.actor.at_text(),
                self.actor.name(),
                &self.action,
                single_subject.as_deref(),
                &detail,
                std::mem::take(&mut self.digest),
            )?;
            Ok(Some(self.audit_seq))
        })();
        self.open = false;
        match result {
            Ok(audit_seq) => {
                crate::commit(connection)?;
                Ok(ImportSummary { inserted: self.inserted, duplicates: self.duplicates, rejected: self.rejected, audit_seq })
            }
            Err(error) => {
                let _ = connection.execute_batch("ROLLBACK");
                Err(error)
            }
        }
    }

    /// Discards everything the session wrote.
    pub fn rollback(mut self) {
        self.open = false;
        let _ = self.connection.execute_batch("ROLLBACK");
    }
}

impl Drop for ImportSession<'_> {
    fn drop(&mut self) {
        if self.open {
            let _ = self.connection.execute_batch("ROLLBACK");
        }
    }
}
