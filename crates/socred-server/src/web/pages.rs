//! Public pages: home, the published lists with search, the rulebook.

use axum::extract::{Query, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use socred_auth::Role;
use socred_i18n::{Argument, Language};

use super::language::Reader;
use maud::{Markup, html};

use super::{Flash, page_in, rich};
use crate::AppState;
use crate::auth::MaybeCaller;
use socred_i18n::words::{Words, in_language};

pub async fn home(MaybeCaller(caller): MaybeCaller, Reader(language): Reader, flash: Flash) -> Response {
    let t = |id: &str| language.text(id);
    let link = |href: &str, link: &str, rest: &str| html! { a href=(href) { (t(link)) } (t(rest)) };
    let next = match caller.as_ref().map(|c| c.account.role) {
        Some(Role::Subject) => link("/me", "home-subject-link", "home-subject-rest"),
        Some(Role::Officer) => link("/officer", "home-officer-link", "home-officer-rest"),
        Some(Role::Reviewer) => link("/reviewer", "home-reviewer-link", "home-reviewer-rest"),
        Some(_) => html! { (t("home-other-role")) " " a href="/api/v1/docs" { (t("home-api-docs-link")) } },
        None => link("/login", "home-anonymous-link", "home-anonymous-rest"),
    };
    let body = html! {
        p { (t("home-intro")) }
        p { (next) }
        ul {
            li { (link("/lists", "home-lists-link", "home-lists-rest")) }
            li { (link("/rulebook", "home-rulebook-link", "home-rulebook-rest")) }
            li { (link("/api/v1/docs", "home-api-link", "home-api-rest")) }
        }
    };
    bilingual(page_in(language, &language.text("home-title"), caller.as_ref(), &flash, body))
}

/// A page that follows the reader's language: caches keep one copy per language.
fn bilingual(page: axum::response::Html<String>) -> Response {
    let mut response = page.into_response();
    response.headers_mut().insert(header::VARY, HeaderValue::from_static("Accept-Language, Cookie"));
    response
}

#[derive(Debug, Deserialize)]
pub struct ListQuery {
    q: Option<String>,
    list: Option<String>,
}

pub async fn public_lists(
    State(state): State<AppState>,
    MaybeCaller(caller): MaybeCaller,
    Reader(language): Reader,
    flash: Flash,
    address: crate::limits::ClientAddress,
    Query(query): Query<ListQuery>,
) -> Response {
    let t = |id: &str| language.text(id);
    let mut flash = flash;
    let mut search = query.q.clone().filter(|q| !q.trim().is_empty());
    // The same rules as the API: names and masked ids, a limit per address.
    let refused = match search.as_deref().map(socred_store::PublicSearch::parse) {
        Some(Err(reason)) => Some(language.text_with("lists-search-refused", &[("reason", Argument::Text(reason.to_string()))])),
        parsed => {
            let searching = matches!(parsed, Some(Ok(Some(_))));
            state.limits.public_list(caller.as_ref(), address.0, searching).err().map(|error| super::error_text(language, &error))
        }
    };
    let shown = refused.is_none();
    if let Some(reason) = refused {
        flash.error = Some(reason);
        search = None;
    }
    let list = query.list.clone().filter(|l| !l.is_empty());
    let today = state.today();
    let key = state.log_key.clone();
    let read = async {
        let rulebook = state.db.rulebook().await?;
        let known_list = list.clone().filter(|l| rulebook.list(l).is_some());
        // A refused search or a read past the limit shows the form, not the list.
        let entries = if shown { state.db.published(today, known_list, search.clone(), 200, 0).await? } else { Vec::new() };
        // The log's heads, signed: anyone may keep them (docs/audit-format.md).
        let checkpoint = match (key, shown) {
            (Some(key), true) => Some(state.db.sign_checkpoint(key, socred_store::wall_clock_rfc3339()).await?),
            _ => None,
        };
        Ok::<_, crate::error::ApiError>((rulebook, entries, checkpoint))
    };
    let (rulebook, entries, checkpoint) = match read.await {
        Ok(found) => found,
        Err(error) => return error.into_response(),
    };
    let words = Words::new(language, &rulebook);
    let columns = ["list", "name", "identifier", "authority", "legal-basis", "since", "until"];
    let caption = language.text_with(
        "lists-count",
        &[
            ("shown", Argument::Number(entries.len() as i64)),
            ("count", Argument::Text(language.number(entries.len() as i64))),
            ("day", Argument::Text(language.date(today))),
        ],
    );
    let body = html! {
        p { (t("lists-intro")) }
        form.card method="get" action="/lists" role="search" {
            p { label for="q" { (t("lists-search-label")) } input #q name="q" value=(search.as_deref().unwrap_or("")) maxlength="128"; }
            p { label for="list" { (t("lists-list-label")) } select #list name="list" {
                option value="" { (t("lists-all")) }
                @for spec in rulebook.lists.iter().filter(|l| l.published) {
                    option value=(spec.code) selected[list.as_deref() == Some(spec.code.as_str())] { (in_language(language, &spec.title, &spec.title_zh)) }
                }
            } }
            p { button type="submit" { (t("lists-search")) } }
        }
        h2 { (t("lists-results")) }
        @if entries.is_empty() {
            p { (t("lists-none")) }
        } @else {
            div.table-wrap { table {
                caption.meta { (caption) }
                thead { tr { @for column in columns { th scope="col" { (t(&format!("lists-column-{column}"))) } } } }
                tbody { @for entry in &entries {
                    // The rulebook's words in the reader's language; a legal basis a reviewer wrote stays as written.
                    tr {
                        td { (words.list(&entry.list, &entry.list_title)) }
                        td { (entry.name) }
                        td { code { (entry.masked_id) } }
                        td { (words.authority(&entry.authority)) }
                        td { (words.list_basis(&entry.list, &entry.legal_basis)) }
                        td { (language.date(entry.listed_since)) }
                        td { @if let Some(until) = entry.listed_until { (language.date(until)) } }
                    }
                } }
            } }
        }
        @if let Some(note) = checkpoint {
            details {
                summary { (t("lists-checkpoint-summary")) }
                p { (rich(language, "lists-checkpoint-text", &[
                    ("command", html! { code { "socred audit verify --checkpoint" } }),
                    ("link", html! { a href="/api/v1/log/checkpoint" { "/api/v1/log/checkpoint" } }),
                ])) }
                pre { (note) }
            }
        }
    };
    bilingual(page_in(language, &language.text("lists-title"), caller.as_ref(), &flash, body))
}

pub async fn rulebook(State(state): State<AppState>, MaybeCaller(caller): MaybeCaller, Reader(language): Reader) -> Response {
    let rulebook = match state.db.rulebook().await {
        Ok(rulebook) => rulebook,
        Err(error) => return error.into_response(),
    };
    let t = |id: &str| language.text(id);
    let with = |id: &str, arguments: &[(&str, Argument)]| language.text_with(id, arguments);
    let number = |value: i64| Argument::Number(value);
    // The rulebook's own words in the reader's language (it carries both; older versions may not).
    let pick = |english: &'_ str, in_chinese: &'_ str| in_language(language, english, in_chinese).to_string();
    let list_terms = |spec: &socred_core::rulebook::ListSpec| {
        let second = if spec.second_instance { t("rulebook-list-second-instance") } else { String::new() };
        let repair = if spec.min_publication_years > 0 {
            with("rulebook-list-repair", &[("years", number(spec.min_publication_years.into()))])
        } else {
            String::new()
        };
        with(
            "rulebook-list-terms",
            &[
                ("days", number(spec.appeal_days.into())),
                ("second", Argument::Text(second)),
                ("years", number(spec.max_listing_years.into())),
                ("repair", Argument::Text(repair)),
                ("basis", Argument::Text(pick(&spec.legal_basis, &spec.legal_basis_zh))),
            ],
        )
    };
    let intro = with(
        "rulebook-intro",
        &[
            ("title", Argument::Text(pick(&rulebook.title, &rulebook.title_zh))),
            ("version", Argument::Text(rulebook.version.clone())),
            ("fingerprint", Argument::Text(rulebook.fingerprint[..16].to_string())),
            ("base", number(rulebook.base_score)),
            ("deduction_years", number(rulebook.deduction_years.into())),
            ("addition_years", number(rulebook.addition_years.into())),
        ],
    );
    let head = |ids: &[&str]| html! { thead { tr { @for id in ids { th scope="col" { (t(id)) } } } } };
    let body = html! {
        p { (intro) }
        h2 { (t("rulebook-tiers")) }
        div.table-wrap { table {
            (head(&["rulebook-column-tier", "rulebook-column-points", "rulebook-column-lock", "rulebook-column-meaning"]))
            tbody { @for (_, spec) in rulebook.tiers.iter_best_first() {
                tr {
                    th scope="row" { (spec.name) }
                    td { @match spec.min_points {
                        Some(points) => (with("rulebook-points-at-least", &[("points", number(points))])),
                        None => (t("rulebook-points-lowest")),
                    } }
                    td { @if spec.lock_years > 0 { (with("rulebook-lock-years", &[("years", number(spec.lock_years.into()))])) } @else { (t("rulebook-lock-none")) } }
                    td { (pick(&spec.description, &spec.description_zh)) }
                }
            } }
        } }
        p { (t("rulebook-recovery")) }
        h2 { (t("rulebook-behaviours")) }
        div.table-wrap { table {
            (head(&["rulebook-column-behaviour", "rulebook-column-points", "rulebook-column-counts-for", "rulebook-column-category", "rulebook-column-legal-basis"]))
            tbody { @for behaviour in &rulebook.behaviours {
                tr {
                    th scope="row" { (pick(&behaviour.title, &behaviour.title_zh)) br; code { (behaviour.code) } }
                    td {
                        (format!("{:+}", behaviour.points))
                        @if let Some(tier) = behaviour.forced_tier { (with("rulebook-forces-tier", &[("tier", Argument::Text(rulebook.tiers.name(tier).to_string()))])) }
                    }
                    td { (with("rulebook-lock-years", &[("years", number(behaviour.years.into()))])) }
                    td { (t(&format!("category-{}", behaviour.category.as_str()))) }
                    td { (pick(&behaviour.legal_basis, &behaviour.legal_basis_zh)) }
                }
            } }
        } }
        h2 { (t("rulebook-lists")) }
        @for spec in &rulebook.lists {
            section.card {
                h3 { (pick(&spec.title, &spec.title_zh)) }
                p { (pick(&spec.consequences, &spec.consequences_zh)) }
                p.meta { (list_terms(spec)) }
            }
        }
        h2 #measures { (t("rulebook-measures")) }
        p { (t("rulebook-measures-intro")) }
        (measures_table(&rulebook, language))
        p { (t("rulebook-refused")) }
    };
    bilingual(page_in(language, &t("rulebook-title"), caller.as_ref(), &Flash::default(), body))
}

/// The measures catalogue, one table a service: each measure, its kind, whom
/// it applies to, what sets it off and its legal basis.
fn measures_table(rulebook: &socred_core::Rulebook, language: Language) -> Markup {
    let t = |id: &str| language.text(id);
    let chinese = language == Language::Chinese;
    let pick = |english: &'_ str, in_chinese: &'_ str| in_language(language, english, in_chinese).to_string();
    let separator = if chinese { "；" } else { "; " };
    let triggers = |measure: &socred_core::rulebook::Measure| {
        let mut triggers: Vec<String> = Vec::new();
        for list in &measure.lists {
            let title = rulebook.list(list).map_or(list.clone(), |spec| pick(&spec.title, &spec.title_zh));
            triggers.push(language.text_with("rulebook-trigger-list", &[("list", Argument::Text(title))]));
        }
        for tier in &measure.tiers {
            triggers.push(language.text_with("rulebook-trigger-tier", &[("tier", Argument::Text(rulebook.tiers.name(*tier).to_string()))]));
        }
        for code in &measure.records {
            let title = rulebook.behaviour(code).map_or(code.clone(), |b| pick(&b.title, &b.title_zh));
            triggers.push(language.text_with("rulebook-trigger-record", &[("behaviour", Argument::Text(title))]));
        }
        triggers.join(separator)
    };
    let reach = |measure: &socred_core::rulebook::Measure| {
        let mut reach: Vec<String> = Vec::new();
        if !measure.direct {
            reach.push(t("rulebook-not-direct"));
        }
        for extension in &measure.extends_to {
            reach.push(t(&format!("rulebook-extends-{}", extension.as_str())));
        }
        reach.join(separator)
    };
    let applies = |measure: &socred_core::rulebook::Measure| {
        let applies: Vec<String> = measure.applies_to.iter().map(|kind| t(&format!("rulebook-applies-{}", kind.as_str()))).collect();
        applies.join(if chinese { "、" } else { ", " })
    };
    let kind = |measure: &socred_core::rulebook::Measure| match measure.kind {
        socred_core::rulebook::MeasureKind::Restriction => ("restriction", "rulebook-kind-restriction"),
        socred_core::rulebook::MeasureKind::Reward => ("reward", "rulebook-kind-reward"),
    };
    let columns = [
        "rulebook-column-measure",
        "rulebook-column-kind",
        "rulebook-column-applies-to",
        "rulebook-column-set-off-by",
        "rulebook-column-legal-basis",
    ];
    html! {
        @for service in &rulebook.services {
            @let measures: Vec<&socred_core::rulebook::Measure> = rulebook.measures.iter().filter(|m| m.service == service.code).collect();
            @if !measures.is_empty() {
                h3 { (pick(&service.title, &service.title_zh)) }
                div.table-wrap { table {
                    thead { tr { @for id in columns { th scope="col" { (t(id)) } } } }
                    tbody { @for measure in measures {
                        @let (class, kind_id) = kind(measure);
                        @let reach = reach(measure);
                        tr class=(class) {
                            th scope="row" { (pick(&measure.title, &measure.title_zh)) br; code { (measure.code) } }
                            td { (t(kind_id)) }
                            td { (applies(measure)) }
                            td { (triggers(measure)) @if !reach.is_empty() { br; (reach) } }
                            td { (pick(&measure.legal_basis, &measure.legal_basis_zh)) }
                        }
                    } }
                } }
            }
        }
    }
}
