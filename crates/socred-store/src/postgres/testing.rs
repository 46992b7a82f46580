//! Fresh databases for tests and benchmarks (one per store, dropped after),
//! and a primary with a streaming standby of a test's own.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicU32, Ordering};

/// The server tests create their databases on (`SOCRED_TEST_POSTGRES`,
/// a URL of a database the user may create databases from).
pub fn admin_url() -> String {
    std::env::var("SOCRED_TEST_POSTGRES").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into())
}

/// A database created for one test, dropped (its sessions ended) on drop.
#[derive(Debug)]
pub struct FreshDatabase {
    pub url: String,
    name: String,
}

impl FreshDatabase {
    /// Panics, naming the server, when PostgreSQL cannot be reached: a
    /// test on PostgreSQL never passes by not running.
    pub fn create(purpose: &str) -> FreshDatabase {
        static NEXT: AtomicU32 = AtomicU32::new(0);
        let admin = admin_url();
        let name = format!("socred_{purpose}_{}_{}", std::process::id(), NEXT.fetch_add(1, Ordering::Relaxed));
        let mut client = postgres::Client::connect(&admin, postgres::NoTls)
            .unwrap_or_else(|e| panic!("PostgreSQL at {admin} (SOCRED_TEST_POSTGRES) cannot be reached: {e}"));
        client.batch_execute(&format!("DROP DATABASE IF EXISTS {name}")).expect("drop a stale test database");
        client.batch_execute(&format!("CREATE DATABASE {name}")).expect("create a test database");
        let (base, _) = admin.rsplit_once('/').expect("a URL with a database");
        FreshDatabase { url: format!("{base}/{name}"), name }
    }
}

impl Drop for FreshDatabase {
    fn drop(&mut self) {
        // On a thread of its own: the client blocks on a runtime, which an
        // async test's thread cannot (a database dropped there is dropped too).
        let statement = format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name);
        let _ = std::thread::spawn(move || {
            if let Ok(mut client) = postgres::Client::connect(&admin_url(), postgres::NoTls) {
                let _ = client.batch_execute(&statement);
            }
        })
        .join();
    }
}

/// A primary and its streaming standby, made in `dir` (initdb, pg_basebackup;
/// two clusters on free loopback ports, run as the `postgres` user when the
/// test runs as root), both stopped on drop. Needs PostgreSQL's server binaries.
pub struct Replicated {
    pub primary: Cluster,
    pub standby: Cluster,
}

impl Replicated {
    pub fn create(dir: &Path) -> Replicated {
        let _ = Command::new("chown").args(["-R", "postgres:postgres", dir.to_str().unwrap()]).output();
        let (primary_data, standby_data) = (dir.join("primary"), dir.join("standby"));
        as_postgres(&binaries().join("initdb"), &["-D", primary_data.to_str().unwrap(), "-U", "postgres", "--auth=trust", "-E", "UTF8"]);
        let primary = Cluster::start(&primary_data, free_port(), dir, "");
        as_postgres(
            &binaries().join("pg_basebackup"),
            &[
                "-h",
                "127.0.0.1",
                "-p",
                &primary.port.to_string(),
                "-U",
                "postgres",
                "-D",
                standby_data.to_str().unwrap(),
                "-R",
                "-X",
                "stream",
            ],
        );
        let standby = Cluster::start(&standby_data, free_port(), dir, "");
        Replicated { primary, standby }
    }
}

/// PostgreSQL's server binaries (Debian: the newest /usr/lib/postgresql/<n>/bin).
pub fn binaries() -> PathBuf {
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

/// A cluster of a test's own, on a free loopback port: stopped on drop.
pub struct Cluster {
    data: PathBuf,
    pub port: u16,
}

impl Cluster {
    /// A cluster that takes only TLS connections on loopback, its
    /// certificate (for 127.0.0.1 and `localhost`) signed by a CA made for it:
    /// `ca.pem` in `dir`; `other-ca.pem` is a CA that signed nothing it serves.
    /// Needs the `openssl` command.
    pub fn with_tls(dir: &Path) -> Cluster {
        let file = |name: &str| dir.join(name).to_str().unwrap().to_string();
        let openssl = |args: &[&str]| {
            let output = Command::new("openssl").args(args).output().expect("the openssl command");
            assert!(output.status.success(), "openssl {args:?}: {}", String::from_utf8_lossy(&output.stderr));
        };
        let curve = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "2"];
        for (name, subject) in [("ca", "/CN=socred test CA"), ("other-ca", "/CN=socred test CA")] {
            let (key, certificate) = (file(&format!("{name}.key")), file(&format!("{name}.pem")));
            openssl(&[&["req", "-x509"][..], &curve, &["-subj", subject, "-keyout", &key, "-out", &certificate]].concat());
        }
        std::fs::write(dir.join("server.ext"), "subjectAltName=IP:127.0.0.1,DNS:localhost\n").unwrap();
        openssl(
            &[&["req"][..], &curve[..5], &["-subj", "/CN=localhost", "-keyout", &file("server.key"), "-out", &file("server.csr")]].concat(),
        );
        openssl(&[
            "x509",
            "-req",
            "-in",
            &file("server.csr"),
            "-CA",
            &file("ca.pem"),
            "-CAkey",
            &file("ca.key"),
            "-CAcreateserial",
            "-days",
            "2",
            "-extfile",
            &file("server.ext"),
            "-out",
            &file("server.pem"),
        ]);
        let mut permissions = std::fs::metadata(file("server.key")).unwrap().permissions();
        std::os::unix::fs::PermissionsExt::set_mode(&mut permissions, 0o600);
        std::fs::set_permissions(file("server.key"), permissions).unwrap();
        let data = dir.join("tls");
        let _ = Command::new("chown").args(["-R", "postgres:postgres", dir.to_str().unwrap()]).output();
        as_postgres(&binaries().join("initdb"), &["-D", data.to_str().unwrap(), "-U", "postgres", "--auth=trust", "-E", "UTF8"]);
        // Plain TCP connections are rejected, so a test that connects at all connected over TLS.
        let rules = "local all all trust\nhostssl all all 127.0.0.1/32 trust\nhostnossl all all 127.0.0.1/32 reject\n";
        std::fs::write(data.join("pg_hba.conf"), rules).unwrap();
        let _ = Command::new("chown").args(["postgres:postgres", data.join("pg_hba.conf").to_str().unwrap()]).output();
        let options = format!("-c ssl=on -c ssl_cert_file={} -c ssl_key_file={}", file("server.pem"), file("server.key"));
        Cluster::start(&data, free_port(), dir, &options)
    }

    fn start(data: &Path, port: u16, socket: &Path, more: &str) -> Cluster {
        let log = data.with_extension("log");
        let options = format!("-p {port} -k {} -c listen_addresses=127.0.0.1 {more}", socket.display());
        as_postgres(
            &binaries().join("pg_ctl"),
            &["-D", data.to_str().unwrap(), "-l", log.to_str().unwrap(), "-o", &options, "-w", "start"],
        );
        Cluster { data: data.to_path_buf(), port }
    }

    pub fn url(&self, database: &str) -> String {
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
