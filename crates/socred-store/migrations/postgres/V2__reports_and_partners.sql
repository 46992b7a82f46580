-- What public reports and partner feeds look up inside their writes: the
-- same facts across files, an account's and a subject's last 24 hours,
-- a report's history, an uploader's quota, a pending record's decision.
CREATE INDEX IF NOT EXISTS reports_by_facts ON reports (facts);
CREATE INDEX IF NOT EXISTS reports_by_filer ON reports (filed_by, filed_at_ms);
CREATE INDEX IF NOT EXISTS reports_filed ON reports (subject, filed_at_ms);
CREATE INDEX IF NOT EXISTS report_events_by_report ON report_events (subject, report_id, audit_seq, ordinal);
CREATE INDEX IF NOT EXISTS evidence_by_uploader ON evidence (added_by, added_ms);
CREATE INDEX IF NOT EXISTS pending_records_by_id ON pending_records (record_id);
CREATE INDEX IF NOT EXISTS pending_records_by_partner ON pending_records (subject, partner, recorded_ms);
CREATE INDEX IF NOT EXISTS pending_decisions_by_record ON pending_decisions (record_id);
