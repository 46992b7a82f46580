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
    use axum::body::HttpBody;
    let too_large = || ApiError::too_large(format!("the body may be at most {limit} bytes"));
    let content_length =
        request.headers().get(axum::http::header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()).and_then(|v| v.parse::<usize>().ok());
    if content_length.is_some_and(|length| length > limit) {
        return Err(too_large());
    }
    // A small body arrives as one frame and is returned as it came, without
    // a copy or a list of chunks; only a body in many frames is gathered.
    let mut body = request.into_body();
    let (mut first, mut gathered, mut length): (Option<Bytes>, Vec<u8>, usize) = (None, Vec::new(), 0);
    while let Some(frame) = std::future::poll_fn(|context| std::pin::Pin::new(&mut body).poll_frame(context)).await {
        let frame = frame.map_err(|_| ApiError::malformed(None, "the body could not be read to its end"))?;
        let Ok(data) = frame.into_data() else { continue };
        length += data.len();
        if length > limit {
            return Err(too_large());
        }
        if first.is_none() && gathered.is_empty() {
            first = Some(data);
        } else {
            if let Some(first) = first.take() {
                gathered.extend_from_slice(&first);
            }
            gathered.extend_from_slice(&data);
        }
    }
    Ok(first.unwrap_or_else(|| Bytes::from(gathered)))
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

#[cfg(test)]
mod tests {
    use super::*;
    use axum::body::{Body, HttpBody};
    use std::collections::VecDeque;
    use std::pin::Pin;
    use std::task::{Context, Poll};

    /// A body in the given frames, without a length: what a chunked upload looks like.
    struct Frames(VecDeque<Result<Bytes, std::io::Error>>);

    impl HttpBody for Frames {
        type Data = Bytes;
        type Error = std::io::Error;
        fn poll_frame(mut self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<Option<Result<http_body::Frame<Bytes>, std::io::Error>>> {
            Poll::Ready(self.0.pop_front().map(|frame| frame.map(http_body::Frame::data)))
        }
    }

    fn request(frames: Vec<Result<&'static [u8], std::io::Error>>) -> Request {
        let frames = frames.into_iter().map(|frame| frame.map(Bytes::from_static)).collect();
        Request::new(Body::new(Frames(frames)))
    }

    #[tokio::test]
    async fn a_body_in_many_frames_is_gathered_in_order() {
        let bytes = read_limited(request(vec![Ok(b"{\"a\":"), Ok(b""), Ok(b"1}")]), 64).await.unwrap();
        assert_eq!(&bytes[..], b"{\"a\":1}");
        let one = read_limited(request(vec![Ok(b"[]")]), 64).await.unwrap();
        assert_eq!(&one[..], b"[]");
        assert!(read_limited(request(vec![]), 64).await.unwrap().is_empty());
    }

    #[tokio::test]
    async fn a_body_without_a_length_is_still_limited() {
        let error = read_limited(request(vec![Ok(b"12345"), Ok(b"67890")]), 8).await.unwrap_err();
        assert_eq!(error.status, axum::http::StatusCode::PAYLOAD_TOO_LARGE);
        let exact = read_limited(request(vec![Ok(b"1234"), Ok(b"5678")]), 8).await.unwrap();
        assert_eq!(exact.len(), 8);
    }

    #[tokio::test]
    async fn a_body_cut_short_is_a_bad_request_not_too_large() {
        let error = read_limited(request(vec![Ok(b"{\"a\""), Err(std::io::Error::other("reset"))]), 64).await.unwrap_err();
        assert_eq!(error.status, axum::http::StatusCode::BAD_REQUEST);
    }
}
