//! The change feed of the embedded store, which a server beside the writer follows.

use crate::Store;
use crate::error::Result;
use rusqlite::params;

use crate::changes::*;

impl Store {
    /// The newest position of the feed: a follower starts from here after
    /// loading everything.
    pub fn change_cursor(&self) -> Result<i64> {
        Ok(self
            .connection
            .prepare_cached("SELECT COALESCE((SELECT seq FROM sqlite_sequence WHERE name = 'changes'), 0)")?
            .query_row([], |row| row.get(0))?)
    }

    /// Changes after `cursor`.
    pub fn changes_since(&self, cursor: i64) -> Result<Changes> {
        // One snapshot: a prune by another process between the reads cannot hide rows.
        self.snapshot(|store| store.changes_since_in_snapshot(cursor))
    }

    fn changes_since_in_snapshot(&self, cursor: i64) -> Result<Changes> {
        let oldest: Option<i64> = self.connection.prepare_cached("SELECT MIN(seq) FROM changes")?.query_row([], |row| row.get(0))?;
        // The highest position ever handed out (AUTOINCREMENT keeps it across prunes).
        let newest: i64 = self
            .connection
            .prepare_cached("SELECT COALESCE((SELECT seq FROM sqlite_sequence WHERE name = 'changes'), 0)")?
            .query_row([], |row| row.get(0))?;
        if newest == cursor {
            return Ok(Changes { cursor, ..Changes::default() });
        }
        // Behind the oldest row kept, or beyond the newest (a feed emptied or a store restored): all.
        if newest < cursor || oldest.is_some_and(|oldest| oldest > cursor + 1) {
            return Ok(Changes { cursor: newest, subjects: Vec::new(), everything: true });
        }
        let mut statement = self.connection.prepare_cached("SELECT DISTINCT subject FROM changes WHERE seq > ?1 AND seq <= ?2 LIMIT ?3")?;
        let subjects: Vec<i64> = statement
            .query_map(params![cursor, newest, MAX_CHANGED_SUBJECTS as i64 + 1], |row| row.get(0))?
            .collect::<rusqlite::Result<_>>()?;
        let everything = subjects.len() > MAX_CHANGED_SUBJECTS || subjects.contains(&0);
        Ok(Changes { cursor: newest, subjects: if everything { Vec::new() } else { subjects }, everything })
    }

    /// Drops feed rows older than the newest [`CHANGES_KEPT`]. Derived data:
    /// the commit skips the fsync.
    pub fn prune_changes(&mut self) -> Result<usize> {
        let newest = self.change_cursor()?;
        self.connection.execute_batch("PRAGMA synchronous = NORMAL")?;
        let pruned = self.connection.execute("DELETE FROM changes WHERE seq <= ?1", [newest - CHANGES_KEPT]);
        self.connection.execute_batch("PRAGMA synchronous = FULL")?;
        Ok(pruned?)
    }

    /// Changes whenever another connection commits to the store (SQLite's
    /// `PRAGMA data_version`): a cheap test before reading the feed.
    pub fn data_version(&self) -> Result<i64> {
        Ok(self.connection.prepare_cached("PRAGMA data_version")?.query_row([], |row| row.get(0))?)
    }
}
