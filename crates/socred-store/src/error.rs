use std::path::PathBuf;

use socred_core::RulebookError;
use socred_i18n::reasons::Cause;
use socred_i18n::{Argument, Language};

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
    #[error(
        "{path} was written by an earlier socred (schema {found}, audit log format 1); this version keeps the log in format 2 \
         and cannot carry a format-1 chain over without trusting it: re-create the store from its sources"
    )]
    Outdated { path: PathBuf, found: String },
    #[error("{path}: the schema is at migration {found}, this socred knows up to {known}: {what}")]
    SchemaMismatch { path: PathBuf, found: i64, known: i64, what: &'static str },
    #[error("schema migration failed: {0}")]
    Migration(String),
    /// `reason` is English (the API's and the log's words); `cause`, when
    /// the check typed it, says it again in a reader's language.
    #[error("{field}: {reason}")]
    Invalid { field: String, reason: String, cause: Option<Box<Cause>> },
    #[error("subject {0} is not registered")]
    UnknownSubject(String),
    #[error("record {0} does not exist")]
    UnknownRecord(String),
    #[error("conflict: {0}")]
    Conflict(String),
    /// A conflict whose reason is typed: `reason` is its English.
    #[error("conflict: {reason}")]
    ConflictBecause { reason: String, cause: Box<Cause> },
    #[error("{0} does not exist")]
    NotFound(String),
    #[error("{0}")]
    Refused(#[from] socred_core::process::ProcessError),
    /// Too many requests of one kind in a window: try later.
    #[error("{field}: {reason}")]
    RateLimited { field: String, reason: String, cause: Box<Cause> },
    #[error("batch of {count} exceeds the limit of {limit}")]
    TooLarge { count: usize, limit: usize },
    #[error("rulebook refused:\n{0}")]
    Rulebook(#[from] RulebookError),
    #[error("the audit chain is broken: {0}")]
    AuditBroken(String),
    #[error("database: {0}")]
    Database(DatabaseError),
    #[error("stored data is corrupt: {0}")]
    Corrupt(String),
}

impl StoreError {
    /// An input refused for a reason that is English only: a path or a
    /// backend's own words, read by an operator.
    pub fn invalid(field: impl Into<String>, reason: impl Into<String>) -> StoreError {
        StoreError::Invalid { field: field.into(), reason: reason.into(), cause: None }
    }

    /// An input refused for a typed reason: the English reason is its text in English.
    pub fn invalid_cause(field: impl Into<String>, cause: Cause) -> StoreError {
        StoreError::Invalid { field: field.into(), reason: cause.text(Language::English), cause: Some(Box::new(cause)) }
    }

    /// An input a typed rule refuses.
    pub fn invalid_because(field: impl Into<String>, refusal: socred_core::refusal::Refusal) -> StoreError {
        StoreError::invalid_cause(field, Cause::Refusal(refusal))
    }

    /// A text the checks of `socred_core::record::check_text` refuse.
    pub fn invalid_text(field: impl Into<String>, error: socred_core::record::FieldError) -> StoreError {
        StoreError::invalid_cause(field, Cause::Field(error))
    }

    /// An input refused for the reason `id` of `locales/*/inputs.ftl`.
    pub fn invalid_message(field: impl Into<String>, id: &'static str, arguments: Vec<(&'static str, Argument)>) -> StoreError {
        StoreError::invalid_cause(field, Cause::message(id, arguments))
    }

    /// A conflict whose reason is the message `id` of `locales/*/inputs.ftl`.
    pub fn conflict_message(id: &'static str, arguments: Vec<(&'static str, Argument)>) -> StoreError {
        let cause = Cause::message(id, arguments);
        StoreError::ConflictBecause { reason: cause.text(Language::English), cause: Box::new(cause) }
    }

    /// Too many requests of one kind: the reason `id` of `locales/*/inputs.ftl`.
    pub fn rate_limited(field: &str, id: &'static str, arguments: Vec<(&'static str, Argument)>) -> StoreError {
        let cause = Cause::message(id, arguments);
        StoreError::RateLimited { field: field.to_string(), reason: cause.text(Language::English), cause: Box::new(cause) }
    }

    /// A new rulebook version that leaves out behaviours the ledger holds records of (`codes`, each quoted).
    pub fn behaviours_in_use(codes: &[String], rulebook: &socred_core::Rulebook) -> StoreError {
        let text = |value: &str| Argument::Text(value.to_string());
        StoreError::invalid_message(
            "behaviour",
            "input-rulebook-behaviours-in-use",
            vec![("codes", text(&codes.join(", "))), ("rulebook", text(&rulebook.id)), ("version", text(&rulebook.version))],
        )
    }

    /// A username or password the account rules refuse (`field` names it).
    pub fn invalid_account(field: impl Into<String>, error: &socred_auth::AuthError) -> StoreError {
        match account_cause(error) {
            Some(cause) => StoreError::invalid_cause(field, cause),
            None => StoreError::invalid(field, error.to_string()),
        }
    }

    /// The typed reason of an invalid input, if the check gave one.
    pub fn cause(&self) -> Option<&Cause> {
        match self {
            StoreError::Invalid { cause, .. } => cause.as_deref(),
            StoreError::ConflictBecause { cause, .. } => Some(cause),
            _ => None,
        }
    }

    /// The storage condition behind a database error that an operator must
    /// act on, if it is one: the file or its directory is read-only, the disk
    /// is full, or the file cannot be opened.
    pub fn storage_condition(&self) -> Option<StorageCondition> {
        match self {
            StoreError::Database(error) => error.condition,
            _ => None,
        }
    }

    /// True when the caller's input was at fault, not the store.
    pub fn is_client_error(&self) -> bool {
        !matches!(self, StoreError::Database(_) | StoreError::Corrupt(_) | StoreError::AuditBroken(_) | StoreError::Migration(_))
    }
}

/// Why the account rules refused a username or a password, as a reader's language says it.
pub fn account_cause(error: &socred_auth::AuthError) -> Option<Cause> {
    use socred_auth::{AuthError, PasswordProblem, UsernameProblem};
    let number = |value: usize| Argument::Number(value as i64);
    Some(match error {
        AuthError::Username(UsernameProblem::Length { max }) => Cause::message("input-username-length", vec![("max", number(*max))]),
        AuthError::Username(UsernameProblem::Character(found)) => {
            Cause::message("input-username-character", vec![("found", Argument::Text(format!("{found:?}")))])
        }
        AuthError::Password(PasswordProblem::TooShort { min, count }) => {
            Cause::message("input-password-too-short", vec![("min", number(*min)), ("count", number(*count))])
        }
        AuthError::Password(PasswordProblem::TooLong { max, count }) => {
            Cause::message("input-password-too-long", vec![("max", number(*max)), ("count", number(*count))])
        }
        AuthError::Password(PasswordProblem::IsUsername) => Cause::message("input-password-is-username", vec![]),
        AuthError::Password(PasswordProblem::OneCharacter) => Cause::message("input-password-one-character", vec![]),
        AuthError::Password(PasswordProblem::Common) => Cause::message("input-password-common", vec![]),
        AuthError::Random => return None,
    })
}

/// A failure of the database behind the store, whatever the backend: its
/// message, the storage condition an operator must act on (if it is one), and
/// the backend's own error as the source. No backend type is in the signature.
#[derive(Debug)]
pub struct DatabaseError {
    message: String,
    condition: Option<StorageCondition>,
    /// The file is not a database of this backend's kind.
    pub(crate) foreign_file: bool,
    source: Box<dyn std::error::Error + Send + Sync>,
}

impl DatabaseError {
    pub fn new(source: impl std::error::Error + Send + Sync + 'static, condition: Option<StorageCondition>) -> DatabaseError {
        DatabaseError { message: source.to_string(), condition, foreign_file: false, source: Box::new(source) }
    }
}

impl DatabaseError {
    /// With a message of the backend's choosing (its error's own text is terse).
    pub(crate) fn described(
        message: String,
        source: impl std::error::Error + Send + Sync + 'static,
        condition: Option<StorageCondition>,
    ) -> DatabaseError {
        DatabaseError { message, ..DatabaseError::new(source, condition) }
    }
}

impl std::fmt::Display for DatabaseError {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter.write_str(&self.message)
    }
}

impl std::error::Error for DatabaseError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(self.source.as_ref())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StorageCondition {
    ReadOnly,
    DiskFull,
    CannotOpen,
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;
