//! The PostgreSQL backend, each test on a database of its own: an SQLite
//! store carried over by export and import-store signs the same checkpoint;
//! writers in several processes' worth of handles share one log; tampering
//! with the server database is found as it is in the file.

use socred_auth::Role;
use socred_core::date::parse_date;
use socred_core::record::{Record, RecordId};
use socred_core::{DEFAULT_RULEBOOK, Date, SubjectId};
use socred_log::merkle::Frontier;
use socred_log::{SigningKey, from_hex, to_hex};
use socred_store::audit::checkpoint::heads_of;
use socred_store::postgres::testing::FreshDatabase;
use socred_store::{Actor, CheckLog, NewAccount, NewReport, NewSubject, PgStore, ReportOutcome, Reviewer, Store, StoreError};

const PERSON: &str = "110101199003074514";
const OTHER: &str = "440524198001010013";

fn day(text: &str) -> Date {
    parse_date(text).unwrap()
}

fn actor() -> Actor {
    Actor::replayed("test-officer", day("2026-06-30")).unwrap()
}

fn key() -> SigningKey {
    SigningKey::from_seed("test.example/log", [7; 32]).unwrap()
}

fn record(record_id: &str, subject: &str, on: &str) -> Record {
    Record {
        id: RecordId::parse(record_id).unwrap(),
        subject: SubjectId::parse(subject).unwrap(),
        behaviour: "tax-evasion".into(),
        occurred_on: day(on),
        source: "Municipal Tax Bureau".into(),
        evidence: None,
    }
}

fn subject(id: &str, name: &str) -> NewSubject {
    NewSubject { id: SubjectId::parse(id).unwrap(), name: name.into(), guardians: vec![], represents: vec![] }
}

/// An SQLite store with rows of every kind the log covers: subjects, a link,
/// records, a void, an account and a token (seals), evidence, a report and
/// its decision, a read and a check.
fn populated_sqlite(dir: &std::path::Path) -> Store {
    let mut store = Store::create(
        &dir.join("s.db"),
        DEFAULT_RULEBOOK,
        "default.toml",
        &actor(),
        "test.example/log",
        socred_store::TimeSettings::replay(),
    )
    .unwrap();
    store.add_subject(&subject(OTHER, "Zhao Lei"), &actor()).unwrap();
    store.add_subject(&NewSubject { guardians: vec![SubjectId::parse(OTHER).unwrap()], ..subject(PERSON, "Zhang San") }, &actor()).unwrap();
    store.add_record(&record("tax-1", PERSON, "2025-03-01"), &actor()).unwrap();
    store.add_record(&record("tax-2", PERSON, "2025-04-01"), &actor()).unwrap();
    store.void_record(&RecordId::parse("tax-2").unwrap(), "entered in error", &actor()).unwrap();
    // A crime: Zhao Lei's tier puts him on the published blacklist.
    store.add_record(&Record { behaviour: "intentional-crime".into(), ..record("crime-1", OTHER, "2025-12-01") }, &actor()).unwrap();
    let account = NewAccount {
        username: "officer-wang".into(),
        role: Role::Officer,
        password_hash: Some("$argon2id$not-a-real-hash".into()),
        subject: None,
        authority: Some("Municipal Tax Bureau".into()),
        services: vec![],
        behaviours: vec![],
    };
    store.add_account(&account, &actor()).unwrap();
    let officer = store.account("officer-wang").unwrap().unwrap();
    store.issue_token(&officer, "token-hash-1", "laptop", 30, &actor()).unwrap();
    let evidence = store.add_evidence(b"%PDF-1.4 a photograph of the seat", &actor()).unwrap();
    let report = NewReport {
        id: Some("rep-1".into()),
        reporter: SubjectId::parse(OTHER).unwrap(),
        subject: SubjectId::parse(PERSON).unwrap(),
        behaviour: "rail-disorder".into(),
        occurred_on: day("2026-06-20"),
        description: "took my seat".into(),
        evidence: vec![evidence.hash],
    };
    let filed = store.file_report(&report, &Actor::replayed("zhao", day("2026-06-30")).unwrap()).unwrap();
    let reviewer = Reviewer { actor: Actor::replayed("reviewer-a", day("2026-06-30")).unwrap(), subject: None };
    store.review_report(&filed.id, &reviewer).unwrap();
    store.decide_report(&filed.id, ReportOutcome::Verified, "seen on the operator's footage", &reviewer).unwrap();
    store.log_access(&actor(), &SubjectId::parse(PERSON).unwrap(), "review", "file").unwrap();
    let check = CheckLog {
        at_ms: 1_782_000_000_000,
        provider: "rail".into(),
        subject: SubjectId::parse(PERSON).unwrap(),
        subject_key: None,
        service: "rail-ticket".into(),
        as_of: day("2026-06-30"),
        outcome: "allow",
        reasons: vec![],
    };
    store.log_checks(&[check.clone(), check]).unwrap();
    store
}

fn checkpoint_of(note: &str) -> socred_store::audit::LogHeads {
    heads_of(&key().verifier().open(note).unwrap()).unwrap()
}

fn broken(store: &PgStore) -> String {
    match store.audit_verify() {
        Err(StoreError::AuditBroken(reason)) => reason,
        other => panic!("tampering went unnoticed: {other:?}"),
    }
}

fn sql(database: &FreshDatabase, statement: &str) {
    postgres::Client::connect(&database.url, postgres::NoTls).unwrap().batch_execute(statement).unwrap();
}

/// A store carried from SQLite to PostgreSQL.
fn carried() -> (tempfile::TempDir, FreshDatabase, Store, PgStore) {
    let dir = tempfile::tempdir().unwrap();
    let sqlite = populated_sqlite(dir.path());
    sqlite.export(&dir.path().join("export"), None).unwrap();
    let database = FreshDatabase::create("carried");
    let pg = PgStore::import_export(&database.url, &dir.path().join("export"), None).unwrap();
    (dir, database, sqlite, pg)
}

#[test]
fn an_sqlite_store_carried_to_postgres_signs_the_same_checkpoint_and_goes_on() {
    let (_dir, _database, sqlite, pg) = carried();
    let time = "2026-06-30T12:00:00Z";
    assert_eq!(pg.sign_checkpoint(&key(), time).unwrap(), sqlite.sign_checkpoint(&key(), time).unwrap());
    let report = pg.audit_verify().unwrap();
    let expected = sqlite.audit_verify().unwrap();
    assert_eq!((report.entries, report.ledger_rows, &report.root), (expected.entries, expected.ledger_rows, &expected.root));
    assert_eq!((report.accesses, report.checks, report.check_groups, report.accounts, report.tokens), (1, 2, 1, 1, 1));
    // Accounts come back from their seals: the token opens the same account.
    assert_eq!(pg.account_by_token("token-hash-1", 0).unwrap().unwrap().username, "officer-wang");
    assert_eq!(pg.checks_of(&SubjectId::parse(PERSON).unwrap()).unwrap(), sqlite.checks_of(&SubjectId::parse(PERSON).unwrap()).unwrap());
    // The file reads the same on both.
    let id = SubjectId::parse(PERSON).unwrap();
    let (on_pg, on_sqlite) = (pg.file(&id).unwrap(), sqlite.file(&id).unwrap());
    assert_eq!(on_pg.records, on_sqlite.records);
    assert_eq!(on_pg.voids, on_sqlite.voids);
    assert_eq!(on_pg.reference, on_sqlite.reference);
    // And the carried log goes on from where it was, extending its checkpoint.
    let earlier = checkpoint_of(&pg.sign_checkpoint(&key(), time).unwrap());
    pg.add_record(&record("tax-3", PERSON, "2025-05-01"), &actor()).unwrap();
    pg.void_record(&RecordId::parse("tax-1").unwrap(), "paid in full", &actor()).unwrap();
    assert_eq!(pg.audit_verify_against(Some(&earlier)).unwrap().entries, earlier.size + 2);
    assert_eq!(pg.file(&id).unwrap().records.len(), on_sqlite.records.len() + 1);
}

#[test]
fn an_altered_export_is_refused_and_leaves_the_database_empty() {
    let dir = tempfile::tempdir().unwrap();
    let sqlite = populated_sqlite(dir.path());
    let exported = dir.path().join("export");
    sqlite.export(&exported, None).unwrap();
    let entries = std::fs::read_to_string(exported.join("entries.ndjson")).unwrap();
    std::fs::write(exported.join("entries.ndjson"), entries.replace("Zhang San", "Zhang Si")).unwrap();
    let database = FreshDatabase::create("altered");
    match PgStore::import_export(&database.url, &exported, None) {
        Err(StoreError::Invalid { reason, .. }) => assert!(reason.contains("its rows do not make its digest"), "{reason}"),
        other => panic!("an altered export was taken: {other:?}"),
    }
    assert!(matches!(PgStore::open(&database.url), Err(StoreError::NotInitialised(_))));
    // Nothing of the refused rebuild is left in the way of a good one.
    std::fs::write(exported.join("entries.ndjson"), entries).unwrap();
    PgStore::import_export(&database.url, &exported, None).unwrap().audit_verify().unwrap();
}

#[test]
fn tampering_with_the_server_database_is_found() {
    let cases = [
        ("UPDATE records SET behaviour = 'volunteering' WHERE record_id = 'tax-1'", "the ledger rows it wrote were changed"),
        ("UPDATE subjects SET name = 'Zhang Si' WHERE subject = '110101199003074514'", "the ledger rows it wrote were changed"),
        ("DELETE FROM voids", "the ledger rows it wrote were changed"),
        ("UPDATE report_events SET reasons = replace(reasons, 'footage', 'rumour')", "the ledger rows it wrote were changed"),
        ("UPDATE reports SET description = 'nothing'", "the ledger rows it wrote were changed"),
        ("UPDATE links SET kind = 'represents'", "the ledger rows it wrote were changed"),
        ("UPDATE seals SET state = replace(state, 'officer', 'admin')", "the ledger rows it wrote were changed"),
        ("UPDATE audit SET actor = 'someone else' WHERE seq = 2", "entry 2 was altered"),
        ("DELETE FROM audit WHERE seq = 3", "entry 3 is missing"),
        ("UPDATE evidence SET data = 'x'::bytea", "its stored bytes were changed"),
        ("UPDATE accesses SET purpose = 'curiosity'", "the access log was altered"),
        ("UPDATE check_groups SET data = data || 'x'::bytea", "the check log was altered"),
        ("UPDATE meta SET value = 'replay-no-more' WHERE key = 'dating'", "setting `dating`"),
        // Columns the reads use that the digest does not cover must agree with it.
        ("UPDATE voids SET subject = '440524198001010013'", "a void is not in the file of the record it voids"),
        ("UPDATE records SET seq = 100 - seq", "the order of records was changed"),
        ("DELETE FROM record_ids WHERE record_id = 'tax-1'", "the index of record ids does not match"),
        ("UPDATE record_ids SET subject = '440524198001010013' WHERE record_id = 'tax-1'", "the index of record ids does not match"),
        ("UPDATE report_events SET subject = '440524198001010013'", "a report event is not in the file of its report"),
        ("UPDATE log_head SET size = 0 WHERE log = 'records'", "a counter of the store is behind"),
        ("UPDATE seals SET state = 'not json'", "the ledger rows it wrote were changed"),
        ("UPDATE check_groups SET hash = repeat('0', 64)", "the check log was altered"),
        ("DELETE FROM check_subjects", "the index of checks by subject does not match"),
        // Accounts and tokens are live rows held against their newest seals.
        ("UPDATE accounts SET role = 'admin'", "account officer-wang was changed outside socred: role differs"),
        ("UPDATE tokens SET expires_at = expires_at + 86400", "token 1 was changed outside socred: expires_at differs"),
        ("DELETE FROM tokens", "token 1 was removed outside socred"),
        (
            "INSERT INTO accounts (id, username, role, services, behaviours, created_at) VALUES (99, 'mallory', 'admin', '[]', '[]', 'now')",
            "account mallory was added outside socred",
        ),
        // The public list's derived rows are held against the files.
        ("UPDATE entries SET legal_basis = 'none'", "the derived list entries of subject 440524198001010013 do not follow its file"),
        ("DELETE FROM entries", "the derived list entries of subject 440524198001010013 do not follow its file"),
        (
            "INSERT INTO entries VALUES ('110101199003074514', 'x', 'blacklist', 'a', 'b', true, '2026-01-01', NULL)",
            "the derived list entries of subject 110101199003074514 do not follow its file",
        ),
    ];
    for (tamper, expected) in cases {
        let (_dir, database, _sqlite, pg) = carried();
        sql(&database, tamper);
        eprintln!("{tamper}");
        let reason = broken(&pg);
        assert!(reason.contains(expected), "`{tamper}`: {reason}");
    }
}

/// The same log gives the same proof on either backend: a subject's proof
/// from the PostgreSQL store verifies offline and equals the SQLite one.
#[test]
fn a_proof_from_postgres_is_the_proof_from_sqlite() {
    let (_dir, _database, sqlite, pg) = carried();
    let time = "2026-07-01T00:00:00Z";
    for item in [
        socred_store::audit::ProvenItem::Record { record_id: "tax-1".into() },
        socred_store::audit::ProvenItem::Record { record_id: "crime-1".into() },
    ] {
        let proof = pg.prove(&item, &key(), time).unwrap();
        assert_eq!(proof, sqlite.prove(&item, &key(), time).unwrap());
        proof.verify(&key().verifier()).unwrap();
        assert_eq!(pg.proven_item_subject(&item).unwrap(), sqlite.proven_item_subject(&item).unwrap());
    }
    let missing = socred_store::audit::ProvenItem::Record { record_id: "nope-1".into() };
    assert!(matches!(pg.prove(&missing, &key(), time), Err(StoreError::NotFound(_))));
    assert_eq!(pg.proven_item_subject(&missing).unwrap(), None);
}

/// The public list is derived: rebuilt from the files, it is what every
/// write would have made it, and verifies again.
#[test]
fn the_public_list_is_rebuilt_from_the_files() {
    let (_dir, database, mut sqlite, pg) = carried();
    let later = day("2027-01-01");
    let published = pg.published(later, &socred_store::PublicFilter::default(), 100, 0).unwrap();
    assert_eq!(published.len(), 1, "{published:?}");
    assert_eq!(
        published,
        sqlite.public_list(later, &socred_store::PublicFilter::default(), 100, 0).unwrap(),
        "the same secret, the same aliases"
    );
    sql(&database, "UPDATE entries SET published = false");
    assert!(pg.published(later, &socred_store::PublicFilter::default(), 100, 0).unwrap().is_empty());
    broken(&pg);
    assert_eq!(pg.rebuild_entries().unwrap(), 1);
    assert_eq!(pg.published(later, &socred_store::PublicFilter::default(), 100, 0).unwrap(), published);
    pg.audit_verify().unwrap();
}

/// An import's batches rewrite the list entries of the subjects they hold,
/// and a batch rolled back takes its entries with it.
#[test]
fn an_import_publishes_what_it_lists() {
    let database = FreshDatabase::create("import_lists");
    let store = PgStore::create(
        &database.url,
        DEFAULT_RULEBOOK,
        "default.toml",
        &actor(),
        "test.example/log",
        socred_store::TimeSettings::replay(),
    )
    .unwrap();
    for (id, name) in [(PERSON, "Zhang San"), (OTHER, "Zhao Lei")] {
        store.add_subject(&subject(id, name), &actor()).unwrap();
    }
    // Bystanders: with most of the population unchanged, the commit rewrites
    // the changed subjects one chunk at a time, not every partition.
    for sequence in 0..4 {
        let id = socred_core::id::synthetic_person(310101, day("1980-01-01"), sequence).to_string();
        store.add_subject(&subject(&id, "Bystander"), &actor()).unwrap();
    }
    let crime = |id: &str, subject: &str| Record { behaviour: "intentional-crime".into(), ..record(id, subject, "2025-12-01") };
    let later = day("2027-01-01");
    let mut session = store.begin_import(&actor(), "records.import").unwrap();
    session.push(&[crime("crime-1", PERSON)]).unwrap();
    session.rollback();
    assert!(
        store.published(later, &socred_store::PublicFilter::default(), 100, 0).unwrap().is_empty(),
        "a rolled-back import lists nobody"
    );
    let mut session = store.begin_import(&actor(), "records.import").unwrap();
    session.push(&[crime("crime-1", PERSON)]).unwrap();
    session.push(&[record("tax-1", PERSON, "2025-03-01"), crime("crime-2", OTHER)]).unwrap();
    session.commit(serde_json::json!({})).unwrap();
    let masked: Vec<String> =
        store.published(later, &socred_store::PublicFilter::default(), 100, 0).unwrap().into_iter().map(|line| line.masked_id).collect();
    assert_eq!(masked.len(), 2, "{masked:?}");
    store.audit_verify().unwrap();
    // More changed subjects than the session holds in memory: the rest wait
    // in a table of the transaction, and every one is rewritten all the same.
    let bystander = socred_core::id::synthetic_person(310101, day("1980-01-01"), 0).to_string();
    let mut session = store.begin_import(&actor(), "records.import").unwrap();
    session.hold_changed_subjects_at_most(1);
    session.push(&[crime("crime-3", &bystander)]).unwrap();
    session.push(&[record("tax-2", OTHER, "2025-04-01"), crime("crime-4", PERSON)]).unwrap();
    session.commit(serde_json::json!({})).unwrap();
    assert_eq!(store.published(later, &socred_store::PublicFilter::default(), 100, 0).unwrap().len(), 3);
    store.audit_verify().unwrap();
}

#[test]
fn a_truncated_log_with_its_head_recomputed_fails_against_a_checkpoint() {
    let (_dir, database, _sqlite, pg) = carried();
    pg.add_record(&record("tax-3", PERSON, "2025-05-01"), &actor()).unwrap();
    let earlier = checkpoint_of(&pg.sign_checkpoint(&key(), "2026-06-30T12:00:00Z").unwrap());
    sql(
        &database,
        "DELETE FROM records WHERE record_id = 'tax-3'; DELETE FROM record_ids WHERE record_id = 'tax-3';
                    DELETE FROM audit WHERE seq = (SELECT max(seq) FROM audit);",
    );
    assert!(broken(&pg).contains("stored head"), "the head still counts the deleted entry");
    let mut client = postgres::Client::connect(&database.url, postgres::NoTls).unwrap();
    let mut frontier = Frontier::default();
    for row in client.query("SELECT hash FROM audit ORDER BY seq", &[]).unwrap() {
        frontier.push(from_hex(row.get(0)).unwrap());
    }
    let nodes: String = frontier.nodes().iter().map(to_hex).collect();
    client.execute("UPDATE log_head SET size = $1, nodes = $2 WHERE log = 'audit'", &[&(frontier.size() as i64), &nodes]).unwrap();
    pg.audit_verify().unwrap();
    match pg.audit_verify_against(Some(&earlier)) {
        Err(StoreError::AuditBroken(reason)) => assert!(reason.contains("newest entries were removed"), "{reason}"),
        other => panic!("a truncated log passed against its checkpoint: {other:?}"),
    }
}

/// Writers on separate handles (separate pools, as separate servers have)
/// append to one log: consecutive numbers, one tree, no lost or doubled write.
#[test]
fn writers_on_several_handles_share_one_log() {
    let database = FreshDatabase::create("writers");
    let first = PgStore::create(
        &database.url,
        DEFAULT_RULEBOOK,
        "default.toml",
        &actor(),
        "test.example/log",
        socred_store::TimeSettings::replay(),
    )
    .unwrap();
    first.add_subject(&subject(PERSON, "Zhang San"), &actor()).unwrap();
    first.add_subject(&subject(OTHER, "Zhao Lei"), &actor()).unwrap();
    let before = first.log_heads().unwrap().size;
    let writers: Vec<_> = (0..4)
        .map(|writer| {
            let url = database.url.clone();
            std::thread::spawn(move || {
                let store = PgStore::open(&url).unwrap();
                for n in 0..25 {
                    let subject = if n % 2 == 0 { PERSON } else { OTHER };
                    store.add_record(&record(&format!("w{writer}-{n}"), subject, "2025-03-01"), &actor()).unwrap();
                    // The same record again from another writer is a duplicate, never a second row.
                    store.add_record(&record(&format!("w0-{n}"), if n % 2 == 0 { PERSON } else { OTHER }, "2025-03-01"), &actor()).ok();
                }
            })
        })
        .collect();
    for writer in writers {
        writer.join().unwrap();
    }
    let report = first.audit_verify().unwrap();
    assert_eq!(report.entries, before + 100, "one entry a record, none for a duplicate");
    let records = first.file(&SubjectId::parse(PERSON).unwrap()).unwrap().records.len()
        + first.file(&SubjectId::parse(OTHER).unwrap()).unwrap().records.len();
    assert_eq!(records, 100);
}

#[test]
fn a_second_create_and_a_missing_store_are_named() {
    let database = FreshDatabase::create("twice");
    let create = || PgStore::create(&database.url, DEFAULT_RULEBOOK, "default.toml", &actor(), "o", socred_store::TimeSettings::replay());
    assert!(matches!(PgStore::open(&database.url), Err(StoreError::NotInitialised(_))));
    create().unwrap();
    assert!(matches!(create(), Err(StoreError::AlreadyInitialised(_))));
    assert!(matches!(PgStore::open("postgres://nobody@127.0.0.1:1/none"), Err(StoreError::Database(_))));
    assert!(matches!(PgStore::open("postgres://user@host:notaport/db"), Err(StoreError::Invalid { .. })));
}

#[test]
fn a_batch_takes_each_id_once_and_tells_a_retry_from_a_conflict() {
    use socred_store::RowOutcome;
    let database = FreshDatabase::create("batch");
    let store = PgStore::create(
        &database.url,
        DEFAULT_RULEBOOK,
        "default.toml",
        &actor(),
        "test.example/log",
        socred_store::TimeSettings::replay(),
    )
    .unwrap();
    store.add_subject(&subject(PERSON, "Zhang San"), &actor()).unwrap();
    let a = record("a-1", PERSON, "2025-03-01");
    let other_a = record("a-1", PERSON, "2025-04-01");
    let b = record("b-1", PERSON, "2025-03-02");
    let unknown = record("c-1", OTHER, "2025-03-02");
    let batch = [a.clone(), a.clone(), other_a.clone(), b.clone(), unknown.clone()];
    let first = store.import_records(&batch, &actor(), "records.import", serde_json::json!({})).unwrap();
    let conflict = |outcome: &RowOutcome| matches!(outcome, RowOutcome::Rejected { field: "id", conflict: true, .. });
    assert_eq!(first.outcomes[0], RowOutcome::Inserted);
    assert_eq!(first.outcomes[1], RowOutcome::Duplicate);
    assert!(conflict(&first.outcomes[2]), "{:?}", first.outcomes[2]);
    assert_eq!(first.outcomes[3], RowOutcome::Inserted);
    assert!(matches!(first.outcomes[4], RowOutcome::Rejected { field: "subject", conflict: false, .. }));
    assert_eq!((first.summary.inserted, first.summary.duplicates, first.summary.rejected), (2, 1, 2));
    let size = store.log_heads().unwrap().size;
    let again = store.import_records(&batch, &actor(), "records.import", serde_json::json!({})).unwrap();
    assert_eq!(again.outcomes[0], RowOutcome::Duplicate);
    assert!(conflict(&again.outcomes[2]));
    assert_eq!(again.outcomes[3], RowOutcome::Duplicate);
    assert_eq!(again.summary.audit_seq, None, "a batch of retries writes nothing");
    // A record repeated in a batch shares the verdict of its first copy: both refused when the id is taken.
    let repeated = store.import_records(&[other_a.clone(), other_a.clone()], &actor(), "records.import", serde_json::json!({})).unwrap();
    assert!(repeated.outcomes.iter().all(conflict), "{:?}", repeated.outcomes);
    assert_eq!(store.log_heads().unwrap().size, size);
    // A taken id beside a free one: the free one is stored, the taken one compared.
    let mixed =
        store.import_records(&[b.clone(), record("d-1", PERSON, "2025-03-03")], &actor(), "records.import", serde_json::json!({})).unwrap();
    assert_eq!(mixed.outcomes, vec![RowOutcome::Duplicate, RowOutcome::Inserted]);
    let report = store.audit_verify().unwrap();
    assert_eq!(report.ledger_rows, 1 + 1 + 3, "the rulebook, the subject and three records");
}

#[test]
fn an_export_of_the_postgres_store_rebuilds_the_same_sqlite_store() {
    let (dir, _database, sqlite, pg) = carried();
    pg.add_record(&record("tax-3", PERSON, "2025-05-01"), &actor()).unwrap();
    pg.log_access(&actor(), &SubjectId::parse(PERSON).unwrap(), "review", "file").unwrap();
    let manifest = pg.export(&dir.path().join("back"), Some((&key(), "2026-06-30T12:00:00Z"))).unwrap();
    assert_eq!(manifest.entries, sqlite.log_heads().unwrap().size + 1);
    let signed = checkpoint_of(&std::fs::read_to_string(dir.path().join("back/checkpoint.txt")).unwrap());
    let rebuilt = Store::import_export(&dir.path().join("back.db"), &dir.path().join("back"), Some(&signed)).unwrap();
    assert_eq!(rebuilt.log_heads().unwrap(), pg.log_heads().unwrap());
    assert_eq!(rebuilt.audit_verify().unwrap().accesses, 2);
    assert!(pg.export(&dir.path().join("back"), None).is_err(), "an export never writes into a directory that holds files");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(dir.path().join("back/meta.json")).unwrap().permissions().mode();
        assert_eq!(mode & 0o077, 0, "the store's secret is readable by its owner only");
    }
}

/// Two handles on one database, as two servers have: a write through one
/// wakes a listener on the other, whose feed then names the subject changed.
#[test]
fn a_write_through_one_handle_reaches_a_follower_on_another() {
    use socred_store::postgres::Changed;
    use std::time::{Duration, Instant};
    let database = FreshDatabase::create("follow");
    let writer = PgStore::create(
        &database.url,
        DEFAULT_RULEBOOK,
        "default.toml",
        &actor(),
        "test.example/log",
        socred_store::TimeSettings::replay(),
    )
    .unwrap();
    writer.add_subject(&subject(OTHER, "Zhao Lei"), &actor()).unwrap();
    let follower = PgStore::open(&database.url).unwrap();
    let mut listener = follower.listen().unwrap();
    let cursor = follower.changes_cursor().unwrap();
    assert_eq!(listener.wait(Duration::from_millis(50)).unwrap(), None, "nothing written, nothing heard");

    let written = Instant::now();
    writer
        .add_subject(&NewSubject { guardians: vec![SubjectId::parse(OTHER).unwrap()], ..subject(PERSON, "Zhang San") }, &actor())
        .unwrap();
    let heard = listener.wait(Duration::from_secs(5)).unwrap().expect("a notification");
    assert!(written.elapsed() < Duration::from_secs(1), "heard after {:?}", written.elapsed());
    let Changed::Subjects { mut subjects, cursor: next } = follower.changes_since(cursor).unwrap() else { panic!("a small change") };
    subjects.sort();
    let mut expected = vec![SubjectId::parse(PERSON).unwrap(), SubjectId::parse(OTHER).unwrap()];
    expected.sort();
    assert_eq!(subjects, expected, "a link changes both ends");
    assert_eq!(next, heard);

    // A refused write is rolled back: no notification, no change.
    assert!(writer.add_record(&record("x-1", PERSON, "2099-01-01"), &actor()).is_err());
    assert_eq!(listener.wait(Duration::from_millis(200)).unwrap(), None);
    // A void changes the file of the record's subject, though its row does not name it.
    writer.add_record(&record("tax-1", PERSON, "2025-03-01"), &actor()).unwrap();
    writer.void_record(&RecordId::parse("tax-1").unwrap(), "entered in error", &actor()).unwrap();
    let newest = listener.wait(Duration::from_secs(5)).unwrap().unwrap();
    let Changed::Subjects { subjects, cursor } = follower.changes_since(next).unwrap() else { panic!("a small change") };
    assert_eq!(subjects, vec![SubjectId::parse(PERSON).unwrap()]);
    assert!(cursor >= newest);
    assert_eq!(follower.changes_since(cursor).unwrap(), Changed::Subjects { subjects: vec![], cursor });
}

/// Servers append their checks as batches of groups under the check log's
/// own lock: batches from several handles at once chain into one log, every
/// check once, and "who asked about me" finds them all.
#[test]
fn check_batches_from_several_handles_chain_into_one_log() {
    let (_dir, database, _sqlite, pg) = carried();
    let (handles, batches, per_batch) = (4, 5, 300);
    std::thread::scope(|scope| {
        for handle in 0..handles {
            let url = database.url.clone();
            scope.spawn(move || {
                let store = PgStore::open(&url).unwrap();
                for batch in 0..batches {
                    let logs: Vec<CheckLog> = (0..per_batch)
                        .map(|n| CheckLog {
                            at_ms: 1_782_000_000_000 + (handle * 1_000_000 + batch * 1_000 + n) as i64,
                            provider: format!("rail-{handle}"),
                            subject: SubjectId::parse(if n % 2 == 0 { PERSON } else { OTHER }).unwrap(),
                            subject_key: None,
                            service: "rail-ticket".into(),
                            as_of: day("2026-06-30"),
                            outcome: "allow",
                            reasons: vec![],
                        })
                        .collect();
                    store.log_checks(&logs).unwrap();
                }
            });
        }
    });
    let report = pg.audit_verify().unwrap();
    assert_eq!(report.checks, 2 + (handles * batches * per_batch) as u64);
    let client = &mut postgres::Client::connect(&database.url, postgres::NoTls).unwrap();
    let indexed: i64 = client.query_one("SELECT count(*) FROM check_subjects", &[]).unwrap().get(0);
    assert_eq!(indexed, 1 + 2 * (handles * batches) as i64, "the carried group names one subject, each batch's group two");
    let newest = pg.checks_of(&SubjectId::parse(OTHER).unwrap()).unwrap();
    assert_eq!(newest.len(), handles * batches * per_batch / 2, "every check about the subject, none twice");
    assert!(newest.windows(2).all(|pair| pair[0].at >= pair[1].at), "newest first");
}

/// A server loads everything partition by partition and reloads changed
/// subjects one statement at a time: both ways read the same hot data.
#[test]
fn the_hot_data_of_everything_is_that_of_each_subject() {
    let (_dir, _database, _sqlite, pg) = carried();
    let today = day("2026-07-01");
    let sorted = |mut data: socred_store::HotData| {
        data.subjects.sort();
        data.summaries.sort();
        data.listings.sort();
        data.links.sort();
        data
    };
    let all = sorted(pg.hot_data(None, today).unwrap());
    let ids: Vec<SubjectId> = all.subjects.iter().map(|(_, id)| *id).collect();
    assert_eq!(ids.len(), 2);
    assert_eq!(all.summaries.len(), 2, "every subject has its tier window");
    assert_eq!(all.links.len(), 1, "the guardian link");
    assert_eq!(sorted(pg.hot_data(Some(&ids), today).unwrap()), all);
    // And the tier the core gives from the file.
    let file = pg.file(&SubjectId::parse(PERSON).unwrap()).unwrap();
    let summary = socred_core::assess::summarise(pg.rulebook(), &file, today);
    let number = all.subjects.iter().find(|(_, id)| id.as_str() == PERSON).unwrap().0;
    assert!(all.summaries.contains(&(number, summary.tier.0, summary.valid_from, summary.valid_until)));
}

/// A database an earlier build made (one migration behind) is brought up to
/// date when it is opened, and a newer one is refused.
#[test]
fn an_older_schema_is_migrated_on_open() {
    let (_dir, database, _sqlite, pg) = carried();
    let heads = pg.log_heads().unwrap();
    drop(pg);
    let newest = |database: &FreshDatabase| -> i32 {
        let mut client = postgres::Client::connect(&database.url, postgres::NoTls).unwrap();
        client.query_one("SELECT max(version) FROM refinery_schema_history", &[]).unwrap().get(0)
    };
    let known = newest(&database);
    assert_eq!(known, 3, "this test undoes the newest migration, V3__account_languages");
    sql(&database, "DROP TABLE account_languages");
    sql(&database, &format!("DELETE FROM refinery_schema_history WHERE version = {known}"));
    let reopened = PgStore::open(&database.url).unwrap();
    assert_eq!(newest(&database), known);
    let mut client = postgres::Client::connect(&database.url, postgres::NoTls).unwrap();
    assert!(client.query_one("SELECT to_regclass('account_languages') IS NOT NULL", &[]).unwrap().get::<_, bool>(0), "the table is back");
    assert_eq!(reopened.log_heads().unwrap(), heads, "migrating writes nothing to the log");
    reopened.audit_verify().unwrap();
    sql(
        &database,
        &format!("INSERT INTO refinery_schema_history (version, name, applied_on, checksum) VALUES ({}, 'future', '', '0')", known + 1),
    );
    assert!(matches!(PgStore::open(&database.url), Err(StoreError::SchemaMismatch { .. })));
}

/// A harsher rulebook activated on PostgreSQL notices its new entries on the
/// day it takes effect, keeps the entries the old version had, and leaves
/// what was known before under the old version (as on SQLite, `store.rs`).
/// Another handle, prepared under the old version, may not write until it
/// follows the new one.
#[test]
fn a_rulebook_activated_on_postgres_is_followed_by_every_handle() {
    let at = |on: &str| Actor::replayed("test-officer", day(on)).unwrap();
    let database = FreshDatabase::create("activate");
    let mut store =
        PgStore::create(&database.url, DEFAULT_RULEBOOK, "default.toml", &at("2025-01-01"), "init", socred_store::TimeSettings::replay())
            .unwrap();
    let mut other = PgStore::open(&database.url).unwrap();
    const GUARDIAN: &str = "11010519491231002X";
    store.add_subject(&subject(PERSON, "Li Ming"), &at("2025-01-01")).unwrap();
    store.add_subject(&subject(GUARDIAN, "Wang Fang"), &at("2025-01-01")).unwrap();
    for index in 0..4 {
        store.add_record(&record(&format!("tax-{index}"), PERSON, "2025-02-01"), &at("2025-02-01")).unwrap();
    }
    let judgment = Record { behaviour: "judgment-default".into(), ..record("jd-1", GUARDIAN, "2025-01-10") };
    store.add_record(&judgment, &at("2025-01-10")).unwrap();
    let without_tax = DEFAULT_RULEBOOK
        .replacen("code = \"tax-evasion\"", "code = \"tax-fraud\"", 1)
        .replace("\"speeding-serious\", \"tax-evasion\"]", "\"speeding-serious\", \"tax-fraud\"]");
    let heads = store.log_heads().unwrap();
    assert!(
        matches!(store.activate_rulebook(&without_tax, "v2.toml", &at("2025-06-01")), Err(StoreError::Invalid { field, .. }) if field == "behaviour")
    );
    assert_eq!(store.log_heads().unwrap(), heads, "a refused version writes nothing");

    let harsher = DEFAULT_RULEBOOK
        .replace("points = -100\ncategory = \"tax\"", "points = -150\ncategory = \"tax\"")
        .replace("version = \"2026.1\"", "version = \"2026.2\"");
    let size = store.log_heads().unwrap().size;
    let impact = serde_json::json!({"digest": "00"});
    assert!(matches!(
        store.activate_rulebook_with_impact(&harsher, "v2.toml", &at("2025-06-01"), impact.clone(), Some(size - 1)),
        Err(StoreError::Invalid { field, .. }) if field == "impact"
    ));
    assert_eq!(store.log_heads().unwrap().size, size, "a refused activation writes nothing");
    let activated = store.activate_rulebook_with_impact(&harsher, "v2.toml", &at("2025-06-01"), impact, Some(size)).unwrap();
    assert_eq!(activated.version, "2026.2");
    let size = store.log_heads().unwrap().size;
    store.activate_rulebook(&harsher, "v2.toml", &at("2025-06-02")).unwrap();
    assert_eq!(store.log_heads().unwrap().size, size, "the same version again writes nothing");
    let person = SubjectId::parse(PERSON).unwrap();
    let view = store.due_process(&person, day("2025-06-05")).unwrap();
    let entry = view.entries.iter().find(|e| e.list == "blacklist").expect("a tier-D entry under the new version");
    assert_eq!(entry.notice.as_ref().unwrap().served_on, day("2025-06-01"), "not back-dated to February");
    assert_eq!(
        store.decide(&person, "civil-aviation", day("2025-06-05")).unwrap().outcome.as_str(),
        "allow",
        "no measure before the window closes"
    );
    let kept = store.entry(&socred_core::process::EntryId::parse("blacklist:jd-1").unwrap(), day("2025-06-05")).unwrap();
    assert_eq!((kept.state.as_str(), kept.notice.unwrap().served_on), ("listed", day("2025-01-10")));
    assert!(
        socred_store::backend::FileReads::known_on(&store, day("2025-05-31"))
            .unwrap()
            .due_process(&person, day("2025-05-31"))
            .unwrap()
            .entries
            .is_empty()
    );
    let published = store.published(day("2025-06-20"), &socred_store::PublicFilter::default(), 100, 0).unwrap();
    assert_eq!(published.len(), 2, "the derived list follows the new version: {published:?}");

    // A handle opened before the activation is refused until it follows it.
    assert!(matches!(
        other.add_record(&record("tax-9", PERSON, "2025-06-01"), &at("2025-06-02")),
        Err(StoreError::Conflict(_) | StoreError::ConflictBecause { .. })
    ));
    assert!(other.follow_rulebook().unwrap());
    assert_eq!(other.rulebook().version, "2026.2");
    other.add_record(&record("tax-9", PERSON, "2025-06-01"), &at("2025-06-02")).unwrap();
    let mut clone = PgStore::open(&database.url).unwrap();
    assert!(!clone.follow_rulebook().unwrap(), "a handle opened after it is current");
    clone.audit_verify().unwrap();
}

/// The entries a PostgreSQL activation carries over are digested as the
/// embedded store digests them (in registration order), so a PostgreSQL store
/// with two rulebook versions moves to SQLite and verifies there.
#[test]
fn a_store_with_two_rulebook_versions_moves_from_postgres_to_sqlite() {
    let at = |on: &str| Actor::replayed("test-officer", day(on)).unwrap();
    let database = FreshDatabase::create("two_versions");
    let mut store =
        PgStore::create(&database.url, DEFAULT_RULEBOOK, "default.toml", &at("2025-01-01"), "init", socred_store::TimeSettings::replay())
            .unwrap();
    // Registered in the reverse of their ids' order.
    const GUARDIAN: &str = "11010519491231002X";
    store.add_subject(&subject(GUARDIAN, "Wang Fang"), &at("2025-01-01")).unwrap();
    store.add_subject(&subject(PERSON, "Li Ming"), &at("2025-01-01")).unwrap();
    for (record_id, subject) in [("jd-g", GUARDIAN), ("jd-p", PERSON)] {
        let judgment = Record { behaviour: "judgment-default".into(), ..record(record_id, subject, "2025-01-10") };
        store.add_record(&judgment, &at("2025-01-10")).unwrap();
    }
    let harsher = DEFAULT_RULEBOOK.replace("version = \"2026.1\"", "version = \"2026.2\"");
    store.activate_rulebook(&harsher, "v2.toml", &at("2025-06-01")).unwrap();
    let dir = tempfile::tempdir().unwrap();
    store.export(&dir.path().join("export"), None).unwrap();
    let moved = Store::import_export(&dir.path().join("moved.db"), &dir.path().join("export"), None).unwrap();
    assert_eq!(moved.log_heads().unwrap(), store.log_heads().unwrap());
    moved.audit_verify().unwrap();
}

#[test]
fn a_large_import_reads_the_population_once_and_still_refuses_the_unregistered() {
    use socred_store::RowOutcome;
    let database = FreshDatabase::create("large_import");
    let store = PgStore::create(
        &database.url,
        DEFAULT_RULEBOOK,
        "default.toml",
        &actor(),
        "test.example/log",
        socred_store::TimeSettings::replay(),
    )
    .unwrap();
    let person = |index: u16| {
        socred_core::id::synthetic_person(310101, day("1980-01-01") + time::Duration::days(i64::from(index / 1_000)), index % 1_000)
            .to_string()
    };
    let registered: Vec<NewSubject> = (0..1_200).map(|index| subject(&person(index), "Registered")).collect();
    let mut session = store.begin_import(&actor(), "records.import").unwrap();
    assert_eq!(session.push_subjects(&registered).unwrap(), 1_200);
    // Enough subjects in one batch that the session reads every registered
    // subject at once; 300 of them are not registered.
    let crime =
        |index: u16| Record { behaviour: "intentional-crime".into(), ..record(&format!("crime-{index}"), &person(index), "2025-12-01") };
    let batch: Vec<Record> = (0..1_500).map(crime).collect();
    let outcomes = session.push(&batch).unwrap();
    assert!(outcomes[..1_200].iter().all(|outcome| *outcome == RowOutcome::Inserted));
    assert!(
        outcomes[1_200..].iter().all(
            |outcome| matches!(outcome, RowOutcome::Rejected { field: "subject", reason, .. } if reason.ends_with("is not registered"))
        ),
        "{:?}",
        &outcomes[1_200..1_203]
    );
    // Registered later in the same session: known from then on.
    let late: Vec<NewSubject> = (1_200..1_500).map(|index| subject(&person(index), "Late")).collect();
    assert_eq!(session.push_subjects(&late).unwrap(), 300);
    assert!(session.push(&batch[1_200..]).unwrap().iter().all(|outcome| *outcome == RowOutcome::Inserted));
    session.commit(serde_json::json!({})).unwrap();
    // Every subject changed: the commit rewrote the entries partition by partition.
    let listed = store.published(day("2027-01-01"), &socred_store::PublicFilter::default(), 2_000, 0).unwrap();
    assert_eq!(listed.len(), 1_500);
    store.audit_verify().unwrap();
}
