//! The ledger as it stood at the end of a past day ("as known on"): the
//! rulebook then active, the subjects and links then registered, and each
//! file restricted to the records, voids and events recorded by then. An
//! auditor reproduces exactly what a provider or a subject was told that day.
//!
//! "As of D" (valid time) and "as known on K" (transaction time) combine: a
//! view known on K can still be asked about any date D.

use std::sync::Arc;

use rusqlite::{OptionalExtension, params};
use socred_core::assess::{self, Assessment};
use socred_core::date::format_date;
use socred_core::decide::{self, Decision, LinkedStandings, Standing};
use socred_core::lists::{self, DueProcessView};
use socred_core::{Date, Rulebook, SubjectFile, SubjectId};

use crate::error::{Result, StoreError};
use crate::{Store, julian, load_file_under};

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
    let rulebook = Rulebook::from_toml(source, file)?;
    if rulebook.fingerprint != fingerprint {
        return Err(StoreError::Corrupt("a stored rulebook does not match its fingerprint".into()));
    }
    Ok(Arc::new(rulebook))
}

/// A read-only view of the ledger as known at the end of `day`.
pub struct KnownOn<'s> {
    store: &'s Store,
    day: Date,
    rulebook: Arc<Rulebook>,
    rulebook_seq: i64,
}

impl Store {
    /// The ledger as known at the end of `day`. Refused for a day before the
    /// store existed.
    pub fn known_on(&self, day: Date) -> Result<KnownOn<'_>> {
        let row: Option<(String, String, String, i64)> = self
            .connection
            .prepare_cached("SELECT source, file, fingerprint, seq FROM rulebooks WHERE recorded_day <= ?1 ORDER BY seq DESC LIMIT 1")?
            .query_row([julian(day)], |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?, row.get(3)?)))
            .optional()?;
        let Some((source, file, fingerprint, rulebook_seq)) = row else {
            return Err(StoreError::invalid("known_on", format!("the store held nothing yet on {}", format_date(day))));
        };
        let rulebook = rulebook_then(&self.rulebook, &source, &file, &fingerprint)?;
        Ok(KnownOn { store: self, day, rulebook, rulebook_seq })
    }
}

impl KnownOn<'_> {
    pub fn day(&self) -> Date {
        self.day
    }

    /// The rulebook active at the end of the day.
    pub fn rulebook(&self) -> &Arc<Rulebook> {
        &self.rulebook
    }

    fn key(&self, id: &SubjectId) -> Result<i64> {
        self.store
            .connection
            .prepare_cached("SELECT key FROM subjects WHERE id = ?1 AND recorded_day <= ?2")?
            .query_row(params![id.as_str(), julian(self.day)], |row| row.get(0))
            .optional()?
            .ok_or_else(|| StoreError::UnknownSubject(format!("{id} (as known on {})", format_date(self.day))))
    }

    /// The subject's file as recorded by the end of the day.
    pub fn file(&self, id: &SubjectId) -> Result<SubjectFile> {
        let key = self.key(id)?;
        Ok(load_file_under(&self.store.connection, key, *id, self.rulebook_seq)?.as_known_on(self.day))
    }

    /// The standings of the subjects linked to `id` by links registered by then.
    pub fn linked_standings(&self, id: &SubjectId, as_of: Date) -> Result<LinkedStandings> {
        let key = self.key(id)?;
        let linked = |sql: &str| -> Result<Vec<Standing>> {
            let mut statement = self.store.connection.prepare_cached(sql)?;
            let ids: Vec<String> = statement.query_map(params![key, julian(self.day)], |row| row.get(0))?.collect::<Result<_, _>>()?;
            ids.iter()
                .map(|other| {
                    let other = SubjectId::parse(other).map_err(|e| StoreError::Corrupt(format!("stored subject {other}: {e}")))?;
                    self.standing(&other, as_of)
                })
                .collect()
        };
        Ok(LinkedStandings {
            guardians: linked(
                "SELECT s.id FROM links l JOIN subjects s ON s.key = l.other
                 WHERE l.subject = ?1 AND l.kind = 'guardian' AND l.recorded_day <= ?2 ORDER BY s.id",
            )?,
            represented: linked(
                "SELECT s.id FROM links l JOIN subjects s ON s.key = l.other
                 WHERE l.subject = ?1 AND l.kind = 'represents' AND l.recorded_day <= ?2 ORDER BY s.id",
            )?,
            representatives: linked(
                "SELECT s.id FROM links l JOIN subjects s ON s.key = l.subject
                 WHERE l.other = ?1 AND l.kind = 'represents' AND l.recorded_day <= ?2 ORDER BY s.id",
            )?,
        })
    }
}

impl KnownReads for KnownOn<'_> {
    fn day(&self) -> Date {
        self.day
    }
    fn rulebook(&self) -> &Arc<Rulebook> {
        &self.rulebook
    }
    fn file(&self, id: &SubjectId) -> Result<SubjectFile> {
        KnownOn::file(self, id)
    }
    fn linked_standings(&self, id: &SubjectId, as_of: Date) -> Result<LinkedStandings> {
        KnownOn::linked_standings(self, id, as_of)
    }
}
