use super::*;
use socred_core::lists::{Appeal, Decision, Dispute};
use socred_core::process::{CaseId, EntryId};
use socred_core::record::RecordId;
use socred_core::rulebook::ListKind;

fn rulebook() -> Rulebook {
    Rulebook::from_toml(socred_core::DEFAULT_RULEBOOK, "default.toml").unwrap()
}

fn day(text: &str) -> Date {
    socred_core::parse_date(text).unwrap()
}

fn notice(rulebook: &Rulebook, facts: &str) -> Notice {
    let spec = rulebook.list("blacklist").unwrap();
    Notice {
        entry: EntryId::parse("blacklist:jd-1").unwrap(),
        list: "blacklist".into(),
        list_title: spec.title.clone(),
        issued_by: "Intermediate People's Court".into(),
        served_on: day("2025-01-10"),
        facts: facts.into(),
        facts_source: socred_core::lists::FactsSource::Written,
        legal_basis: spec.legal_basis.clone(),
        consequences: spec.consequences.clone(),
        max_listing_years: 3,
        appeal_deadline: Some(day("2025-01-20")),
        listing_if_unappealed: day("2025-01-21"),
        second_instance: true,
        repair_after_years: 1,
        repair_requires_commitment: true,
        kind: ListKind::Restrictive,
    }
}

fn decision<O>(on: &str, outcome: O) -> Option<Decision<O>> {
    Some(Decision { on: day(on), by: "reviewer-li".into(), outcome, reasons: "The judgment was paid late.".into() })
}

fn width(line: &str) -> usize {
    line.chars().map(columns).sum()
}

fn lines_are_short(mail: &Mail) {
    for line in mail.body.lines() {
        assert!(width(line) <= MAX_LINE_COLUMNS || !line.contains(' '), "{} columns: {line:?}", width(line));
        assert!(!line.chars().any(char::is_control), "{line:?}");
    }
}

#[test]
fn a_notice_reads_in_chinese_with_the_rulebooks_own_words() {
    let rulebook = rulebook();
    let spec = rulebook.list("blacklist").unwrap();
    let mail = notice_mail(
        Language::Chinese,
        &rulebook,
        "王芳 (Wang Fang)",
        &notice(&rulebook, "未履行（2024）民事判决第17号。"),
        Some("https://credit.example.gov.cn/"),
    );
    assert_eq!(mail.subject, format!("告知书：拟将您列入{}，申诉截止日期为2025年1月20日", spec.title_zh));
    let body = mail.body.replace('\n', "");
    for part in [
        "尊敬的王芳 (Wang Fang)：",
        "2025年1月10日",
        "未履行（2024）民事判决第17号。",
        "2025年1月21日",
        "https://credit.example.gov.cn/me",
        "期限最长 3 年",
    ] {
        assert!(body.contains(part), "{part:?} missing:\n{}", mail.body);
    }
    assert!(body.contains(&spec.legal_basis_zh.replace('\n', "")), "the basis in Chinese:\n{}", mail.body);
    assert!(!body.contains(&spec.legal_basis), "no English basis in the Chinese text");
    lines_are_short(&mail);
}

#[test]
fn a_notice_reads_in_english_and_a_reworded_basis_stands_as_served() {
    let rulebook = rulebook();
    let mut served = notice(&rulebook, "Did not pay the judgment (2024) civil case 17.");
    served.legal_basis = "A basis the rulebook no longer words this way".into();
    let mail = notice_mail(Language::English, &rulebook, "Wang Fang", &served, None);
    assert_eq!(
        mail.subject,
        "Notice: you are to be entered on the List of seriously untrustworthy subjects; you may appeal until 2025-01-20"
    );
    let body = mail.body.replace('\n', " ");
    for part in [
        "Dear Wang Fang,",
        "A basis the rulebook no longer words this way",
        "for at most 3 years",
        "until 2025-01-20 (inclusive)",
        "Sign in to socred",
    ] {
        assert!(body.contains(part), "{part:?} missing:\n{}", mail.body);
    }
    lines_are_short(&mail);
}

#[test]
fn the_message_is_mime_with_an_encoded_subject_and_crlf_lines() {
    use base64::Engine;
    let rulebook = rulebook();
    let mail = notice_mail(Language::Chinese, &rulebook, "王芳", &notice(&rulebook, "事实"), None);
    let message = mail.to_message();
    assert!(!message.replace("\r\n", "").contains('\n') && !message.replace("\r\n", "").contains('\r'), "every line ends in CRLF");
    let (head, body) = message.split_once("\r\n\r\n").unwrap();
    assert!(head.contains("Content-Type: text/plain; charset=UTF-8") && head.contains("Content-Language: zh-CN"), "{head}");
    assert!(head.lines().all(|line| line.len() <= 78), "header lines fold: {head}");
    assert!(head.is_ascii(), "headers are ASCII: {head}");
    let encoded = head.split("Subject: ").nth(1).unwrap().split("\r\nContent-Type").next().unwrap();
    let decoded: Vec<u8> = encoded
        .split("\r\n ")
        .flat_map(|word| {
            base64::engine::general_purpose::STANDARD.decode(word.strip_prefix("=?UTF-8?B?").unwrap().strip_suffix("?=").unwrap()).unwrap()
        })
        .collect();
    assert_eq!(String::from_utf8(decoded).unwrap(), mail.subject, "the encoded words decode to the subject");
    assert_eq!(body.replace("\r\n", "\n").trim_end(), mail.body);
}

#[test]
fn no_text_can_start_a_header_of_its_own() {
    let rulebook = rulebook();
    let mut served = notice(&rulebook, "facts\r\nBcc: everyone@example.com");
    served.list_title = "Evil\r\nBcc: victim@example.com".into();
    served.list = "a-list-of-tomorrow".into();
    for language in Language::ALL {
        let message = notice_mail(language, &rulebook, "Name\r\nBcc: x@example.com", &served, None).to_message();
        let (head, _) = message.split_once("\r\n\r\n").unwrap();
        assert!(head.lines().all(|line| !line.starts_with("Bcc")), "{head}");
    }
}

#[test]
fn long_lines_wrap_at_spaces_or_between_characters() {
    let english = "word ".repeat(40);
    let wrapped = wrap_line(&english);
    assert!(wrapped.len() > 1 && wrapped.iter().all(|line| width(line) <= MAX_LINE_COLUMNS && !line.starts_with(' ')), "{wrapped:?}");
    assert_eq!(wrapped.join(" "), english.trim_end());
    let chinese = "失信".repeat(5_000);
    let wrapped = wrap_line(&chinese);
    assert!(wrapped.iter().all(|line| width(line) <= MAX_LINE_COLUMNS), "Chinese breaks between characters");
    assert_eq!(wrapped.concat(), chinese);
    // No line starts with closing punctuation; an address stays whole.
    let sentence = format!("{}，表格：https://credit.example.gov.cn/a/long/path/to/the/file/of/the/subject/me", "您可以".repeat(12));
    let wrapped = wrap_line(&sentence);
    assert!(wrapped.iter().all(|line| !line.starts_with('，')), "{wrapped:?}");
    assert!(
        wrapped.iter().any(|line| line.ends_with("https://credit.example.gov.cn/a/long/path/to/the/file/of/the/subject/me")),
        "{wrapped:?}"
    );
    assert_eq!(wrapped.concat(), sentence);
    // A run longer than any line is cut, so no line outgrows what mail carries.
    let run = "a".repeat(1_000);
    let wrapped = wrap_line(&run);
    assert!(wrapped.iter().all(|line| line.chars().count() <= MAX_UNBROKEN_CHARS) && wrapped.concat() == run, "{wrapped:?}");
    assert_eq!(wrap_line(""), vec![String::new()]);
}

#[test]
fn every_decision_is_a_letter_and_an_undecided_case_none() {
    let rulebook = rulebook();
    let served = notice(&rulebook, "facts");
    let spec = rulebook.list("blacklist").unwrap();
    let appeal = |id: &str, instance, decision| Appeal {
        id: CaseId::parse(id).unwrap(),
        entry: served.entry.clone(),
        instance,
        filed_on: day("2025-01-15"),
        by: "subject".into(),
        grounds: "paid".into(),
        decide_by: day("2025-02-15"),
        decision,
        overdue: false,
    };
    let entry = socred_core::lists::ListEntry {
        id: served.entry.clone(),
        subject: socred_core::SubjectId::parse("11010519491231002X").unwrap(),
        list: "blacklist".into(),
        list_title: spec.title.clone(),
        kind: ListKind::Restrictive,
        state: socred_core::lists::EntryState::UnderAppeal,
        authority: served.issued_by.clone(),
        legal_basis: served.legal_basis.clone(),
        facts: served.facts.clone(),
        facts_source: served.facts_source.clone(),
        started_on: served.served_on,
        notice: Some(served.clone()),
        listed_since: None,
        listed_until: None,
        repair_from: None,
        published: false,
        appeals: vec![appeal("ap-1", 1, decision("2025-01-30", AppealOutcome::Uphold)), appeal("ap-2", 2, None)],
        repairs: Vec::new(),
        history: Vec::new(),
    };
    let dispute = Dispute {
        id: CaseId::parse("dp-1").unwrap(),
        record: RecordId::parse("jd-1").unwrap(),
        filed_on: day("2025-01-12"),
        by: "subject".into(),
        grounds: "not mine".into(),
        decide_by: day("2025-02-12"),
        decision: decision("2025-01-20", DisputeOutcome::Reject),
        overdue: false,
    };
    let due = DueProcessView { entries: vec![entry], disputes: vec![dispute] };
    let letters = letters(Language::Chinese, &rulebook, "王芳", &due, None);
    let kinds: Vec<(MailKind, &str)> = letters.iter().map(|mail| (mail.kind, mail.about.as_str())).collect();
    assert_eq!(
        kinds,
        [(MailKind::Notice, "blacklist:jd-1"), (MailKind::DisputeDecided, "dp-1"), (MailKind::AppealDecided, "ap-1")],
        "oldest first; the undecided second appeal has no letter"
    );
    assert_eq!(letters[1].subject, "您的异议 dp-1：记录 jd-1 维持");
    assert_eq!(letters[2].subject, format!("您的申诉 ap-1：维持列入{}的决定", spec.title_zh));
    let appeal_body = letters[2].body.replace('\n', "");
    assert!(
        appeal_body.contains("reviewer-li于2025年1月30日作出决定") && appeal_body.contains("The judgment was paid late."),
        "{appeal_body}"
    );
    assert!(appeal_body.contains("再申诉一次"), "a first-instance decision upholding the listing names the second instance");
    for mail in &letters {
        lines_are_short(mail);
    }
}

#[test]
fn the_site_address_is_checked() {
    for good in ["https://credit.example.gov.cn", "http://127.0.0.1:8080/", "https://example.org/socred"] {
        assert_eq!(check_portal(good), Ok(()), "{good}");
    }
    let long = format!("https://{}", "a".repeat(MAX_PORTAL_CHARS));
    for bad in [
        "",
        "ftp://x",
        "https://",
        "https:///me",
        "https://a b",
        "https://x\r\nBcc: y",
        "javascript:alert(1)",
        "https://x/?q=1",
        "https://x\"",
        &long,
    ] {
        assert!(check_portal(bad).is_err(), "{bad:?}");
    }
}
