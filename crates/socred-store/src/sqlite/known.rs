//! The embedded store as known at the end of a day: `KnownOn`, a read-only
//! view that reads files as recorded by then under the rulebook then active.

use crate::error::{Result, StoreError};
use crate::{Store, julian, load_file_under};
use rusqlite::{OptionalExtension, params};
use socred_core::date::format_date;
use socred_core::decide::{LinkedStandings, Standing};
use socred_core::{Date, Rulebook, SubjectFile, SubjectId};
use std::sync::Arc;

use crate::known::*;

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
            return Err(StoreError::invalid_message("known_on", "input-nothing-yet-on", vec![("day", socred_i18n::Argument::Day(day))]));
        };
        let rulebook = rulebook_then(&self.rulebook, &source, &file, &fingerprint)?;
        Ok(KnownOn { store: self, day, rulebook, rulebook_seq })
    }
}

/// A read-only view of the ledger as known at the end of `day`.
pub struct KnownOn<'s> {
    store: &'s Store,
    day: Date,
    rulebook: Arc<Rulebook>,
    rulebook_seq: i64,
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
