//! The state machine of a public report, a pure function like
//! `lists::check`: may this reviewer take this act on a report in this state?
//! The store gathers the facts inside the write transaction, asks, and
//! writes only what the answer allows, so two writers cannot both act on
//! the same state.

use serde::{Deserialize, Serialize};

/// A reviewer's finding.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "kebab-case")]
pub enum ReportOutcome {
    Verified,
    Rejected,
    Malicious,
}

impl ReportOutcome {
    pub fn as_str(self) -> &'static str {
        match self {
            ReportOutcome::Verified => "verified",
            ReportOutcome::Rejected => "rejected",
            ReportOutcome::Malicious => "malicious",
        }
    }

    pub fn parse(text: &str) -> Option<ReportOutcome> {
        match text {
            "verified" | "verify" => Some(ReportOutcome::Verified),
            "rejected" | "reject" => Some(ReportOutcome::Rejected),
            "malicious" => Some(ReportOutcome::Malicious),
            _ => None,
        }
    }
}

/// What a reviewer asks to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReportAct<'a> {
    /// Take a submitted report into review.
    Review,
    /// Decide a report under one's own review.
    Decide { outcome: ReportOutcome, reasons: &'a str },
}

/// The report as it stands, and the reviewer's relation to it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReportFacts<'a> {
    pub id: &'a str,
    /// Its state: its last event's, or `submitted`.
    pub state: &'a str,
    /// The actor and reasons of its last event, if any.
    pub last: Option<(&'a str, &'a str)>,
    pub reviewer: &'a str,
    /// The reviewer filed it, is its reporter, or is linked to the reporter
    /// (a reward or penalty lands in the reporter's file).
    pub reviewer_filed: bool,
    /// The reviewer is its subject or linked to them.
    pub reviewer_is_concerned: bool,
    /// An earlier report of the same facts still open: it is decided first,
    /// so that its reporter is the one rewarded.
    pub earlier_open: Option<&'a str>,
}

/// What the store writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Next {
    /// An event in this state.
    Write(&'static str),
    /// Nothing: the same act was already taken (a retry).
    Unchanged,
}

/// Why an act is refused (a conflict with the report's state or the
/// reviewer), typed so that a reader's language can say it again.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReportRefusal {
    #[error("{reviewer} filed report {id}; another reviewer must review it")]
    OwnReport { reviewer: String, id: String },
    #[error("report {id} is about {reviewer} or someone linked to them; another reviewer must review it")]
    Concerned { reviewer: String, id: String },
    #[error("report {id} is already under review by {by}")]
    UnderReviewBy { id: String, by: String },
    #[error("report {id} is {state}; only a submitted report can be taken into review")]
    NotSubmitted { id: String, state: String },
    #[error("report {id} is submitted; take it into review first")]
    ReviewFirst { id: String },
    #[error("report {id} is under review by {by}; only they decide it")]
    OnlyTheyDecide { id: String, by: String },
    #[error("report {earlier} reported the same facts earlier; decide it first (its reporter is the one rewarded)")]
    EarlierFirst { earlier: String },
    #[error("report {id} is already {state}")]
    Already { id: String, state: String },
}

pub fn transition(facts: &ReportFacts<'_>, act: ReportAct<'_>) -> Result<Next, ReportRefusal> {
    let (id, reviewer) = (facts.id.to_string(), facts.reviewer.to_string());
    if facts.reviewer_filed {
        return Err(ReportRefusal::OwnReport { reviewer, id });
    }
    if facts.reviewer_is_concerned {
        return Err(ReportRefusal::Concerned { reviewer, id });
    }
    let by = facts.last.map_or("", |(actor, _)| actor);
    match (act, facts.state) {
        (ReportAct::Review, "submitted") => Ok(Next::Write("under-review")),
        (ReportAct::Review, "under-review") if by == reviewer => Ok(Next::Unchanged),
        (ReportAct::Review, "under-review") => Err(ReportRefusal::UnderReviewBy { id, by: by.to_string() }),
        (ReportAct::Review, state) => Err(ReportRefusal::NotSubmitted { id, state: state.to_string() }),
        (ReportAct::Decide { .. }, "submitted") => Err(ReportRefusal::ReviewFirst { id }),
        (ReportAct::Decide { outcome, .. }, "under-review") => {
            if by != reviewer {
                return Err(ReportRefusal::OnlyTheyDecide { id, by: by.to_string() });
            }
            match (outcome, facts.earlier_open) {
                (ReportOutcome::Verified, Some(earlier)) => Err(ReportRefusal::EarlierFirst { earlier: earlier.to_string() }),
                _ => Ok(Next::Write(outcome.as_str())),
            }
        }
        (ReportAct::Decide { outcome, reasons }, state) => {
            let same = state == outcome.as_str() && facts.last == Some((facts.reviewer, reasons));
            if same { Ok(Next::Unchanged) } else { Err(ReportRefusal::Already { id, state: state.to_string() }) }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn facts<'a>(state: &'a str, last: Option<(&'a str, &'a str)>) -> ReportFacts<'a> {
        ReportFacts {
            id: "rep-1",
            state,
            last,
            reviewer: "reviewer-a",
            reviewer_filed: false,
            reviewer_is_concerned: false,
            earlier_open: None,
        }
    }

    const VERIFY: ReportAct<'static> = ReportAct::Decide { outcome: ReportOutcome::Verified, reasons: "seen" };

    #[test]
    fn a_report_is_reviewed_then_decided_by_its_reviewer_once() {
        assert_eq!(transition(&facts("submitted", None), ReportAct::Review), Ok(Next::Write("under-review")));
        let reviewing = facts("under-review", Some(("reviewer-a", "")));
        assert_eq!(transition(&reviewing, ReportAct::Review), Ok(Next::Unchanged));
        assert_eq!(transition(&reviewing, VERIFY), Ok(Next::Write("verified")));
        let decided = facts("verified", Some(("reviewer-a", "seen")));
        assert_eq!(transition(&decided, VERIFY), Ok(Next::Unchanged), "a retry");
        let other_reasons = ReportAct::Decide { outcome: ReportOutcome::Verified, reasons: "other" };
        assert!(transition(&decided, other_reasons).is_err());
        assert!(transition(&decided, ReportAct::Review).is_err());
    }

    #[test]
    fn nobody_decides_what_they_did_not_take_and_no_one_concerned_acts() {
        assert!(transition(&facts("submitted", None), VERIFY).is_err(), "review first");
        let someone_else = facts("under-review", Some(("reviewer-b", "")));
        assert!(transition(&someone_else, VERIFY).unwrap_err().to_string().contains("only they decide"));
        assert!(transition(&someone_else, ReportAct::Review).unwrap_err().to_string().contains("already under review by reviewer-b"));
        let filed = ReportFacts { reviewer_filed: true, ..facts("submitted", None) };
        assert!(transition(&filed, ReportAct::Review).is_err());
        let concerned = ReportFacts { reviewer_is_concerned: true, ..facts("submitted", None) };
        assert!(transition(&concerned, ReportAct::Review).is_err());
    }

    #[test]
    fn the_earliest_report_of_the_same_facts_is_verified_first() {
        let later = ReportFacts { earlier_open: Some("rep-0"), ..facts("under-review", Some(("reviewer-a", ""))) };
        assert!(transition(&later, VERIFY).unwrap_err().to_string().contains("rep-0"));
        let reject = ReportAct::Decide { outcome: ReportOutcome::Rejected, reasons: "no" };
        assert_eq!(transition(&later, reject), Ok(Next::Write("rejected")), "rejecting needs no order");
    }
}
