//! The service layer: each rule about an object (who may act on it, how its
//! id is derived, what reaches a subject's access log) written once, and
//! called by the JSON API and the web pages alike. A service takes the
//! caller and the client's text, parses it, checks the role and the object
//! rule, and answers with a value or an `ApiError` naming the field. The API
//! renders the answer as JSON, the pages as HTML or a flash message; neither
//! imports the other.

pub mod cases;
pub mod checks;
pub mod policy;
pub mod reads;
pub mod records;
pub mod reports;
pub mod score;

use socred_core::process::{CaseId, EntryId};
use socred_core::record::RecordId;
use socred_core::{Date, SubjectId};

use socred_i18n::reasons::Cause;

use crate::error::ApiError;

pub fn parse_subject(field: &str, text: &str) -> Result<SubjectId, ApiError> {
    SubjectId::parse(text)
        .map_err(|error| ApiError::invalid(field, format!("{text:?} {error}")).because(Cause::Id { input: text.to_string(), error }))
}

pub fn parse_entry(text: &str) -> Result<EntryId, ApiError> {
    EntryId::parse(text).map_err(|error| ApiError::invalid("entry", format!("{text:?} {error}")).because(Cause::Field(error)))
}

pub fn parse_case(field: &str, text: &str) -> Result<CaseId, ApiError> {
    CaseId::parse(text).map_err(|error| ApiError::field(field, error))
}

pub fn parse_record(field: &str, text: &str) -> Result<RecordId, ApiError> {
    RecordId::parse(text).map_err(|error| ApiError::field(field, error))
}

/// The date asked for, or `default` (a batch reads the clock once).
pub fn as_of_or(text: Option<&str>, default: Date) -> Result<Date, ApiError> {
    match text {
        None => Ok(default),
        Some(text) => socred_core::parse_date(text).map_err(|error| ApiError::date("as_of", error)),
    }
}
