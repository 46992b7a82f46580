//! Services and the measures catalogue (joint rewards and punishments).

use std::collections::HashSet;

use serde::{Deserialize, Serialize};
use toml::Spanned;

use super::{Behaviour, ListSpec, Problems, check_chinese, is_code, is_text};
use crate::id::SubjectKind;
use crate::tier::{Tier, TierTable};

pub const MAX_SERVICES: usize = 128;
pub const MAX_MEASURES: usize = 256;

/// A service category a provider may ask about.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Service {
    pub code: String,
    pub title: String,
    pub title_zh: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "kebab-case")]
pub enum MeasureKind {
    Restriction,
    Reward,
}

/// A link along which a measure reaches another subject, named from the
/// point of view of the subject whose standing triggers it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "kebab-case")]
pub enum Extension {
    /// A guardian's standing reaches their children.
    Children,
    /// An organisation's standing reaches its legal representatives.
    LegalRepresentatives,
    /// A legal representative's standing reaches the organisations they represent.
    RepresentedOrganisations,
}

impl Extension {
    pub fn as_str(self) -> &'static str {
        match self {
            Extension::Children => "children",
            Extension::LegalRepresentatives => "legal-representatives",
            Extension::RepresentedOrganisations => "represented-organisations",
        }
    }

    /// What the linked subject, whose standing the measure comes from, is to the one decided about.
    pub fn source_role(self) -> &'static str {
        match self {
            Extension::Children => "guardian",
            Extension::LegalRepresentatives => "represented organisation",
            Extension::RepresentedOrganisations => "legal representative",
        }
    }
}

/// One joint reward or punishment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Measure {
    pub code: String,
    pub title: String,
    pub title_zh: String,
    pub service: String,
    pub kind: MeasureKind,
    /// The kinds of subject the measure is applied to.
    pub applies_to: Vec<SubjectKind>,
    /// Being listed (in force) on any of these lists triggers it.
    pub lists: Vec<String>,
    /// Being in any of these tiers triggers it.
    pub tiers: Vec<Tier>,
    /// A record of any of these behaviours that counts on the day triggers
    /// it: the consequence a law attaches to one kind of act (evading
    /// military service bars further education), for as long as the record
    /// counts towards the score.
    pub records: Vec<String>,
    /// Whether it applies to the triggering subject itself (not only through links).
    pub direct: bool,
    /// Links along which it also applies; explicit, never implicit.
    pub extends_to: Vec<Extension>,
    pub legal_basis: String,
    pub legal_basis_zh: String,
    /// Whether a provider may learn this measure's code as the reason.
    pub disclose: bool,
    /// For rewards: the benefit granted (e.g. deposit-free).
    pub benefit: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawService {
    code: String,
    title: String,
    #[serde(default)]
    title_zh: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawMeasure {
    code: String,
    title: String,
    #[serde(default)]
    title_zh: String,
    service: String,
    kind: String,
    applies_to: Vec<String>,
    #[serde(default)]
    lists: Vec<String>,
    #[serde(default)]
    tiers: Vec<String>,
    #[serde(default)]
    records: Vec<String>,
    #[serde(default = "yes")]
    direct: bool,
    #[serde(default)]
    extends_to: Vec<String>,
    legal_basis: String,
    #[serde(default)]
    legal_basis_zh: String,
    #[serde(default = "yes")]
    disclose: bool,
    benefit: Option<String>,
}

fn yes() -> bool {
    true
}

pub(super) fn validate_services(raw: Vec<Spanned<RawService>>, problems: &mut Problems<'_>) -> Vec<Service> {
    if raw.len() > MAX_SERVICES {
        problems.list.push(super::RulebookProblem { line: None, key: "service".into(), reason: format!("at most {MAX_SERVICES}") });
    }
    let mut seen = HashSet::new();
    let mut services = Vec::new();
    for (index, spanned) in raw.into_iter().enumerate() {
        let span = spanned.span();
        let service = spanned.into_inner();
        let key = |field: &str| format!("service[{index}].{field}");
        if !is_code(&service.code, 64) {
            problems.add(&span, key("code"), format!("{:?} must be 1-64 characters of a-z, 0-9 and inner hyphens", service.code));
        } else if !seen.insert(service.code.clone()) {
            problems.add(&span, key("code"), format!("{:?} is declared twice", service.code));
        }
        if !is_text(&service.title, 200) {
            problems.add(&span, key("title"), "must be 1-200 characters of text");
        }
        check_chinese(problems, &span, key("title"), &service.title, &service.title_zh, 200);
        services.push(Service { code: service.code, title: service.title, title_zh: service.title_zh });
    }
    services
}

pub(super) fn validate_measures(
    raw: Vec<Spanned<RawMeasure>>,
    services: &[Service],
    lists: &[ListSpec],
    behaviours: &[Behaviour],
    tiers: Option<&TierTable>,
    problems: &mut Problems<'_>,
) -> Vec<Measure> {
    if raw.len() > MAX_MEASURES {
        problems.list.push(super::RulebookProblem { line: None, key: "measure".into(), reason: format!("at most {MAX_MEASURES}") });
    }
    let mut seen = HashSet::new();
    let mut measures = Vec::new();
    for (index, spanned) in raw.into_iter().enumerate() {
        let span = spanned.span();
        let measure = spanned.into_inner();
        let key = |field: &str| format!("measure[{index}].{field}");
        if !is_code(&measure.code, 64) {
            problems.add(&span, key("code"), format!("{:?} must be 1-64 characters of a-z, 0-9 and inner hyphens", measure.code));
        } else if !seen.insert(measure.code.clone()) {
            problems.add(&span, key("code"), format!("{:?} is declared twice", measure.code));
        }
        if !is_text(&measure.title, 200) {
            problems.add(&span, key("title"), "must be 1-200 characters of text");
        }
        check_chinese(problems, &span, key("title"), &measure.title, &measure.title_zh, 200);
        check_chinese(problems, &span, key("legal_basis"), &measure.legal_basis, &measure.legal_basis_zh, 500);
        if !services.iter().any(|s| s.code == measure.service) {
            problems.add(&span, key("service"), format!("{:?} is not a [[service]] of this rulebook", measure.service));
        }
        let kind = match measure.kind.as_str() {
            "restriction" => MeasureKind::Restriction,
            "reward" => MeasureKind::Reward,
            other => {
                problems.add(&span, key("kind"), format!("{other:?} is not one of \"restriction\", \"reward\""));
                MeasureKind::Restriction
            }
        };
        let mut applies_to = Vec::new();
        for name in &measure.applies_to {
            match name.parse::<SubjectKind>() {
                Ok(kind) if !applies_to.contains(&kind) => applies_to.push(kind),
                Ok(_) => problems.add(&span, key("applies_to"), format!("{name:?} is listed twice")),
                Err(reason) => problems.add(&span, key("applies_to"), reason),
            }
        }
        if measure.applies_to.is_empty() {
            problems.add(&span, key("applies_to"), "must name person, organisation or both");
        }
        for list in &measure.lists {
            if !lists.iter().any(|l| &l.code == list) {
                problems.add(&span, key("lists"), format!("{list:?} is not a [[list]] of this rulebook"));
            }
        }
        let mut measure_tiers = Vec::new();
        for name in &measure.tiers {
            match tiers.and_then(|t| t.by_name(name)) {
                Some(tier) => measure_tiers.push(tier),
                None if tiers.is_some() => problems.add(&span, key("tiers"), format!("{name:?} is not a tier in [tiers]")),
                None => {}
            }
        }
        let mut records = Vec::new();
        for code in &measure.records {
            // Behaviours are refused on forbidden grounds where they are declared,
            // so a record trigger can only name an act the rulebook may record.
            if !behaviours.iter().any(|behaviour| &behaviour.code == code) {
                problems.add(&span, key("records"), format!("{code:?} is not a [[behaviour]] of this rulebook"));
            } else if records.contains(code) {
                problems.add(&span, key("records"), format!("{code:?} is listed twice"));
            } else {
                records.push(code.clone());
            }
        }
        if measure.lists.is_empty() && measure.tiers.is_empty() && measure.records.is_empty() {
            problems.add(&span, key("lists"), "a measure needs a trigger: lists, tiers, records or several");
        }
        let mut extends_to = Vec::new();
        for name in &measure.extends_to {
            let extension = match name.as_str() {
                "children" => Extension::Children,
                "legal-representatives" => Extension::LegalRepresentatives,
                "represented-organisations" => Extension::RepresentedOrganisations,
                other => {
                    problems.add(
                        &span,
                        key("extends_to"),
                        format!("{other:?} is not one of children, legal-representatives, represented-organisations"),
                    );
                    continue;
                }
            };
            if !extends_to.contains(&extension) {
                extends_to.push(extension);
            }
        }
        if !measure.direct && extends_to.is_empty() {
            problems.add(&span, key("direct"), "a measure that does not apply directly must extend to someone");
        }
        if !is_text(&measure.legal_basis, 500) {
            problems.add(&span, key("legal_basis"), "is required: 1-500 characters naming the law that allows this measure");
        }
        match (kind, &measure.benefit) {
            (MeasureKind::Reward, None) => problems.add(&span, key("benefit"), "a reward names its benefit"),
            (MeasureKind::Restriction, Some(_)) => problems.add(&span, key("benefit"), "only rewards have a benefit"),
            (_, Some(benefit)) if !is_code(benefit, 64) => problems.add(&span, key("benefit"), "must be 1-64 characters of a-z, 0-9 and -"),
            _ => {}
        }
        measures.push(Measure {
            code: measure.code,
            title: measure.title,
            title_zh: measure.title_zh,
            service: measure.service,
            kind,
            applies_to,
            lists: measure.lists,
            tiers: measure_tiers,
            records,
            direct: measure.direct,
            extends_to,
            legal_basis: measure.legal_basis,
            legal_basis_zh: measure.legal_basis_zh,
            disclose: measure.disclose,
            benefit: measure.benefit,
        });
    }
    measures
}
