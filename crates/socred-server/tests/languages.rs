//! Every page in both languages: chosen by `Accept-Language`, or by
//! the switch on every page (a cookie, which wins), with `<html lang>` set
//! and no message id left untranslated; the switch returns only to this site.

use crate::common;

use common::{TestServer, browser, sign_in};

async fn get(server: &TestServer, path: &str, headers: &[(&str, &str)]) -> (u16, reqwest::header::HeaderMap, String) {
    let mut request = server.client.get(server.url(path));
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    (status, headers, response.text().await.unwrap())
}

/// A message id that reached a page untranslated (a lookup of a missing id yields the id).
fn untranslated(page: &str) -> Option<String> {
    let ids = socred_i18n::message_ids(socred_i18n::Language::English);
    // Only text between tags: attribute values hold ids of their own.
    let text: String = page.split('<').filter_map(|part| part.split_once('>').map(|(_, text)| text)).collect::<Vec<_>>().join(" ");
    text.split(|c: char| !(c.is_ascii_alphanumeric() || c == '-'))
        .find(|word| word.contains('-') && ids.iter().any(|id| id == word))
        .map(str::to_string)
}

#[tokio::test]
async fn public_pages_speak_the_readers_language() {
    let server = TestServer::start().await;
    let chinese = [("accept-language", "zh-CN,zh;q=0.9,en;q=0.8")];
    let english = [("accept-language", "en-GB,en;q=0.9")];
    for (path, in_chinese, in_english) in [
        ("/", "透明的信用账本", "A transparent credit ledger"),
        ("/lists", "公开名单", "Entries appear here only once listed"),
        ("/rulebook", "联合奖惩措施", "Joint rewards and punishments"),
    ] {
        let (status, headers, page) = get(&server, path, &chinese).await;
        assert_eq!(status, 200, "{path}");
        assert!(page.contains(r#"<html lang="zh-CN">"#), "{path}");
        assert!(page.contains(in_chinese), "{path}");
        assert!(!page.contains(in_english), "{path}: English on the Chinese page");
        assert!(page.contains("回放存储"), "{path}: the replay notice in the page's language");
        assert_eq!(untranslated(&page), None, "{path}");
        assert!(headers.get("vary").and_then(|v| v.to_str().ok()).is_some_and(|v| v.contains("Accept-Language")), "{path}");
        let (_, _, page) = get(&server, path, &english).await;
        assert!(page.contains(r#"<html lang="en">"#), "{path}");
        assert!(page.contains(in_english), "{path}");
        assert!(!page.contains(in_chinese), "{path}: Chinese on the English page");
        assert_eq!(untranslated(&page), None, "{path}");
        // No preference, or one socred does not speak: English.
        let (_, _, page) = get(&server, path, &[("accept-language", "de-DE,fr;q=0.5")]).await;
        assert!(page.contains(r#"<html lang="en">"#), "{path}");
    }
    // The rulebook's own words follow the reader: the catalogue in Chinese legal terms.
    let (_, _, page) = get(&server, "/rulebook", &chinese).await;
    for words in ["限制高消费", "失信被执行人", "逃避服兵役者不得升学深造", "《中华人民共和国兵役法》", "严重失信"]
    {
        assert!(page.contains(words), "{words}");
    }
    let (_, _, page) = get(&server, "/rulebook", &english).await;
    assert!(page.contains("No enrolment in further education after evading military service"));
    assert!(page.contains("VIP check-in at airports"));
    // The published entry's list title is the rulebook's, in Chinese.
    let (_, _, page) = get(&server, "/lists", &chinese).await;
    if page.contains("<tbody>") {
        assert!(page.contains("严重失信主体名单"), "a listed entry under its Chinese title");
    }
}

#[tokio::test]
async fn the_switch_keeps_the_choice_and_returns_only_to_this_site() {
    let server = TestServer::start().await;
    let (status, headers, _) = get(&server, "/language?to=zh-CN&back=/rulebook%3Fx%3D1", &[]).await;
    assert_eq!(status, 303);
    assert_eq!(headers.get("location").unwrap(), "/rulebook?x=1");
    let cookie = headers.get("set-cookie").unwrap().to_str().unwrap();
    assert!(cookie.starts_with("socred_lang=zh-CN;") && cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"), "{cookie}");
    for foreign in ["//evil.example/", "https://evil.example/", "/%5Cevil.example"] {
        let (status, headers, _) = get(&server, &format!("/language?to=en&back={foreign}"), &[]).await;
        assert_eq!((status, headers.get("location").unwrap().to_str().unwrap()), (303, "/"), "{foreign}");
    }
    let (status, _, body) = get(&server, "/language?to=klingon", &[]).await;
    assert_eq!(status, 400);
    assert!(body.starts_with("to: "), "{body}");
    // The choice wins over the browser's preference, both ways.
    let (_, _, page) = get(&server, "/", &[("accept-language", "en"), ("cookie", "socred_lang=zh-CN")]).await;
    assert!(page.contains(r#"<html lang="zh-CN">"#));
    let (_, _, page) = get(&server, "/", &[("accept-language", "zh-CN"), ("cookie", "socred_lang=en")]).await;
    assert!(page.contains(r#"<html lang="en">"#));
    // Every page carries the switch, back to itself (its path: a page repeats no text someone wrote
    // into a link to it); the pages not yet in Chinese stay whole in English.
    let (_, _, page) = get(&server, "/lists?q=Call+555-0100", &[("accept-language", "en")]).await;
    assert!(page.contains(r#"href="/language?to=zh-CN&amp;back=/lists""#), "{page}");
    // The switch marks the reader's choice and offers the other language.
    let (_, _, page) = get(&server, "/login", &[("accept-language", "zh-CN")]).await;
    assert!(page.contains(r#"<html lang="zh-CN">"#) && page.contains(r#"<span aria-current="true" lang="zh-CN">"#));
    assert!(page.contains("data-testid=\"language-en\""));
}

/// Whether `text` holds a Chinese character.
fn has_han(text: &str) -> bool {
    text.chars().any(|c| ('\u{4E00}'..='\u{9FFF}').contains(&c))
}

#[tokio::test]
async fn signed_in_pages_speak_the_readers_language() {
    use socred_auth::Role;
    let server = TestServer::start().await;
    let pages: &[(Role, &str, &str, &str)] = &[
        (Role::Subject, "/me", "近六年的分数", "Your score over six years"),
        (Role::Subject, "/me/reports", "举报失信行为", "Report a breach of trust"),
        (Role::Officer, "/officer", "执法人员工作台", "Officer console"),
        (Role::Reviewer, "/reviewer", "复核队列", "Reviewer queue"),
        (Role::Reviewer, "/reviewer/reports", "待复核的举报", "Reports to review"),
        (Role::Reviewer, "/reviewer/metrics", "按状态统计的举报", "Reports by state"),
        (Role::Reviewer, "/reviewer/annual", "年度预期报告", "Annual expectation report"),
        (Role::Provider, "/provider", "查询主体", "Check a subject"),
        (Role::Partner, "/partner", "您的批次", "Your batches"),
    ];
    for (language, tag) in [("zh-CN,zh;q=0.9", "zh-CN"), ("en-GB,en;q=0.9", "en")] {
        for (role, path, in_chinese, in_english) in pages {
            let browser = browser(language);
            let home = sign_in(&server, &browser, *role).await;
            assert_ne!(home, "/login", "{role:?} signs in");
            let response = browser.get(server.url(path)).send().await.unwrap();
            assert_eq!(response.status(), 200, "{path}");
            let page = response.text().await.unwrap();
            assert!(page.contains(&format!(r#"<html lang="{tag}">"#)), "{path} in {tag}");
            assert_eq!(untranslated(&page), None, "{path} in {tag}");
            if tag == "zh-CN" {
                assert!(page.contains(in_chinese), "{path}: {in_chinese}");
                assert!(!page.contains(in_english), "{path}: English on the Chinese page");
            } else {
                assert!(page.contains(in_english), "{path}: {in_english}");
                // The page's own words are English; only what people wrote (names) may be Chinese.
                let words: String = page.split('<').filter_map(|part| part.split_once('>').map(|(_, text)| text)).collect();
                assert!(
                    !words.contains(in_chinese) && !words.contains("分数") && !words.contains("决定"),
                    "{path}: Chinese on the English page"
                );
            }
        }
    }
    // A flash message after a form is in the reader's language too.
    let chinese = browser("zh-CN");
    sign_in(&server, &chinese, Role::Officer).await;
    let console = chinese.get(server.url("/officer")).send().await.unwrap().text().await.unwrap();
    let csrf = common::csrf_of(&console);
    let response = chinese
        .post(server.url("/officer/voids"))
        .form(&[("csrf", csrf.as_str()), ("record", "not a record id"), ("reason", "x")])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 303);
    // The flash on the page it returns to: the kind of error and the field in Chinese.
    let shown = chinese.get(server.url("/officer")).send().await.unwrap().text().await.unwrap();
    assert!(shown.contains("未被接受（记录）："), "{shown}");
    // And so is the reason the parser gave, not only its frame.
    assert!(shown.contains("只允许字母、数字以及 . _ : -") && !shown.contains("only letters"), "{shown}");
    let error_page = chinese.get(server.url("/officer/subjects/not-an-id")).send().await.unwrap();
    assert_eq!(error_page.status(), 404);
    let error_page = error_page.text().await.unwrap();
    assert!(error_page.contains("这不是有效的识别码") && has_han(&error_page), "{error_page}");
    // A provider's check of a valid number that is not registered.
    let clerk = browser("zh-CN");
    sign_in(&server, &clerk, Role::Provider).await;
    let form = clerk.get(server.url("/provider")).send().await.unwrap().text().await.unwrap();
    let csrf = common::csrf_of(&form);
    let response = clerk
        .post(server.url("/provider/checks"))
        .form(&[("csrf", csrf.as_str()), ("subject", "110101198505051238"), ("service", "civil-aviation")])
        .send()
        .await
        .unwrap();
    let shown = match response.status().as_u16() {
        303 => clerk.get(server.url("/provider")).send().await.unwrap().text().await.unwrap(),
        _ => response.text().await.unwrap(),
    };
    assert!(shown.contains("未登记") && !shown.contains("is not registered"), "{shown}");
    // A page for another role says so in the reader's language.
    let refused = chinese.get(server.url("/reviewer")).send().await.unwrap();
    assert_eq!(refused.status(), 403);
    assert!(refused.text().await.unwrap().contains("此页面供复核人员使用"));

    // A due-process act the rules refuse reads in Chinese too, the rule and not only its frame:
    // a second dispute of a record whose first is pending (other grounds: the same form again is the same act).
    let citizen = browser("zh-CN");
    sign_in(&server, &citizen, Role::Subject).await;
    for grounds in ["不是我", "日期有误"] {
        let portal = citizen.get(server.url("/me")).send().await.unwrap().text().await.unwrap();
        let csrf = common::csrf_of(&portal);
        let filed = citizen
            .post(server.url("/me/disputes"))
            .form(&[("csrf", csrf.as_str()), ("record", "tax-1"), ("grounds", grounds)])
            .send()
            .await
            .unwrap();
        assert_eq!(filed.status(), 303, "{grounds}");
    }
    let shown = citizen.get(server.url("/me")).send().await.unwrap().text().await.unwrap();
    assert!(shown.contains("记录 tax-1 已有异议（异议 ") && !shown.contains("already disputed"), "{shown}");

    // A rule of reporting too: reporting oneself (the report form is multipart).
    let form = citizen.get(server.url("/me/reports")).send().await.unwrap().text().await.unwrap();
    let csrf = common::csrf_of(&form);
    let boundary = "socred-test-boundary";
    let fields = [
        ("csrf", csrf.as_str()),
        ("subject", common::PERSON),
        ("behaviour", "jaywalking"),
        ("occurred_on", "2026-01-05"),
        ("description", "闯红灯"),
    ];
    let mut body = String::new();
    for (name, value) in fields {
        body.push_str(&format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"));
    }
    body.push_str(&format!("--{boundary}--\r\n"));
    let filed = citizen
        .post(server.url("/me/reports"))
        .header("content-type", format!("multipart/form-data; boundary={boundary}"))
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(filed.status(), 303);
    let shown = citizen.get(server.url("/me/reports")).send().await.unwrap().text().await.unwrap();
    assert!(shown.contains("不能举报自己") && !shown.contains("report yourself"), "{shown}");
}

/// The language a signed-in person chooses is kept on their account and
/// follows them to another browser; a choice no other site can make for them.
async fn the_accounts_choice_follows_it_to_another_browser(backend: common::Backend) {
    use socred_auth::Role;
    let server = TestServer::start_on(backend).await;
    let first = browser("en");
    assert_eq!(sign_in(&server, &first, Role::Subject).await, "/me");
    let switched = first.get(server.url("/language?to=zh-CN&back=/me")).send().await.unwrap();
    assert_eq!(switched.status(), 303);
    let page = first.get(server.url("/me")).send().await.unwrap().text().await.unwrap();
    assert!(page.contains(r#"<html lang="zh-CN">"#), "the switch works in this browser");
    // Another browser, which asks for English and has no cookie: signing in brings the choice.
    let second = browser("en");
    let login = server.url("/login");
    let form = second.get(&login).send().await.unwrap().text().await.unwrap();
    assert!(form.contains(r#"<html lang="en">"#), "before signing in, the browser's language");
    let csrf = common::csrf_of(&form);
    let username = common::username(Role::Subject);
    let response = second
        .post(&login)
        .form(&[("csrf", csrf.as_str()), ("username", username.as_str()), ("password", common::PASSWORD), ("code", "")])
        .send()
        .await
        .unwrap();
    let cookies: Vec<String> = response.headers().get_all("set-cookie").iter().map(|v| v.to_str().unwrap().to_string()).collect();
    assert!(cookies.iter().any(|c| c.starts_with("socred_lang=zh-CN;")), "{cookies:?}");
    let page = second.get(server.url("/me")).send().await.unwrap().text().await.unwrap();
    assert!(page.contains(r#"<html lang="zh-CN">"#) && page.contains("我的档案"));
    // An account that never chose brings nothing: the browser's language stands.
    let officer = browser("en");
    assert_eq!(sign_in(&server, &officer, Role::Officer).await, "/officer");
    let page = officer.get(server.url("/officer")).send().await.unwrap().text().await.unwrap();
    assert!(page.contains(r#"<html lang="en">"#));
    // Switching back is kept as well.
    second.get(server.url("/language?to=en&back=/me")).send().await.unwrap();
    let third = browser("zh-CN");
    sign_in(&server, &third, Role::Subject).await;
    let page = third.get(server.url("/me")).send().await.unwrap().text().await.unwrap();
    assert!(page.contains(r#"<html lang="en">"#), "the account's choice wins over the browser's header");
    // A choice made in this browser before signing in stands.
    let fourth = browser("en");
    fourth.get(server.url("/language?to=zh-CN&back=/login")).send().await.unwrap();
    sign_in(&server, &fourth, Role::Subject).await;
    let page = fourth.get(server.url("/me")).send().await.unwrap().text().await.unwrap();
    assert!(page.contains(r#"<html lang="zh-CN">"#), "the browser's own choice is not overridden at sign-in");
}

#[tokio::test]
async fn the_accounts_choice_follows_it_to_another_browser_on_sqlite() {
    the_accounts_choice_follows_it_to_another_browser(common::Backend::Sqlite).await;
}

#[tokio::test]
async fn the_accounts_choice_follows_it_to_another_browser_on_postgres() {
    the_accounts_choice_follows_it_to_another_browser(common::Backend::Postgres).await;
}

/// What due process owes a subject, as e-mail-ready texts in the reader's
/// language: the subject reads their own, staff reads reach the access log,
/// and a garbage language is refused before anything is read.
#[tokio::test]
async fn a_subjects_mail_is_ready_in_either_language() {
    use socred_auth::Role;
    let server = TestServer::start().await;
    let path = format!("/api/v1/subjects/{}/mail", common::PERSON);
    let (status, chinese) = server.call(Some(Role::Subject), "GET", &format!("{path}?lang=zh-CN"), None).await;
    assert_eq!(status, 200, "{chinese}");
    assert_eq!(chinese["language"], "zh-CN");
    let notice = &chinese["mail"][0];
    assert_eq!((notice["kind"].as_str(), notice["about"].as_str()), (Some("notice"), Some("blacklist:jd-1")), "{chinese}");
    assert!(notice["subject"].as_str().unwrap().starts_with("告知书：拟将您列入"), "{notice}");
    let message = notice["message"].as_str().unwrap();
    assert!(message.contains("Content-Language: zh-CN\r\n") && message.contains("Subject: =?UTF-8?B?"), "{message}");
    assert!(notice["body"].as_str().unwrap().contains("尊敬的"), "{notice}");

    // Without `lang`, the Accept-Language header chooses.
    let english = reqwest::Client::new()
        .get(server.url(&path))
        .bearer_auth(server.token(Role::Subject))
        .header("Accept-Language", "en-GB,en;q=0.9")
        .send()
        .await
        .unwrap()
        .json::<serde_json::Value>()
        .await
        .unwrap();
    assert_eq!(english["language"], "en");
    assert!(english["mail"][0]["subject"].as_str().unwrap().starts_with("Notice: you are to be entered on the"), "{english}");

    let before = server.fingerprint();
    for garbage in ["fr", "", "zh-CN\r\nBcc: x", &"zh-".repeat(40)] {
        let encoded: String = garbage.bytes().map(|b| format!("%{b:02X}")).collect();
        let (status, refused) = server.call(Some(Role::Reviewer), "GET", &format!("{path}?lang={encoded}"), None).await;
        assert_eq!((status, refused["error"]["field"].as_str()), (422, Some("lang")), "{garbage:?}: {refused}");
    }
    let (status, _) = server.call(Some(Role::Subject), "GET", &format!("/api/v1/subjects/{}/mail", common::OTHER), None).await;
    assert_eq!(status, 403, "another subject's mail");
    assert_eq!(server.fingerprint(), before, "refusals read and log nothing");

    // A reviewer's read is a read of the file: the subject sees it.
    let (status, _) = server.call(Some(Role::Reviewer), "GET", &format!("{path}?purpose=sending%20notices"), None).await;
    assert_eq!(status, 200);
    let (_, file) = server.call(Some(Role::Subject), "GET", &format!("/api/v1/subjects/{}/file", common::PERSON), None).await;
    let accesses = file["accesses"].to_string();
    assert!(accesses.contains("e-mail-ready texts") && accesses.contains("sending notices"), "{accesses}");
}

/// A notice's facts and legal basis, written by the rules, read in Chinese
/// on the portal; the public list names the tier rule in Chinese too.
#[tokio::test]
async fn a_rules_words_on_an_entry_follow_the_reader() {
    let server = TestServer::start().await;
    let chinese = browser("zh-CN");
    sign_in(&server, &chinese, socred_auth::Role::Subject).await;
    let page = chinese.get(server.url("/me")).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("2025年1月10日，有履行能力而拒不履行生效法律文书"), "the facts in Chinese: {page}");
    assert!(page.contains("《中华人民共和国民事诉讼法》"), "the joined basis in Chinese: {page}");
    assert!(!page.contains("on 2025-01-10,") && !page.contains("Civil Procedure Law"), "no English the rules wrote: {page}");
    // The authority a record names, and the tier rule in an entry's history, by their Chinese names.
    assert!(page.contains("<td>市税务局</td>") && !page.contains("Municipal Tax Bureau"), "the authority in Chinese: {page}");
    assert!(!page.contains("tier rule of rulebook"), "the tier rule in Chinese: {page}");
    let english = browser("en");
    sign_in(&server, &english, socred_auth::Role::Subject).await;
    let page = english.get(server.url("/me")).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("on 2025-01-10, Refusing to carry out a court judgment"), "the facts as the ledger wrote them: {page}");
}

/// A refused search, filter or page number on the public list reads in the
/// reader's language; the API states the same reason in English.
#[tokio::test]
async fn a_refused_filter_reads_in_the_readers_language() {
    let server = TestServer::start().await;
    let chinese = [("accept-language", "zh-CN")];
    for (query, in_chinese, in_english) in [
        ("q=110101199003074514", "不能以完整的居民身份证号码", "a full identity number"),
        ("region=99", "不以省级行政区划代码开头", "does not start with a province-level code"),
        ("region=1", "不是省级代码", "is not a province code"),
        ("page=0", "必须是 1 至 5000 之间的整数", "must be a whole number from 1 to 5000"),
    ] {
        let (status, _, page) = get(&server, &format!("/lists?{query}"), &chinese).await;
        assert_eq!(status, 200, "{query}");
        assert!(page.contains(in_chinese), "{query}: {in_chinese}");
        assert!(!page.contains(in_english), "{query}: English on the Chinese page");
        let (_, _, page) = get(&server, &format!("/lists?{query}"), &[("accept-language", "en")]).await;
        assert!(page.contains(in_english), "{query}: {in_english}");
    }
    let (status, _, body) = get(&server, "/api/v1/lists/public?search=110101199003074514", &chinese).await;
    assert_eq!(status, 422);
    let body: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(body["error"]["field"], "search");
    assert!(body["error"]["message"].as_str().unwrap().starts_with("a full identity number"), "{body}");
}

/// What a staff read was and why, as socred wrote it in the access log,
/// reads in the subject's language on their portal.
#[tokio::test]
async fn the_access_log_reads_in_the_subjects_language() {
    use socred_auth::Role;
    let server = TestServer::start().await;
    let (status, _) = server.call(Some(Role::Reviewer), "GET", &format!("/api/v1/subjects/{}/file", common::PERSON), None).await;
    assert_eq!(status, 200);
    for (language, shown, hidden) in [("zh-CN", ["档案", "未说明"], "not stated"), ("en", ["file", "not stated"], "未说明")] {
        let browser = browser(language);
        sign_in(&server, &browser, Role::Subject).await;
        let page = browser.get(server.url("/me")).send().await.unwrap().text().await.unwrap();
        let row = page.split("<tr>").find(|row| row.contains(shown[1])).unwrap_or_else(|| panic!("{language}: no access row"));
        assert!(row.contains(shown[0]), "{language}: {row}");
        assert!(!page.contains(hidden), "{language}");
    }
}
