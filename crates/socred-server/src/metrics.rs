//! Prometheus metrics: request counts and latency histograms per route,
//! counters of the check path, and figures read from the store at scrape time.
//! Everything belongs to the server instance (not the process), so several
//! servers can run side by side in one test process.
//!
//! Request metrics are fixed-bucket histograms in per-thread slots, not the
//! `metrics` facade with `metrics-exporter-prometheus`: that exporter keeps
//! every recorded latency (with its `Instant`) until a scrape or an upkeep
//! drains it, about 22 bytes a request that grow without bound when nobody
//! scrapes (1.6 MB/s under load, measured), and it looked up labels in a
//! registry and a global intern table on every request. A Prometheus
//! histogram is only counts per bucket, so that is all that is kept.

use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use axum::extract::{MatchedPath, Request, State};
use axum::http::Method;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use crossbeam_utils::CachePadded;

use crate::AppState;
use crate::shard::SHARDS;

/// Latency bucket bounds, in nanoseconds (50 µs to 5 s) and as Prometheus
/// writes them (seconds). Above the last, only `+Inf`.
const BUCKET_NANOS: [u64; 14] = [
    50_000,
    100_000,
    250_000,
    500_000,
    1_000_000,
    2_500_000,
    5_000_000,
    10_000_000,
    25_000_000,
    50_000_000,
    100_000_000,
    250_000_000,
    1_000_000_000,
    5_000_000_000,
];
const BUCKET_LABELS: [&str; 14] =
    ["0.00005", "0.0001", "0.00025", "0.0005", "0.001", "0.0025", "0.005", "0.01", "0.025", "0.05", "0.1", "0.25", "1", "5"];

/// Distinct (route, method, status) series a slot keeps; beyond, routes are
/// counted as "other" (methods are the standard ones or OTHER, statuses are
/// the few the server sends, so that stays small). Routes are templates
/// (never raw paths), so a real server stays far below.
const MAX_SERIES: usize = 1024;

/// One (route, method, status): a count and a latency histogram.
#[derive(Clone)]
struct Series {
    route: Box<str>,
    method: Method,
    status: u16,
    buckets: [u64; BUCKET_NANOS.len()],
    count: u64,
    sum_nanos: u128,
}

impl Series {
    fn new(route: &str, method: &Method, status: u16) -> Series {
        Series { route: route.into(), method: method.clone(), status, buckets: [0; BUCKET_NANOS.len()], count: 0, sum_nanos: 0 }
    }

    fn record(&mut self, nanos: u64) {
        self.count += 1;
        self.sum_nanos += u128::from(nanos);
        // Buckets hold their own range only; rendering makes them cumulative.
        if let Some(bucket) = BUCKET_NANOS.iter().position(|bound| nanos <= *bound) {
            self.buckets[bucket] += 1;
        }
    }

    fn add(&mut self, other: &Series) {
        self.count += other.count;
        self.sum_nanos += other.sum_nanos;
        for (mine, theirs) in self.buckets.iter_mut().zip(other.buckets.iter()) {
            *mine += theirs;
        }
    }
}

/// Request metrics of one server. Each worker thread records into its own
/// slot (`shard.rs`), under a lock only a scrape shares.
#[derive(Default)]
pub struct HttpMetrics {
    slots: [CachePadded<Mutex<Vec<Series>>>; SHARDS],
}

impl HttpMetrics {
    pub fn record(&self, route: &str, method: &Method, status: u16, nanos: u64) {
        let mut slot = self.slots[crate::shard::current()].lock().expect("metrics slot lock");
        let found = slot.iter().position(|s| s.status == status && s.method == *method && *s.route == *route);
        let index = match found {
            Some(index) => index,
            None => {
                let route = if slot.len() < MAX_SERIES { route } else { "other" };
                match slot.iter().position(|s| s.status == status && s.method == *method && *s.route == *route) {
                    Some(index) => index,
                    None => {
                        slot.push(Series::new(route, method, status));
                        slot.len() - 1
                    }
                }
            }
        };
        slot[index].record(nanos);
    }

    /// Every slot's series merged, sorted by route, method and status.
    fn merged(&self) -> Vec<Series> {
        let mut all: std::collections::BTreeMap<(Box<str>, String, u16), Series> = std::collections::BTreeMap::new();
        for slot in &self.slots {
            let slot = slot.lock().expect("metrics slot lock");
            for series in slot.iter() {
                let key = (series.route.clone(), series.method.as_str().to_string(), series.status);
                all.entry(key).and_modify(|existing| existing.add(series)).or_insert_with(|| series.clone());
            }
        }
        all.into_values().collect()
    }

    /// Prometheus text: a counter by route, method and status, and a
    /// histogram by route and method.
    pub fn render(&self, out: &mut String) {
        use std::fmt::Write;
        let all = self.merged();
        out.push_str("# HELP socred_http_requests_total HTTP requests answered, by route template, method and status.\n");
        out.push_str("# TYPE socred_http_requests_total counter\n");
        for s in &all {
            let _ = writeln!(
                out,
                "socred_http_requests_total{{route=\"{}\",method=\"{}\",status=\"{}\"}} {}",
                escape_label(&s.route),
                s.method,
                s.status,
                s.count
            );
        }
        out.push_str("# HELP socred_http_request_duration_seconds Time to answer an HTTP request, by route template and method.\n");
        out.push_str("# TYPE socred_http_request_duration_seconds histogram\n");
        let mut index = 0;
        while index < all.len() {
            // `all` is sorted, so one route and method's statuses are adjacent.
            let mut histogram = all[index].clone();
            let mut next = index + 1;
            while next < all.len() && all[next].route == histogram.route && all[next].method == histogram.method {
                histogram.add(&all[next]);
                next += 1;
            }
            let labels = format!("route=\"{}\",method=\"{}\"", escape_label(&histogram.route), histogram.method);
            let mut cumulative = 0;
            for (bucket, bound) in histogram.buckets.iter().zip(BUCKET_LABELS) {
                cumulative += bucket;
                let _ = writeln!(out, "socred_http_request_duration_seconds_bucket{{{labels},le=\"{bound}\"}} {cumulative}");
            }
            let _ = writeln!(out, "socred_http_request_duration_seconds_bucket{{{labels},le=\"+Inf\"}} {}", histogram.count);
            let _ = writeln!(out, "socred_http_request_duration_seconds_sum{{{labels}}} {}", histogram.sum_nanos as f64 / 1e9);
            let _ = writeln!(out, "socred_http_request_duration_seconds_count{{{labels}}} {}", histogram.count);
            index = next;
        }
    }
}

/// The standard methods as themselves; any extension method a client makes
/// up as one `OTHER`, so that clients cannot grow the series.
fn label_method(method: &Method) -> Method {
    const STANDARD: [Method; 9] = [
        Method::GET,
        Method::POST,
        Method::PUT,
        Method::DELETE,
        Method::HEAD,
        Method::OPTIONS,
        Method::PATCH,
        Method::TRACE,
        Method::CONNECT,
    ];
    if STANDARD.contains(method) {
        method.clone()
    } else {
        static OTHER: std::sync::OnceLock<Method> = std::sync::OnceLock::new();
        OTHER.get_or_init(|| Method::from_bytes(b"OTHER").expect("a valid method token")).clone()
    }
}

/// Prometheus label values escape backslash, quote and newline.
fn escape_label(value: &str) -> std::borrow::Cow<'_, str> {
    if value.contains(['\\', '"', '\n']) {
        value.replace('\\', "\\\\").replace('"', "\\\"").replace('\n', "\\n").into()
    } else {
        value.into()
    }
}

pub async fn track(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let started = Instant::now();
    // The route template, never the raw path: subject ids must not become label values.
    let matched = request.extensions().get::<MatchedPath>().cloned();
    let method = label_method(request.method());
    let response = next.run(request).await;
    let nanos = u64::try_from(started.elapsed().as_nanos()).unwrap_or(u64::MAX);
    let route = matched.as_ref().map_or("unmatched", |path| path.as_str());
    state.http.record(route, &method, response.status().as_u16(), nanos);
    response
}

/// Counters on the check path: plain atomics, one set per thread slot
/// (`shard.rs`), because a check must cost as little as a health probe (a
/// registry lookup, or a counter shared by every core, per check would not).
#[derive(Default)]
pub struct CheckCounters {
    slots: [CachePadded<CheckCounts>; SHARDS],
    pub refused: AtomicU64,
    pub batches: AtomicU64,
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
        out.push_str("# HELP socred_check_batches_total Batch check requests answered.\n# TYPE socred_check_batches_total counter\n");
        out.push_str(&format!("socred_check_batches_total {}\n", self.batches.load(Ordering::Relaxed)));
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

/// Auditors and admins only (a scraper uses an auditor's token): the counts
/// describe the population and the partners' traffic.
pub async fn render(State(state): State<AppState>, caller: crate::auth::Caller) -> Result<impl IntoResponse, crate::error::ApiError> {
    caller.require(socred_auth::Action::ReadMetrics)?;
    let mut text = String::with_capacity(16 * 1024);
    state.http.render(&mut text);
    state.checks.render(&mut text);
    render_check_log(state.db.check_log_health(), &mut text);
    if let Some((store, follower)) = state.db.postgres() {
        let store = store.clone();
        let read =
            tokio::task::spawn_blocking(move || Ok::<_, socred_store::StoreError>((store.changes_cursor()?, store.replica_lag()?))).await;
        match read {
            Ok(Ok((head, lag))) => render_postgres(&follower.status, head, lag, crate::db::postgres::wall_clock_ms(), &mut text),
            _ => tracing::warn!("metrics: the database's head or the standby's lag could not be read"),
        }
    }
    if let Ok((reports, partners)) = state.db.reading(|store| Ok((store.report_metrics()?, store.partner_metrics()?))).await {
        render_ledger(&reports, &partners, &mut text);
    }
    Ok(([(axum::http::header::CONTENT_TYPE, "text/plain; version=0.0.4")], text))
}

/// How far a server on PostgreSQL is behind the ledger, and its standby behind the primary.
fn render_postgres(
    status: &crate::db::postgres::FollowStatus,
    head: i64,
    lag: Option<socred_store::postgres::ReplicaLag>,
    now_ms: i64,
    text: &mut String,
) {
    use std::fmt::Write;
    let cursor = status.cursor.load(Ordering::Relaxed);
    let age_ms = (now_ms - status.followed_at_ms.load(Ordering::Relaxed)).max(0);
    let gauges: [(&str, &str, &str, String); 5] = [
        (
            "socred_follower_behind_entries",
            "gauge",
            "Log entries written to the database that this server's index does not hold yet.",
            (head - cursor).max(0).to_string(),
        ),
        ("socred_follower_cursor", "gauge", "The newest log entry whose changes this server's index holds.", cursor.to_string()),
        (
            "socred_follower_read_age_seconds",
            "gauge",
            "Seconds since this server last read the change feed.",
            format!("{:.3}", age_ms as f64 / 1000.0),
        ),
        (
            "socred_follower_failures_total",
            "counter",
            "Reads of the change feed that failed (retried).",
            status.failures.load(Ordering::Relaxed).to_string(),
        ),
        (
            "socred_follower_subjects_reloaded_total",
            "counter",
            "Subjects whose hot data was reloaded from their files after a change.",
            status.subjects_reloaded.load(Ordering::Relaxed).to_string(),
        ),
    ];
    for (name, kind, help, value) in gauges {
        let _ = writeln!(text, "# HELP {name} {help}\n# TYPE {name} {kind}\n{name} {value}");
    }
    if let Some(lag) = lag {
        let _ = writeln!(text, "# HELP socred_replica_lag_seconds How far the standby that serves reads replays behind the primary.");
        let _ = writeln!(text, "# TYPE socred_replica_lag_seconds gauge\nsocred_replica_lag_seconds {:.3}", lag.seconds);
        let _ = writeln!(text, "# HELP socred_replica_lag_bytes WAL the standby has received but not replayed.");
        let _ = writeln!(text, "# TYPE socred_replica_lag_bytes gauge\nsocred_replica_lag_bytes {}", lag.bytes);
        let _ = writeln!(text, "# HELP socred_replica_in_recovery 1 when the read database is a standby.");
        let _ = writeln!(text, "# TYPE socred_replica_in_recovery gauge\nsocred_replica_in_recovery {}", u8::from(lag.in_recovery));
    }
}

/// Whether the check log is written, and how long answered checks wait for their commit.
fn render_check_log(health: &crate::db::CheckLogHealth, text: &mut String) {
    use std::fmt::Write;
    let _ = writeln!(text, "# HELP socred_check_log_failing 1 while commits of the check log fail (checks are refused meanwhile).");
    let _ = writeln!(text, "# TYPE socred_check_log_failing gauge");
    let _ = writeln!(text, "socred_check_log_failing {}", u8::from(health.failing()));
    let _ = writeln!(text, "# HELP socred_check_log_failed_commits_total Commits of the check log that failed (retried).");
    let _ = writeln!(text, "# TYPE socred_check_log_failed_commits_total counter");
    let _ = writeln!(text, "socred_check_log_failed_commits_total {}", health.failed_commits.load(Ordering::Relaxed));
    let _ = writeln!(text, "# HELP socred_check_log_held Answered checks held for a commit that failed.");
    let _ = writeln!(text, "# TYPE socred_check_log_held gauge");
    let _ = writeln!(text, "socred_check_log_held {}", health.held.load(Ordering::Relaxed));
    let _ =
        writeln!(text, "# HELP socred_check_log_delay_ms_max The longest an answered check waited for its commit (the crash-loss window).");
    let _ = writeln!(text, "# TYPE socred_check_log_delay_ms_max gauge");
    let _ = writeln!(text, "socred_check_log_delay_ms_max {}", health.delay_ms_max.load(Ordering::Relaxed));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn histograms_are_cumulative_merged_across_threads_and_statuses() {
        let metrics = std::sync::Arc::new(HttpMetrics::default());
        metrics.record("/a", &Method::GET, 200, 40_000); // ≤ 50 µs
        metrics.record("/a", &Method::GET, 404, 300_000); // ≤ 500 µs
        let other = std::sync::Arc::clone(&metrics);
        std::thread::spawn(move || other.record("/a", &Method::GET, 200, 9_000_000_000)).join().unwrap(); // above 5 s
        let mut text = String::new();
        metrics.render(&mut text);
        for line in [
            r#"socred_http_requests_total{route="/a",method="GET",status="200"} 2"#,
            r#"socred_http_requests_total{route="/a",method="GET",status="404"} 1"#,
            r#"socred_http_request_duration_seconds_bucket{route="/a",method="GET",le="0.00005"} 1"#,
            r#"socred_http_request_duration_seconds_bucket{route="/a",method="GET",le="0.00025"} 1"#,
            r#"socred_http_request_duration_seconds_bucket{route="/a",method="GET",le="0.0005"} 2"#,
            r#"socred_http_request_duration_seconds_bucket{route="/a",method="GET",le="5"} 2"#,
            r#"socred_http_request_duration_seconds_bucket{route="/a",method="GET",le="+Inf"} 3"#,
            r#"socred_http_request_duration_seconds_count{route="/a",method="GET"} 3"#,
            r#"socred_http_request_duration_seconds_sum{route="/a",method="GET"} 9.00034"#,
        ] {
            assert!(text.lines().any(|l| l == line), "missing {line} in\n{text}");
        }
    }

    #[test]
    fn series_are_bounded_and_labels_escaped() {
        let metrics = HttpMetrics::default();
        for number in 0..MAX_SERIES + 10 {
            metrics.record(&format!("/r{number}"), &Method::GET, 200, 1);
        }
        metrics.record("/quote\"d", &Method::POST, 200, 1);
        let mut text = String::new();
        metrics.render(&mut text);
        let series = text.lines().filter(|l| l.starts_with("socred_http_requests_total{")).count();
        assert_eq!(series, MAX_SERIES + 2, "beyond the bound, routes are named other (here with two methods)");
        assert!(text.contains(r#"socred_http_requests_total{route="other",method="GET",status="200"} 10"#), "{text}");
        assert!(text.contains(r#"socred_http_requests_total{route="other",method="POST",status="200"} 1"#));
        assert!(!text.contains("quote"), "the route past the bound is not a label");
    }

    #[test]
    fn made_up_methods_share_one_label() {
        let made_up = Method::from_bytes(b"BREW").unwrap();
        assert_eq!(label_method(&made_up).as_str(), "OTHER");
        assert_eq!(label_method(&Method::PATCH), Method::PATCH);
    }

    #[test]
    fn label_values_are_escaped() {
        assert_eq!(escape_label(r#"a"b\c"#), r#"a\"b\\c"#);
        assert_eq!(escape_label("plain"), "plain");
    }
}
