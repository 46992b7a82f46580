//! What a problem of a rulebook or a scorecard says: one message of
//! `locales/*/problems.ftl` with its variables. The core renders the English
//! (the API's, the log's and the tests' words) from the same pattern the
//! English message file holds, so a reader in Chinese reads the same reason
//! in their language; a test in `socred-i18n` holds the two patterns equal.

use std::fmt;

/// One message: its id in `locales/*/problems.ftl` and its English pattern,
/// whose `{name}` placeholders are the message's variables.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Template {
    pub id: &'static str,
    pub english: &'static str,
}

/// A variable of a problem's message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProblemArgument {
    /// Written as given in every language: a code, a number, a key.
    Text(String),
    /// Another message, in the reader's language (a refused ground).
    Message(Box<ProblemMessage>),
}

/// A problem's reason as a message and its variables.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProblemMessage {
    pub template: Template,
    pub arguments: Vec<(&'static str, ProblemArgument)>,
}

impl Template {
    /// The message with its variables, each written as `Display` writes it.
    pub fn with<const N: usize>(self, arguments: [(&'static str, &dyn fmt::Display); N]) -> ProblemMessage {
        ProblemMessage {
            template: self,
            arguments: arguments.into_iter().map(|(name, value)| (name, ProblemArgument::Text(value.to_string()))).collect(),
        }
    }

    /// Every `{name}` the pattern holds, in order.
    pub fn placeholders(self) -> impl Iterator<Item = &'static str> {
        self.english.split('{').skip(1).filter_map(|part| part.split_once('}').map(|(name, _)| name))
    }
}

impl ProblemMessage {
    /// The message with one more variable that is itself a message.
    pub fn and_message(mut self, name: &'static str, message: impl Into<ProblemMessage>) -> ProblemMessage {
        self.arguments.push((name, ProblemArgument::Message(Box::new(message.into()))));
        self
    }

    /// The English text: the pattern with each placeholder filled.
    pub fn english(&self) -> String {
        let mut text = String::with_capacity(self.template.english.len() + 32);
        let mut rest = self.template.english;
        while let Some(open) = rest.find('{') {
            text.push_str(&rest[..open]);
            let Some(close) = rest[open..].find('}') else { break };
            let name = &rest[open + 1..open + close];
            match self.arguments.iter().find(|(argument, _)| *argument == name) {
                Some((_, ProblemArgument::Text(value))) => text.push_str(value),
                Some((_, ProblemArgument::Message(message))) => text.push_str(&message.english()),
                None => {
                    debug_assert!(false, "{} names {name} without a value", self.template.id);
                    text.push_str(&rest[open..=open + close]);
                }
            }
            rest = &rest[open + close + 1..];
        }
        text.push_str(rest);
        text
    }
}

impl From<Template> for ProblemMessage {
    fn from(template: Template) -> ProblemMessage {
        debug_assert!(template.placeholders().next().is_none(), "{} needs its variables", template.id);
        ProblemMessage { template, arguments: Vec::new() }
    }
}

macro_rules! templates {
    ($($name:ident = $id:literal: $english:literal;)*) => {
        $(pub const $name: Template = Template { id: $id, english: $english };)*
        /// Every message a problem of a rulebook or a scorecard can say.
        pub const ALL: &[Template] = &[$($name),*];
    };
}

templates! {
    // The file as a whole.
    FILE_TOO_LARGE = "problem-file-too-large": "is {bytes} bytes; a rulebook may be at most {max}";
    SYNTAX = "problem-syntax": "{detail}";
    // Shapes every table shares.
    TEXT_LENGTH = "problem-text-length": "must be 1-{max} characters of text";
    TEXT_AT_MOST = "problem-text-at-most": "must be at most {max} characters of text";
    ID_FORMAT = "problem-id-format": "must be 1-{max} characters of a-z, 0-9 and inner hyphens";
    CODE_FORMAT = "problem-code-format": "{code} must be 1-{max} characters of a-z, 0-9 and inner hyphens";
    DECLARED_TWICE = "problem-declared-twice": "{code} is declared twice";
    LISTED_TWICE = "problem-listed-twice": "{name} is listed twice";
    BETWEEN = "problem-between": "must be between {min} and {max}";
    BETWEEN_YEARS = "problem-between-years": "must be between {min} and {max} years";
    BETWEEN_DAYS = "problem-between-days": "must be between {min} and {max} days";
    TOO_MANY = "problem-too-many": "has {count} entries; at most {max}";
    NOT_ONE_OF = "problem-not-one-of": "{value} is not one of {choices}";
    NOT_A_TIER = "problem-not-a-tier": "{name} is not a tier in [tiers]";
    NOT_A_BEHAVIOUR = "problem-not-a-behaviour": "{code} is not a behaviour of this rulebook";
    NOT_A_SERVICE = "problem-not-a-service": "{code} is not a [[service]] of this rulebook";
    NOT_A_LIST = "problem-not-a-list": "{code} is not a [[list]] of this rulebook";
    POINTS_OUTSIDE = "problem-points-outside": "{points} is outside -{max}..={max}";
    SUBJECT_KIND = "problem-subject-kind": "unknown subject kind {kind}: expected person or organisation";
    APPLIES_TO_EMPTY = "problem-applies-to-empty": "must name person, organisation or both";
    CHINESE_REQUIRED = "problem-chinese-required": "is required: the same text in Simplified Chinese (every text of a rulebook is in both languages)";
    CHINESE_CHARACTERS = "problem-chinese-characters": "must be written in Chinese characters (Simplified Chinese)";
    // The rulebook's head, scoring and tiers.
    VERSION_FORMAT = "problem-version-format": "must be 1-64 characters of letters, digits and . _ + -";
    CODE_SCORES_GROUND = "problem-code-scores-ground": "{code} scores {ground}, which socred refuses on principle (out of scope; see BRIEF.md)";
    CATEGORY_REFUSED = "problem-category-refused": "{category} is refused: socred does not score {ground}, on principle (out of scope; see BRIEF.md)";
    CATEGORY_UNKNOWN = "problem-category-unknown": "{category} is not a category; the closed set is: {choices}";
    LEGAL_BASIS_RECORD = "problem-legal-basis-record": "is required: 1-500 characters naming the law that allows this record";
    TIER_COUNT = "problem-tier-count": "needs 2 to {max} tiers, got {count}";
    TIER_NAME = "problem-tier-name": "must be 1-8 characters of letters, digits, + and -";
    MIN_POINTS_REQUIRED = "problem-min-points-required": "is required on every tier but the last";
    MIN_POINTS_ON_LAST = "problem-min-points-on-last": "must be absent on the last tier, which takes every score below the tier above";
    MIN_POINTS_ORDER = "problem-min-points-order": "{min} must be below the tier above ({previous}); list tiers from best to worst";
    // Lists and due process.
    LEGAL_BASIS_LIST = "problem-legal-basis-list": "is required: 1-500 characters naming the law that allows this list";
    CONSEQUENCES_REQUIRED = "problem-consequences-required": "is required: 1-2000 characters saying what being listed means";
    PUBLICATION_YEARS = "problem-publication-years": "must be between 0 and max_listing_years";
    REPAIR_RESTRICTIVE_ONLY = "problem-repair-restrictive-only": "credit repair applies to restrictive lists only";
    WHILE_IN_TIER = "problem-while-in-tier": "applies to tier triggers only";
    TRIGGER_ONE_OF = "problem-trigger-one-of": "a trigger names exactly one of behaviour or tier";
    LIST_NEEDS_TRIGGER = "problem-list-needs-trigger": "a list needs triggers, or manual = true";
    // Services and measures.
    NOT_A_BEHAVIOUR_TABLE = "problem-not-a-behaviour-table": "{code} is not a [[behaviour]] of this rulebook";
    MEASURE_NEEDS_TRIGGER = "problem-measure-needs-trigger": "a measure needs a trigger: lists, tiers, records or several";
    MEASURE_EXTENDS = "problem-measure-extends": "a measure that does not apply directly must extend to someone";
    LEGAL_BASIS_MEASURE = "problem-legal-basis-measure": "is required: 1-500 characters naming the law that allows this measure";
    REWARD_NEEDS_BENEFIT = "problem-reward-needs-benefit": "a reward names its benefit";
    BENEFIT_ONLY_REWARDS = "problem-benefit-only-rewards": "only rewards have a benefit";
    BENEFIT_FORMAT = "problem-benefit-format": "must be 1-64 characters of a-z, 0-9 and -";
    // Reporting, limits and authorities.
    REPORTABLE_AT_MOST = "problem-reportable-at-most": "at most {max} behaviours";
    REWARD_MUST_ADD = "problem-reward-must-add": "{code} has {points} points; a reward behaviour must add points";
    MALICIOUS_MUST_DEDUCT = "problem-malicious-must-deduct": "{code} has {points} points; a malicious behaviour must deduct points";
    MEDIA_TYPE_UNKNOWN = "problem-media-type-unknown": "{media_type} is not one socred recognises by content; one of {choices}";
    LINES_PER_DAY = "problem-lines-per-day": "must be at least partner_lines_per_subject_per_batch";
    NAME_SPACES = "problem-name-spaces": "must not begin or end with spaces: records name it exactly";
    ADDRESS_REQUIRED = "problem-address-required": "is required when address_zh is given: every text is in both languages";
    // Scorecards.
    SCORECARD_VERSION_FORMAT = "problem-scorecard-version-format": "must be 1-32 characters of letters, digits, dots and hyphens";
    SCALING_RANGE = "problem-scaling-range": "needs 0 < min_score < max_score <= 10000";
    SCALING_BASE_SCORE = "problem-scaling-base-score": "must lie within min_score..=max_score";
    SCALING_BASE_ODDS = "problem-scaling-base-odds": "must be a number above 0 and at most 1000000 (good to bad)";
    SCALING_DOUBLE_ODDS = "problem-scaling-double-odds": "must be a number above 0 and at most 1000";
    SCALING_BASE_POINTS = "problem-scaling-base-points": "must lie within -10000..=10000";
    CHARACTERISTIC_COUNT = "problem-characteristic-count": "a scorecard needs 1-{max} characteristics";
    SCORECARD_READS_GROUND = "problem-scorecard-reads-ground": "{code} reads {ground}, which socred refuses on principle, in a commercial score as in the rulebook (see BRIEF.md)";
    REASON_CODE_FORMAT = "problem-reason-code-format": "must be 1-8 characters of A-Z and 0-9";
    DIMENSION_UNKNOWN = "problem-dimension-unknown": "{dimension} is not a dimension; the closed set is: {choices}";
    BEHAVIOUR_COUNT = "problem-behaviour-count": "names 1-64 behaviours of the rulebook";
    NOT_A_BEHAVIOUR_OF = "problem-not-a-behaviour-of": "{code} is not a behaviour of rulebook {rulebook} {version}";
    WINDOW_LONGER = "problem-window-longer": "{years} is longer than the {record_years} years a record of {code} counts under the rulebook";
    HISTORY_OF_DEDUCTION = "problem-history-of-deduction": "{code} is a deduction: a history counts only records that are not (an adverse record counts for its years)";
    WINDOW_REQUIRED = "problem-window-required": "a count of records needs window_years within 1..={max}";
    HISTORY_NO_WINDOW = "problem-history-no-window": "history-years counts from the earliest record: it takes no window";
    SOURCE_UNKNOWN = "problem-source-unknown": "{source} is not a source; the closed set is: records, history-years";
    MONOTONE_UNKNOWN = "problem-monotone-unknown": "{value} is not increasing or decreasing";
    BIN_COUNT = "problem-bin-count": "needs 2-{max} bins";
    BIN_OPEN_NOT_LAST = "problem-bin-open-not-last": "only the last bin is open-ended";
    BIN_LAST_CLOSED = "problem-bin-last-closed": "the last bin takes every value above the one before: it has no up_to";
    BIN_UP_TO = "problem-bin-up-to": "{up_to} must be at least {from} (each bin above the last) and below 100000";
    BIN_NOT_INCREASING = "problem-bin-not-increasing": "the characteristic is declared increasing, but bin {bin} gives {points} after {previous}";
    BIN_NOT_DECREASING = "problem-bin-not-decreasing": "the characteristic is declared decreasing, but bin {bin} gives {points} after {previous}";
    // The grounds socred refuses to score, said inside the refusals above.
    GROUND_POLITICAL_OPINION = "problem-ground-political-opinion": "political opinion";
    GROUND_CRITICISM = "problem-ground-criticism": "criticism of government";
    GROUND_SPEECH = "problem-ground-speech": "speech";
    GROUND_PETITIONING = "problem-ground-petitioning": "petitioning";
    GROUND_ASSEMBLY = "problem-ground-assembly": "petitioning and assembly";
    GROUND_RELIGION = "problem-ground-religion": "religion";
    GROUND_ETHNICITY = "problem-ground-ethnicity": "ethnicity";
    GROUND_FAMILY_SIZE = "problem-ground-family-size": "family size";
    GROUND_PRIVATE_LIFE = "problem-ground-private-life": "private or family life";
    GROUND_LIFESTYLE = "problem-ground-lifestyle": "lifestyle";
    GROUND_ASSOCIATION = "problem-ground-association": "whom a person associates with";
    GROUND_SURVEILLANCE = "problem-ground-surveillance": "surveillance feeds";
    GROUND_LOCATION = "problem-ground-location": "location tracking";
    GROUND_BROWSING = "problem-ground-browsing": "browsing histories";
    GROUND_PURCHASES = "problem-ground-purchases": "purchase histories";
}

impl fmt::Display for ProblemMessage {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(&self.english())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn english_fills_every_placeholder_and_nests_messages() {
        let message = CODE_SCORES_GROUND.with([("code", &"\"x\"")]).and_message("ground", GROUND_SPEECH);
        assert_eq!(message.english(), "\"x\" scores speech, which socred refuses on principle (out of scope; see BRIEF.md)");
        assert_eq!(POINTS_OUTSIDE.with([("points", &-6000), ("max", &5000)]).english(), "-6000 is outside -5000..=5000");
        assert_eq!(POINTS_OUTSIDE.placeholders().collect::<Vec<_>>(), ["points", "max", "max"]);
    }

    #[test]
    fn every_id_is_a_problem_message_and_said_once() {
        let mut ids: Vec<_> = ALL.iter().map(|template| template.id).collect();
        assert!(ids.iter().all(|id| id.starts_with("problem-")));
        ids.sort_unstable();
        let count = ids.len();
        ids.dedup();
        assert_eq!(ids.len(), count, "an id is declared twice");
    }
}
