//! socred: the command-line interface. A thin layer: parse arguments, call
//! the store, ingest and simulator crates, print text or JSON.
//!
//! Exit status: 0 done; 1 refused (bad input, conflict, unknown subject, broken
//! audit chain); 2 usage error; 3 failure of the store or the system.

mod accounts;
mod cli;
mod demo;
mod due;
mod due_words;
mod help;
mod log;
mod plots;
mod policy;
mod postgres;
mod render;
mod reports;
mod score;
mod sim;
mod store;

use std::fs::File;
use std::io::{BufReader, IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result};
use socred_core::record::{MAX_REASON_CHARS, RecordId, RecordInput, check_text};
use socred_core::{Date, Rulebook, SubjectId, SubjectKind};
use socred_ingest::{Format, ImportOptions};
use socred_store::KnownReads;
use socred_store::{Actor, NewSubject, RowOutcome, Store, StoreError};

/// glibc's allocator spent 15–20 % of a batch check consolidating free
/// lists (measured with perf); mimalloc's thread-local free lists do not.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use cli::{Cli, Command, RecordCommand, RulebookCommand, SubjectCommand};
use render::{text, with};
use store::CliStore;

/// An input the CLI refuses: printed as `error: FIELD: REASON`, exit status 1.
/// `cause`, when the edge's parsers gave one, writes the reason in the
/// output's language (`reason` is its English).
#[derive(Debug)]
pub struct Refusal {
    pub field: String,
    pub reason: String,
    pub cause: Option<socred_i18n::reasons::Cause>,
}

impl Refusal {
    /// As a person reads it, in the output's language.
    fn words(&self) -> String {
        let reason = self.cause.as_ref().map_or_else(|| self.reason.clone(), |cause| cause.text(render::language()));
        if self.field.is_empty() { reason } else { with("cli-refused-field", &[("field", text(&self.field)), ("reason", text(reason))]) }
    }
}

impl std::fmt::Display for Refusal {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.field.is_empty() { write!(formatter, "{}", self.reason) } else { write!(formatter, "{}: {}", self.field, self.reason) }
    }
}

impl std::error::Error for Refusal {}

pub fn refuse(field: &str, reason: impl std::fmt::Display) -> anyhow::Error {
    Refusal { field: field.to_string(), reason: reason.to_string(), cause: None }.into()
}

/// A refusal whose reason is one of the input checks', so that it reads in the output's language.
pub fn refuse_because(field: &str, cause: socred_i18n::reasons::Cause) -> anyhow::Error {
    Refusal { field: field.to_string(), reason: cause.text(socred_i18n::Language::English), cause: Some(cause) }.into()
}

/// A refusal whose reason is the message `id` of `locales/*/inputs.ftl`.
pub fn refuse_message(field: &str, id: &'static str, arguments: Vec<(&'static str, socred_i18n::Argument)>) -> anyhow::Error {
    refuse_because(field, socred_i18n::reasons::Cause::message(id, arguments))
}

/// A rulebook's or a scorecard's problems, each in the output's language, named by `field`.
pub fn refuse_rulebook(field: &str, error: socred_core::RulebookError) -> anyhow::Error {
    refuse_because(field, socred_i18n::reasons::Cause::Rulebook(error))
}

/// The store's refusal of an input, named by the CLI's `flag`, in the output's language where it is typed.
pub fn refuse_store(flag: &str, error: StoreError) -> anyhow::Error {
    match error {
        StoreError::Invalid { cause: Some(cause), .. } => refuse_because(flag, *cause),
        StoreError::Invalid { reason, .. } => refuse(flag, reason),
        other => other.into(),
    }
}

/// A command whose output goes to a closed pipe (`socred … | head`) ends
/// quietly, as Unix tools do, instead of failing to print. Rust ignores
/// SIGPIPE by default; a server keeps that (a client hanging up is an error
/// for one connection, not the end of the process).
fn default_sigpipe() {
    #[cfg(unix)]
    // SAFETY: setting a signal's disposition to its default, before any thread starts.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
}

fn main() -> ExitCode {
    // The language is known before the command line is parsed, so that its
    // help and its refusals are said in it too.
    render::set_language(render::chosen_language(help::language_asked(std::env::args_os())));
    let language = render::language();
    let cli = match help::command(language).try_get_matches().and_then(|matches| <Cli as clap::FromArgMatches>::from_arg_matches(&matches))
    {
        Ok(cli) => cli,
        Err(error) => match help::refusal_words(&error, language) {
            Some(words) => {
                eprintln!("{words}");
                return ExitCode::from(2);
            }
            None => error.exit(),
        },
    };
    if !matches!(cli.command, Command::Serve { .. } | Command::Demo { serve: true, .. }) {
        default_sigpipe();
    }
    let db = cli.db.clone();
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            let refused = error.downcast_ref::<Refusal>().is_some()
                || error.downcast_ref::<StoreError>().is_some_and(|e| e.is_client_error() || matches!(e, StoreError::AuditBroken(_)));
            eprintln!("{}", with("cli-error", &[("error", text(describe(&error, &db)))]));
            ExitCode::from(if refused { 1 } else { 3 })
        }
    }
}

/// The store's refusal in the output's language, named by the store's
/// field, when the store typed its reason.
fn store_words(error: &StoreError) -> Option<String> {
    let language = render::language();
    let field_and =
        |field: &str, reason: String| with("cli-refused-field", &[("field", render::text(field)), ("reason", render::text(reason))]);
    match error {
        StoreError::Invalid { field, cause: Some(typed), .. } => Some(field_and(field, typed.text(language))),
        StoreError::Refused(refused) => {
            let reason = match (&refused.refusal, &refused.cause) {
                (Some(rule), _) => socred_i18n::refusals::text(language, rule),
                (None, Some(cause)) => socred_i18n::reasons::Cause::Field(cause.clone()).text(language),
                (None, None) => return None,
            };
            Some(field_and(refused.field, reason))
        }
        StoreError::ConflictBecause { cause, .. } => Some(with("cli-conflict", &[("reason", render::text(cause.text(language)))])),
        StoreError::RateLimited { field, cause, .. } => Some(field_and(field, cause.text(language))),
        StoreError::Rulebook(error) => Some(socred_i18n::problems::text(language, error)),
        // What broke is the verifier's own words (an entry, a table, a hash), inside the reader's frame.
        StoreError::AuditBroken(detail) => Some(with("cli-audit-broken", &[("detail", render::text(detail))])),
        StoreError::NotInitialised(path) => Some(with("cli-store-not-initialised", &[("path", render::text(path.display().to_string()))])),
        StoreError::AlreadyInitialised(path) => Some(with("cli-store-exists", &[("path", render::text(path.display().to_string()))])),
        StoreError::NotAStore(path) => Some(with("cli-store-not-a-store", &[("path", render::text(path.display().to_string()))])),
        StoreError::NotFound(what) => Some(socred_i18n::reasons::Cause::NotFound(what.clone()).text(language)),
        StoreError::UnknownSubject(id) => Some(socred_i18n::reasons::Cause::UnknownSubject(id.clone()).text(language)),
        StoreError::UnknownRecord(id) => Some(socred_i18n::reasons::Cause::UnknownRecord(id.clone()).text(language)),
        _ => None,
    }
}

/// The error and its causes, each said once (an error that quotes its cause
/// is not followed by the cause again), and for the storage failures an
/// operator must act on (read-only, full, unopenable), the path and what to do.
fn describe(error: &anyhow::Error, db: &Path) -> String {
    let mut text = String::new();
    for cause in error.chain() {
        // A store error said in the reader's words has said its sources too
        // (a rulebook's problems, a rule's refusal): they follow it in the chain.
        let (part, said_whole) = match cause.downcast_ref::<Refusal>() {
            Some(refusal) => (refusal.words(), false),
            None => match cause.downcast_ref::<StoreError>().and_then(store_words) {
                Some(words) => (words, true),
                None => (cause.to_string(), false),
            },
        };
        if !part.is_empty() && !text.contains(&part) {
            if !text.is_empty() {
                text.push_str(": ");
            }
            text.push_str(&part);
        }
        if said_whole {
            break;
        }
    }
    let condition = error.chain().find_map(|cause| cause.downcast_ref::<StoreError>().and_then(StoreError::storage_condition));
    // A PostgreSQL URL is named without its password.
    let shown = match db.to_str().filter(|db| socred_store::is_postgres_url(db)) {
        Some(url) => PathBuf::from(socred_store::postgres::display_url(url)),
        None => db.to_path_buf(),
    };
    let db = shown.as_path();
    let say = |id: &str, place: String| Some(with(id, &[("place", render::text(place))]));
    let hint = match condition {
        Some(socred_store::StorageCondition::ReadOnly) => say("cli-hint-read-only", db.display().to_string()),
        Some(socred_store::StorageCondition::DiskFull) => say("cli-hint-disk-full", db.display().to_string()),
        Some(socred_store::StorageCondition::CannotOpen) => match db.to_str().filter(|db| socred_store::is_postgres_url(db)) {
            Some(url) if text.contains("TLS") || text.contains("certificate") => {
                say("cli-hint-postgres-tls", socred_store::postgres::display_url(url))
            }
            Some(url) => say("cli-hint-postgres-down", socred_store::postgres::display_url(url)),
            None => say("cli-hint-cannot-open", db.display().to_string()),
        },
        _ => None,
    };
    match hint {
        Some(hint) if !text.contains(&hint) => format!("{text} ({hint})"),
        _ => text,
    }
}

/// The acting user, now by the store's clock (the day of --on in a replay store).
fn actor(cli: &Cli, store: &impl CliStore) -> Result<Actor> {
    Actor::new(&cli.actor, CliStore::clock(store).now()).map_err(|e| refuse_store("--actor", e))
}

/// Today by the store's clock: the default of every `--as-of`.
fn today(store: &impl CliStore) -> Date {
    CliStore::clock(store).today()
}

/// `--known-on DAY`: not after today; `--as-of` then defaults to it.
fn read_dates(store: &impl CliStore, as_of: Option<&str>, known_on: Option<&str>) -> Result<(Date, Option<Date>)> {
    let known_on = known_on.map(|d| parse_date("--known-on", d)).transpose()?;
    if let Some(day) = known_on
        && day > today(store)
    {
        let arguments = vec![("day", socred_i18n::Argument::Day(day)), ("today", socred_i18n::Argument::Day(today(store)))];
        return Err(refuse_message("--known-on", "input-known-on-future", arguments));
    }
    let as_of = as_of.map(|d| parse_date("--as-of", d)).transpose()?.unwrap_or_else(|| known_on.unwrap_or_else(|| today(store)));
    Ok((as_of, known_on))
}

fn parse_subject(field: &str, text: &str) -> Result<SubjectId> {
    SubjectId::parse(text).map_err(|error| refuse_because(field, socred_i18n::reasons::Cause::Id { input: text.to_string(), error }))
}

fn parse_date(field: &str, text: &str) -> Result<Date> {
    socred_core::parse_date(text).map_err(|error| refuse_because(field, socred_i18n::reasons::Cause::Date(error)))
}

/// The system clock in unix milliseconds: only where no store (and so no store clock) exists yet.
fn system_ms() -> i64 {
    (time::OffsetDateTime::now_utc().unix_timestamp_nanos() / 1_000_000) as i64
}

/// The problems of an import or a partner batch, one line each, on stderr,
/// in the output's language where the checks typed the reason.
pub(crate) fn print_import_problems<'a>(
    errors: impl IntoIterator<Item = (u64, &'a str, &'a str, Option<&'a socred_core::record::ProblemKind>)>,
    not_listed: u64,
) {
    let language = render::language();
    for (line, field, reason, kind) in errors {
        let (field, reason) = match (kind, language) {
            (Some(kind), socred_i18n::Language::Chinese) => {
                (socred_i18n::reasons::field_name(language, field), socred_i18n::reasons::problem(language, kind))
            }
            _ => (field.to_string(), reason.to_string()),
        };
        eprintln!("{}", with("cli-import-problem", &[("line", text(line)), ("field", text(field)), ("reason", text(reason))]));
    }
    if not_listed > 0 {
        eprintln!("{}", with("cli-import-more-problems", &[("count", text(not_listed))]));
    }
}

pub(crate) fn print_json(value: &impl serde::Serialize) -> Result<()> {
    let mut stdout = std::io::stdout().lock();
    serde_json::to_writer_pretty(&mut stdout, value)?;
    writeln!(stdout)?;
    Ok(())
}

/// Opens the store with this command's clock: the store's own, stopped on
/// `--on` in a replay store (a live store refuses `--on`).
pub(crate) fn open(cli: &Cli) -> Result<Store> {
    let mut store = Store::open(&cli.db)?;
    if let Some(text) = &cli.on {
        let day = parse_date("--on", text)?;
        let clock = store.clock().fixed_on(day).map_err(|error| refuse_store("--on", error))?;
        store.set_clock(clock)?;
    }
    Ok(store)
}

fn read_rulebook(path: &Path) -> Result<String> {
    read_text_bounded("rulebook", path, socred_core::rulebook::MAX_RULEBOOK_BYTES as u64)
}

/// A text file of at most `limit` bytes, read without trusting its stated
/// size (a device or a pipe states none).
pub(crate) fn read_text_bounded(field: &str, path: &Path, limit: u64) -> Result<String> {
    use std::io::Read;
    let file = File::open(path).map_err(|e| refuse(field, format!("{}: {e}", path.display())))?;
    let mut bytes = Vec::new();
    file.take(limit + 1).read_to_end(&mut bytes).map_err(|e| refuse(field, format!("{}: {e}", path.display())))?;
    if bytes.len() as u64 > limit {
        let arguments =
            vec![("path", socred_i18n::Argument::Text(path.display().to_string())), ("max", socred_i18n::Argument::Number(limit as i64))];
        return Err(refuse_message(field, "input-file-too-large", arguments));
    }
    String::from_utf8(bytes)
        .map_err(|_| refuse_message(field, "input-file-not-utf8", vec![("path", socred_i18n::Argument::Text(path.display().to_string()))]))
}

pub(crate) struct ShowArgs<'a> {
    pub id: &'a str,
    pub as_of: &'a Option<String>,
    pub known_on: &'a Option<String>,
    pub purpose: &'a str,
    pub json: bool,
}

/// The assessment as the ledger stood at the end of a day (`--known-on`).
type AssessKnownOn<'a> = &'a dyn Fn(Date, &SubjectId, Date) -> Result<socred_core::assess::Assessment>;

/// `socred show`: a subject's assessment, explained; the read is logged.
pub(crate) fn show_on(cli: &Cli, store: &impl CliStore, args: ShowArgs<'_>, known: AssessKnownOn<'_>) -> Result<()> {
    let id = parse_subject("ID", args.id)?;
    let (as_of, known_on) = read_dates(store, args.as_of.as_deref(), args.known_on.as_deref())?;
    let info = store.subject_info(&id)?.ok_or_else(|| StoreError::UnknownSubject(id.to_string()))?;
    // Read before the access is logged: a refused read (a day before the store existed) logs nothing.
    let assessment = match known_on {
        Some(day) => known(day, &id, as_of).map_err(|error| match error.downcast::<StoreError>() {
            Ok(error) if matches!(&error, StoreError::Invalid { field, .. } if field == "known_on") => refuse_store("--known-on", error),
            Ok(other) => other.into(),
            Err(error) => error,
        })?,
        None => CliStore::assessment(store, &id, as_of)?,
    };
    store.log_read_by(&actor(cli, store)?, &id, args.purpose, "assessment").map_err(purpose_error)?;
    if args.json {
        let mut value = serde_json::to_value(&assessment)?;
        let object = value.as_object_mut().expect("an assessment is an object");
        object.insert("name".into(), info.name.clone().into());
        object.insert("kind".into(), serde_json::to_value(info.kind)?);
        object.insert(
            "links".into(),
            serde_json::json!({
                "guardians": info.guardians, "children": info.children,
                "represents": info.represents, "representatives": info.representatives,
            }),
        );
        print_json(&value)
    } else {
        print!("{}", render::assessment(&info, &assessment, store.rulebook()));
        Ok(())
    }
}

/// What `socred init` creates a store with, whichever the backend.
pub(crate) struct Settings {
    pub source: String,
    pub label: String,
    pub actor: Actor,
    pub origin: String,
    pub time: socred_store::TimeSettings,
}

pub(crate) fn init_settings(cli: &Cli, rulebook: Option<&Path>, replay: bool, utc_offset: &str, origin: Option<&str>) -> Result<Settings> {
    let (source, label) = match rulebook {
        Some(path) => (read_rulebook(path)?, path.display().to_string()),
        None => (socred_core::DEFAULT_RULEBOOK.to_string(), "rulebooks/default.toml (built in)".to_string()),
    };
    let utc_offset = socred_store::parse_offset(utc_offset).ok_or_else(|| {
        refuse_message("--utc-offset", "input-utc-offset", vec![("given", socred_i18n::Argument::Text(format!("{utc_offset:?}")))])
    })?;
    let dating = if replay { socred_store::Dating::Replay } else { socred_store::Dating::Clock };
    let time = socred_store::TimeSettings { dating, utc_offset };
    let moment = match &cli.on {
        Some(_) if !replay => {
            return Err(refuse_message("--on", "input-live-store-dates", vec![]));
        }
        Some(text) => socred_core::date::Moment::start_of(parse_date("--on", text)?, utc_offset),
        None => socred_core::date::Moment::at(system_ms(), utc_offset).expect("the system clock is within the calendar"),
    };
    let actor = Actor::new(&cli.actor, moment).map_err(|e| refuse_store("--actor", e))?;
    let origin = match origin {
        Some(origin) => {
            socred_log::checkpoint::check_origin(origin).map_err(|e| refuse("--origin", e))?;
            origin.to_string()
        }
        None => {
            let secret = socred_auth::new_secret().map_err(|e| anyhow::anyhow!("no randomness: {e}"))?;
            format!("socred/{}", &secret[secret.len() - 16..])
        }
    };
    Ok(Settings { source, label, actor, origin, time })
}

/// Whether `command` uses no store (whatever `--db` names).
pub(crate) fn without_store(command: &Command) -> bool {
    use cli::ScoreCommand;
    matches!(
        command,
        Command::Sim { .. }
            | Command::Score { command: Some(ScoreCommand::Check { .. } | ScoreCommand::Sample { .. } | ScoreCommand::Fit { .. }), .. }
    )
}

/// Commands that use no store (whatever `--db` names).
pub(crate) fn run_without_store(cli: &Cli) -> Result<()> {
    match &cli.command {
        Command::Sim {
            command:
                cli::SimCommand::Run {
                    subjects,
                    years,
                    seed,
                    first_year,
                    rulebook,
                    deterrence,
                    error_rate,
                    dispute_rate,
                    appeal_rate,
                    repair_rate,
                    reviewer_capacity,
                    out,
                    json,
                },
        } => sim::run(sim::RunArguments {
            config: socred_sim::simulate::SimulationConfig {
                seed: *seed,
                subjects: *subjects,
                years: *years,
                // Only the default reads the clock: the year after the current one.
                first_year: first_year.unwrap_or_else(|| time::OffsetDateTime::now_utc().year() + 1),
                deterrence: *deterrence,
                error_rate: *error_rate,
                dispute_rate: *dispute_rate,
                appeal_rate: *appeal_rate,
                repair_rate: *repair_rate,
                reviewer_capacity_per_month: *reviewer_capacity,
            },
            rulebooks: rulebook,
            out,
            json: *json,
        }),
        Command::Score { command: Some(command), .. } => match command {
            cli::ScoreCommand::Check { file, rulebook } => score::check(file, rulebook.as_deref()),
            cli::ScoreCommand::Sample { subjects, seed, out } => score::sample(*subjects, *seed, cli.scorecard.as_deref(), out),
            cli::ScoreCommand::Fit { sample, template, card_version, out, json } => {
                score::fit(sample, template.as_deref().or(cli.scorecard.as_deref()), card_version, out, *json)
            }
            cli::ScoreCommand::Monitor { .. } => unreachable!("monitor reads a store"),
        },
        _ => unreachable!("only commands without a store come here"),
    }
}

fn run(cli: Cli) -> Result<()> {
    if without_store(&cli.command) {
        return run_without_store(&cli);
    }
    if let Some(url) = cli.db.to_str().filter(|db| socred_store::is_postgres_url(db)) {
        return postgres::run(&cli, url);
    }
    if cli.read_db.is_some() {
        return Err(refuse_message("--read-db", "input-standby-of-embedded", vec![]));
    }
    match &cli.command {
        Command::Init { rulebook, replay, utc_offset, origin } => {
            let Settings { source, label, actor, origin, time } =
                init_settings(&cli, rulebook.as_deref(), *replay, utc_offset, origin.as_deref())?;
            let store = Store::create(&cli.db, &source, &label, &actor, &origin, time)?;
            let key_path = log::key_path(&cli);
            let (key, created) = log::create_key(&key_path, &origin).with_context(|| {
                format!("the store was created, its checkpoint key was not: run `socred audit keygen` for {}", key_path.display())
            })?;
            let key_arguments = [("path", text(key_path.display())), ("verifier", text(key.verifier().to_text()))];
            println!("{}", with(if created { "cli-init-key-created" } else { "cli-init-key-kept" }, &key_arguments));
            let rulebook = store.rulebook();
            let arguments = [
                ("place", text(cli.db.display())),
                ("rulebook", text(&rulebook.id)),
                ("version", text(&rulebook.version)),
                ("behaviours", text(rulebook.behaviours.len())),
            ];
            println!("{}", with(if *replay { "cli-init-created-replay" } else { "cli-init-created" }, &arguments));
            Ok(())
        }
        Command::Rulebook { command } => rulebook(&cli, command),
        Command::Subject { command } => subject(&cli, command),
        Command::Record { command } => record(&cli, command),
        Command::Import { file, partner: Some(partner), batch_id, skip_invalid, json, .. } => {
            reports::import_partner(&cli, file, partner, batch_id.as_deref(), *skip_invalid, *json)
        }
        Command::Import { file, format, skip_invalid, rejects, json, .. } => {
            import(&cli, file, format.map(Into::into), *skip_invalid, rejects.as_deref(), *json)
        }
        Command::Show { id, as_of, known_on, purpose, json } => {
            let store = open(&cli)?;
            show_on(&cli, &store, ShowArgs { id, as_of, known_on, purpose, json: *json }, &|day, id, as_of| {
                Ok(store.known_on(day)?.assessment(id, as_of)?)
            })
        }
        Command::Serve { addr, readers, insecure_cookies, log_json, trusted_proxies } => {
            serve(&cli, *addr, *readers, *insecure_cookies, *log_json, trusted_proxies)
        }
        Command::Demo { .. } => demo::command(&cli),
        Command::Audit { command } => log::audit(&cli, command),
        Command::Export { dir } => log::export(&cli, dir),
        Command::ImportStore { dir, verifier_key } => log::import_store(&cli, dir, verifier_key.as_deref()),
        Command::List { command } => due::list(&cli, command),
        Command::Appeal { command } => due::appeal(&cli, command),
        Command::Dispute { command } => due::dispute(&cli, command),
        Command::Repair { command } => due::repair(&cli, command),
        Command::File { id, as_of, known_on, purpose, json } => due::file(&cli, id, as_of, known_on, purpose, *json),
        Command::Mail { id, purpose, json } => due::mail(&cli, id, purpose, *json),
        Command::Check { id, service, as_of, known_on, json } => check(&cli, id, service, as_of.as_deref(), known_on.as_deref(), *json),
        Command::Report { command: cli::ReportCommand::Annual { year, limit, offset, json } } => {
            annual(&cli, *year, *limit, *offset, *json)
        }
        Command::Report { command } => reports::report(&cli, command),
        Command::Partner { command } => reports::partner(&cli, command),
        Command::Account { command } => accounts::account(&cli, open, command),
        Command::Token { command } => accounts::token(&cli, &mut open(&cli)?, command),
        Command::Queue { as_of, overdue, json } => due::queue(&cli, as_of, *overdue, *json),
        Command::Sim { .. } => run_without_store(&cli),
        Command::Score { command: Some(cli::ScoreCommand::Monitor { from, to, json, plots }), .. } => {
            score::monitor(&open(&cli)?, from, to, cli.scorecard.as_deref(), *json, plots.as_deref())
        }
        Command::Score { command: Some(_), .. } => run_without_store(&cli),
        Command::Score { id, as_of, purpose, json, command: None } => {
            let id = id.as_deref().ok_or_else(|| refuse_message("ID", "input-score-what", vec![]))?;
            score::show(&cli, &open(&cli)?, id, as_of.as_deref(), purpose, cli.scorecard.as_deref(), *json)
        }
        Command::Policy { command: cli::PolicyCommand::Compare { rulebook, as_of, json, plots } } => {
            policy::compare(&open(&cli)?, rulebook, as_of.as_deref(), *json, plots.as_deref())
        }
    }
}

fn init_logging(json: bool) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr).with_ansi(std::io::stderr().is_terminal());
    let _ = if json { builder.json().try_init() } else { builder.try_init() };
}

pub fn serve(
    cli: &Cli,
    addr: std::net::SocketAddr,
    readers: Option<u32>,
    insecure_cookies: bool,
    log_json: bool,
    trusted_proxies: &[std::net::IpAddr],
) -> Result<()> {
    init_logging(log_json);
    // Fail early, with the store's own message, if there is no store (or --on on a live one).
    let store = open(cli)?;
    let fixed_day = cli.on.is_some().then(|| today(&store));
    let origin = store.origin()?;
    drop(store);
    serve_with(cli, addr, readers, insecure_cookies, fixed_day, trusted_proxies, &origin)
}

/// `--public-url`, checked: where e-mail-ready texts send their reader.
pub fn public_url(cli: &Cli) -> Result<Option<String>> {
    if let Some(address) = &cli.public_url {
        socred_i18n::mail::check_portal(address).map_err(|cause| refuse_because("--public-url", cause))?;
    }
    Ok(cli.public_url.clone())
}

/// Serves the store, its clock stopped on `fixed_day` (a replay store only).
pub fn serve_with(
    cli: &Cli,
    addr: std::net::SocketAddr,
    readers: Option<u32>,
    insecure_cookies: bool,
    fixed_day: Option<Date>,
    trusted_proxies: &[std::net::IpAddr],
    origin: &str,
) -> Result<()> {
    let mut config = socred_server::ServerConfig::new(cli.db.clone(), addr);
    config.fixed_day = fixed_day;
    config.trusted_proxies = trusted_proxies.to_vec();
    config.read_db = cli.read_db.clone();
    config.public_url = crate::public_url(cli)?;
    config.scorecard = match &cli.scorecard {
        Some(path) => Some((score::read_card(path, "--scorecard")?, path.display().to_string())),
        None => None,
    };
    // A key named on the command line must be there; the default one may be
    // absent, and either must be this log's.
    let key_path = log::key_path(cli);
    config.log_key = None;
    if cli.log_key.is_some() || key_path.exists() {
        config.log_key = Some(std::sync::Arc::new(log::key_of(&key_path, origin)?));
    }
    if config.log_key.is_none() {
        eprintln!("{}", with("cli-serve-unsigned", &[("path", text(log::key_path(cli).display()))]));
    }
    if let Some(readers) = readers {
        config.readers = readers as usize;
    }
    config.secure_cookies = !insecure_cookies;
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    runtime.block_on(socred_server::serve_until(config, socred_server::shutdown_signal())).map_err(|e| match e {
        socred_server::StartError::Bind(addr, error) => refuse_message(
            "--addr",
            "input-cannot-listen",
            vec![("addr", socred_i18n::Argument::Text(addr.to_string())), ("detail", socred_i18n::Argument::Text(error.to_string()))],
        ),
        socred_server::StartError::Scorecard(problems) => refuse_rulebook("--scorecard", problems),
        other => other.into(),
    })
}

pub(crate) fn check(cli: &Cli, id: &str, service: &str, as_of: Option<&str>, known_on: Option<&str>, json: bool) -> Result<()> {
    let id = parse_subject("ID", id)?;
    match cli.db.to_str().filter(|db| socred_store::is_postgres_url(db)) {
        Some(url) => check_on(cli, &postgres::open(cli, url)?, id, service, as_of, known_on, json),
        None => check_on(cli, &open(cli)?, id, service, as_of, known_on, json),
    }
}

fn check_on(
    cli: &Cli,
    store: &impl CliStore,
    id: SubjectId,
    service: &str,
    as_of: Option<&str>,
    known_on: Option<&str>,
    json: bool,
) -> Result<()> {
    let (as_of, known_on) = read_dates(store, as_of, known_on)?;
    let rulebook = match known_on {
        Some(day) => store.known_on(day)?.rulebook().clone(),
        None => CliStore::rulebook(store).clone(),
    };
    if rulebook.service(service).is_none() {
        let known: Vec<&str> = rulebook.services.iter().map(|s| s.code.as_str()).collect();
        let arguments =
            vec![("code", socred_i18n::Argument::Text(format!("{service:?}"))), ("known", socred_i18n::Argument::Text(known.join(", ")))];
        return Err(refuse_message("--service", "input-unknown-service-of", arguments));
    }
    let decision = match known_on {
        Some(day) => store.known_on(day)?.decide(&id, service, as_of)?,
        None => CliStore::decide(store, &id, service, as_of)?,
    };
    let actor = actor(cli, store)?;
    if known_on.is_some() {
        // A reproduction of an earlier answer is a read of the file, not a new check.
        store.log_read_by(&actor, &id, "reproducing an earlier decision", &format!("decision for {service}")).map_err(purpose_error)?;
        return print_decision(&id, service, as_of, &decision, &rulebook, json);
    }
    let reasons = decision.disclosed_measures();
    store.log_checks(&[socred_store::CheckLog {
        at_ms: actor.moment().unix_ms,
        provider: actor.name().to_string(),
        subject: id,
        subject_key: None,
        service: service.to_string(),
        as_of,
        outcome: decision.outcome.as_str(),
        reasons,
    }])?;
    print_decision(&id, service, as_of, &decision, &rulebook, json)
}

fn print_decision(
    id: &SubjectId,
    service: &str,
    as_of: Date,
    decision: &socred_core::decide::Decision,
    rulebook: &Rulebook,
    json: bool,
) -> Result<()> {
    if json {
        return print_json(decision);
    }
    let service = socred_i18n::words::Words::new(render::language(), rulebook).service(service);
    println!("{}", with("cli-decision-for", &[("service", text(service)), ("id", text(id)), ("day", render::day(as_of))]));
    print!("{}", due_words::render_decisions(std::slice::from_ref(decision), rulebook));
    if !decision.appeal.is_empty() {
        let appeal = socred_i18n::words::appeal_text(render::language(), &decision.appeal);
        println!("{}", with("cli-decision-appeal", &[("appeal", text(appeal))]));
    }
    Ok(())
}

pub(crate) fn annual(cli: &Cli, year: i32, limit: u32, offset: u64, json: bool) -> Result<()> {
    match cli.db.to_str().filter(|db| socred_store::is_postgres_url(db)) {
        Some(url) => annual_on(cli, &postgres::open(cli, url)?, year, limit, offset, json),
        None => annual_on(cli, &open(cli)?, year, limit, offset, json),
    }
}

fn annual_on(cli: &Cli, store: &impl CliStore, year: i32, limit: u32, offset: u64, json: bool) -> Result<()> {
    let (total, rows) = store.annual_report(year, limit, offset)?;
    // An export of personal data: each subject in it sees who took it.
    let actor = actor(cli, store)?;
    let reads: Vec<socred_store::AccessRequest> = rows
        .iter()
        .map(|row| socred_store::AccessRequest {
            actor: actor.clone(),
            subject: row.subject,
            purpose: "annual expectation report".into(),
            what: format!("net points of {year}"),
        })
        .collect();
    store.log_accesses(&reads)?;
    if json {
        return print_json(
            &serde_json::json!({"year": year, "expected_points": store.rulebook().annual_min_net_points, "total": total, "offset": offset, "rows": rows}),
        );
    }
    let mut out = std::io::stdout().lock();
    writeln!(out, "subject,name,net_points,expected_points")?;
    for row in rows {
        writeln!(out, "{},{},{},{}", row.subject, socred_store::csv::cell(&row.name), row.net_points, row.expected_points)?;
    }
    let shown_to = offset + u64::from(limit).min(total.saturating_sub(offset));
    let count = |value: u64| socred_i18n::Argument::Number(i64::try_from(value).unwrap_or(i64::MAX));
    eprintln!(
        "{}",
        with(
            "cli-annual-below",
            &[
                ("total", count(total)),
                ("expected", socred_i18n::Argument::Number(store.rulebook().annual_min_net_points)),
                ("year", socred_i18n::Argument::Number(i64::from(year))),
                ("from", count(offset)),
                ("to", count(shown_to)),
            ]
        )
    );
    Ok(())
}

/// A bad `--purpose` is the caller's mistake; name the flag.
fn purpose_error(error: StoreError) -> anyhow::Error {
    match error {
        StoreError::Invalid { ref field, .. } if field == "purpose" => refuse_store("--purpose", error),
        other => other.into(),
    }
}

/// `socred rulebook show`: the active rulebook, on either backend.
pub(crate) fn rulebook_show(store: &impl CliStore, json: bool) -> Result<()> {
    let rulebook = store.rulebook();
    if json {
        print_json(rulebook.as_ref())
    } else {
        print!("{}", render::rulebook(rulebook));
        Ok(())
    }
}

pub(crate) fn rulebook(cli: &Cli, command: &RulebookCommand) -> Result<()> {
    match command {
        RulebookCommand::Check { file, json } => {
            let source = read_rulebook(file)?;
            match Rulebook::from_toml(&source, &file.display().to_string()) {
                Ok(rulebook) => {
                    if *json {
                        print_json(&serde_json::json!({"valid": true, "id": rulebook.id, "version": rulebook.version,
                            "fingerprint": rulebook.fingerprint, "behaviours": rulebook.behaviours.len(), "tiers": rulebook.tiers.len()}))
                    } else {
                        let count = |value: usize| socred_i18n::Argument::Number(value as i64);
                        let arguments = [
                            ("file", text(file.display().to_string())),
                            ("rulebook", text(format!("{} {}", rulebook.id, rulebook.version))),
                            ("behaviours", count(rulebook.behaviours.len())),
                            ("tiers", count(rulebook.tiers.len())),
                            ("fingerprint", text(&rulebook.fingerprint[..16])),
                        ];
                        println!("{}", with("cli-rulebook-valid", &arguments));
                        Ok(())
                    }
                }
                Err(error) => {
                    if *json {
                        let problems: Vec<_> = error
                            .problems
                            .iter()
                            .map(|p| serde_json::json!({"file": error.file, "line": p.line, "key": p.key, "reason": p.reason}))
                            .collect();
                        print_json(&serde_json::json!({"valid": false, "problems": problems}))?;
                    }
                    Err(refuse_rulebook("", error))
                }
            }
        }
        RulebookCommand::Show { json } => rulebook_show(&open(cli)?, *json),
        RulebookCommand::Activate { file, impact, skip_impact, reason } => {
            let choice = match (impact, skip_impact, reason) {
                (Some(impact), false, None) => policy::ImpactChoice::Assessed(impact),
                (None, true, Some(reason)) => policy::ImpactChoice::Skipped(reason),
                (None, false, None) => policy::ImpactChoice::None,
                (None, true, None) => return Err(refuse_message("--reason", "input-skip-needs-reason", vec![])),
                _ => return Err(refuse_message("--impact", "input-impact-or-skip", vec![])),
            };
            match cli.db.to_str().filter(|db| socred_store::is_postgres_url(db)) {
                Some(url) => policy::activate(cli, &mut postgres::open(cli, url)?, file, choice),
                None => policy::activate(cli, &mut open(cli)?, file, choice),
            }
        }
    }
}

fn subject(cli: &Cli, command: &SubjectCommand) -> Result<()> {
    subject_on(cli, &mut open(cli)?, command)
}

pub(crate) fn subject_on(cli: &Cli, store: &mut impl CliStore, command: &SubjectCommand) -> Result<()> {
    match command {
        SubjectCommand::Add { id, name, kind, guardian, represents, json } => {
            let kind = kind
                .as_deref()
                .map(|given| {
                    given.parse::<SubjectKind>().map_err(|_| {
                        let arguments = vec![
                            ("given", socred_i18n::Argument::Text(format!("{given:?}"))),
                            ("known", socred_i18n::Argument::Text("person, organisation".into())),
                        ];
                        refuse_message("--kind", "input-not-one-of", arguments)
                    })
                })
                .transpose()?;
            let id = match kind {
                Some(kind) => SubjectId::parse_as(id, kind)
                    .map_err(|error| refuse_because("--id", socred_i18n::reasons::Cause::Id { input: id.clone(), error }))?,
                None => parse_subject("--id", id)?,
            };
            let guardians = guardian.iter().map(|g| parse_subject("--guardian", g)).collect::<Result<Vec<_>>>()?;
            let represents = represents.iter().map(|o| parse_subject("--represents", o)).collect::<Result<Vec<_>>>()?;
            let subject = NewSubject { id, name: name.clone(), guardians, represents };
            let actor = actor(cli, store)?;
            let outcome = store.add_subject(&subject, &actor).map_err(|error| match error {
                StoreError::Invalid { ref field, .. } => refuse_store(&format!("--{field}"), error),
                other => other.into(),
            })?;
            if *json {
                print_json(&serde_json::json!({"subject": id, "kind": id.kind(), "result": outcome}))
            } else {
                match outcome {
                    socred_store::SubjectOutcome::Registered => {
                        println!(
                            "{}",
                            with("cli-registered", &[("kind", text(render::kind(id.kind()))), ("id", text(id)), ("name", text(name))])
                        )
                    }
                    socred_store::SubjectOutcome::AlreadyRegistered { links_added } => {
                        println!("{}", with("cli-already-registered", &[("id", text(id)), ("links", text(links_added))]))
                    }
                }
                Ok(())
            }
        }
        SubjectCommand::Show { id, purpose, json } => {
            let id = parse_subject("ID", id)?;
            let info = store.subject_info(&id)?.ok_or_else(|| StoreError::UnknownSubject(id.to_string()))?;
            store.log_read_by(&actor(cli, store)?, &id, purpose, "subject").map_err(purpose_error)?;
            if *json {
                print_json(&info)
            } else {
                print!("{}", render::subject(&info));
                Ok(())
            }
        }
    }
}

fn record(cli: &Cli, command: &RecordCommand) -> Result<()> {
    record_on(cli, &mut open(cli)?, command)
}

pub(crate) fn record_on(cli: &Cli, store: &mut impl CliStore, command: &RecordCommand) -> Result<()> {
    match command {
        RecordCommand::Add { subject, behaviour, at, source, evidence, record_id, json } => {
            let input = RecordInput { id: record_id.as_deref(), subject, behaviour, at, source, evidence: evidence.as_deref() };
            let record = input.validate(store.rulebook(), today(store)).map_err(|problems| {
                let flag = |field: &str| match field {
                    "id" => "--record-id".to_string(),
                    other => format!("--{other}"),
                };
                // Each problem in the reader's language where the check typed it.
                let language = render::language();
                let text = problems
                    .iter()
                    .map(|problem| {
                        let reason = problem
                            .kind
                            .as_ref()
                            .map_or_else(|| problem.reason.clone(), |kind| socred_i18n::reasons::problem(language, kind));
                        with("cli-refused-field", &[("field", text(flag(problem.field))), ("reason", text(reason))])
                    })
                    .collect::<Vec<_>>()
                    .join("\n       ");
                refuse("", text)
            })?;
            let actor = actor(cli, store)?;
            let outcome = store.add_record(&record, &actor)?;
            if *json {
                print_json(&serde_json::json!({"record_id": record.id, "subject": record.subject, "result": outcome}))
            } else {
                match outcome {
                    RowOutcome::Inserted => println!(
                        "{}",
                        with(
                            "cli-recorded",
                            &[
                                ("record", text(&record.id)),
                                ("subject", text(record.subject)),
                                ("behaviour", text(render::behaviour_by_code(store.rulebook(), record.behaviour.as_str()))),
                                ("day", render::day(record.occurred_on)),
                            ]
                        )
                    ),
                    RowOutcome::Duplicate => println!("{}", with("cli-record-duplicate", &[("record", text(&record.id))])),
                    RowOutcome::Rejected { .. } => {
                        unreachable!("add_record turns rejections into errors")
                    }
                }
                Ok(())
            }
        }
        RecordCommand::Void { record_id, reason, json } => {
            let id = RecordId::parse(record_id).map_err(|error| refuse_because("RECORD_ID", socred_i18n::reasons::Cause::Field(error)))?;
            check_text(reason, MAX_REASON_CHARS).map_err(|error| refuse_because("--reason", socred_i18n::reasons::Cause::Field(error)))?;
            let actor = actor(cli, store)?;
            let outcome = store.void_record(&id, reason, &actor)?;
            if *json {
                print_json(&serde_json::json!({"record_id": id, "result": outcome}))
            } else {
                match outcome {
                    socred_store::VoidOutcome::Voided { subject } => {
                        println!("{}", with("cli-voided", &[("record", text(&id)), ("subject", text(subject))]))
                    }
                    socred_store::VoidOutcome::AlreadyVoid { .. } => {
                        println!("{}", with("cli-already-void", &[("record", text(&id))]))
                    }
                }
                Ok(())
            }
        }
    }
}

/// The store an import writes to.
enum Target {
    Sqlite(Store),
    Postgres(socred_store::PgStore),
}

fn import(cli: &Cli, file: &Path, format: Option<Format>, skip_invalid: bool, rejects: Option<&Path>, json: bool) -> Result<()> {
    if file.is_dir() {
        return Err(refuse_message(
            "FILE",
            "input-import-directory",
            vec![("path", socred_i18n::Argument::Text(file.display().to_string()))],
        ));
    }
    let format = match format.or_else(|| Format::from_path(file)) {
        Some(format) => format,
        None => {
            return Err(refuse_message(
                "--format",
                "input-import-format",
                vec![("path", socred_i18n::Argument::Text(file.display().to_string()))],
            ));
        }
    };
    let input = File::open(file).map_err(|e| refuse("FILE", format!("{}: {e}", file.display())))?;
    let size = input.metadata().map(|m| m.len()).unwrap_or(0);
    let mut target = match cli.db.to_str().filter(|db| socred_store::is_postgres_url(db)) {
        Some(url) => Target::Postgres(postgres::open(cli, url)?),
        None => Target::Sqlite(open(cli)?),
    };
    let actor = match &target {
        Target::Sqlite(store) => actor(cli, store)?,
        Target::Postgres(store) => actor(cli, store)?,
    };
    let rejects_path: PathBuf = rejects.map(Path::to_path_buf).unwrap_or_else(|| {
        let mut name = file.as_os_str().to_owned();
        name.push(".rejected");
        PathBuf::from(name)
    });
    let mut rejects_file = if skip_invalid {
        Some(std::io::BufWriter::new(File::create(&rejects_path).with_context(|| format!("creating {}", rejects_path.display()))?))
    } else {
        None
    };
    let progress = indicatif::ProgressBar::with_draw_target(Some(size), indicatif::ProgressDrawTarget::stderr());
    progress.set_style(
        indicatif::ProgressStyle::with_template(&render::progress_template("cli-progress-importing"))
            .expect("valid template")
            .progress_chars("=> "),
    );
    if !std::io::stderr().is_terminal() {
        progress.set_draw_target(indicatif::ProgressDrawTarget::hidden());
    }
    let started = std::time::Instant::now();
    let (reader, options, label) =
        (BufReader::with_capacity(1 << 20, input), ImportOptions { format, skip_invalid }, file.display().to_string());
    let rejects_sink = rejects_file.as_mut().map(|w| w as &mut dyn socred_ingest::Rejects);
    let mut progressed = |bytes| progress.set_position(bytes);
    let report = match &mut target {
        Target::Sqlite(store) => socred_ingest::import(store, reader, options, &actor, &label, rejects_sink, &mut progressed),
        Target::Postgres(store) => socred_ingest::import_postgres(store, reader, options, &actor, &label, rejects_sink, &mut progressed),
    }
    .map_err(|e| match e {
        socred_ingest::IngestError::Header { cause, .. } => refuse_because("header", cause),
        socred_ingest::IngestError::Store(store) => store.into(),
        other => other.into(),
    })?;
    progress.finish_and_clear();
    if let Some(mut writer) = rejects_file.take() {
        writer.flush()?;
        if report.rejected_rows == 0 {
            let _ = std::fs::remove_file(&rejects_path);
        }
    }
    let seconds = started.elapsed().as_secs_f64();
    if json {
        let mut value = serde_json::to_value(&report)?;
        if skip_invalid && report.rejected_rows > 0 {
            value["rejects_file"] = rejects_path.display().to_string().into();
        }
        print_json(&value)?;
    } else {
        let problems = report.errors.iter().map(|e| (e.line, e.field.as_str(), e.reason.as_str(), e.kind.as_ref()));
        print_import_problems(problems, report.errors_not_listed);
        if report.committed {
            let audit = report.audit_seq.map(|seq| with("cli-imported-audit", &[("seq", text(seq))])).unwrap_or_default();
            println!(
                "{}",
                with(
                    "cli-imported",
                    &[
                        ("file", text(file.display())),
                        ("rows", text(report.rows)),
                        ("inserted", text(report.inserted)),
                        ("duplicates", text(report.duplicates)),
                        ("rejected", text(report.rejected_rows)),
                        ("seconds", text(format!("{seconds:.2}"))),
                        ("audit", text(audit)),
                    ]
                )
            );
            if report.rejected_rows > 0 {
                println!("{}", with("cli-import-rejects", &[("file", text(rejects_path.display()))]));
            }
        }
    }
    if !report.committed {
        let arguments = vec![
            ("path", socred_i18n::Argument::Text(file.display().to_string())),
            ("rejected", socred_i18n::Argument::Number(report.rejected_rows as i64)),
            ("rows", socred_i18n::Argument::Number(report.rows as i64)),
        ];
        return Err(refuse_message("", "input-import-refused", arguments));
    }
    Ok(())
}

pub(crate) fn audit_log(store: &impl CliStore, subject: Option<&str>, limit: u32, json: bool) -> Result<()> {
    let subject = subject.map(|s| parse_subject("--subject", s)).transpose()?;
    let entries = store.audit_recent(subject.as_ref(), limit)?;
    if json {
        return print_json(&entries);
    }
    for entry in entries {
        println!(
            "#{:<6} {}  {:<20} {:<18} {} {}",
            entry.seq,
            entry.at,
            entry.actor,
            entry.action,
            entry.subject.as_deref().unwrap_or("-"),
            entry.detail
        );
    }
    Ok(())
}

pub(crate) fn audit_head(store: &impl CliStore) -> Result<()> {
    let (seq, hash) = match store.audit_recent(None, 1)?.into_iter().next() {
        Some(entry) => (entry.seq, entry.hash),
        None => (0, socred_store::audit::GENESIS.to_string()),
    };
    println!("{seq} {hash}");
    let time = CliStore::clock(store).settings();
    match time.dating {
        socred_store::Dating::Replay => {
            println!("{}", with("cli-audit-replay", &[("offset", text(socred_store::format_offset(time.utc_offset)))]))
        }
        socred_store::Dating::Clock => {
            println!("{}", with("cli-audit-live", &[("offset", text(socred_store::format_offset(time.utc_offset)))]))
        }
    }
    Ok(())
}

/// Reads of a file are logged, except the subject reading their own.
pub trait LogRead {
    fn log_read_by(&self, actor: &Actor, subject: &SubjectId, purpose: &str, what: &str) -> Result<(), StoreError>;
}

impl<S: CliStore> LogRead for S {
    fn log_read_by(&self, actor: &Actor, subject: &SubjectId, purpose: &str, what: &str) -> Result<(), StoreError> {
        check_text(purpose, 500).map_err(|error| StoreError::invalid_text("purpose", error))?;
        if actor.name() == subject.as_str() {
            return Ok(());
        }
        CliStore::log_access(self, actor, subject, purpose, what)
    }
}
