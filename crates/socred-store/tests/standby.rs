//! Reads from a hot standby: the test makes a primary and a streaming
//! standby of its own (initdb, pg_basebackup, two clusters on free loopback
//! ports, both stopped and removed at the end), writes through the primary
//! and reads the file back from the standby, with the lag reported.
//!
//! Needs PostgreSQL's server binaries (Debian: /usr/lib/postgresql/<n>/bin);
//! run as root, the clusters run as the `postgres` user.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use socred_core::date::parse_date;
use socred_core::record::{Record, RecordId};
use socred_core::{DEFAULT_RULEBOOK, SubjectId};
use socred_store::{Actor, NewSubject, PgStore, StoreError};

const PERSON: &str = "110101199003074514";

fn binaries() -> PathBuf {
    let root = Path::new("/usr/lib/postgresql");
    let mut versions: Vec<PathBuf> = std::fs::read_dir(root)
        .unwrap_or_else(|e| panic!("PostgreSQL's server binaries are not under {}: {e}", root.display()))
        .map(|entry| entry.unwrap().path())
        .collect();
    versions.sort();
    versions.pop().expect("a PostgreSQL version").join("bin")
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// Runs a server binary as the `postgres` user when this test runs as root.
fn as_postgres(program: &Path, args: &[&str]) {
    let output = if is_root() {
        Command::new("runuser").args(["-u", "postgres", "--"]).arg(program).args(args).output()
    } else {
        Command::new(program).args(args).output()
    }
    .unwrap();
    assert!(
        output.status.success(),
        "{} {args:?}: {}{}",
        program.display(),
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

fn is_root() -> bool {
    Command::new("id").arg("-u").output().map(|out| String::from_utf8_lossy(&out.stdout).trim() == "0").unwrap_or(false)
}

/// A cluster of this test's own: stopped on drop.
struct Cluster {
    data: PathBuf,
    port: u16,
}

impl Cluster {
    fn start(data: &Path, port: u16, socket: &Path) -> Cluster {
        let log = data.with_extension("log");
        let options = format!("-p {port} -k {} -c listen_addresses=127.0.0.1", socket.display());
        as_postgres(
            &binaries().join("pg_ctl"),
            &["-D", data.to_str().unwrap(), "-l", log.to_str().unwrap(), "-o", &options, "-w", "start"],
        );
        Cluster { data: data.to_path_buf(), port }
    }

    fn url(&self, database: &str) -> String {
        format!("postgres://postgres@127.0.0.1:{}/{database}", self.port)
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        let pg_ctl = binaries().join("pg_ctl");
        let args = ["-D", self.data.to_str().unwrap(), "-m", "immediate", "stop"];
        let _ = if is_root() {
            Command::new("runuser").args(["-u", "postgres", "--"]).arg(pg_ctl).args(args).output()
        } else {
            Command::new(pg_ctl).args(args).output()
        };
    }
}

fn actor() -> Actor {
    Actor::replayed("officer", parse_date("2026-06-30").unwrap()).unwrap()
}

#[test]
fn a_write_on_the_primary_is_read_from_the_standby_with_its_lag_reported() {
    let dir = tempfile::Builder::new().prefix("socred-standby").tempdir_in("/tmp").unwrap();
    let _ = Command::new("chown").args(["-R", "postgres:postgres", dir.path().to_str().unwrap()]).output();
    let (primary_data, standby_data, socket) = (dir.path().join("primary"), dir.path().join("standby"), dir.path().to_path_buf());
    as_postgres(&binaries().join("initdb"), &["-D", primary_data.to_str().unwrap(), "-U", "postgres", "--auth=trust", "-E", "UTF8"]);
    let primary = Cluster::start(&primary_data, free_port(), &socket);
    as_postgres(
        &binaries().join("pg_basebackup"),
        &["-h", "127.0.0.1", "-p", &primary.port.to_string(), "-U", "postgres", "-D", standby_data.to_str().unwrap(), "-R", "-X", "stream"],
    );
    let standby = Cluster::start(&standby_data, free_port(), &socket);

    let mut store = PgStore::create(
        &primary.url("postgres"),
        DEFAULT_RULEBOOK,
        "default.toml",
        &actor(),
        "standby.test/log",
        socred_store::TimeSettings::replay(),
    )
    .unwrap();
    let id = SubjectId::parse(PERSON).unwrap();
    store.add_subject(&NewSubject { id, name: "Zhang San".into(), guardians: vec![], represents: vec![] }, &actor()).unwrap();
    // The standby must be a replica of this store: it is, once the store's creation has reached it.
    let started = Instant::now();
    loop {
        match store.read_from(&standby.url("postgres")) {
            Ok(()) => break,
            Err(_) if started.elapsed() < Duration::from_secs(10) => std::thread::sleep(Duration::from_millis(50)),
            Err(error) => panic!("the standby never caught up with the store's creation: {error}"),
        }
    }

    let written = Instant::now();
    store
        .add_record(
            &Record {
                id: RecordId::parse("tax-1").unwrap(),
                subject: id,
                behaviour: "tax-evasion".into(),
                occurred_on: parse_date("2025-03-01").unwrap(),
                source: "Tax Bureau".into(),
                evidence: None,
            },
            &actor(),
        )
        .unwrap();
    // The file is read from the standby: the record appears there once replayed.
    let visible = loop {
        if store.file(&id).unwrap().records.len() == 1 {
            break written.elapsed();
        }
        assert!(written.elapsed() < Duration::from_secs(10), "the standby did not replay the write in 10 s");
        std::thread::sleep(Duration::from_millis(5));
    };
    eprintln!("a write on the primary was read from the standby after {visible:?}");
    let lag = store.replica_lag().unwrap().expect("a standby");
    assert!(lag.in_recovery, "the read database is a standby");
    assert_eq!(lag.bytes, 0, "replayed up to the primary's position");
    assert!(lag.seconds >= 0.0);

    // The standby refuses writes: a handle opened on it alone cannot write.
    let on_standby = PgStore::open(&standby.url("postgres")).unwrap();
    match on_standby.add_subject(
        &NewSubject { id: SubjectId::parse("440524198001010013").unwrap(), name: "Zhao".into(), guardians: vec![], represents: vec![] },
        &actor(),
    ) {
        Err(StoreError::Database(error)) => assert!(error.to_string().contains("read-only"), "{error}"),
        other => panic!("a write on a standby: {other:?}"),
    }
    // A database that accepts writes is not taken as a replica, nor a standby of another store.
    let mut again = PgStore::open(&primary.url("postgres")).unwrap();
    assert!(matches!(again.read_from(&primary.url("postgres")), Err(StoreError::Invalid { .. })));
    assert!(matches!(again.read_from(&standby.url("template1")), Err(StoreError::NotAStore(_))));
    drop(standby);
    drop(primary);
}
