//! What a server keeps in memory to answer checks, read from PostgreSQL:
//! each subject's tier window and listings, computed by the core from the
//! files (`assess::summarise`, `lists::evaluate`), and the links. Subjects
//! are keyed by their registration number, the key the check log packs.
//! Also the always-correct slow path: a decision computed from the files.

use socred_core::decide::{self, Decision, Standing};
use socred_core::{Date, SubjectId, assess, lists};

use std::collections::HashMap;

use super::PgStore;
use super::ledger::{Loaded, StoredRecord, add_record, empty_file};
use crate::HotData;
use crate::error::{Result, StoreError};

/// Files read in one statement when the hot data of some subjects is read.
const FILES_AT_ONCE: usize = 2_000;
/// The hash partitions of each subject-owned table (`MODULUS 16` in the schema).
pub(super) const PARTITIONS: usize = 16;

impl PgStore {
    /// The hot data of some subjects (all with `None`) as of `today`.
    pub fn hot_data(&self, ids: Option<&[SubjectId]>, today: Date) -> Result<HotData> {
        let mut data = HotData::default();
        // From the primary, like the change feed's cursor: a standby's older
        // view would lose the changes between the two.
        let mut pooled = self.connection()?;
        // One snapshot: a subject registered while the index loads is either
        // wholly in it or left to the change feed.
        let mut connection =
            pooled.build_transaction().isolation_level(postgres::IsolationLevel::RepeatableRead).read_only(true).start()?;
        let wanted: Option<Vec<&str>> = ids.map(|ids| ids.iter().map(SubjectId::as_str).collect());
        let subjects = match &wanted {
            Some(wanted) => connection.query("SELECT number, subject FROM subjects WHERE subject = ANY($1)", &[wanted])?,
            None => connection.query("SELECT number, subject FROM subjects ORDER BY number", &[])?,
        };
        for row in &subjects {
            let id: &str = row.get(1);
            data.subjects.push((row.get(0), SubjectId::parse(id).map_err(|e| StoreError::Corrupt(format!("stored subject {id:?}: {e}")))?));
        }
        let links = match &wanted {
            Some(wanted) => connection.query(
                "SELECT a.number, l.kind, b.number FROM links l JOIN subjects a ON a.subject = l.subject JOIN subjects b ON b.subject = l.other
                 WHERE l.subject = ANY($1) OR l.other = ANY($1)",
                &[wanted],
            )?,
            None => connection.query(
                "SELECT a.number, l.kind, b.number FROM links l JOIN subjects a ON a.subject = l.subject JOIN subjects b ON b.subject = l.other",
                &[],
            )?,
        };
        data.links = links.iter().map(|row| (row.get(0), row.get(1), row.get(2))).collect();
        let number_of: std::collections::HashMap<SubjectId, i64> = data.subjects.iter().map(|(number, id)| (*id, *number)).collect();
        let rulebook = self.rulebook().clone();
        // A subject whose stored rows do not read keeps no tier window (its
        // checks go to the store, which names the damage) and is reported.
        let mut bad = Vec::new();
        let mut summaries = Vec::new();
        let mut listings = Vec::new();
        let mut add = |id: SubjectId, file: &socred_core::SubjectFile| {
            let Some(&number) = number_of.get(&id) else { return };
            let summary = assess::summarise(&rulebook, file, today);
            summaries.push((number, summary.tier.0, summary.valid_from, summary.valid_until));
            // Evaluated at the end of time: every interval as far as the ledger knows it.
            for entry in lists::evaluate(&rulebook, id, file, Date::MAX).entries {
                if let (Some(since), Some(until)) = (entry.listed_since, entry.listed_until) {
                    listings.push((number, entry.list, entry.id.as_str().to_string(), since, until));
                }
            }
        };
        match &wanted {
            Some(wanted) => {
                connection.commit()?;
                for chunk in wanted.chunks(FILES_AT_ONCE) {
                    let (files, unreadable) = self.readable_files(chunk)?;
                    for (id, file) in files {
                        add(id, &file);
                    }
                    bad.extend(unreadable);
                }
            }
            // Everything: each hash partition's subjects, records, voids and
            // events in one scan each (a partition holds whole files), so a
            // server's start costs a few sequential reads, not a query a file.
            None => {
                for partition in 0..PARTITIONS {
                    let (files, unreadable) = self.partition_files(&mut connection, partition)?;
                    for (id, file) in files {
                        add(id, &file);
                    }
                    bad.extend(unreadable);
                }
                connection.commit()?;
            }
        }
        (data.summaries, data.listings, data.unreadable) = (summaries, listings, bad);
        Ok(data)
    }

    /// Every file in one hash partition of the subject-owned tables; a
    /// subject whose rows do not read is set apart with the reason.
    pub(super) fn partition_files(&self, connection: &mut impl postgres::GenericClient, partition: usize) -> Result<Loaded> {
        let mut files: HashMap<String, (SubjectId, socred_core::SubjectFile)> = HashMap::new();
        let mut bad: HashMap<String, String> = HashMap::new();
        for row in connection.query(&format!("SELECT subject, reference FROM subjects_p{partition}"), &[])? {
            let subject: String = row.get(0);
            let read = SubjectId::parse(&subject)
                .map_err(|e| StoreError::Corrupt(format!("stored subject {subject:?}: {e}")))
                .and_then(|id| Ok((id, empty_file(&id, row.get(1))?)));
            match read {
                Ok(file) => {
                    files.insert(subject, file);
                }
                Err(error) => {
                    bad.insert(subject, error.to_string());
                }
            }
        }
        let records = format!(
            "SELECT r.subject, r.record_id, r.behaviour, r.occurred_on, r.source, r.evidence, v.reason, a.actor, r.recorded_on, v.recorded_on
             FROM records_p{partition} r LEFT JOIN voids_p{partition} v ON v.subject = r.subject AND v.record_id = r.record_id
             LEFT JOIN audit a ON a.seq = r.audit_seq ORDER BY r.seq"
        );
        for row in connection.query(&records, &[])? {
            let subject: &str = row.get(0);
            let Some((id, file)) = files.get_mut(subject) else { continue };
            let added = add_record(
                file,
                id,
                StoredRecord {
                    record_id: row.get(1),
                    behaviour: row.get(2),
                    occurred_on: row.get(3),
                    source: row.get(4),
                    evidence: row.get(5),
                    void_reason: row.get(6),
                    recorded_by: row.get::<_, Option<String>>(7).unwrap_or_default(),
                    recorded_on: row.get(8),
                    void_on: row.get(9),
                },
            );
            if let Err(error) = added {
                bad.insert(subject.to_string(), error.to_string());
            }
        }
        for row in connection.query(&format!("SELECT subject, seq, on_day, actor, body FROM events_p{partition} ORDER BY seq"), &[])? {
            let subject: &str = row.get(0);
            let Some((_, file)) = files.get_mut(subject) else { continue };
            let seq: i64 = row.get(1);
            match serde_json::from_str(row.get(4)) {
                Ok(body) => {
                    file.events.push(socred_core::process::StoredEvent { seq: seq as u64, on: row.get(2), actor: row.get(3), event: body })
                }
                Err(error) => {
                    bad.insert(subject.to_string(), format!("subject {subject}: event {seq}: {error}"));
                }
            }
        }
        files.retain(|subject, _| !bad.contains_key(subject));
        let subjects: Vec<&str> = files.keys().map(String::as_str).collect();
        let carried = self.carried_over(connection, &subjects)?;
        let mut out: Vec<(SubjectId, socred_core::SubjectFile)> = files.into_values().collect();
        if let Some((since, mut carried)) = carried {
            for (id, file) in &mut out {
                let entries = carried.remove(id.as_str()).unwrap_or_default();
                file.carried_over = Some(socred_core::record::CarriedOver { since, entries });
            }
        }
        Ok((out, bad.into_iter().collect()))
    }

    /// A subject's score and tier over time (from the standby with `--read-db`).
    pub fn timeline(&self, id: &SubjectId, from: Date, until: Date) -> Result<Vec<assess::TimelinePoint>> {
        crate::check_timeline(from, until)?;
        Ok(assess::timeline(self.rulebook(), &self.file(id)?, from, until))
    }

    /// A subject's standing on a date: tier and list entries in force, from the primary.
    pub fn standing(&self, id: &SubjectId, as_of: Date) -> Result<Standing> {
        let file = self.files(&[id.as_str()])?.pop().map(|(_, file)| file).ok_or_else(|| StoreError::UnknownSubject(id.to_string()))?;
        Ok(decide::standing(self.rulebook(), *id, &file, as_of))
    }

    /// The decision for one service, computed from the files (the subject's
    /// and those of the subjects linked to it).
    pub fn decide(&self, id: &SubjectId, service: &str, as_of: Date) -> Result<Decision> {
        let own = self.standing(id, as_of)?;
        let linked = self.linked_standings(id, as_of)?;
        decide::decide(self.rulebook(), service, as_of, &own, &linked).map_err(|e| StoreError::invalid("service", e.to_string()))
    }
}
