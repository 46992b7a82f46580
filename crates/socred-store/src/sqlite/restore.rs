//! `import-store DIR` into a new embedded store, entry by entry.

use std::collections::HashMap;
use std::path::Path;

use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use rusqlite::{Connection, OpenFlags, params};
use socred_log::merkle::Frontier;
use socred_log::{from_hex, to_hex};

use crate::LOG_FORMAT;
use crate::audit::{LedgerRow, RowDigest};
use crate::error::{Result, StoreError};
use crate::export::{Manifest, julian_of, value_text};
use crate::{Store, configure, migrate, not_a_store};

use crate::restore::*;

impl Store {
    /// Rebuilds a store at `path` (which must not exist) from the export in
    /// `dir`; with `signed`, the heads of a checkpoint the rebuilt store must
    /// have too. A store that fails any check is removed.
    pub fn import_export(path: &Path, dir: &Path, signed: Option<&crate::audit::LogHeads>) -> Result<Store> {
        let manifest = read_manifest(dir)?;
        if path.exists() {
            return Err(StoreError::AlreadyInitialised(path.to_path_buf()));
        }
        let mut connection = Connection::open_with_flags(
            path,
            OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_CREATE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .map_err(not_a_store(path))?;
        configure(&connection)?;
        migrate(&mut connection)?;
        connection.execute_batch("BEGIN IMMEDIATE")?;
        let result = rebuild(&connection, dir, &manifest);
        let committed = match result {
            Ok(()) => connection.execute_batch("COMMIT").map_err(StoreError::from),
            Err(error) => {
                let _ = connection.execute_batch("ROLLBACK");
                Err(error)
            }
        };
        drop(connection);
        // A store that fails any check is not left behind to be opened by mistake.
        let checked = committed.and_then(|()| {
            let store = Store::open(path)?;
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
        });
        if checked.is_err() {
            for suffix in ["", "-wal", "-shm"] {
                let mut file = path.as_os_str().to_owned();
                file.push(suffix);
                let _ = std::fs::remove_file(std::path::PathBuf::from(file));
            }
        }
        checked
    }
}

struct Keys<'c> {
    connection: &'c Connection,
    subjects: HashMap<socred_core::SubjectId, i64>,
}

impl Keys<'_> {
    fn subject(&self, id: &socred_core::SubjectId) -> Result<i64> {
        self.subjects.get(id).copied().ok_or_else(|| refused(format!("a row names subject {id} before it is registered")))
    }

    fn one(&self, sql: &str, key: &str) -> Result<i64> {
        use rusqlite::OptionalExtension;
        self.connection
            .prepare_cached(sql)?
            .query_row([key], |row| row.get(0))
            .optional()?
            .ok_or_else(|| refused(format!("a row refers to {key}, which no earlier row wrote")))
    }
}

pub(crate) fn rebuild(connection: &Connection, dir: &Path, manifest: &Manifest) -> Result<()> {
    each_line(dir, "meta.json", |meta: serde_json::Value| {
        if text(&meta, "origin")? != manifest.origin {
            return Err(refused("meta.json and manifest.json name different origins"));
        }
        for key in ["origin", "created_at", "dating", "utc_offset", "secret"] {
            connection.execute("INSERT INTO meta (key, value) VALUES (?1, ?2)", params![key, text(&meta, key)?])?;
        }
        connection.execute("INSERT INTO meta (key, value) VALUES ('log_format', ?1)", [LOG_FORMAT])?;
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

    let mut keys = Keys { connection, subjects: HashMap::new() };
    let mut frontier = Frontier::default();
    let mut rulebooks_used = 0usize;
    each_entry(dir, |exported, exported_rows| {
        let seq = exported.entry.seq;
        if seq != frontier.size() as i64 + 1 {
            return Err(refused(format!("entry {} is missing (found {seq} next)", frontier.size() + 1)));
        }
        let mut digest = RowDigest::default();
        for row in exported_rows {
            let row = &row?;
            insert_row(&mut keys, seq, &exported.entry.at, row, &rulebooks, &mut rulebooks_used, &evidence)?;
            digest.add(row);
        }
        if digest.finish() != exported.entry.digest {
            return Err(refused(format!("entry {seq}: its rows do not make its digest (the export was altered)")));
        }
        let leaf = exported.entry.leaf();
        if Some(leaf) != from_hex(&exported.hash) {
            return Err(refused(format!("entry {seq}: its content does not make its hash (the export was altered)")));
        }
        let entry = &exported.entry;
        connection.execute(
            "INSERT INTO audit (seq, at, actor, action, subject, detail, digest, hash) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            params![
                seq,
                entry.at,
                entry.actor,
                entry.action,
                entry.subject,
                socred_log::canonical_json(&entry.detail),
                entry.digest,
                to_hex(&leaf)
            ],
        )?;
        frontier.push(leaf);
        Ok(())
    })?;
    let nodes: String = frontier.nodes().iter().map(to_hex).collect();
    connection.execute("UPDATE log_head SET size = ?1, nodes = ?2 WHERE log = 'audit'", params![frontier.size() as i64, nodes])?;
    rebuild_accounts(connection)?;

    let (mut accesses, mut access_head) = (0i64, crate::audit::GENESIS.to_string());
    each_line(dir, "accesses.ndjson", |row: serde_json::Value| {
        let subject = socred_core::SubjectId::parse(&text(&row, "subject")?).map_err(|e| refused(e.to_string()))?;
        let hash = text(&row, "hash")?;
        connection.execute(
            "INSERT INTO accesses (seq, at, actor, subject, purpose, what, prev, hash) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            params![
                number(&row, "seq")?,
                text(&row, "at")?,
                text(&row, "actor")?,
                keys.subject(&subject)?,
                text(&row, "purpose")?,
                text(&row, "what")?,
                text(&row, "prev")?,
                hash
            ],
        )?;
        accesses = number(&row, "seq")?;
        access_head = hash;
        Ok(())
    })?;
    connection.execute("UPDATE log_head SET size = ?1, nodes = ?2 WHERE log = 'accesses'", params![accesses, access_head])?;
    each_line(dir, "check_groups.ndjson", |row: serde_json::Value| {
        let data = BASE64.decode(text(&row, "data")?).map_err(|_| refused("check group data is not base64"))?;
        connection.execute(
            "INSERT INTO check_groups (grp, first_seq, rows, data, prev, hash) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![
                number(&row, "grp")?,
                number(&row, "first_seq")?,
                number(&row, "rows")?,
                data,
                text(&row, "prev")?,
                text(&row, "hash")?
            ],
        )?;
        Ok(())
    })?;
    // Derived state is rebuilt by its followers: every subject is dirty.
    connection
        .execute_batch("INSERT OR IGNORE INTO dirty (subject) SELECT key FROM subjects; INSERT INTO changes (subject) VALUES (0);")?;
    Ok(())
}

fn insert_row(
    keys: &mut Keys<'_>,
    seq: i64,
    at: &str,
    row: &LedgerRow,
    rulebooks: &[serde_json::Value],
    rulebooks_used: &mut usize,
    evidence: &HashMap<String, Vec<u8>>,
) -> Result<()> {
    let connection = keys.connection;
    match row {
        LedgerRow::Subject { number, id, kind, name, reference, recorded_ms, recorded_on } => {
            connection.execute(
                "INSERT INTO subjects (key, id, kind, name, recorded_ms, recorded_day, audit_seq, reference) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                params![number, id.as_str(), kind, name, recorded_ms, julian_of(*recorded_on), seq, reference],
            )?;
            keys.subjects.insert(*id, *number);
        }
        LedgerRow::Link { subject, kind, other, recorded_ms, recorded_on } => {
            connection.execute(
                "INSERT INTO links (subject, kind, other, recorded_ms, recorded_day, audit_seq) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                params![keys.subject(subject)?, kind, keys.subject(other)?, recorded_ms, julian_of(*recorded_on), seq],
            )?;
        }
        LedgerRow::Record { record_id, subject, behaviour, occurred_on, source, evidence, recorded_ms, recorded_on } => {
            connection.execute(
                "INSERT INTO records (record_id, subject, behaviour, occurred_on, source, evidence, recorded_ms, recorded_day, audit_seq)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
                params![
                    record_id,
                    keys.subject(subject)?,
                    behaviour,
                    julian_of(*occurred_on),
                    source,
                    evidence,
                    recorded_ms,
                    julian_of(*recorded_on),
                    seq
                ],
            )?;
        }
        LedgerRow::Void { record_id, reason, recorded_ms, recorded_on } => {
            let record = keys.one("SELECT seq FROM records WHERE record_id = ?1", record_id)?;
            connection.execute(
                "INSERT INTO voids (record_seq, reason, recorded_ms, recorded_day, audit_seq) VALUES (?1, ?2, ?3, ?4, ?5)",
                params![record, reason, recorded_ms, julian_of(*recorded_on), seq],
            )?;
        }
        LedgerRow::Rulebook { fingerprint, recorded_ms, recorded_on } => {
            let source = rulebooks.get(*rulebooks_used).ok_or_else(|| refused("rulebooks.ndjson holds fewer versions than the log"))?;
            if text(source, "fingerprint")? != *fingerprint {
                return Err(refused(format!("rulebook {} in rulebooks.ndjson is not the one the log activated", *rulebooks_used + 1)));
            }
            *rulebooks_used += 1;
            connection.execute(
                "INSERT INTO rulebooks (seq, id, version, fingerprint, source, file, recorded_ms, recorded_day, audit_seq)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
                params![
                    number(source, "seq")?,
                    text(source, "id")?,
                    text(source, "version")?,
                    fingerprint,
                    text(source, "source")?,
                    text(source, "file")?,
                    recorded_ms,
                    julian_of(*recorded_on),
                    seq
                ],
            )?;
        }
        LedgerRow::Event { subject, on, recorded_ms, actor, kind, case_key, body } => {
            connection.execute(
                "INSERT INTO events (subject, on_day, recorded_ms, actor, kind, case_key, body, audit_seq) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                params![keys.subject(subject)?, julian_of(*on), recorded_ms, actor, kind, case_key, value_text(body), seq],
            )?;
        }
        LedgerRow::Report {
            report_id,
            reporter,
            subject,
            behaviour,
            occurred_on,
            description,
            evidence,
            facts,
            filed_by,
            filed_at_ms,
            filed_on,
        } => {
            connection.execute(
                "INSERT INTO reports (report_id, reporter, subject, behaviour, occurred_on, description, evidence, facts, filed_by, filed_at_ms,
                 filed_on, audit_seq) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
                params![report_id, keys.subject(reporter)?, keys.subject(subject)?, behaviour, julian_of(*occurred_on), description,
                    value_text(evidence), facts, filed_by, filed_at_ms, julian_of(*filed_on), seq],
            )?;
        }
        LedgerRow::ReportEvent { report_id, state, actor, at_ms, on, reasons, record_id, reward_id } => {
            let report = keys.one("SELECT seq FROM reports WHERE report_id = ?1", report_id)?;
            connection.execute(
                "INSERT INTO report_events (report, state, actor, at_ms, on_day, reasons, record_id, reward_id, audit_seq)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
                params![report, state, actor, at_ms, julian_of(*on), reasons, record_id, reward_id, seq],
            )?;
        }
        LedgerRow::Evidence { hash, media_type, bytes, added_by, added_ms } => {
            let data = evidence.get(hash).ok_or_else(|| refused(format!("evidence {hash} is not in evidence.ndjson")))?;
            connection.execute(
                "INSERT INTO evidence (hash, media_type, bytes, data, added_at, added_by, added_ms, audit_seq) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                params![hash, media_type, bytes, data, at, added_by, added_ms, seq],
            )?;
        }
        LedgerRow::PendingRecord { record_id, partner, subject, behaviour, occurred_on, source, evidence, recorded_ms } => {
            connection.execute(
                "INSERT INTO pending_records (record_id, partner, subject, behaviour, occurred_on, source, evidence, audit_seq, recorded_ms)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
                params![record_id, partner, keys.subject(subject)?, behaviour, julian_of(*occurred_on), source, evidence, seq, recorded_ms],
            )?;
        }
        LedgerRow::PendingDecision { record_id, outcome, reasons, actor, at } => {
            connection.execute(
                "INSERT INTO pending_decisions (record_id, outcome, reasons, actor, at, audit_seq) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                params![record_id, outcome, reasons, actor, at, seq],
            )?;
        }
        LedgerRow::PartnerBatch { partner, batch_id, at_ms, receipt } => {
            let batch: crate::PartnerBatch =
                serde_json::from_value(receipt.clone()).map_err(|e| refused(format!("receipt of batch {batch_id}: {e}")))?;
            connection.execute(
                "INSERT INTO partner_batches (partner, batch_id, at_ms, lines, accepted, duplicates, pending, rejected, stored, receipt, audit_seq)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
                params![partner, batch_id, at_ms, batch.lines as i64, batch.accepted as i64, batch.duplicates as i64, batch.pending_review as i64,
                    batch.rejected as i64, batch.stored, value_text(receipt), seq],
            )?;
        }
        LedgerRow::RulebookEntry { rulebook_seq, subject, entry_id } => {
            connection.execute(
                "INSERT INTO rulebook_entries (rulebook_seq, subject, entry_id) VALUES (?1, ?2, ?3)",
                params![rulebook_seq, keys.subject(subject)?, entry_id],
            )?;
        }
        LedgerRow::Seal { kind, key, state } => {
            connection.execute(
                "INSERT INTO seals (kind, key, state, audit_seq) VALUES (?1, ?2, ?3, ?4)",
                params![kind, key, socred_log::canonical_json(state), seq],
            )?;
        }
    }
    Ok(())
}

/// Accounts and tokens as their newest seals state them (sign-in counters
/// start afresh; sessions are not exported: everyone signs in again).
fn rebuild_accounts(connection: &Connection) -> Result<()> {
    let mut newest: Vec<(String, String, serde_json::Value)> = Vec::new();
    {
        let mut statement = connection.prepare(
            "SELECT s.kind, s.key, s.state FROM seals s WHERE s.seq = (SELECT max(seq) FROM seals t WHERE t.kind = s.kind AND t.key = s.key)
             ORDER BY (SELECT min(seq) FROM seals t WHERE t.kind = s.kind AND t.key = s.key)",
        )?;
        let mut rows = statement.query([])?;
        while let Some(row) = rows.next()? {
            let state: String = row.get(2)?;
            newest.push((row.get(0)?, row.get(1)?, crate::audit::rows::json_value(&state)));
        }
    }
    for (kind, _, state) in newest.iter().filter(|(kind, _, _)| kind == "account") {
        debug_assert_eq!(kind, "account");
        let subject: Option<i64> = match state["subject"].as_str() {
            Some(id) => Some(connection.query_row("SELECT key FROM subjects WHERE id = ?1", [id], |row| row.get(0))?),
            None => None,
        };
        let list = |key: &str| socred_log::canonical_json(&state[key]);
        connection.execute(
            "INSERT INTO accounts (username, role, password_hash, subject, authority, services, behaviours, created_at, disabled, totp_secret,
             totp_confirmed) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
            params![text(state, "username")?, text(state, "role")?, state["password_hash"].as_str(), subject, state["authority"].as_str(),
                list("services"), list("behaviours"), text(state, "created_at")?, state["disabled"].as_bool().unwrap_or(false),
                state["second_factor_secret"].as_str(), state["second_factor_confirmed"].as_bool().unwrap_or(false)],
        )?;
    }
    for (_, key, state) in newest.iter().filter(|(kind, _, _)| kind == "token") {
        let account: i64 =
            connection.query_row("SELECT id FROM accounts WHERE username = ?1", [text(state, "account")?], |row| row.get(0))?;
        connection.execute(
            "INSERT INTO tokens (id, account, secret_hash, label, created_at, revoked_at, expires_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            params![
                key.parse::<i64>().map_err(|_| refused("a token seal's key is not a number"))?,
                account,
                text(state, "secret_hash")?,
                text(state, "label")?,
                text(state, "created_at")?,
                state["revoked_at"].as_str(),
                number(state, "expires_at")?
            ],
        )?;
    }
    Ok(())
}
