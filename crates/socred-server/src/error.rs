//! One error shape for the API, and the one place where errors become HTTP
//! statuses. A client's mistake is always a 4xx; a 500 means the server failed.

use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use socred_store::StoreError;

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ErrorDetail {
    /// A stable code: invalid, refused, not_found, conflict, too_large, unsupported_media_type,
    /// malformed, unauthenticated, forbidden, method_not_allowed, rate_limited, unavailable, internal.
    pub code: &'static str,
    pub message: String,
    /// The request field at fault, when there is one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    /// For batches: every refused item with its index, field and reason.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub problems: Vec<Problem>,
    /// The typed reason behind `message`, when the edge's parsers gave one:
    /// pages write it in the reader's language (the API's message is English).
    #[serde(skip)]
    #[schema(ignore)]
    pub cause: Option<Box<socred_i18n::reasons::Cause>>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Problem {
    pub index: usize,
    pub field: String,
    pub reason: String,
}

/// `{"error": {"code", "message", "field"}}`
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(Debug, Clone)]
pub struct ApiError {
    pub status: StatusCode,
    pub detail: ErrorDetail,
}

impl ApiError {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>, field: Option<&str>) -> ApiError {
        ApiError {
            status,
            detail: ErrorDetail { code, message: message.into(), field: field.map(str::to_string), problems: Vec::new(), cause: None },
        }
    }

    /// The same error, with the typed reason a page can translate.
    pub fn because(mut self, cause: socred_i18n::reasons::Cause) -> ApiError {
        self.detail.cause = Some(Box::new(cause));
        self
    }

    /// A date the caller gave that is not one.
    pub fn date(field: &str, error: socred_core::date::DateError) -> ApiError {
        ApiError::invalid(field, error.to_string()).because(socred_i18n::reasons::Cause::Date(error))
    }

    /// An id or text the caller gave that is refused.
    pub fn field(field: &str, error: socred_core::record::FieldError) -> ApiError {
        ApiError::invalid(field, error.to_string()).because(socred_i18n::reasons::Cause::Field(error))
    }

    /// An input refused for a reason in English only (a parser's own words).
    pub fn invalid(field: &str, message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid", message, Some(field))
    }

    /// An input refused for a typed reason: the API's message is its English.
    pub fn cause(field: &str, cause: socred_i18n::reasons::Cause) -> ApiError {
        ApiError::invalid(field, cause.text(socred_i18n::Language::English)).because(cause)
    }

    /// An input refused for the reason `id` of `locales/*/inputs.ftl`:
    /// the API's message is its English, a page writes it in the reader's language.
    pub fn invalid_message(field: &str, id: &'static str, arguments: Vec<(&'static str, socred_i18n::Argument)>) -> ApiError {
        ApiError::cause(field, socred_i18n::reasons::Cause::message(id, arguments))
    }

    pub fn malformed(field: Option<&str>, message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::BAD_REQUEST, "malformed", message, field)
    }

    pub fn not_found(what: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::NOT_FOUND, "not_found", what, None)
    }

    pub fn unauthenticated() -> ApiError {
        ApiError::new(StatusCode::UNAUTHORIZED, "unauthenticated", "sign in, or send `Authorization: Bearer <token>`", None)
    }

    pub fn forbidden(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::FORBIDDEN, "forbidden", message, None)
    }

    pub fn too_large(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::PAYLOAD_TOO_LARGE, "too_large", message, None)
    }

    pub fn unavailable(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::SERVICE_UNAVAILABLE, "unavailable", message, None)
    }

    /// Unavailable for the reason `id` of `locales/*/inputs.ftl`, which a page says in the reader's language.
    pub fn unavailable_because(id: &'static str) -> ApiError {
        let cause = socred_i18n::reasons::Cause::message(id, vec![]);
        ApiError::unavailable(cause.text(socred_i18n::Language::English)).because(cause)
    }

    /// A route the server's backend does not serve yet (501: no retry helps).
    pub fn not_implemented(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::NOT_IMPLEMENTED, "not_implemented", message, None)
    }

    pub fn internal(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", message, None)
    }
}

impl From<StoreError> for ApiError {
    fn from(error: StoreError) -> ApiError {
        let message = error.to_string();
        match error {
            StoreError::Invalid { field, reason, cause } => {
                let invalid = ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid", reason, Some(&field));
                match cause {
                    Some(cause) => invalid.because(*cause),
                    None => invalid,
                }
            }
            StoreError::Refused(refusal) => {
                let refused = ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "refused", refusal.reason, Some(refusal.field));
                match (refusal.cause, refusal.refusal) {
                    (Some(error), _) => refused.because(socred_i18n::reasons::Cause::Field(error)),
                    (None, Some(rule)) => refused.because(socred_i18n::reasons::Cause::Refusal(*rule)),
                    (None, None) => refused,
                }
            }
            StoreError::UnknownSubject(id) => ApiError::new(StatusCode::NOT_FOUND, "not_found", message, Some("subject"))
                .because(socred_i18n::reasons::Cause::UnknownSubject(id)),
            StoreError::UnknownRecord(id) => ApiError::new(StatusCode::NOT_FOUND, "not_found", message, Some("record"))
                .because(socred_i18n::reasons::Cause::UnknownRecord(id)),
            StoreError::NotFound(what) => ApiError::not_found(message).because(socred_i18n::reasons::Cause::NotFound(what)),
            StoreError::Conflict(_) => ApiError::new(StatusCode::CONFLICT, "conflict", message, None),
            StoreError::ConflictBecause { cause, .. } => ApiError::new(StatusCode::CONFLICT, "conflict", message, None).because(*cause),
            StoreError::RateLimited { field, reason, cause } => {
                ApiError::new(StatusCode::TOO_MANY_REQUESTS, "rate_limited", reason, Some(&field)).because(*cause)
            }
            StoreError::TooLarge { .. } => ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "too_large", message, None),
            StoreError::Rulebook(error) => ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid", message, Some("rulebook"))
                .because(socred_i18n::reasons::Cause::Rulebook(error)),
            StoreError::NotInitialised(_)
            | StoreError::AlreadyInitialised(_)
            | StoreError::NotAStore(_)
            | StoreError::Outdated { .. }
            | StoreError::SchemaMismatch { .. }
            | StoreError::Migration(_)
            | StoreError::AuditBroken(_)
            | StoreError::Database(_) => {
                // The store's path is in the "listening" line; the condition says what to do.
                match error.storage_condition() {
                    Some(condition) => tracing::error!(error = %message, ?condition, "store failure: the operator must act"),
                    None => tracing::error!(error = %message, "store failure"),
                }
                ApiError::internal("the store failed; the error is logged")
            }
            StoreError::Corrupt(_) => {
                // The details name the subject and the row: for the operator's log, not the caller.
                tracing::error!(error = %message, "a stored row is damaged");
                ApiError::internal("this file cannot be read: a stored row is damaged; the operator is alerted by the log")
            }
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = ErrorBody { error: self.detail };
        let mut response = (self.status, axum::Json(body)).into_response();
        if self.status == StatusCode::UNAUTHORIZED {
            response.headers_mut().insert(header::WWW_AUTHENTICATE, header::HeaderValue::from_static("Bearer"));
        }
        response
    }
}

pub type ApiResult<T> = Result<T, ApiError>;

/// No route: the documented error shape under `/api/`, a page elsewhere.
pub async fn no_route(uri: axum::http::Uri) -> Response {
    let path: String = uri.path().chars().take(200).collect();
    if path.starts_with("/api/") {
        ApiError::not_found(format!("no such resource: {path}")).into_response()
    } else {
        let language = crate::web::reader();
        crate::web::error_page(StatusCode::NOT_FOUND, None, &language.text("error-not-found-title"), &language.text("error-not-found-text"))
    }
}

/// A route that exists, asked with a method it does not take.
pub async fn method_not_allowed(method: axum::http::Method, uri: axum::http::Uri) -> Response {
    let path: String = uri.path().chars().take(200).collect();
    ApiError::new(StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed", format!("{method} is not allowed on {path}"), None).into_response()
}
