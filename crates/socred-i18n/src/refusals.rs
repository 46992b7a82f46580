//! A due-process refusal ([`Refusal`]) in a reader's language. The English
//! of `locales/en/refusals.ftl` reads exactly as the refusal's `Display`
//! (the ledger's and the API's words): a test compares every variant.

use socred_core::Date;
use socred_core::lists::EntryState;
use socred_core::refusal::Refusal;

use crate::{Argument, Language};

/// The refusal in `language`.
pub fn text(language: Language, refusal: &Refusal) -> String {
    let day = |date: &Date| Argument::Text(language.date(*date));
    let plain = |value: &dyn ToString| Argument::Text(value.to_string());
    // English names a state by its code, as the ledger does; another language in its words.
    let state = |state: &EntryState| match language {
        Language::English => Argument::Text(state.as_str().to_string()),
        _ => Argument::Text(language.text(&format!("entry-state-{}", state.as_str()))),
    };
    let (id, arguments): (&str, Vec<(&str, Argument)>) = match refusal {
        Refusal::EntryVoid { entry } => ("refusal-entry-void", vec![("entry", plain(entry))]),
        Refusal::EntryExists { entry } => ("refusal-entry-exists", vec![("entry", plain(entry))]),
        Refusal::NoticeAlreadyServed { entry, state: held, served_on: None } => {
            ("refusal-notice-already-served", vec![("entry", plain(entry)), ("state", state(held))])
        }
        Refusal::NoticeAlreadyServed { entry, state: held, served_on: Some(served_on) } => {
            ("refusal-notice-already-served-on", vec![("entry", plain(entry)), ("state", state(held)), ("day", day(served_on))])
        }
        Refusal::NotWithdrawable { entry, state: held } => {
            ("refusal-not-withdrawable", vec![("entry", plain(entry)), ("state", state(held))])
        }
        Refusal::NothingToAppeal { entry, state: held } => {
            ("refusal-nothing-to-appeal", vec![("entry", plain(entry)), ("state", state(held))])
        }
        Refusal::NoNoticeYet { entry } => ("refusal-no-notice-yet", vec![("entry", plain(entry))]),
        Refusal::AppealPending { appeal } => ("refusal-appeal-pending", vec![("appeal", plain(appeal))]),
        Refusal::NoAppealWindow { list } => ("refusal-no-appeal-window", vec![("list", plain(list))]),
        Refusal::AppealDeadlinePassed { deadline, days, served_on, today } => (
            "refusal-appeal-deadline-passed",
            vec![("deadline", day(deadline)), ("days", plain(days)), ("served", day(served_on)), ("today", day(today))],
        ),
        Refusal::AppealsFinal { list } => ("refusal-appeals-final", vec![("list", plain(list))]),
        Refusal::SecondAppealUsed => ("refusal-second-appeal-used", vec![]),
        Refusal::SecondAppealDeadlinePassed { decided_on, deadline } => {
            ("refusal-second-appeal-deadline-passed", vec![("decided", day(decided_on)), ("deadline", day(deadline))])
        }
        Refusal::AppealNotPending { appeal, entry } => {
            ("refusal-appeal-not-pending", vec![("appeal", plain(appeal)), ("entry", plain(entry))])
        }
        Refusal::OwnAppeal { actor, appeal } => ("refusal-own-appeal", vec![("actor", plain(actor)), ("appeal", plain(appeal))]),
        Refusal::RaisedEntry { actor, entry } => ("refusal-raised-entry", vec![("actor", plain(actor)), ("entry", plain(entry))]),
        Refusal::DecidedFirstInstance { actor } => ("refusal-decided-first-instance", vec![("actor", plain(actor))]),
        Refusal::RepairNotRestrictive { list } => ("refusal-repair-not-restrictive", vec![("list", plain(list))]),
        Refusal::RepairNotListed { entry, state: held } => {
            ("refusal-repair-not-listed", vec![("entry", plain(entry)), ("state", state(held))])
        }
        Refusal::NoRepairDate { entry } => ("refusal-no-repair-date", vec![("entry", plain(entry))]),
        Refusal::RepairTooEarly { from, years, listed_since } => {
            ("refusal-repair-too-early", vec![("from", day(from)), ("years", plain(years)), ("since", day(listed_since))])
        }
        Refusal::RepairPending { repair } => ("refusal-repair-pending", vec![("repair", plain(repair))]),
        Refusal::CommitmentRequired { list } => ("refusal-commitment-required", vec![("list", plain(list))]),
        Refusal::RepairNotPending { repair, entry } => {
            ("refusal-repair-not-pending", vec![("repair", plain(repair)), ("entry", plain(entry))])
        }
        Refusal::OwnRepair { actor, repair } => ("refusal-own-repair", vec![("actor", plain(actor)), ("repair", plain(repair))]),
        Refusal::NothingToRepair { entry, state: held } => {
            ("refusal-nothing-to-repair", vec![("entry", plain(entry)), ("state", state(held))])
        }
        Refusal::DisputesConcernRecords => ("refusal-disputes-concern-records", vec![]),
        Refusal::ConsentsConcernScore => ("refusal-consents-concern-score", vec![]),
        Refusal::OutOfOrder { on, case, last } => {
            ("refusal-out-of-order", vec![("day", day(on)), ("case", plain(case)), ("last", day(last))])
        }
        Refusal::ConsentIdUsed { consent } => ("refusal-consent-id-used", vec![("consent", plain(consent))]),
        Refusal::ConsentAlreadyGiven { partner } => ("refusal-consent-already-given", vec![("partner", plain(partner))]),
        Refusal::NoConsentInForce { partner } => ("refusal-no-consent-in-force", vec![("partner", plain(partner))]),
        Refusal::DisputeIdUsed { dispute } => ("refusal-dispute-id-used", vec![("dispute", plain(dispute))]),
        Refusal::RecordNotInFile { record, subject } => {
            ("refusal-record-not-in-file", vec![("record", plain(record)), ("subject", plain(subject))])
        }
        Refusal::RecordAlreadyVoid { record } => ("refusal-record-already-void", vec![("record", plain(record))]),
        Refusal::BeforeRecord { on, occurred_on } => ("refusal-before-record", vec![("day", day(on)), ("occurred", day(occurred_on))]),
        Refusal::RecordDisputed { record, dispute } => {
            ("refusal-record-disputed", vec![("record", plain(record)), ("dispute", plain(dispute))])
        }
        Refusal::DisputeMissing { dispute } => ("refusal-dispute-missing", vec![("dispute", plain(dispute))]),
        Refusal::DisputeAlreadyDecided { dispute } => ("refusal-dispute-already-decided", vec![("dispute", plain(dispute))]),
        Refusal::BeforeDispute { on, filed_on } => ("refusal-before-dispute", vec![("day", day(on)), ("filed", day(filed_on))]),
        Refusal::OwnDispute { actor, dispute } => ("refusal-own-dispute", vec![("actor", plain(actor)), ("dispute", plain(dispute))]),
        Refusal::OwnRecord { actor, record } => ("refusal-own-record", vec![("actor", plain(actor)), ("record", plain(record))]),
        Refusal::NotAList { list, rulebook, version } => (
            "refusal-not-a-list",
            vec![("list", Argument::Text(format!("{list:?}"))), ("rulebook", plain(rulebook)), ("version", plain(version))],
        ),
        Refusal::TriggersOnly { list } => ("refusal-triggers-only", vec![("list", plain(list))]),
        Refusal::ListNotForKind { list, kind } => {
            ("refusal-list-not-for-kind", vec![("list", plain(list)), ("kind", plain(&kind.as_str()))])
        }
        Refusal::ProposalIdForm { list } => ("refusal-proposal-id-form", vec![("list", plain(list))]),
        Refusal::CaseMissing { case } => ("refusal-case-missing", vec![("case", plain(case))]),
        Refusal::CaseIdUsed { case } => ("refusal-case-id-used", vec![("case", plain(case))]),
        Refusal::CaseTaken { case } => ("refusal-case-taken", vec![("case", plain(case))]),
        Refusal::EntryMissing { entry, subject, on } => {
            ("refusal-entry-missing", vec![("entry", plain(entry)), ("subject", plain(subject)), ("day", day(on))])
        }
        Refusal::ConflictOwnFile => ("refusal-conflict-own-file", vec![]),
        Refusal::ConflictLinked => ("refusal-conflict-linked", vec![]),
        Refusal::ConflictOfInterest => ("refusal-conflict-of-interest", vec![]),
        Refusal::NotInRulebook { behaviour } => ("refusal-not-in-rulebook", vec![("behaviour", Argument::Text(format!("{behaviour:?}")))]),
        Refusal::NotReportable { behaviour, reportable } => {
            ("refusal-not-reportable", vec![("behaviour", Argument::Text(format!("{behaviour:?}"))), ("reportable", plain(reportable))])
        }
        Refusal::ReportYourself => ("refusal-report-yourself", vec![]),
        Refusal::EvidenceTooLarge { bytes, allowed } => {
            ("refusal-evidence-too-large", vec![("bytes", plain(bytes)), ("allowed", plain(allowed))])
        }
        Refusal::EvidenceUnrecognised { allowed } => ("refusal-evidence-unrecognised", vec![("allowed", plain(allowed))]),
        Refusal::EvidenceTypeNotAllowed { media_type, allowed } => {
            ("refusal-evidence-type-not-allowed", vec![("type", plain(media_type)), ("allowed", plain(allowed))])
        }
        Refusal::EvidenceTooMany { allowed, got } => ("refusal-evidence-too-many", vec![("allowed", plain(allowed)), ("got", plain(got))]),
        Refusal::EvidenceTwice { hash } => ("refusal-evidence-twice", vec![("hash", plain(hash))]),
        Refusal::EvidenceNotStored { hash } => ("refusal-evidence-not-stored", vec![("hash", plain(hash))]),
    };
    language.text_with(id, &arguments)
}

#[cfg(test)]
mod tests {
    use socred_core::date::parse_date;
    use socred_core::id::SubjectKind;

    use super::*;

    /// A sample of every variant (and both forms of those with an optional part).
    fn every_refusal() -> Vec<Refusal> {
        let day = |text: &str| parse_date(text).unwrap();
        let entry = || "blacklist:jd-1".to_string();
        let state = EntryState::NoticeServed;
        vec![
            Refusal::EntryVoid { entry: entry() },
            Refusal::EntryExists { entry: entry() },
            Refusal::NoticeAlreadyServed { entry: entry(), state, served_on: None },
            Refusal::NoticeAlreadyServed { entry: entry(), state, served_on: Some(day("2025-01-11")) },
            Refusal::NotWithdrawable { entry: entry(), state: EntryState::Listed },
            Refusal::NothingToAppeal { entry: entry(), state: EntryState::Expired },
            Refusal::NoNoticeYet { entry: entry() },
            Refusal::AppealPending { appeal: "a1".into() },
            Refusal::NoAppealWindow { list: "redlist".into() },
            Refusal::AppealDeadlinePassed { deadline: day("2025-01-26"), days: 15, served_on: day("2025-01-11"), today: day("2025-02-01") },
            Refusal::AppealsFinal { list: "blacklist".into() },
            Refusal::SecondAppealUsed,
            Refusal::SecondAppealDeadlinePassed { decided_on: day("2025-02-01"), deadline: day("2025-02-16") },
            Refusal::AppealNotPending { appeal: "a1".into(), entry: entry() },
            Refusal::OwnAppeal { actor: "clerk-zhou".into(), appeal: "a1".into() },
            Refusal::RaisedEntry { actor: "clerk-zhou".into(), entry: entry() },
            Refusal::DecidedFirstInstance { actor: "clerk-zhou".into() },
            Refusal::RepairNotRestrictive { list: "redlist".into() },
            Refusal::RepairNotListed { entry: entry(), state },
            Refusal::NoRepairDate { entry: entry() },
            Refusal::RepairTooEarly { from: day("2026-01-26"), years: 1, listed_since: day("2025-01-26") },
            Refusal::RepairPending { repair: "r1".into() },
            Refusal::CommitmentRequired { list: "blacklist".into() },
            Refusal::RepairNotPending { repair: "r1".into(), entry: entry() },
            Refusal::OwnRepair { actor: "clerk-zhou".into(), repair: "r1".into() },
            Refusal::NothingToRepair { entry: entry(), state: EntryState::Repaired },
            Refusal::DisputesConcernRecords,
            Refusal::ConsentsConcernScore,
            Refusal::OutOfOrder { on: day("2025-01-10"), case: "a1".into(), last: day("2025-01-12") },
            Refusal::ConsentIdUsed { consent: "c1".into() },
            Refusal::ConsentAlreadyGiven { partner: "bank-1".into() },
            Refusal::NoConsentInForce { partner: "bank-1".into() },
            Refusal::DisputeIdUsed { dispute: "d1".into() },
            Refusal::RecordNotInFile { record: "tax-1".into(), subject: "110101199003074514".into() },
            Refusal::RecordAlreadyVoid { record: "tax-1".into() },
            Refusal::BeforeRecord { on: day("2025-01-01"), occurred_on: day("2025-01-10") },
            Refusal::RecordDisputed { record: "tax-1".into(), dispute: "d1".into() },
            Refusal::DisputeMissing { dispute: "d1".into() },
            Refusal::DisputeAlreadyDecided { dispute: "d1".into() },
            Refusal::BeforeDispute { on: day("2025-01-01"), filed_on: day("2025-01-10") },
            Refusal::OwnDispute { actor: "clerk-zhou".into(), dispute: "d1".into() },
            Refusal::OwnRecord { actor: "clerk-zhou".into(), record: "tax-1".into() },
            Refusal::NotAList { list: "greylist".into(), rulebook: "default".into(), version: "2026.1".into() },
            Refusal::TriggersOnly { list: "blacklist".into() },
            Refusal::ListNotForKind { list: "blacklist".into(), kind: SubjectKind::Person },
            Refusal::ListNotForKind { list: "blacklist".into(), kind: SubjectKind::Organisation },
            Refusal::ProposalIdForm { list: "blacklist".into() },
            Refusal::CaseMissing { case: "a9".into() },
            Refusal::CaseIdUsed { case: "a1".into() },
            Refusal::CaseTaken { case: "a1".into() },
            Refusal::EntryMissing { entry: entry(), subject: "110101199003074514".into(), on: day("2025-01-10") },
            Refusal::ConflictOwnFile,
            Refusal::ConflictLinked,
            Refusal::ConflictOfInterest,
            Refusal::NotInRulebook { behaviour: "gossip".into() },
            Refusal::NotReportable { behaviour: "tax-evasion".into(), reportable: "unpaid-shared-bike-ride, rail-disorder".into() },
            Refusal::ReportYourself,
            Refusal::EvidenceTooLarge { bytes: 2_097_153, allowed: 2_097_152 },
            Refusal::EvidenceUnrecognised { allowed: "image/jpeg, image/png, application/pdf".into() },
            Refusal::EvidenceTypeNotAllowed { media_type: "application/pdf".into(), allowed: "image/jpeg, image/png".into() },
            Refusal::EvidenceTooMany { allowed: 5, got: 6 },
            Refusal::EvidenceTwice { hash: "9f86d081".into() },
            Refusal::EvidenceNotStored { hash: "9f86d081".into() },
        ]
    }

    #[test]
    fn the_english_messages_read_as_the_ledger_states_them() {
        for refusal in every_refusal() {
            assert_eq!(text(Language::English, &refusal), refusal.to_string());
        }
    }

    #[test]
    fn every_refusal_reads_in_chinese_with_its_days_written_as_chinese_writes_them() {
        for refusal in every_refusal() {
            let chinese = text(Language::Chinese, &refusal);
            assert!(chinese.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)), "{refusal:?}: {chinese}");
            assert!(!chinese.contains("2025-"), "a day in ISO form in a Chinese sentence: {chinese}");
            for english in ["entry", "appeal", "notice", "repair", "dispute", "record", "consent"] {
                assert!(!chinese.contains(&format!("{english} ")), "English words in Chinese: {chinese}");
            }
        }
        let late = Refusal::AppealDeadlinePassed {
            deadline: parse_date("2025-01-26").unwrap(),
            days: 15,
            served_on: parse_date("2025-01-11").unwrap(),
            today: parse_date("2025-02-01").unwrap(),
        };
        assert_eq!(text(Language::Chinese, &late), "申诉期限为 2025年1月26日（告知书于 2025年1月11日 送达后 15 日）；今天是 2025年2月1日");
        let kind = Refusal::ListNotForKind { list: "blacklist".into(), kind: SubjectKind::Organisation };
        assert_eq!(text(Language::Chinese, &kind), "名单 blacklist 不适用于组织");
    }
}
