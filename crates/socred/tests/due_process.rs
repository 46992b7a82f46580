//! Due process through the CLI: lists, notices, appeals, disputes, repair,
//! the public list, the subject's file. Every refusal leaves the store unchanged.

use crate::common;

use common::{Env, GUARDIAN, PERSON};

const ENTRY: &str = "blacklist:jd-1";

/// Wang Fang (GUARDIAN) is recorded as a judgment defaulter on 2025-01-10 by a court clerk.
fn defaulter() -> Env {
    defaulter_in(Env::new())
}

fn defaulter_in(env: Env) -> Env {
    env.add_people();
    let output = env
        .command(&[
            "record",
            "add",
            "--subject",
            GUARDIAN,
            "--behaviour",
            "judgment-default",
            "--at",
            "2025-01-10",
            "--source",
            "Intermediate People's Court",
            "--evidence",
            "(2024) civil case 17",
            "--record-id",
            "jd-1",
            "--on",
            "2025-01-10",
        ])
        .env("SOCRED_ACTOR", "clerk-zhou")
        .output()
        .unwrap();
    assert!(output.status.success());
    env
}

fn as_actor(env: &Env, actor: &str, args: &[&str]) -> std::process::Output {
    env.command(args).env("SOCRED_ACTOR", actor).output().unwrap()
}

fn ok_as(env: &Env, actor: &str, args: &[&str]) -> serde_json::Value {
    let mut with_json = args.to_vec();
    with_json.push("--json");
    let output = as_actor(env, actor, &with_json);
    assert!(output.status.success(), "{args:?} as {actor}: {}", String::from_utf8_lossy(&output.stderr));
    serde_json::from_slice(&output.stdout).unwrap()
}

fn refused_as(env: &Env, actor: &str, args: &[&str], fragments: &[&str]) {
    let before = env.fingerprint();
    let output = as_actor(env, actor, args);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(matches!(output.status.code(), Some(1) | Some(2)), "{args:?} should be refused: {stderr}");
    for fragment in fragments {
        assert!(stderr.contains(fragment), "{args:?}: {fragment:?} not in {stderr}");
    }
    assert_eq!(env.fingerprint(), before, "{args:?} changed the store");
}

fn state(env: &Env, as_of: &str) -> String {
    env.json(&["list", "show", ENTRY, "--as-of", as_of])["state"].as_str().unwrap().to_string()
}

#[test]
fn scenario_5_notice_window_and_listing() {
    let env = defaulter();
    assert_eq!(state(&env, "2025-01-10"), "notice-served");
    assert_eq!(state(&env, "2025-01-20"), "notice-served");
    assert_eq!(state(&env, "2025-01-21"), "listed");
    let notice = env.ok(&["list", "notice", ENTRY]);
    for part in [
        "WRITTEN NOTICE",
        "Wang Fang",
        "Case number:  blacklist:jd-1",
        "Served on:    2025-01-10",
        "1. The facts",
        "2. The legal basis",
        "3. The consequences",
        "until 2025-01-20 (inclusive)",
        "takes effect on 2025-01-21",
        "By post: write to Municipal Credit Office, Reviews Section, 1 Civic Centre Road, naming the case number above.",
        "On the web: sign in to socred and open your file",
        "Intermediate People's Court, Enforcement Division, 8 Court Street",
    ] {
        assert!(notice.contains(part), "{part:?} missing from the notice:\n{notice}");
    }
    assert!(!notice.contains("socred appeal file"), "the notice tells a citizen what to do, not a command to run:\n{notice}");
    let json = env.json(&["list", "notice", ENTRY]);
    assert_eq!(json["notice"]["appeal_deadline"], "2025-01-20");
    assert_eq!(json["to"]["name"], "Wang Fang");
    // The same notice in Chinese: by --lang, or by the locale; the list's own words from the rulebook.
    let in_chinese = env.ok(&["--lang", "zh-CN", "list", "notice", ENTRY]);
    for part in [
        "书面告知书",
        "严重失信主体名单",
        "Wang Fang",
        "送达日期：    2025年1月10日",
        "一、事实",
        "二、法律依据",
        "三、后果",
        "2025年1月20日（含当日）",
        "2025年1月21日 生效",
        "邮寄办理：寄至市社会信用管理办公室复核科（市民中心路1号），并注明上述告知书编号。",
        "中级人民法院执行局（法院街8号）",
        "由中级人民法院记录",
    ] {
        assert!(in_chinese.contains(part), "{part:?} missing from the Chinese notice:\n{in_chinese}");
    }
    assert!(!in_chinese.contains("The facts"), "{in_chinese}");
    // What the rules wrote (the facts, the joined legal basis) is written again in Chinese.
    assert!(in_chinese.contains("2025年1月10日，有履行能力而拒不履行生效法律文书"), "{in_chinese}");
    assert!(in_chinese.contains("《中华人民共和国民事诉讼法》") && !in_chinese.contains("recorded by"), "{in_chinese}");
    let by_locale = env.command(&["list", "notice", ENTRY]).env("LANG", "zh_CN.UTF-8").output().unwrap();
    assert_eq!(String::from_utf8(by_locale.stdout).unwrap(), in_chinese, "LANG=zh_CN.UTF-8 reads Chinese");
    assert_eq!(env.json(&["--lang", "zh-CN", "list", "notice", ENTRY]), json, "JSON is the same in both languages");
    let show = env.ok(&["--lang", "zh-CN", "show", GUARDIAN, "--as-of", "2025-01-21"]);
    assert!(show.contains("为什么是") && show.contains("分数") && show.contains("档案："), "{show}");
    for garbage in ["fr", "", "english", "en\u{7f}"] {
        let refused = env.run(&["--lang", garbage, "show", GUARDIAN]);
        assert_eq!(refused.status.code(), Some(2), "--lang {garbage:?}");
        assert!(String::from_utf8_lossy(&refused.stderr).contains("--lang"), "--lang {garbage:?}");
    }

    // Day 11 is refused with the deadline; day 10 is accepted.
    refused_as(
        &env,
        GUARDIAN,
        &["appeal", "file", ENTRY, "--grounds", "paid", "--on", "2025-01-21"],
        &["ENTRY", "the appeal deadline was 2025-01-20", "today is 2025-01-21"],
    );
    // The same rule in Chinese, its days as Chinese writes them.
    refused_as(
        &env,
        GUARDIAN,
        &["--lang", "zh-CN", "appeal", "file", ENTRY, "--grounds", "paid", "--on", "2025-01-21"],
        &["申诉期限为 2025年1月20日", "今天是 2025年1月21日"],
    );
    let filed =
        ok_as(&env, GUARDIAN, &["appeal", "file", ENTRY, "--grounds", "the judgment was paid", "--on", "2025-01-20", "--appeal-id", "a1"]);
    assert_eq!(filed["result"]["outcome"], "stored");
    assert_eq!(state(&env, "2025-01-25"), "under-appeal");
    // Filing again is a no-op, not a second appeal.
    let before = env.fingerprint();
    let again =
        ok_as(&env, GUARDIAN, &["appeal", "file", ENTRY, "--grounds", "the judgment was paid", "--on", "2025-01-20", "--appeal-id", "a1"]);
    assert_eq!(again["result"]["outcome"], "duplicate");
    assert_eq!(env.fingerprint(), before);
}

// The acts, the public list and the reviewers' queue run on both backends.
on_both_backends!(
    appeals_are_decided_by_someone_else_and_second_instance_once,
    withdrawn_proposals_cannot_be_appealed,
    an_upheld_dispute_voids_the_record_and_everything_follows
);

/// The text `pdftotext` (poppler-utils, installed by scripts/test.sh) reads
/// out of a PDF, without the layout's white space.
fn pdf_text(path: &std::path::Path) -> String {
    let output =
        std::process::Command::new("pdftotext").args(["-enc", "UTF-8"]).arg(path).arg("-").output().expect("pdftotext (poppler-utils)");
    assert!(output.status.success(), "pdftotext refused {}", path.display());
    String::from_utf8(output.stdout).unwrap().chars().filter(|character| !character.is_whitespace()).collect()
}

#[test]
fn the_notice_as_a_pdf_has_its_deadline_and_case_number_in_both_languages() {
    let env = defaulter();
    let english = env.path("notice.pdf");
    env.ok(&["list", "notice", ENTRY, "--pdf", english.to_str().unwrap()]);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&english).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "a notice with a full identity number is readable by its owner only");
    }
    let text = pdf_text(&english);
    for part in ["blacklist:jd-1", "until 2025-01-20 (inclusive)", "Wang Fang", "Municipal Credit Office"] {
        let part: String = part.chars().filter(|character| !character.is_whitespace()).collect();
        assert!(text.contains(&part), "{part:?} missing from the PDF:\n{text}");
    }
    let chinese = env.path("notice-zh.pdf");
    env.ok(&["--lang", "zh-CN", "list", "notice", ENTRY, "--pdf", chinese.to_str().unwrap()]);
    let text = pdf_text(&chinese);
    for part in ["blacklist:jd-1", "2025年1月20日（含当日）", "书面告知书", "严重失信主体名单"] {
        assert!(text.contains(part), "{part:?} missing from the Chinese PDF:\n{text}");
    }
    // A PDF that cannot be written (no such font) is refused before the read is logged.
    let before = env.fingerprint();
    let refused = env
        .command(&["list", "notice", ENTRY, "--pdf", env.path("x.pdf").to_str().unwrap()])
        .env("SOCRED_FONT_HAN", "/nonexistent.ttf")
        .output()
        .unwrap();
    assert_eq!(refused.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(stderr.contains("--pdf") && stderr.contains("/nonexistent.ttf"), "{stderr}");
    assert!(!env.path("x.pdf").exists());
    let refused = env
        .command(&["--lang", "zh-CN", "list", "notice", ENTRY, "--pdf", env.path("x.pdf").to_str().unwrap()])
        .env("SOCRED_FONT_HAN", "/nonexistent.ttf")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(stderr.contains("错误：--pdf：字体 /nonexistent.ttf 无法用于排版告知"), "{stderr}");
    assert_eq!(env.fingerprint(), before);
    // A file that cannot be made is refused before the read is logged, too.
    let nowhere = env.path("no-such-directory/notice.pdf");
    env.refused(&["list", "notice", ENTRY, "--pdf", nowhere.to_str().unwrap()], &["--pdf", "no-such-directory"]);
    assert_eq!(env.fingerprint(), before);
}

#[test]
fn mail_gives_every_notice_and_decision_as_a_message() {
    let env = defaulter();
    env.ok(&["dispute", "file", "jd-1", "--grounds", "not mine", "--dispute-id", "dp-1", "--on", "2025-01-11", "--actor", "wang"]);
    env.ok(&[
        "dispute",
        "decide",
        "dp-1",
        "--outcome",
        "reject",
        "--reasons",
        "The court's record names you.",
        "--on",
        "2025-01-15",
        "--actor",
        "reviewer-li",
    ]);
    let chinese = env.ok(&["--lang", "zh-CN", "mail", GUARDIAN, "--public-url", "https://credit.example.gov.cn"]);
    for part in [
        "X-Socred-About: notice blacklist:jd-1",
        "X-Socred-About: dispute-decided dp-1",
        "Content-Language: zh-CN",
        "尊敬的",
        "https://credit.example.gov.cn/me",
        "The court's record names you.",
    ] {
        assert!(chinese.contains(part), "{part:?} missing:\n{chinese}");
    }
    let json = env.json(&["mail", GUARDIAN]);
    let kinds: Vec<&str> = json["mail"].as_array().unwrap().iter().map(|mail| mail["kind"].as_str().unwrap()).collect();
    assert_eq!(kinds, ["notice", "dispute-decided"]);
    assert_eq!(json["mail"][1]["subject"], "Your dispute dp-1: record jd-1 stands");
    let refused = env.run(&["mail", GUARDIAN, "--public-url", "ftp://credit.example.gov.cn"]);
    assert_eq!(refused.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&refused.stderr).contains("--public-url"), "{}", String::from_utf8_lossy(&refused.stderr));
    let refused = env.run(&["--lang", "zh-CN", "mail", GUARDIAN, "--public-url", "ftp://credit.example.gov.cn"]);
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(stderr.contains("必须以 https:// 或 http:// 开头") && !stderr.contains("must start"), "{stderr}");
    let file = env.json(&["file", GUARDIAN]);
    assert!(file["accesses"].to_string().contains("e-mail-ready texts"), "the read is on the subject's access log");
}

#[test]
fn a_forced_tier_names_its_behaviour_in_the_readers_language() {
    let env = Env::new();
    env.add_people();
    env.ok(&[
        "record",
        "add",
        "--subject",
        GUARDIAN,
        "--behaviour",
        "intentional-crime",
        "--at",
        "2025-03-01",
        "--record-id",
        "crime-1",
        "--on",
        "2025-03-01",
        "--source",
        "Court",
        "--actor",
        "clerk-zhou",
    ]);
    let chinese = env.ok(&["--lang", "zh-CN", "show", GUARDIAN, "--as-of", "2025-03-02"]);
    assert!(chinese.contains("故意犯罪（生效判决）（crime-1）强制此等级"), "{chinese}");
    assert!(!chinese.contains("intentional-crime（"), "a bare code in a Chinese sentence: {chinese}");
    let english = env.ok(&["--lang", "en", "show", GUARDIAN, "--as-of", "2025-03-02"]);
    assert!(english.contains("Intentional crime (final conviction) (crime-1) forces this tier"), "{english}");
}

#[test]
fn the_clis_acts_listings_and_refusals_speak_the_readers_language() {
    let env = defaulter();
    let appeal = ["appeal", "file", ENTRY, "--grounds", "paid", "--on", "2025-01-15", "--appeal-id", "a1"];
    let filed = as_actor(&env, GUARDIAN, &[&["--lang", "zh-CN"][..], &appeal[..]].concat());
    let filed = String::from_utf8_lossy(&filed.stdout);
    // A day in a sentence is written as Chinese writes it; the same act in English keeps ISO 8601.
    assert!(filed.contains(&format!("提出申诉 a1，主体 {GUARDIAN}，2025年1月15日（审计条目")), "{filed}");
    assert!(!filed.contains("appeal.file"), "{filed}");
    let again = String::from_utf8_lossy(&as_actor(&env, GUARDIAN, &[&["--lang", "en"][..], &appeal[..]].concat()).stdout).into_owned();
    assert!(again.starts_with("appeal.file a1 was already recorded; nothing changed"), "{again}");

    let chinese = env.ok(&["--lang", "zh-CN", "queue", "--as-of", "2025-01-16"]);
    for part in ["复核队列（2025年1月16日）", "申诉：1", "a1（第 1 审）针对 blacklist:jd-1", "须于", "待送达告知书的拟列入：0"]
    {
        assert!(chinese.contains(part), "{part:?} missing:\n{chinese}");
    }
    let english = env.ok(&["--lang", "en", "queue", "--as-of", "2025-01-16"]);
    for part in ["reviewer queue on 2025-01-16", "appeals: 1", "a1 (instance 1) on blacklist:jd-1", "proposals awaiting notice: 0"] {
        assert!(english.contains(part), "{part:?} missing:\n{english}");
    }

    let unappealed = defaulter();
    let public = unappealed.ok(&["--lang", "zh-CN", "list", "public", "--as-of", "2025-03-01"]);
    assert!(public.contains("公示名单（2025年3月1日，显示 1 条）"), "{public}");
    assert!(public.contains("自 2025年1月") && public.contains("列入；"), "{public}");
    assert!(!public.contains("published lists"), "{public}");

    // The whole file reads in one language: headings, states, decisions and their causes.
    let file = unappealed.ok(&["--lang", "zh-CN", "file", GUARDIAN, "--as-of", "2025-03-01"]);
    for part in [
        "名单条目：1",
        "（已列入）",
        "可以和不可以做的事：",
        "民航机票",
        "不可以",
        "限制乘坐飞机：列入严重失信主体名单",
        "查看过本档案的人：",
    ] {
        assert!(file.contains(part), "{part:?} missing:\n{file}");
    }
    for english in ["list entries", "may not", "because of", "(listed)", "who looked"] {
        assert!(!file.contains(english), "{english:?} in the Chinese file:\n{file}");
    }
    let file = unappealed.ok(&["--lang", "en", "file", GUARDIAN, "--as-of", "2025-03-01"]);
    for part in ["list entries: 1", "(listed)", "what Wang Fang may and may not do on 2025-03-01:", "may not", "who looked at this file:"] {
        assert!(file.contains(part), "{part:?} missing:\n{file}");
    }
    let check = unappealed.ok(&["--lang", "zh-CN", "check", GUARDIAN, "--service", "civil-aviation", "--as-of", "2025-03-01"]);
    assert!(check.contains("民航机票 的判定") && check.contains("申诉：主体可在其档案中看到全部理由"), "{check}");

    // A refusal names the field and the parser's reason in the reader's language; English is unchanged.
    env.refused(&["--lang", "zh-CN", "show", "123"], &["错误：ID：\"123\"：必须为 18 个字符，实际为 3 个"]);
    env.refused(&["--lang", "en", "show", "123"], &["error: ID: \"123\" must be 18 characters long, got 3"]);
    env.refused(&["--lang", "zh-CN", "show", GUARDIAN, "--as-of", "2025-02-29"], &["错误：--as-of：\"2025-02-29\" 不是有效的日历日期"]);
    env.refused(
        &["--lang", "en", "show", GUARDIAN, "--as-of", "2025-02-29"],
        &["error: --as-of: \"2025-02-29\" is not a valid calendar date"],
    );
}

fn appeals_are_decided_by_someone_else_and_second_instance_once(env: Env) {
    let env = defaulter_in(env);
    ok_as(&env, GUARDIAN, &["appeal", "file", ENTRY, "--grounds", "paid", "--on", "2025-01-15", "--appeal-id", "a1"]);
    refused_as(
        &env,
        GUARDIAN,
        &["appeal", "decide", "a1", "--outcome", "overturn", "--reasons", "mine", "--on", "2025-01-16"],
        &["--actor", "filed appeal a1"],
    );
    refused_as(
        &env,
        "clerk-zhou",
        &["appeal", "decide", "a1", "--outcome", "uphold", "--reasons", "mine", "--on", "2025-01-16"],
        &["--actor", "raised entry"],
    );
    refused_as(
        &env,
        "reviewer-chen",
        &["appeal", "decide", "a1", "--outcome", "uphold", "--reasons", "x", "--on", "2025-01-14"],
        &["--on", "before"],
    );
    ok_as(&env, "reviewer-chen", &["appeal", "decide", "a1", "--outcome", "uphold", "--reasons", "no receipt", "--on", "2025-02-01"]);
    assert_eq!(state(&env, "2025-02-01"), "listed");
    ok_as(&env, GUARDIAN, &["appeal", "file", ENTRY, "--grounds", "receipt attached", "--on", "2025-02-05", "--appeal-id", "a2"]);
    refused_as(
        &env,
        "reviewer-chen",
        &["appeal", "decide", "a2", "--outcome", "overturn", "--reasons", "x", "--on", "2025-02-06"],
        &["--actor", "first instance"],
    );
    refused_as(
        &env,
        GUARDIAN,
        &["appeal", "file", ENTRY, "--grounds", "again", "--on", "2025-02-06", "--appeal-id", "a3"],
        &["ENTRY", "still pending"],
    );
    ok_as(
        &env,
        "reviewer-wu",
        &["appeal", "decide", "a2", "--outcome", "overturn", "--reasons", "receipt is genuine", "--on", "2025-02-10"],
    );
    assert_eq!(state(&env, "2025-02-10"), "overturned");
    refused_as(
        &env,
        GUARDIAN,
        &["appeal", "file", ENTRY, "--grounds", "again", "--on", "2025-02-11", "--appeal-id", "a3"],
        &["ENTRY", "nothing left to appeal"],
    );
    assert!(env.json(&["list", "public", "--as-of", "2025-02-10"]).as_array().unwrap().is_empty());
    assert_eq!(env.json(&["list", "public", "--as-of", "2025-02-09"]).as_array().unwrap().len(), 1, "the past stays as it was");
    env.ok(&["audit", "verify"]);
}

#[test]
fn scenario_6_repair_and_the_public_list() {
    let env = defaulter();
    let public = env.json(&["list", "public", "--as-of", "2025-03-01"]);
    let line = &public[0];
    assert_eq!(line["name"], "Wang Fang");
    assert_eq!(line["masked_id"], "110105********002X");
    assert_eq!(line["authority"], "Intermediate People's Court");
    assert_eq!(line["listed_since"], "2025-01-21");
    assert_eq!(line["listed_until"], "2028-01-21");
    assert!(line.get("score").is_none() && !line.to_string().contains("11010519491231002X"), "never the score or the full id: {line}");
    assert_eq!(env.json(&["list", "public", "--as-of", "2025-03-01", "--search", "wang"]).as_array().unwrap().len(), 1);
    assert_eq!(env.json(&["list", "public", "--as-of", "2025-03-01", "--search", "110105********002X"]).as_array().unwrap().len(), 1);
    // The public list is searched by masked id: a full number would test guesses of the hidden digits.
    env.refused(&["list", "public", "--as-of", "2025-03-01", "--search", GUARDIAN], &["search", "masked id"]);
    assert!(env.json(&["list", "public", "--as-of", "2025-03-01", "--search", "Li Ming"]).as_array().unwrap().is_empty());
    assert!(env.json(&["list", "public", "--as-of", "2025-03-01", "--list", "redlist"]).as_array().unwrap().is_empty());
    // By region (Beijing, Chaoyang: 110105) and by authority.
    let count = |filters: &[&str]| {
        let mut arguments = vec!["list", "public", "--as-of", "2025-03-01"];
        arguments.extend_from_slice(filters);
        env.json(&arguments).as_array().unwrap().len()
    };
    assert_eq!(count(&["--region", "11"]), 1);
    assert_eq!(count(&["--region", "1101"]), 1);
    assert_eq!(count(&["--region", "44"]), 0);
    assert_eq!(count(&["--authority", "Intermediate People's Court", "--region", "11"]), 1);
    assert_eq!(count(&["--authority", "Municipal Tax Bureau"]), 0);
    env.refused(&["list", "public", "--region", "99"], &["--region", "province"]);
    env.refused(&["list", "public", "--region", GUARDIAN], &["--region"]);
    env.refused(&["list", "public", "--region", "110105"], &["--region", "city"]);
    // An authority is found by its name in either language.
    assert_eq!(count(&["--authority", "中级人民法院"]), 1);

    refused_as(
        &env,
        GUARDIAN,
        &["repair", "apply", ENTRY, "--evidence", "paid", "--commitment", "I will comply", "--on", "2025-06-01"],
        &["ENTRY", "from 2026-01-21"],
    );
    refused_as(
        &env,
        GUARDIAN,
        &["repair", "apply", ENTRY, "--evidence", "paid", "--on", "2026-02-01"],
        &["--commitment", "commitment letter"],
    );
    ok_as(
        &env,
        GUARDIAN,
        &[
            "repair",
            "apply",
            ENTRY,
            "--evidence",
            "court receipt: paid in full",
            "--commitment",
            "I will comply",
            "--on",
            "2026-02-01",
            "--repair-id",
            "r1",
        ],
    );
    refused_as(
        &env,
        GUARDIAN,
        &["repair", "decide", "r1", "--outcome", "approve", "--reasons", "mine", "--on", "2026-02-01"],
        &["--actor", "applied for repair"],
    );
    ok_as(
        &env,
        "reviewer-chen",
        &["repair", "decide", "r1", "--outcome", "approve", "--reasons", "obligation fulfilled", "--on", "2026-02-01"],
    );
    assert_eq!(state(&env, "2026-02-01"), "repaired");
    assert!(
        env.json(&["list", "public", "--as-of", "2026-02-01"]).as_array().unwrap().is_empty(),
        "repaired entries leave the public view"
    );
    let history = env.json(&["list", "show", ENTRY, "--as-of", "2026-02-02"])["history"].clone();
    assert!(
        history.as_array().unwrap().iter().any(|h| h["action"] == "repaired" && h["actor"] == "reviewer-chen"),
        "but stay in the history"
    );
    let log = env.json(&["audit", "log", "--subject", GUARDIAN]);
    assert!(log.as_array().unwrap().iter().any(|e| e["action"] == "repair.decide"));
}

#[test]
fn expiry_takes_entries_off_the_public_list() {
    let env = defaulter();
    assert_eq!(env.json(&["list", "public", "--as-of", "2028-01-20"]).as_array().unwrap().len(), 1);
    assert!(env.json(&["list", "public", "--as-of", "2028-01-21"]).as_array().unwrap().is_empty());
    assert_eq!(state(&env, "2028-01-21"), "expired");
}

fn withdrawn_proposals_cannot_be_appealed(env: Env) {
    env.add_people();
    let proposed = ok_as(
        &env,
        "reviewer-chen",
        &[
            "list",
            "propose",
            "--subject",
            PERSON,
            "--list",
            "blacklist",
            "--legal-basis",
            "Procurement Law, art. 77",
            "--facts",
            "false statements in a bid",
            "--case-id",
            "p1",
            "--on",
            "2025-03-01",
        ],
    );
    assert_eq!(proposed["id"], "blacklist/p1");
    let queue = env.json(&["queue", "--as-of", "2025-03-02"]);
    assert_eq!(queue["proposals"][0]["id"], "blacklist/p1");
    refused_as(&env, PERSON, &["appeal", "file", "blacklist/p1", "--grounds", "x", "--on", "2025-03-02"], &["no notice served"]);
    ok_as(&env, "officer-li", &["list", "serve", "blacklist/p1", "--on", "2025-03-02"]);
    // The same act again is a retry and changes nothing; another officer's second notice is refused.
    let before = env.fingerprint();
    assert_eq!(ok_as(&env, "officer-li", &["list", "serve", "blacklist/p1", "--on", "2025-03-03"])["result"]["outcome"], "duplicate");
    assert_eq!(env.fingerprint(), before);
    refused_as(&env, "officer-wang", &["list", "serve", "blacklist/p1", "--on", "2025-03-03"], &["already served"]);
    ok_as(&env, "reviewer-chen", &["list", "withdraw", "blacklist/p1", "--reason", "facts not established", "--on", "2025-03-04"]);
    refused_as(&env, PERSON, &["appeal", "file", "blacklist/p1", "--grounds", "x", "--on", "2025-03-05"], &["withdrawn"]);
    refused_as(
        &env,
        "reviewer-chen",
        &["list", "propose", "--subject", PERSON, "--list", "greylist", "--legal-basis", "x", "--facts", "y", "--on", "2025-03-01"],
        &["--list", "not a list"],
    );
}

fn an_upheld_dispute_voids_the_record_and_everything_follows(env: Env) {
    let env = defaulter_in(env);
    assert_eq!(env.json(&["show", GUARDIAN, "--as-of", "2025-03-01"])["score"], 900);
    ok_as(
        &env,
        GUARDIAN,
        &["dispute", "file", "jd-1", "--grounds", "the judgment was set aside", "--on", "2025-02-01", "--dispute-id", "d1"],
    );
    let shown = env.json(&["show", GUARDIAN, "--as-of", "2025-02-02"]);
    assert_eq!(shown["records"][0]["dispute"], "d1", "the record is marked disputed");
    refused_as(
        &env,
        GUARDIAN,
        &["dispute", "file", "jd-1", "--grounds", "again", "--on", "2025-02-02", "--dispute-id", "d2"],
        &["already disputed"],
    );
    let overdue = env.json(&["queue", "--as-of", "2025-03-10", "--overdue"]);
    assert_eq!(overdue["disputes"][0]["id"], "d1", "30 days without a decision is reported");
    assert!(env.json(&["queue", "--as-of", "2025-03-03", "--overdue"])["disputes"].as_array().unwrap().is_empty());
    refused_as(
        &env,
        "clerk-zhou",
        &["dispute", "decide", "d1", "--outcome", "reject", "--reasons", "x", "--on", "2025-03-01"],
        &["--actor", "made record"],
    );
    let decided = ok_as(
        &env,
        "reviewer-chen",
        &["dispute", "decide", "d1", "--outcome", "uphold", "--reasons", "appellate court set it aside", "--on", "2025-03-01"],
    );
    assert_eq!(decided["result"]["voided_record"], "jd-1");
    let shown = env.json(&["show", GUARDIAN, "--as-of", "2025-03-01"]);
    assert_eq!((shown["score"].as_i64(), shown["tier"].as_str()), (Some(1000), Some("A")));
    assert_eq!(shown["records"][0]["status"], "void");
    assert_eq!(state(&env, "2025-03-01"), "void");
    assert!(env.json(&["list", "public", "--as-of", "2025-02-15"]).as_array().unwrap().is_empty(), "as if it never existed");
    env.ok(&["audit", "verify"]);
}

#[test]
fn the_file_shows_everything_and_who_looked() {
    let env = defaulter();
    ok_as(&env, GUARDIAN, &["appeal", "file", ENTRY, "--grounds", "paid", "--on", "2025-01-15", "--appeal-id", "a1"]);
    env.command(&["show", GUARDIAN, "--purpose", "loan application 77"]).env("SOCRED_ACTOR", "bank-officer-9").output().unwrap();
    // The subject reading their own file is not logged.
    ok_as(&env, GUARDIAN, &["show", GUARDIAN]);
    let file = ok_as(&env, "auditor-1", &["file", GUARDIAN, "--as-of", "2025-02-01", "--purpose", "annual audit"]);
    assert_eq!(file["subject"]["name"], "Wang Fang");
    assert_eq!(file["assessment"]["score"], 900);
    assert_eq!(file["assessment"]["explanation"][0]["record_id"], "jd-1");
    assert_eq!(file["list_entries"][0]["id"], ENTRY);
    assert_eq!(file["list_entries"][0]["notice"]["appeal_deadline"], "2025-01-20");
    assert_eq!(file["list_entries"][0]["appeals"][0]["id"], "a1");
    let accesses = file["accesses"].as_array().unwrap();
    assert!(accesses.iter().any(|a| a["actor"] == "bank-officer-9" && a["purpose"] == "loan application 77"));
    assert!(accesses.iter().any(|a| a["actor"] == "auditor-1" && a["what"] == "file"));
    assert!(!accesses.iter().any(|a| a["actor"] == GUARDIAN));
    let verified = env.json(&["audit", "verify"]);
    assert!(verified["accesses"].as_u64().unwrap() >= 2);
    // Tampering with the access log is detected.
    let store = socred_store::Store::open(&env.db).unwrap();
    store.raw_connection_for_tests().execute("UPDATE accesses SET purpose = 'nothing to see' WHERE seq = 1", []).unwrap();
    drop(store);
    env.refused(&["audit", "verify"], &["access log was altered"]);
}

#[test]
fn due_process_arguments_refuse_garbage() {
    let env = defaulter();
    let cases: Vec<(Vec<&str>, Vec<&str>)> = vec![
        (vec!["appeal", "file", "not an entry", "--grounds", "x"], vec!["ENTRY"]),
        (vec!["appeal", "file", "blacklist:nope", "--grounds", "x"], vec!["list entry blacklist:nope does not exist"]),
        (vec!["appeal", "file", ENTRY, "--grounds", "x", "--on", "3000-01-01"], vec!["--on", "outside the supported range"]),
        (vec!["appeal", "file", ENTRY, "--grounds", "x", "--on", "0000-01-01"], vec!["--on", "outside the supported range"]),
        (vec!["appeal", "file", ENTRY, "--grounds", "x", "--on", "2025-02-29"], vec!["--on", "not a valid calendar date"]),
        (vec!["appeal", "file", ENTRY, "--grounds", "x", "--on", "20/01/2025"], vec!["--on", "YYYY-MM-DD"]),
        (vec!["appeal", "file", ENTRY, "--grounds", "", "--on", "2025-01-12"], vec!["--grounds", "empty"]),
        (vec!["appeal", "file", ENTRY, "--grounds", "x", "--appeal-id", "a b", "--on", "2025-01-12"], vec!["--appeal-id"]),
        (vec!["appeal", "decide", "a1", "--outcome", "maybe", "--reasons", "x"], vec!["--outcome"]),
        (
            vec!["appeal", "decide", "nope", "--outcome", "uphold", "--reasons", "x", "--on", "2025-01-12"],
            vec!["appeal nope does not exist"],
        ),
        (vec!["dispute", "file", "bad id!", "--grounds", "x"], vec!["RECORD_ID"]),
        (vec!["dispute", "file", "missing", "--grounds", "x", "--on", "2025-01-12"], vec!["record missing does not exist"]),
        (vec!["dispute", "decide", "d9", "--outcome", "reject", "--reasons", "x", "--on", "2025-01-12"], vec!["dispute d9 does not exist"]),
        (vec!["repair", "apply", ENTRY, "--evidence", "", "--on", "2026-02-01"], vec!["--evidence", "empty"]),
        (
            vec!["repair", "decide", "r9", "--outcome", "approve", "--reasons", "x", "--on", "2026-02-01"],
            vec!["repair application r9 does not exist"],
        ),
        (vec!["list", "propose", "--subject", "123", "--list", "blacklist", "--legal-basis", "x", "--facts", "y"], vec!["--subject"]),
        (vec!["list", "propose", "--subject", PERSON, "--list", "Black List", "--legal-basis", "x", "--facts", "y"], vec!["--list"]),
        (
            vec!["list", "propose", "--subject", PERSON, "--list", "blacklist", "--legal-basis", "", "--facts", "y"],
            vec!["--legal-basis", "empty"],
        ),
        (vec!["list", "withdraw", ENTRY, "--reason", "x", "--on", "2025-01-12"], vec![]),
        (vec!["list", "show", "blacklist@1@D@x"], vec!["ENTRY"]),
        (vec!["list", "public", "--limit", "0"], vec!["--limit"]),
        (vec!["list", "public", "--list", "nolist"], vec!["--list"]),
        (vec!["list", "public", "--as-of", "yesterday"], vec!["--as-of"]),
        (vec!["show", GUARDIAN, "--purpose", ""], vec!["--purpose", "empty"]),
        (vec!["file", "nobody", "--purpose", "x"], vec!["ID"]),
        (vec!["queue", "--as-of", "2025-02-30"], vec!["--as-of"]),
    ];
    for (args, fragments) in cases {
        // The withdraw case is legal (the entry is not yet listed on 2025-01-12), so it is run last below.
        if args[1] == "withdraw" {
            continue;
        }
        refused_as(&env, "reviewer-chen", &args, &fragments);
    }
    let long_search = "x".repeat(200);
    refused_as(&env, "reviewer-chen", &["list", "public", "--search", &long_search], &["--search"]);
}
