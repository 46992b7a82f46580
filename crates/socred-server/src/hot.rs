//! The hot index: what a decision needs about every subject, in memory.
//!
//! Per subject, under 64 bytes: its id, its tier with the window of dates on
//! which that tier holds (from the cached summary), and — for the few
//! subjects that have any — their listing intervals and links. Decisions made from it are
//! the core's `decide` on the same standings the store would build, so they
//! cannot differ; when a window does not cover the asked date, the caller
//! falls back to the store. The writer thread updates the index after every
//! write, for the subjects the write touched.

use std::collections::HashMap;
use std::sync::{Arc, OnceLock};

use crossbeam_utils::sync::ShardedLock;

use socred_core::decide::{self, Counted, Decision, LinkedStandings, Listed, Outcome, Standing, UnknownService};
use socred_core::process::EntryId;
use socred_core::record::RecordId;
use socred_core::rulebook::Extension;
use socred_core::{Date, Rulebook, SubjectId, SubjectKind, Tier};
use socred_store::{HotData, Store, StoreError};

/// What a provider is told of a decision: the outcome, the reason codes the
/// rulebook marks as disclosable, any benefits, and the appeal route.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verdict {
    pub outcome: Outcome,
    pub reasons: Vec<String>,
    pub benefits: Vec<String>,
    pub appeal: String,
    /// The four fields above as JSON object members (no braces), rendered once:
    /// shared verdicts answer many checks, and each answer copies these bytes
    /// instead of serialising them again.
    json_members: Box<str>,
}

#[derive(serde::Serialize)]
struct VerdictMembers<'a> {
    decision: Outcome,
    reasons: &'a [String],
    benefits: &'a [String],
    appeal: &'a str,
}

impl Verdict {
    pub fn of(decision: &Decision) -> Verdict {
        let reasons = decision.disclosed_measures();
        let members =
            VerdictMembers { decision: decision.outcome, reasons: &reasons, benefits: &decision.benefits, appeal: &decision.appeal };
        let object = serde_json::to_string(&members).expect("a verdict serialises: strings and lists of strings");
        let json_members = object.strip_prefix('{').and_then(|o| o.strip_suffix('}')).expect("a struct serialises as an object").into();
        Verdict { outcome: decision.outcome, reasons, benefits: decision.benefits.clone(), appeal: decision.appeal.clone(), json_members }
    }

    /// `"decision":…,"reasons":[…],"benefits":[…],"appeal":…`
    pub fn json_members(&self) -> &str {
        &self.json_members
    }
}

/// Listings and links: only for the subjects that have any.
#[derive(Debug, Clone, Default)]
struct Extra {
    /// (list index in the rulebook, entry, since, until)
    listings: Vec<(u8, EntryId, i32, i32)>,
    /// (behaviour, record, counts since, counts until) of records that trigger a measure
    records: Vec<(String, RecordId, i32, i32)>,
    guardians: Vec<u32>,
    represented: Vec<u32>,
    representatives: Vec<u32>,
}

/// One subject's hot state, stored in the map beside its id so that a
/// decision about a plain subject costs one probe of a large table (the
/// probes are cache misses: the table does not fit in cache).
#[derive(Debug, Clone)]
pub struct Hot {
    key: u32,
    tier: u8,
    /// Julian days; `valid_until` i32::MAX when open-ended; `valid_from` > `valid_until` when unknown.
    valid_from: i32,
    valid_until: i32,
    extra: Option<Box<Extra>>,
}

/// The verdict for a subject with no listing or triggering record in force and no link that the
/// service's measures extend along depends only on the service, the
/// subject's kind and its tier: `decide` reads nothing else. Each is computed
/// once by the core's `decide` and shared. Indexed by service, kind, tier rank.
struct Verdicts {
    tiers: usize,
    slots: Vec<OnceLock<Arc<Verdict>>>,
    /// Per service and kind: the links its measures extend along (LINK_* bits).
    links: Vec<[u8; 2]>,
}

const LINK_GUARDIANS: u8 = 1;
const LINK_REPRESENTED: u8 = 2;
const LINK_REPRESENTATIVES: u8 = 4;

fn kind_index(kind: SubjectKind) -> usize {
    match kind {
        SubjectKind::Person => 0,
        SubjectKind::Organisation => 1,
    }
}

impl Verdicts {
    fn new(rulebook: &Rulebook) -> Verdicts {
        let tiers = rulebook.tiers.len();
        let links = rulebook
            .services
            .iter()
            .map(|service| {
                let mut bits = [0u8; 2];
                for kind in [SubjectKind::Person, SubjectKind::Organisation] {
                    for measure in rulebook.measures.iter().filter(|m| m.service == service.code && m.applies_to.contains(&kind)) {
                        for extension in &measure.extends_to {
                            bits[kind_index(kind)] |= match extension {
                                Extension::Children => LINK_GUARDIANS,
                                Extension::LegalRepresentatives => LINK_REPRESENTED,
                                Extension::RepresentedOrganisations => LINK_REPRESENTATIVES,
                            };
                        }
                    }
                }
                bits
            })
            .collect();
        Verdicts { tiers, slots: (0..rulebook.services.len() * 2 * tiers).map(|_| OnceLock::new()).collect(), links }
    }

    /// The shared verdict's slot, if this subject's verdict is the shared one on `day`.
    fn slot(&self, service: usize, kind: SubjectKind, hot: &Hot, day: i32) -> Option<&OnceLock<Arc<Verdict>>> {
        let tier = usize::from(hot.tier);
        if tier >= self.tiers || !HotIndex::covers(hot, day) {
            return None;
        }
        if let Some(extra) = &hot.extra {
            let links = self.links[service][kind_index(kind)];
            let listed = extra.listings.iter().any(|(_, _, since, until)| *since <= day && day < *until)
                || extra.records.iter().any(|(_, _, since, until)| *since <= day && day < *until);
            let linked = (links & LINK_GUARDIANS != 0 && !extra.guardians.is_empty())
                || (links & LINK_REPRESENTED != 0 && !extra.represented.is_empty())
                || (links & LINK_REPRESENTATIVES != 0 && !extra.representatives.is_empty());
            if listed || linked {
                return None;
            }
        }
        Some(&self.slots[(service * 2 + kind_index(kind)) * self.tiers + tier])
    }
}

type FastMap<K, V> = HashMap<K, V, foldhash::fast::RandomState>;

struct Inner {
    rulebook: Arc<Rulebook>,
    verdicts: Verdicts,
    subjects: FastMap<SubjectId, Hot>,
    /// The id of each store key: links and reloads name subjects by key.
    ids: Vec<Option<SubjectId>>,
}

/// Every check reads the index and writes are rare (after a write to the
/// ledger), so the lock is sharded: a read takes only its thread's shard and
/// checks on different cores do not bounce one lock word between them.
pub struct HotIndex {
    inner: ShardedLock<Inner>,
}

/// Why the index could not answer.
pub enum Miss {
    /// Not registered.
    UnknownSubject,
    /// A window does not cover the date: ask the store.
    Stale,
}

/// An answer from memory: the verdict and the subject's key in the store.
pub struct Answered {
    pub verdict: Arc<Verdict>,
    pub subject_key: i64,
}

impl HotIndex {
    pub fn new(rulebook: Arc<Rulebook>) -> HotIndex {
        let verdicts = Verdicts::new(&rulebook);
        HotIndex { inner: ShardedLock::new(Inner { rulebook, verdicts, subjects: FastMap::default(), ids: Vec::new() }) }
    }

    /// Loads every subject (on the writer's connection, at startup).
    pub fn load_all(&self, store: &Store) -> Result<usize, StoreError> {
        Ok(self.load(store.rulebook().clone(), store.hot_data(None)?))
    }

    /// Replaces everything with `data`, read under `rulebook`.
    pub fn load(&self, rulebook: Arc<Rulebook>, data: HotData) -> usize {
        let mut inner = self.inner.write().unwrap_or_else(std::sync::PoisonError::into_inner);
        inner.rulebook = rulebook;
        inner.verdicts = Verdicts::new(&inner.rulebook);
        inner.subjects.clear();
        inner.ids.clear();
        inner.subjects.reserve(data.subjects.len());
        Self::apply(&mut inner, data, None);
        inner.subjects.len()
    }

    /// Reloads some subjects after a write.
    pub fn reload(&self, store: &Store, keys: &[i64]) -> Result<(), StoreError> {
        if keys.is_empty() {
            return Ok(());
        }
        if store.rulebook().fingerprint != self.inner.read().unwrap_or_else(std::sync::PoisonError::into_inner).rulebook.fingerprint {
            // A new rulebook changes every decision: reload everything.
            self.load_all(store)?;
            return Ok(());
        }
        self.replace(store.hot_data(Some(keys))?, keys);
        Ok(())
    }

    /// Replaces what the index holds of the subjects `keys` with `data`
    /// (read under the index's rulebook).
    pub fn replace(&self, data: HotData, keys: &[i64]) {
        let mut inner = self.inner.write().unwrap_or_else(std::sync::PoisonError::into_inner);
        Self::apply(&mut inner, data, Some(keys));
    }

    fn apply(inner: &mut Inner, data: HotData, only: Option<&[i64]>) {
        let slot = |key: i64| usize::try_from(key).expect("subject keys are positive");
        if let Some(keys) = only {
            // The subjects reloaded lose what they had; links are rebuilt below from both ends.
            for key in keys {
                if let Some(hot) = Self::by_key_mut(inner, *key) {
                    hot.extra = None;
                    hot.valid_from = i32::MAX;
                    hot.valid_until = i32::MIN;
                }
            }
        }
        for (key, id) in data.subjects {
            let index = slot(key);
            if inner.ids.len() <= index {
                inner.ids.resize(index + 1, None);
            }
            inner.ids[index] = Some(id);
            inner.subjects.entry(id).or_insert(Hot {
                key: u32::try_from(key).expect("subject keys fit in 32 bits"),
                tier: 0,
                valid_from: i32::MAX,
                valid_until: i32::MIN,
                extra: None,
            });
        }
        for (key, tier, from, until) in data.summaries {
            if let Some(hot) = Self::by_key_mut(inner, key) {
                hot.tier = tier;
                hot.valid_from = from.to_julian_day();
                hot.valid_until = until.map_or(i32::MAX, |d| d.to_julian_day());
            }
        }
        let lists: HashMap<String, u8> = inner.rulebook.lists.iter().enumerate().map(|(i, l)| (l.code.clone(), i as u8)).collect();
        for (key, list, entry, since, until) in data.listings {
            let (Some(list), Ok(entry)) = (lists.get(&list), EntryId::parse(&entry)) else { continue };
            if let Some(hot) = Self::by_key_mut(inner, key) {
                hot.extra.get_or_insert_with(Default::default).listings.push((*list, entry, since.to_julian_day(), until.to_julian_day()));
            }
        }
        for (key, behaviour, record, since, until) in data.record_triggers {
            let Ok(record) = RecordId::parse(&record) else { continue };
            if let Some(hot) = Self::by_key_mut(inner, key) {
                hot.extra.get_or_insert_with(Default::default).records.push((
                    behaviour,
                    record,
                    since.to_julian_day(),
                    until.to_julian_day(),
                ));
            }
        }
        // Links are never removed from the ledger, so re-adding every link that
        // touches a reloaded subject (pushes skip duplicates) rebuilds both ends.
        for (subject, kind, other) in data.links {
            let (subject, other) = (subject as u32, other as u32);
            match kind.as_str() {
                "guardian" => push(inner, subject, |e| &mut e.guardians, other),
                "represents" => {
                    push(inner, subject, |e| &mut e.represented, other);
                    push(inner, other, |e| &mut e.representatives, subject);
                }
                _ => {}
            }
        }
    }

    fn id_of(inner: &Inner, key: i64) -> Option<SubjectId> {
        usize::try_from(key).ok().and_then(|index| inner.ids.get(index).copied().flatten())
    }

    fn by_key_mut(inner: &mut Inner, key: i64) -> Option<&mut Hot> {
        let id = Self::id_of(inner, key)?;
        inner.subjects.get_mut(&id)
    }

    fn covers(hot: &Hot, day: i32) -> bool {
        hot.valid_from <= day && day < hot.valid_until
    }

    fn standing(inner: &Inner, id: SubjectId, hot: &Hot, day: i32) -> Result<Standing, Miss> {
        if !Self::covers(hot, day) {
            return Err(Miss::Stale);
        }
        let Some(extra) = hot.extra.as_ref() else {
            return Ok(Standing { subject: id, tier: Tier(hot.tier), listed: Vec::new(), records: Vec::new() });
        };
        let listed = extra
            .listings
            .iter()
            .filter(|(_, _, since, until)| *since <= day && day < *until)
            .map(|(list, entry, _, _)| Listed { list: inner.rulebook.lists[*list as usize].code.clone(), entry: entry.clone() })
            .collect();
        let records = extra
            .records
            .iter()
            .filter(|(_, _, since, until)| *since <= day && day < *until)
            .map(|(behaviour, record, _, _)| Counted { behaviour: behaviour.clone(), record: record.clone() })
            .collect();
        Ok(Standing { subject: id, tier: Tier(hot.tier), listed, records })
    }

    fn linked_standing(inner: &Inner, key: u32, day: i32) -> Result<Standing, Miss> {
        let id = Self::id_of(inner, i64::from(key)).ok_or(Miss::Stale)?;
        let hot = inner.subjects.get(&id).ok_or(Miss::Stale)?;
        Self::standing(inner, id, hot, day)
    }

    fn decide_with(inner: &Inner, id: SubjectId, hot: &Hot, service: &str, as_of: Date) -> Result<Result<Decision, UnknownService>, Miss> {
        let day = as_of.to_julian_day();
        let own = Self::standing(inner, id, hot, day)?;
        let mut linked = LinkedStandings::default();
        if let Some(extra) = hot.extra.as_ref() {
            for (keys, out) in [
                (&extra.guardians, &mut linked.guardians),
                (&extra.represented, &mut linked.represented),
                (&extra.representatives, &mut linked.representatives),
            ] {
                for other in keys {
                    out.push(Self::linked_standing(inner, *other, day)?);
                }
            }
        }
        Ok(decide::decide(&inner.rulebook, service, as_of, &own, &linked))
    }

    /// What a provider is told, from memory: a subject whose listings and
    /// links cannot matter to this service on this date gets the shared
    /// verdict of its (service, kind, tier), others a fresh decision. Both
    /// are the core's `decide`. `answer` sees the verdict and the subject's
    /// key under the read lock, so a shared verdict is lent, not cloned.
    pub fn check_with<R>(
        &self,
        id: &SubjectId,
        service: &str,
        as_of: Date,
        answer: impl FnOnce(&Verdict, i64) -> R,
    ) -> Result<Result<R, UnknownService>, Miss> {
        let inner = self.inner.read().unwrap_or_else(std::sync::PoisonError::into_inner);
        let hot = inner.subjects.get(id).ok_or(Miss::UnknownSubject)?;
        let subject_key = i64::from(hot.key);
        let Some(service_index) = inner.rulebook.services.iter().position(|s| s.code == service) else {
            return Ok(Err(UnknownService(service.to_string())));
        };
        let day = as_of.to_julian_day();
        if let Some(slot) = inner.verdicts.slot(service_index, id.kind(), hot, day) {
            let verdict = slot.get_or_init(|| {
                let plain = Standing { subject: *id, tier: Tier(hot.tier), listed: Vec::new(), records: Vec::new() };
                let decision = decide::decide(&inner.rulebook, service, as_of, &plain, &LinkedStandings::default())
                    .expect("the service was found in this rulebook");
                Arc::new(Verdict::of(&decision))
            });
            return Ok(Ok(answer(verdict, subject_key)));
        }
        let decision = Self::decide_with(&inner, *id, hot, service, as_of)?;
        Ok(decision.map(|decision| answer(&Verdict::of(&decision), subject_key)))
    }

    /// `check_with`, returning the verdict (tests compare it with the store's).
    pub fn check(&self, id: &SubjectId, service: &str, as_of: Date) -> Result<Result<Answered, UnknownService>, Miss> {
        self.check_with(id, service, as_of, |verdict, subject_key| Answered { verdict: Arc::new(verdict.clone()), subject_key })
    }

    pub fn key_of(&self, id: &SubjectId) -> Option<i64> {
        self.inner.read().unwrap_or_else(std::sync::PoisonError::into_inner).subjects.get(id).map(|hot| i64::from(hot.key))
    }

    pub fn rulebook(&self) -> Arc<Rulebook> {
        self.inner.read().unwrap_or_else(std::sync::PoisonError::into_inner).rulebook.clone()
    }

    pub fn len(&self) -> usize {
        self.inner.read().unwrap_or_else(std::sync::PoisonError::into_inner).subjects.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

fn push(inner: &mut Inner, key: u32, field: fn(&mut Extra) -> &mut Vec<u32>, value: u32) {
    if let Some(hot) = HotIndex::by_key_mut(inner, i64::from(key)) {
        let list = field(hot.extra.get_or_insert_with(Default::default));
        if !list.contains(&value) {
            list.push(value);
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_hot_state_fits_in_24_bytes() {
        // With its id beside it, one entry of the map stays within a 64-byte cache line.
        assert!(std::mem::size_of::<super::Hot>() <= 24, "{}", std::mem::size_of::<super::Hot>());
    }
}
