//! A real server on port 0 against a fresh store, with one account per role.

#![allow(dead_code)]

use std::collections::HashMap;
use std::path::PathBuf;

use socred_auth::Role;
use socred_core::record::{Record, RecordId};
use socred_core::{DEFAULT_RULEBOOK, SubjectId};
use socred_server::{RunningServer, ServerConfig};
use socred_store::backend::{AccountStore, LedgerStore};
use socred_store::postgres::testing::FreshDatabase;
use socred_store::{Actor, Clock, NewAccount, NewSubject, PgStore, Store};

pub const PERSON: &str = "110101199003074514";
pub const OTHER: &str = "440524198001010013";
pub const GUARDIAN: &str = "11010519491231002X";
pub const ORG: &str = "91350100M000100Y43";
pub const AUTHORITY: &str = "Municipal Tax Bureau";
/// What the second officer's authority, the traffic police, may record.
pub const TRAFFIC: [&str; 4] = ["speeding-minor", "speeding-serious", "not-yielding-to-pedestrians", "jaywalking"];
pub const PASSWORD: &str = "correct horse battery";

/// Runs each `async fn name(backend: Backend)` as two tests, `sqlite::name`
/// and `postgres::name` (on a fresh database).
#[macro_export]
macro_rules! on_both_backends {
    ($($test:ident),+ $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test]
                async fn $test() {
                    super::$test($crate::common::Backend::Sqlite).await
                }
            )+
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $test() {
                    super::$test($crate::common::Backend::Postgres).await
                }
            )+
        }
    };
}

/// The store a test server stands on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

pub struct TestServer {
    pub server: Option<RunningServer>,
    /// A fresh PostgreSQL database, dropped with the server (None on SQLite).
    pub database: Option<FreshDatabase>,
    /// The days the setup's judgment (jd-1) and tax evasion (tax-1) happened: 2025-01-10 and
    /// 2025-03-01 in a replay store; 300 and 270 days before today in a live one.
    pub judgment_on: socred_core::Date,
    pub tax_on: socred_core::Date,
    pub dir: tempfile::TempDir,
    pub db: PathBuf,
    pub tokens: HashMap<Role, String>,
    pub client: reqwest::Client,
}

/// The setup acts now by the clock of a live store (the day in the store's time zone), and on
/// 1 January 2025 in a replay store, so that its history can be read as known on any later day.
fn actor(live: bool) -> Actor {
    let moment = if live {
        socred_core::date::Moment::at(
            (time::OffsetDateTime::now_utc().unix_timestamp_nanos() / 1_000_000) as i64,
            socred_store::DEFAULT_UTC_OFFSET,
        )
        .unwrap()
    } else {
        socred_core::date::Moment::start_of(socred_core::parse_date("2025-01-01").unwrap(), socred_store::DEFAULT_UTC_OFFSET)
    };
    Actor::new("setup", moment).unwrap()
}

pub fn username(role: Role) -> String {
    format!("{}-1", role.as_str())
}

impl TestServer {
    /// A server on a replay store whose two records were recorded on the days they happened.
    pub async fn start() -> TestServer {
        TestServer::start_with(socred_store::TimeSettings::replay()).await
    }

    /// A server on a live store: every act, the setup's included, dated by the clock.
    pub async fn start_live() -> TestServer {
        TestServer::start_with(socred_store::TimeSettings::clock()).await
    }

    /// A server on a replay store of `backend` (on PostgreSQL, a fresh database).
    pub async fn start_on(backend: Backend) -> TestServer {
        match backend {
            Backend::Sqlite => TestServer::start().await,
            Backend::Postgres => TestServer::start_postgres(socred_store::TimeSettings::replay()).await,
        }
    }

    /// A server on a live store of `backend` (on PostgreSQL, a fresh database).
    pub async fn start_live_on(backend: Backend) -> TestServer {
        match backend {
            Backend::Sqlite => TestServer::start_live().await,
            Backend::Postgres => TestServer::start_postgres(socred_store::TimeSettings::clock()).await,
        }
    }

    async fn start_postgres(time: socred_store::TimeSettings) -> TestServer {
        let live = time.dating == socred_store::Dating::Clock;
        let (database, tokens, judgment_on, tax_on) = tokio::task::spawn_blocking(move || {
            let database = FreshDatabase::create("http");
            let mut store = PgStore::create(&database.url, DEFAULT_RULEBOOK, "default.toml", &actor(live), "init", time).unwrap();
            let clock = store.clock();
            let (tokens, judgment_on, tax_on) = populate(&mut store, clock, live);
            (database, tokens, judgment_on, tax_on)
        })
        .await
        .unwrap();
        let db = PathBuf::from(&database.url);
        let server = socred_server::start(test_config(&db)).await.unwrap();
        let client = client_builder().build().unwrap();
        let dir = tempfile::tempdir().unwrap();
        TestServer { server: Some(server), database: Some(database), judgment_on, tax_on, dir, db, tokens, client }
    }

    pub fn backend(&self) -> Backend {
        if self.database.is_some() { Backend::Postgres } else { Backend::Sqlite }
    }

    async fn start_with(time: socred_store::TimeSettings) -> TestServer {
        let live = time.dating == socred_store::Dating::Clock;
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("server.db");
        let (tokens, judgment_on, tax_on) = {
            let mut store = Store::create(&db, DEFAULT_RULEBOOK, "default.toml", &actor(live), "init", time).unwrap();
            let clock = store.clock();
            populate(&mut store, clock, live)
        };
        let mut config = test_config(&db);
        config.readers = 4;
        let server = socred_server::start(config).await.unwrap();
        let client = client_builder().build().unwrap();
        TestServer { server: Some(server), database: None, judgment_on, tax_on, dir, db, tokens, client }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.server.as_ref().unwrap().url())
    }

    pub fn token(&self, role: Role) -> &str {
        &self.tokens[&role]
    }

    /// A token for an account created during a test.
    pub fn token_for(&self, username: &str) -> String {
        let secret = socred_auth::new_secret().unwrap();
        let (db, username, hash) = (self.db.clone(), username.to_string(), socred_auth::secret_hash(&secret));
        // Off the runtime's threads: the PostgreSQL client blocks.
        std::thread::spawn(move || match db.to_str().filter(|db| socred_store::is_postgres_url(db)) {
            Some(url) => {
                let mut store = PgStore::open(url).unwrap();
                let account = AccountStore::account(&store, &username).unwrap().unwrap();
                let now = store.actor("setup").unwrap();
                AccountStore::issue_token(&mut store, &account, &hash, "test", 90, &now).unwrap();
            }
            None => {
                let mut store = Store::open(&db).unwrap();
                let account = store.account(&username).unwrap().unwrap();
                let now = store.actor("setup").unwrap();
                store.issue_token(&account, &hash, "test", 90, &now).unwrap();
            }
        })
        .join()
        .unwrap();
        secret
    }

    pub async fn call(&self, role: Option<Role>, method: &str, path: &str, body: Option<serde_json::Value>) -> (u16, serde_json::Value) {
        self.call_as(role.map(|role| self.token(role)), method, path, body).await
    }

    /// As `call`, with any token (an account made during the test).
    pub async fn call_as(
        &self,
        token: Option<&str>,
        method: &str,
        path: &str,
        body: Option<serde_json::Value>,
    ) -> (u16, serde_json::Value) {
        let mut request = self.client.request(method.parse().unwrap(), self.url(path));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.unwrap();
        let status = response.status().as_u16();
        let text = response.text().await.unwrap();
        (status, serde_json::from_str(&text).unwrap_or(serde_json::Value::String(text)))
    }

    /// How many checks about `subject` the store has logged, on either backend.
    pub fn checks_logged_about(&self, subject: &str) -> usize {
        let (db, id) = (self.db.clone(), SubjectId::parse(subject).unwrap());
        std::thread::spawn(move || match db.to_str().filter(|db| socred_store::is_postgres_url(db)) {
            Some(url) => PgStore::open(url).unwrap().checks_of(&id).unwrap().len(),
            None => Store::open_read_only(&db).unwrap().checks_of(&id).unwrap().len(),
        })
        .join()
        .unwrap()
    }

    /// The decisions the store computes from the files (the slow path), on either backend.
    pub fn decisions_in_store(&self, cases: &[(String, String, socred_core::Date)]) -> Vec<socred_core::decide::Decision> {
        let (db, cases) = (self.db.clone(), cases.to_vec());
        std::thread::spawn(move || {
            let subject = |id: &str| SubjectId::parse(id).unwrap();
            match db.to_str().filter(|db| socred_store::is_postgres_url(db)) {
                Some(url) => {
                    let store = PgStore::open(url).unwrap();
                    cases.iter().map(|(id, service, on)| store.decide(&subject(id), service, *on).unwrap()).collect()
                }
                None => {
                    let store = Store::open_read_only(&db).unwrap();
                    cases.iter().map(|(id, service, on)| store.decide(&subject(id), service, *on).unwrap()).collect()
                }
            }
        })
        .join()
        .unwrap()
    }

    /// The running server's day (its clock, in the store's time zone).
    pub fn today(&self) -> socred_core::Date {
        self.server.as_ref().expect("a running server").db().clock().today()
    }

    pub fn fingerprint(&self) -> String {
        let db = self.db.clone();
        std::thread::spawn(move || match db.to_str().filter(|db| socred_store::is_postgres_url(db)) {
            Some(url) => PgStore::open(url).unwrap().ledger_fingerprint().unwrap(),
            None => Store::open_read_only(&db).unwrap().ledger_fingerprint().unwrap(),
        })
        .join()
        .unwrap()
    }

    /// The first column of `sql` (text) as the database behind the server holds it, on either backend.
    pub fn column(&self, sql: &'static str) -> Vec<String> {
        let db = self.db.clone();
        std::thread::spawn(move || match db.to_str().filter(|db| socred_store::is_postgres_url(db)) {
            Some(url) => {
                let mut client = postgres::Client::connect(url, postgres::NoTls).unwrap();
                client.query(sql, &[]).unwrap().iter().map(|row| row.get(0)).collect()
            }
            None => {
                let store = Store::open_read_only(&db).unwrap();
                let mut statement = store.raw_connection_for_tests().prepare(sql).unwrap();
                statement.query_map([], |row| row.get(0)).unwrap().map(Result::unwrap).collect()
            }
        })
        .join()
        .unwrap()
    }

    /// The ids of a subject's records, from the store behind the server.
    pub fn record_ids(&self, subject: &str) -> Vec<String> {
        let (db, subject) = (self.db.clone(), subject.parse().unwrap());
        let file = std::thread::spawn(move || match db.to_str().filter(|db| socred_store::is_postgres_url(db)) {
            Some(url) => PgStore::open(url).unwrap().file(&subject).unwrap(),
            None => Store::open_read_only(&db).unwrap().file(&subject).unwrap(),
        })
        .join()
        .unwrap();
        file.records.iter().map(|record| record.id.to_string()).collect()
    }

    /// `audit verify` of the store behind the server, against `earlier` heads if given.
    pub fn verify_against(&self, earlier: Option<socred_store::audit::LogHeads>) -> socred_store::VerifyReport {
        let db = self.db.clone();
        std::thread::spawn(move || match db.to_str().filter(|db| socred_store::is_postgres_url(db)) {
            Some(url) => PgStore::open(url).unwrap().audit_verify_against(earlier.as_ref()).unwrap(),
            None => Store::open_read_only(&db).unwrap().audit_verify_against(earlier.as_ref()).unwrap(),
        })
        .join()
        .unwrap()
    }

    /// Restarts the server on the same store, on the system clock.
    pub async fn restart(&mut self) {
        self.stop().await;
        let mut config = test_config(&self.db);
        config.readers = 4;
        self.server = Some(socred_server::start(config).await.unwrap());
    }

    /// Restarts the server on the same (replay) store with its clock stopped on
    /// `day`: the brief's dated scenarios, one day at a time.
    pub async fn restart_on(&mut self, day: &str) {
        self.stop().await;
        let mut config = test_config(&self.db);
        config.readers = 4;
        config.fixed_day = Some(socred_core::parse_date(day).unwrap());
        self.server = Some(socred_server::start(config).await.unwrap());
    }

    /// Stops the server; the store stays for inspection until the value is dropped.
    pub async fn stop(&mut self) {
        if let Some(server) = self.server.take() {
            server.stop().await.unwrap();
        }
    }
}

/// The setup every test server starts from, on either backend: four
/// subjects, an account and a token per role, a second officer and subject
/// account, and two records (a tax evasion and a judgment default).
fn populate<S: LedgerStore + AccountStore>(
    store: &mut S,
    clock: Clock,
    live: bool,
) -> (HashMap<Role, String>, socred_core::Date, socred_core::Date) {
    let (judgment_on, tax_on) = if live {
        let today = actor(true).today();
        (today - time::Duration::days(300), today - time::Duration::days(270))
    } else {
        (socred_core::parse_date("2025-01-10").unwrap(), socred_core::parse_date("2025-03-01").unwrap())
    };
    let mut tokens = HashMap::new();
    for (id, name, guardians) in [
        (GUARDIAN, "Wang Fang", vec![]),
        (PERSON, "Li Ming", vec![GUARDIAN]),
        (OTHER, "Zhao Lei", vec![]),
        (ORG, "Fuzhou Example Co.", vec![]),
    ] {
        let subject = NewSubject {
            id: SubjectId::parse(id).unwrap(),
            name: name.into(),
            guardians: guardians.iter().map(|g| SubjectId::parse(g).unwrap()).collect(),
            represents: vec![],
        };
        store.add_subject(&subject, &actor(live)).unwrap();
    }
    for role in Role::ALL {
        let account = NewAccount {
            username: username(role),
            role,
            password_hash: Some(socred_auth::hash_password("test", PASSWORD).unwrap()),
            subject: (role == Role::Subject).then(|| SubjectId::parse(PERSON).unwrap()),
            authority: (role == Role::Officer).then(|| AUTHORITY.to_string()),
            services: if role == Role::Provider { vec!["civil-aviation".into()] } else { vec![] },
            behaviours: if role == Role::Partner { vec!["waste-sorting".into()] } else { vec![] },
        };
        store.add_account(&account, &actor(live)).unwrap();
        let account = store.account(&username(role)).unwrap().unwrap();
        let secret = socred_auth::new_secret().unwrap();
        store.issue_token(&account, &socred_auth::secret_hash(&secret), "test", 90, &actor(live)).unwrap();
        tokens.insert(role, secret);
    }
    // A second officer of another authority, and a second subject account.
    for (name, role, subject, authority) in
        [("officer-2", Role::Officer, None, Some("Traffic Police")), ("subject-2", Role::Subject, Some(OTHER), None)]
    {
        let account = NewAccount {
            username: name.into(),
            role,
            password_hash: Some(socred_auth::hash_password("test", PASSWORD).unwrap()),
            subject: subject.map(|s| SubjectId::parse(s).unwrap()),
            authority: authority.map(str::to_string),
            services: vec![],
            // The traffic police are entitled to record traffic behaviours only.
            behaviours: if name == "officer-2" { TRAFFIC.iter().map(|code| code.to_string()).collect() } else { vec![] },
        };
        store.add_account(&account, &actor(live)).unwrap();
    }
    let tax = Record {
        id: RecordId::parse("tax-1").unwrap(),
        subject: SubjectId::parse(PERSON).unwrap(),
        behaviour: "tax-evasion".into(),
        occurred_on: tax_on,
        source: AUTHORITY.into(),
        evidence: Some("case 17".into()),
    };
    // A replayed history: each record recorded the day it happened (a live store: today).
    let officer_on = |day: socred_core::Date| {
        if live {
            return Actor::new(&username(Role::Officer), clock.now()).unwrap();
        }
        Actor::replayed(&username(Role::Officer), day).unwrap()
    };
    store.add_record(&tax, &officer_on(tax_on)).unwrap();
    let judgment =
        Record { id: RecordId::parse("jd-1").unwrap(), behaviour: "judgment-default".into(), occurred_on: judgment_on, ..tax.clone() };
    store.add_record(&judgment, &officer_on(judgment_on)).unwrap();
    (tokens, judgment_on, tax_on)
}

/// The test key that signs checkpoints (a fixed seed: tests verify with it).
pub fn log_key() -> socred_log::SigningKey {
    socred_log::SigningKey::from_seed("socred.test/log", [3; 32]).unwrap()
}

fn test_config(db: &std::path::Path) -> ServerConfig {
    let mut config = ServerConfig::new(db.to_path_buf(), "127.0.0.1:0".parse().unwrap());
    config.log_key = Some(std::sync::Arc::new(log_key()));
    config
}

/// The tests' HTTP client. It forgets an idle connection after 5 s, well
/// before the server closes one (10 s without a request): reusing a
/// connection the server is closing at that instant fails the request.
pub fn client_builder() -> reqwest::ClientBuilder {
    reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).pool_idle_timeout(std::time::Duration::from_secs(5))
}

/// A browser that keeps its session cookie and asks for `language`.
pub fn browser(language: &str) -> reqwest::Client {
    let mut headers = reqwest::header::HeaderMap::new();
    headers.insert("accept-language", language.parse().unwrap());
    client_builder().cookie_store(true).default_headers(headers).build().unwrap()
}

pub async fn sign_in(server: &TestServer, browser: &reqwest::Client, role: Role) -> String {
    let login = server.url("/login");
    let form = browser.get(&login).send().await.unwrap().text().await.unwrap();
    let csrf = form.split("name=\"csrf\" value=\"").nth(1).unwrap().split('"').next().unwrap().to_string();
    let username = username(role);
    let response = browser
        .post(&login)
        .form(&[("csrf", csrf.as_str()), ("username", username.as_str()), ("password", PASSWORD), ("code", "")])
        .send()
        .await
        .unwrap();
    response.headers().get("location").map(|l| l.to_str().unwrap().to_string()).unwrap_or_default()
}

/// The CSRF token a page's form carries.
pub fn csrf_of(page: &str) -> String {
    page.split("name=\"csrf\" value=\"").nth(1).expect("a form with a CSRF token").split('"').next().unwrap().to_string()
}
