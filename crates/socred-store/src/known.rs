//! The ledger as it stood at the end of a past day ("as known on"): the
//! rulebook then active, the subjects and links then registered, and each
//! file restricted to the records, voids and events recorded by then. An
//! auditor reproduces exactly what a provider or a subject was told that day.
//!
//! "As of D" (valid time) and "as known on K" (transaction time) combine: a
//! view known on K can still be asked about any date D.

use std::sync::Arc;

use socred_core::assess::{self, Assessment};
use socred_core::decide::{self, Decision, LinkedStandings, Standing};
use socred_core::lists::{self, DueProcessView};
use socred_core::{Date, Rulebook, SubjectFile, SubjectId};

use crate::error::{Result, StoreError};

/// The ledger as known at the end of a day, on either backend: what a
/// backend reads (the rulebook then active, a file as recorded by then, the
/// links registered by then); what follows from them is computed here, once.
pub trait KnownReads {
    fn day(&self) -> Date;
    /// The rulebook active at the end of the day.
    fn rulebook(&self) -> &Arc<Rulebook>;
    /// The subject's file as recorded by the end of the day.
    fn file(&self, id: &SubjectId) -> Result<SubjectFile>;
    /// The standings of the subjects linked to `id` by links registered by then.
    fn linked_standings(&self, id: &SubjectId, as_of: Date) -> Result<LinkedStandings>;

    fn assessment(&self, id: &SubjectId, as_of: Date) -> Result<Assessment> {
        Ok(assess::assess(self.rulebook(), *id, &self.file(id)?, as_of))
    }

    fn due_process(&self, id: &SubjectId, as_of: Date) -> Result<DueProcessView> {
        Ok(lists::evaluate(self.rulebook(), *id, &self.file(id)?, as_of))
    }

    fn standing(&self, id: &SubjectId, as_of: Date) -> Result<Standing> {
        Ok(decide::standing(self.rulebook(), *id, &self.file(id)?, as_of))
    }

    /// The decision for one service as the ledger known on the day gave it.
    fn decide(&self, id: &SubjectId, service: &str, as_of: Date) -> Result<Decision> {
        let own = self.standing(id, as_of)?;
        let linked = self.linked_standings(id, as_of)?;
        decide::decide(self.rulebook(), service, as_of, &own, &linked).map_err(|e| StoreError::invalid("service", e.to_string()))
    }

    fn decide_all(&self, id: &SubjectId, as_of: Date) -> Result<Vec<Decision>> {
        let own = self.standing(id, as_of)?;
        let linked = self.linked_standings(id, as_of)?;
        Ok(decide::decide_all(self.rulebook(), as_of, &own, &linked))
    }
}

/// The rulebook active at the end of `day`, from its stored source: the
/// active one itself when it is that one.
pub(crate) fn rulebook_then(active: &Arc<Rulebook>, source: &str, file: &str, fingerprint: &str) -> Result<Arc<Rulebook>> {
    if fingerprint == active.fingerprint {
        return Ok(active.clone());
    }
    let rulebook = Rulebook::from_stored(source, file)?;
    if rulebook.fingerprint != fingerprint {
        return Err(StoreError::Corrupt("a stored rulebook does not match its fingerprint".into()));
    }
    Ok(Arc::new(rulebook))
}
