//! Inclusion proofs a subject can download and anyone can check without the
//! store: the audit entry that wrote a record or an event, the rows of its
//! section, the other sections' hashes, the RFC 9162 audit path and the
//! signed checkpoint the path leads to.

use serde::{Deserialize, Serialize};
use socred_log::merkle::{inclusion_proof, verify_inclusion};
use socred_log::{Checkpoint, Hash, VerifierKey, from_hex, to_hex};

use super::rows::{LedgerRow, RowDigest, SECTIONS, combine};
use super::{EntryFields, LogHeads};
use crate::error::{Result, StoreError};

pub const PROOF_FORMAT: &str = "socred-inclusion-proof/1";
/// A proof carries every row of its section in the entry: a bulk import's
/// entry may hold more than is reasonable to hand out.
pub const MAX_PROOF_ROWS: usize = 100_000;

/// What is proved to be in the log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ProvenItem {
    /// A record, by id.
    Record { record_id: String },
    /// A due-process event (a notice, an appeal, a decision…) by its case and kind.
    Event { case: String, event: String },
}

impl ProvenItem {
    fn matches(&self, row: &LedgerRow) -> bool {
        match (self, row) {
            (ProvenItem::Record { record_id }, LedgerRow::Record { record_id: id, .. }) => id == record_id,
            (ProvenItem::Event { case, event }, LedgerRow::Event { case_key, kind, .. }) => case_key == case && kind == event,
            _ => false,
        }
    }

    fn section(&self) -> usize {
        match self {
            ProvenItem::Record { .. } => 2,
            ProvenItem::Event { .. } => 5,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InclusionProof {
    pub format: String,
    pub item: ProvenItem,
    /// The entry that wrote the item, as its leaf hash covers it.
    pub entry: EntryFields,
    /// Rows the entry wrote, in all sections.
    pub entry_rows: u64,
    /// Each section's hash (hex), in the order of docs/audit-format.md.
    pub sections: Vec<String>,
    /// Every row of the item's section in the entry, in order.
    pub section_rows: Vec<LedgerRow>,
    /// The entry's leaf index (its number − 1) and the audit path to the root.
    pub index: u64,
    pub tree_size: u64,
    pub path: Vec<String>,
    /// The signed checkpoint whose root the path reaches.
    pub checkpoint: String,
}

/// The proof of `item`, written by `entry` (whose rows are `rows`), in a
/// tree whose leaves are `leaves` (`heads.size` of them): any backend that
/// reads those gives the same proof.
pub(crate) fn assemble(
    item: &ProvenItem,
    entry: EntryFields,
    rows: Vec<LedgerRow>,
    leaves: &[Hash],
    heads: &LogHeads,
    checkpoint: String,
) -> Result<InclusionProof> {
    let seq = entry.seq;
    let mut digest = RowDigest::default();
    for row in &rows {
        digest.add(row);
    }
    let (entry_rows, sections) = digest.finish_sections();
    let section_rows: Vec<LedgerRow> = rows.into_iter().filter(|row| row.section() == item.section()).collect();
    if section_rows.len() > MAX_PROOF_ROWS {
        return Err(StoreError::TooLarge { count: section_rows.len(), limit: MAX_PROOF_ROWS });
    }
    let path =
        inclusion_proof(leaves, (seq - 1) as u64).ok_or_else(|| StoreError::AuditBroken("the log is shorter than its head".into()))?;
    Ok(InclusionProof {
        format: PROOF_FORMAT.into(),
        item: item.clone(),
        entry,
        entry_rows,
        sections: sections.iter().map(to_hex).collect(),
        section_rows,
        index: (seq - 1) as u64,
        tree_size: heads.size,
        path: path.iter().map(to_hex).collect(),
        checkpoint,
    })
}

impl InclusionProof {
    /// Checks the proof with the log's verifier key alone: the checkpoint's
    /// signature, the item among the rows, the rows in the entry's digest and
    /// the entry in the tree. Returns the checkpoint it was proved against.
    pub fn verify(&self, verifier: &VerifierKey) -> std::result::Result<Checkpoint, String> {
        if self.format != PROOF_FORMAT {
            return Err(format!("not a {PROOF_FORMAT} proof"));
        }
        let checkpoint = verifier.open(&self.checkpoint).map_err(|e| format!("checkpoint: {e}"))?;
        if checkpoint.size != self.tree_size {
            return Err("the proof is for another tree size than its checkpoint's".into());
        }
        if !self.section_rows.iter().any(|row| self.item.matches(row)) {
            return Err("the item is not among the entry's rows".into());
        }
        if self.section_rows.iter().any(|row| row.section() != self.item.section()) {
            return Err("the proof's rows are not all of the item's section".into());
        }
        let mut sections: Vec<Hash> = self.sections.iter().filter_map(|hash| from_hex(hash)).collect();
        if sections.len() != SECTIONS.len() {
            return Err(format!("a proof names {} section hashes", SECTIONS.len()));
        }
        let mut digest = RowDigest::default();
        for row in &self.section_rows {
            digest.add(row);
        }
        sections[self.item.section()] = digest.finish_sections().1[self.item.section()];
        let sections: [Hash; SECTIONS.len()] = sections.try_into().expect("length checked");
        if combine(self.entry_rows, &sections) != self.entry.digest {
            return Err("the rows do not make the entry's digest: the item was not written by this entry".into());
        }
        if self.entry.seq < 1 || self.index != (self.entry.seq - 1) as u64 {
            return Err("the leaf index is not the entry's number".into());
        }
        let path: Vec<Hash> = self.path.iter().filter_map(|hash| from_hex(hash)).collect();
        if path.len() != self.path.len() {
            return Err("the audit path holds a malformed hash".into());
        }
        if !verify_inclusion(&self.entry.leaf(), self.index, self.tree_size, &path, &checkpoint.root) {
            return Err("the audit path does not lead to the checkpoint's root: the entry is not in that log".into());
        }
        Ok(checkpoint)
    }
}
