//! Appeals, disputes, credit repair, and the reviewer queue.

use axum::extract::{Path, State};
use axum::response::IntoResponse;
use serde::Deserialize;
use socred_auth::Action;
use socred_core::process::{AppealOutcome, DisputeOutcome, RepairOutcome};
use socred_store::Queue;
use utoipa::{IntoParams, ToSchema};

use super::lists::acted_response;
use crate::AppState;
use crate::auth::Caller;
use crate::body::{Json, Query};
use crate::error::{ApiResult, ErrorBody};
use crate::service::cases::{self, Acted, Decision};

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AppealBody {
    pub entry: String,
    pub grounds: String,
    pub appeal_id: Option<String>,

    /// Refused if present: acts are dated by the server's clock when they are recorded.
    #[serde(default)]
    #[schema(ignore)]
    pub on: Option<serde::de::IgnoredAny>,
}

/// Appeal one of your list entries: within the window after the notice, and once more against a decision upholding it.
#[utoipa::path(post, path = "/api/v1/appeals", tag = "cases", request_body = AppealBody, security(("bearer" = [])),
    responses((status = 201, body = Acted), (status = 200, body = Acted), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 422, description = "e.g. after the deadline", body = ErrorBody)))]
pub async fn file_appeal(State(state): State<AppState>, caller: Caller, Json(body): Json<AppealBody>) -> ApiResult<impl IntoResponse> {
    caller.require(Action::FileAppeal)?;
    super::refuse_client_date(body.on.is_some())?;
    let acted = cases::file_appeal(&state, &caller, &body.entry, body.grounds, body.appeal_id.as_deref()).await?;
    Ok(acted_response(acted))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DecisionBody<O> {
    pub outcome: O,
    pub reasons: String,

    /// Refused if present: acts are dated by the server's clock when they are recorded.
    #[serde(default)]
    #[schema(ignore)]
    pub on: Option<serde::de::IgnoredAny>,
}

/// Decide an appeal: `uphold` the listing or `overturn` it. Not your own case.
#[utoipa::path(post, path = "/api/v1/appeals/{id}/decision", tag = "cases", params(("id" = String, Path)), request_body = DecisionBody<AppealOutcome>,
    security(("bearer" = [])),
    responses((status = 201, body = Acted), (status = 200, body = Acted), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn decide_appeal(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    Json(body): Json<DecisionBody<AppealOutcome>>,
) -> ApiResult<impl IntoResponse> {
    caller.require(Action::DecideAppeal)?;
    super::refuse_client_date(body.on.is_some())?;
    Ok(acted_response(cases::decide(&state, &caller, &id, Decision::Appeal(body.outcome), body.reasons).await?))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DisputeBody {
    pub record: String,
    pub grounds: String,
    pub dispute_id: Option<String>,

    /// Refused if present: acts are dated by the server's clock when they are recorded.
    #[serde(default)]
    #[schema(ignore)]
    pub on: Option<serde::de::IgnoredAny>,
}

/// Dispute a record of your file, at any time.
#[utoipa::path(post, path = "/api/v1/disputes", tag = "cases", request_body = DisputeBody, security(("bearer" = [])),
    responses((status = 201, body = Acted), (status = 200, body = Acted), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn file_dispute(State(state): State<AppState>, caller: Caller, Json(body): Json<DisputeBody>) -> ApiResult<impl IntoResponse> {
    caller.require(Action::FileDispute)?;
    super::refuse_client_date(body.on.is_some())?;
    let acted = cases::file_dispute(&state, &caller, &body.record, body.grounds, body.dispute_id.as_deref()).await?;
    Ok(acted_response(acted))
}

/// Decide a dispute: `uphold` voids the record and recomputes everything; `reject` keeps it.
#[utoipa::path(post, path = "/api/v1/disputes/{id}/decision", tag = "cases", params(("id" = String, Path)), request_body = DecisionBody<DisputeOutcome>,
    security(("bearer" = [])),
    responses((status = 201, body = Acted), (status = 200, body = Acted), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn decide_dispute(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    Json(body): Json<DecisionBody<DisputeOutcome>>,
) -> ApiResult<impl IntoResponse> {
    caller.require(Action::DecideDispute)?;
    super::refuse_client_date(body.on.is_some())?;
    Ok(acted_response(cases::decide(&state, &caller, &id, Decision::Dispute(body.outcome), body.reasons).await?))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RepairBody {
    pub entry: String,
    /// How the obligation was fulfilled.
    pub evidence: String,
    /// A commitment letter, where the list requires one.
    pub commitment: Option<String>,
    pub repair_id: Option<String>,

    /// Refused if present: acts are dated by the server's clock when they are recorded.
    #[serde(default)]
    #[schema(ignore)]
    pub on: Option<serde::de::IgnoredAny>,
}

/// Apply for credit repair of one of your listed entries, after the minimum publication.
#[utoipa::path(post, path = "/api/v1/repairs", tag = "cases", request_body = RepairBody, security(("bearer" = [])),
    responses((status = 201, body = Acted), (status = 200, body = Acted), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn apply_repair(State(state): State<AppState>, caller: Caller, Json(body): Json<RepairBody>) -> ApiResult<impl IntoResponse> {
    caller.require(Action::ApplyRepair)?;
    super::refuse_client_date(body.on.is_some())?;
    let acted = cases::apply_repair(&state, &caller, &body.entry, body.evidence, body.commitment, body.repair_id.as_deref()).await?;
    Ok(acted_response(acted))
}

/// Decide a repair application: `approve` ends the publication today.
#[utoipa::path(post, path = "/api/v1/repairs/{id}/decision", tag = "cases", params(("id" = String, Path)), request_body = DecisionBody<RepairOutcome>,
    security(("bearer" = [])),
    responses((status = 201, body = Acted), (status = 200, body = Acted), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn decide_repair(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    Json(body): Json<DecisionBody<RepairOutcome>>,
) -> ApiResult<impl IntoResponse> {
    caller.require(Action::DecideRepair)?;
    super::refuse_client_date(body.on.is_some())?;
    Ok(acted_response(cases::decide(&state, &caller, &id, Decision::Repair(body.outcome), body.reasons).await?))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct QueueQuery {
    pub as_of: Option<String>,
    /// Only what is past its deadline.
    #[serde(default)]
    pub overdue: bool,
}

/// What reviewers have to decide, with deadlines.
#[utoipa::path(get, path = "/api/v1/queue", tag = "cases", params(QueueQuery), security(("bearer" = [])),
    responses((status = 200, body = Queue), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn queue(State(state): State<AppState>, caller: Caller, Query(query): Query<QueueQuery>) -> ApiResult<axum::Json<Queue>> {
    caller.require(Action::ReadQueue)?;
    let as_of = super::as_of(query.as_of.as_deref(), caller.today())?;
    let mut queue = state.db.queue(as_of).await?;
    if query.overdue {
        queue.appeals.retain(|q| q.item.overdue);
        queue.disputes.retain(|q| q.item.overdue);
        queue.repairs.retain(|q| q.item.overdue);
        queue.proposals.clear();
    }
    let subjects = queue.appeals.iter().map(|q| q.subject.id).chain(queue.disputes.iter().map(|q| q.subject.id));
    let subjects = subjects.chain(queue.repairs.iter().map(|q| q.subject.id)).chain(queue.proposals.iter().map(|q| q.subject.id));
    crate::service::reads::log_reads(&state, &caller, subjects.collect::<Vec<_>>(), "reviewers' queue", "pending case").await?;
    Ok(axum::Json(queue))
}
