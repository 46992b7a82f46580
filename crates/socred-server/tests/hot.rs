//! The hot index against the store, on a generated population: for every
//! subject, service and date the index answers, its verdict is the one the
//! store's decision gives. This covers the shared verdicts (subjects whose
//! listings and links cannot matter to a service) as well as the subjects
//! decided one by one (listed, or linked along an extension).

use socred_core::{Date, SubjectId};
use socred_server::hot::{HotIndex, Miss, Verdict};
use socred_sim::{Population, PopulationConfig};
use socred_store::{Actor, NewSubject, Store};

fn actor() -> Actor {
    Actor::new("test", time::macros::datetime!(2026-07-01 09:00 UTC)).unwrap()
}

#[test]
fn every_verdict_from_memory_is_the_stores() {
    let directory = tempfile::tempdir().unwrap();
    let path = directory.path().join("hot.db");
    let mut store =
        Store::create(&path, socred_core::DEFAULT_RULEBOOK, "default.toml", &actor(), "test", socred_store::TimeSettings::replay())
            .unwrap();
    let until = time::macros::date!(2026 - 06 - 30);
    let mut session = store.begin_import(&actor(), "test.generate").unwrap();
    let mut ids: Vec<SubjectId> = Vec::new();
    for subject in Population::new(PopulationConfig { seed: 5, subjects: 1500, until, years: 3 }) {
        ids.push(subject.id);
        session
            .push_subject(&NewSubject { id: subject.id, name: subject.name, guardians: subject.guardians, represents: subject.represents })
            .unwrap();
        for record in &subject.records {
            session.push(record).unwrap();
        }
    }
    // Enough listed subjects that guardians, representatives and
    // organisations on the blacklist occur: every seventh subject defaults.
    // Every eleventh evaded military service: a measure set off by the record itself.
    for (every, prefix, behaviour, on, source) in [
        (7, "hot-test", "judgment-default", time::macros::date!(2026 - 04 - 01), "Test Court"),
        (11, "hot-evasion", "military-service-evasion", time::macros::date!(2025 - 01 - 01), "Test Military Service Office"),
    ] {
        for (number, id) in ids.iter().enumerate().filter(|(number, _)| number % every == 0) {
            let record = socred_core::record::Record {
                id: socred_core::record::RecordId::parse(&format!("{prefix}-{number}")).unwrap(),
                subject: *id,
                behaviour: behaviour.into(),
                occurred_on: on,
                source: source.into(),
                evidence: None,
            };
            session.push(&record).unwrap();
        }
    }
    session.commit(serde_json::json!({})).unwrap();
    let today = time::macros::date!(2026 - 07 - 01);
    store.refresh_lists().unwrap();
    store.warm_summaries(today).unwrap();
    let hot = HotIndex::new(store.rulebook().clone());
    assert_eq!(hot.load_all(&store).unwrap(), ids.len());

    let services: Vec<String> = store.rulebook().services.iter().map(|s| s.code.clone()).collect();
    let dates: [Date; 4] =
        [today, today + time::Duration::days(30), today + time::Duration::days(400), time::macros::date!(2020 - 01 - 01)];
    let (mut answered, mut denied, mut stale, mut by_record) = (0usize, 0usize, 0usize, 0usize);
    for id in &ids {
        for service in &services {
            for date in dates {
                match hot.check(id, service, date) {
                    Ok(Ok(answer)) => {
                        let expected = Verdict::of(&store.decide(id, service, date).unwrap());
                        assert_eq!(*answer.verdict, expected, "{id} {service} {date}");
                        assert_eq!(Some(answer.subject_key), hot.key_of(id));
                        answered += 1;
                        denied += usize::from(expected.outcome == socred_core::decide::Outcome::Deny);
                        by_record += usize::from(expected.reasons.iter().any(|reason| reason == "no-further-education-for-evaders"));
                    }
                    Ok(Err(unknown)) => panic!("{unknown}"),
                    Err(Miss::UnknownSubject) => panic!("{id} is registered"),
                    Err(Miss::Stale) => stale += 1,
                }
            }
        }
    }
    // The comparison means something: the near dates were answered (the
    // others lie outside the cached windows), some denied, some left to the store.
    let total = ids.len() * services.len() * dates.len();
    assert!(answered * 3 > total, "answered {answered} of {total}");
    assert!(denied > 100, "denied {denied}");
    assert!(stale > 0, "stale {stale}");
    assert!(by_record > 50, "denied by a record {by_record}");
    // An unknown service and an unknown subject are told apart.
    assert!(matches!(hot.check(&ids[0], "no-such-service", today), Ok(Err(_))));
    let unknown: SubjectId = "11010519491231002X".parse().unwrap();
    assert!(!ids.contains(&unknown));
    assert!(matches!(hot.check(&unknown, &services[0], today), Err(Miss::UnknownSubject)));
}
