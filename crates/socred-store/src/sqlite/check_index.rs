//! The check index of the embedded store: runs of (subject, check) entries,
//! merged level by level in the background, that answer "who asked about
//! me" without scanning the log; and their verification against the log.

use rusqlite::{OptionalExtension, params};

use crate::Store;
use crate::checks::*;
use crate::error::{Result, StoreError};

impl Store {
    /// The last check sequence number covered by the index.
    pub(super) fn checks_indexed_upto(&self) -> Result<i64> {
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

    /// The check index against the check log, in the verifier's snapshot:
    /// its runs cover the log from its first check to `checks_indexed_upto`
    /// without gap or overlap, and each run holds exactly the entries that
    /// indexing those checks again would write (the newest of each subject,
    /// where their check is), in chunks keyed by their last subject. An entry
    /// added, removed or moved by hand would otherwise change what a subject
    /// is told about who checked them, unseen. Returns the checks covered.
    pub(super) fn verify_check_index(&self) -> Result<u64> {
        let broken = |what: String| StoreError::AuditBroken(what);
        let upto = self.checks_indexed_upto()?;
        let runs: Vec<(i64, i64, i64, i64, i64)> = self
            .connection
            .prepare("SELECT run, level, first_seq, last_seq, checks FROM check_runs ORDER BY first_seq, run")?
            .query_map([], |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?, row.get(3)?, row.get(4)?)))?
            .collect::<std::result::Result<_, _>>()?;
        let mut next_seq = 1i64;
        let mut chunks = self.connection.prepare("SELECT last_subject, data FROM check_index WHERE run = ?1 ORDER BY last_subject, id")?;
        for (run, level, first, last, checks) in runs {
            let altered = || broken(format!("the check index was altered in run {run}"));
            if first != next_seq || last < first || checks != last - first + 1 || !(0..=INDEX_TOP_LEVEL).contains(&level) || last > upto {
                return Err(broken(format!("the check index's runs do not cover the check log as indexed (run {run})")));
            }
            let mut expected: Vec<Located> = Vec::new();
            for group in self.raw_groups_after(first - 1, checks)? {
                expected.extend(group.located(first - 1, last)?.into_iter().map(|(located, _)| located));
            }
            if expected.len() as i64 != checks {
                return Err(broken(format!("the check index's run {run} covers checks the log does not hold")));
            }
            expected.sort_unstable();
            let kept = kept_of(&expected);
            let mut stored: Vec<Located> = Vec::new();
            let mut rows = chunks.query([run])?;
            while let Some(row) = rows.next()? {
                let last_subject: i64 = row.get(0)?;
                let chunk = row.get_ref(1)?.as_blob().map_err(|_| altered())?;
                let before = stored.len();
                push_chunk_entries(chunk, &mut stored).map_err(|_| altered())?;
                if stored.len() == before || stored.last().map(|entry| entry.subject) != Some(last_subject) {
                    return Err(altered());
                }
            }
            if !stored.iter().eq(kept) {
                return Err(altered());
            }
            next_seq = last + 1;
        }
        if next_seq - 1 != upto {
            return Err(broken("the check index's runs do not cover the check log as indexed".to_string()));
        }
        let strays: i64 =
            self.connection
                .query_row("SELECT count(*) FROM check_index WHERE run NOT IN (SELECT run FROM check_runs)", [], |row| row.get(0))?;
        if strays > 0 {
            return Err(broken(format!("the check index holds {strays} chunks of no run")));
        }
        Ok(upto as u64)
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

/// What a run keeps of entries sorted by (subject, seq): the newest
/// KEEP_PER_SUBJECT of each subject, in order.
fn kept_of(entries: &[Located]) -> impl Iterator<Item = &Located> {
    entries
        .chunk_by(|a, b| a.subject == b.subject)
        .flat_map(|same_subject| &same_subject[same_subject.len().saturating_sub(KEEP_PER_SUBJECT)..])
}

/// Writes one run: entries sorted by (subject, seq) become chunks of at most
/// CHUNK_BYTES, each keyed by the last subject it holds. Only the newest
/// KEEP_PER_SUBJECT entries of a subject are written.
pub(crate) fn write_run(store: &Store, run: i64, entries: &[Located]) -> Result<u64> {
    assert!(entries.is_sorted(), "a run is written in (subject, seq) order");
    let mut insert = store.connection.prepare_cached("INSERT INTO check_index (run, last_subject, data) VALUES (?1, ?2, ?3)")?;
    let (mut chunk, mut chunks) = (Vec::with_capacity(CHUNK_BYTES), 0u64);
    let mut last_subject = 0i64;
    for entry in kept_of(entries) {
        if chunk.len() + LOCATED_BYTES > CHUNK_BYTES {
            insert.execute(params![run, last_subject, chunk])?;
            chunk.clear();
            chunks += 1;
        }
        entry.put(&mut chunk);
        last_subject = entry.subject;
    }
    if !chunk.is_empty() {
        insert.execute(params![run, last_subject, chunk])?;
        chunks += 1;
    }
    Ok(chunks)
}

#[cfg(test)]
mod tests {
    use super::*;

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
