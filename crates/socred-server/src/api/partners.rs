//! Data partners: NDJSON batches under the partner's agreement, with a
//! receipt for each; and the reviewers' confirmation of records whose
//! behaviour the rulebook marks `partner_review`.

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use socred_auth::{Action, Role};
use socred_ingest::{Format, IngestError};
use socred_store::{PartnerBatch, PartnerScope, PendingRecord, StoreError};
use utoipa::{IntoParams, ToSchema};

use crate::AppState;
use crate::auth::Caller;
use crate::body::{Json, MAX_BATCH_BODY_BYTES, Query};
use crate::error::{ApiError, ApiResult, ErrorBody};

/// Lines in one partner batch at most.
pub const MAX_PARTNER_LINES: usize = 10_000;
const PAGE: u32 = 500;

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct BatchParams {
    /// Store the good lines and list the bad ones, instead of refusing the whole batch.
    #[serde(default)]
    pub skip_invalid: bool,
    /// Your id for the batch: sending it again returns the first receipt and stores nothing again.
    /// Without one, the batch's content names it.
    pub batch_id: Option<String>,
}

/// Push records under your agreement: NDJSON, one record per line
/// (`{"id", "subject", "behaviour", "at", "evidence"?}`; `source` is your name), at most 10,000 lines and 8 MiB.
/// Atomic unless `skip_invalid`: one bad line and nothing is stored (422, with the receipt).
#[utoipa::path(post, path = "/api/v1/partners/records", tag = "partners", params(BatchParams),
    request_body(content = String, content_type = "application/x-ndjson"), security(("bearer" = [])),
    responses((status = 200, description = "stored (or a replay of an earlier batch id)", body = PartnerBatch),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 413, body = ErrorBody), (status = 415, body = ErrorBody),
        (status = 422, description = "refused whole; the receipt lists every bad line", body = PartnerBatch)))]
pub async fn push(
    State(state): State<AppState>,
    caller: Caller,
    Query(params): Query<BatchParams>,
    request: axum::extract::Request,
) -> ApiResult<Response> {
    caller.require(Action::PartnerFeed)?;
    let content_type = request.headers().get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("");
    let media = content_type.split(';').next().map(str::trim).unwrap_or("");
    if !media.eq_ignore_ascii_case("application/x-ndjson") && !media.eq_ignore_ascii_case("application/jsonl") {
        return Err(ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            "send `Content-Type: application/x-ndjson`",
            None,
        ));
    }
    let body: Bytes = axum::body::to_bytes(request.into_body(), MAX_BATCH_BODY_BYTES)
        .await
        .map_err(|_| ApiError::too_large(format!("a batch may be at most {MAX_BATCH_BODY_BYTES} bytes")))?;
    let lines = bytecount_lines(&body);
    if lines > MAX_PARTNER_LINES {
        return Err(ApiError::invalid("body", format!("a batch holds at most {MAX_PARTNER_LINES} lines, got {lines}")));
    }
    let batch_id = socred_ingest::batch_id_of(params.batch_id.as_deref(), &body).map_err(|cause| ApiError::cause("batch_id", cause))?;
    let scope = PartnerScope {
        username: caller.account.username.clone(),
        source: caller.account.authority.clone().unwrap_or_else(|| caller.account.username.clone()),
        behaviours: caller.account.behaviours.clone(),
    };
    let actor = caller.actor();
    let received_at_ms = caller.moment.unix_ms;
    let receipt = state
        .db
        .ledger_write(move |store| {
            socred_ingest::import_partner(
                store,
                body.as_ref(),
                Format::Ndjson,
                params.skip_invalid,
                &scope,
                &batch_id,
                received_at_ms,
                &actor,
            )
            .map_err(|error| match error {
                IngestError::Store(error) => error,
                IngestError::Header { cause, .. } => StoreError::invalid_cause("body", cause),
                other => StoreError::invalid("body", other.to_string()),
            })
        })
        .await?;
    let status = if receipt.stored || receipt.replayed { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    Ok((status, axum::Json(receipt)).into_response())
}

fn bytecount_lines(body: &[u8]) -> usize {
    body.split(|b| *b == b'\n').filter(|line| !line.iter().all(u8::is_ascii_whitespace)).count()
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Receipts {
    pub batches: Vec<PartnerBatch>,
}

/// Receipts, newest first: a partner its own; reviewers and auditors everyone's.
#[utoipa::path(get, path = "/api/v1/partners/batches", tag = "partners", security(("bearer" = [])),
    responses((status = 200, body = Receipts), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn batches(State(state): State<AppState>, caller: Caller) -> ApiResult<axum::Json<Receipts>> {
    caller.require(Action::ReadPartnerBatches)?;
    let partner = (caller.account.role == Role::Partner).then(|| caller.account.username.clone());
    let batches = state.db.reading(move |store| store.partner_batches(partner.as_deref(), PAGE)).await?;
    Ok(axum::Json(Receipts { batches }))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PendingList {
    pub pending: Vec<PendingRecord>,
}

/// Partner records waiting for a reviewer, oldest first.
#[utoipa::path(get, path = "/api/v1/partners/pending", tag = "partners", security(("bearer" = [])),
    responses((status = 200, body = PendingList), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn pending(State(state): State<AppState>, caller: Caller) -> ApiResult<axum::Json<PendingList>> {
    caller.require(Action::ReviewReport)?;
    let pending = state.db.reading(|store| store.pending_records(PAGE)).await?;
    let subjects: Vec<_> = pending.iter().map(|record| record.subject).collect();
    crate::service::reads::log_reads(&state, &caller, subjects, "pending partner records", "pending record").await?;
    Ok(axum::Json(PendingList { pending }))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PendingDecisionBody {
    /// confirm (it becomes a record and counts) or reject (it never counts).
    pub outcome: PendingOutcome,
    pub reasons: String,
}

#[derive(Debug, Clone, Copy, Deserialize, ToSchema)]
#[serde(rename_all = "kebab-case")]
pub enum PendingOutcome {
    Confirm,
    Reject,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PendingDecided {
    pub record_id: String,
    /// False when this decision had already been made (nothing changed).
    pub changed: bool,
}

/// Confirm or reject a pending partner record.
#[utoipa::path(post, path = "/api/v1/partners/pending/{id}/decision", tag = "partners", params(("id" = String, Path)),
    request_body = PendingDecisionBody, security(("bearer" = [])),
    responses((status = 200, body = PendingDecided), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn decide_pending(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    Json(body): Json<PendingDecisionBody>,
) -> ApiResult<axum::Json<PendingDecided>> {
    let confirm = matches!(body.outcome, PendingOutcome::Confirm);
    let changed = crate::service::reports::decide_pending(&state, &caller, id.clone(), confirm, body.reasons).await?;
    Ok(axum::Json(PendingDecided { record_id: id, changed }))
}
