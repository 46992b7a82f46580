//! The honest clock, attacked as a hostile officer, partner, subject and
//! anonymous visitor would: on a live store, no client chooses the date of an
//! act, every due-process window runs from when the ledger learned the facts,
//! and no date, however absurd, breaks the server. Each refusal leaves the
//! store unchanged.

use crate::common;

use common::{Backend, GUARDIAN, ORG, PERSON, TestServer};
use serde_json::json;
use socred_auth::Role;
use socred_core::date::{add_days, format_date};

async fn provider(server: &TestServer, username: &str, services: &[&str]) -> String {
    let (status, body) = server
        .call(Some(Role::Admin), "POST", "/api/v1/accounts", Some(json!({"username": username, "role": "provider", "services": services})))
        .await;
    assert_eq!(status, 201, "{body}");
    server.token_for(username)
}

async fn check(server: &TestServer, token: &str, subject: &str, service: &str, as_of: &str) -> serde_json::Value {
    let response = server
        .client
        .post(server.url("/api/v1/checks"))
        .bearer_auth(token)
        .json(&json!({"subject": subject, "service": service, "as_of": as_of}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 200);
    response.json().await.unwrap()
}

/// The decision for `service` on a day other than today, as an auditor sees it in the file
/// (providers are answered for today only).
async fn decision_on(server: &TestServer, subject: &str, service: &str, day: socred_core::Date) -> String {
    let (status, file) =
        server.call(Some(Role::Auditor), "GET", &format!("/api/v1/subjects/{subject}/file?as_of={}", format_date(day)), None).await;
    assert_eq!(status, 200, "{file}");
    let decision = file["decisions"].as_array().unwrap().iter().find(|d| d["service"] == service).expect("the service is decided").clone();
    decision["outcome"].as_str().unwrap().to_string()
}

fn today(server: &TestServer) -> socred_core::Date {
    server.today()
}

async fn a_client_never_dates_an_act(backend: Backend) {
    let mut server = TestServer::start_live_on(backend).await;
    let before = server.fingerprint();
    // Every act that took `on` refuses it, whatever the date: back-dated, future, absurd.
    let subject = server.token(Role::Subject).to_string();
    for (role, path, body) in [
        (Role::Subject, "/api/v1/appeals", json!({"entry": "blacklist:jd-1", "grounds": "paid", "on": "2025-01-15"})),
        (
            Role::Reviewer,
            "/api/v1/lists/proposals",
            json!({"subject": PERSON, "list": "blacklist", "legal_basis": "x", "facts": "y", "on": "2025-01-01"}),
        ),
        (
            Role::Reviewer,
            "/api/v1/lists/proposals",
            json!({"subject": PERSON, "list": "blacklist", "legal_basis": "x", "facts": "y", "on": "1800-01-01"}),
        ),
        (Role::Officer, "/api/v1/lists/entries/blacklist:jd-1/notice", json!({"on": "2025-01-02"})),
        (Role::Reviewer, "/api/v1/lists/entries/blacklist:jd-1/withdrawal", json!({"reason": "x", "on": "9999-12-31"})),
        (Role::Subject, "/api/v1/disputes", json!({"record": "tax-1", "grounds": "not me", "on": "2025-03-02"})),
        (Role::Reviewer, "/api/v1/disputes/d-1/decision", json!({"outcome": "uphold", "reasons": "x", "on": "2025-03-02"})),
        (Role::Reviewer, "/api/v1/appeals/a-1/decision", json!({"outcome": "uphold", "reasons": "x", "on": "2025-01-01T00:00:00Z"})),
        (Role::Subject, "/api/v1/repairs", json!({"entry": "blacklist:jd-1", "evidence": "paid", "commitment": "c", "on": "2026-02-01"})),
        (Role::Reviewer, "/api/v1/repairs/r-1/decision", json!({"outcome": "approve", "reasons": "x", "on": "2026-02-01"})),
        (Role::Reviewer, "/api/v1/reports/r-1/decision", json!({"outcome": "verified", "reasons": "x", "on": "2026-02-01"})),
    ] {
        let (status, answer) = server.call(Some(role), "POST", path, Some(body.clone())).await;
        assert_eq!(status, 422, "{path} {body}: {answer}");
        assert_eq!(answer["error"]["field"], "on", "{path}: {answer}");
        assert!(answer["error"]["message"].as_str().unwrap().contains("clock"), "{answer}");
    }
    assert_eq!(server.fingerprint(), before, "refused acts store nothing");

    // The judgment recorded today (it happened 300 days ago) was noticed today: its window runs from today.
    let entry = server
        .client
        .get(server.url("/api/v1/lists/entries/blacklist:jd-1"))
        .bearer_auth(&subject)
        .send()
        .await
        .unwrap()
        .json::<serde_json::Value>()
        .await
        .unwrap();
    let today = today(&server);
    assert_eq!(entry["state"], "notice-served", "{entry}");
    assert_eq!(entry["notice"]["served_on"], format_date(today));
    assert_eq!(entry["notice"]["appeal_deadline"], format_date(add_days(today, 10)));
    let happened = format!("on {}", format_date(server.judgment_on));
    assert!(entry["facts"].as_str().unwrap().contains(&happened), "the facts keep the day it happened: {entry}");
    // Nobody is refused anything during the window; after it, measures attach.
    let airline = provider(&server, "airline", &["civil-aviation"]).await;
    assert_eq!(check(&server, &airline, GUARDIAN, "civil-aviation", &format_date(today)).await["decision"], "allow");
    // PERSON is the subject of the judgment in the live setup (see common).
    assert_eq!(check(&server, &airline, PERSON, "civil-aviation", &format_date(today)).await["decision"], "allow");
    assert_eq!(decision_on(&server, PERSON, "civil-aviation", add_days(today, 11)).await, "deny");
    // An appeal without a date is dated today, inside the window, and heard.
    let (status, filed) =
        server.call(Some(Role::Subject), "POST", "/api/v1/appeals", Some(json!({"entry": "blacklist:jd-1", "grounds": "paid"}))).await;
    assert_eq!(status, 201, "{filed}");
    assert_eq!(filed["on"], format_date(today));
    server.stop().await;
}

async fn a_proposal_is_noticed_when_served_and_listed_only_after_its_window(backend: Backend) {
    let mut server = TestServer::start_live_on(backend).await;
    let today = today(&server);
    let (status, proposed) = server
        .call(
            Some(Role::Reviewer),
            "POST",
            "/api/v1/lists/proposals",
            Some(json!({"subject": ORG, "list": "blacklist", "legal_basis": "Procurement Law, art. 77", "facts": "false bid", "case_id": "p-1"})),
        )
        .await;
    assert_eq!((status, proposed["on"].as_str()), (201, Some(format_date(today).as_str())), "{proposed}");
    let (status, served) = server.call(Some(Role::Officer), "POST", "/api/v1/lists/entries/blacklist%2Fp-1/notice", Some(json!({}))).await;
    assert_eq!(status, 201, "{served}");
    let procurement = provider(&server, "buyer", &["public-procurement"]).await;
    assert_eq!(check(&server, &procurement, ORG, "public-procurement", &format_date(today)).await["decision"], "allow");
    for (days, expected) in [(0, "allow"), (10, "allow"), (11, "deny")] {
        assert_eq!(decision_on(&server, ORG, "public-procurement", add_days(today, days)).await, expected, "day {days}");
    }
    let (_, public) = server.call(None, "GET", &format!("/api/v1/lists/public?as_of={}", format_date(today)), None).await;
    assert!(!public.to_string().contains("Fuzhou Example"), "not published during the window: {public}");
    server.stop().await;
}

async fn a_partners_past_dated_batch_about_a_child_is_noticed_today(backend: Backend) {
    let mut server = TestServer::start_live_on(backend).await;
    let today = today(&server);
    let child = socred_core::id::synthetic_person(110101, time::macros::date!(2015 - 06 - 01), 20).to_string();
    let (status, _) = server
        .call(Some(Role::Officer), "POST", "/api/v1/subjects", Some(json!({"id": child, "name": "Li Xiaoming", "guardians": [GUARDIAN]})))
        .await;
    assert_eq!(status, 201);
    let (status, _) = server
        .call(
            Some(Role::Admin),
            "POST",
            "/api/v1/accounts",
            Some(json!({"username": "bikes", "role": "partner", "authority": "Hello Bike Co.",
                "behaviours": ["unpaid-shared-bike-ride", "intentional-crime"]})),
        )
        .await;
    assert_eq!(status, 201);
    let partner = server.token_for("bikes");
    let month_ago = format_date(today - time::Duration::days(30));
    // 201 rides at 2 points each would make 598 points: beyond what a feed may say of one subject.
    let rides: String = (0..201)
        .map(|n| {
            format!(r#"{{"id": "ride-{n}", "subject": "{child}", "behaviour": "unpaid-shared-bike-ride", "at": "{month_ago}"}}"#) + "\n"
        })
        .collect();
    // One conviction "a month ago": tier D.
    let batch = format!(r#"{{"id": "crime-1", "subject": "{child}", "behaviour": "intentional-crime", "at": "{month_ago}"}}"#) + "\n";
    let push = |body: String| {
        server
            .client
            .post(server.url("/api/v1/partners/records"))
            .bearer_auth(&partner)
            .header("content-type", "application/x-ndjson")
            .body(body)
            .send()
    };
    let refused = push(rides).await.unwrap();
    assert_eq!(refused.status().as_u16(), 422);
    assert!(refused.text().await.unwrap().contains("lines about this subject"), "the plausibility limit names itself");
    let response = push(batch).await.unwrap();
    assert_eq!(response.status().as_u16(), 200, "{}", response.text().await.unwrap());
    let (_, summary) = server.call(Some(Role::Auditor), "GET", &format!("/api/v1/subjects/{child}"), None).await;
    assert_eq!(summary["tier"], "D", "{summary}");
    let reviewer = server.token(Role::Reviewer).to_string();
    let entries = server
        .client
        .get(server.url(&format!("/api/v1/subjects/{child}/file")))
        .bearer_auth(&reviewer)
        .send()
        .await
        .unwrap()
        .json::<serde_json::Value>()
        .await
        .unwrap();
    let blacklist = entries["list_entries"].as_array().unwrap().iter().find(|e| e["list"] == "blacklist").expect("a tier-D entry").clone();
    assert_eq!(blacklist["state"], "notice-served", "{blacklist}");
    assert_eq!(blacklist["notice"]["served_on"], format_date(today), "served the day the ledger learned it, not a month ago");
    let (_, public) = server.call(None, "GET", "/api/v1/lists/public", None).await;
    assert!(!public.to_string().contains("Li Xiaoming"), "{public}");

    // Lines dated in the future, before the age limit, or off the calendar are refused with the reason.
    let before = server.fingerprint();
    let tomorrow = format_date(add_days(today, 1));
    for (at, fragment) in [
        ("9999-12-31", "outside the supported range"),
        (tomorrow.as_str(), "after today"),
        ("2019-01-01", "max_record_age_years"),
        ("2025-02-29", "not a valid calendar date"),
        ("0000-01-01", "outside the supported range"),
    ] {
        let line = format!(r#"{{"id": "bad", "subject": "{child}", "behaviour": "unpaid-shared-bike-ride", "at": "{at}"}}"#);
        let response = push(line + "\n").await.unwrap();
        let status = response.status().as_u16();
        let receipt: serde_json::Value = response.json().await.unwrap();
        assert_eq!(status, 422, "{at}: {receipt}");
        assert_eq!(receipt["errors"][0]["field"], "at", "{receipt}");
        assert!(receipt["errors"][0]["reason"].as_str().unwrap().contains(fragment), "{at}: {receipt}");
    }
    assert_eq!(server.fingerprint(), before);
    let airline = provider(&server, "airline", &["civil-aviation"]).await;
    assert_eq!(check(&server, &airline, &child, "civil-aviation", &format_date(today)).await["decision"], "allow");
    server.stop().await;
}

async fn absurd_dates_are_refused_and_the_server_keeps_working(backend: Backend) {
    let mut server = TestServer::start_live_on(backend).await;
    let airline = provider(&server, "airline", &["civil-aviation"]).await;
    let before = server.fingerprint();
    for at in ["9999-12-31", "2999-12-31", "1800-01-01", "0000-01-01", "2025-02-29"] {
        let (status, answer) = server
            .call(Some(Role::Officer), "POST", "/api/v1/records", Some(json!({"subject": PERSON, "behaviour": "tax-evasion", "at": at})))
            .await;
        assert_eq!((status, answer["error"]["field"].as_str()), (422, Some("at")), "{at}: {answer}");
    }
    for path in [
        format!("/api/v1/subjects/{PERSON}?as_of=9999-12-31"),
        format!("/api/v1/subjects/{PERSON}/explanation?as_of=0000-01-01"),
        format!("/api/v1/subjects/{PERSON}/file?as_of=3000-01-01"),
        format!("/api/v1/subjects/{PERSON}?known_on=2999-12-31"),
        format!("/api/v1/subjects/{PERSON}/timeline?to=9999-12-31"),
        "/api/v1/lists/public?as_of=9999-12-31".to_string(),
    ] {
        let (status, answer) = server.call(Some(Role::Auditor), "GET", &path, None).await;
        assert_eq!(status, 422, "{path}: {answer}");
    }
    let response = server
        .client
        .post(server.url("/api/v1/checks"))
        .bearer_auth(&airline)
        .json(&json!({"subject": PERSON, "service": "civil-aviation", "as_of": "9999-12-31"}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 422);
    // A person "born" in 2029 is not registered.
    let (status, answer) = server
        .call(Some(Role::Officer), "POST", "/api/v1/subjects", Some(json!({"id": "110101202901010058", "name": "Not Yet Born"})))
        .await;
    assert_eq!((status, answer["error"]["field"].as_str()), (422, Some("id")), "{answer}");
    assert!(answer["error"]["message"].as_str().unwrap().contains("after today"), "{answer}");
    assert_eq!(server.fingerprint(), before, "nothing stored");
    // The writer still writes and the checks are still logged.
    let (status, _) = server
        .call(
            Some(Role::Officer),
            "POST",
            "/api/v1/records",
            Some(json!({"subject": PERSON, "behaviour": "jaywalking", "at": format_date(today(&server))})),
        )
        .await;
    assert_eq!(status, 201);
    check(&server, &airline, PERSON, "civil-aviation", &format_date(today(&server))).await;
    server.stop().await;
    assert_eq!(server.checks_logged_about(PERSON), 1);
}

async fn as_known_on_reproduces_what_was_answered_then(backend: Backend) {
    // A replay store: the judgment was recorded on 2025-01-10, the tax evasion on 2025-03-01.
    let mut server = TestServer::start_on(backend).await;
    let summary = |known_on: &str, as_of: &str| format!("/api/v1/subjects/{PERSON}?known_on={known_on}&as_of={as_of}");
    let (status, before_tax) = server.call(Some(Role::Auditor), "GET", &summary("2025-02-01", "2025-03-05"), None).await;
    assert_eq!((status, before_tax["score"].as_i64()), (200, Some(900)), "the tax evasion was not known yet: {before_tax}");
    let (_, after_tax) = server.call(Some(Role::Auditor), "GET", &summary("2025-03-01", "2025-03-05"), None).await;
    assert_eq!(after_tax["score"], 800, "{after_tax}");
    // What a provider was told: the file's decisions as known on a day.
    let file = |known_on: &str| format!("/api/v1/subjects/{PERSON}/file?known_on={known_on}");
    let flight = |answer: &serde_json::Value| {
        answer["decisions"].as_array().unwrap().iter().find(|d| d["service"] == "civil-aviation").unwrap()["outcome"].clone()
    };
    let (status, then) = server.call(Some(Role::Auditor), "GET", &file("2025-01-15"), None).await;
    assert_eq!((status, flight(&then)), (200, json!("allow")), "in the notice window");
    let (_, later) = server.call(Some(Role::Auditor), "GET", &file("2025-01-25"), None).await;
    assert_eq!(flight(&later), json!("deny"));
    // Before the store existed, or after today: refused, naming the field.
    for known_on in ["2024-12-31", "2999-12-31"] {
        let (status, answer) = server.call(Some(Role::Auditor), "GET", &summary(known_on, "2025-01-01"), None).await;
        assert_eq!((status, answer["error"]["field"].as_str()), (422, Some("known_on")), "{known_on}: {answer}");
    }
    server.stop().await;
}

#[tokio::test]
async fn every_page_of_a_replay_store_says_so_and_no_page_of_a_live_one_does() {
    let mut live = TestServer::start_live().await;
    let page = live.client.get(live.url("/lists")).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("<h1>") && !page.contains("replay-notice"), "{page}");
    live.stop().await;
    let mut replay = TestServer::start().await;
    replay.restart_on("2025-01-22").await;
    for path in ["/", "/lists", "/login", "/rulebook"] {
        let page = replay.client.get(replay.url(path)).send().await.unwrap().text().await.unwrap();
        assert!(page.contains(r#"data-testid="replay-notice""#) && page.contains("today: 2025-01-22"), "{path}: {page}");
    }
    replay.stop().await;
}

on_both_backends!(
    a_client_never_dates_an_act,
    a_proposal_is_noticed_when_served_and_listed_only_after_its_window,
    absurd_dates_are_refused_and_the_server_keeps_working,
    as_known_on_reproduces_what_was_answered_then,
    a_partners_past_dated_batch_about_a_child_is_noticed_today
);
