//! The CLI's integration tests: the real `socred` binary against fresh stores, on SQLite and PostgreSQL.
//!
//! One test binary per crate, each file below a module of it: the suites
//! share one link of the dependencies instead of one each, which keeps the
//! build's time and footprint on disk small. Run one suite with
//! `cargo test -p socred --test integration <module>::`.

#[macro_use]
mod common;

mod checks;
mod cli;
mod clock;
mod demo;
mod due_process;
mod durability;
mod import;
mod log;
mod policy;
mod postgres;
mod reports;
mod score;
mod serve;
