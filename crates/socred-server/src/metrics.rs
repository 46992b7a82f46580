//! Prometheus metrics: request counts and latency histograms per route.
//! The recorder belongs to the server instance (not the process), so several
//! servers can run side by side in one test process.

use std::sync::Arc;
use std::time::Instant;

use axum::extract::{MatchedPath, Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusRecorder};

use crate::AppState;

/// Latency buckets in seconds: 50 µs to 5 s.
const BUCKETS: [f64; 14] = [
    0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1.0, 5.0,
];

pub fn recorder() -> Arc<PrometheusRecorder> {
    Arc::new(
        PrometheusBuilder::new()
            .set_buckets(&BUCKETS)
            .expect("the bucket list is not empty")
            .build_recorder(),
    )
}

pub async fn track(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let started = Instant::now();
    // The route template, never the raw path: subject ids must not become label values.
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or("unmatched", |p| p.as_str())
        .to_string();
    let method = request.method().as_str().to_string();
    let response = next.run(request).await;
    let seconds = started.elapsed().as_secs_f64();
    let status = response.status().as_u16().to_string();
    metrics::with_local_recorder(state.metrics.as_ref(), || {
        metrics::counter!("socred_http_requests_total", "route" => route.clone(), "method" => method.clone(), "status" => status).increment(1);
        metrics::histogram!("socred_http_request_duration_seconds", "route" => route, "method" => method).record(seconds);
    });
    response
}

/// Records a named counter with labels, e.g. decisions and checks.
pub fn count(state: &AppState, name: &'static str, labels: &[(&'static str, String)]) {
    let labels: Vec<metrics::Label> = labels
        .iter()
        .map(|(k, v)| metrics::Label::new(*k, v.clone()))
        .collect();
    metrics::with_local_recorder(state.metrics.as_ref(), || {
        metrics::counter!(name, labels).increment(1);
    });
}

pub async fn render(State(state): State<AppState>) -> impl IntoResponse {
    (
        [(
            axum::http::header::CONTENT_TYPE,
            "text/plain; version=0.0.4",
        )],
        state.metrics.handle().render(),
    )
}
