//! The ledger as known at the end of a past day, on PostgreSQL (see
//! `crate::known`): the rulebook then active, the subjects and links
//! registered by then, each file restricted to what was recorded by then.
//! From the standby with `--read-db`, like a file.

use std::sync::Arc;

use socred_core::date::format_date;
use socred_core::decide::{LinkedStandings, Standing};
use socred_core::{Date, Rulebook, SubjectFile, SubjectId};

use super::PgStore;
use crate::error::{Result, StoreError};
use crate::known::{KnownReads, rulebook_then};

/// A read-only view of a PostgreSQL store as known at the end of `day`.
pub struct PgKnownOn<'s> {
    store: &'s PgStore,
    day: Date,
    rulebook: Arc<Rulebook>,
    rulebook_seq: i64,
}

impl PgStore {
    /// The ledger as known at the end of `day`. Refused for a day before the store existed.
    pub fn known_on(&self, day: Date) -> Result<PgKnownOn<'_>> {
        let row = self
            .read_connection()?
            .query_opt("SELECT source, file, fingerprint, seq FROM rulebooks WHERE recorded_on <= $1 ORDER BY seq DESC LIMIT 1", &[&day])?;
        let Some(row) = row else {
            return Err(StoreError::invalid_message("known_on", "input-nothing-yet-on", vec![("day", socred_i18n::Argument::Day(day))]));
        };
        let rulebook = rulebook_then(self.rulebook(), row.get(0), row.get(1), row.get(2))?;
        Ok(PgKnownOn { store: self, day, rulebook, rulebook_seq: row.get(3) })
    }
}

impl KnownReads for PgKnownOn<'_> {
    fn day(&self) -> Date {
        self.day
    }

    fn rulebook(&self) -> &Arc<Rulebook> {
        &self.rulebook
    }

    fn file(&self, id: &SubjectId) -> Result<SubjectFile> {
        let unknown = || StoreError::UnknownSubject(format!("{id} (as known on {})", format_date(self.day)));
        let registered = self
            .store
            .read_connection()?
            .query_opt("SELECT 1 FROM subjects WHERE subject = $1 AND recorded_on <= $2", &[&id.as_str(), &self.day])?;
        registered.ok_or_else(unknown)?;
        Ok(self.store.file_under(id, self.rulebook_seq)?.as_known_on(self.day))
    }

    fn linked_standings(&self, id: &SubjectId, as_of: Date) -> Result<LinkedStandings> {
        let links = self.store.read_connection()?.query(
            "SELECT other, 'guardian' FROM links WHERE subject = $1 AND kind = 'guardian' AND recorded_on <= $2
             UNION ALL SELECT other, 'represented' FROM links WHERE subject = $1 AND kind = 'represents' AND recorded_on <= $2
             UNION ALL SELECT subject, 'representative' FROM links WHERE other = $1 AND kind = 'represents' AND recorded_on <= $2
             ORDER BY 2, 1",
            &[&id.as_str(), &self.day],
        )?;
        let mut linked = LinkedStandings::default();
        for row in links {
            let other: &str = row.get(0);
            let other = SubjectId::parse(other).map_err(|e| StoreError::Corrupt(format!("a link of {id} names {other:?}: {e}")))?;
            let standing: Standing = self.standing(&other, as_of)?;
            match row.get::<_, &str>(1) {
                "guardian" => linked.guardians.push(standing),
                "represented" => linked.represented.push(standing),
                _ => linked.representatives.push(standing),
            }
        }
        Ok(linked)
    }
}
