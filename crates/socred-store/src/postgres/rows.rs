//! Ledger rows on PostgreSQL: each `LedgerRow` written to its table, and
//! every table read back as `LedgerRow`s, in the order of the entries that
//! wrote them, for `audit verify` (docs/audit-format.md, "Row digest").

use postgres::Transaction;
use postgres::binary_copy::BinaryCopyInWriter;
use postgres::types::Type;
use socred_core::Date;

use super::EntryRows;
use crate::audit::LedgerRow;
use crate::error::{Result, StoreError};

/// Every ledger table, each row built into the JSON of its `LedgerRow` by
/// the database, so that verification hashes exactly what is stored.
pub(crate) const LEDGER_SCAN: &str = "
SELECT audit_seq, ordinal, json_build_object('table', 'rulebook', 'fingerprint', fingerprint, 'recorded_ms', recorded_ms,
    'recorded_on', to_char(recorded_on, 'YYYY-MM-DD'))::text FROM rulebooks
UNION ALL SELECT audit_seq, ordinal, json_build_object('table', 'subject', 'number', number, 'id', subject, 'kind', kind, 'name', name,
    'reference', reference, 'recorded_ms', recorded_ms, 'recorded_on', to_char(recorded_on, 'YYYY-MM-DD'))::text FROM subjects
UNION ALL SELECT audit_seq, ordinal, json_build_object('table', 'link', 'subject', subject, 'kind', kind, 'other', other,
    'recorded_ms', recorded_ms, 'recorded_on', to_char(recorded_on, 'YYYY-MM-DD'))::text FROM links
UNION ALL SELECT audit_seq, ordinal, json_build_object('table', 'record', 'record_id', record_id, 'subject', subject,
    'behaviour', behaviour, 'occurred_on', to_char(occurred_on, 'YYYY-MM-DD'), 'source', source, 'evidence', evidence,
    'recorded_ms', recorded_ms, 'recorded_on', to_char(recorded_on, 'YYYY-MM-DD'))::text FROM records
UNION ALL SELECT audit_seq, ordinal, json_build_object('table', 'void', 'record_id', record_id, 'reason', reason,
    'recorded_ms', recorded_ms, 'recorded_on', to_char(recorded_on, 'YYYY-MM-DD'))::text FROM voids
UNION ALL SELECT audit_seq, ordinal, json_build_object('table', 'event', 'subject', subject, 'on', to_char(on_day, 'YYYY-MM-DD'),
    'recorded_ms', recorded_ms, 'actor', actor, 'kind', kind, 'case_key', case_key, 'body', socred_json(body))::text FROM events
UNION ALL SELECT audit_seq, ordinal, json_build_object('table', 'report', 'report_id', report_id, 'reporter', reporter,
    'subject', subject, 'behaviour', behaviour, 'occurred_on', to_char(occurred_on, 'YYYY-MM-DD'), 'description', description,
    'evidence', socred_json(evidence), 'facts', facts, 'filed_by', filed_by, 'filed_at_ms', filed_at_ms,
    'filed_on', to_char(filed_on, 'YYYY-MM-DD'))::text FROM reports
UNION ALL SELECT audit_seq, ordinal, json_build_object('table', 'report_event', 'report_id', report_id, 'state', state,
    'actor', actor, 'at_ms', at_ms, 'on', to_char(on_day, 'YYYY-MM-DD'), 'reasons', reasons, 'record_id', record_id,
    'reward_id', reward_id)::text FROM report_events
UNION ALL SELECT audit_seq, ordinal, json_build_object('table', 'evidence', 'hash', hash, 'media_type', media_type,
    'bytes', bytes, 'added_by', added_by, 'added_ms', added_ms)::text FROM evidence
UNION ALL SELECT audit_seq, ordinal, json_build_object('table', 'pending_record', 'record_id', record_id, 'partner', partner,
    'subject', subject, 'behaviour', behaviour, 'occurred_on', to_char(occurred_on, 'YYYY-MM-DD'), 'source', source,
    'evidence', evidence, 'recorded_ms', recorded_ms)::text FROM pending_records
UNION ALL SELECT audit_seq, ordinal, json_build_object('table', 'pending_decision', 'record_id', record_id, 'outcome', outcome,
    'reasons', reasons, 'actor', actor, 'at', at)::text FROM pending_decisions
UNION ALL SELECT audit_seq, ordinal, json_build_object('table', 'partner_batch', 'partner', partner, 'batch_id', batch_id,
    'at_ms', at_ms, 'receipt', socred_json(receipt))::text FROM partner_batches
UNION ALL SELECT audit_seq, ordinal, json_build_object('table', 'seal', 'kind', kind, 'key', key, 'state', socred_json(state))::text FROM seals
UNION ALL SELECT audit_seq, ordinal, json_build_object('table', 'rulebook_entry', 'rulebook_seq', rulebook_seq, 'subject', subject,
    'entry_id', entry_id)::text FROM rulebook_entries
ORDER BY 1, 2";

fn json_text(value: &serde_json::Value) -> String {
    socred_log::canonical_json(value)
}

#[allow(clippy::too_many_arguments)]
pub(crate) fn insert_rulebook(
    transaction: &mut Transaction<'_>,
    rows: &mut EntryRows,
    row: &LedgerRow,
    seq: i64,
    id: &str,
    version: &str,
    source: &str,
    file: &str,
) -> Result<()> {
    let LedgerRow::Rulebook { fingerprint, recorded_ms, recorded_on } = row else { unreachable!("a rulebook row") };
    let ordinal = rows.add(row);
    transaction.execute(
        "INSERT INTO rulebooks (seq, id, version, fingerprint, source, file, recorded_ms, recorded_on, audit_seq, ordinal)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
        &[&seq, &id, &version, fingerprint, &source, &file, recorded_ms, recorded_on, &rows.seq, &ordinal],
    )?;
    Ok(())
}

/// Records go to the database through `COPY` (binary): one stream for a batch.
pub(crate) struct RecordCopy<'t> {
    records: BinaryCopyInWriter<'t>,
}

pub(crate) const RECORD_COLUMNS: &str =
    "COPY records (subject, record_id, seq, behaviour, occurred_on, source, evidence, recorded_ms, recorded_on, audit_seq, ordinal)
     FROM STDIN (FORMAT binary)";

impl<'t> RecordCopy<'t> {
    pub fn start(transaction: &'t mut impl postgres::GenericClient) -> Result<RecordCopy<'t>> {
        let sink = transaction.copy_in(RECORD_COLUMNS)?;
        let types = [
            Type::TEXT,
            Type::TEXT,
            Type::INT8,
            Type::TEXT,
            Type::DATE,
            Type::TEXT,
            Type::TEXT,
            Type::INT8,
            Type::DATE,
            Type::INT8,
            Type::INT4,
        ];
        Ok(RecordCopy { records: BinaryCopyInWriter::new(sink, &types) })
    }

    #[allow(clippy::too_many_arguments)]
    pub fn write(
        &mut self,
        subject: &str,
        record_id: &str,
        seq: i64,
        behaviour: &str,
        occurred_on: &Date,
        source: &str,
        evidence: Option<&str>,
        recorded_ms: i64,
        recorded_on: &Date,
        audit_seq: i64,
        ordinal: i32,
    ) -> Result<()> {
        self.records.write(&[
            &subject,
            &record_id,
            &seq,
            &behaviour,
            occurred_on,
            &source,
            &evidence,
            &recorded_ms,
            recorded_on,
            &audit_seq,
            &ordinal,
        ])?;
        Ok(())
    }

    pub fn finish(self) -> Result<u64> {
        Ok(self.records.finish()?)
    }
}

/// Writes new subjects through one `COPY` (binary).
pub(crate) fn copy_subjects(client: &mut impl postgres::GenericClient, rows: &[(LedgerRow, i32)], audit_seq: i64) -> Result<()> {
    let sink = client.copy_in(
        "COPY subjects (subject, number, kind, name, reference, recorded_ms, recorded_on, audit_seq, ordinal) FROM STDIN (FORMAT binary)",
    )?;
    let types = [Type::TEXT, Type::INT8, Type::TEXT, Type::TEXT, Type::TEXT, Type::INT8, Type::DATE, Type::INT8, Type::INT4];
    let mut writer = BinaryCopyInWriter::new(sink, &types);
    for (row, ordinal) in rows {
        let LedgerRow::Subject { number, id, kind, name, reference, recorded_ms, recorded_on } = row else { unreachable!("subject rows") };
        writer.write(&[&id.as_str(), number, kind, name, reference, recorded_ms, recorded_on, &audit_seq, ordinal])?;
    }
    writer.finish()?;
    Ok(())
}

/// Writes the ids of records just copied to the lookup table, in one statement.
pub(crate) fn index_record_ids(transaction: &mut impl postgres::GenericClient, record_ids: &[String], subjects: &[String]) -> Result<()> {
    assert_eq!(record_ids.len(), subjects.len());
    transaction
        .execute("INSERT INTO record_ids (record_id, subject) SELECT * FROM unnest($1::text[], $2::text[])", &[&record_ids, &subjects])?;
    Ok(())
}

/// Which subject the rows of a restore belong to, where the row does not say.
pub(crate) trait Owners {
    fn record_subject(&mut self, transaction: &mut Transaction<'_>, record_id: &str) -> Result<String>;
    fn report_subject(&mut self, transaction: &mut Transaction<'_>, report_id: &str) -> Result<String>;
}

/// Writes any row except records and rulebooks (which carry more than the
/// row: see `RecordCopy` and `insert_rulebook`) and evidence (its bytes).
pub(crate) fn insert_row(transaction: &mut Transaction<'_>, rows: &mut EntryRows, row: &LedgerRow, owners: &mut dyn Owners) -> Result<()> {
    let seq = rows.seq;
    match row {
        LedgerRow::Subject { number, id, kind, name, reference, recorded_ms, recorded_on } => {
            let ordinal = rows.add(row);
            transaction.execute(
                "INSERT INTO subjects (subject, number, kind, name, reference, recorded_ms, recorded_on, audit_seq, ordinal)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
                &[&id.as_str(), number, kind, name, reference, recorded_ms, recorded_on, &seq, &ordinal],
            )?;
        }
        LedgerRow::Link { subject, kind, other, recorded_ms, recorded_on } => {
            let ordinal = rows.add(row);
            transaction.execute(
                "INSERT INTO links (subject, kind, other, recorded_ms, recorded_on, audit_seq, ordinal) VALUES ($1, $2, $3, $4, $5, $6, $7)",
                &[&subject.as_str(), kind, &other.as_str(), recorded_ms, recorded_on, &seq, &ordinal],
            )?;
        }
        LedgerRow::Void { record_id, reason, recorded_ms, recorded_on } => {
            let subject = owners.record_subject(transaction, record_id)?;
            rows.touch(&subject);
            let ordinal = rows.add(row);
            transaction.execute(
                "INSERT INTO voids (subject, record_id, reason, recorded_ms, recorded_on, audit_seq, ordinal) VALUES ($1, $2, $3, $4, $5, $6, $7)",
                &[&subject, record_id, reason, recorded_ms, recorded_on, &seq, &ordinal],
            )?;
        }
        LedgerRow::Event { subject, on, recorded_ms, actor, kind, case_key, body } => {
            let number: i64 = transaction.query_one("UPDATE log_head SET size = size + 1 WHERE log = 'events' RETURNING size", &[])?.get(0);
            let ordinal = rows.add(row);
            transaction.execute(
                "INSERT INTO events (subject, seq, on_day, recorded_ms, actor, kind, case_key, body, audit_seq, ordinal)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
                &[&subject.as_str(), &number, on, recorded_ms, actor, kind, case_key, &json_text(body), &seq, &ordinal],
            )?;
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
            let ordinal = rows.add(row);
            transaction.execute(
                "INSERT INTO reports (subject, report_id, reporter, behaviour, occurred_on, description, evidence, facts, filed_by,
                 filed_at_ms, filed_on, audit_seq, ordinal) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
                &[
                    &subject.as_str(),
                    report_id,
                    &reporter.as_str(),
                    behaviour,
                    occurred_on,
                    description,
                    &json_text(evidence),
                    facts,
                    filed_by,
                    filed_at_ms,
                    filed_on,
                    &seq,
                    &ordinal,
                ],
            )?;
            transaction.execute("INSERT INTO report_ids (report_id, subject) VALUES ($1, $2)", &[report_id, &subject.as_str()])?;
        }
        LedgerRow::ReportEvent { report_id, state, actor, at_ms, on, reasons, record_id, reward_id } => {
            let subject = owners.report_subject(transaction, report_id)?;
            rows.touch(&subject);
            let ordinal = rows.add(row);
            transaction.execute(
                "INSERT INTO report_events (subject, report_id, state, actor, at_ms, on_day, reasons, record_id, reward_id, audit_seq, ordinal)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
                &[&subject, report_id, state, actor, at_ms, on, reasons, record_id, reward_id, &seq, &ordinal],
            )?;
        }
        LedgerRow::PendingRecord { record_id, partner, subject, behaviour, occurred_on, source, evidence, recorded_ms } => {
            let ordinal = rows.add(row);
            transaction.execute(
                "INSERT INTO pending_records (subject, record_id, partner, behaviour, occurred_on, source, evidence, recorded_ms, audit_seq,
                 ordinal) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
                &[&subject.as_str(), record_id, partner, behaviour, occurred_on, source, evidence, recorded_ms, &seq, &ordinal],
            )?;
        }
        LedgerRow::PendingDecision { record_id, outcome, reasons, actor, at } => {
            let ordinal = rows.add(row);
            transaction.execute(
                "INSERT INTO pending_decisions (record_id, outcome, reasons, actor, at, audit_seq, ordinal) VALUES ($1, $2, $3, $4, $5, $6, $7)",
                &[record_id, outcome, reasons, actor, at, &seq, &ordinal],
            )?;
        }
        LedgerRow::PartnerBatch { partner, batch_id, at_ms, receipt } => {
            let ordinal = rows.add(row);
            transaction.execute(
                "INSERT INTO partner_batches (partner, batch_id, at_ms, receipt, audit_seq, ordinal) VALUES ($1, $2, $3, $4, $5, $6)",
                &[partner, batch_id, at_ms, &json_text(receipt), &seq, &ordinal],
            )?;
        }
        LedgerRow::Seal { kind, key, state } => {
            let ordinal = rows.add(row);
            transaction.execute(
                "INSERT INTO seals (kind, key, state, audit_seq, ordinal) VALUES ($1, $2, $3, $4, $5)",
                &[kind, key, &json_text(state), &seq, &ordinal],
            )?;
        }
        LedgerRow::RulebookEntry { rulebook_seq, subject, entry_id } => {
            let ordinal = rows.add(row);
            transaction.execute(
                "INSERT INTO rulebook_entries (subject, rulebook_seq, entry_id, audit_seq, ordinal) VALUES ($1, $2, $3, $4, $5)",
                &[&subject.as_str(), rulebook_seq, entry_id, &seq, &ordinal],
            )?;
        }
        LedgerRow::Record { .. } | LedgerRow::Rulebook { .. } | LedgerRow::Evidence { .. } => {
            return Err(StoreError::Corrupt(format!("a {} row is written with what it carries besides the row", row_name(row))));
        }
    }
    Ok(())
}

fn row_name(row: &LedgerRow) -> &'static str {
    crate::audit::rows::SECTIONS[row.section()]
}
