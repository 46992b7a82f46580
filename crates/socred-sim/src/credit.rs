//! A labelled sample for fitting a commercial scorecard: synthetic files
//! whose behaviours follow a latent creditworthiness, each with the outcome
//! it drives (defaulted within the year after the scoring day, or not).
//!
//! A subject has a latent `z` ~ N(0, 1). Over up to ten years before the
//! scoring day it accrues records at yearly rates that rise (repayments,
//! contracts, bills) or fall (defaults, unpaid bills, serious offences) with
//! `z`; identity checks do not depend on it. It defaults with probability
//! logistic(−2.2 − 1.3 z), about one subject in nine. The sample's columns are
//! what a scorecard reads from those files, so any card over the default
//! rulebook's behaviours can be fitted on it. The same seed gives the same rows.

use rand::rngs::ChaCha8Rng;
use rand::{RngExt, SeedableRng};
use socred_core::record::{Record, RecordId, SubjectFile};
use socred_core::scorecard::{Observation, Scorecard, score};
use socred_core::{Date, SubjectId};

use socred_core::date::add_years;

use crate::{Profile, SyntheticSubject, poisson};

/// The largest sample written or read.
pub const MAX_SAMPLE_ROWS: usize = 1_000_000;
/// The years of history a synthetic file holds at most.
const MAX_HISTORY_YEARS: u32 = 10;

/// (behaviour, yearly rate at z = 0, how the rate grows with z: rate · e^(slope·z)).
const RATES: [(&str, f64, f64); 11] = [
    ("judgment-default", 0.015, -1.2),
    ("overdue-consumer-loan", 0.05, -1.0),
    ("unpaid-shared-bike-ride", 0.08, -0.8),
    ("loan-repaid-on-time", 0.5, 0.35),
    ("contract-fulfilled", 0.6, 0.3),
    ("bill-paid-on-time", 0.5, 0.3),
    ("identity-verified", 0.12, 0.0),
    ("speeding-serious", 0.05, -0.4),
    ("rail-disorder", 0.01, -0.4),
    ("tax-evasion", 0.005, -0.8),
    ("malicious-report", 0.005, 0.0),
];

/// A standard normal draw (Box–Muller).
fn normal(rng: &mut ChaCha8Rng) -> f64 {
    let u: f64 = rng.random::<f64>().max(f64::MIN_POSITIVE);
    let v: f64 = rng.random();
    (-2.0 * u.ln()).sqrt() * (std::f64::consts::TAU * v).cos()
}

fn logistic(x: f64) -> f64 {
    1.0 / (1.0 + (-x).exp())
}

/// `subjects` labelled rows, scored by `card` on `on`.
pub fn sample(card: &Scorecard, subjects: usize, seed: u64, on: Date) -> Vec<Observation> {
    assert!(subjects <= MAX_SAMPLE_ROWS, "at most {MAX_SAMPLE_ROWS} rows");
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let subject = SubjectId::parse("110101199003074514").expect("a valid id");
    let mut rows = Vec::with_capacity(subjects);
    for _ in 0..subjects {
        let z = normal(&mut rng);
        let years = rng.random_range(0..=MAX_HISTORY_YEARS);
        let days = years * 365 + rng.random_range(0..365);
        let mut file = SubjectFile::default();
        for (behaviour, rate, slope) in RATES {
            let count = poisson(&mut rng, rate * (slope * z).exp() * (f64::from(days) / 365.0));
            for _ in 0..count {
                let back = rng.random_range(0..=days);
                let occurred_on = on.saturating_sub(time::Duration::days(i64::from(back)));
                let id = RecordId::parse(&format!("s-{}", file.records.len())).expect("a valid id");
                file.records.push(Record {
                    id,
                    subject,
                    behaviour: behaviour.into(),
                    occurred_on,
                    source: "sample".into(),
                    evidence: None,
                });
            }
        }
        let defaulted = rng.random::<f64>() < logistic(-2.2 - 1.3 * z);
        let scored = score(card, &file, on);
        rows.push(Observation { values: scored.characteristics.iter().map(|c| c.value).collect(), defaulted });
    }
    rows
}

/// Yearly rates of what lenders, landlords and utilities report of a
/// profile (obligations met; 0 government points), and the chance its
/// identity was verified in person.
fn obligations_met(profile: Profile) -> ([(&'static str, f64); 3], f64) {
    match profile {
        Profile::Exemplary => ([("loan-repaid-on-time", 0.6), ("bill-paid-on-time", 0.8), ("contract-fulfilled", 0.5)], 0.8),
        Profile::Ordinary => ([("loan-repaid-on-time", 0.4), ("bill-paid-on-time", 0.5), ("contract-fulfilled", 0.3)], 0.6),
        Profile::Troubled => ([("loan-repaid-on-time", 0.15), ("bill-paid-on-time", 0.2), ("contract-fulfilled", 0.1)], 0.4),
        Profile::JudgmentDefaulter | Profile::Convicted => {
            ([("loan-repaid-on-time", 0.05), ("bill-paid-on-time", 0.1), ("contract-fulfilled", 0.05)], 0.3)
        }
        Profile::Organisation => ([("loan-repaid-on-time", 0.3), ("bill-paid-on-time", 0.5), ("contract-fulfilled", 1.0)], 0.0),
    }
}

/// The records of obligations met that a synthetic subject's lenders,
/// landlords and utilities report between `from` and `until` (for a person,
/// from the day they turn 18), with its own draws: the same (seed, subject)
/// gives the same records, and the rest of the population is unchanged.
pub fn obligations(seed: u64, subject: &SyntheticSubject, from: Date, until: Date) -> Vec<Record> {
    let from = match subject.id {
        SubjectId::Person(person) => from.max(add_years(person.birth_date(), 18)),
        SubjectId::Organisation(_) => from,
    };
    if from > until {
        return Vec::new();
    }
    // The subject's number, folded into an integer, names its generator.
    let number = subject.id.as_str().bytes().fold(0_u64, |number, byte| number.wrapping_mul(36).wrapping_add(u64::from(byte)));
    let mut rng = crate::generator_for(seed, &[number]);
    let span_days = (until - from).whole_days().max(0) as u32;
    let (rates, verified) = obligations_met(subject.profile);
    let years = f64::from(span_days) / 365.0;
    let mut drawn: Vec<(&str, Date)> = Vec::new();
    for (behaviour, rate) in rates {
        for _ in 0..poisson(&mut rng, rate * years) {
            drawn.push((behaviour, from.saturating_add(time::Duration::days(i64::from(rng.random_range(0..=span_days))))));
        }
    }
    if rng.random::<f64>() < verified {
        drawn.push(("identity-verified", from.saturating_add(time::Duration::days(i64::from(rng.random_range(0..=span_days))))));
    }
    drawn.sort_by_key(|(_, on)| *on);
    drawn
        .into_iter()
        .enumerate()
        .map(|(index, (behaviour, occurred_on))| Record {
            id: RecordId::parse(&format!("met-{}-{index:03}", subject.id)).expect("a valid id"),
            subject: subject.id,
            behaviour: behaviour.to_string(),
            occurred_on,
            source: if behaviour == "identity-verified" {
                "Public Security Bureau, household registration office"
            } else {
                "Partner bank and utilities (data-sharing agreement)"
            }
            .to_string(),
            evidence: None,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_seed_gives_the_same_sample_and_defaults_follow_the_file() {
        let card = Scorecard::default_card();
        let on = socred_core::parse_date("2026-06-30").unwrap();
        let rows = sample(&card, 4_000, 7, on);
        assert_eq!(rows, sample(&card, 4_000, 7, on));
        assert_ne!(rows, sample(&card, 4_000, 8, on));
        let rate = rows.iter().filter(|row| row.defaulted).count() as f64 / rows.len() as f64;
        assert!((0.07..0.2).contains(&rate), "{rate}");
        // Subjects with a loan default on file default more often than those without.
        let loans = card.characteristics.iter().position(|c| c.code == "loan-defaults").unwrap();
        let rate_of = |with: bool| {
            let group: Vec<_> = rows.iter().filter(|row| (row.values[loans] > 0) == with).collect();
            group.iter().filter(|row| row.defaulted).count() as f64 / group.len().max(1) as f64
        };
        assert!(rate_of(true) > rate_of(false) * 1.3, "{} vs {}", rate_of(true), rate_of(false));
    }

    #[test]
    fn obligations_met_are_drawn_per_subject_for_adults_and_cost_no_points() {
        let until = socred_core::parse_date("2026-06-30").unwrap();
        let config = crate::PopulationConfig { seed: 3, subjects: 400, until, years: 6 };
        let start = config.history_start();
        let rulebook = socred_core::Rulebook::from_toml(socred_core::DEFAULT_RULEBOOK, "default.toml").unwrap();
        let mut reported = 0;
        for subject in crate::Population::new(config) {
            let records = obligations(3, &subject, start, until);
            assert_eq!(records, obligations(3, &subject, start, until));
            for record in &records {
                assert_eq!(rulebook.behaviour(&record.behaviour).unwrap().points, 0, "{}", record.behaviour);
                assert!(record.occurred_on >= start && record.occurred_on <= until);
                if let SubjectId::Person(person) = subject.id {
                    assert!(record.occurred_on >= add_years(person.birth_date(), 18), "{} is an adult's record", record.id);
                }
            }
            reported += records.len();
        }
        assert!(reported > 400, "{reported}");
    }
}
