//! `socred demo`: a store with a synthetic, seeded population.

use std::io::IsTerminal;
use std::path::Path;

use anyhow::{Context, Result};
use socred_core::date::format_date;
use socred_core::{Date, SubjectId};
use socred_sim::{Population, PopulationConfig, Profile};
use socred_store::{NewSubject, RowOutcome, Store, StoreError};

use crate::cli::Cli;
use crate::render::{day, t, text, with};
use crate::{print_json, refuse_store};

/// Subjects written per transaction: bounds the WAL and the memory of one commit.
const SUBJECTS_PER_COMMIT: u64 = 25_000;

/// Removes a store left by an earlier demo; refuses anything else.
fn clear_previous(path: &Path) -> Result<()> {
    if !path.exists() {
        return Ok(());
    }
    match Store::open(path) {
        Ok(store) if store.origin()? == "demo" => {
            drop(store);
            for suffix in ["", "-wal", "-shm"] {
                let mut name = path.as_os_str().to_owned();
                name.push(suffix);
                match std::fs::remove_file(&name) {
                    Ok(()) => {}
                    Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                    Err(e) => {
                        return Err(e).with_context(|| format!("removing {}", Path::new(&name).display()));
                    }
                }
            }
            Ok(())
        }
        Ok(_) => Err(crate::refuse_message(
            "--db",
            "input-not-a-demo-store",
            vec![("path", socred_i18n::Argument::Text(path.display().to_string()))],
        )),
        Err(StoreError::NotAStore(_)) => Err(crate::refuse_message(
            "--db",
            "input-not-a-store-kept",
            vec![("path", socred_i18n::Argument::Text(path.display().to_string()))],
        )),
        Err(other) => Err(other.into()),
    }
}

/// Demo accounts: (username, role, password). `citizen` is a listed subject
/// who may apply for credit repair, `appellant` one whose appeal window is
/// open on the demo's last day; the officer is the traffic police, the
/// provider an airline, the partner a bike-sharing operator.
pub const DEMO_ACCOUNTS: [(&str, &str, &str); 9] = [
    ("admin", "admin", "demo-admin-password"),
    ("officer", "officer", "demo-officer-password"),
    ("reviewer", "reviewer", "demo-reviewer-password"),
    ("auditor", "auditor", "demo-auditor-password"),
    ("citizen", "subject", "demo-citizen-password"),
    ("appellant", "subject", "demo-appellant-password"),
    ("company", "subject", "demo-company-password"),
    ("airline", "provider", "demo-airline-password"),
    ("bikes", "partner", "demo-bikes-password"),
];
const DEMO_AUTHORITY: &str = "Municipal Public Security Bureau, Traffic Police Division";
/// What the demo's officer, the traffic police, may record.
const DEMO_OFFICER_BEHAVIOURS: [&str; 4] = ["speeding-minor", "speeding-serious", "not-yielding-to-pedestrians", "jaywalking"];
const DEMO_AIRLINE_SERVICES: [&str; 2] = ["civil-aviation", "air-class-upgrade"];
const DEMO_PARTNER_BEHAVIOURS: [&str; 1] = ["unpaid-shared-bike-ride"];
/// Subjects looked at to find the demo's citizen and appellant.
const DEMO_SUBJECTS_SCANNED: u32 = 5_000;

/// Adds the demo accounts (the citizen is the demo's judgment defaulter) and
/// serves, with the clock stopped on `fixed_day` when the demo ends before today.
fn serve(cli: &Cli, addr: std::net::SocketAddr, fixed_day: Option<Date>) -> Result<()> {
    let mut store = Store::open(&cli.db)?;
    if store.origin()? != "demo" {
        return Err(crate::refuse_message("--serve", "input-demo-serve-not-demo", Vec::new()));
    }
    if let Some(day) = fixed_day {
        let clock = store.clock().fixed_on(day)?;
        store.set_clock(clock)?;
    }
    let logins = add_accounts(cli, &mut store)?;
    drop(store);
    serve_demo(cli, addr, fixed_day, &logins)
}

fn serve_demo(cli: &Cli, addr: std::net::SocketAddr, fixed_day: Option<Date>, logins: &[String]) -> Result<()> {
    println!("\n{}", t("cli-demo-logins"));
    for login in logins {
        println!("  {login}");
    }
    println!("\n{}", with("cli-demo-serving", &[("addr", text(addr))]));
    crate::serve_with(cli, addr, None, false, fixed_day, &[], "demo")
}

/// The subjects the demo's subject accounts name: a listed person who may
/// apply for credit repair today, a person on no list (who is recorded as a
/// judgment defaulter today, so that their appeal window is open), and an
/// organisation.
fn demo_subjects(store: &Store, today: Date) -> Result<(SubjectId, SubjectId, Option<SubjectId>)> {
    let (mut repairable, mut unlisted, mut organisation) = (None, None, None);
    let mut after = 0;
    let mut scanned = 0;
    while scanned < DEMO_SUBJECTS_SCANNED && (repairable.is_none() || unlisted.is_none() || organisation.is_none()) {
        let page = store.subject_ids(after, 500)?;
        let Some(&(last, _)) = page.last() else { break };
        after = last;
        for (_, id) in page {
            scanned += 1;
            if id.kind() == socred_core::SubjectKind::Organisation {
                organisation.get_or_insert(id);
                continue;
            }
            let due = socred_store::backend::FileReads::due_process(store, &id, today)?;
            let open = |entry: &socred_core::lists::ListEntry| {
                socred_core::status::repair_window(entry, today) == Some(socred_core::status::RepairWindow::Open)
            };
            if repairable.is_none() && due.entries.iter().any(open) {
                repairable = Some(id);
            } else if unlisted.is_none() && due.entries.is_empty() && due.disputes.is_empty() {
                unlisted = Some(id);
            }
        }
    }
    let unlisted = unlisted.ok_or_else(|| anyhow::anyhow!("the demo has no person on no list"))?;
    // A demo too young for repair still gets a citizen: its first listed person, else anyone.
    let repairable = repairable.unwrap_or(unlisted);
    Ok((repairable, unlisted, organisation))
}

/// The demo accounts, added to `store`, and the appellant's judgment recorded
/// on the demo's last day; returns a line for each login.
fn add_accounts(cli: &Cli, store: &mut Store) -> Result<Vec<String>> {
    use socred_auth::Role;
    let actor = crate::actor(cli, store)?;
    let today = crate::today(store);
    let (citizen, appellant, company) = demo_subjects(store, today)?;
    let judgment = socred_core::Record {
        id: socred_core::record::RecordId::parse("demo-judgment-appellant").map_err(anyhow::Error::msg)?,
        subject: appellant,
        behaviour: "judgment-default".into(),
        occurred_on: today,
        source: "Intermediate People's Court".into(),
        evidence: Some("demo case 1".into()),
    };
    store.add_record(&judgment, &socred_store::Actor::new("demo-court-clerk", store.clock().now())?)?;
    let codes = |codes: &[&str]| codes.iter().map(|code| code.to_string()).collect::<Vec<_>>();
    let mut logins = Vec::new();
    for (username, role, password) in DEMO_ACCOUNTS {
        let role: Role = role.parse().map_err(anyhow::Error::msg)?;
        let subject = match username {
            "citizen" => Some(citizen),
            "appellant" => Some(appellant),
            "company" => company,
            _ => None,
        };
        if role == Role::Subject && subject.is_none() {
            continue;
        }
        let account = socred_store::NewAccount {
            username: username.into(),
            role,
            password_hash: Some(socred_auth::hash_password(username, password)?),
            subject,
            authority: match role {
                Role::Officer => Some(DEMO_AUTHORITY.to_string()),
                Role::Partner => Some("Hello Bike Co.".to_string()),
                _ => None,
            },
            services: if role == Role::Provider { codes(&DEMO_AIRLINE_SERVICES) } else { Vec::new() },
            behaviours: match role {
                Role::Officer => codes(&DEMO_OFFICER_BEHAVIOURS),
                Role::Partner => codes(&DEMO_PARTNER_BEHAVIOURS),
                _ => Vec::new(),
            },
        };
        store.add_account(&account, &actor)?;
        let detail = match (username, role) {
            ("citizen", _) => with("cli-demo-login-citizen", &[("id", text(citizen))]),
            ("appellant", _) => with("cli-demo-login-appellant", &[("id", text(appellant))]),
            (_, Role::Subject) => with("cli-demo-login-subject", &[("id", text(subject.map(|s| s.to_string()).unwrap_or_default()))]),
            (_, Role::Officer) => with("cli-demo-login-officer", &[("authority", text(DEMO_AUTHORITY))]),
            (_, Role::Provider) => with("cli-demo-login-provider", &[("services", text(DEMO_AIRLINE_SERVICES.join(", ")))]),
            (_, Role::Partner) => with("cli-demo-login-partner", &[("behaviours", text(DEMO_PARTNER_BEHAVIOURS.join(", ")))]),
            _ => String::new(),
        };
        // The role by its code, as `account add --role` takes it.
        let detail = if detail.is_empty() { detail } else { format!(" {detail}") };
        logins.push(format!("{username:<10} {password:<26} {role}{detail}"));
    }
    Ok(logins)
}

struct Example {
    label: &'static str,
    id: SubjectId,
    name: String,
}

/// `socred demo [--serve]` on either backend.
pub fn command(cli: &Cli) -> Result<()> {
    let crate::cli::Command::Demo { subjects, seed, until: given, years, json, serve: then_serve, addr } = &cli.command else {
        unreachable!("called for the demo command only")
    };
    if cli.on.is_some() {
        return Err(crate::refuse_message("--on", "input-demo-dates-itself", vec![]));
    }
    let (until, fixed_day) = until(given.as_deref())?;
    let demo = Demo { subjects: *subjects, seed: *seed, until, years: *years };
    if let Some(url) = cli.db.to_str().filter(|db| socred_store::is_postgres_url(db)) {
        return run_on_postgres(cli, url, &demo, *json, then_serve.then_some((*addr, fixed_day)));
    }
    run(cli, &demo, *json)?;
    if *then_serve {
        serve(cli, *addr, fixed_day)?;
    }
    Ok(())
}

/// The demo's last day (`--until`, today by default, never later) and the
/// day its server's clock stops on when that is before today.
fn until(given: Option<&str>) -> Result<(Date, Option<Date>)> {
    let system_today = socred_core::date::Moment::at(crate::system_ms(), socred_store::DEFAULT_UTC_OFFSET).expect("in the calendar").day;
    let until = given.map(|d| crate::parse_date("--until", d)).transpose()?.unwrap_or(system_today);
    if until > system_today {
        return Err(crate::refuse_message(
            "--until",
            "input-after-today",
            vec![("day", socred_i18n::Argument::Day(until)), ("today", socred_i18n::Argument::Day(system_today))],
        ));
    }
    Ok((until, (until != system_today).then_some(until)))
}

/// What a generated demo holds, for its summary.
struct Generated {
    persons: u64,
    organisations: u64,
    records: u64,
    tiers: Vec<(String, u64)>,
    examples: Vec<Example>,
    shown: Vec<serde_json::Value>,
}

/// The demo's population and history.
struct Demo {
    subjects: u64,
    seed: u64,
    until: Date,
    years: u32,
}

/// `socred demo` on the embedded store: replaces an earlier demo at `--db`.
fn run(cli: &Cli, demo: &Demo, json: bool) -> Result<()> {
    let started = std::time::Instant::now();
    clear_previous(&cli.db)?;
    let (_, generated) = generate(cli, &cli.db, demo)?;
    let db_flag = if cli.db == Path::new("socred.db") { String::new() } else { format!(" --db {}", cli.db.display()) };
    report(&cli.db.display().to_string(), &db_flag, demo, &generated, started, json)
}

/// `socred demo` on PostgreSQL: the history is generated into an embedded
/// scratch store (a replay, dated act by act) and moved into the empty
/// database at `url` by export and import-store, which recompute every hash:
/// the database then holds the same log as an embedded demo of the same
/// seed. An earlier demo there is replaced; any other store is refused.
fn run_on_postgres(cli: &Cli, url: &str, demo: &Demo, json: bool, serve: Option<(std::net::SocketAddr, Option<Date>)>) -> Result<()> {
    let started = std::time::Instant::now();
    socred_store::PgStore::remove_demo(url).map_err(|error| crate::refuse_store("--db", error))?;
    let scratch = tempfile::tempdir().context("a scratch directory for the demo's history")?;
    let (mut store, generated) = generate(cli, &scratch.path().join("demo.db"), demo)?;
    // The accounts are acts of the demo's last day, carried over like every other.
    let logins = if serve.is_some() { add_accounts(cli, &mut store)? } else { Vec::new() };
    let export = scratch.path().join("export");
    store.export(&export, None)?;
    drop(store);
    socred_store::PgStore::import_export(url, &export, None)?;
    let place = socred_store::postgres::display_url(url);
    report(&place, &format!(" --db {place}"), demo, &generated, started, json)?;
    match serve {
        Some((addr, fixed_day)) => serve_demo(cli, addr, fixed_day, &logins),
        None => Ok(()),
    }
}

fn generate(cli: &Cli, path: &Path, demo: &Demo) -> Result<(Store, Generated)> {
    let Demo { subjects, seed, until, years } = *demo;
    // A demo replays a history: a replay store, each act dated the day it happened.
    let config = PopulationConfig { seed, subjects, until, years };
    let start = config.history_start();
    let actor = socred_store::Actor::replayed(&cli.actor, start).map_err(|e| refuse_store("--actor", e))?;
    let mut store = Store::create(
        path,
        socred_core::DEFAULT_RULEBOOK,
        "rulebooks/default.toml (built in)",
        &actor,
        "demo",
        socred_store::TimeSettings::replay(),
    )?;

    let progress = indicatif::ProgressBar::new(subjects);
    progress.set_style(
        indicatif::ProgressStyle::with_template(&crate::render::progress_template("cli-progress-generating"))
            .expect("valid template")
            .progress_chars("=> "),
    );
    if !std::io::stderr().is_terminal() {
        progress.set_draw_target(indicatif::ProgressDrawTarget::hidden());
    }

    let mut population = Population::new(config).peekable();
    let mut examples: Vec<Example> = Vec::new();
    type Wants = fn(&socred_sim::SyntheticSubject) -> bool;
    let mut wanted: Vec<(&'static str, Wants)> = vec![
        ("convicted of an intentional crime", |s| s.profile == Profile::Convicted),
        ("judgment defaulter", |s| s.profile == Profile::JudgmentDefaulter),
        ("exemplary citizen", |s| s.profile == Profile::Exemplary && s.records.len() > 4),
        ("child with a guardian", |s| !s.guardians.is_empty()),
        ("legal representative of an organisation", |s| !s.represents.is_empty()),
        ("organisation", |s| s.profile == Profile::Organisation && !s.records.is_empty()),
    ];
    let (mut records, mut persons, mut organisations) = (0u64, 0u64, 0u64);
    while population.peek().is_some() {
        let mut session = store.begin_import(&actor, "demo.generate")?;
        for mut subject in population.by_ref().take(SUBJECTS_PER_COMMIT as usize) {
            // What lenders, landlords and utilities report (0 government points; the commercial score reads them).
            subject.records.extend(socred_sim::credit::obligations(seed, &subject, start, until));
            subject.records.sort_by_key(|record| record.occurred_on);
            session.replay_on(subject.registered_on(start))?;
            session.push_subject(&NewSubject {
                id: subject.id,
                name: subject.name.clone(),
                guardians: subject.guardians.clone(),
                represents: subject.represents.clone(),
            })?;
            for record in &subject.records {
                session.replay_on(record.occurred_on)?;
                match session.push(record)? {
                    RowOutcome::Inserted => records += 1,
                    other => {
                        anyhow::bail!("generated record {} was not stored: {other:?}", record.id)
                    }
                }
            }
            match subject.id {
                SubjectId::Person(_) => persons += 1,
                SubjectId::Organisation(_) => organisations += 1,
            }
            if let Some(position) = wanted.iter().position(|(_, wants)| wants(&subject)) {
                let (label, _) = wanted.remove(position);
                examples.push(Example { label, id: subject.id, name: subject.name.clone() });
            }
            progress.inc(1);
        }
        session.commit(serde_json::json!({"seed": seed, "until": format_date(until)}))?;
    }
    progress.finish_and_clear();

    let clock = store.clock().fixed_on(until)?;
    store.set_clock(clock)?;
    let counts = store.refresh_all(until)?;
    store.refresh_lists()?;
    let rulebook = store.rulebook().clone();
    let tiers: Vec<(String, u64)> =
        rulebook.tiers.iter_best_first().map(|(tier, spec)| (spec.name.clone(), counts[usize::from(tier.0)])).collect();
    let mut shown = Vec::new();
    for example in &examples {
        let summary = store.summary(&example.id, until)?;
        shown.push(serde_json::json!({
            "label": example.label, "id": example.id, "name": example.name,
            "score": summary.score, "tier": rulebook.tiers.name(summary.tier),
        }));
    }
    Ok((store, Generated { persons, organisations, records, tiers, examples, shown }))
}

fn report(db: &str, db_flag: &str, demo: &Demo, generated: &Generated, started: std::time::Instant, json: bool) -> Result<()> {
    let Demo { seed, until, years, .. } = *demo;
    let Generated { persons, organisations, records, tiers, examples, shown } = generated;
    let total: u64 = tiers.iter().map(|(_, count)| count).sum();
    let seconds = started.elapsed().as_secs_f64();

    if json {
        return print_json(&serde_json::json!({
            "db": db, "seed": seed, "until": format_date(until), "years": years,
            "persons": persons, "organisations": organisations, "records": records,
            "tiers": tiers.iter().map(|(name, count)| serde_json::json!({"tier": name, "subjects": count})).collect::<Vec<_>>(),
            "examples": shown, "seconds": seconds,
        }));
    }
    let summary = [
        ("db", text(db)),
        ("persons", text(persons)),
        ("organisations", text(organisations)),
        ("records", text(records)),
        ("years", text(years)),
        ("until", day(until)),
        ("seed", text(seed)),
        ("seconds", text(format!("{seconds:.1}"))),
    ];
    println!("{}\n", with("cli-demo-summary", &summary));
    let (tier_word, subjects_word, share_word) = (t("cli-demo-column-tier"), t("cli-demo-column-subjects"), t("cli-demo-column-share"));
    let subjects_width = socred_i18n::words::display_columns(&subjects_word).max(8);
    println!(
        "{}  {}{subjects_word}  {share_word}",
        socred_i18n::words::padded(&tier_word, 4),
        " ".repeat(subjects_width - socred_i18n::words::display_columns(&subjects_word))
    );
    for (name, count) in tiers {
        let share = if total == 0 { 0.0 } else { 100.0 * *count as f64 / total as f64 };
        let tier = socred_i18n::words::padded(name, socred_i18n::words::display_columns(&tier_word).max(4));
        println!("{tier}  {count:>subjects_width$}  {share:>5.1}%  {}", "#".repeat((share / 2.0).round() as usize));
    }
    let system_today = socred_core::date::Moment::at(crate::system_ms(), socred_store::DEFAULT_UTC_OFFSET).map(|m| m.day);
    let as_of_flag = if Some(until) == system_today { String::new() } else { format!(" --as-of {}", format_date(until)) };
    println!("\n{}", t("cli-demo-try"));
    for (example, summary) in examples.iter().zip(shown) {
        let arguments = [
            ("label", text(t(&format!("cli-demo-example-{}", example.label.replace(' ', "-"))))),
            ("name", text(&example.name)),
            ("tier", text(summary["tier"].as_str().unwrap_or("?"))),
            ("score", text(&summary["score"])),
        ];
        println!("  socred{db_flag} show {}{as_of_flag}    # {}", example.id, with("cli-demo-example", &arguments));
    }
    if let Some(defaulter) = examples.iter().find(|example| example.label == "judgment defaulter") {
        println!("  socred{db_flag} score {}    # {}", defaulter.id, t("cli-demo-score-hint"));
    }
    println!("  socred{db_flag} audit verify");
    Ok(())
}
