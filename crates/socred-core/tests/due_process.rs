//! Due process in the core: every transition, every deadline edge, every
//! illegal transition (refused, with the file unchanged), and a property test
//! that any sequence of operations leaves a history consistent with the state.

use proptest::prelude::*;
use socred_core::date::{format_date, parse_date};
use socred_core::lists::{Effect, EntryState, ListEntry, check, evaluate};
use socred_core::process::{AppealOutcome, CaseId, DisputeOutcome, EntryId, Event, ProcessError, RepairOutcome, StoredEvent};
use socred_core::record::{Record, RecordId, Recording, SubjectFile, Void};
use socred_core::status;
use socred_core::{DEFAULT_RULEBOOK, Date, Rulebook, SubjectId};

const COURT: &str = "Intermediate People's Court";
const CLERK: &str = "clerk-zhou";
const SUBJECT: &str = "subject-li";
const REVIEWER: &str = "reviewer-chen";
const REVIEWER_2: &str = "reviewer-wu";

fn day(text: &str) -> Date {
    parse_date(text).unwrap()
}

struct Case {
    rulebook: Rulebook,
    subject: SubjectId,
    file: SubjectFile,
}

impl Case {
    fn new() -> Case {
        Case {
            rulebook: Rulebook::from_toml(DEFAULT_RULEBOOK, "default.toml").unwrap(),
            subject: SubjectId::parse("110101199003074514").unwrap(),
            file: SubjectFile::default(),
        }
    }

    fn record(&mut self, id: &str, behaviour: &str, on: &str) -> RecordId {
        self.record_late(id, behaviour, on, on)
    }

    /// A record the ledger learned of on `recorded_on`, after it happened on `on`.
    fn record_late(&mut self, id: &str, behaviour: &str, on: &str, recorded_on: &str) -> RecordId {
        let id = RecordId::parse(id).unwrap();
        self.file.records.push(Record {
            id: id.clone(),
            subject: self.subject,
            behaviour: behaviour.into(),
            occurred_on: day(on),
            source: COURT.into(),
            evidence: Some("(2024) civil case 17".into()),
        });
        self.file.recorded.insert(id.clone(), Recording { on: day(recorded_on), by: CLERK.into() });
        id
    }

    /// Checks and, if allowed, stores the event with its effect; a refusal must change nothing.
    fn act(&mut self, on: &str, actor: &str, event: Event) -> Result<Effect, ProcessError> {
        let before = self.file.clone();
        let stored = StoredEvent { seq: self.file.events.len() as u64 + 1, on: day(on), actor: actor.into(), event };
        let result = check(&self.rulebook, self.subject, &self.file, &stored);
        match &result {
            Ok(effect) => {
                self.file.events.push(stored.clone());
                if let Effect::VoidRecord { record, reason } = effect {
                    self.file.voids.push(Void { record_id: record.clone(), reason: reason.clone(), recorded_on: stored.on });
                }
            }
            Err(_) => assert_eq!(self.file, before, "check must not change the file"),
        }
        result
    }

    fn ok(&mut self, on: &str, actor: &str, event: Event) -> Effect {
        self.act(on, actor, event).unwrap_or_else(|e| panic!("refused: {e}"))
    }

    fn refused(&mut self, on: &str, actor: &str, event: Event, field: &str, fragment: &str) {
        let error = self.act(on, actor, event).expect_err("should be refused");
        assert_eq!(error.field, field, "{error}");
        assert!(error.reason.contains(fragment), "expected {fragment:?} in {error}");
    }

    fn entry(&self, id: &EntryId, as_of: &str) -> ListEntry {
        evaluate(&self.rulebook, self.subject, &self.file, day(as_of))
            .entries
            .into_iter()
            .find(|e| &e.id == id)
            .unwrap_or_else(|| panic!("no entry {id} on {as_of}"))
    }

    fn state(&self, id: &EntryId, as_of: &str) -> EntryState {
        self.entry(id, as_of).state
    }
}

fn case_id(text: &str) -> CaseId {
    CaseId::parse(text).unwrap()
}

fn appeal(id: &str, entry: &EntryId) -> Event {
    Event::AppealFiled { appeal: case_id(id), entry: entry.clone(), grounds: "the judgment was already paid".into() }
}

fn decide_appeal(id: &str, outcome: AppealOutcome) -> Event {
    Event::AppealDecided { appeal: case_id(id), outcome, reasons: "reviewed the case file".into() }
}

fn repair(id: &str, entry: &EntryId, commitment: bool) -> Event {
    Event::RepairApplied {
        repair: case_id(id),
        entry: entry.clone(),
        evidence: "court receipt: judgment paid in full".into(),
        commitment: commitment.then(|| "I commit to honour future judgments".into()),
    }
}

fn decide_repair(id: &str, outcome: RepairOutcome) -> Event {
    Event::RepairDecided { repair: case_id(id), outcome, reasons: "obligation fulfilled".into() }
}

/// A judgment defaulter recorded on 2025-01-10 (brief, scenario 5).
fn defaulter() -> (Case, EntryId) {
    let mut case = Case::new();
    let record = case.record("judgment-1", "judgment-default", "2025-01-10");
    (case, EntryId::for_record("blacklist", &record))
}

#[test]
fn a_late_record_is_noticed_on_the_day_it_is_recorded() {
    // The judgment dates from 10 January; the ledger learns of it on 1 March.
    let mut case = Case::new();
    let record = case.record_late("judgment-1", "judgment-default", "2025-01-10", "2025-03-01");
    let entry = EntryId::for_record("blacklist", &record);
    let view = evaluate(&case.rulebook, case.subject, &case.file, day("2025-02-01"));
    assert!(view.entries.is_empty(), "no entry before the ledger knew: {:?}", view.entries);
    let served = case.entry(&entry, "2025-03-01");
    assert_eq!(served.state, EntryState::NoticeServed);
    let notice = served.notice.unwrap();
    assert_eq!(notice.served_on, day("2025-03-01"));
    assert_eq!(notice.appeal_deadline, Some(day("2025-03-11")));
    assert!(notice.facts.contains("on 2025-01-10"), "the facts keep the day it happened: {}", notice.facts);
    assert_eq!(case.state(&entry, "2025-03-11"), EntryState::NoticeServed);
    assert_eq!(case.state(&entry, "2025-03-12"), EntryState::Listed);
    // The window is the subject's: an appeal on day 10 after service is heard.
    case.ok("2025-03-11", SUBJECT, appeal("a-1", &entry));
    assert_eq!(case.state(&entry, "2025-03-11"), EntryState::UnderAppeal);
}

#[test]
fn a_tier_entry_is_noticed_when_the_ledger_learns_of_the_fall() {
    let mut case = Case::new();
    // Five tax evasions in January (500 points: tier D), recorded together in March.
    for index in 0..5 {
        case.record_late(&format!("tax-{index}"), "tax-evasion", "2025-01-15", "2025-03-01");
    }
    let view = evaluate(&case.rulebook, case.subject, &case.file, day("2025-03-20"));
    let entry = view.entries.iter().find(|e| e.list == "blacklist").expect("a tier-D entry");
    assert_eq!(entry.notice.as_ref().unwrap().served_on, day("2025-03-01"));
    assert_eq!(entry.listed_since, Some(day("2025-03-12")));
    assert!(entry.facts.contains("on 2025-01-15"), "{}", entry.facts);
    let before = evaluate(&case.rulebook, case.subject, &case.file, day("2025-02-28"));
    assert!(before.entries.is_empty(), "{:?}", before.entries);

    // A fall partly known earlier: four evasions recorded at once (600: C), the fifth later (500: D).
    let mut case = Case::new();
    for index in 0..4 {
        case.record("tax-early-{index}".replace("{index}", &index.to_string()).as_str(), "tax-evasion", "2025-01-15");
    }
    case.record_late("tax-late", "tax-evasion", "2025-01-15", "2025-04-02");
    let view = evaluate(&case.rulebook, case.subject, &case.file, day("2025-04-02"));
    let entry = view.entries.iter().find(|e| e.list == "blacklist").expect("a tier-D entry");
    assert_eq!(entry.started_on, day("2025-04-02"));
}

#[test]
fn a_tier_spell_over_before_the_ledger_knew_lists_nobody() {
    // Three championships in 2019 (1060 points: AAA until they expire in 2022), recorded in 2023.
    let mut case = Case::new();
    for index in 0..3 {
        case.record_late(&format!("cup-{index}"), "sports-championship", "2019-06-01", "2023-01-01");
    }
    let view = evaluate(&case.rulebook, case.subject, &case.file, day("2023-06-01"));
    assert!(view.entries.iter().all(|e| e.list != "redlist"), "{:?}", view.entries);
    // Recorded in time, the same spell is a redlist entry.
    let mut timely = Case::new();
    for index in 0..3 {
        timely.record(&format!("cup-{index}"), "sports-championship", "2019-06-01");
    }
    let view = evaluate(&timely.rulebook, timely.subject, &timely.file, day("2019-06-02"));
    assert!(view.entries.iter().any(|e| e.list == "redlist"));
}

#[test]
fn scenario_5_notice_appeal_window_and_listing() {
    let (case, entry) = defaulter();
    let on_the_day = case.entry(&entry, "2025-01-10");
    assert_eq!(on_the_day.state, EntryState::NoticeServed);
    let notice = on_the_day.notice.as_ref().unwrap();
    assert_eq!(notice.served_on, day("2025-01-10"));
    assert_eq!(notice.appeal_deadline, Some(day("2025-01-20")));
    assert_eq!(notice.listing_if_unappealed, day("2025-01-21"));
    assert!(notice.facts.contains("judgment-1") && notice.legal_basis.contains("Civil Procedure Law"));
    assert_eq!(notice.issued_by, COURT);
    assert!(!on_the_day.in_force(), "no measure during the notice window");
    assert_eq!(case.state(&entry, "2025-01-15"), EntryState::NoticeServed);
    assert_eq!(case.state(&entry, "2025-01-20"), EntryState::NoticeServed);
    let listed = case.entry(&entry, "2025-01-21");
    assert_eq!(listed.state, EntryState::Listed);
    assert!(listed.in_force());
    assert_eq!(listed.listed_since, Some(day("2025-01-21")));
    assert_eq!(listed.listed_until, Some(day("2028-01-21")));
    assert_eq!(listed.history.last().unwrap().actor, "socred");
}

#[test]
fn scenario_5_an_appeal_on_day_10_is_accepted_on_day_11_refused() {
    let (mut case, entry) = defaulter();
    case.ok("2025-01-20", SUBJECT, appeal("a-day-10", &entry));
    assert_eq!(case.state(&entry, "2025-01-25"), EntryState::UnderAppeal, "an appeal suspends the listing");

    let (mut late, entry) = defaulter();
    late.refused("2025-01-21", SUBJECT, appeal("a-day-11", &entry), "entry", "the appeal deadline was 2025-01-20");
    assert_eq!(late.state(&entry, "2025-01-21"), EntryState::Listed);
}

#[test]
fn appeal_upheld_lists_from_the_decision_and_overturned_withdraws() {
    let (mut case, entry) = defaulter();
    case.ok("2025-01-12", SUBJECT, appeal("a1", &entry));
    case.ok("2025-02-03", REVIEWER, decide_appeal("a1", AppealOutcome::Uphold));
    assert_eq!(case.state(&entry, "2025-02-02"), EntryState::UnderAppeal);
    let listed = case.entry(&entry, "2025-02-03");
    assert_eq!(listed.state, EntryState::Listed);
    assert_eq!(listed.listed_since, Some(day("2025-02-03")));

    let (mut case, entry) = defaulter();
    case.ok("2025-01-12", SUBJECT, appeal("a1", &entry));
    case.ok("2025-01-14", REVIEWER, decide_appeal("a1", AppealOutcome::Uphold));
    assert_eq!(case.state(&entry, "2025-01-20"), EntryState::NoticeServed, "dismissed early: listing still waits for the window");
    assert_eq!(case.entry(&entry, "2025-01-21").listed_since, Some(day("2025-01-21")));

    let (mut case, entry) = defaulter();
    case.ok("2025-01-12", SUBJECT, appeal("a1", &entry));
    case.ok("2025-01-30", REVIEWER, decide_appeal("a1", AppealOutcome::Overturn));
    let overturned = case.entry(&entry, "2026-01-01");
    assert_eq!(overturned.state, EntryState::Overturned);
    assert_eq!(overturned.listed_since, None, "never listed, no effects");
}

#[test]
fn second_instance_once_and_only_against_an_upheld_decision() {
    let (mut case, entry) = defaulter();
    case.ok("2025-01-12", SUBJECT, appeal("a1", &entry));
    case.ok("2025-01-25", REVIEWER, decide_appeal("a1", AppealOutcome::Uphold));
    // Deadline for the second instance: decision + 10 days.
    case.refused("2025-02-05", SUBJECT, appeal("a2-late", &entry), "entry", "2025-02-04");
    case.ok("2025-02-04", SUBJECT, appeal("a2", &entry));
    assert_eq!(case.state(&entry, "2025-02-04"), EntryState::Listed, "a second-instance appeal does not suspend the listing");
    case.refused("2025-02-06", REVIEWER, decide_appeal("a2", AppealOutcome::Overturn), "actor", "decided the first instance");
    case.ok("2025-02-20", REVIEWER_2, decide_appeal("a2", AppealOutcome::Overturn));
    let entry_now = case.entry(&entry, "2025-03-01");
    assert_eq!(entry_now.state, EntryState::Overturned);
    assert_eq!(entry_now.listed_since, Some(day("2025-01-25")));
    assert_eq!(entry_now.listed_until, Some(day("2025-02-20")), "publication ends with the overturn");
    case.refused("2025-03-01", SUBJECT, appeal("a3", &entry), "entry", "nothing left to appeal");

    let (mut once, entry) = defaulter();
    once.ok("2025-01-12", SUBJECT, appeal("a1", &entry));
    once.ok("2025-01-25", REVIEWER, decide_appeal("a1", AppealOutcome::Uphold));
    once.ok("2025-01-26", SUBJECT, appeal("a2", &entry));
    once.ok("2025-01-30", REVIEWER_2, decide_appeal("a2", AppealOutcome::Uphold));
    once.refused("2025-01-31", SUBJECT, appeal("a3", &entry), "entry", "only once");
}

#[test]
fn nobody_decides_their_own_case() {
    let (mut case, entry) = defaulter();
    case.ok("2025-01-12", SUBJECT, appeal("a1", &entry));
    case.refused("2025-01-13", SUBJECT, decide_appeal("a1", AppealOutcome::Overturn), "actor", "filed appeal");
    case.refused("2025-01-13", CLERK, decide_appeal("a1", AppealOutcome::Uphold), "actor", "raised entry");
    case.refused("2025-01-13", REVIEWER, decide_appeal("nope", AppealOutcome::Uphold), "appeal", "does not exist");
    case.ok("2025-01-13", REVIEWER, decide_appeal("a1", AppealOutcome::Uphold));
    case.refused("2025-01-14", REVIEWER_2, decide_appeal("a1", AppealOutcome::Uphold), "appeal", "not pending");

    // A reviewer's own proposal.
    let mut proposed = Case::new();
    let entry = EntryId::parse("blacklist/p-1").unwrap();
    proposed.ok(
        "2025-03-01",
        REVIEWER,
        Event::ListProposed {
            entry: entry.clone(),
            list: "blacklist".into(),
            legal_basis: "Regulation on X, art. 5".into(),
            facts: "false statements in a procurement bid".into(),
        },
    );
    proposed.ok("2025-03-02", CLERK, Event::NoticeServed { entry: entry.clone() });
    proposed.ok("2025-03-05", SUBJECT, appeal("a1", &entry));
    proposed.refused("2025-03-06", REVIEWER, decide_appeal("a1", AppealOutcome::Uphold), "actor", "raised entry");

    // Repair applicant and dispute filer / recorder.
    let (mut case, entry) = defaulter();
    case.ok("2026-02-01", SUBJECT, repair("r1", &entry, true));
    case.refused("2026-02-02", SUBJECT, decide_repair("r1", RepairOutcome::Approve), "actor", "applied for repair");
    let mut disputed = Case::new();
    let record = disputed.record("tax-1", "tax-evasion", "2025-03-01");
    disputed.ok("2025-04-01", SUBJECT, Event::DisputeFiled { dispute: case_id("d1"), record, grounds: "wrong taxpayer".into() });
    let decide = |outcome| Event::DisputeDecided { dispute: case_id("d1"), outcome, reasons: "checked".into() };
    disputed.refused("2025-04-02", SUBJECT, decide(DisputeOutcome::Uphold), "actor", "filed dispute");
    disputed.refused("2025-04-02", CLERK, decide(DisputeOutcome::Reject), "actor", "made record");
}

#[test]
fn manual_proposals_need_a_notice_and_can_be_withdrawn_before_listing() {
    let mut case = Case::new();
    let entry = EntryId::parse("blacklist/p-1").unwrap();
    let propose = |entry: &EntryId, list: &str| Event::ListProposed {
        entry: entry.clone(),
        list: list.into(),
        legal_basis: "Regulation on X, art. 5".into(),
        facts: "false statements in a procurement bid".into(),
    };
    case.refused("2025-03-01", REVIEWER, propose(&EntryId::parse("nolist/p-1").unwrap(), "nolist"), "list", "not a list");
    case.refused("2025-03-01", REVIEWER, propose(&EntryId::parse("redlist/p-1").unwrap(), "blacklist"), "entry", "blacklist/CASE");
    case.ok("2025-03-01", REVIEWER, propose(&entry, "blacklist"));
    case.refused("2025-03-01", REVIEWER, propose(&entry, "blacklist"), "entry", "already exists");
    assert_eq!(case.state(&entry, "2026-01-01"), EntryState::Proposed, "no notice, no listing, ever");
    case.refused("2025-03-02", SUBJECT, appeal("a1", &entry), "entry", "no notice served");
    case.refused("2025-02-28", CLERK, Event::NoticeServed { entry: entry.clone() }, "on", "before the last step");
    case.ok("2025-03-02", CLERK, Event::NoticeServed { entry: entry.clone() });
    case.refused("2025-03-03", CLERK, Event::NoticeServed { entry: entry.clone() }, "entry", "already served");
    case.ok("2025-03-05", REVIEWER, Event::ListWithdrawn { entry: entry.clone(), reason: "facts not established".into() });
    assert_eq!(case.state(&entry, "2025-06-01"), EntryState::Withdrawn);
    case.refused("2025-03-06", SUBJECT, appeal("a1", &entry), "entry", "withdrawn");

    // A listed entry cannot be withdrawn.
    let (mut listed, entry) = defaulter();
    listed.refused(
        "2025-02-01",
        REVIEWER,
        Event::ListWithdrawn { entry, reason: "changed our mind".into() },
        "entry",
        "only an entry not yet listed",
    );
}

#[test]
fn scenario_6_repair_after_the_minimum_publication() {
    let (mut case, entry) = defaulter();
    case.refused("2025-06-01", SUBJECT, repair("r-early", &entry, true), "entry", "from 2026-01-21");
    case.refused("2026-01-20", SUBJECT, repair("r-day-before", &entry, true), "entry", "from 2026-01-21");
    case.refused("2026-02-01", SUBJECT, repair("r-no-letter", &entry, false), "commitment", "commitment letter");
    case.ok("2026-01-21", SUBJECT, repair("r1", &entry, true));
    case.refused("2026-01-22", SUBJECT, repair("r2", &entry, true), "entry", "still pending");
    case.ok("2026-01-25", REVIEWER, decide_repair("r1", RepairOutcome::Refuse));
    assert_eq!(case.state(&entry, "2026-01-26"), EntryState::Listed);
    case.ok("2026-02-01", SUBJECT, repair("r2", &entry, true));
    case.ok("2026-02-01", REVIEWER, decide_repair("r2", RepairOutcome::Approve));
    let repaired = case.entry(&entry, "2026-02-01");
    assert_eq!(repaired.state, EntryState::Repaired);
    assert!(!repaired.in_force());
    assert_eq!(repaired.listed_until, Some(day("2026-02-01")));
    assert_eq!(case.state(&entry, "2026-01-31"), EntryState::Listed, "the past is unchanged");
    case.refused("2026-03-01", SUBJECT, repair("r3", &entry, true), "entry", "repaired");
}

#[test]
fn listing_expires_on_the_last_day_of_its_period() {
    let (case, entry) = defaulter();
    assert_eq!(case.state(&entry, "2028-01-20"), EntryState::Listed);
    let expired = case.entry(&entry, "2028-01-21");
    assert_eq!(expired.state, EntryState::Expired);
    assert_eq!(expired.listed_until, Some(day("2028-01-21")));
}

#[test]
fn an_upheld_dispute_voids_the_record_and_its_entry() {
    let (mut case, entry) = defaulter();
    let record = RecordId::parse("judgment-1").unwrap();
    let dispute =
        |id: &str| Event::DisputeFiled { dispute: case_id(id), record: record.clone(), grounds: "the judgment was overturned".into() };
    case.ok("2025-02-01", SUBJECT, dispute("d1"));
    case.refused("2025-02-02", SUBJECT, dispute("d2"), "record", "already disputed");
    case.refused("2025-02-02", SUBJECT, dispute("d1"), "dispute", "already used");
    let view = evaluate(&case.rulebook, case.subject, &case.file, day("2025-03-15"));
    assert!(view.disputes[0].overdue, "30 days passed without a decision");
    assert_eq!(view.disputes[0].decide_by, day("2025-03-03"));
    assert!(!evaluate(&case.rulebook, case.subject, &case.file, day("2025-03-03")).disputes[0].overdue);
    let effect = case.ok(
        "2025-03-20",
        REVIEWER,
        Event::DisputeDecided {
            dispute: case_id("d1"),
            outcome: DisputeOutcome::Uphold,
            reasons: "the appellate court set the judgment aside".into(),
        },
    );
    assert!(matches!(effect, Effect::VoidRecord { ref record, .. } if record.as_str() == "judgment-1"));
    let voided = case.entry(&entry, "2025-03-20");
    assert_eq!(voided.state, EntryState::Void);
    assert_eq!(voided.listed_since, None, "as if it never existed, even for past dates");
    assert_eq!(case.state(&entry, "2025-02-01"), EntryState::Void);
    let view = evaluate(&case.rulebook, case.subject, &case.file, day("2025-04-01"));
    assert!(!view.disputes[0].overdue && view.disputes[0].decision.is_some());
    case.refused("2025-04-01", SUBJECT, dispute("d3"), "record", "already void");
    case.refused("2025-04-01", SUBJECT, appeal("a1", &entry), "entry", "void");
    case.refused(
        "2025-04-02",
        REVIEWER_2,
        Event::DisputeDecided { dispute: case_id("d1"), outcome: DisputeOutcome::Reject, reasons: "x".into() },
        "dispute",
        "already decided",
    );
    case.refused(
        "2025-04-02",
        SUBJECT,
        Event::DisputeFiled { dispute: case_id("d9"), record: RecordId::parse("nope").unwrap(), grounds: "x".into() },
        "record",
        "not in the file",
    );
}

#[test]
fn tier_d_and_aaa_trigger_their_lists() {
    let mut case = Case::new();
    case.record("crime-1", "intentional-crime", "2020-01-01");
    let entries = evaluate(&case.rulebook, case.subject, &case.file, day("2020-02-01")).entries;
    let black = entries.iter().find(|e| e.list == "blacklist").unwrap();
    // The subject appears by its opaque reference, never its identity number.
    let reference = socred_core::process::SubjectReference::keyed(b"", &case.subject);
    assert_eq!(black.id.as_str(), format!("blacklist@{reference}@D@2020-01-01"));
    assert!(!black.id.as_str().contains(case.subject.as_str()));
    let mut keyed = case.file.clone();
    keyed.reference = Some(socred_core::process::SubjectReference::keyed(b"a store's secret", &case.subject));
    let black_keyed = evaluate(&case.rulebook, case.subject, &keyed, day("2020-02-01")).entries;
    let black_keyed = black_keyed.iter().find(|e| e.list == "blacklist").unwrap();
    assert_ne!(black_keyed.id, black.id, "the store's reference is used");
    assert!(black_keyed.id.as_str().contains(keyed.reference.as_ref().unwrap().as_str()));
    assert_eq!(black.state, EntryState::Listed);

    let mut award = Case::new();
    for (index, on) in ["2025-01-01", "2025-02-01", "2025-03-01"].iter().enumerate() {
        award.record(&format!("s{index}"), "sports-championship", on);
    }
    let red = |case: &Case, on: &str| {
        evaluate(&case.rulebook, case.subject, &case.file, day(on))
            .entries
            .into_iter()
            .find(|e| e.id.as_str().starts_with("redlist@"))
            .unwrap()
    };
    assert_eq!(red(&award, "2025-03-01").state, EntryState::Listed, "no appeal window: listed on the notice day");
    award.record("sp1", "speeding-serious", "2025-06-01");
    let left = red(&award, "2025-06-02");
    assert_eq!(left.state, EntryState::Ended);
    assert_eq!(left.listed_until, Some(day("2025-06-01")));
}

#[test]
fn texts_are_checked() {
    let (mut case, entry) = defaulter();
    case.refused(
        "2025-01-12",
        SUBJECT,
        Event::AppealFiled { appeal: case_id("a1"), entry: entry.clone(), grounds: "".into() },
        "grounds",
        "empty",
    );
    case.refused(
        "2025-01-12",
        SUBJECT,
        Event::AppealFiled { appeal: case_id("a1"), entry, grounds: "x".repeat(4001) },
        "grounds",
        "at most 4000",
    );
}

#[derive(Debug, Clone)]
enum Step {
    Appeal(u8, i64),
    Decide(u8, bool, u8, i64),
    Repair(u8, bool, i64),
    DecideRepair(u8, bool, u8, i64),
    Withdraw(i64),
    Dispute(i64),
    DecideDispute(bool, u8, i64),
}

fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        (0u8..4, 0i64..40).prop_map(|(n, d)| Step::Appeal(n, d)),
        (0u8..4, any::<bool>(), 0u8..3, 0i64..40).prop_map(|(n, o, r, d)| Step::Decide(n, o, r, d)),
        (0u8..3, any::<bool>(), 0i64..900).prop_map(|(n, c, d)| Step::Repair(n, c, d)),
        (0u8..3, any::<bool>(), 0u8..3, 0i64..900).prop_map(|(n, o, r, d)| Step::DecideRepair(n, o, r, d)),
        (0i64..40).prop_map(Step::Withdraw),
        (0i64..60).prop_map(Step::Dispute),
        (any::<bool>(), 0u8..3, 0i64..60).prop_map(|(o, r, d)| Step::DecideDispute(o, r, d)),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    /// Whatever is attempted, in whatever order: refused steps change nothing,
    /// the history is in date order, its last state is the current state, every
    /// accepted step appears in the history, and publication is consistent.
    #[test]
    fn history_is_consistent_with_state(steps in proptest::collection::vec(step(), 0..25)) {
        let (mut case, entry) = defaulter();
        let reviewers = [REVIEWER, REVIEWER_2, "reviewer-sun"];
        let mut date = day("2025-01-10");
        let mut accepted = 0usize;
        for step in steps {
            let (days, actor, event) = match step {
                Step::Appeal(n, d) => (d, SUBJECT, appeal(&format!("a{n}"), &entry)),
                Step::Decide(n, o, r, d) => (d, reviewers[r as usize], decide_appeal(&format!("a{n}"), if o { AppealOutcome::Uphold } else { AppealOutcome::Overturn })),
                Step::Repair(n, c, d) => (d, SUBJECT, repair(&format!("r{n}"), &entry, c)),
                Step::DecideRepair(n, o, r, d) => (d, reviewers[r as usize], decide_repair(&format!("r{n}"), if o { RepairOutcome::Approve } else { RepairOutcome::Refuse })),
                Step::Withdraw(d) => (d, REVIEWER, Event::ListWithdrawn { entry: entry.clone(), reason: "withdrawn".into() }),
                Step::Dispute(d) => (d, SUBJECT, Event::DisputeFiled { dispute: case_id(&format!("d{d}")), record: RecordId::parse("judgment-1").unwrap(), grounds: "wrong".into() }),
                Step::DecideDispute(o, r, d) => {
                    let open = evaluate(&case.rulebook, case.subject, &case.file, Date::MAX).disputes.into_iter().find(|x| x.decision.is_none());
                    let id = open.map_or_else(|| case_id("d-none"), |x| x.id);
                    (d, reviewers[r as usize], Event::DisputeDecided { dispute: id, outcome: if o { DisputeOutcome::Uphold } else { DisputeOutcome::Reject }, reasons: "r".into() })
                }
            };
            date += time::Duration::days(days);
            let on = socred_core::date::format_date(date);
            if case.act(&on, actor, event).is_ok() {
                accepted += 1;
            }
        }
        let as_of = date + time::Duration::days(2000);
        let entry_now = case.entry(&entry, &socred_core::date::format_date(as_of));
        let history = &entry_now.history;
        prop_assert!(history.windows(2).all(|w| w[0].on <= w[1].on), "history out of order: {history:?}");
        prop_assert_eq!(history.last().unwrap().state, entry_now.state);
        prop_assert!(history.iter().all(|t| t.action != "not-applied"), "a stored event no longer applies: {history:?}");
        let human_steps = history.iter().filter(|t| t.actor != "socred" && t.action != "proposed" && t.action != "notice-served").count();
        let entry_events = case.file.events.iter().filter(|e| !matches!(e.event, Event::DisputeFiled { .. } | Event::DisputeDecided { .. })).count();
        if entry_now.state != EntryState::Void {
            prop_assert_eq!(human_steps, entry_events, "every accepted step on the entry is in its history");
        }
        prop_assert_eq!(case.file.events.len(), accepted);
        match (entry_now.listed_since, entry_now.listed_until) {
            (Some(since), Some(until)) => prop_assert!(since <= until),
            (None, until) => prop_assert_eq!(until, None),
            (Some(_), None) => prop_assert!(false, "a listed entry always has an end"),
        }
        prop_assert_eq!(entry_now.state == EntryState::Void, !case.file.voids.is_empty());
        // Evaluating on any earlier date gives a prefix of this history.
        let earlier = case.entry(&entry, "2025-06-01");
        if entry_now.state != EntryState::Void {
            prop_assert!(earlier.history.len() <= history.len());
        }
    }
}

impl Case {
    /// Whether the store would accept `event` on `on` (nothing is stored).
    fn accepts(&self, on: Date, actor: &str, event: Event) -> bool {
        let stored = StoredEvent { seq: self.file.events.len() as u64 + 1, on, actor: actor.into(), event };
        check(&self.rulebook, self.subject, &self.file, &stored).is_ok()
    }

    /// On every day of `from..=to`, the portal's status offers an appeal, and
    /// credit repair, exactly when the store would accept one.
    fn offers_what_it_accepts(&self, entry: &EntryId, from: &str, to: &str) {
        let mut today = day(from);
        while today <= day(to) {
            let view = evaluate(&self.rulebook, self.subject, &self.file, today);
            let current = view.entries.iter().find(|e| &e.id == entry).expect("the entry");
            let offered = status::appeal_window(current, &self.rulebook, today).is_some();
            let accepted = self.accepts(today, SUBJECT, appeal("a-probe", entry));
            assert_eq!(offered, accepted, "appeal on {}: offered {offered}, accepted {accepted}", format_date(today));
            let offered = status::repair_window(current, today) == Some(status::RepairWindow::Open);
            let accepted = self.accepts(today, SUBJECT, repair("r-probe", entry, true));
            assert_eq!(offered, accepted, "repair on {}: offered {offered}, accepted {accepted}", format_date(today));
            today = socred_core::date::add_days(today, 1);
        }
    }
}

#[test]
fn the_status_offers_an_appeal_or_repair_exactly_when_the_store_accepts_it() {
    // The first instance's window, then a pending appeal, then the second instance's window.
    let (mut case, entry) = defaulter();
    case.offers_what_it_accepts(&entry, "2025-01-10", "2025-01-22");
    case.ok("2025-01-12", SUBJECT, appeal("a1", &entry));
    case.offers_what_it_accepts(&entry, "2025-01-12", "2025-01-24");
    case.ok("2025-01-25", REVIEWER, decide_appeal("a1", AppealOutcome::Uphold));
    case.offers_what_it_accepts(&entry, "2025-01-25", "2025-02-06");
    let view = evaluate(&case.rulebook, case.subject, &case.file, day("2025-01-26"));
    let deadlines = status::deadlines(&view, &case.rulebook, day("2025-01-26"));
    assert!(
        deadlines.contains(&status::Deadline::AppealUntil { entry: entry.clone(), until: day("2025-02-04"), instance: 2 }),
        "{deadlines:?}"
    );
    // Repair: not before the minimum publication, then open, then pending with its decision day.
    let (mut case, entry) = defaulter();
    case.offers_what_it_accepts(&entry, "2026-01-18", "2026-01-23");
    let view = evaluate(&case.rulebook, case.subject, &case.file, day("2025-06-01"));
    let deadlines = status::deadlines(&view, &case.rulebook, day("2025-06-01"));
    assert_eq!(deadlines, [status::Deadline::RepairFrom { entry: entry.clone(), from: day("2026-01-21") }]);
    case.ok("2026-01-21", SUBJECT, repair("r1", &entry, true));
    case.offers_what_it_accepts(&entry, "2026-01-21", "2026-01-24");
    let view = evaluate(&case.rulebook, case.subject, &case.file, day("2026-01-22"));
    let deadlines = status::deadlines(&view, &case.rulebook, day("2026-01-22"));
    assert!(matches!(deadlines.as_slice(), [status::Deadline::RepairDecision { .. }]), "{deadlines:?}");
}

#[test]
fn an_entry_voided_under_a_pending_appeal_leaves_no_deadline_behind() {
    let (mut case, entry) = defaulter();
    case.ok("2025-01-12", SUBJECT, appeal("a1", &entry));
    let record = RecordId::parse("judgment-1").unwrap();
    case.ok("2025-01-13", SUBJECT, Event::DisputeFiled { dispute: case_id("d1"), record, grounds: "not mine".into() });
    let pending = evaluate(&case.rulebook, case.subject, &case.file, day("2025-01-14"));
    assert_eq!(status::deadlines(&pending, &case.rulebook, day("2025-01-14")).len(), 2, "the appeal's and the dispute's");
    case.ok(
        "2025-01-20",
        REVIEWER,
        Event::DisputeDecided { dispute: case_id("d1"), outcome: DisputeOutcome::Uphold, reasons: "wrong person".into() },
    );
    // The case file was fixed: the voided record leaves a void entry, and nothing left for a reviewer to decide.
    let view = evaluate(&case.rulebook, case.subject, &case.file, day("2025-01-21"));
    assert_eq!(case.state(&entry, "2025-01-21"), EntryState::Void);
    assert_eq!(status::deadlines(&view, &case.rulebook, day("2025-01-21")), []);
}
