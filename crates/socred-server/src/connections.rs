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

/// Ends a request that takes longer than `deadline` (the server's is
/// [`REQUEST_SECONDS`]) in the documented shape: 408 when the client had not
/// finished sending its body, 503 when the server had it all and was too
/// slow to answer (a write it started may still be stored: a retry with the
/// same client id is safe).
pub async fn request_deadline(
    axum::extract::State(deadline): axum::extract::State<Duration>,
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    use axum::response::IntoResponse;
    let received = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let (parts, body) = request.into_parts();
    if http_body::Body::is_end_stream(&body) {
        received.store(true, std::sync::atomic::Ordering::Release);
    }
    let body = axum::body::Body::new(Watched { inner: body, received: received.clone() });
    let request = axum::extract::Request::from_parts(parts, body);
    let mut response = match tokio::time::timeout(deadline, next.run(request)).await {
        Ok(response) => response,
        Err(_) if received.load(std::sync::atomic::Ordering::Acquire) => crate::error::ApiError::unavailable(format!(
            "the server took longer than {} s to answer; what the request asked may still be done: retry with the same client id",
            deadline.as_secs()
        ))
        .into_response(),
        Err(_) => crate::error::ApiError::new(
            axum::http::StatusCode::REQUEST_TIMEOUT,
            "timeout",
            format!("the request's body took longer than {} s to arrive", deadline.as_secs()),
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

/// A request's body that says when its last byte has been read.
struct Watched {
    inner: axum::body::Body,
    received: std::sync::Arc<std::sync::atomic::AtomicBool>,
}

impl http_body::Body for Watched {
    type Data = axum::body::Bytes;
    type Error = axum::Error;

    fn poll_frame(
        mut self: std::pin::Pin<&mut Self>,
        context: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Result<http_body::Frame<Self::Data>, Self::Error>>> {
        let polled = std::pin::Pin::new(&mut self.inner).poll_frame(context);
        if matches!(polled, std::task::Poll::Ready(None)) {
            self.received.store(true, std::sync::atomic::Ordering::Release);
        }
        polled
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> http_body::SizeHint {
        self.inner.size_hint()
    }
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

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use axum::Router;
    use axum::body::Body;
    use tower::ServiceExt;

    fn slow_router() -> Router {
        let slow = |body: axum::body::Bytes| async move {
            tokio::time::sleep(Duration::from_secs(5)).await;
            body.len().to_string()
        };
        Router::new()
            .route("/slow", axum::routing::post(slow))
            .route("/fast", axum::routing::post(|body: axum::body::Bytes| async move { body.len().to_string() }))
            .layer(axum::middleware::from_fn_with_state(Duration::from_millis(200), super::request_deadline))
    }

    fn post(path: &str, body: Body) -> axum::extract::Request {
        axum::extract::Request::builder().method("POST").uri(path).body(body).unwrap()
    }

    async fn error_code(response: axum::response::Response) -> String {
        let bytes = axum::body::to_bytes(response.into_body(), 1 << 16).await.unwrap();
        let value: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
        value["error"]["code"].as_str().unwrap().to_string()
    }

    #[tokio::test]
    async fn a_slow_answer_is_503_and_a_slow_body_408() {
        // The whole body arrived; the handler was slow: the server's fault.
        let response = slow_router().oneshot(post("/slow", Body::from("payload"))).await.unwrap();
        assert_eq!(response.status(), 503);
        assert!(response.headers().get("connection").is_none(), "the connection stays usable");
        assert_eq!(error_code(response).await, "unavailable");
        // The body never finished arriving: the client's.
        let response = slow_router().oneshot(post("/fast", Body::new(Trickle(false)))).await.unwrap();
        assert_eq!(response.status(), 408);
        assert_eq!(response.headers()["connection"], "close");
        assert_eq!(error_code(response).await, "timeout");
        // In time: the handler's answer.
        let response = slow_router().oneshot(post("/fast", Body::from("12345"))).await.unwrap();
        assert_eq!(response.status(), 200);
    }

    /// A body whose first part arrives and whose rest never does.
    struct Trickle(bool);

    impl http_body::Body for Trickle {
        type Data = axum::body::Bytes;
        type Error = std::io::Error;

        fn poll_frame(
            mut self: std::pin::Pin<&mut Self>,
            _: &mut std::task::Context<'_>,
        ) -> std::task::Poll<Option<Result<http_body::Frame<Self::Data>, Self::Error>>> {
            if self.0 {
                return std::task::Poll::Pending;
            }
            self.0 = true;
            std::task::Poll::Ready(Some(Ok(http_body::Frame::data(axum::body::Bytes::from_static(b"part of it")))))
        }
    }
}
