//! The citizen portal's first screen: where the subject stands, what they may
//! not do and why, the open deadlines, the steps they can take now (only while
//! the store would accept them), and the path to recovery.

use crate::common;

use common::{TestServer, browser, sign_in};
use socred_auth::Role;

async fn portal_on(server: &mut TestServer, day: &str) -> (reqwest::Client, String) {
    server.restart_on(day).await;
    let english = browser("en");
    assert_eq!(sign_in(server, &english, Role::Subject).await, "/me");
    let page = english.get(server.url("/me")).send().await.unwrap().text().await.unwrap();
    (english, page)
}

fn status_of(page: &str) -> &str {
    let start = page.find("data-testid=\"status\"").expect("the status section");
    &page[start..start + page[start..].find("</section>").unwrap()]
}

#[tokio::test]
async fn the_first_screen_says_where_the_subject_stands_and_what_to_do_next() {
    let mut server = TestServer::start().await;
    // Five days after the notice of 10 January: the appeal window is open until the 20th.
    let (_, page) = portal_on(&mut server, "2025-01-15").await;
    let status = status_of(&page);
    assert!(status.contains("You may appeal your entry on the List of seriously untrustworthy subjects until"), "{status}");
    assert!(status.contains("href=\"#appeal-blacklist-jd-1\""), "the step links to its form: {status}");
    assert!(page.contains("action=\"/me/appeals\"") && page.contains("id=\"appeal-blacklist-jd-1\""), "the appeal form is offered");
    assert!(status.contains("You may use every service."), "nothing is barred before the listing: {status}");

    // In June the window is long closed: no appeal form, the restrictions each once, repair ahead.
    let (_, page) = portal_on(&mut server, "2025-06-01").await;
    let status = status_of(&page);
    assert!(!page.contains("action=\"/me/appeals\""), "no appeal is offered after the deadline");
    assert!(!status.contains("You may appeal"), "{status}");
    assert!(status.contains("things you may not do:"), "{status}");
    assert!(
        status.contains("Because you have been on the List of seriously untrustworthy subjects since 2025-01-21, you may not use:"),
        "{status}"
    );
    assert!(status.contains("<strong>Civil aviation tickets</strong> — <span class=\"meta\">No civil aviation tickets</span>"), "{status}");
    assert_eq!(status.matches("Because ").count(), 1, "each reason once: {status}");
    assert_eq!(status.matches("<strong>Civil aviation tickets</strong>").count(), 1, "one restriction per service: {status}");
    assert!(
        status.contains("You may apply for credit repair of your entry on the List of seriously untrustworthy subjects from"),
        "{status}"
    );
    // The path: the listing's end frees the services; the records' weight ending lifts the tier step by step.
    assert!(status.contains("Path to recovery") && status.contains("you may again use Civil aviation tickets"), "{status}");
    assert!(status.contains(": tier B.") && status.contains(": tier A."), "{status}");
    assert!(!page.contains("action=\"/me/repairs\""), "repair is not offered before it is allowed");
    // The chart marks each change and says below it what happened that day.
    assert!(page.contains("<ol class=\"chart-events\">") && page.contains("— Tax evasion (-100)"), "{page}");

    // After the minimum publication, repair is offered, filed, and its decision day shown.
    let (english, page) = portal_on(&mut server, "2026-02-01").await;
    let status = status_of(&page);
    assert!(status.contains("Apply for credit repair of your entry on the List of seriously untrustworthy subjects"), "{status}");
    assert!(
        status.contains("If your credit repair of the entry on the List of seriously untrustworthy subjects is approved, you may use"),
        "{status}"
    );
    assert!(page.contains("action=\"/me/repairs\"") && page.contains("name=\"commitment\""), "the form asks for the commitment letter");
    let csrf = common::csrf_of(&page);
    let filed = english
        .post(server.url("/me/repairs"))
        .form(&[("csrf", csrf.as_str()), ("entry", "blacklist:jd-1"), ("evidence", "court receipt"), ("commitment", "I commit")])
        .send()
        .await
        .unwrap();
    assert_eq!(filed.status(), 303);
    let page = english.get(server.url("/me")).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("Credit repair application"), "the flash: {page}");
    let status = status_of(&page);
    assert!(status.contains("A reviewer must decide your credit repair application"), "{status}");
    assert!(!page.contains("action=\"/me/repairs\""), "a pending application is not offered again");

    // Garbage, an entry that does not exist and an oversize text change nothing, and say why.
    let before = server.fingerprint();
    for (entry, evidence) in
        [("not an entry", "x".to_string()), ("blacklist:nobody", "x".to_string()), ("blacklist:jd-1", "x".repeat(4_001))]
    {
        let form = [("csrf", csrf.as_str()), ("entry", entry), ("evidence", evidence.as_str()), ("commitment", "I commit")];
        let refused = english.post(server.url("/me/repairs")).form(&form).send().await.unwrap();
        assert_eq!(refused.status(), 303, "{entry}");
        let page = english.get(server.url("/me")).send().await.unwrap().text().await.unwrap();
        assert!(page.contains("class=\"flash error\""), "{entry}: {page}");
    }
    assert_eq!(server.fingerprint(), before, "a refused application stores nothing");
    // A forged form changes nothing.
    let before = server.fingerprint();
    let forged = english
        .post(server.url("/me/repairs"))
        .form(&[("csrf", "forged"), ("entry", "blacklist:jd-1"), ("evidence", "x"), ("commitment", "y")])
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), 403);
    assert_eq!(server.fingerprint(), before);
}

#[tokio::test]
async fn the_first_screen_reads_in_chinese() {
    let mut server = TestServer::start().await;
    server.restart_on("2025-06-01").await;
    let chinese = browser("zh-CN");
    sign_in(&server, &chinese, Role::Subject).await;
    let page = chinese.get(server.url("/me")).send().await.unwrap().text().await.unwrap();
    let status = status_of(&page);
    for part in [
        "您的信用状况",
        "项受限事项",
        "因为您自",
        "起被列入严重失信主体名单（含失信被执行人名单），您不得使用：",
        "<strong>民航机票</strong>",
        "恢复路径",
        "起，您可以申请对列入",
    ] {
        assert!(status.contains(part), "{part:?} missing: {status}");
    }
}

#[tokio::test]
async fn the_written_notice_is_a_printable_document_of_its_own() {
    let mut server = TestServer::start().await;
    let (english, page) = portal_on(&mut server, "2025-01-15").await;
    assert!(page.contains("href=\"/me/notices/blacklist:jd-1\""), "the portal links the notice");
    let response = english.get(server.url("/me/notices/blacklist:jd-1")).send().await.unwrap();
    assert_eq!(response.status(), 200);
    let document = response.text().await.unwrap();
    for part in [
        "Written notice of proposed entry on the List of seriously untrustworthy subjects",
        "<dt>Case number</dt><dd>blacklist:jd-1</dd>",
        "<dt>Served on</dt><dd>2025-01-10</dd>",
        "1. The facts",
        "2. The legal basis",
        "3. The consequences",
        "4. How to appeal",
        "You may appeal until 2025-01-20 (inclusive)",
        "By post: write to Municipal Credit Office",
        "6. Credit repair",
        "class=\"no-print\"",
    ] {
        assert!(document.contains(part), "{part:?} missing: {document}");
    }
    assert!(!document.contains("socred appeal file"), "no command for a citizen");
    let chinese = browser("zh-CN");
    sign_in(&server, &chinese, Role::Subject).await;
    let document = chinese.get(server.url("/me/notices/blacklist:jd-1")).send().await.unwrap().text().await.unwrap();
    for part in ["<html lang=\"zh-CN\">", "<dt>告知书编号</dt>", "四、申诉方式", "2025年1月20日（含当日）", "邮寄办理"]
    {
        assert!(document.contains(part), "{part:?} missing: {document}");
    }
    // The same notice as a PDF download, in the reader's language: the text
    // is real text, with the case number and the deadline in it.
    assert!(document.contains("href=\"/me/notices/blacklist:jd-1?format=pdf\""), "the page links its PDF");
    for (client, parts) in [
        (&english, &["blacklist:jd-1", "You may appeal until 2025-01-20 (inclusive)"][..]),
        (&chinese, &["blacklist:jd-1", "2025年1月20日（含当日）", "四、申诉方式"][..]),
    ] {
        let response = client.get(server.url("/me/notices/blacklist:jd-1?format=pdf")).send().await.unwrap();
        assert_eq!(response.status(), 200);
        assert_eq!(response.headers()["content-type"], "application/pdf");
        assert!(response.headers()["content-disposition"].to_str().unwrap().contains("filename=\"notice-blacklist_jd-1.pdf\""));
        let text = pdf_text(&response.bytes().await.unwrap());
        for part in parts {
            let part: String = part.chars().filter(|character| !character.is_whitespace()).collect();
            assert!(text.contains(&part), "{part:?} missing from the PDF: {text}");
        }
    }
    // A proposal's entry id holds a `/`: its notice has a page too.
    let proposal = serde_json::json!({"subject": common::PERSON, "list": "blacklist", "legal_basis": "Civil Procedure Law, art. 255", "facts": "refused a court order", "case_id": "p-9"});
    assert_eq!(server.call(Some(Role::Officer), "POST", "/api/v1/lists/proposals", Some(proposal)).await.0, 201);
    assert_eq!(
        server.call(Some(Role::Reviewer), "POST", "/api/v1/lists/entries/blacklist%2Fp-9/notice", Some(serde_json::json!({}))).await.0,
        201
    );
    let page = english.get(server.url("/me")).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("href=\"/me/notices/blacklist/p-9\""), "{page}");
    let proposed = english.get(server.url("/me/notices/blacklist/p-9")).send().await.unwrap();
    assert_eq!(proposed.status(), 200);
    assert!(proposed.text().await.unwrap().contains("<dd>blacklist/p-9</dd>"));
    // Nobody else's notice, and no garbage, is found; other roles are refused the page.
    for missing in [
        "/me/notices/blacklist:nobody",
        "/me/notices/not%20an%20entry",
        "/me/notices/blacklist@x",
        "/me/notices/blacklist:nobody?format=pdf",
    ] {
        assert_eq!(english.get(server.url(missing)).send().await.unwrap().status(), 404, "{missing}");
    }
    let officer = browser("en");
    sign_in(&server, &officer, Role::Officer).await;
    assert_eq!(officer.get(server.url("/me/notices/blacklist:jd-1")).send().await.unwrap().status(), 403);
    assert_eq!(officer.get(server.url("/me/notices/blacklist:jd-1?format=pdf")).send().await.unwrap().status(), 403);
    // A format other than the two is refused by name.
    let refused = english.get(server.url("/me/notices/blacklist:jd-1?format=docx")).send().await.unwrap();
    assert_eq!(refused.status(), 400);
    assert!(refused.text().await.unwrap().contains("format: must be pdf"));
}

/// What `pdftotext` (poppler-utils, installed by scripts/test.sh) reads out
/// of a PDF, without white space, so a phrase broken across lines is found.
fn pdf_text(pdf: &[u8]) -> String {
    let directory = tempfile::tempdir().unwrap();
    let path = directory.path().join("notice.pdf");
    std::fs::write(&path, pdf).unwrap();
    let output =
        std::process::Command::new("pdftotext").args(["-enc", "UTF-8"]).arg(&path).arg("-").output().expect("pdftotext (poppler-utils)");
    assert!(output.status.success(), "pdftotext refused the PDF");
    String::from_utf8(output.stdout).unwrap().chars().filter(|character| !character.is_whitespace()).collect()
}

/// The provider's page: the decision unmistakable in words, a reference the
/// subject finds in their own file, and a slip for the person refused that
/// says why and how to appeal and nothing else.
#[tokio::test]
async fn a_refusal_is_unmistakable_and_comes_with_a_slip_for_the_person_refused() {
    let mut server = TestServer::start().await;
    server.restart_on("2025-06-01").await;
    let provider = browser("en");
    sign_in(&server, &provider, Role::Provider).await;
    let form = provider.get(server.url("/provider")).send().await.unwrap().text().await.unwrap();
    assert!(form.contains("<option value=\"civil-aviation\">Civil aviation tickets</option>"), "services by title: {form}");
    let csrf = common::csrf_of(&form);
    let answer = provider
        .post(server.url("/provider/checks"))
        .form(&[("csrf", csrf.as_str()), ("subject", common::PERSON), ("service", "civil-aviation")])
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    for part in [
        "class=\"decision deny\"",
        "Refused: this person may not use Civil aviation tickets.",
        "data-testid=\"decision\">deny</code>",
        "data-testid=\"slip\"",
        "you were refused Civil aviation tickets after a credit check",
        "<li>No civil aviation tickets</li>",
        "You may also write to Municipal Credit Office",
    ] {
        assert!(answer.contains(part), "{part:?} missing: {answer}");
    }
    let main = &answer[answer.find("<main").unwrap()..];
    for never in ["score", "tier", "Tier", "Score"] {
        assert!(!main.replace("never the score or the file", "").contains(never), "{never:?} on the provider's page: {main}");
    }
    // The reference names the provider and the instant, as the subject's file lists the check.
    let reference = answer.split("data-testid=\"reference\">").nth(1).unwrap().split('<').next().unwrap().to_string();
    let (provider_name, instant) = reference.split_once(' ').unwrap();
    assert_eq!(provider_name, common::username(Role::Provider));
    let subject = browser("en");
    sign_in(&server, &subject, Role::Subject).await;
    let file = subject.get(server.url("/me")).send().await.unwrap().text().await.unwrap();
    assert!(
        file.contains(&format!("<td>{instant}</td><td>{provider_name}</td>")),
        "the subject finds the check by its reference: {reference}"
    );
}
