//! Credit records, by officers, for their own authority.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use serde::{Deserialize, Serialize};
use socred_auth::Action;
use socred_store::RowOutcome;
use utoipa::ToSchema;

use crate::AppState;
use crate::auth::Caller;
use crate::body::{BatchJson, Json};
use crate::error::{ApiError, ApiResult, ErrorBody, Problem};
use crate::service::records::{self, RecordRequest, Recorded, Refusal, Voided, authority, validate};

/// Records in one batch request at most.
pub const MAX_BATCH: usize = 10_000;

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RecordBody {
    /// A client-chosen id for idempotency (default: derived from the content).
    pub id: Option<String>,
    pub subject: String,
    /// A behaviour code of the rulebook.
    pub behaviour: String,
    /// When it happened (YYYY-MM-DD).
    pub at: String,
    /// The recording authority; must be the officer's own (default: it).
    pub source: Option<String>,
    pub evidence: Option<String>,
}

impl RecordBody {
    fn request(&self) -> RecordRequest<'_> {
        RecordRequest {
            id: self.id.as_deref(),
            subject: &self.subject,
            behaviour: &self.behaviour,
            at: &self.at,
            source: self.source.as_deref(),
            evidence: self.evidence.as_deref(),
        }
    }
}

/// Record a behaviour (idempotent by record id).
#[utoipa::path(post, path = "/api/v1/records", tag = "records", request_body = RecordBody, security(("bearer" = [])),
    responses((status = 201, body = Recorded), (status = 200, description = "already recorded, same content", body = Recorded),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 413, body = ErrorBody), (status = 415, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn add(State(state): State<AppState>, caller: Caller, Json(body): Json<RecordBody>) -> ApiResult<impl IntoResponse> {
    let recorded = records::add(&state, &caller, body.request()).await?;
    let status = if recorded.result == RowOutcome::Inserted { StatusCode::CREATED } else { StatusCode::OK };
    Ok((status, axum::Json(recorded)))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BatchBody {
    /// At most 10,000 records.
    pub records: Vec<RecordBody>,
    /// Store the valid records and report the others, instead of refusing the batch.
    #[serde(default)]
    pub skip_invalid: bool,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct BatchReceipt {
    pub received: usize,
    pub inserted: u64,
    pub duplicates: u64,
    pub rejected: Vec<Problem>,
    pub committed: bool,
}

/// Record many behaviours at once: atomic unless `skip_invalid`, idempotent by record id.
#[utoipa::path(post, path = "/api/v1/records/batch", tag = "records", request_body = BatchBody, security(("bearer" = [])),
    responses((status = 200, body = BatchReceipt), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 413, body = ErrorBody), (status = 422, description = "a bad record in an atomic batch, or too many records", body = ErrorBody)))]
pub async fn batch(
    State(state): State<AppState>,
    caller: Caller,
    BatchJson(body): BatchJson<BatchBody>,
) -> ApiResult<axum::Json<BatchReceipt>> {
    caller.require(Action::AddRecord)?;
    let authority = authority(&caller)?;
    if body.records.len() > MAX_BATCH {
        return Err(ApiError::invalid("records", format!("a batch holds at most {MAX_BATCH} records, got {}", body.records.len())));
    }
    let rulebook = state.db.rulebook().await?;
    let mut rejected = Vec::new();
    let mut valid = Vec::with_capacity(body.records.len());
    for (index, item) in body.records.iter().enumerate() {
        match validate(item.request(), &authority, &caller.account, &rulebook, caller.today()) {
            Ok(record) => valid.push((index, record)),
            Err(Refusal { status: StatusCode::FORBIDDEN, problems, .. }) => {
                return Err(ApiError::forbidden(format!("records[{index}].{}: {}", problems[0].0, problems[0].1)));
            }
            Err(Refusal { problems, .. }) => {
                rejected.extend(problems.into_iter().map(|(field, reason)| Problem {
                    index,
                    field: format!("records[{index}].{field}"),
                    reason,
                }));
            }
        }
    }
    let received = body.records.len();
    let skip_invalid = body.skip_invalid;
    // Even when validation already refused the batch, the store is asked, so
    // that every bad record is reported at once (unknown subjects, conflicts).
    let already_refused = !rejected.is_empty() && !skip_invalid;
    let actor = caller.actor();
    let (inserted, duplicates, store_rejected, committed) = state
        .db
        .ledger_write(move |store| {
            let mut session = store.begin_batch(&actor, "records.batch")?;
            let records: Vec<_> = valid.iter().map(|(_, record)| record.clone()).collect();
            let outcomes = session.push(&records)?;
            let mut refused = Vec::new();
            for ((index, _), outcome) in valid.iter().zip(outcomes) {
                if let RowOutcome::Rejected { field, reason, .. } = outcome {
                    refused.push(Problem { index: *index, field: format!("records[{index}].{field}"), reason });
                }
            }
            let (inserted, duplicates, _) = session.counts();
            if (already_refused || !refused.is_empty()) && !skip_invalid {
                session.rollback();
                return Ok((0, 0, refused, false));
            }
            session.commit(serde_json::json!({"batch": valid.len()}))?;
            Ok((inserted, duplicates, refused, true))
        })
        .await?;
    rejected.extend(store_rejected);
    rejected.sort_by_key(|p| p.index);
    if !committed {
        return Err(batch_refused(rejected, received));
    }
    Ok(axum::Json(BatchReceipt { received, inserted, duplicates, rejected, committed }))
}

fn batch_refused(problems: Vec<Problem>, received: usize) -> ApiError {
    let rows: std::collections::BTreeSet<usize> = problems.iter().map(|p| p.index).collect();
    let first = problems.first().map(|p| p.field.clone());
    let mut error = ApiError::invalid(
        first.as_deref().unwrap_or("records"),
        format!("{} of {received} records are invalid; nothing was stored (fix them, or send skip_invalid)", rows.len()),
    );
    error.detail.problems = problems;
    error
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct VoidBody {
    pub reason: String,
}

/// Void a record of your own authority: it stops counting everywhere, and stays in the file.
#[utoipa::path(post, path = "/api/v1/records/{id}/void", tag = "records", params(("id" = String, Path, description = "Record id")),
    request_body = VoidBody, security(("bearer" = [])),
    responses((status = 200, body = Voided), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn void(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    Json(body): Json<VoidBody>,
) -> ApiResult<axum::Json<Voided>> {
    Ok(axum::Json(records::void(&state, &caller, "id", &id, body.reason).await?))
}
