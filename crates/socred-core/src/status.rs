//! Where a subject stands and what they can do next, from their own file:
//! the restrictions grouped by service (each cause once), the windows that
//! are open (appeal, repair), the deadlines others owe them, and the days on
//! which time alone changes their standing. Pure: the portal and the CLI
//! render it; the rules of the windows are the same as the list machine's
//! (`lists`), so a step offered here is one the store will accept today.

use crate::Date;
use crate::date::add_days;
use crate::decide::{Cause, Decision, Outcome};
use crate::lists::{DueProcessView, EntryState, ListEntry};
use crate::process::{CaseId, EntryId};
use crate::record::RecordId;
use crate::rulebook::ListKind;
use crate::rulebook::Rulebook;

/// At most this many days of change are looked ahead for the path to recovery.
pub const MAX_MILESTONES: usize = 8;

/// One service the subject may not use, with every measure and cause behind it, each once.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Restriction {
    pub service: String,
    /// Measure codes and their titles, in the order the decision gives them.
    pub measures: Vec<(String, String)>,
    pub causes: Vec<Cause>,
    /// Whether any cause reaches the subject through a linked subject.
    pub through_link: bool,
}

/// Groups the denied services of `decisions`: two entries that bar the same
/// service make one restriction with both causes.
pub fn restrictions(decisions: &[Decision]) -> Vec<Restriction> {
    let mut out = Vec::new();
    for decision in decisions.iter().filter(|decision| decision.outcome == Outcome::Deny) {
        let mut restriction =
            Restriction { service: decision.service.clone(), measures: Vec::new(), causes: Vec::new(), through_link: false };
        for reason in &decision.reasons {
            if !restriction.measures.iter().any(|(code, _)| code == &reason.measure) {
                restriction.measures.push((reason.measure.clone(), reason.title.clone()));
            }
            if !restriction.causes.contains(&reason.cause) {
                restriction.causes.push(reason.cause.clone());
            }
            restriction.through_link |= reason.via.is_some();
        }
        out.push(restriction);
    }
    out
}

/// The services whose every cause is the list entry `entry`: what its end
/// (repair approved, an appeal upheld for the subject) would allow again.
pub fn freed_by_entry<'a>(restrictions: &'a [Restriction], entry: &EntryId) -> Vec<&'a str> {
    restrictions
        .iter()
        .filter(|r| !r.through_link && r.causes.iter().all(|cause| matches!(cause, Cause::List { entry: e, .. } if e == entry)))
        .map(|r| r.service.as_str())
        .collect()
}

/// The appeal the subject may file today on `entry`: its last day and its
/// instance; none when the window is closed, not yet open, or an appeal is pending.
pub fn appeal_window(entry: &ListEntry, rulebook: &Rulebook, today: Date) -> Option<(Date, u8)> {
    if entry.state.is_final() || entry.state == EntryState::Proposed {
        return None;
    }
    if entry.appeals.iter().any(|appeal| appeal.decision.is_none()) {
        return None;
    }
    let first = entry.appeals.iter().find(|appeal| appeal.instance == 1);
    let (until, instance) = match first.and_then(|appeal| appeal.decision.as_ref()) {
        None => (entry.notice.as_ref()?.appeal_deadline?, 1),
        Some(decision) => {
            let spec = rulebook.list(&entry.list)?;
            if !spec.second_instance || entry.appeals.iter().any(|appeal| appeal.instance == 2) {
                return None;
            }
            (add_days(decision.on, spec.appeal_days), 2)
        }
    };
    (today <= until).then_some((until, instance))
}

/// Where credit repair of an entry stands for the subject.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RepairWindow {
    /// The subject may apply today.
    Open,
    /// The subject may apply from this day.
    From(Date),
    /// An application is pending, to be decided by this day.
    Pending { repair: CaseId, decide_by: Date },
}

/// Credit repair of `entry`: only for a listed entry of a restrictive list with a date from which it may be applied for.
pub fn repair_window(entry: &ListEntry, today: Date) -> Option<RepairWindow> {
    if entry.kind != ListKind::Restrictive || entry.state != EntryState::Listed {
        return None;
    }
    let from = entry.repair_from?;
    if let Some(pending) = entry.repairs.iter().find(|repair| repair.decision.is_none()) {
        return Some(RepairWindow::Pending { repair: pending.id.clone(), decide_by: pending.decide_by });
    }
    Some(if today >= from { RepairWindow::Open } else { RepairWindow::From(from) })
}

/// At most this many later assessments are made to find the tier's next changes.
pub const MAX_LOOKAHEAD_STEPS: usize = 64;

/// The later days on which the tier, or the set of records that count,
/// changes by time alone (a measure triggered by a record ends with it),
/// following each assessment's `valid_until` (which also marks days that
/// change nothing a decision reads, such as the annual expectation's year):
/// at most [`MAX_MILESTONES`] days, after at most [`MAX_LOOKAHEAD_STEPS`] assessments.
pub fn tier_changes<E>(
    first: &crate::assess::Assessment,
    mut assess: impl FnMut(Date) -> Result<crate::assess::Assessment, E>,
) -> Result<Vec<Date>, E> {
    let counting = |assessment: &crate::assess::Assessment| {
        assessment.explanation.iter().map(|contribution| contribution.record_id.clone()).collect::<Vec<_>>()
    };
    let mut changes = Vec::new();
    let mut tier = first.tier.clone();
    let mut records = counting(first);
    let mut next = first.valid_until;
    for _ in 0..MAX_LOOKAHEAD_STEPS {
        let Some(day) = next else { break };
        if changes.len() == MAX_MILESTONES {
            break;
        }
        let later = assess(day)?;
        debug_assert!(later.as_of == day, "an assessment is of the day asked");
        let later_records = counting(&later);
        if later.tier != tier || later_records != records {
            changes.push(day);
            tier = later.tier.clone();
            records = later_records;
        }
        next = later.valid_until.filter(|after| *after > day);
    }
    Ok(changes)
}

/// A date that matters to the subject, soonest first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Deadline {
    /// The subject may appeal the entry until this day (inclusive).
    AppealUntil { entry: EntryId, until: Date, instance: u8 },
    /// A reviewer must decide the subject's appeal by this day.
    AppealDecision { appeal: CaseId, entry: EntryId, decide_by: Date },
    /// A reviewer must decide the subject's dispute by this day.
    DisputeDecision { dispute: CaseId, record: RecordId, decide_by: Date },
    /// A reviewer must decide the subject's repair application by this day.
    RepairDecision { repair: CaseId, entry: EntryId, decide_by: Date },
    /// The subject may apply for credit repair of the entry from this day.
    RepairFrom { entry: EntryId, from: Date },
}

impl Deadline {
    pub fn date(&self) -> Date {
        match self {
            Deadline::AppealUntil { until, .. } => *until,
            Deadline::AppealDecision { decide_by, .. }
            | Deadline::DisputeDecision { decide_by, .. }
            | Deadline::RepairDecision { decide_by, .. } => *decide_by,
            Deadline::RepairFrom { from, .. } => *from,
        }
    }
}

/// Every open deadline of the subject's file on `today`, soonest first.
pub fn deadlines(view: &DueProcessView, rulebook: &Rulebook, today: Date) -> Vec<Deadline> {
    let mut out = Vec::new();
    for entry in &view.entries {
        if let Some((until, instance)) = appeal_window(entry, rulebook, today) {
            out.push(Deadline::AppealUntil { entry: entry.id.clone(), until, instance });
        }
        // An entry withdrawn, ended or void while an appeal was pending leaves nothing to decide.
        let pending = entry.appeals.iter().filter(|appeal| appeal.decision.is_none() && !entry.state.is_final());
        for appeal in pending {
            out.push(Deadline::AppealDecision { appeal: appeal.id.clone(), entry: entry.id.clone(), decide_by: appeal.decide_by });
        }
        match repair_window(entry, today) {
            Some(RepairWindow::From(from)) => out.push(Deadline::RepairFrom { entry: entry.id.clone(), from }),
            Some(RepairWindow::Pending { repair, decide_by }) => {
                out.push(Deadline::RepairDecision { repair, entry: entry.id.clone(), decide_by })
            }
            Some(RepairWindow::Open) | None => {}
        }
    }
    for dispute in view.disputes.iter().filter(|dispute| dispute.decision.is_none()) {
        out.push(Deadline::DisputeDecision { dispute: dispute.id.clone(), record: dispute.record.clone(), decide_by: dispute.decide_by });
    }
    out.sort_by_key(Deadline::date);
    out
}

/// The days after `today` on which time alone may change what the subject
/// may do: a lock or a record's weight ending (`next_changes`, the
/// assessment's own `valid_until` chain), a listing ending, and a noticed
/// entry taking effect when its window closes unappealed. Sorted, each once,
/// at most [`MAX_MILESTONES`].
pub fn milestones(view: &DueProcessView, next_changes: &[Date], today: Date) -> Vec<Date> {
    let listing_ends = view.entries.iter().filter(|entry| entry.in_force()).filter_map(|entry| entry.listed_until);
    let listing_starts = view
        .entries
        .iter()
        .filter(|entry| entry.state == EntryState::NoticeServed && entry.appeals.iter().all(|appeal| appeal.decision.is_some()))
        .filter_map(|entry| entry.notice.as_ref().map(|notice| notice.listing_if_unappealed));
    let mut days: Vec<Date> = next_changes.iter().copied().chain(listing_ends).chain(listing_starts).filter(|day| *day > today).collect();
    days.sort();
    days.dedup();
    days.truncate(MAX_MILESTONES);
    days
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::decide::{Reason, Via};
    use crate::rulebook::{Extension, MeasureKind};
    use crate::{SubjectId, parse_date};

    fn subject() -> SubjectId {
        SubjectId::parse("110101199003074514").unwrap()
    }

    fn entry(text: &str) -> EntryId {
        EntryId::parse(text).unwrap()
    }

    fn reason(measure: &str, cause: Cause, via: Option<Via>) -> Reason {
        Reason {
            measure: measure.into(),
            title: format!("title of {measure}"),
            kind: MeasureKind::Restriction,
            legal_basis: "a law".into(),
            cause,
            via,
            disclose: true,
        }
    }

    fn decision(service: &str, outcome: Outcome, reasons: Vec<Reason>) -> Decision {
        Decision {
            subject: subject(),
            service: service.into(),
            as_of: parse_date("2025-03-01").unwrap(),
            outcome,
            reasons,
            benefits: Vec::new(),
            appeal: String::new(),
        }
    }

    #[test]
    fn a_service_barred_twice_is_one_restriction_with_both_causes_once_each() {
        let court = Cause::List { list: "blacklist".into(), entry: entry("blacklist:jd-1") };
        let tax = Cause::List { list: "blacklist".into(), entry: entry("blacklist:tax-1") };
        let decisions = [
            decision(
                "civil-aviation",
                Outcome::Deny,
                vec![reason("no-flights", court.clone(), None), reason("no-flights", tax.clone(), None)],
            ),
            decision("ordinary-rail", Outcome::Allow, Vec::new()),
            decision("bank-loans", Outcome::Deny, vec![reason("no-loans", court.clone(), None), reason("no-loans", court.clone(), None)]),
        ];
        let restrictions = restrictions(&decisions);
        assert_eq!(restrictions.len(), 2, "allowed services are no restriction");
        assert_eq!(restrictions[0].measures, [("no-flights".to_string(), "title of no-flights".to_string())]);
        assert_eq!(restrictions[0].causes, [court.clone(), tax]);
        assert_eq!(restrictions[1].causes, [court], "one cause named twice is said once");
        // Ending jd-1 frees the loans only: the flights are barred by the tax entry too.
        assert_eq!(freed_by_entry(&restrictions, &entry("blacklist:jd-1")), ["bank-loans"]);
        assert!(freed_by_entry(&restrictions, &entry("blacklist:other")).is_empty());
    }

    #[test]
    fn a_measure_through_a_link_is_not_freed_by_the_subjects_own_entry() {
        let court = Cause::List { list: "blacklist".into(), entry: entry("blacklist:jd-1") };
        let via = Some(Via { link: Extension::Children, subject: subject() });
        let restrictions = restrictions(&[decision("private-schools", Outcome::Deny, vec![reason("no-school", court, via)])]);
        assert!(restrictions[0].through_link);
        assert!(freed_by_entry(&restrictions, &entry("blacklist:jd-1")).is_empty());
    }

    #[test]
    fn milestones_are_future_sorted_unique_and_bounded() {
        let day = |text: &str| parse_date(text).unwrap();
        let view = DueProcessView::default();
        let changes: Vec<Date> = (1..=12).rev().map(|month| day(&format!("2027-{month:02}-01"))).chain([day("2025-01-01")]).collect();
        let days = milestones(&view, &[changes.clone(), changes].concat(), day("2026-06-01"));
        assert_eq!(days.len(), MAX_MILESTONES);
        assert_eq!(days[0], day("2027-01-01"), "the past is no milestone");
        assert!(days.windows(2).all(|pair| pair[0] < pair[1]));
    }
}
