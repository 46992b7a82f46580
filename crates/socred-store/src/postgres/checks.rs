//! The check log on PostgreSQL: the same chained groups of packed checks as
//! the embedded store (docs/audit-format.md), appended by every server.
//!
//! Each server holds the checks it answered and appends them as one batch of
//! groups per commit (every 20 ms or 8,192 checks, see the server's writer),
//! so the check log's lock is taken once per batch, not per check: the hot
//! path of a check is the server's memory, and several servers take turns
//! at the lock a few dozen times a second each. The lock is the check log's
//! own (an advisory lock), not the audit log's: checks never wait for a
//! ledger write.

use postgres::Transaction;
use socred_core::SubjectId;

use super::PgStore;
use crate::MAX_PAGE;
use crate::audit::GENESIS;
use crate::checks::{CheckEntry, CheckLog, GROUP_ROWS, PackedChecks, group_checks_of, group_hash, pack_logs, page_of_checks};
use crate::error::{Result, StoreError};

/// The check log's write lock, held to the end of the appending transaction.
const CHECK_LOG_LOCK: i64 = 0x736f_6372_6564_0001;

/// How long a batch waits for the check log's lock before it fails (and is retried).
const CHECK_LOCK_WAIT_MS: u64 = 5_000;

/// Subjects looked up in one statement when checks name them by id.
const LOOKUP_SUBJECTS: usize = 10_000;

/// Appends `checks` as groups chained to the newest, and indexes which
/// groups name which subjects, in `transaction`.
pub(crate) fn append_groups(transaction: &mut Transaction<'_>, checks: &PackedChecks) -> Result<()> {
    // A batch that cannot take the lock soon fails, and the server stops
    // answering checks until it can: answered checks must not pile up unlogged.
    transaction.batch_execute(&format!("SET LOCAL lock_timeout = '{}ms'", CHECK_LOCK_WAIT_MS))?;
    transaction.execute("SELECT pg_advisory_xact_lock($1)", &[&CHECK_LOG_LOCK])?;
    let (mut grp, mut next_seq, mut prev): (i64, i64, String) = transaction
        .query_opt("SELECT grp, first_seq + rows, hash FROM check_groups ORDER BY grp DESC LIMIT 1", &[])?
        .map_or((0, 1, GENESIS.to_string()), |row| (row.get(0), row.get(1), row.get(2)));
    let insert =
        transaction.prepare("INSERT INTO check_groups (grp, first_seq, rows, data, prev, hash) VALUES ($1, $2, $3, $4, $5, $6)")?;
    for group in checks.groups()? {
        debug_assert!((1..=GROUP_ROWS as i64).contains(&group.rows));
        grp += 1;
        let hash = group_hash(&prev, grp, next_seq, group.rows, group.data);
        transaction.execute(&insert, &[&grp, &next_seq, &group.rows, &group.data, &prev, &hash])?;
        index_group(transaction, grp, &group.subjects)?;
        next_seq += group.rows;
        prev = hash;
    }
    Ok(())
}

/// Which subjects (by number) a group names, for "who asked about me".
pub(crate) fn index_group(transaction: &mut Transaction<'_>, grp: i64, numbers: &[i64]) -> Result<()> {
    let indexed = transaction.execute(
        "INSERT INTO check_subjects (subject, grp) SELECT s.subject, $1 FROM subjects s WHERE s.number = ANY($2)",
        &[&grp, &numbers],
    )?;
    if indexed as usize != numbers.len() {
        return Err(StoreError::Corrupt(format!("check group {grp} names a subject number no subject has")));
    }
    Ok(())
}

impl PgStore {
    /// Logs checks as one batch of groups, hash-chained to the previous group.
    pub fn log_checks(&self, logs: &[CheckLog]) -> Result<()> {
        let mut numbers = std::collections::HashMap::new();
        let unknown: Vec<&str> = logs.iter().filter(|log| log.subject_key.is_none()).map(|log| log.subject.as_str()).collect();
        let mut connection = self.connection()?;
        for chunk in unknown.chunks(LOOKUP_SUBJECTS) {
            for row in connection.query("SELECT subject, number FROM subjects WHERE subject = ANY($1)", &[&chunk])? {
                numbers.insert(row.get::<_, String>(0), row.get::<_, i64>(1));
            }
        }
        drop(connection);
        let packed = pack_logs(logs, |subject| {
            numbers.get(subject.as_str()).copied().ok_or_else(|| StoreError::UnknownSubject(subject.to_string()))
        })?;
        self.log_packed_checks(&packed)
    }

    /// Logs checks packed by subject number, in one transaction.
    pub fn log_packed_checks(&self, checks: &PackedChecks) -> Result<()> {
        if checks.is_empty() {
            return Ok(());
        }
        let mut connection = self.connection()?;
        let mut transaction = connection.transaction()?;
        append_groups(&mut transaction, checks)?;
        transaction.commit()?;
        Ok(())
    }

    /// Every check about a subject, newest first (at most a page), from the
    /// groups the index names, newest group first.
    pub fn checks_of(&self, id: &SubjectId) -> Result<Vec<CheckEntry>> {
        let mut connection = self.read_connection()?;
        let number: i64 = connection
            .query_opt("SELECT number FROM subjects WHERE subject = $1", &[&id.as_str()])?
            .ok_or_else(|| StoreError::UnknownSubject(id.to_string()))?
            .get(0);
        let groups = connection.prepare(
            "SELECT g.first_seq, g.rows, g.data FROM check_subjects c JOIN check_groups g ON g.grp = c.grp
             WHERE c.subject = $1 ORDER BY c.grp DESC LIMIT $2",
        )?;
        let mut found = Vec::new();
        // A group holds at least one of the subject's checks: a page of groups holds at least a page of checks.
        for group in connection.query(&groups, &[&id.as_str(), &i64::from(MAX_PAGE)])? {
            found.extend(group_checks_of(group.get(2), group.get(1), group.get(0), number)?);
            if found.len() >= MAX_PAGE as usize {
                break;
            }
        }
        page_of_checks(found)
    }
}
