//! The rulebook: a declarative, versioned TOML document that says what every
//! behaviour is worth, how long it counts, what the tiers are and how subjects
//! recover from a locked tier.
//!
//! Loading validates everything and reports every problem at once, each with
//! the file, the line, the key and the reason. Categories are a closed set;
//! the grounds that socred refuses on principle are rejected with an error
//! that says why.

use std::collections::HashMap;
use std::fmt;
use std::ops::Range;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use toml::Spanned;

use crate::tier::{Tier, TierSpec, TierTable};

mod authorities;
pub mod limits;
mod lists;
mod measures;
pub mod reasons;
pub mod reporting;

pub use authorities::Authority;
pub use limits::Limits;
pub use lists::{DueProcess, ListKind, ListSpec, Trigger};
pub use measures::{Extension, Measure, MeasureKind, Service};
use reasons as says;
pub use reasons::{ProblemArgument, ProblemMessage, Template};
pub use reporting::Reporting;

/// Limits on rulebook size; a rulebook is configuration, not data.
pub const MAX_RULEBOOK_BYTES: usize = 1 << 20;
pub const MAX_BEHAVIOURS: usize = 1_000;
pub const MAX_TIERS: usize = 16;
pub const MAX_POINTS_ABS: i64 = 1_000;
pub const MAX_RECORD_YEARS: i64 = 50;
pub const MAX_LOCK_YEARS: i64 = 20;
pub const MAX_BASE_SCORE: i64 = 100_000;

/// What a behaviour is about. The set is closed: a rulebook can only use these.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "kebab-case")]
pub enum Category {
    Tax,
    Judicial,
    Criminal,
    Finance,
    Commerce,
    Labour,
    Traffic,
    TransportOrder,
    PublicOrder,
    Environment,
    MilitaryService,
    AcademicIntegrity,
    Administrative,
    Honours,
    Charity,
    Volunteering,
    Health,
    Sport,
    Reporting,
}

impl Category {
    pub const ALL: [(Category, &'static str, &'static str); 19] = [
        (Category::Tax, "tax", "taxation duties"),
        (Category::Judicial, "judicial", "court judgments and their enforcement"),
        (Category::Criminal, "criminal", "final criminal convictions"),
        (Category::Finance, "finance", "loans, debts and financial contracts"),
        (Category::Commerce, "commerce", "market conduct, product quality, consumer protection"),
        (Category::Labour, "labour", "employment duties such as paying wages"),
        (Category::Traffic, "traffic", "road traffic law"),
        (Category::TransportOrder, "transport-order", "order on public transport"),
        (Category::PublicOrder, "public-order", "administrative offences against public order"),
        (Category::Environment, "environment", "environmental protection and waste sorting"),
        (Category::MilitaryService, "military-service", "military service duties"),
        (Category::AcademicIntegrity, "academic-integrity", "fraud in examinations and research"),
        (Category::Administrative, "administrative", "licences and administrative decisions"),
        (Category::Honours, "honours", "state honours and awards"),
        (Category::Charity, "charity", "charitable donations"),
        (Category::Volunteering, "volunteering", "registered volunteering"),
        (Category::Health, "health", "blood and organ donation"),
        (Category::Sport, "sport", "sporting achievement"),
        (Category::Reporting, "reporting", "reports of illegal acts"),
    ];

    pub fn as_str(self) -> &'static str {
        Category::ALL.iter().find(|(c, _, _)| *c == self).map(|(_, name, _)| *name).expect("listed")
    }

    fn from_name(name: &str) -> Option<Category> {
        Category::ALL.iter().find(|(_, n, _)| *n == name).map(|(c, _, _)| *c)
    }
}

/// Grounds socred refuses to score, on principle, whatever a rulebook says.
/// Each maps a category name someone might try to the ground it would score.
pub(crate) const REFUSED_GROUNDS: &[(&str, Template)] = &[
    ("political-opinion", says::GROUND_POLITICAL_OPINION),
    ("politics", says::GROUND_POLITICAL_OPINION),
    ("political-activity", says::GROUND_POLITICAL_OPINION),
    ("criticism-of-government", says::GROUND_CRITICISM),
    ("speech", says::GROUND_SPEECH),
    ("online-speech", says::GROUND_SPEECH),
    ("expression", says::GROUND_SPEECH),
    ("social-media", says::GROUND_SPEECH),
    ("petitioning", says::GROUND_PETITIONING),
    ("protest", says::GROUND_ASSEMBLY),
    ("religion", says::GROUND_RELIGION),
    ("belief", says::GROUND_RELIGION),
    ("ethnicity", says::GROUND_ETHNICITY),
    ("race", says::GROUND_ETHNICITY),
    ("family-size", says::GROUND_FAMILY_SIZE),
    ("childbirth", says::GROUND_FAMILY_SIZE),
    ("family-planning", says::GROUND_FAMILY_SIZE),
    ("private-life", says::GROUND_PRIVATE_LIFE),
    ("family-life", says::GROUND_PRIVATE_LIFE),
    ("lifestyle", says::GROUND_LIFESTYLE),
    ("association", says::GROUND_ASSOCIATION),
    ("relationships", says::GROUND_ASSOCIATION),
    ("surveillance", says::GROUND_SURVEILLANCE),
    ("facial-recognition", says::GROUND_SURVEILLANCE),
    ("location", says::GROUND_LOCATION),
    ("browsing", says::GROUND_BROWSING),
    ("purchases", says::GROUND_PURCHASES),
    ("consumption", says::GROUND_PURCHASES),
];

/// Words that give a refused ground away in a behaviour code, whatever category
/// it is filed under (the seeds' "negative posts" and "third child" examples).
pub(crate) const REFUSED_CODE_WORDS: &[(&str, Template)] = &[
    ("political", says::GROUND_POLITICAL_OPINION),
    ("politics", says::GROUND_POLITICAL_OPINION),
    ("criticism", says::GROUND_CRITICISM),
    ("criticising", says::GROUND_CRITICISM),
    ("posts", says::GROUND_SPEECH),
    ("speech", says::GROUND_SPEECH),
    ("petition", says::GROUND_PETITIONING),
    ("petitioning", says::GROUND_PETITIONING),
    ("protest", says::GROUND_ASSEMBLY),
    ("religion", says::GROUND_RELIGION),
    ("religious", says::GROUND_RELIGION),
    ("ethnic", says::GROUND_ETHNICITY),
    ("ethnicity", says::GROUND_ETHNICITY),
    ("child-limit", says::GROUND_FAMILY_SIZE),
    ("third-child", says::GROUND_FAMILY_SIZE),
    ("family-size", says::GROUND_FAMILY_SIZE),
    ("purchases", says::GROUND_PURCHASES),
    ("browsing", says::GROUND_BROWSING),
];

/// How a subject leaves a locked tier when the lock ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "kebab-case")]
pub enum Recovery {
    /// Rise one tier at a time while the next tier up is itself locked, each
    /// step starting that tier's lock (D → C → B → points tier).
    StepWise,
    /// Rise straight to the points tier.
    Immediate,
}

/// One entry of the behaviour catalogue.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Behaviour {
    pub code: String,
    pub title: String,
    /// The title in Simplified Chinese (every text of a rulebook is in both languages).
    pub title_zh: String,
    pub points: i64,
    pub category: Category,
    pub legal_basis: String,
    pub legal_basis_zh: String,
    /// How long a record counts towards the score.
    pub years: u32,
    /// A tier the subject is put into at once, whatever the points.
    pub forced_tier: Option<Tier>,
    pub description: String,
    pub description_zh: String,
    /// Records of this behaviour from data partners wait for a reviewer's confirmation.
    pub partner_review: bool,
}

/// A validated rulebook.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Rulebook {
    pub id: String,
    pub version: String,
    pub title: String,
    pub title_zh: String,
    pub description: String,
    pub description_zh: String,
    pub base_score: i64,
    pub deduction_years: u32,
    pub addition_years: u32,
    /// How far back a record's occurrence date may lie when it is recorded.
    pub max_record_age_years: u32,
    pub annual_min_net_points: i64,
    pub recovery: Recovery,
    pub tiers: TierTable,
    pub behaviours: Vec<Behaviour>,
    pub lists: Vec<ListSpec>,
    pub services: Vec<Service>,
    pub measures: Vec<Measure>,
    pub due_process: DueProcess,
    pub reporting: Reporting,
    pub limits: Limits,
    /// The authorities it names in both languages, with their addresses.
    pub authorities: Vec<Authority>,
    #[serde(skip)]
    behaviour_index: HashMap<String, usize>,
    /// SHA-256 of the source text, hex: names this exact version.
    pub fingerprint: String,
}

/// One problem found in a rulebook.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RulebookProblem {
    pub line: Option<usize>,
    pub key: String,
    /// The reason in English, as the API and the log state it.
    pub reason: String,
    /// The same reason as a message, for a reader in another language.
    pub message: ProblemMessage,
}

impl RulebookProblem {
    pub fn new(line: Option<usize>, key: impl Into<String>, message: impl Into<ProblemMessage>) -> RulebookProblem {
        let message = message.into();
        RulebookProblem { line, key: key.into(), reason: message.english(), message }
    }
}

/// Every problem found in a rulebook, with the file they were found in.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct RulebookError {
    pub file: String,
    pub problems: Vec<RulebookProblem>,
}

impl fmt::Display for RulebookError {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (index, problem) in self.problems.iter().enumerate() {
            if index > 0 {
                writeln!(formatter)?;
            }
            match problem.line {
                Some(line) => write!(formatter, "{}:{}: {}: {}", self.file, line, problem.key, problem.reason)?,
                None => write!(formatter, "{}: {}: {}", self.file, problem.key, problem.reason)?,
            }
        }
        Ok(())
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRulebook {
    rulebook: Spanned<RawMeta>,
    scoring: Spanned<RawScoring>,
    annual_expectation: Spanned<RawAnnual>,
    tiers: Spanned<RawTiers>,
    #[serde(default)]
    behaviour: Vec<Spanned<RawBehaviour>>,
    #[serde(default)]
    list: Vec<Spanned<lists::RawList>>,
    #[serde(default)]
    service: Vec<Spanned<measures::RawService>>,
    #[serde(default)]
    measure: Vec<Spanned<measures::RawMeasure>>,
    due_process: Option<Spanned<lists::RawDueProcess>>,
    reporting: Option<Spanned<reporting::RawReporting>>,
    limits: Option<Spanned<limits::RawLimits>>,
    #[serde(default)]
    authority: Vec<Spanned<authorities::RawAuthority>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawMeta {
    id: String,
    version: String,
    title: String,
    #[serde(default)]
    title_zh: String,
    #[serde(default)]
    description: String,
    #[serde(default)]
    description_zh: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawScoring {
    base_score: i64,
    deduction_years: i64,
    addition_years: i64,
    #[serde(default = "default_max_record_age_years")]
    max_record_age_years: i64,
}

/// Records older than this when recorded are refused unless a rulebook says otherwise.
pub const DEFAULT_MAX_RECORD_AGE_YEARS: i64 = 5;

fn default_max_record_age_years() -> i64 {
    DEFAULT_MAX_RECORD_AGE_YEARS
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawAnnual {
    min_net_points: i64,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTiers {
    recovery: String,
    tier: Vec<Spanned<RawTier>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTier {
    name: String,
    min_points: Option<i64>,
    #[serde(default)]
    lock_years: i64,
    #[serde(default)]
    description: String,
    #[serde(default)]
    description_zh: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawBehaviour {
    code: String,
    title: String,
    #[serde(default)]
    title_zh: String,
    points: i64,
    category: String,
    legal_basis: String,
    #[serde(default)]
    legal_basis_zh: String,
    years: Option<i64>,
    forced_tier: Option<String>,
    #[serde(default)]
    description: String,
    #[serde(default)]
    description_zh: String,
    #[serde(default)]
    partner_review: bool,
}

/// Collects problems while validating, turning byte spans into line numbers.
pub(crate) struct Problems<'a> {
    source: &'a str,
    list: Vec<RulebookProblem>,
    /// Whether every text needs its Chinese beside it: a rulebook checked or
    /// adopted now does; one a store adopted before that rule is read as it was.
    require_chinese: bool,
}

impl<'a> Problems<'a> {
    pub(crate) fn new(source: &'a str, require_chinese: bool) -> Problems<'a> {
        Problems { source, list: Vec::new(), require_chinese }
    }

    pub(crate) fn into_list(self) -> Vec<RulebookProblem> {
        self.list
    }

    fn line_of(&self, span: &Range<usize>) -> usize {
        let end = span.start.min(self.source.len());
        self.source.as_bytes()[..end].iter().filter(|b| **b == b'\n').count() + 1
    }

    pub(crate) fn add(&mut self, span: &Range<usize>, key: impl Into<String>, message: impl Into<ProblemMessage>) {
        let line = Some(self.line_of(span));
        self.list.push(RulebookProblem::new(line, key, message));
    }

    /// A problem of the file as a whole or of a table's count, which has no line.
    pub(crate) fn add_unplaced(&mut self, key: &str, message: impl Into<ProblemMessage>) {
        self.list.push(RulebookProblem::new(None, key, message));
    }
}

pub(crate) fn is_code(text: &str, max: usize) -> bool {
    !text.is_empty()
        && text.len() <= max
        && text.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !text.starts_with('-')
        && !text.ends_with('-')
}

pub(crate) fn is_text(text: &str, max_chars: usize) -> bool {
    !text.trim().is_empty() && text.chars().count() <= max_chars && !text.chars().any(char::is_control)
}

/// Whether `text` holds a Chinese character (CJK Unified Ideographs and Extension A).
fn has_han(text: &str) -> bool {
    text.chars().any(|c| ('\u{4E00}'..='\u{9FFF}').contains(&c) || ('\u{3400}'..='\u{4DBF}').contains(&c))
}

/// Every text of a rulebook is in English and Simplified Chinese: beside `english`, under the
/// key `<key>_zh`, the same text in Chinese characters, within the same length. A Chinese text
/// is required exactly where the English one is given (an empty optional text needs none).
pub(crate) fn check_chinese(
    problems: &mut Problems<'_>,
    span: &std::ops::Range<usize>,
    key: String,
    english: &str,
    chinese: &str,
    max_chars: usize,
) {
    if english.trim().is_empty() && chinese.trim().is_empty() {
        return;
    }
    let key = format!("{key}_zh");
    if chinese.trim().is_empty() && !problems.require_chinese {
        return;
    }
    if chinese.trim().is_empty() {
        problems.add(span, key, says::CHINESE_REQUIRED);
    } else if !is_text(chinese, max_chars) {
        problems.add(span, key, says::TEXT_LENGTH.with([("max", &max_chars)]));
    } else if !has_han(chinese) {
        problems.add(span, key, says::CHINESE_CHARACTERS);
    }
}

impl Rulebook {
    /// Parses and validates a rulebook. `file` names the source in errors.
    pub fn from_toml(source: &str, file: &str) -> Result<Rulebook, RulebookError> {
        Rulebook::parse(source, file, true)
    }

    /// A rulebook a store adopted earlier, from its stored source: validated
    /// as [`Rulebook::from_toml`] does, except that Chinese texts may be
    /// missing (versions adopted before both languages were required; pages
    /// show their English). A store and its history open as they were.
    pub fn from_stored(source: &str, file: &str) -> Result<Rulebook, RulebookError> {
        Rulebook::parse(source, file, false)
    }

    fn parse(source: &str, file: &str, require_chinese: bool) -> Result<Rulebook, RulebookError> {
        let fail = |problems| RulebookError { file: file.to_string(), problems };
        if source.len() > MAX_RULEBOOK_BYTES {
            let message = says::FILE_TOO_LARGE.with([("bytes", &source.len()), ("max", &MAX_RULEBOOK_BYTES)]);
            return Err(fail(vec![RulebookProblem::new(None, "(file)", message)]));
        }
        let raw: RawRulebook = parse_raw(source).map_err(|problem| fail(vec![problem]))?;
        let mut problems = Problems { source, list: Vec::new(), require_chinese };
        let rulebook = validate(raw, source, &mut problems);
        if problems.list.is_empty() { Ok(rulebook.expect("no problems means a rulebook")) } else { Err(fail(problems.list)) }
    }

    pub fn behaviour(&self, code: &str) -> Option<&Behaviour> {
        self.behaviour_index.get(code).map(|index| &self.behaviours[*index])
    }

    /// The authority records name exactly so, if the rulebook lists it.
    pub fn authority(&self, name: &str) -> Option<&Authority> {
        self.authorities.iter().find(|authority| authority.name == name)
    }

    pub fn service(&self, code: &str) -> Option<&Service> {
        self.services.iter().find(|service| service.code == code)
    }

    pub fn list(&self, code: &str) -> Option<&ListSpec> {
        self.lists.iter().find(|list| list.code == code)
    }
}

fn parse_raw(source: &str) -> Result<RawRulebook, RulebookProblem> {
    let line_of = |span: Option<Range<usize>>| {
        span.map(|span| source.as_bytes()[..span.start.min(source.len())].iter().filter(|b| **b == b'\n').count() + 1)
    };
    let deserializer = toml::Deserializer::parse(source).map_err(|error| {
        RulebookProblem::new(line_of(error.span()), "(syntax)", says::SYNTAX.with([("detail", &error.message().trim())]))
    })?;
    serde_path_to_error::deserialize(deserializer).map_err(|error| {
        // Spanned<T> shows up in the path as a private field; people never wrote it.
        let key = error.path().to_string().replace(".$__serde_spanned_private_value", "").replace("$__serde_spanned_private_value.", "");
        let inner = error.into_inner();
        let key = if key == "." { "(top level)".into() } else { key };
        RulebookProblem::new(line_of(inner.span()), key, says::SYNTAX.with([("detail", &inner.message().trim())]))
    })
}

fn validate(raw: RawRulebook, source: &str, problems: &mut Problems<'_>) -> Option<Rulebook> {
    let meta_span = raw.rulebook.span();
    let meta = raw.rulebook.into_inner();
    if !is_code(&meta.id, 64) {
        problems.add(&meta_span, "rulebook.id", says::ID_FORMAT.with([("max", &64)]));
    }
    if meta.version.is_empty()
        || meta.version.len() > 64
        || !meta.version.bytes().all(|b| b.is_ascii_alphanumeric() || b"._+-".contains(&b))
    {
        problems.add(&meta_span, "rulebook.version", says::VERSION_FORMAT);
    }
    if !is_text(&meta.title, 200) {
        problems.add(&meta_span, "rulebook.title", says::TEXT_LENGTH.with([("max", &200)]));
    }
    check_chinese(problems, &meta_span, "rulebook.title".into(), &meta.title, &meta.title_zh, 200);
    check_chinese(problems, &meta_span, "rulebook.description".into(), &meta.description, &meta.description_zh, 2000);

    let scoring_span = raw.scoring.span();
    let scoring = raw.scoring.into_inner();
    if !(0..=MAX_BASE_SCORE).contains(&scoring.base_score) {
        problems.add(&scoring_span, "scoring.base_score", says::BETWEEN.with([("min", &0), ("max", &MAX_BASE_SCORE)]));
    }
    for (key, years) in [
        ("scoring.deduction_years", scoring.deduction_years),
        ("scoring.addition_years", scoring.addition_years),
        ("scoring.max_record_age_years", scoring.max_record_age_years),
    ] {
        if !(1..=MAX_RECORD_YEARS).contains(&years) {
            problems.add(&scoring_span, key, says::BETWEEN_YEARS.with([("min", &1), ("max", &MAX_RECORD_YEARS)]));
        }
    }
    let annual_span = raw.annual_expectation.span();
    let annual = raw.annual_expectation.into_inner();
    if annual.min_net_points.unsigned_abs() > 10_000 {
        problems.add(&annual_span, "annual_expectation.min_net_points", says::BETWEEN.with([("min", &-10_000), ("max", &10_000)]));
    }

    let tiers_span = raw.tiers.span();
    let raw_tiers = raw.tiers.into_inner();
    let recovery = match raw_tiers.recovery.as_str() {
        "step-wise" => Recovery::StepWise,
        "immediate" => Recovery::Immediate,
        other => {
            let choices = "\"step-wise\", \"immediate\"";
            problems.add(&tiers_span, "tiers.recovery", says::NOT_ONE_OF.with([("value", &format!("{other:?}")), ("choices", &choices)]));
            Recovery::StepWise
        }
    };
    let tiers = validate_tiers(raw_tiers.tier, &tiers_span, problems);

    if raw.behaviour.len() > MAX_BEHAVIOURS {
        problems.add_unplaced("behaviour", says::TOO_MANY.with([("count", &raw.behaviour.len()), ("max", &MAX_BEHAVIOURS)]));
    }
    let mut behaviours = Vec::with_capacity(raw.behaviour.len());
    let mut behaviour_index = HashMap::new();
    for (index, spanned) in raw.behaviour.into_iter().enumerate() {
        let span = spanned.span();
        let entry = spanned.into_inner();
        let key = |field: &str| format!("behaviour[{index}].{field}");
        if !is_code(&entry.code, 64) {
            problems.add(&span, key("code"), says::CODE_FORMAT.with([("code", &format!("{:?}", entry.code)), ("max", &64)]));
        } else if behaviour_index.contains_key(&entry.code) {
            problems.add(&span, key("code"), says::DECLARED_TWICE.with([("code", &format!("{:?}", entry.code))]));
        }
        for (word, ground) in REFUSED_CODE_WORDS {
            let padded = format!("-{}-", entry.code);
            if padded.contains(&format!("-{word}-")) {
                let message = says::CODE_SCORES_GROUND.with([("code", &format!("{:?}", entry.code))]).and_message("ground", *ground);
                problems.add(&span, key("code"), message);
            }
        }
        if !is_text(&entry.title, 200) {
            problems.add(&span, key("title"), says::TEXT_LENGTH.with([("max", &200)]));
        }
        check_chinese(problems, &span, key("title"), &entry.title, &entry.title_zh, 200);
        check_chinese(problems, &span, key("legal_basis"), &entry.legal_basis, &entry.legal_basis_zh, 500);
        check_chinese(problems, &span, key("description"), &entry.description, &entry.description_zh, 2000);
        if entry.points.unsigned_abs() > MAX_POINTS_ABS.unsigned_abs() {
            problems.add(&span, key("points"), says::POINTS_OUTSIDE.with([("points", &entry.points), ("max", &MAX_POINTS_ABS)]));
        }
        let category = match Category::from_name(&entry.category) {
            Some(category) => Some(category),
            None => {
                let refused = REFUSED_GROUNDS.iter().find(|(name, _)| *name == entry.category);
                let category = format!("{:?}", entry.category);
                let reason = match refused {
                    Some((_, ground)) => says::CATEGORY_REFUSED.with([("category", &category)]).and_message("ground", *ground),
                    None => {
                        let choices = Category::ALL.iter().map(|(_, name, _)| *name).collect::<Vec<_>>().join(", ");
                        says::CATEGORY_UNKNOWN.with([("category", &category), ("choices", &choices)])
                    }
                };
                problems.add(&span, key("category"), reason);
                None
            }
        };
        if !is_text(&entry.legal_basis, 500) {
            problems.add(&span, key("legal_basis"), says::LEGAL_BASIS_RECORD);
        }
        let forced_tier = entry.forced_tier.as_ref().and_then(|name| match tiers.as_ref().and_then(|t| t.by_name(name)) {
            Some(tier) => Some(tier),
            None => {
                if tiers.is_some() {
                    problems.add(&span, key("forced_tier"), says::NOT_A_TIER.with([("name", &format!("{name:?}"))]));
                }
                None
            }
        });
        let default_years = if entry.points < 0 || entry.forced_tier.is_some() { scoring.deduction_years } else { scoring.addition_years };
        let years = entry.years.unwrap_or(default_years);
        if entry.years.is_some() && !(1..=MAX_RECORD_YEARS).contains(&years) {
            problems.add(&span, key("years"), says::BETWEEN.with([("min", &1), ("max", &MAX_RECORD_YEARS)]));
        }
        if !is_text(&entry.description, 2000) && !entry.description.is_empty() {
            problems.add(&span, key("description"), says::TEXT_AT_MOST.with([("max", &2000)]));
        }
        behaviour_index.entry(entry.code.clone()).or_insert(behaviours.len());
        behaviours.push(Behaviour {
            code: entry.code,
            title: entry.title,
            title_zh: entry.title_zh,
            points: entry.points,
            category: category.unwrap_or(Category::Administrative),
            legal_basis: entry.legal_basis,
            legal_basis_zh: entry.legal_basis_zh,
            years: years.clamp(1, MAX_RECORD_YEARS) as u32,
            forced_tier,
            description: entry.description,
            description_zh: entry.description_zh,
            partner_review: entry.partner_review,
        });
    }

    let lists = lists::validate_lists(raw.list, &behaviours, tiers.as_ref(), problems);
    let services = measures::validate_services(raw.service, problems);
    let measures = measures::validate_measures(raw.measure, &services, &lists, &behaviours, tiers.as_ref(), problems);
    let due_process = lists::validate_due_process(raw.due_process, problems);
    let reporting = reporting::validate_reporting(raw.reporting, &behaviours, problems);
    let limits = limits::validate_limits(raw.limits, problems);
    let authorities = authorities::validate_authorities(raw.authority, problems);
    let tiers = tiers?;
    if !problems.list.is_empty() {
        return None;
    }
    let fingerprint = hex::encode(Sha256::digest(source.as_bytes()));
    Some(Rulebook {
        id: meta.id,
        version: meta.version,
        title: meta.title,
        title_zh: meta.title_zh,
        description: meta.description,
        description_zh: meta.description_zh,
        base_score: scoring.base_score,
        deduction_years: scoring.deduction_years as u32,
        addition_years: scoring.addition_years as u32,
        max_record_age_years: scoring.max_record_age_years as u32,
        annual_min_net_points: annual.min_net_points,
        recovery,
        tiers,
        behaviours,
        lists,
        services,
        measures,
        due_process,
        reporting,
        limits,
        authorities,
        behaviour_index,
        fingerprint,
    })
}

fn validate_tiers(raw: Vec<Spanned<RawTier>>, span: &Range<usize>, problems: &mut Problems<'_>) -> Option<TierTable> {
    let before = problems.list.len();
    if raw.len() < 2 || raw.len() > MAX_TIERS {
        problems.add(span, "tiers.tier", says::TIER_COUNT.with([("max", &MAX_TIERS), ("count", &raw.len())]));
        return None;
    }
    let count = raw.len();
    let mut specs = Vec::with_capacity(count);
    let mut previous_min: Option<i64> = None;
    for (index, spanned) in raw.into_iter().enumerate() {
        let span = spanned.span();
        let tier = spanned.into_inner();
        let key = |field: &str| format!("tiers.tier[{index}].{field}");
        let valid_name =
            !tier.name.is_empty() && tier.name.len() <= 8 && tier.name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'+' || b == b'-');
        if !valid_name {
            problems.add(&span, key("name"), says::TIER_NAME);
        } else if specs.iter().any(|s: &TierSpec| s.name == tier.name) {
            problems.add(&span, key("name"), says::DECLARED_TWICE.with([("code", &format!("{:?}", tier.name))]));
        }
        let last = index + 1 == count;
        match (tier.min_points, last) {
            (None, false) => problems.add(&span, key("min_points"), says::MIN_POINTS_REQUIRED),
            (Some(_), true) => problems.add(&span, key("min_points"), says::MIN_POINTS_ON_LAST),
            (Some(min), false) => {
                if let Some(previous) = previous_min.filter(|previous| min >= *previous) {
                    problems.add(&span, key("min_points"), says::MIN_POINTS_ORDER.with([("min", &min), ("previous", &previous)]));
                }
                previous_min = Some(min);
            }
            (None, true) => {}
        }
        if !(0..=MAX_LOCK_YEARS).contains(&tier.lock_years) {
            problems.add(&span, key("lock_years"), says::BETWEEN.with([("min", &0), ("max", &MAX_LOCK_YEARS)]));
        }
        check_chinese(problems, &span, key("description"), &tier.description, &tier.description_zh, 2000);
        specs.push(TierSpec {
            name: tier.name,
            min_points: tier.min_points,
            lock_years: tier.lock_years.clamp(0, MAX_LOCK_YEARS) as u32,
            description: tier.description,
            description_zh: tier.description_zh,
        });
    }
    if problems.list.len() > before {
        return None;
    }
    Some(TierTable::from_best_to_worst(specs))
}

#[cfg(test)]
mod tests {
    use super::*;

    pub(crate) const DEFAULT: &str = include_str!("../../../../rulebooks/default.toml");

    #[test]
    fn default_rulebook_loads() {
        let rulebook = Rulebook::from_toml(DEFAULT, "default.toml").unwrap();
        assert_eq!(rulebook.base_score, 1000);
        assert_eq!(rulebook.behaviour("tax-evasion").unwrap().points, -100);
        assert_eq!(rulebook.behaviour("tax-evasion").unwrap().years, 5);
        assert_eq!(rulebook.behaviour("national-award").unwrap().years, 3);
        let crime = rulebook.behaviour("intentional-crime").unwrap();
        assert_eq!(crime.forced_tier.map(|t| rulebook.tiers.name(t)), Some("D"));
        assert_eq!(rulebook.tiers.len(), 6);
        assert_eq!(rulebook.fingerprint.len(), 64);
    }

    #[test]
    fn every_text_is_in_both_languages() {
        let rulebook = Rulebook::from_toml(DEFAULT, "default.toml").unwrap();
        assert!(has_han(&rulebook.title_zh) && has_han(&rulebook.description_zh));
        assert!(rulebook.behaviours.iter().all(|b| has_han(&b.title_zh) && has_han(&b.legal_basis_zh)));
        assert!(rulebook.lists.iter().all(|l| has_han(&l.title_zh) && has_han(&l.legal_basis_zh) && has_han(&l.consequences_zh)));
        assert!(rulebook.services.iter().all(|s| has_han(&s.title_zh)));
        assert!(rulebook.measures.iter().all(|m| has_han(&m.title_zh) && has_han(&m.legal_basis_zh)));
        // Each Chinese text of the default rulebook, removed or left in English, is refused by its key.
        let lines: Vec<&str> = DEFAULT.lines().collect();
        let chinese: Vec<usize> =
            (0..lines.len()).filter(|&index| lines[index].split(" = ").next().is_some_and(|key| key.ends_with("_zh"))).collect();
        assert!(chinese.len() > 150, "{}", chinese.len());
        for &index in &chinese {
            let field = lines[index].split(" = ").next().unwrap();
            let without: Vec<&str> = lines.iter().enumerate().filter(|(other, _)| *other != index).map(|(_, line)| *line).collect();
            let found = problems(&without.join("\n"));
            assert!(
                found.len() == 1 && found[0].key.ends_with(&format!(".{field}")) && found[0].reason.contains("both languages"),
                "line {}: {found:?}",
                index + 1
            );
            let english = lines[index - 1].split_once(" = ").map(|(_, text)| text).unwrap();
            let mut untranslated = lines.clone();
            let line = format!("{field} = {english}");
            untranslated[index] = &line;
            let found = problems(&untranslated.join("\n"));
            assert!(found.len() == 1 && found[0].reason.contains("Chinese characters"), "line {}: {found:?}", index + 1);
        }
    }

    #[test]
    fn a_chinese_text_too_long_or_with_control_characters_is_refused() {
        let long = format!("title_zh = \"{}\"", "逃".repeat(201));
        for garbage in [long.as_str(), "title_zh = \"逃\\u0007税\"", "title_zh = \"  \"", "title_zh = 7"] {
            let found = problems(&replace("title_zh = \"逃税\"", garbage));
            assert!(found.iter().any(|p| p.key == "behaviour[0].title_zh"), "{garbage}: {found:?}");
        }
        let longest = replace("title_zh = \"逃税\"", &format!("title_zh = \"{}\"", "逃".repeat(200)));
        assert!(Rulebook::from_toml(&longest, "x.toml").is_ok(), "200 characters are allowed");
        // The postal address for written appeals: bounded, text, in both languages.
        let address = DEFAULT.lines().find(|line| line.starts_with("postal_address = ")).unwrap();
        for garbage in [format!("postal_address = \"{}\"", "x".repeat(301)), "postal_address = \"Office\\u0007\"".to_string()] {
            let found = problems(&replace(address, &garbage));
            assert!(found.iter().any(|p| p.key == "due_process.postal_address"), "{garbage}: {found:?}");
        }
    }

    #[test]
    fn a_stored_rulebook_from_before_both_languages_still_reads() {
        let english_only: String =
            DEFAULT.lines().filter(|line| !line.split(" = ").next().is_some_and(|key| key.ends_with("_zh"))).collect::<Vec<_>>().join("\n");
        assert!(problems(&english_only).len() > 150, "a rulebook checked or adopted now needs its Chinese");
        let stored = Rulebook::from_stored(&english_only, "old.toml").unwrap();
        assert!(stored.measures.iter().all(|m| m.title_zh.is_empty()));
        // Anything else wrong is refused as before, and a Chinese text given must still be Chinese.
        assert!(Rulebook::from_stored(&english_only.replacen("points = -100", "points = -5000", 1), "old.toml").is_err());
        assert!(Rulebook::from_stored(&DEFAULT.replacen("title_zh = \"逃税\"", "title_zh = \"Tax evasion\"", 1), "old.toml").is_err());
    }

    #[test]
    fn the_catalogue_of_joint_rewards_and_punishments_is_whole() {
        let rulebook = Rulebook::from_toml(DEFAULT, "default.toml").unwrap();
        assert!(rulebook.measures.len() >= 35, "{}", rulebook.measures.len());
        let count = |kind: MeasureKind| rulebook.measures.iter().filter(|m| m.kind == kind).count();
        assert!(count(MeasureKind::Restriction) >= 20 && count(MeasureKind::Reward) >= 15);
        // Every service is asked about for a reason: some measure names it.
        for service in &rulebook.services {
            let named = rulebook.measures.iter().any(|m| m.service == service.code);
            assert!(named || service.code == "ordinary-rail", "{} has no measure", service.code);
        }
        let evaders = rulebook.measures.iter().find(|m| m.code == "no-further-education-for-evaders").unwrap();
        assert_eq!(evaders.records, ["military-service-evasion"]);
        assert!(evaders.lists.is_empty() && evaders.tiers.is_empty());
    }

    fn replace(from: &str, to: &str) -> String {
        assert!(DEFAULT.contains(from), "fixture text {from:?} not in default rulebook");
        DEFAULT.replacen(from, to, 1)
    }

    fn problems(text: &str) -> Vec<RulebookProblem> {
        Rulebook::from_toml(text, "x.toml").unwrap_err().problems
    }

    #[test]
    fn refused_categories_say_why() {
        let text = replace("category = \"tax\"", "category = \"religion\"");
        let found = problems(&text);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].key, "behaviour[0].category");
        assert!(found[0].reason.contains("does not score religion"), "{}", found[0].reason);
        assert!(found[0].reason.contains("on principle"));
        for (name, _) in REFUSED_GROUNDS {
            let text = replace("category = \"tax\"", &format!("category = \"{name}\""));
            assert!(problems(&text)[0].reason.contains("refused"), "{name}");
        }
    }

    #[test]
    fn refused_words_in_codes_are_caught_under_any_category() {
        let text = replace("code = \"tax-evasion\"", "code = \"negative-posts\"");
        let found = problems(&text);
        assert!(found.iter().any(|p| p.key == "behaviour[0].code" && p.reason.contains("speech")), "{found:?}");
    }

    #[test]
    fn unknown_category_lists_the_closed_set() {
        let found = problems(&replace("category = \"tax\"", "category = \"vibes\""));
        assert!(found[0].reason.contains("closed set"), "{:?}", found[0]);
        assert!(found[0].reason.contains("judicial"));
    }

    #[test]
    fn syntax_and_type_errors_carry_line_and_key() {
        let found = problems(&replace("points = -100", "points = \"lots\""));
        assert_eq!(found[0].key, "behaviour[0].points");
        assert!(found[0].line.unwrap() > 1);
        let found = problems(&replace("base_score = 1000", "base_score = 1000\ncolour = \"red\""));
        assert!(found[0].key.contains("scoring") && found[0].reason.contains("colour"), "{found:?}");
        let found = problems("[rulebook\nid=");
        assert_eq!(found[0].key, "(syntax)");
        assert_eq!(found[0].line, Some(1));
    }

    #[test]
    fn semantic_errors_are_all_reported_with_lines() {
        let text = replace("points = -100", "points = -5000").replacen("legal_basis = \"", "legal_basis = \"\" #", 1);
        let found = problems(&text);
        assert!(found.iter().any(|p| p.key == "behaviour[0].points" && p.reason.contains("-5000")), "{found:?}");
        assert!(found.iter().any(|p| p.key == "behaviour[0].legal_basis"), "{found:?}");
        assert!(found.iter().all(|p| p.line.is_some()));
    }

    #[test]
    fn tier_table_is_checked() {
        let found = problems(&replace("min_points = 1030", "min_points = 1070"));
        assert!(found.iter().any(|p| p.key == "tiers.tier[1].min_points"), "{found:?}");
        let found = problems(&replace("recovery = \"step-wise\"", "recovery = \"sideways\""));
        assert_eq!(found[0].key, "tiers.recovery");
        let found = problems(&replace("forced_tier = \"D\"", "forced_tier = \"Z\""));
        assert!(found[0].reason.contains("not a tier"), "{found:?}");
        let found = problems(&replace("lock_years = 5", "lock_years = 99"));
        assert!(found[0].key.ends_with("lock_years"));
    }

    /// Every key of the rulebook, fed garbage: the problem names that key.
    #[test]
    fn every_key_refuses_garbage() {
        let cases: [(&str, &str, &str); 26] = [
            ("id = \"default\"", "id = \"Default Book\"", "rulebook.id"),
            ("id = \"default\"", "id = 7", "rulebook.id"),
            ("version = \"2026.1\"", "version = \"2026 1\"", "rulebook.version"),
            ("title = \"socred default rulebook (municipal pilot model)\"", "title = \"\"", "rulebook.title"),
            ("base_score = 1000", "base_score = -1", "scoring.base_score"),
            ("base_score = 1000", "base_score = 1e3", "scoring.base_score"),
            ("deduction_years = 5", "deduction_years = 0", "scoring.deduction_years"),
            ("addition_years = 3", "addition_years = 99", "scoring.addition_years"),
            ("max_record_age_years = 5", "max_record_age_years = 0", "scoring.max_record_age_years"),
            ("max_record_age_years = 5", "max_record_age_years = 51", "scoring.max_record_age_years"),
            ("min_net_points = 2", "min_net_points = 99999", "annual_expectation.min_net_points"),
            ("min_net_points = 2", "min_net_points = \"two\"", "annual_expectation.min_net_points"),
            ("recovery = \"step-wise\"", "recovery = 1", "tiers.recovery"),
            ("name = \"AAA\"", "name = \"A A A\"", "tiers.tier[0].name"),
            ("name = \"AA\"", "name = \"AAA\"", "tiers.tier[1].name"),
            ("min_points = 1050", "min_points = \"high\"", "tiers.tier[0].min_points"),
            ("lock_years = 2", "lock_years = -2", "tiers.tier[3].lock_years"),
            ("code = \"tax-evasion\"", "code = \"Tax Evasion\"", "behaviour[0].code"),
            ("title = \"Tax evasion\"", "title = \"\"", "behaviour[0].title"),
            ("title = \"Tax evasion\"", "title = \"a\\u0007b\"", "behaviour[0].title"),
            ("points = -100", "points = 1.5", "behaviour[0].points"),
            (
                "legal_basis = \"Law of the PRC on the Administration of Tax Collection\"",
                "legal_basis = \"  \"",
                "behaviour[0].legal_basis",
            ),
            ("category = \"tax\"", "category = [\"tax\"]", "behaviour[0].category"),
            (
                "category = \"military-service\"\nlegal_basis = \"Military Service Law of the PRC\"\nlegal_basis_zh = \"《中华人民共和国兵役法》\"\n\n[[behaviour]]\ncode = \"speeding-minor\"",
                "category = \"military-service\"\nlegal_basis = \"Military Service Law of the PRC\"\nlegal_basis_zh = \"《中华人民共和国兵役法》\"\nyears = 0\n\n[[behaviour]]\ncode = \"speeding-minor\"",
                "behaviour[1].years",
            ),
            ("forced_tier = \"D\"", "forced_tier = 4", "forced_tier"),
            ("description = \"Exemplary\"", "description = \"Exemplary\"\nsecret = true", "tiers.tier[0]"),
        ];
        for (from, to, key) in cases {
            let found = problems(&replace(from, to));
            assert!(found.iter().any(|p| p.key.contains(key)), "{to:?}: expected a problem at {key}, got {found:?}");
            assert!(found.iter().all(|p| !p.reason.is_empty()));
        }
        // Lists and due process.
        let list_cases: [(&str, &str, &str); 22] = [
            ("code = \"blacklist\"", "code = \"Black List\"", "list[0].code"),
            ("code = \"redlist\"", "code = \"blacklist\"", "list[1].code"),
            ("title = \"List of seriously untrustworthy subjects\"", "title = \"\"", "list[0].title"),
            ("kind = \"restrictive\"", "kind = \"punitive\"", "list[0].kind"),
            (
                "applies_to = [\"person\", \"organisation\"]\nlegal_basis = \"Guiding",
                "applies_to = []\nlegal_basis = \"Guiding",
                "list[0].applies_to",
            ),
            (
                "applies_to = [\"person\", \"organisation\"]\nlegal_basis = \"Guiding",
                "applies_to = [\"robot\"]\nlegal_basis = \"Guiding",
                "list[0].applies_to",
            ),
            (
                "applies_to = [\"person\", \"organisation\"]\nlegal_basis = \"Guiding",
                "applies_to = [\"person\", \"person\"]\nlegal_basis = \"Guiding",
                "list[0].applies_to",
            ),
            (
                "legal_basis = \"Guiding opinions on joint incentives for trustworthiness and joint punishment of serious untrustworthiness\"\nlegal_basis_zh = \"《国务院关于建立完善守信联合激励和失信联合惩戒制度加快推进社会诚信建设的指导意见》\"\nconsequences = \"While listed, the restrictions",
                "legal_basis = \"\"\nlegal_basis_zh = \"《国务院关于建立完善守信联合激励和失信联合惩戒制度加快推进社会诚信建设的指导意见》\"\nconsequences = \"While listed, the restrictions",
                "list[0].legal_basis",
            ),
            (
                "consequences = \"While listed, the restrictions",
                "consequences = \"\"\nignored = \"While listed, the restrictions",
                "list[0]",
            ),
            ("appeal_days = 10", "appeal_days = -1", "list[0].appeal_days"),
            ("appeal_days = 10", "appeal_days = 365", "list[0].appeal_days"),
            ("second_instance = true", "second_instance = \"yes\"", "list[0].second_instance"),
            ("min_publication_years = 1", "min_publication_years = 5", "list[0].min_publication_years"),
            ("max_listing_years = 3", "max_listing_years = 0", "list[0].max_listing_years"),
            ("appeal_days = 0", "appeal_days = 0\nrepair_requires_commitment = true", "list[1].repair_requires_commitment"),
            ("behaviour = \"judgment-default\"", "behaviour = \"no-such-thing\"", "list[0].trigger[0].behaviour"),
            ("behaviour = \"judgment-default\"", "behaviour = \"judgment-default\"\ntier = \"D\"", "list[0].trigger[0].behaviour"),
            (
                "behaviour = \"judgment-default\"",
                "behaviour = \"judgment-default\"\nwhile_in_tier = true",
                "list[0].trigger[0].while_in_tier",
            ),
            ("\ntier = \"D\"", "\ntier = \"Z\"", "list[0].trigger[1].tier"),
            ("dispute_decision_days = 30", "dispute_decision_days = 0", "due_process.dispute_decision_days"),
            ("appeal_decision_days = 30", "appeal_decision_days = 9999", "due_process.appeal_decision_days"),
            ("repair_decision_days = 30", "repair_decision_days = \"soon\"", "due_process.repair_decision_days"),
        ];
        let measure_cases: [(&str, &str, &str); 16] = [
            ("code = \"civil-aviation\"", "code = \"Civil Aviation\"", "service[0].code"),
            ("code = \"high-speed-rail\"", "code = \"civil-aviation\"", "service[1].code"),
            ("title = \"Civil aviation tickets\"", "title = \"\"", "service[0].title"),
            ("code = \"no-flights\"", "code = \"No Flights\"", "measure[0].code"),
            (
                "code = \"no-flights\"\ntitle = \"No civil aviation tickets\"\ntitle_zh = \"限制乘坐飞机\"\nservice = \"civil-aviation\"",
                "code = \"no-flights\"\ntitle = \"No civil aviation tickets\"\ntitle_zh = \"限制乘坐飞机\"\nservice = \"spaceflight\"",
                "measure[0].service",
            ),
            ("kind = \"restriction\"", "kind = \"penalty\"", "measure[0].kind"),
            (
                "applies_to = [\"person\"]\nlists = [\"blacklist\"]\n# A listed",
                "applies_to = []\nlists = [\"blacklist\"]\n# A listed",
                "measure[0].applies_to",
            ),
            ("lists = [\"blacklist\"]\n# A listed", "lists = [\"greylist\"]\n# A listed", "measure[0].lists"),
            ("lists = [\"blacklist\"]\n# A listed", "lists = []\n# A listed", "measure[0].lists"),
            ("tiers = [\"D\"]", "tiers = [\"Z\"]", "measure[4].tiers"),
            (
                "extends_to = [\"legal-representatives\"]\nlegal_basis = \"Supreme People's Court provisions restricting high consumption by judgment defaulters\"\nlegal_basis_zh = \"《最高人民法院关于限制被执行人高消费及有关消费的若干规定》\"\n\n[[measure]]\ncode = \"no-high",
                "extends_to = [\"cousins\"]\nlegal_basis = \"Supreme People's Court provisions restricting high consumption by judgment defaulters\"\nlegal_basis_zh = \"《最高人民法院关于限制被执行人高消费及有关消费的若干规定》\"\n\n[[measure]]\ncode = \"no-high",
                "measure[0].extends_to",
            ),
            ("direct = false\nextends_to = [\"children\"]", "direct = false\nextends_to = []", "measure[3].direct"),
            ("legal_basis = \"Government Procurement Law of the PRC\"", "legal_basis = \"\"", "measure[7].legal_basis"),
            ("benefit = \"deposit-free\"", "benefit = \"Deposit Free\"", "measure[11].benefit"),
            ("benefit = \"deposit-free\"\n", "", "measure[11].benefit"),
            ("kind = \"restriction\"", "kind = \"restriction\"\nbenefit = \"cheaper\"", "measure[0].benefit"),
        ];
        let reporting_cases: [(&str, &str, &str); 18] = [
            (
                "evidence_uploads_per_account_per_day = 20",
                "evidence_uploads_per_account_per_day = 0",
                "reporting.evidence_uploads_per_account_per_day",
            ),
            (
                "evidence_uploads_per_account_per_day = 20",
                "evidence_uploads_per_account_per_day = 1001",
                "reporting.evidence_uploads_per_account_per_day",
            ),
            ("check_window_days = 0", "check_window_days = -1", "limits.check_window_days"),
            ("check_window_days = 0", "check_window_days = 8", "limits.check_window_days"),
            (
                "partner_lines_per_subject_per_batch = 10",
                "partner_lines_per_subject_per_batch = 0",
                "limits.partner_lines_per_subject_per_batch",
            ),
            ("partner_lines_per_subject_per_day = 20", "partner_lines_per_subject_per_day = 5", "limits.partner_lines_per_subject_per_day"),
            ("partner_lines_per_subject_per_day = 20", "partner_lines_per_subject_per_day = 20\nsurveillance = true", "limits"),
            ("\"speeding-serious\", \"tax-evasion\"]", "\"speeding-serious\", \"no-such-thing\"]", "reporting.reportable[6]"),
            ("reward_behaviour = \"verified-report\"", "reward_behaviour = \"jaywalking\"", "reporting.reward_behaviour"),
            ("reward_behaviour = \"verified-report\"", "reward_behaviour = \"nothing\"", "reporting.reward_behaviour"),
            ("malicious_behaviour = \"malicious-report\"", "malicious_behaviour = \"verified-report\"", "reporting.malicious_behaviour"),
            ("disclose_reporter = false", "disclose_reporter = \"no\"", "reporting.disclose_reporter"),
            ("per_account_per_day = 5", "per_account_per_day = 0", "reporting.per_account_per_day"),
            ("per_target_per_day = 10", "per_target_per_day = 100000", "reporting.per_target_per_day"),
            ("evidence_max_bytes = 2097152", "evidence_max_bytes = 999999999", "reporting.evidence_max_bytes"),
            ("evidence_max_files = 5", "evidence_max_files = -1", "reporting.evidence_max_files"),
            ("\"application/pdf\", \"text/plain\"]", "\"application/pdf\", \"application/x-msdownload\"]", "reporting.evidence_types[3]"),
            ("partner_review = true", "partner_review = \"yes\"", "behaviour[15].partner_review"),
        ];
        for (from, to, key) in reporting_cases {
            let found = problems(&replace(from, to));
            assert!(found.iter().any(|p| p.key.contains(key)), "{to:?}: expected a problem at {key}, got {found:?}");
        }
        for (from, to, key) in measure_cases {
            let found = problems(&replace(from, to));
            assert!(found.iter().any(|p| p.key.contains(key)), "{to:?}: expected a problem at {key}, got {found:?}");
        }
        for (from, to, key) in list_cases {
            let found = problems(&replace(from, to));
            assert!(found.iter().any(|p| p.key.contains(key)), "{to:?}: expected a problem at {key}, got {found:?}");
        }
        let one_tier = DEFAULT.split("[[tiers.tier]]").next().unwrap().to_string() + "[[tiers.tier]]\nname = \"ONLY\"\n";
        assert!(problems(&one_tier).iter().any(|p| p.key == "tiers.tier" && p.reason.contains("2 to 16")));
        let no_tiers = DEFAULT.replace("[tiers]", "[ignored]");
        assert!(!problems(&no_tiers).is_empty());
        let huge = "#".repeat(MAX_RULEBOOK_BYTES + 1);
        assert!(problems(&huge)[0].reason.contains("at most"));
    }

    #[test]
    fn duplicate_codes_are_refused() {
        let text = format!(
            "{DEFAULT}\n[[behaviour]]\ncode = \"tax-evasion\"\ntitle = \"Again\"\ntitle_zh = \"再次\"\npoints = -1\ncategory = \"tax\"\nlegal_basis = \"x\"\nlegal_basis_zh = \"某法\"\n"
        );
        let found = problems(&text);
        assert!(found.iter().any(|p| p.reason.contains("declared twice")), "{found:?}");
    }

    #[test]
    fn display_names_file_line_key_reason() {
        let error = Rulebook::from_toml(&replace("points = -100", "points = -5000"), "books/x.toml").unwrap_err();
        let text = error.to_string();
        assert!(text.starts_with("books/x.toml:"), "{text}");
        assert!(text.contains(": behaviour[0].points: "), "{text}");
    }
}
