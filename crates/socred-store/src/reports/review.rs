//! Reviewing public reports: taking one into review and deciding it. The
//! report is read and judged by the core's state machine
//! (`socred_core::reports::transition`) inside the write transaction, and a
//! verification writes its record and the reporter's reward in the same one.

use sha2::{Digest, Sha256};
use socred_core::date::Date;
use socred_core::record::{Record, RecordId};
use socred_core::reports::{Next, ReportAct, ReportFacts, ReportRefusal, transition};
use socred_i18n::Argument;
use socred_i18n::reasons::Cause;

use super::{REPORT_RECORD_PREFIX, ReportOutcome, ReportView, Reviewer};
use crate::error::{Result, StoreError};

/// What the report state machine is told, gathered in the write transaction.
pub(crate) struct Facts {
    reviewer: String,
    filed: bool,
    concerned: bool,
    earlier_open: Option<String>,
}

impl Facts {
    /// Nobody reviews a report they filed, or one about themselves or anyone
    /// they are linked to (`conflicts.rs`), by acting name or by person. The
    /// reporter's side counts too: a reward or penalty lands in the
    /// reporter's file, so their guardian or ward may not decide it either.
    /// `earlier_open`: with a verification, the earliest open report of the same facts.
    pub(crate) fn new(
        view: &ReportView,
        reviewer: &Reviewer,
        reporter_linked: bool,
        subject_linked: bool,
        earlier_open: Option<String>,
    ) -> Facts {
        let name = reviewer.actor.name();
        let reporter = view.reporter.expect("stored reports name their reporter");
        Facts {
            reviewer: name.to_string(),
            filed: name == view.filed_by || name == reporter.as_str() || reporter_linked,
            concerned: name == view.subject.as_str() || subject_linked,
            earlier_open,
        }
    }

    /// The core's verdict on `act` for the report as `view` shows it.
    pub(crate) fn judge(&self, view: &ReportView, act: ReportAct<'_>) -> Result<Next> {
        let last = view.history.last();
        let facts = ReportFacts {
            id: &view.id,
            state: &view.state,
            last: last.map(|event| (event.actor.as_str(), event.reasons.as_str())),
            reviewer: &self.reviewer,
            reviewer_filed: self.filed,
            reviewer_is_concerned: self.concerned,
            earlier_open: self.earlier_open.as_deref(),
        };
        transition(&facts, act).map_err(conflict_of)
    }
}

/// The records a decision writes: the verified facts' own record, and the
/// reporter's reward (verified) or penalty (malicious), as the rulebook says.
pub(crate) struct DecisionRecords {
    pub record: Option<Record>,
    pub reporter_record: Option<Record>,
}

/// The records deciding `view` as `outcome` on `on` writes. A verified
/// report becomes a record today, under the record rules of today: refused
/// when its date no longer can be, or its behaviour left the rulebook.
pub(crate) fn decision_records(
    rulebook: &socred_core::Rulebook,
    view: &ReportView,
    facts: &str,
    secret: &str,
    outcome: ReportOutcome,
    on: Date,
) -> Result<DecisionRecords> {
    let rules = &rulebook.reporting;
    let reporter = view.reporter.expect("stored reports name their reporter");
    let id = &view.id;
    match outcome {
        ReportOutcome::Verified => {
            socred_core::record::occurred_on_problem(rulebook, &view.subject, view.occurred_on, on).map_err(|problem| {
                StoreError::invalid_message("occurred_on", "input-facts-cannot-be-recorded", vec![("reason", crate::reason_of(problem))])
            })?;
            if rulebook.behaviour(&view.behaviour).is_none() {
                let code = Argument::Text(format!("{:?}", view.behaviour));
                return Err(StoreError::invalid_message("behaviour", "input-behaviour-gone", vec![("code", code)]));
            }
            let record = Record {
                id: RecordId::parse(&format!("{REPORT_RECORD_PREFIX}{facts}")).expect("a valid id"),
                subject: view.subject,
                behaviour: view.behaviour.clone(),
                occurred_on: view.occurred_on,
                source: "public report (verified)".into(),
                evidence: Some(format!(
                    "report {id}; evidence {}",
                    view.evidence.iter().map(|e| e.hash.as_str()).collect::<Vec<_>>().join(", ")
                )),
            };
            let reporter_record = rules.reward_behaviour.as_ref().map(|reward| Record {
                id: reward_record_id(secret, facts),
                subject: reporter,
                behaviour: reward.clone(),
                occurred_on: on,
                source: "public reports".into(),
                evidence: Some(format!("report {id} verified")),
            });
            Ok(DecisionRecords { record: Some(record), reporter_record })
        }
        ReportOutcome::Malicious => {
            let reporter_record = rules.malicious_behaviour.as_ref().map(|penalty| Record {
                id: RecordId::parse(&format!("mal-{}", &hex::encode(Sha256::digest(id.as_bytes()))[..24])).expect("a valid id"),
                subject: reporter,
                behaviour: penalty.clone(),
                occurred_on: on,
                source: "public reports".into(),
                evidence: Some(format!("report {id} found malicious")),
            });
            Ok(DecisionRecords { record: None, reporter_record })
        }
        ReportOutcome::Rejected => Ok(DecisionRecords { record: None, reporter_record: None }),
    }
}

/// The id of the reward for the verified report of `facts`: one per facts (the
/// id is taken once), keyed with the store's secret so that the reported
/// subject, who sees the facts' own record id, cannot derive it and look for
/// the reporter.
fn reward_record_id(secret: &str, facts: &str) -> RecordId {
    let mut hasher = Sha256::new();
    for part in [secret, "report-reward", facts] {
        hasher.update((part.len() as u64).to_le_bytes());
        hasher.update(part.as_bytes());
    }
    RecordId::parse(&format!("rwd-{}", &hex::encode(hasher.finalize())[..24])).expect("a valid id")
}

/// A report act the state or the reviewer refuses, with its reason typed.
fn conflict_of(refusal: ReportRefusal) -> StoreError {
    let text = |value: &str| Argument::Text(value.to_string());
    let state = |state: &str| Argument::Message(format!("report-state-{state}"));
    let (id, arguments): (&'static str, Vec<(&'static str, Argument)>) = match &refusal {
        ReportRefusal::OwnReport { reviewer, id } => ("input-report-own", vec![("reviewer", text(reviewer)), ("id", text(id))]),
        ReportRefusal::Concerned { reviewer, id } => ("input-report-concerned", vec![("reviewer", text(reviewer)), ("id", text(id))]),
        ReportRefusal::UnderReviewBy { id, by } => ("input-report-under-review-by", vec![("id", text(id)), ("by", text(by))]),
        ReportRefusal::NotSubmitted { id, state: held } => ("input-report-not-submitted", vec![("id", text(id)), ("state", state(held))]),
        ReportRefusal::ReviewFirst { id } => ("input-report-review-first", vec![("id", text(id))]),
        ReportRefusal::OnlyTheyDecide { id, by } => ("input-report-only-they-decide", vec![("id", text(id)), ("by", text(by))]),
        ReportRefusal::EarlierFirst { earlier } => ("input-report-earlier-first", vec![("earlier", text(earlier))]),
        ReportRefusal::Already { id, state: held } => ("input-report-already", vec![("id", text(id)), ("state", state(held))]),
    };
    let cause = Cause::message(id, arguments);
    StoreError::ConflictBecause { reason: cause.text(socred_i18n::Language::English), cause: Box::new(cause) }
}
