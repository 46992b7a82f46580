//! `socred policy compare` (what a proposed rulebook does to the store's
//! population) and `socred rulebook activate`, which requires that
//! comparison of the exact rulebook, on the store as it is.

use std::io::IsTerminal;
use std::path::Path;

use anyhow::Result;
use socred_core::policy::Comparison;
use socred_core::policy::groups::Judgement;
use socred_core::{Date, Rulebook};
use socred_store::StoreError;

use crate::cli::Cli;
use crate::render::{text, with};
use crate::store::CliStore;
use crate::{actor, parse_date, print_json, read_rulebook, read_text_bounded, refuse_rulebook, today};

/// The largest impact file `rulebook activate --impact` reads.
const MAX_IMPACT_BYTES: u64 = 16 * 1024 * 1024;
/// Longest reason for skipping an impact assessment.
const MAX_SKIP_REASON_CHARS: usize = 500;

fn proposed(path: &Path) -> Result<(Rulebook, String)> {
    let source = read_rulebook(path)?;
    let rulebook = Rulebook::from_toml(&source, &path.display().to_string()).map_err(|error| refuse_rulebook("--rulebook", error))?;
    Ok((rulebook, source))
}

/// Compares `proposed` with the active rulebook on every subject of the store.
pub(crate) fn compare_on(store: &impl CliStore, proposed: &Rulebook, as_of: Date) -> Result<Comparison> {
    let active = store.rulebook().clone();
    let progress = if std::io::stderr().is_terminal() { indicatif::ProgressBar::new_spinner() } else { indicatif::ProgressBar::hidden() };
    progress.set_style(
        indicatif::ProgressStyle::with_template(&crate::render::progress_template("cli-progress-reading"))
            .expect("a valid progress template"),
    );
    let comparison = socred_store::policy::compare(store, &active, proposed, as_of, &|read| progress.set_position(read))?;
    progress.finish_and_clear();
    Ok(comparison)
}

/// `socred policy compare --rulebook FILE [--as-of DAY] [--json] [--plots DIR]`.
pub(crate) fn compare(store: &impl CliStore, rulebook: &Path, as_of: Option<&str>, json: bool, plots: Option<&Path>) -> Result<()> {
    let (proposed, _) = proposed(rulebook)?;
    let as_of = as_of.map(|day| parse_date("--as-of", day)).transpose()?.unwrap_or_else(|| today(store));
    if let Some(dir) = plots.filter(|dir| dir.exists() && !dir.is_dir()) {
        return Err(crate::refuse_message(
            "--plots",
            "input-not-a-directory",
            vec![("path", socred_i18n::Argument::Text(dir.display().to_string()))],
        ));
    }
    let comparison = compare_on(store, &proposed, as_of)?;
    if let Some(dir) = plots {
        let written = crate::plots::comparison(dir, &comparison)?;
        eprintln!("{}", with("cli-plots-written", &[("dir", text(dir.display())), ("files", text(written.join(", ")))]));
        if let Some(note) = crate::plots::language_note() {
            eprintln!("{note}");
        }
    }
    if json {
        print_json(&comparison)
    } else {
        print!("{}", summary(&comparison));
        Ok(())
    }
}

fn percent(rate: f64) -> String {
    format!("{:.1}%", rate * 100.0)
}

/// The comparison as a person reads it.
pub(crate) fn summary(comparison: &Comparison) -> String {
    use std::fmt::Write;
    let mut out = String::new();
    let version = |reference: &socred_core::assess::RulebookRef| format!("{} {}", reference.id, reference.version);
    let _ = writeln!(
        out,
        "{}",
        with(
            "cli-policy-heading",
            &[
                ("after", text(version(&comparison.after))),
                ("before", text(version(&comparison.before))),
                ("subjects", text(comparison.subjects)),
                ("day", crate::render::day(comparison.as_of)),
                ("full", text(comparison.read_in_full)),
            ],
        )
    );
    let _ = writeln!(out, "\n{}", with("cli-policy-tiers", &[]));
    for row in &comparison.tiers {
        let _ = writeln!(out, "  {:<6} {:>9} -> {:<9}", row.tier, row.before, row.after);
    }
    let moves: Vec<_> = comparison.transitions.iter().filter(|cell| cell.from != cell.to).collect();
    let _ = writeln!(out, "\n{}", with("cli-policy-transitions", &[]));
    if moves.is_empty() {
        let _ = writeln!(out, "  {}", with("cli-policy-nobody-moves", &[]));
    }
    for cell in moves {
        let _ = writeln!(out, "  {} -> {}: {}", cell.from, cell.to, cell.subjects);
    }
    if !comparison.lists.is_empty() {
        let _ = writeln!(out, "\n{}", with("cli-policy-lists", &[]));
        for list in &comparison.lists {
            let _ = writeln!(
                out,
                "  {}",
                with(
                    "cli-policy-list-row",
                    &[
                        ("list", text(&list.list)),
                        ("before", text(list.before)),
                        ("after", text(list.after)),
                        ("gained", text(list.gained)),
                        ("lost", text(list.lost)),
                    ]
                )
            );
        }
    }
    let changed: Vec<_> = comparison.measures.iter().filter(|measure| measure.before != measure.after).collect();
    let _ = writeln!(out, "\n{}", with("cli-policy-measures", &[("unchanged", text(comparison.measures.len() - changed.len()))]));
    for measure in changed {
        let id = match measure.outcome {
            socred_core::decide::Outcome::Deny => "cli-policy-measure-denied",
            _ => "cli-policy-measure-benefit",
        };
        let _ = writeln!(
            out,
            "  {}",
            with(id, &[("service", text(&measure.service)), ("before", text(measure.before)), ("after", text(measure.after))])
        );
    }
    let quantiles =
        comparison.points.quantiles.iter().map(|q| format!("{:>6}", format!("p{}", (q * 100.0).round() as u32))).collect::<String>();
    let row = |scores: &[i64]| scores.iter().map(|score| format!("{score:>6}")).collect::<String>();
    let _ = writeln!(out, "\n{}", with("cli-policy-points", &[]));
    let _ = writeln!(out, "  {:<8}{quantiles}", "");
    let _ = writeln!(out, "  {:<8}{}", with("cli-policy-before", &[]), row(&comparison.points.before));
    let _ = writeln!(out, "  {:<8}{}", with("cli-policy-after", &[]), row(&comparison.points.after));
    if !comparison.largest_changes.is_empty() {
        let _ = writeln!(out, "\n{}", with("cli-policy-largest", &[]));
        for change in &comparison.largest_changes {
            let _ = writeln!(out, "  {} ({}) -> {} ({})", change.score_before, change.tier_before, change.score_after, change.tier_after);
            for cause in &change.causes {
                let _ = writeln!(
                    out,
                    "      {}",
                    with(
                        "cli-policy-cause",
                        &[
                            ("behaviour", text(&cause.behaviour)),
                            ("before", text(cause.points_before)),
                            ("after", text(cause.points_after))
                        ]
                    )
                );
            }
        }
    }
    let groups = &comparison.impact_by_group;
    let _ = writeln!(
        out,
        "\n{}",
        with(
            "cli-policy-adverse",
            &[
                ("adverse", text(groups.adverse_subjects)),
                ("subjects", text(comparison.subjects)),
                ("rate", text(percent(groups.population_rate)))
            ]
        )
    );
    for group in &groups.groups {
        let judgement = match group.judgement {
            Judgement::Outside => with("cli-policy-outside", &[]),
            Judgement::TooSmall => with("cli-policy-too-small", &[]),
            Judgement::Within => String::new(),
        };
        let ratio = group.ratio.map_or_else(|| "-".to_string(), |ratio| format!("{ratio:.2}"));
        let _ = writeln!(
            out,
            "  {} {} {:>7} / {:<7} {:>7}  {}",
            socred_i18n::words::padded(&with(&format!("cli-policy-dimension-{}", group.dimension.as_str()), &[]), 18),
            socred_i18n::words::padded(&socred_i18n::words::policy_group(crate::render::language(), group.dimension, &group.group), 20),
            group.adverse,
            group.subjects,
            ratio,
            judgement
        );
    }
    let _ = writeln!(out, "\n{}", with("cli-policy-digest", &[("digest", text(&comparison.digest))]));
    out
}

/// How an activation accounts for its impact.
pub(crate) enum ImpactChoice<'a> {
    /// A comparison saved by `policy compare --json`.
    Assessed(&'a Path),
    /// No assessment, for a store with no subjects, with the reason.
    Skipped(&'a str),
    None,
}

/// Checks the impact an activation names against the store as it is, and
/// returns what goes on the audit entry. The store's activation refuses if
/// the log moved after this check began (`audit_size`).
fn impact_detail(store: &impl CliStore, proposed: &Rulebook, choice: ImpactChoice<'_>) -> Result<serde_json::Value> {
    match choice {
        ImpactChoice::None => Err(crate::refuse_message("--impact", "input-activation-needs-impact", vec![])),
        ImpactChoice::Skipped(reason) => {
            let reason = reason.trim();
            if reason.is_empty() || reason.chars().count() > MAX_SKIP_REASON_CHARS {
                let max = socred_i18n::Argument::Number(MAX_SKIP_REASON_CHARS as i64);
                return Err(crate::refuse_message("--reason", "input-skip-reason", vec![("max", max)]));
            }
            if store.subject_count()? > 0 {
                return Err(crate::refuse_message("--skip-impact", "input-skip-with-subjects", vec![]));
            }
            Ok(serde_json::json!({"skipped": true, "reason": reason}))
        }
        ImpactChoice::Assessed(path) => {
            let saved_text = read_text_bounded("--impact", path, MAX_IMPACT_BYTES)?;
            let saved: serde_json::Value = serde_json::from_str(&saved_text).map_err(|error| {
                crate::refuse_message("--impact", "input-not-json", vec![("detail", socred_i18n::Argument::Text(error.to_string()))])
            })?;
            let field = |pointer: &str| saved.pointer(pointer).and_then(|value| value.as_str()).unwrap_or("").to_string();
            if field("/after/fingerprint") != proposed.fingerprint {
                return Err(crate::refuse_message("--impact", "input-impact-other-proposal", vec![]));
            }
            if field("/before/fingerprint") != store.rulebook().fingerprint {
                return Err(crate::refuse_message("--impact", "input-impact-other-active", vec![]));
            }
            let as_of = parse_date("--impact", &field("/as_of"))?;
            if as_of != today(store) {
                return Err(crate::refuse_message("--impact", "input-impact-not-today", vec![]));
            }
            let digest = field("/digest");
            let now = compare_on(store, proposed, as_of)?;
            if now.digest != digest {
                return Err(crate::refuse_message("--impact", "input-impact-store-changed", vec![]));
            }
            Ok(serde_json::json!({
                "digest": now.digest,
                "as_of": socred_core::date::format_date(now.as_of),
                "subjects": now.subjects,
                "adverse_subjects": now.impact_by_group.adverse_subjects,
                "moved_subjects": now.transitions.iter().filter(|cell| cell.from != cell.to).map(|cell| cell.subjects).sum::<u64>(),
                "groups_outside_band": now.impact_by_group.groups.iter().filter(|g| g.judgement == Judgement::Outside).count(),
            }))
        }
    }
}

/// `socred rulebook activate FILE (--impact FILE | --skip-impact --reason TEXT)`, on either backend.
pub(crate) fn activate(cli: &Cli, store: &mut impl CliStore, file: &Path, choice: ImpactChoice<'_>) -> Result<()> {
    let (rulebook, source) = proposed(file)?;
    let before = CliStore::rulebook(store).fingerprint.clone();
    if rulebook.fingerprint == before {
        println!("{}", with("cli-rulebook-already-active", &[("id", text(&rulebook.id)), ("version", text(&rulebook.version))]));
        return Ok(());
    }
    // Any audited write from here on refuses the activation: the comparison below must be of the store it changes.
    let audit_size = store.log_heads()?.size;
    let impact = impact_detail(store, &rulebook, choice)?;
    let actor = actor(cli, store)?;
    let activated =
        store.activate_rulebook_with_impact(&source, &file.display().to_string(), &actor, impact, Some(audit_size)).map_err(|error| {
            match error {
                StoreError::Invalid { ref field, .. } if field == "impact" => crate::refuse_store("--impact", error),
                other => other.into(),
            }
        })?;
    println!("{}", with("cli-rulebook-activated", &[("id", text(&activated.id)), ("version", text(&activated.version))]));
    // The commercial scorecard reads the rulebook's behaviours: say at once if it no longer fits.
    if let Err(problems) = crate::score::card(cli.scorecard.as_deref(), "--scorecard", &activated) {
        let problems = problems.downcast_ref::<crate::Refusal>().map_or_else(|| problems.to_string(), crate::Refusal::words);
        eprintln!("{}", with("cli-score-card-does-not-fit", &[("problems", text(problems))]));
    }
    Ok(())
}
