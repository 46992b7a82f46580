//! Subjects, records and voids in the embedded store: registering, recording,
//! voiding, and reading a subject's file back.

use socred_i18n::Argument;
use socred_i18n::reasons::Cause;
use std::collections::HashSet;

use rusqlite::{Connection, OptionalExtension, params};
use socred_core::process::SubjectReference;
use socred_core::record::Recording;
use socred_core::record::{MAX_REASON_CHARS, Record, RecordId, SubjectFile, Void, check_text};
use socred_core::{SubjectId, SubjectKind};

use super::*;

impl Store {
    /// The name and kind of a subject: a single index lookup.
    pub fn subject_name(&self, id: &SubjectId) -> Result<Option<String>> {
        Ok(self
            .connection
            .prepare_cached("SELECT name FROM subjects WHERE id = ?1")?
            .query_row([id.as_str()], |row| row.get(0))
            .optional()?)
    }

    /// The ids of subjects by key (unknown keys are skipped).
    pub fn subject_ids_of(&self, keys: &[i64]) -> Result<Vec<SubjectId>> {
        let mut statement = self.connection.prepare_cached("SELECT id FROM subjects WHERE key = ?1")?;
        let mut ids = Vec::with_capacity(keys.len());
        for key in keys {
            if let Some(id) = statement.query_row([key], |row| row.get::<_, String>(0)).optional()? {
                ids.push(SubjectId::parse(&id).map_err(|e| StoreError::Corrupt(format!("subject {id:?}: {e}")))?);
            }
        }
        Ok(ids)
    }

    /// Registers a subject with its links. Registering the same subject again
    /// with the same name is a no-op that adds any new links; another name is a conflict.
    pub fn add_subject(&mut self, subject: &NewSubject, actor: &Actor) -> Result<SubjectOutcome> {
        check_new_subject(subject)?;
        subject
            .id
            .check_plausible(actor.today())
            .map_err(|error| StoreError::invalid_cause("id", Cause::Id { input: subject.id.to_string(), error }))?;
        self.write(actor, |connection, seq| {
            let mut digest = audit::RowDigest::default();
            let secret = store_secret(connection)?;
            let (outcome, _) = write_subject(connection, seq, &secret, subject, actor.moment(), &mut digest)?;
            if digest.rows() > 0 {
                let (action, links_added) = match outcome {
                    SubjectOutcome::Registered => ("subject.register", subject.guardians.len() + subject.represents.len()),
                    SubjectOutcome::AlreadyRegistered { links_added } => ("subject.link", links_added),
                };
                super::audit_log::append(
                    connection,
                    seq,
                    &actor.at_text(),
                    actor.name(),
                    action,
                    Some(subject.id.as_str()),
                    &serde_json::json!({"links_added": links_added}),
                    digest,
                )?;
            }
            Ok(outcome)
        })
    }

    pub fn subject(&self, id: &SubjectId) -> Result<Option<SubjectInfo>> {
        let row: Option<(i64, String)> = self
            .connection
            .query_row("SELECT key, name FROM subjects WHERE id = ?1", [id.as_str()], |row| Ok((row.get(0)?, row.get(1)?)))
            .optional()?;
        let Some((key, name)) = row else {
            return Ok(None);
        };
        let linked = |sql: &str| -> Result<Vec<SubjectRef>> {
            let mut statement = self.connection.prepare_cached(sql)?;
            let rows = statement.query_map([key], |row| Ok((row.get::<_, String>(0)?, row.get::<_, String>(1)?)))?;
            let mut out = Vec::new();
            for row in rows {
                let (other, name) = row?;
                let id = SubjectId::parse(&other).map_err(|e| StoreError::Corrupt(format!("stored subject {other}: {e}")))?;
                out.push(SubjectRef { id, name });
            }
            Ok(out)
        };
        Ok(Some(SubjectInfo {
            id: *id,
            kind: id.kind(),
            name,
            guardians: linked(
                "SELECT s.id, s.name FROM links l JOIN subjects s ON s.key = l.other WHERE l.subject = ?1 AND l.kind = 'guardian' ORDER BY s.id",
            )?,
            children: linked(
                "SELECT s.id, s.name FROM links l JOIN subjects s ON s.key = l.subject WHERE l.other = ?1 AND l.kind = 'guardian' ORDER BY s.id",
            )?,
            represents: linked(
                "SELECT s.id, s.name FROM links l JOIN subjects s ON s.key = l.other WHERE l.subject = ?1 AND l.kind = 'represents' ORDER BY s.id",
            )?,
            representatives: linked(
                "SELECT s.id, s.name FROM links l JOIN subjects s ON s.key = l.subject WHERE l.other = ?1 AND l.kind = 'represents' ORDER BY s.id",
            )?,
        }))
    }

    pub(crate) fn subject_key(&self, id: &SubjectId) -> Result<i64> {
        self.connection
            .prepare_cached("SELECT key FROM subjects WHERE id = ?1")?
            .query_row([id.as_str()], |row| row.get(0))
            .optional()?
            .ok_or_else(|| StoreError::UnknownSubject(id.to_string()))
    }

    /// Starts a batched, atomic write of records: nothing is stored until
    /// [`ImportSession::commit`]. `action` names the audit entry.
    pub fn begin_import<'s>(&'s mut self, actor: &Actor, action: &str) -> Result<ImportSession<'s>> {
        ImportSession::begin(self, actor.clone(), action.to_string())
    }

    /// Adds one record (a batch of one). Idempotent by record id.
    pub fn add_record(&mut self, record: &Record, actor: &Actor) -> Result<RowOutcome> {
        let mut session = self.begin_import(actor, "record.add")?;
        let outcome = session.push(record)?;
        match &outcome {
            RowOutcome::Rejected { field, conflict, kind, .. } => {
                let (field, conflict, kind) = (*field, *conflict, kind.clone());
                session.rollback();
                Err(crate::import::row_error(field, kind, conflict))
            }
            _ => {
                session.commit(serde_json::json!({"record_id": record.id}))?;
                Ok(outcome)
            }
        }
    }

    /// Voids a record. Voiding twice with the same reason is a no-op; with
    /// another reason, a conflict (the first void stands).
    pub fn void_record(&mut self, record_id: &RecordId, reason: &str, actor: &Actor) -> Result<VoidOutcome> {
        check_text(reason, MAX_REASON_CHARS).map_err(|error| StoreError::invalid_text("reason", error))?;
        let result = self.write(actor, |connection, seq| {
            let row: Option<(i64, i64, String)> = connection
                .query_row(
                    "SELECT r.seq, r.subject, s.id FROM records r JOIN subjects s ON s.key = r.subject WHERE r.record_id = ?1",
                    [record_id.as_str()],
                    |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)),
                )
                .optional()?;
            let (record_seq, subject_key, subject) = row.ok_or_else(|| StoreError::UnknownRecord(record_id.to_string()))?;
            conflicts::refuse_conflicted(connection, actor, subject_key)?;
            let subject = SubjectId::parse(&subject).map_err(|e| StoreError::Corrupt(e.to_string()))?;
            let existing: Option<String> =
                connection.query_row("SELECT reason FROM voids WHERE record_seq = ?1", [record_seq], |row| row.get(0)).optional()?;
            match existing {
                Some(previous) if previous == reason => return Ok(VoidOutcome::AlreadyVoid { subject }),
                Some(previous) => {
                    return Err(StoreError::conflict_message(
                        "input-conflict-already-void",
                        vec![("record", Argument::Text(record_id.to_string())), ("reason", Argument::Text(format!("{previous:?}")))],
                    ));
                }
                None => {}
            }
            let mut digest = audit::RowDigest::default();
            insert_void(connection, &mut digest, record_seq, record_id.as_str(), reason, actor.moment(), seq)?;
            Store::touched_subjects_invalidate(connection, &HashSet::from([subject_key]))?;
            super::audit_log::append(
                connection,
                seq,
                &actor.at_text(),
                actor.name(),
                "record.void",
                Some(subject.as_str()),
                &serde_json::json!({"record_id": record_id, "reason": reason}),
                digest,
            )?;
            Ok(VoidOutcome::Voided { subject })
        })?;
        Ok(result)
    }

    /// Everything the ledger holds on a subject.
    pub fn file(&self, id: &SubjectId) -> Result<SubjectFile> {
        let key = self.subject_key(id)?;
        self.file_by_key(key, *id)
    }

    pub(crate) fn file_by_key(&self, key: i64, id: SubjectId) -> Result<SubjectFile> {
        load_file(&self.connection, key, id)
    }

    /// Every rulebook version adopted, newest first, with its impact assessment.
    pub fn rulebook_versions(&self) -> Result<Vec<crate::RulebookVersion>> {
        let mut statement = self.connection.prepare_cached(crate::RULEBOOK_VERSIONS)?;
        let rows = statement.query_map([], |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?, row.get(3)?, row.get::<_, String>(4)?)))?;
        let mut versions = Vec::new();
        for row in rows {
            let (id, version, fingerprint, at, detail) = row?;
            versions.push(crate::rulebook_version(id, version, fingerprint, at, &detail)?);
        }
        Ok(versions)
    }

    /// Every subject's file in identifier order, read in one transaction (a
    /// snapshot), handed to `visit` one at a time: a population for policy
    /// analysis. Returns how many were visited.
    pub fn each_file(&self, visit: &mut dyn FnMut(SubjectId, SubjectFile) -> Result<()>) -> Result<u64> {
        // Inside a read snapshot already (the server's readers), that one serves.
        let snapshot = if self.connection.is_autocommit() { Some(self.connection.unchecked_transaction()?) } else { None };
        let subjects: Vec<(i64, String)> = self
            .connection
            .prepare("SELECT key, id FROM subjects ORDER BY id")?
            .query_map([], |row| Ok((row.get(0)?, row.get(1)?)))?
            .collect::<Result<_, _>>()?;
        for (key, id) in &subjects {
            let id = SubjectId::parse(id).map_err(|e| StoreError::Corrupt(format!("stored subject {id:?}: {e}")))?;
            visit(id, load_file(&self.connection, key.to_owned(), id)?)?;
        }
        if let Some(snapshot) = snapshot {
            snapshot.finish()?;
        }
        Ok(subjects.len() as u64)
    }

    /// The subjects registered after `day`, with the day each was.
    pub fn registered_after(&self, day: Date) -> Result<Vec<(SubjectId, Date)>> {
        let mut statement = self.connection.prepare_cached("SELECT id, recorded_day FROM subjects WHERE recorded_day > ?1 ORDER BY id")?;
        let rows = statement.query_map([super::julian(day)], |row| Ok((row.get::<_, String>(0)?, row.get::<_, i64>(1)?)))?;
        let mut found = Vec::new();
        for row in rows {
            let (id, on) = row?;
            let id = SubjectId::parse(&id).map_err(|e| StoreError::Corrupt(format!("stored subject {id:?}: {e}")))?;
            found.push((id, super::from_julian(on)?));
        }
        Ok(found)
    }

    /// Subjects whose identifier starts with `text` or whose name contains it.
    pub fn search_subjects(&self, text: &str, limit: u32) -> Result<Vec<SubjectRef>> {
        let text = text.trim();
        if text.is_empty() || text.chars().count() > 128 {
            return Err(StoreError::invalid_message("search", "input-search-length", vec![]));
        }
        let escaped = text.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_");
        let mut statement = self.connection.prepare_cached(
            "SELECT id, name FROM subjects WHERE id LIKE ?1 ESCAPE '\\' OR name LIKE ?2 ESCAPE '\\' ORDER BY id LIMIT ?3",
        )?;
        let rows = statement
            .query_map(params![format!("{}%", escaped.to_ascii_uppercase()), format!("%{escaped}%"), limit.min(MAX_PAGE)], |row| {
                Ok((row.get::<_, String>(0)?, row.get::<_, String>(1)?))
            })?;
        let mut out = Vec::new();
        for row in rows {
            let (id, name) = row?;
            out.push(SubjectRef { id: SubjectId::parse(&id).map_err(|e| StoreError::Corrupt(e.to_string()))?, name });
        }
        Ok(out)
    }

    /// A record by id, with its void reason if voided.
    pub fn record(&self, record_id: &RecordId) -> Result<Option<(Record, Option<String>)>> {
        let row: Option<(i64, String)> = self
            .connection
            .query_row(
                "SELECT r.subject, s.id FROM records r JOIN subjects s ON s.key = r.subject WHERE r.record_id = ?1",
                [record_id.as_str()],
                |row| Ok((row.get(0)?, row.get(1)?)),
            )
            .optional()?;
        let Some((key, subject)) = row else {
            return Ok(None);
        };
        let subject = SubjectId::parse(&subject).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        let file = self.file_by_key(key, subject)?;
        let record = file.records.into_iter().find(|r| &r.id == record_id).ok_or_else(|| StoreError::Corrupt("record vanished".into()))?;
        let void = file.voids.into_iter().find(|v| &v.record_id == record_id).map(|v| v.reason);
        Ok(Some((record, void)))
    }

    pub fn overview(&self) -> Result<Overview> {
        let count = |sql: &str| -> Result<u64> { Ok(self.connection.query_row(sql, [], |row| row.get::<_, i64>(0))? as u64) };
        Ok(Overview {
            persons: count("SELECT count(*) FROM subjects WHERE kind = 'person'")?,
            organisations: count("SELECT count(*) FROM subjects WHERE kind = 'organisation'")?,
            records: count("SELECT count(*) FROM records")?,
            voids: count("SELECT count(*) FROM voids")?,
            rulebook: format!("{} {}", self.rulebook.id, self.rulebook.version),
        })
    }

    /// Subject ids in registration order, a page at a time.
    pub fn subject_ids(&self, after_key: i64, limit: u32) -> Result<Vec<(i64, SubjectId)>> {
        let limit = limit.min(MAX_PAGE);
        let mut statement = self.connection.prepare_cached("SELECT key, id FROM subjects WHERE key > ?1 ORDER BY key LIMIT ?2")?;
        let rows = statement.query_map(params![after_key, limit], |row| Ok((row.get::<_, i64>(0)?, row.get::<_, String>(1)?)))?;
        let mut out = Vec::new();
        for row in rows {
            let (key, id) = row?;
            out.push((key, SubjectId::parse(&id).map_err(|e| StoreError::Corrupt(e.to_string()))?));
        }
        Ok(out)
    }
}

/// Everything the ledger holds on one subject: records (with who recorded
/// them), voids and due-process events.
pub(crate) fn load_file(connection: &Connection, key: i64, id: SubjectId) -> Result<SubjectFile> {
    let active: i64 = connection.prepare_cached("SELECT MAX(seq) FROM rulebooks")?.query_row([], |row| row.get(0))?;
    load_file_under(connection, key, id, active)
}

/// The file as read under the rulebook version `rulebook_seq`: with the entries
/// it carried over from the version before, when there was one.
pub(crate) fn load_file_under(connection: &Connection, key: i64, id: SubjectId, rulebook_seq: i64) -> Result<SubjectFile> {
    let mut statement = connection.prepare_cached(
        "SELECT r.record_id, r.behaviour, r.occurred_on, r.source, r.evidence, v.reason, a.actor, r.recorded_day, v.recorded_day
         FROM records r LEFT JOIN voids v ON v.record_seq = r.seq LEFT JOIN audit a ON a.seq = r.audit_seq
         WHERE r.subject = ?1 ORDER BY r.seq",
    )?;
    let mut rows = statement.query([key])?;
    let mut file = SubjectFile::default();
    // A row that breaks the ledger's rules fails this subject's file with the
    // reason, never the caller's thread or process.
    let corrupt = |record_id: &str, what: String| StoreError::Corrupt(format!("subject {id}, record {record_id:?}: {what}"));
    while let Some(row) = rows.next()? {
        let record_id: String = row.get(0)?;
        let id_value = RecordId::parse(&record_id).map_err(|e| corrupt(&record_id, e.to_string()))?;
        let occurred_on = from_julian(row.get(2)?).map_err(|e| corrupt(&record_id, e.to_string()))?;
        let recorded_on = from_julian(row.get(7)?).map_err(|e| corrupt(&record_id, e.to_string()))?;
        if occurred_on > recorded_on || !(socred_core::date::MIN_DATE..=socred_core::date::MAX_DATE).contains(&recorded_on) {
            return Err(corrupt(
                &record_id,
                format!(
                    "occurred on {} but recorded on {}",
                    socred_core::date::format_date(occurred_on),
                    socred_core::date::format_date(recorded_on)
                ),
            ));
        }
        let void_reason: Option<String> = row.get(5)?;
        if let Some(reason) = void_reason {
            let void_day: i64 = row.get::<_, Option<i64>>(8)?.unwrap_or_default();
            let recorded_on = from_julian(void_day).map_err(|e| corrupt(&record_id, format!("void: {e}")))?;
            file.voids.push(Void { record_id: id_value.clone(), reason, recorded_on });
        }
        let by = row.get::<_, Option<String>>(6)?.unwrap_or_default();
        file.recorded.insert(id_value.clone(), Recording { on: recorded_on, by });
        file.records.push(Record {
            id: id_value,
            subject: id,
            behaviour: row.get(1)?,
            occurred_on,
            source: row.get(3)?,
            evidence: row.get(4)?,
        });
    }
    let reference: String =
        connection.prepare_cached("SELECT reference FROM subjects WHERE key = ?1")?.query_row([key], |row| row.get(0))?;
    file.reference =
        Some(SubjectReference::parse(&reference).map_err(|e| StoreError::Corrupt(format!("subject {id}, reference {reference:?}: {e}")))?);
    let mut statement = connection.prepare_cached("SELECT seq, on_day, actor, body FROM events WHERE subject = ?1 ORDER BY seq")?;
    let mut rows = statement.query([key])?;
    while let Some(row) = rows.next()? {
        let seq: i64 = row.get(0)?;
        let body: String = row.get(3)?;
        let event = serde_json::from_str(&body).map_err(|e| StoreError::Corrupt(format!("subject {id}, event {seq}: {e}")))?;
        let on = from_julian(row.get(1)?).map_err(|e| StoreError::Corrupt(format!("subject {id}, event {seq}: {e}")))?;
        file.events.push(socred_core::process::StoredEvent { seq: seq as u64, on, actor: row.get(2)?, event });
    }
    if rulebook_seq > 1 {
        let since: i64 =
            connection.prepare_cached("SELECT recorded_day FROM rulebooks WHERE seq = ?1")?.query_row([rulebook_seq], |row| row.get(0))?;
        let since = from_julian(since)?;
        let mut statement = connection.prepare_cached("SELECT entry_id FROM rulebook_entries WHERE rulebook_seq = ?1 AND subject = ?2")?;
        let mut entries = HashSet::new();
        for entry in statement.query_map(params![rulebook_seq, key], |row| row.get::<_, String>(0))? {
            let entry = entry?;
            entries.insert(
                socred_core::process::EntryId::parse(&entry)
                    .map_err(|e| StoreError::Corrupt(format!("subject {id}, carried-over entry {entry:?}: {e}")))?,
            );
        }
        file.carried_over = Some(socred_core::record::CarriedOver { since, entries });
    }
    Ok(file)
}

/// The store's secret, which keys the ids that people other than a subject see.
pub(crate) fn store_secret(connection: &Connection) -> Result<String> {
    connection
        .prepare_cached("SELECT value FROM meta WHERE key = 'secret'")?
        .query_row([], |row| row.get(0))
        .optional()?
        .ok_or_else(|| StoreError::Corrupt("the store has no secret (meta key 'secret')".into()))
}

/// Inserts a subject and its links inside the caller's transaction.
/// Returns the outcome and the subject's key.
/// `secret` is the store's (see [`store_secret`]): it keys the new subject's reference.
pub(crate) fn write_subject(
    connection: &Connection,
    seq: i64,
    secret: &str,
    subject: &NewSubject,
    recorded: Moment,
    digest: &mut audit::RowDigest,
) -> Result<(SubjectOutcome, i64)> {
    let existing: Option<(i64, String)> = connection
        .prepare_cached("SELECT key, name FROM subjects WHERE id = ?1")?
        .query_row([subject.id.as_str()], |row| Ok((row.get(0)?, row.get(1)?)))
        .optional()?;
    let (key, registered) = match existing {
        Some((_, name)) if name != subject.name => {
            return Err(StoreError::conflict_message(
                "input-conflict-subject-name",
                vec![("subject", Argument::Text(subject.id.to_string()))],
            ));
        }
        Some((key, _)) => (key, false),
        None => {
            let reference = SubjectReference::keyed(secret.as_bytes(), &subject.id);
            connection
                .prepare_cached(
                    "INSERT INTO subjects (id, kind, name, recorded_ms, recorded_day, audit_seq, reference)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                )?
                .execute(params![
                    subject.id.as_str(),
                    subject.id.kind().as_str(),
                    subject.name,
                    recorded.unix_ms,
                    julian(recorded.day),
                    seq,
                    reference.as_str()
                ])?;
            let number = connection.last_insert_rowid();
            digest.add(&audit::LedgerRow::Subject {
                number,
                id: subject.id,
                kind: subject.id.kind().as_str().to_string(),
                name: subject.name.clone(),
                reference: reference.as_str().to_string(),
                recorded_ms: recorded.unix_ms,
                recorded_on: recorded.day,
            });
            (number, true)
        }
    };
    if registered {
        // A new subject enters the derived tables (and the server's index).
        mark_changed(connection, key)?;
    }
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
            let other_key: i64 = connection
                .prepare_cached("SELECT key FROM subjects WHERE id = ?1")?
                .query_row([other.as_str()], |row| row.get(0))
                .optional()?
                .ok_or_else(|| StoreError::invalid_cause(field, Cause::UnknownSubject(other.to_string())))?;
            let added = connection
                .prepare_cached(
                    "INSERT INTO links (subject, kind, other, recorded_ms, recorded_day, audit_seq) VALUES (?1, ?2, ?3, ?4, ?5, ?6)
                     ON CONFLICT DO NOTHING",
                )?
                .execute(params![key, field, other_key, recorded.unix_ms, julian(recorded.day), seq])?;
            if added == 1 {
                digest.add(&audit::LedgerRow::Link {
                    subject: subject.id,
                    kind: field.to_string(),
                    other: *other,
                    recorded_ms: recorded.unix_ms,
                    recorded_on: recorded.day,
                });
                links_added += 1;
                // A link changes the decisions of both ends.
                mark_changed(connection, key)?;
                mark_changed(connection, other_key)?;
            }
        }
    }
    let outcome = if registered { SubjectOutcome::Registered } else { SubjectOutcome::AlreadyRegistered { links_added } };
    Ok((outcome, key))
}

/// Voids the record at `record_seq` under audit entry `audit_seq`, and adds the
/// void to that entry's digest: every void (by an officer, by an upheld
/// dispute, of a reward with its record) is stored and chained the same way.
pub(crate) fn insert_void(
    connection: &Connection,
    digest: &mut audit::RowDigest,
    record_seq: i64,
    record_id: &str,
    reason: &str,
    recorded: Moment,
    audit_seq: i64,
) -> Result<()> {
    connection
        .prepare_cached("INSERT INTO voids (record_seq, reason, recorded_ms, recorded_day, audit_seq) VALUES (?1, ?2, ?3, ?4, ?5)")?
        .execute(params![record_seq, reason, recorded.unix_ms, julian(recorded.day), audit_seq])?;
    digest.add(&audit::LedgerRow::Void {
        record_id: record_id.to_string(),
        reason: reason.to_string(),
        recorded_ms: recorded.unix_ms,
        recorded_on: recorded.day,
    });
    Ok(())
}

/// Marks a subject whose file changed: its list entries are recomputed, and
/// every process following the change feed (a server beside this one) reloads it.
pub(crate) fn mark_changed(connection: &Connection, key: i64) -> Result<()> {
    connection.prepare_cached("INSERT OR IGNORE INTO dirty (subject) VALUES (?1)")?.execute([key])?;
    connection.prepare_cached("INSERT INTO changes (subject) VALUES (?1)")?.execute([key])?;
    Ok(())
}
