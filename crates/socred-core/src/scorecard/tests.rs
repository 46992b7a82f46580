use super::*;
use crate::record::{Record, RecordId, SubjectFile, Void};
use crate::{SubjectId, parse_date};

fn rulebook() -> Rulebook {
    Rulebook::from_toml(crate::DEFAULT_RULEBOOK, "default.toml").unwrap()
}

fn problems(text: &str) -> Vec<RulebookProblem> {
    Scorecard::from_toml(text, "card.toml", &rulebook()).unwrap_err().problems
}

fn replace(from: &str, to: &str) -> String {
    assert!(DEFAULT_SCORECARD.contains(from), "{from}");
    DEFAULT_SCORECARD.replacen(from, to, 1)
}

fn record(index: usize, behaviour: &str, day: &str) -> Record {
    Record {
        id: RecordId::parse(&format!("r-{index}")).unwrap(),
        subject: SubjectId::parse("110101199003074514").unwrap(),
        behaviour: behaviour.into(),
        occurred_on: parse_date(day).unwrap(),
        source: "test".into(),
        evidence: None,
    }
}

fn file(records: &[(&str, &str)]) -> SubjectFile {
    SubjectFile { records: records.iter().enumerate().map(|(index, (b, day))| record(index, b, day)).collect(), ..SubjectFile::default() }
}

#[test]
fn the_default_card_is_valid_and_reaches_both_ends_of_the_scale() {
    let card = Scorecard::default_card();
    assert_eq!((card.id.as_str(), card.version.as_str()), ("default", "2026.1"));
    assert_eq!((card.scaling.min_score, card.scaling.max_score), (350, 950));
    let (low, high) = card.reach();
    assert!(low < 350 && high > 950, "{low}..{high}");
    assert_eq!(card.characteristics.len(), 9);
    for dimension in Dimension::ALL {
        assert!(card.characteristics.iter().any(|c| c.dimension == dimension), "{dimension:?}");
    }
}

#[test]
fn refused_grounds_are_refused_with_the_reason() {
    let attempts = [
        ("code = \"judgment-defaults\"", "code = \"friends-with-defaulters\"", "characteristic[0].code"),
        ("code = \"judgment-defaults\"", "code = \"online-purchases\"", "characteristic[0].code"),
        ("dimension = \"credit-history\"", "dimension = \"interpersonal-relationships\"", "characteristic[0].dimension"),
        ("source = \"records\"", "source = \"location\"", "characteristic[0].source"),
        ("source = \"records\"", "source = \"purchases\"", "characteristic[0].source"),
        ("behaviours = [\"judgment-default\"]", "behaviours = [\"religion\"]", "characteristic[0].behaviours"),
    ];
    for (from, to, key) in attempts {
        let found = problems(&replace(from, to));
        let problem = found.iter().find(|p| p.key == key).unwrap_or_else(|| panic!("{to}: {found:?}"));
        assert!(problem.reason.contains("refuses on principle"), "{to}: {}", problem.reason);
        assert!(problem.line.is_some());
    }
}

#[test]
fn bins_must_be_monotone_where_declared_and_cover_every_value() {
    let found = problems(&replace("{ up_to = 1, points = -120 }", "{ up_to = 1, points = 60 }"));
    assert_eq!(found[0].key, "characteristic[0].bins[1].points", "{found:?}");
    assert!(found[0].reason.contains("decreasing"), "{found:?}");
    let found = problems(&replace("{ points = -200 }", "{ up_to = 9, points = -200 }"));
    assert!(found[0].reason.contains("no up_to"), "{found:?}");
    let found = problems(&replace("{ up_to = 1, points = -120 }", "{ points = -120 }"));
    assert!(found[0].reason.contains("only the last bin"), "{found:?}");
    let found = problems(&replace("{ up_to = 2, points = -110 }", "{ up_to = 0, points = -110 }"));
    assert!(found[0].reason.contains("at least 2"), "{found:?}");
    let found = problems(&replace("bins = [{ up_to = 0, points = -30 }, { points = 30 }]", "bins = [{ points = 30 }]"));
    assert!(found[0].reason.contains("2-20 bins"), "{found:?}");
    let found = problems(&replace("{ up_to = 0, points = 40 }", "{ up_to = 0, points = 4000 }"));
    assert!(found[0].reason.contains("outside"), "{found:?}");
}

#[test]
fn other_mistakes_name_their_key() {
    let cases = [
        ("window_years = 5", "window_years = 0", "characteristic[0].window_years"),
        ("window_years = 5", "window_years = 11", "characteristic[0].window_years"),
        ("behaviours = [\"judgment-default\"]", "behaviours = [\"no-such-behaviour\"]", "characteristic[0].behaviours"),
        ("reason_code = \"CH02\"", "reason_code = \"CH01\"", "characteristic[1].reason_code"),
        ("reason_code = \"CH01\"", "reason_code = \"ch-1\"", "characteristic[0].reason_code"),
        ("monotone = \"decreasing\"", "monotone = \"sideways\"", "characteristic[0].monotone"),
        ("title_zh = \"近五年内未履行的法院生效判决\"", "title_zh = \"\"", "characteristic[0].title_zh"),
        ("reason_zh = \"存在未履行的法院生效判决\"", "reason_zh = \"judgment\"", "characteristic[0].reason_zh"),
        ("base_odds = 20.0", "base_odds = -1.0", "scaling.base_odds"),
        ("points_to_double_odds = 50.0", "points_to_double_odds = 0.0", "scaling.points_to_double_odds"),
        ("min_score = 350", "min_score = 960", "scaling.min_score"),
        ("version = \"2026.1\"", "version = \"2026 1\"", "scorecard.version"),
        ("window_years = 5", "window_years = 6", "characteristic[0].window_years"),
        (
            "behaviours = [\"loan-repaid-on-time\", \"contract",
            "behaviours = [\"tax-evasion\", \"loan-repaid-on-time\", \"contract",
            "characteristic[7].behaviours",
        ),
        ("{ up_to = 0, points = 40 }", "{ up_to = 0, points = -9223372036854775808 }", "characteristic[0].bins[0].points"),
        ("base_points = 600", "base_points = -9223372036854775808", "scaling.base_points"),
    ];
    for (from, to, key) in cases {
        let found = problems(&replace(from, to));
        assert!(found.iter().any(|p| p.key == key), "{to}: {found:?}");
    }
    let garbage = problems("[scorecard]\nid = 3\n");
    assert_eq!(garbage[0].line, Some(2), "{garbage:?}");
}

#[test]
fn an_empty_file_scores_by_the_bins_of_zero() {
    let card = Scorecard::default_card();
    let day = parse_date("2026-06-30").unwrap();
    let scored = score(&card, &SubjectFile::default(), day);
    // 600 + 40 + 30 - 20 - 10 - 10 + 20 - 30 - 20 + 20
    assert_eq!(scored.score, 620);
    assert_eq!(scored.scorecard, "default 2026.1");
    let codes: Vec<&str> = scored.reasons.iter().map(|r| r.reason_code.as_str()).collect();
    // Lost against the best bin: CH03 100, VI02 80, VI01 60, FC02 55, FC01 50.
    assert_eq!(codes, ["CH03", "VI02", "VI01", "FC02"]);
    assert_eq!(scored.dimensions.len(), 4);
    assert_eq!(scored.dimensions.iter().map(|d| d.points).sum::<i64>() + 600, 620);
}

#[test]
fn the_extremes_of_the_scale_are_reached_and_held() {
    let card = Scorecard::default_card();
    let day = parse_date("2026-06-30").unwrap();
    let good = file(&[
        ("loan-repaid-on-time", "2024-01-10"),
        ("loan-repaid-on-time", "2025-01-10"),
        ("loan-repaid-on-time", "2026-01-10"),
        ("contract-fulfilled", "2025-03-01"),
        ("contract-fulfilled", "2025-04-01"),
        ("contract-fulfilled", "2025-05-01"),
        ("bill-paid-on-time", "2025-02-01"),
        ("bill-paid-on-time", "2026-02-01"),
        ("identity-verified", "2016-07-01"),
        // Outside its three-year window, but ten years of verified history.
        ("contract-fulfilled", "2016-01-01"),
    ]);
    let best = score(&card, &good, day);
    assert_eq!(best.score, 950, "965 held at the top of the scale");
    assert!(best.reasons.is_empty(), "{:?}", best.reasons);
    let bad: Vec<(&str, &str)> = [
        ("judgment-default", "2026-01-01"),
        ("judgment-default", "2026-02-01"),
        ("overdue-consumer-loan", "2025-01-01"),
        ("overdue-consumer-loan", "2025-02-01"),
        ("overdue-consumer-loan", "2025-03-01"),
        ("unpaid-shared-bike-ride", "2026-01-01"),
        ("unpaid-shared-bike-ride", "2026-01-02"),
    ]
    .into_iter()
    .chain(std::iter::repeat_n(("speeding-serious", "2026-03-01"), 4))
    .collect();
    let worst = score(&card, &file(&bad), day);
    assert_eq!(worst.score, 350);
    let codes: Vec<&str> = worst.reasons.iter().map(|r| r.reason_code.as_str()).collect();
    // 240, 180, then two of 100: the tie goes by reason code.
    assert_eq!(codes, ["CH01", "CH02", "BE01", "CH03"]);
    assert_eq!(worst.reasons.iter().map(|r| r.points_lost).collect::<Vec<_>>(), [240, 180, 100, 100]);
}

#[test]
fn windows_voids_and_history_read_the_file_as_of_the_day() {
    let card = Scorecard::default_card();
    let mut subject = file(&[("judgment-default", "2021-07-01"), ("identity-verified", "2020-02-29")]);
    let judged = |s: &CommercialScore| s.characteristics.iter().find(|c| c.code == "judgment-defaults").unwrap().clone();
    let history = |s: &CommercialScore| s.characteristics.iter().find(|c| c.code == "verified-history").unwrap().clone();
    let on = |day: &str| parse_date(day).unwrap();
    let inside = score(&card, &subject, on("2026-06-30"));
    assert_eq!((judged(&inside).value, judged(&inside).changes_on), (1, Some(on("2026-07-01"))));
    let after = score(&card, &subject, on("2026-07-01"));
    assert_eq!(judged(&after).value, 0, "five years after it occurred, it no longer counts");
    assert_eq!(after.score - inside.score, 160);
    // Six whole years on 1 March 2026 (29 February has no anniversary in 2026).
    assert_eq!(history(&score(&card, &subject, on("2026-02-28"))).value, 5);
    assert_eq!(history(&score(&card, &subject, on("2026-03-01"))).value, 6);
    assert_eq!(history(&score(&card, &subject, on("2019-12-31"))).value, 0, "a record not yet occurred counts for nothing");
    // An upheld dispute voids the record: it counts at once for nothing.
    subject.voids.push(Void { record_id: subject.records[0].id.clone(), reason: "dispute upheld".into(), recorded_on: on("2026-01-01") });
    assert_eq!(judged(&score(&card, &subject, on("2026-06-30"))).value, 0);
}

#[test]
fn a_record_counts_until_the_same_day_its_window_later_across_leap_days() {
    let rulebook = Rulebook::from_toml(crate::DEFAULT_RULEBOOK, "default.toml").unwrap();
    let text = replace("window_years = 2", "window_years = 1");
    let card = Scorecard::from_toml(&text, "one-year.toml", &rulebook).unwrap();
    let subject = file(&[("speeding-serious", "2023-03-01")]);
    let offences = |day: &str| {
        let scored = score(&card, &subject, parse_date(day).unwrap());
        scored.characteristics.into_iter().find(|c| c.code == "serious-offences").unwrap()
    };
    let on_leap_day = offences("2024-02-29");
    assert_eq!((on_leap_day.value, on_leap_day.changes_on), (1, Some(parse_date("2024-03-01").unwrap())));
    assert_eq!(offences("2024-03-01").value, 0);
}
