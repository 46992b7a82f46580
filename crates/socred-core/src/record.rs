//! Credit records: append-only facts about a subject, each from a named source.
//! A record is never edited or deleted; a later void entry can cancel it.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use sha2::{Digest, Sha256};

use crate::date::{Date, serde_date};
use crate::id::SubjectId;

pub const MAX_RECORD_ID_LENGTH: usize = 64;
pub const MAX_SOURCE_CHARS: usize = 128;
pub const MAX_EVIDENCE_CHARS: usize = 1024;

/// A deduction of this many points or more is confirmed by the officer
/// before it is recorded (the web form asks again).
pub const CONFIRM_DEDUCTION_POINTS: i64 = 50;

/// Whether recording `behaviour` needs the officer's confirmation first.
pub fn needs_confirmation(behaviour: &crate::rulebook::Behaviour) -> bool {
    behaviour.points <= -CONFIRM_DEDUCTION_POINTS || behaviour.forced_tier.is_some()
}
pub const MAX_REASON_CHARS: usize = 1024;

/// Why a record field was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FieldError {
    #[error("must not be empty")]
    Empty,
    #[error("is {0} characters long; at most {1}")]
    TooLong(usize, usize),
    #[error("contains {0:?}; allowed are letters, digits and . _ : -")]
    Charset(char),
    #[error("contains a control character")]
    Control,
    #[error("must have the form {0}")]
    Format(&'static str),
}

/// A record's identifier: client-supplied for idempotency, or derived from
/// the record's content so that retrying the same command stores it once.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RecordId(String);

impl RecordId {
    pub fn parse(text: &str) -> Result<RecordId, FieldError> {
        if text.is_empty() {
            return Err(FieldError::Empty);
        }
        if text.len() > MAX_RECORD_ID_LENGTH {
            return Err(FieldError::TooLong(text.chars().count(), MAX_RECORD_ID_LENGTH));
        }
        if let Some(bad) = text.chars().find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | ':' | '-'))) {
            return Err(FieldError::Charset(bad));
        }
        Ok(RecordId(text.to_string()))
    }

    /// The id of a record that came without one: a digest of its content.
    pub fn derive(content: &RecordContent<'_>) -> RecordId {
        let mut hasher = Sha256::new();
        content.feed(&mut hasher);
        let digest = hasher.finalize();
        RecordId(format!("r-{}", hex::encode(&digest[..12])))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for RecordId {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(&self.0)
    }
}
impl fmt::Debug for RecordId {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(formatter, "RecordId({})", self.0)
    }
}
impl Serialize for RecordId {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}
impl<'de> Deserialize<'de> for RecordId {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
        RecordId::parse(&text).map_err(serde::de::Error::custom)
    }
}

/// Checks free text: a source authority, an evidence reference, a reason.
pub fn check_text(text: &str, max_chars: usize) -> Result<(), FieldError> {
    if text.trim().is_empty() {
        return Err(FieldError::Empty);
    }
    let count = text.chars().count();
    if count > max_chars {
        return Err(FieldError::TooLong(count, max_chars));
    }
    if text.chars().any(char::is_control) {
        return Err(FieldError::Control);
    }
    Ok(())
}

/// `YYYY-MM-DD` without allocating: this runs once per ingested record.
pub fn date_bytes(date: Date) -> [u8; 10] {
    let mut out = *b"0000-00-00";
    let mut put = |range: std::ops::Range<usize>, mut value: u32| {
        for index in range.rev() {
            out[index] = b'0' + (value % 10) as u8;
            value /= 10;
        }
    };
    put(0..4, date.year().clamp(0, 9999) as u32);
    put(5..7, u32::from(u8::from(date.month())));
    put(8..10, u32::from(date.day()));
    out
}

/// The content of a record, borrowed; what makes two records "the same".
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RecordContent<'a> {
    pub subject: &'a SubjectId,
    pub behaviour: &'a str,
    pub occurred_on: Date,
    pub source: &'a str,
    pub evidence: Option<&'a str>,
}

impl RecordContent<'_> {
    /// Feeds an unambiguous encoding (lengths before strings) to a hasher; used
    /// for derived ids and for the audit chain's digest of a batch.
    pub fn feed(&self, hasher: &mut Sha256) {
        let mut field = |bytes: &[u8]| {
            hasher.update((bytes.len() as u32).to_le_bytes());
            hasher.update(bytes);
        };
        field(self.subject.as_str().as_bytes());
        field(self.behaviour.as_bytes());
        field(&date_bytes(self.occurred_on));
        field(self.source.as_bytes());
        match self.evidence {
            Some(evidence) => field(evidence.as_bytes()),
            None => hasher.update(u32::MAX.to_le_bytes()),
        }
    }
}

/// A credit record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Record {
    pub id: RecordId,
    pub subject: SubjectId,
    pub behaviour: String,
    #[serde(with = "serde_date")]
    pub occurred_on: Date,
    pub source: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub evidence: Option<String>,
}

impl Record {
    pub fn content(&self) -> RecordContent<'_> {
        RecordContent {
            subject: &self.subject,
            behaviour: &self.behaviour,
            occurred_on: self.occurred_on,
            source: &self.source,
            evidence: self.evidence.as_deref(),
        }
    }
}

/// Cancels a record, as if it had never been made. The record stays in the
/// subject's file, marked void, with the reason and the day the void was recorded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Void {
    pub record_id: RecordId,
    pub reason: String,
    #[serde(with = "serde_date")]
    pub recorded_on: Date,
}

/// When and by whom the ledger learned of a record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recording {
    /// The day the record was written to the ledger (the store's clock).
    pub on: Date,
    /// The audit actor who wrote it, for conflict-of-interest checks.
    pub by: String,
}

/// Everything the ledger holds about one subject: the input of an assessment.
///
/// The file is bitemporal: a record has the day it happened (`occurred_on`)
/// and the day the ledger learned it (`recorded`); voids and events carry
/// the day they were recorded. [`SubjectFile::as_known_on`] restricts a file
/// to what had been recorded by a day, so every answer can be reproduced as
/// the ledger stood then.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SubjectFile {
    pub records: Vec<Record>,
    pub voids: Vec<Void>,
    /// Due-process events about this subject, in the order they were recorded.
    pub events: Vec<crate::process::StoredEvent>,
    /// When and by whom each record was recorded. A record missing here (a
    /// file built by hand for a scenario) counts as recorded on the day it occurred.
    pub recorded: std::collections::HashMap<RecordId, Recording>,
    /// Under a rulebook activated after the store began: the day it took
    /// effect and the list entries the subject had before. An entry the new
    /// version makes that was not among them is noticed on that day at the
    /// earliest: a rule change never serves a notice in the past.
    pub carried_over: Option<CarriedOver>,
    /// The subject's opaque reference in this store (see
    /// [`crate::process::SubjectReference`]). A file built by hand for a
    /// scenario has none, and its tier entries use an unkeyed digest instead.
    pub reference: Option<crate::process::SubjectReference>,
}

/// The entries a subject had when the rulebook in force took effect.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CarriedOver {
    pub since: Date,
    pub entries: std::collections::HashSet<crate::process::EntryId>,
}

impl SubjectFile {
    /// The day the ledger learned of `record`: never before it occurred.
    pub fn recorded_on(&self, record: &Record) -> Date {
        self.recorded.get(&record.id).map_or(record.occurred_on, |recording| recording.on.max(record.occurred_on))
    }

    /// Who recorded the record with this id, if known.
    pub fn recorded_by(&self, record: &RecordId) -> Option<&str> {
        self.recorded.get(record).map(|recording| recording.by.as_str())
    }

    /// The file as the ledger held it at the end of `day`: the records, voids
    /// and events recorded on or before it (the carried-over entries belong to
    /// the rulebook, which the caller chooses for that day).
    pub fn as_known_on(&self, day: Date) -> SubjectFile {
        let records: Vec<Record> = self.records.iter().filter(|record| self.recorded_on(record) <= day).cloned().collect();
        let recorded =
            records.iter().filter_map(|record| self.recorded.get_key_value(&record.id)).map(|(k, v)| (k.clone(), v.clone())).collect();
        SubjectFile {
            records,
            voids: self.voids.iter().filter(|void| void.recorded_on <= day).cloned().collect(),
            events: self.events.iter().filter(|event| event.on <= day).cloned().collect(),
            recorded,
            carried_over: self.carried_over.clone(),
            reference: self.reference.clone(),
        }
    }
}

/// Checks a record's occurrence date against the day it is being recorded:
/// never after it, not further back than the rulebook allows, and for a
/// person never before their birth date. The reason names the limit broken.
pub fn check_occurred_on(rulebook: &crate::Rulebook, subject: &SubjectId, occurred_on: Date, today: Date) -> Result<(), String> {
    occurred_on_problem(rulebook, subject, occurred_on, today).map_err(|problem| problem.to_string())
}

/// [`check_occurred_on`], typed.
pub fn occurred_on_problem(rulebook: &crate::Rulebook, subject: &SubjectId, occurred_on: Date, today: Date) -> Result<(), ProblemKind> {
    if occurred_on > today {
        return Err(ProblemKind::AfterToday { day: occurred_on, today });
    }
    let earliest = crate::date::subtract_years(today, rulebook.max_record_age_years);
    if occurred_on < earliest {
        return Err(ProblemKind::TooOld { day: occurred_on, years: rulebook.max_record_age_years, today, earliest });
    }
    if let SubjectId::Person(person) = subject
        && occurred_on < person.birth_date()
    {
        return Err(ProblemKind::BeforeBirth { day: occurred_on });
    }
    Ok(())
}

/// Why a field of a record was refused, typed, so that a reader's language
/// can say it again; its `Display` is the English a problem carries.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProblemKind {
    #[error("{0}")]
    Id(crate::id::IdError),
    #[error("{0}")]
    Field(FieldError),
    #[error("{0}")]
    Date(crate::date::DateError),
    #[error("must not be empty")]
    NoBehaviour,
    #[error("{code:?} is not in rulebook {rulebook} {version}")]
    UnknownBehaviour { code: String, rulebook: String, version: String },
    #[error(
        "{} is after today ({}); a record describes what has already happened",
        crate::date::format_date(*day),
        crate::date::format_date(*today)
    )]
    AfterToday { day: Date, today: Date },
    #[error(
        "{} is more than {years} years before today ({}); the rulebook's max_record_age_years allows records from {} on",
        crate::date::format_date(*day),
        crate::date::format_date(*today),
        crate::date::format_date(*earliest)
    )]
    TooOld { day: Date, years: u32, today: Date, earliest: Date },
    #[error("{} is before the subject's birth date", crate::date::format_date(*day))]
    BeforeBirth { day: Date },
    /// A partner's line that names another source.
    #[error("{given:?} is not this partner; a partner's records carry its own name {own:?} (or leave it out)")]
    NotThisPartner { given: String, own: String },
    /// A partner's line about a behaviour its agreement does not cover.
    #[error("{behaviour:?} is outside partner {partner}'s agreement, which covers: {covers}")]
    OutsideAgreement { behaviour: String, partner: String, covers: String },
    /// The rulebook's `[limits]` on a partner's lines about one subject.
    #[error("this batch already carries {lines} lines about this subject; the rulebook allows {allowed} a batch")]
    BatchLimit { lines: u32, allowed: u32 },
    #[error("{lines} lines about this subject came from this partner in the last 24 hours; the rulebook allows {allowed} a day")]
    DailyLimit { lines: i64, allowed: u32 },
    /// A client's id that holds an identity number or credit code.
    #[error("{}", crate::id::CLIENT_ID_HOLDS_NUMBER)]
    IdHoldsNumber,
    /// A record about a subject the store does not hold.
    #[error("subject {subject} is not registered")]
    NotRegistered { subject: String },
    /// A record id the store holds for another record: only that it is taken.
    #[error("record id {id} is already taken; choose another")]
    IdTaken { id: String },
    /// A pending record's id that another pending record holds.
    #[error("record id {id} is already taken by a different pending record")]
    IdTakenPending { id: String },
    /// A due-process rule refused the act (a conflict of interest).
    #[error("{0}")]
    Refused(crate::refusal::Refusal),
    /// A line of an input longer than its limit.
    #[error("is {bytes} bytes long; at most {max}")]
    LineTooLong { bytes: usize, max: usize },
    /// A CSV line whose count of fields is not the header's.
    #[error("has {fields} fields; the header has {header}")]
    FieldCount { fields: usize, header: usize },
    /// Bytes that are not UTF-8 text.
    #[error("is not valid UTF-8")]
    NotUtf8,
}

/// One problem with one field of an input.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FieldProblem {
    pub field: &'static str,
    pub reason: String,
    /// The reason, typed, where it is one of the checks' own.
    #[serde(skip)]
    #[cfg_attr(feature = "openapi", schema(ignore))]
    pub kind: Option<ProblemKind>,
}

/// A record as it arrives from outside: a CLI invocation, an import row, a
/// request body. Every field is still text.
#[derive(Debug, Clone, Copy, Default)]
pub struct RecordInput<'a> {
    pub id: Option<&'a str>,
    pub subject: &'a str,
    pub behaviour: &'a str,
    pub at: &'a str,
    pub source: &'a str,
    pub evidence: Option<&'a str>,
}

impl RecordInput<'_> {
    /// Validates every field against the rulebook, reporting every problem,
    /// and derives the id from the content when none was given. `today` is
    /// the day the record would be recorded: `at` may not lie after it, nor
    /// further back than the rulebook's `max_record_age_years`.
    pub fn validate(&self, rulebook: &crate::Rulebook, today: Date) -> Result<Record, Vec<FieldProblem>> {
        let mut problems = Vec::new();
        let given_id = self.id.filter(|id| !id.is_empty());
        let mut typed =
            |field: &'static str, kind: ProblemKind| problems.push(FieldProblem { field, reason: kind.to_string(), kind: Some(kind) });
        if given_id.is_some_and(|id| crate::id::check_client_id(id).is_err()) {
            typed("id", ProblemKind::IdHoldsNumber);
        }
        let id = match given_id {
            Some(id) if crate::id::check_client_id(id).is_err() => None,
            Some(id) => RecordId::parse(id).map_err(|e| typed("id", ProblemKind::Field(e))).ok(),
            None => None,
        };
        let subject = SubjectId::parse(self.subject).map_err(|e| typed("subject", ProblemKind::Id(e))).ok();
        if rulebook.behaviour(self.behaviour).is_none() {
            let kind = if self.behaviour.is_empty() {
                ProblemKind::NoBehaviour
            } else {
                ProblemKind::UnknownBehaviour {
                    code: self.behaviour.to_string(),
                    rulebook: rulebook.id.clone(),
                    version: rulebook.version.clone(),
                }
            };
            typed("behaviour", kind);
        }
        let occurred_on = crate::date::parse_date(self.at).map_err(|e| typed("at", ProblemKind::Date(e))).ok();
        if let Err(e) = check_text(self.source, MAX_SOURCE_CHARS) {
            typed("source", ProblemKind::Field(e));
        }
        let evidence = self.evidence.filter(|e| !e.is_empty());
        if let Some(Err(e)) = evidence.map(|e| check_text(e, MAX_EVIDENCE_CHARS)) {
            typed("evidence", ProblemKind::Field(e));
        }
        if let (Some(subject), Some(occurred_on)) = (&subject, occurred_on)
            && let Err(kind) = occurred_on_problem(rulebook, subject, occurred_on, today)
        {
            typed("at", kind);
        }
        match (subject, occurred_on) {
            (Some(subject), Some(occurred_on)) if problems.is_empty() => {
                let content = RecordContent { subject: &subject, behaviour: self.behaviour, occurred_on, source: self.source, evidence };
                Ok(Record {
                    id: id.unwrap_or_else(|| RecordId::derive(&content)),
                    subject,
                    behaviour: self.behaviour.to_string(),
                    occurred_on,
                    source: self.source.to_string(),
                    evidence: evidence.map(str::to_string),
                })
            }
            _ => Err(problems),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::date::format_date;
    use time::macros::date;

    #[test]
    fn record_ids_are_checked() {
        assert!(RecordId::parse("tax-2025:001.a_b").is_ok());
        assert_eq!(RecordId::parse(""), Err(FieldError::Empty));
        assert_eq!(RecordId::parse("a b"), Err(FieldError::Charset(' ')));
        assert!(matches!(RecordId::parse(&"x".repeat(65)), Err(FieldError::TooLong(65, 64))));
    }

    #[test]
    fn derived_ids_depend_on_every_field() {
        let subject = SubjectId::parse("110101199003074514").unwrap();
        let base = RecordContent {
            subject: &subject,
            behaviour: "jaywalking",
            occurred_on: date!(2025 - 01 - 01),
            source: "police",
            evidence: None,
        };
        let id = RecordId::derive(&base);
        assert_eq!(id, RecordId::derive(&base));
        assert!(id.as_str().starts_with("r-") && id.as_str().len() == 26);
        let variants = [
            RecordContent { behaviour: "speeding-minor", ..base },
            RecordContent { occurred_on: date!(2025 - 01 - 02), ..base },
            RecordContent { source: "polic", ..base },
            RecordContent { evidence: Some(""), ..base },
        ];
        for variant in variants {
            assert_ne!(RecordId::derive(&variant), id, "{variant:?}");
        }
    }

    #[test]
    fn input_reports_every_bad_field() {
        let rulebook = crate::Rulebook::from_toml(crate::DEFAULT_RULEBOOK, "default.toml").unwrap();
        let input = RecordInput {
            id: Some("bad id"),
            subject: "110101199003074515",
            behaviour: "vibes",
            at: "2025-02-30",
            source: "",
            evidence: Some("a\u{7}b"),
        };
        let today = date!(2026 - 12 - 02);
        let problems = input.validate(&rulebook, today).unwrap_err();
        let fields: Vec<_> = problems.iter().map(|p| p.field).collect();
        assert_eq!(fields, ["id", "subject", "behaviour", "at", "source", "evidence"]);
        let good = RecordInput {
            id: None,
            subject: "110101199003074514",
            behaviour: "jaywalking",
            at: "2025-02-03",
            source: "police",
            evidence: Some(""),
        };
        let record = good.validate(&rulebook, today).unwrap();
        assert!(record.id.as_str().starts_with("r-"));
        assert_eq!(record.evidence, None);
    }

    #[test]
    fn a_record_lies_between_the_age_limit_and_today() {
        let rulebook = crate::Rulebook::from_toml(crate::DEFAULT_RULEBOOK, "default.toml").unwrap();
        let today = date!(2026 - 12 - 02);
        let at = |at: &'static str| RecordInput {
            subject: "110101199003074514",
            behaviour: "jaywalking",
            at,
            source: "police",
            ..Default::default()
        };
        for (text, fragment) in [
            ("2026-12-03", "after today (2026-12-02)"),
            ("9999-12-31", "outside the supported range"),
            ("2999-12-31", "after today"),
            ("2021-12-01", "more than 5 years before today"),
            ("1800-01-01", "outside the supported range"),
            ("1900-01-01", "max_record_age_years"),
            ("0000-01-01", "outside the supported range"),
            ("2025-02-29", "not a valid calendar date"),
        ] {
            let problems = at(text).validate(&rulebook, today).unwrap_err();
            assert_eq!(problems.len(), 1, "{text}: {problems:?}");
            assert_eq!(problems[0].field, "at");
            assert!(problems[0].reason.contains(fragment), "{text}: {}", problems[0].reason);
        }
        for text in ["2026-12-02", "2021-12-02"] {
            assert!(at(text).validate(&rulebook, today).is_ok(), "{text}");
        }
        // A person born in 2024 has no record from 2023.
        let child = crate::id::synthetic_person(110101, date!(2024 - 05 - 01), 12);
        let before_birth = RecordInput { subject: child.as_str(), ..at("2023-01-01") };
        assert!(before_birth.validate(&rulebook, today).unwrap_err()[0].reason.contains("birth date"));
    }

    #[test]
    fn a_file_as_known_on_a_day_holds_what_was_recorded_by_then() {
        let subject = SubjectId::parse("110101199003074514").unwrap();
        let record = |id: &str, on: Date| Record {
            id: RecordId::parse(id).unwrap(),
            subject,
            behaviour: "jaywalking".into(),
            occurred_on: on,
            source: "police".into(),
            evidence: None,
        };
        let mut file = SubjectFile {
            records: vec![record("a", date!(2025 - 01 - 01)), record("b", date!(2025 - 01 - 01))],
            voids: vec![Void { record_id: RecordId::parse("a").unwrap(), reason: "wrong".into(), recorded_on: date!(2025 - 03 - 01) }],
            ..Default::default()
        };
        file.recorded.insert(RecordId::parse("b").unwrap(), Recording { on: date!(2025 - 02 - 01), by: "clerk".into() });
        assert_eq!(file.recorded_on(&file.records[0]), date!(2025 - 01 - 01), "unrecorded: as of its occurrence");
        let early = file.as_known_on(date!(2025 - 01 - 15));
        assert_eq!(early.records.len(), 1);
        assert!(early.voids.is_empty());
        let later = file.as_known_on(date!(2025 - 02 - 01));
        assert_eq!((later.records.len(), later.voids.len(), later.recorded_by(&RecordId::parse("b").unwrap())), (2, 0, Some("clerk")));
        assert_eq!(file.as_known_on(date!(2025 - 03 - 01)), file);
    }

    #[test]
    fn date_bytes_match_the_formatter() {
        for date in [date!(1800 - 01 - 01), date!(2025 - 03 - 01), date!(2024 - 12 - 31)] {
            assert_eq!(date_bytes(date), format_date(date).as_bytes());
        }
    }

    #[test]
    fn text_is_checked() {
        assert_eq!(check_text("  ", 10), Err(FieldError::Empty));
        assert_eq!(check_text("a\nb", 10), Err(FieldError::Control));
        assert!(matches!(check_text("abcdef", 5), Err(FieldError::TooLong(6, 5))));
        assert!(check_text("北京市税务局", 10).is_ok());
    }
}
