//! The embedded store's log as its users meet it: verification (also
//! against a checkpoint kept earlier), signed checkpoints, inclusion proofs,
//! and the newest entries.

use socred_core::SubjectId;
use socred_log::SigningKey;

use crate::audit::{self, InclusionProof, LogHeads, ProvenItem, VerifyReport};
use crate::error::Result;
use crate::{AuditEntry, MAX_PAGE, Store};

impl Store {
    /// Verifies everything the log covers (`audit::verify`) and the check log.
    pub fn audit_verify(&self) -> Result<VerifyReport> {
        self.audit_verify_against(None)
    }

    /// Verifies the store and, given the heads of a checkpoint kept earlier,
    /// proves that the store extends them: nothing it covered was removed or
    /// rewritten since.
    /// One snapshot: a writer beside the verification changes nothing it sees.
    pub fn audit_verify_against(&self, earlier: Option<&LogHeads>) -> Result<VerifyReport> {
        self.snapshot(|store| store.verify_in_snapshot(earlier))
    }

    fn verify_in_snapshot(&self, earlier: Option<&LogHeads>) -> Result<VerifyReport> {
        let (mut report, leaves) = super::verify::verify(&self.connection)?;
        let (checks, check_groups, checks_head) = self.verify_checks()?;
        report.checks = checks;
        report.check_groups = check_groups;
        report.checks_head = checks_head;
        self.verify_check_index()?;
        self.verify_entries()?;
        self.verify_summaries()?;
        if let Some(earlier) = earlier {
            let now = self.log_heads()?;
            // The heads just verified are the heads stored.
            assert_eq!(now.size, report.entries);
            super::audit_log::prove_extends(&self.connection, &leaves, &now, earlier)?;
            report.consistent_with = Some(earlier.size);
        }
        Ok(report)
    }

    /// The heads as stored now (no verification).
    pub fn log_heads(&self) -> Result<LogHeads> {
        super::audit_log::current_heads(&self.connection)
    }

    /// The current heads as a checkpoint signed with `key` at `time` (RFC 3339).
    pub fn sign_checkpoint(&self, key: &SigningKey, time: &str) -> Result<String> {
        self.snapshot(|store| Ok(audit::checkpoint::sign(key, &store.origin()?, &store.log_heads()?, time)))
    }

    /// The subject whose file holds `item`, if it is in the ledger: asked
    /// before a proof is built for a subject, so that nothing about another's
    /// item (not even that it exists) reaches them.
    pub fn proven_item_subject(&self, item: &ProvenItem) -> Result<Option<socred_core::SubjectId>> {
        use rusqlite::OptionalExtension;
        let id: Option<String> = match item {
            ProvenItem::Record { record_id } => self
                .connection
                .query_row("SELECT s.id FROM records r JOIN subjects s ON s.key = r.subject WHERE r.record_id = ?1", [record_id], |row| {
                    row.get(0)
                })
                .optional()?,
            ProvenItem::Event { case, event } => self
                .connection
                .query_row(
                    "SELECT s.id FROM events e JOIN subjects s ON s.key = e.subject WHERE e.case_key = ?1 AND e.kind = ?2 ORDER BY e.seq LIMIT 1",
                    [case, event],
                    |row| row.get(0),
                )
                .optional()?,
        };
        id.map(|id| socred_core::SubjectId::parse(&id).map_err(|e| crate::StoreError::Corrupt(format!("subject {id}: {e}")))).transpose()
    }

    /// A proof that `item` is in the log, against a checkpoint of the current
    /// heads signed with `key` at `time`.
    pub fn prove(&self, item: &ProvenItem, key: &SigningKey, time: &str) -> Result<InclusionProof> {
        self.snapshot(|store| {
            let heads = store.log_heads()?;
            let checkpoint = audit::checkpoint::sign(key, &store.origin()?, &heads, time);
            super::audit_log::prove(&store.connection, item, &heads, checkpoint)
        })
    }

    pub fn audit_recent(&self, subject: Option<&SubjectId>, limit: u32) -> Result<Vec<AuditEntry>> {
        super::audit_log::recent(&self.connection, subject.map(|s| s.as_str()), limit.min(MAX_PAGE))
    }

    pub fn audit_head(&self) -> Result<(i64, String)> {
        super::audit_log::head(&self.connection)
    }

    /// How many checks the check log holds.
    pub fn checks_logged(&self) -> Result<i64> {
        Ok(self.connection.query_row("SELECT coalesce(sum(rows), 0) FROM check_groups", [], |row| row.get(0))?)
    }
}
