//! Passwords: the rules a new one must meet, Argon2id hashing and verification.
//!
//! The rules follow NIST SP 800-63B (and OWASP ASVS 2.1): a length floor, no
//! composition rules, and a refusal of passwords that are the username or
//! common. The list of common passwords is short on purpose: those of at
//! least 12 characters that lead the public breach corpora.

use argon2::Argon2;
use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};

use crate::{AuthError, PasswordProblem};

pub const MIN_PASSWORD_CHARS: usize = 12;
pub const MAX_PASSWORD_CHARS: usize = 256;

const COMMON_PASSWORDS: &str = include_str!("common_passwords.txt");

/// Whether `password` may be set for `username`: 12-256 characters, not the
/// username (in any case, with or without punctuation), not one character
/// repeated, not on the list of common passwords.
pub fn check_password(username: &str, password: &str) -> Result<(), AuthError> {
    let count = password.chars().count();
    if count < MIN_PASSWORD_CHARS {
        return Err(AuthError::Password(PasswordProblem::TooShort { min: MIN_PASSWORD_CHARS, count }));
    }
    if count > MAX_PASSWORD_CHARS {
        return Err(AuthError::Password(PasswordProblem::TooLong { max: MAX_PASSWORD_CHARS, count }));
    }
    let letters = |text: &str| text.chars().filter(|c| c.is_alphanumeric()).flat_map(char::to_lowercase).collect::<String>();
    if !username.is_empty() && letters(password) == letters(username) {
        return Err(AuthError::Password(PasswordProblem::IsUsername));
    }
    let mut characters = password.chars();
    let first = characters.next();
    if characters.all(|c| Some(c) == first) {
        return Err(AuthError::Password(PasswordProblem::OneCharacter));
    }
    let lowered = password.to_lowercase();
    if COMMON_PASSWORDS.lines().map(str::trim).any(|common| !common.is_empty() && !common.starts_with('#') && common == lowered) {
        return Err(AuthError::Password(PasswordProblem::Common));
    }
    Ok(())
}

/// Argon2id with a random salt, as a PHC string, after the rules.
pub fn hash_password(username: &str, password: &str) -> Result<String, AuthError> {
    check_password(username, password)?;
    Argon2::default().hash_password(password.as_bytes()).map(|hash| hash.to_string()).map_err(|_| AuthError::Random)
}

/// Verifies a password against a stored PHC string; false on any mismatch or malformed hash.
pub fn verify_password(stored: &str, password: &str) -> bool {
    if password.len() > MAX_PASSWORD_CHARS * 4 {
        return false;
    }
    match PasswordHash::new(stored) {
        Ok(parsed) => Argon2::default().verify_password(password.as_bytes(), &parsed).is_ok(),
        Err(_) => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_hash_and_verify() {
        let hash = hash_password("subject-1", "correct horse battery").unwrap();
        assert!(hash.starts_with("$argon2id$"));
        assert!(verify_password(&hash, "correct horse battery"));
        assert!(!verify_password(&hash, "correct horse battery!"));
        assert!(!verify_password("not a hash", "x"));
        assert_ne!(hash, hash_password("subject-1", "correct horse battery").unwrap(), "salted");
    }

    #[test]
    fn weak_passwords_are_refused_with_the_reason() {
        let refused = |username: &str, password: &str| match check_password(username, password) {
            Err(AuthError::Password(reason)) => reason.to_string(),
            other => panic!("{password:?} was not refused: {other:?}"),
        };
        assert!(refused("zhou", "elevenchars").contains("at least 12 characters, got 11"));
        assert!(refused("officer.zhou-1", "Officer.Zhou-1").contains("username"));
        assert!(refused("officer.zhou-1", "OFFICERZHOU1").contains("username"));
        assert!(refused("x", "aaaaaaaaaaaaaaaa").contains("repeated"));
        assert!(refused("x", "Password1234").contains("common"));
        assert!(refused("x", "123456789012").contains("common"));
        assert!(refused("x", &"long".repeat(65)).contains("at most 256"));
        assert!(check_password("officer.zhou-1", "correct horse battery").is_ok());
        assert!(check_password("admin", "demo-admin-password").is_ok());
    }
}
