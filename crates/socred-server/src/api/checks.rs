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

use socred_core::decide::Outcome;
use socred_core::{Date, SubjectId};
use socred_store::{CheckRecord, PackedChecks};
use utoipa::ToSchema;

use super::{as_of_or, parse_subject};
use crate::AppState;
use crate::auth::Caller;
use crate::body::{JsonBytes, MAX_BATCH_BODY_BYTES};
use crate::error::{ApiError, ApiResult, ErrorBody, ErrorDetail};
use crate::hot::{Miss, Verdict};

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

/// A check's decision, before it is rendered: for the API as JSON bytes
/// (`write_json`), for the provider page as a `CheckAnswer`.
pub struct Checked<'a> {
    pub subject: SubjectId,
    pub service: &'a str,
    pub as_of: Date,
    pub verdict: &'a Verdict,
}

impl Checked<'_> {
    pub fn answer(&self) -> CheckAnswer {
        CheckAnswer {
            subject: self.subject,
            service: self.service.to_string(),
            as_of: self.as_of,
            decision: self.verdict.outcome,
            reasons: self.verdict.reasons.clone(),
            benefits: self.verdict.benefits.clone(),
            appeal: self.verdict.appeal.clone(),
        }
    }

    /// Appends the `CheckAnswer` object, byte for byte what serde writes for
    /// it (tested), around the verdict's members rendered once: a check's
    /// answer costs a few copies, not a serialisation.
    pub fn write_json(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(b"{\"subject\":\"");
        // Identifiers are validated: digits and capital letters, nothing to escape.
        out.extend_from_slice(self.subject.as_str().as_bytes());
        out.extend_from_slice(b"\",\"service\":");
        serde_json::to_writer(&mut *out, self.service).expect("a string serialises");
        out.extend_from_slice(b",\"as_of\":\"");
        socred_core::date::write_date(out, self.as_of);
        out.extend_from_slice(b"\",");
        out.extend_from_slice(self.verdict.json_members().as_bytes());
        out.push(b'}');
    }
}

fn json_response(body: Vec<u8>) -> axum::response::Response {
    // A static value: a `&str` would be validated and copied into a fresh header value on every answer.
    ([(axum::http::header::CONTENT_TYPE, axum::http::HeaderValue::from_static("application/json"))], body).into_response()
}

/// What the log needs of a decided check, beyond the request.
struct Decided {
    subject_key: i64,
    outcome: &'static str,
    /// The disclosed reasons (most answers have none: no allocation).
    reasons: Vec<String>,
    from_memory: bool,
}

impl Decided {
    fn record<'a>(&'a self, caller: &'a Caller, at_ms: i64, service: &'a str, as_of: Date) -> CheckRecord<'a> {
        CheckRecord {
            at_ms,
            provider: &caller.account.username,
            subject_key: self.subject_key,
            service,
            as_of,
            outcome: self.outcome,
            reasons: &self.reasons,
        }
    }
}

/// The day a check is decided on: today unless the client names another
/// within the rulebook's window (`[limits] check_window_days`). A replay
/// store, which holds a scenario rather than anyone's live standing, answers
/// for any day of it.
fn check_day(state: &AppState, text: Option<&str>, today: Date) -> Result<Date, ApiError> {
    let Some(text) = text else {
        return Ok(today);
    };
    let requested = as_of_or(Some(text), today)?;
    if state.db.clock().is_replay() {
        return Ok(requested);
    }
    state.db.hot.rulebook().limits.check_day(Some(requested), today).map_err(|reason| ApiError::invalid("as_of", reason))
}

fn refused<'a>(caller: &'a Caller, at_ms: i64, subject_key: i64, service: &'a str, as_of: Date) -> CheckRecord<'a> {
    CheckRecord { at_ms, provider: &caller.account.username, subject_key, service, as_of, outcome: "refused", reasons: &[] }
}

/// Decides one check, from the hot index or, when it cannot answer, from the
/// store, and lets `render` see the decision (under the index's read lock, so
/// a shared verdict is lent, not cloned). Returns what `render` made and what
/// the log needs.
async fn decide<R>(
    state: &AppState,
    subject: SubjectId,
    service: &str,
    as_of: Date,
    render: impl FnOnce(&Checked<'_>) -> R,
) -> ApiResult<(R, Decided)> {
    let mut render = Some(render);
    let from_memory = state.db.hot.check_with(&subject, service, as_of, |verdict, subject_key| {
        state.checks.decided(verdict.outcome, true);
        let render = render.take().expect("rendered once");
        let decided = Decided { subject_key, outcome: verdict.outcome.as_str(), reasons: verdict.reasons.clone(), from_memory: true };
        (render(&Checked { subject, service, as_of, verdict }), decided)
    });
    match from_memory {
        Ok(Ok(done)) => Ok(done),
        Ok(Err(unknown)) => Err(ApiError::invalid("service", unknown.to_string())),
        Err(Miss::UnknownSubject) => Err(ApiError::new(
            axum::http::StatusCode::NOT_FOUND,
            "not_found",
            format!("subject {subject} is not registered"),
            Some("subject"),
        )),
        Err(Miss::Stale) => {
            // The index knows the subject (its summary only does not cover the date).
            let subject_key = state.db.hot.key_of(&subject).ok_or_else(|| ApiError::internal("a subject left the index"))?;
            let owned_service = service.to_string();
            let decision = state.db.decide(subject, owned_service, as_of).await?;
            state.db.remember_later(subject, as_of);
            let verdict = Verdict::of(&decision);
            state.checks.decided(verdict.outcome, false);
            let render = render.take().expect("rendered once");
            let decided = Decided { subject_key, outcome: verdict.outcome.as_str(), reasons: verdict.reasons.clone(), from_memory: false };
            Ok((render(&Checked { subject, service, as_of, verdict: &verdict }), decided))
        }
    }
}

fn in_scope(caller: &Caller, service: &str) -> bool {
    caller.account.services.iter().any(|s| s == service)
}

/// One check, by the caller, with the scope rule and the log: shared by the
/// API (which renders JSON) and the provider page (which renders HTML).
pub async fn run_check<R>(
    state: &AppState,
    caller: &Caller,
    subject: &str,
    service: &str,
    as_of_text: Option<&str>,
    render: impl FnOnce(&Checked<'_>) -> R,
) -> ApiResult<R> {
    caller.require(Action::Check)?;
    let subject = parse_subject("subject", subject)?;
    // One clock reading (the server's, when the request arrived): the log's time and the default date.
    let as_of = check_day(state, as_of_text, caller.today())?;
    let at_ms = caller.moment.unix_ms;
    if !in_scope(caller, service) {
        if let Some(key) = state.db.hot.key_of(&subject) {
            state.db.log_check(&refused(caller, at_ms, key, service, as_of)).await?;
        }
        state.checks.refused.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        return Err(ApiError::forbidden(format!(
            "this token may ask about {} only; the attempt is logged",
            caller.account.services.join(", ")
        )));
    }
    let (rendered, decided) = decide(state, subject, service, as_of, render).await?;
    state.db.log_check(&decided.record(caller, at_ms, service, as_of)).await?;
    Ok(rendered)
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

#[cfg(test)]
mod tests {
    use super::*;
    use socred_core::decide::{Cause, Decision, Reason};
    use socred_core::rulebook::MeasureKind;

    fn decision(outcome: Outcome, measures: &[(&str, bool)], benefits: &[&str], appeal: &str) -> Decision {
        Decision {
            subject: SubjectId::parse("11010519491231002X").unwrap(),
            service: "civil-aviation".into(),
            as_of: time::macros::date!(2025 - 01 - 22),
            outcome,
            reasons: measures
                .iter()
                .map(|(measure, disclose)| Reason {
                    measure: measure.to_string(),
                    title: "a title".into(),
                    kind: MeasureKind::Restriction,
                    legal_basis: "a basis".into(),
                    cause: Cause::Tier { tier: "D".into() },
                    via: None,
                    disclose: *disclose,
                })
                .collect(),
            benefits: benefits.iter().map(|b| b.to_string()).collect(),
            appeal: appeal.into(),
        }
    }

    #[test]
    fn a_written_answer_is_what_serde_writes() {
        let verdicts = [
            decision(Outcome::Allow, &[], &[], ""),
            decision(
                Outcome::Deny,
                &[("no-flights", true), ("secret", false), ("no-flights", true), ("no-upgrades", true)],
                &[],
                APPEAL_TEXT,
            ),
            decision(Outcome::AllowWithBenefit, &[], &["deposit-free \"rental\"", "é\u{1}\n\\"], "appeal \u{7f} \u{2028}"),
        ];
        for (number, decision) in verdicts.iter().enumerate() {
            let verdict = Verdict::of(decision);
            for service in ["civil-aviation", "odd \"service\"\t"] {
                let checked = Checked { subject: decision.subject, service, as_of: decision.as_of, verdict: &verdict };
                let mut written = Vec::new();
                checked.write_json(&mut written);
                assert_eq!(String::from_utf8(written).unwrap(), serde_json::to_string(&checked.answer()).unwrap(), "verdict {number}");
            }
        }
    }

    const APPEAL_TEXT: &str = socred_core::decide::APPEAL;
}
