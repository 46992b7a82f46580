//! `socred export DIR`: the whole store as files of domain values, the
//! backup format and the way between backends (docs/audit-format.md,
//! "Export"). `restore.rs` reads it back.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::audit::rows::json_value;
use crate::audit::{EntryFields, LedgerRow};
use crate::error::{Result, StoreError};
use crate::from_julian;

/// Version 2 writes an entry's rows one a line after it, so that no line
/// grows with the size of an import.
pub const EXPORT_FORMAT: &str = "socred-export/2";

/// `manifest.json`: what the directory holds and the heads it must rebuild.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Manifest {
    pub format: String,
    pub log_format: String,
    pub origin: String,
    pub entries: u64,
    pub root: String,
    pub accesses: u64,
    pub accesses_head: String,
    pub check_groups: u64,
    pub checks: u64,
    pub checks_head: String,
}

/// An entry's line in `entries.ndjson`: the audit entry, its leaf hash and
/// how many rows it wrote; those rows follow it, one a line.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ExportedEntry {
    pub entry: EntryFields,
    pub hash: String,
    pub rows: u64,
}

pub(crate) fn io(path: &Path) -> impl Fn(std::io::Error) -> StoreError + '_ {
    move |error| StoreError::invalid("dir", format!("{}: {error}", path.display()))
}

pub(crate) struct Lines {
    writer: BufWriter<File>,
    path: std::path::PathBuf,
}

impl Lines {
    pub(crate) fn create(dir: &Path, name: &str) -> Result<Lines> {
        let path = dir.join(name);
        // Readable by its owner only: an export holds the store's secret and every file.
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        let file = options.open(&path).map_err(io(&path))?;
        Ok(Lines { writer: BufWriter::new(file), path })
    }

    pub(crate) fn line(&mut self, value: &impl Serialize) -> Result<()> {
        serde_json::to_writer(&mut self.writer, value).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        self.writer.write_all(b"\n").map_err(io(&self.path))
    }

    /// An entry's line, then each of its rows on a line of its own.
    pub(crate) fn entry(&mut self, entry: EntryFields, hash: String, rows: &[LedgerRow]) -> Result<()> {
        self.line(&ExportedEntry { entry, hash, rows: rows.len() as u64 })?;
        rows.iter().try_for_each(|row| self.line(row))
    }

    pub(crate) fn finish(mut self) -> Result<()> {
        self.writer.flush().map_err(io(&self.path))?;
        self.writer.get_ref().sync_all().map_err(io(&self.path))
    }
}

/// A stored day number as the date it is, for the restore's inserts.
pub(crate) fn julian_of(date: socred_core::Date) -> i64 {
    let day = i64::from(date.to_julian_day());
    debug_assert!(from_julian(day).is_ok());
    day
}

pub(crate) fn value_text(value: &serde_json::Value) -> String {
    socred_log::canonical_json(&json_value(&value.to_string()))
}
