//! Groups a subject belongs to, read from the identifier itself, and the
//! adverse-outcome rate of each group against the population's (the
//! four-fifths rule of disparate-impact analysis).
//!
//! Only what the identifier states is used: the region code's province, the
//! birth date's age band and the sequence digit's sex for persons; the
//! registration type for organisations. Nothing else about a subject is read.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::date::Date;
use crate::id::SubjectId;

/// A group's rate is judged against the population's within this band.
pub const FOUR_FIFTHS_BAND: (f64, f64) = (0.8, 1.25);
/// Groups smaller than this are reported but not judged: a handful of
/// subjects gives a ratio that means nothing.
pub const MIN_GROUP_SUBJECTS: u64 = 20;

/// The dimensions groups are formed on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Dimension {
    Province,
    AgeBand,
    Sex,
    OrganisationType,
}

impl Dimension {
    pub const ALL: [Dimension; 4] = [Dimension::Province, Dimension::AgeBand, Dimension::Sex, Dimension::OrganisationType];

    pub fn as_str(self) -> &'static str {
        match self {
            Dimension::Province => "province",
            Dimension::AgeBand => "age-band",
            Dimension::Sex => "sex",
            Dimension::OrganisationType => "organisation-type",
        }
    }
}

/// Age bands, by the age reached on the as-of date.
const AGE_BANDS: [(u32, &str); 5] = [(0, "under-18"), (18, "18-29"), (30, "30-44"), (45, "45-59"), (60, "60-and-over")];

fn age_band(birth: Date, as_of: Date) -> &'static str {
    let mut age = as_of.year() - birth.year();
    if (as_of.month(), as_of.day()) < (birth.month(), birth.day()) {
        age -= 1;
    }
    let age = u32::try_from(age).unwrap_or(0);
    AGE_BANDS.iter().rev().find(|(from, _)| age >= *from).expect("the first band starts at 0").1
}

/// The registration-type pair of an organisation code (registering
/// authority and kind): "91" is an enterprise, "92" an individual business,
/// "93" a farmers' co-operative, "11" a state organ, "12" a public
/// institution, "51"-"53" social organisations.
fn organisation_type(code: &str) -> &'static str {
    match &code[..2] {
        "11" => "state-organ",
        "12" => "public-institution",
        "51" | "52" | "53" => "social-organisation",
        "91" => "enterprise",
        "92" => "individual-business",
        "93" => "co-operative",
        _ => "other",
    }
}

/// The groups one subject belongs to: (dimension, group).
pub fn groups_of(subject: &SubjectId, as_of: Date) -> Vec<(Dimension, String)> {
    match subject {
        SubjectId::Person(person) => {
            let text = person.as_str();
            let sequence_digit = text.as_bytes()[16] - b'0';
            vec![
                (Dimension::Province, text[..2].to_string()),
                (Dimension::AgeBand, age_band(person.birth_date(), as_of).to_string()),
                (Dimension::Sex, if sequence_digit % 2 == 1 { "male" } else { "female" }.to_string()),
            ]
        }
        SubjectId::Organisation(org) => {
            let text = org.as_str();
            vec![(Dimension::Province, text[2..4].to_string()), (Dimension::OrganisationType, organisation_type(text).to_string())]
        }
    }
}

/// How a group's rate stands against the population's.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Judgement {
    Within,
    /// The ratio falls outside the four-fifths band.
    Outside,
    /// Fewer than [`MIN_GROUP_SUBJECTS`]: not judged.
    TooSmall,
}

/// One group's adverse outcomes under the proposed rulebook.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GroupImpact {
    pub dimension: Dimension,
    pub group: String,
    pub subjects: u64,
    /// Subjects of the group the change treats worse (see [`super::Comparison`]).
    pub adverse: u64,
    pub rate: f64,
    /// `rate` over the population's rate; absent when nobody is treated worse.
    pub ratio: Option<f64>,
    pub judgement: Judgement,
}

/// Counts per (dimension, group): (subjects, adverse).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GroupCounts(pub BTreeMap<(Dimension, String), (u64, u64)>);

impl GroupCounts {
    pub fn add(&mut self, subject: &SubjectId, as_of: Date, adverse: bool) {
        for key in groups_of(subject, as_of) {
            let counts = self.0.entry(key).or_default();
            counts.0 += 1;
            counts.1 += u64::from(adverse);
        }
    }

    pub fn merge(&mut self, other: GroupCounts) {
        for (key, (subjects, adverse)) in other.0 {
            let counts = self.0.entry(key).or_default();
            counts.0 += subjects;
            counts.1 += adverse;
        }
    }

    /// Every group's rate judged against the population's (`adverse` of `subjects`).
    pub fn judge(&self, subjects: u64, adverse: u64) -> Vec<GroupImpact> {
        let population_rate = if subjects == 0 { 0.0 } else { adverse as f64 / subjects as f64 };
        self.0
            .iter()
            .map(|((dimension, group), &(group_subjects, group_adverse))| {
                let rate = group_adverse as f64 / group_subjects as f64;
                let ratio = (population_rate > 0.0).then(|| rate / population_rate);
                let judgement = if group_subjects < MIN_GROUP_SUBJECTS {
                    Judgement::TooSmall
                } else if ratio.is_some_and(|ratio| ratio < FOUR_FIFTHS_BAND.0 || ratio > FOUR_FIFTHS_BAND.1) {
                    Judgement::Outside
                } else {
                    Judgement::Within
                };
                GroupImpact {
                    dimension: *dimension,
                    group: group.clone(),
                    subjects: group_subjects,
                    adverse: group_adverse,
                    rate,
                    ratio,
                    judgement,
                }
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::date::parse_date;

    #[test]
    fn groups_come_from_the_identifier() {
        let person = SubjectId::parse("110101199003074514").unwrap();
        let groups = groups_of(&person, parse_date("2026-12-06").unwrap());
        assert_eq!(groups, vec![(Dimension::Province, "11".into()), (Dimension::AgeBand, "30-44".into()), (Dimension::Sex, "male".into())]);
        assert_eq!(age_band(parse_date("2008-12-07").unwrap(), parse_date("2026-12-06").unwrap()), "under-18");
        assert_eq!(age_band(parse_date("2008-12-06").unwrap(), parse_date("2026-12-06").unwrap()), "18-29");
        assert_eq!(age_band(parse_date("1966-01-01").unwrap(), parse_date("2026-12-06").unwrap()), "60-and-over");
    }

    #[test]
    fn a_group_hit_harder_than_the_population_is_outside_the_band() {
        let mut counts = GroupCounts::default();
        counts.0.insert((Dimension::Province, "11".into()), (100, 30));
        counts.0.insert((Dimension::Province, "31".into()), (100, 10));
        counts.0.insert((Dimension::Province, "44".into()), (5, 5));
        let judged = counts.judge(205, 45);
        let by_group = |group: &str| judged.iter().find(|g| g.group == group).unwrap().judgement;
        assert_eq!(by_group("11"), Judgement::Outside);
        assert_eq!(by_group("31"), Judgement::Outside);
        assert_eq!(by_group("44"), Judgement::TooSmall);
        let nobody = counts.judge(205, 0);
        assert!(nobody.iter().all(|g| g.ratio.is_none() && g.judgement != Judgement::Outside));
    }
}
