//! Ingest benchmark: durable batch import into the embedded store and into
//! the PostgreSQL backend (binary COPY), against the peer named in docs
//! (DESIGN.md): a straightforward one-row-per-transaction PostgreSQL insert,
//! measured in the same run on the same machine.
//!
//! cargo bench -p socred-ingest --bench ingest [-- RECORDS [SUBJECTS]]
//!
//! Prints a table. Every figure is wall-clock time for the whole operation
//! including the final durable commit (SQLite `synchronous = FULL`, PostgreSQL
//! `synchronous_commit = on`).

use std::io::Write;
use std::time::Instant;

use socred_core::id::synthetic_person;
use socred_core::record::{Record, RecordId};
use socred_core::{Date, SubjectId};
use socred_ingest::{Format, ImportOptions};
use socred_store::{Actor, NewSubject, Store};

/// Rows written to PostgreSQL one transaction each: enough for a stable rate.
const PEER_ROWS: u64 = 20_000;

const BEHAVIOURS: [&str; 8] = [
    "speeding-minor",
    "jaywalking",
    "waste-sorting",
    "volunteering",
    "blood-donation",
    "charitable-donation",
    "speeding-serious",
    "tax-evasion",
];

/// The import is recorded on 1 July 2025 (a replay store): every generated record lies within the
/// rulebook's five years before it.
fn actor() -> Actor {
    let day = Date::from_calendar_date(2025, time::Month::July, 1).unwrap();
    Actor::replayed("bench", day).unwrap()
}

fn subjects(count: u64) -> Vec<SubjectId> {
    let start = Date::from_calendar_date(1950, time::Month::January, 1).unwrap();
    (0..count)
        .map(|index| {
            let birth = start + time::Duration::days((index / 1000) as i64);
            SubjectId::Person(synthetic_person(110101, birth, (index % 1000) as u16))
        })
        .collect()
}

/// A deterministic pseudo-random sequence (no dependency, no clock).
fn mix(mut x: u64) -> u64 {
    x ^= x >> 33;
    x = x.wrapping_mul(0xff51afd7ed558ccd);
    x ^= x >> 33;
    x
}

fn records(subjects: &[SubjectId], count: u64) -> Vec<Record> {
    let base = Date::from_calendar_date(2020, time::Month::July, 2).unwrap();
    (0..count)
        .map(|index| {
            let r = mix(index + 1);
            Record {
                id: RecordId::parse(&format!("bench-{index:010}")).unwrap(),
                subject: subjects[(r % subjects.len() as u64) as usize],
                behaviour: BEHAVIOURS[((r >> 20) % BEHAVIOURS.len() as u64) as usize].to_string(),
                occurred_on: base + time::Duration::days(((r >> 32) % 1800) as i64),
                source: "Municipal Public Security Bureau".to_string(),
                evidence: Some(format!("case {}", r % 100_000)),
            }
        })
        .collect()
}

fn fresh_store(dir: &std::path::Path, name: &str, subjects: &[SubjectId]) -> Store {
    let mut store = Store::create(
        &dir.join(name),
        socred_core::DEFAULT_RULEBOOK,
        "default.toml",
        &actor(),
        "bench",
        socred_store::TimeSettings::replay(),
    )
    .unwrap();
    let mut session = store.begin_import(&actor(), "bench.subjects").unwrap();
    for id in subjects {
        session.push_subject(&NewSubject { id: *id, name: "Bench Subject".into(), guardians: vec![], represents: vec![] }).unwrap();
    }
    session.commit(serde_json::json!({})).unwrap();
    store
}

fn rate(count: u64, seconds: f64) -> f64 {
    count as f64 / seconds
}

/// The whole import into the PostgreSQL backend: read, parse, validate,
/// COPY, one durable commit. The subjects are registered first, in bulk.
fn postgres_import(file: &std::path::Path, subjects: &[SubjectId], record_count: u64) -> Result<f64, String> {
    let database = std::panic::catch_unwind(|| socred_store::postgres::testing::FreshDatabase::create("bench"))
        .map_err(|_| "cannot reach PostgreSQL (SOCRED_TEST_POSTGRES)".to_string())?;
    let store = socred_store::PgStore::create(
        &database.url,
        socred_core::DEFAULT_RULEBOOK,
        "default.toml",
        &actor(),
        "bench",
        socred_store::TimeSettings::replay(),
    )
    .map_err(|e| e.to_string())?;
    let mut session = store.begin_import(&actor(), "bench.subjects").map_err(|e| e.to_string())?;
    let new: Vec<NewSubject> =
        subjects.iter().map(|id| NewSubject { id: *id, name: "Bench Subject".into(), guardians: vec![], represents: vec![] }).collect();
    for chunk in new.chunks(10_000) {
        session.push_subjects(chunk).map_err(|e| e.to_string())?;
    }
    session.commit(serde_json::json!({})).map_err(|e| e.to_string())?;
    let started = Instant::now();
    let report = socred_ingest::import_postgres(
        &store,
        std::io::BufReader::with_capacity(1 << 20, std::fs::File::open(file).unwrap()),
        ImportOptions { format: Format::Ndjson, skip_invalid: false },
        &actor(),
        "records.ndjson",
        None,
        &mut |_| {},
    )
    .map_err(|e| e.to_string())?;
    let seconds = started.elapsed().as_secs_f64();
    assert!(report.committed && report.inserted == record_count, "{report:?}");
    assert_eq!(store.audit_verify().map_err(|e| e.to_string())?.ledger_rows, subjects.len() as u64 + record_count + 1);
    Ok(seconds)
}

fn peer(records: &[Record]) -> Result<(u64, f64), String> {
    let url = std::env::var("SOCRED_BENCH_POSTGRES").unwrap_or_else(|_| "host=127.0.0.1 user=postgres dbname=postgres".into());
    let mut admin = postgres::Client::connect(&url, postgres::NoTls).map_err(|e| format!("cannot connect to PostgreSQL ({url}): {e}"))?;
    let database = format!("socred_bench_{}", std::process::id());
    // Separate statements: CREATE DATABASE cannot run inside the implicit transaction of a batch.
    admin.batch_execute(&format!("DROP DATABASE IF EXISTS {database}")).map_err(|e| format!("{e:?}"))?;
    admin.batch_execute(&format!("CREATE DATABASE {database}")).map_err(|e| format!("{e:?}"))?;
    let result = (|| -> Result<(u64, f64), String> {
        let mut client = postgres::Client::connect(&format!("{url} dbname={database}"), postgres::NoTls).map_err(|e| e.to_string())?;
        client
            .batch_execute(
                "SET synchronous_commit = on;
                 CREATE TABLE records (seq BIGSERIAL PRIMARY KEY, record_id TEXT NOT NULL UNIQUE, subject TEXT NOT NULL,
                     behaviour TEXT NOT NULL, occurred_on DATE NOT NULL, source TEXT NOT NULL, evidence TEXT);
                 CREATE INDEX records_by_subject ON records(subject);",
            )
            .map_err(|e| e.to_string())?;
        let statement = client
            .prepare("INSERT INTO records (record_id, subject, behaviour, occurred_on, source, evidence) VALUES ($1, $2, $3, $4::text::date, $5, $6)")
            .map_err(|e| e.to_string())?;
        let rows = PEER_ROWS.min(records.len() as u64);
        let started = Instant::now();
        for record in &records[..rows as usize] {
            // Autocommit: each INSERT is its own durable transaction.
            client
                .execute(
                    &statement,
                    &[
                        &record.id.as_str(),
                        &record.subject.as_str(),
                        &record.behaviour,
                        &socred_core::date::format_date(record.occurred_on),
                        &record.source,
                        &record.evidence,
                    ],
                )
                .map_err(|e| e.to_string())?;
        }
        Ok((rows, started.elapsed().as_secs_f64()))
    })();
    let _ = admin.batch_execute(&format!("DROP DATABASE IF EXISTS {database}"));
    result
}

fn main() {
    let arguments: Vec<u64> = std::env::args().skip(1).filter_map(|a| a.parse().ok()).collect();
    let record_count = arguments.first().copied().unwrap_or(1_000_000);
    let subject_count = arguments.get(1).copied().unwrap_or(100_000);
    let dir = tempfile::tempdir_in(std::env::var("SOCRED_BENCH_DIR").unwrap_or_else(|_| ".".into())).unwrap();
    eprintln!("preparing {record_count} records for {subject_count} subjects in {}", dir.path().display());
    let subjects = subjects(subject_count);
    let records = records(&subjects, record_count);

    // The NDJSON file the import reads.
    let file = dir.path().join("records.ndjson");
    {
        let mut out = std::io::BufWriter::new(std::fs::File::create(&file).unwrap());
        for record in &records {
            serde_json::to_writer(
                &mut out,
                &serde_json::json!({
                    "id": record.id, "subject": record.subject, "behaviour": record.behaviour,
                    "at": socred_core::date::format_date(record.occurred_on), "source": record.source, "evidence": record.evidence,
                }),
            )
            .unwrap();
            out.write_all(b"\n").unwrap();
        }
        out.flush().unwrap();
    }
    let file_bytes = std::fs::metadata(&file).unwrap().len();

    // 1. The whole import: read, parse, validate, insert, one durable commit.
    let mut store = fresh_store(dir.path(), "import.db", &subjects);
    let started = Instant::now();
    let report = socred_ingest::import(
        &mut store,
        std::io::BufReader::with_capacity(1 << 20, std::fs::File::open(&file).unwrap()),
        ImportOptions { format: Format::Ndjson, skip_invalid: false },
        &actor(),
        "records.ndjson",
        None,
        &mut |_| {},
    )
    .unwrap();
    let import_seconds = started.elapsed().as_secs_f64();
    assert!(report.committed && report.inserted == record_count, "{report:?}");
    assert_eq!(store.overview().unwrap().records, record_count);
    drop(store);

    // 2. The store alone: records already validated, pushed in one session.
    let mut store = fresh_store(dir.path(), "session.db", &subjects);
    let started = Instant::now();
    let mut session = store.begin_import(&actor(), "bench.records").unwrap();
    for record in &records {
        session.push(record).unwrap();
    }
    session.commit(serde_json::json!({})).unwrap();
    let session_seconds = started.elapsed().as_secs_f64();
    drop(store);

    // 3. The PostgreSQL backend: the same file through the same parser, into a fresh database.
    let postgres = postgres_import(&file, &subjects, record_count);

    // 4. The peer.
    let peer = peer(&records);

    println!("\ningest benchmark: {record_count} records, {subject_count} subjects, NDJSON file {:.1} MB", file_bytes as f64 / 1e6);
    println!("{:<58} {:>10} {:>12} {:>14}", "what", "records", "seconds", "records/s");
    println!(
        "{:<58} {:>10} {:>12.3} {:>14.0}",
        "socred import (file -> parse -> validate -> SQLite, durable)",
        record_count,
        import_seconds,
        rate(record_count, import_seconds)
    );
    println!(
        "{:<58} {:>10} {:>12.3} {:>14.0}",
        "socred store session only (pre-validated records, durable)",
        record_count,
        session_seconds,
        rate(record_count, session_seconds)
    );
    match &postgres {
        Ok(seconds) => println!(
            "{:<58} {:>10} {:>12.3} {:>14.0}",
            "socred import into PostgreSQL (COPY, durable)",
            record_count,
            seconds,
            rate(record_count, *seconds)
        ),
        Err(reason) => println!("socred on PostgreSQL: unavailable: {reason}"),
    }
    match peer {
        Ok((rows, seconds)) => {
            println!(
                "{:<58} {:>10} {:>12.3} {:>14.0}",
                "peer: PostgreSQL, one row per transaction (durable)",
                rows,
                seconds,
                rate(rows, seconds)
            );
            println!("\nratio socred import (SQLite) / peer: {:.1}x", rate(record_count, import_seconds) / rate(rows, seconds));
            if let Ok(postgres_seconds) = postgres {
                println!("ratio socred import (PostgreSQL) / peer: {:.1}x", rate(record_count, postgres_seconds) / rate(rows, seconds));
                println!("ratio socred import (PostgreSQL) / socred import (SQLite): {:.2}x", import_seconds / postgres_seconds);
            }
        }
        Err(reason) => println!("peer: PostgreSQL unavailable: {reason}"),
    }
}
