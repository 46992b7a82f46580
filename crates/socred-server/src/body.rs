//! Request bodies and query strings with stated limits and precise errors:
//! oversize → 413, not JSON → 415, malformed → 400, wrong field → 422 naming it.

use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::header::CONTENT_TYPE;
use axum::http::request::Parts;
use serde::de::DeserializeOwned;

use crate::error::ApiError;

/// Most request bodies: a record, an appeal, a form.
pub const MAX_BODY_BYTES: usize = 64 * 1024;
/// Batch bodies: up to the batch limit of records.
pub const MAX_BATCH_BODY_BYTES: usize = 8 * 1024 * 1024;

async fn read_limited(request: Request, limit: usize) -> Result<Bytes, ApiError> {
    let content_length =
        request.headers().get(axum::http::header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()).and_then(|v| v.parse::<usize>().ok());
    if content_length.is_some_and(|length| length > limit) {
        return Err(ApiError::too_large(format!("the body may be at most {limit} bytes")));
    }
    axum::body::to_bytes(request.into_body(), limit)
        .await
        .map_err(|_| ApiError::too_large(format!("the body may be at most {limit} bytes")))
}

/// Parses JSON, naming the field at fault.
pub fn parse_json<'a, T: serde::Deserialize<'a>>(bytes: &'a [u8]) -> Result<T, ApiError> {
    // The happy path parses once, without tracking paths; a bad body is parsed
    // again to name the field at fault.
    if let Ok(value) = serde_json::from_slice(bytes) {
        return Ok(value);
    }
    let mut deserializer = serde_json::Deserializer::from_slice(bytes);
    let value: Result<T, _> = serde_path_to_error::deserialize(&mut deserializer);
    match value {
        Ok(value) => {
            deserializer.end().map_err(|e| ApiError::malformed(None, format!("trailing data after the JSON value: {e}")))?;
            Ok(value)
        }
        Err(error) => {
            let path = error.path().to_string();
            let inner = error.into_inner();
            let field = (path != "." && path != "?").then_some(path);
            match inner.classify() {
                serde_json::error::Category::Data => {
                    Err(ApiError::new(axum::http::StatusCode::UNPROCESSABLE_ENTITY, "invalid", inner.to_string(), field.as_deref()))
                }
                _ => Err(ApiError::malformed(field.as_deref(), inner.to_string())),
            }
        }
    }
}

fn require_json(request: &Request) -> Result<(), ApiError> {
    let content_type = request.headers().get(CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("");
    if content_type.split(';').next().map(str::trim).is_some_and(|t| t.eq_ignore_ascii_case("application/json")) {
        Ok(())
    } else {
        Err(ApiError::new(
            axum::http::StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            "send `Content-Type: application/json`",
            None,
        ))
    }
}

/// A JSON body of at most [`MAX_BODY_BYTES`].
pub struct Json<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for Json<T> {
    type Rejection = ApiError;

    async fn from_request(request: Request, _state: &S) -> Result<Self, ApiError> {
        require_json(&request)?;
        let bytes = read_limited(request, MAX_BODY_BYTES).await?;
        parse_json(&bytes).map(Json)
    }
}

/// The bytes of a JSON body of at most `LIMIT` bytes, for a handler that
/// parses it into a type borrowing from them (`parse_json`).
pub struct JsonBytes<const LIMIT: usize = MAX_BODY_BYTES>(pub Bytes);

impl<S: Send + Sync, const LIMIT: usize> FromRequest<S> for JsonBytes<LIMIT> {
    type Rejection = ApiError;

    async fn from_request(request: Request, _state: &S) -> Result<Self, ApiError> {
        require_json(&request)?;
        read_limited(request, LIMIT).await.map(JsonBytes)
    }
}

/// A JSON body of at most [`MAX_BATCH_BODY_BYTES`].
pub struct BatchJson<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for BatchJson<T> {
    type Rejection = ApiError;

    async fn from_request(request: Request, _state: &S) -> Result<Self, ApiError> {
        require_json(&request)?;
        let bytes = read_limited(request, MAX_BATCH_BODY_BYTES).await?;
        parse_json(&bytes).map(BatchJson)
    }
}

/// A URL-encoded form of at most [`MAX_BODY_BYTES`] (the web UI).
pub struct Form<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for Form<T> {
    type Rejection = ApiError;

    async fn from_request(request: Request, _state: &S) -> Result<Self, ApiError> {
        let bytes = read_limited(request, MAX_BODY_BYTES).await?;
        serde_urlencoded_from(&bytes).map(Form)
    }
}

fn serde_urlencoded_from<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    serde_urlencoded::from_bytes(bytes).map_err(|e| ApiError::invalid("form", e.to_string()))
}

/// Query parameters, refused with 422 naming the parameter.
pub struct Query<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequestParts<S> for Query<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, ApiError> {
        let query = parts.uri.query().unwrap_or("");
        if query.len() > 4096 {
            return Err(ApiError::new(
                axum::http::StatusCode::URI_TOO_LONG,
                "too_large",
                "the query string may be at most 4096 bytes",
                None,
            ));
        }
        axum::extract::Query::<T>::try_from_uri(&parts.uri)
            .map(|query| Query(query.0))
            .map_err(|e| ApiError::invalid("query", e.body_text()))
    }
}
