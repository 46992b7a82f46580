//! Accounts as a government system needs them: throttled sign-in on the audit
//! log, password rules, disabling and password changes that end sessions,
//! expiring tokens, CSRF on cookie-authenticated API calls, a second factor.

use crate::common;

use common::{Backend, PASSWORD, TestServer};
use serde_json::json;
use socred_auth::Role;

fn jar() -> reqwest::Client {
    common::client_builder().cookie_store(true).build().unwrap()
}

/// Signs in through the login form; returns the redirect's location and the flash message (empty if none).
async fn sign_in(server: &TestServer, jar: &reqwest::Client, username: &str, password: &str, code: &str) -> (String, String) {
    sign_in_to(&server.url("/login"), jar, username, password, code).await
}

/// The same at a login page's URL (for attempts sent at once from tasks of their own).
async fn sign_in_to(login: &str, jar: &reqwest::Client, username: &str, password: &str, code: &str) -> (String, String) {
    let html = jar.get(login).send().await.unwrap().text().await.unwrap();
    let csrf = html.split("name=\"csrf\" value=\"").nth(1).unwrap().split('"').next().unwrap().to_string();
    let response = jar
        .post(login)
        .form(&[("csrf", csrf.as_str()), ("username", username), ("password", password), ("code", code)])
        .send()
        .await
        .unwrap();
    let location = response.headers().get("location").map(|l| l.to_str().unwrap().to_string()).unwrap_or_default();
    let flash = response
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_string())
        .find(|c| c.starts_with("socred_flash="))
        .map(|c| c.split(';').next().unwrap().replace("%20", " ").replace("%3A", ":").replace("%2C", ",").replace("%2E", "."))
        .unwrap_or_default();
    (location, flash)
}

async fn audit_actions(server: &TestServer) -> Vec<(String, String)> {
    let (_, entries) = server.call(Some(Role::Auditor), "GET", "/api/v1/audit?limit=1000", None).await;
    entries.as_array().unwrap().iter().map(|e| (e["action"].as_str().unwrap().to_string(), e["detail"].to_string())).collect()
}

async fn guessing_a_password_locks_the_account_and_every_attempt_is_audited(backend: Backend) {
    let mut server = TestServer::start_live_on(backend).await;
    let browser = jar();
    for attempt in 0..5 {
        let (location, flash) = sign_in(&server, &browser, "officer-2", "a wrong password here", "").await;
        assert_eq!(location, "/login", "attempt {attempt}");
        assert!(flash.contains("Sign-in failed"), "{flash}");
    }
    // The sixth try has the right password: the account waits, so it does not sign in.
    let (location, locked) = sign_in(&server, &browser, "officer-2", PASSWORD, "").await;
    assert_eq!(location, "/login", "a locked account does not sign in with the right password");
    // ...and says so exactly as it says anything else: no username can be told to exist.
    let (_, unknown) = sign_in(&server, &browser, "nobody-at-all", "a wrong password here", "").await;
    assert_eq!(locked, unknown, "a waiting account and an unknown one get the same answer");
    let actions = audit_actions(&server).await;
    let failed = actions.iter().filter(|(action, detail)| action == "account.sign-in-failed" && detail.contains("\"officer-2\"")).count();
    assert_eq!(failed, 5, "{actions:?}");
    assert!(actions.iter().any(|(action, _)| action == "account.sign-in-refused"));
    assert!(actions.iter().all(|(_, detail)| !detail.contains("a wrong password here")), "passwords are never logged");
    // Another account is not locked by this one's failures.
    let (location, _) = sign_in(&server, &jar(), "subject-2", PASSWORD, "").await;
    assert_eq!(location, "/me");
    assert!(audit_actions(&server).await.iter().any(|(action, detail)| action == "account.sign-in" && detail.contains("subject-2")));

    // One address may try only so often, whichever accounts it tries: 30 attempts at once exceed
    // its 20 a minute however slowly this machine hashes passwords (one attempt after another,
    // the allowance refills while each is hashed).
    let login = server.url("/login");
    let mut attempts = tokio::task::JoinSet::new();
    for index in 0..30 {
        let login = login.clone();
        attempts.spawn(async move { sign_in_to(&login, &jar(), &format!("nobody-{index}"), "a wrong password here", "").await.1 });
    }
    let flashes = attempts.join_all().await;
    assert!(flashes.iter().any(|flash| flash.contains("from your address")), "{flashes:?}");
    server.stop().await;
}

async fn weak_passwords_are_refused_and_nothing_is_stored(backend: Backend) {
    let mut server = TestServer::start_live_on(backend).await;
    let before = server.fingerprint();
    for (password, reason) in
        [("short pass", "at least 12"), ("password1234", "common"), ("Auditor-Two!", "username"), ("zzzzzzzzzzzzzzzz", "repeated")]
    {
        let (status, refused) = server
            .call(
                Some(Role::Admin),
                "POST",
                "/api/v1/accounts",
                Some(json!({"username": "auditor-two", "role": "auditor", "password": password})),
            )
            .await;
        assert_eq!((status, refused["error"]["field"].as_str()), (422, Some("password")), "{password}: {refused}");
        assert!(refused["error"]["message"].as_str().unwrap().contains(reason), "{password}: {refused}");
    }
    assert_eq!(server.fingerprint(), before);
    server.stop().await;
}

async fn disabling_an_account_or_changing_its_password_ends_its_sessions_and_tokens_work_no_more(backend: Backend) {
    let mut server = TestServer::start_live_on(backend).await;
    let officer_token = server.token_for("officer-2");
    let browser = jar();
    assert_eq!(sign_in(&server, &browser, "officer-2", PASSWORD, "").await.0, "/officer");
    assert_eq!(browser.get(server.url("/officer")).send().await.unwrap().status().as_u16(), 200);

    let (status, body) = server.call(Some(Role::Admin), "POST", "/api/v1/accounts/officer-2/disable", None).await;
    assert_eq!(status, 204, "{body}");
    assert_eq!(browser.get(server.url("/officer")).send().await.unwrap().status().as_u16(), 303, "the session ended");
    let me = server.client.get(server.url("/api/v1/me")).bearer_auth(&officer_token).send().await.unwrap();
    assert_eq!(me.status().as_u16(), 401, "a disabled account's token is dead");
    assert_eq!(sign_in(&server, &jar(), "officer-2", PASSWORD, "").await.0, "/login", "nor does it sign in");
    let (status, _) = server.call(Some(Role::Admin), "POST", "/api/v1/accounts/admin-1/disable", None).await;
    assert_eq!(status, 422, "an admin does not lock themselves out");
    for garbage in ["Bad%20Name", "x%0Ay", &"a".repeat(65)] {
        let (status, refused) = server.call(Some(Role::Admin), "POST", &format!("/api/v1/accounts/{garbage}/disable"), None).await;
        assert_eq!((status, refused["error"]["field"].as_str()), (422, Some("username")), "{garbage}: {refused}");
    }
    let (status, _) = server.call(Some(Role::Admin), "POST", "/api/v1/accounts/officer-2/enable", None).await;
    assert_eq!(status, 204);
    let me = server.client.get(server.url("/api/v1/me")).bearer_auth(&officer_token).send().await.unwrap();
    assert_eq!(me.status().as_u16(), 200, "enabled again");

    // The user's own change of password ends every session, the one that asked included.
    let subject_browser = jar();
    assert_eq!(sign_in(&server, &subject_browser, "subject-1", PASSWORD, "").await.0, "/me");
    let (status, refused) = server
        .call(
            Some(Role::Subject),
            "POST",
            "/api/v1/me/password",
            Some(json!({"current_password": "not it at all", "new_password": "a brand new passphrase"})),
        )
        .await;
    assert_eq!((status, refused["error"]["field"].as_str()), (422, Some("current_password")));
    let (status, body) = server
        .call(
            Some(Role::Subject),
            "POST",
            "/api/v1/me/password",
            Some(json!({"current_password": PASSWORD, "new_password": "a brand new passphrase"})),
        )
        .await;
    assert_eq!(status, 204, "{body}");
    assert_eq!(subject_browser.get(server.url("/me")).send().await.unwrap().status().as_u16(), 303);
    assert_eq!(sign_in(&server, &jar(), "subject-1", PASSWORD, "").await.0, "/login", "the old password is dead");
    assert_eq!(sign_in(&server, &jar(), "subject-1", "a brand new passphrase", "").await.0, "/me");
    let actions = audit_actions(&server).await;
    for action in ["account.disable", "account.enable", "account.password-change"] {
        assert!(actions.iter().any(|(a, _)| a == action), "{action} is audited");
    }
    server.stop().await;
}

async fn tokens_expire_and_a_session_cookie_alone_changes_nothing_through_the_api(backend: Backend) {
    let mut server = TestServer::start_live_on(backend).await;
    for days in [0, 366] {
        let (status, refused) =
            server.call(Some(Role::Auditor), "POST", "/api/v1/tokens", Some(json!({"label": "x", "expires_in_days": days}))).await;
        assert_eq!((status, refused["error"]["field"].as_str()), (422, Some("expires_in_days")), "{days}: {refused}");
    }
    let (status, issued) = server.call(Some(Role::Auditor), "POST", "/api/v1/tokens", Some(json!({"label": "week"}))).await;
    assert_eq!(status, 201, "{issued}");
    let (_, tokens) = server.call(Some(Role::Auditor), "GET", "/api/v1/tokens", None).await;
    let token = tokens.as_array().unwrap().iter().find(|t| t["label"] == "week").unwrap();
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    let expires_at = token["expires_at"].as_i64().unwrap();
    assert!((expires_at - (now + 90 * 86_400)).abs() < 60, "90 days by default: {token}");

    // Signed in by cookie, a page's CSRF token must come with any API call that changes something.
    let browser = jar();
    assert_eq!(sign_in(&server, &browser, "subject-1", PASSWORD, "").await.0, "/me");
    let before = server.fingerprint();
    let forged = browser.post(server.url("/api/v1/tokens")).json(&json!({"label": "stolen"})).send().await.unwrap();
    assert_eq!(forged.status().as_u16(), 403);
    assert_eq!(server.fingerprint(), before);
    let reading = browser.get(server.url("/api/v1/me")).send().await.unwrap();
    assert_eq!(reading.status().as_u16(), 200, "reads need no token");
    let page = browser.get(server.url("/me")).send().await.unwrap().text().await.unwrap();
    let csrf = page.split("name=\"csrf\" value=\"").nth(1).unwrap().split('"').next().unwrap().to_string();
    let minted =
        browser.post(server.url("/api/v1/tokens")).header("x-csrf-token", csrf).json(&json!({"label": "mine"})).send().await.unwrap();
    assert_eq!(minted.status().as_u16(), 201);
    server.stop().await;
}

async fn staff_sign_in_with_a_second_factor_once_enrolled_and_a_code_works_once(backend: Backend) {
    let mut server = TestServer::start_live_on(backend).await;
    let (status, refused) = server.call(Some(Role::Subject), "POST", "/api/v1/me/second-factor", None).await;
    assert_eq!(status, 403, "{refused}");
    let (status, enrolment) = server.call(Some(Role::Reviewer), "POST", "/api/v1/me/second-factor", None).await;
    assert_eq!(status, 201, "{enrolment}");
    let secret = enrolment["secret"].as_str().unwrap().to_string();
    assert!(enrolment["otpauth_url"].as_str().unwrap().starts_with("otpauth://totp/socred:reviewer-1?secret="));
    let (status, refused) =
        server.call(Some(Role::Reviewer), "POST", "/api/v1/me/second-factor/confirm", Some(json!({"code": "000000"}))).await;
    assert_eq!((status, refused["error"]["field"].as_str()), (422, Some("code")), "{refused}");
    let now = || time::OffsetDateTime::now_utc().unix_timestamp() as u64;
    let code = socred_auth::totp_code(&secret, now()).unwrap();
    let (status, body) = server.call(Some(Role::Reviewer), "POST", "/api/v1/me/second-factor/confirm", Some(json!({"code": code}))).await;
    assert_eq!(status, 204, "{body}");

    assert_eq!(sign_in(&server, &jar(), "reviewer-1", PASSWORD, "").await.0, "/login", "the password alone no longer signs in");
    // Guesses make the account wait, but not its owner, who has the device.
    for _ in 0..4 {
        sign_in(&server, &jar(), "reviewer-1", "a wrong password here", "").await;
    }
    assert!(audit_actions(&server).await.iter().any(|(action, _)| action == "account.sign-in-failed"));
    let (status, _) = server.call(Some(Role::Auditor), "GET", "/api/v1/audit?limit=1", None).await;
    assert_eq!(status, 200);
    // The code of the enrolment step was used; the next step's code signs in, once, even now.
    let next = socred_auth::totp_code(&secret, now() + 30).unwrap();
    assert_eq!(sign_in(&server, &jar(), "reviewer-1", PASSWORD, &next).await.0, "/reviewer", "password and code pass the wait");
    assert_eq!(sign_in(&server, &jar(), "reviewer-1", PASSWORD, &next).await.0, "/login", "a code works once");
    // A lost device: an admin removes the factor, and the password signs in again.
    let (status, _) = server.call(Some(Role::Admin), "DELETE", "/api/v1/accounts/reviewer-1/second-factor", None).await;
    assert_eq!(status, 204);
    assert_eq!(sign_in(&server, &jar(), "reviewer-1", PASSWORD, "").await.0, "/reviewer");
    server.stop().await;
}

on_both_backends!(
    guessing_a_password_locks_the_account_and_every_attempt_is_audited,
    weak_passwords_are_refused_and_nothing_is_stored,
    disabling_an_account_or_changing_its_password_ends_its_sessions_and_tokens_work_no_more,
    tokens_expire_and_a_session_cookie_alone_changes_nothing_through_the_api,
    staff_sign_in_with_a_second_factor_once_enrolled_and_a_code_works_once
);
