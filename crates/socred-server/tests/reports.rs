//! Public reports and partner feeds through HTTP: evidence limits, the
//! state machine, reviewer conflicts, what the reported subject sees, rate
//! limits (429), partner scope, atomic batches, replays, pending records, metrics.

use crate::common;

use common::{Backend, OTHER, PERSON, TestServer};
use serde_json::json;
use socred_auth::Role;

async fn account(server: &TestServer, body: serde_json::Value) -> String {
    let username = body["username"].as_str().unwrap().to_string();
    let (status, answer) = server.call(Some(Role::Admin), "POST", "/api/v1/accounts", Some(body)).await;
    assert_eq!(status, 201, "{answer}");
    server.token_for(&username)
}

async fn send(server: &TestServer, token: &str, method: &str, path: &str, body: Option<serde_json::Value>) -> (u16, serde_json::Value) {
    server.call_as(Some(token), method, path, body).await
}

async fn upload(server: &TestServer, token: &str, bytes: Vec<u8>) -> (u16, serde_json::Value) {
    let response = server
        .client
        .post(server.url("/api/v1/evidence"))
        .bearer_auth(token)
        .header("content-type", "application/octet-stream")
        .body(bytes)
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(serde_json::Value::Null))
}

async fn score(server: &TestServer, subject: &str) -> i64 {
    let (status, body) = server.call(Some(Role::Auditor), "GET", &format!("/api/v1/subjects/{subject}?as_of=2026-12-31"), None).await;
    assert_eq!(status, 200, "{body}");
    body["score"].as_i64().unwrap()
}

async fn a_report_from_filing_to_verification(backend: Backend) {
    let mut server = TestServer::start_on(backend).await;
    let citizen = server.token(Role::Subject).to_string();
    let reported = server.token_for("subject-2");
    let reviewer = server.token(Role::Reviewer).to_string();
    let conflicted =
        account(&server, json!({"username": "rev-zhao", "role": "reviewer", "subject": OTHER, "password": "a long enough password"})).await;

    // Evidence: judged by content, limited by the rulebook.
    let (status, evidence) = upload(&server, &citizen, b"\x89PNG\r\n\x1a\nphoto of the crossing".to_vec()).await;
    assert_eq!(status, 201, "{evidence}");
    let hash = evidence["hash"].as_str().unwrap().to_string();
    assert_eq!(evidence["media_type"], "image/png");
    let (status, refused) = upload(&server, &citizen, b"MZ\x90\x00\x03\x00".to_vec()).await;
    assert_eq!((status, refused["error"]["field"].as_str()), (422, Some("evidence")), "{refused}");
    let (status, _) = upload(&server, &citizen, vec![b'a'; 2 * 1024 * 1024 + 1]).await;
    assert_eq!(status, 422, "over the rulebook's 2 MiB");
    let response = server
        .client
        .post(server.url("/api/v1/evidence"))
        .bearer_auth(&citizen)
        .header("content-type", "application/octet-stream")
        .body(vec![b'a'; 9 * 1024 * 1024])
        .send()
        .await;
    // Over the server's 8 MiB: answered 413 on a connection then closed (its
    // body was left unread), or closed under a body the client is still writing.
    match response {
        Ok(response) => {
            assert_eq!(response.status().as_u16(), 413, "over the server's 8 MiB");
            assert_eq!(response.headers().get("connection").map(|value| value.as_bytes()), Some(&b"close"[..]));
        }
        Err(error) => assert!(format!("{error:?}").contains("BodyWrite"), "{error:?}"),
    }

    let before = (score(&server, PERSON).await, score(&server, OTHER).await);
    let report = json!({"id": "rep-1", "subject": OTHER, "behaviour": "jaywalking", "occurred_on": "2026-06-01",
        "description": "crossed against the red light at Renmin Road", "evidence": [hash]});
    let (status, filed) = send(&server, &citizen, "POST", "/api/v1/reports", Some(report.clone())).await;
    assert_eq!(status, 201, "{filed}");
    assert_eq!(filed["state"], "submitted");
    let (status, again) = send(&server, &citizen, "POST", "/api/v1/reports", Some(report)).await;
    assert_eq!((status, again["id"].as_str()), (201, Some("rep-1")), "the same report again is the same report");
    assert_eq!((score(&server, PERSON).await, score(&server, OTHER).await), before, "no effect before verification");

    // The reported subject sees neither the report nor its evidence yet.
    assert_eq!(send(&server, &reported, "GET", "/api/v1/reports/rep-1", None).await.0, 403);
    assert_eq!(send(&server, &reported, "GET", &format!("/api/v1/evidence/{hash}"), None).await.0, 404);

    // Conflicts and order.
    let (status, body) = send(&server, &conflicted, "POST", "/api/v1/reports/rep-1/review", None).await;
    assert_eq!(status, 409, "a reviewer may not review a report about themselves: {body}");
    let decision = json!({"outcome": "verified", "reasons": "traffic camera of the police confirms"});
    let (status, _) = send(&server, &reviewer, "POST", "/api/v1/reports/rep-1/decision", Some(decision.clone())).await;
    assert_eq!(status, 409, "decided before review");
    let (status, queue) = send(&server, &reviewer, "GET", "/api/v1/reports", None).await;
    assert_eq!(status, 200);
    assert_eq!(queue["reports"][0]["reporter_stats"]["filed"], 1, "reviewers see the reporter's record: {queue}");
    assert_eq!(send(&server, &reviewer, "POST", "/api/v1/reports/rep-1/review", None).await.0, 200);
    let (status, verified) = send(&server, &reviewer, "POST", "/api/v1/reports/rep-1/decision", Some(decision)).await;
    assert_eq!(status, 200, "{verified}");
    assert_eq!(verified["state"], "verified");
    assert_eq!(score(&server, OTHER).await, before.1 - 5, "the reported subject loses the behaviour's points");
    assert_eq!(score(&server, PERSON).await, before.0 + 10, "the reporter gains 10");

    // The reported subject is told, with the evidence, and not who reported (default rulebook).
    let (status, file) = send(&server, &reported, "GET", &format!("/api/v1/subjects/{OTHER}/file"), None).await;
    assert_eq!(status, 200, "{file}");
    let about = &file["reports_about"][0];
    assert_eq!(about["id"], "rep-1");
    assert!(about["reporter"].is_null(), "{about}");
    let record_id = about["record_id"].as_str().unwrap().to_string();
    let response = server.client.get(server.url(&format!("/api/v1/evidence/{hash}"))).bearer_auth(&reported).send().await.unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["content-disposition"], "attachment");
    assert_eq!(response.headers()["x-content-type-options"], "nosniff");
    // ... and can dispute the record it became.
    let (status, body) =
        send(&server, &reported, "POST", "/api/v1/disputes", Some(json!({"record": record_id, "grounds": "I was at work that day"}))).await;
    assert_eq!(status, 201, "{body}");

    let (_, metrics) = server.call(Some(Role::Auditor), "GET", "/metrics", None).await;
    let metrics = metrics.as_str().unwrap().to_string();
    assert!(metrics.contains("socred_reports{state=\"verified\"} 1"), "{metrics}");
    assert!(metrics.contains("socred_report_decision_hours{quantile=\"0.5\"}"), "{metrics}");
    server.stop().await;
}

async fn reports_are_rate_limited_and_refuse_garbage(backend: Backend) {
    let mut server = TestServer::start_on(backend).await;
    let citizen = server.token(Role::Subject).to_string();
    let fingerprint = server.fingerprint();
    for (body, field) in [
        (json!({"subject": PERSON, "behaviour": "jaywalking", "occurred_on": "2026-01-01", "description": "me"}), "subject"),
        (json!({"subject": OTHER, "behaviour": "intentional-crime", "occurred_on": "2026-01-01", "description": "x"}), "behaviour"),
        (json!({"subject": "12345", "behaviour": "jaywalking", "occurred_on": "2026-01-01", "description": "x"}), "subject"),
        (json!({"subject": OTHER, "behaviour": "jaywalking", "occurred_on": "yesterday", "description": "x"}), "occurred_on"),
        (json!({"subject": OTHER, "behaviour": "jaywalking", "occurred_on": "2026-01-01", "description": "x", "secret": 1}), "secret"),
    ] {
        let (status, answer) = send(&server, &citizen, "POST", "/api/v1/reports", Some(body)).await;
        assert_eq!(status, 422, "{answer}");
        assert!(
            answer["error"]["field"].as_str().unwrap_or("").contains(field) || answer["error"]["message"].as_str().unwrap().contains(field),
            "{answer}"
        );
    }
    // Accounts without a person cannot report (there would be nobody to reward or penalise).
    let (status, answer) = server
        .call(
            Some(Role::Officer),
            "POST",
            "/api/v1/reports",
            Some(json!({"subject": OTHER, "behaviour": "jaywalking", "occurred_on": "2026-01-01", "description": "x"})),
        )
        .await;
    assert_eq!((status, answer["error"]["field"].as_str()), (422, Some("reporter")));
    // Reviewers' decisions: garbage is refused naming the field.
    let reviewer = server.token(Role::Reviewer).to_string();
    for (path, body, status, field) in [
        ("/api/v1/reports/none/decision", json!({"outcome": "maybe", "reasons": "r"}), 422, Some("outcome")),
        ("/api/v1/reports/none/decision", json!({"outcome": "verified"}), 422, None),
        ("/api/v1/reports/none/review", json!(null), 404, None),
        ("/api/v1/partners/pending/none/decision", json!({"outcome": "perhaps", "reasons": "r"}), 422, Some("outcome")),
        ("/api/v1/partners/pending/none/decision", json!({"outcome": "confirm", "reasons": "r"}), 404, None),
    ] {
        let (got, answer) = send(&server, &reviewer, "POST", path, Some(body)).await;
        assert_eq!(got, status, "{path}: {answer}");
        if let Some(field) = field {
            assert_eq!(answer["error"]["field"], field, "{answer}");
        }
    }
    let (status, _) = send(&server, &reviewer, "GET", "/api/v1/evidence/not-a-hash", None).await;
    assert_eq!(status, 422);
    assert_eq!(server.fingerprint(), fingerprint, "nothing stored");
    for day in 1..=5 {
        let body = json!({"subject": OTHER, "behaviour": "waste-sorting", "occurred_on": format!("2026-01-0{day}"), "description": "bins"});
        assert_eq!(send(&server, &citizen, "POST", "/api/v1/reports", Some(body)).await.0, 201);
    }
    let body = json!({"subject": OTHER, "behaviour": "waste-sorting", "occurred_on": "2026-01-06", "description": "bins"});
    let (status, answer) = send(&server, &citizen, "POST", "/api/v1/reports", Some(body)).await;
    assert_eq!(
        (status, answer["error"]["code"].as_str(), answer["error"]["field"].as_str()),
        (429, Some("rate_limited"), Some("reporter"))
    );
    server.stop().await;
}

async fn push(server: &TestServer, token: &str, query: &str, body: &str) -> (u16, serde_json::Value) {
    let response = server
        .client
        .post(server.url(&format!("/api/v1/partners/records{query}")))
        .bearer_auth(token)
        .header("content-type", "application/x-ndjson")
        .body(body.to_string())
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap())
}

async fn partner_feeds(backend: Backend) {
    let mut server = TestServer::start_on(backend).await;
    let partner = account(
        &server,
        json!({"username": "bikes", "role": "partner", "authority": "Hello Bike Co.", "behaviours": ["unpaid-shared-bike-ride", "overdue-consumer-loan"]}),
    )
    .await;
    let reviewer = server.token(Role::Reviewer).to_string();
    let line = |id: &str, subject: &str, behaviour: &str| {
        format!(r#"{{"id": "{id}", "subject": "{subject}", "behaviour": "{behaviour}", "at": "2026-03-01"}}"#)
    };
    let good = format!("{}\n{}\n", line("p-1", PERSON, "unpaid-shared-bike-ride"), line("p-2", OTHER, "unpaid-shared-bike-ride"));
    let bad = format!("{good}{}\n", line("p-3", PERSON, "tax-evasion"));
    let fingerprint = server.fingerprint();
    let (status, receipt) = push(&server, &partner, "", &bad).await;
    assert_eq!(status, 422, "{receipt}");
    assert_eq!(receipt["stored"], false);
    assert_eq!(receipt["errors"][0]["line"], 3);
    assert_eq!(receipt["errors"][0]["field"], "behaviour");
    assert_eq!(server.fingerprint(), fingerprint, "a batch with one bad line stores nothing");
    let before = score(&server, PERSON).await;
    let (status, receipt) = push(&server, &partner, "?skip_invalid=true&batch_id=march-1", &bad).await;
    assert_eq!((status, receipt["accepted"].as_u64(), receipt["rejected"].as_u64()), (200, Some(2), Some(1)), "{receipt}");
    assert_eq!(score(&server, PERSON).await, before - 2);
    let (status, replay) = push(&server, &partner, "?skip_invalid=true&batch_id=march-1", &bad).await;
    assert_eq!((status, replay["replayed"].as_bool(), replay["accepted"].as_u64()), (200, Some(true), Some(2)));
    let (status, again) = push(&server, &partner, "", &good).await;
    assert_eq!(
        (status, again["accepted"].as_u64(), again["duplicates"].as_u64()),
        (200, Some(0), Some(2)),
        "the same batch twice stores once"
    );
    assert_eq!(score(&server, PERSON).await, before - 2);

    // Reviewer confirmation for behaviours that need it.
    let (status, receipt) = push(&server, &partner, "", &format!("{}\n", line("loan-1", PERSON, "overdue-consumer-loan"))).await;
    assert_eq!((status, receipt["pending_review"].as_u64()), (200, Some(1)));
    assert_eq!(score(&server, PERSON).await, before - 2, "pending: no effect");
    let (_, pending) = send(&server, &reviewer, "GET", "/api/v1/partners/pending", None).await;
    assert_eq!(pending["pending"][0]["record_id"], "loan-1");
    let (status, decided) = send(
        &server,
        &reviewer,
        "POST",
        "/api/v1/partners/pending/loan-1/decision",
        Some(json!({"outcome": "confirm", "reasons": "statements seen"})),
    )
    .await;
    assert_eq!((status, decided["changed"].as_bool()), (200, Some(true)));
    assert_eq!(score(&server, PERSON).await, before - 22);

    // Scope and shape.
    let (status, _) = server.call(Some(Role::Provider), "POST", "/api/v1/partners/records", Some(json!({}))).await;
    assert_eq!(status, 403);
    let response = server.client.post(server.url("/api/v1/partners/records")).bearer_auth(&partner).json(&json!({})).send().await.unwrap();
    assert_eq!(response.status(), 415);
    let (status, answer) = push(&server, &partner, "?batch_id=bad%20id", &good).await;
    assert_eq!((status, answer["error"]["field"].as_str()), (422, Some("batch_id")));
    let too_many: String = (0..10_001).map(|n| line(&format!("x-{n}"), PERSON, "unpaid-shared-bike-ride") + "\n").collect();
    let (status, answer) = push(&server, &partner, "", &too_many).await;
    assert_eq!(status, 422, "{answer}");
    let (_, receipts) = send(&server, &partner, "GET", "/api/v1/partners/batches", None).await;
    assert_eq!(receipts["batches"].as_array().unwrap().len(), 4, "{receipts}");
    let (_, metrics) = server.call(Some(Role::Auditor), "GET", "/metrics", None).await;
    let metrics = metrics.as_str().unwrap().to_string();
    assert!(metrics.contains("socred_partner_lines_total{partner=\"bikes\",outcome=\"rejected\"} 2"), "{metrics}");
    assert!(metrics.contains("socred_partner_rejection_rate{partner=\"bikes\"}"), "{metrics}");
    server.stop().await;
}

on_both_backends!(a_report_from_filing_to_verification, reports_are_rate_limited_and_refuse_garbage, partner_feeds);
