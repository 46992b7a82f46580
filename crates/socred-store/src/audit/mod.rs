//! The audit log: one entry per state change, each carrying a digest of the
//! ledger rows it wrote, as the leaves of a Merkle tree (RFC 9162). Changing,
//! removing or adding a ledger row or an entry breaks verification at the
//! entry concerned; a signed checkpoint (`checkpoint.rs`) lets anyone who
//! kept one prove that the log they see extends it.
//!
//! docs/audit-format.md specifies every hash computed here. This module is
//! the format alone: each backend stores and reads it in its own module
//! (`sqlite/audit_log.rs`, `postgres/log.rs`), so any database can hold it.

pub mod checkpoint;
pub(crate) mod proof;
pub mod rows;
pub(crate) mod seals;

use serde::Serialize;
use sha2::Sha256;
use socred_log::{Encoder, Hash};

pub use proof::{InclusionProof, MAX_PROOF_ROWS, ProvenItem};
pub use rows::{LedgerRow, RowDigest};

/// The hash before the first row of the access log and the check log.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

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
    /// The digest of the ledger rows the entry wrote.
    pub digest: String,
    /// The entry's leaf hash in the log's Merkle tree.
    pub hash: String,
}

/// The fields of an entry that its leaf hash covers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct EntryFields {
    pub seq: i64,
    pub at: String,
    pub actor: String,
    pub action: String,
    pub subject: Option<String>,
    pub detail: serde_json::Value,
    pub digest: String,
}

impl EntryFields {
    /// The entry's leaf hash: SHA-256 of 0x00 and the encoded entry.
    pub fn leaf(&self) -> Hash {
        let mut hasher = <Sha256 as sha2::Digest>::new();
        sha2::Digest::update(&mut hasher, [0u8]);
        Encoder::new(&mut hasher)
            .text("socred-audit-entry/2")
            .integer(self.seq)
            .text(&self.at)
            .text(&self.actor)
            .text(&self.action)
            .optional(self.subject.as_deref())
            .json(&self.detail)
            .text(&self.digest);
        sha2::Digest::finalize(hasher).into()
    }
}

/// The heads a verification ends at (and a checkpoint signs).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogHeads {
    pub size: u64,
    pub root: Hash,
    pub accesses: u64,
    pub accesses_head: String,
    pub check_groups: u64,
    pub checks: u64,
    pub checks_head: String,
}

/// What a successful verification saw.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct VerifyReport {
    pub entries: u64,
    pub ledger_rows: u64,
    /// The Merkle tree root over the entries, hex.
    pub root: String,
    /// Entries of the access log (reads of files), chained separately.
    pub accesses: u64,
    pub accesses_head: String,
    /// Entries of the check log (providers' decisions), chained in groups.
    pub checks: u64,
    pub check_groups: u64,
    pub checks_head: String,
    /// Accounts and tokens whose live rows matched their newest seal.
    pub accounts: u64,
    pub tokens: u64,
    /// The size of the earlier checkpoint this log was proved to extend.
    pub consistent_with: Option<u64>,
}

/// The hash of one access-log row, chained to the one before.
pub fn access_hash(prev: &str, seq: i64, at: &str, actor: &str, subject: &str, purpose: &str, what: &str) -> String {
    let mut hasher = <Sha256 as sha2::Digest>::new();
    Encoder::new(&mut hasher).text("socred-access/2").text(prev).integer(seq).text(at).text(actor).text(subject).text(purpose).text(what);
    hex::encode(sha2::Digest::finalize(hasher))
}
