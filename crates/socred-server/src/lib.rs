//! socred-server: `socred serve`.
//!
//! An axum server over the embedded store: the JSON API under `/api/v1/`
//! (OpenAPI 3.1 generated from the handlers), accounts with roles checked on
//! every route, a server-rendered web UI without JavaScript, `/healthz` and
//! Prometheus `/metrics`. Graceful shutdown completes in-flight requests and
//! lets the writer drain its queue.

pub mod api;
pub mod auth;
pub mod body;
pub mod connections;
pub mod db;
pub mod error;
pub mod hot;
pub mod limits;
pub mod metrics;
pub mod service;
pub mod shard;
pub mod web;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use axum::Router;
use tokio::net::TcpListener;

pub use error::{ApiError, ApiResult};

/// How to run a server.
#[derive(Debug, Clone)]
pub struct ServerConfig {
    /// The store: a file path, or a `postgres://` URL.
    pub db: PathBuf,
    /// A hot standby of the PostgreSQL store for file reads (`--read-db`).
    pub read_db: Option<String>,
    pub addr: SocketAddr,
    /// Read connections in the pool (default: 2 × cores).
    pub readers: usize,
    /// Mark cookies `Secure`. Browsers accept Secure cookies from
    /// http://localhost; turn off only behind plain HTTP on another host.
    pub secure_cookies: bool,
    /// A replay store's fixed day (`socred serve --clock`); a live store refuses one.
    pub fixed_day: Option<socred_core::Date>,
    /// Reverse proxies (TLS terminators) whose `X-Forwarded-For` names the client.
    pub trusted_proxies: Vec<std::net::IpAddr>,
    pub limits: limits::LimitSettings,
    /// Time a client has to send a request's headers (and the most a
    /// connection sits idle between requests).
    pub header_read_timeout: std::time::Duration,
    /// The key that signs the log's checkpoints (`--log-key`; by default the
    /// store's path with `.log-key` appended, when that file exists).
    pub log_key: Option<Arc<socred_log::SigningKey>>,
    /// The site's public address that e-mail-ready texts link to (`--public-url`).
    pub public_url: Option<String>,
    /// The commercial scorecard's source and file name (`--scorecard`; None: the built-in one).
    pub scorecard: Option<(String, String)>,
}

impl ServerConfig {
    pub fn new(db: PathBuf, addr: SocketAddr) -> ServerConfig {
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        ServerConfig {
            addr,
            readers: (2 * cores).clamp(2, 32),
            secure_cookies: true,
            fixed_day: None,
            trusted_proxies: Vec::new(),
            limits: limits::LimitSettings::default(),
            header_read_timeout: std::time::Duration::from_secs(connections::HEADER_READ_SECONDS),
            log_key: default_log_key(&db),
            read_db: None,
            public_url: None,
            scorecard: None,
            db,
        }
    }
}

/// The key beside the store (`<db>.log-key`), if one is there and readable.
fn default_log_key(db: &std::path::Path) -> Option<Arc<socred_log::SigningKey>> {
    let mut path = db.as_os_str().to_owned();
    path.push(".log-key");
    let text = std::fs::read_to_string(std::path::PathBuf::from(path)).ok()?;
    match socred_log::SigningKey::parse(&text) {
        Ok(key) => Some(Arc::new(key)),
        Err(error) => {
            tracing::warn!(%error, "the log key beside the store is malformed: no checkpoints are signed");
            None
        }
    }
}

pub struct Inner {
    pub db: Arc<db::Db>,
    pub http: metrics::HttpMetrics,
    pub accounts: auth::TokenCache,
    pub checks: metrics::CheckCounters,
    pub openapi_json: String,
    pub secure_cookies: bool,
    pub limits: limits::Limits,
    pub trusted_proxies: Vec<std::net::IpAddr>,
    pub log_key: Option<Arc<socred_log::SigningKey>>,
    pub public_url: Option<String>,
    /// The last simulations run from the policy page.
    pub simulations: service::policy::Runs,
    /// The commercial scorecard, validated against the rulebook in force.
    pub scorecard: service::score::Card,
}

/// Shared by every handler.
#[derive(Clone)]
pub struct AppState(pub Arc<Inner>);

impl std::ops::Deref for AppState {
    type Target = Inner;
    fn deref(&self) -> &Inner {
        &self.0
    }
}

impl AppState {
    /// Today, by the server's clock: the default `as_of` of reads.
    pub fn today(&self) -> socred_core::Date {
        self.db.clock().today()
    }
}

/// Builds the whole application: API, web pages, metrics.
pub fn app(db: Arc<db::Db>, config: &ServerConfig) -> (Router, AppState) {
    let (api_router, openapi) = api::router();
    let mut document = serde_json::to_value(&openapi).expect("the OpenAPI document serialises");
    api::constraints::constrain(&mut document);
    let openapi_json = serde_json::to_string_pretty(&document).expect("the OpenAPI document serialises");
    let state = AppState(Arc::new(Inner {
        db,
        http: metrics::HttpMetrics::default(),
        accounts: auth::TokenCache::default(),
        checks: metrics::CheckCounters::default(),
        openapi_json,
        secure_cookies: config.secure_cookies,
        limits: limits::Limits::new(&config.limits),
        trusted_proxies: config.trusted_proxies.clone(),
        log_key: config.log_key.clone(),
        public_url: config.public_url.clone(),
        simulations: service::policy::Runs::default(),
        scorecard: service::score::Card::new(config.scorecard.clone()),
    }));
    let router = Router::new()
        .merge(api_router)
        .merge(web::router())
        .route("/healthz", axum::routing::get(api::meta::healthz))
        .route("/metrics", axum::routing::get(metrics::render))
        .fallback(error::no_route)
        .method_not_allowed_fallback(error::method_not_allowed)
        // Innermost: a request past its deadline is answered (408 or 503) where
        // the metrics, the security headers and the trace still see it.
        .layer(axum::middleware::from_fn_with_state(
            std::time::Duration::from_secs(connections::REQUEST_SECONDS),
            connections::request_deadline,
        ))
        .layer(axum::middleware::from_fn_with_state(state.clone(), metrics::track))
        .layer(axum::middleware::from_fn_with_state(state.clone(), web::replay_notice))
        .layer(axum::middleware::from_fn(web::language::remember_address))
        .layer(axum::middleware::from_fn(web::security_headers))
        .layer(tower_http::trace::TraceLayer::new_for_http())
        .with_state(state.clone());
    (router, state)
}

/// A server running in the background (tests, `demo --serve`).
pub struct RunningServer {
    pub addr: SocketAddr,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<std::io::Result<()>>>,
    db: Arc<db::Db>,
}

impl RunningServer {
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The store behind the server (tests and the demo).
    pub fn db(&self) -> Arc<db::Db> {
        Arc::clone(&self.db)
    }

    /// Stops accepting, finishes in-flight requests, drains the writer.
    pub async fn stop(mut self) -> std::io::Result<()> {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
        let result = match self.task.take() {
            Some(task) => task.await.unwrap_or_else(|e| Err(std::io::Error::other(e))),
            None => Ok(()),
        };
        // The last handle on the store is dropped off the runtime's threads too.
        let RunningServer { db, .. } = self;
        tokio::task::spawn_blocking(move || {
            db.shutdown();
            drop(db);
        })
        .await
        .map_err(std::io::Error::other)?;
        result
    }
}

/// Binds and serves in the background until [`RunningServer::stop`].
pub async fn start(config: ServerConfig) -> Result<RunningServer, StartError> {
    // The PostgreSQL client blocks on a runtime of its own: it is opened (and
    // later dropped) off the server's runtime threads.
    let opening = config.clone();
    let db = tokio::task::spawn_blocking(move || match opening.db.to_str().filter(|db| socred_store::is_postgres_url(db)) {
        Some(url) => db::Db::open_postgres(url, opening.read_db.as_deref(), opening.fixed_day),
        None => db::Db::open(&opening.db, opening.readers, opening.fixed_day),
    })
    .await
    .map_err(|e| StartError::Serve(std::io::Error::other(e)))??;
    let db = Arc::new(db);
    let (router, state) = app(db.clone(), &config);
    // A card named with --scorecard that does not fit the rulebook in force
    // stops the start, with its problems. The built-in card never does: a
    // rulebook it no longer fits costs the commercial score (503), not the server.
    if config.scorecard.is_some() {
        let rulebook = db.rulebook().await.map_err(|error| StartError::Rulebook(error.detail.message))?;
        state.scorecard.for_rulebook(&rulebook).map_err(StartError::Scorecard)?;
    }
    let listener = TcpListener::bind(config.addr).await.map_err(|e| StartError::Bind(config.addr, e))?;
    let addr = listener.local_addr().map_err(|e| StartError::Bind(config.addr, e))?;
    let (shutdown, stopped) = tokio::sync::oneshot::channel::<()>();
    let header_read_timeout = config.header_read_timeout;
    let task = tokio::spawn(async move {
        connections::serve(listener, router, header_read_timeout, async move {
            let _ = stopped.await;
        })
        .await
    });
    Ok(RunningServer { addr, shutdown: Some(shutdown), task: Some(task), db })
}

/// Serves until `signal` completes, then shuts down gracefully.
pub async fn serve_until(config: ServerConfig, signal: impl std::future::Future<Output = ()>) -> Result<(), StartError> {
    let server = start(config).await?;
    let db = server.db.path().display().to_string();
    tracing::info!(addr = %server.addr, %db, "listening");
    signal.await;
    tracing::info!("shutting down: finishing in-flight requests");
    server.stop().await.map_err(StartError::Serve)?;
    tracing::info!("stopped");
    Ok(())
}

#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error("{0}")]
    Store(#[from] socred_store::StoreError),
    #[error("cannot listen on {0}: {1}")]
    Bind(SocketAddr, std::io::Error),
    #[error("server failed: {0}")]
    Serve(std::io::Error),
    /// The scorecard named does not fit the rulebook in force: its problems, typed.
    #[error("{0}")]
    Scorecard(socred_core::scorecard::ScorecardError),
    /// The rulebook in force could not be read to check the scorecard against.
    #[error("{0}")]
    Rulebook(String),
}

/// Ctrl-C or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = terminate => {},
    }
}
