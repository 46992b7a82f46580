//! HTTP benchmark: `GET /api/v1/subjects/{id}` and `POST /api/v1/checks`
//! against `/healthz` on the same server, in one run, on a store of 1,000,000
//! subjects of which at least 5% are listed; load from `wrk` in a second
//! process. /healthz and the check alternate for twenty rounds of 3 s and the
//! median round's ratio is reported (with its quartiles); then the check's latency at half of that peak
//! (paced connections). Then batches of 10,000 checks, timed one by one.
//! The server runs with the allocator `socred serve` uses.
//!
//! cargo bench -p socred-server --bench http [-- SUBJECTS [SECONDS]]
//!
//! The store is generated once (seeded) and kept in `target/bench-data`
//! (or `SOCRED_BENCH_DIR`); each run works on a fresh copy of it. Needs `wrk` (Debian package `wrk`).

mod support;

use support::{PACE_MS, Run, check_script, lua_script, wrk_with};

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use std::path::{Path, PathBuf};
use std::process::Command;

use socred_core::SubjectId;
use socred_server::ServerConfig;
use socred_sim::{Population, PopulationConfig};
use socred_store::{Actor, NewAccount, NewSubject, Store};

const CONNECTIONS: u32 = 32;
/// Rounds of /healthz and the check, side by side, ROUND_SECONDS each. Many
/// short rounds: this machine's speed drifts within seconds (single rounds'
/// ratios spread over ±10 points), and a ratio is only fair between runs
/// made side by side; the median of twenty pairs is steadier than of ten.
const ROUNDS: usize = 20;
const ROUND_SECONDS: u32 = 3;
const SAMPLE_IDS: usize = 20_000;

fn actor() -> Actor {
    Actor::new("bench", time::OffsetDateTime::now_utc()).unwrap()
}

/// Builds the store once; a finished store is renamed into place, so a
/// half-built one is never reused.
fn store_of(subjects: u64, dir: &Path) -> PathBuf {
    let path = dir.join(format!("http-{subjects}.db"));
    if path.exists() {
        if Store::open(&path).is_ok() {
            eprintln!("reusing {}", path.display());
            return path;
        }
        eprintln!("{} was made by another version; generating it again", path.display());
        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
        }
    }
    std::fs::create_dir_all(dir).unwrap();
    let building = dir.join(format!("http-{subjects}.building.db"));
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", building.display()));
    }
    eprintln!("generating {subjects} subjects into {} (once)", building.display());
    let started = std::time::Instant::now();
    let mut store =
        Store::create(&building, socred_core::DEFAULT_RULEBOOK, "default.toml", &actor(), "bench", socred_store::TimeSettings::replay())
            .unwrap();
    let until = time::macros::date!(2026 - 06 - 30);
    let config = PopulationConfig { seed: 1, subjects, until, years: 2 };
    let start = config.history_start();
    let mut population = Population::new(config).peekable();
    while population.peek().is_some() {
        let mut session = store.begin_import(&actor(), "bench.generate").unwrap();
        for subject in population.by_ref().take(50_000) {
            // A replayed history, as the demo's: each act recorded the day it happened.
            session.replay_on(subject.registered_on(start)).unwrap();
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
    eprintln!("generated in {:.0} s; caching every summary", started.elapsed().as_secs_f64());
    store.refresh_all(store.clock().today()).unwrap();
    drop(store);
    for suffix in ["", "-wal", "-shm"] {
        let from = format!("{}{suffix}", building.display());
        if Path::new(&from).exists() {
            std::fs::rename(&from, format!("{}{suffix}", path.display())).unwrap();
        }
    }
    eprintln!("store ready in {:.0} s", started.elapsed().as_secs_f64());
    path
}

/// A copy of `pristine` for one run, its log folded into the file first so
/// that the file alone is the whole store.
fn fresh_copy(pristine: &Path) -> PathBuf {
    {
        let store = Store::open(pristine).unwrap();
        store.raw_connection_for_tests().execute_batch("PRAGMA wal_checkpoint(TRUNCATE)").unwrap();
    }
    let copy = pristine.with_extension("run.db");
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", copy.display()));
    }
    let started = std::time::Instant::now();
    std::fs::copy(pristine, &copy).unwrap();
    // Both files to disk before anything is timed: the kernel would otherwise
    // write back a gigabyte of dirty pages during the first rounds, on the
    // same cores (a run measured straight after generating the store gave
    // 63% where the runs after it gave 71–76%).
    for file in [pristine, copy.as_path()] {
        std::fs::File::open(file).and_then(|f| f.sync_all()).unwrap();
    }
    eprintln!("copied the store for this run (and synced it) in {:.1} s", started.elapsed().as_secs_f64());
    copy
}

fn wrk(url: &str, script: Option<&Path>, seconds: u32) -> Run {
    wrk_with(url, script, seconds, CONNECTIONS)
}

/// Tops the store up to at least `share` of subjects listed today, with
/// judgment defaults dated 60 days ago (past their appeal window).
fn ensure_listed(db: &Path, share: f64) -> f64 {
    let mut store = Store::open(db).unwrap();
    let today = store.clock().today();
    let day = i64::from(today.to_julian_day());
    let listed = |store: &Store| -> u64 {
        store
            .raw_connection_for_tests()
            .query_row(
                "SELECT count(DISTINCT subject) FROM entries WHERE list = 'blacklist' AND listed_since <= ?1 AND listed_until > ?1",
                [day],
                |row| row.get::<_, i64>(0),
            )
            .unwrap() as u64
    };
    store.refresh_lists().unwrap();
    let overview = store.overview().unwrap();
    let total = overview.persons + overview.organisations;
    let want = (total as f64 * share).ceil() as u64;
    let mut after = 0i64;
    loop {
        let have = listed(&store);
        if have >= want {
            break;
        }
        eprintln!("listing {} more subjects to reach {:.0}%", want - have, share * 100.0);
        let mut candidates = Vec::new();
        while (candidates.len() as u64) < want - have {
            let page = store.subject_ids(after, 10_000).unwrap();
            let Some((last, _)) = page.last().copied() else { break };
            after = last;
            candidates.extend(page.into_iter().step_by(13).map(|(_, id)| id));
        }
        if candidates.is_empty() {
            break;
        }
        let on = today - time::Duration::days(60);
        // Recorded 60 days ago (a replay store): past the appeal window today.
        let recorder = Actor::replayed("bench", on).unwrap();
        let mut session = store.begin_import(&recorder, "bench.listings").unwrap();
        for id in candidates.into_iter().take((want - have) as usize) {
            let record = socred_core::record::Record {
                id: socred_core::record::RecordId::parse(&format!("bench-listed-{id}-{}", on.to_julian_day())).unwrap(),
                subject: id,
                behaviour: "judgment-default".into(),
                occurred_on: on,
                source: "Bench Court".into(),
                evidence: None,
            };
            session.push(&record).unwrap();
        }
        session.commit(serde_json::json!({})).unwrap();
        store.refresh_lists().unwrap();
    }
    store.warm_summaries(today).unwrap();
    listed(&store) as f64 / total as f64
}

fn script(dir: &Path, name: &str, token: &str, ids: &[SubjectId]) -> PathBuf {
    let request = format!("wrk.format(\"GET\", \"/api/v1/subjects/\" .. id, {{ [\"Authorization\"] = \"Bearer {token}\" }})");
    lua_script(dir, name, ids, 7, &request, "")
}

fn main() {
    // The load generator is a separate program so it does not share the
    // server's runtime; say so before spending half a minute on the store.
    if Command::new("wrk").arg("--version").output().is_err() {
        eprintln!("this benchmark drives the server with wrk, which is not installed: apt-get install wrk");
        std::process::exit(2);
    }
    let arguments: Vec<u64> = std::env::args().skip(1).filter_map(|a| a.parse().ok()).collect();
    let subjects = arguments.first().copied().unwrap_or(1_000_000);
    let seconds = arguments.get(1).copied().unwrap_or(5) as u32;
    let data = std::env::var("SOCRED_BENCH_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|_| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../target/bench-data"));
    let pristine = store_of(subjects, &data);
    let listed_share = ensure_listed(&pristine, 0.05);
    // Every run starts from the same store: a copy of the generated one.
    // Runs add millions of checks, and a store that kept them would make each
    // run slower to read than the last and runs incomparable.
    let db = fresh_copy(&pristine);

    // Accounts and fresh tokens for this run.
    let (officer_token, subject_token, own_id, sample, airline_token) = {
        let mut store = Store::open(&db).unwrap();
        let ids: Vec<SubjectId> = store.subject_ids(0, 10_000).unwrap().into_iter().map(|(_, id)| id).collect();
        let step = (subjects as usize / SAMPLE_IDS).max(1) as i64;
        let mut sample = Vec::with_capacity(SAMPLE_IDS);
        let mut after = 0i64;
        while sample.len() < SAMPLE_IDS {
            let page = store.subject_ids(after, 1).unwrap();
            let Some((key, id)) = page.first().copied() else {
                break;
            };
            sample.push(id);
            after = key + step - 1;
        }
        let own = ids[0];
        for (username, role, subject, authority) in [
            ("bench-officer", socred_auth::Role::Officer, None, Some("Bench Authority")),
            ("bench-subject", socred_auth::Role::Subject, Some(own), None),
            ("bench-airline", socred_auth::Role::Provider, None, None),
        ] {
            if store.account(username).unwrap().is_none() {
                let services = if role == socred_auth::Role::Provider { vec!["civil-aviation".to_string()] } else { vec![] };
                let account = NewAccount {
                    username: username.into(),
                    role,
                    password_hash: None,
                    subject,
                    authority: authority.map(str::to_string),
                    services,
                    behaviours: vec![],
                };
                store.add_account(&account, &actor()).unwrap();
            }
        }
        let mut token = |username: &str| {
            let account = store.account(username).unwrap().unwrap();
            let secret = socred_auth::new_secret().unwrap();
            store.issue_token(&account, &socred_auth::secret_hash(&secret), "bench", 90, &actor()).unwrap();
            secret
        };
        (token("bench-officer"), token("bench-subject"), own, sample, token("bench-airline"))
    };
    let scripts = tempfile::tempdir().unwrap();
    let officer_script = script(scripts.path(), "officer.lua", &officer_token, &sample);
    let subject_script = script(scripts.path(), "subject.lua", &subject_token, &[own_id]);
    let checks_script = check_script(scripts.path(), "check.lua", &airline_token, &sample, false);
    let paced_script = check_script(scripts.path(), "paced.lua", &airline_token, &sample, true);

    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap();
    let server = runtime.block_on(socred_server::start(ServerConfig::new(db.clone(), "127.0.0.1:0".parse().unwrap()))).unwrap();
    let base = server.url();
    eprintln!("server at {base}; warming up");
    wrk(&format!("{base}/healthz"), None, 2);
    wrk(&base, Some(&officer_script), 2);

    // /healthz and the check alternate, round by round: on a shared machine
    // throughput drifts over minutes, and a ratio is only fair between runs
    // made side by side. The ratio reported is the median of the rounds'.
    // Every other round runs the check first, so that a drift in one
    // direction does not favour either.
    let mut rounds: Vec<(Run, Run)> = Vec::new();
    for round in 0..ROUNDS {
        let (healthz, check) = if round % 2 == 0 {
            let healthz = wrk(&format!("{base}/healthz"), None, ROUND_SECONDS);
            (healthz, wrk(&base, Some(&checks_script), ROUND_SECONDS))
        } else {
            let check = wrk(&base, Some(&checks_script), ROUND_SECONDS);
            (wrk(&format!("{base}/healthz"), None, ROUND_SECONDS), check)
        };
        rounds.push((healthz, check));
    }
    let own = wrk(&base, Some(&subject_script), seconds);
    let officer = wrk(&base, Some(&officer_script), seconds);

    // Latency at half of peak: connections that pause PACE_MS after each
    // answer, as many as give half of the median round's check throughput
    // (one short calibration run sets the count; wrk has no rate option).
    let peak = {
        let mut checks: Vec<f64> = rounds.iter().map(|(_, c)| c.requests_per_second).collect();
        checks.sort_by(|a, b| a.partial_cmp(b).unwrap());
        checks[checks.len() / 2]
    };
    let target = peak / 2.0;
    let first_guess = ((target * f64::from(PACE_MS) / 1000.0).round() as u32).clamp(2, 1000);
    let calibration = wrk_with(&base, Some(&paced_script), 3, first_guess);
    let connections = ((f64::from(first_guess) * target / calibration.requests_per_second).round() as u32).clamp(2, 1000);
    let half_load = wrk_with(&base, Some(&paced_script), seconds, connections);

    // Batches of 10,000 random checks, one at a time, timed end to end.
    // The client gets a runtime of its own, so its connection tasks do not run
    // on the server's worker threads (as wrk runs in a process of its own).
    let client_runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let batch_times_ms: Vec<f64> = client_runtime.block_on(async {
        let client = reqwest::Client::new();
        let mut times = Vec::new();
        for round in 0..30usize {
            let checks: Vec<serde_json::Value> = (0..10_000)
                .map(|i| serde_json::json!({"subject": sample[(round * 7919 + i * 31) % sample.len()], "service": "civil-aviation"}))
                .collect();
            let body = serde_json::json!({"checks": checks}).to_string();
            let started = std::time::Instant::now();
            let response = client
                .post(format!("{base}/api/v1/checks/batch"))
                .bearer_auth(&airline_token)
                .header("content-type", "application/json")
                .body(body)
                .send()
                .await
                .unwrap();
            assert!(response.status().is_success(), "{}", response.status());
            // Timed to the last byte of the answer; the client's own decoding is not the server's time.
            let bytes = response.bytes().await.unwrap();
            times.push(started.elapsed().as_secs_f64() * 1000.0);
            let answers: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
            assert_eq!(answers["results"].as_array().unwrap().len(), 10_000);
        }
        times
    });
    let accesses = Store::open_read_only(&db).unwrap().accesses(&sample[0]).map(|a| a.len()).unwrap_or(0);
    runtime.block_on(server.stop()).unwrap();
    // A subject's file lists the checks of them: read it from the index the
    // run left behind (the tail not indexed yet included).
    let (file_checks, file_read_ms, index) = {
        let store = Store::open_read_only(&db).unwrap();
        let started = std::time::Instant::now();
        let mut found = 0usize;
        for id in sample.iter().take(100) {
            found += store.checks_of(id).unwrap().len();
        }
        (found, started.elapsed().as_secs_f64() * 1000.0 / 100.0, store.check_index_stats().unwrap())
    };
    let checks_logged = Store::open_read_only(&db)
        .unwrap()
        .raw_connection_for_tests()
        .query_row("SELECT coalesce(sum(rows), 0) FROM check_groups", [], |r| r.get::<_, i64>(0))
        .unwrap();

    println!(
        "\nHTTP benchmark: {subjects} subjects, wrk -t2 -c{CONNECTIONS} -d{seconds}s, server and wrk on the same {}-core machine",
        std::thread::available_parallelism().map_or(0, |n| n.get())
    );
    // Of an even number of rounds, the lower of the two middle ones.
    let median = |mut values: Vec<f64>| -> f64 {
        values.sort_by(|a, b| a.partial_cmp(b).unwrap());
        values[(values.len() - 1) / 2]
    };
    let ratios: Vec<f64> = rounds.iter().map(|(h, c)| c.requests_per_second / h.requests_per_second).collect();
    // The round whose ratio is the median stands for the endpoints' figures.
    let middle = {
        let target = median(ratios.clone());
        ratios.iter().position(|r| *r == target).unwrap()
    };
    let (healthz, check) = &rounds[middle];
    println!("{:<58} {:>12} {:>9} {:>9} {:>10}", "endpoint", "requests/s", "p50 ms", "p99 ms", "vs healthz");
    for (name, run) in [
        ("GET /healthz", healthz),
        ("GET /api/v1/subjects/{id} (subject, own file)", &own),
        ("GET /api/v1/subjects/{id} (officer, random, access logged)", &officer),
        ("POST /api/v1/checks (provider, random, check logged)", check),
    ] {
        println!(
            "{:<58} {:>12.0} {:>9.3} {:>9.3} {:>9.1}%{}",
            name,
            run.requests_per_second,
            run.p50_ms,
            run.p99_ms,
            100.0 * run.requests_per_second / healthz.requests_per_second,
            if run.errors.is_empty() { String::new() } else { format!("  ({})", run.errors) }
        );
    }
    let quartile = |q: usize| -> f64 {
        let mut sorted = ratios.clone();
        sorted.sort_by(|a, b| a.partial_cmp(b).unwrap());
        100.0 * sorted[(sorted.len() - 1) * q / 4]
    };
    let total = |pick: fn(&(Run, Run)) -> f64| -> f64 { rounds.iter().map(pick).sum() };
    println!(
        "check / healthz over {ROUNDS} rounds: median round {:.1}% (quartiles {:.1}% – {:.1}%), all requests of all rounds {:.1}%",
        100.0 * ratios[middle],
        quartile(1),
        quartile(3),
        100.0 * total(|(_, c)| c.requests_per_second) / total(|(h, _)| h.requests_per_second)
    );
    println!(
        "rounds of /healthz and POST /api/v1/checks side by side (odd rounds: /healthz first), {ROUND_SECONDS} s each (the table shows the median round):"
    );
    for (number, (h, c)) in rounds.iter().enumerate() {
        println!(
            "  round {}: /healthz {:.0} req/s, check {:.0} req/s (p50 {:.3} ms, p99 {:.3} ms), ratio {:.1}%",
            number + 1,
            h.requests_per_second,
            c.requests_per_second,
            c.p50_ms,
            c.p99_ms,
            100.0 * c.requests_per_second / h.requests_per_second
        );
    }
    println!(
        "POST /api/v1/checks at half of peak: {:.0} req/s ({:.0}% of the median round's {:.0}), {connections} connections pausing {PACE_MS} ms after each answer: p50 {:.3} ms, p99 {:.3} ms{}",
        half_load.requests_per_second,
        100.0 * half_load.requests_per_second / peak,
        peak,
        half_load.p50_ms,
        half_load.p99_ms,
        if half_load.errors.is_empty() { String::new() } else { format!("  ({})", half_load.errors) }
    );
    let mut sorted = batch_times_ms.clone();
    sorted.sort_by(|a, b| a.partial_cmp(b).unwrap());
    let at = |q: f64| sorted[((sorted.len() as f64 - 1.0) * q).round() as usize];
    println!(
        "POST /api/v1/checks/batch, 10,000 checks: p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms over {} batches (request sent to last byte of the answer received)",
        at(0.5),
        at(0.99),
        sorted.last().unwrap(),
        sorted.len()
    );
    println!(
        "listed today: {:.1}% of subjects; checks logged: {checks_logged}; access-log rows for one sampled subject: {accesses}",
        listed_share * 100.0
    );
    println!(
        "the checks of a subject's file, read after the run: {file_read_ms:.2} ms a subject over 100 sampled subjects ({file_checks} checks found); index runs per level {:?}, {} checks not indexed yet",
        index.runs_per_level, index.unindexed
    );
}
