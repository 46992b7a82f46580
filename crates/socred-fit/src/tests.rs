use super::*;
use socred_core::{DEFAULT_RULEBOOK, Rulebook, parse_date};

fn sample(rows: usize, seed: u64) -> Vec<Observation> {
    socred_sim::credit::sample(&Scorecard::default_card(), rows, seed, parse_date("2026-06-30").unwrap())
}

#[test]
fn pooling_keeps_the_declared_direction_and_the_weighted_mean() {
    assert_eq!(non_decreasing(&[1.0, 2.0, 3.0], &[1.0, 1.0, 1.0]), [1.0, 2.0, 3.0]);
    assert_eq!(non_decreasing(&[3.0, 1.0, 2.0], &[1.0, 1.0, 1.0]), [2.0, 2.0, 2.0]);
    assert_eq!(non_decreasing(&[1.0, 4.0, 2.0], &[1.0, 1.0, 3.0]), [1.0, 2.5, 2.5]);
}

#[test]
fn a_fit_on_the_simulated_sample_separates_and_is_reproducible() {
    let rows = sample(20_000, 42);
    let rulebook = Rulebook::from_toml(DEFAULT_RULEBOOK, "default.toml").unwrap();
    let fitted = fit(&Scorecard::default_card(), &rows, "fitted-42").unwrap();
    // The written card is a valid card (monotone where declared) and reads back the same.
    let text = fitted.card.to_toml();
    let back = Scorecard::from_toml(&text, "fitted.toml", &rulebook).unwrap();
    assert_eq!(back.characteristics, fitted.card.characteristics);
    assert_eq!(back.version, "fitted-42");
    let quality = &fitted.quality;
    assert!(quality.auc > 0.65 && quality.auc < 0.95, "{quality:?}");
    assert!((quality.gini - (2.0 * quality.auc - 1.0)).abs() < 1e-12);
    assert!(quality.ks > 0.2, "{quality:?}");
    assert_eq!(quality.calibration.len(), 10);
    // Predicted and observed risk rise together from the safest tenth to the riskiest.
    let (first, last) = (&quality.calibration[0], &quality.calibration[9]);
    assert!(last.observed_default_rate > 2.0 * first.observed_default_rate, "{quality:?}");
    assert!(last.predicted_default_rate > first.predicted_default_rate);
    // Same sample, same card, byte for byte; another seed, another card.
    assert_eq!(fit(&Scorecard::default_card(), &rows, "fitted-42").unwrap().card.to_toml(), text);
    assert_ne!(fit(&Scorecard::default_card(), &sample(20_000, 43), "fitted-42").unwrap().card.to_toml(), text);
    // A fitted card does better on its sample than a card that scores everyone alike.
    let mut flat = fitted.card.clone();
    flat.characteristics.iter_mut().for_each(|c| c.bins.iter_mut().for_each(|bin| bin.points = 0));
    assert_eq!(super::quality(&flat, &rows).auc, 0.5);
}

#[test]
fn a_sample_too_small_or_of_the_wrong_shape_is_refused() {
    let rows = sample(500, 1);
    assert!(matches!(fit(&Scorecard::default_card(), &rows[..50], "x"), Err(FitError::TooSmall { .. })));
    let no_defaults: Vec<Observation> = rows.iter().filter(|row| !row.defaulted).cloned().collect();
    assert!(matches!(fit(&Scorecard::default_card(), &no_defaults, "x"), Err(FitError::TooSmall { .. })));
    let mut short = rows.clone();
    short[7].values.pop();
    assert_eq!(fit(&Scorecard::default_card(), &short, "x").unwrap_err(), FitError::Shape { row: 8, found: 8, expected: 9 });
}

#[test]
fn a_sample_where_most_defaulted_fits_a_card_the_right_way_round() {
    // Keep every default and only a few of those who repaid: defaults are now the majority,
    // and the regression's positive class is "defaulted".
    let rows = sample(20_000, 5);
    let mut skewed: Vec<Observation> = rows.iter().filter(|row| row.defaulted).cloned().collect();
    let defaults = skewed.len();
    skewed.extend(rows.iter().filter(|row| !row.defaulted).take(defaults / 2).cloned());
    let fitted = fit(&Scorecard::default_card(), &skewed, "skewed").unwrap();
    assert!(fitted.quality.auc > 0.6, "{:?}", fitted.quality);
    assert!(fitted.dropped.len() < 4, "{:?}", fitted.dropped);
    let loans = fitted.card.characteristics.iter().find(|c| c.code == "loan-defaults").unwrap();
    assert!(loans.bins[0].points > loans.bins[3].points, "more defaults score lower: {:?}", loans.bins);
}
