//! `--db postgres://…` through the real binary: a store moved from SQLite by
//! `export` and `import-store` signs the same heads and goes on; checkpoints
//! verify across the move; refusals name their field.

use crate::common;

use common::{Env, PERSON};

/// A checkpoint's lines without its time and signature: the heads.
fn heads(checkpoint: &str) -> Vec<String> {
    checkpoint.lines().take_while(|line| !line.starts_with("socred-time")).map(str::to_string).collect()
}

#[test]
fn an_sqlite_store_moved_to_postgres_keeps_its_checkpoint_and_goes_on() {
    let sqlite = Env::new();
    sqlite.add_people();
    sqlite.ok(&[
        "--on",
        "2025-03-01",
        "record",
        "add",
        "--subject",
        PERSON,
        "--behaviour",
        "tax-evasion",
        "--at",
        "2025-03-01",
        "--source",
        "Tax",
        "--record-id",
        "tax-1",
    ]);
    sqlite.ok(&["--on", "2025-03-02", "record", "void", "tax-1", "--reason", "entered in error"]);
    sqlite.ok(&["--on", "2025-03-03", "show", PERSON, "--purpose", "review"]);
    let before = sqlite.ok(&["audit", "checkpoint"]);
    let checkpoint = sqlite.write("checkpoint.txt", &before);
    let exported = sqlite.path("export");
    sqlite.ok(&["export", exported.to_str().unwrap()]);

    let postgres = Env::postgres_empty();
    let key = sqlite.path("test.db.log-key");
    let key = key.to_str().unwrap();
    let moved = postgres.ok(&["--log-key", key, "import-store", exported.to_str().unwrap(), "--verifier-key", key]);
    assert!(moved.contains("audit verify passes") && moved.contains("signed checkpoint"), "{moved}");
    let after = postgres.ok(&["--log-key", key, "audit", "checkpoint"]);
    assert_eq!(heads(&after), heads(&before), "the same log, signed by the same key, has the same heads");

    // The moved store goes on, and still extends the checkpoint taken before the move.
    postgres.ok(&[
        "--log-key",
        key,
        "--on",
        "2025-04-01",
        "record",
        "add",
        "--subject",
        PERSON,
        "--behaviour",
        "tax-evasion",
        "--at",
        "2025-04-01",
        "--source",
        "Tax",
        "--record-id",
        "tax-2",
    ]);
    let verified = postgres.ok(&["--log-key", key, "audit", "verify", "--checkpoint", checkpoint.to_str().unwrap()]);
    assert!(verified.contains("consistent with the checkpoint"), "{verified}");
    let file = postgres.json(&["show", PERSON, "--as-of", "2025-04-02"]);
    assert_eq!(
        file["records"].as_array().map(Vec::len),
        sqlite.json(&["show", PERSON, "--as-of", "2025-04-02"])["records"].as_array().map(|r| r.len() + 1)
    );

    // And back: an export of the PostgreSQL store rebuilds an SQLite store with its heads.
    let back = postgres.path("back");
    postgres.ok(&["--log-key", key, "export", back.to_str().unwrap()]);
    let returned = sqlite.path("returned.db");
    let rebuilt = std::process::Command::new(env!("CARGO_BIN_EXE_socred"))
        .args(["--db", returned.to_str().unwrap(), "--log-key", key, "import-store", back.to_str().unwrap(), "--verifier-key", key])
        .output()
        .unwrap();
    assert!(rebuilt.status.success(), "{}", String::from_utf8_lossy(&rebuilt.stderr));
    let returned_checkpoint = std::process::Command::new(env!("CARGO_BIN_EXE_socred"))
        .args(["--db", returned.to_str().unwrap(), "--log-key", key, "audit", "checkpoint"])
        .output()
        .unwrap();
    let now = postgres.ok(&["--log-key", key, "audit", "checkpoint"]);
    assert_eq!(heads(&String::from_utf8_lossy(&returned_checkpoint.stdout)), heads(&now));

    // A second import into the same database is refused and changes nothing.
    let fingerprint = postgres.fingerprint();
    postgres.refused(&["import-store", exported.to_str().unwrap()], &["already exists"]);
    assert_eq!(postgres.fingerprint(), fingerprint);
}

#[test]
fn init_makes_a_key_named_after_the_database_and_refuses_a_second_init() {
    let env = Env::postgres_empty();
    let made = env.ok(&["init"]);
    let database = env.database.as_ref().unwrap().url.rsplit('/').next().unwrap().to_string();
    assert!(common::exists(&env.path(&format!("{database}.log-key"))), "{made}");
    assert!(!made.contains("127.0.0.1:5432/") || !made.contains(":@"), "no password is printed");
    env.refused(&["init"], &["already exists"]);
}

#[test]
fn refusals_on_postgres_name_their_field_and_change_nothing() {
    let env = Env::postgres();
    assert!(env.ok(&["rulebook", "show"]).contains("default"));
    let fingerprint = env.fingerprint();
    env.refused(&["demo", "--subjects", "10"], &["--db:", "a demo did not make", "refusing to replace"]);
    assert_eq!(env.fingerprint(), fingerprint, "a demo does not replace a store it did not make");
    env.refused(&["account", "remove-second-factor", "--username", "nobody-here"], &["--username", "nobody-here"]);
    env.add_people();
    let fingerprint = env.fingerprint();
    env.refused(&["show", PERSON, "--known-on", "1999-01-01"], &["--known-on", "held nothing"]);
    assert_eq!(env.fingerprint(), fingerprint, "a refused read logs nothing");
}

#[test]
fn accounts_and_tokens_are_kept_on_postgres() {
    let env = Env::postgres();
    let added: serde_json::Value = serde_json::from_str(&env.ok(&[
        "account",
        "add",
        "--username",
        "airline-1",
        "--role",
        "provider",
        "--service",
        "civil-aviation",
        "--json",
    ]))
    .unwrap();
    assert_eq!(added["username"], "airline-1");
    env.refused(&["account", "add", "--username", "airline-2", "--role", "provider", "--service", "no-such-service"], &["--services:"]);
    let issued: serde_json::Value = serde_json::from_str(&env.ok(&["token", "issue", "--username", "airline-1", "--json"])).unwrap();
    let token = issued["id"].as_i64().unwrap().to_string();
    assert!(env.ok(&["token", "list", "--username", "airline-1"]).contains("expires at unix"));
    assert!(env.ok(&["account", "list"]).contains("airline-1"));
    env.ok(&["token", "revoke", &token]);
    assert!(env.ok(&["token", "list", "--username", "airline-1"]).contains("revoked"));
    env.ok(&["account", "disable", "--username", "airline-1"]);
    let verified = env.ok(&["audit", "verify"]);
    assert!(verified.contains("1 accounts and 1 tokens match their seals"), "{verified}");
}

#[test]
fn an_unreachable_server_or_a_missing_database_is_named() {
    let env = Env::empty();
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_socred"))
        .args(["--db", "postgres://nobody:secret@127.0.0.1:1/none", "audit", "verify"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(3), "{stderr}");
    assert!(stderr.contains("cannot connect to postgres://nobody@127.0.0.1:1/none") && !stderr.contains("secret"), "{stderr}");
    drop(env);
}

#[test]
fn a_read_database_is_a_standby_of_a_postgres_store() {
    let sqlite = Env::new();
    sqlite.refused(&["--read-db", "postgres://postgres@127.0.0.1:5432/postgres", "show", PERSON], &["--read-db:", "embedded store"]);
    let env = Env::postgres();
    env.refused(&["--read-db", "standby.db", "show", PERSON], &["--read-db:", "postgres:// URL"]);
    let other = Env::postgres();
    let url = other.database.as_ref().unwrap().url.clone();
    let fingerprint = env.fingerprint();
    env.refused(&["--read-db", &url, "show", PERSON], &["--read-db:", "is not a hot standby"]);
    // Not even the store itself: a database that accepts writes may have diverged.
    let own = env.database.as_ref().unwrap().url.clone();
    env.refused(&["--read-db", &own, "audit", "head"], &["--read-db:", "is not a hot standby"]);
    env.refused(
        &["--read-db", "postgres://postgres@127.0.0.1:5432/socred_no_such_database", "show", PERSON],
        &["--read-db:", "does not exist"],
    );
    assert_eq!(env.fingerprint(), fingerprint, "a refused read logs nothing");
}

#[test]
fn urls_without_a_database_or_a_server_and_databases_in_use_are_refused() {
    let env = Env::empty();
    for (url, reason) in [
        ("postgres://", "db:"),
        ("postgres://postgres@127.0.0.1:5432", "db:"),
        ("postgres://postgres@127.0.0.1:5432/", "db:"),
        // TLS that would not verify the server, or a root file that is not one, is refused before any connection.
        ("postgres://postgres@127.0.0.1:5432/x?sslmode=prefer", "sslmode=prefer would fall back"),
        ("postgres://postgres@127.0.0.1:5432/x?sslmode=verify-ca", "choose sslmode=verify-full"),
        ("postgres://postgres@127.0.0.1:5432/x?sslmode=verify-full&sslrootcert=/no/such/ca.pem", "sslrootcert /no/such/ca.pem"),
    ] {
        let output = init_at(url, env.dir.path());
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(1), "{url}: {stderr}");
        assert!(stderr.contains("db:") && stderr.contains(reason), "{url}: {stderr}");
    }
    let used = Env::postgres_empty();
    let url = used.database.as_ref().unwrap().url.clone();
    postgres_sql(&url, "CREATE TABLE records (anything int)");
    used.refused(&["init"], &["db:", "empty database"]);
    used.refused(&["import-store", "no-such-export"], &["dir"]);
}

fn postgres_sql(url: &str, statement: &str) {
    std::process::Command::new("psql").args([url, "-qc", statement]).output().unwrap();
}

/// A server reached over TLS whose certificate another CA signed: the CLI names TLS as what failed, not a missing database.
#[test]
fn a_server_whose_certificate_does_not_verify_is_named_as_such() {
    let dir = tempfile::Builder::new().prefix("socred-cli-tls").tempdir_in("/tmp").unwrap();
    let cluster = socred_store::postgres::testing::Cluster::with_tls(dir.path());
    let impostor = format!("{}?sslmode=verify-full&sslrootcert={}", cluster.url("postgres"), dir.path().join("other-ca.pem").display());
    let output = init_at(&impostor, dir.path());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(3), "{stderr}");
    assert!(stderr.contains("over TLS") && stderr.contains("certificate") && !stderr.contains("createdb"), "{stderr}");
    let verified = impostor.replace("other-ca.pem", "ca.pem");
    let output = init_at(&verified, dir.path());
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
}

/// `socred --db URL init`, run in `dir`.
fn init_at(url: &str, dir: &std::path::Path) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_socred")).args(["--db", url, "init"]).current_dir(dir).output().unwrap()
}
