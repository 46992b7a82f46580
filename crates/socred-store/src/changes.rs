//! The change feed: how a process that keeps derived state in memory (the
//! server's check index) follows writes made by another process (a CLI
//! command, an import, another server) on the same ledger.
//!
//! Every write appends the subjects it touched to `changes`; a follower keeps
//! a cursor and reads what came after it. SQLite's `data_version` tells,
//! without a query, whether another connection committed anything at all.

/// Rows kept in the feed; older rows are pruned. A follower whose cursor falls
/// behind them reloads everything.
pub const CHANGES_KEPT: i64 = 1_000_000;
/// Beyond this many changed subjects in one read, reloading everything is cheaper.
pub const MAX_CHANGED_SUBJECTS: usize = 100_000;

/// What changed after a cursor.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Changes {
    /// The cursor to read from next time.
    pub cursor: i64,
    /// Keys of the subjects whose files changed (without repetition).
    pub subjects: Vec<i64>,
    /// Everything may have changed (a new rulebook, a cursor behind the
    /// pruned rows, or too many subjects): reload all.
    pub everything: bool,
}
