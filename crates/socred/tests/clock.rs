//! The honest clock through the CLI: a live store dates every act by the
//! clock and refuses `--on`; a replay store says what it is and takes the
//! day; absurd dates exit 1 naming the argument, never a panic; a write by the
//! CLI reaches a running server's check answers.

use crate::common;

use std::io::{BufRead, BufReader, Read, Write};
use std::process::Stdio;
use std::time::{Duration, Instant};

use common::{Env, GUARDIAN, OTHER_PERSON, PERSON};

fn a_live_store_dates_every_act_by_the_clock(env: Env) {
    env.add_people();
    let head = env.ok(&["audit", "head"]);
    assert!(head.contains("live store: every act is dated by the clock; days in UTC+08:00"), "{head}");
    let before = env.fingerprint();
    for args in [
        vec![
            "record",
            "add",
            "--subject",
            PERSON,
            "--behaviour",
            "jaywalking",
            "--at",
            "2025-01-01",
            "--source",
            "Police",
            "--on",
            "2025-01-01",
        ],
        vec!["appeal", "file", "blacklist:x", "--grounds", "g", "--on", "2025-01-15"],
        vec!["list", "propose", "--subject", PERSON, "--list", "blacklist", "--legal-basis", "x", "--facts", "y", "--on", "1800-01-01"],
        vec!["subject", "add", "--id", "11010519491231002X", "--name", "Wang Fang", "--on", "2025-01-01"],
        vec!["serve", "--addr", "127.0.0.1:0", "--on", "2025-01-01"],
    ] {
        let stderr = env.refused(&args, &["--on"]);
        let reason = if args.contains(&"1800-01-01") { "outside the supported range" } else { "dates every act by its clock" };
        assert!(stderr.contains(reason), "{args:?}: {stderr}");
    }
    assert_eq!(env.fingerprint(), before);
    // A record of the past is recorded today: its notice is served today, whatever date it names.
    let today = env.json(&["show", GUARDIAN])["as_of"].as_str().unwrap().to_string();
    let months_ago = socred_core::date::format_date(socred_core::parse_date(&today).unwrap() - time::Duration::days(300));
    let add = [
        "record",
        "add",
        "--subject",
        GUARDIAN,
        "--behaviour",
        "judgment-default",
        "--at",
        &months_ago,
        "--source",
        "Court",
        "--record-id",
        "jd-1",
    ];
    env.ok(&add);
    let entry = env.json(&["list", "show", "blacklist:jd-1"]);
    assert_eq!(entry["state"], "notice-served", "{entry}");
    assert_eq!(entry["notice"]["served_on"], today.as_str());
    // A live store cannot be made on a chosen day either.
    let other = Env::empty();
    other.refused(&["init", "--on", "2025-01-01"], &["--on", "--replay"]);
}

#[test]
fn a_replay_store_says_so_and_takes_the_day() {
    let env = Env::empty();
    env.ok(&["init", "--replay", "--on", "2025-01-01", "--utc-offset", "+00:00"]);
    let head = env.ok(&["audit", "head"]);
    assert!(head.contains("replay store"), "{head}");
    assert!(head.contains("UTC+00:00"), "{head}");
    env.refused(&["init", "--replay"], &["already exists"]);
    let bad = Env::empty();
    for offset in ["+25:00", "8", "UTC+8", "+08:00:00"] {
        bad.refused(&["init", "--utc-offset", offset], &["--utc-offset"]);
    }
}

fn absurd_dates_exit_1_naming_the_argument(env: Env) {
    env.add_people();
    let before = env.fingerprint();
    for (args, fragment) in [
        (vec!["record", "add", "--subject", PERSON, "--behaviour", "jaywalking", "--at", "9999-12-31", "--source", "Police"], "--at"),
        (
            vec!["record", "add", "--subject", PERSON, "--behaviour", "jaywalking", "--at", "2019-01-01", "--source", "Police"],
            "max_record_age_years",
        ),
        (vec!["record", "add", "--subject", PERSON, "--behaviour", "jaywalking", "--at", "0000-01-01", "--source", "Police"], "--at"),
        (vec!["check", PERSON, "--service", "civil-aviation", "--as-of", "9999-12-31"], "--as-of"),
        (vec!["check", PERSON, "--service", "civil-aviation", "--known-on", "2999-12-31"], "--known-on"),
        (vec!["show", PERSON, "--as-of", "0000-01-01"], "--as-of"),
        (vec!["show", PERSON, "--as-of", "2025-02-29"], "--as-of"),
        (vec!["file", PERSON, "--known-on", "3000-01-01"], "--known-on"),
        (vec!["subject", "add", "--id", "110101202901010058", "--name", "Not Yet Born"], "after today"),
        (vec!["subject", "add", "--id", "440524188001010014", "--name", "Too Old"], "130 years"),
        (vec!["demo", "--until", "9999-12-31"], "--until"),
    ] {
        env.refused(&args, &[fragment]);
    }
    assert_eq!(env.fingerprint(), before);
    // The extreme dates the edges accept compute without a panic.
    env.ok(&["show", PERSON, "--as-of", "2999-12-31"]);
    env.ok(&["show", PERSON, "--as-of", "1900-01-01"]);
}

#[test]
fn check_as_known_on_reproduces_what_a_provider_was_told() {
    let env = Env::empty();
    env.ok(&["init", "--replay", "--on", "2025-01-01"]);
    for (id, name) in [(GUARDIAN, "Wang Fang"), (OTHER_PERSON, "Zhao Lei")] {
        env.ok(&["subject", "add", "--id", id, "--name", name, "--on", "2025-01-01"]);
    }
    // The judgment of 5 January reached the ledger on 10 January; a volunteering of 3 January only on 12 January.
    let judgment = ["record", "add", "--subject", GUARDIAN, "--behaviour", "judgment-default", "--at", "2025-01-05", "--source", "Court"];
    env.ok(&[&judgment[..], &["--on", "2025-01-10"]].concat());
    let volunteering =
        ["record", "add", "--subject", OTHER_PERSON, "--behaviour", "volunteering", "--at", "2025-01-03", "--source", "Volunteers"];
    env.ok(&[&volunteering[..], &["--on", "2025-01-12"]].concat());
    // As of 25 January the entry is listed; as known on 8 January it did not exist yet.
    let flight =
        |known_on: &str| env.json(&["check", GUARDIAN, "--service", "civil-aviation", "--as-of", "2025-01-25", "--known-on", known_on]);
    assert_eq!(flight("2025-01-08")["outcome"], "allow", "nothing was known on 8 January");
    assert_eq!(flight("2025-01-15")["outcome"], "deny", "noticed on the 10th: listed from the 21st");
    assert_eq!(env.json(&["check", GUARDIAN, "--service", "civil-aviation", "--as-of", "2025-01-25"])["outcome"], "deny");
    // The same date, asked as known on two days: the later record changes the earlier answer.
    let score = |known_on: &str| env.json(&["show", OTHER_PERSON, "--as-of", "2025-01-09", "--known-on", known_on])["score"].clone();
    assert_eq!(score("2025-01-09"), 1000);
    assert_eq!(score("2025-01-12"), 1005);
    // A reproduction is a read of the file, logged as such, not a new check.
    let file = env.json(&["file", GUARDIAN, "--known-on", "2025-01-25", "--as-of", "2025-01-25"]);
    assert_eq!(file["checks"].as_array().unwrap().len(), 1, "only the one real check: {}", file["checks"]);
    assert!(file["accesses"].to_string().contains("reproducing an earlier decision"), "{}", file["accesses"]);
    assert_eq!(file["list_entries"][0]["state"], "listed");
    assert_eq!(file["list_entries"][0]["notice"]["served_on"], "2025-01-10", "served the day it was recorded");
}

fn http(addr: &str, request: &str) -> String {
    let mut stream = std::net::TcpStream::connect(addr).unwrap();
    stream.write_all(request.as_bytes()).unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    response
}

fn a_cli_write_reaches_a_running_server(env: Env) {
    env.add_people();
    env.ok(&["account", "add", "--username", "ministry", "--role", "provider", "--service", "public-sector-hiring"]);
    let token = env.json(&["token", "issue", "--username", "ministry"])["token"].as_str().unwrap().to_string();
    let mut child = env.command(&["serve", "--addr", "127.0.0.1:0"]).stderr(Stdio::piped()).stdout(Stdio::null()).spawn().unwrap();
    let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
    let addr = loop {
        let line = lines.next().expect("the server logs its address").unwrap();
        if let Some(rest) = line.split("addr=").nth(1) {
            break rest.split_whitespace().next().unwrap().trim_matches(|c: char| !c.is_ascii_digit() && c != '.' && c != ':').to_string();
        }
    };
    let body = format!(r#"{{"subject": "{PERSON}", "service": "public-sector-hiring"}}"#);
    let ask = || {
        http(
            &addr,
            &format!(
                "POST /api/v1/checks HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {token}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            ),
        )
    };
    assert!(ask().contains(r#""decision":"allow""#));
    // Another process, the CLI, records a conviction (tier D at once: no public-sector hiring).
    let today = env.json(&["show", PERSON])["as_of"].as_str().unwrap().to_string();
    env.ok(&["record", "add", "--subject", PERSON, "--behaviour", "intentional-crime", "--at", &today, "--source", "Court"]);
    let written = Instant::now();
    while !ask().contains(r#""decision":"deny""#) {
        assert!(written.elapsed() < Duration::from_secs(10), "the server never saw the CLI's write");
        std::thread::sleep(Duration::from_millis(10));
    }
    let _ = std::process::Command::new("kill").args(["-TERM", &child.id().to_string()]).status();
    assert!(child.wait().unwrap().success());
}

on_both_live_backends!(
    a_live_store_dates_every_act_by_the_clock,
    absurd_dates_exit_1_naming_the_argument,
    a_cli_write_reaches_a_running_server
);
