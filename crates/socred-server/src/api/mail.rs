//! E-mail-ready texts: what due process owes a subject (each notice served,
//! each decision on an appeal, a repair or a dispute) in the reader's
//! language, as Internet messages a mail relay can send. socred holds no
//! addresses and sends nothing; the texts are built from the file, so
//! reading them is a read of the file and reaches its access log.

use axum::extract::{Path, State};
use axum::http::HeaderMap;
use serde::{Deserialize, Serialize};
use socred_auth::Action;
use socred_core::SubjectId;
use socred_i18n::Language;
use utoipa::{IntoParams, ToSchema};

use super::{parse_subject, purpose};
use crate::AppState;
use crate::auth::Caller;
use crate::body::Query;
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::service::reads::log_read;

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct MailQuery {
    /// `en` or `zh-CN` (default: the `Accept-Language` header, else English).
    pub lang: Option<String>,
    /// Why you are reading this file; shown to the subject.
    pub purpose: Option<String>,
}

/// One e-mail-ready text.
#[derive(Debug, Serialize, ToSchema)]
pub struct MailText {
    /// notice, appeal-decided, repair-decided or dispute-decided.
    pub kind: &'static str,
    /// The entry or case it is about.
    pub about: String,
    /// The day of the act it reports.
    #[serde(with = "socred_core::date::serde_date")]
    #[schema(value_type = String)]
    pub on: socred_core::Date,
    pub subject: String,
    /// Plain text, lines of at most 76 columns.
    pub body: String,
    /// The whole message (RFC 5322, MIME, UTF-8) without addresses or date, which the mailer adds.
    pub message: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct MailView {
    pub subject: SubjectId,
    /// The language of every text: `en` or `zh-CN`.
    pub language: &'static str,
    /// Oldest first.
    pub mail: Vec<MailText>,
}

/// The subject's e-mail-ready texts, in the reader's language.
#[utoipa::path(get, path = "/api/v1/subjects/{id}/mail", tag = "subjects", params(("id" = String, Path), MailQuery),
    security(("bearer" = [])),
    responses((status = 200, body = MailView), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn mail(
    State(state): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    Path(id): Path<String>,
    Query(query): Query<MailQuery>,
) -> ApiResult<axum::Json<MailView>> {
    let id = parse_subject("id", &id)?;
    caller.require_subject(Action::ReadFile, &id)?;
    let language = match query.lang.as_deref() {
        Some(tag) => Language::from_tag(tag).ok_or_else(|| ApiError::invalid("lang", "must be en or zh-CN"))?,
        None => headers
            .get(axum::http::header::ACCEPT_LANGUAGE)
            .and_then(|value| value.to_str().ok())
            .and_then(Language::negotiate)
            .unwrap_or_default(),
    };
    let purpose = purpose(query.purpose.as_deref())?;
    let info = super::subjects::info(&state, id).await?;
    log_read(&state, &caller, id, purpose, "e-mail-ready texts").await?;
    let today = caller.today();
    let due = state.db.reading(move |store| store.due_process(&id, today)).await?;
    let rulebook = state.db.rulebook().await?;
    let mail = socred_i18n::mail::letters(language, &rulebook, &info.name, &due, state.public_url.as_deref())
        .into_iter()
        .map(|mail| MailText {
            kind: mail.kind.as_str(),
            message: mail.to_message(),
            about: mail.about,
            on: mail.on,
            subject: mail.subject,
            body: mail.body,
        })
        .collect();
    Ok(axum::Json(MailView { subject: id, language: language.tag(), mail }))
}
