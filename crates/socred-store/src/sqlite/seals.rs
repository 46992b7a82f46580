//! The embedded store's seals of accounts and tokens: written with each
//! change's entry, compared with the live rows by `audit verify`. What a
//! seal states is `crate::audit::seals`'s.

use rusqlite::{Connection, OptionalExtension, params};
use serde_json::Value;

use crate::audit::seals::{AccountState, SealCheck, TokenState};
use crate::audit::{LedgerRow, RowDigest};
use crate::error::{Result, StoreError};

const ACCOUNT_STATE: &str = "SELECT a.username, a.role, a.password_hash, s.id, a.authority, a.services, a.behaviours, a.disabled,
    a.totp_secret, a.totp_confirmed, a.created_at FROM accounts a LEFT JOIN subjects s ON s.key = a.subject";

const TOKEN_STATE: &str = "SELECT t.id, a.username, t.secret_hash, t.label, t.created_at, t.expires_at, t.revoked_at
    FROM tokens t LEFT JOIN accounts a ON a.id = t.account";

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
