//! Due-process commands: list, appeal, dispute, repair, file, queue.

use anyhow::Result;
use socred_core::date::format_date;

use socred_core::process::{AppealOutcome, CaseId, DisputeOutcome, EntryId, Event, RepairOutcome};
use socred_core::record::RecordId;
use socred_core::{Date, SubjectId};
use socred_store::backend::FileReads;
use socred_store::{ActOutcome, StoreError};

use crate::LogRead;
use crate::due_words::{notice_document, render_decisions, render_entry, render_notice};
use crate::render::{day, t, text, with};
use crate::store::CliStore;

use crate::cli::{
    ActOutput, AppealCommand, AppealOutcomeArg, Cli, DisputeCommand, DisputeOutcomeArg, ListCommand, RepairCommand, RepairOutcomeArg,
};
use crate::{open, parse_date, parse_subject, print_json, refuse, today};

fn as_of(text: &Option<String>, store: &impl CliStore) -> Result<Date> {
    text.as_deref().map(|d| parse_date("--as-of", d)).transpose().map(|d| d.unwrap_or_else(|| today(store)))
}

fn entry_id(text: &str) -> Result<EntryId> {
    EntryId::parse(text).map_err(|error| crate::refuse_because("ENTRY", socred_i18n::reasons::Cause::Field(error)))
}

fn case_id(field: &str, text: &str) -> Result<CaseId> {
    CaseId::parse(text).map_err(|error| crate::refuse_because(field, socred_i18n::reasons::Cause::Field(error)))
}

/// A new case's id: the one given (which may carry no identity number), or derived.
fn optional_case(field: &str, given: &Option<String>, prefix: &str, parts: &[&str]) -> Result<CaseId> {
    match given {
        Some(text) => {
            socred_core::id::check_client_id(text)
                .map_err(|_| crate::refuse_message(field, socred_store::CLIENT_ID_HOLDS_NUMBER, vec![]))?;
            case_id(field, text)
        }
        None => Ok(CaseId::derive(prefix, parts)),
    }
}

/// Maps the store's refusal of a due-process step to the CLI argument at fault.
fn flag_for(field: &str) -> String {
    match field {
        "on" => "--on".into(),
        "actor" => "--actor".into(),
        "entry" => "ENTRY".into(),
        "appeal" => "APPEAL_ID".into(),
        "dispute" => "DISPUTE_ID".into(),
        "repair" => "REPAIR_ID".into(),
        "record" => "RECORD_ID".into(),
        other => format!("--{}", other.replace('_', "-")),
    }
}

/// Stores the act `event` builds from today's date (the clock's, or --on in
/// a replay store), on the store `--db` names, whichever backend it is on.
fn act(cli: &Cli, subject: Option<&SubjectId>, output: &ActOutput, event: impl FnOnce(Date) -> Result<Event>) -> Result<()> {
    let (outcome, action, key, date) = match cli.db.to_str().filter(|db| socred_store::is_postgres_url(db)) {
        Some(url) => act_on(cli, &mut crate::postgres::open(cli, url)?, subject, event)?,
        None => act_on(cli, &mut open(cli)?, subject, event)?,
    };
    if output.json {
        return print_json(&serde_json::json!({"action": action, "id": key, "on": format_date(date), "result": outcome}));
    }
    match outcome {
        ActOutcome::Stored { subject, audit_seq, voided_record, voided_reward } => {
            let arguments = [
                ("action", text(action_words(action))),
                ("key", text(&key)),
                ("subject", text(subject)),
                ("day", day(date)),
                ("seq", text(audit_seq)),
            ];
            println!("{}", with("cli-act-stored", &arguments));
            if let Some(record) = voided_record {
                println!("{}", with("cli-act-record-void", &[("record", text(record))]));
            }
            if let Some(reward) = voided_reward {
                println!("{}", with("cli-act-reward-void", &[("reward", text(reward))]));
            }
        }
        ActOutcome::Duplicate { .. } => {
            println!("{}", with("cli-act-duplicate", &[("action", text(action_words(action))), ("key", text(&key))]))
        }
    }
    Ok(())
}

/// An act's name in the output's language (`appeal.file` in English, as on the log).
fn action_words(action: &str) -> String {
    crate::render::t(&format!("cli-action-{}", action.replace('.', "-")))
}

/// The act, its action name, its case and its day.
fn act_on(
    cli: &Cli,
    store: &mut impl CliStore,
    subject: Option<&SubjectId>,
    event: impl FnOnce(Date) -> Result<Event>,
) -> Result<(ActOutcome, &'static str, String, Date)> {
    let actor = crate::actor(cli, store)?;
    let date = actor.today();
    let event = event(date)?;
    let (action, key) = (event.action(), event.key().to_string());
    let outcome = store.act(subject, &actor, event).map_err(|error| match error {
        StoreError::Refused(refusal) => match (refusal.refusal, refusal.cause) {
            (Some(rule), _) => crate::refuse_because(&flag_for(refusal.field), socred_i18n::reasons::Cause::Refusal(*rule)),
            (None, Some(cause)) => crate::refuse_because(&flag_for(refusal.field), socred_i18n::reasons::Cause::Field(cause)),
            (None, None) => refuse(&flag_for(refusal.field), refusal.reason),
        },
        StoreError::Invalid { ref field, .. } => crate::refuse_store(&flag_for(field), error),
        other => other.into(),
    })?;
    Ok((outcome, action, key, date))
}

pub fn list(cli: &Cli, command: &ListCommand) -> Result<()> {
    match command {
        ListCommand::Propose { subject, list, legal_basis, facts, case_id, output } => {
            let subject = parse_subject("--subject", subject)?;
            if !list.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-') || list.is_empty() {
                return Err(crate::refuse_message(
                    "--list",
                    "input-not-a-list-code",
                    vec![("code", socred_i18n::Argument::Text(format!("{list:?}")))],
                ));
            }
            act(cli, Some(&subject), output, |date| {
                let case =
                    optional_case("--case-id", case_id, "proposal", &[subject.as_str(), list, legal_basis, facts, &format_date(date)])?;
                let entry = EntryId::for_proposal(list, &case);
                Ok(Event::ListProposed { entry, list: list.clone(), legal_basis: legal_basis.clone(), facts: facts.clone() })
            })
        }
        ListCommand::Serve { entry, output } => {
            let entry = entry_id(entry)?;
            act(cli, None, output, |_| Ok(Event::NoticeServed { entry }))
        }
        ListCommand::Withdraw { entry, reason, output } => {
            let entry = entry_id(entry)?;
            act(cli, None, output, |_| Ok(Event::ListWithdrawn { entry, reason: reason.clone() }))
        }
        ListCommand::Show { entry, as_of: date, purpose, json } => {
            let entry = entry_id(entry)?;
            match cli.db.to_str().filter(|db| socred_store::is_postgres_url(db)) {
                Some(url) => show_entry(cli, &crate::postgres::open(cli, url)?, &entry, date, purpose, *json),
                None => show_entry(cli, &open(cli)?, &entry, date, purpose, *json),
            }
        }
        ListCommand::Notice { entry, purpose, json, pdf } => {
            let entry = entry_id(entry)?;
            let pdf = pdf.as_deref();
            match cli.db.to_str().filter(|db| socred_store::is_postgres_url(db)) {
                Some(url) => show_notice(cli, &crate::postgres::open(cli, url)?, &entry, purpose, *json, pdf),
                None => show_notice(cli, &open(cli)?, &entry, purpose, *json, pdf),
            }
        }
        ListCommand::Public { list, search, authority, region, as_of: date, limit, offset, json } => {
            let filter = socred_store::PublicFilter {
                list: list.clone(),
                search: search.clone(),
                authority: authority.clone(),
                region: region.clone(),
            };
            match cli.db.to_str().filter(|db| socred_store::is_postgres_url(db)) {
                Some(url) => public(&mut crate::postgres::open(cli, url)?, filter, date, *limit, *offset, *json),
                None => public(&mut open(cli)?, filter, date, *limit, *offset, *json),
            }
        }
    }
}

/// `list public`: the published lists on a date, as anyone may read them.
fn public(
    store: &mut impl CliStore,
    filter: socred_store::PublicFilter,
    date: &Option<String>,
    limit: u32,
    offset: u32,
    json: bool,
) -> Result<()> {
    let date = as_of(date, store)?;
    let mut filter = filter.checked().map_err(|(field, cause)| crate::refuse_because(&format!("--{field}"), cause))?;
    // The list names an authority in the reader's language: its Chinese name finds it too.
    if let Some(known) =
        filter.authority.as_deref().and_then(|name| store.rulebook().authorities.iter().find(|known| known.name_zh == name))
    {
        filter.authority = Some(known.name.clone());
    }
    if let Some(code) = filter.list.as_deref().filter(|code| store.rulebook().list(code).is_none()) {
        return Err(crate::refuse_message(
            "--list",
            "input-unknown-list",
            vec![("code", socred_i18n::Argument::Text(format!("{code:?}")))],
        ));
    }
    let entries = store.public_list(date, &filter, limit, offset)?;
    if json {
        return print_json(&entries);
    }
    println!("{}", with("cli-published", &[("day", day(date)), ("count", text(entries.len()))]));
    let language = crate::render::language();
    for entry in entries {
        let arguments = [
            ("columns", text(format!("{:<9} {} {:<18}", entry.list, socred_i18n::words::padded(&entry.name, 22), entry.masked_id))),
            ("since", day(entry.listed_since)),
            ("until", text(entry.listed_until.map(|until| language.date(until)).unwrap_or_else(|| "-".into()))),
            ("authority", text(socred_i18n::notice::authority(language, store.rulebook(), &entry.authority))),
            ("basis", text(socred_i18n::notice::legal_basis(language, store.rulebook(), &entry.list, &entry.legal_basis))),
        ];
        println!("  {}", with("cli-published-row", &arguments));
    }
    Ok(())
}

/// `list show`: an entry on a date, its read logged.
fn show_entry(cli: &Cli, store: &impl CliStore, entry: &EntryId, date: &Option<String>, purpose: &str, json: bool) -> Result<()> {
    let date = as_of(date, store)?;
    let found = store.entry(entry, date)?;
    store.log_read_by(&crate::actor(cli, store)?, &found.subject, purpose, &format!("list entry {entry}")).map_err(crate::purpose_error)?;
    if json {
        print_json(&found)
    } else {
        print!("{}", render_entry(&found, date, store.rulebook()));
        Ok(())
    }
}

/// `list notice`: the written notice of an entry, its read logged.
fn show_notice(cli: &Cli, store: &impl CliStore, entry: &EntryId, purpose: &str, json: bool, pdf: Option<&std::path::Path>) -> Result<()> {
    let found = store.entry(entry, Date::MAX)?;
    let Some(notice) = found.notice.clone() else {
        let arguments = vec![
            ("entry", socred_i18n::Argument::Text(entry.to_string())),
            ("state", socred_i18n::Argument::Message(format!("entry-state-{}", found.state.as_str()))),
        ];
        return Err(crate::refuse_message("ENTRY", "input-no-notice-served", arguments));
    };
    let info = store.subject_info(&found.subject)?.ok_or_else(|| StoreError::UnknownSubject(found.subject.to_string()))?;
    // The fonts are found and the file made before the read is logged: a PDF
    // that cannot be written is refused before anything is stored. The file
    // holds a full identity number: only its owner may read it.
    let pdf = match pdf {
        Some(path) => {
            let fonts = socred_pdf::Fonts::discover(|variable| std::env::var(variable).ok()).map_err(pdf_refusal)?;
            let file = private_file(path).map_err(|error| refuse("--pdf", format!("{}: {error}", path.display())))?;
            Some((path, file, fonts))
        }
        None => None,
    };
    store.log_read_by(&crate::actor(cli, store)?, &found.subject, purpose, &format!("notice {entry}")).map_err(crate::purpose_error)?;
    let portal = crate::public_url(cli)?;
    if let Some((path, mut file, fonts)) = pdf {
        use std::io::Write;
        let language = crate::render::language();
        let document = notice_document(&info, &notice, store.rulebook(), portal.as_deref());
        let bytes = socred_pdf::notice_pdf(&document, &fonts, language.tag())?;
        file.write_all(&bytes).and_then(|()| file.sync_all()).map_err(|error| refuse("--pdf", format!("{}: {error}", path.display())))?;
        eprintln!(
            "{}",
            with(
                "cli-notice-pdf-written",
                &[("path", text(path.display().to_string())), ("bytes", socred_i18n::Argument::Number(bytes.len() as i64))]
            )
        );
    }
    if json {
        print_json(&serde_json::json!({"to": {"name": info.name, "id": info.id}, "notice": notice}))
    } else {
        print!("{}", render_notice(&info, &notice, store.rulebook(), portal.as_deref()));
        Ok(())
    }
}

/// A new file (or one emptied) that only its owner may read and write.
fn private_file(path: &std::path::Path) -> std::io::Result<std::fs::File> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options.open(path)
}

pub fn appeal(cli: &Cli, command: &AppealCommand) -> Result<()> {
    match command {
        AppealCommand::File { entry, grounds, appeal_id, output } => {
            let entry = entry_id(entry)?;
            act(cli, None, output, |date| {
                let appeal = optional_case("--appeal-id", appeal_id, "appeal", &[entry.as_str(), grounds, &cli.actor, &format_date(date)])?;
                Ok(Event::AppealFiled { appeal, entry, grounds: grounds.clone() })
            })
        }
        AppealCommand::Decide { appeal_id, outcome, reasons, output } => {
            let outcome = match outcome {
                AppealOutcomeArg::Uphold => AppealOutcome::Uphold,
                AppealOutcomeArg::Overturn => AppealOutcome::Overturn,
            };
            let appeal = case_id("APPEAL_ID", appeal_id)?;
            act(cli, None, output, |_| Ok(Event::AppealDecided { appeal, outcome, reasons: reasons.clone() }))
        }
    }
}

pub fn dispute(cli: &Cli, command: &DisputeCommand) -> Result<()> {
    match command {
        DisputeCommand::File { record_id, grounds, dispute_id, output } => {
            let record = RecordId::parse(record_id)
                .map_err(|error| crate::refuse_because("RECORD_ID", socred_i18n::reasons::Cause::Field(error)))?;
            act(cli, None, output, |date| {
                let dispute =
                    optional_case("--dispute-id", dispute_id, "dispute", &[record.as_str(), grounds, &cli.actor, &format_date(date)])?;
                Ok(Event::DisputeFiled { dispute, record, grounds: grounds.clone() })
            })
        }
        DisputeCommand::Decide { dispute_id, outcome, reasons, output } => {
            let outcome = match outcome {
                DisputeOutcomeArg::Uphold => DisputeOutcome::Uphold,
                DisputeOutcomeArg::Reject => DisputeOutcome::Reject,
            };
            let dispute = case_id("DISPUTE_ID", dispute_id)?;
            act(cli, None, output, |_| Ok(Event::DisputeDecided { dispute, outcome, reasons: reasons.clone() }))
        }
    }
}

pub fn repair(cli: &Cli, command: &RepairCommand) -> Result<()> {
    match command {
        RepairCommand::Apply { entry, evidence, commitment, repair_id, output } => {
            let entry = entry_id(entry)?;
            act(cli, None, output, |date| {
                let repair =
                    optional_case("--repair-id", repair_id, "repair", &[entry.as_str(), evidence, &cli.actor, &format_date(date)])?;
                Ok(Event::RepairApplied { repair, entry, evidence: evidence.clone(), commitment: commitment.clone() })
            })
        }
        RepairCommand::Decide { repair_id, outcome, reasons, output } => {
            let outcome = match outcome {
                RepairOutcomeArg::Approve => RepairOutcome::Approve,
                RepairOutcomeArg::Refuse => RepairOutcome::Refuse,
            };
            let repair = case_id("REPAIR_ID", repair_id)?;
            act(cli, None, output, |_| Ok(Event::RepairDecided { repair, outcome, reasons: reasons.clone() }))
        }
    }
}

/// `mail`: the subject's e-mail-ready texts in the output's language.
pub fn mail(cli: &Cli, id: &str, purpose: &str, json: bool) -> Result<()> {
    let id = parse_subject("ID", id)?;
    let portal = crate::public_url(cli)?;
    let portal = portal.as_deref();
    match cli.db.to_str().filter(|db| socred_store::is_postgres_url(db)) {
        Some(url) => mail_on(cli, &crate::postgres::open(cli, url)?, id, portal, purpose, json),
        None => mail_on(cli, &open(cli)?, id, portal, purpose, json),
    }
}

fn mail_on(cli: &Cli, store: &impl CliStore, id: SubjectId, portal: Option<&str>, purpose: &str, json: bool) -> Result<()> {
    let today = crate::read_dates(store, None, None)?.0;
    let info = store.subject(&id)?.ok_or_else(|| StoreError::UnknownSubject(id.to_string()))?;
    store.log_read_by(&crate::actor(cli, store)?, &id, purpose, "e-mail-ready texts").map_err(crate::purpose_error)?;
    let due = store.due_process(&id, today)?;
    let letters = socred_i18n::mail::letters(crate::render::language(), store.rulebook(), &info.name, &due, portal);
    if json {
        let letters: Vec<serde_json::Value> = letters
            .iter()
            .map(|mail| {
                serde_json::json!({
                    "kind": mail.kind.as_str(), "about": mail.about, "on": format_date(mail.on), "language": mail.language.tag(),
                    "subject": mail.subject, "body": mail.body, "message": mail.to_message(),
                })
            })
            .collect();
        return print_json(&serde_json::json!({ "subject": id, "mail": letters }));
    }
    for (index, mail) in letters.iter().enumerate() {
        if index > 0 {
            println!("{}", "-".repeat(78));
        }
        print!("{}", mail.to_message().replace("\r\n", "\n"));
    }
    Ok(())
}

pub fn file(cli: &Cli, id: &str, as_of_text: &Option<String>, known_on: &Option<String>, purpose: &str, json: bool) -> Result<()> {
    let id = parse_subject("ID", id)?;
    match cli.db.to_str().filter(|db| socred_store::is_postgres_url(db)) {
        Some(url) => file_on(cli, &crate::postgres::open(cli, url)?, id, as_of_text, known_on, purpose, json),
        None => file_on(cli, &open(cli)?, id, as_of_text, known_on, purpose, json),
    }
}

fn file_on(
    cli: &Cli,
    store: &impl CliStore,
    id: SubjectId,
    as_of_text: &Option<String>,
    known_on: &Option<String>,
    purpose: &str,
    json: bool,
) -> Result<()> {
    let (date, known_on) = crate::read_dates(store, as_of_text.as_deref(), known_on.as_deref())?;
    let info = store.subject(&id)?.ok_or_else(|| StoreError::UnknownSubject(id.to_string()))?;
    // The read is logged before it is answered, so the file shows it.
    store.log_read_by(&crate::actor(cli, store)?, &id, purpose, "file").map_err(crate::purpose_error)?;
    let (assessment, due, decisions) = match known_on {
        Some(day) => {
            let known = store.known_on(day)?;
            (known.assessment(&id, date)?, known.due_process(&id, date)?, known.decide_all(&id, date)?)
        }
        None => (FileReads::assessment(store, &id, date)?, store.due_process(&id, date)?, store.decide_all(&id, date)?),
    };
    let accesses = store.accesses(&id)?;
    let checks = store.checks_of(&id)?;
    let reports_about = store.reports_about(&id, socred_store::MAX_PAGE)?;
    let reports_filed = store.reports_by(&id, socred_store::MAX_PAGE)?;
    if json {
        return print_json(&serde_json::json!({
            "subject": info, "assessment": assessment, "list_entries": due.entries,
            "disputes": due.disputes, "accesses": accesses, "decisions": decisions, "checks": checks,
            "reports_about": reports_about, "reports_filed": reports_filed,
        }));
    }
    print!("{}", crate::render::assessment(&info, &assessment, store.rulebook()));
    let words = socred_i18n::words::Words::new(crate::render::language(), store.rulebook());
    println!("\n{}", with("cli-file-entries", &[("count", text(due.entries.len()))]));
    for entry in &due.entries {
        print!("{}", render_entry(entry, date, store.rulebook()));
    }
    println!("\n{}", with("cli-file-disputes", &[("count", text(due.disputes.len()))]));
    for dispute in &due.disputes {
        let decision = match &dispute.decision {
            Some(d) => with(
                "cli-file-dispute-decided",
                &[
                    ("day", day(d.on)),
                    ("by", text(&d.by)),
                    ("outcome", text(words.t(socred_i18n::words::dispute_outcome_message(d.outcome)))),
                    ("reasons", text(&d.reasons)),
                ],
            ),
            None if dispute.overdue => with("cli-file-dispute-overdue", &[("day", day(dispute.decide_by))]),
            None => with("cli-file-dispute-pending", &[("day", day(dispute.decide_by))]),
        };
        let arguments = [
            ("id", text(&dispute.id)),
            ("record", text(&dispute.record)),
            ("filed", day(dispute.filed_on)),
            ("by", text(&dispute.by)),
            ("grounds", text(&dispute.grounds)),
            ("decision", text(decision)),
        ];
        println!("  {}", with("cli-file-dispute", &arguments));
    }
    println!("\n{}", with("cli-file-may", &[("name", text(&info.name)), ("day", day(date))]));
    print!("{}", render_decisions(&decisions, store.rulebook()));
    println!("\n{}", with("cli-file-checks", &[("count", text(checks.len()))]));
    for check in &checks {
        let outcome = socred_i18n::words::code_in_language(words.language, "check-outcome", &check.outcome);
        println!("  {}  {}  {} -> {} {}", check.at, check.provider, words.service(&check.service), outcome, check.reasons.join(","));
    }
    println!("\n{}", with("cli-file-reports-about", &[("name", text(&info.name)), ("count", text(reports_about.len()))]));
    for report in &reports_about {
        let arguments = [
            ("id", text(&report.id)),
            ("behaviour", text(words.behaviour_title(&report.behaviour))),
            ("day", day(report.occurred_on)),
            ("description", text(&report.description)),
            ("record", text(report.record_id.as_deref().unwrap_or("-"))),
            ("evidence", text(report.evidence.iter().map(|e| e.hash.as_str()).collect::<Vec<_>>().join(", "))),
        ];
        println!("  {}", with("cli-file-report-about", &arguments));
    }
    println!("\n{}", with("cli-file-reports-filed", &[("name", text(&info.name)), ("count", text(reports_filed.len()))]));
    for report in &reports_filed {
        let arguments = [
            ("id", text(&report.id)),
            ("subject", text(report.subject)),
            ("behaviour", text(words.behaviour_title(&report.behaviour))),
            ("state", text(socred_i18n::words::code_in_language(words.language, "report-state", report.state.as_str()))),
        ];
        println!("  {}", with("cli-file-report-filed", &arguments));
    }
    println!("\n{}", with("cli-file-accesses", &[("count", text(accesses.len()))]));
    for access in &accesses {
        let language = crate::render::language();
        let (what, purpose) = (socred_i18n::access::text(language, &access.what), socred_i18n::access::text(language, &access.purpose));
        println!("  {}  {}  {what} ({purpose})", access.at, access.actor);
    }
    Ok(())
}

pub fn queue(cli: &Cli, as_of_text: &Option<String>, overdue_only: bool, json: bool) -> Result<()> {
    match cli.db.to_str().filter(|db| socred_store::is_postgres_url(db)) {
        Some(url) => queue_of(&crate::postgres::open(cli, url)?, as_of_text, overdue_only, json),
        None => queue_of(&open(cli)?, as_of_text, overdue_only, json),
    }
}

fn queue_of(store: &impl CliStore, as_of_text: &Option<String>, overdue_only: bool, json: bool) -> Result<()> {
    let date = as_of(as_of_text, store)?;
    let mut queue = store.queue(date)?;
    if overdue_only {
        queue.appeals.retain(|q| q.item.overdue);
        queue.disputes.retain(|q| q.item.overdue);
        queue.repairs.retain(|q| q.item.overdue);
        queue.proposals.clear();
    }
    if json {
        return print_json(&queue);
    }
    let flag = |overdue: bool| if overdue { format!("  {}", t("cli-queue-overdue")) } else { String::new() };

    println!("{}", with("cli-queue", &[("day", day(date))]));
    println!("{}", with("cli-queue-appeals", &[("count", text(queue.appeals.len()))]));
    for q in &queue.appeals {
        let a = &q.item;
        let arguments = [
            ("id", text(&a.id)),
            ("instance", text(a.instance)),
            ("entry", text(&a.entry)),
            ("name", text(&q.subject.name)),
            ("subject", text(q.subject.id)),
            ("filed", day(a.filed_on)),
            ("by", day(a.decide_by)),
        ];
        println!("  {}{}", with("cli-queue-appeal", &arguments), flag(a.overdue));
    }
    println!("{}", with("cli-queue-disputes", &[("count", text(queue.disputes.len()))]));
    for q in &queue.disputes {
        let d = &q.item;
        let arguments = [
            ("id", text(&d.id)),
            ("record", text(&d.record)),
            ("name", text(&q.subject.name)),
            ("subject", text(q.subject.id)),
            ("filed", day(d.filed_on)),
            ("by", day(d.decide_by)),
        ];
        println!("  {}{}", with("cli-queue-dispute", &arguments), flag(d.overdue));
    }
    println!("{}", with("cli-queue-repairs", &[("count", text(queue.repairs.len()))]));
    for q in &queue.repairs {
        let r = &q.item;
        let arguments = [
            ("id", text(&r.id)),
            ("entry", text(&r.entry)),
            ("name", text(&q.subject.name)),
            ("subject", text(q.subject.id)),
            ("applied", day(r.applied_on)),
            ("by", day(r.decide_by)),
        ];
        println!("  {}{}", with("cli-queue-repair", &arguments), flag(r.overdue));
    }
    println!("{}", with("cli-queue-proposals", &[("count", text(queue.proposals.len()))]));
    let language = crate::render::language();
    for q in &queue.proposals {
        let arguments = [
            ("id", text(&q.item.id)),
            ("name", text(&q.subject.name)),
            ("subject", text(q.subject.id)),
            ("proposed", day(q.item.started_on)),
            ("authority", text(socred_i18n::notice::authority(language, store.rulebook(), &q.item.authority))),
        ];
        println!("  {}", with("cli-queue-proposal", &arguments));
    }
    Ok(())
}

/// Why no PDF can be made here, in the reader's language.
fn pdf_refusal(error: socred_pdf::PdfError) -> anyhow::Error {
    use socred_i18n::Argument;
    match error {
        socred_pdf::PdfError::NoFont { han, searched } => crate::refuse_message(
            "--pdf",
            if han { "input-pdf-no-han-font" } else { "input-pdf-no-latin-font" },
            vec![("searched", Argument::Text(searched))],
        ),
        socred_pdf::PdfError::Font { path, reason } => crate::refuse_message(
            "--pdf",
            "input-pdf-bad-font",
            vec![("path", Argument::Text(path.display().to_string())), ("detail", Argument::Text(reason))],
        ),
        other => refuse("--pdf", other),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use socred_i18n::Language;

    #[test]
    fn a_missing_pdf_font_is_said_in_either_language() {
        for (han, chinese, english) in [(true, "含汉字的字体", "a face with Han characters"), (false, "拉丁字母字体", "a Latin face")]
        {
            let error = pdf_refusal(socred_pdf::PdfError::NoFont { han, searched: "/usr/share/fonts/x.ttf".into() });
            let refusal = error.downcast_ref::<crate::Refusal>().expect("a refusal");
            assert_eq!(refusal.field, "--pdf");
            let cause = refusal.cause.as_ref().expect("typed");
            assert!(cause.text(Language::Chinese).contains(chinese) && cause.text(Language::Chinese).contains("/usr/share/fonts/x.ttf"));
            assert!(cause.text(Language::English).contains(english));
        }
    }
}
