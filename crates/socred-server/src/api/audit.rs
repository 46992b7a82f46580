//! The audit log, for auditors and admins.

use axum::extract::State;
use serde::{Deserialize, Serialize};
use socred_auth::Action;
use socred_store::{AuditEntry, StoreError};
use utoipa::{IntoParams, ToSchema};

use super::{page, parse_subject};
use crate::AppState;
use crate::auth::Caller;
use crate::body::Query;
use crate::error::{ApiResult, ErrorBody};

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct AuditQuery {
    /// Only entries about this subject.
    pub subject: Option<String>,
    /// At most 1000 (default 100).
    pub limit: Option<u32>,
}

/// The newest audit entries, newest first.
#[utoipa::path(get, path = "/api/v1/audit", tag = "audit", params(AuditQuery), security(("bearer" = [])),
    responses((status = 200, body = [AuditEntry]), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn log(State(state): State<AppState>, caller: Caller, Query(query): Query<AuditQuery>) -> ApiResult<axum::Json<Vec<AuditEntry>>> {
    caller.require(Action::ReadAudit)?;
    let subject = query.subject.as_deref().map(|s| parse_subject("subject", s)).transpose()?;
    let limit = page(query.limit, 100)?;
    let entries = state.db.audit_recent(subject, limit).await?;
    Ok(axum::Json(entries))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Verification {
    pub intact: bool,
    /// What is broken, when it is.
    pub problem: Option<String>,
    pub entries: Option<u64>,
    pub ledger_rows: Option<u64>,
    pub head: Option<String>,
    pub accesses: Option<u64>,
}

/// Recompute the hash chains and every entry's digest of the ledger rows.
#[utoipa::path(get, path = "/api/v1/audit/verify", tag = "audit", security(("bearer" = [])),
    responses((status = 200, body = Verification), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn verify(State(state): State<AppState>, caller: Caller) -> ApiResult<axum::Json<Verification>> {
    caller.require(Action::ReadAudit)?;
    let result = state.db.audit_verify().await?.map_err(|broken| match broken {
        StoreError::AuditBroken(problem) => problem,
        other => other.to_string(),
    });
    Ok(axum::Json(match result {
        Ok(report) => Verification {
            intact: true,
            problem: None,
            entries: Some(report.entries),
            ledger_rows: Some(report.ledger_rows),
            head: Some(report.root),
            accesses: Some(report.accesses),
        },
        Err(problem) => {
            Verification { intact: false, problem: Some(problem), entries: None, ledger_rows: None, head: None, accesses: None }
        }
    }))
}
