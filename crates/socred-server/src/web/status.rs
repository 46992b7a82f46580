//! The portal's first screen: where the subject stands in one sentence, what
//! they may not do and why (grouped by service, each cause once), every open
//! deadline, the steps they can take now, and the path to recovery — all
//! computed by `socred_core::status` from their own file.

use maud::{Markup, html};
use socred_core::Date;
use socred_core::assess::Assessment;
use socred_core::decide::{Cause, Decision};
use socred_core::lists::DueProcessView;
use socred_core::status::{self, Deadline, RepairWindow, Restriction};
use socred_i18n::Argument;
use socred_i18n::words::Words;

/// The standing on a later day on which time alone changes it.
pub struct Milestone {
    pub on: Date,
    pub tier: String,
    pub decisions: Vec<Decision>,
}

/// Everything the first screen shows.
pub struct Standing<'a> {
    pub today: Date,
    pub assessment: &'a Assessment,
    pub due: &'a DueProcessView,
    pub decisions: &'a [Decision],
    pub milestones: &'a [Milestone],
    /// Whether the subject has a record they may still dispute.
    pub can_dispute: bool,
}

/// The anchor of an entry's forms on the portal.
pub fn entry_anchor(kind: &str, entry: &str) -> String {
    format!("{kind}-{}", entry.replace([':', '@', '/'], "-"))
}

pub fn first_screen(words: Words<'_>, standing: &Standing<'_>) -> Markup {
    let language = words.language;
    let t = |id: &str| words.t(id);
    let text = |value: String| Argument::Text(value);
    let day = |date: Date| Argument::Text(language.date(date));
    let rulebook = words.rulebook;
    let assessment = standing.assessment;
    let meaning = rulebook
        .tiers
        .iter_best_first()
        .find(|(_, spec)| spec.name == assessment.tier)
        .map(|(_, spec)| language.pick(&spec.description, &spec.description_zh).to_string())
        .unwrap_or_default();
    let restrictions = status::restrictions(standing.decisions);
    let deadlines = status::deadlines(standing.due, rulebook, standing.today);
    let list_title = |entry: &socred_core::process::EntryId| {
        standing.due.entries.iter().find(|e| &e.id == entry).map(|e| words.list(&e.list, &e.list_title).to_string()).unwrap_or_default()
    };
    let cause_words = |cause: &Cause| match cause {
        Cause::List { list, entry } => {
            let since = standing.due.entries.iter().find(|e| &e.id == entry).and_then(|e| e.listed_since);
            match since {
                Some(since) => {
                    words.with("status-because-list", &[("list", text(words.list_title(list).to_string())), ("since", day(since))])
                }
                None => words.with("decision-cause-list", &[("list", text(words.list_title(list).to_string()))]),
            }
        }
        Cause::Tier { tier } => words.with("status-because-tier", &[("tier", text(tier.clone()))]),
        Cause::Record { behaviour, .. } => {
            words.with("status-because-record", &[("behaviour", text(words.behaviour_title(behaviour).to_string()))])
        }
    };
    // Each reason once: the services barred for the same causes are listed under them.
    let mut groups: Vec<(&[Cause], Vec<&Restriction>)> = Vec::new();
    for restriction in &restrictions {
        match groups.iter_mut().find(|(causes, _)| *causes == restriction.causes.as_slice()) {
            Some((_, members)) => members.push(restriction),
            None => groups.push((&restriction.causes, vec![restriction])),
        }
    }
    let group_heading = |causes: &[Cause]| {
        let causes: Vec<String> = causes.iter().map(cause_words).collect();
        words.with("status-restriction-group", &[("causes", text(causes.join(&t("status-and"))))])
    };
    let measures_of = |restriction: &Restriction| {
        restriction.measures.iter().map(|(code, title)| words.measure(code, title)).collect::<Vec<_>>().join(&t("status-comma"))
    };
    let services =
        |names: Vec<&str>| names.into_iter().map(|code| words.service(code).to_string()).collect::<Vec<_>>().join(&t("status-comma"));
    let deadline_line = |deadline: &Deadline| match deadline {
        Deadline::AppealUntil { entry, until, instance: 1 } => {
            words.with("status-deadline-appeal", &[("list", text(list_title(entry))), ("day", day(*until))])
        }
        Deadline::AppealUntil { entry, until, .. } => {
            words.with("status-deadline-appeal-second", &[("list", text(list_title(entry))), ("day", day(*until))])
        }
        Deadline::AppealDecision { appeal, decide_by, .. } => {
            words.with("status-deadline-appeal-decision", &[("appeal", text(appeal.to_string())), ("day", day(*decide_by))])
        }
        Deadline::DisputeDecision { dispute, record, decide_by } => words.with(
            "status-deadline-dispute-decision",
            &[("dispute", text(dispute.to_string())), ("record", text(record.to_string())), ("day", day(*decide_by))],
        ),
        Deadline::RepairDecision { repair, decide_by, .. } => {
            words.with("status-deadline-repair-decision", &[("repair", text(repair.to_string())), ("day", day(*decide_by))])
        }
        Deadline::RepairFrom { entry, from } => {
            words.with("status-deadline-repair-from", &[("list", text(list_title(entry))), ("day", day(*from))])
        }
    };
    let repairable: Vec<_> =
        standing.due.entries.iter().filter(|e| status::repair_window(e, standing.today) == Some(RepairWindow::Open)).collect();
    let appealable: Vec<_> = standing
        .due
        .entries
        .iter()
        .filter_map(|e| status::appeal_window(e, rulebook, standing.today).map(|(until, _)| (e, until)))
        .collect();
    let recovery = recovery_lines(words, standing, &restrictions);
    html! {
        section.card.status aria-labelledby="status-heading" data-testid="status" {
            h2 #status-heading { (t("status-heading")) }
            p.lead data-testid="status-sentence" {
                (words.with("status-sentence", &[("day", day(standing.today)), ("tier", text(assessment.tier.clone())), ("meaning", text(meaning))])) " "
                @if restrictions.is_empty() { (t("status-free")) }
                @else { (words.with("status-restricted", &[("count", Argument::Number(restrictions.len() as i64))])) }
            }
            @if !restrictions.is_empty() {
                ul.restrictions { @for (causes, members) in &groups {
                    li {
                        (group_heading(causes))
                        ul { @for restriction in members {
                            li { strong { (words.service(&restriction.service)) } " — " span.meta { (measures_of(restriction)) } }
                        } }
                    }
                } }
            }
            h3 { (t("status-deadlines-heading")) }
            @if deadlines.is_empty() { p { (t("status-no-deadlines")) } }
            @else { ul { @for deadline in &deadlines { li { (deadline_line(deadline)) } } } }
            h3 { (t("status-steps-heading")) }
            ul.steps {
                @for (entry, until) in &appealable {
                    li { a href={ "#" (entry_anchor("appeal", entry.id.as_str())) } { (words.with("status-step-appeal", &[("list", text(words.list(&entry.list, &entry.list_title).to_string())), ("day", day(*until))])) } }
                }
                @for entry in &repairable {
                    li { a href={ "#" (entry_anchor("repair", entry.id.as_str())) } { (words.with("status-step-repair", &[("list", text(words.list(&entry.list, &entry.list_title).to_string()))])) } }
                }
                @if standing.can_dispute { li { a href="#dispute-record" { (t("status-step-dispute")) } } }
            }
            h3 { (t("status-recovery-heading")) }
            @if recovery.is_empty() { p { (t("status-recovery-none")) } }
            @else { ul { @for line in &recovery { li { (line) } } } }
            @for entry in &repairable {
                @let freed = status::freed_by_entry(&restrictions, &entry.id);
                @if !freed.is_empty() {
                    p { (words.with("status-recovery-repair", &[("list", text(words.list(&entry.list, &entry.list_title).to_string())), ("services", text(services(freed)))])) }
                }
            }
        }
    }
}

/// One line per later day on which the tier or what is barred changes.
fn recovery_lines(words: Words<'_>, standing: &Standing<'_>, now: &[Restriction]) -> Vec<String> {
    let language = words.language;
    let mut lines = Vec::new();
    let mut tier = standing.assessment.tier.clone();
    let mut barred: Vec<String> = now.iter().map(|r| r.service.clone()).collect();
    for milestone in standing.milestones {
        let later: Vec<String> = status::restrictions(&milestone.decisions).into_iter().map(|r| r.service).collect();
        let allowed: Vec<String> = barred.iter().filter(|service| !later.contains(service)).map(|s| words.service(s).to_string()).collect();
        let newly_barred = later.iter().any(|service| !barred.contains(service));
        if milestone.tier == tier && allowed.is_empty() && !newly_barred {
            continue;
        }
        let allowed = if allowed.is_empty() {
            String::new()
        } else {
            words.with("status-recovery-allowed", &[("services", Argument::Text(allowed.join(&words.t("status-comma"))))])
        };
        lines.push(words.with(
            "status-recovery-day",
            &[
                ("day", Argument::Text(language.date(milestone.on))),
                ("tier", Argument::Text(milestone.tier.clone())),
                ("allowed", Argument::Text(allowed)),
            ],
        ));
        tier = milestone.tier.clone();
        barred = later;
    }
    lines
}
