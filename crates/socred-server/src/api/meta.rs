//! Liveness, the rulebook and the OpenAPI document.

use axum::extract::State;
use axum::http::header;
use axum::response::IntoResponse;

use crate::AppState;
use crate::error::ApiResult;

pub async fn healthz() -> &'static str {
    "ok"
}

/// The active rulebook: tiers, behaviours with points and legal bases, lists, periods.
#[utoipa::path(get, path = "/api/v1/rulebook", tag = "meta", responses((status = 200, body = socred_core::Rulebook)))]
pub async fn rulebook(State(state): State<AppState>) -> ApiResult<axum::Json<socred_core::Rulebook>> {
    let rulebook = state.db.rulebook().await?;
    Ok(axum::Json((*rulebook).clone()))
}

/// This API's OpenAPI 3.1 document.
#[utoipa::path(get, path = "/api/v1/openapi.json", tag = "meta", responses((status = 200, description = "OpenAPI document")))]
pub async fn openapi(State(state): State<AppState>) -> impl IntoResponse {
    ([(header::CONTENT_TYPE, "application/json")], state.openapi_json.clone())
}
