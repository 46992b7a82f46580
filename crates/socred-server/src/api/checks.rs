//! The check API: a provider asks "may this subject use my service?" and
//! learns the decision, the reason codes the rulebook lets it know, any
//! benefit, and how the subject can appeal. Nothing else: no score, no tier,
//! no records. Every check — and every attempt outside the provider's
//! services — is logged and shows in the subject's file.

use axum::extract::State;
use axum::response::IntoResponse;
use serde::{Deserialize, Serialize};
use socred_auth::Action;
use std::sync::Arc;

use socred_core::decide::Outcome;
use socred_core::{Date, SubjectId};
use socred_store::CheckLog;
use utoipa::ToSchema;

use super::{as_of, as_of_or, parse_subject};
use crate::AppState;
use crate::auth::Caller;
use crate::body::{BatchJson, Json};
use crate::error::{ApiError, ApiResult, ErrorBody, ErrorDetail};
use crate::hot::{Miss, Verdict};

/// Checks in one batch at most.
pub const MAX_BATCH: usize = 10_000;

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CheckBody {
    pub subject: String,
    /// A service category of your account.
    pub service: String,
    /// The date to decide for (default today).
    pub as_of: Option<String>,
}

/// What a provider learns.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CheckAnswer {
    pub subject: SubjectId,
    pub service: String,
    #[serde(with = "socred_core::date::serde_date")]
    pub as_of: Date,
    pub decision: Outcome,
    /// Measure codes the rulebook marks as disclosable.
    pub reasons: Vec<String>,
    /// For rewards: the benefit codes.
    pub benefits: Vec<String>,
    /// How the subject can contest the decision.
    pub appeal: String,
}

fn answer(subject: SubjectId, service: &str, as_of: Date, verdict: &Verdict) -> CheckAnswer {
    CheckAnswer {
        subject,
        service: service.to_string(),
        as_of,
        decision: verdict.outcome,
        reasons: verdict.reasons.clone(),
        benefits: verdict.benefits.clone(),
        appeal: verdict.appeal.clone(),
    }
}

/// One row of the check log; `at_ms` is read once per request.
#[allow(clippy::too_many_arguments)]
fn log(
    caller: &Caller,
    at_ms: i64,
    subject: SubjectId,
    subject_key: Option<i64>,
    service: &str,
    as_of: Date,
    outcome: &'static str,
    reasons: Vec<String>,
) -> CheckLog {
    CheckLog {
        at_ms,
        provider: caller.account.username.clone(),
        subject,
        subject_key,
        service: service.to_string(),
        as_of,
        outcome,
        reasons,
    }
}

/// A verdict from the hot index, or from the store when the index cannot
/// answer; with the subject's key when known, and whether it came from memory.
async fn verdict(state: &AppState, subject: SubjectId, service: &str, as_of: Date) -> ApiResult<(Arc<Verdict>, Option<i64>, bool)> {
    match state.db.hot.check(&subject, service, as_of) {
        Ok(Ok(answered)) => Ok((answered.verdict, Some(answered.subject_key), true)),
        Ok(Err(unknown)) => Err(ApiError::invalid("service", unknown.to_string())),
        Err(Miss::UnknownSubject) => Err(ApiError::new(
            axum::http::StatusCode::NOT_FOUND,
            "not_found",
            format!("subject {subject} is not registered"),
            Some("subject"),
        )),
        Err(Miss::Stale) => {
            let service = service.to_string();
            let decision = state.db.read(move |store| store.decide(&subject, &service, as_of)).await?;
            state.db.remember_later(subject, as_of);
            Ok((Arc::new(Verdict::of(&decision)), None, false))
        }
    }
}

fn in_scope(caller: &Caller, service: &str) -> bool {
    caller.account.services.iter().any(|s| s == service)
}

/// One check, by the caller, with the scope rule and the log: shared by the API and the provider page.
pub async fn run_check(
    state: &AppState,
    caller: &Caller,
    subject: &str,
    service: &str,
    as_of_text: Option<&str>,
) -> ApiResult<CheckAnswer> {
    caller.require(Action::Check)?;
    let subject = parse_subject("subject", subject)?;
    let as_of = as_of(as_of_text)?;
    let at_ms = crate::now_ms();
    if !in_scope(caller, service) {
        if let Some(key) = state.db.hot.key_of(&subject) {
            state.db.log_checks(vec![log(caller, at_ms, subject, Some(key), service, as_of, "refused", Vec::new())]).await?;
        }
        state.checks.refused.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        return Err(ApiError::forbidden(format!(
            "this token may ask about {} only; the attempt is logged",
            caller.account.services.join(", ")
        )));
    }
    let (verdict, subject_key, from_memory) = verdict(state, subject, service, as_of).await?;
    state.checks.decided(verdict.outcome, from_memory);
    let answer = answer(subject, service, as_of, &verdict);
    state
        .db
        .log_checks(vec![log(caller, at_ms, subject, subject_key, service, as_of, verdict.outcome.as_str(), answer.reasons.clone())])
        .await?;
    Ok(answer)
}

/// Ask for one decision.
#[utoipa::path(post, path = "/api/v1/checks", tag = "checks", request_body = CheckBody, security(("bearer" = [])),
    responses((status = 200, body = CheckAnswer), (status = 401, body = ErrorBody), (status = 403, description = "not a provider, or a service outside the token's categories (logged)", body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn check(State(state): State<AppState>, caller: Caller, Json(body): Json<CheckBody>) -> ApiResult<axum::Json<CheckAnswer>> {
    run_check(&state, &caller, &body.subject, &body.service, body.as_of.as_deref()).await.map(axum::Json)
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BatchBody {
    /// At most 10,000 checks.
    pub checks: Vec<CheckBody>,
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
    BatchJson(body): BatchJson<BatchBody>,
) -> ApiResult<axum::response::Response> {
    caller.require(Action::Check)?;
    if body.checks.len() > MAX_BATCH {
        return Err(ApiError::invalid("checks", format!("a batch holds at most {MAX_BATCH} checks, got {}", body.checks.len())));
    }
    let outside: Vec<(usize, &CheckBody)> = body.checks.iter().enumerate().filter(|(_, c)| !in_scope(&caller, &c.service)).collect();
    // One clock reading for the whole batch: its checks are one request.
    let (today, at_ms) = (crate::today(), crate::now_ms());
    if !outside.is_empty() {
        let logs: Vec<CheckLog> = outside
            .iter()
            .filter_map(|(_, c)| {
                let subject = SubjectId::parse(&c.subject).ok()?;
                let key = state.db.hot.key_of(&subject)?;
                Some(log(&caller, at_ms, subject, Some(key), &c.service, today, "refused", Vec::new()))
            })
            .collect();
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
    let checks = Arc::new(body.checks);
    let part_size = checks.len().div_ceil(cores()).max(BATCH_PART_MIN);
    let mut parts = Vec::new();
    for start in (0..checks.len()).step_by(part_size) {
        let range = start..(start + part_size).min(checks.len());
        let (state, caller, checks) = (state.clone(), caller.clone(), checks.clone());
        parts.push(tokio::spawn(async move { answer_part(&state, &caller, &checks, range, today, at_ms).await }));
    }
    let mut json = Vec::with_capacity(checks.len() * 180 + 16);
    json.extend_from_slice(b"{\"results\":[");
    let (mut logs, mut from_memory) = (Vec::with_capacity(checks.len()), 0usize);
    for (number, part) in parts.into_iter().enumerate() {
        let part = part.await.map_err(|_| ApiError::internal("a part of the batch failed"))?;
        if number > 0 && !part.json.is_empty() {
            json.push(b',');
        }
        json.extend_from_slice(&part.json);
        logs.extend(part.logs);
        from_memory += part.from_memory;
    }
    json.extend_from_slice(b"]}");
    state.db.log_checks(logs).await?;
    crate::metrics::count(&state, "socred_check_batches_total", &[]);
    tracing::debug!(checks = checks.len(), from_memory, "batch answered");
    Ok(([(axum::http::header::CONTENT_TYPE, "application/json")], json).into_response())
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
    logs: Vec<CheckLog>,
    from_memory: usize,
}

async fn answer_part(
    state: &AppState,
    caller: &Caller,
    checks: &[CheckBody],
    range: std::ops::Range<usize>,
    today: Date,
    at_ms: i64,
) -> Part {
    let mut part = Part { json: Vec::with_capacity(range.len() * 180), logs: Vec::with_capacity(range.len()), from_memory: 0 };
    for index in range {
        let item = &checks[index];
        // Field names are formatted only for the items that need them.
        let prepared = SubjectId::parse(&item.subject)
            .map_err(|e| ApiError::invalid(&format!("checks[{index}].subject"), format!("{:?} {e}", item.subject)))
            .and_then(|subject| {
                as_of_or(item.as_of.as_deref(), today).map(|date| (subject, date)).map_err(|mut e| {
                    e.detail.field = Some(format!("checks[{index}].as_of"));
                    e
                })
            });
        let outcome = match prepared {
            Ok((subject, date)) => verdict(state, subject, &item.service, date).await.map(|(verdict, key, memory)| {
                state.checks.decided(verdict.outcome, memory);
                part.from_memory += usize::from(memory);
                (subject, date, verdict, key)
            }),
            Err(error) => Err(error),
        };
        let result = match outcome {
            Ok((subject, date, verdict, key)) => {
                let answer = answer(subject, &item.service, date, &verdict);
                part.logs.push(log(caller, at_ms, subject, key, &item.service, date, verdict.outcome.as_str(), answer.reasons.clone()));
                BatchItem { index, answer: Some(answer), error: None }
            }
            Err(error) => BatchItem { index, answer: None, error: Some(error.detail) },
        };
        if !part.json.is_empty() {
            part.json.push(b',');
        }
        serde_json::to_writer(&mut part.json, &result).expect("an answer serialises: its maps have string keys");
    }
    part
}
