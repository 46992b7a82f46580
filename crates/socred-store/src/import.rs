//! Batched record writes: one IMMEDIATE transaction, prepared statements, a
//! subject-key cache, and an incremental digest for the audit entry. Nothing
//! is visible to anyone until `commit`, and `commit` is durable.

use serde::Serialize;

/// Records written by one session; beyond this, split the input.
pub const MAX_SESSION_RECORDS: u64 = 100_000_000;

/// What happened to one record of a batch.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "outcome", rename_all = "kebab-case")]
pub enum RowOutcome {
    Inserted,
    /// The same id with the same content is already stored: nothing to do.
    Duplicate,
    /// Refused; `conflict` when the id is taken by different content.
    Rejected {
        field: &'static str,
        reason: String,
        conflict: bool,
    },
}

/// What a committed session wrote.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ImportSummary {
    pub inserted: u64,
    pub duplicates: u64,
    pub rejected: u64,
    /// The audit entry written, if anything was inserted.
    pub audit_seq: Option<i64>,
}
