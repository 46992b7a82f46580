//! The edges of the HTTP server: slow and idle connections are closed, and
//! every error, unknown routes and methods included, has the documented shape.

use crate::common;

use std::time::{Duration, Instant};

use common::{Backend, TestServer};
use socred_auth::Role;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// Reads until the server closes the connection (or `limit` passes); returns what it sent and when it closed.
async fn read_until_closed(stream: &mut tokio::net::TcpStream, limit: Duration) -> (String, Option<Duration>) {
    let started = Instant::now();
    let mut received = Vec::new();
    let mut buffer = [0u8; 4096];
    loop {
        match tokio::time::timeout(limit.saturating_sub(started.elapsed()), stream.read(&mut buffer)).await {
            Ok(Ok(0)) | Ok(Err(_)) => return (String::from_utf8_lossy(&received).into_owned(), Some(started.elapsed())),
            Ok(Ok(count)) => received.extend_from_slice(&buffer[..count]),
            Err(_) => return (String::from_utf8_lossy(&received).into_owned(), None),
        }
    }
}

#[tokio::test]
async fn slow_and_idle_connections_are_closed() {
    let mut fixture = TestServer::start_live().await;
    fixture.stop().await;
    let mut config = socred_server::ServerConfig::new(fixture.db.clone(), "127.0.0.1:0".parse().unwrap());
    config.header_read_timeout = Duration::from_secs(1);
    let server = socred_server::start(config).await.unwrap();

    // Headers that never end.
    let mut slow = tokio::net::TcpStream::connect(server.addr).await.unwrap();
    slow.write_all(b"GET /healthz HTTP/1.1\r\nHost: socred\r\nX-Slow: ").await.unwrap();
    let (_, closed) = read_until_closed(&mut slow, Duration::from_secs(5)).await;
    assert!(closed.is_some(), "a connection whose headers never end is closed");

    // A silent connection.
    let mut silent = tokio::net::TcpStream::connect(server.addr).await.unwrap();
    let (_, closed) = read_until_closed(&mut silent, Duration::from_secs(5)).await;
    assert!(closed.is_some(), "a connection that sends nothing is closed");

    // A keep-alive connection left idle after a request.
    let mut idle = tokio::net::TcpStream::connect(server.addr).await.unwrap();
    idle.write_all(b"GET /healthz HTTP/1.1\r\nHost: socred\r\n\r\n").await.unwrap();
    let (answer, closed) = read_until_closed(&mut idle, Duration::from_secs(5)).await;
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert!(closed.is_some(), "an idle keep-alive connection is closed");

    // Meanwhile a normal client is served.
    let response = reqwest::get(format!("http://{}/healthz", server.addr)).await.unwrap();
    assert_eq!(response.status().as_u16(), 200);
    server.stop().await.unwrap();
}

async fn unknown_routes_and_methods_answer_in_the_documented_shape(backend: Backend) {
    let mut server = TestServer::start_live_on(backend).await;
    let (status, body) = server.call(Some(Role::Auditor), "GET", "/api/v1/no-such-thing", None).await;
    assert_eq!((status, body["error"]["code"].as_str()), (404, Some("not_found")), "{body}");
    let (status, body) = server.call(None, "DELETE", "/api/v1/rulebook", None).await;
    assert_eq!((status, body["error"]["code"].as_str()), (405, Some("method_not_allowed")), "{body}");
    let page = server.client.get(server.url("/no-such-page")).send().await.unwrap();
    assert_eq!(page.status().as_u16(), 404);
    assert!(page.text().await.unwrap().contains("<html"), "a page for a browser");

    // A report form that is not multipart: back to the form with the reason, not a bare text.
    let response = server
        .client
        .post(server.url("/me/reports"))
        .bearer_auth(server.token(Role::Subject))
        .header("content-type", "application/x-www-form-urlencoded")
        .body("description=x")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 303);
    assert_eq!(response.headers()["location"], "/me/reports");
    server.stop().await;
}

on_both_backends!(unknown_routes_and_methods_answer_in_the_documented_shape);
