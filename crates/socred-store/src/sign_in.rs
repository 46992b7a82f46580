//! Signing in and staying signed in: the per-account backoff of failed
//! sign-ins, the audit of every attempt, browser sessions with an idle
//! timeout and an absolute lifetime, password changes and disabling (both end
//! every session), and the TOTP second factor.
//!
//! Time is the caller's `now_unix` (the server's clock), like every act.

use socred_auth::Account;

/// Failed sign-ins in a row before the account waits; each further failure
/// doubles the wait, up to the cap.
pub const FREE_FAILED_SIGN_INS: i64 = 5;
pub const FIRST_LOCK_SECONDS: i64 = 30;
/// The longest wait: short, because anyone can make an account wait.
pub const MAX_LOCK_SECONDS: i64 = 900;
/// Failures older than this are forgotten (the count starts again).
pub const FAILURE_MEMORY_SECONDS: i64 = 86_400;

/// What a sign-in needs to know of an account.
#[derive(Debug, Clone)]
pub struct Credentials {
    pub account: Account,
    pub password_hash: Option<String>,
    /// Unix seconds before which no sign-in is tried (0: none).
    pub locked_until: i64,
    /// The confirmed second factor (base32 secret) and the last step it accepted.
    pub second_factor: Option<(String, i64)>,
}

/// How a sign-in attempt ended, for the account's counter and the audit log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SignIn {
    /// Password (and code, when enrolled) right; `step` is the code's TOTP step.
    Succeeded { step: Option<u64> },
    /// Wrong password or code, unknown account; the reason is for the audit log only.
    Failed { reason: &'static str },
    /// Not tried: the account waits after failed attempts.
    Locked,
}

/// What the ledger made of an attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SignInRecorded {
    /// False when a success could not be taken (its code's step was used meanwhile).
    pub accepted: bool,
    /// Unix seconds before which the account waits (0: it does not).
    pub locked_until: i64,
}

/// The wait after `failures` failed sign-ins in a row, in seconds.
pub fn lock_seconds(failures: i64) -> i64 {
    if failures < FREE_FAILED_SIGN_INS {
        return 0;
    }
    let doublings = (failures - FREE_FAILED_SIGN_INS).min(16) as u32;
    (FIRST_LOCK_SECONDS << doublings).min(MAX_LOCK_SECONDS)
}

/// The languages an account may choose for the pages.
pub const ACCOUNT_LANGUAGES: [&str; 2] = ["en", "zh-CN"];

pub(crate) fn check_account_language(language: &str) -> crate::Result<()> {
    if ACCOUNT_LANGUAGES.contains(&language) {
        Ok(())
    } else {
        Err(crate::StoreError::invalid_message(
            "language",
            "input-not-one-of",
            vec![
                ("given", socred_i18n::Argument::Text(format!("{language:?}"))),
                ("known", socred_i18n::Argument::Text(ACCOUNT_LANGUAGES.join(", "))),
            ],
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_wait_doubles_from_the_fifth_failure_to_a_quarter_hour() {
        assert_eq!((0..5).map(lock_seconds).collect::<Vec<_>>(), vec![0; 5]);
        assert_eq!(lock_seconds(5), 30);
        assert_eq!(lock_seconds(6), 60);
        assert_eq!(lock_seconds(9), 480);
        assert_eq!(lock_seconds(10), 900);
        assert_eq!(lock_seconds(60), 900);
        assert_eq!(lock_seconds(i64::MAX), 900);
    }
}
