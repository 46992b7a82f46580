//! The embedded backend: the ledger in one SQLite file (rusqlite, bundled).
//!
//! One writer at a time (`BEGIN IMMEDIATE`), WAL, `synchronous = FULL`: a write
//! that returned Ok has reached the disk and survives `kill -9` and power loss.
//! Ledger rows are only ever inserted; every write appends a hash-chained audit
//! entry that covers the rows it wrote. Assessments are derived: a per-subject
//! summary is cached with the window of dates on which it holds.
//!
//! `Store` implements every trait of `backend.rs`. This module holds the
//! store itself (opening, migrations, the one-writer transaction, rulebook
//! versions); each submodule its side of one concern, beside the shared types
//! and rules the crate root's module of the same name keeps for both backends
//! (`accounts`, `checks`, `due_process`, `entries`, `partners`, …); `ledger.rs`
//! subjects, records, voids and files; `summaries.rs` the cached assessments.

mod accounts;
mod audit_log;
mod changes;
mod check_index;
mod checks;
pub(crate) mod conflicts;
mod decisions;
mod due_process;
mod entries;
mod export;
mod import;
pub use import::ImportSession;
mod known;
pub use known::KnownOn;
mod ledger;
mod log;
mod partners;
pub(crate) mod reports;
mod restore;
mod seals;
mod sign_in;
mod summaries;
mod verify;

pub(crate) use ledger::{insert_void, load_file, load_file_under, store_secret, write_subject};

use std::path::{Path, PathBuf};
use std::sync::Arc;

use rusqlite::{Connection, OpenFlags, OptionalExtension, params};
use socred_core::date::Moment;
use socred_core::{Date, Rulebook, SubjectId};

use crate::*;

/// The schema, as versioned migrations (`migrations/sqlite/V<n>__<name>.sql`).
/// SQLite's errors, as the embedded backend reports them.
impl From<rusqlite::Error> for StoreError {
    fn from(error: rusqlite::Error) -> StoreError {
        let condition = match error.sqlite_error_code() {
            Some(rusqlite::ErrorCode::ReadOnly) => Some(StorageCondition::ReadOnly),
            Some(rusqlite::ErrorCode::DiskFull) => Some(StorageCondition::DiskFull),
            Some(rusqlite::ErrorCode::CannotOpen) => Some(StorageCondition::CannotOpen),
            _ => None,
        };
        let foreign_file = error.sqlite_error_code() == Some(rusqlite::ErrorCode::NotADatabase);
        let mut database = DatabaseError::new(error, condition);
        database.foreign_file = foreign_file;
        StoreError::Database(database)
    }
}

mod migrations {
    refinery::embed_migrations!("migrations/sqlite");
}

/// The newest migration this build knows.
pub(crate) fn known_migration() -> i64 {
    migrations::migrations::runner().get_migrations().iter().map(|m| i64::from(m.version())).max().unwrap_or(0)
}

/// Applies the migrations a store lacks, each in its own transaction.
pub(crate) fn migrate(connection: &mut Connection) -> Result<()> {
    migrations::migrations::runner().run(connection).map_err(|e| StoreError::Migration(e.to_string()))?;
    Ok(())
}

/// The newest migration applied to a store (0: none).
pub(crate) fn applied_migration(connection: &mut Connection) -> Result<i64> {
    let history: i64 =
        connection.query_row("SELECT count(*) FROM sqlite_master WHERE name = 'refinery_schema_history'", [], |row| row.get(0))?;
    if history == 0 {
        return Ok(0);
    }
    Ok(connection.query_row("SELECT coalesce(max(version), 0) FROM refinery_schema_history", [], |row| row.get(0))?)
}
/// The embedded store.
pub struct Store {
    pub(crate) connection: Connection,
    pub(crate) path: PathBuf,
    pub(crate) clock: Clock,
    pub(crate) rulebook: Arc<Rulebook>,
    /// The `rulebooks.seq` of the active rulebook, to notice activations elsewhere.
    pub(crate) rulebook_seq: i64,
    pub(crate) rulebook_checked: Option<std::time::Instant>,
    /// Subjects whose files could not be read by a refresh (see `take_unreadable`).
    pub(crate) unreadable: Vec<(i64, String)>,
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

pub(crate) fn julian(date: Date) -> i64 {
    i64::from(date.to_julian_day())
}

pub(crate) fn from_julian(day: i64) -> Result<Date> {
    i32::try_from(day)
        .ok()
        .and_then(|day| Date::from_julian_day(day).ok())
        .ok_or_else(|| StoreError::Corrupt(format!("day number {day} is not a date")))
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
            let secret =
                socred_auth::new_secret().map_err(|e| StoreError::Corrupt(format!("no randomness for the store's secret: {e}")))?;
            connection.execute(
                "INSERT INTO meta (key, value) VALUES ('log_format', ?1), ('origin', ?2), ('created_at', ?3), ('dating', ?4), ('utc_offset', ?5),
                 ('secret', ?6)",
                params![LOG_FORMAT, origin, actor.at_text(), time.dating.as_str(), format_offset(time.utc_offset), secret],
            )?;
            let seq = audit_log::next_seq(&connection)?;
            let mut digest = audit::RowDigest::default();
            insert_rulebook(&connection, &rulebook, (rulebook_source, rulebook_file), actor.moment(), seq, &mut digest)?;
            audit_log::append(
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

    pub(crate) fn open_with(path: &Path, mode: OpenFlags) -> Result<Store> {
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
            return Err(StoreError::invalid_message("on", "input-foreign-clock", vec![]));
        }
        self.clock = clock;
        Ok(())
    }

    /// An actor acting now, by this store's clock.
    pub fn actor(&self, name: &str) -> Result<Actor> {
        Actor::new(name, self.clock.now())
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
    pub(crate) fn write<T>(&mut self, actor: &Actor, write: impl FnOnce(&Connection, i64) -> Result<T>) -> Result<T> {
        self.clock.admit(actor.moment())?;
        self.transaction(|connection| audit_log::next_seq(connection).and_then(|seq| write(connection, seq)))
    }

    /// Runs `write` in one IMMEDIATE transaction: derived tables, no act.
    pub(crate) fn transaction<T>(&mut self, write: impl FnOnce(&Connection) -> Result<T>) -> Result<T> {
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

    /// Replaces the active rulebook with a new version. Refused if records in
    /// the ledger use behaviours the new version does not declare. Cached
    /// assessments are dropped: they were made under the old version.
    pub fn activate_rulebook(&mut self, source: &str, file: &str, actor: &Actor) -> Result<Arc<Rulebook>> {
        self.activate_rulebook_with_impact(source, file, actor, serde_json::Value::Null, None)
    }

    /// [`Self::activate_rulebook`], with the impact assessment that preceded
    /// it (its digest and summary, or why it was skipped) on the audit entry.
    /// With `audit_size`, the log's size when the assessment began: any entry
    /// written since (the ledger may have changed) refuses the activation.
    pub fn activate_rulebook_with_impact(
        &mut self,
        source: &str,
        file: &str,
        actor: &Actor,
        impact: serde_json::Value,
        audit_size: Option<u64>,
    ) -> Result<Arc<Rulebook>> {
        let rulebook = Rulebook::from_toml(source, file)?;
        // The entries under the version in force, all current, are what the new version carries over.
        self.refresh_lists()?;
        let activated = self.write(actor, |connection, seq| {
            let current: String = connection.query_row("SELECT fingerprint FROM rulebooks ORDER BY seq DESC LIMIT 1", [], |r| r.get(0))?;
            if current == rulebook.fingerprint {
                return Ok(false);
            }
            if audit_size.is_some_and(|size| seq != size as i64 + 1) {
                return Err(StoreError::invalid_message("impact", CHANGED_SINCE_ASSESSMENT, vec![]));
            }
            let mut statement = connection.prepare("SELECT DISTINCT behaviour FROM records")?;
            let used: Vec<String> = statement.query_map([], |row| row.get(0))?.collect::<Result<_, _>>()?;
            let missing: Vec<String> =
                used.iter().filter(|code| rulebook.behaviour(code).is_none()).map(|code| format!("{code:?}")).collect();
            if !missing.is_empty() {
                return Err(StoreError::behaviours_in_use(&missing, &rulebook));
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
            audit_log::append(
                connection,
                seq,
                &actor.at_text(),
                actor.name(),
                "rulebook.activate",
                None,
                &crate::activation_detail(&rulebook, impact),
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
}

pub(crate) fn insert_rulebook(
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

pub(crate) fn load_active_rulebook(connection: &Connection) -> Result<(Rulebook, i64)> {
    let (source, file, fingerprint, seq): (String, String, String, i64) =
        connection.query_row("SELECT source, file, fingerprint, seq FROM rulebooks ORDER BY seq DESC LIMIT 1", [], |row| {
            Ok((row.get(0)?, row.get(1)?, row.get(2)?, row.get(3)?))
        })?;
    let rulebook = Rulebook::from_stored(&source, &file)?;
    if rulebook.fingerprint != fingerprint {
        return Err(StoreError::Corrupt("the stored rulebook does not match its fingerprint".into()));
    }
    Ok((rulebook, seq))
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

pub(crate) fn load_time_settings(connection: &Connection) -> Result<TimeSettings> {
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
