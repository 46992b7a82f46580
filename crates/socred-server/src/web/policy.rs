//! The policy page (reviewers and admins): a proposed rulebook, uploaded or
//! pasted, compared with the one in force on the whole population, with its
//! tables; small simulator runs, and the last ones.

use axum::extract::{Multipart, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use maud::{Markup, html};
use socred_auth::Action;
use socred_core::decide::Outcome;
use socred_core::policy::Comparison;
use socred_core::policy::groups::Judgement;
use socred_i18n::{Argument, Language};
use socred_sim::simulate::Simulation;

use super::{Flash, back, check_csrf, error_page, page, reader, signed_in};
use crate::AppState;
use crate::auth::{Caller, MaybeCaller};
use crate::error::ApiError;
use crate::service;

/// The upload form: a rulebook, the CSRF token and nothing else.
pub const MAX_FORM_BYTES: usize = 2 * socred_core::rulebook::MAX_RULEBOOK_BYTES + 64 * 1024;
const MAX_FORM_FIELDS: usize = 8;

/// Signed in, and a reviewer or an admin.
fn assessor(caller: MaybeCaller) -> Result<Caller, Response> {
    let caller = signed_in(caller, None)?;
    if caller.account.may(Action::AssessPolicy) {
        Ok(caller)
    } else {
        let language = reader();
        Err(error_page(StatusCode::FORBIDDEN, Some(&caller), &language.text("error-role-title"), &language.text("policy-forbidden")))
    }
}

fn proposal_form(language: Language, csrf: &str) -> Markup {
    let t = |id: &str| language.text(id);
    html! {
        form.card method="post" action="/policy/compare" enctype="multipart/form-data" {
            input type="hidden" name="csrf" value=(csrf);
            p { label for="rulebook-file" { (t("policy-upload")) } input #rulebook-file name="rulebook_file" type="file" accept=".toml,text/plain"; }
            p { label for="rulebook-text" { (t("policy-or-paste")) } textarea #rulebook-text name="rulebook" rows="6" maxlength=(socred_core::rulebook::MAX_RULEBOOK_BYTES) {} }
            p { button type="submit" { (t("policy-compare")) } }
        }
    }
}

fn simulate_form(language: Language, csrf: &str) -> Markup {
    let t = |id: &str| language.text(id);
    html! {
        form.card method="post" action="/policy/simulate" enctype="multipart/form-data" {
            input type="hidden" name="csrf" value=(csrf);
            p { (language.text_with("policy-simulate-intro", &[
                ("subjects", Argument::Number(service::policy::MAX_WEB_SUBJECTS as i64)),
                ("years", Argument::Number(i64::from(service::policy::MAX_WEB_YEARS))),
            ])) }
            p { label for="sim-subjects" { (t("policy-field-subjects")) } input #sim-subjects name="subjects" type="number" min="1" max=(service::policy::MAX_WEB_SUBJECTS) value="1000" required; }
            p { label for="sim-years" { (t("policy-field-years")) } input #sim-years name="years" type="number" min="1" max=(service::policy::MAX_WEB_YEARS) value="5" required; }
            p { label for="sim-seed" { (t("policy-field-seed")) } input #sim-seed name="seed" type="number" min="0" value="42" required; }
            p { label for="sim-rulebook" { (t("policy-simulate-proposal")) } textarea #sim-rulebook name="rulebook" rows="4" maxlength=(socred_core::rulebook::MAX_RULEBOOK_BYTES) {} }
            p { button type="submit" { (t("policy-simulate")) } }
        }
    }
}

fn simulation_table(language: Language, simulation: &Simulation) -> Markup {
    let t = |id: &str| language.text(id);
    html! {
        div.table-wrap { table {
            thead { tr {
                @for id in ["policy-column-rulebook", "policy-column-year", "policy-column-restricted", "policy-column-false-rate", "policy-column-corrected", "policy-column-overdue", "policy-column-tiers"] {
                    th scope="col" { (t(id)) }
                }
            } }
            tbody { @for year in &simulation.years { tr {
                td { (year.rulebook) }
                th scope="row" { (year.year) }
                td { (year.restricted_subjects) }
                td { (format!("{:.1}%", year.false_sanction_rate * 100.0)) }
                td { (year.wrong_corrected_in_time) " / " (year.wrong_records) }
                td { (year.cases_overdue_open) }
                td { (year.tiers.iter().map(|(tier, count)| format!("{tier} {count}")).collect::<Vec<_>>().join(" · ")) }
            } } }
        } }
    }
}

/// `/policy`: the forms and the last simulations.
pub async fn policy(State(state): State<AppState>, caller: MaybeCaller, flash: Flash) -> Response {
    let caller = match assessor(caller) {
        Ok(caller) => caller,
        Err(response) => return response,
    };
    let language = reader();
    let t = |id: &str| language.text(id);
    let csrf = caller.csrf.as_deref().unwrap_or("");
    let runs = state.simulations.last();
    let body = html! {
        p { (t("policy-intro")) }
        h2 { (t("policy-compare-heading")) }
        (proposal_form(language, csrf))
        h2 { (t("policy-simulate")) }
        (simulate_form(language, csrf))
        h2 { (t("policy-runs")) }
        @if runs.is_empty() { p { (t("policy-no-runs")) } }
        @for run in &runs {
            section.card {
                h3 { (language.text_with("policy-run", &[
                    ("when", Argument::Text(run.at.clone())),
                    ("who", Argument::Text(run.by.clone())),
                    ("subjects", Argument::Number(run.simulation.config.subjects as i64)),
                    ("years", Argument::Number(i64::from(run.simulation.config.years))),
                    ("seed", Argument::Text(run.simulation.config.seed.to_string())),
                ])) }
                (simulation_table(language, &run.simulation))
            }
        }
    };
    page(&t("policy-title"), Some(&caller), &flash, body).into_response()
}

fn dimension(language: Language, dimension: socred_core::policy::groups::Dimension) -> String {
    language.text(&format!("cli-policy-dimension-{}", dimension.as_str()))
}

/// The comparison as tables.
fn comparison_body(language: Language, comparison: &Comparison) -> Markup {
    let t = |id: &str| language.text(id);
    let head = |ids: &[&str]| html! { thead { tr { @for id in ids { th scope="col" { (t(id)) } } } } };
    let moved: u64 = comparison.transitions.iter().filter(|cell| cell.from != cell.to).map(|cell| cell.subjects).sum();
    let groups = &comparison.impact_by_group;
    let after_tiers: Vec<&str> =
        comparison.tiers.iter().filter(|row| row.after > 0 || row.before > 0).map(|row| row.tier.as_str()).collect();
    let cell = |from: &str, to: &str| {
        comparison.transitions.iter().find(|cell| cell.from == from && cell.to == to).map_or(0, |cell| cell.subjects)
    };
    let largest_cell = comparison.transitions.iter().map(|cell| cell.subjects).max().unwrap_or(1).max(1);
    let changed: Vec<_> = comparison.measures.iter().filter(|measure| measure.before != measure.after).collect();
    html! {
        p data-testid="policy-summary" { (language.text_with("policy-summary", &[
            ("day", Argument::Text(language.date(comparison.as_of))),
            ("subjects", Argument::Number(comparison.subjects as i64)),
            ("moved", Argument::Number(moved as i64)),
            ("adverse", Argument::Number(groups.adverse_subjects as i64)),
            ("rate", Argument::Text(format!("{:.1}%", groups.population_rate * 100.0))),
        ])) }
        p.meta { (t("policy-digest")) " " code { (comparison.digest) } }
        h2 { (t("policy-tiers")) }
        div.table-wrap { table {
            (head(&["policy-column-tier", "policy-column-before", "policy-column-after"]))
            tbody { @for row in &comparison.tiers { tr { th scope="row" { (row.tier) } td { (row.before) } td { (row.after) } } } }
        } }
        h2 { (t("policy-transitions")) }
        div.table-wrap { table.heat data-testid="transitions" {
            thead { tr { th scope="col" { (t("policy-column-before-after")) } @for to in &after_tiers { th scope="col" { (to) } } } }
            tbody { @for from in &after_tiers { tr {
                th scope="row" { (from) }
                @for to in &after_tiers {
                    @let count = cell(from, to);
                    // Five shades, by the cell's share of the largest one.
                    @let shade = if count == 0 { 0 } else { (count * 4).div_ceil(largest_cell).clamp(1, 4) };
                    td class={ "heat-" (shade) @if from != to { " moved" } } { (count) }
                }
            } } }
        } }
        @if !comparison.lists.is_empty() {
            h2 { (t("policy-lists")) }
            div.table-wrap { table {
                (head(&["policy-column-list", "policy-column-before", "policy-column-after", "policy-column-gained", "policy-column-lost"]))
                tbody { @for list in &comparison.lists { tr { th scope="row" { (list.list) } td { (list.before) } td { (list.after) } td { (list.gained) } td { (list.lost) } } } }
            } }
        }
        h2 { (t("policy-measures")) }
        @if changed.is_empty() { p { (t("policy-no-measure-change")) } } @else {
            div.table-wrap { table {
                (head(&["policy-column-service", "policy-column-outcome", "policy-column-before", "policy-column-after"]))
                tbody { @for measure in &changed { tr {
                    th scope="row" { (measure.service) }
                    td { (t(if measure.outcome == Outcome::Deny { "policy-outcome-deny" } else { "policy-outcome-benefit" })) }
                    td { (measure.before) } td { (measure.after) }
                } } }
            } }
        }
        h2 { (t("policy-points")) }
        div.table-wrap { table {
            thead { tr { th scope="col" { (t("policy-column-quantile")) } @for q in &comparison.points.quantiles { th scope="col" { "p" ((q * 100.0).round() as u32) } } } }
            tbody {
                tr { th scope="row" { (t("policy-column-before")) } @for score in &comparison.points.before { td { (score) } } }
                tr { th scope="row" { (t("policy-column-after")) } @for score in &comparison.points.after { td { (score) } } }
            }
        } }
        @if !comparison.largest_changes.is_empty() {
            h2 { (t("policy-largest")) }
            p.meta { (t("policy-largest-note")) }
            div.table-wrap { table {
                (head(&["policy-column-score", "policy-column-tier", "policy-column-causes"]))
                tbody { @for change in &comparison.largest_changes { tr {
                    td { (change.score_before) " → " (change.score_after) }
                    td { (change.tier_before) " → " (change.tier_after) }
                    td { (change.causes.iter().map(|cause| language.text_with("policy-cause", &[
                        ("behaviour", Argument::Text(cause.behaviour.clone())),
                        ("before", Argument::Number(cause.points_before)),
                        ("after", Argument::Number(cause.points_after)),
                    ])).collect::<Vec<_>>().join("; ")) }
                } } }
            } }
        }
        h2 { (t("policy-groups")) }
        p { (language.text_with("policy-groups-intro", &[("min", Argument::Number(groups.min_group_subjects as i64))])) }
        div.table-wrap { table data-testid="groups" {
            (head(&["policy-column-dimension", "policy-column-group", "policy-column-subjects", "policy-column-adverse", "policy-column-ratio", "policy-column-judgement"]))
            tbody { @for group in &groups.groups { tr class=@if group.judgement == Judgement::Outside { "flagged" } {
                td { (dimension(language, group.dimension)) }
                th scope="row" { (socred_i18n::words::policy_group(language, group.dimension, &group.group)) }
                // A small group's counts could point at a person: shown only as small.
                @if group.judgement == Judgement::TooSmall {
                    td colspan="2" { (language.text_with("policy-group-small", &[("min", Argument::Number(groups.min_group_subjects as i64))])) }
                } @else {
                    td { (group.subjects) } td { (group.adverse) }
                }
                td { (group.ratio.map_or_else(|| "–".to_string(), |ratio| format!("{ratio:.2}"))) }
                td { (t(match group.judgement {
                    Judgement::Within => "policy-judgement-within",
                    Judgement::Outside => "policy-judgement-outside",
                    Judgement::TooSmall => "policy-judgement-too-small",
                })) }
            } } }
        } }
    }
}

/// A policy form's fields (at most [`MAX_FORM_FIELDS`], each at most a
/// rulebook's size), or the reason it could not be read.
async fn read_form(
    multipart: Result<Multipart, axum::extract::multipart::MultipartRejection>,
) -> Result<std::collections::HashMap<String, Vec<u8>>, ApiError> {
    let mut multipart = multipart.map_err(|rejection| unreadable("form", rejection.body_text()))?;
    let mut fields = std::collections::HashMap::new();
    while let Some(field) = multipart.next_field().await.map_err(|error| unreadable("form", error.body_text()))? {
        if fields.len() >= MAX_FORM_FIELDS {
            return Err(too_many_fields());
        }
        let name = field.name().unwrap_or("").to_string();
        let data = field.bytes().await.map_err(|error| unreadable(&name, error.body_text()))?;
        if data.len() > socred_core::rulebook::MAX_RULEBOOK_BYTES {
            let max = socred_i18n::Argument::Number(socred_core::rulebook::MAX_RULEBOOK_BYTES as i64);
            return Err(ApiError::invalid_message("rulebook", "input-at-most-bytes", vec![("max", max)]));
        }
        fields.insert(name, data.to_vec());
    }
    Ok(fields)
}

/// A policy form posted by a reviewer or an admin, with its CSRF token
/// checked. The role comes first: nobody else learns even how the form is read.
async fn posted(
    caller: MaybeCaller,
    multipart: Result<Multipart, axum::extract::multipart::MultipartRejection>,
) -> Result<(Caller, std::collections::HashMap<String, Vec<u8>>), Response> {
    let caller = assessor(caller)?;
    let fields = read_form(multipart).await.map_err(|error| back("/policy", Err(error)))?;
    check_csrf(&caller, &String::from_utf8_lossy(fields.get("csrf").map_or(&[][..], Vec::as_slice)))?;
    Ok((caller, fields))
}

/// A form the server could not read: the parser's words are English only.
pub(super) fn unreadable(field: &str, detail: String) -> ApiError {
    ApiError::invalid_message(field, "input-form-unreadable", vec![("detail", socred_i18n::Argument::Text(detail))])
}

/// A form with more fields than any of socred's.
pub(super) fn too_many_fields() -> ApiError {
    ApiError::invalid_message("form", "input-too-many-fields", vec![("max", socred_i18n::Argument::Number(MAX_FORM_FIELDS as i64))])
}

fn text_field(fields: &std::collections::HashMap<String, Vec<u8>>, name: &str) -> Result<String, ApiError> {
    String::from_utf8(fields.get(name).cloned().unwrap_or_default()).map_err(|_| ApiError::invalid_message(name, "input-not-utf8", vec![]))
}

/// `POST /policy/compare`: the comparison of an uploaded or pasted rulebook.
pub async fn compare(
    State(state): State<AppState>,
    caller: MaybeCaller,
    multipart: Result<Multipart, axum::extract::multipart::MultipartRejection>,
) -> Response {
    let (caller, fields) = match posted(caller, multipart).await {
        Ok(posted) => posted,
        Err(response) => return response,
    };
    let uploaded = fields.get("rulebook_file").filter(|file| !file.is_empty());
    let source = match text_field(&fields, if uploaded.is_some() { "rulebook_file" } else { "rulebook" }) {
        Ok(source) => source,
        Err(error) => return back("/policy", Err(error)),
    };
    let comparison = match service::policy::compare(&state, &caller, source).await {
        Ok(comparison) => comparison,
        Err(error) => return back("/policy", Err(error)),
    };
    let language = reader();
    let title = language.text_with(
        "policy-result-title",
        &[
            ("after", Argument::Text(format!("{} {}", comparison.after.id, comparison.after.version))),
            ("before", Argument::Text(format!("{} {}", comparison.before.id, comparison.before.version))),
        ],
    );
    let body = html! {
        (comparison_body(language, &comparison))
        p { a href="/policy" { (language.text("policy-back")) } }
    };
    page(&title, Some(&caller), &Flash::default(), body).into_response()
}

/// `POST /policy/simulate`: a small simulation, kept among the last ones.
pub async fn simulate(
    State(state): State<AppState>,
    caller: MaybeCaller,
    multipart: Result<Multipart, axum::extract::multipart::MultipartRejection>,
) -> Response {
    let (caller, fields) = match posted(caller, multipart).await {
        Ok(posted) => posted,
        Err(response) => return response,
    };
    let number = |name: &str| -> Result<u64, ApiError> {
        text_field(&fields, name)?.trim().parse::<u64>().map_err(|_| ApiError::invalid_message(name, "input-whole-number", vec![]))
    };
    let result = async {
        let (subjects, seed) = (number("subjects")?, number("seed")?);
        let years = u32::try_from(number("years")?).map_err(|_| ApiError::invalid_message("years", "input-too-large", vec![]))?;
        let proposal = text_field(&fields, "rulebook")?;
        service::policy::simulate(&state, &caller, Some(proposal), subjects, years, seed).await
    }
    .await
    .map(|simulation| reader().text_with("policy-simulated", &[("years", Argument::Number(simulation.years.len() as i64))]));
    back("/policy", result)
}
