//! The log in public: the signed checkpoint and its verifier key (anyone may
//! keep them), inclusion proofs for a subject's own file, and a check of any
//! proof against this server's key.

use axum::extract::State;
use axum::http::header;
use axum::response::IntoResponse;
use serde::{Deserialize, Serialize};
use socred_auth::{Action, Role};
use socred_store::audit::{InclusionProof, ProvenItem};
use socred_store::{AccessRequest, StoreError};
use utoipa::{IntoParams, ToSchema};

use crate::AppState;
use crate::auth::{Caller, MaybeCaller};
use crate::body::{Json, Query};
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::limits::ClientAddress;

fn signing_key(state: &AppState) -> Result<std::sync::Arc<socred_log::SigningKey>, ApiError> {
    state.log_key.clone().ok_or_else(|| ApiError::not_found("this server signs no checkpoints: its operator has not created a log key"))
}

fn text(body: String) -> axum::response::Response {
    ([(header::CONTENT_TYPE, "text/plain; charset=utf-8")], body).into_response()
}

/// The log's current heads as a signed checkpoint (C2SP tlog-checkpoint,
/// signed note). Keep one: `socred audit verify --checkpoint` proves later
/// that nothing it covered was removed or rewritten.
#[utoipa::path(get, path = "/api/v1/log/checkpoint", tag = "log",
    responses((status = 200, body = String, content_type = "text/plain"), (status = 404, body = ErrorBody), (status = 429, body = ErrorBody)))]
pub async fn checkpoint(
    State(state): State<AppState>,
    MaybeCaller(caller): MaybeCaller,
    address: ClientAddress,
) -> ApiResult<axum::response::Response> {
    state.limits.public_list(caller.as_ref(), address.0, false)?;
    let key = signing_key(&state)?;
    let note = state.db.sign_checkpoint(key, socred_store::wall_clock_rfc3339()).await?;
    Ok(text(note))
}

/// The public key that verifies this server's checkpoints (`name+id+key`).
#[utoipa::path(get, path = "/api/v1/log/verifier-key", tag = "log",
    responses((status = 200, body = String, content_type = "text/plain"), (status = 404, body = ErrorBody)))]
pub async fn verifier_key(State(state): State<AppState>) -> ApiResult<axum::response::Response> {
    Ok(text(format!("{}\n", signing_key(&state)?.verifier().to_text())))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ProofQuery {
    /// The record to prove.
    pub record: Option<String>,
    /// Or the case (list entry, appeal, dispute) of a due-process event…
    pub case: Option<String>,
    /// …and the event's kind (default: notice).
    pub event: Option<String>,
}

fn item_of(query: ProofQuery) -> Result<ProvenItem, ApiError> {
    let bounded = |field: &str, value: &str| {
        if value.is_empty() || value.len() > 256 || value.chars().any(char::is_control) {
            Err(ApiError::invalid(field, "must be 1-256 characters without control characters"))
        } else {
            Ok(())
        }
    };
    match (query.record, query.case) {
        (Some(record_id), None) => {
            bounded("record", &record_id)?;
            Ok(ProvenItem::Record { record_id })
        }
        (None, Some(case)) => {
            bounded("case", &case)?;
            let event = query.event.unwrap_or_else(|| "notice".into());
            bounded("event", &event)?;
            Ok(ProvenItem::Event { case, event })
        }
        _ => Err(ApiError::invalid("record", "name either record or case (with event)")),
    }
}

/// A proof that a record or a due-process event is in the log, against a
/// checkpoint signed now. A subject proves items of their own file whose
/// audit entry holds no other subject's rows of the same kind (a bulk
/// import's entry does: an auditor proves those); auditors and admins prove
/// any, and every subject the proof shows rows of has the read in their
/// access log.
#[utoipa::path(get, path = "/api/v1/log/proof", tag = "log", params(ProofQuery), security(("bearer" = [])),
    responses((status = 200, body = Object), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn proof(
    State(state): State<AppState>,
    caller: Caller,
    Query(query): Query<ProofQuery>,
) -> ApiResult<axum::Json<InclusionProof>> {
    caller.require(Action::ProveInclusion)?;
    let item = item_of(query)?;
    let key = signing_key(&state)?;
    let own = (caller.account.role == Role::Subject).then_some(caller.account.subject).flatten();
    let subject_role = caller.account.role == Role::Subject;
    let proof = state
        .db
        .reading(move |store| {
            // A subject learns nothing of an item that is not theirs, not even whether it exists.
            if subject_role && (own.is_none() || store.proven_item_subject(&item)? != own) {
                return Err(StoreError::NotFound("the record or event".into()));
            }
            let proof = store.prove(&item, &key, &socred_store::wall_clock_rfc3339())?;
            let subjects: std::collections::BTreeSet<_> = proof.section_rows.iter().filter_map(|row| row.subject().copied()).collect();
            if subject_role {
                // Not found, whether absent or another's: nothing of another subject is confirmed.
                let only_own = own.is_some_and(|own| subjects.iter().all(|s| *s == own));
                let mentions_own = own.is_some_and(|own| subjects.contains(&own));
                if !mentions_own {
                    return Err(StoreError::NotFound("the record or event".into()));
                }
                if !only_own {
                    return Err(StoreError::Conflict(
                        "this item was written by a bulk entry that also holds other subjects' records; an auditor can prove it".into(),
                    ));
                }
            }
            Ok((proof, subjects))
        })
        .await?;
    let (proof, subjects) = proof;
    if !subject_role {
        let reads: Vec<AccessRequest> = subjects
            .into_iter()
            .map(|subject| AccessRequest { actor: caller.actor(), subject, purpose: "inclusion proof".into(), what: "audit entry".into() })
            .collect();
        state.db.log_accesses(reads).await?;
    }
    Ok(axum::Json(proof))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ProofCheck {
    pub valid: bool,
    /// Why the proof fails, when it does.
    pub problem: Option<String>,
    /// The log and tree size the proof reaches, when valid.
    pub origin: Option<String>,
    pub tree_size: Option<u64>,
}

/// Checks an inclusion proof against this server's verifier key. Anyone may
/// ask; the same check runs offline with `socred audit prove --verify`.
#[utoipa::path(post, path = "/api/v1/log/proof/verify", tag = "log", request_body = Object,
    responses((status = 200, body = ProofCheck), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody), (status = 429, body = ErrorBody)))]
pub async fn verify_proof(
    State(state): State<AppState>,
    MaybeCaller(caller): MaybeCaller,
    address: ClientAddress,
    Json(proof): Json<InclusionProof>,
) -> ApiResult<axum::Json<ProofCheck>> {
    state.limits.public_list(caller.as_ref(), address.0, false)?;
    let verifier = signing_key(&state)?.verifier();
    Ok(axum::Json(match proof.verify(&verifier) {
        Ok(checkpoint) => ProofCheck { valid: true, problem: None, origin: Some(checkpoint.origin), tree_size: Some(checkpoint.size) },
        Err(problem) => ProofCheck { valid: false, problem: Some(problem), origin: None, tree_size: None },
    }))
}
