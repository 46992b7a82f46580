//! Conflicts of interest are judged on the person an account names, by one
//! rule, for every official act; one subject account per person.

use crate::common;

use common::{Backend, GUARDIAN, OTHER, PERSON, TestServer};
use serde_json::json;
use socred_auth::Role;

async fn call_as(server: &TestServer, token: &str, method: &str, path: &str, body: serde_json::Value) -> (u16, serde_json::Value) {
    let response = server.client.request(method.parse().unwrap(), server.url(path)).bearer_auth(token).json(&body).send().await.unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or_default())
}

async fn staff_account(server: &TestServer, username: &str, role: &str, person: &str, authority: Option<&str>) -> String {
    let mut body = json!({"username": username, "role": role, "subject": person});
    if let Some(authority) = authority {
        body["authority"] = json!(authority);
    }
    let (status, created) = server.call(Some(Role::Admin), "POST", "/api/v1/accounts", Some(body)).await;
    assert_eq!(status, 201, "{created}");
    server.token_for(username)
}

async fn a_reviewer_who_is_the_person_or_linked_to_them_decides_nothing_of_theirs(backend: Backend) {
    let mut server = TestServer::start_live_on(backend).await;
    let (status, dispute) =
        server.call(Some(Role::Subject), "POST", "/api/v1/disputes", Some(json!({"record": "tax-1", "grounds": "not me"}))).await;
    assert_eq!(status, 201, "{dispute}");
    let dispute_id = dispute["id"].as_str().unwrap().to_string();

    let himself = staff_account(&server, "reviewer-li", "reviewer", PERSON, None).await;
    let his_guardian = staff_account(&server, "reviewer-wang", "reviewer", GUARDIAN, None).await;
    let stranger = staff_account(&server, "reviewer-zhao", "reviewer", OTHER, None).await;
    let officer = staff_account(&server, "officer-li", "officer", PERSON, Some(common::AUTHORITY)).await;
    let before = server.fingerprint();
    let decision = json!({"outcome": "uphold", "reasons": "the record is wrong"});
    for token in [&himself, &his_guardian] {
        let (status, refused) = call_as(&server, token, "POST", &format!("/api/v1/disputes/{dispute_id}/decision"), decision.clone()).await;
        assert_eq!((status, refused["error"]["field"].as_str()), (422, Some("actor")), "{refused}");
        assert!(refused["error"]["message"].as_str().unwrap().contains("conflict of interest"), "{refused}");
    }
    // An officer who is the person records and voids nothing on their own file.
    let (status, refused) = call_as(&server, &officer, "POST", "/api/v1/records/tax-1/void", json!({"reason": "mine"})).await;
    assert_eq!((status, refused["error"]["field"].as_str()), (422, Some("actor")), "{refused}");
    let own = json!({"subject": PERSON, "behaviour": "jaywalking", "at": "2025-07-01", "id": "own-1"});
    let (status, refused) = call_as(&server, &officer, "POST", "/api/v1/records", own).await;
    assert_eq!((status, refused["error"]["field"].as_str()), (422, Some("actor")), "{refused}");
    assert!(refused["error"]["message"].as_str().unwrap().contains("the subject of this file"), "{refused}");
    assert_eq!(server.fingerprint(), before, "no conflicted act is stored");

    let (status, decided) = call_as(&server, &stranger, "POST", &format!("/api/v1/disputes/{dispute_id}/decision"), decision).await;
    assert_eq!(status, 201, "a reviewer with no link decides: {decided}");
    server.stop().await;
}

async fn one_subject_account_per_person_and_the_person_sees_each_account_that_names_them(backend: Backend) {
    let mut server = TestServer::start_live_on(backend).await;
    let before = server.fingerprint();
    // subject-1 already is Li Ming's account: a second would read his file unlogged.
    let (status, refused) = server
        .call(
            Some(Role::Admin),
            "POST",
            "/api/v1/accounts",
            Some(json!({"username": "li-ming-again", "role": "subject", "subject": PERSON, "password": "a sufficiently long passphrase"})),
        )
        .await;
    assert_eq!(status, 409, "{refused}");
    assert_eq!(server.fingerprint(), before);
    staff_account(&server, "reviewer-li", "reviewer", PERSON, None).await;
    let (_, file) = server.call(Some(Role::Subject), "GET", &format!("/api/v1/subjects/{PERSON}/file"), None).await;
    let accesses = file["accesses"].as_array().unwrap();
    assert!(
        accesses.iter().any(|a| a["actor"] == "admin-1" && a["what"].as_str().unwrap().contains("reviewer-li")),
        "the account that names him is in his file: {accesses:?}"
    );
    server.stop().await;
}

on_both_backends!(
    a_reviewer_who_is_the_person_or_linked_to_them_decides_nothing_of_theirs,
    one_subject_account_per_person_and_the_person_sees_each_account_that_names_them
);
