//! Accounts and API tokens in the embedded store, under the shared rules of
//! `accounts.rs` (`check_new_account`, `token_expiry`), each change sealed.

use crate::error::{Result, StoreError};
use crate::{Actor, MAX_PAGE, Store};
use rusqlite::{Connection, OptionalExtension, params};

use super::seals;
use crate::audit::RowDigest;
use socred_auth::{Account, Role};

use crate::accounts::*;

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
                return Err(StoreError::conflict_message(
                    "input-conflict-username",
                    vec![("username", socred_i18n::Argument::Text(account.username.to_string()))],
                ));
            }
            // One subject account per person: a second would read the file
            // unlogged and file in the person's name.
            if let (Role::Subject, Some(key)) = (account.role, subject_key) {
                let existing: bool =
                    connection
                        .query_row("SELECT EXISTS (SELECT 1 FROM accounts WHERE role = 'subject' AND subject = ?1)", [key], |r| r.get(0))?;
                if existing {
                    return Err(StoreError::conflict_message("input-conflict-subject-account", vec![]));
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
                super::audit_log::log_access(
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

pub(crate) fn read_account(row: &rusqlite::Row<'_>) -> rusqlite::Result<AccountRow> {
    Ok((row.get(0)?, row.get(1)?, row.get(2)?, row.get(3)?, row.get(4)?, row.get(5)?, row.get(6)?))
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
    super::audit_log::append(connection, seq, &actor.at_text(), actor.name(), action, None, &detail, digest)?;
    Ok(())
}
