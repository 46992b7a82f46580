//! `socred check` and `socred report annual`, on both backends.

use crate::common;

use common::{Env, GUARDIAN, PERSON};

fn check_explains_the_decision_and_logs_it(env: Env) {
    env.add_people();
    env.ok(&[
        "record",
        "add",
        "--subject",
        GUARDIAN,
        "--behaviour",
        "judgment-default",
        "--at",
        "2025-01-10",
        "--source",
        "Court",
        "--record-id",
        "jd-1",
        "--on",
        "2025-01-10",
    ]);
    let flight = env.json(&["check", GUARDIAN, "--service", "civil-aviation", "--as-of", "2025-01-22"]);
    assert_eq!(flight["outcome"], "deny");
    assert_eq!(flight["reasons"][0]["measure"], "no-flights");
    assert_eq!(flight["reasons"][0]["cause"]["entry"], "blacklist:jd-1");
    assert_eq!(env.json(&["check", GUARDIAN, "--service", "ordinary-rail", "--as-of", "2025-01-22"])["outcome"], "allow");
    let school = env.json(&["check", PERSON, "--service", "private-school-admission", "--as-of", "2025-01-22"]);
    assert_eq!(school["outcome"], "deny");
    assert_eq!(school["reasons"][0]["via"]["subject"], GUARDIAN);
    let text = env.ok(&["check", PERSON, "--service", "private-school-admission", "--as-of", "2025-01-22"]);
    assert!(text.contains("through their guardian 11010519491231002X"), "{text}");
    let file = env.json(&["file", GUARDIAN]);
    assert!(
        file["checks"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["service"] == "civil-aviation" && c["outcome"] == "deny" && c["provider"] == "test-officer")
    );
    assert!(file["decisions"].as_array().unwrap().len() >= 10);
    env.ok(&["audit", "verify"]);
}

fn check_and_report_refuse_garbage(env: Env) {
    env.add_people();
    let fingerprint = env.fingerprint();
    env.refused(&["check", PERSON, "--service", "spaceflight"], &["--service", "civil-aviation"]);
    env.refused(&["check", "123", "--service", "civil-aviation"], &["ID"]);
    env.refused(&["check", PERSON, "--service", "civil-aviation", "--as-of", "x"], &["--as-of"]);
    env.refused(&["check", "440524198001010013", "--service", "civil-aviation"], &["not registered"]);
    env.refused(&["check", PERSON], &["--service"]);
    env.refused(&["report", "annual", "--year", "12"], &["--year"]);
    env.refused(&["report", "annual"], &["--year"]);
    env.refused(&["report", "annual", "--year", "2025", "--limit", "0"], &["--limit"]);
    assert_eq!(env.fingerprint(), fingerprint);
}

fn scenario_8_the_annual_expectation_report(env: Env) {
    env.add_people();
    // Li Ming gains 5 and loses 5 in 2025: net 0, below the expectation of 2.
    env.ok(&["record", "add", "--subject", PERSON, "--behaviour", "volunteering", "--at", "2025-04-01", "--source", "Volunteers"]);
    env.ok(&["record", "add", "--subject", PERSON, "--behaviour", "jaywalking", "--at", "2025-08-01", "--source", "Police"]);
    // Wang Fang gains 10.
    env.ok(&["record", "add", "--subject", GUARDIAN, "--behaviour", "blood-donation", "--at", "2025-02-01", "--source", "Blood Centre"]);
    env.ok(&["record", "add", "--subject", GUARDIAN, "--behaviour", "volunteering", "--at", "2025-03-01", "--source", "Volunteers"]);
    let report = env.json(&["report", "annual", "--year", "2025"]);
    let rows = report["rows"].as_array().unwrap();
    assert!(rows.iter().any(|r| r["subject"] == PERSON && r["net_points"] == 0), "{report}");
    assert!(!rows.iter().any(|r| r["subject"] == GUARDIAN), "{report}");
    assert_eq!(report["expected_points"], 2);
    let csv = env.ok(&["report", "annual", "--year", "2025"]);
    assert!(csv.starts_with("subject,name,net_points,expected_points\n"));
    assert!(csv.contains(&format!("{PERSON},Li Ming,0,2")), "{csv}");
}

on_both_backends!(check_explains_the_decision_and_logs_it, check_and_report_refuse_garbage, scenario_8_the_annual_expectation_report);
