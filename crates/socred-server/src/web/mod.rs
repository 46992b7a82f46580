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
mod policy;
mod portal;
mod provider;
mod reports;
mod reviewer;
mod score;
mod sign_in;
mod staff;
mod status;

use axum::Router;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use maud::{DOCTYPE, Markup, html};
use socred_auth::Role;
use socred_i18n::{Argument, Language};

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
        .route("/lists/export.csv", get(pages::export_lists))
        .route("/rulebook", get(pages::rulebook))
        .route("/language", get(language::switch))
        .route("/api/v1/docs", get(api_docs::page_of_api))
        .route("/me", get(portal::portal))
        .route("/me/score", get(score::score))
        .route("/me/score/consents", post(score::give))
        .route("/me/score/consents/withdraw", post(score::withdraw))
        .route("/me/appeals", post(portal::appeal))
        .route("/me/disputes", post(portal::dispute))
        .route("/me/repairs", post(portal::repair))
        // An entry id may hold a `/` (a proposal's `LIST/CASE`).
        .route("/me/notices/{*entry}", get(portal::notice))
        .route("/officer", get(staff::officer))
        .route("/officer/subjects/{id}", get(staff::officer_subject))
        .route("/officer/records", post(staff::record))
        .route("/officer/voids", post(staff::void))
        .route("/officer/proposals", post(staff::propose))
        .route("/reviewer", get(reviewer::reviewer))
        .route("/reviewer/decisions", post(reviewer::decide))
        .route("/reviewer/notices", post(reviewer::serve_notice))
        .route("/reviewer/withdrawals", post(reviewer::withdraw))
        .route("/reviewer/annual", get(reviewer::annual))
        .route("/reviewer/annual.csv", get(reviewer::annual_csv))
        .route("/me/reports", get(reports::form).post(reports::file).layer(axum::extract::DefaultBodyLimit::max(reports::MAX_FORM_BYTES)))
        .route("/reviewer/reports", get(reports::queue))
        .route("/reviewer/reports/review", post(reports::review))
        .route("/reviewer/reports/decide", post(reports::decide))
        .route("/reviewer/pending", post(reports::decide_pending))
        .route("/reviewer/metrics", get(reports::metrics))
        .route("/partner", get(reports::receipts))
        .route("/provider", get(provider::provider))
        .route("/provider/checks", post(provider::check))
        .route("/policy", get(policy::policy))
        .route("/policy/compare", post(policy::compare).layer(axum::extract::DefaultBodyLimit::max(policy::MAX_FORM_BYTES)))
        .route("/policy/simulate", post(policy::simulate).layer(axum::extract::DefaultBodyLimit::max(policy::MAX_FORM_BYTES)))
}

/// No scripts, no frames, no foreign origins, no sniffing, no referrers.
pub async fn security_headers(request: Request, next: Next) -> Response {
    let had_flash = cookie(request.headers(), FLASH_COOKIE).is_some();
    let mut response = next.run(request).await;
    let shown = !response.status().is_redirection();
    let headers = response.headers_mut();
    // A flash message is shown once: the page that showed it clears it.
    if had_flash
        && shown
        && let Ok(value) = HeaderValue::from_str(&set_cookie(FLASH_COOKIE, "", 0, FLASH_COOKIE_SECURE))
    {
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
    let text = language.text_with("replay-notice", &[("today", socred_i18n::Argument::Text(language.date(clock.today())))]);
    let notice = html! { main #main { p.replay role="note" data-testid="replay-notice" { (text) } } }.into_string();
    // The notice goes first inside the page's <main>: the closing tag is the page's own.
    let notice = notice.trim_end_matches("</main>");
    let page = page.replacen(r#"<main id="main">"#, notice, 1);
    let mut response = Response::from_parts(parts, axum::body::Body::from(page));
    response.headers_mut().remove(header::CONTENT_LENGTH);
    response
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

/// A message whose variables are markup (a link, a command): the message's
/// own text is escaped, the pieces are inserted as they are.
pub fn rich(language: Language, id: &str, pieces: &[(&str, Markup)]) -> Markup {
    // Each variable becomes a marker no message text holds (private-use characters).
    let arguments: Vec<(&str, Argument)> =
        pieces.iter().enumerate().map(|(index, (name, _))| (*name, Argument::Text(format!("\u{E000}{index}\u{E001}")))).collect();
    let text = language.text_with(id, &arguments);
    html! {
        @for (number, part) in text.split('\u{E000}').enumerate() {
            @if number == 0 {
                (part)
            } @else {
                @let (index, rest) = part.split_once('\u{E001}').unwrap_or(("", part));
                @if let Some((_, piece)) = index.parse::<usize>().ok().and_then(|index| pieces.get(index)) { (piece) }
                (rest)
            }
        }
    }
}

/// The language of the page being rendered: the reader's (see `language`).
pub fn reader() -> Language {
    language::chosen()
}

/// The page shell in the reader's language: one `<h1>`, a skip link,
/// navigation by role, a `<main>`; `title` and `body` are in that language.
pub fn page(title: &str, caller: Option<&Caller>, flash: &Flash, body: Markup) -> Html<String> {
    page_in(reader(), title, caller, flash, body)
}

/// A page in `language`: its frame (navigation, account, footer, the
/// language switch) in that language; `title` and `body` already are.
pub fn page_in(language: Language, title: &str, caller: Option<&Caller>, flash: &Flash, body: Markup) -> Html<String> {
    let t = |id: &str| language.text(id);
    let role_links: &[(&str, &str)] = match caller.map(|c| c.account.role) {
        Some(Role::Subject) => &[("/me", "nav-my-file"), ("/me/score", "nav-score"), ("/me/reports", "nav-report")],
        Some(Role::Officer) => &[("/officer", "nav-officer")],
        Some(Role::Reviewer) => &[
            ("/reviewer", "nav-reviewer"),
            ("/reviewer/reports", "nav-reports"),
            ("/reviewer/metrics", "nav-metrics"),
            ("/reviewer/annual", "nav-annual"),
            ("/policy", "nav-policy"),
        ],
        Some(Role::Admin) => &[("/policy", "nav-policy")],
        Some(Role::Provider) => &[("/provider", "nav-provider")],
        Some(Role::Partner) => &[("/partner", "nav-partner")],
        _ => &[],
    };
    let links = [("/", "nav-home"), ("/lists", "nav-lists"), ("/rulebook", "nav-rulebook")]
        .iter()
        .chain(role_links)
        .chain(&[("/api/v1/docs", "nav-api")]);
    let markup = html! {
        (DOCTYPE)
        html lang=(language.tag()) {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) " · socred" }
                link rel="stylesheet" href="/static/style.css";
            }
            body {
                a.skip href="#main" { (t("skip-to-content")) }
                header {
                    p.brand { "socred" }
                    nav aria-label=(t("nav-label")) {
                        @for (number, (href, id)) in links.enumerate() {
                            @if number > 0 { " " }
                            a href=(href) { (t(id)) }
                        }
                    }
                    div.account {
                        @match caller {
                            Some(caller) => form.inline method="post" action="/logout" {
                                input type="hidden" name="csrf" value=(caller.csrf.as_deref().unwrap_or(""));
                                span { (caller.account.username) " (" (t(role_message(caller.account.role))) ")" }
                                " "
                                button type="submit" { (t("sign-out")) }
                            },
                            None => a href="/login" { (t("sign-in")) },
                        }
                    }
                    (language::switch_links(language))
                }
                main #main {
                    h1 { (title) }
                    @if let Some(message) = &flash.ok {
                        p.flash.ok role="status" { (message) }
                    } @else if let Some(message) = &flash.error {
                        p.flash.error role="alert" { (message) }
                    }
                    (body)
                }
                footer { p { (t("footer")) } }
            }
        }
    };
    Html(markup.into_string())
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
        Err(error) => redirect_with(to, "error", &error_text(reader(), &error)),
    }
}

/// An error as a person reads it. In English, the field and the reason as
/// the API states them. In Chinese, the kind of error and the field in
/// Chinese, then the reason in Chinese where the error carries its typed
/// cause (ids, texts, dates, unknown subjects and records), else as the API
/// states it.
pub fn error_text(language: Language, error: &ApiError) -> String {
    let detail = &error.detail;
    if language == Language::English {
        return match &detail.field {
            Some(field) => format!("{field}: {}", detail.message),
            None => detail.message.clone(),
        };
    }
    let lead = language.text(error_lead(detail.code));
    let field = detail
        .field
        .as_deref()
        .map(|field| language.text_with("error-field", &[("field", Argument::Text(socred_i18n::reasons::field_name(language, field)))]));
    language.text_with(
        "error-text",
        &[
            ("lead", Argument::Text(lead)),
            ("field", Argument::Text(field.unwrap_or_default())),
            ("reason", Argument::Text(detail.cause.as_ref().map_or_else(|| detail.message.clone(), |cause| cause.text(language)))),
        ],
    )
}

/// A page's own read that failed, as a page in the reader's language (the
/// API answers JSON; a browser asked for a page).
pub fn failure_page(error: crate::error::ApiError) -> Response {
    let language = reader();
    let title = language.text(error_lead(error.detail.code));
    error_page(error.status, None, &title, &error_text(language, &error))
}

fn error_lead(code: &str) -> &'static str {
    match code {
        "invalid" | "malformed" => "error-lead-invalid",
        "refused" => "error-lead-refused",
        "not_found" => "error-lead-not-found",
        "unauthenticated" => "error-lead-unauthenticated",
        "forbidden" => "error-lead-forbidden",
        "conflict" => "error-lead-conflict",
        "rate_limited" => "error-lead-rate-limited",
        "too_large" => "error-lead-too-large",
        "unavailable" => "error-lead-unavailable",
        _ => "error-lead-other",
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
        Some(caller) if role.is_some_and(|role| caller.account.role != role) => {
            let language = reader();
            let role_name = |role: Role| Argument::Text(language.text(role_message(role)));
            let message = language
                .text_with("error-role-text", &[("page", role_name(role.expect("checked"))), ("yours", role_name(caller.account.role))]);
            Err(error_page(StatusCode::FORBIDDEN, Some(&caller), &language.text("error-role-title"), &message))
        }
        Some(caller) => Ok(caller),
    }
}

/// Checks a form's CSRF token against the session's.
pub fn check_csrf(caller: &Caller, token: &str) -> Result<(), Response> {
    match caller.csrf.as_deref() {
        Some(expected) if socred_auth::same_secret(expected, token) => Ok(()),
        _ => {
            let language = reader();
            Err(error_page(StatusCode::FORBIDDEN, Some(caller), &language.text("error-form-title"), &language.text("error-form-text")))
        }
    }
}

pub fn error_page(status: StatusCode, caller: Option<&Caller>, title: &str, message: &str) -> Response {
    (status, page(title, caller, &Flash::default(), html! { p { (message) } })).into_response()
}

async fn style() -> impl IntoResponse {
    ([(header::CONTENT_TYPE, "text/css"), (header::CACHE_CONTROL, "max-age=3600")], include_str!("style.css"))
}

#[cfg(test)]
mod tests {
    use socred_i18n::Language;

    /// Every message id the pages name in their source exists in both
    /// languages (a missing one would show as its id).
    #[test]
    fn every_message_a_page_names_exists_in_both_languages() {
        let sources = [
            include_str!("mod.rs"),
            include_str!("api_docs.rs"),
            include_str!("chart.rs"),
            include_str!("language.rs"),
            include_str!("pages.rs"),
            include_str!("policy.rs"),
            include_str!("portal.rs"),
            include_str!("provider.rs"),
            include_str!("reports.rs"),
            include_str!("sign_in.rs"),
            include_str!("staff.rs"),
            include_str!("reviewer.rs"),
            include_str!("status.rs"),
            include_str!("score.rs"),
        ];
        let calls = ["t(\"", "text(\"", "with(\"", "rich(language, \"", "heading(\"", "link(\"/"];
        let mut named = std::collections::BTreeSet::new();
        for source in sources {
            for call in calls {
                for part in source.split(call).skip(1) {
                    let Some((id, _)) = part.split_once('"') else { continue };
                    let is_id = id.contains('-') && id.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
                    if is_id && !id.starts_with('-') && !id.ends_with('-') {
                        named.insert(id.to_string());
                    }
                }
            }
        }
        assert!(named.len() > 150, "the scan finds the pages' ids: {}", named.len());
        // Ids a page builds from a code: the commercial score's dimensions.
        named.extend(socred_core::scorecard::Dimension::ALL.map(|dimension| format!("score-dimension-{}", dimension.as_str())));
        for language in Language::ALL {
            let ids = socred_i18n::message_ids(language);
            let missing: Vec<&String> = named.iter().filter(|id| !ids.contains(id)).collect();
            assert!(missing.is_empty(), "{}: {missing:?}", language.tag());
        }
    }
}
