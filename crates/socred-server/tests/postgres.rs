//! Several servers on one PostgreSQL database: each answers checks from its
//! own index, follows the others' writes through the change feed, and logs
//! its checks into the one check log, which verifies after load through all
//! of them. Every test runs on a fresh database of its own.

use std::time::{Duration, Instant};

use socred_auth::Role;
use socred_core::{DEFAULT_RULEBOOK, SubjectId};
use socred_server::{RunningServer, ServerConfig};
use socred_store::postgres::testing::FreshDatabase;
use socred_store::{Actor, NewAccount, NewSubject, PgStore};

const PERSON: &str = "110101199003074514";
const OTHER: &str = "440524198001010013";
const AUTHORITY: &str = "Municipal Public Security Bureau";
/// Restricted to tier D, which an intentional crime forces at once.
const SERVICE: &str = "public-sector-hiring";

struct Setup {
    database: Option<FreshDatabase>,
    url: String,
    officer: String,
    provider: String,
    auditor: String,
    /// The subject account of PERSON.
    citizen: String,
    reviewer: String,
}

fn now() -> Actor {
    let ms = (time::OffsetDateTime::now_utc().unix_timestamp_nanos() / 1_000_000) as i64;
    Actor::new("setup", socred_core::date::Moment::at(ms, socred_store::DEFAULT_UTC_OFFSET).unwrap()).unwrap()
}

/// A live store with two subjects and an officer, a provider and an auditor with tokens.
fn setup() -> Setup {
    let database = FreshDatabase::create("servers");
    let mut setup = populate(&database.url);
    setup.database = Some(database);
    setup
}

fn populate(url: &str) -> Setup {
    let mut store =
        PgStore::create(url, DEFAULT_RULEBOOK, "default.toml", &now(), "servers.test/log", socred_store::TimeSettings::clock()).unwrap();
    for (id, name) in [(PERSON, "Li Ming"), (OTHER, "Zhao Lei")] {
        let subject = NewSubject { id: SubjectId::parse(id).unwrap(), name: name.into(), guardians: vec![], represents: vec![] };
        store.add_subject(&subject, &now()).unwrap();
    }
    let mut token = |username: &str, role: Role| {
        let account = NewAccount {
            username: username.into(),
            role,
            password_hash: None,
            subject: (role == Role::Subject).then(|| SubjectId::parse(PERSON).unwrap()),
            authority: (role == Role::Officer).then(|| AUTHORITY.to_string()),
            services: if role == Role::Provider { vec![SERVICE.into()] } else { vec![] },
            behaviours: vec![],
        };
        store.add_account(&account, &now()).unwrap();
        let account = store.account(username).unwrap().unwrap();
        let secret = socred_auth::new_secret().unwrap();
        store.issue_token(&account, &socred_auth::secret_hash(&secret), "test", 30, &now()).unwrap();
        secret
    };
    let (officer, provider, auditor) =
        (token("officer-1", Role::Officer), token("provider-1", Role::Provider), token("auditor-1", Role::Auditor));
    let (citizen, reviewer) = (token("li-ming", Role::Subject), token("reviewer-1", Role::Reviewer));
    Setup { database: None, url: url.to_string(), officer, provider, auditor, citizen, reviewer }
}

/// The PostgreSQL client blocks: it runs off the test's runtime threads.
async fn blocking<T: Send + 'static>(work: impl FnOnce() -> T + Send + 'static) -> T {
    tokio::task::spawn_blocking(work).await.unwrap()
}

async fn serve(url: &str) -> RunningServer {
    serve_reading_from(url, None).await
}

async fn serve_reading_from(url: &str, read_db: Option<String>) -> RunningServer {
    let mut config = ServerConfig::new(url.into(), "127.0.0.1:0".parse().unwrap());
    config.read_db = read_db;
    config.secure_cookies = false;
    socred_server::start(config).await.unwrap()
}

async fn decision(client: &reqwest::Client, server: &RunningServer, token: &str, subject: &str) -> String {
    let response = client
        .post(format!("{}/api/v1/checks", server.url()))
        .bearer_auth(token)
        .json(&serde_json::json!({"subject": subject, "service": SERVICE}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200, "{}", response.text().await.unwrap());
    response.json::<serde_json::Value>().await.unwrap()["decision"].as_str().unwrap().to_string()
}

async fn record_crime(client: &reqwest::Client, server: &RunningServer, token: &str, record_id: &str, subject: &str) {
    let today = time::OffsetDateTime::now_utc().date().to_string();
    let response = client
        .post(format!("{}/api/v1/records", server.url()))
        .bearer_auth(token)
        .json(&serde_json::json!({"id": record_id, "subject": subject, "behaviour": "intentional-crime", "at": today,
            "evidence": "judgment (2026) 17"}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 201, "{}", response.text().await.unwrap());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_write_through_one_server_reaches_the_checks_of_the_other() {
    let setup = tokio::task::spawn_blocking(setup).await.unwrap();
    let (first, second) = (serve(&setup.url).await, serve(&setup.url).await);
    let client = reqwest::Client::new();
    assert_eq!(decision(&client, &second, &setup.provider, PERSON).await, "allow");
    assert_eq!(decision(&client, &first, &setup.provider, PERSON).await, "allow");

    // The server that takes a write answers from it at once, without its
    // follower: the write itself catches the index up before it is answered.
    first.db().postgres().expect("a server on PostgreSQL").1.stop();
    tokio::time::sleep(Duration::from_millis(600)).await;
    assert!(published(&client, &second).await.is_empty());
    record_crime(&client, &first, &setup.officer, "crime-1", PERSON).await;
    assert_eq!(decision(&client, &first, &setup.provider, PERSON).await, "deny");
    // The public list is one table both servers read, rewritten by the write itself.
    assert_eq!(published(&client, &second).await, [format!("{}********{}", &PERSON[..6], &PERSON[14..])]);
    let page = client.get(format!("{}/lists?q=Li", second.url())).send().await.unwrap();
    assert_eq!(page.status(), 200, "the public pages of the lists are served");
    // The other follows the change feed; the bound is measured by the `follow` benchmark, not here.
    let deadline = Instant::now() + Duration::from_secs(10);
    while decision(&client, &second, &setup.provider, PERSON).await != "deny" {
        assert!(Instant::now() < deadline, "the second server never saw the write");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(decision(&client, &second, &setup.provider, OTHER).await, "allow", "only the subject written changed");

    // A subject registered by another process (the CLI) reaches a following server.
    let newcomer = "11010519491231002X";
    let url = setup.url.clone();
    blocking(move || {
        let store = PgStore::open(&url).unwrap();
        let subject =
            NewSubject { id: SubjectId::parse(newcomer).unwrap(), name: "Wang Fang".into(), guardians: vec![], represents: vec![] };
        store.add_subject(&subject, &now()).unwrap();
    })
    .await;
    for server in [&second] {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let response = client
                .post(format!("{}/api/v1/checks", server.url()))
                .bearer_auth(&setup.provider)
                .json(&serde_json::json!({"subject": newcomer, "service": SERVICE}))
                .send()
                .await
                .unwrap();
            if response.status() == 200 {
                break;
            }
            assert_eq!(response.status(), 404);
            assert!(Instant::now() < deadline, "the server never saw the new subject");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
    // A judgment default raises a list entry with its notice, readable through either server.
    let today = time::OffsetDateTime::now_utc().date().to_string();
    post(
        &client,
        &first,
        &setup.officer,
        "/api/v1/records",
        serde_json::json!({"id": "jd-9", "subject": OTHER,
        "behaviour": "judgment-default", "at": today, "evidence": "(2026) civil case 9"}),
    )
    .await;
    let response = client
        .get(format!("{}/api/v1/lists/entries/blacklist:jd-9/notice", second.url()))
        .bearer_auth(&setup.officer)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200, "{}", response.text().await.unwrap());
    let notice: serde_json::Value = response.json().await.unwrap();
    assert_eq!(notice["to"]["name"], "Zhao Lei");
    first.stop().await.unwrap();
    second.stop().await.unwrap();
    let url = setup.url.clone();
    blocking(move || PgStore::open(&url).unwrap().audit_verify().unwrap()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn checks_through_every_server_land_in_one_log_that_verifies() {
    let setup = tokio::task::spawn_blocking(setup).await.unwrap();
    let servers = [serve(&setup.url).await, serve(&setup.url).await];
    let client = reqwest::Client::new();
    let per_server = 150;
    let mut tasks = Vec::new();
    for (number, server) in servers.iter().enumerate() {
        for check in 0..per_server {
            let (client, url, token) = (client.clone(), server.url(), setup.provider.clone());
            let subject = if check % 2 == 0 { PERSON } else { OTHER };
            tasks.push(tokio::spawn(async move {
                let response = client
                    .post(format!("{url}/api/v1/checks"))
                    .bearer_auth(token)
                    .json(&serde_json::json!({"subject": subject, "service": SERVICE}))
                    .send()
                    .await
                    .unwrap();
                assert_eq!(response.status(), 200);
            }));
        }
        // Writes through each server at the same time.
        record_crime(&client, server, &setup.officer, &format!("crime-{number}"), OTHER).await;
    }
    for task in tasks {
        task.await.unwrap();
    }
    // Stopping drains each server's held checks into the log.
    let [first, second] = servers;
    first.stop().await.unwrap();
    second.stop().await.unwrap();
    let url = setup.url.clone();
    let (report, checks) = blocking(move || {
        let store = PgStore::open(&url).unwrap();
        (store.audit_verify().unwrap(), store.checks_of(&SubjectId::parse(PERSON).unwrap()).unwrap())
    })
    .await;
    assert_eq!(report.checks, 2 * per_server as u64);
    assert_eq!(checks.len(), per_server as usize);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_on_postgres_serves_every_route_and_reports_its_lag() {
    let setup = tokio::task::spawn_blocking(setup).await.unwrap();
    let server = serve(&setup.url).await;
    let client = reqwest::Client::new();
    let response = client.get(format!("{}/api/v1/reports", server.url())).bearer_auth(&setup.reviewer).send().await.unwrap();
    assert_eq!(response.status(), 200);
    let body: serde_json::Value = response.json().await.unwrap();
    assert!(body["reports"].is_array(), "{body}");
    // Registration, timelines and the audit log are served.
    let registered =
        post(&client, &server, &setup.officer, "/api/v1/subjects", serde_json::json!({"id": "11010519491231002X", "name": "Wang Fang"}))
            .await;
    assert_eq!(registered["result"]["outcome"], "registered");
    let response =
        client.get(format!("{}/api/v1/subjects/{PERSON}/timeline", server.url())).bearer_auth(&setup.officer).send().await.unwrap();
    assert_eq!(response.status(), 200);
    assert!(!response.json::<serde_json::Value>().await.unwrap().as_array().unwrap().is_empty());
    let response = client.get(format!("{}/api/v1/audit?limit=3", server.url())).bearer_auth(&setup.auditor).send().await.unwrap();
    assert_eq!(response.status(), 200);
    let entries: serde_json::Value = response.json().await.unwrap();
    assert_eq!((entries.as_array().unwrap().len(), entries[0]["action"].as_str()), (3, Some("subject.register")));
    // Tokens, roles and scopes hold as on SQLite.
    let response = client
        .post(format!("{}/api/v1/records", server.url()))
        .bearer_auth(&setup.provider)
        .json(&serde_json::json!({"subject": PERSON, "behaviour": "intentional-crime", "at": "2026-01-05"}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 403, "a provider records nothing");
    let response = client
        .post(format!("{}/api/v1/checks", server.url()))
        .bearer_auth(&setup.provider)
        .json(&serde_json::json!({"subject": PERSON, "service": "civil-aviation"}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 403, "a service outside the provider's scope");
    let response = client
        .post(format!("{}/api/v1/checks", server.url()))
        .bearer_auth(&setup.officer)
        .json(&serde_json::json!({"subject": PERSON, "service": SERVICE}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 403, "an officer is not a provider");
    let response = client.get(format!("{}/metrics", server.url())).bearer_auth(&setup.provider).send().await.unwrap();
    assert_eq!(response.status(), 403);
    let response = client.get(format!("{}/metrics", server.url())).bearer_auth("not-a-token").send().await.unwrap();
    assert_eq!(response.status(), 401);
    let response = client.get(format!("{}/metrics", server.url())).bearer_auth(&setup.auditor).send().await.unwrap();
    assert_eq!(response.status(), 200);
    let metrics = response.text().await.unwrap();
    assert!(metrics.contains("socred_follower_behind_entries 0"), "{metrics}");
    assert!(metrics.contains("socred_follower_cursor "), "{metrics}");
    server.stop().await.unwrap();
}

async fn summary(client: &reqwest::Client, server: &RunningServer, token: &str, subject: &str) -> serde_json::Value {
    let response = client.get(format!("{}/api/v1/subjects/{subject}", server.url())).bearer_auth(token).send().await.unwrap();
    assert_eq!(response.status(), 200, "{}", response.text().await.unwrap());
    response.json().await.unwrap()
}

/// `--read-db`: a primary and a streaming standby of the test's own; staff
/// reads of files go to the standby, writes and the index to the primary, and
/// `/metrics` reports the standby's lag. Every read is logged on the primary.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn file_reads_go_to_a_standby_whose_lag_is_on_metrics() {
    let dir = tempfile::Builder::new().prefix("socred-server-standby").tempdir_in("/tmp").unwrap();
    let place = dir.path().to_path_buf();
    let clusters = blocking(move || socred_store::postgres::testing::Replicated::create(&place)).await;
    let (primary, standby) = (clusters.primary.url("postgres"), clusters.standby.url("postgres"));
    let setup = blocking({
        let (primary, standby) = (primary.clone(), standby.clone());
        move || {
            let setup = populate(&primary);
            // The standby serves this store once its creation has been replayed.
            let mut store = PgStore::open(&primary).unwrap();
            let started = Instant::now();
            while store.read_from(&standby).is_err() {
                assert!(started.elapsed() < Duration::from_secs(10), "the standby never caught up");
                std::thread::sleep(Duration::from_millis(50));
            }
            setup
        }
    })
    .await;
    let server = serve_reading_from(&primary, Some(standby.clone())).await;
    let client = reqwest::Client::new();
    assert_eq!(summary(&client, &server, &setup.officer, PERSON).await["tier"], "A");
    // With the standby's replay paused, a write reaches the checks (the
    // primary) but not the file reads (the standby): proof of where each reads.
    let replay = |action: &'static str| {
        let standby = standby.clone();
        blocking(move || {
            postgres::Client::connect(&standby, postgres::NoTls)
                .unwrap()
                .batch_execute(&format!("SELECT pg_wal_replay_{action}()"))
                .unwrap();
        })
    };
    replay("pause").await;
    record_crime(&client, &server, &setup.officer, "crime-1", PERSON).await;
    assert_eq!(decision(&client, &server, &setup.provider, PERSON).await, "deny");
    assert_eq!(summary(&client, &server, &setup.officer, PERSON).await["tier"], "A", "the paused standby does not have the write");
    assert!(published(&client, &server).await.is_empty(), "the public list is read from the paused standby");
    replay("resume").await;
    let deadline = Instant::now() + Duration::from_secs(10);
    while summary(&client, &server, &setup.officer, PERSON).await["tier"] != "D" {
        assert!(Instant::now() < deadline, "the standby never showed the write");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert_eq!(published(&client, &server).await, [format!("{}********{}", &PERSON[..6], &PERSON[14..])]);
    let metrics = client.get(format!("{}/metrics", server.url())).bearer_auth(&setup.auditor).send().await.unwrap().text().await.unwrap();
    assert!(metrics.contains("socred_replica_in_recovery 1"), "{metrics}");
    assert!(metrics.contains("socred_replica_lag_seconds "), "{metrics}");
    server.stop().await.unwrap();
    let report = blocking(move || PgStore::open(&primary).unwrap().audit_verify().unwrap()).await;
    assert!(report.accesses >= 2, "every staff read is on the access log: {}", report.accesses);
    blocking(move || drop(clusters)).await;
}

/// The masked ids on the public list a year and a half from now (a tier entry is listed after its notice period).
async fn published(client: &reqwest::Client, server: &RunningServer) -> Vec<String> {
    let later = (time::OffsetDateTime::now_utc().date() + time::Duration::days(550)).to_string();
    let response = client.get(format!("{}/api/v1/lists/public?as_of={later}", server.url())).send().await.unwrap();
    assert_eq!(response.status(), 200);
    let lines: Vec<serde_json::Value> = response.json().await.unwrap();
    lines.iter().map(|line| line["masked_id"].as_str().unwrap().to_string()).collect()
}

async fn post(client: &reqwest::Client, server: &RunningServer, token: &str, path: &str, body: serde_json::Value) -> serde_json::Value {
    let response = client.post(format!("{}{path}", server.url())).bearer_auth(token).json(&body).send().await.unwrap();
    assert!(response.status().is_success(), "{path}: {} {}", response.status(), response.text().await.unwrap());
    response.json().await.unwrap()
}

/// Due process across servers: a record through one, the subject's dispute
/// through the other, a reviewer's decision through the first; the upheld
/// dispute voids the record and both servers' checks follow.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dispute_filed_on_one_server_and_upheld_on_another_changes_both() {
    let setup = blocking(setup).await;
    let (first, second) = (serve(&setup.url).await, serve(&setup.url).await);
    let client = reqwest::Client::new();
    record_crime(&client, &first, &setup.officer, "crime-1", PERSON).await;
    let dispute =
        post(&client, &second, &setup.citizen, "/api/v1/disputes", serde_json::json!({"record": "crime-1", "grounds": "not me"})).await;
    let id = dispute["id"].as_str().unwrap().to_string();
    // The subject may not decide their own dispute, on any server.
    let response = client
        .post(format!("{}/api/v1/disputes/{id}/decision", first.url()))
        .bearer_auth(&setup.citizen)
        .json(&serde_json::json!({"outcome": "uphold", "reasons": "mine"}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 403);
    // The dispute waits in the reviewers' queue of every server.
    let queue: serde_json::Value =
        client.get(format!("{}/api/v1/queue", first.url())).bearer_auth(&setup.reviewer).send().await.unwrap().json().await.unwrap();
    assert_eq!(queue["disputes"][0]["id"], id.as_str(), "{queue}");
    let decided = post(
        &client,
        &first,
        &setup.reviewer,
        &format!("/api/v1/disputes/{id}/decision"),
        serde_json::json!({"outcome": "uphold", "reasons": "the judgment names another person"}),
    )
    .await;
    assert_eq!(decided["result"]["voided_record"], "crime-1");
    let queue: serde_json::Value =
        client.get(format!("{}/api/v1/queue", second.url())).bearer_auth(&setup.reviewer).send().await.unwrap().json().await.unwrap();
    assert!(queue["disputes"].as_array().unwrap().is_empty(), "decided: {queue}");
    assert_eq!(decision(&client, &first, &setup.provider, PERSON).await, "allow", "the voided record no longer counts");
    let deadline = Instant::now() + Duration::from_secs(10);
    while decision(&client, &second, &setup.provider, PERSON).await != "allow" {
        assert!(Instant::now() < deadline, "the second server never saw the decision");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    first.stop().await.unwrap();
    second.stop().await.unwrap();
    let url = setup.url.clone();
    blocking(move || PgStore::open(&url).unwrap().audit_verify().unwrap()).await;
}

/// A rulebook version activated by another process (the CLI) is followed by
/// every server: each serves it within the follower's bound, and writes
/// through either go on under it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rulebook_activated_elsewhere_is_followed_by_every_server() {
    let setup = blocking(setup).await;
    let (first, second) = (serve(&setup.url).await, serve(&setup.url).await);
    let client = reqwest::Client::new();
    let version = |server: &RunningServer| {
        let request = client.get(format!("{}/api/v1/rulebook", server.url()));
        async move { request.send().await.unwrap().json::<serde_json::Value>().await.unwrap()["version"].as_str().unwrap().to_string() }
    };
    assert_eq!(version(&first).await, "2026.1");
    let url = setup.url.clone();
    blocking(move || {
        let mut store = PgStore::open(&url).unwrap();
        let next = DEFAULT_RULEBOOK.replace("version = \"2026.1\"", "version = \"2026.2\"");
        store.activate_rulebook(&next, "v2.toml", &now()).unwrap();
    })
    .await;
    for server in [&first, &second] {
        let deadline = Instant::now() + Duration::from_secs(10);
        while version(server).await != "2026.2" {
            assert!(Instant::now() < deadline, "a server never followed the new version");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
    record_crime(&client, &second, &setup.officer, "crime-after", OTHER).await;
    assert_eq!(decision(&client, &second, &setup.provider, OTHER).await, "deny");
    let deadline = Instant::now() + Duration::from_secs(10);
    while decision(&client, &first, &setup.provider, OTHER).await != "deny" {
        assert!(Instant::now() < deadline, "the first server never saw the write");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    first.stop().await.unwrap();
    second.stop().await.unwrap();
    let url = setup.url.clone();
    let report = blocking(move || PgStore::open(&url).unwrap().audit_verify()).await;
    report.unwrap();
}
