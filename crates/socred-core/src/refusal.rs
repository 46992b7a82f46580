//! Why the due-process machinery, or the rules of public reports, refused an act, typed. The ledger and the
//! API state the reason in English ([`Refusal`]'s `Display`); a reader's
//! language says it again from the parts (`socred-i18n`'s `refusals.ftl`,
//! whose English reads exactly as the `Display` does: a test compares).

use std::fmt;

use crate::date::{Date, format_date};
use crate::id::SubjectKind;
use crate::lists::EntryState;

/// A due-process act the rules refuse, with what the reason names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    EntryVoid {
        entry: String,
    },
    EntryExists {
        entry: String,
    },
    NoticeAlreadyServed {
        entry: String,
        state: EntryState,
        served_on: Option<Date>,
    },
    NotWithdrawable {
        entry: String,
        state: EntryState,
    },
    NothingToAppeal {
        entry: String,
        state: EntryState,
    },
    NoNoticeYet {
        entry: String,
    },
    AppealPending {
        appeal: String,
    },
    NoAppealWindow {
        list: String,
    },
    AppealDeadlinePassed {
        deadline: Date,
        days: u32,
        served_on: Date,
        today: Date,
    },
    AppealsFinal {
        list: String,
    },
    SecondAppealUsed,
    SecondAppealDeadlinePassed {
        decided_on: Date,
        deadline: Date,
    },
    AppealNotPending {
        appeal: String,
        entry: String,
    },
    OwnAppeal {
        actor: String,
        appeal: String,
    },
    RaisedEntry {
        actor: String,
        entry: String,
    },
    DecidedFirstInstance {
        actor: String,
    },
    RepairNotRestrictive {
        list: String,
    },
    RepairNotListed {
        entry: String,
        state: EntryState,
    },
    NoRepairDate {
        entry: String,
    },
    RepairTooEarly {
        from: Date,
        years: u32,
        listed_since: Date,
    },
    RepairPending {
        repair: String,
    },
    CommitmentRequired {
        list: String,
    },
    RepairNotPending {
        repair: String,
        entry: String,
    },
    OwnRepair {
        actor: String,
        repair: String,
    },
    NothingToRepair {
        entry: String,
        state: EntryState,
    },
    DisputesConcernRecords,
    ConsentsConcernScore,
    OutOfOrder {
        on: Date,
        case: String,
        last: Date,
    },
    ConsentIdUsed {
        consent: String,
    },
    ConsentAlreadyGiven {
        partner: String,
    },
    NoConsentInForce {
        partner: String,
    },
    DisputeIdUsed {
        dispute: String,
    },
    RecordNotInFile {
        record: String,
        subject: String,
    },
    RecordAlreadyVoid {
        record: String,
    },
    BeforeRecord {
        on: Date,
        occurred_on: Date,
    },
    RecordDisputed {
        record: String,
        dispute: String,
    },
    DisputeMissing {
        dispute: String,
    },
    DisputeAlreadyDecided {
        dispute: String,
    },
    BeforeDispute {
        on: Date,
        filed_on: Date,
    },
    OwnDispute {
        actor: String,
        dispute: String,
    },
    OwnRecord {
        actor: String,
        record: String,
    },
    NotAList {
        list: String,
        rulebook: String,
        version: String,
    },
    TriggersOnly {
        list: String,
    },
    ListNotForKind {
        list: String,
        kind: SubjectKind,
    },
    ProposalIdForm {
        list: String,
    },
    CaseMissing {
        case: String,
    },
    CaseIdUsed {
        case: String,
    },
    CaseTaken {
        case: String,
    },
    EntryMissing {
        entry: String,
        subject: String,
        on: Date,
    },
    /// The person an account names is the subject of the file.
    ConflictOwnFile,
    /// The person an account names is the subject's guardian, ward or legal representative.
    ConflictLinked,
    /// The person an account names is conflicted (the backend says no more).
    ConflictOfInterest,
    /// A public report's behaviour is not in the rulebook.
    NotInRulebook {
        behaviour: String,
    },
    /// A public report's behaviour is not one the public may report.
    NotReportable {
        behaviour: String,
        reportable: String,
    },
    ReportYourself,
    EvidenceTooLarge {
        bytes: u64,
        allowed: u64,
    },
    EvidenceUnrecognised {
        allowed: String,
    },
    EvidenceTypeNotAllowed {
        media_type: String,
        allowed: String,
    },
    EvidenceTooMany {
        allowed: u64,
        got: u64,
    },
    EvidenceTwice {
        hash: String,
    },
    EvidenceNotStored {
        hash: String,
    },
}

impl fmt::Display for Refusal {
    fn fmt(&self, out: &mut fmt::Formatter<'_>) -> fmt::Result {
        let day = |date: &Date| format_date(*date);
        match self {
            Refusal::EntryVoid { entry } => write!(out, "entry {entry} is void: its triggering record was voided"),
            Refusal::EntryExists { entry } => write!(out, "entry {entry} already exists"),
            Refusal::NoticeAlreadyServed { entry, state, served_on } => {
                write!(out, "entry {entry} is {}; notice was already served", state.as_str())?;
                match served_on {
                    Some(served_on) => write!(out, " on {}", day(served_on)),
                    None => Ok(()),
                }
            }
            Refusal::NotWithdrawable { entry, state } => write!(
                out,
                "entry {entry} is {}; only an entry not yet listed can be withdrawn (a listed entry ends by expiry, credit repair or appeal)",
                state.as_str()
            ),
            Refusal::NothingToAppeal { entry, state } => {
                write!(out, "entry {entry} is {}; there is nothing left to appeal", state.as_str())
            }
            Refusal::NoNoticeYet { entry } => {
                write!(out, "entry {entry} has no notice served yet; the appeal window opens with the notice")
            }
            Refusal::AppealPending { appeal } => write!(out, "appeal {appeal} on this entry is still pending"),
            Refusal::NoAppealWindow { list } => write!(out, "list {list} has no appeal window"),
            Refusal::AppealDeadlinePassed { deadline, days, served_on, today } => write!(
                out,
                "the appeal deadline was {} ({days} days after the notice served on {}); today is {}",
                day(deadline),
                day(served_on),
                day(today)
            ),
            Refusal::AppealsFinal { list } => write!(out, "decisions on appeals to {list} are final"),
            Refusal::SecondAppealUsed => write!(out, "an appeal decision can be appealed only once"),
            Refusal::SecondAppealDeadlinePassed { decided_on, deadline } => {
                write!(out, "the deadline to appeal the decision of {} was {}", day(decided_on), day(deadline))
            }
            Refusal::AppealNotPending { appeal, entry } => write!(out, "appeal {appeal} is not pending on entry {entry}"),
            Refusal::OwnAppeal { actor, appeal } => write!(out, "{actor} filed appeal {appeal} and cannot decide it"),
            Refusal::RaisedEntry { actor, entry } => write!(out, "{actor} raised entry {entry} and cannot decide an appeal against it"),
            Refusal::DecidedFirstInstance { actor } => write!(out, "{actor} decided the first instance and cannot decide the second"),
            Refusal::RepairNotRestrictive { list } => write!(out, "credit repair applies to restrictive lists; {list} is not one"),
            Refusal::RepairNotListed { entry, state } => {
                write!(out, "entry {entry} is {}; credit repair applies to listed entries", state.as_str())
            }
            Refusal::NoRepairDate { entry } => write!(out, "entry {entry} has no date from which repair may be applied for"),
            Refusal::RepairTooEarly { from, years, listed_since } => write!(
                out,
                "credit repair can be applied for from {}, after the minimum publication of {years} year(s) from {}",
                day(from),
                day(listed_since)
            ),
            Refusal::RepairPending { repair } => write!(out, "repair application {repair} is still pending"),
            Refusal::CommitmentRequired { list } => write!(out, "list {list} requires a commitment letter for credit repair"),
            Refusal::RepairNotPending { repair, entry } => write!(out, "repair application {repair} is not pending on entry {entry}"),
            Refusal::OwnRepair { actor, repair } => write!(out, "{actor} applied for repair {repair} and cannot decide it"),
            Refusal::NothingToRepair { entry, state } => write!(out, "entry {entry} is {}; nothing to repair", state.as_str()),
            Refusal::DisputesConcernRecords => write!(out, "disputes concern records, not list entries"),
            Refusal::ConsentsConcernScore => write!(out, "consents concern the commercial score, not list entries"),
            Refusal::OutOfOrder { on, case, last } => {
                write!(out, "{} is before the last step of {case} ({}); steps are recorded in order", day(on), day(last))
            }
            Refusal::ConsentIdUsed { consent } => write!(out, "consent id {consent} is already used"),
            Refusal::ConsentAlreadyGiven { partner } => write!(out, "consent to {partner} is already given"),
            Refusal::NoConsentInForce { partner } => write!(out, "no consent to {partner} is in force"),
            Refusal::DisputeIdUsed { dispute } => write!(out, "dispute id {dispute} is already used"),
            Refusal::RecordNotInFile { record, subject } => write!(out, "record {record} is not in the file of {subject}"),
            Refusal::RecordAlreadyVoid { record } => write!(out, "record {record} is already void"),
            Refusal::BeforeRecord { on, occurred_on } => write!(out, "{} is before the record's date {}", day(on), day(occurred_on)),
            Refusal::RecordDisputed { record, dispute } => {
                write!(out, "record {record} is already disputed (dispute {dispute} is pending)")
            }
            Refusal::DisputeMissing { dispute } => write!(out, "dispute {dispute} does not exist"),
            Refusal::DisputeAlreadyDecided { dispute } => write!(out, "dispute {dispute} was already decided"),
            Refusal::BeforeDispute { on, filed_on } => write!(out, "{} is before the dispute was filed ({})", day(on), day(filed_on)),
            Refusal::OwnDispute { actor, dispute } => write!(out, "{actor} filed dispute {dispute} and cannot decide it"),
            Refusal::OwnRecord { actor, record } => write!(out, "{actor} made record {record} and cannot decide a dispute of it"),
            Refusal::NotAList { list, rulebook, version } => write!(out, "{list:?} is not a list of rulebook {rulebook} {version}"),
            Refusal::TriggersOnly { list } => write!(out, "list {list} takes entries from its triggers only"),
            Refusal::ListNotForKind { list, kind } => write!(out, "list {list} does not apply to a {}", kind.as_str()),
            Refusal::ProposalIdForm { list } => write!(out, "a proposal's entry id has the form {list}/CASE"),
            Refusal::CaseMissing { case } => write!(out, "{case} does not exist"),
            Refusal::CaseIdUsed { case } => write!(out, "id {case} is already used"),
            Refusal::CaseTaken { case } => write!(out, "id {case} is already used by another case; choose another"),
            Refusal::EntryMissing { entry, subject, on } => write!(out, "entry {entry} does not exist for {subject} on {}", day(on)),
            Refusal::ConflictOwnFile => write!(out, "conflict of interest: the person this account names is the subject of this file"),
            Refusal::ConflictLinked => {
                write!(out, "conflict of interest: the person this account names is the subject's guardian, ward or legal representative")
            }
            Refusal::ConflictOfInterest => write!(out, "conflict of interest: the person this account names may not act on this file"),
            Refusal::NotInRulebook { behaviour } => write!(out, "{behaviour:?} is not in the rulebook"),
            Refusal::NotReportable { behaviour, reportable } => {
                write!(out, "{behaviour:?} may not be reported by the public; reportable: {reportable}")
            }
            Refusal::ReportYourself => write!(out, "you cannot report yourself"),
            Refusal::EvidenceTooLarge { bytes, allowed } => write!(out, "is {bytes} bytes; the rulebook allows at most {allowed}"),
            Refusal::EvidenceUnrecognised { allowed } => write!(out, "is not a file socred recognises by its content; allowed: {allowed}"),
            Refusal::EvidenceTypeNotAllowed { media_type, allowed } => write!(out, "{media_type} is not allowed; allowed: {allowed}"),
            Refusal::EvidenceTooMany { allowed, got } => write!(out, "at most {allowed} files, got {got}"),
            Refusal::EvidenceTwice { hash } => write!(out, "{hash} is attached twice"),
            Refusal::EvidenceNotStored { hash } => write!(out, "{hash} is not stored evidence; upload it first"),
        }
    }
}
