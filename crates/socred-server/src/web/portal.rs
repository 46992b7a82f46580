//! The citizen portal: my score and why, a chart, my records, my notices,
//! appeal and dispute forms, and who looked at my file.

use axum::extract::State;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use socred_auth::Role;

use maud::html;
use socred_core::assess::RecordStatus;
use socred_i18n::{Argument, Language};

use super::{Flash, back, form_caller, page, reader, signed_in};
use crate::AppState;
use crate::auth::{Caller, MaybeCaller};
use crate::body::Form;
use crate::service;
use socred_i18n::words::{Words, code_in_language};

/// A signed-in subject and the file their account names; else the page that says why not.
pub(super) fn own_file(caller: MaybeCaller) -> Result<(crate::auth::Caller, socred_core::SubjectId), Response> {
    let caller = signed_in(caller, Some(Role::Subject))?;
    match caller.account.subject {
        Some(id) => Ok((caller, id)),
        None => {
            let language = reader();
            let (title, text) = (language.text("portal-no-file-title"), language.text("portal-no-file-text"));
            Err(super::error_page(axum::http::StatusCode::FORBIDDEN, Some(&caller), &title, &text))
        }
    }
}

pub async fn portal(State(state): State<AppState>, caller: MaybeCaller, flash: Flash) -> Response {
    let (caller, id) = match own_file(caller) {
        Ok(found) => found,
        Err(response) => return response,
    };
    let today = caller.today();
    let from = today.replace_year(today.year() - 6).unwrap_or(today);
    if let Err(error) = state.db.checks_committed().await {
        return super::failure_page(error);
    }
    let rulebook = match state.db.rulebook().await {
        Ok(rulebook) => rulebook,
        Err(error) => return super::failure_page(error),
    };
    let loaded = state
        .db
        .reading(move |store| {
            let info = store.subject(&id)?.ok_or_else(|| socred_store::StoreError::UnknownSubject(id.to_string()))?;
            let assessment = store.assessment(&id, today)?;
            let due = store.due_process(&id, today)?;
            // The days on which time alone changes the standing: the
            // assessment's own chain of changes, and the listings' ends.
            let changes = socred_core::status::tier_changes(&assessment, |day| store.assessment(&id, day))?;
            let mut milestones = Vec::new();
            for day in socred_core::status::milestones(&due, &changes, today) {
                let tier = store.assessment(&id, day)?.tier;
                milestones.push(super::status::Milestone { on: day, tier, decisions: store.decide_all(&id, day)? });
            }
            Ok((
                info,
                assessment,
                due,
                store.accesses(&id)?,
                store.timeline(&id, from, today)?,
                store.decide_all(&id, today)?,
                store.checks_of(&id)?,
                store.reports_about(&id, 100)?,
                milestones,
            ))
        })
        .await;
    let (info, assessment, due, accesses, timeline, decisions, checks, reports, milestones) = match loaded {
        Ok(loaded) => loaded,
        Err(error) => return super::failure_page(error),
    };
    let language = reader();
    let words = Words::new(language, &rulebook);
    let t = |id: &str| language.text(id);
    let text = |id: &str, arguments: &[(&str, Argument)]| language.text_with(id, arguments);
    let day = |date: socred_core::Date| Argument::Text(language.date(date));
    let csrf = caller.csrf.as_deref().unwrap_or("");
    let annual = &assessment.annual_expectation;
    let annual_line = text(
        "portal-annual",
        &[
            ("year", Argument::Number(i64::from(annual.year))),
            ("net", Argument::Text(format!("{:+}", annual.net_points))),
            ("expected", Argument::Text(format!("{:+}", annual.expected_points))),
            ("met", Argument::Text(t(if annual.met { "portal-annual-met" } else { "portal-annual-not-met" }))),
        ],
    );
    let disputable: Vec<_> = assessment.records.iter().filter(|r| r.dispute.is_none() && r.void_reason.is_none()).collect();
    let record_title = |r: &socred_core::assess::FileRecord| {
        words.behaviour(&r.record.behaviour, r.title.as_deref().unwrap_or(&r.record.behaviour)).to_string()
    };
    // What happened on the days the score changed: a record counting from the day it happened, or no longer.
    let mut chart_events = Vec::new();
    for r in assessment.records.iter().filter(|r| r.void_reason.is_none() && r.points != 0) {
        let behaviour = Argument::Text(record_title(r));
        let points = Argument::Text(format!("{:+}", r.points));
        chart_events.push(super::chart::ChartEvent {
            on: r.record.occurred_on,
            what: text("chart-event-recorded", &[("behaviour", behaviour.clone()), ("points", points)]),
        });
        if let Some(until) = r.counts_until {
            chart_events.push(super::chart::ChartEvent { on: until, what: text("chart-event-stops", &[("behaviour", behaviour)]) });
        }
    }
    let standing = super::status::Standing {
        today,
        assessment: &assessment,
        due: &due,
        decisions: &decisions,
        milestones: &milestones,
        can_dispute: !disputable.is_empty(),
    };
    let body = html! {
        p { (info.name) " (" code { (info.id.as_str()) } ", " (t(kind_message(info.kind))) ")" }
        (super::status::first_screen(words, &standing))
        section.card.score aria-labelledby="score-heading" {
            h2 #score-heading { (text("portal-standing", &[("day", day(today))])) }
            div { p.meta { (t("portal-score")) } p.big data-testid="score" { (assessment.score) } }
            div { p.meta { (t("portal-tier")) } p.big data-testid="tier" { (assessment.tier) } }
            div { p.meta { (t("portal-points-tier")) } p.big { (assessment.points_tier) } }
        }
        @for lock in &assessment.locks {
            p { (text("portal-lock", &[("tier", Argument::Text(lock.tier.clone())), ("until", day(lock.until)), ("since", day(lock.since))])) }
        }
        p.meta { (annual_line) }
        h2 { (t("portal-chart-heading")) }
        (super::chart::score_chart(language, &timeline, from, today, &rulebook, &chart_events))
        h2 { (text("portal-why-heading", &[("score", Argument::Number(assessment.score))])) }
        div.table-wrap { table {
            thead { tr { th scope="col" { (t("portal-column-what")) } th scope="col" { (t("portal-column-points")) } th scope="col" { (t("portal-column-counts-until")) } th scope="col" { (t("portal-column-record")) } } }
            tbody {
                tr { td { (t("portal-base-score")) } td { (assessment.base_score) } td {} td {} }
                @for c in &assessment.explanation {
                    tr {
                        td { (words.behaviour(&c.behaviour, &c.title)) " (" (language.date(c.occurred_on)) ")" br; span.meta { (words.behaviour_basis(&c.behaviour, &c.legal_basis)) } }
                        td { (format!("{:+}", c.points)) }
                        td { (language.date(c.counts_until)) }
                        td { (c.record_id.as_str()) }
                    }
                }
            }
        } }
        h2 { (t("portal-records-heading")) }
        div.table-wrap { table {
            thead { tr {
                th scope="col" { (t("portal-column-date")) } th scope="col" { (t("portal-column-behaviour")) } th scope="col" { (t("portal-column-points")) }
                th scope="col" { (t("portal-column-status")) } th scope="col" { (t("portal-column-source")) } th scope="col" { (t("portal-column-id")) }
            } }
            tbody { @for r in &assessment.records {
                tr {
                    td { (language.date(r.record.occurred_on)) }
                    td { (record_title(r)) }
                    td { (format!("{:+}", r.points)) }
                    td { (t(status_message(&r.status))) @if let Some(dispute) = &r.dispute { " " (text("portal-disputed", &[("dispute", Argument::Text(dispute.to_string()))])) } }
                    td { (words.authority(&r.record.source)) }
                    td { code { (r.record.id.as_str()) } }
                }
            } }
        } }
        @if !disputable.is_empty() {
            form.card method="post" action="/me/disputes" {
                h3 { (t("portal-dispute-heading")) }
                input type="hidden" name="csrf" value=(csrf);
                p { label for="dispute-record" { (t("portal-dispute-record")) } select #dispute-record name="record" {
                    @for r in &disputable { option value=(r.record.id.as_str()) { (language.date(r.record.occurred_on)) " " (record_title(r)) " (" (r.record.id.as_str()) ")" } }
                } }
                p { label for="dispute-grounds" { (t("portal-dispute-grounds")) } textarea #dispute-grounds name="grounds" rows="3" required maxlength="4000" {} }
                p { button type="submit" { (t("portal-dispute-submit")) } }
            }
        }
        h2 { (t("portal-measures-heading")) }
        (super::provider::decisions_table(words, &decisions))
        h2 { (t("portal-reports-heading")) }
        @if reports.is_empty() { p { (t("portal-none")) } }
        @for r in &reports {
            section.card {
                h3 { (words.behaviour(&r.behaviour, &r.behaviour)) " · " (language.date(r.occurred_on)) }
                p { (r.description) }
                p { (t("portal-evidence")) " " (super::reports::evidence_links(r)) }
                p.meta {
                    @match r.reporter { Some(reporter) => { (t("portal-reported-by")) " " code { (reporter.as_str()) } (t("portal-sentence-end")) }, None => (t("portal-reporter-undisclosed")) }
                    " " (t("portal-report-became")) " " code { (r.record_id.as_deref().unwrap_or("")) }
                }
            }
        }
        h2 { (t("portal-lists-heading")) }
        @if due.entries.is_empty() { p { (t("portal-no-list")) } }
        @for entry in &due.entries {
            section.card {
                h3 { (words.list(&entry.list, &entry.list_title)) " — " span class={ "status-" (entry.state.as_str()) } { (t(&format!("entry-state-{}", entry.state.as_str()))) } }
                p.meta { (entry.id.as_str()) }
                @if let Some(notice) = &entry.notice {
                    p { a href={ "/me/notices/" (entry.id.as_str()) } { (t("document-link")) } }
                    h4 { (text("portal-notice-served", &[("day", day(notice.served_on)), ("by", Argument::Text(words.authority(&notice.issued_by)))])) }
                    p { strong { (t("portal-notice-facts")) } " " (words.facts(&notice.facts, &notice.facts_source)) }
                    p { strong { (t("portal-notice-basis")) } " " (words.list_basis(&notice.list, &notice.legal_basis)) }
                    p { strong { (t("portal-notice-consequences")) } " " (words.list_consequences(&notice.list, &notice.consequences)) }
                    p { strong { (t("portal-notice-appeal")) } " " @match notice.appeal_deadline {
                        Some(deadline) => (text("portal-notice-appeal-until", &[("deadline", day(deadline)), ("listing", day(notice.listing_if_unappealed))])),
                        None => (t("portal-notice-no-appeal")),
                    } }
                }
                details { summary { (t("portal-history")) } ol { @for h in &entry.history {
                    @let (action, detail) = words.step(entry, h);
                    li { (language.date(h.on)) " — " (action) " · " (words.authority(&h.actor)) ": " (detail) }
                } } }
                @if let Some((until, _)) = socred_core::status::appeal_window(entry, &rulebook, today) {
                    @let anchor = super::status::entry_anchor("appeal", entry.id.as_str());
                    form method="post" action="/me/appeals" {
                        input type="hidden" name="csrf" value=(csrf);
                        input type="hidden" name="entry" value=(entry.id.as_str());
                        p { label for=(anchor) { (text("portal-appeal-grounds-until", &[("day", day(until))])) } textarea id=(anchor) name="grounds" rows="3" required maxlength="4000" {} }
                        p { button type="submit" { (t("portal-appeal-submit")) } }
                    }
                }
                @if socred_core::status::repair_window(entry, today) == Some(socred_core::status::RepairWindow::Open) {
                    @let anchor = super::status::entry_anchor("repair", entry.id.as_str());
                    form method="post" action="/me/repairs" {
                        h4 { (t("portal-repair-heading")) }
                        input type="hidden" name="csrf" value=(csrf);
                        input type="hidden" name="entry" value=(entry.id.as_str());
                        p { label for=(anchor) { (t("portal-repair-evidence")) } textarea id=(anchor) name="evidence" rows="3" required maxlength="4000" {} }
                        @if entry.notice.as_ref().is_some_and(|n| n.repair_requires_commitment) {
                            p { label for={ (anchor) "-commitment" } { (t("portal-repair-commitment")) } textarea id={ (anchor) "-commitment" } name="commitment" rows="3" required maxlength="4000" {} }
                        }
                        p { button type="submit" { (t("portal-repair-submit")) } }
                    }
                }
            }
        }
        h2 { (t("portal-disputes-heading")) }
        ul { @for d in &due.disputes {
            li {
                (text("portal-dispute-line", &[("dispute", Argument::Text(d.id.to_string())), ("record", Argument::Text(d.record.to_string())), ("filed", day(d.filed_on))])) " "
                @match &d.decision {
                    Some(decision) => (text("portal-dispute-decided", &[("day", day(decision.on)), ("outcome", Argument::Text(t(socred_i18n::words::dispute_outcome_message(decision.outcome)))), ("reasons", Argument::Text(decision.reasons.clone()))])),
                    None => (text("portal-dispute-pending", &[("by", day(d.decide_by))])),
                }
            }
        } }
        h2 { (t("portal-looked-heading")) }
        div.table-wrap { table {
            thead { tr { th scope="col" { (t("portal-column-when")) } th scope="col" { (t("portal-column-who")) } th scope="col" { (t("portal-column-what")) } th scope="col" { (t("portal-column-why")) } } }
            tbody {
                @for check in checks.iter().rev().take(200) {
                    tr { td { (check.at) } td { (check.provider) } td { (text("portal-looked-check", &[("service", Argument::Text(words.service(&check.service).to_string())), ("outcome", Argument::Text(code_in_language(language, "check-outcome", &check.outcome)))])) } td { (t("portal-looked-provider")) } }
                }
                @for access in accesses.iter().rev().take(200) {
                    tr { td { (access.at) } td { (access.actor) } td { (socred_i18n::access::text(language, &access.what)) } td { (socred_i18n::access::text(language, &access.purpose)) } }
                }
            }
        } }
    };
    page(&t("portal-title"), Some(&caller), &flash, body).into_response()
}

pub fn kind_message(kind: socred_core::SubjectKind) -> &'static str {
    match kind {
        socred_core::SubjectKind::Person => "kind-person",
        socred_core::SubjectKind::Organisation => "kind-organisation",
    }
}

pub fn status_message(status: &RecordStatus) -> &'static str {
    match status {
        RecordStatus::Counts => "record-status-counts",
        RecordStatus::Expired => "record-status-expired",
        RecordStatus::NotYetEffective => "record-status-not-yet-effective",
        RecordStatus::Void => "record-status-void",
        RecordStatus::NotInRulebook => "record-status-not-in-rulebook",
    }
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
        .map(|acted| reader().text_with("portal-appeal-filed", &[("appeal", Argument::Text(acted.id))]));
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
        .map(|acted| reader().text_with("portal-dispute-filed", &[("dispute", Argument::Text(acted.id))]));
    back("/me", result)
}

#[derive(Debug, Deserialize)]
pub struct RepairForm {
    csrf: String,
    entry: String,
    evidence: String,
    #[serde(default)]
    commitment: Option<String>,
}

pub async fn repair(State(state): State<AppState>, caller: MaybeCaller, Form(form): Form<RepairForm>) -> Response {
    let caller = match form_caller(caller, Role::Subject, &form.csrf) {
        Ok(caller) => caller,
        Err(response) => return response,
    };
    let commitment = form.commitment.filter(|text| !text.trim().is_empty());
    let result = service::cases::apply_repair(&state, &caller, &form.entry, form.evidence, commitment, None)
        .await
        .map(|acted| reader().text_with("portal-repair-filed", &[("repair", Argument::Text(acted.id))]));
    back("/me", result)
}

#[derive(Debug, Deserialize)]
pub struct NoticeQuery {
    /// `pdf` for the PDF download; the page otherwise.
    format: Option<String>,
}

/// The written notice of one of the subject's own entries, as a document:
/// printable on one A4 page (the print stylesheet drops the site's frame),
/// and as a PDF at the same address with `?format=pdf`.
pub async fn notice(
    State(state): State<AppState>,
    caller: MaybeCaller,
    axum::extract::Path(entry): axum::extract::Path<String>,
    axum::extract::Query(query): axum::extract::Query<NoticeQuery>,
) -> Response {
    let caller = match signed_in(caller, Some(Role::Subject)) {
        Ok(caller) => caller,
        Err(response) => return response,
    };
    let language = reader();
    let as_pdf = match query.format.as_deref() {
        None | Some("html") => false,
        Some("pdf") => true,
        Some(_) => {
            let title = language.text("error-bad-request-title");
            return super::error_page(
                axum::http::StatusCode::BAD_REQUEST,
                Some(&caller),
                &title,
                &language.text("document-format-refused"),
            );
        }
    };
    let document = match notice_document(&state, &caller, &entry).await {
        Ok(document) => document,
        Err(response) => return response,
    };
    if as_pdf {
        return notice_pdf(document, language, &entry).await;
    }
    let body = html! {
        article.document data-testid="notice-document" {
            dl.particulars { @for (label, value) in &document.particulars { dt { (label) } dd { (value) } } }
            @for section in &document.sections {
                section { h2 { (section.heading) } @for paragraph in &section.paragraphs { p { (paragraph) } } }
            }
        }
        p.no-print {
            a href="/me" { (language.text("document-back")) } " · "
            a href={ "/me/notices/" (entry) "?format=pdf" } download { (language.text("document-pdf-link")) } " · "
            (language.text("document-print-hint"))
        }
    };
    page(&document.title, Some(&caller), &Flash::default(), body).into_response()
}

/// The notice of `entry` in the reader's language, if it is one of the
/// caller's own: another subject's reads exactly as one that does not exist.
async fn notice_document(state: &AppState, caller: &Caller, entry: &str) -> Result<socred_i18n::document::NoticeDocument, Response> {
    let language = reader();
    let not_found = || {
        let title = language.text("error-not-found-title");
        super::error_page(axum::http::StatusCode::NOT_FOUND, Some(caller), &title, &language.text("document-not-found"))
    };
    let (Some(id), Ok(entry)) = (caller.account.subject, socred_core::process::EntryId::parse(entry)) else {
        return Err(not_found());
    };
    let today = caller.today();
    let rulebook = state.db.rulebook().await.map_err(IntoResponse::into_response)?;
    let loaded = state
        .db
        .reading(move |store| {
            let info = store.subject(&id)?.ok_or_else(|| socred_store::StoreError::UnknownSubject(id.to_string()))?;
            let due = store.due_process(&id, today)?;
            Ok((info, due.entries.into_iter().find(|found| found.id == entry).and_then(|found| found.notice)))
        })
        .await
        .map_err(IntoResponse::into_response)?;
    let (info, Some(notice)) = loaded else {
        return Err(not_found());
    };
    let id_text = info.id.to_string();
    let kind = language.text(kind_message(info.kind));
    let to = socred_i18n::document::Addressee { name: &info.name, id: &id_text, kind: &kind };
    Ok(socred_i18n::document::notice_document(language, &rulebook, &to, &notice, state.public_url.as_deref()))
}

/// The fonts of PDF notices, found once per process: a server without them
/// still serves the printable page, and says so where the PDF was asked for.
fn pdf_fonts() -> &'static Result<socred_pdf::Fonts, String> {
    static FONTS: std::sync::OnceLock<Result<socred_pdf::Fonts, String>> = std::sync::OnceLock::new();
    FONTS.get_or_init(|| {
        socred_pdf::Fonts::discover(|variable| std::env::var(variable).ok()).map_err(|error| {
            tracing::warn!(%error, "PDF notices are unavailable");
            error.to_string()
        })
    })
}

async fn notice_pdf(document: socred_i18n::document::NoticeDocument, language: Language, entry: &str) -> Response {
    let unavailable = || {
        let title = language.text("document-pdf-unavailable-title");
        super::error_page(axum::http::StatusCode::SERVICE_UNAVAILABLE, None, &title, &language.text("document-pdf-unavailable"))
    };
    // Setting a page is work for a core, not for the threads that serve requests.
    let written = tokio::task::spawn_blocking(move || {
        let fonts = pdf_fonts().as_ref().map_err(|reason| reason.clone())?;
        socred_pdf::notice_pdf(&document, fonts, language.tag()).map_err(|error| {
            tracing::error!(%error, "a PDF notice could not be written");
            error.to_string()
        })
    })
    .await;
    let Ok(Ok(bytes)) = written else {
        return unavailable();
    };
    // The file's name from the entry id, in characters any file system keeps.
    let name: String =
        entry.chars().map(|character| if character.is_ascii_alphanumeric() || character == '-' { character } else { '_' }).collect();
    (
        [
            (axum::http::header::CONTENT_TYPE, "application/pdf".to_string()),
            (axum::http::header::CONTENT_DISPOSITION, format!("attachment; filename=\"notice-{name}.pdf\"")),
            (axum::http::header::CACHE_CONTROL, "private, no-store".to_string()),
        ],
        bytes,
    )
        .into_response()
}
