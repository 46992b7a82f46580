//! Partner batches in the embedded store: plausibility limits, records that
//! wait for a reviewer, receipts, and the reviewers' decisions.

use crate::ImportSession;
use crate::audit::RowDigest;
use crate::error::{Result, StoreError};
use crate::import::RowOutcome;
use crate::{Actor, MAX_PAGE, Store, from_julian, julian};
use rusqlite::{OptionalExtension, params};
use socred_core::SubjectId;
use socred_core::record::{ProblemKind, Record, RecordId, check_text};
use std::collections::HashSet;

use crate::partners::*;

impl ImportSession<'_> {
    /// Why a partner's line about `record.subject` is beyond the rulebook's
    /// plausibility limits (`[limits] partner_lines_per_subject_per_batch`
    /// and `…_per_day`), if it is. A line already stored (a retry) is never
    /// refused here; an allowed line counts toward the batch's limit.
    pub fn partner_line_refusal(&mut self, record: &Record, partner: &str) -> Result<Option<socred_core::record::ProblemKind>> {
        let limits = self.rulebook().limits.clone();
        let Some(subject_key) = self.subject_key_of(&record.subject)? else {
            return Ok(None);
        };
        let connection = self.connection();
        let known: bool = connection
            .prepare_cached(
                "SELECT EXISTS (SELECT 1 FROM records WHERE record_id = ?1) OR EXISTS (SELECT 1 FROM pending_records WHERE record_id = ?1)",
            )?
            .query_row([record.id.as_str()], |r| r.get(0))?;
        if known {
            return Ok(None);
        }
        let in_batch = self.partner_lines.get(&subject_key).copied().unwrap_or(0);
        if in_batch >= limits.partner_lines_per_subject_per_batch {
            return Ok(Some(socred_core::record::ProblemKind::BatchLimit {
                lines: in_batch,
                allowed: limits.partner_lines_per_subject_per_batch,
            }));
        }
        let since_ms = self.moment().unix_ms - 86_400_000;
        let earlier: i64 = self
            .connection()
            .prepare_cached(
                "SELECT (SELECT count(*) FROM records r JOIN audit a ON a.seq = r.audit_seq
                         WHERE r.subject = ?1 AND a.actor = ?2 AND r.recorded_ms > ?3)
                      + (SELECT count(*) FROM pending_records WHERE subject = ?1 AND partner = ?2 AND recorded_ms > ?3)",
            )?
            .query_row(params![subject_key, partner, since_ms], |r| r.get(0))?;
        let today = earlier + i64::from(in_batch);
        if today >= i64::from(limits.partner_lines_per_subject_per_day) {
            return Ok(Some(socred_core::record::ProblemKind::DailyLimit {
                lines: today,
                allowed: limits.partner_lines_per_subject_per_day,
            }));
        }
        self.partner_lines.insert(subject_key, in_batch + 1);
        Ok(None)
    }

    /// The receipt of a batch with this id, as this session's transaction sees it.
    pub fn earlier_receipt(&mut self, partner: &str, batch_id: &str) -> Result<Option<PartnerBatch>> {
        let receipt: Option<String> = self
            .connection()
            .query_row("SELECT receipt FROM partner_batches WHERE partner = ?1 AND batch_id = ?2", params![partner, batch_id], |r| r.get(0))
            .optional()?;
        receipt.map(|text| serde_json::from_str(&text).map_err(|_| StoreError::Corrupt(format!("receipt {batch_id}")))).transpose()
    }

    /// Keeps a batch's receipt in the batch's own transaction: one commit, and
    /// never records without their receipt.
    pub fn save_partner_batch(&mut self, receipt: &PartnerBatch) -> Result<()> {
        let seq = self.audit_seq();
        insert_receipt(self.connection(), receipt, seq, &mut self.digest)
    }

    /// Stores a partner record that must wait for a reviewer. Idempotent by id
    /// like records: the same id and content again is a duplicate; an id taken
    /// (pending or stored) by other content is refused.
    pub fn push_pending(&mut self, record: &Record, partner: &str) -> Result<RowOutcome> {
        if self.rulebook().behaviour(&record.behaviour).is_none() {
            return Ok(self.reject_row("behaviour", crate::import::unknown_behaviour(self.rulebook(), &record.behaviour), false));
        }
        if let Err(kind) = socred_core::record::occurred_on_problem(self.rulebook(), &record.subject, record.occurred_on, self.today()) {
            return Ok(self.reject_row("at", kind, false));
        }
        let Some(subject_key) = self.subject_key_of(&record.subject)? else {
            return Ok(self.reject_row("subject", ProblemKind::NotRegistered { subject: record.subject.to_string() }, false));
        };
        let recorded_ms = self.moment().unix_ms;
        let connection = self.connection();
        let stored: Option<i64> = connection
            .prepare_cached("SELECT seq FROM records WHERE record_id = ?1")?
            .query_row([record.id.as_str()], |r| r.get(0))
            .optional()?;
        if stored.is_some() {
            // Already confirmed (or recorded directly): a retry, or a conflict.
            return self.push(record);
        }
        let inserted = connection
            .prepare_cached(
                "INSERT INTO pending_records (record_id, partner, subject, behaviour, occurred_on, source, evidence, audit_seq, recorded_ms)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9) ON CONFLICT (record_id) DO NOTHING",
            )?
            .execute(params![
                record.id.as_str(),
                partner,
                subject_key,
                record.behaviour,
                julian(record.occurred_on),
                record.source,
                record.evidence,
                self.audit_seq(),
                recorded_ms
            ])?;
        if inserted == 1 {
            self.digest.add(&crate::partners::pending_row(record, partner, recorded_ms));
            self.count_pending(subject_key);
            return Ok(RowOutcome::Inserted);
        }
        let same: Option<i64> = connection
            .prepare_cached(
                "SELECT 1 FROM pending_records p JOIN subjects s ON s.key = p.subject WHERE p.record_id = ?1 AND s.id = ?2
                 AND p.behaviour = ?3 AND p.occurred_on = ?4 AND p.source = ?5 AND p.evidence IS ?6",
            )?
            .query_row(
                params![
                    record.id.as_str(),
                    record.subject.as_str(),
                    record.behaviour,
                    julian(record.occurred_on),
                    record.source,
                    record.evidence
                ],
                |r| r.get(0),
            )
            .optional()?;
        if same.is_some() {
            Ok(self.count_duplicate())
        } else {
            Ok(self.reject_row("id", ProblemKind::IdTakenPending { id: record.id.to_string() }, true))
        }
    }
}

impl Store {
    /// The receipt of an earlier batch with this id, if any.
    pub fn partner_batch(&self, partner: &str, batch_id: &str) -> Result<Option<PartnerBatch>> {
        let receipt: Option<String> = self
            .connection
            .query_row("SELECT receipt FROM partner_batches WHERE partner = ?1 AND batch_id = ?2", params![partner, batch_id], |r| r.get(0))
            .optional()?;
        receipt.map(|text| serde_json::from_str(&text).map_err(|_| StoreError::Corrupt(format!("receipt {batch_id}")))).transpose()
    }

    /// Keeps the receipt of a batch refused whole, under an audit entry of
    /// its own. A second receipt for the same batch id is not stored.
    pub fn save_partner_batch(&mut self, receipt: &PartnerBatch, actor: &Actor) -> Result<()> {
        self.write(actor, |connection, seq| {
            let mut digest = RowDigest::default();
            insert_receipt(connection, receipt, seq, &mut digest)?;
            if digest.rows() == 0 {
                return Ok(());
            }
            super::audit_log::append(
                connection,
                seq,
                &actor.at_text(),
                actor.name(),
                "partner.batch.refused",
                None,
                &serde_json::json!({"partner": receipt.partner, "batch_id": receipt.batch_id, "lines": receipt.lines}),
                digest,
            )?;
            Ok(())
        })
    }

    /// A partner's receipts, newest first (all partners' when `partner` is None).
    pub fn partner_batches(&self, partner: Option<&str>, limit: u32) -> Result<Vec<PartnerBatch>> {
        let mut statement = self
            .connection
            .prepare_cached("SELECT receipt FROM partner_batches WHERE ?1 IS NULL OR partner = ?1 ORDER BY seq DESC LIMIT ?2")?;
        let texts: Vec<String> =
            statement.query_map(params![partner, limit.min(MAX_PAGE)], |r| r.get(0))?.collect::<rusqlite::Result<_>>()?;
        texts.iter().map(|t| serde_json::from_str(t).map_err(|_| StoreError::Corrupt("receipt".into()))).collect()
    }

    pub fn partner_metrics(&self) -> Result<Vec<PartnerMetrics>> {
        let mut statement = self.connection.prepare(
            "SELECT partner, count(*), sum(stored = 0), sum(lines), sum(accepted), sum(pending), sum(rejected)
             FROM partner_batches GROUP BY partner ORDER BY partner",
        )?;
        let rows = statement.query_map([], |r| {
            let lines: i64 = r.get(3)?;
            let batches: i64 = r.get(1)?;
            let rejected: i64 = r.get(6)?;
            Ok(PartnerMetrics {
                partner: r.get(0)?,
                batches: batches as u64,
                batches_refused: r.get::<_, i64>(2)? as u64,
                lines: lines as u64,
                accepted: r.get::<_, i64>(4)? as u64,
                pending_review: r.get::<_, i64>(5)? as u64,
                rejected: rejected as u64,
                mean_batch_lines: if batches == 0 { 0.0 } else { lines as f64 / batches as f64 },
                rejection_rate: if lines == 0 { 0.0 } else { rejected as f64 / lines as f64 },
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Partner records waiting for a reviewer, oldest first.
    pub fn pending_records(&self, limit: u32) -> Result<Vec<PendingRecord>> {
        let mut statement = self.connection.prepare_cached(
            "SELECT p.record_id, p.partner, s.id, p.behaviour, p.occurred_on, p.source, p.evidence, d.outcome
             FROM pending_records p JOIN subjects s ON s.key = p.subject LEFT JOIN pending_decisions d ON d.record_id = p.record_id
             WHERE d.record_id IS NULL ORDER BY p.rowid LIMIT ?1",
        )?;
        let rows = statement.query_map([limit.min(MAX_PAGE)], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, String>(3)?,
                r.get::<_, i64>(4)?,
                r.get(5)?,
                r.get(6)?,
                r.get(7)?,
            ))
        })?;
        let mut out = Vec::new();
        for row in rows {
            let (record_id, partner, subject, behaviour, on, source, evidence, decision) = row?;
            out.push(PendingRecord {
                record_id,
                partner,
                subject: SubjectId::parse(&subject).map_err(|_| StoreError::Corrupt("pending subject".into()))?,
                behaviour,
                occurred_on: from_julian(on)?,
                source,
                evidence,
                decision,
            });
        }
        Ok(out)
    }

    /// A reviewer confirms a pending partner record (it becomes a record and
    /// counts) or rejects it (it never counts). Deciding twice the same way is a no-op.
    pub fn decide_pending(&mut self, record_id: &str, confirm: bool, reasons: &str, actor: &Actor) -> Result<Option<String>> {
        check_text(reasons, 4_000).map_err(|error| StoreError::invalid_text("reasons", error))?;
        let outcome = if confirm { "confirmed" } else { "rejected" };
        let row: Option<PendingRow> = self
            .connection
            .query_row(
                "SELECT p.partner, p.subject, s.id, p.behaviour, p.occurred_on, p.source, p.evidence FROM pending_records p
                 JOIN subjects s ON s.key = p.subject WHERE p.record_id = ?1",
                [record_id],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?, r.get(6)?)),
            )
            .optional()?;
        let Some((partner, subject_key, subject, behaviour, on, source, evidence)) = row else {
            return Err(StoreError::NotFound(format!("pending record {record_id}")));
        };
        crate::sqlite::conflicts::refuse_conflicted(&self.connection, actor, subject_key)?;
        let decided: Option<String> = self
            .connection
            .query_row("SELECT outcome FROM pending_decisions WHERE record_id = ?1", [record_id], |r| r.get(0))
            .optional()?;
        if let Some(decided) = decided {
            return if decided == outcome {
                Ok(None)
            } else {
                Err(StoreError::conflict_message(
                    "input-conflict-pending-decided",
                    vec![
                        ("record", socred_i18n::Argument::Text(record_id.to_string())),
                        ("outcome", socred_i18n::Argument::Message(crate::partners::pending_outcome(&decided))),
                    ],
                ))
            };
        }
        let record = Record {
            id: RecordId::parse(record_id).map_err(|_| StoreError::Corrupt("pending record id".into()))?,
            subject: SubjectId::parse(&subject).map_err(|_| StoreError::Corrupt("pending subject".into()))?,
            behaviour,
            occurred_on: from_julian(on)?,
            source,
            evidence,
        };
        if confirm {
            // A confirmed record enters the ledger today, under today's record rules.
            socred_core::record::occurred_on_problem(&self.rulebook, &record.subject, record.occurred_on, actor.today()).map_err(
                |problem| StoreError::invalid_message("at", "input-cannot-confirm", vec![("reason", crate::reason_of(problem))]),
            )?;
        }
        self.write(actor, |connection, seq| {
            let mut digest = RowDigest::default();
            if confirm && !crate::sqlite::reports::insert_record(connection, seq, subject_key, &record, actor.moment(), &mut digest)? {
                return Err(taken_since(record_id));
            }
            if confirm {
                Store::touched_subjects_invalidate(connection, &HashSet::from([subject_key]))?;
            }
            connection.execute(
                "INSERT INTO pending_decisions (record_id, outcome, reasons, actor, at, audit_seq) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                params![record_id, outcome, reasons, actor.name(), actor.at_text(), seq],
            )?;
            digest.add(&crate::audit::LedgerRow::PendingDecision {
                record_id: record_id.to_string(),
                outcome: outcome.to_string(),
                reasons: reasons.to_string(),
                actor: actor.name().to_string(),
                at: actor.at_text(),
            });
            super::audit_log::append(
                connection,
                seq,
                &actor.at_text(),
                actor.name(),
                "partner.pending.decide",
                Some(record.subject.as_str()),
                &serde_json::json!({"record_id": record_id, "partner": partner, "outcome": outcome, "reasons": reasons}),
                digest,
            )?;
            Ok(())
        })?;
        Ok(Some(record.subject.to_string()))
    }
}

pub(crate) fn insert_receipt(
    connection: &rusqlite::Connection,
    receipt: &PartnerBatch,
    audit_seq: i64,
    digest: &mut RowDigest,
) -> Result<()> {
    let value = serde_json::to_value(receipt).expect("receipts serialise");
    let text = socred_log::canonical_json(&value);
    let inserted = connection.execute(
        "INSERT INTO partner_batches (partner, batch_id, at_ms, lines, accepted, duplicates, pending, rejected, stored, receipt, audit_seq)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11) ON CONFLICT (partner, batch_id) DO NOTHING",
        params![
            receipt.partner,
            receipt.batch_id,
            receipt.received_at_ms,
            receipt.lines as i64,
            receipt.accepted as i64,
            receipt.duplicates as i64,
            receipt.pending_review as i64,
            receipt.rejected as i64,
            receipt.stored,
            text,
            audit_seq
        ],
    )?;
    if inserted == 1 {
        digest.add(&crate::audit::LedgerRow::PartnerBatch {
            partner: receipt.partner.clone(),
            batch_id: receipt.batch_id.clone(),
            at_ms: receipt.received_at_ms,
            receipt: value,
        });
    }
    Ok(())
}
