//! `socred import-store DIR`, for both backends: reading an export's files
//! and manifest, bounded line by line. Each backend rebuilds the store entry
//! by entry, recomputing every digest and leaf hash on the way
//! (`sqlite/restore.rs`, `postgres/restore.rs`): an export that was altered is
//! refused at the entry concerned, and the rebuilt store's heads must be the
//! manifest's.

use std::io::{BufRead, BufReader};
use std::path::Path;

use serde::de::DeserializeOwned;

use crate::LOG_FORMAT;
use crate::error::{Result, StoreError};
use crate::export::{EXPORT_FORMAT, Manifest};

/// An export's line is at most this long (a bulk import's entry).
const MAX_LINE_BYTES: usize = 256 * 1024 * 1024;

pub(crate) fn refused(what: impl Into<String>) -> StoreError {
    StoreError::invalid("dir", what.into())
}

pub(crate) fn each_line<T: DeserializeOwned>(dir: &Path, name: &str, mut visit: impl FnMut(T) -> Result<()>) -> Result<()> {
    let path = dir.join(name);
    let file = std::fs::File::open(&path).map_err(|e| refused(format!("{}: {e}", path.display())))?;
    let mut reader = BufReader::new(file);
    let mut line = String::new();
    let mut number = 0u64;
    loop {
        line.clear();
        let read = reader.read_line(&mut line).map_err(|e| refused(format!("{}: {e}", path.display())))?;
        if read == 0 {
            return Ok(());
        }
        number += 1;
        if line.len() > MAX_LINE_BYTES {
            return Err(refused(format!("{name} line {number} is longer than {MAX_LINE_BYTES} bytes")));
        }
        let value: T = serde_json::from_str(line.trim_end()).map_err(|e| refused(format!("{name} line {number}: {e}")))?;
        visit(value)?;
    }
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
