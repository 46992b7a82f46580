//! Accounts and tokens are live rows (a sign-in moves their counters), but
//! what they grant is ledger: every change to it appends a **seal**, the
//! security-relevant state after the change, under the change's audit entry.
//! Verification recomputes each live row's state and requires it to equal
//! its newest seal, so `UPDATE accounts SET role = 'admin'` (or a swapped
//! password hash, a revived token, an account added or removed by hand) is
//! found and named.

use std::collections::BTreeMap;

use rusqlite::{Connection, OptionalExtension, params};
use serde_json::{Value, json};

use super::rows::{LedgerRow, RowDigest, json_value};
use crate::error::{Result, StoreError};

const ACCOUNT_STATE: &str = "SELECT a.username, a.role, a.password_hash, s.id, a.authority, a.services, a.behaviours, a.disabled,
    a.totp_secret, a.totp_confirmed, a.created_at FROM accounts a LEFT JOIN subjects s ON s.key = a.subject";

const TOKEN_STATE: &str = "SELECT t.id, a.username, t.secret_hash, t.label, t.created_at, t.expires_at, t.revoked_at
    FROM tokens t LEFT JOIN accounts a ON a.id = t.account";

/// What an account grants, as a seal states it (both backends fill it).
pub(crate) struct AccountState {
    pub username: String,
    pub role: String,
    pub password_hash: Option<String>,
    pub subject: Option<String>,
    pub authority: Option<String>,
    /// JSON text, as stored.
    pub services: String,
    pub behaviours: String,
    pub disabled: bool,
    pub second_factor_secret: Option<String>,
    pub second_factor_confirmed: bool,
    pub created_at: String,
}

impl AccountState {
    /// The seal's key and state.
    pub fn sealed(self) -> (String, Value) {
        let state = json!({
            "username": self.username,
            "role": self.role,
            "password_hash": self.password_hash,
            "subject": self.subject,
            "authority": self.authority,
            "services": json_value(&self.services),
            "behaviours": json_value(&self.behaviours),
            "disabled": self.disabled,
            "second_factor_secret": self.second_factor_secret,
            "second_factor_confirmed": self.second_factor_confirmed,
            "created_at": self.created_at,
        });
        (self.username, state)
    }
}

/// What a token grants, as a seal states it.
pub(crate) struct TokenState {
    pub id: i64,
    pub account: Option<String>,
    pub secret_hash: String,
    pub label: String,
    pub created_at: String,
    pub expires_at: i64,
    pub revoked_at: Option<String>,
}

impl TokenState {
    pub fn sealed(self) -> (String, Value) {
        let state = json!({
            "token": self.id,
            "account": self.account,
            "secret_hash": self.secret_hash,
            "label": self.label,
            "created_at": self.created_at,
            "expires_at": self.expires_at,
            "revoked_at": self.revoked_at,
        });
        (self.id.to_string(), state)
    }
}

/// Live accounts and tokens held against their newest seals: `seal` each
/// seal in log order, `compare` each live row, then `finish`.
#[derive(Default)]
pub(crate) struct SealCheck {
    newest: BTreeMap<(String, String), String>,
}

impl SealCheck {
    pub fn seal(&mut self, kind: String, key: String, state: String) {
        self.newest.insert((kind, key), state);
    }

    pub fn compare(&mut self, kind: &str, key: String, state: &Value) -> Result<()> {
        let Some(sealed) = self.newest.remove(&(kind.to_string(), key.clone())) else {
            return Err(StoreError::AuditBroken(format!("{kind} {key} was added outside socred: no audit entry seals it")));
        };
        let sealed = json_value(&sealed);
        if &sealed != state {
            let changed: Vec<String> = match (&sealed, state) {
                (Value::Object(was), Value::Object(now)) => {
                    now.iter().filter(|(field, value)| was.get(*field) != Some(*value)).map(|(field, _)| field.clone()).collect()
                }
                _ => vec!["its sealed state".into()],
            };
            return Err(StoreError::AuditBroken(format!(
                "{kind} {key} was changed outside socred: {} differs from its newest seal",
                changed.join(", ")
            )));
        }
        Ok(())
    }

    /// Every seal had its live row.
    pub fn finish(self) -> Result<()> {
        match self.newest.into_iter().next() {
            Some(((kind, key), _)) => Err(StoreError::AuditBroken(format!("{kind} {key} was removed outside socred: its seal has no row"))),
            None => Ok(()),
        }
    }
}

fn account_state(row: &rusqlite::Row<'_>) -> rusqlite::Result<(String, Value)> {
    Ok(AccountState {
        username: row.get(0)?,
        role: row.get(1)?,
        password_hash: row.get(2)?,
        subject: row.get(3)?,
        authority: row.get(4)?,
        services: row.get(5)?,
        behaviours: row.get(6)?,
        disabled: row.get(7)?,
        second_factor_secret: row.get(8)?,
        second_factor_confirmed: row.get(9)?,
        created_at: row.get(10)?,
    }
    .sealed())
}

fn token_state(row: &rusqlite::Row<'_>) -> rusqlite::Result<(String, Value)> {
    Ok(TokenState {
        id: row.get(0)?,
        account: row.get(1)?,
        secret_hash: row.get(2)?,
        label: row.get(3)?,
        created_at: row.get(4)?,
        expires_at: row.get(5)?,
        revoked_at: row.get(6)?,
    }
    .sealed())
}

fn insert_seal(connection: &Connection, audit_seq: i64, kind: &str, key: String, state: Value, digest: &mut RowDigest) -> Result<()> {
    connection.prepare_cached("INSERT INTO seals (kind, key, state, audit_seq) VALUES (?1, ?2, ?3, ?4)")?.execute(params![
        kind,
        key,
        socred_log::canonical_json(&state),
        audit_seq
    ])?;
    digest.add(&LedgerRow::Seal { kind: kind.to_string(), key, state });
    Ok(())
}

/// Seals an account's state as it now stands, inside the change's transaction.
pub(crate) fn seal_account(connection: &Connection, audit_seq: i64, account: i64, digest: &mut RowDigest) -> Result<()> {
    let (key, state) = connection
        .prepare_cached(&format!("{ACCOUNT_STATE} WHERE a.id = ?1"))?
        .query_row([account], account_state)
        .optional()?
        .ok_or_else(|| StoreError::NotFound(format!("account {account}")))?;
    insert_seal(connection, audit_seq, "account", key, state, digest)
}

/// Seals tokens (by id) as they now stand.
pub(crate) fn seal_tokens(connection: &Connection, audit_seq: i64, tokens: &[i64], digest: &mut RowDigest) -> Result<()> {
    for token in tokens {
        let (key, state) = connection
            .prepare_cached(&format!("{TOKEN_STATE} WHERE t.id = ?1"))?
            .query_row([token], token_state)
            .optional()?
            .ok_or_else(|| StoreError::NotFound(format!("token {token}")))?;
        insert_seal(connection, audit_seq, "token", key, state, digest)?;
    }
    Ok(())
}

/// Every live account and token equals its newest seal, and every seal has
/// its live row. Returns how many accounts and tokens were compared.
pub(crate) fn verify(connection: &Connection) -> Result<(u64, u64)> {
    let mut check = SealCheck::default();
    let mut statement = connection.prepare("SELECT kind, key, state FROM seals ORDER BY seq")?;
    let mut rows = statement.query([])?;
    while let Some(row) = rows.next()? {
        check.seal(row.get(0)?, row.get(1)?, row.get(2)?);
    }
    let accounts = compare(connection, ACCOUNT_STATE, account_state, "account", &mut check)?;
    let tokens = compare(connection, TOKEN_STATE, token_state, "token", &mut check)?;
    check.finish()?;
    Ok((accounts, tokens))
}

type StateOf = fn(&rusqlite::Row<'_>) -> rusqlite::Result<(String, Value)>;

fn compare(connection: &Connection, sql: &str, state_of: StateOf, kind: &str, check: &mut SealCheck) -> Result<u64> {
    let mut statement = connection.prepare(sql)?;
    let mut rows = statement.query([])?;
    let mut compared = 0;
    while let Some(row) = rows.next()? {
        let (key, state) = state_of(row)?;
        check.compare(kind, key, &state)?;
        compared += 1;
    }
    Ok(compared)
}
