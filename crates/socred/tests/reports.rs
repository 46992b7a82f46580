//! `socred report …`, `socred import --partner` and `socred partner …`:
//! the brief's scenario 9 from the command line, and garbage.

use crate::common;

use common::{Env, GUARDIAN, OTHER_PERSON, PERSON};

fn score(env: &Env, id: &str) -> i64 {
    env.json(&["show", id, "--as-of", "2026-06-30"])["score"].as_i64().unwrap()
}

fn scenario_9_from_the_command_line(env: Env) {
    env.add_people();
    env.ok(&["subject", "add", "--id", OTHER_PERSON, "--name", "Zhao Lei"]);
    let photo = env.write("photo.png", b"\x89PNG\r\n\x1a\nthe bicycle lane");
    let filed = env.json(&[
        "--actor",
        PERSON,
        "report",
        "file",
        "--reporter",
        PERSON,
        "--subject",
        GUARDIAN,
        "--behaviour",
        "rail-disorder",
        "--at",
        "2026-01-05",
        "--description",
        "took the seat I had booked",
        "--evidence",
        photo.to_str().unwrap(),
        "--report-id",
        "r-1",
        "--on",
        "2026-01-06",
    ]);
    assert_eq!(filed["state"], "submitted");
    assert_eq!(filed["evidence"][0]["media_type"], "image/png");
    assert_eq!(score(&env, GUARDIAN), 1000, "no effect before verification");
    // The reviewer may not be the reporter.
    env.refused(&["--actor", PERSON, "report", "review", "r-1"], &["filed report r-1"]);
    env.ok(&["--actor", "reviewer-chen", "report", "review", "r-1", "--on", "2026-01-07"]);
    let verified = env.json(&[
        "--actor",
        "reviewer-chen",
        "report",
        "decide",
        "r-1",
        "--outcome",
        "verified",
        "--reasons",
        "conductor's log",
        "--on",
        "2026-01-07",
    ]);
    assert_eq!(verified["state"], "verified");
    assert_eq!(score(&env, GUARDIAN), 980);
    assert_eq!(score(&env, PERSON), 1010);
    // The same facts again: a duplicate, no second reward.
    let again = env.json(&[
        "--actor",
        OTHER_PERSON,
        "report",
        "file",
        "--reporter",
        OTHER_PERSON,
        "--subject",
        GUARDIAN,
        "--behaviour",
        "rail-disorder",
        "--at",
        "2026-01-05",
        "--description",
        "me too",
        "--on",
        "2026-01-08",
    ]);
    assert_eq!(again["state"], "duplicate");
    assert_eq!(score(&env, OTHER_PERSON), 1000);
    // Malicious: the reporter pays.
    env.ok(&[
        "--actor",
        OTHER_PERSON,
        "report",
        "file",
        "--reporter",
        OTHER_PERSON,
        "--subject",
        PERSON,
        "--behaviour",
        "tax-evasion",
        "--at",
        "2026-01-05",
        "--description",
        "he must be cheating",
        "--report-id",
        "r-3",
        "--on",
        "2026-01-08",
    ]);
    env.ok(&["--actor", "reviewer-chen", "report", "review", "r-3", "--on", "2026-01-09"]);
    env.ok(&[
        "--actor",
        "reviewer-chen",
        "report",
        "decide",
        "r-3",
        "--outcome",
        "malicious",
        "--reasons",
        "invented",
        "--on",
        "2026-01-09",
    ]);
    assert_eq!(score(&env, OTHER_PERSON), 970);
    assert_eq!(score(&env, PERSON), 1010);
    let shown = env.ok(&["report", "show", "r-3"]);
    assert!(shown.contains("100% of decided found malicious"), "{shown}");
    assert!(shown.starts_with("report r-3: malicious about "), "the state by its code in English: {shown}");
    let chinese = env.ok(&["--lang", "zh-CN", "report", "show", "r-3"]);
    assert!(
        chinese.starts_with("举报 r-3：认定为恶意举报") && chinese.contains("被认定为恶意") && chinese.contains("举报人："),
        "{chinese}"
    );
    let metrics_text = env.ok(&["--lang", "zh-CN", "report", "metrics"]);
    assert!(metrics_text.contains("处理时长"), "{metrics_text}");
    let metrics = env.json(&["report", "metrics"]);
    assert!(metrics["reports"]["by_state"].as_array().unwrap().iter().any(|s| s[0] == "malicious" && s[1] == 1));
    // The reported subject's file shows the verified report.
    let file = env.json(&["file", GUARDIAN]);
    assert_eq!(file["reports_about"][0]["id"], "r-1");
    env.ok(&["audit", "verify"]);
}

fn report_commands_refuse_garbage_and_change_nothing(env: Env) {
    env.add_people();
    let fingerprint = env.fingerprint();
    let exe = env.write("tool.exe", b"MZ\x90\x00\x03\x00");
    let base = [
        "report",
        "file",
        "--reporter",
        PERSON,
        "--subject",
        GUARDIAN,
        "--behaviour",
        "jaywalking",
        "--at",
        "2026-01-05",
        "--description",
        "red light",
    ];
    fn with<'a>(base: &[&'a str], extra: &[&'a str]) -> Vec<&'a str> {
        base.iter().chain(extra).copied().collect()
    }
    env.refused(&with(&base, &["--evidence", exe.to_str().unwrap()]), &["--evidence", "not a file socred recognises"]);
    // The rules of reporting read in Chinese too.
    let chinese = [&["--lang", "zh-CN"][..], &base[..]].concat();
    env.refused(&with(&chinese, &["--evidence", exe.to_str().unwrap()]), &["--evidence", "无法根据内容识别该文件的类型"]);
    let yourself: Vec<&str> = chinese.iter().map(|arg| if *arg == GUARDIAN { PERSON } else { *arg }).collect();
    env.refused(&yourself, &["--subject", "不能举报自己"]);
    let secret = [&base[..6], &["--behaviour", "intentional-crime"], &base[8..]].concat();
    env.refused(&secret, &["--behaviour", "may not be reported by the public"]);
    env.refused(&with(&base, &["--evidence", "/no/such/file.png"]), &["--evidence"]);
    env.refused(&with(&base, &["--report-id", "bad id"]), &["id:"]);
    env.refused(
        &[
            "report",
            "file",
            "--reporter",
            "123",
            "--subject",
            GUARDIAN,
            "--behaviour",
            "jaywalking",
            "--at",
            "2026-01-05",
            "--description",
            "x",
        ],
        &["--reporter"],
    );
    env.refused(
        &[
            "report",
            "file",
            "--reporter",
            PERSON,
            "--subject",
            GUARDIAN,
            "--behaviour",
            "intentional-crime",
            "--at",
            "2026-01-05",
            "--description",
            "x",
        ],
        &["behaviour", "may not be reported"],
    );
    env.refused(
        &[
            "report",
            "file",
            "--reporter",
            PERSON,
            "--subject",
            GUARDIAN,
            "--behaviour",
            "jaywalking",
            "--at",
            "2026-13-05",
            "--description",
            "x",
        ],
        &["--at"],
    );
    env.refused(&["report", "decide", "nope", "--outcome", "maybe", "--reasons", "x"], &["--outcome", "verified, rejected, malicious"]);
    env.refused(&["report", "review", "nope"], &["report nope does not exist"]);
    env.refused(&["report", "show", "nope"], &["does not exist"]);
    let big = env.write("big.txt", vec![b'a'; 2 * 1024 * 1024 + 1]);
    env.refused(&with(&base, &["--evidence", big.to_str().unwrap()]), &["--evidence", "larger than the rulebook's"]);
    env.refused(&["partner", "confirm", "nope", "--reasons", "x"], &["pending record nope does not exist"]);
    env.refused(&["partner", "reject", "nope", "--reasons", "x"], &["pending record nope does not exist"]);
    env.refused(&["partner", "batches", "--limit", "0"], &["--limit"]);
    assert_eq!(env.fingerprint(), fingerprint);
}

fn partner_import_from_a_file(env: Env) {
    env.add_people();
    env.ok(&[
        "account",
        "add",
        "--username",
        "bikes",
        "--role",
        "partner",
        "--authority",
        "Hello Bike Co.",
        "--behaviour",
        "unpaid-shared-bike-ride",
        "--behaviour",
        "overdue-consumer-loan",
    ]);
    let line =
        |id: &str, behaviour: &str| format!(r#"{{"id": "{id}", "subject": "{PERSON}", "behaviour": "{behaviour}", "at": "2026-02-01"}}"#);
    let bad = env.write("bad.ndjson", format!("{}\n{}\n", line("p-1", "unpaid-shared-bike-ride"), line("p-2", "tax-evasion")));
    let before = score(&env, PERSON);
    env.refused(
        &["import", bad.to_str().unwrap(), "--partner", "bikes"],
        &["line 2: behaviour:", "outside partner bikes's agreement", "nothing was stored"],
    );
    // Nothing but the receipt of the refusal, under an audit entry of its own.
    assert_eq!(score(&env, PERSON), before);
    let newest = env.json(&["audit", "log", "--limit", "1"]);
    assert_eq!(newest[0]["action"], "partner.batch.refused");
    assert_eq!(newest[0]["detail"]["lines"], 2);
    let receipt = env.json(&["import", bad.to_str().unwrap(), "--partner", "bikes", "--skip-invalid", "--batch-id", "feb-1"]);
    assert_eq!((receipt["accepted"].as_u64(), receipt["rejected"].as_u64()), (Some(1), Some(1)));
    let replay = env.json(&["import", bad.to_str().unwrap(), "--partner", "bikes", "--skip-invalid", "--batch-id", "feb-1"]);
    assert_eq!(replay["replayed"], true);
    let chinese =
        env.ok(&["--lang", "zh-CN", "import", bad.to_str().unwrap(), "--partner", "bikes", "--skip-invalid", "--batch-id", "feb-1"]);
    assert!(chinese.contains("合作机构 bikes 批次 feb-1：共 2 行，接受 1 行") && chinese.contains("此批次此前已提交"), "{chinese}");
    assert_eq!(score(&env, PERSON), 998);
    let loans = env.write("loans.ndjson", line("loan-1", "overdue-consumer-loan"));
    let receipt = env.json(&["import", loans.to_str().unwrap(), "--partner", "bikes"]);
    assert_eq!(receipt["pending_review"], 1);
    assert!(env.ok(&["partner", "pending"]).contains("loan-1 from bikes"));
    env.ok(&["--actor", "reviewer-chen", "partner", "confirm", "loan-1", "--reasons", "statements seen"]);
    assert_eq!(score(&env, PERSON), 978);
    assert!(env.ok(&["partner", "batches", "--partner", "bikes"]).contains("feb-1"));
    env.refused(&["import", loans.to_str().unwrap(), "--partner", "nobody"], &["--partner", "no account"]);
    env.ok(&["account", "add", "--username", "air", "--role", "provider", "--service", "civil-aviation"]);
    env.refused(&["import", loans.to_str().unwrap(), "--partner", "air"], &["not a partner"]);
    env.refused(&["import", loans.to_str().unwrap(), "--partner", "bikes", "--batch-id", "bad id"], &["--batch-id"]);
    env.ok(&["audit", "verify"]);
}

on_both_backends!(scenario_9_from_the_command_line, report_commands_refuse_garbage_and_change_nothing, partner_import_from_a_file);
