//! The two languages of what socred shows people: English and Simplified
//! Chinese. Messages are Project Fluent files under `locales/` (one per
//! language and area, compiled in), looked up by id; [`Language::negotiate`]
//! reads an `Accept-Language` header; dates and numbers follow the reader.
//!
//! Every message exists in both languages (a test compares the two sets), so
//! a lookup never falls back to another language; an id the files lack is
//! a programming error, shown as the id itself and caught by the test that
//! scans the callers' sources.

pub mod access;
pub mod document;
pub mod mail;
pub mod notice;
pub mod problems;
pub mod reasons;
pub mod refusals;
pub mod words;

use std::sync::LazyLock;

use fluent_bundle::concurrent::FluentBundle;
use fluent_bundle::{FluentArgs, FluentResource, FluentValue};
use socred_core::Date;

/// A language socred speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Language {
    #[default]
    English,
    /// Simplified Chinese, as used in mainland China.
    Chinese,
}

/// The longest `Accept-Language` header read, and the most ranges in it.
pub const MAX_ACCEPT_LANGUAGE_BYTES: usize = 1_024;
pub const MAX_ACCEPT_LANGUAGE_RANGES: usize = 32;
/// The longest language tag read (RFC 5646 §4.4.1 advises room for 35).
pub const MAX_TAG_CHARS: usize = 35;

impl Language {
    pub const ALL: [Language; 2] = [Language::English, Language::Chinese];

    /// The BCP 47 tag (`<html lang>`, the language cookie).
    pub fn tag(self) -> &'static str {
        match self {
            Language::English => "en",
            Language::Chinese => "zh-CN",
        }
    }

    /// A text written in both languages, in this one: the Chinese when it is
    /// not blank (a text may predate its translation), else the English.
    pub fn pick<'a>(self, english: &'a str, chinese: &'a str) -> &'a str {
        if self == Language::Chinese && !chinese.trim().is_empty() { chinese } else { english }
    }

    /// The language's name in itself, for the language switch.
    pub fn own_name(self) -> &'static str {
        match self {
            Language::English => "English",
            Language::Chinese => "中文",
        }
    }

    /// A language from a tag: `en`, `en-GB`, `zh`, `zh-CN`, `zh-Hans`, any
    /// case. Every Chinese tag is read as Chinese: simplified characters
    /// serve a reader of traditional ones better than English does.
    /// A tag that is not well formed (subtags of 1–8 letters or digits,
    /// at most [`MAX_TAG_CHARS`] in all) names no language.
    pub fn from_tag(tag: &str) -> Option<Language> {
        let tag = tag.trim();
        let well_formed = tag.len() <= MAX_TAG_CHARS
            && tag.split(['-', '_']).all(|part| (1..=8).contains(&part.len()) && part.bytes().all(|b| b.is_ascii_alphanumeric()));
        if !well_formed {
            return None;
        }
        let primary = tag.split(['-', '_']).next().unwrap_or("");
        if primary.eq_ignore_ascii_case("en") {
            Some(Language::English)
        } else if primary.eq_ignore_ascii_case("zh") {
            Some(Language::Chinese)
        } else {
            None
        }
    }

    /// The language an `Accept-Language` header prefers among socred's, if
    /// any: the highest weight wins, the earlier range on a tie. A header
    /// longer than [`MAX_ACCEPT_LANGUAGE_BYTES`] or a range beyond
    /// [`MAX_ACCEPT_LANGUAGE_RANGES`] is not read; a malformed weight counts as 0.
    pub fn negotiate(header: &str) -> Option<Language> {
        if header.len() > MAX_ACCEPT_LANGUAGE_BYTES {
            return None;
        }
        let mut best: Option<(u16, Language)> = None;
        for range in header.split(',').take(MAX_ACCEPT_LANGUAGE_RANGES) {
            let mut parts = range.split(';');
            let Some(language) = parts.next().and_then(Language::from_tag) else { continue };
            let weight = parts.find_map(|part| part.trim().strip_prefix("q=")).map_or(Some(1000), weight_of).unwrap_or(0);
            if weight > 0 && best.is_none_or(|(held, _)| weight > held) {
                best = Some((weight, language));
            }
        }
        best.map(|(_, language)| language)
    }

    /// A day as this language writes it: ISO 8601 in English (as the ledger
    /// and the API do), 2026年12月6日 in Chinese.
    pub fn date(self, day: Date) -> String {
        match self {
            Language::English => socred_core::date::format_date(day),
            Language::Chinese => format!("{}年{}月{}日", day.year(), u8::from(day.month()), day.day()),
        }
    }

    /// A count with its thousands grouped (2,117 in both languages).
    pub fn number(self, value: i64) -> String {
        let digits = value.unsigned_abs().to_string();
        let mut out = String::with_capacity(digits.len() + digits.len() / 3 + 1);
        if value < 0 {
            out.push('-');
        }
        for (index, digit) in digits.chars().enumerate() {
            if index > 0 && (digits.len() - index).is_multiple_of(3) {
                out.push(',');
            }
            out.push(digit);
        }
        out
    }

    /// The message `id`.
    pub fn text(self, id: &str) -> String {
        self.text_with(id, &[])
    }

    /// The message `id`, when the files hold it (for ids made at run time,
    /// such as a command's help).
    pub fn optional_text(self, id: &str) -> Option<String> {
        CATALOGUE[self as usize].has_message(id).then(|| self.text(id))
    }

    /// The attribute `name` of the message `id` (`id.name` in the files), when it has one.
    pub fn attribute(self, id: &str, name: &str) -> Option<String> {
        let bundle = &CATALOGUE[self as usize];
        let pattern = bundle.get_message(id)?.get_attribute(name)?.value();
        let mut errors = Vec::new();
        Some(bundle.format_pattern(pattern, None, &mut errors).into_owned())
    }

    /// The message `id` with its variables: text values are placed as
    /// given (a caller rendering HTML escapes them first).
    pub fn text_with(self, id: &str, arguments: &[(&str, Argument)]) -> String {
        let bundle = &CATALOGUE[self as usize];
        let Some(pattern) = bundle.get_message(id).and_then(|message| message.value()) else {
            return id.to_string();
        };
        let mut args = FluentArgs::new();
        for (name, value) in arguments {
            match value {
                Argument::Text(text) => args.set(*name, FluentValue::from(text.as_str())),
                Argument::Number(number) => args.set(*name, FluentValue::from(*number)),
                Argument::Day(day) => args.set(*name, FluentValue::from(self.date(*day))),
                Argument::Reason(cause) => args.set(*name, FluentValue::from(cause.text(self))),
                Argument::Message(id) => args.set(*name, FluentValue::from(self.text(id))),
            }
        }
        let mut errors = Vec::new();
        bundle.format_pattern(pattern, Some(&args), &mut errors).into_owned()
    }
}

/// A variable of a message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Argument {
    Text(String),
    /// Selects plural forms; shown as written (group it with [`Language::number`] first if wanted).
    Number(i64),
    /// A day, written as the reader's language writes one in a sentence.
    Day(Date),
    /// A reason within the message, in the same language.
    Reason(Box<reasons::Cause>),
    /// The message of this id (a state's or a role's name), in the same language.
    Message(String),
}

/// `0.8` as 800: weights have at most three decimals (RFC 9110).
fn weight_of(text: &str) -> Option<u16> {
    let (whole, fraction) = text.split_once('.').unwrap_or((text, ""));
    if fraction.len() > 3 || !fraction.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let thousandths: u16 = format!("{fraction:0<3}").parse().ok()?;
    match whole {
        "0" => Some(thousandths),
        "1" if thousandths == 0 => Some(1000),
        _ => None,
    }
}

/// Each language's message files, in the order they are added.
pub const SOURCES: [(Language, &[(&str, &str)]); 2] = [
    (
        Language::English,
        &[
            ("en/web.ftl", include_str!("../../../locales/en/web.ftl")),
            ("en/rulebook.ftl", include_str!("../../../locales/en/rulebook.ftl")),
            ("en/cli.ftl", include_str!("../../../locales/en/cli.ftl")),
            ("en/cli-acts.ftl", include_str!("../../../locales/en/cli-acts.ftl")),
            ("en/mail.ftl", include_str!("../../../locales/en/mail.ftl")),
            ("en/notice.ftl", include_str!("../../../locales/en/notice.ftl")),
            ("en/document.ftl", include_str!("../../../locales/en/document.ftl")),
            ("en/reasons.ftl", include_str!("../../../locales/en/reasons.ftl")),
            ("en/refusals.ftl", include_str!("../../../locales/en/refusals.ftl")),
            ("en/inputs.ftl", include_str!("../../../locales/en/inputs.ftl")),
            ("en/problems.ftl", include_str!("../../../locales/en/problems.ftl")),
            ("en/policy.ftl", include_str!("../../../locales/en/policy.ftl")),
            ("en/score.ftl", include_str!("../../../locales/en/score.ftl")),
            ("en/regions.ftl", include_str!("../../../locales/en/regions.ftl")),
            ("en/help.ftl", include_str!("../../../locales/en/help.ftl")),
        ],
    ),
    (
        Language::Chinese,
        &[
            ("zh-CN/web.ftl", include_str!("../../../locales/zh-CN/web.ftl")),
            ("zh-CN/rulebook.ftl", include_str!("../../../locales/zh-CN/rulebook.ftl")),
            ("zh-CN/cli.ftl", include_str!("../../../locales/zh-CN/cli.ftl")),
            ("zh-CN/cli-acts.ftl", include_str!("../../../locales/zh-CN/cli-acts.ftl")),
            ("zh-CN/mail.ftl", include_str!("../../../locales/zh-CN/mail.ftl")),
            ("zh-CN/notice.ftl", include_str!("../../../locales/zh-CN/notice.ftl")),
            ("zh-CN/document.ftl", include_str!("../../../locales/zh-CN/document.ftl")),
            ("zh-CN/reasons.ftl", include_str!("../../../locales/zh-CN/reasons.ftl")),
            ("zh-CN/refusals.ftl", include_str!("../../../locales/zh-CN/refusals.ftl")),
            ("zh-CN/inputs.ftl", include_str!("../../../locales/zh-CN/inputs.ftl")),
            ("zh-CN/problems.ftl", include_str!("../../../locales/zh-CN/problems.ftl")),
            ("zh-CN/policy.ftl", include_str!("../../../locales/zh-CN/policy.ftl")),
            ("zh-CN/score.ftl", include_str!("../../../locales/zh-CN/score.ftl")),
            ("zh-CN/regions.ftl", include_str!("../../../locales/zh-CN/regions.ftl")),
            ("zh-CN/help.ftl", include_str!("../../../locales/zh-CN/help.ftl")),
        ],
    ),
];

static CATALOGUE: LazyLock<[FluentBundle<FluentResource>; 2]> = LazyLock::new(|| Language::ALL.map(bundle));

fn bundle(language: Language) -> FluentBundle<FluentResource> {
    let tag = language.tag().parse().expect("a valid language tag");
    let mut bundle = FluentBundle::new_concurrent(vec![tag]);
    // Pages are HTML and tests compare text: no Unicode isolation marks around variables.
    bundle.set_use_isolating(false);
    for (language_of, files) in SOURCES {
        if language_of != language {
            continue;
        }
        for (name, text) in files {
            // The files are compiled in and checked by the tests: a broken one is a build defect.
            let resource = FluentResource::try_new(text.to_string()).unwrap_or_else(|(_, errors)| panic!("locales/{name}: {errors:?}"));
            bundle.add_resource(resource).unwrap_or_else(|errors| panic!("locales/{name}: {errors:?}"));
        }
    }
    bundle
}

/// The ids of every message of `language` (for the coverage tests).
pub fn message_ids(language: Language) -> Vec<String> {
    let mut ids = Vec::new();
    for (language_of, files) in SOURCES {
        if language_of != language {
            continue;
        }
        for (name, text) in files {
            let resource = FluentResource::try_new(text.to_string()).unwrap_or_else(|(_, errors)| panic!("locales/{name}: {errors:?}"));
            for entry in resource.entries() {
                if let fluent_syntax::ast::Entry::Message(message) = entry {
                    ids.push(message.id.name.to_string());
                }
            }
        }
    }
    ids.sort();
    ids
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_message_is_in_both_languages_once() {
        let english = message_ids(Language::English);
        let chinese = message_ids(Language::Chinese);
        let missing_in_chinese: Vec<&String> = english.iter().filter(|id| !chinese.contains(id)).collect();
        let missing_in_english: Vec<&String> = chinese.iter().filter(|id| !english.contains(id)).collect();
        assert!(missing_in_chinese.is_empty(), "missing in locales/zh-CN: {missing_in_chinese:?}");
        assert!(missing_in_english.is_empty(), "missing in locales/en: {missing_in_english:?}");
        let mut unique = english.clone();
        unique.dedup();
        assert_eq!(unique.len(), english.len(), "an id is defined twice");
        assert!(english.len() > 50);
    }

    #[test]
    fn chinese_messages_are_in_chinese() {
        for id in message_ids(Language::Chinese) {
            let text = Language::Chinese.text(&id);
            let english = Language::English.text(&id);
            // Names and codes may read the same in both ("API", "socred"), and so may a
            // frame of placeables and punctuation alone; sentences may not.
            let words_of_its_own = english.split(['{', '}']).step_by(2).any(|outside| outside.chars().any(char::is_alphabetic));
            if english.split_whitespace().count() > 2 && words_of_its_own {
                assert!(text.chars().any(|c| ('\u{4E00}'..='\u{9FFF}').contains(&c)), "{id}: {text:?}");
            }
        }
    }

    #[test]
    fn accept_language_is_negotiated_by_weight() {
        assert_eq!(Language::negotiate("zh-CN,zh;q=0.9,en;q=0.8"), Some(Language::Chinese));
        assert_eq!(Language::negotiate("en-GB,en;q=0.9,zh-CN;q=0.8"), Some(Language::English));
        assert_eq!(Language::negotiate("fr-FR, zh-Hans;q=0.5, en;q=0.4"), Some(Language::Chinese));
        assert_eq!(Language::negotiate("de, fr;q=0.5"), None);
        assert_eq!(Language::negotiate("zh;q=0, en;q=0.1"), Some(Language::English));
        assert_eq!(Language::negotiate("zh;q=2, en;q=0.1"), Some(Language::English), "a malformed weight counts as 0");
        assert_eq!(Language::negotiate("zh;q=0.5000"), None);
        assert_eq!(Language::negotiate(""), None);
        assert_eq!(Language::negotiate("*"), None);
        assert_eq!(Language::negotiate(&"x,".repeat(600)), None, "too long");
        let late = format!("{}zh", "de,".repeat(MAX_ACCEPT_LANGUAGE_RANGES));
        assert_eq!(Language::negotiate(&late), None, "a range beyond the bound is not read");
        assert_eq!(Language::from_tag("ZH-tw"), Some(Language::Chinese));
        assert_eq!(Language::from_tag("eng"), None);
        assert_eq!(Language::from_tag("zh_CN"), Some(Language::Chinese), "a locale's form");
        for garbage in ["zh-CN\r\nBcc: x", "zh-", "zh--CN", "en-toolongsubtag", "zh-CN.UTF-8", "", "zh\u{7f}"] {
            assert_eq!(Language::from_tag(garbage), None, "{garbage:?}");
        }
        assert_eq!(Language::from_tag(&format!("zh{}", "-abc".repeat(9))), None, "longer than 35 characters");
    }

    #[test]
    fn dates_and_numbers_follow_the_reader() {
        let day = socred_core::date::parse_date("2026-12-06").unwrap();
        assert_eq!(Language::English.date(day), "2026-12-06");
        assert_eq!(Language::Chinese.date(day), "2026年12月6日");
        assert_eq!(Language::English.number(2117), "2,117");
        assert_eq!(Language::Chinese.number(-1_234_567), "-1,234,567");
        assert_eq!(Language::English.number(0), "0");
        assert_eq!(Language::English.number(100), "100");
    }

    #[test]
    fn variables_and_plurals_are_filled() {
        let with = |language: Language, shown: i64| {
            language.text_with(
                "lists-count",
                &[
                    ("total", Argument::Number(shown)),
                    ("count", Argument::Text(language.number(shown))),
                    ("first", Argument::Text("201".into())),
                    ("last", Argument::Text("400".into())),
                    ("day", Argument::Text("D".into())),
                ],
            )
        };
        assert_eq!(with(Language::English, 0), "No entry published on D");
        assert_eq!(with(Language::English, 1), "Entry 1 of 1 published on D");
        assert_eq!(with(Language::English, 2117), "Entries 201–400 of 2,117 published on D");
        assert_eq!(with(Language::Chinese, 1), "D公布的条目共 1 条");
        assert_eq!(with(Language::Chinese, 2117), "D公布的条目共 2,117 条，此处为第 201–400 条");
        assert_eq!(Language::English.text("no-such-message"), "no-such-message");
    }
}
