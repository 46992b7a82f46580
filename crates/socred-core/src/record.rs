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
fn date_bytes(date: Date) -> [u8; 10] {
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
/// subject's file, marked void, with the reason.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Void {
    pub record_id: RecordId,
    pub reason: String,
}

/// Everything the ledger holds about one subject: the input of an assessment.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SubjectFile {
    pub records: Vec<Record>,
    pub voids: Vec<Void>,
    /// Due-process events about this subject, in the order they were recorded.
    pub events: Vec<crate::process::StoredEvent>,
    /// Who recorded each record (the audit actor), for conflict-of-interest checks.
    pub recorded_by: std::collections::HashMap<RecordId, String>,
}

/// One problem with one field of an input.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FieldProblem {
    pub field: &'static str,
    pub reason: String,
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
    /// and derives the id from the content when none was given.
    pub fn validate(&self, rulebook: &crate::Rulebook) -> Result<Record, Vec<FieldProblem>> {
        let mut problems = Vec::new();
        let mut problem = |field: &'static str, reason: String| problems.push(FieldProblem { field, reason });
        let id = match self.id.filter(|id| !id.is_empty()) {
            Some(id) => RecordId::parse(id).map_err(|e| problem("id", e.to_string())).ok(),
            None => None,
        };
        let subject = SubjectId::parse(self.subject).map_err(|e| problem("subject", e.to_string())).ok();
        if rulebook.behaviour(self.behaviour).is_none() {
            let reason = if self.behaviour.is_empty() {
                "must not be empty".to_string()
            } else {
                format!("{:?} is not in rulebook {} {}", self.behaviour, rulebook.id, rulebook.version)
            };
            problem("behaviour", reason);
        }
        let occurred_on = crate::date::parse_date(self.at).map_err(|e| problem("at", e.to_string())).ok();
        if let Err(e) = check_text(self.source, MAX_SOURCE_CHARS) {
            problem("source", e.to_string());
        }
        let evidence = self.evidence.filter(|e| !e.is_empty());
        if let Some(Err(e)) = evidence.map(|e| check_text(e, MAX_EVIDENCE_CHARS)) {
            problem("evidence", e.to_string());
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
        let problems = input.validate(&rulebook).unwrap_err();
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
        let record = good.validate(&rulebook).unwrap();
        assert!(record.id.as_str().starts_with("r-"));
        assert_eq!(record.evidence, None);
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
