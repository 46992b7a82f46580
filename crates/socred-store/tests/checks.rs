//! The check log against a fresh database file: packed, hash-chained groups,
//! and the index behind it that finds a subject's checks.

use socred_core::{DEFAULT_RULEBOOK, SubjectId};
use socred_store::{Actor, CheckLog, NewSubject, Store};
use time::OffsetDateTime;

const PERSON: &str = "110101199003074514";
const OTHER: &str = "11010519491231002X";

fn actor() -> Actor {
    Actor::new("test-officer", OffsetDateTime::UNIX_EPOCH + time::Duration::days(20_000)).unwrap()
}

fn id(text: &str) -> SubjectId {
    SubjectId::parse(text).unwrap()
}

fn fresh() -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().unwrap();
    let mut store =
        Store::create(&dir.path().join("s.db"), DEFAULT_RULEBOOK, "default.toml", &actor(), "init", socred_store::TimeSettings::replay())
            .unwrap();
    for text in [PERSON, OTHER] {
        store
            .add_subject(&NewSubject { id: id(text), name: format!("Person {text}"), guardians: vec![], represents: vec![] }, &actor())
            .unwrap();
    }
    (dir, store)
}

fn check(number: i64, subject: &str) -> CheckLog {
    CheckLog {
        at_ms: 1_700_000_000_000 + number,
        provider: "airline".into(),
        subject: id(subject),
        subject_key: None,
        service: "civil-aviation".into(),
        as_of: time::macros::date!(2025 - 01 - 22),
        outcome: if number % 2 == 0 { "allow" } else { "deny" },
        reasons: if number % 2 == 0 { vec![] } else { vec!["no-flights".into()] },
    }
}

/// Groups larger than an indexing step: the index must still reach the end
/// of the log (it once stopped for good at a group that ended exactly where
/// it had got to and held more checks than one step).
#[test]
fn the_index_catches_up_whatever_the_sizes_of_groups_and_steps() {
    let (_dir, store) = fresh();
    let mut number = 0i64;
    let mut expected_person = 0usize;
    for group_size in [10usize, 25, 3, 40, 1, 17] {
        let logs: Vec<CheckLog> = (0..group_size)
            .map(|_| {
                number += 1;
                let subject = if number % 3 == 0 { OTHER } else { PERSON };
                expected_person += usize::from(subject == PERSON);
                check(number, subject)
            })
            .collect();
        store.log_checks(&logs).unwrap();
    }
    assert_eq!(store.checks_unindexed().unwrap(), number);
    // Readers decode what the index does not cover yet, so the file is whole at every step.
    assert_eq!(store.checks_of(&id(PERSON)).unwrap().len(), expected_person);
    let mut steps = 0;
    while store.checks_unindexed().unwrap() > 0 {
        let indexed = store.index_checks(5).unwrap();
        assert!(indexed > 0, "the index stopped with {} checks left", store.checks_unindexed().unwrap());
        assert_eq!(store.checks_of(&id(PERSON)).unwrap().len(), expected_person);
        steps += 1;
        assert!(steps < 100);
    }
    assert_eq!(store.index_checks(5).unwrap(), 0, "nothing is left to index");
    let person = store.checks_of(&id(PERSON)).unwrap();
    assert_eq!(person.len(), expected_person);
    assert!(person.iter().all(|c| c.provider == "airline" && c.service == "civil-aviation"));
    assert_eq!(store.checks_of(&id(OTHER)).unwrap().len(), number as usize - expected_person);
    assert_eq!(store.verify_checks().unwrap().0, number as u64);
}

/// Logging and indexing interleaved at random sizes, enough for runs to be
/// merged up to the top level: at every point each subject's file shows
/// exactly its newest checks, and the lower levels never hold a full fan-out.
#[test]
fn the_file_shows_every_check_while_runs_merge() {
    let (_dir, store) = fresh();
    let mut state = 0x2545_f491_4f6c_dd1du64;
    let mut random = |below: u64| {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state % below
    };
    let subjects = [PERSON, OTHER];
    let mut logged: Vec<(i64, &str)> = Vec::new();
    let expected = |logged: &[(i64, &str)], subject: &str| -> Vec<String> {
        let mut numbers: Vec<i64> = logged.iter().filter(|(_, s)| *s == subject).map(|(n, _)| *n).collect();
        numbers.reverse();
        numbers.truncate(socred_store::MAX_PAGE as usize);
        numbers.into_iter().map(|n| check(n, subject)).map(|c| entry_at(c.at_ms)).collect()
    };
    for round in 0..400 {
        let logs: Vec<CheckLog> = (0..1 + random(30))
            .map(|_| {
                let number = logged.len() as i64 + 1;
                let subject = subjects[random(4).min(1) as usize];
                logged.push((number, subject));
                check(number, subject)
            })
            .collect();
        store.log_checks(&logs).unwrap();
        if random(3) > 0 {
            store.index_checks(1 + random(12) as u32).unwrap();
        }
        let stats = store.check_index_stats().unwrap();
        for level in 0..socred_store::INDEX_TOP_LEVEL as usize {
            assert!(stats.runs_per_level[level] <= socred_store::INDEX_FANOUT as u64, "round {round}: {stats:?}");
        }
        if round % 20 == 0 || round == 399 {
            store.audit_verify().unwrap();
            for subject in subjects {
                let shown: Vec<String> = store.checks_of(&id(subject)).unwrap().into_iter().map(|c| c.at).collect();
                assert_eq!(shown, expected(&logged, subject), "round {round}, {subject}");
            }
        }
    }
    while store.index_checks(64).unwrap() > 0 {}
    store.audit_verify().unwrap();
    let stats = store.check_index_stats().unwrap();
    assert_eq!(stats.unindexed, 0);
    assert!(stats.runs_per_level[socred_store::INDEX_TOP_LEVEL as usize] > 0, "runs reached the top level: {stats:?}");
    for subject in subjects {
        let shown: Vec<String> = store.checks_of(&id(subject)).unwrap().into_iter().map(|c| c.at).collect();
        assert_eq!(shown, expected(&logged, subject));
    }
    assert_eq!(store.verify_checks().unwrap().0, logged.len() as u64);
}

/// A subject checked more often than a page holds: the file shows the newest
/// page, from the runs and from the tail alike.
#[test]
fn a_page_of_the_newest_checks_when_there_are_more() {
    let (_dir, store) = fresh();
    let page = socred_store::MAX_PAGE as i64;
    // Ten runs of a quarter page: eight merge into one run holding two
    // pages of this subject, of which it keeps the newest page.
    let total = page * 5 / 2;
    let logs: Vec<CheckLog> = (1..=total).map(|n| check(n, PERSON)).collect();
    for chunk in logs.chunks(4096) {
        store.log_checks(chunk).unwrap();
    }
    // Each call of 4,096 checks is written as groups of at most GROUP_ROWS, chained.
    let groups: i64 = store.raw_connection_for_tests().query_row("SELECT count(*) FROM check_groups", [], |row| row.get(0)).unwrap();
    assert_eq!(groups as usize, logs.chunks(4096).map(|c| c.len().div_ceil(socred_store::GROUP_ROWS)).sum::<usize>());
    assert_eq!(store.verify_checks().unwrap().0, total as u64);
    let newest = |shown: Vec<socred_store::CheckEntry>| {
        (shown.len() as i64, shown.first().map(|c| c.at.clone()), shown.last().map(|c| c.at.clone()))
    };
    let want = (page, Some(entry_at(check(total, PERSON).at_ms)), Some(entry_at(check(total - page + 1, PERSON).at_ms)));
    assert_eq!(newest(store.checks_of(&id(PERSON)).unwrap()), want, "from the tail");
    while store.index_checks((page / 4) as u32).unwrap() > 0 {}
    assert_eq!(store.check_index_stats().unwrap().runs_per_level[..2], [2, 1]);
    assert_eq!(newest(store.checks_of(&id(PERSON)).unwrap()), want, "from the runs");
}

/// What `CheckEntry::at` says for a time in unix milliseconds.
fn entry_at(at_ms: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(at_ms) * 1_000_000)
        .unwrap()
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap()
}

/// A check whose texts are longer than the first window a read takes of the
/// log is read whole, from the runs as from the tail.
#[test]
fn long_checks_are_read_whole() {
    let (_dir, store) = fresh();
    let mut long = check(1, PERSON);
    long.provider = "p".repeat(128);
    long.reasons = (0..60).map(|n| format!("reason-number-{n}")).collect();
    store.log_checks(&[check(2, OTHER), long.clone(), check(3, PERSON)]).unwrap();
    let read = |store: &Store| store.checks_of(&id(PERSON)).unwrap().into_iter().find(|c| c.provider == long.provider).unwrap();
    let from_tail = read(&store);
    assert_eq!(from_tail.reasons, long.reasons);
    while store.index_checks(2).unwrap() > 0 {}
    assert_eq!(store.checks_unindexed().unwrap(), 0);
    assert_eq!(read(&store), from_tail);
}

/// A store whose check index holds runs of several levels, the last checks unindexed.
fn indexed() -> (tempfile::TempDir, Store) {
    let (dir, store) = fresh();
    for round in 0..40i64 {
        let logs: Vec<CheckLog> = (0..7).map(|n| check(round * 7 + n, if n % 3 == 0 { OTHER } else { PERSON })).collect();
        store.log_checks(&logs).unwrap();
        if round < 38 {
            store.index_checks(5).unwrap();
        }
    }
    let stats = store.check_index_stats().unwrap();
    assert!(stats.runs_per_level[1] > 0 && stats.unindexed > 0, "{stats:?}");
    store.audit_verify().unwrap();
    (dir, store)
}

fn sql(store: &Store, statement: &str) {
    store.raw_connection_for_tests().execute_batch(statement).unwrap();
}

fn broken(store: &Store) -> String {
    match store.audit_verify() {
        Err(socred_store::StoreError::AuditBroken(reason)) => reason,
        other => panic!("a changed check index went unnoticed: {other:?}"),
    }
}

/// What a subject is told about who checked them comes from the index: each
/// change to it by hand fails `audit verify`, naming the index.
#[test]
fn a_check_index_changed_by_hand_fails_verify() {
    let tamperings = [
        // A chunk removed: a subject's checks vanish from their file.
        "DELETE FROM check_index WHERE id = (SELECT max(id) FROM check_index WHERE run = (SELECT min(run) FROM check_runs))",
        // One entry's subject key rewritten: a check moves to another file.
        "UPDATE check_index SET data = unhex('0200000000000000' || substr(hex(data), 17)) WHERE id = (SELECT min(id) FROM check_index)",
        // A chunk's key changed, so lookups skip it.
        "UPDATE check_index SET last_subject = last_subject + 1 WHERE id = (SELECT min(id) FROM check_index)",
        // The index claims to cover checks it does not.
        "UPDATE meta SET value = CAST(value AS INTEGER) + 3 WHERE key = 'checks_indexed_upto'",
        // A run dropped with its chunks: a gap in what the index covers.
        "DELETE FROM check_index WHERE run = (SELECT min(run) FROM check_runs); DELETE FROM check_runs WHERE run = (SELECT min(run) FROM check_runs)",
        // A run's chunks left behind by a merge that did not happen.
        "INSERT INTO check_index (run, last_subject, data) SELECT 9999, last_subject, data FROM check_index WHERE id = (SELECT min(id) FROM check_index)",
        // A run's range widened over another's.
        "UPDATE check_runs SET last_seq = last_seq + 1, checks = checks + 1 WHERE run = (SELECT min(run) FROM check_runs)",
    ];
    for tampering in tamperings {
        let (_dir, store) = indexed();
        sql(&store, tampering);
        let reason = broken(&store);
        assert!(reason.contains("check index"), "{tampering}: {reason}");
    }
}
