//! The embedded store's audit, access and check-log tables: appends under
//! the write lock, the heads, the newest entries, inclusion proofs and the
//! proof that the store extends a checkpoint. The format they hold is
//! `crate::audit`'s (docs/audit-format.md).

use rusqlite::{Connection, OptionalExtension, params};
use socred_log::merkle::Frontier;
use socred_log::{Hash, from_hex, to_hex};

use super::verify::{entry_fields, for_each_entry_rows};
use crate::audit::checkpoint::extends;
use crate::audit::proof::assemble;
use crate::audit::{AuditEntry, EntryFields, GENESIS, InclusionProof, LedgerRow, LogHeads, ProvenItem, RowDigest, access_hash};
use crate::error::{Result, StoreError};

/// The log's head as the transaction that appends holds it: the next
/// sequence number and the tree's right edge. Read and written under the
/// write lock (SQLite's IMMEDIATE transaction), never derived from `MAX(seq)`.
pub(super) fn read_frontier(connection: &Connection) -> Result<Frontier> {
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

/// The heads as the store holds them now (no verification).
pub(crate) fn current_heads(connection: &Connection) -> Result<LogHeads> {
    let (size, root) = tree_head(connection)?;
    let (accesses, accesses_head): (i64, String) =
        connection.query_row("SELECT size, nodes FROM log_head WHERE log = 'accesses'", [], |row| Ok((row.get(0)?, row.get(1)?)))?;
    let (check_groups, checks, checks_head) = connection
        .query_row("SELECT grp, first_seq + rows - 1, hash FROM check_groups ORDER BY grp DESC LIMIT 1", [], |row| {
            Ok((row.get::<_, i64>(0)?, row.get::<_, i64>(1)?, row.get::<_, String>(2)?))
        })
        .optional()?
        .unwrap_or((0, 0, GENESIS.to_string()));
    Ok(LogHeads {
        size,
        root,
        accesses: accesses as u64,
        accesses_head,
        check_groups: check_groups as u64,
        checks: checks as u64,
        checks_head,
    })
}

/// Proves that the store, whose verified entries have `leaves` and whose
/// verified heads are `now`, extends the heads of an earlier checkpoint:
/// the audit tree by an RFC 9162 consistency proof, the access and check
/// chains by finding the old head at its old position.
pub(crate) fn prove_extends(connection: &Connection, leaves: &[Hash], now: &LogHeads, old: &LogHeads) -> Result<()> {
    extends(
        leaves,
        now,
        old,
        |seq| Ok(connection.query_row("SELECT hash FROM accesses WHERE seq = ?1", [seq], |row| row.get(0)).optional()?),
        |grp| {
            Ok(connection
                .query_row("SELECT first_seq + rows - 1, hash FROM check_groups WHERE grp = ?1", [grp], |row| {
                    Ok((row.get(0)?, row.get(1)?))
                })
                .optional()?)
        },
    )
}

/// Finds the entry that wrote `item` and builds its proof against a tree of
/// `heads.size` entries, whose signed checkpoint is `checkpoint`.
pub(crate) fn prove(connection: &Connection, item: &ProvenItem, heads: &LogHeads, checkpoint: String) -> Result<InclusionProof> {
    let seq: Option<i64> = match item {
        ProvenItem::Record { record_id } => {
            connection.query_row("SELECT audit_seq FROM records WHERE record_id = ?1", [record_id], |row| row.get(0)).optional()?
        }
        ProvenItem::Event { case, event } => connection
            .query_row("SELECT audit_seq FROM events WHERE case_key = ?1 AND kind = ?2 ORDER BY seq LIMIT 1", [case, event], |row| {
                row.get(0)
            })
            .optional()?,
    };
    let seq = seq.ok_or_else(|| StoreError::NotFound("the record or event".into()))?;
    if seq as u64 > heads.size {
        return Err(StoreError::NotFound("the item was recorded after the checkpoint".into()));
    }
    let mut found: Option<(EntryFields, Vec<LedgerRow>)> = None;
    // One ordered pass, stopped at the entry.
    for_each_entry_rows(connection, |entry, entry_seq, rows| {
        if entry_seq < seq {
            return Ok(true);
        }
        let digest: String = entry.get(6)?;
        found = Some((entry_fields(entry, digest)?, rows));
        Ok(false)
    })?;
    let (entry, rows) = found.ok_or_else(|| StoreError::NotFound(format!("audit entry {seq}")))?;
    let leaves: Vec<Hash> = {
        let mut statement = connection.prepare("SELECT hash FROM audit WHERE seq <= ?1 ORDER BY seq")?;
        let hashes = statement.query_map([heads.size as i64], |row| row.get::<_, String>(0))?;
        let mut leaves = Vec::new();
        for hash in hashes {
            leaves.push(from_hex(&hash?).ok_or_else(|| StoreError::AuditBroken("a stored leaf hash is malformed".into()))?);
        }
        leaves
    };
    assemble(item, entry, rows, &leaves, heads, checkpoint)
}
