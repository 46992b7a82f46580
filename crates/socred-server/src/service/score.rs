//! The commercial score: a subject sees their own; a provider or data
//! partner sees it only while that subject's consent to its account is in
//! force, and each such view reaches the subject's access log. The subject
//! gives and withdraws consents; each is an act in their file.

use std::sync::{Arc, Mutex};

use serde::Serialize;
use socred_auth::{Action, Role};
use socred_core::consent::{self, Consent};
use socred_core::process::Event;
use socred_core::scorecard::{CommercialScore, DEFAULT_SCORECARD, DEFAULT_SCORECARD_NAME, Scorecard};
use socred_core::{Date, Rulebook, SubjectId};
use utoipa::ToSchema;

use super::cases::{Acted, act, case_id};
use crate::AppState;
use crate::auth::Caller;
use crate::error::{ApiError, ApiResult};

/// The scorecard the server scores with (`serve --scorecard`, else the
/// built-in one), validated against the rulebook in force and kept until
/// another rulebook is activated.
pub struct Card {
    /// Source text and file name.
    source: (String, String),
    validated: Mutex<Option<Validated>>,
}

/// The fingerprint of the rulebook a card was checked against, and the card or its problems.
type Validated = (String, Result<Arc<Scorecard>, socred_core::scorecard::ScorecardError>);

impl Card {
    pub fn new(source: Option<(String, String)>) -> Card {
        let source = source.unwrap_or_else(|| (DEFAULT_SCORECARD.to_string(), DEFAULT_SCORECARD_NAME.to_string()));
        Card { source, validated: Mutex::new(None) }
    }

    /// The card against `rulebook`, or why it does not fit.
    pub fn for_rulebook(&self, rulebook: &Rulebook) -> Result<Arc<Scorecard>, socred_core::scorecard::ScorecardError> {
        let mut validated = self.validated.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        match validated.as_ref() {
            Some((fingerprint, card)) if *fingerprint == rulebook.fingerprint => card.clone(),
            _ => {
                let card = Scorecard::from_toml(&self.source.0, &self.source.1, rulebook).map(Arc::new);
                if let Err(error) = &card {
                    tracing::error!(%error, "the scorecard does not fit the rulebook in force");
                }
                *validated = Some((rulebook.fingerprint.clone(), card.clone()));
                card
            }
        }
    }
}

fn scorecard_for(state: &AppState, rulebook: &Rulebook) -> ApiResult<Arc<Scorecard>> {
    state.scorecard.for_rulebook(rulebook).map_err(|_| ApiError::unavailable_because("input-scorecard-unfit"))
}

/// A score as the API answers it: the subject gets every characteristic; a
/// partner the score, the card and the reasons' codes, which it must state
/// to the subject when it acts on the score (a code says which characteristic
/// cost points), but not the characteristics' values, bins or dates.
#[derive(Debug, Serialize, ToSchema)]
#[serde(untagged)]
pub enum ScoreAnswer {
    Subject {
        subject: SubjectId,
        #[serde(flatten)]
        #[schema(value_type = Object)]
        score: CommercialScore,
    },
    Partner {
        subject: SubjectId,
        score: i64,
        scorecard: String,
        #[serde(with = "socred_core::date::serde_date")]
        #[schema(value_type = String)]
        as_of: Date,
        reasons: Vec<PartnerReason>,
    },
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PartnerReason {
    pub reason_code: String,
    pub characteristic: String,
}

impl ScoreAnswer {
    pub fn for_caller(caller: &Caller, subject: SubjectId, score: CommercialScore) -> ScoreAnswer {
        if caller.account.role == Role::Subject {
            return ScoreAnswer::Subject { subject, score };
        }
        let reasons =
            score.reasons.into_iter().map(|r| PartnerReason { reason_code: r.reason_code, characteristic: r.characteristic }).collect();
        ScoreAnswer::Partner { subject, score: score.score, scorecard: score.scorecard, as_of: score.as_of, reasons }
    }
}

/// The refusal a partner gets without consent, whether or not the subject
/// exists: the answer tells nothing of another person.
fn no_consent(caller: &Caller) -> ApiError {
    ApiError::forbidden(format!("no consent of this subject to {} seeing their commercial score is in force", caller.account.username))
}

/// The score of `id` on `as_of` (None: today), with its scorecard, for a
/// caller allowed to see it. A partner sees today's score only: a past day's
/// would let it date the records behind the score.
pub async fn commercial_score(
    state: &AppState,
    caller: &Caller,
    id: SubjectId,
    as_of: Option<Date>,
) -> ApiResult<(CommercialScore, Arc<Scorecard>)> {
    let (score, card, _) = scored_file(state, caller, id, as_of).await?;
    Ok((score, card))
}

/// The signed-in subject's score today, its card and their consents, from one read of the file.
pub async fn own_score(state: &AppState, caller: &Caller) -> ApiResult<(CommercialScore, Arc<Scorecard>, Vec<Consent>)> {
    caller.require(Action::ManageConsent)?;
    let subject = own_subject(caller)?;
    let (score, card, file) = scored_file(state, caller, subject, None).await?;
    Ok((score, card, consent::consents(&file, caller.today())))
}

async fn scored_file(
    state: &AppState,
    caller: &Caller,
    id: SubjectId,
    as_of: Option<Date>,
) -> ApiResult<(CommercialScore, Arc<Scorecard>, socred_core::SubjectFile)> {
    caller.require(Action::ReadCommercialScore)?;
    let today = caller.today();
    let partner = caller.account.role != Role::Subject;
    if !partner && !caller.account.is_subject(&id) {
        return Err(ApiError::forbidden("a subject sees only their own commercial score"));
    }
    if partner && as_of.is_some_and(|day| day != today) {
        return Err(ApiError::invalid_message("as_of", "input-partner-score-today", vec![]));
    }
    let rulebook = state.db.rulebook().await?;
    let card = scorecard_for(state, &rulebook)?;
    // From the primary: a consent withdrawn a moment ago is withdrawn.
    // An unknown subject reads as one without consent; a failing store as what it is.
    let file = match state.db.reading_primary(move |store| store.file(&id)).await {
        Ok(file) => file,
        Err(error) if partner && error.status == axum::http::StatusCode::NOT_FOUND => return Err(no_consent(caller)),
        Err(error) => return Err(error),
    };
    if partner {
        if !consent::in_force(&file, &caller.account.username, today) {
            return Err(no_consent(caller));
        }
        super::reads::log_read(state, caller, id, "commercial score, with the subject's consent".into(), "commercial-score").await?;
    }
    Ok((socred_core::scorecard::score(&card, &file, as_of.unwrap_or(today)), card, file))
}

/// The caller's own consents on `on`, newest first.
pub async fn consents(state: &AppState, caller: &Caller) -> ApiResult<Vec<Consent>> {
    caller.require(Action::ManageConsent)?;
    let subject = own_subject(caller)?;
    let today = caller.today();
    let file = state.db.reading(move |store| store.file(&subject)).await?;
    Ok(consent::consents(&file, today))
}

fn own_subject(caller: &Caller) -> ApiResult<SubjectId> {
    caller.account.subject.ok_or_else(|| ApiError::forbidden("this account names no subject: it has no file to consent for"))
}

/// Gives (or withdraws) the caller's consent to the account `partner`.
pub async fn consent(state: &AppState, caller: &Caller, partner: String, give: bool, client_id: Option<&str>) -> ApiResult<Acted> {
    caller.require(Action::ManageConsent)?;
    let subject = own_subject(caller)?;
    let name = partner.clone();
    let account = state.db.reading(move |store| store.account(&name)).await?;
    if !account.is_some_and(|account| matches!(account.role, Role::Provider | Role::Partner)) {
        let partner = socred_i18n::Argument::Text(format!("{partner:?}"));
        return Err(ApiError::invalid_message("partner", "input-not-a-machine-account", vec![("partner", partner)]));
    }
    let moment = caller.moment.unix_ms.to_string();
    let kind = if give { "give" } else { "withdraw" };
    let id = case_id("id", client_id, "consent", &[subject.as_str(), &partner, kind, &moment])?;
    let event = if give { Event::ConsentGiven { consent: id, partner } } else { Event::ConsentWithdrawn { consent: id, partner } };
    act(state, caller, Some(subject), event).await
}
