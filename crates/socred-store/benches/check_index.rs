//! The check log and the index behind it, against the design it replaced,
//! in one run: checks are logged in groups as the server's writer logs them
//! under load, and indexed in steps of 8,192.
//!
//! - socred: the log-structured index of `checks.rs` (sorted runs, merged).
//! - peer: one B-tree keyed by (subject, seq), filled in sorted steps of the
//!   same size — the previous design of this store — in a database of its
//!   own with the same settings, fed the same checks.
//!
//! Then the checks of sampled subjects' files are read from each.
//!
//! cargo bench -p socred-store --bench check_index [-- CHECKS [SUBJECTS]]

use std::time::{Duration, Instant};

use rusqlite::params;
use socred_store::{Actor, CheckLog, NewSubject, Store};

/// Checks per commit of the log: what the server's writer commits every
/// 20 ms at about 55,000 checks a second (the store splits them into groups
/// of at most GROUP_ROWS).
const GROUP: usize = 1_100;
/// Checks per indexing step (the server's INDEX_STEP).
const STEP: u32 = 8_192;
const READS: usize = 1_000;

fn main() {
    let arguments: Vec<i64> = std::env::args().skip(1).filter_map(|a| a.parse().ok()).collect();
    let total = arguments.first().copied().unwrap_or(3_000_000);
    let subjects = arguments.get(1).copied().unwrap_or(1_000_000);
    let dir = tempfile::tempdir().unwrap();
    let actor = Actor::new("bench", time::OffsetDateTime::UNIX_EPOCH).unwrap();
    let mut store = Store::create(
        &dir.path().join("store.db"),
        socred_core::DEFAULT_RULEBOOK,
        "default.toml",
        &actor,
        "bench",
        socred_store::TimeSettings::replay(),
    )
    .unwrap();

    eprintln!("registering {subjects} subjects");
    let mut session = store.begin_import(&actor, "bench.subjects").unwrap();
    let first_day = time::macros::date!(1950 - 01 - 01);
    for number in 0..subjects {
        let birth = first_day + time::Duration::days(number / 1000);
        let id = socred_core::id::synthetic_person(110101, birth, (number % 1000) as u16);
        session
            .push_subject(&NewSubject {
                id: socred_core::SubjectId::Person(id),
                name: format!("Subject {number}"),
                guardians: vec![],
                represents: vec![],
            })
            .unwrap();
    }
    session.commit(serde_json::json!({})).unwrap();
    let keys: Vec<(i64, socred_core::SubjectId)> = {
        let mut all = Vec::with_capacity(subjects as usize);
        let mut after = 0;
        loop {
            let page = store.subject_ids(after, 10_000).unwrap();
            let Some((last, _)) = page.last().copied() else { break };
            after = last;
            all.extend(page);
        }
        all
    };

    let peer = rusqlite::Connection::open(dir.path().join("peer.db")).unwrap();
    peer.execute_batch(
        "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA cache_size = -131072;
         CREATE TABLE check_index (subject INTEGER NOT NULL, seq INTEGER NOT NULL, PRIMARY KEY (subject, seq)) STRICT, WITHOUT ROWID;",
    )
    .unwrap();

    eprintln!("logging and indexing {total} checks");
    let mut state = 0x9e37_79b9_7f4a_7c15u64;
    let mut random = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let (mut logged, mut peer_pending) = (0i64, Vec::<(i64, i64)>::new());
    let (mut log_time, mut index_time, mut peer_time) = (Duration::ZERO, Duration::ZERO, Duration::ZERO);
    let (mut index_worst, mut peer_worst) = (Duration::ZERO, Duration::ZERO);
    while logged < total {
        let logs: Vec<CheckLog> = (0..GROUP as i64)
            .map(|offset| {
                let (key, id) = keys[(random() % keys.len() as u64) as usize];
                CheckLog {
                    at_ms: 1_764_000_000_000 + logged + offset,
                    provider: "bench-airline".into(),
                    subject: id,
                    subject_key: Some(key),
                    service: "civil-aviation".into(),
                    as_of: time::macros::date!(2026 - 12 - 01),
                    outcome: if random() % 20 == 0 { "deny" } else { "allow" },
                    reasons: vec![],
                }
            })
            .collect();
        peer_pending.extend(logs.iter().enumerate().map(|(offset, log)| (log.subject_key.unwrap(), logged + 1 + offset as i64)));
        let started = Instant::now();
        store.log_checks(&logs).unwrap();
        log_time += started.elapsed();
        logged += GROUP as i64;

        while store.checks_unindexed().unwrap() >= i64::from(STEP) {
            let started = Instant::now();
            store.index_checks(STEP).unwrap();
            let took = started.elapsed();
            index_time += took;
            index_worst = index_worst.max(took);
        }
        let last_group = logged >= total;
        while peer_pending.len() >= STEP as usize || (last_group && !peer_pending.is_empty()) {
            let take = peer_pending.len().min(STEP as usize);
            let mut step: Vec<(i64, i64)> = peer_pending.drain(..take).collect();
            let started = Instant::now();
            step.sort_unstable();
            peer.execute_batch("BEGIN IMMEDIATE").unwrap();
            {
                let mut insert = peer.prepare_cached("INSERT OR IGNORE INTO check_index (subject, seq) VALUES (?1, ?2)").unwrap();
                for (subject, seq) in &step {
                    insert.execute(params![subject, seq]).unwrap();
                }
            }
            peer.execute_batch("COMMIT").unwrap();
            let took = started.elapsed();
            peer_time += took;
            peer_worst = peer_worst.max(took);
        }
    }

    // Reads: the checks of sampled subjects' files (socred reads the tail its
    // index does not cover from the log). The peer only finds the sequence
    // numbers (its design then decoded a whole group per check).
    let sample: Vec<(i64, socred_core::SubjectId)> = (0..READS).map(|_| keys[(random() % keys.len() as u64) as usize]).collect();
    let started = Instant::now();
    let mut found = 0usize;
    for (_, id) in &sample {
        found += store.checks_of(id).unwrap().len();
    }
    let read_ms = started.elapsed().as_secs_f64() * 1000.0 / READS as f64;
    let started = Instant::now();
    let mut peer_found = 0usize;
    {
        let mut select = peer.prepare_cached("SELECT seq FROM check_index WHERE subject = ?1 ORDER BY seq DESC LIMIT 10000").unwrap();
        for (key, _) in &sample {
            peer_found += select.query_map([key], |row| row.get::<_, i64>(0)).unwrap().count();
        }
    }
    let peer_read_ms = started.elapsed().as_secs_f64() * 1000.0 / READS as f64;
    let stats = store.check_index_stats().unwrap();

    let per_check = |time: Duration, checks: i64| time.as_secs_f64() * 1e6 / checks as f64;
    let indexed = logged - stats.unindexed;
    let peer_indexed = logged;
    println!("\ncheck log and index: {logged} checks about {subjects} subjects, logged {GROUP} a commit, indexed in steps of {STEP}");
    println!("{:<62} {:>14} {:>16}", "", "µs per check", "slowest step ms");
    println!("{:<62} {:>14.2} {:>16}", "log: packed, hash-chained groups, durable (socred)", per_check(log_time, logged), "");
    println!(
        "{:<62} {:>14.2} {:>16.1}",
        "index: sorted runs, merged level by level (socred)",
        per_check(index_time, indexed),
        index_worst.as_secs_f64() * 1000.0
    );
    println!(
        "{:<62} {:>14.2} {:>16.1}",
        "index: one B-tree keyed by (subject, seq) (peer)",
        per_check(peer_time, peer_indexed),
        peer_worst.as_secs_f64() * 1000.0
    );
    println!("peer / socred, index cost per check: {:.1}x", per_check(peer_time, peer_indexed) / per_check(index_time, indexed));
    println!(
        "reading a subject's checks, over {READS} sampled subjects: socred {read_ms:.3} ms ({found} checks, every field), peer {peer_read_ms:.3} ms ({peer_found} sequence numbers only)"
    );
    println!("socred index runs per level {:?}; {} checks not indexed yet", stats.runs_per_level, stats.unindexed);
    assert_eq!(found, peer_found, "both find every check of the sampled subjects");
}
