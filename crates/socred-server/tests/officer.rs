//! The officer's record form: only the behaviours the authority is entitled
//! to, nothing chosen in advance, a case number, and a confirmation step
//! before a large deduction is stored.

use crate::common;

use common::{OTHER, TestServer, browser, csrf_of, sign_in};
use socred_auth::Role;

async fn sign_in_as(server: &TestServer, username: &str) -> reqwest::Client {
    let client = browser("en");
    let login = client.get(server.url("/login")).send().await.unwrap().text().await.unwrap();
    let response = client
        .post(server.url("/login"))
        .form(&[("csrf", csrf_of(&login).as_str()), ("username", username), ("password", common::PASSWORD), ("code", "")])
        .send()
        .await
        .unwrap();
    assert_eq!(response.headers()["location"], "/officer");
    client
}

#[tokio::test]
async fn a_large_deduction_is_confirmed_and_an_authority_records_only_its_own_behaviours() {
    let server = TestServer::start().await;
    let officer = browser("en");
    sign_in(&server, &officer, Role::Officer).await;
    let console = officer.get(server.url("/officer")).send().await.unwrap().text().await.unwrap();
    assert!(console.contains("<option value=\"\" selected disabled>Choose a behaviour</option>"), "nothing chosen in advance");
    assert!(console.contains("name=\"case_number\""), "a case-number field");
    let csrf = csrf_of(&console);
    let form = |behaviour: &'static str, confirmed: bool| {
        let mut fields = vec![
            ("csrf", csrf.clone()),
            ("subject", OTHER.to_string()),
            ("behaviour", behaviour.to_string()),
            ("at", "2025-01-01".to_string()),
            ("case_number", "(2025) tax 9".to_string()),
            ("evidence", "inspection report".to_string()),
        ];
        if confirmed {
            fields.push(("confirmed", "yes".to_string()));
        }
        fields
    };

    // Tax evasion costs 100 points: the form is shown back to confirm, and nothing is stored yet.
    let before = server.fingerprint();
    let asked = officer.post(server.url("/officer/records")).form(&form("tax-evasion", false)).send().await.unwrap();
    assert_eq!(asked.status(), 200);
    let asked = asked.text().await.unwrap();
    assert!(
        asked.contains("data-testid=\"confirm-record\"") && asked.contains("You are about to record -100 points for Tax evasion"),
        "{asked}"
    );
    assert!(
        asked.contains("name=\"confirmed\" value=\"yes\"") && asked.contains("value=\"(2025) tax 9\""),
        "the values are carried: {asked}"
    );
    assert_eq!(server.fingerprint(), before, "nothing is stored before the confirmation");
    let stored = officer.post(server.url("/officer/records")).form(&form("tax-evasion", true)).send().await.unwrap();
    assert_eq!(stored.status(), 303);
    assert_ne!(server.fingerprint(), before);
    let (_, file) = server.call(Some(Role::Auditor), "GET", &format!("/api/v1/subjects/{OTHER}/file?purpose=audit"), None).await;
    assert!(file.to_string().contains("Case (2025) tax 9; inspection report"), "the case number leads the evidence: {file}");

    // A form the checks refuse is refused before any confirmation is asked.
    let mut garbage = form("tax-evasion", false);
    garbage[1].1 = "110101199003074515".to_string();
    let refused = officer.post(server.url("/officer/records")).form(&garbage).send().await.unwrap();
    assert_eq!(refused.status(), 303, "back to the console with the reason, not to a confirmation");

    // An oversize case number is refused by the record's checks, before any confirmation.
    let mut oversize = form("tax-evasion", true);
    oversize[4].1 = "9".repeat(2_000);
    let before = server.fingerprint();
    assert_eq!(officer.post(server.url("/officer/records")).form(&oversize).send().await.unwrap().status(), 303);
    assert_eq!(server.fingerprint(), before, "nothing stored");

    // A small deduction needs no confirmation.
    let small = officer.post(server.url("/officer/records")).form(&form("waste-sorting", false)).send().await.unwrap();
    assert_eq!(small.status(), 303);

    // The traffic police see and may record traffic behaviours only.
    let traffic = sign_in_as(&server, "officer-2").await;
    let console = traffic.get(server.url("/officer")).send().await.unwrap().text().await.unwrap();
    assert!(console.contains("value=\"jaywalking\"") && !console.contains("value=\"tax-evasion\""), "only its behaviours are offered");
    let before = server.fingerprint();
    let fields = [
        ("csrf", csrf_of(&console)),
        ("subject", OTHER.to_string()),
        ("behaviour", "tax-evasion".to_string()),
        ("at", "2025-01-01".to_string()),
        ("confirmed", "yes".to_string()),
    ];
    let refused = traffic.post(server.url("/officer/records")).form(&fields).send().await.unwrap();
    assert_eq!(refused.status(), 303);
    let flash = traffic.get(server.url("/officer")).send().await.unwrap().text().await.unwrap();
    assert!(flash.contains("Traffic Police is entitled to record"), "{flash}");
    assert_eq!(server.fingerprint(), before, "a refused record changes nothing");

    // A record the checks refuse says why in the officer's language.
    let chinese = browser("zh-CN");
    sign_in(&server, &chinese, Role::Officer).await;
    let console = chinese.get(server.url("/officer")).send().await.unwrap().text().await.unwrap();
    let fields = [
        ("csrf", csrf_of(&console)),
        ("subject", OTHER.to_string()),
        ("behaviour", "waste-sorting".to_string()),
        ("at", "2025-02-30".to_string()),
    ];
    assert_eq!(chinese.post(server.url("/officer/records")).form(&fields).send().await.unwrap().status(), 303);
    let flash = chinese.get(server.url("/officer")).send().await.unwrap().text().await.unwrap();
    // The field is named once, beside the reason.
    assert!(flash.contains("未被接受（日期）：&quot;2025-02-30&quot; 不是有效的日历日期"), "{flash}");
    assert!(!flash.contains("is not a valid calendar date"), "{flash}");
}
