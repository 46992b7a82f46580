//! The core's integration tests: properties, scenarios and differential tests of the pure domain.
//!
//! One test binary per crate, each file below a module of it: the suites
//! share one link of the dependencies instead of one each, which keeps the
//! build's time and footprint on disk small. Run one suite with
//! `cargo test -p socred-core --test integration <module>::`.

mod batch;
mod decisions;
mod differential;
mod due_process;
mod policy;
mod properties;
mod scenarios;
mod scorecard;
