//! Due-process acts: proposals, notices, withdrawals, appeals, disputes,
//! credit repair and their decisions. A subject acts only on their own
//! entries and records; a case id is the client's (checked) or derived from
//! the content, so a resent act is the same act. Dated by the server's clock.

use serde::Serialize;
use socred_auth::Action;
use socred_core::date::format_date;
use socred_core::process::{AppealOutcome, CaseId, DisputeOutcome, EntryId, Event, RepairOutcome};
use socred_core::{Date, SubjectId};
use socred_store::ActOutcome;
use utoipa::ToSchema;

use super::{parse_case, parse_entry, parse_record, parse_subject};
use crate::AppState;
use crate::auth::Caller;
use crate::error::{ApiError, ApiResult};

/// A stored (or already stored) act.
#[derive(Debug, Serialize, ToSchema)]
pub struct Acted {
    pub action: String,
    pub id: String,
    #[serde(with = "socred_core::date::serde_date")]
    pub on: Date,
    pub result: ActOutcome,
}

impl Acted {
    /// False when the same act had been stored before (a resend).
    pub fn is_new(&self) -> bool {
        matches!(self.result, ActOutcome::Stored { .. })
    }
}

/// Stores a due-process act, dated by the caller's moment.
pub async fn act(state: &AppState, caller: &Caller, subject: Option<SubjectId>, event: Event) -> ApiResult<Acted> {
    let action = event.action().to_string();
    let id = event.key().to_string();
    let actor = caller.actor();
    let on = actor.today();
    let result = state.db.ledger_write(move |store| store.act(subject.as_ref(), &actor, event)).await?;
    Ok(Acted { action, id, on, result })
}

/// The client's case id, checked, or one derived from the act's content.
pub(crate) fn case_id(field: &str, given: Option<&str>, prefix: &str, parts: &[&str]) -> ApiResult<CaseId> {
    match given {
        Some(text) => {
            socred_core::id::check_client_id(text)
                .map_err(|_| ApiError::invalid_message(field, socred_store::CLIENT_ID_HOLDS_NUMBER, vec![]))?;
            parse_case(field, text)
        }
        None => Ok(CaseId::derive(prefix, parts)),
    }
}

/// Subjects act only on their own entries.
async fn own_entry(state: &AppState, caller: &Caller, entry: &EntryId) -> ApiResult<()> {
    let subject = state.db.subject_of_entry(entry.clone()).await?;
    // Another subject's entry answers as one that does not exist: the answer
    // must not tell a subject whether someone else's record or case exists.
    if caller.account.is_subject(&subject) { Ok(()) } else { Err(socred_store::StoreError::NotFound(format!("list entry {entry}")).into()) }
}

/// A list code: lowercase letters, digits and dashes.
fn parse_list(text: &str) -> ApiResult<()> {
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-') {
        return Err(ApiError::invalid_message(
            "list",
            "input-not-a-list-code",
            vec![("code", socred_i18n::Argument::Text(format!("{text:?}")))],
        ));
    }
    Ok(())
}

/// An officer proposes a list entry by decision; the notice is served separately.
pub async fn propose(
    state: &AppState,
    caller: &Caller,
    subject: &str,
    list: String,
    legal_basis: String,
    facts: String,
    given_id: Option<&str>,
) -> ApiResult<Acted> {
    caller.require(Action::ProposeEntry)?;
    let subject = parse_subject("subject", subject)?;
    parse_list(&list)?;
    let case = case_id("case_id", given_id, "proposal", &[subject.as_str(), &list, &legal_basis, &facts, &format_date(caller.today())])?;
    let entry = EntryId::for_proposal(&list, &case);
    act(state, caller, Some(subject), Event::ListProposed { entry, list, legal_basis, facts }).await
}

/// Serving the written notice opens the appeal window.
pub async fn serve_notice(state: &AppState, caller: &Caller, entry: &str) -> ApiResult<Acted> {
    caller.require(Action::ServeNotice)?;
    let entry = parse_entry(entry)?;
    act(state, caller, None, Event::NoticeServed { entry }).await
}

pub async fn withdraw(state: &AppState, caller: &Caller, entry: &str, reason: String) -> ApiResult<Acted> {
    caller.require(Action::WithdrawEntry)?;
    let entry = parse_entry(entry)?;
    act(state, caller, None, Event::ListWithdrawn { entry, reason }).await
}

pub async fn file_appeal(state: &AppState, caller: &Caller, entry: &str, grounds: String, given_id: Option<&str>) -> ApiResult<Acted> {
    caller.require(Action::FileAppeal)?;
    let entry = parse_entry(entry)?;
    own_entry(state, caller, &entry).await?;
    let appeal =
        case_id("appeal_id", given_id, "appeal", &[entry.as_str(), &grounds, &caller.account.username, &format_date(caller.today())])?;
    act(state, caller, None, Event::AppealFiled { appeal, entry, grounds }).await
}

pub async fn file_dispute(state: &AppState, caller: &Caller, record: &str, grounds: String, given_id: Option<&str>) -> ApiResult<Acted> {
    caller.require(Action::FileDispute)?;
    let record = parse_record("record", record)?;
    match state.db.record(record.clone()).await? {
        Some((stored, _)) if caller.account.is_subject(&stored.subject) => {}
        Some(_) => {
            let cause = socred_i18n::reasons::Cause::message("input-dispute-own-file", vec![]);
            return Err(ApiError::forbidden(cause.text(socred_i18n::Language::English)).because(cause));
        }
        None => {
            return Err(ApiError::new(
                axum::http::StatusCode::NOT_FOUND,
                "not_found",
                format!("record {record} does not exist"),
                Some("record"),
            )
            .because(socred_i18n::reasons::Cause::UnknownRecord(record.to_string())));
        }
    }
    let dispute =
        case_id("dispute_id", given_id, "dispute", &[record.as_str(), &grounds, &caller.account.username, &format_date(caller.today())])?;
    act(state, caller, None, Event::DisputeFiled { dispute, record, grounds }).await
}

pub async fn apply_repair(
    state: &AppState,
    caller: &Caller,
    entry: &str,
    evidence: String,
    commitment: Option<String>,
    given_id: Option<&str>,
) -> ApiResult<Acted> {
    caller.require(Action::ApplyRepair)?;
    let entry = parse_entry(entry)?;
    own_entry(state, caller, &entry).await?;
    let repair =
        case_id("repair_id", given_id, "repair", &[entry.as_str(), &evidence, &caller.account.username, &format_date(caller.today())])?;
    act(state, caller, None, Event::RepairApplied { repair, entry, evidence, commitment }).await
}

/// A reviewer's decision of a case, by kind.
#[derive(Debug, Clone, Copy)]
pub enum Decision {
    Appeal(AppealOutcome),
    Dispute(DisputeOutcome),
    Repair(RepairOutcome),
}

impl Decision {
    /// A decision as a form names it: the kind of case and the outcome.
    pub fn parse(kind: &str, outcome: &str) -> ApiResult<Decision> {
        let decision = match (kind, outcome) {
            ("appeal", "uphold") => Decision::Appeal(AppealOutcome::Uphold),
            ("appeal", "overturn") => Decision::Appeal(AppealOutcome::Overturn),
            ("dispute", "uphold") => Decision::Dispute(DisputeOutcome::Uphold),
            ("dispute", "reject") => Decision::Dispute(DisputeOutcome::Reject),
            ("repair", "approve") => Decision::Repair(RepairOutcome::Approve),
            ("repair", "refuse") => Decision::Repair(RepairOutcome::Refuse),
            ("appeal" | "dispute" | "repair", _) => {
                let arguments = vec![
                    ("outcome", socred_i18n::Argument::Text(format!("{outcome:?}"))),
                    ("kind", socred_i18n::Argument::Text(kind.to_string())),
                ];
                return Err(ApiError::invalid_message("outcome", "input-not-a-decision-for", arguments));
            }
            _ => {
                return Err(ApiError::invalid_message(
                    "kind",
                    "input-not-a-case-kind",
                    vec![("kind", socred_i18n::Argument::Text(format!("{kind:?}")))],
                ));
            }
        };
        Ok(decision)
    }
}

/// Decides a case. The store refuses a reviewer who raised or filed it.
pub async fn decide(state: &AppState, caller: &Caller, case: &str, decision: Decision, reasons: String) -> ApiResult<Acted> {
    let action = match decision {
        Decision::Appeal(_) => Action::DecideAppeal,
        Decision::Dispute(_) => Action::DecideDispute,
        Decision::Repair(_) => Action::DecideRepair,
    };
    caller.require(action)?;
    let case = parse_case("id", case)?;
    let event = match decision {
        Decision::Appeal(outcome) => Event::AppealDecided { appeal: case, outcome, reasons },
        Decision::Dispute(outcome) => Event::DisputeDecided { dispute: case, outcome, reasons },
        Decision::Repair(outcome) => Event::RepairDecided { repair: case, outcome, reasons },
    };
    act(state, caller, None, event).await
}
