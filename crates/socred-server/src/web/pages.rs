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
    authority: Option<String>,
    region: Option<String>,
    page: Option<String>,
}

impl ListQuery {
    /// The search and filters as the store takes them, empty ones dropped;
    /// the refused field (as the form names it) and the reason otherwise.
    fn filter(&self) -> Result<socred_store::PublicFilter, (&'static str, socred_i18n::reasons::Cause)> {
        let filter = socred_store::PublicFilter {
            list: self.list.clone(),
            search: self.q.clone(),
            authority: self.authority.clone(),
            region: self.region.clone(),
        };
        filter.checked().map_err(|(field, reason)| (if field == "search" { "q" } else { field }, reason))
    }
}

/// The province-level codes the region filter offers, with their names.
const PROVINCES: [u8; 34] = socred_core::id::PROVINCES;

/// Rows of the public list a page shows.
pub const LIST_PAGE_ROWS: u32 = 200;
/// The last page a reader may ask for (the API's offset limit).
pub const MAX_LIST_PAGES: u32 = 5_000;
/// Rows one CSV export holds at most; the API pages beyond.
pub const MAX_EXPORT_ROWS: u32 = 10_000;

/// A page number as a reader typed it: 1 to [`MAX_LIST_PAGES`], or the reason.
fn parse_page(text: Option<&str>) -> Result<u32, socred_i18n::reasons::Cause> {
    match text.map(str::trim).filter(|text| !text.is_empty()) {
        None => Ok(1),
        Some(text) => match text.parse::<u32>() {
            Ok(page) if (1..=MAX_LIST_PAGES).contains(&page) => Ok(page),
            _ => Err(socred_i18n::reasons::Cause::message("input-page-number", vec![("max", Argument::Number(i64::from(MAX_LIST_PAGES)))])),
        },
    }
}

/// The API's JSON of the same search (its first page; `offset` pages on).
fn link_api(filter: &socred_store::PublicFilter) -> String {
    let mut query = vec![format!("limit={}", 1_000)];
    for (key, value) in [("search", &filter.search), ("list", &filter.list), ("authority", &filter.authority), ("region", &filter.region)] {
        if let Some(value) = value {
            query.push(format!("{key}={}", super::url(value)));
        }
    }
    format!("/api/v1/lists/public?{}", query.join("&"))
}

/// `/lists/export.csv`: the published entries of a search as CSV, at most
/// [`MAX_EXPORT_ROWS`], under the same rules and limits as the page. Cells
/// are the stored words (codes and the rulebook's English), as the API's JSON.
pub async fn export_lists(
    State(state): State<AppState>,
    MaybeCaller(caller): MaybeCaller,
    address: crate::limits::ClientAddress,
    Query(query): Query<ListQuery>,
) -> Response {
    let filter = match query.filter() {
        Ok(filter) => filter,
        Err((field, cause)) => return super::failure_page(crate::error::ApiError::cause(field, cause)),
    };
    if let Err(error) = state.limits.public_list(caller.as_ref(), address.0, filter.search.is_some()) {
        return super::failure_page(error);
    }
    let entries = match state.db.published(state.today(), filter, MAX_EXPORT_ROWS, 0).await {
        Ok(entries) => entries,
        Err(error) => return super::failure_page(error),
    };
    let columns = ["entry", "list", "list_title", "name", "masked_id", "authority", "legal_basis", "listed_since", "listed_until"];
    let mut out = socred_store::csv::line(columns);
    for entry in &entries {
        let since = socred_core::date::format_date(entry.listed_since);
        let until = entry.listed_until.map(socred_core::date::format_date).unwrap_or_default();
        out.push_str(&socred_store::csv::line([
            entry.entry.as_str(),
            &entry.list,
            &entry.list_title,
            &entry.name,
            &entry.masked_id,
            &entry.authority,
            &entry.legal_basis,
            &since,
            &until,
        ]));
    }
    (
        [
            (axum::http::header::CONTENT_TYPE, "text/csv; charset=utf-8"),
            (axum::http::header::CONTENT_DISPOSITION, "attachment; filename=\"socred-public-lists.csv\""),
        ],
        out,
    )
        .into_response()
}

/// One row per subject and list: the entries of one subject on one list
/// (two judgments, say) shown together, with each authority and basis once.
struct ListRow<'a> {
    first: &'a socred_store::PublicEntry,
    authorities: Vec<&'a str>,
    bases: Vec<&'a str>,
    since: socred_core::Date,
    until: Option<socred_core::Date>,
    open_ended: bool,
}

fn rows_by_subject_and_list(entries: &[socred_store::PublicEntry]) -> Vec<ListRow<'_>> {
    let mut rows: Vec<ListRow<'_>> = Vec::new();
    for entry in entries {
        // By the subject's key, not name and masked id: two people may share both.
        let same = |row: &&mut ListRow<'_>| row.first.list == entry.list && row.first.subject_key == entry.subject_key;
        match rows.iter_mut().find(|row| same(row)) {
            Some(row) => {
                if !row.authorities.contains(&entry.authority.as_str()) {
                    row.authorities.push(&entry.authority);
                }
                if !row.bases.contains(&entry.legal_basis.as_str()) {
                    row.bases.push(&entry.legal_basis);
                }
                row.since = row.since.min(entry.listed_since);
                row.open_ended |= entry.listed_until.is_none();
                row.until = row.until.max(entry.listed_until);
            }
            None => rows.push(ListRow {
                first: entry,
                authorities: vec![&entry.authority],
                bases: vec![&entry.legal_basis],
                since: entry.listed_since,
                until: entry.listed_until,
                open_ended: entry.listed_until.is_none(),
            }),
        }
    }
    rows
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
    // The same rules as the API: names and masked ids, known regions, a limit per address.
    let mut filter = socred_store::PublicFilter::default();
    let refused = match query.filter() {
        Err(("q", cause)) => Some(language.text_with("lists-search-refused", &[("reason", Argument::Text(cause.text(language)))])),
        Err((field, cause)) => {
            let reason = cause.text(language);
            let field = socred_i18n::reasons::field_name(language, field);
            Some(language.text_with(
                "error-text",
                &[
                    ("lead", Argument::Text(language.text("error-lead-invalid"))),
                    ("field", Argument::Text(language.text_with("error-field", &[("field", Argument::Text(field))]))),
                    ("reason", Argument::Text(reason)),
                ],
            ))
        }
        Ok(checked) => {
            filter = checked;
            state
                .limits
                .public_list(caller.as_ref(), address.0, filter.search.is_some())
                .err()
                .map(|error| super::error_text(language, &error))
        }
    };
    let shown = refused.is_none();
    if let Some(reason) = refused {
        flash.error = Some(reason);
        filter = socred_store::PublicFilter::default();
    }
    let page_number = match parse_page(query.page.as_deref()) {
        Ok(page) => page,
        Err(cause) => {
            let reason = cause.text(language);
            flash.error =
                Some(language.text_with(
                    "error-text",
                    &[
                        ("lead", Argument::Text(language.text("error-lead-invalid"))),
                        (
                            "field",
                            Argument::Text(language.text_with(
                                "error-field",
                                &[("field", Argument::Text(socred_i18n::reasons::field_name(language, "page")))],
                            )),
                        ),
                        ("reason", Argument::Text(reason)),
                    ],
                ));
            1
        }
    };
    let today = state.today();
    let key = state.log_key.clone();
    let read = async {
        let rulebook = state.db.rulebook().await?;
        // A list the rulebook does not have shows every list, as the form does.
        let mut known = filter.clone();
        known.list = known.list.filter(|code| rulebook.list(code).is_some());
        // A refused search or a read past the limit shows the form, not the list.
        let offset = (page_number - 1) * LIST_PAGE_ROWS;
        let (entries, total) = if shown {
            let entries = state.db.published(today, known.clone(), LIST_PAGE_ROWS, offset).await?;
            (entries, state.db.published_count(today, known).await?)
        } else {
            (Vec::new(), 0)
        };
        // The filter's choices cost a scan: only for a page that shows the list.
        let authorities = if shown { state.db.published_authorities(today).await? } else { Vec::new() };
        // The log's heads, signed: anyone may keep them (docs/audit-format.md).
        let checkpoint = match (key, shown) {
            (Some(key), true) => Some(state.db.sign_checkpoint(key, socred_store::wall_clock_rfc3339()).await?),
            _ => None,
        };
        Ok::<_, crate::error::ApiError>((rulebook, entries, total, authorities, checkpoint))
    };
    let (rulebook, entries, total, authorities, checkpoint) = match read.await {
        Ok(found) => found,
        Err(error) => return super::failure_page(error),
    };
    let words = Words::new(language, &rulebook);
    let columns = ["list", "name", "identifier", "authority", "legal-basis", "since", "until"];
    let first = u64::from((page_number - 1) * LIST_PAGE_ROWS) + 1;
    let last = first + entries.len() as u64 - 1;
    let caption = language.text_with(
        "lists-count",
        &[
            ("total", Argument::Number(total as i64)),
            ("count", Argument::Text(language.number(total as i64))),
            ("first", Argument::Text(language.number(first as i64))),
            ("last", Argument::Text(language.number(last as i64))),
            ("day", Argument::Text(language.date(today))),
        ],
    );
    // Links keep the reader's search and filters.
    let link = |path: &str, page: Option<u32>| {
        let mut parameters: Vec<(&str, String)> = Vec::new();
        for (key, value) in [("q", &filter.search), ("list", &filter.list), ("authority", &filter.authority), ("region", &filter.region)] {
            if let Some(value) = value {
                parameters.push((key, value.clone()));
            }
        }
        if let Some(page) = page {
            parameters.push(("page", page.to_string()));
        }
        let query: Vec<String> = parameters.iter().map(|(key, value)| format!("{key}={}", super::url(value))).collect();
        if query.is_empty() { path.to_string() } else { format!("{path}?{}", query.join("&")) }
    };
    let pages = total.div_ceil(u64::from(LIST_PAGE_ROWS)).min(u64::from(MAX_LIST_PAGES)) as u32;
    let rows = rows_by_subject_and_list(&entries);
    let body = html! {
        p { (t("lists-intro")) }
        form.card method="get" action="/lists" role="search" {
            p { label for="q" { (t("lists-search-label")) } input #q name="q" value=(filter.search.as_deref().unwrap_or("")) maxlength="128"; }
            p { label for="list" { (t("lists-list-label")) } select #list name="list" {
                option value="" { (t("lists-all")) }
                @for spec in rulebook.lists.iter().filter(|l| l.published) {
                    option value=(spec.code) selected[filter.list.as_deref() == Some(spec.code.as_str())] { (in_language(language, &spec.title, &spec.title_zh)) }
                }
            } }
            p { label for="authority" { (t("lists-authority-label")) } select #authority name="authority" {
                option value="" { (t("lists-all-authorities")) }
                @for authority in &authorities {
                    option value=(authority) selected[filter.authority.as_deref() == Some(authority.as_str())] { (words.authority(authority)) }
                }
            } }
            p { label for="region" { (t("lists-region-label")) } select #region name="region" {
                option value="" { (t("lists-all-regions")) }
                @for code in PROVINCES {
                    @let code = format!("{code:02}");
                    option value=(code) selected[filter.region.as_deref() == Some(code.as_str())] { (t(&format!("province-{code}"))) }
                }
                // A city's code typed into the address keeps its place in the form.
                @if let Some(region) = filter.region.as_deref().filter(|region| region.len() == 4) {
                    option value=(region) selected { (language.text_with("lists-region-code", &[("code", Argument::Text(region.to_string()))])) }
                }
            } }
            p { button type="submit" { (t("lists-search")) } }
        }
        h2 { (t("lists-results")) }
        @if entries.is_empty() {
            p { (t("lists-none")) }
            // A page past the last: the way back to the first.
            @if page_number > 1 && total > 0 { p { a href=(link("/lists", Some(1))) { (t("lists-first")) } } }
        } @else {
            div.table-wrap { table {
                caption.meta { (caption) }
                thead { tr { @for column in columns { th scope="col" { (t(&format!("lists-column-{column}"))) } } } }
                tbody { @for row in &rows {
                    // The rulebook's words in the reader's language; a legal basis a reviewer wrote stays as written.
                    @let entry = row.first;
                    @let kind = rulebook.list(&entry.list).map(|spec| spec.kind);
                    tr class=(if kind == Some(socred_core::rulebook::ListKind::Commendatory) { "redlist" } else { "blacklist" }) {
                        td { (words.list(&entry.list, &entry.list_title)) }
                        td { (entry.name) }
                        td { code { (entry.masked_id) } }
                        td { @for (index, authority) in row.authorities.iter().enumerate() { @if index > 0 { br; } (words.authority(authority)) } }
                        td { @for (index, basis) in row.bases.iter().enumerate() { @if index > 0 { br; } (words.list_basis(&entry.list, basis)) } }
                        td { (language.date(row.since)) }
                        td { @if let (Some(until), false) = (row.until, row.open_ended) { (language.date(until)) } }
                    }
                } }
            } }
            @if pages > 1 {
                nav.pager aria-label=(t("lists-pages")) {
                    @if page_number > 1 { a rel="prev" href=(link("/lists", Some(page_number - 1))) { (t("lists-previous")) } " " }
                    span { (language.text_with("lists-page-of", &[("page", Argument::Number(i64::from(page_number))), ("pages", Argument::Number(i64::from(pages)))])) }
                    @if page_number < pages { " " a rel="next" href=(link("/lists", Some(page_number + 1))) { (t("lists-next")) } }
                }
            }
        }
        p.meta {
            (t("lists-export")) " "
            a href=(link("/lists/export.csv", None)) download { "CSV" } " · "
            a href=(link_api(&filter)) { "JSON" }
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
        Err(error) => return super::failure_page(error),
    };
    let versions = match state.db.reading(|store| store.rulebook_versions()).await {
        Ok(versions) => versions,
        Err(error) => return super::failure_page(error),
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
        h2 #versions { (t("rulebook-versions")) }
        p { (t("rulebook-versions-intro")) }
        div.table-wrap { table data-testid="versions" {
            (head(&["rulebook-column-version", "rulebook-column-adopted", "rulebook-column-fingerprint", "rulebook-column-impact"]))
            tbody { @for version in &versions { tr {
                th scope="row" { (version.id) " " (version.version) }
                td { (version.adopted_at) }
                td { code { (version.fingerprint.get(..16).unwrap_or(&version.fingerprint)) } }
                td { (impact_words(language, version.impact.as_ref())) }
            } } }
        } }
    };
    bilingual(page_in(language, &t("rulebook-title"), caller.as_ref(), &Flash::default(), body))
}

/// What an activation's impact assessment said, in a sentence.
fn impact_words(language: Language, impact: Option<&serde_json::Value>) -> String {
    let number = |impact: &serde_json::Value, key: &str| Argument::Number(impact.get(key).and_then(|v| v.as_i64()).unwrap_or(0));
    match impact {
        None => language.text("rulebook-impact-none"),
        Some(impact) if impact.get("skipped").and_then(|v| v.as_bool()) == Some(true) => language.text_with(
            "rulebook-impact-skipped",
            &[("reason", Argument::Text(impact.get("reason").and_then(|v| v.as_str()).unwrap_or("").to_string()))],
        ),
        Some(impact) => language.text_with(
            "rulebook-impact-assessed",
            &[
                ("day", Argument::Text(impact.get("as_of").and_then(|v| v.as_str()).unwrap_or("").to_string())),
                ("subjects", number(impact, "subjects")),
                ("moved", number(impact, "moved_subjects")),
                ("adverse", number(impact, "adverse_subjects")),
                ("outside", number(impact, "groups_outside_band")),
                ("digest", Argument::Text(impact.get("digest").and_then(|v| v.as_str()).unwrap_or("").to_string())),
            ],
        ),
    }
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
