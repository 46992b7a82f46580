//! Assessment: a pure function of (file, rulebook, as-of date).
//!
//! The score is the base plus every record that counts on the as-of date. The
//! tier comes from a sweep over time: a subject falls at once to a worse tier,
//! entering a locked tier fixes them there for its lock period, and when a lock
//! ends they recover step-wise (or at once, per rulebook). Points keep
//! accumulating while locked.
//!
//! Besides the answer, an assessment says for how long it holds: it is constant
//! on `[valid_from, valid_until)`, which lets a store cache it and answer reads
//! in O(1) while staying correct as time passes.

use std::collections::HashSet;

use serde::Serialize;

use crate::date::{Date, add_years, end_of_year, serde_date, start_of_year};
use crate::id::SubjectId;
use crate::record::{Record, RecordId, SubjectFile};
use crate::rulebook::{Category, Recovery, Rulebook};
use crate::tier::Tier;

/// A lock: the subject cannot rise above `tier` before `until`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LockState {
    pub tier: Tier,
    pub since: Date,
    pub until: Date,
}

/// What moved a subject between tiers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum TierCause {
    /// The score crossed a threshold.
    Points,
    /// A record forces a tier whatever the points (an intentional crime).
    Forced { record_id: RecordId, behaviour: String },
    /// A lock ended and the subject rose one step into a tier that locks in turn.
    StepRecovery,
    /// A lock ended and the subject rose to their points tier.
    LockEnded,
}

/// One move between tiers, in the order they happened.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TierChange {
    #[serde(with = "serde_date")]
    pub on: Date,
    pub from: String,
    pub to: String,
    pub score: i64,
    pub cause: TierCause,
    /// When the tier entered here locks, the end of that lock.
    #[serde(with = "serde_date::option")]
    pub locked_until: Option<Date>,
}

/// An active lock, as shown to people.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Lock {
    pub tier: String,
    #[serde(with = "serde_date")]
    pub since: Date,
    #[serde(with = "serde_date")]
    pub until: Date,
}

/// One record that counts towards the score on the as-of date.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Contribution {
    pub record_id: RecordId,
    pub behaviour: String,
    pub title: String,
    pub category: Category,
    pub points: i64,
    #[serde(with = "serde_date")]
    pub occurred_on: Date,
    /// The first day on which the record no longer counts.
    #[serde(with = "serde_date")]
    pub counts_until: Date,
    pub legal_basis: String,
}

/// Where a record in the file stands on the as-of date.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "kebab-case")]
pub enum RecordStatus {
    /// Counts towards the score.
    Counts,
    /// Its period is over; it stays in the file but no longer counts.
    Expired,
    /// Dated after the as-of date.
    NotYetEffective,
    /// Cancelled by a void entry; counts nowhere, ever.
    Void,
    /// Its behaviour is not in this rulebook, so it counts nothing.
    NotInRulebook,
}

/// A record of the file with its standing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FileRecord {
    #[serde(flatten)]
    pub record: Record,
    pub title: Option<String>,
    pub points: i64,
    pub status: RecordStatus,
    #[serde(with = "serde_date::option")]
    pub counts_until: Option<Date>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub void_reason: Option<String>,
    /// A dispute of this record pending on the as-of date.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dispute: Option<crate::process::CaseId>,
}

/// The annual expectation for the as-of date's calendar year, so far.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AnnualStatus {
    pub year: i32,
    pub net_points: i64,
    pub expected_points: i64,
    pub met: bool,
    /// False while the year is still running on the as-of date.
    pub year_complete: bool,
}

/// Identifies the rulebook an assessment was made under.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RulebookRef {
    pub id: String,
    pub version: String,
    pub fingerprint: String,
}

/// A full, explained assessment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Assessment {
    pub subject: SubjectId,
    #[serde(with = "serde_date")]
    pub as_of: Date,
    pub rulebook: RulebookRef,
    pub score: i64,
    pub base_score: i64,
    pub tier: String,
    pub points_tier: String,
    pub locks: Vec<Lock>,
    pub annual_expectation: AnnualStatus,
    /// Every record that counts: base score + the sum of these points = score.
    pub explanation: Vec<Contribution>,
    pub tier_history: Vec<TierChange>,
    pub records: Vec<FileRecord>,
    #[serde(with = "serde_date")]
    pub valid_from: Date,
    /// The first date on which time alone changes this assessment.
    #[serde(with = "serde_date::option")]
    pub valid_until: Option<Date>,
}

/// The hot part of an assessment: what a decision needs, in a few bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Summary {
    pub score: i64,
    pub tier: Tier,
    pub points_tier: Tier,
    pub lock: Option<LockState>,
    pub valid_from: Date,
    pub valid_until: Option<Date>,
}

impl Summary {
    /// Whether this summary also answers for `as_of`.
    pub fn holds_on(&self, as_of: Date) -> bool {
        self.valid_from <= as_of && self.valid_until.is_none_or(|until| as_of < until)
    }
}

/// A record the rulebook knows, reduced to what the sweep needs.
struct Effective<'a> {
    record: &'a Record,
    points: i64,
    start: Date,
    end: Date,
    forced: Option<Tier>,
}

/// The time sweep's result on the as-of date.
struct Sweep<'a> {
    effective: Vec<Effective<'a>>,
    score: i64,
    tier: Tier,
    points_tier: Tier,
    lock: Option<LockState>,
    history: Vec<(Date, Tier, Tier, i64, TierCause, Option<Date>)>,
    last_change: Option<Date>,
    next_change: Option<Date>,
}

/// Records that take part: not void, known to the rulebook, one per id
/// (chosen by content so the choice does not depend on input order).
fn effective<'a>(rulebook: &Rulebook, file: &'a SubjectFile) -> Vec<Effective<'a>> {
    let voided: HashSet<&RecordId> = file.voids.iter().map(|void| &void.record_id).collect();
    let mut records: Vec<&Record> = file.records.iter().filter(|r| !voided.contains(&r.id)).collect();
    records.sort_by(|a, b| {
        (&a.id, a.occurred_on, &a.behaviour, &a.source, &a.evidence).cmp(&(&b.id, b.occurred_on, &b.behaviour, &b.source, &b.evidence))
    });
    records.dedup_by(|later, earlier| later.id == earlier.id);
    records
        .into_iter()
        .filter_map(|record| {
            let behaviour = rulebook.behaviour(&record.behaviour)?;
            Some(Effective {
                record,
                points: behaviour.points,
                start: record.occurred_on,
                end: add_years(record.occurred_on, behaviour.years),
                forced: behaviour.forced_tier,
            })
        })
        .collect()
}

/// Each record that takes part in an assessment (not void, known to the
/// rulebook, one per id) with the days it counts on: `[since, until)`.
pub fn counting<'a>(rulebook: &Rulebook, file: &'a SubjectFile) -> Vec<(&'a Record, Date, Date)> {
    effective(rulebook, file).into_iter().map(|effective| (effective.record, effective.start, effective.end)).collect()
}

fn sweep<'a>(rulebook: &Rulebook, file: &'a SubjectFile, as_of: Date) -> Sweep<'a> {
    let tiers = &rulebook.tiers;
    let effective = effective(rulebook, file);

    // (date, points delta, forcing record index). Starts and ends of every record.
    let mut events: Vec<(Date, i64, Option<usize>)> = Vec::with_capacity(effective.len() * 2);
    for (index, record) in effective.iter().enumerate() {
        events.push((record.start, record.points, record.forced.map(|_| index)));
        events.push((record.end, -record.points, None));
    }
    events.sort_unstable_by_key(|event| event.0);

    let mut score = rulebook.base_score;
    let mut tier = tiers.for_points(score);
    let mut lock: Option<LockState> = None;
    let mut history = Vec::new();
    let mut last_change = None;
    let mut next = 0;
    let next_change = loop {
        let next_event = events.get(next).map(|event| event.0);
        let next_lock_end = lock.map(|lock| lock.until);
        let date = match (next_event, next_lock_end) {
            (Some(a), Some(b)) => a.min(b),
            (a, b) => match a.or(b) {
                Some(date) => date,
                None => break None,
            },
        };
        if date > as_of {
            break Some(date);
        }
        let mut forcing: Option<(Tier, usize)> = None;
        while let Some(&(event_date, delta, forced_by)) = events.get(next) {
            if event_date != date {
                break;
            }
            score += delta;
            if let Some(index) = forced_by {
                let forced = effective[index].forced.expect("forcing events carry a tier");
                if forcing.is_none_or(|(worst, _)| forced < worst) {
                    forcing = Some((forced, index));
                }
            }
            next += 1;
        }
        last_change = Some(date);

        let lock_ended_now = lock.is_some_and(|lock| lock.until <= date);
        if lock_ended_now {
            lock = None;
        }
        let points_tier = tiers.for_points(score);
        let target = forcing.map_or(points_tier, |(forced, _)| forced.min(points_tier));
        let cause_for_fall = || match forcing {
            Some((forced, index)) if forced == target => {
                TierCause::Forced { record_id: effective[index].record.id.clone(), behaviour: effective[index].record.behaviour.clone() }
            }
            _ => TierCause::Points,
        };
        let lock_from = |entered: Tier| {
            let years = tiers.lock_years(entered);
            (years > 0).then(|| LockState { tier: entered, since: date, until: add_years(date, years) })
        };

        if target < tier {
            let new_lock = lock_from(target);
            history.push((date, tier, target, score, cause_for_fall(), new_lock.map(|l| l.until)));
            tier = target;
            lock = new_lock;
        } else if target == tier && forcing.is_some_and(|(forced, _)| forced == target) {
            // A new forcing record while already in that tier starts its lock afresh.
            if let Some(fresh) = lock_from(target) {
                let until = lock.map_or(fresh.until, |held| held.until.max(fresh.until));
                lock = Some(LockState { until, ..fresh });
                history.push((date, tier, target, score, cause_for_fall(), Some(until)));
            }
        } else if target > tier && lock.is_none() {
            let above = tiers.above(tier).expect("a better target exists, so a tier above exists");
            let (risen, cause) = match rulebook.recovery {
                Recovery::StepWise if tiers.lock_years(above) > 0 => (above, TierCause::StepRecovery),
                _ => (target, TierCause::LockEnded),
            };
            let cause = match cause {
                TierCause::LockEnded if !lock_ended_now => TierCause::Points,
                cause => cause,
            };
            let new_lock = lock_from(risen);
            history.push((date, tier, risen, score, cause, new_lock.map(|l| l.until)));
            tier = risen;
            lock = new_lock;
        }
    };
    assert!(lock.is_none_or(|lock| lock.until > as_of && lock.tier == tier));
    Sweep { points_tier: tiers.for_points(score), effective, score, tier, lock, history, last_change, next_change }
}

fn validity(as_of: Date, sweep: &Sweep<'_>) -> (Date, Option<Date>) {
    // The annual status is per calendar year and says whether the year is complete
    // (from 31 December on), so those two days also bound validity.
    let year_start = start_of_year(as_of.year());
    let last_day = end_of_year(as_of.year());
    let (period_start, period_end) = if as_of >= last_day { (last_day, start_of_year(as_of.year() + 1)) } else { (year_start, last_day) };
    let valid_from = sweep.last_change.map_or(period_start, |last| last.max(period_start));
    let valid_until = Some(sweep.next_change.map_or(period_end, |next| next.min(period_end)));
    (valid_from, valid_until)
}

/// A move between tiers, with ranks rather than names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RawTierChange {
    pub on: Date,
    pub from: Tier,
    pub to: Tier,
    pub score: i64,
}

/// Every tier change up to `as_of` (a lock restarting in the same tier is not a change).
pub fn tier_changes(rulebook: &Rulebook, file: &SubjectFile, as_of: Date) -> Vec<RawTierChange> {
    sweep(rulebook, file, as_of)
        .history
        .into_iter()
        .filter(|change| change.1 != change.2)
        .map(|(on, from, to, score, _, _)| RawTierChange { on, from, to, score })
        .collect()
}

/// The hot summary only: score, tiers, lock and validity. No allocation beyond the sweep.
pub fn summarise(rulebook: &Rulebook, file: &SubjectFile, as_of: Date) -> Summary {
    let sweep = sweep(rulebook, file, as_of);
    let (valid_from, valid_until) = validity(as_of, &sweep);
    Summary { score: sweep.score, tier: sweep.tier, points_tier: sweep.points_tier, lock: sweep.lock, valid_from, valid_until }
}

/// Disputes filed on or before `as_of` and not decided by then: (record, dispute).
fn pending_disputes(file: &SubjectFile, as_of: Date) -> Vec<(&RecordId, &crate::process::CaseId)> {
    use crate::process::Event;
    let mut pending = Vec::new();
    for stored in file.events.iter().filter(|e| e.on <= as_of) {
        match &stored.event {
            Event::DisputeFiled { dispute, record, .. } => pending.push((record, dispute)),
            Event::DisputeDecided { dispute, .. } => pending.retain(|(_, open)| *open != dispute),
            _ => {}
        }
    }
    pending
}

/// A point of a subject's score history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TimelinePoint {
    #[serde(with = "serde_date")]
    pub on: Date,
    pub score: i64,
    pub tier: String,
}

/// Longest history a timeline covers.
pub const MAX_TIMELINE_YEARS: i32 = 30;

/// The score and tier on `from` and on every date in `(from, until]` where
/// either changes: the data of a score chart.
pub fn timeline(rulebook: &Rulebook, file: &SubjectFile, from: Date, until: Date) -> Vec<TimelinePoint> {
    if from > until {
        return Vec::new();
    }
    let mut dates: Vec<Date> = vec![from];
    for record in effective(rulebook, file) {
        for date in [record.start, record.end] {
            if from < date && date <= until {
                dates.push(date);
            }
        }
    }
    for (on, ..) in sweep(rulebook, file, until).history {
        if from < on && on <= until {
            dates.push(on);
        }
    }
    dates.sort_unstable();
    dates.dedup();
    let mut points: Vec<TimelinePoint> = Vec::with_capacity(dates.len());
    for date in dates {
        let summary = summarise(rulebook, file, date);
        let tier = rulebook.tiers.name(summary.tier).to_string();
        if points.last().is_none_or(|last| last.score != summary.score || last.tier != tier) {
            points.push(TimelinePoint { on: date, score: summary.score, tier });
        }
    }
    points
}

/// Net points of the records that occurred in a calendar year (void ones excluded).
pub fn annual_net_points(rulebook: &Rulebook, file: &SubjectFile, year: i32) -> i64 {
    effective(rulebook, file).iter().filter(|r| r.start.year() == year).map(|r| r.points).sum()
}

/// The full assessment with its explanation.
pub fn assess(rulebook: &Rulebook, subject: SubjectId, file: &SubjectFile, as_of: Date) -> Assessment {
    let sweep = sweep(rulebook, file, as_of);
    let (valid_from, valid_until) = validity(as_of, &sweep);
    let tiers = &rulebook.tiers;

    let mut explanation: Vec<Contribution> = sweep
        .effective
        .iter()
        .filter(|r| r.start <= as_of && as_of < r.end)
        .map(|r| {
            let behaviour = rulebook.behaviour(&r.record.behaviour).expect("effective records are in the rulebook");
            Contribution {
                record_id: r.record.id.clone(),
                behaviour: behaviour.code.clone(),
                title: behaviour.title.clone(),
                category: behaviour.category,
                points: r.points,
                occurred_on: r.start,
                counts_until: r.end,
                legal_basis: behaviour.legal_basis.clone(),
            }
        })
        .collect();
    explanation.sort_by(|a, b| (a.occurred_on, &a.record_id).cmp(&(b.occurred_on, &b.record_id)));
    assert_eq!(
        rulebook.base_score + explanation.iter().map(|c| c.points).sum::<i64>(),
        sweep.score,
        "the explanation must add up to the score"
    );

    let year = as_of.year();
    let net_points = sweep.effective.iter().filter(|r| r.start.year() == year && r.start <= as_of).map(|r| r.points).sum();
    let annual_expectation = AnnualStatus {
        year,
        net_points,
        expected_points: rulebook.annual_min_net_points,
        met: net_points >= rulebook.annual_min_net_points,
        year_complete: as_of >= end_of_year(year),
    };

    let counted: HashSet<&RecordId> = sweep.effective.iter().map(|r| &r.record.id).collect();
    let pending_disputes = pending_disputes(file, as_of);
    let mut records: Vec<FileRecord> = file
        .records
        .iter()
        .map(|record| {
            let void = file.voids.iter().find(|void| void.record_id == record.id);
            let behaviour = rulebook.behaviour(&record.behaviour);
            let counts_until = behaviour.map(|b| add_years(record.occurred_on, b.years));
            let status = if void.is_some() {
                RecordStatus::Void
            } else if behaviour.is_none() {
                RecordStatus::NotInRulebook
            } else if record.occurred_on > as_of {
                RecordStatus::NotYetEffective
            } else if counts_until.is_some_and(|until| as_of >= until) {
                RecordStatus::Expired
            } else {
                debug_assert!(counted.contains(&record.id));
                RecordStatus::Counts
            };
            FileRecord {
                record: record.clone(),
                title: behaviour.map(|b| b.title.clone()),
                points: behaviour.map_or(0, |b| b.points),
                status,
                counts_until,
                void_reason: void.map(|void| void.reason.clone()),
                dispute: pending_disputes.iter().find(|(disputed, _)| *disputed == &record.id).map(|(_, case)| (*case).clone()),
            }
        })
        .collect();
    records.sort_by(|a, b| (a.record.occurred_on, &a.record.id).cmp(&(b.record.occurred_on, &b.record.id)));
    records.dedup_by(|later, earlier| later.record.id == earlier.record.id);

    Assessment {
        subject,
        as_of,
        rulebook: RulebookRef { id: rulebook.id.clone(), version: rulebook.version.clone(), fingerprint: rulebook.fingerprint.clone() },
        score: sweep.score,
        base_score: rulebook.base_score,
        tier: tiers.name(sweep.tier).to_string(),
        points_tier: tiers.name(sweep.points_tier).to_string(),
        locks: sweep
            .lock
            .iter()
            .map(|lock| Lock { tier: tiers.name(lock.tier).to_string(), since: lock.since, until: lock.until })
            .collect(),
        annual_expectation,
        explanation,
        tier_history: sweep
            .history
            .into_iter()
            .map(|(on, from, to, score, cause, locked_until)| TierChange {
                on,
                from: tiers.name(from).to_string(),
                to: tiers.name(to).to_string(),
                score,
                cause,
                locked_until,
            })
            .collect(),
        records,
        valid_from,
        valid_until,
    }
}
