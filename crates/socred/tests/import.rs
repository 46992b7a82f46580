//! `socred import`: NDJSON and CSV, atomic per file, every bad row listed with
//! its line and reason, `--skip-invalid` with a rejects file, idempotent.

use crate::common;

use common::{Env, GUARDIAN, OTHER_PERSON, PERSON};

fn ndjson_line(id: &str, subject: &str, behaviour: &str, at: &str) -> String {
    format!(r#"{{"id":"{id}","subject":"{subject}","behaviour":"{behaviour}","at":"{at}","source":"Traffic Police"}}"#)
}

fn an_ndjson_file_imports_once(env: Env) {
    env.add_people();
    let content = [
        ndjson_line("n1", PERSON, "jaywalking", "2025-01-01"),
        String::new(),
        ndjson_line("n2", GUARDIAN, "volunteering", "2025-02-01"),
        r#"{"subject":"110101199003074514","behaviour":"blood-donation","at":"2025-03-01","source":"Blood Centre","evidence":null}"#.into(),
    ]
    .join("\n");
    let file = env.write("records.ndjson", content);
    let report = env.json(&["import", file.to_str().unwrap()]);
    assert_eq!(report["rows"], 3);
    assert_eq!(report["inserted"], 3);
    assert_eq!(report["committed"], true);
    let fingerprint = env.fingerprint();
    let again = env.json(&["import", file.to_str().unwrap()]);
    assert_eq!(again["inserted"], 0);
    assert_eq!(again["duplicates"], 3, "rows without an id get a stable derived id");
    assert_eq!(env.fingerprint(), fingerprint, "the same file twice stores once");
    assert_eq!(env.json(&["show", PERSON, "--as-of", "2025-06-01"])["score"], 1000);
    env.ok(&["audit", "verify"]);
}

fn a_csv_file_imports_with_optional_columns_in_any_order(env: Env) {
    env.add_people();
    let file = env.write(
        "records.csv",
        format!(
            "source,at,behaviour,subject,evidence\n\"Police, District 3\",2025-01-01,jaywalking,{PERSON},ticket 7\nPolice,2025-01-02,speeding-minor,{PERSON},\n"
        ),
    );
    let report = env.json(&["import", file.to_str().unwrap()]);
    assert_eq!(report["inserted"], 2);
    let shown = env.json(&["show", PERSON, "--as-of", "2025-06-01"]);
    assert_eq!(shown["score"], 990);
    assert_eq!(shown["records"][0]["source"], "Police, District 3");
    assert_eq!(shown["records"][0]["evidence"], "ticket 7");
    assert!(shown["records"][1].get("evidence").is_none());
}

/// Every kind of bad NDJSON row, each with the field and reason it must report.
fn bad_ndjson() -> Vec<(String, &'static str, &'static str)> {
    vec![
        ("{not json".into(), "(line)", "key must be a string"),
        (r#"{"subject":"110101199003074514","behaviour":"jaywalking","at":"2025-01-01"}"#.into(), "source", "missing field `source`"),
        (
            r#"{"subject":"110101199003074514","behaviour":"jaywalking","at":"2025-01-01","source":"P","colour":"red"}"#.into(),
            "colour",
            "unknown field",
        ),
        (r#"{"subject":110101199003074514,"behaviour":"jaywalking","at":"2025-01-01","source":"P"}"#.into(), "subject", "invalid type"),
        (ndjson_line("b1", "110101199003074515", "jaywalking", "2025-01-01"), "subject", "check character"),
        (ndjson_line("b2", PERSON, "negative-posts", "2025-01-01"), "behaviour", "not in rulebook"),
        (ndjson_line("b3", PERSON, "jaywalking", "2025-02-29"), "at", "calendar"),
        (ndjson_line("b4", PERSON, "jaywalking", "yesterday"), "at", "YYYY-MM-DD"),
        (ndjson_line("bad id", PERSON, "jaywalking", "2025-01-01"), "id", "' '"),
        (ndjson_line("b5", OTHER_PERSON, "jaywalking", "2025-01-01"), "subject", "not registered"),
        (ndjson_line("taken", PERSON, "tax-evasion", "2025-01-01"), "id", "already taken"),
        (format!("{} trailing", ndjson_line("b6", PERSON, "jaywalking", "2025-01-01")), "(line)", "one JSON object per line"),
        (
            format!(r#"{{"subject":"{PERSON}","behaviour":"jaywalking","at":"2025-01-01","source":"{}"}}"#, "s".repeat(200)),
            "source",
            "at most 128",
        ),
        (
            format!(r#"{{"subject":"{PERSON}","behaviour":"jaywalking","at":"2025-01-01","source":"{}"}}"#, "s".repeat(20_000)),
            "(line)",
            "at most 16384",
        ),
        ("[1,2,3]".into(), "(line)", "invalid type"),
    ]
}

fn one_bad_ndjson_row_rejects_the_whole_file_and_every_bad_row_is_listed(env: Env) {
    env.add_people();
    env.ok(&[
        "record",
        "add",
        "--subject",
        PERSON,
        "--behaviour",
        "jaywalking",
        "--at",
        "2025-01-01",
        "--source",
        "Police",
        "--record-id",
        "taken",
    ]);
    let fingerprint = env.fingerprint();
    let bad = bad_ndjson();
    // Good rows around the bad ones: line numbers must point at the bad ones.
    let mut lines = vec![ndjson_line("g0", PERSON, "volunteering", "2025-01-05")];
    for (line, _, _) in &bad {
        lines.push(line.clone());
        lines.push(ndjson_line(&format!("g{}", lines.len()), PERSON, "volunteering", "2025-01-05"));
    }
    let file = env.write("mixed.ndjson", lines.join("\n"));
    let stderr = env.refused(
        &["import", file.to_str().unwrap()],
        &["nothing was stored", &format!("{} of {} rows are invalid", bad.len(), lines.len())],
    );
    for (index, (_, field, reason)) in bad.iter().enumerate() {
        let line = 2 + 2 * index;
        let expected = format!("line {line}: {field}: ");
        let found =
            stderr.lines().find(|l| l.starts_with(&expected)).unwrap_or_else(|| panic!("no report for line {line} ({field}):\n{stderr}"));
        assert!(found.contains(reason), "line {line}: expected {reason:?} in {found:?}");
    }
    assert_eq!(env.fingerprint(), fingerprint, "a rejected file stores nothing");

    // In Chinese: the line, the field and the checks' reasons.
    let chinese = env.refused(&["--lang", "zh-CN", "import", file.to_str().unwrap()], &[]);
    for part in ["不在信用规则", "不是有效的日历日期"] {
        assert!(chinese.contains(part), "{part:?} in\n{chinese}");
    }
    let date_line = 2 + 2 * bad.iter().position(|(_, field, _)| *field == "at").unwrap();
    assert!(chinese.lines().any(|l| l.starts_with(&format!("第 {date_line} 行：")) && l.contains("日历日期")), "{chinese}");

    // The same in JSON.
    let output = env.run(&["import", file.to_str().unwrap(), "--json"]);
    assert_eq!(output.status.code(), Some(1));
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(report["committed"], false);
    assert_eq!(report["rejected_rows"], bad.len());
    assert_eq!(report["inserted"], 0);
    assert_eq!(env.fingerprint(), fingerprint);
}

fn invalid_utf8_is_a_bad_row(env: Env) {
    env.add_people();
    let fingerprint = env.fingerprint();
    let mut content = ndjson_line("g1", PERSON, "volunteering", "2025-01-05").into_bytes();
    content.extend_from_slice(b"\n{\"subject\":\"\xff\xfe\"}\n");
    let file = env.write("utf8.ndjson", content);
    env.refused(&["import", file.to_str().unwrap()], &["line 2: (line): is not valid UTF-8"]);
    assert_eq!(env.fingerprint(), fingerprint);
}

fn skip_invalid_stores_the_good_rows_and_writes_the_bad_ones_aside(env: Env) {
    env.add_people();
    let good = [ndjson_line("g1", PERSON, "volunteering", "2025-01-05"), ndjson_line("g2", GUARDIAN, "volunteering", "2025-01-06")];
    let bad = [ndjson_line("b1", OTHER_PERSON, "jaywalking", "2025-01-01"), "{broken".to_string()];
    let content = format!("{}\n{}\n{}\n{}\n", good[0], bad[0], good[1], bad[1]);
    let file = env.write("mixed.ndjson", content);
    let rejects = env.path("aside.ndjson");
    let output = env.run(&["import", file.to_str().unwrap(), "--skip-invalid", "--rejects", rejects.to_str().unwrap()]);
    assert!(output.status.success());
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(stdout.contains("2 inserted") && stdout.contains("2 rejected"), "{stdout}");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("line 2: subject:") && stderr.contains("line 4: (line):"), "{stderr}");
    assert_eq!(std::fs::read_to_string(&rejects).unwrap(), format!("{}\n{}\n", bad[0], bad[1]));
    assert_eq!(env.json(&["show", GUARDIAN, "--as-of", "2025-02-01"])["score"], 1005);

    // Default rejects path, and CSV keeps its header.
    let csv = env.write(
        "mixed.csv",
        format!("subject,behaviour,at,source\n{PERSON},blood-donation,2025-03-01,Centre\n{PERSON},blood-donation,not-a-date,Centre\n"),
    );
    env.ok(&["import", csv.to_str().unwrap(), "--skip-invalid"]);
    let written = std::fs::read_to_string(env.path("mixed.csv.rejected")).unwrap();
    assert_eq!(written, format!("subject,behaviour,at,source\n{PERSON},blood-donation,not-a-date,Centre\n"));
}

fn bad_csv_files_and_rows_are_refused(env: Env) {
    env.add_people();
    let fingerprint = env.fingerprint();
    let cases = [
        (
            "unknown.csv",
            format!("subject,behaviour,at,source,colour\n{PERSON},jaywalking,2025-01-01,P,red\n"),
            vec!["header", "unknown column \"colour\""],
        ),
        (
            "missing.csv",
            format!("subject,behaviour,at\n{PERSON},jaywalking,2025-01-01\n"),
            vec!["header", "missing required column \"source\""],
        ),
        ("twice.csv", "subject,subject,behaviour,at,source\n".to_string(), vec!["header", "appears twice"]),
        (
            "fields.csv",
            format!("subject,behaviour,at,source\n{PERSON},jaywalking,2025-01-01\n"),
            vec!["line 2: (line): has 3 fields; the header has 4"],
        ),
        (
            "values.csv",
            format!(
                "id,subject,behaviour,at,source\nok-1,{PERSON},jaywalking,2025-01-01,P\n,{PERSON},vibes,2025-01-01,P\nbad id,x,jaywalking,2025-01-01,P\n"
            ),
            vec!["line 3: behaviour:", "line 4: id:", "line 4: subject:", "2 of 3 rows are invalid"],
        ),
        ("empty.csv", String::new(), vec!["header", "missing required column"]),
    ];
    for (name, content, fragments) in cases {
        let file = env.write(name, content);
        env.refused(&["import", file.to_str().unwrap()], &fragments);
        assert_eq!(env.fingerprint(), fingerprint, "{name} changed the store");
    }
    // In Chinese: the header, a line's shape and the store's own refusals of a row.
    let cases = [
        ("unknown.csv", format!("subject,behaviour,at,source,colour\n{PERSON},jaywalking,2025-01-01,P,red\n"), "未知的列 \"colour\""),
        ("missing.csv", format!("subject,behaviour,at\n{PERSON},jaywalking,2025-01-01\n"), "缺少必需的列 \"source\""),
        ("fields.csv", format!("subject,behaviour,at,source\n{PERSON},jaywalking,2025-01-01\n"), "第 2 行：整行：有 3 个字段；表头有 4 个"),
        (
            "stranger.csv",
            "subject,behaviour,at,source\n110101198505051238,jaywalking,2025-01-01,P\n".to_string(),
            "主体 110101198505051238 未登记",
        ),
    ];
    for (name, content, fragment) in cases {
        let file = env.write(name, content);
        let chinese = env.refused(&["--lang", "zh-CN", "import", file.to_str().unwrap()], &[fragment]);
        assert!(!chinese.contains("column ") && !chinese.contains("fields;") && !chinese.contains("not registered"), "{chinese}");
        assert_eq!(env.fingerprint(), fingerprint, "{name} changed the store");
    }
}

fn import_arguments_are_checked(env: Env) {
    env.add_people();
    let fingerprint = env.fingerprint();
    env.refused(&["import", env.path("missing.ndjson").to_str().unwrap()], &["FILE", "missing.ndjson"]);
    let odd = env.write("records.txt", ndjson_line("x", PERSON, "jaywalking", "2025-01-01"));
    env.refused(&["import", odd.to_str().unwrap()], &["--format", "cannot tell"]);
    env.refused(&["import", odd.to_str().unwrap(), "--format", "xml"], &["--format", "xml"]);
    env.refused(&["import", odd.to_str().unwrap(), "--rejects", "r.txt"], &["--skip-invalid"]);
    let directory = env.path("a-directory.ndjson");
    std::fs::create_dir(&directory).unwrap();
    env.refused(&["import", directory.to_str().unwrap()], &["FILE", "is a directory"]);
    assert_eq!(env.fingerprint(), fingerprint);
    // --format overrides the extension.
    env.ok(&["import", odd.to_str().unwrap(), "--format", "ndjson"]);
}

on_both_backends!(
    an_ndjson_file_imports_once,
    a_csv_file_imports_with_optional_columns_in_any_order,
    one_bad_ndjson_row_rejects_the_whole_file_and_every_bad_row_is_listed,
    invalid_utf8_is_a_bad_row,
    skip_invalid_stores_the_good_rows_and_writes_the_bad_ones_aside,
    bad_csv_files_and_rows_are_refused,
    import_arguments_are_checked,
);
