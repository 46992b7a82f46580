//! socred-ingest: record files into the ledger.
//!
//! A file is streamed row by row: each row is parsed, validated against the
//! rulebook (every bad field reported with its line), and written inside one
//! store session. By default the file is atomic: one bad row and nothing is
//! stored, and every bad row is listed. With `skip_invalid`, the good rows are
//! stored and the bad ones handed back for a rejects file.

use std::io::{BufRead, Write};
use std::path::Path;

mod postgres;

pub use postgres::import_postgres;
use serde::{Deserialize, Serialize};
use socred_core::record::{ProblemKind, RecordInput};
pub use socred_store::PartnerScope;
use socred_store::backend::{PartnerBatchWrite, PartnerStore};
use socred_store::{Actor, LineError, PartnerBatch, RowOutcome, Store, StoreError};

/// A line longer than this is refused without being read into memory whole.
pub const MAX_LINE_BYTES: usize = 16 * 1024;
/// Bad rows listed in a report; beyond this they are only counted.
pub const MAX_LISTED_ERRORS: usize = 100_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    Ndjson,
    Csv,
}

impl Format {
    /// Guesses the format from the file name: `.csv`, or `.ndjson` / `.jsonl` / `.json`.
    pub fn from_path(path: &Path) -> Option<Format> {
        match path.extension()?.to_str()?.to_ascii_lowercase().as_str() {
            "csv" => Some(Format::Csv),
            "ndjson" | "jsonl" | "json" => Some(Format::Ndjson),
            _ => None,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum IngestError {
    #[error("{0}")]
    Store(#[from] StoreError),
    #[error("reading the input: {0}")]
    Io(#[from] std::io::Error),
    /// The CSV header, refused: `reason` in English, `cause` in a reader's language.
    #[error("CSV header: {reason}")]
    Header { reason: String, cause: socred_i18n::reasons::Cause },
}

/// One refused row.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RowError {
    pub line: u64,
    pub field: String,
    pub reason: String,
    /// The reason, typed, where it is one of the record checks' own: a
    /// reader's language can say it again.
    #[serde(skip)]
    pub kind: Option<socred_core::record::ProblemKind>,
}

/// A refused line as its receipt keeps it: the reason in English, as the
/// checks state it, and in Chinese, so that the receipt reads in either
/// language long after the checks' types are gone.
fn line_error(error: &RowError) -> LineError {
    let chinese = socred_i18n::Language::Chinese;
    let reason_zh = match &error.kind {
        Some(kind) => socred_i18n::reasons::problem(chinese, kind),
        None => socred_i18n::reasons::untyped(chinese, &error.reason),
    };
    LineError {
        line: error.line,
        field: error.field.clone(),
        reason: error.reason.clone(),
        field_zh: socred_i18n::reasons::field_name(chinese, &error.field),
        reason_zh,
    }
}

/// A problem with a line before the store: the field, the reason in English, and the reason typed where the checks gave one.
pub type LineProblem = (String, String, Option<socred_core::record::ProblemKind>);

/// The receipt of one import.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ImportReport {
    pub rows: u64,
    pub inserted: u64,
    pub duplicates: u64,
    pub rejected_rows: u64,
    /// True when the good rows were stored. False when an atomic import met a bad row.
    pub committed: bool,
    pub audit_seq: Option<i64>,
    /// Every problem of every bad row (a row may have several), up to [`MAX_LISTED_ERRORS`].
    pub errors: Vec<RowError>,
    pub errors_not_listed: u64,
    /// Partner records stored to wait for a reviewer (not yet counting).
    pub pending_review: u64,
}

#[derive(Debug, Clone, Copy)]
pub struct ImportOptions {
    pub format: Format,
    pub skip_invalid: bool,
}

/// Where refused rows go when `skip_invalid` is set: written as they were read
/// (CSV with its header), so they can be fixed and imported again.
pub trait Rejects {
    fn reject(&mut self, raw: &[u8]) -> std::io::Result<()>;
}

impl<W: Write> Rejects for W {
    fn reject(&mut self, raw: &[u8]) -> std::io::Result<()> {
        self.write_all(raw)
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct JsonRow<'a> {
    #[serde(default, borrow)]
    id: Option<std::borrow::Cow<'a, str>>,
    #[serde(borrow)]
    subject: std::borrow::Cow<'a, str>,
    #[serde(borrow)]
    behaviour: std::borrow::Cow<'a, str>,
    #[serde(borrow)]
    at: std::borrow::Cow<'a, str>,
    /// Required, except from a partner (whose name it is).
    #[serde(default, borrow)]
    source: Option<std::borrow::Cow<'a, str>>,
    #[serde(default, borrow)]
    evidence: Option<std::borrow::Cow<'a, str>>,
}

/// Rows per batch handed from the parsing thread to the writing thread.
const BATCH_ROWS: usize = 2048;
/// Batches in flight between the threads: bounds memory whatever the file size.
const QUEUE_BATCHES: usize = 8;

/// A parsed and validated row, on its way to the store.
enum Item {
    Valid {
        line: u64,
        record: socred_core::Record,
        raw: Option<Vec<u8>>,
        /// A partner record whose behaviour needs a reviewer's confirmation.
        pending: bool,
    },
    Invalid {
        line: u64,
        problems: Vec<LineProblem>,
        raw: Option<Vec<u8>>,
    },
    Progress(u64),
    /// A CSV header for the rejects file; not a row.
    RejectsHeader(Vec<u8>),
}

/// The parsing side: runs on its own thread, so parsing and validation
/// overlap with the single SQLite writer.
struct Parser {
    rulebook: std::sync::Arc<socred_core::Rulebook>,
    /// The day the records are recorded on: the session's moment.
    today: socred_core::Date,
    partner: Option<PartnerScope>,
    keep_raw: bool,
    batch: Vec<Item>,
    sink: Sink,
}

/// Where parsed batches go: the writer thread, or a list (a dry run).
enum Sink {
    Writer(std::sync::mpsc::SyncSender<Vec<Item>>),
    Collect(Vec<Item>),
}

/// The writer stopped (it met an error); the parser just stops too.
struct Stopped;

impl Parser {
    fn push(&mut self, item: Item) -> Result<(), Stopped> {
        self.batch.push(item);
        if self.batch.len() >= BATCH_ROWS {
            self.flush()?;
        }
        Ok(())
    }

    fn flush(&mut self) -> Result<(), Stopped> {
        if self.batch.is_empty() {
            return Ok(());
        }
        let batch = std::mem::replace(&mut self.batch, Vec::with_capacity(BATCH_ROWS));
        match &mut self.sink {
            Sink::Writer(sender) => sender.send(batch).map_err(|_| Stopped),
            Sink::Collect(items) => {
                items.extend(batch);
                Ok(())
            }
        }
    }

    fn progress(&mut self, bytes: u64) -> Result<(), Stopped> {
        self.push(Item::Progress(bytes))
    }

    fn bad(&mut self, line: u64, field: &str, reason: String, raw: impl FnOnce() -> Vec<u8>) -> Result<(), Stopped> {
        let raw = self.keep_raw.then(raw);
        self.push(Item::Invalid { line, problems: vec![(field.to_string(), reason, None)], raw })
    }

    /// [`Parser::bad`] for a reason the checks typed.
    fn bad_because(&mut self, line: u64, field: &str, kind: ProblemKind, raw: impl FnOnce() -> Vec<u8>) -> Result<(), Stopped> {
        let raw = self.keep_raw.then(raw);
        self.push(Item::Invalid { line, problems: vec![(field.to_string(), kind.to_string(), Some(kind))], raw })
    }

    fn row(&mut self, line: u64, input: RecordInput<'_>, raw: impl FnOnce() -> Vec<u8>) -> Result<(), Stopped> {
        let raw = self.keep_raw.then(raw);
        let mut pending = false;
        let mut problem: Option<(&str, ProblemKind)> = None;
        let mut own_source: Option<String> = None;
        if let Some(partner) = &self.partner {
            // A partner speaks only for itself, and only about its agreement.
            if input.source.is_empty() {
                own_source = Some(partner.source.clone());
            } else if input.source != partner.source {
                problem = Some(("source", ProblemKind::NotThisPartner { given: input.source.to_string(), own: partner.source.clone() }));
            }
            if problem.is_none() && !partner.may_report(input.behaviour) {
                let kind = ProblemKind::OutsideAgreement {
                    behaviour: input.behaviour.to_string(),
                    partner: partner.username.clone(),
                    covers: partner.behaviours.join(", "),
                };
                problem = Some(("behaviour", kind));
            }
            pending = self.rulebook.behaviour(input.behaviour).is_some_and(|b| b.partner_review);
        }
        if let Some((field, kind)) = problem {
            return self.push(Item::Invalid { line, problems: vec![(field.to_string(), kind.to_string(), Some(kind))], raw });
        }
        let input = RecordInput { source: own_source.as_deref().unwrap_or(input.source), ..input };
        let item = match input.validate(&self.rulebook, self.today) {
            Ok(record) => Item::Valid { line, record, raw, pending },
            Err(problems) => {
                Item::Invalid { line, problems: problems.into_iter().map(|p| (p.field.to_string(), p.reason, p.kind)).collect(), raw }
            }
        };
        self.push(item)
    }
}

/// The writing side: pushes rows into the store session and keeps the receipt.
struct Importer<'s, 'r> {
    session: Box<dyn PartnerBatchWrite + 's>,
    partner: Option<PartnerScope>,
    report: ImportReport,
    rejects: Option<&'r mut dyn Rejects>,
}

/// A line of a parsed batch on its way to the store: its outcome is known at
/// once (refused, or waiting for a reviewer) or once the records before the
/// next pending line (or the batch's end) are pushed together.
struct Line {
    line: u64,
    raw: Option<Vec<u8>>,
    pending: bool,
    /// Problems found before the store (invalid lines).
    problems: Vec<LineProblem>,
    outcome: Option<RowOutcome>,
}

impl Importer<'_, '_> {
    fn error(&mut self, line: u64, field: &str, reason: String, kind: Option<socred_core::record::ProblemKind>) {
        if self.report.errors.len() < MAX_LISTED_ERRORS {
            self.report.errors.push(RowError { line, field: field.to_string(), reason, kind });
        } else {
            self.report.errors_not_listed += 1;
        }
    }

    fn rejected(&mut self, raw: Option<Vec<u8>>) -> Result<(), IngestError> {
        self.report.rejected_rows += 1;
        if let (Some(rejects), Some(raw)) = (self.rejects.as_mut(), raw) {
            rejects.reject(&raw)?;
        }
        Ok(())
    }

    /// Pushes the waiting records at once (one `COPY` on PostgreSQL) and
    /// gives their lines (`waiting.0`, their indexes in `lines`) their outcomes.
    fn flush(&mut self, lines: &mut [Line], waiting: &mut (Vec<usize>, Vec<socred_core::Record>)) -> Result<(), IngestError> {
        let (indexes, records) = waiting;
        if records.is_empty() {
            return Ok(());
        }
        let outcomes = self.session.push(records)?;
        assert_eq!(outcomes.len(), records.len(), "an outcome for every record pushed");
        for (index, outcome) in indexes.drain(..).zip(outcomes) {
            lines[index].outcome = Some(outcome);
        }
        records.clear();
        Ok(())
    }

    /// Writes one parsed batch, then reports its lines in line order.
    fn apply(&mut self, batch: Vec<Item>, progress: &mut dyn FnMut(u64)) -> Result<(), IngestError> {
        let mut lines: Vec<Line> = Vec::with_capacity(batch.len());
        let mut waiting: (Vec<usize>, Vec<socred_core::Record>) = (Vec::with_capacity(batch.len()), Vec::with_capacity(batch.len()));
        // The lines not pushed yet, by id: a repeat of one of them is judged with it.
        let mut waiting_lines: std::collections::HashMap<socred_core::record::RecordId, socred_core::Record> =
            std::collections::HashMap::new();
        for item in batch {
            match item {
                Item::Progress(bytes) => progress(bytes),
                Item::RejectsHeader(header) => {
                    if let Some(rejects) = self.rejects.as_mut() {
                        rejects.reject(&header)?;
                    }
                }
                Item::Invalid { line, problems, raw } => lines.push(Line { line, raw, pending: false, problems, outcome: None }),
                Item::Valid { line, record, raw, pending } => {
                    let index = lines.len();
                    lines.push(Line { line, raw, pending, problems: Vec::new(), outcome: None });
                    // A repeat of a line not yet pushed is judged with it, not counted again.
                    let refusal = match &self.partner {
                        Some(partner) if waiting_lines.get(&record.id) != Some(&record) => {
                            self.session.partner_line_refusal(&record, &partner.username)?
                        }
                        _ => None,
                    };
                    let partner = self.partner.as_ref().map(|partner| partner.username.clone());
                    match (partner, pending, refusal) {
                        (_, _, Some(kind)) => lines[index].problems = vec![("subject".to_string(), kind.to_string(), Some(kind))],
                        (Some(partner), true, None) => {
                            // The records before it are stored first: line order decides which of two claims to an id stands.
                            self.flush(&mut lines, &mut waiting)?;
                            waiting_lines.clear();
                            lines[index].outcome = Some(self.session.push_pending(&record, &partner)?);
                        }
                        _ => {
                            if self.partner.is_some() {
                                waiting_lines.insert(record.id.clone(), record.clone());
                            }
                            waiting.0.push(index);
                            waiting.1.push(record);
                        }
                    }
                }
            }
        }
        self.flush(&mut lines, &mut waiting)?;
        for Line { line, raw, pending, problems, outcome } in lines {
            self.report.rows += 1;
            match outcome {
                None => {
                    for (field, reason, kind) in problems {
                        self.error(line, &field, reason, kind);
                    }
                    self.rejected(raw)?;
                }
                Some(RowOutcome::Inserted) if pending => self.report.pending_review += 1,
                Some(RowOutcome::Inserted) => self.report.inserted += 1,
                Some(RowOutcome::Duplicate) => self.report.duplicates += 1,
                Some(RowOutcome::Rejected { field, reason, kind, .. }) => {
                    self.error(line, field, reason, Some(kind));
                    self.rejected(raw)?;
                }
            }
        }
        Ok(())
    }
}

/// Imports one file. `progress` is told how many bytes have been consumed.
///
/// Two threads: one reads, parses and validates; this one writes. The queue
/// between them is bounded, so memory does not grow with the file.
pub fn import(
    store: &mut Store,
    reader: impl BufRead + Send,
    options: ImportOptions,
    actor: &Actor,
    file_label: &str,
    rejects: Option<&mut dyn Rejects>,
    progress: &mut dyn FnMut(u64),
) -> Result<ImportReport, IngestError> {
    let rulebook = store.rulebook().clone();
    let session = Box::new(store.begin_import(actor, "records.import")?);
    import_as(rulebook, session, reader, options, None, actor, file_label, rejects, progress, None)
}

/// Imports a partner's batch (from the API or a file) under its agreement:
/// lines outside it are refused with the reason, the source is the partner's
/// name, and behaviours the rulebook marks `partner_review` wait for a
/// reviewer. Atomic unless `skip_invalid`. A batch id seen before from this
/// partner returns the first receipt and does nothing. The receipt is kept.
#[allow(clippy::too_many_arguments)]
pub fn import_partner(
    store: &mut dyn PartnerStore,
    reader: impl BufRead + Send,
    format: Format,
    skip_invalid: bool,
    partner: &PartnerScope,
    batch_id: &str,
    received_at_ms: i64,
    actor: &Actor,
) -> Result<PartnerBatch, IngestError> {
    if let Some(mut earlier) = store.partner_batch(&partner.username, batch_id)? {
        earlier.replayed = true;
        return Ok(earlier);
    }
    let options = ImportOptions { format, skip_invalid };
    let label = format!("partner {} batch {batch_id}", partner.username);
    let receipt_of = |report: &ImportReport, stored: bool| PartnerBatch {
        batch_id: batch_id.to_string(),
        partner: partner.username.clone(),
        received_at_ms,
        lines: report.rows,
        accepted: report.inserted,
        duplicates: report.duplicates,
        pending_review: report.pending_review,
        rejected: report.rejected_rows,
        stored,
        errors: report.errors.iter().map(line_error).collect(),
        errors_not_listed: report.errors_not_listed,
        replayed: false,
    };
    let mut before_commit = |session: &mut dyn PartnerBatchWrite, report: &ImportReport| -> Result<(), StoreError> {
        session.save_receipt(&receipt_of(report, true))
    };
    let rulebook = store.active_rulebook();
    let mut session = store.begin_partner_batch(actor, "partner.batch")?;
    // Asked again under the session's write lock: another server may have taken this batch meanwhile.
    if let Some(mut earlier) = session.earlier_receipt(&partner.username, batch_id)? {
        session.rollback();
        earlier.replayed = true;
        return Ok(earlier);
    }
    let report =
        import_as(rulebook, session, reader, options, Some(partner.clone()), actor, &label, None, &mut |_| {}, Some(&mut before_commit))?;
    let receipt = receipt_of(&report, report.committed);
    if !report.committed {
        // Refused whole: nothing was stored but the receipt, which says why.
        store.save_partner_batch(&receipt, actor)?;
    }
    Ok(receipt)
}

/// A partner's batch id: 1-64 characters of `A-Z a-z 0-9 . _ : -`; without
/// one, the batch's content names it, so the same bytes sent again are a replay.
pub fn batch_id_of(given: Option<&str>, content: &[u8]) -> Result<String, socred_i18n::reasons::Cause> {
    match given {
        Some(id) => {
            let valid = !id.is_empty() && id.len() <= 64 && id.bytes().all(|b| b.is_ascii_alphanumeric() || b"._:-".contains(&b));
            if valid { Ok(id.to_string()) } else { Err(socred_i18n::reasons::Cause::message("input-batch-id", vec![])) }
        }
        None => {
            use sha2::Digest;
            Ok(format!("b-{}", &hex::encode(sha2::Sha256::digest(content))[..24]))
        }
    }
}

/// One line of a dry run: the record it would store, or every problem with it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RowCheck {
    Valid { line: u64, record: socred_core::Record },
    Invalid { line: u64, problems: Vec<LineProblem> },
}

/// Parses and validates a file as an import recorded on `today` would,
/// without a store: every row's verdict, in order (rows are bounded like an
/// import's lines; the file is read whole into memory, so callers bound it).
pub fn dry_run(
    reader: impl BufRead,
    format: Format,
    rulebook: std::sync::Arc<socred_core::Rulebook>,
    today: socred_core::Date,
    partner: Option<PartnerScope>,
) -> Result<Vec<RowCheck>, IngestError> {
    let mut parser = Parser { rulebook, today, partner, keep_raw: false, batch: Vec::new(), sink: Sink::Collect(Vec::new()) };
    let result = match format {
        Format::Ndjson => read_ndjson(&mut parser, reader),
        Format::Csv => read_csv(&mut parser, reader),
    }?;
    debug_assert!(result.is_ok(), "a list never stops taking rows");
    let _ = parser.flush();
    let Sink::Collect(items) = parser.sink else { unreachable!("a dry run collects") };
    Ok(items
        .into_iter()
        .filter_map(|item| match item {
            Item::Valid { line, record, .. } => Some(RowCheck::Valid { line, record }),
            Item::Invalid { line, problems, .. } => Some(RowCheck::Invalid { line, problems }),
            Item::Progress(_) | Item::RejectsHeader(_) => None,
        })
        .collect())
}

/// Runs inside the import's transaction, just before it commits.
type BeforeCommit<'c> = &'c mut dyn FnMut(&mut dyn PartnerBatchWrite, &ImportReport) -> Result<(), StoreError>;

#[allow(clippy::too_many_arguments)]
fn import_as(
    rulebook: std::sync::Arc<socred_core::Rulebook>,
    session: Box<dyn PartnerBatchWrite + '_>,
    reader: impl BufRead + Send,
    options: ImportOptions,
    partner: Option<PartnerScope>,
    actor: &Actor,
    file_label: &str,
    rejects: Option<&mut dyn Rejects>,
    progress: &mut dyn FnMut(u64),
    before_commit: Option<BeforeCommit<'_>>,
) -> Result<ImportReport, IngestError> {
    let keep_raw = options.skip_invalid && rejects.is_some();
    let mut importer = Importer {
        session,
        partner: partner.clone(),
        report: ImportReport {
            rows: 0,
            inserted: 0,
            duplicates: 0,
            rejected_rows: 0,
            committed: false,
            audit_seq: None,
            errors: Vec::new(),
            errors_not_listed: 0,
            pending_review: 0,
        },
        rejects: if options.skip_invalid { rejects } else { None },
    };

    let (sender, receiver) = std::sync::mpsc::sync_channel::<Vec<Item>>(QUEUE_BATCHES);
    let (parsed, written) = std::thread::scope(|scope| {
        let parser = scope.spawn(move || -> Result<(), IngestError> {
            let sink = Sink::Writer(sender);
            let mut parser = Parser { rulebook, today: actor.today(), partner, keep_raw, batch: Vec::with_capacity(BATCH_ROWS), sink };
            let result = match options.format {
                Format::Ndjson => read_ndjson(&mut parser, reader),
                Format::Csv => read_csv(&mut parser, reader),
            };
            match result {
                Ok(Ok(())) => {
                    let _ = parser.flush();
                    Ok(())
                }
                // The writer gave up; its error is the one to report.
                Ok(Err(Stopped)) => Ok(()),
                Err(error) => Err(error),
            }
        });
        let mut written = Ok(());
        for batch in receiver.iter() {
            if let Err(error) = importer.apply(batch, progress) {
                written = Err(error);
                break;
            }
        }
        // Dropping the receiver unblocks a parser still sending.
        drop(receiver);
        let parsed = parser.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic));
        (parsed, written)
    });
    parsed?;
    written?;

    let mut report = importer.report;
    if report.rejected_rows > 0 && !options.skip_invalid {
        importer.session.rollback();
        report.inserted = 0;
        report.duplicates = 0;
        report.pending_review = 0;
        return Ok(report);
    }
    if let Some(before_commit) = before_commit {
        before_commit(importer.session.as_mut(), &report)?;
    }
    let summary = importer.session.commit(serde_json::json!({"file": file_label, "rejected": report.rejected_rows}))?;
    report.committed = true;
    report.audit_seq = summary.audit_seq;
    Ok(report)
}

/// Reads at most [`MAX_LINE_BYTES`] + 1 bytes of the next line; longer lines
/// are drained and reported as too long rather than buffered.
fn next_line(reader: &mut impl BufRead, buffer: &mut Vec<u8>) -> std::io::Result<Option<(usize, bool)>> {
    buffer.clear();
    let mut total = 0usize;
    let mut too_long = false;
    loop {
        let available = reader.fill_buf()?;
        if available.is_empty() {
            return Ok(if total == 0 { None } else { Some((total, too_long)) });
        }
        let (chunk, done) = match available.iter().position(|b| *b == b'\n') {
            Some(position) => (&available[..=position], true),
            None => (available, false),
        };
        let length = chunk.len();
        if !too_long {
            if buffer.len() + length > MAX_LINE_BYTES + 1 {
                too_long = true;
                buffer.clear();
            } else {
                buffer.extend_from_slice(chunk);
            }
        }
        total += length;
        reader.consume(length);
        if done {
            return Ok(Some((total, too_long)));
        }
    }
}

fn read_ndjson(parser: &mut Parser, mut reader: impl BufRead) -> Result<Result<(), Stopped>, IngestError> {
    let mut buffer = Vec::with_capacity(1024);
    let mut line = 0u64;
    let mut consumed = 0u64;
    while let Some((length, too_long)) = next_line(&mut reader, &mut buffer)? {
        line += 1;
        consumed += length as u64;
        if line.is_multiple_of(4096) && parser.progress(consumed).is_err() {
            return Ok(Err(Stopped));
        }
        let outcome = if too_long {
            parser.bad_because(line, "(line)", ProblemKind::LineTooLong { bytes: length, max: MAX_LINE_BYTES }, Vec::new)
        } else {
            ndjson_row(parser, line, &buffer)
        };
        if let Err(stopped) = outcome {
            return Ok(Err(stopped));
        }
    }
    Ok(parser.progress(consumed))
}

fn ndjson_row(parser: &mut Parser, line: u64, raw: &[u8]) -> Result<(), Stopped> {
    // A byte-order mark before the first line (as some editors write) is not
    // data, as the CSV reader also skips it.
    let text = if line == 1 { raw.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(raw) } else { raw };
    let text = text.strip_suffix(b"\n").unwrap_or(text);
    let text = text.strip_suffix(b"\r").unwrap_or(text);
    if text.iter().all(u8::is_ascii_whitespace) {
        return Ok(());
    }
    let Ok(text) = std::str::from_utf8(text) else {
        return parser.bad_because(line, "(line)", ProblemKind::NotUtf8, || raw.to_vec());
    };
    // The happy path parses once, without path tracking; only a bad line is
    // parsed again to find the field at fault.
    let parsed = match serde_json::from_str::<JsonRow<'_>>(text) {
        Ok(row) => Ok(row),
        Err(_) => Err(json_problem(text)),
    };
    match parsed {
        Ok(row) => {
            if row.source.is_none() && parser.partner.is_none() {
                return parser.bad(line, "source", "missing field `source`".into(), || raw.to_vec());
            }
            let input = RecordInput {
                id: row.id.as_deref(),
                subject: &row.subject,
                behaviour: &row.behaviour,
                at: &row.at,
                source: row.source.as_deref().unwrap_or(""),
                evidence: row.evidence.as_deref(),
            };
            parser.row(line, input, || raw.to_vec())
        }
        Err((field, reason)) => parser.bad(line, &field, reason, || raw.to_vec()),
    }
}

/// The field and reason of a line that does not parse.
fn json_problem(text: &str) -> (String, String) {
    let mut deserializer = serde_json::Deserializer::from_str(text);
    let parsed: Result<JsonRow<'_>, _> = serde_path_to_error::deserialize(&mut deserializer);
    match parsed {
        Err(error) => {
            let path = error.path().to_string();
            let inner = error.into_inner();
            // The path is a field name, or nothing useful when the line is not an object.
            let field = if path == "." || path == "?" || path.starts_with('[') { "(line)".to_string() } else { path };
            (field, json_reason(&inner))
        }
        Ok(_) => match deserializer.end() {
            Err(error) => ("(line)".to_string(), format!("{}: one JSON object per line", json_reason(&error))),
            Ok(()) => ("(line)".to_string(), "is not a record".to_string()),
        },
    }
}

/// serde_json's message, with its position given as a column of this line.
fn json_reason(error: &serde_json::Error) -> String {
    let text = error.to_string();
    match text.rfind(" at line ") {
        Some(at) => format!("{} (column {})", &text[..at], error.column()),
        None => text,
    }
}

/// A CSV record written back as one line, for the rejects file.
fn raw(record: &csv::ByteRecord) -> Vec<u8> {
    let mut writer = csv::Writer::from_writer(Vec::new());
    let _ = writer.write_byte_record(record);
    writer.into_inner().unwrap_or_default()
}

const CSV_COLUMNS: [&str; 6] = ["id", "subject", "behaviour", "at", "source", "evidence"];
const CSV_REQUIRED: [&str; 4] = ["subject", "behaviour", "at", "source"];

fn read_csv(parser: &mut Parser, reader: impl BufRead) -> Result<Result<(), Stopped>, IngestError> {
    let mut csv = csv::ReaderBuilder::new().has_headers(true).flexible(true).from_reader(reader);
    let header = |id: &'static str, arguments: Vec<(&'static str, socred_i18n::Argument)>| {
        let cause = socred_i18n::reasons::Cause::message(id, arguments);
        IngestError::Header { reason: cause.text(socred_i18n::Language::English), cause }
    };
    let text = |value: String| socred_i18n::Argument::Text(value);
    let headers = csv.byte_headers().map_err(|e| header("input-csv-header-unreadable", vec![("detail", text(e.to_string()))]))?.clone();
    let mut columns = [None::<usize>; 6];
    for (index, name) in headers.iter().enumerate() {
        let name = String::from_utf8_lossy(name).trim().to_ascii_lowercase();
        match CSV_COLUMNS.iter().position(|c| *c == name) {
            Some(slot) if columns[slot].is_none() => columns[slot] = Some(index),
            Some(_) => {
                return Err(header("input-csv-column-twice", vec![("name", text(format!("{name:?}")))]));
            }
            None => {
                let expected = text(CSV_COLUMNS.join(", "));
                return Err(header("input-csv-column-unknown", vec![("name", text(format!("{name:?}"))), ("expected", expected)]));
            }
        }
    }
    for required in CSV_REQUIRED {
        let slot = CSV_COLUMNS.iter().position(|c| *c == required).expect("listed");
        if columns[slot].is_none() {
            return Err(header("input-csv-column-missing", vec![("name", text(format!("{required:?}")))]));
        }
    }
    if parser.keep_raw {
        // The rejects file starts with the same header.
        let header = raw(&headers);
        if parser.push(Item::RejectsHeader(header)).is_err() {
            return Ok(Err(Stopped));
        }
    }
    let mut record = csv::ByteRecord::new();
    let mut rows = 0u64;
    loop {
        let line = csv.position().line();
        let outcome = match csv.read_byte_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {
                rows += 1;
                if rows.is_multiple_of(4096) && parser.progress(csv.position().byte()).is_err() {
                    return Ok(Err(Stopped));
                }
                let line = record.position().map_or(line, |p| p.line());
                csv_row(parser, line, &record, &columns, headers.len())
            }
            Err(error) => parser.bad(line, "(line)", error.to_string(), Vec::new),
        };
        if outcome.is_err() {
            return Ok(Err(Stopped));
        }
    }
    Ok(parser.progress(csv.position().byte()))
}

fn csv_row(parser: &mut Parser, line: u64, record: &csv::ByteRecord, columns: &[Option<usize>; 6], width: usize) -> Result<(), Stopped> {
    if record.len() != width {
        return parser.bad_because(line, "(line)", ProblemKind::FieldCount { fields: record.len(), header: width }, || raw(record));
    }
    if record.as_slice().len() > MAX_LINE_BYTES {
        let bytes = record.as_slice().len();
        return parser.bad_because(line, "(line)", ProblemKind::LineTooLong { bytes, max: MAX_LINE_BYTES }, || raw(record));
    }
    let mut fields = [""; 6];
    for (slot, column) in columns.iter().enumerate() {
        if let Some(column) = column {
            match std::str::from_utf8(&record[*column]) {
                Ok(text) => fields[slot] = text,
                Err(_) => {
                    return parser.bad_because(line, CSV_COLUMNS[slot], ProblemKind::NotUtf8, || raw(record));
                }
            }
        }
    }
    let input = RecordInput {
        id: Some(fields[0]),
        subject: fields[1],
        behaviour: fields[2],
        at: fields[3],
        source: fields[4],
        evidence: Some(fields[5]),
    };
    parser.row(line, input, || raw(record))
}
