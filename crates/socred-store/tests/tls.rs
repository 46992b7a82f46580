//! TLS to PostgreSQL: a cluster of the test's own that takes only TLS
//! connections (plain ones are rejected by its pg_hba.conf), with a
//! certificate signed by a CA made for the test. A store reached with
//! `sslmode=verify-full` works end to end, change feed included; a server
//! whose certificate another CA signed, or that names another host, is
//! refused before anything is sent, and the refusal names the certificate.
//!
//! Needs PostgreSQL's server binaries and the `openssl` command.

use socred_core::date::parse_date;
use socred_core::{DEFAULT_RULEBOOK, SubjectId};
use socred_store::postgres::testing::Cluster;
use socred_store::{Actor, NewSubject, PgStore, StoreError};

fn actor() -> Actor {
    Actor::replayed("officer", parse_date("2026-06-30").unwrap()).unwrap()
}

fn create(url: &str) -> Result<PgStore, StoreError> {
    PgStore::create(url, DEFAULT_RULEBOOK, "default.toml", &actor(), "tls.test/log", socred_store::TimeSettings::replay())
}

#[test]
fn a_store_is_reached_over_verified_tls_and_an_unverified_server_is_refused() {
    let dir = tempfile::Builder::new().prefix("socred-tls").tempdir_in("/tmp").unwrap();
    let cluster = Cluster::with_tls(dir.path());
    let root = |name: &str| dir.path().join(name).display().to_string();
    let verified = format!("{}?sslmode=verify-full&sslrootcert={}", cluster.url("postgres"), root("ca.pem"));

    // The server takes no plain connection: one that connects below used TLS.
    let plain = create(&cluster.url("postgres")).expect_err("a plain connection is rejected");
    assert!(plain.to_string().contains("no encryption"), "{plain}");

    // Another CA signed nothing this server presents.
    let impostor = format!("{}?sslmode=verify-full&sslrootcert={}", cluster.url("postgres"), root("other-ca.pem"));
    let refused = create(&impostor).expect_err("a certificate of an unknown issuer is refused");
    assert!(refused.to_string().contains("certificate"), "{refused}");
    eprintln!("another CA: {refused}");
    // The right CA, a name the certificate does not carry (the address is the same server's).
    let renamed = format!(
        "postgres://postgres@db.example.org:{}/postgres?hostaddr=127.0.0.1&sslmode=verify-full&sslrootcert={}",
        cluster.port,
        root("ca.pem")
    );
    let refused = create(&renamed).expect_err("a certificate for another name is refused");
    assert!(refused.to_string().contains("certificate"), "{refused}");
    eprintln!("another name: {refused}");

    let store = create(&verified).unwrap();
    let id = SubjectId::parse("110101199003074514").unwrap();
    let mut listener = store.listen().unwrap();
    store.add_subject(&NewSubject { id, name: "Zhang San".into(), guardians: vec![], represents: vec![] }, &actor()).unwrap();
    assert!(listener.wait(std::time::Duration::from_secs(5)).unwrap().is_some(), "the change feed arrives over TLS too");
    let reopened = PgStore::open(&verified).unwrap();
    assert_eq!(reopened.subject(&id).unwrap().unwrap().name, "Zhang San");
    assert_eq!(reopened.audit_verify().unwrap().entries, 2, "the log verifies: the store's creation and the subject");
    // `require` means the same verification.
    let required = verified.replace("verify-full", "require");
    assert_eq!(PgStore::open(&required).unwrap().subject(&id).unwrap().unwrap().name, "Zhang San");
    assert!(socred_store::postgres::display_url(&verified).ends_with("/postgres?sslmode=verify-full"));
}
