//! The check log in the embedded store: groups appended by the writer,
//! verified as a chain, and read for a subject through the check index
//! (`check_index.rs`) and the groups it does not cover yet.

use super::check_index::{Located, chunk_entries};
use crate::audit::GENESIS;
use crate::error::{Result, StoreError};
use crate::{MAX_PAGE, Store};
use rusqlite::{OptionalExtension, params};
use socred_core::SubjectId;

use crate::checks::*;

impl Store {
    /// Logs checks as one group, hash-chained to the previous group.
    pub fn log_checks(&self, logs: &[CheckLog]) -> Result<()> {
        self.log_packed_checks(&pack_logs(logs, |subject| self.subject_key(subject))?)
    }

    /// Logs packed checks, in one transaction, as groups of at most
    /// [`GROUP_ROWS`], each hash-chained to the previous group.
    pub fn log_packed_checks(&self, checks: &PackedChecks) -> Result<()> {
        if checks.is_empty() {
            return Ok(());
        }
        let located = entries(&checks.data, checks.rows as i64)?;
        self.connection.execute_batch("BEGIN IMMEDIATE")?;
        let result = (|| -> Result<()> {
            let (mut grp, mut next_seq, mut prev): (i64, i64, String) = self
                .connection
                .prepare_cached("SELECT grp, first_seq + rows, hash FROM check_groups ORDER BY grp DESC LIMIT 1")?
                .query_row([], |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)))
                .optional()?
                .unwrap_or((0, 1, GENESIS.to_string()));
            let mut insert = self
                .connection
                .prepare_cached("INSERT INTO check_groups (grp, first_seq, rows, data, prev, hash) VALUES (?1, ?2, ?3, ?4, ?5, ?6)")?;
            for group in located.chunks(GROUP_ROWS) {
                let bytes = group[0].1.start..group[group.len() - 1].1.end;
                let (data, rows) = (&checks.data[bytes], group.len() as i64);
                grp += 1;
                let hash = group_hash(&prev, grp, next_seq, rows, data);
                insert.execute(params![grp, next_seq, rows, data, prev, hash])?;
                next_seq += rows;
                prev = hash;
            }
            Ok(())
        })();
        self.finish(result)
    }

    /// Verifies the check log group by group; returns how many checks and
    /// groups it holds and the last group's hash.
    pub fn verify_checks(&self) -> Result<(u64, u64, String)> {
        let broken = |what: String| StoreError::AuditBroken(what);
        let mut groups = self.connection.prepare("SELECT grp, first_seq, rows, data, prev, hash FROM check_groups ORDER BY grp")?;
        let mut groups = groups.query([])?;
        let (mut prev, mut expected_grp, mut expected_seq) = (GENESIS.to_string(), 1i64, 1i64);
        while let Some(group) = groups.next()? {
            let (grp, first, rows): (i64, i64, i64) = (group.get(0)?, group.get(1)?, group.get(2)?);
            let (data, stored_prev, hash): (Vec<u8>, String, String) = (group.get(3)?, group.get(4)?, group.get(5)?);
            if grp != expected_grp || first != expected_seq || stored_prev != prev || !(1..=GROUP_ROWS as i64).contains(&rows) {
                return Err(broken(format!("the check log was altered at group {expected_grp}")));
            }
            if group_hash(&prev, grp, first, rows, &data) != hash {
                return Err(broken(format!("the check log was altered in group {grp}")));
            }
            let checks = entries(&data, rows).map_err(|_| broken(format!("check group {grp} does not decode")))?;
            for (_, range) in checks {
                decode(&data[range]).map_err(|_| broken(format!("check group {grp} does not decode")))?;
            }
            prev = hash;
            expected_grp += 1;
            expected_seq = first + rows;
        }
        Ok(((expected_seq - 1) as u64, (expected_grp - 1) as u64, prev))
    }

    /// The groups holding checks after `seq`, in order, until they hold at
    /// least `max_rows` of them.
    pub(super) fn raw_groups_after(&self, seq: i64, max_rows: i64) -> Result<Vec<RawGroup>> {
        let mut statement =
            // Groups are contiguous in `seq`, so the one holding `seq + 1`
            // (found through the first_seq index) starts the range: no scan of the log.
            self.connection.prepare_cached(
                "SELECT grp, first_seq, rows, data FROM check_groups
                 WHERE grp >= COALESCE((SELECT grp FROM check_groups WHERE first_seq <= ?1 + 1 ORDER BY first_seq DESC LIMIT 1), 1)
                   AND first_seq + rows - 1 > ?1
                 ORDER BY grp",
            )?;
        let mut rows = statement.query([seq])?;
        let (mut out, mut total) = (Vec::new(), 0i64);
        while let Some(row) = rows.next()? {
            let group = RawGroup { grp: row.get(0)?, first_seq: row.get(1)?, rows: row.get(2)?, data: row.get(3)? };
            // Only the checks after `seq` count towards the bound: a group that
            // ends at `seq` must never fill it (the index would stop advancing).
            total += group.rows - (seq + 1 - group.first_seq).clamp(0, group.rows);
            out.push(group);
            if total >= max_rows {
                break;
            }
        }
        Ok(out)
    }

    /// Every check about a subject, newest first (at most a page): those in
    /// the groups the index does not cover yet, then the index's runs from
    /// the newest, until a page is full.
    pub fn checks_of(&self, id: &SubjectId) -> Result<Vec<CheckEntry>> {
        let key = self.subject_key(id)?;
        let upto = self.checks_indexed_upto()?;
        let page = MAX_PAGE as usize;
        let mut found: Vec<(i64, Packed)> = Vec::new();
        for group in self.raw_groups_after(upto, i64::MAX)? {
            for (located, range) in group.located(upto, i64::MAX)? {
                if located.subject == key {
                    found.push((located.seq, decode(&group.data[range])?));
                }
            }
        }
        let runs: Vec<i64> = self
            .connection
            .prepare_cached("SELECT run FROM check_runs ORDER BY last_seq DESC")?
            .query_map([], |row| row.get(0))?
            .collect::<std::result::Result<_, _>>()?;
        // Chunks are keyed by the last subject they hold: the subject's
        // entries start in the first chunk whose last subject is not below it,
        // and end in the first chunk whose last subject is above it.
        let mut select = self
            .connection
            .prepare_cached("SELECT last_subject, data FROM check_index WHERE run = ?1 AND last_subject >= ?2 ORDER BY last_subject, id")?;
        let mut located: Vec<Located> = Vec::new();
        for run in runs {
            // Runs cover disjoint ranges, newest first: once a page is full,
            // older runs cannot change it.
            if found.len() + located.len() >= page {
                break;
            }
            let mut rows = select.query(params![run, key])?;
            while let Some(row) = rows.next()? {
                let (last_subject, data): (i64, Vec<u8>) = (row.get(0)?, row.get(1)?);
                located.extend(chunk_entries(&data)?.into_iter().filter(|entry| entry.subject == key));
                if last_subject > key {
                    break;
                }
            }
        }
        located.sort_unstable_by_key(|entry| std::cmp::Reverse(entry.seq));
        located.truncate(page.saturating_sub(found.len()));
        // One blob handle, moved from group to group (checks of one group are adjacent).
        let mut blob: Option<(i64, rusqlite::blob::Blob<'_>)> = None;
        for entry in located {
            match &mut blob {
                Some((grp, handle)) if *grp != entry.grp => {
                    handle.reopen(entry.grp)?;
                    *grp = entry.grp;
                }
                Some(_) => {}
                None => blob = Some((entry.grp, self.connection.blob_open(rusqlite::MAIN_DB, c"check_groups", c"data", entry.grp, true)?)),
            }
            let (_, handle) = blob.as_ref().expect("opened above");
            found.push((entry.seq, read_located(handle, entry.offset)?));
        }
        page_of_checks(found)
    }
}

/// Reads one packed check out of a group without loading the group: a
/// window that holds most checks, widened when its texts are longer.
pub(crate) fn read_located(blob: &rusqlite::blob::Blob<'_>, offset: u32) -> Result<Packed> {
    let (size, offset) = (usize::try_from(blob.size()).map_err(|_| corrupt())?, offset as usize);
    let available = size.checked_sub(offset).ok_or_else(corrupt)?;
    let mut window = available.min(256);
    loop {
        let mut buffer = vec![0u8; window];
        blob.read_at_exact(&mut buffer, offset)?;
        if let Ok(length) = entry_length(&buffer, 0) {
            return decode(&buffer[..length]);
        }
        if window == available {
            return Err(corrupt());
        }
        window = available.min(window * 16);
    }
}

/// A group of the log as stored.
pub(crate) struct RawGroup {
    pub(crate) grp: i64,
    pub(crate) first_seq: i64,
    pub(crate) rows: i64,
    pub(crate) data: Vec<u8>,
}

impl RawGroup {
    /// Its checks after `after` (and up to `until`), located.
    pub(crate) fn located(&self, after: i64, until: i64) -> Result<Vec<(Located, std::ops::Range<usize>)>> {
        let mut out = Vec::new();
        for (number, (subject, range)) in entries(&self.data, self.rows)?.into_iter().enumerate() {
            let seq = self.first_seq + number as i64;
            if seq > after && seq <= until {
                let offset = u32::try_from(range.start).map_err(|_| corrupt())?;
                out.push((Located { subject, seq, grp: self.grp, offset }, range));
            }
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn log(number: i64) -> CheckLog {
        CheckLog {
            at_ms: number,
            provider: "airline".into(),
            subject: SubjectId::parse("110101199003074514").unwrap(),
            subject_key: Some(1),
            service: "civil-aviation".into(),
            as_of: time::macros::date!(2025 - 01 - 22),
            outcome: "deny",
            reasons: vec!["no-flights".into(), "no-upgrades".into()],
        }
    }

    #[test]
    fn packed_checks_decode_to_what_was_packed() {
        let mut data = Vec::new();
        for number in 0..3 {
            let log = log(number);
            let record = CheckRecord {
                at_ms: log.at_ms,
                provider: &log.provider,
                subject_key: 7 + number,
                service: &log.service,
                as_of: log.as_of,
                outcome: log.outcome,
                reasons: &log.reasons,
            };
            pack(&mut data, &record);
        }
        let found = entries(&data, 3).unwrap();
        assert_eq!(found.iter().map(|(key, _)| *key).collect::<Vec<_>>(), vec![7, 8, 9]);
        let packed = decode(&data[found[2].1.clone()]).unwrap();
        assert_eq!((packed.at_ms, packed.provider.as_str(), packed.reasons.as_str()), (2, "airline", "no-flights,no-upgrades"));
        assert!(entries(&data, 4).is_err(), "more rows than the data holds");
        assert!(entries(&data[..data.len() - 1], 3).is_err(), "a cut group");
    }
}
