//! Every route × every role: allowed, or 403 (authenticated) / 401 (anonymous).
//! A route missing from this table fails the test, so none can skip it.

use crate::common;

use common::{Backend, ORG, OTHER, PERSON, TestServer};
use serde_json::json;
use socred_auth::Role;

struct Route {
    method: &'static str,
    path: String,
    /// The OpenAPI path template this exercises.
    template: &'static str,
    body: Option<serde_json::Value>,
    /// None: public. Some: the roles allowed.
    allowed: Option<Vec<Role>>,
}

fn route(
    method: &'static str,
    template: &'static str,
    path: impl Into<String>,
    body: Option<serde_json::Value>,
    allowed: Option<&[Role]>,
) -> Route {
    Route { method, path: path.into(), template, body, allowed: allowed.map(|a| a.to_vec()) }
}

fn routes() -> Vec<Route> {
    use Role::*;
    let entry = "blacklist:jd-1";
    let readers: &[Role] = &[Subject, Officer, Reviewer, Auditor, Admin];
    let everyone: &[Role] = &Role::ALL;
    vec![
        route(
            "POST",
            "/api/v1/subjects",
            "/api/v1/subjects",
            Some(json!({"id": ORG, "name": "Fuzhou Example Co."})),
            Some(&[Officer, Admin]),
        ),
        route("GET", "/api/v1/subjects", "/api/v1/subjects?search=Li", None, Some(&[Officer, Reviewer, Auditor, Admin])),
        route("GET", "/api/v1/subjects/{id}", format!("/api/v1/subjects/{PERSON}?as_of=2025-06-01"), None, Some(readers)),
        route("GET", "/api/v1/subjects/{id}/explanation", format!("/api/v1/subjects/{PERSON}/explanation"), None, Some(readers)),
        route("GET", "/api/v1/subjects/{id}/file", format!("/api/v1/subjects/{PERSON}/file"), None, Some(readers)),
        route("GET", "/api/v1/subjects/{id}/timeline", format!("/api/v1/subjects/{PERSON}/timeline"), None, Some(readers)),
        route("GET", "/api/v1/subjects/{id}/mail", format!("/api/v1/subjects/{PERSON}/mail?lang=zh-CN"), None, Some(readers)),
        // Before any consent is given: a provider or partner is refused as any other role is.
        route(
            "GET",
            "/api/v1/subjects/{id}/commercial-score",
            format!("/api/v1/subjects/{PERSON}/commercial-score"),
            None,
            Some(&[Subject]),
        ),
        route("GET", "/api/v1/me/consents", "/api/v1/me/consents", None, Some(&[Subject])),
        route("POST", "/api/v1/me/consents", "/api/v1/me/consents", Some(json!({"partner": "provider-1"})), Some(&[Subject])),
        route(
            "POST",
            "/api/v1/me/consents/withdraw",
            "/api/v1/me/consents/withdraw",
            Some(json!({"partner": "partner-1"})),
            Some(&[Subject]),
        ),
        route(
            "POST",
            "/api/v1/records",
            "/api/v1/records",
            Some(json!({"subject": PERSON, "behaviour": "jaywalking", "at": "2025-01-01", "id": "m-1"})),
            Some(&[Officer]),
        ),
        route(
            "POST",
            "/api/v1/records/batch",
            "/api/v1/records/batch",
            Some(json!({"records": [{"subject": PERSON, "behaviour": "jaywalking", "at": "2025-01-02", "id": "m-2"}]})),
            Some(&[Officer]),
        ),
        route("POST", "/api/v1/records/{id}/void", "/api/v1/records/m-1/void", Some(json!({"reason": "entered twice"})), Some(&[Officer])),
        route("GET", "/api/v1/lists/public", "/api/v1/lists/public", None, None),
        route(
            "POST",
            "/api/v1/lists/proposals",
            "/api/v1/lists/proposals",
            Some(json!({"subject": PERSON, "list": "blacklist", "legal_basis": "Law X", "facts": "Y", "case_id": "p-1"})),
            Some(&[Officer, Reviewer]),
        ),
        route("GET", "/api/v1/lists/entries/{entry}", format!("/api/v1/lists/entries/{entry}"), None, Some(readers)),
        route("GET", "/api/v1/lists/entries/{entry}/notice", format!("/api/v1/lists/entries/{entry}/notice"), None, Some(readers)),
        route(
            "POST",
            "/api/v1/lists/entries/{entry}/notice",
            format!("/api/v1/lists/entries/{entry}/notice"),
            Some(json!({})),
            Some(&[Officer, Reviewer]),
        ),
        route(
            "POST",
            "/api/v1/lists/entries/{entry}/withdrawal",
            format!("/api/v1/lists/entries/{entry}/withdrawal"),
            Some(json!({"reason": "r"})),
            Some(&[Reviewer]),
        ),
        route("POST", "/api/v1/appeals", "/api/v1/appeals", Some(json!({"entry": entry, "grounds": "paid"})), Some(&[Subject])),
        route(
            "POST",
            "/api/v1/appeals/{id}/decision",
            "/api/v1/appeals/none/decision",
            Some(json!({"outcome": "uphold", "reasons": "r"})),
            Some(&[Reviewer]),
        ),
        route(
            "POST",
            "/api/v1/disputes",
            "/api/v1/disputes",
            Some(json!({"record": "tax-1", "grounds": "not me", "dispute_id": "d-m"})),
            Some(&[Subject]),
        ),
        route(
            "POST",
            "/api/v1/disputes/{id}/decision",
            "/api/v1/disputes/none/decision",
            Some(json!({"outcome": "reject", "reasons": "r"})),
            Some(&[Reviewer]),
        ),
        route(
            "POST",
            "/api/v1/repairs",
            "/api/v1/repairs",
            Some(json!({"entry": entry, "evidence": "paid", "commitment": "c"})),
            Some(&[Subject]),
        ),
        route(
            "POST",
            "/api/v1/repairs/{id}/decision",
            "/api/v1/repairs/none/decision",
            Some(json!({"outcome": "approve", "reasons": "r"})),
            Some(&[Reviewer]),
        ),
        route("GET", "/api/v1/queue", "/api/v1/queue", None, Some(&[Reviewer, Auditor])),
        route("POST", "/api/v1/checks", "/api/v1/checks", Some(json!({"subject": PERSON, "service": "civil-aviation"})), Some(&[Provider])),
        route(
            "POST",
            "/api/v1/checks/batch",
            "/api/v1/checks/batch",
            Some(json!({"checks": [{"subject": PERSON, "service": "civil-aviation"}]})),
            Some(&[Provider]),
        ),
        route(
            "POST",
            "/api/v1/evidence",
            "/api/v1/evidence",
            Some(json!("a note of what I saw")),
            Some(&[Subject, Officer, Reviewer, Auditor, Admin]),
        ),
        route("GET", "/api/v1/evidence/{hash}", format!("/api/v1/evidence/{}", "0".repeat(64)), None, Some(&[Subject, Reviewer, Auditor])),
        route(
            "POST",
            "/api/v1/reports",
            "/api/v1/reports",
            Some(
                json!({"id": "m-r", "subject": OTHER, "behaviour": "jaywalking", "occurred_on": "2025-01-01", "description": "crossed on red"}),
            ),
            Some(&[Subject, Officer, Reviewer, Auditor, Admin]),
        ),
        route("GET", "/api/v1/reports", "/api/v1/reports", None, Some(&[Subject, Reviewer, Auditor])),
        route("GET", "/api/v1/reports/{id}", "/api/v1/reports/none", None, Some(&[Subject, Reviewer, Auditor])),
        route("POST", "/api/v1/reports/{id}/review", "/api/v1/reports/none/review", None, Some(&[Reviewer])),
        route(
            "POST",
            "/api/v1/reports/{id}/decision",
            "/api/v1/reports/none/decision",
            Some(json!({"outcome": "rejected", "reasons": "r"})),
            Some(&[Reviewer]),
        ),
        route("POST", "/api/v1/partners/records", "/api/v1/partners/records", Some(json!({})), Some(&[Partner])),
        route("GET", "/api/v1/partners/batches", "/api/v1/partners/batches", None, Some(&[Partner, Reviewer, Auditor])),
        route("GET", "/api/v1/partners/pending", "/api/v1/partners/pending", None, Some(&[Reviewer])),
        route(
            "POST",
            "/api/v1/partners/pending/{id}/decision",
            "/api/v1/partners/pending/none/decision",
            Some(json!({"outcome": "confirm", "reasons": "r"})),
            Some(&[Reviewer]),
        ),
        route("GET", "/api/v1/audit", "/api/v1/audit", None, Some(&[Auditor, Admin])),
        route("GET", "/api/v1/audit/verify", "/api/v1/audit/verify", None, Some(&[Auditor, Admin])),
        route("GET", "/api/v1/log/checkpoint", "/api/v1/log/checkpoint", None, None),
        route("GET", "/api/v1/log/verifier-key", "/api/v1/log/verifier-key", None, None),
        route("GET", "/api/v1/log/proof", "/api/v1/log/proof?record=m-1", None, Some(&[Subject, Auditor, Admin])),
        route("POST", "/api/v1/log/proof/verify", "/api/v1/log/proof/verify", Some(json!({})), None),
        route("GET", "/api/v1/me", "/api/v1/me", None, Some(everyone)),
        route(
            "POST",
            "/api/v1/accounts",
            "/api/v1/accounts",
            Some(json!({"username": "new-auditor", "role": "auditor", "password": "a long enough password"})),
            Some(&[Admin]),
        ),
        route("GET", "/api/v1/accounts", "/api/v1/accounts", None, Some(&[Admin])),
        route("GET", "/api/v1/tokens", "/api/v1/tokens", None, Some(everyone)),
        route("POST", "/api/v1/tokens", "/api/v1/tokens", Some(json!({"label": "matrix"})), Some(everyone)),
        route("DELETE", "/api/v1/tokens/{id}", "/api/v1/tokens/999999", None, Some(everyone)),
        route(
            "POST",
            "/api/v1/me/password",
            "/api/v1/me/password",
            Some(json!({"current_password": "not the password", "new_password": "another long passphrase"})),
            Some(everyone),
        ),
        route(
            "POST",
            "/api/v1/accounts/{username}/password",
            "/api/v1/accounts/nobody/password",
            Some(json!({"password": "another long passphrase"})),
            Some(&[Admin]),
        ),
        route("POST", "/api/v1/accounts/{username}/disable", "/api/v1/accounts/nobody/disable", None, Some(&[Admin])),
        route("POST", "/api/v1/accounts/{username}/enable", "/api/v1/accounts/nobody/enable", None, Some(&[Admin])),
        route("DELETE", "/api/v1/accounts/{username}/second-factor", "/api/v1/accounts/nobody/second-factor", None, Some(&[Admin])),
        route("POST", "/api/v1/me/second-factor", "/api/v1/me/second-factor", None, Some(&[Officer, Reviewer, Auditor, Admin])),
        route(
            "POST",
            "/api/v1/me/second-factor/confirm",
            "/api/v1/me/second-factor/confirm",
            Some(json!({"code": "000000"})),
            Some(&[Officer, Reviewer, Auditor, Admin]),
        ),
        route("GET", "/api/v1/rulebook", "/api/v1/rulebook", None, None),
        route("GET", "/api/v1/openapi.json", "/api/v1/openapi.json", None, None),
        route("GET", "/api/v1/docs", "/api/v1/docs", None, None),
        // Not an API operation, but not public: it counts the population.
        route("GET", "/metrics", "/metrics", None, Some(&[Auditor, Admin])),
    ]
}

async fn every_route_for_every_role(backend: Backend) {
    let mut server = TestServer::start_on(backend).await;
    let mut failures = Vec::new();
    for route in routes() {
        let callers: Vec<Option<Role>> = std::iter::once(None).chain(Role::ALL.iter().copied().map(Some)).collect();
        for caller in callers {
            let (status, body) = server.call(caller, route.method, &route.path, route.body.clone()).await;
            let expected = match (&route.allowed, caller) {
                (None, _) => "allowed",
                (Some(_), None) => "401",
                (Some(allowed), Some(role)) if allowed.contains(&role) => "allowed",
                (Some(_), Some(_)) => "403",
            };
            let ok = match expected {
                "allowed" => !matches!(status, 401 | 403) && status < 500,
                "401" => status == 401,
                _ => status == 403,
            };
            if !ok {
                failures.push(format!("{} {} as {:?}: expected {expected}, got {status} {body}", route.method, route.path, caller));
            }
            if status >= 400 {
                assert!(body["error"]["code"].is_string(), "{} {}: error shape: {body}", route.method, route.path);
            }
        }
    }
    assert!(failures.is_empty(), "{} failures:\n{}", failures.len(), failures.join("\n"));

    // Every documented operation is in the table above.
    let (_, document) = server.call(None, "GET", "/api/v1/openapi.json", None).await;
    let covered: std::collections::HashSet<(String, String)> =
        routes().iter().map(|r| (r.method.to_lowercase(), r.template.to_string())).collect();
    for (path, item) in document["paths"].as_object().unwrap() {
        for method in item.as_object().unwrap().keys() {
            assert!(covered.contains(&(method.clone(), path.clone())), "{method} {path} is not in the role matrix");
        }
    }
    server.stop().await;
}

async fn pages_by_role(backend: Backend) {
    let mut server = TestServer::start_on(backend).await;
    for (path, role) in [
        ("/me", Role::Subject),
        ("/officer", Role::Officer),
        ("/reviewer", Role::Reviewer),
        ("/reviewer/annual", Role::Reviewer),
        ("/provider", Role::Provider),
        ("/me/reports", Role::Subject),
        ("/me/score", Role::Subject),
        ("/reviewer/reports", Role::Reviewer),
        ("/reviewer/metrics", Role::Reviewer),
        ("/partner", Role::Partner),
    ] {
        let anonymous = server.client.get(server.url(path)).send().await.unwrap();
        assert_eq!(anonymous.status().as_u16(), 303, "{path} anonymous");
        assert_eq!(anonymous.headers()["location"], "/login");
        for other in Role::ALL {
            let response = server.client.get(server.url(path)).bearer_auth(server.token(other)).send().await.unwrap();
            let expected = match other == role {
                true => 200,
                false => 403,
            };
            assert_eq!(response.status().as_u16(), expected, "{path} as {other}");
        }
    }
    for public in ["/", "/lists", "/rulebook", "/login", "/api/v1/docs", "/static/style.css"] {
        assert_eq!(server.client.get(server.url(public)).send().await.unwrap().status().as_u16(), 200, "{public}");
    }
    server.stop().await;
}

on_both_backends!(every_route_for_every_role, pages_by_role);
