//! The web UI in a real browser: headless Chromium (Debian's `chromium`),
//! driven by playwright-core from `browser/e2e.mjs`, against a real server on
//! port 0 and a fresh store. Screenshots go to `artifacts/browser/`.
//!
//! Needs `/usr/bin/chromium` (or `SOCRED_CHROMIUM`) and `npm ci` in
//! `crates/socred-server/browser`; `scripts/test.sh` installs both.
//! `SOCRED_SKIP_BROWSER=1` skips it, loudly, for machines without a browser.

use std::path::PathBuf;
use std::time::Duration;

use socred_core::record::{Record, RecordId};
use socred_core::{DEFAULT_RULEBOOK, SubjectId};
use socred_server::ServerConfig;
use socred_store::{Actor, NewAccount, NewSubject, Store};

const PASSWORD: &str = "a browser test password";

/// Setting up happens on 1 January 2025 (a replay store takes the day from its caller).
fn actor(name: &str) -> Actor {
    actor_on(name, "2025-01-01")
}

fn actor_on(name: &str, on: &str) -> Actor {
    let day = socred_core::parse_date(on).unwrap();
    Actor::replayed(name, day).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_web_ui_in_a_real_browser() {
    if std::env::var_os("SOCRED_SKIP_BROWSER").is_some() {
        eprintln!("SKIPPED: the browser tests (SOCRED_SKIP_BROWSER is set)");
        return;
    }
    let manifest = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let scripts = manifest.join("browser");
    let chromium = std::env::var("SOCRED_CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into());
    assert!(
        std::path::Path::new(&chromium).exists(),
        "no Chromium at {chromium}: install Debian's `chromium` (scripts/test.sh does), or set SOCRED_CHROMIUM"
    );
    assert!(scripts.join("node_modules/playwright-core").exists(), "run `npm ci` in {} (scripts/test.sh does)", scripts.display());

    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("browser.db");
    let day = |t: &str| socred_core::parse_date(t).unwrap();
    {
        let mut store =
            Store::create(&db, DEFAULT_RULEBOOK, "default.toml", &actor("setup"), "init", socred_store::TimeSettings::replay()).unwrap();
        for (id, name) in [("110101199003074514", "Li Ming"), ("440524198001010013", "Zhao Lei"), ("11010519491231002X", "Wang Fang")] {
            store
                .add_subject(
                    &NewSubject { id: SubjectId::parse(id).unwrap(), name: name.into(), guardians: vec![], represents: vec![] },
                    &actor("setup"),
                )
                .unwrap();
        }
        for (username, role, subject, authority) in [
            ("citizen", socred_auth::Role::Subject, Some("110101199003074514"), None),
            ("wang", socred_auth::Role::Subject, Some("11010519491231002X"), None),
            ("officer", socred_auth::Role::Officer, None, Some("Municipal Tax Bureau")),
            ("airline", socred_auth::Role::Provider, None, None),
            ("reviewer", socred_auth::Role::Reviewer, None, None),
            ("bikes", socred_auth::Role::Partner, None, Some("Hello Bike Co.")),
        ] {
            let account = NewAccount {
                username: username.into(),
                role,
                password_hash: Some(socred_auth::hash_password("test", PASSWORD).unwrap()),
                subject: subject.map(|s| SubjectId::parse(s).unwrap()),
                authority: authority.map(str::to_string),
                services: if role == socred_auth::Role::Provider { vec!["civil-aviation".into(), "ordinary-rail".into()] } else { vec![] },
                behaviours: if role == socred_auth::Role::Partner { vec!["unpaid-shared-bike-ride".into()] } else { vec![] },
            };
            store.add_account(&account, &actor("setup")).unwrap();
        }
        let record = |id: &str, subject: &str, behaviour: &str, on: &str, source: &str| Record {
            id: RecordId::parse(id).unwrap(),
            subject: SubjectId::parse(subject).unwrap(),
            behaviour: behaviour.into(),
            occurred_on: day(on),
            source: source.into(),
            evidence: Some("case file".into()),
        };
        store
            .add_record(
                &record("tax-1", "110101199003074514", "tax-evasion", "2025-03-01", "Municipal Tax Bureau"),
                &actor_on("officer", "2025-03-01"),
            )
            .unwrap();
        store
            .add_record(
                &record("jd-1", "11010519491231002X", "judgment-default", "2025-01-10", "Intermediate People's Court"),
                &actor_on("clerk", "2025-01-10"),
            )
            .unwrap();
        store.refresh_lists().unwrap();
        let scope = socred_store::PartnerScope {
            username: "bikes".into(),
            source: "Hello Bike Co.".into(),
            behaviours: vec!["unpaid-shared-bike-ride".into()],
        };
        let batch = "{\"id\": \"bk-1\", \"subject\": \"440524198001010013\", \"behaviour\": \"unpaid-shared-bike-ride\", \"at\": \"2026-01-02\"}\n{\"id\": \"bk-2\", \"subject\": \"440524198001010013\", \"behaviour\": \"tax-evasion\", \"at\": \"2026-01-02\"}\n";
        socred_ingest::import_partner(
            &mut store,
            batch.as_bytes(),
            socred_ingest::Format::Ndjson,
            true,
            &scope,
            "jan-1",
            0,
            &actor_on("bikes", "2026-01-05"),
        )
        .unwrap();
    }
    let subject_summary = {
        let store = Store::open(&db).unwrap();
        let today = store.clock().today();
        let summary = store.summary(&SubjectId::parse("110101199003074514").unwrap(), today).unwrap();
        (summary.score, store.rulebook().tiers.name(summary.tier).to_string())
    };
    let mut config = ServerConfig::new(db.clone(), "127.0.0.1:0".parse().unwrap());
    config.readers = 4;
    let server = socred_server::start(config).await.unwrap();
    // localhost, not 127.0.0.1: a secure context, so the Secure session cookie is kept.
    let base = format!("http://localhost:{}", server.addr.port());

    let fixture = serde_json::json!({
        "password": PASSWORD,
        "subject": {"username": "citizen", "score": subject_summary.0, "tier": subject_summary.1, "disputed_record": "tax-1"},
        "listed": {"username": "wang"},
        "officer": {"username": "officer", "subject_name": "Zhao Lei", "subject_id": "440524198001010013", "behaviour": "tax-evasion", "tier_before": "A", "tier_after": "B"},
        "provider": {"username": "airline", "subject_id": "11010519491231002X", "expect": [["civil-aviation", "deny"], ["ordinary-rail", "allow"]]},
        "report": {"subject_id": "440524198001010013", "behaviour": "jaywalking", "on": "2026-01-05"},
        "reviewer": {"username": "reviewer"},
        "partner": {"username": "bikes", "batch": "jan-1"},
        "public": {"search": "Wang", "name": "Wang Fang", "masked_id": "110105********002X", "full_id": "11010519491231002X"},
    });
    let artifacts = manifest.join("../../artifacts/browser");
    let run = tokio::process::Command::new("node")
        .arg(scripts.join("e2e.mjs"))
        .arg(&base)
        .arg(&artifacts)
        .arg(fixture.to_string())
        .env("SOCRED_CHROMIUM", &chromium)
        .current_dir(&scripts)
        .kill_on_drop(true)
        .output();
    let output = tokio::time::timeout(Duration::from_secs(300), run).await.expect("the browser tests finish within 5 minutes").unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    println!("{stdout}");
    server.stop().await.unwrap();
    assert!(output.status.success(), "browser tests failed:\n{stdout}\n{stderr}");
    assert!(stdout.contains("all browser checks passed"), "{stdout}");
    let shots =
        std::fs::read_dir(&artifacts).unwrap().filter(|e| e.as_ref().unwrap().path().extension().is_some_and(|x| x == "png")).count();
    assert!(shots >= 50, "screenshots saved: {shots}");
}
