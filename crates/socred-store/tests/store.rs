//! The embedded store against a fresh database file per test.

use proptest::prelude::*;
use socred_core::assess::summarise;
use socred_core::date::parse_date;
use socred_core::id::synthetic_person;
use socred_core::record::{Record, RecordId};
use socred_core::{DEFAULT_RULEBOOK, Date, SubjectId};
use socred_store::KnownReads;
use socred_store::{Actor, NewSubject, RowOutcome, Store, StoreError, SubjectOutcome, VoidOutcome};

const PERSON: &str = "110101199003074514";
const GUARDIAN: &str = "11010519491231002X";
const ORG: &str = "91350100M000100Y43";

/// The tests act on 30 June 2026 unless they say otherwise (a replay store takes the day from its caller).
fn actor() -> Actor {
    actor_on(day("2026-06-30"))
}

fn actor_on(on: Date) -> Actor {
    Actor::replayed("test-officer", on).unwrap()
}

fn fresh() -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().unwrap();
    let store =
        Store::create(&dir.path().join("s.db"), DEFAULT_RULEBOOK, "default.toml", &actor(), "init", socred_store::TimeSettings::replay())
            .unwrap();
    (dir, store)
}

fn id(text: &str) -> SubjectId {
    SubjectId::parse(text).unwrap()
}

fn day(text: &str) -> Date {
    parse_date(text).unwrap()
}

fn person(store: &mut Store, text: &str) {
    let subject = NewSubject { id: id(text), name: format!("Person {text}"), guardians: vec![], represents: vec![] };
    store.add_subject(&subject, &actor()).unwrap();
}

fn record(record_id: &str, subject: &str, behaviour: &str, on: &str) -> Record {
    Record {
        id: RecordId::parse(record_id).unwrap(),
        subject: id(subject),
        behaviour: behaviour.into(),
        occurred_on: day(on),
        source: "Municipal Tax Bureau".into(),
        evidence: Some("case 2025-001".into()),
    }
}

#[test]
fn open_refuses_missing_and_foreign_files() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("none.db");
    assert!(matches!(Store::open(&missing), Err(StoreError::NotInitialised(_))));
    assert!(!missing.exists(), "open must never create a store");
    let junk = dir.path().join("junk.db");
    let content = b"this is not a database at all, just some text padding it out to a page";
    std::fs::write(&junk, content).unwrap();
    assert!(matches!(Store::open(&junk), Err(StoreError::NotAStore(_))), "{:?}", Store::open(&junk).err());
    assert!(matches!(
        Store::create(&junk, DEFAULT_RULEBOOK, "x", &actor(), "init", socred_store::TimeSettings::replay()),
        Err(StoreError::AlreadyInitialised(_))
    ));
    assert_eq!(std::fs::read(&junk).unwrap(), content, "a refused create leaves the file alone");
}

#[test]
fn create_refuses_an_existing_store_and_a_bad_rulebook() {
    let (dir, store) = fresh();
    let before = store.ledger_fingerprint().unwrap();
    drop(store);
    let path = dir.path().join("s.db");
    assert!(matches!(
        Store::create(&path, DEFAULT_RULEBOOK, "x", &actor(), "init", socred_store::TimeSettings::replay()),
        Err(StoreError::AlreadyInitialised(_))
    ));
    assert_eq!(Store::open(&path).unwrap().ledger_fingerprint().unwrap(), before);
    let bad = DEFAULT_RULEBOOK.replace("category = \"tax\"", "category = \"religion\"");
    let other = dir.path().join("other.db");
    assert!(matches!(
        Store::create(&other, &bad, "bad.toml", &actor(), "init", socred_store::TimeSettings::replay()),
        Err(StoreError::Rulebook(_))
    ));
    assert!(!other.exists());
}

#[test]
fn subjects_are_idempotent_and_links_are_checked() {
    let (_dir, mut store) = fresh();
    let guardian = NewSubject { id: id(GUARDIAN), name: "Wang Fang".into(), guardians: vec![], represents: vec![] };
    assert_eq!(store.add_subject(&guardian, &actor()).unwrap(), SubjectOutcome::Registered);
    assert_eq!(store.add_subject(&guardian, &actor()).unwrap(), SubjectOutcome::AlreadyRegistered { links_added: 0 });
    let renamed = NewSubject { name: "Someone Else".into(), ..guardian.clone() };
    assert!(matches!(store.add_subject(&renamed, &actor()), Err(StoreError::Conflict(_) | StoreError::ConflictBecause { .. })));
    let org = NewSubject { id: id(ORG), name: "Fuzhou Example Co.".into(), guardians: vec![], represents: vec![] };
    store.add_subject(&org, &actor()).unwrap();

    let before = store.ledger_fingerprint().unwrap();
    let bad_links = [
        (vec![id(ORG)], vec![], "guardian"),
        (vec![], vec![id(GUARDIAN)], "represents"),
        (vec![id(PERSON)], vec![], "guardian"),
        (vec!["440524198001010013".parse().unwrap()], vec![], "guardian"),
    ];
    for (guardians, represents, field) in bad_links {
        let child = NewSubject { id: id(PERSON), name: "Li Ming".into(), guardians, represents };
        match store.add_subject(&child, &actor()) {
            Err(StoreError::Invalid { field: f, .. }) => assert_eq!(f, field),
            other => panic!("expected invalid {field}, got {other:?}"),
        }
        assert_eq!(store.ledger_fingerprint().unwrap(), before, "a refused subject leaves the store unchanged");
    }
    let long_name = NewSubject { id: id(PERSON), name: "x".repeat(200), guardians: vec![], represents: vec![] };
    assert!(matches!(store.add_subject(&long_name, &actor()), Err(StoreError::Invalid { field, .. }) if field == "name"));

    let child = NewSubject { id: id(PERSON), name: "Li Ming".into(), guardians: vec![id(GUARDIAN)], represents: vec![id(ORG)] };
    store.add_subject(&child, &actor()).unwrap();
    let info = store.subject(&id(PERSON)).unwrap().unwrap();
    assert_eq!(info.guardians[0].id, id(GUARDIAN));
    assert_eq!(info.represents[0].id, id(ORG));
    assert_eq!(store.subject(&id(GUARDIAN)).unwrap().unwrap().children[0].id, id(PERSON));
    assert_eq!(store.subject(&id(ORG)).unwrap().unwrap().representatives[0].id, id(PERSON));
    store.audit_verify().unwrap();
}

#[test]
fn records_are_idempotent_by_id_and_conflicts_change_nothing() {
    let (_dir, mut store) = fresh();
    person(&mut store, PERSON);
    let tax = record("tax-1", PERSON, "tax-evasion", "2025-03-01");
    assert_eq!(store.add_record(&tax, &actor()).unwrap(), RowOutcome::Inserted);
    let after_first = store.ledger_fingerprint().unwrap();
    assert_eq!(store.add_record(&tax, &actor()).unwrap(), RowOutcome::Duplicate);
    assert_eq!(store.ledger_fingerprint().unwrap(), after_first, "a retry writes nothing, not even an audit entry");

    let different = Record { behaviour: "jaywalking".into(), ..tax.clone() };
    assert!(matches!(store.add_record(&different, &actor()), Err(StoreError::Conflict(_) | StoreError::ConflictBecause { .. })));
    let stranger = record("x-1", "440524198001010013", "jaywalking", "2025-03-01");
    assert!(matches!(store.add_record(&stranger, &actor()), Err(StoreError::UnknownSubject(_))));
    let unknown = record("x-2", PERSON, "negative-posts", "2025-03-01");
    assert!(matches!(store.add_record(&unknown, &actor()), Err(StoreError::Invalid { field, .. }) if field == "behaviour"));
    assert_eq!(store.ledger_fingerprint().unwrap(), after_first);

    let assessment = store.assessment(&id(PERSON), day("2025-06-01")).unwrap();
    assert_eq!((assessment.score, assessment.tier.as_str()), (900, "B"));
    store.audit_verify().unwrap();
}

#[test]
fn an_atomic_session_with_a_bad_row_stores_nothing() {
    let (_dir, mut store) = fresh();
    person(&mut store, PERSON);
    let before = store.ledger_fingerprint().unwrap();
    let mut session = store.begin_import(&actor(), "records.import").unwrap();
    assert_eq!(session.push(&record("a", PERSON, "jaywalking", "2025-01-01")).unwrap(), RowOutcome::Inserted);
    assert!(matches!(session.push(&record("b", GUARDIAN, "jaywalking", "2025-01-01")).unwrap(), RowOutcome::Rejected { .. }));
    session.rollback();
    assert_eq!(store.ledger_fingerprint().unwrap(), before);
    // Dropping a session without commit also rolls back.
    {
        let mut session = store.begin_import(&actor(), "records.import").unwrap();
        session.push(&record("a", PERSON, "jaywalking", "2025-01-01")).unwrap();
    }
    assert_eq!(store.ledger_fingerprint().unwrap(), before);
}

#[test]
fn voiding_recomputes_and_is_idempotent() {
    let (_dir, mut store) = fresh();
    person(&mut store, PERSON);
    store.add_record(&record("tax-1", PERSON, "tax-evasion", "2025-03-01"), &actor()).unwrap();
    assert_eq!(store.summary(&id(PERSON), day("2025-06-01")).unwrap().score, 900);
    let tax = RecordId::parse("tax-1").unwrap();
    assert_eq!(store.void_record(&tax, "dispute upheld", &actor()).unwrap(), VoidOutcome::Voided { subject: id(PERSON) });
    let summary = store.summary(&id(PERSON), day("2025-06-01")).unwrap();
    assert_eq!((summary.score, store.rulebook().tiers.name(summary.tier)), (1000, "A"));
    let after = store.ledger_fingerprint().unwrap();
    assert_eq!(store.void_record(&tax, "dispute upheld", &actor()).unwrap(), VoidOutcome::AlreadyVoid { subject: id(PERSON) });
    assert!(matches!(
        store.void_record(&tax, "another reason", &actor()),
        Err(StoreError::Conflict(_) | StoreError::ConflictBecause { .. })
    ));
    assert!(matches!(store.void_record(&RecordId::parse("nope").unwrap(), "x", &actor()), Err(StoreError::UnknownRecord(_))));
    assert!(matches!(store.void_record(&tax, "", &actor()), Err(StoreError::Invalid { field, .. }) if field == "reason"));
    assert_eq!(store.ledger_fingerprint().unwrap(), after);
    let file = store.file(&id(PERSON)).unwrap();
    assert_eq!(file.records.len(), 1, "a void record stays in the file");
    store.audit_verify().unwrap();
}

#[test]
fn the_audit_chain_detects_tampering() {
    let tampering = [
        "UPDATE records SET behaviour = 'volunteering' WHERE record_id = 'tax-1'",
        "UPDATE records SET occurred_on = occurred_on + 1 WHERE record_id = 'tax-1'",
        "DELETE FROM records WHERE record_id = 'tax-1'",
        "INSERT INTO records (record_id, subject, behaviour, occurred_on, source, recorded_ms, recorded_day, audit_seq)
         VALUES ('forged', 1, 'national-award', 2460000, 'x', 0, 2460000, 2)",
        // Back-dating when the ledger learned a record (to shorten a notice window) is tampering too.
        "UPDATE records SET recorded_day = recorded_day - 30 WHERE record_id = 'tax-1'",
        "UPDATE voids SET recorded_ms = recorded_ms - 86400000 WHERE seq = 1",
        "UPDATE audit SET actor = 'someone else' WHERE seq = 2",
        "DELETE FROM audit WHERE seq = 2",
        "UPDATE subjects SET name = 'Changed' WHERE key = 1",
        "UPDATE voids SET reason = 'other' WHERE seq = 1",
        "UPDATE rulebooks SET fingerprint = 'x'",
    ];
    for sql in tampering {
        let (_dir, mut store) = fresh();
        person(&mut store, PERSON);
        store.add_record(&record("tax-1", PERSON, "tax-evasion", "2025-03-01"), &actor()).unwrap();
        store.add_record(&record("tax-2", PERSON, "tax-evasion", "2025-04-01"), &actor()).unwrap();
        store.void_record(&RecordId::parse("tax-2").unwrap(), "error", &actor()).unwrap();
        let report = store.audit_verify().unwrap();
        assert_eq!(report.entries, 5);
        store.raw_connection_for_tests().execute_batch(&format!("PRAGMA foreign_keys = OFF; {sql}")).unwrap();
        match store.audit_verify() {
            Err(StoreError::AuditBroken(reason)) => assert!(!reason.is_empty()),
            other => panic!("tampering `{sql}` went unnoticed: {other:?}"),
        }
    }
}

#[test]
fn a_new_rulebook_version_must_keep_used_behaviours() {
    let (_dir, mut store) = fresh();
    person(&mut store, PERSON);
    store.add_record(&record("tax-1", PERSON, "tax-evasion", "2025-03-01"), &actor()).unwrap();
    store.summary(&id(PERSON), day("2025-06-01")).unwrap();
    let without_tax = DEFAULT_RULEBOOK
        .replacen("code = \"tax-evasion\"", "code = \"tax-fraud\"", 1)
        .replace("\"speeding-serious\", \"tax-evasion\"]", "\"speeding-serious\", \"tax-fraud\"]");
    let before = store.ledger_fingerprint().unwrap();
    assert!(
        matches!(store.activate_rulebook(&without_tax, "v2.toml", &actor()), Err(StoreError::Invalid { field, .. }) if field == "behaviour")
    );
    assert_eq!(store.ledger_fingerprint().unwrap(), before);
    // A harsher tax penalty: the cached summary must not survive the change.
    let harsher = DEFAULT_RULEBOOK.replacen("points = -100", "points = -200", 1).replace("version = \"2026.1\"", "version = \"2026.2\"");
    // An impact assessment begun before the log's last entry is refused: the ledger may have changed since.
    let size = socred_store::backend::LogStore::log_heads(&store).unwrap().size;
    let impact = serde_json::json!({"digest": "00"});
    assert!(matches!(
        store.activate_rulebook_with_impact(&harsher, "v2.toml", &actor(), impact.clone(), Some(size - 1)),
        Err(StoreError::Invalid { field, .. }) if field == "impact"
    ));
    assert_eq!(store.ledger_fingerprint().unwrap(), before);
    store.activate_rulebook_with_impact(&harsher, "v2.toml", &actor(), impact, Some(size)).unwrap();
    assert_eq!(store.summary(&id(PERSON), day("2025-06-01")).unwrap().score, 800);
    store.audit_verify().unwrap();
}

#[derive(Debug, Clone)]
enum Operation {
    Add { subject: usize, behaviour: usize, day_offset: i32, id: u8 },
    Void { id: u8 },
    Read { subject: usize, day_offset: i32 },
}

fn operation() -> impl Strategy<Value = Operation> {
    prop_oneof![
        (0usize..3, 0usize..17, 0i32..4000, 0u8..30).prop_map(|(subject, behaviour, day_offset, id)| Operation::Add {
            subject,
            behaviour,
            day_offset,
            id
        }),
        (0u8..30).prop_map(|id| Operation::Void { id }),
        (0usize..3, 0i32..5000).prop_map(|(subject, day_offset)| Operation::Read { subject, day_offset }),
        (0usize..3, 0i32..5000).prop_map(|(subject, day_offset)| Operation::Read { subject, day_offset }),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    /// Whatever the order of writes and reads, at whatever dates, the cached
    /// summary equals a fresh computation from the file.
    #[test]
    fn the_cache_is_always_correct(operations in proptest::collection::vec(operation(), 1..60)) {
        let (_dir, mut store) = fresh();
        let start = day("2018-01-01");
        let subjects: Vec<SubjectId> = (0..3).map(|n| SubjectId::Person(synthetic_person(110101, start, 100 + n))).collect();
        for subject in &subjects {
            store.add_subject(&NewSubject { id: *subject, name: "P".into(), guardians: vec![], represents: vec![] }, &actor()).unwrap();
        }
        let codes: Vec<String> = store.rulebook().behaviours.iter().map(|b| b.code.clone()).collect();
        for operation in operations {
            match operation {
                Operation::Add { subject, behaviour, day_offset, id } => {
                    let record = Record {
                        id: RecordId::parse(&format!("r{id}")).unwrap(),
                        subject: subjects[subject],
                        behaviour: codes[behaviour % codes.len()].clone(),
                        occurred_on: start + time::Duration::days(day_offset.into()),
                        source: "s".into(),
                        evidence: None,
                    };
                    // Each record is recorded the day it happened, as a replayed history.
                    let _ = store.add_record(&record, &actor_on(record.occurred_on));
                }
                Operation::Void { id } => {
                    let _ = store.void_record(&RecordId::parse(&format!("r{id}")).unwrap(), "void", &actor());
                }
                Operation::Read { subject, day_offset } => {
                    let as_of = start + time::Duration::days(day_offset.into());
                    let cached = store.summary(&subjects[subject], as_of).unwrap();
                    let fresh = summarise(store.rulebook(), &store.file(&subjects[subject]).unwrap(), as_of);
                    prop_assert_eq!(cached, fresh);
                }
            }
        }
        store.audit_verify().unwrap();
    }
}

#[test]
fn a_view_as_known_on_a_day_answers_as_the_ledger_stood_then() {
    let at = |on: &str| actor_on(day(on));
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::create(
        &dir.path().join("s.db"),
        DEFAULT_RULEBOOK,
        "default.toml",
        &at("2025-01-01"),
        "init",
        socred_store::TimeSettings::replay(),
    )
    .unwrap();
    store
        .add_subject(&NewSubject { id: id(GUARDIAN), name: "Wang Fang".into(), guardians: vec![], represents: vec![] }, &at("2025-01-01"))
        .unwrap();
    // The judgment is recorded the day it happened; a tax evasion of February only on 1 April.
    store.add_record(&record("jd-1", GUARDIAN, "judgment-default", "2025-01-10"), &at("2025-01-10")).unwrap();
    store.add_record(&record("tax-1", GUARDIAN, "tax-evasion", "2025-02-01"), &at("2025-04-01")).unwrap();
    // A child is linked in May.
    store
        .add_subject(
            &NewSubject { id: id(PERSON), name: "Li Ming".into(), guardians: vec![id(GUARDIAN)], represents: vec![] },
            &at("2025-05-01"),
        )
        .unwrap();
    let score = |store: &Store, known_on: &str, as_of: &str| {
        store.known_on(day(known_on)).unwrap().assessment(&id(GUARDIAN), day(as_of)).unwrap().score
    };
    assert_eq!(score(&store, "2025-03-01", "2025-03-01"), 900, "on 1 March the ledger knew only the judgment");
    assert_eq!(score(&store, "2025-04-01", "2025-03-01"), 800, "from 1 April it knows the February evasion too");
    assert_eq!(store.assessment(&id(GUARDIAN), day("2025-03-01")).unwrap().score, 800, "the present view");
    let flight = |known_on: &str, as_of: &str| -> &'static str {
        store.known_on(day(known_on)).unwrap().decide(&id(GUARDIAN), "civil-aviation", day(as_of)).unwrap().outcome.as_str()
    };
    assert_eq!(flight("2025-01-15", "2025-01-15"), "allow", "what an airline was told on 15 January");
    assert_eq!(flight("2025-01-25", "2025-01-25"), "deny");
    // The child was not yet registered (nor linked) on 1 April.
    assert!(matches!(store.known_on(day("2025-04-01")).unwrap().file(&id(PERSON)), Err(StoreError::UnknownSubject(_))));
    let school = |known_on: &str| -> &'static str {
        store.known_on(day(known_on)).unwrap().decide(&id(PERSON), "private-school-admission", day("2025-06-01")).unwrap().outcome.as_str()
    };
    assert_eq!(school("2025-06-01"), "deny", "a listed guardian's child, once linked");
    // Before the store existed there is nothing to read.
    assert!(matches!(store.known_on(day("2020-01-01")), Err(StoreError::Invalid { field, .. }) if field == "known_on"));
    // A later rulebook does not rewrite what was answered under the earlier one.
    let harsher = DEFAULT_RULEBOOK
        .replace("points = -100\ncategory = \"tax\"", "points = -300\ncategory = \"tax\"")
        .replace("version = \"2026.1\"", "version = \"2026.2\"");
    store.activate_rulebook(&harsher, "v2.toml", &at("2025-07-01")).unwrap();
    assert_eq!(score(&store, "2025-06-30", "2025-06-30"), 800, "under the rulebook active then");
    assert_eq!(score(&store, "2025-07-01", "2025-06-30"), 600, "under the new one");
}

#[test]
fn a_harsher_rulebook_notices_its_new_entries_on_the_day_it_takes_effect() {
    let at = |on: &str| actor_on(day(on));
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::create(
        &dir.path().join("s.db"),
        DEFAULT_RULEBOOK,
        "default.toml",
        &at("2025-01-01"),
        "init",
        socred_store::TimeSettings::replay(),
    )
    .unwrap();
    for (subject, name) in [(PERSON, "Li Ming"), (GUARDIAN, "Wang Fang")] {
        store
            .add_subject(&NewSubject { id: id(subject), name: name.into(), guardians: vec![], represents: vec![] }, &at("2025-01-01"))
            .unwrap();
    }
    // Four tax evasions in February: 600 points, tier C (no list). A judgment in January: listed from 21 January.
    for index in 0..4 {
        store.add_record(&record(&format!("tax-{index}"), PERSON, "tax-evasion", "2025-02-01"), &at("2025-02-01")).unwrap();
    }
    store.add_record(&record("jd-1", GUARDIAN, "judgment-default", "2025-01-10"), &at("2025-01-10")).unwrap();
    store.refresh_lists().unwrap();
    // On 1 June a harsher version takes effect: tax evasion costs 150, so PERSON was in D since February.
    let harsher = DEFAULT_RULEBOOK
        .replace("points = -100\ncategory = \"tax\"", "points = -150\ncategory = \"tax\"")
        .replace("version = \"2026.1\"", "version = \"2026.2\"");
    store.activate_rulebook(&harsher, "v2.toml", &at("2025-06-01")).unwrap();
    store.refresh_lists().unwrap();
    let view = store.due_process(&id(PERSON), day("2025-06-05")).unwrap();
    let entry = view.entries.iter().find(|e| e.list == "blacklist").expect("a tier-D entry under the new version");
    assert_eq!(entry.notice.as_ref().unwrap().served_on, day("2025-06-01"), "not back-dated to February");
    assert_eq!(entry.state.as_str(), "notice-served", "the window runs from the rule change");
    assert_eq!(store.due_process(&id(PERSON), day("2025-06-12")).unwrap().entries[0].state.as_str(), "listed");
    let flight = store.decide(&id(PERSON), "civil-aviation", day("2025-06-05")).unwrap();
    assert_eq!(flight.outcome.as_str(), "allow", "no measure before the window closes");
    // An entry the old version had keeps its notice and its listing.
    let judgment = store.entry(&socred_core::process::EntryId::parse("blacklist:jd-1").unwrap(), day("2025-06-05")).unwrap();
    assert_eq!((judgment.state.as_str(), judgment.notice.unwrap().served_on), ("listed", day("2025-01-10")));
    // As known before the change, under the old version, PERSON had no entry at all.
    assert!(store.known_on(day("2025-05-31")).unwrap().due_process(&id(PERSON), day("2025-05-31")).unwrap().entries.is_empty());
}
