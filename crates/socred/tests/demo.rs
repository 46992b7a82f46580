//! `socred demo`: seeded, reproducible, and careful with other stores.

use crate::common;

use common::Env;

fn without_timing(mut value: serde_json::Value) -> serde_json::Value {
    let object = value.as_object_mut().unwrap();
    object.remove("seconds");
    object.remove("db");
    value
}

#[test]
fn the_same_seed_gives_the_same_population() {
    let env = Env::empty();
    let args = ["demo", "--subjects", "1500", "--seed", "7", "--until", "2026-06-30"];
    let first = without_timing(env.json(&args));
    assert_eq!(first["persons"].as_u64().unwrap() + first["organisations"].as_u64().unwrap(), 1500);
    assert!(first["records"].as_u64().unwrap() > 5_000);
    let tiers: u64 = first["tiers"].as_array().unwrap().iter().map(|t| t["subjects"].as_u64().unwrap()).sum();
    assert_eq!(tiers, 1500);
    // Running again replaces the earlier demo store and gives the same result.
    let second = without_timing(env.json(&args));
    assert_eq!(first, second);
    // The examples can be shown and the audit chain verifies.
    let example = first["examples"][0]["id"].as_str().unwrap().to_string();
    let shown = env.json(&["show", &example, "--as-of", "2026-06-30"]);
    assert_eq!(shown["tier"], first["examples"][0]["tier"]);
    env.ok(&["audit", "verify"]);
    let other_seed = without_timing(env.json(&["demo", "--subjects", "1500", "--seed", "8", "--until", "2026-06-30"]));
    assert_ne!(first, other_seed);
    let text = env.ok(&["demo", "--subjects", "300", "--until", "2026-06-30"]);
    assert!(text.contains("subjects to try") && text.contains("socred --db"), "{text}");
    // In Chinese: the summary, the tiers' header, the examples and the day as Chinese writes them.
    let chinese = env.ok(&["--lang", "zh-CN", "demo", "--subjects", "300", "--until", "2026-06-30"]);
    for words in ["演示库", "截至 2026年6月30日", "主体数", "可以试试这些主体", "商业信用评分"] {
        assert!(chinese.contains(words), "{words}: {chinese}");
    }
    assert!(!chinese.contains("subjects to try") && !chinese.contains("persons"), "{chinese}");
}

#[test]
fn demo_refuses_to_replace_a_real_store_and_garbage_arguments() {
    let env = Env::new();
    let fingerprint = env.fingerprint();
    env.refused(&["demo", "--subjects", "10"], &["--db", "refusing to replace"]);
    assert_eq!(env.fingerprint(), fingerprint);
    env.refused(&["demo", "--subjects", "0"], &["--subjects"]);
    env.refused(&["demo", "--subjects", "lots"], &["--subjects"]);
    env.refused(&["demo", "--seed=-1"], &["--seed"]);
    env.refused(&["demo", "--until", "2026-02-30"], &["--until", "calendar"]);
    env.refused(&["demo", "--years", "0"], &["--years"]);
    assert_eq!(env.fingerprint(), fingerprint);
    let junk = Env::empty();
    std::fs::write(&junk.db, "not a store, just some text that fills up the first bytes of a file").unwrap();
    junk.refused(&["demo", "--subjects", "10"], &["not a socred store", "refusing to replace"]);
    assert_eq!(std::fs::read_to_string(&junk.db).unwrap(), "not a store, just some text that fills up the first bytes of a file");
}

/// On PostgreSQL the demo is the embedded one moved by export and
/// import-store: the same population, a log that verifies, and a second demo
/// replacing the first.
#[test]
fn a_demo_on_postgres_is_the_same_population_and_its_log_verifies() {
    let args = ["demo", "--subjects", "400", "--seed", "7", "--until", "2026-06-30"];
    let embedded = without_timing(Env::empty().json(&args));
    let env = Env::postgres_empty();
    let moved = without_timing(env.json(&args));
    assert_eq!(moved, embedded);
    let verified = env.ok(&["audit", "verify"]);
    assert!(verified.contains("audit log intact"), "{verified}");
    // Read back from the database, not from the scratch store it was made in.
    for example in moved["examples"].as_array().unwrap() {
        let shown = env.json(&["show", example["id"].as_str().unwrap(), "--as-of", "2026-06-30"]);
        assert_eq!((&shown["tier"], &shown["score"]), (&example["tier"], &example["score"]), "{example}");
    }
    let before = env.ok(&["audit", "head"]);
    let again = env.ok(&["demo", "--subjects", "50", "--until", "2026-06-30"]);
    assert!(again.contains("socred --db postgres://"), "the commands to try name the database: {again}");
    assert_ne!(env.ok(&["audit", "head"]), before, "the second demo replaced the first");
    assert!(env.ok(&["audit", "verify"]).contains("audit log intact"));
}

/// `demo --serve` prints a login for every role, a citizen who may apply for
/// credit repair and an appellant whose window is open on the demo's last
/// day — and the store agrees with what it printed.
#[test]
fn the_served_demo_has_an_account_for_every_role_and_cases_to_try() {
    use std::io::BufRead;
    let env = Env::empty();
    let mut child = env
        .command(&["demo", "--subjects", "2000", "--seed", "7", "--until", "2026-06-30", "--serve", "--addr", "127.0.0.1:0"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = Vec::new();
    for line in std::io::BufReader::new(child.stdout.take().unwrap()).lines() {
        let line = line.unwrap();
        let serving = line.starts_with("serving ");
        lines.push(line);
        if serving {
            break;
        }
    }
    child.kill().unwrap();
    child.wait().unwrap();
    let printed = lines.join("\n");
    for role in ["admin", "officer", "reviewer", "auditor", "subject", "provider", "partner"] {
        assert!(lines.iter().any(|line| line.split_whitespace().nth(2) == Some(role)), "no {role} login:\n{printed}");
    }
    let file_of = |username: &str| {
        let line = lines.iter().find(|line| line.trim_start().starts_with(username)).unwrap_or_else(|| panic!("{username}:\n{printed}"));
        line.split("the file of ").nth(1).unwrap().split(':').next().unwrap().to_string()
    };
    let (citizen, appellant) = (file_of("citizen "), file_of("appellant "));
    let citizen = env.json(&["file", &citizen, "--as-of", "2026-06-30"]);
    assert!(
        citizen["list_entries"]
            .as_array()
            .unwrap()
            .iter()
            .any(|entry| entry["state"] == "listed" && entry["repair_from"].as_str().is_some_and(|from| from <= "2026-06-30")),
        "the citizen may apply for repair: {citizen}"
    );
    let appellant = env.json(&["file", &appellant, "--as-of", "2026-06-30"]);
    let entry = &appellant["list_entries"][0];
    assert_eq!(entry["state"], "notice-served", "{appellant}");
    assert!(entry["notice"]["appeal_deadline"].as_str().is_some_and(|deadline| deadline > "2026-06-30"), "{appellant}");
}
