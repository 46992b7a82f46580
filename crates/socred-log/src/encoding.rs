//! The byte encoding every log hash is computed over (docs/audit-format.md,
//! "Encoding"). Values are domain values, never a backend's storage form:
//! texts as UTF-8, dates as `YYYY-MM-DD`, instants as milliseconds since the
//! Unix epoch, JSON in canonical form.

use sha2::{Digest, Sha256};

/// Marks an absent optional text (a length no text can have).
pub const ABSENT: u32 = u32::MAX;

/// Appends encoded values to a SHA-256 state.
pub struct Encoder<'h> {
    hasher: &'h mut Sha256,
}

impl<'h> Encoder<'h> {
    pub fn new(hasher: &'h mut Sha256) -> Encoder<'h> {
        Encoder { hasher }
    }

    /// A text: its byte length as u32 little-endian, then its UTF-8 bytes.
    pub fn text(&mut self, value: &str) -> &mut Self {
        self.bytes(value.as_bytes())
    }

    /// Bytes with their length, as [`Encoder::text`].
    pub fn bytes(&mut self, value: &[u8]) -> &mut Self {
        let length = u32::try_from(value.len()).expect("encoded values are bounded far below 4 GiB");
        assert!(length != ABSENT);
        self.hasher.update(length.to_le_bytes());
        self.hasher.update(value);
        self
    }

    /// An optional text: [`ABSENT`] when there is none.
    pub fn optional(&mut self, value: Option<&str>) -> &mut Self {
        match value {
            Some(value) => self.text(value),
            None => {
                self.hasher.update(ABSENT.to_le_bytes());
                self
            }
        }
    }

    /// A signed integer (a count, a sequence number, an instant in unix
    /// milliseconds): 8 bytes, little-endian.
    pub fn integer(&mut self, value: i64) -> &mut Self {
        self.hasher.update(value.to_le_bytes());
        self
    }

    /// A JSON value, as its canonical text.
    pub fn json(&mut self, value: &serde_json::Value) -> &mut Self {
        self.text(&canonical_json(value))
    }
}

/// The canonical text of a JSON value: object members sorted by the bytes of
/// their keys, no whitespace, strings escaped minimally (`"`, `\`, control
/// characters), integers without a fraction or exponent. Two stores, or two
/// databases, that hold the same value produce the same text.
pub fn canonical_json(value: &serde_json::Value) -> String {
    let mut out = String::new();
    write_canonical(value, &mut out);
    out
}

fn write_canonical(value: &serde_json::Value, out: &mut String) {
    use serde_json::Value;
    match value {
        Value::Object(members) => {
            let mut sorted: Vec<(&String, &Value)> = members.iter().collect();
            sorted.sort_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()));
            out.push('{');
            for (index, (key, member)) in sorted.into_iter().enumerate() {
                if index > 0 {
                    out.push(',');
                }
                out.push_str(&Value::String(key.clone()).to_string());
                out.push(':');
                write_canonical(member, out);
            }
            out.push('}');
        }
        Value::Array(items) => {
            out.push('[');
            for (index, item) in items.iter().enumerate() {
                if index > 0 {
                    out.push(',');
                }
                write_canonical(item, out);
            }
            out.push(']');
        }
        // serde_json writes scalars without whitespace and escapes strings minimally.
        scalar => out.push_str(&scalar.to_string()),
    }
}

/// The canonical form of a stored JSON text, or `None` if it is not JSON.
pub fn canonical_json_text(text: &str) -> Option<String> {
    serde_json::from_str::<serde_json::Value>(text).ok().map(|value| canonical_json(&value))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn canonical_json_sorts_members_at_every_depth_and_drops_whitespace() {
        let text = r#"{ "b": 1, "a": {"z": [3, {"y": null, "x": "é\n"}], "c": true} }"#;
        assert_eq!(canonical_json_text(text).unwrap(), r#"{"a":{"c":true,"z":[3,{"x":"é\n","y":null}]},"b":1}"#);
        assert_eq!(canonical_json_text("not json"), None);
    }

    #[test]
    fn absent_and_empty_texts_differ() {
        let digest = |value: Option<&str>| {
            let mut hasher = Sha256::new();
            Encoder::new(&mut hasher).optional(value);
            hasher.finalize()
        };
        assert_ne!(digest(None), digest(Some("")));
    }
}
