//! `audit verify`: the database's own integrity check, then every entry's
//! digest recomputed from the ledger rows (one ordered pass over each table,
//! a merge join on audit_seq), the Merkle root rebuilt and compared with the
//! stored head, the seals, the evidence bytes and the access log's chain.

use rusqlite::{Connection, Row};
use sha2::{Digest, Sha256};
use socred_core::{Date, SubjectId};
use socred_log::merkle::Frontier;
use socred_log::{Hash, to_hex};

use super::audit_log::{read_frontier, verify_accesses};
use super::seals;
use crate::audit::rows::{LedgerRow, RowDigest, json_value};
use crate::audit::{EntryFields, VerifyReport};
use crate::error::{Result, StoreError};

fn broken(what: impl Into<String>) -> StoreError {
    StoreError::AuditBroken(what.into())
}

/// What a row reader produces: the entry that wrote the row, and the row in
/// domain values or why it cannot be read as one.
type ReadRow = fn(&Row<'_>) -> rusqlite::Result<(i64, std::result::Result<LedgerRow, String>)>;

fn day(row: &Row<'_>, index: usize) -> rusqlite::Result<std::result::Result<Date, String>> {
    let julian: i64 = row.get(index)?;
    Ok(i32::try_from(julian)
        .ok()
        .and_then(|day| Date::from_julian_day(day).ok())
        .ok_or_else(|| format!("day number {julian} is not a date")))
}

fn subject(row: &Row<'_>, index: usize, what: &str) -> rusqlite::Result<std::result::Result<SubjectId, String>> {
    let id: Option<String> = row.get(index)?;
    Ok(match id {
        None => Err(format!("{what} refers to a missing subject")),
        Some(id) => SubjectId::parse(&id).map_err(|e| format!("{what}: subject {e}")),
    })
}

macro_rules! domain {
    ($row:expr, $seq:expr, $body:block) => {{
        let seq: i64 = $row.get($seq)?;
        // A closure so that `?` in the body stops at the row, not the scan.
        #[allow(clippy::redundant_closure_call)]
        let built = (|| -> std::result::Result<LedgerRow, String> { $body })();
        Ok((seq, built))
    }};
}

/// Each ledger table in insertion order (SQLite's rowid order is insertion
/// order for these append-only tables).
const LEDGER_SCANS: [(&str, ReadRow); 14] = [
    ("SELECT audit_seq, key, id, kind, name, reference, recorded_ms, recorded_day FROM subjects ORDER BY key", |row| {
        let (id, recorded_on) = (row.get::<_, String>(2)?, day(row, 7)?);
        domain!(row, 0, {
            Ok(LedgerRow::Subject {
                number: row.get(1).map_err(|e| e.to_string())?,
                id: SubjectId::parse(&id).map_err(|e| format!("subject {id}: {e}"))?,
                kind: row.get(3).map_err(|e| e.to_string())?,
                name: row.get(4).map_err(|e| e.to_string())?,
                reference: row.get(5).map_err(|e| e.to_string())?,
                recorded_ms: row.get(6).map_err(|e| e.to_string())?,
                recorded_on: recorded_on?,
            })
        })
    }),
    (
        "SELECT l.audit_seq, s.id, l.kind, o.id, l.recorded_ms, l.recorded_day FROM links l LEFT JOIN subjects s ON s.key = l.subject
         LEFT JOIN subjects o ON o.key = l.other ORDER BY l.rowid",
        |row| {
            let (who, other, recorded_on) = (subject(row, 1, "a link")?, subject(row, 3, "a link")?, day(row, 5)?);
            let (kind, recorded_ms): (String, i64) = (row.get(2)?, row.get(4)?);
            domain!(row, 0, { Ok(LedgerRow::Link { subject: who?, kind, other: other?, recorded_ms, recorded_on: recorded_on? }) })
        },
    ),
    (
        "SELECT r.audit_seq, r.record_id, s.id, r.behaviour, r.occurred_on, r.source, r.evidence, r.recorded_ms, r.recorded_day
         FROM records r LEFT JOIN subjects s ON s.key = r.subject ORDER BY r.seq",
        |row| {
            let record_id: String = row.get(1)?;
            let (who, occurred_on, recorded_on) = (subject(row, 2, &format!("record {record_id}"))?, day(row, 4)?, day(row, 8)?);
            let (behaviour, source, evidence, recorded_ms) = (row.get(3)?, row.get(5)?, row.get(6)?, row.get(7)?);
            domain!(row, 0, {
                Ok(LedgerRow::Record {
                    record_id,
                    subject: who?,
                    behaviour,
                    occurred_on: occurred_on?,
                    source,
                    evidence,
                    recorded_ms,
                    recorded_on: recorded_on?,
                })
            })
        },
    ),
    (
        "SELECT v.audit_seq, r.record_id, v.reason, v.recorded_ms, v.recorded_day FROM voids v
         LEFT JOIN records r ON r.seq = v.record_seq ORDER BY v.seq",
        |row| {
            let (record_id, reason, recorded_ms, recorded_on): (Option<String>, String, i64, _) =
                (row.get(1)?, row.get(2)?, row.get(3)?, day(row, 4)?);
            domain!(row, 0, {
                let record_id = record_id.ok_or("a void refers to a missing record")?;
                Ok(LedgerRow::Void { record_id, reason, recorded_ms, recorded_on: recorded_on? })
            })
        },
    ),
    ("SELECT audit_seq, fingerprint, recorded_ms, recorded_day FROM rulebooks ORDER BY seq", |row| {
        let (fingerprint, recorded_ms, recorded_on) = (row.get(1)?, row.get(2)?, day(row, 3)?);
        domain!(row, 0, { Ok(LedgerRow::Rulebook { fingerprint, recorded_ms, recorded_on: recorded_on? }) })
    }),
    (
        "SELECT e.audit_seq, s.id, e.on_day, e.recorded_ms, e.actor, e.kind, e.case_key, e.body
         FROM events e LEFT JOIN subjects s ON s.key = e.subject ORDER BY e.seq",
        |row| {
            let (who, on) = (subject(row, 1, "an event")?, day(row, 2)?);
            let (recorded_ms, actor, kind, case_key, body): (i64, String, String, String, String) =
                (row.get(3)?, row.get(4)?, row.get(5)?, row.get(6)?, row.get(7)?);
            domain!(row, 0, {
                Ok(LedgerRow::Event { subject: who?, on: on?, recorded_ms, actor, kind, case_key, body: json_value(&body) })
            })
        },
    ),
    (
        "SELECT r.audit_seq, r.report_id, p.id, s.id, r.behaviour, r.occurred_on, r.description, r.evidence, r.facts, r.filed_by,
                r.filed_at_ms, r.filed_on
         FROM reports r LEFT JOIN subjects p ON p.key = r.reporter LEFT JOIN subjects s ON s.key = r.subject ORDER BY r.seq",
        |row| {
            let report_id: String = row.get(1)?;
            let what = format!("report {report_id}");
            let (reporter, who, occurred_on, filed_on) = (subject(row, 2, &what)?, subject(row, 3, &what)?, day(row, 5)?, day(row, 11)?);
            let (behaviour, description, evidence, facts, filed_by, filed_at_ms): (String, String, String, String, String, i64) =
                (row.get(4)?, row.get(6)?, row.get(7)?, row.get(8)?, row.get(9)?, row.get(10)?);
            domain!(row, 0, {
                Ok(LedgerRow::Report {
                    report_id,
                    reporter: reporter?,
                    subject: who?,
                    behaviour,
                    occurred_on: occurred_on?,
                    description,
                    evidence: json_value(&evidence),
                    facts,
                    filed_by,
                    filed_at_ms,
                    filed_on: filed_on?,
                })
            })
        },
    ),
    (
        "SELECT e.audit_seq, r.report_id, e.state, e.actor, e.at_ms, e.on_day, e.reasons, e.record_id, e.reward_id
         FROM report_events e LEFT JOIN reports r ON r.seq = e.report ORDER BY e.seq",
        |row| {
            let report_id: Option<String> = row.get(1)?;
            let on = day(row, 5)?;
            let (state, actor, at_ms, reasons, record_id, reward_id) =
                (row.get(2)?, row.get(3)?, row.get(4)?, row.get(6)?, row.get(7)?, row.get(8)?);
            domain!(row, 0, {
                let report_id = report_id.ok_or("a report event refers to a missing report")?;
                Ok(LedgerRow::ReportEvent { report_id, state, actor, at_ms, on: on?, reasons, record_id, reward_id })
            })
        },
    ),
    ("SELECT audit_seq, hash, media_type, bytes, added_by, added_ms FROM evidence ORDER BY rowid", |row| {
        let (hash, media_type, bytes, added_by, added_ms) = (row.get(1)?, row.get(2)?, row.get(3)?, row.get(4)?, row.get(5)?);
        domain!(row, 0, { Ok(LedgerRow::Evidence { hash, media_type, bytes, added_by, added_ms }) })
    }),
    (
        "SELECT p.audit_seq, p.record_id, p.partner, s.id, p.behaviour, p.occurred_on, p.source, p.evidence, p.recorded_ms
         FROM pending_records p LEFT JOIN subjects s ON s.key = p.subject ORDER BY p.rowid",
        |row| {
            let record_id: String = row.get(1)?;
            let (who, occurred_on) = (subject(row, 3, &format!("pending record {record_id}"))?, day(row, 5)?);
            let (partner, behaviour, source, evidence, recorded_ms) = (row.get(2)?, row.get(4)?, row.get(6)?, row.get(7)?, row.get(8)?);
            domain!(row, 0, {
                Ok(LedgerRow::PendingRecord {
                    record_id,
                    partner,
                    subject: who?,
                    behaviour,
                    occurred_on: occurred_on?,
                    source,
                    evidence,
                    recorded_ms,
                })
            })
        },
    ),
    ("SELECT audit_seq, record_id, outcome, reasons, actor, at FROM pending_decisions ORDER BY rowid", |row| {
        let (record_id, outcome, reasons, actor, at) = (row.get(1)?, row.get(2)?, row.get(3)?, row.get(4)?, row.get(5)?);
        domain!(row, 0, { Ok(LedgerRow::PendingDecision { record_id, outcome, reasons, actor, at }) })
    }),
    ("SELECT audit_seq, partner, batch_id, at_ms, receipt FROM partner_batches ORDER BY seq", |row| {
        let (partner, batch_id, at_ms, receipt): (String, String, i64, String) = (row.get(1)?, row.get(2)?, row.get(3)?, row.get(4)?);
        domain!(row, 0, { Ok(LedgerRow::PartnerBatch { partner, batch_id, at_ms, receipt: json_value(&receipt) }) })
    }),
    (
        "SELECT coalesce(r.audit_seq, -1), e.rulebook_seq, s.id, e.entry_id FROM rulebook_entries e
         LEFT JOIN rulebooks r ON r.seq = e.rulebook_seq LEFT JOIN subjects s ON s.key = e.subject
         ORDER BY 1, e.subject, e.entry_id",
        |row| {
            let (rulebook_seq, entry_id): (i64, String) = (row.get(1)?, row.get(3)?);
            let who = subject(row, 2, &format!("carried entry {entry_id}"))?;
            domain!(row, 0, { Ok(LedgerRow::RulebookEntry { rulebook_seq, subject: who?, entry_id }) })
        },
    ),
    ("SELECT audit_seq, kind, key, state FROM seals ORDER BY seq", |row| {
        let (kind, key, state): (String, String, String) = (row.get(1)?, row.get(2)?, row.get(3)?);
        domain!(row, 0, { Ok(LedgerRow::Seal { kind, key, state: json_value(&state) }) })
    }),
];

/// Streams one ledger table in insertion order.
struct Cursor<'s> {
    rows: rusqlite::Rows<'s>,
    read: ReadRow,
    pending: Option<(i64, LedgerRow)>,
}

impl Cursor<'_> {
    fn advance(&mut self) -> Result<()> {
        self.pending = match self.rows.next()? {
            Some(row) => {
                let (seq, built) = (self.read)(row)?;
                Some((seq, built.map_err(broken)?))
            }
            None => None,
        };
        Ok(())
    }
}

/// The rows each entry wrote, entry by entry, from a merge join over every
/// ledger table. `visit` sees each entry's number and rows; it is how verify,
/// proofs and export read the ledger in one ordered pass.
pub(crate) fn for_each_entry_rows(
    connection: &Connection,
    mut visit: impl FnMut(&Row<'_>, i64, Vec<LedgerRow>) -> Result<bool>,
) -> Result<()> {
    let mut statements = LEDGER_SCANS.iter().map(|(sql, _)| connection.prepare(sql)).collect::<Result<Vec<_>, _>>()?;
    let mut cursors = Vec::with_capacity(statements.len());
    for (statement, (_, read)) in statements.iter_mut().zip(LEDGER_SCANS) {
        let mut cursor = Cursor { rows: statement.query([])?, read, pending: None };
        cursor.advance()?;
        cursors.push(cursor);
    }
    let mut audit = connection.prepare("SELECT seq, at, actor, action, subject, detail, digest, hash FROM audit ORDER BY seq")?;
    let mut entries = audit.query([])?;
    while let Some(entry) = entries.next()? {
        let seq: i64 = entry.get(0)?;
        let mut rows = Vec::new();
        for cursor in cursors.iter_mut() {
            while let Some((row_seq, _)) = &cursor.pending {
                if *row_seq > seq {
                    break;
                }
                if *row_seq < seq {
                    return Err(broken(format!("a ledger row claims entry {row_seq}, which does not exist or comes before it")));
                }
                let (_, row) = cursor.pending.take().expect("just matched");
                rows.push(row);
                cursor.advance()?;
            }
        }
        if !visit(entry, seq, rows)? {
            return Ok(());
        }
    }
    if let Some((row_seq, row)) = cursors.iter().find_map(|cursor| cursor.pending.as_ref()) {
        let table = crate::audit::rows::SECTIONS[row.section()];
        return Err(broken(format!("a row of {table} claims entry {row_seq}, which the log does not hold (entries deleted?)")));
    }
    Ok(())
}

/// The entry a stored audit row holds, as its leaf hash covers it.
pub(crate) fn entry_fields(entry: &Row<'_>, digest: String) -> Result<EntryFields> {
    let detail: String = entry.get(5)?;
    Ok(EntryFields {
        seq: entry.get(0)?,
        at: entry.get(1)?,
        actor: entry.get(2)?,
        action: entry.get(3)?,
        subject: entry.get(4)?,
        detail: json_value(&detail),
        digest,
    })
}

/// Verifies the whole store. Returns the report and every entry's leaf hash
/// (32 bytes an entry), from which consistency with a checkpoint is proved.
pub(crate) fn verify(connection: &Connection) -> Result<(VerifyReport, Vec<Hash>)> {
    integrity_check(connection)?;
    let mut leaves: Vec<Hash> = Vec::new();
    let mut ledger_rows = 0u64;
    for_each_entry_rows(connection, |entry, seq, rows| {
        if seq != leaves.len() as i64 + 1 {
            return Err(broken(format!("entry {} is missing (found {seq} next)", leaves.len() + 1)));
        }
        let mut digest = RowDigest::default();
        for row in &rows {
            digest.add(row);
        }
        ledger_rows += digest.rows();
        let (stored_digest, stored_leaf): (String, String) = (entry.get(6)?, entry.get(7)?);
        let fields = entry_fields(entry, digest.finish())?;
        if fields.digest != stored_digest {
            return Err(broken(format!(
                "entry {seq} ({} by {} at {}): the ledger rows it wrote were changed, removed or added",
                fields.action, fields.actor, fields.at
            )));
        }
        let leaf = fields.leaf();
        if to_hex(&leaf) != stored_leaf {
            return Err(broken(format!("entry {seq} ({}) was altered: its hash does not match its content", fields.action)));
        }
        leaves.push(leaf);
        Ok(true)
    })?;
    let mut frontier = Frontier::default();
    for leaf in &leaves {
        frontier.push(*leaf);
    }
    let stored = read_frontier(connection)?;
    if stored != frontier {
        return Err(broken(format!(
            "the log's stored head (size {}) is not the tree of its {} entries: entries were removed, added or reordered",
            stored.size(),
            frontier.size()
        )));
    }
    verify_settings(connection)?;
    verify_evidence(connection)?;
    let (accounts, tokens) = seals::verify(connection)?;
    let (accesses, accesses_head) = verify_accesses(connection)?;
    let (stored_accesses, stored_access_head): (i64, String) =
        connection.query_row("SELECT size, nodes FROM log_head WHERE log = 'accesses'", [], |row| Ok((row.get(0)?, row.get(1)?)))?;
    if stored_accesses as u64 != accesses || stored_access_head != accesses_head {
        return Err(broken(format!(
            "the access log holds {accesses} rows but its head says {stored_accesses}: rows were removed or added"
        )));
    }
    let report = VerifyReport {
        entries: leaves.len() as u64,
        ledger_rows,
        root: to_hex(&frontier.root()),
        accesses,
        accesses_head,
        checks: 0,
        check_groups: 0,
        checks_head: crate::audit::GENESIS.to_string(),
        accounts,
        tokens,
        consistent_with: None,
    };
    Ok((report, leaves))
}

/// SQLite's own check of its pages and indexes: a flipped bit that breaks a
/// unique index can let the same id be stored twice, which no hash sees.
fn integrity_check(connection: &Connection) -> Result<()> {
    let mut statement = connection.prepare("PRAGMA integrity_check(20)")?;
    let problems: Vec<String> = statement.query_map([], |row| row.get(0))?.collect::<Result<_, _>>()?;
    if problems != ["ok"] {
        return Err(broken(format!("the database's integrity check failed: {}", problems.join("; "))));
    }
    Ok(())
}

/// The store's settings (its log's name, how it dates acts, its time zone)
/// are those its first entry, `store.init`, recorded: switching a live store
/// to replay dating to back-date acts, even for a while, is found.
fn verify_settings(connection: &Connection) -> Result<()> {
    use rusqlite::OptionalExtension;
    let first: Option<(String, String)> =
        connection.query_row("SELECT action, detail FROM audit WHERE seq = 1", [], |row| Ok((row.get(0)?, row.get(1)?))).optional()?;
    let Some((action, detail)) = first else { return Ok(()) };
    if action != "store.init" {
        return Err(broken("entry 1 is not the store's creation"));
    }
    let detail = json_value(&detail);
    for key in ["origin", "dating", "utc_offset"] {
        let stored: Option<String> = connection.query_row("SELECT value FROM meta WHERE key = ?1", [key], |row| row.get(0)).optional()?;
        if stored.as_deref() != detail[key].as_str() {
            return Err(broken(format!("the store's setting `{key}` is not the one its creation recorded")));
        }
    }
    Ok(())
}

/// Evidence is kept by content: its bytes must still hash to its name.
fn verify_evidence(connection: &Connection) -> Result<()> {
    let mut statement = connection.prepare("SELECT hash, bytes, data FROM evidence ORDER BY rowid")?;
    let mut rows = statement.query([])?;
    while let Some(row) = rows.next()? {
        let (hash, bytes, data): (String, i64, Vec<u8>) = (row.get(0)?, row.get(1)?, row.get(2)?);
        if hex::encode(Sha256::digest(&data)) != hash || data.len() as i64 != bytes {
            return Err(broken(format!("evidence {hash}: its stored bytes were changed")));
        }
    }
    Ok(())
}
