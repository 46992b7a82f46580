//! The JSON API under `/api/v1/`. Every handler is annotated for OpenAPI; the
//! document is generated from these annotations, never written by hand.

pub mod accounts;
pub mod audit;
pub mod cases;
pub mod checks;
pub mod constraints;
pub mod lists;
pub mod log;
pub mod mail;
pub mod meta;
pub mod partners;
pub mod records;
pub mod reports;
pub mod score;
pub mod subjects;

use axum::Router;
use socred_core::Date;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::AppState;
use crate::error::ApiError;
pub use crate::service::{as_of_or, parse_subject};

/// Page sizes: a query may ask for at most this many rows.
pub const MAX_PAGE: u32 = 1_000;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "socred API",
        description = "A transparent, due-process social credit ledger. Every number is explained, every sanction can be appealed, every official act is on a tamper-evident record.\n\nAuthenticate with `Authorization: Bearer <token>` (tokens: `socred token issue`, or `POST /api/v1/tokens`). Errors have one shape: `{\"error\": {\"code\", \"message\", \"field\"}}`.",
        license(name = "Apache-2.0")
    ),
    modifiers(&BearerAuth),
    tags(
        (name = "subjects", description = "Subjects, assessments, explanations and files"),
        (name = "records", description = "Credit records (officers, for their own authority)"),
        (name = "lists", description = "Blacklist and redlist entries, notices, the public list"),
        (name = "reports", description = "Public reports and their evidence: no effect until verified"),
        (name = "partners", description = "Data partners' batches, receipts, and records awaiting confirmation"),
        (name = "cases", description = "Appeals, disputes, credit repair, the reviewer queue"),
        (name = "checks", description = "Decisions for providers: allow, deny or allow with a benefit, with reason codes and the appeal route"),
        (name = "audit", description = "The audit log"),
        (name = "accounts", description = "Accounts and API tokens"),
        (name = "meta", description = "Rulebook and service documents")
    )
)]
struct ApiDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme("bearer", SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()));
    }
}

/// The API router and its OpenAPI document.
pub fn router() -> (Router<AppState>, utoipa::openapi::OpenApi) {
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .routes(routes!(subjects::register, subjects::search))
        .routes(routes!(subjects::summary))
        .routes(routes!(subjects::explanation))
        .routes(routes!(subjects::file))
        .routes(routes!(score::commercial_score))
        .routes(routes!(score::list, score::give))
        .routes(routes!(score::withdraw))
        .routes(routes!(mail::mail))
        .routes(routes!(subjects::timeline))
        .routes(routes!(records::add))
        .routes(routes!(records::batch))
        .routes(routes!(records::void))
        .routes(routes!(lists::public))
        .routes(routes!(lists::propose))
        .routes(routes!(lists::entry))
        .routes(routes!(lists::notice, lists::serve_notice))
        .routes(routes!(lists::withdraw))
        .routes(routes!(cases::file_appeal))
        .routes(routes!(cases::decide_appeal))
        .routes(routes!(cases::file_dispute))
        .routes(routes!(cases::decide_dispute))
        .routes(routes!(cases::apply_repair))
        .routes(routes!(cases::decide_repair))
        .routes(routes!(cases::queue))
        .routes(routes!(checks::check))
        .routes(routes!(checks::batch))
        .routes(routes!(reports::upload))
        .routes(routes!(reports::download))
        .routes(routes!(reports::file, reports::list))
        .routes(routes!(reports::show))
        .routes(routes!(reports::review))
        .routes(routes!(reports::decide))
        .routes(routes!(partners::push))
        .routes(routes!(partners::batches))
        .routes(routes!(partners::pending))
        .routes(routes!(partners::decide_pending))
        .routes(routes!(audit::log))
        .routes(routes!(audit::verify))
        .routes(routes!(log::checkpoint))
        .routes(routes!(log::verifier_key))
        .routes(routes!(log::proof))
        .routes(routes!(log::verify_proof))
        .routes(routes!(accounts::me))
        .routes(routes!(accounts::add, accounts::list))
        .routes(routes!(accounts::tokens, accounts::issue_token))
        .routes(routes!(accounts::revoke_token))
        .routes(routes!(accounts::change_password))
        .routes(routes!(accounts::reset_password))
        .routes(routes!(accounts::disable))
        .routes(routes!(accounts::enable))
        .routes(routes!(accounts::begin_second_factor))
        .routes(routes!(accounts::confirm_second_factor))
        .routes(routes!(accounts::remove_second_factor))
        .routes(routes!(meta::rulebook))
        .routes(routes!(meta::openapi))
        .split_for_parts()
}

/// `as_of` (default: today, by the server's clock).
pub fn as_of(text: Option<&str>, today: Date) -> Result<Date, ApiError> {
    as_of_or(text, today)
}

/// `known_on`: the ledger as it stood at the end of that day. Not after today
/// (the ledger cannot know tomorrow) and within the supported range.
pub fn known_on(text: Option<&str>, today: Date) -> Result<Option<Date>, ApiError> {
    let Some(text) = text else {
        return Ok(None);
    };
    let day = socred_core::parse_date(text).map_err(|error| ApiError::date("known_on", error))?;
    if day > today {
        return Err(ApiError::invalid_message(
            "known_on",
            "input-known-on-future",
            vec![("day", socred_i18n::Argument::Day(day)), ("today", socred_i18n::Argument::Day(today))],
        ));
    }
    Ok(Some(day))
}

/// Acts are dated by the server's clock when they are recorded: a body that
/// names a date for one is refused, whatever the date.
pub fn refuse_client_date(present: bool) -> Result<(), ApiError> {
    if present {
        return Err(ApiError::invalid_message("on", "input-client-date", vec![]));
    }
    Ok(())
}

pub fn page(limit: Option<u32>, default: u32) -> Result<u32, ApiError> {
    match limit {
        None => Ok(default),
        Some(0) => Err(ApiError::invalid_message("limit", "input-at-least-one", vec![])),
        Some(limit) if limit > MAX_PAGE => {
            Err(ApiError::invalid_message("limit", "input-page-rows", vec![("max", socred_i18n::Argument::Number(i64::from(MAX_PAGE)))]))
        }
        Some(limit) => Ok(limit),
    }
}

/// The purpose of a read, shown to the subject.
pub fn purpose(text: Option<&str>) -> Result<String, ApiError> {
    let purpose = text.unwrap_or("not stated").to_string();
    socred_core::record::check_text(&purpose, 500).map_err(|error| ApiError::field("purpose", error))?;
    Ok(purpose)
}
