//! Staff reads of personal data reach each subject's access log before the
//! answer is sent; a subject reading their own file is not logged.

use socred_core::SubjectId;
use socred_store::AccessRequest;

use crate::AppState;
use crate::auth::Caller;
use crate::error::ApiResult;

/// Reads of several subjects at once (search results, queues, listings).
pub async fn log_reads(
    state: &AppState,
    caller: &Caller,
    subjects: impl IntoIterator<Item = SubjectId>,
    purpose: &str,
    what: &str,
) -> ApiResult<()> {
    let mut seen = std::collections::HashSet::new();
    let requests = subjects
        .into_iter()
        .filter(|subject| !caller.account.is_subject(subject) && seen.insert(*subject))
        .map(|subject| AccessRequest { actor: caller.actor(), subject, purpose: purpose.to_string(), what: what.to_string() })
        .collect();
    state.db.log_accesses(requests).await
}

/// A read of one subject's file.
pub async fn log_read(state: &AppState, caller: &Caller, subject: SubjectId, purpose: String, what: &str) -> ApiResult<()> {
    if caller.account.is_subject(&subject) {
        return Ok(());
    }
    state.db.log_access(AccessRequest { actor: caller.actor(), subject, purpose, what: what.to_string() }).await
}
