//! The hot index: what a decision needs about every subject, in memory.
//!
//! Per subject, 40 bytes: its id, its tier with the window of dates on which
//! that tier holds (from the cached summary), and — for the few subjects that
//! have any — their listing intervals and links. Decisions made from it are
//! the core's `decide` on the same standings the store would build, so they
//! cannot differ; when a window does not cover the asked date, the caller
//! falls back to the store. The writer thread updates the index after every
//! write, for the subjects the write touched.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use socred_core::decide::{self, Decision, LinkedStandings, Listed, Standing, UnknownService};
use socred_core::process::EntryId;
use socred_core::{Date, Rulebook, SubjectId, Tier};
use socred_store::{HotData, Store, StoreError};

/// Listings and links: only for the subjects that have any.
#[derive(Debug, Clone, Default)]
struct Extra {
    /// (list index in the rulebook, entry, since, until)
    listings: Vec<(u8, EntryId, i32, i32)>,
    guardians: Vec<u32>,
    represented: Vec<u32>,
    representatives: Vec<u32>,
}

/// One subject's hot state.
#[derive(Debug, Clone)]
pub struct Hot {
    id: SubjectId,
    tier: u8,
    /// Julian days; `valid_until` i32::MAX when open-ended; `valid_from` > `valid_until` when unknown.
    valid_from: i32,
    valid_until: i32,
    extra: Option<Box<Extra>>,
}

struct Inner {
    rulebook: Arc<Rulebook>,
    keys: HashMap<SubjectId, u32>,
    /// Indexed by the store's subject key.
    subjects: Vec<Option<Hot>>,
}

pub struct HotIndex {
    inner: RwLock<Inner>,
}

/// Why the index could not answer.
pub enum Miss {
    /// Not registered.
    UnknownSubject,
    /// A window does not cover the date: ask the store.
    Stale,
}

impl HotIndex {
    pub fn new(rulebook: Arc<Rulebook>) -> HotIndex {
        HotIndex { inner: RwLock::new(Inner { rulebook, keys: HashMap::new(), subjects: Vec::new() }) }
    }

    /// Loads every subject (on the writer's connection, at startup).
    pub fn load_all(&self, store: &Store) -> Result<usize, StoreError> {
        let data = store.hot_data(None)?;
        let mut inner = self.inner.write().expect("hot index lock");
        inner.rulebook = store.rulebook().clone();
        inner.keys.clear();
        inner.subjects.clear();
        Self::apply(&mut inner, data, None);
        Ok(inner.keys.len())
    }

    /// Reloads some subjects after a write.
    pub fn reload(&self, store: &Store, keys: &[i64]) -> Result<(), StoreError> {
        if keys.is_empty() {
            return Ok(());
        }
        if store.rulebook().fingerprint != self.inner.read().expect("hot index lock").rulebook.fingerprint {
            // A new rulebook changes every decision: reload everything.
            self.load_all(store)?;
            return Ok(());
        }
        let data = store.hot_data(Some(keys))?;
        let mut inner = self.inner.write().expect("hot index lock");
        Self::apply(&mut inner, data, Some(keys));
        Ok(())
    }

    fn apply(inner: &mut Inner, data: HotData, only: Option<&[i64]>) {
        let slot = |key: i64| usize::try_from(key).expect("subject keys are positive");
        if let Some(keys) = only {
            // The subjects reloaded lose what they had; links are rebuilt below from both ends.
            for key in keys {
                if let Some(Some(hot)) = inner.subjects.get_mut(slot(*key)) {
                    hot.extra = None;
                    hot.valid_from = i32::MAX;
                    hot.valid_until = i32::MIN;
                }
            }
        }
        for (key, id) in data.subjects {
            let index = slot(key);
            if inner.subjects.len() <= index {
                inner.subjects.resize(index + 1, None);
            }
            inner.keys.insert(id, key as u32);
            if inner.subjects[index].is_none() {
                inner.subjects[index] = Some(Hot { id, tier: 0, valid_from: i32::MAX, valid_until: i32::MIN, extra: None });
            }
        }
        for (key, tier, from, until) in data.summaries {
            if let Some(Some(hot)) = inner.subjects.get_mut(slot(key)) {
                hot.tier = tier;
                hot.valid_from = from.to_julian_day();
                hot.valid_until = until.map_or(i32::MAX, |d| d.to_julian_day());
            }
        }
        let lists: HashMap<String, u8> = inner.rulebook.lists.iter().enumerate().map(|(i, l)| (l.code.clone(), i as u8)).collect();
        for (key, list, entry, since, until) in data.listings {
            let (Some(list), Ok(entry)) = (lists.get(&list), EntryId::parse(&entry)) else { continue };
            if let Some(Some(hot)) = inner.subjects.get_mut(slot(key)) {
                hot.extra.get_or_insert_with(Default::default).listings.push((*list, entry, since.to_julian_day(), until.to_julian_day()));
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

    fn standing(inner: &Inner, key: u32, as_of: i32) -> Result<Standing, Miss> {
        let hot = inner.subjects.get(key as usize).and_then(Option::as_ref).ok_or(Miss::UnknownSubject)?;
        if !(hot.valid_from <= as_of && as_of < hot.valid_until) {
            return Err(Miss::Stale);
        }
        let listed = hot
            .extra
            .as_ref()
            .map(|extra| {
                extra
                    .listings
                    .iter()
                    .filter(|(_, _, since, until)| *since <= as_of && as_of < *until)
                    .map(|(list, entry, _, _)| Listed { list: inner.rulebook.lists[*list as usize].code.clone(), entry: entry.clone() })
                    .collect()
            })
            .unwrap_or_default();
        Ok(Standing { subject: hot.id, tier: Tier(hot.tier), listed })
    }

    /// Decides from memory, or says why it cannot.
    pub fn decide(&self, id: &SubjectId, service: &str, as_of: Date) -> Result<Result<Decision, UnknownService>, Miss> {
        let inner = self.inner.read().expect("hot index lock");
        let key = *inner.keys.get(id).ok_or(Miss::UnknownSubject)?;
        let day = as_of.to_julian_day();
        let own = Self::standing(&inner, key, day)?;
        let mut linked = LinkedStandings::default();
        if let Some(extra) = inner.subjects[key as usize].as_ref().and_then(|h| h.extra.as_ref()) {
            for (keys, out) in [
                (&extra.guardians, &mut linked.guardians),
                (&extra.represented, &mut linked.represented),
                (&extra.representatives, &mut linked.representatives),
            ] {
                for other in keys {
                    out.push(Self::standing(&inner, *other, day)?);
                }
            }
        }
        Ok(decide::decide(&inner.rulebook, service, as_of, &own, &linked))
    }

    pub fn key_of(&self, id: &SubjectId) -> Option<i64> {
        self.inner.read().expect("hot index lock").keys.get(id).map(|k| i64::from(*k))
    }

    pub fn rulebook(&self) -> Arc<Rulebook> {
        self.inner.read().expect("hot index lock").rulebook.clone()
    }

    pub fn len(&self) -> usize {
        self.inner.read().expect("hot index lock").keys.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

fn push(inner: &mut Inner, key: u32, field: fn(&mut Extra) -> &mut Vec<u32>, value: u32) {
    if let Some(Some(hot)) = inner.subjects.get_mut(key as usize) {
        let list = field(hot.extra.get_or_insert_with(Default::default));
        if !list.contains(&value) {
            list.push(value);
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_hot_state_fits_in_64_bytes() {
        assert!(std::mem::size_of::<Option<super::Hot>>() <= 64, "{}", std::mem::size_of::<Option<super::Hot>>());
    }
}
