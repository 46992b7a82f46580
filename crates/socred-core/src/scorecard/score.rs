//! A subject's commercial score on a day: a pure function of the scorecard
//! and the file, explained characteristic by characteristic, with the
//! reasons an adverse-action notice states and what would change each.

use std::collections::HashSet;

use serde::Serialize;
use time::Date;

use super::{Characteristic, Dimension, REASONS, Scorecard, Source};
use crate::date::{add_years, serde_date};
use crate::record::SubjectFile;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CommercialScore {
    /// Within the card's `[min_score, max_score]` (350–950 in the default).
    pub score: i64,
    /// `id version` of the scorecard.
    pub scorecard: String,
    #[serde(with = "serde_date")]
    pub as_of: Date,
    /// Points per dimension, every dimension the card uses, in the order of [`Dimension::ALL`].
    pub dimensions: Vec<DimensionPoints>,
    pub characteristics: Vec<CharacteristicResult>,
    /// The characteristics that cost the most points against their best bin
    /// (at most four, largest first, ties by reason code); none cost nothing.
    pub reasons: Vec<Reason>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DimensionPoints {
    pub dimension: Dimension,
    pub points: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CharacteristicResult {
    pub code: String,
    pub reason_code: String,
    pub dimension: Dimension,
    /// The number read from the file.
    pub value: u32,
    /// The bin the value falls in ("0", "1–2", "3+").
    pub bin: String,
    pub points: i64,
    /// The points of the card's best bin for this characteristic, and its values.
    pub best_points: i64,
    pub best_bin: String,
    /// The first day on which time alone changes the value (a counted record
    /// leaves its window, another year of history is complete), if any.
    #[serde(with = "serde_date::option", skip_serializing_if = "Option::is_none")]
    pub changes_on: Option<Date>,
}

impl CharacteristicResult {
    pub fn points_lost(&self) -> i64 {
        self.best_points - self.points
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Reason {
    pub reason_code: String,
    pub characteristic: String,
    pub points_lost: i64,
}

/// The value a characteristic reads and the day time alone next changes it.
fn read(characteristic: &Characteristic, file: &SubjectFile, voided: &HashSet<&str>, as_of: Date) -> (u32, Option<Date>) {
    let counted = file.records.iter().filter(|record| {
        record.occurred_on <= as_of && !voided.contains(record.id.as_str()) && characteristic.behaviours().contains(&record.behaviour)
    });
    match &characteristic.source {
        Source::Records { window_years, .. } => {
            // A record counts from the day it occurred until the same day
            // `window_years` later, as the assessment counts a record's years.
            let mut count = 0_u32;
            let mut ends: Option<Date> = None;
            for until in counted.map(|record| add_years(record.occurred_on, *window_years)).filter(|until| *until > as_of) {
                count = count.saturating_add(1);
                ends = Some(ends.map_or(until, |day: Date| day.min(until)));
            }
            (count, ends)
        }
        Source::HistoryYears { .. } => match counted.map(|record| record.occurred_on).min() {
            None => (0, None),
            Some(first) => {
                let mut years = (as_of.year() - first.year()).max(0) as u32;
                if add_years(first, years) > as_of {
                    years = years.saturating_sub(1);
                }
                (years, Some(add_years(first, years + 1)))
            }
        },
    }
}

/// The score of `file` on `as_of` under `card`.
pub fn score(card: &Scorecard, file: &SubjectFile, as_of: Date) -> CommercialScore {
    let voided: HashSet<&str> = file.voids.iter().map(|void| void.record_id.as_str()).collect();
    let mut characteristics = Vec::with_capacity(card.characteristics.len());
    for characteristic in &card.characteristics {
        let (value, changes_on) = read(characteristic, file, &voided, as_of);
        let bin = &characteristic.bins[characteristic.bin_of(value)];
        let best = characteristic.bins.iter().rev().max_by_key(|bin| bin.points).expect("validated: at least two bins");
        characteristics.push(CharacteristicResult {
            code: characteristic.code.clone(),
            reason_code: characteristic.reason_code.clone(),
            dimension: characteristic.dimension,
            value,
            bin: bin.label(),
            points: bin.points,
            best_points: best.points,
            best_bin: best.label(),
            changes_on,
        });
    }
    let total = card.scaling.base_points + characteristics.iter().map(|c| c.points).sum::<i64>();
    let score = total.clamp(card.scaling.min_score, card.scaling.max_score);
    debug_assert!((card.scaling.min_score..=card.scaling.max_score).contains(&score));
    let dimensions = Dimension::ALL
        .into_iter()
        .filter(|dimension| characteristics.iter().any(|c| c.dimension == *dimension))
        .map(|dimension| DimensionPoints {
            dimension,
            points: characteristics.iter().filter(|c| c.dimension == dimension).map(|c| c.points).sum(),
        })
        .collect();
    let mut costly: Vec<&CharacteristicResult> = characteristics.iter().filter(|c| c.points_lost() > 0).collect();
    costly.sort_by(|a, b| b.points_lost().cmp(&a.points_lost()).then_with(|| a.reason_code.cmp(&b.reason_code)));
    let reasons = costly
        .into_iter()
        .take(REASONS)
        .map(|c| Reason { reason_code: c.reason_code.clone(), characteristic: c.code.clone(), points_lost: c.points_lost() })
        .collect();
    CommercialScore { score, scorecard: format!("{} {}", card.id, card.version), as_of, dimensions, characteristics, reasons }
}
