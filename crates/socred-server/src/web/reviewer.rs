//! The reviewer's pages: the queue of appeals, disputes, repairs and
//! proposals with what lies behind each case, decisions (no outcome chosen in
//! advance), notices served and proposals withdrawn, and the annual
//! expectation report (also as CSV).

use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use socred_auth::Role;

use maud::html;
use socred_i18n::Argument;

use super::{Flash, back, form_caller, page, reader, rich, signed_in};
use crate::AppState;
use crate::auth::MaybeCaller;
use crate::body::Form;
use crate::service;
use crate::service::cases::Decision;

/// Cases per kind whose record or entry the queue shows inline.
const MAX_CASE_DETAILS: usize = 100;

pub async fn reviewer(State(state): State<AppState>, caller: MaybeCaller, flash: Flash) -> Response {
    let caller = match signed_in(caller, Some(Role::Reviewer)) {
        Ok(caller) => caller,
        Err(response) => return response,
    };
    let today = caller.today();
    let queue = match state.db.queue(today).await {
        Ok(queue) => queue,
        Err(error) => return super::failure_page(error),
    };
    let named = queue.appeals.iter().map(|q| q.subject.id).chain(queue.disputes.iter().map(|q| q.subject.id));
    let named: Vec<_> =
        named.chain(queue.repairs.iter().map(|q| q.subject.id)).chain(queue.proposals.iter().map(|q| q.subject.id)).collect();
    if let Err(error) = service::reads::log_reads(&state, &caller, named, "reviewers' queue", "pending case").await {
        return super::failure_page(error);
    }
    // What lies behind each case: the disputed record, the entry and its notice.
    let disputed: Vec<_> = queue.disputes.iter().take(MAX_CASE_DETAILS).map(|q| q.item.record.clone()).collect();
    let mut subjects: Vec<_> = queue.appeals.iter().map(|q| q.subject.id).chain(queue.repairs.iter().map(|q| q.subject.id)).collect();
    subjects.sort_by(|a, b| a.as_str().cmp(b.as_str()));
    subjects.dedup();
    subjects.truncate(MAX_CASE_DETAILS);
    let details = state
        .db
        .reading(move |store| {
            let mut records = std::collections::HashMap::new();
            for id in disputed {
                if let Some(found) = store.record(&id)? {
                    records.insert(id, found);
                }
            }
            let mut entries = std::collections::HashMap::new();
            for subject in subjects {
                for entry in store.due_process(&subject, today)?.entries {
                    entries.insert(entry.id.clone(), entry);
                }
            }
            Ok((records, entries))
        })
        .await;
    let (records, entries) = match details {
        Ok(details) => details,
        Err(error) => return super::failure_page(error),
    };
    let rulebook = match state.db.rulebook().await {
        Ok(rulebook) => rulebook,
        Err(error) => return super::failure_page(error),
    };
    let language = reader();
    let words = socred_i18n::words::Words::new(language, &rulebook);
    let t = |id: &str| language.text(id);
    let day = |date: socred_core::Date| Argument::Text(language.date(date));
    let csrf = caller.csrf.as_deref().unwrap_or("");
    let record_behind = |id: &socred_core::record::RecordId| match records.get(id) {
        Some((record, void)) => html! {
            details.case open {
                summary { (t("reviewer-the-record")) }
                p {
                    (language.text_with("reviewer-record-line", &[
                        ("behaviour", Argument::Text(words.behaviour_title(&record.behaviour).to_string())),
                        ("day", day(record.occurred_on)),
                        ("source", Argument::Text(words.authority(&record.source))),
                    ]))
                }
                p { strong { (t("portal-evidence")) } " " (record.evidence.as_deref().unwrap_or("—")) }
                @if let Some(reason) = void { p.meta { (language.text_with("reviewer-record-void", &[("reason", Argument::Text(reason.clone()))])) } }
            }
        },
        None => html! {},
    };
    let entry_behind = |id: &socred_core::process::EntryId| match entries.get(id) {
        Some(entry) => html! {
            details.case open {
                summary { (t("reviewer-the-entry")) }
                p { (words.list(&entry.list, &entry.list_title)) " — " (t(&format!("entry-state-{}", entry.state.as_str()))) }
                @if let Some(notice) = &entry.notice {
                    p { (language.text_with("portal-notice-served", &[("day", day(notice.served_on)), ("by", Argument::Text(words.authority(&notice.issued_by)))])) }
                    p { strong { (t("portal-notice-facts")) } " " (words.facts(&notice.facts, &notice.facts_source)) }
                    p { strong { (t("portal-notice-basis")) } " " (words.list_basis(&notice.list, &notice.legal_basis)) }
                }
            }
        },
        None => html! {},
    };
    let decision_form = |kind: &str, id: &str, outcomes: &[(&str, &str)]| {
        let key = format!("{kind}-{id}").replace([':', '@', '/', '.'], "-");
        html! {
            form method="post" action="/reviewer/decisions" {
                input type="hidden" name="csrf" value=(csrf); input type="hidden" name="kind" value=(kind); input type="hidden" name="id" value=(id);
                p { label for={ "outcome-" (key) } { (t("field-decision")) } select id={ "outcome-" (key) } name="outcome" required {
                    // No outcome is chosen for the reviewer.
                    option value="" selected disabled { (t("reviewer-choose-outcome")) }
                    @for (value, label) in outcomes { option value=(value) { (t(label)) } }
                } }
                p { label for={ "reasons-" (key) } { (t("field-reasons")) } textarea id={ "reasons-" (key) } name="reasons" rows="2" required maxlength="4000" {} }
                p { button type="submit" { (t("field-decide")) } }
            }
        }
    };
    let deadline = |by: socred_core::Date, overdue: bool| {
        html! {
            p.meta { (language.text_with("reviewer-decide-by", &[("day", day(by))])) @if overdue { " " span.overdue { (t("reviewer-overdue")) } } }
        }
    };
    let heading = |id: &str, count: usize| language.text_with(id, &[("count", Argument::Number(count as i64))]);
    let body = html! {
        p { (t("reviewer-intro")) }
        h2 { (heading("reviewer-appeals", queue.appeals.len())) }
        @if queue.appeals.is_empty() { p { (t("reviewer-nothing")) } }
        @for q in &queue.appeals {
            @let a = &q.item;
            section.card {
                h3 { (language.text_with("reviewer-appeal", &[("appeal", Argument::Text(a.id.to_string())), ("instance", Argument::Number(i64::from(a.instance)))])) " — " (q.subject.name) }
                p { (language.text_with("reviewer-appeal-on", &[("entry", Argument::Text(a.entry.to_string())), ("filed", day(a.filed_on)), ("by", Argument::Text(a.by.clone()))])) " " (a.grounds) }
                (entry_behind(&a.entry))
                (deadline(a.decide_by, a.overdue))
                (decision_form("appeal", a.id.as_str(), &[("uphold", "reviewer-appeal-uphold"), ("overturn", "reviewer-appeal-overturn")]))
            }
        }
        h2 { (heading("reviewer-disputes", queue.disputes.len())) }
        @if queue.disputes.is_empty() { p { (t("reviewer-nothing")) } }
        @for q in &queue.disputes {
            @let d = &q.item;
            section.card {
                h3 { (language.text_with("reviewer-dispute", &[("dispute", Argument::Text(d.id.to_string()))])) " — " (q.subject.name) }
                p { (language.text_with("reviewer-dispute-of", &[("record", Argument::Text(d.record.to_string())), ("filed", day(d.filed_on)), ("by", Argument::Text(d.by.clone()))])) " " (d.grounds) }
                (record_behind(&d.record))
                (deadline(d.decide_by, d.overdue))
                (decision_form("dispute", d.id.as_str(), &[("reject", "reviewer-dispute-reject"), ("uphold", "reviewer-dispute-uphold")]))
            }
        }
        h2 { (heading("reviewer-repairs", queue.repairs.len())) }
        @if queue.repairs.is_empty() { p { (t("reviewer-nothing")) } }
        @for q in &queue.repairs {
            @let r = &q.item;
            section.card {
                h3 { (language.text_with("reviewer-repair", &[("repair", Argument::Text(r.id.to_string()))])) " — " (q.subject.name) }
                p {
                    (language.text_with("reviewer-repair-of", &[("entry", Argument::Text(r.entry.to_string())), ("applied", day(r.applied_on)), ("by", Argument::Text(r.by.clone()))])) " " (r.evidence)
                    @if let Some(commitment) = &r.commitment { "; " (t("reviewer-commitment")) " " (commitment) }
                }
                (entry_behind(&r.entry))
                (deadline(r.decide_by, r.overdue))
                (decision_form("repair", r.id.as_str(), &[("approve", "reviewer-repair-approve"), ("refuse", "reviewer-repair-refuse")]))
            }
        }
        h2 { (heading("reviewer-proposals", queue.proposals.len())) }
        @if queue.proposals.is_empty() { p { (t("reviewer-nothing")) } }
        @for q in &queue.proposals {
            @let e = &q.item;
            @let key = e.id.as_str().replace([':', '@', '/', '.'], "-");
            section.card {
                h3 { (words.list(&e.list, &e.list_title)) " — " (q.subject.name) }
                p { (language.text_with("reviewer-proposed", &[("day", day(e.started_on)), ("by", Argument::Text(words.authority(&e.authority)))])) " " (words.facts(&e.facts, &e.facts_source)) }
                p.meta { (t("portal-notice-basis")) " " (words.list_basis(&e.list, &e.legal_basis)) }
                form method="post" action="/reviewer/notices" {
                    input type="hidden" name="csrf" value=(csrf); input type="hidden" name="entry" value=(e.id.as_str());
                    p { button type="submit" id={ "serve-" (key) } { (t("reviewer-serve")) } }
                }
                form method="post" action="/reviewer/withdrawals" {
                    input type="hidden" name="csrf" value=(csrf); input type="hidden" name="entry" value=(e.id.as_str());
                    p { label for={ "withdraw-" (key) } { (t("reviewer-withdraw-reason")) } textarea id={ "withdraw-" (key) } name="reason" rows="2" required maxlength="4000" {} }
                    p { button type="submit" { (t("reviewer-withdraw")) } }
                }
            }
        }
    };
    page(&t("reviewer-title"), Some(&caller), &flash, body).into_response()
}

#[derive(Debug, Deserialize)]
pub struct DecisionForm {
    csrf: String,
    kind: String,
    id: String,
    outcome: String,
    reasons: String,
}

pub async fn decide(State(state): State<AppState>, caller: MaybeCaller, Form(form): Form<DecisionForm>) -> Response {
    let caller = match form_caller(caller, Role::Reviewer, &form.csrf) {
        Ok(caller) => caller,
        Err(response) => return response,
    };
    let result = async {
        let decision = Decision::parse(&form.kind, &form.outcome)?;
        let acted = service::cases::decide(&state, &caller, &form.id, decision, form.reasons).await?;
        Ok(reader().text_with("reviewer-decided", &[("case", Argument::Text(acted.id))]))
    }
    .await;
    back("/reviewer", result)
}

#[derive(Debug, Deserialize)]
pub struct NoticeForm {
    csrf: String,
    entry: String,
}

pub async fn serve_notice(State(state): State<AppState>, caller: MaybeCaller, Form(form): Form<NoticeForm>) -> Response {
    let caller = match form_caller(caller, Role::Reviewer, &form.csrf) {
        Ok(caller) => caller,
        Err(response) => return response,
    };
    let result = service::cases::serve_notice(&state, &caller, &form.entry)
        .await
        .map(|acted| reader().text_with("reviewer-served", &[("entry", Argument::Text(acted.id))]));
    back("/reviewer", result)
}

#[derive(Debug, Deserialize)]
pub struct WithdrawForm {
    csrf: String,
    entry: String,
    reason: String,
}

/// Withdraws a proposal before its notice is served.
pub async fn withdraw(State(state): State<AppState>, caller: MaybeCaller, Form(form): Form<WithdrawForm>) -> Response {
    let caller = match form_caller(caller, Role::Reviewer, &form.csrf) {
        Ok(caller) => caller,
        Err(response) => return response,
    };
    let result = service::cases::withdraw(&state, &caller, &form.entry, form.reason)
        .await
        .map(|acted| reader().text_with("reviewer-withdrawn", &[("entry", Argument::Text(acted.id))]));
    back("/reviewer", result)
}

/// The annual report's year and page as the form sends them: an empty field
/// is the default (last year, the first page), anything but a whole number refused.
#[derive(Debug, Deserialize)]
pub struct AnnualQuery {
    year: Option<String>,
    page: Option<String>,
}

impl AnnualQuery {
    fn parsed(&self, today: socred_core::Date) -> Result<(i32, u64), crate::error::ApiError> {
        fn number<T: std::str::FromStr>(field: &str, text: Option<&String>) -> Result<Option<T>, crate::error::ApiError> {
            match text.map(|text| text.trim()).filter(|text| !text.is_empty()) {
                None => Ok(None),
                Some(text) => {
                    text.parse().map(Some).map_err(|_| crate::error::ApiError::invalid_message(field, "input-whole-number", vec![]))
                }
            }
        }
        let year: i32 = number("year", self.year.as_ref())?.unwrap_or(today.year() - 1).clamp(1800, 9999);
        let page: u64 = number("page", self.page.as_ref())?.unwrap_or(0).min(1_000_000);
        Ok((year, page))
    }
}

/// Subjects below the annual expectation, a page of 200 at a time.
pub async fn annual(State(state): State<AppState>, caller: MaybeCaller, Query(query): Query<AnnualQuery>) -> Response {
    let caller = match signed_in(caller, Some(Role::Reviewer)) {
        Ok(caller) => caller,
        Err(response) => return response,
    };
    let (year, page_number) = match query.parsed(caller.today()) {
        Ok(parsed) => parsed,
        Err(error) => return super::failure_page(error),
    };
    const PAGE: u32 = 200;
    let result = async {
        let expected = state.db.rulebook().await?.annual_min_net_points;
        Ok::<_, crate::error::ApiError>((
            state.db.reading(move |store| store.annual_report(year, PAGE, page_number * u64::from(PAGE))).await?,
            expected,
        ))
    }
    .await;
    let ((total, rows), expected) = match result {
        Ok(found) => found,
        Err(error) => return super::failure_page(error),
    };
    if let Err(error) =
        service::reads::log_reads(&state, &caller, rows.iter().map(|r| r.subject), "annual expectation report", "net points of a year")
            .await
    {
        return super::failure_page(error);
    }
    let language = reader();
    let t = |id: &str| language.text(id);
    let more = (page_number + 1) * u64::from(PAGE) < total;
    let summary = language.text_with(
        "annual-summary",
        &[
            ("total", Argument::Number(total as i64)),
            ("expected", Argument::Text(format!("{expected:+}"))),
            ("year", Argument::Number(i64::from(year))),
        ],
    );
    let body = html! {
        form.card method="get" action="/reviewer/annual" {
            p { label for="year" { (t("annual-year")) } input #year name="year" type="number" min="1800" max="9999" value=(year); }
            p { button type="submit" { (t("annual-show")) } }
        }
        p { (summary) " " a href={ "/reviewer/annual.csv?year=" (year) } download { (t("annual-download")) } " · " (rich(language, "annual-csv", &[("command", html! { code { "socred report annual --year " (year) } })])) }
        div.table-wrap { table {
            thead { tr { th scope="col" { (t("annual-subject")) } th scope="col" { (t("annual-name")) } th scope="col" { (t("annual-net")) } } }
            tbody { @for r in &rows { tr { td { code { (r.subject.as_str()) } } td { (r.name) } td { (format!("{:+}", r.net_points)) } } } }
        } }
        @if more { p { a href={ "/reviewer/annual?year=" (year) "&page=" (page_number + 1) } { (t("annual-next")) } } }
    };
    page(&t("annual-title"), Some(&caller), &Flash::default(), body).into_response()
}

/// Rows one CSV of the annual report holds at most; the CLI writes any number.
const MAX_ANNUAL_CSV_ROWS: u32 = 10_000;

/// `/reviewer/annual.csv`: the annual report's subjects below the
/// expectation as CSV, each row a read of that subject's file, logged.
pub async fn annual_csv(State(state): State<AppState>, caller: MaybeCaller, Query(query): Query<AnnualQuery>) -> Response {
    let caller = match signed_in(caller, Some(Role::Reviewer)) {
        Ok(caller) => caller,
        Err(response) => return response,
    };
    let year = match query.parsed(caller.today()) {
        Ok((year, _)) => year,
        Err(error) => return super::failure_page(error),
    };
    let (total, rows) = match state.db.reading(move |store| store.annual_report(year, MAX_ANNUAL_CSV_ROWS, 0)).await {
        Ok(found) => found,
        Err(error) => return super::failure_page(error),
    };
    if let Err(error) = service::reads::log_reads(
        &state,
        &caller,
        rows.iter().map(|r| r.subject),
        "annual expectation report (CSV)",
        "net points of a year",
    )
    .await
    {
        return super::failure_page(error);
    }
    let mut out = socred_store::csv::line(["subject", "name", "net_points", "expected_points"]);
    for row in &rows {
        // Numbers are written as numbers: a minus sign here is no formula.
        let (subject, name) = (socred_store::csv::cell(row.subject.as_str()), socred_store::csv::cell(&row.name));
        out.push_str(&format!("{subject},{name},{},{}\r\n", row.net_points, row.expected_points));
    }
    let disposition = format!("attachment; filename=\"socred-annual-{year}.csv\"");
    // How many subjects the report has, when the file holds only the first of them.
    let headers = [
        (axum::http::header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
        (axum::http::header::CONTENT_DISPOSITION, disposition),
        (axum::http::HeaderName::from_static("x-total-count"), total.to_string()),
    ];
    (headers, out).into_response()
}
