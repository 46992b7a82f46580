//! Decisions from the store (the slow, always-correct path), the check log,
//! and the annual-expectation report.

use std::collections::HashMap;

use rusqlite::{OptionalExtension, params};
use serde::Serialize;
use sha2::{Digest, Sha256};
use socred_core::decide::{self, Decision, LinkedStandings, Standing};
use socred_core::{Date, SubjectId};

use crate::audit::GENESIS;
use crate::error::{Result, StoreError};
use crate::{MAX_PAGE, Store, from_julian, julian, load_file};

/// A provider's check, to be logged.
#[derive(Debug, Clone)]
pub struct CheckLog {
    /// When, in unix milliseconds.
    pub at_ms: i64,
    pub provider: String,
    pub subject: SubjectId,
    /// The subject's key in the store, when the caller knows it (saves a lookup per row).
    pub subject_key: Option<i64>,
    pub service: String,
    pub as_of: Date,
    /// allow, deny, allow-with-benefit, or refused (asked outside the provider's services).
    pub outcome: &'static str,
    /// The reason codes the provider was told.
    pub reasons: Vec<String>,
}

/// A logged check, as the subject sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CheckEntry {
    pub at: String,
    pub provider: String,
    pub service: String,
    #[serde(with = "socred_core::date::serde_date")]
    pub as_of: Date,
    pub outcome: String,
    pub reasons: Vec<String>,
}

/// A line of the annual-expectation report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AnnualRow {
    pub subject: SubjectId,
    pub name: String,
    pub net_points: i64,
    pub expected_points: i64,
}

/// A check as packed in a group: fixed fields, then length-prefixed texts.
struct Packed {
    subject_key: i64,
    at_ms: i64,
    as_of: i32,
    provider: String,
    service: String,
    outcome: String,
    reasons: String,
}

fn pack(out: &mut Vec<u8>, subject_key: i64, log: &CheckLog) {
    out.extend_from_slice(&subject_key.to_le_bytes());
    out.extend_from_slice(&log.at_ms.to_le_bytes());
    out.extend_from_slice(&log.as_of.to_julian_day().to_le_bytes());
    let reasons = log.reasons.join(",");
    for text in [log.provider.as_str(), log.service.as_str(), log.outcome, reasons.as_str()] {
        let bytes = &text.as_bytes()[..text.len().min(u16::MAX as usize)];
        out.extend_from_slice(&(bytes.len() as u16).to_le_bytes());
        out.extend_from_slice(bytes);
    }
}

fn unpack(data: &[u8], rows: i64) -> Result<Vec<Packed>> {
    let corrupt = || StoreError::Corrupt("a check group does not decode".into());
    let mut at = 0usize;
    let mut take = |n: usize| -> Result<&[u8]> {
        let slice = data.get(at..at + n).ok_or_else(corrupt)?;
        at += n;
        Ok(slice)
    };
    let mut out = Vec::with_capacity(rows.max(0) as usize);
    for _ in 0..rows {
        let subject_key = i64::from_le_bytes(take(8)?.try_into().expect("8 bytes"));
        let at_ms = i64::from_le_bytes(take(8)?.try_into().expect("8 bytes"));
        let as_of = i32::from_le_bytes(take(4)?.try_into().expect("4 bytes"));
        let mut text = || -> Result<String> {
            let length = u16::from_le_bytes(take(2)?.try_into().expect("2 bytes")) as usize;
            String::from_utf8(take(length)?.to_vec()).map_err(|_| corrupt())
        };
        let (provider, service, outcome, reasons) = (text()?, text()?, text()?, text()?);
        out.push(Packed { subject_key, at_ms, as_of, provider, service, outcome, reasons });
    }
    if at != data.len() {
        return Err(corrupt());
    }
    Ok(out)
}

/// The subject keys of a group's checks, in order, without decoding their
/// texts: all the index needs, and the index runs behind every check.
fn unpack_subjects(data: &[u8], rows: i64) -> Result<Vec<i64>> {
    let corrupt = || StoreError::Corrupt("a check group does not decode".into());
    let mut at = 0usize;
    let mut out = Vec::with_capacity(rows.max(0) as usize);
    for _ in 0..rows {
        let key = data.get(at..at + 8).ok_or_else(corrupt)?;
        out.push(i64::from_le_bytes(key.try_into().expect("8 bytes")));
        at += 8 + 8 + 4;
        for _ in 0..4 {
            let length = data.get(at..at + 2).ok_or_else(corrupt)?;
            at += 2 + u16::from_le_bytes(length.try_into().expect("2 bytes")) as usize;
        }
    }
    if at != data.len() {
        return Err(corrupt());
    }
    Ok(out)
}

fn group_hash(prev: &str, grp: i64, first_seq: i64, rows: i64, data: &[u8]) -> String {
    let mut hasher = Sha256::new();
    hasher.update(prev.as_bytes());
    for number in [grp, first_seq, rows] {
        hasher.update(number.to_le_bytes());
    }
    hasher.update(data);
    hex::encode(hasher.finalize())
}

fn entry(packed: Packed) -> Result<CheckEntry> {
    Ok(CheckEntry {
        at: format_ms(packed.at_ms),
        provider: packed.provider,
        service: packed.service,
        as_of: from_julian(i64::from(packed.as_of))?,
        outcome: packed.outcome,
        reasons: packed.reasons.split(',').filter(|r| !r.is_empty()).map(str::to_string).collect(),
    })
}

fn format_ms(at_ms: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(at_ms) * 1_000_000)
        .ok()
        .and_then(|t| t.format(&time::format_description::well_known::Rfc3339).ok())
        .unwrap_or_else(|| at_ms.to_string())
}

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

    /// Logs checks in one transaction as one group, hash-chained to the previous group.
    pub fn log_checks(&self, logs: &[CheckLog]) -> Result<()> {
        if logs.is_empty() {
            return Ok(());
        }
        let mut data = Vec::with_capacity(logs.len() * 80);
        for log in logs {
            let key = match log.subject_key {
                Some(key) => key,
                None => self.subject_key(&log.subject)?,
            };
            pack(&mut data, key, log);
        }
        self.connection.execute_batch("BEGIN IMMEDIATE")?;
        let result = (|| -> Result<()> {
            let (grp, next_seq, prev): (i64, i64, String) = self
                .connection
                .prepare_cached("SELECT grp, first_seq + rows, hash FROM check_groups ORDER BY grp DESC LIMIT 1")?
                .query_row([], |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)))
                .optional()?
                .unwrap_or((0, 1, GENESIS.to_string()));
            let (grp, rows) = (grp + 1, logs.len() as i64);
            let hash = group_hash(&prev, grp, next_seq, rows, &data);
            self.connection
                .prepare_cached("INSERT INTO check_groups (grp, first_seq, rows, data, prev, hash) VALUES (?1, ?2, ?3, ?4, ?5, ?6)")?
                .execute(params![grp, next_seq, rows, data, prev, hash])?;
            Ok(())
        })();
        match result {
            Ok(()) => Ok(self.connection.execute_batch("COMMIT")?),
            Err(error) => {
                let _ = self.connection.execute_batch("ROLLBACK");
                Err(error)
            }
        }
    }

    /// Verifies the check log group by group; returns how many checks it holds.
    pub fn verify_checks(&self) -> Result<u64> {
        let broken = |what: String| StoreError::AuditBroken(what);
        let mut groups = self.connection.prepare("SELECT grp, first_seq, rows, data, prev, hash FROM check_groups ORDER BY grp")?;
        let mut groups = groups.query([])?;
        let (mut prev, mut expected_grp, mut expected_seq) = (GENESIS.to_string(), 1i64, 1i64);
        while let Some(group) = groups.next()? {
            let (grp, first, rows): (i64, i64, i64) = (group.get(0)?, group.get(1)?, group.get(2)?);
            let (data, stored_prev, hash): (Vec<u8>, String, String) = (group.get(3)?, group.get(4)?, group.get(5)?);
            if grp != expected_grp || first != expected_seq || stored_prev != prev || rows < 1 {
                return Err(broken(format!("the check log was altered at group {expected_grp}")));
            }
            if group_hash(&prev, grp, first, rows, &data) != hash {
                return Err(broken(format!("the check log was altered in group {grp}")));
            }
            unpack(&data, rows).map_err(|_| broken(format!("check group {grp} does not decode")))?;
            prev = hash;
            expected_grp += 1;
            expected_seq = first + rows;
        }
        Ok((expected_seq - 1) as u64)
    }

    /// The last check sequence number covered by `check_index`.
    fn checks_indexed_upto(&self) -> Result<i64> {
        Ok(self
            .connection
            .prepare_cached("SELECT value FROM meta WHERE key = 'checks_indexed_upto'")?
            .query_row([], |row| row.get::<_, String>(0))
            .optional()?
            .and_then(|v| v.parse().ok())
            .unwrap_or(0))
    }

    /// How many logged checks `check_index` does not cover yet.
    pub fn checks_unindexed(&self) -> Result<i64> {
        let next: i64 = self
            .connection
            .prepare_cached("SELECT first_seq + rows FROM check_groups ORDER BY grp DESC LIMIT 1")?
            .query_row([], |row| row.get(0))
            .optional()?
            .unwrap_or(1);
        Ok(next - 1 - self.checks_indexed_upto()?)
    }

    /// Groups holding checks after `seq`, decoded: (first seq, checks).
    fn groups_after(&self, seq: i64, max_rows: i64) -> Result<Vec<(i64, Vec<Packed>)>> {
        self.raw_groups_after(seq, max_rows)?.into_iter().map(|(first, count, data)| Ok((first, unpack(&data, count)?))).collect()
    }

    /// (first_seq, rows, packed data) of the groups from the one holding `seq`.
    fn raw_groups_after(&self, seq: i64, max_rows: i64) -> Result<Vec<(i64, i64, Vec<u8>)>> {
        let mut statement =
            // Groups are contiguous in `seq`, so the one holding `seq` (found
            // through the first_seq index) starts the range: no scan of the log.
            self.connection.prepare_cached(
                "SELECT first_seq, rows, data FROM check_groups
                 WHERE grp >= COALESCE((SELECT grp FROM check_groups WHERE first_seq <= ?1 ORDER BY first_seq DESC LIMIT 1), 1)
                   AND first_seq + rows > ?1
                 ORDER BY grp",
            )?;
        let mut rows = statement.query([seq])?;
        let (mut out, mut total) = (Vec::new(), 0i64);
        while let Some(row) = rows.next()? {
            let (first, count, data): (i64, i64, Vec<u8>) = (row.get(0)?, row.get(1)?, row.get(2)?);
            out.push((first, count, data));
            total += count;
            if total >= max_rows {
                break;
            }
        }
        Ok(out)
    }

    /// Indexes logged checks by subject, at most about `max_rows` at a time,
    /// sorted so that each index page is written once per batch. Returns how
    /// many were indexed. Whole groups are indexed at once.
    pub fn index_checks(&self, max_rows: u32) -> Result<u64> {
        self.connection.execute_batch("BEGIN IMMEDIATE")?;
        let result = (|| -> Result<u64> {
            let upto = self.checks_indexed_upto()?;
            let mut pairs: Vec<(i64, i64)> = Vec::new();
            let mut last = upto;
            for (first, count, data) in self.raw_groups_after(upto, i64::from(max_rows))? {
                for (offset, subject_key) in unpack_subjects(&data, count)?.into_iter().enumerate() {
                    let seq = first + offset as i64;
                    if seq > upto {
                        pairs.push((subject_key, seq));
                    }
                    last = last.max(seq);
                }
            }
            if pairs.is_empty() {
                return Ok(0);
            }
            pairs.sort_unstable();
            let mut insert = self.connection.prepare_cached("INSERT OR IGNORE INTO check_index (subject, seq) VALUES (?1, ?2)")?;
            for (subject, seq) in &pairs {
                insert.execute(params![subject, seq])?;
            }
            self.connection
                .prepare_cached("INSERT INTO meta (key, value) VALUES ('checks_indexed_upto', ?1) ON CONFLICT (key) DO UPDATE SET value = excluded.value")?
                .execute([last.to_string()])?;
            Ok(pairs.len() as u64)
        })();
        match result {
            Ok(count) => {
                self.connection.execute_batch("COMMIT")?;
                Ok(count)
            }
            Err(error) => {
                let _ = self.connection.execute_batch("ROLLBACK");
                Err(error)
            }
        }
    }

    /// Every check about a subject, newest first (at most a page): the ones
    /// the index points to, and those in the groups it does not cover yet.
    pub fn checks_of(&self, id: &SubjectId) -> Result<Vec<CheckEntry>> {
        let key = self.subject_key(id)?;
        let upto = self.checks_indexed_upto()?;
        let mut found: Vec<(i64, Packed)> = Vec::new();
        for (first, checks) in self.groups_after(upto, i64::MAX)? {
            for (offset, packed) in checks.into_iter().enumerate() {
                let seq = first + offset as i64;
                if seq > upto && packed.subject_key == key {
                    found.push((seq, packed));
                }
            }
        }
        let seqs: Vec<i64> = self
            .connection
            .prepare_cached("SELECT seq FROM check_index WHERE subject = ?1 ORDER BY seq DESC LIMIT ?2")?
            .query_map(params![key, MAX_PAGE], |row| row.get(0))?
            .collect::<Result<_, _>>()?;
        let mut group = self
            .connection
            .prepare_cached("SELECT first_seq, rows, data FROM check_groups WHERE first_seq <= ?1 ORDER BY first_seq DESC LIMIT 1")?;
        let mut decoded: HashMap<i64, (i64, Vec<Packed>)> = HashMap::new();
        for seq in seqs {
            let (first, count, data): (i64, i64, Vec<u8>) = group.query_row([seq], |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)))?;
            let (_, checks) = match decoded.entry(first) {
                std::collections::hash_map::Entry::Occupied(entry) => entry.into_mut(),
                std::collections::hash_map::Entry::Vacant(slot) => slot.insert((first, unpack(&data, count)?)),
            };
            let index = (seq - first) as usize;
            if let Some(packed) = checks.get_mut(index) {
                let taken = std::mem::replace(
                    packed,
                    Packed {
                        subject_key: 0,
                        at_ms: 0,
                        as_of: 0,
                        provider: String::new(),
                        service: String::new(),
                        outcome: String::new(),
                        reasons: String::new(),
                    },
                );
                found.push((seq, taken));
            }
        }
        found.sort_by_key(|item| std::cmp::Reverse(item.0));
        found.truncate(MAX_PAGE as usize);
        found.into_iter().map(|(_, packed)| entry(packed)).collect()
    }

    /// Subjects whose net gain in `year` is below the rulebook's expectation,
    /// in registration order, a page at a time; and how many there are.
    pub fn annual_report(&self, year: i32, limit: u32, offset: u64) -> Result<(u64, Vec<AnnualRow>)> {
        let start = Date::from_calendar_date(year, time::Month::January, 1).map_err(|_| StoreError::invalid("year", "not a year"))?;
        let end = Date::from_calendar_date(year, time::Month::December, 31).map_err(|_| StoreError::invalid("year", "not a year"))?;
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
        let expected = self.rulebook.annual_min_net_points;
        let mut statement = self.connection.prepare("SELECT key, id, name FROM subjects ORDER BY key")?;
        let mut rows = statement.query([])?;
        let (mut total, mut page) = (0u64, Vec::new());
        while let Some(row) = rows.next()? {
            let key: i64 = row.get(0)?;
            let points = net.get(&key).copied().unwrap_or(0);
            if points >= expected {
                continue;
            }
            if total >= offset && page.len() < limit.min(MAX_PAGE) as usize {
                let id: String = row.get(1)?;
                let subject = SubjectId::parse(&id).map_err(|e| StoreError::Corrupt(e.to_string()))?;
                page.push(AnnualRow { subject, name: row.get(2)?, net_points: points, expected_points: expected });
            }
            total += 1;
        }
        Ok((total, page))
    }
}

/// Everything the server's in-memory index needs, read in one pass.
#[derive(Debug, Default)]
pub struct HotData {
    /// (key, id)
    pub subjects: Vec<(i64, SubjectId)>,
    /// (key, tier rank, valid from, valid until) of cached summaries under the active rulebook.
    pub summaries: Vec<(i64, u8, Date, Option<Date>)>,
    /// (key, list, entry id, listed since, listed until) of entries that are or will be listed.
    pub listings: Vec<(i64, String, String, Date, Date)>,
    /// (subject key, kind, other key)
    pub links: Vec<(i64, String, i64)>,
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
