//! The log of socred, independent of any database: how entries are encoded
//! and hashed, the Merkle tree over them with its proofs, and signed
//! checkpoints. `docs/audit-format.md` specifies all of it; the golden
//! vectors in `tests/vectors.rs` pin it.

pub mod checkpoint;
pub mod encoding;
pub mod merkle;

pub use checkpoint::{Checkpoint, CheckpointError, SigningKey, VerifierKey};
pub use encoding::{Encoder, canonical_json, canonical_json_text};
pub use merkle::{Frontier, Hash};

/// A hash as lower-case hex, as the store keeps and shows it.
pub fn to_hex(hash: &Hash) -> String {
    hex::encode(hash)
}

/// A hash from its hex form.
pub fn from_hex(text: &str) -> Option<Hash> {
    hex::decode(text).ok().and_then(|bytes| bytes.try_into().ok())
}
