//! The check log in the embedded store: groups appended by the writer, and
//! the check index (runs merged in the background) that answers "who asked
//! about me" without scanning the log.

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

    /// The last check sequence number covered by the index.
    fn checks_indexed_upto(&self) -> Result<i64> {
        Ok(self
            .connection
            .prepare_cached("SELECT value FROM meta WHERE key = 'checks_indexed_upto'")?
            .query_row([], |row| row.get::<_, String>(0))
            .optional()?
            .and_then(|v| v.parse().ok())
            .unwrap_or(0))
    }

    /// How many logged checks the index does not cover yet.
    pub fn checks_unindexed(&self) -> Result<i64> {
        let next: i64 = self
            .connection
            .prepare_cached("SELECT first_seq + rows FROM check_groups ORDER BY grp DESC LIMIT 1")?
            .query_row([], |row| row.get(0))
            .optional()?
            .unwrap_or(1);
        Ok(next - 1 - self.checks_indexed_upto()?)
    }

    /// The groups holding checks after `seq`, in order, until they hold at
    /// least `max_rows` of them.
    fn raw_groups_after(&self, seq: i64, max_rows: i64) -> Result<Vec<RawGroup>> {
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

    /// One indexing step: the next `max_rows` checks at most become a new
    /// run of level 0; then, if some level below the top has
    /// [`INDEX_FANOUT`] runs, its oldest ones are merged into one run of the
    /// next level (one merge per step, so a step's work stays bounded).
    /// Returns how many checks were newly indexed.
    ///
    /// The index is derived, so its commits skip the fsync (`synchronous =
    /// NORMAL`): a crash can lose only whole steps (the WAL keeps each commit
    /// atomic), and those are indexed again from the log.
    pub fn index_checks(&self, max_rows: u32) -> Result<u64> {
        assert!(max_rows > 0);
        self.connection.execute_batch("PRAGMA synchronous = NORMAL")?;
        let result = self.index_step(max_rows);
        self.connection.execute_batch("PRAGMA synchronous = FULL")?;
        result
    }

    fn index_step(&self, max_rows: u32) -> Result<u64> {
        self.connection.execute_batch("BEGIN IMMEDIATE")?;
        let result = (|| -> Result<u64> {
            let upto = self.checks_indexed_upto()?;
            let last_wanted = upto + i64::from(max_rows);
            let groups = self.raw_groups_after(upto, i64::from(max_rows))?;
            let mut checks: Vec<Located> = Vec::new();
            for group in &groups {
                checks.extend(group.located(upto, last_wanted)?.into_iter().map(|(located, _)| located));
            }
            let indexed = checks.len() as u64;
            if let Some(last) = checks.iter().map(|c| c.seq).max() {
                let first = checks.iter().map(|c| c.seq).min().expect("not empty");
                let run = self.next_run()?;
                checks.sort_unstable();
                write_run(self, run, &checks)?;
                self.connection
                    .prepare_cached("INSERT INTO check_runs (run, level, first_seq, last_seq, checks) VALUES (?1, 0, ?2, ?3, ?4)")?
                    .execute(params![run, first, last, indexed as i64])?;
                self.connection
                    .prepare_cached("INSERT INTO meta (key, value) VALUES ('checks_indexed_upto', ?1) ON CONFLICT (key) DO UPDATE SET value = excluded.value")?
                    .execute([last.to_string()])?;
            }
            self.merge_one_level()?;
            Ok(indexed)
        })();
        self.finish(result)
    }

    fn next_run(&self) -> Result<i64> {
        Ok(self.connection.prepare_cached("SELECT coalesce(max(run), 0) + 1 FROM check_runs")?.query_row([], |row| row.get(0))?)
    }

    /// Merges the oldest INDEX_FANOUT runs of the lowest level that has as
    /// many, below the top, into one run of the next level.
    fn merge_one_level(&self) -> Result<()> {
        for level in 0..INDEX_TOP_LEVEL {
            let runs: Vec<(i64, i64, i64, i64)> = self
                .connection
                .prepare_cached("SELECT run, first_seq, last_seq, checks FROM check_runs WHERE level = ?1 ORDER BY first_seq LIMIT ?2")?
                .query_map(params![level, INDEX_FANOUT as i64], |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?, row.get(3)?)))?
                .collect::<std::result::Result<_, _>>()?;
            if runs.len() < INDEX_FANOUT {
                continue;
            }
            // Read every entry before writing: SQLite leaves undefined a table
            // changed while a statement still reads it. The bound on levels
            // bounds this buffer. Chunks are decoded as they are read, in
            // place, so no copy of the raw chunks is held besides.
            let mut entries: Vec<Located> = Vec::with_capacity(runs.iter().map(|r| r.3 as usize).sum());
            {
                let mut select = self.connection.prepare_cached("SELECT data FROM check_index WHERE run = ?1")?;
                for (run, ..) in &runs {
                    let mut rows = select.query([run])?;
                    while let Some(row) = rows.next()? {
                        let chunk = row.get_ref(0)?.as_blob().map_err(|_| corrupt())?;
                        push_chunk_entries(chunk, &mut entries)?;
                    }
                }
            }
            let run = self.next_run()?;
            // The runs are each sorted: a merge sort finds them and merges
            // (n log FANOUT), where a quicksort would start over (n log n).
            entries.sort();
            write_run(self, run, &entries)?;
            let (first, last) = (runs.iter().map(|r| r.1).min().expect("runs"), runs.iter().map(|r| r.2).max().expect("runs"));
            let checks: i64 = runs.iter().map(|r| r.3).sum();
            let mut delete_chunks = self.connection.prepare_cached("DELETE FROM check_index WHERE run = ?1")?;
            let mut delete_run = self.connection.prepare_cached("DELETE FROM check_runs WHERE run = ?1")?;
            for (old, ..) in &runs {
                delete_chunks.execute([old])?;
                delete_run.execute([old])?;
            }
            self.connection
                .prepare_cached("INSERT INTO check_runs (run, level, first_seq, last_seq, checks) VALUES (?1, ?2, ?3, ?4, ?5)")?
                .execute(params![run, level + 1, first, last, checks])?;
            return Ok(());
        }
        Ok(())
    }

    /// How the index stands.
    pub fn check_index_stats(&self) -> Result<CheckIndexStats> {
        let mut runs_per_level = vec![0u64; INDEX_TOP_LEVEL as usize + 1];
        let mut statement = self.connection.prepare_cached("SELECT level, count(*) FROM check_runs GROUP BY level")?;
        let mut rows = statement.query([])?;
        while let Some(row) = rows.next()? {
            let (level, count): (i64, i64) = (row.get(0)?, row.get(1)?);
            if let Some(slot) = usize::try_from(level).ok().and_then(|l| runs_per_level.get_mut(l)) {
                *slot = count as u64;
            }
        }
        Ok(CheckIndexStats { runs_per_level, unindexed: self.checks_unindexed()? })
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

/// An index entry: a subject's check, and where it is in the log.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct Located {
    pub(crate) subject: i64,
    pub(crate) seq: i64,
    pub(crate) grp: i64,
    pub(crate) offset: u32,
}

const LOCATED_BYTES: usize = 8 + 8 + 8 + 4;

impl Located {
    fn put(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.subject.to_le_bytes());
        out.extend_from_slice(&self.seq.to_le_bytes());
        out.extend_from_slice(&self.grp.to_le_bytes());
        out.extend_from_slice(&self.offset.to_le_bytes());
    }

    fn get(bytes: &[u8]) -> Located {
        let word = |at: usize| i64::from_le_bytes(bytes[at..at + 8].try_into().expect("8 bytes"));
        Located { subject: word(0), seq: word(8), grp: word(16), offset: u32::from_le_bytes(bytes[24..28].try_into().expect("4 bytes")) }
    }
}

/// The entries of an index chunk, in its order: by subject, then seq.
pub(crate) fn chunk_entries(data: &[u8]) -> Result<Vec<Located>> {
    let mut out = Vec::with_capacity(data.len() / LOCATED_BYTES);
    push_chunk_entries(data, &mut out)?;
    Ok(out)
}

pub(crate) fn push_chunk_entries(data: &[u8], out: &mut Vec<Located>) -> Result<()> {
    if !data.len().is_multiple_of(LOCATED_BYTES) {
        return Err(corrupt());
    }
    out.extend(data.chunks_exact(LOCATED_BYTES).map(Located::get));
    Ok(())
}

/// Index chunks stay under this many bytes, so that a chunk fits in one
/// SQLite page (4 KiB) and a lookup reads one page, not a chain of overflow pages.
const CHUNK_BYTES: usize = 3_500;

/// Writes one run: entries sorted by (subject, seq) become chunks of at most
/// CHUNK_BYTES, each keyed by the last subject it holds. Only the newest
/// KEEP_PER_SUBJECT entries of a subject are written.
pub(crate) fn write_run(store: &Store, run: i64, entries: &[Located]) -> Result<u64> {
    assert!(entries.is_sorted(), "a run is written in (subject, seq) order");
    let mut insert = store.connection.prepare_cached("INSERT INTO check_index (run, last_subject, data) VALUES (?1, ?2, ?3)")?;
    let (mut chunk, mut chunks) = (Vec::with_capacity(CHUNK_BYTES), 0u64);
    let mut last_subject = 0i64;
    for same_subject in entries.chunk_by(|a, b| a.subject == b.subject) {
        for entry in &same_subject[same_subject.len().saturating_sub(KEEP_PER_SUBJECT)..] {
            if chunk.len() + LOCATED_BYTES > CHUNK_BYTES {
                insert.execute(params![run, last_subject, chunk])?;
                chunk.clear();
                chunks += 1;
            }
            entry.put(&mut chunk);
            last_subject = entry.subject;
        }
    }
    if !chunk.is_empty() {
        insert.execute(params![run, last_subject, chunk])?;
        chunks += 1;
    }
    Ok(chunks)
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

    #[test]
    fn a_run_keeps_the_newest_entries_of_a_subject_in_chunks_of_a_page() {
        let dir = tempfile::tempdir().unwrap();
        let actor = crate::Actor::new("test", time::OffsetDateTime::UNIX_EPOCH).unwrap();
        let store =
            Store::create(&dir.path().join("s.db"), socred_core::DEFAULT_RULEBOOK, "d", &actor, "test", crate::TimeSettings::replay())
                .unwrap();
        let total = KEEP_PER_SUBJECT as i64 + 5;
        // Subject 1 and 2 alternate; subject 9 has more entries than a run keeps.
        let mut entries: Vec<Located> =
            (1..=total).map(|seq| Located { subject: 1 + seq % 2, seq, grp: seq / 100, offset: seq as u32 }).collect();
        entries.extend((1..=total).map(|seq| Located { subject: 9, seq, grp: 0, offset: 0 }));
        entries.reverse();
        entries.sort_unstable();
        store.connection.execute_batch("BEGIN").unwrap();
        let chunks = write_run(&store, 1, &entries).unwrap();
        store.connection.execute_batch("COMMIT").unwrap();
        let mut statement =
            store.connection.prepare("SELECT last_subject, data FROM check_index WHERE run = 1 ORDER BY last_subject, id").unwrap();
        let rows: Vec<(i64, Vec<u8>)> =
            statement.query_map([], |row| Ok((row.get(0)?, row.get(1)?))).unwrap().map(|r| r.unwrap()).collect();
        assert_eq!(rows.len() as u64, chunks);
        let mut all: Vec<Located> = Vec::new();
        for (last_subject, data) in &rows {
            assert!(data.len() <= CHUNK_BYTES, "{}", data.len());
            let found = chunk_entries(data).unwrap();
            assert_eq!(found.last().unwrap().subject, *last_subject, "a chunk is keyed by its last subject");
            all.extend(found);
        }
        assert!(all.windows(2).all(|w| (w[0].subject, w[0].seq) < (w[1].subject, w[1].seq)), "sorted by subject, then seq");
        let of = |subject: i64| all.iter().filter(|e| e.subject == subject).copied().collect::<Vec<_>>();
        assert_eq!(of(1).len() + of(2).len(), total as usize, "below the cut, everything is kept");
        assert!(of(2).iter().all(|e| e.offset == e.seq as u32 && e.grp == e.seq / 100), "entries keep where their check is");
        let nine = of(9);
        assert_eq!(nine.len(), KEEP_PER_SUBJECT);
        assert_eq!((nine[0].seq, nine.last().unwrap().seq), (6, total), "the newest are kept");
    }
}
