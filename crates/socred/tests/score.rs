//! `socred score`: a subject's commercial score and reasons on both backends,
//! an upheld dispute changing it at once, the staff read on the access log,
//! the scorecard's check, a reproducible sample and fit, monitoring, and garbage.

use crate::common;

use common::{Env, GUARDIAN, OTHER_PERSON, PERSON};

fn record(env: &Env, behaviour: &str, at: &str, id: &str) {
    env.ok(&[
        "record",
        "add",
        "--subject",
        PERSON,
        "--behaviour",
        behaviour,
        "--at",
        at,
        "--source",
        "Partner bank",
        "--record-id",
        id,
        "--on",
        at,
    ]);
}

fn a_score_with_its_reasons_follows_the_file(env: Env) {
    for (id, name, on) in
        [(GUARDIAN, "Wang Fang", "2025-12-01"), (PERSON, "Li Ming", "2025-12-01"), (OTHER_PERSON, "Zhao Lei", "2026-02-01")]
    {
        env.ok(&["subject", "add", "--id", id, "--name", name, "--on", on]);
    }
    record(&env, "overdue-consumer-loan", "2026-01-05", "loan-1");
    record(&env, "loan-repaid-on-time", "2026-02-01", "repaid-1");
    record(&env, "identity-verified", "2026-02-02", "id-1");
    let json = env.json(&["score", PERSON, "--as-of", "2026-03-01", "--on", "2026-03-01", "--purpose", "deposit-free rental"]);
    // 600 + 40 (no judgment) - 60 (one loan default) + 20 (one repayment) - 10 - 10 + 20 + 30 (identity) - 20 (no whole year of history) + 20
    assert_eq!(json["score"], 630, "{json}");
    assert_eq!(json["scorecard"], "default 2026.1");
    assert_eq!(json["subject"], PERSON);
    let codes: Vec<&str> = json["reasons"].as_array().unwrap().iter().map(|r| r["reason_code"].as_str().unwrap()).collect();
    assert_eq!(codes, ["CH02", "VI02", "CH03", "FC02"], "{json}");
    let lost: Vec<i64> = json["reasons"].as_array().unwrap().iter().map(|r| r["points_lost"].as_i64().unwrap()).collect();
    assert_eq!(lost, [90, 80, 60, 55]);
    assert_eq!(json["dimensions"].as_array().unwrap().len(), 4);
    // The operator's read is on the subject's access log.
    let file = env.json(&["file", PERSON, "--on", "2026-03-01"]);
    assert!(file["accesses"].to_string().contains("deposit-free rental"), "{}", file["accesses"]);

    // The loan default disputed and upheld: the score changes at once.
    env.command(&["dispute", "file", "loan-1", "--grounds", "repaid in full", "--dispute-id", "d-loan", "--on", "2026-03-02"])
        .env("SOCRED_ACTOR", PERSON)
        .output()
        .unwrap();
    let decided = env
        .command(&["dispute", "decide", "d-loan", "--outcome", "uphold", "--reasons", "the bank's error", "--on", "2026-03-03"])
        .env("SOCRED_ACTOR", "reviewer-li")
        .output()
        .unwrap();
    assert!(decided.status.success(), "{}", String::from_utf8_lossy(&decided.stderr));
    let after = env.json(&["score", PERSON, "--as-of", "2026-03-03", "--on", "2026-03-03"]);
    assert_eq!(after["score"], 720, "{after}");

    let text = env.ok(&["score", PERSON, "--as-of", "2026-03-03", "--on", "2026-03-03"]);
    assert!(text.contains("commercial score 720 (scale 350–950)") && text.contains("CH03 Too few loan repayments on time"), "{text}");
    let chinese = env.ok(&["--lang", "zh-CN", "score", PERSON, "--as-of", "2026-03-03", "--on", "2026-03-03"]);
    assert!(chinese.contains("商业信用分 720") && chinese.contains("按期还款记录不足"), "{chinese}");

    // The distribution on two days, and its chart.
    let monitored = env.json(&["score", "monitor", "--from", "2026-01-01", "--to", "2026-03-03", "--on", "2026-03-03"]);
    // Zhao Lei, registered between the two days, is in the second population only.
    assert_eq!((monitored["subjects_from"].as_u64(), monitored["subjects_to"].as_u64()), (Some(2), Some(3)), "{monitored}");
    let counted = |day: &str| monitored["bands"].as_array().unwrap().iter().map(|band| band[day].as_u64().unwrap()).sum::<u64>();
    assert_eq!((counted("from"), counted("to")), (2, 3));
    assert!(monitored["population_stability_index"].as_f64().unwrap() >= 0.0);
    let plots = env.path("plots");
    env.ok(&["score", "monitor", "--from", "2026-01-01", "--to", "2026-03-03", "--on", "2026-03-03", "--plots", plots.to_str().unwrap()]);
    let png = std::fs::read(plots.join("score-distribution.png")).unwrap();
    assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");

    // Garbage changes nothing and names the field.
    let before = env.fingerprint();
    env.refused(&["score", "110101199003074515", "--on", "2026-03-03"], &["ID"]);
    env.refused(&["score", PERSON, "--as-of", "2025-02-29", "--on", "2026-03-03"], &["--as-of"]);
    env.refused(&["score", PERSON, "--as-of", "0000-01-01", "--on", "2026-03-03"], &["--as-of"]);
    env.refused(&["score", "11010519900307451X", "--on", "2026-03-03"], &["not registered"]);
    env.refused(&["score", "--on", "2026-03-03"], &["ID"]);
    env.refused(&["score", "monitor", "--from", "2026-03-03", "--to", "2026-01-01", "--on", "2026-03-03"], &["--from"]);
    env.refused(&["score", "monitor", "--from", "2026-01-01", "--to", "9999-12-31", "--on", "2026-03-03"], &["--to"]);
    let refused_card =
        env.write("card.toml", socred_core::scorecard::DEFAULT_SCORECARD.replace("code = \"unpaid-bills\"", "code = \"online-purchases\""));
    env.refused(
        &["score", PERSON, "--scorecard", refused_card.to_str().unwrap(), "--on", "2026-03-03"],
        &["--scorecard", "purchase histories"],
    );
    // A server does not start with a card that does not fit; another card scores differently.
    env.refused(&["serve", "--addr", "127.0.0.1:0", "--scorecard", refused_card.to_str().unwrap()], &["--scorecard", "purchase histories"]);
    let chinese = env.refused(
        &["--lang", "zh-CN", "serve", "--addr", "127.0.0.1:0", "--scorecard", refused_card.to_str().unwrap()],
        &["--scorecard", "card.toml:", "购买记录"],
    );
    // The server's own log (English, for operators) says it too; the error line does not.
    let line = chinese.lines().find(|line| line.starts_with("错误：")).expect("an error line");
    assert!(!line.contains("purchase histories"), "{line}");
    assert_eq!(env.fingerprint(), before);
    let generous = env.write("generous.toml", socred_core::scorecard::DEFAULT_SCORECARD.replace("base_points = 600", "base_points = 650"));
    let scored = env.json(&["score", PERSON, "--as-of", "2026-03-03", "--on", "2026-03-03", "--scorecard", generous.to_str().unwrap()]);
    assert_eq!(scored["score"], 770, "{scored}");
}

on_both_backends!(a_score_with_its_reasons_follows_the_file);

#[test]
fn check_refuses_refused_grounds_and_non_monotone_bins() {
    let env = Env::empty();
    let default = concat!(env!("CARGO_MANIFEST_DIR"), "/../../scorecards/default.toml");
    let valid = env.ok(&["score", "check", default]);
    assert!(valid.contains("scorecard default 2026.1 is valid: 9 characteristics"), "{valid}");
    let card = socred_core::scorecard::DEFAULT_SCORECARD;
    let attempts = [
        (card.replace("dimension = \"behaviour\"", "dimension = \"interpersonal-relationships\""), "whom a person associates with"),
        (card.replace("source = \"history-years\"", "source = \"location\""), "location tracking"),
        (card.replace("{ up_to = 1, points = -120 }", "{ up_to = 1, points = 120 }"), "declared decreasing"),
        (card.replace("window_years = 5", "window_years = 50"), "window_years"),
        ("[scorecard\n".to_string(), "FILE"),
    ];
    for (text, fragment) in attempts {
        let path = env.write("attempt.toml", text);
        env.refused(&["score", "check", path.to_str().unwrap()], &[fragment]);
    }
    env.refused(&["score", "check", env.path("missing.toml").to_str().unwrap()], &["FILE"]);
    // In Chinese, a refused ground and a broken monotone read in Chinese.
    let path = env.write("attempt.toml", card.replace("source = \"history-years\"", "source = \"location\""));
    let chinese = env.refused(&["--lang", "zh-CN", "score", "check", path.to_str().unwrap()], &["读取位置追踪；本系统出于原则拒绝"]);
    assert!(!chinese.contains("location tracking"), "{chinese}");
    let path = env.write("attempt.toml", card.replace("{ up_to = 1, points = -120 }", "{ up_to = 1, points = 120 }"));
    env.refused(&["--lang", "zh-CN", "score", "check", path.to_str().unwrap()], &["该特征声明为递减"]);
}

#[test]
fn a_sample_and_its_fit_are_reproducible_from_the_seed() {
    let env = Env::empty();
    let (first, second, other) = (env.path("a.csv"), env.path("b.csv"), env.path("c.csv"));
    let written = env.ok(&["score", "sample", "--subjects", "3000", "--seed", "9", "--out", first.to_str().unwrap()]);
    assert!(written.contains("Labelled sample of 3000 rows"), "{written}");
    env.ok(&["score", "sample", "--subjects", "3000", "--seed", "9", "--out", second.to_str().unwrap()]);
    env.ok(&["score", "sample", "--subjects", "3000", "--seed", "10", "--out", other.to_str().unwrap()]);
    assert_eq!(std::fs::read(&first).unwrap(), std::fs::read(&second).unwrap());
    assert_ne!(std::fs::read(&first).unwrap(), std::fs::read(&other).unwrap());
    let header = std::fs::read_to_string(&first).unwrap().lines().next().unwrap().to_string();
    assert!(header.starts_with("judgment-defaults,loan-defaults,") && header.ends_with(",defaulted"), "{header}");

    let (card_a, card_b) = (env.path("a.toml"), env.path("b.toml"));
    let report =
        env.ok(&["score", "fit", "--sample", first.to_str().unwrap(), "--out", card_a.to_str().unwrap(), "--card-version", "fit-9"]);
    for part in ["Fitted on 3000 rows", "AUC 0.", "Gini 0.", "KS 0.", "Calibration", "10: "] {
        assert!(report.contains(part), "{part:?} in {report}");
    }
    env.ok(&["score", "fit", "--sample", second.to_str().unwrap(), "--out", card_b.to_str().unwrap(), "--card-version", "fit-9"]);
    assert_eq!(std::fs::read(&card_a).unwrap(), std::fs::read(&card_b).unwrap(), "the same sample fits the same card");
    assert!(env.ok(&["score", "check", card_a.to_str().unwrap()]).contains("scorecard default fit-9 is valid"));
    let json = env.json(&["score", "fit", "--sample", first.to_str().unwrap(), "--out", card_b.to_str().unwrap()]);
    assert!(json["quality"]["auc"].as_f64().unwrap() > 0.6, "{json}");

    // Garbage: a wrong header, a cell out of range, a label not 0 or 1, a bad version.
    let text = std::fs::read_to_string(&first).unwrap();
    let wrong_header = env.write("h.csv", text.replacen("judgment-defaults", "friends", 1));
    env.refused(&["score", "fit", "--sample", wrong_header.to_str().unwrap(), "--out", card_b.to_str().unwrap()], &["--sample", "line 1"]);
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    lines[5] = lines[5].replacen(|c: char| c.is_ascii_digit(), "-", 1);
    let bad_cell = env.write("v.csv", lines.join("\n"));
    env.refused(&["score", "fit", "--sample", bad_cell.to_str().unwrap(), "--out", card_b.to_str().unwrap()], &["--sample", "line 6"]);
    let bad_label = env.write("l.csv", format!("{text}0,0,0,0,0,0,0,0,0,2\n"));
    env.refused(&["score", "fit", "--sample", bad_label.to_str().unwrap(), "--out", card_b.to_str().unwrap()], &["column defaulted"]);
    let few = env.write("few.csv", text.lines().take(40).collect::<Vec<_>>().join("\n"));
    env.refused(
        &["score", "fit", "--sample", few.to_str().unwrap(), "--out", card_b.to_str().unwrap()],
        &["--sample", "at least 100 rows"],
    );
    env.refused(
        &["score", "fit", "--sample", first.to_str().unwrap(), "--out", card_b.to_str().unwrap(), "--card-version", "has spaces"],
        &["--card-version"],
    );
    env.refused(&["score", "sample", "--subjects", "1000001", "--out", first.to_str().unwrap()], &["--subjects"]);
}

#[test]
fn activating_a_rulebook_the_scorecard_no_longer_fits_says_so() {
    let env = Env::new();
    let source = socred_core::DEFAULT_RULEBOOK.replace("version = \"2026.1\"", "version = \"2026.2\"");
    let start = source.find("[[behaviour]]\ncode = \"bill-paid-on-time\"").unwrap();
    let end = start + source[start..].find("\n\n").unwrap();
    let without_bills = env.write("without-bills.toml", format!("{}{}", &source[..start], &source[end + 2..]));
    let output = env.run(&["rulebook", "activate", without_bills.to_str().unwrap(), "--skip-impact", "--reason", "an empty store"]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    assert!(stderr.contains("does not fit the rulebook now in force") && stderr.contains("bill-paid-on-time"), "{stderr}");
    env.refused(
        &[
            "score",
            "check",
            concat!(env!("CARGO_MANIFEST_DIR"), "/../../scorecards/default.toml"),
            "--rulebook",
            without_bills.to_str().unwrap(),
        ],
        &["bill-paid-on-time"],
    );
}
