//! A population simulated year by year under one or more rulebooks.
//!
//! Each subject keeps a profile (from [`crate::Population`]) and draws its
//! behaviours every year from that profile's rates. A subject under a
//! restriction cuts its deductions by the deterrence share. A share of the
//! recorded deductions are wrong (the subject did not do it), and the subject
//! disputes some of those. New list entries are appealed and listed subjects
//! apply for repair at their rates. Every case waits in one reviewers'
//! queue, decided first come first served at a capacity per month. An
//! upheld dispute voids its record on the day it is decided.
//!
//! Every draw comes from a generator seeded by (seed, subject, year,
//! behaviour), so each rulebook meets the same population and the same
//! luck; the only thing that differs between them is what the rules do
//! (and, through deterrence, what subjects do in turn). The same
//! configuration gives the same result, bit for bit.

use std::collections::{BTreeMap, HashSet, VecDeque};

use rand::RngExt;
use rand::rngs::ChaCha8Rng;
use serde::Serialize;
use socred_core::date::{add_days, end_of_year, start_of_year};
use socred_core::decide::{LinkedStandings, Outcome, decide_all, standing};
use socred_core::lists::{EntryState, evaluate};
use socred_core::record::{Record, RecordId, SubjectFile, Void};
use socred_core::rulebook::ListKind;
use socred_core::{Date, Rulebook, SubjectId};

use crate::{Population, PopulationConfig, Profile, poisson, rates};

/// Most subjects one simulation holds (each file is evaluated every year).
pub const MAX_SIMULATED_SUBJECTS: u64 = 200_000;
/// Most years one simulation runs.
pub const MAX_SIMULATED_YEARS: u32 = 30;
/// Most rulebooks run side by side.
pub const MAX_RULEBOOKS: usize = 8;
/// Most cases the reviewers can decide in a month.
pub const MAX_CAPACITY_PER_MONTH: u32 = 1_000_000;

/// What to simulate.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SimulationConfig {
    pub seed: u64,
    pub subjects: u64,
    pub years: u32,
    /// The first simulated calendar year.
    pub first_year: i32,
    /// The share by which a subject under a restriction cuts its deductions (0-1).
    pub deterrence: f64,
    /// The share of recorded deductions that are wrong (0-1).
    pub error_rate: f64,
    /// The share of wrong records their subject disputes (0-1).
    pub dispute_rate: f64,
    /// The share of new list entries appealed (0-1).
    pub appeal_rate: f64,
    /// The share of listed subjects that apply for repair in a year (0-1).
    pub repair_rate: f64,
    /// Cases the reviewers decide in a month.
    pub reviewer_capacity_per_month: u32,
}

/// Why a simulation's setting is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConfigProblem {
    Range { min: u64, max: u64 },
    Share,
}

impl std::fmt::Display for ConfigProblem {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ConfigProblem::Range { min, max } => write!(formatter, "must be {min}-{max}"),
            ConfigProblem::Share => formatter.write_str("must be a share between 0 and 1"),
        }
    }
}

impl SimulationConfig {
    /// Every field within its range, or the first that is not, with why.
    pub fn check(&self) -> Result<(), (&'static str, ConfigProblem)> {
        if self.subjects == 0 || self.subjects > MAX_SIMULATED_SUBJECTS {
            return Err(("subjects", ConfigProblem::Range { min: 1, max: MAX_SIMULATED_SUBJECTS }));
        }
        if self.years == 0 || self.years > MAX_SIMULATED_YEARS {
            return Err(("years", ConfigProblem::Range { min: 1, max: u64::from(MAX_SIMULATED_YEARS) }));
        }
        if !(1901..=2900).contains(&self.first_year) {
            return Err(("first-year", ConfigProblem::Range { min: 1901, max: 2900 }));
        }
        for (name, share) in [
            ("deterrence", self.deterrence),
            ("error-rate", self.error_rate),
            ("dispute-rate", self.dispute_rate),
            ("appeal-rate", self.appeal_rate),
            ("repair-rate", self.repair_rate),
        ] {
            if !(0.0..=1.0).contains(&share) {
                return Err((name, ConfigProblem::Share));
            }
        }
        if self.reviewer_capacity_per_month > MAX_CAPACITY_PER_MONTH {
            return Err(("reviewer-capacity", ConfigProblem::Range { min: 0, max: u64::from(MAX_CAPACITY_PER_MONTH) }));
        }
        Ok(())
    }
}

/// One rulebook's year.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct YearResult {
    pub rulebook: String,
    pub year: i32,
    /// Subjects per tier on 31 December, best first.
    pub tiers: Vec<(String, u64)>,
    /// Subjects under each measure on 31 December (restrictions and rewards).
    pub measures: BTreeMap<String, u64>,
    pub records: u64,
    pub wrong_records: u64,
    pub disputes_filed: u64,
    pub appeals_filed: u64,
    pub repairs_filed: u64,
    pub cases_decided: u64,
    /// Decided after their deadline this year.
    pub cases_decided_late: u64,
    /// Still open on 31 December and past their deadline.
    pub cases_overdue_open: u64,
    pub cases_open: u64,
    pub wrong_corrected_in_time: u64,
    pub wrong_corrected_late: u64,
    /// Wrong records not voided by 31 December.
    pub wrong_uncorrected: u64,
    /// Subjects denied at least one service on 31 December.
    pub restricted_subjects: u64,
    /// Restricted subjects who would not be without their uncorrected wrong records.
    pub falsely_sanctioned: u64,
    /// `falsely_sanctioned` over `restricted_subjects` (0 when nobody is restricted).
    pub false_sanction_rate: f64,
}

/// A whole run: the configuration and every rulebook's years, in order.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Simulation {
    pub config: SimulationConfig,
    pub rulebooks: Vec<String>,
    pub years: Vec<YearResult>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum CaseKind {
    Dispute,
    Appeal,
    Repair,
}

#[derive(Debug, Clone)]
struct Case {
    kind: CaseKind,
    filed_on: Date,
    /// For a dispute of a wrong record: (subject, record).
    record: Option<(usize, RecordId)>,
}

/// The yearly rates of a profile in the simulation: the generator's, and
/// the one-off acts of two profiles as yearly chances.
fn yearly_rates(profile: Profile) -> Vec<(&'static str, f64)> {
    let mut out = rates(profile).to_vec();
    match profile {
        Profile::JudgmentDefaulter => out.push(("judgment-default", 0.3)),
        Profile::Convicted => out.push(("intentional-crime", 0.1)),
        _ => {}
    }
    out
}

/// A generator for one (subject, year, stream), independent of every other.
fn stream(seed: u64, subject: usize, year: i32, stream: u64) -> ChaCha8Rng {
    crate::generator_for(seed, &[subject as u64, year as u64, stream])
}

fn day_in_year(rng: &mut ChaCha8Rng, year: i32) -> Date {
    let first = start_of_year(year).to_julian_day();
    let days = end_of_year(year).to_julian_day() - first + 1;
    Date::from_julian_day(first + rng.random_range(0..days)).expect("a day of the year")
}

fn restrictions(rulebook: &Rulebook, subject: SubjectId, file: &SubjectFile, as_of: Date) -> (bool, Vec<String>) {
    let own = standing(rulebook, subject, file, as_of);
    let decisions = decide_all(rulebook, as_of, &own, &LinkedStandings::default());
    let restricted = decisions.iter().any(|decision| decision.outcome == Outcome::Deny);
    let mut measures: Vec<String> = decisions
        .iter()
        .filter(|decision| decision.outcome != Outcome::Allow)
        .flat_map(|decision| decision.reasons.iter().map(|reason| reason.measure.clone()))
        .collect();
    measures.sort();
    measures.dedup();
    (restricted, measures)
}

/// Runs the simulation under each rulebook. `progress` is told (done, total)
/// subject-years as they finish.
pub fn simulate(config: &SimulationConfig, rulebooks: &[Rulebook], progress: &mut dyn FnMut(u64, u64)) -> Simulation {
    config.check().expect("a checked configuration");
    assert!(!rulebooks.is_empty() && rulebooks.len() <= MAX_RULEBOOKS);
    let first_day = start_of_year(config.first_year);
    let population: Vec<(SubjectId, Profile)> =
        Population::new(PopulationConfig { seed: config.seed, subjects: config.subjects, until: first_day, years: 1 })
            .map(|subject| (subject.id, subject.profile))
            .collect();
    let total = population.len() as u64 * u64::from(config.years) * rulebooks.len() as u64;
    let mut done = 0;
    let mut years = Vec::new();
    for rulebook in rulebooks {
        let name = format!("{} {}", rulebook.id, rulebook.version);
        let mut files: Vec<SubjectFile> = vec![SubjectFile::default(); population.len()];
        let mut wrong: Vec<HashSet<RecordId>> = vec![HashSet::new(); population.len()];
        let mut restricted = vec![false; population.len()];
        let mut queue: VecDeque<Case> = VecDeque::new();
        // Cases drawn in one year whose filing day falls in the next.
        let mut next_year: Vec<Case> = Vec::new();
        for year in config.first_year..config.first_year + config.years as i32 {
            let mut result = YearResult {
                rulebook: name.clone(),
                year,
                tiers: Vec::new(),
                measures: BTreeMap::new(),
                records: 0,
                wrong_records: 0,
                disputes_filed: 0,
                appeals_filed: 0,
                repairs_filed: 0,
                cases_decided: 0,
                cases_decided_late: 0,
                cases_overdue_open: 0,
                cases_open: 0,
                wrong_corrected_in_time: 0,
                wrong_corrected_late: 0,
                wrong_uncorrected: 0,
                restricted_subjects: 0,
                falsely_sanctioned: 0,
                false_sanction_rate: 0.0,
            };
            let mut filed: Vec<Case> = std::mem::take(&mut next_year);
            for (index, (subject, profile)) in population.iter().enumerate() {
                for (stream_number, (behaviour, rate)) in yearly_rates(*profile).into_iter().enumerate() {
                    let Some(spec) = rulebook.behaviour(behaviour) else { continue };
                    let mut rng = stream(config.seed, index, year, stream_number as u64);
                    let deterred = restricted[index] && spec.points < 0;
                    let mean = if deterred { rate * (1.0 - config.deterrence) } else { rate };
                    for occurrence in 0..poisson(&mut rng, mean) {
                        let occurred_on = day_in_year(&mut rng, year);
                        let id = RecordId::parse(&format!("sim-{index}-{year}-{stream_number}-{occurrence}")).expect("a valid id");
                        let is_wrong = spec.points < 0 && rng.random::<f64>() < config.error_rate;
                        let disputed = is_wrong && rng.random::<f64>() < config.dispute_rate;
                        let dispute_day = add_days(occurred_on, rng.random_range(1..=30));
                        files[index].records.push(Record {
                            id: id.clone(),
                            subject: *subject,
                            behaviour: behaviour.to_string(),
                            occurred_on,
                            source: "simulation".into(),
                            evidence: None,
                        });
                        result.records += 1;
                        if is_wrong {
                            result.wrong_records += 1;
                            wrong[index].insert(id.clone());
                        }
                        if disputed {
                            filed.push(Case { kind: CaseKind::Dispute, filed_on: dispute_day, record: Some((index, id)) });
                        }
                    }
                }
                // Appeals of the entries that started this year, repairs of entries listed now.
                let year_end = end_of_year(year);
                let view = evaluate(rulebook, *subject, &files[index], year_end);
                let mut rng = stream(config.seed, index, year, u64::MAX);
                for entry in view.entries.iter().filter(|entry| entry.kind == ListKind::Restrictive) {
                    if entry.started_on.year() == year && rng.random::<f64>() < config.appeal_rate {
                        filed.push(Case {
                            kind: CaseKind::Appeal,
                            filed_on: add_days(entry.started_on, rng.random_range(1..=30)),
                            record: None,
                        });
                    }
                    if entry.state == EntryState::Listed && rng.random::<f64>() < config.repair_rate {
                        filed.push(Case { kind: CaseKind::Repair, filed_on: day_in_year(&mut rng, year), record: None });
                    }
                }
                done += 1;
                if done % 1024 == 0 {
                    progress(done, total);
                }
            }
            filed.sort_by_key(|case| case.filed_on);
            let year_end = end_of_year(year);
            next_year = filed.iter().filter(|case| case.filed_on > year_end).cloned().collect();
            filed.retain(|case| case.filed_on <= year_end);
            for case in &filed {
                match case.kind {
                    CaseKind::Dispute => result.disputes_filed += 1,
                    CaseKind::Appeal => result.appeals_filed += 1,
                    CaseKind::Repair => result.repairs_filed += 1,
                }
            }
            let mut filed = VecDeque::from(filed);

            // The reviewers, month by month: the cases filed by the month's end, first come first served.
            for month in 1..=12u8 {
                let month_end = if month == 12 {
                    end_of_year(year)
                } else {
                    Date::from_calendar_date(year, time::Month::try_from(month + 1).expect("a month"), 1)
                        .expect("a day")
                        .previous_day()
                        .expect("a day")
                };
                while filed.front().is_some_and(|case| case.filed_on <= month_end) {
                    queue.push_back(filed.pop_front().expect("a case"));
                }
                for _ in 0..config.reviewer_capacity_per_month {
                    let Some(case) = queue.pop_front() else { break };
                    let deadline = add_days(case.filed_on, deadline_days(rulebook, case.kind));
                    // A case is decided on the month's last day, or on the day it arrived if later.
                    let decided_on = month_end.max(case.filed_on);
                    result.cases_decided += 1;
                    let late = decided_on > deadline;
                    result.cases_decided_late += u64::from(late);
                    if let Some((index, record_id)) = case.record {
                        files[index].voids.push(Void {
                            record_id: record_id.clone(),
                            reason: "dispute upheld".into(),
                            recorded_on: decided_on,
                        });
                        wrong[index].remove(&record_id);
                        if late {
                            result.wrong_corrected_late += 1;
                        } else {
                            result.wrong_corrected_in_time += 1;
                        }
                    }
                }
            }
            debug_assert!(filed.is_empty(), "every case filed this year reached the queue by 31 December");
            result.cases_open = queue.len() as u64;
            result.cases_overdue_open =
                queue.iter().filter(|case| add_days(case.filed_on, deadline_days(rulebook, case.kind)) < year_end).count() as u64;

            // Where everyone stands on 31 December.
            let mut tiers: BTreeMap<u8, u64> = BTreeMap::new();
            for (index, (subject, _)) in population.iter().enumerate() {
                let file = &files[index];
                let summary = socred_core::summarise(rulebook, file, year_end);
                *tiers.entry(summary.tier.0).or_default() += 1;
                let (is_restricted, measures) = restrictions(rulebook, *subject, file, year_end);
                restricted[index] = is_restricted;
                for measure in measures {
                    *result.measures.entry(measure).or_default() += 1;
                }
                let still_wrong: Vec<&RecordId> = wrong[index].iter().collect();
                result.wrong_uncorrected += still_wrong.len() as u64;
                if is_restricted {
                    result.restricted_subjects += 1;
                    if !still_wrong.is_empty() {
                        let mut without = file.clone();
                        without.records.retain(|record| !wrong[index].contains(&record.id));
                        if !restrictions(rulebook, *subject, &without, year_end).0 {
                            result.falsely_sanctioned += 1;
                        }
                    }
                }
            }
            result.tiers = rulebook
                .tiers
                .iter_best_first()
                .map(|(tier, spec)| (spec.name.clone(), tiers.get(&tier.0).copied().unwrap_or(0)))
                .collect();
            result.false_sanction_rate =
                if result.restricted_subjects == 0 { 0.0 } else { result.falsely_sanctioned as f64 / result.restricted_subjects as f64 };
            years.push(result);
        }
    }
    progress(total, total);
    Simulation { config: config.clone(), rulebooks: rulebooks.iter().map(|r| format!("{} {}", r.id, r.version)).collect(), years }
}

fn deadline_days(rulebook: &Rulebook, kind: CaseKind) -> u32 {
    match kind {
        CaseKind::Dispute => rulebook.due_process.dispute_decision_days,
        CaseKind::Appeal => rulebook.due_process.appeal_decision_days,
        CaseKind::Repair => rulebook.due_process.repair_decision_days,
    }
}
