//! The change feed on PostgreSQL: what every server follows to keep its
//! in-memory state (the check index, cached summaries) with the ledger that
//! other servers write. Each write records the subjects it changed under its
//! entry's number and notifies `socred_changes` at commit (NOTIFY is
//! transactional: a follower is woken only by committed writes); a follower
//! reads the rows after its cursor, so a notification lost to a reconnect
//! delays it until the next one or its poll, and never loses a change.

use std::collections::HashSet;
use std::time::Duration;

use postgres::GenericClient;
use postgres::fallible_iterator::FallibleIterator;
use socred_core::SubjectId;

use super::PgStore;
use crate::changes::{CHANGES_KEPT, MAX_CHANGED_SUBJECTS};
use crate::error::{Result, StoreError};

/// The channel every write notifies, with its entry's number as payload.
pub const CHANGES_CHANNEL: &str = "socred_changes";

/// Entries between two prunings of the feed.
const PRUNE_EVERY: i64 = 4_096;

/// Inside the write's transaction, after its entry `seq` is appended.
pub(crate) fn record(transaction: &mut impl GenericClient, seq: i64, touched: Option<HashSet<String>>) -> Result<()> {
    let subjects: Vec<String> = match touched {
        Some(touched) => touched.into_iter().collect(),
        // Too many to name: '' tells followers to reload everything.
        None => vec![String::new()],
    };
    if !subjects.is_empty() {
        transaction.execute("INSERT INTO changes (audit_seq, subject) SELECT $1, unnest($2::text[])", &[&seq, &subjects])?;
        transaction.execute("SELECT pg_notify($1, $2)", &[&CHANGES_CHANNEL, &seq.to_string()])?;
    }
    if seq % PRUNE_EVERY == 0 {
        transaction.execute("DELETE FROM changes WHERE audit_seq <= $1", &[&(seq - CHANGES_KEPT)])?;
    }
    Ok(())
}

/// What changed after a cursor.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Changed {
    /// These subjects, up to the new cursor.
    Subjects { subjects: Vec<SubjectId>, cursor: i64 },
    /// More than a follower should reload one by one, or older than the
    /// feed keeps: reload everything, then follow from `cursor`.
    Everything { cursor: i64 },
}

impl PgStore {
    /// The newest entry number: where a follower that has just loaded
    /// everything starts.
    pub fn changes_cursor(&self) -> Result<i64> {
        Ok(self.connection()?.query_one("SELECT size FROM log_head WHERE log = 'audit'", &[])?.get(0))
    }

    /// The subjects whose files changed after entry `cursor`.
    pub fn changes_since(&self, cursor: i64) -> Result<Changed> {
        let mut connection = self.connection()?;
        let mut transaction =
            connection.build_transaction().isolation_level(postgres::IsolationLevel::RepeatableRead).read_only(true).start()?;
        let head: i64 = transaction.query_one("SELECT size FROM log_head WHERE log = 'audit'", &[])?.get(0);
        let oldest: Option<i64> = transaction.query_one("SELECT min(audit_seq) FROM changes", &[])?.get(0);
        if head - cursor > CHANGES_KEPT || oldest.is_some_and(|oldest| oldest > cursor + 1 && cursor + CHANGES_KEPT < head) {
            return Ok(Changed::Everything { cursor: head });
        }
        let rows = transaction.query(
            "SELECT DISTINCT subject FROM changes WHERE audit_seq > $1 AND audit_seq <= $2 LIMIT $3",
            &[&cursor, &head, &(MAX_CHANGED_SUBJECTS as i64 + 1)],
        )?;
        if rows.len() > MAX_CHANGED_SUBJECTS || rows.iter().any(|row| row.get::<_, &str>(0).is_empty()) {
            return Ok(Changed::Everything { cursor: head });
        }
        let subjects = rows
            .iter()
            .map(|row| {
                let id: &str = row.get(0);
                SubjectId::parse(id).map_err(|e| StoreError::Corrupt(format!("the change feed names {id:?}: {e}")))
            })
            .collect::<Result<Vec<_>>>()?;
        transaction.commit()?;
        Ok(Changed::Subjects { subjects, cursor: head })
    }

    /// A connection of its own that listens on the change feed's channel.
    pub fn listen(&self) -> Result<ChangeListener> {
        let mut client = self.target.config.connect(self.target.connector.clone())?;
        client.batch_execute(&format!("LISTEN {CHANGES_CHANNEL}"))?;
        Ok(ChangeListener { client })
    }
}

/// Wakes a follower when another process (or this one) commits a write.
pub struct ChangeListener {
    client: postgres::Client,
}

impl ChangeListener {
    /// Waits up to `timeout` for a notification; returns the newest entry
    /// number notified, if any arrived, after draining what is queued.
    pub fn wait(&mut self, timeout: Duration) -> Result<Option<i64>> {
        let mut notifications = self.client.notifications();
        let Some(first) = notifications.timeout_iter(timeout).next()? else {
            return Ok(None);
        };
        let mut newest = first.payload().parse::<i64>().ok();
        let mut pending = notifications.iter();
        while let Some(notification) = pending.next()? {
            newest = newest.max(notification.payload().parse::<i64>().ok());
        }
        Ok(newest)
    }
}
