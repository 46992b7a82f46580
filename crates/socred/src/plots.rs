//! Charts of a policy comparison and of a simulation, as SVG and PNG
//! (plotters). Both lay their text out with a TrueType font found on the
//! machine (`SOCRED_PLOT_FONT`, else DejaVu Sans where Debian, Fedora or
//! Arch put it); without one no chart is drawn, and the command says so.
//! A Chinese reader's charts are in Chinese when a font with the Han
//! characters is found (`SOCRED_PLOT_FONT`, `SOCRED_FONT_HAN`, else the PDF
//! notices' Han faces); without one they are drawn in English, and the
//! command says why.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use anyhow::{Context, Result, anyhow};
use plotters::coord::Shift;
use plotters::prelude::*;
use socred_core::policy::Comparison;
use socred_core::policy::groups::{Dimension, FOUR_FIFTHS_BAND};
use socred_i18n::{Argument, Language};
use socred_sim::simulate::Simulation;

const SIZE: (u32, u32) = (900, 540);
/// The largest font file read.
const MAX_FONT_BYTES: u64 = 32 * 1024 * 1024;
const FONT_PATHS: [&str; 4] = [
    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/dejavu-sans-fonts/DejaVuSans.ttf",
    "/usr/share/fonts/TTF/DejaVuSans.ttf",
];
const BEFORE: RGBColor = RGBColor(0x6f, 0x9f, 0xd4);
const AFTER: RGBColor = RGBColor(0xd4, 0x6f, 0x3c);
const LINES: [RGBColor; 8] = [
    RGBColor(0x1f, 0x77, 0xb4),
    RGBColor(0xd6, 0x27, 0x28),
    RGBColor(0x2c, 0xa0, 0x2c),
    RGBColor(0x94, 0x67, 0xbd),
    RGBColor(0xff, 0x7f, 0x0e),
    RGBColor(0x8c, 0x56, 0x4b),
    RGBColor(0x17, 0xbe, 0xcf),
    RGBColor(0x7f, 0x7f, 0x7f),
];

/// The language the charts are drawn in, once their font is registered:
/// the reader's when the font draws it, English with a Latin font, `None`
/// when the machine has no font at all.
fn chart_language() -> Option<Language> {
    static READY: OnceLock<Option<Language>> = OnceLock::new();
    *READY.get_or_init(|| {
        let asked = |variable: &str| std::env::var_os(variable).filter(|value| !value.is_empty()).map(PathBuf::from);
        if crate::render::language() == Language::Chinese {
            // A label mixes Chinese with tier names and numbers, and plotters
            // draws with one face, the first of a collection: it needs both
            // kinds of letters in a file's first face (a collection's Chinese
            // face further in, as Noto CJK's, would draw Japanese forms).
            let first_face = |named: PathBuf| match socred_pdf::split_index(&named.to_string_lossy()) {
                (path, 0) => Some(path),
                _ => None,
            };
            let han = asked("SOCRED_PLOT_FONT")
                .into_iter()
                .chain(asked("SOCRED_FONT_HAN").and_then(first_face))
                .chain(first_face_han_fonts().map(PathBuf::from));
            for path in han {
                let draws_han = socred_pdf::Face::load(&path, 0).is_ok_and(|face| face.has('中') && face.has('A'));
                if draws_han && register(&path) {
                    return Some(Language::Chinese);
                }
            }
        }
        let latin = asked("SOCRED_PLOT_FONT").into_iter().chain(FONT_PATHS.iter().map(PathBuf::from));
        latin.into_iter().any(|path| register(&path)).then_some(Language::English)
    })
}

/// The PDF notices' Han faces that are their file's first (the only face plotters reads).
fn first_face_han_fonts() -> impl Iterator<Item = &'static str> {
    socred_pdf::HAN_FONTS.iter().filter(|(_, index)| *index == 0).map(|(path, _)| *path)
}

/// Registers the font of `path` as the charts' sans-serif; `false` when it cannot be read.
fn register(path: &Path) -> bool {
    let readable = std::fs::metadata(path).is_ok_and(|meta| meta.is_file() && meta.len() <= MAX_FONT_BYTES);
    let Some(bytes) = readable.then(|| std::fs::read(path).ok()).flatten() else { return false };
    // Registered fonts live as long as the process.
    let bytes: &'static [u8] = Box::leak(bytes.into_boxed_slice());
    plotters::style::register_font("sans-serif", FontStyle::Normal, bytes).is_ok()
}

/// A chart's words: the message `id` in the charts' language.
fn words(id: &str, arguments: &[(&str, Argument)]) -> String {
    chart_language().unwrap_or_default().text_with(id, arguments)
}

fn argument(text: impl ToString) -> Argument {
    Argument::Text(text.to_string())
}

type Drawn<DB> = Result<(), DrawingAreaErrorKind<<DB as DrawingBackend>::ErrorType>>;

/// Draws with `$draw` into `$name.svg` and `$name.png`; the files written. The caller has a font.
macro_rules! render {
    ($dir:expr, $name:expr, $draw:ident, $($argument:expr),*) => {{
        let mut written = Vec::new();
        let svg = $dir.join(format!("{}.svg", $name));
        {
            let root = SVGBackend::new(&svg, SIZE).into_drawing_area();
            root.fill(&WHITE).map_err(|e| anyhow!("{e}"))?;
            $draw(&root, $($argument),*).map_err(|e| anyhow!("{}: {e}", svg.display()))?;
            root.present().map_err(|e| anyhow!("{}: {e}", svg.display()))?;
        }
        written.push(format!("{}.svg", $name));
        let png = $dir.join(format!("{}.png", $name));
        {
            let root = BitMapBackend::new(&png, SIZE).into_drawing_area();
            root.fill(&WHITE).map_err(|e| anyhow!("{e}"))?;
            $draw(&root, $($argument),*).map_err(|e| anyhow!("{}: {e}", png.display()))?;
            root.present().map_err(|e| anyhow!("{}: {e}", png.display()))?;
        }
        written.push(format!("{}.png", $name));
        written
    }};
}

/// Subjects per tier before and after, side by side.
/// Bars side by side, before and after, one pair per named column.
fn paired_bars<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    caption: String,
    names: &[&str],
    pairs: &[(u64, u64)],
    legends: (String, String),
) -> Drawn<DB> {
    let top = pairs.iter().map(|(before, after)| *before.max(after)).max().unwrap_or(1).max(1) as f64 * 1.1;
    let mut chart = ChartBuilder::on(root)
        .caption(caption, ("sans-serif", 22))
        .margin(16)
        .x_label_area_size(36)
        .y_label_area_size(64)
        .build_cartesian_2d(-0.5f64..names.len() as f64 - 0.5, 0f64..top)?;
    chart
        .configure_mesh()
        .disable_x_mesh()
        .x_labels(names.len())
        .x_label_formatter(&|x| names.get(x.round() as usize).map_or(String::new(), |name| name.to_string()))
        .y_desc(words("plot-subjects", &[]))
        .draw()?;
    let bars = |column: usize, color: RGBColor| {
        pairs.iter().enumerate().map(move |(index, (before, after))| {
            let value = if column == 0 { *before } else { *after } as f64;
            let left = index as f64 - 0.4 + column as f64 * 0.4;
            Rectangle::new([(left, 0.0), (left + 0.38, value)], color.filled())
        })
    };
    chart.draw_series(bars(0, BEFORE))?.label(legends.0).legend(|(x, y)| Rectangle::new([(x, y - 5), (x + 12, y + 5)], BEFORE.filled()));
    chart.draw_series(bars(1, AFTER))?.label(legends.1).legend(|(x, y)| Rectangle::new([(x, y - 5), (x + 12, y + 5)], AFTER.filled()));
    chart.configure_series_labels().background_style(WHITE.mix(0.8)).border_style(BLACK).draw()?;
    Ok(())
}

fn tiers<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>, comparison: &Comparison) -> Drawn<DB> {
    let names: Vec<&str> = comparison.tiers.iter().map(|row| row.tier.as_str()).collect();
    let pairs: Vec<(u64, u64)> = comparison.tiers.iter().map(|row| (row.before, row.after)).collect();
    let caption = words("plot-tiers", &[("before", argument(&comparison.before.version)), ("after", argument(&comparison.after.version))]);
    paired_bars(root, caption, &names, &pairs, (words("plot-before", &[]), words("plot-after", &[])))
}

/// The transition matrix: rows the tier before, columns the tier after, shaded by count.
fn transitions<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>, comparison: &Comparison) -> Drawn<DB> {
    let names: Vec<&str> = comparison.tiers.iter().map(|row| row.tier.as_str()).collect();
    let count = |from: &str, to: &str| comparison.transitions.iter().find(|c| c.from == from && c.to == to).map_or(0, |c| c.subjects);
    let largest = comparison.transitions.iter().map(|c| c.subjects).max().unwrap_or(1).max(1) as f64;
    let size = names.len() as f64;
    let mut chart = ChartBuilder::on(root)
        .caption(words("plot-transitions", &[]), ("sans-serif", 22))
        .margin(16)
        .x_label_area_size(36)
        .y_label_area_size(64)
        .build_cartesian_2d(-0.5f64..size - 0.5, -0.5f64..size - 0.5)?;
    // Best tier first along both axes: the diagonal runs from top left.
    chart
        .configure_mesh()
        .disable_mesh()
        .x_labels(names.len())
        .y_labels(names.len())
        .x_label_formatter(&|x| names.get(x.round() as usize).map_or(String::new(), |n| n.to_string()))
        .y_label_formatter(&|y| names.get((size - 1.0 - y.round()) as usize).map_or(String::new(), |n| n.to_string()))
        .draw()?;
    let mut cells = Vec::new();
    for (row, from) in names.iter().enumerate() {
        for (column, to) in names.iter().enumerate() {
            let subjects = count(from, to);
            let share = (subjects as f64 / largest).sqrt();
            let shade = RGBColor(255 - (share * 180.0) as u8, 255 - (share * 120.0) as u8, 255 - (share * 40.0) as u8);
            let (x, y) = (column as f64, size - 1.0 - row as f64);
            cells.push((x, y, subjects, shade));
        }
    }
    chart.draw_series(cells.iter().map(|(x, y, _, shade)| Rectangle::new([(x - 0.5, y - 0.5), (x + 0.5, y + 0.5)], shade.filled())))?;
    chart.draw_series(
        cells
            .iter()
            .filter(|(_, _, subjects, _)| *subjects > 0)
            .map(|(x, y, subjects, _)| Text::new(subjects.to_string(), (*x - 0.1, *y), ("sans-serif", 16).into_font().color(&BLACK))),
    )?;
    Ok(())
}

/// Each group's rate of subjects treated worse against the population's, with the four-fifths band.
fn groups<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>, comparison: &Comparison, dimension: Dimension) -> Drawn<DB> {
    let rows: Vec<_> = comparison.impact_by_group.groups.iter().filter(|g| g.dimension == dimension).collect();
    let language = chart_language().unwrap_or_default();
    let named: Vec<String> = rows.iter().map(|g| socred_i18n::words::policy_group(language, dimension, &g.group)).collect();
    let names: Vec<&str> = named.iter().map(String::as_str).collect();
    let dimension_name = words(&format!("cli-policy-dimension-{}", dimension.as_str()), &[]);
    let top = rows.iter().filter_map(|g| g.ratio).fold(FOUR_FIFTHS_BAND.1, f64::max) * 1.15;
    let mut chart = ChartBuilder::on(root)
        .caption(words("plot-groups", &[("dimension", argument(dimension_name))]), ("sans-serif", 22))
        .margin(16)
        .x_label_area_size(36)
        .y_label_area_size(64)
        .build_cartesian_2d(-0.5f64..names.len().max(1) as f64 - 0.5, 0f64..top)?;
    chart
        .configure_mesh()
        .disable_x_mesh()
        .x_labels(names.len().max(1))
        .x_label_formatter(&|x| names.get(x.round() as usize).map_or(String::new(), |n| n.to_string()))
        .y_desc(words("plot-ratio", &[]))
        .draw()?;
    chart.draw_series(rows.iter().enumerate().filter_map(|(index, group)| {
        let ratio = group.ratio?;
        let outside = ratio < FOUR_FIFTHS_BAND.0 || ratio > FOUR_FIFTHS_BAND.1;
        let color = if outside { AFTER } else { BEFORE };
        Some(Rectangle::new([(index as f64 - 0.35, 0.0), (index as f64 + 0.35, ratio)], color.filled()))
    }))?;
    for bound in [FOUR_FIFTHS_BAND.0, FOUR_FIFTHS_BAND.1] {
        chart.draw_series(LineSeries::new([(-0.5, bound), (names.len() as f64 - 0.5, bound)], BLACK.stroke_width(1)))?;
    }
    Ok(())
}

/// Why no chart can be drawn here, if none can; else what a Chinese reader
/// should know of charts drawn in English.
pub(crate) fn unavailable() -> Option<anyhow::Error> {
    chart_language()
        .is_none()
        .then(|| crate::refuse_message("--plots", "input-plots-no-font", vec![("paths", Argument::Text(FONT_PATHS.join(", ")))]))
}

/// A note for a reader whose charts are not in their language (no font draws it here).
pub(crate) fn language_note() -> Option<String> {
    let drawn = chart_language()?;
    (drawn != crate::render::language()).then(|| {
        let searched: Vec<&str> = first_face_han_fonts().collect();
        crate::render::with("cli-plots-in-english", &[("paths", crate::render::text(searched.join(", ")))])
    })
}

/// The charts of a comparison into `dir`; returns the files written.
pub(crate) fn comparison(dir: &Path, comparison: &Comparison) -> Result<Vec<String>> {
    if let Some(refusal) = unavailable() {
        return Err(refusal);
    }
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    let mut written = render!(dir, "tiers", tiers, comparison);
    written.extend(render!(dir, "transitions", transitions, comparison));
    written.extend(render!(dir, "impact-by-province", groups, comparison, Dimension::Province));
    written.extend(render!(dir, "impact-by-age-band", groups, comparison, Dimension::AgeBand));
    Ok(written)
}

/// One line per rulebook over the years, of `value`.
fn yearly<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    simulation: &Simulation,
    title: &str,
    value: fn(&socred_sim::simulate::YearResult) -> f64,
) -> Drawn<DB> {
    let first = simulation.config.first_year;
    let last = first + simulation.config.years as i32 - 1;
    let top = simulation.years.iter().map(value).fold(0.0, f64::max).max(1e-9) * 1.15;
    let mut chart = ChartBuilder::on(root)
        .caption(title, ("sans-serif", 22))
        .margin(16)
        .x_label_area_size(36)
        .y_label_area_size(64)
        .build_cartesian_2d(first as f64 - 0.5..last as f64 + 0.5, 0f64..top)?;
    chart.configure_mesh().x_labels(simulation.config.years as usize + 1).x_label_formatter(&|x| format!("{}", x.round() as i32)).draw()?;
    for (index, rulebook) in simulation.rulebooks.iter().enumerate() {
        let color = LINES[index % LINES.len()];
        let points: Vec<(f64, f64)> =
            simulation.years.iter().filter(|year| &year.rulebook == rulebook).map(|year| (f64::from(year.year), value(year))).collect();
        chart
            .draw_series(LineSeries::new(points, color.stroke_width(2)))?
            .label(rulebook.as_str())
            .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 16, y)], color.stroke_width(2)));
    }
    chart.configure_series_labels().background_style(WHITE.mix(0.8)).border_style(BLACK).draw()?;
    Ok(())
}

fn restricted<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>, simulation: &Simulation) -> Drawn<DB> {
    yearly(root, simulation, &words("plot-restricted", &[]), |year| year.restricted_subjects as f64)
}

fn false_sanctions<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>, simulation: &Simulation) -> Drawn<DB> {
    yearly(root, simulation, &words("plot-false-sanctions", &[]), |year| year.false_sanction_rate)
}

/// The charts of a simulation into `dir`; returns the files written (none without a font).
pub(crate) fn simulation(dir: &Path, simulation: &Simulation) -> Result<Vec<String>> {
    if unavailable().is_some() {
        return Ok(Vec::new());
    }
    let mut written = render!(dir, "restricted", restricted, simulation);
    written.extend(render!(dir, "false-sanctions", false_sanctions, simulation));
    Ok(written)
}

/// Subjects per score band on the two days of a monitoring run.
fn score_bands<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>, monitoring: &crate::score::Monitoring) -> Drawn<DB> {
    let names: Vec<&str> = monitoring.bands.iter().map(|band| band.scores.as_str()).collect();
    let pairs: Vec<(u64, u64)> = monitoring.bands.iter().map(|band| (band.from, band.to)).collect();
    let (from, to) = (socred_core::date::format_date(monitoring.from), socred_core::date::format_date(monitoring.to));
    let caption = words(
        "plot-scores",
        &[("from", argument(&from)), ("to", argument(&to)), ("psi", argument(format!("{:.3}", monitoring.population_stability_index)))],
    );
    paired_bars(root, caption, &names, &pairs, (from, to))
}

/// The score distribution chart of a monitoring run into `dir`; returns the files written.
pub(crate) fn score_distribution(dir: &Path, monitoring: &crate::score::Monitoring) -> Result<Vec<String>> {
    if let Some(refusal) = unavailable() {
        return Err(refusal);
    }
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    Ok(render!(dir, "score-distribution", score_bands, monitoring))
}
