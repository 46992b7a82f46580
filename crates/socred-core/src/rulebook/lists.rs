//! Lists (blacklist, redlist) and the due-process periods, as declared in the rulebook.

use std::collections::HashSet;
use std::ops::Range;

use serde::{Deserialize, Serialize};
use toml::Spanned;

use super::{Behaviour, Problems, check_chinese, is_code, is_text, says};
use crate::id::SubjectKind;
use crate::tier::{Tier, TierTable};

pub const MAX_LISTS: usize = 16;
pub const MAX_TRIGGERS: usize = 32;
pub const MAX_APPEAL_DAYS: i64 = 90;
pub const MAX_LISTING_YEARS: i64 = 10;
pub const MAX_DECISION_DAYS: i64 = 365;

/// Whether a list restricts or rewards.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "kebab-case")]
pub enum ListKind {
    /// A blacklist: measures restrict; credit repair applies.
    Restrictive,
    /// A redlist: measures reward.
    Commendatory,
}

/// What puts a subject on a list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Trigger {
    /// A record of this behaviour.
    Behaviour { code: String },
    /// Entering this tier. With `while_in_tier`, the entry ends when the subject leaves it.
    Tier { tier: Tier, name: String, while_in_tier: bool },
}

/// A list as the rulebook declares it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ListSpec {
    pub code: String,
    pub title: String,
    pub title_zh: String,
    pub kind: ListKind,
    pub applies_to: Vec<SubjectKind>,
    pub legal_basis: String,
    pub legal_basis_zh: String,
    /// What being listed means, in words, for the written notice.
    pub consequences: String,
    pub consequences_zh: String,
    /// Days after the notice is served during which the subject may appeal.
    /// Listing starts the day after; with 0 days, on the day of the notice.
    pub appeal_days: u32,
    /// Whether an appeal decision may itself be appealed, once.
    pub second_instance: bool,
    /// Published at least this long before credit repair can end it.
    pub min_publication_years: u32,
    /// Listing ends after this long unless ended earlier.
    pub max_listing_years: u32,
    pub repair_requires_commitment: bool,
    /// Whether a reviewer may propose entries with a stated legal basis.
    pub manual: bool,
    /// Whether listed entries appear on the public list.
    pub published: bool,
    pub triggers: Vec<Trigger>,
}

/// Deadlines for decisions, in days from filing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DueProcess {
    pub dispute_decision_days: u32,
    pub appeal_decision_days: u32,
    pub repair_decision_days: u32,
    /// Where a written appeal, dispute or repair application may be posted
    /// (the written notice names it beside the portal); empty when none.
    pub postal_address: String,
    pub postal_address_zh: String,
}

/// The longest postal address, in characters.
pub const MAX_POSTAL_ADDRESS_CHARS: usize = 300;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawDueProcess {
    dispute_decision_days: i64,
    appeal_decision_days: i64,
    repair_decision_days: i64,
    #[serde(default)]
    postal_address: String,
    #[serde(default)]
    postal_address_zh: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawList {
    code: String,
    title: String,
    #[serde(default)]
    title_zh: String,
    kind: String,
    applies_to: Vec<String>,
    legal_basis: String,
    #[serde(default)]
    legal_basis_zh: String,
    consequences: String,
    #[serde(default)]
    consequences_zh: String,
    appeal_days: i64,
    #[serde(default)]
    second_instance: bool,
    #[serde(default)]
    min_publication_years: i64,
    max_listing_years: i64,
    #[serde(default)]
    repair_requires_commitment: bool,
    #[serde(default = "yes")]
    manual: bool,
    #[serde(default = "yes")]
    published: bool,
    #[serde(default)]
    trigger: Vec<RawTrigger>,
}

fn yes() -> bool {
    true
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawTrigger {
    behaviour: Option<String>,
    tier: Option<String>,
    #[serde(default)]
    while_in_tier: bool,
}

pub(super) fn validate_due_process(raw: Option<Spanned<RawDueProcess>>, problems: &mut Problems<'_>) -> DueProcess {
    let Some(raw) = raw else {
        return DueProcess {
            dispute_decision_days: 30,
            appeal_decision_days: 30,
            repair_decision_days: 30,
            postal_address: String::new(),
            postal_address_zh: String::new(),
        };
    };
    let span = raw.span();
    let raw = raw.into_inner();
    if !raw.postal_address.is_empty() && !super::is_text(&raw.postal_address, MAX_POSTAL_ADDRESS_CHARS) {
        problems.add(&span, "due_process.postal_address", says::TEXT_LENGTH.with([("max", &MAX_POSTAL_ADDRESS_CHARS)]));
    }
    super::check_chinese(
        problems,
        &span,
        "due_process.postal_address".into(),
        &raw.postal_address,
        &raw.postal_address_zh,
        MAX_POSTAL_ADDRESS_CHARS,
    );
    let mut days = |key: &str, value: i64| -> u32 {
        if !(1..=MAX_DECISION_DAYS).contains(&value) {
            problems.add(&span, format!("due_process.{key}"), says::BETWEEN_DAYS.with([("min", &1), ("max", &MAX_DECISION_DAYS)]));
        }
        value.clamp(1, MAX_DECISION_DAYS) as u32
    };
    DueProcess {
        dispute_decision_days: days("dispute_decision_days", raw.dispute_decision_days),
        appeal_decision_days: days("appeal_decision_days", raw.appeal_decision_days),
        repair_decision_days: days("repair_decision_days", raw.repair_decision_days),
        postal_address: raw.postal_address,
        postal_address_zh: raw.postal_address_zh,
    }
}

pub(super) fn validate_lists(
    raw: Vec<Spanned<RawList>>,
    behaviours: &[Behaviour],
    tiers: Option<&TierTable>,
    problems: &mut Problems<'_>,
) -> Vec<ListSpec> {
    if raw.len() > MAX_LISTS {
        problems.add_unplaced("list", says::TOO_MANY.with([("count", &raw.len()), ("max", &MAX_LISTS)]));
    }
    let mut codes = HashSet::new();
    let mut lists = Vec::with_capacity(raw.len());
    for (index, spanned) in raw.into_iter().enumerate() {
        let span: Range<usize> = spanned.span();
        let list = spanned.into_inner();
        let key = |field: &str| format!("list[{index}].{field}");
        if !is_code(&list.code, 32) {
            problems.add(&span, key("code"), says::CODE_FORMAT.with([("code", &format!("{:?}", list.code)), ("max", &32)]));
        } else if !codes.insert(list.code.clone()) {
            problems.add(&span, key("code"), says::DECLARED_TWICE.with([("code", &format!("{:?}", list.code))]));
        }
        if !is_text(&list.title, 200) {
            problems.add(&span, key("title"), says::TEXT_LENGTH.with([("max", &200)]));
        }
        let kind = match list.kind.as_str() {
            "restrictive" => ListKind::Restrictive,
            "commendatory" => ListKind::Commendatory,
            other => {
                let choices = "\"restrictive\", \"commendatory\"";
                problems.add(&span, key("kind"), says::NOT_ONE_OF.with([("value", &format!("{other:?}")), ("choices", &choices)]));
                ListKind::Restrictive
            }
        };
        let mut applies_to = Vec::new();
        for name in &list.applies_to {
            match name.parse::<SubjectKind>() {
                Ok(kind) if !applies_to.contains(&kind) => applies_to.push(kind),
                Ok(_) => problems.add(&span, key("applies_to"), says::LISTED_TWICE.with([("name", &format!("{name:?}"))])),
                Err(_) => problems.add(&span, key("applies_to"), says::SUBJECT_KIND.with([("kind", &format!("{name:?}"))])),
            }
        }
        if list.applies_to.is_empty() {
            problems.add(&span, key("applies_to"), says::APPLIES_TO_EMPTY);
        }
        if !is_text(&list.legal_basis, 500) {
            problems.add(&span, key("legal_basis"), says::LEGAL_BASIS_LIST);
        }
        if !is_text(&list.consequences, 2000) {
            problems.add(&span, key("consequences"), says::CONSEQUENCES_REQUIRED);
        }
        check_chinese(problems, &span, key("title"), &list.title, &list.title_zh, 200);
        check_chinese(problems, &span, key("legal_basis"), &list.legal_basis, &list.legal_basis_zh, 500);
        check_chinese(problems, &span, key("consequences"), &list.consequences, &list.consequences_zh, 2000);
        if !(0..=MAX_APPEAL_DAYS).contains(&list.appeal_days) {
            problems.add(&span, key("appeal_days"), says::BETWEEN.with([("min", &0), ("max", &MAX_APPEAL_DAYS)]));
        }
        if !(1..=MAX_LISTING_YEARS).contains(&list.max_listing_years) {
            problems.add(&span, key("max_listing_years"), says::BETWEEN.with([("min", &1), ("max", &MAX_LISTING_YEARS)]));
        }
        if !(0..=list.max_listing_years.max(0)).contains(&list.min_publication_years) {
            problems.add(&span, key("min_publication_years"), says::PUBLICATION_YEARS);
        }
        if kind == ListKind::Commendatory && list.repair_requires_commitment {
            problems.add(&span, key("repair_requires_commitment"), says::REPAIR_RESTRICTIVE_ONLY);
        }
        if list.trigger.len() > MAX_TRIGGERS {
            problems.add(&span, key("trigger"), says::TOO_MANY.with([("count", &list.trigger.len()), ("max", &MAX_TRIGGERS)]));
        }
        let mut triggers = Vec::new();
        for (trigger_index, trigger) in list.trigger.iter().enumerate() {
            let key = |field: &str| format!("list[{index}].trigger[{trigger_index}].{field}");
            match (&trigger.behaviour, &trigger.tier) {
                (Some(code), None) => {
                    if trigger.while_in_tier {
                        problems.add(&span, key("while_in_tier"), says::WHILE_IN_TIER);
                    }
                    if behaviours.iter().any(|b| &b.code == code) {
                        triggers.push(Trigger::Behaviour { code: code.clone() });
                    } else {
                        problems.add(&span, key("behaviour"), says::NOT_A_BEHAVIOUR.with([("code", &format!("{code:?}"))]));
                    }
                }
                (None, Some(name)) => match tiers.and_then(|t| t.by_name(name)) {
                    Some(tier) => triggers.push(Trigger::Tier { tier, name: name.clone(), while_in_tier: trigger.while_in_tier }),
                    None => {
                        if tiers.is_some() {
                            problems.add(&span, key("tier"), says::NOT_A_TIER.with([("name", &format!("{name:?}"))]));
                        }
                    }
                },
                _ => problems.add(&span, key("behaviour"), says::TRIGGER_ONE_OF),
            }
        }
        if triggers.is_empty() && !list.manual && list.trigger.is_empty() {
            problems.add(&span, key("trigger"), says::LIST_NEEDS_TRIGGER);
        }
        lists.push(ListSpec {
            code: list.code,
            title: list.title,
            title_zh: list.title_zh,
            kind,
            applies_to,
            legal_basis: list.legal_basis,
            legal_basis_zh: list.legal_basis_zh,
            consequences: list.consequences,
            consequences_zh: list.consequences_zh,
            appeal_days: list.appeal_days.clamp(0, MAX_APPEAL_DAYS) as u32,
            second_instance: list.second_instance,
            min_publication_years: list.min_publication_years.clamp(0, MAX_LISTING_YEARS) as u32,
            max_listing_years: list.max_listing_years.clamp(1, MAX_LISTING_YEARS) as u32,
            repair_requires_commitment: list.repair_requires_commitment,
            manual: list.manual,
            published: list.published,
            triggers,
        });
    }
    lists
}
