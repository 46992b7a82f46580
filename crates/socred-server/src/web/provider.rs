//! The provider check page, and the decisions table shared by the portal and the officer view.

use axum::extract::State;
use axum::response::{IntoResponse, Response};
use maud::{Markup, html};
use serde::Deserialize;
use socred_auth::Role;
use socred_core::decide::{Cause, Decision, Outcome};
use socred_i18n::Argument;

use super::{Flash, form_caller, page, reader, signed_in};
use crate::AppState;
use crate::auth::{Caller, MaybeCaller};
use crate::body::Form;
use socred_i18n::words::{Words, code_in_language};

fn form(words: Words<'_>, caller: &Caller, subject: &str) -> Markup {
    let t = |id: &str| words.t(id);
    html! {
        form.card.no-print method="post" action="/provider/checks" {
            input type="hidden" name="csrf" value=(caller.csrf.as_deref().unwrap_or(""));
            p { label for="check-subject" { (t("field-subject-identifier")) } input #check-subject name="subject" value=(subject) required maxlength="18"; }
            p {
                label for="check-service" { (t("provider-service")) }
                select #check-service name="service" { @for service in &caller.account.services { option value=(service) { (words.service(service)) } } }
            }
            p { button type="submit" { (t("provider-check")) } }
        }
        p.meta.no-print { (t("provider-note")) }
    }
}

pub async fn provider(State(state): State<AppState>, caller: MaybeCaller, flash: Flash) -> Response {
    let caller = match signed_in(caller, Some(Role::Provider)) {
        Ok(caller) => caller,
        Err(response) => return response,
    };
    let rulebook = match state.db.rulebook().await {
        Ok(rulebook) => rulebook,
        Err(error) => return super::failure_page(error),
    };
    let language = reader();
    let words = Words::new(language, &rulebook);
    page(&language.text("provider-title"), Some(&caller), &flash, form(words, &caller, "")).into_response()
}

#[derive(Debug, Deserialize)]
pub struct CheckForm {
    csrf: String,
    subject: String,
    service: String,
}

pub async fn check(State(state): State<AppState>, caller: MaybeCaller, Form(input): Form<CheckForm>) -> Response {
    let caller = match form_caller(caller, Role::Provider, &input.csrf) {
        Ok(caller) => caller,
        Err(response) => return response,
    };
    let language = reader();
    let t = |id: &str| language.text(id);
    let rulebook = match state.db.rulebook().await {
        Ok(rulebook) => rulebook,
        Err(error) => return super::failure_page(error),
    };
    let words = Words::new(language, &rulebook);
    let subject = input.subject.trim().to_string();
    // The check's reference: its provider and instant, as the subject's file lists it.
    let reference = format!("{} {}", caller.account.username, socred_store::format_ms(caller.moment.unix_ms));
    let result = crate::service::checks::run_check(&state, &caller, &subject, &input.service, None, |checked| checked.answer()).await;
    let (status, outcome) = match result {
        Ok(answer) => (axum::http::StatusCode::OK, answer_card(words, &answer, &reference)),
        Err(error) => (error.status, html! { p.flash.error role="alert" { (super::error_text(language, &error)) } }),
    };
    let body = html! { (outcome) (form(words, &caller, &subject)) };
    (status, page(&t("provider-title"), Some(&caller), &Flash::default(), body)).into_response()
}

/// The decision, unmistakable by icon, colour and words; for a refusal, a
/// slip to print for the person refused: the reasons in words and how to
/// appeal, never a score or a tier.
fn answer_card(words: Words<'_>, answer: &crate::service::checks::CheckAnswer, reference: &str) -> Markup {
    let language = words.language;
    let t = |id: &str| words.t(id);
    let service = words.service(&answer.service);
    let (class, icon, verdict) = match answer.decision {
        Outcome::Deny => ("decision deny", "✕", "provider-verdict-deny"),
        Outcome::Allow => ("decision allow", "✓", "provider-verdict-allow"),
        Outcome::AllowWithBenefit => ("decision benefit", "★", "provider-verdict-benefit"),
    };
    let said = words.with(
        "provider-answer",
        &[
            ("service", Argument::Text(service.to_string())),
            ("subject", Argument::Text(answer.subject.to_string())),
            ("day", Argument::Text(language.date(answer.as_of))),
        ],
    );
    let measure_title = |code: &str| {
        words
            .rulebook
            .measures
            .iter()
            .find(|m| m.code == code)
            .map(|m| language.pick(&m.title, &m.title_zh).to_string())
            .unwrap_or_else(|| code.to_string())
    };
    let postal = language.pick(&words.rulebook.due_process.postal_address, &words.rulebook.due_process.postal_address_zh);
    html! {
        section class=(class) aria-live="polite" {
            p.verdict {
                span.icon aria-hidden="true" { (icon) } " "
                strong data-testid="verdict" { (words.with(verdict, &[("service", Argument::Text(service.to_string()))])) }
            }
            p { (said) }
            p.meta { (t("provider-decision")) " " code data-testid="decision" { (code_in_language(language, "check-outcome", answer.decision.as_str())) } }
            @if !answer.reasons.is_empty() { p { (t("provider-reasons")) " " code { (answer.reasons.join(", ")) } } }
            @if !answer.benefits.is_empty() { p { (t("provider-benefit")) " " strong { (answer.benefits.join(", ")) } } }
            p.meta { (t("provider-reference")) " " code data-testid="reference" { (reference) } }
        }
        @if answer.decision == Outcome::Deny {
            section.card.slip data-testid="slip" aria-labelledby="slip-heading" {
                h2 #slip-heading { (t("provider-slip-heading")) }
                p { (words.with("provider-slip-refused", &[("service", Argument::Text(service.to_string())), ("day", Argument::Text(language.date(answer.as_of)))])) }
                @if !answer.reasons.is_empty() {
                    p { (t("provider-slip-because")) }
                    ul { @for code in &answer.reasons { li { (measure_title(code)) } } }
                }
                p { (socred_i18n::words::appeal_text(language, &answer.appeal)) }
                p { (t("provider-slip-portal")) }
                @if !postal.trim().is_empty() { p { (words.with("provider-slip-post", &[("address", Argument::Text(postal.to_string()))])) } }
                p.meta { (t("provider-reference")) " " code { (reference) } }
                p.meta.no-print { (t("provider-slip-print")) }
            }
        }
    }
}

/// A table of every service: the decision and each reason, including measures through linked subjects.
pub fn decisions_table(words: Words<'_>, decisions: &[Decision]) -> Markup {
    let t = |id: &str| words.t(id);
    html! {
        div.table-wrap { table {
            thead { tr { th scope="col" { (t("decision-service")) } th scope="col" { (t("decision-decision")) } th scope="col" { (t("decision-why")) } } }
            tbody {
                @for decision in decisions {
                    tr {
                        th scope="row" { (words.service(&decision.service)) }
                        td {
                            @match decision.outcome {
                                Outcome::Deny => strong.overdue { (t("decision-may-not")) },
                                Outcome::Allow => (t("decision-may")),
                                Outcome::AllowWithBenefit => (words.with("decision-may-with", &[("benefits", Argument::Text(decision.benefits.join(", ")))])),
                            }
                        }
                        td {
                            @if !decision.reasons.is_empty() {
                                ul { @for reason in &decision.reasons {
                                    li {
                                        (words.measure(&reason.measure, &reason.title)) ": "
                                        @match &reason.cause {
                                            Cause::List { list, entry } => { (words.with("decision-cause-list", &[("list", Argument::Text(words.list_title(list).to_string()))])) " " code { (entry.as_str()) } }
                                            Cause::Tier { tier } => (words.with("decision-cause-tier", &[("tier", Argument::Text(tier.clone()))])),
                                            Cause::Record { behaviour, record } => { (words.with("decision-cause-record", &[("behaviour", Argument::Text(words.behaviour_title(behaviour).to_string()))])) " " code { (record.as_str()) } }
                                        }
                                        @if let Some(via) = &reason.via { ", " (t(socred_i18n::words::link_message(via.link))) " " code { (via.subject.as_str()) } }
                                        ". " span.meta { (words.measure_basis(&reason.measure, &reason.legal_basis)) }
                                    }
                                } }
                            }
                        }
                    }
                }
            }
        } }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use socred_core::decide::Reason;
    use socred_core::rulebook::MeasureKind;
    use socred_i18n::Language;

    fn reason(cause: Cause) -> Reason {
        Reason {
            measure: "no-flights".into(),
            title: "Restriction on air travel".into(),
            kind: MeasureKind::Restriction,
            legal_basis: "a basis".into(),
            cause,
            via: None,
            disclose: true,
        }
    }

    /// A cause names its list or behaviour by title in the reader's
    /// language, never by the bare code inside a sentence.
    #[test]
    fn a_cause_names_its_list_and_behaviour_in_the_readers_language() {
        let rulebook = socred_core::Rulebook::from_toml(socred_core::DEFAULT_RULEBOOK, "default.toml").unwrap();
        let decision = Decision {
            subject: socred_core::SubjectId::parse("110101199003074514").unwrap(),
            service: "air-travel".into(),
            as_of: socred_core::parse_date("2026-12-01").unwrap(),
            outcome: Outcome::Deny,
            reasons: vec![
                reason(Cause::List { list: "blacklist".into(), entry: socred_core::process::EntryId::parse("blacklist:r-1").unwrap() }),
                reason(Cause::Record {
                    behaviour: "military-service-evasion".into(),
                    record: socred_core::RecordId::parse("r-2").unwrap(),
                }),
                reason(Cause::List {
                    list: "a-list-of-tomorrow".into(),
                    entry: socred_core::process::EntryId::parse("a-list-of-tomorrow:r-3").unwrap(),
                }),
            ],
            benefits: Vec::new(),
            appeal: String::new(),
        };
        let chinese = decisions_table(Words::new(Language::Chinese, &rulebook), std::slice::from_ref(&decision)).into_string();
        assert!(chinese.contains("列入严重失信主体名单"), "{chinese}");
        assert!(chinese.contains("存在“逃避服兵役”记录"), "{chinese}");
        assert!(!chinese.contains("列入blacklist") && !chinese.contains("military-service-evasion"), "{chinese}");
        assert!(chinese.contains("列入a-list-of-tomorrow"), "an unknown code is shown as written: {chinese}");
        let english = decisions_table(Words::new(Language::English, &rulebook), &[decision]).into_string();
        assert!(english.contains("listed on the List of seriously untrustworthy subjects"), "{english}");
        assert!(english.contains("a record of Evading compulsory military service"), "{english}");
    }
}
