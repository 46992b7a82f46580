//! The server's integration tests: real servers on port 0 against fresh stores (SQLite and PostgreSQL), and the browser tests.
//!
//! One test binary per crate, each file below a module of it: the suites
//! share one link of the dependencies instead of one each, which keeps the
//! build's time and footprint on disk small. Run one suite with
//! `cargo test -p socred-server --test integration <module>::`.

#[macro_use]
mod common;

mod abuse;
mod accounts;
mod api;
mod browser;
mod checks;
mod clock;
mod conflicts;
mod edges;
mod hot;
mod languages;
mod lists;
mod log;
mod matrix;
mod officer;
mod policy;
mod portal;
mod postgres;
mod privacy;
mod reports;
mod resilience;
mod reviewer;
mod score;
