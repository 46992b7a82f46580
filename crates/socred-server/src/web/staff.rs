//! The officer console and the reviewer queue.

use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use socred_auth::Role;
use socred_core::SubjectId;
use socred_core::date::format_date;
use socred_store::AccessRequest;

use super::{Flash, back, esc, form_caller, page, signed_in, url};
use crate::AppState;
use crate::auth::{Caller, MaybeCaller};
use crate::body::Form;
use crate::service;
use crate::service::cases::Decision;
use crate::service::records::RecordRequest;

#[derive(Debug, Deserialize)]
pub struct ConsoleQuery {
    q: Option<String>,
}

pub async fn officer(State(state): State<AppState>, caller: MaybeCaller, flash: Flash, Query(query): Query<ConsoleQuery>) -> Response {
    let caller = match signed_in(caller, Some(Role::Officer)) {
        Ok(caller) => caller,
        Err(response) => return response,
    };
    let search = query.q.clone().filter(|q| !q.trim().is_empty() && q.chars().count() <= 128);
    let loaded = async {
        let found = match search.clone() {
            Some(text) => state.db.reading(move |store| store.search_subjects(&text, 50)).await?,
            None => Vec::new(),
        };
        Ok::<_, crate::error::ApiError>((found, state.db.rulebook().await?))
    }
    .await;
    let (found, rulebook) = match loaded {
        Ok(loaded) => loaded,
        Err(error) => return error.into_response(),
    };
    if let Err(error) =
        service::reads::log_reads(&state, &caller, found.iter().map(|s| s.id), "officer console search", "search result (id and name)")
            .await
    {
        return error.into_response();
    }
    let csrf = esc(caller.csrf.as_deref().unwrap_or(""));
    let authority = esc(caller.account.authority.as_deref().unwrap_or(""));
    let results: String = found
        .iter()
        .map(|s| {
            format!(
                r#"<li><a href="/officer/subjects/{}">{}</a> <code>{}</code></li>"#,
                url(s.id.as_str()),
                esc(&s.name),
                esc(s.id.as_str())
            )
        })
        .collect();
    let results = match &search {
        Some(_) if found.is_empty() => "<p>No subject matches.</p>".to_string(),
        Some(_) => format!("<ul>{results}</ul>"),
        None => String::new(),
    };
    let behaviours: String = rulebook
        .behaviours
        .iter()
        .map(|b| format!(r#"<option value="{}">{} ({:+})</option>"#, esc(&b.code), esc(&b.title), b.points))
        .collect();
    let lists: String = rulebook
        .lists
        .iter()
        .filter(|l| l.manual)
        .map(|l| format!(r#"<option value="{}">{}</option>"#, esc(&l.code), esc(&l.title)))
        .collect();
    let today = format_date(caller.today());
    let max_age = rulebook.max_record_age_years;
    let earliest = format_date(socred_core::date::subtract_years(caller.today(), max_age));
    let body = format!(
        r#"<p>You record for <strong>{authority}</strong>. Every act is in the audit log under your name.</p>
<section class="card"><h2>Search subjects</h2>
<form method="get" action="/officer" role="search"><p><label for="q">Name or identifier</label><input id="q" name="q" value="{}" maxlength="128"></p><p><button type="submit">Search</button></p></form>
{results}</section>
<section class="card"><h2>Record a behaviour</h2>
<form method="post" action="/officer/records">
<input type="hidden" name="csrf" value="{csrf}">
<p><label for="record-subject">Subject identifier</label><input id="record-subject" name="subject" required maxlength="18"></p>
<p><label for="record-behaviour">Behaviour</label><select id="record-behaviour" name="behaviour">{behaviours}</select></p>
<p><label for="record-at">Date it happened</label><input id="record-at" name="at" type="date" value="{today}" min="{earliest}" max="{today}" required> <span class="meta">recorded today; at most {max_age} years back</span></p>
<p><label for="record-evidence">Evidence reference</label><input id="record-evidence" name="evidence" maxlength="1024"></p>
<p><label for="record-id">Record id (optional, for idempotency)</label><input id="record-id" name="record_id" maxlength="64"></p>
<p><button type="submit">Record</button></p>
</form></section>
<section class="card"><h2>Void a record</h2>
<form method="post" action="/officer/voids">
<input type="hidden" name="csrf" value="{csrf}">
<p><label for="void-record">Record id</label><input id="void-record" name="record" required maxlength="64"></p>
<p><label for="void-reason">Reason</label><input id="void-reason" name="reason" required maxlength="1024"></p>
<p><button type="submit">Void</button></p>
</form></section>
<section class="card"><h2>Propose a list entry</h2>
<form method="post" action="/officer/proposals">
<input type="hidden" name="csrf" value="{csrf}">
<p><label for="propose-subject">Subject identifier</label><input id="propose-subject" name="subject" required maxlength="18"></p>
<p><label for="propose-list">List</label><select id="propose-list" name="list">{lists}</select></p>
<p><label for="propose-basis">Legal basis</label><input id="propose-basis" name="legal_basis" required maxlength="4000"></p>
<p><label for="propose-facts">Facts</label><textarea id="propose-facts" name="facts" rows="3" required maxlength="4000"></textarea></p>
<p><button type="submit">Propose</button></p>
</form></section>"#,
        esc(search.as_deref().unwrap_or(""))
    );
    page("Officer console", Some(&caller), &flash, &body).into_response()
}

pub async fn officer_subject(State(state): State<AppState>, caller: MaybeCaller, Path(id): Path<String>, flash: Flash) -> Response {
    let caller = match signed_in(caller, Some(Role::Officer)) {
        Ok(caller) => caller,
        Err(response) => return response,
    };
    let Ok(id) = SubjectId::parse(&id) else {
        return super::error_page(axum::http::StatusCode::NOT_FOUND, Some(&caller), "No such subject", "That is not a valid identifier.");
    };
    let today = caller.today();
    let loaded = state
        .db
        .reading(move |store| {
            let info = store.subject(&id)?.ok_or_else(|| socred_store::StoreError::UnknownSubject(id.to_string()))?;
            Ok((info, store.assessment(&id, today)?, store.due_process(&id, today)?, store.decide_all(&id, today)?))
        })
        .await;
    let (info, assessment, due, decisions) = match loaded {
        Ok(loaded) => loaded,
        Err(error) => {
            return super::error_page(error.status, Some(&caller), "Not found", &error.detail.message);
        }
    };
    if let Err(error) = state
        .db
        .log_access(AccessRequest { actor: caller.actor(), subject: id, purpose: "officer console".into(), what: "assessment".into() })
        .await
    {
        return error.into_response();
    }
    let records: String = assessment
        .records
        .iter()
        .map(|r| {
            format!(
                "<tr><td>{}</td><td>{}</td><td>{:+}</td><td>{}</td><td>{}</td><td><code>{}</code></td></tr>",
                format_date(r.record.occurred_on),
                esc(r.title.as_deref().unwrap_or(&r.record.behaviour)),
                r.points,
                esc(&format!("{:?}", r.status).to_lowercase()),
                esc(&r.record.source),
                esc(r.record.id.as_str())
            )
        })
        .collect();
    let entries: String = due
        .entries
        .iter()
        .map(|e| format!("<li>{} — {} (<code>{}</code>)</li>", esc(&e.list_title), esc(e.state.as_str()), esc(e.id.as_str())))
        .collect();
    let measures = super::provider::decisions_table(&decisions);
    let locks: String = assessment.locks.iter().map(|l| format!(" · locked in {} until {}", esc(&l.tier), format_date(l.until))).collect();
    let body = format!(
        r#"<p><code>{}</code>, {}</p>
<section class="card score"><div><p class="meta">Score</p><p class="big" data-testid="score">{}</p></div><div><p class="meta">Tier</p><p class="big" data-testid="tier">{}</p></div></section>
<p class="meta">Points tier {}{locks}. This view is logged in the subject's file.</p>
<h2>Records</h2><div class="table-wrap"><table><thead><tr><th scope="col">Date</th><th scope="col">Behaviour</th><th scope="col">Points</th><th scope="col">Status</th><th scope="col">Source</th><th scope="col">Id</th></tr></thead><tbody>{records}</tbody></table></div>
<h2>List entries</h2><ul>{entries}</ul>
<h2>Measures: what this subject may and may not do</h2>
{measures}
<p><a href="/officer">Back to the console</a></p>"#,
        esc(info.id.as_str()),
        info.kind.as_str(),
        assessment.score,
        esc(&assessment.tier),
        esc(&assessment.points_tier)
    );
    page(&info.name, Some(&caller), &flash, &body).into_response()
}

/// A text a form left blank is no text.
fn given(text: Option<&str>) -> Option<&str> {
    text.map(str::trim).filter(|text| !text.is_empty())
}

fn officer_caller(caller: MaybeCaller, csrf: &str) -> Result<Caller, Response> {
    super::form_caller(caller, Role::Officer, csrf)
}

#[derive(Debug, Deserialize)]
pub struct RecordForm {
    csrf: String,
    subject: String,
    behaviour: String,
    at: String,
    evidence: Option<String>,
    record_id: Option<String>,
}

pub async fn record(State(state): State<AppState>, caller: MaybeCaller, Form(form): Form<RecordForm>) -> Response {
    let caller = match officer_caller(caller, &form.csrf) {
        Ok(caller) => caller,
        Err(response) => return response,
    };
    let subject = form.subject.trim();
    let request = RecordRequest {
        id: given(form.record_id.as_deref()),
        subject,
        behaviour: &form.behaviour,
        at: &form.at,
        source: None,
        evidence: given(form.evidence.as_deref()),
    };
    let result = service::records::add(&state, &caller, request).await;
    match result {
        Ok(recorded) => {
            let to = format!("/officer/subjects/{}", url(recorded.subject.as_str()));
            back(&to, Ok(format!("Recorded {}.", recorded.record_id)))
        }
        Err(error) => back("/officer", Err(error)),
    }
}

#[derive(Debug, Deserialize)]
pub struct VoidForm {
    csrf: String,
    record: String,
    reason: String,
}

pub async fn void(State(state): State<AppState>, caller: MaybeCaller, Form(form): Form<VoidForm>) -> Response {
    let caller = match officer_caller(caller, &form.csrf) {
        Ok(caller) => caller,
        Err(response) => return response,
    };
    let result = service::records::void(&state, &caller, "record", form.record.trim(), form.reason)
        .await
        .map(|voided| format!("Voided {}.", voided.record_id));
    back("/officer", result)
}

#[derive(Debug, Deserialize)]
pub struct ProposeForm {
    csrf: String,
    subject: String,
    list: String,
    legal_basis: String,
    facts: String,
}

pub async fn propose(State(state): State<AppState>, caller: MaybeCaller, Form(form): Form<ProposeForm>) -> Response {
    let caller = match officer_caller(caller, &form.csrf) {
        Ok(caller) => caller,
        Err(response) => return response,
    };
    let result = service::cases::propose(&state, &caller, form.subject.trim(), form.list, form.legal_basis, form.facts, None)
        .await
        .map(|acted| format!("Proposed {}; a written notice must be served before the appeal window opens.", acted.id));
    back("/officer", result)
}

pub async fn reviewer(State(state): State<AppState>, caller: MaybeCaller, flash: Flash) -> Response {
    let caller = match signed_in(caller, Some(Role::Reviewer)) {
        Ok(caller) => caller,
        Err(response) => return response,
    };
    let today = caller.today();
    let queue = match state.db.queue(today).await {
        Ok(queue) => queue,
        Err(error) => return error.into_response(),
    };
    let named = queue.appeals.iter().map(|q| q.subject.id).chain(queue.disputes.iter().map(|q| q.subject.id));
    let named: Vec<_> =
        named.chain(queue.repairs.iter().map(|q| q.subject.id)).chain(queue.proposals.iter().map(|q| q.subject.id)).collect();
    if let Err(error) = service::reads::log_reads(&state, &caller, named, "reviewers' queue", "pending case").await {
        return error.into_response();
    }
    let csrf = esc(caller.csrf.as_deref().unwrap_or(""));
    let decision_form = |kind: &str, id: &str, outcomes: &[(&str, &str)]| -> String {
        let options: String = outcomes.iter().map(|(value, label)| format!(r#"<option value="{value}">{label}</option>"#)).collect();
        let key = esc(&format!("{kind}-{id}").replace([':', '@', '/', '.'], "-"));
        format!(
            r#"<form method="post" action="/reviewer/decisions"><input type="hidden" name="csrf" value="{csrf}"><input type="hidden" name="kind" value="{kind}"><input type="hidden" name="id" value="{}">
<p><label for="outcome-{key}">Decision</label><select id="outcome-{key}" name="outcome">{options}</select></p>
<p><label for="reasons-{key}">Reasons</label><textarea id="reasons-{key}" name="reasons" rows="2" required maxlength="4000"></textarea></p>
<p><button type="submit">Decide</button></p></form>"#,
            esc(id)
        )
    };
    let overdue = |flag: bool| {
        if flag { r#" <span class="overdue">overdue</span>"# } else { "" }
    };
    let mut appeals = String::new();
    for q in &queue.appeals {
        let a = &q.item;
        appeals.push_str(&format!(
            "<section class=\"card\"><h3>Appeal {} (instance {}) — {}</h3><p>On <code>{}</code>, filed {} by {}: {}</p><p class=\"meta\">Decide by {}{}</p>{}</section>",
            esc(a.id.as_str()),
            a.instance,
            esc(&q.subject.name),
            esc(a.entry.as_str()),
            format_date(a.filed_on),
            esc(&a.by),
            esc(&a.grounds),
            format_date(a.decide_by),
            overdue(a.overdue),
            decision_form("appeal", a.id.as_str(), &[("uphold", "Uphold the listing"), ("overturn", "Overturn the listing")])
        ));
    }
    let mut disputes = String::new();
    for q in &queue.disputes {
        let d = &q.item;
        disputes.push_str(&format!(
            "<section class=\"card\"><h3>Dispute {} — {}</h3><p>Of record <code>{}</code>, filed {} by {}: {}</p><p class=\"meta\">Decide by {}{}</p>{}</section>",
            esc(d.id.as_str()),
            esc(&q.subject.name),
            esc(d.record.as_str()),
            format_date(d.filed_on),
            esc(&d.by),
            esc(&d.grounds),
            format_date(d.decide_by),
            overdue(d.overdue),
            decision_form("dispute", d.id.as_str(), &[("reject", "Reject: the record stands"), ("uphold", "Uphold: void the record")])
        ));
    }
    let mut repairs = String::new();
    for q in &queue.repairs {
        let r = &q.item;
        repairs.push_str(&format!(
            "<section class=\"card\"><h3>Credit repair {} — {}</h3><p>Of <code>{}</code>, applied {} by {}: {}{}</p><p class=\"meta\">Decide by {}{}</p>{}</section>",
            esc(r.id.as_str()),
            esc(&q.subject.name),
            esc(r.entry.as_str()),
            format_date(r.applied_on),
            esc(&r.by),
            esc(&r.evidence),
            r.commitment.as_deref().map(|c| format!("; commitment: {}", esc(c))).unwrap_or_default(),
            format_date(r.decide_by),
            overdue(r.overdue),
            decision_form("repair", r.id.as_str(), &[("approve", "Approve: end the publication"), ("refuse", "Refuse")])
        ));
    }
    let mut proposals = String::new();
    for q in &queue.proposals {
        let e = &q.item;
        let key = esc(&e.id.as_str().replace([':', '@', '/', '.'], "-"));
        proposals.push_str(&format!(
            r#"<section class="card"><h3>{} — {}</h3><p>Proposed {} by {}: {}</p><p class="meta">Legal basis: {}</p>
<form method="post" action="/reviewer/notices"><input type="hidden" name="csrf" value="{csrf}"><input type="hidden" name="entry" value="{}"><p><button type="submit" id="serve-{key}">Serve the written notice</button></p></form></section>"#,
            esc(&e.list_title),
            esc(&q.subject.name),
            format_date(e.started_on),
            esc(&e.authority),
            esc(&e.facts),
            esc(&e.legal_basis),
            esc(e.id.as_str())
        ));
    }
    let none = |s: &str| {
        if s.is_empty() { "<p>Nothing pending.</p>".to_string() } else { s.to_string() }
    };
    let body = format!(
        "<p>You may not decide a case you raised or filed; the system refuses it.</p><h2>Appeals ({})</h2>{}<h2>Disputes ({})</h2>{}<h2>Credit repair ({})</h2>{}<h2>Proposals awaiting notice ({})</h2>{}",
        queue.appeals.len(),
        none(&appeals),
        queue.disputes.len(),
        none(&disputes),
        queue.repairs.len(),
        none(&repairs),
        queue.proposals.len(),
        none(&proposals)
    );
    page("Reviewer queue", Some(&caller), &flash, &body).into_response()
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
        Ok(format!("Decided {}.", acted.id))
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
        .map(|acted| format!("Notice served for {}; the appeal window is open.", acted.id));
    back("/reviewer", result)
}

#[derive(Debug, Deserialize)]
pub struct AnnualQuery {
    year: Option<i32>,
    page: Option<u64>,
}

/// Subjects below the annual expectation, a page of 200 at a time.
pub async fn annual(State(state): State<AppState>, caller: MaybeCaller, Query(query): Query<AnnualQuery>) -> Response {
    let caller = match signed_in(caller, Some(Role::Reviewer)) {
        Ok(caller) => caller,
        Err(response) => return response,
    };
    let year = query.year.unwrap_or(caller.today().year() - 1).clamp(1800, 9999);
    let page_number = query.page.unwrap_or(0).min(1_000_000);
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
        Err(error) => return error.into_response(),
    };
    if let Err(error) =
        service::reads::log_reads(&state, &caller, rows.iter().map(|r| r.subject), "annual expectation report", "net points of a year")
            .await
    {
        return error.into_response();
    }
    let lines: String = rows
        .iter()
        .map(|r| format!("<tr><td><code>{}</code></td><td>{}</td><td>{:+}</td></tr>", esc(r.subject.as_str()), esc(&r.name), r.net_points))
        .collect();
    let next = if (page_number + 1) * u64::from(PAGE) < total {
        format!(r#"<p><a href="/reviewer/annual?year={year}&amp;page={}">Next page</a></p>"#, page_number + 1)
    } else {
        String::new()
    };
    let body = format!(
        r#"<form method="get" action="/reviewer/annual" class="card"><p><label for="year">Year</label><input id="year" name="year" type="number" min="1800" max="9999" value="{year}"></p><p><button type="submit">Show</button></p></form>
<p>{total} subjects gained less than {expected:+} net points in {year}. The expectation is reported only; it triggers no sanction. Also as CSV: <code>socred report annual --year {year}</code>.</p>
<div class="table-wrap"><table><thead><tr><th scope="col">Subject</th><th scope="col">Name</th><th scope="col">Net points</th></tr></thead><tbody>{lines}</tbody></table></div>{next}"#
    );
    page("Annual expectation report", Some(&caller), &Flash::default(), &body).into_response()
}
