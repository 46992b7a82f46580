use std::path::PathBuf;

use socred_core::RulebookError;

/// Everything the store can refuse or fail at. Client mistakes and server
/// faults are distinct variants so callers can map them (exit codes, HTTP).
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("no socred store at {0}: run `socred init` first (or pass --db)")]
    NotInitialised(PathBuf),
    #[error("a socred store already exists at {0}")]
    AlreadyInitialised(PathBuf),
    #[error("{0} is not a socred store (or was made by an incompatible version)")]
    NotAStore(PathBuf),
    #[error("{field}: {reason}")]
    Invalid { field: String, reason: String },
    #[error("subject {0} is not registered")]
    UnknownSubject(String),
    #[error("record {0} does not exist")]
    UnknownRecord(String),
    #[error("conflict: {0}")]
    Conflict(String),
    #[error("{0} does not exist")]
    NotFound(String),
    #[error("{0}")]
    Refused(#[from] socred_core::process::ProcessError),
    /// Too many requests of one kind in a window: try later.
    #[error("{field}: {reason}")]
    RateLimited { field: String, reason: String },
    #[error("batch of {count} exceeds the limit of {limit}")]
    TooLarge { count: usize, limit: usize },
    #[error("rulebook refused:\n{0}")]
    Rulebook(#[from] RulebookError),
    #[error("the audit chain is broken: {0}")]
    AuditBroken(String),
    #[error("database: {0}")]
    Database(#[from] rusqlite::Error),
    #[error("stored data is corrupt: {0}")]
    Corrupt(String),
}

impl StoreError {
    pub fn invalid(field: impl Into<String>, reason: impl Into<String>) -> StoreError {
        StoreError::Invalid { field: field.into(), reason: reason.into() }
    }

    /// The storage condition behind a database error that an operator must
    /// act on, if it is one: the file or its directory is read-only, the disk
    /// is full, or the file cannot be opened.
    pub fn storage_condition(&self) -> Option<StorageCondition> {
        let StoreError::Database(rusqlite::Error::SqliteFailure(failure, _)) = self else {
            return None;
        };
        match failure.code {
            rusqlite::ErrorCode::ReadOnly => Some(StorageCondition::ReadOnly),
            rusqlite::ErrorCode::DiskFull => Some(StorageCondition::DiskFull),
            rusqlite::ErrorCode::CannotOpen => Some(StorageCondition::CannotOpen),
            _ => None,
        }
    }

    /// True when the caller's input was at fault, not the store.
    pub fn is_client_error(&self) -> bool {
        !matches!(self, StoreError::Database(_) | StoreError::Corrupt(_) | StoreError::AuditBroken(_))
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StorageCondition {
    ReadOnly,
    DiskFull,
    CannotOpen,
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;
