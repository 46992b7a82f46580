//! The audit log: one entry per state change, hash-chained, each carrying a
//! digest of the ledger rows it wrote. Changing, removing or adding a ledger
//! row, or an audit entry, breaks verification at the entry concerned.
//!
//! A chain can be recomputed by whoever can write the file; publishing the head
//! hash (`socred audit head`) somewhere else anchors it.

use rusqlite::{Connection, OptionalExtension, params};
use serde::Serialize;
use sha2::{Digest, Sha256};
use socred_core::date::Moment;
use socred_core::record::RecordContent;
use socred_core::{Date, SubjectId};

use crate::error::{Result, StoreError};

/// The hash before the first entry.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

fn field(hasher: &mut Sha256, bytes: &[u8]) {
    hasher.update((bytes.len() as u64).to_le_bytes());
    hasher.update(bytes);
}

/// When a row was recorded: the instant and its day (a Julian day number).
fn moment(hasher: &mut Sha256, recorded: Moment) {
    hasher.update(recorded.unix_ms.to_le_bytes());
    hasher.update(i64::from(recorded.day.to_julian_day()).to_le_bytes());
}

/// Digest of the ledger rows one audit entry wrote, section by section, in
/// insertion order. Built incrementally while writing and again while verifying.
#[derive(Clone, Default)]
pub struct RowDigest {
    subjects: Sha256,
    links: Sha256,
    records: Sha256,
    voids: Sha256,
    rulebooks: Sha256,
    events: Sha256,
    rows: u64,
}

impl RowDigest {
    pub fn subject(&mut self, id: &str, kind: &str, name: &str, reference: &str, recorded: Moment) {
        for part in [id, kind, name, reference] {
            field(&mut self.subjects, part.as_bytes());
        }
        moment(&mut self.subjects, recorded);
        self.rows += 1;
    }

    pub fn link(&mut self, subject: &str, kind: &str, other: &str, recorded: Moment) {
        for part in [subject, kind, other] {
            field(&mut self.links, part.as_bytes());
        }
        moment(&mut self.links, recorded);
        self.rows += 1;
    }

    pub fn record(&mut self, record_id: &str, content: &RecordContent<'_>, recorded: Moment) {
        field(&mut self.records, record_id.as_bytes());
        content.feed(&mut self.records);
        moment(&mut self.records, recorded);
        self.rows += 1;
    }

    pub fn void(&mut self, record_id: &str, reason: &str, recorded: Moment) {
        field(&mut self.voids, record_id.as_bytes());
        field(&mut self.voids, reason.as_bytes());
        moment(&mut self.voids, recorded);
        self.rows += 1;
    }

    #[allow(clippy::too_many_arguments)]
    pub fn event(&mut self, subject: &str, on_day: i64, recorded_ms: i64, actor: &str, kind: &str, case_key: &str, body: &str) {
        field(&mut self.events, subject.as_bytes());
        self.events.update(on_day.to_le_bytes());
        self.events.update(recorded_ms.to_le_bytes());
        for part in [actor, kind, case_key, body] {
            field(&mut self.events, part.as_bytes());
        }
        self.rows += 1;
    }

    pub fn rulebook(&mut self, fingerprint: &str, recorded: Moment) {
        field(&mut self.rulebooks, fingerprint.as_bytes());
        moment(&mut self.rulebooks, recorded);
        self.rows += 1;
    }

    pub fn rows(&self) -> u64 {
        self.rows
    }

    pub fn finish(self) -> String {
        let mut outer = Sha256::new();
        outer.update(self.rows.to_le_bytes());
        for section in [self.subjects, self.links, self.records, self.voids, self.rulebooks, self.events] {
            outer.update(section.finalize());
        }
        hex::encode(outer.finalize())
    }
}

/// One audit entry as stored and shown.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AuditEntry {
    pub seq: i64,
    pub at: String,
    pub actor: String,
    pub action: String,
    pub subject: Option<String>,
    pub detail: serde_json::Value,
    pub digest: String,
    pub prev: String,
    pub hash: String,
}

/// The fields of an entry that its hash covers.
pub struct EntryFields<'a> {
    pub seq: i64,
    pub at: &'a str,
    pub actor: &'a str,
    pub action: &'a str,
    pub subject: Option<&'a str>,
    pub detail: &'a str,
    pub digest: &'a str,
}

pub fn entry_hash(prev: &str, entry: &EntryFields<'_>) -> String {
    let mut hasher = Sha256::new();
    field(&mut hasher, prev.as_bytes());
    hasher.update(entry.seq.to_le_bytes());
    for part in [entry.at, entry.actor, entry.action, entry.subject.unwrap_or(""), entry.detail, entry.digest] {
        field(&mut hasher, part.as_bytes());
    }
    field(&mut hasher, if entry.subject.is_some() { b"1" } else { b"0" });
    hex::encode(hasher.finalize())
}

/// The next audit sequence number, to be reserved inside a write transaction.
pub fn next_seq(connection: &Connection) -> Result<i64> {
    Ok(connection.query_row("SELECT COALESCE(MAX(seq), 0) + 1 FROM audit", [], |row| row.get(0))?)
}

/// Appends the entry `seq` (reserved with [`next_seq`]) to the chain.
#[allow(clippy::too_many_arguments)]
pub fn append(
    connection: &Connection,
    seq: i64,
    at: &str,
    actor: &str,
    action: &str,
    subject: Option<&str>,
    detail: &serde_json::Value,
    digest: RowDigest,
) -> Result<String> {
    let prev: String = connection
        .query_row("SELECT hash FROM audit WHERE seq = ?1", [seq - 1], |row| row.get(0))
        .optional()?
        .unwrap_or_else(|| GENESIS.to_string());
    let detail = detail.to_string();
    let digest = digest.finish();
    let hash = entry_hash(&prev, &EntryFields { seq, at, actor, action, subject, detail: &detail, digest: &digest });
    connection.execute(
        "INSERT INTO audit (seq, at, actor, action, subject, detail, digest, prev, hash) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
        params![seq, at, actor, action, subject, detail, digest, prev, hash],
    )?;
    Ok(hash)
}

/// What a successful verification saw.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct VerifyReport {
    pub entries: u64,
    pub ledger_rows: u64,
    pub head: String,
    /// Entries of the access log (reads of files), chained separately.
    pub accesses: u64,
    pub accesses_head: String,
    /// Entries of the check log (providers' decisions), chained separately.
    pub checks: u64,
}

/// The hash of one access-log row.
pub fn access_hash(prev: &str, seq: i64, at: &str, actor: &str, subject: &str, purpose: &str, what: &str) -> String {
    let mut hasher = Sha256::new();
    field(&mut hasher, prev.as_bytes());
    hasher.update(seq.to_le_bytes());
    for part in [at, actor, subject, purpose, what] {
        field(&mut hasher, part.as_bytes());
    }
    hex::encode(hasher.finalize())
}

/// Appends a row to the access log, inside the caller's transaction.
pub fn log_access(
    connection: &Connection,
    at: &str,
    actor: &str,
    subject_key: i64,
    subject: &str,
    purpose: &str,
    what: &str,
) -> Result<()> {
    let (seq, prev): (i64, String) = connection
        .query_row("SELECT seq, hash FROM accesses ORDER BY seq DESC LIMIT 1", [], |row| Ok((row.get(0)?, row.get(1)?)))
        .optional()?
        .map(|(seq, hash): (i64, String)| (seq + 1, hash))
        .unwrap_or((1, GENESIS.to_string()));
    let hash = access_hash(&prev, seq, at, actor, subject, purpose, what);
    connection
        .prepare_cached(
            "INSERT INTO accesses (seq, at, actor, subject, purpose, what, prev, hash) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        )?
        .execute(params![seq, at, actor, subject_key, purpose, what, prev, hash])?;
    Ok(())
}

fn verify_accesses(connection: &Connection) -> Result<(u64, String)> {
    let mut statement = connection.prepare(
        "SELECT a.seq, a.at, a.actor, s.id, a.purpose, a.what, a.prev, a.hash FROM accesses a
         LEFT JOIN subjects s ON s.key = a.subject ORDER BY a.seq",
    )?;
    let mut rows = statement.query([])?;
    let mut prev = GENESIS.to_string();
    let mut expected = 1i64;
    while let Some(row) = rows.next()? {
        let seq: i64 = row.get(0)?;
        let (at, actor): (String, String) = (row.get(1)?, row.get(2)?);
        let subject: Option<String> = row.get(3)?;
        let (purpose, what, stored_prev, hash): (String, String, String, String) = (row.get(4)?, row.get(5)?, row.get(6)?, row.get(7)?);
        let subject = subject.ok_or_else(|| StoreError::AuditBroken(format!("access {seq} refers to a missing subject")))?;
        if seq != expected || stored_prev != prev || access_hash(&prev, seq, &at, &actor, &subject, &purpose, &what) != hash {
            return Err(StoreError::AuditBroken(format!("the access log was altered at entry {expected}")));
        }
        prev = hash;
        expected += 1;
    }
    Ok(((expected - 1) as u64, prev))
}

/// One ledger row, as the digest sees it.
enum LedgerRow {
    Event {
        subject: Option<String>,
        on_day: i64,
        recorded_ms: i64,
        actor: String,
        kind: String,
        case_key: String,
        body: String,
    },
    Subject {
        id: String,
        kind: String,
        name: String,
        reference: String,
        recorded: (i64, i64),
    },
    Link {
        subject: Option<String>,
        kind: String,
        other: Option<String>,
        recorded: (i64, i64),
    },
    Record {
        record_id: String,
        subject: Option<String>,
        behaviour: String,
        occurred_on: i64,
        source: String,
        evidence: Option<String>,
        recorded_ms: i64,
        recorded_day: i64,
    },
    Void {
        record_id: Option<String>,
        reason: String,
        recorded_ms: i64,
        recorded_day: i64,
    },
    Rulebook {
        fingerprint: String,
        recorded: (i64, i64),
    },
}

impl LedgerRow {
    fn feed(self, digest: &mut RowDigest) -> Result<()> {
        let broken = |what: String| StoreError::AuditBroken(what);
        match self {
            LedgerRow::Subject { id, kind, name, reference, recorded } => {
                digest.subject(&id, &kind, &name, &reference, stored_moment(recorded, &id)?)
            }
            LedgerRow::Link { subject, kind, other, recorded } => {
                let (Some(subject), Some(other)) = (subject, other) else {
                    return Err(broken("a link refers to a missing subject".into()));
                };
                digest.link(&subject, &kind, &other, stored_moment(recorded, &subject)?)
            }
            LedgerRow::Record { record_id, subject, behaviour, occurred_on, source, evidence, recorded_ms, recorded_day } => {
                let subject = subject.ok_or_else(|| broken(format!("record {record_id} refers to a missing subject")))?;
                let subject = SubjectId::parse(&subject).map_err(|e| StoreError::Corrupt(format!("record {record_id}: subject {e}")))?;
                let occurred_on = day_of(occurred_on).ok_or_else(|| StoreError::Corrupt(format!("record {record_id}: bad date")))?;
                let recorded = Moment {
                    unix_ms: recorded_ms,
                    day: day_of(recorded_day).ok_or_else(|| StoreError::Corrupt(format!("record {record_id}: bad recorded day")))?,
                };
                let content =
                    RecordContent { subject: &subject, behaviour: &behaviour, occurred_on, source: &source, evidence: evidence.as_deref() };
                digest.record(&record_id, &content, recorded)
            }
            LedgerRow::Void { record_id, reason, recorded_ms, recorded_day } => {
                let record_id = record_id.ok_or_else(|| broken("a void refers to a missing record".into()))?;
                let day = day_of(recorded_day).ok_or_else(|| StoreError::Corrupt(format!("void of {record_id}: bad recorded day")))?;
                digest.void(&record_id, &reason, Moment { unix_ms: recorded_ms, day })
            }
            LedgerRow::Rulebook { fingerprint, recorded } => digest.rulebook(&fingerprint, stored_moment(recorded, "a rulebook")?),
            LedgerRow::Event { subject, on_day, recorded_ms, actor, kind, case_key, body } => {
                let subject = subject.ok_or_else(|| broken(format!("event {case_key} refers to a missing subject")))?;
                digest.event(&subject, on_day, recorded_ms, &actor, &kind, &case_key, &body)
            }
        }
        Ok(())
    }
}

fn day_of(julian: i64) -> Option<Date> {
    i32::try_from(julian).ok().and_then(|day| Date::from_julian_day(day).ok())
}

fn stored_moment((unix_ms, day): (i64, i64), what: &str) -> Result<Moment> {
    let day = day_of(day).ok_or_else(|| StoreError::Corrupt(format!("{what}: bad recorded day")))?;
    Ok(Moment { unix_ms, day })
}

type ReadRow = fn(&rusqlite::Row<'_>) -> rusqlite::Result<(i64, LedgerRow)>;

/// Streams one ledger table in insertion order.
struct Cursor<'s> {
    rows: rusqlite::Rows<'s>,
    read: ReadRow,
    pending: Option<(i64, LedgerRow)>,
}

impl Cursor<'_> {
    fn advance(&mut self) -> Result<()> {
        self.pending = match self.rows.next()? {
            Some(row) => Some((self.read)(row)?),
            None => None,
        };
        Ok(())
    }
}

const LEDGER_SCANS: [(&str, ReadRow); 6] = [
    ("SELECT audit_seq, id, kind, name, recorded_ms, recorded_day, reference FROM subjects ORDER BY key", |row| {
        Ok((
            row.get(0)?,
            LedgerRow::Subject {
                id: row.get(1)?,
                kind: row.get(2)?,
                name: row.get(3)?,
                reference: row.get(6)?,
                recorded: (row.get(4)?, row.get(5)?),
            },
        ))
    }),
    (
        "SELECT l.audit_seq, s.id, l.kind, o.id, l.recorded_ms, l.recorded_day FROM links l LEFT JOIN subjects s ON s.key = l.subject
         LEFT JOIN subjects o ON o.key = l.other ORDER BY l.rowid",
        |row| {
            Ok((
                row.get(0)?,
                LedgerRow::Link { subject: row.get(1)?, kind: row.get(2)?, other: row.get(3)?, recorded: (row.get(4)?, row.get(5)?) },
            ))
        },
    ),
    (
        "SELECT r.audit_seq, r.record_id, s.id, r.behaviour, r.occurred_on, r.source, r.evidence, r.recorded_ms, r.recorded_day
         FROM records r LEFT JOIN subjects s ON s.key = r.subject ORDER BY r.seq",
        |row| {
            Ok((
                row.get(0)?,
                LedgerRow::Record {
                    record_id: row.get(1)?,
                    subject: row.get(2)?,
                    behaviour: row.get(3)?,
                    occurred_on: row.get(4)?,
                    source: row.get(5)?,
                    evidence: row.get(6)?,
                    recorded_ms: row.get(7)?,
                    recorded_day: row.get(8)?,
                },
            ))
        },
    ),
    (
        "SELECT v.audit_seq, r.record_id, v.reason, v.recorded_ms, v.recorded_day FROM voids v
         LEFT JOIN records r ON r.seq = v.record_seq ORDER BY v.seq",
        |row| {
            Ok((
                row.get(0)?,
                LedgerRow::Void { record_id: row.get(1)?, reason: row.get(2)?, recorded_ms: row.get(3)?, recorded_day: row.get(4)? },
            ))
        },
    ),
    ("SELECT audit_seq, fingerprint, recorded_ms, recorded_day FROM rulebooks ORDER BY seq", |row| {
        Ok((row.get(0)?, LedgerRow::Rulebook { fingerprint: row.get(1)?, recorded: (row.get(2)?, row.get(3)?) }))
    }),
    (
        "SELECT e.audit_seq, s.id, e.on_day, e.recorded_ms, e.actor, e.kind, e.case_key, e.body
         FROM events e LEFT JOIN subjects s ON s.key = e.subject ORDER BY e.seq",
        |row| {
            Ok((
                row.get(0)?,
                LedgerRow::Event {
                    subject: row.get(1)?,
                    on_day: row.get(2)?,
                    recorded_ms: row.get(3)?,
                    actor: row.get(4)?,
                    kind: row.get(5)?,
                    case_key: row.get(6)?,
                    body: row.get(7)?,
                },
            ))
        },
    ),
];

/// Walks the chain and every ledger table once, in order (a merge join on
/// audit_seq), recomputing each entry's row digest and hash. Memory stays
/// constant whatever the size of the ledger.
pub fn verify(connection: &Connection) -> Result<VerifyReport> {
    let broken = |what: String| StoreError::AuditBroken(what);
    let mut statements = LEDGER_SCANS.iter().map(|(sql, _)| connection.prepare(sql)).collect::<Result<Vec<_>, _>>()?;
    let mut cursors = Vec::with_capacity(statements.len());
    for (statement, (_, read)) in statements.iter_mut().zip(LEDGER_SCANS) {
        let mut cursor = Cursor { rows: statement.query([])?, read, pending: None };
        cursor.advance()?;
        cursors.push(cursor);
    }

    let mut audit_statement =
        connection.prepare("SELECT seq, at, actor, action, subject, detail, digest, prev, hash FROM audit ORDER BY seq")?;
    let mut audit_rows = audit_statement.query([])?;
    let mut prev = GENESIS.to_string();
    let mut expected_seq = 1i64;
    let mut ledger_rows = 0u64;
    while let Some(row) = audit_rows.next()? {
        let seq: i64 = row.get(0)?;
        let (at, actor, action): (String, String, String) = (row.get(1)?, row.get(2)?, row.get(3)?);
        let subject: Option<String> = row.get(4)?;
        let (detail, digest, stored_prev, hash): (String, String, String, String) = (row.get(5)?, row.get(6)?, row.get(7)?, row.get(8)?);
        if seq != expected_seq {
            return Err(broken(format!("entry {expected_seq} is missing (found {seq} next)")));
        }
        if stored_prev != prev {
            return Err(broken(format!("entry {seq} does not link to entry {}", seq - 1)));
        }
        let mut rows = RowDigest::default();
        for cursor in cursors.iter_mut() {
            while let Some((row_seq, _)) = &cursor.pending {
                if *row_seq > seq {
                    break;
                }
                if *row_seq < seq {
                    return Err(broken(format!("a ledger row claims entry {row_seq} but appears after it")));
                }
                let (_, ledger_row) = cursor.pending.take().expect("just matched");
                ledger_row.feed(&mut rows)?;
                cursor.advance()?;
            }
        }
        ledger_rows += rows.rows();
        if rows.finish() != digest {
            return Err(broken(format!(
                "entry {seq} ({action} by {actor} at {at}): the ledger rows it wrote were changed, removed or added"
            )));
        }
        let fields =
            EntryFields { seq, at: &at, actor: &actor, action: &action, subject: subject.as_deref(), detail: &detail, digest: &digest };
        if entry_hash(&prev, &fields) != hash {
            return Err(broken(format!("entry {seq} ({action}) was altered: its hash does not match its content")));
        }
        prev = hash;
        expected_seq += 1;
    }
    if cursors.iter().any(|cursor| cursor.pending.is_some()) {
        return Err(broken("ledger rows exist that no audit entry wrote".into()));
    }
    let (accesses, accesses_head) = verify_accesses(connection)?;
    Ok(VerifyReport { entries: (expected_seq - 1) as u64, ledger_rows, head: prev, accesses, accesses_head, checks: 0 })
}

/// The newest audit entries, newest first, at most `limit`.
pub fn recent(connection: &Connection, subject: Option<&str>, limit: u32) -> Result<Vec<AuditEntry>> {
    let mut statement = connection.prepare(
        "SELECT seq, at, actor, action, subject, detail, digest, prev, hash FROM audit
         WHERE ?1 IS NULL OR subject = ?1 ORDER BY seq DESC LIMIT ?2",
    )?;
    let rows = statement.query_map(params![subject, limit], |row| {
        let detail: String = row.get(5)?;
        Ok(AuditEntry {
            seq: row.get(0)?,
            at: row.get(1)?,
            actor: row.get(2)?,
            action: row.get(3)?,
            subject: row.get(4)?,
            detail: serde_json::from_str(&detail).unwrap_or(serde_json::Value::String(detail)),
            digest: row.get(6)?,
            prev: row.get(7)?,
            hash: row.get(8)?,
        })
    })?;
    Ok(rows.collect::<Result<Vec<_>, _>>()?)
}

/// The hash of the newest entry: publish it elsewhere to anchor the chain.
pub fn head(connection: &Connection) -> Result<(i64, String)> {
    Ok(connection
        .query_row("SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1", [], |row| Ok((row.get(0)?, row.get(1)?)))
        .optional()?
        .unwrap_or((0, GENESIS.to_string())))
}
