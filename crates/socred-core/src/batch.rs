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
        for (behaviour, occurred_on) in records {
            assert!(usize::from(behaviour) < self.codes.len(), "a behaviour index from Population::code");
            self.behaviour.push(behaviour);
            self.occurred.push(occurred_on.to_julian_day());
        }
        if self.behaviour.len() > MAX_RECORDS {
            self.behaviour.truncate(before);
            self.occurred.truncate(before);
            return Err(PopulationFull::Records);
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

/// A behaviour as the scorer applies it.
#[derive(Debug, Clone, Copy)]
struct Rule {
    points: i64,
    years: u32,
    forced: u8,
    known: bool,
    /// The first occurrence day from which a record still counts on the as-of date.
    counts_from: i32,
}

/// One point change in a subject's sweep.
#[derive(Debug, Clone, Copy)]
pub struct SweepEvent {
    day: i32,
    delta: i64,
    forced: u8,
}

/// A rulebook compiled against a population's codes, for one as-of date.
#[derive(Debug, Clone)]
pub struct Scorer<'r> {
    rulebook: &'r Rulebook,
    rules: Vec<Rule>,
    as_of: Date,
    as_of_day: i32,
    /// No sweep is needed while the lowest score possible stays at or above this.
    sweep_below: i64,
}

impl<'r> Scorer<'r> {
    pub fn new(rulebook: &'r Rulebook, codes: &[String], as_of: Date) -> Scorer<'r> {
        let as_of_day = as_of.to_julian_day();
        let rules = codes
            .iter()
            .map(|code| match rulebook.behaviour(code) {
                Some(behaviour) => Rule {
                    points: behaviour.points,
                    years: behaviour.years,
                    forced: behaviour.forced_tier.map_or(NOT_FORCED, |tier| tier.0),
                    known: true,
                    counts_from: counts_from(as_of, behaviour.years),
                },
                None => Rule { points: 0, years: 0, forced: NOT_FORCED, known: false, counts_from: i32::MAX },
            })
            .collect();
        let tiers = &rulebook.tiers;
        let best_locking = (0..tiers.len()).rev().map(|rank| Tier(rank as u8)).find(|&tier| tiers.lock_years(tier) > 0);
        let sweep_below = match best_locking.and_then(|tier| tiers.above(tier)) {
            Some(above) => tiers.spec(above).min_points.expect("a tier above another has a threshold"),
            // The best tier locks: every subject is swept.
            None if best_locking.is_some() => i64::MAX,
            None => i64::MIN,
        };
        Scorer { rulebook, rules, as_of, as_of_day, sweep_below }
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
    pub fn summarise(&self, behaviours: &[u16], days: &[i32], scratch: &mut Vec<SweepEvent>) -> BatchSummary {
        debug_assert_eq!(behaviours.len(), days.len());
        let base = self.rulebook.base_score;
        let mut score = base;
        let mut lowest = base;
        let mut forced = false;
        for (&behaviour, &day) in behaviours.iter().zip(days) {
            let rule = self.rules[usize::from(behaviour)];
            if rule.known && day <= self.as_of_day {
                lowest += rule.points.min(0);
                if day >= rule.counts_from {
                    score += rule.points;
                }
                forced |= rule.forced != NOT_FORCED;
            }
        }
        if !forced && lowest >= self.sweep_below {
            let tier = self.rulebook.tiers.for_points(score);
            return BatchSummary { score, tier, points_tier: tier, lock: None };
        }
        let swept = self.sweep(behaviours, days, scratch);
        debug_assert_eq!(swept.score, score);
        swept
    }

    /// The time sweep of `assess`, over this subject's columns.
    fn sweep(&self, behaviours: &[u16], days: &[i32], events: &mut Vec<SweepEvent>) -> BatchSummary {
        let tiers = &self.rulebook.tiers;
        events.clear();
        for (&behaviour, &day) in behaviours.iter().zip(days) {
            let rule = self.rules[usize::from(behaviour)];
            if !rule.known || day > self.as_of_day {
                continue;
            }
            events.push(SweepEvent { day, delta: rule.points, forced: rule.forced });
            if day < rule.counts_from {
                let end = add_years(Date::from_julian_day(day).expect("a stored day"), rule.years).to_julian_day();
                debug_assert!(end <= self.as_of_day);
                events.push(SweepEvent { day: end, delta: -rule.points, forced: NOT_FORCED });
            }
        }
        events.sort_unstable_by_key(|event| event.day);

        let date_of = |day: i32| Date::from_julian_day(day).expect("a day within the calendar");
        let lock_from = |entered: Tier, day: i32| {
            let years = tiers.lock_years(entered);
            let since = date_of(day);
            (years > 0).then(|| LockState { tier: entered, since, until: add_years(since, years) })
        };
        let mut score = self.rulebook.base_score;
        let mut tier = tiers.for_points(score);
        let mut lock: Option<LockState> = None;
        let mut next = 0;
        loop {
            let next_event = events.get(next).map(|event| event.day);
            let next_lock_end = lock.map(|lock| lock.until.to_julian_day());
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
            while let Some(event) = events.get(next).filter(|event| event.day == day) {
                score += event.delta;
                if event.forced != NOT_FORCED {
                    let forced = Tier(event.forced);
                    forcing = Some(forcing.map_or(forced, |worst| worst.min(forced)));
                }
                next += 1;
            }
            if lock.is_some_and(|held| held.until.to_julian_day() <= day) {
                lock = None;
            }
            let points_tier = tiers.for_points(score);
            let target = forcing.map_or(points_tier, |forced| forced.min(points_tier));
            if target < tier {
                lock = lock_from(target, day);
                tier = target;
            } else if target == tier && forcing == Some(target) {
                if let Some(fresh) = lock_from(target, day) {
                    let until = lock.map_or(fresh.until, |held| held.until.max(fresh.until));
                    lock = Some(LockState { until, ..fresh });
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
        BatchSummary { score, tier, points_tier: tiers.for_points(score), lock }
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
    fn a_summary_and_a_subjects_columns_fit_the_hot_budget() {
        // The hot state per subject: its summary and its offset.
        assert!(size_of::<BatchSummary>() + size_of::<u32>() <= 64);
        assert_eq!(size_of::<u16>() + size_of::<i32>(), 6, "bytes per record");
    }
}
