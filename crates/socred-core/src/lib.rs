//! socred-core: the pure domain of socred.
//!
//! Identifiers, the rulebook, credit records and the assessment that turns
//! `(records, rulebook, as_of)` into a score, a tier, locks and an explanation.
//! This crate does no I/O, reads no clock and starts no threads: every time is
//! an argument, so every result can be reproduced and explained.

pub mod assess;
pub mod batch;
pub mod consent;
pub mod date;
pub mod decide;
pub mod id;
pub mod lists;
pub mod policy;
#[cfg(feature = "openapi")]
mod openapi;
pub mod process;
pub mod record;
pub mod refusal;
pub mod reports;
pub mod rulebook;
pub mod scorecard;
pub mod status;
pub mod tier;

pub use assess::{Assessment, Summary, assess, summarise};
pub use date::{Date, parse_date};
pub use id::{IdError, SubjectId, SubjectKind};
pub use record::{Record, RecordId, SubjectFile, Void};
pub use rulebook::{Rulebook, RulebookError};
pub use tier::{Tier, TierTable};

/// The default rulebook shipped with socred, for tests, the demo and `socred init`.
pub const DEFAULT_RULEBOOK: &str = include_str!("../../../rulebooks/default.toml");
