//! `socred export DIR` from PostgreSQL: the same files of domain values as
//! the embedded store writes (docs/audit-format.md, "Export"), from one
//! snapshot, each entry's rows as verification rebuilt them.

use std::path::Path;

use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use postgres::IsolationLevel;
use serde_json::json;
use socred_log::to_hex;

use super::PgStore;
use super::log::{each_row, verified_heads, verify_accesses, verify_checks, verify_entries, verify_evidence, verify_keys, verify_settings};
use crate::error::{Result, StoreError};
use crate::export::{EXPORT_FORMAT, Lines, Manifest, io};

impl PgStore {
    /// Writes the store into `dir` (created; it must not exist or be empty),
    /// verifying it on the way: an export of a broken store is refused. Holds
    /// everything, the store's secret included: protect it as the database.
    pub fn export(&self, dir: &Path, signer: Option<(&socred_log::SigningKey, &str)>) -> Result<Manifest> {
        if dir.exists() && std::fs::read_dir(dir).map_err(io(dir))?.next().is_some() {
            return Err(StoreError::invalid_message(
                "dir",
                "input-dir-not-empty",
                vec![("dir", socred_i18n::Argument::Text(dir.display().to_string()))],
            ));
        }
        std::fs::create_dir_all(dir).map_err(io(dir))?;
        let mut connection = self.connection()?;
        let mut transaction = connection.build_transaction().isolation_level(IsolationLevel::RepeatableRead).read_only(true).start()?;
        verify_settings(&mut transaction)?;
        verify_evidence(&mut transaction)?;
        let mut entries = Lines::create(dir, "entries.ndjson")?;
        let mut write = |fields: &crate::audit::EntryFields, leaf: &socred_log::Hash, rows: Vec<crate::audit::LedgerRow>| {
            entries.entry(fields.clone(), to_hex(leaf), &rows)
        };
        let (mut report, _) = verify_entries(&mut transaction, Some(&mut write))?;
        entries.finish()?;
        verify_keys(&mut transaction)?;
        let (accesses, accesses_head) = verify_accesses(&mut transaction)?;
        let (checks, check_groups, checks_head) = verify_checks(&mut transaction)?;
        (report.accesses, report.accesses_head, report.checks, report.check_groups, report.checks_head) =
            (accesses, accesses_head.clone(), checks, check_groups, checks_head.clone());
        // The checkpoint signs the heads just recomputed, never a stored head alone.
        let heads = verified_heads(&mut transaction, &report)?;
        let mut meta = |key: &str| -> Result<String> {
            transaction
                .query_opt("SELECT value FROM meta WHERE key = $1", &[&key])?
                .map(|row| row.get(0))
                .ok_or_else(|| StoreError::Corrupt(format!("meta `{key}` is missing")))
        };
        let manifest = Manifest {
            format: EXPORT_FORMAT.into(),
            log_format: meta("log_format")?,
            origin: meta("origin")?,
            entries: report.entries,
            root: report.root.clone(),
            accesses,
            accesses_head,
            check_groups,
            checks,
            checks_head,
        };
        let mut settings = Lines::create(dir, "meta.json")?;
        settings.line(&json!({
            "origin": manifest.origin, "created_at": meta("created_at")?, "dating": meta("dating")?,
            "utc_offset": meta("utc_offset")?, "secret": meta("secret")?,
        }))?;
        settings.finish()?;

        let mut rulebooks = Lines::create(dir, "rulebooks.ndjson")?;
        for row in transaction.query("SELECT seq, id, version, fingerprint, source, file FROM rulebooks ORDER BY seq", &[])? {
            rulebooks.line(&json!({"seq": row.get::<_, i64>(0), "id": row.get::<_, String>(1), "version": row.get::<_, String>(2),
                "fingerprint": row.get::<_, String>(3), "source": row.get::<_, String>(4), "file": row.get::<_, String>(5)}))?;
        }
        rulebooks.finish()?;

        let mut lines = Lines::create(dir, "accesses.ndjson")?;
        each_row(&mut transaction, "SELECT seq, at, actor, subject, purpose, what, prev, hash FROM accesses ORDER BY seq", |row| {
            lines.line(&json!({"seq": row.get::<_, i64>(0), "at": row.get::<_, String>(1), "actor": row.get::<_, String>(2),
                "subject": row.get::<_, String>(3), "purpose": row.get::<_, String>(4), "what": row.get::<_, String>(5),
                "prev": row.get::<_, String>(6), "hash": row.get::<_, String>(7)}))
        })?;
        lines.finish()?;

        let mut groups = Lines::create(dir, "check_groups.ndjson")?;
        each_row(&mut transaction, "SELECT grp, first_seq, rows, data, prev, hash FROM check_groups ORDER BY grp", |row| {
            groups.line(&json!({"grp": row.get::<_, i64>(0), "first_seq": row.get::<_, i64>(1), "rows": row.get::<_, i64>(2),
                "data": BASE64.encode(row.get::<_, &[u8]>(3)), "prev": row.get::<_, String>(4), "hash": row.get::<_, String>(5)}))
        })?;
        groups.finish()?;

        let mut evidence = Lines::create(dir, "evidence.ndjson")?;
        each_row(&mut transaction, "SELECT hash, data FROM evidence ORDER BY audit_seq, ordinal", |row| {
            evidence.line(&json!({"hash": row.get::<_, String>(0), "data": BASE64.encode(row.get::<_, &[u8]>(1))}))
        })?;
        evidence.finish()?;

        if let Some((key, time)) = signer {
            let note = crate::audit::checkpoint::sign(key, &manifest.origin, &heads, time);
            std::fs::write(dir.join("checkpoint.txt"), note).map_err(io(dir))?;
            std::fs::write(dir.join("verifier-key.txt"), format!("{}\n", key.verifier().to_text())).map_err(io(dir))?;
        }
        transaction.commit()?;
        let mut file = Lines::create(dir, "manifest.json")?;
        file.line(&manifest)?;
        file.finish()?;
        Ok(manifest)
    }
}
