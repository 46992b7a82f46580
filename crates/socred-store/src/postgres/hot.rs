//! What a server keeps in memory to answer checks, read from PostgreSQL:
//! each subject's tier window and listings, computed by the core from the
//! files (`assess::summarise`, `lists::evaluate`), and the links. Subjects
//! are keyed by their registration number, the key the check log packs.
//! Also the always-correct slow path: a decision computed from the files.

use socred_core::decide::{self, Decision, Standing};
use socred_core::{Date, SubjectId, assess, lists};

use super::PgStore;
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
        let mut triggers = Vec::new();
        let hot_of = |files: Vec<(SubjectId, socred_core::SubjectFile)>| {
            let mut summaries = Vec::new();
            let mut listings = Vec::new();
            let mut triggers = Vec::new();
            for (id, file) in files {
                let Some(&number) = number_of.get(&id) else { continue };
                let summary = assess::summarise(&rulebook, &file, today);
                summaries.push((number, summary.tier.0, summary.valid_from, summary.valid_until));
                // Evaluated at the end of time: every interval as far as the ledger knows it.
                for entry in lists::evaluate(&rulebook, id, &file, Date::MAX).entries {
                    if let (Some(since), Some(until)) = (entry.listed_since, entry.listed_until) {
                        listings.push((number, entry.list, entry.id.as_str().to_string(), since, until));
                    }
                }
                for trigger in decide::record_triggers(&rulebook, &file) {
                    triggers.push((number, trigger.behaviour, trigger.record.as_str().to_string(), trigger.since, trigger.until));
                }
            }
            (summaries, listings, triggers)
        };
        match &wanted {
            Some(wanted) => {
                connection.commit()?;
                for chunk in wanted.chunks(FILES_AT_ONCE) {
                    let (files, unreadable) = self.readable_files(chunk)?;
                    let (some_summaries, some_listings, some_triggers) = hot_of(files);
                    summaries.extend(some_summaries);
                    listings.extend(some_listings);
                    triggers.extend(some_triggers);
                    bad.extend(unreadable);
                }
            }
            // Everything: each hash partition's subjects, records, voids and
            // events in one scan each (a partition holds whole files), so a
            // server's start costs a few sequential reads, not a query a file.
            None => {
                self.each_partition(
                    &mut connection,
                    |(files, unreadable)| (hot_of(files), unreadable),
                    |_, _, ((some_summaries, some_listings, some_triggers), unreadable)| {
                        summaries.extend(some_summaries);
                        listings.extend(some_listings);
                        triggers.extend(some_triggers);
                        bad.extend(unreadable);
                        Ok(())
                    },
                )?;
                connection.commit()?;
            }
        }
        (data.summaries, data.listings, data.record_triggers, data.unreadable) = (summaries, listings, triggers, bad);
        Ok(data)
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
