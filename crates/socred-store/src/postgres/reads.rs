//! Reads of a subject's file for people on PostgreSQL: the list entries and
//! disputes on a date, every service's decision, the staff search, the
//! access log, and the public reports about a subject. Like the file, they
//! come from the standby with `--read-db`.

use socred_core::decide::{self, Decision, LinkedStandings};
use socred_core::lists::{self, DueProcessView};
use socred_core::{Date, SubjectId};

use super::PgStore;
use crate::due_process::Access;
use crate::error::{Result, StoreError};
use crate::reports::{EvidenceInfo, ReportEvent, ReportView};
use crate::{MAX_PAGE, SubjectRef};

fn subject_of(id: &str) -> Result<SubjectId> {
    SubjectId::parse(id).map_err(|e| StoreError::Corrupt(format!("stored subject {id:?}: {e}")))
}

impl PgStore {
    /// List entries and disputes of a subject on a date.
    pub fn due_process(&self, id: &SubjectId, as_of: Date) -> Result<DueProcessView> {
        Ok(lists::evaluate(self.rulebook(), *id, &self.file(id)?, as_of))
    }

    /// The standings of the subjects linked to `id` (guardians, the
    /// organisations it represents, their representatives), from the primary.
    pub(crate) fn linked_standings(&self, id: &SubjectId, as_of: Date) -> Result<LinkedStandings> {
        let links = self.connection()?.query(
            "SELECT other, 'guardian' FROM links WHERE subject = $1 AND kind = 'guardian'
             UNION ALL SELECT other, 'represented' FROM links WHERE subject = $1 AND kind = 'represents'
             UNION ALL SELECT subject, 'representative' FROM links WHERE other = $1 AND kind = 'represents'",
            &[&id.as_str()],
        )?;
        let mut linked = LinkedStandings::default();
        for row in links {
            let other: &str = row.get(0);
            let other = SubjectId::parse(other).map_err(|e| StoreError::Corrupt(format!("a link of {id} names {other:?}: {e}")))?;
            let standing = self.standing(&other, as_of)?;
            match row.get::<_, &str>(1) {
                "guardian" => linked.guardians.push(standing),
                "represented" => linked.represented.push(standing),
                _ => linked.representatives.push(standing),
            }
        }
        Ok(linked)
    }

    /// Every service's decision for a subject on a date, computed from the files.
    pub fn decide_all(&self, id: &SubjectId, as_of: Date) -> Result<Vec<Decision>> {
        let own = self.standing(id, as_of)?;
        let linked = self.linked_standings(id, as_of)?;
        Ok(decide::decide_all(self.rulebook(), as_of, &own, &linked))
    }

    /// Subjects whose identifier starts with `text` or whose name contains it
    /// (ignoring case): the staff search.
    pub fn search_subjects(&self, text: &str, limit: u32) -> Result<Vec<SubjectRef>> {
        let text = text.trim();
        if text.is_empty() || text.chars().count() > 128 {
            return Err(StoreError::invalid("search", "1-128 characters"));
        }
        let escaped = text.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_");
        let rows = self.read_connection()?.query(
            "SELECT subject, name FROM subjects WHERE subject LIKE $1 ESCAPE '\\' OR name ILIKE $2 ESCAPE '\\' ORDER BY subject LIMIT $3",
            &[&format!("{}%", escaped.to_ascii_uppercase()), &format!("%{escaped}%"), &i64::from(limit.min(MAX_PAGE))],
        )?;
        rows.iter().map(|row| Ok(SubjectRef { id: subject_of(row.get(0))?, name: row.get(1) })).collect()
    }

    /// Every logged read of a subject's file, oldest first.
    pub fn accesses(&self, subject: &SubjectId) -> Result<Vec<Access>> {
        let rows = self
            .read_connection()?
            .query("SELECT at, actor, purpose, what FROM accesses WHERE subject = $1 ORDER BY seq", &[&subject.as_str()])?;
        Ok(rows.iter().map(|row| Access { at: row.get(0), actor: row.get(1), purpose: row.get(2), what: row.get(3) }).collect())
    }

    /// The verified public reports about a subject, newest first; the
    /// reporter is named only where the rulebook discloses reporters.
    pub fn reports_about(&self, subject: &SubjectId, limit: u32) -> Result<Vec<ReportView>> {
        let disclose = self.rulebook().reporting.disclose_reporter;
        self.report_views(
            "r.subject = $1 AND (SELECT e.state FROM report_events e WHERE e.subject = r.subject AND e.report_id = r.report_id
                                 ORDER BY e.audit_seq DESC, e.ordinal DESC LIMIT 1) = 'verified'",
            subject,
            limit,
            disclose,
        )
    }

    /// The public reports a subject filed, newest first, in every state. (A
    /// report lives in the file of the subject it is about: this one scans
    /// every partition by `reports_by_reporter`.)
    pub fn reports_by(&self, reporter: &SubjectId, limit: u32) -> Result<Vec<ReportView>> {
        self.report_views("r.reporter = $1", reporter, limit, true)
    }

    /// Reports as their views, newest first, where `condition` holds of `r` with `$1` = `subject`.
    fn report_views(&self, condition: &str, subject: &SubjectId, limit: u32, disclose: bool) -> Result<Vec<ReportView>> {
        let mut connection = self.read_connection()?;
        let reports = connection.query(
            &format!(
                "SELECT r.report_id, r.reporter, r.behaviour, r.occurred_on, r.description, r.evidence, r.facts, r.filed_by, r.filed_on,
                        r.audit_seq, r.ordinal, r.subject
                 FROM reports r WHERE {condition} ORDER BY r.audit_seq DESC, r.ordinal DESC LIMIT $2"
            ),
            &[&subject.as_str(), &i64::from(limit.min(MAX_PAGE))],
        )?;
        let mut views = Vec::with_capacity(reports.len());
        for report in reports {
            let id: String = report.get(0);
            let corrupt = |what: &str| StoreError::Corrupt(format!("report {id}: {what}"));
            let hashes: Vec<String> = serde_json::from_str(report.get(5)).map_err(|_| corrupt("evidence"))?;
            let mut evidence = Vec::with_capacity(hashes.len());
            for hash in hashes {
                let row = connection
                    .query_opt("SELECT media_type, bytes FROM evidence WHERE hash = $1", &[&hash])?
                    .ok_or_else(|| corrupt("evidence missing"))?;
                evidence.push(EvidenceInfo { hash, media_type: row.get(0), bytes: row.get::<_, i64>(1) as u64 });
            }
            let about = subject_of(report.get(11))?;
            let (mut history, mut record_id, mut reporter_record_id) = (Vec::new(), None, None);
            for event in connection.query(
                "SELECT state, actor, on_day, reasons, record_id, reward_id FROM report_events
                 WHERE subject = $1 AND report_id = $2 ORDER BY audit_seq, ordinal",
                &[&about.as_str(), &id],
            )? {
                history.push(ReportEvent { state: event.get(0), actor: event.get(1), on: event.get(2), reasons: event.get(3) });
                record_id = event.get::<_, Option<String>>(4).or(record_id);
                reporter_record_id = event.get::<_, Option<String>>(5).or(reporter_record_id);
            }
            let (facts, seq, ordinal): (&str, i64, i32) = (report.get(6), report.get(9), report.get(10));
            let same_facts = connection
                .query(
                    "SELECT report_id FROM reports WHERE facts = $1 AND (audit_seq, ordinal) < ($2, $3) ORDER BY audit_seq, ordinal",
                    &[&facts, &seq, &ordinal],
                )?
                .iter()
                .map(|row| row.get(0))
                .collect();
            let state = history.last().map(|e| e.state.clone()).unwrap_or_else(|| "submitted".into());
            views.push(ReportView {
                reporter: if disclose { Some(subject_of(report.get(1))?) } else { None },
                subject: about,
                behaviour: report.get(2),
                occurred_on: report.get(3),
                description: report.get(4),
                evidence,
                state,
                filed_on: report.get(8),
                same_facts,
                record_id,
                reporter_record_id: if disclose { reporter_record_id } else { None },
                history,
                reporter_stats: None,
                filed_by: report.get(7),
                id,
            });
        }
        Ok(views)
    }

    /// Subjects whose net gain in `year` is below the rulebook's expectation,
    /// in registration order, a page at a time; and how many there are.
    pub fn annual_report(&self, year: i32, limit: u32, offset: u64) -> Result<(u64, Vec<crate::AnnualRow>)> {
        let start = Date::from_calendar_date(year, time::Month::January, 1).map_err(|_| StoreError::invalid("year", "not a year"))?;
        let end = Date::from_calendar_date(year, time::Month::December, 31).map_err(|_| StoreError::invalid("year", "not a year"))?;
        let mut connection = self.read_connection()?;
        let mut snapshot =
            connection.build_transaction().isolation_level(postgres::IsolationLevel::RepeatableRead).read_only(true).start()?;
        let mut net: std::collections::HashMap<String, i64> = std::collections::HashMap::new();
        for row in snapshot.query(
            "SELECT r.subject, r.behaviour FROM records r
             WHERE r.occurred_on BETWEEN $1 AND $2
               AND NOT EXISTS (SELECT 1 FROM voids v WHERE v.subject = r.subject AND v.record_id = r.record_id)",
            &[&start, &end],
        )? {
            if let Some(points) = self.rulebook().behaviour(row.get(1)).map(|b| b.points) {
                *net.entry(row.get(0)).or_insert(0) += points;
            }
        }
        let mut page = crate::decisions::AnnualPage::new(self.rulebook().annual_min_net_points, limit, offset);
        for row in snapshot.query("SELECT subject, name FROM subjects ORDER BY number", &[])? {
            let subject: &str = row.get(0);
            page.offer(net.get(subject).copied().unwrap_or(0), || Ok((subject_of(subject)?, row.get(1))))?;
        }
        snapshot.commit()?;
        Ok(page.finish())
    }
}
