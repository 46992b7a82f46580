//! The columnar batch path gives what `assess` gives: score, tier, points
//! tier and lock, for every subject of a generated population, under both
//! recovery rules, with void, repeated and unknown records in the files.

use proptest::prelude::*;
use socred_core::assess::summarise;
use socred_core::batch::{Population, Scorer};
use socred_core::id::{SubjectId, synthetic_person};
use socred_core::record::{Record, RecordId, SubjectFile, Void};
use socred_core::{DEFAULT_RULEBOOK, Date, Rulebook};

fn rulebooks() -> Vec<Rulebook> {
    let immediate = DEFAULT_RULEBOOK.replace("recovery = \"step-wise\"", "recovery = \"immediate\"");
    assert_ne!(immediate, DEFAULT_RULEBOOK);
    // Every tier locks, the best included, and one more behaviour forces a tier: every subject is swept.
    let all_locked = DEFAULT_RULEBOOK
        .replace("min_points = 1050\n", "min_points = 1050\nlock_years = 1\n")
        .replace("min_points = 1030\n", "min_points = 1030\nlock_years = 1\n")
        .replace("min_points = 960\n", "min_points = 960\nlock_years = 3\n")
        .replacen("category = \"judicial\"\n", "category = \"judicial\"\nforced_tier = \"C\"\n", 1);
    assert_eq!(all_locked.matches("lock_years").count(), DEFAULT_RULEBOOK.matches("lock_years").count() + 3);
    // Locking tiers with a gap (C does not lock, B and D for other periods than
    // the default's) and thresholds close to the base: a subject falls, is
    // held, rises a tier at a time and falls again within a few records, and
    // an unlocked subject sits below the free tiers.
    let gaps = DEFAULT_RULEBOOK
        .replace("min_points = 960\n", "min_points = 990\n")
        .replace("min_points = 850\nlock_years = 2\n", "min_points = 975\nlock_years = 1\n")
        .replace("min_points = 600\nlock_years = 2\n", "min_points = 940\n")
        .replace("lock_years = 5\n", "lock_years = 3\n");
    assert_eq!(gaps.matches("lock_years").count(), DEFAULT_RULEBOOK.matches("lock_years").count() - 1);
    vec![
        Rulebook::from_toml(DEFAULT_RULEBOOK, "default.toml").unwrap(),
        Rulebook::from_toml(&immediate, "immediate.toml").unwrap(),
        Rulebook::from_toml(&all_locked, "all-locked.toml").unwrap(),
        Rulebook::from_toml(&gaps, "gaps.toml").unwrap(),
    ]
}

fn date_strategy() -> impl Strategy<Value = Date> {
    // Mostly 2012-01-01 .. about 2031, leap days included; often the six
    // years from 2020 (records crowd, so falls go deep and locks overlap);
    // sometimes one of a few days a year apart, so that several records, a
    // record's end and a lock's end fall on one day; now and then the early
    // 1900s, beyond the scorer's 40-year table of `add_years`.
    prop_oneof![
        5 => (0i32..7000).prop_map(|offset| Date::from_julian_day(2_455_928 + offset).unwrap()),
        3 => (0i32..2200).prop_map(|offset| Date::from_julian_day(2_458_850 + offset).unwrap()),
        1 => (0i32..6).prop_map(|year| Date::from_calendar_date(2019 + year, time::Month::March, 1).unwrap()),
        1 => (0i32..3000).prop_map(|offset| Date::from_julian_day(2_415_021 + offset).unwrap()),
    ]
}

/// (record number, behaviour, occurred, voided): the behaviour "unknown-act"
/// is in no rulebook, and numbers repeat within a file.
fn file_strategy() -> impl Strategy<Value = Vec<(u32, String, Date, bool)>> {
    let mut codes: Vec<String> = rulebooks()[0].behaviours.iter().map(|b| b.code.clone()).collect();
    codes.push("unknown-act".into());
    proptest::collection::vec((0u32..24, proptest::sample::select(codes), date_strategy(), proptest::bool::weighted(0.1)), 0..24)
}

fn build(subject: SubjectId, rows: &[(u32, String, Date, bool)]) -> SubjectFile {
    let mut file = SubjectFile::default();
    for (number, behaviour, occurred_on, voided) in rows {
        let id = RecordId::parse(&format!("r{number}")).unwrap();
        file.records.push(Record {
            id: id.clone(),
            subject,
            behaviour: behaviour.clone(),
            occurred_on: *occurred_on,
            source: "authority".into(),
            evidence: None,
        });
        if *voided {
            file.voids.push(Void { record_id: id, reason: "wrong".into(), recorded_on: *occurred_on });
        }
    }
    file
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(192))]

    #[test]
    fn the_batch_path_agrees_with_assess(files in proptest::collection::vec(file_strategy(), 1..24), as_of in date_strategy()) {
        let subjects: Vec<SubjectId> = (0..files.len())
            .map(|index| SubjectId::Person(synthetic_person(110101, Date::from_calendar_date(1980, time::Month::May, 4).unwrap(), index as u16)))
            .collect();
        let files: Vec<SubjectFile> = files.iter().zip(&subjects).map(|(rows, subject)| build(*subject, rows)).collect();
        let mut population = Population::default();
        for (subject, file) in subjects.iter().zip(&files) {
            population.push_file(*subject, file).unwrap();
        }
        for rulebook in rulebooks() {
            let scorer = Scorer::new(&rulebook, population.codes(), as_of);
            let mut scratch = Vec::new();
            for (index, file) in files.iter().enumerate() {
                let (behaviours, days) = population.records(index);
                let batch = scorer.summarise(behaviours, days, &mut scratch);
                let reference = summarise(&rulebook, file, as_of);
                prop_assert_eq!(
                    (batch.score, batch.tier, batch.points_tier, batch.lock),
                    (reference.score, reference.tier, reference.points_tier, reference.lock),
                    "subject {} under {:?} recovery", index, rulebook.recovery
                );
            }
        }
    }
}

#[test]
fn a_forced_tier_and_a_deep_fall_are_swept_and_locked() {
    let rulebook = &rulebooks()[0];
    let subject = SubjectId::parse("110101199003074514").unwrap();
    let forced = rulebook.behaviours.iter().find(|b| b.forced_tier.is_some()).expect("the default rulebook forces a tier");
    let rows = vec![(1, forced.code.clone(), Date::from_calendar_date(2024, time::Month::March, 1).unwrap(), false)];
    let file = build(subject, &rows);
    let mut population = Population::default();
    population.push_file(subject, &file).unwrap();
    let as_of = Date::from_calendar_date(2025, time::Month::January, 1).unwrap();
    let scorer = Scorer::new(rulebook, population.codes(), as_of);
    let (behaviours, days) = population.records(0);
    let batch = scorer.summarise(behaviours, days, &mut Vec::new());
    assert!(batch.lock.is_some(), "a forced tier locks");
    assert_eq!(Some(batch.tier), forced.forced_tier);
    assert_eq!(summarise(rulebook, &file, as_of).lock, batch.lock);
}

/// The calendar's first and last days: nothing panics, and the batch path
/// answers what `assess` answers (on the last day every end stays on it, so
/// nothing counts any more).
#[test]
fn the_calendars_ends_are_answered_as_assess_answers_them() {
    let subject = SubjectId::parse("110101199003074514").unwrap();
    let rows = vec![
        (1, "judgment-default".to_string(), Date::MIN, false),
        (2, "speeding-serious".to_string(), Date::from_calendar_date(9999, time::Month::December, 1).unwrap(), false),
        (3, "volunteering".to_string(), Date::MAX, false),
        (4, "tax-evasion".to_string(), Date::from_calendar_date(9995, time::Month::June, 30).unwrap(), false),
    ];
    let file = build(subject, &rows);
    let mut population = Population::default();
    population.push_file(subject, &file).unwrap();
    for rulebook in rulebooks() {
        for as_of in [Date::MIN, Date::from_calendar_date(9999, time::Month::June, 30).unwrap(), Date::MAX] {
            let scorer = Scorer::new(&rulebook, population.codes(), as_of);
            let (behaviours, days) = population.records(0);
            let batch = scorer.summarise(behaviours, days, &mut Vec::new());
            let reference = summarise(&rulebook, &file, as_of);
            assert_eq!(
                (batch.score, batch.tier, batch.points_tier, batch.lock),
                (reference.score, reference.tier, reference.points_tier, reference.lock),
                "as of {as_of}"
            );
        }
    }
}
