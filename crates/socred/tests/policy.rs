//! `socred policy compare` and the impact assessment `rulebook activate`
//! requires, on both backends: the comparison's figures, activation refused
//! without it, with a stale one or with another rulebook's, and garbage.

use crate::common;

use common::{Env, GUARDIAN, ORG, PERSON};

/// The default rulebook with serious speeding at `points` and a new version.
fn proposal(env: &Env, name: &str, points: i64) -> std::path::PathBuf {
    let source = socred_core::DEFAULT_RULEBOOK.replace("version = \"2026.1\"", "version = \"2026.9\"");
    let at = source.find("code = \"speeding-serious\"").unwrap();
    let points_at = at + source[at..].find("points = ").unwrap();
    let line_end = points_at + source[points_at..].find('\n').unwrap();
    env.write(name, format!("{}points = {points}{}", &source[..points_at], &source[line_end..]))
}

fn population(env: &Env) {
    env.add_people();
    env.ok(&["record", "add", "--subject", PERSON, "--behaviour", "speeding-serious", "--at", "2026-01-10", "--source", "Traffic police"]);
    env.ok(&["record", "add", "--subject", GUARDIAN, "--behaviour", "volunteering", "--at", "2026-02-01", "--source", "Civil affairs"]);
}

fn compare_reports_the_population_and_activation_needs_it(env: Env) {
    population(&env);
    let harsher = proposal(&env, "harsher.toml", -200);
    let harsher = harsher.to_str().unwrap();
    let json = env.json(&["policy", "compare", "--rulebook", harsher]);
    let subjects = json["subjects"].as_u64().unwrap();
    assert!(subjects >= 3, "{json}");
    let moved: Vec<_> = json["transitions"].as_array().unwrap().iter().filter(|cell| cell["from"] != cell["to"]).collect();
    assert_eq!(moved.len(), 1, "{json}");
    assert_eq!((moved[0]["from"].as_str(), moved[0]["to"].as_str(), moved[0]["subjects"].as_u64()), (Some("A"), Some("C"), Some(1)));
    assert_eq!(json["largest_changes"][0]["causes"][0]["behaviour"], "speeding-serious");
    assert_eq!(json["largest_changes"][0]["score_after"], 800);
    assert!(
        json["largest_changes"][0].get("subject").is_none() && !json.to_string().contains("********") && !json.to_string().contains(PERSON),
        "nobody is named: {json}"
    );
    assert_eq!(json["digest"].as_str().unwrap().len(), 64);

    let text = env.ok(&["policy", "compare", "--rulebook", harsher]);
    for part in ["Subjects per tier", "A -> C: 1", "Largest individual changes", "speeding-serious: -20 -> -200 points", "Digest (SHA-256)"]
    {
        assert!(text.contains(part), "{part:?} in\n{text}");
    }
    // The charts, as SVG and PNG.
    let plots = env.path("plots");
    env.ok(&["policy", "compare", "--rulebook", harsher, "--plots", plots.to_str().unwrap()]);
    for chart in ["tiers", "transitions", "impact-by-province", "impact-by-age-band"] {
        let svg = std::fs::read_to_string(plots.join(format!("{chart}.svg"))).unwrap();
        assert!(svg.starts_with("<svg") && svg.contains("</svg>"), "{chart}.svg");
        let png = std::fs::read(plots.join(format!("{chart}.png"))).unwrap();
        assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n", "{chart}.png");
    }
    assert!(env.ok(&["policy", "compare", "--rulebook", harsher, "--plots", plots.to_str().unwrap()]).contains("Subjects per tier"));
    // A Chinese reader's charts are in Chinese where a font draws the Han characters, else in English with a note saying why.
    let chinese_plots = env.path("plots-zh");
    let output = env.run(&["--lang", "zh-CN", "policy", "compare", "--rulebook", harsher, "--plots", chinese_plots.to_str().unwrap()]);
    assert!(output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    let tiers = std::fs::read_to_string(chinese_plots.join("tiers.svg")).unwrap();
    let transitions = std::fs::read_to_string(chinese_plots.join("transitions.svg")).unwrap();
    let provinces = std::fs::read_to_string(chinese_plots.join("impact-by-province.svg")).unwrap();
    let han_font = socred_pdf::HAN_FONTS
        .iter()
        .filter(|(_, index)| *index == 0)
        .any(|(path, _)| socred_pdf::Face::load(std::path::Path::new(path), 0).is_ok_and(|face| face.has('中') && face.has('A')));
    if han_font {
        assert!(tiers.contains("各等级主体数") && tiers.contains("之前") && transitions.contains("等级迁移"), "{tiers}");
        assert!(provinces.contains("按省份的不利对待") && !provinces.contains("Treated worse"), "{provinces}");
        assert!(!stderr.contains("图表以英文绘制"), "{stderr}");
    } else {
        assert!(tiers.contains("Subjects per tier"), "{tiers}");
        assert!(stderr.contains("图表以英文绘制"), "{stderr}");
    }
    let not_a_directory = env.write("plots-file", "x");
    env.refused(
        &["policy", "compare", "--rulebook", harsher, "--plots", not_a_directory.to_str().unwrap()],
        &["--plots", "not a directory"],
    );
    let chinese = env.ok(&["--lang", "zh-CN", "policy", "compare", "--rulebook", harsher]);
    assert!(chinese.contains("各信用等级主体数") && chinese.contains("变动最大的主体"), "{chinese}");

    // No assessment, another rulebook's, or a stale one: refused, nothing stored.
    let fingerprint = env.fingerprint();
    env.refused(&["rulebook", "activate", harsher], &["--impact", "policy compare"]);
    let milder = proposal(&env, "milder.toml", -30);
    let other = env.write("other.json", env.ok(&["policy", "compare", "--rulebook", milder.to_str().unwrap(), "--json"]));
    env.refused(&["rulebook", "activate", harsher, "--impact", other.to_str().unwrap()], &["--impact", "another rulebook"]);
    let impact = env.write("impact.json", serde_json::to_vec(&json).unwrap());
    let edited = env.write(
        "edited.json",
        serde_json::to_vec(&{
            let mut edited = json.clone();
            edited["subjects"] = serde_json::json!(1);
            edited["digest"] = serde_json::json!("0".repeat(64));
            edited
        })
        .unwrap(),
    );
    env.refused(&["rulebook", "activate", harsher, "--impact", edited.to_str().unwrap()], &["--impact", "compare again"]);
    env.refused(&["rulebook", "activate", harsher, "--skip-impact", "--reason", "urgent"], &["--skip-impact", "without subjects"]);
    env.refused(&["rulebook", "activate", harsher, "--skip-impact"], &["--reason"]);
    env.refused(&["rulebook", "activate", harsher, "--impact", impact.to_str().unwrap(), "--skip-impact"], &["--impact"]);
    let long_reason = "x".repeat(501);
    env.refused(&["rulebook", "activate", harsher, "--skip-impact", "--reason", &long_reason], &["--reason", "1-500"]);
    let yesterday = env.write(
        "yesterday.json",
        serde_json::to_vec(&{
            let mut edited = json.clone();
            edited["as_of"] = serde_json::json!("2000-01-01");
            edited
        })
        .unwrap(),
    );
    env.refused(&["rulebook", "activate", harsher, "--impact", yesterday.to_str().unwrap()], &["--impact", "not of today"]);
    let huge = env.write("huge.json", vec![b' '; 16 * 1024 * 1024 + 1]);
    env.refused(&["rulebook", "activate", harsher, "--impact", huge.to_str().unwrap()], &["--impact"]);
    let garbage = env.write("garbage.json", "{not json");
    env.refused(&["rulebook", "activate", harsher, "--impact", garbage.to_str().unwrap()], &["--impact", "not JSON"]);
    assert_eq!(env.fingerprint(), fingerprint, "refusals store nothing");

    env.ok(&["record", "add", "--subject", ORG, "--behaviour", "speeding-serious", "--at", "2026-01-12", "--source", "Traffic police"]);
    env.refused(&["rulebook", "activate", harsher, "--impact", impact.to_str().unwrap()], &["--impact", "changed since the comparison"]);

    // A fresh comparison on the store as it is: activated, its digest on the audit log.
    let fresh = env.ok(&["policy", "compare", "--rulebook", harsher, "--json"]);
    let digest = serde_json::from_str::<serde_json::Value>(&fresh).unwrap()["digest"].as_str().unwrap().to_string();
    let impact = env.write("fresh.json", fresh);
    assert!(env.ok(&["rulebook", "activate", harsher, "--impact", impact.to_str().unwrap()]).contains("activated"));
    let audit = env.json(&["audit", "log", "--limit", "5"]);
    let activation =
        audit.as_array().unwrap().iter().find(|entry| entry["action"] == "rulebook.activate").expect("the activation is logged");
    assert_eq!(activation["detail"]["impact"]["digest"], digest.as_str(), "{activation}");
    assert_eq!(activation["detail"]["impact"]["moved_subjects"], 2, "{activation}");
}

fn compare_refuses_garbage(env: Env) {
    population(&env);
    let harsher = proposal(&env, "harsher.toml", -200);
    let harsher = harsher.to_str().unwrap();
    for day in ["2025-02-29", "0000-01-01", "9999-12-31", "yesterday"] {
        env.refused(&["policy", "compare", "--rulebook", harsher, "--as-of", day], &["--as-of"]);
    }
    env.refused(&["policy", "compare", "--rulebook", env.path("none.toml").to_str().unwrap()], &["rulebook", "none.toml"]);
    let refused = env.write("refused.toml", socred_core::DEFAULT_RULEBOOK.replace("category = \"tax\"", "category = \"religion\""));
    env.refused(&["policy", "compare", "--rulebook", refused.to_str().unwrap()], &["religion"]);
}

fn an_empty_store_may_skip_the_impact_with_a_reason(env: Env) {
    let next = proposal(&env, "next.toml", -30);
    let next = next.to_str().unwrap();
    env.refused(&["rulebook", "activate", next, "--skip-impact", "--reason", " "], &["--reason"]);
    assert!(env.ok(&["rulebook", "activate", next, "--skip-impact", "--reason", "first rulebook of a new office"]).contains("activated"));
    let audit = env.json(&["audit", "log", "--limit", "5"]);
    let activation = audit.as_array().unwrap().iter().find(|entry| entry["action"] == "rulebook.activate").unwrap();
    assert_eq!(activation["detail"]["impact"]["skipped"], true);
    assert_eq!(activation["detail"]["impact"]["reason"], "first rulebook of a new office");
}

on_both_backends!(
    compare_reports_the_population_and_activation_needs_it,
    compare_refuses_garbage,
    an_empty_store_may_skip_the_impact_with_a_reason,
);

#[test]
fn sim_run_writes_its_files_and_the_same_arguments_give_the_same_bytes() {
    let env = Env::empty();
    let harsher = proposal(&env, "harsher.toml", -200);
    let default = env.write("default.toml", socred_core::DEFAULT_RULEBOOK);
    let run = |out: &str| {
        let out = env.path(out);
        let args = ["sim", "run", "--subjects", "120", "--years", "3", "--seed", "5", "--first-year", "2027", "--error-rate", "0.3"];
        let mut args: Vec<&str> = args.to_vec();
        let (out_text, harsher_text, default_text) =
            (out.to_str().unwrap().to_string(), harsher.to_str().unwrap().to_string(), default.to_str().unwrap().to_string());
        args.extend(["--rulebook", &default_text, "--rulebook", &harsher_text, "--out", &out_text]);
        let printed = env.ok(&args);
        assert!(printed.contains("Simulated 120 subjects over 3 years under 2 rulebook(s)"), "{printed}");
        assert!(printed.contains("default 2026.1, 2029:") && printed.contains("default 2026.9, 2029:"), "{printed}");
        ["summary.csv", "tiers.csv", "measures.csv", "simulation.json"].map(|name| std::fs::read(out.join(name)).unwrap())
    };
    let first = run("first");
    assert_eq!(first, run("second"), "the same arguments give the same bytes");
    let summary = String::from_utf8(first[0].clone()).unwrap();
    assert_eq!(summary.lines().count(), 1 + 2 * 3, "a header and a line per rulebook and year:\n{summary}");
    for chart in ["restricted.svg", "restricted.png", "false-sanctions.svg", "false-sanctions.png"] {
        assert!(env.path("first").join(chart).exists(), "{chart}");
    }
    let json: serde_json::Value = serde_json::from_slice(&first[3]).unwrap();
    assert_eq!(json["years"].as_array().unwrap().len(), 6);
    assert_eq!(json["config"]["seed"], 5);
}

#[test]
fn sim_run_refuses_garbage() {
    let env = Env::empty();
    let out = env.path("out");
    let out = out.to_str().unwrap();
    // Each case gives its own value; the others are small and valid (a flag given twice would be refused by the parser instead).
    let command = |args: &[&'static str]| {
        let mut command = vec!["sim", "run", "--out", out];
        command.extend_from_slice(args);
        for (flag, value) in [("--subjects", "10"), ("--years", "1")] {
            if !args.contains(&flag) {
                command.extend([flag, value]);
            }
        }
        command
    };
    for (args, field, reason) in [
        (vec!["--error-rate", "-0.1"], "--error-rate", "must be a share between 0 and 1"),
        (vec!["--deterrence", "1.01"], "--deterrence", "must be a share between 0 and 1"),
        (vec!["--years", "31"], "--years", "1..=30"),
        (vec!["--subjects", "200001"], "--subjects", "1..=200000"),
        (vec!["--first-year", "0000"], "--first-year", "1901..=2900"),
        (vec!["--rulebook", "/nonexistent/rules.toml"], "rulebook", "rulebook"),
    ] {
        env.refused(&command(&args), &[field, reason]);
    }
    // In Chinese, a share that is none (the parser itself holds the counts and years to their ranges).
    for (args, words) in [(vec!["--deterrence", "2"], "必须是 0 到 1 之间的比例"), (vec!["--error-rate", "-1"], "必须是 0 到 1 之间的比例")]
    {
        let chinese = env.refused(&[&["--lang", "zh-CN"][..], &command(&args)].concat(), &[words]);
        assert!(!chinese.contains("must be"), "{chinese}");
    }
    let file = env.write("a-file", "not a directory");
    env.refused(&["sim", "run", "--subjects", "10", "--out", file.to_str().unwrap()], &["--out", "not a directory"]);
    assert!(!std::path::Path::new(out).join("summary.csv").exists(), "a refused run writes nothing");
}
