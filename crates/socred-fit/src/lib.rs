//! Fitting a commercial scorecard's points on a labelled sample, the way a
//! credit bureau builds one:
//!
//! 1. **Weight of evidence** per bin of each characteristic, with half a
//!    count added to every cell so an empty one stays finite:
//!    WOE = ln(share of goods in the bin / share of bads in the bin).
//!    Where the card declares a direction, bins whose WOE goes against it are
//!    pooled with their neighbours (pool-adjacent-violators, weighted by the
//!    bins' rows), so the fitted points keep it.
//! 2. **Logistic regression** (linfa) of "repaid" on the WOE features:
//!    ln(odds of repaying) = β₀ + Σ βᵢ·WOEᵢ. A characteristic whose β comes
//!    out negative (it adds nothing once the others are known) is dropped:
//!    its bins all get 0 points, and the report names it.
//! 3. **Scaling**: factor = points_to_double_odds / ln 2, offset = base_score −
//!    factor · ln(base_odds); a bin's points are round(factor · βᵢ · WOE), the
//!    base points round(offset + factor · β₀).
//!
//! The fit is deterministic: the same sample and card give the same card.
//! Its quality is measured on the sample with the card as written (integer
//! points): AUC (Gini = 2·AUC − 1), the Kolmogorov–Smirnov statistic, and a
//! calibration table by tenth of predicted risk.

use linfa::prelude::{Dataset, Fit as _};
use linfa_logistic::LogisticRegression;
use ndarray::{Array1, Array2};
use serde::Serialize;
use socred_core::scorecard::{Characteristic, MAX_POINTS_ABS, Monotone, Observation, Scorecard};

/// Fewest rows, and fewest of each outcome, a fit needs.
pub const MIN_ROWS: usize = 100;
pub const MIN_EACH_OUTCOME: usize = 20;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FitError {
    #[error(
        "the sample has {rows} rows ({defaults} defaults); a fit needs at least {MIN_ROWS} rows and {MIN_EACH_OUTCOME} of each outcome"
    )]
    TooSmall { rows: usize, defaults: usize },
    #[error("row {row} has {found} values; the card has {expected} characteristics")]
    Shape { row: usize, found: usize, expected: usize },
    #[error("the regression did not converge: {0}")]
    Regression(String),
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Calibration {
    /// 1 = the tenth of rows with the lowest predicted risk.
    pub decile: usize,
    pub rows: usize,
    pub predicted_default_rate: f64,
    pub observed_default_rate: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Quality {
    pub rows: usize,
    pub defaults: usize,
    /// The chance that a subject who repaid scores above one who defaulted (ties count half).
    pub auc: f64,
    pub gini: f64,
    /// The largest gap between the score distributions of defaulters and the rest.
    pub ks: f64,
    pub calibration: Vec<Calibration>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Fit {
    #[serde(skip)]
    pub card: Scorecard,
    /// β per characteristic (in the card's order) and β₀.
    pub coefficients: Vec<f64>,
    pub intercept: f64,
    /// Characteristics dropped for a negative β.
    pub dropped: Vec<String>,
    pub quality: Quality,
}

/// Pool-adjacent-violators: the non-decreasing sequence nearest `values`
/// (weighted least squares), pooling neighbours that go the wrong way.
fn non_decreasing(values: &[f64], weights: &[f64]) -> Vec<f64> {
    // Blocks of (mean, weight, length).
    let mut blocks: Vec<(f64, f64, usize)> = Vec::with_capacity(values.len());
    for (&value, &weight) in values.iter().zip(weights) {
        blocks.push((value, weight.max(1e-9), 1));
        while blocks.len() > 1 && blocks[blocks.len() - 2].0 > blocks[blocks.len() - 1].0 {
            let (mean, weight, length) = blocks.pop().expect("two blocks");
            let last = blocks.last_mut().expect("one block");
            let total = last.1 + weight;
            *last = ((last.0 * last.1 + mean * weight) / total, total, last.2 + length);
        }
    }
    blocks.into_iter().flat_map(|(mean, _, length)| std::iter::repeat_n(mean, length)).collect()
}

/// The WOE of each bin of `characteristic` (column `column` of the sample), monotone where declared.
fn weights_of_evidence(characteristic: &Characteristic, column: usize, rows: &[Observation], goods: f64, bads: f64) -> Vec<f64> {
    let bins = characteristic.bins.len();
    let (mut good, mut bad) = (vec![0.5_f64; bins], vec![0.5_f64; bins]);
    for row in rows {
        let bin = characteristic.bin_of(row.values[column]);
        if row.defaulted {
            bad[bin] += 1.0;
        } else {
            good[bin] += 1.0;
        }
    }
    let woe: Vec<f64> = (0..bins).map(|bin| ((good[bin] / goods) / (bad[bin] / bads)).ln()).collect();
    let weights: Vec<f64> = (0..bins).map(|bin| good[bin] + bad[bin]).collect();
    match characteristic.monotone {
        Some(Monotone::Increasing) => non_decreasing(&woe, &weights),
        Some(Monotone::Decreasing) => {
            let negated: Vec<f64> = woe.iter().map(|value| -value).collect();
            non_decreasing(&negated, &weights).into_iter().map(|value| -value).collect()
        }
        None => woe,
    }
}

/// Fits `template`'s points on `rows`; the card keeps the template's
/// characteristics, bins, texts and scaling, with `version`.
pub fn fit(template: &Scorecard, rows: &[Observation], version: &str) -> Result<Fit, FitError> {
    let defaults = rows.iter().filter(|row| row.defaulted).count();
    if rows.len() < MIN_ROWS || defaults < MIN_EACH_OUTCOME || rows.len() - defaults < MIN_EACH_OUTCOME {
        return Err(FitError::TooSmall { rows: rows.len(), defaults });
    }
    let expected = template.characteristics.len();
    if let Some((row, found)) = rows.iter().enumerate().find(|(_, row)| row.values.len() != expected) {
        return Err(FitError::Shape { row: row + 1, found: found.values.len(), expected });
    }
    let (goods, bads) = ((rows.len() - defaults) as f64 + 0.5, defaults as f64 + 0.5);
    let woe: Vec<Vec<f64>> =
        template.characteristics.iter().enumerate().map(|(column, c)| weights_of_evidence(c, column, rows, goods, bads)).collect();
    let features = Array2::from_shape_fn((rows.len(), expected), |(row, column)| {
        woe[column][template.characteristics[column].bin_of(rows[row].values[column])]
    });
    let repaid: Array1<bool> = rows.iter().map(|row| !row.defaulted).collect();
    let dataset = Dataset::new(features, repaid);
    let model = LogisticRegression::default()
        .alpha(0.1)
        .max_iterations(500)
        .gradient_tolerance(1e-7)
        .fit(&dataset)
        .map_err(|error| FitError::Regression(error.to_string()))?;
    // linfa models the log-odds of the class it takes as positive, which
    // depends on the sample (the more frequent outcome, or on a tie the one
    // seen first). Whichever it took, the card needs those of repaying.
    let sign = if model.labels().pos.class { 1.0 } else { -1.0 };
    let intercept = sign * model.intercept();
    let mut coefficients: Vec<f64> = model.params().iter().map(|beta| sign * beta).collect();
    let mut dropped = Vec::new();
    for (coefficient, characteristic) in coefficients.iter_mut().zip(&template.characteristics) {
        if *coefficient < 0.0 {
            *coefficient = 0.0;
            dropped.push(characteristic.code.clone());
        }
    }
    let mut card = template.clone();
    card.version = version.to_string();
    let factor = card.scaling.factor();
    let limit = MAX_POINTS_ABS as f64;
    card.scaling.base_points = (card.scaling.offset() + factor * intercept).round().clamp(-10_000.0, 10_000.0) as i64;
    for (column, characteristic) in card.characteristics.iter_mut().enumerate() {
        for (bin, value) in characteristic.bins.iter_mut().zip(&woe[column]) {
            bin.points = (factor * coefficients[column] * value).round().clamp(-limit, limit) as i64;
        }
    }
    let quality = quality(&card, rows);
    Ok(Fit { card, coefficients, intercept, dropped, quality })
}

/// The card's sum of points for a row, before it is held to the scale.
fn points(card: &Scorecard, row: &Observation) -> i64 {
    card.scaling.base_points + card.characteristics.iter().zip(&row.values).map(|(c, value)| c.bins[c.bin_of(*value)].points).sum::<i64>()
}

/// AUC, Gini, KS and calibration of `card` on `rows`.
pub fn quality(card: &Scorecard, rows: &[Observation]) -> Quality {
    let mut scored: Vec<(i64, bool)> = rows.iter().map(|row| (points(card, row), row.defaulted)).collect();
    scored.sort_unstable();
    let defaults = scored.iter().filter(|(_, defaulted)| *defaulted).count();
    let goods = scored.len() - defaults;
    // AUC by ranks: for each tie group of scores, goods above the bads below, half the ties.
    let (mut bads_below, mut goods_below, mut wins, mut ks) = (0_u64, 0_u64, 0.0_f64, 0.0_f64);
    let mut index = 0;
    while index < scored.len() {
        let score = scored[index].0;
        let (mut bads_here, mut goods_here) = (0_u64, 0_u64);
        while index < scored.len() && scored[index].0 == score {
            if scored[index].1 {
                bads_here += 1
            } else {
                goods_here += 1
            }
            index += 1;
        }
        wins += goods_here as f64 * (bads_below as f64 + bads_here as f64 / 2.0);
        bads_below += bads_here;
        goods_below += goods_here;
        let gap = bads_below as f64 / defaults.max(1) as f64 - goods_below as f64 / goods.max(1) as f64;
        ks = ks.max(gap.abs());
    }
    let auc = if defaults == 0 || goods == 0 { 0.5 } else { wins / (defaults as f64 * goods as f64) };
    // Predicted risk from the points: odds of repaying = e^((points − offset) / factor).
    let (offset, factor) = (card.scaling.offset(), card.scaling.factor());
    let mut predicted: Vec<(f64, bool)> =
        scored.iter().map(|(points, defaulted)| (1.0 / (1.0 + ((*points as f64 - offset) / factor).exp()), *defaulted)).collect();
    predicted.sort_by(|a, b| a.0.total_cmp(&b.0));
    let calibration = (0..10)
        .filter_map(|decile| {
            let part = &predicted[decile * predicted.len() / 10..(decile + 1) * predicted.len() / 10];
            (!part.is_empty()).then(|| Calibration {
                decile: decile + 1,
                rows: part.len(),
                predicted_default_rate: part.iter().map(|(p, _)| p).sum::<f64>() / part.len() as f64,
                observed_default_rate: part.iter().filter(|(_, defaulted)| *defaulted).count() as f64 / part.len() as f64,
            })
        })
        .collect();
    Quality { rows: rows.len(), defaults, auc, gini: 2.0 * auc - 1.0, ks, calibration }
}

#[cfg(test)]
mod tests;
