//! The reference scenarios of the product brief that concern scores and tiers
//! (1, 2, 3, 4, 7, 8), each as a test against the default rulebook.

use socred_core::assess::{RecordStatus, TierCause, annual_net_points, assess, summarise};
use socred_core::date::parse_date;
use socred_core::id::SubjectId;
use socred_core::record::{Record, RecordId, SubjectFile, Void};
use socred_core::{DEFAULT_RULEBOOK, Date, Rulebook};

fn rulebook() -> Rulebook {
    Rulebook::from_toml(DEFAULT_RULEBOOK, "default.toml").unwrap()
}

fn subject() -> SubjectId {
    SubjectId::parse("110101199003074514").unwrap()
}

fn day(text: &str) -> Date {
    parse_date(text).unwrap()
}

fn record(id: &str, behaviour: &str, on: &str) -> Record {
    Record {
        id: RecordId::parse(id).unwrap(),
        subject: subject(),
        behaviour: behaviour.to_string(),
        occurred_on: day(on),
        source: "test-authority".to_string(),
        evidence: None,
    }
}

fn file(records: Vec<Record>) -> SubjectFile {
    SubjectFile { records, ..Default::default() }
}

fn tier_on(rulebook: &Rulebook, file: &SubjectFile, on: &str) -> (i64, String, String) {
    let assessment = assess(rulebook, subject(), file, day(on));
    (assessment.score, assessment.tier, assessment.points_tier)
}

#[test]
fn scenario_1_a_new_person_has_1000_points_tier_a() {
    let rulebook = rulebook();
    let assessment = assess(&rulebook, subject(), &SubjectFile::default(), day("2026-01-01"));
    assert_eq!(assessment.score, 1000);
    assert_eq!(assessment.tier, "A");
    assert_eq!(assessment.points_tier, "A");
    assert!(assessment.locks.is_empty());
    assert!(assessment.explanation.is_empty());
}

#[test]
fn scenario_2_tax_evasion_locks_b_for_two_years_despite_an_award() {
    let rulebook = rulebook();
    let file = file(vec![record("t1", "tax-evasion", "2025-03-01"), record("n1", "national-award", "2025-06-15")]);

    let on_the_day = assess(&rulebook, subject(), &file, day("2025-03-01"));
    assert_eq!((on_the_day.score, on_the_day.tier.as_str()), (900, "B"));
    assert_eq!(on_the_day.locks.len(), 1);
    assert_eq!(on_the_day.locks[0].tier, "B");
    assert_eq!(on_the_day.locks[0].until, day("2027-03-01"));

    assert_eq!(tier_on(&rulebook, &file, "2025-02-28"), (1000, "A".into(), "A".into()));
    assert_eq!(tier_on(&rulebook, &file, "2025-06-15"), (1000, "B".into(), "A".into()));
    assert_eq!(tier_on(&rulebook, &file, "2027-02-28"), (1000, "B".into(), "A".into()));
    assert_eq!(tier_on(&rulebook, &file, "2027-03-01"), (1000, "A".into(), "A".into()));

    let after = assess(&rulebook, subject(), &file, day("2027-03-01"));
    assert!(after.locks.is_empty());
    assert_eq!(after.tier_history.last().unwrap().cause, TierCause::LockEnded);
}

#[test]
fn scenario_3_intentional_crime_means_nine_years_before_a() {
    let rulebook = rulebook();
    let file = file(vec![record("c1", "intentional-crime", "2020-01-01")]);
    let expect = [
        ("2019-12-31", "A"),
        ("2020-01-01", "D"),
        ("2024-12-31", "D"),
        ("2025-01-01", "C"),
        ("2026-12-31", "C"),
        ("2027-01-01", "B"),
        ("2028-12-31", "B"),
        ("2029-01-01", "A"),
    ];
    for (on, tier) in expect {
        let (score, actual, points_tier) = tier_on(&rulebook, &file, on);
        assert_eq!(actual, tier, "tier on {on}");
        assert_eq!((score, points_tier.as_str()), (1000, "A"), "points on {on}");
    }
    let on_c = assess(&rulebook, subject(), &file, day("2025-06-01"));
    assert_eq!(on_c.locks[0].until, day("2027-01-01"));
    let causes: Vec<_> =
        assess(&rulebook, subject(), &file, day("2030-01-01")).tier_history.into_iter().map(|change| (change.to, change.cause)).collect();
    assert!(matches!(&causes[0], (to, TierCause::Forced { .. }) if to == "D"));
    assert_eq!(causes[1], ("C".into(), TierCause::StepRecovery));
    assert_eq!(causes[2], ("B".into(), TierCause::StepRecovery));
    assert_eq!(causes[3], ("A".into(), TierCause::LockEnded));

    // At no date before 2029-01-01 is the tier above B: check every day.
    let b = rulebook.tiers.by_name("B").unwrap();
    let mut date = day("2020-01-01");
    while date < day("2029-01-01") {
        assert!(summarise(&rulebook, &file, date).tier <= b, "{date}");
        date = date.next_day().unwrap();
    }
}

#[test]
fn scenario_4_championships_reach_aaa_then_speeding_gives_aa() {
    let rulebook = rulebook();
    let mut records = vec![
        record("s1", "sports-championship", "2025-02-01"),
        record("s2", "sports-championship", "2025-05-01"),
        record("s3", "sports-championship", "2025-09-01"),
    ];
    assert_eq!(tier_on(&rulebook, &file(records.clone()), "2025-12-01"), (1060, "AAA".into(), "AAA".into()));
    records.push(record("sp1", "speeding-serious", "2025-12-10"));
    let after = assess(&rulebook, subject(), &file(records), day("2025-12-11"));
    assert_eq!((after.score, after.tier.as_str()), (1040, "AA"));
    assert!(after.locks.is_empty(), "AA does not lock");
}

#[test]
fn scenario_7_a_deduction_expires_but_stays_in_the_file() {
    let rulebook = rulebook();
    let file = file(vec![record("j1", "jaywalking", "2019-05-01")]);
    let before = assess(&rulebook, subject(), &file, day("2024-04-30"));
    assert_eq!(before.score, 995);
    assert_eq!(before.explanation[0].counts_until, day("2024-05-01"));
    let after = assess(&rulebook, subject(), &file, day("2024-05-02"));
    assert_eq!(after.score, 1000);
    assert!(after.explanation.is_empty());
    assert_eq!(after.records.len(), 1);
    assert_eq!(after.records[0].status, RecordStatus::Expired);
}

#[test]
fn scenario_8_zero_net_points_miss_the_annual_expectation() {
    let rulebook = rulebook();
    let file = file(vec![record("v1", "volunteering", "2025-04-01"), record("j1", "jaywalking", "2025-08-01")]);
    assert_eq!(annual_net_points(&rulebook, &file, 2025), 0);
    let assessment = assess(&rulebook, subject(), &file, day("2025-12-31"));
    assert_eq!(assessment.annual_expectation.net_points, 0);
    assert!(!assessment.annual_expectation.met);
    assert!(assessment.annual_expectation.year_complete);
    let mid_year = assess(&rulebook, subject(), &file, day("2025-05-01"));
    assert!(mid_year.annual_expectation.met && !mid_year.annual_expectation.year_complete);
}

#[test]
fn a_void_record_counts_nowhere_but_stays_in_the_file() {
    let rulebook = rulebook();
    let mut file = file(vec![record("t1", "tax-evasion", "2025-03-01")]);
    file.voids.push(Void { record_id: RecordId::parse("t1").unwrap(), reason: "dispute upheld".into(), recorded_on: day("2025-06-01") });
    let assessment = assess(&rulebook, subject(), &file, day("2025-04-01"));
    assert_eq!((assessment.score, assessment.tier.as_str()), (1000, "A"));
    assert_eq!(assessment.records[0].status, RecordStatus::Void);
    assert_eq!(assessment.records[0].void_reason.as_deref(), Some("dispute upheld"));
}

#[test]
fn falling_further_while_locked_takes_the_worse_tier_and_its_lock() {
    let rulebook = rulebook();
    let file = file(vec![
        record("t1", "tax-evasion", "2025-03-01"),
        record("t2", "tax-evasion", "2025-04-01"),
        record("t3", "judgment-default", "2025-05-01"),
    ]);
    let assessment = assess(&rulebook, subject(), &file, day("2025-05-01"));
    assert_eq!((assessment.score, assessment.tier.as_str()), (700, "C"));
    assert_eq!(assessment.locks[0].until, day("2027-04-01"));
}

#[test]
fn a_second_crime_restarts_the_d_lock() {
    let rulebook = rulebook();
    let file = file(vec![record("c1", "intentional-crime", "2020-01-01"), record("c2", "intentional-crime", "2023-01-01")]);
    assert_eq!(tier_on(&rulebook, &file, "2025-06-01").1, "D");
    assert_eq!(tier_on(&rulebook, &file, "2028-01-01").1, "C");
}

#[test]
fn validity_window_brackets_the_as_of_date() {
    let rulebook = rulebook();
    let file = file(vec![record("t1", "tax-evasion", "2025-03-01")]);
    let summary = summarise(&rulebook, &file, day("2025-06-01"));
    assert_eq!(summary.valid_from, day("2025-03-01"));
    assert_eq!(summary.valid_until, Some(day("2025-12-31")), "the annual status completes on the last day of the year");
    let summary = summarise(&rulebook, &file, day("2026-06-01"));
    assert_eq!(summary.valid_from, day("2026-01-01"));
    assert_eq!(summary.valid_until, Some(day("2026-12-31")));
    let summary = summarise(&rulebook, &file, day("2027-01-05"));
    assert_eq!(summary.valid_until, Some(day("2027-03-01")), "the lock ends");
}

#[test]
fn records_dated_after_the_as_of_date_do_not_count_yet() {
    let rulebook = rulebook();
    let file = file(vec![record("t1", "tax-evasion", "2025-03-01")]);
    let assessment = assess(&rulebook, subject(), &file, day("2025-01-01"));
    assert_eq!(assessment.score, 1000);
    assert_eq!(assessment.records[0].status, RecordStatus::NotYetEffective);
    assert_eq!(assessment.valid_until, Some(day("2025-03-01")));
}

#[test]
fn the_hot_summary_fits_in_64_bytes() {
    let size = std::mem::size_of::<socred_core::Summary>();
    eprintln!("Summary is {size} bytes");
    assert!(size <= 64, "{size}");
}
