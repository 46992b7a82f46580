//! The policy page: reviewers and admins only; an uploaded rulebook compared
//! on the whole population with nothing stored and nobody named; garbage
//! refused by name; small simulations run and listed.

use crate::common;

use common::{Backend, TestServer, browser, csrf_of, sign_in};
use socred_auth::Role;

/// The default rulebook with tax evasion at -300 points, as version 2026.9.
fn harsher() -> String {
    let source = socred_core::DEFAULT_RULEBOOK.replace("version = \"2026.1\"", "version = \"2026.9\"");
    let at = source.find("code = \"tax-evasion\"").unwrap();
    let points_at = at + source[at..].find("points = ").unwrap();
    let line_end = points_at + source[points_at..].find('\n').unwrap();
    format!("{}points = -300{}", &source[..points_at], &source[line_end..])
}

/// A multipart body of text fields and one file, by hand.
fn multipart(fields: &[(&str, &str)], file: Option<&str>) -> (String, String) {
    let boundary = "socred-test-boundary-7e1c";
    let mut body = String::new();
    for (name, value) in fields {
        body.push_str(&format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"));
    }
    if let Some(content) = file {
        body.push_str(&format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"rulebook_file\"; filename=\"v2.toml\"\r\nContent-Type: text/plain\r\n\r\n{content}\r\n"
        ));
    }
    body.push_str(&format!("--{boundary}--\r\n"));
    (format!("multipart/form-data; boundary={boundary}"), body)
}

async fn the_policy_page_is_for_reviewers_and_admins(backend: Backend) {
    let mut server = TestServer::start_on(backend).await;
    let anonymous = server.client.get(server.url("/policy")).send().await.unwrap();
    assert_eq!((anonymous.status().as_u16(), anonymous.headers()["location"].to_str().unwrap()), (303, "/login"));
    for role in Role::ALL {
        let response = server.client.get(server.url("/policy")).bearer_auth(server.token(role)).send().await.unwrap();
        let expected = if matches!(role, Role::Reviewer | Role::Admin) { 200 } else { 403 };
        assert_eq!(response.status().as_u16(), expected, "/policy as {role}");
        for path in ["/policy/compare", "/policy/simulate"] {
            let response = server.client.post(server.url(path)).bearer_auth(server.token(role)).send().await.unwrap();
            let status = response.status().as_u16();
            // Reviewers and admins without a form get it back with the reason; nobody else gets further than the role check.
            let allowed = matches!(role, Role::Reviewer | Role::Admin);
            assert!(if allowed { matches!(status, 303 | 400..=422) } else { status == 403 }, "{path} as {role}: {status}");
        }
    }
    server.stop().await;
}

async fn a_proposed_rulebook_is_compared_and_nothing_is_stored(backend: Backend) {
    let mut server = TestServer::start_on(backend).await;
    let reviewer = browser("en");
    sign_in(&server, &reviewer, Role::Reviewer).await;
    let page = reviewer.get(server.url("/policy")).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("enctype=\"multipart/form-data\"") && page.contains("href=\"/policy\""), "{page}");
    let csrf = csrf_of(&page);
    let before = server.fingerprint();

    let (content_type, body) = multipart(&[("csrf", &csrf)], Some(&harsher()));
    let response = reviewer.post(server.url("/policy/compare")).header("content-type", content_type).body(body).send().await.unwrap();
    let status = response.status();
    let result = response.text().await.unwrap();
    let flash = reviewer.get(server.url("/policy")).send().await.unwrap().text().await.unwrap();
    assert_eq!(status, 200, "{}", flash.split("role=\"alert\"").nth(1).unwrap_or(&flash));
    for part in [
        "Impact of default 2026.9 against default 2026.1",
        "data-testid=\"transitions\"",
        "tax-evasion: -100 → -300 points",
        "Impact by group (the four-fifths rule)",
        "Subjects are not named here",
    ] {
        assert!(result.contains(part), "{part:?} missing: {result}");
    }
    assert!(!result.contains(common::PERSON) && !result.contains("********"), "no subject is named: {result}");
    assert_eq!(server.fingerprint(), before, "a comparison stores nothing");

    // Garbage: no rulebook, a broken one, one on a refused ground, no CSRF token.
    for (text, reason) in [
        ("", "a proposed rulebook is needed"),
        ("[rulebook\nid = 1", "proposed.toml"),
        (&socred_core::DEFAULT_RULEBOOK.replace("category = \"tax\"", "category = \"religion\""), "religion"),
    ] {
        let (content_type, body) = multipart(&[("csrf", &csrf), ("rulebook", text)], None);
        let response = reviewer.post(server.url("/policy/compare")).header("content-type", content_type).body(body).send().await.unwrap();
        assert_eq!(response.status(), 303);
        let page = reviewer.get(server.url("/policy")).send().await.unwrap().text().await.unwrap();
        assert!(page.contains(reason), "{reason:?} missing: {page}");
    }
    let (content_type, body) = multipart(&[("csrf", "forged")], Some(&harsher()));
    let response = reviewer.post(server.url("/policy/compare")).header("content-type", content_type).body(body).send().await.unwrap();
    assert_eq!(response.status(), 403);
    let oversize = "x".repeat(socred_core::rulebook::MAX_RULEBOOK_BYTES + 1);
    let (content_type, body) = multipart(&[("csrf", &csrf)], Some(&oversize));
    reviewer.post(server.url("/policy/compare")).header("content-type", content_type).body(body).send().await.unwrap();
    let page = reviewer.get(server.url("/policy")).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("at most"), "an oversize rulebook is refused with the limit: {page}");
    assert_eq!(server.fingerprint(), before);

    // In Chinese.
    let chinese = browser("zh-CN");
    sign_in(&server, &chinese, Role::Reviewer).await;
    let page = chinese.get(server.url("/policy")).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("政策影响评估") && page.contains("比较拟议规则"), "{page}");
    // A refused rulebook's problems read in Chinese, naming the key as written.
    let csrf = csrf_of(&page);
    let before = server.fingerprint();
    let refused = socred_core::DEFAULT_RULEBOOK.replace("category = \"tax\"", "category = \"religion\"").replacen(
        "base_score = 1000",
        "base_score = -5",
        1,
    );
    let (content_type, body) = multipart(&[("csrf", &csrf), ("rulebook", &refused)], None);
    let response = chinese.post(server.url("/policy/compare")).header("content-type", content_type).body(body).send().await.unwrap();
    assert_eq!(response.status(), 303);
    let page = chinese.get(server.url("/policy")).send().await.unwrap().text().await.unwrap();
    for part in ["scoring.base_score: 必须在 0 到", "本系统出于原则不对宗教计分"] {
        assert!(page.contains(part), "{part:?} missing: {page}");
    }
    assert!(!page.contains("must be between") && !page.contains("does not score"), "English in the Chinese page: {page}");
    assert_eq!(server.fingerprint(), before);
    server.stop().await;
}

async fn small_simulations_run_and_are_listed(backend: Backend) {
    let mut server = TestServer::start_on(backend).await;
    let reviewer = browser("en");
    sign_in(&server, &reviewer, Role::Reviewer).await;
    let page = reviewer.get(server.url("/policy")).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("No simulation has run since the server started."));
    let csrf = csrf_of(&page);
    let post = |fields: Vec<(&str, String)>| {
        let borrowed: Vec<(&str, &str)> = fields.iter().map(|(name, value)| (*name, value.as_str())).collect();
        let (content_type, body) = multipart(&borrowed, None);
        reviewer.post(server.url("/policy/simulate")).header("content-type", content_type).body(body).send()
    };
    let form = |subjects: &str, rulebook: String| {
        vec![
            ("csrf", csrf.clone()),
            ("subjects", subjects.to_string()),
            ("years", "2".into()),
            ("seed", "1".into()),
            ("rulebook", rulebook),
        ]
    };
    post(form("100000", String::new())).await.unwrap();
    let refused = reviewer.get(server.url("/policy")).send().await.unwrap().text().await.unwrap();
    assert!(refused.contains("subjects: must be 1-5000"), "the field is named: {refused}");
    post(form("sixty", String::new())).await.unwrap();
    let refused = reviewer.get(server.url("/policy")).send().await.unwrap().text().await.unwrap();
    assert!(refused.contains("subjects: must be a whole number"), "{refused}");
    // A proposal longer than an urlencoded form would take.
    let long = format!("{}\n# {}\n", harsher(), "注".repeat(30_000));
    post(form("60", long)).await.unwrap();
    let ran = reviewer.get(server.url("/policy")).send().await.unwrap().text().await.unwrap();
    assert!(ran.contains("The simulation ran: 4 rulebook-years."), "{ran}");
    assert!(ran.contains("by reviewer-1: 60 subjects, 2 years, seed 1") && ran.contains("default 2026.9"), "{ran}");
    server.stop().await;
}

async fn the_public_rulebook_page_shows_each_versions_impact(backend: Backend) {
    let mut server = TestServer::start_on(backend).await;
    let db = server.db.clone();
    let impact = serde_json::json!({"digest": "ab".repeat(32), "as_of": "2026-12-06", "subjects": 3, "adverse_subjects": 1, "moved_subjects": 1, "groups_outside_band": 2});
    // Activated through the store, as `socred rulebook activate --impact` does.
    std::thread::spawn(move || match db.to_str().filter(|db| socred_store::is_postgres_url(db)) {
        Some(url) => {
            let mut store = socred_store::PgStore::open(url).unwrap();
            let actor = store.actor("minister").unwrap();
            store.activate_rulebook_with_impact(&harsher(), "v2.toml", &actor, impact, None).unwrap();
        }
        None => {
            let mut store = socred_store::Store::open(&db).unwrap();
            let actor = store.actor("minister").unwrap();
            store.activate_rulebook_with_impact(&harsher(), "v2.toml", &actor, impact, None).unwrap();
        }
    })
    .join()
    .unwrap();
    let mut page = String::new();
    // Another process's activation reaches this server within its reload interval.
    for _ in 0..50 {
        page = server.client.get(server.url("/rulebook")).send().await.unwrap().text().await.unwrap();
        if page.contains("default 2026.9") {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let versions = page.split("data-testid=\"versions\"").nth(1).expect("the versions table");
    assert!(versions.contains("default 2026.9") && versions.contains("default 2026.1"), "{versions}");
    assert!(
        versions.contains(
            "Assessed on 2026-12-06 over 3 subjects: 1 moved between tiers, 1 treated worse, 2 groups outside the four-fifths band."
        ),
        "{versions}"
    );
    assert!(versions.contains("No assessment on record"), "the first version: {versions}");
    assert!(versions.find("default 2026.9") < versions.find("default 2026.1"), "newest first");
    server.stop().await;
}

on_both_backends!(
    the_public_rulebook_page_shows_each_versions_impact,
    the_policy_page_is_for_reviewers_and_admins,
    a_proposed_rulebook_is_compared_and_nothing_is_stored,
    small_simulations_run_and_are_listed
);
