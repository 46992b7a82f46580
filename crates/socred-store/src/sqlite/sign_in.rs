//! Signing in on the embedded store: the backoff of failed attempts (each on
//! the log), browser sessions, and the TOTP second factor.

use super::accounts::{audit_change, read_account};
use crate::accounts::{ACCOUNT_COLUMNS, to_account};
use crate::error::{Result, StoreError};
use crate::{Actor, Store};
use rusqlite::{OptionalExtension, params};
use socred_auth::Account;

use crate::sign_in::*;

impl Store {
    /// The credentials of an enabled account, for a sign-in.
    pub fn credentials(&self, username: &str) -> Result<Option<Credentials>> {
        let sql = format!(
            "SELECT {ACCOUNT_COLUMNS}, a.password_hash, a.locked_until, a.totp_secret, a.totp_confirmed, a.totp_last_step
             FROM accounts a LEFT JOIN subjects s ON s.key = a.subject WHERE a.username = ?1 AND a.disabled = 0"
        );
        let row = self
            .connection
            .prepare_cached(&sql)?
            .query_row([username], |row| {
                Ok((
                    read_account(row)?,
                    row.get::<_, Option<String>>(7)?,
                    row.get::<_, i64>(8)?,
                    row.get::<_, Option<String>>(9)?,
                    row.get::<_, bool>(10)?,
                    row.get::<_, i64>(11)?,
                ))
            })
            .optional()?;
        row.map(|(raw, password_hash, locked_until, secret, confirmed, last_step)| {
            Ok(Credentials {
                account: to_account(raw)?,
                password_hash,
                locked_until,
                second_factor: secret.filter(|_| confirmed).map(|secret| (secret, last_step)),
            })
        })
        .transpose()
    }

    /// Writes a sign-in attempt to the audit log (success or failure, with the
    /// username tried and the client's address; never the password) and keeps
    /// the account's backoff: a failure counts (failures a day old are
    /// forgotten), and from the fifth in a row the account waits 30 s,
    /// doubling to 15 minutes; a success resets it. A success with a
    /// second-factor code takes the code's step, once: a code whose step was
    /// taken meanwhile (a replay, a race) makes the attempt a failure.
    /// Waits are by the wall clock, whatever the store's dating.
    pub fn record_sign_in(&mut self, username: &str, address: &str, outcome: &SignIn, actor: &Actor) -> Result<SignInRecorded> {
        let now = crate::accounts::wall_clock_unix();
        let shown = if socred_auth::check_username(username).is_ok() { username } else { "(not a username)" };
        self.write(actor, |connection, seq| {
            let account: Option<(i64, i64, i64)> = connection
                .query_row("SELECT id, failed_sign_ins, last_failed_at FROM accounts WHERE username = ?1", [username], |r| {
                    Ok((r.get(0)?, r.get(1)?, r.get(2)?))
                })
                .optional()?;
            let failure = |id: i64, failures: i64, last_failed_at: i64| -> Result<i64> {
                let failures = if now - last_failed_at > FAILURE_MEMORY_SECONDS { 1 } else { failures + 1 };
                let until = match lock_seconds(failures) {
                    0 => 0,
                    wait => now + wait,
                };
                connection.execute(
                    "UPDATE accounts SET failed_sign_ins = ?2, locked_until = ?3, last_failed_at = ?4 WHERE id = ?1",
                    params![id, failures, until, now],
                )?;
                Ok(until)
            };
            let (action, recorded, reason) = match (outcome, account) {
                (SignIn::Succeeded { step }, Some((id, failures, last_failed_at))) => {
                    // Taken only as the account stands now: not disabled meanwhile,
                    // not made to wait by failures counted since (a code still
                    // passes the wait), its code's step unused.
                    let taken = connection.execute(
                        "UPDATE accounts SET failed_sign_ins = 0, locked_until = 0, totp_last_step = MAX(totp_last_step, ?2)
                         WHERE id = ?1 AND disabled = 0 AND (?3 = 1 OR locked_until <= ?4) AND (?3 = 0 OR totp_last_step < ?2)",
                        params![id, step.map_or(0, |s| s as i64), step.is_some(), now],
                    )?;
                    if taken == 1 {
                        ("account.sign-in", SignInRecorded { accepted: true, locked_until: 0 }, None)
                    } else {
                        let until = failure(id, failures, last_failed_at)?;
                        (
                            "account.sign-in-failed",
                            SignInRecorded { accepted: false, locked_until: until },
                            Some("second-factor code already used, or the account changed meanwhile"),
                        )
                    }
                }
                (SignIn::Succeeded { .. }, None) => return Err(StoreError::NotFound(format!("account {shown}"))),
                (SignIn::Failed { reason }, Some((id, failures, last_failed_at))) => {
                    let until = failure(id, failures, last_failed_at)?;
                    ("account.sign-in-failed", SignInRecorded { accepted: false, locked_until: until }, Some(*reason))
                }
                (SignIn::Failed { reason }, None) => {
                    ("account.sign-in-failed", SignInRecorded { accepted: false, locked_until: 0 }, Some(*reason))
                }
                (SignIn::Locked, _) => {
                    ("account.sign-in-refused", SignInRecorded { accepted: false, locked_until: 0 }, Some("waiting after failed sign-ins"))
                }
            };
            audit_change(
                connection,
                seq,
                actor,
                action,
                serde_json::json!({"username": shown, "address": address, "reason": reason, "locked_until": recorded.locked_until}),
                (&[], &[]),
            )?;
            Ok(recorded)
        })
    }

    pub fn account_language(&self, account: i64) -> Result<Option<String>> {
        Ok(self
            .connection
            .prepare_cached("SELECT language FROM account_languages WHERE account = ?1")?
            .query_row([account], |row| row.get(0))
            .optional()?)
    }

    pub fn set_account_language(&mut self, account: i64, language: &str) -> Result<()> {
        crate::sign_in::check_account_language(language)?;
        let kept = self.connection.execute(
            "INSERT INTO account_languages (account, language) SELECT ?1, ?2 WHERE EXISTS (SELECT 1 FROM accounts WHERE id = ?1)
             ON CONFLICT (account) DO UPDATE SET language = excluded.language",
            params![account, language],
        )?;
        if kept == 0 {
            return Err(StoreError::NotFound(format!("account {account}")));
        }
        Ok(())
    }

    /// Opens a browser session. Sessions that ended are purged on the way.
    pub fn create_session(&mut self, account: i64, secret_hash: &str, csrf: &str, now_unix: i64, expires_unix: i64) -> Result<()> {
        self.connection.execute("DELETE FROM sessions WHERE expires_at <= ?1", [now_unix])?;
        // Not for an account disabled since its sign-in was taken.
        let opened = self.connection.execute(
            "INSERT INTO sessions (secret_hash, account, csrf, expires_at, last_seen)
             SELECT ?1, ?2, ?3, ?4, ?5 WHERE EXISTS (SELECT 1 FROM accounts WHERE id = ?2 AND disabled = 0)",
            params![secret_hash, account, csrf, expires_unix, now_unix],
        )?;
        if opened == 0 {
            return Err(StoreError::NotFound(format!("account {account}")));
        }
        Ok(())
    }

    /// The account, CSRF token and last use of a live session: within its
    /// lifetime, used within `idle_seconds`, of an enabled account.
    pub fn session(&self, secret_hash: &str, now_unix: i64, idle_seconds: i64) -> Result<Option<(Account, String, i64)>> {
        let sql = format!(
            "SELECT {ACCOUNT_COLUMNS}, x.csrf, x.last_seen FROM sessions x JOIN accounts a ON a.id = x.account
             LEFT JOIN subjects s ON s.key = a.subject
             WHERE x.secret_hash = ?1 AND x.expires_at > ?2 AND x.last_seen > ?3 AND a.disabled = 0"
        );
        let row = self
            .connection
            .prepare_cached(&sql)?
            .query_row(params![secret_hash, now_unix, now_unix - idle_seconds], |row| {
                Ok((read_account(row)?, row.get::<_, String>(7)?, row.get::<_, i64>(8)?))
            })
            .optional()?;
        row.map(|(raw, csrf, last_seen)| Ok((to_account(raw)?, csrf, last_seen))).transpose()
    }

    /// Marks a session used now (keeps it from the idle timeout).
    pub fn touch_session(&mut self, secret_hash: &str, now_unix: i64) -> Result<()> {
        self.connection
            .execute("UPDATE sessions SET last_seen = MAX(last_seen, ?2) WHERE secret_hash = ?1", params![secret_hash, now_unix])?;
        Ok(())
    }

    pub fn end_session(&mut self, secret_hash: &str) -> Result<()> {
        self.connection.execute("DELETE FROM sessions WHERE secret_hash = ?1", [secret_hash])?;
        Ok(())
    }

    /// Sets an account's password (its owner's change, or an admin's reset)
    /// and ends all of its sessions; an admin's reset also revokes its tokens.
    /// The hash was made under the rules.
    pub fn set_password(&mut self, username: &str, password_hash: &str, actor: &Actor) -> Result<()> {
        self.write(actor, |connection, seq| {
            let id = account_id(connection, username)?;
            connection.execute(
                "UPDATE accounts SET password_hash = ?2, failed_sign_ins = 0, locked_until = 0 WHERE id = ?1",
                params![id, password_hash],
            )?;
            let ended = connection.execute("DELETE FROM sessions WHERE account = ?1", [id])?;
            let own = actor.name() == username;
            // An admin's reset answers a lost or stolen password: the tokens go with it.
            let revoked: Vec<i64> = if own {
                Vec::new()
            } else {
                let live: Vec<i64> = connection
                    .prepare("SELECT id FROM tokens WHERE account = ?1 AND revoked_at IS NULL ORDER BY id")?
                    .query_map([id], |r| r.get(0))?
                    .collect::<rusqlite::Result<_>>()?;
                connection
                    .execute("UPDATE tokens SET revoked_at = ?2 WHERE account = ?1 AND revoked_at IS NULL", params![id, actor.at_text()])?;
                live
            };
            audit_change(
                connection,
                seq,
                actor,
                if own { "account.password-change" } else { "account.password-reset" },
                serde_json::json!({"username": username, "sessions_ended": ended, "tokens_revoked": revoked.len()}),
                (&[id], &revoked),
            )
        })
    }

    /// Disables or enables an account. Disabling ends its sessions; its
    /// tokens stop authenticating (they are checked against the account).
    pub fn set_disabled(&mut self, username: &str, disabled: bool, actor: &Actor) -> Result<()> {
        if disabled && actor.name() == username {
            return Err(StoreError::invalid_message("username", "input-disable-own-account", vec![]));
        }
        self.write(actor, |connection, seq| {
            let id = account_id(connection, username)?;
            connection
                .execute("UPDATE accounts SET disabled = ?2, failed_sign_ins = 0, locked_until = 0 WHERE id = ?1", params![id, disabled])?;
            let ended = if disabled { connection.execute("DELETE FROM sessions WHERE account = ?1", [id])? } else { 0 };
            audit_change(
                connection,
                seq,
                actor,
                if disabled { "account.disable" } else { "account.enable" },
                serde_json::json!({"username": username, "sessions_ended": ended}),
                (&[id], &[]),
            )
        })
    }

    /// Starts enrolling a second factor: the secret waits for a first code.
    /// An account that has one confirmed keeps it until an admin resets it.
    pub fn begin_second_factor(&mut self, account: i64, secret: &str, actor: &Actor) -> Result<()> {
        self.write(actor, |connection, seq| {
            let confirmed: bool = connection.query_row("SELECT totp_confirmed FROM accounts WHERE id = ?1", [account], |r| r.get(0))?;
            if confirmed {
                return Err(StoreError::conflict_message("input-conflict-second-factor", vec![]));
            }
            connection.execute("UPDATE accounts SET totp_secret = ?2, totp_last_step = 0 WHERE id = ?1", params![account, secret])?;
            audit_change(
                connection,
                seq,
                actor,
                "account.second-factor-begin",
                serde_json::json!({"username": actor.name()}),
                (&[account], &[]),
            )
        })
    }

    /// The secret waiting for its first code, if enrolment has begun.
    pub fn pending_second_factor(&self, account: i64) -> Result<Option<String>> {
        Ok(self
            .connection
            .query_row("SELECT totp_secret FROM accounts WHERE id = ?1 AND totp_confirmed = 0", [account], |r| r.get(0))
            .optional()?
            .flatten())
    }

    /// Confirms the second factor with the step its first code matched: the
    /// enrolment of `secret`, not one begun again since the code was checked.
    pub fn confirm_second_factor(&mut self, account: i64, secret: &str, step: u64, actor: &Actor) -> Result<()> {
        self.write(actor, |connection, seq| {
            let changed = connection.execute(
                "UPDATE accounts SET totp_confirmed = 1, totp_last_step = ?2 WHERE id = ?1 AND totp_secret = ?3 AND totp_confirmed = 0",
                params![account, step as i64, secret],
            )?;
            if changed == 0 {
                return Err(StoreError::conflict_message("input-conflict-no-enrolment", vec![]));
            }
            audit_change(
                connection,
                seq,
                actor,
                "account.second-factor-confirm",
                serde_json::json!({"username": actor.name()}),
                (&[account], &[]),
            )
        })
    }

    /// An admin removes an account's second factor (a lost device); it can enrol again.
    pub fn remove_second_factor(&mut self, username: &str, actor: &Actor) -> Result<()> {
        self.write(actor, |connection, seq| {
            let id = account_id(connection, username)?;
            connection.execute("UPDATE accounts SET totp_secret = NULL, totp_confirmed = 0, totp_last_step = 0 WHERE id = ?1", [id])?;
            connection.execute("DELETE FROM sessions WHERE account = ?1", [id])?;
            audit_change(connection, seq, actor, "account.second-factor-remove", serde_json::json!({"username": username}), (&[id], &[]))
        })
    }
}

pub(crate) fn account_id(connection: &rusqlite::Connection, username: &str) -> Result<i64> {
    connection
        .query_row("SELECT id FROM accounts WHERE username = ?1", [username], |r| r.get(0))
        .optional()?
        .ok_or_else(|| StoreError::NotFound(format!("account {username}")))
}
