//! The reviewer's queue: what lies behind each case, no outcome chosen in
//! advance, proposals withdrawn on the web, the annual report as CSV.

use crate::common;

use common::{OTHER, PERSON, TestServer, browser, csrf_of, sign_in};
use serde_json::json;
use socred_auth::Role;

#[tokio::test]
async fn a_reviewer_sees_the_case_behind_each_item_and_decides_nothing_by_default() {
    let mut server = TestServer::start().await;
    server.restart_on("2025-01-15").await;
    let (status, body) = server
        .call(Some(Role::Subject), "POST", "/api/v1/appeals", Some(json!({"entry": "blacklist:jd-1", "grounds": "paid in full"})))
        .await;
    assert_eq!(status, 201, "{body}");
    server.restart_on("2025-03-05").await;
    // The subject disputes the tax record; an officer proposes another subject for the blacklist.
    let (status, body) =
        server.call(Some(Role::Subject), "POST", "/api/v1/disputes", Some(json!({"record": "tax-1", "grounds": "not mine"}))).await;
    assert_eq!(status, 201, "{body}");
    let proposal = json!({"subject": OTHER, "list": "blacklist", "legal_basis": "Civil Procedure Law, art. 255", "facts": "refused a court order", "case_id": "p-1"});
    let (status, body) = server.call(Some(Role::Officer), "POST", "/api/v1/lists/proposals", Some(proposal)).await;
    assert_eq!(status, 201, "{body}");

    let reviewer = browser("en");
    sign_in(&server, &reviewer, Role::Reviewer).await;
    let queue = reviewer.get(server.url("/reviewer")).send().await.unwrap().text().await.unwrap();
    for part in [
        "<summary>The record</summary>",
        "Tax evasion, on 2025-03-01, recorded by Municipal Tax Bureau.",
        "case 17",
        "<option value=\"\" selected disabled>Choose an outcome</option>",
        "action=\"/reviewer/withdrawals\"",
        "<summary>The entry and its notice</summary>",
        "Written notice, served 2025-01-10",
    ] {
        assert!(queue.contains(part), "{part:?} missing: {queue}");
    }
    assert!(!queue.contains("<option value=\"reject\" selected"), "no outcome is chosen in advance");
    // An empty outcome is refused by name, and changes nothing.
    let dispute_id = queue
        .split("name=\"kind\" value=\"dispute\"><input type=\"hidden\" name=\"id\" value=\"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .to_string();
    let csrf = csrf_of(&queue);
    let before = server.fingerprint();
    let empty = reviewer
        .post(server.url("/reviewer/decisions"))
        .form(&[("csrf", csrf.as_str()), ("kind", "dispute"), ("id", dispute_id.as_str()), ("outcome", ""), ("reasons", "x")])
        .send()
        .await
        .unwrap();
    assert_eq!(empty.status(), 303);
    assert_eq!(server.fingerprint(), before);
    let flash = reviewer.get(server.url("/reviewer")).send().await.unwrap().text().await.unwrap();
    assert!(flash.contains("outcome"), "{flash}");

    // A withdrawal of garbage, or without reasons, is refused and changes nothing.
    let before = server.fingerprint();
    for (entry, reason) in [("blacklist/no-such-case", "x"), ("../../etc", "x"), ("blacklist/p-1", "")] {
        let form = [("csrf", csrf.as_str()), ("entry", entry), ("reason", reason)];
        assert_eq!(reviewer.post(server.url("/reviewer/withdrawals")).form(&form).send().await.unwrap().status(), 303, "{entry}");
    }
    assert_eq!(server.fingerprint(), before);
    // The proposal is withdrawn on the web, with reasons.
    let withdrawn = reviewer
        .post(server.url("/reviewer/withdrawals"))
        .form(&[("csrf", csrf.as_str()), ("entry", "blacklist/p-1"), ("reason", "the court order was lifted")])
        .send()
        .await
        .unwrap();
    assert_eq!(withdrawn.status(), 303);
    let after = reviewer.get(server.url("/reviewer")).send().await.unwrap().text().await.unwrap();
    assert!(after.contains("withdrawn"), "{after}");
    assert!(!after.contains("action=\"/reviewer/withdrawals\""), "nothing left to withdraw: {after}");
}

#[tokio::test]
async fn the_annual_report_downloads_as_csv_and_each_row_is_a_logged_read() {
    let mut server = TestServer::start().await;
    server.restart_on("2026-02-01").await;
    let reviewer = browser("en");
    sign_in(&server, &reviewer, Role::Reviewer).await;
    let page = reviewer.get(server.url("/reviewer/annual?year=2025")).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("href=\"/reviewer/annual.csv?year=2025\""), "{page}");
    let csv = reviewer.get(server.url("/reviewer/annual.csv?year=2025")).send().await.unwrap();
    assert_eq!(csv.headers()["content-type"], "text/csv; charset=utf-8");
    let csv = csv.text().await.unwrap();
    let mut lines = csv.split("\r\n").filter(|line| !line.is_empty());
    assert_eq!(lines.next(), Some("subject,name,net_points,expected_points"));
    let person = lines.find(|line| line.starts_with(PERSON)).expect("the subject below the expectation");
    assert_eq!(person, format!("{PERSON},Li Ming,-200,2"));
    let (_, file) = server.call(Some(Role::Auditor), "GET", &format!("/api/v1/subjects/{PERSON}/file?purpose=audit"), None).await;
    assert!(file.to_string().contains("annual expectation report (CSV)"), "the read is on the subject's access log");
    let other = browser("en");
    sign_in(&server, &other, Role::Officer).await;
    assert_eq!(other.get(server.url("/reviewer/annual.csv?year=2025")).send().await.unwrap().status(), 403);
    // The form's year cleared is last year; a year that is no number is refused on a page, in the reader's language.
    let cleared = reviewer.get(server.url("/reviewer/annual?year=")).send().await.unwrap();
    assert_eq!(cleared.status(), 200);
    assert!(cleared.text().await.unwrap().contains("annual.csv?year=2025"), "last year by default");
    for (language, words) in [("en", "must be a whole number"), ("zh-CN", "必须是整数")] {
        let browser = browser(language);
        sign_in(&server, &browser, Role::Reviewer).await;
        for path in ["/reviewer/annual?year=abc", "/reviewer/annual.csv?year=2025x", "/reviewer/annual?year=2025&page=-1"] {
            let refused = browser.get(server.url(path)).send().await.unwrap();
            assert_eq!(refused.status(), 422, "{path}");
            assert!(refused.headers()["content-type"].to_str().unwrap().starts_with("text/html"), "{path}: a page");
            let page = refused.text().await.unwrap();
            assert!(page.contains(words) && !page.contains("Failed to deserialize"), "{path}: {page}");
        }
    }
}
