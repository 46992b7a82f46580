//! Calendar dates, the unit of time in socred. The core never reads a clock:
//! every date arrives as an argument.

pub use time::Date;
use time::macros::date;
use time::{Month, OffsetDateTime, UtcOffset};

/// The first date any edge accepts (a query's `as_of`, a timeline, a replay clock).
pub const MIN_DATE: Date = date!(1900 - 01 - 01);
/// The last date any edge accepts. Periods that would run past it (a lock of
/// 5 years from 2999-06-01) still compute: the arithmetic below saturates.
pub const MAX_DATE: Date = date!(2999 - 12 - 31);

/// Why a date was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DateError {
    #[error("{0:?} is not a date in the form YYYY-MM-DD")]
    Format(String),
    #[error("{0:?} is not a valid calendar date")]
    Calendar(String),
    #[error("{0:?} is outside the supported range 1900-01-01 to 2999-12-31")]
    Range(String),
}

/// Parses `YYYY-MM-DD` strictly (no times, no offsets, no surrounding text)
/// and only within [`MIN_DATE`, `MAX_DATE`].
pub fn parse_date(text: &str) -> Result<Date, DateError> {
    let bytes = text.as_bytes();
    let digit_positions = [0, 1, 2, 3, 5, 6, 8, 9];
    if bytes.len() != 10 || bytes[4] != b'-' || bytes[7] != b'-' || !digit_positions.iter().all(|&p| bytes[p].is_ascii_digit()) {
        return Err(DateError::Format(text.to_string()));
    }
    let number = |range: std::ops::Range<usize>| -> u32 { bytes[range].iter().fold(0, |acc, d| acc * 10 + u32::from(d - b'0')) };
    let year = number(0..4) as i32;
    let month = Month::try_from(number(5..7) as u8).map_err(|_| DateError::Calendar(text.to_string()))?;
    let parsed = Date::from_calendar_date(year, month, number(8..10) as u8).map_err(|_| DateError::Calendar(text.to_string()))?;
    if !(MIN_DATE..=MAX_DATE).contains(&parsed) {
        return Err(DateError::Range(text.to_string()));
    }
    Ok(parsed)
}

/// The same calendar date `years` later. A period of N years that starts on
/// 29 February ends on 1 March when the end year has no 29 February, so the
/// period is never shorter than N whole years. Saturates at `Date::MAX`: a
/// period that ends beyond the calendar never ends.
pub fn add_years(date: Date, years: u32) -> Date {
    let Some(year) = i32::try_from(years).ok().and_then(|years| date.year().checked_add(years)) else {
        return Date::MAX;
    };
    same_day_in(date, year).unwrap_or(Date::MAX)
}

/// The same calendar date `years` earlier (29 February → 1 March when that
/// year has none, so the span is never longer than N years). Saturates at `Date::MIN`.
pub fn subtract_years(date: Date, years: u32) -> Date {
    let Some(year) = i32::try_from(years).ok().and_then(|years| date.year().checked_sub(years)) else {
        return Date::MIN;
    };
    same_day_in(date, year).unwrap_or(Date::MIN)
}

fn same_day_in(date: Date, year: i32) -> Option<Date> {
    match Date::from_calendar_date(year, date.month(), date.day()) {
        Ok(shifted) => Some(shifted),
        // Only 29 February can be missing from another year.
        Err(_) if date.month() == Month::February && date.day() == 29 => Date::from_calendar_date(year, Month::March, 1).ok(),
        Err(_) => None,
    }
}

/// `days` later, saturating at `Date::MAX`.
pub fn add_days(date: Date, days: u32) -> Date {
    date.saturating_add(time::Duration::days(i64::from(days)))
}

/// 1 January of the given year, saturating at the ends of the calendar.
pub fn start_of_year(year: i32) -> Date {
    match Date::from_calendar_date(year, Month::January, 1) {
        Ok(date) => date,
        Err(_) if year < 0 => Date::MIN,
        Err(_) => Date::MAX,
    }
}

/// 31 December of the given year, saturating at the ends of the calendar.
pub fn end_of_year(year: i32) -> Date {
    match Date::from_calendar_date(year, Month::December, 31) {
        Ok(date) => date,
        Err(_) if year < 0 => Date::MIN,
        Err(_) => Date::MAX,
    }
}

/// When the ledger learned something: an instant (unix milliseconds) and the
/// calendar day it falls on in the store's time zone. Due-process periods
/// count days, so they run from `day`; the log keeps the instant. A moment
/// comes from one clock at the edge; the core only receives it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Moment {
    pub unix_ms: i64,
    pub day: Date,
}

impl Moment {
    /// The moment `unix_ms` in a time zone `offset` from UTC; none outside the calendar.
    pub fn at(unix_ms: i64, offset: UtcOffset) -> Option<Moment> {
        let instant = OffsetDateTime::from_unix_timestamp_nanos(i128::from(unix_ms) * 1_000_000).ok()?;
        let day = instant.checked_to_offset(offset)?.date();
        Some(Moment { unix_ms, day })
    }

    /// The first instant of `day` in a time zone `offset` from UTC: the moment
    /// a replayed act is dated with.
    pub fn start_of(day: Date, offset: UtcOffset) -> Moment {
        let unix_ms = (day.midnight().assume_offset(offset).unix_timestamp_nanos() / 1_000_000) as i64;
        Moment { unix_ms, day }
    }

    /// The instant as RFC 3339 in UTC, with milliseconds.
    pub fn rfc3339(&self) -> String {
        let instant = OffsetDateTime::from_unix_timestamp_nanos(i128::from(self.unix_ms) * 1_000_000).unwrap_or(OffsetDateTime::UNIX_EPOCH);
        instant.format(&time::format_description::well_known::Rfc3339).unwrap_or_else(|_| self.unix_ms.to_string())
    }
}

/// A timestamp read elsewhere (tests, benches) dates acts on its own calendar day.
impl From<OffsetDateTime> for Moment {
    fn from(instant: OffsetDateTime) -> Moment {
        Moment { unix_ms: (instant.unix_timestamp_nanos() / 1_000_000) as i64, day: instant.date() }
    }
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
            if (MIN_DATE..=MAX_DATE).contains(&today) {
                assert_eq!(parse_date(&expected), Ok(today));
            } else {
                assert!(matches!(parse_date(&expected), Err(DateError::Range(_))), "{expected}");
            }
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
        for outside in ["1799-12-31", "1899-12-31", "0000-01-01", "3000-01-01", "9999-12-31"] {
            assert!(matches!(parse_date(outside), Err(DateError::Range(_))), "{outside}");
        }
        assert_eq!(parse_date("1900-01-01"), Ok(MIN_DATE));
        assert_eq!(parse_date("2999-12-31"), Ok(MAX_DATE));
        // 0000-01-01 is a date of the proleptic calendar, but never one socred takes.
        assert!(matches!(parse_date("0000-00-00"), Err(DateError::Calendar(_))));
    }

    #[test]
    fn adds_years_with_leap_days_rounding_up() {
        assert_eq!(add_years(date!(2025 - 03 - 01), 2), date!(2027 - 03 - 01));
        assert_eq!(add_years(date!(2024 - 02 - 29), 1), date!(2025 - 03 - 01));
        assert_eq!(add_years(date!(2024 - 02 - 29), 4), date!(2028 - 02 - 29));
        assert_eq!(subtract_years(date!(2024 - 02 - 29), 1), date!(2023 - 03 - 01));
        assert_eq!(subtract_years(date!(2026 - 12 - 02), 5), date!(2021 - 12 - 02));
    }

    #[test]
    fn arithmetic_saturates_instead_of_panicking() {
        assert_eq!(add_years(date!(9999 - 12 - 31), 5), Date::MAX);
        assert_eq!(add_years(date!(9996 - 02 - 29), 1), date!(9997 - 03 - 01));
        assert_eq!(add_years(date!(9999 - 01 - 01), 1), Date::MAX);
        assert_eq!(add_years(Date::MAX, u32::MAX), Date::MAX);
        assert_eq!(subtract_years(Date::MIN, 1), Date::MIN);
        assert_eq!(add_days(Date::MAX, 10), Date::MAX);
        assert_eq!(start_of_year(10_000), Date::MAX);
        assert_eq!(start_of_year(-10_000), Date::MIN);
        assert_eq!(end_of_year(9999), Date::MAX);
        assert_eq!(end_of_year(2025), date!(2025 - 12 - 31));
    }

    #[test]
    fn a_moment_falls_on_the_day_of_its_time_zone() {
        let china = UtcOffset::from_hms(8, 0, 0).unwrap();
        // 2026-12-01T20:00:00Z is already 2 December in Beijing.
        let moment = Moment::at(1_796_155_200_000, china).unwrap();
        assert_eq!(moment.day, date!(2026 - 12 - 02));
        assert_eq!(Moment::at(1_796_155_200_000, UtcOffset::UTC).unwrap().day, date!(2026 - 12 - 01));
        assert_eq!(Moment::start_of(date!(2026 - 12 - 02), china), Moment { unix_ms: 1_796_140_800_000, day: date!(2026 - 12 - 02) });
        assert_eq!(Moment::at(i64::MAX, china), None);
        assert_eq!(moment.rfc3339(), "2026-12-01T20:00:00Z");
    }
}
