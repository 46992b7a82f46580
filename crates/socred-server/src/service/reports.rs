//! Public reports and pending partner records. A report changes nobody's
//! score until a reviewer verifies it; a reviewer never decides a report
//! they filed or one about them (the store refuses it, judged on the person
//! the account names).

use socred_auth::Action;
use socred_core::SubjectId;
use socred_store::{NewReport, ReportOutcome, ReportView, Reviewer};

use super::parse_subject;
use crate::AppState;
use crate::auth::Caller;
use crate::error::{ApiError, ApiResult};

/// A report as a client writes it, before it is parsed.
#[derive(Debug, Clone)]
pub struct ReportRequest {
    /// The client's id for the report (idempotency); derived from the content when absent.
    pub id: Option<String>,
    pub subject: String,
    pub behaviour: String,
    pub occurred_on: String,
    pub description: String,
    /// Hashes of evidence already uploaded.
    pub evidence: Vec<String>,
}

/// The person an account reports as (and is rewarded or penalised as).
pub fn reporter_of(caller: &Caller) -> ApiResult<SubjectId> {
    caller.account.subject.ok_or_else(|| ApiError::invalid_message("reporter", "input-reporter-unnamed", vec![]))
}

pub fn reviewer_of(caller: &Caller) -> Reviewer {
    Reviewer { actor: caller.actor(), subject: caller.account.subject }
}

/// Files a report, with evidence files uploaded in the same write (the
/// rulebook bounds their number, size and type).
pub async fn file(state: &AppState, caller: &Caller, request: ReportRequest, files: Vec<Vec<u8>>) -> ApiResult<ReportView> {
    caller.require(Action::FileReport)?;
    let reporter = reporter_of(caller)?;
    let subject = parse_subject("subject", &request.subject)?;
    let occurred_on = socred_core::parse_date(&request.occurred_on).map_err(|error| ApiError::date("occurred_on", error))?;
    let report = NewReport {
        id: request.id,
        reporter,
        subject,
        behaviour: request.behaviour,
        occurred_on,
        description: request.description,
        evidence: request.evidence,
    };
    let actor = caller.actor();
    state
        .db
        .ledger_write(move |store| {
            let mut report = report;
            if !files.is_empty() {
                let max_files = store.active_rulebook().reporting.evidence_max_files as usize;
                if files.len() + report.evidence.len() > max_files {
                    let max = socred_i18n::Argument::Number(max_files as i64);
                    return Err(socred_store::StoreError::invalid_message("evidence", "input-at-most-files", vec![("max", max)]));
                }
                for data in &files {
                    report.evidence.push(store.add_evidence(data, &actor)?.hash);
                }
            }
            store.file_report(&report, &actor)
        })
        .await
}

/// Takes a submitted report into review.
pub async fn review(state: &AppState, caller: &Caller, id: String) -> ApiResult<ReportView> {
    caller.require(Action::ReviewReport)?;
    let reviewer = reviewer_of(caller);
    state.db.ledger_write(move |store| store.review_report(&id, &reviewer)).await
}

/// Decides a report the caller took into review.
pub async fn decide(state: &AppState, caller: &Caller, id: String, outcome: ReportOutcome, reasons: String) -> ApiResult<ReportView> {
    caller.require(Action::ReviewReport)?;
    let reviewer = reviewer_of(caller);
    state.db.ledger_write(move |store| store.decide_report(&id, outcome, &reasons, &reviewer)).await
}

/// Confirms (it becomes a record and counts) or rejects a pending partner
/// record; false when that decision had already been made.
pub async fn decide_pending(state: &AppState, caller: &Caller, record_id: String, confirm: bool, reasons: String) -> ApiResult<bool> {
    caller.require(Action::ReviewReport)?;
    let actor = caller.actor();
    Ok(state.db.ledger_write(move |store| store.decide_pending(&record_id, confirm, &reasons, &actor)).await?.is_some())
}
