//! The store behind the server: a pool of read connections and one writer
//! thread. SQLite allows one writer at a time, so every write goes through a
//! bounded queue to a single thread; reads of file accesses (which must be
//! logged) are committed in groups, many to one fsync.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;

use socred_store::{AccessRequest, Store, StoreError};
use tokio::sync::{Semaphore, mpsc, oneshot};

use crate::error::ApiError;

/// Jobs waiting for the writer; senders wait (backpressure) beyond this.
pub const WRITE_QUEUE: usize = 1024;
/// Access-log rows committed in one transaction at most.
pub const ACCESS_GROUP: usize = 512;

type WriteFn = Box<dyn FnOnce(&mut Store) + Send>;

enum Job {
    Write(WriteFn),
    Access(AccessRequest, oneshot::Sender<Result<(), StoreError>>),
}

pub struct Db {
    path: PathBuf,
    readers: Mutex<Vec<Store>>,
    reader_permits: Semaphore,
    writer: Mutex<Option<mpsc::Sender<Job>>>,
    writer_thread: Mutex<Option<JoinHandle<()>>>,
}

fn writer_loop(mut store: Store, mut jobs: mpsc::Receiver<Job>) {
    let mut pending: Vec<Job> = Vec::with_capacity(ACCESS_GROUP);
    while let Some(first) = jobs.blocking_recv() {
        pending.push(first);
        while pending.len() < ACCESS_GROUP {
            match jobs.try_recv() {
                Ok(job) => pending.push(job),
                Err(_) => break,
            }
        }
        let mut accesses: Vec<(AccessRequest, oneshot::Sender<Result<(), StoreError>>)> =
            Vec::new();
        for job in pending.drain(..) {
            match job {
                Job::Access(request, reply) => accesses.push((request, reply)),
                Job::Write(write) => {
                    flush_accesses(&store, &mut accesses);
                    write(&mut store);
                }
            }
        }
        flush_accesses(&store, &mut accesses);
    }
    tracing::info!("writer drained its queue and stopped");
}

/// One transaction for a group of access-log rows; if it fails (a bad row),
/// each is retried alone so one bad request does not fail the others.
fn flush_accesses(
    store: &Store,
    accesses: &mut Vec<(AccessRequest, oneshot::Sender<Result<(), StoreError>>)>,
) {
    if accesses.is_empty() {
        return;
    }
    let requests: Vec<AccessRequest> = accesses
        .iter()
        .map(|(request, _)| request.clone())
        .collect();
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
    pub fn open(path: &Path, readers: usize) -> Result<Db, StoreError> {
        assert!(readers >= 1);
        let writer_store = Store::open(path)?;
        let mut pool = Vec::with_capacity(readers);
        for _ in 0..readers {
            pool.push(Store::open_read_only(path)?);
        }
        let (sender, receiver) = mpsc::channel(WRITE_QUEUE);
        let thread = std::thread::Builder::new()
            .name("socred-writer".into())
            .spawn(move || writer_loop(writer_store, receiver))
            .expect("the writer thread starts");
        Ok(Db {
            path: path.to_path_buf(),
            readers: Mutex::new(pool),
            reader_permits: Semaphore::new(readers),
            writer: Mutex::new(Some(sender)),
            writer_thread: Mutex::new(Some(thread)),
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Runs `read` on a pooled read-only connection, in one snapshot.
    pub async fn read<T, F>(self: &Arc<Self>, read: F) -> Result<T, ApiError>
    where
        T: Send + 'static,
        F: FnOnce(&Store) -> Result<T, StoreError> + Send + 'static,
    {
        let _permit = self
            .reader_permits
            .acquire()
            .await
            .expect("the semaphore is never closed");
        let db = Arc::clone(self);
        tokio::task::spawn_blocking(move || {
            let mut store = db
                .readers
                .lock()
                .expect("reader pool lock")
                .pop()
                .expect("a permit guarantees a reader");
            let result = store
                .reload_rulebook_if_changed()
                .and_then(|_| store.snapshot(|store| read(store)));
            db.readers.lock().expect("reader pool lock").push(store);
            result
        })
        .await
        .map_err(|_| ApiError::internal("a read task failed"))?
        .map_err(ApiError::from)
    }

    /// Runs `write` on the writer thread and waits for its result.
    pub async fn write<T, F>(&self, write: F) -> Result<T, ApiError>
    where
        T: Send + 'static,
        F: FnOnce(&mut Store) -> Result<T, StoreError> + Send + 'static,
    {
        let (reply, answer) = oneshot::channel();
        let job: WriteFn = Box::new(move |store: &mut Store| {
            let result = store
                .reload_rulebook_if_changed()
                .and_then(|_| write(store));
            // Keep the public list current: recompute the entries of the subjects
            // this write touched before answering, so a reader sees them.
            let result = result.and_then(|value| {
                if store.lists_stale()? {
                    store.refresh_lists()?;
                }
                Ok(value)
            });
            let _ = reply.send(result);
        });
        self.send(Job::Write(job)).await?;
        answer
            .await
            .map_err(|_| ApiError::unavailable("the writer stopped"))?
            .map_err(ApiError::from)
    }

    /// Logs a read of a file; returns once it is durable (grouped with others).
    pub async fn log_access(&self, request: AccessRequest) -> Result<(), ApiError> {
        let (reply, answer) = oneshot::channel();
        self.send(Job::Access(request, reply)).await?;
        answer
            .await
            .map_err(|_| ApiError::unavailable("the writer stopped"))?
            .map_err(ApiError::from)
    }

    /// Caches a summary computed on a read connection (derived data; best effort).
    pub fn remember_later(&self, subject: socred_core::SubjectId, as_of: socred_core::Date) {
        let sender = self.writer.lock().expect("writer lock").clone();
        if let Some(sender) = sender {
            let job: WriteFn = Box::new(move |store: &mut Store| {
                let _ = store.summary(&subject, as_of);
            });
            let _ = sender.try_send(Job::Write(job));
        }
    }

    async fn send(&self, job: Job) -> Result<(), ApiError> {
        let sender = self.writer.lock().expect("writer lock").clone();
        match sender {
            Some(sender) => sender
                .send(job)
                .await
                .map_err(|_| ApiError::unavailable("the server is shutting down")),
            None => Err(ApiError::unavailable("the server is shutting down")),
        }
    }

    /// Stops accepting writes, lets the writer finish what is queued, and waits for it.
    pub fn shutdown(&self) {
        self.writer.lock().expect("writer lock").take();
        if let Some(thread) = self
            .writer_thread
            .lock()
            .expect("writer thread lock")
            .take()
        {
            let _ = thread.join();
        }
    }
}

impl Drop for Db {
    fn drop(&mut self) {
        self.shutdown();
    }
}
