//! Pages for public reports and partner feeds: the report form (with
//! evidence uploads), the reviewers' report queue with pending partner
//! records, the reviewers' metrics page, and a partner's receipts.

use axum::extract::{Multipart, State};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use socred_auth::Role;
use socred_core::date::format_date;
use socred_store::{ReportOutcome, ReportView};

use super::{Flash, back, check_csrf, esc, form_caller, page, signed_in};
use crate::AppState;
use crate::auth::MaybeCaller;
use crate::body::Form;
use crate::error::ApiError;
use crate::service;
use crate::service::reports::ReportRequest;

/// Fields read from a report form at most (text fields plus files).
const MAX_FORM_FIELDS: usize = 32;
/// A report form: up to 16 files of the rulebook's largest allowed size would
/// not fit; this bounds the request, the rulebook bounds each file.
pub const MAX_FORM_BYTES: usize = 24 * 1024 * 1024;

pub fn evidence_links(view: &ReportView) -> String {
    if view.evidence.is_empty() {
        return "none".into();
    }
    view.evidence
        .iter()
        .map(|e| format!(r#"<a href="/api/v1/evidence/{0}">{1}, {2} bytes</a>"#, esc(&e.hash), esc(&e.media_type), e.bytes))
        .collect::<Vec<_>>()
        .join("; ")
}

/// The report form and the reports the subject filed.
pub async fn form(State(state): State<AppState>, caller: MaybeCaller, flash: Flash) -> Response {
    let caller = match signed_in(caller, Some(Role::Subject)) {
        Ok(caller) => caller,
        Err(response) => return response,
    };
    let Some(me) = caller.account.subject else { return ApiError::forbidden("this account names no person").into_response() };
    let result = state.db.reading(move |store| Ok((store.reports_by(&me, 200)?, store.active_rulebook().reporting.clone()))).await;
    let (mine, rules) = match result {
        Ok(found) => found,
        Err(error) => return error.into_response(),
    };
    let options: String = rules.reportable.iter().map(|b| format!(r#"<option value="{0}">{0}</option>"#, esc(b))).collect();
    let rows: String = mine
        .iter()
        .map(|r| {
            format!(
                "<tr><td><code>{}</code></td><td><code>{}</code></td><td>{}</td><td>{}</td><td data-testid=\"report-state\">{}</td></tr>",
                esc(&r.id),
                esc(r.subject.as_str()),
                esc(&r.behaviour),
                format_date(r.occurred_on),
                esc(&r.state)
            )
        })
        .collect();
    let body = format!(
        r#"<p>A report changes nobody's score until a reviewer has verified it. The first verified report of the same facts earns you the rulebook's reward; a report found knowingly false costs you points. You may file {per_account} reports a day.</p>
<form method="post" action="/me/reports" enctype="multipart/form-data" class="card">
<input type="hidden" name="csrf" value="{csrf}">
<p><label for="report-subject">Identifier of the person or organisation</label><input id="report-subject" name="subject" required maxlength="18"></p>
<p><label for="report-behaviour">What they did</label><select id="report-behaviour" name="behaviour">{options}</select></p>
<p><label for="report-date">When (YYYY-MM-DD)</label><input id="report-date" name="occurred_on" required maxlength="10" pattern="\d{{4}}-\d{{2}}-\d{{2}}"></p>
<p><label for="report-description">What you saw</label><textarea id="report-description" name="description" rows="4" required maxlength="4000"></textarea></p>
<p><label for="report-evidence">Evidence ({types}; up to {files} files of {bytes} bytes)</label><input id="report-evidence" name="evidence" type="file" multiple></p>
<p><button type="submit">File the report</button></p>
</form>
<h2>Reports you filed</h2>
<div class="table-wrap"><table><thead><tr><th scope="col">Report</th><th scope="col">About</th><th scope="col">Behaviour</th><th scope="col">On</th><th scope="col">State</th></tr></thead><tbody>{rows}</tbody></table></div>"#,
        per_account = rules.per_account_per_day,
        csrf = esc(caller.csrf.as_deref().unwrap_or("")),
        types = esc(&rules.evidence_types.join(", ")),
        files = rules.evidence_max_files,
        bytes = rules.evidence_max_bytes,
    );
    page("Report a breach of trust", Some(&caller), &flash, &body).into_response()
}

/// Files a report from the multipart form: evidence first (stored by hash), then the report.
pub async fn file(
    State(state): State<AppState>,
    caller: MaybeCaller,
    multipart: Result<Multipart, axum::extract::multipart::MultipartRejection>,
) -> Response {
    let caller = match signed_in(caller, Some(Role::Subject)) {
        Ok(caller) => caller,
        Err(response) => return response,
    };
    let mut multipart = match multipart {
        Ok(multipart) => multipart,
        Err(rejection) => return back("/me/reports", Err(ApiError::invalid("form", rejection.body_text()))),
    };
    let mut fields: std::collections::HashMap<String, String> = std::collections::HashMap::new();
    let mut files: Vec<Vec<u8>> = Vec::new();
    let mut count = 0;
    loop {
        let field = match multipart.next_field().await {
            Ok(Some(field)) => field,
            Ok(None) => break,
            Err(error) => return back("/me/reports", Err(ApiError::invalid("form", error.body_text()))),
        };
        count += 1;
        if count > MAX_FORM_FIELDS {
            return back("/me/reports", Err(ApiError::invalid("form", format!("at most {MAX_FORM_FIELDS} fields"))));
        }
        let name = field.name().unwrap_or("").to_string();
        let is_file = field.file_name().is_some();
        let data = match field.bytes().await {
            Ok(data) => data,
            Err(error) => return back("/me/reports", Err(ApiError::invalid(&name, error.body_text()))),
        };
        if name == "evidence" && is_file {
            // An empty file input sends an empty part: nothing attached.
            if !data.is_empty() {
                files.push(data.to_vec());
            }
        } else if data.len() <= 8 * 1024 {
            fields.insert(name, String::from_utf8_lossy(&data).into_owned());
        } else {
            return back("/me/reports", Err(ApiError::invalid(&name, "is too long")));
        }
    }
    if let Err(response) = check_csrf(&caller, fields.get("csrf").map_or("", String::as_str)) {
        return response;
    }
    let get = |name: &str| fields.get(name).map(|v| v.trim().to_string()).unwrap_or_default();
    let request = ReportRequest {
        id: None,
        subject: get("subject"),
        behaviour: get("behaviour"),
        occurred_on: get("occurred_on"),
        description: get("description"),
        evidence: Vec::new(),
    };
    let result = service::reports::file(&state, &caller, request, files)
        .await
        .map(|view| format!("Report {} filed: {}. It has no effect until a reviewer verifies it.", view.id, view.state));
    back("/me/reports", result)
}

/// The reviewers' queue of reports and pending partner records.
pub async fn queue(State(state): State<AppState>, caller: MaybeCaller, flash: Flash) -> Response {
    let caller = match signed_in(caller, Some(Role::Reviewer)) {
        Ok(caller) => caller,
        Err(response) => return response,
    };
    let result = state.db.reading(|store| Ok((store.report_queue(200)?, store.pending_records(200)?))).await;
    let (reports, pending) = match result {
        Ok(found) => found,
        Err(error) => return error.into_response(),
    };
    let named = reports.iter().flat_map(|report| std::iter::once(report.subject).chain(report.reporter));
    let named: Vec<_> = named.chain(pending.iter().map(|record| record.subject)).collect();
    if let Err(error) = service::reads::log_reads(&state, &caller, named, "report queue", "public report or pending record").await {
        return error.into_response();
    }
    let csrf = esc(caller.csrf.as_deref().unwrap_or(""));
    let mut cards = String::new();
    for r in &reports {
        let key = esc(&r.id.replace([':', '.'], "-"));
        let stats = r.reporter_stats.unwrap_or_default();
        let action = if r.state == "submitted" {
            format!(
                r#"<form method="post" action="/reviewer/reports/review"><input type="hidden" name="csrf" value="{csrf}"><input type="hidden" name="id" value="{}"><p><button type="submit">Take into review</button></p></form>"#,
                esc(&r.id)
            )
        } else {
            format!(
                r#"<p class="meta">Under review by {}.</p><form method="post" action="/reviewer/reports/decide"><input type="hidden" name="csrf" value="{csrf}"><input type="hidden" name="id" value="{}">
<p><label for="outcome-{key}">Decision</label><select id="outcome-{key}" name="outcome"><option value="verified">verified</option><option value="rejected">rejected</option><option value="malicious">malicious (penalise the reporter)</option></select></p>
<p><label for="reasons-{key}">Reasons</label><textarea id="reasons-{key}" name="reasons" rows="2" required maxlength="4000"></textarea></p>
<p><button type="submit">Decide</button></p></form>"#,
                esc(r.history.last().map_or("", |e| e.actor.as_str())),
                esc(&r.id)
            )
        };
        cards.push_str(&format!(
            r#"<section class="card" data-testid="report"><h3>Report <code>{id}</code>: {behaviour} by <code>{subject}</code> on {on}</h3>
<p>{description}</p><p>Evidence: {evidence}</p>
<p>Reporter <code>{reporter}</code>: {filed} filed, {verified} verified, {rejected} rejected, <strong data-testid="malicious-share">{share:.0}%</strong> of decided found malicious.</p>{same}{action}</section>"#,
            id = esc(&r.id),
            behaviour = esc(&r.behaviour),
            subject = esc(r.subject.as_str()),
            on = format_date(r.occurred_on),
            description = esc(&r.description),
            evidence = evidence_links(r),
            reporter = esc(r.reporter.map(|s| s.to_string()).as_deref().unwrap_or("")),
            filed = stats.filed,
            verified = stats.verified,
            rejected = stats.rejected,
            share = stats.malicious_share * 100.0,
            same = if r.same_facts.is_empty() {
                String::new()
            } else {
                format!("<p class=\"meta\">The same facts were reported earlier: {}; decide those first.</p>", esc(&r.same_facts.join(", ")))
            },
        ));
    }
    if reports.is_empty() {
        cards.push_str("<p>No open reports.</p>");
    }
    let mut pending_rows = String::new();
    for p in &pending {
        let key = esc(&p.record_id.replace([':', '.'], "-"));
        pending_rows.push_str(&format!(
            r#"<section class="card"><h3>{behaviour} by <code>{subject}</code> on {on}</h3><p>From partner {partner}, record <code>{id}</code>{evidence}.</p>
<form method="post" action="/reviewer/pending"><input type="hidden" name="csrf" value="{csrf}"><input type="hidden" name="record_id" value="{id}">
<p><label for="pending-outcome-{key}">Decision</label><select id="pending-outcome-{key}" name="outcome"><option value="confirm">confirm: it counts</option><option value="reject">reject: it never counts</option></select></p>
<p><label for="pending-reasons-{key}">Reasons</label><textarea id="pending-reasons-{key}" name="reasons" rows="2" required maxlength="4000"></textarea></p>
<p><button type="submit">Decide</button></p></form></section>"#,
            behaviour = esc(&p.behaviour),
            subject = esc(p.subject.as_str()),
            on = format_date(p.occurred_on),
            partner = esc(&p.partner),
            id = esc(&p.record_id),
            evidence = p.evidence.as_deref().map(|e| format!(", evidence {}", esc(e))).unwrap_or_default(),
        ));
    }
    if pending.is_empty() {
        pending_rows.push_str("<p>No partner records wait for confirmation.</p>");
    }
    let body = format!(
        "<p>Reports change nothing until verified. You may not review a report you filed or one about yourself. Take the oldest report of the same facts first: its reporter is the one rewarded.</p><h2>Open reports</h2>{cards}<h2>Partner records awaiting confirmation</h2>{pending_rows}<p><a href=\"/reviewer/metrics\">Reports and partner metrics</a></p>"
    );
    page("Reports to review", Some(&caller), &flash, &body).into_response()
}

#[derive(Debug, Deserialize)]
pub struct ReviewForm {
    csrf: String,
    id: String,
}

pub async fn review(State(state): State<AppState>, caller: MaybeCaller, Form(form): Form<ReviewForm>) -> Response {
    let caller = match form_caller(caller, Role::Reviewer, &form.csrf) {
        Ok(caller) => caller,
        Err(response) => return response,
    };
    let result = service::reports::review(&state, &caller, form.id).await.map(|v| format!("Report {} is under review by you.", v.id));
    back("/reviewer/reports", result)
}

#[derive(Debug, Deserialize)]
pub struct DecideForm {
    csrf: String,
    id: String,
    outcome: String,
    reasons: String,
}

pub async fn decide(State(state): State<AppState>, caller: MaybeCaller, Form(form): Form<DecideForm>) -> Response {
    let caller = match form_caller(caller, Role::Reviewer, &form.csrf) {
        Ok(caller) => caller,
        Err(response) => return response,
    };
    let result = async {
        let outcome =
            ReportOutcome::parse(&form.outcome).ok_or_else(|| ApiError::invalid("outcome", "one of verified, rejected, malicious"))?;
        let view = service::reports::decide(&state, &caller, form.id, outcome, form.reasons).await?;
        Ok(format!("Report {} {}.", view.id, view.state))
    }
    .await;
    back("/reviewer/reports", result)
}

#[derive(Debug, Deserialize)]
pub struct PendingForm {
    csrf: String,
    record_id: String,
    outcome: String,
    reasons: String,
}

pub async fn decide_pending(State(state): State<AppState>, caller: MaybeCaller, Form(form): Form<PendingForm>) -> Response {
    let caller = match form_caller(caller, Role::Reviewer, &form.csrf) {
        Ok(caller) => caller,
        Err(response) => return response,
    };
    let result = async {
        let confirm = match form.outcome.as_str() {
            "confirm" => true,
            "reject" => false,
            _ => return Err(ApiError::invalid("outcome", "confirm or reject")),
        };
        service::reports::decide_pending(&state, &caller, form.record_id.clone(), confirm, form.reasons).await?;
        Ok(format!("Record {} {}.", form.record_id, if confirm { "confirmed" } else { "rejected" }))
    }
    .await;
    back("/reviewer/reports", result)
}

/// Reports by state, time to decision, partner batches and rejection rates.
pub async fn metrics(State(state): State<AppState>, caller: MaybeCaller) -> Response {
    let caller = match signed_in(caller, Some(Role::Reviewer)) {
        Ok(caller) => caller,
        Err(response) => return response,
    };
    let (reports, partners) = match state.db.reading(|store| Ok((store.report_metrics()?, store.partner_metrics()?))).await {
        Ok(found) => found,
        Err(error) => return error.into_response(),
    };
    let states: String = reports.by_state.iter().map(|(s, n)| format!("<tr><th scope=\"row\">{}</th><td>{n}</td></tr>", esc(s))).collect();
    let hours = |h: Option<f64>| h.map_or("–".to_string(), |h| format!("{h:.1} h"));
    let partner_rows: String = partners
        .iter()
        .map(|p| {
            format!(
                "<tr><th scope=\"row\">{}</th><td>{}</td><td>{}</td><td>{:.0}</td><td>{}</td><td>{}</td><td>{}</td><td>{:.1}%</td></tr>",
                esc(&p.partner),
                p.batches,
                p.batches_refused,
                p.mean_batch_lines,
                p.accepted,
                p.pending_review,
                p.rejected,
                p.rejection_rate * 100.0
            )
        })
        .collect();
    let body = format!(
        r#"<h2>Reports by state</h2><div class="table-wrap"><table><thead><tr><th scope="col">State</th><th scope="col">Reports</th></tr></thead><tbody>{states}</tbody></table></div>
<p>Time from filing to decision over {decided} decided reports: median <strong data-testid="decision-median">{p50}</strong>, 90th percentile {p90}, longest {max}.</p>
<h2>Partner batches</h2><div class="table-wrap"><table><thead><tr><th scope="col">Partner</th><th scope="col">Batches</th><th scope="col">Refused whole</th><th scope="col">Mean lines</th><th scope="col">Accepted</th><th scope="col">Pending</th><th scope="col">Rejected lines</th><th scope="col">Rejection rate</th></tr></thead><tbody>{partner_rows}</tbody></table></div>
<p class="meta">The same figures are on <code>/metrics</code> for Prometheus.</p>"#,
        decided = reports.decided,
        p50 = hours(reports.decision_hours_p50),
        p90 = hours(reports.decision_hours_p90),
        max = hours(reports.decision_hours_max),
    );
    page("Reports and partner metrics", Some(&caller), &Flash::default(), &body).into_response()
}

/// A partner's receipts, newest first, with every refused line.
pub async fn receipts(State(state): State<AppState>, caller: MaybeCaller) -> Response {
    let caller = match signed_in(caller, Some(Role::Partner)) {
        Ok(caller) => caller,
        Err(response) => return response,
    };
    let username = caller.account.username.clone();
    let batches = match state.db.reading(move |store| store.partner_batches(Some(&username), 200)).await {
        Ok(found) => found,
        Err(error) => return error.into_response(),
    };
    let mut cards = String::new();
    for b in &batches {
        let errors: String =
            b.errors.iter().take(50).map(|e| format!("<li>line {}: {}: {}</li>", e.line, esc(&e.field), esc(&e.reason))).collect();
        let more = b.errors.len().saturating_sub(50) as u64 + b.errors_not_listed;
        cards.push_str(&format!(
            r#"<section class="card" data-testid="receipt"><h3>Batch <code>{id}</code>: {verdict}</h3><p>{lines} lines: {accepted} accepted, {duplicates} duplicates, {pending} awaiting a reviewer, {rejected} rejected.</p>{errors}</section>"#,
            id = esc(&b.batch_id),
            verdict = if b.stored { "stored" } else { "<strong class=\"overdue\">refused whole: nothing stored</strong>" },
            lines = b.lines,
            accepted = b.accepted,
            duplicates = b.duplicates,
            pending = b.pending_review,
            rejected = b.rejected,
            errors = if errors.is_empty() { String::new() } else { format!("<ul>{errors}</ul>{}", if more > 0 { format!("<p>… and {more} more.</p>") } else { String::new() }) },
        ));
    }
    if batches.is_empty() {
        cards.push_str("<p>No batches yet. Push NDJSON to <code>POST /api/v1/partners/records</code>.</p>");
    }
    let agreement = esc(&caller.account.behaviours.join(", "));
    let body = format!("<p>Your agreement covers: <code>{agreement}</code>.</p>{cards}");
    page("Your batches", Some(&caller), &Flash::default(), &body).into_response()
}
