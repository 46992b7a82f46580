//! Subject identifiers: the resident identity number of a person (GB 11643-1999)
//! and the unified social credit code of an organisation (GB 32100-2015).
//!
//! Identifiers are validated once, at the edge, and travel inside the system as
//! `Copy` newtypes over their 18 ASCII bytes, so a hot per-subject state can
//! embed one without a heap allocation.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A registered person was born at most this many years before the day of registration.
pub const MAX_AGE_YEARS: u32 = 130;

/// Both identifier kinds are exactly this many characters long.
pub const ID_LENGTH: usize = 18;

/// GB 11643 weights for positions 1–17 (ISO 7064 MOD 11-2).
const PERSON_WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const PERSON_CHECK: &[u8; 11] = b"10X98765432";

/// GB 32100 alphabet: 31 characters, without I, O, S, V, Z. Each is worth its index.
const ORG_ALPHABET: &[u8; 31] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";
/// GB 32100 weights for positions 1–17: 3^(i-1) mod 31.
const ORG_WEIGHTS: [u32; 17] = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28];
/// Registration authorities of GB 32100 (1 institutional, 5 civil affairs, 9 market
/// regulation, Y other, and the less common ones).
const ORG_AUTHORITIES: &[u8] = b"123456789ANY";

/// Province-level codes of GB/T 2260 (the first two digits of a region code).
pub const PROVINCES: [u8; 34] = [
    11, 12, 13, 14, 15, 21, 22, 23, 31, 32, 33, 34, 35, 36, 37, 41, 42, 43, 44, 45, 46, 50, 51, 52, 53, 54, 61, 62, 63, 64, 65, 71, 81, 82,
];

/// Why an identifier was refused. Each variant names the part that is wrong.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IdError {
    #[error("must be 18 characters long, got {0}")]
    Length(usize),
    #[error("character {position} ({found:?}) is not allowed: {expected}")]
    Charset { position: usize, found: char, expected: &'static str },
    #[error("region code {0} does not start with a province-level code (GB/T 2260)")]
    Region(String),
    #[error("birth date {0} is not a valid calendar date from 1800 on")]
    Date(String),
    #[error("registration authority {0:?} is not one of 1-9, A, N, Y (GB 32100)")]
    Authority(char),
    #[error("check character is {found:?}, expected {expected:?}")]
    CheckCharacter { found: char, expected: char },
    #[error("is valid both as a person's and an organisation's number; say which kind")]
    Ambiguous,
    #[error("birth date {0} is after today; a resident identity number is issued to someone already born")]
    BornInFuture(String),
    #[error("birth date {0} is more than {MAX_AGE_YEARS} years before today")]
    BornTooLongAgo(String),
    #[error("is neither a resident identity number ({person}) nor a unified social credit code ({organisation})")]
    Neither { person: Box<IdError>, organisation: Box<IdError> },
}

/// The kind of a subject.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum SubjectKind {
    Person,
    Organisation,
}

impl SubjectKind {
    pub fn as_str(self) -> &'static str {
        match self {
            SubjectKind::Person => "person",
            SubjectKind::Organisation => "organisation",
        }
    }
}

impl FromStr for SubjectKind {
    type Err = String;
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        match text {
            "person" => Ok(SubjectKind::Person),
            "organisation" | "organization" | "org" => Ok(SubjectKind::Organisation),
            other => Err(format!("unknown subject kind {other:?}: expected person or organisation")),
        }
    }
}

/// An 18-character resident identity number with a valid check character.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PersonId([u8; ID_LENGTH]);

/// An 18-character unified social credit code with a valid check character.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct OrgCode([u8; ID_LENGTH]);

/// A validated subject identifier.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum SubjectId {
    Person(PersonId),
    Organisation(OrgCode),
}

fn to_array(text: &str) -> Result<[u8; ID_LENGTH], IdError> {
    let count = text.chars().count();
    if count != ID_LENGTH {
        return Err(IdError::Length(count));
    }
    // 18 characters, not all ASCII (full-width digits, say): name the first.
    if let Some((position, found)) = text.chars().enumerate().find(|(_, c)| !c.is_ascii()) {
        return Err(IdError::Charset { position: position + 1, found, expected: "only ASCII digits and letters" });
    }
    let mut bytes = [0u8; ID_LENGTH];
    bytes.copy_from_slice(text.as_bytes());
    bytes.make_ascii_uppercase();
    Ok(bytes)
}

fn region_valid(region: &[u8]) -> bool {
    region.iter().all(u8::is_ascii_digit) && PROVINCES.contains(&((region[0] - b'0') * 10 + (region[1] - b'0')))
}

fn check_region(region: &[u8]) -> Result<(), IdError> {
    if region_valid(region) { Ok(()) } else { Err(IdError::Region(String::from_utf8_lossy(region).into_owned())) }
}

/// The GB 11643 check character for the first 17 digits.
pub fn person_check_character(first_17_digits: &[u8]) -> char {
    assert_eq!(first_17_digits.len(), 17);
    let sum: u32 = first_17_digits.iter().zip(PERSON_WEIGHTS).map(|(digit, weight)| u32::from(digit - b'0') * weight).sum();
    PERSON_CHECK[(sum % 11) as usize] as char
}

/// The GB 32100 check character for the first 17 characters.
pub fn org_check_character(first_17_characters: &[u8]) -> char {
    assert_eq!(first_17_characters.len(), 17);
    let sum: u32 = first_17_characters
        .iter()
        .zip(ORG_WEIGHTS)
        .map(|(character, weight)| org_value(*character).expect("validated alphabet") * weight)
        .sum();
    let check = (31 - sum % 31) % 31;
    ORG_ALPHABET[check as usize] as char
}

/// Each byte's value in ORG_ALPHABET, or NOT_IN_ALPHABET: a code is looked
/// up 35 times a parse, and a parse is on the path of every check.
const ORG_VALUES: [u8; 256] = {
    let mut values = [NOT_IN_ALPHABET; 256];
    let mut index = 0;
    while index < ORG_ALPHABET.len() {
        values[ORG_ALPHABET[index] as usize] = index as u8;
        index += 1;
    }
    values
};
const NOT_IN_ALPHABET: u8 = u8::MAX;

fn org_value(character: u8) -> Option<u32> {
    let value = ORG_VALUES[usize::from(character)];
    (value != NOT_IN_ALPHABET).then_some(u32::from(value))
}

fn valid_birth_date(date: &[u8]) -> bool {
    let number = |range: std::ops::Range<usize>| -> u32 { date[range].iter().fold(0, |acc, d| acc * 10 + u32::from(d - b'0')) };
    let (year, month, day) = (number(0..4), number(4..6), number(6..8));
    if year < 1800 {
        return false;
    }
    let Ok(month) = time::Month::try_from(month as u8) else {
        return false;
    };
    time::Date::from_calendar_date(year as i32, month, day as u8).is_ok()
}

impl PersonId {
    pub fn parse(text: &str) -> Result<Self, IdError> {
        let bytes = to_array(text)?;
        for (index, byte) in bytes[..17].iter().enumerate() {
            if !byte.is_ascii_digit() {
                return Err(IdError::Charset {
                    position: index + 1,
                    found: text.chars().nth(index).unwrap_or('?'),
                    expected: "positions 1-17 must be digits",
                });
            }
        }
        if !(bytes[17].is_ascii_digit() || bytes[17] == b'X') {
            return Err(IdError::Charset {
                position: 18,
                found: text.chars().nth(17).unwrap_or('?'),
                expected: "the check character must be a digit or X",
            });
        }
        check_region(&bytes[0..6])?;
        if !valid_birth_date(&bytes[6..14]) {
            return Err(IdError::Date(String::from_utf8_lossy(&bytes[6..14]).into_owned()));
        }
        let expected = person_check_character(&bytes[..17]);
        if bytes[17] as char != expected {
            return Err(IdError::CheckCharacter { found: bytes[17] as char, expected });
        }
        Ok(PersonId(bytes))
    }

    pub fn as_str(&self) -> &str {
        std::str::from_utf8(&self.0).expect("validated ASCII")
    }

    /// The birth date encoded in positions 7–14.
    pub fn birth_date(&self) -> time::Date {
        let digits = &self.0[6..14];
        let number = |range: std::ops::Range<usize>| -> u32 { digits[range].iter().fold(0, |acc, d| acc * 10 + u32::from(d - b'0')) };
        let month = time::Month::try_from(number(4..6) as u8).expect("validated month");
        time::Date::from_calendar_date(number(0..4) as i32, month, number(6..8) as u8).expect("validated date")
    }
}

impl OrgCode {
    pub fn parse(text: &str) -> Result<Self, IdError> {
        let bytes = to_array(text)?;
        for (index, byte) in bytes.iter().enumerate() {
            if org_value(*byte).is_none() {
                return Err(IdError::Charset {
                    position: index + 1,
                    found: text.chars().nth(index).unwrap_or('?'),
                    expected: "digits and capital letters except I, O, S, V, Z",
                });
            }
        }
        if !ORG_AUTHORITIES.contains(&bytes[0]) {
            return Err(IdError::Authority(bytes[0] as char));
        }
        check_region(&bytes[2..8])?;
        let expected = org_check_character(&bytes[..17]);
        if bytes[17] as char != expected {
            return Err(IdError::CheckCharacter { found: bytes[17] as char, expected });
        }
        Ok(OrgCode(bytes))
    }

    /// Whether `parse` would accept these (upper-cased) bytes, without
    /// building the error: a person's number is also tried as a code, to
    /// refuse an ambiguous one, on every request that names a subject.
    fn is_valid(bytes: &[u8; ID_LENGTH]) -> bool {
        bytes.iter().all(|byte| org_value(*byte).is_some())
            && ORG_AUTHORITIES.contains(&bytes[0])
            && region_valid(&bytes[2..8])
            && bytes[17] as char == org_check_character(&bytes[..17])
    }

    pub fn as_str(&self) -> &str {
        std::str::from_utf8(&self.0).expect("validated ASCII")
    }
}

/// Whether `text` holds an identity number or credit code anywhere in it
/// (any case), or 17 digits in a row (a person's number without its check
/// character, which anyone can compute): ids chosen by clients are shown to
/// people who must not learn a full number, so they may not carry one.
pub fn contains_subject_id(text: &str) -> bool {
    let bytes = text.as_bytes();
    let digits_in_a_row = bytes.split(|b| !b.is_ascii_digit()).any(|run| run.len() >= ID_LENGTH - 1);
    digits_in_a_row
        || bytes.windows(ID_LENGTH).any(|window| {
            let upper: [u8; ID_LENGTH] = std::array::from_fn(|index| window[index].to_ascii_uppercase());
            std::str::from_utf8(&upper).is_ok_and(|candidate| PersonId::parse(candidate).is_ok() || OrgCode::is_valid(&upper))
        })
}

/// Checks an id a client chose (a record id, a case id, a report id): it may
/// not carry an identity number (see [`contains_subject_id`]).
pub fn check_client_id(text: &str) -> Result<(), &'static str> {
    if contains_subject_id(text) {
        return Err(CLIENT_ID_HOLDS_NUMBER);
    }
    Ok(())
}

/// Why a client's id may not hold an identity number.
pub const CLIENT_ID_HOLDS_NUMBER: &str =
    "must not contain an identity number or credit code (nor 17 digits in a row): ids are shown where full numbers must not be";

impl SubjectId {
    /// Parses either kind. A number valid as both (astronomically rare, but
    /// possible for an all-digit code) is refused as ambiguous; use
    /// [`SubjectId::parse_as`] to say which kind is meant.
    pub fn parse(text: &str) -> Result<Self, IdError> {
        let text = text.trim();
        // A valid person's number (nearly every request) is only tested as a
        // code, not parsed as one: the code's error would be built for nothing.
        let person_error = match PersonId::parse(text) {
            Ok(person) if OrgCode::is_valid(&person.0) => return Err(IdError::Ambiguous),
            Ok(person) => return Ok(SubjectId::Person(person)),
            Err(error) => error,
        };
        match OrgCode::parse(text) {
            Ok(org) => Ok(SubjectId::Organisation(org)),
            Err(org_error) if person_error == org_error => Err(person_error),
            // Only the check character is wrong: the text is surely of that kind.
            Err(_) if matches!(person_error, IdError::CheckCharacter { .. }) => Err(person_error),
            Err(org_error @ IdError::CheckCharacter { .. }) => Err(org_error),
            Err(org_error) => Err(IdError::Neither { person: Box::new(person_error), organisation: Box::new(org_error) }),
        }
    }

    pub fn parse_as(text: &str, kind: SubjectKind) -> Result<Self, IdError> {
        let text = text.trim();
        match kind {
            SubjectKind::Person => PersonId::parse(text).map(SubjectId::Person),
            SubjectKind::Organisation => OrgCode::parse(text).map(SubjectId::Organisation),
        }
    }

    pub fn kind(&self) -> SubjectKind {
        match self {
            SubjectId::Person(_) => SubjectKind::Person,
            SubjectId::Organisation(_) => SubjectKind::Organisation,
        }
    }

    pub fn as_str(&self) -> &str {
        match self {
            SubjectId::Person(id) => id.as_str(),
            SubjectId::Organisation(code) => code.as_str(),
        }
    }

    /// Whether a number can name someone registered on `today`: a person's
    /// birth date lies neither after it nor more than [`MAX_AGE_YEARS`]
    /// before it. The check digit cannot tell (a number of someone born in
    /// 2029 is well formed), so registration asks this too.
    pub fn check_plausible(&self, today: time::Date) -> Result<(), IdError> {
        let SubjectId::Person(person) = self else {
            return Ok(());
        };
        let born = person.birth_date();
        let text = crate::date::format_date(born);
        if born > today {
            return Err(IdError::BornInFuture(text));
        }
        if born < crate::date::subtract_years(today, MAX_AGE_YEARS) {
            return Err(IdError::BornTooLongAgo(text));
        }
        Ok(())
    }

    /// The form shown on public lists: region and check character visible, the rest masked,
    /// so a listed person's birth date never appears in public.
    pub fn masked(&self) -> String {
        let text = self.as_str();
        format!("{}{}{}", &text[..6], "*".repeat(8), &text[14..])
    }
}

impl fmt::Display for PersonId {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(self.as_str())
    }
}
impl fmt::Debug for PersonId {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(formatter, "PersonId({})", self.as_str())
    }
}
impl fmt::Display for OrgCode {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(self.as_str())
    }
}
impl fmt::Debug for OrgCode {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(formatter, "OrgCode({})", self.as_str())
    }
}
impl fmt::Display for SubjectId {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(self.as_str())
    }
}
impl fmt::Debug for SubjectId {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(formatter, "SubjectId({})", self.as_str())
    }
}

impl FromStr for SubjectId {
    type Err = IdError;
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        SubjectId::parse(text)
    }
}

impl Serialize for SubjectId {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for SubjectId {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
        SubjectId::parse(&text).map_err(serde::de::Error::custom)
    }
}

/// Builds a valid person number from region, birth date and sequence; for
/// synthetic populations and tests, never for real people.
pub fn synthetic_person(region: u32, birth: time::Date, sequence: u16) -> PersonId {
    assert!((110000..=829999).contains(&region));
    assert!(sequence < 1000);
    let first = format!("{region:06}{:04}{:02}{:02}{sequence:03}", birth.year(), u8::from(birth.month()), birth.day());
    let check = person_check_character(first.as_bytes());
    PersonId::parse(&format!("{first}{check}")).expect("synthetic person number is valid")
}

/// Builds a valid organisation code from region and a 9-character organisation
/// code (digits and allowed letters); for synthetic populations and tests.
pub fn synthetic_org(region: u32, organisation_code: &str) -> OrgCode {
    assert!((110000..=829999).contains(&region));
    assert_eq!(organisation_code.len(), 9);
    let first = format!("91{region:06}{organisation_code}");
    let check = org_check_character(first.as_bytes());
    OrgCode::parse(&format!("{first}{check}")).expect("synthetic organisation code is valid")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn eighteen_characters_that_are_not_ascii_are_named() {
        let full_width = "１10101199003074514";
        let error = SubjectId::parse(full_width).unwrap_err().to_string();
        assert!(error.contains("character 1") && error.contains("ASCII"), "{error}");
        assert!(!error.contains("got 18"), "{error}");
    }

    #[test]
    fn numbers_inside_client_ids_are_found_in_any_case() {
        let person = synthetic_person(110101, time::macros::date!(1990 - 03 - 07), 451).as_str().to_string();
        assert!(contains_subject_id(&format!("tax-{person}-2026")));
        assert!(contains_subject_id(&person));
        let code = synthetic_org(110101, "MA01AB2C3").as_str().to_string();
        assert!(contains_subject_id(&format!("x{}", code.to_lowercase())));
        assert!(!contains_subject_id("judgment-2026-000123"));
        assert!(!contains_subject_id(&person[..16]));
        // 17 digits give the check character away: refused whatever follows.
        let wrong = format!("{}{}", &person[..17], if person.ends_with('0') { '1' } else { '0' });
        assert!(contains_subject_id(&wrong));
        assert!(contains_subject_id(&format!("tax-{}", &person[..17])));
        assert!(!contains_subject_id("case-2026-1234567890123456"), "16 digits are a case number");
    }

    #[test]
    fn registration_refuses_birth_dates_after_today_or_too_long_ago() {
        let today = time::macros::date!(2026 - 12 - 02);
        let born_2029 = SubjectId::parse("110101202901010058").expect("well formed");
        assert_eq!(born_2029.check_plausible(today), Err(IdError::BornInFuture("2029-01-01".into())));
        let born_1880 = SubjectId::parse("440524188001010014").expect("well formed");
        assert!(matches!(born_1880.check_plausible(today), Err(IdError::BornTooLongAgo(_))));
        let born_today = SubjectId::Person(synthetic_person(110101, today, 10));
        assert_eq!(born_today.check_plausible(today), Ok(()));
        let oldest = SubjectId::Person(synthetic_person(110101, time::macros::date!(1896 - 12 - 02), 10));
        assert_eq!(oldest.check_plausible(today), Ok(()));
        let organisation = SubjectId::parse("91350100M000100Y43").unwrap();
        assert_eq!(organisation.check_plausible(today), Ok(()));
    }

    #[test]
    fn the_organisation_value_table_is_the_alphabet() {
        for byte in 0..=u8::MAX {
            let by_search = ORG_ALPHABET.iter().position(|c| *c == byte).map(|p| p as u32);
            assert_eq!(org_value(byte), by_search, "byte {byte}");
        }
    }

    #[test]
    fn reference_person_numbers_are_valid() {
        for text in ["11010519491231002X", "110101199003074514", "440524188001010014"] {
            let id = SubjectId::parse(text).unwrap();
            assert_eq!(id.kind(), SubjectKind::Person, "{text}");
            assert_eq!(id.as_str(), text);
        }
    }

    #[test]
    fn reference_organisation_codes_are_valid() {
        for text in ["91350100M000100Y43", "91110000600037341L", "911100007109288314"] {
            let id = SubjectId::parse(text).unwrap();
            assert_eq!(id.kind(), SubjectKind::Organisation, "{text}");
        }
    }

    #[test]
    fn lower_case_x_is_normalised() {
        assert_eq!(SubjectId::parse("11010519491231002x").unwrap().as_str(), "11010519491231002X");
    }

    #[test]
    fn person_errors_name_the_part() {
        assert_eq!(PersonId::parse("1101051949123100"), Err(IdError::Length(16)));
        assert!(matches!(PersonId::parse("1101051949123100AX"), Err(IdError::Charset { position: 17, .. })));
        assert!(matches!(PersonId::parse("99010519491231002X"), Err(IdError::Region(_))));
        assert!(matches!(PersonId::parse("11010519491331002X"), Err(IdError::Date(_))));
        assert!(matches!(PersonId::parse("11010519490230002X"), Err(IdError::Date(_))));
        assert_eq!(PersonId::parse("110105194912310021"), Err(IdError::CheckCharacter { found: '1', expected: 'X' }));
        assert!(matches!(PersonId::parse("１１０１０５１９４９１２３１００２X"), Err(IdError::Charset { position: 1, .. })));
    }

    #[test]
    fn organisation_errors_name_the_part() {
        assert!(matches!(OrgCode::parse("91350100M000100I43"), Err(IdError::Charset { position: 16, .. })));
        assert_eq!(OrgCode::parse("B1350100M000100Y43"), Err(IdError::Authority('B')));
        assert!(matches!(OrgCode::parse("91990100M000100Y43"), Err(IdError::Region(_))));
        assert!(matches!(OrgCode::parse("91350100M000100Y44"), Err(IdError::CheckCharacter { .. })));
    }

    #[test]
    fn subject_parse_reports_both_readings() {
        assert!(matches!(SubjectId::parse("110105194912310021"), Err(IdError::CheckCharacter { expected: 'X', .. })));
        let error = SubjectId::parse("1101051949123100A1").unwrap_err();
        let text = error.to_string();
        assert!(text.contains("resident identity number (character 17 ('A') is not allowed"), "{text}");
        assert!(text.contains("unified social credit code ("), "{text}");
        assert!(matches!(SubjectId::parse("hello"), Err(IdError::Length(5))));
    }

    #[test]
    fn a_number_valid_as_both_kinds_is_ambiguous() {
        // Positions 3-8 of a Beijing number born in 19xx read as a code's region (11…);
        // about one sequence in 31 also has the code's check character.
        let birth = time::macros::date!(1990 - 03 - 07);
        let both = (0..1000u16)
            .map(|sequence| synthetic_person(111101, birth, sequence))
            .find(|person| OrgCode::parse(person.as_str()).is_ok())
            .expect("one sequence in 31 is a valid code too");
        assert_eq!(SubjectId::parse(both.as_str()), Err(IdError::Ambiguous));
        assert_eq!(SubjectId::parse_as(both.as_str(), SubjectKind::Person).unwrap().kind(), SubjectKind::Person);
        assert_eq!(SubjectId::parse_as(both.as_str(), SubjectKind::Organisation).unwrap().kind(), SubjectKind::Organisation);
    }

    proptest::proptest! {
        #[test]
        fn the_code_test_agrees_with_the_code_parser(text in "[0-9A-Y]{16}[0-9A-Y]{2}") {
            let bytes = to_array(&text).unwrap();
            proptest::prop_assert_eq!(OrgCode::is_valid(&bytes), OrgCode::parse(&text).is_ok());
        }

        #[test]
        fn a_valid_code_passes_the_code_test(
            province in proptest::sample::select(&PROVINCES[..]),
            rest in 0u32..10_000,
            serial in "[0-9A-HJ-NP-RTUW-Y]{9}",
        ) {
            let org = synthetic_org(u32::from(province) * 10_000 + rest, &serial);
            proptest::prop_assert!(OrgCode::is_valid(&org.0));
        }
    }

    #[test]
    fn synthetic_numbers_are_valid_and_masked() {
        let birth = time::macros::date!(1990 - 03 - 07);
        let person = synthetic_person(110101, birth, 451);
        assert_eq!(person.as_str(), "110101199003074514");
        assert_eq!(person.birth_date(), birth);
        let org = synthetic_org(350100, "M000100Y4");
        assert_eq!(org.as_str(), "91350100M000100Y43");
        assert_eq!(SubjectId::Person(person).masked(), "110101********4514");
    }
}
