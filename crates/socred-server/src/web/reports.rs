//! Pages for public reports and partner feeds: the report form (with
//! evidence uploads), the reviewers' report queue with pending partner
//! records, the reviewers' metrics page, and a partner's receipts.

use axum::extract::{Multipart, State};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use socred_auth::Role;
use socred_store::{ReportOutcome, ReportView};

use maud::{Markup, html};
use socred_i18n::{Argument, Language};

use super::{Flash, back, check_csrf, form_caller, page, reader, rich, signed_in};
use crate::AppState;
use crate::auth::MaybeCaller;
use crate::body::Form;
use crate::error::ApiError;
use crate::service;
use crate::service::reports::ReportRequest;
use socred_i18n::words::{Words, code_in_language};

/// Fields read from a report form at most (text fields plus files).
const MAX_FORM_FIELDS: usize = 32;
/// A report form: up to 16 files of the rulebook's largest allowed size would
/// not fit; this bounds the request, the rulebook bounds each file.
pub const MAX_FORM_BYTES: usize = 24 * 1024 * 1024;

pub fn evidence_links(view: &ReportView) -> Markup {
    let language = reader();
    html! {
        @if view.evidence.is_empty() { (language.text("report-no-evidence")) }
        @for (number, e) in view.evidence.iter().enumerate() {
            @if number > 0 { "; " }
            a href={ "/api/v1/evidence/" (e.hash) } { (language.text_with("report-evidence-file", &[("type", Argument::Text(e.media_type.clone())), ("bytes", Argument::Text(language.number(e.bytes as i64)))])) }
        }
    }
}

/// The report form and the reports the subject filed.
pub async fn form(State(state): State<AppState>, caller: MaybeCaller, flash: Flash) -> Response {
    let caller = match signed_in(caller, Some(Role::Subject)) {
        Ok(caller) => caller,
        Err(response) => return response,
    };
    let Some(me) = caller.account.subject else { return super::failure_page(ApiError::forbidden("this account names no person")) };
    let result = state.db.reading(move |store| Ok((store.reports_by(&me, 200)?, store.active_rulebook().clone()))).await;
    let (mine, rulebook) = match result {
        Ok(found) => found,
        Err(error) => return super::failure_page(error),
    };
    let rules = &rulebook.reporting;
    let language = reader();
    let words = Words::new(language, &rulebook);
    let t = |id: &str| language.text(id);
    let intro = language.text_with("report-intro", &[("per_day", Argument::Number(i64::from(rules.per_account_per_day)))]);
    let evidence_label = language.text_with(
        "report-evidence-label",
        &[
            ("types", Argument::Text(rules.evidence_types.join(", "))),
            ("files", Argument::Number(i64::from(rules.evidence_max_files))),
            ("bytes", Argument::Text(language.number(rules.evidence_max_bytes as i64))),
        ],
    );
    let body = html! {
        p { (intro) }
        form.card method="post" action="/me/reports" enctype="multipart/form-data" {
            input type="hidden" name="csrf" value=(caller.csrf.as_deref().unwrap_or(""));
            p { label for="report-subject" { (t("report-subject")) } input #report-subject name="subject" required maxlength="18"; }
            p { label for="report-behaviour" { (t("report-behaviour")) } select #report-behaviour name="behaviour" {
                @for code in &rules.reportable { option value=(code) { (words.behaviour(code, rulebook.behaviour(code).map_or(code.as_str(), |b| b.title.as_str()))) } }
            } }
            p { label for="report-date" { (t("report-date")) } input #report-date name="occurred_on" required maxlength="10" pattern="\\d{4}-\\d{2}-\\d{2}"; }
            p { label for="report-description" { (t("report-description")) } textarea #report-description name="description" rows="4" required maxlength="4000" {} }
            p { label for="report-evidence" { (evidence_label) } input #report-evidence name="evidence" type="file" multiple; }
            p { button type="submit" { (t("report-submit")) } }
        }
        h2 { (t("report-mine")) }
        div.table-wrap { table {
            thead { tr { @for id in ["report-column-report", "report-column-about", "report-column-behaviour", "report-column-on", "report-column-state"] { th scope="col" { (t(id)) } } } }
            tbody { @for r in &mine {
                tr {
                    td { code { (r.id) } }
                    td { code { (r.subject.as_str()) } }
                    td { (words.behaviour(&r.behaviour, rulebook.behaviour(&r.behaviour).map_or(r.behaviour.as_str(), |b| b.title.as_str()))) }
                    td { (language.date(r.occurred_on)) }
                    td data-testid="report-state" { (code_in_language(language, "report-state", &r.state)) }
                }
            } }
        } }
    };
    page(&t("report-title"), Some(&caller), &flash, body).into_response()
}

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
        Err(rejection) => return back("/me/reports", Err(super::policy::unreadable("form", rejection.body_text()))),
    };
    let mut fields: std::collections::HashMap<String, String> = std::collections::HashMap::new();
    let mut files: Vec<Vec<u8>> = Vec::new();
    let mut count = 0;
    loop {
        let field = match multipart.next_field().await {
            Ok(Some(field)) => field,
            Ok(None) => break,
            Err(error) => return back("/me/reports", Err(super::policy::unreadable("form", error.body_text()))),
        };
        count += 1;
        if count > MAX_FORM_FIELDS {
            return back("/me/reports", Err(super::policy::too_many_fields()));
        }
        let name = field.name().unwrap_or("").to_string();
        let is_file = field.file_name().is_some();
        let data = match field.bytes().await {
            Ok(data) => data,
            Err(error) => return back("/me/reports", Err(super::policy::unreadable(&name, error.body_text()))),
        };
        if name == "evidence" && is_file {
            // An empty file input sends an empty part: nothing attached.
            if !data.is_empty() {
                files.push(data.to_vec());
            }
        } else if data.len() <= 8 * 1024 {
            fields.insert(name, String::from_utf8_lossy(&data).into_owned());
        } else {
            return back("/me/reports", Err(ApiError::invalid_message(&name, "input-too-long", vec![])));
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
    let result = service::reports::file(&state, &caller, request, files).await.map(|view| {
        let language = reader();
        let state = code_in_language(language, "report-state", &view.state);
        language.text_with("report-filed", &[("report", Argument::Text(view.id)), ("state", Argument::Text(state))])
    });
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
        Err(error) => return super::failure_page(error),
    };
    let named = reports.iter().flat_map(|report| std::iter::once(report.subject).chain(report.reporter));
    let named: Vec<_> = named.chain(pending.iter().map(|record| record.subject)).collect();
    if let Err(error) = service::reads::log_reads(&state, &caller, named, "report queue", "public report or pending record").await {
        return super::failure_page(error);
    }
    let language = reader();
    let t = |id: &str| language.text(id);
    let csrf = caller.csrf.as_deref().unwrap_or("");
    let reasons = |key: &str| {
        html! {
            p { label for={ "reasons-" (key) } { (t("field-reasons")) } textarea id={ "reasons-" (key) } name="reasons" rows="2" required maxlength="4000" {} }
        }
    };
    let body = html! {
        p { (t("queue-reports-intro")) }
        h2 { (t("queue-open-reports")) }
        @if reports.is_empty() { p { (t("queue-no-reports")) } }
        @for r in &reports {
            @let key = r.id.replace([':', '.'], "-");
            @let stats = r.reporter_stats.unwrap_or_default();
            section.card data-testid="report" {
                h3 { (t("queue-report")) " " code { (r.id) } ": " (r.behaviour) " · " code { (r.subject.as_str()) } " · " (language.date(r.occurred_on)) }
                p { (r.description) }
                p { (t("portal-evidence")) " " (evidence_links(r)) }
                p {
                    (t("queue-reporter")) " " code { (r.reporter.map(|s| s.to_string()).unwrap_or_default()) } ": "
                    (language.text_with("queue-reporter-record", &[("filed", Argument::Number(stats.filed as i64)), ("verified", Argument::Number(stats.verified as i64)), ("rejected", Argument::Number(stats.rejected as i64))])) " "
                    strong data-testid="malicious-share" { (format!("{:.0}%", stats.malicious_share * 100.0)) } " " (t("queue-malicious-share"))
                }
                @if !r.same_facts.is_empty() { p.meta { (language.text_with("queue-same-facts", &[("reports", Argument::Text(r.same_facts.join(", ")))])) } }
                @if r.state == "submitted" {
                    form method="post" action="/reviewer/reports/review" {
                        input type="hidden" name="csrf" value=(csrf); input type="hidden" name="id" value=(r.id);
                        p { button type="submit" { (t("queue-take")) } }
                    }
                } @else {
                    p.meta { (language.text_with("queue-under-review", &[("reviewer", Argument::Text(r.history.last().map_or("", |e| e.actor.as_str()).to_string()))])) }
                    form method="post" action="/reviewer/reports/decide" {
                        input type="hidden" name="csrf" value=(csrf); input type="hidden" name="id" value=(r.id);
                        p { label for={ "outcome-" (key) } { (t("field-decision")) } select id={ "outcome-" (key) } name="outcome" {
                            option value="verified" { (t("queue-verified")) } option value="rejected" { (t("queue-rejected")) } option value="malicious" { (t("queue-malicious")) }
                        } }
                        (reasons(&key))
                        p { button type="submit" { (t("field-decide")) } }
                    }
                }
            }
        }
        h2 { (t("queue-pending")) }
        @if pending.is_empty() { p { (t("queue-no-pending")) } }
        @for p in &pending {
            @let key = p.record_id.replace([':', '.'], "-");
            section.card {
                h3 { (p.behaviour) " · " code { (p.subject.as_str()) } " · " (language.date(p.occurred_on)) }
                p { (language.text_with("queue-pending-from", &[("partner", Argument::Text(p.partner.clone())), ("record", Argument::Text(p.record_id.clone()))]))
                    @if let Some(evidence) = &p.evidence { " " (language.text_with("queue-pending-evidence", &[("evidence", Argument::Text(evidence.clone()))])) } }
                form method="post" action="/reviewer/pending" {
                    input type="hidden" name="csrf" value=(csrf); input type="hidden" name="record_id" value=(p.record_id);
                    p { label for={ "pending-outcome-" (key) } { (t("field-decision")) } select id={ "pending-outcome-" (key) } name="outcome" {
                        option value="confirm" { (t("queue-confirm")) } option value="reject" { (t("queue-reject")) }
                    } }
                    p { label for={ "pending-reasons-" (key) } { (t("field-reasons")) } textarea id={ "pending-reasons-" (key) } name="reasons" rows="2" required maxlength="4000" {} }
                    p { button type="submit" { (t("field-decide")) } }
                }
            }
        }
        p { a href="/reviewer/metrics" { (t("queue-metrics-link")) } }
    };
    page(&t("queue-reports-title"), Some(&caller), &flash, body).into_response()
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
    let result = service::reports::review(&state, &caller, form.id)
        .await
        .map(|v| reader().text_with("queue-taken", &[("report", Argument::Text(v.id))]));
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
            ReportOutcome::parse(&form.outcome).ok_or_else(|| ApiError::invalid_message("outcome", "input-report-outcome", vec![]))?;
        let view = service::reports::decide(&state, &caller, form.id, outcome, form.reasons).await?;
        let language = reader();
        let state = code_in_language(language, "report-state", &view.state);
        Ok(language.text_with("queue-decided", &[("report", Argument::Text(view.id)), ("state", Argument::Text(state))]))
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
            _ => return Err(ApiError::invalid_message("outcome", "input-confirm-or-reject", vec![])),
        };
        service::reports::decide_pending(&state, &caller, form.record_id.clone(), confirm, form.reasons).await?;
        let id = if confirm { "queue-pending-confirmed" } else { "queue-pending-rejected" };
        Ok(reader().text_with(id, &[("record", Argument::Text(form.record_id))]))
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
        Err(error) => return super::failure_page(error),
    };
    let language = reader();
    let t = |id: &str| language.text(id);
    let hours = |h: Option<f64>| h.map_or("–".to_string(), |h| format!("{h:.1} h"));
    let partner_columns = [
        "metrics-partner",
        "metrics-batches",
        "metrics-refused",
        "metrics-mean-lines",
        "metrics-accepted",
        "metrics-pending",
        "metrics-rejected-lines",
        "metrics-rejection-rate",
    ];
    let body = html! {
        h2 { (t("metrics-by-state")) }
        div.table-wrap { table {
            thead { tr { th scope="col" { (t("metrics-state")) } th scope="col" { (t("metrics-reports")) } } }
            tbody { @for (state, count) in &reports.by_state { tr { th scope="row" { (t(&format!("report-state-{state}"))) } td { (count) } } } }
        } }
        p { (rich(language, "metrics-decision-time", &[
            ("decided", html! { (reports.decided) }),
            ("median", html! { strong data-testid="decision-median" { (hours(reports.decision_hours_p50)) } }),
            ("p90", html! { (hours(reports.decision_hours_p90)) }),
            ("max", html! { (hours(reports.decision_hours_max)) }),
        ])) }
        h2 { (t("metrics-partner-batches")) }
        div.table-wrap { table {
            thead { tr { @for id in partner_columns { th scope="col" { (t(id)) } } } }
            tbody { @for p in &partners {
                tr {
                    th scope="row" { (p.partner) } td { (p.batches) } td { (p.batches_refused) } td { (format!("{:.0}", p.mean_batch_lines)) }
                    td { (p.accepted) } td { (p.pending_review) } td { (p.rejected) } td { (format!("{:.1}%", p.rejection_rate * 100.0)) }
                }
            } }
        } }
        p.meta { (rich(language, "metrics-prometheus", &[("path", html! { code { "/metrics" } })])) }
    };
    page(&t("metrics-title"), Some(&caller), &Flash::default(), body).into_response()
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
        Err(error) => return super::failure_page(error),
    };
    let language = reader();
    let t = |id: &str| language.text(id);
    let count = |value: u64| Argument::Number(value as i64);
    let body = html! {
        p { (t("receipts-agreement")) " " code { (caller.account.behaviours.join(", ")) } }
        @if batches.is_empty() { p { (rich(language, "receipts-none", &[("path", html! { code { "POST /api/v1/partners/records" } })])) } }
        @for b in &batches {
            @let more = b.errors.len().saturating_sub(50) as u64 + b.errors_not_listed;
            section.card data-testid="receipt" {
                h2 { (t("receipts-batch")) " " code { (b.batch_id) } ": " @if b.stored { (t("receipts-stored")) } @else { strong.overdue { (t("receipts-refused")) } } }
                p { (language.text_with("receipts-counts", &[("lines", count(b.lines)), ("accepted", count(b.accepted)), ("duplicates", count(b.duplicates)), ("pending", count(b.pending_review)), ("rejected", count(b.rejected))])) }
                @if !b.errors.is_empty() {
                    ul { @for e in b.errors.iter().take(50) {
                        @let (field, reason) = e.words(language == Language::Chinese);
                        li { (language.text_with("receipts-line", &[("line", count(e.line)), ("field", Argument::Text(field.to_string())), ("reason", Argument::Text(reason.to_string()))])) }
                    } }
                    @if more > 0 { p { (language.text_with("receipts-more", &[("more", count(more))])) } }
                }
            }
        }
    };
    page(&t("receipts-title"), Some(&caller), &Flash::default(), body).into_response()
}
