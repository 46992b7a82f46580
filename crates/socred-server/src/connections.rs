//! Accepting connections, with limits `axum::serve` does not set: a client
//! must finish sending a request's headers within [`HEADER_READ_SECONDS`]
//! (this also closes a keep-alive connection left idle that long), so a
//! slow or silent client cannot hold a connection and its task forever.
//! Stopping waits for the requests in flight, then returns. At most
//! [`MAX_CONNECTIONS`] are served at once, and a request, body included, takes
//! at most [`REQUEST_SECONDS`] (`request_deadline`).

use std::net::SocketAddr;
use std::time::Duration;

use axum::Router;
use axum::extract::ConnectInfo;
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use tokio::net::TcpListener;
use tower::ServiceExt;

/// Time to send a request's headers, and the most a connection sits idle
/// between requests (`ServerConfig::header_read_timeout`'s default).
pub const HEADER_READ_SECONDS: u64 = 10;
/// Time a stopping server gives requests in flight before it closes their connections.
pub const DRAIN_SECONDS: u64 = 30;
/// Connections served at once; past it, the next is accepted when one closes
/// (the kernel's backlog holds the rest), so descriptors never run out.
pub const MAX_CONNECTIONS: usize = 4_096;
/// The most one request may take, its body included: a client trickling a
/// body holds a connection no longer than this.
pub const REQUEST_SECONDS: u64 = 60;

/// Ends a request that takes longer than [`REQUEST_SECONDS`] with 408 in the documented shape.
pub async fn request_deadline(request: axum::extract::Request, next: axum::middleware::Next) -> axum::response::Response {
    use axum::response::IntoResponse;
    let mut response = match tokio::time::timeout(Duration::from_secs(REQUEST_SECONDS), next.run(request)).await {
        Ok(response) => response,
        Err(_) => crate::error::ApiError::new(
            axum::http::StatusCode::REQUEST_TIMEOUT,
            "timeout",
            format!("the request took longer than {REQUEST_SECONDS} s (a body sent too slowly?)"),
            None,
        )
        .into_response(),
    };
    // A request refused for its body's size or pace may have left bytes of
    // that body unread; the connection is closed rather than offered for
    // reuse, so a client's next request never lands on a dying connection.
    let status = response.status();
    if status == axum::http::StatusCode::PAYLOAD_TOO_LARGE || status == axum::http::StatusCode::REQUEST_TIMEOUT {
        response.headers_mut().insert(axum::http::header::CONNECTION, axum::http::HeaderValue::from_static("close"));
    }
    response
}

pub async fn serve(
    listener: TcpListener,
    router: Router,
    header_read_timeout: Duration,
    stop: impl std::future::Future<Output = ()>,
) -> std::io::Result<()> {
    // HTTP/1.1 only: a TLS terminator in front speaks it to socred, and the
    // timeout then runs from the first byte (a protocol sniff would wait unbounded).
    let mut builder = http1::Builder::new();
    builder.timer(TokioTimer::new()).header_read_timeout(header_read_timeout);
    let graceful = GracefulShutdown::new();
    let slots = std::sync::Arc::new(tokio::sync::Semaphore::new(MAX_CONNECTIONS));
    tokio::pin!(stop);
    loop {
        let slot = tokio::select! {
            slot = slots.clone().acquire_owned() => slot.expect("the semaphore is never closed"),
            () = &mut stop => break,
        };
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                // Out of descriptors or a connection reset before accept: the
                // listener itself is fine; wait a moment rather than spin.
                Err(error) => {
                    tracing::warn!(%error, "accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut stop => break,
        };
        let _ = stream.set_nodelay(true);
        let service = router.clone().map_request(move |mut request: axum::extract::Request<hyper::body::Incoming>| {
            request.extensions_mut().insert(ConnectInfo::<SocketAddr>(peer));
            request
        });
        let connection = builder.serve_connection(TokioIo::new(stream), TowerToHyperService::new(service));
        let connection = graceful.watch(connection);
        tokio::spawn(async move {
            if let Err(error) = connection.await {
                tracing::debug!(%peer, %error, "connection ended with an error");
            }
            drop(slot);
        });
    }
    drop(listener);
    if tokio::time::timeout(Duration::from_secs(DRAIN_SECONDS), graceful.shutdown()).await.is_err() {
        tracing::warn!("requests still in flight after {DRAIN_SECONDS} s; closing their connections");
    }
    Ok(())
}
