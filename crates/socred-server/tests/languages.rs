//! The public pages in both languages: chosen by `Accept-Language`, or by
//! the switch on every page (a cookie, which wins), with `<html lang>` set
//! and no message id left untranslated; the switch returns only to this site.

mod common;

use common::TestServer;

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
    let prefixes =
        ["nav-", "home-", "lists-", "rulebook-", "category-", "role-", "sign-", "skip-", "footer", "language-label", "replay-notice"];
    // Only text between tags: attribute values and codes may hold hyphenated words.
    let text: String = page.split('<').filter_map(|part| part.split_once('>').map(|(_, text)| text)).collect::<Vec<_>>().join(" ");
    text.split(|c: char| !(c.is_ascii_alphanumeric() || c == '-'))
        .find(|word| prefixes.iter().any(|prefix| word.starts_with(prefix) && word.len() > prefix.len().min(word.len()) - 1))
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
    // There the switch marks the reader's choice and offers the other language.
    let (_, _, page) = get(&server, "/login", &[("accept-language", "zh-CN")]).await;
    assert!(page.contains(r#"<html lang="en">"#) && page.contains(r#"<span aria-current="true" lang="zh-CN">"#));
    assert!(page.contains("data-testid=\"language-en\""));
}
