//! List entries: the public list, proposals, notices, withdrawals.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use serde::{Deserialize, Serialize};
use socred_auth::Action;
use socred_core::Date;
use socred_core::lists::{ListEntry, Notice};
use socred_core::process::EntryId;
use socred_store::{PublicEntry, SubjectRef};
use utoipa::{IntoParams, ToSchema};

use super::{as_of, page, purpose};
use crate::AppState;
use crate::auth::{Caller, MaybeCaller};
use crate::body::{Json, Query};
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::limits::ClientAddress;
use crate::service::cases::{self, Acted};
use crate::service::parse_entry;
use crate::service::reads::log_read;

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct PublicQuery {
    /// A list code (default: every published list).
    pub list: Option<String>,
    /// Part of a name, or a whole masked id as the list shows it (`110101********4514`).
    /// A full identity number is refused. Reads and searches by anyone but staff are limited per address.
    pub search: Option<String>,
    /// The authority that recorded the entry, exactly as the list shows it.
    pub authority: Option<String>,
    /// A province (`11`, the region code's first two digits) or a city (`1101`, its first four).
    pub region: Option<String>,
    pub as_of: Option<String>,
    /// At most 1000 (default 100).
    pub limit: Option<u32>,
    pub offset: Option<u32>,
}

/// The published lists: name, masked id, authority, legal basis, since, until. Never the score or the file.
#[utoipa::path(get, path = "/api/v1/lists/public", tag = "lists", params(PublicQuery),
    responses((status = 200, body = [PublicEntry]), (status = 422, body = ErrorBody), (status = 429, body = ErrorBody)))]
pub async fn public(
    State(state): State<AppState>,
    MaybeCaller(caller): MaybeCaller,
    address: ClientAddress,
    Query(query): Query<PublicQuery>,
) -> ApiResult<axum::Json<Vec<PublicEntry>>> {
    let as_of = as_of(query.as_of.as_deref(), state.today())?;
    let limit = page(query.limit, 100)?;
    let offset = query.offset.unwrap_or(0);
    if offset > 1_000_000 {
        return Err(ApiError::invalid("offset", "at most 1000000"));
    }
    let filter = socred_store::PublicFilter { list: query.list, search: query.search, authority: query.authority, region: query.region };
    let filter = filter.checked().map_err(|(field, cause)| ApiError::cause(field, cause))?;
    state.limits.public_list(caller.as_ref(), address.0, filter.search.is_some())?;
    Ok(axum::Json(state.db.published(as_of, filter, limit, offset).await?))
}

/// 201 when the act was stored now, 200 when it had been stored before.
pub fn acted_response(acted: Acted) -> (StatusCode, axum::Json<Acted>) {
    let status = if acted.is_new() { StatusCode::CREATED } else { StatusCode::OK };
    (status, axum::Json(acted))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProposalBody {
    pub subject: String,
    /// A list code of the rulebook.
    pub list: String,
    pub legal_basis: String,
    pub facts: String,
    /// A client-chosen case id (default: derived from the content).
    pub case_id: Option<String>,
    /// Refused if present: acts are dated by the server's clock when they are recorded.
    #[serde(default)]
    #[schema(ignore)]
    pub on: Option<serde::de::IgnoredAny>,
}

/// Propose a list entry by decision, with a stated legal basis. The written notice is served separately.
#[utoipa::path(post, path = "/api/v1/lists/proposals", tag = "lists", request_body = ProposalBody, security(("bearer" = [])),
    responses((status = 201, body = Acted), (status = 200, body = Acted), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn propose(State(state): State<AppState>, caller: Caller, Json(body): Json<ProposalBody>) -> ApiResult<impl IntoResponse> {
    caller.require(Action::ProposeEntry)?;
    super::refuse_client_date(body.on.is_some())?;
    let acted = cases::propose(&state, &caller, &body.subject, body.list, body.legal_basis, body.facts, body.case_id.as_deref()).await?;
    Ok(acted_response(acted))
}

/// The entry, if the caller may see it (subjects: their own only).
pub async fn visible_entry(state: &AppState, caller: &Caller, entry: &EntryId, as_of: Date) -> ApiResult<ListEntry> {
    let subject = state.db.subject_of_entry(entry.clone()).await?;
    caller.require_subject(Action::ReadSubject, &subject)?;
    state.db.entry(entry.clone(), as_of).await
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct EntryQuery {
    pub as_of: Option<String>,
    pub purpose: Option<String>,
}

/// A list entry with its state and full history on a date.
#[utoipa::path(get, path = "/api/v1/lists/entries/{entry}", tag = "lists", params(("entry" = String, Path, description = "Entry id (percent-encode `/`)"), EntryQuery),
    security(("bearer" = [])),
    responses((status = 200, body = ListEntry), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn entry(
    State(state): State<AppState>,
    caller: Caller,
    Path(entry): Path<String>,
    Query(query): Query<EntryQuery>,
) -> ApiResult<axum::Json<ListEntry>> {
    let entry = parse_entry(&entry)?;
    let as_of = as_of(query.as_of.as_deref(), caller.today())?;
    let purpose = purpose(query.purpose.as_deref())?;
    let found = visible_entry(&state, &caller, &entry, as_of).await?;
    log_read(&state, &caller, found.subject, purpose, &format!("list entry {entry}")).await?;
    Ok(axum::Json(found))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct NoticeView {
    pub to: SubjectRef,
    pub notice: Notice,
}

/// The written notice of an entry: facts, legal basis, consequences, how to appeal.
#[utoipa::path(get, path = "/api/v1/lists/entries/{entry}/notice", tag = "lists", params(("entry" = String, Path), EntryQuery),
    security(("bearer" = [])),
    responses((status = 200, body = NoticeView), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn notice(
    State(state): State<AppState>,
    caller: Caller,
    Path(entry): Path<String>,
    Query(query): Query<EntryQuery>,
) -> ApiResult<axum::Json<NoticeView>> {
    let entry = parse_entry(&entry)?;
    let purpose = purpose(query.purpose.as_deref())?;
    let found = visible_entry(&state, &caller, &entry, Date::MAX).await?;
    let notice = found.notice.clone().ok_or_else(|| ApiError::not_found(format!("entry {entry} has no notice yet")))?;
    let subject = found.subject;
    let info = state.db.subject_info(subject).await?.ok_or_else(|| ApiError::not_found("subject"))?;
    log_read(&state, &caller, subject, purpose, &format!("notice {entry}")).await?;
    Ok(axum::Json(NoticeView { to: SubjectRef { id: info.id, name: info.name }, notice }))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OnBody {
    /// Refused if present: acts are dated by the server's clock when they are recorded.
    #[serde(default)]
    #[schema(ignore)]
    pub on: Option<serde::de::IgnoredAny>,
}

/// Serve the written notice of a proposed entry; the appeal window opens.
#[utoipa::path(post, path = "/api/v1/lists/entries/{entry}/notice", tag = "lists", params(("entry" = String, Path)), request_body = OnBody,
    security(("bearer" = [])),
    responses((status = 201, body = Acted), (status = 200, body = Acted), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn serve_notice(
    State(state): State<AppState>,
    caller: Caller,
    Path(entry): Path<String>,
    Json(body): Json<OnBody>,
) -> ApiResult<impl IntoResponse> {
    caller.require(Action::ServeNotice)?;
    super::refuse_client_date(body.on.is_some())?;
    Ok(acted_response(cases::serve_notice(&state, &caller, &entry).await?))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WithdrawBody {
    pub reason: String,

    /// Refused if present: acts are dated by the server's clock when they are recorded.
    #[serde(default)]
    #[schema(ignore)]
    pub on: Option<serde::de::IgnoredAny>,
}

/// Withdraw an entry that is not yet listed.
#[utoipa::path(post, path = "/api/v1/lists/entries/{entry}/withdrawal", tag = "lists", params(("entry" = String, Path)), request_body = WithdrawBody,
    security(("bearer" = [])),
    responses((status = 201, body = Acted), (status = 200, body = Acted), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn withdraw(
    State(state): State<AppState>,
    caller: Caller,
    Path(entry): Path<String>,
    Json(body): Json<WithdrawBody>,
) -> ApiResult<impl IntoResponse> {
    caller.require(Action::WithdrawEntry)?;
    super::refuse_client_date(body.on.is_some())?;
    Ok(acted_response(cases::withdraw(&state, &caller, &entry, body.reason).await?))
}
