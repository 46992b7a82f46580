//! What the server answers is what it logged and what the ledger holds: a
//! damaged row fails its one subject, not the server; another process's
//! writes reach the check answers; a check log that cannot be written stops
//! checks instead of answering them unlogged.

use crate::common;

use std::time::{Duration, Instant};

use common::{OTHER, PERSON, TestServer};
use serde_json::json;
use socred_auth::Role;
use socred_core::date::format_date;
use socred_core::record::{Record, RecordId};

async fn provider(server: &TestServer, username: &str, services: &[&str]) -> String {
    let (status, body) = server
        .call(Some(Role::Admin), "POST", "/api/v1/accounts", Some(json!({"username": username, "role": "provider", "services": services})))
        .await;
    assert_eq!(status, 201, "{body}");
    server.token_for(username)
}

async fn check(server: &TestServer, token: &str, subject: &str, service: &str) -> (u16, serde_json::Value) {
    let response = server
        .client
        .post(server.url("/api/v1/checks"))
        .bearer_auth(token)
        .json(&json!({"subject": subject, "service": service}))
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(serde_json::Value::Null))
}

#[tokio::test]
async fn a_damaged_row_fails_its_subject_not_the_server() {
    let mut server = TestServer::start_live().await;
    let hiring = provider(&server, "ministry", &["public-sector-hiring"]).await;
    server.stop().await;
    // A day number no calendar has, in a row of PERSON (equal in both columns, so the schema's check
    // passes); and the derived tables dropped, as a rebuild would, so the file must be read again.
    socred_store::Store::open(&server.db)
        .unwrap()
        .raw_connection_for_tests()
        .execute_batch(
            "UPDATE records SET occurred_on = 99999999, recorded_day = 99999999 WHERE record_id = 'tax-1';
             DELETE FROM assessment_cache; DELETE FROM entries; INSERT OR IGNORE INTO dirty (subject) SELECT key FROM subjects;",
        )
        .unwrap();
    server.restart().await;
    let (status, _) = server.call(None, "GET", "/healthz", None).await;
    assert_eq!(status, 200, "the server starts");
    let (status, answer) = check(&server, &hiring, OTHER, "public-sector-hiring").await;
    assert_eq!((status, answer["decision"].as_str()), (200, Some("allow")), "every other subject is served");
    let (status, answer) = check(&server, &hiring, PERSON, "public-sector-hiring").await;
    assert_eq!(status, 500, "{answer}");
    let message = answer["error"]["message"].as_str().unwrap();
    assert!(
        message.contains("damaged") && !message.contains("tax-1") && !message.contains(PERSON),
        "clear, and nothing of the file: {message}"
    );
    let (status, _) = server.call(Some(Role::Auditor), "GET", &format!("/api/v1/subjects/{PERSON}"), None).await;
    assert_eq!(status, 500);
    // The writer still writes for everyone else.
    let (status, body) = server
        .call(
            Some(Role::Officer),
            "POST",
            "/api/v1/records",
            Some(json!({"subject": OTHER, "behaviour": "jaywalking", "at": "2026-01-05"})),
        )
        .await;
    assert_eq!(status, 201, "{body}");
    server.stop().await;
}

#[tokio::test]
async fn another_process_s_writes_reach_the_check_answers() {
    let mut server = TestServer::start_live().await;
    let hiring = provider(&server, "ministry", &["public-sector-hiring"]).await;
    assert_eq!(check(&server, &hiring, OTHER, "public-sector-hiring").await.1["decision"], "allow");
    // Another process (a CLI, an import) records a conviction: tier D at once, and the hiring measure with it.
    {
        let mut other_process = socred_store::Store::open(&server.db).unwrap();
        let actor = other_process.actor("court-clerk").unwrap();
        let record = Record {
            id: RecordId::parse("crime-1").unwrap(),
            subject: OTHER.parse().unwrap(),
            behaviour: "intentional-crime".into(),
            occurred_on: actor.today(),
            source: "Intermediate People's Court".into(),
            evidence: Some(format!("judgment of {}", format_date(actor.today()))),
        };
        other_process.add_record(&record, &actor).unwrap();
    }
    let written = Instant::now();
    loop {
        let (status, answer) = check(&server, &hiring, OTHER, "public-sector-hiring").await;
        assert_eq!(status, 200);
        if answer["decision"] == "deny" {
            break;
        }
        assert!(written.elapsed() < Duration::from_secs(10), "the server never saw the other process's write");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    server.stop().await;
}

#[tokio::test]
async fn checks_stop_rather_than_go_unlogged_when_the_log_cannot_be_written() {
    let mut server = TestServer::start_live().await;
    let airline = provider(&server, "airline", &["civil-aviation"]).await;
    let running = server.db.clone();
    let store_before = socred_store::Store::open_read_only(&running).unwrap().checks_logged().unwrap();
    // Make the writer's database unable to grow, as a full disk would.
    server_db(&server).simulate_full_disk_for_tests(true).await.unwrap();
    let mut answered = 0u64;
    let mut refused = 0u64;
    let started = Instant::now();
    while refused == 0 {
        match check(&server, &airline, PERSON, "civil-aviation").await.0 {
            200 => answered += 1,
            503 => refused += 1,
            other => panic!("unexpected status {other}"),
        }
        assert!(started.elapsed() < Duration::from_secs(20), "checks never stopped while the log failed");
    }
    for _ in 0..5 {
        assert_eq!(check(&server, &airline, PERSON, "civil-aviation").await.0, 503, "no check is answered while the log fails");
    }
    let (_, metrics) = server.call(Some(Role::Auditor), "GET", "/metrics", None).await;
    assert!(metrics.as_str().unwrap().contains("socred_check_log_failing 1"), "{metrics}");
    // The disk has room again: the held checks are committed and checks resume.
    server_db(&server).simulate_full_disk_for_tests(false).await.unwrap();
    let resumed = Instant::now();
    loop {
        let (status, _) = check(&server, &airline, PERSON, "civil-aviation").await;
        if status == 200 {
            answered += 1;
            break;
        }
        assert!(resumed.elapsed() < Duration::from_secs(10), "checks never resumed");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    server.stop().await;
    let logged = socred_store::Store::open_read_only(&running).unwrap().checks_logged().unwrap() - store_before;
    assert_eq!(logged, answered as i64, "every answered check is in the log, none that was refused");
}

fn server_db(server: &TestServer) -> std::sync::Arc<socred_server::db::Db> {
    server.server.as_ref().unwrap().db()
}
