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
    /// At least 10 characters; omit for a token-only account.
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
            let password = password.to_string();
            Some(
                tokio::task::spawn_blocking(move || socred_auth::hash_password(&password))
                    .await
                    .map_err(|_| ApiError::internal("hashing failed"))?
                    .map_err(|e| ApiError::invalid("password", e.to_string().trim_start_matches("password: ").to_string()))?,
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
    let id = state.db.write(move |store| store.add_account(&new, &actor)).await?;
    Ok((StatusCode::CREATED, axum::Json(Created { id, username: body.username })))
}

/// Every account.
#[utoipa::path(get, path = "/api/v1/accounts", tag = "accounts", security(("bearer" = [])),
    responses((status = 200, body = [Account]), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn list(State(state): State<AppState>, caller: Caller) -> ApiResult<axum::Json<Vec<Account>>> {
    caller.require(Action::ManageAccounts)?;
    Ok(axum::Json(state.db.read(|store| store.accounts()).await?))
}

/// Your API tokens (never their secrets).
#[utoipa::path(get, path = "/api/v1/tokens", tag = "accounts", security(("bearer" = [])),
    responses((status = 200, body = [TokenInfo]), (status = 401, body = ErrorBody)))]
pub async fn tokens(State(state): State<AppState>, caller: Caller) -> ApiResult<axum::Json<Vec<TokenInfo>>> {
    caller.require(Action::ManageOwnTokens)?;
    let account = caller.account.id;
    Ok(axum::Json(state.db.read(move |store| store.tokens_of(account)).await?))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TokenBody {
    pub label: String,
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
    let id = state.db.write(move |store| store.issue_token(&account, &hash, &body.label, &actor)).await?;
    Ok((StatusCode::CREATED, axum::Json(IssuedToken { id, token: secret })))
}

/// Revoke one of your tokens (admins: any token).
#[utoipa::path(delete, path = "/api/v1/tokens/{id}", tag = "accounts", params(("id" = i64, Path)), security(("bearer" = [])),
    responses((status = 204), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn revoke_token(State(state): State<AppState>, caller: Caller, Path(id): Path<String>) -> ApiResult<StatusCode> {
    caller.require(Action::ManageOwnTokens)?;
    let id: i64 = id.parse().map_err(|_| ApiError::invalid("id", "a token number"))?;
    let owner = (!caller.account.may(Action::ManageAccounts)).then_some(caller.account.id);
    let actor = caller.actor();
    state.db.write(move |store| store.revoke_token(id, owner, &actor)).await?;
    state.accounts.forget_all();
    Ok(StatusCode::NO_CONTENT)
}
