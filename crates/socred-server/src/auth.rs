//! Who is calling: an API token (`Authorization: Bearer`) or a browser
//! session (an HttpOnly, SameSite=Strict cookie, with a CSRF token for forms).

use axum::extract::FromRequestParts;
use axum::http::HeaderMap;
use axum::http::request::Parts;
use socred_auth::{Account, Action, secret_hash};
use socred_store::Actor;
use time::OffsetDateTime;

use crate::AppState;
use crate::error::ApiError;

pub const SESSION_COOKIE: &str = "socred_session";
pub const LOGIN_CSRF_COOKIE: &str = "socred_login_csrf";
/// A session's absolute lifetime, and how long it may sit unused.
pub const SESSION_HOURS: i64 = 8;
pub const SESSION_IDLE_MINUTES: i64 = 30;
/// A session's last use is written at most this often (reads stay reads).
const SESSION_TOUCH_SECONDS: i64 = 60;
/// The header a cookie-authenticated API request that changes something
/// carries with the session's CSRF token (forms carry it as a field).
pub const CSRF_HEADER: &str = "x-csrf-token";

/// An authenticated caller.
#[derive(Debug, Clone)]
pub struct Caller {
    /// Shared: the token cache hands the same account to every request.
    pub account: std::sync::Arc<Account>,
    /// When the request arrived, by the server's clock: it dates the caller's acts.
    pub moment: socred_core::date::Moment,
    /// The session's CSRF token; `None` for API tokens (no ambient credentials, no CSRF).
    pub csrf: Option<String>,
}

impl Caller {
    /// The route's action must be in the caller's role.
    pub fn require(&self, action: Action) -> Result<(), ApiError> {
        if self.account.may(action) {
            Ok(())
        } else {
            Err(ApiError::forbidden(format!("the {} role may not do this ({action:?})", self.account.role)))
        }
    }

    /// A subject's data: subjects see only their own.
    pub fn require_subject(&self, action: Action, subject: &socred_core::SubjectId) -> Result<(), ApiError> {
        self.require(action)?;
        if self.account.may_see(subject) { Ok(()) } else { Err(ApiError::forbidden("a subject sees only their own file")) }
    }

    /// The caller acting at the moment the request arrived, as the person
    /// their account names (conflicts of interest are judged on that person).
    pub fn actor(&self) -> Actor {
        Actor::new(&self.account.username, self.moment).expect("usernames are valid actors").as_person(self.account.subject)
    }

    /// Today, by the server's clock, when the request arrived.
    pub fn today(&self) -> socred_core::Date {
        self.moment.day
    }
}

/// Reads one cookie from the request headers.
pub fn cookie<'h>(headers: &'h HeaderMap, name: &str) -> Option<&'h str> {
    headers
        .get_all(axum::http::header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(key, _)| *key == name)
        .map(|(_, value)| value)
}

/// The session cookie: HttpOnly (no script reads it), SameSite=Strict (no
/// cross-site request carries it), Secure unless the server was told it runs
/// behind plain HTTP on purpose.
pub fn set_cookie(name: &str, value: &str, max_age_seconds: i64, secure: bool) -> String {
    format!("{name}={value}; Path=/; HttpOnly; SameSite=Strict; Max-Age={max_age_seconds}{}", if secure { "; Secure" } else { "" })
}

pub fn now_unix() -> i64 {
    OffsetDateTime::now_utc().unix_timestamp()
}

async fn authenticate(parts: &Parts, state: &AppState) -> Result<Option<Caller>, ApiError> {
    if let Some(header) = parts.headers.get(axum::http::header::AUTHORIZATION) {
        let token = header
            .to_str()
            .ok()
            .and_then(|value| value.strip_prefix("Bearer "))
            .map(str::trim)
            .filter(|token| !token.is_empty() && token.len() <= 128)
            .ok_or_else(ApiError::unauthenticated)?;
        let account = state.accounts.by_token(&state.db, token).await?;
        return match account {
            Some(account) => Ok(Some(Caller { account, csrf: None, moment: state.db.clock().now() })),
            None => Err(ApiError::unauthenticated()),
        };
    }
    if let Some(secret) = cookie(&parts.headers, SESSION_COOKIE).filter(|s| s.len() <= 128) {
        let hash = secret_hash(secret);
        let now = now_unix();
        let lookup = hash.clone();
        let session = state.db.reading(move |store| store.session(&lookup, now, SESSION_IDLE_MINUTES * 60)).await?;
        if let Some((account, csrf, last_seen)) = session {
            if now - last_seen >= SESSION_TOUCH_SECONDS {
                let db = state.db.clone();
                tokio::spawn(async move {
                    let _ = db.session_write(move |store| store.touch_session(&hash, now)).await;
                });
            }
            // The cookie travels with every request the browser makes: an API
            // call that changes something must also show the session's token,
            // which only this site's pages hold.
            let safe = matches!(parts.method, axum::http::Method::GET | axum::http::Method::HEAD | axum::http::Method::OPTIONS);
            if !safe && parts.uri.path().starts_with("/api/") {
                let sent = parts.headers.get(CSRF_HEADER).and_then(|value| value.to_str().ok()).unwrap_or("");
                if !socred_auth::same_secret(sent, &csrf) {
                    return Err(ApiError::forbidden(format!(
                        "an API request signed in by the session cookie that changes something sends the session's CSRF token in {CSRF_HEADER}"
                    )));
                }
            }
            return Ok(Some(Caller { account: std::sync::Arc::new(account), csrf: Some(csrf), moment: state.db.clock().now() }));
        }
    }
    Ok(None)
}

impl FromRequestParts<AppState> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        authenticate(parts, state).await?.ok_or_else(ApiError::unauthenticated)
    }
}

/// A caller who may be anonymous (public pages).
pub struct MaybeCaller(pub Option<Caller>);

impl FromRequestParts<AppState> for MaybeCaller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        match authenticate(parts, state).await {
            Ok(caller) => Ok(MaybeCaller(caller)),
            Err(error) if error.status == axum::http::StatusCode::UNAUTHORIZED => Ok(MaybeCaller(None)),
            Err(error) => Err(error),
        }
    }
}

/// A short-lived cache of token lookups, so a busy API client costs one map
/// lookup per request. Revocation takes effect within the TTL. One map per
/// thread slot (`shard.rs`), each holding its own copy of the account: a
/// provider's requests on two cores then share neither a lock nor the
/// reference count of one `Arc`.
#[derive(Default)]
pub struct TokenCache {
    shards: [crossbeam_utils::CachePadded<std::sync::Mutex<TokenMap>>; crate::shard::SHARDS],
}

/// When the lookup was made, and the account it found (or that it found none).
type CachedToken = (std::time::Instant, Option<std::sync::Arc<Account>>);
/// Keyed by secrets of 256 random bits: foldhash's speed is what matters, and
/// it is still seeded per process.
type TokenMap = std::collections::HashMap<String, CachedToken, foldhash::fast::RandomState>;

pub const TOKEN_CACHE_SECONDS: u64 = 5;
/// Tokens remembered per thread slot at most.
const TOKEN_CACHE_ENTRIES: usize = 4_096;

impl TokenCache {
    /// Keyed by the secret itself, in memory only, so a cached request costs
    /// no hashing; the store is asked with the secret's hash.
    pub async fn by_token(&self, db: &std::sync::Arc<crate::db::Db>, token: &str) -> Result<Option<std::sync::Arc<Account>>, ApiError> {
        let ttl = std::time::Duration::from_secs(TOKEN_CACHE_SECONDS);
        let shard = &self.shards[crate::shard::current()];
        if let Some((_, account)) = shard.lock().expect("token cache lock").get(token).filter(|(at, _)| at.elapsed() < ttl) {
            return Ok(account.clone());
        }
        let key = secret_hash(token);
        let now = now_unix();
        let account = db.account_by_token(key, now).await?.map(std::sync::Arc::new);
        // The task may have moved to another thread while it waited: fill that thread's slot.
        let mut entries = self.shards[crate::shard::current()].lock().expect("token cache lock");
        if entries.len() >= TOKEN_CACHE_ENTRIES {
            entries.retain(|_, (at, _)| at.elapsed() < ttl);
            if entries.len() >= TOKEN_CACHE_ENTRIES {
                entries.clear();
            }
        }
        entries.insert(token.to_string(), (std::time::Instant::now(), account.clone()));
        Ok(account)
    }

    /// Forgets a revoked token at once in this process.
    pub fn forget_all(&self) {
        for shard in &self.shards {
            shard.lock().expect("token cache lock").clear();
        }
    }
}
