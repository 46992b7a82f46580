//! The web UI: server-rendered HTML, no JavaScript, readable on a phone.
//! Pages: home, login, the citizen portal, the officer console, the reviewer
//! queue, the public lists and the rulebook. Forms carry a CSRF token bound
//! to the session; cookies are HttpOnly and SameSite=Strict.

// A page handler's "error" is itself a page or a redirect: a full Response.
#![allow(clippy::result_large_err)]

mod api_docs;
pub mod chart;
pub mod language;
mod pages;
mod portal;
mod provider;
mod reports;
mod sign_in;
mod staff;

use axum::Router;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use socred_auth::Role;
use socred_i18n::Language;

use crate::AppState;
use crate::auth::{Caller, MaybeCaller, cookie, set_cookie};
use crate::error::ApiError;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/", get(pages::home))
        .route("/static/style.css", get(style))
        .route("/login", get(sign_in::login_page).post(sign_in::login))
        .route("/logout", post(sign_in::logout))
        .route("/lists", get(pages::public_lists))
        .route("/rulebook", get(pages::rulebook))
        .route("/language", get(language::switch))
        .route("/api/v1/docs", get(api_docs::page))
        .route("/me", get(portal::portal))
        .route("/me/appeals", post(portal::appeal))
        .route("/me/disputes", post(portal::dispute))
        .route("/officer", get(staff::officer))
        .route("/officer/subjects/{id}", get(staff::officer_subject))
        .route("/officer/records", post(staff::record))
        .route("/officer/voids", post(staff::void))
        .route("/officer/proposals", post(staff::propose))
        .route("/reviewer", get(staff::reviewer))
        .route("/reviewer/decisions", post(staff::decide))
        .route("/reviewer/notices", post(staff::serve_notice))
        .route("/reviewer/annual", get(staff::annual))
        .route("/me/reports", get(reports::form).post(reports::file).layer(axum::extract::DefaultBodyLimit::max(reports::MAX_FORM_BYTES)))
        .route("/reviewer/reports", get(reports::queue))
        .route("/reviewer/reports/review", post(reports::review))
        .route("/reviewer/reports/decide", post(reports::decide))
        .route("/reviewer/pending", post(reports::decide_pending))
        .route("/reviewer/metrics", get(reports::metrics))
        .route("/partner", get(reports::receipts))
        .route("/provider", get(provider::provider))
        .route("/provider/checks", post(provider::check))
}

/// No scripts, no frames, no foreign origins, no sniffing, no referrers.
pub async fn security_headers(request: Request, next: Next) -> Response {
    let had_flash = cookie(request.headers(), FLASH_COOKIE).is_some();
    let mut response = next.run(request).await;
    let shown = !response.status().is_redirection();
    let headers = response.headers_mut();
    // A flash message is shown once: the page that showed it clears it.
    if had_flash && shown && let Ok(value) = HeaderValue::from_str(&set_cookie(FLASH_COOKIE, "", 0, FLASH_COOKIE_SECURE)) {
        headers.append(header::SET_COOKIE, value);
    }
    // Answers carry personal data (files, decisions, account pages): no
    // browser or proxy keeps them. The few public resources say otherwise.
    if !headers.contains_key(header::CACHE_CONTROL) {
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
        ),
    );
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    headers.insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    response
}

/// On a replay store, every page says so: its acts are dated by whoever
/// replays a scenario, not by the clock, so nothing on it is a live record.
pub async fn replay_notice(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let clock = state.db.clock();
    let response = next.run(request).await;
    let is_html = response.headers().get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).is_some_and(|t| t.starts_with("text/html"));
    if !clock.is_replay() || !is_html {
        return response;
    }
    let (parts, body) = response.into_parts();
    // Pages are rendered whole in memory; this bound is far above any of them.
    let Ok(bytes) = axum::body::to_bytes(body, 64 * 1024 * 1024).await else {
        return (StatusCode::INTERNAL_SERVER_ERROR, "the page could not be rendered").into_response();
    };
    let page = String::from_utf8_lossy(&bytes);
    // In the page's own language, which its <html lang> says.
    let language = if page.contains(r#"<html lang="zh-CN">"#) { Language::Chinese } else { Language::English };
    let notice = format!(
        r#"<main id="main"><p class="replay" role="note" data-testid="replay-notice">{}</p>"#,
        esc(&language.text_with("replay-notice", &[("today", socred_i18n::Argument::Text(language.date(clock.today())))]))
    );
    let page = page.replacen(r#"<main id="main">"#, &notice, 1);
    let mut response = Response::from_parts(parts, axum::body::Body::from(page));
    response.headers_mut().remove(header::CONTENT_LENGTH);
    response
}

/// HTML-escapes text for element content and attribute values.
pub fn esc(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// Percent-encodes a value for a URL query or path segment.
pub fn url(text: &str) -> String {
    let mut out = String::new();
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'_' | b'.' | b'~') {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// The page shell: one `<h1>`, a skip link, navigation by role, a `<main>`.
/// A page in English (the pages not yet written in both languages).
pub fn page(title: &str, caller: Option<&Caller>, flash: &Flash, body: &str) -> Html<String> {
    page_in(Language::English, title, caller, flash, body)
}

/// A page in `language`: its frame (navigation, account, footer, the
/// language switch) in that language; `title` and `body` already are.
pub fn page_in(language: Language, title: &str, caller: Option<&Caller>, flash: &Flash, body: &str) -> Html<String> {
    let t = |id: &str| esc(&language.text(id));
    let link = |href: &str, id: &str| format!(r#" <a href="{href}">{}</a>"#, t(id));
    let mut nav = link("/", "nav-home") + &link("/lists", "nav-lists") + &link("/rulebook", "nav-rulebook");
    let role_links: &[(&str, &str)] = match caller.map(|c| c.account.role) {
        Some(Role::Subject) => &[("/me", "nav-my-file"), ("/me/reports", "nav-report")],
        Some(Role::Officer) => &[("/officer", "nav-officer")],
        Some(Role::Reviewer) => {
            &[("/reviewer", "nav-reviewer"), ("/reviewer/reports", "nav-reports"), ("/reviewer/metrics", "nav-metrics"), ("/reviewer/annual", "nav-annual")]
        }
        Some(Role::Provider) => &[("/provider", "nav-provider")],
        Some(Role::Partner) => &[("/partner", "nav-partner")],
        _ => &[],
    };
    for (href, id) in role_links {
        nav.push_str(&link(href, id));
    }
    nav.push_str(&link("/api/v1/docs", "nav-api"));
    let nav = nav.trim_start();
    let account = match caller {
        Some(caller) => format!(
            r#"<form class="inline" method="post" action="/logout"><input type="hidden" name="csrf" value="{}"><span>{} ({})</span> <button type="submit">{}</button></form>"#,
            esc(caller.csrf.as_deref().unwrap_or("")),
            esc(&caller.account.username),
            t(role_message(caller.account.role)),
            t("sign-out"),
        ),
        None => format!(r#"<a href="/login">{}</a>"#, t("sign-in")),
    };
    let switch = language::switch_links(language);
    let flash = match flash {
        Flash { ok: Some(message), .. } => format!(r#"<p class="flash ok" role="status">{}</p>"#, esc(message)),
        Flash { error: Some(message), .. } => format!(r#"<p class="flash error" role="alert">{}</p>"#, esc(message)),
        _ => String::new(),
    };
    Html(format!(
        r##"<!doctype html>
<html lang="{lang}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title} · socred</title>
<link rel="stylesheet" href="/static/style.css">
</head>
<body>
<a class="skip" href="#main">{skip}</a>
<header><p class="brand">socred</p><nav aria-label="{nav_label}">{nav}</nav><div class="account">{account}</div>{switch}</header>
<main id="main">
<h1>{title}</h1>
{flash}
{body}
</main>
<footer><p>{footer}</p></footer>
</body>
</html>
"##,
        title = esc(title),
        lang = language.tag(),
        skip = t("skip-to-content"),
        nav_label = t("nav-label"),
        footer = t("footer"),
    ))
}

fn role_message(role: Role) -> &'static str {
    match role {
        Role::Subject => "role-subject",
        Role::Officer => "role-officer",
        Role::Reviewer => "role-reviewer",
        Role::Provider => "role-provider",
        Role::Partner => "role-partner",
        Role::Auditor => "role-auditor",
        Role::Admin => "role-admin",
    }
}

/// A one-line message carried across a redirect, in a cookie only this site
/// can set (never in the address, where anyone could write it into a link).
#[derive(Debug, Default)]
pub struct Flash {
    pub ok: Option<String>,
    pub error: Option<String>,
}

pub const FLASH_COOKIE: &str = "socred_flash";
/// The flash cookie holds no secret (a message the page shows once): it is
/// not marked Secure, so that it works behind plain HTTP (`--insecure-cookies`) too.
const FLASH_COOKIE_SECURE: bool = false;
/// A flash longer than this is cut: it says what happened, not everything.
const MAX_FLASH_CHARS: usize = 400;

impl<S: Send + Sync> axum::extract::FromRequestParts<S> for Flash {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut axum::http::request::Parts, _: &S) -> Result<Flash, Self::Rejection> {
        let Some(value) = cookie(&parts.headers, FLASH_COOKIE) else {
            return Ok(Flash::default());
        };
        let text = percent_decode(value);
        Ok(match text.split_once(':') {
            Some(("ok", message)) => Flash { ok: Some(message.to_string()), error: None },
            Some(("error", message)) => Flash { ok: None, error: Some(message.to_string()) },
            _ => Flash::default(),
        })
    }
}

fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut index = 0;
    while index < bytes.len() {
        let decoded = (bytes[index] == b'%')
            .then(|| bytes.get(index + 1..index + 3))
            .flatten()
            .and_then(|hex| u8::from_str_radix(std::str::from_utf8(hex).ok()?, 16).ok());
        match decoded {
            Some(byte) => {
                out.push(byte);
                index += 3;
            }
            None => {
                out.push(bytes[index]);
                index += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Redirects to `to` with a message to show there once.
pub fn redirect_with(to: &str, kind: &str, message: &str) -> Response {
    let message: String = message.chars().take(MAX_FLASH_CHARS).collect();
    let mut response = Redirect::to(to).into_response();
    if let Ok(value) = HeaderValue::from_str(&set_cookie(FLASH_COOKIE, &url(&format!("{kind}:{message}")), 60, FLASH_COOKIE_SECURE)) {
        response.headers_mut().append(header::SET_COOKIE, value);
    }
    response
}

/// Redirects back with a message.
pub fn back(to: &str, result: Result<String, ApiError>) -> Response {
    match result {
        Ok(message) => redirect_with(to, "ok", &message),
        Err(error) => {
            let message = match &error.detail.field {
                Some(field) => format!("{field}: {}", error.detail.message),
                None => error.detail.message.clone(),
            };
            redirect_with(to, "error", &message)
        }
    }
}

/// The signed-in caller of a role posting a form with a valid CSRF token, or
/// the page (login redirect, 403) that says why not.
pub fn form_caller(caller: MaybeCaller, role: Role, csrf: &str) -> Result<Caller, Response> {
    let caller = signed_in(caller, Some(role))?;
    check_csrf(&caller, csrf)?;
    Ok(caller)
}

/// The signed-in caller, or a redirect to the login page.
pub fn signed_in(caller: MaybeCaller, role: Option<Role>) -> Result<Caller, Response> {
    match caller.0 {
        None => Err(Redirect::to("/login").into_response()),
        Some(caller) if role.is_some_and(|role| caller.account.role != role) => Err(error_page(
            StatusCode::FORBIDDEN,
            Some(&caller),
            "Not for your role",
            &format!("This page is for the {} role; you are signed in as {}.", role.expect("checked"), caller.account.role),
        )),
        Some(caller) => Ok(caller),
    }
}

/// Checks a form's CSRF token against the session's.
pub fn check_csrf(caller: &Caller, token: &str) -> Result<(), Response> {
    match caller.csrf.as_deref() {
        Some(expected) if socred_auth::same_secret(expected, token) => Ok(()),
        _ => Err(error_page(
            StatusCode::FORBIDDEN,
            Some(caller),
            "Form expired",
            "The form's security token did not match; reload the page and try again.",
        )),
    }
}

pub fn error_page(status: StatusCode, caller: Option<&Caller>, title: &str, message: &str) -> Response {
    (status, page(title, caller, &Flash::default(), &format!("<p>{}</p>", esc(message)))).into_response()
}

async fn style() -> impl IntoResponse {
    ([(header::CONTENT_TYPE, "text/css"), (header::CACHE_CONTROL, "max-age=3600")], include_str!("style.css"))
}
