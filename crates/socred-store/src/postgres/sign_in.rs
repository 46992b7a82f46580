//! Signing in on PostgreSQL, under the embedded store's rules (`sign_in.rs`):
//! the backoff of failed attempts, each attempt on the log, browser sessions
//! and the TOTP second factor. Credentials and sessions are read from the
//! primary: a wait just imposed, or a session just ended, holds on every server.

use socred_auth::Account;

use super::PgStore;
use super::accounts::{ACCOUNT_COLUMNS, account_id, account_row, entry, seal};
use crate::Actor;
use crate::accounts::{to_account, wall_clock_unix};
use crate::error::{Result, StoreError};
use crate::sign_in::{Credentials, FAILURE_MEMORY_SECONDS, SignIn, SignInRecorded, lock_seconds};

impl PgStore {
    /// The credentials of an enabled account, for a sign-in.
    pub fn credentials(&self, username: &str) -> Result<Option<Credentials>> {
        let row = self.connection()?.query_opt(
            &format!(
                "SELECT {ACCOUNT_COLUMNS}, a.password_hash, a.locked_until, a.totp_secret, a.totp_confirmed, a.totp_last_step
                 FROM accounts a WHERE a.username = $1 AND NOT a.disabled"
            ),
            &[&username],
        )?;
        row.map(|row| {
            let (secret, confirmed, last_step): (Option<String>, bool, i64) = (row.get(9), row.get(10), row.get(11));
            Ok(Credentials {
                account: to_account(account_row(&row))?,
                password_hash: row.get(7),
                locked_until: row.get(8),
                second_factor: secret.filter(|_| confirmed).map(|secret| (secret, last_step)),
            })
        })
        .transpose()
    }

    /// Writes a sign-in attempt to the log and keeps the account's backoff
    /// (see [`crate::Store::record_sign_in`]). The account's row is locked
    /// for the attempt, so two servers counting failures count them all, and
    /// a second-factor step is taken once.
    pub fn record_sign_in(&mut self, username: &str, address: &str, outcome: &SignIn, actor: &Actor) -> Result<SignInRecorded> {
        let now = wall_clock_unix();
        let shown = if socred_auth::check_username(username).is_ok() { username } else { "(not a username)" };
        self.write(actor, |transaction, _| {
            let account = transaction
                .query_opt("SELECT id, failed_sign_ins, last_failed_at FROM accounts WHERE username = $1 FOR UPDATE", &[&username])?
                .map(|row| (row.get::<_, i64>(0), i64::from(row.get::<_, i32>(1)), row.get::<_, i64>(2)));
            let failure = |transaction: &mut postgres::Transaction<'_>, id: i64, failures: i64, last_failed_at: i64| -> Result<i64> {
                let failures = if now - last_failed_at > FAILURE_MEMORY_SECONDS { 1 } else { failures + 1 };
                let until = match lock_seconds(failures) {
                    0 => 0,
                    wait => now + wait,
                };
                let counted = i32::try_from(failures).unwrap_or(i32::MAX);
                transaction.execute(
                    "UPDATE accounts SET failed_sign_ins = $2, locked_until = $3, last_failed_at = $4 WHERE id = $1",
                    &[&id, &counted, &until, &now],
                )?;
                Ok(until)
            };
            let failed = |until: i64| SignInRecorded { accepted: false, locked_until: until };
            let (action, recorded, reason) = match (outcome, account) {
                (SignIn::Succeeded { step }, Some((id, failures, last_failed_at))) => {
                    let step_taken = step.map_or(0, |s| s as i64);
                    // Taken only as the account stands now: not disabled meanwhile,
                    // not made to wait by failures another server counted since
                    // (a code still passes the wait), its code's step unused.
                    let taken = transaction.execute(
                        "UPDATE accounts SET failed_sign_ins = 0, locked_until = 0, totp_last_step = GREATEST(totp_last_step, $2)
                         WHERE id = $1 AND NOT disabled AND ($3 OR locked_until <= $4) AND (NOT $3 OR totp_last_step < $2)",
                        &[&id, &step_taken, &step.is_some(), &now],
                    )?;
                    if taken == 1 {
                        ("account.sign-in", SignInRecorded { accepted: true, locked_until: 0 }, None)
                    } else {
                        let until = failure(transaction, id, failures, last_failed_at)?;
                        ("account.sign-in-failed", failed(until), Some("second-factor code already used, or the account changed meanwhile"))
                    }
                }
                (SignIn::Succeeded { .. }, None) => return Err(StoreError::NotFound(format!("account {shown}"))),
                (SignIn::Failed { reason }, Some((id, failures, last_failed_at))) => {
                    let until = failure(transaction, id, failures, last_failed_at)?;
                    ("account.sign-in-failed", failed(until), Some(*reason))
                }
                (SignIn::Failed { reason }, None) => ("account.sign-in-failed", failed(0), Some(*reason)),
                (SignIn::Locked, _) => ("account.sign-in-refused", failed(0), Some("waiting after failed sign-ins")),
            };
            let detail =
                serde_json::json!({"username": shown, "address": address, "reason": reason, "locked_until": recorded.locked_until});
            Ok((recorded, entry(action, detail)))
        })
    }

    pub fn account_language(&self, account: i64) -> Result<Option<String>> {
        let mut connection = self.connection()?;
        Ok(connection.query_opt("SELECT language FROM account_languages WHERE account = $1", &[&account])?.map(|row| row.get(0)))
    }

    pub fn set_account_language(&mut self, account: i64, language: &str) -> Result<()> {
        crate::sign_in::check_account_language(language)?;
        let mut connection = self.connection()?;
        let kept = connection.execute(
            "INSERT INTO account_languages (account, language) SELECT $1, $2 WHERE EXISTS (SELECT 1 FROM accounts WHERE id = $1)
             ON CONFLICT (account) DO UPDATE SET language = excluded.language",
            &[&account, &language],
        )?;
        if kept == 0 {
            return Err(StoreError::NotFound(format!("account {account}")));
        }
        Ok(())
    }

    /// Opens a browser session. Sessions that ended are purged on the way.
    pub fn create_session(&mut self, account: i64, secret_hash: &str, csrf: &str, now_unix: i64, expires_unix: i64) -> Result<()> {
        let mut connection = self.connection()?;
        connection.execute("DELETE FROM sessions WHERE expires_at <= $1", &[&now_unix])?;
        // Not for an account disabled since its sign-in was taken.
        let opened = connection.execute(
            "INSERT INTO sessions (secret_hash, account, csrf, expires_at, last_seen)
             SELECT $1, $2, $3, $4, $5 WHERE EXISTS (SELECT 1 FROM accounts WHERE id = $2 AND NOT disabled)",
            &[&secret_hash, &account, &csrf, &expires_unix, &now_unix],
        )?;
        if opened == 0 {
            return Err(StoreError::NotFound(format!("account {account}")));
        }
        Ok(())
    }

    /// The account, CSRF token and last use of a live session: within its
    /// lifetime, used within `idle_seconds`, of an enabled account.
    pub fn session(&self, secret_hash: &str, now_unix: i64, idle_seconds: i64) -> Result<Option<(Account, String, i64)>> {
        let row = self.connection()?.query_opt(
            &format!(
                "SELECT {ACCOUNT_COLUMNS}, x.csrf, x.last_seen FROM sessions x JOIN accounts a ON a.id = x.account
                 WHERE x.secret_hash = $1 AND x.expires_at > $2 AND x.last_seen > $3 AND NOT a.disabled"
            ),
            &[&secret_hash, &now_unix, &(now_unix - idle_seconds)],
        )?;
        row.map(|row| Ok((to_account(account_row(&row))?, row.get(7), row.get(8)))).transpose()
    }

    /// Marks a session used now (keeps it from the idle timeout).
    pub fn touch_session(&mut self, secret_hash: &str, now_unix: i64) -> Result<()> {
        self.connection()?
            .execute("UPDATE sessions SET last_seen = GREATEST(last_seen, $2) WHERE secret_hash = $1", &[&secret_hash, &now_unix])?;
        Ok(())
    }

    pub fn end_session(&mut self, secret_hash: &str) -> Result<()> {
        self.connection()?.execute("DELETE FROM sessions WHERE secret_hash = $1", &[&secret_hash])?;
        Ok(())
    }

    /// Starts enrolling a second factor: the secret waits for a first code.
    /// An account that has one confirmed keeps it until an admin removes it.
    pub fn begin_second_factor(&mut self, account: i64, secret: &str, actor: &Actor) -> Result<()> {
        self.write(actor, |transaction, rows| {
            let confirmed: bool = transaction
                .query_opt("SELECT totp_confirmed FROM accounts WHERE id = $1 FOR UPDATE", &[&account])?
                .map(|row| row.get(0))
                .ok_or_else(|| StoreError::NotFound(format!("account {account}")))?;
            if confirmed {
                return Err(StoreError::conflict_message("input-conflict-second-factor", vec![]));
            }
            transaction.execute("UPDATE accounts SET totp_secret = $2, totp_last_step = 0 WHERE id = $1", &[&account, &secret])?;
            seal(transaction, rows, &[account], &[])?;
            Ok(((), entry("account.second-factor-begin", serde_json::json!({"username": actor.name()}))))
        })
    }

    /// The secret waiting for its first code, if enrolment has begun.
    pub fn pending_second_factor(&self, account: i64) -> Result<Option<String>> {
        Ok(self
            .connection()?
            .query_opt("SELECT totp_secret FROM accounts WHERE id = $1 AND NOT totp_confirmed", &[&account])?
            .and_then(|row| row.get(0)))
    }

    /// Confirms the second factor with the step its first code matched.
    pub fn confirm_second_factor(&mut self, account: i64, secret: &str, step: u64, actor: &Actor) -> Result<()> {
        self.write(actor, |transaction, rows| {
            let changed = transaction.execute(
                "UPDATE accounts SET totp_confirmed = true, totp_last_step = $2
                 WHERE id = $1 AND totp_secret = $3 AND NOT totp_confirmed",
                &[&account, &(step as i64), &secret],
            )?;
            if changed == 0 {
                return Err(StoreError::conflict_message("input-conflict-no-enrolment", vec![]));
            }
            seal(transaction, rows, &[account], &[])?;
            Ok(((), entry("account.second-factor-confirm", serde_json::json!({"username": actor.name()}))))
        })
    }

    /// An admin removes an account's second factor (a lost device); it can enrol again.
    pub fn remove_second_factor(&mut self, username: &str, actor: &Actor) -> Result<()> {
        self.write(actor, |transaction, rows| {
            let id = account_id(transaction, username)?;
            transaction
                .execute("UPDATE accounts SET totp_secret = NULL, totp_confirmed = false, totp_last_step = 0 WHERE id = $1", &[&id])?;
            transaction.execute("DELETE FROM sessions WHERE account = $1", &[&id])?;
            seal(transaction, rows, &[id], &[])?;
            Ok(((), entry("account.second-factor-remove", serde_json::json!({"username": username}))))
        })
    }
}
