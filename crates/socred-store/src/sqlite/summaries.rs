//! Assessments in the embedded store: computed from the file by the core,
//! and cached per subject with the window of dates on which they hold.

use std::collections::HashSet;

use rusqlite::{Connection, OptionalExtension, params};
use socred_core::assess::{self, Assessment, LockState, Summary};
use socred_core::{Date, SubjectId, Tier};

use super::*;

impl Store {
    /// The full, explained assessment (recomputed from the file).
    pub fn assessment(&self, id: &SubjectId, as_of: Date) -> Result<Assessment> {
        let key = self.subject_key(id)?;
        let file = self.file_by_key(key, *id)?;
        let assessment = assess::assess(&self.rulebook, *id, &file, as_of);
        let summary = assess::summarise(&self.rulebook, &file, as_of);
        self.remember(key, &summary, as_of)?;
        Ok(assessment)
    }

    /// The hot summary: from the cache when it holds on `as_of`, else computed and cached.
    /// Recomputes what writes left stale (list entries of `dirty` subjects,
    /// then their cached summaries on `today`) and returns the subjects.
    /// These tables are derived from the ledger, so their commits skip the
    /// fsync (`synchronous = NORMAL`): if a crash loses them, `dirty` still
    /// names the subjects and they are recomputed; the next durable commit
    /// makes them durable anyway, because the WAL is written in order.
    pub fn refresh_derived(&mut self, today: Date) -> Result<Vec<(i64, SubjectId)>> {
        self.connection.execute_batch("PRAGMA synchronous = NORMAL")?;
        let result = self.refresh_lists_collect().and_then(|refreshed| {
            let ids: Vec<SubjectId> = refreshed.iter().map(|(_, id)| *id).collect();
            self.warm_subjects(&ids, today)?;
            Ok(refreshed)
        });
        self.connection.execute_batch("PRAGMA synchronous = FULL")?;
        result
    }

    /// Computes and caches the summaries of many subjects in one transaction:
    /// cache rows written one by one would each cost a durable commit.
    pub fn warm_subjects(&mut self, ids: &[SubjectId], as_of: Date) -> Result<()> {
        self.connection.execute_batch("BEGIN IMMEDIATE")?;
        let mut unreadable = Vec::new();
        let result = ids.iter().try_for_each(|id| match self.summary(id, as_of) {
            Ok(_) => Ok(()),
            Err(error @ StoreError::Corrupt(_)) => {
                unreadable.push((self.subject_key(id)?, error.to_string()));
                Ok(())
            }
            Err(error) => Err(error),
        });
        self.unreadable.extend(unreadable);
        match result {
            Ok(()) => commit(&self.connection),
            Err(error) => {
                let _ = self.connection.execute_batch("ROLLBACK");
                Err(error)
            }
        }
    }

    pub fn summary(&self, id: &SubjectId, as_of: Date) -> Result<Summary> {
        let key = self.subject_key(id)?;
        if let Some(summary) = self.cached(key)?.filter(|summary| summary.holds_on(as_of)) {
            return Ok(summary);
        }
        let file = self.file_by_key(key, *id)?;
        let summary = assess::summarise(&self.rulebook, &file, as_of);
        self.remember(key, &summary, as_of)?;
        Ok(summary)
    }

    /// The summary, and whether it came from the cache.
    pub fn summary_cached(&self, id: &SubjectId, as_of: Date) -> Result<(Summary, bool)> {
        let key = self.subject_key(id)?;
        if let Some(summary) = self.cached(key)?.filter(|summary| summary.holds_on(as_of)) {
            return Ok((summary, true));
        }
        let file = self.file_by_key(key, *id)?;
        let summary = assess::summarise(&self.rulebook, &file, as_of);
        self.remember(key, &summary, as_of)?;
        Ok((summary, false))
    }

    /// Score history between two dates (at most 30 years), for charts.
    pub fn timeline(&self, id: &SubjectId, from: Date, until: Date) -> Result<Vec<assess::TimelinePoint>> {
        check_timeline(from, until)?;
        let file = self.file(id)?;
        Ok(assess::timeline(&self.rulebook, &file, from, until))
    }

    pub(crate) fn cached(&self, key: i64) -> Result<Option<Summary>> {
        let mut statement = self.connection.prepare_cached(
            "SELECT valid_from, valid_until, score, tier, points_tier, lock_tier, lock_since, lock_until
             FROM assessment_cache WHERE subject = ?1 AND fingerprint = ?2",
        )?;
        let row = statement
            .query_row(params![key, self.rulebook.fingerprint], |row| {
                Ok((
                    row.get::<_, i64>(0)?,
                    row.get::<_, Option<i64>>(1)?,
                    row.get::<_, i64>(2)?,
                    row.get::<_, i64>(3)?,
                    row.get::<_, i64>(4)?,
                    row.get::<_, Option<i64>>(5)?,
                    row.get::<_, Option<i64>>(6)?,
                    row.get::<_, Option<i64>>(7)?,
                ))
            })
            .optional()?;
        let Some((from, until, score, tier, points_tier, lock_tier, lock_since, lock_until)) = row else {
            return Ok(None);
        };
        let tier_of = |rank: i64| -> Result<Tier> {
            u8::try_from(rank)
                .ok()
                .filter(|rank| usize::from(*rank) < self.rulebook.tiers.len())
                .map(Tier)
                .ok_or_else(|| StoreError::Corrupt(format!("cached tier {rank}")))
        };
        let lock = match (lock_tier, lock_since, lock_until) {
            (Some(tier), Some(since), Some(until)) => {
                Some(LockState { tier: tier_of(tier)?, since: from_julian(since)?, until: from_julian(until)? })
            }
            _ => None,
        };
        Ok(Some(Summary {
            score,
            tier: tier_of(tier)?,
            points_tier: tier_of(points_tier)?,
            lock,
            valid_from: from_julian(from)?,
            valid_until: until.map(from_julian).transpose()?,
        }))
    }

    /// Caches a summary unless a newer one is already there: reads of the past
    /// must not evict the present. The cache is derived data, so a busy store
    /// simply skips it.
    pub(crate) fn remember(&self, key: i64, summary: &Summary, as_of: Date) -> Result<()> {
        let result = self.connection.prepare_cached(
            "INSERT INTO assessment_cache (subject, fingerprint, valid_from, valid_until, score, tier, points_tier, lock_tier, lock_since, lock_until)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)
             ON CONFLICT (subject) DO UPDATE SET fingerprint = excluded.fingerprint, valid_from = excluded.valid_from,
                 valid_until = excluded.valid_until, score = excluded.score, tier = excluded.tier,
                 points_tier = excluded.points_tier, lock_tier = excluded.lock_tier, lock_since = excluded.lock_since,
                 lock_until = excluded.lock_until
             WHERE assessment_cache.fingerprint <> excluded.fingerprint OR assessment_cache.valid_from <= ?11",
        )?
        .execute(params![
            key,
            self.rulebook.fingerprint,
            julian(summary.valid_from),
            summary.valid_until.map(julian),
            summary.score,
            summary.tier.0,
            summary.points_tier.0,
            summary.lock.map(|l| l.tier.0),
            summary.lock.map(|l| julian(l.since)),
            summary.lock.map(|l| julian(l.until)),
            julian(as_of),
        ]);
        match result {
            Ok(_) => Ok(()),
            Err(error) if matches!(error.sqlite_error_code(), Some(rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::ReadOnly)) => {
                Ok(())
            }
            Err(error) => Err(error.into()),
        }
    }

    /// Caches today's summary for every subject that has none holding on
    /// `as_of` (at server start: the in-memory index is built from the cache).
    pub fn warm_summaries(&mut self, as_of: Date) -> Result<u64> {
        let day = julian(as_of);
        let missing: Vec<(i64, String)> = {
            let mut statement = self.connection.prepare(
                "SELECT key, id FROM subjects WHERE key NOT IN (SELECT subject FROM assessment_cache
                 WHERE fingerprint = ?1 AND valid_from <= ?2 AND (valid_until IS NULL OR valid_until > ?2))",
            )?;
            let rows = statement.query_map(params![self.rulebook.fingerprint, day], |row| Ok((row.get(0)?, row.get(1)?)))?;
            rows.collect::<Result<_, _>>()?
        };
        for chunk in missing.chunks(10_000) {
            self.connection.execute_batch("BEGIN IMMEDIATE")?;
            let mut unreadable = Vec::new();
            let result = chunk.iter().try_for_each(|(key, id)| {
                let loaded = SubjectId::parse(id)
                    .map_err(|e| StoreError::Corrupt(format!("subject {id:?}: {e}")))
                    .and_then(|id| self.file_by_key(*key, id));
                match loaded {
                    Ok(file) => self.remember(*key, &assess::summarise(&self.rulebook, &file, as_of), as_of),
                    // One unreadable file must not keep the others (or the server) from starting.
                    Err(error @ StoreError::Corrupt(_)) => {
                        unreadable.push((*key, error.to_string()));
                        Ok(())
                    }
                    Err(error) => Err(error),
                }
            });
            self.unreadable.extend(unreadable);
            match result {
                Ok(()) => commit(&self.connection)?,
                Err(error) => {
                    let _ = self.connection.execute_batch("ROLLBACK");
                    return Err(error);
                }
            }
        }
        Ok(missing.len() as u64)
    }

    /// Computes and caches the summary of every subject on `as_of`, in one
    /// pass over the records in subject order, inside one transaction. Returns
    /// how many subjects are in each tier (by rank).
    pub fn refresh_all(&mut self, as_of: Date) -> Result<Vec<u64>> {
        let mut counts = vec![0u64; self.rulebook.tiers.len()];
        self.connection.execute_batch("BEGIN IMMEDIATE")?;
        let result = (|| -> Result<()> {
            let mut subjects = self.connection.prepare("SELECT key, id FROM subjects ORDER BY key")?;
            let mut rows = subjects.query([])?;
            while let Some(row) = rows.next()? {
                let key: i64 = row.get(0)?;
                let id: String = row.get(1)?;
                let id = SubjectId::parse(&id).map_err(|e| StoreError::Corrupt(e.to_string()))?;
                let file = self.file_by_key(key, id)?;
                let summary = assess::summarise(&self.rulebook, &file, as_of);
                counts[usize::from(summary.tier.0)] += 1;
                self.remember(key, &summary, as_of)?;
            }
            Ok(())
        })();
        match result {
            Ok(()) => commit(&self.connection)?,
            Err(error) => {
                let _ = self.connection.execute_batch("ROLLBACK");
                return Err(error);
            }
        }
        Ok(counts)
    }

    /// Drops the cached summaries of subjects whose file changed and marks their
    /// list entries for recomputation.
    pub(crate) fn touched_subjects_invalidate(connection: &Connection, keys: &HashSet<i64>) -> Result<()> {
        let mut uncache = connection.prepare_cached("DELETE FROM assessment_cache WHERE subject = ?1")?;
        let mut dirty = connection.prepare_cached("INSERT OR IGNORE INTO dirty (subject) VALUES (?1)")?;
        for key in keys {
            uncache.execute([key])?;
            dirty.execute([key])?;
        }
        // A follower reloads everything past this many subjects anyway: one row says so.
        if keys.len() > crate::MAX_CHANGED_SUBJECTS {
            connection.prepare_cached("INSERT INTO changes (subject) VALUES (0)")?.execute([])?;
        } else {
            let mut change = connection.prepare_cached("INSERT INTO changes (subject) VALUES (?1)")?;
            for key in keys {
                change.execute([key])?;
            }
        }
        Ok(())
    }
}
