//! The citizen portal: my score and why, a chart, my records, my notices,
//! appeal and dispute forms, and who looked at my file.

use axum::extract::State;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use socred_auth::Role;
use socred_core::date::format_date;
use socred_core::lists::EntryState;

use super::{Flash, back, esc, form_caller, page, signed_in};
use crate::AppState;
use crate::auth::MaybeCaller;
use crate::body::Form;
use crate::service;

pub async fn portal(State(state): State<AppState>, caller: MaybeCaller, flash: Flash) -> Response {
    let caller = match signed_in(caller, Some(Role::Subject)) {
        Ok(caller) => caller,
        Err(response) => return response,
    };
    let Some(id) = caller.account.subject else {
        return super::error_page(axum::http::StatusCode::FORBIDDEN, Some(&caller), "No file", "This account is not linked to a subject.");
    };
    let today = caller.today();
    let from = today.replace_year(today.year() - 6).unwrap_or(today);
    if let Err(error) = state.db.checks_committed().await {
        return error.into_response();
    }
    let rulebook = match state.db.rulebook().await {
        Ok(rulebook) => rulebook,
        Err(error) => return error.into_response(),
    };
    let loaded = state
        .db
        .reading(move |store| {
            let info = store.subject(&id)?.ok_or_else(|| socred_store::StoreError::UnknownSubject(id.to_string()))?;
            Ok((
                info,
                store.assessment(&id, today)?,
                store.due_process(&id, today)?,
                store.accesses(&id)?,
                store.timeline(&id, from, today)?,
                store.decide_all(&id, today)?,
                store.checks_of(&id)?,
                store.reports_about(&id, 100)?,
            ))
        })
        .await;
    let (info, assessment, due, accesses, timeline, decisions, checks, reports) = match loaded {
        Ok(loaded) => loaded,
        Err(error) => return error.into_response(),
    };
    let csrf = esc(caller.csrf.as_deref().unwrap_or(""));

    let locks: String = assessment
        .locks
        .iter()
        .map(|l| {
            format!(
                "<p>Locked in tier <strong>{}</strong> until <strong>{}</strong> (since {}).</p>",
                esc(&l.tier),
                format_date(l.until),
                format_date(l.since)
            )
        })
        .collect();
    let annual = &assessment.annual_expectation;
    let score = format!(
        r#"<section class="card score" aria-labelledby="score-heading">
<h2 id="score-heading" >Your standing on {}</h2>
<div><p class="meta">Score</p><p class="big" data-testid="score">{}</p></div>
<div><p class="meta">Tier</p><p class="big" data-testid="tier">{}</p></div>
<div><p class="meta">Tier of your points alone</p><p class="big">{}</p></div>
</section>
{locks}
<p class="meta">Annual expectation {}: {:+} net points so far, at least {:+} expected ({}).</p>"#,
        format_date(today),
        assessment.score,
        esc(&assessment.tier),
        esc(&assessment.points_tier),
        annual.year,
        annual.net_points,
        annual.expected_points,
        if annual.met { "met" } else { "not met" }
    );
    let chart = super::chart::score_chart(&timeline, from, today, &rulebook);

    let mut why = format!("<tr><td>Base score</td><td>{}</td><td></td><td></td></tr>", assessment.base_score);
    for c in &assessment.explanation {
        why.push_str(&format!(
            "<tr><td>{} ({})<br><span class=\"meta\">{}</span></td><td>{:+}</td><td>{}</td><td>{}</td></tr>",
            esc(&c.title),
            format_date(c.occurred_on),
            esc(&c.legal_basis),
            c.points,
            format_date(c.counts_until),
            esc(c.record_id.as_str())
        ));
    }

    let mut records = String::new();
    for r in &assessment.records {
        records.push_str(&format!(
            "<tr><td>{}</td><td>{}</td><td>{:+}</td><td>{}{}</td><td>{}</td><td><code>{}</code></td></tr>",
            format_date(r.record.occurred_on),
            esc(r.title.as_deref().unwrap_or(&r.record.behaviour)),
            r.points,
            esc(&format!("{:?}", r.status).to_lowercase()),
            r.dispute.as_ref().map(|d| format!(" (disputed: {})", esc(d.as_str()))).unwrap_or_default(),
            esc(&r.record.source),
            esc(r.record.id.as_str())
        ));
    }
    let disputable: String = assessment
        .records
        .iter()
        .filter(|r| r.dispute.is_none() && r.void_reason.is_none())
        .map(|r| {
            format!(
                r#"<option value="{}">{} {} ({})</option>"#,
                esc(r.record.id.as_str()),
                format_date(r.record.occurred_on),
                esc(r.title.as_deref().unwrap_or(&r.record.behaviour)),
                esc(r.record.id.as_str())
            )
        })
        .collect();
    let dispute_form = if disputable.is_empty() {
        String::new()
    } else {
        format!(
            r#"<form method="post" action="/me/disputes" class="card">
<h3>Dispute a record</h3>
<input type="hidden" name="csrf" value="{csrf}">
<p><label for="dispute-record">Record</label><select id="dispute-record" name="record">{disputable}</select></p>
<p><label for="dispute-grounds">Your grounds</label><textarea id="dispute-grounds" name="grounds" rows="3" required maxlength="4000"></textarea></p>
<p><button type="submit">File the dispute</button></p>
</form>"#
        )
    };

    let mut entries = String::new();
    for entry in &due.entries {
        let notice = entry.notice.as_ref().map(|n| {
            format!(
                "<h4>Written notice, served {} by {}</h4><p><strong>Facts:</strong> {}</p><p><strong>Legal basis:</strong> {}</p><p><strong>Consequences:</strong> {}</p><p><strong>Appeal:</strong> {}</p>",
                format_date(n.served_on),
                esc(&n.issued_by),
                esc(&n.facts),
                esc(&n.legal_basis),
                esc(&n.consequences),
                match n.appeal_deadline {
                    Some(deadline) => format!("until {} inclusive; if you do not appeal, the listing takes effect on {}.", format_date(deadline), format_date(n.listing_if_unappealed)),
                    None => "this list has no appeal window.".into(),
                }
            )
        });
        let appealable = matches!(entry.state, EntryState::NoticeServed | EntryState::Listed)
            && entry.notice.as_ref().is_some_and(|n| n.appeal_deadline.is_some())
            && entry.appeals.iter().all(|a| a.decision.is_some());
        let appeal_form = if appealable {
            format!(
                r#"<form method="post" action="/me/appeals"><input type="hidden" name="csrf" value="{csrf}"><input type="hidden" name="entry" value="{}">
<p><label for="appeal-{n}">Your grounds for appeal</label><textarea id="appeal-{n}" name="grounds" rows="3" required maxlength="4000"></textarea></p>
<p><button type="submit">Appeal</button></p></form>"#,
                esc(entry.id.as_str()),
                n = esc(&entry.id.as_str().replace([':', '@', '/'], "-"))
            )
        } else {
            String::new()
        };
        let history: String = entry
            .history
            .iter()
            .map(|h| format!("<li>{} — {} by {}: {}</li>", format_date(h.on), esc(&h.action), esc(&h.actor), esc(&h.detail)))
            .collect();
        entries.push_str(&format!(
            r#"<section class="card"><h3>{} — <span class="status-{}">{}</span></h3><p class="meta">{}</p>{}<details><summary>History</summary><ol>{history}</ol></details>{appeal_form}</section>"#,
            esc(&entry.list_title),
            esc(entry.state.as_str()),
            esc(entry.state.as_str()),
            esc(entry.id.as_str()),
            notice.unwrap_or_default()
        ));
    }
    if entries.is_empty() {
        entries.push_str("<p>You are on no list.</p>");
    }

    let disputes: String = due
        .disputes
        .iter()
        .map(|d| {
            format!(
                "<li>{} of record <code>{}</code>, filed {}: {}</li>",
                esc(d.id.as_str()),
                esc(d.record.as_str()),
                format_date(d.filed_on),
                match &d.decision {
                    Some(decision) => format!("decided {} ({:?}): {}", format_date(decision.on), decision.outcome, esc(&decision.reasons)),
                    None => format!("pending, to be decided by {}", format_date(d.decide_by)),
                }
            )
        })
        .collect();

    let mut looked = String::new();
    for check in checks.iter().rev().take(200) {
        looked.push_str(&format!(
            "<tr><td>{}</td><td>{}</td><td>check: {} ({})</td><td>provider decision</td></tr>",
            esc(&check.at),
            esc(&check.provider),
            esc(&check.service),
            esc(&check.outcome)
        ));
    }
    for access in accesses.iter().rev().take(200) {
        looked.push_str(&format!(
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            esc(&access.at),
            esc(&access.actor),
            esc(&access.what),
            esc(&access.purpose)
        ));
    }

    let reports: String = if reports.is_empty() {
        "<p>None.</p>".to_string()
    } else {
        reports
            .iter()
            .map(|r| {
                format!(
                    "<section class=\"card\"><h3>{} on {}</h3><p>{}</p><p>Evidence: {}</p><p class=\"meta\">Reported by {}. It became record <code>{}</code>: dispute it above if it is wrong.</p></section>",
                    esc(&r.behaviour),
                    socred_core::date::format_date(r.occurred_on),
                    esc(&r.description),
                    super::reports::evidence_links(r),
                    r.reporter.map(|s| format!("<code>{s}</code>")).unwrap_or_else(|| "a member of the public (the rulebook does not disclose reporters)".into()),
                    esc(r.record_id.as_deref().unwrap_or("")),
                )
            })
            .collect()
    };
    let body = format!(
        r#"<p>{} (<code>{}</code>, {})</p>
{score}
<h2>Your score over six years</h2>
{chart}
<h2>Why {} points</h2>
<div class="table-wrap"><table><thead><tr><th scope="col">What</th><th scope="col">Points</th><th scope="col">Counts until</th><th scope="col">Record</th></tr></thead><tbody>{why}</tbody></table></div>
<h2>Your records</h2>
<div class="table-wrap"><table><thead><tr><th scope="col">Date</th><th scope="col">Behaviour</th><th scope="col">Points</th><th scope="col">Status</th><th scope="col">Source</th><th scope="col">Id</th></tr></thead><tbody>{records}</tbody></table></div>
{dispute_form}
<h2>What you may and may not do</h2>
{}
<h2>Verified reports about you</h2>
{reports}
<h2>Lists and notices</h2>
{entries}
<h2>Your disputes</h2>
<ul>{disputes}</ul>
<h2>Who looked at your file</h2>
<div class="table-wrap"><table><thead><tr><th scope="col">When</th><th scope="col">Who</th><th scope="col">What</th><th scope="col">Why</th></tr></thead><tbody>{looked}</tbody></table></div>"#,
        esc(&info.name),
        esc(info.id.as_str()),
        info.kind.as_str(),
        assessment.score,
        super::provider::decisions_table(&decisions)
    );
    page("My file", Some(&caller), &flash, &body).into_response()
}

#[derive(Debug, Deserialize)]
pub struct AppealForm {
    csrf: String,
    entry: String,
    grounds: String,
}

pub async fn appeal(State(state): State<AppState>, caller: MaybeCaller, Form(form): Form<AppealForm>) -> Response {
    let caller = match form_caller(caller, Role::Subject, &form.csrf) {
        Ok(caller) => caller,
        Err(response) => return response,
    };
    let result = service::cases::file_appeal(&state, &caller, &form.entry, form.grounds, None)
        .await
        .map(|acted| format!("Appeal {} filed.", acted.id));
    back("/me", result)
}

#[derive(Debug, Deserialize)]
pub struct DisputeForm {
    csrf: String,
    record: String,
    grounds: String,
}

pub async fn dispute(State(state): State<AppState>, caller: MaybeCaller, Form(form): Form<DisputeForm>) -> Response {
    let caller = match form_caller(caller, Role::Subject, &form.csrf) {
        Ok(caller) => caller,
        Err(response) => return response,
    };
    let result = service::cases::file_dispute(&state, &caller, &form.record, form.grounds, None)
        .await
        .map(|acted| format!("Dispute {} filed; a reviewer must decide within the deadline.", acted.id));
    back("/me", result)
}
