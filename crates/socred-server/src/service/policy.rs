//! Policy impact on the server: a proposed rulebook compared with the one in
//! force on the whole population, and small simulator runs, for reviewers
//! and admins. Nothing here writes the ledger.
//!
//! A comparison reads every file, but shows no one's: counts, quantiles and
//! the largest changes without their subjects. It reaches no access log.

use std::collections::VecDeque;
use std::sync::Mutex;

use socred_auth::Action;
use socred_core::Rulebook;
use socred_core::policy::Comparison;
use socred_sim::simulate::{Simulation, SimulationConfig};

use crate::AppState;
use crate::auth::Caller;
use crate::error::ApiError;

/// Largest simulation the server runs for a page (the CLI runs bigger ones).
pub const MAX_WEB_SUBJECTS: u64 = 5_000;
pub const MAX_WEB_YEARS: u32 = 10;
/// Simulations kept to show on the page, newest first.
pub const RUNS_KEPT: usize = 5;

/// A simulation the server ran, and for whom.
#[derive(Debug, Clone)]
pub struct SimulationRun {
    pub by: String,
    pub at: String,
    pub simulation: Simulation,
}

/// The last simulations, newest first, and the one permit for policy work:
/// a comparison reads the whole population on every core, so two at once
/// would only take readers and memory from the checks and pages.
#[derive(Debug)]
pub struct Runs(Mutex<VecDeque<SimulationRun>>, tokio::sync::Semaphore);

impl Default for Runs {
    fn default() -> Runs {
        Runs(Mutex::new(VecDeque::new()), tokio::sync::Semaphore::new(1))
    }
}

impl Runs {
    /// The permit for one comparison or simulation, or why not now.
    fn permit(&self) -> Result<tokio::sync::SemaphorePermit<'_>, ApiError> {
        self.1.try_acquire().map_err(|_| ApiError::unavailable_because("input-policy-busy"))
    }

    pub fn last(&self) -> Vec<SimulationRun> {
        self.0.lock().expect("the runs' lock is never poisoned").iter().cloned().collect()
    }

    fn push(&self, run: SimulationRun) {
        let mut runs = self.0.lock().expect("the runs' lock is never poisoned");
        runs.push_front(run);
        runs.truncate(RUNS_KEPT);
    }
}

/// A proposed rulebook's text, parsed and checked.
fn proposed(source: &str) -> Result<Rulebook, ApiError> {
    if source.trim().is_empty() {
        return Err(ApiError::invalid_message("rulebook", "input-proposal-needed", vec![]));
    }
    Rulebook::from_toml(source, "proposed.toml").map_err(|error| ApiError::cause("rulebook", socred_i18n::reasons::Cause::Rulebook(error)))
}

/// Compares a proposed rulebook with the one in force, today, on every subject.
pub async fn compare(state: &AppState, caller: &Caller, source: String) -> Result<Comparison, ApiError> {
    caller.require(Action::AssessPolicy)?;
    let proposed = proposed(&source)?;
    let _permit = state.simulations.permit()?;
    let active = state.db.rulebook().await?;
    let as_of = caller.today();
    state.db.reading(move |store| socred_store::policy::compare(store, &active, &proposed, as_of, &|_| {})).await
}

/// Runs a small simulation under the rulebook in force (and the proposed one, when given).
pub async fn simulate(
    state: &AppState,
    caller: &Caller,
    proposal: Option<String>,
    subjects: u64,
    years: u32,
    seed: u64,
) -> Result<Simulation, ApiError> {
    caller.require(Action::AssessPolicy)?;
    if !(1..=MAX_WEB_SUBJECTS).contains(&subjects) {
        let max = socred_i18n::Argument::Number(MAX_WEB_SUBJECTS as i64);
        return Err(ApiError::invalid_message("subjects", "input-web-simulation-limit", vec![("max", max)]));
    }
    if !(1..=MAX_WEB_YEARS).contains(&years) {
        let max = socred_i18n::Argument::Number(i64::from(MAX_WEB_YEARS));
        return Err(ApiError::invalid_message("years", "input-web-simulation-limit", vec![("max", max)]));
    }
    let _permit = state.simulations.permit()?;
    let mut rulebooks = vec![Rulebook::clone(&*state.db.rulebook().await?)];
    if let Some(source) = proposal.filter(|source| !source.trim().is_empty()) {
        rulebooks.push(proposed(&source)?);
    }
    let config = SimulationConfig {
        seed,
        subjects,
        years,
        first_year: caller.today().year() + 1,
        deterrence: 0.3,
        error_rate: 0.02,
        dispute_rate: 0.5,
        appeal_rate: 0.2,
        repair_rate: 0.1,
        reviewer_capacity_per_month: 50,
    };
    let simulation = tokio::task::spawn_blocking(move || socred_sim::simulate::simulate(&config, &rulebooks, &mut |_, _| {}))
        .await
        .map_err(|error| ApiError::internal(format!("the simulation stopped: {error}")))?;
    state.simulations.push(SimulationRun {
        by: caller.account.username.clone(),
        at: caller.actor().at_text(),
        simulation: simulation.clone(),
    });
    Ok(simulation)
}
