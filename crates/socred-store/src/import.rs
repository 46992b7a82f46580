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
        /// The reason in English (`kind`'s `Display`), as the API and the log state it.
        reason: String,
        conflict: bool,
        /// The typed reason, which a reader sees in their language.
        #[serde(skip)]
        kind: socred_core::record::ProblemKind,
    },
}

/// A behaviour the rulebook in force does not declare, typed.
pub(crate) fn unknown_behaviour(rulebook: &socred_core::Rulebook, code: &str) -> socred_core::record::ProblemKind {
    socred_core::record::ProblemKind::UnknownBehaviour {
        code: code.to_string(),
        rulebook: rulebook.id.clone(),
        version: rulebook.version.clone(),
    }
}

/// A refused row of a batch of one, as the store's error: a taken id is a
/// conflict, a conflict of interest the rule's refusal, every other reason
/// the input's, each typed.
pub(crate) fn row_error(field: &'static str, kind: socred_core::record::ProblemKind, conflict: bool) -> crate::StoreError {
    use socred_core::record::ProblemKind;
    use socred_i18n::reasons::Cause;
    match kind {
        kind if conflict => crate::StoreError::ConflictBecause { reason: kind.to_string(), cause: Box::new(Cause::Problem(kind)) },
        ProblemKind::Refused(refusal) => crate::StoreError::Refused(socred_core::process::ProcessError::because("actor", refusal)),
        ProblemKind::NotRegistered { subject } => crate::StoreError::UnknownSubject(subject),
        kind => crate::StoreError::invalid_cause(field, Cause::Problem(kind)),
    }
}

impl RowOutcome {
    /// A refused row: `conflict` when its id is taken by different content.
    pub fn rejected(field: &'static str, kind: socred_core::record::ProblemKind, conflict: bool) -> RowOutcome {
        RowOutcome::Rejected { field, reason: kind.to_string(), conflict, kind }
    }
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
