//! Inclusion proofs on PostgreSQL: the entry that wrote a record or an
//! event, its rows as the database builds them back (`LEDGER_SCAN`), and the
//! audit path from its leaf, all in one snapshot of the primary; assembled by
//! the same code as on SQLite, so both give the same proof of the same log.

use postgres::IsolationLevel;
use socred_log::{Hash, SigningKey, from_hex};

use super::PgStore;
use super::log::current_heads;
use super::rows::LEDGER_SCAN;
use crate::audit::rows::json_value;
use crate::audit::{EntryFields, InclusionProof, LedgerRow, ProvenItem};
use crate::error::{Result, StoreError};

impl PgStore {
    /// The subject whose file holds `item`, if it is in the ledger.
    pub fn proven_item_subject(&self, item: &ProvenItem) -> Result<Option<socred_core::SubjectId>> {
        let mut connection = self.connection()?;
        let row = match item {
            ProvenItem::Record { record_id } => {
                connection.query_opt("SELECT subject FROM record_ids WHERE record_id = $1", &[record_id])?
            }
            ProvenItem::Event { case, event } => {
                connection.query_opt("SELECT subject FROM events WHERE case_key = $1 AND kind = $2 ORDER BY seq LIMIT 1", &[case, event])?
            }
        };
        row.map(|row| {
            let id: &str = row.get(0);
            socred_core::SubjectId::parse(id).map_err(|e| StoreError::Corrupt(format!("subject {id}: {e}")))
        })
        .transpose()
    }

    /// A proof that `item` is in the log, against a checkpoint of the current
    /// heads signed with `key` at `time`.
    pub fn prove(&self, item: &ProvenItem, key: &SigningKey, time: &str) -> Result<InclusionProof> {
        let mut connection = self.connection()?;
        let mut snapshot = connection.build_transaction().isolation_level(IsolationLevel::RepeatableRead).read_only(true).start()?;
        let heads = current_heads(&mut snapshot)?;
        let checkpoint = crate::audit::checkpoint::sign(key, self.origin(), &heads, time);
        let seq: Option<i64> = match item {
            ProvenItem::Record { record_id } => snapshot
                .query_opt(
                    "SELECT r.audit_seq FROM record_ids i JOIN records r ON r.subject = i.subject AND r.record_id = i.record_id
                     WHERE i.record_id = $1",
                    &[record_id],
                )?
                .map(|row| row.get(0)),
            ProvenItem::Event { case, event } => snapshot
                .query_opt("SELECT audit_seq FROM events WHERE case_key = $1 AND kind = $2 ORDER BY seq LIMIT 1", &[case, event])?
                .map(|row| row.get(0)),
        };
        let seq = seq.ok_or_else(|| StoreError::NotFound("the record or event".into()))?;
        if seq as u64 > heads.size {
            return Err(StoreError::NotFound("the item was recorded after the checkpoint".into()));
        }
        let entry = snapshot
            .query_opt("SELECT seq, at, actor, action, subject, detail, digest FROM audit WHERE seq = $1", &[&seq])?
            .ok_or_else(|| StoreError::NotFound(format!("audit entry {seq}")))?;
        let entry = EntryFields {
            seq,
            at: entry.get(1),
            actor: entry.get(2),
            action: entry.get(3),
            subject: entry.get(4),
            detail: json_value(entry.get(5)),
            digest: entry.get(6),
        };
        let mut rows = Vec::new();
        for row in snapshot.query(
            &format!("SELECT ordinal, json FROM ({LEDGER_SCAN}) AS scan (audit_seq, ordinal, json) WHERE audit_seq = $1 ORDER BY ordinal"),
            &[&seq],
        )? {
            let row: LedgerRow = serde_json::from_str(row.get(1))
                .map_err(|e| StoreError::AuditBroken(format!("entry {seq}: a row of it does not read: {e}")))?;
            rows.push(row);
        }
        let mut leaves: Vec<Hash> = Vec::with_capacity(heads.size as usize);
        for row in snapshot.query("SELECT hash FROM audit WHERE seq <= $1 ORDER BY seq", &[&(heads.size as i64)])? {
            leaves.push(from_hex(row.get(0)).ok_or_else(|| StoreError::AuditBroken("a stored leaf hash is malformed".into()))?);
        }
        snapshot.commit()?;
        crate::audit::proof::assemble(item, entry, rows, &leaves, &heads, checkpoint)
    }
}
