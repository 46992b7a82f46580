//! Accounts and API tokens on PostgreSQL. The rules are the embedded store's
//! (`accounts::check_new_account`, `token_expiry`); each change is one write
//! under the log's lock that seals the account's or token's new state, so
//! `audit verify` finds a row changed by hand on either backend alike.

use postgres::Transaction;
use socred_auth::{Account, Role};

use super::rows::{Owners, insert_row};
use super::{Entry, EntryRows, PgStore};
use crate::accounts::{
    AccountRow, MAX_TOKENS_PER_ACCOUNT, NewAccount, TokenInfo, check_new_account, to_account, token_expiry, wall_clock_unix,
};
use crate::audit::LedgerRow;
use crate::audit::seals::{AccountState, SealCheck, TokenState};
use crate::error::{Result, StoreError};
use crate::{Actor, MAX_PAGE};

pub(super) const ACCOUNT_COLUMNS: &str = "a.id, a.username, a.role, a.subject, a.authority, a.services, a.behaviours";

const ACCOUNT_STATE: &str = "SELECT a.username, a.role, a.password_hash, a.subject, a.authority, a.services, a.behaviours,
    a.disabled, a.totp_secret, a.totp_confirmed, a.created_at FROM accounts a";

const TOKEN_STATE: &str = "SELECT t.id, a.username, t.secret_hash, t.label, t.created_at, t.expires_at, t.revoked_at FROM tokens t LEFT JOIN accounts a ON a.id = t.account";

pub(super) fn account_row(row: &postgres::Row) -> AccountRow {
    (row.get(0), row.get(1), row.get(2), row.get(3), row.get(4), row.get(5), row.get(6))
}

fn account_state(row: &postgres::Row) -> (String, serde_json::Value) {
    AccountState {
        username: row.get(0),
        role: row.get(1),
        password_hash: row.get(2),
        subject: row.get(3),
        authority: row.get(4),
        services: row.get(5),
        behaviours: row.get(6),
        disabled: row.get(7),
        second_factor_secret: row.get(8),
        second_factor_confirmed: row.get(9),
        created_at: row.get(10),
    }
    .sealed()
}

fn token_state(row: &postgres::Row) -> (String, serde_json::Value) {
    TokenState {
        id: row.get(0),
        account: row.get(1),
        secret_hash: row.get(2),
        label: row.get(3),
        created_at: row.get(4),
        expires_at: row.get(5),
        revoked_at: row.get(6),
    }
    .sealed()
}

/// Seals name no subject's file and no record or report.
struct NoOwners;

impl Owners for NoOwners {
    fn record_subject(&mut self, _: &mut Transaction<'_>, record_id: &str) -> Result<String> {
        Err(StoreError::Corrupt(format!("a seal names record {record_id}")))
    }
    fn report_subject(&mut self, _: &mut Transaction<'_>, report_id: &str) -> Result<String> {
        Err(StoreError::Corrupt(format!("a seal names report {report_id}")))
    }
}

/// Seals the accounts and tokens a change touched, as they now stand in the
/// change's transaction.
pub(super) fn seal(transaction: &mut Transaction<'_>, rows: &mut EntryRows, accounts: &[i64], tokens: &[i64]) -> Result<()> {
    for account in accounts {
        let row = transaction
            .query_opt(&format!("{ACCOUNT_STATE} WHERE a.id = $1"), &[account])?
            .ok_or_else(|| StoreError::NotFound(format!("account {account}")))?;
        let (key, state) = account_state(&row);
        insert_row(transaction, rows, &LedgerRow::Seal { kind: "account".into(), key, state }, &mut NoOwners)?;
    }
    for token in tokens {
        let row = transaction
            .query_opt(&format!("{TOKEN_STATE} WHERE t.id = $1"), &[token])?
            .ok_or_else(|| StoreError::NotFound(format!("token {token}")))?;
        let (key, state) = token_state(&row);
        insert_row(transaction, rows, &LedgerRow::Seal { kind: "token".into(), key, state }, &mut NoOwners)?;
    }
    Ok(())
}

pub(super) fn entry(action: &str, detail: serde_json::Value) -> Option<Entry> {
    Some(Entry { action: action.to_string(), subject: None, detail })
}

pub(super) fn account_id(transaction: &mut Transaction<'_>, username: &str) -> Result<i64> {
    transaction
        .query_opt("SELECT id FROM accounts WHERE username = $1", &[&username])?
        .map(|row| row.get(0))
        .ok_or_else(|| StoreError::NotFound(format!("account {username}")))
}

/// Every live account and token equals its newest seal, and every seal has
/// its live row (in the verifying snapshot). Returns how many were compared.
pub(crate) fn verify_seals(transaction: &mut Transaction<'_>) -> Result<(u64, u64)> {
    let mut check = SealCheck::default();
    super::log::each_row(transaction, "SELECT kind, key, state FROM seals ORDER BY audit_seq, ordinal", |row| {
        check.seal(row.get(0), row.get(1), row.get(2));
        Ok(())
    })?;
    let (mut accounts, mut tokens) = (0, 0);
    super::log::each_row(transaction, ACCOUNT_STATE, |row| {
        let (key, state) = account_state(row);
        accounts += 1;
        check.compare("account", key, &state)
    })?;
    super::log::each_row(transaction, TOKEN_STATE, |row| {
        let (key, state) = token_state(row);
        tokens += 1;
        check.compare("token", key, &state)
    })?;
    check.finish()?;
    Ok((accounts, tokens))
}

/// Accounts and tokens as their newest seals state them, after a restore
/// (sign-in counters start afresh; sessions are not exported).
pub(crate) fn rebuild_accounts(transaction: &mut Transaction<'_>) -> Result<()> {
    let newest = transaction.query(
        "SELECT kind, key, state FROM (SELECT DISTINCT ON (kind, key) kind, key, state, audit_seq, ordinal FROM seals
             ORDER BY kind, key, audit_seq DESC, ordinal DESC) s
         ORDER BY kind, (SELECT min(audit_seq) FROM seals t WHERE t.kind = s.kind AND t.key = s.key)",
        &[],
    )?;
    let refused = |what: &str| crate::restore::refused(format!("a seal: {what}"));
    let text = |state: &serde_json::Value, key: &str| state[key].as_str().map(str::to_string).ok_or_else(|| refused(key));
    let mut next_account = 0i64;
    for row in newest.iter().filter(|row| row.get::<_, &str>(0) == "account") {
        let state = crate::audit::rows::json_value(row.get(2));
        next_account += 1;
        let list = |key: &str| socred_log::canonical_json(&state[key]);
        transaction.execute(
            "INSERT INTO accounts (id, username, role, password_hash, subject, authority, services, behaviours, created_at, disabled,
             totp_secret, totp_confirmed) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
            &[
                &next_account,
                &text(&state, "username")?,
                &text(&state, "role")?,
                &state["password_hash"].as_str(),
                &state["subject"].as_str(),
                &state["authority"].as_str(),
                &list("services"),
                &list("behaviours"),
                &text(&state, "created_at")?,
                &state["disabled"].as_bool().unwrap_or(false),
                &state["second_factor_secret"].as_str(),
                &state["second_factor_confirmed"].as_bool().unwrap_or(false),
            ],
        )?;
    }
    for row in newest.iter().filter(|row| row.get::<_, &str>(0) == "token") {
        let state = crate::audit::rows::json_value(row.get(2));
        let id: i64 = row.get::<_, &str>(1).parse().map_err(|_| refused("a token's key is not a number"))?;
        let account = account_id(transaction, &text(&state, "account")?)?;
        transaction.execute(
            "INSERT INTO tokens (id, account, secret_hash, label, created_at, revoked_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
            &[
                &id,
                &account,
                &text(&state, "secret_hash")?,
                &text(&state, "label")?,
                &text(&state, "created_at")?,
                &state["revoked_at"].as_str(),
                &state["expires_at"].as_i64().ok_or_else(|| refused("expires_at"))?,
            ],
        )?;
    }
    Ok(())
}

impl PgStore {
    /// Creates an account (see [`crate::Store::add_account`]).
    pub fn add_account(&mut self, account: &NewAccount, actor: &Actor) -> Result<i64> {
        check_new_account(account, self.rulebook())?;
        self.write(actor, |transaction, rows| {
            if transaction.query_opt("SELECT 1 FROM accounts WHERE username = $1", &[&account.username])?.is_some() {
                return Err(StoreError::conflict_message(
                    "input-conflict-username",
                    vec![("username", socred_i18n::Argument::Text(account.username.to_string()))],
                ));
            }
            let subject = account.subject.as_ref().map(|s| s.as_str());
            if let Some(subject) = subject
                && transaction.query_opt("SELECT 1 FROM subjects WHERE subject = $1", &[&subject])?.is_none()
            {
                return Err(StoreError::UnknownSubject(subject.to_string()));
            }
            // One subject account per person: a second would read the file
            // unlogged and file in the person's name.
            if let (Role::Subject, Some(subject)) = (account.role, subject)
                && transaction.query_opt("SELECT 1 FROM accounts WHERE role = 'subject' AND subject = $1", &[&subject])?.is_some()
            {
                return Err(StoreError::conflict_message("input-conflict-subject-account", vec![]));
            }
            // Under the log's write lock: no other writer gives out a number now.
            let id: i64 = transaction.query_one("SELECT coalesce(max(id), 0) + 1 FROM accounts", &[])?.get(0);
            transaction.execute(
                "INSERT INTO accounts (id, username, role, password_hash, subject, authority, services, behaviours, created_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
                &[
                    &id,
                    &account.username,
                    &account.role.as_str(),
                    &account.password_hash,
                    &subject,
                    &account.authority,
                    &serde_json::to_string(&account.services).expect("strings serialise"),
                    &serde_json::to_string(&account.behaviours).expect("strings serialise"),
                    &actor.at_text(),
                ],
            )?;
            // The person sees, in their file's access log, every account that names them.
            if let Some(subject) = subject {
                let what = format!("created the {} account {} that names you", account.role, account.username);
                super::ledger::append_access(transaction, actor, subject, "account administration", &what)?;
            }
            seal(transaction, rows, &[id], &[])?;
            let detail = serde_json::json!({"username": account.username, "role": account.role, "subject": account.subject,
                "authority": account.authority, "services": account.services, "behaviours": account.behaviours});
            Ok((id, entry("account.add", detail)))
        })
    }

    /// An enabled account and its password hash, for sign-in.
    pub fn account_for_login(&self, username: &str) -> Result<Option<(Account, Option<String>)>> {
        let row = self.read_connection()?.query_opt(
            &format!("SELECT {ACCOUNT_COLUMNS}, a.password_hash FROM accounts a WHERE a.username = $1 AND NOT a.disabled"),
            &[&username],
        )?;
        row.map(|row| Ok((to_account(account_row(&row))?, row.get(7)))).transpose()
    }

    pub fn account(&self, username: &str) -> Result<Option<Account>> {
        Ok(self.account_for_login(username)?.map(|(account, _)| account))
    }

    /// The account a live API token belongs to: not revoked, not expired at
    /// `now_unix`, of an enabled account. Read from the primary: a token
    /// revoked a moment ago must not still open a standby's door.
    pub fn account_by_token(&self, secret_hash: &str, now_unix: i64) -> Result<Option<Account>> {
        let row = self.connection()?.query_opt(
            &format!(
                "SELECT {ACCOUNT_COLUMNS} FROM tokens t JOIN accounts a ON a.id = t.account
                 WHERE t.secret_hash = $1 AND t.revoked_at IS NULL AND t.expires_at > $2 AND NOT a.disabled"
            ),
            &[&secret_hash, &now_unix],
        )?;
        row.map(|row| to_account(account_row(&row))).transpose()
    }

    /// From the primary, like tokens: an account just disabled is listed so.
    pub fn accounts(&self) -> Result<Vec<Account>> {
        let rows = self
            .connection()?
            .query(&format!("SELECT {ACCOUNT_COLUMNS} FROM accounts a ORDER BY a.id LIMIT $1"), &[&i64::from(MAX_PAGE)])?;
        rows.iter().map(|row| to_account(account_row(row))).collect()
    }

    /// Stores a new token (its hash) for an account; the secret is never stored.
    pub fn issue_token(&mut self, account: &Account, secret_hash: &str, label: &str, valid_days: u32, actor: &Actor) -> Result<i64> {
        let expires_at = token_expiry(label, valid_days)?;
        self.write(actor, |transaction, rows| {
            let live: i64 = transaction
                .query_one(
                    "SELECT count(*) FROM tokens WHERE account = $1 AND revoked_at IS NULL AND expires_at > $2",
                    &[&account.id, &wall_clock_unix()],
                )?
                .get(0);
            if live >= MAX_TOKENS_PER_ACCOUNT {
                return Err(StoreError::TooLarge { count: live as usize + 1, limit: MAX_TOKENS_PER_ACCOUNT as usize });
            }
            if transaction.query_opt("SELECT 1 FROM tokens WHERE secret_hash = $1", &[&secret_hash])?.is_some() {
                return Err(StoreError::Conflict("a token with this secret exists".into()));
            }
            let id: i64 = transaction.query_one("SELECT coalesce(max(id), 0) + 1 FROM tokens", &[])?.get(0);
            transaction.execute(
                "INSERT INTO tokens (id, account, secret_hash, label, created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6)",
                &[&id, &account.id, &secret_hash, &label, &actor.at_text(), &expires_at],
            )?;
            seal(transaction, rows, &[], &[id])?;
            let detail = serde_json::json!({"account": account.username, "token": id, "label": label, "expires_at": expires_at});
            Ok((id, entry("token.issue", detail)))
        })
    }

    /// Revokes a token. With `owner`, only that account's tokens can be revoked.
    pub fn revoke_token(&mut self, token: i64, owner: Option<i64>, actor: &Actor) -> Result<()> {
        self.write(actor, |transaction, rows| {
            let row = transaction.query_opt(
                "SELECT t.account, t.revoked_at, a.username FROM tokens t JOIN accounts a ON a.id = t.account WHERE t.id = $1",
                &[&token],
            )?;
            let Some((account, revoked, username)) = row
                .map(|row| (row.get::<_, i64>(0), row.get::<_, Option<String>>(1), row.get::<_, String>(2)))
                .filter(|(account, _, _)| owner.is_none_or(|o| o == *account))
            else {
                return Err(StoreError::NotFound(format!("token {token}")));
            };
            if revoked.is_some() {
                return Ok(((), None));
            }
            transaction.execute("UPDATE tokens SET revoked_at = $1 WHERE id = $2", &[&actor.at_text(), &token])?;
            seal(transaction, rows, &[], &[token])?;
            Ok(((), entry("token.revoke", serde_json::json!({"account": username, "token": token, "account_id": account}))))
        })
    }

    /// From the primary: a token revoked a moment ago is not listed as live.
    pub fn tokens_of(&self, account: i64) -> Result<Vec<TokenInfo>> {
        let rows = self
            .connection()?
            .query("SELECT id, label, created_at, revoked_at, expires_at FROM tokens WHERE account = $1 ORDER BY id", &[&account])?;
        Ok(rows
            .iter()
            .map(|r| TokenInfo { id: r.get(0), label: r.get(1), created_at: r.get(2), revoked_at: r.get(3), expires_at: r.get(4) })
            .collect())
    }

    /// Sets a password hash (a change by its owner, or an admin's reset,
    /// which revokes the account's tokens too); ends its sessions.
    pub fn set_password(&mut self, username: &str, password_hash: &str, actor: &Actor) -> Result<()> {
        self.write(actor, |transaction, rows| {
            let id = account_id(transaction, username)?;
            transaction.execute(
                "UPDATE accounts SET password_hash = $2, failed_sign_ins = 0, locked_until = 0 WHERE id = $1",
                &[&id, &password_hash],
            )?;
            let ended = transaction.execute("DELETE FROM sessions WHERE account = $1", &[&id])?;
            let own = actor.name() == username;
            // An admin's reset answers a lost or stolen password: the tokens go with it.
            let revoked: Vec<i64> = if own {
                Vec::new()
            } else {
                let live = transaction.query("SELECT id FROM tokens WHERE account = $1 AND revoked_at IS NULL ORDER BY id", &[&id])?;
                transaction
                    .execute("UPDATE tokens SET revoked_at = $2 WHERE account = $1 AND revoked_at IS NULL", &[&id, &actor.at_text()])?;
                live.iter().map(|row| row.get(0)).collect()
            };
            seal(transaction, rows, &[id], &revoked)?;
            let action = if own { "account.password-change" } else { "account.password-reset" };
            let detail = serde_json::json!({"username": username, "sessions_ended": ended, "tokens_revoked": revoked.len()});
            Ok(((), entry(action, detail)))
        })
    }

    /// Disables (or enables) an account; disabling ends its sessions.
    pub fn set_disabled(&mut self, username: &str, disabled: bool, actor: &Actor) -> Result<()> {
        if disabled && actor.name() == username {
            return Err(StoreError::invalid_message("username", "input-disable-own-account", vec![]));
        }
        self.write(actor, |transaction, rows| {
            let id = account_id(transaction, username)?;
            transaction
                .execute("UPDATE accounts SET disabled = $2, failed_sign_ins = 0, locked_until = 0 WHERE id = $1", &[&id, &disabled])?;
            let ended = if disabled { transaction.execute("DELETE FROM sessions WHERE account = $1", &[&id])? } else { 0 };
            seal(transaction, rows, &[id], &[])?;
            let action = if disabled { "account.disable" } else { "account.enable" };
            Ok(((), entry(action, serde_json::json!({"username": username, "sessions_ended": ended}))))
        })
    }
}
