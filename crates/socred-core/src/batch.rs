//! Rescoring a whole population at memory speed.
//!
//! A [`Population`] holds every subject's records in flat columns sorted by
//! subject: a behaviour index (2 bytes) and an occurrence day (4 bytes) per
//! record, one offset per subject, and nothing allocated per record. A
//! [`Scorer`] is a rulebook compiled against the population's behaviour codes
//! for one as-of date; [`Scorer::summarise`] gives a subject's score, tiers
//! and lock, the same as [`crate::assess::summarise`] gives from the file (a
//! property test holds the two equal, locks and recovery included).
//!
//! Most subjects need no sweep over time: when even the sum of every
//! deduction so far cannot take the score below the best tier that locks,
//! and no record forces a tier, the tier is the points tier and nothing
//! locks, so one pass over the columns answers. The rest are swept, like
//! `assess` does, over a scratch buffer the caller keeps.

use std::collections::{HashMap, HashSet};

use crate::assess::LockState;
use crate::date::{Date, add_years, subtract_years};
use crate::id::SubjectId;
use crate::record::{Record, RecordId, SubjectFile};
use crate::rulebook::{Recovery, Rulebook};
use crate::tier::Tier;

/// Most records a population holds (offsets are 32-bit).
pub const MAX_RECORDS: usize = u32::MAX as usize - 1;
/// Most distinct behaviour codes a population holds (indexes are 16-bit).
pub const MAX_BEHAVIOURS: usize = u16::MAX as usize;

/// A population outgrew its columns.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PopulationFull {
    #[error("a population holds at most {MAX_RECORDS} records")]
    Records,
    #[error("a population holds at most {MAX_BEHAVIOURS} behaviour codes")]
    Behaviours,
    #[error("a subject holds at most {MAX_RECORDS_PER_SUBJECT} records in a population")]
    SubjectRecords,
}

/// Every subject's effective records, as columns.
#[derive(Debug, Clone)]
pub struct Population {
    subjects: Vec<SubjectId>,
    /// Subject `i`'s records are `offsets[i]..offsets[i + 1]`.
    offsets: Vec<u32>,
    behaviour: Vec<u16>,
    /// Julian day numbers.
    occurred: Vec<i32>,
    codes: Vec<String>,
    code_index: HashMap<String, u16>,
}

impl Default for Population {
    fn default() -> Self {
        Population::with_capacity(0, 0)
    }
}

impl Population {
    pub fn with_capacity(subjects: usize, records: usize) -> Population {
        let mut offsets = Vec::with_capacity(subjects + 1);
        offsets.push(0);
        Population {
            subjects: Vec::with_capacity(subjects),
            offsets,
            behaviour: Vec::with_capacity(records),
            occurred: Vec::with_capacity(records),
            codes: Vec::new(),
            code_index: HashMap::new(),
        }
    }

    /// The index of a behaviour code, adding it when new.
    pub fn code(&mut self, behaviour: &str) -> Result<u16, PopulationFull> {
        if let Some(&index) = self.code_index.get(behaviour) {
            return Ok(index);
        }
        if self.codes.len() >= MAX_BEHAVIOURS {
            return Err(PopulationFull::Behaviours);
        }
        let index = self.codes.len() as u16;
        self.codes.push(behaviour.to_string());
        self.code_index.insert(behaviour.to_string(), index);
        Ok(index)
    }

    /// Adds a subject from its file: void records left out and one record
    /// per id, chosen by content as the assessment chooses it.
    pub fn push_file(&mut self, subject: SubjectId, file: &SubjectFile) -> Result<(), PopulationFull> {
        let voided: HashSet<&RecordId> = file.voids.iter().map(|void| &void.record_id).collect();
        let mut records: Vec<&Record> = file.records.iter().filter(|record| !voided.contains(&record.id)).collect();
        records.sort_by(|a, b| {
            (&a.id, a.occurred_on, &a.behaviour, &a.source, &a.evidence).cmp(&(&b.id, b.occurred_on, &b.behaviour, &b.source, &b.evidence))
        });
        records.dedup_by(|later, earlier| later.id == earlier.id);
        let mut columns = Vec::with_capacity(records.len());
        for record in records {
            columns.push((self.code(&record.behaviour)?, record.occurred_on));
        }
        self.push_raw(subject, columns)
    }

    /// Adds a subject from ready columns (generators, benchmarks): every
    /// record is taken as effective, so the caller has left out void and
    /// repeated records. Each index must come from [`Population::code`].
    pub fn push_raw(&mut self, subject: SubjectId, records: impl IntoIterator<Item = (u16, Date)>) -> Result<(), PopulationFull> {
        let before = self.behaviour.len();
        let mut sorted: Vec<(i32, u16)> =
            records.into_iter().map(|(behaviour, occurred_on)| (occurred_on.to_julian_day(), behaviour)).collect();
        if sorted.len() > MAX_RECORDS_PER_SUBJECT {
            return Err(PopulationFull::SubjectRecords);
        }
        // By day within the subject: the scorer's first pass reads them in time order.
        sorted.sort_unstable();
        if before + sorted.len() > MAX_RECORDS {
            return Err(PopulationFull::Records);
        }
        for (day, behaviour) in sorted {
            assert!(usize::from(behaviour) < self.codes.len(), "a behaviour index from Population::code");
            self.behaviour.push(behaviour);
            self.occurred.push(day);
        }
        self.subjects.push(subject);
        self.offsets.push(self.behaviour.len() as u32);
        Ok(())
    }

    pub fn len(&self) -> usize {
        self.subjects.len()
    }

    pub fn is_empty(&self) -> bool {
        self.subjects.is_empty()
    }

    pub fn record_count(&self) -> usize {
        self.behaviour.len()
    }

    pub fn subject(&self, index: usize) -> SubjectId {
        self.subjects[index]
    }

    pub fn subjects(&self) -> &[SubjectId] {
        &self.subjects
    }

    /// The behaviour codes, by index.
    pub fn codes(&self) -> &[String] {
        &self.codes
    }

    /// A subject's columns: behaviour indexes and occurrence days (Julian).
    pub fn records(&self, index: usize) -> (&[u16], &[i32]) {
        let range = self.offsets[index] as usize..self.offsets[index + 1] as usize;
        (&self.behaviour[range.clone()], &self.occurred[range])
    }

    /// Bytes held by the columns (capacity, not length: what the process pays).
    /// Gives back the capacity the columns grew into beyond their length.
    pub fn shrink_to_fit(&mut self) {
        self.subjects.shrink_to_fit();
        self.offsets.shrink_to_fit();
        self.behaviour.shrink_to_fit();
        self.occurred.shrink_to_fit();
    }

    pub fn column_bytes(&self) -> usize {
        self.subjects.capacity() * size_of::<SubjectId>()
            + self.offsets.capacity() * size_of::<u32>()
            + self.behaviour.capacity() * size_of::<u16>()
            + self.occurred.capacity() * size_of::<i32>()
    }
}

/// What a decision needs of a subject on the as-of date.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BatchSummary {
    pub score: i64,
    pub tier: Tier,
    pub points_tier: Tier,
    pub lock: Option<LockState>,
}

const NOT_FORCED: u8 = u8::MAX;

/// Days before the as-of date for which `add_years` is looked up, not computed.
const TABLE_DAYS: usize = 40 * 366;

/// A behaviour as the scorer applies it.
#[derive(Debug, Clone, Copy)]
struct Rule {
    points: i64,
    forced: u8,
    known: bool,
    /// The first occurrence day from which a record still counts on the as-of date.
    counts_from: i32,
    /// Index of the `add_years` table of `years`.
    table: u8,
}

/// `add_years(day, years)` for every day of the [`TABLE_DAYS`] up to the
/// as-of date, per number of years: a sweep meets these days, and the
/// calendar arithmetic costs more than the rest of the sweep.
#[derive(Debug, Clone)]
struct YearTables {
    first_day: i32,
    by_years: Vec<(u32, Vec<i32>)>,
}

impl YearTables {
    fn index_of(&mut self, years: u32) -> u8 {
        if let Some(index) = self.by_years.iter().position(|(held, _)| *held == years) {
            return index as u8;
        }
        assert!(self.by_years.len() < usize::from(u8::MAX), "a rulebook has few distinct periods");
        let table = (0..TABLE_DAYS as i32)
            .map(|offset| Date::from_julian_day(self.first_day + offset).map_or(i32::MAX, |day| add_years(day, years).to_julian_day()))
            .collect();
        self.by_years.push((years, table));
        (self.by_years.len() - 1) as u8
    }

    fn add_years(&self, table: u8, day: i32) -> i32 {
        let (years, ends) = &self.by_years[usize::from(table)];
        match usize::try_from(day - self.first_day).ok().and_then(|offset| ends.get(offset)) {
            Some(end) => *end,
            None => Date::from_julian_day(day).map_or(i32::MAX, |date| add_years(date, *years).to_julian_day()),
        }
    }
}

/// A behaviour as the first pass reads it: 12 bytes, and an unknown
/// behaviour adds nothing to any sum (points 0, never counting, not forcing),
/// so the pass needs no branch on it.
#[derive(Debug, Clone, Copy)]
struct PassRule {
    points: i32,
    counts_from: i32,
    forced: u32,
}

/// A rulebook compiled against a population's codes, for one as-of date.
#[derive(Debug, Clone)]
pub struct Scorer<'r> {
    rulebook: &'r Rulebook,
    rules: Vec<Rule>,
    pass_rules: Vec<PassRule>,
    /// By tier rank: the `add_years` table of its lock, when it locks.
    lock_tables: Vec<Option<u8>>,
    tables: YearTables,
    as_of: Date,
    as_of_day: i32,
    /// No sweep is needed while the lowest score possible stays at or above this.
    sweep_below: i64,
    /// Thresholds by rank, best first: `(min_points, rank)`; the worst tier has `i64::MIN`.
    thresholds: Vec<(i64, u8)>,
}

/// Lowest Julian day a sweep event can fall on: every day of the calendar
/// lies within 2^24 days of it.
const DAY_BIAS: i32 = -1_930_999;
/// Most records of one subject the sweep packs (positions are 23 bits).
pub const MAX_RECORDS_PER_SUBJECT: usize = (1 << 23) - 1;

/// A sweep event packed for sorting: the day in the top 24 bits, the points
/// it adds (biased) in the next 16, the record's position in 23 and whether
/// it is the record's end in the last. Sorting by the whole orders by day;
/// the order within a day does not matter, since a day's events are applied
/// together.
fn pack(day: i32, delta: i64, position: usize, end: bool) -> u64 {
    debug_assert!(day >= DAY_BIAS && i64::from(day - DAY_BIAS) < (1 << 24));
    debug_assert!(delta.abs() <= crate::rulebook::MAX_POINTS_ABS && position <= MAX_RECORDS_PER_SUBJECT);
    (((day - DAY_BIAS) as u64) << 40) | (((delta + 32_768) as u64) << 24) | ((position as u64) << 1) | u64::from(end)
}

fn unpack_day(event: u64) -> i32 {
    (event >> 40) as i32 + DAY_BIAS
}

fn unpack_delta(event: u64) -> i64 {
    ((event >> 24) & 0xffff) as i64 - 32_768
}

fn unpack_position(event: u64) -> usize {
    ((event >> 1) & 0x7f_ffff) as usize
}

impl<'r> Scorer<'r> {
    pub fn new(rulebook: &'r Rulebook, codes: &[String], as_of: Date) -> Scorer<'r> {
        let as_of_day = as_of.to_julian_day();
        let mut tables = YearTables { first_day: as_of_day - TABLE_DAYS as i32 + 1, by_years: Vec::new() };
        let rules: Vec<Rule> = codes
            .iter()
            .map(|code| match rulebook.behaviour(code) {
                Some(behaviour) => Rule {
                    points: behaviour.points,
                    forced: behaviour.forced_tier.map_or(NOT_FORCED, |tier| tier.0),
                    known: true,
                    counts_from: counts_from(as_of, behaviour.years),
                    table: tables.index_of(behaviour.years),
                },
                None => Rule { points: 0, forced: NOT_FORCED, known: false, counts_from: i32::MAX, table: 0 },
            })
            .collect();
        let tiers = &rulebook.tiers;
        let lock_tables = (0..tiers.len())
            .map(|rank| {
                let years = tiers.lock_years(Tier(rank as u8));
                (years > 0).then(|| tables.index_of(years))
            })
            .collect();
        let best_locking = (0..tiers.len()).rev().map(|rank| Tier(rank as u8)).find(|&tier| tiers.lock_years(tier) > 0);
        let sweep_below = match best_locking.and_then(|tier| tiers.above(tier)) {
            Some(above) => tiers.spec(above).min_points.expect("a tier above another has a threshold"),
            // The best tier locks: every subject is swept.
            None if best_locking.is_some() => i64::MAX,
            None => i64::MIN,
        };
        let thresholds = tiers.iter_best_first().map(|(tier, spec)| (spec.min_points.unwrap_or(i64::MIN), tier.0)).collect();
        let pass_rules = rules
            .iter()
            .map(|rule| {
                assert!(rule.points.abs() <= crate::rulebook::MAX_POINTS_ABS);
                PassRule {
                    points: if rule.known { rule.points as i32 } else { 0 },
                    counts_from: if rule.known { rule.counts_from } else { i32::MAX },
                    forced: u32::from(rule.known && rule.forced != NOT_FORCED),
                }
            })
            .collect();
        Scorer { rulebook, rules, pass_rules, lock_tables, tables, as_of, as_of_day, sweep_below, thresholds }
    }

    /// [`crate::tier::TierTable::for_points`] over a flat table.
    fn points_tier(&self, score: i64) -> Tier {
        let (_, rank) = self.thresholds.iter().find(|(min_points, _)| score >= *min_points).expect("the worst tier takes every score");
        Tier(*rank)
    }

    pub fn as_of(&self) -> Date {
        self.as_of
    }

    /// The points a record of this behaviour index counts on the as-of date.
    pub fn points_on_as_of(&self, behaviour: u16, occurred_day: i32) -> i64 {
        let rule = self.rules[usize::from(behaviour)];
        if rule.known && rule.counts_from <= occurred_day && occurred_day <= self.as_of_day { rule.points } else { 0 }
    }

    /// One subject's summary. `scratch` is reused between calls.
    pub fn summarise(&self, behaviours: &[u16], days: &[i32], scratch: &mut Vec<u64>) -> BatchSummary {
        debug_assert_eq!(behaviours.len(), days.len());
        debug_assert!(days.is_sorted(), "a population keeps each subject's records by day");
        let base = self.rulebook.base_score;
        let mut score = base;
        // The score on a day is at least the sum of every record started by
        // then, less the additions that have already expired: the lowest such
        // sum, taken in day order, bounds the lowest score the subject had.
        // Written without branches on the data (selects, not jumps): whether
        // a record still counts follows its age, which no predictor guesses.
        // The minimum is taken after every record, which equals taking it
        // after the deductions only: an addition never makes a new minimum.
        let (mut started, mut lowest_started, mut expired_additions) = (base, base, 0);
        let mut forced = 0;
        for (&behaviour, &day) in behaviours.iter().zip(days) {
            if day > self.as_of_day {
                // Records are by day: the rest happen after the as-of date too.
                break;
            }
            let rule = self.pass_rules[usize::from(behaviour)];
            let points = i64::from(rule.points);
            started += points;
            lowest_started = lowest_started.min(started);
            let counts = day >= rule.counts_from;
            score += if counts { points } else { 0 };
            expired_additions += if counts { 0 } else { points.max(0) };
            forced |= rule.forced;
        }
        let forced = forced != 0;
        let lowest = lowest_started - expired_additions;
        if !forced && lowest >= self.sweep_below {
            let tier = self.points_tier(score);
            return BatchSummary { score, tier, points_tier: tier, lock: None };
        }
        let swept = self.sweep(behaviours, days, forced, scratch);
        debug_assert_eq!(swept.score, score);
        swept
    }

    /// The time sweep of `assess`, over this subject's columns.
    fn sweep(&self, behaviours: &[u16], days: &[i32], forced: bool, events: &mut Vec<u64>) -> BatchSummary {
        assert!(behaviours.len() <= MAX_RECORDS_PER_SUBJECT);
        let tiers = &self.rulebook.tiers;
        events.clear();
        for (position, (&behaviour, &day)) in behaviours.iter().zip(days).enumerate() {
            let rule = self.rules[usize::from(behaviour)];
            if !rule.known || day > self.as_of_day {
                continue;
            }
            events.push(pack(day, rule.points, position, false));
            if day < rule.counts_from {
                let end = self.tables.add_years(rule.table, day);
                debug_assert!(end <= self.as_of_day);
                events.push(pack(end, -rule.points, position, true));
            }
        }
        events.sort_unstable();

        // Without a forced tier, a score that never ends a day below the
        // first tier above every locking one leaves nothing to sweep: no lock
        // starts, and every fall and rise lands on the points tier.
        if !forced {
            let (mut score, mut lowest) = (self.rulebook.base_score, self.rulebook.base_score);
            for (index, &event) in events.iter().enumerate() {
                score += unpack_delta(event);
                // A day's events apply together: the score counts once the day's last one is in.
                if events.get(index + 1).is_none_or(|next| next >> 40 != event >> 40) {
                    lowest = lowest.min(score);
                }
            }
            if lowest >= self.sweep_below {
                let tier = self.points_tier(score);
                return BatchSummary { score, tier, points_tier: tier, lock: None };
            }
        }

        // (tier, since, until) in Julian days.
        let lock_from = |entered: Tier, day: i32| -> Option<(Tier, i32, i32)> {
            self.lock_tables[usize::from(entered.0)].map(|table| (entered, day, self.tables.add_years(table, day)))
        };
        let mut score = self.rulebook.base_score;
        let mut tier = self.points_tier(score);
        let mut lock: Option<(Tier, i32, i32)> = None;
        let mut next = 0;
        loop {
            let next_event = events.get(next).map(|event| unpack_day(*event));
            let next_lock_end = lock.map(|(_, _, until)| until);
            let day = match (next_event, next_lock_end) {
                (Some(a), Some(b)) => a.min(b),
                (a, b) => match a.or(b) {
                    Some(day) => day,
                    None => break,
                },
            };
            if day > self.as_of_day {
                break;
            }
            let mut forcing: Option<Tier> = None;
            while let Some(&event) = events.get(next).filter(|event| unpack_day(**event) == day) {
                score += unpack_delta(event);
                if event & 1 == 0 {
                    let rule = self.rules[usize::from(behaviours[unpack_position(event)])];
                    if rule.forced != NOT_FORCED {
                        let forced = Tier(rule.forced);
                        forcing = Some(forcing.map_or(forced, |worst| worst.min(forced)));
                    }
                }
                next += 1;
            }
            if lock.is_some_and(|(_, _, until)| until <= day) {
                lock = None;
            }
            let points_tier = self.points_tier(score);
            let target = forcing.map_or(points_tier, |forced| forced.min(points_tier));
            if target < tier {
                lock = lock_from(target, day);
                tier = target;
            } else if target == tier && forcing == Some(target) {
                if let Some(fresh) = lock_from(target, day) {
                    let until = lock.map_or(fresh.2, |held| held.2.max(fresh.2));
                    lock = Some((fresh.0, fresh.1, until));
                }
            } else if target > tier && lock.is_none() {
                let above = tiers.above(tier).expect("a better target exists, so a tier above exists");
                let risen = match self.rulebook.recovery {
                    Recovery::StepWise if tiers.lock_years(above) > 0 => above,
                    _ => target,
                };
                lock = lock_from(risen, day);
                tier = risen;
            }
        }
        let date_of = |day: i32| Date::from_julian_day(day).unwrap_or(Date::MAX);
        BatchSummary {
            score,
            tier,
            points_tier: self.points_tier(score),
            lock: lock.map(|(tier, since, until)| LockState { tier, since: date_of(since), until: date_of(until) }),
        }
    }
}

/// The first occurrence day whose record, counting `years`, still counts on
/// `as_of`: the counting test becomes one comparison per record.
fn counts_from(as_of: Date, years: u32) -> i32 {
    let ends_after = |day: i32| Date::from_julian_day(day).is_ok_and(|start| add_years(start, years) > as_of);
    let minimum = Date::MIN.to_julian_day();
    let mut day = subtract_years(as_of, years).to_julian_day();
    // add_years is monotone, so the days that still count form a suffix; the
    // year arithmetic lands within a day or two of its start.
    for _ in 0..4 {
        if day > minimum && ends_after(day - 1) {
            day -= 1;
        }
    }
    while !ends_after(day) {
        day += 1;
        assert!(day <= as_of.to_julian_day() + 1, "a record that occurs on the as-of date counts on it");
    }
    day
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::date::parse_date;

    #[test]
    fn counts_from_is_the_first_day_that_still_counts() {
        for (as_of, years) in [("2024-03-01", 5), ("2025-02-28", 1), ("2024-02-29", 4), ("2026-12-06", 0), ("2026-12-06", 3)] {
            let as_of = parse_date(as_of).unwrap();
            let from = counts_from(as_of, years);
            let date = Date::from_julian_day(from).unwrap();
            assert!(add_years(date, years) > as_of, "{as_of} {years}");
            assert!(add_years(date.previous_day().unwrap(), years) <= as_of, "{as_of} {years}");
        }
    }

    #[test]
    fn every_day_of_the_calendar_packs() {
        assert!(Date::MIN.to_julian_day() >= DAY_BIAS);
        assert!(i64::from(Date::MAX.to_julian_day() - DAY_BIAS) < 1 << 24);
        for (day, delta, position, end) in
            [(Date::MIN.to_julian_day(), -1000, 0, true), (Date::MAX.to_julian_day(), 1000, MAX_RECORDS_PER_SUBJECT, false)]
        {
            let event = pack(day, delta, position, end);
            assert_eq!((unpack_day(event), unpack_delta(event), unpack_position(event), event & 1 == 1), (day, delta, position, end));
        }
        assert!(pack(10, 1000, 5, true) < pack(11, -1000, 0, false), "events sort by day first");
    }

    #[test]
    fn a_summary_and_a_subjects_columns_fit_the_hot_budget() {
        // The hot state per subject: its summary and its offset.
        assert!(size_of::<BatchSummary>() + size_of::<u32>() <= 64);
        assert_eq!(size_of::<u16>() + size_of::<i32>(), 6, "bytes per record");
    }
}
