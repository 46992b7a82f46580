//! Helpers for tests that run the real `socred` binary against a fresh store.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use socred_store::Store;

pub const PERSON: &str = "110101199003074514";
pub const GUARDIAN: &str = "11010519491231002X";
pub const OTHER_PERSON: &str = "440524198001010013";
pub const ORG: &str = "91350100M000100Y43";

pub struct Env {
    pub dir: tempfile::TempDir,
    /// The store: a file, or a PostgreSQL URL.
    pub db: PathBuf,
    /// The fresh PostgreSQL database behind `db`, dropped with the Env.
    pub database: Option<socred_store::postgres::testing::FreshDatabase>,
}

impl Env {
    /// A temporary directory with a store for scenario replay: commands may
    /// date their acts with `--on`, as the brief's dated scenarios need.
    pub fn new() -> Env {
        let env = Env::empty();
        env.ok(&["init", "--replay"]);
        env
    }

    /// A temporary directory with a live store: every act is dated by the clock.
    pub fn live() -> Env {
        let env = Env::empty();
        env.ok(&["init"]);
        env
    }

    /// A temporary directory without a store.
    pub fn empty() -> Env {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("test.db");
        Env { dir, db, database: None }
    }

    /// A replay store on a fresh PostgreSQL database.
    pub fn postgres() -> Env {
        let env = Env::postgres_empty();
        env.ok(&["init", "--replay"]);
        env
    }

    /// A live store on a fresh PostgreSQL database: every act is dated by the clock.
    pub fn postgres_live() -> Env {
        let env = Env::postgres_empty();
        env.ok(&["init"]);
        env
    }

    /// A fresh PostgreSQL database without a store.
    pub fn postgres_empty() -> Env {
        let dir = tempfile::tempdir().unwrap();
        let database = socred_store::postgres::testing::FreshDatabase::create("cli");
        Env { dir, db: PathBuf::from(&database.url), database: Some(database) }
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    pub fn write(&self, name: &str, content: impl AsRef<[u8]>) -> PathBuf {
        let path = self.path(name);
        std::fs::write(&path, content).unwrap();
        path
    }

    pub fn command(&self, args: &[&str]) -> Command {
        let mut command = Command::new(env!("CARGO_BIN_EXE_socred"));
        command.arg("--db").arg(&self.db).args(args).env_remove("SOCRED_DB").env("SOCRED_ACTOR", "test-officer");
        // Human output follows the locale: the tests read English unless they ask otherwise.
        for name in ["SOCRED_LANG", "LC_ALL", "LC_MESSAGES", "LANG"] {
            command.env_remove(name);
        }
        command.current_dir(self.dir.path());
        command
    }

    pub fn run(&self, args: &[&str]) -> Output {
        self.command(args).output().unwrap()
    }

    /// Runs and expects success; returns stdout.
    pub fn ok(&self, args: &[&str]) -> String {
        let output = self.run(args);
        assert!(
            output.status.success(),
            "socred {args:?} failed ({:?}):\n{}{}",
            output.status.code(),
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
        String::from_utf8(output.stdout).unwrap()
    }

    pub fn json(&self, args: &[&str]) -> serde_json::Value {
        let mut with_json = args.to_vec();
        with_json.push("--json");
        serde_json::from_str(&self.ok(&with_json)).unwrap()
    }

    /// Runs and expects a refusal (exit 1 from socred, 2 from argument parsing)
    /// whose message contains every fragment; returns stderr.
    pub fn refused(&self, args: &[&str], fragments: &[&str]) -> String {
        let output = self.run(args);
        let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
        let code = output.status.code();
        assert!(matches!(code, Some(1) | Some(2)), "socred {args:?} should be refused, got {code:?}:\n{stderr}");
        for fragment in fragments {
            assert!(stderr.contains(fragment), "socred {args:?}: stderr lacks {fragment:?}:\n{stderr}");
        }
        stderr
    }

    /// A fingerprint of the store's content (audit head and row counts).
    pub fn fingerprint(&self) -> String {
        match &self.database {
            Some(database) => socred_store::PgStore::open(&database.url).unwrap().ledger_fingerprint().unwrap(),
            None => Store::open(&self.db).unwrap().ledger_fingerprint().unwrap(),
        }
    }

    pub fn add_people(&self) {
        self.ok(&["subject", "add", "--id", GUARDIAN, "--name", "Wang Fang"]);
        self.ok(&["subject", "add", "--id", ORG, "--name", "Fuzhou Example Co."]);
        self.ok(&["subject", "add", "--id", PERSON, "--name", "Li Ming", "--guardian", GUARDIAN, "--represents", ORG]);
    }
}

pub fn exists(path: &Path) -> bool {
    path.exists()
}

/// Instantiates each named test (a `fn name(env: Env)`) on both backends:
/// `sqlite::name` on a replay store in a file, `postgres::name` on a replay
/// store in a fresh PostgreSQL database.
#[macro_export]
macro_rules! on_both_backends {
    ($($name:ident),+ $(,)?) => {
        mod sqlite {
            $( #[test] fn $name() { super::$name($crate::common::Env::new()) } )+
        }
        mod postgres {
            $( #[test] fn $name() { super::$name($crate::common::Env::postgres()) } )+
        }
    };
}

/// As `on_both_backends!`, on live stores: every act dated by the clock.
#[macro_export]
macro_rules! on_both_live_backends {
    ($($name:ident),+ $(,)?) => {
        mod sqlite_live {
            $( #[test] fn $name() { super::$name($crate::common::Env::live()) } )+
        }
        mod postgres_live {
            $( #[test] fn $name() { super::$name($crate::common::Env::postgres_live()) } )+
        }
    };
}
