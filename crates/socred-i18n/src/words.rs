//! The rulebook's words in the reader's language: a title, legal basis or
//! service name in Chinese where the rulebook has one (a version adopted
//! before both languages were required may not), else as written. Texts a
//! person wrote (facts, grounds, reasons) are shown as written.

use crate::{Argument, Language};
use socred_core::Rulebook;

/// `chinese` for a Chinese reader when it is not blank, else `english`.
pub fn in_language<'a>(language: Language, english: &'a str, chinese: &'a str) -> &'a str {
    language.pick(english, chinese)
}

/// A state or outcome code in the reader's language (as written, if unknown):
/// `kind` is `report-state` or `check-outcome`.
pub fn code_in_language(language: Language, kind: &str, code: &str) -> String {
    let known = known_codes(kind);
    if known.contains(&code) { language.text(&format!("{kind}-{code}")) } else { code.to_string() }
}

fn known_codes(kind: &str) -> &'static [&'static str] {
    match kind {
        "report-state" => &["submitted", "under-review", "verified", "rejected", "malicious", "duplicate"],
        "check-outcome" => &["allow", "deny", "allow-with-benefit", "refused"],
        _ => &[],
    }
}

/// How to contest a denial, in `language`: the core's own sentences
/// ([`socred_core::decide::APPEAL`] and the one for a linked subject's
/// measure) translated, any other text as written.
pub fn appeal_text(language: Language, english: &str) -> String {
    match english {
        socred_core::decide::APPEAL => language.text("decision-appeal-own"),
        socred_core::decide::APPEAL_THROUGH_LINK => language.text("decision-appeal-through-link"),
        other => other.to_string(),
    }
}

/// A group of a policy comparison's impact table in `language`: a province
/// by its name (GB/T 2260), an age band, a sex or an organisation's type by
/// its message; a group socred has no name for stands as its code.
pub fn policy_group(language: Language, dimension: socred_core::policy::groups::Dimension, group: &str) -> String {
    use socred_core::policy::groups::Dimension;
    let id = match dimension {
        Dimension::Province => format!("province-{group}"),
        Dimension::AgeBand | Dimension::Sex | Dimension::OrganisationType => format!("policy-group-{group}"),
    };
    let named = language.text(&id);
    if named == id { group.to_string() } else { named }
}

/// The columns `text` takes in a fixed-width font (a Chinese character takes two).
pub fn display_columns(text: &str) -> usize {
    text.chars().map(crate::mail::columns).sum()
}

/// `text` padded with spaces to `width` columns of a fixed-width font (a
/// Chinese character takes two), so that columns of mixed scripts line up.
pub fn padded(text: &str, width: usize) -> String {
    let used = display_columns(text);
    format!("{text}{}", " ".repeat(width.saturating_sub(used)))
}

/// The message naming the link a measure reached a subject through.
pub fn link_message(link: socred_core::rulebook::Extension) -> &'static str {
    use socred_core::rulebook::Extension;
    match link {
        Extension::Children => "decision-via-guardian",
        Extension::LegalRepresentatives => "decision-via-represented",
        Extension::RepresentedOrganisations => "decision-via-representative",
    }
}

/// The message naming a dispute's outcome.
pub fn dispute_outcome_message(outcome: socred_core::process::DisputeOutcome) -> &'static str {
    use socred_core::process::DisputeOutcome;
    match outcome {
        DisputeOutcome::Uphold => "dispute-outcome-uphold",
        DisputeOutcome::Reject => "dispute-outcome-reject",
    }
}

#[derive(Clone, Copy)]
pub struct Words<'a> {
    pub language: Language,
    pub rulebook: &'a Rulebook,
}

impl<'a> Words<'a> {
    pub fn new(language: Language, rulebook: &'a Rulebook) -> Words<'a> {
        Words { language, rulebook }
    }

    pub fn t(&self, id: &str) -> String {
        self.language.text(id)
    }

    pub fn with(&self, id: &str, arguments: &[(&str, Argument)]) -> String {
        self.language.text_with(id, arguments)
    }

    /// `english` in the reader's language when it is the rulebook's own text
    /// (`stored`: the rulebook's English and Chinese), else as written.
    fn own<'b>(&self, stored: Option<(&'a str, &'a str)>, english: &'b str) -> &'b str
    where
        'a: 'b,
    {
        match stored {
            Some((rulebook_english, chinese)) if rulebook_english == english => in_language(self.language, english, chinese),
            _ => english,
        }
    }

    /// A behaviour's title; `english` is what the record or explanation carries.
    pub fn behaviour<'b>(&self, code: &str, english: &'b str) -> &'b str
    where
        'a: 'b,
    {
        self.own(self.rulebook.behaviour(code).map(|spec| (spec.title.as_str(), spec.title_zh.as_str())), english)
    }

    pub fn behaviour_basis<'b>(&self, code: &str, english: &'b str) -> &'b str
    where
        'a: 'b,
    {
        self.own(self.rulebook.behaviour(code).map(|spec| (spec.legal_basis.as_str(), spec.legal_basis_zh.as_str())), english)
    }

    pub fn list<'b>(&self, code: &str, english: &'b str) -> &'b str
    where
        'a: 'b,
    {
        self.own(self.rulebook.list(code).map(|spec| (spec.title.as_str(), spec.title_zh.as_str())), english)
    }

    /// An entry's legal basis: the list's, or the list's and its trigger
    /// behaviour's joined, in the reader's language; a reviewer's as written.
    pub fn list_basis(&self, code: &str, english: &str) -> String {
        crate::notice::legal_basis(self.language, self.rulebook, code, english)
    }

    /// The facts of an entry or notice: a rule's written again in the
    /// reader's language, a person's as written.
    pub fn facts(&self, written: &str, source: &socred_core::lists::FactsSource) -> String {
        crate::notice::facts(self.language, self.rulebook, written, source)
    }

    /// A step of an entry's history: its action and detail in the reader's language.
    pub fn step(&self, entry: &socred_core::lists::ListEntry, transition: &socred_core::lists::Transition) -> (String, String) {
        crate::notice::step(self.language, self.rulebook, entry, transition)
    }

    /// The authority of an entry: the tier rule named in the reader's language.
    pub fn authority(&self, written: &str) -> String {
        crate::notice::authority(self.language, self.rulebook, written)
    }

    pub fn list_consequences<'b>(&self, code: &str, english: &'b str) -> &'b str
    where
        'a: 'b,
    {
        self.own(self.rulebook.list(code).map(|spec| (spec.consequences.as_str(), spec.consequences_zh.as_str())), english)
    }

    /// A list named by its code alone (a decision's cause): its title in the
    /// reader's language, else the code, so no sentence carries a bare code.
    pub fn list_title(&self, code: &'a str) -> &'a str {
        match self.rulebook.list(code) {
            Some(spec) => in_language(self.language, &spec.title, &spec.title_zh),
            None => code,
        }
    }

    /// A behaviour named by its code alone: its title, else the code.
    pub fn behaviour_title(&self, code: &'a str) -> &'a str {
        match self.rulebook.behaviour(code) {
            Some(spec) => in_language(self.language, &spec.title, &spec.title_zh),
            None => code,
        }
    }

    fn measure_spec(&self, code: &str) -> Option<&'a socred_core::rulebook::Measure> {
        self.rulebook.measures.iter().find(|m| m.code == code)
    }

    pub fn measure<'b>(&self, code: &str, english: &'b str) -> &'b str
    where
        'a: 'b,
    {
        self.own(self.measure_spec(code).map(|spec| (spec.title.as_str(), spec.title_zh.as_str())), english)
    }

    pub fn measure_basis<'b>(&self, code: &str, english: &'b str) -> &'b str
    where
        'a: 'b,
    {
        self.own(self.measure_spec(code).map(|spec| (spec.legal_basis.as_str(), spec.legal_basis_zh.as_str())), english)
    }

    /// A service by its code: its title in the reader's language, else the code.
    pub fn service<'b>(&self, code: &'b str) -> &'b str
    where
        'a: 'b,
    {
        match self.rulebook.service(code) {
            Some(spec) => in_language(self.language, &spec.title, &spec.title_zh),
            None => code,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cores_appeal_sentences_read_in_both_languages() {
        use socred_core::decide::{APPEAL, APPEAL_THROUGH_LINK};
        for english in [APPEAL, APPEAL_THROUGH_LINK] {
            assert_eq!(appeal_text(Language::English, english), english, "the English is the core's");
            let chinese = appeal_text(Language::Chinese, english);
            assert!(chinese.contains("档案"), "{chinese}");
        }
        assert_eq!(appeal_text(Language::Chinese, "a reviewer's own words"), "a reviewer's own words");
    }

    #[test]
    fn every_link_and_dispute_outcome_reads_in_both_languages() {
        use socred_core::process::DisputeOutcome;
        use socred_core::rulebook::Extension;
        let links = [Extension::Children, Extension::LegalRepresentatives, Extension::RepresentedOrganisations].map(link_message);
        let outcomes = [DisputeOutcome::Uphold, DisputeOutcome::Reject].map(dispute_outcome_message);
        for language in Language::ALL {
            let ids = crate::message_ids(language);
            for id in links.iter().chain(&outcomes) {
                assert!(ids.contains(&id.to_string()), "{id} in {}", language.tag());
            }
        }
    }

    #[test]
    fn padding_counts_a_chinese_character_as_two_columns() {
        assert_eq!(padded("民航", 6), "民航  ");
        assert_eq!(padded("air", 6), "air   ");
        assert_eq!(padded("longer than six", 6), "longer than six");
    }

    #[test]
    fn every_state_and_outcome_reads_in_both_languages() {
        for language in Language::ALL {
            let ids = crate::message_ids(language);
            for kind in ["report-state", "check-outcome"] {
                for code in known_codes(kind) {
                    assert!(ids.contains(&format!("{kind}-{code}")), "{kind}-{code} in {}", language.tag());
                }
            }
        }
        assert_eq!(code_in_language(Language::Chinese, "check-outcome", "deny"), "不允许");
        assert_eq!(code_in_language(Language::English, "report-state", "submitted"), "submitted");
        assert_eq!(code_in_language(Language::Chinese, "report-state", "a-state-of-tomorrow"), "a-state-of-tomorrow");
    }
}
