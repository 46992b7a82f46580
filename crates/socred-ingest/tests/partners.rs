//! Partner feeds: scope (agreement and source), atomic batches, replays by
//! batch id, receipts, and records that wait for a reviewer.

use socred_core::date::parse_date;
use socred_core::{DEFAULT_RULEBOOK, Date, SubjectId};
use socred_ingest::{Format, import_partner};
use socred_store::{Actor, NewSubject, PartnerScope, Store, StoreError};

const TARGET: &str = "440524198001010013";
const OTHER: &str = "11010519491231002X";
const T0_MS: i64 = 1_767_225_600_000;

/// The partner acts on 31 January 2026 (a replay store takes the day from its caller).
fn actor(name: &str) -> Actor {
    Actor::new(name, socred_core::date::Moment { unix_ms: T0_MS + 30 * 86_400_000, day: day("2026-01-31") }).unwrap()
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
    for (subject, name) in [(TARGET, "Zhao Lei"), (OTHER, "Wang Fang")] {
        store
            .add_subject(&NewSubject { id: id(subject), name: name.into(), guardians: vec![], represents: vec![] }, &actor("admin"))
            .unwrap();
    }
    (dir, store)
}

fn score(store: &Store, subject: &str, on: &str) -> i64 {
    store.summary(&id(subject), day(on)).unwrap().score
}

fn partner() -> PartnerScope {
    PartnerScope {
        username: "bikes".into(),
        source: "Hello Bike Co.".into(),
        behaviours: vec!["unpaid-shared-bike-ride".into(), "overdue-consumer-loan".into()],
    }
}

fn line(record_id: &str, subject: &str, behaviour: &str, at: &str) -> String {
    format!(r#"{{"id": "{record_id}", "subject": "{subject}", "behaviour": "{behaviour}", "at": "{at}"}}"#)
}

#[test]
fn partner_batches_are_scoped_atomic_idempotent_and_receipted() {
    let (_dir, mut store) = setup();
    let good = [line("b-1", TARGET, "unpaid-shared-bike-ride", "2026-01-02"), line("b-2", OTHER, "unpaid-shared-bike-ride", "2026-01-03")]
        .join("\n");
    let with_bad = format!("{good}\n{}\n", line("b-3", TARGET, "tax-evasion", "2026-01-03"));
    let before = store.ledger_fingerprint().unwrap();
    let receipt =
        import_partner(&mut store, with_bad.as_bytes(), Format::Ndjson, false, &partner(), "batch-1", T0_MS, &actor("bikes")).unwrap();
    assert!(!receipt.stored, "one bad line refuses the whole batch");
    assert_eq!((receipt.lines, receipt.accepted, receipt.rejected), (3, 0, 1));
    assert_eq!(receipt.errors[0].line, 3);
    assert_eq!(receipt.errors[0].field, "behaviour");
    assert!(receipt.errors[0].reason.contains("outside partner bikes's agreement"), "{}", receipt.errors[0].reason);
    // The receipt keeps the reason in Chinese too, so it reads in either language later.
    assert_eq!(receipt.errors[0].field_zh, "行为");
    assert!(receipt.errors[0].reason_zh.contains("不在合作方 bikes 的协议范围内"), "{}", receipt.errors[0].reason_zh);
    assert_eq!(receipt.errors[0].words(true), ("行为", receipt.errors[0].reason_zh.as_str()));
    assert_eq!(receipt.errors[0].words(false), ("behaviour", receipt.errors[0].reason.as_str()));
    assert_eq!(store.ledger_fingerprint().unwrap(), before, "nothing stored");
    // skip_invalid stores the good lines.
    let receipt =
        import_partner(&mut store, with_bad.as_bytes(), Format::Ndjson, true, &partner(), "batch-2", T0_MS, &actor("bikes")).unwrap();
    assert!(receipt.stored);
    assert_eq!((receipt.accepted, receipt.rejected, receipt.duplicates), (2, 1, 0));
    assert_eq!(score(&store, TARGET, "2026-02-01"), 998);
    // The same lines again under a new batch id: duplicates, stored once.
    let receipt =
        import_partner(&mut store, good.as_bytes(), Format::Ndjson, false, &partner(), "batch-3", T0_MS, &actor("bikes")).unwrap();
    assert_eq!((receipt.accepted, receipt.duplicates), (0, 2));
    assert_eq!(score(&store, TARGET, "2026-02-01"), 998);
    // The same batch id again: the first receipt, nothing done.
    let replay =
        import_partner(&mut store, b"garbage".as_slice(), Format::Ndjson, false, &partner(), "batch-2", T0_MS, &actor("bikes")).unwrap();
    assert!(replay.replayed);
    assert_eq!(replay.accepted, 2);
    // Another authority's name as source is refused.
    let spoof = r#"{"id": "b-9", "subject": "440524198001010013", "behaviour": "unpaid-shared-bike-ride", "at": "2026-01-02", "source": "Municipal Tax Bureau"}"#;
    let receipt =
        import_partner(&mut store, spoof.as_bytes(), Format::Ndjson, false, &partner(), "batch-4", T0_MS, &actor("bikes")).unwrap();
    assert_eq!(receipt.errors[0].field, "source");
    let batches = store.partner_batches(Some("bikes"), 10).unwrap();
    assert_eq!(batches.len(), 4, "every batch has a receipt, refused ones included");
    let metrics = store.partner_metrics().unwrap();
    assert_eq!(metrics[0].batches, 4);
    assert_eq!(metrics[0].batches_refused, 2);
    store.audit_verify().unwrap();
}

#[test]
fn partner_records_of_reviewed_behaviours_wait_for_a_reviewer() {
    let (_dir, mut store) = setup();
    let batch =
        [line("l-1", TARGET, "overdue-consumer-loan", "2026-01-02"), line("l-2", OTHER, "overdue-consumer-loan", "2026-01-02")].join("\n");
    let receipt =
        import_partner(&mut store, batch.as_bytes(), Format::Ndjson, false, &partner(), "loans-1", T0_MS, &actor("bikes")).unwrap();
    assert_eq!((receipt.accepted, receipt.pending_review), (0, 2));
    assert_eq!(score(&store, TARGET, "2026-02-01"), 1000, "no effect before a reviewer confirms");
    let again = import_partner(&mut store, batch.as_bytes(), Format::Ndjson, false, &partner(), "loans-2", T0_MS, &actor("bikes")).unwrap();
    assert_eq!((again.pending_review, again.duplicates), (0, 2), "pending records are idempotent too");
    assert_eq!(store.pending_records(10).unwrap().len(), 2);
    store.decide_pending("l-1", true, "loan contract and statements seen", &actor("chen")).unwrap();
    store.decide_pending("l-2", false, "the loan was restructured", &actor("chen")).unwrap();
    assert_eq!(score(&store, TARGET, "2026-02-01"), 980);
    assert_eq!(score(&store, OTHER, "2026-02-01"), 1000);
    assert!(matches!(
        store.decide_pending("l-2", true, "oops", &actor("chen")),
        Err(StoreError::Conflict(_) | StoreError::ConflictBecause { .. })
    ));
    assert_eq!(store.decide_pending("l-1", true, "again", &actor("chen")).unwrap(), None, "the same decision again is a no-op");
    assert!(store.pending_records(10).unwrap().is_empty());
    store.audit_verify().unwrap();
}

#[test]
fn a_byte_order_mark_is_skipped_alike_in_ndjson_and_csv() {
    let rulebook = std::sync::Arc::new(socred_core::Rulebook::from_toml(DEFAULT_RULEBOOK, "default.toml").unwrap());
    let today = day("2026-01-31");
    let ndjson =
        format!("\u{feff}{{\"subject\":\"{TARGET}\",\"behaviour\":\"jaywalking\",\"at\":\"2026-01-02\",\"source\":\"Traffic Police\"}}\n");
    let csv = format!("\u{feff}subject,behaviour,at,source\n{TARGET},jaywalking,2026-01-02,Traffic Police\n");
    for (format, text) in [(Format::Ndjson, ndjson), (Format::Csv, csv)] {
        let rows = socred_ingest::dry_run(text.as_bytes(), format, rulebook.clone(), today, None).unwrap();
        assert!(matches!(rows.as_slice(), [socred_ingest::RowCheck::Valid { .. }]), "{format:?}: {rows:?}");
    }
}
