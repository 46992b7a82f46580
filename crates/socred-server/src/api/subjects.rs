//! Subjects: registration, search, the assessment (cached, O(1)), the
//! explanation, the whole file and the score history.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use serde::{Deserialize, Serialize};
use socred_auth::Action;
use socred_core::assess::{Assessment, Lock, TimelinePoint};
use socred_core::lists::{Dispute, ListEntry};
use socred_core::{Date, SubjectId, SubjectKind};
use socred_store::{Access, NewSubject, SubjectInfo, SubjectOutcome, SubjectRef};
use utoipa::{IntoParams, ToSchema};

use super::{as_of, page, parse_subject, purpose};
use crate::AppState;
use crate::auth::Caller;
use crate::body::{Json, Query};
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::service::reads::{log_read, log_reads};

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewSubjectBody {
    /// Resident identity number or unified social credit code.
    pub id: String,
    pub name: String,
    /// person or organisation (default: from the id).
    pub kind: Option<String>,
    /// Registered persons who are this person's guardians.
    #[serde(default)]
    pub guardians: Vec<String>,
    /// Registered organisations this person legally represents.
    #[serde(default)]
    pub represents: Vec<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Registered {
    pub subject: SubjectId,
    pub kind: SubjectKind,
    pub result: SubjectOutcome,
}

/// Register a person or an organisation (idempotent by id and name).
#[utoipa::path(post, path = "/api/v1/subjects", tag = "subjects", request_body = NewSubjectBody,
    security(("bearer" = [])),
    responses((status = 201, body = Registered), (status = 200, description = "already registered", body = Registered),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn register(State(state): State<AppState>, caller: Caller, Json(body): Json<NewSubjectBody>) -> ApiResult<impl IntoResponse> {
    caller.require(Action::RegisterSubject)?;
    let id = match body.kind.as_deref() {
        Some(kind) => {
            let kind: SubjectKind = kind.parse().map_err(|e: String| ApiError::invalid("kind", e))?;
            SubjectId::parse_as(&body.id, kind).map_err(|error| {
                ApiError::invalid("id", format!("{:?} {error}", body.id))
                    .because(socred_i18n::reasons::Cause::Id { input: body.id.clone(), error })
            })?
        }
        None => parse_subject("id", &body.id)?,
    };
    let guardians =
        body.guardians.iter().enumerate().map(|(i, g)| parse_subject(&format!("guardians[{i}]"), g)).collect::<ApiResult<Vec<_>>>()?;
    let represents =
        body.represents.iter().enumerate().map(|(i, o)| parse_subject(&format!("represents[{i}]"), o)).collect::<ApiResult<Vec<_>>>()?;
    let subject = NewSubject { id, name: body.name, guardians, represents };
    let actor = caller.actor();
    let result = state.db.ledger_write(move |store| store.add_subject(&subject, &actor)).await?;
    let status = if result == SubjectOutcome::Registered { StatusCode::CREATED } else { StatusCode::OK };
    Ok((status, axum::Json(Registered { subject: id, kind: id.kind(), result })))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct SearchQuery {
    /// The start of an identifier, or part of a name.
    pub search: String,
    /// At most 1000 (default 50).
    pub limit: Option<u32>,
}

/// Search subjects by identifier prefix or name.
#[utoipa::path(get, path = "/api/v1/subjects", tag = "subjects", params(SearchQuery), security(("bearer" = [])),
    responses((status = 200, body = [SubjectRef]), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn search(
    State(state): State<AppState>,
    caller: Caller,
    Query(query): Query<SearchQuery>,
) -> ApiResult<axum::Json<Vec<SubjectRef>>> {
    caller.require(Action::SearchSubjects)?;
    let limit = page(query.limit, 50)?;
    let found = state.db.reading(move |store| store.search_subjects(&query.search, limit)).await?;
    log_reads(&state, &caller, found.iter().map(|subject| subject.id), "subject search", "search result (id and name)").await?;
    Ok(axum::Json(found))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ReadQuery {
    /// The date to assess on (YYYY-MM-DD, default today).
    pub as_of: Option<String>,
    /// Answer as the ledger stood at the end of this day (YYYY-MM-DD, not after
    /// today): only what had been recorded by then, under the rulebook then
    /// active. `as_of` defaults to this day.
    pub known_on: Option<String>,
    /// Why you are reading this file; shown to the subject.
    pub purpose: Option<String>,
}

/// The hot part of an assessment.
#[derive(Debug, Serialize, ToSchema)]
pub struct SubjectSummary {
    pub subject: SubjectId,
    pub name: String,
    pub kind: SubjectKind,
    #[serde(with = "socred_core::date::serde_date")]
    pub as_of: Date,
    pub score: i64,
    pub tier: String,
    pub points_tier: String,
    pub locks: Vec<Lock>,
    /// The first date on which time alone changes this answer.
    #[serde(with = "socred_core::date::serde_date::option")]
    pub valid_until: Option<Date>,
    /// Where the full explanation is.
    pub explanation: String,
}

/// `as_of` and `known_on` of a read: `as_of` defaults to `known_on`, else today.
fn dates(query: &ReadQuery, today: Date) -> ApiResult<(Date, Option<Date>)> {
    let known_on = super::known_on(query.known_on.as_deref(), today)?;
    Ok((as_of(query.as_of.as_deref(), known_on.unwrap_or(today))?, known_on))
}

pub(super) async fn info(state: &AppState, id: SubjectId) -> ApiResult<SubjectInfo> {
    state
        .db
        .reading(move |store| store.subject(&id))
        .await?
        .ok_or_else(|| ApiError::new(StatusCode::NOT_FOUND, "not_found", format!("subject {id} is not registered"), Some("id")))
}

/// A subject's score, tier and locks on a date, from the cache when it holds.
#[utoipa::path(get, path = "/api/v1/subjects/{id}", tag = "subjects", params(("id" = String, Path, description = "Subject identifier"), ReadQuery),
    security(("bearer" = [])),
    responses((status = 200, body = SubjectSummary), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn summary(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    Query(query): Query<ReadQuery>,
) -> ApiResult<axum::Json<SubjectSummary>> {
    let id = parse_subject("id", &id)?;
    caller.require_subject(Action::ReadSubject, &id)?;
    let (as_of, known_on) = dates(&query, caller.today())?;
    let purpose = purpose(query.purpose.as_deref())?;
    let (name, summary, hit, rulebook) = match known_on {
        None => state.db.summary(id, as_of).await?,
        Some(day) => {
            state
                .db
                .reading(move |store| {
                    let name = store.subject(&id)?.ok_or_else(|| socred_store::StoreError::UnknownSubject(id.to_string()))?.name;
                    let known = store.known_on(day)?;
                    let summary = socred_core::summarise(known.rulebook(), &known.file(&id)?, as_of);
                    Ok((name, summary, true, known.rulebook().clone()))
                })
                .await?
        }
    };
    if !hit {
        state.db.remember_later(id, as_of);
    }
    log_read(&state, &caller, id, purpose, "assessment").await?;
    let tiers = &rulebook.tiers;
    Ok(axum::Json(SubjectSummary {
        subject: id,
        name,
        kind: id.kind(),
        as_of,
        score: summary.score,
        tier: tiers.name(summary.tier).to_string(),
        points_tier: tiers.name(summary.points_tier).to_string(),
        locks: summary.lock.iter().map(|l| Lock { tier: tiers.name(l.tier).to_string(), since: l.since, until: l.until }).collect(),
        valid_until: summary.valid_until,
        explanation: format!("/api/v1/subjects/{id}/explanation"),
    }))
}

/// The full assessment: every record that counts, its points and legal basis, the tier history.
#[utoipa::path(get, path = "/api/v1/subjects/{id}/explanation", tag = "subjects", params(("id" = String, Path), ReadQuery),
    security(("bearer" = [])),
    responses((status = 200, body = Assessment), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn explanation(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    Query(query): Query<ReadQuery>,
) -> ApiResult<axum::Json<Assessment>> {
    let id = parse_subject("id", &id)?;
    caller.require_subject(Action::ReadSubject, &id)?;
    let (as_of, known_on) = dates(&query, caller.today())?;
    let purpose = purpose(query.purpose.as_deref())?;
    let assessment = match known_on {
        None => state.db.assessment(id, as_of).await?,
        Some(day) => state.db.reading(move |store| store.known_on(day)?.assessment(&id, as_of)).await?,
    };
    log_read(&state, &caller, id, purpose, "explanation").await?;
    Ok(axum::Json(assessment))
}

/// Everything about a subject.
#[derive(Debug, Serialize, ToSchema)]
pub struct FileView {
    pub subject: SubjectInfo,
    pub assessment: Assessment,
    pub list_entries: Vec<ListEntry>,
    pub disputes: Vec<Dispute>,
    /// Every read of this file by anyone but the subject.
    pub accesses: Vec<Access>,
    /// What the subject may and may not do, and why, service by service.
    pub decisions: Vec<socred_core::decide::Decision>,
    /// Every decision a provider asked for about this subject.
    pub checks: Vec<socred_store::CheckEntry>,
    /// Verified public reports about this subject, with their evidence (the reporter only if the rulebook discloses it).
    pub reports_about: Vec<socred_store::ReportView>,
    /// Public reports this subject filed, with their state.
    pub reports_filed: Vec<socred_store::ReportView>,
}

/// The subject's whole file: records, explanation, list entries with notices and appeals, disputes, and who looked.
#[utoipa::path(get, path = "/api/v1/subjects/{id}/file", tag = "subjects", params(("id" = String, Path), ReadQuery),
    security(("bearer" = [])),
    responses((status = 200, body = FileView), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn file(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    Query(query): Query<ReadQuery>,
) -> ApiResult<axum::Json<FileView>> {
    let id = parse_subject("id", &id)?;
    caller.require_subject(Action::ReadFile, &id)?;
    let (as_of, known_on) = dates(&query, caller.today())?;
    let purpose = purpose(query.purpose.as_deref())?;
    info(&state, id).await?;
    // Read before the access is logged: a day before the store existed is refused, and nothing logged.
    let as_known = match known_on {
        Some(day) => Some(
            state
                .db
                .reading(move |store| {
                    let known = store.known_on(day)?;
                    Ok((known.assessment(&id, as_of)?, known.due_process(&id, as_of)?, known.decide_all(&id, as_of)?))
                })
                .await?,
        ),
        None => None,
    };
    log_read(&state, &caller, id, purpose, "file").await?;
    state.db.checks_committed().await?;
    let view = state
        .db
        .reading(move |store| {
            let subject = store.subject(&id)?.ok_or_else(|| socred_store::StoreError::UnknownSubject(id.to_string()))?;
            let (assessment, due, decisions) = match as_known {
                Some(known) => known,
                None => (store.assessment(&id, as_of)?, store.due_process(&id, as_of)?, store.decide_all(&id, as_of)?),
            };
            Ok(FileView {
                subject,
                assessment,
                list_entries: due.entries,
                disputes: due.disputes,
                accesses: store.accesses(&id)?,
                decisions,
                checks: store.checks_of(&id)?,
                reports_about: store.reports_about(&id, socred_store::MAX_PAGE)?,
                reports_filed: store.reports_by(&id, socred_store::MAX_PAGE)?,
            })
        })
        .await?;
    Ok(axum::Json(view))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct TimelineQuery {
    /// Start (default: 6 years before `to`).
    pub from: Option<String>,
    /// End (default: today).
    pub to: Option<String>,
    pub purpose: Option<String>,
}

/// The score and tier over time, for charts.
#[utoipa::path(get, path = "/api/v1/subjects/{id}/timeline", tag = "subjects", params(("id" = String, Path), TimelineQuery),
    security(("bearer" = [])),
    responses((status = 200, body = [TimelinePoint]), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn timeline(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    Query(query): Query<TimelineQuery>,
) -> ApiResult<axum::Json<Vec<TimelinePoint>>> {
    let id = parse_subject("id", &id)?;
    caller.require_subject(Action::ReadSubject, &id)?;
    let to = match query.to.as_deref() {
        Some(text) => socred_core::parse_date(text).map_err(|error| ApiError::date("to", error))?,
        None => caller.today(),
    };
    let from = match query.from.as_deref() {
        Some(text) => socred_core::parse_date(text).map_err(|error| ApiError::date("from", error))?,
        None => to.replace_year(to.year() - 6).unwrap_or(to),
    };
    let purpose = purpose(query.purpose.as_deref())?;
    let points = state.db.timeline(id, from, to).await?;
    log_read(&state, &caller, id, purpose, "timeline").await?;
    Ok(axum::Json(points))
}
