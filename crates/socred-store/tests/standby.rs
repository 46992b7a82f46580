//! Reads from a hot standby: the test makes a primary and a streaming
//! standby of its own (initdb, pg_basebackup, two clusters on free loopback
//! ports, both stopped and removed at the end), writes through the primary
//! and reads the file and the public list back from the standby, with the
//! lag reported.
//!
//! Needs PostgreSQL's server binaries (`postgres::testing::Replicated`).

use std::time::{Duration, Instant};

use socred_core::date::parse_date;
use socred_core::record::{Record, RecordId};
use socred_core::{DEFAULT_RULEBOOK, SubjectId};
use socred_store::postgres::testing::Replicated;
use socred_store::{Actor, NewSubject, PgStore, StoreError};

const PERSON: &str = "110101199003074514";

fn actor() -> Actor {
    Actor::replayed("officer", parse_date("2026-06-30").unwrap()).unwrap()
}

#[test]
fn a_write_on_the_primary_is_read_from_the_standby_with_its_lag_reported() {
    let dir = tempfile::Builder::new().prefix("socred-standby").tempdir_in("/tmp").unwrap();
    let Replicated { primary, standby } = Replicated::create(dir.path());

    let mut store = PgStore::create(
        &primary.url("postgres"),
        DEFAULT_RULEBOOK,
        "default.toml",
        &actor(),
        "standby.test/log",
        socred_store::TimeSettings::replay(),
    )
    .unwrap();
    let id = SubjectId::parse(PERSON).unwrap();
    store.add_subject(&NewSubject { id, name: "Zhang San".into(), guardians: vec![], represents: vec![] }, &actor()).unwrap();
    // The standby must be a replica of this store: it is, once the store's creation has reached it.
    let started = Instant::now();
    loop {
        match store.read_from(&standby.url("postgres")) {
            Ok(()) => break,
            Err(_) if started.elapsed() < Duration::from_secs(10) => std::thread::sleep(Duration::from_millis(50)),
            Err(error) => panic!("the standby never caught up with the store's creation: {error}"),
        }
    }

    let written = Instant::now();
    store
        .add_record(
            &Record {
                id: RecordId::parse("tax-1").unwrap(),
                subject: id,
                behaviour: "tax-evasion".into(),
                occurred_on: parse_date("2025-03-01").unwrap(),
                source: "Tax Bureau".into(),
                evidence: None,
            },
            &actor(),
        )
        .unwrap();
    // The file is read from the standby: the record appears there once replayed.
    let visible = loop {
        if store.file(&id).unwrap().records.len() == 1 {
            break written.elapsed();
        }
        assert!(written.elapsed() < Duration::from_secs(10), "the standby did not replay the write in 10 s");
        std::thread::sleep(Duration::from_millis(5));
    };
    eprintln!("a write on the primary was read from the standby after {visible:?}");
    let lag = store.replica_lag().unwrap().expect("a standby");
    assert!(lag.in_recovery, "the read database is a standby");
    assert_eq!(lag.bytes, 0, "replayed up to the primary's position");
    assert!(lag.seconds >= 0.0);

    // The public list is read from the standby too: its derived rows were
    // written in the write's own transaction, so they replay with it.
    let later = parse_date("2027-01-01").unwrap();
    assert!(store.published(later, &socred_store::PublicFilter::default(), 100, 0).unwrap().is_empty());
    let crime = Record {
        id: RecordId::parse("crime-1").unwrap(),
        subject: id,
        behaviour: "intentional-crime".into(),
        occurred_on: parse_date("2025-12-01").unwrap(),
        source: "People's Court".into(),
        evidence: None,
    };
    let written = Instant::now();
    store.add_record(&crime, &actor()).unwrap();
    loop {
        let listed = store.published(later, &socred_store::PublicFilter::search("Zhang"), 100, 0).unwrap();
        if !listed.is_empty() {
            assert_eq!(listed[0].masked_id, "110101********4514");
            break;
        }
        assert!(written.elapsed() < Duration::from_secs(10), "the standby did not replay the listing in 10 s");
        std::thread::sleep(Duration::from_millis(5));
    }

    // A standby still replaying a rulebook activation does not make files unreadable:
    // the entries the new version carries over come from the primary meanwhile.
    let mut standby_client = postgres::Client::connect(&standby.url("postgres"), postgres::NoTls).unwrap();
    standby_client.batch_execute("SELECT pg_wal_replay_pause()").unwrap();
    let next = DEFAULT_RULEBOOK.replace("version = \"2026.1\"", "version = \"2026.2\"");
    store.activate_rulebook(&next, "v2.toml", &actor()).unwrap();
    let file = store.file(&id).unwrap();
    assert_eq!(file.records.len(), 2, "the file as the standby holds it");
    assert!(file.carried_over.is_some(), "under the new version, with what it carried over");
    standby_client.batch_execute("SELECT pg_wal_replay_resume()").unwrap();

    // The standby refuses writes: a handle opened on it alone cannot write.
    let on_standby = PgStore::open(&standby.url("postgres")).unwrap();
    match on_standby.add_subject(
        &NewSubject { id: SubjectId::parse("440524198001010013").unwrap(), name: "Zhao".into(), guardians: vec![], represents: vec![] },
        &actor(),
    ) {
        Err(StoreError::Database(error)) => assert!(error.to_string().contains("read-only"), "{error}"),
        other => panic!("a write on a standby: {other:?}"),
    }
    // A database that accepts writes is not taken as a replica, nor a standby of another store.
    let mut again = PgStore::open(&primary.url("postgres")).unwrap();
    assert!(matches!(again.read_from(&primary.url("postgres")), Err(StoreError::Invalid { .. })));
    assert!(matches!(again.read_from(&standby.url("template1")), Err(StoreError::NotAStore(_))));
    drop(standby);
    drop(primary);
}
