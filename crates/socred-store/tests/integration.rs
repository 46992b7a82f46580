//! The store's integration tests: the contract of both backends, the log, the standby.
//!
//! One test binary per crate, each file below a module of it: the suites
//! share one link of the dependencies instead of one each, which keeps the
//! build's time and footprint on disk small. Run one suite with
//! `cargo test -p socred-store --test integration <module>::`.

mod checks;
mod contract;
mod due_process;
mod log;
mod postgres;
mod reports;
mod standby;
mod store;
mod tls;
