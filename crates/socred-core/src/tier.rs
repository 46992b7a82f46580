//! The tier table: named tiers by points, some of which lock a subject in.

use serde::{Serialize, Serializer};

/// A tier, as its rank in the table: 0 is the worst tier, higher is better,
/// so `a > b` reads "a is a better tier than b".
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Tier(pub u8);

impl Serialize for Tier {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_u8(self.0)
    }
}

/// One row of the tier table, as written in the rulebook.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TierSpec {
    pub name: String,
    /// Lowest score in this tier; `None` for the last (worst) tier.
    pub min_points: Option<i64>,
    /// Entering this tier fixes the subject in it for this long; 0 means no lock.
    pub lock_years: u32,
    pub description: String,
    pub description_zh: String,
}

/// Tiers ordered by rank (index 0 = worst).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TierTable {
    /// Worst first, so that a tier's rank is its index.
    by_rank: Vec<TierSpec>,
}

impl TierTable {
    /// Builds the table from the rulebook's order, best first. The caller has
    /// checked that thresholds strictly decrease and only the last lacks one.
    pub fn from_best_to_worst(mut specs: Vec<TierSpec>) -> TierTable {
        assert!(specs.len() >= 2 && specs.len() <= u8::MAX as usize);
        assert!(specs.last().is_some_and(|s| s.min_points.is_none()));
        specs.reverse();
        TierTable { by_rank: specs }
    }

    pub fn len(&self) -> usize {
        self.by_rank.len()
    }

    pub fn is_empty(&self) -> bool {
        self.by_rank.is_empty()
    }

    pub fn best(&self) -> Tier {
        Tier((self.by_rank.len() - 1) as u8)
    }

    /// The tier a score falls into.
    pub fn for_points(&self, points: i64) -> Tier {
        for rank in (1..self.by_rank.len()).rev() {
            if points >= self.by_rank[rank].min_points.expect("all but the worst have a threshold") {
                return Tier(rank as u8);
            }
        }
        Tier(0)
    }

    pub fn spec(&self, tier: Tier) -> &TierSpec {
        &self.by_rank[tier.0 as usize]
    }

    pub fn name(&self, tier: Tier) -> &str {
        &self.spec(tier).name
    }

    pub fn lock_years(&self, tier: Tier) -> u32 {
        self.spec(tier).lock_years
    }

    pub fn by_name(&self, name: &str) -> Option<Tier> {
        self.by_rank.iter().position(|s| s.name == name).map(|rank| Tier(rank as u8))
    }

    /// The next tier up, if any.
    pub fn above(&self, tier: Tier) -> Option<Tier> {
        (usize::from(tier.0) + 1 < self.by_rank.len()).then(|| Tier(tier.0 + 1))
    }

    /// Best first, as the rulebook lists them.
    pub fn iter_best_first(&self) -> impl Iterator<Item = (Tier, &TierSpec)> {
        self.by_rank.iter().enumerate().rev().map(|(rank, spec)| (Tier(rank as u8), spec))
    }
}
