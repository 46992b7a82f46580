//! Accounts, API tokens and browser sessions. Secrets are stored hashed;
//! account and token changes are written to the audit log.

use serde::Serialize;
use socred_auth::{Account, Role, check_username};
use socred_core::SubjectId;

use crate::error::{Result, StoreError};

pub const MAX_SERVICES: usize = 64;
pub const MAX_TOKENS_PER_ACCOUNT: i64 = 32;
/// API tokens live 90 days unless asked otherwise, a year at most.
pub const DEFAULT_TOKEN_DAYS: u32 = 90;
pub const MAX_TOKEN_DAYS: u32 = 365;

/// An account to create.
#[derive(Debug, Clone)]
pub struct NewAccount {
    pub username: String,
    pub role: Role,
    /// Argon2 PHC string; `None` for machine-only accounts (tokens only).
    pub password_hash: Option<String>,
    pub subject: Option<SubjectId>,
    pub authority: Option<String>,
    pub services: Vec<String>,
    pub behaviours: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TokenInfo {
    pub id: i64,
    pub label: String,
    pub created_at: String,
    pub revoked_at: Option<String>,
    /// Unix seconds after which the token no longer authenticates.
    pub expires_at: i64,
}

pub(crate) const ACCOUNT_COLUMNS: &str = "a.id, a.username, a.role, s.id, a.authority, a.services, a.behaviours";

/// id, username, role, subject, authority, services (JSON), behaviours (JSON).
pub(crate) type AccountRow = (i64, String, String, Option<String>, Option<String>, String, String);

pub(crate) fn to_account(raw: AccountRow) -> Result<Account> {
    let (id, username, role, subject, authority, services, behaviours) = raw;
    let corrupt = |what: &str| StoreError::Corrupt(format!("account {username}: {what}"));
    Ok(Account {
        id,
        role: role.parse().map_err(|_| corrupt("role"))?,
        subject: subject.map(|s| SubjectId::parse(&s)).transpose().map_err(|_| corrupt("subject"))?,
        authority,
        services: serde_json::from_str(&services).map_err(|_| corrupt("services"))?,
        behaviours: serde_json::from_str(&behaviours).map_err(|_| corrupt("behaviours"))?,
        username,
    })
}

fn code_list(field: &str, items: &[String]) -> Result<()> {
    if items.len() > MAX_SERVICES {
        return Err(StoreError::invalid(field, format!("at most {MAX_SERVICES}")));
    }
    for item in items {
        let valid = !item.is_empty() && item.len() <= 64 && item.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
        if !valid {
            return Err(StoreError::invalid(field, format!("{item:?} must be 1-64 characters of a-z, 0-9 and -")));
        }
    }
    Ok(())
}

/// Now, in unix seconds, by the system clock.
pub(crate) fn wall_clock_unix() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |elapsed| elapsed.as_secs() as i64)
}

/// An account to create is well formed on any backend: role-specific
/// fields are present where they matter (a subject account names its
/// subject, an officer its authority, a provider its services, a partner the
/// behaviours of its agreement), and its codes are the rulebook's.
pub(crate) fn check_new_account(account: &NewAccount, rulebook: &socred_core::Rulebook) -> Result<()> {
    check_username(&account.username)
        .map_err(|e| StoreError::invalid("username", e.to_string().trim_start_matches("username: ").to_string()))?;
    match account.role {
        Role::Subject if account.subject.is_none() => {
            return Err(StoreError::invalid("subject", "a subject account names its subject"));
        }
        Role::Officer if account.authority.as_deref().is_none_or(|a| a.trim().is_empty()) => {
            return Err(StoreError::invalid("authority", "an officer account names its authority"));
        }
        Role::Provider if account.services.is_empty() => {
            return Err(StoreError::invalid("services", "a provider account names its service categories"));
        }
        Role::Partner if account.behaviours.is_empty() => {
            return Err(StoreError::invalid("behaviours", "a partner account names the behaviours of its agreement"));
        }
        _ => {}
    }
    // Staff may name the person they are: they can then file reports, and
    // are kept from reviewing reports by or about themselves. Machines may not.
    if matches!(account.role, Role::Provider | Role::Partner) && account.subject.is_some() {
        return Err(StoreError::invalid("subject", "a provider or partner account names no person"));
    }
    if let Some(authority) = &account.authority {
        socred_core::record::check_text(authority, socred_core::record::MAX_SOURCE_CHARS)
            .map_err(|e| StoreError::invalid("authority", e.to_string()))?;
    }
    code_list("services", &account.services)?;
    code_list("behaviours", &account.behaviours)?;
    for code in &account.services {
        if rulebook.service(code).is_none() {
            return Err(StoreError::invalid("services", format!("{code:?} is not a service of the rulebook")));
        }
    }
    for code in &account.behaviours {
        if rulebook.behaviour(code).is_none() {
            return Err(StoreError::invalid("behaviours", format!("{code:?} is not in the rulebook")));
        }
    }
    Ok(())
}

/// When a token to issue expires (unix seconds), once its label and lifetime
/// are in range. Credentials expire by the wall clock whatever the store's
/// dating: a replay store's acts are dated in its scenario, its tokens are live.
pub(crate) fn token_expiry(label: &str, valid_days: u32) -> Result<i64> {
    socred_core::record::check_text(label, 128).map_err(|e| StoreError::invalid("label", e.to_string()))?;
    if !(1..=MAX_TOKEN_DAYS).contains(&valid_days) {
        return Err(StoreError::invalid("expires_in_days", format!("must be 1-{MAX_TOKEN_DAYS}, got {valid_days}")));
    }
    Ok(wall_clock_unix() + i64::from(valid_days) * 86_400)
}
