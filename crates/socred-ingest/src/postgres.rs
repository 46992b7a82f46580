//! Importing into PostgreSQL: the same parsing thread as the embedded
//! store's import, and a writer that hands each parsed batch to the store in
//! one `COPY`, all in one transaction with one audit entry.

use std::io::BufRead;

use socred_store::{Actor, PgStore, RowOutcome};

use crate::{
    BATCH_ROWS, Format, ImportOptions, ImportReport, IngestError, Item, MAX_LISTED_ERRORS, Parser, QUEUE_BATCHES, Rejects, RowError, Sink,
    Stopped, read_csv, read_ndjson,
};

/// Rows handed to the store at once.
const COPY_ROWS: usize = 16_384;

fn listed(report: &mut ImportReport, line: u64, field: &str, reason: String, kind: Option<socred_core::record::ProblemKind>) {
    if report.errors.len() < MAX_LISTED_ERRORS {
        report.errors.push(RowError { line, field: field.to_string(), reason, kind });
    } else {
        report.errors_not_listed += 1;
    }
}

/// Imports one file into a PostgreSQL store (see [`crate::import`]).
pub fn import_postgres(
    store: &PgStore,
    reader: impl BufRead + Send,
    options: ImportOptions,
    actor: &Actor,
    file_label: &str,
    rejects: Option<&mut dyn Rejects>,
    progress: &mut dyn FnMut(u64),
) -> Result<ImportReport, IngestError> {
    let rulebook = store.rulebook().clone();
    let keep_raw = options.skip_invalid && rejects.is_some();
    let mut rejects = if options.skip_invalid { rejects } else { None };
    let mut session = store.begin_import(actor, "records.import")?;
    let mut report = ImportReport {
        rows: 0,
        inserted: 0,
        duplicates: 0,
        rejected_rows: 0,
        committed: false,
        audit_seq: None,
        errors: Vec::new(),
        errors_not_listed: 0,
        pending_review: 0,
    };
    let (sender, receiver) = std::sync::mpsc::sync_channel::<Vec<Item>>(QUEUE_BATCHES);
    let (parsed, written) = std::thread::scope(|scope| {
        let parser = scope.spawn(move || -> Result<(), IngestError> {
            let sink = Sink::Writer(sender);
            let mut parser =
                Parser { rulebook, today: actor.today(), partner: None, keep_raw, batch: Vec::with_capacity(BATCH_ROWS), sink };
            let result = match options.format {
                Format::Ndjson => read_ndjson(&mut parser, reader),
                Format::Csv => read_csv(&mut parser, reader),
            };
            match result {
                Ok(Ok(())) => {
                    let _ = parser.flush();
                    Ok(())
                }
                Ok(Err(Stopped)) => Ok(()),
                Err(error) => Err(error),
            }
        });
        // The store judges a batch's valid records at once; the verdicts are
        // then taken in line order, so the errors and the rejects file keep it.
        let mut write = |batch: Vec<Item>| -> Result<(), IngestError> {
            let records: Vec<_> =
                batch.iter().filter_map(|item| if let Item::Valid { record, .. } = item { Some(record.clone()) } else { None }).collect();
            let mut outcomes = session.push(&records)?.into_iter();
            for item in batch {
                let (line, problems, raw) = match item {
                    Item::Progress(bytes) => {
                        progress(bytes);
                        continue;
                    }
                    Item::RejectsHeader(header) => {
                        if let Some(rejects) = rejects.as_mut() {
                            rejects.reject(&header)?;
                        }
                        continue;
                    }
                    Item::Invalid { line, problems, raw } => (line, problems, raw),
                    Item::Valid { line, raw, .. } => match outcomes.next().expect("an outcome a valid record") {
                        RowOutcome::Inserted => {
                            report.rows += 1;
                            report.inserted += 1;
                            continue;
                        }
                        RowOutcome::Duplicate => {
                            report.rows += 1;
                            report.duplicates += 1;
                            continue;
                        }
                        RowOutcome::Rejected { field, reason, kind, .. } => (line, vec![(field.to_string(), reason, Some(kind))], raw),
                    },
                };
                report.rows += 1;
                for (field, reason, kind) in problems {
                    listed(&mut report, line, &field, reason, kind);
                }
                report.rejected_rows += 1;
                if let (Some(rejects), Some(raw)) = (rejects.as_mut(), raw) {
                    rejects.reject(&raw)?;
                }
            }
            Ok(())
        };
        // Parsed batches are gathered into one COPY of about COPY_ROWS rows:
        // the store's round trips are paid once for all of them.
        let mut written = Ok(());
        let mut gathered: Vec<Item> = Vec::new();
        for batch in receiver.iter() {
            gathered.extend(batch);
            if gathered.len() >= COPY_ROWS {
                written = write(std::mem::take(&mut gathered));
                if written.is_err() {
                    break;
                }
            }
        }
        if written.is_ok() && !gathered.is_empty() {
            written = write(gathered);
        }
        drop(receiver);
        let parsed = parser.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic));
        (parsed, written)
    });
    parsed?;
    written?;
    if report.rejected_rows > 0 && !options.skip_invalid {
        session.rollback();
        report.inserted = 0;
        report.duplicates = 0;
        return Ok(report);
    }
    let summary = session.commit(serde_json::json!({"file": file_label, "rejected": report.rejected_rows}))?;
    report.committed = true;
    report.audit_seq = summary.audit_seq;
    Ok(report)
}
