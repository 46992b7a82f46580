//! Accounts (admins) and API tokens (everyone, their own).

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use serde::{Deserialize, Serialize};
use socred_auth::{Account, Action, Role};
use socred_store::{NewAccount, TokenInfo};
use utoipa::ToSchema;

use super::parse_subject;
use crate::AppState;
use crate::auth::Caller;
use crate::body::Json;
use crate::error::{ApiError, ApiResult, ErrorBody};

/// The caller's own account.
#[utoipa::path(get, path = "/api/v1/me", tag = "accounts", security(("bearer" = [])),
    responses((status = 200, body = Account), (status = 401, body = ErrorBody)))]
pub async fn me(caller: Caller) -> axum::Json<Account> {
    axum::Json((*caller.account).clone())
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewAccountBody {
    pub username: String,
    pub role: Role,
    /// 12-256 characters, not the username, not a common password; omit for a token-only account.
    pub password: Option<String>,
    pub subject: Option<String>,
    pub authority: Option<String>,
    #[serde(default)]
    pub services: Vec<String>,
    #[serde(default)]
    pub behaviours: Vec<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Created {
    pub id: i64,
    pub username: String,
}

/// Create an account.
#[utoipa::path(post, path = "/api/v1/accounts", tag = "accounts", request_body = NewAccountBody, security(("bearer" = [])),
    responses((status = 201, body = Created), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn add(State(state): State<AppState>, caller: Caller, Json(body): Json<NewAccountBody>) -> ApiResult<impl IntoResponse> {
    caller.require(Action::ManageAccounts)?;
    let subject = body.subject.as_deref().map(|s| parse_subject("subject", s)).transpose()?;
    let password_hash = match body.password.as_deref() {
        Some(password) => {
            let (username, password) = (body.username.clone(), password.to_string());
            Some(
                tokio::task::spawn_blocking(move || socred_auth::hash_password(&username, &password))
                    .await
                    .map_err(|_| ApiError::internal("hashing failed"))?
                    .map_err(|error| ApiError::from(socred_store::StoreError::invalid_account("password", &error)))?,
            )
        }
        None => None,
    };
    let new = NewAccount {
        username: body.username.clone(),
        role: body.role,
        password_hash,
        subject,
        authority: body.authority,
        services: body.services,
        behaviours: body.behaviours,
    };
    let actor = caller.actor();
    let id = state.db.ledger_write(move |store| store.add_account(&new, &actor)).await?;
    Ok((StatusCode::CREATED, axum::Json(Created { id, username: body.username })))
}

/// Every account.
#[utoipa::path(get, path = "/api/v1/accounts", tag = "accounts", security(("bearer" = [])),
    responses((status = 200, body = [Account]), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn list(State(state): State<AppState>, caller: Caller) -> ApiResult<axum::Json<Vec<Account>>> {
    caller.require(Action::ManageAccounts)?;
    let accounts = state.db.reading(|store| store.accounts()).await?;
    let named: Vec<_> = accounts.iter().filter_map(|account| account.subject).collect();
    crate::service::reads::log_reads(&state, &caller, named, "account administration", "the accounts that name you").await?;
    Ok(axum::Json(accounts))
}

/// Your API tokens (never their secrets).
#[utoipa::path(get, path = "/api/v1/tokens", tag = "accounts", security(("bearer" = [])),
    responses((status = 200, body = [TokenInfo]), (status = 401, body = ErrorBody)))]
pub async fn tokens(State(state): State<AppState>, caller: Caller) -> ApiResult<axum::Json<Vec<TokenInfo>>> {
    caller.require(Action::ManageOwnTokens)?;
    let account = caller.account.id;
    Ok(axum::Json(state.db.reading(move |store| store.tokens_of(account)).await?))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TokenBody {
    pub label: String,
    /// 1-365 (default 90): the token stops authenticating after this many days.
    pub expires_in_days: Option<u32>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct IssuedToken {
    pub id: i64,
    /// Shown once; only its hash is stored.
    pub token: String,
}

/// Issue an API token for yourself. The secret is in this response only.
#[utoipa::path(post, path = "/api/v1/tokens", tag = "accounts", request_body = TokenBody, security(("bearer" = [])),
    responses((status = 201, body = IssuedToken), (status = 401, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn issue_token(State(state): State<AppState>, caller: Caller, Json(body): Json<TokenBody>) -> ApiResult<impl IntoResponse> {
    caller.require(Action::ManageOwnTokens)?;
    let secret = socred_auth::new_secret().map_err(|_| ApiError::internal("no randomness"))?;
    let hash = socred_auth::secret_hash(&secret);
    let account = caller.account.clone();
    let actor = caller.actor();
    let days = body.expires_in_days.unwrap_or(socred_store::DEFAULT_TOKEN_DAYS);
    let id = state.db.ledger_write(move |store| store.issue_token(&account, &hash, &body.label, days, &actor)).await?;
    Ok((StatusCode::CREATED, axum::Json(IssuedToken { id, token: secret })))
}

/// Revoke one of your tokens (admins: any token).
#[utoipa::path(delete, path = "/api/v1/tokens/{id}", tag = "accounts", params(("id" = i64, Path)), security(("bearer" = [])),
    responses((status = 204), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn revoke_token(State(state): State<AppState>, caller: Caller, Path(id): Path<String>) -> ApiResult<StatusCode> {
    caller.require(Action::ManageOwnTokens)?;
    let id: i64 = id.parse().map_err(|_| ApiError::invalid_message("id", "input-token-number", vec![]))?;
    let owner = (!caller.account.may(Action::ManageAccounts)).then_some(caller.account.id);
    let actor = caller.actor();
    state.db.ledger_write(move |store| store.revoke_token(id, owner, &actor)).await?;
    state.accounts.forget_all();
    Ok(StatusCode::NO_CONTENT)
}

/// Hashes a new password under the rules, off the async threads.
async fn hash_new_password(username: &str, password: &str, field: &str) -> ApiResult<String> {
    let (username, password) = (username.to_string(), password.to_string());
    tokio::task::spawn_blocking(move || socred_auth::hash_password(&username, &password))
        .await
        .map_err(|_| ApiError::internal("hashing failed"))?
        .map_err(|error| ApiError::from(socred_store::StoreError::invalid_account(field, &error)))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PasswordChangeBody {
    pub current_password: String,
    /// 12-256 characters, not the username, not a common password.
    pub new_password: String,
}

/// Change your own password. Every session of the account ends (sign in again); tokens stay.
#[utoipa::path(post, path = "/api/v1/me/password", tag = "accounts", request_body = PasswordChangeBody, security(("bearer" = [])),
    responses((status = 204), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn change_password(
    State(state): State<AppState>,
    caller: Caller,
    address: crate::limits::ClientAddress,
    Json(body): Json<PasswordChangeBody>,
) -> ApiResult<StatusCode> {
    caller.require(Action::ManageOwnAccount)?;
    // A guess of the current password here is a sign-in attempt: limited and counted alike.
    state.limits.sign_in(address.0)?;
    let username = caller.account.username.clone();
    let lookup = username.clone();
    let credentials = state.db.reading(move |store| store.credentials(&lookup)).await?;
    let locked = credentials.as_ref().is_some_and(|c| c.locked_until > crate::auth::now_unix());
    let current = body.current_password.clone();
    let verified = match credentials.and_then(|c| c.password_hash) {
        Some(hash) => tokio::task::spawn_blocking(move || socred_auth::verify_password(&hash, &current)).await.unwrap_or(false),
        None => false,
    };
    if !verified || locked {
        let outcome = if locked { socred_store::SignIn::Locked } else { socred_store::SignIn::Failed { reason: "wrong current password" } };
        let (name, client, actor) = (username.clone(), address.0.to_string(), caller.actor());
        state.db.ledger_write(move |store| store.record_sign_in(&name, &client, &outcome, &actor)).await?;
        return Err(ApiError::invalid_message("current_password", "input-not-the-password", vec![]));
    }
    let hash = hash_new_password(&username, &body.new_password, "new_password").await?;
    let actor = caller.actor();
    state.db.ledger_write(move |store| store.set_password(&username, &hash, &actor)).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PasswordResetBody {
    /// 12-256 characters, not the username, not a common password.
    pub password: String,
}

/// An admin sets an account's password (the user forgot it, or it was stolen). Every session of the account ends and its tokens are revoked.
#[utoipa::path(post, path = "/api/v1/accounts/{username}/password", tag = "accounts", params(("username" = String, Path)),
    request_body = PasswordResetBody, security(("bearer" = [])),
    responses((status = 204), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn reset_password(
    State(state): State<AppState>,
    caller: Caller,
    Path(username): Path<String>,
    Json(body): Json<PasswordResetBody>,
) -> ApiResult<StatusCode> {
    caller.require(Action::ManageAccounts)?;
    socred_auth::check_username(&username)
        .map_err(|error| ApiError::from(socred_store::StoreError::invalid_account("username", &error)))?;
    let hash = hash_new_password(&username, &body.password, "password").await?;
    let actor = caller.actor();
    state.db.ledger_write(move |store| store.set_password(&username, &hash, &actor)).await?;
    state.accounts.forget_all();
    Ok(StatusCode::NO_CONTENT)
}

async fn set_disabled(state: AppState, caller: Caller, username: String, disabled: bool) -> ApiResult<StatusCode> {
    caller.require(Action::ManageAccounts)?;
    socred_auth::check_username(&username)
        .map_err(|error| ApiError::from(socred_store::StoreError::invalid_account("username", &error)))?;
    let actor = caller.actor();
    state.db.ledger_write(move |store| store.set_disabled(&username, disabled, &actor)).await?;
    // Its tokens die at once here, within the token cache's seconds elsewhere.
    state.accounts.forget_all();
    Ok(StatusCode::NO_CONTENT)
}

/// Disable an account: its sessions end and its tokens stop authenticating.
#[utoipa::path(post, path = "/api/v1/accounts/{username}/disable", tag = "accounts", params(("username" = String, Path)), security(("bearer" = [])),
    responses((status = 204), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn disable(State(state): State<AppState>, caller: Caller, Path(username): Path<String>) -> ApiResult<StatusCode> {
    set_disabled(state, caller, username, true).await
}

/// Enable a disabled account.
#[utoipa::path(post, path = "/api/v1/accounts/{username}/enable", tag = "accounts", params(("username" = String, Path)), security(("bearer" = [])),
    responses((status = 204), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn enable(State(state): State<AppState>, caller: Caller, Path(username): Path<String>) -> ApiResult<StatusCode> {
    set_disabled(state, caller, username, false).await
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SecondFactorEnrolment {
    /// Base32, for an authenticator app; shown once.
    pub secret: String,
    pub otpauth_url: String,
}

/// Staff: begin enrolling a TOTP second factor. Confirm it with a first code; from then on, sign-in asks for a code.
#[utoipa::path(post, path = "/api/v1/me/second-factor", tag = "accounts", security(("bearer" = [])),
    responses((status = 201, body = SecondFactorEnrolment), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn begin_second_factor(State(state): State<AppState>, caller: Caller) -> ApiResult<impl IntoResponse> {
    caller.require(Action::EnrolSecondFactor)?;
    let secret = socred_auth::new_totp_secret().map_err(|_| ApiError::internal("no randomness"))?;
    let (account, actor, stored) = (caller.account.id, caller.actor(), secret.clone());
    state.db.ledger_write(move |store| store.begin_second_factor(account, &stored, &actor)).await?;
    let otpauth_url = socred_auth::otpauth_url(&caller.account.username, &secret);
    Ok((StatusCode::CREATED, axum::Json(SecondFactorEnrolment { secret, otpauth_url })))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SecondFactorCode {
    /// The 6 digits the authenticator app shows now.
    pub code: String,
}

/// Staff: confirm the second factor with the code the app shows.
#[utoipa::path(post, path = "/api/v1/me/second-factor/confirm", tag = "accounts", request_body = SecondFactorCode, security(("bearer" = [])),
    responses((status = 204), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn confirm_second_factor(
    State(state): State<AppState>,
    caller: Caller,
    Json(body): Json<SecondFactorCode>,
) -> ApiResult<StatusCode> {
    caller.require(Action::EnrolSecondFactor)?;
    let account = caller.account.id;
    let secret = state
        .db
        .reading(move |store| store.pending_second_factor(account))
        .await?
        .ok_or_else(|| ApiError::new(StatusCode::CONFLICT, "conflict", "no enrolment is waiting for a code; begin one first", None))?;
    let now = crate::auth::now_unix().max(0) as u64;
    let step =
        socred_auth::check_totp(&secret, &body.code, now).ok_or_else(|| ApiError::invalid_message("code", "input-not-the-code", vec![]))?;
    let actor = caller.actor();
    state.db.ledger_write(move |store| store.confirm_second_factor(account, &secret, step, &actor)).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// An admin removes an account's second factor (a lost device). Its sessions end; it can enrol again.
#[utoipa::path(delete, path = "/api/v1/accounts/{username}/second-factor", tag = "accounts", params(("username" = String, Path)), security(("bearer" = [])),
    responses((status = 204), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn remove_second_factor(State(state): State<AppState>, caller: Caller, Path(username): Path<String>) -> ApiResult<StatusCode> {
    caller.require(Action::ManageAccounts)?;
    socred_auth::check_username(&username)
        .map_err(|error| ApiError::from(socred_store::StoreError::invalid_account("username", &error)))?;
    let actor = caller.actor();
    state.db.ledger_write(move |store| store.remove_second_factor(&username, &actor)).await?;
    Ok(StatusCode::NO_CONTENT)
}
