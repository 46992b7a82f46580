//! Reads of a subject's file for people on PostgreSQL: the list entries and
//! disputes on a date, every service's decision, the staff search, the
//! access log. Like the file, they
//! come from the standby with `--read-db`.

use socred_core::decide::{self, Decision, LinkedStandings};
use socred_core::lists::{self, DueProcessView};
use socred_core::{Date, SubjectId};

use super::PgStore;
use crate::due_process::Access;
use crate::error::{Result, StoreError};
use crate::{MAX_PAGE, SubjectRef};

fn subject_of(id: &str) -> Result<SubjectId> {
    SubjectId::parse(id).map_err(|e| StoreError::Corrupt(format!("stored subject {id:?}: {e}")))
}

impl PgStore {
    /// List entries and disputes of a subject on a date.
    pub fn due_process(&self, id: &SubjectId, as_of: Date) -> Result<DueProcessView> {
        Ok(lists::evaluate(self.rulebook(), *id, &self.file(id)?, as_of))
    }

    /// The standings of the subjects linked to `id` (guardians, the
    /// organisations it represents, their representatives), from the primary.
    pub(crate) fn linked_standings(&self, id: &SubjectId, as_of: Date) -> Result<LinkedStandings> {
        let links = self.connection()?.query(
            "SELECT other, 'guardian' FROM links WHERE subject = $1 AND kind = 'guardian'
             UNION ALL SELECT other, 'represented' FROM links WHERE subject = $1 AND kind = 'represents'
             UNION ALL SELECT subject, 'representative' FROM links WHERE other = $1 AND kind = 'represents'",
            &[&id.as_str()],
        )?;
        let mut linked = LinkedStandings::default();
        for row in links {
            let other: &str = row.get(0);
            let other = SubjectId::parse(other).map_err(|e| StoreError::Corrupt(format!("a link of {id} names {other:?}: {e}")))?;
            let standing = self.standing(&other, as_of)?;
            match row.get::<_, &str>(1) {
                "guardian" => linked.guardians.push(standing),
                "represented" => linked.represented.push(standing),
                _ => linked.representatives.push(standing),
            }
        }
        Ok(linked)
    }

    /// Every service's decision for a subject on a date, computed from the files.
    pub fn decide_all(&self, id: &SubjectId, as_of: Date) -> Result<Vec<Decision>> {
        let own = self.standing(id, as_of)?;
        let linked = self.linked_standings(id, as_of)?;
        Ok(decide::decide_all(self.rulebook(), as_of, &own, &linked))
    }

    /// Subjects whose identifier starts with `text` or whose name contains it
    /// (ignoring case): the staff search.
    pub fn search_subjects(&self, text: &str, limit: u32) -> Result<Vec<SubjectRef>> {
        let text = text.trim();
        if text.is_empty() || text.chars().count() > 128 {
            return Err(StoreError::invalid_message("search", "input-search-length", vec![]));
        }
        let escaped = text.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_");
        let rows = self.read_connection()?.query(
            "SELECT subject, name FROM subjects WHERE subject LIKE $1 ESCAPE '\\' OR name ILIKE $2 ESCAPE '\\' ORDER BY subject LIMIT $3",
            &[&format!("{}%", escaped.to_ascii_uppercase()), &format!("%{escaped}%"), &i64::from(limit.min(MAX_PAGE))],
        )?;
        rows.iter().map(|row| Ok(SubjectRef { id: subject_of(row.get(0))?, name: row.get(1) })).collect()
    }

    /// Every logged read of a subject's file, oldest first.
    pub fn accesses(&self, subject: &SubjectId) -> Result<Vec<Access>> {
        let rows = self
            .read_connection()?
            .query("SELECT at, actor, purpose, what FROM accesses WHERE subject = $1 ORDER BY seq", &[&subject.as_str()])?;
        Ok(rows.iter().map(|row| Access { at: row.get(0), actor: row.get(1), purpose: row.get(2), what: row.get(3) }).collect())
    }

    /// Subjects whose net gain in `year` is below the rulebook's expectation,
    /// in registration order, a page at a time; and how many there are.
    pub fn annual_report(&self, year: i32, limit: u32, offset: u64) -> Result<(u64, Vec<crate::AnnualRow>)> {
        let start = Date::from_calendar_date(year, time::Month::January, 1)
            .map_err(|_| StoreError::invalid_message("year", "input-not-a-year", vec![]))?;
        let end = Date::from_calendar_date(year, time::Month::December, 31)
            .map_err(|_| StoreError::invalid_message("year", "input-not-a-year", vec![]))?;
        let mut connection = self.read_connection()?;
        let mut snapshot =
            connection.build_transaction().isolation_level(postgres::IsolationLevel::RepeatableRead).read_only(true).start()?;
        let mut net: std::collections::HashMap<String, i64> = std::collections::HashMap::new();
        for row in snapshot.query(
            "SELECT r.subject, r.behaviour FROM records r
             WHERE r.occurred_on BETWEEN $1 AND $2
               AND NOT EXISTS (SELECT 1 FROM voids v WHERE v.subject = r.subject AND v.record_id = r.record_id)",
            &[&start, &end],
        )? {
            if let Some(points) = self.rulebook().behaviour(row.get(1)).map(|b| b.points) {
                *net.entry(row.get(0)).or_insert(0) += points;
            }
        }
        let mut page = crate::decisions::AnnualPage::new(self.rulebook().annual_min_net_points, limit, offset);
        for row in snapshot.query("SELECT subject, name FROM subjects ORDER BY number", &[])? {
            let subject: &str = row.get(0);
            page.offer(net.get(subject).copied().unwrap_or(0), || Ok((subject_of(subject)?, row.get(1))))?;
        }
        snapshot.commit()?;
        Ok(page.finish())
    }
}
