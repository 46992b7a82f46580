//! A scorecard back into its TOML form (how `socred score fit` writes the
//! card it fitted). Reading the text back gives the same card.

use std::fmt::Write;

use super::{Monotone, Scorecard, Source};

/// A TOML string literal (basic string, every character that needs it escaped).
fn quoted(text: &str) -> String {
    toml::Value::String(text.to_string()).to_string()
}

impl Scorecard {
    pub fn to_toml(&self) -> String {
        let mut out = String::new();
        let scaling = &self.scaling;
        // Writing into a String cannot fail.
        let _ = writeln!(out, "[scorecard]\nid = {}\nversion = {}", quoted(&self.id), quoted(&self.version));
        let _ = writeln!(out, "title = {}\ntitle_zh = {}\n", quoted(&self.title), quoted(&self.title_zh));
        let _ = writeln!(
            out,
            "[scaling]\nmin_score = {}\nmax_score = {}\nbase_score = {}",
            scaling.min_score, scaling.max_score, scaling.base_score
        );
        let _ = writeln!(
            out,
            "base_odds = {:?}\npoints_to_double_odds = {:?}\nbase_points = {}",
            scaling.base_odds, scaling.points_to_double_odds, scaling.base_points
        );
        for characteristic in &self.characteristics {
            let _ = writeln!(
                out,
                "\n[[characteristic]]\ncode = {}\nreason_code = {}",
                quoted(&characteristic.code),
                quoted(&characteristic.reason_code)
            );
            let _ = writeln!(out, "dimension = {}", quoted(characteristic.dimension.as_str()));
            let _ = writeln!(out, "title = {}\ntitle_zh = {}", quoted(&characteristic.title), quoted(&characteristic.title_zh));
            let _ = writeln!(out, "reason = {}\nreason_zh = {}", quoted(&characteristic.reason), quoted(&characteristic.reason_zh));
            let behaviours: Vec<String> = characteristic.behaviours().iter().map(|b| quoted(b)).collect();
            match &characteristic.source {
                Source::Records { window_years, .. } => {
                    let _ = writeln!(out, "source = \"records\"\nbehaviours = [{}]\nwindow_years = {window_years}", behaviours.join(", "));
                }
                Source::HistoryYears { .. } => {
                    let _ = writeln!(out, "source = \"history-years\"\nbehaviours = [{}]", behaviours.join(", "));
                }
            }
            match characteristic.monotone {
                Some(Monotone::Increasing) => out.push_str("monotone = \"increasing\"\n"),
                Some(Monotone::Decreasing) => out.push_str("monotone = \"decreasing\"\n"),
                None => {}
            }
            let bins: Vec<String> = characteristic
                .bins
                .iter()
                .map(|bin| match bin.up_to {
                    Some(up_to) => format!("{{ up_to = {up_to}, points = {} }}", bin.points),
                    None => format!("{{ points = {} }}", bin.points),
                })
                .collect();
            let _ = writeln!(out, "bins = [{}]", bins.join(", "));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{DEFAULT_RULEBOOK, Rulebook};

    #[test]
    fn a_card_written_reads_back_the_same() {
        let rulebook = Rulebook::from_toml(DEFAULT_RULEBOOK, "default.toml").unwrap();
        let mut card = Scorecard::default_card();
        card.title = "a \"quoted\" title\\".into();
        let text = card.to_toml();
        let back = Scorecard::from_toml(&text, "written.toml", &rulebook).unwrap();
        assert_eq!(Scorecard { fingerprint: card.fingerprint.clone(), ..back }, card);
    }
}
