//! socred-store: the ledger on embedded SQLite.
//!
//! One writer at a time (`BEGIN IMMEDIATE`), WAL, `synchronous = FULL`: a write
//! that returned Ok has reached the disk and survives `kill -9` and power loss.
//! Ledger rows are only ever inserted; every write appends a hash-chained audit
//! entry that covers the rows it wrote. Assessments are derived: a per-subject
//! summary is cached with the window of dates on which it holds.

mod accounts;
pub mod audit;
pub mod backend;
mod changes;
mod checks;
mod clock;
mod conflicts;
mod decisions;
mod due_process;
mod entries;
mod error;
mod import;
mod export;
mod known;
mod log;
mod restore;
mod partners;
pub mod postgres;
mod reports;
mod sign_in;

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use rusqlite::{Connection, OpenFlags, OptionalExtension, params};
use serde::Serialize;
use socred_core::assess::{self, Assessment, LockState, Summary};
use socred_core::date::Moment;
use socred_core::process::SubjectReference;
use socred_core::record::Recording;
use socred_core::record::{MAX_REASON_CHARS, Record, RecordId, SubjectFile, Void, check_text};
use socred_core::{Date, Rulebook, SubjectId, SubjectKind, Tier};

pub use accounts::{DEFAULT_TOKEN_DAYS, MAX_TOKEN_DAYS, NewAccount, TokenInfo};
pub use sign_in::{Credentials, SignIn, SignInRecorded, lock_seconds};
pub use audit::{AuditEntry, VerifyReport};
pub use changes::{CHANGES_KEPT, Changes, MAX_CHANGED_SUBJECTS};
pub use checks::{group_hash, CheckEntry, CheckIndexStats, CheckLog, CheckRecord, GROUP_ROWS, INDEX_FANOUT, INDEX_TOP_LEVEL, PackedChecks};
pub use clock::{Clock, DEFAULT_UTC_OFFSET, Dating, MAX_CLOCK_SKEW_MS, TimeSettings, format_offset, parse_offset, wall_clock_rfc3339};
pub use decisions::{AnnualRow, HotData};
pub use due_process::{Access, AccessRequest, ActOutcome, Queue, QueueItem};
pub use entries::{MAX_PUBLIC_SEARCH_CHARS, PublicEntry, PublicSearch};
pub use error::{DatabaseError, Result, StorageCondition, StoreError};
pub use import::{ImportSession, ImportSummary, RowOutcome};
pub use export::{EXPORT_FORMAT, ExportedEntry, Manifest};
pub use known::{KnownOn, KnownReads};
pub use postgres::{PgStore, is_postgres_url};
pub use partners::{LineError, PartnerBatch, PartnerMetrics, PartnerScope, PendingRecord};
pub use reports::{EvidenceInfo, NewReport, ReportMetrics, ReportOutcome, ReportView, ReporterStats, Reviewer};

/// The version of the log format (docs/audit-format.md) the store keeps.
pub(crate) const LOG_FORMAT: &str = "2";

/// The schema, as versioned migrations (`migrations/sqlite/V<n>__<name>.sql`).
mod migrations {
    refinery::embed_migrations!("migrations/sqlite");
}

/// The newest migration this build knows.
fn known_migration() -> i64 {
    migrations::migrations::runner().get_migrations().iter().map(|m| i64::from(m.version())).max().unwrap_or(0)
}

/// Applies the migrations a store lacks, each in its own transaction.
pub(crate) fn migrate(connection: &mut Connection) -> Result<()> {
    migrations::migrations::runner().run(connection).map_err(|e| StoreError::Migration(e.to_string()))?;
    Ok(())
}

/// The newest migration applied to a store (0: none).
fn applied_migration(connection: &mut Connection) -> Result<i64> {
    let history: i64 =
        connection.query_row("SELECT count(*) FROM sqlite_master WHERE name = 'refinery_schema_history'", [], |row| row.get(0))?;
    if history == 0 {
        return Ok(0);
    }
    Ok(connection.query_row("SELECT coalesce(max(version), 0) FROM refinery_schema_history", [], |row| row.get(0))?)
}
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
        check_text(name, MAX_ACTOR_CHARS).map_err(|e| StoreError::invalid("actor", e.to_string()))?;
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

/// The embedded store.
pub struct Store {
    connection: Connection,
    path: PathBuf,
    clock: Clock,
    rulebook: Arc<Rulebook>,
    /// The `rulebooks.seq` of the active rulebook, to notice activations elsewhere.
    rulebook_seq: i64,
    rulebook_checked: Option<std::time::Instant>,
    /// Subjects whose files could not be read by a refresh (see `take_unreadable`).
    unreadable: Vec<(i64, String)>,
}

pub(crate) fn configure(connection: &Connection) -> Result<()> {
    connection.busy_timeout(std::time::Duration::from_secs(10))?;
    let mode: String = connection.query_row("PRAGMA journal_mode = WAL", [], |row| row.get(0))?;
    if !mode.eq_ignore_ascii_case("wal") {
        return Err(StoreError::Corrupt(format!("could not switch to WAL (got {mode})")));
    }
    // FULL: a commit is on disk before it is acknowledged.
    connection.execute_batch(
        "PRAGMA synchronous = FULL;
         PRAGMA foreign_keys = ON;
         PRAGMA cache_size = -131072;
         PRAGMA temp_store = MEMORY;",
    )?;
    connection.set_prepared_statement_cache_capacity(64);
    // Query-planner stability: without it SQLite re-prepares a cached statement
    // whenever a new value is bound to a parameter that might change its plan,
    // which made per-subject queries parse their SQL again on every call.
    connection.set_db_config(rusqlite::config::DbConfig::SQLITE_DBCONFIG_ENABLE_QPSG, true)?;
    Ok(())
}

pub(crate) fn not_a_store(path: &Path) -> impl Fn(rusqlite::Error) -> StoreError + '_ {
    move |error| match error.sqlite_error_code() {
        Some(rusqlite::ErrorCode::NotADatabase) => StoreError::NotAStore(path.to_path_buf()),
        _ => StoreError::from(error),
    }
}

fn julian(date: Date) -> i64 {
    i64::from(date.to_julian_day())
}

pub(crate) fn from_julian(day: i64) -> Result<Date> {
    i32::try_from(day)
        .ok()
        .and_then(|day| Date::from_julian_day(day).ok())
        .ok_or_else(|| StoreError::Corrupt(format!("day number {day} is not a date")))
}

/// A timeline's range is in order and at most `MAX_TIMELINE_YEARS` long.
pub(crate) fn check_timeline(from: Date, until: Date) -> Result<()> {
    if from > until {
        return Err(StoreError::invalid("from", "must not be after `to`"));
    }
    if until.year() - from.year() > assess::MAX_TIMELINE_YEARS {
        return Err(StoreError::invalid("from", format!("a timeline covers at most {} years", assess::MAX_TIMELINE_YEARS)));
    }
    Ok(())
}

impl Store {
    /// Creates a new store at `path` with the given rulebook. Refuses to touch
    /// an existing non-empty file.
    pub fn create(
        path: &Path,
        rulebook_source: &str,
        rulebook_file: &str,
        actor: &Actor,
        origin: &str,
        time: TimeSettings,
    ) -> Result<Store> {
        let rulebook = Rulebook::from_toml(rulebook_source, rulebook_file)?;
        let clock = Clock::new(time);
        clock.admit(actor.moment())?;
        if std::fs::metadata(path).is_ok_and(|m| m.len() > 0) {
            return Err(StoreError::AlreadyInitialised(path.to_path_buf()));
        }
        let mut connection = Connection::open_with_flags(
            path,
            OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_CREATE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .map_err(not_a_store(path))?;
        configure(&connection).map_err(|e| match e {
            StoreError::Database(db) if db.foreign_file => StoreError::NotAStore(path.to_path_buf()),
            other => other,
        })?;
        let exists: i64 = connection.query_row("SELECT count(*) FROM sqlite_master WHERE name = 'meta'", [], |r| r.get(0))?;
        if exists > 0 {
            return Err(StoreError::AlreadyInitialised(path.to_path_buf()));
        }
        migrate(&mut connection)?;
        connection.execute_batch("BEGIN IMMEDIATE")?;
        let created = (|| -> Result<()> {
            let initialised: i64 = connection.query_row("SELECT count(*) FROM meta", [], |r| r.get(0))?;
            if initialised > 0 {
                return Err(StoreError::AlreadyInitialised(path.to_path_buf()));
            }
            // The secret that keys ids others see (subject references, reward
            // record ids): never exported, never shown.
            let secret = socred_auth::new_secret().map_err(|e| StoreError::Corrupt(format!("no randomness for the store's secret: {e}")))?;
            connection.execute(
                "INSERT INTO meta (key, value) VALUES ('log_format', ?1), ('origin', ?2), ('created_at', ?3), ('dating', ?4), ('utc_offset', ?5),
                 ('secret', ?6)",
                params![LOG_FORMAT, origin, actor.at_text(), time.dating.as_str(), format_offset(time.utc_offset), secret],
            )?;
            let seq = audit::next_seq(&connection)?;
            let mut digest = audit::RowDigest::default();
            insert_rulebook(&connection, &rulebook, (rulebook_source, rulebook_file), actor.moment(), seq, &mut digest)?;
            audit::append(
                &connection,
                seq,
                &actor.at_text(),
                actor.name(),
                "store.init",
                None,
                &serde_json::json!({"rulebook": rulebook.id, "version": rulebook.version, "origin": origin,
                    "dating": time.dating.as_str(), "utc_offset": format_offset(time.utc_offset)}),
                digest,
            )?;
            Ok(())
        })();
        match created {
            Ok(()) => connection.execute_batch("COMMIT")?,
            Err(error) => {
                let _ = connection.execute_batch("ROLLBACK");
                return Err(error);
            }
        }
        Ok(Store {
            connection,
            path: path.to_path_buf(),
            clock,
            rulebook: Arc::new(rulebook),
            rulebook_seq: 1,
            rulebook_checked: None,
            unreadable: Vec::new(),
        })
    }

    /// Opens an existing store; never creates one.
    pub fn open(path: &Path) -> Result<Store> {
        Store::open_with(path, OpenFlags::SQLITE_OPEN_READ_WRITE)
    }

    /// Opens a read-only connection (the server's read pool). The store must
    /// exist and be in WAL mode already.
    pub fn open_read_only(path: &Path) -> Result<Store> {
        Store::open_with(path, OpenFlags::SQLITE_OPEN_READ_ONLY)
    }

    fn open_with(path: &Path, mode: OpenFlags) -> Result<Store> {
        if !path.exists() {
            return Err(StoreError::NotInitialised(path.to_path_buf()));
        }
        let mut connection = Connection::open_with_flags(path, mode | OpenFlags::SQLITE_OPEN_NO_MUTEX).map_err(not_a_store(path))?;
        configure(&connection).map_err(|e| match e {
            StoreError::Database(db) if db.foreign_file => StoreError::NotAStore(path.to_path_buf()),
            other => other,
        })?;
        let (old_version, format): (Option<String>, Option<String>) = connection
            .query_row(
                "SELECT (SELECT value FROM meta WHERE key = 'schema_version'), (SELECT value FROM meta WHERE key = 'log_format')",
                [],
                |row| Ok((row.get(0)?, row.get(1)?)),
            )
            .map_err(|_| StoreError::NotAStore(path.to_path_buf()))?;
        if let Some(found) = old_version {
            return Err(StoreError::Outdated { path: path.to_path_buf(), found });
        }
        if format.as_deref() != Some(LOG_FORMAT) {
            return Err(StoreError::NotAStore(path.to_path_buf()));
        }
        let (applied, known) = (applied_migration(&mut connection)?, known_migration());
        if applied > known {
            return Err(StoreError::SchemaMismatch {
                path: path.to_path_buf(),
                found: applied,
                known,
                what: "it was written by a newer socred; use that version",
            });
        }
        if applied < known {
            if mode.contains(OpenFlags::SQLITE_OPEN_READ_ONLY) {
                return Err(StoreError::SchemaMismatch {
                    path: path.to_path_buf(),
                    found: applied,
                    known,
                    what: "open it read-write once (any socred command) to apply the migrations",
                });
            }
            migrate(&mut connection)?;
        }
        let clock = Clock::new(load_time_settings(&connection)?);
        let (rulebook, rulebook_seq) = load_active_rulebook(&connection)?;
        Ok(Store {
            connection,
            path: path.to_path_buf(),
            clock,
            rulebook: Arc::new(rulebook),
            rulebook_seq,
            rulebook_checked: None,
            unreadable: Vec::new(),
        })
    }

    /// The store's clock: the system clock in its time zone (or, for a
    /// replay store, a day the caller may fix with [`Clock::fixed_on`]).
    pub fn clock(&self) -> Clock {
        self.clock
    }

    /// Makes every act of this handle dated by `clock` (a replay store's
    /// fixed day). A clock of another store's settings is refused.
    pub fn set_clock(&mut self, clock: Clock) -> Result<()> {
        if clock.settings() != self.clock.settings() {
            return Err(StoreError::invalid("on", "the clock does not belong to this store"));
        }
        self.clock = clock;
        Ok(())
    }

    /// An actor acting now, by this store's clock.
    pub fn actor(&self, name: &str) -> Result<Actor> {
        Actor::new(name, self.clock.now())
    }

    /// The name and kind of a subject: a single index lookup.
    pub fn subject_name(&self, id: &SubjectId) -> Result<Option<String>> {
        Ok(self
            .connection
            .prepare_cached("SELECT name FROM subjects WHERE id = ?1")?
            .query_row([id.as_str()], |row| row.get(0))
            .optional()?)
    }

    /// Picks up a rulebook activated by another connection (another process,
    /// or the server's writer while this is a reader). Checks at most once a
    /// second: activation is rare, reads are not.
    pub fn reload_rulebook_if_changed(&mut self) -> Result<bool> {
        if self.rulebook_checked.is_some_and(|at| at.elapsed() < std::time::Duration::from_secs(1)) {
            return Ok(false);
        }
        self.rulebook_checked = Some(std::time::Instant::now());
        let seq: i64 = self.connection.prepare_cached("SELECT MAX(seq) FROM rulebooks")?.query_row([], |row| row.get(0))?;
        if seq == self.rulebook_seq {
            return Ok(false);
        }
        let (rulebook, seq) = load_active_rulebook(&self.connection)?;
        self.rulebook = Arc::new(rulebook);
        self.rulebook_seq = seq;
        Ok(true)
    }

    /// Picks up a rulebook activated elsewhere now, not within the second.
    pub fn reload_rulebook_now(&mut self) -> Result<bool> {
        self.rulebook_checked = None;
        self.reload_rulebook_if_changed()
    }

    /// The ids of subjects by key (unknown keys are skipped).
    pub fn subject_ids_of(&self, keys: &[i64]) -> Result<Vec<SubjectId>> {
        let mut statement = self.connection.prepare_cached("SELECT id FROM subjects WHERE key = ?1")?;
        let mut ids = Vec::with_capacity(keys.len());
        for key in keys {
            if let Some(id) = statement.query_row([key], |row| row.get::<_, String>(0)).optional()? {
                ids.push(SubjectId::parse(&id).map_err(|e| StoreError::Corrupt(format!("subject {id:?}: {e}")))?);
            }
        }
        Ok(ids)
    }

    /// Runs several reads in one snapshot: a write committed meanwhile is
    /// either wholly visible or not at all.
    pub fn snapshot<T>(&self, read: impl FnOnce(&Store) -> Result<T>) -> Result<T> {
        if !self.connection.is_autocommit() {
            // Already inside one (the server's readers hold a snapshot per request).
            return read(self);
        }
        self.connection.execute_batch("BEGIN DEFERRED")?;
        let result = read(self);
        let _ = self.connection.execute_batch("COMMIT");
        result
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    pub fn rulebook(&self) -> &Arc<Rulebook> {
        &self.rulebook
    }

    /// What created the store: "init" or "demo".
    pub fn origin(&self) -> Result<String> {
        Ok(self.connection.query_row("SELECT value FROM meta WHERE key = 'origin'", [], |row| row.get(0))?)
    }

    /// Runs `write` for `actor` in one IMMEDIATE transaction with a reserved
    /// audit sequence number, once the actor's moment is one this store's clock could give.
    fn write<T>(&mut self, actor: &Actor, write: impl FnOnce(&Connection, i64) -> Result<T>) -> Result<T> {
        self.clock.admit(actor.moment())?;
        self.transaction(|connection| audit::next_seq(connection).and_then(|seq| write(connection, seq)))
    }

    /// Runs `write` in one IMMEDIATE transaction: derived tables, no act.
    fn transaction<T>(&mut self, write: impl FnOnce(&Connection) -> Result<T>) -> Result<T> {
        self.connection.execute_batch("BEGIN IMMEDIATE")?;
        let result = write(&self.connection);
        self.finish(result)
    }

    /// Subjects the last refreshes could not read (a corrupt stored row), with
    /// the reason: the caller reports them; every other subject was served.
    pub fn take_unreadable(&mut self) -> Vec<(i64, String)> {
        std::mem::take(&mut self.unreadable)
    }

    /// Ends the open transaction: commits what succeeded, rolls back what failed.
    pub(crate) fn finish<T>(&self, result: Result<T>) -> Result<T> {
        match result {
            Ok(value) => commit(&self.connection).map(|()| value),
            Err(error) => {
                let _ = self.connection.execute_batch("ROLLBACK");
                Err(error)
            }
        }
    }

    /// Registers a subject with its links. Registering the same subject again
    /// with the same name is a no-op that adds any new links; another name is a conflict.
    pub fn add_subject(&mut self, subject: &NewSubject, actor: &Actor) -> Result<SubjectOutcome> {
        check_new_subject(subject)?;
        subject.id.check_plausible(actor.today()).map_err(|e| StoreError::invalid("id", format!("{} {e}", subject.id)))?;
        self.write(actor, |connection, seq| {
            let mut digest = audit::RowDigest::default();
            let secret = store_secret(connection)?;
            let (outcome, _) = write_subject(connection, seq, &secret, subject, actor.moment(), &mut digest)?;
            if digest.rows() > 0 {
                let (action, links_added) = match outcome {
                    SubjectOutcome::Registered => ("subject.register", subject.guardians.len() + subject.represents.len()),
                    SubjectOutcome::AlreadyRegistered { links_added } => ("subject.link", links_added),
                };
                audit::append(
                    connection,
                    seq,
                    &actor.at_text(),
                    actor.name(),
                    action,
                    Some(subject.id.as_str()),
                    &serde_json::json!({"links_added": links_added}),
                    digest,
                )?;
            }
            Ok(outcome)
        })
    }

    pub fn subject(&self, id: &SubjectId) -> Result<Option<SubjectInfo>> {
        let row: Option<(i64, String)> = self
            .connection
            .query_row("SELECT key, name FROM subjects WHERE id = ?1", [id.as_str()], |row| Ok((row.get(0)?, row.get(1)?)))
            .optional()?;
        let Some((key, name)) = row else {
            return Ok(None);
        };
        let linked = |sql: &str| -> Result<Vec<SubjectRef>> {
            let mut statement = self.connection.prepare_cached(sql)?;
            let rows = statement.query_map([key], |row| Ok((row.get::<_, String>(0)?, row.get::<_, String>(1)?)))?;
            let mut out = Vec::new();
            for row in rows {
                let (other, name) = row?;
                let id = SubjectId::parse(&other).map_err(|e| StoreError::Corrupt(format!("stored subject {other}: {e}")))?;
                out.push(SubjectRef { id, name });
            }
            Ok(out)
        };
        Ok(Some(SubjectInfo {
            id: *id,
            kind: id.kind(),
            name,
            guardians: linked(
                "SELECT s.id, s.name FROM links l JOIN subjects s ON s.key = l.other WHERE l.subject = ?1 AND l.kind = 'guardian' ORDER BY s.id",
            )?,
            children: linked(
                "SELECT s.id, s.name FROM links l JOIN subjects s ON s.key = l.subject WHERE l.other = ?1 AND l.kind = 'guardian' ORDER BY s.id",
            )?,
            represents: linked(
                "SELECT s.id, s.name FROM links l JOIN subjects s ON s.key = l.other WHERE l.subject = ?1 AND l.kind = 'represents' ORDER BY s.id",
            )?,
            representatives: linked(
                "SELECT s.id, s.name FROM links l JOIN subjects s ON s.key = l.subject WHERE l.other = ?1 AND l.kind = 'represents' ORDER BY s.id",
            )?,
        }))
    }

    fn subject_key(&self, id: &SubjectId) -> Result<i64> {
        self.connection
            .prepare_cached("SELECT key FROM subjects WHERE id = ?1")?
            .query_row([id.as_str()], |row| row.get(0))
            .optional()?
            .ok_or_else(|| StoreError::UnknownSubject(id.to_string()))
    }

    /// Starts a batched, atomic write of records: nothing is stored until
    /// [`ImportSession::commit`]. `action` names the audit entry.
    pub fn begin_import<'s>(&'s mut self, actor: &Actor, action: &str) -> Result<ImportSession<'s>> {
        ImportSession::begin(self, actor.clone(), action.to_string())
    }

    /// Adds one record (a batch of one). Idempotent by record id.
    pub fn add_record(&mut self, record: &Record, actor: &Actor) -> Result<RowOutcome> {
        let mut session = self.begin_import(actor, "record.add")?;
        let outcome = session.push(record)?;
        match &outcome {
            RowOutcome::Rejected { field, reason, conflict } => {
                let error = if *conflict {
                    StoreError::Conflict(reason.clone())
                } else if *field == "subject" {
                    StoreError::UnknownSubject(record.subject.to_string())
                } else {
                    StoreError::invalid(*field, reason.clone())
                };
                session.rollback();
                Err(error)
            }
            _ => {
                session.commit(serde_json::json!({"record_id": record.id}))?;
                Ok(outcome)
            }
        }
    }

    /// Voids a record. Voiding twice with the same reason is a no-op; with
    /// another reason, a conflict (the first void stands).
    pub fn void_record(&mut self, record_id: &RecordId, reason: &str, actor: &Actor) -> Result<VoidOutcome> {
        check_text(reason, MAX_REASON_CHARS).map_err(|e| StoreError::invalid("reason", e.to_string()))?;
        let result = self.write(actor, |connection, seq| {
            let row: Option<(i64, i64, String)> = connection
                .query_row(
                    "SELECT r.seq, r.subject, s.id FROM records r JOIN subjects s ON s.key = r.subject WHERE r.record_id = ?1",
                    [record_id.as_str()],
                    |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)),
                )
                .optional()?;
            let (record_seq, subject_key, subject) = row.ok_or_else(|| StoreError::UnknownRecord(record_id.to_string()))?;
            conflicts::refuse_conflicted(connection, actor, subject_key)?;
            let subject = SubjectId::parse(&subject).map_err(|e| StoreError::Corrupt(e.to_string()))?;
            let existing: Option<String> =
                connection.query_row("SELECT reason FROM voids WHERE record_seq = ?1", [record_seq], |row| row.get(0)).optional()?;
            match existing {
                Some(previous) if previous == reason => return Ok(VoidOutcome::AlreadyVoid { subject }),
                Some(previous) => {
                    return Err(StoreError::Conflict(format!("record {record_id} is already void (reason: {previous:?})")));
                }
                None => {}
            }
            let mut digest = audit::RowDigest::default();
            insert_void(connection, &mut digest, record_seq, record_id.as_str(), reason, actor.moment(), seq)?;
            Store::touched_subjects_invalidate(connection, &HashSet::from([subject_key]))?;
            audit::append(
                connection,
                seq,
                &actor.at_text(),
                actor.name(),
                "record.void",
                Some(subject.as_str()),
                &serde_json::json!({"record_id": record_id, "reason": reason}),
                digest,
            )?;
            Ok(VoidOutcome::Voided { subject })
        })?;
        Ok(result)
    }

    /// Everything the ledger holds on a subject.
    pub fn file(&self, id: &SubjectId) -> Result<SubjectFile> {
        let key = self.subject_key(id)?;
        self.file_by_key(key, *id)
    }

    fn file_by_key(&self, key: i64, id: SubjectId) -> Result<SubjectFile> {
        load_file(&self.connection, key, id)
    }

    /// The full, explained assessment (recomputed from the file).
    pub fn assessment(&self, id: &SubjectId, as_of: Date) -> Result<Assessment> {
        let key = self.subject_key(id)?;
        let file = self.file_by_key(key, *id)?;
        let assessment = assess::assess(&self.rulebook, *id, &file, as_of);
        let summary = assess::summarise(&self.rulebook, &file, as_of);
        self.remember(key, &summary, as_of)?;
        Ok(assessment)
    }

    /// The hot summary: from the cache when it holds on `as_of`, else computed and cached.
    /// Recomputes what writes left stale (list entries of `dirty` subjects,
    /// then their cached summaries on `today`) and returns the subjects.
    /// These tables are derived from the ledger, so their commits skip the
    /// fsync (`synchronous = NORMAL`): if a crash loses them, `dirty` still
    /// names the subjects and they are recomputed; the next durable commit
    /// makes them durable anyway, because the WAL is written in order.
    pub fn refresh_derived(&mut self, today: Date) -> Result<Vec<(i64, SubjectId)>> {
        self.connection.execute_batch("PRAGMA synchronous = NORMAL")?;
        let result = self.refresh_lists_collect().and_then(|refreshed| {
            let ids: Vec<SubjectId> = refreshed.iter().map(|(_, id)| *id).collect();
            self.warm_subjects(&ids, today)?;
            Ok(refreshed)
        });
        self.connection.execute_batch("PRAGMA synchronous = FULL")?;
        result
    }

    /// Computes and caches the summaries of many subjects in one transaction:
    /// cache rows written one by one would each cost a durable commit.
    pub fn warm_subjects(&mut self, ids: &[SubjectId], as_of: Date) -> Result<()> {
        self.connection.execute_batch("BEGIN IMMEDIATE")?;
        let mut unreadable = Vec::new();
        let result = ids.iter().try_for_each(|id| match self.summary(id, as_of) {
            Ok(_) => Ok(()),
            Err(error @ StoreError::Corrupt(_)) => {
                unreadable.push((self.subject_key(id)?, error.to_string()));
                Ok(())
            }
            Err(error) => Err(error),
        });
        self.unreadable.extend(unreadable);
        match result {
            Ok(()) => commit(&self.connection),
            Err(error) => {
                let _ = self.connection.execute_batch("ROLLBACK");
                Err(error)
            }
        }
    }

    pub fn summary(&self, id: &SubjectId, as_of: Date) -> Result<Summary> {
        let key = self.subject_key(id)?;
        if let Some(summary) = self.cached(key)?.filter(|summary| summary.holds_on(as_of)) {
            return Ok(summary);
        }
        let file = self.file_by_key(key, *id)?;
        let summary = assess::summarise(&self.rulebook, &file, as_of);
        self.remember(key, &summary, as_of)?;
        Ok(summary)
    }

    /// The summary, and whether it came from the cache.
    pub fn summary_cached(&self, id: &SubjectId, as_of: Date) -> Result<(Summary, bool)> {
        let key = self.subject_key(id)?;
        if let Some(summary) = self.cached(key)?.filter(|summary| summary.holds_on(as_of)) {
            return Ok((summary, true));
        }
        let file = self.file_by_key(key, *id)?;
        let summary = assess::summarise(&self.rulebook, &file, as_of);
        self.remember(key, &summary, as_of)?;
        Ok((summary, false))
    }

    /// Score history between two dates (at most 30 years), for charts.
    pub fn timeline(&self, id: &SubjectId, from: Date, until: Date) -> Result<Vec<assess::TimelinePoint>> {
        check_timeline(from, until)?;
        let file = self.file(id)?;
        Ok(assess::timeline(&self.rulebook, &file, from, until))
    }

    /// Subjects whose identifier starts with `text` or whose name contains it.
    pub fn search_subjects(&self, text: &str, limit: u32) -> Result<Vec<SubjectRef>> {
        let text = text.trim();
        if text.is_empty() || text.chars().count() > 128 {
            return Err(StoreError::invalid("search", "1-128 characters"));
        }
        let escaped = text.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_");
        let mut statement = self.connection.prepare_cached(
            "SELECT id, name FROM subjects WHERE id LIKE ?1 ESCAPE '\\' OR name LIKE ?2 ESCAPE '\\' ORDER BY id LIMIT ?3",
        )?;
        let rows = statement
            .query_map(params![format!("{}%", escaped.to_ascii_uppercase()), format!("%{escaped}%"), limit.min(MAX_PAGE)], |row| {
                Ok((row.get::<_, String>(0)?, row.get::<_, String>(1)?))
            })?;
        let mut out = Vec::new();
        for row in rows {
            let (id, name) = row?;
            out.push(SubjectRef { id: SubjectId::parse(&id).map_err(|e| StoreError::Corrupt(e.to_string()))?, name });
        }
        Ok(out)
    }

    /// A record by id, with its void reason if voided.
    pub fn record(&self, record_id: &RecordId) -> Result<Option<(Record, Option<String>)>> {
        let row: Option<(i64, String)> = self
            .connection
            .query_row(
                "SELECT r.subject, s.id FROM records r JOIN subjects s ON s.key = r.subject WHERE r.record_id = ?1",
                [record_id.as_str()],
                |row| Ok((row.get(0)?, row.get(1)?)),
            )
            .optional()?;
        let Some((key, subject)) = row else {
            return Ok(None);
        };
        let subject = SubjectId::parse(&subject).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        let file = self.file_by_key(key, subject)?;
        let record = file.records.into_iter().find(|r| &r.id == record_id).ok_or_else(|| StoreError::Corrupt("record vanished".into()))?;
        let void = file.voids.into_iter().find(|v| &v.record_id == record_id).map(|v| v.reason);
        Ok(Some((record, void)))
    }

    fn cached(&self, key: i64) -> Result<Option<Summary>> {
        let mut statement = self.connection.prepare_cached(
            "SELECT valid_from, valid_until, score, tier, points_tier, lock_tier, lock_since, lock_until
             FROM assessment_cache WHERE subject = ?1 AND fingerprint = ?2",
        )?;
        let row = statement
            .query_row(params![key, self.rulebook.fingerprint], |row| {
                Ok((
                    row.get::<_, i64>(0)?,
                    row.get::<_, Option<i64>>(1)?,
                    row.get::<_, i64>(2)?,
                    row.get::<_, i64>(3)?,
                    row.get::<_, i64>(4)?,
                    row.get::<_, Option<i64>>(5)?,
                    row.get::<_, Option<i64>>(6)?,
                    row.get::<_, Option<i64>>(7)?,
                ))
            })
            .optional()?;
        let Some((from, until, score, tier, points_tier, lock_tier, lock_since, lock_until)) = row else {
            return Ok(None);
        };
        let tier_of = |rank: i64| -> Result<Tier> {
            u8::try_from(rank)
                .ok()
                .filter(|rank| usize::from(*rank) < self.rulebook.tiers.len())
                .map(Tier)
                .ok_or_else(|| StoreError::Corrupt(format!("cached tier {rank}")))
        };
        let lock = match (lock_tier, lock_since, lock_until) {
            (Some(tier), Some(since), Some(until)) => {
                Some(LockState { tier: tier_of(tier)?, since: from_julian(since)?, until: from_julian(until)? })
            }
            _ => None,
        };
        Ok(Some(Summary {
            score,
            tier: tier_of(tier)?,
            points_tier: tier_of(points_tier)?,
            lock,
            valid_from: from_julian(from)?,
            valid_until: until.map(from_julian).transpose()?,
        }))
    }

    /// Caches a summary unless a newer one is already there: reads of the past
    /// must not evict the present. The cache is derived data, so a busy store
    /// simply skips it.
    fn remember(&self, key: i64, summary: &Summary, as_of: Date) -> Result<()> {
        let result = self.connection.prepare_cached(
            "INSERT INTO assessment_cache (subject, fingerprint, valid_from, valid_until, score, tier, points_tier, lock_tier, lock_since, lock_until)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)
             ON CONFLICT (subject) DO UPDATE SET fingerprint = excluded.fingerprint, valid_from = excluded.valid_from,
                 valid_until = excluded.valid_until, score = excluded.score, tier = excluded.tier,
                 points_tier = excluded.points_tier, lock_tier = excluded.lock_tier, lock_since = excluded.lock_since,
                 lock_until = excluded.lock_until
             WHERE assessment_cache.fingerprint <> excluded.fingerprint OR assessment_cache.valid_from <= ?11",
        )?
        .execute(params![
            key,
            self.rulebook.fingerprint,
            julian(summary.valid_from),
            summary.valid_until.map(julian),
            summary.score,
            summary.tier.0,
            summary.points_tier.0,
            summary.lock.map(|l| l.tier.0),
            summary.lock.map(|l| julian(l.since)),
            summary.lock.map(|l| julian(l.until)),
            julian(as_of),
        ]);
        match result {
            Ok(_) => Ok(()),
            Err(error) if matches!(error.sqlite_error_code(), Some(rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::ReadOnly)) => {
                Ok(())
            }
            Err(error) => Err(error.into()),
        }
    }

    /// Caches today's summary for every subject that has none holding on
    /// `as_of` (at server start: the in-memory index is built from the cache).
    pub fn warm_summaries(&mut self, as_of: Date) -> Result<u64> {
        let day = julian(as_of);
        let missing: Vec<(i64, String)> = {
            let mut statement = self.connection.prepare(
                "SELECT key, id FROM subjects WHERE key NOT IN (SELECT subject FROM assessment_cache
                 WHERE fingerprint = ?1 AND valid_from <= ?2 AND (valid_until IS NULL OR valid_until > ?2))",
            )?;
            let rows = statement.query_map(params![self.rulebook.fingerprint, day], |row| Ok((row.get(0)?, row.get(1)?)))?;
            rows.collect::<Result<_, _>>()?
        };
        for chunk in missing.chunks(10_000) {
            self.connection.execute_batch("BEGIN IMMEDIATE")?;
            let mut unreadable = Vec::new();
            let result = chunk.iter().try_for_each(|(key, id)| {
                let loaded = SubjectId::parse(id)
                    .map_err(|e| StoreError::Corrupt(format!("subject {id:?}: {e}")))
                    .and_then(|id| self.file_by_key(*key, id));
                match loaded {
                    Ok(file) => self.remember(*key, &assess::summarise(&self.rulebook, &file, as_of), as_of),
                    // One unreadable file must not keep the others (or the server) from starting.
                    Err(error @ StoreError::Corrupt(_)) => {
                        unreadable.push((*key, error.to_string()));
                        Ok(())
                    }
                    Err(error) => Err(error),
                }
            });
            self.unreadable.extend(unreadable);
            match result {
                Ok(()) => commit(&self.connection)?,
                Err(error) => {
                    let _ = self.connection.execute_batch("ROLLBACK");
                    return Err(error);
                }
            }
        }
        Ok(missing.len() as u64)
    }

    /// Computes and caches the summary of every subject on `as_of`, in one
    /// pass over the records in subject order, inside one transaction. Returns
    /// how many subjects are in each tier (by rank).
    pub fn refresh_all(&mut self, as_of: Date) -> Result<Vec<u64>> {
        let mut counts = vec![0u64; self.rulebook.tiers.len()];
        self.connection.execute_batch("BEGIN IMMEDIATE")?;
        let result = (|| -> Result<()> {
            let mut subjects = self.connection.prepare("SELECT key, id FROM subjects ORDER BY key")?;
            let mut rows = subjects.query([])?;
            while let Some(row) = rows.next()? {
                let key: i64 = row.get(0)?;
                let id: String = row.get(1)?;
                let id = SubjectId::parse(&id).map_err(|e| StoreError::Corrupt(e.to_string()))?;
                let file = self.file_by_key(key, id)?;
                let summary = assess::summarise(&self.rulebook, &file, as_of);
                counts[usize::from(summary.tier.0)] += 1;
                self.remember(key, &summary, as_of)?;
            }
            Ok(())
        })();
        match result {
            Ok(()) => commit(&self.connection)?,
            Err(error) => {
                let _ = self.connection.execute_batch("ROLLBACK");
                return Err(error);
            }
        }
        Ok(counts)
    }

    /// Replaces the active rulebook with a new version. Refused if records in
    /// the ledger use behaviours the new version does not declare. Cached
    /// assessments are dropped: they were made under the old version.
    pub fn activate_rulebook(&mut self, source: &str, file: &str, actor: &Actor) -> Result<Arc<Rulebook>> {
        let rulebook = Rulebook::from_toml(source, file)?;
        // The entries under the version in force, all current, are what the new version carries over.
        self.refresh_lists()?;
        let activated = self.write(actor, |connection, seq| {
            let current: String = connection.query_row("SELECT fingerprint FROM rulebooks ORDER BY seq DESC LIMIT 1", [], |r| r.get(0))?;
            if current == rulebook.fingerprint {
                return Ok(false);
            }
            let mut statement = connection.prepare("SELECT DISTINCT behaviour FROM records")?;
            let used: Vec<String> = statement.query_map([], |row| row.get(0))?.collect::<Result<_, _>>()?;
            let missing: Vec<&String> = used.iter().filter(|code| rulebook.behaviour(code).is_none()).collect();
            if !missing.is_empty() {
                return Err(StoreError::invalid(
                    "behaviour",
                    format!(
                        "the ledger holds records of {} which {} {} does not declare; keep them in the new version",
                        missing.iter().map(|c| format!("{c:?}")).collect::<Vec<_>>().join(", "),
                        rulebook.id,
                        rulebook.version
                    ),
                ));
            }
            let mut digest = audit::RowDigest::default();
            insert_rulebook(connection, &rulebook, (source, file), actor.moment(), seq, &mut digest)?;
            let rulebook_seq = connection.last_insert_rowid();
            connection
                .prepare("INSERT INTO rulebook_entries (rulebook_seq, subject, entry_id) SELECT ?1, subject, entry_id FROM entries")?
                .execute([rulebook_seq])?;
            // The entries carried over decide notice days: they are ledger, in the activation's digest.
            let mut carried = connection.prepare(
                "SELECT s.id, e.entry_id FROM rulebook_entries e JOIN subjects s ON s.key = e.subject WHERE e.rulebook_seq = ?1
                 ORDER BY e.subject, e.entry_id",
            )?;
            let mut rows = carried.query([rulebook_seq])?;
            while let Some(row) = rows.next()? {
                let id: String = row.get(0)?;
                let subject = SubjectId::parse(&id).map_err(|e| StoreError::Corrupt(format!("subject {id}: {e}")))?;
                digest.add(&audit::LedgerRow::RulebookEntry { rulebook_seq, subject, entry_id: row.get(1)? });
            }
            connection.execute_batch(
                "DELETE FROM assessment_cache; DELETE FROM entries; INSERT OR IGNORE INTO dirty (subject) SELECT key FROM subjects;
                 INSERT INTO changes (subject) VALUES (0);",
            )?;
            audit::append(
                connection,
                seq,
                &actor.at_text(),
                actor.name(),
                "rulebook.activate",
                None,
                &serde_json::json!({"rulebook": rulebook.id, "version": rulebook.version, "fingerprint": rulebook.fingerprint}),
                digest,
            )?;
            Ok(true)
        })?;
        if activated {
            self.rulebook_checked = None;
            self.reload_rulebook_if_changed()?;
            debug_assert_eq!(self.rulebook.fingerprint, rulebook.fingerprint);
        }
        Ok(self.rulebook.clone())
    }

    pub fn overview(&self) -> Result<Overview> {
        let count = |sql: &str| -> Result<u64> { Ok(self.connection.query_row(sql, [], |row| row.get::<_, i64>(0))? as u64) };
        Ok(Overview {
            persons: count("SELECT count(*) FROM subjects WHERE kind = 'person'")?,
            organisations: count("SELECT count(*) FROM subjects WHERE kind = 'organisation'")?,
            records: count("SELECT count(*) FROM records")?,
            voids: count("SELECT count(*) FROM voids")?,
            rulebook: format!("{} {}", self.rulebook.id, self.rulebook.version),
        })
    }

    /// Subject ids in registration order, a page at a time.
    pub fn subject_ids(&self, after_key: i64, limit: u32) -> Result<Vec<(i64, SubjectId)>> {
        let limit = limit.min(MAX_PAGE);
        let mut statement = self.connection.prepare_cached("SELECT key, id FROM subjects WHERE key > ?1 ORDER BY key LIMIT ?2")?;
        let rows = statement.query_map(params![after_key, limit], |row| Ok((row.get::<_, i64>(0)?, row.get::<_, String>(1)?)))?;
        let mut out = Vec::new();
        for row in rows {
            let (key, id) = row?;
            out.push((key, SubjectId::parse(&id).map_err(|e| StoreError::Corrupt(e.to_string()))?));
        }
        Ok(out)
    }


    pub fn audit_recent(&self, subject: Option<&SubjectId>, limit: u32) -> Result<Vec<AuditEntry>> {
        audit::recent(&self.connection, subject.map(|s| s.as_str()), limit.min(MAX_PAGE))
    }

    pub fn audit_head(&self) -> Result<(i64, String)> {
        audit::head(&self.connection)
    }

    /// How many checks the check log holds.
    pub fn checks_logged(&self) -> Result<i64> {
        Ok(self.connection.query_row("SELECT coalesce(sum(rows), 0) FROM check_groups", [], |row| row.get(0))?)
    }

    /// A fingerprint of the whole ledger's content, for tests that must show
    /// a refused write changed nothing.
    /// Receipts of refused partner batches are left out: a refused batch
    /// stores nothing but the receipt that says why (under its own entry).
    pub fn ledger_fingerprint(&self) -> Result<String> {
        let (seq, hash): (i64, String) = self.connection.query_row(
            "SELECT count(*), coalesce((SELECT hash FROM audit WHERE action <> 'partner.batch.refused' ORDER BY seq DESC LIMIT 1), '')
             FROM audit WHERE action <> 'partner.batch.refused'",
            [],
            |row| Ok((row.get(0)?, row.get(1)?)),
        )?;
        let overview = self.overview()?;
        // Fixed SQL only: the table names are constants, never input.
        let count = |sql: &str| -> Result<i64> { Ok(self.connection.query_row(sql, [], |r| r.get(0))?) };
        let counts = [
            "SELECT count(*) FROM links",
            "SELECT count(*) FROM events",
            "SELECT count(*) FROM accesses",
            "SELECT coalesce(sum(rows), 0) FROM check_groups",
            "SELECT count(*) FROM accounts",
            "SELECT count(*) FROM tokens",
            "SELECT count(*) FROM evidence",
            "SELECT count(*) FROM reports",
            "SELECT count(*) FROM report_events",
            "SELECT count(*) FROM pending_records",
            "SELECT count(*) FROM pending_decisions",
        ]
        .iter()
        .map(|sql| count(sql).map(|n| n.to_string()))
        .collect::<Result<Vec<_>>>()?;
        Ok(format!(
            "{seq}:{hash}:{}:{}:{}:{}:{}",
            overview.persons,
            overview.organisations,
            overview.records,
            overview.voids,
            counts.join(":")
        ))
    }

    /// Ends a transaction a panicking caller left open, so the next write starts clean.
    pub fn abandon_open_transaction(&self) {
        if !self.connection.is_autocommit() {
            let _ = self.connection.execute_batch("ROLLBACK");
        }
    }

    /// Direct access for tests of tamper detection; not for application code.
    #[doc(hidden)]
    pub fn raw_connection_for_tests(&self) -> &Connection {
        &self.connection
    }

    /// Drops the cached summaries of subjects whose file changed and marks their
    /// list entries for recomputation.
    fn touched_subjects_invalidate(connection: &Connection, keys: &HashSet<i64>) -> Result<()> {
        let mut uncache = connection.prepare_cached("DELETE FROM assessment_cache WHERE subject = ?1")?;
        let mut dirty = connection.prepare_cached("INSERT OR IGNORE INTO dirty (subject) VALUES (?1)")?;
        for key in keys {
            uncache.execute([key])?;
            dirty.execute([key])?;
        }
        // A follower reloads everything past this many subjects anyway: one row says so.
        if keys.len() > changes::MAX_CHANGED_SUBJECTS {
            connection.prepare_cached("INSERT INTO changes (subject) VALUES (0)")?.execute([])?;
        } else {
            let mut change = connection.prepare_cached("INSERT INTO changes (subject) VALUES (?1)")?;
            for key in keys {
                change.execute([key])?;
            }
        }
        Ok(())
    }
}

/// Everything the ledger holds on one subject: records (with who recorded
/// them), voids and due-process events.
pub(crate) fn load_file(connection: &Connection, key: i64, id: SubjectId) -> Result<SubjectFile> {
    let active: i64 = connection.prepare_cached("SELECT MAX(seq) FROM rulebooks")?.query_row([], |row| row.get(0))?;
    load_file_under(connection, key, id, active)
}

/// The file as read under the rulebook version `rulebook_seq`: with the entries
/// it carried over from the version before, when there was one.
pub(crate) fn load_file_under(connection: &Connection, key: i64, id: SubjectId, rulebook_seq: i64) -> Result<SubjectFile> {
    let mut statement = connection.prepare_cached(
        "SELECT r.record_id, r.behaviour, r.occurred_on, r.source, r.evidence, v.reason, a.actor, r.recorded_day, v.recorded_day
         FROM records r LEFT JOIN voids v ON v.record_seq = r.seq LEFT JOIN audit a ON a.seq = r.audit_seq
         WHERE r.subject = ?1 ORDER BY r.seq",
    )?;
    let mut rows = statement.query([key])?;
    let mut file = SubjectFile::default();
    // A row that breaks the ledger's rules fails this subject's file with the
    // reason, never the caller's thread or process.
    let corrupt = |record_id: &str, what: String| StoreError::Corrupt(format!("subject {id}, record {record_id:?}: {what}"));
    while let Some(row) = rows.next()? {
        let record_id: String = row.get(0)?;
        let id_value = RecordId::parse(&record_id).map_err(|e| corrupt(&record_id, e.to_string()))?;
        let occurred_on = from_julian(row.get(2)?).map_err(|e| corrupt(&record_id, e.to_string()))?;
        let recorded_on = from_julian(row.get(7)?).map_err(|e| corrupt(&record_id, e.to_string()))?;
        if occurred_on > recorded_on || !(socred_core::date::MIN_DATE..=socred_core::date::MAX_DATE).contains(&recorded_on) {
            return Err(corrupt(
                &record_id,
                format!(
                    "occurred on {} but recorded on {}",
                    socred_core::date::format_date(occurred_on),
                    socred_core::date::format_date(recorded_on)
                ),
            ));
        }
        let void_reason: Option<String> = row.get(5)?;
        if let Some(reason) = void_reason {
            let void_day: i64 = row.get::<_, Option<i64>>(8)?.unwrap_or_default();
            let recorded_on = from_julian(void_day).map_err(|e| corrupt(&record_id, format!("void: {e}")))?;
            file.voids.push(Void { record_id: id_value.clone(), reason, recorded_on });
        }
        let by = row.get::<_, Option<String>>(6)?.unwrap_or_default();
        file.recorded.insert(id_value.clone(), Recording { on: recorded_on, by });
        file.records.push(Record {
            id: id_value,
            subject: id,
            behaviour: row.get(1)?,
            occurred_on,
            source: row.get(3)?,
            evidence: row.get(4)?,
        });
    }
    let reference: String = connection.prepare_cached("SELECT reference FROM subjects WHERE key = ?1")?.query_row([key], |row| row.get(0))?;
    file.reference = Some(
        SubjectReference::parse(&reference).map_err(|e| StoreError::Corrupt(format!("subject {id}, reference {reference:?}: {e}")))?,
    );
    let mut statement = connection.prepare_cached("SELECT seq, on_day, actor, body FROM events WHERE subject = ?1 ORDER BY seq")?;
    let mut rows = statement.query([key])?;
    while let Some(row) = rows.next()? {
        let seq: i64 = row.get(0)?;
        let body: String = row.get(3)?;
        let event = serde_json::from_str(&body).map_err(|e| StoreError::Corrupt(format!("subject {id}, event {seq}: {e}")))?;
        let on = from_julian(row.get(1)?).map_err(|e| StoreError::Corrupt(format!("subject {id}, event {seq}: {e}")))?;
        file.events.push(socred_core::process::StoredEvent { seq: seq as u64, on, actor: row.get(2)?, event });
    }
    if rulebook_seq > 1 {
        let since: i64 =
            connection.prepare_cached("SELECT recorded_day FROM rulebooks WHERE seq = ?1")?.query_row([rulebook_seq], |row| row.get(0))?;
        let since = from_julian(since)?;
        let mut statement = connection.prepare_cached("SELECT entry_id FROM rulebook_entries WHERE rulebook_seq = ?1 AND subject = ?2")?;
        let mut entries = HashSet::new();
        for entry in statement.query_map(params![rulebook_seq, key], |row| row.get::<_, String>(0))? {
            let entry = entry?;
            entries.insert(
                socred_core::process::EntryId::parse(&entry)
                    .map_err(|e| StoreError::Corrupt(format!("subject {id}, carried-over entry {entry:?}: {e}")))?,
            );
        }
        file.carried_over = Some(socred_core::record::CarriedOver { since, entries });
    }
    Ok(file)
}

/// The store's secret, which keys the ids that people other than a subject see.
pub(crate) fn store_secret(connection: &Connection) -> Result<String> {
    connection
        .prepare_cached("SELECT value FROM meta WHERE key = 'secret'")?
        .query_row([], |row| row.get(0))
        .optional()?
        .ok_or_else(|| StoreError::Corrupt("the store has no secret (meta key 'secret')".into()))
}

/// Checks what can be checked without the database.
pub(crate) fn check_new_subject(subject: &NewSubject) -> Result<()> {
    check_text(&subject.name, MAX_NAME_CHARS).map_err(|e| StoreError::invalid("name", e.to_string()))?;
    let links = subject.guardians.len() + subject.represents.len();
    if links > MAX_LINKS_PER_CALL {
        return Err(StoreError::TooLarge { count: links, limit: MAX_LINKS_PER_CALL });
    }
    if subject.id.kind() == SubjectKind::Organisation && links > 0 {
        return Err(StoreError::invalid(
            if subject.guardians.is_empty() { "represents" } else { "guardian" },
            "only a person can have guardians or represent an organisation",
        ));
    }
    Ok(())
}

/// Inserts a subject and its links inside the caller's transaction.
/// Returns the outcome and the subject's key.
/// `secret` is the store's (see [`store_secret`]): it keys the new subject's reference.
pub(crate) fn write_subject(
    connection: &Connection,
    seq: i64,
    secret: &str,
    subject: &NewSubject,
    recorded: Moment,
    digest: &mut audit::RowDigest,
) -> Result<(SubjectOutcome, i64)> {
    let existing: Option<(i64, String)> = connection
        .prepare_cached("SELECT key, name FROM subjects WHERE id = ?1")?
        .query_row([subject.id.as_str()], |row| Ok((row.get(0)?, row.get(1)?)))
        .optional()?;
    let (key, registered) = match existing {
        Some((_, name)) if name != subject.name => {
            return Err(StoreError::Conflict(format!("subject {} is already registered under another name", subject.id)));
        }
        Some((key, _)) => (key, false),
        None => {
            let reference = SubjectReference::keyed(secret.as_bytes(), &subject.id);
            connection
                .prepare_cached(
                    "INSERT INTO subjects (id, kind, name, recorded_ms, recorded_day, audit_seq, reference)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                )?
                .execute(params![
                    subject.id.as_str(),
                    subject.id.kind().as_str(),
                    subject.name,
                    recorded.unix_ms,
                    julian(recorded.day),
                    seq,
                    reference.as_str()
                ])?;
            let number = connection.last_insert_rowid();
            digest.add(&audit::LedgerRow::Subject {
                number,
                id: subject.id,
                kind: subject.id.kind().as_str().to_string(),
                name: subject.name.clone(),
                reference: reference.as_str().to_string(),
                recorded_ms: recorded.unix_ms,
                recorded_on: recorded.day,
            });
            (number, true)
        }
    };
    if registered {
        // A new subject enters the derived tables (and the server's index).
        mark_changed(connection, key)?;
    }
    let mut links_added = 0;
    for (field, others, wanted) in
        [("guardian", &subject.guardians, SubjectKind::Person), ("represents", &subject.represents, SubjectKind::Organisation)]
    {
        for other in others {
            if *other == subject.id {
                return Err(StoreError::invalid(field, "a subject cannot be linked to itself"));
            }
            if other.kind() != wanted {
                return Err(StoreError::invalid(field, format!("{other} is not a {}", wanted.as_str())));
            }
            let other_key: i64 = connection
                .prepare_cached("SELECT key FROM subjects WHERE id = ?1")?
                .query_row([other.as_str()], |row| row.get(0))
                .optional()?
                .ok_or_else(|| StoreError::invalid(field, format!("subject {other} is not registered")))?;
            let added = connection
                .prepare_cached(
                    "INSERT INTO links (subject, kind, other, recorded_ms, recorded_day, audit_seq) VALUES (?1, ?2, ?3, ?4, ?5, ?6)
                     ON CONFLICT DO NOTHING",
                )?
                .execute(params![key, field, other_key, recorded.unix_ms, julian(recorded.day), seq])?;
            if added == 1 {
                digest.add(&audit::LedgerRow::Link {
                    subject: subject.id,
                    kind: field.to_string(),
                    other: *other,
                    recorded_ms: recorded.unix_ms,
                    recorded_on: recorded.day,
                });
                links_added += 1;
                // A link changes the decisions of both ends.
                mark_changed(connection, key)?;
                mark_changed(connection, other_key)?;
            }
        }
    }
    let outcome = if registered { SubjectOutcome::Registered } else { SubjectOutcome::AlreadyRegistered { links_added } };
    Ok((outcome, key))
}

fn insert_rulebook(
    connection: &Connection,
    rulebook: &Rulebook,
    (source, file): (&str, &str),
    recorded: Moment,
    seq: i64,
    digest: &mut audit::RowDigest,
) -> Result<()> {
    connection.execute(
        "INSERT INTO rulebooks (id, version, fingerprint, source, file, recorded_ms, recorded_day, audit_seq)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        params![rulebook.id, rulebook.version, rulebook.fingerprint, source, file, recorded.unix_ms, julian(recorded.day), seq],
    )?;
    digest.add(&audit::LedgerRow::Rulebook {
        fingerprint: rulebook.fingerprint.clone(),
        recorded_ms: recorded.unix_ms,
        recorded_on: recorded.day,
    });
    Ok(())
}

fn load_active_rulebook(connection: &Connection) -> Result<(Rulebook, i64)> {
    let (source, file, fingerprint, seq): (String, String, String, i64) =
        connection.query_row("SELECT source, file, fingerprint, seq FROM rulebooks ORDER BY seq DESC LIMIT 1", [], |row| {
            Ok((row.get(0)?, row.get(1)?, row.get(2)?, row.get(3)?))
        })?;
    let rulebook = Rulebook::from_toml(&source, &file)?;
    if rulebook.fingerprint != fingerprint {
        return Err(StoreError::Corrupt("the stored rulebook does not match its fingerprint".into()));
    }
    Ok((rulebook, seq))
}

/// Voids the record at `record_seq` under audit entry `audit_seq`, and adds the
/// void to that entry's digest: every void (by an officer, by an upheld
/// dispute, of a reward with its record) is stored and chained the same way.
pub(crate) fn insert_void(
    connection: &Connection,
    digest: &mut audit::RowDigest,
    record_seq: i64,
    record_id: &str,
    reason: &str,
    recorded: Moment,
    audit_seq: i64,
) -> Result<()> {
    connection
        .prepare_cached("INSERT INTO voids (record_seq, reason, recorded_ms, recorded_day, audit_seq) VALUES (?1, ?2, ?3, ?4, ?5)")?
        .execute(params![record_seq, reason, recorded.unix_ms, julian(recorded.day), audit_seq])?;
    digest.add(&audit::LedgerRow::Void {
        record_id: record_id.to_string(),
        reason: reason.to_string(),
        recorded_ms: recorded.unix_ms,
        recorded_on: recorded.day,
    });
    Ok(())
}

/// Commits the open transaction. A commit that fails (a full disk, I/O, busy)
/// may leave the transaction open; it is rolled back, so the connection's next
/// write starts clean instead of failing for good.
pub(crate) fn commit(connection: &Connection) -> Result<()> {
    match connection.execute_batch("COMMIT") {
        Ok(()) => Ok(()),
        Err(error) => {
            if !connection.is_autocommit() {
                let _ = connection.execute_batch("ROLLBACK");
            }
            Err(error.into())
        }
    }
}

/// Marks a subject whose file changed: its list entries are recomputed, and
/// every process following the change feed (a server beside this one) reloads it.
pub(crate) fn mark_changed(connection: &Connection, key: i64) -> Result<()> {
    connection.prepare_cached("INSERT OR IGNORE INTO dirty (subject) VALUES (?1)")?.execute([key])?;
    connection.prepare_cached("INSERT INTO changes (subject) VALUES (?1)")?.execute([key])?;
    Ok(())
}

fn load_time_settings(connection: &Connection) -> Result<TimeSettings> {
    let meta = |key: &str| -> Result<Option<String>> {
        Ok(connection.query_row("SELECT value FROM meta WHERE key = ?1", [key], |row| row.get(0)).optional()?)
    };
    let dating = meta("dating")?
        .as_deref()
        .and_then(Dating::parse)
        .ok_or_else(|| StoreError::Corrupt("meta `dating` is missing or unknown".into()))?;
    let utc_offset = meta("utc_offset")?
        .as_deref()
        .and_then(parse_offset)
        .ok_or_else(|| StoreError::Corrupt("meta `utc_offset` is missing or unknown".into()))?;
    Ok(TimeSettings { dating, utc_offset })
}
