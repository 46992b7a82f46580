//! Due-process events: the human acts of a list entry's life (proposals,
//! notices, withdrawals, appeals, credit repair) and disputes of records.
//!
//! Events are facts with a date (`on`) and an actor; they are stored append-only
//! like records. Everything that follows from them with time alone (an appeal
//! window closing, a listing expiring) is derived, never stored: see `lists`.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use sha2::{Digest, Sha256};

use crate::date::{Date, format_date, serde_date};
use crate::id::SubjectId;
use crate::record::{FieldError, RecordId, check_text};
use crate::refusal::Refusal;

/// Grounds, facts, reasons, evidence and commitment letters.
pub const MAX_STATEMENT_CHARS: usize = 4000;
pub const MAX_CASE_ID_LENGTH: usize = 64;
pub const MAX_ENTRY_ID_LENGTH: usize = 160;

/// Why a due-process step was refused: the field at fault and the reason.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[error("{field}: {reason}")]
pub struct ProcessError {
    pub field: &'static str,
    pub reason: String,
    /// The text check behind `reason`, when one refused: a reader's
    /// language can say it again.
    #[serde(skip)]
    #[cfg_attr(feature = "openapi", schema(ignore))]
    pub cause: Option<crate::record::FieldError>,
    /// The rule behind `reason`, when the due-process machinery refused: a
    /// reader's language can say it again.
    #[serde(skip)]
    #[cfg_attr(feature = "openapi", schema(ignore))]
    pub refusal: Option<Box<Refusal>>,
}

impl ProcessError {
    pub fn new(field: &'static str, reason: impl Into<String>) -> ProcessError {
        ProcessError { field, reason: reason.into(), cause: None, refusal: None }
    }
}

pub fn refuse<T>(field: &'static str, reason: impl Into<String>) -> Result<T, ProcessError> {
    Err(ProcessError::new(field, reason))
}

/// Refuses for a typed rule: the reason is its English.
pub fn refused<T>(field: &'static str, refusal: Refusal) -> Result<T, ProcessError> {
    Err(ProcessError::because(field, refusal))
}

impl ProcessError {
    /// A refusal for a typed rule: the reason is its English.
    pub fn because(field: &'static str, refusal: Refusal) -> ProcessError {
        ProcessError { field, reason: refusal.to_string(), cause: None, refusal: Some(Box::new(refusal)) }
    }
}

fn id_charset_ok(text: &str, extra: &[char]) -> Result<(), FieldError> {
    match text.chars().find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | ':' | '-') || extra.contains(c))) {
        Some(bad) => Err(FieldError::Charset(bad)),
        None => Ok(()),
    }
}

macro_rules! string_id {
    ($name:ident) => {
        impl $name {
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }
        impl fmt::Display for $name {
            fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
                formatter.write_str(&self.0)
            }
        }
        impl fmt::Debug for $name {
            fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(formatter, "{}({})", stringify!($name), self.0)
            }
        }
        impl Serialize for $name {
            fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(&self.0)
            }
        }
        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let text = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
                $name::parse(&text).map_err(serde::de::Error::custom)
            }
        }
    };
}

/// Identifies an appeal, a dispute, a repair application or a manual list proposal.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CaseId(String);
string_id!(CaseId);

impl CaseId {
    pub fn parse(text: &str) -> Result<CaseId, FieldError> {
        if text.is_empty() {
            return Err(FieldError::Empty);
        }
        if text.len() > MAX_CASE_ID_LENGTH {
            return Err(FieldError::TooLong(text.chars().count(), MAX_CASE_ID_LENGTH));
        }
        id_charset_ok(text, &[])?;
        Ok(CaseId(text.to_string()))
    }

    /// An id derived from what the case is about, so that filing the same
    /// thing twice (a retry) is recognised.
    pub fn derive(prefix: &str, parts: &[&str]) -> CaseId {
        let mut hasher = Sha256::new();
        for part in parts {
            hasher.update((part.len() as u64).to_le_bytes());
            hasher.update(part.as_bytes());
        }
        CaseId(format!("{prefix}-{}", hex::encode(&hasher.finalize()[..10])))
    }
}

/// Stands for a subject in ids that people other than the subject and staff
/// see (a tier entry's id): 32 lowercase hex digits (128 bits) that a
/// store derives from the subject id with a secret of its own, so that nobody
/// can go from the reference back to the identity number, or test a guess.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SubjectReference(String);
string_id!(SubjectReference);

pub const SUBJECT_REFERENCE_LENGTH: usize = 32;

impl SubjectReference {
    pub fn parse(text: &str) -> Result<SubjectReference, FieldError> {
        if text.len() != SUBJECT_REFERENCE_LENGTH || !text.chars().all(|c| matches!(c, '0'..='9' | 'a'..='f')) {
            return Err(FieldError::Format("32 lowercase hexadecimal digits"));
        }
        Ok(SubjectReference(text.to_string()))
    }

    /// The reference under `secret`: a keyed SHA-256 of the subject id.
    pub fn keyed(secret: &[u8], subject: &SubjectId) -> SubjectReference {
        let mut hasher = Sha256::new();
        hasher.update((secret.len() as u64).to_le_bytes());
        hasher.update(secret);
        hasher.update(b"subject-reference");
        hasher.update(subject.as_str().as_bytes());
        SubjectReference(hex::encode(&hasher.finalize()[..SUBJECT_REFERENCE_LENGTH / 2]))
    }
}

/// Identifies a list entry. Its form says where the entry came from:
/// `LIST:RECORD` (a trigger behaviour), `LIST@REFERENCE@TIER@DATE` (entering a
/// trigger tier; the subject appears by its opaque reference, never its
/// identity number), `LIST/CASE` (a reviewer's proposal).
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct EntryId(String);
string_id!(EntryId);

/// Where an entry came from, read off its id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EntryOrigin {
    Record { list: String, record: RecordId },
    Tier { list: String, reference: SubjectReference, tier: String, on: Date },
    Proposal { list: String, case: CaseId },
}

impl EntryId {
    pub fn parse(text: &str) -> Result<EntryId, FieldError> {
        if text.is_empty() {
            return Err(FieldError::Empty);
        }
        if text.len() > MAX_ENTRY_ID_LENGTH {
            return Err(FieldError::TooLong(text.chars().count(), MAX_ENTRY_ID_LENGTH));
        }
        id_charset_ok(text, &['@', '/', '+'])?;
        let id = EntryId(text.to_string());
        if id.origin().is_none() {
            return Err(FieldError::Format("LIST:RECORD, LIST@REFERENCE@TIER@DATE or LIST/CASE"));
        }
        Ok(id)
    }

    pub fn for_record(list: &str, record: &RecordId) -> EntryId {
        EntryId(format!("{list}:{record}"))
    }

    pub fn for_tier(list: &str, reference: &SubjectReference, tier: &str, on: Date) -> EntryId {
        EntryId(format!("{list}@{reference}@{tier}@{}", format_date(on)))
    }

    pub fn for_proposal(list: &str, case: &CaseId) -> EntryId {
        EntryId(format!("{list}/{case}"))
    }

    pub fn list(&self) -> &str {
        let end = self.0.find([':', '@', '/']).unwrap_or(self.0.len());
        &self.0[..end]
    }

    pub fn origin(&self) -> Option<EntryOrigin> {
        let text = self.0.as_str();
        let split = text.find([':', '@', '/'])?;
        let (list, rest) = (&text[..split], &text[split + 1..]);
        if list.is_empty() {
            return None;
        }
        match text.as_bytes()[split] {
            b':' => Some(EntryOrigin::Record { list: list.into(), record: RecordId::parse(rest).ok()? }),
            b'/' => Some(EntryOrigin::Proposal { list: list.into(), case: CaseId::parse(rest).ok()? }),
            _ => {
                let mut parts = rest.split('@');
                let reference = SubjectReference::parse(parts.next()?).ok()?;
                let tier = parts.next()?.to_string();
                let on = crate::date::parse_date(parts.next()?).ok()?;
                if parts.next().is_some() || tier.is_empty() {
                    return None;
                }
                Some(EntryOrigin::Tier { list: list.into(), reference, tier, on })
            }
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "kebab-case")]
pub enum AppealOutcome {
    /// The listing decision stands.
    Uphold,
    /// The listing decision is overturned: the entry is withdrawn with its effects.
    Overturn,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "kebab-case")]
pub enum DisputeOutcome {
    /// The dispute is upheld: the record is voided.
    Uphold,
    /// The dispute is rejected: the record stands.
    Reject,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "kebab-case")]
pub enum RepairOutcome {
    /// Credit repaired: publication ends on the decision date.
    Approve,
    Refuse,
}

/// A due-process act.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "kind", rename_all = "kebab-case", deny_unknown_fields)]
pub enum Event {
    ListProposed {
        entry: EntryId,
        list: String,
        legal_basis: String,
        facts: String,
    },
    NoticeServed {
        entry: EntryId,
    },
    ListWithdrawn {
        entry: EntryId,
        reason: String,
    },
    AppealFiled {
        appeal: CaseId,
        entry: EntryId,
        grounds: String,
    },
    AppealDecided {
        appeal: CaseId,
        outcome: AppealOutcome,
        reasons: String,
    },
    DisputeFiled {
        dispute: CaseId,
        record: RecordId,
        grounds: String,
    },
    DisputeDecided {
        dispute: CaseId,
        outcome: DisputeOutcome,
        reasons: String,
    },
    RepairApplied {
        repair: CaseId,
        entry: EntryId,
        evidence: String,
        commitment: Option<String>,
    },
    RepairDecided {
        repair: CaseId,
        outcome: RepairOutcome,
        reasons: String,
    },
    /// The subject lets `partner` (an account of a service provider or data
    /// partner) see their commercial score, until they withdraw it.
    ConsentGiven {
        consent: CaseId,
        partner: String,
    },
    ConsentWithdrawn {
        consent: CaseId,
        partner: String,
    },
}

impl Event {
    /// The audit action name.
    pub fn action(&self) -> &'static str {
        match self {
            Event::ListProposed { .. } => "list.propose",
            Event::NoticeServed { .. } => "list.serve-notice",
            Event::ListWithdrawn { .. } => "list.withdraw",
            Event::AppealFiled { .. } => "appeal.file",
            Event::AppealDecided { .. } => "appeal.decide",
            Event::DisputeFiled { .. } => "dispute.file",
            Event::DisputeDecided { .. } => "dispute.decide",
            Event::RepairApplied { .. } => "repair.apply",
            Event::RepairDecided { .. } => "repair.decide",
            Event::ConsentGiven { .. } => "consent.give",
            Event::ConsentWithdrawn { .. } => "consent.withdraw",
        }
    }

    /// The stored kind (the JSON tag).
    pub fn kind(&self) -> &'static str {
        match self {
            Event::ListProposed { .. } => "list-proposed",
            Event::NoticeServed { .. } => "notice-served",
            Event::ListWithdrawn { .. } => "list-withdrawn",
            Event::AppealFiled { .. } => "appeal-filed",
            Event::AppealDecided { .. } => "appeal-decided",
            Event::DisputeFiled { .. } => "dispute-filed",
            Event::DisputeDecided { .. } => "dispute-decided",
            Event::RepairApplied { .. } => "repair-applied",
            Event::RepairDecided { .. } => "repair-decided",
            Event::ConsentGiven { .. } => "consent-given",
            Event::ConsentWithdrawn { .. } => "consent-withdrawn",
        }
    }

    /// The case or entry this event is about, for lookups and idempotency.
    pub fn key(&self) -> &str {
        match self {
            Event::ListProposed { entry, .. } | Event::NoticeServed { entry } | Event::ListWithdrawn { entry, .. } => entry.as_str(),
            Event::AppealFiled { appeal, .. } | Event::AppealDecided { appeal, .. } => appeal.as_str(),
            Event::DisputeFiled { dispute, .. } | Event::DisputeDecided { dispute, .. } => dispute.as_str(),
            Event::RepairApplied { repair, .. } | Event::RepairDecided { repair, .. } => repair.as_str(),
            Event::ConsentGiven { consent, .. } | Event::ConsentWithdrawn { consent, .. } => consent.as_str(),
        }
    }

    /// Whether this event opens a case (a proposed entry, an appeal, a
    /// dispute, a repair application; a consent act is its own), and the field naming its id. Later
    /// acts find a case by its id alone, so an id is the store's, not one
    /// file's: the store refuses an id another subject's case holds.
    pub fn opened_case_field(&self) -> Option<&'static str> {
        match self {
            Event::ListProposed { .. } => Some("entry"),
            Event::AppealFiled { .. } => Some("appeal"),
            Event::DisputeFiled { .. } => Some("dispute"),
            Event::RepairApplied { .. } => Some("repair"),
            Event::ConsentGiven { .. } | Event::ConsentWithdrawn { .. } => Some("consent"),
            _ => None,
        }
    }

    /// Acts that are the subject's (or guardian's) own right: filing an
    /// appeal, a dispute or a repair, giving or withdrawing a consent. Every
    /// other act is official, and refused to an account with a conflict.
    pub fn is_subjects_own(&self) -> bool {
        matches!(
            self,
            Event::AppealFiled { .. }
                | Event::DisputeFiled { .. }
                | Event::RepairApplied { .. }
                | Event::ConsentGiven { .. }
                | Event::ConsentWithdrawn { .. }
        )
    }

    /// A consent to a partner: it concerns the commercial score, never a list entry.
    pub fn is_consent(&self) -> bool {
        matches!(self, Event::ConsentGiven { .. } | Event::ConsentWithdrawn { .. })
    }

    /// The refusal of a case id that another subject's case holds.
    pub fn case_taken(&self) -> ProcessError {
        let refusal = Refusal::CaseTaken { case: self.key().to_string() };
        ProcessError {
            field: self.opened_case_field().unwrap_or("entry"),
            reason: refusal.to_string(),
            cause: None,
            refusal: Some(Box::new(refusal)),
        }
    }

    /// Checks the free-text fields.
    pub fn check_text(&self) -> Result<(), ProcessError> {
        let texts: Vec<(&'static str, Option<&str>)> = match self {
            Event::ListProposed { legal_basis, facts, .. } => vec![("legal_basis", Some(legal_basis)), ("facts", Some(facts))],
            Event::NoticeServed { .. } => vec![],
            Event::ListWithdrawn { reason, .. } => vec![("reason", Some(reason))],
            Event::AppealFiled { grounds, .. } | Event::DisputeFiled { grounds, .. } => {
                vec![("grounds", Some(grounds))]
            }
            Event::AppealDecided { reasons, .. } | Event::DisputeDecided { reasons, .. } | Event::RepairDecided { reasons, .. } => {
                vec![("reasons", Some(reasons))]
            }
            Event::RepairApplied { evidence, commitment, .. } => vec![("evidence", Some(evidence)), ("commitment", commitment.as_deref())],
            Event::ConsentGiven { partner, .. } | Event::ConsentWithdrawn { partner, .. } => {
                // The name of a provider's or partner's account (lowercase, as usernames are).
                let valid = !partner.is_empty()
                    && partner.len() <= 64
                    && partner.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || matches!(b, b'-' | b'_' | b'.' | b'X'));
                if !valid {
                    return Err(ProcessError::new("partner", "names an account: 1-64 characters of a-z, 0-9, '-', '_', '.' and 'X'"));
                }
                vec![]
            }
        };
        for (field, text) in texts {
            if let Some(text) = text {
                check_text(text, MAX_STATEMENT_CHARS).map_err(|error| ProcessError {
                    field,
                    reason: error.to_string(),
                    cause: Some(error),
                    refusal: None,
                })?;
            }
        }
        Ok(())
    }
}

/// An event as stored: its order of recording, its date and who acted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StoredEvent {
    pub seq: u64,
    #[serde(with = "serde_date")]
    pub on: Date,
    pub actor: String,
    pub event: Event,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entry_ids_say_where_they_came_from() {
        let record = RecordId::parse("judgment:2025-1").unwrap();
        let id = EntryId::for_record("blacklist", &record);
        assert_eq!(id.as_str(), "blacklist:judgment:2025-1");
        assert_eq!(id.origin(), Some(EntryOrigin::Record { list: "blacklist".into(), record }));
        assert_eq!(EntryId::parse(id.as_str()).unwrap(), id);

        let subject = SubjectId::parse("110101199003074514").unwrap();
        let on = crate::date::parse_date("2025-01-10").unwrap();
        let reference = SubjectReference::keyed(b"secret", &subject);
        assert_ne!(reference, SubjectReference::keyed(b"another secret", &subject));
        let id = EntryId::for_tier("blacklist", &reference, "D", on);
        assert_eq!(id.list(), "blacklist");
        assert!(!id.as_str().contains(subject.as_str()));
        assert_eq!(id.origin(), Some(EntryOrigin::Tier { list: "blacklist".into(), reference, tier: "D".into(), on }));
        assert!(EntryId::parse("blacklist@110101199003074514@D@2025-01-10").is_err(), "identity numbers are no references");

        let case = CaseId::parse("p-1").unwrap();
        let id = EntryId::for_proposal("redlist", &case);
        assert_eq!(EntryId::parse("redlist/p-1").unwrap(), id);
        assert_eq!(id.origin(), Some(EntryOrigin::Proposal { list: "redlist".into(), case }));

        for bad in ["", "nolist", ":x", "blacklist@123@D@2025-01-01", "blacklist/a b", "blacklist@110101199003074514@D@2025-13-01"] {
            assert!(EntryId::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn events_round_trip_as_json_and_check_their_text() {
        let event = Event::AppealFiled {
            appeal: CaseId::parse("a-1").unwrap(),
            entry: EntryId::parse("blacklist:r1").unwrap(),
            grounds: "the judgment was paid".into(),
        };
        let json = serde_json::to_string(&event).unwrap();
        assert!(json.contains(&format!("\"kind\":\"{}\"", event.kind())), "{json}");
        assert_eq!(serde_json::from_str::<Event>(&json).unwrap(), event);
        let empty = Event::ListWithdrawn { entry: EntryId::parse("blacklist:r1").unwrap(), reason: " ".into() };
        assert_eq!(empty.check_text().unwrap_err().field, "reason");
        assert_ne!(CaseId::derive("a", &["x", "y"]), CaseId::derive("a", &["xy", ""]));
    }
}
