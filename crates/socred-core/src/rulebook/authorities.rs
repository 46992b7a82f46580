//! The authorities a rulebook knows: by the name their records carry, their
//! name in Chinese and the address a written notice gives for the authority
//! that issued it. An authority the rulebook does not list is shown as its
//! records name it, without an address.

use std::collections::HashSet;

use serde::{Deserialize, Serialize};
use toml::Spanned;

use super::{Problems, check_chinese, is_text, says};

pub const MAX_AUTHORITIES: usize = 256;
/// As a record's source may be long.
pub const MAX_AUTHORITY_NAME_CHARS: usize = 200;
pub const MAX_AUTHORITY_ADDRESS_CHARS: usize = 300;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Authority {
    /// Exactly as records and entries name it.
    pub name: String,
    pub name_zh: String,
    /// Where it may be written to; empty when the rulebook gives none.
    pub address: String,
    pub address_zh: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawAuthority {
    name: String,
    #[serde(default)]
    name_zh: String,
    #[serde(default)]
    address: String,
    #[serde(default)]
    address_zh: String,
}

pub(super) fn validate_authorities(raw: Vec<Spanned<RawAuthority>>, problems: &mut Problems<'_>) -> Vec<Authority> {
    if raw.len() > MAX_AUTHORITIES {
        problems.add_unplaced("authority", says::TOO_MANY.with([("count", &raw.len()), ("max", &MAX_AUTHORITIES)]));
    }
    let mut names = HashSet::new();
    let mut authorities = Vec::with_capacity(raw.len());
    for (index, spanned) in raw.into_iter().enumerate() {
        let span = spanned.span();
        let raw = spanned.into_inner();
        let key = |field: &str| format!("authority[{index}].{field}");
        if !is_text(&raw.name, MAX_AUTHORITY_NAME_CHARS) {
            problems.add(&span, key("name"), says::TEXT_LENGTH.with([("max", &MAX_AUTHORITY_NAME_CHARS)]));
        } else if raw.name.trim() != raw.name {
            problems.add(&span, key("name"), says::NAME_SPACES);
        } else if !names.insert(raw.name.clone()) {
            problems.add(&span, key("name"), says::LISTED_TWICE.with([("name", &format!("{:?}", raw.name))]));
        }
        check_chinese(problems, &span, key("name"), &raw.name, &raw.name_zh, MAX_AUTHORITY_NAME_CHARS);
        if !raw.address.is_empty() && !is_text(&raw.address, MAX_AUTHORITY_ADDRESS_CHARS) {
            problems.add(&span, key("address"), says::TEXT_LENGTH.with([("max", &MAX_AUTHORITY_ADDRESS_CHARS)]));
        }
        if raw.address.is_empty() && !raw.address_zh.is_empty() {
            problems.add(&span, key("address"), says::ADDRESS_REQUIRED);
        }
        check_chinese(problems, &span, key("address"), &raw.address, &raw.address_zh, MAX_AUTHORITY_ADDRESS_CHARS);
        authorities.push(Authority { name: raw.name, name_zh: raw.name_zh, address: raw.address, address_zh: raw.address_zh });
    }
    authorities
}

#[cfg(test)]
mod tests {
    use crate::Rulebook;

    fn with(block: &str) -> Result<Rulebook, crate::rulebook::RulebookError> {
        Rulebook::from_toml(&format!("{}\n{block}", crate::DEFAULT_RULEBOOK), "test.toml")
    }

    #[test]
    fn the_default_rulebook_names_its_authorities_in_both_languages_with_addresses() {
        let rulebook = Rulebook::from_toml(crate::DEFAULT_RULEBOOK, "default.toml").unwrap();
        let court = rulebook.authority("Intermediate People's Court").expect("the court is listed");
        assert_eq!(court.name_zh, "中级人民法院");
        assert!(!court.address.is_empty() && !court.address_zh.is_empty());
        assert!(rulebook.authority("intermediate people's court").is_none(), "names are matched exactly");
        assert!(rulebook.authority("Nobody's Court").is_none());
    }

    #[test]
    fn an_authority_is_refused_with_the_key_and_the_reason() {
        for (block, key) in [
            ("[[authority]]\nname = \"\"\nname_zh = \"法院\"", "authority[13].name"),
            ("[[authority]]\nname = \" Padded Court\"\nname_zh = \"法院\"", "authority[13].name"),
            ("[[authority]]\nname = \"Intermediate People's Court\"\nname_zh = \"法院\"", "authority[13].name"),
            ("[[authority]]\nname = \"Court\"", "authority[13].name_zh"),
            ("[[authority]]\nname = \"Court\"\nname_zh = \"Court\"", "authority[13].name_zh"),
            ("[[authority]]\nname = \"Court\"\nname_zh = \"法院\"\naddress = \"1 Road\"", "authority[13].address_zh"),
            ("[[authority]]\nname = \"Court\"\nname_zh = \"法院\"\naddress_zh = \"路1号\"", "authority[13].address"),
            ("[[authority]]\nname = \"Court\"\nname_zh = \"法院\"\ncolour = \"red\"", "authority"),
        ] {
            let problems = with(block).expect_err(block).problems;
            assert!(problems.iter().any(|problem| problem.key.starts_with(key)), "{block}: {problems:?}");
        }
        let long = format!("[[authority]]\nname = \"Court\"\nname_zh = \"法院\"\naddress = \"{}\"\naddress_zh = \"路\"", "x".repeat(301));
        assert!(with(&long).expect_err("too long").problems.iter().any(|problem| problem.key == "authority[13].address"));
    }
}
