//! Decisions: may this subject use this service, on this date?
//!
//! A pure function of the rulebook's measures, the subject's standing (tier,
//! list entries in force, and records in force of behaviours a measure
//! names) and the standing of the subjects linked to it
//! (guardians; represented organisations; legal representatives). A measure
//! reaches a linked subject only along a link the rulebook names. Deny wins
//! over allow; no measure means allow.

use serde::Serialize;

use crate::date::{Date, serde_date};
use crate::id::SubjectId;
use crate::process::EntryId;
use crate::record::RecordId;
use crate::rulebook::{Extension, MeasureKind, Rulebook};
use crate::tier::Tier;

/// A list entry in force on the decision date.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Listed {
    pub list: String,
    pub entry: EntryId,
}

/// A record that counts on the decision date, of a behaviour some measure names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Counted {
    pub behaviour: String,
    pub record: RecordId,
}

/// Where a subject stands on a date, as far as decisions go.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Standing {
    pub subject: SubjectId,
    pub tier: Tier,
    pub listed: Vec<Listed>,
    /// Only records of behaviours that trigger a measure.
    pub records: Vec<Counted>,
}

/// A record of a behaviour that triggers a measure, and the days it counts
/// on, `[since, until)`: what a cache keeps to decide without the file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordTrigger {
    pub behaviour: String,
    pub record: RecordId,
    pub since: Date,
    pub until: Date,
}

/// Every record of `file` that can trigger a measure of `rulebook`, whenever it counts.
pub fn record_triggers(rulebook: &Rulebook, file: &crate::record::SubjectFile) -> Vec<RecordTrigger> {
    let triggers = |behaviour: &str| rulebook.measures.iter().any(|measure| measure.records.iter().any(|code| code == behaviour));
    // Most files hold no such record: they are not assessed a second time to find none.
    if !file.records.iter().any(|record| triggers(&record.behaviour)) {
        return Vec::new();
    }
    crate::assess::counting(rulebook, file)
        .into_iter()
        .filter(|(record, _, _)| triggers(&record.behaviour))
        .map(|(record, since, until)| RecordTrigger { behaviour: record.behaviour.clone(), record: record.id.clone(), since, until })
        .collect()
}

/// The subjects linked to the one a decision is about.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LinkedStandings {
    /// The subject's guardians.
    pub guardians: Vec<Standing>,
    /// The organisations the subject legally represents.
    pub represented: Vec<Standing>,
    /// The legal representatives of the subject (an organisation).
    pub representatives: Vec<Standing>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "kebab-case")]
pub enum Outcome {
    Allow,
    Deny,
    AllowWithBenefit,
}

impl Outcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Allow => "allow",
            Outcome::Deny => "deny",
            Outcome::AllowWithBenefit => "allow-with-benefit",
        }
    }
}

/// What set a measure off.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Cause {
    List {
        list: String,
        entry: EntryId,
    },
    Tier {
        tier: String,
    },
    /// A record of a behaviour the measure names, while it counts.
    Record {
        behaviour: String,
        record: RecordId,
    },
}

/// The linked subject a measure came through.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Via {
    pub link: Extension,
    pub subject: SubjectId,
}

/// One measure that applies, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Reason {
    pub measure: String,
    pub title: String,
    pub kind: MeasureKind,
    pub legal_basis: String,
    pub cause: Cause,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub via: Option<Via>,
    /// Whether a provider may be told this reason.
    pub disclose: bool,
}

/// The full decision, as the subject and reviewers see it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Decision {
    pub subject: SubjectId,
    pub service: String,
    #[serde(with = "serde_date")]
    pub as_of: Date,
    pub outcome: Outcome,
    pub reasons: Vec<Reason>,
    pub benefits: Vec<String>,
    /// How the subject can contest it (empty when nothing is denied).
    #[serde(skip_serializing_if = "String::is_empty")]
    pub appeal: String,
}

impl Decision {
    /// The measure codes a provider may be told, each once, in the order of
    /// the reasons (two list entries can set off one measure).
    pub fn disclosed_measures(&self) -> Vec<String> {
        let mut measures: Vec<String> = Vec::new();
        for reason in self.reasons.iter().filter(|r| r.disclose) {
            if !measures.contains(&reason.measure) {
                measures.push(reason.measure.clone());
            }
        }
        measures
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0:?} is not a service of the rulebook")]
pub struct UnknownService(pub String);

fn causes(rulebook: &Rulebook, measure: &crate::rulebook::Measure, standing: &Standing) -> Vec<Cause> {
    let mut out: Vec<Cause> = standing
        .listed
        .iter()
        .filter(|listed| measure.lists.contains(&listed.list))
        .map(|listed| Cause::List { list: listed.list.clone(), entry: listed.entry.clone() })
        .collect();
    if measure.tiers.contains(&standing.tier) {
        out.push(Cause::Tier { tier: rulebook.tiers.name(standing.tier).to_string() });
    }
    for counted in standing.records.iter().filter(|counted| measure.records.contains(&counted.behaviour)) {
        out.push(Cause::Record { behaviour: counted.behaviour.clone(), record: counted.record.clone() });
    }
    out
}

/// How to contest a denial: short, because it travels with every answer.
pub const APPEAL: &str =
    "The subject sees every reason in their file: appeal the list entry in its window, dispute its records, or apply for repair.";
pub const APPEAL_THROUGH_LINK: &str =
    "The measure comes through a linked subject, who can appeal their entry; the subject sees every reason in their file.";

/// Decides one service for one subject.
pub fn decide(
    rulebook: &Rulebook,
    service: &str,
    as_of: Date,
    own: &Standing,
    linked: &LinkedStandings,
) -> Result<Decision, UnknownService> {
    if rulebook.service(service).is_none() {
        return Err(UnknownService(service.to_string()));
    }
    let kind = own.subject.kind();
    let mut reasons = Vec::new();
    for measure in rulebook.measures.iter().filter(|m| m.service == service && m.applies_to.contains(&kind)) {
        let mut add = |standing: &Standing, via: Option<Via>| {
            for cause in causes(rulebook, measure, standing) {
                reasons.push(Reason {
                    measure: measure.code.clone(),
                    title: measure.title.clone(),
                    kind: measure.kind,
                    legal_basis: measure.legal_basis.clone(),
                    cause,
                    via: via.clone(),
                    disclose: measure.disclose,
                });
            }
        };
        if measure.direct {
            add(own, None);
        }
        for (extension, standings) in [
            (Extension::Children, &linked.guardians),
            (Extension::LegalRepresentatives, &linked.represented),
            (Extension::RepresentedOrganisations, &linked.representatives),
        ] {
            if measure.extends_to.contains(&extension) {
                for standing in standings {
                    add(standing, Some(Via { link: extension, subject: standing.subject }));
                }
            }
        }
    }
    let denied = reasons.iter().any(|r| r.kind == MeasureKind::Restriction);
    let mut benefits: Vec<String> = Vec::new();
    if !denied {
        for reason in reasons.iter().filter(|r| r.kind == MeasureKind::Reward) {
            let benefit = rulebook.measures.iter().find(|m| m.code == reason.measure).and_then(|m| m.benefit.clone());
            if let Some(benefit) = benefit.filter(|b| !benefits.contains(b)) {
                benefits.push(benefit);
            }
        }
    }
    // Deny wins; a reward is granted only where nothing restricts.
    if denied {
        reasons.retain(|r| r.kind == MeasureKind::Restriction);
    }
    let outcome = if denied {
        Outcome::Deny
    } else if benefits.is_empty() {
        Outcome::Allow
    } else {
        Outcome::AllowWithBenefit
    };
    let appeal = match outcome {
        Outcome::Deny if reasons.iter().any(|r| r.via.is_some()) => APPEAL_THROUGH_LINK,
        Outcome::Deny => APPEAL,
        _ => "",
    }
    .to_string();
    Ok(Decision { subject: own.subject, service: service.to_string(), as_of, outcome, reasons, benefits, appeal })
}

/// Decides every service: "what I may and may not do, and why".
pub fn decide_all(rulebook: &Rulebook, as_of: Date, own: &Standing, linked: &LinkedStandings) -> Vec<Decision> {
    rulebook.services.iter().map(|service| decide(rulebook, &service.code, as_of, own, linked).expect("a rulebook's own service")).collect()
}

/// A subject's standing on a date, from its file.
pub fn standing(rulebook: &Rulebook, subject: SubjectId, file: &crate::record::SubjectFile, as_of: Date) -> Standing {
    let summary = crate::assess::summarise(rulebook, file, as_of);
    let view = crate::lists::evaluate(rulebook, subject, file, as_of);
    Standing {
        subject,
        tier: summary.tier,
        listed: view.entries.into_iter().filter(|e| e.in_force()).map(|e| Listed { list: e.list, entry: e.id }).collect(),
        records: record_triggers(rulebook, file)
            .into_iter()
            .filter(|trigger| trigger.since <= as_of && as_of < trigger.until)
            .map(|trigger| Counted { behaviour: trigger.behaviour, record: trigger.record })
            .collect(),
    }
}
