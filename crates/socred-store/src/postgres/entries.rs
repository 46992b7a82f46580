//! The published lists on PostgreSQL: the derived `entries` table holds each
//! subject's list entries as the core evaluates its file. A write rewrites
//! the entries of the subjects it changed inside its own transaction, so the
//! table is never behind the ledger, and a standby, which cannot write,
//! serves the public list and its searches from what it replays.

use std::collections::HashSet;

use postgres::{GenericClient, Transaction};
use socred_core::{Date, SubjectFile, SubjectId, lists};

use super::hot::PARTITIONS;
use super::{EntryRows, PgStore};
use crate::MAX_PAGE;
use crate::entries::{MAX_PUBLIC_AUTHORITIES, PublicEntry, PublicFilter, public_alias, public_subject_key};
use crate::error::{Result, StoreError};

/// Files read in one statement when the entries of changed subjects are rewritten.
const FILES_AT_ONCE: usize = 2_000;
/// Entry rows written by one statement.
const ROWS_AT_ONCE: usize = 10_000;

/// One row of `entries`; ordered as `audit verify` compares them.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct EntryRow {
    subject: String,
    entry_id: String,
    list: String,
    authority: String,
    legal_basis: String,
    published: bool,
    listed_since: Option<Date>,
    listed_until: Option<Date>,
}

/// A subject's rows: evaluated at the end of time, every interval as far as
/// the ledger knows it, so the table does not age and the day is a filter.
fn rows_of(rulebook: &socred_core::Rulebook, id: &SubjectId, file: &SubjectFile, into: &mut Vec<EntryRow>) {
    for entry in lists::evaluate(rulebook, *id, file, Date::MAX).entries {
        into.push(EntryRow {
            subject: id.as_str().to_string(),
            entry_id: entry.id.as_str().to_string(),
            list: entry.list,
            authority: entry.authority,
            legal_basis: entry.legal_basis,
            published: entry.published,
            listed_since: entry.listed_since,
            listed_until: entry.listed_until,
        });
    }
}

fn insert(client: &mut impl GenericClient, rows: &[EntryRow]) -> Result<()> {
    for chunk in rows.chunks(ROWS_AT_ONCE) {
        let column = |field: fn(&EntryRow) -> &str| chunk.iter().map(field).collect::<Vec<&str>>();
        let published: Vec<bool> = chunk.iter().map(|row| row.published).collect();
        let since: Vec<Option<Date>> = chunk.iter().map(|row| row.listed_since).collect();
        let until: Vec<Option<Date>> = chunk.iter().map(|row| row.listed_until).collect();
        client.execute(
            "INSERT INTO entries (subject, entry_id, list, authority, legal_basis, published, listed_since, listed_until)
             SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::bool[], $7::date[], $8::date[])",
            &[
                &column(|row| &row.subject),
                &column(|row| &row.entry_id),
                &column(|row| &row.list),
                &column(|row| &row.authority),
                &column(|row| &row.legal_basis),
                &published,
                &since,
                &until,
            ],
        )?;
    }
    Ok(())
}

/// Inside a write's transaction, before its entry is appended: the entries
/// of every subject the write changed, from their files as the transaction
/// reads them. A subject whose file does not read keeps its entries (its
/// checks and reads fail, and `audit verify` names it).
pub(crate) fn refresh(store: &PgStore, client: &mut impl GenericClient, changed: &EntryRows) -> Result<()> {
    if changed.everything {
        return rebuild_in(store, client).map(drop);
    }
    refresh_subjects(store, client, &changed.touched.iter().map(String::as_str).collect::<Vec<_>>())
}

/// The entries of `ids`, from their files as `client` reads them.
pub(crate) fn refresh_subjects(store: &PgStore, client: &mut impl GenericClient, ids: &[&str]) -> Result<()> {
    for chunk in ids.chunks(FILES_AT_ONCE) {
        let (files, _unreadable) = store.readable_files_in(client, chunk)?;
        let readable: Vec<&str> = files.iter().map(|(id, _)| id.as_str()).collect();
        client.execute("DELETE FROM entries WHERE subject = ANY($1)", &[&readable])?;
        let mut rows = Vec::new();
        for (id, file) in &files {
            rows_of(store.rulebook(), id, file, &mut rows);
        }
        insert(client, &rows)?;
    }
    Ok(())
}

/// The subjects an import changed, so that its commit rewrites each one's
/// entries once however many batches held its records: in memory up to a
/// bound, beyond it in a table of the transaction.
pub(crate) struct ImportChanges {
    held: HashSet<String>,
    /// Subjects held in memory at most; more go to `import_subjects`.
    limit: usize,
    spilled: bool,
}

/// Changed subjects an import holds in memory (about 70 MB at most).
const CHANGES_IN_MEMORY: usize = 1_000_000;

impl ImportChanges {
    pub fn new() -> ImportChanges {
        ImportChanges { held: HashSet::new(), limit: CHANGES_IN_MEMORY, spilled: false }
    }

    /// Holds at most `limit` subjects in memory (tests reach the table with a small one).
    pub fn hold_at_most(&mut self, limit: usize) {
        self.limit = limit;
    }

    pub fn note<'a>(&mut self, client: &mut impl GenericClient, subjects: impl IntoIterator<Item = &'a str>) -> Result<()> {
        for subject in subjects {
            if !self.held.contains(subject) {
                self.held.insert(subject.to_string());
            }
        }
        if self.held.len() > self.limit {
            self.spill(client)?;
        }
        Ok(())
    }

    fn spill(&mut self, client: &mut impl GenericClient) -> Result<()> {
        if !self.spilled {
            client.batch_execute("CREATE TEMPORARY TABLE import_subjects (subject text COLLATE \"C\" PRIMARY KEY) ON COMMIT DROP")?;
            self.spilled = true;
        }
        let held: Vec<&str> = self.held.iter().map(String::as_str).collect();
        for chunk in held.chunks(ROWS_AT_ONCE) {
            client.execute("INSERT INTO import_subjects SELECT unnest($1::text[]) ON CONFLICT DO NOTHING", &[&chunk])?;
        }
        self.held.clear();
        Ok(())
    }
}

/// Before an import's entry is appended: the entries of the subjects it
/// changed, a chunk at a time; when it changed most of the population, all
/// of them partition by partition (a scan each, cheaper than a lookup a file).
pub(crate) fn finish_import(store: &PgStore, client: &mut impl GenericClient, mut changes: ImportChanges) -> Result<()> {
    if !changes.spilled && changes.held.is_empty() {
        return Ok(());
    }
    let population: i64 = client.query_one("SELECT size FROM log_head WHERE log = 'subjects'", &[])?.get(0);
    if !changes.spilled {
        if changes.held.len() as i64 * 2 > population {
            return rebuild_in(store, client).map(drop);
        }
        let mut changed: Vec<&str> = changes.held.iter().map(String::as_str).collect();
        changed.sort_unstable();
        return refresh_subjects(store, client, &changed);
    }
    changes.spill(client)?;
    let changed: i64 = client.query_one("SELECT count(*) FROM import_subjects", &[])?.get(0);
    if changed * 2 > population {
        return rebuild_in(store, client).map(drop);
    }
    let mut after = String::new();
    loop {
        let chunk: Vec<String> = client
            .query("SELECT subject FROM import_subjects WHERE subject > $1 ORDER BY subject LIMIT $2", &[&after, &(FILES_AT_ONCE as i64)])?
            .iter()
            .map(|row| row.get(0))
            .collect();
        let Some(last) = chunk.last() else { return Ok(()) };
        after = last.clone();
        refresh_subjects(store, client, &chunk.iter().map(String::as_str).collect::<Vec<_>>())?;
    }
}

/// Every subject's entries again, partition by partition; a subject whose
/// file does not read keeps its entries, as in [`refresh_subjects`].
pub(crate) fn rebuild_in(store: &PgStore, client: &mut impl GenericClient) -> Result<u64> {
    let rulebook = store.rulebook();
    let mut written = 0;
    store.each_partition(
        client,
        |(files, unreadable)| {
            let mut rows = Vec::new();
            for (id, file) in &files {
                rows_of(rulebook, id, file, &mut rows);
            }
            let kept: Vec<String> = unreadable.into_iter().map(|(subject, _)| subject).collect();
            (kept, rows)
        },
        |client, partition, (kept, rows)| {
            client.execute(&format!("DELETE FROM entries_p{partition} WHERE NOT (subject = ANY($1))"), &[&kept])?;
            insert(client, &rows)?;
            written += rows.len() as u64;
            Ok(())
        },
    )?;
    Ok(written)
}

/// The table against the files, in the verifier's snapshot: a row added,
/// changed or removed by hand, or one a write failed to rewrite, is named by
/// its subject.
pub(crate) fn verify(store: &PgStore, transaction: &mut Transaction<'_>) -> Result<u64> {
    let broken = |what: String| StoreError::AuditBroken(what);
    let mut verified = 0;
    for partition in 0..PARTITIONS {
        let (files, unreadable) = store.partition_files(transaction, partition)?;
        if let Some((subject, reason)) = unreadable.into_iter().next() {
            return Err(broken(format!("the file of subject {subject} does not read: {reason}")));
        }
        let mut expected = Vec::new();
        for (id, file) in &files {
            rows_of(store.rulebook(), id, file, &mut expected);
        }
        let mut stored: Vec<EntryRow> = transaction
            .query(
                &format!(
                    "SELECT subject, entry_id, list, authority, legal_basis, published, listed_since, listed_until FROM entries_p{partition}"
                ),
                &[],
            )?
            .iter()
            .map(|row| EntryRow {
                subject: row.get(0),
                entry_id: row.get(1),
                list: row.get(2),
                authority: row.get(3),
                legal_basis: row.get(4),
                published: row.get(5),
                listed_since: row.get(6),
                listed_until: row.get(7),
            })
            .collect();
        expected.sort_unstable();
        stored.sort_unstable();
        if expected != stored {
            let differs = expected.iter().zip(stored.iter()).find(|(a, b)| a != b).map(|(a, b)| a.subject.clone().min(b.subject.clone()));
            let subject = differs
                .or_else(|| expected.get(stored.len()).map(|row| row.subject.clone()))
                .or_else(|| stored.get(expected.len()).map(|row| row.subject.clone()))
                .unwrap_or_default();
            return Err(broken(format!("the derived list entries of subject {subject} do not follow its file")));
        }
        verified += stored.len() as u64;
    }
    Ok(verified)
}

impl PgStore {
    /// Rewrites every subject's list entries from the files, under the log's
    /// write lock (after `import-store`, or to repair the table). Returns the
    /// number of entries written.
    pub fn rebuild_entries(&self) -> Result<u64> {
        let mut connection = self.connection()?;
        let mut transaction = connection.transaction()?;
        super::log::Writer::lock(&mut transaction)?.refuse_if_stale(self.rulebook_seq)?;
        let written = rebuild_in(self, &mut transaction)?;
        transaction.commit()?;
        Ok(written)
    }

    /// The published list on a date: listed, published entries only, from the
    /// standby with `--read-db`. Search matches part of a name (ignoring case)
    /// or a whole masked id, never a full identity number (see [`PublicSearch`]).
    pub fn published(&self, as_of: Date, filter: &PublicFilter, limit: u32, offset: u32) -> Result<Vec<PublicEntry>> {
        let f = filter.patterns()?;
        let mut connection = self.read_connection()?;
        let secret: String = connection
            .query_opt("SELECT value FROM meta WHERE key = 'secret'", &[])?
            .map(|row| row.get(0))
            .ok_or_else(|| StoreError::Corrupt("the store has no secret (meta key 'secret')".into()))?;
        let rows = connection.query(
            &format!(
                "SELECT e.entry_id, e.list, s.subject, s.name, e.authority, e.legal_basis, e.listed_since, e.listed_until
                 {PUBLISHED_WHERE} ORDER BY e.listed_since DESC, e.entry_id LIMIT $7 OFFSET $8"
            ),
            &[&as_of, &f.list, &f.name, &f.masked, &f.authority, &f.region, &i64::from(limit.min(MAX_PAGE)), &i64::from(offset)],
        )?;
        let mut out = Vec::with_capacity(rows.len());
        for row in rows {
            let (entry, list, id): (&str, String, &str) = (row.get(0), row.get(1), row.get(2));
            let id = SubjectId::parse(id).map_err(|e| StoreError::Corrupt(format!("stored subject {id:?}: {e}")))?;
            let list_title = self.rulebook().list(&list).map(|l| l.title.clone()).unwrap_or_else(|| list.clone());
            out.push(PublicEntry {
                // An alias, never the entry id: that names a record or case id.
                entry: public_alias(&secret, entry),
                list,
                list_title,
                name: row.get(3),
                masked_id: id.masked(),
                authority: row.get(4),
                legal_basis: row.get(5),
                listed_since: row.get(6),
                listed_until: row.get(7),
                subject_key: public_subject_key(&secret, id.as_str()),
            });
        }
        Ok(out)
    }

    /// How many entries [`PgStore::published`] would show without a limit.
    pub fn published_count(&self, as_of: Date, filter: &PublicFilter) -> Result<u64> {
        let f = filter.patterns()?;
        let row = self
            .read_connection()?
            .query_one(&format!("SELECT count(*) {PUBLISHED_WHERE}"), &[&as_of, &f.list, &f.name, &f.masked, &f.authority, &f.region])?;
        Ok(row.get::<_, i64>(0) as u64)
    }

    /// The authorities of the entries published on a date, for the list's
    /// filter: distinct, sorted, at most [`MAX_PUBLIC_AUTHORITIES`].
    pub fn published_authorities(&self, as_of: Date) -> Result<Vec<String>> {
        let rows = self.read_connection()?.query(
            "SELECT DISTINCT e.authority FROM entries e
             WHERE e.published AND e.listed_since <= $1 AND (e.listed_until IS NULL OR e.listed_until > $1)
             ORDER BY e.authority LIMIT $2",
            &[&as_of, &i64::from(MAX_PUBLIC_AUTHORITIES)],
        )?;
        Ok(rows.iter().map(|row| row.get(0)).collect())
    }
}

/// The published entries on a day ($1), of a list ($2), a name ($3, an ILIKE
/// pattern) or a masked id ($4), an authority ($5) and a region ($6, a
/// prefix of the identifier's region code): one filter for the page and its count.
const PUBLISHED_WHERE: &str = "FROM entries e JOIN subjects s ON s.subject = e.subject
     WHERE e.published AND e.listed_since <= $1 AND (e.listed_until IS NULL OR e.listed_until > $1)
       AND ($2::text IS NULL OR e.list = $2)
       AND ($3::text IS NULL OR s.name ILIKE $3 ESCAPE '\\')
       AND ($4::text IS NULL OR (left(s.subject, 6) = left($4, 6) AND substr(s.subject, 15) = substr($4, 15)))
       AND ($5::text IS NULL OR e.authority = $5)
       AND ($6::text IS NULL OR substr(s.subject, CASE s.kind WHEN 'person' THEN 1 ELSE 3 END, length($6)) = $6)";
