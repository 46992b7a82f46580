//! A check, decided: the scope rule (a provider asks only about its own
//! services, and an attempt outside them is logged and refused), the day it
//! is decided for, the decision from the hot index or the store, and the
//! entry in the check log. The API renders the answer as JSON, the provider
//! page as HTML; both call `run_check`.

use axum::http::StatusCode;
use serde::Serialize;
use socred_auth::Action;
use socred_core::decide::Outcome;
use socred_core::{Date, SubjectId};
use socred_store::CheckRecord;
use utoipa::ToSchema;

use super::{as_of_or, parse_subject};
use crate::AppState;
use crate::auth::Caller;
use crate::error::{ApiError, ApiResult};
use crate::hot::{Miss, Verdict};

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

/// What the log needs of a decided check, beyond the request.
pub struct Decided {
    pub subject_key: i64,
    pub outcome: &'static str,
    /// The disclosed reasons (most answers have none: no allocation).
    pub reasons: Vec<String>,
    pub from_memory: bool,
}

impl Decided {
    pub fn record<'a>(&'a self, caller: &'a Caller, at_ms: i64, service: &'a str, as_of: Date) -> CheckRecord<'a> {
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
pub fn check_day(state: &AppState, text: Option<&str>, today: Date) -> Result<Date, ApiError> {
    let Some(text) = text else {
        return Ok(today);
    };
    let requested = as_of_or(Some(text), today)?;
    if state.db.clock().is_replay() {
        return Ok(requested);
    }
    let rulebook = state.db.hot.rulebook();
    let limits = &rulebook.limits;
    limits.check_day(Some(requested), today).map_err(|_| match limits.check_window_days {
        0 => ApiError::invalid_message("as_of", "input-check-today-only", vec![("today", socred_i18n::Argument::Day(today))]),
        days => ApiError::invalid_message(
            "as_of",
            "input-check-window",
            vec![("days", socred_i18n::Argument::Number(i64::from(days))), ("today", socred_i18n::Argument::Day(today))],
        ),
    })
}

pub fn refused<'a>(caller: &'a Caller, at_ms: i64, subject_key: i64, service: &'a str, as_of: Date) -> CheckRecord<'a> {
    CheckRecord { at_ms, provider: &caller.account.username, subject_key, service, as_of, outcome: "refused", reasons: &[] }
}

/// Decides one check, from the hot index or, when it cannot answer, from the
/// store, and lets `render` see the decision (under the index's read lock, so
/// a shared verdict is lent, not cloned). Returns what `render` made and what
/// the log needs.
pub async fn decide<R>(
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
        Err(Miss::UnknownSubject) => {
            Err(ApiError::new(StatusCode::NOT_FOUND, "not_found", format!("subject {subject} is not registered"), Some("subject"))
                .because(socred_i18n::reasons::Cause::UnknownSubject(subject.to_string())))
        }
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

pub fn in_scope(caller: &Caller, service: &str) -> bool {
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
