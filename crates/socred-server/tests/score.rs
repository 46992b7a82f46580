//! The commercial score over HTTP: the subject's own, a partner's only with
//! consent (none, given, withdrawn), each partner view on the subject's
//! access log, refusals that tell nothing of another subject, and the portal
//! page with its consent forms in both languages.

use crate::common;

use common::{Backend, OTHER, PERSON, TestServer, browser, csrf_of, sign_in};
use serde_json::json;
use socred_auth::Role;

async fn send(server: &TestServer, token: &str, method: &str, path: &str, body: Option<serde_json::Value>) -> (u16, serde_json::Value) {
    server.call_as(Some(token), method, path, body).await
}

async fn a_partner_sees_a_score_only_with_consent(backend: Backend) {
    let mut server = TestServer::start_on(backend).await;
    let path = format!("/api/v1/subjects/{PERSON}/commercial-score");
    let (status, own) = server.call(Some(Role::Subject), "GET", &path, None).await;
    assert_eq!(status, 200, "{own}");
    let score = own["score"].as_i64().unwrap();
    assert!((350..=950).contains(&score), "{own}");
    assert_eq!(own["reasons"][0]["reason_code"], "CH01", "the judgment default costs the most: {own}");
    assert_eq!(own["scorecard"], "default 2026.1");

    // Nobody else without consent: another subject, staff, the provider and the partner.
    let other_subject = server.token_for("subject-2");
    assert_eq!(send(&server, &other_subject, "GET", &path, None).await.0, 403);
    for role in [Role::Officer, Role::Reviewer, Role::Auditor, Role::Admin, Role::Provider, Role::Partner] {
        let (status, body) = server.call(Some(role), "GET", &path, None).await;
        assert_eq!(status, 403, "{role:?}: {body}");
    }
    // The refusal is the same whether or not the subject exists, and names nobody.
    let (_, refused) = server.call(Some(Role::Provider), "GET", &path, None).await;
    let (status, unknown) = server.call(Some(Role::Provider), "GET", "/api/v1/subjects/11010519900307451X/commercial-score", None).await;
    assert_eq!((status, &unknown), (403, &refused));
    assert!(!refused.to_string().contains(PERSON), "{refused}");

    // Given: the provider sees what the subject sees, and the view is on the access log.
    let subject = server.token(Role::Subject).to_string();
    let (status, given) = send(&server, &subject, "POST", "/api/v1/me/consents", Some(json!({"partner": "provider-1", "id": "c-1"}))).await;
    assert_eq!(status, 201, "{given}");
    assert_eq!(given["action"], "consent.give");
    let (status, again) = send(&server, &subject, "POST", "/api/v1/me/consents", Some(json!({"partner": "provider-1", "id": "c-1"}))).await;
    assert_eq!((status, again["result"]["outcome"].as_str()), (200, Some("duplicate")), "{again}");
    let (status, twice) = send(&server, &subject, "POST", "/api/v1/me/consents", Some(json!({"partner": "provider-1"}))).await;
    assert_eq!((status, twice["error"]["field"].as_str()), (422, Some("partner")), "{twice}");
    let (status, seen) = server.call(Some(Role::Provider), "GET", &path, None).await;
    assert_eq!((status, seen["score"].as_i64()), (200, Some(score)), "{seen}");
    // The score, the card and the reasons' codes: nothing of the records behind them.
    assert_eq!(seen["reasons"][0]["reason_code"], "CH01", "{seen}");
    for hidden in ["characteristics", "dimensions"] {
        assert!(seen.get(hidden).is_none(), "{hidden}: {seen}");
    }
    assert!(seen["reasons"][0].get("points_lost").is_none(), "{seen}");
    // Today's only: a past day's would date the records.
    let (status, refused) = server.call(Some(Role::Provider), "GET", &format!("{path}?as_of=2025-06-01"), None).await;
    assert_eq!((status, refused["error"]["field"].as_str()), (422, Some("as_of")), "{refused}");
    assert_eq!(server.call(Some(Role::Partner), "GET", &path, None).await.0, 403, "consent is to one account");
    let (_, file) = server.call(Some(Role::Subject), "GET", &format!("/api/v1/subjects/{PERSON}/file"), None).await;
    let accesses = file["accesses"].to_string();
    assert!(accesses.contains("provider-1") && accesses.contains("commercial-score"), "{accesses}");
    let (status, listed) = send(&server, &subject, "GET", "/api/v1/me/consents", None).await;
    assert_eq!((status, listed["consents"][0]["partner"].as_str()), (200, Some("provider-1")), "{listed}");
    assert!(listed["consents"][0].get("withdrawn_on").is_none());
    // The act is in the subject's file, on the log.
    server.verify_against(None);

    // Withdrawn: refused again at once.
    let (status, _) = send(&server, &subject, "POST", "/api/v1/me/consents/withdraw", Some(json!({"partner": "provider-1"}))).await;
    assert_eq!(status, 201);
    assert_eq!(server.call(Some(Role::Provider), "GET", &path, None).await.0, 403);
    let (_, listed) = send(&server, &subject, "GET", "/api/v1/me/consents", None).await;
    assert!(listed["consents"][0]["withdrawn_on"].is_string(), "{listed}");

    // Garbage and wrong partners change nothing.
    let before = server.fingerprint();
    for (body, field) in [
        (json!({"partner": "officer-1"}), "partner"),
        (json!({"partner": "nobody-at-all"}), "partner"),
        (json!({"partner": "has spaces"}), "partner"),
        (json!({"partner": "provider-1", "id": "bad id!"}), "id"),
    ] {
        let (status, refused) = send(&server, &subject, "POST", "/api/v1/me/consents", Some(body.clone())).await;
        assert_eq!((status, refused["error"]["field"].as_str()), (422, Some(field)), "{body}: {refused}");
    }
    let (status, _) = send(&server, &subject, "POST", "/api/v1/me/consents/withdraw", Some(json!({"partner": "provider-1"}))).await;
    assert_eq!(status, 422, "no consent in force");
    let (status, _) =
        send(&server, &subject, "POST", "/api/v1/me/consents", Some(json!({"partner": "provider-1", "on": "2020-01-01"}))).await;
    assert_eq!(status, 422, "a client's date is refused");
    let (status, _) = server.call(Some(Role::Subject), "GET", &format!("{path}?as_of=2025-02-29"), None).await;
    assert_eq!(status, 422);
    let (status, _) = server.call(Some(Role::Subject), "GET", &format!("/api/v1/subjects/{OTHER}/commercial-score"), None).await;
    assert_eq!(status, 403);
    assert_eq!(server.fingerprint(), before);
    server.stop().await;
}

async fn the_portal_shows_the_score_its_reasons_and_the_consents(backend: Backend) {
    let mut server = TestServer::start_on(backend).await;
    for (language, parts) in [
        ("en", ["Commercial credit score", "Main reasons your score is not higher", "CH01", "What would change it", "Give consent"]),
        ("zh-CN", ["商业信用分", "评分未能更高的主要原因", "CH01", "如何改变评分", "授权查看"]),
    ] {
        let client = browser(language);
        sign_in(&server, &client, Role::Subject).await;
        let page = client.get(server.url("/me/score")).send().await.unwrap().text().await.unwrap();
        for part in parts {
            assert!(page.contains(part), "{language}: {part:?}");
        }
        if language == "en" {
            let csrf = csrf_of(&page);
            let post = |path: &'static str, csrf: String, partner: &'static str| {
                let request = client.post(server.url(path)).form(&[("csrf", csrf), ("partner", partner.to_string())]);
                async move { request.send().await.unwrap().status().as_u16() }
            };
            assert_eq!(post("/me/score/consents", csrf.clone(), "provider-1").await, 303);
            let page = client.get(server.url("/me/score")).send().await.unwrap().text().await.unwrap();
            assert!(page.contains("Consent given to provider-1.") && page.contains("provider-1: in force since"), "{page}");
            assert_eq!(post("/me/score/consents", "forged".into(), "partner-1").await, 403, "a forged form is refused");
            assert_eq!(post("/me/score/consents/withdraw", csrf, "provider-1").await, 303);
            let page = client.get(server.url("/me/score")).send().await.unwrap().text().await.unwrap();
            assert!(page.contains("Consent to provider-1 withdrawn.") && page.contains("withdrawn on"), "{page}");
        }
    }
    server.stop().await;
}

on_both_backends!(a_partner_sees_a_score_only_with_consent, the_portal_shows_the_score_its_reasons_and_the_consents);
