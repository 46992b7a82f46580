//! Services and the measures catalogue (joint rewards and punishments).

use std::collections::HashSet;

use serde::{Deserialize, Serialize};
use toml::Spanned;

use super::{Behaviour, ListSpec, Problems, check_chinese, is_code, is_text, says};
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
        problems.add_unplaced("service", says::TOO_MANY.with([("count", &raw.len()), ("max", &MAX_SERVICES)]));
    }
    let mut seen = HashSet::new();
    let mut services = Vec::new();
    for (index, spanned) in raw.into_iter().enumerate() {
        let span = spanned.span();
        let service = spanned.into_inner();
        let key = |field: &str| format!("service[{index}].{field}");
        if !is_code(&service.code, 64) {
            problems.add(&span, key("code"), says::CODE_FORMAT.with([("code", &format!("{:?}", service.code)), ("max", &64)]));
        } else if !seen.insert(service.code.clone()) {
            problems.add(&span, key("code"), says::DECLARED_TWICE.with([("code", &format!("{:?}", service.code))]));
        }
        if !is_text(&service.title, 200) {
            problems.add(&span, key("title"), says::TEXT_LENGTH.with([("max", &200)]));
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
        problems.add_unplaced("measure", says::TOO_MANY.with([("count", &raw.len()), ("max", &MAX_MEASURES)]));
    }
    let mut seen = HashSet::new();
    let mut measures = Vec::new();
    for (index, spanned) in raw.into_iter().enumerate() {
        let span = spanned.span();
        let measure = spanned.into_inner();
        let key = |field: &str| format!("measure[{index}].{field}");
        if !is_code(&measure.code, 64) {
            problems.add(&span, key("code"), says::CODE_FORMAT.with([("code", &format!("{:?}", measure.code)), ("max", &64)]));
        } else if !seen.insert(measure.code.clone()) {
            problems.add(&span, key("code"), says::DECLARED_TWICE.with([("code", &format!("{:?}", measure.code))]));
        }
        if !is_text(&measure.title, 200) {
            problems.add(&span, key("title"), says::TEXT_LENGTH.with([("max", &200)]));
        }
        check_chinese(problems, &span, key("title"), &measure.title, &measure.title_zh, 200);
        check_chinese(problems, &span, key("legal_basis"), &measure.legal_basis, &measure.legal_basis_zh, 500);
        if !services.iter().any(|s| s.code == measure.service) {
            problems.add(&span, key("service"), says::NOT_A_SERVICE.with([("code", &format!("{:?}", measure.service))]));
        }
        let kind = match measure.kind.as_str() {
            "restriction" => MeasureKind::Restriction,
            "reward" => MeasureKind::Reward,
            other => {
                let choices = "\"restriction\", \"reward\"";
                problems.add(&span, key("kind"), says::NOT_ONE_OF.with([("value", &format!("{other:?}")), ("choices", &choices)]));
                MeasureKind::Restriction
            }
        };
        let mut applies_to = Vec::new();
        for name in &measure.applies_to {
            match name.parse::<SubjectKind>() {
                Ok(kind) if !applies_to.contains(&kind) => applies_to.push(kind),
                Ok(_) => problems.add(&span, key("applies_to"), says::LISTED_TWICE.with([("name", &format!("{name:?}"))])),
                Err(_) => problems.add(&span, key("applies_to"), says::SUBJECT_KIND.with([("kind", &format!("{name:?}"))])),
            }
        }
        if measure.applies_to.is_empty() {
            problems.add(&span, key("applies_to"), says::APPLIES_TO_EMPTY);
        }
        for list in &measure.lists {
            if !lists.iter().any(|l| &l.code == list) {
                problems.add(&span, key("lists"), says::NOT_A_LIST.with([("code", &format!("{list:?}"))]));
            }
        }
        let mut measure_tiers = Vec::new();
        for name in &measure.tiers {
            match tiers.and_then(|t| t.by_name(name)) {
                Some(tier) => measure_tiers.push(tier),
                None if tiers.is_some() => problems.add(&span, key("tiers"), says::NOT_A_TIER.with([("name", &format!("{name:?}"))])),
                None => {}
            }
        }
        let mut records = Vec::new();
        for code in &measure.records {
            // Behaviours are refused on forbidden grounds where they are declared,
            // so a record trigger can only name an act the rulebook may record.
            if !behaviours.iter().any(|behaviour| &behaviour.code == code) {
                problems.add(&span, key("records"), says::NOT_A_BEHAVIOUR_TABLE.with([("code", &format!("{code:?}"))]));
            } else if records.contains(code) {
                problems.add(&span, key("records"), says::LISTED_TWICE.with([("name", &format!("{code:?}"))]));
            } else {
                records.push(code.clone());
            }
        }
        if measure.lists.is_empty() && measure.tiers.is_empty() && measure.records.is_empty() {
            problems.add(&span, key("lists"), says::MEASURE_NEEDS_TRIGGER);
        }
        let mut extends_to = Vec::new();
        for name in &measure.extends_to {
            let extension = match name.as_str() {
                "children" => Extension::Children,
                "legal-representatives" => Extension::LegalRepresentatives,
                "represented-organisations" => Extension::RepresentedOrganisations,
                other => {
                    let choices = "children, legal-representatives, represented-organisations";
                    problems.add(
                        &span,
                        key("extends_to"),
                        says::NOT_ONE_OF.with([("value", &format!("{other:?}")), ("choices", &choices)]),
                    );
                    continue;
                }
            };
            if !extends_to.contains(&extension) {
                extends_to.push(extension);
            }
        }
        if !measure.direct && extends_to.is_empty() {
            problems.add(&span, key("direct"), says::MEASURE_EXTENDS);
        }
        if !is_text(&measure.legal_basis, 500) {
            problems.add(&span, key("legal_basis"), says::LEGAL_BASIS_MEASURE);
        }
        match (kind, &measure.benefit) {
            (MeasureKind::Reward, None) => problems.add(&span, key("benefit"), says::REWARD_NEEDS_BENEFIT),
            (MeasureKind::Restriction, Some(_)) => problems.add(&span, key("benefit"), says::BENEFIT_ONLY_REWARDS),
            (_, Some(benefit)) if !is_code(benefit, 64) => problems.add(&span, key("benefit"), says::BENEFIT_FORMAT),
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
