//! The CLI end to end: the real binary against a fresh store per test. Every
//! argument is also fed garbage: the error names the argument and the reason,
//! the exit status is non-zero, and the store is unchanged.

use crate::common;

use common::{Env, GUARDIAN, ORG, OTHER_PERSON, PERSON};

/// `socred … | head`: output into a closed pipe ends the command quietly
/// (SIGPIPE, as any Unix tool), never with a panic.
#[test]
fn output_into_a_closed_pipe_ends_quietly() {
    let env = Env::new();
    let mut child =
        env.command(&["rulebook", "show"]).stdout(std::process::Stdio::piped()).stderr(std::process::Stdio::piped()).spawn().unwrap();
    // Closed before the command writes anything.
    drop(child.stdout.take());
    let output = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!stderr.contains("panicked") && !stderr.contains("Broken pipe"), "{stderr}");
    assert_ne!(output.status.code(), Some(101), "no panic exit");
    #[cfg(unix)]
    assert_eq!(std::os::unix::process::ExitStatusExt::signal(&output.status), Some(13), "ended by SIGPIPE");
}

#[test]
fn help_is_available_for_every_command() {
    let env = Env::empty();
    for command in [
        vec!["--help"],
        vec!["init", "--help"],
        vec!["rulebook", "check", "--help"],
        vec!["rulebook", "show", "--help"],
        vec!["rulebook", "activate", "--help"],
        vec!["policy", "compare", "--help"],
        vec!["sim", "run", "--help"],
        vec!["subject", "add", "--help"],
        vec!["subject", "show", "--help"],
        vec!["record", "add", "--help"],
        vec!["record", "void", "--help"],
        vec!["import", "--help"],
        vec!["show", "--help"],
        vec!["demo", "--help"],
        vec!["audit", "verify", "--help"],
        vec!["audit", "log", "--help"],
        vec!["audit", "head", "--help"],
    ] {
        let out = env.ok(&command);
        assert!(out.contains("Usage"), "{command:?}");
    }
}

/// The help of every command, clap's headings and notes, and clap's refusals
/// of a command line read in Chinese when it is asked for (`--lang`,
/// `SOCRED_LANG` or the locale), with exit status 2 as clap's own.
#[test]
fn help_and_usage_errors_read_in_the_readers_language() {
    let env = Env::empty();
    let top = env.ok(&["--lang", "zh-CN", "--help"]);
    for fragment in ["用法：socred", "命令", "新建一个空存储", "显示帮助", "[环境变量：SOCRED_DB]", "[默认：socred.db]"]
    {
        assert!(top.contains(fragment), "{fragment}: {top}");
    }
    for english in ["Usage:", "Print help", "Create a new, empty store", "[env:", "[default:", "The store file"] {
        assert!(!top.contains(english), "{english}: {top}");
    }
    // A subcommand's own flags and the global ones it inherits, and the choices of a value.
    let import = env.ok(&["--lang", "zh-CN", "import", "--help"]);
    for fragment in ["从 NDJSON 或 CSV 文件导入记录", "存储文件", "[可选值：ndjson, csv]", "全部成功或全部不存"] {
        assert!(import.contains(fragment), "{fragment}: {import}");
    }
    assert!(!import.contains("The store file") && !import.contains("possible values"), "{import}");

    let refused = |args: &[&str], fragments: &[&str]| {
        let output = env.command(args).output().unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
        assert_eq!(output.status.code(), Some(2), "{args:?}: {stderr}");
        for fragment in fragments {
            assert!(stderr.contains(fragment), "{args:?}: {fragment}: {stderr}");
        }
        assert!(!stderr.contains("error:") && !stderr.contains("Usage:"), "{args:?}: {stderr}");
    };
    refused(&["--lang", "zh-CN", "sim", "run", "--years", "31"], &["错误：", "--years", "“31”", "不在 1 至 30 之间"]);
    refused(&["--lang", "zh-CN", "sim", "run", "--seed", "many"], &["--seed", "不是整数"]);
    refused(&["--lang=zh-CN", "frobnicate"], &["不认识的子命令“frobnicate”", "用法：socred"]);
    refused(&["--lang", "zh-CN", "show", "--bogus", "x"], &["不认识的参数“--bogus”"]);
    refused(&["--lang", "zh-CN", "import", "--format", "xml", "f"], &["“xml”", "可选值：ndjson, csv"]);
    refused(&["--lang", "zh-CN", "subject", "add"], &["缺少必需的参数"]);
    refused(&["--lang", "zh-CN", "show", PERSON, "--as-of"], &["“--as-of <AS_OF>”需要一个值"]);
    refused(&["--lang", "zh-CN", "import", "--format", "cs", "f"], &["“cs”", "是否想用“csv”"]);
    refused(&["--lang", "zh-CN", "sim", "run", "--error-rate", "x"], &["--error-rate", "不是数字"]);
    refused(&["--lang", "zh-CN", "serve", "--addr", "here"], &["--addr", "不是地址和端口"]);
    // A language socred does not speak, said in the locale's.
    let wrong = env.command(&["--lang", "fr", "rulebook", "show"]).env("LANG", "zh_CN.UTF-8").output().unwrap();
    let stderr = String::from_utf8_lossy(&wrong.stderr);
    assert_eq!(wrong.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("“--lang <LANG>”的值“fr”无效：\"fr\" 不是 socred 所用的语言"), "{stderr}");
    // What each value of a choice means.
    let decide = env.ok(&["--lang", "zh-CN", "appeal", "decide", "--help"]);
    assert!(decide.contains("uphold（列入决定维持不变）") && decide.contains("overturn（撤销列入决定"), "{decide}");
    assert!(!decide.contains("The listing decision stands"), "{decide}");

    // SOCRED_LANG and the locale choose it too; English stays clap's own.
    let by_variable = env.command(&["--help"]).env("SOCRED_LANG", "zh-CN").output().unwrap();
    assert!(String::from_utf8_lossy(&by_variable.stdout).contains("用法：socred"));
    let by_locale = env.command(&["init", "--help"]).env("LANG", "zh_CN.UTF-8").output().unwrap();
    assert!(String::from_utf8_lossy(&by_locale.stdout).contains("新建一个空存储"));
    let english = env.command(&["sim", "run", "--years", "31"]).output().unwrap();
    let stderr = String::from_utf8_lossy(&english.stderr);
    assert_eq!(english.status.code(), Some(2));
    assert!(stderr.contains("error: invalid value '31' for '--years <YEARS>': 31 is not in 1..=30"), "{stderr}");
}

fn a_subject_is_recorded_shown_and_explained(env: Env) {
    env.add_people();
    env.ok(&[
        "record",
        "add",
        "--subject",
        PERSON,
        "--behaviour",
        "tax-evasion",
        "--at",
        "2025-03-01",
        "--source",
        "Municipal Tax Bureau",
        "--evidence",
        "case 2025-17",
        "--record-id",
        "tax-1",
    ]);
    env.ok(&["record", "add", "--subject", PERSON, "--behaviour", "national-award", "--at", "2025-06-15", "--source", "State Council"]);

    let shown = env.json(&["show", PERSON, "--as-of", "2025-07-01"]);
    assert_eq!(shown["subject"], PERSON);
    assert_eq!(shown["name"], "Li Ming");
    assert_eq!(shown["score"], 1000);
    assert_eq!(shown["tier"], "B");
    assert_eq!(shown["points_tier"], "A");
    assert_eq!(shown["locks"][0]["tier"], "B");
    assert_eq!(shown["locks"][0]["until"], "2027-03-01");
    assert_eq!(shown["records"].as_array().unwrap().len(), 2);
    assert_eq!(shown["explanation"].as_array().unwrap().len(), 2);
    assert_eq!(shown["explanation"][0]["legal_basis"], "Law of the PRC on the Administration of Tax Collection");
    assert_eq!(shown["links"]["guardians"][0]["id"], GUARDIAN);
    assert_eq!(shown["links"]["represents"][0]["id"], ORG);

    let later = env.json(&["show", PERSON, "--as-of", "2027-03-01"]);
    assert_eq!(later["tier"], "A");

    let text = env.ok(&["show", PERSON, "--as-of", "2025-07-01"]);
    assert!(text.contains("score 1000   tier B"), "{text}");
    assert!(text.contains("locked in B since 2025-03-01 until 2027-03-01"), "{text}");
    assert!(text.contains("case 2025-17"), "{text}");

    // Voiding puts the subject back as if the record never existed.
    env.ok(&["record", "void", "tax-1", "--reason", "dispute upheld: wrong taxpayer"]);
    let voided = env.json(&["show", PERSON, "--as-of", "2025-07-01"]);
    assert_eq!(voided["score"], 1100);
    assert_eq!(voided["tier"], "AAA");
    assert_eq!(voided["records"][0]["status"], "void");
    assert!(env.ok(&["audit", "verify"]).contains("audit log intact"));
    let log = env.json(&["audit", "log", "--subject", PERSON]);
    assert!(log.as_array().unwrap().iter().any(|e| e["action"] == "record.void" && e["actor"] == "test-officer"));
}

fn commands_are_idempotent(env: Env) {
    env.add_people();
    let add = ["record", "add", "--subject", PERSON, "--behaviour", "jaywalking", "--at", "2025-01-01", "--source", "Traffic Police"];
    let first = env.json(&add);
    let fingerprint = env.fingerprint();
    let second = env.json(&add);
    assert_eq!(first["record_id"], second["record_id"], "a derived id is stable");
    assert_eq!(second["result"]["outcome"], "duplicate");
    env.ok(&["subject", "add", "--id", GUARDIAN, "--name", "Wang Fang"]);
    assert_eq!(env.fingerprint(), fingerprint, "retries change nothing");
}

fn organisation_and_rulebook_commands(env: Env) {
    let out = env.json(&["subject", "add", "--id", ORG, "--name", "Fuzhou Example Co."]);
    assert_eq!(out["kind"], "organisation");
    let rulebook = env.ok(&["rulebook", "show"]);
    assert!(rulebook.contains("tax-evasion") && rulebook.contains("locks 5 years"), "{rulebook}");
    // The whole catalogue of joint rewards and punishments, each with its service, trigger, reach and basis.
    let measures = socred_core::Rulebook::from_toml(socred_core::DEFAULT_RULEBOOK, "default.toml").unwrap().measures.len();
    let (restrictions, rewards) = (rulebook.matches(", service: ").count(), rulebook.matches("when: ").count());
    assert_eq!((restrictions, rewards), (measures, measures), "{rulebook}");
    for part in [
        "tiers (recovery: one locked tier at a time",
        "restrictions (joint punishments): ",
        "No civil aviation tickets (no-flights), service: Civil aviation tickets",
        "applies to: the subject, the organisation's legal representatives",
        "a record of Evading compulsory military service",
    ] {
        assert!(rulebook.contains(part), "{part:?} missing:\n{rulebook}");
    }
    assert!(!rulebook.contains("StepWise"), "a Rust name in the output: {rulebook}");
    let chinese = env.ok(&["--lang", "zh-CN", "rulebook", "show"]);
    assert!(chinese.contains("限制措施（联合惩戒）") && chinese.contains("限制乘坐飞机（no-flights），服务：民航机票"), "{chinese}");
    let json = env.json(&["rulebook", "show"]);
    assert_eq!(json["base_score"], 1000);
    let path = env.write("good.toml", socred_core::DEFAULT_RULEBOOK);
    assert!(env.ok(&["rulebook", "check", path.to_str().unwrap()]).contains("valid"));
    let harsher = env.write(
        "v2.toml",
        socred_core::DEFAULT_RULEBOOK.replace("version = \"2026.1\"", "version = \"2026.2\"").replacen("points = -100", "points = -150", 1),
    );
    env.ok(&["subject", "add", "--id", PERSON, "--name", "Li Ming"]);
    env.ok(&["record", "add", "--subject", PERSON, "--behaviour", "tax-evasion", "--at", "2025-03-01", "--source", "Tax"]);
    assert_eq!(env.json(&["show", PERSON, "--as-of", "2025-04-01"])["score"], 900);
    let impact = env.write("impact.json", env.ok(&["policy", "compare", "--rulebook", harsher.to_str().unwrap(), "--json"]));
    assert!(env.ok(&["rulebook", "activate", harsher.to_str().unwrap(), "--impact", impact.to_str().unwrap()]).contains("activated"));
    assert_eq!(env.json(&["show", PERSON, "--as-of", "2025-04-01"])["score"], 850);
}

#[test]
fn a_missing_or_foreign_store_is_refused() {
    let env = Env::empty();
    env.refused(&["show", PERSON], &["no socred store", "socred init"]);
    assert!(!env.db.exists(), "reading never creates a store");
    std::fs::write(&env.db, "not a database, just text that is long enough to be read as a header page").unwrap();
    env.refused(&["show", PERSON], &["not a socred store"]);
    env.refused(&["init"], &["already exists"]);
    let dir = env.path("a-directory");
    std::fs::create_dir(&dir).unwrap();
    let output = env.command(&["--db", dir.to_str().unwrap(), "show", PERSON]).output().unwrap();
    assert!(!output.status.success());
}

#[test]
fn init_refuses_garbage_rulebooks_and_existing_stores() {
    let env = Env::empty();
    env.refused(&["init", "--rulebook", "/nonexistent/rules.toml"], &["rulebook", "No such file"]);
    let bad = env.write("bad.toml", socred_core::DEFAULT_RULEBOOK.replace("category = \"tax\"", "category = \"religion\""));
    env.refused(&["init", "--rulebook", bad.to_str().unwrap()], &["bad.toml:", "behaviour[0].category", "does not score religion"]);
    // In Chinese the problems are said once, in Chinese, with no English copy after them.
    let chinese =
        env.refused(&["--lang", "zh-CN", "init", "--rulebook", bad.to_str().unwrap()], &["bad.toml:", "本系统出于原则不对宗教计分"]);
    assert!(!chinese.contains("does not score"), "{chinese}");
    let binary = env.write("binary.toml", [0xff, 0xfe, 0x00, 0x01]);
    env.refused(&["init", "--rulebook", binary.to_str().unwrap()], &["rulebook", "not UTF-8"]);
    assert!(!env.db.exists(), "a refused init creates nothing");
    env.ok(&["init"]);
    let fingerprint = env.fingerprint();
    env.refused(&["init"], &["already exists"]);
    assert_eq!(env.fingerprint(), fingerprint);
}

#[test]
fn rulebook_check_reports_file_line_key_and_reason() {
    let env = Env::empty();
    let broken = socred_core::DEFAULT_RULEBOOK.replacen("points = -100", "points = -5000", 1).replacen(
        "category = \"traffic\"",
        "category = \"speech\"",
        1,
    );
    let path = env.write("broken.toml", broken);
    let stderr = env.refused(&["rulebook", "check", path.to_str().unwrap()], &["behaviour[0].points", "behaviour[2].category", "speech"]);
    assert!(stderr.lines().filter(|l| l.contains("broken.toml:")).count() >= 2, "{stderr}");
    let json = env.run(&["rulebook", "check", path.to_str().unwrap(), "--json"]);
    assert_eq!(json.status.code(), Some(1));
    let report: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    assert_eq!(report["valid"], false);
    assert!(report["problems"][0]["line"].as_u64().unwrap() > 1);
    let syntax = env.write("syntax.toml", "[rulebook\nid = 1");
    env.refused(&["rulebook", "check", syntax.to_str().unwrap()], &["syntax.toml:1:", "(syntax)"]);
    let unknown = env.write("unknown.toml", format!("{}\n[extra]\nkey = 1\n", socred_core::DEFAULT_RULEBOOK));
    env.refused(&["rulebook", "check", unknown.to_str().unwrap()], &["extra"]);
    env.refused(&["rulebook", "check", env.path("none.toml").to_str().unwrap()], &["rulebook", "none.toml"]);
    // In Chinese: the same file, line and key, each reason in Chinese.
    let chinese = env.refused(
        &["--lang", "zh-CN", "rulebook", "check", path.to_str().unwrap()],
        &["behaviour[0].points: -5000 超出 -1000..=1000 的范围", "behaviour[2].category: \"speech\" 被拒绝：本系统出于原则不对言论计分"],
    );
    assert!(!chinese.contains("is outside") && !chinese.contains("does not score"), "{chinese}");
    let chinese =
        env.refused(&["--lang", "zh-CN", "rulebook", "check", syntax.to_str().unwrap()], &["syntax.toml:1: (syntax): 文件格式有误："]);
    assert!(chinese.contains("错误"), "{chinese}");
}

fn rulebook_activate_refuses_garbage_and_dropped_behaviours(env: Env) {
    env.add_people();
    env.ok(&["record", "add", "--subject", PERSON, "--behaviour", "jaywalking", "--at", "2025-01-01", "--source", "Police"]);
    let fingerprint = env.fingerprint();
    let dropped = env.write("dropped.toml", socred_core::DEFAULT_RULEBOOK.replace("code = \"jaywalking\"", "code = \"jay-walking\""));
    env.refused(&["rulebook", "activate", dropped.to_str().unwrap()], &["behaviour", "jaywalking"]);
    // A valid version that leaves out a behaviour the ledger holds records of.
    let renamed = socred_core::DEFAULT_RULEBOOK.replace("\"jaywalking\"", "\"jay-walking\"");
    let renamed = env.write("renamed.toml", renamed);
    let impact = env.write("renamed.json", env.ok(&["policy", "compare", "--rulebook", renamed.to_str().unwrap(), "--json"]));
    let activate = ["rulebook", "activate", renamed.to_str().unwrap(), "--impact", impact.to_str().unwrap()];
    env.refused(&activate, &["behaviour", "\"jaywalking\"", "keep them in the new version"]);
    env.refused(&[&["--lang", "zh-CN"][..], &activate].concat(), &["台账中有 \"jaywalking\" 的记录"]);
    let bad = env.write("bad.toml", "garbage = [");
    env.refused(&["rulebook", "activate", bad.to_str().unwrap()], &["bad.toml"]);
    assert_eq!(env.fingerprint(), fingerprint);
}

fn subject_add_refuses_garbage(env: Env) {
    env.ok(&["subject", "add", "--id", GUARDIAN, "--name", "Wang Fang"]);
    env.ok(&["subject", "add", "--id", ORG, "--name", "Fuzhou Example Co."]);
    let fingerprint = env.fingerprint();
    let long_name = "x".repeat(129);
    let cases: Vec<(Vec<&str>, Vec<&str>)> = vec![
        (vec!["--id", "12345", "--name", "A"], vec!["--id", "18 characters"]),
        (vec!["--id", "1101011990030745A4", "--name", "A"], vec!["--id", "character 17"]),
        (vec!["--id", "990101199003074514", "--name", "A"], vec!["--id", "region"]),
        (vec!["--id", "110101199013074514", "--name", "A"], vec!["--id", "birth date"]),
        (vec!["--id", "110101199003074515", "--name", "A"], vec!["--id", "check character"]),
        (vec!["--id", "91350100M000100Y44", "--name", "A"], vec!["--id", "check character"]),
        (vec!["--id", PERSON, "--name", ""], vec!["--name", "empty"]),
        (vec!["--id", PERSON, "--name", &long_name], vec!["--name", "at most 128"]),
        (vec!["--id", PERSON, "--name", "a\u{1b}[31mred"], vec!["--name", "control"]),
        (vec!["--id", PERSON, "--name", "A", "--kind", "robot"], vec!["--kind", "robot"]),
        (vec!["--id", PERSON, "--name", "A", "--kind", "organisation"], vec!["--id"]),
        (vec!["--id", PERSON, "--name", "A", "--guardian", "nope"], vec!["--guardian", "18 characters"]),
        (vec!["--id", PERSON, "--name", "A", "--guardian", OTHER_PERSON], vec!["--guardian", "not registered"]),
        (vec!["--id", PERSON, "--name", "A", "--guardian", ORG], vec!["--guardian", "not a person"]),
        (vec!["--id", PERSON, "--name", "A", "--guardian", PERSON], vec!["--guardian", "itself"]),
        (vec!["--id", PERSON, "--name", "A", "--represents", GUARDIAN], vec!["--represents", "is not an organisation"]),
        (vec!["--id", PERSON, "--name", "A", "--represents", "91350100M000100Y4"], vec!["--represents", "18 characters"]),
        (vec!["--id", ORG, "--name", "Fuzhou Example Co.", "--guardian", GUARDIAN], vec!["--guardian", "only a person"]),
        (vec!["--id", GUARDIAN, "--name", "Another Name"], vec!["conflict", "another name"]),
        (vec!["--name", "A"], vec!["--id"]),
    ];
    for (args, fragments) in cases {
        let mut full = vec!["subject", "add"];
        full.extend(args.iter().copied());
        env.refused(&full, &fragments);
        assert_eq!(env.fingerprint(), fingerprint, "{args:?} changed the store");
    }
    env.refused(&["subject", "show", "bogus"], &["ID", "18 characters"]);
    env.refused(&["subject", "show", OTHER_PERSON], &["not registered"]);
    env.refused(&["--actor", "", "subject", "add", "--id", PERSON, "--name", "A"], &["--actor", "empty"]);
    assert_eq!(env.fingerprint(), fingerprint);
}

fn record_add_refuses_garbage(env: Env) {
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
    let long_source = "s".repeat(129);
    let long_evidence = "e".repeat(1025);
    let long_id = "i".repeat(65);
    let base = |subject: &'static str, behaviour: &'static str, at: &'static str, source: String| -> Vec<String> {
        ["record", "add", "--subject", subject, "--behaviour", behaviour, "--at", at, "--source"]
            .iter()
            .map(|s| s.to_string())
            .chain([source])
            .collect()
    };
    let cases: Vec<(Vec<String>, Vec<&str>)> = vec![
        (base("1101", "jaywalking", "2025-01-01", "P".into()), vec!["--subject", "18 characters"]),
        (base(OTHER_PERSON, "jaywalking", "2025-01-01", "P".into()), vec!["not registered"]),
        (base(PERSON, "negative-posts", "2025-01-01", "P".into()), vec!["--behaviour", "not in rulebook"]),
        (base(PERSON, "", "2025-01-01", "P".into()), vec!["--behaviour", "empty"]),
        (base(PERSON, "jaywalking", "01/02/2025", "P".into()), vec!["--at", "YYYY-MM-DD"]),
        (base(PERSON, "jaywalking", "2025-02-30", "P".into()), vec!["--at", "calendar"]),
        (base(PERSON, "jaywalking", "2025-01-01", "".into()), vec!["--source", "empty"]),
        (base(PERSON, "jaywalking", "2025-01-01", long_source), vec!["--source", "at most 128"]),
        (
            [base(PERSON, "jaywalking", "2025-01-01", "P".into()), vec!["--evidence".into(), long_evidence]].concat(),
            vec!["--evidence", "at most 1024"],
        ),
        (
            [base(PERSON, "jaywalking", "2025-01-01", "P".into()), vec!["--evidence".into(), "line\nbreak".into()]].concat(),
            vec!["--evidence", "control"],
        ),
        (
            [base(PERSON, "jaywalking", "2025-01-01", "P".into()), vec!["--record-id".into(), "has space".into()]].concat(),
            vec!["--record-id", "' '"],
        ),
        (
            [base(PERSON, "jaywalking", "2025-01-01", "P".into()), vec!["--record-id".into(), long_id]].concat(),
            vec!["--record-id", "at most 64"],
        ),
        (
            [base(PERSON, "tax-evasion", "2025-01-01", "P".into()), vec!["--record-id".into(), "taken".into()]].concat(),
            vec!["conflict", "taken"],
        ),
        (vec!["record".into(), "add".into(), "--subject".into(), PERSON.into()], vec!["--behaviour"]),
    ];
    for (args, fragments) in cases {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        env.refused(&args, &fragments);
        assert_eq!(env.fingerprint(), fingerprint, "{args:?} changed the store");
    }
    // Several bad fields are all reported at once.
    let stderr = env.refused(&["record", "add", "--subject", "x", "--behaviour", "y", "--at", "z", "--source", " "], &[]);
    for field in ["--subject", "--behaviour", "--at", "--source"] {
        assert!(stderr.contains(field), "{stderr}");
    }
}

fn record_void_refuses_garbage(env: Env) {
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
        "r1",
    ]);
    env.ok(&["record", "void", "r1", "--reason", "wrong person"]);
    let fingerprint = env.fingerprint();
    env.refused(&["record", "void", "bad id", "--reason", "x"], &["RECORD_ID", "' '"]);
    env.refused(&["record", "void", "missing", "--reason", "x"], &["record missing does not exist"]);
    env.refused(&["record", "void", "r1", "--reason", ""], &["--reason", "empty"]);
    env.refused(&["record", "void", "r1", "--reason", "another"], &["conflict", "already void"]);
    env.refused(&["record", "void", "r1"], &["--reason"]);
    assert_eq!(env.fingerprint(), fingerprint);
    env.ok(&["record", "void", "r1", "--reason", "wrong person"]);
    assert_eq!(env.fingerprint(), fingerprint, "the same void again is a no-op");
}

fn show_and_audit_refuse_garbage(env: Env) {
    env.add_people();
    let fingerprint = env.fingerprint();
    env.refused(&["show", "123"], &["ID", "18 characters"]);
    env.refused(&["show", OTHER_PERSON], &["not registered"]);
    env.refused(&["show", PERSON, "--as-of", "tomorrow"], &["--as-of", "YYYY-MM-DD"]);
    env.refused(&["show", PERSON, "--as-of", "2025-13-01"], &["--as-of", "calendar"]);
    env.refused(&["audit", "log", "--limit", "0"], &["--limit"]);
    env.refused(&["audit", "log", "--limit", "many"], &["--limit"]);
    env.refused(&["audit", "log", "--subject", "x"], &["--subject"]);
    env.refused(&["no-such-command"], &["unrecognized subcommand"]);
    assert_eq!(env.fingerprint(), fingerprint);
    assert!(env.ok(&["audit", "head"]).split_whitespace().nth(1).unwrap().len() == 64);
}

#[test]
fn the_audit_chain_catches_a_tampered_store() {
    let env = Env::new();
    env.add_people();
    env.ok(&[
        "record",
        "add",
        "--subject",
        PERSON,
        "--behaviour",
        "tax-evasion",
        "--at",
        "2025-01-01",
        "--source",
        "Tax",
        "--record-id",
        "t1",
    ]);
    env.ok(&["audit", "verify"]);
    let store = socred_store::Store::open(&env.db).unwrap();
    store.raw_connection_for_tests().execute("UPDATE records SET behaviour = 'volunteering' WHERE record_id = 't1'", []).unwrap();
    drop(store);
    env.refused(&["audit", "verify"], &["audit chain is broken", "record.add"]);
    env.refused(&["--lang", "zh-CN", "audit", "verify"], &["错误：审计链已损坏：", "record.add"]);
}

/// Runs socred with `input` on standard input.
fn with_stdin(env: &Env, args: &[&str], input: &str) -> std::process::Output {
    use std::io::Write;
    let mut child = env
        .command(args)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(input.as_bytes()).unwrap();
    child.wait_with_output().unwrap()
}

/// The store's and the CLI's own reasons read in the output's language,
/// named by the flag, and a refused input changes nothing.
#[test]
fn refused_inputs_read_in_the_readers_language() {
    let env = Env::live();
    let fingerprint = env.fingerprint();
    let chinese = |args: &[&str], fragments: &[&str], english: &str| {
        let stderr = env.refused(&[&["--lang", "zh-CN"][..], args].concat(), fragments);
        assert!(!stderr.contains(english), "English in the Chinese output: {stderr}");
    };
    let weak = with_stdin(
        &env,
        &["--lang", "zh-CN", "account", "add", "--username", "clerk-1", "--role", "auditor", "--password-stdin"],
        "password1234\n",
    );
    let stderr = String::from_utf8_lossy(&weak.stderr);
    assert_eq!(weak.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("是常见密码") && !stderr.contains("common password"), "{stderr}");
    chinese(&["account", "add", "--username", "Clerk 1", "--role", "auditor"], &["--username", "只允许 a-z"], "allowed are");
    chinese(&["account", "disable", "--username", "nobody"], &["--username", "不存在"], "does not exist");
    chinese(&["subject", "add", "--id", PERSON, "--name", " "], &["--name", "不能为空"], "must not be empty");
    chinese(&["show", PERSON, "--known-on", "2999-01-01"], &["--known-on", "晚于今天"], "is after today");
    chinese(&["list", "public", "--region", "99"], &["--region", "不以省级行政区划代码开头"], "does not start");
    chinese(&["list", "public", "--search", PERSON], &["--search", "不能以完整的居民身份证号码"], "full identity number");
    chinese(&["import", "."], &["FILE", "是目录"], "is a directory");
    assert_eq!(env.fingerprint(), fingerprint, "a refused input changes nothing");
    let keygen = env.ok(&["--lang", "zh-CN", "audit", "keygen"]);
    assert!(keygen.contains("验证密钥：") && !keygen.contains("verifier key"), "{keygen}");
    // English, the same checks say what they always said.
    env.refused(&["list", "public", "--region", "99"], &["--region", "\"99\" does not start with a province-level code (GB/T 2260)"]);
    env.refused(&["show", PERSON, "--known-on", "2999-01-01"], &["2999-01-01 is after today"]);
}

/// The store's own conditions, conflicts and the CLI's summaries read in Chinese too.
#[test]
fn the_stores_conditions_and_conflicts_read_in_the_readers_language() {
    let env = Env::empty();
    let stderr = |args: &[&str]| String::from_utf8_lossy(&env.run(&[&["--lang", "zh-CN"][..], args].concat()).stderr).into_owned();
    let missing = stderr(&["show", PERSON]);
    assert!(missing.contains("处没有 socred 存储库") && !missing.contains("no socred store"), "{missing}");
    env.ok(&["init"]);
    let twice = stderr(&["init"]);
    assert!(twice.contains("处已有 socred 存储库") && !twice.contains("already exists"), "{twice}");
    env.ok(&["subject", "add", "--id", PERSON, "--name", "Li Ming"]);
    let fingerprint = env.fingerprint();
    env.refused(&["--lang", "zh-CN", "subject", "add", "--id", PERSON, "--name", "Li Hua"], &["已以另一名称登记"]);
    env.refused(&["subject", "add", "--id", PERSON, "--name", "Li Hua"], &["is already registered under another name"]);
    env.refused(&["--lang", "zh-CN", "--actor", " ", "subject", "add", "--id", PERSON, "--name", "Li Ming"], &["--actor", "不能为空"]);
    assert_eq!(env.fingerprint(), fingerprint, "a conflict changes nothing");
    let good = env.write("good.toml", socred_core::DEFAULT_RULEBOOK);
    let valid = env.ok(&["--lang", "zh-CN", "rulebook", "check", good.to_str().unwrap()]);
    assert!(valid.contains("有效：信用规则 default 2026.1") && !valid.contains("behaviours"), "{valid}");
}

#[test]
fn account_passwords_follow_the_rules_and_an_admin_can_reset_disable_and_enable() {
    let env = Env::live();
    let fingerprint = env.fingerprint();
    let weak = with_stdin(&env, &["account", "add", "--username", "clerk-1", "--role", "auditor", "--password-stdin"], "password1234\n");
    assert_eq!(weak.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&weak.stderr).contains("common password"), "{}", String::from_utf8_lossy(&weak.stderr));
    assert_eq!(env.fingerprint(), fingerprint, "a refused account is not stored");
    let made =
        with_stdin(&env, &["account", "add", "--username", "clerk-1", "--role", "auditor", "--password-stdin"], "a sound passphrase\n");
    assert!(made.status.success(), "{}", String::from_utf8_lossy(&made.stderr));
    let short = with_stdin(&env, &["account", "password", "--username", "clerk-1"], "too short\n");
    assert_eq!(short.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&short.stderr).contains("at least 12 characters, got 9"));
    let reset = with_stdin(&env, &["account", "password", "--username", "clerk-1"], "another sound passphrase\n");
    assert!(reset.status.success(), "{}", String::from_utf8_lossy(&reset.stderr));
    env.ok(&["account", "disable", "--username", "clerk-1"]);
    env.ok(&["account", "enable", "--username", "clerk-1"]);
    env.refused(&["account", "disable", "--username", "nobody"], &["--username", "does not exist"]);
    env.refused(&["token", "issue", "--username", "clerk-1", "--expires-in-days", "0"], &["--expires-in-days", "1-365"]);
    let audit = env.ok(&["audit", "log", "--limit", "20"]);
    for action in ["account.password-reset", "account.disable", "account.enable"] {
        assert!(audit.contains(action), "{action} in\n{audit}");
    }
}

#[test]
fn errors_say_each_cause_once_and_name_the_store_when_it_cannot_be_opened() {
    let env = Env::live();
    let bad = env.write("bad.toml", "scoring base_score\n");
    let output = env.run(&["rulebook", "activate", bad.to_str().unwrap()]);
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert_eq!(stderr.matches("expected `=`").count(), 1, "the reason once: {stderr}");
    let missing = env.path("no-such-directory").join("store.db");
    let output =
        std::process::Command::new(env!("CARGO_BIN_EXE_socred")).args(["--db", missing.to_str().unwrap(), "init"]).output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    assert!(!output.status.success());
    assert!(stderr.contains("the directory must exist and be writable"), "{stderr}");
    assert!(stderr.contains(missing.to_str().unwrap()), "{stderr}");
}

on_both_backends!(
    a_subject_is_recorded_shown_and_explained,
    commands_are_idempotent,
    subject_add_refuses_garbage,
    record_add_refuses_garbage,
    record_void_refuses_garbage,
    show_and_audit_refuse_garbage,
    organisation_and_rulebook_commands,
    rulebook_activate_refuses_garbage_and_dropped_behaviours,
);
