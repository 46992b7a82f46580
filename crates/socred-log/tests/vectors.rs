//! The golden vectors of docs/audit-format.md, produced by an independent
//! implementation of the document (`vectors/reference.py`, Python's standard
//! library and `cryptography`): the Rust implementation must reproduce them.

use base64::Engine;
use socred_log::merkle::{consistency_proof, inclusion_proof, leaf_hash, subtree_root, verify_consistency, verify_inclusion};
use socred_log::{SigningKey, VerifierKey, canonical_json_text, from_hex, to_hex};

fn vectors() -> serde_json::Value {
    serde_json::from_str(include_str!("vectors/vectors.json")).unwrap()
}

fn hexes(value: &serde_json::Value) -> Vec<String> {
    value.as_array().unwrap().iter().map(|v| v.as_str().unwrap().to_string()).collect()
}

#[test]
fn canonical_json_matches_the_reference() {
    let v = vectors();
    let case = &v["canonical_json"];
    assert_eq!(canonical_json_text(case["input"].as_str().unwrap()).unwrap(), case["canonical"].as_str().unwrap());
}

#[test]
fn the_merkle_tree_matches_the_reference() {
    let v = vectors();
    let m = &v["merkle"];
    let leaves: Vec<_> = hexes(&m["leaf_inputs_hex"]).iter().map(|input| leaf_hash(&hex::decode(input).unwrap())).collect();
    assert_eq!(leaves.iter().map(to_hex).collect::<Vec<_>>(), hexes(&m["leaves"]));
    let root = subtree_root(&leaves);
    assert_eq!(to_hex(&root), m["root_7"].as_str().unwrap());
    let root_3 = subtree_root(&leaves[..3]);
    assert_eq!(to_hex(&root_3), m["root_3"].as_str().unwrap());

    let path = inclusion_proof(&leaves, 3).unwrap();
    assert_eq!(path.iter().map(to_hex).collect::<Vec<_>>(), hexes(&m["inclusion_3_of_7"]));
    assert!(verify_inclusion(&leaves[3], 3, 7, &path, &root));

    for (old, key) in [(3u64, "consistency_3_to_7"), (4, "consistency_4_to_7")] {
        let proof = consistency_proof(&leaves, old).unwrap();
        assert_eq!(proof.iter().map(to_hex).collect::<Vec<_>>(), hexes(&m[key]));
        assert!(verify_consistency(old, &subtree_root(&leaves[..old as usize]), 7, &root, &proof));
    }
}

#[test]
fn the_signed_checkpoint_matches_the_reference_byte_for_byte() {
    let v = vectors();
    let case = &v["checkpoint"];
    let note = case["note"].as_str().unwrap();
    let verifier = VerifierKey::parse(case["verifier_key"].as_str().unwrap()).unwrap();
    let checkpoint = verifier.open(note).unwrap();
    assert_eq!(checkpoint.size, 7);
    assert_eq!(to_hex(&checkpoint.root), v["merkle"]["root_7"].as_str().unwrap());
    // Ed25519 is deterministic: the same key signs the same body identically.
    let key = SigningKey::from_seed("socred.example/demo", [1; 32]).unwrap();
    assert_eq!(key.verifier(), verifier);
    assert_eq!(key.sign(&checkpoint), note);
    assert_eq!(base64::engine::general_purpose::STANDARD.encode(from_hex(&to_hex(&checkpoint.root)).unwrap()).len(), 44);
}
