//! Standings, decisions, the annual report and a server's hot data, read
//! from the embedded store's files and cached summaries.

use crate::error::{Result, StoreError};
use crate::{Store, from_julian, julian, load_file};
use rusqlite::params;
use socred_core::decide::{self, Decision, LinkedStandings, Standing};
use socred_core::{Date, SubjectId};
use std::collections::HashMap;

use crate::decisions::*;

impl Store {
    fn key_and_file(&self, id: &SubjectId) -> Result<(i64, socred_core::SubjectFile)> {
        let key = self.subject_key(id)?;
        Ok((key, load_file(&self.connection, key, *id)?))
    }

    /// A subject's standing on a date: tier and list entries in force.
    pub fn standing(&self, id: &SubjectId, as_of: Date) -> Result<Standing> {
        let (_, file) = self.key_and_file(id)?;
        Ok(decide::standing(&self.rulebook, *id, &file, as_of))
    }

    /// The standings of the subjects linked to `id`.
    pub fn linked_standings(&self, id: &SubjectId, as_of: Date) -> Result<LinkedStandings> {
        let info = self.subject(id)?.ok_or_else(|| StoreError::UnknownSubject(id.to_string()))?;
        let of = |refs: &[crate::SubjectRef]| refs.iter().map(|r| self.standing(&r.id, as_of)).collect::<Result<Vec<_>>>();
        Ok(LinkedStandings {
            guardians: of(&info.guardians)?,
            represented: of(&info.represents)?,
            representatives: of(&info.representatives)?,
        })
    }

    /// The decision for one service, computed from the files.
    pub fn decide(&self, id: &SubjectId, service: &str, as_of: Date) -> Result<Decision> {
        let own = self.standing(id, as_of)?;
        let linked = self.linked_standings(id, as_of)?;
        decide::decide(&self.rulebook, service, as_of, &own, &linked).map_err(|e| StoreError::invalid("service", e.to_string()))
    }

    /// Every service: what the subject may and may not do, and why.
    pub fn decide_all(&self, id: &SubjectId, as_of: Date) -> Result<Vec<Decision>> {
        let own = self.standing(id, as_of)?;
        let linked = self.linked_standings(id, as_of)?;
        Ok(decide::decide_all(&self.rulebook, as_of, &own, &linked))
    }

    /// Subjects whose net gain in `year` is below the rulebook's expectation,
    /// in registration order, a page at a time; and how many there are.
    pub fn annual_report(&self, year: i32, limit: u32, offset: u64) -> Result<(u64, Vec<AnnualRow>)> {
        let start = Date::from_calendar_date(year, time::Month::January, 1)
            .map_err(|_| StoreError::invalid_message("year", "input-not-a-year", vec![]))?;
        let end = Date::from_calendar_date(year, time::Month::December, 31)
            .map_err(|_| StoreError::invalid_message("year", "input-not-a-year", vec![]))?;
        let mut net: HashMap<i64, i64> = HashMap::new();
        let mut statement = self.connection.prepare(
            "SELECT r.subject, r.behaviour FROM records r LEFT JOIN voids v ON v.record_seq = r.seq
             WHERE r.occurred_on BETWEEN ?1 AND ?2 AND v.seq IS NULL",
        )?;
        let mut rows = statement.query(params![julian(start), julian(end)])?;
        while let Some(row) = rows.next()? {
            let behaviour: String = row.get(1)?;
            if let Some(points) = self.rulebook.behaviour(&behaviour).map(|b| b.points) {
                *net.entry(row.get(0)?).or_insert(0) += points;
            }
        }
        let mut statement = self.connection.prepare("SELECT key, id, name FROM subjects ORDER BY key")?;
        let mut rows = statement.query([])?;
        let mut page = AnnualPage::new(self.rulebook.annual_min_net_points, limit, offset);
        while let Some(row) = rows.next()? {
            let key: i64 = row.get(0)?;
            page.offer(net.get(&key).copied().unwrap_or(0), || {
                let id: String = row.get(1)?;
                let subject = SubjectId::parse(&id).map_err(|e| StoreError::Corrupt(e.to_string()))?;
                Ok((subject, row.get(2)?))
            })?;
        }
        Ok(page.finish())
    }
}

impl Store {
    /// The cached summaries against the files: each must be what the core
    /// computes from its subject's file under the active rulebook for the
    /// first day it holds (the index behind the check API is built from
    /// them). A cached row changed by hand is named by its subject.
    pub(crate) fn verify_summaries(&self) -> Result<u64> {
        let mut statement = self.connection.prepare(
            "SELECT c.subject, s.id FROM assessment_cache c JOIN subjects s ON s.key = c.subject WHERE c.fingerprint = ?1 ORDER BY c.subject",
        )?;
        let cached: Vec<(i64, String)> =
            statement.query_map([&self.rulebook.fingerprint], |row| Ok((row.get(0)?, row.get(1)?)))?.collect::<rusqlite::Result<_>>()?;
        for (key, id) in &cached {
            let subject = SubjectId::parse(id).map_err(|e| StoreError::Corrupt(format!("stored subject {id}: {e}")))?;
            let summary = self.cached(*key)?.expect("listed in this snapshot");
            let file = crate::load_file(&self.connection, *key, subject)?;
            if socred_core::assess::summarise(&self.rulebook, &file, summary.valid_from) != summary {
                return Err(StoreError::AuditBroken(format!("the cached summary of subject {id} does not follow its file")));
            }
        }
        Ok(cached.len() as u64)
    }
}

impl Store {
    /// Reads the hot data of some subjects (or of all, with `None`).
    pub fn hot_data(&self, keys: Option<&[i64]>) -> Result<HotData> {
        let mut data = HotData::default();
        let filter = |column: &str| match keys {
            None => String::new(),
            Some(keys) => format!(" AND {column} IN ({})", keys.iter().map(|k| k.to_string()).collect::<Vec<_>>().join(",")),
        };
        if keys.is_some_and(|k| k.is_empty()) {
            return Ok(data);
        }
        let mut statement = self.connection.prepare(&format!("SELECT key, id FROM subjects WHERE 1 = 1{}", filter("key")))?;
        let mut rows = statement.query([])?;
        while let Some(row) = rows.next()? {
            let id: String = row.get(1)?;
            data.subjects.push((row.get(0)?, SubjectId::parse(&id).map_err(|e| StoreError::Corrupt(e.to_string()))?));
        }
        let mut statement = self.connection.prepare(&format!(
            "SELECT subject, tier, valid_from, valid_until FROM assessment_cache WHERE fingerprint = ?1{}",
            filter("subject")
        ))?;
        let mut rows = statement.query([&self.rulebook.fingerprint])?;
        while let Some(row) = rows.next()? {
            let tier: i64 = row.get(1)?;
            data.summaries.push((
                row.get(0)?,
                tier as u8,
                from_julian(row.get(2)?)?,
                row.get::<_, Option<i64>>(3)?.map(from_julian).transpose()?,
            ));
        }
        let mut statement = self.connection.prepare(&format!(
            "SELECT subject, list, entry_id, listed_since, listed_until FROM entries WHERE listed_since IS NOT NULL AND listed_until IS NOT NULL{}",
            filter("subject")
        ))?;
        let mut rows = statement.query([])?;
        while let Some(row) = rows.next()? {
            data.listings.push((row.get(0)?, row.get(1)?, row.get(2)?, from_julian(row.get(3)?)?, from_julian(row.get(4)?)?));
        }
        // Records that trigger a measure: few subjects have any, so their files are read whole
        // and the core says when each record counts.
        let triggering: Vec<String> = self.rulebook.measures.iter().flat_map(|measure| measure.records.iter().cloned()).collect();
        if !triggering.is_empty() {
            let placeholders = triggering.iter().map(|_| "?").collect::<Vec<_>>().join(",");
            let mut statement = self.connection.prepare(&format!(
                "SELECT DISTINCT r.subject, s.id FROM records r JOIN subjects s ON s.key = r.subject WHERE r.behaviour IN ({placeholders}){}",
                filter("r.subject")
            ))?;
            let subjects: Vec<(i64, String)> = statement
                .query_map(rusqlite::params_from_iter(triggering.iter()), |row| Ok((row.get(0)?, row.get(1)?)))?
                .collect::<rusqlite::Result<_>>()?;
            for (key, id) in subjects {
                let file = SubjectId::parse(&id)
                    .map_err(|e| StoreError::Corrupt(format!("subject {id:?}: {e}")))
                    .and_then(|subject| crate::load_file(&self.connection, key, subject));
                let file = match file {
                    Ok(file) => file,
                    // A file that does not read keeps no tier window, whatever was cached before:
                    // its checks go to the store, which names the damage.
                    Err(StoreError::Corrupt(_)) => {
                        data.summaries.retain(|summary| summary.0 != key);
                        continue;
                    }
                    Err(error) => return Err(error),
                };
                for trigger in socred_core::decide::record_triggers(&self.rulebook, &file) {
                    data.record_triggers.push((key, trigger.behaviour, trigger.record.as_str().to_string(), trigger.since, trigger.until));
                }
            }
        }
        // Links in both directions of the subjects asked for.
        let link_filter = match keys {
            None => String::new(),
            Some(keys) => {
                let list = keys.iter().map(|k| k.to_string()).collect::<Vec<_>>().join(",");
                format!(" WHERE subject IN ({list}) OR other IN ({list})")
            }
        };
        let mut statement = self.connection.prepare(&format!("SELECT subject, kind, other FROM links{link_filter}"))?;
        let mut rows = statement.query([])?;
        while let Some(row) = rows.next()? {
            data.links.push((row.get(0)?, row.get(1)?, row.get(2)?));
        }
        Ok(data)
    }
}
