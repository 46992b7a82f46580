//! `socred import-store DIR`, for both backends: reading an export's files
//! and manifest, bounded line by line. Each backend rebuilds the store entry
//! by entry, recomputing every digest and leaf hash on the way
//! (`sqlite/restore.rs`, `postgres/restore.rs`): an export that was altered is
//! refused at the entry concerned, and the rebuilt store's heads must be the
//! manifest's.

use std::io::{BufRead, BufReader, Read};
use std::path::Path;

use serde::de::DeserializeOwned;

use crate::LOG_FORMAT;
use crate::audit::LedgerRow;
use crate::error::{Result, StoreError};
use crate::export::{EXPORT_FORMAT, ExportedEntry, Manifest};

/// An export's line is at most this long (no line grows with the size of the store).
const MAX_LINE_BYTES: usize = 256 * 1024 * 1024;

pub(crate) fn refused(what: impl Into<String>) -> StoreError {
    StoreError::invalid("dir", what.into())
}

/// An export file read a line at a time, each line at most [`MAX_LINE_BYTES`].
struct LineReader {
    reader: BufReader<std::fs::File>,
    name: String,
    line: String,
    number: u64,
}

impl LineReader {
    fn open(dir: &Path, name: &str) -> Result<LineReader> {
        let path = dir.join(name);
        let file = std::fs::File::open(&path).map_err(|e| refused(format!("{}: {e}", path.display())))?;
        Ok(LineReader { reader: BufReader::new(file), name: name.to_string(), line: String::new(), number: 0 })
    }

    /// The next line as a `T`; None at the end of the file.
    fn next<T: DeserializeOwned>(&mut self) -> Result<Option<T>> {
        self.line.clear();
        // Reads at most one byte past the limit, so a hostile line costs no more memory than that.
        let limit = MAX_LINE_BYTES as u64 + 1;
        let read = (&mut self.reader)
            .take(limit)
            .read_line(&mut self.line)
            .map_err(|e| refused(format!("{} line {}: {e}", self.name, self.number + 1)))?;
        if read == 0 {
            return Ok(None);
        }
        self.number += 1;
        if self.line.len() > MAX_LINE_BYTES {
            return Err(refused(format!("{} line {} is longer than {MAX_LINE_BYTES} bytes", self.name, self.number)));
        }
        serde_json::from_str(self.line.trim_end()).map(Some).map_err(|e| refused(format!("{} line {}: {e}", self.name, self.number)))
    }
}

pub(crate) fn each_line<T: DeserializeOwned>(dir: &Path, name: &str, mut visit: impl FnMut(T) -> Result<()>) -> Result<()> {
    let mut lines = LineReader::open(dir, name)?;
    while let Some(value) = lines.next()? {
        visit(value)?;
    }
    Ok(())
}

/// The rows of one entry, read from the lines that follow it.
pub(crate) struct ExportedRows<'a> {
    lines: &'a mut LineReader,
    seq: i64,
    left: u64,
}

impl Iterator for ExportedRows<'_> {
    type Item = Result<LedgerRow>;

    fn next(&mut self) -> Option<Result<LedgerRow>> {
        if self.left == 0 {
            return None;
        }
        self.left -= 1;
        Some(match self.lines.next::<LedgerRow>() {
            Ok(Some(row)) => Ok(row),
            Ok(None) => Err(refused(format!("entries.ndjson ends inside entry {}: {} of its rows are missing", self.seq, self.left + 1))),
            Err(error) => Err(error),
        })
    }
}

/// Each entry of `entries.ndjson` with its rows, which `visit` reads as it
/// goes: no entry, however many rows it wrote, is held whole.
pub(crate) fn each_entry(dir: &Path, mut visit: impl FnMut(ExportedEntry, &mut ExportedRows<'_>) -> Result<()>) -> Result<()> {
    let mut lines = LineReader::open(dir, "entries.ndjson")?;
    while let Some(entry) = lines.next::<ExportedEntry>()? {
        let mut rows = ExportedRows { seq: entry.entry.seq, left: entry.rows, lines: &mut lines };
        visit(entry, &mut rows)?;
        assert_eq!(rows.left, 0, "a restore reads every row of an entry");
    }
    Ok(())
}

pub(crate) fn text(value: &serde_json::Value, key: &str) -> Result<String> {
    value[key].as_str().map(str::to_string).ok_or_else(|| refused(format!("`{key}` is missing or not a text")))
}

pub(crate) fn number(value: &serde_json::Value, key: &str) -> Result<i64> {
    value[key].as_i64().ok_or_else(|| refused(format!("`{key}` is missing or not a number")))
}

/// The export's manifest, if this socred reads its format.
pub(crate) fn read_manifest(dir: &Path) -> Result<Manifest> {
    let manifest: Manifest = {
        let mut found = None;
        each_line(dir, "manifest.json", |manifest: Manifest| {
            found = Some(manifest);
            Ok(())
        })?;
        found.ok_or_else(|| refused("manifest.json is empty"))?
    };
    if manifest.format != EXPORT_FORMAT || manifest.log_format != LOG_FORMAT {
        return Err(refused(format!(
            "the export is {} (log format {}); this socred reads {EXPORT_FORMAT} (log format {LOG_FORMAT})",
            manifest.format, manifest.log_format
        )));
    }
    Ok(manifest)
}

/// The heads a rebuilt store verified to, against the manifest's.
pub(crate) fn check_heads(report: &crate::VerifyReport, manifest: &Manifest) -> Result<()> {
    let heads =
        (report.entries, &report.root, report.accesses, &report.accesses_head, report.check_groups, report.checks, &report.checks_head);
    let expected = (
        manifest.entries,
        &manifest.root,
        manifest.accesses,
        &manifest.accesses_head,
        manifest.check_groups,
        manifest.checks,
        &manifest.checks_head,
    );
    if heads != expected {
        return Err(StoreError::AuditBroken(format!("the rebuilt store's heads {heads:?} are not the manifest's {expected:?}")));
    }
    Ok(())
}
