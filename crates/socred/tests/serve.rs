//! `socred serve`: starts, answers, and stops gracefully on SIGTERM, on either backend.

use crate::common;

use std::io::{BufRead, BufReader, Read, Write};
use std::process::Stdio;

use common::Env;

fn get(addr: &str, path: &str) -> String {
    let mut stream = std::net::TcpStream::connect(addr).unwrap();
    write!(stream, "GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n").unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    response
}

fn serve_answers_and_stops_on_sigterm(env: Env) {
    let mut child = env.command(&["serve", "--addr", "127.0.0.1:0"]).stderr(Stdio::piped()).stdout(Stdio::null()).spawn().unwrap();
    let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
    let addr = loop {
        let line = lines.next().expect("the server logs its address").unwrap();
        assert!(!line.contains('\u{1b}'), "no terminal colours in logs that are not on a terminal: {line:?}");
        if let Some(rest) = line.split("addr=").nth(1) {
            break rest.split_whitespace().next().unwrap().trim_matches(|c: char| !c.is_ascii_digit() && c != '.' && c != ':').to_string();
        }
    };
    assert!(get(&addr, "/healthz").ends_with("ok"));
    assert!(get(&addr, "/api/v1/openapi.json").contains("\"openapi\": \"3.1.0\""));
    let status = std::process::Command::new("kill").args(["-TERM", &child.id().to_string()]).status().unwrap();
    assert!(status.success());
    let exit = child.wait().unwrap();
    assert!(exit.success(), "graceful shutdown exits 0: {exit:?}");
    let rest: Vec<String> = lines.map_while(Result::ok).collect();
    assert!(rest.iter().any(|l| l.contains("stopped")), "{rest:?}");
}

#[test]
fn serve_refuses_a_missing_store_and_a_bad_address() {
    let env = Env::empty();
    env.refused(&["serve", "--addr", "127.0.0.1:0"], &["no socred store"]);
    let env = Env::new();
    env.refused(&["serve", "--addr", "not-an-address"], &["--addr"]);
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let taken = listener.local_addr().unwrap().to_string();
    env.refused(&["serve", "--addr", &taken], &["--addr", "cannot listen"]);
}

/// On PostgreSQL: an empty database is named, and a bad or taken address is refused before anything starts.
#[test]
fn serve_on_postgres_refuses_an_empty_database_and_a_bad_address() {
    let env = Env::postgres_empty();
    env.refused(&["serve", "--addr", "127.0.0.1:0"], &["socred init"]);
    let env = Env::postgres();
    env.refused(&["serve", "--addr", "not-an-address"], &["--addr"]);
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let taken = listener.local_addr().unwrap().to_string();
    env.refused(&["serve", "--addr", &taken], &["--addr", "cannot listen"]);
}

on_both_backends!(serve_answers_and_stops_on_sigterm);
