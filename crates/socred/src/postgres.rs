//! `--db postgres://…`: every command on a PostgreSQL store. They are the
//! embedded store's own (generic over `CliStore`); `demo` generates in an
//! embedded scratch store and moves it (`demo.rs`).

use anyhow::{Context, Result};
use socred_store::KnownReads;
use socred_store::PgStore;

use crate::cli::{AuditCommand, Cli, Command, ListCommand, RulebookCommand};
use crate::render::{text, with};
use crate::{Settings, ShowArgs, init_settings, log, parse_date};

/// Opens the store at `url` with this command's clock (a replay store's `--on`).
pub(crate) fn open(cli: &Cli, url: &str) -> Result<PgStore> {
    let mut store = PgStore::open(url)?;
    if let Some(read_url) = &cli.read_db {
        if !socred_store::is_postgres_url(read_url) {
            return Err(crate::refuse_message("--read-db", "input-standby-url", vec![]));
        }
        store.read_from(read_url).map_err(|error| crate::refuse_store("--read-db", error))?;
    }
    if let Some(text) = &cli.on {
        let day = parse_date("--on", text)?;
        let clock = store.clock().fixed_on(day).map_err(|error| crate::refuse_store("--on", error))?;
        store.set_clock(clock)?;
    }
    Ok(store)
}

pub(crate) fn run(cli: &Cli, url: &str) -> Result<()> {
    match &cli.command {
        Command::Init { rulebook, replay, utc_offset, origin } => {
            let Settings { source, label, actor, origin, time } =
                init_settings(cli, rulebook.as_deref(), *replay, utc_offset, origin.as_deref())?;
            let store = PgStore::create(url, &source, &label, &actor, &origin, time)?;
            let key_path = log::key_path(cli);
            let (key, created) = log::create_key(&key_path, &origin).with_context(|| {
                format!("the store was created, its checkpoint key was not: run `socred audit keygen` for {}", key_path.display())
            })?;
            let key_arguments = [("path", text(key_path.display())), ("verifier", text(key.verifier().to_text()))];
            println!("{}", with(if created { "cli-init-key-created" } else { "cli-init-key-kept" }, &key_arguments));
            let rulebook = store.rulebook();
            let arguments = [
                ("place", text(store.url())),
                ("rulebook", text(&rulebook.id)),
                ("version", text(&rulebook.version)),
                ("behaviours", text(rulebook.behaviours.len())),
            ];
            println!("{}", with(if *replay { "cli-init-created-replay" } else { "cli-init-created" }, &arguments));
            Ok(())
        }
        Command::Subject { command } => crate::subject_on(cli, &mut open(cli, url)?, command),
        Command::Account { command } => crate::accounts::account(cli, |cli| open(cli, url), command),
        Command::List {
            command:
                command @ (ListCommand::Propose { .. }
                | ListCommand::Serve { .. }
                | ListCommand::Withdraw { .. }
                | ListCommand::Show { .. }
                | ListCommand::Notice { .. }
                | ListCommand::Public { .. }),
        } => crate::due::list(cli, command),
        Command::Queue { as_of, overdue, json } => crate::due::queue(cli, as_of, *overdue, *json),
        Command::Appeal { command } => crate::due::appeal(cli, command),
        Command::Dispute { command } => crate::due::dispute(cli, command),
        Command::Repair { command } => crate::due::repair(cli, command),
        Command::Token { command } => crate::accounts::token(cli, &mut open(cli, url)?, command),
        Command::Rulebook { command: command @ RulebookCommand::Check { .. } } => crate::rulebook(cli, command),
        Command::Rulebook { command: RulebookCommand::Show { json } } => crate::rulebook_show(&open(cli, url)?, *json),
        Command::Rulebook { command: command @ RulebookCommand::Activate { .. } } => crate::rulebook(cli, command),
        Command::Policy { command: crate::cli::PolicyCommand::Compare { rulebook, as_of, json, plots } } => {
            crate::policy::compare(&open(cli, url)?, rulebook, as_of.as_deref(), *json, plots.as_deref())
        }
        Command::Sim { .. } => crate::run_without_store(cli),
        Command::Score { command: Some(crate::cli::ScoreCommand::Monitor { from, to, json, plots }), .. } => {
            crate::score::monitor(&open(cli, url)?, from, to, cli.scorecard.as_deref(), *json, plots.as_deref())
        }
        Command::Score { command: Some(_), .. } => crate::run_without_store(cli),
        Command::Score { id, as_of, purpose, json, command: None } => {
            let id = id.as_deref().ok_or_else(|| crate::refuse_message("ID", "input-score-what", vec![]))?;
            crate::score::show(cli, &open(cli, url)?, id, as_of.as_deref(), purpose, cli.scorecard.as_deref(), *json)
        }
        Command::Record { command } => crate::record_on(cli, &mut open(cli, url)?, command),
        Command::Import { file, partner: Some(partner), batch_id, skip_invalid, json, .. } => {
            crate::reports::import_partner(cli, file, partner, batch_id.as_deref(), *skip_invalid, *json)
        }
        Command::Report { command: crate::cli::ReportCommand::Annual { year, limit, offset, json } } => {
            crate::annual(cli, *year, *limit, *offset, *json)
        }
        Command::Report { command } => crate::reports::report(cli, command),
        Command::File { id, as_of, known_on, purpose, json } => crate::due::file(cli, id, as_of, known_on, purpose, *json),
        Command::Mail { id, purpose, json } => crate::due::mail(cli, id, purpose, *json),
        Command::Check { id, service, as_of, known_on, json } => {
            crate::check(cli, id, service, as_of.as_deref(), known_on.as_deref(), *json)
        }
        Command::Partner { command } => crate::reports::partner(cli, command),
        Command::Import { file, partner: None, format, skip_invalid, rejects, json, .. } => {
            crate::import(cli, file, format.map(Into::into), *skip_invalid, rejects.as_deref(), *json)
        }
        Command::Show { id, as_of, known_on, purpose, json } => {
            let store = open(cli, url)?;
            crate::show_on(cli, &store, ShowArgs { id, as_of, known_on, purpose, json: *json }, &|day, id, as_of| {
                Ok(store.known_on(day)?.assessment(id, as_of)?)
            })
        }
        Command::Audit { command: command @ AuditCommand::Prove { .. } } => log::audit(cli, command),
        Command::Audit {
            command:
                command @ (AuditCommand::Verify { .. }
                | AuditCommand::Checkpoint
                | AuditCommand::Log { .. }
                | AuditCommand::Head
                | AuditCommand::Keygen
                | AuditCommand::VerifierKey),
        } => {
            let store = open(cli, url)?;
            log::audit_on(cli, &store, command)?;
            if let (AuditCommand::Head, Some(lag)) = (command, store.replica_lag()?) {
                let arguments = [("bytes", text(lag.bytes)), ("seconds", text(format!("{:.1}", lag.seconds)))];
                let id = if lag.in_recovery { "cli-replica-lag" } else { "cli-replica-lag-not-standby" };
                println!("{}", with(id, &arguments));
            }
            Ok(())
        }
        Command::ImportStore { dir, verifier_key } => log::import_store(cli, dir, verifier_key.as_deref()),
        Command::Export { dir } => log::export(cli, dir),
        Command::Serve { addr, readers, insecure_cookies, log_json, trusted_proxies } => {
            crate::init_logging(*log_json);
            // Fail early, with the store's own message, if there is no store (or --on on a live one).
            let store = open(cli, url)?;
            let fixed_day = cli.on.is_some().then(|| store.clock().today());
            let origin = store.origin().to_string();
            drop(store);
            crate::serve_with(cli, *addr, *readers, *insecure_cookies, fixed_day, trusted_proxies, &origin)
        }
        Command::Demo { .. } => crate::demo::command(cli),
    }
}
