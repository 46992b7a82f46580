//! The subject's commercial score on the portal: the score and its
//! dimensions, the reasons as an adverse-action notice states them, what
//! would change each characteristic, and the consents given to partners.

use axum::extract::State;
use axum::response::{IntoResponse, Response};
use maud::html;
use serde::Deserialize;
use socred_auth::Role;
use socred_core::scorecard::Scorecard;
use socred_i18n::{Argument, Language};

use super::{Flash, back, form_caller, page, reader};
use crate::AppState;
use crate::auth::MaybeCaller;
use crate::body::Form;
use crate::service;

fn characteristic_words<'c>(card: &'c Scorecard, language: Language, code: &str) -> (&'c str, &'c str) {
    let found = card.characteristics.iter().find(|c| c.code == code).expect("the score's characteristics are the card's");
    match language {
        Language::Chinese => (&found.title_zh, &found.reason_zh),
        Language::English => (&found.title, &found.reason),
    }
}

pub async fn score(State(state): State<AppState>, caller: MaybeCaller, flash: Flash) -> Response {
    let (caller, _) = match super::portal::own_file(caller) {
        Ok(found) => found,
        Err(response) => return response,
    };
    let today = caller.today();
    let (scored, card, consents) = match service::score::own_score(&state, &caller).await {
        Ok(found) => found,
        Err(error) => return super::failure_page(error),
    };
    let language = reader();
    let t = |id: &str| language.text(id);
    let text = |id: &str, arguments: &[(&str, Argument)]| language.text_with(id, arguments);
    let csrf = caller.csrf.as_deref().unwrap_or("");
    let card_title = if language == Language::Chinese { &card.title_zh } else { &card.title };
    let body = html! {
        p.score { (text("score-line", &[("score", Argument::Number(scored.score)), ("min", Argument::Number(card.scaling.min_score)),
            ("max", Argument::Number(card.scaling.max_score))])) }
        p { (text("score-card", &[("card", Argument::Text(format!("{card_title} {}", card.version))), ("day", Argument::Text(language.date(today)))])) }
        p { (t("score-independent")) }
        h2 { (t("score-dimensions")) }
        div.table-wrap { table {
            thead { tr { th scope="col" { (t("score-dimension")) } th scope="col" { (t("score-points")) } } }
            tbody { @for dimension in &scored.dimensions {
                tr { td { (t(&format!("score-dimension-{}", dimension.dimension.as_str()))) } td { (format!("{:+}", dimension.points)) } }
            } }
        } }
        h2 { (t("score-reasons")) }
        @if scored.reasons.is_empty() {
            p { (t("score-no-reasons")) }
        } @else {
            ol { @for reason in &scored.reasons {
                li { (reason.reason_code) ": " (characteristic_words(&card, language, &reason.characteristic).1) " "
                    (text("score-reason-lost", &[("points", Argument::Number(reason.points_lost))])) }
            } }
        }
        h2 { (t("score-what-would-change")) }
        div.table-wrap { table {
            thead { tr {
                th scope="col" { (t("score-characteristic")) } th scope="col" { (t("score-value")) } th scope="col" { (t("score-points")) }
                th scope="col" { (t("score-best")) } th scope="col" { (t("score-changes-on")) }
            } }
            tbody { @for c in &scored.characteristics {
                tr {
                    td { (characteristic_words(&card, language, &c.code).0) }
                    td { (c.value) " (" (c.bin) ")" }
                    td { (format!("{:+}", c.points)) }
                    td { @if c.points_lost() > 0 { (text("score-best-bin", &[("bin", Argument::Text(c.best_bin.clone())), ("gain", Argument::Number(c.points_lost()))])) } @else { "—" } }
                    td { @match c.changes_on { Some(day) => (language.date(day)), None => "—" } }
                }
            } }
        } }
        p { (t("score-dispute-hint")) " " a href="/me" { (t("nav-my-file")) } }
        h2 { (t("score-consents")) }
        p { (t("score-consents-explained")) }
        ul { @for consent in &consents {
            li {
                @match consent.withdrawn_on {
                    None => {
                        (text("score-consent-in-force", &[("partner", Argument::Text(consent.partner.clone())), ("day", Argument::Text(language.date(consent.given_on)))])) " "
                        form.inline method="post" action="/me/score/consents/withdraw" {
                            input type="hidden" name="csrf" value=(csrf);
                            input type="hidden" name="partner" value=(consent.partner);
                            button type="submit" { (t("score-consent-withdraw")) }
                        }
                    }
                    Some(until) => (text("score-consent-withdrawn", &[("partner", Argument::Text(consent.partner.clone())),
                        ("day", Argument::Text(language.date(consent.given_on))), ("until", Argument::Text(language.date(until)))])),
                }
            }
        } }
        form method="post" action="/me/score/consents" {
            input type="hidden" name="csrf" value=(csrf);
            p { label for="partner" { (t("score-consent-partner")) } input id="partner" name="partner" required maxlength="64" {} }
            p { button type="submit" { (t("score-consent-give")) } }
        }
    };
    page(&t("score-heading"), Some(&caller), &flash, body).into_response()
}

#[derive(Debug, Deserialize)]
pub struct ConsentForm {
    csrf: String,
    partner: String,
}

pub async fn give(State(state): State<AppState>, caller: MaybeCaller, Form(form): Form<ConsentForm>) -> Response {
    consent(state, caller, form, true).await
}

pub async fn withdraw(State(state): State<AppState>, caller: MaybeCaller, Form(form): Form<ConsentForm>) -> Response {
    consent(state, caller, form, false).await
}

async fn consent(state: AppState, caller: MaybeCaller, form: ConsentForm, give: bool) -> Response {
    let caller = match form_caller(caller, Role::Subject, &form.csrf) {
        Ok(caller) => caller,
        Err(response) => return response,
    };
    let partner = form.partner.trim().to_string();
    let result = service::score::consent(&state, &caller, partner.clone(), give, None).await.map(|_| {
        let id = if give { "score-consent-given" } else { "score-consent-withdrawn-now" };
        reader().text_with(id, &[("partner", Argument::Text(partner))])
    });
    back("/me/score", result)
}
