//! The reader's language: the one chosen with the switch on every page (a
//! cookie), else the browser's `Accept-Language`, else English. The pages in
//! both languages take it as an extractor; the others are in English.

use axum::extract::{FromRequestParts, Query, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use maud::{Markup, html};
use serde::Deserialize;
use socred_i18n::Language;

use crate::AppState;
use crate::auth::{MaybeCaller, cookie, set_cookie};

pub const LANGUAGE_COOKIE: &str = "socred_lang";
/// A choice of language is kept for a year.
const LANGUAGE_COOKIE_SECONDS: i64 = 365 * 86_400;
/// The longest page address the switch returns to.
const MAX_BACK_BYTES: usize = 512;

/// The language a page is read in.
#[derive(Debug, Clone, Copy)]
pub struct Reader(pub Language);

impl<S: Send + Sync> FromRequestParts<S> for Reader {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(Reader(language_of(&parts.headers)))
    }
}

pub fn language_of(headers: &HeaderMap) -> Language {
    if let Some(chosen) = cookie(headers, LANGUAGE_COOKIE).and_then(Language::from_tag) {
        return chosen;
    }
    headers.get(header::ACCEPT_LANGUAGE).and_then(|value| value.to_str().ok()).and_then(Language::negotiate).unwrap_or_default()
}

tokio::task_local! {
    /// The path of the page being rendered, for the language switch's way back (not its query:
    /// a page never repeats text someone wrote into a link to it), and the reader's language.
    static HERE: (String, Language);
}

/// Remembers the address and the reader's language of each request for the page it renders.
pub async fn remember_address(request: Request, next: Next) -> Response {
    let here = (request.uri().path().to_string(), language_of(request.headers()));
    HERE.scope(here, next.run(request)).await
}

/// The address of the page being rendered (`/` outside a request).
pub fn here() -> String {
    HERE.try_with(|(path, _)| path.clone()).unwrap_or_else(|_| "/".into())
}

/// The reader's language on the page being rendered (English outside a request).
pub fn chosen() -> Language {
    HERE.try_with(|(_, language)| *language).unwrap_or_default()
}

#[derive(Debug, Deserialize)]
pub struct Switch {
    to: String,
    back: Option<String>,
}

/// The cookie that keeps a choice of language in this browser. Lax, unlike
/// the session's: a reader who follows a link from another site keeps it.
pub fn language_cookie(language: Language) -> String {
    set_cookie(LANGUAGE_COOKIE, language.tag(), LANGUAGE_COOKIE_SECONDS, false).replace("SameSite=Strict", "SameSite=Lax")
}

/// `GET /language?to=zh-CN&back=/lists`: keeps the choice and returns to the
/// page, which must be an address on this site (never another origin). A
/// signed-in reader's account keeps it too, so that it follows them to every
/// browser they sign in from (a display preference, not an act: the session
/// cookie is SameSite=Strict, so no other site can make this request count).
pub async fn switch(State(state): State<AppState>, MaybeCaller(caller): MaybeCaller, Query(switch): Query<Switch>) -> Response {
    let Some(language) = Language::from_tag(&switch.to) else {
        return (StatusCode::BAD_REQUEST, "to: not a language socred speaks (en, zh-CN)").into_response();
    };
    if let Some(caller) = caller {
        let account = caller.account.id;
        // The switch works in this browser even when the account cannot keep the choice now.
        if let Err(error) = state.db.session_write(move |store| store.set_account_language(account, language.tag())).await {
            tracing::warn!(account, error = %error.detail.message, "the account's choice of language was not kept");
        }
    }
    let back = switch.back.filter(|back| is_local(back)).unwrap_or_else(|| "/".into());
    let mut response = (StatusCode::SEE_OTHER, [(header::LOCATION, back)]).into_response();
    if let Ok(value) = HeaderValue::from_str(&language_cookie(language)) {
        response.headers_mut().append(header::SET_COOKIE, value);
    }
    response
}

/// A path on this site: `/…` but not `//…` (another host), printable ASCII only.
fn is_local(back: &str) -> bool {
    back.len() <= MAX_BACK_BYTES
        && back.starts_with('/')
        && !back.starts_with("//")
        && !back.starts_with("/\\")
        && back.bytes().all(|b| b.is_ascii_graphic())
}

/// The switch every page carries: the reader's language marked, a link to
/// the other.
pub fn switch_links(page_language: Language) -> Markup {
    let back = percent_encode(&here());
    let current = chosen();
    html! {
        nav.language aria-label=(page_language.text("language-label")) {
            @for (number, language) in Language::ALL.into_iter().enumerate() {
                @if number > 0 { " " }
                @if language == current {
                    span aria-current="true" lang=(language.tag()) { (language.own_name()) }
                } @else {
                    a href={ "/language?to=" (language.tag()) "&back=" (back) } lang=(language.tag()) hreflang=(language.tag())
                        data-testid={ "language-" (language.tag()) } { (language.own_name()) }
                }
            }
        }
    }
}

/// Percent-encodes what a query value may not hold as is.
fn percent_encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || b"-._~/".contains(&byte) {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_way_back_stays_on_this_site() {
        for local in ["/", "/lists?q=Li&list=blacklist", "/rulebook"] {
            assert!(is_local(local), "{local}");
        }
        for foreign in ["//evil.example/", "https://evil.example/", "/\\evil.example", "lists", "/a b", "/\u{7f}", ""] {
            assert!(!is_local(foreign), "{foreign:?}");
        }
        assert!(!is_local(&format!("/{}", "a".repeat(MAX_BACK_BYTES))));
    }

    /// The ids the pages build from a value (a category, a link, a kind, a role) exist in both languages.
    #[test]
    fn every_id_built_from_a_value_exists() {
        use socred_core::rulebook::Extension;
        let mut wanted: Vec<String> = socred_core::rulebook::Category::ALL.iter().map(|(_, name, _)| format!("category-{name}")).collect();
        for extension in [Extension::Children, Extension::LegalRepresentatives, Extension::RepresentedOrganisations] {
            wanted.push(format!("rulebook-extends-{}", extension.as_str()));
        }
        for kind in [socred_core::SubjectKind::Person, socred_core::SubjectKind::Organisation] {
            wanted.push(format!("rulebook-applies-{}", kind.as_str()));
        }
        for role in socred_auth::Role::ALL {
            wanted.push(super::super::role_message(role).to_string());
        }
        for column in ["list", "name", "identifier", "authority", "legal-basis", "since", "until"] {
            wanted.push(format!("lists-column-{column}"));
        }
        for language in Language::ALL {
            let ids = socred_i18n::message_ids(language);
            for id in &wanted {
                assert!(ids.contains(id), "{id} missing in {}", language.tag());
            }
        }
    }

    #[test]
    fn the_cookie_wins_over_the_browser() {
        let mut headers = HeaderMap::new();
        assert_eq!(language_of(&headers), Language::English);
        headers.insert(header::ACCEPT_LANGUAGE, HeaderValue::from_static("zh-CN,zh;q=0.9"));
        assert_eq!(language_of(&headers), Language::Chinese);
        headers.insert(header::COOKIE, HeaderValue::from_static("socred_lang=en"));
        assert_eq!(language_of(&headers), Language::English);
        headers.insert(header::COOKIE, HeaderValue::from_static("socred_lang=klingon"));
        assert_eq!(language_of(&headers), Language::Chinese, "an unknown choice is ignored");
    }
}
