//! The public list in the embedded store: the derived `entries` table,
//! refreshed from the subjects a write marked dirty, and its searches.

use super::due_process::subject_by_key;
use crate::error::{Result, StoreError};
use crate::{MAX_PAGE, Store, from_julian, julian, load_file};
use rusqlite::params;
use socred_core::lists;
use socred_core::{Date, SubjectId};

use crate::entries::*;

/// The published entries on a day (?1), of a list (?2), a name (?3, a LIKE
/// pattern) or a masked id (?4): one filter for the page and its count.
const PUBLISHED_WHERE: &str = "FROM entries e JOIN subjects s ON s.key = e.subject
     WHERE e.published = 1 AND e.listed_since <= ?1 AND (e.listed_until IS NULL OR e.listed_until > ?1)
       AND (?2 IS NULL OR e.list = ?2)
       AND (?3 IS NULL OR s.name LIKE ?3 ESCAPE '\\')
       AND (?4 IS NULL OR (substr(s.id, 1, 6) = substr(?4, 1, 6) AND substr(s.id, 15) = substr(?4, 15)))
       AND (?5 IS NULL OR e.authority = ?5)
       AND (?6 IS NULL OR substr(s.id, CASE s.kind WHEN 'person' THEN 1 ELSE 3 END, length(?6)) = ?6)";

impl Store {
    /// Recomputes the derived list entries of every subject whose file changed.
    /// Returns how many subjects were refreshed.
    pub fn refresh_lists(&mut self) -> Result<u64> {
        Ok(self.refresh_lists_collect()?.len() as u64)
    }

    /// Like [`Store::refresh_lists`], returning the subjects refreshed (the
    /// server updates its in-memory index from them).
    pub fn refresh_lists_collect(&mut self) -> Result<Vec<(i64, SubjectId)>> {
        let mut refreshed = Vec::new();
        loop {
            let rulebook = self.rulebook.clone();
            let mut failed = Vec::new();
            let done = self.transaction(|connection| {
                let keys: Vec<i64> = connection
                    .prepare_cached("SELECT subject FROM dirty LIMIT ?1")?
                    .query_map([REFRESH_BATCH], |row| row.get(0))?
                    .collect::<Result<_, _>>()?;
                let mut done = Vec::with_capacity(keys.len());
                for key in &keys {
                    // A subject whose stored rows are unreadable keeps its last
                    // entries and is reported; the others are refreshed.
                    let loaded = subject_by_key(connection, *key).and_then(|s| Ok((s.id, load_file(connection, *key, s.id)?)));
                    let (subject, file) = match loaded {
                        Ok(loaded) => loaded,
                        Err(error @ StoreError::Corrupt(_)) => {
                            connection.prepare_cached("DELETE FROM dirty WHERE subject = ?1")?.execute([key])?;
                            failed.push((*key, error.to_string()));
                            continue;
                        }
                        Err(error) => return Err(error),
                    };
                    done.push((*key, subject));
                    // Evaluated at the end of time: every interval as far as the ledger knows it.
                    let view = lists::evaluate(&rulebook, subject, &file, Date::MAX);
                    connection.prepare_cached("DELETE FROM entries WHERE subject = ?1")?.execute([key])?;
                    let mut insert = connection.prepare_cached(
                        "INSERT INTO entries (entry_id, subject, list, authority, legal_basis, published, listed_since, listed_until)
                         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                    )?;
                    for entry in &view.entries {
                        insert.execute(params![
                            entry.id.as_str(),
                            key,
                            entry.list,
                            entry.authority,
                            entry.legal_basis,
                            entry.published,
                            entry.listed_since.map(julian),
                            entry.listed_until.map(julian),
                        ])?;
                    }
                    connection.prepare_cached("DELETE FROM dirty WHERE subject = ?1")?.execute([key])?;
                }
                Ok(done)
            })?;
            let finished = done.len() + failed.len() < REFRESH_BATCH as usize;
            refreshed.extend(done);
            self.unreadable.extend(failed);
            if finished {
                return Ok(refreshed);
            }
        }
    }

    /// The published list on a date, after recomputing what changed.
    pub fn public_list(&mut self, as_of: Date, filter: &PublicFilter, limit: u32, offset: u32) -> Result<Vec<PublicEntry>> {
        self.refresh_lists()?;
        self.published(as_of, filter, limit, offset)
    }

    /// Whether some subjects' list entries wait to be recomputed.
    pub fn lists_stale(&self) -> Result<bool> {
        Ok(self.connection.prepare_cached("SELECT EXISTS (SELECT 1 FROM dirty)")?.query_row([], |row| row.get(0))?)
    }

    /// The published list on a date: listed, published entries only, as of the
    /// last refresh. Search matches part of a name or a whole masked id, never
    /// a full identity number (see [`PublicSearch`]).
    pub fn published(&self, as_of: Date, filter: &PublicFilter, limit: u32, offset: u32) -> Result<Vec<PublicEntry>> {
        let f = filter.patterns()?;
        let mut statement = self.connection.prepare_cached(&format!(
            "SELECT e.entry_id, e.list, s.id, s.name, e.authority, e.legal_basis, e.listed_since, e.listed_until
             {PUBLISHED_WHERE} ORDER BY e.listed_since DESC, e.entry_id LIMIT ?7 OFFSET ?8"
        ))?;
        let bound = params![julian(as_of), f.list, f.name, f.masked, f.authority, f.region, limit.min(MAX_PAGE), offset];
        let rows = statement.query_map(bound, |row| {
            Ok((
                row.get::<_, String>(0)?,
                row.get::<_, String>(1)?,
                row.get::<_, String>(2)?,
                row.get::<_, String>(3)?,
                row.get::<_, String>(4)?,
                row.get::<_, String>(5)?,
                row.get::<_, i64>(6)?,
                row.get::<_, Option<i64>>(7)?,
            ))
        })?;
        let secret = crate::store_secret(&self.connection)?;
        let mut out = Vec::new();
        for row in rows {
            let (entry, list, id, name, authority, legal_basis, since, until) = row?;
            // The public sees an alias, never the entry id: that names a record
            // or case id a client chose or derived from facts that could be guessed.
            let entry = public_alias(&secret, &entry);
            let subject_key = public_subject_key(&secret, &id);
            let id = SubjectId::parse(&id).map_err(|e| StoreError::Corrupt(e.to_string()))?;
            let list_title = self.rulebook.list(&list).map(|l| l.title.clone()).unwrap_or_else(|| list.clone());
            out.push(PublicEntry {
                entry,
                list,
                list_title,
                name,
                masked_id: id.masked(),
                authority,
                legal_basis,
                listed_since: from_julian(since)?,
                listed_until: until.map(from_julian).transpose()?,
                subject_key,
            });
        }
        Ok(out)
    }

    /// How many entries [`Store::published`] would show without a limit.
    pub fn published_count(&self, as_of: Date, filter: &PublicFilter) -> Result<u64> {
        let f = filter.patterns()?;
        let mut statement = self.connection.prepare_cached(&format!("SELECT count(*) {PUBLISHED_WHERE}"))?;
        let count: i64 = statement.query_row(params![julian(as_of), f.list, f.name, f.masked, f.authority, f.region], |row| row.get(0))?;
        Ok(count as u64)
    }

    /// The authorities of the entries published on a date, for the list's
    /// filter: distinct, sorted, at most [`MAX_PUBLIC_AUTHORITIES`].
    pub fn published_authorities(&self, as_of: Date) -> Result<Vec<String>> {
        let mut statement = self.connection.prepare_cached(
            "SELECT DISTINCT e.authority FROM entries e
             WHERE e.published = 1 AND e.listed_since <= ?1 AND (e.listed_until IS NULL OR e.listed_until > ?1)
             ORDER BY e.authority LIMIT ?2",
        )?;
        let rows = statement.query_map(params![julian(as_of), MAX_PUBLIC_AUTHORITIES], |row| row.get::<_, String>(0))?;
        Ok(rows.collect::<std::result::Result<_, _>>()?)
    }

    /// The derived entries against the files: every subject not waiting for
    /// a refresh must have exactly the entries the core evaluates from its
    /// file. A row added, changed or removed by hand is named by its subject.
    pub(crate) fn verify_entries(&self) -> Result<u64> {
        let broken = |key: i64| -> StoreError {
            let id = subject_by_key(&self.connection, key).map(|s| s.id.to_string()).unwrap_or_else(|_| format!("with key {key}"));
            StoreError::AuditBroken(format!("the derived list entries of subject {id} do not follow its file"))
        };
        type Row = (String, String, String, String, bool, Option<i64>, Option<i64>);
        let mut stored: std::collections::BTreeMap<i64, Vec<Row>> = Default::default();
        let mut statement = self.connection.prepare(
            "SELECT subject, entry_id, list, authority, legal_basis, published, listed_since, listed_until FROM entries
             WHERE subject NOT IN (SELECT subject FROM dirty)",
        )?;
        let mut rows = statement.query([])?;
        let mut count = 0u64;
        while let Some(row) = rows.next()? {
            let row_of = (row.get(1)?, row.get(2)?, row.get(3)?, row.get(4)?, row.get(5)?, row.get(6)?, row.get(7)?);
            stored.entry(row.get(0)?).or_default().push(row_of);
            count += 1;
        }
        let mut subjects = self.connection.prepare("SELECT key, id FROM subjects WHERE key NOT IN (SELECT subject FROM dirty)")?;
        let mut subjects = subjects.query([])?;
        while let Some(row) = subjects.next()? {
            let (key, id): (i64, String) = (row.get(0)?, row.get(1)?);
            let id = SubjectId::parse(&id).map_err(|e| StoreError::Corrupt(format!("stored subject {id}: {e}")))?;
            let file = load_file(&self.connection, key, id)?;
            let mut expected: Vec<Row> = lists::evaluate(&self.rulebook, id, &file, Date::MAX)
                .entries
                .into_iter()
                .map(|e| {
                    let since = e.listed_since.map(julian);
                    (e.id.as_str().to_string(), e.list, e.authority, e.legal_basis, e.published, since, e.listed_until.map(julian))
                })
                .collect();
            let mut found = stored.remove(&key).unwrap_or_default();
            expected.sort_unstable();
            found.sort_unstable();
            if expected != found {
                return Err(broken(key));
            }
        }
        match stored.into_keys().next() {
            Some(key) => Err(broken(key)),
            None => Ok(count),
        }
    }
}
