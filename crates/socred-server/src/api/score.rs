//! The commercial score (350–950) and the consents that let a partner see it.

use axum::extract::{Path, State};
use axum::response::IntoResponse;
use serde::{Deserialize, Serialize};
use socred_core::consent::Consent;
use utoipa::{IntoParams, ToSchema};

use super::lists::acted_response;
use super::parse_subject;
use crate::AppState;
use crate::auth::Caller;
use crate::body::{Json, Query};
use crate::error::{ApiResult, ErrorBody};
use crate::service::as_of_or;
use crate::service::cases::Acted;
use crate::service::score::{self, ScoreAnswer};

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ScoreQuery {
    /// The date to score on (YYYY-MM-DD, default today; a partner: today only).
    pub as_of: Option<String>,
}

/// A commercial score with the four costliest reasons. The subject sees their own, with the
/// points of each dimension and characteristic; a provider or data partner only today's score,
/// the card and the reasons' codes, and only while the subject's consent to its account is in
/// force (403 otherwise, whether or not the subject exists); each such view is logged in the
/// subject's file.
#[utoipa::path(get, path = "/api/v1/subjects/{id}/commercial-score", tag = "subjects", params(("id" = String, Path), ScoreQuery),
    security(("bearer" = [])),
    responses((status = 200, body = ScoreAnswer), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn commercial_score(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    Query(query): Query<ScoreQuery>,
) -> ApiResult<axum::Json<ScoreAnswer>> {
    let id = parse_subject("id", &id)?;
    let as_of = query.as_of.as_deref().map(|day| as_of_or(Some(day), caller.today())).transpose()?;
    let (score, _) = score::commercial_score(&state, &caller, id, as_of).await?;
    Ok(axum::Json(ScoreAnswer::for_caller(&caller, id, score)))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Consents {
    /// Newest first; a consent without `withdrawn_on` is in force.
    #[schema(value_type = Vec<Object>)]
    pub consents: Vec<Consent>,
}

/// The signed-in subject's consents: to whom, since when, until when.
#[utoipa::path(get, path = "/api/v1/me/consents", tag = "subjects", security(("bearer" = [])),
    responses((status = 200, body = Consents), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn list(State(state): State<AppState>, caller: Caller) -> ApiResult<axum::Json<Consents>> {
    Ok(axum::Json(Consents { consents: score::consents(&state, &caller).await? }))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ConsentBody {
    /// The account of the service provider or data partner.
    pub partner: String,
    /// A client-chosen id for the act (default: derived from it and the moment).
    pub id: Option<String>,
}

/// Give a partner consent to see your commercial score.
#[utoipa::path(post, path = "/api/v1/me/consents", tag = "subjects", request_body = ConsentBody, security(("bearer" = [])),
    responses((status = 201, body = Acted), (status = 200, body = Acted), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn give(State(state): State<AppState>, caller: Caller, Json(body): Json<ConsentBody>) -> ApiResult<impl IntoResponse> {
    Ok(acted_response(score::consent(&state, &caller, body.partner, true, body.id.as_deref()).await?))
}

/// Withdraw a consent: from now on the partner is answered 403.
#[utoipa::path(post, path = "/api/v1/me/consents/withdraw", tag = "subjects", request_body = ConsentBody, security(("bearer" = [])),
    responses((status = 201, body = Acted), (status = 200, body = Acted), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn withdraw(State(state): State<AppState>, caller: Caller, Json(body): Json<ConsentBody>) -> ApiResult<impl IntoResponse> {
    Ok(acted_response(score::consent(&state, &caller, body.partner, false, body.id.as_deref()).await?))
}
