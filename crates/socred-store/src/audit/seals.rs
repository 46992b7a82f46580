//! Accounts and tokens are live rows (a sign-in moves their counters), but
//! what they grant is ledger: every change to it appends a **seal**, the
//! security-relevant state after the change, under the change's audit entry.
//! Verification recomputes each live row's state and requires it to equal
//! its newest seal, so `UPDATE accounts SET role = 'admin'` (or a swapped
//! password hash, a revived token, an account added or removed by hand) is
//! found and named.

use std::collections::BTreeMap;

use serde_json::{Value, json};

use super::rows::json_value;
use crate::error::{Result, StoreError};

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
