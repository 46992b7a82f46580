//! `export DIR` from the embedded store: the ledger as files of domain values.

use super::verify::{entry_fields, for_each_entry_rows};
use crate::Store;
use crate::error::{Result, StoreError};
use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use rusqlite::params;
use serde_json::json;
use std::path::Path;

use crate::export::*;

impl Store {
    /// Writes the store into `dir` (created; it must not exist or be empty),
    /// from one snapshot, after verifying it: an export of a broken store is
    /// refused. Holds everything, the store's secret included: protect it as
    /// the database.
    /// With a key, the heads are also written as a checkpoint signed at `time`
    /// (`checkpoint.txt`) with its verifier key (`verifier-key.txt`).
    pub fn export(&self, dir: &Path, signer: Option<(&socred_log::SigningKey, &str)>) -> Result<Manifest> {
        if dir.exists() && std::fs::read_dir(dir).map_err(io(dir))?.next().is_some() {
            return Err(StoreError::invalid_message(
                "dir",
                "input-dir-not-empty",
                vec![("dir", socred_i18n::Argument::Text(dir.display().to_string()))],
            ));
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
                entries.entry(entry_fields(entry, digest)?, hash, &rows)?;
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
