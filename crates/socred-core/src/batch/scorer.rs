//! A rulebook compiled against a population's behaviour codes for one
//! as-of date, and the first pass over a subject's columns that answers for
//! most subjects without a sweep.

use super::BatchSummary;
use crate::date::{Date, add_years, subtract_years};
use crate::rulebook::{Recovery, Rulebook};
use crate::tier::Tier;

pub(super) const NOT_FORCED: u8 = u8::MAX;

/// Days before the as-of date for which `add_years` is looked up, not computed.
const TABLE_DAYS: usize = 40 * 366;

/// A behaviour as the scorer applies it.
#[derive(Debug, Clone, Copy)]
pub(super) struct Rule {
    pub(super) points: i64,
    pub(super) forced: u8,
    pub(super) known: bool,
    /// The first occurrence day from which a record still counts on the as-of date.
    pub(super) counts_from: i32,
    /// Index of the `add_years` table of `years`.
    pub(super) table: u8,
}

/// `add_years(day, years)` for every day of the [`TABLE_DAYS`] up to the
/// as-of date, per number of years: a sweep meets these days, and the
/// calendar arithmetic costs more than the rest of the sweep.
#[derive(Debug, Clone)]
pub(super) struct YearTables {
    pub(super) first_day: i32,
    /// The years of each table, by index.
    pub(super) years: Vec<u32>,
    /// Table `t` is `ends[t * TABLE_DAYS..(t + 1) * TABLE_DAYS]`: one flat
    /// column, so a lookup is one bounds check and one load.
    pub(super) ends: Vec<i32>,
}

impl YearTables {
    fn index_of(&mut self, years: u32) -> u8 {
        if let Some(index) = self.years.iter().position(|held| *held == years) {
            return index as u8;
        }
        assert!(self.years.len() < usize::from(u8::MAX), "a rulebook has few distinct periods");
        self.ends
            .extend((0..TABLE_DAYS as i32).map(|offset| {
                Date::from_julian_day(self.first_day + offset).map_or(i32::MAX, |day| add_years(day, years).to_julian_day())
            }));
        self.years.push(years);
        (self.years.len() - 1) as u8
    }

    #[inline]
    pub(super) fn add_years(&self, table: u8, day: i32) -> i32 {
        let offset = day.wrapping_sub(self.first_day) as u32 as usize;
        if offset < TABLE_DAYS
            && let Some(end) = self.ends.get(usize::from(table) * TABLE_DAYS + offset)
        {
            return *end;
        }
        // No table at all only for a rulebook without behaviours or locks, whose ends nothing keeps.
        self.years.get(usize::from(table)).map_or(i32::MAX, |years| add_years_computed(day, *years))
    }
}

#[cold]
fn add_years_computed(day: i32, years: u32) -> i32 {
    Date::from_julian_day(day).map_or(i32::MAX, |date| add_years(date, years).to_julian_day())
}

/// A behaviour as the first pass and the sweep without a forced tier read
/// it: 8 bytes, one load, and an unknown behaviour adds nothing to any sum (points 0,
/// never counting, not forcing), so neither needs a branch on it.
#[derive(Debug, Clone, Copy)]
pub(super) struct PassRule {
    /// At most [`crate::rulebook::MAX_POINTS_ABS`] either way.
    pub(super) points: i16,
    pub(super) counts_from: i32,
    pub(super) forced: u8,
    pub(super) table: u8,
}

const _: () = assert!(crate::rulebook::MAX_POINTS_ABS <= i16::MAX as i64, "a behaviour's points fit a PassRule");
const _: () = assert!(size_of::<PassRule>() == 8);

/// A rulebook compiled against a population's codes, for one as-of date.
#[derive(Debug, Clone)]
pub struct Scorer<'r> {
    pub(super) rulebook: &'r Rulebook,
    pub(super) rules: Vec<Rule>,
    pub(super) pass_rules: Vec<PassRule>,
    /// By tier rank: the `add_years` table of its lock, when it locks.
    pub(super) lock_tables: Vec<Option<u8>>,
    pub(super) tables: YearTables,
    pub(super) as_of: Date,
    pub(super) as_of_day: i32,
    /// No sweep is needed while the lowest score possible stays at or above this.
    pub(super) sweep_below: i64,
    /// By rank: the lowest score of the tier (`i64::MIN` for the worst) and
    /// the lowest of the tier above (`i64::MAX` for the best).
    pub(super) tier_floor: Vec<i64>,
    pub(super) tier_ceiling: Vec<i64>,
    /// By rank: an unlocked subject below its points tier rises one tier, to a tier that locks.
    pub(super) rises_one_tier: Vec<bool>,
}

impl<'r> Scorer<'r> {
    pub fn new(rulebook: &'r Rulebook, codes: &[String], as_of: Date) -> Scorer<'r> {
        let as_of_day = as_of.to_julian_day();
        let mut tables = YearTables { first_day: as_of_day - TABLE_DAYS as i32 + 1, years: Vec::new(), ends: Vec::new() };
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
        let pass_rules = rules
            .iter()
            .map(|rule| {
                PassRule {
                    // A rulebook's points fit (checked at compile time above); the sweep's packing needs no more.
                    points: if rule.known { i16::try_from(rule.points).expect("points within MAX_POINTS_ABS") } else { 0 },
                    counts_from: if rule.known { rule.counts_from } else { i32::MAX },
                    forced: u8::from(rule.known && rule.forced != NOT_FORCED),
                    table: rule.table,
                }
            })
            .collect();
        let ranks = || (0..tiers.len()).map(|rank| Tier(rank as u8));
        let tier_floor = ranks().map(|tier| tiers.spec(tier).min_points.unwrap_or(i64::MIN)).collect();
        let tier_ceiling = ranks()
            .map(|tier| {
                tiers.above(tier).map_or(i64::MAX, |above| tiers.spec(above).min_points.expect("a tier above another has a threshold"))
            })
            .collect();
        let rises_one_tier = ranks()
            .map(|tier| rulebook.recovery == Recovery::StepWise && tiers.above(tier).is_some_and(|above| tiers.lock_years(above) > 0))
            .collect();
        Scorer { rulebook, rules, pass_rules, lock_tables, tables, as_of, as_of_day, sweep_below, tier_floor, tier_ceiling, rises_one_tier }
    }

    /// [`crate::tier::TierTable::for_points`] over a flat table: the floors
    /// rise with the rank, so the rank is how many of them the score reaches
    /// (counted without a branch).
    pub(super) fn points_tier(&self, score: i64) -> Tier {
        let rank = self.tier_floor[1..].iter().map(|floor| u8::from(score >= *floor)).sum();
        debug_assert_eq!(Tier(rank), self.rulebook.tiers.for_points(score));
        Tier(rank)
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
        assert_eq!(behaviours.len(), days.len(), "a subject's columns are of one length");
        debug_assert!(days.is_sorted(), "a population keeps each subject's records by day");
        // Records are by day: those after the as-of date are left out at
        // once (and usually there are none, which the last one tells).
        let started = match days.last() {
            Some(&last) if last > self.as_of_day => days.partition_point(|&day| day <= self.as_of_day),
            _ => days.len(),
        };
        let (behaviours, days) = (&behaviours[..started], &days[..started]);
        let base = self.rulebook.base_score;
        let mut score = base;
        // The score on a day is at least the sum of every record started by
        // then, less the additions that have already expired: the lowest such
        // sum, taken in day order, bounds the lowest score the subject had.
        // Written without branches on the data (selects, not jumps): whether
        // a record still counts follows its age, which no predictor guesses.
        // The minimum is taken after every record, which equals taking it
        // after the deductions only: an addition never makes a new minimum.
        let (mut started_sum, mut lowest_started, mut expired_additions) = (base, base, 0);
        let mut forced = 0;
        for (&behaviour, &day) in behaviours.iter().zip(days) {
            let rule = self.pass_rules[usize::from(behaviour)];
            let points = i64::from(rule.points);
            started_sum += points;
            lowest_started = lowest_started.min(started_sum);
            let counts = day >= rule.counts_from;
            score += if counts { points } else { 0 };
            expired_additions += if counts { 0 } else { points.max(0) };
            forced |= rule.forced;
        }
        let lowest = lowest_started - expired_additions;
        if forced == 0 && lowest >= self.sweep_below {
            let tier = self.points_tier(score);
            return BatchSummary { score, tier, points_tier: tier, lock: None };
        }
        let swept = if forced == 0 { self.sweep(behaviours, days, scratch) } else { self.sweep_forced(behaviours, days, scratch) };
        debug_assert_eq!(swept.score, score);
        swept
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
    // At the calendar's end `add_years` stays on its last day, so on that
    // day nothing counts any more: the first day after it is the answer.
    let after_as_of = as_of.to_julian_day() + 1;
    while day < after_as_of && !ends_after(day) {
        day += 1;
    }
    day
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::date::parse_date;

    #[test]
    fn counts_from_is_the_first_day_that_still_counts() {
        // The parser's range ends in 2999; the calendar's in 9999.
        let late = Date::from_calendar_date(9999, time::Month::June, 30).unwrap();
        for (as_of, years) in [
            (parse_date("2024-03-01").unwrap(), 5),
            (parse_date("2025-02-28").unwrap(), 1),
            (parse_date("2024-02-29").unwrap(), 4),
            (parse_date("2026-12-06").unwrap(), 0),
            (parse_date("2026-12-06").unwrap(), 3),
            (late, 1),
        ] {
            let from = counts_from(as_of, years);
            let date = Date::from_julian_day(from).unwrap();
            assert!(add_years(date, years) > as_of, "{as_of} {years}");
            assert!(add_years(date.previous_day().unwrap(), years) <= as_of, "{as_of} {years}");
        }
        // On the calendar's last day no record counts: every end stays on that day.
        for years in [1, 5] {
            assert_eq!(counts_from(Date::MAX, years), Date::MAX.to_julian_day() + 1);
        }
    }
}
