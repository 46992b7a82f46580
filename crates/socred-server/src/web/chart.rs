//! The score chart: a step line of the score over time, with the tier
//! thresholds, as accessible SVG (a title, a description, text labels).

use socred_core::assess::TimelinePoint;
use socred_core::{Date, Rulebook};

use maud::{Markup, html};
use socred_i18n::{Argument, Language};

// A view box narrow enough that 14-unit text stays legible when a phone
// scales the chart to its width (about 10 px at 400 px).
const WIDTH: f64 = 520.0;
const HEIGHT: f64 = 300.0;
const LEFT: f64 = 52.0;
const RIGHT: f64 = 12.0;
const TOP: f64 = 12.0;
const BOTTOM: f64 = 30.0;
const FONT: &str = "14";
/// Change markers drawn at most; the legend lists the latest of them.
const MAX_MARKERS: usize = 40;

/// What happened on a day the score changed, in the reader's words.
pub struct ChartEvent {
    pub on: Date,
    pub what: String,
}

/// Renders the score between `from` and `to`; `points` start at `from`.
/// Each change is a numbered marker, explained below the chart by `events`
/// (what happened that day); the tiers are bands labelled on the left.
pub fn score_chart(
    language: Language,
    points: &[TimelinePoint],
    from: Date,
    to: Date,
    rulebook: &Rulebook,
    events: &[ChartEvent],
) -> Markup {
    if points.is_empty() || from >= to {
        return html! { p { (language.text("chart-none")) } };
    }
    let scores: Vec<i64> = points.iter().map(|p| p.score).collect();
    let low = scores.iter().copied().min().unwrap_or(0).min(rulebook.base_score) - 60;
    let high = scores.iter().copied().max().unwrap_or(0).max(rulebook.base_score) + 60;
    let span_days = f64::from(to.to_julian_day() - from.to_julian_day()).max(1.0);
    let x = |date: Date| LEFT + (WIDTH - LEFT - RIGHT) * f64::from(date.to_julian_day() - from.to_julian_day()) / span_days;
    let y = |score: i64| TOP + (HEIGHT - TOP - BOTTOM) * (high - score) as f64 / (high - low) as f64;
    // Bands: each tier from its threshold up to the next one's, clipped to the chart.
    let mut bands = Vec::new();
    let mut ceiling = high;
    for (_, spec) in rulebook.tiers.iter_best_first() {
        let floor = spec.min_points.unwrap_or(low).max(low);
        if floor < ceiling {
            bands.push((spec.name.clone(), floor, ceiling));
        }
        ceiling = ceiling.min(floor);
    }

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
    let changes: Vec<&TimelinePoint> = points.iter().skip(1).filter(|p| p.on > from).collect();
    let changes = &changes[changes.len().saturating_sub(MAX_MARKERS)..];
    let years: Vec<i32> = (from.year() + 1..=to.year()).collect();
    let year_step = years.len().div_ceil(6).max(1);
    let number = |value: f64| format!("{value:.1}");
    let what_happened = |on: Date| events.iter().filter(|e| e.on == on).map(|e| e.what.as_str()).collect::<Vec<_>>().join("; ");
    html! {
        figure.chart-figure {
            svg.chart viewBox={ "0 0 " (WIDTH) " " (HEIGHT) } role="img" aria-labelledby="chart-title chart-desc" xmlns="http://www.w3.org/2000/svg" {
                title #chart-title { (language.text("chart-title")) }
                desc #chart-desc { (description) }
                rect x="0" y="0" width=(WIDTH) height=(HEIGHT) fill="#ffffff" {}
                @for (index, (name, floor, ceiling)) in bands.iter().enumerate() {
                    rect x=(LEFT) y=(number(y(*ceiling))) width=(number(WIDTH - LEFT - RIGHT)) height=(number(y(*floor) - y(*ceiling)))
                        fill=(if index % 2 == 0 { "#eef2f6" } else { "#ffffff" }) {}
                    text x=(number(LEFT + 6.0)) y=(number((y(*floor) + y(*ceiling)) / 2.0 + 5.0)) font-size=(FONT) font-weight="700" fill="#4a4a4a" { (name) }
                    @if *floor > low { text x=(number(LEFT - 6.0)) y=(number(y(*floor) + 5.0)) font-size=(FONT) fill="#1b1b1b" text-anchor="end" { (floor) } }
                }
                line x1=(LEFT) x2=(LEFT) y1=(TOP) y2=(number(HEIGHT - BOTTOM)) stroke="#1b1b1b" {}
                line x1=(LEFT) x2=(number(WIDTH - RIGHT)) y1=(number(HEIGHT - BOTTOM)) y2=(number(HEIGHT - BOTTOM)) stroke="#1b1b1b" {}
                @for year in years.iter().step_by(year_step) {
                    @if let Ok(first) = Date::from_calendar_date(*year, time::Month::January, 1) {
                        line x1=(number(x(first))) x2=(number(x(first))) y1=(number(HEIGHT - BOTTOM)) y2=(number(HEIGHT - BOTTOM + 5.0)) stroke="#1b1b1b" {}
                        text x=(number(x(first))) y=(number(HEIGHT - 8.0)) font-size=(FONT) fill="#1b1b1b" text-anchor="middle" { (year) }
                    }
                }
                path d=(path) fill="none" stroke="#0a4a8f" stroke-width="3" {}
                @for (index, change) in changes.iter().enumerate() {
                    g {
                        title { (language.text_with("chart-marker", &[("number", Argument::Number(index as i64 + 1)), ("day", Argument::Text(language.date(change.on))), ("score", Argument::Number(change.score)), ("tier", Argument::Text(change.tier.clone()))])) }
                        circle cx=(number(x(change.on))) cy=(number(y(change.score))) r="9" fill="#0a4a8f" stroke="#ffffff" stroke-width="2" {}
                        text x=(number(x(change.on))) y=(number(y(change.score) + 4.5)) font-size="12" font-weight="700" fill="#ffffff" text-anchor="middle" { (index + 1) }
                    }
                }
            }
            @if !changes.is_empty() {
                figcaption {
                    ol.chart-events {
                        @for change in changes {
                            li {
                                (language.text_with("chart-event", &[("day", Argument::Text(language.date(change.on))), ("score", Argument::Number(change.score)), ("tier", Argument::Text(change.tier.clone()))]))
                                @let what = what_happened(change.on);
                                @if !what.is_empty() { " — " (what) }
                            }
                        }
                    }
                }
            }
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
        let events = [ChartEvent { on: day("2022-03-01"), what: "Tax evasion".into() }];
        let svg = score_chart(Language::English, &points, day("2020-01-01"), day("2026-01-01"), &rulebook, &events).into_string();
        assert!(svg.contains(r#"role="img""#) && svg.contains("<title id=\"chart-title\">") && svg.contains("<desc"));
        assert_eq!(svg.matches(" V").count(), 2, "two changes, two vertical steps: {svg}");
        assert_eq!(svg.matches("<circle").count(), 2, "a marker for each change: {svg}");
        assert!(svg.contains(">B</text>") && svg.contains(">850</text>"), "the tiers are labelled bands: {svg}");
        assert!(svg.contains(">2021</text>") && svg.contains(">2026</text>"), "years on the axis: {svg}");
        assert!(svg.contains("<li>2022-03-01: 900 points, tier B — Tax evasion</li>"), "the legend says what happened: {svg}");
        assert!(svg.contains("1000 points (tier A)"));
        assert_eq!(
            score_chart(Language::English, &[], day("2020-01-01"), day("2021-01-01"), &rulebook, &[]).into_string(),
            "<p>No score history to show.</p>"
        );
        let chinese = score_chart(Language::Chinese, &points, day("2020-01-01"), day("2026-01-01"), &rulebook, &events).into_string();
        assert!(chinese.contains("1000 分（等级 A）"), "{chinese}");
    }
}
