//! The ledger rows an audit entry wrote, as domain values, and the digest
//! over them (docs/audit-format.md, "Row digest"). The writer feeds the
//! digest while it inserts; `audit verify` and inclusion proofs rebuild the
//! same rows from storage and feed them again.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use socred_core::date::Moment;
use socred_core::record::{RecordContent, date_bytes};
use socred_core::{Date, SubjectId};
use socred_log::Encoder;

/// The sections of a row digest, in the order they are combined.
pub const SECTIONS: [&str; 14] = [
    "subjects",
    "links",
    "records",
    "voids",
    "rulebooks",
    "events",
    "reports",
    "report_events",
    "evidence",
    "pending_records",
    "pending_decisions",
    "partner_batches",
    "seals",
    "rulebook_entries",
];

const RECORDS: usize = 2;

/// Digest of the ledger rows one audit entry wrote, section by section, each
/// section over its rows in insertion order.
#[derive(Clone)]
pub struct RowDigest {
    sections: [Sha256; SECTIONS.len()],
    rows: u64,
}

impl Default for RowDigest {
    fn default() -> Self {
        RowDigest { sections: std::array::from_fn(|_| Sha256::new()), rows: 0 }
    }
}

fn instant_and_day(encoder: &mut Encoder<'_>, recorded: Moment) {
    encoder.integer(recorded.unix_ms).bytes(&date_bytes(recorded.day));
}

impl RowDigest {
    /// A record, fed without building a [`LedgerRow`]: this runs once per
    /// imported record.
    pub fn record(&mut self, record_id: &str, content: &RecordContent<'_>, recorded: Moment) {
        let section = &mut self.sections[RECORDS];
        Encoder::new(section).text(record_id);
        content.feed(section);
        instant_and_day(&mut Encoder::new(section), recorded);
        self.rows += 1;
    }

    pub fn add(&mut self, row: &LedgerRow) {
        if let LedgerRow::Record { record_id, subject, behaviour, occurred_on, source, evidence, recorded_ms, recorded_on } = row {
            let content = RecordContent { subject, behaviour, occurred_on: *occurred_on, source, evidence: evidence.as_deref() };
            return self.record(record_id, &content, Moment { unix_ms: *recorded_ms, day: *recorded_on });
        }
        let mut encoder = Encoder::new(&mut self.sections[row.section()]);
        row.encode(&mut encoder);
        self.rows += 1;
    }

    pub fn rows(&self) -> u64 {
        self.rows
    }

    /// Each section's hash and the row count: what an inclusion proof carries.
    pub fn finish_sections(self) -> (u64, [[u8; 32]; SECTIONS.len()]) {
        (self.rows, self.sections.map(|section| section.finalize().into()))
    }

    pub fn finish(self) -> String {
        let (rows, sections) = self.finish_sections();
        combine(rows, &sections)
    }
}

/// The digest of an entry's rows from the row count and the section hashes.
pub fn combine(rows: u64, sections: &[[u8; 32]; SECTIONS.len()]) -> String {
    let mut outer = Sha256::new();
    outer.update(rows.to_le_bytes());
    for section in sections {
        outer.update(section);
    }
    hex::encode(outer.finalize())
}

/// One ledger row, in domain values: what the digest covers, what an
/// export writes and what an inclusion proof carries.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "table", rename_all = "snake_case")]
pub enum LedgerRow {
    Subject {
        /// The subject's number, assigned in registration order.
        number: i64,
        id: SubjectId,
        kind: String,
        name: String,
        reference: String,
        recorded_ms: i64,
        #[serde(with = "socred_core::date::serde_date")]
        recorded_on: Date,
    },
    Link {
        subject: SubjectId,
        kind: String,
        other: SubjectId,
        recorded_ms: i64,
        #[serde(with = "socred_core::date::serde_date")]
        recorded_on: Date,
    },
    Record {
        record_id: String,
        subject: SubjectId,
        behaviour: String,
        #[serde(with = "socred_core::date::serde_date")]
        occurred_on: Date,
        source: String,
        evidence: Option<String>,
        recorded_ms: i64,
        #[serde(with = "socred_core::date::serde_date")]
        recorded_on: Date,
    },
    Void {
        record_id: String,
        reason: String,
        recorded_ms: i64,
        #[serde(with = "socred_core::date::serde_date")]
        recorded_on: Date,
    },
    Rulebook {
        fingerprint: String,
        recorded_ms: i64,
        #[serde(with = "socred_core::date::serde_date")]
        recorded_on: Date,
    },
    Event {
        subject: SubjectId,
        #[serde(with = "socred_core::date::serde_date")]
        on: Date,
        recorded_ms: i64,
        actor: String,
        kind: String,
        case_key: String,
        body: serde_json::Value,
    },
    Report {
        report_id: String,
        reporter: SubjectId,
        subject: SubjectId,
        behaviour: String,
        #[serde(with = "socred_core::date::serde_date")]
        occurred_on: Date,
        description: String,
        evidence: serde_json::Value,
        facts: String,
        filed_by: String,
        filed_at_ms: i64,
        #[serde(with = "socred_core::date::serde_date")]
        filed_on: Date,
    },
    ReportEvent {
        report_id: String,
        state: String,
        actor: String,
        at_ms: i64,
        #[serde(with = "socred_core::date::serde_date")]
        on: Date,
        reasons: String,
        record_id: Option<String>,
        reward_id: Option<String>,
    },
    Evidence {
        /// SHA-256 of the content; verify also hashes the stored bytes.
        hash: String,
        media_type: String,
        bytes: i64,
        added_by: String,
        added_ms: i64,
    },
    PendingRecord {
        record_id: String,
        partner: String,
        subject: SubjectId,
        behaviour: String,
        #[serde(with = "socred_core::date::serde_date")]
        occurred_on: Date,
        source: String,
        evidence: Option<String>,
        recorded_ms: i64,
    },
    PendingDecision {
        record_id: String,
        outcome: String,
        reasons: String,
        actor: String,
        at: String,
    },
    PartnerBatch {
        partner: String,
        batch_id: String,
        at_ms: i64,
        receipt: serde_json::Value,
    },
    /// The security-relevant state of an account or a token after a change
    /// (`seals.rs`): the live row must equal its newest seal.
    Seal {
        kind: String,
        key: String,
        state: serde_json::Value,
    },
    /// A list entry a subject had when a rulebook version took effect (its
    /// entries are noticed no earlier than that day). Written by the
    /// activation, in the order of (subject number, entry id).
    RulebookEntry {
        rulebook_seq: i64,
        subject: SubjectId,
        entry_id: String,
    },
}

impl LedgerRow {
    /// The subject whose file the row belongs to, if it belongs to one.
    pub fn subject(&self) -> Option<&SubjectId> {
        match self {
            LedgerRow::Subject { id, .. } => Some(id),
            LedgerRow::Link { subject, .. }
            | LedgerRow::Record { subject, .. }
            | LedgerRow::Event { subject, .. }
            | LedgerRow::Report { subject, .. }
            | LedgerRow::PendingRecord { subject, .. }
            | LedgerRow::RulebookEntry { subject, .. } => Some(subject),
            _ => None,
        }
    }

    pub fn section(&self) -> usize {
        match self {
            LedgerRow::Subject { .. } => 0,
            LedgerRow::Link { .. } => 1,
            LedgerRow::Record { .. } => RECORDS,
            LedgerRow::Void { .. } => 3,
            LedgerRow::Rulebook { .. } => 4,
            LedgerRow::Event { .. } => 5,
            LedgerRow::Report { .. } => 6,
            LedgerRow::ReportEvent { .. } => 7,
            LedgerRow::Evidence { .. } => 8,
            LedgerRow::PendingRecord { .. } => 9,
            LedgerRow::PendingDecision { .. } => 10,
            LedgerRow::PartnerBatch { .. } => 11,
            LedgerRow::Seal { .. } => 12,
            LedgerRow::RulebookEntry { .. } => 13,
        }
    }

    fn encode(&self, e: &mut Encoder<'_>) {
        let day = |e: &mut Encoder<'_>, date: &Date| {
            e.bytes(&date_bytes(*date));
        };
        match self {
            LedgerRow::Subject { number, id, kind, name, reference, recorded_ms, recorded_on } => {
                e.integer(*number).text(id.as_str()).text(kind).text(name).text(reference).integer(*recorded_ms);
                day(e, recorded_on);
            }
            LedgerRow::Link { subject, kind, other, recorded_ms, recorded_on } => {
                e.text(subject.as_str()).text(kind).text(other.as_str()).integer(*recorded_ms);
                day(e, recorded_on);
            }
            LedgerRow::Record { .. } => unreachable!("records are fed by RowDigest::record"),
            LedgerRow::Void { record_id, reason, recorded_ms, recorded_on } => {
                e.text(record_id).text(reason).integer(*recorded_ms);
                day(e, recorded_on);
            }
            LedgerRow::Rulebook { fingerprint, recorded_ms, recorded_on } => {
                e.text(fingerprint).integer(*recorded_ms);
                day(e, recorded_on);
            }
            LedgerRow::Event { subject, on, recorded_ms, actor, kind, case_key, body } => {
                e.text(subject.as_str());
                day(e, on);
                e.integer(*recorded_ms).text(actor).text(kind).text(case_key).json(body);
            }
            LedgerRow::Report {
                report_id,
                reporter,
                subject,
                behaviour,
                occurred_on,
                description,
                evidence,
                facts,
                filed_by,
                filed_at_ms,
                filed_on,
            } => {
                e.text(report_id).text(reporter.as_str()).text(subject.as_str()).text(behaviour);
                day(e, occurred_on);
                e.text(description).json(evidence).text(facts).text(filed_by).integer(*filed_at_ms);
                day(e, filed_on);
            }
            LedgerRow::ReportEvent { report_id, state, actor, at_ms, on, reasons, record_id, reward_id } => {
                e.text(report_id).text(state).text(actor).integer(*at_ms);
                day(e, on);
                e.text(reasons).optional(record_id.as_deref()).optional(reward_id.as_deref());
            }
            LedgerRow::Evidence { hash, media_type, bytes, added_by, added_ms } => {
                e.text(hash).text(media_type).integer(*bytes).text(added_by).integer(*added_ms);
            }
            LedgerRow::PendingRecord { record_id, partner, subject, behaviour, occurred_on, source, evidence, recorded_ms } => {
                e.text(record_id).text(partner).text(subject.as_str()).text(behaviour);
                day(e, occurred_on);
                e.text(source).optional(evidence.as_deref()).integer(*recorded_ms);
            }
            LedgerRow::PendingDecision { record_id, outcome, reasons, actor, at } => {
                e.text(record_id).text(outcome).text(reasons).text(actor).text(at);
            }
            LedgerRow::PartnerBatch { partner, batch_id, at_ms, receipt } => {
                e.text(partner).text(batch_id).integer(*at_ms).json(receipt);
            }
            LedgerRow::Seal { kind, key, state } => {
                e.text(kind).text(key).json(state);
            }
            LedgerRow::RulebookEntry { rulebook_seq, subject, entry_id } => {
                e.integer(*rulebook_seq).text(subject.as_str()).text(entry_id);
            }
        }
    }
}

/// A stored JSON text as a value; text that is not JSON stays a string, so
/// that a damaged row changes the digest instead of stopping verification.
pub fn json_value(text: &str) -> serde_json::Value {
    // Wrapped in an object no writer stores, so that it cannot pass for a value that is JSON.
    serde_json::from_str(text).unwrap_or_else(|_| serde_json::json!({"socred-not-json": text}))
}
