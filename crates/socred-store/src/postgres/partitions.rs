//! Whole files, a hash partition at a time: a partition of the
//! subject-owned tables holds whole files, so a server's start, an import's
//! rewrite of the list entries and `audit verify` read the population in a
//! few sequential scans rather than a query a file.
//!
//! Reading a partition is split in two: fetching its rows (the database's
//! work, on the caller's connection) and building files from them (the
//! client's). [`PgStore::each_partition`] runs the two on two threads, so
//! the database scans the next partition while the client builds the last.

use std::collections::HashMap;
use std::sync::mpsc;

use postgres::Row;
use socred_core::SubjectId;

use super::PgStore;
use super::hot::PARTITIONS;
use super::ledger::{CarriedOverEntries, Loaded, StoredRecord, add_record, empty_file};
use crate::error::{Result, StoreError};

/// One partition's rows as the database returned them.
pub(super) struct PartitionRows {
    subjects: Vec<Row>,
    records: Vec<Row>,
    events: Vec<Row>,
    carried: Option<CarriedOverEntries>,
}

impl PgStore {
    /// Every file in one hash partition of the subject-owned tables; a
    /// subject whose rows do not read is set apart with the reason.
    pub(super) fn partition_files(&self, connection: &mut impl postgres::GenericClient, partition: usize) -> Result<Loaded> {
        Ok(build_files(self.fetch_partition(connection, partition)?))
    }

    fn fetch_partition(&self, connection: &mut impl postgres::GenericClient, partition: usize) -> Result<PartitionRows> {
        assert!(partition < PARTITIONS);
        let subjects = connection.query(&format!("SELECT subject, reference FROM subjects_p{partition}"), &[])?;
        let records = connection.query(
            &format!(
                "SELECT r.subject, r.record_id, r.behaviour, r.occurred_on, r.source, r.evidence, v.reason, a.actor, r.recorded_on, v.recorded_on
                 FROM records_p{partition} r LEFT JOIN voids_p{partition} v ON v.subject = r.subject AND v.record_id = r.record_id
                 LEFT JOIN audit a ON a.seq = r.audit_seq ORDER BY r.seq"
            ),
            &[],
        )?;
        let events = connection.query(&format!("SELECT subject, seq, on_day, actor, body FROM events_p{partition} ORDER BY seq"), &[])?;
        let names: Vec<&str> = subjects.iter().map(|row| row.get(0)).collect();
        let carried = self.carried_over(connection, &names)?;
        Ok(PartitionRows { subjects, records, events, carried })
    }

    /// Calls `work` on the files of every partition, in a thread of its own
    /// while the caller's thread fetches the next partition, then `take` on
    /// the caller's thread with the connection and what `work` returned
    /// (partitions in order). The first error stops both.
    pub(super) fn each_partition<C: postgres::GenericClient, T: Send>(
        &self,
        connection: &mut C,
        work: impl Fn(Loaded) -> T + Sync,
        mut take: impl FnMut(&mut C, usize, T) -> Result<()>,
    ) -> Result<()> {
        std::thread::scope(|scope| {
            // Made in the scope's closure, so an early return drops them and the builder ends.
            // The builder holds one partition while the caller fetches the next: two in memory at most.
            let (to_builder, fetched) = mpsc::sync_channel::<(usize, PartitionRows)>(0);
            let (to_taker, built) = mpsc::sync_channel::<(usize, T)>(1);
            let work = &work;
            scope.spawn(move || {
                for (partition, rows) in fetched {
                    if to_taker.send((partition, work(build_files(rows)))).is_err() {
                        return;
                    }
                }
            });
            for partition in 0..PARTITIONS {
                let rows = self.fetch_partition(connection, partition)?;
                // What the builder finished is taken before it is handed more,
                // so it never waits on a full channel while the caller waits on it.
                while let Ok((done, value)) = built.try_recv() {
                    take(connection, done, value)?;
                }
                to_builder.send((partition, rows)).expect("the builder runs until the sender is dropped");
            }
            drop(to_builder);
            for (done, value) in built.iter() {
                take(connection, done, value)?;
            }
            Ok(())
        })
    }
}

/// Files from a partition's rows (no database: the builder thread's part).
fn build_files(rows: PartitionRows) -> Loaded {
    let mut files: HashMap<String, (SubjectId, socred_core::SubjectFile)> = HashMap::new();
    let mut bad: HashMap<String, String> = HashMap::new();
    for row in &rows.subjects {
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
    for row in &rows.records {
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
    for row in &rows.events {
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
    let mut out: Vec<(SubjectId, socred_core::SubjectFile)> = files.into_values().collect();
    if let Some((since, mut carried)) = rows.carried {
        for (id, file) in &mut out {
            let entries = carried.remove(id.as_str()).unwrap_or_default();
            file.carried_over = Some(socred_core::record::CarriedOver { since, entries });
        }
    }
    (out, bad.into_iter().collect())
}
