//! Subject file reads: the same population in the embedded store and in the
//! PostgreSQL backend, the same subjects read in the same order from one
//! thread; the figure is the wall-clock time of `file(id)` (the records,
//! voids and events of one subject, in one snapshot).
//!
//! cargo bench -p socred-store --bench file_read [-- SUBJECTS RECORDS_A_SUBJECT]
//!
//! PostgreSQL comes from SOCRED_TEST_POSTGRES (a fresh database, dropped after).

use std::time::{Duration, Instant};

use socred_core::id::synthetic_person;
use socred_core::record::{Record, RecordId};
use socred_core::{DEFAULT_RULEBOOK, Date, SubjectId};
use socred_store::postgres::testing::FreshDatabase;
use socred_store::{Actor, NewSubject, PgStore, Store, TimeSettings};

const ROUND: Duration = Duration::from_secs(3);

fn actor() -> Actor {
    Actor::replayed("bench", Date::from_calendar_date(2025, time::Month::July, 1).unwrap()).unwrap()
}

fn population(subjects: u64, per_subject: u64) -> (Vec<NewSubject>, Vec<Record>) {
    let start = Date::from_calendar_date(1950, time::Month::January, 1).unwrap();
    let ids: Vec<SubjectId> = (0..subjects)
        .map(|index| {
            SubjectId::Person(synthetic_person(110101, start + time::Duration::days((index / 1000) as i64), (index % 1000) as u16))
        })
        .collect();
    let base = Date::from_calendar_date(2021, time::Month::January, 4).unwrap();
    let records = ids
        .iter()
        .enumerate()
        .flat_map(|(subject, id)| {
            (0..per_subject).map(move |n| Record {
                id: RecordId::parse(&format!("r-{subject}-{n}")).unwrap(),
                subject: *id,
                behaviour: if n % 3 == 0 { "volunteering" } else { "speeding-minor" }.to_string(),
                occurred_on: base + time::Duration::days(((subject as u64 * 7 + n * 31) % 1500) as i64),
                source: "Municipal Public Security Bureau".to_string(),
                evidence: Some(format!("case {n}")),
            })
        })
        .collect();
    let subjects =
        ids.iter().map(|id| NewSubject { id: *id, name: "Bench Subject".into(), guardians: vec![], represents: vec![] }).collect();
    (subjects, records)
}

/// Reads the subjects in a fixed shuffled order for one round; returns µs a read.
fn round(ids: &[SubjectId], mut read: impl FnMut(&SubjectId) -> usize) -> (f64, u64) {
    let started = Instant::now();
    let mut reads = 0u64;
    let mut records = 0usize;
    while started.elapsed() < ROUND {
        let id = &ids[(reads.wrapping_mul(2_654_435_761) % ids.len() as u64) as usize];
        records += read(id);
        reads += 1;
    }
    assert!(records > 0);
    (started.elapsed().as_secs_f64() * 1e6 / reads as f64, reads)
}

fn main() {
    let arguments: Vec<u64> = std::env::args().skip(1).filter_map(|a| a.parse().ok()).collect();
    let subject_count = arguments.first().copied().unwrap_or(50_000);
    let per_subject = arguments.get(1).copied().unwrap_or(10);
    eprintln!("preparing {subject_count} subjects with {per_subject} records each");
    let (subjects, records) = population(subject_count, per_subject);
    let ids: Vec<SubjectId> = subjects.iter().map(|s| s.id).collect();

    let dir = tempfile::tempdir().unwrap();
    let mut sqlite =
        Store::create(&dir.path().join("read.db"), DEFAULT_RULEBOOK, "default.toml", &actor(), "bench", TimeSettings::replay()).unwrap();
    let mut session = sqlite.begin_import(&actor(), "bench").unwrap();
    for subject in &subjects {
        session.push_subject(subject).unwrap();
    }
    for record in &records {
        session.push(record).unwrap();
    }
    session.commit(serde_json::json!({})).unwrap();

    let database = FreshDatabase::create("file_read");
    let postgres = PgStore::create(&database.url, DEFAULT_RULEBOOK, "default.toml", &actor(), "bench", TimeSettings::replay()).unwrap();
    let mut session = postgres.begin_import(&actor(), "bench").unwrap();
    for chunk in subjects.chunks(10_000) {
        session.push_subjects(chunk).unwrap();
    }
    for chunk in records.chunks(16_384) {
        session.push(chunk).unwrap();
    }
    session.commit(serde_json::json!({})).unwrap();
    assert_eq!(sqlite.file(&ids[0]).unwrap().records, postgres.file(&ids[0]).unwrap().records);

    // Warm both caches with one pass, then alternate rounds.
    let mut sqlite_rounds = Vec::new();
    let mut postgres_rounds = Vec::new();
    for _ in 0..3 {
        sqlite_rounds.push(round(&ids, |id| sqlite.file(id).unwrap().records.len()));
        postgres_rounds.push(round(&ids, |id| postgres.file(id).unwrap().records.len()));
    }
    let median = |rounds: &mut Vec<(f64, u64)>| {
        rounds.sort_by(|a, b| a.0.total_cmp(&b.0));
        rounds[rounds.len() / 2].0
    };
    let (sqlite_us, postgres_us) = (median(&mut sqlite_rounds), median(&mut postgres_rounds));
    println!("\nfile reads: {subject_count} subjects, {per_subject} records each; median of 3 rounds of {} s", ROUND.as_secs());
    println!("{:<44} {:>14}", "what", "µs a read");
    println!("{:<44} {:>14.1}", "SQLite (embedded, one connection)", sqlite_us);
    println!("{:<44} {:>14.1}", "PostgreSQL (pool, loopback, one snapshot)", postgres_us);
    println!("\nratio PostgreSQL / SQLite: {:.1}x the time a read", postgres_us / sqlite_us);
}
