//! The log against someone who can write the database file: every kind of
//! tampering fails `audit verify` with a message naming what broke, and what a
//! careful forger can make verify pass on its own (a truncated log with its
//! head recomputed) fails against a checkpoint kept earlier.

use socred_auth::Role;
use socred_core::date::parse_date;
use socred_core::record::{Record, RecordId};
use socred_core::{DEFAULT_RULEBOOK, Date, SubjectId};
use socred_log::merkle::Frontier;
use socred_log::{SigningKey, from_hex, to_hex};
use socred_store::audit::checkpoint::heads_of;
use socred_store::audit::{InclusionProof, ProvenItem};
use socred_store::{AccessRequest, Actor, CheckLog, NewAccount, NewSubject, Store, StoreError};

const PERSON: &str = "110101199003074514";

fn day(text: &str) -> Date {
    parse_date(text).unwrap()
}

fn actor() -> Actor {
    Actor::replayed("test-officer", day("2026-06-30")).unwrap()
}

fn key() -> SigningKey {
    SigningKey::from_seed("test.example/log", [7; 32]).unwrap()
}

fn record(record_id: &str, behaviour: &str, on: &str) -> Record {
    Record {
        id: RecordId::parse(record_id).unwrap(),
        subject: SubjectId::parse(PERSON).unwrap(),
        behaviour: behaviour.into(),
        occurred_on: day(on),
        source: "Municipal Tax Bureau".into(),
        evidence: None,
    }
}

/// A store with a subject, records, a void, an account, a token, reads and checks.
fn populated() -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("s.db");
    let mut store =
        Store::create(&path, DEFAULT_RULEBOOK, "default.toml", &actor(), "test.example/log", socred_store::TimeSettings::replay()).unwrap();
    let subject = NewSubject { id: SubjectId::parse(PERSON).unwrap(), name: "Zhang San".into(), guardians: vec![], represents: vec![] };
    store.add_subject(&subject, &actor()).unwrap();
    store.add_record(&record("tax-1", "tax-evasion", "2025-03-01"), &actor()).unwrap();
    store.add_record(&record("tax-2", "tax-evasion", "2025-04-01"), &actor()).unwrap();
    store.void_record(&RecordId::parse("tax-2").unwrap(), "entered in error", &actor()).unwrap();
    let account = NewAccount {
        username: "officer-wang".into(),
        role: Role::Officer,
        password_hash: Some("$argon2id$not-a-real-hash".into()),
        subject: None,
        authority: Some("Municipal Tax Bureau".into()),
        services: vec![],
        behaviours: vec![],
    };
    let id = store.add_account(&account, &actor()).unwrap();
    let officer = store.account("officer-wang").unwrap().unwrap();
    assert_eq!(officer.id, id);
    store.issue_token(&officer, "token-hash-1", "laptop", 30, &actor()).unwrap();
    read(&store);
    check(&store);
    (dir, store)
}

fn read(store: &Store) {
    store.log_access(&actor(), &SubjectId::parse(PERSON).unwrap(), "review", "file").unwrap();
}

fn check(store: &Store) {
    let log = CheckLog {
        at_ms: 1_782_000_000_000,
        provider: "rail".into(),
        subject: SubjectId::parse(PERSON).unwrap(),
        subject_key: None,
        service: "rail-ticket".into(),
        as_of: day("2026-06-30"),
        outcome: "allow",
        reasons: vec![],
    };
    store.log_checks(&[log]).unwrap();
}

fn broken(store: &Store) -> String {
    match store.audit_verify() {
        Err(StoreError::AuditBroken(reason)) => reason,
        other => panic!("tampering went unnoticed: {other:?}"),
    }
}

fn sql(store: &Store, statement: &str) {
    store.raw_connection_for_tests().execute_batch(&format!("PRAGMA foreign_keys = OFF; {statement}")).unwrap();
}

/// Recomputes the stored head from the stored leaves, as a forger who knows
/// the format would after removing entries.
fn recompute_head(store: &Store) {
    let connection = store.raw_connection_for_tests();
    let mut frontier = Frontier::default();
    let mut statement = connection.prepare("SELECT hash FROM audit ORDER BY seq").unwrap();
    for hash in statement.query_map([], |row| row.get::<_, String>(0)).unwrap() {
        frontier.push(from_hex(&hash.unwrap()).unwrap());
    }
    let nodes: String = frontier.nodes().iter().map(to_hex).collect();
    connection.execute("UPDATE log_head SET size = ?1, nodes = ?2 WHERE log = 'audit'", (frontier.size() as i64, &nodes)).unwrap();
}

fn checkpoint(store: &Store) -> socred_store::audit::LogHeads {
    let note = store.sign_checkpoint(&key(), "2026-06-30T12:00:00Z").unwrap();
    heads_of(&key().verifier().open(&note).unwrap()).unwrap()
}

#[test]
fn an_untouched_store_verifies_and_extends_its_own_checkpoints() {
    let (_dir, mut store) = populated();
    let earlier = checkpoint(&store);
    store.add_record(&record("tax-3", "tax-evasion", "2025-05-01"), &actor()).unwrap();
    read(&store);
    check(&store);
    let report = store.audit_verify_against(Some(&earlier)).unwrap();
    assert_eq!(report.consistent_with, Some(earlier.size));
    assert_eq!((report.accounts, report.tokens), (1, 1));
    assert_eq!((report.accesses, report.checks), (2, 2));
    assert!(report.entries > earlier.size);
}

#[test]
fn deleting_the_newest_entry_with_its_rows_is_found_by_the_head_or_by_a_checkpoint() {
    let (_dir, mut store) = populated();
    store.add_record(&record("tax-3", "tax-evasion", "2025-05-01"), &actor()).unwrap();
    let earlier = checkpoint(&store);
    let tail = "DELETE FROM records WHERE record_id = 'tax-3'; DELETE FROM audit WHERE seq = (SELECT max(seq) FROM audit);";
    sql(&store, tail);
    assert!(broken(&store).contains("stored head"), "the head still counts the deleted entry");
    // A forger recomputes the head: the store alone looks whole…
    recompute_head(&store);
    store.audit_verify().unwrap();
    // …but not to whoever kept a checkpoint.
    match store.audit_verify_against(Some(&earlier)) {
        Err(StoreError::AuditBroken(reason)) => assert!(reason.contains("newest entries were removed"), "{reason}"),
        other => panic!("a truncated log passed against its checkpoint: {other:?}"),
    }
}

#[test]
fn rewriting_an_old_entry_and_recomputing_everything_fails_against_a_checkpoint() {
    let (_dir, store) = populated();
    let earlier = checkpoint(&store);
    // Re-hash entry 2 with another actor and rebuild the head: every hash
    // the store holds is consistent again.
    let entry = store.audit_recent(None, 10_000).unwrap().into_iter().find(|entry| entry.seq == 2).unwrap();
    let forged = socred_store::audit::EntryFields {
        seq: 2,
        at: entry.at.clone(),
        actor: "someone else".into(),
        action: entry.action.clone(),
        subject: entry.subject.clone(),
        detail: entry.detail.clone(),
        digest: entry.digest.clone(),
    };
    sql(&store, &format!("UPDATE audit SET actor = 'someone else', hash = '{}' WHERE seq = 2", to_hex(&forged.leaf())));
    recompute_head(&store);
    store.audit_verify().unwrap();
    match store.audit_verify_against(Some(&earlier)) {
        Err(StoreError::AuditBroken(reason)) => assert!(reason.contains("does not extend the checkpoint"), "{reason}"),
        other => panic!("a rewritten log passed against its checkpoint: {other:?}"),
    }
}

#[test]
fn deleting_the_newest_access_row_or_check_group_is_found_by_a_checkpoint() {
    for (tamper, expected) in [
        (
            "DELETE FROM accesses WHERE seq = (SELECT max(seq) FROM accesses);
             UPDATE log_head SET size = size - 1, nodes = (SELECT coalesce((SELECT hash FROM accesses ORDER BY seq DESC LIMIT 1),
               '0000000000000000000000000000000000000000000000000000000000000000')) WHERE log = 'accesses';",
            "newest rows were removed",
        ),
        ("DELETE FROM check_groups WHERE grp = (SELECT max(grp) FROM check_groups);", "newest groups were removed"),
    ] {
        let (_dir, store) = populated();
        let earlier = checkpoint(&store);
        sql(&store, tamper);
        store.audit_verify().unwrap();
        match store.audit_verify_against(Some(&earlier)) {
            Err(StoreError::AuditBroken(reason)) => assert!(reason.contains(expected), "{reason}"),
            other => panic!("`{tamper}` passed against the checkpoint: {other:?}"),
        }
    }
}

#[test]
fn accounts_and_tokens_changed_outside_socred_are_named() {
    let cases = [
        ("UPDATE accounts SET role = 'admin' WHERE username = 'officer-wang'", "account officer-wang was changed outside socred: role"),
        ("UPDATE accounts SET password_hash = 'swapped' WHERE username = 'officer-wang'", "password_hash"),
        ("UPDATE accounts SET disabled = 1", "disabled"),
        (
            "INSERT INTO accounts (username, role, services, behaviours, created_at) VALUES ('intruder', 'admin', '[]', '[]', 'now')",
            "account intruder was added outside socred",
        ),
        ("DELETE FROM tokens", "token 1 was removed outside socred"),
        ("UPDATE tokens SET expires_at = expires_at + 86400000", "token 1 was changed outside socred: expires_at"),
        ("UPDATE seals SET state = replace(state, 'officer', 'admin')", "the ledger rows it wrote were changed"),
    ];
    for (tamper, expected) in cases {
        let (_dir, store) = populated();
        sql(&store, tamper);
        let reason = broken(&store);
        assert!(reason.contains(expected), "`{tamper}`: {reason}");
    }
}

#[test]
fn reports_evidence_partner_rows_and_ledger_rows_are_covered() {
    let cases = [
        ("UPDATE records SET behaviour = 'volunteering' WHERE record_id = 'tax-1'", "the ledger rows it wrote were changed"),
        ("UPDATE audit SET detail = '{}' WHERE seq = 2", "was altered"),
        ("UPDATE audit SET seq = 99 WHERE seq = 3", "claims entry 3"),
        ("UPDATE subjects SET reference = 'x' WHERE key = 1", "the ledger rows it wrote were changed"),
    ];
    for (tamper, expected) in cases {
        let (_dir, store) = populated();
        sql(&store, tamper);
        let reason = broken(&store);
        assert!(reason.contains(expected), "`{tamper}`: {reason}");
    }
}

/// The public list's rows are derived: verify recomputes them from the
/// files of every subject not waiting for a refresh.
#[test]
fn derived_list_entries_changed_by_hand_are_named() {
    let cases = [
        "UPDATE entries SET legal_basis = 'none'",
        "DELETE FROM entries",
        "UPDATE entries SET listed_until = listed_until + 365",
        "INSERT INTO entries SELECT 'x', subject, list, authority, legal_basis, published, listed_since, listed_until FROM entries",
    ];
    for tamper in cases {
        let (_dir, mut store) = populated();
        store.add_record(&record("crime-1", "intentional-crime", "2025-12-01"), &actor()).unwrap();
        store.audit_verify().unwrap();
        store.refresh_lists().unwrap();
        assert_eq!(store.public_list(day("2027-01-01"), &socred_store::PublicFilter::default(), 10, 0).unwrap().len(), 1);
        store.audit_verify().unwrap();
        sql(&store, tamper);
        let reason = broken(&store);
        assert!(reason.contains(&format!("the derived list entries of subject {PERSON} do not follow its file")), "`{tamper}`: {reason}");
    }
}

/// The cached summaries behind the check index are derived too: a score or
/// tier changed by hand in the cache is found.
#[test]
fn cached_summaries_changed_by_hand_are_named() {
    for tamper in ["UPDATE assessment_cache SET score = score + 100", "UPDATE assessment_cache SET tier = 0, points_tier = 0"] {
        let (_dir, mut store) = populated();
        store.warm_summaries(day("2026-06-30")).unwrap();
        store.audit_verify().unwrap();
        sql(&store, tamper);
        let reason = broken(&store);
        assert!(reason.contains(&format!("the cached summary of subject {PERSON} does not follow its file")), "`{tamper}`: {reason}");
    }
}

#[test]
fn swapping_two_entries_is_named() {
    let (_dir, store) = populated();
    sql(
        &store,
        "UPDATE audit SET seq = -2 WHERE seq = 2; UPDATE audit SET seq = 2 WHERE seq = 3; UPDATE audit SET seq = 3 WHERE seq = -2;",
    );
    let reason = broken(&store);
    assert!(reason.contains("entry 2"), "{reason}");
}

#[test]
fn a_flipped_bit_in_a_unique_index_fails_the_integrity_check() {
    let (dir, store) = populated();
    let page_size: i64 = store.raw_connection_for_tests().query_row("PRAGMA page_size", [], |row| row.get(0)).unwrap();
    let root: i64 = store
        .raw_connection_for_tests()
        .query_row("SELECT rootpage FROM sqlite_master WHERE name = 'sqlite_autoindex_records_1'", [], |row| row.get(0))
        .unwrap();
    drop(store);
    let path = dir.path().join("s.db");
    let mut bytes = std::fs::read(&path).unwrap();
    // The cells of a small index's root page sit at its end: the last byte is
    // part of a key (a record id's text).
    let at = (root * page_size - 2) as usize;
    bytes[at] ^= 0x01;
    std::fs::write(&path, &bytes).unwrap();
    let store = Store::open(&path).unwrap();
    let reason = broken(&store);
    assert!(reason.contains("integrity check failed"), "{reason}");
}

#[test]
fn a_proof_of_a_record_verifies_offline_and_fails_when_anything_in_it_changes() {
    let (_dir, store) = populated();
    let proof = store.prove(&ProvenItem::Record { record_id: "tax-1".into() }, &key(), "2026-06-30T12:00:00Z").unwrap();
    let text = serde_json::to_string(&proof).unwrap();
    let proof: InclusionProof = serde_json::from_str(&text).unwrap();
    let checkpoint = proof.verify(&key().verifier()).unwrap();
    assert_eq!(checkpoint.size, proof.tree_size);

    let mut other_row = proof.clone();
    if let socred_store::audit::LedgerRow::Record { behaviour, .. } = &mut other_row.section_rows[0] {
        *behaviour = "volunteering".into();
    }
    assert!(other_row.verify(&key().verifier()).unwrap_err().contains("digest"));
    let mut other_entry = proof.clone();
    other_entry.entry.actor = "someone else".into();
    assert!(other_entry.verify(&key().verifier()).unwrap_err().contains("root"));
    let other_key = SigningKey::from_seed("test.example/log", [8; 32]).unwrap();
    assert!(proof.verify(&other_key.verifier()).unwrap_err().contains("checkpoint"));
    let mut other_item = proof.clone();
    other_item.item = ProvenItem::Record { record_id: "tax-9".into() };
    assert!(other_item.verify(&key().verifier()).is_err());
}

#[test]
fn golden_row_digest_of_a_record_entry() {
    // docs/audit-format.md, "Test vectors": a subject and one record, as a
    // second implementation must digest them.
    let mut digest = socred_store::audit::RowDigest::default();
    digest.add(&socred_store::audit::LedgerRow::Record {
        record_id: "tax-1".into(),
        subject: SubjectId::parse(PERSON).unwrap(),
        behaviour: "tax-evasion".into(),
        occurred_on: day("2025-03-01"),
        source: "Municipal Tax Bureau".into(),
        evidence: None,
        recorded_ms: 1_782_777_600_000,
        recorded_on: day("2026-06-30"),
    });
    assert_eq!(digest.finish(), include_str!("vectors/record-digest.txt").trim());
}

#[test]
fn access_requests_reach_the_chain() {
    let (_dir, store) = populated();
    store
        .log_accesses(&[AccessRequest {
            actor: actor(),
            subject: SubjectId::parse(PERSON).unwrap(),
            purpose: "appeal review".into(),
            what: "file".into(),
        }])
        .unwrap();
    assert_eq!(store.audit_verify().unwrap().accesses, 2);
}

fn vectors() -> serde_json::Value {
    serde_json::from_str(include_str!("../../socred-log/tests/vectors/vectors.json")).unwrap()
}

#[test]
fn golden_entry_access_and_check_hashes() {
    let v = vectors();
    let case = &v["entry_leaf"];
    let entry = socred_store::audit::EntryFields {
        seq: case["seq"].as_i64().unwrap(),
        at: case["at"].as_str().unwrap().into(),
        actor: case["actor"].as_str().unwrap().into(),
        action: case["action"].as_str().unwrap().into(),
        subject: None,
        detail: case["detail"].clone(),
        digest: case["digest"].as_str().unwrap().into(),
    };
    assert_eq!(to_hex(&entry.leaf()), case["leaf"].as_str().unwrap());
    let access = socred_store::audit::access_hash(
        socred_store::audit::GENESIS,
        1,
        "2026-06-30T09:00:00+08:00",
        "officer-wang",
        PERSON,
        "appeal review",
        "file",
    );
    assert_eq!(access, v["access_hash"].as_str().unwrap());
    assert_eq!(socred_store::group_hash(socred_store::audit::GENESIS, 1, 1, 1, &[1, 2]), v["check_group_hash"].as_str().unwrap());
}

#[test]
fn an_export_rebuilds_the_same_heads_accounts_and_tokens_and_an_altered_one_is_refused() {
    let (dir, store) = populated();
    let exported = dir.path().join("export");
    let manifest = store.export(&exported, Some((&key(), "2026-06-30T12:00:00Z"))).unwrap();
    let note = std::fs::read_to_string(exported.join("checkpoint.txt")).unwrap();
    let heads = heads_of(&key().verifier().open(&note).unwrap()).unwrap();
    assert_eq!(heads.size, manifest.entries);

    let rebuilt = Store::import_export(&dir.path().join("rebuilt.db"), &exported, None).unwrap();
    let report = rebuilt.audit_verify_against(Some(&heads)).unwrap();
    assert_eq!(report.consistent_with, Some(manifest.entries));
    assert_eq!(report.root, manifest.root);
    assert_eq!((report.accounts, report.tokens, report.accesses, report.checks), (1, 1, 1, 1));
    assert_eq!(rebuilt.ledger_fingerprint().unwrap(), store.ledger_fingerprint().unwrap());
    assert_eq!(rebuilt.account("officer-wang").unwrap(), store.account("officer-wang").unwrap());
    assert_eq!(rebuilt.account_by_token("token-hash-1", 0).unwrap().unwrap().username, "officer-wang");

    // One changed value in the export: refused at its entry, nothing left behind.
    let entries = std::fs::read_to_string(exported.join("entries.ndjson")).unwrap();
    std::fs::write(exported.join("entries.ndjson"), entries.replacen("tax-evasion", "volunteering", 1)).unwrap();
    let target = dir.path().join("altered.db");
    match Store::import_export(&target, &exported, None) {
        Err(StoreError::Invalid { reason, .. }) => assert!(reason.contains("do not make its digest"), "{reason}"),
        other => panic!("an altered export was imported: {:?}", other.map(|_| ())),
    }
    assert!(!target.exists());

    // An entry's rows follow it a line each: an export cut inside an entry is refused, naming it.
    let lines: Vec<&str> = entries.lines().collect();
    let rows_of = |line: &str| serde_json::from_str::<serde_json::Value>(line).unwrap()["rows"].as_u64();
    let cut = lines.iter().position(|line| rows_of(line).is_some_and(|rows| rows > 0)).expect("an entry with rows");
    let seq = serde_json::from_str::<serde_json::Value>(lines[cut]).unwrap()["entry"]["seq"].as_i64().unwrap();
    std::fs::write(exported.join("entries.ndjson"), lines[..cut + 1].join("\n") + "\n").unwrap();
    match Store::import_export(&target, &exported, None) {
        Err(StoreError::Invalid { reason, .. }) => {
            assert!(reason.contains(&format!("ends inside entry {seq}")) && reason.contains("rows are missing"), "{reason}")
        }
        other => panic!("a cut export was imported: {:?}", other.map(|_| ())),
    }
    assert!(!target.exists());

    // A header's row count that lies, either way, is refused: never trusted with an allocation.
    let header = lines[cut];
    let count = rows_of(header).unwrap();
    // Too many: the next entry's line is read as a row and refused; too few: the rows do not make the digest.
    for (lie, expected) in [(u64::MAX, "entries.ndjson line"), (count - 1, "do not make its digest")] {
        let lied = header.replacen(&format!("\"rows\":{count}"), &format!("\"rows\":{lie}"), 1);
        assert_ne!(lied, header);
        let mut altered: Vec<&str> = lines.clone();
        altered[cut] = &lied;
        std::fs::write(exported.join("entries.ndjson"), altered.join("\n") + "\n").unwrap();
        match Store::import_export(&target, &exported, None) {
            Err(StoreError::Invalid { reason, .. }) => assert!(reason.contains(expected), "{lie}: {reason}"),
            other => panic!("an export whose entry claims {lie} rows was imported: {:?}", other.map(|_| ())),
        }
        assert!(!target.exists());
    }
}

#[test]
fn carried_entries_settings_and_hostile_check_counts_are_covered() {
    // The entries carried over at an activation are in its digest.
    let (_dir, mut store) = populated();
    let changed = DEFAULT_RULEBOOK.replacen("version = \"", "version = \"2-", 1);
    store.activate_rulebook(&changed, "v2.toml", &actor()).unwrap();
    store.audit_verify().unwrap();
    sql(&store, "INSERT INTO rulebook_entries (rulebook_seq, subject, entry_id) VALUES (2, 1, 'blacklist:forged')");
    assert!(broken(&store).contains("ledger rows"), "a carried entry added by SQL");

    // A live store switched to replay dating (to back-date acts) is found.
    let (_dir, store) = populated();
    sql(&store, "UPDATE meta SET value = 'clock' WHERE key = 'dating'");
    assert!(broken(&store).contains("dating"));

    // A check group claiming more checks than its bytes can hold is damage, not a panic.
    let (_dir, store) = populated();
    sql(&store, "UPDATE check_groups SET rows = 4611686018427387904");
    assert!(store.audit_verify().is_err());
}

#[test]
fn an_export_whose_access_log_was_rewritten_is_refused_and_leaves_nothing() {
    let (dir, store) = populated();
    let exported = dir.path().join("export");
    store.export(&exported, None).unwrap();
    // Rewrite the only access row and recompute its chain: the count stays, the head does not.
    let rows = std::fs::read_to_string(exported.join("accesses.ndjson")).unwrap();
    let mut row: serde_json::Value = serde_json::from_str(rows.trim()).unwrap();
    row["actor"] = "someone else".into();
    let hash = socred_store::audit::access_hash(
        row["prev"].as_str().unwrap(),
        1,
        row["at"].as_str().unwrap(),
        "someone else",
        row["subject"].as_str().unwrap(),
        row["purpose"].as_str().unwrap(),
        row["what"].as_str().unwrap(),
    );
    row["hash"] = hash.into();
    std::fs::write(exported.join("accesses.ndjson"), format!("{row}\n")).unwrap();
    let target = dir.path().join("rebuilt.db");
    assert!(matches!(Store::import_export(&target, &exported, None), Err(StoreError::AuditBroken(_))));
    assert!(!target.exists(), "a refused store is not left behind");
}
