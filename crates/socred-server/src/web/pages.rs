//! Public pages: home, the published lists with search, the rulebook.

use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use socred_auth::Role;
use socred_core::date::format_date;

use super::{Flash, esc, page};
use crate::AppState;
use crate::auth::MaybeCaller;

pub async fn home(MaybeCaller(caller): MaybeCaller, flash: Flash) -> Response {
    let next = match caller.as_ref().map(|c| c.account.role) {
        Some(Role::Subject) => {
            r#"<p><a href="/me">Open your file</a>: your score and why, your records, notices, appeals, disputes, and who looked at your file.</p>"#
        }
        Some(Role::Officer) => {
            r#"<p><a href="/officer">Open the officer console</a>: search subjects, record behaviours for your authority, void records, propose list entries.</p>"#
        }
        Some(Role::Reviewer) => {
            r#"<p><a href="/reviewer">Open the reviewer queue</a>: appeals, disputes, repair applications and proposals, with deadlines.</p>"#
        }
        Some(_) => r#"<p>Your role works through the API: see <a href="/api/v1/docs">the API documentation</a>.</p>"#,
        None => r#"<p><a href="/login">Sign in</a> to see your file, or to work as an officer or reviewer.</p>"#,
    };
    let body = format!(
        r#"<p>socred keeps a credit ledger in which every number can be explained, every sanction can be appealed, and every action by an official is on a tamper-evident record.</p>
{next}
<ul>
<li><a href="/lists">The public lists</a>: who is listed, by which authority, on what legal basis, since when and until when.</li>
<li><a href="/rulebook">The rulebook</a>: what every behaviour is worth, for how long, and how tiers, locks and appeals work.</li>
<li><a href="/api/v1/docs">The API</a> for machines.</li>
</ul>"#
    );
    page("A transparent credit ledger", caller.as_ref(), &flash, &body).into_response()
}

#[derive(Debug, Deserialize)]
pub struct ListQuery {
    q: Option<String>,
    list: Option<String>,
}

pub async fn public_lists(
    State(state): State<AppState>,
    MaybeCaller(caller): MaybeCaller,
    flash: Flash,
    address: crate::limits::ClientAddress,
    Query(query): Query<ListQuery>,
) -> Response {
    let mut flash = flash;
    let mut search = query.q.clone().filter(|q| !q.trim().is_empty());
    // The same rules as the API: names and masked ids, a limit per address.
    let refused = match search.as_deref().map(socred_store::PublicSearch::parse) {
        Some(Err(reason)) => Some(format!("search: {reason}")),
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
    let mut options = String::from(r#"<option value="">All lists</option>"#);
    for spec in rulebook.lists.iter().filter(|l| l.published) {
        let selected = if list.as_deref() == Some(spec.code.as_str()) { " selected" } else { "" };
        options.push_str(&format!(r#"<option value="{}"{selected}>{}</option>"#, esc(&spec.code), esc(&spec.title)));
    }
    let mut rows = String::new();
    for entry in &entries {
        rows.push_str(&format!(
            "<tr><td>{}</td><td>{}</td><td><code>{}</code></td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            esc(&entry.list_title),
            esc(&entry.name),
            esc(&entry.masked_id),
            esc(&entry.authority),
            esc(&entry.legal_basis),
            format_date(entry.listed_since),
            entry.listed_until.map(format_date).unwrap_or_default()
        ));
    }
    let results = if entries.is_empty() {
        "<p>No published entries match.</p>".to_string()
    } else {
        format!(
            r#"<div class="table-wrap"><table><caption class="meta">{} entries published on {}</caption><thead><tr><th scope="col">List</th><th scope="col">Name</th><th scope="col">Identifier (masked)</th><th scope="col">Listing authority</th><th scope="col">Legal basis</th><th scope="col">Listed since</th><th scope="col">Until</th></tr></thead><tbody>{rows}</tbody></table></div>"#,
            entries.len(),
            format_date(today)
        )
    };
    let body = format!(
        r#"<p>Entries appear here only once listed, after the written notice and the appeal window; they disappear when they expire, are repaired or overturned. The score and the file are never published.</p>
<form method="get" action="/lists" class="card" role="search">
<p><label for="q">Name or identifier</label><input id="q" name="q" value="{}" maxlength="128"></p>
<p><label for="list">List</label><select id="list" name="list">{options}</select></p>
<p><button type="submit">Search</button></p>
</form>
<h2>Results</h2>
{results}
{}"#,
        esc(search.as_deref().unwrap_or("")),
        checkpoint
            .map(|note| format!(
                r#"<details><summary>The log's signed checkpoint</summary><p>Every official act is on a tamper-evident log. Keep this text: <code>socred audit verify --checkpoint</code> proves later that nothing it covers was removed or rewritten. Also at <a href="/api/v1/log/checkpoint">/api/v1/log/checkpoint</a>.</p><pre>{}</pre></details>"#,
                esc(&note)
            ))
            .unwrap_or_default()
    );
    page("Public lists", caller.as_ref(), &flash, &body).into_response()
}

pub async fn rulebook(State(state): State<AppState>, MaybeCaller(caller): MaybeCaller) -> Response {
    let rulebook = match state.db.rulebook().await {
        Ok(rulebook) => rulebook,
        Err(error) => return error.into_response(),
    };
    let mut tiers = String::new();
    for (_, spec) in rulebook.tiers.iter_best_first() {
        tiers.push_str(&format!(
            "<tr><th scope=\"row\">{}</th><td>{}</td><td>{}</td><td>{}</td></tr>",
            esc(&spec.name),
            spec.min_points.map(|m| format!("{m} or more")).unwrap_or_else(|| "below the tier above".into()),
            if spec.lock_years > 0 { format!("{} years", spec.lock_years) } else { "none".into() },
            esc(&spec.description)
        ));
    }
    let mut behaviours = String::new();
    for behaviour in &rulebook.behaviours {
        behaviours.push_str(&format!(
            "<tr><th scope=\"row\">{}<br><code>{}</code></th><td>{:+}{}</td><td>{} years</td><td>{}</td><td>{}</td></tr>",
            esc(&behaviour.title),
            esc(&behaviour.code),
            behaviour.points,
            behaviour.forced_tier.map(|t| format!(", forces tier {}", esc(rulebook.tiers.name(t)))).unwrap_or_default(),
            behaviour.years,
            esc(behaviour.category.as_str()),
            esc(&behaviour.legal_basis)
        ));
    }
    let mut lists = String::new();
    for spec in &rulebook.lists {
        lists.push_str(&format!(
            "<section class=\"card\"><h3>{}</h3><p>{}</p><p class=\"meta\">Appeal within {} days of the notice{}; listed at most {} years{}. Legal basis: {}.</p></section>",
            esc(&spec.title),
            esc(&spec.consequences),
            spec.appeal_days,
            if spec.second_instance { ", and once more against the decision" } else { "" },
            spec.max_listing_years,
            if spec.min_publication_years > 0 { format!("; credit repair after {} year(s)", spec.min_publication_years) } else { String::new() },
            esc(&spec.legal_basis)
        ));
    }
    let body = format!(
        r#"<p>{} — version {} (<code>{}</code>). Everyone starts at {} points. Deductions count {} years, additions {} years, unless stated.</p>
<h2>Tiers</h2><div class="table-wrap"><table><thead><tr><th scope="col">Tier</th><th scope="col">Points</th><th scope="col">Lock on entry</th><th scope="col">Meaning</th></tr></thead><tbody>{tiers}</tbody></table></div>
<p>When a lock ends, a subject rises one locked tier at a time (D to C to B), each starting its own lock; from B straight to the tier of their points.</p>
<h2>Behaviours</h2><div class="table-wrap"><table><thead><tr><th scope="col">Behaviour</th><th scope="col">Points</th><th scope="col">Counts for</th><th scope="col">Category</th><th scope="col">Legal basis</th></tr></thead><tbody>{behaviours}</tbody></table></div>
<h2>Lists</h2>{lists}
<p>Not scored, on principle: political opinion, speech, petitioning, religion, ethnicity, family size, private or family life, lifestyle, whom one associates with; no surveillance feeds.</p>"#,
        esc(&rulebook.title),
        esc(&rulebook.version),
        esc(&rulebook.fingerprint[..16]),
        rulebook.base_score,
        rulebook.deduction_years,
        rulebook.addition_years,
    );
    page("The rulebook", caller.as_ref(), &Flash::default(), &body).into_response()
}
