//! The check log: every decision a provider asked for (and every attempt
//! refused as outside its services), and the index that finds a subject's
//! checks for their file.
//!
//! The log (`check_groups`) is the record: checks are packed many to a row
//! and each group is hash-chained to the previous one, so logging a check
//! costs no B-tree insert of its own and `socred audit verify` proves the log
//! whole.
//!
//! The index is derived from the log and can be rebuilt from it. Checks
//! arrive in random subject order, so an index keyed by subject and updated in
//! place rewrites a page for nearly every check (that design spent about
//! 8.5 µs of CPU per check on a store of a few million checks, and more as it
//! grew). Instead the index is a small log-structured merge tree in SQLite:
//! each indexing step sorts the next checks by subject into a new **run**,
//! written as chunks of about a page, in order, at the end of the table; once
//! [`INDEX_FANOUT`] runs of one level wait, they are merged into one run of
//! the next level, up to [`INDEX_TOP_LEVEL`]. An index entry is 28 bytes:
//! the subject, the check's sequence number, and where its packed fields are
//! in the log (group and byte offset), which a read fetches with SQLite's
//! incremental blob I/O, without loading the group. Readers decode the groups
//! the index does not cover yet; the writer keeps that tail short.

use serde::Serialize;
use sha2::{Digest, Sha256};
use socred_core::{Date, SubjectId};

use crate::error::{Result, StoreError};
use crate::{MAX_PAGE, from_julian};

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

/// Runs of one level are merged into one run of the next once this many wait.
pub const INDEX_FANOUT: usize = 8;
/// Runs are merged up to this level and no further, so that one merge stays
/// bounded: at most `INDEX_FANOUT ^ INDEX_TOP_LEVEL` indexing steps of checks
/// (with steps of 8,192, 524,288 checks, about 40 MB, read and written at once).
/// A file read costs one seek per run: at most `INDEX_FANOUT` per lower level,
/// plus one per top-level run (one per 524,288 checks logged).
pub const INDEX_TOP_LEVEL: i64 = 2;
/// Checks of one subject kept in one run: a file shows the newest
/// [`MAX_PAGE`], so older checks of the same run can never be shown (every
/// other run is wholly older or wholly newer). They stay in the log.
pub(crate) const KEEP_PER_SUBJECT: usize = MAX_PAGE as usize;

/// A check as packed in a group: fixed fields, then length-prefixed texts.
/// Index rows hold the same bytes, each entry preceded by its sequence number.
pub(crate) struct Packed {
    pub(crate) at_ms: i64,
    pub(crate) as_of: i32,
    pub(crate) provider: String,
    pub(crate) service: String,
    pub(crate) outcome: String,
    pub(crate) reasons: String,
}

/// Checks in one group at most. A read of one check from the log walks the
/// group's chain of overflow pages up to it, so groups stay small: 1,024
/// checks are about 64 KiB, 16 pages.
pub const GROUP_ROWS: usize = 1_024;

/// Bytes of the fixed fields: subject key, at_ms, as_of.
const FIXED: usize = 8 + 8 + 4;
const TEXTS: usize = 4;

/// A check to be logged, borrowed from whoever made it, with the subject's key.
#[derive(Debug, Clone, Copy)]
pub struct CheckRecord<'a> {
    /// When, in unix milliseconds.
    pub at_ms: i64,
    pub provider: &'a str,
    pub subject_key: i64,
    pub service: &'a str,
    pub as_of: Date,
    /// allow, deny, allow-with-benefit, or refused.
    pub outcome: &'a str,
    /// The reason codes the provider was told.
    pub reasons: &'a [String],
}

/// Checks packed as the log stores them, ready to be written as a group.
/// The server packs each check as it answers it, into a buffer of its own
/// thread: logging a check then allocates nothing and the writer copies bytes.
#[derive(Debug, Clone, Default)]
pub struct PackedChecks {
    pub(crate) data: Vec<u8>,
    pub(crate) rows: usize,
    /// The earliest answer time held, to measure how long a check waits for its commit.
    pub(crate) oldest_ms: Option<i64>,
}

impl PackedChecks {
    pub fn with_capacity(rows: usize) -> PackedChecks {
        PackedChecks { data: Vec::with_capacity(rows * 64), rows: 0, oldest_ms: None }
    }

    pub fn push(&mut self, check: &CheckRecord<'_>) {
        pack(&mut self.data, check);
        self.rows += 1;
        self.oldest_ms = Some(self.oldest_ms.map_or(check.at_ms, |oldest| oldest.min(check.at_ms)));
    }

    /// Moves `other`'s checks to the end of these.
    pub fn append(&mut self, other: &mut PackedChecks) {
        self.data.append(&mut other.data);
        self.rows += std::mem::take(&mut other.rows);
        self.oldest_ms = match (self.oldest_ms, other.oldest_ms.take()) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
    }

    /// When the longest-waiting check held was answered (unix milliseconds).
    pub fn oldest_ms(&self) -> Option<i64> {
        self.oldest_ms
    }

    /// How many checks.
    pub fn len(&self) -> usize {
        self.rows
    }

    pub fn is_empty(&self) -> bool {
        self.rows == 0
    }

    /// Bytes held, for sizing the buffer that replaces this one.
    pub fn bytes(&self) -> usize {
        self.data.len()
    }

    pub fn clear(&mut self) {
        self.data.clear();
        self.rows = 0;
        self.oldest_ms = None;
    }
}

pub(crate) fn pack(out: &mut Vec<u8>, check: &CheckRecord<'_>) {
    out.extend_from_slice(&check.subject_key.to_le_bytes());
    out.extend_from_slice(&check.at_ms.to_le_bytes());
    out.extend_from_slice(&check.as_of.to_julian_day().to_le_bytes());
    let mut text = |bytes: &[u8]| {
        let bytes = &bytes[..bytes.len().min(u16::MAX as usize)];
        out.extend_from_slice(&(bytes.len() as u16).to_le_bytes());
        out.extend_from_slice(bytes);
    };
    text(check.provider.as_bytes());
    text(check.service.as_bytes());
    text(check.outcome.as_bytes());
    // The reasons, joined by commas, without a string of their own.
    let joined = check.reasons.iter().map(|r| r.len()).sum::<usize>() + check.reasons.len().saturating_sub(1);
    if joined <= u16::MAX as usize {
        out.extend_from_slice(&(joined as u16).to_le_bytes());
        for (number, reason) in check.reasons.iter().enumerate() {
            if number > 0 {
                out.push(b',');
            }
            out.extend_from_slice(reason.as_bytes());
        }
    } else {
        text(check.reasons.join(",").as_bytes());
    }
}

pub(crate) fn corrupt() -> StoreError {
    StoreError::Corrupt("a check group or index row does not decode".into())
}

/// The length of the packed check starting at `at`, without decoding it.
pub(crate) fn entry_length(data: &[u8], at: usize) -> Result<usize> {
    let mut end = at + FIXED;
    for _ in 0..TEXTS {
        let length = data.get(end..end + 2).ok_or_else(corrupt)?;
        end += 2 + u16::from_le_bytes(length.try_into().expect("2 bytes")) as usize;
    }
    if end > data.len() {
        return Err(corrupt());
    }
    Ok(end - at)
}

fn subject_key_at(data: &[u8], at: usize) -> i64 {
    i64::from_le_bytes(data[at..at + 8].try_into().expect("8 bytes"))
}

/// The checks of a group as (subject key, byte range), in order: all that
/// indexing needs, without decoding their texts.
pub(crate) fn entries(data: &[u8], rows: i64) -> Result<Vec<(i64, std::ops::Range<usize>)>> {
    // A stored count is not trusted with an allocation: each check takes at least FIXED bytes.
    if rows < 0 || rows as u64 > (data.len() / FIXED) as u64 {
        return Err(corrupt());
    }
    let mut at = 0usize;
    let mut out = Vec::with_capacity(rows as usize);
    for _ in 0..rows {
        let length = entry_length(data, at)?;
        out.push((subject_key_at(data, at), at..at + length));
        at += length;
    }
    if at != data.len() {
        return Err(corrupt());
    }
    Ok(out)
}

pub(crate) fn decode(entry: &[u8]) -> Result<Packed> {
    let text = |at: &mut usize| -> Result<String> {
        let length = u16::from_le_bytes(entry.get(*at..*at + 2).ok_or_else(corrupt)?.try_into().expect("2 bytes")) as usize;
        let bytes = entry.get(*at + 2..*at + 2 + length).ok_or_else(corrupt)?;
        *at += 2 + length;
        String::from_utf8(bytes.to_vec()).map_err(|_| corrupt())
    };
    if entry.len() < FIXED {
        return Err(corrupt());
    }
    let at_ms = i64::from_le_bytes(entry[8..16].try_into().expect("8 bytes"));
    let as_of = i32::from_le_bytes(entry[16..20].try_into().expect("4 bytes"));
    let mut at = FIXED;
    let (provider, service, outcome, reasons) = (text(&mut at)?, text(&mut at)?, text(&mut at)?, text(&mut at)?);
    Ok(Packed { at_ms, as_of, provider, service, outcome, reasons })
}

/// A group's hash, chained to the group before (docs/audit-format.md, "The
/// check log"): the packed checks are hashed as the bytes that are stored.
pub fn group_hash(prev: &str, grp: i64, first_seq: i64, rows: i64, data: &[u8]) -> String {
    let mut hasher = Sha256::new();
    socred_log::Encoder::new(&mut hasher).text("socred-checks/2").text(prev).integer(grp).integer(first_seq).integer(rows).bytes(data);
    hex::encode(hasher.finalize())
}

/// True when a group's packed rows decode (its chain hash aside).
pub(crate) fn group_decodes(data: &[u8], rows: i64) -> bool {
    entries(data, rows).is_ok_and(|checks| checks.into_iter().all(|(_, range)| decode(&data[range]).is_ok()))
}

/// The newest page of a subject's checks found (by sequence number), shown by time.
pub(crate) fn page_of_checks(mut found: Vec<(i64, Packed)>) -> Result<Vec<CheckEntry>> {
    found.sort_by_key(|item| std::cmp::Reverse(item.0));
    found.truncate(MAX_PAGE as usize);
    // The log holds each commit's checks thread by thread, so within a
    // commit its order is not quite the order of time: show them by time.
    found.sort_by_key(|(seq, packed)| std::cmp::Reverse((packed.at_ms, *seq)));
    found.into_iter().map(|(_, packed)| check_entry(packed)).collect()
}

/// The checks of one subject (by number) in a stored group, with their sequence numbers.
pub(crate) fn group_checks_of(data: &[u8], rows: i64, first_seq: i64, subject: i64) -> Result<Vec<(i64, Packed)>> {
    let mut found = Vec::new();
    for (number, (key, range)) in entries(data, rows)?.into_iter().enumerate() {
        if key == subject {
            found.push((first_seq + number as i64, decode(&data[range])?));
        }
    }
    Ok(found)
}

/// Checks packed as the log stores them; `key_of` gives the subject's number
/// where the caller did not.
pub(crate) fn pack_logs(logs: &[CheckLog], mut key_of: impl FnMut(&SubjectId) -> Result<i64>) -> Result<PackedChecks> {
    let mut packed = PackedChecks::with_capacity(logs.len());
    for log in logs {
        let subject_key = match log.subject_key {
            Some(key) => key,
            None => key_of(&log.subject)?,
        };
        packed.push(&CheckRecord {
            at_ms: log.at_ms,
            provider: &log.provider,
            subject_key,
            service: &log.service,
            as_of: log.as_of,
            outcome: log.outcome,
            reasons: &log.reasons,
        });
    }
    Ok(packed)
}

/// The subjects (by number) a stored group names, each once.
pub(crate) fn group_subjects(data: &[u8], rows: i64) -> Result<Vec<i64>> {
    let mut subjects: Vec<i64> = entries(data, rows)?.into_iter().map(|(key, _)| key).collect();
    subjects.sort_unstable();
    subjects.dedup();
    Ok(subjects)
}

/// One group to append: its packed bytes, row count and the subjects (by number) it names.
pub(crate) struct GroupSlice<'a> {
    pub data: &'a [u8],
    pub rows: i64,
    pub subjects: Vec<i64>,
}

impl PackedChecks {
    /// The checks cut into groups of at most [`GROUP_ROWS`], in order.
    pub(crate) fn groups(&self) -> Result<Vec<GroupSlice<'_>>> {
        let located = entries(&self.data, self.rows as i64)?;
        Ok(located
            .chunks(GROUP_ROWS)
            .map(|group| {
                let mut subjects: Vec<i64> = group.iter().map(|(key, _)| *key).collect();
                subjects.sort_unstable();
                subjects.dedup();
                GroupSlice { data: &self.data[group[0].1.start..group[group.len() - 1].1.end], rows: group.len() as i64, subjects }
            })
            .collect())
    }
}

fn check_entry(packed: Packed) -> Result<CheckEntry> {
    Ok(CheckEntry {
        at: format_ms(packed.at_ms),
        provider: packed.provider,
        service: packed.service,
        as_of: from_julian(i64::from(packed.as_of))?,
        outcome: packed.outcome,
        reasons: packed.reasons.split(',').filter(|r| !r.is_empty()).map(str::to_string).collect(),
    })
}

/// A check's instant as the subject's file shows it (RFC 3339, UTC, milliseconds).
pub fn format_ms(at_ms: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(at_ms) * 1_000_000)
        .ok()
        .and_then(|t| t.format(&time::format_description::well_known::Rfc3339).ok())
        .unwrap_or_else(|| at_ms.to_string())
}

/// How the index stands: for tests, metrics and the benchmark's report.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct CheckIndexStats {
    /// Runs per level, from level 0.
    pub runs_per_level: Vec<u64>,
    /// Checks logged but not indexed yet (readers decode them).
    pub unindexed: i64,
}
