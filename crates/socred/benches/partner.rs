//! Partner NDJSON ingest: through the HTTP API (`POST /api/v1/partners/records`,
//! batches of 1,000 and of 10,000 lines, one partner pushing them one after
//! the other) against the CLI's file import of the same records
//! (`socred import FILE --partner P`, the real binary, process start included),
//! in the same run, each into a fresh copy of the same store. Every batch is
//! durable when answered (one transaction, `synchronous = FULL`).
//!
//! `cargo bench -p socred --bench partner` (`SOCRED_BENCH_RECORDS`, default 200,000).

// The same allocator as the `socred` binary the file import runs in.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use std::path::{Path, PathBuf};
use std::time::Instant;

use socred_core::SubjectId;
use socred_store::{Actor, NewAccount, NewSubject, Store};

const SUBJECTS: u64 = 100_000;

fn actor() -> Actor {
    Actor::new("bench", time::OffsetDateTime::now_utc()).unwrap()
}

/// A valid resident identity number for a sequence number.
fn person(n: u64) -> SubjectId {
    // Unique for n < 16,800,000: the sequence code is n's last three digits, the birth date the rest.
    let k = n / 1000;
    let body = format!("110101{:04}{:02}{:02}{:03}", 1950 + k % 50, 1 + (k / 50) % 12, 1 + (k / 600) % 28, n % 1000);
    let weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
    let sum: u32 = body.bytes().zip(weights).map(|(b, w)| u32::from(b - b'0') * w).sum();
    let check = b"10X98765432"[(sum % 11) as usize] as char;
    SubjectId::parse(&format!("{body}{check}")).unwrap()
}

fn template(dir: &Path) -> PathBuf {
    let path = dir.join("template.db");
    let mut store =
        Store::create(&path, socred_core::DEFAULT_RULEBOOK, "default.toml", &actor(), "bench", socred_store::TimeSettings::replay())
            .unwrap();
    let mut session = store.begin_import(&actor(), "bench.subjects").unwrap();
    for n in 0..SUBJECTS {
        session.push_subject(&NewSubject { id: person(n), name: format!("Person {n}"), guardians: vec![], represents: vec![] }).unwrap();
    }
    session.commit(serde_json::json!({})).unwrap();
    store
        .add_account(
            &NewAccount {
                username: "bikes".into(),
                role: socred_auth::Role::Partner,
                password_hash: None,
                subject: None,
                authority: Some("Hello Bike Co.".into()),
                services: vec![],
                behaviours: vec!["unpaid-shared-bike-ride".into()],
            },
            &actor(),
        )
        .unwrap();
    path
}

fn copy_of(template: &Path, name: &str) -> PathBuf {
    let path = template.with_file_name(format!("{name}.db"));
    std::fs::copy(template, &path).unwrap();
    path
}

fn lines(records: u64) -> Vec<String> {
    (0..records)
        .map(|n| {
            format!(
                r#"{{"id": "bike-{n}", "subject": "{}", "behaviour": "unpaid-shared-bike-ride", "at": "2026-0{}-{:02}"}}"#,
                person(n * 7919 % SUBJECTS),
                1 + n % 9,
                1 + n % 28
            )
        })
        .collect()
}

fn percentile(sorted: &[f64], q: f64) -> f64 {
    sorted[((sorted.len() as f64 - 1.0) * q).round() as usize]
}

struct Row {
    what: String,
    records_per_second: f64,
    detail: String,
}

fn over_http(db: &Path, lines: &[String], batch: usize) -> Row {
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    runtime.block_on(async {
        let token = {
            let mut store = Store::open(db).unwrap();
            let account = store.account("bikes").unwrap().unwrap();
            let secret = socred_auth::new_secret().unwrap();
            store.issue_token(&account, &socred_auth::secret_hash(&secret), "bench", 90, &actor()).unwrap();
            secret
        };
        let server =
            socred_server::start(socred_server::ServerConfig::new(db.to_path_buf(), "127.0.0.1:0".parse().unwrap())).await.unwrap();
        let client = reqwest::Client::new();
        let url = format!("{}/api/v1/partners/records", server.url());
        let mut latencies_ms = Vec::new();
        let started = Instant::now();
        let mut accepted = 0u64;
        for chunk in lines.chunks(batch) {
            let body = chunk.join("\n");
            let sent = Instant::now();
            let response =
                client.post(&url).bearer_auth(&token).header("content-type", "application/x-ndjson").body(body).send().await.unwrap();
            assert_eq!(response.status(), 200);
            let receipt: serde_json::Value = response.json().await.unwrap();
            latencies_ms.push(sent.elapsed().as_secs_f64() * 1000.0);
            accepted += receipt["accepted"].as_u64().unwrap();
        }
        let seconds = started.elapsed().as_secs_f64();
        server.stop().await.unwrap();
        assert_eq!(accepted, lines.len() as u64, "every record stored once");
        latencies_ms.sort_by(f64::total_cmp);
        Row {
            what: format!("HTTP API, batches of {batch}"),
            records_per_second: lines.len() as f64 / seconds,
            detail: format!(
                "{} batches; per batch p50 {:.1} ms, p99 {:.1} ms",
                latencies_ms.len(),
                percentile(&latencies_ms, 0.5),
                percentile(&latencies_ms, 0.99)
            ),
        }
    })
}

fn from_file(db: &Path, lines: &[String], dir: &Path) -> Row {
    let file = dir.join("batch.ndjson");
    std::fs::write(&file, lines.join("\n")).unwrap();
    let started = Instant::now();
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_socred"))
        .arg("--db")
        .arg(db)
        .args(["import", file.to_str().unwrap(), "--partner", "bikes", "--json"])
        .output()
        .unwrap();
    let seconds = started.elapsed().as_secs_f64();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let receipt: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(receipt["accepted"].as_u64().unwrap(), lines.len() as u64);
    Row {
        what: "CLI file import (socred import --partner)".into(),
        records_per_second: lines.len() as f64 / seconds,
        detail: format!("one file of {} lines, process start included", lines.len()),
    }
}

fn main() {
    if std::env::args().any(|a| a == "--list") {
        return;
    }
    let records: u64 = std::env::var("SOCRED_BENCH_RECORDS").ok().and_then(|v| v.parse().ok()).unwrap_or(200_000);
    let dir = tempfile::tempdir_in(env!("CARGO_TARGET_TMPDIR")).unwrap();
    eprintln!("{SUBJECTS} subjects, {records} partner records per run");
    let template = template(dir.path());
    let lines = lines(records);
    let cli = from_file(&copy_of(&template, "cli"), &lines, dir.path());
    let small = over_http(&copy_of(&template, "http-1k"), &lines, 1_000);
    let large = over_http(&copy_of(&template, "http-10k"), &lines, 10_000);
    println!("\nPartner ingest: {records} NDJSON records into a store of {SUBJECTS} subjects, each run on a fresh copy, durable");
    println!("{:<46} {:>12} {:>8}  detail", "path", "records/s", "vs CLI");
    for row in [&cli, &small, &large] {
        println!(
            "{:<46} {:>12.0} {:>7.2}x  {}",
            row.what,
            row.records_per_second,
            row.records_per_second / cli.records_per_second,
            row.detail
        );
    }
}
