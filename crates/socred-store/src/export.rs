//! `socred export DIR`: the whole store as files of domain values, the
//! backup format and the way between backends (docs/audit-format.md,
//! "Export"). `restore.rs` reads it back.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::Path;

use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use rusqlite::params;
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::audit::rows::json_value;
use crate::audit::verify::{entry_fields, for_each_entry_rows};
use crate::audit::{EntryFields, LedgerRow};
use crate::error::{Result, StoreError};
use crate::{Store, from_julian};

pub const EXPORT_FORMAT: &str = "socred-export/1";

/// `manifest.json`: what the directory holds and the heads it must rebuild.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Manifest {
    pub format: String,
    pub log_format: String,
    pub origin: String,
    pub entries: u64,
    pub root: String,
    pub accesses: u64,
    pub accesses_head: String,
    pub check_groups: u64,
    pub checks: u64,
    pub checks_head: String,
}

/// One line of `entries.ndjson`: an audit entry, its leaf hash and the rows it wrote.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ExportedEntry {
    pub entry: EntryFields,
    pub hash: String,
    pub rows: Vec<LedgerRow>,
}

pub(crate) fn io(path: &Path) -> impl Fn(std::io::Error) -> StoreError + '_ {
    move |error| StoreError::invalid("dir", format!("{}: {error}", path.display()))
}

pub(crate) struct Lines {
    writer: BufWriter<File>,
    path: std::path::PathBuf,
}

impl Lines {
    pub(crate) fn create(dir: &Path, name: &str) -> Result<Lines> {
        let path = dir.join(name);
        // Readable by its owner only: an export holds the store's secret and every file.
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        let file = options.open(&path).map_err(io(&path))?;
        Ok(Lines { writer: BufWriter::new(file), path })
    }

    pub(crate) fn line(&mut self, value: &impl Serialize) -> Result<()> {
        serde_json::to_writer(&mut self.writer, value).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        self.writer.write_all(b"\n").map_err(io(&self.path))
    }

    pub(crate) fn finish(mut self) -> Result<()> {
        self.writer.flush().map_err(io(&self.path))?;
        self.writer.get_ref().sync_all().map_err(io(&self.path))
    }
}

impl Store {
    /// Writes the store into `dir` (created; it must not exist or be empty),
    /// from one snapshot, after verifying it: an export of a broken store is
    /// refused. Holds everything, the store's secret included: protect it as
    /// the database.
    /// With a key, the heads are also written as a checkpoint signed at `time`
    /// (`checkpoint.txt`) with its verifier key (`verifier-key.txt`).
    pub fn export(&self, dir: &Path, signer: Option<(&socred_log::SigningKey, &str)>) -> Result<Manifest> {
        if dir.exists() && std::fs::read_dir(dir).map_err(io(dir))?.next().is_some() {
            return Err(StoreError::invalid("dir", format!("{} is not empty", dir.display())));
        }
        std::fs::create_dir_all(dir).map_err(io(dir))?;
        self.snapshot(|store| {
            let report = store.audit_verify()?;
            let connection = &store.connection;
            let meta = |key: &str| -> Result<String> {
                Ok(connection.query_row("SELECT value FROM meta WHERE key = ?1", [key], |row| row.get(0))?)
            };
            let manifest = Manifest {
                format: EXPORT_FORMAT.into(),
                log_format: meta("log_format")?,
                origin: meta("origin")?,
                entries: report.entries,
                root: report.root.clone(),
                accesses: report.accesses,
                accesses_head: report.accesses_head.clone(),
                check_groups: report.check_groups,
                checks: report.checks,
                checks_head: report.checks_head.clone(),
            };
            let mut settings = Lines::create(dir, "meta.json")?;
            settings.line(&json!({
                "origin": manifest.origin, "created_at": meta("created_at")?, "dating": meta("dating")?,
                "utc_offset": meta("utc_offset")?, "secret": meta("secret")?,
            }))?;
            settings.finish()?;

            let mut entries = Lines::create(dir, "entries.ndjson")?;
            for_each_entry_rows(connection, |entry, _, rows| {
                let (digest, hash): (String, String) = (entry.get(6)?, entry.get(7)?);
                entries.line(&ExportedEntry { entry: entry_fields(entry, digest)?, hash, rows })?;
                Ok(true)
            })?;
            entries.finish()?;

            let mut rulebooks = Lines::create(dir, "rulebooks.ndjson")?;
            let mut statement = connection.prepare("SELECT seq, id, version, fingerprint, source, file FROM rulebooks ORDER BY seq")?;
            let mut rows = statement.query([])?;
            while let Some(row) = rows.next()? {
                rulebooks.line(&json!({"seq": row.get::<_, i64>(0)?, "id": row.get::<_, String>(1)?, "version": row.get::<_, String>(2)?,
                    "fingerprint": row.get::<_, String>(3)?, "source": row.get::<_, String>(4)?, "file": row.get::<_, String>(5)?}))?;
            }
            rulebooks.finish()?;

            let mut accesses = Lines::create(dir, "accesses.ndjson")?;
            let mut statement = connection.prepare(
                "SELECT a.seq, a.at, a.actor, s.id, a.purpose, a.what, a.prev, a.hash FROM accesses a JOIN subjects s ON s.key = a.subject
                 ORDER BY a.seq",
            )?;
            let mut rows = statement.query([])?;
            while let Some(row) = rows.next()? {
                accesses.line(&json!({"seq": row.get::<_, i64>(0)?, "at": row.get::<_, String>(1)?, "actor": row.get::<_, String>(2)?,
                    "subject": row.get::<_, String>(3)?, "purpose": row.get::<_, String>(4)?, "what": row.get::<_, String>(5)?,
                    "prev": row.get::<_, String>(6)?, "hash": row.get::<_, String>(7)?}))?;
            }
            accesses.finish()?;

            let mut groups = Lines::create(dir, "check_groups.ndjson")?;
            let mut statement = connection.prepare("SELECT grp, first_seq, rows, data, prev, hash FROM check_groups ORDER BY grp")?;
            let mut rows = statement.query([])?;
            while let Some(row) = rows.next()? {
                groups.line(&json!({"grp": row.get::<_, i64>(0)?, "first_seq": row.get::<_, i64>(1)?, "rows": row.get::<_, i64>(2)?,
                    "data": BASE64.encode(row.get::<_, Vec<u8>>(3)?), "prev": row.get::<_, String>(4)?, "hash": row.get::<_, String>(5)?}))?;
            }
            groups.finish()?;

            let mut evidence = Lines::create(dir, "evidence.ndjson")?;
            let mut statement = connection.prepare("SELECT hash, data FROM evidence ORDER BY rowid")?;
            let mut rows = statement.query(params![])?;
            while let Some(row) = rows.next()? {
                evidence.line(&json!({"hash": row.get::<_, String>(0)?, "data": BASE64.encode(row.get::<_, Vec<u8>>(1)?)}))?;
            }
            evidence.finish()?;

            if let Some((key, time)) = signer {
                let note = crate::audit::checkpoint::sign(key, &manifest.origin, &store.log_heads()?, time);
                std::fs::write(dir.join("checkpoint.txt"), note).map_err(io(dir))?;
                std::fs::write(dir.join("verifier-key.txt"), format!("{}\n", key.verifier().to_text())).map_err(io(dir))?;
            }
            let mut file = Lines::create(dir, "manifest.json")?;
            file.line(&manifest)?;
            file.finish()?;
            Ok(manifest)
        })
    }
}

/// A stored day number as the date it is, for the restore's inserts.
pub(crate) fn julian_of(date: socred_core::Date) -> i64 {
    let day = i64::from(date.to_julian_day());
    debug_assert!(from_julian(day).is_ok());
    day
}

pub(crate) fn value_text(value: &serde_json::Value) -> String {
    socred_log::canonical_json(&json_value(&value.to_string()))
}
