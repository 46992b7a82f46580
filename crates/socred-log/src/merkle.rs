//! The Merkle tree of the audit log, exactly as RFC 9162 section 2.1 defines
//! it (Certificate Transparency v2): leaves hashed with a 0x00 prefix, interior
//! nodes with 0x01, the tree split at the largest power of two below its size.
//! Any entry has an inclusion proof and any two sizes a consistency proof.

use sha2::{Digest, Sha256};

pub type Hash = [u8; 32];

/// The root of the empty tree: SHA-256 of nothing.
pub fn empty_root() -> Hash {
    Sha256::digest([]).into()
}

/// The hash of a leaf whose content is `entry` (its encoded bytes).
pub fn leaf_hash(entry: &[u8]) -> Hash {
    let mut hasher = Sha256::new();
    hasher.update([0u8]);
    hasher.update(entry);
    hasher.finalize().into()
}

pub fn node_hash(left: &Hash, right: &Hash) -> Hash {
    let mut hasher = Sha256::new();
    hasher.update([1u8]);
    hasher.update(left);
    hasher.update(right);
    hasher.finalize().into()
}

/// The largest power of two strictly below `n` (n ≥ 2).
fn split(n: u64) -> u64 {
    debug_assert!(n >= 2);
    1 << (63 - (n - 1).leading_zeros())
}

/// The right edge of a tree: the roots of its perfect subtrees, largest first
/// (one per set bit of the size). Appending a leaf touches only this, so the
/// store keeps it beside the log and the head costs O(log n) per entry.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Frontier {
    size: u64,
    nodes: Vec<Hash>,
}

impl Frontier {
    /// A frontier from its stored form; `None` if the node count does not
    /// match the size (one node per set bit).
    pub fn from_parts(size: u64, nodes: Vec<Hash>) -> Option<Frontier> {
        (nodes.len() == size.count_ones() as usize).then_some(Frontier { size, nodes })
    }

    pub fn size(&self) -> u64 {
        self.size
    }

    pub fn nodes(&self) -> &[Hash] {
        &self.nodes
    }

    pub fn push(&mut self, leaf: Hash) {
        let mut node = leaf;
        // Each trailing one bit of the old size is a perfect subtree the new
        // leaf completes a sibling of.
        let mut size = self.size;
        while size & 1 == 1 {
            let left = self.nodes.pop().expect("one node per set bit");
            node = node_hash(&left, &node);
            size >>= 1;
        }
        self.nodes.push(node);
        self.size += 1;
        debug_assert_eq!(self.nodes.len(), self.size.count_ones() as usize);
    }

    pub fn root(&self) -> Hash {
        let mut nodes = self.nodes.iter().rev();
        let Some(last) = nodes.next() else { return empty_root() };
        nodes.fold(*last, |right, left| node_hash(left, &right))
    }
}

/// MTH(D[range]) over leaf hashes.
pub fn subtree_root(leaves: &[Hash]) -> Hash {
    match leaves.len() {
        0 => empty_root(),
        1 => leaves[0],
        n => {
            let k = split(n as u64) as usize;
            node_hash(&subtree_root(&leaves[..k]), &subtree_root(&leaves[k..]))
        }
    }
}

/// The audit path of leaf `index` in the tree of `leaves` (RFC 9162 2.1.3.1).
pub fn inclusion_proof(leaves: &[Hash], index: u64) -> Option<Vec<Hash>> {
    if index >= leaves.len() as u64 {
        return None;
    }
    let mut path = Vec::new();
    collect_path(index as usize, leaves, &mut path);
    Some(path)
}

fn collect_path(index: usize, leaves: &[Hash], path: &mut Vec<Hash>) {
    if leaves.len() <= 1 {
        return;
    }
    let k = split(leaves.len() as u64) as usize;
    if index < k {
        collect_path(index, &leaves[..k], path);
        path.push(subtree_root(&leaves[k..]));
    } else {
        collect_path(index - k, &leaves[k..], path);
        path.push(subtree_root(&leaves[..k]));
    }
}

/// Checks an inclusion proof (RFC 9162 2.1.3.2).
pub fn verify_inclusion(leaf: &Hash, index: u64, size: u64, path: &[Hash], root: &Hash) -> bool {
    if index >= size {
        return false;
    }
    let (mut f_n, mut s_n, mut r) = (index, size - 1, *leaf);
    for p in path {
        if s_n == 0 {
            return false;
        }
        if f_n & 1 == 1 || f_n == s_n {
            r = node_hash(p, &r);
            while f_n & 1 == 0 && f_n != 0 {
                f_n >>= 1;
                s_n >>= 1;
            }
        } else {
            r = node_hash(&r, p);
        }
        f_n >>= 1;
        s_n >>= 1;
    }
    s_n == 0 && r == *root
}

/// The proof that the tree of the first `old_size` leaves is a prefix of the
/// tree of `leaves` (RFC 9162 2.1.4.1). Empty when the sizes are equal or the
/// old tree is empty (nothing to prove).
pub fn consistency_proof(leaves: &[Hash], old_size: u64) -> Option<Vec<Hash>> {
    let size = leaves.len() as u64;
    if old_size > size {
        return None;
    }
    let mut proof = Vec::new();
    if old_size > 0 && old_size < size {
        subproof(old_size as usize, leaves, true, &mut proof);
    }
    Some(proof)
}

fn subproof(m: usize, leaves: &[Hash], whole: bool, proof: &mut Vec<Hash>) {
    let n = leaves.len();
    if m == n {
        if !whole {
            proof.push(subtree_root(leaves));
        }
        return;
    }
    let k = split(n as u64) as usize;
    if m <= k {
        subproof(m, &leaves[..k], whole, proof);
        proof.push(subtree_root(&leaves[k..]));
    } else {
        subproof(m - k, &leaves[k..], false, proof);
        proof.push(subtree_root(&leaves[..k]));
    }
}

/// Checks a consistency proof between two heads (RFC 9162 2.1.4.2).
pub fn verify_consistency(old_size: u64, old_root: &Hash, size: u64, root: &Hash, proof: &[Hash]) -> bool {
    if old_size > size {
        return false;
    }
    if old_size == size {
        return proof.is_empty() && old_root == root;
    }
    if old_size == 0 {
        return proof.is_empty() && *old_root == empty_root();
    }
    if proof.is_empty() {
        return false;
    }
    let mut path: Vec<Hash> = Vec::with_capacity(proof.len() + 1);
    if old_size.is_power_of_two() {
        path.push(*old_root);
    }
    path.extend_from_slice(proof);
    let (mut f_n, mut s_n) = (old_size - 1, size - 1);
    while f_n & 1 == 1 {
        f_n >>= 1;
        s_n >>= 1;
    }
    let (mut f_r, mut s_r) = (path[0], path[0]);
    for c in &path[1..] {
        if s_n == 0 {
            return false;
        }
        if f_n & 1 == 1 || f_n == s_n {
            f_r = node_hash(c, &f_r);
            s_r = node_hash(c, &s_r);
            while f_n & 1 == 0 && f_n != 0 {
                f_n >>= 1;
                s_n >>= 1;
            }
        } else {
            s_r = node_hash(&s_r, c);
        }
        f_n >>= 1;
        s_n >>= 1;
    }
    s_n == 0 && f_r == *old_root && s_r == *root
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn leaves(n: u64) -> Vec<Hash> {
        (0..n).map(|i| leaf_hash(&i.to_le_bytes())).collect()
    }

    #[test]
    fn the_frontier_root_is_the_tree_root_at_every_size() {
        let all = leaves(70);
        let mut frontier = Frontier::default();
        assert_eq!(frontier.root(), subtree_root(&[]));
        for (size, leaf) in all.iter().enumerate() {
            frontier.push(*leaf);
            assert_eq!(frontier.root(), subtree_root(&all[..=size]), "size {}", size + 1);
            let stored = Frontier::from_parts(frontier.size(), frontier.nodes().to_vec()).unwrap();
            assert_eq!(stored, frontier);
        }
        assert!(Frontier::from_parts(3, vec![[0; 32]]).is_none());
    }

    /// RFC 6962's reference tree of seven leaves, split 4 + 3: the root is
    /// built from the two halves by hand, not by the code under test.
    #[test]
    fn seven_leaves_split_at_four() {
        let all = leaves(7);
        let left = node_hash(&node_hash(&all[0], &all[1]), &node_hash(&all[2], &all[3]));
        let right = node_hash(&node_hash(&all[4], &all[5]), &all[6]);
        assert_eq!(subtree_root(&all), node_hash(&left, &right));
        assert_eq!(inclusion_proof(&all, 6).unwrap(), vec![node_hash(&all[4], &all[5]), left]);
    }

    proptest! {
        #[test]
        fn inclusion_proofs_verify_and_fail_when_anything_changes(size in 1u64..80, index in 0u64..80) {
            let index = index % size;
            let all = leaves(size);
            let root = subtree_root(&all);
            let proof = inclusion_proof(&all, index).unwrap();
            prop_assert!(verify_inclusion(&all[index as usize], index, size, &proof, &root));
            prop_assert!(!verify_inclusion(&leaf_hash(b"other"), index, size, &proof, &root));
            if size > 1 {
                prop_assert!(!verify_inclusion(&all[index as usize], (index + 1) % size, size, &proof, &root));
            }
            prop_assert!(!verify_inclusion(&all[index as usize], index, size, &proof[..proof.len().saturating_sub(1)], &root) || proof.is_empty());
        }

        #[test]
        fn consistency_proofs_verify_and_fail_for_a_rewritten_prefix(size in 1u64..80, old in 0u64..80) {
            let old = old % (size + 1);
            let all = leaves(size);
            let (old_root, root) = (subtree_root(&all[..old as usize]), subtree_root(&all));
            let proof = consistency_proof(&all, old).unwrap();
            prop_assert!(verify_consistency(old, &old_root, size, &root, &proof));
            if old > 0 {
                let mut rewritten = all.clone();
                rewritten[(old - 1) as usize] = leaf_hash(b"rewritten");
                let forged_root = subtree_root(&rewritten);
                let forged = consistency_proof(&rewritten, old).unwrap();
                prop_assert!(!verify_consistency(old, &old_root, size, &forged_root, &forged));
            }
            if old < size && old > 0 {
                // A shorter tree cannot pass as a longer one.
                prop_assert!(!verify_consistency(size, &root, old, &old_root, &proof));
            }
        }
    }
}
