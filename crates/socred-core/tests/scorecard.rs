//! Properties of the commercial score under the default scorecard, over
//! generated files: the score stays on the scale, another default never
//! raises it, another on-time repayment never lowers it, and the reasons are
//! the costliest characteristics in a stable order.

use proptest::prelude::*;
use socred_core::record::{Record, RecordId, SubjectFile, Void};
use socred_core::scorecard::{Scorecard, score};
use socred_core::{Date, SubjectId};

const BEHAVIOURS: [&str; 12] = [
    "judgment-default",
    "overdue-consumer-loan",
    "unpaid-shared-bike-ride",
    "loan-repaid-on-time",
    "bill-paid-on-time",
    "contract-fulfilled",
    "identity-verified",
    "speeding-serious",
    "tax-evasion",
    "jaywalking",
    "volunteering",
    "unknown-act",
];
const DEFAULTS: [&str; 3] = ["judgment-default", "overdue-consumer-loan", "unpaid-shared-bike-ride"];
const ON_TIME: [&str; 4] = ["loan-repaid-on-time", "bill-paid-on-time", "contract-fulfilled", "identity-verified"];

fn day() -> impl Strategy<Value = Date> {
    // 2010-01-01 and about 17 years on, leap days included.
    (0i32..6300).prop_map(|offset| Date::from_julian_day(2_455_198 + offset).unwrap())
}

fn file_strategy() -> impl Strategy<Value = SubjectFile> {
    prop::collection::vec((0..BEHAVIOURS.len(), day(), prop::bool::weighted(0.1)), 0..40).prop_map(|rows| {
        let mut file = SubjectFile::default();
        for (index, (behaviour, occurred_on, voided)) in rows.into_iter().enumerate() {
            let id = RecordId::parse(&format!("r-{index}")).unwrap();
            if voided {
                file.voids.push(Void { record_id: id.clone(), reason: "dispute upheld".into(), recorded_on: occurred_on });
            }
            file.records.push(record(id, BEHAVIOURS[behaviour], occurred_on));
        }
        file
    })
}

fn record(id: RecordId, behaviour: &str, occurred_on: Date) -> Record {
    Record {
        id,
        subject: SubjectId::parse("110101199003074514").unwrap(),
        behaviour: behaviour.into(),
        occurred_on,
        source: "test".into(),
        evidence: None,
    }
}

fn with(file: &SubjectFile, behaviour: &str, occurred_on: Date) -> SubjectFile {
    let mut more = file.clone();
    more.records.push(record(RecordId::parse("added").unwrap(), behaviour, occurred_on));
    more
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]

    #[test]
    fn the_score_stays_on_the_scale_and_its_parts_add_up(file in file_strategy(), as_of in day()) {
        let card = Scorecard::default_card();
        let scored = score(&card, &file, as_of);
        prop_assert!((350..=950).contains(&scored.score));
        let sum = card.scaling.base_points + scored.dimensions.iter().map(|d| d.points).sum::<i64>();
        prop_assert_eq!(scored.score, sum.clamp(350, 950));
        prop_assert_eq!(sum, card.scaling.base_points + scored.characteristics.iter().map(|c| c.points).sum::<i64>());
    }

    #[test]
    fn another_default_never_raises_the_score(file in file_strategy(), as_of in day(), on in day(), which in 0..DEFAULTS.len()) {
        let card = Scorecard::default_card();
        let before = score(&card, &file, as_of).score;
        let after = score(&card, &with(&file, DEFAULTS[which], on), as_of).score;
        prop_assert!(after <= before, "{} {}: {} -> {}", DEFAULTS[which], on, before, after);
    }

    #[test]
    fn another_on_time_record_never_lowers_the_score(file in file_strategy(), as_of in day(), on in day(), which in 0..ON_TIME.len()) {
        let card = Scorecard::default_card();
        let before = score(&card, &file, as_of).score;
        let after = score(&card, &with(&file, ON_TIME[which], on), as_of).score;
        prop_assert!(after >= before, "{} {}: {} -> {}", ON_TIME[which], on, before, after);
    }

    #[test]
    fn reasons_are_the_costliest_characteristics_in_a_stable_order(file in file_strategy(), as_of in day()) {
        let card = Scorecard::default_card();
        let scored = score(&card, &file, as_of);
        prop_assert!(scored.reasons.len() <= 4);
        for pair in scored.reasons.windows(2) {
            prop_assert!(pair[0].points_lost > pair[1].points_lost
                || (pair[0].points_lost == pair[1].points_lost && pair[0].reason_code < pair[1].reason_code));
        }
        let stated: Vec<&str> = scored.reasons.iter().map(|r| r.reason_code.as_str()).collect();
        let weakest_stated = scored.reasons.last().map_or(i64::MAX, |r| r.points_lost);
        for characteristic in &scored.characteristics {
            prop_assert!(characteristic.points_lost() >= 0);
            if !stated.contains(&characteristic.reason_code.as_str()) {
                // Left out only if it cost nothing, or four costlier (or as costly, earlier by code) were stated.
                prop_assert!(characteristic.points_lost() == 0 || (scored.reasons.len() == 4 && characteristic.points_lost() <= weakest_stated));
            }
        }
        // The same file gives the same reasons.
        prop_assert_eq!(&score(&card, &file, as_of).reasons, &scored.reasons);
    }
}
