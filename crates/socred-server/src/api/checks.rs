//! The check API: a provider asks "may this subject use my service?" and
//! learns the decision, the reason codes the rulebook lets it know, any
//! benefit, and how the subject can appeal. Nothing else: no score, no tier,
//! no records. Every check — and every attempt outside the provider's
//! services — is logged and shows in the subject's file.

use axum::extract::State;
use serde::{Deserialize, Serialize};
use socred_auth::Action;
use socred_core::decide::{Decision, Outcome};
use socred_core::{Date, SubjectId};
use socred_store::CheckLog;
use utoipa::ToSchema;

use super::{as_of, parse_subject};
use crate::AppState;
use crate::auth::Caller;
use crate::body::{BatchJson, Json};
use crate::error::{ApiError, ApiResult, ErrorBody, ErrorDetail};
use crate::hot::Miss;

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

fn answer(decision: &Decision) -> CheckAnswer {
    let mut reasons: Vec<String> = Vec::new();
    for reason in decision.reasons.iter().filter(|r| r.disclose) {
        if !reasons.contains(&reason.measure) {
            reasons.push(reason.measure.clone());
        }
    }
    CheckAnswer {
        subject: decision.subject,
        service: decision.service.clone(),
        as_of: decision.as_of,
        decision: decision.outcome,
        reasons,
        benefits: decision.benefits.clone(),
        appeal: decision.appeal.clone(),
    }
}

fn log(
    state: &AppState,
    caller: &Caller,
    subject: SubjectId,
    service: &str,
    as_of: Date,
    outcome: &'static str,
    reasons: Vec<String>,
) -> CheckLog {
    CheckLog {
        at_ms: crate::auth::now_unix_ms(),
        provider: caller.account.username.clone(),
        subject,
        subject_key: state.db.hot.key_of(&subject),
        service: service.to_string(),
        as_of,
        outcome,
        reasons,
    }
}

/// Decides from the hot index, or from the store when the index cannot;
/// says which ("memory" or "store").
async fn decision(state: &AppState, subject: SubjectId, service: &str, as_of: Date) -> ApiResult<(Decision, &'static str)> {
    match state.db.hot.decide(&subject, service, as_of) {
        Ok(Ok(decision)) => Ok((decision, "memory")),
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
            Ok((decision, "store"))
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
    if !in_scope(caller, service) {
        if state.db.hot.key_of(&subject).is_some() {
            state.db.log_checks(vec![log(state, caller, subject, service, as_of, "refused", Vec::new())]).await?;
        }
        state.checks.refused.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        return Err(ApiError::forbidden(format!(
            "this token may ask about {} only; the attempt is logged",
            caller.account.services.join(", ")
        )));
    }
    let (decision, path) = decision(state, subject, service, as_of).await?;
    state.checks.decided(decision.outcome, path == "memory");
    let answer = answer(&decision);
    state.db.log_checks(vec![log(state, caller, subject, service, as_of, decision.outcome.as_str(), answer.reasons.clone())]).await?;
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

#[derive(Debug, Serialize, ToSchema)]
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
) -> ApiResult<axum::Json<BatchAnswer>> {
    caller.require(Action::Check)?;
    if body.checks.len() > MAX_BATCH {
        return Err(ApiError::invalid("checks", format!("a batch holds at most {MAX_BATCH} checks, got {}", body.checks.len())));
    }
    let outside: Vec<(usize, &CheckBody)> = body.checks.iter().enumerate().filter(|(_, c)| !in_scope(&caller, &c.service)).collect();
    if !outside.is_empty() {
        let today = crate::today();
        let logs: Vec<CheckLog> = outside
            .iter()
            .filter_map(|(_, c)| {
                SubjectId::parse(&c.subject)
                    .ok()
                    .filter(|s| state.db.hot.key_of(s).is_some())
                    .map(|s| log(&state, &caller, s, &c.service, today, "refused", Vec::new()))
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
    let mut results = Vec::with_capacity(body.checks.len());
    let mut logs = Vec::with_capacity(body.checks.len());
    let mut from_memory = 0usize;
    for (index, item) in body.checks.iter().enumerate() {
        // Field names are formatted only for the items that need them.
        let prepared = SubjectId::parse(&item.subject)
            .map_err(|e| ApiError::invalid(&format!("checks[{index}].subject"), format!("{:?} {e}", item.subject)))
            .and_then(|subject| {
                as_of(item.as_of.as_deref()).map(|date| (subject, date)).map_err(|mut e| {
                    e.detail.field = Some(format!("checks[{index}].as_of"));
                    e
                })
            });
        let outcome = match prepared {
            Ok((subject, date)) => decision(&state, subject, &item.service, date).await.map(|(d, path)| {
                state.checks.decided(d.outcome, path == "memory");
                if path == "memory" {
                    from_memory += 1;
                }
                (subject, date, d)
            }),
            Err(error) => Err(error),
        };
        match outcome {
            Ok((subject, date, decision)) => {
                let answer = answer(&decision);
                logs.push(log(&state, &caller, subject, &item.service, date, decision.outcome.as_str(), answer.reasons.clone()));
                results.push(BatchItem { index, answer: Some(answer), error: None });
            }
            Err(error) => results.push(BatchItem { index, answer: None, error: Some(error.detail) }),
        }
    }
    state.db.log_checks(logs).await?;
    crate::metrics::count(&state, "socred_check_batches_total", &[]);
    tracing::debug!(checks = results.len(), from_memory, "batch answered");
    Ok(axum::Json(BatchAnswer { results }))
}
