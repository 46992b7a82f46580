//! Liveness, the rulebook, the OpenAPI document and its browsable page.

use axum::extract::State;
use axum::http::header;
use axum::response::{Html, IntoResponse};

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

/// A browsable page of the API, rendered from the OpenAPI document.
#[utoipa::path(get, path = "/api/v1/docs", tag = "meta", responses((status = 200, description = "HTML")))]
pub async fn docs(State(state): State<AppState>) -> Html<String> {
    Html(crate::web::api_docs_page(&state.openapi_json))
}
