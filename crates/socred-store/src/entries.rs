//! The public list on the embedded store: the derived `entries` table,
//! recomputed from the files of the subjects waiting in `dirty` (every write
//! marks the subjects it changed), searched by part of a name or a masked id,
//! and held against the files by `audit verify`.

use serde::Serialize;
use socred_core::Date;
use socred_i18n::Argument;
use socred_i18n::reasons::Cause;

/// Dirty subjects recomputed per transaction by the list refresh.
pub(crate) const REFRESH_BATCH: u32 = 2_000;

/// What the public may search the published lists by: part of a name, or a
/// whole masked id (`110101********4514`). A full identity number is refused:
/// matching it exactly would tell anyone whether a guess of the hidden digits
/// is right.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PublicSearch {
    Name(String),
    MaskedId(String),
}

impl PublicSearch {
    /// `None` for an empty search; the reason when the text is refused.
    pub fn parse(text: &str) -> std::result::Result<Option<PublicSearch>, Cause> {
        let text = text.trim();
        if text.is_empty() {
            return Ok(None);
        }
        if text.chars().count() > MAX_PUBLIC_SEARCH_CHARS {
            return Err(Cause::Field(socred_core::record::FieldError::TooLong(text.chars().count(), MAX_PUBLIC_SEARCH_CHARS)));
        }
        if socred_core::id::contains_subject_id(text) {
            return Err(Cause::message("input-search-full-number", vec![]));
        }
        if text.contains('*') {
            let upper = text.to_ascii_uppercase();
            let bytes = upper.as_bytes();
            let well_formed = bytes.len() == socred_core::id::ID_LENGTH
                && bytes[..6].iter().all(u8::is_ascii_alphanumeric)
                && bytes[6..14].iter().all(|b| *b == b'*')
                && bytes[14..].iter().all(u8::is_ascii_alphanumeric);
            if !well_formed {
                return Err(Cause::message("input-search-masked-form", vec![]));
            }
            return Ok(Some(PublicSearch::MaskedId(upper)));
        }
        Ok(Some(PublicSearch::Name(text.to_string())))
    }

    /// A search as the stores' queries take it: a LIKE pattern for a name
    /// (its wildcards escaped), or the masked id; neither for no search.
    pub(crate) fn patterns(search: Option<&str>) -> crate::Result<(Option<String>, Option<String>)> {
        let search =
            search.map(PublicSearch::parse).transpose().map_err(|cause| crate::StoreError::invalid_cause("search", cause))?.flatten();
        Ok(match search {
            None => (None, None),
            Some(PublicSearch::Name(name)) => {
                (Some(format!("%{}%", name.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_"))), None)
            }
            Some(PublicSearch::MaskedId(masked)) => (None, Some(masked)),
        })
    }
}

pub const MAX_PUBLIC_SEARCH_CHARS: usize = 128;
/// An authority's name as the list shows it (a rule's authority is its title).
pub const MAX_PUBLIC_AUTHORITY_CHARS: usize = 300;
/// Authorities the filter offers: the published list's distinct ones, at most this many.
pub const MAX_PUBLIC_AUTHORITIES: u32 = 500;

/// Which published entries to show: of one list, matching a search (see
/// [`PublicSearch`]), recorded by one authority, about subjects of one region.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PublicFilter {
    pub list: Option<String>,
    pub search: Option<String>,
    pub authority: Option<String>,
    /// A province (the region code's first two digits, `11`) or a city
    /// (its first four, `1101`): the subject's region, as its identifier
    /// states it (a person's first characters; an organisation's from the
    /// third). Never finer: the list masks an organisation's code after its
    /// sixth character, and a filter must not tell what the mask hides.
    pub region: Option<String>,
}

/// The filter as the stores' queries take it.
pub(crate) struct FilterPatterns {
    pub list: Option<String>,
    pub name: Option<String>,
    pub masked: Option<String>,
    pub authority: Option<String>,
    pub region: Option<String>,
}

impl PublicFilter {
    pub fn search(text: &str) -> PublicFilter {
        PublicFilter { search: Some(text.to_string()), ..PublicFilter::default() }
    }

    pub fn list(code: &str) -> PublicFilter {
        PublicFilter { list: Some(code.to_string()), ..PublicFilter::default() }
    }

    /// Empty texts are no filter; the reason, by field, when one is refused.
    pub fn checked(&self) -> std::result::Result<PublicFilter, (&'static str, Cause)> {
        let present = |value: &Option<String>| value.as_deref().map(str::trim).filter(|text| !text.is_empty()).map(str::to_string);
        let region = present(&self.region);
        if let Some(region) = &region {
            let bytes = region.as_bytes();
            let digits = bytes.iter().all(u8::is_ascii_digit);
            if !(digits && (bytes.len() == 2 || bytes.len() == 4)) {
                return Err(("region", Cause::message("input-region-form", vec![("region", Argument::Text(format!("{region:?}")))])));
            }
            let province = (bytes[0] - b'0') * 10 + (bytes[1] - b'0');
            if !socred_core::id::PROVINCES.contains(&province) {
                return Err(("region", Cause::message("input-region-province", vec![("region", Argument::Text(format!("{region:?}")))])));
            }
        }
        let authority = present(&self.authority);
        if let Some(authority) = &authority
            && (authority.chars().count() > MAX_PUBLIC_AUTHORITY_CHARS || authority.chars().any(char::is_control))
        {
            let max = Argument::Number(MAX_PUBLIC_AUTHORITY_CHARS as i64);
            return Err(("authority", Cause::message("input-authority-filter", vec![("max", max)])));
        }
        if let Some(search) = &self.search {
            PublicSearch::parse(search).map_err(|reason| ("search", reason))?;
        }
        Ok(PublicFilter { list: present(&self.list), search: present(&self.search), authority, region })
    }

    pub(crate) fn patterns(&self) -> crate::Result<FilterPatterns> {
        let checked = self.checked().map_err(|(field, cause)| crate::StoreError::invalid_cause(field, cause))?;
        let (name, masked) = PublicSearch::patterns(checked.search.as_deref())?;
        Ok(FilterPatterns { list: checked.list, name, masked, authority: checked.authority, region: checked.region })
    }
}

/// The public list's name for an entry: a digest of its id keyed with the
/// store's secret (stable, so a line can be cited, but not traceable to the
/// record or case behind it). Hex digits can spell a credit code (which is
/// read in any case); a digest that holds one, or 17 digits in a row, is
/// drawn again with a counter, so the public list never shows anything a
/// reader could take for a full number.
pub fn public_alias(secret: &str, entry: &str) -> String {
    const MAX_DRAWS: u64 = 1_000;
    (0..MAX_DRAWS)
        .map(|draw| alias_draw(secret, entry, draw))
        .find(|alias| !socred_core::id::contains_subject_id(alias))
        .unwrap_or_else(|| unreachable!("{MAX_DRAWS} digests in a row each spelled an identity number"))
}

fn alias_draw(secret: &str, entry: &str, draw: u64) -> String {
    use sha2::{Digest, Sha256};
    let mut hasher = Sha256::new();
    for part in [secret, "public-entry", entry] {
        hasher.update((part.len() as u64).to_le_bytes());
        hasher.update(part.as_bytes());
    }
    // The first draw hashes as aliases always have, so cited ones stand.
    if draw > 0 {
        hasher.update(draw.to_le_bytes());
    }
    format!("e-{}", &hex::encode(hasher.finalize())[..24])
}

/// A line of the public list: never the score, never the file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PublicEntry {
    /// The entry's public alias (`e-` and 24 hex digits), not its internal id.
    pub entry: String,
    pub list: String,
    pub list_title: String,
    pub name: String,
    pub masked_id: String,
    pub authority: String,
    pub legal_basis: String,
    #[serde(with = "socred_core::date::serde_date")]
    pub listed_since: Date,
    #[serde(with = "socred_core::date::serde_date::option")]
    pub listed_until: Option<Date>,
    /// Which subject the line is about, keyed with the store's secret: for
    /// grouping a subject's lines on a page, never shown or sent (two people
    /// may share a name and a masked id).
    #[serde(skip)]
    #[cfg_attr(feature = "openapi", schema(ignore))]
    pub subject_key: String,
}

/// The key that groups one subject's lines of the public list (see [`PublicEntry::subject_key`]).
pub fn public_subject_key(secret: &str, subject: &str) -> String {
    alias_draw(secret, &format!("subject {subject}"), 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_public_alias_never_spells_an_identity_number() {
        let secret = "a store's secret";
        let spelling = (0..2_000_000u32)
            .map(|n| format!("entry-{n}"))
            .find(|entry| socred_core::id::contains_subject_id(&alias_draw(secret, entry, 0)))
            .expect("some first digest spells a credit code or 17 digits");
        let alias = public_alias(secret, &spelling);
        assert!(!socred_core::id::contains_subject_id(&alias), "{alias}");
        assert!(alias.starts_with("e-") && alias.len() == 26 && alias[2..].bytes().all(|b| b.is_ascii_hexdigit()), "{alias}");
        assert_eq!(public_alias(secret, &spelling), alias, "stable");
        // Every other alias is the first digest, as it always was.
        assert_eq!(public_alias(secret, "entry-clean"), alias_draw(secret, "entry-clean", 0));
    }
}
