//! Accounts, API tokens and browser sessions. Secrets are stored hashed;
//! account and token changes are written to the audit log.

use rusqlite::{Connection, OptionalExtension, params};
use serde::Serialize;
use socred_auth::{Account, Role, check_username};
use socred_core::SubjectId;

use crate::audit::{self, RowDigest, seals};
use crate::error::{Result, StoreError};
use crate::{Actor, MAX_PAGE, Store};

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

pub(crate) fn read_account(row: &rusqlite::Row<'_>) -> rusqlite::Result<AccountRow> {
    Ok((row.get(0)?, row.get(1)?, row.get(2)?, row.get(3)?, row.get(4)?, row.get(5)?, row.get(6)?))
}

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

/// Appends the audit entry of an account or token change, with the seals of
/// the accounts and tokens it changed.
pub(crate) fn audit_change(
    connection: &Connection,
    seq: i64,
    actor: &Actor,
    action: &str,
    detail: serde_json::Value,
    (accounts, tokens): (&[i64], &[i64]),
) -> Result<()> {
    let mut digest = RowDigest::default();
    for account in accounts {
        seals::seal_account(connection, seq, *account, &mut digest)?;
    }
    seals::seal_tokens(connection, seq, tokens, &mut digest)?;
    audit::append(connection, seq, &actor.at_text(), actor.name(), action, None, &detail, digest)?;
    Ok(())
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

impl Store {
    /// Creates an account. Role-specific fields are required where they matter:
    /// a subject account names its subject, an officer its authority, a provider
    /// its services, a partner its behaviours.
    pub fn add_account(&mut self, account: &NewAccount, actor: &Actor) -> Result<i64> {
        check_new_account(account, &self.rulebook)?;
        let subject_key = account.subject.as_ref().map(|s| self.subject_key(s)).transpose()?;
        self.write(actor, |connection, seq| {
            let taken: Option<i64> =
                connection.query_row("SELECT id FROM accounts WHERE username = ?1", [&account.username], |r| r.get(0)).optional()?;
            if taken.is_some() {
                return Err(StoreError::Conflict(format!("username {} is taken", account.username)));
            }
            // One subject account per person: a second would read the file
            // unlogged and file in the person's name.
            if let (Role::Subject, Some(key)) = (account.role, subject_key) {
                let existing: bool =
                    connection
                        .query_row("SELECT EXISTS (SELECT 1 FROM accounts WHERE role = 'subject' AND subject = ?1)", [key], |r| r.get(0))?;
                if existing {
                    return Err(StoreError::Conflict(
                        "this person already has a subject account; reset its password or enable it instead".into(),
                    ));
                }
            }
            connection.execute(
                "INSERT INTO accounts (username, role, password_hash, subject, authority, services, behaviours, created_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                params![
                    account.username,
                    account.role.as_str(),
                    account.password_hash,
                    subject_key,
                    account.authority,
                    serde_json::to_string(&account.services).expect("strings serialise"),
                    serde_json::to_string(&account.behaviours).expect("strings serialise"),
                    actor.at_text(),
                ],
            )?;
            let id = connection.last_insert_rowid();
            // The person sees, in their file's access log, every account that names them.
            if let (Some(key), Some(subject)) = (subject_key, &account.subject) {
                crate::audit::log_access(
                    connection,
                    &actor.at_text(),
                    actor.name(),
                    key,
                    subject.as_str(),
                    "account administration",
                    &format!("created the {} account {} that names you", account.role, account.username),
                )?;
            }
            audit_change(
                connection,
                seq,
                actor,
                "account.add",
                serde_json::json!({"username": account.username, "role": account.role, "subject": account.subject,
                    "authority": account.authority, "services": account.services, "behaviours": account.behaviours}),
                (&[id], &[]),
            )?;
            Ok(id)
        })
    }

    /// An account and its password hash, for login.
    pub fn account_for_login(&self, username: &str) -> Result<Option<(Account, Option<String>)>> {
        let sql = format!(
            "SELECT {ACCOUNT_COLUMNS}, a.password_hash FROM accounts a LEFT JOIN subjects s ON s.key = a.subject
             WHERE a.username = ?1 AND a.disabled = 0"
        );
        let row = self
            .connection
            .prepare_cached(&sql)?
            .query_row([username], |row| Ok((read_account(row)?, row.get::<_, Option<String>>(7)?)))
            .optional()?;
        row.map(|(raw, hash)| Ok((to_account(raw)?, hash))).transpose()
    }

    pub fn account(&self, username: &str) -> Result<Option<Account>> {
        Ok(self.account_for_login(username)?.map(|(account, _)| account))
    }

    /// The account a live API token belongs to: not revoked, not expired at
    /// `now_unix`, of an enabled account.
    pub fn account_by_token(&self, secret_hash: &str, now_unix: i64) -> Result<Option<Account>> {
        let sql = format!(
            "SELECT {ACCOUNT_COLUMNS} FROM tokens t JOIN accounts a ON a.id = t.account LEFT JOIN subjects s ON s.key = a.subject
             WHERE t.secret_hash = ?1 AND t.revoked_at IS NULL AND t.expires_at > ?2 AND a.disabled = 0"
        );
        let row = self.connection.prepare_cached(&sql)?.query_row(params![secret_hash, now_unix], read_account).optional()?;
        row.map(to_account).transpose()
    }

    pub fn accounts(&self) -> Result<Vec<Account>> {
        let sql = format!("SELECT {ACCOUNT_COLUMNS} FROM accounts a LEFT JOIN subjects s ON s.key = a.subject ORDER BY a.id LIMIT ?1");
        let mut statement = self.connection.prepare(&sql)?;
        let rows = statement.query_map([MAX_PAGE], read_account)?;
        rows.map(|row| to_account(row?)).collect()
    }

    /// Stores a new token (its hash) for an account, valid for `valid_days`
    /// (1-365) from the actor's moment. The secret itself is never stored.
    pub fn issue_token(&mut self, account: &Account, secret_hash: &str, label: &str, valid_days: u32, actor: &Actor) -> Result<i64> {
        let expires_at = token_expiry(label, valid_days)?;
        self.write(actor, |connection, seq| {
            let live: i64 = connection.query_row(
                "SELECT count(*) FROM tokens WHERE account = ?1 AND revoked_at IS NULL AND expires_at > ?2",
                params![account.id, wall_clock_unix()],
                |r| r.get(0),
            )?;
            if live >= MAX_TOKENS_PER_ACCOUNT {
                return Err(StoreError::TooLarge { count: live as usize + 1, limit: MAX_TOKENS_PER_ACCOUNT as usize });
            }
            connection.execute(
                "INSERT INTO tokens (account, secret_hash, label, created_at, expires_at) VALUES (?1, ?2, ?3, ?4, ?5)",
                params![account.id, secret_hash, label, actor.at_text(), expires_at],
            )?;
            let id = connection.last_insert_rowid();
            audit_change(
                connection,
                seq,
                actor,
                "token.issue",
                serde_json::json!({"account": account.username, "token": id, "label": label, "expires_at": expires_at}),
                (&[], &[id]),
            )?;
            Ok(id)
        })
    }

    /// Revokes a token. With `owner`, only that account's tokens can be revoked.
    pub fn revoke_token(&mut self, token: i64, owner: Option<i64>, actor: &Actor) -> Result<()> {
        self.write(actor, |connection, seq| {
            let row: Option<(i64, Option<String>, String)> = connection
                .query_row(
                    "SELECT t.account, t.revoked_at, a.username FROM tokens t JOIN accounts a ON a.id = t.account WHERE t.id = ?1",
                    [token],
                    |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
                )
                .optional()?;
            let Some((account, revoked, username)) = row.filter(|(account, _, _)| owner.is_none_or(|o| o == *account)) else {
                return Err(StoreError::NotFound(format!("token {token}")));
            };
            if revoked.is_some() {
                return Ok(());
            }
            connection.execute("UPDATE tokens SET revoked_at = ?1 WHERE id = ?2", params![actor.at_text(), token])?;
            audit_change(
                connection,
                seq,
                actor,
                "token.revoke",
                serde_json::json!({"account": username, "token": token, "account_id": account}),
                (&[], &[token]),
            )?;
            Ok(())
        })
    }

    pub fn tokens_of(&self, account: i64) -> Result<Vec<TokenInfo>> {
        let mut statement =
            self.connection.prepare("SELECT id, label, created_at, revoked_at, expires_at FROM tokens WHERE account = ?1 ORDER BY id")?;
        let rows = statement.query_map([account], |r| {
            Ok(TokenInfo { id: r.get(0)?, label: r.get(1)?, created_at: r.get(2)?, revoked_at: r.get(3)?, expires_at: r.get(4)? })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }
}
