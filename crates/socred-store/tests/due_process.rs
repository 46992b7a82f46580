//! Due process in the store: random sequences of acts, valid or not, leave an
//! audit history from which the current state can be rebuilt exactly.

use proptest::prelude::*;
use socred_core::date::parse_date;
use socred_core::lists::evaluate;
use socred_core::process::{AppealOutcome, CaseId, DisputeOutcome, EntryId, Event, RepairOutcome, StoredEvent};
use socred_core::record::{Record, RecordId};
use socred_core::{DEFAULT_RULEBOOK, SubjectFile, SubjectId};
use socred_store::{Actor, NewSubject, Store, StoreError};

const PERSON: &str = "11010519491231002X";

/// Setting up happens on 1 January 2025 (a replay store takes the day from its caller).
fn actor(name: &str) -> Actor {
    actor_at(name, parse_date("2025-01-01").unwrap())
}

fn actor_at(name: &str, day: socred_core::Date) -> Actor {
    Actor::replayed(name, day).unwrap()
}

fn setup() -> (tempfile::TempDir, Store, SubjectId) {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::create(
        &dir.path().join("s.db"),
        DEFAULT_RULEBOOK,
        "default.toml",
        &actor("admin"),
        "init",
        socred_store::TimeSettings::replay(),
    )
    .unwrap();
    let subject = SubjectId::parse(PERSON).unwrap();
    store
        .add_subject(&NewSubject { id: subject, name: "Wang Fang".into(), guardians: vec![], represents: vec![] }, &actor("admin"))
        .unwrap();
    let record = Record {
        id: RecordId::parse("jd-1").unwrap(),
        subject,
        behaviour: "judgment-default".into(),
        occurred_on: parse_date("2025-01-10").unwrap(),
        source: "Court".into(),
        evidence: None,
    };
    store.add_record(&record, &actor_at("clerk", parse_date("2025-01-10").unwrap())).unwrap();
    (dir, store, subject)
}

fn case(text: &str) -> CaseId {
    CaseId::parse(text).unwrap()
}

#[test]
fn refused_acts_change_nothing_and_retries_store_once() {
    let (_dir, mut store, subject) = setup();
    let entry = EntryId::parse("blacklist:jd-1").unwrap();
    let day = |t: &str| parse_date(t).unwrap();
    let appeal = Event::AppealFiled { appeal: case("a1"), entry: entry.clone(), grounds: "paid".into() };
    let before = store.ledger_fingerprint().unwrap();
    assert!(
        matches!(store.act(None, &actor_at(PERSON, day("2025-01-21")), appeal.clone()), Err(StoreError::Refused(e)) if e.field == "entry")
    );
    assert_eq!(store.ledger_fingerprint().unwrap(), before);
    store.act(None, &actor_at(PERSON, day("2025-01-20")), appeal.clone()).unwrap();
    let after = store.ledger_fingerprint().unwrap();
    assert!(matches!(store.act(None, &actor_at(PERSON, day("2025-01-20")), appeal).unwrap(), socred_store::ActOutcome::Duplicate { .. }));
    assert_eq!(store.ledger_fingerprint().unwrap(), after);
    let other = Event::AppealFiled { appeal: case("a1"), entry, grounds: "different".into() };
    assert!(store.act(None, &actor_at(PERSON, day("2025-01-20")), other).is_err(), "the same id with other content is refused");
    assert_eq!(store.ledger_fingerprint().unwrap(), after);
    assert_eq!(store.due_process(&subject, day("2025-01-25")).unwrap().entries[0].state.as_str(), "under-appeal");
}

/// Rebuilds the subject's due-process events from the audit log alone.
fn events_from_audit(store: &Store, subject: &SubjectId) -> Vec<StoredEvent> {
    let mut entries = store.audit_recent(Some(subject), 10_000).unwrap();
    entries.reverse();
    entries
        .into_iter()
        .filter(|e| e.detail.get("event").is_some())
        .enumerate()
        .map(|(index, e)| StoredEvent {
            seq: index as u64 + 1,
            on: parse_date(e.detail["on"].as_str().unwrap()).unwrap(),
            actor: e.actor.clone(),
            event: serde_json::from_value(e.detail["event"].clone()).unwrap(),
        })
        .collect()
}

#[derive(Debug, Clone)]
enum Act {
    Appeal(u8),
    Decide(u8, bool, u8),
    Repair(u8, bool),
    DecideRepair(u8, bool, u8),
    Dispute(u8),
    DecideDispute(u8, bool, u8),
    Withdraw,
}

fn act() -> impl Strategy<Value = (Act, i64)> {
    let act = prop_oneof![
        (0u8..3).prop_map(Act::Appeal),
        (0u8..3, any::<bool>(), 0u8..3).prop_map(|(n, o, r)| Act::Decide(n, o, r)),
        (0u8..3, any::<bool>()).prop_map(|(n, c)| Act::Repair(n, c)),
        (0u8..3, any::<bool>(), 0u8..3).prop_map(|(n, o, r)| Act::DecideRepair(n, o, r)),
        (0u8..3).prop_map(Act::Dispute),
        (0u8..3, any::<bool>(), 0u8..3).prop_map(|(n, o, r)| Act::DecideDispute(n, o, r)),
        Just(Act::Withdraw),
    ];
    (act, prop_oneof![0i64..15, 0i64..400])
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(40))]

    #[test]
    fn the_audit_history_rebuilds_the_current_state(acts in proptest::collection::vec(act(), 1..20)) {
        let (_dir, mut store, subject) = setup();
        let entry = EntryId::parse("blacklist:jd-1").unwrap();
        let reviewers = ["reviewer-a", "reviewer-b", "clerk"];
        let mut date = parse_date("2025-01-10").unwrap();
        for (act, days) in acts {
            date += time::Duration::days(days);
            let (who, event) = match act {
                Act::Appeal(n) => (PERSON, Event::AppealFiled { appeal: case(&format!("a{n}")), entry: entry.clone(), grounds: "g".into() }),
                Act::Decide(n, o, r) => (reviewers[r as usize], Event::AppealDecided { appeal: case(&format!("a{n}")), outcome: if o { AppealOutcome::Uphold } else { AppealOutcome::Overturn }, reasons: "r".into() }),
                Act::Repair(n, c) => (PERSON, Event::RepairApplied { repair: case(&format!("r{n}")), entry: entry.clone(), evidence: "paid".into(), commitment: c.then(|| "letter".into()) }),
                Act::DecideRepair(n, o, r) => (reviewers[r as usize], Event::RepairDecided { repair: case(&format!("r{n}")), outcome: if o { RepairOutcome::Approve } else { RepairOutcome::Refuse }, reasons: "r".into() }),
                Act::Dispute(n) => (PERSON, Event::DisputeFiled { dispute: case(&format!("d{n}")), record: RecordId::parse("jd-1").unwrap(), grounds: "g".into() }),
                Act::DecideDispute(n, o, r) => (reviewers[r as usize], Event::DisputeDecided { dispute: case(&format!("d{n}")), outcome: if o { DisputeOutcome::Uphold } else { DisputeOutcome::Reject }, reasons: "r".into() }),
                Act::Withdraw => ("reviewer-a", Event::ListWithdrawn { entry: entry.clone(), reason: "w".into() }),
            };
            let before = store.ledger_fingerprint().unwrap();
            if store.act(None, &actor_at(who, date), event).is_err() {
                prop_assert_eq!(store.ledger_fingerprint().unwrap(), before);
            }
        }
        store.audit_verify().unwrap();
        let as_of = date + time::Duration::days(1500);
        let current = store.due_process(&subject, as_of).unwrap();
        let stored = store.file(&subject).unwrap();
        let rebuilt = SubjectFile { events: events_from_audit(&store, &subject), ..stored.clone() };
        prop_assert_eq!(rebuilt.events.len(), stored.events.len());
        prop_assert_eq!(&evaluate(store.rulebook(), subject, &rebuilt, as_of), &current);
        // Voids written by upheld disputes are in the audit log too.
        let voids_in_audit = store.audit_recent(Some(&subject), 10_000).unwrap().iter().filter(|e| !e.detail["voided_record"].is_null()).count();
        prop_assert_eq!(voids_in_audit, stored.voids.len());
        let last = current.entries[0].history.last().unwrap();
        prop_assert_eq!(last.state, current.entries[0].state);
        // An export rebuilds the same log, the same file and the same due process.
        let exported = _dir.path().join("export");
        let manifest = store.export(&exported, None).unwrap();
        let rebuilt = Store::import_export(&_dir.path().join("rebuilt.db"), &exported, None).unwrap();
        let report = rebuilt.audit_verify().unwrap();
        prop_assert_eq!((report.entries, report.root), (manifest.entries, manifest.root));
        prop_assert_eq!(rebuilt.ledger_fingerprint().unwrap(), store.ledger_fingerprint().unwrap());
        prop_assert_eq!(&rebuilt.due_process(&subject, as_of).unwrap(), &current);
    }
}
