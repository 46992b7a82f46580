//! The simulator: the same seed gives the same bytes; raising a deduction
//! never lowers the subjects under a restriction (where that must hold);
//! reviewers' capacity decides how many wrong records are corrected in time.

use socred_core::{DEFAULT_RULEBOOK, Rulebook};
use socred_sim::simulate::{Simulation, SimulationConfig, simulate};

fn config(seed: u64) -> SimulationConfig {
    SimulationConfig {
        seed,
        subjects: 150,
        years: 4,
        first_year: 2027,
        deterrence: 0.0,
        error_rate: 0.2,
        dispute_rate: 0.6,
        appeal_rate: 0.3,
        repair_rate: 0.2,
        reviewer_capacity_per_month: 5,
    }
}

fn run(config: &SimulationConfig, rulebooks: &[Rulebook]) -> Simulation {
    simulate(config, rulebooks, &mut |_, _| {})
}

/// `source` with one behaviour's points changed and a version of its own.
fn with_points(source: &str, code: &str, points: i64, version: &str) -> String {
    let at = source.find(&format!("code = \"{code}\"")).unwrap();
    let points_at = at + source[at..].find("points = ").unwrap();
    let line_end = points_at + source[points_at..].find('\n').unwrap();
    format!("{}points = {points}{}", &source[..points_at], &source[line_end..])
        .replace("version = \"2026.1\"", &format!("version = \"{version}\""))
}

#[test]
fn the_same_seed_gives_the_same_bytes() {
    let rulebook = Rulebook::from_toml(DEFAULT_RULEBOOK, "default.toml").unwrap();
    let first = serde_json::to_vec(&run(&config(7), std::slice::from_ref(&rulebook))).unwrap();
    let second = serde_json::to_vec(&run(&config(7), std::slice::from_ref(&rulebook))).unwrap();
    assert_eq!(first, second);
    let other = serde_json::to_vec(&run(&config(8), std::slice::from_ref(&rulebook))).unwrap();
    assert_ne!(first, other, "the seed matters");
}

/// Without locks, without tier-triggered lists and without deterrence, a
/// subject's tier on a day is the tier of its points, and points only fall
/// when a deduction grows; every restriction of the default rulebook names
/// the worst tiers (a downward-closed set). So no restriction can reach fewer
/// subjects. (With locks it can: an earlier fall ends its lock earlier.)
#[test]
fn raising_a_deduction_never_lowers_the_subjects_under_a_restriction() {
    let mut unlocked = DEFAULT_RULEBOOK.lines().filter(|line| !line.starts_with("lock_years")).collect::<Vec<_>>().join("\n");
    unlocked = unlocked.replace("[[list.trigger]]\ntier = \"D\"\n", "");
    assert!(!unlocked.contains("tier = \"D\"\n\n[[list]]"), "the tier trigger is gone");
    let mild = Rulebook::from_toml(&with_points(&unlocked, "speeding-serious", -20, "mild"), "mild.toml").unwrap();
    let harsh = Rulebook::from_toml(&with_points(&unlocked, "speeding-serious", -120, "harsh"), "harsh.toml").unwrap();
    let restrictions: Vec<String> = mild
        .measures
        .iter()
        .filter(|measure| measure.kind == socred_core::rulebook::MeasureKind::Restriction)
        .map(|measure| measure.code.clone())
        .collect();
    let mut compared = 0;
    for seed in [1, 2, 3] {
        let simulation = run(&config(seed), &[mild.clone(), harsh.clone()]);
        let (mild_years, harsh_years) = simulation.years.split_at(simulation.years.len() / 2);
        for (mild_year, harsh_year) in mild_years.iter().zip(harsh_years) {
            assert_eq!(mild_year.year, harsh_year.year);
            for code in &restrictions {
                let (was, is) = (mild_year.measures.get(code).copied().unwrap_or(0), harsh_year.measures.get(code).copied().unwrap_or(0));
                assert!(
                    is >= was,
                    "seed {seed}, {}: {code} reaches {is} under the harsher rulebook, {was} under the milder",
                    mild_year.year
                );
                compared += u64::from(was > 0 || is > 0);
            }
            assert!(harsh_year.restricted_subjects >= mild_year.restricted_subjects);
        }
    }
    assert!(compared > 0, "some restriction reaches someone");
}

#[test]
fn reviewers_capacity_decides_how_many_wrong_records_are_corrected_in_time() {
    let rulebook = Rulebook::from_toml(DEFAULT_RULEBOOK, "default.toml").unwrap();
    let idle = run(&SimulationConfig { reviewer_capacity_per_month: 0, ..config(11) }, std::slice::from_ref(&rulebook));
    let ample = run(&SimulationConfig { reviewer_capacity_per_month: 10_000, ..config(11) }, std::slice::from_ref(&rulebook));
    let sum =
        |simulation: &Simulation, field: fn(&socred_sim::simulate::YearResult) -> u64| simulation.years.iter().map(field).sum::<u64>();
    assert!(sum(&ample, |year| year.disputes_filed) > 0, "wrong records are disputed");
    assert_eq!(sum(&idle, |year| year.wrong_corrected_in_time + year.wrong_corrected_late), 0);
    assert!(idle.years.last().unwrap().cases_overdue_open > 0, "an idle queue runs past its deadlines");
    assert_eq!(sum(&ample, |year| year.wrong_corrected_late), 0, "ample reviewers decide within every deadline");
    assert!(sum(&ample, |year| year.wrong_corrected_in_time) > 0);
    assert!(ample.years.last().unwrap().wrong_uncorrected < idle.years.last().unwrap().wrong_uncorrected);
    let false_sanctions = |simulation: &Simulation| sum(simulation, |year| year.falsely_sanctioned);
    assert!(false_sanctions(&ample) <= false_sanctions(&idle));
}

#[test]
fn garbage_configurations_name_the_field() {
    for (broken, field) in [
        (SimulationConfig { subjects: 0, ..config(1) }, "subjects"),
        (SimulationConfig { years: 31, ..config(1) }, "years"),
        (SimulationConfig { deterrence: 1.5, ..config(1) }, "deterrence"),
        (SimulationConfig { error_rate: f64::NAN, ..config(1) }, "error-rate"),
        (SimulationConfig { first_year: 0, ..config(1) }, "first-year"),
    ] {
        assert_eq!(broken.check().unwrap_err().0, field);
    }
}
