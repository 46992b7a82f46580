//! Public reports in the store: every transition, every
//! illegal one (asserting the store is unchanged), the reward given once, the
//! malicious penalty, rate limits, duplicates, reviewer conflicts.
//! BRIEF.md's reference scenario 9.

use socred_core::date::parse_date;
use socred_core::process::{CaseId, DisputeOutcome, Event};
use socred_core::record::{Record, RecordId};
use socred_core::{DEFAULT_RULEBOOK, Date, SubjectId};
use socred_store::{ActOutcome, Actor, NewReport, NewSubject, ReportOutcome, Reviewer, Store, StoreError};
use time::OffsetDateTime;

const REPORTER: &str = "110101199003074514";
const TARGET: &str = "440524198001010013";
const OTHER: &str = "11010519491231002X";
const REVIEWER_PERSON: &str = "110105194912310038";
const T0_MS: i64 = 1_767_225_600_000; // 2026-01-01T00:00Z
const HOUR_MS: i64 = 3_600_000;

fn actor(name: &str) -> Actor {
    Actor::new(name, OffsetDateTime::UNIX_EPOCH + time::Duration::days(20_000)).unwrap()
}

fn day(text: &str) -> Date {
    parse_date(text).unwrap()
}

fn id(text: &str) -> SubjectId {
    SubjectId::parse(text).unwrap()
}

fn setup() -> (tempfile::TempDir, Store) {
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
    for (subject, name) in [(REPORTER, "Li Ming"), (TARGET, "Zhao Lei"), (OTHER, "Wang Fang"), (REVIEWER_PERSON, "Chen Jie")] {
        store
            .add_subject(&NewSubject { id: id(subject), name: name.into(), guardians: vec![], represents: vec![] }, &actor("admin"))
            .unwrap();
    }
    (dir, store)
}

fn report(reporter: &str, subject: &str, behaviour: &str, on: &str, description: &str) -> NewReport {
    NewReport {
        id: None,
        reporter: id(reporter),
        subject: id(subject),
        behaviour: behaviour.into(),
        occurred_on: day(on),
        description: description.into(),
        evidence: vec![],
    }
}

fn reviewer(name: &str) -> Reviewer {
    Reviewer { actor: actor(name), subject: None }
}

/// `name` acting on `on` at `at_ms` (a replay store takes both from its caller).
fn at(name: &str, on: &str, at_ms: i64) -> Actor {
    Actor::new(name, socred_core::date::Moment { unix_ms: at_ms, day: day(on) }).unwrap()
}

/// `name` acting on `day` (at its first instant).
fn on(name: &str, on: &str) -> Actor {
    Actor::replayed(name, day(on)).unwrap()
}

fn reviewer_at(name: &str, on: &str, at_ms: i64) -> Reviewer {
    Reviewer { actor: at(name, on, at_ms), subject: None }
}

fn score(store: &Store, subject: &str, on: &str) -> i64 {
    store.summary(&id(subject), day(on)).unwrap().score
}

#[test]
fn scenario_9_verified_report_rewards_the_first_reporter_once() {
    let (_dir, mut store) = setup();
    let filed = store
        .file_report(&report(REPORTER, TARGET, "rail-disorder", "2026-01-05", "took my seat"), &at("li", "2026-01-06", T0_MS))
        .unwrap();
    assert_eq!(filed.state, "submitted");
    assert_eq!(score(&store, TARGET, "2026-02-01"), 1000, "a report has no effect before verification");
    // The same facts from someone else: stored, linked, decided only after the first.
    let second =
        store.file_report(&report(OTHER, TARGET, "rail-disorder", "2026-01-05", "I saw it too"), &at("wang", "2026-01-06", T0_MS)).unwrap();
    assert_eq!(second.same_facts, vec![filed.id.clone()]);
    store.review_report(&second.id, &reviewer_at("chen", "2026-01-07", T0_MS + HOUR_MS)).unwrap();
    let refused = store.decide_report(
        &second.id,
        ReportOutcome::Verified,
        "seen on CCTV of the operator",
        &reviewer_at("chen", "2026-01-07", T0_MS + HOUR_MS),
    );
    assert!(matches!(&refused, Err(StoreError::ConflictBecause { reason: m, .. }) if m.contains("decide it first")), "{refused:?}");

    store.review_report(&filed.id, &reviewer_at("chen", "2026-01-07", T0_MS + HOUR_MS)).unwrap();
    let verified = store
        .decide_report(&filed.id, ReportOutcome::Verified, "conductor's statement", &reviewer_at("chen", "2026-01-08", T0_MS + 2 * HOUR_MS))
        .unwrap();
    assert_eq!(verified.state, "verified");
    assert_eq!(score(&store, TARGET, "2026-02-01"), 980, "the reported subject loses the behaviour's points");
    assert_eq!(score(&store, REPORTER, "2026-02-01"), 1010, "the reporter gains 10");
    assert_eq!(store.report(&second.id).unwrap().unwrap().state, "duplicate", "the same facts count once");
    assert_eq!(score(&store, OTHER, "2026-02-01"), 1000, "only the first reporter is rewarded");
    // Reported again after verification: closed as a duplicate at once, nothing changes.
    let third = store
        .file_report(&report(REVIEWER_PERSON, TARGET, "rail-disorder", "2026-01-05", "again"), &at("chen-jie", "2026-01-09", T0_MS))
        .unwrap();
    assert_eq!(third.state, "duplicate");
    assert_eq!(score(&store, TARGET, "2026-02-01"), 980);
    // Deciding again is refused; the same decision again is a no-op.
    let before = store.ledger_fingerprint().unwrap();
    let again = store.decide_report(&filed.id, ReportOutcome::Verified, "conductor's statement", &reviewer_at("chen", "2026-01-08", T0_MS));
    assert_eq!(again.unwrap().state, "verified");
    assert!(matches!(
        store.decide_report(&filed.id, ReportOutcome::Rejected, "changed my mind", &reviewer_at("chen", "2026-01-09", T0_MS)),
        Err(StoreError::ConflictBecause { .. })
    ));
    assert_eq!(store.ledger_fingerprint().unwrap(), before);
    // The subject sees the verified report (without the reporter, by default) and the record can be disputed.
    let about = store.reports_about(&id(TARGET), 10).unwrap();
    assert_eq!(about.len(), 1);
    assert_eq!(about[0].reporter, None, "the default rulebook does not disclose reporters");
    let record_id = about[0].record_id.clone().unwrap();
    assert!(store.record(&socred_core::record::RecordId::parse(&record_id).unwrap()).unwrap().is_some());
    store.audit_verify().unwrap();
}

#[test]
fn rejected_and_malicious_reports() {
    let (_dir, mut store) = setup();
    let a =
        store.file_report(&report(REPORTER, TARGET, "jaywalking", "2026-01-05", "crossed on red"), &at("li", "2026-01-06", T0_MS)).unwrap();
    let b =
        store.file_report(&report(REPORTER, OTHER, "tax-evasion", "2026-01-05", "she is rich"), &at("li", "2026-01-06", T0_MS)).unwrap();
    for r in [&a, &b] {
        store.review_report(&r.id, &reviewer_at("chen", "2026-01-07", T0_MS)).unwrap();
    }
    store.decide_report(&a.id, ReportOutcome::Rejected, "no evidence", &reviewer_at("chen", "2026-01-07", T0_MS + HOUR_MS)).unwrap();
    assert_eq!(score(&store, TARGET, "2026-02-01"), 1000, "a rejected report has no effect");
    assert_eq!(score(&store, REPORTER, "2026-02-01"), 1000);
    store
        .decide_report(
            &b.id,
            ReportOutcome::Malicious,
            "invented; the reporter admitted a grudge",
            &reviewer_at("chen", "2026-01-07", T0_MS + 3 * HOUR_MS),
        )
        .unwrap();
    assert_eq!(score(&store, OTHER, "2026-02-01"), 1000, "a malicious report has no effect on its target");
    assert_eq!(score(&store, REPORTER, "2026-02-01"), 970, "a malicious report costs its reporter 30");
    let stats = store.reporter_stats(&id(REPORTER)).unwrap();
    assert_eq!((stats.filed, stats.rejected, stats.malicious), (2, 1, 1));
    assert!((stats.malicious_share - 0.5).abs() < 1e-9, "the malicious share is visible: {stats:?}");
    let metrics = store.report_metrics().unwrap();
    assert_eq!(metrics.decided, 2);
    assert_eq!(metrics.decision_hours_max, Some(3.0));
    assert!(metrics.by_state.contains(&("malicious".to_string(), 1)));
}

#[test]
fn illegal_transitions_change_nothing() {
    let (_dir, mut store) = setup();
    let r =
        store.file_report(&report(REPORTER, TARGET, "jaywalking", "2026-01-05", "crossed on red"), &at("li", "2026-01-06", T0_MS)).unwrap();
    let before = store.ledger_fingerprint().unwrap();
    let decide = |store: &mut Store, who: &Reviewer| store.decide_report(&r.id, ReportOutcome::Verified, "ok", who);
    assert!(
        matches!(decide(&mut store, &reviewer("chen")), Err(StoreError::ConflictBecause { reason: m, .. }) if m.contains("take it into review first"))
    );
    // A reviewer who filed it, or who is its subject, may not review it.
    assert!(
        matches!(store.review_report(&r.id, &reviewer_at("li", "2026-01-07", T0_MS)), Err(StoreError::ConflictBecause { reason: m, .. }) if m.contains("filed"))
    );
    let target_as_reviewer = Reviewer { actor: at("zhao", "2026-01-07", T0_MS), subject: Some(id(TARGET)) };
    assert!(
        matches!(store.review_report(&r.id, &target_as_reviewer), Err(StoreError::ConflictBecause { reason: m, .. }) if m.contains("about"))
    );
    let reporter_as_reviewer = Reviewer { actor: at("li-at-work", "2026-01-07", T0_MS), subject: Some(id(REPORTER)) };
    assert!(matches!(store.review_report(&r.id, &reporter_as_reviewer), Err(StoreError::ConflictBecause { .. })));
    assert!(matches!(store.review_report("no-such-report", &reviewer_at("chen", "2026-01-07", T0_MS)), Err(StoreError::NotFound(_))));
    assert_eq!(store.ledger_fingerprint().unwrap(), before);
    store.review_report(&r.id, &reviewer_at("chen", "2026-01-07", T0_MS)).unwrap();
    // Another reviewer cannot take it over or decide it.
    assert!(
        matches!(store.review_report(&r.id, &reviewer_at("sun", "2026-01-07", T0_MS)), Err(StoreError::ConflictBecause { reason: m, .. }) if m.contains("under review by chen"))
    );
    assert!(
        matches!(decide(&mut store, &reviewer("sun")), Err(StoreError::ConflictBecause { reason: m, .. }) if m.contains("only they decide"))
    );
    store.decide_report(&r.id, ReportOutcome::Rejected, "blurry", &reviewer_at("chen", "2026-01-07", T0_MS)).unwrap();
    assert!(
        matches!(store.review_report(&r.id, &reviewer_at("chen", "2026-01-08", T0_MS)), Err(StoreError::ConflictBecause { reason: m, .. }) if m.contains("rejected"))
    );
    assert_eq!(store.report(&r.id).unwrap().unwrap().history.len(), 2);
}

#[test]
fn bad_reports_are_refused_and_store_nothing() {
    let (_dir, mut store) = setup();
    let before = store.ledger_fingerprint().unwrap();
    let cases: Vec<(NewReport, &str)> = vec![
        (report(REPORTER, REPORTER, "jaywalking", "2026-01-05", "me"), "subject"),
        (report(REPORTER, TARGET, "intentional-crime", "2026-01-05", "x"), "behaviour"),
        (report(REPORTER, TARGET, "no-such-thing", "2026-01-05", "x"), "behaviour"),
        (report(REPORTER, TARGET, "jaywalking", "2026-02-05", "future"), "occurred_on"),
        (report(REPORTER, TARGET, "jaywalking", "2026-01-05", "  "), "description"),
        (NewReport { evidence: vec!["0".repeat(64)], ..report(REPORTER, TARGET, "jaywalking", "2026-01-05", "x") }, "evidence"),
        (NewReport { id: Some("bad id!".into()), ..report(REPORTER, TARGET, "jaywalking", "2026-01-05", "x") }, "id"),
    ];
    for (bad, field) in cases {
        match store.file_report(&bad, &at("li", "2026-01-06", T0_MS)) {
            Err(StoreError::Invalid { field: got, reason, cause }) => {
                assert_eq!(got, field, "{reason}");
                // The rules of a report are typed, so a reader's language can say them again.
                let cause = cause.unwrap_or_else(|| panic!("{field}: {reason} is not typed"));
                assert_eq!(cause.text(socred_i18n::Language::English), reason, "{field}");
                if matches!(field, "subject" | "behaviour" | "evidence") {
                    assert!(matches!(*cause, socred_i18n::reasons::Cause::Refusal(_)), "{field}");
                }
            }
            other => panic!("{field}: {other:?}"),
        }
    }
    let unknown = report("110101200001010010", TARGET, "jaywalking", "2026-01-05", "x");
    assert!(matches!(store.file_report(&unknown, &at("li", "2026-01-06", T0_MS)), Err(StoreError::UnknownSubject(_))));
    assert_eq!(store.ledger_fingerprint().unwrap(), before);
    // Evidence: types judged by content, size limited, stored once by hash.
    assert!(matches!(store.add_evidence(b"MZ\x90\x00binary", &actor("li")), Err(StoreError::Invalid { field, .. }) if field == "evidence"));
    assert!(
        matches!(store.add_evidence(&vec![b'a'; 2 * 1024 * 1024 + 1], &actor("li")), Err(StoreError::Invalid { field, .. }) if field == "evidence")
    );
    let png = b"\x89PNG\r\n\x1a\nnot really a picture";
    let one = store.add_evidence(png, &actor("li")).unwrap();
    let two = store.add_evidence(png, &actor("li")).unwrap();
    assert_eq!(one, two);
    assert_eq!(one.media_type, "image/png");
    let with = NewReport { evidence: vec![one.hash.clone()], ..report(REPORTER, TARGET, "jaywalking", "2026-01-05", "photo") };
    let filed = store.file_report(&with, &at("li", "2026-01-06", T0_MS)).unwrap();
    assert_eq!(filed.evidence, vec![one.clone()]);
    // Idempotent by id: the same report again is the same report; other content under its id is a conflict.
    assert_eq!(store.file_report(&with, &at("li", "2026-01-06", T0_MS)).unwrap().id, filed.id);
    assert!(store.evidence_visible_to(&one.hash, &id(REPORTER)).unwrap());
    assert!(!store.evidence_visible_to(&one.hash, &id(TARGET)).unwrap(), "not before verification");
    let clash = NewReport { id: Some(filed.id.clone()), description: "other".into(), ..with.clone() };
    assert!(matches!(
        store.file_report(&clash, &at("li", "2026-01-06", T0_MS)),
        Err(StoreError::Conflict(_) | StoreError::ConflictBecause { .. })
    ));
}

#[test]
fn rate_limits_per_account_and_per_target() {
    let (_dir, mut store) = setup();
    // Five a day per account (default rulebook).
    for n in 0..5 {
        let r = report(REPORTER, TARGET, "jaywalking", &format!("2026-01-0{}", n + 1), "again");
        store.file_report(&r, &at("li", "2026-01-09", T0_MS + n * 1000)).unwrap();
    }
    let sixth = report(REPORTER, OTHER, "jaywalking", "2026-01-06", "one more");
    let before = store.ledger_fingerprint().unwrap();
    assert!(
        matches!(store.file_report(&sixth, &at("li", "2026-01-09", T0_MS + 10_000)), Err(StoreError::RateLimited { field, .. }) if field == "reporter")
    );
    assert_eq!(store.ledger_fingerprint().unwrap(), before);
    // A day later the account may report again.
    store.file_report(&sixth, &at("li", "2026-01-10", T0_MS + 24 * HOUR_MS + 1)).unwrap();
    // Ten a day about one target, from anyone.
    let mut filed = 5; // five of them about TARGET, from li, still within the window
    for (n, who) in [(OTHER, "wang"), (REVIEWER_PERSON, "chen-jie")].iter().enumerate() {
        for k in 0..(3 - n) {
            let r = report(who.0, TARGET, "waste-sorting", &format!("2026-01-0{}", k + 1 + n * 3), "bins");
            store.file_report(&r, &at(who.1, "2026-01-09", T0_MS + 20_000)).unwrap();
            filed += 1;
        }
    }
    assert_eq!(filed, 10);
    let r = report(OTHER, TARGET, "speeding-minor", "2026-01-07", "fast");
    assert!(
        matches!(store.file_report(&r, &at("wang", "2026-01-09", T0_MS + 30_000)), Err(StoreError::RateLimited { field, .. }) if field == "subject")
    );
}

#[test]
fn the_reporter_is_named_to_the_subject_only_if_the_rulebook_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let disclosing = DEFAULT_RULEBOOK.replace("disclose_reporter = false", "disclose_reporter = true");
    let mut store = Store::create(
        &dir.path().join("s.db"),
        &disclosing,
        "disclosing.toml",
        &actor("admin"),
        "init",
        socred_store::TimeSettings::replay(),
    )
    .unwrap();
    for (subject, name) in [(REPORTER, "Li Ming"), (TARGET, "Zhao Lei")] {
        store
            .add_subject(&NewSubject { id: id(subject), name: name.into(), guardians: vec![], represents: vec![] }, &actor("admin"))
            .unwrap();
    }
    let r = store.file_report(&report(REPORTER, TARGET, "jaywalking", "2026-01-05", "red light"), &at("li", "2026-01-06", T0_MS)).unwrap();
    store.review_report(&r.id, &reviewer_at("chen", "2026-01-07", T0_MS)).unwrap();
    store.decide_report(&r.id, ReportOutcome::Verified, "camera", &reviewer_at("chen", "2026-01-07", T0_MS)).unwrap();
    assert_eq!(store.reports_about(&id(TARGET), 10).unwrap()[0].reporter, Some(id(REPORTER)));
}

/// A report of TARGET by REPORTER, filed, reviewed and verified; the record it became.
fn verified_report(store: &mut Store) -> RecordId {
    let filed = store
        .file_report(&report(REPORTER, TARGET, "rail-disorder", "2026-01-05", "took my seat"), &at("li", "2026-01-06", T0_MS))
        .unwrap();
    store.review_report(&filed.id, &reviewer_at("chen", "2026-01-07", T0_MS)).unwrap();
    store.decide_report(&filed.id, ReportOutcome::Verified, "statement", &reviewer_at("chen", "2026-01-08", T0_MS)).unwrap();
    RecordId::parse(&store.reports_about(&id(TARGET), 10).unwrap()[0].record_id.clone().unwrap()).unwrap()
}

/// Files a dispute of `record` and upholds it: (the record voided, the reward voided with it).
fn uphold_dispute(store: &mut Store, case: &str, record: &RecordId) -> (Option<String>, Option<String>) {
    let dispute = CaseId::parse(case).unwrap();
    let filed = Event::DisputeFiled { dispute: dispute.clone(), record: record.clone(), grounds: "not me".into() };
    store.act(None, &on("zhao", "2026-01-10"), filed).unwrap();
    let decided = Event::DisputeDecided { dispute, outcome: DisputeOutcome::Uphold, reasons: "ticket records".into() };
    match store.act(None, &on("reviewer-a", "2026-01-12"), decided).unwrap() {
        ActOutcome::Stored { voided_record, voided_reward, .. } => (voided_record, voided_reward),
        other => panic!("stored: {other:?}"),
    }
}

#[test]
fn an_upheld_dispute_of_a_reported_record_voids_the_reward_too() {
    let (_dir, mut store) = setup();
    let record = verified_report(&mut store);
    assert_eq!((score(&store, TARGET, "2026-02-01"), score(&store, REPORTER, "2026-02-01")), (980, 1010));
    let (voided_record, voided_reward) = uphold_dispute(&mut store, "d-report", &record);
    assert_eq!(voided_record.as_deref(), Some(record.as_str()));
    let reward = voided_reward.expect("the reward is voided with the record it rewarded");
    assert!(reward.starts_with("rwd-"), "{reward}");
    assert_eq!(score(&store, TARGET, "2026-02-01"), 1000, "the disputed record no longer counts");
    assert_eq!(score(&store, REPORTER, "2026-02-01"), 1000, "nor does the reward for reporting it");
    let (_, void_reason) = store.record(&RecordId::parse(&reward).unwrap()).unwrap().unwrap();
    assert!(void_reason.unwrap().contains("voided on dispute"));
    store.audit_verify().unwrap();
}

#[test]
fn an_upheld_dispute_of_another_record_touches_no_reward() {
    let (_dir, mut store) = setup();
    verified_report(&mut store);
    let other = Record {
        id: RecordId::parse("officer-1").unwrap(),
        subject: id(TARGET),
        behaviour: "jaywalking".into(),
        occurred_on: day("2026-01-09"),
        source: "Traffic Police".into(),
        evidence: None,
    };
    store.add_record(&other, &on("officer", "2026-01-09")).unwrap();
    let (voided_record, voided_reward) = uphold_dispute(&mut store, "d-other", &other.id);
    assert_eq!(voided_record.as_deref(), Some("officer-1"));
    assert_eq!(voided_reward, None);
    assert_eq!(score(&store, REPORTER, "2026-02-01"), 1010, "the reporter keeps the reward for a record that stands");
    store.audit_verify().unwrap();
}

/// Two writers (two connections, as two servers or a server and the CLI)
/// race to take the same reports into review: the state is read and judged
/// inside the write transaction, so each report is taken exactly once.
#[test]
fn two_writers_racing_for_the_same_reports_take_each_once() {
    let (dir, mut store) = setup();
    let path = dir.path().join("s.db");
    let mut ids = Vec::new();
    for number in 0..40 {
        let mut new = report(REPORTER, TARGET, "rail-disorder", "2026-01-05", "took my seat");
        new.id = Some(format!("race-{number}"));
        new.occurred_on = day("2026-01-05") - time::Duration::days(number);
        // A day apart: the rulebook limits how often one person files.
        let filed_on = socred_core::date::format_date(day("2026-01-06") + time::Duration::days(number));
        ids.push(store.file_report(&new, &at("li", &filed_on, T0_MS + number * 25 * HOUR_MS)).unwrap().id);
    }
    let barrier = std::sync::Arc::new(std::sync::Barrier::new(2));
    let racers: Vec<_> = ["reviewer-a", "reviewer-b"]
        .into_iter()
        .map(|name| {
            let (path, ids, barrier) = (path.clone(), ids.clone(), barrier.clone());
            std::thread::spawn(move || {
                let mut store = Store::open(&path).unwrap();
                barrier.wait();
                ids.iter().filter(|id| store.review_report(id, &reviewer_at(name, "2026-03-01", T0_MS + 60 * 25 * HOUR_MS)).is_ok()).count()
            })
        })
        .collect();
    let taken: usize = racers.into_iter().map(|racer| racer.join().unwrap()).sum();
    assert_eq!(taken, ids.len(), "each report taken by exactly one reviewer");
    for id in &ids {
        let view = store.report(id).unwrap().unwrap();
        assert_eq!(view.history.iter().filter(|event| event.state == "under-review").count(), 1, "{id}: {:?}", view.history);
    }
    store.audit_verify().unwrap();
}
