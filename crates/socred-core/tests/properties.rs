//! Property tests of the assessment: it depends on the set of records, not on
//! their order or repetition; voiding equals never having; expiry is monotonic
//! in the as-of date; and the validity window it reports is honest.

use proptest::prelude::*;
use socred_core::assess::{Assessment, assess, summarise};
use socred_core::date::add_years;
use socred_core::id::SubjectId;
use socred_core::record::{Record, RecordId, SubjectFile, Void};
use socred_core::{DEFAULT_RULEBOOK, Date, Rulebook};

fn rulebook() -> Rulebook {
    Rulebook::from_toml(DEFAULT_RULEBOOK, "default.toml").unwrap()
}

fn subject() -> SubjectId {
    SubjectId::parse("110101199003074514").unwrap()
}

fn date_strategy() -> impl Strategy<Value = Date> {
    // 2015-01-01 .. about 2031.
    (0i32..6000).prop_map(|offset| Date::from_julian_day(2_457_024 + offset).unwrap())
}

fn record_strategy() -> impl Strategy<Value = Record> {
    let codes: Vec<String> = rulebook().behaviours.iter().map(|b| b.code.clone()).collect();
    (0u32..40, proptest::sample::select(codes), date_strategy()).prop_map(|(id, behaviour, occurred_on)| Record {
        id: RecordId::parse(&format!("r{id}")).unwrap(),
        subject: subject(),
        behaviour,
        occurred_on,
        source: "authority".into(),
        evidence: None,
    })
}

/// Records with unique ids (the store refuses conflicting duplicates).
fn records_strategy() -> impl Strategy<Value = Vec<Record>> {
    proptest::collection::vec(record_strategy(), 0..30).prop_map(|mut records| {
        records.sort_by(|a, b| a.id.cmp(&b.id));
        records.dedup_by(|a, b| a.id == b.id);
        records
    })
}

/// The parts of an assessment that a record's presence may change.
fn decisive(assessment: &Assessment) -> impl PartialEq + std::fmt::Debug + '_ {
    (
        assessment.score,
        &assessment.tier,
        &assessment.points_tier,
        &assessment.locks,
        &assessment.explanation,
        &assessment.tier_history,
        assessment.annual_expectation,
    )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn order_of_records_does_not_matter(records in records_strategy(), seed in any::<u64>(), as_of in date_strategy()) {
        let rulebook = rulebook();
        let mut shuffled = records.clone();
        // A deterministic shuffle from the seed.
        let mut state = seed | 1;
        for index in (1..shuffled.len()).rev() {
            state ^= state << 13; state ^= state >> 7; state ^= state << 17;
            shuffled.swap(index, (state % (index as u64 + 1)) as usize);
        }
        let a = assess(&rulebook, subject(), &SubjectFile { records, ..Default::default() }, as_of);
        let b = assess(&rulebook, subject(), &SubjectFile { records: shuffled, ..Default::default() }, as_of);
        prop_assert_eq!(a, b);
    }

    #[test]
    fn repeating_records_changes_nothing(records in records_strategy(), as_of in date_strategy()) {
        let rulebook = rulebook();
        let once = SubjectFile { records: records.clone(), ..Default::default() };
        let mut twice = records.clone();
        twice.extend(records);
        let twice = SubjectFile { records: twice, ..Default::default() };
        let a = assess(&rulebook, subject(), &once, as_of);
        prop_assert_eq!(&a, &assess(&rulebook, subject(), &twice, as_of));
        prop_assert_eq!(&a, &assess(&rulebook, subject(), &once, as_of));
    }

    #[test]
    fn voiding_equals_never_having(records in records_strategy(), pick in any::<prop::sample::Index>(), as_of in date_strategy()) {
        prop_assume!(!records.is_empty());
        let rulebook = rulebook();
        let victim = records[pick.index(records.len())].id.clone();
        let voided = SubjectFile {
            records: records.clone(),
            voids: vec![Void { record_id: victim.clone(), reason: "test".into(), recorded_on: socred_core::date::MIN_DATE }],
            ..Default::default()
        };
        let without = SubjectFile { records: records.into_iter().filter(|r| r.id != victim).collect(), ..Default::default() };
        let a = assess(&rulebook, subject(), &voided, as_of);
        let b = assess(&rulebook, subject(), &without, as_of);
        prop_assert_eq!(decisive(&a), decisive(&b));
        prop_assert_eq!(summarise(&rulebook, &voided, as_of), summarise(&rulebook, &without, as_of));
    }

    #[test]
    fn expiry_is_monotonic_in_the_as_of_date(records in records_strategy(), t1 in date_strategy(), t2 in date_strategy()) {
        let rulebook = rulebook();
        let (early, late) = if t1 <= t2 { (t1, t2) } else { (t2, t1) };
        let file = SubjectFile { records: records.clone(), ..Default::default() };
        let at_early = assess(&rulebook, subject(), &file, early);
        let at_late = assess(&rulebook, subject(), &file, late);
        for record in &records {
            let years = rulebook.behaviour(&record.behaviour).unwrap().years;
            let end = add_years(record.occurred_on, years);
            let counts = |a: &Assessment| a.explanation.iter().any(|c| c.record_id == record.id);
            // Counts exactly inside [occurred_on, end).
            prop_assert_eq!(counts(&at_early), record.occurred_on <= early && early < end);
            // Once expired, never counts again.
            if early >= end {
                prop_assert!(!counts(&at_late));
            }
        }
    }

    #[test]
    fn tier_never_exceeds_the_points_tier(records in records_strategy(), as_of in date_strategy()) {
        let rulebook = rulebook();
        let summary = summarise(&rulebook, &SubjectFile { records, ..Default::default() }, as_of);
        prop_assert!(summary.tier <= summary.points_tier);
        prop_assert_eq!(summary.points_tier, rulebook.tiers.for_points(summary.score));
    }

    #[test]
    fn the_validity_window_is_honest(records in records_strategy(), as_of in date_strategy(), probes in proptest::collection::vec(0i32..4000, 8)) {
        let rulebook = rulebook();
        let file = SubjectFile { records, ..Default::default() };
        let summary = summarise(&rulebook, &file, as_of);
        let full = assess(&rulebook, subject(), &file, as_of);
        prop_assert!(summary.holds_on(as_of));
        let from = summary.valid_from.to_julian_day();
        let until = summary.valid_until.map_or(from + 4000, |d| d.to_julian_day());
        for probe in probes {
            let day = Date::from_julian_day(from + probe % (until - from).max(1)).unwrap();
            if !summary.holds_on(day) { continue; }
            prop_assert_eq!(summarise(&rulebook, &file, day), summary, "summary differs on {}", day);
            let other = assess(&rulebook, subject(), &file, day);
            prop_assert_eq!(decisive(&other), decisive(&full), "assessment differs on {}", day);
            prop_assert_eq!(&other.records.iter().map(|r| &r.status).collect::<Vec<_>>(), &full.records.iter().map(|r| &r.status).collect::<Vec<_>>());
        }
        // The day before the window, or the window's end, may differ; they must at least be outside it.
        if let Some(until) = summary.valid_until {
            prop_assert!(!summary.holds_on(until));
        }
    }
}

/// Any date the calendar type can hold, the ends included: the core must
/// compute (saturating) where an edge would have refused.
fn any_date() -> impl Strategy<Value = Date> {
    prop_oneof![
        Just(Date::MIN),
        Just(Date::MAX),
        (Date::MIN.to_julian_day()..=Date::MAX.to_julian_day()).prop_map(|day| Date::from_julian_day(day).unwrap()),
        date_strategy(),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// Records, voids, events and as-of dates anywhere in the calendar: the
    /// assessment, the lists, the timeline and the check of a new event
    /// answer without a panic.
    #[test]
    fn no_date_makes_the_core_panic(
        dated in proptest::collection::vec((record_strategy(), any_date(), any_date()), 0..12),
        as_of in any_date(),
        act_on in any_date(),
    ) {
        let rulebook = rulebook();
        let mut file = SubjectFile::default();
        for (mut record, occurred_on, recorded_on) in dated {
            record.occurred_on = occurred_on;
            file.recorded.insert(record.id.clone(), socred_core::record::Recording { on: recorded_on, by: "clerk".into() });
            if recorded_on.to_julian_day() % 5 == 0 {
                file.voids.push(Void { record_id: record.id.clone(), reason: "test".into(), recorded_on });
            }
            file.records.push(record);
        }
        let summary = summarise(&rulebook, &file, as_of);
        let assessment = assess(&rulebook, subject(), &file, as_of);
        prop_assert_eq!(summary.score, assessment.score);
        let view = socred_core::lists::evaluate(&rulebook, subject(), &file, as_of);
        let _ = socred_core::assess::timeline(&rulebook, &file, as_of, act_on);
        let _ = file.as_known_on(act_on);
        for entry in &view.entries {
            let appeal = socred_core::process::Event::AppealFiled {
                appeal: socred_core::process::CaseId::parse("a-1").unwrap(),
                entry: entry.id.clone(),
                grounds: "g".into(),
            };
            let stored = socred_core::process::StoredEvent { seq: 1, on: act_on, actor: "subject".into(), event: appeal };
            let _ = socred_core::lists::check(&rulebook, subject(), &file, &stored);
        }
    }
}
