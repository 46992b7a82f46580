//! The store behind the server: a pool of read connections and one writer
//! thread. SQLite allows one writer at a time, so every write goes through a
//! bounded queue to a single thread; reads of file accesses (which must be
//! logged) are committed in groups, many to one fsync.
//!
//! On PostgreSQL (`postgres.rs`) the same `Db` serves every route: handlers
//! reach the store through the backend traits (`ledger_write`, `reading`,
//! `account_by_token`, `decide`, …). `read` and `write`, which hand a
//! handler the SQLite `Store` itself, are left for what only the embedded
//! store has (its tests' fault injection) and answer 501 on PostgreSQL.

pub mod postgres;

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;

use std::sync::atomic::{AtomicBool, AtomicI64, AtomicU64, Ordering};

use socred_auth::Account;
use socred_core::decide::Decision;
use socred_store::backend::{
    AccountStore, BatchStore, CheckStore, DueProcessStore, FileReads, LedgerStore, PartnerStore, ProofStore, ReportStore, SignInStore,
};
use socred_store::{AccessRequest, CheckRecord, Clock, PackedChecks, PgStore, Store, StoreError};

use crate::hot::HotIndex;
use tokio::sync::{Semaphore, mpsc, oneshot};

use crate::error::ApiError;

/// Connections of the PostgreSQL pool that requests may hold at once; the
/// rest are kept for the check writer, the follower and `/metrics`.
const POSTGRES_REQUEST_CONNECTIONS: usize = socred_store::postgres::MAX_POOL_CONNECTIONS as usize - 4;

/// Jobs waiting for the writer; senders wait (backpressure) beyond this.
pub const WRITE_QUEUE: usize = 4096;
/// Access-log rows committed in one transaction at most.
pub const ACCESS_GROUP: usize = 2048;
/// Check logs are held by the writer until this many are waiting, or the
/// next tick, or a read of a file asks for them: one commit per group, not
/// per check, is what lets the log keep up with the check API.
pub const CHECK_GROUP: usize = 8192;
/// How often the writer is woken to commit held check logs.
pub const TICK_MS: u64 = 20;
/// The check index is brought up to date at most this often when the log
/// grows slowly, and on every tick while this many checks are not indexed
/// yet (readers decode that tail: it bounds the work of reading a file).
/// Each step indexes about INDEX_STEP checks, so the writer is never busy
/// long enough to stall the check API behind a full queue.
const INDEX_EVERY_MS: u128 = 1000;
const INDEX_TAIL: i64 = 20_000;
const INDEX_STEP: u32 = 8192;

type WriteFn = Box<dyn FnOnce(&mut Store) + Send>;

enum Job {
    Write(WriteFn),
    Access(AccessRequest, oneshot::Sender<Result<(), StoreError>>),
    /// Check logs: acknowledged before they are durable (see `log_checks`).
    Checks(PackedChecks),
    /// Commit held check logs, then answer (a read of a file must see them).
    FlushChecks(oneshot::Sender<()>),
    /// Time passed: commit held check logs, maybe index them.
    Tick,
}

/// Check logs waiting for the writer. Handlers append here under a short
/// lock instead of sending each log through the writer's queue: a check then
/// costs no channel send and no wake-up of the writer thread, which drains
/// the buffer on its ticks. The buffer has one slot per thread (`shard.rs`),
/// so handlers on different cores never contend for one lock. `closed` is
/// set by the writer's last drain, so a log can never be left behind after it.
#[derive(Default)]
struct CheckBuffer {
    shards: [crossbeam_utils::CachePadded<Mutex<CheckShard>>; crate::shard::SHARDS],
    health: Arc<CheckLogHealth>,
}

/// Whether the check log is being written, and how long checks wait for it.
/// While a commit of the log fails (a full disk, a lock held elsewhere), the
/// writer keeps the checks it holds and retries every tick, and no further
/// check is answered: a provider is told 503 rather than a decision nobody logged.
#[derive(Default)]
pub struct CheckLogHealth {
    failing: AtomicBool,
    /// Commits of the log that failed since the server started.
    pub failed_commits: AtomicU64,
    /// Checks answered and held, waiting for a commit that failed.
    pub held: AtomicU64,
    /// The longest a check waited from its answer to its commit, in milliseconds.
    pub delay_ms_max: AtomicI64,
}

impl CheckLogHealth {
    pub fn failing(&self) -> bool {
        self.failing.load(Ordering::Acquire)
    }
}

#[derive(Default)]
struct CheckShard {
    checks: PackedChecks,
    closed: bool,
}

/// Logs buffered in one slot beyond this go through the queue instead, so a
/// stalled writer slows checks down rather than growing memory (at most
/// SHARDS × CHECK_SHARD_MAX = 524,288 logs, about 32 MiB, wait in the
/// buffer). A slot holds more than a second of one core's checks, longer
/// than the writer's longest turn (merging index runs, ≈ 0.25 s), so checks
/// do not queue behind a merge.
const CHECK_SHARD_MAX: usize = 4 * CHECK_GROUP;

/// What a handler may ask of either backend: the ledger, due process,
/// accounts and tokens, signing in, public reports, partner feeds. A write
/// gets it mutably (`ledger_write`), a read shared (`reading`).
pub trait Writes:
    LedgerStore + DueProcessStore + AccountStore + SignInStore + FileReads + CheckStore + BatchStore + ProofStore + ReportStore + PartnerStore
{
}

impl<
    T: LedgerStore
        + DueProcessStore
        + AccountStore
        + SignInStore
        + FileReads
        + CheckStore
        + BatchStore
        + ProofStore
        + ReportStore
        + PartnerStore,
> Writes for T
{
}

/// The database a server stands on.
pub enum Backend {
    Sqlite,
    Postgres { store: Box<PgStore>, follower: Arc<postgres::Follower>, thread: Mutex<Option<JoinHandle<()>>> },
}

pub struct Db {
    path: PathBuf,
    backend: Backend,
    clock: Clock,
    check_buffer: Arc<CheckBuffer>,
    pub hot: Arc<HotIndex>,
    readers: Mutex<Vec<Store>>,
    /// One permit per pooled reader. A permit is moved into the blocking
    /// task that uses the reader, so it is released only once the reader is
    /// back in the pool, even when the request that asked is cancelled.
    reader_permits: Arc<Semaphore>,
    writer: Mutex<Option<mpsc::Sender<Job>>>,
    writer_thread: Mutex<Option<JoinHandle<()>>>,
}

/// Takes the buffered logs. A lock is held only to swap buffers, never to
/// copy logs: handlers append under the same lock. `capacities` remembers
/// how many checks each slot held, so the buffer left in its place rarely grows.
fn drain(buffer: &CheckBuffer, into: &mut PackedChecks, capacities: &mut [usize; crate::shard::SHARDS], close: bool) {
    for (shard, capacity) in buffer.shards.iter().zip(capacities.iter_mut()) {
        let mut taken = PackedChecks::default();
        {
            let mut shard = shard.lock().expect("check buffer lock");
            shard.closed |= close;
            if shard.checks.is_empty() {
                continue;
            }
            std::mem::swap(&mut taken, &mut shard.checks);
            // An empty buffer with room for as many again: allocated under the
            // lock, but only for a slot that was used.
            shard.checks = PackedChecks::with_capacity(*capacity);
        }
        *capacity = taken.len().clamp(16, CHECK_SHARD_MAX);
        into.append(&mut taken);
    }
}

/// Waits for a job, then takes what else is queued, up to ACCESS_GROUP, so
/// that one commit serves them all. False once the queue is closed.
fn next_jobs(jobs: &mut mpsc::Receiver<Job>, pending: &mut Vec<Job>) -> bool {
    let Some(first) = jobs.blocking_recv() else { return false };
    pending.push(first);
    while pending.len() < ACCESS_GROUP {
        match jobs.try_recv() {
            Ok(job) => pending.push(job),
            Err(_) => break,
        }
    }
    true
}

fn writer_loop(mut store: Store, mut jobs: mpsc::Receiver<Job>, buffer: Arc<CheckBuffer>, hot: Arc<HotIndex>, mut follower: Follower) {
    let health = Arc::clone(&buffer.health);
    let mut capacities = [16usize; crate::shard::SHARDS];
    let mut pending: Vec<Job> = Vec::with_capacity(ACCESS_GROUP);
    // Held across cycles until CHECK_GROUP, a tick, a flush or a write.
    let mut checks = PackedChecks::with_capacity(CHECK_GROUP);
    let mut last_indexed = std::time::Instant::now();
    while next_jobs(&mut jobs, &mut pending) {
        let mut accesses: Vec<(AccessRequest, oneshot::Sender<Result<(), StoreError>>)> = Vec::new();
        let mut flushed: Vec<oneshot::Sender<()>> = Vec::new();
        let mut tick = false;
        for job in pending.drain(..) {
            match job {
                Job::Access(request, reply) => accesses.push((request, reply)),
                Job::Checks(mut logs) => checks.append(&mut logs),
                Job::FlushChecks(reply) => flushed.push(reply),
                Job::Tick => tick = true,
                Job::Write(write) => {
                    flush_accesses(&store, &mut accesses);
                    if !health.failing() {
                        drain(&buffer, &mut checks, &mut capacities, false);
                    }
                    flush_checks(&|checks| store.log_packed_checks(checks), store.clock(), &mut checks, &health);
                    // A bug in one write fails that write, never the writer.
                    if std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| write(&mut store))).is_err() {
                        tracing::error!("a write panicked; its transaction was rolled back");
                        store.abandon_open_transaction();
                    }
                }
            }
        }
        flush_accesses(&store, &mut accesses);
        if tick || !flushed.is_empty() || checks.len() >= CHECK_GROUP {
            // A flush request was sent after its caller's checks were buffered.
            // While commits fail, the writer retries what it holds and takes no more.
            if !health.failing() {
                drain(&buffer, &mut checks, &mut capacities, false);
            }
            if flush_checks(&|checks| store.log_packed_checks(checks), store.clock(), &mut checks, &health) {
                for reply in flushed {
                    let _ = reply.send(());
                }
            }
        }
        if tick {
            follower.follow(&mut store, &hot);
            index_checks(&store, &mut last_indexed);
        }
    }
    drain(&buffer, &mut checks, &mut capacities, true);
    // The last chance to keep what was answered: a few tries, then say what is lost.
    for _ in 0..50 {
        if flush_checks(&|checks| store.log_packed_checks(checks), store.clock(), &mut checks, &health) {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(TICK_MS));
    }
    if !checks.is_empty() {
        tracing::error!(rows = checks.len(), "checks answered before shutdown could not be logged");
    }
    tracing::info!("writer drained its queue and stopped");
}

/// Follows the ledger as other processes write it (a CLI command, an import,
/// another server): when SQLite says another connection committed, the
/// subjects in the change feed are recomputed and reloaded into the index.
/// Polled every tick, so another process's write reaches check answers
/// within TICK_MS plus the time to recompute those subjects.
pub struct Follower {
    data_version: i64,
    cursor: i64,
    prune_countdown: u32,
}

/// The feed is pruned once in this many ticks (about every 20 s).
const PRUNE_EVERY: u32 = 1000;

impl Follower {
    fn start(store: &Store) -> Result<Follower, StoreError> {
        Ok(Follower { data_version: store.data_version()?, cursor: store.change_cursor()?, prune_countdown: PRUNE_EVERY })
    }

    fn follow(&mut self, store: &mut Store, hot: &HotIndex) {
        if let Err(error) = self.try_follow(store, hot) {
            // Nothing was marked as seen: the next tick tries the same changes again.
            tracing::error!(%error, "could not follow the ledger's changes; retrying");
        }
        self.prune_countdown -= 1;
        if self.prune_countdown == 0 {
            self.prune_countdown = PRUNE_EVERY;
            if let Err(error) = store.prune_changes() {
                tracing::warn!(%error, "could not prune the change feed");
            }
        }
        report_unreadable(store);
    }

    fn try_follow(&mut self, store: &mut Store, hot: &HotIndex) -> Result<(), StoreError> {
        // The feed's end is read before `data_version`: if no other connection has
        // committed by then, every change up to that end is this server's own
        // (already applied), and the cursor moves past them without reading them.
        let newest = store.change_cursor()?;
        let version = store.data_version()?;
        if version == self.data_version {
            self.cursor = self.cursor.max(newest);
            return Ok(());
        }
        let changes = store.changes_since(self.cursor)?;
        if changes.everything {
            store.reload_rulebook_now()?;
        }
        let today = store.clock().today();
        let refreshed = store.refresh_derived(today)?;
        if changes.everything {
            store.warm_summaries(today)?;
            hot.load_all(store)?;
            tracing::info!("another process changed the rulebook or many subjects: index reloaded");
        } else if !changes.subjects.is_empty() || !refreshed.is_empty() {
            let mut keys: Vec<i64> = changes.subjects;
            keys.extend(refreshed.iter().map(|(key, _)| *key));
            keys.sort_unstable();
            keys.dedup();
            let ids: Vec<_> = store.subject_ids_of(&keys)?;
            store.warm_subjects(&ids, today)?;
            hot.reload(store, &keys)?;
        }
        // Only now are the changes seen: a failure above leaves them to the next tick.
        self.data_version = version;
        self.cursor = changes.cursor;
        Ok(())
    }
}

/// Subjects whose stored rows cannot be read are reported, once each time they are met.
fn report_unreadable(store: &mut Store) {
    for (key, reason) in store.take_unreadable() {
        tracing::error!(subject_key = key, %reason, "a subject's file cannot be read; its checks and reads fail until it is repaired");
    }
}

/// The check log is indexed by subject behind the log, in large sorted
/// batches: once a second at most, or at once when the tail grows past a bound.
fn index_checks(store: &Store, last_indexed: &mut std::time::Instant) {
    let tail = store.checks_unindexed().unwrap_or(0);
    let due = last_indexed.elapsed().as_millis() >= INDEX_EVERY_MS;
    if tail > 0 && (due || tail >= INDEX_TAIL) {
        if let Err(error) = store.index_checks(INDEX_STEP) {
            tracing::error!(%error, "could not index checks");
        }
        *last_indexed = std::time::Instant::now();
    }
}

/// Wakes the writer every TICK_MS while the server runs. It holds only a
/// weak sender, so it never keeps the writer alive past shutdown.
fn ticker(jobs: mpsc::WeakSender<Job>) {
    loop {
        std::thread::sleep(std::time::Duration::from_millis(TICK_MS));
        match jobs.upgrade() {
            Some(sender) => {
                let _ = sender.try_send(Job::Tick);
            }
            None => return,
        }
    }
}

/// Commits the held checks. On failure they stay held for the next try and
/// the log is marked failing, which stops further checks being answered.
fn flush_checks(
    log: &dyn Fn(&PackedChecks) -> Result<(), StoreError>,
    clock: Clock,
    checks: &mut PackedChecks,
    health: &CheckLogHealth,
) -> bool {
    if checks.is_empty() {
        return true;
    }
    match log(checks) {
        Ok(()) => {
            if let Some(oldest) = checks.oldest_ms() {
                let waited = clock.now().unix_ms - oldest;
                health.delay_ms_max.fetch_max(waited, Ordering::Relaxed);
            }
            checks.clear();
            health.held.store(0, Ordering::Relaxed);
            if health.failing.swap(false, Ordering::AcqRel) {
                tracing::info!("the check log is written again; checks are answered again");
            }
            true
        }
        Err(error) => {
            // Subjects are never deleted, so a failure here is the disk's or a lock's.
            if !health.failing.swap(true, Ordering::AcqRel) {
                tracing::error!(%error, rows = checks.len(), "could not log checks; they are kept and retried, and checks are refused until the log is written");
            }
            health.failed_commits.fetch_add(1, Ordering::Relaxed);
            health.held.store(checks.len() as u64, Ordering::Relaxed);
            false
        }
    }
}

/// One transaction for a group of access-log rows; if it fails (a bad row),
/// each is retried alone so one bad request does not fail the others.
fn flush_accesses(store: &Store, accesses: &mut Vec<(AccessRequest, oneshot::Sender<Result<(), StoreError>>)>) {
    if accesses.is_empty() {
        return;
    }
    let requests: Vec<AccessRequest> = accesses.iter().map(|(request, _)| request.clone()).collect();
    match store.log_accesses(&requests) {
        Ok(()) => {
            for (_, reply) in accesses.drain(..) {
                let _ = reply.send(Ok(()));
            }
        }
        Err(_) => {
            for (request, reply) in accesses.drain(..) {
                let _ = reply.send(store.log_accesses(std::slice::from_ref(&request)));
            }
        }
    }
}

impl Db {
    /// Opens the store for serving. `fixed_day` stops the clock of a replay
    /// store on that day (a live store refuses it).
    pub fn open(path: &Path, readers: usize, fixed_day: Option<socred_core::Date>) -> Result<Db, StoreError> {
        assert!(readers >= 1);
        let mut writer_store = Store::open(path)?;
        let clock = match fixed_day {
            Some(day) => writer_store.clock().fixed_on(day)?,
            None => writer_store.clock(),
        };
        writer_store.set_clock(clock)?;
        let follower = Follower::start(&writer_store)?;
        // Derived tables first, then the in-memory index from them.
        writer_store.refresh_lists()?;
        let warmed = writer_store.warm_summaries(clock.today())?;
        report_unreadable(&mut writer_store);
        let hot = Arc::new(HotIndex::new(writer_store.rulebook().clone()));
        let loaded = hot.load_all(&writer_store)?;
        tracing::info!(subjects = loaded, summaries_computed = warmed, replay = clock.is_replay(), "hot index loaded");
        let mut pool = Vec::with_capacity(readers);
        for _ in 0..readers {
            pool.push(Store::open_read_only(path)?);
        }
        let (sender, receiver) = mpsc::channel(WRITE_QUEUE);
        let check_buffer = Arc::new(CheckBuffer::default());
        let writer_buffer = Arc::clone(&check_buffer);
        let writer_hot = Arc::clone(&hot);
        let thread = std::thread::Builder::new()
            .name("socred-writer".into())
            .spawn(move || writer_loop(writer_store, receiver, writer_buffer, writer_hot, follower))
            .expect("the writer thread starts");
        let weak = sender.downgrade();
        std::thread::Builder::new().name("socred-ticker".into()).spawn(move || ticker(weak)).expect("the ticker thread starts");
        Ok(Db {
            path: path.to_path_buf(),
            backend: Backend::Sqlite,
            clock,
            check_buffer,
            hot,
            readers: Mutex::new(pool),
            reader_permits: Arc::new(Semaphore::new(readers)),
            writer: Mutex::new(Some(sender)),
            writer_thread: Mutex::new(Some(thread)),
        })
    }

    /// Opens a store on PostgreSQL for serving; with `read_url`, staff and
    /// subjects' reads of files go to that hot standby (the index, decisions
    /// and authorisation always read the primary).
    pub fn open_postgres(url: &str, read_url: Option<&str>, fixed_day: Option<socred_core::Date>) -> Result<Db, StoreError> {
        let mut store = PgStore::open(url)?;
        if let Some(read_url) = read_url {
            store.read_from(read_url)?;
        }
        let clock = match fixed_day {
            Some(day) => store.clock().fixed_on(day)?,
            None => store.clock(),
        };
        store.set_clock(clock)?;
        let hot = Arc::new(HotIndex::new(store.rulebook().clone()));
        let follower = postgres::Follower::start(store.clone(), Arc::clone(&hot), clock)?;
        let follower_thread = {
            let follower = Arc::clone(&follower);
            std::thread::Builder::new().name("socred-follower".into()).spawn(move || follower.run()).expect("the follower thread starts")
        };
        let (sender, receiver) = mpsc::channel(WRITE_QUEUE);
        let check_buffer = Arc::new(CheckBuffer::default());
        let writer_buffer = Arc::clone(&check_buffer);
        let writer_store = store.clone();
        let thread = std::thread::Builder::new()
            .name("socred-writer".into())
            .spawn(move || postgres::writer_loop(writer_store, receiver, writer_buffer))
            .expect("the writer thread starts");
        let weak = sender.downgrade();
        std::thread::Builder::new().name("socred-ticker".into()).spawn(move || ticker(weak)).expect("the ticker thread starts");
        Ok(Db {
            path: PathBuf::from(store.url()),
            backend: Backend::Postgres { store: Box::new(store), follower, thread: Mutex::new(Some(follower_thread)) },
            clock,
            check_buffer,
            hot,
            readers: Mutex::new(Vec::new()),
            // Requests share the pool with the check writer, the follower and
            // metrics: they may hold all but a few of its connections, so a
            // flood of requests (unknown tokens included) never starves the log.
            reader_permits: Arc::new(Semaphore::new(POSTGRES_REQUEST_CONNECTIONS)),
            writer: Mutex::new(Some(sender)),
            writer_thread: Mutex::new(Some(thread)),
        })
    }

    /// The store on PostgreSQL and its follower, when the server stands on one.
    pub fn postgres(&self) -> Option<(&PgStore, &postgres::Follower)> {
        match &self.backend {
            Backend::Postgres { store, follower, .. } => Some((store, follower)),
            Backend::Sqlite => None,
        }
    }

    fn refuse_on_postgres(&self) -> Result<(), ApiError> {
        match self.backend {
            Backend::Sqlite => Ok(()),
            Backend::Postgres { .. } => Err(ApiError::not_implemented(
                "this operation needs the embedded store (SQLite); every route is served on PostgreSQL through the backend traits",
            )),
        }
    }

    /// Runs `work` with a handle on PostgreSQL in a blocking task.
    async fn on_postgres<T, F>(&self, work: F) -> Result<T, ApiError>
    where
        T: Send + 'static,
        F: FnOnce(&mut PgStore) -> Result<T, StoreError> + Send + 'static,
    {
        let Backend::Postgres { store, .. } = &self.backend else { unreachable!("asked of a server on PostgreSQL") };
        let mut store = PgStore::clone(store);
        store.sync_rulebook();
        let permit = Arc::clone(&self.reader_permits).acquire_owned().await.expect("the semaphore is never closed");
        tokio::task::spawn_blocking(move || {
            let _permit = permit;
            work(&mut store)
        })
        .await
        .map_err(|_| ApiError::internal("a task on the database failed"))?
        .map_err(ApiError::from)
    }

    /// A write to the ledger or a due-process act, on either backend. On PostgreSQL the index
    /// catches up with the feed before the write is answered, so the
    /// server's next check sees it.
    pub async fn ledger_write<T, F>(self: &Arc<Self>, write: F) -> Result<T, ApiError>
    where
        T: Send + 'static,
        F: FnOnce(&mut dyn Writes) -> Result<T, StoreError> + Send + 'static,
    {
        match &self.backend {
            Backend::Sqlite => self.write(move |store| write(store)).await,
            Backend::Postgres { follower, .. } => {
                let follower = Arc::clone(follower);
                self.on_postgres(move |store| {
                    let value = write(store)?;
                    if let Err(error) = follower.catch_up(false) {
                        // The write stands; the follower's thread applies it on its next wake.
                        tracing::warn!(%error, "a write could not update the index at once");
                    }
                    Ok(value)
                })
                .await
            }
        }
    }

    /// A read through the backend traits that must not lag the primary (it
    /// decides access): on PostgreSQL never from the standby.
    pub async fn reading_primary<T, F>(self: &Arc<Self>, read: F) -> Result<T, ApiError>
    where
        T: Send + 'static,
        F: FnOnce(&dyn Writes) -> Result<T, StoreError> + Send + 'static,
    {
        match self.backend {
            Backend::Sqlite => self.read(move |store| read(store)).await,
            Backend::Postgres { .. } => self.on_postgres(move |store| read(&store.on_primary())).await,
        }
    }

    /// A read through the backend traits, on either backend: on SQLite from
    /// the pool of read connections, on PostgreSQL from the pool (and the
    /// standby, for the reads a backend sends there).
    pub async fn reading<T, F>(self: &Arc<Self>, read: F) -> Result<T, ApiError>
    where
        T: Send + 'static,
        F: FnOnce(&dyn Writes) -> Result<T, StoreError> + Send + 'static,
    {
        match self.backend {
            Backend::Sqlite => self.read(move |store| read(store)).await,
            Backend::Postgres { .. } => self.on_postgres(move |store| read(store)).await,
        }
    }

    /// A change to live rows that are not the ledger (a browser session), on
    /// either backend: on SQLite through the writer, on PostgreSQL on the
    /// pool, without catching the index up (nothing it holds changed).
    pub async fn session_write<T, F>(self: &Arc<Self>, write: F) -> Result<T, ApiError>
    where
        T: Send + 'static,
        F: FnOnce(&mut dyn Writes) -> Result<T, StoreError> + Send + 'static,
    {
        match self.backend {
            Backend::Sqlite => self.write(move |store| write(store)).await,
            Backend::Postgres { .. } => self.on_postgres(move |store| write(store)).await,
        }
    }

    /// The account an API token's hash opens, on either backend.
    pub async fn account_by_token(self: &Arc<Self>, secret_hash: String, now_unix: i64) -> Result<Option<Account>, ApiError> {
        match self.backend {
            Backend::Sqlite => self.read(move |store| store.account_by_token(&secret_hash, now_unix)).await,
            Backend::Postgres { .. } => self.on_postgres(move |store| store.account_by_token(&secret_hash, now_unix)).await,
        }
    }

    /// A decision computed from the files (when the index cannot answer).
    pub async fn decide(
        self: &Arc<Self>,
        subject: socred_core::SubjectId,
        service: String,
        as_of: socred_core::Date,
    ) -> Result<Decision, ApiError> {
        match self.backend {
            Backend::Sqlite => self.read(move |store| store.decide(&subject, &service, as_of)).await,
            Backend::Postgres { .. } => self.on_postgres(move |store| store.decide(&subject, &service, as_of)).await,
        }
    }

    /// A record by id, with its void reason if voided.
    pub async fn record(
        self: &Arc<Self>,
        record_id: socred_core::record::RecordId,
    ) -> Result<Option<(socred_core::record::Record, Option<String>)>, ApiError> {
        match self.backend {
            Backend::Sqlite => self.read(move |store| store.record(&record_id)).await,
            Backend::Postgres { .. } => self.on_postgres(move |store| store.record(&record_id)).await,
        }
    }

    /// A subject's name and summary on a date, whether the summary came from
    /// a cache, and the rulebook it was computed under. On PostgreSQL the file
    /// is read from the hot standby when the server has one (`--read-db`).
    pub async fn summary(
        self: &Arc<Self>,
        id: socred_core::SubjectId,
        as_of: socred_core::Date,
    ) -> Result<(String, socred_core::assess::Summary, bool, Arc<socred_core::Rulebook>), ApiError> {
        let unknown = move || StoreError::UnknownSubject(id.to_string());
        match self.backend {
            Backend::Sqlite => {
                self.read(move |store| {
                    let name = store.subject_name(&id)?.ok_or_else(unknown)?;
                    let (summary, hit) = store.summary_cached(&id, as_of)?;
                    Ok((name, summary, hit, store.rulebook().clone()))
                })
                .await
            }
            Backend::Postgres { .. } => {
                self.on_postgres(move |store| {
                    let name = store.subject_name(&id)?.ok_or_else(unknown)?;
                    let summary = socred_core::summarise(store.rulebook(), &store.file(&id)?, as_of);
                    Ok((name, summary, true, store.rulebook().clone()))
                })
                .await
            }
        }
    }

    /// The full, explained assessment of a subject on a date (from the standby on PostgreSQL with `--read-db`).
    pub async fn assessment(
        self: &Arc<Self>,
        id: socred_core::SubjectId,
        as_of: socred_core::Date,
    ) -> Result<socred_core::assess::Assessment, ApiError> {
        match self.backend {
            Backend::Sqlite => self.read(move |store| store.assessment(&id, as_of)).await,
            Backend::Postgres { .. } => self.on_postgres(move |store| store.assessment(&id, as_of)).await,
        }
    }

    /// A subject's registration: name and links.
    pub async fn subject_info(self: &Arc<Self>, id: socred_core::SubjectId) -> Result<Option<socred_store::SubjectInfo>, ApiError> {
        match self.backend {
            Backend::Sqlite => self.read(move |store| store.subject(&id)).await,
            Backend::Postgres { .. } => self.on_postgres(move |store| store.subject(&id)).await,
        }
    }

    /// The subject a list entry belongs to.
    pub async fn subject_of_entry(self: &Arc<Self>, entry: socred_core::process::EntryId) -> Result<socred_core::SubjectId, ApiError> {
        match self.backend {
            Backend::Sqlite => self.read(move |store| Ok(store.subject_of_entry(&entry)?.1)).await,
            Backend::Postgres { .. } => self.on_postgres(move |store| store.subject_of_entry(&entry)).await,
        }
    }

    /// One list entry on a date.
    pub async fn entry(
        self: &Arc<Self>,
        entry: socred_core::process::EntryId,
        as_of: socred_core::Date,
    ) -> Result<socred_core::lists::ListEntry, ApiError> {
        match self.backend {
            Backend::Sqlite => self.read(move |store| store.entry(&entry, as_of)).await,
            Backend::Postgres { .. } => self.on_postgres(move |store| store.entry(&entry, as_of)).await,
        }
    }

    /// A subject's score and tier over time.
    pub async fn timeline(
        self: &Arc<Self>,
        id: socred_core::SubjectId,
        from: socred_core::Date,
        to: socred_core::Date,
    ) -> Result<Vec<socred_core::assess::TimelinePoint>, ApiError> {
        match self.backend {
            Backend::Sqlite => self.read(move |store| store.timeline(&id, from, to)).await,
            Backend::Postgres { .. } => self.on_postgres(move |store| store.timeline(&id, from, to)).await,
        }
    }

    /// The newest audit entries (about one subject), newest first.
    pub async fn audit_recent(
        self: &Arc<Self>,
        subject: Option<socred_core::SubjectId>,
        limit: u32,
    ) -> Result<Vec<socred_store::AuditEntry>, ApiError> {
        match self.backend {
            Backend::Sqlite => self.read(move |store| store.audit_recent(subject.as_ref(), limit)).await,
            Backend::Postgres { .. } => self.on_postgres(move |store| store.audit_recent(subject.as_ref(), limit)).await,
        }
    }

    /// The active rulebook.
    pub async fn rulebook(self: &Arc<Self>) -> Result<Arc<socred_core::Rulebook>, ApiError> {
        match &self.backend {
            Backend::Sqlite => self.read(|store| Ok(store.rulebook().clone())).await,
            Backend::Postgres { store, .. } => {
                // The version this server's follower has loaded, if newer than the one it started with.
                let mut store = PgStore::clone(store);
                store.sync_rulebook();
                Ok(store.rulebook().clone())
            }
        }
    }

    /// The published lists on a date. On SQLite the writer keeps the derived
    /// entries current after each write; on PostgreSQL every write rewrites
    /// them in its transaction, and they are read from the standby with `--read-db`.
    pub async fn published(
        self: &Arc<Self>,
        as_of: socred_core::Date,
        filter: socred_store::PublicFilter,
        limit: u32,
        offset: u32,
    ) -> Result<Vec<socred_store::PublicEntry>, ApiError> {
        let rulebook = self.rulebook().await?;
        if let Some(list) = filter.list.as_deref().filter(|list| !list.trim().is_empty() && rulebook.list(list.trim()).is_none()) {
            let code = socred_i18n::Argument::Text(format!("{list:?}"));
            return Err(StoreError::invalid_message("list", "input-unknown-list", vec![("code", code)]).into());
        }
        match self.backend {
            Backend::Sqlite => self.read(move |store| store.published(as_of, &filter, limit, offset)).await,
            Backend::Postgres { .. } => self.on_postgres(move |store| store.published(as_of, &filter, limit, offset)).await,
        }
    }

    /// How many entries `published` would show without a limit.
    pub async fn published_count(self: &Arc<Self>, as_of: socred_core::Date, filter: socred_store::PublicFilter) -> Result<u64, ApiError> {
        match self.backend {
            Backend::Sqlite => self.read(move |store| store.published_count(as_of, &filter)).await,
            Backend::Postgres { .. } => self.on_postgres(move |store| store.published_count(as_of, &filter)).await,
        }
    }

    /// The authorities of the entries published on a date, for the filter.
    pub async fn published_authorities(self: &Arc<Self>, as_of: socred_core::Date) -> Result<Vec<String>, ApiError> {
        match self.backend {
            Backend::Sqlite => self.read(move |store| store.published_authorities(as_of)).await,
            Backend::Postgres { .. } => self.on_postgres(move |store| store.published_authorities(as_of)).await,
        }
    }

    /// What reviewers have to decide on a date (from the standby with `--read-db`).
    pub async fn queue(self: &Arc<Self>, as_of: socred_core::Date) -> Result<socred_store::Queue, ApiError> {
        match self.backend {
            Backend::Sqlite => self.read(move |store| store.queue(as_of)).await,
            Backend::Postgres { .. } => self.on_postgres(move |store| store.queue(as_of)).await,
        }
    }

    /// `audit verify`: the whole log, its heads and everything it covers, in one snapshot.
    pub async fn audit_verify(self: &Arc<Self>) -> Result<Result<socred_store::VerifyReport, StoreError>, ApiError> {
        // A broken log is an answer, not a failure of the request.
        let verified = |result: Result<socred_store::VerifyReport, StoreError>| match result {
            Err(StoreError::AuditBroken(problem)) => Ok(Err(StoreError::AuditBroken(problem))),
            Err(other) => Err(other),
            Ok(report) => Ok(Ok(report)),
        };
        match self.backend {
            Backend::Sqlite => self.read(move |store| verified(store.audit_verify())).await,
            Backend::Postgres { .. } => self.on_postgres(move |store| verified(store.audit_verify())).await,
        }
    }

    /// The log's current heads, signed.
    pub async fn sign_checkpoint(self: &Arc<Self>, key: Arc<socred_log::SigningKey>, time: String) -> Result<String, ApiError> {
        match self.backend {
            Backend::Sqlite => self.read(move |store| store.sign_checkpoint(&key, &time)).await,
            Backend::Postgres { .. } => self.on_postgres(move |store| store.sign_checkpoint(&key, &time)).await,
        }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The server's clock: it dates every act and is every read's "today".
    pub fn clock(&self) -> Clock {
        self.clock
    }

    /// The state of the check log, for `/metrics` and the check handlers.
    pub fn check_log_health(&self) -> &CheckLogHealth {
        &self.check_buffer.health
    }

    /// For tests of a failing check log: makes the writer's connection unable
    /// to grow the database (as a full disk would), or able again.
    #[doc(hidden)]
    pub async fn simulate_full_disk_for_tests(&self, full: bool) -> Result<(), ApiError> {
        self.write(move |store| {
            let connection = store.raw_connection_for_tests();
            let pages: i64 = connection.query_row("PRAGMA page_count", [], |row| row.get(0))?;
            let limit = if full { pages } else { 1_073_741_823 };
            connection.query_row(&format!("PRAGMA max_page_count = {limit}"), [], |_| Ok(()))?;
            Ok(())
        })
        .await
    }

    /// Runs `read` on a pooled read-only connection, in one snapshot.
    pub async fn read<T, F>(self: &Arc<Self>, read: F) -> Result<T, ApiError>
    where
        T: Send + 'static,
        F: FnOnce(&Store) -> Result<T, StoreError> + Send + 'static,
    {
        self.refuse_on_postgres()?;
        // A client that hangs up drops this future, but not the blocking task
        // already running: the permit must stay with the task (dropping it
        // here let a second task find the pool empty).
        let permit = Arc::clone(&self.reader_permits).acquire_owned().await.expect("the semaphore is never closed");
        let db = Arc::clone(self);
        tokio::task::spawn_blocking(move || {
            let _permit = permit;
            let mut store = db.pool().pop().expect("a permit guarantees a reader");
            let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                store.reload_rulebook_if_changed().and_then(|_| store.snapshot(|store| read(store)))
            }));
            match result {
                Ok(result) => {
                    db.pool().push(store);
                    result.map_err(ApiError::from)
                }
                Err(_) => {
                    // A read that panicked may have left its snapshot open: the
                    // pool gets a fresh connection instead, so it never shrinks.
                    drop(store);
                    match Store::open_read_only(&db.path) {
                        Ok(fresh) => db.pool().push(fresh),
                        Err(error) => tracing::error!(%error, "could not replace a reader"),
                    }
                    Err(ApiError::internal("a read failed"))
                }
            }
        })
        .await
        .map_err(|_| ApiError::internal("a read task failed"))?
    }

    /// The pool of readers. Its lock guards a push or a pop only, so a
    /// poisoned lock (which those cannot cause) is no reason to fail.
    fn pool(&self) -> std::sync::MutexGuard<'_, Vec<Store>> {
        self.readers.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Runs `write` on the writer thread and waits for its result.
    pub async fn write<T, F>(&self, write: F) -> Result<T, ApiError>
    where
        T: Send + 'static,
        F: FnOnce(&mut Store) -> Result<T, StoreError> + Send + 'static,
    {
        self.refuse_on_postgres()?;
        let (reply, answer) = oneshot::channel();
        let hot = self.hot.clone();
        let job: WriteFn = Box::new(move |store: &mut Store| {
            let result = store.reload_rulebook_if_changed().and_then(|_| write(store));
            // Keep the public list and the hot index current: recompute the
            // subjects this write touched before answering, so a reader sees them.
            let result = result.and_then(|value| {
                if store.lists_stale()? {
                    // The write dropped their cached summaries: recompute today's first.
                    let refreshed = store.refresh_derived(store.clock().today())?;
                    let keys: Vec<i64> = refreshed.into_iter().map(|(key, _)| key).collect();
                    hot.reload(store, &keys)?;
                }
                Ok(value)
            });
            let _ = reply.send(result);
        });
        self.send(Job::Write(job)).await?;
        // The reply is dropped only when the write panicked (the writer goes on) or the writer stopped.
        answer.await.map_err(|_| ApiError::internal("the write failed; the error is logged"))?.map_err(ApiError::from)
    }

    /// Logs a read of a file; returns once it is durable (grouped with others).
    pub async fn log_access(&self, request: AccessRequest) -> Result<(), ApiError> {
        let (reply, answer) = oneshot::channel();
        self.send(Job::Access(request, reply)).await?;
        answer.await.map_err(|_| ApiError::unavailable("the writer stopped"))?.map_err(ApiError::from)
    }

    /// Logs several reads; returns once all are durable. They are queued
    /// before any is awaited, so the writer commits them together.
    pub async fn log_accesses(&self, requests: Vec<AccessRequest>) -> Result<(), ApiError> {
        let mut answers = Vec::with_capacity(requests.len());
        for request in requests {
            let (reply, answer) = oneshot::channel();
            self.send(Job::Access(request, reply)).await?;
            answers.push(answer);
        }
        for answer in answers {
            answer.await.map_err(|_| ApiError::unavailable("the writer stopped"))?.map_err(ApiError::from)?;
        }
        Ok(())
    }

    /// Caches today's summary of a subject whose cached one no longer holds
    /// (derived data; best effort). Other dates are not cached: the index
    /// serves today, and a query about the past or the future must not
    /// displace it.
    pub fn remember_later(&self, subject: socred_core::SubjectId, as_of: socred_core::Date) {
        if as_of != self.clock.today() || !matches!(self.backend, Backend::Sqlite) {
            return;
        }
        let sender = self.writer.lock().expect("writer lock").clone();
        if let Some(sender) = sender {
            let hot = self.hot.clone();
            let job: WriteFn = Box::new(move |store: &mut Store| {
                if store.summary(&subject, as_of).is_ok()
                    && let Some(key) = hot.key_of(&subject)
                {
                    let _ = hot.reload(store, &[key]);
                }
            });
            let _ = sender.try_send(Job::Write(job));
        }
    }

    /// Queues check logs. They are grouped with others and committed within
    /// TICK_MS; the caller does not wait for the disk (a check is a read, and
    /// a provider must not wait for an fsync to learn a decision). A full
    /// queue makes the caller wait: logs are never dropped. A crash can lose
    /// the checks of the last TICK_MS; `socred audit verify` still holds.
    pub async fn log_checks(&self, mut checks: PackedChecks) -> Result<(), ApiError> {
        self.refuse_checks_while_unlogged()?;
        {
            let mut shard = self.check_buffer.shards[crate::shard::current()].lock().expect("check buffer lock");
            if shard.closed {
                return Err(ApiError::unavailable("the server is shutting down"));
            }
            if shard.checks.len() + checks.len() <= CHECK_SHARD_MAX {
                shard.checks.append(&mut checks);
                return Ok(());
            }
        }
        self.send(Job::Checks(checks)).await
    }

    /// `log_checks` of one check, packed straight into this thread's buffer.
    pub async fn log_check(&self, check: &CheckRecord<'_>) -> Result<(), ApiError> {
        self.refuse_checks_while_unlogged()?;
        {
            let mut shard = self.check_buffer.shards[crate::shard::current()].lock().expect("check buffer lock");
            if shard.closed {
                return Err(ApiError::unavailable("the server is shutting down"));
            }
            if shard.checks.len() < CHECK_SHARD_MAX {
                shard.checks.push(check);
                return Ok(());
            }
        }
        let mut one = PackedChecks::with_capacity(1);
        one.push(check);
        self.send(Job::Checks(one)).await
    }

    /// A check is answered only if it can be logged: not while the log's
    /// commits fail (the checks already answered are held and retried).
    fn refuse_checks_while_unlogged(&self) -> Result<(), ApiError> {
        if self.check_buffer.health.failing() {
            return Err(ApiError::unavailable("the check log cannot be written at the moment; checks resume once it can"));
        }
        Ok(())
    }

    /// Waits until every check queued before this call is committed, so a
    /// read of a file that follows shows them.
    pub async fn checks_committed(&self) -> Result<(), ApiError> {
        let (reply, answer) = oneshot::channel();
        self.send(Job::FlushChecks(reply)).await?;
        answer.await.map_err(|_| ApiError::unavailable("the check log cannot be written at the moment; try again shortly"))
    }

    async fn send(&self, job: Job) -> Result<(), ApiError> {
        let sender = self.writer.lock().expect("writer lock").clone();
        match sender {
            Some(sender) => sender.send(job).await.map_err(|_| ApiError::unavailable("the server is shutting down")),
            None => Err(ApiError::unavailable("the server is shutting down")),
        }
    }

    /// Stops accepting writes, lets the writer finish what is queued, and waits for it.
    pub fn shutdown(&self) {
        if let Backend::Postgres { follower, thread, .. } = &self.backend {
            follower.stop();
            if let Some(thread) = thread.lock().expect("follower thread lock").take() {
                let _ = thread.join();
            }
        }
        self.writer.lock().expect("writer lock").take();
        if let Some(thread) = self.writer_thread.lock().expect("writer thread lock").take() {
            let _ = thread.join();
        }
    }
}

impl Drop for Db {
    fn drop(&mut self) {
        self.shutdown();
        // The PostgreSQL client closes its connections by blocking on a
        // runtime of its own, which a thread of the server's runtime may not:
        // whichever thread drops the last handle, the connections close on one
        // of their own.
        let backend = std::mem::replace(&mut self.backend, Backend::Sqlite);
        if matches!(backend, Backend::Postgres { .. }) {
            let _ = std::thread::spawn(move || drop(backend)).join();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn db(dir: &Path, readers: usize) -> Arc<Db> {
        let actor = socred_store::Actor::new("test", time::OffsetDateTime::now_utc()).unwrap();
        let path = dir.join("store.db");
        drop(
            Store::create(&path, socred_core::DEFAULT_RULEBOOK, "default.toml", &actor, "test", socred_store::TimeSettings::replay())
                .unwrap(),
        );
        Arc::new(Db::open(&path, readers, None).unwrap())
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn cancelled_reads_do_not_lend_out_their_reader() {
        let dir = tempfile::tempdir().unwrap();
        let db = db(dir.path(), 2);
        // Reads that outlive the requests that asked (a client hanging up).
        let slow: Vec<_> = (0..2)
            .map(|_| {
                let db = Arc::clone(&db);
                tokio::spawn(async move {
                    db.read(|_| {
                        std::thread::sleep(std::time::Duration::from_millis(200));
                        Ok(())
                    })
                    .await
                })
            })
            .collect();
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        for task in &slow {
            task.abort();
        }
        // Every later read waits for a reader instead of finding the pool empty.
        let reads: Vec<_> = (0..8)
            .map(|_| {
                tokio::spawn({
                    let db = Arc::clone(&db);
                    async move { db.read(|_| Ok(1)).await }
                })
            })
            .collect();
        for read in reads {
            assert_eq!(read.await.expect("the read did not panic").expect("the read succeeded"), 1);
        }
        // The aborted reads' tasks may still be finishing: once every permit
        // is back, every reader must be too.
        let _all = db.reader_permits.acquire_many(2).await.unwrap();
        assert_eq!(db.pool().len(), 2, "the pool is whole again");
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_read_that_panics_fails_alone_and_the_pool_stays_whole() {
        let dir = tempfile::tempdir().unwrap();
        let db = db(dir.path(), 1);
        let failed = db.read::<(), _>(|_| panic!("a bug in a read")).await;
        assert!(failed.is_err());
        assert_eq!(db.read(|_| Ok(2)).await.unwrap(), 2, "the next read gets a reader");
        assert_eq!(db.pool().len(), 1);
    }
}
