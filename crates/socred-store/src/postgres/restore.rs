//! `socred import-store DIR` into PostgreSQL: the export rebuilt entry by
//! entry with every digest and leaf recomputed, records through `COPY`; the
//! rebuilt store must verify to the manifest's heads (and a signed
//! checkpoint's). The way from the embedded store to a server database.

use std::collections::HashMap;
use std::path::Path;

use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use postgres::Transaction;
use socred_log::merkle::Frontier;
use socred_log::{from_hex, to_hex};

use super::rows::{Owners, RecordCopy, index_record_ids, insert_row, insert_rulebook};
use super::{Connection, EntryRows, PgStore, connect, durable, log};
use crate::audit::{EntryFields, LedgerRow, LogHeads};
use crate::error::{Result, StoreError};
use crate::restore::{check_heads, each_entry, each_line, number, read_manifest, refused, text};

/// Records held for one `COPY` while an export is read.
const COPY_RECORDS: usize = 100_000;

/// Every table the migrations create (and `socred_json`), dropped again when a rebuild fails.
const TABLES: [&str; 28] = [
    "meta",
    "changes",
    "audit",
    "log_head",
    "rulebooks",
    "subjects",
    "links",
    "records",
    "record_ids",
    "voids",
    "events",
    "rulebook_entries",
    "reports",
    "report_ids",
    "report_events",
    "pending_records",
    "pending_decisions",
    "evidence",
    "partner_batches",
    "seals",
    "accesses",
    "check_groups",
    "check_subjects",
    "entries",
    "account_languages",
    "sessions",
    "tokens",
    "accounts",
];

/// Drops every object a store's migrations made.
fn drop_schema() -> String {
    let mut statement = String::new();
    for table in TABLES.iter().chain(["refinery_schema_history"].iter()) {
        statement.push_str(&format!("DROP TABLE IF EXISTS {table} CASCADE;"));
    }
    statement.push_str("DROP FUNCTION IF EXISTS socred_json(text);");
    statement
}

/// Best effort: the caller reports the error that led here.
fn remove_schema(connection: &mut Connection) {
    let _ = connection.batch_execute(&drop_schema());
}

struct Restore {
    records: HashMap<String, String>,
    reports: HashMap<String, String>,
    buffered: Vec<(LedgerRow, i64, i32)>,
    record_seq: i64,
}

impl Owners for Restore {
    fn record_subject(&mut self, _: &mut Transaction<'_>, record_id: &str) -> Result<String> {
        self.records.get(record_id).cloned().ok_or_else(|| refused(format!("a void names record {record_id}, which no earlier row wrote")))
    }
    fn report_subject(&mut self, _: &mut Transaction<'_>, report_id: &str) -> Result<String> {
        self.reports
            .get(report_id)
            .cloned()
            .ok_or_else(|| refused(format!("a report event names report {report_id}, which no earlier row wrote")))
    }
}

impl Restore {
    fn flush(&mut self, transaction: &mut Transaction<'_>) -> Result<()> {
        if self.buffered.is_empty() {
            return Ok(());
        }
        let (mut ids, mut subjects) = (Vec::with_capacity(self.buffered.len()), Vec::with_capacity(self.buffered.len()));
        let mut copy = RecordCopy::start(transaction)?;
        for (row, audit_seq, ordinal) in self.buffered.drain(..) {
            let LedgerRow::Record { record_id, subject, behaviour, occurred_on, source, evidence, recorded_ms, recorded_on } = row else {
                unreachable!("only records are buffered")
            };
            self.record_seq += 1;
            copy.write(
                subject.as_str(),
                &record_id,
                self.record_seq,
                &behaviour,
                &occurred_on,
                &source,
                evidence.as_deref(),
                recorded_ms,
                &recorded_on,
                audit_seq,
                ordinal,
            )?;
            ids.push(record_id);
            subjects.push(subject.as_str().to_string());
        }
        copy.finish()?;
        index_record_ids(transaction, &ids, &subjects)
    }
}

impl PgStore {
    /// Rebuilds a store in the empty database at `url` from the export in
    /// `dir`; with `signed`, the heads of a checkpoint it must have too. A
    /// rebuild that fails any check leaves the database as it found it.
    pub fn import_export(url: &str, dir: &Path, signed: Option<&LogHeads>) -> Result<PgStore> {
        let manifest = read_manifest(dir)?;
        let (pool, _) = connect(url)?;
        let mut connection = pool.get()?;
        durable(&mut connection)?;
        super::refuse_unless_empty(&mut connection, url)?;
        super::migrations::migrations::runner().run(&mut **connection).map_err(|e| StoreError::Migration(e.to_string()))?;
        let rebuilt = (|| -> Result<PgStore> {
            let mut transaction = connection.transaction()?;
            rebuild(&mut transaction, dir, &manifest)?;
            transaction.commit()?;
            let store = PgStore::open(url)?;
            store.rebuild_entries()?;
            check_heads(&store.audit_verify()?, &manifest)?;
            if let Some(signed) = signed
                && *signed != store.log_heads()?
            {
                return Err(StoreError::AuditBroken(format!(
                    "the rebuilt store's heads are not those of the export's signed checkpoint (size {})",
                    signed.size
                )));
            }
            Ok(store)
        })();
        if rebuilt.is_err() {
            remove_schema(&mut connection);
        }
        rebuilt
    }
}

impl PgStore {
    /// Readies the database at `url` for a new demo: a store a demo made
    /// (origin `demo`) is removed whole, in one transaction; an empty
    /// database is left as it is; any other store is refused.
    pub fn remove_demo(url: &str) -> Result<()> {
        let (pool, _) = connect(url)?;
        let mut connection = pool.get()?;
        let store: bool = connection.query_one("SELECT to_regclass('meta') IS NOT NULL", &[])?.get(0);
        if !store {
            return Ok(());
        }
        let origin: Option<String> = connection.query_opt("SELECT value FROM meta WHERE key = 'origin'", &[])?.map(|row| row.get(0));
        if origin.as_deref() != Some("demo") {
            return Err(StoreError::invalid(
                "db",
                format!("{} holds a store that a demo did not make; refusing to replace it (choose another --db)", super::display_url(url)),
            ));
        }
        // A server still on the old demo holds its tables a moment at most; one that holds them longer fails this, not hangs it.
        connection.batch_execute(&format!("BEGIN; SET LOCAL lock_timeout = '10s'; {} COMMIT;", drop_schema()))?;
        Ok(())
    }
}

fn rebuild(transaction: &mut Transaction<'_>, dir: &Path, manifest: &crate::Manifest) -> Result<()> {
    let writer = log::Writer::lock(transaction)?;
    assert_eq!(writer.seq(), 1, "a fresh schema");
    each_line(dir, "meta.json", |meta: serde_json::Value| {
        if text(&meta, "origin")? != manifest.origin {
            return Err(refused("meta.json and manifest.json name different origins"));
        }
        for key in ["origin", "created_at", "dating", "utc_offset", "secret"] {
            transaction.execute("INSERT INTO meta (key, value) VALUES ($1, $2)", &[&key, &text(&meta, key)?])?;
        }
        transaction.execute("INSERT INTO meta (key, value) VALUES ('log_format', $1)", &[&crate::LOG_FORMAT])?;
        Ok(())
    })?;
    let mut rulebooks: Vec<serde_json::Value> = Vec::new();
    each_line(dir, "rulebooks.ndjson", |rulebook: serde_json::Value| {
        rulebooks.push(rulebook);
        Ok(())
    })?;
    let mut evidence: HashMap<String, Vec<u8>> = HashMap::new();
    each_line(dir, "evidence.ndjson", |item: serde_json::Value| {
        let data = BASE64.decode(text(&item, "data")?).map_err(|_| refused("evidence data is not base64"))?;
        evidence.insert(text(&item, "hash")?, data);
        Ok(())
    })?;

    let mut restore = Restore { records: HashMap::new(), reports: HashMap::new(), buffered: Vec::new(), record_seq: 0 };
    let mut frontier = Frontier::default();
    let (mut rulebooks_used, mut subjects) = (0usize, 0i64);
    each_entry(dir, |exported, exported_rows| {
        let seq = exported.entry.seq;
        if seq != frontier.size() as i64 + 1 {
            return Err(refused(format!("entry {} is missing (found {seq} next)", frontier.size() + 1)));
        }
        let mut rows = EntryRows::new(seq);
        for row in exported_rows {
            let row = &row?;
            match row {
                LedgerRow::Record { record_id, subject, .. } => {
                    let ordinal = rows.add(row);
                    if restore.records.insert(record_id.clone(), subject.as_str().to_string()).is_some() {
                        return Err(refused(format!("record {record_id} is written twice")));
                    }
                    restore.buffered.push((row.clone(), seq, ordinal));
                    if restore.buffered.len() >= COPY_RECORDS {
                        restore.flush(transaction)?;
                    }
                }
                LedgerRow::Rulebook { fingerprint, .. } => {
                    let source =
                        rulebooks.get(rulebooks_used).ok_or_else(|| refused("rulebooks.ndjson holds fewer versions than the log"))?;
                    if text(source, "fingerprint")? != *fingerprint {
                        return Err(refused(format!(
                            "rulebook {} in rulebooks.ndjson is not the one the log activated",
                            rulebooks_used + 1
                        )));
                    }
                    rulebooks_used += 1;
                    insert_rulebook(
                        transaction,
                        &mut rows,
                        row,
                        number(source, "seq")?,
                        &text(source, "id")?,
                        &text(source, "version")?,
                        &text(source, "source")?,
                        &text(source, "file")?,
                    )?;
                }
                LedgerRow::Evidence { hash, media_type, bytes, added_by, added_ms } => {
                    let data = evidence.get(hash).ok_or_else(|| refused(format!("evidence {hash} is not in evidence.ndjson")))?;
                    let ordinal = rows.add(row);
                    transaction.execute(
                        "INSERT INTO evidence (hash, media_type, bytes, data, added_by, added_ms, audit_seq, ordinal)
                         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                        &[hash, media_type, bytes, data, added_by, added_ms, &seq, &ordinal],
                    )?;
                }
                LedgerRow::Report { report_id, subject, .. } => {
                    restore.reports.insert(report_id.clone(), subject.as_str().to_string());
                    insert_row(transaction, &mut rows, row, &mut restore)?;
                }
                LedgerRow::Subject { number, .. } => {
                    subjects = subjects.max(*number);
                    insert_row(transaction, &mut rows, row, &mut restore)?;
                }
                _ => insert_row(transaction, &mut rows, row, &mut restore)?,
            }
        }
        let (fields, _) = rows.finish(|digest| EntryFields { digest, ..exported.entry.clone() });
        if fields.digest != exported.entry.digest {
            return Err(refused(format!("entry {seq}: its rows do not make its digest (the export was altered)")));
        }
        let leaf = fields.leaf();
        if Some(leaf) != from_hex(&exported.hash) {
            return Err(refused(format!("entry {seq}: its content does not make its hash (the export was altered)")));
        }
        log::insert_entry(transaction, &fields, &leaf)?;
        frontier.push(leaf);
        Ok(())
    })?;
    restore.flush(transaction)?;
    let nodes: String = frontier.nodes().iter().map(to_hex).collect();
    transaction.execute("UPDATE log_head SET size = $1, nodes = $2 WHERE log = 'audit'", &[&(frontier.size() as i64), &nodes])?;
    transaction.execute("UPDATE log_head SET size = $1 WHERE log = 'subjects'", &[&subjects])?;
    transaction.execute("UPDATE log_head SET size = $1 WHERE log = 'records'", &[&restore.record_seq])?;

    let (mut accesses, mut access_head) = (0i64, crate::audit::GENESIS.to_string());
    each_line(dir, "accesses.ndjson", |row: serde_json::Value| {
        let subject = socred_core::SubjectId::parse(&text(&row, "subject")?).map_err(|e| refused(e.to_string()))?;
        let hash = text(&row, "hash")?;
        transaction.execute(
            "INSERT INTO accesses (subject, seq, at, actor, purpose, what, prev, hash) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            &[
                &subject.as_str(),
                &number(&row, "seq")?,
                &text(&row, "at")?,
                &text(&row, "actor")?,
                &text(&row, "purpose")?,
                &text(&row, "what")?,
                &text(&row, "prev")?,
                &hash,
            ],
        )?;
        accesses = number(&row, "seq")?;
        access_head = hash;
        Ok(())
    })?;
    transaction.execute("UPDATE log_head SET size = $1, nodes = $2 WHERE log = 'accesses'", &[&accesses, &access_head])?;
    each_line(dir, "check_groups.ndjson", |row: serde_json::Value| {
        let data = BASE64.decode(text(&row, "data")?).map_err(|_| refused("check group data is not base64"))?;
        transaction.execute(
            "INSERT INTO check_groups (grp, first_seq, rows, data, prev, hash) VALUES ($1, $2, $3, $4, $5, $6)",
            &[
                &number(&row, "grp")?,
                &number(&row, "first_seq")?,
                &number(&row, "rows")?,
                &data,
                &text(&row, "prev")?,
                &text(&row, "hash")?,
            ],
        )?;
        let (grp, rows) = (number(&row, "grp")?, number(&row, "rows")?);
        let subjects = crate::checks::group_subjects(&data, rows).map_err(|_| refused(format!("check group {grp} does not decode")))?;
        super::checks::index_group(transaction, grp, &subjects)?;
        Ok(())
    })?;
    super::accounts::rebuild_accounts(transaction)
}
