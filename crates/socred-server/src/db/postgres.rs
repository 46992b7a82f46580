//! The server on PostgreSQL (`socred serve --db postgres://…`), where several
//! servers share one database. Each keeps its own check index in memory and
//! follows the change feed (`LISTEN socred_changes`): a write through any
//! server or the CLI names the subjects it changed, and every follower
//! reloads those subjects' hot data from their files. The server's own
//! writes catch up before they are answered, so its next check sees them.
//!
//! Checks are logged as on SQLite (held per thread, committed by the writer
//! every tick as one batch of groups), but the batch takes only the check
//! log's own lock in the database, so servers do not wait for each other's
//! ledger writes, nor for each other's checks beyond one short append.

use std::sync::atomic::{AtomicBool, AtomicI64, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use socred_core::{Date, SubjectId};
use socred_store::postgres::Changed;
use socred_store::{AccessRequest, Clock, PackedChecks, PgStore, StoreError};
use tokio::sync::{mpsc, oneshot};

use super::{ACCESS_GROUP, CHECK_GROUP, CheckBuffer, Job, drain, flush_checks, next_jobs};
use crate::hot::HotIndex;

/// How long the follower waits for a notification before it reads the feed
/// anyway: a notification lost to a reconnect delays a change at most this long.
const POLL_MS: u64 = 250;

/// What `/metrics` reports of the follower.
#[derive(Default)]
pub struct FollowStatus {
    /// The newest entry whose changes the index holds.
    pub cursor: AtomicI64,
    /// Unix milliseconds of the last successful read of the feed.
    pub followed_at_ms: AtomicI64,
    /// Reads of the feed that failed (retried on the next wake).
    pub failures: AtomicU64,
    /// Subjects reloaded from their files since the server started.
    pub subjects_reloaded: AtomicU64,
}

/// Now by the wall clock, in unix milliseconds: how long ago the feed was
/// read does not depend on a replay store's stopped day.
pub fn wall_clock_ms() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |elapsed| elapsed.as_millis() as i64)
}

/// The follower's position, shared by its thread and by the server's own
/// writes (which catch up before they answer).
struct Position {
    cursor: i64,
    /// The day the index's tier windows were computed for.
    day: Date,
}

pub struct Follower {
    store: PgStore,
    hot: Arc<HotIndex>,
    clock: Clock,
    position: Mutex<Position>,
    pub status: FollowStatus,
    stop: AtomicBool,
}

impl Follower {
    /// Loads every subject into `hot` and starts following from there.
    pub fn start(store: PgStore, hot: Arc<HotIndex>, clock: Clock) -> Result<Arc<Follower>, StoreError> {
        // The cursor is read before the data: a write committed in between is
        // read again from the feed, never missed.
        let cursor = store.changes_cursor()?;
        let today = clock.today();
        let data = store.hot_data(None, today)?;
        report_unreadable(&data);
        let loaded = hot.load(store.rulebook().clone(), data);
        tracing::info!(subjects = loaded, cursor, "hot index loaded from PostgreSQL");
        let status = FollowStatus::default();
        status.cursor.store(cursor, Ordering::Relaxed);
        status.followed_at_ms.store(wall_clock_ms(), Ordering::Relaxed);
        Ok(Arc::new(Follower {
            store,
            hot,
            clock,
            position: Mutex::new(Position { cursor, day: today }),
            status,
            stop: AtomicBool::new(false),
        }))
    }

    /// Applies every change after the cursor to the index. A reload of
    /// everything (a new day, or more changes than one by one) is left to the
    /// follower's thread unless `reload_all`: a write's answer does not wait for it.
    pub fn catch_up(&self, reload_all: bool) -> Result<(), StoreError> {
        let mut position = self.position.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let today = self.clock.today();
        let changed = if today != position.day {
            Changed::Everything { cursor: self.store.changes_cursor()? }
        } else {
            self.store.changes_since(position.cursor)?
        };
        match changed {
            Changed::Everything { .. } if !reload_all => return Ok(()),
            Changed::Everything { cursor } => {
                // A new rulebook version changes everything: load it first, for this server's every request.
                let mut store = self.store.clone();
                let followed = store.follow_rulebook()?;
                let data = store.hot_data(None, today)?;
                report_unreadable(&data);
                let loaded = self.hot.load(store.rulebook().clone(), data);
                if followed {
                    // Requests take the new version only now: checks and writes change versions together.
                    store.publish_rulebook();
                    tracing::info!(rulebook = %store.rulebook().version, "another process activated a rulebook version: following it");
                }
                self.status.subjects_reloaded.fetch_add(loaded as u64, Ordering::Relaxed);
                tracing::info!(subjects = loaded, "a new day, or more changes than one by one: index reloaded");
                position.day = today;
                position.cursor = cursor;
            }
            Changed::Subjects { subjects, cursor } => {
                if !subjects.is_empty() {
                    self.reload(&subjects, today)?;
                }
                position.cursor = cursor;
            }
        }
        self.status.cursor.store(position.cursor, Ordering::Relaxed);
        self.status.followed_at_ms.store(wall_clock_ms(), Ordering::Relaxed);
        Ok(())
    }

    fn reload(&self, subjects: &[SubjectId], today: Date) -> Result<(), StoreError> {
        let mut store = self.store.clone();
        store.sync_rulebook();
        let data = store.hot_data(Some(subjects), today)?;
        report_unreadable(&data);
        // Keys of subjects new to this server come with their data.
        let mut keys: Vec<i64> = subjects.iter().filter_map(|id| self.hot.key_of(id)).collect();
        keys.extend(data.subjects.iter().map(|(key, _)| *key));
        keys.sort_unstable();
        keys.dedup();
        self.hot.replace(data, &keys);
        self.status.subjects_reloaded.fetch_add(subjects.len() as u64, Ordering::Relaxed);
        Ok(())
    }

    /// The follower's thread: woken by a notification or every POLL_MS.
    pub fn run(self: Arc<Self>) {
        let mut listener = None;
        while !self.stop.load(Ordering::Acquire) {
            if listener.is_none() {
                match self.store.listen() {
                    Ok(opened) => listener = Some(opened),
                    Err(error) => tracing::warn!(%error, "cannot listen on the change feed; polling it"),
                }
            }
            let waited = match listener.as_mut() {
                Some(open) => open.wait(Duration::from_millis(POLL_MS)).map(|_| ()),
                None => {
                    std::thread::sleep(Duration::from_millis(POLL_MS));
                    Ok(())
                }
            };
            if let Err(error) = waited {
                tracing::warn!(%error, "the change feed's listener failed; reconnecting");
                listener = None;
            }
            if let Err(error) = self.catch_up(true) {
                // Nothing was marked as seen: the next wake reads the same changes again.
                self.status.failures.fetch_add(1, Ordering::Relaxed);
                tracing::error!(%error, "could not follow the ledger's changes; retrying");
            }
        }
    }

    pub fn stop(&self) {
        self.stop.store(true, Ordering::Release);
    }
}

/// The writer of a server on PostgreSQL: commits the check log in batches
/// and access-log rows. Ledger writes do not come here: each runs in a
/// request's own task on a pooled connection, and the database orders them.
pub(super) fn writer_loop(store: PgStore, mut jobs: mpsc::Receiver<Job>, buffer: Arc<CheckBuffer>) {
    let health = Arc::clone(&buffer.health);
    let clock = store.clock();
    let mut capacities = [16usize; crate::shard::SHARDS];
    let mut pending: Vec<Job> = Vec::with_capacity(ACCESS_GROUP);
    let mut checks = PackedChecks::with_capacity(CHECK_GROUP);
    let log = |checks: &PackedChecks| store.log_packed_checks(checks);
    while next_jobs(&mut jobs, &mut pending) {
        let mut flushed: Vec<oneshot::Sender<()>> = Vec::new();
        let mut tick = false;
        for job in pending.drain(..) {
            match job {
                Job::Access(request, reply) => {
                    let _ = reply.send(log_access(&store, &request));
                }
                Job::Checks(mut logs) => checks.append(&mut logs),
                Job::FlushChecks(reply) => flushed.push(reply),
                Job::Tick => tick = true,
                // `Db::write` refuses on PostgreSQL before it queues a write;
                // dropping one answers its caller that the write failed.
                Job::Write(_) => tracing::error!("a write for the embedded store reached the writer on PostgreSQL; dropped"),
            }
        }
        if tick || !flushed.is_empty() || checks.len() >= CHECK_GROUP {
            if !health.failing() {
                drain(&buffer, &mut checks, &mut capacities, false);
            }
            if flush_checks(&log, clock, &mut checks, &health) {
                for reply in flushed {
                    let _ = reply.send(());
                }
            }
        }
    }
    drain(&buffer, &mut checks, &mut capacities, true);
    for _ in 0..50 {
        if flush_checks(&log, clock, &mut checks, &health) {
            break;
        }
        std::thread::sleep(Duration::from_millis(super::TICK_MS));
    }
    if !checks.is_empty() {
        tracing::error!(rows = checks.len(), "checks answered before shutdown could not be logged");
    }
    tracing::info!("writer drained its queue and stopped");
}

/// Subjects whose stored rows cannot be read: their checks and reads fail
/// (and name the damage) until they are repaired; the others go on.
fn report_unreadable(data: &socred_store::HotData) {
    for (subject, reason) in &data.unreadable {
        tracing::error!(%subject, %reason, "a subject's file cannot be read; its checks fail until it is repaired");
    }
}

fn log_access(store: &PgStore, request: &AccessRequest) -> Result<(), StoreError> {
    store.log_access(&request.actor, &request.subject, &request.purpose, &request.what)
}
