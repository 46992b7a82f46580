//! `socred account` and `socred token`.

use std::io::BufRead;

use anyhow::Result;
use socred_auth::Role;
use socred_store::{NewAccount, StoreError};

use crate::cli::{AccountCommand, Cli, TokenCommand};
use crate::render::{text, with};
use crate::store::CliStore;
use crate::{parse_subject, print_json};

fn store_refusal(error: StoreError) -> anyhow::Error {
    match error {
        StoreError::Invalid { ref field, .. } => crate::refuse_store(&format!("--{}", field.replace('_', "-")), error),
        other => other.into(),
    }
}

/// The first line of standard input, hashed under the password rules.
fn password_from_stdin(username: &str) -> Result<String> {
    let mut line = String::new();
    std::io::stdin().lock().read_line(&mut line)?;
    let password = line.trim_end_matches(['\n', '\r']);
    socred_auth::hash_password(username, password)
        .map_err(|error| crate::refuse_store("password", StoreError::invalid_account("password", &error)))
}

fn not_found_as_username(error: StoreError) -> anyhow::Error {
    match error {
        StoreError::NotFound(what) => crate::refuse_because("--username", socred_i18n::reasons::Cause::NotFound(what)),
        other => store_refusal(other),
    }
}

/// `socred account` on either backend (`open` opens the store named by `--db`).
pub(crate) fn account<S: CliStore>(cli: &Cli, open: impl Fn(&Cli) -> Result<S>, command: &AccountCommand) -> Result<()> {
    match command {
        AccountCommand::Password { username } => {
            let hash = password_from_stdin(username)?;
            let mut store = open(cli)?;
            store.set_password(username, &hash, &crate::actor(cli, &store)?).map_err(not_found_as_username)?;
            println!("{}", with("cli-password-set", &[("username", text(username))]));
            Ok(())
        }
        AccountCommand::Disable { username } | AccountCommand::Enable { username } => {
            let disabled = matches!(command, AccountCommand::Disable { .. });
            let mut store = open(cli)?;
            store.set_disabled(username, disabled, &crate::actor(cli, &store)?).map_err(not_found_as_username)?;
            let message = if disabled { "cli-account-disabled" } else { "cli-account-enabled" };
            println!("{}", with(message, &[("username", text(username))]));
            Ok(())
        }
        AccountCommand::RemoveSecondFactor { username } => {
            let mut store = open(cli)?;
            store.remove_second_factor(username, &crate::actor(cli, &store)?).map_err(not_found_as_username)?;
            println!("{}", with("cli-second-factor-removed", &[("username", text(username))]));
            Ok(())
        }
        AccountCommand::Add { username, role, subject, authority, services, behaviours, password_stdin, json } => {
            let role: Role = role.parse().map_err(|_: String| {
                let known = Role::ALL.iter().map(|role| role.as_str()).collect::<Vec<_>>().join(", ");
                crate::refuse_message(
                    "--role",
                    "input-not-one-of",
                    vec![("given", socred_i18n::Argument::Text(format!("{role:?}"))), ("known", socred_i18n::Argument::Text(known))],
                )
            })?;
            let subject = subject.as_deref().map(|s| parse_subject("--subject", s)).transpose()?;
            let password_hash = if *password_stdin { Some(password_from_stdin(username)?) } else { None };
            let mut store = open(cli)?;
            let new = NewAccount {
                username: username.clone(),
                role,
                password_hash,
                subject,
                authority: authority.clone(),
                services: services.clone(),
                behaviours: behaviours.clone(),
            };
            let id = store.add_account(&new, &crate::actor(cli, &store)?).map_err(store_refusal)?;
            if *json {
                print_json(&serde_json::json!({"id": id, "username": username, "role": role}))
            } else {
                println!("{}", with("cli-account-added", &[("id", text(id)), ("username", text(username)), ("role", text(role))]));
                Ok(())
            }
        }
        AccountCommand::List { json } => {
            let accounts = open(cli)?.accounts()?;
            if *json {
                return print_json(&accounts);
            }
            for account in accounts {
                let scope = |id: &str, value: String| with(id, &[("value", text(value))]);
                let detail = account
                    .subject
                    .map(|s| scope("cli-account-subject", s.to_string()))
                    .or(account.authority.clone().map(|a| scope("cli-account-authority", a)))
                    .or((!account.services.is_empty()).then(|| scope("cli-account-services", account.services.join(","))))
                    .or((!account.behaviours.is_empty()).then(|| scope("cli-account-behaviours", account.behaviours.join(","))))
                    .unwrap_or_default();
                println!("{:>4}  {:<24} {:<9} {detail}", account.id, account.username, account.role);
            }
            Ok(())
        }
    }
}

/// `socred token` on either backend.
pub(crate) fn token(cli: &Cli, store: &mut impl CliStore, command: &TokenCommand) -> Result<()> {
    let find = |store: &dyn Fn(&str) -> Result<Option<socred_auth::Account>, StoreError>, username: &str| -> Result<socred_auth::Account> {
        store(username)?.ok_or_else(|| {
            crate::refuse_message(
                "--username",
                "input-no-account",
                vec![("username", socred_i18n::Argument::Text(format!("{username:?}")))],
            )
        })
    };
    match command {
        TokenCommand::Issue { username, label, expires_in_days, json } => {
            let account = find(&|name| store.account(name), username)?;
            let secret = socred_auth::new_secret()?;
            let id = store
                .issue_token(&account, &socred_auth::secret_hash(&secret), label, *expires_in_days, &crate::actor(cli, store)?)
                .map_err(store_refusal)?;
            if *json {
                print_json(&serde_json::json!({"id": id, "username": username, "token": secret}))
            } else {
                println!("{}\n{secret}", with("cli-token-issued", &[("id", text(id)), ("username", text(username))]));
                Ok(())
            }
        }
        TokenCommand::Revoke { id } => {
            store.revoke_token(*id, None, &crate::actor(cli, store)?).map_err(|e| match e {
                StoreError::NotFound(what) => crate::refuse_because("ID", socred_i18n::reasons::Cause::NotFound(what)),
                other => other.into(),
            })?;
            println!("{}", with("cli-token-revoked", &[("id", text(id))]));
            Ok(())
        }
        TokenCommand::List { username, json } => {
            let account = find(&|name| store.account(name), username)?;
            let tokens = store.tokens_of(account.id)?;
            if *json {
                return print_json(&tokens);
            }
            for token in tokens {
                println!(
                    "{:>4}  {:<20} {}  {}",
                    token.id,
                    token.label,
                    with("cli-token-issued-at", &[("at", text(token.created_at))]),
                    token
                        .revoked_at
                        .map(|at| with("cli-token-revoked-at", &[("at", text(at))]))
                        .unwrap_or_else(|| with("cli-token-expires-at", &[("at", text(token.expires_at))]))
                );
            }
            Ok(())
        }
    }
}
