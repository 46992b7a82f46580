//! Servers on PostgreSQL against a server on SQLite, same store content.
//!
//! 1. Checks: `POST /api/v1/checks` (random subjects, every check logged) on
//!    one server on SQLite and one on PostgreSQL, in alternating rounds; the
//!    median round's ratio is reported. Checks are answered from memory on
//!    both: what differs is the check log's commit and the token lookup.
//! 2. Staleness under load: two servers on the PostgreSQL store, both under
//!    check load; an officer's record through the first, and the time until
//!    the second answers from it (polled every millisecond), per write.
//!
//! cargo bench -p socred-server --bench servers [-- SUBJECTS [SECONDS]]
//!
//! The SQLite store is generated (seeded) and exported, and the export is
//! imported into a fresh PostgreSQL database: the same content, the same
//! checkpoint. Needs `wrk` and PostgreSQL (SOCRED_TEST_POSTGRES, default
//! the local server). On 2 cores the servers, wrk and the database share
//! the cores, so the figures are of the whole machine, not of one server.

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

mod support;

use std::process::Command;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use socred_auth::Role;
use socred_core::SubjectId;
use socred_server::ServerConfig;
use socred_sim::{Population, PopulationConfig};
use socred_store::postgres::testing::FreshDatabase;
use socred_store::{Actor, NewAccount, NewSubject, PgStore, Store};
use support::{check_script, wrk_with};

const ROUNDS: usize = 6;
const CONNECTIONS: u32 = 32;
/// Writes whose propagation is timed in the staleness run.
const WRITES: usize = 40;
const AUTHORITY: &str = "Bench Court";

fn actor() -> Actor {
    Actor::new("bench", time::OffsetDateTime::now_utc()).unwrap()
}

/// A replay store of `subjects` (each act dated the day it happened, as the
/// demo's), an officer and an airline with tokens.
fn generate(path: &std::path::Path, subjects: u64) -> (Vec<SubjectId>, String, String) {
    let mut store =
        Store::create(path, socred_core::DEFAULT_RULEBOOK, "default.toml", &actor(), "bench", socred_store::TimeSettings::replay())
            .unwrap();
    let until = time::macros::date!(2026 - 06 - 30);
    let config = PopulationConfig { seed: 3, subjects, until, years: 2 };
    let start = config.history_start();
    let mut population = Population::new(config).peekable();
    let mut ids = Vec::new();
    while population.peek().is_some() {
        let mut session = store.begin_import(&actor(), "bench.generate").unwrap();
        for subject in population.by_ref().take(50_000) {
            session.replay_on(subject.registered_on(start)).unwrap();
            ids.push(subject.id);
            session
                .push_subject(&NewSubject {
                    id: subject.id,
                    name: subject.name,
                    guardians: subject.guardians,
                    represents: subject.represents,
                })
                .unwrap();
            for record in &subject.records {
                session.replay_on(record.occurred_on).unwrap();
                session.push(record).unwrap();
            }
        }
        session.commit(serde_json::json!({})).unwrap();
    }
    let mut token = |username: &str, role: Role| {
        let account = NewAccount {
            username: username.into(),
            role,
            password_hash: None,
            subject: None,
            authority: (role == Role::Officer).then(|| AUTHORITY.to_string()),
            services: if role == Role::Provider { vec!["civil-aviation".into(), "public-sector-hiring".into()] } else { vec![] },
            behaviours: vec![],
        };
        store.add_account(&account, &actor()).unwrap();
        let account = store.account(username).unwrap().unwrap();
        let secret = socred_auth::new_secret().unwrap();
        store.issue_token(&account, &socred_auth::secret_hash(&secret), "bench", 30, &actor()).unwrap();
        secret
    };
    let (officer, airline) = (token("officer-1", Role::Officer), token("airline-1", Role::Provider));
    store.refresh_all(store.clock().today()).unwrap();
    (ids, officer, airline)
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

fn percentile(sorted: &[f64], share: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    sorted[((sorted.len() as f64 * share).ceil() as usize).clamp(1, sorted.len()) - 1]
}

fn main() {
    if Command::new("wrk").arg("--version").output().is_err() {
        eprintln!("this benchmark drives the servers with wrk, which is not installed: apt-get install wrk");
        std::process::exit(2);
    }
    let arguments: Vec<u64> = std::env::args().skip(1).filter_map(|a| a.parse().ok()).collect();
    let subjects = arguments.first().copied().unwrap_or(100_000);
    let seconds = arguments.get(1).copied().unwrap_or(3) as u32;
    let dir = tempfile::tempdir().unwrap();
    let started = Instant::now();
    let sqlite_path = dir.path().join("bench.db");
    let (ids, officer, airline) = generate(&sqlite_path, subjects);
    eprintln!("generated {subjects} subjects in {:.0} s", started.elapsed().as_secs_f64());
    let export = dir.path().join("export");
    Store::open(&sqlite_path).unwrap().export(&export, None).unwrap();
    let database = FreshDatabase::create("servers_bench");
    let imported = Instant::now();
    PgStore::import_export(&database.url, &export, None).unwrap();
    eprintln!("imported into PostgreSQL in {:.0} s", imported.elapsed().as_secs_f64());

    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap();
    let start = |db: std::path::PathBuf| {
        let loading = Instant::now();
        let server = runtime.block_on(socred_server::start(ServerConfig::new(db, "127.0.0.1:0".parse().unwrap()))).unwrap();
        eprintln!("server up in {:.1} s", loading.elapsed().as_secs_f64());
        server
    };
    let on_sqlite = start(sqlite_path.clone());
    let on_postgres = start(database.url.clone().into());
    let sample: Vec<SubjectId> = ids.iter().step_by((ids.len() / 20_000).max(1)).copied().collect();
    let script = check_script(dir.path(), "check.lua", &airline, &sample, false);

    // 1. Checks, alternating rounds.
    let (mut ratios, mut sqlite_rates, mut postgres_rates) = (Vec::new(), Vec::new(), Vec::new());
    let mut p99 = (Vec::new(), Vec::new());
    for round in 0..ROUNDS {
        // Each backend goes first in every other round.
        let (sqlite, postgres) = if round % 2 == 0 {
            let sqlite = wrk_with(&on_sqlite.url(), Some(&script), seconds, CONNECTIONS);
            (sqlite, wrk_with(&on_postgres.url(), Some(&script), seconds, CONNECTIONS))
        } else {
            let postgres = wrk_with(&on_postgres.url(), Some(&script), seconds, CONNECTIONS);
            (wrk_with(&on_sqlite.url(), Some(&script), seconds, CONNECTIONS), postgres)
        };
        assert!(sqlite.errors.is_empty() && postgres.errors.is_empty(), "errors: {} / {}", sqlite.errors, postgres.errors);
        eprintln!(
            "round {round}: SQLite {:.0}/s (p99 {:.2} ms), PostgreSQL {:.0}/s (p99 {:.2} ms)",
            sqlite.requests_per_second, sqlite.p99_ms, postgres.requests_per_second, postgres.p99_ms
        );
        ratios.push(postgres.requests_per_second / sqlite.requests_per_second);
        sqlite_rates.push(sqlite.requests_per_second);
        postgres_rates.push(postgres.requests_per_second);
        p99.0.push(sqlite.p99_ms);
        p99.1.push(postgres.p99_ms);
    }
    runtime.block_on(on_sqlite.stop()).unwrap();

    // 2. Staleness under load: a second server on PostgreSQL, both loaded.
    let second = start(database.url.clone().into());
    let loading = Arc::new(AtomicBool::new(true));
    let phase = Instant::now();
    let load: Vec<_> = [on_postgres.url(), second.url()]
        .into_iter()
        .map(|url| {
            let (script, loading) = (script.clone(), loading.clone());
            std::thread::spawn(move || {
                let mut checks = 0.0;
                while loading.load(Ordering::Relaxed) {
                    checks += wrk_with(&url, Some(&script), 2, CONNECTIONS / 2).requests_per_second * 2.0;
                }
                checks
            })
        })
        .collect();
    let client_runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let today = time::OffsetDateTime::now_utc().date().to_string();
    let staleness_ms: Vec<f64> = client_runtime.block_on(async {
        let client = reqwest::Client::new();
        let mut out = Vec::new();
        // Persons: the service's measure applies to them.
        let persons = ids.iter().rev().filter(|id| id.kind() == socred_core::SubjectKind::Person);
        for (number, subject) in persons.take(WRITES).enumerate() {
            let check = || {
                client
                    .post(format!("{}/api/v1/checks", second.url()))
                    .bearer_auth(&airline)
                    .json(&serde_json::json!({"subject": subject, "service": "public-sector-hiring"}))
                    .send()
            };
            let before: serde_json::Value = check().await.unwrap().json().await.unwrap();
            if before["decision"] == "deny" {
                continue;
            }
            // From the moment the write is sent: its commit may wake the
            // other server before the first has answered.
            let written = Instant::now();
            let response = client
                .post(format!("{}/api/v1/records", on_postgres.url()))
                .bearer_auth(&officer)
                .json(&serde_json::json!({"id": format!("bench-crime-{number}"), "subject": subject, "behaviour": "intentional-crime",
                    "at": today, "evidence": "bench"}))
                .send()
                .await
                .unwrap();
            assert_eq!(response.status(), 201);
            loop {
                let answer: serde_json::Value = check().await.unwrap().json().await.unwrap();
                if answer["decision"] == "deny" {
                    break;
                }
                assert!(written.elapsed() < Duration::from_secs(30), "the second server never saw a write");
                tokio::time::sleep(Duration::from_millis(1)).await;
            }
            out.push(written.elapsed().as_secs_f64() * 1000.0);
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        out
    });
    loading.store(false, Ordering::Relaxed);
    let background: f64 = load.into_iter().map(|thread| thread.join().unwrap()).sum::<f64>() / phase.elapsed().as_secs_f64();
    runtime.block_on(on_postgres.stop()).unwrap();
    runtime.block_on(second.stop()).unwrap();
    let verified = PgStore::open(&database.url).unwrap().audit_verify().unwrap();

    let mut sorted = staleness_ms.clone();
    sorted.sort_by(f64::total_cmp);
    println!("\n## servers: {subjects} subjects, {ROUNDS} alternating rounds of {seconds} s, {CONNECTIONS} connections\n");
    println!("| what | figure | peer | ratio |");
    println!("|---|---|---|---|");
    println!(
        "| `POST /api/v1/checks`, one server on PostgreSQL | {:.0} requests/s (median round), p99 {:.2} ms | one server on SQLite: {:.0} requests/s, p99 {:.2} ms | **{:.1} %** (rounds {:.1} – {:.1} %) |",
        median(postgres_rates),
        median(p99.1),
        median(sqlite_rates),
        median(p99.0),
        median(ratios.clone()) * 100.0,
        ratios.iter().copied().fold(f64::INFINITY, f64::min) * 100.0,
        ratios.iter().copied().fold(0.0, f64::max) * 100.0,
    );
    println!(
        "| a record through one server until the other answers from it, both under check load ({} writes, ~{:.0} checks/s in the background) | p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms | bound 1,000 ms | |",
        sorted.len(),
        background,
        percentile(&sorted, 0.5),
        percentile(&sorted, 0.99),
        sorted.last().copied().unwrap_or(f64::NAN),
    );
    println!("\naudit verify after the run: {} entries, {} checks in {} groups", verified.entries, verified.checks, verified.check_groups);
}
