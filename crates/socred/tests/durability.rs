//! Durability: a write the CLI acknowledged survives `kill -9`; an import
//! killed half-way leaves nothing behind and an intact, verifiable store.

mod common;

use std::io::Write;
use std::process::Stdio;
use std::time::{Duration, Instant};

use common::{Env, PERSON};

#[test]
fn acknowledged_writes_survive_kill_9() {
    let env = Env::new();
    env.add_people();
    let mut acknowledged = Vec::new();
    let mut killed = 0;
    for index in 0..40u64 {
        let record_id = format!("ack-{index}");
        let mut child = env
            .command(&[
                "record",
                "add",
                "--subject",
                PERSON,
                "--behaviour",
                "volunteering",
                "--at",
                "2025-01-01",
                "--source",
                "Volunteer Federation",
                "--record-id",
                &record_id,
            ])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        // Every fourth write is left alone; the others are killed at some point in their run.
        let patience = if index % 4 == 0 { Duration::from_secs(30) } else { Duration::from_micros((index * 7919) % 20_000) };
        let started = Instant::now();
        let status = loop {
            if let Some(status) = child.try_wait().unwrap() {
                break Some(status);
            }
            if started.elapsed() >= patience {
                child.kill().unwrap(); // SIGKILL
                child.wait().unwrap();
                break None;
            }
            std::thread::sleep(Duration::from_micros(200));
        };
        match status {
            Some(status) if status.success() => acknowledged.push(record_id),
            Some(status) => panic!("write {index} failed on its own: {status:?}"),
            None => killed += 1,
        }
    }
    assert!(killed > 0 && acknowledged.len() >= 10, "killed {killed}, acknowledged {}", acknowledged.len());
    let store = socred_store::Store::open(&env.db).unwrap();
    let stored: Vec<String> = store.file(&PERSON.parse().unwrap()).unwrap().records.iter().map(|r| r.id.to_string()).collect();
    for record_id in &acknowledged {
        assert!(stored.contains(record_id), "acknowledged {record_id} was lost");
    }
    let integrity: String = store.raw_connection_for_tests().query_row("PRAGMA integrity_check", [], |r| r.get(0)).unwrap();
    assert_eq!(integrity, "ok");
    store.audit_verify().unwrap();
}

#[test]
fn an_import_killed_half_way_stores_nothing() {
    let env = Env::new();
    env.add_people();
    let rows = 200_000;
    let path = env.path("big.ndjson");
    let mut file = std::io::BufWriter::new(std::fs::File::create(&path).unwrap());
    for index in 0..rows {
        writeln!(
            file,
            r#"{{"id":"big-{index}","subject":"{PERSON}","behaviour":"waste-sorting","at":"2024-01-01","source":"Urban Management"}}"#
        )
        .unwrap();
    }
    file.flush().unwrap();
    drop(file);
    let before = env.fingerprint();

    let mut child = env.command(&["import", path.to_str().unwrap()]).stdout(Stdio::null()).stderr(Stdio::null()).spawn().unwrap();
    std::thread::sleep(Duration::from_millis(150));
    let finished_first = child.try_wait().unwrap().is_some();
    child.kill().ok();
    child.wait().unwrap();

    let store = socred_store::Store::open(&env.db).unwrap();
    let stored = store.overview().unwrap().records;
    if finished_first {
        assert_eq!(stored, rows, "a finished import is complete");
    } else {
        assert_eq!(stored, 0, "a killed import leaves nothing behind");
        assert_eq!(store.ledger_fingerprint().unwrap(), before);
    }
    let integrity: String = store.raw_connection_for_tests().query_row("PRAGMA integrity_check", [], |r| r.get(0)).unwrap();
    assert_eq!(integrity, "ok");
    store.audit_verify().unwrap();
    drop(store);

    // Importing again completes, and a third time changes nothing.
    env.ok(&["import", path.to_str().unwrap()]);
    let after = env.fingerprint();
    env.ok(&["import", path.to_str().unwrap()]);
    assert_eq!(env.fingerprint(), after);
    assert_eq!(socred_store::Store::open(&env.db).unwrap().overview().unwrap().records, rows);
}
