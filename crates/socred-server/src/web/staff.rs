//! The officer console and the reviewer queue.

use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use socred_auth::Role;
use socred_core::SubjectId;
use socred_core::date::format_date;
use socred_store::AccessRequest;

use maud::html;
use socred_i18n::Argument;

use super::{Flash, back, page, reader, rich, signed_in, url};
use crate::AppState;
use crate::auth::{Caller, MaybeCaller};
use crate::body::Form;
use crate::service;
use crate::service::records::RecordRequest;
use socred_i18n::words::Words;

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
        Err(error) => return super::failure_page(error),
    };
    if let Err(error) =
        service::reads::log_reads(&state, &caller, found.iter().map(|s| s.id), "officer console search", "search result (id and name)")
            .await
    {
        return super::failure_page(error);
    }
    let language = reader();
    let words = Words::new(language, &rulebook);
    let t = |id: &str| language.text(id);
    let csrf = caller.csrf.as_deref().unwrap_or("");
    let today = format_date(caller.today());
    let max_age = rulebook.max_record_age_years;
    let earliest = format_date(socred_core::date::subtract_years(caller.today(), max_age));
    let hidden = html! { input type="hidden" name="csrf" value=(csrf); };
    let body = html! {
        p { (rich(language, "officer-intro", &[("authority", html! { strong { (words.authority(caller.account.authority.as_deref().unwrap_or(""))) } })])) }
        section.card {
            h2 { (t("officer-search")) }
            form method="get" action="/officer" role="search" {
                p { label for="q" { (t("lists-search-label")) } input #q name="q" value=(search.as_deref().unwrap_or("")) maxlength="128"; }
                p { button type="submit" { (t("lists-search")) } }
            }
            @if search.is_some() {
                @if found.is_empty() { p { (t("officer-no-match")) } }
                @else { ul { @for s in &found { li { a href={ "/officer/subjects/" (url(s.id.as_str())) } { (s.name) } " " code { (s.id.as_str()) } } } } }
            }
        }
        section.card {
            h2 { (t("officer-record")) }
            form method="post" action="/officer/records" {
                (hidden)
                p { label for="record-subject" { (t("field-subject-identifier")) } input #record-subject name="subject" required maxlength="18"; }
                p { label for="record-behaviour" { (t("portal-column-behaviour")) } select #record-behaviour name="behaviour" required {
                    // Nothing is chosen for the officer: an empty choice is refused by the browser and the server.
                    option value="" selected disabled { (t("officer-choose-behaviour")) }
                    @for b in rulebook.behaviours.iter().filter(|b| caller.account.may_record(&b.code)) {
                        option value=(b.code) { (words.behaviour(&b.code, &b.title)) " (" (format!("{:+}", b.points)) ")" }
                    }
                } }
                p {
                    label for="record-at" { (t("officer-record-at")) }
                    input #record-at name="at" type="date" value=(today) min=(earliest) max=(today) required;
                    " " span.meta { (language.text_with("officer-record-at-note", &[("years", Argument::Number(i64::from(max_age)))])) }
                }
                p { label for="record-case" { (t("officer-case-number")) } input #record-case name="case_number" maxlength="128"; }
                p { label for="record-evidence" { (t("officer-evidence")) } input #record-evidence name="evidence" maxlength="800"; }
                p { label for="record-id" { (t("officer-record-id")) } input #record-id name="record_id" maxlength="64"; }
                p { button type="submit" { (t("officer-record-submit")) } }
            }
        }
        section.card {
            h2 { (t("officer-void")) }
            form method="post" action="/officer/voids" {
                (hidden)
                p { label for="void-record" { (t("officer-void-record")) } input #void-record name="record" required maxlength="64"; }
                p { label for="void-reason" { (t("officer-void-reason")) } input #void-reason name="reason" required maxlength="1024"; }
                p { button type="submit" { (t("officer-void-submit")) } }
            }
        }
        section.card {
            h2 { (t("officer-propose")) }
            form method="post" action="/officer/proposals" {
                (hidden)
                p { label for="propose-subject" { (t("field-subject-identifier")) } input #propose-subject name="subject" required maxlength="18"; }
                p { label for="propose-list" { (t("lists-list-label")) } select #propose-list name="list" {
                    @for l in rulebook.lists.iter().filter(|l| l.manual) { option value=(l.code) { (words.list(&l.code, &l.title)) } }
                } }
                p { label for="propose-basis" { (t("portal-notice-basis")) } input #propose-basis name="legal_basis" required maxlength="4000"; }
                p { label for="propose-facts" { (t("portal-notice-facts")) } textarea #propose-facts name="facts" rows="3" required maxlength="4000" {} }
                p { button type="submit" { (t("officer-propose-submit")) } }
            }
        }
    };
    page(&t("officer-title"), Some(&caller), &flash, body).into_response()
}

pub async fn officer_subject(State(state): State<AppState>, caller: MaybeCaller, Path(id): Path<String>, flash: Flash) -> Response {
    let caller = match signed_in(caller, Some(Role::Officer)) {
        Ok(caller) => caller,
        Err(response) => return response,
    };
    let Ok(id) = SubjectId::parse(&id) else {
        let language = reader();
        let (title, text) = (language.text("officer-no-subject-title"), language.text("officer-no-subject-text"));
        return super::error_page(axum::http::StatusCode::NOT_FOUND, Some(&caller), &title, &text);
    };
    let today = caller.today();
    let loaded = state
        .db
        .reading(move |store| {
            let info = store.subject(&id)?.ok_or_else(|| socred_store::StoreError::UnknownSubject(id.to_string()))?;
            let rulebook = store.active_rulebook().clone();
            Ok((info, store.assessment(&id, today)?, store.due_process(&id, today)?, store.decide_all(&id, today)?, rulebook))
        })
        .await;
    let (info, assessment, due, decisions, rulebook) = match loaded {
        Ok(loaded) => loaded,
        Err(error) => {
            let language = reader();
            return super::error_page(
                error.status,
                Some(&caller),
                &language.text("error-not-found-title"),
                &super::error_text(language, &error),
            );
        }
    };
    if let Err(error) = state
        .db
        .log_access(AccessRequest { actor: caller.actor(), subject: id, purpose: "officer console".into(), what: "assessment".into() })
        .await
    {
        return super::failure_page(error);
    }
    let language = reader();
    let words = Words::new(language, &rulebook);
    let t = |id: &str| language.text(id);
    let body = html! {
        p { code { (info.id.as_str()) } ", " (t(super::portal::kind_message(info.kind))) }
        section.card.score {
            div { p.meta { (t("portal-score")) } p.big data-testid="score" { (assessment.score) } }
            div { p.meta { (t("portal-tier")) } p.big data-testid="tier" { (assessment.tier) } }
        }
        p.meta {
            (language.text_with("officer-points-tier", &[("tier", Argument::Text(assessment.points_tier.clone()))]))
            @for lock in &assessment.locks { " · " (language.text_with("officer-locked", &[("tier", Argument::Text(lock.tier.clone())), ("until", Argument::Text(language.date(lock.until)))])) }
            ". " (t("officer-view-logged"))
        }
        h2 { (t("officer-records")) }
        div.table-wrap { table {
            thead { tr { @for id in ["portal-column-date", "portal-column-behaviour", "portal-column-points", "portal-column-status", "portal-column-source", "portal-column-id"] { th scope="col" { (t(id)) } } } }
            tbody { @for r in &assessment.records {
                tr {
                    td { (language.date(r.record.occurred_on)) }
                    td { (words.behaviour(&r.record.behaviour, r.title.as_deref().unwrap_or(&r.record.behaviour))) }
                    td { (format!("{:+}", r.points)) }
                    td { (t(super::portal::status_message(&r.status))) }
                    td { (words.authority(&r.record.source)) }
                    td { code { (r.record.id.as_str()) } }
                }
            } }
        } }
        h2 { (t("officer-entries")) }
        ul { @for e in &due.entries { li { (words.list(&e.list, &e.list_title)) " — " (t(&format!("entry-state-{}", e.state.as_str()))) " (" code { (e.id.as_str()) } ")" } } }
        h2 { (t("officer-measures")) }
        (super::provider::decisions_table(words, &decisions))
        p { a href="/officer" { (t("officer-back")) } }
    };
    page(&info.name, Some(&caller), &flash, body).into_response()
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
    case_number: Option<String>,
    evidence: Option<String>,
    record_id: Option<String>,
    /// Present once the officer confirmed a large deduction.
    confirmed: Option<String>,
}

pub async fn record(State(state): State<AppState>, caller: MaybeCaller, Form(form): Form<RecordForm>) -> Response {
    let caller = match officer_caller(caller, &form.csrf) {
        Ok(caller) => caller,
        Err(response) => return response,
    };
    let subject = form.subject.trim();
    let rulebook = match state.db.rulebook().await {
        Ok(rulebook) => rulebook,
        Err(error) => return super::failure_page(error),
    };
    // The case number leads the record's evidence reference, in one fixed
    // form whatever the officer's language: it is ledger data.
    let evidence = match (given(form.case_number.as_deref()), given(form.evidence.as_deref())) {
        (Some(case), Some(evidence)) => Some(format!("Case {case}; {evidence}")),
        (Some(case), None) => Some(format!("Case {case}")),
        (None, evidence) => evidence.map(str::to_string),
    };
    let request = RecordRequest {
        id: given(form.record_id.as_deref()),
        subject,
        behaviour: &form.behaviour,
        at: &form.at,
        source: None,
        evidence: evidence.as_deref(),
    };
    // A large deduction (or a forced tier) is shown back to the officer to
    // confirm before it is stored; a form the checks refuse is refused first.
    if let Some(behaviour) = rulebook.behaviour(&form.behaviour).filter(|b| socred_core::record::needs_confirmation(b))
        && form.confirmed.is_none()
    {
        let checked = service::records::authority(&caller).and_then(|authority| {
            service::records::validate(request, &authority, &caller.account, &rulebook, caller.today()).map_err(Into::into)
        });
        return match checked {
            Ok(_) => confirm_record(&caller, &form, behaviour, &rulebook),
            Err(error) => back("/officer", Err(error)),
        };
    }
    let result = service::records::add(&state, &caller, request).await;
    match result {
        Ok(recorded) => {
            let to = format!("/officer/subjects/{}", url(recorded.subject.as_str()));
            back(&to, Ok(reader().text_with("officer-recorded", &[("record", Argument::Text(recorded.record_id.to_string()))])))
        }
        Err(error) => back("/officer", Err(error)),
    }
}

/// The confirmation step of a large deduction: what will be recorded, the
/// same form's values carried, and a button that records it.
fn confirm_record(
    caller: &Caller,
    form: &RecordForm,
    behaviour: &socred_core::rulebook::Behaviour,
    rulebook: &socred_core::Rulebook,
) -> Response {
    let language = reader();
    let words = Words::new(language, rulebook);
    let t = |id: &str| language.text(id);
    let carried = [
        ("subject", form.subject.as_str()),
        ("behaviour", form.behaviour.as_str()),
        ("at", form.at.as_str()),
        ("case_number", form.case_number.as_deref().unwrap_or("")),
        ("evidence", form.evidence.as_deref().unwrap_or("")),
        ("record_id", form.record_id.as_deref().unwrap_or("")),
    ];
    let title = words.behaviour(&behaviour.code, &behaviour.title).to_string();
    let body = html! {
        section.card.decision.deny data-testid="confirm-record" {
            p.verdict { (language.text_with("officer-confirm-text", &[
                ("points", Argument::Text(format!("{:+}", behaviour.points))),
                ("behaviour", Argument::Text(title.clone())),
                ("subject", Argument::Text(form.subject.trim().to_string())),
                ("day", Argument::Text(form.at.clone())),
            ])) }
            @if let Some(tier) = behaviour.forced_tier {
                p { (language.text_with("officer-confirm-forced", &[("tier", Argument::Text(rulebook.tiers.name(tier).to_string()))])) }
            }
            form method="post" action="/officer/records" {
                input type="hidden" name="csrf" value=(caller.csrf.as_deref().unwrap_or(""));
                @for (name, value) in carried { input type="hidden" name=(name) value=(value); }
                input type="hidden" name="confirmed" value="yes";
                p { button type="submit" { (t("officer-confirm-submit")) } " " a href="/officer" { (t("officer-confirm-cancel")) } }
            }
        }
    };
    page(&t("officer-confirm-title"), Some(caller), &Flash::default(), body).into_response()
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
        .map(|voided| reader().text_with("officer-voided", &[("record", Argument::Text(voided.record_id.to_string()))]));
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
        .map(|acted| reader().text_with("officer-proposed", &[("entry", Argument::Text(acted.id))]));
    back("/officer", result)
}
