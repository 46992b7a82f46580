//! `socred sim run`: the population simulator, its files and its summary.

use std::fmt::Write as _;
use std::io::IsTerminal;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use socred_core::Rulebook;
use socred_sim::simulate::{Simulation, SimulationConfig, simulate};

use socred_store::csv::cell;

use crate::render::{text, with};
use crate::{print_json, read_rulebook, refuse, refuse_rulebook};

/// The files a run writes into its directory.
pub(crate) const FILES: [&str; 4] = ["summary.csv", "tiers.csv", "measures.csv", "simulation.json"];

fn summary_csv(simulation: &Simulation) -> String {
    let mut out = String::from(
        "rulebook,year,records,wrong_records,disputes_filed,appeals_filed,repairs_filed,cases_decided,cases_decided_late,\
         cases_open,cases_overdue_open,wrong_corrected_in_time,wrong_corrected_late,wrong_uncorrected,restricted_subjects,\
         falsely_sanctioned,false_sanction_rate\n",
    );
    for year in &simulation.years {
        let _ = writeln!(
            out,
            "{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{:.6}",
            cell(&year.rulebook),
            year.year,
            year.records,
            year.wrong_records,
            year.disputes_filed,
            year.appeals_filed,
            year.repairs_filed,
            year.cases_decided,
            year.cases_decided_late,
            year.cases_open,
            year.cases_overdue_open,
            year.wrong_corrected_in_time,
            year.wrong_corrected_late,
            year.wrong_uncorrected,
            year.restricted_subjects,
            year.falsely_sanctioned,
            year.false_sanction_rate
        );
    }
    out
}

fn tiers_csv(simulation: &Simulation) -> String {
    let mut out = String::from("rulebook,year,tier,subjects\n");
    for year in &simulation.years {
        for (tier, subjects) in &year.tiers {
            let _ = writeln!(out, "{},{},{},{subjects}", cell(&year.rulebook), year.year, cell(tier));
        }
    }
    out
}

fn measures_csv(simulation: &Simulation) -> String {
    let mut out = String::from("rulebook,year,measure,subjects\n");
    for year in &simulation.years {
        for (measure, subjects) in &year.measures {
            let _ = writeln!(out, "{},{},{},{subjects}", cell(&year.rulebook), year.year, cell(measure));
        }
    }
    out
}

pub(crate) struct RunArguments<'a> {
    pub config: SimulationConfig,
    pub rulebooks: &'a [PathBuf],
    pub out: &'a Path,
    pub json: bool,
}

/// `socred sim run`.
pub(crate) fn run(arguments: RunArguments<'_>) -> Result<()> {
    let RunArguments { config, rulebooks, out, json } = arguments;
    config.check().map_err(|(field, problem)| {
        let flag = format!("--{field}");
        match problem {
            socred_sim::simulate::ConfigProblem::Range { min, max } => {
                let number = |value: u64| socred_i18n::Argument::Number(i64::try_from(value).unwrap_or(i64::MAX));
                crate::refuse_message(&flag, "input-sim-range", vec![("min", number(min)), ("max", number(max))])
            }
            socred_sim::simulate::ConfigProblem::Share => crate::refuse_message(&flag, "input-sim-share", vec![]),
        }
    })?;
    if rulebooks.len() > socred_sim::simulate::MAX_RULEBOOKS {
        let max = socred_i18n::Argument::Number(socred_sim::simulate::MAX_RULEBOOKS as i64);
        return Err(crate::refuse_message("--rulebook", "input-rulebooks-side-by-side", vec![("max", max)]));
    }
    let rulebooks: Vec<Rulebook> = if rulebooks.is_empty() {
        vec![Rulebook::from_toml(socred_core::DEFAULT_RULEBOOK, "default.toml").expect("the default rulebook is valid")]
    } else {
        rulebooks
            .iter()
            .map(|path| {
                let source = read_rulebook(path)?;
                Rulebook::from_toml(&source, &path.display().to_string()).map_err(|error| refuse_rulebook("--rulebook", error))
            })
            .collect::<Result<_>>()?
    };
    if out.exists() && !out.is_dir() {
        return Err(crate::refuse_message(
            "--out",
            "input-not-a-directory",
            vec![("path", socred_i18n::Argument::Text(out.display().to_string()))],
        ));
    }
    std::fs::create_dir_all(out).map_err(|error| refuse("--out", format!("{}: {error}", out.display())))?;

    let progress = if std::io::stderr().is_terminal() { indicatif::ProgressBar::new(0) } else { indicatif::ProgressBar::hidden() };
    progress.set_style(
        indicatif::ProgressStyle::with_template(&crate::render::progress_template("cli-progress-simulating"))
            .expect("a valid progress template"),
    );
    let simulation = simulate(&config, &rulebooks, &mut |done, total| {
        progress.set_length(total);
        progress.set_position(done);
    });
    progress.finish_and_clear();

    let json_text = serde_json::to_string_pretty(&simulation)?;
    for (name, content) in FILES.iter().zip([summary_csv(&simulation), tiers_csv(&simulation), measures_csv(&simulation), json_text + "\n"])
    {
        let path = out.join(name);
        std::fs::write(&path, content).with_context(|| format!("writing {}", path.display()))?;
    }
    let plots = crate::plots::simulation(out, &simulation)?;
    if let Some(note) = crate::plots::language_note().filter(|_| !plots.is_empty()) {
        eprintln!("{note}");
    }
    if json {
        return print_json(&simulation);
    }
    println!(
        "{}",
        with(
            "cli-sim-done",
            &[
                ("subjects", text(config.subjects)),
                ("years", text(config.years)),
                ("rulebooks", text(rulebooks.len())),
                ("dir", text(out.display())),
                ("files", text(FILES.iter().map(|file| file.to_string()).chain(plots).collect::<Vec<_>>().join(", "))),
            ]
        )
    );
    for year in simulation.years.iter().filter(|year| year.year == config.first_year + config.years as i32 - 1) {
        println!(
            "  {}",
            with(
                "cli-sim-last-year",
                &[
                    ("rulebook", text(&year.rulebook)),
                    ("year", text(year.year)),
                    ("restricted", text(year.restricted_subjects)),
                    ("falsely", text(year.falsely_sanctioned)),
                    ("rate", text(format!("{:.1}%", year.false_sanction_rate * 100.0))),
                    ("corrected", text(year.wrong_corrected_in_time)),
                    ("late", text(year.wrong_corrected_late)),
                    ("overdue", text(year.cases_overdue_open)),
                ]
            )
        );
    }
    Ok(())
}
