//! Accounts, API tokens and browser sessions. Secrets are stored hashed;
//! account and token changes are written to the audit log.

use serde::Serialize;
use socred_auth::{Account, Role, check_username};
use socred_core::SubjectId;
use socred_i18n::Argument;

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
        return Err(StoreError::invalid_message(field, "input-at-most-items", vec![("max", Argument::Number(MAX_SERVICES as i64))]));
    }
    for item in items {
        let valid = !item.is_empty() && item.len() <= 64 && item.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
        if !valid {
            return Err(StoreError::invalid_message(field, "input-code-form", vec![("item", Argument::Text(format!("{item:?}")))]));
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
    check_username(&account.username).map_err(|error| StoreError::invalid_account("username", &error))?;
    match account.role {
        Role::Subject if account.subject.is_none() => {
            return Err(StoreError::invalid_message("subject", "input-subject-account-names-subject", vec![]));
        }
        Role::Officer if account.authority.as_deref().is_none_or(|a| a.trim().is_empty()) => {
            return Err(StoreError::invalid_message("authority", "input-officer-names-authority", vec![]));
        }
        Role::Provider if account.services.is_empty() => {
            return Err(StoreError::invalid_message("services", "input-provider-names-services", vec![]));
        }
        Role::Partner if account.behaviours.is_empty() => {
            return Err(StoreError::invalid_message("behaviours", "input-partner-names-behaviours", vec![]));
        }
        _ => {}
    }
    // Staff may name the person they are: they can then file reports, and
    // are kept from reviewing reports by or about themselves. Machines may not.
    if matches!(account.role, Role::Provider | Role::Partner) && account.subject.is_some() {
        return Err(StoreError::invalid_message("subject", "input-machine-names-no-person", vec![]));
    }
    if let Some(authority) = &account.authority {
        socred_core::record::check_text(authority, socred_core::record::MAX_SOURCE_CHARS)
            .map_err(|error| StoreError::invalid_text("authority", error))?;
    }
    code_list("services", &account.services)?;
    code_list("behaviours", &account.behaviours)?;
    for code in &account.services {
        if rulebook.service(code).is_none() {
            return Err(StoreError::invalid_message(
                "services",
                "input-unknown-service",
                vec![("code", Argument::Text(format!("{code:?}")))],
            ));
        }
    }
    for code in &account.behaviours {
        if rulebook.behaviour(code).is_none() {
            return Err(StoreError::invalid_message(
                "behaviours",
                "input-unknown-behaviour",
                vec![("code", Argument::Text(format!("{code:?}")))],
            ));
        }
    }
    Ok(())
}

/// When a token to issue expires (unix seconds), once its label and lifetime
/// are in range. Credentials expire by the wall clock whatever the store's
/// dating: a replay store's acts are dated in its scenario, its tokens are live.
pub(crate) fn token_expiry(label: &str, valid_days: u32) -> Result<i64> {
    socred_core::record::check_text(label, 128).map_err(|error| StoreError::invalid_text("label", error))?;
    if !(1..=MAX_TOKEN_DAYS).contains(&valid_days) {
        return Err(StoreError::invalid_message(
            "expires_in_days",
            "input-range",
            range(1, i64::from(MAX_TOKEN_DAYS), i64::from(valid_days)),
        ));
    }
    Ok(wall_clock_unix() + i64::from(valid_days) * 86_400)
}

/// The arguments of `input-range`: a number outside `min..=max`.
pub(crate) fn range(min: i64, max: i64, got: i64) -> Vec<(&'static str, Argument)> {
    vec![("min", Argument::Number(min)), ("max", Argument::Number(max)), ("got", Argument::Number(got))]
}
