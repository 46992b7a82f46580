//! Decisions from the store (the slow, always-correct path) and the
//! annual-expectation report. The check log is in `checks.rs`.

use serde::Serialize;
use socred_core::{Date, SubjectId};

use crate::MAX_PAGE;
use crate::error::Result;

/// A line of the annual-expectation report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AnnualRow {
    pub subject: SubjectId,
    pub name: String,
    pub net_points: i64,
    pub expected_points: i64,
}

/// The annual report's page, as subjects are offered in registration order
/// with their net gain in the year: those below the expectation are counted,
/// and the ones in the page kept.
pub(crate) struct AnnualPage {
    expected: i64,
    limit: usize,
    offset: u64,
    total: u64,
    rows: Vec<AnnualRow>,
}

impl AnnualPage {
    pub(crate) fn new(expected: i64, limit: u32, offset: u64) -> AnnualPage {
        AnnualPage { expected, limit: limit.min(MAX_PAGE) as usize, offset, total: 0, rows: Vec::new() }
    }

    /// `who` is asked only for a subject in the page.
    pub(crate) fn offer(&mut self, net_points: i64, who: impl FnOnce() -> Result<(SubjectId, String)>) -> Result<()> {
        if net_points >= self.expected {
            return Ok(());
        }
        if self.total >= self.offset && self.rows.len() < self.limit {
            let (subject, name) = who()?;
            self.rows.push(AnnualRow { subject, name, net_points, expected_points: self.expected });
        }
        self.total += 1;
        Ok(())
    }

    pub(crate) fn finish(self) -> (u64, Vec<AnnualRow>) {
        (self.total, self.rows)
    }
}

/// Everything the server's in-memory index needs, read in one pass.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct HotData {
    /// (key, id)
    pub subjects: Vec<(i64, SubjectId)>,
    /// (key, tier rank, valid from, valid until) of cached summaries under the active rulebook.
    pub summaries: Vec<(i64, u8, Date, Option<Date>)>,
    /// (key, list, entry id, listed since, listed until) of entries that are or will be listed.
    pub listings: Vec<(i64, String, String, Date, Date)>,
    /// (key, behaviour, record id, counts since, counts until) of the records
    /// of behaviours that trigger a measure (`decide::record_triggers`).
    pub record_triggers: Vec<(i64, String, String, Date, Date)>,
    /// (subject key, kind, other key)
    pub links: Vec<(i64, String, i64)>,
    /// Subjects whose stored rows do not read (id, reason): they have no tier
    /// window, so their checks go to the store, which names the damage.
    /// (The embedded store reports them through `take_unreadable`.)
    pub unreadable: Vec<(String, String)>,
}
