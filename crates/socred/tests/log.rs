//! `socred audit keygen | checkpoint | verify --checkpoint | prove`, `export`
//! and `import-store`, through the real binary.

use crate::common;

use common::{Env, PERSON};

fn record(env: &Env, id: &str, on: &str) {
    env.ok(&[
        "--on",
        on,
        "record",
        "add",
        "--subject",
        PERSON,
        "--behaviour",
        "tax-evasion",
        "--at",
        on,
        "--source",
        "Tax Bureau",
        "--record-id",
        id,
    ]);
}

/// The proof of record tax-1, downloaded and checked offline; a forged one refused.
fn proofs_of(env: &Env) {
    let proof = env.write("proof.json", env.ok(&["audit", "prove", "--record", "tax-1"]));
    let checked = env.ok(&["audit", "prove", "--verify", proof.to_str().unwrap()]);
    assert!(checked.contains("proof valid"), "{checked}");
    let forged = std::fs::read_to_string(&proof).unwrap().replace("tax-evasion", "volunteering");
    let forged = env.write("forged.json", forged);
    env.refused(&["audit", "prove", "--verify", forged.to_str().unwrap()], &["--verify:", "digest"]);
    env.refused(&["audit", "prove", "--record", "none-1"], &["does not exist"]);
}

fn proofs_verify_offline_and_forgeries_are_refused(env: Env) {
    env.add_people();
    record(&env, "tax-1", "2025-03-01");
    proofs_of(&env);
}

on_both_backends!(proofs_verify_offline_and_forgeries_are_refused);

#[test]
fn checkpoints_proofs_and_a_round_trip_through_an_export() {
    let env = Env::new();
    assert!(common::exists(&env.path("test.db.log-key")), "init makes the log key beside the store");
    env.add_people();
    record(&env, "tax-1", "2025-03-01");
    let checkpoint = env.write("checkpoint.txt", env.ok(&["audit", "checkpoint"]));
    record(&env, "tax-2", "2025-04-01");
    let verified = env.ok(&["audit", "verify", "--checkpoint", checkpoint.to_str().unwrap()]);
    assert!(verified.contains("consistent with the checkpoint"), "{verified}");

    proofs_of(&env);

    // A checkpoint signed by another key is refused by name.
    let other = Env::new();
    let foreign = env.write("foreign.txt", other.ok(&["audit", "checkpoint"]));
    env.refused(&["audit", "verify", "--checkpoint", foreign.to_str().unwrap()], &["--checkpoint:"]);

    let exported = env.path("export");
    env.ok(&["export", exported.to_str().unwrap()]);
    env.refused(&["export", exported.to_str().unwrap()], &["is not empty"]);
    let restored = env.path("restored.db");
    let key = env.path("test.db.log-key");
    let rebuilt = std::process::Command::new(env!("CARGO_BIN_EXE_socred"))
        .args(["--db", restored.to_str().unwrap(), "import-store", exported.to_str().unwrap(), "--verifier-key", key.to_str().unwrap()])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&rebuilt.stdout);
    assert!(rebuilt.status.success(), "{stdout}{}", String::from_utf8_lossy(&rebuilt.stderr));
    assert!(stdout.contains("the rebuilt head is the export's signed checkpoint"), "{stdout}");
    let again = std::process::Command::new(env!("CARGO_BIN_EXE_socred"))
        .args(["--db", restored.to_str().unwrap(), "--log-key", key.to_str().unwrap(), "audit", "verify", "--checkpoint"])
        .arg(&checkpoint)
        .output()
        .unwrap();
    assert!(again.status.success(), "{}", String::from_utf8_lossy(&again.stderr));
    assert_eq!(
        socred_store::Store::open(&restored).unwrap().ledger_fingerprint().unwrap(),
        socred_store::Store::open(&env.db).unwrap().ledger_fingerprint().unwrap()
    );
}

#[test]
fn garbage_origins_and_keys_are_refused_by_name() {
    let env = Env::empty();
    env.refused(&["init", "--origin", "two words"], &["--origin:"]);
    env.refused(&["init", "--origin", "a+b"], &["--origin:"]);
    assert!(!common::exists(&env.db), "a refused init leaves no store");
    let env = Env::new();
    let bad = env.write("bad.key", "PRIVATE+KEY+x+00000000+AQ==\n");
    env.refused(&["--log-key", bad.to_str().unwrap(), "audit", "checkpoint"], &["--log-key:"]);
    env.refused(&["--log-key", env.path("missing.key").to_str().unwrap(), "audit", "checkpoint"], &["--log-key:", "audit keygen"]);
    let garbage = env.write("garbage.txt", "not a checkpoint");
    env.refused(&["audit", "verify", "--checkpoint", garbage.to_str().unwrap()], &["--checkpoint:"]);
    env.refused(&["audit", "verify", "--checkpoint", garbage.to_str().unwrap(), "--verifier-key", "x+y+z"], &["--verifier-key:"]);
    env.refused(&["audit", "prove", "--verify", garbage.to_str().unwrap()], &["--verify:", "not an inclusion proof"]);
    env.refused(&["audit", "prove"], &["--record:"]);

    // import-store: into an existing store, from a directory that is no export, with a foreign key.
    let fingerprint = env.fingerprint();
    let exported = env.path("export");
    env.ok(&["export", exported.to_str().unwrap()]);
    env.refused(&["import-store", exported.to_str().unwrap()], &["already exists"]);
    assert_eq!(env.fingerprint(), fingerprint, "the existing store is untouched");
    let empty = Env::empty();
    let not_an_export = empty.path("nothing");
    std::fs::create_dir(&not_an_export).unwrap();
    empty.refused(&["import-store", not_an_export.to_str().unwrap()], &["dir:", "manifest.json"]);
    let other = Env::new();
    let foreign = other.path("test.db.log-key");
    empty.refused(&["import-store", exported.to_str().unwrap(), "--verifier-key", foreign.to_str().unwrap()], &["dir:", "checkpoint.txt"]);
    assert!(!common::exists(&empty.db), "a refused import leaves no store");
}

#[test]
fn keys_of_another_log_unsigned_exports_and_endless_files_are_refused() {
    let env = Env::new();
    env.add_people();
    // An export without its checkpoint cannot be checked against a key.
    let exported = env.path("export");
    env.ok(&["export", exported.to_str().unwrap()]);
    std::fs::remove_file(exported.join("checkpoint.txt")).unwrap();
    let key = env.path("test.db.log-key");
    let restored = env.path("restored.db");
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_socred"))
        .args(["--db", restored.to_str().unwrap(), "import-store", exported.to_str().unwrap(), "--verifier-key", key.to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1), "{}", String::from_utf8_lossy(&output.stderr));
    assert!(String::from_utf8_lossy(&output.stderr).contains("no signed checkpoint"));
    assert!(!common::exists(&restored), "nothing is built");
    // A key file of another log neither signs this one nor is taken over by a new store.
    let other = Env::new();
    let foreign = other.path("test.db.log-key");
    env.refused(&["--log-key", foreign.to_str().unwrap(), "audit", "checkpoint"], &["--log-key:", "not of this store"]);
    env.refused(&["--lang", "zh-CN", "--log-key", foreign.to_str().unwrap(), "audit", "checkpoint"], &["--log-key：", "不是本存储"]);
    env.refused(&["--log-key", foreign.to_str().unwrap(), "export", env.path("signed-by-another").to_str().unwrap()], &["--log-key:"]);
    let fresh = Env::empty();
    std::fs::copy(&foreign, fresh.path("test.db.log-key")).unwrap();
    fresh.run(&["init", "--replay"]);
    fresh.refused(&["audit", "checkpoint"], &["--log-key:", "not of this store"]);
    // A checkpoint file that never ends is refused at its bound, not read into memory.
    env.refused(&["audit", "verify", "--checkpoint", "/dev/zero"], &["--checkpoint:", "more than"]);
}
