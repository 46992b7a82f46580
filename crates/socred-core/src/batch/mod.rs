//! Rescoring a whole population at memory speed.
//!
//! A [`Population`] holds every subject's records in flat columns sorted by
//! subject: a behaviour index (2 bytes) and an occurrence day (4 bytes) per
//! record, one offset per subject, and nothing allocated per record. A
//! [`Scorer`] is a rulebook compiled against the population's behaviour codes
//! for one as-of date; [`Scorer::summarise`] gives a subject's score, tiers
//! and lock, the same as [`crate::assess::summarise`] gives from the file (a
//! property test holds the two equal, locks and recovery included).
//!
//! Most subjects need no sweep over time: when even the sum of every
//! deduction so far cannot take the score below the best tier that locks,
//! and no record forces a tier, the tier is the points tier and nothing
//! locks, so one pass over the columns answers (`scorer.rs`). The rest are
//! swept, like `assess` does, over a scratch buffer the caller keeps
//! (`sweep.rs`): records and the ends of expired ones merged as they are
//! read, and only the days that move a subject or end a lock taken through
//! the tier rules.

use std::collections::{HashMap, HashSet};

use crate::assess::LockState;
use crate::date::Date;
use crate::id::SubjectId;
use crate::record::{Record, RecordId, SubjectFile};
use crate::tier::Tier;

mod scorer;
mod sweep;

pub use scorer::Scorer;

/// Most records of one subject the sweep packs (positions are 23 bits).
pub const MAX_RECORDS_PER_SUBJECT: usize = (1 << 23) - 1;
/// Most records a population holds (offsets are 32-bit).
pub const MAX_RECORDS: usize = u32::MAX as usize - 1;
/// Most distinct behaviour codes a population holds (indexes are 16-bit).
pub const MAX_BEHAVIOURS: usize = u16::MAX as usize;

/// A population outgrew its columns.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PopulationFull {
    #[error("a population holds at most {MAX_RECORDS} records")]
    Records,
    #[error("a population holds at most {MAX_BEHAVIOURS} behaviour codes")]
    Behaviours,
    #[error("a subject holds at most {MAX_RECORDS_PER_SUBJECT} records in a population")]
    SubjectRecords,
}

/// Every subject's effective records, as columns.
#[derive(Debug, Clone)]
pub struct Population {
    subjects: Vec<SubjectId>,
    /// Subject `i`'s records are `offsets[i]..offsets[i + 1]`.
    offsets: Vec<u32>,
    behaviour: Vec<u16>,
    /// Julian day numbers.
    occurred: Vec<i32>,
    codes: Vec<String>,
    code_index: HashMap<String, u16>,
}

impl Default for Population {
    fn default() -> Self {
        Population::with_capacity(0, 0)
    }
}

impl Population {
    pub fn with_capacity(subjects: usize, records: usize) -> Population {
        let mut offsets = Vec::with_capacity(subjects + 1);
        offsets.push(0);
        Population {
            subjects: Vec::with_capacity(subjects),
            offsets,
            behaviour: Vec::with_capacity(records),
            occurred: Vec::with_capacity(records),
            codes: Vec::new(),
            code_index: HashMap::new(),
        }
    }

    /// The index of a behaviour code, adding it when new.
    pub fn code(&mut self, behaviour: &str) -> Result<u16, PopulationFull> {
        if let Some(&index) = self.code_index.get(behaviour) {
            return Ok(index);
        }
        if self.codes.len() >= MAX_BEHAVIOURS {
            return Err(PopulationFull::Behaviours);
        }
        let index = self.codes.len() as u16;
        self.codes.push(behaviour.to_string());
        self.code_index.insert(behaviour.to_string(), index);
        Ok(index)
    }

    /// Adds a subject from its file: void records left out and one record
    /// per id, chosen by content as the assessment chooses it.
    pub fn push_file(&mut self, subject: SubjectId, file: &SubjectFile) -> Result<(), PopulationFull> {
        let voided: HashSet<&RecordId> = file.voids.iter().map(|void| &void.record_id).collect();
        let mut records: Vec<&Record> = file.records.iter().filter(|record| !voided.contains(&record.id)).collect();
        records.sort_by(|a, b| {
            (&a.id, a.occurred_on, &a.behaviour, &a.source, &a.evidence).cmp(&(&b.id, b.occurred_on, &b.behaviour, &b.source, &b.evidence))
        });
        records.dedup_by(|later, earlier| later.id == earlier.id);
        let mut columns = Vec::with_capacity(records.len());
        for record in records {
            columns.push((self.code(&record.behaviour)?, record.occurred_on));
        }
        self.push_raw(subject, columns)
    }

    /// Adds a subject from ready columns (generators, benchmarks): every
    /// record is taken as effective, so the caller has left out void and
    /// repeated records. Each index must come from [`Population::code`].
    pub fn push_raw(&mut self, subject: SubjectId, records: impl IntoIterator<Item = (u16, Date)>) -> Result<(), PopulationFull> {
        let before = self.behaviour.len();
        let mut sorted: Vec<(i32, u16)> =
            records.into_iter().map(|(behaviour, occurred_on)| (occurred_on.to_julian_day(), behaviour)).collect();
        if sorted.len() > MAX_RECORDS_PER_SUBJECT {
            return Err(PopulationFull::SubjectRecords);
        }
        // By day within the subject: the scorer's first pass reads them in time order.
        sorted.sort_unstable();
        if before + sorted.len() > MAX_RECORDS {
            return Err(PopulationFull::Records);
        }
        for (day, behaviour) in sorted {
            assert!(usize::from(behaviour) < self.codes.len(), "a behaviour index from Population::code");
            self.behaviour.push(behaviour);
            self.occurred.push(day);
        }
        self.subjects.push(subject);
        self.offsets.push(self.behaviour.len() as u32);
        Ok(())
    }

    pub fn len(&self) -> usize {
        self.subjects.len()
    }

    pub fn is_empty(&self) -> bool {
        self.subjects.is_empty()
    }

    pub fn record_count(&self) -> usize {
        self.behaviour.len()
    }

    pub fn subject(&self, index: usize) -> SubjectId {
        self.subjects[index]
    }

    pub fn subjects(&self) -> &[SubjectId] {
        &self.subjects
    }

    /// The behaviour codes, by index.
    pub fn codes(&self) -> &[String] {
        &self.codes
    }

    /// A subject's columns: behaviour indexes and occurrence days (Julian).
    pub fn records(&self, index: usize) -> (&[u16], &[i32]) {
        let range = self.offsets[index] as usize..self.offsets[index + 1] as usize;
        (&self.behaviour[range.clone()], &self.occurred[range])
    }

    /// Bytes held by the columns (capacity, not length: what the process pays).
    /// Gives back the capacity the columns grew into beyond their length.
    pub fn shrink_to_fit(&mut self) {
        self.subjects.shrink_to_fit();
        self.offsets.shrink_to_fit();
        self.behaviour.shrink_to_fit();
        self.occurred.shrink_to_fit();
    }

    pub fn column_bytes(&self) -> usize {
        self.subjects.capacity() * size_of::<SubjectId>()
            + self.offsets.capacity() * size_of::<u32>()
            + self.behaviour.capacity() * size_of::<u16>()
            + self.occurred.capacity() * size_of::<i32>()
    }
}

/// What a decision needs of a subject on the as-of date.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BatchSummary {
    pub score: i64,
    pub tier: Tier,
    pub points_tier: Tier,
    pub lock: Option<LockState>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_summary_and_a_subjects_columns_fit_the_hot_budget() {
        // The hot state per subject: its summary and its offset.
        assert!(size_of::<BatchSummary>() + size_of::<u32>() <= 64);
        assert_eq!(size_of::<u16>() + size_of::<i32>(), 6, "bytes per record");
    }
}
