//! `socred score`: a subject's commercial score with its reasons, and the
//! scorecard's life cycle: check, a labelled sample from the simulator, a
//! fit on it, and monitoring the score distribution between two dates.

use std::io::Write;
use std::path::Path;

use anyhow::Result;
use serde::Serialize;
use socred_core::scorecard::monitor::{self, Distribution};
use socred_core::scorecard::{DEFAULT_SCORECARD, DEFAULT_SCORECARD_NAME, Observation, Scorecard};
use socred_core::{Date, Rulebook};

use crate::render::{day, t, text, with};
use crate::store::CliStore;
use crate::{LogRead, actor, parse_date, parse_subject, print_json, read_rulebook, read_text_bounded, refuse, refuse_rulebook, today};

/// The largest scorecard file read.
const MAX_SCORECARD_BYTES: u64 = 1024 * 1024;
/// The largest sample file read.
const MAX_SAMPLE_BYTES: u64 = 64 * 1024 * 1024;
/// The reference day a simulated sample is scored on: its files are dated back from it.
const SAMPLE_DAY: &str = "2026-01-01";

/// The text of the scorecard file at `path`, within its limit.
pub(crate) fn read_card(path: &Path, field: &str) -> Result<String> {
    read_text_bounded(field, path, MAX_SCORECARD_BYTES)
}

/// The scorecard in `path` (default: the built-in one), validated against `rulebook`.
pub(crate) fn card(path: Option<&Path>, field: &str, rulebook: &Rulebook) -> Result<Scorecard> {
    let (source, name) = match path {
        Some(path) => (read_card(path, field)?, path.display().to_string()),
        None => (DEFAULT_SCORECARD.to_string(), DEFAULT_SCORECARD_NAME.to_string()),
    };
    Scorecard::from_toml(&source, &name, rulebook).map_err(|error| refuse_rulebook(field, error))
}

fn default_rulebook() -> Rulebook {
    Rulebook::from_toml(socred_core::DEFAULT_RULEBOOK, "default.toml").expect("the default rulebook is valid")
}

/// `socred score ID [--as-of DAY] [--scorecard FILE] [--json]`.
pub(crate) fn show(
    cli: &crate::cli::Cli,
    store: &impl CliStore,
    id: &str,
    as_of: Option<&str>,
    purpose: &str,
    scorecard: Option<&Path>,
    json: bool,
) -> Result<()> {
    let id = parse_subject("ID", id)?;
    let as_of = as_of.map(|day| parse_date("--as-of", day)).transpose()?.unwrap_or_else(|| today(store));
    let card = card(scorecard, "--scorecard", store.rulebook())?;
    let file = store.file(&id)?;
    store.log_read_by(&actor(cli, store)?, &id, purpose, "commercial-score").map_err(crate::purpose_error)?;
    let scored = socred_core::scorecard::score(&card, &file, as_of);
    if json {
        #[derive(Serialize)]
        struct Answer<'a> {
            subject: String,
            #[serde(flatten)]
            score: &'a socred_core::scorecard::CommercialScore,
        }
        return print_json(&Answer { subject: id.to_string(), score: &scored });
    }
    let chinese = crate::render::language() == socred_i18n::Language::Chinese;
    let words = |code: &str| {
        let found = card.characteristics.iter().find(|c| c.code == code).expect("the score's characteristics are the card's");
        if chinese { found.reason_zh.clone() } else { found.reason.clone() }
    };
    let mut out = std::io::stdout().lock();
    let line = [
        ("subject", text(id)),
        ("score", text(scored.score)),
        ("min", text(card.scaling.min_score)),
        ("max", text(card.scaling.max_score)),
        ("card", text(&scored.scorecard)),
        ("day", day(as_of)),
    ];
    writeln!(out, "{}", with("cli-score-line", &line))?;
    for dimension in &scored.dimensions {
        let name = t(&format!("score-dimension-{}", dimension.dimension.as_str()));
        writeln!(
            out,
            "  {}",
            with("cli-score-dimension", &[("dimension", text(name)), ("points", text(format!("{:+}", dimension.points)))])
        )?;
    }
    if scored.reasons.is_empty() {
        writeln!(out, "{}", t("cli-score-no-reasons"))?;
    } else {
        writeln!(out, "{}", t("cli-score-reasons"))?;
        for reason in &scored.reasons {
            let arguments = [
                ("code", text(&reason.reason_code)),
                ("reason", text(words(&reason.characteristic))),
                ("points", text(reason.points_lost)),
            ];
            writeln!(out, "  {}", with("cli-score-reason", &arguments))?;
        }
    }
    Ok(())
}

/// `socred score check FILE [--rulebook R]`.
pub(crate) fn check(file: &Path, rulebook: Option<&Path>) -> Result<()> {
    let rulebook = match rulebook {
        Some(path) => {
            Rulebook::from_toml(&read_rulebook(path)?, &path.display().to_string()).map_err(|error| refuse_rulebook("--rulebook", error))?
        }
        None => default_rulebook(),
    };
    let card = card(Some(file), "FILE", &rulebook)?;
    let (low, high) = card.reach();
    let arguments = [
        ("file", text(file.display())),
        ("card", text(format!("{} {}", card.id, card.version))),
        ("count", text(card.characteristics.len())),
        ("low", text(low)),
        ("high", text(high)),
        ("min", text(card.scaling.min_score)),
        ("max", text(card.scaling.max_score)),
    ];
    println!("{}", with("cli-score-card-valid", &arguments));
    Ok(())
}

#[derive(Debug, Serialize)]
pub(crate) struct Monitoring {
    pub scorecard: String,
    #[serde(with = "socred_core::date::serde_date")]
    pub from: Date,
    #[serde(with = "socred_core::date::serde_date")]
    pub to: Date,
    /// Subjects registered by each day.
    pub subjects_from: u64,
    pub subjects_to: u64,
    pub population_stability_index: f64,
    pub bands: Vec<Band>,
}

#[derive(Debug, Serialize)]
pub(crate) struct Band {
    pub scores: String,
    pub from: u64,
    pub to: u64,
}

/// `socred score monitor --from DAY --to DAY`: each subject's score on both
/// days, each from the file as the ledger knew it at the end of that day.
pub(crate) fn monitor(
    store: &impl CliStore,
    from: &str,
    to: &str,
    scorecard: Option<&Path>,
    json: bool,
    plots: Option<&Path>,
) -> Result<()> {
    let (from, to) = (parse_date("--from", from)?, parse_date("--to", to)?);
    if from > to {
        return Err(crate::refuse_message("--from", "input-from-after-to-flag", vec![]));
    }
    if to > today(store) {
        return Err(crate::refuse_message("--to", "input-monitor-future", vec![]));
    }
    if let Some(dir) = plots.filter(|dir| dir.exists() && !dir.is_dir()) {
        return Err(crate::refuse_message(
            "--plots",
            "input-not-a-directory",
            vec![("path", socred_i18n::Argument::Text(dir.display().to_string()))],
        ));
    }
    let card = card(scorecard, "--scorecard", store.rulebook())?;
    let mut scored = Vec::new();
    store.each_file(&mut |id, file| {
        let on = |day| socred_core::scorecard::score(&card, &file.as_known_on(day), day).score;
        scored.push((id, on(from), on(to)));
        Ok(())
    })?;
    // A subject is in the population of a day from the day it was registered. Read
    // after the files, the registrations include every subject those files name.
    let registered: std::collections::HashMap<_, _> = store.registered_after(from)?.into_iter().collect();
    let (mut before, mut after) = (Distribution::new(), Distribution::new());
    let (mut subjects_from, mut subjects_to) = (0_u64, 0_u64);
    for (id, score_from, score_to) in scored {
        let registered_on = registered.get(&id).copied();
        if registered_on.is_none() {
            before.add(&card.scaling, score_from);
            subjects_from += 1;
        }
        if registered_on.is_none_or(|day| day <= to) {
            after.add(&card.scaling, score_to);
            subjects_to += 1;
        }
    }
    let psi = monitor::population_stability_index(&before, &after);
    let bands = (0..monitor::BANDS)
        .map(|band| Band { scores: monitor::band_label(&card.scaling, band), from: before.counts[band], to: after.counts[band] })
        .collect();
    let scorecard = format!("{} {}", card.id, card.version);
    let monitoring = Monitoring { scorecard, from, to, subjects_from, subjects_to, population_stability_index: psi, bands };
    if let Some(dir) = plots {
        let written = crate::plots::score_distribution(dir, &monitoring)?;
        eprintln!("{}", with("cli-plots-written", &[("dir", text(dir.display())), ("files", text(written.join(", ")))]));
        if let Some(note) = crate::plots::language_note() {
            eprintln!("{note}");
        }
    }
    if json {
        return print_json(&monitoring);
    }
    let verdict = if psi < monitor::MODERATE_SHIFT {
        "cli-score-monitor-stable"
    } else if psi <= monitor::MAJOR_SHIFT {
        "cli-score-monitor-shift"
    } else {
        "cli-score-monitor-major"
    };
    let arguments = [
        ("psi", text(format!("{psi:.4}"))),
        ("from", day(from)),
        ("to", day(to)),
        ("subjects_from", text(subjects_from)),
        ("subjects_to", text(subjects_to)),
        ("verdict", text(t(verdict))),
    ];
    println!("{}", with("cli-score-monitor-line", &arguments));
    for band in &monitoring.bands {
        println!(
            "  {}",
            with("cli-score-monitor-band", &[("band", text(&band.scores)), ("before", text(band.from)), ("after", text(band.to))])
        );
    }
    Ok(())
}

/// `socred score sample --subjects N --seed S --out FILE`: a CSV with a
/// column per characteristic (its code) and `defaulted` (0 or 1).
pub(crate) fn sample(subjects: u64, seed: u64, scorecard: Option<&Path>, out: &Path) -> Result<()> {
    let card = card(scorecard, "--scorecard", &default_rulebook())?;
    let on = socred_core::parse_date(SAMPLE_DAY).expect("a valid day");
    let rows = socred_sim::credit::sample(&card, subjects as usize, seed, on);
    let mut writer = csv::Writer::from_path(out).map_err(|error| refuse("--out", format!("{}: {error}", out.display())))?;
    let header: Vec<&str> = card.characteristics.iter().map(|c| c.code.as_str()).chain(["defaulted"]).collect();
    writer.write_record(&header)?;
    for row in &rows {
        let cells: Vec<String> = row.values.iter().map(u32::to_string).chain([u8::from(row.defaulted).to_string()]).collect();
        writer.write_record(&cells)?;
    }
    writer.flush()?;
    let defaults = rows.iter().filter(|row| row.defaulted).count();
    let arguments = [("rows", text(rows.len())), ("defaults", text(defaults)), ("path", text(out.display()))];
    println!("{}", with("cli-score-sample-written", &arguments));
    Ok(())
}

/// Reads a labelled sample whose columns are `card`'s characteristics and `defaulted`.
fn read_sample(path: &Path, card: &Scorecard) -> Result<Vec<Observation>> {
    let source = read_text_bounded("--sample", path, MAX_SAMPLE_BYTES)?;
    let mut reader = csv::ReaderBuilder::new().has_headers(true).from_reader(source.as_bytes());
    let expected: Vec<&str> = card.characteristics.iter().map(|c| c.code.as_str()).chain(["defaulted"]).collect();
    let header: Vec<String> = reader.headers().map_err(|error| refuse("--sample", error))?.iter().map(str::to_string).collect();
    if header != expected {
        return Err(crate::refuse_message(
            "--sample",
            "input-sample-columns",
            vec![("columns", socred_i18n::Argument::Text(expected.join(",")))],
        ));
    }
    let mut rows = Vec::new();
    for (index, record) in reader.records().enumerate() {
        let line = index + 2;
        let record = record.map_err(|error| refuse("--sample", format!("line {line}: {error}")))?;
        if rows.len() == socred_sim::credit::MAX_SAMPLE_ROWS {
            let arguments = vec![
                ("line", socred_i18n::Argument::Number(line as i64)),
                ("max", socred_i18n::Argument::Number(socred_sim::credit::MAX_SAMPLE_ROWS as i64)),
            ];
            return Err(crate::refuse_message("--sample", "input-sample-rows", arguments));
        }
        let mut values = Vec::with_capacity(card.characteristics.len());
        for (column, cell) in record.iter().take(card.characteristics.len()).enumerate() {
            let value = cell.trim().parse::<u32>().ok().filter(|value| *value < 100_000).ok_or_else(|| {
                crate::refuse_message(
                    "--sample",
                    "input-sample-count",
                    vec![
                        ("line", socred_i18n::Argument::Number(line as i64)),
                        ("column", socred_i18n::Argument::Text(expected[column].to_string())),
                        ("cell", socred_i18n::Argument::Text(format!("{cell:?}"))),
                    ],
                )
            })?;
            values.push(value);
        }
        let defaulted = match record.get(card.characteristics.len()).map(str::trim) {
            Some("1") => true,
            Some("0") => false,
            other => {
                let arguments =
                    vec![("line", socred_i18n::Argument::Number(line as i64)), ("cell", socred_i18n::Argument::Text(format!("{other:?}")))];
                return Err(crate::refuse_message("--sample", "input-sample-defaulted", arguments));
            }
        };
        rows.push(Observation { values, defaulted });
    }
    Ok(rows)
}

/// `socred score fit --sample FILE --out FILE [--template FILE] [--card-version V]`.
pub(crate) fn fit(sample: &Path, template: Option<&Path>, version: &str, out: &Path, json: bool) -> Result<()> {
    let rulebook = default_rulebook();
    let template = card(template, "--template", &rulebook)?;
    let rows = read_sample(sample, &template)?;
    let fitted = socred_fit::fit(&template, &rows, version).map_err(|error| refuse("--sample", error))?;
    let written = fitted.card.to_toml();
    // The card written must read back as a valid card (a wrong version text is refused here).
    Scorecard::from_toml(&written, &out.display().to_string(), &rulebook).map_err(|error| refuse_rulebook("--card-version", error))?;
    std::fs::write(out, &written).map_err(|error| refuse("--out", format!("{}: {error}", out.display())))?;
    if json {
        return print_json(&fitted);
    }
    let quality = &fitted.quality;
    let summary = [
        ("rows", text(quality.rows)),
        ("defaults", text(quality.defaults)),
        ("auc", text(format!("{:.3}", quality.auc))),
        ("gini", text(format!("{:.3}", quality.gini))),
        ("ks", text(format!("{:.3}", quality.ks))),
    ];
    println!("{}", with("cli-score-fit-summary", &summary));
    println!("{}", t("cli-score-fit-calibration"));
    for decile in &quality.calibration {
        let arguments = [
            ("decile", text(decile.decile)),
            ("predicted", text(format!("{:.3}", decile.predicted_default_rate))),
            ("observed", text(format!("{:.3}", decile.observed_default_rate))),
            ("rows", text(decile.rows)),
        ];
        println!("  {}", with("cli-score-fit-decile", &arguments));
    }
    println!("{}", with("cli-score-fit-written", &[("path", text(out.display()))]));
    Ok(())
}
