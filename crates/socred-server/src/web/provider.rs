//! The provider check page, and the decisions table shared by the portal and the officer view.

use axum::extract::State;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use socred_auth::Role;
use socred_core::decide::{Cause, Decision};

use super::{Flash, esc, form_caller, page, signed_in};
use crate::AppState;
use crate::auth::{Caller, MaybeCaller};
use crate::body::Form;

fn form(caller: &Caller, subject: &str) -> String {
    let options: String = caller.account.services.iter().map(|s| format!(r#"<option value="{0}">{0}</option>"#, esc(s))).collect();
    format!(
        r#"<form method="post" action="/provider/checks" class="card">
<input type="hidden" name="csrf" value="{}">
<p><label for="check-subject">Subject identifier</label><input id="check-subject" name="subject" value="{}" required maxlength="18"></p>
<p><label for="check-service">Service</label><select id="check-service" name="service">{options}</select></p>
<p><button type="submit">Check</button></p>
</form>
<p class="meta">You learn the decision and its reason codes, never the score or the file. Every check is logged in the subject's file.</p>"#,
        esc(caller.csrf.as_deref().unwrap_or("")),
        esc(subject)
    )
}

pub async fn provider(caller: MaybeCaller, flash: Flash) -> Response {
    let caller = match signed_in(caller, Some(Role::Provider)) {
        Ok(caller) => caller,
        Err(response) => return response,
    };
    page("Check a subject", Some(&caller), &flash, &form(&caller, "")).into_response()
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
    let subject = input.subject.trim().to_string();
    let result = crate::service::checks::run_check(&state, &caller, &subject, &input.service, None, |checked| checked.answer()).await;
    let (status, outcome) = match result {
        Ok(answer) => (
            axum::http::StatusCode::OK,
            format!(
                r#"<section class="card" aria-live="polite"><h2>Decision: <span data-testid="decision">{}</span></h2><p>{} for <code>{}</code> on {}.</p>{}{}<p class="meta">{}</p></section>"#,
                answer.decision.as_str(),
                esc(&answer.service),
                esc(answer.subject.as_str()),
                socred_core::date::format_date(answer.as_of),
                if answer.reasons.is_empty() {
                    String::new()
                } else {
                    format!("<p>Reason codes: <code>{}</code></p>", esc(&answer.reasons.join(", ")))
                },
                if answer.benefits.is_empty() {
                    String::new()
                } else {
                    format!("<p>Benefit: <strong>{}</strong></p>", esc(&answer.benefits.join(", ")))
                },
                esc(&answer.appeal)
            ),
        ),
        Err(error) => (error.status, format!(r#"<p class="flash error" role="alert">{}</p>"#, esc(&error.detail.message))),
    };
    (status, page("Check a subject", Some(&caller), &Flash::default(), &format!("{outcome}{}", form(&caller, &subject)))).into_response()
}

/// A table of every service: the decision and each reason, including measures through linked subjects.
pub fn decisions_table(decisions: &[Decision]) -> String {
    let mut rows = String::new();
    for decision in decisions {
        let reasons: String = decision
            .reasons
            .iter()
            .map(|reason| {
                let cause = match &reason.cause {
                    Cause::List { list, entry } => format!("listed on the {} (<code>{}</code>)", esc(list), esc(entry.as_str())),
                    Cause::Tier { tier } => format!("tier {}", esc(tier)),
                    Cause::Record { behaviour, record } => {
                        format!("a record of {} (<code>{}</code>)", esc(behaviour), esc(record.as_str()))
                    }
                };
                let via = reason
                    .via
                    .as_ref()
                    .map(|v| format!(", through their {} <code>{}</code>", v.link.source_role(), esc(v.subject.as_str())))
                    .unwrap_or_default();
                format!("<li>{}: {cause}{via}. <span class=\"meta\">{}</span></li>", esc(&reason.title), esc(&reason.legal_basis))
            })
            .collect();
        let outcome = match decision.outcome {
            socred_core::decide::Outcome::Deny => r#"<strong class="overdue">may not</strong>"#.to_string(),
            socred_core::decide::Outcome::Allow => "may".to_string(),
            socred_core::decide::Outcome::AllowWithBenefit => format!("may, with {}", esc(&decision.benefits.join(", "))),
        };
        rows.push_str(&format!(
            "<tr><th scope=\"row\">{}</th><td>{outcome}</td><td>{}</td></tr>",
            esc(&decision.service),
            if reasons.is_empty() { String::new() } else { format!("<ul>{reasons}</ul>") }
        ));
    }
    format!(
        r#"<div class="table-wrap"><table><thead><tr><th scope="col">Service</th><th scope="col">Decision</th><th scope="col">Why</th></tr></thead><tbody>{rows}</tbody></table></div>"#
    )
}
