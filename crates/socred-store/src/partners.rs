//! Data partners: records pushed under an agreement (the behaviours a partner
//! may report), receipts for every batch, and records that wait for a
//! reviewer when the rulebook says their behaviour needs confirmation.

use serde::{Deserialize, Serialize};
use socred_core::{Date, SubjectId};

use crate::error::StoreError;

/// Who a partner is and what its agreement lets it report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PartnerScope {
    /// The account's username: receipts are filed under it.
    pub username: String,
    /// The source written on its records (its registered name).
    pub source: String,
    pub behaviours: Vec<String>,
}

impl PartnerScope {
    pub fn may_report(&self, behaviour: &str) -> bool {
        self.behaviours.iter().any(|b| b == behaviour)
    }
}

/// One refused line of a batch.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LineError {
    pub line: u64,
    pub field: String,
    pub reason: String,
    /// The field and the reason in Chinese (empty in receipts from before
    /// they were kept in both languages).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub field_zh: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub reason_zh: String,
}

impl LineError {
    /// The field and the reason, in Chinese when asked and the receipt kept them so.
    pub fn words(&self, chinese: bool) -> (&str, &str) {
        if chinese && !self.reason_zh.is_empty() {
            (if self.field_zh.is_empty() { &self.field } else { &self.field_zh }, &self.reason_zh)
        } else {
            (&self.field, &self.reason)
        }
    }
}

/// The receipt of one partner batch.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PartnerBatch {
    pub batch_id: String,
    pub partner: String,
    /// Unix milliseconds when it was received.
    pub received_at_ms: i64,
    pub lines: u64,
    /// New records stored (they count from now).
    pub accepted: u64,
    /// Records already stored with the same id and content.
    pub duplicates: u64,
    /// Records stored to wait for a reviewer's confirmation.
    pub pending_review: u64,
    pub rejected: u64,
    /// False when the batch was refused whole (a bad line without skip_invalid).
    pub stored: bool,
    pub errors: Vec<LineError>,
    pub errors_not_listed: u64,
    /// True when this batch id was received before: this is the first receipt, nothing was done again.
    #[serde(default)]
    pub replayed: bool,
}

/// A partner record waiting for a reviewer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PendingRecord {
    pub record_id: String,
    pub partner: String,
    pub subject: SubjectId,
    pub behaviour: String,
    #[serde(with = "socred_core::date::serde_date")]
    pub occurred_on: Date,
    pub source: String,
    pub evidence: Option<String>,
    /// None while waiting; confirmed or rejected.
    pub decision: Option<String>,
}

/// Per partner: batches, lines and how many were refused.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PartnerMetrics {
    pub partner: String,
    pub batches: u64,
    pub batches_refused: u64,
    pub lines: u64,
    pub accepted: u64,
    pub pending_review: u64,
    pub rejected: u64,
    pub mean_batch_lines: f64,
    /// rejected lines / lines.
    pub rejection_rate: f64,
}

/// The ledger row of a partner record that waits for a reviewer: what both backends store and digest.
pub(crate) fn pending_row(record: &socred_core::record::Record, partner: &str, recorded_ms: i64) -> crate::audit::LedgerRow {
    crate::audit::LedgerRow::PendingRecord {
        record_id: record.id.as_str().to_string(),
        partner: partner.to_string(),
        subject: record.subject,
        behaviour: record.behaviour.clone(),
        occurred_on: record.occurred_on,
        source: record.source.clone(),
        evidence: record.evidence.clone(),
        recorded_ms,
    }
}

/// partner, subject key, subject id, behaviour, day, source, evidence.
pub(crate) type PendingRow = (String, i64, String, String, i64, String, Option<String>);

/// A stored decision on a pending record (`confirmed`, `rejected`) as its message.
pub(crate) fn pending_outcome(decided: &str) -> String {
    if decided == "confirmed" { "input-pending-confirmed" } else { "input-pending-rejected" }.to_string()
}

/// A pending record's id claimed by another record while it waited: confirming it would store nothing.
pub(crate) fn taken_since(record_id: &str) -> StoreError {
    StoreError::conflict_message("input-conflict-taken-since", vec![("record", socred_i18n::Argument::Text(record_id.to_string()))])
}
