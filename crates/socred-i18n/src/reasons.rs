//! Why an input was refused, in a reader's language. The edge's parsers
//! (identity numbers, ids and texts, dates) refuse with typed errors whose
//! English is their `Display`; [`Cause`] carries one to where a person reads
//! it, and [`Cause::text`] writes it in that person's language. The English
//! messages in `locales/en/reasons.ftl` read exactly as the `Display` does
//! (a test compares), so either path says the same.

use socred_core::date::DateError;
use socred_core::id::{IdError, MAX_AGE_YEARS};
use socred_core::record::{FieldError, ProblemKind};

use crate::{Argument, Language};

/// A typed reason for refusing an input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Cause {
    /// An identity number or credit code, with the text given.
    Id {
        input: String,
        error: IdError,
    },
    /// An id or a text.
    Field(FieldError),
    Date(DateError),
    /// A subject that is not registered (the caller's own input).
    UnknownSubject(String),
    /// A record that is not in the file asked about.
    UnknownRecord(String),
    /// A due-process act the rules refused.
    Refusal(socred_core::refusal::Refusal),
    /// Every problem of a record's fields: the field, the typed reason where
    /// the checks gave one, and the English as the API states it.
    Record(Vec<(String, Option<ProblemKind>, String)>),
    /// A check of the store, the server or the CLI whose reason is one
    /// message of `inputs.ftl` (ids `input-…`) with its variables: written
    /// once per language, and in English also the API's and the log's words.
    Message {
        id: &'static str,
        arguments: Vec<(&'static str, Argument)>,
    },
    /// One problem of a record's checks, without its field.
    Problem(ProblemKind),
    /// Something the store does not hold, named as the store names it
    /// (`account li`, `list entry blacklist/tax-1`, `token 7`, …).
    NotFound(String),
    /// Every problem of a rulebook or a scorecard, one a line.
    Rulebook(socred_core::RulebookError),
}

/// What the store names when it does not hold it: the name's start and the message that says so.
const NOT_FOUND: &[(&str, &str)] = &[
    ("account ", "reason-not-found-account"),
    ("token ", "reason-not-found-token"),
    ("pending record ", "reason-not-found-pending-record"),
    ("report ", "reason-not-found-report"),
    ("list entry ", "reason-not-found-entry"),
    ("audit entry ", "reason-not-found-audit-entry"),
    ("appeal ", "reason-not-found-appeal"),
    ("dispute ", "reason-not-found-dispute"),
    ("repair ", "reason-not-found-repair"),
];

fn not_found(language: Language, what: &str) -> String {
    if what == "the record or event" {
        return language.text("reason-not-found-record-or-event");
    }
    match NOT_FOUND.iter().find_map(|(start, id)| what.strip_prefix(start).map(|rest| (*id, rest))) {
        Some((id, rest)) => language.text_with(id, &[("id", Argument::Text(rest.to_string()))]),
        None => untyped(language, &format!("{what} does not exist")),
    }
}

impl Cause {
    /// The message `id` of `inputs.ftl` with its variables.
    pub fn message(id: &'static str, arguments: Vec<(&'static str, Argument)>) -> Cause {
        debug_assert!(id.starts_with("input-"), "{id} is not a message of inputs.ftl");
        Cause::Message { id, arguments }
    }
}

impl Cause {
    /// The reason in `language`.
    pub fn text(&self, language: Language) -> String {
        match self {
            Cause::Id { input, error } => {
                language.text_with("reason-id-input", &[("input", quoted(input)), ("reason", Argument::Text(id_error(language, error)))])
            }
            Cause::Field(error) => field_error(language, error),
            Cause::Date(error) => date_error(language, error),
            Cause::UnknownSubject(id) => language.text_with("reason-unknown-subject", &[("id", Argument::Text(id.clone()))]),
            Cause::UnknownRecord(id) => language.text_with("reason-unknown-record", &[("id", Argument::Text(id.clone()))]),
            Cause::Refusal(refusal) => crate::refusals::text(language, refusal),
            Cause::Message { id, arguments } => language.text_with(id, arguments),
            Cause::Problem(kind) => problem(language, kind),
            Cause::NotFound(what) => not_found(language, what),
            Cause::Rulebook(error) => crate::problems::text(language, error),
            Cause::Record(problems) => {
                let parts: Vec<String> = problems
                    .iter()
                    .map(|(field, kind, english)| {
                        // English names the field as the API does; another language by its name there.
                        let field = if language == Language::English { field.clone() } else { field_name(language, field) };
                        let reason = kind.as_ref().map_or_else(|| english.clone(), |kind| problem(language, kind));
                        language.text_with("reason-problem", &[("field", Argument::Text(field)), ("reason", Argument::Text(reason))])
                    })
                    .collect();
                parts.join(&language.text("reason-problems-separator"))
            }
        }
    }
}

/// A form field by its name in the reader's language (as sent, if it has none).
pub fn field_name(language: Language, field: &str) -> String {
    let id = match field {
        "subject" => "field-name-subject",
        "record" | "record_id" | "id" => "field-name-record",
        "entry" => "field-name-entry",
        "behaviour" => "field-name-behaviour",
        "at" | "occurred_on" => "field-name-date",
        "reason" | "reasons" => "field-name-reason",
        "grounds" => "field-name-grounds",
        "list" => "field-name-list",
        "legal_basis" => "field-name-legal-basis",
        "facts" => "field-name-facts",
        "outcome" => "field-name-outcome",
        "evidence" => "field-name-evidence",
        "description" => "field-name-description",
        "service" => "field-name-service",
        "search" => "field-name-search",
        "source" => "field-name-source",
        "(line)" => "field-name-line",
        "region" => "field-name-region",
        "authority" => "field-name-authority",
        "page" => "field-name-page",
        "partner" => "field-name-partner",
        "kind" => "field-name-kind",
        "subjects" => "field-name-subjects",
        "years" => "field-name-years",
        "seed" => "field-name-seed",
        "form" => "field-name-form",
        "rulebook" => "field-name-rulebook",
        "purpose" => "field-name-purpose",
        "actor" => "field-name-actor",
        "username" => "field-name-username",
        "password" | "new_password" => "field-name-password",
        "current_password" => "field-name-current-password",
        "name" => "field-name-name",
        "label" => "field-name-label",
        "code" => "field-name-code",
        "as_of" => "field-name-as-of",
        "known_on" => "field-name-known-on",
        "limit" => "field-name-limit",
        "reporter" => "field-name-reporter",
        _ => return field.to_string(),
    };
    language.text(id)
}

/// A record check's reason in `language`.
pub fn problem(language: Language, kind: &ProblemKind) -> String {
    let day = |date: socred_core::Date| text(socred_core::date::format_date(date));
    match kind {
        ProblemKind::Id(error) => id_error(language, error),
        ProblemKind::Field(error) => field_error(language, error),
        ProblemKind::Date(error) => date_error(language, error),
        ProblemKind::NoBehaviour => language.text("reason-field-empty"),
        ProblemKind::UnknownBehaviour { code, rulebook, version } => language.text_with(
            "reason-unknown-behaviour",
            &[("code", text(format!("{code:?}"))), ("rulebook", text(rulebook)), ("version", text(version))],
        ),
        ProblemKind::AfterToday { day: on, today } => {
            language.text_with("reason-after-today", &[("day", day(*on)), ("today", day(*today))])
        }
        ProblemKind::TooOld { day: on, years, today, earliest } => language.text_with(
            "reason-too-old",
            &[("day", day(*on)), ("years", text(years)), ("today", day(*today)), ("earliest", day(*earliest))],
        ),
        ProblemKind::BeforeBirth { day: on } => language.text_with("reason-before-birth", &[("day", day(*on))]),
        ProblemKind::NotThisPartner { given, own } => {
            language.text_with("reason-not-this-partner", &[("given", quoted(given)), ("own", quoted(own))])
        }
        ProblemKind::OutsideAgreement { behaviour, partner, covers } => language.text_with(
            "reason-outside-agreement",
            &[("behaviour", quoted(behaviour)), ("partner", text(partner)), ("covers", text(covers))],
        ),
        ProblemKind::BatchLimit { lines, allowed } => {
            language.text_with("reason-batch-limit", &[("lines", text(lines)), ("allowed", text(allowed))])
        }
        ProblemKind::IdHoldsNumber => language.text("input-client-id-holds-number"),
        ProblemKind::NotRegistered { subject } => language.text_with("reason-unknown-subject", &[("id", text(subject))]),
        ProblemKind::IdTaken { id } => language.text_with("input-record-id-taken", &[("id", text(id))]),
        ProblemKind::IdTakenPending { id } => language.text_with("input-record-id-taken-pending", &[("id", text(id))]),
        ProblemKind::Refused(refusal) => crate::refusals::text(language, refusal),
        ProblemKind::LineTooLong { bytes, max } => language.text_with("input-line-too-long", &[("bytes", text(bytes)), ("max", text(max))]),
        ProblemKind::FieldCount { fields, header } => {
            language.text_with("input-line-field-count", &[("fields", text(fields)), ("header", text(header))])
        }
        ProblemKind::NotUtf8 => language.text("input-line-not-utf8"),
        ProblemKind::DailyLimit { lines, allowed } => {
            language.text_with("reason-daily-limit", &[("lines", text(lines)), ("allowed", text(allowed))])
        }
    }
}

/// A reason no check typed (a line that could not be read, a conflict the
/// store found), in `language`: the English as it was given, and in Chinese
/// said to be that.
pub fn untyped(language: Language, english: &str) -> String {
    match language {
        Language::English => english.to_string(),
        Language::Chinese => language.text_with("reason-untyped", &[("reason", text(english))]),
    }
}

fn quoted(text: &str) -> Argument {
    Argument::Text(format!("{text:?}"))
}

fn text(value: impl ToString) -> Argument {
    Argument::Text(value.to_string())
}

/// What a charset error expected, by the parser's own words.
fn expected_id(expected: &str) -> Option<&'static str> {
    Some(match expected {
        "positions 1-17 must be digits" => "reason-id-expected-digits",
        "the check character must be a digit or X" => "reason-id-expected-check",
        "digits and capital letters except I, O, S, V, Z" => "reason-id-expected-code",
        "only ASCII digits and letters" => "reason-id-expected-ascii",
        _ => return None,
    })
}

fn id_error(language: Language, error: &IdError) -> String {
    let with = |id: &str, arguments: &[(&str, Argument)]| language.text_with(id, arguments);
    match error {
        IdError::Length(count) => with("reason-id-length", &[("count", text(count))]),
        IdError::Charset { position, found, expected } => {
            let expected = expected_id(expected).map_or_else(|| expected.to_string(), |id| language.text(id));
            with("reason-id-charset", &[("position", text(position)), ("found", text(format!("{found:?}"))), ("expected", text(expected))])
        }
        IdError::Region(region) => with("reason-id-region", &[("region", text(region))]),
        IdError::Date(date) => with("reason-id-date", &[("date", text(date))]),
        IdError::Authority(code) => with("reason-id-authority", &[("code", text(format!("{code:?}")))]),
        IdError::CheckCharacter { found, expected } => {
            with("reason-id-check", &[("found", text(format!("{found:?}"))), ("expected", text(format!("{expected:?}")))])
        }
        IdError::Ambiguous => with("reason-id-ambiguous", &[]),
        IdError::BornInFuture(date) => with("reason-id-born-in-future", &[("date", text(date))]),
        IdError::BornTooLongAgo(date) => with("reason-id-born-too-long-ago", &[("date", text(date)), ("years", text(MAX_AGE_YEARS))]),
        IdError::Neither { person, organisation } => with(
            "reason-id-neither",
            &[("person", text(id_error(language, person))), ("organisation", text(id_error(language, organisation)))],
        ),
    }
}

fn field_error(language: Language, error: &FieldError) -> String {
    let with = |id: &str, arguments: &[(&str, Argument)]| language.text_with(id, arguments);
    match error {
        FieldError::Empty => with("reason-field-empty", &[]),
        FieldError::TooLong(count, max) => with("reason-field-too-long", &[("count", text(count)), ("max", text(max))]),
        FieldError::Charset(found) => with("reason-field-charset", &[("found", text(format!("{found:?}")))]),
        FieldError::Control => with("reason-field-control", &[]),
        FieldError::Format(form) => with("reason-field-format", &[("form", text(form))]),
    }
}

fn date_error(language: Language, error: &DateError) -> String {
    match error {
        DateError::Format(input) => language.text_with("reason-date-format", &[("input", quoted(input))]),
        DateError::Calendar(input) => language.text_with("reason-date-calendar", &[("input", quoted(input))]),
        DateError::Range(input) => language.text_with("reason-date-range", &[("input", quoted(input))]),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The problems a record's checks give, as the server carries them.
    fn record_problems(at: &str, behaviour: &str, subject: &str) -> Cause {
        let rulebook = socred_core::Rulebook::from_toml(socred_core::DEFAULT_RULEBOOK, "default.toml").unwrap();
        let today = socred_core::parse_date("2026-12-06").unwrap();
        let input = socred_core::record::RecordInput { id: None, subject, behaviour, at, source: "Tax", evidence: None };
        let problems = input.validate(&rulebook, today).expect_err("a refused record");
        assert!(problems.iter().all(|p| p.kind.is_some()), "{problems:?}");
        Cause::Record(problems.into_iter().map(|p| (p.field.to_string(), p.kind, p.reason)).collect())
    }

    fn causes() -> Vec<Cause> {
        let id = |input: &str| Cause::Id { input: input.into(), error: socred_core::SubjectId::parse(input).unwrap_err() };
        let today = socred_core::parse_date("2026-12-06").unwrap();
        let plausible = |input: &str| Cause::Id {
            input: input.into(),
            error: socred_core::SubjectId::parse(input).unwrap().check_plausible(today).unwrap_err(),
        };
        let date = |input: &str| Cause::Date(socred_core::parse_date(input).unwrap_err());
        let rulebook = |source: &str| Cause::Rulebook(socred_core::Rulebook::from_toml(source, "proposed.toml").unwrap_err());
        vec![
            rulebook("[rulebook]\nid = 7"),
            rulebook(&socred_core::DEFAULT_RULEBOOK.replacen("base_score = 1000", "base_score = 99999999", 1)),
            id("123"),
            id("11010119900307451Ａ"),
            id("1101011990030745AX"),
            id("110101199003074513"),
            id("990101199003074514"),
            id("110101199002304510"),
            id("Z1350100M000100Y43"),
            id("91350100M000100Y44"),
            id("abcdefghijklmnopqr"),
            plausible("110101202901010058"),
            plausible("440524188001010014"),
            Cause::Field(FieldError::Empty),
            Cause::Field(FieldError::TooLong(5000, 4000)),
            Cause::Field(FieldError::Charset('/')),
            Cause::Field(FieldError::Control),
            Cause::Field(FieldError::Format("LIST:RECORD, LIST@REFERENCE@TIER@DATE or LIST/CASE")),
            date("0000-01-01"),
            date("9999-12-31"),
            date("2025-02-29"),
            date("yesterday"),
            Cause::UnknownSubject("110101199003074514".into()),
            Cause::UnknownRecord("jd-9".into()),
            Cause::NotFound("account li".into()),
            Cause::NotFound("token 7".into()),
            Cause::NotFound("pending record bank-9".into()),
            Cause::NotFound("report rep-1".into()),
            Cause::NotFound("list entry blacklist/tax-1 on 2026-01-01".into()),
            Cause::NotFound("audit entry 12".into()),
            Cause::NotFound("appeal a-1".into()),
            Cause::NotFound("dispute d-1".into()),
            Cause::NotFound("repair r-1".into()),
            Cause::NotFound("the record or event".into()),
            record_problems("2025-02-30", "tax-evasion", "110101199003074514"),
            record_problems("2031-01-01", "no-such-behaviour", "110101199003074514"),
            record_problems("1950-01-01", "", "123"),
            record_problems("1985-01-01", "tax-evasion", "110101199003074514"),
        ]
    }

    /// A partner's refusals read in English exactly as their `Display`, and
    /// in Chinese characters in Chinese.
    #[test]
    fn a_partners_refusals_read_in_both_languages() {
        for kind in [
            ProblemKind::NotThisPartner { given: "Other Co.".into(), own: "Hello Bike Co.".into() },
            ProblemKind::OutsideAgreement {
                behaviour: "tax-evasion".into(),
                partner: "bikes".into(),
                covers: "unpaid-shared-bike-ride".into(),
            },
            ProblemKind::BatchLimit { lines: 10, allowed: 10 },
            ProblemKind::DailyLimit { lines: 20, allowed: 20 },
            ProblemKind::IdHoldsNumber,
            ProblemKind::NotRegistered { subject: "110101198505051238".into() },
            ProblemKind::IdTaken { id: "tax-1".into() },
            ProblemKind::IdTakenPending { id: "loan-1".into() },
            ProblemKind::Refused(socred_core::refusal::Refusal::ConflictOwnFile),
            ProblemKind::LineTooLong { bytes: 20_000, max: 16_384 },
            ProblemKind::FieldCount { fields: 3, header: 4 },
            ProblemKind::NotUtf8,
        ] {
            assert_eq!(problem(Language::English, &kind), kind.to_string());
            let chinese = problem(Language::Chinese, &kind);
            assert!(chinese.chars().any(|c| ('\u{4E00}'..='\u{9FFF}').contains(&c)) && !chinese.contains("agreement"), "{chinese}");
        }
        assert_eq!(untyped(Language::English, "is not valid UTF-8"), "is not valid UTF-8");
        assert!(untyped(Language::Chinese, "is not valid UTF-8").contains("未被接受"));
        assert_eq!(field_name(Language::Chinese, "source"), "来源");
    }

    /// The English messages say exactly what the parsers' errors say, and
    /// every reason reads in Chinese characters in Chinese.
    #[test]
    fn every_reason_reads_in_both_languages() {
        for cause in causes() {
            let english = cause.text(Language::English);
            let expected = match &cause {
                Cause::Id { input, error } => format!("{input:?} {error}"),
                Cause::Field(error) => error.to_string(),
                Cause::Date(error) => error.to_string(),
                Cause::UnknownSubject(id) => format!("subject {id} is not registered"),
                Cause::UnknownRecord(id) => format!("record {id} does not exist"),
                Cause::Refusal(refusal) => refusal.to_string(),
                Cause::Message { .. } => continue,
                Cause::Problem(kind) => kind.to_string(),
                Cause::NotFound(what) => format!("{what} does not exist"),
                Cause::Rulebook(error) => error.to_string(),
                // As the API states a record's problems: `field: reason`, joined by `; `.
                Cause::Record(problems) => {
                    problems.iter().map(|(field, _, english)| format!("{field}: {english}")).collect::<Vec<_>>().join("; ")
                }
            };
            assert_eq!(english, expected, "{cause:?}");
            let chinese = cause.text(Language::Chinese);
            assert!(chinese.chars().any(|c| ('\u{4E00}'..='\u{9FFF}').contains(&c)), "{cause:?}: {chinese}");
            assert!(!chinese.contains("must") && !chinese.contains("is not"), "{cause:?}: {chinese}");
        }
    }

    /// Every `input-…` id the sources name is a message in both languages,
    /// and every such message is named somewhere: a check's reason cannot
    /// fall back to its id, and no message is left behind by a removed check.
    #[test]
    fn every_input_message_the_sources_name_exists_and_is_named() {
        fn sources(dir: &std::path::Path, out: &mut Vec<String>) {
            for entry in std::fs::read_dir(dir).unwrap() {
                let path = entry.unwrap().path();
                if path.is_dir() {
                    sources(&path, out);
                } else if path.extension().is_some_and(|extension| extension == "rs") {
                    out.push(std::fs::read_to_string(&path).unwrap());
                }
            }
        }
        let crates = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        let mut texts = Vec::new();
        for entry in std::fs::read_dir(&crates).unwrap() {
            let source = entry.unwrap().path().join("src");
            if source.is_dir() {
                sources(&source, &mut texts);
            }
        }
        let mut named = std::collections::BTreeSet::new();
        for text in &texts {
            for (start, _) in text.match_indices("\"input-") {
                let id: String =
                    text[start + 1..].chars().take_while(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == '-').collect();
                if id.len() > "input-".len() && text[start + 1 + id.len()..].starts_with('"') {
                    named.insert(id);
                }
            }
        }
        assert!(named.len() > 80, "the scan found {} ids", named.len());
        for language in Language::ALL {
            let ids: std::collections::BTreeSet<String> =
                crate::message_ids(language).into_iter().filter(|id| id.starts_with("input-")).collect();
            let missing: Vec<_> = named.difference(&ids).collect();
            assert!(missing.is_empty(), "named in the sources, missing in {}: {missing:?}", language.tag());
            let unused: Vec<_> = ids.difference(&named).collect();
            assert!(unused.is_empty(), "in {} but named nowhere: {unused:?}", language.tag());
        }
    }

    /// A message's numbers read as the checks wrote them before (no grouping
    /// or isolation marks), its days as the reader writes a day.
    #[test]
    fn input_messages_fill_numbers_and_days_as_written() {
        let range = Cause::message(
            "input-range",
            vec![("min", Argument::Number(1)), ("max", Argument::Number(1_000_000)), ("got", Argument::Number(0))],
        );
        assert_eq!(range.text(Language::English), "must be 1-1000000, got 0");
        assert_eq!(range.text(Language::Chinese), "必须在 1 至 1000000 之间，实际为 0");
        let day = socred_core::parse_date("2026-12-06").unwrap();
        let held = Cause::message("input-nothing-yet-on", vec![("day", Argument::Day(day))]);
        assert_eq!(held.text(Language::English), "the store held nothing yet on 2026-12-06");
        assert_eq!(held.text(Language::Chinese), "截至 2026年12月6日，库中尚无任何内容");
        let within = Cause::message(
            "input-cannot-confirm",
            vec![("reason", Argument::Reason(Box::new(Cause::Problem(ProblemKind::BeforeBirth { day }))))],
        );
        assert_eq!(within.text(Language::English), "the record cannot be confirmed: 2026-12-06 is before the subject's birth date");
        assert!(within.text(Language::Chinese).starts_with("该记录不能确认："), "{}", within.text(Language::Chinese));
        assert!(!within.text(Language::Chinese).contains("birth"));
    }
}
