//! The audit log: one entry per state change, each carrying a digest of the
//! ledger rows it wrote, as the leaves of a Merkle tree (RFC 9162). Changing,
//! removing or adding a ledger row or an entry breaks verification at the
//! entry concerned; a signed checkpoint (`checkpoint.rs`) lets anyone who
//! kept one prove that the log they see extends it.
//!
//! docs/audit-format.md specifies every hash computed here.

pub mod checkpoint;
pub(crate) mod proof;
pub mod rows;
pub(crate) mod seals;
pub(crate) mod verify;

use rusqlite::{Connection, OptionalExtension, params};
use serde::Serialize;
use sha2::Sha256;
use socred_log::merkle::Frontier;
use socred_log::{Encoder, Hash, from_hex, to_hex};

use crate::error::{Result, StoreError};

pub(crate) use proof::prove;
pub use proof::{InclusionProof, MAX_PROOF_ROWS, ProvenItem};
pub use rows::{LedgerRow, RowDigest};
pub use verify::LogHeads;
pub(crate) use verify::verify;

/// The hash before the first row of the access log and the check log.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// One audit entry as stored and shown.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AuditEntry {
    pub seq: i64,
    pub at: String,
    pub actor: String,
    pub action: String,
    pub subject: Option<String>,
    pub detail: serde_json::Value,
    /// The digest of the ledger rows the entry wrote.
    pub digest: String,
    /// The entry's leaf hash in the log's Merkle tree.
    pub hash: String,
}

/// The fields of an entry that its leaf hash covers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct EntryFields {
    pub seq: i64,
    pub at: String,
    pub actor: String,
    pub action: String,
    pub subject: Option<String>,
    pub detail: serde_json::Value,
    pub digest: String,
}

impl EntryFields {
    /// The entry's leaf hash: SHA-256 of 0x00 and the encoded entry.
    pub fn leaf(&self) -> Hash {
        let mut hasher = <Sha256 as sha2::Digest>::new();
        sha2::Digest::update(&mut hasher, [0u8]);
        Encoder::new(&mut hasher)
            .text("socred-audit-entry/2")
            .integer(self.seq)
            .text(&self.at)
            .text(&self.actor)
            .text(&self.action)
            .optional(self.subject.as_deref())
            .json(&self.detail)
            .text(&self.digest);
        sha2::Digest::finalize(hasher).into()
    }
}

/// The log's head as the transaction that appends holds it: the next
/// sequence number and the tree's right edge. Read and written under the
/// write lock (SQLite's IMMEDIATE transaction; `SELECT … FOR UPDATE` on a
/// server database), never derived from `MAX(seq)`.
fn read_frontier(connection: &Connection) -> Result<Frontier> {
    let (size, nodes): (i64, String) = connection
        .prepare_cached("SELECT size, nodes FROM log_head WHERE log = 'audit'")?
        .query_row([], |row| Ok((row.get(0)?, row.get(1)?)))?;
    let nodes: Option<Vec<Hash>> = nodes.as_bytes().chunks(64).map(|chunk| std::str::from_utf8(chunk).ok().and_then(from_hex)).collect();
    nodes
        .and_then(|nodes| Frontier::from_parts(size as u64, nodes))
        .ok_or_else(|| StoreError::AuditBroken("the stored head of the audit log is malformed".into()))
}

fn write_frontier(connection: &Connection, frontier: &Frontier, old_size: u64) -> Result<()> {
    let nodes: String = frontier.nodes().iter().map(to_hex).collect();
    let changed = connection
        .prepare_cached("UPDATE log_head SET size = ?1, nodes = ?2 WHERE log = 'audit' AND size = ?3")?
        .execute(params![frontier.size() as i64, nodes, old_size as i64])?;
    // The head moved under us: two appenders without the write lock.
    assert_eq!(changed, 1, "the audit head is written under the write lock");
    Ok(())
}

/// The next audit sequence number, reserved inside the write transaction.
pub(crate) fn next_seq(connection: &Connection) -> Result<i64> {
    Ok(read_frontier(connection)?.size() as i64 + 1)
}

/// Appends the entry `seq` (reserved with [`next_seq`]) to the log.
#[allow(clippy::too_many_arguments)]
pub(crate) fn append(
    connection: &Connection,
    seq: i64,
    at: &str,
    actor: &str,
    action: &str,
    subject: Option<&str>,
    detail: &serde_json::Value,
    digest: RowDigest,
) -> Result<String> {
    let mut frontier = read_frontier(connection)?;
    assert_eq!(frontier.size() as i64 + 1, seq, "entries are appended in the order their numbers were reserved");
    let fields = EntryFields {
        seq,
        at: at.to_string(),
        actor: actor.to_string(),
        action: action.to_string(),
        subject: subject.map(str::to_string),
        detail: detail.clone(),
        digest: digest.finish(),
    };
    let leaf = fields.leaf();
    connection.execute(
        "INSERT INTO audit (seq, at, actor, action, subject, detail, digest, hash) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        params![seq, at, actor, action, subject, socred_log::canonical_json(detail), fields.digest, to_hex(&leaf)],
    )?;
    let old_size = frontier.size();
    frontier.push(leaf);
    write_frontier(connection, &frontier, old_size)?;
    Ok(to_hex(&leaf))
}

/// The tree size and root hash of the audit log.
pub(crate) fn tree_head(connection: &Connection) -> Result<(u64, Hash)> {
    let frontier = read_frontier(connection)?;
    Ok((frontier.size(), frontier.root()))
}

/// What a successful verification saw.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct VerifyReport {
    pub entries: u64,
    pub ledger_rows: u64,
    /// The Merkle tree root over the entries, hex.
    pub root: String,
    /// Entries of the access log (reads of files), chained separately.
    pub accesses: u64,
    pub accesses_head: String,
    /// Entries of the check log (providers' decisions), chained in groups.
    pub checks: u64,
    pub check_groups: u64,
    pub checks_head: String,
    /// Accounts and tokens whose live rows matched their newest seal.
    pub accounts: u64,
    pub tokens: u64,
    /// The size of the earlier checkpoint this log was proved to extend.
    pub consistent_with: Option<u64>,
}

/// The hash of one access-log row, chained to the one before.
pub fn access_hash(prev: &str, seq: i64, at: &str, actor: &str, subject: &str, purpose: &str, what: &str) -> String {
    let mut hasher = <Sha256 as sha2::Digest>::new();
    Encoder::new(&mut hasher).text("socred-access/2").text(prev).integer(seq).text(at).text(actor).text(subject).text(purpose).text(what);
    hex::encode(sha2::Digest::finalize(hasher))
}

/// Appends a row to the access log, inside the caller's transaction.
pub(crate) fn log_access(
    connection: &Connection,
    at: &str,
    actor: &str,
    subject_key: i64,
    subject: &str,
    purpose: &str,
    what: &str,
) -> Result<()> {
    // The head is a row of its own, read and moved under the write lock.
    let (size, prev): (i64, String) = connection
        .prepare_cached("SELECT size, nodes FROM log_head WHERE log = 'accesses'")?
        .query_row([], |row| Ok((row.get(0)?, row.get(1)?)))?;
    let seq = size + 1;
    let hash = access_hash(&prev, seq, at, actor, subject, purpose, what);
    connection
        .prepare_cached(
            "INSERT INTO accesses (seq, at, actor, subject, purpose, what, prev, hash) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        )?
        .execute(params![seq, at, actor, subject_key, purpose, what, prev, hash])?;
    let moved = connection
        .prepare_cached("UPDATE log_head SET size = ?1, nodes = ?2 WHERE log = 'accesses' AND size = ?3")?
        .execute(params![seq, hash, size])?;
    assert_eq!(moved, 1, "the access head is written under the write lock");
    Ok(())
}

pub(crate) fn verify_accesses(connection: &Connection) -> Result<(u64, String)> {
    let mut statement = connection.prepare(
        "SELECT a.seq, a.at, a.actor, s.id, a.purpose, a.what, a.prev, a.hash FROM accesses a
         LEFT JOIN subjects s ON s.key = a.subject ORDER BY a.seq",
    )?;
    let mut rows = statement.query([])?;
    let mut prev = GENESIS.to_string();
    let mut expected = 1i64;
    while let Some(row) = rows.next()? {
        let seq: i64 = row.get(0)?;
        let (at, actor): (String, String) = (row.get(1)?, row.get(2)?);
        let subject: Option<String> = row.get(3)?;
        let (purpose, what, stored_prev, hash): (String, String, String, String) = (row.get(4)?, row.get(5)?, row.get(6)?, row.get(7)?);
        let subject = subject.ok_or_else(|| StoreError::AuditBroken(format!("access {seq} refers to a missing subject")))?;
        if seq != expected || stored_prev != prev || access_hash(&prev, seq, &at, &actor, &subject, &purpose, &what) != hash {
            return Err(StoreError::AuditBroken(format!("the access log was altered at entry {expected}")));
        }
        prev = hash;
        expected += 1;
    }
    Ok(((expected - 1) as u64, prev))
}

/// The newest audit entries, newest first, at most `limit`.
pub(crate) fn recent(connection: &Connection, subject: Option<&str>, limit: u32) -> Result<Vec<AuditEntry>> {
    let mut statement = connection.prepare(
        "SELECT seq, at, actor, action, subject, detail, digest, hash FROM audit
         WHERE ?1 IS NULL OR subject = ?1 ORDER BY seq DESC LIMIT ?2",
    )?;
    let rows = statement.query_map(params![subject, limit], |row| {
        let detail: String = row.get(5)?;
        Ok(AuditEntry {
            seq: row.get(0)?,
            at: row.get(1)?,
            actor: row.get(2)?,
            action: row.get(3)?,
            subject: row.get(4)?,
            detail: serde_json::from_str(&detail).unwrap_or(serde_json::Value::String(detail)),
            digest: row.get(6)?,
            hash: row.get(7)?,
        })
    })?;
    Ok(rows.collect::<Result<Vec<_>, _>>()?)
}

/// The number and leaf hash of the newest entry.
pub(crate) fn head(connection: &Connection) -> Result<(i64, String)> {
    Ok(connection
        .query_row("SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1", [], |row| Ok((row.get(0)?, row.get(1)?)))
        .optional()?
        .unwrap_or((0, GENESIS.to_string())))
}
