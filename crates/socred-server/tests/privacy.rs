//! Leaks, tried as the people who must not learn: the public, an officer or a
//! partner of another authority. Each attack asserts the refusal (or the
//! harmless answer), that nothing stored changed, and that the answer holds
//! nothing of another subject.

use crate::common;

use common::{Backend, OTHER, PERSON, TestServer};
use serde_json::json;
use socred_auth::Role;

fn date_text(day: socred_core::Date) -> String {
    socred_core::date::format_date(day)
}

/// Every run of 18 identity-number characters in `text` that is a valid number.
fn full_numbers_in(text: &str) -> Vec<String> {
    let bytes = text.as_bytes();
    (0..bytes.len().saturating_sub(17))
        .filter_map(|start| std::str::from_utf8(&bytes[start..start + 18]).ok())
        .filter(|window| socred_core::SubjectId::parse(window).is_ok())
        .map(str::to_string)
        .collect()
}

async fn the_public_list_names_no_full_number_and_is_no_oracle(backend: Backend) {
    let mut server = TestServer::start_live_on(backend).await;
    let today = socred_core::date::Moment::from(time::OffsetDateTime::now_utc()).day;
    // A crime puts Zhao Lei in tier D: a tier-triggered blacklist entry.
    let (status, body) = server
        .call(
            Some(Role::Officer),
            "POST",
            "/api/v1/records",
            Some(json!({"subject": OTHER, "behaviour": "intentional-crime", "at": date_text(today - time::Duration::days(20)), "id": "crime-1"})),
        )
        .await;
    assert_eq!(status, 201, "{body}");
    let later = date_text(today + time::Duration::days(200));
    let (status, listed) = server.call(None, "GET", &format!("/api/v1/lists/public?as_of={later}"), None).await;
    assert_eq!(status, 200, "{listed}");
    let entries = listed.as_array().unwrap();
    let tier_entry = entries.iter().find(|e| e["masked_id"] == "440524********0013").expect("the tier-triggered entry is listed");
    assert!(full_numbers_in(&listed.to_string()).is_empty(), "a full number on the public list: {listed}");
    // The public sees an alias, not the entry id the subject and staff see (which names a reference).
    let (_, file) = server.call(Some(Role::Reviewer), "GET", &format!("/api/v1/subjects/{OTHER}/file"), None).await;
    let internal =
        file["list_entries"].as_array().unwrap().iter().find(|e| e["list"] == "blacklist").unwrap()["id"].as_str().unwrap().to_string();
    assert!(internal.contains('@') && !internal.contains(OTHER), "the tier entry's id names a reference: {internal}");
    let alias = tier_entry["entry"].as_str().unwrap();
    assert!(alias.starts_with("e-") && alias != internal && !listed.to_string().contains(&internal), "{alias} vs {internal}");
    // Record and case ids chosen by clients never reach the public either.
    let (status, _) = server
        .call(
            Some(Role::Reviewer),
            "POST",
            "/api/v1/lists/proposals",
            Some(json!({"subject": OTHER, "list": "blacklist", "legal_basis": "Law X", "facts": "Y", "case_id": format!("p-{OTHER}")})),
        )
        .await;
    assert_eq!(status, 422, "a case id carrying a number is refused");

    let before = server.fingerprint();
    // A full number is refused, never matched: no guess can be tested.
    for search in [OTHER, &OTHER.to_lowercase(), &format!("Zhao {OTHER}")] {
        let (status, refused) = server.call(None, "GET", &format!("/api/v1/lists/public?as_of={later}&search={search}"), None).await;
        assert_eq!((status, refused["error"]["field"].as_str()), (422, Some("search")), "{search}: {refused}");
        assert!(full_numbers_in(&refused.to_string()).iter().all(|n| n == &search.to_uppercase()), "{refused}");
    }
    // A wrong guess of the hidden digits and the right one answer alike.
    let (_, found) = server.call(None, "GET", &format!("/api/v1/lists/public?as_of={later}&search=440524********0013"), None).await;
    assert_eq!(found.as_array().unwrap().len(), entries.iter().filter(|e| e["masked_id"] == "440524********0013").count());
    let (_, by_name) = server.call(None, "GET", &format!("/api/v1/lists/public?as_of={later}&search=Zhao"), None).await;
    assert!(!by_name.as_array().unwrap().is_empty());
    let (status, bad_mask) = server.call(None, "GET", "/api/v1/lists/public?search=440524**0013", None).await;
    assert_eq!((status, bad_mask["error"]["field"].as_str()), (422, Some("search")));
    assert_eq!(server.fingerprint(), before, "searching stores nothing");

    // Anonymous searches are limited per address; signed-in staff are not.
    let mut statuses = Vec::new();
    for _ in 0..40 {
        statuses.push(server.call(None, "GET", "/api/v1/lists/public?search=Zhao", None).await.0);
    }
    assert!(statuses.contains(&429), "{statuses:?}");
    let (status, limited) = server.call(None, "GET", "/api/v1/lists/public?search=Zhao", None).await;
    assert_eq!(
        (status, limited["error"]["code"].as_str(), limited["error"]["field"].as_str()),
        (429, Some("rate_limited"), Some("search"))
    );
    let (status, _) = server.call(Some(Role::Officer), "GET", "/api/v1/lists/public?search=Zhao", None).await;
    assert_eq!(status, 200);
    let (status, _) = server.call(None, "GET", "/api/v1/lists/public", None).await;
    assert_eq!(status, 200, "browsing the list is not limited");
    server.stop().await;
}

async fn a_taken_record_id_says_only_that_it_is_taken(backend: Backend) {
    let mut server = TestServer::start_live_on(backend).await;
    let before = server.fingerprint();
    // tax-1 is Li Ming's record; an officer guessing at ids learns nothing of him.
    let guess = json!({"subject": OTHER, "behaviour": "jaywalking", "at": date_text(server.tax_on), "id": "tax-1"});
    let (status, single) = server.call(Some(Role::Officer), "POST", "/api/v1/records", Some(guess.clone())).await;
    assert_eq!(status, 409, "{single}");
    let (status, batch) =
        server.call(Some(Role::Officer), "POST", "/api/v1/records/batch", Some(json!({"records": [guess], "skip_invalid": true}))).await;
    assert!(status < 500, "{batch}");
    for answer in [&single, &batch] {
        let text = answer.to_string();
        assert!(text.contains("taken"), "{text}");
        for secret in [PERSON, "Li Ming", "tax-evasion", "110101"] {
            assert!(!text.contains(secret), "the answer names {secret}: {text}");
        }
    }
    // Ids chosen by clients carry no identity number: they are shown where numbers must not be.
    let (status, refused) = server
        .call(
            Some(Role::Officer),
            "POST",
            "/api/v1/records",
            Some(json!({"subject": OTHER, "behaviour": "jaywalking", "at": date_text(server.tax_on), "id": format!("tax-{OTHER}")})),
        )
        .await;
    assert_eq!((status, refused["error"]["field"].as_str()), (422, Some("id")), "{refused}");
    assert_eq!(server.fingerprint(), before, "nothing stored");
    server.stop().await;
}

async fn staff_listings_reach_the_subjects_access_log(backend: Backend) {
    let mut server = TestServer::start_live_on(backend).await;
    let (status, found) = server.call(Some(Role::Officer), "GET", "/api/v1/subjects?search=Zhao", None).await;
    assert_eq!(status, 200, "{found}");
    assert!(found.to_string().contains(OTHER));
    let (_, file) = server.call(Some(Role::Reviewer), "GET", &format!("/api/v1/subjects/{OTHER}/file"), None).await;
    let accesses = file["accesses"].as_array().unwrap();
    assert!(
        accesses.iter().any(|a| a["actor"] == "officer-1" && a["purpose"] == "subject search"),
        "a search result is a read of the subject: {accesses:?}"
    );

    // A dispute puts Li Ming in the reviewers' queue; reading the queue is logged to him.
    let (status, body) =
        server.call(Some(Role::Subject), "POST", "/api/v1/disputes", Some(json!({"record": "tax-1", "grounds": "not me"}))).await;
    assert_eq!(status, 201, "{body}");
    let (status, _) = server.call(Some(Role::Reviewer), "GET", "/api/v1/queue", None).await;
    assert_eq!(status, 200);
    let (_, file) = server.call(Some(Role::Subject), "GET", &format!("/api/v1/subjects/{PERSON}/file"), None).await;
    assert!(
        file["accesses"].as_array().unwrap().iter().any(|a| a["actor"] == "reviewer-1" && a["purpose"] == "reviewers' queue"),
        "{}",
        file["accesses"]
    );
    server.stop().await;
}

async fn personal_answers_are_not_cached_and_metrics_are_not_public(backend: Backend) {
    let mut server = TestServer::start_live_on(backend).await;
    for path in [format!("/api/v1/subjects/{PERSON}"), "/api/v1/me".to_string()] {
        let response = server.client.get(server.url(&path)).bearer_auth(server.token(Role::Subject)).send().await.unwrap();
        assert_eq!(response.headers()["cache-control"], "no-store", "{path}");
    }
    let page = server.client.get(server.url("/me")).bearer_auth(server.token(Role::Subject)).send().await.unwrap();
    assert_eq!(page.headers()["cache-control"], "no-store");
    assert_eq!(server.client.get(server.url("/metrics")).send().await.unwrap().status().as_u16(), 401);
    let metrics = server.client.get(server.url("/metrics")).bearer_auth(server.token(Role::Provider)).send().await.unwrap();
    assert_eq!(metrics.status().as_u16(), 403);
    let metrics = server.client.get(server.url("/metrics")).bearer_auth(server.token(Role::Auditor)).send().await.unwrap();
    assert_eq!(metrics.status().as_u16(), 200);
    server.stop().await;
}

on_both_backends!(
    the_public_list_names_no_full_number_and_is_no_oracle,
    a_taken_record_id_says_only_that_it_is_taken,
    staff_listings_reach_the_subjects_access_log,
    personal_answers_are_not_cached_and_metrics_are_not_public
);
