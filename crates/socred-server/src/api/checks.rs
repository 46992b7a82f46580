//! The check API: a provider asks "may this subject use my service?" and
//! learns the decision, the reason codes the rulebook lets it know, any
//! benefit, and how the subject can appeal. Nothing else: no score, no tier,
//! no records. Every check — and every attempt outside the provider's
//! services — is logged and shows in the subject's file.

use axum::extract::State;
use axum::response::IntoResponse;
use serde::{Deserialize, Serialize};
use socred_auth::Action;
use std::borrow::Cow;
use std::sync::Arc;

use socred_core::{Date, SubjectId};
use socred_store::PackedChecks;
use utoipa::ToSchema;

use crate::AppState;
use crate::auth::Caller;
use crate::body::{JsonBytes, MAX_BATCH_BODY_BYTES};
use crate::error::{ApiError, ApiResult, ErrorBody, ErrorDetail};
use crate::service::checks::{CheckAnswer, check_day, decide, in_scope, refused, run_check};

/// Checks in one batch at most.
pub const MAX_BATCH: usize = 10_000;

/// One check.
// Its texts borrow from the request body where they can (a string without
// escapes), so reading a check allocates nothing.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CheckBody<'a> {
    #[serde(borrow)]
    #[schema(value_type = String)]
    pub subject: Cow<'a, str>,
    /// A service category of your account.
    #[serde(borrow)]
    #[schema(value_type = String)]
    pub service: Cow<'a, str>,
    /// The date to decide for: today (the default), or a day within the
    /// rulebook's `[limits] check_window_days` of it (0 by default: today
    /// only). A replay store answers for any day of its scenario.
    #[serde(borrow, default)]
    #[schema(value_type = Option<String>)]
    pub as_of: Option<Cow<'a, str>>,
}

impl CheckBody<'_> {
    pub fn into_owned(self) -> CheckBody<'static> {
        CheckBody {
            subject: Cow::Owned(self.subject.into_owned()),
            service: Cow::Owned(self.service.into_owned()),
            as_of: self.as_of.map(|d| Cow::Owned(d.into_owned())),
        }
    }
}

fn json_response(body: Vec<u8>) -> axum::response::Response {
    // A static value: a `&str` would be validated and copied into a fresh header value on every answer.
    ([(axum::http::header::CONTENT_TYPE, axum::http::HeaderValue::from_static("application/json"))], body).into_response()
}

/// Ask for one decision.
#[utoipa::path(post, path = "/api/v1/checks", tag = "checks", request_body = CheckBody, security(("bearer" = [])),
    responses((status = 200, body = CheckAnswer), (status = 401, body = ErrorBody), (status = 403, description = "not a provider, or a service outside the token's categories (logged)", body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn check(State(state): State<AppState>, caller: Caller, JsonBytes(bytes): JsonBytes) -> ApiResult<axum::response::Response> {
    let body: CheckBody<'_> = crate::body::parse_json(&bytes)?;
    let json = run_check(&state, &caller, &body.subject, &body.service, body.as_of.as_deref(), |checked| {
        let mut json = Vec::with_capacity(256);
        checked.write_json(&mut json);
        json
    })
    .await?;
    Ok(json_response(json))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BatchBody<'a> {
    /// At most 10,000 checks.
    #[serde(borrow)]
    pub checks: Vec<CheckBody<'a>>,
}

/// One answer of a batch: a decision, or why that check could not be answered.
#[derive(Debug, Serialize, ToSchema)]
pub struct BatchItem {
    pub index: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub answer: Option<CheckAnswer>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<ErrorDetail>,
}

/// The batch's answer, in the order asked. The handler writes this body in
/// parts (see `answer_part`); the type documents it in the OpenAPI document.
#[derive(Debug, Serialize, ToSchema)]
#[allow(dead_code)]
pub struct BatchAnswer {
    pub results: Vec<BatchItem>,
}

/// Ask for up to 10,000 decisions at once. A service outside the token's categories refuses the whole batch (logged).
#[utoipa::path(post, path = "/api/v1/checks/batch", tag = "checks", request_body = BatchBody, security(("bearer" = [])),
    responses((status = 200, body = BatchAnswer), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 413, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn batch(
    State(state): State<AppState>,
    caller: Caller,
    JsonBytes(bytes): JsonBytes<MAX_BATCH_BODY_BYTES>,
) -> ApiResult<axum::response::Response> {
    caller.require(Action::Check)?;
    let body: BatchBody<'_> = crate::body::parse_json(&bytes)?;
    if body.checks.len() > MAX_BATCH {
        return Err(ApiError::invalid("checks", format!("a batch holds at most {MAX_BATCH} checks, got {}", body.checks.len())));
    }
    let outside: Vec<(usize, &CheckBody<'_>)> = body.checks.iter().enumerate().filter(|(_, c)| !in_scope(&caller, &c.service)).collect();
    // One clock reading for the whole batch: its checks are one request.
    let (today, at_ms) = (caller.today(), caller.moment.unix_ms);
    if !outside.is_empty() {
        let mut logs = PackedChecks::with_capacity(outside.len());
        for (_, c) in &outside {
            let Some(key) = SubjectId::parse(&c.subject).ok().and_then(|subject| state.db.hot.key_of(&subject)) else { continue };
            logs.push(&refused(&caller, at_ms, key, &c.service, today));
        }
        state.db.log_checks(logs).await?;
        return Err(ApiError::forbidden(format!(
            "checks[{}].service {:?} is outside this token's categories ({}); the attempt is logged",
            outside[0].0,
            outside[0].1.service,
            caller.account.services.join(", ")
        )));
    }
    // A large batch is answered in parts on every core; each part writes its
    // items' JSON, and the parts are joined in order.
    // The parts run as tasks of their own: they own their checks.
    let checks: Arc<Vec<CheckBody<'static>>> = Arc::new(body.checks.into_iter().map(CheckBody::into_owned).collect());
    let part_size = checks.len().div_ceil(cores()).max(BATCH_PART_MIN);
    let mut parts = Vec::new();
    for start in (0..checks.len()).step_by(part_size) {
        let range = start..(start + part_size).min(checks.len());
        let (state, caller, checks) = (state.clone(), caller.clone(), checks.clone());
        parts.push(tokio::spawn(async move { answer_part(&state, &caller, &checks, range, today, at_ms).await }));
    }
    let mut json = Vec::with_capacity(checks.len() * 180 + 16);
    json.extend_from_slice(b"{\"results\":[");
    let (mut logs, mut from_memory) = (PackedChecks::with_capacity(checks.len()), 0usize);
    for (number, part) in parts.into_iter().enumerate() {
        let mut part = part.await.map_err(|_| ApiError::internal("a part of the batch failed"))?;
        if number > 0 && !part.json.is_empty() {
            json.push(b',');
        }
        json.extend_from_slice(&part.json);
        logs.append(&mut part.logs);
        from_memory += part.from_memory;
    }
    json.extend_from_slice(b"]}");
    state.db.log_checks(logs).await?;
    state.checks.batches.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    tracing::debug!(checks = checks.len(), from_memory, "batch answered");
    Ok(json_response(json))
}

/// Checks of a batch answered in one task at least (smaller batches are not split).
const BATCH_PART_MIN: usize = 1000;

fn cores() -> usize {
    static CORES: std::sync::OnceLock<usize> = std::sync::OnceLock::new();
    *CORES.get_or_init(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
}

/// One part of a batch: its items as JSON (comma-separated, in order), their logs.
struct Part {
    json: Vec<u8>,
    logs: PackedChecks,
    from_memory: usize,
}

async fn answer_part(
    state: &AppState,
    caller: &Caller,
    checks: &[CheckBody<'static>],
    range: std::ops::Range<usize>,
    today: Date,
    at_ms: i64,
) -> Part {
    use std::io::Write;
    let mut part = Part { json: Vec::with_capacity(range.len() * 200), logs: PackedChecks::with_capacity(range.len()), from_memory: 0 };
    for index in range {
        let item = &checks[index];
        if !part.json.is_empty() {
            part.json.push(b',');
        }
        // Field names are formatted only for the items that need them.
        let prepared = SubjectId::parse(&item.subject)
            .map_err(|e| ApiError::invalid(&format!("checks[{index}].subject"), format!("{:?} {e}", item.subject)))
            .and_then(|subject| {
                check_day(state, item.as_of.as_deref(), today).map(|date| (subject, date)).map_err(|mut e| {
                    e.detail.field = Some(format!("checks[{index}].as_of"));
                    e
                })
            });
        // BatchItem, as serde writes it: {"index":N,"answer":{…}} or {"index":N,"error":{…}}.
        let json = &mut part.json;
        let outcome = match prepared {
            Ok((subject, date)) => decide(state, subject, &item.service, date, |checked| {
                write!(json, "{{\"index\":{index},\"answer\":").expect("writing to memory");
                checked.write_json(json);
                json.push(b'}');
            })
            .await
            .map(|((), decided)| (decided, date)),
            Err(error) => Err(error),
        };
        match outcome {
            Ok((decided, date)) => {
                part.from_memory += usize::from(decided.from_memory);
                part.logs.push(&decided.record(caller, at_ms, &item.service, date));
            }
            Err(error) => {
                write!(part.json, "{{\"index\":{index},\"error\":").expect("writing to memory");
                serde_json::to_writer(&mut part.json, &error.detail).expect("an error detail serialises");
                part.json.push(b'}');
            }
        }
    }
    part
}
