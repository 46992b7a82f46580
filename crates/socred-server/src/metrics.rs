//! Prometheus metrics: request counts and latency histograms per route.
//! The recorder belongs to the server instance (not the process), so several
//! servers can run side by side in one test process.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use axum::extract::{MatchedPath, Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusRecorder};

use crate::AppState;

/// Latency buckets in seconds: 50 µs to 5 s.
const BUCKETS: [f64; 14] = [0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1.0, 5.0];

pub fn recorder() -> Arc<PrometheusRecorder> {
    Arc::new(PrometheusBuilder::new().set_buckets(&BUCKETS).expect("the bucket list is not empty").build_recorder())
}

pub async fn track(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let started = Instant::now();
    // The route template, never the raw path: subject ids must not become label values.
    let route = intern(request.extensions().get::<MatchedPath>().map_or("unmatched", |p| p.as_str()));
    let method = intern(request.method().as_str());
    let response = next.run(request).await;
    let seconds = started.elapsed().as_secs_f64();
    let status = intern(response.status().as_str());
    metrics::with_local_recorder(state.metrics.as_ref(), || {
        metrics::counter!("socred_http_requests_total", "route" => route, "method" => method, "status" => status).increment(1);
        metrics::histogram!("socred_http_request_duration_seconds", "route" => route, "method" => method).record(seconds);
    });
    response
}

/// Label values live for the process: route templates, methods and statuses
/// are few, so each is leaked once rather than allocated per request. A
/// bound keeps anything unexpected from growing it.
fn intern(text: &str) -> &'static str {
    static TABLE: std::sync::OnceLock<std::sync::Mutex<std::collections::HashSet<&'static str>>> = std::sync::OnceLock::new();
    let mut table = TABLE.get_or_init(Default::default).lock().expect("intern table lock");
    if let Some(found) = table.get(text) {
        return found;
    }
    if table.len() >= 1024 {
        return "other";
    }
    let leaked: &'static str = Box::leak(text.to_string().into_boxed_str());
    table.insert(leaked);
    leaked
}

/// Records a named counter with labels, e.g. decisions and checks.
pub fn count(state: &AppState, name: &'static str, labels: &[(&'static str, &'static str)]) {
    let labels: Vec<metrics::Label> = labels.iter().map(|(k, v)| metrics::Label::new(*k, *v)).collect();
    metrics::with_local_recorder(state.metrics.as_ref(), || {
        metrics::counter!(name, labels).increment(1);
    });
}

/// Counters on the check path: plain atomics, one set per thread slot
/// (`shard.rs`), because a check must cost as little as a health probe (a
/// registry lookup, or a counter shared by every core, per check would not).
#[derive(Default)]
pub struct CheckCounters {
    slots: [crossbeam_utils::CachePadded<CheckCounts>; crate::shard::SHARDS],
    pub refused: AtomicU64,
}

#[derive(Default)]
struct CheckCounts {
    from_memory: AtomicU64,
    from_store: AtomicU64,
    allow: AtomicU64,
    deny: AtomicU64,
    allow_with_benefit: AtomicU64,
}

impl CheckCounters {
    pub fn decided(&self, outcome: socred_core::decide::Outcome, from_memory: bool) {
        let slot = &self.slots[crate::shard::current()];
        let path = if from_memory { &slot.from_memory } else { &slot.from_store };
        path.fetch_add(1, Ordering::Relaxed);
        let counter = match outcome {
            socred_core::decide::Outcome::Allow => &slot.allow,
            socred_core::decide::Outcome::Deny => &slot.deny,
            socred_core::decide::Outcome::AllowWithBenefit => &slot.allow_with_benefit,
        };
        counter.fetch_add(1, Ordering::Relaxed);
    }

    fn total(&self, counter: impl Fn(&CheckCounts) -> &AtomicU64) -> u64 {
        self.slots.iter().map(|slot| counter(slot).load(Ordering::Relaxed)).sum()
    }

    fn render(&self, out: &mut String) {
        out.push_str("# HELP socred_check_decisions_total Checks answered, by where the answer came from.\n# TYPE socred_check_decisions_total counter\n");
        out.push_str(&format!("socred_check_decisions_total{{path=\"memory\"}} {}\n", self.total(|c| &c.from_memory)));
        out.push_str(&format!("socred_check_decisions_total{{path=\"store\"}} {}\n", self.total(|c| &c.from_store)));
        out.push_str("# HELP socred_checks_total Checks, by decision (refused: outside the provider's services).\n# TYPE socred_checks_total counter\n");
        for (decision, count) in [
            ("allow", self.total(|c| &c.allow)),
            ("deny", self.total(|c| &c.deny)),
            ("allow-with-benefit", self.total(|c| &c.allow_with_benefit)),
            ("refused", self.refused.load(Ordering::Relaxed)),
        ] {
            out.push_str(&format!("socred_checks_total{{decision=\"{decision}\"}} {count}\n"));
        }
    }
}

/// Reports and partner feeds, read from the store at scrape time: they
/// survive restarts and agree with the reviewers' page.
fn render_ledger(reports: &socred_store::ReportMetrics, partners: &[socred_store::PartnerMetrics], out: &mut String) {
    out.push_str("# HELP socred_reports Public reports, by current state.\n# TYPE socred_reports gauge\n");
    for state in ["submitted", "under-review", "verified", "rejected", "malicious", "duplicate"] {
        let count = reports.by_state.iter().find(|(s, _)| s == state).map_or(0, |(_, n)| *n);
        out.push_str(&format!("socred_reports{{state=\"{state}\"}} {count}\n"));
    }
    out.push_str("# HELP socred_report_decision_hours Hours from filing to decision, over decided reports.\n# TYPE socred_report_decision_hours gauge\n");
    for (quantile, value) in [("0.5", reports.decision_hours_p50), ("0.9", reports.decision_hours_p90), ("1", reports.decision_hours_max)] {
        if let Some(value) = value {
            out.push_str(&format!("socred_report_decision_hours{{quantile=\"{quantile}\"}} {value}\n"));
        }
    }
    out.push_str("# HELP socred_partner_batches_total Partner batches received (refused: stored nothing).\n# TYPE socred_partner_batches_total counter\n");
    out.push_str("# HELP socred_partner_lines_total Partner lines, by outcome.\n# TYPE socred_partner_lines_total counter\n");
    out.push_str("# HELP socred_partner_batch_lines_mean Mean lines per partner batch.\n# TYPE socred_partner_batch_lines_mean gauge\n");
    out.push_str(
        "# HELP socred_partner_rejection_rate Rejected lines over all lines, per partner.\n# TYPE socred_partner_rejection_rate gauge\n",
    );
    for partner in partners {
        // Partner names are account usernames: a-z, 0-9, . _ - only, safe as label values.
        let name = &partner.partner;
        out.push_str(&format!(
            "socred_partner_batches_total{{partner=\"{name}\",stored=\"true\"}} {}\n",
            partner.batches - partner.batches_refused
        ));
        out.push_str(&format!("socred_partner_batches_total{{partner=\"{name}\",stored=\"false\"}} {}\n", partner.batches_refused));
        for (outcome, count) in [("accepted", partner.accepted), ("pending-review", partner.pending_review), ("rejected", partner.rejected)]
        {
            out.push_str(&format!("socred_partner_lines_total{{partner=\"{name}\",outcome=\"{outcome}\"}} {count}\n"));
        }
        out.push_str(&format!("socred_partner_batch_lines_mean{{partner=\"{name}\"}} {}\n", partner.mean_batch_lines));
        out.push_str(&format!("socred_partner_rejection_rate{{partner=\"{name}\"}} {}\n", partner.rejection_rate));
    }
}

pub async fn render(State(state): State<AppState>) -> impl IntoResponse {
    let mut text = state.metrics.handle().render();
    state.checks.render(&mut text);
    if let Ok((reports, partners)) = state.db.read(|store| Ok((store.report_metrics()?, store.partner_metrics()?))).await {
        render_ledger(&reports, &partners, &mut text);
    }
    ([(axum::http::header::CONTENT_TYPE, "text/plain; version=0.0.4")], text)
}
