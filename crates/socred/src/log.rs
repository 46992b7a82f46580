//! `socred audit …`: verification (against a checkpoint kept earlier), the
//! checkpoint key, checkpoints and inclusion proofs.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use socred_log::{SigningKey, VerifierKey};
use socred_store::audit::{InclusionProof, ProvenItem};
use socred_store::{Store, audit::checkpoint::heads_of};

use crate::cli::{AuditCommand, Cli};
use crate::render::{t, text, with};
use crate::store::CliStore;
use crate::{open, print_json, refuse};

/// A checkpoint or a proof file is at most this long.
const MAX_PROOF_FILE_BYTES: u64 = 64 * 1024 * 1024;

/// The checkpoint key's file: `--log-key`, or the store's path with
/// `.log-key` appended (for a PostgreSQL store, `<database>.log-key` in the
/// current directory).
pub fn key_path(cli: &Cli) -> PathBuf {
    cli.log_key.clone().unwrap_or_else(|| {
        if let Some(url) = cli.db.to_str().filter(|db| socred_store::is_postgres_url(db)) {
            let database = socred_store::postgres::database_name(url).unwrap_or_else(|| "socred".into());
            // A file name of its own in the current directory, whatever the name holds.
            let database: String = database.chars().map(|c| if c.is_ascii_alphanumeric() || "_-.".contains(c) { c } else { '_' }).collect();
            return PathBuf::from(format!("{}.log-key", database.trim_start_matches('.')));
        }
        let mut path = cli.db.clone().into_os_string();
        path.push(".log-key");
        PathBuf::from(path)
    })
}

/// Creates the key file (readable by its owner only) unless it exists;
/// returns the key and whether it was created.
pub fn create_key(path: &Path, name: &str) -> Result<(SigningKey, bool)> {
    if path.exists() {
        return Ok((key_of(path, name)?, false));
    }
    let mut seed = [0u8; 32];
    getrandom::fill(&mut seed).map_err(|e| anyhow::anyhow!("no randomness for the checkpoint key: {e}"))?;
    let key = SigningKey::from_seed(name, seed).map_err(|e| refuse("--origin", e))?;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(path).with_context(|| format!("cannot create the checkpoint key {}", path.display()))?;
    writeln!(file, "{}", key.to_text())?;
    file.sync_all()?;
    Ok((key, true))
}

/// The key at `path`, which must be the key of the log named `origin`: a
/// key file left by another store (a database dropped and made again, a
/// second host with the same database name) never signs this one's log.
pub fn key_of(path: &Path, origin: &str) -> Result<SigningKey> {
    let key = load_key(path)?;
    if key.name() != origin {
        return Err(crate::refuse_message(
            "--log-key",
            "input-log-key-other-store",
            vec![
                ("path", socred_i18n::Argument::Text(path.display().to_string())),
                ("key", socred_i18n::Argument::Text(key.name().to_string())),
                ("origin", socred_i18n::Argument::Text(origin.to_string())),
            ],
        ));
    }
    Ok(key)
}

pub fn load_key(path: &Path) -> Result<SigningKey> {
    let text = std::fs::read_to_string(path).map_err(|_| {
        crate::refuse_message("--log-key", "input-no-log-key", vec![("path", socred_i18n::Argument::Text(path.display().to_string()))])
    })?;
    SigningKey::parse(&text).map_err(|e| refuse("--log-key", format!("{}: {e}", path.display())))
}

/// `--verifier-key`: the key's text or a file holding it; by default the
/// public half of the store's own checkpoint key.
fn verifier(cli: &Cli, given: Option<&str>) -> Result<VerifierKey> {
    match given {
        Some(text) if text.contains('+') => VerifierKey::parse(text).map_err(|e| refuse("--verifier-key", e)),
        Some(path) => {
            let text = read_bounded("--verifier-key", Path::new(path))?;
            if text.trim_start().starts_with("PRIVATE+KEY+") {
                // A signing key file: its public half.
                return Ok(SigningKey::parse(&text).map_err(|e| refuse("--verifier-key", e))?.verifier());
            }
            VerifierKey::parse(&text).map_err(|e| refuse("--verifier-key", e))
        }
        None => Ok(load_key(&key_path(cli))?.verifier()),
    }
}

fn read_bounded(field: &str, path: &Path) -> Result<String> {
    crate::read_text_bounded(field, path, MAX_PROOF_FILE_BYTES)
}

pub fn audit(cli: &Cli, command: &AuditCommand) -> Result<()> {
    match command {
        AuditCommand::Prove { record, case, event, verify, verifier_key } => {
            prove(cli, record.as_deref(), case.as_deref(), event, verify.as_deref(), verifier_key.as_deref())
        }
        other => audit_on(cli, &open(cli)?, other),
    }
}

/// The audit commands that run on either backend.
pub(crate) fn audit_on(cli: &Cli, store: &impl CliStore, command: &AuditCommand) -> Result<()> {
    match command {
        AuditCommand::Verify { json, checkpoint, verifier_key } => {
            let earlier = match checkpoint {
                None => None,
                Some(path) => {
                    let note = read_bounded("--checkpoint", path)?;
                    let key = verifier(cli, verifier_key.as_deref())?;
                    let checkpoint = key.open(&note).map_err(|e| refuse("--checkpoint", e))?;
                    if checkpoint.origin != store.origin_name()? {
                        return Err(crate::refuse_message(
                            "--checkpoint",
                            "input-checkpoint-of-another-log",
                            vec![("origin", socred_i18n::Argument::Text(format!("{:?}", checkpoint.origin)))],
                        ));
                    }
                    Some(heads_of(&checkpoint)?)
                }
            };
            let report = store.audit_verify_against(earlier.as_ref())?;
            if *json {
                return print_json(&report);
            }
            println!(
                "{}",
                with(
                    "cli-audit-intact",
                    &[("entries", text(report.entries)), ("rows", text(report.ledger_rows)), ("root", text(&report.root))]
                )
            );
            let arguments = [
                ("accesses", text(report.accesses)),
                ("checks", text(report.checks)),
                ("groups", text(report.check_groups)),
                ("accounts", text(report.accounts)),
                ("tokens", text(report.tokens)),
            ];
            println!("{}", with("cli-audit-others-intact", &arguments));
            if let Some(size) = report.consistent_with {
                println!("{}", with("cli-audit-consistent", &[("size", text(size))]));
            }
            Ok(())
        }
        AuditCommand::Log { subject, limit, json } => crate::audit_log(store, subject.as_deref(), *limit, *json),
        AuditCommand::Head => crate::audit_head(store),
        AuditCommand::Keygen => {
            let path = key_path(cli);
            let (key, created) = create_key(&path, &store.origin_name()?)?;
            println!("{}", with(if created { "cli-keygen-created" } else { "cli-keygen-kept" }, &[("path", text(path.display()))]));
            println!("{}", with("cli-keygen-verifier", &[("verifier", text(key.verifier().to_text()))]));
            Ok(())
        }
        AuditCommand::VerifierKey => {
            println!("{}", load_key(&key_path(cli))?.verifier().to_text());
            Ok(())
        }
        AuditCommand::Checkpoint => {
            let key = key_of(&key_path(cli), &store.origin_name()?)?;
            print!("{}", store.sign_checkpoint(&key, &socred_store::wall_clock_rfc3339())?);
            Ok(())
        }
        AuditCommand::Prove { .. } => unreachable!("answered by `audit`"),
    }
}

fn prove(
    cli: &Cli,
    record: Option<&str>,
    case: Option<&str>,
    event: &str,
    verify: Option<&Path>,
    verifier_key: Option<&str>,
) -> Result<()> {
    if let Some(path) = verify {
        let proof: InclusionProof = serde_json::from_str(&read_bounded("--verify", path)?).map_err(|error| {
            crate::refuse_message("--verify", "input-not-a-proof", vec![("detail", socred_i18n::Argument::Text(error.to_string()))])
        })?;
        let key = verifier(cli, verifier_key)?;
        let checkpoint = proof.verify(&key).map_err(|reason| refuse("--verify", reason))?;
        let arguments = [
            ("item", text(format!("{:?}", proof.item))),
            ("seq", text(proof.entry.seq)),
            ("action", text(&proof.entry.action)),
            ("at", text(&proof.entry.at)),
            ("leaf", text(proof.index)),
            ("origin", text(&checkpoint.origin)),
            ("size", text(checkpoint.size)),
            ("signer", text(key.name())),
        ];
        println!("{}", with("cli-proof-valid", &arguments));
        return Ok(());
    }
    let item = match (record, case) {
        (Some(record_id), None) => ProvenItem::Record { record_id: record_id.to_string() },
        (None, Some(case)) => ProvenItem::Event { case: case.to_string(), event: event.to_string() },
        _ => return Err(crate::refuse_message("--record", "input-proof-of-what", vec![])),
    };
    match cli.db.to_str().filter(|db| socred_store::is_postgres_url(db)) {
        Some(url) => prove_on(cli, &crate::postgres::open(cli, url)?, &item),
        None => prove_on(cli, &open(cli)?, &item),
    }
}

fn prove_on(cli: &Cli, store: &impl CliStore, item: &ProvenItem) -> Result<()> {
    let key = key_of(&key_path(cli), &store.origin_name()?)?;
    print_json(&store.prove(item, &key, &socred_store::wall_clock_rfc3339())?)
}

pub fn export(cli: &Cli, dir: &Path) -> Result<()> {
    let path = key_path(cli);
    // Signed when the store's key is there; a key given by --log-key must be there.
    let key_for = |origin: &str| -> Result<Option<SigningKey>> {
        match key_of(&path, origin) {
            Ok(key) => Ok(Some(key)),
            Err(_) if cli.log_key.is_none() && !path.exists() => Ok(None),
            Err(error) => Err(error),
        }
    };
    let time = socred_store::wall_clock_rfc3339();
    let manifest = match cli.db.to_str().filter(|db| socred_store::is_postgres_url(db)) {
        Some(url) => {
            let store = crate::postgres::open(cli, url)?;
            let key = key_for(store.origin())?;
            store.export(dir, key.as_ref().map(|key| (key, time.as_str())))?
        }
        None => {
            let store = open(cli)?;
            let key = key_for(&store.origin()?)?;
            store.export(dir, key.as_ref().map(|key| (key, time.as_str())))?
        }
    };
    let arguments = [
        ("entries", text(manifest.entries)),
        ("root", text(&manifest.root)),
        ("reads", text(manifest.accesses)),
        ("checks", text(manifest.checks)),
        ("origin", text(&manifest.origin)),
        ("dir", text(dir.display())),
    ];
    println!("{}", with("cli-exported", &arguments));
    Ok(())
}

pub fn import_store(cli: &Cli, dir: &Path, verifier_key: Option<&str>) -> Result<()> {
    // The export's checkpoint, opened before anything is built: the rebuilt store must have its heads.
    let checkpoint = dir.join("checkpoint.txt");
    if verifier_key.is_some() && !checkpoint.exists() {
        return Err(crate::refuse_message(
            "--verifier-key",
            "input-no-signed-checkpoint",
            vec![("dir", socred_i18n::Argument::Text(dir.display().to_string()))],
        ));
    }
    let signed = if checkpoint.exists() {
        let note = read_bounded("dir", &checkpoint)?;
        let (key, from_export) = match verifier_key {
            Some(given) => (verifier(cli, Some(given))?, false),
            None => (VerifierKey::parse(&read_bounded("dir", &dir.join("verifier-key.txt"))?).map_err(|e| refuse("dir", e))?, true),
        };
        let signed = key.open(&note).map_err(|e| refuse("dir", format!("checkpoint.txt: {e}")))?;
        Some((heads_of(&signed)?, key.name().to_string(), from_export))
    } else {
        None
    };
    let heads = signed.as_ref().map(|(heads, _, _)| heads);
    let report = match cli.db.to_str().filter(|db| socred_store::is_postgres_url(db)) {
        Some(url) => socred_store::PgStore::import_export(url, dir, heads)?.audit_verify()?,
        None => Store::import_export(&cli.db, dir, heads)?.audit_verify()?,
    };
    let place = cli.db.to_str().map(socred_store::postgres::display_url).unwrap_or_else(|| cli.db.display().to_string());
    println!("{}", with("cli-rebuilt", &[("place", text(place)), ("entries", text(report.entries)), ("root", text(&report.root))]));
    if signed.is_none() {
        println!("{}", t("cli-rebuilt-unsigned"));
    }
    if let Some((heads, signer, from_export)) = signed {
        let arguments = [("size", text(heads.size)), ("signer", text(&signer))];
        println!("{}", with(if from_export { "cli-rebuilt-signed-by-export" } else { "cli-rebuilt-signed" }, &arguments));
    }
    Ok(())
}
