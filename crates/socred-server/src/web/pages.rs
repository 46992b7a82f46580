//! Public pages: home, the published lists with search, the rulebook.

use axum::extract::{Query, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use socred_auth::Role;
use socred_i18n::{Argument, Language};

use super::language::Reader;
use super::{Flash, esc, page_in};
use crate::AppState;
use crate::auth::MaybeCaller;

pub async fn home(MaybeCaller(caller): MaybeCaller, Reader(language): Reader, flash: Flash) -> Response {
    let t = |id: &str| esc(&language.text(id));
    let link = |href: &str, link: &str, rest: &str| format!(r#"<a href="{href}">{}</a>{}"#, t(link), t(rest));
    let next = match caller.as_ref().map(|c| c.account.role) {
        Some(Role::Subject) => link("/me", "home-subject-link", "home-subject-rest"),
        Some(Role::Officer) => link("/officer", "home-officer-link", "home-officer-rest"),
        Some(Role::Reviewer) => link("/reviewer", "home-reviewer-link", "home-reviewer-rest"),
        Some(_) => format!(r#"{} <a href="/api/v1/docs">{}</a>"#, t("home-other-role"), t("home-api-docs-link")),
        None => link("/login", "home-anonymous-link", "home-anonymous-rest"),
    };
    let body = format!(
        r#"<p>{}</p>
<p>{next}</p>
<ul>
<li>{}</li>
<li>{}</li>
<li>{}</li>
</ul>"#,
        t("home-intro"),
        link("/lists", "home-lists-link", "home-lists-rest"),
        link("/rulebook", "home-rulebook-link", "home-rulebook-rest"),
        link("/api/v1/docs", "home-api-link", "home-api-rest"),
    );
    bilingual(page_in(language, &language.text("home-title"), caller.as_ref(), &flash, &body))
}

/// A rulebook's text in the reader's language: its Chinese when it has one
/// (a version adopted before both languages were required may not).
fn in_language<'a>(language: Language, english: &'a str, chinese: &'a str) -> &'a str {
    if language == Language::Chinese && !chinese.trim().is_empty() { chinese } else { english }
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
    let t = |id: &str| esc(&language.text(id));
    let mut flash = flash;
    let mut search = query.q.clone().filter(|q| !q.trim().is_empty());
    // The same rules as the API: names and masked ids, a limit per address.
    let refused = match search.as_deref().map(socred_store::PublicSearch::parse) {
        Some(Err(reason)) => Some(language.text_with("lists-search-refused", &[("reason", Argument::Text(reason.to_string()))])),
        parsed => {
            let searching = matches!(parsed, Some(Ok(Some(_))));
            state.limits.public_list(caller.as_ref(), address.0, searching).err().map(|error| error.detail.message)
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
    let chinese = language == Language::Chinese;
    let mut options = format!(r#"<option value="">{}</option>"#, t("lists-all"));
    for spec in rulebook.lists.iter().filter(|l| l.published) {
        let selected = if list.as_deref() == Some(spec.code.as_str()) { " selected" } else { "" };
        let title = in_language(language, &spec.title, &spec.title_zh);
        options.push_str(&format!(r#"<option value="{}"{selected}>{}</option>"#, esc(&spec.code), esc(title)));
    }
    let mut rows = String::new();
    for entry in &entries {
        // The rulebook's words in the reader's language; a legal basis a reviewer wrote stays as written.
        let spec = rulebook.list(&entry.list).filter(|_| chinese);
        let title = spec.map_or(entry.list_title.as_str(), |spec| in_language(language, &entry.list_title, &spec.title_zh));
        let legal_basis = spec
            .filter(|spec| spec.legal_basis == entry.legal_basis)
            .map_or(entry.legal_basis.as_str(), |spec| in_language(language, &entry.legal_basis, &spec.legal_basis_zh));
        rows.push_str(&format!(
            "<tr><td>{}</td><td>{}</td><td><code>{}</code></td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            esc(title),
            esc(&entry.name),
            esc(&entry.masked_id),
            esc(&entry.authority),
            esc(legal_basis),
            language.date(entry.listed_since),
            entry.listed_until.map(|day| language.date(day)).unwrap_or_default()
        ));
    }
    let results = if entries.is_empty() {
        format!("<p>{}</p>", t("lists-none"))
    } else {
        let caption = language.text_with(
            "lists-count",
            &[
                ("shown", Argument::Number(entries.len() as i64)),
                ("count", Argument::Text(language.number(entries.len() as i64))),
                ("day", Argument::Text(language.date(today))),
            ],
        );
        let columns: String = ["list", "name", "identifier", "authority", "legal-basis", "since", "until"]
            .iter()
            .map(|column| format!(r#"<th scope="col">{}</th>"#, t(&format!("lists-column-{column}"))))
            .collect();
        format!(
            r#"<div class="table-wrap"><table><caption class="meta">{}</caption><thead><tr>{columns}</tr></thead><tbody>{rows}</tbody></table></div>"#,
            esc(&caption)
        )
    };
    let checkpoint = checkpoint
        .map(|note| {
            let text = language.text_with(
                "lists-checkpoint-text",
                &[
                    ("command", Argument::Text("<code>socred audit verify --checkpoint</code>".into())),
                    ("link", Argument::Text(r#"<a href="/api/v1/log/checkpoint">/api/v1/log/checkpoint</a>"#.into())),
                ],
            );
            format!(r#"<details><summary>{}</summary><p>{text}</p><pre>{}</pre></details>"#, t("lists-checkpoint-summary"), esc(&note))
        })
        .unwrap_or_default();
    let body = format!(
        r#"<p>{}</p>
<form method="get" action="/lists" class="card" role="search">
<p><label for="q">{}</label><input id="q" name="q" value="{}" maxlength="128"></p>
<p><label for="list">{}</label><select id="list" name="list">{options}</select></p>
<p><button type="submit">{}</button></p>
</form>
<h2>{}</h2>
{results}
{checkpoint}"#,
        t("lists-intro"),
        t("lists-search-label"),
        esc(search.as_deref().unwrap_or("")),
        t("lists-list-label"),
        t("lists-search"),
        t("lists-results"),
    );
    bilingual(page_in(language, &language.text("lists-title"), caller.as_ref(), &flash, &body))
}

pub async fn rulebook(State(state): State<AppState>, MaybeCaller(caller): MaybeCaller, Reader(language): Reader) -> Response {
    let rulebook = match state.db.rulebook().await {
        Ok(rulebook) => rulebook,
        Err(error) => return error.into_response(),
    };
    let t = |id: &str| esc(&language.text(id));
    let with = |id: &str, arguments: &[(&str, Argument)]| language.text_with(id, arguments);
    let number = |value: i64| Argument::Number(value);
    // The rulebook's own words in the reader's language (it carries both; older versions may not).
    let pick = |english: &str, in_chinese: &str| esc(in_language(language, english, in_chinese));
    let mut tiers = String::new();
    for (_, spec) in rulebook.tiers.iter_best_first() {
        tiers.push_str(&format!(
            "<tr><th scope=\"row\">{}</th><td>{}</td><td>{}</td><td>{}</td></tr>",
            esc(&spec.name),
            spec.min_points.map_or_else(
                || t("rulebook-points-lowest"),
                |points| esc(&with("rulebook-points-at-least", &[("points", number(points))]))
            ),
            if spec.lock_years > 0 {
                esc(&with("rulebook-lock-years", &[("years", number(spec.lock_years.into()))]))
            } else {
                t("rulebook-lock-none")
            },
            pick(&spec.description, &spec.description_zh)
        ));
    }
    let mut behaviours = String::new();
    for behaviour in &rulebook.behaviours {
        let forced = behaviour
            .forced_tier
            .map(|tier| esc(&with("rulebook-forces-tier", &[("tier", Argument::Text(rulebook.tiers.name(tier).to_string()))])))
            .unwrap_or_default();
        behaviours.push_str(&format!(
            "<tr><th scope=\"row\">{}<br><code>{}</code></th><td>{:+}{forced}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            pick(&behaviour.title, &behaviour.title_zh),
            esc(&behaviour.code),
            behaviour.points,
            esc(&with("rulebook-lock-years", &[("years", number(behaviour.years.into()))])),
            t(&format!("category-{}", behaviour.category.as_str())),
            pick(&behaviour.legal_basis, &behaviour.legal_basis_zh)
        ));
    }
    let mut lists = String::new();
    for spec in &rulebook.lists {
        let second = if spec.second_instance { language.text("rulebook-list-second-instance") } else { String::new() };
        let repair = if spec.min_publication_years > 0 {
            with("rulebook-list-repair", &[("years", number(spec.min_publication_years.into()))])
        } else {
            String::new()
        };
        let terms = with(
            "rulebook-list-terms",
            &[
                ("days", number(spec.appeal_days.into())),
                ("second", Argument::Text(second)),
                ("years", number(spec.max_listing_years.into())),
                ("repair", Argument::Text(repair)),
                ("basis", Argument::Text(in_language(language, &spec.legal_basis, &spec.legal_basis_zh).to_string())),
            ],
        );
        lists.push_str(&format!(
            "<section class=\"card\"><h3>{}</h3><p>{}</p><p class=\"meta\">{}</p></section>",
            pick(&spec.title, &spec.title_zh),
            pick(&spec.consequences, &spec.consequences_zh),
            esc(&terms)
        ));
    }
    let measures = measures_table(&rulebook, language);
    let intro = with(
        "rulebook-intro",
        &[
            ("title", Argument::Text(in_language(language, &rulebook.title, &rulebook.title_zh).to_string())),
            ("version", Argument::Text(rulebook.version.clone())),
            ("fingerprint", Argument::Text(rulebook.fingerprint[..16].to_string())),
            ("base", number(rulebook.base_score)),
            ("deduction_years", number(rulebook.deduction_years.into())),
            ("addition_years", number(rulebook.addition_years.into())),
        ],
    );
    let head = |ids: &[&str]| -> String { ids.iter().map(|id| format!(r#"<th scope="col">{}</th>"#, t(id))).collect() };
    let body = format!(
        r#"<p>{}</p>
<h2>{}</h2><div class="table-wrap"><table><thead><tr>{}</tr></thead><tbody>{tiers}</tbody></table></div>
<p>{}</p>
<h2>{}</h2><div class="table-wrap"><table><thead><tr>{}</tr></thead><tbody>{behaviours}</tbody></table></div>
<h2>{}</h2>{lists}
<h2 id="measures">{}</h2><p>{}</p>{measures}
<p>{}</p>"#,
        esc(&intro),
        t("rulebook-tiers"),
        head(&["rulebook-column-tier", "rulebook-column-points", "rulebook-column-lock", "rulebook-column-meaning"]),
        t("rulebook-recovery"),
        t("rulebook-behaviours"),
        head(&[
            "rulebook-column-behaviour",
            "rulebook-column-points",
            "rulebook-column-counts-for",
            "rulebook-column-category",
            "rulebook-column-legal-basis"
        ]),
        t("rulebook-lists"),
        t("rulebook-measures"),
        t("rulebook-measures-intro"),
        t("rulebook-refused"),
    );
    bilingual(page_in(language, &language.text("rulebook-title"), caller.as_ref(), &Flash::default(), &body))
}

/// The measures catalogue, one table a service: each measure, its kind, whom
/// it applies to, what sets it off and its legal basis.
fn measures_table(rulebook: &socred_core::Rulebook, language: Language) -> String {
    let t = |id: &str| esc(&language.text(id));
    let chinese = language == Language::Chinese;
    let pick = |english: &str, in_chinese: &str| esc(in_language(language, english, in_chinese));
    let mut out = String::new();
    for service in &rulebook.services {
        let measures: Vec<&socred_core::rulebook::Measure> = rulebook.measures.iter().filter(|m| m.service == service.code).collect();
        if measures.is_empty() {
            continue;
        }
        let mut rows = String::new();
        for measure in measures {
            let mut triggers: Vec<String> = Vec::new();
            for list in &measure.lists {
                let title = rulebook.list(list).map_or(list.clone(), |spec| in_language(language, &spec.title, &spec.title_zh).to_string());
                triggers.push(language.text_with("rulebook-trigger-list", &[("list", Argument::Text(title))]));
            }
            for tier in &measure.tiers {
                triggers
                    .push(language.text_with("rulebook-trigger-tier", &[("tier", Argument::Text(rulebook.tiers.name(*tier).to_string()))]));
            }
            for code in &measure.records {
                let title = rulebook.behaviour(code).map_or(code.clone(), |b| in_language(language, &b.title, &b.title_zh).to_string());
                triggers.push(language.text_with("rulebook-trigger-record", &[("behaviour", Argument::Text(title))]));
            }
            let mut reach: Vec<String> = Vec::new();
            if !measure.direct {
                reach.push(language.text("rulebook-not-direct"));
            }
            for extension in &measure.extends_to {
                reach.push(language.text(&format!("rulebook-extends-{}", extension.as_str())));
            }
            let applies: Vec<String> =
                measure.applies_to.iter().map(|kind| language.text(&format!("rulebook-applies-{}", kind.as_str()))).collect();
            let kind = match measure.kind {
                socred_core::rulebook::MeasureKind::Restriction => "rulebook-kind-restriction",
                socred_core::rulebook::MeasureKind::Reward => "rulebook-kind-reward",
            };
            let kind_class = match measure.kind {
                socred_core::rulebook::MeasureKind::Restriction => "restriction",
                socred_core::rulebook::MeasureKind::Reward => "reward",
            };
            let separator = if chinese { "；" } else { "; " };
            rows.push_str(&format!(
                r#"<tr class="{kind_class}"><th scope="row">{}<br><code>{}</code></th><td>{}</td><td>{}</td><td>{}{}</td><td>{}</td></tr>"#,
                pick(&measure.title, &measure.title_zh),
                esc(&measure.code),
                t(kind),
                esc(&applies.join(if chinese { "、" } else { ", " })),
                esc(&triggers.join(separator)),
                if reach.is_empty() { String::new() } else { format!("<br>{}", esc(&reach.join(separator))) },
                pick(&measure.legal_basis, &measure.legal_basis_zh),
            ));
        }
        let head: String = [
            "rulebook-column-measure",
            "rulebook-column-kind",
            "rulebook-column-applies-to",
            "rulebook-column-set-off-by",
            "rulebook-column-legal-basis",
        ]
        .iter()
        .map(|id| format!(r#"<th scope="col">{}</th>"#, t(id)))
        .collect();
        out.push_str(&format!(
            r#"<h3>{}</h3><div class="table-wrap"><table><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table></div>"#,
            pick(&service.title, &service.title_zh)
        ));
    }
    out
}
