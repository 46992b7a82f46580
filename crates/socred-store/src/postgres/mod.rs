//! The PostgreSQL backend: the same ledger and the same log as the embedded
//! store, on a server database that several socred processes share, laid
//! out to be sharded by subject (migrations/postgres, docs/scaling.md).
//!
//! A store is named by its URL (`postgres://user@host:port/dbname`). Writes
//! take the log's write lock by holding its head row `FOR UPDATE` for the
//! transaction: whichever process writes, entries get consecutive numbers and
//! one Merkle tree. Commits are durable: the store refuses to open on a
//! server whose `synchronous_commit` or `fsync` is off.

mod accounts;
mod changes;
mod checks;
mod due_process;
mod entries;
mod export;
mod hot;
mod known;
mod ledger;
mod log;
mod proof;
mod reads;
mod partitions;
mod partners;
mod reports;
mod restore;
mod rows;
mod rulebooks;
mod sign_in;
mod tls;

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use r2d2_postgres::PostgresConnectionManager;
use socred_core::Rulebook;
use socred_core::date::Moment;

use crate::audit::{EntryFields, LedgerRow, RowDigest};
use crate::clock::{Clock, Dating, TimeSettings, format_offset, parse_offset};
use crate::error::{DatabaseError, Result, StorageCondition, StoreError};
use crate::{Actor, LOG_FORMAT};

pub use changes::{CHANGES_CHANNEL, ChangeListener, Changed};
pub use known::PgKnownOn;
pub use ledger::{ImportBatch, PgImport};
pub use tls::TlsMode;

/// The schema, as versioned migrations (`migrations/postgres/V<n>__<name>.sql`).
mod migrations {
    refinery::embed_migrations!("migrations/postgres");
}

/// Connections the pool keeps at most (the server's requests and its followers).
pub const MAX_POOL_CONNECTIONS: u32 = 16;
/// How long a write waits for the log's write lock before it fails.
pub const LOCK_WAIT: Duration = Duration::from_secs(120);
/// How long a request waits for a connection before it fails.
const POOL_WAIT: Duration = Duration::from_secs(10);

type Pool = r2d2::Pool<Manager>;
pub(crate) type Connection = r2d2::PooledConnection<Manager>;

/// A pooled client and the statements it has prepared: a hot query is
/// parsed and planned once a connection (its generic plan prunes the
/// partitions at run time), not once a call.
pub(crate) struct PgConnection {
    client: postgres::Client,
    statements: std::collections::HashMap<&'static str, postgres::Statement>,
}

impl PgConnection {
    pub fn prepared(&mut self, sql: &'static str) -> Result<postgres::Statement> {
        if let Some(statement) = self.statements.get(sql) {
            return Ok(statement.clone());
        }
        let statement = self.client.prepare(sql)?;
        self.statements.insert(sql, statement.clone());
        Ok(statement)
    }
}

impl std::ops::Deref for PgConnection {
    type Target = postgres::Client;
    fn deref(&self) -> &postgres::Client {
        &self.client
    }
}

impl std::ops::DerefMut for PgConnection {
    fn deref_mut(&mut self) -> &mut postgres::Client {
        &mut self.client
    }
}

pub(crate) struct Manager(PostgresConnectionManager<tokio_postgres_rustls::MakeRustlsConnect>);

impl r2d2::ManageConnection for Manager {
    type Connection = PgConnection;
    type Error = postgres::Error;

    fn connect(&self) -> std::result::Result<PgConnection, postgres::Error> {
        let mut client = self.0.connect()?;
        // A write waits for the log's write lock (held by one transaction at a
        // time, an import's for as long as it runs) at most this long, then fails
        // with the reason instead of holding a connection for ever.
        client.batch_execute(&format!("SET lock_timeout = '{}s'", LOCK_WAIT.as_secs()))?;
        Ok(PgConnection { client, statements: Default::default() })
    }

    fn is_valid(&self, connection: &mut PgConnection) -> std::result::Result<(), postgres::Error> {
        self.0.is_valid(&mut connection.client)
    }

    fn has_broken(&self, connection: &mut PgConnection) -> bool {
        self.0.has_broken(&mut connection.client)
    }
}

/// True when `text` names a PostgreSQL store rather than an SQLite file.
pub fn is_postgres_url(text: &str) -> bool {
    text.starts_with("postgres://") || text.starts_with("postgresql://")
}

/// The URL without its password, as messages and logs name the store.
pub fn display_url(url: &str) -> String {
    // Rebuilt from what the driver reads, so no spelling of a password
    // (in the user part, `?password=`, percent-encoded) can pass through.
    // A URL whose TLS parameters are refused is still named, without them.
    let (driver_url, mode) = match tls::split(url) {
        Ok(split) => (split.driver_url, split.mode),
        Err(_) => (url[..tls::query_start(url).unwrap_or(url.len())].to_string(), TlsMode::Disable),
    };
    let Ok(config) = driver_url.parse::<postgres::Config>() else {
        return "a PostgreSQL URL that does not parse".to_string();
    };
    let scheme = if url.starts_with("postgresql://") { "postgresql" } else { "postgres" };
    let user = config.get_user().map(|user| format!("{user}@")).unwrap_or_default();
    let ports = config.get_ports();
    let hosts: Vec<String> = config
        .get_hosts()
        .iter()
        .enumerate()
        .map(|(index, host)| {
            let host = match host {
                postgres::config::Host::Tcp(name) => name.clone(),
                #[cfg(unix)]
                postgres::config::Host::Unix(path) => path.display().to_string(),
            };
            match ports.get(index).or(ports.first()) {
                Some(port) => format!("{host}:{port}"),
                None => host,
            }
        })
        .collect();
    let encrypted = if mode == TlsMode::VerifyFull { "?sslmode=verify-full" } else { "" };
    format!("{scheme}://{user}{}/{}{encrypted}", hosts.join(","), config.get_dbname().unwrap_or_default())
}

/// The database a URL names (for the default key file's name).
pub fn database_name(url: &str) -> Option<String> {
    let split = tls::split(url).ok()?;
    split.driver_url.parse::<postgres::Config>().ok().and_then(|config| config.get_dbname().map(str::to_string))
}

impl From<postgres::Error> for StoreError {
    fn from(error: postgres::Error) -> StoreError {
        if error.to_string().starts_with("invalid configuration") {
            return StoreError::invalid("db", error.to_string());
        }
        let condition = match error.code() {
            Some(code) if *code == postgres::error::SqlState::DISK_FULL => Some(StorageCondition::DiskFull),
            Some(code) if *code == postgres::error::SqlState::READ_ONLY_SQL_TRANSACTION => Some(StorageCondition::ReadOnly),
            Some(_) => None,
            None if error.is_closed() || error.to_string().contains("connect") => Some(StorageCondition::CannotOpen),
            None => None,
        };
        StoreError::Database(DatabaseError::described(message(&error), error, condition))
    }
}

/// The server's message (and its detail), or the client's error with its cause.
fn message(error: &postgres::Error) -> String {
    match error.as_db_error() {
        Some(db) => match db.detail() {
            Some(detail) => format!("{}: {} ({detail})", db.severity(), db.message()),
            None => format!("{}: {}", db.severity(), db.message()),
        },
        None => match std::error::Error::source(error) {
            Some(source) => format!("{error}: {source}"),
            None => error.to_string(),
        },
    }
}

impl From<r2d2::Error> for StoreError {
    fn from(error: r2d2::Error) -> StoreError {
        StoreError::Database(DatabaseError::new(error, Some(StorageCondition::CannotOpen)))
    }
}

/// A socred store on PostgreSQL. A clone shares the pools: handles for
/// several threads of one server are clones.
#[derive(Clone)]
pub struct PgStore {
    pool: Pool,
    /// A hot standby that file reads go to (`--read-db`), when there is one.
    reader: Option<Pool>,
    /// For connections outside the pool (a listener on the change feed).
    target: tls::Target,
    url: String,
    clock: Clock,
    origin: String,
    rulebook: Arc<Rulebook>,
    rulebook_seq: i64,
    /// The newest version any clone of this handle has loaded (`rulebooks.rs`):
    /// a server's follower loads a new one, its requests' clones take it.
    shared: Arc<std::sync::Mutex<(Arc<Rulebook>, i64)>>,
}

impl std::fmt::Debug for PgStore {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter.debug_struct("PgStore").field("url", &self.url).field("origin", &self.origin).finish()
    }
}

fn connect(url: &str) -> Result<(Pool, tls::Target)> {
    let target = tls::target(url).map_err(|reason| StoreError::invalid("db", format!("{}: {reason}", display_url(url))))?;
    let config = &target.config;
    if config.get_dbname().is_none_or(str::is_empty) {
        return Err(StoreError::invalid(
            "db",
            format!("{}: name the database in the URL (postgres://user@host:port/database)", display_url(url)),
        ));
    }
    if config.get_hosts().is_empty() {
        return Err(StoreError::invalid(
            "db",
            format!("{}: name the server in the URL (postgres://user@host:port/database)", display_url(url)),
        ));
    }
    // One connection first, so that a wrong address, user or database is
    // named by the server's own message rather than a pool's time-out.
    let probe = config
        .connect(target.connector.clone())
        .map_err(|error| StoreError::Database(DatabaseError::described(message(&error), error, Some(StorageCondition::CannotOpen))))?;
    drop(probe);
    let manager = Manager(PostgresConnectionManager::new(config.clone(), target.connector.clone()));
    // No round trip to test a connection on each checkout: a broken one is
    // dropped when it is returned, and its error reaches the caller.
    let pool = r2d2::Pool::builder()
        .max_size(MAX_POOL_CONNECTIONS)
        .min_idle(Some(1))
        .connection_timeout(POOL_WAIT)
        .test_on_check_out(false)
        .build_unchecked(manager);
    Ok((pool, target))
}

fn place(url: &str) -> PathBuf {
    PathBuf::from(display_url(url))
}

/// A store is made in a database of its own: one that holds a store already,
/// or any table at all, is refused before anything is written.
pub(crate) fn refuse_unless_empty(connection: &mut Connection, url: &str) -> Result<()> {
    let store: bool = connection.query_one("SELECT to_regclass('meta') IS NOT NULL", &[])?.get(0);
    if store {
        return Err(StoreError::AlreadyInitialised(place(url)));
    }
    let tables: i64 =
        connection.query_one("SELECT count(*) FROM pg_tables WHERE schemaname NOT IN ('pg_catalog', 'information_schema')", &[])?.get(0);
    if tables > 0 {
        return Err(StoreError::invalid(
            "db",
            format!("{} holds {tables} tables of its own; a store needs an empty database", display_url(url)),
        ));
    }
    Ok(())
}

/// The advisory lock under which an open applies migrations.
const MIGRATION_LOCK: i64 = 0x736f_6372_6d69;

/// The newest migration this build knows.
fn known_migration() -> i64 {
    migrations::migrations::runner().get_migrations().iter().map(|m| i64::from(m.version())).max().unwrap_or(0)
}

fn durable(connection: &mut Connection) -> Result<()> {
    for setting in ["synchronous_commit", "fsync"] {
        let value: String = connection.query_one(&format!("SHOW {setting}"), &[])?.get(0);
        if value == "off" || value == "local" && setting == "fsync" {
            return Err(StoreError::invalid(
                "db",
                format!("the server runs with {setting} = {value}: an acknowledged write could be lost; turn it on"),
            ));
        }
    }
    Ok(())
}

impl PgStore {
    /// Creates a store in the (empty) database at `url`: applies the
    /// migrations and writes the first entry, `store.init`.
    pub fn create(
        url: &str,
        rulebook_source: &str,
        rulebook_file: &str,
        actor: &Actor,
        origin: &str,
        time: TimeSettings,
    ) -> Result<PgStore> {
        let rulebook = Rulebook::from_toml(rulebook_source, rulebook_file)?;
        let clock = Clock::new(time);
        clock.admit(actor.moment())?;
        let (pool, target) = connect(url)?;
        let mut connection = pool.get()?;
        durable(&mut connection)?;
        refuse_unless_empty(&mut connection, url)?;
        migrations::migrations::runner().run(&mut **connection).map_err(|e| StoreError::Migration(e.to_string()))?;
        let mut transaction = connection.transaction()?;
        let mut writer = log::Writer::lock(&mut transaction)?;
        let taken: i64 = transaction.query_one("SELECT count(*) FROM meta", &[])?.get(0);
        if taken > 0 || writer.seq() != 1 {
            return Err(StoreError::AlreadyInitialised(place(url)));
        }
        let secret = socred_auth::new_secret().map_err(|e| StoreError::Corrupt(format!("no randomness for the store's secret: {e}")))?;
        let offset = format_offset(time.utc_offset);
        for (key, value) in [
            ("log_format", LOG_FORMAT),
            ("origin", origin),
            ("created_at", &actor.at_text()),
            ("dating", time.dating.as_str()),
            ("utc_offset", &offset),
            ("secret", &secret),
        ] {
            transaction.execute("INSERT INTO meta (key, value) VALUES ($1, $2)", &[&key, &value])?;
        }
        let moment = actor.moment();
        let row = LedgerRow::Rulebook { fingerprint: rulebook.fingerprint.clone(), recorded_ms: moment.unix_ms, recorded_on: moment.day };
        let mut rows = EntryRows::new(writer.seq());
        rows::insert_rulebook(&mut transaction, &mut rows, &row, 1, &rulebook.id, &rulebook.version, rulebook_source, rulebook_file)?;
        let detail = serde_json::json!({"rulebook": rulebook.id, "version": rulebook.version, "origin": origin,
            "dating": time.dating.as_str(), "utc_offset": offset});
        writer.append(&mut transaction, actor, "store.init", None, &detail, rows)?;
        transaction.commit()?;
        drop(connection);
        Ok(PgStore {
            pool,
            reader: None,
            target,
            url: display_url(url),
            clock,
            origin: origin.to_string(),
            shared: Arc::new(std::sync::Mutex::new((Arc::new(rulebook.clone()), 1))),
            rulebook: Arc::new(rulebook),
            rulebook_seq: 1,
        })
    }

    /// Opens an existing store; never creates one. The schema must be at the
    /// migration this build knows.
    pub fn open(url: &str) -> Result<PgStore> {
        let (pool, target) = connect(url)?;
        let mut connection = pool.get()?;
        durable(&mut connection)?;
        let exists: bool = connection.query_one("SELECT to_regclass('meta') IS NOT NULL", &[])?.get(0);
        if !exists {
            return Err(StoreError::NotInitialised(place(url)));
        }
        let applied: i64 = connection
            .query_one("SELECT coalesce(max(version), 0)::bigint FROM refinery_schema_history", &[])
            .map_err(|_| StoreError::NotAStore(place(url)))?
            .get(0);
        let known = known_migration();
        if applied > known {
            return Err(StoreError::SchemaMismatch { path: place(url), found: applied, known, what: "a newer socred wrote it; use that version" });
        }
        let meta = |connection: &mut Connection, key: &str| -> Result<Option<String>> {
            Ok(connection.query_opt("SELECT value FROM meta WHERE key = $1", &[&key])?.map(|row| row.get(0)))
        };
        if meta(&mut connection, "log_format")?.as_deref() != Some(LOG_FORMAT) {
            return Err(StoreError::NotAStore(place(url)));
        }
        if applied < known {
            // Like the embedded store, an older schema is brought up to date
            // on open; servers starting together take turns (the runner skips
            // what another applied while this one waited). The lock is the
            // session's: it is given back whatever the migration's outcome.
            connection.batch_execute(&format!("SELECT pg_advisory_lock({MIGRATION_LOCK})"))?;
            let migrated = migrations::migrations::runner().run(&mut **connection).map_err(|e| StoreError::Migration(e.to_string()));
            let unlocked = connection.batch_execute(&format!("SELECT pg_advisory_unlock({MIGRATION_LOCK})"));
            migrated?;
            unlocked?;
        }
        // The baseline gained the derived tables while the backend was new:
        // a database made before lacks them; `export` and `import-store` carry it over.
        let derived: bool = connection.query_one("SELECT to_regclass('entries') IS NOT NULL", &[])?.get(0);
        if !derived {
            return Err(StoreError::SchemaMismatch {
                path: place(url),
                found: applied,
                known,
                what: "an earlier build made it without the derived tables; export it with that build and import-store it with this one",
            });
        }
        let origin = meta(&mut connection, "origin")?.ok_or_else(|| StoreError::Corrupt("meta `origin` is missing".into()))?;
        let dating = meta(&mut connection, "dating")?
            .as_deref()
            .and_then(Dating::parse)
            .ok_or_else(|| StoreError::Corrupt("meta `dating` is missing or unknown".into()))?;
        let utc_offset = meta(&mut connection, "utc_offset")?
            .as_deref()
            .and_then(parse_offset)
            .ok_or_else(|| StoreError::Corrupt("meta `utc_offset` is missing or unknown".into()))?;
        let (rulebook, rulebook_seq) = load_active_rulebook(&mut **connection)?;
        drop(connection);
        Ok(PgStore {
            pool,
            reader: None,
            target,
            url: display_url(url),
            clock: Clock::new(TimeSettings { dating, utc_offset }),
            origin,
            shared: Arc::new(std::sync::Mutex::new((Arc::new(rulebook.clone()), rulebook_seq))),
            rulebook: Arc::new(rulebook),
            rulebook_seq,
        })
    }

    /// The store as messages name it: its URL without a password.
    pub fn url(&self) -> &str {
        &self.url
    }

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

    pub fn rulebook(&self) -> &Arc<Rulebook> {
        &self.rulebook
    }

    pub fn origin(&self) -> &str {
        &self.origin
    }

    /// An actor named `name`, dated now by the store's clock.
    pub fn actor(&self, name: &str) -> Result<Actor> {
        Actor::new(name, self.clock.now())
    }

    pub(crate) fn connection(&self) -> Result<Connection> {
        Ok(self.pool.get()?)
    }

    /// A connection for reads that may lag the primary by the standby's
    /// replication delay: the standby's when there is one.
    pub(crate) fn read_connection(&self) -> Result<Connection> {
        Ok(self.reader.as_ref().unwrap_or(&self.pool).get()?)
    }

    /// This handle with every read on the primary: a read that decides who may
    /// see something (a consent in force) must not lag, so a withdrawal holds at once.
    pub fn on_primary(&self) -> PgStore {
        PgStore { reader: None, ..self.clone() }
    }

    /// Sends file reads (files, assessments, subjects) to the hot standby at
    /// `read_url` from now on. It must be a replica of this store: its origin
    /// must be this store's.
    pub fn read_from(&mut self, read_url: &str) -> Result<()> {
        let read_db = |error: StoreError| match error {
            StoreError::Database(error) => StoreError::invalid("read-db", format!("{}: {error}", display_url(read_url))),
            StoreError::Invalid { reason, .. } => StoreError::invalid("read-db", reason),
            other => other,
        };
        let (pool, _) = connect(read_url).map_err(read_db)?;
        let mut connection = pool.get().map_err(|e| read_db(e.into()))?;
        let standby: bool = connection.query_one("SELECT pg_is_in_recovery()", &[]).map_err(|e| read_db(e.into()))?.get(0);
        if !standby {
            // A copy that accepts writes may have diverged from the store: only a replica is read from.
            return Err(StoreError::invalid("read-db", format!("{} is not a hot standby (it accepts writes)", display_url(read_url))));
        }
        let origin: Option<String> = connection
            .query_opt("SELECT value FROM meta WHERE key = 'origin'", &[])
            .map_err(|_| StoreError::NotAStore(place(read_url)))?
            .map(|row| row.get(0));
        if origin.as_deref() != Some(self.origin.as_str()) {
            return Err(StoreError::invalid("read-db", format!("{} is not a replica of {}", display_url(read_url), self.url)));
        }
        drop(connection);
        self.reader = Some(pool);
        Ok(())
    }

    /// How far the standby's replay is behind the primary: bytes of WAL not
    /// yet replayed, and the age of the newest transaction it replayed
    /// (which grows while the primary is idle). None without a standby.
    pub fn replica_lag(&self) -> Result<Option<ReplicaLag>> {
        let Some(reader) = &self.reader else { return Ok(None) };
        let primary: String = self.connection()?.query_one("SELECT pg_current_wal_lsn()::text", &[])?.get(0);
        let row = reader.get()?.query_one(
            "SELECT pg_is_in_recovery(), coalesce(pg_wal_lsn_diff($1::text::pg_lsn, pg_last_wal_replay_lsn()), 0)::bigint,
                    coalesce(extract(epoch FROM now() - pg_last_xact_replay_timestamp()), 0)::float8",
            &[&primary],
        )?;
        Ok(Some(ReplicaLag { in_recovery: row.get(0), bytes: row.get::<_, i64>(1).max(0), seconds: row.get(2) }))
    }

    /// One write: the transaction, the log's write lock, the caller's rows
    /// and checks, one audit entry (when `body` names one), the commit.
    /// Nothing is written when `body` fails or names no entry.
    pub(crate) fn write<T>(
        &self,
        actor: &Actor,
        body: impl FnOnce(&mut postgres::Transaction<'_>, &mut EntryRows) -> Result<(T, Option<Entry>)>,
    ) -> Result<T> {
        self.clock.admit(actor.moment())?;
        let mut connection = self.connection()?;
        let mut transaction = connection.transaction()?;
        let mut writer = log::Writer::lock(&mut transaction)?;
        writer.refuse_if_stale(self.rulebook_seq)?;
        let mut rows = EntryRows::new(writer.seq());
        let (value, entry) = body(&mut transaction, &mut rows)?;
        let Some(entry) = entry else {
            // Nothing to write: the transaction ends without a commit.
            return Ok(value);
        };
        entries::refresh(self, &mut transaction, &rows)?;
        writer.append(&mut transaction, actor, &entry.action, entry.subject.as_deref(), &entry.detail, rows)?;
        transaction.commit()?;
        Ok(value)
    }
}

/// A standby's replication lag, as `/metrics` and the CLI report it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ReplicaLag {
    /// False when the read database is not a standby at all (a copy, or the primary itself).
    pub in_recovery: bool,
    pub bytes: i64,
    pub seconds: f64,
}

/// The audit entry a write appends.
pub(crate) struct Entry {
    pub action: String,
    pub subject: Option<String>,
    pub detail: serde_json::Value,
}

/// The rows one entry writes: its number, each row's place among them, and
/// the digest they make.
pub(crate) struct EntryRows {
    pub seq: i64,
    ordinal: i32,
    digest: RowDigest,
    /// The subjects whose files the rows change: the change feed's rows.
    touched: std::collections::HashSet<String>,
    /// More subjects changed than a follower reloads one by one: the feed
    /// says "everything" instead of naming them (and memory stays bounded).
    everything: bool,
}

impl EntryRows {
    fn new(seq: i64) -> EntryRows {
        EntryRows { seq, ordinal: 0, digest: RowDigest::default(), touched: Default::default(), everything: false }
    }

    /// Adds `row` to the digest; returns its ordinal.
    pub fn add(&mut self, row: &LedgerRow) -> i32 {
        if let Some(subject) = row.subject() {
            self.touch(subject.as_str());
        }
        if let LedgerRow::Link { other, .. } = row {
            // A link changes the decisions of both ends.
            self.touch(other.as_str());
        }
        self.digest.add(row);
        self.ordinal += 1;
        self.ordinal
    }

    /// A record, added to the digest without building a row.
    pub fn add_record(&mut self, record: &socred_core::record::Record, recorded: Moment) -> i32 {
        self.touch(record.subject.as_str());
        self.digest.record(record.id.as_str(), &record.content(), recorded);
        self.ordinal += 1;
        self.ordinal
    }

    /// Marks every subject's file changed (a new rulebook version): the feed says "everything".
    pub fn touch_everything(&mut self) {
        self.everything = true;
        self.touched = Default::default();
    }

    /// Marks a subject's file changed by a row that does not name it (a void).
    pub fn touch(&mut self, subject: &str) {
        if self.everything || self.touched.contains(subject) {
            return;
        }
        if self.touched.len() >= crate::changes::MAX_CHANGED_SUBJECTS {
            self.everything = true;
            self.touched = Default::default();
            return;
        }
        self.touched.insert(subject.to_string());
    }

    /// The one subject whose file the rows change, if there is exactly one.
    pub fn single_subject(&self) -> Option<&str> {
        match (self.everything, self.touched.len()) {
            (false, 1) => self.touched.iter().next().map(String::as_str),
            _ => None,
        }
    }

    pub fn rows(&self) -> u64 {
        self.digest.rows()
    }

    /// The entry's fields, and the subjects it changed (None: too many to name).
    fn finish(self, fields: impl FnOnce(String) -> EntryFields) -> (EntryFields, Option<std::collections::HashSet<String>>) {
        (fields(self.digest.finish()), (!self.everything).then_some(self.touched))
    }
}

fn load_active_rulebook(connection: &mut impl postgres::GenericClient) -> Result<(Rulebook, i64)> {
    let row = connection.query_one("SELECT source, file, fingerprint, seq FROM rulebooks ORDER BY seq DESC LIMIT 1", &[])?;
    let (source, file, fingerprint, seq): (String, String, String, i64) = (row.get(0), row.get(1), row.get(2), row.get(3));
    let rulebook = Rulebook::from_stored(&source, &file)?;
    if rulebook.fingerprint != fingerprint {
        return Err(StoreError::Corrupt("the stored rulebook does not match its fingerprint".into()));
    }
    Ok((rulebook, seq))
}

/// Fresh databases and replicated clusters for tests and benchmarks.
pub mod testing;

#[cfg(test)]
mod tests {
    use super::display_url;

    #[test]
    fn a_displayed_url_never_holds_a_password() {
        for (url, shown) in [
            ("postgres://u:secret@h:5432/db", "postgres://u@h:5432/db"),
            ("postgres://u@h:5432/db?password=secret&sslmode=disable", "postgres://u@h:5432/db"),
            ("postgres://u:pa?ss@h:5432/db", "postgres://u@h:5432/db"),
            ("postgres://u@h:5432/db?pass%77ord=secret", "postgres://u@h:5432/db"),
            // TLS asked for past a password with a `?`; and a refused mode still names the place, not the password.
            ("postgres://u:pa?ss@h:5432/db?sslmode=require", "postgres://u@h:5432/db?sslmode=verify-full"),
            ("postgres://admin:7654?x@h/db?a=1&sslmode=prefer", "postgres://admin@h:5432/db"),
        ] {
            assert_eq!(display_url(url), shown, "{url}");
            assert!(!display_url(url).contains("secret") && !display_url(url).contains("pa?ss") && !display_url(url).contains("7654"));
        }
        assert!(!display_url("postgres://u:secret@h:notaport/db").contains("secret"));
    }
}
