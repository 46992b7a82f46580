//! Staleness of a follower on PostgreSQL: one handle writes records, one
//! transaction each, as fast as it can; a second handle (as a second server
//! has) listens on the change feed and reads what changed. The figure is the
//! time from the writer's commit returning to the follower holding the
//! changed subject, over every write of the run.
//!
//! cargo bench -p socred-store --bench follow [-- SECONDS]

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use socred_core::record::{Record, RecordId};
use socred_core::{DEFAULT_RULEBOOK, Date, SubjectId};
use socred_store::postgres::Changed;
use socred_store::postgres::testing::FreshDatabase;
use socred_store::{Actor, NewSubject, PgStore, TimeSettings};

fn actor() -> Actor {
    Actor::replayed("bench", Date::from_calendar_date(2025, time::Month::July, 1).unwrap()).unwrap()
}

fn main() {
    let seconds = std::env::args().skip(1).find_map(|a| a.parse::<u64>().ok()).unwrap_or(10);
    let database = FreshDatabase::create("follow");
    let writer = PgStore::create(&database.url, DEFAULT_RULEBOOK, "default.toml", &actor(), "bench", TimeSettings::replay()).unwrap();
    let person = SubjectId::parse("110101199003074514").unwrap();
    writer.add_subject(&NewSubject { id: person, name: "Bench".into(), guardians: vec![], represents: vec![] }, &actor()).unwrap();
    let follower = PgStore::open(&database.url).unwrap();
    let mut listener = follower.listen().unwrap();
    let committed: Arc<Mutex<HashMap<i64, Instant>>> = Arc::default();
    let done = Arc::new(std::sync::atomic::AtomicBool::new(false));

    let writing = {
        let (committed, done) = (committed.clone(), done.clone());
        std::thread::spawn(move || {
            let started = Instant::now();
            let mut n = 0u64;
            while started.elapsed() < Duration::from_secs(seconds) {
                let record = Record {
                    id: RecordId::parse(&format!("f-{n}")).unwrap(),
                    subject: person,
                    behaviour: "volunteering".into(),
                    occurred_on: Date::from_calendar_date(2025, time::Month::June, 1).unwrap(),
                    source: "Bench".into(),
                    evidence: None,
                };
                let batch = writer.import_records(&[record], &actor(), "record.add", serde_json::json!({})).unwrap();
                committed.lock().unwrap().insert(batch.summary.audit_seq.unwrap(), Instant::now());
                n += 1;
            }
            done.store(true, std::sync::atomic::Ordering::SeqCst);
            n
        })
    };

    let mut cursor = follower.changes_cursor().unwrap();
    let mut seen: HashMap<i64, Instant> = HashMap::new();
    while !done.load(std::sync::atomic::Ordering::SeqCst) {
        if listener.wait(Duration::from_millis(500)).unwrap().is_none() {
            continue;
        }
        let Changed::Subjects { subjects, cursor: next } = follower.changes_since(cursor).unwrap() else { panic!("one subject") };
        let now = Instant::now();
        assert!(next == cursor || subjects == vec![person]);
        for seq in cursor + 1..=next {
            seen.insert(seq, now);
        }
        cursor = next;
    }
    let writes = writing.join().unwrap();
    let committed = committed.lock().unwrap();
    let mut lags: Vec<f64> = committed
        .iter()
        .filter_map(|(seq, at)| seen.get(seq).map(|seen| seen.saturating_duration_since(*at).as_secs_f64() * 1e3))
        .collect();
    lags.sort_by(f64::total_cmp);
    let at = |q: f64| lags[((lags.len() - 1) as f64 * q) as usize];
    println!(
        "\nfollower staleness on PostgreSQL: {writes} writes in {seconds} s ({:.0} a second), {} seen by the follower",
        writes as f64 / seconds as f64,
        lags.len()
    );
    println!("{:<10} {:>10}", "quantile", "ms");
    for (name, q) in [("p50", 0.5), ("p99", 0.99), ("max", 1.0)] {
        println!("{name:<10} {:>10.2}", at(q));
    }
    println!("\ntarget: every write seen by the other handle within 1,000 ms: {}", if at(1.0) <= 1000.0 { "met" } else { "NOT met" });
}
