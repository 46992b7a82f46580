//! Data partners on PostgreSQL: a batch's plausibility limits, records that
//! wait for a reviewer, receipts, and the reviewers' decisions, under the
//! embedded store's rules (`crate::partners`). A batch is one `PgImport`:
//! its records, pending records and receipt commit together or not at all.

use socred_core::SubjectId;
use socred_core::date::Date;
use socred_core::record::{ProblemKind, Record, RecordId, check_text};

use super::ledger::{Owner, PgImport, conflicted_with};
use super::reports::insert_record;
use super::rows::insert_row;
use super::{Entry, PgStore};
use crate::audit::LedgerRow;
use crate::error::{Result, StoreError};
use crate::import::RowOutcome;
use crate::partners::{PartnerBatch, PartnerMetrics, PendingRecord};
use crate::{Actor, MAX_PAGE};

const DAY_MS: i64 = 86_400_000;

fn receipt_of(text: &str) -> Result<PartnerBatch> {
    serde_json::from_str(text).map_err(|_| StoreError::Corrupt("a stored partner receipt is not a receipt".into()))
}

fn receipt_row(receipt: &PartnerBatch) -> LedgerRow {
    LedgerRow::PartnerBatch {
        partner: receipt.partner.clone(),
        batch_id: receipt.batch_id.clone(),
        at_ms: receipt.received_at_ms,
        receipt: serde_json::to_value(receipt).expect("receipts serialise"),
    }
}

impl PgImport {
    /// Why a partner's line about `record.subject` is beyond the rulebook's
    /// plausibility limits, if it is (see `ImportSession::partner_line_refusal`).
    pub fn partner_line_refusal(&mut self, record: &Record, partner: &str) -> Result<Option<socred_core::record::ProblemKind>> {
        let limits = self.rulebook.limits.clone();
        let subject = record.subject.as_str();
        let client = &mut **self.connection;
        let known = client
            .query_opt(
                "SELECT 1 FROM record_ids WHERE record_id = $1 UNION ALL SELECT 1 FROM pending_records WHERE record_id = $1 LIMIT 1",
                &[&record.id.as_str()],
            )?
            .is_some();
        if known || client.query_opt("SELECT 1 FROM subjects WHERE subject = $1", &[&subject])?.is_none() {
            // A retry is never refused here; an unknown subject is refused by the push, naming it.
            return Ok(None);
        }
        let in_batch = self.partner_lines.get(subject).copied().unwrap_or(0);
        if in_batch >= limits.partner_lines_per_subject_per_batch {
            return Ok(Some(socred_core::record::ProblemKind::BatchLimit {
                lines: in_batch,
                allowed: limits.partner_lines_per_subject_per_batch,
            }));
        }
        let since_ms = self.actor.moment().unix_ms - DAY_MS;
        let earlier: i64 = client
            .query_one(
                "SELECT (SELECT count(*) FROM records r JOIN audit a ON a.seq = r.audit_seq
                         WHERE r.subject = $1 AND a.actor = $2 AND r.recorded_ms > $3)
                      + (SELECT count(*) FROM pending_records WHERE subject = $1 AND partner = $2 AND recorded_ms > $3)",
                &[&subject, &partner, &since_ms],
            )?
            .get(0);
        let today = earlier + i64::from(in_batch);
        if today >= i64::from(limits.partner_lines_per_subject_per_day) {
            return Ok(Some(socred_core::record::ProblemKind::DailyLimit {
                lines: today,
                allowed: limits.partner_lines_per_subject_per_day,
            }));
        }
        self.partner_lines.insert(subject.to_string(), in_batch + 1);
        Ok(None)
    }

    /// Stores a partner record that must wait for a reviewer (see
    /// `ImportSession::push_pending`): idempotent by id.
    pub fn push_pending(&mut self, record: &Record, partner: &str) -> Result<RowOutcome> {
        let reject = |session: &mut PgImport, field: &'static str, kind: ProblemKind, conflict: bool| {
            session.rejected += 1;
            RowOutcome::rejected(field, kind, conflict)
        };
        if self.rulebook.behaviour(&record.behaviour).is_none() {
            return Ok(reject(self, "behaviour", crate::import::unknown_behaviour(&self.rulebook, &record.behaviour), false));
        }
        if let Err(kind) = socred_core::record::occurred_on_problem(&self.rulebook, &record.subject, record.occurred_on, self.actor.today())
        {
            return Ok(reject(self, "at", kind, false));
        }
        let client = &mut **self.connection;
        if client.query_opt("SELECT 1 FROM subjects WHERE subject = $1", &[&record.subject.as_str()])?.is_none() {
            return Ok(reject(self, "subject", ProblemKind::NotRegistered { subject: record.subject.to_string() }, false));
        }
        if client.query_opt("SELECT 1 FROM record_ids WHERE record_id = $1", &[&record.id.as_str()])?.is_some() {
            // Already confirmed (or recorded directly): a retry, or a conflict.
            return Ok(self.push(std::slice::from_ref(record))?.remove(0));
        }
        let stored = client.query_opt(
            "SELECT subject, behaviour, occurred_on, source, evidence FROM pending_records WHERE record_id = $1",
            &[&record.id.as_str()],
        )?;
        if let Some(stored) = stored {
            let content: (String, String, Date, String, Option<String>) =
                (stored.get(0), stored.get(1), stored.get(2), stored.get(3), stored.get(4));
            let same = content
                == (
                    record.subject.as_str().to_string(),
                    record.behaviour.clone(),
                    record.occurred_on,
                    record.source.clone(),
                    record.evidence.clone(),
                );
            return Ok(if same {
                self.duplicates += 1;
                RowOutcome::Duplicate
            } else {
                reject(self, "id", ProblemKind::IdTakenPending { id: record.id.to_string() }, true)
            });
        }
        let row = crate::partners::pending_row(record, partner, self.actor.moment().unix_ms);
        let ordinal = self.rows.add(&row);
        let LedgerRow::PendingRecord { record_id, partner, subject, behaviour, occurred_on, source, evidence, recorded_ms } = &row else {
            unreachable!("built above")
        };
        self.connection.execute(
            "INSERT INTO pending_records (subject, record_id, partner, behaviour, occurred_on, source, evidence, recorded_ms, audit_seq, ordinal)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
            &[&subject.as_str(), record_id, partner, behaviour, occurred_on, source, evidence, recorded_ms, &self.rows.seq, &ordinal],
        )?;
        self.pending += 1;
        Ok(RowOutcome::Inserted)
    }

    /// The receipt of a batch with this id, as this session's transaction
    /// sees it (under the log's lock: no other batch of this id is being written).
    pub fn earlier_receipt(&mut self, partner: &str, batch_id: &str) -> Result<Option<PartnerBatch>> {
        let row = self
            .connection
            .query_opt("SELECT receipt FROM partner_batches WHERE partner = $1 AND batch_id = $2", &[&partner, &batch_id])?;
        row.map(|row| receipt_of(row.get(0))).transpose()
    }

    /// Keeps a batch's receipt in the batch's own transaction.
    pub fn save_partner_batch(&mut self, receipt: &PartnerBatch) -> Result<()> {
        let row = receipt_row(receipt);
        let taken = self
            .connection
            .query_opt("SELECT 1 FROM partner_batches WHERE partner = $1 AND batch_id = $2", &[&receipt.partner, &receipt.batch_id])?;
        if taken.is_some() {
            return Ok(());
        }
        let ordinal = self.rows.add(&row);
        let LedgerRow::PartnerBatch { receipt: value, .. } = &row else { unreachable!("built above") };
        self.connection.execute(
            "INSERT INTO partner_batches (partner, batch_id, at_ms, receipt, audit_seq, ordinal) VALUES ($1, $2, $3, $4, $5, $6)",
            &[&receipt.partner, &receipt.batch_id, &receipt.received_at_ms, &socred_log::canonical_json(value), &self.rows.seq, &ordinal],
        )?;
        Ok(())
    }
}

impl PgStore {
    /// The receipt of an earlier batch with this id, if any.
    pub fn partner_batch(&self, partner: &str, batch_id: &str) -> Result<Option<PartnerBatch>> {
        let row = self
            .connection()?
            .query_opt("SELECT receipt FROM partner_batches WHERE partner = $1 AND batch_id = $2", &[&partner, &batch_id])?;
        row.map(|row| receipt_of(row.get(0))).transpose()
    }

    /// Keeps the receipt of a batch refused whole, under an audit entry of its own.
    pub fn save_partner_batch(&self, receipt: &PartnerBatch, actor: &Actor) -> Result<()> {
        self.write(actor, |transaction, rows| {
            let taken = transaction
                .query_opt("SELECT 1 FROM partner_batches WHERE partner = $1 AND batch_id = $2", &[&receipt.partner, &receipt.batch_id])?;
            if taken.is_some() {
                return Ok(((), None));
            }
            insert_row(transaction, rows, &receipt_row(receipt), &mut Owner(String::new()))?;
            let detail = serde_json::json!({"partner": receipt.partner, "batch_id": receipt.batch_id, "lines": receipt.lines});
            Ok(((), Some(Entry { action: "partner.batch.refused".into(), subject: None, detail })))
        })
    }

    /// A partner's receipts, newest first (all partners' when `partner` is None).
    pub fn partner_batches(&self, partner: Option<&str>, limit: u32) -> Result<Vec<PartnerBatch>> {
        let rows = self.connection()?.query(
            "SELECT receipt FROM partner_batches WHERE $1::text IS NULL OR partner = $1 ORDER BY audit_seq DESC, ordinal DESC LIMIT $2",
            &[&partner, &i64::from(limit.min(MAX_PAGE))],
        )?;
        rows.iter().map(|row| receipt_of(row.get(0))).collect()
    }

    /// Per partner: batches, lines and refusals, summed from the receipts.
    pub fn partner_metrics(&self) -> Result<Vec<PartnerMetrics>> {
        let rows = self.connection()?.query(
            "SELECT partner, count(*), count(*) FILTER (WHERE NOT (receipt::jsonb->>'stored')::boolean),
                    sum((receipt::jsonb->>'lines')::bigint)::bigint, sum((receipt::jsonb->>'accepted')::bigint)::bigint,
                    sum((receipt::jsonb->>'pending_review')::bigint)::bigint, sum((receipt::jsonb->>'rejected')::bigint)::bigint
             FROM partner_batches GROUP BY partner ORDER BY partner",
            &[],
        )?;
        Ok(rows
            .iter()
            .map(|row| {
                let (batches, lines, rejected): (i64, i64, i64) = (row.get(1), row.get(3), row.get(6));
                PartnerMetrics {
                    partner: row.get(0),
                    batches: batches as u64,
                    batches_refused: row.get::<_, i64>(2) as u64,
                    lines: lines as u64,
                    accepted: row.get::<_, i64>(4) as u64,
                    pending_review: row.get::<_, i64>(5) as u64,
                    rejected: rejected as u64,
                    mean_batch_lines: if batches == 0 { 0.0 } else { lines as f64 / batches as f64 },
                    rejection_rate: if lines == 0 { 0.0 } else { rejected as f64 / lines as f64 },
                }
            })
            .collect())
    }

    /// Partner records waiting for a reviewer, oldest first.
    pub fn pending_records(&self, limit: u32) -> Result<Vec<PendingRecord>> {
        let rows = self.connection()?.query(
            "SELECT p.record_id, p.partner, p.subject, p.behaviour, p.occurred_on, p.source, p.evidence FROM pending_records p
             WHERE NOT EXISTS (SELECT 1 FROM pending_decisions d WHERE d.record_id = p.record_id)
             ORDER BY p.audit_seq, p.ordinal LIMIT $1",
            &[&i64::from(limit.min(MAX_PAGE))],
        )?;
        rows.iter()
            .map(|row| {
                Ok(PendingRecord {
                    record_id: row.get(0),
                    partner: row.get(1),
                    subject: SubjectId::parse(row.get(2)).map_err(|_| StoreError::Corrupt("pending subject".into()))?,
                    behaviour: row.get(3),
                    occurred_on: row.get(4),
                    source: row.get(5),
                    evidence: row.get(6),
                    decision: None,
                })
            })
            .collect()
    }

    /// A reviewer confirms a pending partner record (it becomes a record and
    /// counts) or rejects it (it never counts); deciding twice the same way
    /// is a no-op. Judged inside the write's transaction.
    pub fn decide_pending(&self, record_id: &str, confirm: bool, reasons: &str, actor: &Actor) -> Result<Option<String>> {
        check_text(reasons, 4_000).map_err(|error| StoreError::invalid_text("reasons", error))?;
        let outcome = if confirm { "confirmed" } else { "rejected" };
        let rulebook = self.rulebook().clone();
        self.write(actor, |transaction, rows| {
            let row = transaction
                .query_opt(
                    "SELECT partner, subject, behaviour, occurred_on, source, evidence FROM pending_records WHERE record_id = $1",
                    &[&record_id],
                )?
                .ok_or_else(|| StoreError::NotFound(format!("pending record {record_id}")))?;
            let record = Record {
                id: RecordId::parse(record_id).map_err(|_| StoreError::Corrupt("pending record id".into()))?,
                subject: SubjectId::parse(row.get(1)).map_err(|_| StoreError::Corrupt("pending subject".into()))?,
                behaviour: row.get(2),
                occurred_on: row.get(3),
                source: row.get(4),
                evidence: row.get(5),
            };
            let partner: String = row.get(0);
            if let Some(person) = actor.person()
                && conflicted_with(transaction, person)?.contains(record.subject.as_str())
            {
                return Err(StoreError::Refused(socred_core::process::ProcessError::because(
                    "actor",
                    socred_core::refusal::Refusal::ConflictOfInterest,
                )));
            }
            let decided: Option<String> =
                transaction.query_opt("SELECT outcome FROM pending_decisions WHERE record_id = $1", &[&record_id])?.map(|row| row.get(0));
            if let Some(decided) = decided {
                return if decided == outcome {
                    Ok((None, None))
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
            if confirm {
                // A confirmed record enters the ledger today, under today's record rules.
                socred_core::record::occurred_on_problem(&rulebook, &record.subject, record.occurred_on, actor.today()).map_err(
                    |problem| StoreError::invalid_message("at", "input-cannot-confirm", vec![("reason", crate::reason_of(problem))]),
                )?;
                if !insert_record(transaction, rows, &record, actor.moment())? {
                    return Err(crate::partners::taken_since(record_id));
                }
            }
            let decision = LedgerRow::PendingDecision {
                record_id: record_id.to_string(),
                outcome: outcome.to_string(),
                reasons: reasons.to_string(),
                actor: actor.name().to_string(),
                at: actor.at_text(),
            };
            insert_row(transaction, rows, &decision, &mut Owner(record.subject.as_str().to_string()))?;
            let detail = serde_json::json!({"record_id": record_id, "partner": partner, "outcome": outcome, "reasons": reasons});
            let subject = record.subject.as_str().to_string();
            Ok((Some(subject.clone()), Some(Entry { action: "partner.pending.decide".into(), subject: Some(subject), detail })))
        })
    }
}
