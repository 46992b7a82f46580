//! A real server on port 0 against a fresh store, with one account per role.

#![allow(dead_code)]

use std::collections::HashMap;
use std::path::PathBuf;

use socred_auth::Role;
use socred_core::record::{Record, RecordId};
use socred_core::{DEFAULT_RULEBOOK, SubjectId};
use socred_server::{RunningServer, ServerConfig};
use socred_store::{Actor, NewAccount, NewSubject, Store};

pub const PERSON: &str = "110101199003074514";
pub const OTHER: &str = "440524198001010013";
pub const GUARDIAN: &str = "11010519491231002X";
pub const ORG: &str = "91350100M000100Y43";
pub const AUTHORITY: &str = "Municipal Tax Bureau";
pub const PASSWORD: &str = "correct horse battery";

pub struct TestServer {
    pub server: Option<RunningServer>,
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

    async fn start_with(time: socred_store::TimeSettings) -> TestServer {
        let live = time.dating == socred_store::Dating::Clock;
        let (judgment_on, tax_on) = if live {
            let today = actor(true).today();
            (today - time::Duration::days(300), today - time::Duration::days(270))
        } else {
            (socred_core::parse_date("2025-01-10").unwrap(), socred_core::parse_date("2025-03-01").unwrap())
        };
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("server.db");
        let mut tokens = HashMap::new();
        {
            let mut store = Store::create(&db, DEFAULT_RULEBOOK, "default.toml", &actor(live), "init", time).unwrap();
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
                    behaviours: vec![],
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
            let clock = store.clock();
            let officer_on = |day: socred_core::Date| {
                if live {
                    return Actor::new(&username(Role::Officer), clock.now()).unwrap();
                }
                Actor::replayed(&username(Role::Officer), day).unwrap()
            };
            store.add_record(&tax, &officer_on(tax_on)).unwrap();
            let judgment = Record {
                id: RecordId::parse("jd-1").unwrap(),
                behaviour: "judgment-default".into(),
                occurred_on: judgment_on,
                ..tax.clone()
            };
            store.add_record(&judgment, &officer_on(judgment_on)).unwrap();
        }
        let mut config = test_config(&db);
        config.readers = 4;
        let server = socred_server::start(config).await.unwrap();
        let client = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
        TestServer { server: Some(server), judgment_on, tax_on, dir, db, tokens, client }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.server.as_ref().unwrap().url())
    }

    pub fn token(&self, role: Role) -> &str {
        &self.tokens[&role]
    }

    /// A token for an account created during a test.
    pub fn token_for(&self, username: &str) -> String {
        let mut store = Store::open(&self.db).unwrap();
        let account = store.account(username).unwrap().unwrap();
        let secret = socred_auth::new_secret().unwrap();
        let now = store.actor("setup").unwrap();
        store.issue_token(&account, &socred_auth::secret_hash(&secret), "test", 90, &now).unwrap();
        secret
    }

    pub async fn call(&self, role: Option<Role>, method: &str, path: &str, body: Option<serde_json::Value>) -> (u16, serde_json::Value) {
        let mut request = self.client.request(method.parse().unwrap(), self.url(path));
        if let Some(role) = role {
            request = request.bearer_auth(self.token(role));
        }
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.unwrap();
        let status = response.status().as_u16();
        let text = response.text().await.unwrap();
        (status, serde_json::from_str(&text).unwrap_or(serde_json::Value::String(text)))
    }

    pub fn fingerprint(&self) -> String {
        Store::open_read_only(&self.db).unwrap().ledger_fingerprint().unwrap()
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

/// The test key that signs checkpoints (a fixed seed: tests verify with it).
pub fn log_key() -> socred_log::SigningKey {
    socred_log::SigningKey::from_seed("socred.test/log", [3; 32]).unwrap()
}

fn test_config(db: &std::path::Path) -> ServerConfig {
    let mut config = ServerConfig::new(db.to_path_buf(), "127.0.0.1:0".parse().unwrap());
    config.log_key = Some(std::sync::Arc::new(log_key()));
    config
}
