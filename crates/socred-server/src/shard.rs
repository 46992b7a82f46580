//! Per-thread shards for state every check touches. A counter, a buffer or
//! a lock that every request updates bounces its cache line between cores on
//! each update; giving each worker thread its own slot keeps the line on one
//! core, and readers of the totals (metrics, the writer) visit every slot.

use std::sync::atomic::{AtomicUsize, Ordering};

/// Slots per sharded value: more than the worker threads of a small server,
/// so that two workers rarely share one.
pub const SHARDS: usize = 16;

/// This thread's slot, assigned round-robin when the thread first asks.
pub fn current() -> usize {
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    thread_local! {
        static SLOT: usize = NEXT.fetch_add(1, Ordering::Relaxed) % SHARDS;
    }
    SLOT.with(|slot| *slot)
}

#[cfg(test)]
mod tests {
    #[test]
    fn threads_get_different_slots_and_keep_theirs() {
        let mine = super::current();
        assert_eq!(mine, super::current());
        let other = std::thread::spawn(super::current).join().unwrap();
        assert_ne!(mine, other, "the first threads to ask get distinct slots");
    }
}
