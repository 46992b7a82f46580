//! The check API: the brief's scenarios through HTTP, token scope (403 and
//! logged), what a provider learns (the decision only), batches, bad input,
//! and the in-memory index agreeing with the store on every decision.

use crate::common;

use common::{Backend, GUARDIAN, ORG, PASSWORD, PERSON, TestServer};
use serde_json::json;
use socred_auth::Role;

async fn provider(server: &TestServer, username: &str, services: &[&str]) -> String {
    let (status, body) = server
        .call(Some(Role::Admin), "POST", "/api/v1/accounts", Some(json!({"username": username, "role": "provider", "services": services})))
        .await;
    assert_eq!(status, 201, "{body}");
    server.token_for(username)
}

async fn check(server: &TestServer, token: &str, subject: &str, service: &str, as_of: &str) -> (u16, serde_json::Value) {
    let response = server
        .client
        .post(server.url("/api/v1/checks"))
        .bearer_auth(token)
        .json(&json!({"subject": subject, "service": service, "as_of": as_of}))
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap())
}

async fn scenario_5_and_6_through_the_api(backend: Backend) {
    let mut server = TestServer::start_on(backend).await;
    // A replay: the server's clock is stopped on each day of the scenario in turn.
    server.restart_on("2025-01-10").await;
    // Wang Fang (GUARDIAN), Li Ming's guardian, defaults on a judgment on 2025-01-10.
    let (status, _) = server
        .call(
            Some(Role::Officer),
            "POST",
            "/api/v1/records",
            Some(json!({"subject": GUARDIAN, "behaviour": "judgment-default", "at": "2025-01-10", "id": "jd-wang"})),
        )
        .await;
    assert_eq!(status, 201);
    let travel = provider(&server, "railways", &["civil-aviation", "high-speed-rail", "ordinary-rail", "private-school-admission"]).await;
    server.restart_on("2025-01-22").await;

    let (status, flight) = check(&server, &travel, GUARDIAN, "civil-aviation", "2025-01-15").await;
    assert_eq!((status, flight["decision"].as_str()), (200, Some("allow")), "nothing applies during the notice window");
    let (_, flight) = check(&server, &travel, GUARDIAN, "civil-aviation", "2025-01-22").await;
    assert_eq!(flight["decision"], "deny");
    assert_eq!(flight["reasons"], json!(["no-flights"]));
    let keys: std::collections::BTreeSet<&str> = flight.as_object().unwrap().keys().map(String::as_str).collect();
    assert_eq!(
        keys,
        ["appeal", "as_of", "benefits", "decision", "reasons", "service", "subject"].into_iter().collect(),
        "a provider learns the decision only"
    );
    assert!(!flight.to_string().contains("score") && !flight.to_string().contains("tier"));
    assert_eq!(check(&server, &travel, GUARDIAN, "high-speed-rail", "2025-01-22").await.1["decision"], "deny");
    assert_eq!(check(&server, &travel, GUARDIAN, "ordinary-rail", "2025-01-22").await.1["decision"], "allow");
    let (_, school) = check(&server, &travel, PERSON, "private-school-admission", "2025-01-22").await;
    assert_eq!(school["decision"], "deny", "the child of a listed guardian: {school}");
    assert!(school["appeal"].as_str().unwrap().contains("linked subject"));

    // Repair: Wang Fang applies on 2026-02-01, a reviewer approves; both are allowed again.
    server.restart_on("2025-06-01").await;
    let (status, _) = server
        .call(
            Some(Role::Admin),
            "POST",
            "/api/v1/accounts",
            Some(json!({"username": "wang", "role": "subject", "subject": GUARDIAN, "password": PASSWORD})),
        )
        .await;
    assert_eq!(status, 201);
    let wang = server.token_for("wang");
    let early = server
        .client
        .post(server.url("/api/v1/repairs"))
        .bearer_auth(&wang)
        .json(&json!({"entry": "blacklist:jd-wang", "evidence": "paid", "commitment": "I will comply"}))
        .send()
        .await
        .unwrap();
    assert_eq!(early.status().as_u16(), 422, "under one year of publication");
    server.restart_on("2026-02-01").await;
    let applied = server
        .client
        .post(server.url("/api/v1/repairs"))
        .bearer_auth(&wang)
        .json(&json!({"entry": "blacklist:jd-wang", "evidence": "paid", "commitment": "I will comply", "repair_id": "r-wang"}))
        .send()
        .await
        .unwrap();
    assert_eq!(applied.status().as_u16(), 201);
    let (status, _) = server
        .call(Some(Role::Reviewer), "POST", "/api/v1/repairs/r-wang/decision", Some(json!({"outcome": "approve", "reasons": "receipt"})))
        .await;
    assert_eq!(status, 201);
    assert_eq!(check(&server, &travel, GUARDIAN, "civil-aviation", "2026-02-02").await.1["decision"], "allow");
    assert_eq!(check(&server, &travel, PERSON, "private-school-admission", "2026-02-02").await.1["decision"], "allow");

    // Every check is in the subject's file.
    let file = server
        .client
        .get(server.url(&format!("/api/v1/subjects/{GUARDIAN}/file")))
        .bearer_auth(&wang)
        .send()
        .await
        .unwrap()
        .json::<serde_json::Value>()
        .await
        .unwrap();
    let checks = file["checks"].as_array().unwrap();
    assert!(checks.iter().any(|c| c["provider"] == "railways" && c["service"] == "civil-aviation" && c["outcome"] == "deny"), "{checks:?}");
    assert!(file["decisions"].as_array().unwrap().iter().any(|d| d["service"] == "ordinary-rail"));
    server.stop().await;
}

async fn tokens_are_bound_to_their_services_and_attempts_are_logged(backend: Backend) {
    let mut server = TestServer::start_on(backend).await;
    let airline = server.token(Role::Provider).to_string();
    let (status, body) = check(&server, &airline, PERSON, "bank-loan", "2025-06-01").await;
    assert_eq!(status, 403, "{body}");
    assert!(body["error"]["message"].as_str().unwrap().contains("logged"));
    let batch = server
        .client
        .post(server.url("/api/v1/checks/batch"))
        .bearer_auth(&airline)
        .json(&json!({"checks": [{"subject": PERSON, "service": "civil-aviation"}, {"subject": PERSON, "service": "luxury-hotel"}]}))
        .send()
        .await
        .unwrap();
    assert_eq!(batch.status().as_u16(), 403, "one out-of-scope check refuses the batch");
    // Checks are logged asynchronously (committed every 20 ms); poll rather
    // than sleep a fixed time, which a loaded machine can outlast.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    let file = loop {
        let (_, file) = server.call(Some(Role::Subject), "GET", &format!("/api/v1/subjects/{PERSON}/file"), None).await;
        let logged = file["checks"].as_array().unwrap().iter().filter(|c| c["outcome"] == "refused").count();
        if logged >= 2 || std::time::Instant::now() > deadline {
            break file;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    };
    let refused: Vec<&serde_json::Value> = file["checks"].as_array().unwrap().iter().filter(|c| c["outcome"] == "refused").collect();
    assert_eq!(refused.len(), 2, "both attempts are logged: {file}");
    assert!(refused.iter().any(|c| c["service"] == "bank-loan") && refused.iter().any(|c| c["service"] == "luxury-hotel"));
    // No other role may check.
    for role in [Role::Officer, Role::Subject, Role::Admin] {
        let (status, _) =
            server.call(Some(role), "POST", "/api/v1/checks", Some(json!({"subject": PERSON, "service": "civil-aviation"}))).await;
        assert_eq!(status, 403);
    }
    server.stop().await;
}

async fn batches_and_bad_input(backend: Backend) {
    let mut server = TestServer::start_on(backend).await;
    let airline = server.token(Role::Provider).to_string();
    let post = |path: &str, body: String| {
        server.client.post(server.url(path)).bearer_auth(&airline).header("content-type", "application/json").body(body)
    };
    for (request, status, field) in [
        (post("/api/v1/checks", "{oops".into()), 400, None),
        (post("/api/v1/checks", json!({"subject": "123", "service": "civil-aviation"}).to_string()), 422, Some("subject")),
        (post("/api/v1/checks", json!({"subject": PERSON, "service": "civil-aviation", "as_of": "soon"}).to_string()), 422, Some("as_of")),
        (post("/api/v1/checks", json!({"subject": PERSON, "service": "civil-aviation", "extra": 1}).to_string()), 422, None),
        (post("/api/v1/checks", json!({"subject": "31010119800101123X", "service": "civil-aviation"}).to_string()), 404, Some("subject")),
        (post("/api/v1/checks", json!({"subject": PERSON, "service": 7}).to_string()), 422, Some("service")),
    ] {
        let response = request.send().await.unwrap();
        let actual = response.status().as_u16();
        let body: serde_json::Value = response.json().await.unwrap();
        assert_eq!(actual, status, "{body}");
        if let Some(field) = field {
            assert_eq!(body["error"]["field"], field, "{body}");
        }
    }
    // Escaped JSON strings read as what they say, alone and in a batch.
    let escaped = r#"{"subject": "110101199003074514", "service": "civil\u002daviation", "as_of": "2025\u002d01\u002d22"}"#;
    let response = post("/api/v1/checks", escaped.into()).send().await.unwrap();
    assert_eq!(response.status().as_u16(), 200);
    let alone: serde_json::Value = response.json().await.unwrap();
    assert_eq!(
        (alone["service"].as_str(), alone["as_of"].as_str(), alone["decision"].as_str()),
        (Some("civil-aviation"), Some("2025-01-22"), Some("deny"))
    );
    let response = post("/api/v1/checks/batch", format!(r#"{{"checks": [{escaped}]}}"#)).send().await.unwrap();
    let batch: serde_json::Value = response.json().await.unwrap();
    assert_eq!(batch["results"][0]["answer"], alone);
    let too_many: Vec<_> = (0..10_001).map(|_| json!({"subject": PERSON, "service": "civil-aviation"})).collect();
    let response = post("/api/v1/checks/batch", json!({"checks": too_many}).to_string()).send().await.unwrap();
    assert_eq!(response.status().as_u16(), 422);
    let mixed = json!({"checks": [
        {"subject": PERSON, "service": "civil-aviation", "as_of": "2025-01-22"},
        {"subject": "nope", "service": "civil-aviation"},
        {"subject": "31010119800101123X", "service": "civil-aviation"},
        {"subject": ORG, "service": "civil-aviation", "as_of": "2025-13-01"},
    ]});
    let response = post("/api/v1/checks/batch", mixed.to_string()).send().await.unwrap();
    assert_eq!(response.status().as_u16(), 200);
    let body: serde_json::Value = response.json().await.unwrap();
    let results = body["results"].as_array().unwrap();
    assert_eq!(results[0]["answer"]["decision"], "deny", "Li Ming's own jd-1 is listed from 2025-01-21");
    assert_eq!(results[1]["error"]["field"], "checks[1].subject");
    assert_eq!(results[2]["error"]["code"], "not_found");
    assert_eq!(results[3]["error"]["field"], "checks[3].as_of");
    // A large batch is answered in parts (one per core, at least 1,000 checks
    // each) and joined: every answer at its index, errors where they were
    // asked, and the same decision as asked alone. 4,000 checks make parts
    // of 2,000 on 2 cores (1,000 on 4): errors on both sides of every
    // 1,000th item put one at each end of every part, across the joins.
    let large: Vec<serde_json::Value> = (0..4_000usize)
        .map(|i| match i % 1_000 {
            0 | 999 => json!({"subject": format!("bad-{i}"), "service": "civil-aviation"}),
            _ if i % 3 == 0 => json!({"subject": ORG, "service": "civil-aviation", "as_of": "2025-01-22"}),
            _ => json!({"subject": PERSON, "service": "civil-aviation", "as_of": if i % 2 == 0 { "2025-01-22" } else { "2024-06-01" }}),
        })
        .collect();
    let response = post("/api/v1/checks/batch", json!({"checks": large}).to_string()).send().await.unwrap();
    assert_eq!(response.status().as_u16(), 200);
    let body: serde_json::Value = response.json().await.unwrap();
    let results = body["results"].as_array().unwrap();
    assert_eq!(results.len(), large.len());
    for (i, (result, asked)) in results.iter().zip(&large).enumerate() {
        assert_eq!(result["index"], i, "{result}");
        if asked["subject"].as_str().unwrap().starts_with("bad-") {
            assert_eq!(result["error"]["field"], format!("checks[{i}].subject"), "{result}");
        } else {
            assert_eq!(result["answer"]["subject"], asked["subject"], "{result}");
            assert_eq!(result["answer"]["as_of"], asked["as_of"], "{result}");
        }
    }
    for i in [1usize, 2, 3, 1_001, 2_002, 3_998] {
        let asked = &large[i];
        let (_, alone) =
            check(&server, &airline, asked["subject"].as_str().unwrap(), "civil-aviation", asked["as_of"].as_str().unwrap()).await;
        assert_eq!(results[i]["answer"], alone, "item {i}");
    }
    server.stop().await;
}

async fn the_index_agrees_with_the_store_and_follows_writes(backend: Backend) {
    let mut server = TestServer::start_on(backend).await;
    let all: Vec<String> = server.call(None, "GET", "/api/v1/rulebook", None).await.1["services"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["code"].as_str().unwrap().to_string())
        .collect();
    let every = provider(&server, "everything", &all.iter().map(String::as_str).collect::<Vec<_>>()).await;
    // A new listing through the API is seen by checks without a restart (recorded on 1 March 2025, replayed).
    server.restart_on("2025-03-01").await;
    server
        .call(
            Some(Role::Officer),
            "POST",
            "/api/v1/records",
            Some(json!({"subject": ORG, "behaviour": "judgment-default", "at": "2025-03-01", "id": "org-jd"})),
        )
        .await;
    server
        .call(
            Some(Role::Officer),
            "POST",
            "/api/v1/subjects",
            Some(json!({"id": "31010119800101123X", "name": "Zhou Min", "represents": [ORG]})),
        )
        .await;
    let (_, answer) = check(&server, &every, ORG, "public-procurement", "2025-03-20").await;
    assert_eq!(answer["decision"], "deny");
    let (_, answer) = check(&server, &every, "31010119800101123X", "civil-aviation", "2025-03-20").await;
    assert_eq!(answer["decision"], "deny", "the listed organisation's new representative: {answer}");
    // Every subject, service and date: the answer equals the store's decision.
    let today = socred_core::date::format_date(server.today());
    let mut cases = Vec::new();
    for subject in [PERSON, GUARDIAN, ORG, common::OTHER, "31010119800101123X"] {
        for service in &all {
            for date in ["2024-06-01", "2025-01-15", "2025-01-21", "2025-03-20", "2026-06-01", "2031-01-01", today.as_str()] {
                cases.push((subject.to_string(), service.to_string(), socred_core::parse_date(date).unwrap()));
            }
        }
    }
    let decisions = server.decisions_in_store(&cases);
    for ((subject, service, date), expected) in cases.iter().zip(decisions) {
        let date = socred_core::date::format_date(*date);
        let (status, answer) = check(&server, &every, subject, service, &date).await;
        assert_eq!(status, 200, "{subject} {service} {date}: {answer}");
        assert_eq!(answer["decision"], expected.outcome.as_str(), "{subject} {service} {date}");
        let reasons: Vec<String> = expected
            .reasons
            .iter()
            .filter(|r| r.disclose)
            .map(|r| r.measure.clone())
            .collect::<std::collections::BTreeSet<_>>()
            .into_iter()
            .collect();
        let mut got: Vec<String> = answer["reasons"].as_array().unwrap().iter().map(|r| r.as_str().unwrap().to_string()).collect();
        got.sort();
        assert_eq!(got, reasons, "{subject} {service} {date}");
    }
    // Both paths were taken: the index for dates its windows cover, the store for the rest.
    let (_, metrics) = server.call(Some(Role::Auditor), "GET", "/metrics", None).await;
    let count = |path: &str| -> f64 {
        metrics
            .as_str()
            .unwrap()
            .lines()
            .find(|l| l.starts_with("socred_check_decisions_total") && l.contains(&format!("path=\"{path}\"")))
            .and_then(|l| l.rsplit(' ').next()?.parse().ok())
            .unwrap_or(0.0)
    };
    assert!(count("memory") > 50.0 && count("store") > 50.0, "memory {} store {}", count("memory"), count("store"));
    server.stop().await;
}

/// Checks answered at once on several worker threads are logged through the
/// threads' own buffers: the subject's file shows every one of them.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_checks_on_every_thread_are_all_logged() {
    let mut server = TestServer::start().await;
    let airline = server.token(Role::Provider).to_string();
    let asks: Vec<_> = (0..200)
        .map(|n| {
            let (client, url, token) = (server.client.clone(), server.url("/api/v1/checks"), airline.clone());
            tokio::spawn(async move {
                let as_of = if n % 2 == 0 { "2025-01-22" } else { "2024-06-01" };
                let response = client
                    .post(url)
                    .bearer_auth(token)
                    .json(&json!({"subject": PERSON, "service": "civil-aviation", "as_of": as_of}))
                    .send()
                    .await
                    .unwrap();
                response.status().as_u16()
            })
        })
        .collect();
    for ask in asks {
        assert_eq!(ask.await.unwrap(), 200);
    }
    let (_, file) = server.call(Some(Role::Subject), "GET", &format!("/api/v1/subjects/{PERSON}/file"), None).await;
    let checks = file["checks"].as_array().unwrap();
    assert_eq!(
        checks.iter().filter(|c| c["provider"].as_str().is_some() && c["service"] == "civil-aviation").count(),
        200,
        "of {} in the file",
        checks.len()
    );
    let times: Vec<time::OffsetDateTime> = checks
        .iter()
        .map(|c| time::OffsetDateTime::parse(c["at"].as_str().unwrap(), &time::format_description::well_known::Rfc3339).unwrap())
        .collect();
    assert!(times.windows(2).all(|w| w[0] >= w[1]), "newest first: {times:?}");
    server.stop().await;
}

on_both_backends!(
    scenario_5_and_6_through_the_api,
    tokens_are_bound_to_their_services_and_attempts_are_logged,
    batches_and_bad_input,
    the_index_agrees_with_the_store_and_follows_writes
);
