//! `socred report …`, `socred partner …` and `socred import --partner`.

use std::io::Read;
use std::path::Path;

use anyhow::Result;
use socred_ingest::Format;
use socred_store::{NewReport, PartnerBatch, PartnerScope, ReportOutcome, ReportView, Reviewer, StoreError};

use crate::cli::{Cli, PartnerCommand, ReportCommand};
use crate::render::{day, t, text, with};
use crate::store::CliStore;
use crate::{actor, open, parse_date, parse_subject, print_json, refuse};

/// A report's state in the output's language: the code in English (as the
/// API and scripts know it), the page's words in Chinese.
fn state_words(state: &str) -> String {
    match crate::render::language() {
        socred_i18n::Language::English => state.to_string(),
        language => {
            let id = format!("report-state-{state}");
            if socred_i18n::message_ids(language).contains(&id) { language.text(&id) } else { state.to_string() }
        }
    }
}

fn render_report(view: &ReportView) -> String {
    let mut out = with(
        "cli-report-head",
        &[
            ("id", text(&view.id)),
            ("state", text(state_words(&view.state))),
            ("subject", text(view.subject)),
            ("behaviour", text(&view.behaviour)),
            ("day", day(view.occurred_on)),
            ("filed", day(view.filed_on)),
        ],
    );
    out.push_str(&format!("\n  {}\n", view.description));
    if let Some(reporter) = view.reporter {
        out.push_str(&format!("  {}", with("cli-report-reporter", &[("reporter", text(reporter))])));
        if let Some(stats) = view.reporter_stats {
            out.push_str(&with(
                "cli-report-reporter-stats",
                &[
                    ("filed", text(stats.filed)),
                    ("verified", text(stats.verified)),
                    ("rejected", text(stats.rejected)),
                    ("malicious", text(stats.malicious)),
                    ("share", text(format!("{:.0}%", stats.malicious_share * 100.0))),
                ],
            ));
        }
        out.push('\n');
    }
    for evidence in &view.evidence {
        let arguments = [("hash", text(&evidence.hash)), ("type", text(&evidence.media_type)), ("bytes", text(evidence.bytes))];
        out.push_str(&format!("  {}\n", with("cli-report-evidence", &arguments)));
    }
    if !view.same_facts.is_empty() {
        out.push_str(&format!("  {}\n", with("cli-report-same-facts", &[("reports", text(view.same_facts.join(", ")))])));
    }
    for event in &view.history {
        let reasons = if event.reasons.is_empty() { String::new() } else { format!(": {}", event.reasons) };
        let arguments =
            [("day", day(event.on)), ("state", text(state_words(&event.state))), ("actor", text(&event.actor)), ("reasons", text(reasons))];
        out.push_str(&format!("  {}\n", with("cli-report-event", &arguments)));
    }
    if let Some(record) = &view.record_id {
        out.push_str(&format!("  {}\n", with("cli-report-became-record", &[("record", text(record))])));
    }
    if let Some(record) = &view.reporter_record_id {
        out.push_str(&format!("  {}\n", with("cli-report-reporters-record", &[("record", text(record))])));
    }
    out
}

fn show(view: &ReportView, json: bool) -> Result<()> {
    if json {
        print_json(view)
    } else {
        print!("{}", render_report(view));
        Ok(())
    }
}

/// The PostgreSQL URL `--db` names, if it names one.
fn postgres_url(cli: &Cli) -> Option<&str> {
    cli.db.to_str().filter(|db| socred_store::is_postgres_url(db))
}

pub fn report(cli: &Cli, command: &ReportCommand) -> Result<()> {
    match postgres_url(cli) {
        Some(url) => report_on(cli, &mut crate::postgres::open(cli, url)?, command),
        None => report_on(cli, &mut open(cli)?, command),
    }
}

fn report_on(cli: &Cli, store: &mut impl CliStore, command: &ReportCommand) -> Result<()> {
    match command {
        ReportCommand::Annual { .. } => unreachable!("dispatched in main"),
        ReportCommand::File { reporter, subject, behaviour, at, description, evidence, report_id, output } => {
            let reporter = parse_subject("--reporter", reporter)?;
            let subject = parse_subject("--subject", subject)?;
            let occurred_on = parse_date("--at", at)?;
            let actor = actor(cli, store)?;
            let limit = CliStore::rulebook(store).reporting.evidence_max_bytes;
            let mut hashes = Vec::new();
            for path in evidence {
                let data = read_limited(path, limit)?;
                let info = store.add_evidence(&data, &actor).map_err(|e| match e {
                    StoreError::Invalid { cause: Some(cause), .. } => {
                        let words = cause.text(crate::render::language());
                        refuse("--evidence", format!("{}: {words}", path.display()))
                    }
                    StoreError::Invalid { reason, .. } => refuse("--evidence", format!("{}: {reason}", path.display())),
                    other => other.into(),
                })?;
                hashes.push(info.hash);
            }
            let report = NewReport {
                id: report_id.clone(),
                reporter,
                subject,
                behaviour: behaviour.clone(),
                occurred_on,
                description: description.clone(),
                evidence: hashes,
            };
            let view = store.file_report(&report, &actor).map_err(|error| match error {
                // A rule of reporting, in the reader's language, named by the flag it came from.
                StoreError::Invalid { field, cause: Some(cause), .. } => crate::refuse_because(&format!("--{field}"), *cause),
                other => other.into(),
            })?;
            show(&view, output.json)
        }
        ReportCommand::Review { id, output } => {
            let view = store.review_report(id, &Reviewer { actor: actor(cli, store)?, subject: None })?;
            show(&view, output.json)
        }
        ReportCommand::Decide { id, outcome, reasons, output } => {
            let outcome =
                ReportOutcome::parse(outcome).ok_or_else(|| crate::refuse_message("--outcome", "input-report-outcome", vec![]))?;
            let view = store.decide_report(id, outcome, reasons, &Reviewer { actor: actor(cli, store)?, subject: None })?;
            show(&view, output.json)
        }
        ReportCommand::Show { id, json } => {
            let view = store.report(id)?.ok_or_else(|| StoreError::NotFound(format!("report {id}")))?;
            show(&view, *json)
        }
        ReportCommand::Queue { json } => {
            let queue = store.report_queue(socred_store::MAX_PAGE)?;
            if *json {
                return print_json(&queue);
            }
            if queue.is_empty() {
                println!("{}", t("cli-no-open-reports"));
            }
            for view in &queue {
                print!("{}", render_report(view));
            }
            Ok(())
        }
        ReportCommand::Metrics { json } => {
            let reports = store.report_metrics()?;
            let partners = store.partner_metrics()?;
            if *json {
                return print_json(&serde_json::json!({"reports": reports, "partners": partners}));
            }
            for (state, count) in &reports.by_state {
                let state = crate::render::t(&format!("report-state-{state}"));
                println!(
                    "{}",
                    with("cli-reports-in-state", &[("state", text(socred_i18n::words::padded(&state, 13))), ("count", text(count))])
                );
            }
            let hours = |h: Option<f64>| h.map_or("-".to_string(), |h| format!("{h:.1} h"));
            println!(
                "{}",
                with(
                    "cli-report-decision-time",
                    &[
                        ("decided", text(reports.decided)),
                        ("median", text(hours(reports.decision_hours_p50))),
                        ("p90", text(hours(reports.decision_hours_p90))),
                        ("max", text(hours(reports.decision_hours_max))),
                    ]
                )
            );
            for p in &partners {
                println!(
                    "{}",
                    with(
                        "cli-report-partner",
                        &[
                            ("partner", text(&p.partner)),
                            ("batches", text(p.batches)),
                            ("refused", text(p.batches_refused)),
                            ("lines", text(p.lines)),
                            ("mean", text(format!("{:.0}", p.mean_batch_lines))),
                            ("accepted", text(p.accepted)),
                            ("pending", text(p.pending_review)),
                            ("rejected", text(p.rejected)),
                            ("rate", text(format!("{:.1}%", p.rejection_rate * 100.0))),
                        ]
                    )
                );
            }
            Ok(())
        }
    }
}

fn read_limited(path: &Path, limit: u64) -> Result<Vec<u8>> {
    let file = std::fs::File::open(path).map_err(|e| refuse("--evidence", format!("{}: {e}", path.display())))?;
    let mut data = Vec::new();
    file.take(limit + 1).read_to_end(&mut data).map_err(|e| refuse("--evidence", format!("{}: {e}", path.display())))?;
    if data.len() as u64 > limit {
        let arguments =
            vec![("path", socred_i18n::Argument::Text(path.display().to_string())), ("max", socred_i18n::Argument::Number(limit as i64))];
        return Err(crate::refuse_message("--evidence", "input-evidence-file-too-large", arguments));
    }
    Ok(data)
}

fn print_receipt(receipt: &PartnerBatch, json: bool) -> Result<()> {
    if json {
        print_json(receipt)?;
    } else {
        // A stored receipt keeps each reason in English and in Chinese.
        let chinese = crate::render::language() == socred_i18n::Language::Chinese;
        let problems = receipt.errors.iter().map(|e| {
            let (field, reason) = e.words(chinese);
            (e.line, field, reason, None)
        });
        crate::print_import_problems(problems, receipt.errors_not_listed);
        let arguments = [
            ("partner", text(&receipt.partner)),
            ("batch", text(&receipt.batch_id)),
            ("lines", text(receipt.lines)),
            ("accepted", text(receipt.accepted)),
            ("duplicates", text(receipt.duplicates)),
            ("pending", text(receipt.pending_review)),
            ("rejected", text(receipt.rejected)),
        ];
        println!("{}", with("cli-partner-receipt", &arguments));
        if receipt.replayed {
            println!("{}", t("cli-partner-receipt-replayed"));
        } else if !receipt.stored {
            println!("{}", t("cli-partner-receipt-nothing-stored"));
        }
    }
    if !receipt.stored && !receipt.replayed {
        let arguments = [("rejected", text(receipt.rejected)), ("lines", text(receipt.lines))];
        return Err(refuse("FILE", with("cli-partner-batch-invalid", &arguments)));
    }
    Ok(())
}

pub fn import_partner(cli: &Cli, file: &Path, partner: &str, batch_id: Option<&str>, skip_invalid: bool, json: bool) -> Result<()> {
    if Format::from_path(file) == Some(Format::Csv) {
        return Err(crate::refuse_message("--partner", "input-partner-ndjson", vec![]));
    }
    let data = std::fs::read(file).map_err(|e| refuse("FILE", format!("{}: {e}", file.display())))?;
    match postgres_url(cli) {
        Some(url) => import_partner_on(cli, &mut crate::postgres::open(cli, url)?, &data, partner, batch_id, skip_invalid, json),
        None => import_partner_on(cli, &mut open(cli)?, &data, partner, batch_id, skip_invalid, json),
    }
}

fn import_partner_on(
    cli: &Cli,
    store: &mut impl CliStore,
    data: &[u8],
    partner: &str,
    batch_id: Option<&str>,
    skip_invalid: bool,
    json: bool,
) -> Result<()> {
    let account = store.account(partner)?.ok_or_else(|| {
        crate::refuse_message("--partner", "input-no-account", vec![("username", socred_i18n::Argument::Text(format!("{partner:?}")))])
    })?;
    if account.role != socred_auth::Role::Partner {
        let arguments = vec![
            ("partner", socred_i18n::Argument::Text(partner.to_string())),
            ("role", socred_i18n::Argument::Message(format!("role-{}", account.role))),
        ];
        return Err(crate::refuse_message("--partner", "input-not-a-partner", arguments));
    }
    let scope = PartnerScope {
        username: account.username.clone(),
        source: account.authority.clone().unwrap_or_else(|| account.username.clone()),
        behaviours: account.behaviours.clone(),
    };
    let batch_id = socred_ingest::batch_id_of(batch_id, data).map_err(|cause| crate::refuse_because("--batch-id", cause))?;
    let actor = actor(cli, store)?;
    let receipt =
        socred_ingest::import_partner(store, data, Format::Ndjson, skip_invalid, &scope, &batch_id, actor.moment().unix_ms, &actor)
            .map_err(|e| match e {
                socred_ingest::IngestError::Store(store) => store.into(),
                other => anyhow::Error::from(other),
            })?;
    print_receipt(&receipt, json)
}

pub fn partner(cli: &Cli, command: &PartnerCommand) -> Result<()> {
    match postgres_url(cli) {
        Some(url) => partner_on(cli, &mut crate::postgres::open(cli, url)?, command),
        None => partner_on(cli, &mut open(cli)?, command),
    }
}

fn partner_on(cli: &Cli, store: &mut impl CliStore, command: &PartnerCommand) -> Result<()> {
    match command {
        PartnerCommand::Pending { json } => {
            let pending = store.pending_records(socred_store::MAX_PAGE)?;
            if *json {
                return print_json(&pending);
            }
            if pending.is_empty() {
                println!("{}", t("cli-no-pending-records"));
            }
            for p in &pending {
                let arguments = [
                    ("record", text(&p.record_id)),
                    ("partner", text(&p.partner)),
                    ("subject", text(p.subject)),
                    ("behaviour", text(crate::render::behaviour_by_code(store.rulebook(), &p.behaviour))),
                    ("day", crate::render::day(p.occurred_on)),
                ];
                println!("{}", with("cli-pending-record", &arguments));
            }
            Ok(())
        }
        PartnerCommand::Confirm { record_id, reasons, json } | PartnerCommand::Reject { record_id, reasons, json } => {
            let confirm = matches!(command, PartnerCommand::Confirm { .. });
            let changed = store.decide_pending(record_id, confirm, reasons, &actor(cli, store)?)?;
            let outcome = if confirm { "confirmed" } else { "rejected" };
            if *json {
                return print_json(&serde_json::json!({"record_id": record_id, "outcome": outcome, "changed": changed.is_some()}));
            }
            let message = match (&changed, confirm) {
                (Some(_), true) => "cli-pending-confirmed",
                (Some(_), false) => "cli-pending-rejected",
                (None, true) => "cli-pending-already-confirmed",
                (None, false) => "cli-pending-already-rejected",
            };
            let subject = changed.map(|subject| subject.to_string()).unwrap_or_default();
            println!("{}", with(message, &[("record", text(record_id)), ("subject", text(subject))]));
            Ok(())
        }
        PartnerCommand::Batches { partner, limit, json } => {
            let batches = store.partner_batches(partner.as_deref(), *limit)?;
            if *json {
                return print_json(&batches);
            }
            for b in &batches {
                let arguments = [
                    ("partner", text(&b.partner)),
                    ("batch", text(&b.batch_id)),
                    ("lines", text(b.lines)),
                    ("accepted", text(b.accepted)),
                    ("duplicates", text(b.duplicates)),
                    ("pending", text(b.pending_review)),
                    ("rejected", text(b.rejected)),
                ];
                println!("{}", with(if b.stored { "cli-partner-batch-line" } else { "cli-partner-batch-line-refused" }, &arguments));
            }
            Ok(())
        }
    }
}
