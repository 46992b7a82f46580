//! Calendar dates, the unit of time in socred. The core never reads a clock:
//! every date arrives as an argument.

pub use time::Date;
use time::Month;

/// Why a date was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DateError {
    #[error("{0:?} is not a date in the form YYYY-MM-DD")]
    Format(String),
    #[error("{0:?} is not a valid calendar date")]
    Calendar(String),
    #[error("{0:?} is outside the supported years 1800-9999")]
    Range(String),
}

/// Parses `YYYY-MM-DD` strictly: no times, no offsets, no surrounding text.
pub fn parse_date(text: &str) -> Result<Date, DateError> {
    let bytes = text.as_bytes();
    let digit_positions = [0, 1, 2, 3, 5, 6, 8, 9];
    if bytes.len() != 10 || bytes[4] != b'-' || bytes[7] != b'-' || !digit_positions.iter().all(|&p| bytes[p].is_ascii_digit()) {
        return Err(DateError::Format(text.to_string()));
    }
    let number = |range: std::ops::Range<usize>| -> u32 { bytes[range].iter().fold(0, |acc, d| acc * 10 + u32::from(d - b'0')) };
    let year = number(0..4) as i32;
    if year < 1800 {
        return Err(DateError::Range(text.to_string()));
    }
    let month = Month::try_from(number(5..7) as u8).map_err(|_| DateError::Calendar(text.to_string()))?;
    Date::from_calendar_date(year, month, number(8..10) as u8).map_err(|_| DateError::Calendar(text.to_string()))
}

/// The same calendar date `years` later. A period of N years that starts on
/// 29 February ends on 1 March when the end year has no 29 February, so the
/// period is never shorter than N whole years.
pub fn add_years(date: Date, years: u32) -> Date {
    let year = date.year() + years as i32;
    match Date::from_calendar_date(year, date.month(), date.day()) {
        Ok(shifted) => shifted,
        Err(_) => {
            assert!(date.month() == Month::February && date.day() == 29);
            Date::from_calendar_date(year, Month::March, 1).expect("1 March exists")
        }
    }
}

/// 1 January of the given year.
pub fn start_of_year(year: i32) -> Date {
    Date::from_calendar_date(year, Month::January, 1).expect("1 January exists")
}

/// Formats as `YYYY-MM-DD`.
pub fn format_date(date: Date) -> String {
    let mut out = Vec::with_capacity(10);
    write_date(&mut out, date);
    String::from_utf8(out).expect("a date formats as ASCII")
}

/// Appends `YYYY-MM-DD` without going through `fmt` (the check API writes one per answer).
pub fn write_date(out: &mut Vec<u8>, date: Date) {
    let year = date.year();
    if !(0..=9999).contains(&year) {
        // Outside what parse_date accepts; `time` allows ±9999 and more.
        out.extend_from_slice(format!("{:04}-{:02}-{:02}", year, u8::from(date.month()), date.day()).as_bytes());
        return;
    }
    let (year, month, day) = (year as u32, u32::from(u8::from(date.month())), u32::from(date.day()));
    let digit = |n: u32| b'0' + (n % 10) as u8;
    out.extend_from_slice(&[
        digit(year / 1000),
        digit(year / 100),
        digit(year / 10),
        digit(year),
        b'-',
        digit(month / 10),
        digit(month),
        b'-',
        digit(day / 10),
        digit(day),
    ]);
}

/// Serde helpers so dates travel as `YYYY-MM-DD` strings.
pub mod serde_date {
    use super::*;
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(date: &Date, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&format_date(*date))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Date, D::Error> {
        let text = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
        parse_date(&text).map_err(serde::de::Error::custom)
    }

    pub mod option {
        use super::*;
        pub fn serialize<S: Serializer>(date: &Option<Date>, serializer: S) -> Result<S::Ok, S::Error> {
            match date {
                Some(date) => serializer.serialize_str(&format_date(*date)),
                None => serializer.serialize_none(),
            }
        }

        pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<Date>, D::Error> {
            let text = <Option<std::borrow::Cow<'de, str>>>::deserialize(deserializer)?;
            text.map(|text| parse_date(&text).map_err(serde::de::Error::custom)).transpose()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn formats_every_day_of_the_supported_range_as_fmt_would() {
        let mut day = Some(date!(1800 - 01 - 01));
        while let Some(today) = day.filter(|d| *d <= date!(9999 - 12 - 31)) {
            let expected = format!("{:04}-{:02}-{:02}", today.year(), u8::from(today.month()), today.day());
            assert_eq!(format_date(today), expected);
            assert_eq!(parse_date(&expected), Ok(today));
            day = today.next_day();
        }
        // Outside it, `fmt` still writes something readable.
        assert_eq!(format_date(date!(-0001 - 01 - 01)), "-001-01-01");
    }

    #[test]
    fn parses_strictly() {
        assert_eq!(parse_date("2025-03-01"), Ok(date!(2025 - 03 - 01)));
        for bad in ["2025-3-1", "2025/03/01", "2025-03-01T00:00", " 2025-03-01", "", "yesterday"] {
            assert!(matches!(parse_date(bad), Err(DateError::Format(_))), "{bad}");
        }
        assert!(matches!(parse_date("2025-02-29"), Err(DateError::Calendar(_))));
        assert!(matches!(parse_date("2025-13-01"), Err(DateError::Calendar(_))));
        assert!(matches!(parse_date("1799-12-31"), Err(DateError::Range(_))));
    }

    #[test]
    fn adds_years_with_leap_days_rounding_up() {
        assert_eq!(add_years(date!(2025 - 03 - 01), 2), date!(2027 - 03 - 01));
        assert_eq!(add_years(date!(2024 - 02 - 29), 1), date!(2025 - 03 - 01));
        assert_eq!(add_years(date!(2024 - 02 - 29), 4), date!(2028 - 02 - 29));
    }
}
