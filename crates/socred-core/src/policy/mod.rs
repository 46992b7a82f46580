//! Policy impact: what a proposed rulebook does to a population, before it
//! is activated.
//!
//! Both rulebooks assess every subject on one as-of date. Scores, tiers and
//! locks come from the columnar [`crate::batch`] path for everybody. List
//! entries and measures need a subject's file only when something in it can
//! set one off under either rulebook (see [`FileFilter`]); every other
//! subject's standing is its tier alone, and its decisions are computed once
//! per (kind, tier). The proposed rulebook is applied as activation applies
//! it: from the as-of date, with the entries the subject has carried over.
//!
//! The work splits by subject range ([`Comparer::partial`]) and the parts
//! merge in any grouping to the same result ([`Comparer::finish`]): the
//! caller spreads them over its cores. The result carries a SHA-256 digest of
//! its own content, which activation puts on the audit log.

pub mod groups;

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::rc::Rc;

use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::assess::RulebookRef;
use crate::batch::{BatchSummary, Population, Scorer};
use crate::date::{Date, serde_date};
use crate::decide::{LinkedStandings, Listed, Outcome, Standing, decide_all, record_triggers};
use crate::id::{SubjectId, SubjectKind};
use crate::lists::{EntryState, evaluate};
use crate::record::{CarriedOver, SubjectFile};
use crate::rulebook::{ListKind, Rulebook, Trigger};
use crate::tier::Tier;
use groups::{GroupCounts, GroupImpact};

/// How many of the largest individual changes a comparison lists.
pub const LARGEST_CHANGES: usize = 10;
/// The quantiles of the points distribution a comparison reports.
pub const QUANTILES: [f64; 7] = [0.0, 0.1, 0.25, 0.5, 0.75, 0.9, 1.0];

/// What must be true of a subject's file for its standing to be its tier
/// alone under a rulebook.
struct Quiet<'r> {
    /// Behaviours that force a tier, trigger a list or trigger a measure.
    special: HashSet<&'r str>,
    /// By rank: tiers that lock or trigger a list entry.
    unsafe_tiers: Vec<bool>,
}

impl<'r> Quiet<'r> {
    fn of(rulebook: &'r Rulebook) -> Quiet<'r> {
        let mut special: HashSet<&str> = rulebook.behaviours.iter().filter(|b| b.forced_tier.is_some()).map(|b| b.code.as_str()).collect();
        let tiers = &rulebook.tiers;
        let mut unsafe_tiers: Vec<bool> = (0..tiers.len()).map(|rank| tiers.lock_years(Tier(rank as u8)) > 0).collect();
        for list in &rulebook.lists {
            for trigger in &list.triggers {
                match trigger {
                    Trigger::Behaviour { code } => {
                        special.insert(code);
                    }
                    Trigger::Tier { tier, .. } => unsafe_tiers[usize::from(tier.0)] = true,
                }
            }
        }
        for measure in &rulebook.measures {
            special.extend(measure.records.iter().map(String::as_str));
        }
        Quiet { special, unsafe_tiers }
    }

    /// The score moves between the base plus every deduction so far and the
    /// base plus every addition so far. When no tier in that band locks or
    /// triggers a list, and no record is special, the tier history never
    /// leaves the band (a rise without a lock goes straight to the points
    /// tier), so no entry, lock or record-triggered measure can follow.
    fn is_quiet(&self, rulebook: &Rulebook, file: &SubjectFile, as_of: Date) -> bool {
        if file.events.iter().any(|stored| !stored.event.is_consent()) {
            return false;
        }
        let voided: HashSet<_> = file.voids.iter().map(|void| &void.record_id).collect();
        let (mut lowest, mut highest) = (rulebook.base_score, rulebook.base_score);
        for record in file.records.iter().filter(|record| !voided.contains(&record.id)) {
            if self.special.contains(record.behaviour.as_str()) {
                return false;
            }
            if let Some(behaviour) = rulebook.behaviour(&record.behaviour).filter(|_| record.occurred_on <= as_of) {
                lowest += behaviour.points.min(0);
                highest += behaviour.points.max(0);
            }
        }
        let (low, high) = (rulebook.tiers.for_points(lowest), rulebook.tiers.for_points(highest));
        !self.unsafe_tiers[usize::from(low.0)..=usize::from(high.0)].iter().any(|unsafe_tier| *unsafe_tier)
    }
}

/// Whether a comparison of two rulebooks on a day must read a file in full
/// (list entries or measures may follow from it); a loader keeps only these.
pub struct FileFilter<'r> {
    before: (&'r Rulebook, Quiet<'r>),
    after: (&'r Rulebook, Quiet<'r>),
    as_of: Date,
}

impl<'r> FileFilter<'r> {
    pub fn new(before: &'r Rulebook, after: &'r Rulebook, as_of: Date) -> FileFilter<'r> {
        FileFilter { before: (before, Quiet::of(before)), after: (after, Quiet::of(after)), as_of }
    }

    /// Whether this file must be read in full.
    pub fn needs_file(&self, file: &SubjectFile) -> bool {
        !(self.before.1.is_quiet(self.before.0, file, self.as_of) && self.after.1.is_quiet(self.after.0, file, self.as_of))
    }
}

/// One non-zero cell of the tier transition matrix.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Transition {
    pub from: String,
    pub to: String,
    pub subjects: u64,
}

/// Subjects per tier before and after.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TierCount {
    pub tier: String,
    pub before: u64,
    pub after: u64,
}

/// Subjects with a live entry on a list (in its notice or appeal window, or
/// listed) before and after, and how many gained or lost one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ListImpact {
    pub list: String,
    pub before: u64,
    pub after: u64,
    pub gained: u64,
    pub lost: u64,
}

/// Subjects a service denies, or grants a benefit, before and after.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MeasureImpact {
    pub service: String,
    pub outcome: Outcome,
    pub before: u64,
    pub after: u64,
}

/// The points distribution: the score at each of [`QUANTILES`].
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PointsDistribution {
    pub quantiles: Vec<f64>,
    pub before: Vec<i64>,
    pub after: Vec<i64>,
    pub mean_before: f64,
    pub mean_after: f64,
}

/// What moved one subject's score: a behaviour's points on the as-of date
/// under each rulebook (or `base-score`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ChangeCause {
    pub behaviour: String,
    pub points_before: i64,
    pub points_after: i64,
}

/// One of the largest individual changes. Nobody is named, not even by a
/// masked id: an impact assessment is published, and why scores move
/// matters, not whose.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct IndividualChange {
    /// Orders changes of the same size, so the list does not depend on how the work was split.
    #[serde(skip)]
    order: SubjectId,
    pub score_before: i64,
    pub score_after: i64,
    pub tier_before: String,
    pub tier_after: String,
    pub causes: Vec<ChangeCause>,
}

impl IndividualChange {
    fn size(&self) -> i64 {
        (self.score_after - self.score_before).abs()
    }
}

/// The impact by group, with the population's rate of adverse outcomes.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GroupsImpact {
    pub adverse_subjects: u64,
    pub population_rate: f64,
    pub band: (f64, f64),
    pub min_group_subjects: u64,
    pub groups: Vec<GroupImpact>,
}

/// What a proposed rulebook does to a population on a date.
///
/// A subject is treated worse (an adverse outcome) when the proposal puts
/// them in a worse tier (tier tables with the same names only), denies them
/// a service they were not denied, or gives them a live entry on a
/// restrictive list they had none on.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Comparison {
    #[serde(with = "serde_date")]
    pub as_of: Date,
    pub before: RulebookRef,
    pub after: RulebookRef,
    pub subjects: u64,
    /// Subjects whose files were read in full for lists and measures.
    pub read_in_full: u64,
    pub tiers: Vec<TierCount>,
    pub transitions: Vec<Transition>,
    pub lists: Vec<ListImpact>,
    pub measures: Vec<MeasureImpact>,
    pub points: PointsDistribution,
    pub largest_changes: Vec<IndividualChange>,
    pub impact_by_group: GroupsImpact,
    /// SHA-256 (hex) of this result's JSON with this field empty.
    pub digest: String,
}

impl Comparison {
    /// The digest of the content: the JSON with the digest left empty.
    pub fn compute_digest(&self) -> String {
        let mut unsigned = self.clone();
        unsigned.digest = String::new();
        let bytes = serde_json::to_vec(&unsigned).expect("a comparison serialises");
        hex::encode(Sha256::digest(bytes))
    }
}

/// One side of the comparison.
struct Side<'r> {
    rulebook: &'r Rulebook,
    scorer: Scorer<'r>,
}

/// A subject's standing as the comparison counts it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
struct Outcomes {
    denied: BTreeSet<String>,
    benefits: BTreeSet<String>,
    /// Lists with a live entry.
    lists: BTreeSet<String>,
}

/// The work of one range of subjects, to be merged.
#[derive(Debug, Clone, Default)]
pub struct Partial {
    subjects: u64,
    read_in_full: u64,
    transitions: BTreeMap<(Tier, Tier), u64>,
    lists: BTreeMap<String, [u64; 4]>,
    measures: BTreeMap<(String, u8), [u64; 2]>,
    scores_before: Vec<i64>,
    scores_after: Vec<i64>,
    largest: Vec<IndividualChange>,
    groups: GroupCounts,
    adverse: u64,
}

/// Compares two rulebooks on one population and date.
pub struct Comparer<'r> {
    before: Side<'r>,
    after: Side<'r>,
    as_of: Date,
    same_tiers: bool,
}

/// `true` when an entry in this state is on its list or on its way to it.
fn live(state: EntryState) -> bool {
    matches!(state, EntryState::NoticeServed | EntryState::UnderAppeal | EntryState::Listed)
}

fn outcome_rank(outcome: Outcome) -> u8 {
    match outcome {
        Outcome::Deny => 0,
        Outcome::AllowWithBenefit => 1,
        Outcome::Allow => 2,
    }
}

impl<'r> Comparer<'r> {
    pub fn new(before: &'r Rulebook, after: &'r Rulebook, population: &Population, as_of: Date) -> Comparer<'r> {
        let names = |rulebook: &Rulebook| rulebook.tiers.iter_best_first().map(|(_, spec)| spec.name.clone()).collect::<Vec<_>>();
        Comparer {
            before: Side { rulebook: before, scorer: Scorer::new(before, population.codes(), as_of) },
            after: Side { rulebook: after, scorer: Scorer::new(after, population.codes(), as_of) },
            as_of,
            same_tiers: names(before) == names(after),
        }
    }

    fn outcomes(&self, side: &Side<'_>, standing: &Standing, lists: BTreeSet<String>) -> Outcomes {
        let mut outcomes = Outcomes { lists, ..Outcomes::default() };
        for decision in decide_all(side.rulebook, self.as_of, standing, &LinkedStandings::default()) {
            match decision.outcome {
                Outcome::Deny => outcomes.denied.insert(decision.service),
                Outcome::AllowWithBenefit => outcomes.benefits.insert(decision.service),
                Outcome::Allow => false,
            };
        }
        outcomes
    }

    /// Standing of a subject whose file says nothing but its tier: the same
    /// for every subject of its kind in that tier, so decided once and shared.
    fn quiet(
        &self,
        side: &Side<'_>,
        memo: &mut HashMap<(SubjectKind, Tier), Rc<Outcomes>>,
        subject: SubjectId,
        tier: Tier,
    ) -> Rc<Outcomes> {
        let standing = || Standing { subject, tier, listed: Vec::new(), records: Vec::new() };
        Rc::clone(memo.entry((subject.kind(), tier)).or_insert_with(|| Rc::new(self.outcomes(side, &standing(), BTreeSet::new()))))
    }

    /// Standing from the full file: entries as activation would leave them, records that trigger measures.
    fn full(&self, side: &Side<'_>, subject: SubjectId, file: &SubjectFile, tier: Tier) -> (Outcomes, Vec<crate::process::EntryId>) {
        let view = evaluate(side.rulebook, subject, file, self.as_of);
        let entries: Vec<_> = view.entries.iter().map(|entry| entry.id.clone()).collect();
        let live_entries: Vec<_> = view.entries.iter().filter(|entry| live(entry.state)).collect();
        let standing = Standing {
            subject,
            tier,
            // Projected: an entry in its notice or appeal window is counted as listed.
            listed: live_entries.iter().map(|entry| Listed { list: entry.list.clone(), entry: entry.id.clone() }).collect(),
            records: record_triggers(side.rulebook, file)
                .into_iter()
                .filter(|trigger| trigger.since <= self.as_of && self.as_of < trigger.until)
                .map(|trigger| crate::decide::Counted { behaviour: trigger.behaviour, record: trigger.record })
                .collect(),
        };
        let lists = live_entries.iter().map(|entry| entry.list.clone()).collect();
        (self.outcomes(side, &standing, lists), entries)
    }

    /// Compares the subjects `range` of the population. `files[i]` is subject
    /// `i`'s file when [`FileFilter::needs_file`] says so, and may be `None` otherwise.
    pub fn partial(&self, population: &Population, files: &[Option<SubjectFile>], range: std::ops::Range<usize>) -> Partial {
        assert_eq!(files.len(), population.len(), "a file slot per subject");
        let mut partial = Partial::default();
        let mut scratch = Vec::new();
        let mut memo_before = HashMap::new();
        let mut memo_after = HashMap::new();
        let restrictive: HashSet<&str> =
            self.after.rulebook.lists.iter().filter(|list| list.kind == ListKind::Restrictive).map(|list| list.code.as_str()).collect();
        for index in range {
            let subject = population.subject(index);
            let (behaviours, days) = population.records(index);
            let before: BatchSummary = self.before.scorer.summarise(behaviours, days, &mut scratch);
            let after: BatchSummary = self.after.scorer.summarise(behaviours, days, &mut scratch);
            let (outcomes_before, outcomes_after) = match &files[index] {
                Some(file) => {
                    partial.read_in_full += 1;
                    let (outcomes_before, entries) = self.full(&self.before, subject, file, before.tier);
                    let mut activated = file.clone();
                    activated.carried_over = Some(CarriedOver { since: self.as_of, entries: entries.into_iter().collect() });
                    let (outcomes_after, _) = self.full(&self.after, subject, &activated, after.tier);
                    (Rc::new(outcomes_before), Rc::new(outcomes_after))
                }
                None => (
                    self.quiet(&self.before, &mut memo_before, subject, before.tier),
                    self.quiet(&self.after, &mut memo_after, subject, after.tier),
                ),
            };

            partial.subjects += 1;
            *partial.transitions.entry((before.tier, after.tier)).or_default() += 1;
            for list in outcomes_before.lists.union(&outcomes_after.lists) {
                let counts = partial.lists.entry(list.clone()).or_default();
                let (was, is) = (outcomes_before.lists.contains(list), outcomes_after.lists.contains(list));
                counts[0] += u64::from(was);
                counts[1] += u64::from(is);
                counts[2] += u64::from(is && !was);
                counts[3] += u64::from(was && !is);
            }
            for (outcomes, column) in [(&outcomes_before, 0), (&outcomes_after, 1)] {
                for (services, outcome) in [(&outcomes.denied, Outcome::Deny), (&outcomes.benefits, Outcome::AllowWithBenefit)] {
                    for service in services {
                        partial.measures.entry((service.clone(), outcome_rank(outcome))).or_default()[column] += 1;
                    }
                }
            }
            partial.scores_before.push(before.score);
            partial.scores_after.push(after.score);

            let worse_tier = self.same_tiers && after.tier < before.tier;
            let newly_denied = !outcomes_after.denied.is_subset(&outcomes_before.denied);
            let newly_listed =
                outcomes_after.lists.iter().any(|list| restrictive.contains(list.as_str()) && !outcomes_before.lists.contains(list));
            let adverse = worse_tier || newly_denied || newly_listed;
            partial.adverse += u64::from(adverse);
            partial.groups.add(&subject, self.as_of, adverse);

            // The causes are worked out only for a change that can still make the list.
            let size = (after.score - before.score).abs();
            let may_enter =
                partial.largest.len() < LARGEST_CHANGES || partial.largest.last().is_some_and(|smallest| size >= smallest.size());
            if (before.score != after.score || before.tier != after.tier) && may_enter {
                let change = self.change(population, index, &before, &after);
                keep_largest(&mut partial.largest, change);
            }
        }
        partial
    }

    fn change(&self, population: &Population, index: usize, before: &BatchSummary, after: &BatchSummary) -> IndividualChange {
        let subject = population.subject(index);
        let (behaviours, days) = population.records(index);
        let mut by_behaviour: BTreeMap<&str, (i64, i64)> = BTreeMap::new();
        for (&behaviour, &day) in behaviours.iter().zip(days) {
            let points = by_behaviour.entry(population.codes()[usize::from(behaviour)].as_str()).or_default();
            points.0 += self.before.scorer.points_on_as_of(behaviour, day);
            points.1 += self.after.scorer.points_on_as_of(behaviour, day);
        }
        let mut causes: Vec<ChangeCause> = Vec::new();
        let (base_before, base_after) = (self.before.rulebook.base_score, self.after.rulebook.base_score);
        if base_before != base_after {
            causes.push(ChangeCause { behaviour: "base-score".into(), points_before: base_before, points_after: base_after });
        }
        causes.extend(by_behaviour.into_iter().filter(|(_, (was, is))| was != is).map(|(code, (was, is))| ChangeCause {
            behaviour: code.to_string(),
            points_before: was,
            points_after: is,
        }));
        causes.sort_by_key(|cause| std::cmp::Reverse((cause.points_after - cause.points_before).abs()));
        IndividualChange {
            order: subject,
            score_before: before.score,
            score_after: after.score,
            tier_before: self.before.rulebook.tiers.name(before.tier).to_string(),
            tier_after: self.after.rulebook.tiers.name(after.tier).to_string(),
            causes,
        }
    }

    /// Merges the parts (any split of the population, in any order) into the result.
    pub fn finish(&self, parts: Vec<Partial>) -> Comparison {
        let mut total = Partial::default();
        for part in parts {
            total.subjects += part.subjects;
            total.read_in_full += part.read_in_full;
            for (cell, count) in part.transitions {
                *total.transitions.entry(cell).or_default() += count;
            }
            for (list, counts) in part.lists {
                let sum = total.lists.entry(list).or_default();
                for (sum, count) in sum.iter_mut().zip(counts) {
                    *sum += count;
                }
            }
            for (key, counts) in part.measures {
                let sum = total.measures.entry(key).or_default();
                sum[0] += counts[0];
                sum[1] += counts[1];
            }
            total.scores_before.extend(part.scores_before);
            total.scores_after.extend(part.scores_after);
            for change in part.largest {
                keep_largest(&mut total.largest, change);
            }
            total.groups.merge(part.groups);
            total.adverse += part.adverse;
        }
        let (before, after) = (self.before.rulebook, self.after.rulebook);

        let mut tiers: Vec<TierCount> = Vec::new();
        for (tier, spec) in before.tiers.iter_best_first() {
            let count = total.transitions.iter().filter(|((from, _), _)| *from == tier).map(|(_, n)| n).sum();
            tiers.push(TierCount { tier: spec.name.clone(), before: count, after: 0 });
        }
        for (tier, spec) in after.tiers.iter_best_first() {
            let count: u64 = total.transitions.iter().filter(|((_, to), _)| *to == tier).map(|(_, n)| n).sum();
            match tiers.iter_mut().find(|row| row.tier == spec.name) {
                Some(row) => row.after = count,
                None => tiers.push(TierCount { tier: spec.name.clone(), before: 0, after: count }),
            }
        }
        let mut cells: Vec<_> = total.transitions.iter().collect();
        cells.sort_by_key(|((from, to), _)| (std::cmp::Reverse(*from), std::cmp::Reverse(*to)));
        let transitions = cells
            .into_iter()
            .map(|((from, to), subjects)| Transition {
                from: before.tiers.name(*from).to_string(),
                to: after.tiers.name(*to).to_string(),
                subjects: *subjects,
            })
            .collect();

        let lists = total
            .lists
            .into_iter()
            .map(|(list, [was, is, gained, lost])| ListImpact { list, before: was, after: is, gained, lost })
            .collect();
        let measures = total
            .measures
            .into_iter()
            .map(|((service, rank), [was, is])| MeasureImpact {
                service,
                outcome: if rank == 0 { Outcome::Deny } else { Outcome::AllowWithBenefit },
                before: was,
                after: is,
            })
            .collect();

        let distribution = |scores: &mut Vec<i64>| -> (Vec<i64>, f64) {
            scores.sort_unstable();
            let mean = if scores.is_empty() { 0.0 } else { scores.iter().map(|s| *s as f64).sum::<f64>() / scores.len() as f64 };
            let at = |q: f64| -> i64 {
                if scores.is_empty() {
                    return 0;
                }
                // Nearest rank.
                let rank = ((q * scores.len() as f64).ceil() as usize).clamp(1, scores.len());
                scores[rank - 1]
            };
            (QUANTILES.iter().map(|q| at(*q)).collect(), mean)
        };
        let (quantiles_before, mean_before) = distribution(&mut total.scores_before);
        let (quantiles_after, mean_after) = distribution(&mut total.scores_after);

        let reference = |rulebook: &Rulebook| RulebookRef {
            id: rulebook.id.clone(),
            version: rulebook.version.clone(),
            fingerprint: rulebook.fingerprint.clone(),
        };
        let population_rate = if total.subjects == 0 { 0.0 } else { total.adverse as f64 / total.subjects as f64 };
        let mut comparison = Comparison {
            as_of: self.as_of,
            before: reference(before),
            after: reference(after),
            subjects: total.subjects,
            read_in_full: total.read_in_full,
            tiers,
            transitions,
            lists,
            measures,
            points: PointsDistribution {
                quantiles: QUANTILES.to_vec(),
                before: quantiles_before,
                after: quantiles_after,
                mean_before,
                mean_after,
            },
            largest_changes: total.largest,
            impact_by_group: GroupsImpact {
                adverse_subjects: total.adverse,
                population_rate,
                band: groups::FOUR_FIFTHS_BAND,
                min_group_subjects: groups::MIN_GROUP_SUBJECTS,
                groups: total.groups.judge(total.subjects, total.adverse),
            },
            digest: String::new(),
        };
        comparison.digest = comparison.compute_digest();
        comparison
    }
}

/// Keeps the [`LARGEST_CHANGES`] largest, ordered by size and then subject:
/// the same set whatever order changes arrive in.
fn keep_largest(largest: &mut Vec<IndividualChange>, change: IndividualChange) {
    largest.push(change);
    largest.sort_by(|a, b| b.size().cmp(&a.size()).then_with(|| a.order.as_str().cmp(b.order.as_str())));
    largest.truncate(LARGEST_CHANGES);
}

/// Compares on one thread: the reference the parallel split must match.
pub fn compare(before: &Rulebook, after: &Rulebook, population: &Population, files: &[Option<SubjectFile>], as_of: Date) -> Comparison {
    let comparer = Comparer::new(before, after, population, as_of);
    let part = comparer.partial(population, files, 0..population.len());
    comparer.finish(vec![part])
}
