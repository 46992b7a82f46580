//! The second factor of staff accounts: TOTP (RFC 6238; SHA-1, 6 digits,
//! 30-second steps, one step of skew) with the `totp-rs` crate. A code is
//! accepted once: the caller stores the step it matched and refuses a code
//! of that step or an earlier one.

use totp_rs::{Builder, Secret, Totp};

use crate::AuthError;

/// 160 bits, as RFC 4226 recommends.
const SECRET_BYTES: usize = 20;

fn totp(secret_base32: &str) -> Option<Totp> {
    let secret = Secret::try_from_base32(secret_base32).ok()?;
    Builder::new().with_secret(secret).build().ok()
}

/// A fresh secret, base32 as authenticator apps take it.
pub fn new_totp_secret() -> Result<String, AuthError> {
    let mut bytes = [0u8; SECRET_BYTES];
    getrandom::fill(&mut bytes).map_err(|_| AuthError::Random)?;
    Ok(Secret::from(bytes.to_vec()).to_base32())
}

/// The step `code` matches at `unix_seconds` (within one step either side), if any.
pub fn check_totp(secret_base32: &str, code: &str, unix_seconds: u64) -> Option<u64> {
    let code = code.trim();
    if code.len() != 6 || !code.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    totp(secret_base32)?.check(code, unix_seconds)
}

/// The code for `unix_seconds` (for tests and the enrolment check).
pub fn totp_code(secret_base32: &str, unix_seconds: u64) -> Option<String> {
    Some(totp(secret_base32)?.generate(unix_seconds).to_string())
}

/// The `otpauth://` address an authenticator app enrols from.
pub fn otpauth_url(username: &str, secret_base32: &str) -> String {
    format!("otpauth://totp/socred:{username}?secret={secret_base32}&issuer=socred&algorithm=SHA1&digits=6&period=30")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_match_their_step_and_nothing_else() {
        let secret = new_totp_secret().unwrap();
        assert_ne!(secret, new_totp_secret().unwrap());
        let now = 1_780_000_000;
        let code = totp_code(&secret, now).unwrap();
        assert_eq!(check_totp(&secret, &code, now), Some(now / 30));
        assert_eq!(check_totp(&secret, &code, now + 30), Some(now / 30), "one step of skew");
        assert_eq!(check_totp(&secret, &code, now + 120), None, "an old code is dead");
        assert_eq!(check_totp(&secret, "12345", now), None);
        assert_eq!(check_totp(&secret, "abcdef", now), None);
        assert_eq!(check_totp("not base32!", &code, now), None);
        // RFC 6238 appendix B, SHA-1, time 59: 94287082 (8 digits); its last 6 are the 6-digit code.
        let rfc = Secret::from(b"12345678901234567890".to_vec()).to_base32();
        assert_eq!(totp_code(&rfc, 59).as_deref(), Some("287082"));
    }
}
