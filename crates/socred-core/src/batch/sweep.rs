//! The time sweep of `assess` over a subject's columns, for the subjects
//! the first pass cannot answer: one that merges records and ends as it
//! reads them, and one, for a subject with a record that forces a tier,
//! that sorts every event.

use super::scorer::{NOT_FORCED, Scorer};
use super::{BatchSummary, MAX_RECORDS_PER_SUBJECT};
use crate::assess::LockState;
use crate::date::Date;
use crate::tier::Tier;

/// A lock: its tier, the day it began and the day it ends (Julian days).
type Lock = (Tier, i32, i32);

/// Where a subject stands between the days a sweep stops on.
#[derive(Debug, Clone, Copy)]
struct Standing {
    tier: Tier,
    lock: Option<Lock>,
    /// Unlocked, at or above the first tier above every locking one, and at
    /// its points tier: whatever the score does while it stays at or above
    /// `sweep_below`, the tier is the points tier and nothing locks, so the
    /// tier is read once at the end.
    free: bool,
}

/// Lowest Julian day a sweep event can fall on: every day of the calendar
/// lies within 2^24 days of it.
const DAY_BIAS: i32 = -1_930_999;

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

/// An event of the sweep without a forced tier: its day (top bits) and the
/// points it adds. Sorting by the whole orders by day; the order within a
/// day does not matter, since only a day's end is looked at.
fn pack_event(day: i32, delta: i64) -> u64 {
    debug_assert!(day >= DAY_BIAS && delta.abs() <= crate::rulebook::MAX_POINTS_ABS);
    // A record's end can lie past the calendar (i32::MAX): it is then never kept, so any bits do.
    (event_day(day) << 16) | ((delta + 32_768) as u64)
}

/// A day as the packed events hold it.
fn event_day(day: i32) -> u64 {
    (i64::from(day) - i64::from(DAY_BIAS)) as u64
}

/// Most ends of one subject sorted by insertion (a few, nearly in order);
/// more are sorted by `sort_unstable`.
const INSERTION_SORT_ENDS: usize = 32;

/// After every event: sorts last, and its day after every day.
const NO_EVENT: u64 = u64::MAX;
const NO_EVENT_DAY: u64 = NO_EVENT >> 16;

/// The Julian day of a packed day ([`event_day`]'s inverse).
fn day_of(event_day: u64) -> i32 {
    event_day as i32 + DAY_BIAS
}

fn unpack_event_delta(event: u64) -> i64 {
    (event & 0xffff) as i64 - 32_768
}

impl Scorer<'_> {
    /// `lock_from` of `assess`: the lock a subject takes on entering `entered` on `day`.
    fn lock_from(&self, entered: Tier, day: i32) -> Option<Lock> {
        self.lock_tables[usize::from(entered.0)].map(|table| (entered, day, self.tables.add_years(table, day)))
    }

    /// The scores between which a day leaves `standing` as it is: the sweep
    /// stops on a day that ends outside them, and on no other record's day.
    fn bounds(&self, standing: &Standing) -> (i64, i64) {
        let rank = usize::from(standing.tier.0);
        match (standing.free, standing.lock) {
            (true, _) => (self.sweep_below, i64::MAX),
            // A locked subject only falls: no rise before the lock ends.
            (false, Some(_)) => (self.tier_floor[rank], i64::MAX),
            (false, None) => (self.tier_floor[rank], self.tier_ceiling[rank]),
        }
    }

    /// The packed day a sweep stops on for the lock to end: after every
    /// event when it ends after the as-of date, or there is none.
    fn lock_end_day(&self, standing: &Standing) -> u64 {
        match standing.lock {
            Some((_, _, until)) if until <= self.as_of_day => event_day(until),
            _ => NO_EVENT_DAY + 1,
        }
    }

    /// The tier rules of `assess` for one day: `score` at its end, `forcing`
    /// the worst tier a record of the day forces, the lock already dropped if
    /// it ended by then. Gives the tier and the lock the day ends with.
    #[inline]
    fn apply_day(&self, tier: Tier, lock: Option<Lock>, day: i32, score: i64, forcing: Option<Tier>) -> (Tier, Option<Lock>) {
        let points_tier = self.points_tier(score);
        let target = forcing.map_or(points_tier, |forced| forced.min(points_tier));
        if target < tier {
            (target, self.lock_from(target, day))
        } else if target == tier && forcing == Some(target) {
            // A new forcing record while already in that tier starts its lock afresh.
            match self.lock_from(target, day) {
                Some((locked, since, until)) => (tier, Some((locked, since, lock.map_or(until, |held| held.2.max(until))))),
                None => (tier, lock),
            }
        } else if target > tier && lock.is_none() {
            let risen = if self.rises_one_tier[usize::from(tier.0)] { Tier(tier.0 + 1) } else { target };
            (risen, self.lock_from(risen, day))
        } else {
            (tier, lock)
        }
    }

    /// The tier rules for a day without a forced tier, ending on `score`, the
    /// lock already dropped if it ended by then.
    fn step(&self, standing: &mut Standing, day: i32, score: i64) {
        if standing.free && score >= self.sweep_below {
            return;
        }
        // A free subject's stored tier may be stale, but it and the points
        // tier both lie at or above `sweep_below`: a score below it falls
        // from either to the same tier and lock.
        (standing.tier, standing.lock) = self.apply_day(standing.tier, standing.lock, day, score, None);
        // Unlocked after a day without a forced tier, a subject is at its points tier.
        debug_assert!(standing.lock.is_some() || standing.tier == self.points_tier(score));
        standing.free = standing.lock.is_none() && self.tier_floor[usize::from(standing.tier.0)] >= self.sweep_below;
    }

    /// The time sweep of `assess` for a subject no record of which forces a
    /// tier. Its records (already in day order) and the ends of those that
    /// stopped counting by the as-of date (a few runs in order, one per
    /// period, sorted by insertion when few) are packed into `scratch` and
    /// merged as they are read, by selects: which comes next follows the
    /// dates, which no predictor guesses. (Packed, the records cost one load
    /// an event; read from their columns they cost three, and the merge is a
    /// chain of loads.) A day is taken through the tier rules only when it
    /// ends outside [`Scorer::bounds`] or when a lock ends before the next;
    /// every other event is an addition and a few comparisons.
    pub(super) fn sweep(&self, behaviours: &[u16], days: &[i32], scratch: &mut Vec<u64>) -> BatchSummary {
        assert!(behaviours.len() <= MAX_RECORDS_PER_SUBJECT);
        let records = days.len();
        if scratch.len() < 2 * records + 2 {
            scratch.resize(2 * records + 2, 0);
        }
        let (starts, ends) = scratch.split_at_mut(records + 1);
        let mut end_count = 0;
        for (index, (&behaviour, &day)) in behaviours.iter().zip(days).enumerate() {
            let rule = self.pass_rules[usize::from(behaviour)];
            starts[index] = pack_event(day, i64::from(rule.points));
            // Written always, kept only when the record stopped counting.
            let ended = day < rule.counts_from && rule.points != 0;
            let end = self.tables.add_years(rule.table, day);
            debug_assert!(!ended || end <= self.as_of_day);
            ends[end_count] = pack_event(end, -i64::from(rule.points));
            end_count += usize::from(ended);
        }
        starts[records] = NO_EVENT;
        ends[end_count] = NO_EVENT;
        if end_count <= INSERTION_SORT_ENDS {
            for index in 1..end_count {
                let mut at = index;
                let held = ends[at];
                while at > 0 && ends[at - 1] > held {
                    ends[at] = ends[at - 1];
                    at -= 1;
                }
                ends[at] = held;
            }
        } else {
            // Runs of different periods can interleave in any order: no quadratic worst case.
            ends[..end_count].sort_unstable();
        }

        let mut score = self.rulebook.base_score;
        let initial = self.points_tier(score);
        let mut standing = Standing { tier: initial, lock: None, free: self.tier_floor[usize::from(initial.0)] >= self.sweep_below };
        let (mut floor, mut ceiling) = self.bounds(&standing);
        let mut until = self.lock_end_day(&standing);
        let (mut next_start, mut next_end) = (0, 0);
        let (mut start, mut end) = (starts[0], ends[0]);
        for _ in 0..records + end_count {
            let take_start = start <= end;
            let event = if take_start { start } else { end };
            next_start += usize::from(take_start);
            next_end += usize::from(!take_start);
            start = starts[next_start];
            end = ends[next_end];
            score += unpack_event_delta(event);
            let day = event >> 16;
            let next_day = start.min(end) >> 16;
            // The day's last event, and the day ends where it moves or a lock ends before the next.
            if next_day != day && (score < floor || score >= ceiling || next_day >= until) {
                if score < floor || score >= ceiling {
                    // A lock that ends this very day is still held here: the
                    // day's fall replaces it, as it would once ended, and
                    // what else the day does is done once it is ended below.
                    self.step(&mut standing, day_of(day), score);
                }
                // Locks that end before the next day with an event, this day
                // included, end on their own day (one ending on that next day
                // ends at that day's end).
                while let Some((_, _, ends_on)) = standing.lock {
                    if ends_on > self.as_of_day || event_day(ends_on) >= next_day {
                        break;
                    }
                    standing.lock = None;
                    self.step(&mut standing, ends_on, score);
                }
                (floor, ceiling) = self.bounds(&standing);
                until = self.lock_end_day(&standing);
            }
        }
        let tier = if standing.free { self.points_tier(score) } else { standing.tier };
        self.summary(score, tier, standing.lock)
    }

    /// The time sweep of `assess` for a subject a record of which forces a
    /// tier (few do): every event packed and sorted, every day through the
    /// tier rules.
    pub(super) fn sweep_forced(&self, behaviours: &[u16], days: &[i32], events: &mut Vec<u64>) -> BatchSummary {
        assert!(behaviours.len() <= MAX_RECORDS_PER_SUBJECT);
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

        let mut score = self.rulebook.base_score;
        let mut tier = self.points_tier(score);
        let mut lock: Option<Lock> = None;
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
            (tier, lock) = self.apply_day(tier, lock, day, score, forcing);
        }
        self.summary(score, tier, lock)
    }

    /// What a sweep ends with, as the assessment says it.
    fn summary(&self, score: i64, tier: Tier, lock: Option<Lock>) -> BatchSummary {
        let date_of = |day: i32| Date::from_julian_day(day).unwrap_or(Date::MAX);
        BatchSummary {
            score,
            tier,
            points_tier: self.points_tier(score),
            lock: lock.map(|(tier, since, until)| LockState { tier, since: date_of(since), until: date_of(until) }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
}
