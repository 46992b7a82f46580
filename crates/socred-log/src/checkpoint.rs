//! Signed checkpoints: the log's head (origin, size, root hash and socred's
//! extension lines) in the C2SP tlog-checkpoint text format, signed as a
//! C2SP signed note with Ed25519. Keys are written as Go's `note` package
//! writes them (`PRIVATE+KEY+name+id+key`, `name+id+key`), so existing
//! witnesses and tools can read them.

use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use ed25519_dalek::{Signer, Verifier};
use sha2::{Digest, Sha256};

use crate::merkle::Hash;

/// The signature algorithm byte of Ed25519 in signed notes.
const ED25519: u8 = 0x01;
/// A note, its signatures included, is at most this long.
pub const MAX_NOTE_BYTES: usize = 16 * 1024;
const MAX_LINE_BYTES: usize = 1024;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CheckpointError {
    #[error("malformed: {0}")]
    Malformed(String),
    #[error("no signature by the key {0} is on this checkpoint")]
    NotSignedBy(String),
    #[error("the signature by {0} does not verify: the checkpoint was altered or signed by another key")]
    BadSignature(String),
}

fn malformed(what: impl Into<String>) -> CheckpointError {
    CheckpointError::Malformed(what.into())
}

/// An origin (a log's name), as a checkpoint can carry it.
pub fn check_origin(origin: &str) -> Result<(), CheckpointError> {
    check_name("the origin", origin)
}

/// A key name or an origin: printable, no spaces, no `+`.
fn check_name(what: &str, name: &str) -> Result<(), CheckpointError> {
    let valid = !name.is_empty() && name.len() <= 256 && name.chars().all(|c| !c.is_whitespace() && !c.is_control() && c != '+');
    if valid { Ok(()) } else { Err(malformed(format!("{what} must be 1-256 printable characters without spaces or '+'"))) }
}

/// The head of a log at one size.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checkpoint {
    /// Names the log (the store's origin).
    pub origin: String,
    pub size: u64,
    pub root: Hash,
    /// Further lines, each non-empty (socred's: the heads of the access and
    /// check logs, the signing time).
    pub extensions: Vec<String>,
}

impl Checkpoint {
    /// The text that is signed: origin, size, base64 root, extension lines.
    pub fn body(&self) -> String {
        let mut text = format!("{}\n{}\n{}\n", self.origin, self.size, BASE64.encode(self.root));
        for line in &self.extensions {
            text.push_str(line);
            text.push('\n');
        }
        text
    }

    pub fn parse_body(text: &str) -> Result<Checkpoint, CheckpointError> {
        let Some(text) = text.strip_suffix('\n') else { return Err(malformed("the checkpoint does not end with a newline")) };
        let mut lines = text.split('\n');
        let origin = lines.next().unwrap_or_default().to_string();
        check_name("the origin", &origin)?;
        let size = lines.next().ok_or_else(|| malformed("no tree size"))?;
        if size.is_empty() || !size.bytes().all(|b| b.is_ascii_digit()) || (size.len() > 1 && size.starts_with('0')) {
            return Err(malformed("the tree size must be a decimal number without leading zeros"));
        }
        let size: u64 = size.parse().map_err(|_| malformed("the tree size is too large"))?;
        let root = lines.next().ok_or_else(|| malformed("no root hash"))?;
        let root: Hash = BASE64
            .decode(root)
            .ok()
            .and_then(|bytes| bytes.try_into().ok())
            .ok_or_else(|| malformed("the root hash must be 32 bytes in base64"))?;
        let extensions: Vec<String> = lines.map(str::to_string).collect();
        if extensions.iter().any(|line| line.is_empty() || line.len() > MAX_LINE_BYTES) {
            return Err(malformed("an extension line is empty or too long"));
        }
        Ok(Checkpoint { origin, size, root, extensions })
    }

    /// The value of the extension line `name value…`, if present.
    pub fn extension(&self, name: &str) -> Option<&str> {
        self.extensions.iter().find_map(|line| line.strip_prefix(name).and_then(|rest| rest.strip_prefix(' ')))
    }
}

fn key_id(name: &str, public: &[u8; 32]) -> [u8; 4] {
    let mut hasher = Sha256::new();
    hasher.update(name.as_bytes());
    hasher.update(b"\n");
    hasher.update([ED25519]);
    hasher.update(public);
    hasher.finalize()[..4].try_into().expect("4 bytes")
}

/// The key that signs checkpoints. Kept in a file outside the database:
/// whoever can rewrite the database cannot sign a rewritten head.
pub struct SigningKey {
    name: String,
    key: ed25519_dalek::SigningKey,
}

/// Shows the name and the public half only: the private key never reaches a log.
impl std::fmt::Debug for SigningKey {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(formatter, "SigningKey({})", self.verifier().to_text())
    }
}

impl SigningKey {
    /// A key from 32 random bytes.
    pub fn from_seed(name: &str, seed: [u8; 32]) -> Result<SigningKey, CheckpointError> {
        check_name("the key name", name)?;
        Ok(SigningKey { name: name.to_string(), key: ed25519_dalek::SigningKey::from_bytes(&seed) })
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    /// `PRIVATE+KEY+<name>+<id hex>+<base64(0x01 ‖ seed)>`.
    pub fn to_text(&self) -> String {
        let public = self.key.verifying_key().to_bytes();
        let mut encoded = vec![ED25519];
        encoded.extend_from_slice(&self.key.to_bytes());
        format!("PRIVATE+KEY+{}+{}+{}", self.name, hex::encode(key_id(&self.name, &public)), BASE64.encode(encoded))
    }

    pub fn parse(text: &str) -> Result<SigningKey, CheckpointError> {
        let text = text.trim();
        let rest = text.strip_prefix("PRIVATE+KEY+").ok_or_else(|| malformed("a signing key starts with PRIVATE+KEY+"))?;
        // The key's base64 may hold '+' itself.
        let parts: Vec<&str> = rest.splitn(3, '+').collect();
        let [name, id, key] = parts[..] else { return Err(malformed("a signing key is PRIVATE+KEY+name+id+key")) };
        let bytes = BASE64.decode(key).map_err(|_| malformed("the signing key is not base64"))?;
        let Some((&ED25519, seed)) = bytes.split_first() else { return Err(malformed("the signing key is not an Ed25519 key")) };
        let seed: [u8; 32] = seed.try_into().map_err(|_| malformed("an Ed25519 signing key is 32 bytes"))?;
        let key = SigningKey::from_seed(name, seed)?;
        if hex::encode(key_id(name, &key.key.verifying_key().to_bytes())) != id {
            return Err(malformed("the signing key's id does not match its name and key"));
        }
        Ok(key)
    }

    pub fn verifier(&self) -> VerifierKey {
        let public = self.key.verifying_key();
        VerifierKey { name: self.name.clone(), id: key_id(&self.name, &public.to_bytes()), key: public }
    }

    /// The checkpoint as a signed note.
    pub fn sign(&self, checkpoint: &Checkpoint) -> String {
        let body = checkpoint.body();
        let signature = self.key.sign(body.as_bytes());
        let mut blob = self.verifier().id.to_vec();
        blob.extend_from_slice(&signature.to_bytes());
        format!("{body}\n\u{2014} {} {}\n", self.name, BASE64.encode(blob))
    }
}

/// The public half of a [`SigningKey`]: what anyone needs to check a checkpoint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifierKey {
    name: String,
    id: [u8; 4],
    key: ed25519_dalek::VerifyingKey,
}

impl VerifierKey {
    pub fn name(&self) -> &str {
        &self.name
    }

    /// `<name>+<id hex>+<base64(0x01 ‖ public key)>`.
    pub fn to_text(&self) -> String {
        let mut encoded = vec![ED25519];
        encoded.extend_from_slice(self.key.as_bytes());
        format!("{}+{}+{}", self.name, hex::encode(self.id), BASE64.encode(encoded))
    }

    pub fn parse(text: &str) -> Result<VerifierKey, CheckpointError> {
        let parts: Vec<&str> = text.trim().splitn(3, '+').collect();
        let [name, id, key] = parts[..] else { return Err(malformed("a verifier key is name+id+key")) };
        check_name("the key name", name)?;
        let bytes = BASE64.decode(key).map_err(|_| malformed("the verifier key is not base64"))?;
        let Some((&ED25519, public)) = bytes.split_first() else { return Err(malformed("the verifier key is not an Ed25519 key")) };
        let public: [u8; 32] = public.try_into().map_err(|_| malformed("an Ed25519 public key is 32 bytes"))?;
        let key = ed25519_dalek::VerifyingKey::from_bytes(&public).map_err(|_| malformed("not an Ed25519 public key"))?;
        let expected = key_id(name, &public);
        if hex::encode(expected) != id {
            return Err(malformed("the verifier key's id does not match its name and key"));
        }
        Ok(VerifierKey { name: name.to_string(), id: expected, key })
    }

    /// Opens a signed note: its checkpoint, if this key signed it.
    pub fn open(&self, note: &str) -> Result<Checkpoint, CheckpointError> {
        let (body, signatures) = split_note(note)?;
        let signer = self.name.clone();
        for line in signatures.lines() {
            let Some(rest) = line.strip_prefix("\u{2014} ") else { return Err(malformed("a signature line starts with '— '")) };
            let Some((name, blob)) = rest.split_once(' ') else { return Err(malformed("a signature line is '— name signature'")) };
            if name != self.name {
                continue;
            }
            let blob = BASE64.decode(blob).map_err(|_| malformed("a signature is not base64"))?;
            if blob.len() != 4 + 64 || blob[..4] != self.id {
                continue;
            }
            let signature = ed25519_dalek::Signature::from_slice(&blob[4..]).map_err(|_| malformed("not an Ed25519 signature"))?;
            self.key.verify(body.as_bytes(), &signature).map_err(|_| CheckpointError::BadSignature(signer.clone()))?;
            return Checkpoint::parse_body(body);
        }
        Err(CheckpointError::NotSignedBy(signer))
    }
}

/// The body (ending with its newline) and the signature lines of a note.
fn split_note(note: &str) -> Result<(&str, &str), CheckpointError> {
    if note.len() > MAX_NOTE_BYTES {
        return Err(malformed(format!("a checkpoint is at most {MAX_NOTE_BYTES} bytes")));
    }
    let Some(blank) = note.find("\n\n") else { return Err(malformed("no blank line before the signatures")) };
    Ok((&note[..=blank], &note[blank + 2..]))
}

/// The checkpoint a note carries, unverified (to show it, or to find its key).
pub fn read_unverified(note: &str) -> Result<Checkpoint, CheckpointError> {
    Checkpoint::parse_body(split_note(note)?.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn checkpoint() -> Checkpoint {
        Checkpoint {
            origin: "socred.example/demo".into(),
            size: 12,
            root: [7; 32],
            extensions: vec!["socred-time 2026-12-03T10:00:00Z".into()],
        }
    }

    #[test]
    fn a_signed_checkpoint_opens_with_its_key_and_no_other() {
        let key = SigningKey::from_seed("demo", [1; 32]).unwrap();
        let note = key.sign(&checkpoint());
        let verifier = VerifierKey::parse(&key.verifier().to_text()).unwrap();
        assert_eq!(verifier.open(&note).unwrap(), checkpoint());
        assert_eq!(read_unverified(&note).unwrap().extension("socred-time"), Some("2026-12-03T10:00:00Z"));

        let altered = note.replace("\n12\n", "\n13\n");
        assert_eq!(verifier.open(&altered), Err(CheckpointError::BadSignature("demo".into())));
        let other = SigningKey::from_seed("demo", [2; 32]).unwrap().verifier();
        assert_eq!(other.open(&note), Err(CheckpointError::NotSignedBy("demo".into())));
    }

    #[test]
    fn keys_round_trip_through_their_text_and_refuse_a_wrong_id() {
        let key = SigningKey::from_seed("demo", [9; 32]).unwrap();
        let again = SigningKey::parse(&key.to_text()).unwrap();
        assert_eq!(again.verifier(), key.verifier());
        let text = key.verifier().to_text();
        let (name, rest) = text.split_once('+').unwrap();
        assert!(VerifierKey::parse(&format!("{name}x+{rest}")).is_err());
        assert!(SigningKey::parse("PRIVATE+KEY+demo+00000000+AQ==").is_err());
        assert!(SigningKey::from_seed("two words", [0; 32]).is_err());
        // Base64 may hold '+': every key of many seeds reads back.
        for seed in 0..64u8 {
            let key = SigningKey::from_seed("socred/demo", [seed; 32]).unwrap();
            assert_eq!(SigningKey::parse(&key.to_text()).unwrap().verifier(), key.verifier());
            assert_eq!(VerifierKey::parse(&key.verifier().to_text()).unwrap(), key.verifier());
        }
    }

    #[test]
    fn malformed_checkpoints_are_refused() {
        for body in ["", "origin\n", "origin\n012\nAAAA\n", "origin\n1\nnot-base64\n", "origin\n1\nAAAA\n", "o\n1\n", "o\n-1\n"] {
            assert!(Checkpoint::parse_body(body).is_err(), "{body:?}");
        }
        let mut lines = checkpoint().body();
        lines.push('\n');
        assert!(Checkpoint::parse_body(&lines).is_err(), "an empty extension line");
        assert!(read_unverified(&"x".repeat(MAX_NOTE_BYTES + 1)).is_err());
    }
}
