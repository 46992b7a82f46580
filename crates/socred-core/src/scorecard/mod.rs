//! The commercial scorecard: a declarative TOML file (`scorecards/default.toml`),
//! validated against the rulebook in force like the rulebook itself.
//!
//! A scorecard is a FICO-style points table. Each **characteristic** belongs
//! to one of four dimensions, reads one number from a subject's file (how many
//! records of some behaviours fall in a window, or how many years of verified
//! history the file holds), puts it in a **bin**, and the bin gives points. The
//! score is `base_points` plus every characteristic's points, held within
//! `[min_score, max_score]` (350–950 in the default). The scaling section
//! states the odds the points stand for (points to double the odds), which is
//! how a fitted card (`socred score fit`) turns a regression into points.
//!
//! What a scorecard may read is closed: records of behaviours the rulebook
//! defines, in its allowed categories. Relationships, purchases, location and
//! every ground the rulebook refuses are refused here too, with the reason.

pub mod monitor;
mod score;
mod write;

use std::collections::HashSet;

use serde::{Deserialize, Serialize};
use toml::Spanned;

use crate::rulebook::reasons as says;
use crate::rulebook::{ProblemMessage, REFUSED_CODE_WORDS, REFUSED_GROUNDS, RulebookProblem, Template, check_chinese, is_code, is_text};
use crate::{Rulebook, rulebook::Problems};

pub use score::{CharacteristicResult, CommercialScore, DimensionPoints, Reason, score};

/// The scorecard shipped with socred, read against the default rulebook.
pub const DEFAULT_SCORECARD: &str = include_str!("../../../../scorecards/default.toml");
/// The name the built-in scorecard goes by in messages.
pub const DEFAULT_SCORECARD_NAME: &str = "scorecards/default.toml (built in)";

/// The most characteristics a card may have, and bins a characteristic.
pub const MAX_CHARACTERISTICS: usize = 40;
pub const MAX_BINS: usize = 20;
/// The most points one bin, or the base, may give or take.
pub const MAX_POINTS_ABS: i64 = 2_000;
/// The longest window a count may look back.
pub const MAX_WINDOW_YEARS: u32 = 10;
/// How many reasons a score states (an adverse-action notice gives four).
pub const REASONS: usize = 4;

/// The four dimensions of the commercial score. Sesame Credit's fifth,
/// interpersonal relationships, is refused by socred.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Dimension {
    CreditHistory,
    FulfilmentCapacity,
    VerifiedInformation,
    Behaviour,
}

impl Dimension {
    pub const ALL: [Dimension; 4] =
        [Dimension::CreditHistory, Dimension::FulfilmentCapacity, Dimension::VerifiedInformation, Dimension::Behaviour];

    pub fn as_str(self) -> &'static str {
        match self {
            Dimension::CreditHistory => "credit-history",
            Dimension::FulfilmentCapacity => "fulfilment-capacity",
            Dimension::VerifiedInformation => "verified-information",
            Dimension::Behaviour => "behaviour",
        }
    }

    fn from_name(name: &str) -> Option<Dimension> {
        Dimension::ALL.into_iter().find(|dimension| dimension.as_str() == name)
    }
}

/// What a characteristic reads from a file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "source", rename_all = "kebab-case")]
pub enum Source {
    /// Records of these behaviours that occurred in the `window_years` up to the day scored.
    Records { behaviours: Vec<String>, window_years: u32 },
    /// Whole years since the earliest record of these behaviours (0 with none).
    HistoryYears { behaviours: Vec<String> },
}

/// The direction a characteristic's points must follow as its value grows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Monotone {
    Increasing,
    Decreasing,
}

/// One labelled observation for fitting: the values a card's characteristics
/// read from a file (in the card's order), and whether the subject then defaulted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Observation {
    pub values: Vec<u32>,
    pub defaulted: bool,
}

/// Values `from..=up_to` (`up_to` None: and above) earn `points`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Bin {
    pub from: u32,
    pub up_to: Option<u32>,
    pub points: i64,
}

impl Bin {
    pub fn holds(&self, value: u32) -> bool {
        value >= self.from && self.up_to.is_none_or(|up_to| value <= up_to)
    }

    /// The bin's values in words: "0", "1–2", "3 or more".
    pub fn label(&self) -> String {
        match self.up_to {
            Some(up_to) if up_to == self.from => self.from.to_string(),
            Some(up_to) => format!("{}–{up_to}", self.from),
            None => format!("{}+", self.from),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Characteristic {
    pub code: String,
    /// The adverse-action reason code stated with the reason (stable across versions).
    pub reason_code: String,
    pub dimension: Dimension,
    pub title: String,
    pub title_zh: String,
    /// The reason as a notice states it when this characteristic costs points.
    pub reason: String,
    pub reason_zh: String,
    #[serde(flatten)]
    pub source: Source,
    pub monotone: Option<Monotone>,
    pub bins: Vec<Bin>,
}

impl Characteristic {
    pub fn bin_of(&self, value: u32) -> usize {
        self.bins.iter().position(|bin| bin.holds(value)).expect("validated: the bins cover every value")
    }

    pub fn best_points(&self) -> i64 {
        self.bins.iter().map(|bin| bin.points).max().expect("validated: at least two bins")
    }

    pub fn behaviours(&self) -> &[String] {
        match &self.source {
            Source::Records { behaviours, .. } | Source::HistoryYears { behaviours } => behaviours,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Scaling {
    pub min_score: i64,
    pub max_score: i64,
    /// The score at `base_odds` (good to bad), and the points that double the odds.
    pub base_score: i64,
    pub base_odds: f64,
    pub points_to_double_odds: f64,
    /// The points every subject starts from.
    pub base_points: i64,
}

impl Scaling {
    /// Points per unit of log-odds.
    pub fn factor(&self) -> f64 {
        self.points_to_double_odds / std::f64::consts::LN_2
    }

    /// The score at log-odds zero.
    pub fn offset(&self) -> f64 {
        self.base_score as f64 - self.factor() * self.base_odds.ln()
    }
}

/// A validated scorecard.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Scorecard {
    pub id: String,
    pub version: String,
    pub title: String,
    pub title_zh: String,
    pub scaling: Scaling,
    pub characteristics: Vec<Characteristic>,
    /// SHA-256 of the source text, hex.
    pub fingerprint: String,
}

/// Every problem found in a scorecard, with the file: the rulebook's error
/// type, since a scorecard is checked the same way and against it.
pub type ScorecardError = crate::RulebookError;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawScorecard {
    scorecard: Spanned<RawMeta>,
    scaling: Spanned<RawScaling>,
    #[serde(default)]
    characteristic: Vec<Spanned<RawCharacteristic>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawMeta {
    id: String,
    version: String,
    title: String,
    #[serde(default)]
    title_zh: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawScaling {
    min_score: i64,
    max_score: i64,
    base_score: i64,
    base_odds: f64,
    points_to_double_odds: f64,
    base_points: i64,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCharacteristic {
    code: String,
    reason_code: String,
    dimension: String,
    title: String,
    #[serde(default)]
    title_zh: String,
    reason: String,
    #[serde(default)]
    reason_zh: String,
    source: String,
    #[serde(default)]
    behaviours: Vec<String>,
    window_years: Option<i64>,
    monotone: Option<String>,
    #[serde(default)]
    bins: Vec<RawBin>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawBin {
    up_to: Option<i64>,
    points: i64,
}

/// Words that name a ground a commercial score must never read, beyond the
/// rulebook's: Sesame Credit's "interpersonal relationships" and "purchases".
const REFUSED_SCORECARD_WORDS: &[(&str, Template)] = &[
    ("relationships", says::GROUND_ASSOCIATION),
    ("interpersonal", says::GROUND_ASSOCIATION),
    ("friends", says::GROUND_ASSOCIATION),
    ("contacts", says::GROUND_ASSOCIATION),
    ("social", says::GROUND_ASSOCIATION),
    ("network", says::GROUND_ASSOCIATION),
    ("family", says::GROUND_PRIVATE_LIFE),
    ("marital", says::GROUND_PRIVATE_LIFE),
    ("purchases", says::GROUND_PURCHASES),
    ("purchase", says::GROUND_PURCHASES),
    ("shopping", says::GROUND_PURCHASES),
    ("spending", says::GROUND_PURCHASES),
    ("consumption", says::GROUND_PURCHASES),
    ("location", says::GROUND_LOCATION),
    ("gps", says::GROUND_LOCATION),
    ("address", says::GROUND_LOCATION),
    ("browsing", says::GROUND_BROWSING),
    ("device", says::GROUND_SURVEILLANCE),
    ("camera", says::GROUND_SURVEILLANCE),
    ("face", says::GROUND_SURVEILLANCE),
];

/// The ground a code or name gives away, if any.
fn refused_ground(name: &str) -> Option<Template> {
    let padded = format!("-{name}-");
    REFUSED_GROUNDS
        .iter()
        .chain(REFUSED_CODE_WORDS)
        .chain(REFUSED_SCORECARD_WORDS)
        .find(|(word, _)| padded.contains(&format!("-{word}-")))
        .map(|(_, ground)| *ground)
}

fn refusal(what: &str, ground: Template) -> ProblemMessage {
    says::SCORECARD_READS_GROUND.with([("code", &format!("{what:?}"))]).and_message("ground", ground)
}

impl Scorecard {
    /// The default scorecard against the default rulebook.
    pub fn default_card() -> Scorecard {
        let rulebook = Rulebook::from_toml(crate::DEFAULT_RULEBOOK, "default.toml").expect("the default rulebook is valid");
        Scorecard::from_toml(DEFAULT_SCORECARD, DEFAULT_SCORECARD_NAME, &rulebook).expect("the default scorecard is valid")
    }

    /// Parses and validates a scorecard against the rulebook whose records it reads.
    pub fn from_toml(source: &str, file: &str, rulebook: &Rulebook) -> Result<Scorecard, ScorecardError> {
        let fail = |problems| ScorecardError { file: file.to_string(), problems };
        let raw: RawScorecard = toml::from_str(source).map_err(|error| {
            let line =
                error.span().map(|span| source.as_bytes()[..span.start.min(source.len())].iter().filter(|b| **b == b'\n').count() + 1);
            fail(vec![RulebookProblem::new(line, "scorecard", says::SYNTAX.with([("detail", &error.message())]))])
        })?;
        let mut problems = Problems::new(source, true);
        let meta_span = raw.scorecard.span();
        let meta = raw.scorecard.into_inner();
        if !is_code(&meta.id, 64) {
            problems.add(&meta_span, "scorecard.id", says::ID_FORMAT.with([("max", &64)]));
        }
        if meta.version.is_empty()
            || meta.version.len() > 32
            || !meta.version.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'-')
        {
            problems.add(&meta_span, "scorecard.version", says::SCORECARD_VERSION_FORMAT);
        }
        if !is_text(&meta.title, 200) {
            problems.add(&meta_span, "scorecard.title", says::TEXT_LENGTH.with([("max", &200)]));
        }
        check_chinese(&mut problems, &meta_span, "scorecard.title".into(), &meta.title, &meta.title_zh, 200);

        let scaling_span = raw.scaling.span();
        let scaling = raw.scaling.into_inner();
        if !(0 < scaling.min_score && scaling.min_score < scaling.max_score && scaling.max_score <= 10_000) {
            problems.add(&scaling_span, "scaling.min_score", says::SCALING_RANGE);
        }
        if !(scaling.min_score..=scaling.max_score).contains(&scaling.base_score) {
            problems.add(&scaling_span, "scaling.base_score", says::SCALING_BASE_SCORE);
        }
        if !(scaling.base_odds.is_finite() && scaling.base_odds > 0.0 && scaling.base_odds <= 1e6) {
            problems.add(&scaling_span, "scaling.base_odds", says::SCALING_BASE_ODDS);
        }
        if !(scaling.points_to_double_odds.is_finite() && scaling.points_to_double_odds > 0.0 && scaling.points_to_double_odds <= 1_000.0) {
            problems.add(&scaling_span, "scaling.points_to_double_odds", says::SCALING_DOUBLE_ODDS);
        }
        if scaling.base_points.unsigned_abs() > 10_000 {
            problems.add(&scaling_span, "scaling.base_points", says::SCALING_BASE_POINTS);
        }

        if raw.characteristic.is_empty() || raw.characteristic.len() > MAX_CHARACTERISTICS {
            problems.add(&meta_span, "characteristic", says::CHARACTERISTIC_COUNT.with([("max", &MAX_CHARACTERISTICS)]));
        }
        let mut codes = HashSet::new();
        let mut reason_codes = HashSet::new();
        let mut characteristics = Vec::new();
        for (index, spanned) in raw.characteristic.into_iter().enumerate() {
            let span = spanned.span();
            let entry = spanned.into_inner();
            let key = |field: &str| format!("characteristic[{index}].{field}");
            if !is_code(&entry.code, 64) {
                problems.add(&span, key("code"), says::CODE_FORMAT.with([("code", &format!("{:?}", entry.code)), ("max", &64)]));
            } else if !codes.insert(entry.code.clone()) {
                problems.add(&span, key("code"), says::DECLARED_TWICE.with([("code", &format!("{:?}", entry.code))]));
            }
            if let Some(ground) = refused_ground(&entry.code) {
                problems.add(&span, key("code"), refusal(&entry.code, ground));
            }
            if entry.reason_code.is_empty()
                || entry.reason_code.len() > 8
                || !entry.reason_code.bytes().all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
            {
                problems.add(&span, key("reason_code"), says::REASON_CODE_FORMAT);
            } else if !reason_codes.insert(entry.reason_code.clone()) {
                problems.add(&span, key("reason_code"), says::DECLARED_TWICE.with([("code", &format!("{:?}", entry.reason_code))]));
            }
            let dimension = Dimension::from_name(&entry.dimension);
            if dimension.is_none() {
                let reason = match refused_ground(&entry.dimension) {
                    Some(ground) => refusal(&entry.dimension, ground),
                    None => says::DIMENSION_UNKNOWN.with([
                        ("dimension", &format!("{:?}", entry.dimension)),
                        ("choices", &Dimension::ALL.map(Dimension::as_str).join(", ")),
                    ]),
                };
                problems.add(&span, key("dimension"), reason);
            }
            for (field, english, chinese) in [("title", &entry.title, &entry.title_zh), ("reason", &entry.reason, &entry.reason_zh)] {
                if !is_text(english, 200) {
                    problems.add(&span, key(field), says::TEXT_LENGTH.with([("max", &200)]));
                }
                check_chinese(&mut problems, &span, key(field), english, chinese, 200);
            }
            if entry.behaviours.is_empty() || entry.behaviours.len() > 64 {
                problems.add(&span, key("behaviours"), says::BEHAVIOUR_COUNT);
            }
            for behaviour in &entry.behaviours {
                if let Some(ground) = refused_ground(behaviour) {
                    problems.add(&span, key("behaviours"), refusal(behaviour, ground));
                    continue;
                }
                let Some(defined) = rulebook.behaviour(behaviour) else {
                    let reason = says::NOT_A_BEHAVIOUR_OF.with([
                        ("code", &format!("{behaviour:?}")),
                        ("rulebook", &rulebook.id),
                        ("version", &rulebook.version),
                    ]);
                    problems.add(&span, key("behaviours"), reason);
                    continue;
                };
                // A record stops counting against anyone when its years end: no
                // commercial score may hold it longer than the rulebook does.
                match (entry.source.as_str(), entry.window_years) {
                    ("records", Some(years)) if years > i64::from(defined.years) => {
                        let reason = says::WINDOW_LONGER.with([
                            ("years", &years),
                            ("record_years", &defined.years),
                            ("code", &format!("{behaviour:?}")),
                        ]);
                        problems.add(&span, key("window_years"), reason);
                    }
                    ("history-years", _) if defined.points < 0 => {
                        let reason = says::HISTORY_OF_DEDUCTION.with([("code", &format!("{behaviour:?}"))]);
                        problems.add(&span, key("behaviours"), reason);
                    }
                    _ => {}
                }
            }
            let source = match entry.source.as_str() {
                "records" => match entry.window_years {
                    Some(years @ 1..) if years <= i64::from(MAX_WINDOW_YEARS) => {
                        Some(Source::Records { behaviours: entry.behaviours.clone(), window_years: years as u32 })
                    }
                    _ => {
                        problems.add(&span, key("window_years"), says::WINDOW_REQUIRED.with([("max", &MAX_WINDOW_YEARS)]));
                        None
                    }
                },
                "history-years" => {
                    if entry.window_years.is_some() {
                        problems.add(&span, key("window_years"), says::HISTORY_NO_WINDOW);
                    }
                    Some(Source::HistoryYears { behaviours: entry.behaviours.clone() })
                }
                other => {
                    let reason = match refused_ground(other) {
                        Some(ground) => refusal(other, ground),
                        None => says::SOURCE_UNKNOWN.with([("source", &format!("{other:?}"))]),
                    };
                    problems.add(&span, key("source"), reason);
                    None
                }
            };
            let monotone = match entry.monotone.as_deref() {
                None => None,
                Some("increasing") => Some(Monotone::Increasing),
                Some("decreasing") => Some(Monotone::Decreasing),
                Some(other) => {
                    problems.add(&span, key("monotone"), says::MONOTONE_UNKNOWN.with([("value", &format!("{other:?}"))]));
                    None
                }
            };
            let bins = check_bins(&mut problems, &span, &key("bins"), &entry.bins, monotone);
            if let (Some(dimension), Some(source), Some(bins)) = (dimension, source, bins) {
                characteristics.push(Characteristic {
                    code: entry.code,
                    reason_code: entry.reason_code,
                    dimension,
                    title: entry.title,
                    title_zh: entry.title_zh,
                    reason: entry.reason,
                    reason_zh: entry.reason_zh,
                    source,
                    monotone,
                    bins,
                });
            }
        }
        let problems = problems.into_list();
        if !problems.is_empty() {
            return Err(fail(problems));
        }
        Ok(Scorecard {
            id: meta.id,
            version: meta.version,
            title: meta.title,
            title_zh: meta.title_zh,
            scaling: Scaling {
                min_score: scaling.min_score,
                max_score: scaling.max_score,
                base_score: scaling.base_score,
                base_odds: scaling.base_odds,
                points_to_double_odds: scaling.points_to_double_odds,
                base_points: scaling.base_points,
            },
            characteristics,
            fingerprint: hex::encode(<sha2::Sha256 as sha2::Digest>::digest(source.as_bytes())),
        })
    }

    /// The lowest and highest sums the card can give before they are held to the scale.
    pub fn reach(&self) -> (i64, i64) {
        let low = self.characteristics.iter().map(|c| c.bins.iter().map(|bin| bin.points).min().unwrap_or(0)).sum::<i64>();
        let high = self.characteristics.iter().map(Characteristic::best_points).sum::<i64>();
        (self.scaling.base_points + low, self.scaling.base_points + high)
    }
}

/// Bins run from 0 without gaps, each `up_to` above the last, the last open;
/// points within the limit and, where declared, monotone.
fn check_bins(
    problems: &mut Problems<'_>,
    span: &std::ops::Range<usize>,
    key: &str,
    raw: &[RawBin],
    monotone: Option<Monotone>,
) -> Option<Vec<Bin>> {
    if raw.len() < 2 || raw.len() > MAX_BINS {
        problems.add(span, key, says::BIN_COUNT.with([("max", &MAX_BINS)]));
        return None;
    }
    let mut bins = Vec::with_capacity(raw.len());
    let mut from = 0_u32;
    for (index, bin) in raw.iter().enumerate() {
        let last = index + 1 == raw.len();
        if bin.points.unsigned_abs() > MAX_POINTS_ABS.unsigned_abs() {
            problems.add(
                span,
                format!("{key}[{index}].points"),
                says::POINTS_OUTSIDE.with([("points", &bin.points), ("max", &MAX_POINTS_ABS)]),
            );
            return None;
        }
        let up_to = match (bin.up_to, last) {
            (None, true) => None,
            (None, false) => {
                problems.add(span, format!("{key}[{index}].up_to"), says::BIN_OPEN_NOT_LAST);
                return None;
            }
            (Some(_), true) => {
                problems.add(span, format!("{key}[{index}].up_to"), says::BIN_LAST_CLOSED);
                return None;
            }
            (Some(up_to), false) => match u32::try_from(up_to) {
                Ok(up_to) if up_to >= from && up_to < 100_000 => Some(up_to),
                _ => {
                    problems.add(span, format!("{key}[{index}].up_to"), says::BIN_UP_TO.with([("up_to", &up_to), ("from", &from)]));
                    return None;
                }
            },
        };
        bins.push(Bin { from, up_to, points: bin.points });
        from = up_to.map_or(from, |up_to| up_to + 1);
    }
    let wrong_way = match monotone {
        Some(Monotone::Increasing) => bins.windows(2).position(|pair| pair[1].points < pair[0].points),
        Some(Monotone::Decreasing) => bins.windows(2).position(|pair| pair[1].points > pair[0].points),
        None => None,
    };
    if let Some(index) = wrong_way {
        let template = if monotone == Some(Monotone::Increasing) { says::BIN_NOT_INCREASING } else { says::BIN_NOT_DECREASING };
        let message = template.with([("bin", &(index + 1)), ("points", &bins[index + 1].points), ("previous", &bins[index].points)]);
        problems.add(span, format!("{key}[{}].points", index + 1), message);
        return None;
    }
    Some(bins)
}

#[cfg(test)]
mod tests;
