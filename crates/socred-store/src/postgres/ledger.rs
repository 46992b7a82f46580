//! The ledger on PostgreSQL: subjects and links, records (a batch through
//! `COPY`), voids, and a subject's file. Each write validates inside its
//! transaction, under the log's write lock, so two servers cannot both pass a
//! check that only one of them may pass.

use socred_core::refusal::Refusal;
use socred_i18n::Argument;
use socred_i18n::reasons::Cause;
use std::collections::{HashMap, HashSet};

use postgres::Transaction;
use postgres::fallible_iterator::FallibleIterator;
use socred_core::process::{EntryId, SubjectReference};
use socred_core::record::{MAX_REASON_CHARS, ProblemKind, Record, RecordId, Recording, SubjectFile, Void, check_text};
use socred_core::{Date, SubjectId, SubjectKind};

use super::rows::{Owners, RecordCopy, insert_row};
use super::{Entry, EntryRows, PgStore};
use crate::audit::LedgerRow;
use crate::error::{Result, StoreError};
use crate::import::MAX_SESSION_RECORDS;
use crate::{Actor, ImportSummary, NewSubject, RowOutcome, SubjectOutcome, VoidOutcome, check_new_subject};

/// A subject's file in one statement: the reference, the records (with
/// their voids and who recorded them) and the events, as JSON arrays.
const FILE: &str = "
SELECT s.reference,
    coalesce((SELECT json_agg(json_build_array(r.record_id, r.behaviour, to_char(r.occurred_on, 'YYYY-MM-DD'), r.source, r.evidence,
            v.reason, a.actor, to_char(r.recorded_on, 'YYYY-MM-DD'), to_char(v.recorded_on, 'YYYY-MM-DD')) ORDER BY r.seq)
        FROM records r LEFT JOIN voids v ON v.subject = r.subject AND v.record_id = r.record_id LEFT JOIN audit a ON a.seq = r.audit_seq
        WHERE r.subject = $1), '[]')::text,
    coalesce((SELECT json_agg(json_build_array(e.seq, to_char(e.on_day, 'YYYY-MM-DD'), e.actor, socred_json(e.body)) ORDER BY e.seq)
        FROM events e WHERE e.subject = $1), '[]')::text
FROM subjects s WHERE s.subject = $1";

/// FILE for many subjects.
const FILES: &str = "
SELECT s.subject, s.reference,
    coalesce((SELECT json_agg(json_build_array(r.record_id, r.behaviour, to_char(r.occurred_on, 'YYYY-MM-DD'), r.source, r.evidence,
            v.reason, a.actor, to_char(r.recorded_on, 'YYYY-MM-DD'), to_char(v.recorded_on, 'YYYY-MM-DD')) ORDER BY r.seq)
        FROM records r LEFT JOIN voids v ON v.subject = r.subject AND v.record_id = r.record_id LEFT JOIN audit a ON a.seq = r.audit_seq
        WHERE r.subject = s.subject), '[]')::text,
    coalesce((SELECT json_agg(json_build_array(e.seq, to_char(e.on_day, 'YYYY-MM-DD'), e.actor, socred_json(e.body)) ORDER BY e.seq)
        FROM events e WHERE e.subject = s.subject), '[]')::text
FROM subjects s WHERE s.subject = ANY($1)";

/// Files read, and the subjects whose stored rows do not read (id, reason).
pub(crate) type Loaded = (Vec<(SubjectId, SubjectFile)>, Vec<(String, String)>);

/// The day a later rulebook was activated, and the entries each subject carried over to it.
pub(crate) type CarriedOverEntries = (Date, HashMap<String, HashSet<EntryId>>);

/// Subjects a session remembers as registered (it asks again beyond them).
const MAX_KNOWN_SUBJECTS: usize = 1_000_000;

/// Subjects to look up in one batch beyond which a session reads every
/// registered subject instead, when there are at most `MAX_KNOWN_SUBJECTS`.
const PRELOAD_AFTER_SUBJECTS: usize = 1_000;

/// Records or subjects pushed to a session in one call.
pub const MAX_PUSH_ROWS: usize = 100_000;

/// A batch of records for [`PgStore::import_records`]: what it did to each
/// record, in order, and the counts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportBatch {
    pub outcomes: Vec<RowOutcome>,
    pub summary: ImportSummary,
}

/// The record's owner, for a void written outside a restore.
pub(crate) struct Owner(pub String);

impl Owners for Owner {
    fn record_subject(&mut self, _: &mut Transaction<'_>, _: &str) -> Result<String> {
        Ok(self.0.clone())
    }
    fn report_subject(&mut self, _: &mut Transaction<'_>, _: &str) -> Result<String> {
        Ok(self.0.clone())
    }
}

/// The subjects on whose files `person` may not act: their own, and those
/// they are linked to (ward, guardian, an organisation they represent).
pub(crate) fn conflicted_with(transaction: &mut impl postgres::GenericClient, person: &SubjectId) -> Result<HashSet<String>> {
    let mut subjects = HashSet::from([person.as_str().to_string()]);
    for row in transaction.query(
        "SELECT other FROM links WHERE subject = $1 UNION SELECT subject FROM links WHERE other = $1 AND kind = 'guardian'",
        &[&person.as_str()],
    )? {
        subjects.insert(row.get(0));
    }
    Ok(subjects)
}

pub(crate) fn secret(transaction: &mut impl postgres::GenericClient) -> Result<String> {
    transaction
        .query_opt("SELECT value FROM meta WHERE key = 'secret'", &[])?
        .map(|row| row.get(0))
        .ok_or_else(|| StoreError::Corrupt("the store has no secret (meta key 'secret')".into()))
}

impl PgStore {
    /// Registers a subject with its links; the same subject again with the
    /// same name adds any new links, another name is a conflict.
    pub fn add_subject(&self, subject: &NewSubject, actor: &Actor) -> Result<SubjectOutcome> {
        check_new_subject(subject)?;
        subject
            .id
            .check_plausible(actor.today())
            .map_err(|error| StoreError::invalid_cause("id", Cause::Id { input: subject.id.to_string(), error }))?;
        let moment = actor.moment();
        self.write(actor, |transaction, rows| {
            let existing: Option<String> =
                transaction.query_opt("SELECT name FROM subjects WHERE subject = $1", &[&subject.id.as_str()])?.map(|row| row.get(0));
            let registered = match existing {
                Some(name) if name != subject.name => {
                    return Err(StoreError::conflict_message(
                        "input-conflict-subject-name",
                        vec![("subject", Argument::Text(subject.id.to_string()))],
                    ));
                }
                Some(_) => false,
                None => {
                    let number: i64 =
                        transaction.query_one("UPDATE log_head SET size = size + 1 WHERE log = 'subjects' RETURNING size", &[])?.get(0);
                    let reference = SubjectReference::keyed(secret(transaction)?.as_bytes(), &subject.id);
                    let row = LedgerRow::Subject {
                        number,
                        id: subject.id,
                        kind: subject.id.kind().as_str().to_string(),
                        name: subject.name.clone(),
                        reference: reference.as_str().to_string(),
                        recorded_ms: moment.unix_ms,
                        recorded_on: moment.day,
                    };
                    insert_row(transaction, rows, &row, &mut Owner(String::new()))?;
                    true
                }
            };
            let mut links_added = 0;
            for (field, others, wanted) in
                [("guardian", &subject.guardians, SubjectKind::Person), ("represents", &subject.represents, SubjectKind::Organisation)]
            {
                for other in others {
                    if *other == subject.id {
                        return Err(StoreError::invalid_message(field, "input-linked-to-itself", vec![]));
                    }
                    if other.kind() != wanted {
                        return Err(StoreError::invalid_message(
                            field,
                            "input-not-of-kind",
                            vec![("subject", Argument::Text(other.to_string())), ("kind", Argument::Text(wanted.as_str().to_string()))],
                        ));
                    }
                    if transaction.query_opt("SELECT 1 FROM subjects WHERE subject = $1", &[&other.as_str()])?.is_none() {
                        return Err(StoreError::invalid_cause(field, Cause::UnknownSubject(other.to_string())));
                    }
                    let linked = transaction
                        .query_opt(
                            "SELECT 1 FROM links WHERE subject = $1 AND kind = $2 AND other = $3",
                            &[&subject.id.as_str(), &field, &other.as_str()],
                        )?
                        .is_some();
                    if !linked {
                        let row = LedgerRow::Link {
                            subject: subject.id,
                            kind: field.to_string(),
                            other: *other,
                            recorded_ms: moment.unix_ms,
                            recorded_on: moment.day,
                        };
                        insert_row(transaction, rows, &row, &mut Owner(String::new()))?;
                        links_added += 1;
                    }
                }
            }
            let (outcome, action, links) = if registered {
                (SubjectOutcome::Registered, "subject.register", subject.guardians.len() + subject.represents.len())
            } else {
                (SubjectOutcome::AlreadyRegistered { links_added }, "subject.link", links_added)
            };
            let entry = (rows.rows() > 0).then(|| Entry {
                action: action.to_string(),
                subject: Some(subject.id.as_str().to_string()),
                detail: serde_json::json!({"links_added": links}),
            });
            Ok((outcome, entry))
        })
    }

    /// Adds one record (a batch of one). Idempotent by record id.
    pub fn add_record(&self, record: &Record, actor: &Actor) -> Result<RowOutcome> {
        let batch = self.import_records(std::slice::from_ref(record), actor, "record.add", serde_json::json!({"record_id": record.id}))?;
        let outcome = batch.outcomes.into_iter().next().expect("one outcome a record");
        match outcome {
            RowOutcome::Rejected { field, conflict, kind, .. } => Err(crate::import::row_error(field, kind, conflict)),
            other => Ok(other),
        }
    }

    /// Writes a batch of records in one transaction with one audit entry
    /// (`action`, `detail` with the counts added). Idempotent by record id.
    pub fn import_records(&self, records: &[Record], actor: &Actor, action: &str, detail: serde_json::Value) -> Result<ImportBatch> {
        let mut session = self.begin_import(actor, action)?;
        let mut outcomes = Vec::with_capacity(records.len());
        for chunk in records.chunks(MAX_PUSH_ROWS) {
            outcomes.extend(session.push(chunk)?);
        }
        let summary = session.commit(detail)?;
        Ok(ImportBatch { outcomes, summary })
    }

    /// Starts a batched, atomic write of records on a connection of its own:
    /// nothing is visible to anyone until [`PgImport::commit`], which writes
    /// one audit entry for everything pushed. Holds the log's write lock.
    pub fn begin_import(&self, actor: &Actor, action: &str) -> Result<PgImport> {
        self.clock.admit(actor.moment())?;
        let mut connection = self.connection()?;
        connection.batch_execute("BEGIN")?;
        let begun = (|| -> Result<(super::log::Writer, HashSet<String>)> {
            let writer = super::log::Writer::lock(&mut **connection)?;
            writer.refuse_if_stale(self.rulebook_seq)?;
            let conflicted = match actor.person() {
                Some(person) => conflicted_with(&mut **connection, person)?,
                None => HashSet::new(),
            };
            Ok((writer, conflicted))
        })();
        let (writer, conflicted) = match begun {
            Ok(begun) => begun,
            Err(error) => {
                let _ = connection.batch_execute("ROLLBACK");
                return Err(error);
            }
        };
        let rows = EntryRows::new(writer.seq());
        Ok(PgImport {
            store: self.clone(),
            connection,
            writer,
            rows,
            rulebook: self.rulebook.clone(),
            actor: actor.clone(),
            action: action.to_string(),
            conflicted,
            inserted: 0,
            duplicates: 0,
            rejected: 0,
            registered: 0,
            pending: 0,
            partner_lines: HashMap::new(),
            registered_subjects: HashSet::new(),
            preloaded: false,
            changes: super::entries::ImportChanges::new(),
            open: true,
        })
    }

    /// Voids a record. Voiding twice with the same reason is a no-op; with
    /// another reason, a conflict (the first void stands).
    pub fn void_record(&self, record_id: &RecordId, reason: &str, actor: &Actor) -> Result<VoidOutcome> {
        check_text(reason, MAX_REASON_CHARS).map_err(|error| StoreError::invalid_text("reason", error))?;
        let moment = actor.moment();
        self.write(actor, |transaction, rows| {
            let owner: String = transaction
                .query_opt("SELECT subject FROM record_ids WHERE record_id = $1", &[&record_id.as_str()])?
                .map(|row| row.get(0))
                .ok_or_else(|| StoreError::UnknownRecord(record_id.to_string()))?;
            let subject = SubjectId::parse(&owner).map_err(|e| StoreError::Corrupt(e.to_string()))?;
            if let Some(person) = actor.person()
                && conflicted_with(transaction, person)?.contains(&owner)
            {
                return Err(StoreError::Refused(socred_core::process::ProcessError::because("actor", Refusal::ConflictOfInterest)));
            }
            let existing: Option<String> = transaction
                .query_opt("SELECT reason FROM voids WHERE subject = $1 AND record_id = $2", &[&owner, &record_id.as_str()])?
                .map(|row| row.get(0));
            match existing {
                Some(previous) if previous == reason => return Ok((VoidOutcome::AlreadyVoid { subject }, None)),
                Some(previous) => {
                    return Err(StoreError::conflict_message(
                        "input-conflict-already-void",
                        vec![("record", Argument::Text(record_id.to_string())), ("reason", Argument::Text(format!("{previous:?}")))],
                    ));
                }
                None => {}
            }
            let row = LedgerRow::Void {
                record_id: record_id.as_str().to_string(),
                reason: reason.to_string(),
                recorded_ms: moment.unix_ms,
                recorded_on: moment.day,
            };
            insert_row(transaction, rows, &row, &mut Owner(owner.clone()))?;
            let entry = Entry {
                action: "record.void".into(),
                subject: Some(owner),
                detail: serde_json::json!({"record_id": record_id, "reason": reason}),
            };
            Ok((VoidOutcome::Voided { subject }, Some(entry)))
        })
    }

    /// Everything the ledger holds on a subject, in one statement (one
    /// snapshot, one round trip): it touches that subject's partitions, and
    /// the log for who recorded each record.
    pub fn file(&self, id: &SubjectId) -> Result<SubjectFile> {
        let mut connection = self.read_connection()?;
        let statement = connection.prepared(FILE)?;
        let row = connection.query_opt(&statement, &[&id.as_str()])?.ok_or_else(|| StoreError::UnknownSubject(id.to_string()))?;
        let mut file = parse_file(id, row.get(0), row.get(1), row.get(2))?;
        if let Some((since, mut carried)) = self.carried_over(&mut **connection, &[id.as_str()])? {
            let entries = carried.remove(id.as_str()).unwrap_or_default();
            file.carried_over = Some(socred_core::record::CarriedOver { since, entries });
        }
        Ok(file)
    }

    /// The files of many subjects in one statement, from the primary (the
    /// in-memory index of a server is loaded from them, and must not be older
    /// than the change feed's cursor), in no particular order; unknown ids are skipped.
    pub fn files(&self, ids: &[&str]) -> Result<Vec<(SubjectId, SubjectFile)>> {
        let (files, unreadable) = self.readable_files(ids)?;
        match unreadable.into_iter().next() {
            Some((_, reason)) => Err(StoreError::Corrupt(reason)),
            None => Ok(files),
        }
    }

    /// Every rulebook version adopted, newest first, with its impact assessment.
    pub fn rulebook_versions(&self) -> Result<Vec<crate::RulebookVersion>> {
        let rows = self.read_connection()?.query(crate::RULEBOOK_VERSIONS, &[])?;
        rows.iter().map(|row| crate::rulebook_version(row.get(0), row.get(1), row.get(2), row.get(3), row.get::<_, &str>(4))).collect()
    }

    /// How many subjects the store holds.
    pub fn subject_count(&self) -> Result<u64> {
        let count: i64 = self.connection()?.query_one("SELECT count(*) FROM subjects", &[])?.get(0);
        Ok(count as u64)
    }

    /// The subjects registered after `day`, with the day each was (from the
    /// primary, as `each_file` reads).
    pub fn registered_after(&self, day: Date) -> Result<Vec<(SubjectId, Date)>> {
        let rows =
            self.connection()?.query("SELECT subject, recorded_on FROM subjects WHERE recorded_on > $1 ORDER BY subject", &[&day])?;
        rows.iter()
            .map(|row| {
                let id: String = row.get(0);
                let id = SubjectId::parse(&id).map_err(|e| StoreError::Corrupt(format!("stored subject {id:?}: {e}")))?;
                Ok((id, row.get(1)))
            })
            .collect()
    }

    /// Every subject's file in identifier order, read from the primary in
    /// one repeatable-read transaction (a snapshot), handed to `visit` one at
    /// a time: a population for policy analysis. Returns how many were visited.
    pub fn each_file(&self, visit: &mut dyn FnMut(SubjectId, SubjectFile) -> Result<()>) -> Result<u64> {
        const FILES_AT_ONCE: usize = 1_000;
        let mut connection = self.connection()?;
        let mut snapshot =
            connection.build_transaction().isolation_level(postgres::IsolationLevel::RepeatableRead).read_only(true).start()?;
        let ids: Vec<String> = snapshot.query("SELECT subject FROM subjects ORDER BY subject", &[])?.iter().map(|row| row.get(0)).collect();
        for chunk in ids.chunks(FILES_AT_ONCE) {
            let chunk: Vec<&str> = chunk.iter().map(String::as_str).collect();
            let (mut files, unreadable) = self.readable_files_in(&mut snapshot, &chunk)?;
            if let Some((_, reason)) = unreadable.into_iter().next() {
                return Err(StoreError::Corrupt(reason));
            }
            files.sort_by(|a, b| a.0.as_str().cmp(b.0.as_str()));
            for (id, file) in files {
                visit(id, file)?;
            }
        }
        snapshot.commit()?;
        Ok(ids.len() as u64)
    }

    /// [`PgStore::files`], with the subjects whose stored rows do not read
    /// set apart (id, reason) instead of failing the others.
    pub(crate) fn readable_files(&self, ids: &[&str]) -> Result<Loaded> {
        self.readable_files_in(&mut **self.connection()?, ids)
    }

    /// [`PgStore::readable_files`] as `client` (a write's transaction) reads them.
    pub(crate) fn readable_files_in(&self, client: &mut impl postgres::GenericClient, ids: &[&str]) -> Result<Loaded> {
        let rows = client.query(FILES, &[&ids])?;
        let mut carried = self.carried_over(client, ids)?;
        let (mut files, mut unreadable) = (Vec::with_capacity(rows.len()), Vec::new());
        for row in rows {
            let subject: &str = row.get(0);
            let parsed = SubjectId::parse(subject)
                .map_err(|e| StoreError::Corrupt(format!("stored subject {subject:?}: {e}")))
                .and_then(|id| Ok((id, parse_file(&id, row.get(1), row.get(2), row.get(3))?)));
            let (id, mut file) = match parsed {
                Ok(parsed) => parsed,
                Err(error) => {
                    unreadable.push((subject.to_string(), error.to_string()));
                    continue;
                }
            };
            if let Some((since, carried)) = carried.as_mut() {
                let entries = carried.remove(subject).unwrap_or_default();
                file.carried_over = Some(socred_core::record::CarriedOver { since: *since, entries });
            }
            files.push((id, file));
        }
        Ok((files, unreadable))
    }

    /// Under a rulebook activated after the first, the entries each subject
    /// carried over from the one before, and the day it was activated.
    pub(crate) fn carried_over(&self, connection: &mut impl postgres::GenericClient, ids: &[&str]) -> Result<Option<CarriedOverEntries>> {
        self.carried_over_at(connection, ids, self.rulebook_seq)
    }

    /// [`carried_over_under`], from the primary when `connection` (a standby
    /// still replaying) does not hold that version yet: a file read from a
    /// lagging standby may be behind, never unreadable.
    fn carried_over_at(
        &self,
        connection: &mut impl postgres::GenericClient,
        ids: &[&str],
        rulebook_seq: i64,
    ) -> Result<Option<CarriedOverEntries>> {
        match carried_over_under(connection, ids, rulebook_seq)? {
            Carried::Read(carried) => Ok(carried),
            Carried::NotReplayed => match carried_over_under(&mut **self.connection()?, ids, rulebook_seq)? {
                Carried::Read(carried) => Ok(carried),
                Carried::NotReplayed => Err(StoreError::Corrupt(format!("rulebook version {rulebook_seq} is not stored"))),
            },
        }
    }

    /// A subject's file under the rulebook of version `rulebook_seq`, from the standby with `--read-db`.
    pub(crate) fn file_under(&self, id: &SubjectId, rulebook_seq: i64) -> Result<SubjectFile> {
        let mut connection = self.read_connection()?;
        let statement = connection.prepared(FILE)?;
        let row = connection.query_opt(&statement, &[&id.as_str()])?.ok_or_else(|| StoreError::UnknownSubject(id.to_string()))?;
        let mut file = parse_file(id, row.get(0), row.get(1), row.get(2))?;
        if let Some((since, mut carried)) = self.carried_over_at(&mut **connection, &[id.as_str()], rulebook_seq)? {
            let entries = carried.remove(id.as_str()).unwrap_or_default();
            file.carried_over = Some(socred_core::record::CarriedOver { since, entries });
        }
        Ok(file)
    }

    /// A record by id, with its void reason if voided.
    pub fn record(&self, record_id: &RecordId) -> Result<Option<(Record, Option<String>)>> {
        // From the primary: an officer voids what they have just written.
        let subject: Option<String> = self
            .connection()?
            .query_opt("SELECT subject FROM record_ids WHERE record_id = $1", &[&record_id.as_str()])?
            .map(|row| row.get(0));
        let Some(subject) = subject else {
            return Ok(None);
        };
        let subject =
            SubjectId::parse(&subject).map_err(|e| StoreError::Corrupt(format!("record {record_id}: subject {subject:?}: {e}")))?;
        let (_, file) = self.files(&[subject.as_str()])?.pop().ok_or_else(|| StoreError::UnknownSubject(subject.to_string()))?;
        let record = file
            .records
            .into_iter()
            .find(|r| &r.id == record_id)
            .ok_or_else(|| StoreError::Corrupt(format!("record {record_id} vanished")))?;
        let void = file.voids.into_iter().find(|v| &v.record_id == record_id).map(|v| v.reason);
        Ok(Some((record, void)))
    }

    /// The registered name of a subject, if registered.
    pub fn subject_name(&self, id: &SubjectId) -> Result<Option<String>> {
        Ok(self.read_connection()?.query_opt("SELECT name FROM subjects WHERE subject = $1", &[&id.as_str()])?.map(|row| row.get(0)))
    }
}

/// Under the rulebook of version `rulebook_seq` (activated after the first),
/// the entries each subject carried over from the one before, and the day it
/// was activated.
fn carried_over_under(connection: &mut impl postgres::GenericClient, ids: &[&str], rulebook_seq: i64) -> Result<Carried> {
    if rulebook_seq <= 1 {
        return Ok(Carried::Read(None));
    }
    let Some(since) = connection.query_opt("SELECT recorded_on FROM rulebooks WHERE seq = $1", &[&rulebook_seq])? else {
        return Ok(Carried::NotReplayed);
    };
    let since: Date = since.get(0);
    let mut carried: HashMap<String, HashSet<EntryId>> = HashMap::new();
    for row in connection
        .query("SELECT subject, entry_id FROM rulebook_entries WHERE subject = ANY($1) AND rulebook_seq = $2", &[&ids, &rulebook_seq])?
    {
        let (subject, entry): (String, String) = (row.get(0), row.get(1));
        let entry =
            EntryId::parse(&entry).map_err(|e| StoreError::Corrupt(format!("subject {subject}, carried-over entry {entry:?}: {e}")))?;
        carried.entry(subject).or_default().insert(entry);
    }
    Ok(Carried::Read(Some((since, carried))))
}

/// What a connection holds of a rulebook version's carried-over entries.
enum Carried {
    Read(Option<CarriedOverEntries>),
    /// A standby that has not replayed the version's activation yet.
    NotReplayed,
}

/// A subject's file as `transaction` reads it (a write validates against it).
pub(crate) fn file_in(store: &PgStore, transaction: &mut Transaction<'_>, id: &SubjectId) -> Result<SubjectFile> {
    let row = transaction.query_opt(FILE, &[&id.as_str()])?.ok_or_else(|| StoreError::UnknownSubject(id.to_string()))?;
    let mut file = parse_file(id, row.get(0), row.get(1), row.get(2))?;
    if let Some((since, mut carried)) = store.carried_over(transaction, &[id.as_str()])? {
        let entries = carried.remove(id.as_str()).unwrap_or_default();
        file.carried_over = Some(socred_core::record::CarriedOver { since, entries });
    }
    Ok(file)
}

/// A file from the columns of FILE: the reference, the records and the events as JSON arrays.
fn parse_file(id: &SubjectId, reference: &str, records: &str, events: &str) -> Result<SubjectFile> {
    let mut file = empty_file(id, reference)?;
    let corrupt = |what: String| StoreError::Corrupt(format!("subject {id}: {what}"));
    let day = |value: &serde_json::Value, what: &str| -> Result<Date> {
        value.as_str().and_then(|text| socred_core::date::parse_date(text).ok()).ok_or_else(|| corrupt(format!("{what} is not a date")))
    };
    let text = |value: &serde_json::Value| value.as_str().map(str::to_string);
    let records: serde_json::Value = serde_json::from_str(records).map_err(|e| corrupt(e.to_string()))?;
    for record in records.as_array().into_iter().flatten() {
        let void_on = if record[8].is_null() { None } else { Some(day(&record[8], "void day")?) };
        add_record(
            &mut file,
            id,
            StoredRecord {
                record_id: &text(&record[0]).unwrap_or_default(),
                behaviour: text(&record[1]).unwrap_or_default(),
                occurred_on: day(&record[2], "occurred on")?,
                source: text(&record[3]).unwrap_or_default(),
                evidence: text(&record[4]),
                void_reason: text(&record[5]),
                recorded_by: text(&record[6]).unwrap_or_default(),
                recorded_on: day(&record[7], "recorded on")?,
                void_on,
            },
        )?;
    }
    let events: serde_json::Value = serde_json::from_str(events).map_err(|e| corrupt(e.to_string()))?;
    for event in events.as_array().into_iter().flatten() {
        let seq = event[0].as_u64().unwrap_or_default();
        let body = serde_json::from_value(event[3].clone()).map_err(|e| corrupt(format!("event {seq}: {e}")))?;
        let on = day(&event[1], "an event's day")?;
        file.events.push(socred_core::process::StoredEvent { seq, on, actor: text(&event[2]).unwrap_or_default(), event: body });
    }
    Ok(file)
}

/// A file with only its reference, to which records and events are added in order.
pub(crate) fn empty_file(id: &SubjectId, reference: &str) -> Result<SubjectFile> {
    let reference =
        SubjectReference::parse(reference).map_err(|e| StoreError::Corrupt(format!("subject {id}, reference {reference:?}: {e}")))?;
    Ok(SubjectFile { reference: Some(reference), ..SubjectFile::default() })
}

/// A record row with its void and who recorded it, as stored.
pub(crate) struct StoredRecord<'a> {
    pub record_id: &'a str,
    pub behaviour: String,
    pub occurred_on: Date,
    pub source: String,
    pub evidence: Option<String>,
    pub void_reason: Option<String>,
    pub recorded_by: String,
    pub recorded_on: Date,
    pub void_on: Option<Date>,
}

/// Adds a stored record to its subject's file (records in the order they were written).
pub(crate) fn add_record(file: &mut SubjectFile, id: &SubjectId, row: StoredRecord<'_>) -> Result<()> {
    let corrupt = |what: String| StoreError::Corrupt(format!("subject {id}: {what}"));
    let record_id = RecordId::parse(row.record_id).map_err(|e| corrupt(format!("record {:?}: {e}", row.record_id)))?;
    if row.occurred_on > row.recorded_on || !(socred_core::date::MIN_DATE..=socred_core::date::MAX_DATE).contains(&row.recorded_on) {
        return Err(corrupt(format!("record {record_id}: occurred on {} but recorded on {}", row.occurred_on, row.recorded_on)));
    }
    if let Some(reason) = row.void_reason {
        file.voids.push(Void { record_id: record_id.clone(), reason, recorded_on: row.void_on.unwrap_or(row.recorded_on) });
    }
    file.recorded.insert(record_id.clone(), Recording { on: row.recorded_on, by: row.recorded_by });
    file.records.push(Record {
        id: record_id,
        subject: *id,
        behaviour: row.behaviour,
        occurred_on: row.occurred_on,
        source: row.source,
        evidence: row.evidence,
    });
    Ok(())
}

/// A batched write of records to PostgreSQL (see [`PgStore::begin_import`]).
pub struct PgImport {
    /// For the files whose list entries the commit rewrites.
    store: PgStore,
    pub(super) connection: super::Connection,
    writer: super::log::Writer,
    pub(super) rows: EntryRows,
    pub(super) rulebook: std::sync::Arc<socred_core::Rulebook>,
    pub(super) actor: Actor,
    action: String,
    /// The subjects the acting person may not act on.
    conflicted: HashSet<String>,
    inserted: u64,
    pub(super) duplicates: u64,
    pub(super) rejected: u64,
    registered: u64,
    /// Partner records stored to wait for a reviewer.
    pub(super) pending: u64,
    /// A partner batch's lines so far, by subject (`partners.rs`).
    pub(super) partner_lines: HashMap<String, u32>,
    /// Subjects known to be registered (a session only adds subjects).
    registered_subjects: HashSet<String>,
    /// Whether every registered subject was read at once (a large import does it once).
    preloaded: bool,
    /// The subjects whose entries the commit rewrites.
    changes: super::entries::ImportChanges,
    open: bool,
}

/// Claims the ids of `records` (sorted by id) in the store-wide id index.
/// Returns the ids it claimed, or None when it claimed every one. A fresh
/// batch, the common case, goes in by one `COPY` (several times faster than
/// an `INSERT … ON CONFLICT`); when an id is already taken the `COPY` is
/// undone and the batch claims what is free by `INSERT … ON CONFLICT`.
fn claim_ids(client: &mut postgres::Client, records: &[&Record]) -> Result<Option<HashSet<String>>> {
    if records.is_empty() {
        return Ok(None);
    }
    client.batch_execute("SAVEPOINT claim_ids")?;
    let copied = (|| -> std::result::Result<u64, postgres::Error> {
        let sink = client.copy_in("COPY record_ids (record_id, subject) FROM STDIN (FORMAT binary)")?;
        let mut writer = postgres::binary_copy::BinaryCopyInWriter::new(sink, &[postgres::types::Type::TEXT, postgres::types::Type::TEXT]);
        for record in records {
            writer.write(&[&record.id.as_str(), &record.subject.as_str()])?;
        }
        writer.finish()
    })();
    match copied {
        Ok(_) => {
            client.batch_execute("RELEASE SAVEPOINT claim_ids")?;
            return Ok(None);
        }
        Err(error) if error.code() == Some(&postgres::error::SqlState::UNIQUE_VIOLATION) => {
            client.batch_execute("ROLLBACK TO SAVEPOINT claim_ids; RELEASE SAVEPOINT claim_ids")?;
        }
        Err(error) => return Err(error.into()),
    }
    let ids: Vec<&str> = records.iter().map(|r| r.id.as_str()).collect();
    let subjects: Vec<&str> = records.iter().map(|r| r.subject.as_str()).collect();
    Ok(Some(
        client
            .query(
                "INSERT INTO record_ids (record_id, subject) SELECT * FROM unnest($1::text[], $2::text[]) ON CONFLICT DO NOTHING RETURNING record_id",
                &[&ids, &subjects],
            )?
            .iter()
            .map(|row| row.get(0))
            .collect(),
    ))
}

impl PgImport {
    /// Checks each record against the rulebook, the clock, the registered
    /// subjects, the acting person's conflicts and the ids already taken
    /// (also earlier in this session), then writes the accepted ones through
    /// one `COPY`. Returns what happened to each, in order.
    pub fn push(&mut self, records: &[Record]) -> Result<Vec<RowOutcome>> {
        assert!(self.open);
        if records.len() > MAX_PUSH_ROWS {
            return Err(StoreError::TooLarge { count: records.len(), limit: MAX_PUSH_ROWS });
        }
        let total = self.inserted + self.duplicates + self.rejected + records.len() as u64;
        if total > MAX_SESSION_RECORDS {
            return Err(StoreError::TooLarge { count: total as usize, limit: MAX_SESSION_RECORDS as usize });
        }
        let recorded = self.actor.moment();
        let client = &mut **self.connection;
        // Subjects seen registered earlier in the session are not asked again.
        let mut wanted: Vec<&str> = records
            .iter()
            .map(|r| r.subject.as_str())
            .filter(|id| !self.registered_subjects.contains(*id))
            .collect::<HashSet<_>>()
            .into_iter()
            .collect();
        if wanted.len() >= PRELOAD_AFTER_SUBJECTS && !self.preloaded {
            // A large import is about much of the population: reading every
            // subject once (a scan) costs less than looking its subjects up
            // batch after batch (measured: 0.3 s against 0.8 s for 100,000).
            self.preloaded = true;
            let population: i64 = client.query_one("SELECT size FROM log_head WHERE log = 'subjects'", &[])?.get(0);
            if population <= MAX_KNOWN_SUBJECTS as i64 {
                self.registered_subjects.clear();
                let mut rows = client.query_raw("SELECT subject FROM subjects", std::iter::empty::<i32>())?;
                while let Some(row) = rows.next()? {
                    self.registered_subjects.insert(row.get(0));
                }
                wanted.retain(|id| !self.registered_subjects.contains(*id));
            }
        }
        if !wanted.is_empty() {
            if self.registered_subjects.len() > MAX_KNOWN_SUBJECTS {
                self.registered_subjects.clear();
            }
            // A join, not `= ANY($1)`: planning thousands of values against
            // every hash partition cost more than the lookup (measured).
            let known = "SELECT s.subject FROM unnest($1::text[]) AS wanted(subject) JOIN subjects s ON s.subject = wanted.subject";
            for row in client.query(known, &[&wanted])? {
                self.registered_subjects.insert(row.get(0));
            }
        }
        let registered = &self.registered_subjects;
        let mut outcomes = Vec::with_capacity(records.len());
        // Records that pass every check but the id's: the first of each id in the batch.
        let mut candidates: Vec<&Record> = Vec::new();
        let mut first_of: HashMap<&str, usize> = HashMap::new();
        let mut repeats: HashSet<usize> = HashSet::new();
        let same = |a: &Record, b: &Record| {
            (a.subject, &a.behaviour, a.occurred_on, &a.source, &a.evidence)
                == (b.subject, &b.behaviour, b.occurred_on, &b.source, &b.evidence)
        };
        let taken = |record: &Record| RowOutcome::rejected("id", ProblemKind::IdTaken { id: record.id.to_string() }, true);
        for record in records {
            let reject = |field: &'static str, kind: ProblemKind| Some(RowOutcome::rejected(field, kind, false));
            let outcome = if self.rulebook.behaviour(&record.behaviour).is_none() {
                reject("behaviour", crate::import::unknown_behaviour(&self.rulebook, &record.behaviour))
            } else if let Err(kind) =
                socred_core::record::occurred_on_problem(&self.rulebook, &record.subject, record.occurred_on, recorded.day)
            {
                reject("at", kind)
            } else if !registered.contains(record.subject.as_str()) {
                reject("subject", ProblemKind::NotRegistered { subject: record.subject.to_string() })
            } else if self.conflicted.contains(record.subject.as_str()) {
                let refusal = if self.actor.person() == Some(&record.subject) { Refusal::ConflictOwnFile } else { Refusal::ConflictLinked };
                reject("subject", ProblemKind::Refused(refusal))
            } else {
                match first_of.get(record.id.as_str()) {
                    // A repeat of a record earlier in the batch shares its verdict (below).
                    Some(&first) if same(candidates[first], record) => {
                        repeats.insert(outcomes.len());
                        None
                    }
                    // Only that it is taken: the stored record may belong to someone the sender knows nothing of.
                    Some(_) => Some(taken(record)),
                    None => {
                        first_of.insert(record.id.as_str(), candidates.len());
                        candidates.push(record);
                        None
                    }
                }
            };
            outcomes.push(outcome);
        }
        // The id index takes each new id once; an id it already holds (a
        // retry, or a conflict: rare) is compared with the record stored.
        let mut by_id: Vec<&Record> = candidates.clone();
        by_id.sort_unstable_by(|a, b| a.id.as_str().cmp(b.id.as_str()));
        let claimed = claim_ids(client, &by_id)?;
        let mut verdicts: HashMap<&str, RowOutcome> = HashMap::new();
        let mut accepted: Vec<&Record> = Vec::with_capacity(candidates.len());
        for record in &candidates {
            if claimed.as_ref().is_none_or(|claimed| claimed.contains(record.id.as_str())) {
                accepted.push(record);
                continue;
            }
            let owner: String = client.query_one("SELECT subject FROM record_ids WHERE record_id = $1", &[&record.id.as_str()])?.get(0);
            let stored = client.query_one(
                "SELECT behaviour, occurred_on, source, evidence FROM records WHERE subject = $1 AND record_id = $2",
                &[&owner, &record.id.as_str()],
            )?;
            let content: (String, Date, String, Option<String>) = (stored.get(0), stored.get(1), stored.get(2), stored.get(3));
            let verdict = if owner == record.subject.as_str()
                && content == (record.behaviour.clone(), record.occurred_on, record.source.clone(), record.evidence.clone())
            {
                RowOutcome::Duplicate
            } else {
                taken(record)
            };
            verdicts.insert(record.id.as_str(), verdict);
        }
        let outcomes: Vec<RowOutcome> = outcomes
            .into_iter()
            .zip(records)
            .enumerate()
            .map(|(index, (outcome, record))| match (outcome, repeats.contains(&index)) {
                (Some(outcome), _) => outcome,
                // The same content as a record before it: stored once, or refused with it.
                (None, true) => match verdicts.get(record.id.as_str()) {
                    Some(rejected @ RowOutcome::Rejected { .. }) => rejected.clone(),
                    _ => RowOutcome::Duplicate,
                },
                (None, false) => verdicts.get(record.id.as_str()).cloned().unwrap_or(RowOutcome::Inserted),
            })
            .inspect(|outcome| match outcome {
                RowOutcome::Inserted => self.inserted += 1,
                RowOutcome::Duplicate => self.duplicates += 1,
                RowOutcome::Rejected { .. } => self.rejected += 1,
            })
            .collect();
        if accepted.is_empty() {
            return Ok(outcomes);
        }
        let count = accepted.len() as i64;
        let last: i64 = client.query_one("UPDATE log_head SET size = size + $1 WHERE log = 'records' RETURNING size", &[&count])?.get(0);
        let first = last - count + 1;
        let audit_seq = self.rows.seq;
        // Numbers and ordinals follow the input; the rows go in sorted by
        // subject, so each partition and index takes them in runs (a third
        // faster than in input order, measured).
        let mut numbered: Vec<(&Record, i64, i32)> = accepted
            .iter()
            .enumerate()
            .map(|(index, record)| (*record, first + index as i64, self.rows.add_record(record, recorded)))
            .collect();
        numbered.sort_unstable_by(|a, b| (a.0.subject.as_str(), a.0.id.as_str()).cmp(&(b.0.subject.as_str(), b.0.id.as_str())));
        let mut copy = RecordCopy::start(client)?;
        for (record, seq, ordinal) in numbered {
            copy.write(
                record.subject.as_str(),
                record.id.as_str(),
                seq,
                &record.behaviour,
                &record.occurred_on,
                &record.source,
                record.evidence.as_deref(),
                recorded.unix_ms,
                &recorded.day,
                audit_seq,
                ordinal,
            )?;
        }
        copy.finish()?;
        self.changes.note(client, accepted.iter().map(|record| record.subject.as_str()))?;
        Ok(outcomes)
    }

    /// Holds at most `limit` changed subjects in memory before the commit,
    /// the rest in a table of the transaction (tests reach that path).
    #[doc(hidden)]
    pub fn hold_changed_subjects_at_most(&mut self, limit: usize) {
        self.changes.hold_at_most(limit);
    }

    pub fn counts(&self) -> (u64, u64, u64) {
        (self.inserted, self.duplicates, self.rejected)
    }

    /// Registers subjects without links in bulk (one `COPY`), for loads of a
    /// population; a subject already registered under the same name is
    /// skipped, under another name refused. Subjects with links go through
    /// [`PgStore::add_subject`].
    pub fn push_subjects(&mut self, subjects: &[NewSubject]) -> Result<u64> {
        assert!(self.open);
        if subjects.len() > MAX_PUSH_ROWS {
            return Err(StoreError::TooLarge { count: subjects.len(), limit: MAX_PUSH_ROWS });
        }
        let today = self.actor.today();
        for subject in subjects {
            check_new_subject(subject)?;
            if !subject.guardians.is_empty() || !subject.represents.is_empty() {
                return Err(StoreError::invalid_message("guardian", "input-bulk-with-links", vec![]));
            }
            subject
                .id
                .check_plausible(today)
                .map_err(|error| StoreError::invalid_cause("id", Cause::Id { input: subject.id.to_string(), error }))?;
        }
        let client = &mut **self.connection;
        let ids: Vec<&str> = subjects.iter().map(|s| s.id.as_str()).collect();
        let mut known: HashMap<String, String> = HashMap::new();
        for row in client.query("SELECT subject, name FROM subjects WHERE subject = ANY($1)", &[&ids])? {
            known.insert(row.get(0), row.get(1));
        }
        let mut fresh = Vec::new();
        for subject in subjects {
            match known.get(subject.id.as_str()) {
                Some(name) if *name != subject.name => {
                    return Err(StoreError::conflict_message(
                        "input-conflict-subject-name",
                        vec![("subject", Argument::Text(subject.id.to_string()))],
                    ));
                }
                Some(_) => {}
                None => {
                    known.insert(subject.id.as_str().to_string(), subject.name.clone());
                    fresh.push(subject);
                }
            }
        }
        if fresh.is_empty() {
            return Ok(0);
        }
        let secret = secret(client)?;
        let count = fresh.len() as i64;
        let last: i64 = client.query_one("UPDATE log_head SET size = size + $1 WHERE log = 'subjects' RETURNING size", &[&count])?.get(0);
        let moment = self.actor.moment();
        let mut rows = Vec::with_capacity(fresh.len());
        for (index, subject) in fresh.iter().enumerate() {
            let row = LedgerRow::Subject {
                number: last - count + 1 + index as i64,
                id: subject.id,
                kind: subject.id.kind().as_str().to_string(),
                name: subject.name.clone(),
                reference: SubjectReference::keyed(secret.as_bytes(), &subject.id).as_str().to_string(),
                recorded_ms: moment.unix_ms,
                recorded_on: moment.day,
            };
            let ordinal = self.rows.add(&row);
            rows.push((row, ordinal));
        }
        super::rows::copy_subjects(client, &rows, self.rows.seq)?;
        self.registered += fresh.len() as u64;
        self.registered_subjects.extend(fresh.iter().map(|subject| subject.id.as_str().to_string()));
        Ok(fresh.len() as u64)
    }

    /// Makes every inserted record durable under one audit entry (none when
    /// nothing was inserted).
    pub fn commit(mut self, detail: serde_json::Value) -> Result<ImportSummary> {
        self.open = false;
        let summary = ImportSummary { inserted: self.inserted, duplicates: self.duplicates, rejected: self.rejected, audit_seq: None };
        if self.rows.rows() == 0 && self.pending == 0 {
            self.connection.batch_execute("ROLLBACK")?;
            return Ok(summary);
        }
        let mut detail = detail;
        if let serde_json::Value::Object(map) = &mut detail {
            map.insert("inserted".into(), self.inserted.into());
            map.insert("duplicates".into(), self.duplicates.into());
            if self.pending > 0 {
                map.insert("pending_review".into(), self.pending.into());
            }
            if self.registered > 0 {
                map.insert("subjects_registered".into(), self.registered.into());
            }
        }
        // One subject in the batch: the entry belongs in that subject's history.
        let subject = self.rows.single_subject().map(str::to_string);
        let rows = std::mem::replace(&mut self.rows, EntryRows::new(0));
        let seq = rows.seq;
        let changes = std::mem::replace(&mut self.changes, super::entries::ImportChanges::new());
        let appended = super::entries::finish_import(&self.store, &mut **self.connection, changes)
            .and_then(|()| self.writer.append(&mut **self.connection, &self.actor, &self.action, subject.as_deref(), &detail, rows));
        match appended.and_then(|_| Ok(self.connection.batch_execute("COMMIT")?)) {
            Ok(()) => Ok(ImportSummary { audit_seq: Some(seq), ..summary }),
            Err(error) => {
                let _ = self.connection.batch_execute("ROLLBACK");
                Err(error)
            }
        }
    }

    /// Discards everything the session wrote.
    pub fn rollback(mut self) {
        self.open = false;
        let _ = self.connection.batch_execute("ROLLBACK");
    }
}

impl Drop for PgImport {
    fn drop(&mut self) {
        if self.open {
            let _ = self.connection.batch_execute("ROLLBACK");
        }
    }
}

impl PgStore {
    /// A subject's name and links, if registered.
    pub fn subject(&self, id: &SubjectId) -> Result<Option<crate::SubjectInfo>> {
        let mut connection = self.read_connection()?;
        let Some(name) = connection.query_opt("SELECT name FROM subjects WHERE subject = $1", &[&id.as_str()])?.map(|row| row.get(0))
        else {
            return Ok(None);
        };
        let mut linked = |sql: &str| -> Result<Vec<crate::SubjectRef>> {
            let mut out = Vec::new();
            for row in connection.query(sql, &[&id.as_str()])? {
                let other: String = row.get(0);
                let id = SubjectId::parse(&other).map_err(|e| StoreError::Corrupt(format!("stored subject {other}: {e}")))?;
                out.push(crate::SubjectRef { id, name: row.get(1) });
            }
            Ok(out)
        };
        Ok(Some(crate::SubjectInfo {
            id: *id,
            kind: id.kind(),
            name,
            guardians: linked(
                "SELECT s.subject, s.name FROM links l JOIN subjects s ON s.subject = l.other WHERE l.subject = $1 AND l.kind = 'guardian' ORDER BY 1",
            )?,
            children: linked(
                "SELECT s.subject, s.name FROM links l JOIN subjects s ON s.subject = l.subject WHERE l.other = $1 AND l.kind = 'guardian' ORDER BY 1",
            )?,
            represents: linked(
                "SELECT s.subject, s.name FROM links l JOIN subjects s ON s.subject = l.other WHERE l.subject = $1 AND l.kind = 'represents' ORDER BY 1",
            )?,
            representatives: linked(
                "SELECT s.subject, s.name FROM links l JOIN subjects s ON s.subject = l.subject WHERE l.other = $1 AND l.kind = 'represents' ORDER BY 1",
            )?,
        }))
    }

    /// The full, explained assessment, computed from the file.
    pub fn assessment(&self, id: &SubjectId, as_of: Date) -> Result<socred_core::assess::Assessment> {
        let file = self.file(id)?;
        Ok(socred_core::assess::assess(&self.rulebook, *id, &file, as_of))
    }

    /// Logs a read of a subject's file by someone other than the subject, on
    /// the access chain (its head row held `FOR UPDATE` while it moves).
    pub fn log_access(&self, actor: &Actor, subject: &SubjectId, purpose: &str, what: &str) -> Result<()> {
        check_text(purpose, 500).map_err(|error| StoreError::invalid_text("purpose", error))?;
        self.clock.admit(actor.moment())?;
        let mut connection = self.connection()?;
        let mut transaction = connection.transaction()?;
        if transaction.query_opt("SELECT 1 FROM subjects WHERE subject = $1", &[&subject.as_str()])?.is_none() {
            return Err(StoreError::UnknownSubject(subject.to_string()));
        }
        append_access(&mut transaction, actor, subject.as_str(), purpose, what)?;
        transaction.commit()?;
        Ok(())
    }
}

/// Appends one row to the access log inside `transaction`, under the access
/// head's lock (taken after the audit head's by any write holding both).
pub(crate) fn append_access(transaction: &mut Transaction<'_>, actor: &Actor, subject: &str, purpose: &str, what: &str) -> Result<()> {
    let head = transaction.query_one("SELECT size, nodes FROM log_head WHERE log = 'accesses' FOR UPDATE", &[])?;
    let (size, prev): (i64, String) = (head.get(0), head.get(1));
    let seq = size + 1;
    let at = actor.at_text();
    let hash = crate::audit::access_hash(&prev, seq, &at, actor.name(), subject, purpose, what);
    transaction.execute(
        "INSERT INTO accesses (subject, seq, at, actor, purpose, what, prev, hash) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        &[&subject, &seq, &at, &actor.name(), &purpose, &what, &prev, &hash],
    )?;
    let moved =
        transaction.execute("UPDATE log_head SET size = $1, nodes = $2 WHERE log = 'accesses' AND size = $3", &[&seq, &hash, &size])?;
    assert_eq!(moved, 1, "the access head is moved under its lock");
    Ok(())
}
