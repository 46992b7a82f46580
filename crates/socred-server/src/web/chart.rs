//! The score chart: a step line of the score over time, with the tier
//! thresholds, as accessible SVG (a title, a description, text labels).

use socred_core::assess::TimelinePoint;
use socred_core::date::format_date;
use socred_core::{Date, Rulebook};

use maud::{Markup, html};
use socred_i18n::{Argument, Language};

const WIDTH: f64 = 640.0;
const HEIGHT: f64 = 260.0;
const LEFT: f64 = 56.0;
const RIGHT: f64 = 16.0;
const TOP: f64 = 16.0;
const BOTTOM: f64 = 36.0;

/// Renders the score between `from` and `to`; `points` start at `from`.
pub fn score_chart(language: Language, points: &[TimelinePoint], from: Date, to: Date, rulebook: &Rulebook) -> Markup {
    if points.is_empty() || from >= to {
        return html! { p { (language.text("chart-none")) } };
    }
    let scores: Vec<i64> = points.iter().map(|p| p.score).collect();
    let thresholds: Vec<(String, i64)> =
        rulebook.tiers.iter_best_first().filter_map(|(_, spec)| spec.min_points.map(|m| (spec.name.clone(), m))).collect();
    let low = scores.iter().copied().min().unwrap_or(0).min(rulebook.base_score) - 60;
    let high = scores.iter().copied().max().unwrap_or(0).max(rulebook.base_score) + 60;
    let span_days = f64::from(to.to_julian_day() - from.to_julian_day()).max(1.0);
    let x = |date: Date| LEFT + (WIDTH - LEFT - RIGHT) * f64::from(date.to_julian_day() - from.to_julian_day()) / span_days;
    let y = |score: i64| TOP + (HEIGHT - TOP - BOTTOM) * (high - score) as f64 / (high - low) as f64;

    let mut path = format!("M{:.1},{:.1}", x(points[0].on.max(from)), y(points[0].score));
    for window in points.windows(2) {
        let next = &window[1];
        path.push_str(&format!(" H{:.1} V{:.1}", x(next.on), y(next.score)));
    }
    path.push_str(&format!(" H{:.1}", x(to)));
    let last = points.last().expect("not empty");
    let description = language.text_with(
        "chart-description",
        &[
            ("from", Argument::Text(language.date(from))),
            ("to", Argument::Text(language.date(to))),
            ("changes", Argument::Number(points.len().saturating_sub(1) as i64)),
            ("score", Argument::Number(last.score)),
            ("tier", Argument::Text(last.tier.to_string())),
        ],
    );
    let number = |value: f64| format!("{value:.1}");
    html! {
        svg.chart viewBox={ "0 0 " (WIDTH) " " (HEIGHT) } role="img" aria-labelledby="chart-title chart-desc" xmlns="http://www.w3.org/2000/svg" {
            title #chart-title { (language.text("chart-title")) }
            desc #chart-desc { (description) }
            rect x="0" y="0" width=(WIDTH) height=(HEIGHT) fill="#ffffff" {}
            @for (name, min) in thresholds.iter().filter(|(_, m)| *m > low && *m < high) {
                line x1=(LEFT) x2=(number(WIDTH - RIGHT)) y1=(number(y(*min))) y2=(number(y(*min))) stroke="#8a8a8a" stroke-dasharray="4 4" {}
                text x=(number(WIDTH - RIGHT - 2.0)) y=(number(y(*min) - 3.0)) font-size="12" fill="#4a4a4a" text-anchor="end" { (name) " ≥ " (min) }
            }
            line x1=(LEFT) x2=(LEFT) y1=(TOP) y2=(number(HEIGHT - BOTTOM)) stroke="#1b1b1b" {}
            line x1=(LEFT) x2=(number(WIDTH - RIGHT)) y1=(number(HEIGHT - BOTTOM)) y2=(number(HEIGHT - BOTTOM)) stroke="#1b1b1b" {}
            text x=(number(LEFT - 6.0)) y=(number(TOP + 10.0)) font-size="12" fill="#1b1b1b" text-anchor="end" { (high) }
            text x=(number(LEFT - 6.0)) y=(number(HEIGHT - BOTTOM)) font-size="12" fill="#1b1b1b" text-anchor="end" { (low) }
            text x=(LEFT) y=(number(HEIGHT - 12.0)) font-size="12" fill="#1b1b1b" { (format_date(from)) }
            text x=(number(WIDTH - RIGHT)) y=(number(HEIGHT - 12.0)) font-size="12" fill="#1b1b1b" text-anchor="end" { (format_date(to)) }
            path d=(path) fill="none" stroke="#0a4a8f" stroke-width="2.5" {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use socred_core::DEFAULT_RULEBOOK;

    #[test]
    fn the_chart_is_accessible_svg_with_every_change() {
        let rulebook = Rulebook::from_toml(DEFAULT_RULEBOOK, "default.toml").unwrap();
        let day = |t: &str| socred_core::parse_date(t).unwrap();
        let points = vec![
            TimelinePoint { on: day("2020-01-01"), score: 1000, tier: "A".into() },
            TimelinePoint { on: day("2022-03-01"), score: 900, tier: "B".into() },
            TimelinePoint { on: day("2024-03-01"), score: 1000, tier: "A".into() },
        ];
        let svg = score_chart(Language::English, &points, day("2020-01-01"), day("2026-01-01"), &rulebook).into_string();
        assert!(svg.contains(r#"role="img""#) && svg.contains("<title id=\"chart-title\">") && svg.contains("<desc"));
        assert_eq!(svg.matches(" V").count(), 2, "two changes, two vertical steps: {svg}");
        assert!(svg.contains("B ≥ 850"));
        assert!(svg.contains("1000 points (tier A)"));
        assert_eq!(
            score_chart(Language::English, &[], day("2020-01-01"), day("2021-01-01"), &rulebook).into_string(),
            "<p>No score history to show.</p>"
        );
        let chinese = score_chart(Language::Chinese, &points, day("2020-01-01"), day("2026-01-01"), &rulebook).into_string();
        assert!(chinese.contains("1000 分（等级 A）"), "{chinese}");
    }
}
