//! socred-store: the ledger, behind the traits of `backend.rs`, on embedded
//! SQLite (`sqlite/`, the default) or on PostgreSQL (`postgres/`). This root
//! holds what both share: the acting `Actor`, the shapes of subjects and
//! outcomes, and the limits every backend applies.

mod accounts;
pub mod audit;
pub mod backend;
mod changes;
mod checks;
mod clock;
pub mod csv;
mod decisions;
mod due_process;
mod entries;
mod error;
mod import;
mod export;
mod known;
mod restore;
mod partners;
pub mod policy;
pub mod postgres;
mod reports;
mod sign_in;
mod sqlite;

use socred_i18n::Argument;
use serde::Serialize;
use socred_core::assess;
use socred_core::date::Moment;
use socred_core::record::check_text;
use socred_core::{Date, SubjectId, SubjectKind};

pub use accounts::{DEFAULT_TOKEN_DAYS, MAX_TOKEN_DAYS, NewAccount, TokenInfo};
pub use sign_in::{Credentials, SignIn, SignInRecorded, lock_seconds};
pub use audit::{AuditEntry, VerifyReport};
pub use changes::{CHANGES_KEPT, Changes, MAX_CHANGED_SUBJECTS};
pub use checks::{group_hash, format_ms, CheckEntry, CheckIndexStats, CheckLog, CheckRecord, GROUP_ROWS, INDEX_FANOUT, INDEX_TOP_LEVEL, PackedChecks};
pub use clock::{Clock, DEFAULT_UTC_OFFSET, Dating, MAX_CLOCK_SKEW_MS, TimeSettings, format_offset, parse_offset, wall_clock_rfc3339};
pub use decisions::{AnnualRow, HotData};
pub use due_process::{Access, AccessRequest, ActOutcome, Queue, QueueItem};
pub use entries::{MAX_PUBLIC_AUTHORITIES, MAX_PUBLIC_AUTHORITY_CHARS, MAX_PUBLIC_SEARCH_CHARS, PublicEntry, PublicFilter, PublicSearch};
pub use error::{DatabaseError, Result, StorageCondition, StoreError};
pub use import::{ImportSummary, RowOutcome};
pub use export::{EXPORT_FORMAT, ExportedEntry, Manifest};
pub use known::KnownReads;
pub use postgres::{PgStore, is_postgres_url};
pub use sqlite::{ImportSession, KnownOn, Store};
pub(crate) use sqlite::{
    commit, configure, from_julian, insert_void, julian, load_file, load_file_under, migrate, not_a_store, store_secret,
    write_subject,
};
pub use partners::{LineError, PartnerBatch, PartnerMetrics, PartnerScope, PendingRecord};
pub use reports::{EvidenceInfo, NewReport, ReportMetrics, ReportOutcome, ReportView, ReporterStats, Reviewer};

/// The version of the log format (docs/audit-format.md) the store keeps.
pub(crate) const LOG_FORMAT: &str = "2";

pub const MAX_NAME_CHARS: usize = 128;
pub const MAX_ACTOR_CHARS: usize = 128;
/// Links per subject added in one call.
pub const MAX_LINKS_PER_CALL: usize = 64;
/// Page size limit for listings.
pub const MAX_PAGE: u32 = 10_000;

/// Who is acting, and when: the moment comes from the store's [`Clock`],
/// read once at the edge. Every write carries one into the ledger and the
/// audit log; a live store refuses a moment its clock could not have given.
#[derive(Debug, Clone)]
pub struct Actor {
    name: String,
    moment: Moment,
    /// The person the acting account names, if any: conflicts of interest
    /// are judged on them (see `conflicts.rs`).
    person: Option<SubjectId>,
}

impl Actor {
    pub fn new(name: &str, at: impl Into<Moment>) -> Result<Actor> {
        check_text(name, MAX_ACTOR_CHARS).map_err(|error| StoreError::invalid_text("actor", error))?;
        Ok(Actor { name: name.to_string(), moment: at.into(), person: None })
    }

    /// The same actor, known to be `person` (the person their account names).
    pub fn as_person(mut self, person: Option<SubjectId>) -> Actor {
        self.person = person;
        self
    }

    pub fn person(&self) -> Option<&SubjectId> {
        self.person.as_ref()
    }

    /// Someone acting at the first instant of `day` in the default time zone:
    /// the acts of a replayed scenario (the demo, tests, benchmarks). Only a
    /// replay store takes it; a live store refuses a moment that is not now.
    pub fn replayed(name: &str, day: Date) -> Result<Actor> {
        Actor::new(name, Moment::start_of(day, DEFAULT_UTC_OFFSET))
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    /// When the act happens.
    pub fn moment(&self) -> Moment {
        self.moment
    }

    /// The day of the act in the store's time zone.
    pub fn today(&self) -> Date {
        self.moment.day
    }

    /// The time as RFC 3339, UTC.
    pub fn at_text(&self) -> String {
        self.moment.rfc3339()
    }
}

/// A subject to register.
#[derive(Debug, Clone)]
pub struct NewSubject {
    pub id: SubjectId,
    pub name: String,
    /// Guardians of this person (they must be registered persons).
    pub guardians: Vec<SubjectId>,
    /// Organisations this person legally represents (they must be registered).
    pub represents: Vec<SubjectId>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "outcome", rename_all = "kebab-case")]
pub enum SubjectOutcome {
    Registered,
    AlreadyRegistered { links_added: usize },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SubjectRef {
    pub id: SubjectId,
    pub name: String,
}

/// A registered subject and its links.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SubjectInfo {
    pub id: SubjectId,
    pub kind: SubjectKind,
    pub name: String,
    pub guardians: Vec<SubjectRef>,
    pub children: Vec<SubjectRef>,
    pub represents: Vec<SubjectRef>,
    pub representatives: Vec<SubjectRef>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "outcome", rename_all = "kebab-case")]
pub enum VoidOutcome {
    Voided { subject: SubjectId },
    AlreadyVoid { subject: SubjectId },
}

/// Counts for an overview.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Overview {
    pub persons: u64,
    pub organisations: u64,
    pub records: u64,
    pub voids: u64,
    pub rulebook: String,
}

/// Why an activation is refused when the log moved after its impact assessment began.
/// The message (`inputs.ftl`) of a client's id that holds what could be an identity number.
pub const CLIENT_ID_HOLDS_NUMBER: &str = "input-client-id-holds-number";

/// A record check's problem as the reason within a message.
pub(crate) fn reason_of(problem: socred_core::record::ProblemKind) -> socred_i18n::Argument {
    socred_i18n::Argument::Reason(Box::new(socred_i18n::reasons::Cause::Problem(problem)))
}

/// The message (`inputs.ftl`) of an activation whose store changed after its comparison.
pub const CHANGED_SINCE_ASSESSMENT: &str = "input-changed-since-assessment";

/// A rulebook version as the store adopted it, with the impact assessment
/// its activation recorded (`None` for the first version and activations
/// made without one).
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct RulebookVersion {
    pub id: String,
    pub version: String,
    pub fingerprint: String,
    /// The instant of its audit entry (RFC 3339).
    pub adopted_at: String,
    pub impact: Option<serde_json::Value>,
}

/// Most versions `rulebook_versions` returns (newest first).
pub const MAX_RULEBOOK_VERSIONS: u32 = 1_000;

/// The statement both backends read the versions with.
pub(crate) const RULEBOOK_VERSIONS: &str = "SELECT r.id, r.version, r.fingerprint, a.at, a.detail FROM rulebooks r JOIN audit a ON a.seq = r.audit_seq
     ORDER BY r.seq DESC LIMIT 1000";

pub(crate) fn rulebook_version(id: String, version: String, fingerprint: String, at: String, detail: &str) -> Result<RulebookVersion> {
    let detail: serde_json::Value = serde_json::from_str(detail).map_err(|e| StoreError::Corrupt(format!("an audit detail: {e}")))?;
    Ok(RulebookVersion { id, version, fingerprint, adopted_at: at, impact: detail.get("impact").cloned() })
}

/// The audit detail of a rulebook activation: the version, and the impact
/// assessment that preceded it when there was one (see docs/audit-format.md).
pub(crate) fn activation_detail(rulebook: &socred_core::Rulebook, impact: serde_json::Value) -> serde_json::Value {
    let mut detail = serde_json::json!({"rulebook": rulebook.id, "version": rulebook.version, "fingerprint": rulebook.fingerprint});
    if !impact.is_null() {
        detail["impact"] = impact;
    }
    detail
}

/// A timeline's range is in order and at most `MAX_TIMELINE_YEARS` long.
pub(crate) fn check_timeline(from: Date, until: Date) -> Result<()> {
    if from > until {
        return Err(StoreError::invalid_message("from", "input-from-after-to", vec![]));
    }
    if until.year() - from.year() > assess::MAX_TIMELINE_YEARS {
        let years = Argument::Number(i64::from(assess::MAX_TIMELINE_YEARS));
        return Err(StoreError::invalid_message("from", "input-timeline-years", vec![("years", years)]));
    }
    Ok(())
}

/// Checks what can be checked without the database.
pub(crate) fn check_new_subject(subject: &NewSubject) -> Result<()> {
    check_text(&subject.name, MAX_NAME_CHARS).map_err(|error| StoreError::invalid_text("name", error))?;
    let links = subject.guardians.len() + subject.represents.len();
    if links > MAX_LINKS_PER_CALL {
        return Err(StoreError::TooLarge { count: links, limit: MAX_LINKS_PER_CALL });
    }
    if subject.id.kind() == SubjectKind::Organisation && links > 0 {
        return Err(StoreError::invalid_message(
            if subject.guardians.is_empty() { "represents" } else { "guardian" },
            "input-links-of-a-person",
            vec![],
        ));
    }
    Ok(())
}
