//! Credit records: an officer records and voids for their own authority
//! only, against the rulebook in force, dated by the server's clock.

use axum::http::StatusCode;
use serde::Serialize;
use socred_auth::Action;
use socred_core::SubjectId;
use socred_core::record::{MAX_REASON_CHARS, RecordId, RecordInput, check_text};
use socred_store::{RowOutcome, VoidOutcome};
use utoipa::ToSchema;

use super::parse_record;
use crate::AppState;
use crate::auth::Caller;
use crate::error::{ApiError, ApiResult};

/// A record as a client writes it, before it is parsed.
#[derive(Debug, Clone, Copy)]
pub struct RecordRequest<'a> {
    /// A client-chosen id for idempotency (default: derived from the content).
    pub id: Option<&'a str>,
    pub subject: &'a str,
    pub behaviour: &'a str,
    pub at: &'a str,
    /// The recording authority, if the client names one: it must be the officer's own.
    pub source: Option<&'a str>,
    pub evidence: Option<&'a str>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Recorded {
    pub record_id: RecordId,
    pub subject: SubjectId,
    pub result: RowOutcome,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Voided {
    pub record_id: RecordId,
    pub result: VoidOutcome,
}

/// Why a record was refused: 403 for another authority, 422 with every
/// problem (field, reason) otherwise.
pub struct Refusal {
    pub status: StatusCode,
    pub problems: Vec<(String, String)>,
    /// Beside each problem, its typed reason where the checks gave one.
    pub kinds: Vec<Option<socred_core::record::ProblemKind>>,
    /// A single problem's typed reason, when it is not one of a record's checks.
    pub typed: Option<Box<socred_i18n::reasons::Cause>>,
}

impl From<Refusal> for ApiError {
    fn from(refusal: Refusal) -> ApiError {
        let field = refusal.problems[0].0.clone();
        let message = refusal.problems.iter().map(|(f, r)| format!("{f}: {r}")).collect::<Vec<_>>().join("; ");
        let single = refusal.problems.len() == 1;
        let first_kind = refusal.kinds.first().cloned().flatten();
        // One problem: its reason alone, as the field is named beside it.
        let cause = match (refusal.typed, first_kind) {
            (Some(typed), _) if single => *typed,
            (_, Some(kind)) if single => socred_i18n::reasons::Cause::Problem(kind),
            _ => {
                let kinds = refusal.kinds.into_iter().chain(std::iter::repeat(None));
                socred_i18n::reasons::Cause::Record(
                    refusal.problems.into_iter().zip(kinds).map(|((field, english), kind)| (field, kind, english)).collect(),
                )
            }
        };
        let code = if refusal.status == StatusCode::FORBIDDEN { "forbidden" } else { "invalid" };
        ApiError::new(refusal.status, code, message, Some(&field)).because(cause)
    }
}

/// The officer's authority, which every record of theirs carries.
pub fn authority(caller: &Caller) -> ApiResult<String> {
    caller.account.authority.clone().ok_or_else(|| ApiError::forbidden("this officer account has no authority"))
}

/// Checks a request against the officer's authority, the behaviours its
/// account is entitled to record (`Account::may_record`), and the rulebook.
pub fn validate(
    request: RecordRequest<'_>,
    authority: &str,
    account: &socred_auth::Account,
    rulebook: &socred_core::Rulebook,
    today: socred_core::Date,
) -> Result<socred_core::Record, Refusal> {
    if let Some(source) = request.source.filter(|source| *source != authority) {
        let cause = socred_i18n::reasons::Cause::message(
            "input-officer-own-authority",
            vec![
                ("authority", socred_i18n::Argument::Text(format!("{authority:?}"))),
                ("source", socred_i18n::Argument::Text(format!("{source:?}"))),
            ],
        );
        return Err(Refusal {
            status: StatusCode::FORBIDDEN,
            problems: vec![("source".into(), cause.text(socred_i18n::Language::English))],
            kinds: Vec::new(),
            typed: Some(Box::new(cause)),
        });
    }
    if !account.may_record(request.behaviour) {
        let cause = socred_i18n::reasons::Cause::message(
            "input-officer-behaviours",
            vec![
                ("authority", socred_i18n::Argument::Text(authority.to_string())),
                ("allowed", socred_i18n::Argument::Text(account.behaviours.join(", "))),
                ("given", socred_i18n::Argument::Text(format!("{:?}", request.behaviour))),
            ],
        );
        return Err(Refusal {
            status: StatusCode::FORBIDDEN,
            problems: vec![("behaviour".into(), cause.text(socred_i18n::Language::English))],
            kinds: Vec::new(),
            typed: Some(Box::new(cause)),
        });
    }
    let input = RecordInput {
        id: request.id,
        subject: request.subject,
        behaviour: request.behaviour,
        at: request.at,
        source: authority,
        evidence: request.evidence,
    };
    input.validate(rulebook, today).map_err(|problems| Refusal {
        status: StatusCode::UNPROCESSABLE_ENTITY,
        kinds: problems.iter().map(|p| p.kind.clone()).collect(),
        typed: None,
        problems: problems.into_iter().map(|p| (p.field.to_string(), p.reason)).collect(),
    })
}

/// Records one behaviour (idempotent by record id).
pub async fn add(state: &AppState, caller: &Caller, request: RecordRequest<'_>) -> ApiResult<Recorded> {
    caller.require(Action::AddRecord)?;
    let authority = authority(caller)?;
    let rulebook = state.db.rulebook().await?;
    let record = validate(request, &authority, &caller.account, &rulebook, caller.today())?;
    let actor = caller.actor();
    let stored = record.clone();
    let result = state.db.ledger_write(move |store| store.add_record(&stored, &actor)).await.map_err(|error| {
        // The subject is a field of the request here, not a resource of the URL.
        if error.detail.code == "not_found" && error.detail.field.as_deref() == Some("subject") {
            let mut invalid = ApiError::invalid("subject", error.detail.message);
            invalid.detail.cause = error.detail.cause;
            invalid
        } else {
            error
        }
    })?;
    Ok(Recorded { record_id: record.id, subject: record.subject, result })
}

/// Voids a record of the officer's own authority: it stops counting
/// everywhere and stays in the file. `field` names the record id in the request.
pub async fn void(state: &AppState, caller: &Caller, field: &str, record: &str, reason: String) -> ApiResult<Voided> {
    caller.require(Action::VoidRecord)?;
    let authority = authority(caller)?;
    let record_id = parse_record(field, record)?;
    check_text(&reason, MAX_REASON_CHARS).map_err(|error| ApiError::field("reason", error))?;
    let (stored, _) = state.db.record(record_id.clone()).await?.ok_or_else(|| {
        ApiError::new(StatusCode::NOT_FOUND, "not_found", format!("record {record_id} does not exist"), Some(field))
            .because(socred_i18n::reasons::Cause::UnknownRecord(record_id.to_string()))
    })?;
    if stored.source != authority {
        let cause = socred_i18n::reasons::Cause::message(
            "input-void-own-authority",
            vec![
                ("record", socred_i18n::Argument::Text(record_id.to_string())),
                ("source", socred_i18n::Argument::Text(format!("{:?}", stored.source))),
            ],
        );
        return Err(ApiError::forbidden(cause.text(socred_i18n::Language::English)).because(cause));
    }
    let actor = caller.actor();
    let void_id = record_id.clone();
    let result = state.db.ledger_write(move |store| store.void_record(&void_id, &reason, &actor)).await?;
    Ok(Voided { record_id, result })
}
