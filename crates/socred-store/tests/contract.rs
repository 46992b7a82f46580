//! The storage contract, written once against the traits of
//! `socred_store::backend` and run on every backend (`contracts!` below
//! instantiates them on SQLite and PostgreSQL). A backend passes when
//! every write validates and writes in one transaction, refused writes leave
//! the log where it was, every write moves the log by one entry, and the log
//! verifies, proves and exports the same way.

use std::path::Path;

use socred_auth::Role;
use socred_core::date::parse_date;
use socred_core::process::{CaseId, DisputeOutcome, EntryId, Event};
use socred_core::record::{Record, RecordId};
use socred_core::{DEFAULT_RULEBOOK, Date, SubjectId};
use socred_log::SigningKey;
use socred_store::audit::ProvenItem;
use socred_store::backend::{
    AccountStore, CheckStore, DueProcessStore, FileReads, LedgerStore, LogStore, PartnerStore, ProofStore, ReportStore, SignInStore,
};
use socred_store::{
    ActOutcome, Actor, CheckLog, NewAccount, NewReport, NewSubject, PartnerBatch, ReportOutcome, Reviewer, RowOutcome, StoreError,
};

const PERSON: &str = "110101199003074514";
const OTHER: &str = "440524198001010013";
const T0_MS: i64 = 1_767_225_600_000; // 2026-01-01T00:00Z

fn day(text: &str) -> Date {
    parse_date(text).unwrap()
}

fn actor(name: &str) -> Actor {
    Actor::replayed(name, day("2026-01-06")).unwrap()
}

fn key() -> SigningKey {
    SigningKey::from_seed("contract.test/log", [5; 32]).unwrap()
}

fn record(id: &str, subject: &str, on: &str) -> Record {
    Record {
        id: RecordId::parse(id).unwrap(),
        subject: SubjectId::parse(subject).unwrap(),
        behaviour: "tax-evasion".into(),
        occurred_on: day(on),
        source: "Municipal Tax Bureau".into(),
        evidence: None,
    }
}

fn size<B: LogStore>(store: &B) -> u64 {
    store.log_heads().unwrap().size
}

fn populate<B: LedgerStore>(store: &mut B) {
    for (id, name) in [(PERSON, "Li Ming"), (OTHER, "Zhao Lei")] {
        let subject = NewSubject { id: SubjectId::parse(id).unwrap(), name: name.into(), guardians: vec![], represents: vec![] };
        store.add_subject(&subject, &actor("officer")).unwrap();
    }
}

mod clauses {
    use super::*;

    pub fn records_are_idempotent_and_a_conflict_changes_nothing<B: LedgerStore + LogStore>(store: &mut B) {
        populate(store);
        let before = size(store);
        assert_eq!(store.add_record(&record("tax-1", PERSON, "2025-03-01"), &actor("officer")).unwrap(), RowOutcome::Inserted);
        assert_eq!(size(store), before + 1, "one write, one entry");
        assert_eq!(store.add_record(&record("tax-1", PERSON, "2025-03-01"), &actor("officer")).unwrap(), RowOutcome::Duplicate);
        let other_content = record("tax-1", PERSON, "2025-04-01");
        assert!(store.add_record(&other_content, &actor("officer")).is_err());
        assert_eq!(size(store), before + 1, "a retry and a conflict write nothing");
        store.void_record(&RecordId::parse("tax-1").unwrap(), "entered in error", &actor("officer")).unwrap();
        let file = store.file(&SubjectId::parse(PERSON).unwrap()).unwrap();
        assert_eq!((file.records.len(), file.voids.len()), (1, 1));
        store.audit_verify_against(None).unwrap();
    }

    pub fn a_refused_act_leaves_the_log_where_it_was<B: LedgerStore + DueProcessStore + LogStore>(store: &mut B) {
        populate(store);
        store.add_record(&record("tax-1", PERSON, "2025-03-01"), &actor("officer")).unwrap();
        let before = size(store);
        let appeal = Event::AppealFiled {
            appeal: CaseId::parse("a-1").unwrap(),
            entry: EntryId::parse("blacklist:none-1").unwrap(),
            grounds: "no such entry".into(),
        };
        assert!(store.act(None, &actor(PERSON), appeal).is_err());
        assert_eq!(size(store), before);
        store.audit_verify_against(None).unwrap();
    }

    /// A dispute filed, refused to its filer, upheld by a reviewer (voiding
    /// the record), each decided once: every rule of the core's state machine
    /// is judged inside the write.
    pub fn due_process_is_judged_inside_the_write<B: LedgerStore + DueProcessStore + LogStore>(store: &mut B) {
        populate(store);
        store.add_record(&record("tax-1", PERSON, "2025-03-01"), &actor("officer")).unwrap();
        let dispute = CaseId::parse("d-1").unwrap();
        let filed = Event::DisputeFiled { dispute: dispute.clone(), record: RecordId::parse("tax-1").unwrap(), grounds: "not me".into() };
        assert!(matches!(store.act(None, &actor("li"), filed.clone()).unwrap(), ActOutcome::Stored { .. }));
        let after_filing = size(store);
        let waiting = store.queue(day("2026-01-06")).unwrap().disputes;
        assert_eq!((waiting.len(), waiting[0].subject.id.as_str(), waiting[0].subject.name.as_str()), (1, PERSON, "Li Ming"));
        assert!(matches!(store.act(None, &actor("li"), filed).unwrap(), ActOutcome::Duplicate { .. }));
        let uphold =
            |reasons: &str| Event::DisputeDecided { dispute: dispute.clone(), outcome: DisputeOutcome::Uphold, reasons: reasons.into() };
        assert!(store.act(None, &actor("li"), uphold("my own case")).is_err(), "nobody decides their own dispute");
        assert_eq!(size(store), after_filing, "a refused act writes nothing");
        match store.act(None, &actor("reviewer-a"), uphold("the ticket records")).unwrap() {
            ActOutcome::Stored { voided_record, subject, .. } => {
                assert_eq!(voided_record.as_deref(), Some("tax-1"));
                assert_eq!(subject.as_str(), PERSON);
            }
            other => panic!("an upheld dispute: {other:?}"),
        }
        // A case id is the store's: another subject's dispute may not take it
        // (a decision names the case alone, and would land on the first one).
        store.add_record(&record("tax-2", OTHER, "2025-03-01"), &actor("officer")).unwrap();
        let before = size(store);
        let taken = Event::DisputeFiled { dispute: dispute.clone(), record: RecordId::parse("tax-2").unwrap(), grounds: "mine too".into() };
        match store.act(None, &actor("zhao"), taken) {
            Err(StoreError::Refused(refusal)) => assert_eq!(refusal.field, "dispute", "{}", refusal.reason),
            other => panic!("a taken case id: {other:?}"),
        }
        assert_eq!(size(store), before);
        let reject = Event::DisputeDecided { dispute, outcome: DisputeOutcome::Reject, reasons: "on second thoughts".into() };
        assert!(store.act(None, &actor("reviewer-b"), reject).is_err(), "a case is decided once");
        assert_eq!(store.file(&SubjectId::parse(PERSON).unwrap()).unwrap().voids.len(), 1);
        assert!(store.queue(day("2026-01-06")).unwrap().disputes.is_empty(), "a decided dispute leaves the queue");
        assert_eq!(size(store), after_filing + 2, "the decision and the second record");
        store.audit_verify_against(None).unwrap();
    }

    /// The public list follows every write: a record that lists a subject
    /// publishes them, its void takes them off, and a search finds them by
    /// part of a name or the masked id, never by the full number.
    pub fn the_public_list_follows_the_ledger<B: LedgerStore + DueProcessStore + LogStore>(store: &mut B) {
        populate(store);
        let later = day("2027-01-01");
        assert!(store.public_list(later, &socred_store::PublicFilter::default(), 100, 0).unwrap().is_empty());
        let crime = Record { behaviour: "intentional-crime".into(), ..record("crime-1", OTHER, "2025-12-01") };
        store.add_record(&crime, &actor("officer")).unwrap();
        let listed = store.public_list(later, &socred_store::PublicFilter::default(), 100, 0).unwrap();
        assert_eq!(listed.len(), 1, "{listed:?}");
        let entry = &listed[0];
        assert_eq!((entry.list.as_str(), entry.name.as_str(), entry.masked_id.as_str()), ("blacklist", "Zhao Lei", "440524********0013"));
        assert!(entry.entry.starts_with("e-") && !entry.entry.contains(OTHER), "an alias: {}", entry.entry);
        for search in ["zhao", "Zhao Lei", "440524********0013"] {
            assert_eq!(store.public_list(later, &socred_store::PublicFilter::search(search), 100, 0).unwrap(), listed, "{search}");
        }
        assert!(store.public_list(later, &socred_store::PublicFilter::search("Li Ming"), 100, 0).unwrap().is_empty());
        assert!(store.public_list(later, &socred_store::PublicFilter::list("redlist"), 100, 0).unwrap().is_empty());
        assert!(
            store
                .public_list(entry.listed_since - time::Duration::days(1), &socred_store::PublicFilter::default(), 100, 0)
                .unwrap()
                .is_empty(),
            "not yet"
        );
        match store.public_list(later, &socred_store::PublicFilter::search(OTHER), 100, 0) {
            Err(StoreError::Invalid { field, .. }) => assert_eq!(field, "search"),
            other => panic!("a full number searched: {other:?}"),
        }
        store.audit_verify_against(None).unwrap();
        store.void_record(&RecordId::parse("crime-1").unwrap(), "entered in error", &actor("officer")).unwrap();
        assert!(store.public_list(later, &socred_store::PublicFilter::default(), 100, 0).unwrap().is_empty(), "a void takes the entry off");
        store.audit_verify_against(None).unwrap();
        // Filters by authority and region: a person's region is the start of
        // their number, an organisation's the third to eighth characters of its code.
        const COMPANY: &str = "91350100M000100Y43";
        let company =
            NewSubject { id: SubjectId::parse(COMPANY).unwrap(), name: "Golden Trading".into(), guardians: vec![], represents: vec![] };
        store.add_subject(&company, &actor("officer")).unwrap();
        let judgment = Record {
            behaviour: "judgment-default".into(),
            source: "Fuzhou Intermediate People's Court".into(),
            ..record("jd-1", COMPANY, "2025-12-01")
        };
        store.add_record(&judgment, &actor("officer")).unwrap();
        store
            .add_record(&Record { behaviour: "intentional-crime".into(), ..record("crime-2", OTHER, "2025-12-01") }, &actor("officer"))
            .unwrap();
        let everyone = store.public_list(later, &socred_store::PublicFilter::default(), 100, 0).unwrap();
        assert_eq!(everyone.len(), 2, "{everyone:?}");
        fn listed_names<B: DueProcessStore>(store: &mut B, filter: socred_store::PublicFilter) -> Vec<String> {
            store.public_list(day("2027-01-01"), &filter, 100, 0).unwrap().into_iter().map(|entry| entry.name).collect()
        }
        let mut names = |filter| listed_names(store, filter);
        let region = |code: &str| socred_store::PublicFilter { region: Some(code.into()), ..Default::default() };
        assert_eq!(names(region("35")), ["Golden Trading"]);
        assert_eq!(names(region("3501")), ["Golden Trading"]);
        assert_eq!(names(region("44")), ["Zhao Lei"]);
        assert_eq!(names(region("4405")), ["Zhao Lei"]);
        assert!(names(region("11")).is_empty() && names(region("4406")).is_empty());
        let company_authority = everyone.iter().find(|entry| entry.name == "Golden Trading").unwrap().authority.clone();
        let authority = |name: &str| socred_store::PublicFilter { authority: Some(name.into()), ..Default::default() };
        assert_eq!(names(authority(&company_authority)), ["Golden Trading"]);
        assert!(names(authority("Nobody's Court")).is_empty());
        let both =
            socred_store::PublicFilter { region: Some("44".into()), authority: Some(company_authority.clone()), ..Default::default() };
        assert!(names(both).is_empty(), "filters combine");
        for garbage in ["4", "99", "440x", "440524", "4405241", "1101051990", "四四"] {
            match store.public_list(later, &region(garbage), 100, 0) {
                Err(StoreError::Invalid { field, .. }) => assert_eq!(field, "region", "{garbage}"),
                other => panic!("region {garbage:?}: {other:?}"),
            }
        }
        match store.public_list(later, &authority(&"x".repeat(301)), 100, 0) {
            Err(StoreError::Invalid { field, .. }) => assert_eq!(field, "authority"),
            other => panic!("a long authority: {other:?}"),
        }
        assert_eq!(store.published_authorities(later).unwrap().len(), 2, "each authority once");
    }

    /// A record its authority voided while a dispute of it was pending: the
    /// upheld dispute is recorded and voids nothing more.
    pub fn a_dispute_upheld_after_a_void_voids_nothing_more<B: LedgerStore + DueProcessStore + LogStore>(store: &mut B) {
        populate(store);
        store.add_record(&record("tax-1", PERSON, "2025-03-01"), &actor("officer")).unwrap();
        let dispute = CaseId::parse("d-1").unwrap();
        let filed = Event::DisputeFiled { dispute: dispute.clone(), record: RecordId::parse("tax-1").unwrap(), grounds: "not me".into() };
        store.act(None, &actor("li"), filed).unwrap();
        store.void_record(&RecordId::parse("tax-1").unwrap(), "entered in error", &actor("officer")).unwrap();
        let uphold = Event::DisputeDecided { dispute, outcome: DisputeOutcome::Uphold, reasons: "agreed".into() };
        match store.act(None, &actor("reviewer-a"), uphold).unwrap() {
            ActOutcome::Stored { voided_record, .. } => assert_eq!(voided_record, None),
            other => panic!("an upheld dispute: {other:?}"),
        }
        assert_eq!(store.file(&SubjectId::parse(PERSON).unwrap()).unwrap().voids.len(), 1);
        store.audit_verify_against(None).unwrap();
    }

    pub fn accounts_and_tokens_are_sealed<B: LedgerStore + AccountStore + LogStore>(store: &mut B) {
        populate(store);
        let account = NewAccount {
            username: "officer-wang".into(),
            role: Role::Officer,
            password_hash: Some("$argon2id$not-a-real-hash".into()),
            subject: None,
            authority: Some("Municipal Tax Bureau".into()),
            services: vec![],
            behaviours: vec![],
        };
        store.add_account(&account, &actor("admin")).unwrap();
        assert!(matches!(store.add_account(&account, &actor("admin")), Err(StoreError::Conflict(_) | StoreError::ConflictBecause { .. })));
        let officer = store.account("officer-wang").unwrap().unwrap();
        let token = store.issue_token(&officer, "hash-1", "laptop", 30, &actor("officer-wang")).unwrap();
        assert_eq!(store.account_by_token("hash-1", 0).unwrap().unwrap().username, "officer-wang");
        store.revoke_token(token, Some(officer.id), &actor("officer-wang")).unwrap();
        assert!(store.account_by_token("hash-1", 0).unwrap().is_none());
        store.set_password("officer-wang", "$argon2id$another", &actor("admin")).unwrap();
        store.set_disabled("officer-wang", true, &actor("admin")).unwrap();
        assert!(store.account("officer-wang").unwrap().is_none(), "a disabled account signs in no more");
        let report = store.audit_verify_against(None).unwrap();
        assert_eq!((report.accounts, report.tokens), (1, 1));
    }

    /// A sign-in is taken as the account stands when it is recorded: failures
    /// make it wait (a second-factor code passes the wait, once); a disabled
    /// account is refused and gets no session; an enrolment is confirmed only
    /// for the secret its code matched.
    pub fn sign_in_takes_the_account_as_it_stands<B: LedgerStore + AccountStore + SignInStore + LogStore>(store: &mut B) {
        use socred_store::SignIn;
        populate(store);
        let account = NewAccount {
            username: "officer-wang".into(),
            role: Role::Officer,
            password_hash: Some("$argon2id$not-a-real-hash".into()),
            subject: None,
            authority: Some("Municipal Tax Bureau".into()),
            services: vec![],
            behaviours: vec![],
        };
        let id = store.add_account(&account, &actor("admin")).unwrap();
        let attempt =
            |store: &mut B, outcome: SignIn| store.record_sign_in("officer-wang", "192.0.2.1", &outcome, &actor("officer-wang")).unwrap();
        for _ in 0..5 {
            assert!(!attempt(store, SignIn::Failed { reason: "wrong password" }).accepted);
        }
        assert!(store.credentials("officer-wang").unwrap().unwrap().locked_until > 0, "the fifth failure makes it wait");
        assert!(!attempt(store, SignIn::Succeeded { step: None }).accepted, "a password alone does not pass the wait");
        store.begin_second_factor(id, "JBSWY3DPEHPK3PXP", &actor("officer-wang")).unwrap();
        assert!(matches!(
            store.confirm_second_factor(id, "ANOTHERSECRETXXX", 7, &actor("officer-wang")),
            Err(StoreError::Conflict(_) | StoreError::ConflictBecause { .. })
        ));
        store.confirm_second_factor(id, "JBSWY3DPEHPK3PXP", 7, &actor("officer-wang")).unwrap();
        assert!(attempt(store, SignIn::Succeeded { step: Some(8) }).accepted, "a code passes the wait");
        assert!(!attempt(store, SignIn::Succeeded { step: Some(8) }).accepted, "a code works once");
        store.create_session(id, "session-1", "csrf", 1_000, 2_000).unwrap();
        assert_eq!(store.session("session-1", 1_500, 600).unwrap().map(|(account, ..)| account.username), Some("officer-wang".into()));
        store.set_disabled("officer-wang", true, &actor("admin")).unwrap();
        assert!(store.session("session-1", 1_500, 600).unwrap().is_none(), "disabling ends its sessions");
        assert!(!attempt(store, SignIn::Succeeded { step: Some(9) }).accepted, "a disabled account is not signed in");
        assert!(store.create_session(id, "session-2", "csrf", 1_000, 2_000).is_err(), "nor given a session");
        // A choice of language: kept, replaced, refused when it is not one socred speaks (nothing changes).
        assert_eq!(store.account_language(id).unwrap(), None);
        store.set_account_language(id, "zh-CN").unwrap();
        store.set_account_language(id, "en").unwrap();
        for garbage in ["fr", "", "zh", "EN", "zh-CN\u{0}", &"x".repeat(10_000)] {
            assert!(matches!(store.set_account_language(id, garbage), Err(StoreError::Invalid { .. })), "{garbage:?}");
        }
        assert_eq!(store.account_language(id).unwrap().as_deref(), Some("en"));
        assert!(matches!(store.set_account_language(9_999_999, "en"), Err(StoreError::NotFound(_))), "no such account");
        // A display preference is not an act: the log verifies as it was.
        store.audit_verify_against(None).unwrap();
    }

    pub fn a_report_is_reviewed_and_decided_once<B: LedgerStore + ReportStore + LogStore>(store: &mut B) {
        populate(store);
        let new = NewReport {
            id: Some("rep-1".into()),
            reporter: SubjectId::parse(PERSON).unwrap(),
            subject: SubjectId::parse(OTHER).unwrap(),
            behaviour: "rail-disorder".into(),
            occurred_on: day("2026-01-05"),
            description: "took my seat".into(),
            evidence: vec![],
        };
        let filed =
            store.file_report(&new, &Actor::new("li", socred_core::date::Moment { unix_ms: T0_MS, day: day("2026-01-06") }).unwrap());
        let id = filed.unwrap().id;
        let reviewer = |name: &str| Reviewer { actor: actor(name), subject: None };
        store.review_report(&id, &reviewer("reviewer-a")).unwrap();
        assert!(store.review_report(&id, &reviewer("reviewer-b")).is_err(), "taken by another");
        store.decide_report(&id, ReportOutcome::Verified, "seen on camera footage from the operator", &reviewer("reviewer-a")).unwrap();
        let after = size(store);
        store.decide_report(&id, ReportOutcome::Verified, "seen on camera footage from the operator", &reviewer("reviewer-a")).unwrap();
        assert_eq!(size(store), after, "the same decision again writes nothing");
        assert_eq!(store.report(&id).unwrap().unwrap().state, "verified");
        let file = store.file(&SubjectId::parse(OTHER).unwrap()).unwrap();
        assert_eq!(file.records.len(), 1, "a verified report is a record");
        store.audit_verify_against(None).unwrap();
    }

    /// A partner batch commits its records, the records that wait for a
    /// reviewer and its receipt together; a rolled-back one leaves nothing;
    /// a pending record is decided once, and a confirmed one counts.
    pub fn a_partner_batch_commits_with_its_receipt<B: LedgerStore + PartnerStore + LogStore>(store: &mut B) {
        populate(store);
        let loan =
            |id: &str| Record { behaviour: "overdue-consumer-loan".into(), source: "bank".into(), ..record(id, PERSON, "2026-01-02") };
        let receipt = |batch_id: &str| PartnerBatch {
            batch_id: batch_id.into(),
            partner: "bank".into(),
            received_at_ms: T0_MS,
            lines: 2,
            accepted: 1,
            duplicates: 0,
            pending_review: 1,
            rejected: 0,
            stored: true,
            errors: vec![],
            errors_not_listed: 0,
            replayed: false,
        };
        let before = size(store);
        let mut batch = store.begin_partner_batch(&actor("bank"), "partner.batch").unwrap();
        assert_eq!(batch.push_pending(&loan("loan-0"), "bank").unwrap(), RowOutcome::Inserted);
        batch.rollback();
        assert_eq!(size(store), before, "a rolled-back batch writes nothing");
        assert!(store.pending_records(10).unwrap().is_empty());

        let mut batch = store.begin_partner_batch(&actor("bank"), "partner.batch").unwrap();
        assert_eq!(batch.partner_line_refusal(&loan("loan-1"), "bank").unwrap(), None);
        assert_eq!(batch.push_pending(&loan("loan-1"), "bank").unwrap(), RowOutcome::Inserted);
        assert_eq!(batch.push_pending(&loan("loan-1"), "bank").unwrap(), RowOutcome::Duplicate, "the same line again");
        let other = Record { occurred_on: day("2026-01-03"), ..loan("loan-1") };
        assert!(matches!(batch.push_pending(&other, "bank").unwrap(), RowOutcome::Rejected { field: "id", conflict: true, .. }));
        assert_eq!(batch.push_pending(&loan("loan-2"), "bank").unwrap(), RowOutcome::Inserted);
        assert_eq!(batch.push(&[record("tax-1", PERSON, "2025-03-01")]).unwrap(), vec![RowOutcome::Inserted]);
        batch.save_receipt(&receipt("b-1")).unwrap();
        batch.commit(serde_json::json!({"file": "b-1"})).unwrap();
        assert_eq!(size(store), before + 1, "one entry for the batch");
        assert_eq!(store.partner_batch("bank", "b-1").unwrap(), Some(receipt("b-1")));
        assert_eq!(store.partner_batches(Some("bank"), 10).unwrap().len(), 1);
        assert_eq!(store.partner_metrics().unwrap()[0].pending_review, 1);
        let pending = store.pending_records(10).unwrap();
        assert_eq!(pending.iter().map(|p| p.record_id.as_str()).collect::<Vec<_>>(), ["loan-1", "loan-2"]);
        assert_eq!(store.file(&SubjectId::parse(PERSON).unwrap()).unwrap().records.len(), 1, "a pending record does not count");

        assert!(matches!(store.decide_pending("nope", true, "no such record", &actor("reviewer")), Err(StoreError::NotFound(_))));
        assert_eq!(store.decide_pending("loan-1", true, "the bank's statement", &actor("reviewer")).unwrap(), Some(PERSON.to_string()));
        let once = size(store);
        assert_eq!(store.decide_pending("loan-1", true, "again", &actor("reviewer")).unwrap(), None, "decided once");
        assert!(matches!(
            store.decide_pending("loan-1", false, "changed my mind", &actor("reviewer")),
            Err(StoreError::Conflict(_) | StoreError::ConflictBecause { .. })
        ));
        assert_eq!(size(store), once);
        assert_eq!(store.file(&SubjectId::parse(PERSON).unwrap()).unwrap().records.len(), 2, "a confirmed record counts");
        // An id taken by another record while the pending one waited: confirming it would store nothing.
        store.add_record(&record("loan-2", PERSON, "2025-03-02"), &actor("officer")).unwrap();
        let taken = size(store);
        assert!(matches!(
            store.decide_pending("loan-2", true, "the bank's statement", &actor("reviewer")),
            Err(StoreError::Conflict(_) | StoreError::ConflictBecause { .. })
        ));
        assert_eq!(size(store), taken, "a refused confirmation writes nothing");
        store.decide_pending("loan-2", false, "resend it under a new id", &actor("reviewer")).unwrap();
        assert!(store.pending_records(10).unwrap().is_empty());
        let decided = size(store);

        // A batch refused whole keeps its receipt under an entry of its own, once.
        let refused = PartnerBatch { stored: false, accepted: 0, pending_review: 0, rejected: 2, ..receipt("b-2") };
        store.save_partner_batch(&refused, &actor("bank")).unwrap();
        store.save_partner_batch(&refused, &actor("bank")).unwrap();
        assert_eq!(size(store), decided + 1);
        assert_eq!(store.partner_metrics().unwrap()[0].batches_refused, 1);
        store.audit_verify_against(None).unwrap();
    }

    pub fn checks_are_logged_and_chained<B: LedgerStore + CheckStore + LogStore>(store: &mut B) {
        populate(store);
        let check = CheckLog {
            at_ms: T0_MS,
            provider: "rail".into(),
            subject: SubjectId::parse(PERSON).unwrap(),
            subject_key: None,
            service: "rail-ticket".into(),
            as_of: day("2026-01-06"),
            outcome: "allow",
            reasons: vec![],
        };
        store.log_checks(&[check.clone(), check]).unwrap();
        assert_eq!(store.checks_of(&SubjectId::parse(PERSON).unwrap()).unwrap().len(), 2);
        let report = store.audit_verify_against(None).unwrap();
        assert_eq!((report.checks, report.check_groups), (2, 1));
    }

    pub fn the_log_extends_its_checkpoints<B: LedgerStore + LogStore>(store: &mut B) {
        populate(store);
        store.add_record(&record("tax-1", PERSON, "2025-03-01"), &actor("officer")).unwrap();
        let note = store.sign_checkpoint(&key(), "2026-01-06T12:00:00Z").unwrap();
        let earlier = socred_store::audit::checkpoint::heads_of(&key().verifier().open(&note).unwrap()).unwrap();
        store.add_record(&record("tax-2", PERSON, "2025-04-01"), &actor("officer")).unwrap();
        store.void_record(&RecordId::parse("tax-2").unwrap(), "entered in error", &actor("officer")).unwrap();
        assert_eq!(store.audit_verify_against(Some(&earlier)).unwrap().consistent_with, Some(earlier.size));
        assert_eq!(store.log_heads().unwrap().size, earlier.size + 2);
        let newest = store.audit_recent(Some(&SubjectId::parse(PERSON).unwrap()), 1).unwrap();
        assert_eq!(newest[0].action, "record.void");
    }

    pub fn the_log_proves_its_records<B: LedgerStore + LogStore + ProofStore>(store: &mut B) {
        populate(store);
        store.add_record(&record("tax-1", PERSON, "2025-03-01"), &actor("officer")).unwrap();
        let size = store.log_heads().unwrap().size;
        let proof = store.prove(&ProvenItem::Record { record_id: "tax-1".into() }, &key(), "2026-01-06T12:00:00Z").unwrap();
        assert_eq!(proof.verify(&key().verifier()).unwrap().size, size);
    }

    pub fn subjects_and_links_are_registered_once<B: LedgerStore + LogStore>(store: &mut B) {
        populate(store);
        let before = size(store);
        let same = NewSubject { id: SubjectId::parse(PERSON).unwrap(), name: "Li Ming".into(), guardians: vec![], represents: vec![] };
        assert_eq!(
            store.add_subject(&same, &actor("officer")).unwrap(),
            socred_store::SubjectOutcome::AlreadyRegistered { links_added: 0 }
        );
        assert_eq!(size(store), before, "registering again writes nothing");
        let renamed = NewSubject { name: "Li Hong".into(), ..same.clone() };
        assert!(matches!(
            store.add_subject(&renamed, &actor("officer")),
            Err(StoreError::Conflict(_) | StoreError::ConflictBecause { .. })
        ));
        let unknown_guardian = NewSubject { guardians: vec![SubjectId::parse("11010119800101001X").unwrap_or(same.id)], ..same.clone() };
        assert!(store.add_subject(&unknown_guardian, &actor("officer")).is_err());
        let linked = NewSubject { guardians: vec![SubjectId::parse(OTHER).unwrap()], ..same };
        assert_eq!(
            store.add_subject(&linked, &actor("officer")).unwrap(),
            socred_store::SubjectOutcome::AlreadyRegistered { links_added: 1 }
        );
        assert_eq!(size(store), before + 1);
        assert!(matches!(
            store.add_record(&record("tax-9", "310101199203032930", "2025-03-01"), &actor("officer")),
            Err(StoreError::UnknownSubject(_))
        ));
        assert!(store.add_record(&record("tax-9", PERSON, "2099-03-01"), &actor("officer")).is_err(), "not in the future");
        assert_eq!(size(store), before + 1, "refused records write nothing");
        store.audit_verify_against(None).unwrap();
    }

    /// A rebuilt store holds the same log, and goes on as the store did: a
    /// retry of an act stored before the export is a retry there too.
    pub fn an_export_rebuilds_the_same_log<B: LedgerStore + LogStore + DueProcessStore>(store: &mut B, target: &str, dir: &Path) {
        populate(store);
        store.add_record(&record("tax-1", PERSON, "2025-03-01"), &actor("officer")).unwrap();
        let filed = Event::DisputeFiled {
            dispute: CaseId::parse("d-1").unwrap(),
            record: RecordId::parse("tax-1").unwrap(),
            grounds: "not me".into(),
        };
        store.act(None, &actor("li"), filed.clone()).unwrap();
        let manifest = store.export(&dir.join("export"), None).unwrap();
        let mut rebuilt = B::import_export(target, &dir.join("export"), None).unwrap();
        assert_eq!(rebuilt.log_heads().unwrap(), store.log_heads().unwrap());
        assert_eq!(rebuilt.audit_verify_against(None).unwrap().root, manifest.root);
        assert!(matches!(rebuilt.act(None, &actor("li"), filed).unwrap(), ActOutcome::Duplicate { .. }));
        assert_eq!(rebuilt.log_heads().unwrap(), store.log_heads().unwrap(), "a retry writes nothing");
    }
}

/// Instantiates a contract for one backend: `$make` gives a fresh store and
/// what must outlive it (its directory, its database).
macro_rules! contracts {
    ($make:expr; $($contract:ident),+) => {
        $(
            #[test]
            fn $contract() {
                let (_place, mut store) = $make();
                clauses::$contract(&mut store);
            }
        )+
    };
}

mod sqlite_backend {
    use super::*;

    contracts!(sqlite; records_are_idempotent_and_a_conflict_changes_nothing, subjects_and_links_are_registered_once,
        a_refused_act_leaves_the_log_where_it_was, due_process_is_judged_inside_the_write,
        a_dispute_upheld_after_a_void_voids_nothing_more, accounts_and_tokens_are_sealed, a_report_is_reviewed_and_decided_once,
        the_public_list_follows_the_ledger, sign_in_takes_the_account_as_it_stands, a_partner_batch_commits_with_its_receipt,
        checks_are_logged_and_chained, the_log_extends_its_checkpoints, the_log_proves_its_records);

    #[test]
    fn an_export_rebuilds_the_same_log() {
        let (dir, mut store) = sqlite();
        let target = dir.path().join("rebuilt.db");
        clauses::an_export_rebuilds_the_same_log(&mut store, target.to_str().unwrap(), dir.path());
    }
}

/// PostgreSQL, each test on a database of its own: every contract.
mod postgres_backend {
    use super::*;

    contracts!(postgres; records_are_idempotent_and_a_conflict_changes_nothing, subjects_and_links_are_registered_once,
        a_refused_act_leaves_the_log_where_it_was, due_process_is_judged_inside_the_write,
        a_dispute_upheld_after_a_void_voids_nothing_more, accounts_and_tokens_are_sealed, checks_are_logged_and_chained,
        the_log_extends_its_checkpoints, the_public_list_follows_the_ledger, the_log_proves_its_records,
        sign_in_takes_the_account_as_it_stands, a_report_is_reviewed_and_decided_once, a_partner_batch_commits_with_its_receipt);

    #[test]
    fn an_export_rebuilds_the_same_log() {
        let (_database, mut store) = postgres();
        let target = socred_store::postgres::testing::FreshDatabase::create("contract");
        let dir = tempfile::tempdir().unwrap();
        clauses::an_export_rebuilds_the_same_log(&mut store, &target.url, dir.path());
    }
}

/// The same acts on both backends write the same entries: the same rows,
/// digests and leaf hashes. (Registrations differ: a subject's reference is
/// keyed by each store's own secret.)
#[test]
fn due_process_on_both_backends_writes_the_same_entries() {
    let ((_dir, mut sqlite), (_database, mut pg)) = (sqlite(), postgres());
    clauses::due_process_is_judged_inside_the_write(&mut pg);
    clauses::due_process_is_judged_inside_the_write(&mut sqlite);
    let acts = |entries: Vec<socred_store::AuditEntry>| -> Vec<(i64, String, String, String)> {
        entries
            .into_iter()
            .filter(|e| e.action != "subject.register" && e.action != "store.init")
            .map(|e| (e.seq, e.action, e.digest, e.hash))
            .collect()
    };
    let (on_pg, on_sqlite) = (acts(pg.audit_recent(None, 100).unwrap()), acts(sqlite.audit_recent(None, 100).unwrap()));
    assert_eq!(on_pg.len(), 4, "two records, a dispute filed, a dispute decided: {on_pg:?}");
    assert_eq!(on_pg, on_sqlite);
}

/// Both backends publish the same lines for the same ledger (each under
/// aliases keyed by its own secret).
#[test]
fn both_backends_publish_the_same_list() {
    let ((_dir, mut sqlite), (_database, mut pg)) = (sqlite(), postgres());
    let lines = |store: &mut dyn DueProcessStore| {
        let mut lines = store.public_list(day("2027-01-01"), &socred_store::PublicFilter::default(), 100, 0).unwrap();
        // Aliases and subject keys are keyed with each store's own secret.
        lines.iter_mut().for_each(|line| {
            line.entry.clear();
            line.subject_key.clear();
        });
        lines
    };
    fn fill<B: LedgerStore>(store: &mut B) {
        populate(store);
        for (id, subject, behaviour) in [("crime-1", OTHER, "intentional-crime"), ("judgment-1", PERSON, "judgment-default")] {
            store.add_record(&Record { behaviour: behaviour.into(), ..record(id, subject, "2025-12-01") }, &actor("officer")).unwrap();
        }
    }
    fill(&mut sqlite);
    fill(&mut pg);
    let published = lines(&mut sqlite);
    assert!(!published.is_empty());
    assert_eq!(lines(&mut pg), published);
    // The annual report of the same ledger names the same subjects.
    let annual = FileReads::annual_report(&sqlite, 2025, 100, 0).unwrap();
    assert_eq!(annual.0, 2, "both fell short of the expectation in 2025: {annual:?}");
    assert_eq!(FileReads::annual_report(&pg, 2025, 100, 0).unwrap(), annual);
    assert_eq!(FileReads::annual_report(&pg, 2025, 1, 1).unwrap(), (2, annual.1[1..].to_vec()), "a page at a time");
}

fn postgres() -> (socred_store::postgres::testing::FreshDatabase, socred_store::PgStore) {
    let database = socred_store::postgres::testing::FreshDatabase::create("contract");
    let store = socred_store::PgStore::create(
        &database.url,
        DEFAULT_RULEBOOK,
        "default.toml",
        &actor("admin"),
        "contract.test/log",
        socred_store::TimeSettings::replay(),
    )
    .unwrap();
    (database, store)
}

fn sqlite() -> (tempfile::TempDir, socred_store::Store) {
    let dir = tempfile::tempdir().unwrap();
    let store = socred_store::Store::create(
        &dir.path().join("s.db"),
        DEFAULT_RULEBOOK,
        "default.toml",
        &actor("admin"),
        "contract.test/log",
        socred_store::TimeSettings::replay(),
    )
    .unwrap();
    (dir, store)
}
