//! The log on PostgreSQL: the write lock and the append, the heads, signed
//! checkpoints and `audit verify` (every entry's digest rebuilt from its rows,
//! the Merkle root, the access and check chains), in one snapshot.

use postgres::{GenericClient, IsolationLevel, Transaction};
use sha2::{Digest, Sha256};
use socred_log::merkle::Frontier;
use socred_log::{Hash, SigningKey, from_hex, to_hex};

use super::{EntryRows, PgStore, rows};
use crate::audit::rows::json_value;
use crate::audit::{AuditEntry, EntryFields, GENESIS, LedgerRow, LogHeads, RowDigest, VerifyReport, access_hash};
use crate::checks::{GROUP_ROWS, group_decodes, group_hash};
use crate::error::{Result, StoreError};
use crate::{Actor, SubjectId};

fn broken(what: impl Into<String>) -> StoreError {
    StoreError::AuditBroken(what.into())
}

fn frontier_of(size: i64, nodes: &str) -> Result<Frontier> {
    let nodes: Option<Vec<Hash>> = nodes.as_bytes().chunks(64).map(|chunk| std::str::from_utf8(chunk).ok().and_then(from_hex)).collect();
    nodes.and_then(|nodes| Frontier::from_parts(size as u64, nodes)).ok_or_else(|| broken("the stored head of the audit log is malformed"))
}

/// The log's write lock, held from `lock` to the transaction's end: the head
/// row is locked `FOR UPDATE`, so writers in every process append in turn.
pub(crate) struct Writer {
    frontier: Frontier,
    /// The newest rulebook version, read with the lock (one round trip).
    rulebook_seq: i64,
}

impl Writer {
    pub fn lock(transaction: &mut impl GenericClient) -> Result<Writer> {
        let row = transaction
            .query_one("SELECT size, nodes, (SELECT max(seq) FROM rulebooks) FROM log_head WHERE log = 'audit' FOR UPDATE", &[])?;
        Ok(Writer { frontier: frontier_of(row.get(0), row.get(1))?, rulebook_seq: row.get::<_, Option<i64>>(2).unwrap_or(0) })
    }

    /// Refuses a write prepared under rulebook version `seq` when a newer one
    /// was activated since: its checks and derived rows would follow the old one.
    pub fn refuse_if_stale(&self, seq: i64) -> Result<()> {
        if self.rulebook_seq != seq {
            return Err(StoreError::Conflict(
                "a new rulebook version was activated while this write was prepared under the old one; send it again".into(),
            ));
        }
        Ok(())
    }

    /// The number of the entry this transaction appends.
    pub fn seq(&self) -> i64 {
        self.frontier.size() as i64 + 1
    }

    pub fn append(
        &mut self,
        transaction: &mut impl GenericClient,
        actor: &Actor,
        action: &str,
        subject: Option<&str>,
        detail: &serde_json::Value,
        rows: EntryRows,
    ) -> Result<String> {
        let seq = self.seq();
        assert_eq!(rows.seq, seq, "rows are written under the entry whose number the lock reserved");
        let (fields, touched) = rows.finish(|digest| EntryFields {
            seq,
            at: actor.at_text(),
            actor: actor.name().to_string(),
            action: action.to_string(),
            subject: subject.map(str::to_string),
            detail: detail.clone(),
            digest,
        });
        let leaf = fields.leaf();
        insert_entry(transaction, &fields, &leaf)?;
        self.frontier.push(leaf);
        let nodes: String = self.frontier.nodes().iter().map(to_hex).collect();
        let moved = transaction
            .execute("UPDATE log_head SET size = $1, nodes = $2 WHERE log = 'audit' AND size = $3", &[&(seq), &nodes, &(seq - 1)])?;
        assert_eq!(moved, 1, "the audit head is moved under the write lock");
        super::changes::record(transaction, seq, touched)?;
        Ok(to_hex(&leaf))
    }
}

pub(crate) fn insert_entry(transaction: &mut impl GenericClient, fields: &EntryFields, leaf: &Hash) -> Result<()> {
    transaction.execute(
        "INSERT INTO audit (seq, at, actor, action, subject, detail, digest, hash) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        &[
            &fields.seq,
            &fields.at,
            &fields.actor,
            &fields.action,
            &fields.subject,
            &socred_log::canonical_json(&fields.detail),
            &fields.digest,
            &to_hex(leaf),
        ],
    )?;
    Ok(())
}

/// The heads as stored now (no verification).
pub(crate) fn current_heads(client: &mut impl postgres::GenericClient) -> Result<LogHeads> {
    let audit = client.query_one("SELECT size, nodes FROM log_head WHERE log = 'audit'", &[])?;
    let frontier = frontier_of(audit.get(0), audit.get(1))?;
    let accesses = client.query_one("SELECT size, nodes FROM log_head WHERE log = 'accesses'", &[])?;
    let checks = client.query_opt("SELECT grp, first_seq + rows - 1, hash FROM check_groups ORDER BY grp DESC LIMIT 1", &[])?;
    let (check_groups, checks, checks_head) = match checks {
        Some(row) => (row.get::<_, i64>(0), row.get::<_, i64>(1), row.get::<_, String>(2)),
        None => (0, 0, GENESIS.to_string()),
    };
    Ok(LogHeads {
        size: frontier.size(),
        root: frontier.root(),
        accesses: accesses.get::<_, i64>(0) as u64,
        accesses_head: accesses.get(1),
        check_groups: check_groups as u64,
        checks: checks as u64,
        checks_head,
    })
}

/// Rows fetched at a time by the verifying scans.
const SCAN_ROWS: i32 = 10_000;

impl PgStore {
    pub fn log_heads(&self) -> Result<LogHeads> {
        current_heads(&mut **self.connection()?)
    }

    /// The current heads as a checkpoint signed with `key` at `time` (RFC 3339).
    pub fn sign_checkpoint(&self, key: &SigningKey, time: &str) -> Result<String> {
        Ok(crate::audit::checkpoint::sign(key, &self.origin, &self.log_heads()?, time))
    }

    /// The newest audit entries, newest first, at most `limit`.
    pub fn audit_recent(&self, subject: Option<&SubjectId>, limit: u32) -> Result<Vec<AuditEntry>> {
        let subject = subject.map(|id| id.as_str().to_string());
        let rows = self.connection()?.query(
            "SELECT seq, at, actor, action, subject, detail, digest, hash FROM audit WHERE $1::text IS NULL OR subject = $1
             ORDER BY seq DESC LIMIT $2",
            &[&subject, &i64::from(limit.min(crate::MAX_PAGE))],
        )?;
        Ok(rows
            .iter()
            .map(|row| AuditEntry {
                seq: row.get(0),
                at: row.get(1),
                actor: row.get(2),
                action: row.get(3),
                subject: row.get(4),
                detail: json_value(row.get(5)),
                digest: row.get(6),
                hash: row.get(7),
            })
            .collect())
    }

    pub fn audit_verify(&self) -> Result<VerifyReport> {
        self.audit_verify_against(None)
    }

    /// Verifies everything the log covers, in one snapshot, and with
    /// `earlier` proves that the store extends a checkpoint kept before.
    pub fn audit_verify_against(&self, earlier: Option<&LogHeads>) -> Result<VerifyReport> {
        let mut connection = self.connection()?;
        let mut transaction = connection.build_transaction().isolation_level(IsolationLevel::RepeatableRead).read_only(true).start()?;
        let (mut report, leaves) = verify_entries(&mut transaction, None)?;
        verify_keys(&mut transaction)?;
        verify_settings(&mut transaction)?;
        verify_evidence(&mut transaction)?;
        (report.accesses, report.accesses_head) = verify_accesses(&mut transaction)?;
        (report.checks, report.check_groups, report.checks_head) = verify_checks(&mut transaction)?;
        (report.accounts, report.tokens) = super::accounts::verify_seals(&mut transaction)?;
        // The derived entries follow the version in force in this snapshot, whichever this handle loaded.
        let mut current = self.clone();
        if super::rulebooks::newest_seq(&mut transaction)? != self.rulebook_seq {
            let (rulebook, seq) = super::load_active_rulebook(&mut transaction)?;
            (current.rulebook, current.rulebook_seq) = (std::sync::Arc::new(rulebook), seq);
        }
        super::entries::verify(&current, &mut transaction)?;
        let now = verified_heads(&mut transaction, &report)?;
        if let Some(earlier) = earlier {
            prove_extends(&mut transaction, &leaves, &now, earlier)?;
            report.consistent_with = Some(earlier.size);
        }
        transaction.commit()?;
        Ok(report)
    }
}

/// The stored heads, which must be those just recomputed from the rows.
pub(crate) fn verified_heads(transaction: &mut Transaction<'_>, report: &VerifyReport) -> Result<LogHeads> {
    let now = current_heads(transaction)?;
    if (now.size, now.root) != (report.entries, from_hex(&report.root).expect("a root we wrote")) {
        return Err(broken("the stored head is not the root of the entries stored"));
    }
    if (now.accesses, &now.accesses_head) != (report.accesses, &report.accesses_head) {
        return Err(broken("the stored head of the access log is not its newest row"));
    }
    if (now.check_groups, now.checks, &now.checks_head) != (report.check_groups, report.checks, &report.checks_head) {
        return Err(broken("the stored head of the check log is not its newest group"));
    }
    Ok(now)
}

/// Every entry's digest rebuilt from the rows that name it, its leaf from
/// its fields, and the tree from the leaves.
/// Each verified entry, with its leaf hash and its rows (for an export).
pub(crate) type EntryVisitor<'v> = &'v mut dyn FnMut(&EntryFields, &Hash, Vec<LedgerRow>) -> Result<()>;

pub(crate) fn verify_entries(transaction: &mut Transaction<'_>, mut visit: Option<EntryVisitor<'_>>) -> Result<(VerifyReport, Vec<Hash>)> {
    let entries = transaction.bind("SELECT seq, at, actor, action, subject, detail, digest, hash FROM audit ORDER BY seq", &[])?;
    let ledger = transaction.bind(rows::LEDGER_SCAN, &[])?;
    let mut pending_rows: std::collections::VecDeque<(i64, String)> = Default::default();
    let mut rows_done = false;
    let mut leaves = Vec::new();
    let mut frontier = Frontier::default();
    let mut ledger_rows = 0u64;
    loop {
        let batch = transaction.query_portal(&entries, SCAN_ROWS)?;
        if batch.is_empty() {
            break;
        }
        for entry in batch {
            let seq: i64 = entry.get(0);
            if seq != frontier.size() as i64 + 1 {
                return Err(broken(format!("entry {} is missing", frontier.size() + 1)));
            }
            let mut digest = RowDigest::default();
            let mut rows_of_entry = Vec::new();
            loop {
                if pending_rows.is_empty() && !rows_done {
                    let more = transaction.query_portal(&ledger, SCAN_ROWS)?;
                    rows_done = more.is_empty();
                    pending_rows.extend(more.iter().map(|row| (row.get::<_, i64>(0), row.get::<_, String>(2))));
                }
                match pending_rows.front() {
                    Some((row_seq, _)) if *row_seq < seq => {
                        return Err(broken(format!("a ledger row names entry {row_seq}, which did not write it")));
                    }
                    Some((row_seq, _)) if *row_seq == seq => {
                        let (_, json) = pending_rows.pop_front().expect("a front row");
                        let row: LedgerRow =
                            serde_json::from_str(&json).map_err(|e| broken(format!("entry {seq}: a row of it does not read: {e}")))?;
                        digest.add(&row);
                        ledger_rows += 1;
                        if visit.is_some() {
                            rows_of_entry.push(row);
                        }
                    }
                    _ => break,
                }
            }
            let fields = EntryFields {
                seq,
                at: entry.get(1),
                actor: entry.get(2),
                action: entry.get(3),
                subject: entry.get(4),
                detail: json_value(entry.get(5)),
                digest: entry.get(6),
            };
            if digest.finish() != fields.digest {
                return Err(broken(format!("entry {seq}: the ledger rows it wrote were changed, added or removed")));
            }
            let leaf = fields.leaf();
            if Some(leaf) != from_hex(entry.get(7)) {
                return Err(broken(format!("entry {seq} was altered")));
            }
            if let Some(visit) = visit.as_mut() {
                visit(&fields, &leaf, std::mem::take(&mut rows_of_entry))?;
            }
            frontier.push(leaf);
            leaves.push(leaf);
        }
    }
    if pending_rows.front().is_some() || !rows_done && !transaction.query_portal(&ledger, 1)?.is_empty() {
        return Err(broken("ledger rows name entries beyond the newest"));
    }
    let report = VerifyReport {
        entries: frontier.size(),
        ledger_rows,
        root: to_hex(&frontier.root()),
        accesses: 0,
        accesses_head: GENESIS.to_string(),
        checks: 0,
        check_groups: 0,
        checks_head: GENESIS.to_string(),
        accounts: 0,
        tokens: 0,
        consistent_with: None,
    };
    Ok((report, leaves))
}

/// Columns that reads depend on but the row digest does not cover must agree
/// with what it covers: the order numbers of records, events and rulebook
/// versions follow the log, the id indexes match their tables, a void or a
/// report event lies in the file of what it names, and the counters are
/// ahead of every number given out.
const KEY_CHECKS: [(&str, &str); 10] = [
    (
        "SELECT count(*) FROM (SELECT seq, lag(seq) OVER (ORDER BY audit_seq, ordinal) AS previous FROM records) x WHERE previous >= seq",
        "the order of records was changed",
    ),
    (
        "SELECT count(*) FROM (SELECT seq, lag(seq) OVER (ORDER BY audit_seq, ordinal) AS previous FROM events) x WHERE previous >= seq",
        "the order of due-process events was changed",
    ),
    (
        "SELECT count(*) FROM (SELECT seq, lag(seq) OVER (ORDER BY audit_seq, ordinal) AS previous FROM rulebooks) x WHERE previous >= seq",
        "the order of rulebook versions was changed",
    ),
    (
        "SELECT count(*) FROM rulebook_entries e LEFT JOIN rulebooks r ON r.seq = e.rulebook_seq WHERE r.seq IS NULL",
        "a carried-over entry names no rulebook version",
    ),
    (
        "SELECT count(*) FROM records r FULL JOIN record_ids i ON i.record_id = r.record_id AND i.subject = r.subject
         WHERE r.record_id IS NULL OR i.record_id IS NULL",
        "the index of record ids does not match the records",
    ),
    (
        "SELECT count(*) FROM voids v LEFT JOIN records r ON r.subject = v.subject AND r.record_id = v.record_id WHERE r.record_id IS NULL",
        "a void is not in the file of the record it voids",
    ),
    (
        "SELECT count(*) FROM reports r FULL JOIN report_ids i ON i.report_id = r.report_id AND i.subject = r.subject
         WHERE r.report_id IS NULL OR i.report_id IS NULL",
        "the index of report ids does not match the reports",
    ),
    (
        "SELECT count(*) FROM report_events e LEFT JOIN reports r ON r.subject = e.subject AND r.report_id = e.report_id WHERE r.report_id IS NULL",
        "a report event is not in the file of its report",
    ),
    (
        "SELECT count(*) FROM log_head h WHERE (h.log = 'records' AND h.size < (SELECT coalesce(max(seq), 0) FROM records))
         OR (h.log = 'events' AND h.size < (SELECT coalesce(max(seq), 0) FROM events))
         OR (h.log = 'subjects' AND h.size < (SELECT coalesce(max(number), 0) FROM subjects))",
        "a counter of the store is behind the numbers it gave out",
    ),
    (
        "SELECT count(*) FROM log_head WHERE log NOT IN ('audit', 'accesses', 'subjects', 'records', 'events')",
        "the store's heads hold a row socred never writes",
    ),
];

pub(crate) fn verify_keys(transaction: &mut Transaction<'_>) -> Result<()> {
    for (sql, what) in KEY_CHECKS {
        let wrong: i64 = transaction.query_one(sql, &[])?.get(0);
        if wrong > 0 {
            return Err(broken(format!("{what} ({wrong} rows)")));
        }
    }
    Ok(())
}

/// Streams the rows of `sql` through `visit`, a batch at a time.
pub(crate) fn each_row(transaction: &mut Transaction<'_>, sql: &str, mut visit: impl FnMut(&postgres::Row) -> Result<()>) -> Result<()> {
    let portal = transaction.bind(sql, &[])?;
    loop {
        let batch = transaction.query_portal(&portal, 1_000)?;
        if batch.is_empty() {
            return Ok(());
        }
        for row in &batch {
            visit(row)?;
        }
    }
}

/// The store's settings are those its first entry, `store.init`, recorded.
pub(crate) fn verify_settings(transaction: &mut Transaction<'_>) -> Result<()> {
    let Some(first) = transaction.query_opt("SELECT action, detail FROM audit WHERE seq = 1", &[])? else { return Ok(()) };
    if first.get::<_, &str>(0) != "store.init" {
        return Err(broken("entry 1 is not the store's creation"));
    }
    let detail = json_value(first.get(1));
    for key in ["origin", "dating", "utc_offset"] {
        let stored: Option<String> = transaction.query_opt("SELECT value FROM meta WHERE key = $1", &[&key])?.map(|row| row.get(0));
        if stored.as_deref() != detail[key].as_str() {
            return Err(broken(format!("the store's setting `{key}` is not the one its creation recorded")));
        }
    }
    Ok(())
}

pub(crate) fn verify_evidence(transaction: &mut Transaction<'_>) -> Result<()> {
    each_row(transaction, "SELECT hash, bytes, data FROM evidence ORDER BY audit_seq, ordinal", |row| {
        let (hash, bytes, data): (String, i64, &[u8]) = (row.get(0), row.get(1), row.get(2));
        if hex::encode(Sha256::digest(data)) != hash || data.len() as i64 != bytes {
            return Err(broken(format!("evidence {hash}: its stored bytes were changed")));
        }
        Ok(())
    })
}

pub(crate) fn verify_accesses(transaction: &mut Transaction<'_>) -> Result<(u64, String)> {
    let scan = transaction.bind("SELECT seq, at, actor, subject, purpose, what, prev, hash FROM accesses ORDER BY seq", &[])?;
    let (mut prev, mut expected) = (GENESIS.to_string(), 1i64);
    loop {
        let batch = transaction.query_portal(&scan, SCAN_ROWS)?;
        if batch.is_empty() {
            return Ok(((expected - 1) as u64, prev));
        }
        for row in batch {
            let seq: i64 = row.get(0);
            let (at, actor, subject, purpose, what): (&str, &str, &str, &str, &str) =
                (row.get(1), row.get(2), row.get(3), row.get(4), row.get(5));
            let (stored_prev, hash): (String, String) = (row.get(6), row.get(7));
            if seq != expected || stored_prev != prev || access_hash(&prev, seq, at, actor, subject, purpose, what) != hash {
                return Err(broken(format!("the access log was altered at entry {expected}")));
            }
            prev = hash;
            expected += 1;
        }
    }
}

/// The check log's chain, and the index of its groups by subject, which
/// must name exactly the subjects each group holds ("who asked about me"
/// reads the log through it).
pub(crate) fn verify_checks(transaction: &mut Transaction<'_>) -> Result<(u64, u64, String)> {
    let scan = transaction.bind("SELECT grp, first_seq, rows, data, prev, hash FROM check_groups ORDER BY grp", &[])?;
    let (mut prev, mut expected_grp, mut expected_seq) = (GENESIS.to_string(), 1i64, 1i64);
    let mut in_groups = Sha256::new();
    loop {
        let batch = transaction.query_portal(&scan, 1_000)?;
        if batch.is_empty() {
            let mut in_index = Sha256::new();
            each_row(
                transaction,
                "SELECT c.grp, coalesce(s.number, -1) FROM check_subjects c LEFT JOIN subjects s ON s.subject = c.subject ORDER BY 1, 2",
                |row| {
                    in_index.update(row.get::<_, i64>(0).to_le_bytes());
                    in_index.update(row.get::<_, i64>(1).to_le_bytes());
                    Ok(())
                },
            )?;
            if in_index.finalize() != in_groups.finalize() {
                return Err(broken("the index of checks by subject does not match the check log"));
            }
            return Ok(((expected_seq - 1) as u64, (expected_grp - 1) as u64, prev));
        }
        for group in batch {
            let (grp, first, rows): (i64, i64, i64) = (group.get(0), group.get(1), group.get(2));
            let (data, stored_prev, hash): (Vec<u8>, String, String) = (group.get(3), group.get(4), group.get(5));
            if grp != expected_grp || first != expected_seq || stored_prev != prev || !(1..=GROUP_ROWS as i64).contains(&rows) {
                return Err(broken(format!("the check log was altered at group {expected_grp}")));
            }
            if group_hash(&prev, grp, first, rows, &data) != hash || !group_decodes(&data, rows) {
                return Err(broken(format!("the check log was altered in group {grp}")));
            }
            for number in crate::checks::group_subjects(&data, rows)? {
                in_groups.update(grp.to_le_bytes());
                in_groups.update(number.to_le_bytes());
            }
            prev = hash;
            expected_grp += 1;
            expected_seq = first + rows;
        }
    }
}

/// The store extends the heads of an earlier checkpoint (the rule of
/// `audit::checkpoint::extends`, read from this database).
fn prove_extends(transaction: &mut Transaction<'_>, leaves: &[Hash], now: &LogHeads, old: &LogHeads) -> Result<()> {
    let mut access = None;
    if old.accesses > 0 {
        access = transaction.query_opt("SELECT hash FROM accesses WHERE seq = $1", &[&(old.accesses as i64)])?.map(|row| row.get(0));
    }
    let mut group = None;
    if old.check_groups > 0 {
        group = transaction
            .query_opt("SELECT first_seq + rows - 1, hash FROM check_groups WHERE grp = $1", &[&(old.check_groups as i64)])?
            .map(|row| (row.get(0), row.get(1)));
    }
    crate::audit::checkpoint::extends(leaves, now, old, |_| Ok(access), |_| Ok(group))
}

impl PgStore {
    /// A fingerprint of the ledger: its newest entry and every ledger table's
    /// row count (tests compare it before and after a refused request).
    pub fn ledger_fingerprint(&self) -> Result<String> {
        let mut connection = self.connection()?;
        // The receipt of a batch refused whole records the refusal, not a change to the ledger.
        let entries = connection.query_one(
            "SELECT count(*), coalesce((SELECT hash FROM audit WHERE action <> 'partner.batch.refused' ORDER BY seq DESC LIMIT 1), '')
             FROM audit WHERE action <> 'partner.batch.refused'",
            &[],
        )?;
        let (size, head): (i64, String) = (entries.get(0), entries.get(1));
        let mut counts = Vec::new();
        for table in [
            "subjects",
            "links",
            "records",
            "voids",
            "events",
            "reports",
            "report_events",
            "evidence",
            "pending_records",
            "pending_decisions",
            "accounts",
            "tokens",
            "accesses",
            "check_groups",
        ] {
            let count: i64 = connection.query_one(&format!("SELECT count(*) FROM {table}"), &[])?.get(0);
            counts.push(format!("{table}={count}"));
        }
        Ok(format!("{size} {head} {}", counts.join(" ")))
    }
}
