//! The API end to end against a real server on port 0 and a fresh store.

use crate::common;

use common::{AUTHORITY, Backend, OTHER, PASSWORD, PERSON, TestServer, username};
use serde_json::json;
use socred_auth::Role;

async fn health_metrics_and_openapi(backend: Backend) {
    let mut server = TestServer::start_on(backend).await;
    let (status, body) = server.call(None, "GET", "/healthz", None).await;
    assert_eq!((status, body), (200, json!("ok")));
    server.call(Some(Role::Officer), "GET", &format!("/api/v1/subjects/{PERSON}"), None).await;
    let (_, metrics) = server.call(Some(Role::Auditor), "GET", "/metrics", None).await;
    let metrics = metrics.as_str().unwrap();
    assert!(metrics.contains(r#"socred_http_requests_total{route="/healthz",method="GET",status="200"}"#), "{metrics}");
    assert!(metrics.contains(r#"route="/api/v1/subjects/{id}""#), "route templates, not raw paths: {metrics}");
    assert!(metrics.contains("socred_http_request_duration_seconds_bucket"), "histograms: {metrics}");
    assert!(!metrics.contains(PERSON), "subject ids never become labels");

    let (_, document) = server.call(None, "GET", "/api/v1/openapi.json", None).await;
    assert_eq!(document["openapi"], "3.1.0");
    assert!(document["components"]["schemas"]["Assessment"].is_object(), "schemas generated from the core types");
    assert!(document["components"]["securitySchemes"]["bearer"].is_object());
    assert!(document["paths"].as_object().unwrap().len() >= 25);
    server.stop().await;
}

async fn an_officer_records_and_the_subject_sees_it_and_who_looked(backend: Backend) {
    let mut server = TestServer::start_on(backend).await;
    let (status, summary) = server.call(Some(Role::Subject), "GET", &format!("/api/v1/subjects/{PERSON}?as_of=2025-06-01"), None).await;
    assert_eq!(status, 200);
    assert_eq!((summary["score"].as_i64(), summary["tier"].as_str()), (Some(800), Some("C")));
    assert_eq!(summary["locks"][0]["tier"], "C");

    let record = json!({"subject": PERSON, "behaviour": "national-award", "at": "2025-07-01", "evidence": "decree 12", "id": "award-1"});
    let (status, body) = server.call(Some(Role::Officer), "POST", "/api/v1/records", Some(record.clone())).await;
    assert_eq!(status, 201, "{body}");
    let (status, body) = server.call(Some(Role::Officer), "POST", "/api/v1/records", Some(record)).await;
    assert_eq!((status, body["result"]["outcome"].as_str()), (200, Some("duplicate")));

    let (_, explained) = server
        .call(Some(Role::Officer), "GET", &format!("/api/v1/subjects/{PERSON}/explanation?as_of=2025-08-01&purpose=loan%20review"), None)
        .await;
    assert_eq!(explained["score"], 900);
    assert!(explained["explanation"].as_array().unwrap().iter().any(|c| c["record_id"] == "award-1" && c["legal_basis"].is_string()));

    let (_, file) = server.call(Some(Role::Subject), "GET", &format!("/api/v1/subjects/{PERSON}/file"), None).await;
    let accesses = file["accesses"].as_array().unwrap();
    assert!(
        accesses.iter().any(|a| a["actor"] == username(Role::Officer) && a["purpose"] == "loan review" && a["what"] == "explanation"),
        "{accesses:?}"
    );
    assert!(!accesses.iter().any(|a| a["actor"] == username(Role::Subject)), "the subject's own reads are not logged");
    assert_eq!(file["list_entries"][0]["id"], "blacklist:jd-1");

    let (_, timeline) =
        server.call(Some(Role::Subject), "GET", &format!("/api/v1/subjects/{PERSON}/timeline?from=2024-01-01&to=2025-08-01"), None).await;
    let scores: Vec<i64> = timeline.as_array().unwrap().iter().map(|p| p["score"].as_i64().unwrap()).collect();
    assert_eq!(scores, vec![1000, 900, 800, 900]);
    server.stop().await;
}

async fn object_rules_subjects_authorities_and_own_cases(backend: Backend) {
    let mut server = TestServer::start_on(backend).await;
    let other_officer = server.token_for("officer-2");
    let other_subject = server.token_for("subject-2");
    let before = server.fingerprint();
    let (status, _) = server.call(Some(Role::Subject), "GET", &format!("/api/v1/subjects/{OTHER}"), None).await;
    assert_eq!(status, 403, "a subject sees only their own file");
    let (status, body) = server
        .call(
            Some(Role::Officer),
            "POST",
            "/api/v1/records",
            Some(json!({"subject": OTHER, "behaviour": "jaywalking", "at": "2025-01-01", "source": "Traffic Police"})),
        )
        .await;
    assert_eq!(status, 403, "{body}");
    assert!(body["error"]["message"].as_str().unwrap().contains(AUTHORITY));
    // The traffic police record traffic behaviours, not tax evasion.
    let record = |behaviour: &str| {
        let request = server.client.post(server.url("/api/v1/records")).bearer_auth(&other_officer);
        request.json(&json!({"subject": OTHER, "behaviour": behaviour, "at": "2025-01-01"})).send()
    };
    let refused = record("tax-evasion").await.unwrap();
    assert_eq!(refused.status().as_u16(), 403);
    let refused: serde_json::Value = refused.json().await.unwrap();
    assert_eq!(refused["error"]["field"], "behaviour", "{refused}");
    assert!(refused["error"]["message"].as_str().unwrap().contains("Traffic Police is entitled to record speeding-minor"), "{refused}");
    assert_eq!(server.fingerprint(), before, "a refused record changes nothing");
    let response = server
        .client
        .post(server.url("/api/v1/records/tax-1/void"))
        .bearer_auth(&other_officer)
        .json(&json!({"reason": "x"}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 403, "another authority's record");
    let (status, _) =
        server.call(Some(Role::Subject), "POST", "/api/v1/disputes", Some(json!({"record": "does-not-exist", "grounds": "x"}))).await;
    assert_eq!(status, 404);
    let response = server
        .client
        .post(server.url("/api/v1/disputes"))
        .bearer_auth(&other_subject)
        .json(&json!({"record": "tax-1", "grounds": "x"}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 403, "not your record");
    assert_eq!(server.fingerprint(), before, "refusals store nothing");

    // A reviewer never decides a case they raised.
    let proposal =
        json!({"subject": OTHER, "list": "blacklist", "legal_basis": "Procurement Law, art. 77", "facts": "false bid", "case_id": "p-9"});
    let (status, _) = server.call(Some(Role::Reviewer), "POST", "/api/v1/lists/proposals", Some(proposal)).await;
    assert_eq!(status, 201);
    let (status, _) = server.call(Some(Role::Officer), "POST", "/api/v1/lists/entries/blacklist%2Fp-9/notice", Some(json!({}))).await;
    assert_eq!(status, 201);
    let response = server
        .client
        .post(server.url("/api/v1/appeals"))
        .bearer_auth(&other_subject)
        .json(&json!({"entry": "blacklist/p-9", "grounds": "wrong", "appeal_id": "a-9"}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 201);
    let before = server.fingerprint();
    let (status, body) = server
        .call(Some(Role::Reviewer), "POST", "/api/v1/appeals/a-9/decision", Some(json!({"outcome": "uphold", "reasons": "mine"})))
        .await;
    assert_eq!(status, 422);
    assert_eq!(body["error"]["field"], "actor");
    assert!(body["error"]["message"].as_str().unwrap().contains("raised entry"));
    assert_eq!(server.fingerprint(), before);
    server.stop().await;
}

async fn tokens_are_shown_once_hashed_and_revocable(backend: Backend) {
    let mut server = TestServer::start_on(backend).await;
    let (status, issued) = server.call(Some(Role::Auditor), "POST", "/api/v1/tokens", Some(json!({"label": "cron"}))).await;
    assert_eq!(status, 201);
    let token = issued["token"].as_str().unwrap().to_string();
    let stored = server.column("SELECT secret_hash FROM tokens");
    assert!(!stored.is_empty());
    assert!(!stored.contains(&token), "secrets are stored hashed");
    let me = server.client.get(server.url("/api/v1/me")).bearer_auth(&token).send().await.unwrap();
    assert_eq!(me.json::<serde_json::Value>().await.unwrap()["role"], "auditor");
    let (_, listed) = server.call(Some(Role::Auditor), "GET", "/api/v1/tokens", None).await;
    assert!(!listed.to_string().contains(&token), "listing never shows secrets");
    let id = issued["id"].as_i64().unwrap();
    let (status, _) = server.call(Some(Role::Officer), "DELETE", &format!("/api/v1/tokens/{id}"), None).await;
    assert_eq!(status, 404, "not your token");
    let (status, _) = server.call(Some(Role::Auditor), "DELETE", &format!("/api/v1/tokens/{id}"), None).await;
    assert_eq!(status, 204);
    let after = server.client.get(server.url("/api/v1/me")).bearer_auth(&token).send().await.unwrap();
    assert_eq!(after.status().as_u16(), 401);
    let garbage = server.client.get(server.url("/api/v1/me")).header("authorization", "Bearer nope").send().await.unwrap();
    assert_eq!(garbage.status().as_u16(), 401);
    assert_eq!(garbage.headers()["www-authenticate"], "Bearer");
    server.stop().await;
}

async fn bad_input_gets_a_clear_4xx_and_stores_nothing(backend: Backend) {
    let mut server = TestServer::start_on(backend).await;
    let before = server.fingerprint();
    let officer = server.token(Role::Officer).to_string();
    let post = |path: &str, body: String, content_type: &str| {
        server.client.post(server.url(path)).bearer_auth(&officer).header("content-type", content_type.to_string()).body(body)
    };
    let cases: Vec<(reqwest::RequestBuilder, u16, Option<&str>)> = vec![
        (post("/api/v1/records", "{not json".into(), "application/json"), 400, None),
        (
            post("/api/v1/records", r#"{"subject": 7, "behaviour": "jaywalking", "at": "2025-01-01"}"#.into(), "application/json"),
            422,
            Some("subject"),
        ),
        (
            post(
                "/api/v1/records",
                format!(r#"{{"subject": "{PERSON}", "behaviour": "jaywalking", "at": "2025-01-01", "colour": "red"}}"#),
                "application/json",
            ),
            422,
            None,
        ),
        (post("/api/v1/records", format!(r#"{{"subject": "{PERSON}", "behaviour": "jaywalking"}}"#), "application/json"), 422, None),
        (
            post("/api/v1/records", format!(r#"{{"subject": "{PERSON}", "behaviour": "jaywalking", "at": "2025-01-01"}}"#), "text/plain"),
            415,
            None,
        ),
        (
            post(
                "/api/v1/records",
                format!(
                    r#"{{"subject": "{PERSON}", "behaviour": "jaywalking", "at": "2025-01-01", "evidence": "{}"}}"#,
                    "x".repeat(70_000)
                ),
                "application/json",
            ),
            413,
            None,
        ),
        (
            post(
                "/api/v1/records",
                r#"{"subject": "110101199003074515", "behaviour": "jaywalking", "at": "2025-01-01"}"#.into(),
                "application/json",
            ),
            422,
            Some("subject"),
        ),
        (
            post(
                "/api/v1/records",
                format!(r#"{{"subject": "{PERSON}", "behaviour": "negative-posts", "at": "2025-01-01"}}"#),
                "application/json",
            ),
            422,
            Some("behaviour"),
        ),
        (
            post(
                "/api/v1/records",
                format!(r#"{{"subject": "{PERSON}", "behaviour": "jaywalking", "at": "2025-02-30"}}"#),
                "application/json",
            ),
            422,
            Some("at"),
        ),
        (
            post(
                "/api/v1/records",
                format!(r#"{{"subject": "{PERSON}", "behaviour": "jaywalking", "at": "2025-01-01", "id": "a b"}}"#),
                "application/json",
            ),
            422,
            Some("id"),
        ),
        (
            post(
                "/api/v1/records",
                format!(r#"{{"subject": "{PERSON}", "behaviour": "jaywalking", "at": "2025-01-01", "id": "tax-1"}}"#),
                "application/json",
            ),
            409,
            None,
        ),
        (
            post(
                "/api/v1/records",
                r#"{"subject": "440524188001010022", "behaviour": "jaywalking", "at": "2025-01-01"}"#.into(),
                "application/json",
            ),
            422,
            Some("subject"),
        ),
        (post("/api/v1/records/tax-1/void", r#"{"reason": ""}"#.into(), "application/json"), 422, Some("reason")),
        (post("/api/v1/records/bad%20id/void", r#"{"reason": "x"}"#.into(), "application/json"), 422, Some("id")),
        (post("/api/v1/subjects", r#"{"id": "123", "name": "x"}"#.into(), "application/json"), 422, Some("id")),
        (post("/api/v1/subjects", format!(r#"{{"id": "{PERSON}", "name": "Someone Else"}}"#), "application/json"), 409, None),
        (
            post("/api/v1/subjects", r#"{"id": "91350100M000100Y43", "name": "Org", "guardians": ["nope"]}"#.into(), "application/json"),
            422,
            Some("guardians[0]"),
        ),
        (
            post(
                "/api/v1/lists/proposals",
                format!(r#"{{"subject": "{PERSON}", "list": "blacklist", "legal_basis": "x", "facts": "y", "on": "2099-01-01"}}"#),
                "application/json",
            ),
            422,
            Some("on"),
        ),
        (
            post(
                "/api/v1/lists/proposals",
                format!(r#"{{"subject": "{PERSON}", "list": "greylist", "legal_basis": "x", "facts": "y"}}"#),
                "application/json",
            ),
            422,
            Some("list"),
        ),
        (post("/api/v1/lists/entries/nonsense/notice", "{}".into(), "application/json"), 422, Some("entry")),
        (post("/api/v1/lists/entries/blacklist:nope/notice", "{}".into(), "application/json"), 404, None),
    ];
    for (index, (request, status, field)) in cases.into_iter().enumerate() {
        let response = request.send().await.unwrap();
        let actual = response.status().as_u16();
        let body: serde_json::Value = response.json().await.unwrap();
        assert_eq!(actual, status, "case {index}: {body}");
        assert!(body["error"]["message"].as_str().is_some_and(|m| !m.is_empty()), "case {index}: {body}");
        if let Some(field) = field {
            assert_eq!(body["error"]["field"], field, "case {index}: {body}");
        }
        assert_eq!(server.fingerprint(), before, "case {index} changed the store");
    }
    for (path, field) in [
        (format!("/api/v1/subjects/{PERSON}?as_of=tomorrow"), "as_of"),
        ("/api/v1/subjects/notanid".into(), "id"),
        ("/api/v1/subjects?search=Li&limit=5000".into(), "limit"),
        ("/api/v1/subjects?search=Li&limit=-1".into(), "query"),
        (format!("/api/v1/subjects/{PERSON}?colour=red"), "query"),
        (format!("/api/v1/subjects/{PERSON}/timeline?from=1900-01-01&to=2025-01-01"), "from"),
        ("/api/v1/lists/public?list=greylist".into(), "list"),
        ("/api/v1/lists/public?region=99".into(), "region"),
        ("/api/v1/lists/public?region=110105199003074514".into(), "region"),
        ("/api/v1/lists/public?region=110105".into(), "region"),
        (format!("/api/v1/lists/public?authority={}", "x".repeat(301)), "authority"),
    ] {
        let response = server.client.get(server.url(&path)).bearer_auth(server.token(Role::Auditor)).send().await.unwrap();
        let status = response.status().as_u16();
        let body: serde_json::Value = response.json().await.unwrap();
        assert_eq!(status, 422, "{path}: {body}");
        assert_eq!(body["error"]["field"], field, "{path}: {body}");
    }
    let (status, _) = server.call(Some(Role::Auditor), "GET", "/api/v1/subjects/440524198001010013", None).await;
    assert_eq!(status, 200);
    let (status, _) = server.call(Some(Role::Auditor), "GET", "/api/v1/subjects/11010519491231002X?as_of=2025-01-01", None).await;
    assert_eq!(status, 200);
    server.stop().await;
}

async fn batches_are_limited_atomic_and_idempotent(backend: Backend) {
    let mut server = TestServer::start_on(backend).await;
    let before = server.fingerprint();
    let record = |i: usize| json!({"subject": PERSON, "behaviour": "waste-sorting", "at": "2024-06-01", "id": format!("b-{i}")});
    let too_many: Vec<_> = (0..10_001).map(record).collect();
    let (status, body) = server.call(Some(Role::Officer), "POST", "/api/v1/records/batch", Some(json!({"records": too_many}))).await;
    assert_eq!((status, body["error"]["field"].as_str()), (422, Some("records")));
    let mut mixed: Vec<_> = (0..50).map(record).collect();
    mixed[7] = json!({"subject": PERSON, "behaviour": "vibes", "at": "2024-06-01", "id": "b-7"});
    mixed[9] = json!({"subject": "31010119800101123X", "behaviour": "jaywalking", "at": "2024-06-01", "id": "b-9"});
    let (status, body) = server.call(Some(Role::Officer), "POST", "/api/v1/records/batch", Some(json!({"records": mixed.clone()}))).await;
    assert_eq!(status, 422, "{body}");
    let problems = body["error"]["problems"].as_array().unwrap();
    assert_eq!(problems.iter().map(|p| p["index"].as_u64().unwrap()).collect::<Vec<_>>(), vec![7, 9]);
    assert_eq!(problems[0]["field"], "records[7].behaviour");
    assert!(problems[1]["reason"].as_str().unwrap().contains("not registered"));
    assert_eq!(server.fingerprint(), before, "an atomic batch with bad records stores nothing");

    let (status, receipt) = server
        .call(Some(Role::Officer), "POST", "/api/v1/records/batch", Some(json!({"records": mixed.clone(), "skip_invalid": true})))
        .await;
    assert_eq!(status, 200, "{receipt}");
    assert_eq!((receipt["inserted"].as_u64(), receipt["rejected"].as_array().unwrap().len()), (Some(48), 2));
    let after = server.fingerprint();
    let (_, again) =
        server.call(Some(Role::Officer), "POST", "/api/v1/records/batch", Some(json!({"records": mixed, "skip_invalid": true}))).await;
    assert_eq!((again["inserted"].as_u64(), again["duplicates"].as_u64()), (Some(0), Some(48)));
    assert_eq!(server.fingerprint(), after, "the same batch twice stores once");
    let huge = "x".repeat(9 * 1024 * 1024);
    let response = server
        .client
        .post(server.url("/api/v1/records/batch"))
        .bearer_auth(server.token(Role::Officer))
        .header("content-type", "application/json")
        .body(huge)
        .send()
        .await;
    // Refused at the limit: answered 413, or, when the server answers before
    // the client has written the rest, the connection closes under the body.
    match response {
        Ok(response) => assert_eq!(response.status().as_u16(), 413),
        Err(error) => assert!(format!("{error:?}").contains("BodyWrite"), "{error:?}"),
    }
    assert_eq!(server.fingerprint(), after, "an oversized batch stores nothing");
    server.stop().await;
}

async fn browser_sessions_use_http_only_strict_cookies_and_csrf(backend: Backend) {
    let mut server = TestServer::start_on(backend).await;
    let jar = common::client_builder().cookie_store(true).build().unwrap();
    let page = jar.get(server.url("/login")).send().await.unwrap();
    let login_cookie = page.headers()["set-cookie"].to_str().unwrap().to_string();
    assert!(login_cookie.contains("HttpOnly") && login_cookie.contains("SameSite=Strict"));
    let html = page.text().await.unwrap();
    let csrf = html.split("name=\"csrf\" value=\"").nth(1).unwrap().split('"').next().unwrap().to_string();

    // Without the matching token, no login (login CSRF).
    let response =
        jar.post(server.url("/login")).form(&[("csrf", "forged"), ("username", "subject-1"), ("password", PASSWORD)]).send().await.unwrap();
    assert_eq!(response.headers()["location"], "/login");
    assert!(flash(&response).starts_with("socred_flash=error"), "{}", flash(&response));
    let response = jar
        .post(server.url("/login"))
        .form(&[("csrf", csrf.as_str()), ("username", "subject-1"), ("password", "wrong password!")])
        .send()
        .await
        .unwrap();
    assert!(flash(&response).contains("Sign-in%20failed"), "the message travels in a cookie, never in the address: {}", flash(&response));
    // The message is shown once, then cleared; one written into a link is not shown at all.
    let shown = jar.get(server.url("/login")).send().await.unwrap();
    assert!(shown.headers().get_all("set-cookie").iter().any(|c| c.to_str().unwrap().starts_with("socred_flash=;")));
    assert!(shown.text().await.unwrap().contains("Sign-in failed"));
    let forged_message = jar.get(server.url("/login?error=Call+555-0100+to+unlock")).send().await.unwrap().text().await.unwrap();
    assert!(!forged_message.contains("555-0100"), "an attacker's text in the address is not shown");
    let csrf = forged_message.split("name=\"csrf\" value=\"").nth(1).unwrap().split('"').next().unwrap().to_string();

    let response = jar
        .post(server.url("/login"))
        .form(&[("csrf", csrf.as_str()), ("username", "subject-1"), ("password", PASSWORD)])
        .send()
        .await
        .unwrap();
    assert_eq!(response.headers()["location"], "/me");
    let session = response
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_string())
        .find(|c| c.starts_with("socred_session="))
        .unwrap();
    assert!(session.contains("HttpOnly") && session.contains("SameSite=Strict") && session.contains("Secure"), "{session}");

    let portal = jar.get(server.url("/me")).send().await.unwrap();
    assert_eq!(portal.status().as_u16(), 200);
    let headers = portal.headers().clone();
    assert!(headers["content-security-policy"].to_str().unwrap().contains("default-src 'none'"));
    let html = portal.text().await.unwrap();
    assert!(html.contains("data-testid=\"score\"") && html.contains("<svg class=\"chart\""));
    let form_csrf = html.split("name=\"csrf\" value=\"").nth(1).unwrap().split('"').next().unwrap().to_string();

    let before = server.fingerprint();
    let forged =
        jar.post(server.url("/me/disputes")).form(&[("csrf", "forged"), ("record", "tax-1"), ("grounds", "not me")]).send().await.unwrap();
    assert_eq!(forged.status().as_u16(), 403);
    assert_eq!(server.fingerprint(), before, "a forged form stores nothing");
    let filed = jar
        .post(server.url("/me/disputes"))
        .form(&[("csrf", form_csrf.as_str()), ("record", "tax-1"), ("grounds", "not me")])
        .send()
        .await
        .unwrap();
    assert_eq!(filed.status().as_u16(), 303);
    assert_eq!(filed.headers()["location"], "/me");
    assert!(flash(&filed).starts_with("socred_flash=ok"), "{}", flash(&filed));
    let (_, file) = server.call(Some(Role::Subject), "GET", &format!("/api/v1/subjects/{PERSON}/file"), None).await;
    assert_eq!(file["disputes"].as_array().unwrap().len(), 1);

    let out = jar.post(server.url("/logout")).form(&[("csrf", form_csrf.as_str())]).send().await.unwrap();
    assert_eq!(out.status().as_u16(), 303);
    assert_eq!(jar.get(server.url("/me")).send().await.unwrap().status().as_u16(), 303, "signed out");
    server.stop().await;
}

async fn shutdown_completes_in_flight_writes(backend: Backend) {
    let mut server = TestServer::start_on(backend).await;
    let url = server.url("/api/v1/records");
    let token = server.token(Role::Officer).to_string();
    let client = server.client.clone();
    // Stop once the first write is acknowledged, not after a fixed sleep: on
    // a loaded CI machine no write may have reached the server in 20 ms, and
    // the test would prove nothing (or fail) for a reason unrelated to shutdown.
    let (first_tx, mut first_rx) = tokio::sync::mpsc::channel::<()>(40);
    let writes: Vec<_> = (0..40)
        .map(|i| {
            let (client, url, token, first_tx) = (client.clone(), url.clone(), token.clone(), first_tx.clone());
            tokio::spawn(async move {
                let body = json!({"subject": PERSON, "behaviour": "volunteering", "at": "2025-02-01", "id": format!("sd-{i}")});
                let status = client.post(url).bearer_auth(token).json(&body).send().await.map(|r| r.status().as_u16());
                if let Ok(201) = status {
                    let _ = first_tx.try_send(());
                }
                status
            })
        })
        .collect();
    drop(first_tx);
    tokio::time::timeout(std::time::Duration::from_secs(30), first_rx.recv())
        .await
        .expect("a write is acknowledged within 30 s")
        .expect("at least one write is acknowledged");
    server.stop().await;
    let mut acknowledged = Vec::new();
    for (i, write) in writes.into_iter().enumerate() {
        if let Ok(Ok(201)) = write.await {
            acknowledged.push(format!("sd-{i}"));
        }
    }
    assert!(!acknowledged.is_empty());
    let stored = server.record_ids(PERSON);
    for id in acknowledged {
        assert!(stored.contains(&id), "acknowledged {id} was lost in shutdown");
    }
    server.verify_against(None);
}

/// The flash cookie a redirect set, if any.
fn flash(response: &reqwest::Response) -> String {
    response
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|value| value.to_str().unwrap().to_string())
        .find(|cookie| cookie.starts_with("socred_flash="))
        .unwrap_or_default()
}

on_both_backends!(
    health_metrics_and_openapi,
    an_officer_records_and_the_subject_sees_it_and_who_looked,
    object_rules_subjects_authorities_and_own_cases,
    bad_input_gets_a_clear_4xx_and_stores_nothing,
    batches_are_limited_atomic_and_idempotent,
    browser_sessions_use_http_only_strict_cookies_and_csrf,
    tokens_are_shown_once_hashed_and_revocable,
    shutdown_completes_in_flight_writes
);
