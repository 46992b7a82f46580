//! socred-auth: who may do what.
//!
//! Roles, the permission matrix (one table, tested route by route in the
//! server), password hashing (Argon2id, PHC strings) and API-token secrets
//! (random, shown once, stored as SHA-256). Object-level rules — a subject
//! sees only their own file, an officer records only for their authority, a
//! reviewer never decides a case they raised — are enforced where the object
//! is known (server and core), on top of this matrix.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

mod password;
mod second_factor;

pub use password::{MAX_PASSWORD_CHARS, MIN_PASSWORD_CHARS, check_password, hash_password, verify_password};
pub use second_factor::{check_totp, new_totp_secret, otpauth_url, totp_code};
pub const MAX_USERNAME_CHARS: usize = 64;
/// API tokens and session secrets: 32 random bytes.
const SECRET_BYTES: usize = 32;
pub const TOKEN_PREFIX: &str = "socred_";

/// The role of an account. The anonymous public has no account.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// A person or organisation: their own file only.
    Subject,
    /// Records behaviours for their own authority.
    Officer,
    /// Decides appeals, disputes, repairs and list proposals.
    Reviewer,
    /// Asks for decisions in its service categories.
    Provider,
    /// Feeds records for its agreed behaviours.
    Partner,
    /// Reads the audit log and files, changes nothing.
    Auditor,
    /// Manages accounts.
    Admin,
}

impl Role {
    pub const ALL: [Role; 7] = [Role::Subject, Role::Officer, Role::Reviewer, Role::Provider, Role::Partner, Role::Auditor, Role::Admin];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Subject => "subject",
            Role::Officer => "officer",
            Role::Reviewer => "reviewer",
            Role::Provider => "provider",
            Role::Partner => "partner",
            Role::Auditor => "auditor",
            Role::Admin => "admin",
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(self.as_str())
    }
}

impl FromStr for Role {
    type Err = String;
    fn from_str(text: &str) -> Result<Role, String> {
        Role::ALL
            .iter()
            .copied()
            .find(|role| role.as_str() == text)
            .ok_or_else(|| format!("{text:?} is not a role; expected one of subject, officer, reviewer, provider, partner, auditor, admin"))
    }
}

/// Everything an account can ask for. Routes map to exactly one action.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Action {
    RegisterSubject,
    SearchSubjects,
    /// Score, tier, explanation, list entries, notices: of a subject.
    ReadSubject,
    /// The whole file, including who looked at it.
    ReadFile,
    AddRecord,
    VoidRecord,
    ProposeEntry,
    ServeNotice,
    WithdrawEntry,
    FileAppeal,
    DecideAppeal,
    FileDispute,
    DecideDispute,
    ApplyRepair,
    DecideRepair,
    ReadQueue,
    ReadAudit,
    ManageAccounts,
    /// Issue, list and revoke one's own API tokens.
    ManageOwnTokens,
    Check,
    PartnerFeed,
    /// File a public report, and upload its evidence (needs an account naming its person).
    FileReport,
    /// Read reports: a subject their own (filed, or verified about them); staff all.
    ReadReports,
    /// Take a report into review and decide it; confirm or reject pending partner records.
    ReviewReport,
    /// Partner receipts: a partner its own; staff all.
    ReadPartnerBatches,
    /// The operational metrics (`/metrics`): counts that describe the population.
    ReadMetrics,
    /// Change one's own password.
    ManageOwnAccount,
    /// Enrol a second factor (TOTP): staff, whose accounts reach others' files.
    EnrolSecondFactor,
    /// Download a proof that a record or event is in the log: a subject for
    /// their own file, auditors and admins for any.
    ProveInclusion,
    /// Compare a proposed rulebook with the active one on the whole
    /// population, and run the simulator: reviewers and admins.
    AssessPolicy,
    /// See a commercial score: a subject their own; a provider or partner
    /// only with that subject's consent in force (checked by the caller).
    ReadCommercialScore,
    /// Give or withdraw one's consent to a partner seeing one's commercial score.
    ManageConsent,
}

impl Action {
    pub const ALL: [Action; 32] = [
        Action::RegisterSubject,
        Action::SearchSubjects,
        Action::ReadSubject,
        Action::ReadFile,
        Action::AddRecord,
        Action::VoidRecord,
        Action::ProposeEntry,
        Action::ServeNotice,
        Action::WithdrawEntry,
        Action::FileAppeal,
        Action::DecideAppeal,
        Action::FileDispute,
        Action::DecideDispute,
        Action::ApplyRepair,
        Action::DecideRepair,
        Action::ReadQueue,
        Action::ReadAudit,
        Action::ManageAccounts,
        Action::ManageOwnTokens,
        Action::Check,
        Action::PartnerFeed,
        Action::FileReport,
        Action::ReadReports,
        Action::ReviewReport,
        Action::ReadPartnerBatches,
        Action::ReadMetrics,
        Action::ManageOwnAccount,
        Action::EnrolSecondFactor,
        Action::ProveInclusion,
        Action::AssessPolicy,
        Action::ReadCommercialScore,
        Action::ManageConsent,
    ];
}

/// The permission matrix. Subjects' own-file rule is checked by the caller
/// with [`Account::may_see`]; everything else is here.
pub fn permitted(role: Role, action: Action) -> bool {
    use Action::*;
    use Role::*;
    match action {
        RegisterSubject => matches!(role, Officer | Admin),
        SearchSubjects => matches!(role, Officer | Reviewer | Auditor | Admin),
        ReadSubject | ReadFile => matches!(role, Subject | Officer | Reviewer | Auditor | Admin),
        AddRecord | VoidRecord => role == Officer,
        ProposeEntry | ServeNotice => matches!(role, Officer | Reviewer),
        WithdrawEntry | DecideAppeal | DecideDispute | DecideRepair => role == Reviewer,
        FileAppeal | FileDispute | ApplyRepair => role == Subject,
        ReadQueue => matches!(role, Reviewer | Auditor),
        ReadAudit => matches!(role, Auditor | Admin),
        ManageAccounts => role == Admin,
        ManageOwnTokens => true,
        Check => role == Provider,
        PartnerFeed => role == Partner,
        FileReport => matches!(role, Subject | Officer | Reviewer | Auditor | Admin),
        ReadReports => matches!(role, Subject | Reviewer | Auditor),
        ReviewReport => role == Reviewer,
        ReadPartnerBatches => matches!(role, Partner | Reviewer | Auditor),
        ReadMetrics => matches!(role, Auditor | Admin),
        ManageOwnAccount => true,
        EnrolSecondFactor => matches!(role, Officer | Reviewer | Auditor | Admin),
        ProveInclusion => matches!(role, Subject | Auditor | Admin),
        AssessPolicy => matches!(role, Reviewer | Admin),
        ReadCommercialScore => matches!(role, Subject | Provider | Partner),
        ManageConsent => role == Subject,
    }
}

/// An account as the server sees it after authentication.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Account {
    pub id: i64,
    pub username: String,
    pub role: Role,
    /// For subject accounts: whose file this is.
    pub subject: Option<socred_core::SubjectId>,
    /// For officers: the authority whose records they make.
    pub authority: Option<String>,
    /// For providers: the service categories they may ask about.
    pub services: Vec<String>,
    /// For partners: the behaviours they may report; for officers: those their authority is entitled to record (none: every one).
    pub behaviours: Vec<String>,
}

impl Account {
    pub fn may(&self, action: Action) -> bool {
        permitted(self.role, action)
    }

    /// Object-level rule for a subject's data: subjects see only their own.
    pub fn may_see(&self, subject: &socred_core::SubjectId) -> bool {
        match self.role {
            Role::Subject => self.subject.as_ref() == Some(subject),
            _ => true,
        }
    }

    /// Whether an officer of this account may record `behaviour`: the
    /// behaviours it names, or every one when it names none.
    pub fn may_record(&self, behaviour: &str) -> bool {
        self.behaviours.is_empty() || self.behaviours.iter().any(|code| code == behaviour)
    }

    /// Whether reading this subject's file must be logged (anyone but the subject).
    pub fn is_subject(&self, subject: &socred_core::SubjectId) -> bool {
        self.role == Role::Subject && self.subject.as_ref() == Some(subject)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AuthError {
    #[error("username: {0}")]
    Username(UsernameProblem),
    #[error("password: {0}")]
    Password(PasswordProblem),
    #[error("the system random source failed")]
    Random,
}

/// Why a username is refused (typed, so a reader's language can say it).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UsernameProblem {
    #[error("must be 1-{max} characters")]
    Length { max: usize },
    #[error("contains {0:?}; allowed are a-z, 0-9, . _ -")]
    Character(char),
}

/// Why a password is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PasswordProblem {
    #[error("must be at least {min} characters, got {count}")]
    TooShort { min: usize, count: usize },
    #[error("must be at most {max} characters, got {count}")]
    TooLong { max: usize, count: usize },
    #[error("must not be the username")]
    IsUsername,
    #[error("must not be one character repeated")]
    OneCharacter,
    #[error("is a common password; choose a passphrase of several unrelated words")]
    Common,
}

/// 1-64 characters of a-z, 0-9, `.`, `_`, `-`; or a subject's identifier.
pub fn check_username(username: &str) -> Result<(), AuthError> {
    if username.is_empty() || username.len() > MAX_USERNAME_CHARS {
        return Err(AuthError::Username(UsernameProblem::Length { max: MAX_USERNAME_CHARS }));
    }
    if let Some(bad) =
        username.chars().find(|c| !(c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '.' | '_' | '-') || *c == 'X'))
    {
        return Err(AuthError::Username(UsernameProblem::Character(bad)));
    }
    Ok(())
}

/// A fresh random secret (API token or session id), shown to its owner once.
pub fn new_secret() -> Result<String, AuthError> {
    let mut bytes = [0u8; SECRET_BYTES];
    getrandom::fill(&mut bytes).map_err(|_| AuthError::Random)?;
    Ok(format!("{TOKEN_PREFIX}{}", hex::encode(bytes)))
}

/// What is stored for a secret: secrets are long and random, so a fast hash
/// suffices (no dictionary to attack), and lookups stay O(1).
pub fn secret_hash(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}

/// Constant-time comparison, for CSRF tokens.
pub fn same_secret(a: &str, b: &str) -> bool {
    a.len() == b.len() && bool::from(a.as_bytes().ct_eq(b.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_random_and_hashed() {
        let a = new_secret().unwrap();
        let b = new_secret().unwrap();
        assert_ne!(a, b);
        assert!(a.starts_with(TOKEN_PREFIX) && a.len() == TOKEN_PREFIX.len() + 64);
        assert_eq!(secret_hash(&a).len(), 64);
        assert_ne!(secret_hash(&a), a);
        assert!(same_secret(&a, &a.clone()) && !same_secret(&a, &b));
    }

    #[test]
    fn usernames_and_roles_are_checked() {
        assert!(check_username("officer.zhou-1").is_ok());
        assert!(check_username("11010519491231002X").is_ok());
        assert!(check_username("Bad Name").is_err());
        assert!(check_username("").is_err());
        assert_eq!("reviewer".parse::<Role>(), Ok(Role::Reviewer));
        assert!("root".parse::<Role>().is_err());
    }

    #[test]
    fn the_matrix_keeps_duties_apart() {
        // Only officers record; only reviewers decide; only subjects appeal; only admins manage accounts.
        for role in Role::ALL {
            assert_eq!(permitted(role, Action::AddRecord), role == Role::Officer);
            assert_eq!(permitted(role, Action::DecideAppeal), role == Role::Reviewer);
            assert_eq!(permitted(role, Action::FileAppeal), role == Role::Subject);
            assert_eq!(permitted(role, Action::ManageAccounts), role == Role::Admin);
            assert!(permitted(role, Action::ManageOwnTokens));
        }
        // Providers and partners never read files.
        assert!(!permitted(Role::Provider, Action::ReadSubject));
        assert!(!permitted(Role::Partner, Action::ReadFile));
    }
}
