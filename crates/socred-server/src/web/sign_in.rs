//! Signing in and out of the web UI. A sign-in is limited per client address
//! (governor, `limits.rs`) and per account (the store's backoff after failed
//! attempts); every attempt, right or wrong, is on the audit log; staff who
//! enrolled a second factor give its code too.

use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use socred_auth::Role;
use socred_store::SignIn;

use maud::html;
use socred_i18n::Language;

use super::{Flash, check_csrf, error_page, page, reader, redirect_with, signed_in};
use crate::AppState;
use crate::auth::{LOGIN_CSRF_COOKIE, MaybeCaller, SESSION_COOKIE, SESSION_HOURS, cookie, now_unix, set_cookie};
use crate::body::Form;
use crate::limits::ClientAddress;

pub async fn login_page(State(state): State<AppState>, MaybeCaller(caller): MaybeCaller, flash: Flash) -> Response {
    let language = reader();
    let t = |id: &str| language.text(id);
    let Ok(token) = socred_auth::new_secret() else {
        return error_page(StatusCode::INTERNAL_SERVER_ERROR, None, &t("error-unavailable-title"), &t("error-no-randomness"));
    };
    let body = html! {
        form.card.narrow method="post" action="/login" {
            input type="hidden" name="csrf" value=(token);
            p { label for="username" { (t("sign-in-username")) } input #username name="username" autocomplete="username" required maxlength="64"; }
            p {
                label for="password" { (t("sign-in-password")) }
                input #password name="password" type="password" autocomplete="current-password" required maxlength="256";
            }
            p {
                label for="code" { (t("sign-in-code")) " " span.meta { (t("sign-in-code-note")) } }
                input #code name="code" inputmode="numeric" autocomplete="one-time-code" maxlength="6" pattern="[0-9]{6}";
            }
            p { button type="submit" { (t("sign-in")) } }
        }
    };
    let mut response = page(&t("sign-in"), caller.as_ref(), &flash, body).into_response();
    if let Ok(value) = HeaderValue::from_str(&set_cookie(LOGIN_CSRF_COOKIE, &token, 1800, state.secure_cookies)) {
        response.headers_mut().append(header::SET_COOKIE, value);
    }
    response
}

#[derive(Debug, Deserialize)]
pub struct LoginForm {
    csrf: String,
    username: String,
    password: String,
    #[serde(default)]
    code: String,
}

/// The one answer to every failed sign-in (unknown username, wrong password
/// or code, an account waiting after failures), `sign-in-failed`: which it
/// was is not said, so that nobody learns which usernames exist.
const FAILED: &str = "sign-in-failed";

pub async fn login(
    State(state): State<AppState>,
    address: ClientAddress,
    headers: axum::http::HeaderMap,
    Form(form): Form<LoginForm>,
) -> Response {
    // Login CSRF: the form must echo the cookie set with the form.
    let expected = cookie(&headers, LOGIN_CSRF_COOKIE).unwrap_or("");
    if expected.is_empty() || !socred_auth::same_secret(expected, &form.csrf) {
        return redirect_with("/login", "error", &reader().text("sign-in-expired"));
    }
    if let Err(limited) = state.limits.sign_in(address.0) {
        return redirect_with("/login", "error", &super::error_text(reader(), &limited));
    }
    let username = form.username.trim().to_string();
    let lookup = username.clone();
    let found = match state.db.reading(move |store| store.credentials(&lookup)).await {
        Ok(found) => found,
        Err(error) => return super::failure_page(error),
    };
    let now = now_unix();
    // Every attempt spends the same hashing time, whether the account exists,
    // waits or not, so that timing tells nothing either.
    let hash = found.as_ref().and_then(|c| c.password_hash.clone()).unwrap_or_else(|| dummy_hash().to_string());
    let password = form.password.clone();
    let verified = tokio::task::spawn_blocking(move || socred_auth::verify_password(&hash, &password)).await.unwrap_or(false);
    let outcome = match &found {
        None => SignIn::Failed { reason: "no such enabled account" },
        Some(credentials) if !verified || credentials.password_hash.is_none() => {
            if credentials.locked_until > now {
                SignIn::Locked
            } else {
                SignIn::Failed { reason: "wrong password" }
            }
        }
        Some(credentials) => match &credentials.second_factor {
            // Password and code together pass even while the account waits:
            // a guesser without the device cannot keep its owner out.
            Some((secret, last_step)) => match socred_auth::check_totp(secret, &form.code, now.max(0) as u64) {
                Some(step) if step as i64 > *last_step => SignIn::Succeeded { step: Some(step) },
                _ if credentials.locked_until > now => SignIn::Locked,
                Some(_) => SignIn::Failed { reason: "second-factor code already used" },
                None => SignIn::Failed { reason: "wrong second-factor code" },
            },
            None if credentials.locked_until > now => SignIn::Locked,
            None => SignIn::Succeeded { step: None },
        },
    };
    // A failed attempt is nobody's act: the username tried goes in the detail.
    let acting = match (&outcome, socred_auth::check_username(&username)) {
        (SignIn::Succeeded { .. }, Ok(())) => username.as_str(),
        _ => "anonymous",
    };
    let actor = match socred_store::Actor::new(acting, state.db.clock().now()) {
        Ok(actor) => actor,
        Err(error) => return super::failure_page(crate::error::ApiError::from(error)),
    };
    let (recorded_name, recorded_outcome, client) = (username.clone(), outcome.clone(), address.0.to_string());
    let recorded = match state.db.ledger_write(move |store| store.record_sign_in(&recorded_name, &client, &recorded_outcome, &actor)).await
    {
        Ok(recorded) => recorded,
        Err(error) => return super::failure_page(error),
    };
    let account = match (outcome, found) {
        (SignIn::Succeeded { .. }, Some(credentials)) if recorded.accepted => credentials.account,
        _ => return redirect_with("/login", "error", &reader().text(FAILED)),
    };
    let (secret, csrf) = match (socred_auth::new_secret(), socred_auth::new_secret()) {
        (Ok(secret), Ok(csrf)) => (secret, csrf),
        _ => {
            let language = reader();
            return error_page(
                StatusCode::INTERNAL_SERVER_ERROR,
                None,
                &language.text("error-unavailable-title"),
                &language.text("error-no-randomness"),
            );
        }
    };
    let hash = socred_auth::secret_hash(&secret);
    let account_id = account.id;
    if let Err(error) =
        state.db.session_write(move |store| store.create_session(account_id, &hash, &csrf, now, now + SESSION_HOURS * 3600)).await
    {
        return super::failure_page(error);
    }
    let home = match account.role {
        Role::Subject => "/me",
        Role::Officer => "/officer",
        Role::Reviewer => "/reviewer",
        Role::Provider => "/provider",
        Role::Partner => "/partner",
        _ => "/",
    };
    let mut response = Redirect::to(home).into_response();
    let mut cookies = vec![
        set_cookie(SESSION_COOKIE, &secret, SESSION_HOURS * 3600, state.secure_cookies),
        set_cookie(LOGIN_CSRF_COOKIE, "", 0, state.secure_cookies),
    ];
    // The account's choice of language follows it to a browser that has
    // made none (a choice made on this browser, before signing in, stands).
    if cookie(&headers, super::language::LANGUAGE_COOKIE).is_none() {
        let chosen = state.db.reading(move |store| store.account_language(account_id)).await;
        if let Some(language) = chosen.ok().flatten().as_deref().and_then(Language::from_tag) {
            cookies.push(super::language::language_cookie(language));
        }
    }
    for cookie in cookies {
        if let Ok(value) = HeaderValue::from_str(&cookie) {
            response.headers_mut().append(header::SET_COOKIE, value);
        }
    }
    response
}

/// A real Argon2 hash of nothing anyone knows, to verify against when the username does not exist.
fn dummy_hash() -> &'static str {
    static DUMMY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DUMMY.get_or_init(|| socred_auth::hash_password("", "no account has this password").unwrap_or_default())
}

#[derive(Debug, Deserialize)]
pub struct CsrfForm {
    csrf: String,
}

pub async fn logout(
    State(state): State<AppState>,
    caller: MaybeCaller,
    headers: axum::http::HeaderMap,
    Form(form): Form<CsrfForm>,
) -> Response {
    let caller = match signed_in(caller, None) {
        Ok(caller) => caller,
        Err(response) => return response,
    };
    if let Err(response) = check_csrf(&caller, &form.csrf) {
        return response;
    }
    if let Some(secret) = cookie(&headers, SESSION_COOKIE) {
        let hash = socred_auth::secret_hash(secret);
        let _ = state.db.session_write(move |store| store.end_session(&hash)).await;
    }
    let mut response = Redirect::to("/").into_response();
    if let Ok(value) = HeaderValue::from_str(&set_cookie(SESSION_COOKIE, "", 0, state.secure_cookies)) {
        response.headers_mut().append(header::SET_COOKIE, value);
    }
    response
}
