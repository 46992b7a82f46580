//! Public reports and their evidence. A report changes nobody's score until a
//! reviewer verifies it; reviewers see each reporter's record (the share of
//! their reports found malicious); the reported subject sees verified reports
//! about them, and their evidence, but the reporter only if the rulebook says so.

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use socred_auth::{Action, Role};
use socred_store::{EvidenceInfo, ReportOutcome, ReportView};
use utoipa::ToSchema;

use crate::AppState;
use crate::auth::Caller;
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::service::reports::{self, ReportRequest, reporter_of};

/// Uploads are limited by the rulebook too (2 MiB by default); this caps what is read at all.
pub const MAX_EVIDENCE_BODY_BYTES: usize = 8 * 1024 * 1024;
/// Open reports shown in one page of the queue.
pub const QUEUE_PAGE: u32 = 500;

/// Upload one evidence file (the raw bytes as the body). Its type is judged from its content; it is stored once by SHA-256.
#[utoipa::path(post, path = "/api/v1/evidence", tag = "reports", request_body(content = Vec<u8>, content_type = "application/octet-stream"),
    security(("bearer" = [])),
    responses((status = 201, body = EvidenceInfo), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 413, body = ErrorBody),
        (status = 422, description = "a type or size the rulebook does not allow", body = ErrorBody)))]
pub async fn upload(State(state): State<AppState>, caller: Caller, request: axum::extract::Request) -> ApiResult<Response> {
    caller.require(Action::FileReport)?;
    reporter_of(&caller)?;
    // Read here rather than by extractor: axum's default limit (2 MB) is not ours.
    let body: Bytes = axum::body::to_bytes(request.into_body(), MAX_EVIDENCE_BODY_BYTES)
        .await
        .map_err(|_| ApiError::too_large(format!("evidence may be at most {MAX_EVIDENCE_BODY_BYTES} bytes")))?;
    let actor = caller.actor();
    let info = state.db.ledger_write(move |store| store.add_evidence(&body, &actor)).await?;
    Ok((StatusCode::CREATED, axum::Json(info)).into_response())
}

/// Download evidence: reviewers and auditors any; a subject only evidence of reports they filed or verified reports about them.
#[utoipa::path(get, path = "/api/v1/evidence/{hash}", tag = "reports", params(("hash" = String, Path)), security(("bearer" = [])),
    responses((status = 200, content_type = "application/octet-stream"), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody)))]
pub async fn download(State(state): State<AppState>, caller: Caller, Path(hash): Path<String>) -> ApiResult<Response> {
    caller.require(Action::ReadReports)?;
    if hash.len() != 64 || !hash.bytes().all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase()) {
        return Err(ApiError::invalid("hash", "must be 64 lowercase hex characters (SHA-256)"));
    }
    let subject = (caller.account.role == Role::Subject).then_some(caller.account.subject).flatten();
    let (info, data) = state
        .db
        .reading(move |store| {
            if let Some(subject) = subject
                && !store.evidence_visible_to(&hash, &subject)?
            {
                return Ok(None);
            }
            store.evidence(&hash)
        })
        .await?
        .ok_or_else(|| ApiError::not_found("no such evidence (or not yours to see)"))?;
    let mut response = data.into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_str(&info.media_type).unwrap_or(HeaderValue::from_static("application/octet-stream")),
    );
    // Never rendered inline: evidence is whatever a member of the public sent.
    headers.insert(header::CONTENT_DISPOSITION, HeaderValue::from_static("attachment"));
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    Ok(response)
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReportBody {
    /// Your id for the report (idempotency); derived from the content when absent.
    pub id: Option<String>,
    pub subject: String,
    pub behaviour: String,
    /// When it happened (YYYY-MM-DD).
    pub occurred_on: String,
    pub description: String,
    /// Hashes from `POST /api/v1/evidence`.
    #[serde(default)]
    pub evidence: Vec<String>,
}

/// File a report about someone. It has no effect until a reviewer verifies it. Rate-limited per account and per subject (429).
#[utoipa::path(post, path = "/api/v1/reports", tag = "reports", request_body = ReportBody, security(("bearer" = [])),
    responses((status = 201, body = ReportView), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 422, body = ErrorBody), (status = 429, body = ErrorBody)))]
pub async fn file(
    State(state): State<AppState>,
    caller: Caller,
    crate::body::Json(body): crate::body::Json<ReportBody>,
) -> ApiResult<Response> {
    let request = ReportRequest {
        id: body.id,
        subject: body.subject,
        behaviour: body.behaviour,
        occurred_on: body.occurred_on,
        description: body.description,
        evidence: body.evidence,
    };
    let view = reports::file(&state, &caller, request, Vec::new()).await?;
    Ok((StatusCode::CREATED, axum::Json(view)).into_response())
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ReportList {
    pub reports: Vec<ReportView>,
}

/// Reviewers and auditors: the open reports, oldest first, each with its reporter's record. Subjects: the reports they filed.
#[utoipa::path(get, path = "/api/v1/reports", tag = "reports", security(("bearer" = [])),
    responses((status = 200, body = ReportList), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn list(State(state): State<AppState>, caller: Caller) -> ApiResult<axum::Json<ReportList>> {
    caller.require(Action::ReadReports)?;
    let reports = if caller.account.role == Role::Subject {
        let me = reporter_of(&caller)?;
        state.db.reading(move |store| store.reports_by(&me, QUEUE_PAGE)).await?
    } else {
        let reports = state.db.reading(|store| store.report_queue(QUEUE_PAGE)).await?;
        let named = reports.iter().flat_map(|report| std::iter::once(report.subject).chain(report.reporter));
        crate::service::reads::log_reads(&state, &caller, named.collect::<Vec<_>>(), "report queue", "public report").await?;
        reports
    };
    Ok(axum::Json(ReportList { reports }))
}

/// One report. A subject sees it if they filed it, or if it is a verified report about them (reporter hidden unless the rulebook discloses it).
#[utoipa::path(get, path = "/api/v1/reports/{id}", tag = "reports", params(("id" = String, Path)), security(("bearer" = [])),
    responses((status = 200, body = ReportView), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn show(State(state): State<AppState>, caller: Caller, Path(id): Path<String>) -> ApiResult<axum::Json<ReportView>> {
    caller.require(Action::ReadReports)?;
    let lookup = id.clone();
    let (report, disclose) =
        state.db.reading(move |store| Ok((store.report(&lookup)?, store.active_rulebook().reporting.disclose_reporter))).await?;
    let mut report = report.ok_or_else(|| ApiError::not_found(format!("report {id}")))?;
    if caller.account.role == Role::Subject {
        let me = caller.account.subject;
        report.reporter_stats = None;
        if report.reporter == me {
            return Ok(axum::Json(report));
        }
        if Some(report.subject) == me && report.state == "verified" {
            if !disclose {
                report.reporter = None;
                report.reporter_record_id = None;
            }
            return Ok(axum::Json(report));
        }
        return Err(ApiError::forbidden("a subject sees only reports they filed and verified reports about them"));
    }
    let named = std::iter::once(report.subject).chain(report.reporter);
    crate::service::reads::log_reads(&state, &caller, named.collect::<Vec<_>>(), "report review", &format!("report {}", report.id)).await?;
    Ok(axum::Json(report))
}

/// Take a submitted report into review. Not one you filed or one about you.
#[utoipa::path(post, path = "/api/v1/reports/{id}/review", tag = "reports", params(("id" = String, Path)), security(("bearer" = [])),
    responses((status = 200, body = ReportView), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody)))]
pub async fn review(State(state): State<AppState>, caller: Caller, Path(id): Path<String>) -> ApiResult<axum::Json<ReportView>> {
    Ok(axum::Json(reports::review(&state, &caller, id).await?))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReportDecisionBody {
    /// verified, rejected or malicious.
    pub outcome: ReportOutcome,
    pub reasons: String,

    /// Refused if present: acts are dated by the server's clock when they are recorded.
    #[serde(default)]
    #[schema(ignore)]
    pub on: Option<serde::de::IgnoredAny>,
}

/// Decide a report you took into review: verified (it becomes a record; the first reporter is rewarded), rejected, or malicious (the reporter is penalised).
#[utoipa::path(post, path = "/api/v1/reports/{id}/decision", tag = "reports", params(("id" = String, Path)), request_body = ReportDecisionBody,
    security(("bearer" = [])),
    responses((status = 200, body = ReportView), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn decide(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    crate::body::Json(body): crate::body::Json<ReportDecisionBody>,
) -> ApiResult<axum::Json<ReportView>> {
    caller.require(Action::ReviewReport)?;
    super::refuse_client_date(body.on.is_some())?;
    Ok(axum::Json(reports::decide(&state, &caller, id, body.outcome, body.reasons).await?))
}
