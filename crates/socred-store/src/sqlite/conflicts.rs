//! Conflicts of interest, judged on the person an account names: one rule for
//! every official act (recording, voiding, proposing, serving, withdrawing,
//! deciding appeals, disputes, repairs, reports and partner records).
//!
//! A person may not act officially on their own file, nor on the file of
//! someone they are linked to: their ward or guardian, or an organisation they
//! legally represent. Who else raised or filed a case is the core's rule (by
//! acting name, `lists::check`); this one needs the store's links.

use rusqlite::{Connection, OptionalExtension};
use socred_core::SubjectId;
use socred_core::process::ProcessError;
use socred_core::refusal::Refusal;

use crate::{Actor, Result, StoreError};

/// Why `person` may not act on the file of the subject with key `subject_key`, if so.
pub(crate) fn conflict(connection: &Connection, person: &SubjectId, subject_key: i64) -> Result<Option<Refusal>> {
    let person_key: Option<i64> =
        connection.prepare_cached("SELECT key FROM subjects WHERE id = ?1")?.query_row([person.as_str()], |row| row.get(0)).optional()?;
    let Some(person_key) = person_key else {
        return Ok(None);
    };
    if person_key == subject_key {
        return Ok(Some(Refusal::ConflictOwnFile));
    }
    let linked: bool = connection
        .prepare_cached(
            "SELECT EXISTS (SELECT 1 FROM links WHERE (subject = ?1 AND other = ?2) OR (subject = ?2 AND other = ?1 AND kind = 'guardian'))",
        )?
        .query_row([person_key, subject_key], |row| row.get(0))?;
    Ok(linked.then_some(Refusal::ConflictLinked))
}

/// Refuses an official act by `actor` on the file of `subject_key` when the
/// person the actor's account names is conflicted.
pub(crate) fn refuse_conflicted(connection: &Connection, actor: &Actor, subject_key: i64) -> Result<()> {
    let Some(person) = actor.person() else {
        return Ok(());
    };
    match conflict(connection, person, subject_key)? {
        Some(refusal) => Err(StoreError::Refused(ProcessError::because("actor", refusal))),
        None => Ok(()),
    }
}
