//! socred-sim: synthetic populations, reproducible from a seed.
//!
//! Every identifier is synthetic (valid check characters, never a real
//! person's number) and every record uses the default rulebook's behaviour
//! codes. The same (seed, size, end date) always yields the same population,
//! whatever the machine: the generator is ChaCha8, and nothing reads a clock.

pub mod credit;
pub mod simulate;

use rand::rngs::ChaCha8Rng;
use rand::{RngExt, SeedableRng};
use socred_core::date::add_years;
use socred_core::id::{synthetic_org, synthetic_person};
use socred_core::record::{Record, RecordId};
use socred_core::{Date, SubjectId};

/// Children per synthetic guardian at most.
const MAX_CHILDREN: u8 = 4;

/// Upper bound on one population; a bigger one should be generated in parts.
pub const MAX_SUBJECTS: u64 = 50_000_000;

/// What to generate.
#[derive(Debug, Clone, Copy)]
pub struct PopulationConfig {
    pub seed: u64,
    pub subjects: u64,
    /// Records fall in the `years` years before this date (inclusive).
    pub until: Date,
    pub years: u32,
}

impl PopulationConfig {
    /// The first day of the generated history.
    pub fn history_start(&self) -> Date {
        self.until.replace_year(self.until.year() - self.years as i32).unwrap_or(self.until)
    }
}

impl SyntheticSubject {
    /// The first day the subject can be on a ledger whose history starts on `start`: then, or at birth.
    pub fn registered_on(&self, start: Date) -> Date {
        match self.id {
            SubjectId::Person(person) => start.max(person.birth_date()),
            SubjectId::Organisation(_) => start,
        }
    }
}

/// One generated subject, in an order where guardians and represented
/// organisations always come before the subjects that refer to them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyntheticSubject {
    pub id: SubjectId,
    pub name: String,
    pub profile: Profile,
    pub guardians: Vec<SubjectId>,
    pub represents: Vec<SubjectId>,
    pub records: Vec<Record>,
}

/// The behaviour pattern a synthetic subject was drawn from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Profile {
    Exemplary,
    Ordinary,
    Troubled,
    JudgmentDefaulter,
    Convicted,
    Organisation,
}

impl Profile {
    pub fn as_str(self) -> &'static str {
        match self {
            Profile::Exemplary => "exemplary",
            Profile::Ordinary => "ordinary",
            Profile::Troubled => "troubled",
            Profile::JudgmentDefaulter => "judgment-defaulter",
            Profile::Convicted => "convicted",
            Profile::Organisation => "organisation",
        }
    }
}

/// Yearly rates of each behaviour per profile.
pub(crate) fn rates(profile: Profile) -> &'static [(&'static str, f64)] {
    match profile {
        Profile::Exemplary => &[
            ("volunteering", 2.0),
            ("blood-donation", 0.5),
            ("charitable-donation", 1.0),
            ("sports-championship", 0.05),
            ("national-award", 0.01),
            ("organ-donation-registration", 0.03),
            ("family-member-enlists", 0.03),
            ("speeding-minor", 0.1),
        ],
        Profile::Ordinary => &[
            ("speeding-minor", 0.3),
            ("jaywalking", 0.1),
            ("waste-sorting", 0.3),
            ("not-yielding-to-pedestrians", 0.1),
            ("volunteering", 0.3),
            ("blood-donation", 0.1),
            ("charitable-donation", 0.2),
        ],
        Profile::Troubled | Profile::JudgmentDefaulter | Profile::Convicted => &[
            ("speeding-serious", 0.5),
            ("speeding-minor", 1.0),
            ("rail-disorder", 0.2),
            ("waste-sorting", 0.5),
            ("tax-evasion", 0.08),
            ("military-service-evasion", 0.02),
            ("volunteering", 0.1),
        ],
        Profile::Organisation => &[("tax-evasion", 0.05), ("judgment-default", 0.03), ("charitable-donation", 0.5)],
    }
}

fn source(behaviour: &str) -> &'static str {
    match behaviour {
        "speeding-minor" | "speeding-serious" | "jaywalking" | "not-yielding-to-pedestrians" => {
            "Municipal Public Security Bureau, Traffic Police Division"
        }
        "tax-evasion" => "Municipal Tax Bureau",
        "judgment-default" => "Intermediate People's Court",
        "intentional-crime" => "Intermediate People's Court",
        "rail-disorder" => "Railway Public Security Office",
        "waste-sorting" => "Municipal Urban Management Bureau",
        "military-service-evasion" | "family-member-enlists" => "District Military Service Office",
        "blood-donation" => "Municipal Blood Centre",
        "organ-donation-registration" => "Provincial Organ Donation Administration",
        "volunteering" => "Municipal Volunteer Federation",
        "charitable-donation" => "Municipal Civil Affairs Bureau",
        "sports-championship" => "Municipal Sports Bureau",
        "national-award" => "State Council Office of Honours",
        _ => "Municipal Credit Office",
    }
}

const REGIONS: [u32; 8] = [110101, 110105, 310101, 330106, 350102, 370211, 440305, 510104];
/// Names in Chinese characters with their pinyin: (汉字, pinyin).
const SURNAMES: [(&str, &str); 16] = [
    ("王", "Wang"),
    ("李", "Li"),
    ("张", "Zhang"),
    ("刘", "Liu"),
    ("陈", "Chen"),
    ("杨", "Yang"),
    ("黄", "Huang"),
    ("赵", "Zhao"),
    ("吴", "Wu"),
    ("周", "Zhou"),
    ("徐", "Xu"),
    ("孙", "Sun"),
    ("马", "Ma"),
    ("朱", "Zhu"),
    ("胡", "Hu"),
    ("郭", "Guo"),
];
const GIVEN: [(&str, &str); 16] = [
    ("伟", "Wei"),
    ("芳", "Fang"),
    ("娜", "Na"),
    ("敏", "Min"),
    ("静", "Jing"),
    ("磊", "Lei"),
    ("强", "Qiang"),
    ("军", "Jun"),
    ("艳", "Yan"),
    ("涛", "Tao"),
    ("明", "Ming"),
    ("秀", "Xiu"),
    ("慧", "Hui"),
    ("波", "Bo"),
    ("玲", "Ling"),
    ("浩", "Hao"),
];
const ORG_WORDS: [(&str, &str); 8] = [
    ("海港", "Harbour"),
    ("金色", "Golden"),
    ("东方", "Eastern"),
    ("玉", "Jade"),
    ("峰顶", "Summit"),
    ("江河", "River"),
    ("珍珠", "Pearl"),
    ("莲花", "Lotus"),
];
const ORG_TRADES: [(&str, &str); 8] = [
    ("贸易", "Trading"),
    ("建筑", "Construction"),
    ("物流", "Logistics"),
    ("纺织", "Textiles"),
    ("软件", "Software"),
    ("餐饮", "Catering"),
    ("机械", "Machinery"),
    ("置业", "Property"),
];
const ORG_ALPHABET: &[u8; 31] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";

/// A generator for `seed` and the parts that name one draw (a subject, a
/// year, a stream), independent of every other such generator.
pub(crate) fn generator_for(seed: u64, parts: &[u64]) -> ChaCha8Rng {
    let mut mixed = seed ^ 0x9e37_79b9_7f4a_7c15;
    for part in parts {
        mixed = (mixed ^ part).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        mixed ^= mixed >> 31;
    }
    ChaCha8Rng::seed_from_u64(mixed)
}

/// Draws from a Poisson distribution (Knuth; the rates here are small).
pub(crate) fn poisson(rng: &mut ChaCha8Rng, mean: f64) -> u32 {
    let limit = (-mean).exp();
    let mut product: f64 = rng.random();
    let mut count = 0;
    while product > limit && count < 1000 {
        product *= rng.random::<f64>();
        count += 1;
    }
    count
}

/// Generates a population lazily, one subject at a time.
pub struct Population {
    config: PopulationConfig,
    rng: ChaCha8Rng,
    index: u64,
    /// Recent adults, candidates for guardian, with how many children each has.
    adults: Vec<(SubjectId, u8)>,
    /// Organisations not yet given a representative.
    organisations: Vec<SubjectId>,
    seen: std::collections::HashSet<SubjectId>,
    start: Date,
}

impl Population {
    pub fn new(config: PopulationConfig) -> Population {
        assert!(config.subjects <= MAX_SUBJECTS, "at most {MAX_SUBJECTS} subjects per population");
        assert!(config.years >= 1);
        let start = config.history_start();
        Population {
            config,
            rng: ChaCha8Rng::seed_from_u64(config.seed),
            index: 0,
            adults: Vec::new(),
            organisations: Vec::new(),
            seen: std::collections::HashSet::new(),
            start,
        }
    }

    fn day_between(&mut self, from: Date, until: Date) -> Date {
        let span = (until.to_julian_day() - from.to_julian_day()).max(1);
        Date::from_julian_day(from.to_julian_day() + self.rng.random_range(0..span)).expect("within range")
    }

    fn new_person(&mut self, born_from: i32, born_until: i32) -> SubjectId {
        loop {
            let region = REGIONS[self.rng.random_range(0..REGIONS.len())];
            let birth = self
                .day_between(Date::from_ordinal_date(born_from, 1).expect("valid"), Date::from_ordinal_date(born_until, 1).expect("valid"));
            let id = SubjectId::Person(synthetic_person(region, birth, self.rng.random_range(0..1000)));
            if self.seen.insert(id) {
                return id;
            }
        }
    }

    fn new_org(&mut self) -> SubjectId {
        loop {
            let region = REGIONS[self.rng.random_range(0..REGIONS.len())];
            let code: String = (0..9).map(|_| ORG_ALPHABET[self.rng.random_range(0..31)] as char).collect();
            let id = SubjectId::Organisation(synthetic_org(region, &code));
            if self.seen.insert(id) {
                return id;
            }
        }
    }

    fn records(&mut self, subject: SubjectId, profile: Profile) -> Vec<Record> {
        let mut records = Vec::new();
        let push = |rng_day: Date, behaviour: &'static str, records: &mut Vec<Record>, index: u64| {
            records.push(Record {
                id: RecordId::parse(&format!("demo-{index:08}-{:03}", records.len())).expect("valid id"),
                subject,
                behaviour: behaviour.to_string(),
                occurred_on: rng_day,
                source: source(behaviour).to_string(),
                evidence: Some(format!("synthetic case {index}-{}", records.len())),
            });
        };
        let years = f64::from(self.config.years);
        for (behaviour, rate) in rates(profile) {
            for _ in 0..poisson(&mut self.rng, rate * years) {
                let day = self.day_between(self.start, self.config.until);
                push(day, behaviour, &mut records, self.index);
            }
        }
        match profile {
            Profile::JudgmentDefaulter => {
                let day = self.day_between(add_years(self.start, self.config.years.saturating_sub(2)), self.config.until);
                push(day, "judgment-default", &mut records, self.index);
            }
            Profile::Convicted => {
                let day = self.day_between(self.start, self.config.until);
                push(day, "intentional-crime", &mut records, self.index);
            }
            _ => {}
        }
        // Nobody has a record from before they were born (a child's history is shorter).
        if let SubjectId::Person(person) = subject {
            records.retain(|record| record.occurred_on >= person.birth_date());
        }
        records.sort_by_key(|r| r.occurred_on);
        records
    }
}

impl Iterator for Population {
    type Item = SyntheticSubject;

    fn next(&mut self) -> Option<SyntheticSubject> {
        if self.index >= self.config.subjects {
            return None;
        }
        let until_year = self.config.until.year();
        let roll: f64 = self.rng.random();
        let mut guardians = Vec::new();
        let mut represents = Vec::new();
        let (id, name, profile) = if roll < 0.05 {
            let id = self.new_org();
            let (word, trade) =
                (ORG_WORDS[self.rng.random_range(0..ORG_WORDS.len())], ORG_TRADES[self.rng.random_range(0..ORG_TRADES.len())]);
            let name = format!("{}{}有限公司 ({} {} Co., Ltd.)", word.0, trade.0, word.1, trade.1);
            self.organisations.push(id);
            (id, name, Profile::Organisation)
        } else {
            let child = roll < 0.15 && !self.adults.is_empty();
            let id = if child { self.new_person(until_year - 17, until_year - 3) } else { self.new_person(1950, until_year - 20) };
            if child {
                // At most four children per guardian; a full guardian leaves the pool.
                let slot = self.rng.random_range(0..self.adults.len());
                let (guardian, children) = &mut self.adults[slot];
                guardians.push(*guardian);
                *children += 1;
                if *children >= MAX_CHILDREN {
                    self.adults.swap_remove(slot);
                }
            }
            let (surname, given) = (SURNAMES[self.rng.random_range(0..SURNAMES.len())], GIVEN[self.rng.random_range(0..GIVEN.len())]);
            // The name as written, in Chinese characters, with its pinyin beside.
            let name = format!("{}{} ({} {})", surname.0, given.0, surname.1, given.1);
            let profile = match self.rng.random::<f64>() {
                _ if child => Profile::Ordinary,
                p if p < 0.10 => Profile::Exemplary,
                p if p < 0.80 => Profile::Ordinary,
                p if p < 0.95 => Profile::Troubled,
                p if p < 0.99 => Profile::JudgmentDefaulter,
                _ => Profile::Convicted,
            };
            if !child {
                if let Some(org) = self.organisations.pop() {
                    represents.push(org);
                }
                if self.adults.len() < 4096 {
                    self.adults.push((id, 0));
                } else {
                    let slot = self.rng.random_range(0..self.adults.len());
                    self.adults[slot] = (id, 0);
                }
            }
            (id, name, profile)
        };
        let records = self.records(id, profile);
        self.index += 1;
        Some(SyntheticSubject { id, name, profile, guardians, represents, records })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use socred_core::{DEFAULT_RULEBOOK, Rulebook};

    fn config(seed: u64) -> PopulationConfig {
        PopulationConfig { seed, subjects: 2_000, until: time::macros::date!(2026 - 06 - 30), years: 6 }
    }

    #[test]
    fn the_same_seed_gives_the_same_population() {
        let a: Vec<_> = Population::new(config(7)).collect();
        let b: Vec<_> = Population::new(config(7)).collect();
        assert_eq!(a, b);
        let c: Vec<_> = Population::new(config(8)).collect();
        assert_ne!(a, c);
    }

    #[test]
    fn populations_are_valid_and_ordered() {
        let rulebook = Rulebook::from_toml(DEFAULT_RULEBOOK, "default.toml").unwrap();
        let mut seen = std::collections::HashSet::new();
        let mut record_ids = std::collections::HashSet::new();
        let population: Vec<_> = Population::new(config(1)).collect();
        assert_eq!(population.len(), 2_000);
        for subject in &population {
            for other in subject.guardians.iter().chain(&subject.represents) {
                assert!(seen.contains(other), "links point backwards");
            }
            assert!(seen.insert(subject.id));
            for record in &subject.records {
                assert!(rulebook.behaviour(&record.behaviour).is_some(), "{}", record.behaviour);
                assert!(record.occurred_on <= time::macros::date!(2026 - 06 - 30));
                if let SubjectId::Person(person) = subject.id {
                    assert!(record.occurred_on >= person.birth_date(), "no record before birth");
                }
                assert!(record_ids.insert(record.id.clone()));
            }
        }
        let profiles: std::collections::HashSet<_> = population.iter().map(|s| s.profile).collect();
        assert_eq!(profiles.len(), 6, "every profile occurs in 2000 subjects");
        assert!(population.iter().any(|s| !s.guardians.is_empty()));
        let mut children = std::collections::HashMap::new();
        for guardian in population.iter().flat_map(|s| &s.guardians) {
            *children.entry(guardian).or_insert(0) += 1;
        }
        assert!(children.values().all(|n| *n <= MAX_CHILDREN), "at most four children each");
        assert!(population.iter().any(|s| !s.represents.is_empty()));
    }
}
