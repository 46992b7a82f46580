//! Monitoring a scorecard: the distribution of scores over ten equal bands
//! of the scale on two dates, and the population stability index between
//! them (PSI = Σ (after − before) · ln(after / before) over the bands' shares).

use serde::Serialize;

use super::Scaling;

/// Bands the scale is cut into.
pub const BANDS: usize = 10;
/// The share an empty band counts as, so that the logarithm stays finite.
const EMPTY_SHARE: f64 = 1e-4;

/// PSI below this: stable; up to [`MAJOR_SHIFT`]: a moderate shift; above: a major one.
pub const MODERATE_SHIFT: f64 = 0.10;
pub const MAJOR_SHIFT: f64 = 0.25;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Distribution {
    pub counts: [u64; BANDS],
}

impl Distribution {
    pub fn new() -> Distribution {
        Distribution { counts: [0; BANDS] }
    }

    pub fn add(&mut self, scaling: &Scaling, score: i64) {
        self.counts[band_of(scaling, score)] += 1;
    }

    pub fn total(&self) -> u64 {
        self.counts.iter().sum()
    }

    pub fn share(&self, band: usize) -> f64 {
        let total = self.total();
        if total == 0 { 0.0 } else { self.counts[band] as f64 / total as f64 }
    }
}

impl Default for Distribution {
    fn default() -> Distribution {
        Distribution::new()
    }
}

/// The band of a score: ten equal parts of `[min_score, max_score]`, the top one closed.
pub fn band_of(scaling: &Scaling, score: i64) -> usize {
    let span = (scaling.max_score - scaling.min_score).max(1);
    let offset = (score - scaling.min_score).clamp(0, span);
    ((offset * BANDS as i64 / span) as usize).min(BANDS - 1)
}

/// The scores band `band` holds, as "lowest–highest".
pub fn band_label(scaling: &Scaling, band: usize) -> String {
    // The lowest score whose band is `band`: offset * BANDS / span rounds down.
    let span = (scaling.max_score - scaling.min_score).max(1);
    let first = |band: i64| scaling.min_score + (span * band + BANDS as i64 - 1) / BANDS as i64;
    let low = first(band as i64);
    let high = if band + 1 == BANDS { scaling.max_score } else { first(band as i64 + 1) - 1 };
    format!("{low}–{high}")
}

/// The population stability index of `after` against `before`; 0 when either is empty.
pub fn population_stability_index(before: &Distribution, after: &Distribution) -> f64 {
    if before.total() == 0 || after.total() == 0 {
        return 0.0;
    }
    (0..BANDS)
        .map(|band| {
            let (expected, actual) = (before.share(band).max(EMPTY_SHARE), after.share(band).max(EMPTY_SHARE));
            (actual - expected) * (actual / expected).ln()
        })
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scorecard::Scorecard;

    #[test]
    fn bands_cut_the_scale_into_ten_and_hold_its_ends() {
        let card = Scorecard::default_card();
        let scaling = &card.scaling;
        assert_eq!(band_of(scaling, 350), 0);
        assert_eq!(band_of(scaling, 409), 0);
        assert_eq!(band_of(scaling, 410), 1);
        assert_eq!(band_of(scaling, 949), 9);
        assert_eq!(band_of(scaling, 950), 9);
        assert_eq!(band_of(scaling, -5), 0);
        assert_eq!(band_of(scaling, 10_000), 9);
        assert_eq!(band_label(scaling, 0), "350–409");
        assert_eq!(band_label(scaling, 9), "890–950");
        for score in 350..=950 {
            let band = band_of(scaling, score);
            let label = band_label(scaling, band);
            let (low, high) = label.split_once('–').unwrap();
            assert!((low.parse::<i64>().unwrap()..=high.parse::<i64>().unwrap()).contains(&score), "{score} in {label}");
        }
    }

    #[test]
    fn the_stability_index_is_zero_for_the_same_shares_and_grows_with_the_shift() {
        let card = Scorecard::default_card();
        let mut before = Distribution::new();
        let mut same = Distribution::new();
        let mut shifted = Distribution::new();
        for score in (350..=950).step_by(7) {
            before.add(&card.scaling, score);
            same.add(&card.scaling, score);
            same.add(&card.scaling, score);
            shifted.add(&card.scaling, (score + 120).min(950));
        }
        assert!(population_stability_index(&before, &same).abs() < 1e-12);
        let psi = population_stability_index(&before, &shifted);
        assert!(psi > MAJOR_SHIFT, "{psi}");
        assert_eq!(population_stability_index(&before, &Distribution::new()), 0.0);
    }
}
