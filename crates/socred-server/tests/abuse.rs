//! Abuse limits: what one provider, one partner or one account can do in a
//! day is bounded, and the excess is refused with the reason, storing nothing.

use crate::common;

use common::{Backend, OTHER, PERSON, TestServer};
use serde_json::json;
use socred_auth::Role;

fn date_text(day: socred_core::Date) -> String {
    socred_core::date::format_date(day)
}

fn today() -> socred_core::Date {
    socred_core::date::Moment::at(
        (time::OffsetDateTime::now_utc().unix_timestamp_nanos() / 1_000_000) as i64,
        socred_store::DEFAULT_UTC_OFFSET,
    )
    .unwrap()
    .day
}

async fn providers_decide_for_today_only(backend: Backend) {
    let mut server = TestServer::start_live_on(backend).await;
    let before = server.fingerprint();
    for day in [today() - time::Duration::days(1), today() + time::Duration::days(30), socred_core::parse_date("1900-01-01").unwrap()] {
        let (status, refused) = server
            .call(
                Some(Role::Provider),
                "POST",
                "/api/v1/checks",
                Some(json!({"subject": PERSON, "service": "civil-aviation", "as_of": date_text(day)})),
            )
            .await;
        assert_eq!((status, refused["error"]["field"].as_str()), (422, Some("as_of")), "{day}: {refused}");
        assert!(refused["error"]["message"].as_str().unwrap().contains("today"), "{refused}");
    }
    let (status, batch) = server
        .call(
            Some(Role::Provider),
            "POST",
            "/api/v1/checks/batch",
            Some(json!({"checks": [{"subject": PERSON, "service": "civil-aviation", "as_of": "2020-01-01"}]})),
        )
        .await;
    assert_eq!(status, 200, "{batch}");
    assert_eq!(batch["results"][0]["error"]["field"], "checks[0].as_of", "{batch}");
    assert_eq!(server.fingerprint(), before);
    let (status, answer) = server
        .call(
            Some(Role::Provider),
            "POST",
            "/api/v1/checks",
            Some(json!({"subject": PERSON, "service": "civil-aviation", "as_of": date_text(today())})),
        )
        .await;
    assert_eq!(status, 200, "{answer}");
    server.stop().await;
}

async fn evidence_uploads_have_a_daily_quota_per_account(backend: Backend) {
    let mut server = TestServer::start_live_on(backend).await;
    let mut statuses = Vec::new();
    for index in 0..21 {
        let response = server
            .client
            .post(server.url("/api/v1/evidence"))
            .bearer_auth(server.token(Role::Subject))
            .header("content-type", "application/octet-stream")
            .body(format!("photo note number {index}"))
            .send()
            .await
            .unwrap();
        statuses.push(response.status().as_u16());
        if index == 20 {
            let refused: serde_json::Value = response.json().await.unwrap();
            assert_eq!((refused["error"]["code"].as_str(), refused["error"]["field"].as_str()), (Some("rate_limited"), Some("evidence")));
        }
    }
    assert!(statuses[..20].iter().all(|s| *s == 201), "{statuses:?}");
    assert_eq!(statuses[20], 429, "the 21st upload of the day is refused");
    // The same content again is no new upload: it is already stored.
    let again = server
        .client
        .post(server.url("/api/v1/evidence"))
        .bearer_auth(server.token(Role::Subject))
        .header("content-type", "application/octet-stream")
        .body("photo note number 3")
        .send()
        .await
        .unwrap();
    assert!(again.status().is_success(), "{}", again.status());
    server.stop().await;
}

async fn a_partner_feed_moves_a_score_only_so_far_in_a_day(backend: Backend) {
    let mut server = TestServer::start_live_on(backend).await;
    let (status, created) = server
        .call(
            Some(Role::Admin),
            "POST",
            "/api/v1/accounts",
            Some(json!({"username": "bikes", "role": "partner", "authority": "Hello Bike Co.", "behaviours": ["unpaid-shared-bike-ride"]})),
        )
        .await;
    assert_eq!(status, 201, "{created}");
    let partner = server.token_for("bikes");
    let at = date_text(today() - time::Duration::days(3));
    let batch = |prefix: &str, lines: usize| -> String {
        (0..lines)
            .map(|n| {
                format!(
                    "{{\"id\": \"{prefix}-{n}\", \"subject\": \"{OTHER}\", \"behaviour\": \"unpaid-shared-bike-ride\", \"at\": \"{at}\"}}\n"
                )
            })
            .collect()
    };
    let push = |body: String| {
        let request = server
            .client
            .post(server.url("/api/v1/partners/records?skip_invalid=true"))
            .bearer_auth(&partner)
            .header("content-type", "application/x-ndjson")
            .body(body);
        async move {
            let response = request.send().await.unwrap();
            (response.status().as_u16(), response.json::<serde_json::Value>().await.unwrap())
        }
    };
    let score = || async {
        let (_, summary) = server.call(Some(Role::Reviewer), "GET", &format!("/api/v1/subjects/{OTHER}"), None).await;
        summary["score"].as_i64().unwrap()
    };
    let before = score().await;
    let (status, first) = push(batch("a", 12)).await;
    assert_eq!((status, first["accepted"].as_u64(), first["rejected"].as_u64()), (200, Some(10), Some(2)), "{first}");
    let reason = first["errors"][0]["reason"].as_str().unwrap();
    assert!(reason.contains("a batch"), "the receipt says why: {reason}");
    let (_, second) = push(batch("b", 12)).await;
    assert_eq!((second["accepted"].as_u64(), second["rejected"].as_u64()), (Some(10), Some(2)), "{second}");
    let (_, third) = push(batch("c", 5)).await;
    assert_eq!((third["accepted"].as_u64(), third["rejected"].as_u64()), (Some(0), Some(5)), "{third}");
    assert!(third["errors"][0]["reason"].as_str().unwrap().contains("a day"), "{third}");
    assert!(third["errors"][0]["reason_zh"].as_str().unwrap().contains("每天最多允许 20 行"), "{third}");
    // A line about nobody does not lend its id to the next line about the subject: each is judged on its own.
    let line = |id: String, subject: &str| {
        format!("{{\"id\": \"{id}\", \"subject\": \"{subject}\", \"behaviour\": \"unpaid-shared-bike-ride\", \"at\": \"{at}\"}}\n")
    };
    let paired: String = (0..4).map(|n| line(format!("pair-{n}"), "310101199203032930") + &line(format!("pair-{n}"), OTHER)).collect();
    let (_, paired) = push(paired).await;
    assert_eq!((paired["accepted"].as_u64(), paired["rejected"].as_u64()), (Some(0), Some(8)), "{paired}");
    // A retry of lines already stored is a duplicate, not new weight.
    let (_, retry) = push(batch("a", 10)).await;
    assert_eq!((retry["accepted"].as_u64(), retry["rejected"].as_u64()), (Some(0), Some(0)), "{retry}");
    let behaviour_points = {
        let (_, rulebook) = server.call(None, "GET", "/api/v1/rulebook", None).await;
        rulebook["behaviours"].as_array().unwrap().iter().find(|b| b["code"] == "unpaid-shared-bike-ride").unwrap()["points"]
            .as_i64()
            .unwrap()
    };
    assert_eq!(score().await, before + 20 * behaviour_points, "20 lines a day at most reach the score");
    // Another subject is counted apart.
    let other: String = (0..3)
        .map(|n| {
            format!("{{\"id\": \"d-{n}\", \"subject\": \"{PERSON}\", \"behaviour\": \"unpaid-shared-bike-ride\", \"at\": \"{at}\"}}\n")
        })
        .collect();
    let (_, fourth) = push(other).await;
    assert_eq!(fourth["accepted"].as_u64(), Some(3), "{fourth}");
    server.stop().await;
}

/// Two servers (or two requests) given the same batch id at once store it
/// once: the second is told it replays the first, and nothing of it is kept.
async fn a_batch_id_sent_twice_at_once_is_stored_once(backend: Backend) {
    let mut server = TestServer::start_live_on(backend).await;
    let account = json!({"username": "bikes", "role": "partner", "authority": "Hello Bike Co.", "behaviours": ["unpaid-shared-bike-ride"]});
    let (status, created) = server.call(Some(Role::Admin), "POST", "/api/v1/accounts", Some(account)).await;
    assert_eq!(status, 201, "{created}");
    let partner = server.token_for("bikes");
    let at = date_text(today() - time::Duration::days(3));
    let push = |id: &str| {
        let body =
            format!("{{\"id\": \"{id}\", \"subject\": \"{OTHER}\", \"behaviour\": \"unpaid-shared-bike-ride\", \"at\": \"{at}\"}}\n");
        let request = server
            .client
            .post(server.url("/api/v1/partners/records?batch_id=twice"))
            .bearer_auth(&partner)
            .header("content-type", "application/x-ndjson")
            .body(body);
        async move {
            let response = request.send().await.unwrap();
            assert_eq!(response.status().as_u16(), 200);
            response.json::<serde_json::Value>().await.unwrap()
        }
    };
    let (first, second) = tokio::join!(push("twice-1"), push("twice-2"));
    let replays = [&first, &second].iter().filter(|receipt| receipt["replayed"] == true).count();
    assert_eq!(replays, 1, "{first} {second}");
    let (_, receipts) = server.call(Some(Role::Auditor), "GET", "/api/v1/partners/batches", None).await;
    assert_eq!(receipts["batches"].as_array().unwrap().len(), 1, "{receipts}");
    let (_, file) = server.call(Some(Role::Reviewer), "GET", &format!("/api/v1/subjects/{OTHER}/file"), None).await;
    let stored = file.to_string().matches("twice-").count();
    assert!(stored > 0 && !(file.to_string().contains("twice-1") && file.to_string().contains("twice-2")), "one batch's record: {file}");
    server.stop().await;
}

on_both_backends!(
    providers_decide_for_today_only,
    evidence_uploads_have_a_daily_quota_per_account,
    a_partner_feed_moves_a_score_only_so_far_in_a_day,
    a_batch_id_sent_twice_at_once_is_stored_once
);
