//! List entries (blacklist, redlist) and disputes, derived from a subject's file.
//!
//! An entry's life is a state machine:
//!
//! ```text
//! proposed ──notice──► notice-served ──(window closes, no appeal)──► listed ──► expired
//!    │                    │    └──appeal──► under-appeal ──uphold──┘  │  └──repair approved──► repaired
//!    └──withdraw──► withdrawn ◄──withdraw──┘           └──overturn──► overturned ◄──second-instance overturn
//! ```
//!
//! Entries from a trigger behaviour or tier start with the notice served on the
//! trigger date; a reviewer's proposal waits for an explicit notice. Human acts
//! are stored events; transitions that follow from time alone (the appeal window
//! closing, the listing period ending, the subject leaving a trigger tier) are
//! derived here, so the state on any date is a pure function of the file.
//! The same machine validates a new event before it is stored.

use std::collections::HashMap;

use serde::Serialize;

use crate::assess::{RawTierChange, tier_changes};
use crate::date::{Date, add_days, add_years, format_date, serde_date};
use crate::id::SubjectId;
use crate::process::{
    AppealOutcome, CaseId, DisputeOutcome, EntryId, EntryOrigin, Event, ProcessError, RepairOutcome, StoredEvent, SubjectReference, refused,
};
use crate::refusal::Refusal;
use crate::record::{Record, RecordId, SubjectFile};
use crate::rulebook::{ListKind, ListSpec, Rulebook, Trigger};

/// Where an entry stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "kebab-case")]
pub enum EntryState {
    Proposed,
    NoticeServed,
    UnderAppeal,
    Listed,
    Withdrawn,
    Overturned,
    Expired,
    Repaired,
    /// The subject left the trigger tier of a `while_in_tier` trigger.
    Ended,
    /// The triggering record was voided: the entry counts as never having existed.
    Void,
}

impl EntryState {
    /// Every state, for callers that name each one (messages, filters).
    pub const ALL: [EntryState; 10] = [
        EntryState::Proposed,
        EntryState::NoticeServed,
        EntryState::UnderAppeal,
        EntryState::Listed,
        EntryState::Withdrawn,
        EntryState::Overturned,
        EntryState::Expired,
        EntryState::Repaired,
        EntryState::Ended,
        EntryState::Void,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            EntryState::Proposed => "proposed",
            EntryState::NoticeServed => "notice-served",
            EntryState::UnderAppeal => "under-appeal",
            EntryState::Listed => "listed",
            EntryState::Withdrawn => "withdrawn",
            EntryState::Overturned => "overturned",
            EntryState::Expired => "expired",
            EntryState::Repaired => "repaired",
            EntryState::Ended => "ended",
            EntryState::Void => "void",
        }
    }

    /// No further transition can happen.
    pub fn is_final(self) -> bool {
        matches!(
            self,
            EntryState::Withdrawn
                | EntryState::Overturned
                | EntryState::Expired
                | EntryState::Repaired
                | EntryState::Ended
                | EntryState::Void
        )
    }
}

/// One step of an entry's history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Transition {
    #[serde(with = "serde_date")]
    pub on: Date,
    /// Who acted; `socred` for transitions that follow from time.
    pub actor: String,
    pub action: String,
    pub detail: String,
    pub state: EntryState,
    /// What happened, in parts: `detail` is its English, and a reader's
    /// language writes it again from these.
    #[serde(skip)]
    pub step: Step,
}

/// One step of an entry's life, in parts. The English `detail` of a
/// transition is written from it here, once; what a person wrote (reasons,
/// grounds, evidence) is carried as written.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Step {
    /// Raised: the detail is the entry's facts.
    #[default]
    Proposed,
    NoticeServed {
        appeal_until: Option<Date>,
    },
    Listed {
        published: bool,
        after_appeal: bool,
        until: Date,
    },
    Expired {
        years: u32,
    },
    Ended,
    Withdrawn {
        reason: String,
    },
    AppealFiled {
        appeal: CaseId,
        instance: u8,
        grounds: String,
    },
    AppealDismissed {
        second_instance: bool,
        reasons: String,
    },
    Overturned {
        reasons: String,
    },
    RepairApplied {
        repair: CaseId,
        evidence: String,
    },
    Repaired {
        reasons: String,
    },
    RepairRefused {
        reasons: String,
    },
    Void {
        reason: String,
    },
    /// An act on an entry already void: kept in the history, without effect.
    Recorded {
        action: String,
    },
    /// A stored act that no longer applies (under a changed rulebook).
    NotApplied {
        action: String,
        error: String,
        /// The rule that refused it, for a reader's language.
        refusal: Option<crate::refusal::Refusal>,
    },
}

impl Step {
    /// The action's code (`proposed`, `notice-served`, …).
    pub fn action(&self) -> &'static str {
        match self {
            Step::Proposed => "proposed",
            Step::NoticeServed { .. } => "notice-served",
            Step::Listed { .. } => "listed",
            Step::Expired { .. } => "expired",
            Step::Ended => "ended",
            Step::Withdrawn { .. } => "withdrawn",
            Step::AppealFiled { .. } => "appeal-filed",
            Step::AppealDismissed { .. } => "appeal-dismissed",
            Step::Overturned { .. } => "overturned",
            Step::RepairApplied { .. } => "repair-applied",
            Step::Repaired { .. } => "repaired",
            Step::RepairRefused { .. } => "repair-refused",
            Step::Void { .. } => "void",
            Step::Recorded { .. } => "recorded",
            Step::NotApplied { .. } => "not-applied",
        }
    }

    /// The step in English, as the ledger's history states it.
    pub fn english(&self, facts: &str) -> String {
        match self {
            Step::Proposed => facts.to_string(),
            Step::NoticeServed { appeal_until: Some(deadline) } => {
                format!("written notice served; appeal until {} inclusive", format_date(*deadline))
            }
            Step::NoticeServed { appeal_until: None } => "written notice served; no appeal window for this list".to_string(),
            Step::Listed { published, after_appeal, until } => format!(
                "listed{}: {}; until {} unless ended earlier",
                if *published { " and published" } else { "" },
                if *after_appeal { "the appeal was dismissed" } else { "no appeal was filed in time" },
                format_date(*until)
            ),
            Step::Expired { years } => format!("the maximum listing period of {years} years ended"),
            Step::Ended => "the subject left the trigger tier".to_string(),
            Step::Withdrawn { reason } => reason.clone(),
            Step::AppealFiled { appeal, instance, grounds } => format!("appeal {appeal} filed (instance {instance}): {grounds}"),
            Step::AppealDismissed { second_instance: false, reasons } => format!("the listing decision is upheld: {reasons}"),
            Step::AppealDismissed { second_instance: true, reasons } => {
                format!("second instance: the listing decision is upheld, finally: {reasons}")
            }
            Step::Overturned { reasons } => format!("the listing decision is overturned on appeal: {reasons}"),
            Step::RepairApplied { repair, evidence } => format!("credit repair {repair} applied for: {evidence}"),
            Step::Repaired { reasons } => format!("credit repaired; publication ends: {reasons}"),
            Step::RepairRefused { reasons } => reasons.clone(),
            Step::Void { reason } => format!("the triggering record was voided: {reason}"),
            Step::Recorded { action } => format!("{action} (no effect: the entry is void)"),
            Step::NotApplied { action, error, .. } => format!("{action} could not be applied: {error}"),
        }
    }
}

/// What an entry's facts were written from. A rule writes them (in the
/// ledger's language, English) from a record or a tier change; a person
/// writes them for a proposal. The first two can be written again in any
/// language from these parts; a person's words are quoted as written.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum FactsSource {
    Record {
        occurred_on: Date,
        behaviour: String,
        record: RecordId,
        source: String,
        evidence: Option<String>,
    },
    Tier {
        on: Date,
        tier: String,
        score: i64,
    },
    #[default]
    Written,
}

/// The written notice: what the subject is told before any measure applies.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Notice {
    pub entry: EntryId,
    pub list: String,
    pub list_title: String,
    pub issued_by: String,
    #[serde(with = "serde_date")]
    pub served_on: Date,
    pub facts: String,
    /// What the facts were written from, so a reader's language can write them again.
    #[serde(skip)]
    pub facts_source: FactsSource,
    pub legal_basis: String,
    pub consequences: String,
    pub max_listing_years: u32,
    /// The last day to appeal; none when the list has no appeal window.
    #[serde(with = "serde_date::option")]
    pub appeal_deadline: Option<Date>,
    /// When the listing takes effect if no appeal is filed.
    #[serde(with = "serde_date")]
    pub listing_if_unappealed: Date,
    pub second_instance: bool,
    pub repair_after_years: u32,
    pub repair_requires_commitment: bool,
    pub kind: ListKind,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Decision<O> {
    #[serde(with = "serde_date")]
    pub on: Date,
    pub by: String,
    pub outcome: O,
    pub reasons: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Appeal {
    pub id: CaseId,
    pub entry: EntryId,
    /// 1 for the first instance, 2 for the appeal against the first decision.
    pub instance: u8,
    #[serde(with = "serde_date")]
    pub filed_on: Date,
    pub by: String,
    pub grounds: String,
    #[serde(with = "serde_date")]
    pub decide_by: Date,
    pub decision: Option<Decision<AppealOutcome>>,
    pub overdue: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Repair {
    pub id: CaseId,
    pub entry: EntryId,
    #[serde(with = "serde_date")]
    pub applied_on: Date,
    pub by: String,
    pub evidence: String,
    pub commitment: Option<String>,
    #[serde(with = "serde_date")]
    pub decide_by: Date,
    pub decision: Option<Decision<RepairOutcome>>,
    pub overdue: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Dispute {
    pub id: CaseId,
    pub record: RecordId,
    #[serde(with = "serde_date")]
    pub filed_on: Date,
    pub by: String,
    pub grounds: String,
    #[serde(with = "serde_date")]
    pub decide_by: Date,
    pub decision: Option<Decision<DisputeOutcome>>,
    pub overdue: bool,
}

/// A list entry on the as-of date.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ListEntry {
    pub id: EntryId,
    pub subject: SubjectId,
    pub list: String,
    pub list_title: String,
    pub kind: ListKind,
    pub state: EntryState,
    /// The authority that raised the entry (a record's source, a reviewer, or the tier rule).
    pub authority: String,
    pub legal_basis: String,
    pub facts: String,
    /// What the facts were written from (see [`FactsSource`]).
    #[serde(skip)]
    pub facts_source: FactsSource,
    #[serde(with = "serde_date")]
    pub started_on: Date,
    pub notice: Option<Notice>,
    #[serde(with = "serde_date::option")]
    pub listed_since: Option<Date>,
    /// The first day no longer listed, when known (expiry as scheduled, or an earlier end).
    #[serde(with = "serde_date::option")]
    pub listed_until: Option<Date>,
    /// The first day on which credit repair may be applied for.
    #[serde(with = "serde_date::option")]
    pub repair_from: Option<Date>,
    pub published: bool,
    pub appeals: Vec<Appeal>,
    pub repairs: Vec<Repair>,
    pub history: Vec<Transition>,
}

impl ListEntry {
    /// Measures attach only while listed.
    pub fn in_force(&self) -> bool {
        self.state == EntryState::Listed
    }
}

/// Everything due process says about a subject on a date.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DueProcessView {
    pub entries: Vec<ListEntry>,
    pub disputes: Vec<Dispute>,
}

/// What storing an event entails beyond the event itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Effect {
    None,
    /// An upheld dispute voids its record.
    VoidRecord {
        record: RecordId,
        reason: String,
    },
}

const SOCRED: &str = "socred";

/// The pieces an entry starts from.
struct Origin {
    id: EntryId,
    started_on: Date,
    authority: String,
    raised_by: String,
    legal_basis: String,
    facts: String,
    facts_source: FactsSource,
    /// Entries from triggers start with the notice served; proposals do not.
    notice_at_start: bool,
    /// For `while_in_tier` triggers: when the subject left the tier.
    ends_on: Option<Date>,
    void_reason: Option<String>,
}

struct Machine<'r> {
    spec: &'r ListSpec,
    rulebook: &'r Rulebook,
    entry: ListEntry,
    raised_by: String,
    deadline: Option<Date>,
    listing_on: Option<Date>,
    expires_on: Option<Date>,
    ends_on: Option<Date>,
    pending_appeal: Option<usize>,
    pending_repair: Option<usize>,
}

impl<'r> Machine<'r> {
    fn new(rulebook: &'r Rulebook, spec: &'r ListSpec, subject: SubjectId, origin: Origin) -> Machine<'r> {
        let entry = ListEntry {
            id: origin.id,
            subject,
            list: spec.code.clone(),
            list_title: spec.title.clone(),
            kind: spec.kind,
            state: EntryState::Proposed,
            authority: origin.authority.clone(),
            legal_basis: origin.legal_basis,
            facts: origin.facts,
            facts_source: origin.facts_source,
            started_on: origin.started_on,
            notice: None,
            listed_since: None,
            listed_until: None,
            repair_from: None,
            published: spec.published,
            appeals: Vec::new(),
            repairs: Vec::new(),
            history: Vec::new(),
        };
        let mut machine = Machine {
            spec,
            rulebook,
            entry,
            raised_by: origin.raised_by.clone(),
            deadline: None,
            listing_on: None,
            expires_on: None,
            ends_on: origin.ends_on,
            pending_appeal: None,
            pending_repair: None,
        };
        machine.step(origin.started_on, &origin.raised_by, Step::Proposed, EntryState::Proposed);
        if origin.notice_at_start {
            machine.serve(origin.started_on, &origin.authority);
        }
        if let Some(reason) = origin.void_reason {
            machine.step(origin.started_on, SOCRED, Step::Void { reason: reason.to_string() }, EntryState::Void);
            machine.entry.listed_since = None;
            machine.entry.listed_until = None;
            machine.listing_on = None;
        }
        machine
    }

    fn step(&mut self, on: Date, actor: &str, step: Step, state: EntryState) {
        self.entry.state = state;
        let detail = step.english(&self.entry.facts);
        self.entry.history.push(Transition { on, actor: actor.to_string(), action: step.action().to_string(), detail, state, step });
    }

    fn serve(&mut self, on: Date, by: &str) {
        let days = self.spec.appeal_days;
        let deadline = (days > 0).then(|| add_days(on, days));
        let listing_on = deadline.map_or(on, |d| add_days(d, 1));
        self.deadline = deadline;
        self.listing_on = Some(listing_on);
        self.entry.notice = Some(Notice {
            entry: self.entry.id.clone(),
            list: self.spec.code.clone(),
            list_title: self.spec.title.clone(),
            issued_by: self.entry.authority.clone(),
            served_on: on,
            facts: self.entry.facts.clone(),
            facts_source: self.entry.facts_source.clone(),
            legal_basis: self.entry.legal_basis.clone(),
            consequences: self.spec.consequences.clone(),
            max_listing_years: self.spec.max_listing_years,
            appeal_deadline: deadline,
            listing_if_unappealed: listing_on,
            second_instance: self.spec.second_instance,
            repair_after_years: self.spec.min_publication_years,
            repair_requires_commitment: self.spec.repair_requires_commitment,
            kind: self.spec.kind,
        });
        self.step(on, by, Step::NoticeServed { appeal_until: deadline }, EntryState::NoticeServed);
    }

    fn end_listing(&mut self, on: Date) {
        if self.entry.listed_since.is_some() {
            self.entry.listed_until = Some(on);
        }
        self.expires_on = None;
    }

    /// Applies the transitions that follow from time alone, up to and including `until`.
    fn advance(&mut self, until: Date) {
        loop {
            let state = self.entry.state;
            if state.is_final() {
                return;
            }
            let listing = (state == EntryState::NoticeServed && self.pending_appeal.is_none()).then_some(self.listing_on).flatten();
            let expiry = (state == EntryState::Listed).then_some(self.expires_on).flatten();
            let candidates = [(listing, 0u8), (expiry, 1), (self.ends_on, 2)];
            let Some((on, which)) =
                candidates.iter().filter_map(|(date, which)| date.map(|d| (d, *which))).filter(|(d, _)| *d <= until).min()
            else {
                return;
            };
            match which {
                0 => {
                    let expires = add_years(on, self.spec.max_listing_years);
                    self.entry.listed_since = Some(on);
                    self.entry.listed_until = Some(expires);
                    self.expires_on = Some(expires);
                    if self.spec.kind == ListKind::Restrictive {
                        self.entry.repair_from = Some(add_years(on, self.spec.min_publication_years));
                    }
                    let step =
                        Step::Listed { published: self.spec.published, after_appeal: !self.entry.appeals.is_empty(), until: expires };
                    self.step(on, SOCRED, step, EntryState::Listed);
                }
                1 => {
                    self.end_listing(on);
                    self.step(on, SOCRED, Step::Expired { years: self.spec.max_listing_years }, EntryState::Expired);
                }
                _ => {
                    self.end_listing(on);
                    self.ends_on = None;
                    self.step(on, SOCRED, Step::Ended, EntryState::Ended);
                }
            }
        }
    }

    fn apply(&mut self, stored: &StoredEvent) -> Result<(), ProcessError> {
        let (on, by) = (stored.on, stored.actor.as_str());
        let state = self.entry.state;
        if state == EntryState::Void {
            return refused("entry", Refusal::EntryVoid { entry: self.entry.id.to_string() });
        }
        let decision_days = |days: u32| add_days(on, days);
        match &stored.event {
            Event::ListProposed { .. } => refused("entry", Refusal::EntryExists { entry: self.entry.id.to_string() }),
            Event::NoticeServed { .. } => {
                if state != EntryState::Proposed {
                    let served_on = self.entry.notice.as_ref().map(|n| n.served_on);
                    return refused("entry", Refusal::NoticeAlreadyServed { entry: self.entry.id.to_string(), state, served_on });
                }
                self.serve(on, by);
                Ok(())
            }
            Event::ListWithdrawn { reason, .. } => {
                if !matches!(state, EntryState::Proposed | EntryState::NoticeServed | EntryState::UnderAppeal) {
                    return refused("entry", Refusal::NotWithdrawable { entry: self.entry.id.to_string(), state });
                }
                self.pending_appeal = None;
                self.step(on, by, Step::Withdrawn { reason: reason.clone() }, EntryState::Withdrawn);
                Ok(())
            }
            Event::AppealFiled { appeal, grounds, .. } => {
                if state.is_final() {
                    return refused("entry", Refusal::NothingToAppeal { entry: self.entry.id.to_string(), state });
                }
                if state == EntryState::Proposed {
                    return refused("entry", Refusal::NoNoticeYet { entry: self.entry.id.to_string() });
                }
                if let Some(pending) = self.pending_appeal {
                    return refused("entry", Refusal::AppealPending { appeal: self.entry.appeals[pending].id.to_string() });
                }
                let first = self.entry.appeals.iter().find(|a| a.instance == 1);
                let instance = match first.and_then(|a| a.decision.as_ref()) {
                    None => {
                        let Some(deadline) = self.deadline else {
                            return refused("entry", Refusal::NoAppealWindow { list: self.spec.code.clone() });
                        };
                        if on > deadline {
                            let served = self.entry.notice.as_ref().map_or(on, |n| n.served_on);
                            return refused(
                                "entry",
                                Refusal::AppealDeadlinePassed { deadline, days: self.spec.appeal_days, served_on: served, today: on },
                            );
                        }
                        1
                    }
                    Some(decision) => {
                        if !self.spec.second_instance {
                            return refused("entry", Refusal::AppealsFinal { list: self.spec.code.clone() });
                        }
                        if self.entry.appeals.iter().any(|a| a.instance == 2) {
                            return refused("entry", Refusal::SecondAppealUsed);
                        }
                        let deadline = add_days(decision.on, self.spec.appeal_days);
                        if on > deadline {
                            return refused("entry", Refusal::SecondAppealDeadlinePassed { decided_on: decision.on, deadline });
                        }
                        2
                    }
                };
                self.entry.appeals.push(Appeal {
                    id: appeal.clone(),
                    entry: self.entry.id.clone(),
                    instance,
                    filed_on: on,
                    by: by.to_string(),
                    grounds: grounds.clone(),
                    decide_by: decision_days(self.rulebook.due_process.appeal_decision_days),
                    decision: None,
                    overdue: false,
                });
                self.pending_appeal = Some(self.entry.appeals.len() - 1);
                let next = if instance == 1 { EntryState::UnderAppeal } else { state };
                self.step(on, by, Step::AppealFiled { appeal: appeal.clone(), instance, grounds: grounds.clone() }, next);
                Ok(())
            }
            Event::AppealDecided { appeal, outcome, reasons } => {
                let Some(index) = self.pending_appeal.filter(|i| &self.entry.appeals[*i].id == appeal) else {
                    return refused("appeal", Refusal::AppealNotPending { appeal: appeal.to_string(), entry: self.entry.id.to_string() });
                };
                let filed = &self.entry.appeals[index];
                if by == filed.by {
                    return refused("actor", Refusal::OwnAppeal { actor: by.to_string(), appeal: appeal.to_string() });
                }
                if by == self.raised_by {
                    return refused("actor", Refusal::RaisedEntry { actor: by.to_string(), entry: self.entry.id.to_string() });
                }
                if filed.instance == 2
                    && self.entry.appeals.iter().any(|a| a.instance == 1 && a.decision.as_ref().is_some_and(|d| d.by == by))
                {
                    return refused("actor", Refusal::DecidedFirstInstance { actor: by.to_string() });
                }
                let instance = filed.instance;
                self.entry.appeals[index].decision = Some(Decision { on, by: by.to_string(), outcome: *outcome, reasons: reasons.clone() });
                self.pending_appeal = None;
                match (instance, outcome) {
                    (1, AppealOutcome::Uphold) => {
                        let after_window = self.deadline.map_or(on, |d| add_days(d, 1));
                        self.listing_on = Some(on.max(after_window));
                        self.step(
                            on,
                            by,
                            Step::AppealDismissed { second_instance: false, reasons: reasons.clone() },
                            EntryState::NoticeServed,
                        );
                    }
                    (_, AppealOutcome::Uphold) => {
                        let state = self.entry.state;
                        self.step(on, by, Step::AppealDismissed { second_instance: true, reasons: reasons.clone() }, state);
                    }
                    (_, AppealOutcome::Overturn) => {
                        self.end_listing(on);
                        self.listing_on = None;
                        self.step(on, by, Step::Overturned { reasons: reasons.clone() }, EntryState::Overturned);
                    }
                }
                Ok(())
            }
            Event::RepairApplied { repair, evidence, commitment, .. } => {
                if self.spec.kind != ListKind::Restrictive {
                    return refused("entry", Refusal::RepairNotRestrictive { list: self.spec.code.clone() });
                }
                if state != EntryState::Listed {
                    return refused("entry", Refusal::RepairNotListed { entry: self.entry.id.to_string(), state });
                }
                let Some(from) = self.entry.repair_from else {
                    return refused("entry", Refusal::NoRepairDate { entry: self.entry.id.to_string() });
                };
                if on < from {
                    let (years, listed_since) = (self.spec.min_publication_years, self.entry.listed_since.unwrap_or(from));
                    return refused("entry", Refusal::RepairTooEarly { from, years, listed_since });
                }
                if let Some(pending) = self.pending_repair {
                    return refused("entry", Refusal::RepairPending { repair: self.entry.repairs[pending].id.to_string() });
                }
                if self.spec.repair_requires_commitment && commitment.as_deref().is_none_or(|c| c.trim().is_empty()) {
                    return refused("commitment", Refusal::CommitmentRequired { list: self.spec.code.clone() });
                }
                self.entry.repairs.push(Repair {
                    id: repair.clone(),
                    entry: self.entry.id.clone(),
                    applied_on: on,
                    by: by.to_string(),
                    evidence: evidence.clone(),
                    commitment: commitment.clone(),
                    decide_by: decision_days(self.rulebook.due_process.repair_decision_days),
                    decision: None,
                    overdue: false,
                });
                self.pending_repair = Some(self.entry.repairs.len() - 1);
                self.step(on, by, Step::RepairApplied { repair: repair.clone(), evidence: evidence.clone() }, state);
                Ok(())
            }
            Event::RepairDecided { repair, outcome, reasons } => {
                let Some(index) = self.pending_repair.filter(|i| &self.entry.repairs[*i].id == repair) else {
                    return refused("repair", Refusal::RepairNotPending { repair: repair.to_string(), entry: self.entry.id.to_string() });
                };
                if by == self.entry.repairs[index].by {
                    return refused("actor", Refusal::OwnRepair { actor: by.to_string(), repair: repair.to_string() });
                }
                if state != EntryState::Listed {
                    return refused("entry", Refusal::NothingToRepair { entry: self.entry.id.to_string(), state });
                }
                self.entry.repairs[index].decision = Some(Decision { on, by: by.to_string(), outcome: *outcome, reasons: reasons.clone() });
                self.pending_repair = None;
                match outcome {
                    RepairOutcome::Approve => {
                        self.end_listing(on);
                        self.step(on, by, Step::Repaired { reasons: reasons.clone() }, EntryState::Repaired);
                    }
                    RepairOutcome::Refuse => {
                        self.step(on, by, Step::RepairRefused { reasons: reasons.clone() }, EntryState::Listed);
                    }
                }
                Ok(())
            }
            Event::DisputeFiled { .. } | Event::DisputeDecided { .. } => refused("entry", Refusal::DisputesConcernRecords),
            Event::ConsentGiven { .. } | Event::ConsentWithdrawn { .. } => {
                refused("entry", Refusal::ConsentsConcernScore)
            }
        }
    }

    fn finish(mut self, as_of: Date) -> ListEntry {
        self.advance(as_of);
        for appeal in &mut self.entry.appeals {
            appeal.overdue = appeal.decision.is_none() && as_of > appeal.decide_by;
        }
        for repair in &mut self.entry.repairs {
            repair.overdue = repair.decision.is_none() && as_of > repair.decide_by;
        }
        self.entry
    }
}

fn record_facts(rulebook: &Rulebook, record: &Record) -> String {
    let title = rulebook.behaviour(&record.behaviour).map_or(record.behaviour.as_str(), |b| b.title.as_str());
    let evidence = record.evidence.as_deref().map(|e| format!("; evidence: {e}")).unwrap_or_default();
    format!("on {}, {} (record {}, recorded by {}{evidence})", format_date(record.occurred_on), title, record.id, record.source)
}

/// The entries' origins: trigger records, trigger tiers, reviewers' proposals.
fn origins(rulebook: &Rulebook, subject: SubjectId, file: &SubjectFile, changes: &[RawTierChange], as_of: Date) -> Vec<(usize, Origin)> {
    let mut out = Vec::new();
    let void_reasons: HashMap<&RecordId, &str> = file.voids.iter().map(|v| (&v.record_id, v.reason.as_str())).collect();
    let mut histories = KnownHistories { rulebook, file, as_of, by_day: HashMap::new() };
    for (list_index, spec) in rulebook.lists.iter().enumerate() {
        if !spec.applies_to.contains(&subject.kind()) {
            continue;
        }
        for trigger in &spec.triggers {
            match trigger {
                Trigger::Behaviour { code } => {
                    let mut seen = std::collections::HashSet::new();
                    for record in file.records.iter().filter(|r| &r.behaviour == code) {
                        // The notice is served the day the ledger learned of the record,
                        // however long ago it happened: the window runs from then.
                        let id = EntryId::for_record(&spec.code, &record.id);
                        let served_on = not_before_rule_change(file, &id, file.recorded_on(record));
                        if served_on > as_of || !seen.insert(&record.id) {
                            continue;
                        }
                        let behaviour_basis = rulebook.behaviour(code).map(|b| b.legal_basis.as_str()).unwrap_or("");
                        out.push((
                            list_index,
                            Origin {
                                id,
                                started_on: served_on,
                                authority: record.source.clone(),
                                raised_by: file.recorded_by(&record.id).map_or_else(|| record.source.clone(), str::to_string),
                                legal_basis: format!("{}; {}", spec.legal_basis, behaviour_basis),
                                facts: record_facts(rulebook, record),
                                facts_source: FactsSource::Record {
                                    occurred_on: record.occurred_on,
                                    behaviour: record.behaviour.clone(),
                                    record: record.id.clone(),
                                    source: record.source.clone(),
                                    evidence: record.evidence.clone(),
                                },
                                notice_at_start: true,
                                ends_on: None,
                                void_reason: void_reasons.get(&record.id).map(|r| r.to_string()),
                            },
                        ));
                    }
                }
                Trigger::Tier { tier, name, while_in_tier } => {
                    let reference = file.reference.clone().unwrap_or_else(|| SubjectReference::keyed(b"", &subject));
                    for (index, change) in changes.iter().enumerate() {
                        if change.to != *tier {
                            continue;
                        }
                        let left = changes[index + 1..].first().map(|next| next.on);
                        let id = EntryId::for_tier(&spec.code, &reference, name, change.on);
                        let served_on = not_before_rule_change(file, &id, learned_on(&mut histories, change));
                        // Nobody is listed for a spell in a tier that ended before the
                        // ledger learned of it, nor before the ledger learned of it.
                        if served_on > as_of || (*while_in_tier && left.is_some_and(|left| left <= served_on)) {
                            continue;
                        }
                        let authority = format!("tier rule of rulebook {} {}", rulebook.id, rulebook.version);
                        out.push((
                            list_index,
                            Origin {
                                id,
                                started_on: served_on,
                                authority: authority.clone(),
                                raised_by: authority,
                                legal_basis: spec.legal_basis.clone(),
                                facts: format!(
                                    "on {}, the subject entered tier {name} with {} points",
                                    format_date(change.on),
                                    change.score
                                ),
                                facts_source: FactsSource::Tier { on: change.on, tier: name.clone(), score: change.score },
                                notice_at_start: true,
                                ends_on: if *while_in_tier { left } else { None },
                                void_reason: None,
                            },
                        ));
                    }
                }
            }
        }
    }
    for stored in file.events.iter().filter(|e| e.on <= as_of) {
        if let Event::ListProposed { entry, list, legal_basis, facts } = &stored.event {
            let Some(list_index) = rulebook.lists.iter().position(|l| &l.code == list) else {
                continue;
            };
            out.push((
                list_index,
                Origin {
                    id: entry.clone(),
                    started_on: stored.on,
                    authority: stored.actor.clone(),
                    raised_by: stored.actor.clone(),
                    legal_basis: legal_basis.clone(),
                    facts: facts.clone(),
                    facts_source: FactsSource::Written,
                    notice_at_start: false,
                    ends_on: None,
                    void_reason: None,
                },
            ));
        }
    }
    out
}

/// An entry the rulebook in force makes, that the subject did not have before
/// the rulebook took effect, is noticed on that day at the earliest.
fn not_before_rule_change(file: &SubjectFile, entry: &EntryId, served_on: Date) -> Date {
    match &file.carried_over {
        Some(carried) if !carried.entries.contains(entry) => served_on.max(carried.since),
        _ => served_on,
    }
}

/// The first day on which the ledger knew of a tier change. The tier on a
/// date follows from the records dated up to it; when some of those were
/// recorded (or voided) later, the change became known on the first of those
/// days from which the file, as it was known that day, shows it. Without late
/// records (a replayed scenario) that is the day of the change itself.
/// Tier histories of a file as known on each day asked, computed once a day
/// (a history up to `as_of` holds every change up to any earlier day too).
struct KnownHistories<'f> {
    rulebook: &'f Rulebook,
    file: &'f SubjectFile,
    as_of: Date,
    by_day: HashMap<Date, Vec<RawTierChange>>,
}

impl KnownHistories<'_> {
    fn changes(&mut self, known_on: Date) -> &[RawTierChange] {
        let (rulebook, file, as_of) = (self.rulebook, self.file, self.as_of);
        self.by_day.entry(known_on).or_insert_with(|| tier_changes(rulebook, &file.as_known_on(known_on), as_of))
    }
}

fn learned_on(histories: &mut KnownHistories<'_>, change: &RawTierChange) -> Date {
    let file = histories.file;
    let day = change.on;
    let occurred: HashMap<&RecordId, Date> = file.records.iter().map(|r| (&r.id, r.occurred_on)).collect();
    let mut later: Vec<Date> = file
        .records
        .iter()
        .filter(|record| record.occurred_on <= day)
        .map(|record| file.recorded_on(record))
        .chain(file.voids.iter().filter(|void| occurred.get(&void.record_id).is_some_and(|on| *on <= day)).map(|void| void.recorded_on))
        .filter(|recorded| *recorded > day)
        .collect();
    if later.is_empty() {
        return day;
    }
    later.sort_unstable();
    later.dedup();
    let last = *later.last().expect("not empty");
    std::iter::once(day)
        .chain(later)
        .find(|known_on| histories.changes(*known_on).iter().any(|c| c.on == day && c.to == change.to))
        .unwrap_or(last)
}

/// Which entry each appeal and repair belongs to.
fn case_entries(file: &SubjectFile) -> HashMap<&CaseId, &EntryId> {
    let mut map = HashMap::new();
    for stored in &file.events {
        match &stored.event {
            Event::AppealFiled { appeal, entry, .. } => {
                map.insert(appeal, entry);
            }
            Event::RepairApplied { repair, entry, .. } => {
                map.insert(repair, entry);
            }
            _ => {}
        }
    }
    map
}

fn event_entry<'e>(event: &'e Event, cases: &HashMap<&CaseId, &'e EntryId>) -> Option<&'e EntryId> {
    match event {
        Event::NoticeServed { entry }
        | Event::ListWithdrawn { entry, .. }
        | Event::AppealFiled { entry, .. }
        | Event::RepairApplied { entry, .. } => Some(entry),
        Event::AppealDecided { appeal: case, .. } | Event::RepairDecided { repair: case, .. } => cases.get(case).copied(),
        Event::ListProposed { .. }
        | Event::DisputeFiled { .. }
        | Event::DisputeDecided { .. }
        | Event::ConsentGiven { .. }
        | Event::ConsentWithdrawn { .. } => None,
    }
}

fn sorted_events(file: &SubjectFile) -> Vec<&StoredEvent> {
    let mut events: Vec<&StoredEvent> = file.events.iter().collect();
    events.sort_by_key(|e| (e.on, e.seq));
    events
}

/// Runs one entry's machine over its events dated up to `until`.
fn run<'r>(
    rulebook: &'r Rulebook,
    subject: SubjectId,
    (list_index, origin): (usize, Origin),
    events: &[&StoredEvent],
    cases: &HashMap<&CaseId, &EntryId>,
    until: Date,
) -> Machine<'r> {
    let mut machine = Machine::new(rulebook, &rulebook.lists[list_index], subject, origin);
    for stored in events.iter().filter(|e| e.on <= until) {
        if matches!(stored.event, Event::ListProposed { .. }) || event_entry(&stored.event, cases) != Some(&machine.entry.id) {
            continue;
        }
        if machine.entry.state == EntryState::Void {
            // Kept in the history for the record; a void entry has no effects.
            machine.step(stored.on, &stored.actor, Step::Recorded { action: stored.event.action().to_string() }, EntryState::Void);
            continue;
        }
        machine.advance(stored.on);
        if let Err(error) = machine.apply(stored) {
            // Stored events were valid when stored; one that no longer applies
            // (a changed rulebook) is shown, never silently dropped.
            let state = machine.entry.state;
            let step = Step::NotApplied { action: stored.event.action().to_string(), error: error.to_string(), refusal: error.refusal.map(|rule| *rule) };
            machine.step(stored.on, &stored.actor, step, state);
        }
    }
    machine.advance(until);
    machine
}

/// Every list entry and dispute of a subject as it stands on `as_of`.
pub fn evaluate(rulebook: &Rulebook, subject: SubjectId, file: &SubjectFile, as_of: Date) -> DueProcessView {
    let changes = tier_changes(rulebook, file, as_of);
    let cases = case_entries(file);
    let events = sorted_events(file);
    let mut entries: Vec<ListEntry> = origins(rulebook, subject, file, &changes, as_of)
        .into_iter()
        .map(|origin| run(rulebook, subject, origin, &events, &cases, as_of).finish(as_of))
        .collect();
    entries.sort_by(|a, b| (a.started_on, &a.id).cmp(&(b.started_on, &b.id)));
    DueProcessView { entries, disputes: disputes(rulebook, file, as_of) }
}

fn disputes(rulebook: &Rulebook, file: &SubjectFile, as_of: Date) -> Vec<Dispute> {
    let mut disputes: Vec<Dispute> = Vec::new();
    for stored in sorted_events(file).into_iter().filter(|e| e.on <= as_of) {
        match &stored.event {
            Event::DisputeFiled { dispute, record, grounds } => disputes.push(Dispute {
                id: dispute.clone(),
                record: record.clone(),
                filed_on: stored.on,
                by: stored.actor.clone(),
                grounds: grounds.clone(),
                decide_by: add_days(stored.on, rulebook.due_process.dispute_decision_days),
                decision: None,
                overdue: false,
            }),
            Event::DisputeDecided { dispute, outcome, reasons } => {
                if let Some(open) = disputes.iter_mut().find(|d| &d.id == dispute && d.decision.is_none()) {
                    open.decision = Some(Decision { on: stored.on, by: stored.actor.clone(), outcome: *outcome, reasons: reasons.clone() });
                }
            }
            _ => {}
        }
    }
    for dispute in &mut disputes {
        dispute.overdue = dispute.decision.is_none() && as_of > dispute.decide_by;
    }
    disputes
}

/// Checks that `new` may be stored on top of the file, and says what else it entails.
/// Nothing is changed: the caller stores the event (and the effect) only on `Ok`.
pub fn check(rulebook: &Rulebook, subject: SubjectId, file: &SubjectFile, new: &StoredEvent) -> Result<Effect, ProcessError> {
    new.event.check_text()?;
    let on = new.on;
    let cases = case_entries(file);
    let latest = |key: &str| -> Option<Date> {
        file.events
            .iter()
            .filter(|e| e.event.key() == key || event_entry(&e.event, &cases).is_some_and(|entry| entry.as_str() == key))
            .map(|e| e.on)
            .max()
    };
    let not_before = |key: &str, field: &'static str| -> Result<(), ProcessError> {
        match latest(key) {
            Some(last) if on < last => refused(field, Refusal::OutOfOrder { on, case: key.to_string(), last }),
            _ => Ok(()),
        }
    };
    match &new.event {
        Event::ConsentGiven { consent, partner } | Event::ConsentWithdrawn { consent, partner } => {
            if file.events.iter().any(|e| e.event.key() == consent.as_str()) {
                return refused("consent", Refusal::ConsentIdUsed { consent: consent.to_string() });
            }
            let given = matches!(new.event, Event::ConsentGiven { .. });
            match (given, crate::consent::in_force(file, partner, on)) {
                (true, true) => refused("partner", Refusal::ConsentAlreadyGiven { partner: partner.to_string() }),
                (false, false) => refused("partner", Refusal::NoConsentInForce { partner: partner.to_string() }),
                _ => Ok(Effect::None),
            }
        }
        Event::DisputeFiled { dispute, record, .. } => {
            if file.events.iter().any(|e| e.event.key() == dispute.as_str()) {
                return refused("dispute", Refusal::DisputeIdUsed { dispute: dispute.to_string() });
            }
            let Some(found) = file.records.iter().find(|r| &r.id == record) else {
                return refused("record", Refusal::RecordNotInFile { record: record.to_string(), subject: subject.to_string() });
            };
            if file.voids.iter().any(|v| &v.record_id == record) {
                return refused("record", Refusal::RecordAlreadyVoid { record: record.to_string() });
            }
            if on < found.occurred_on {
                return refused("on", Refusal::BeforeRecord { on, occurred_on: found.occurred_on });
            }
            if let Some(open) = disputes(rulebook, file, Date::MAX).into_iter().find(|d| &d.record == record && d.decision.is_none()) {
                return refused("record", Refusal::RecordDisputed { record: record.to_string(), dispute: open.id.to_string() });
            }
            Ok(Effect::None)
        }
        Event::DisputeDecided { dispute, outcome, reasons } => {
            let all = disputes(rulebook, file, Date::MAX);
            let Some(open) = all.iter().find(|d| &d.id == dispute) else {
                return refused("dispute", Refusal::DisputeMissing { dispute: dispute.to_string() });
            };
            if open.decision.is_some() {
                return refused("dispute", Refusal::DisputeAlreadyDecided { dispute: dispute.to_string() });
            }
            if on < open.filed_on {
                return refused("on", Refusal::BeforeDispute { on, filed_on: open.filed_on });
            }
            if new.actor == open.by {
                return refused("actor", Refusal::OwnDispute { actor: new.actor.clone(), dispute: dispute.to_string() });
            }
            if file.recorded_by(&open.record).is_some_and(|recorder| recorder == new.actor) {
                return refused("actor", Refusal::OwnRecord { actor: new.actor.clone(), record: open.record.to_string() });
            }
            // A record voided by its authority while the dispute was pending
            // stays voided once: the upheld dispute is recorded, nothing more.
            let already_void = file.voids.iter().any(|v| v.record_id == open.record);
            Ok(match outcome {
                DisputeOutcome::Uphold if !already_void => {
                    Effect::VoidRecord { record: open.record.clone(), reason: format!("dispute {dispute} upheld: {reasons}") }
                }
                DisputeOutcome::Uphold | DisputeOutcome::Reject => Effect::None,
            })
        }
        Event::ListProposed { entry, list, .. } => {
            let Some(spec) = rulebook.list(list) else {
                return refused("list", Refusal::NotAList { list: list.clone(), rulebook: rulebook.id.clone(), version: rulebook.version.clone() });
            };
            if !spec.manual {
                return refused("list", Refusal::TriggersOnly { list: list.clone() });
            }
            if !spec.applies_to.contains(&subject.kind()) {
                return refused("subject", Refusal::ListNotForKind { list: list.clone(), kind: subject.kind() });
            }
            if !matches!(entry.origin(), Some(EntryOrigin::Proposal { list: ref l, .. }) if l == list) {
                return refused("entry", Refusal::ProposalIdForm { list: list.clone() });
            }
            if file.events.iter().any(|e| matches!(&e.event, Event::ListProposed { entry: existing, .. } if existing == entry)) {
                return refused("entry", Refusal::EntryExists { entry: entry.to_string() });
            }
            Ok(Effect::None)
        }
        event => {
            // Decisions name their case; everything else names its entry.
            let (entry, case_key) = match event {
                Event::AppealDecided { appeal: case, .. } | Event::RepairDecided { repair: case, .. } => match cases.get(case) {
                    Some(entry) => ((*entry).clone(), Some(case.as_str())),
                    None => {
                        let field = if matches!(event, Event::AppealDecided { .. }) { "appeal" } else { "repair" };
                        return refused(field, Refusal::CaseMissing { case: case.to_string() });
                    }
                },
                Event::AppealFiled { appeal: case, entry, .. } | Event::RepairApplied { repair: case, entry, .. } => {
                    if cases.contains_key(case) {
                        let field = if matches!(event, Event::AppealFiled { .. }) { "appeal" } else { "repair" };
                        return refused(field, Refusal::CaseIdUsed { case: case.to_string() });
                    }
                    (entry.clone(), None)
                }
                Event::NoticeServed { entry } | Event::ListWithdrawn { entry, .. } => (entry.clone(), None),
                _ => unreachable!("handled above"),
            };
            not_before(entry.as_str(), "on")?;
            if let Some(case) = case_key {
                not_before(case, "on")?;
            }
            let changes = tier_changes(rulebook, file, on);
            let Some(origin) = origins(rulebook, subject, file, &changes, on).into_iter().find(|(_, origin)| origin.id == entry) else {
                return refused("entry", Refusal::EntryMissing { entry: entry.to_string(), subject: subject.to_string(), on });
            };
            let mut machine = run(rulebook, subject, origin, &sorted_events(file), &cases, on);
            machine.apply(new)?;
            Ok(Effect::None)
        }
    }
}
