//! The one clock that dates every act.
//!
//! An act happens when it is recorded: the CLI's or the server's clock reads
//! the moment once, at the edge, and everything below receives it. A store is
//! created either for live use, where only the system clock dates acts, or for
//! scenario replay, where the caller supplies the day (the brief's dated
//! scenarios, the demo population). The store remembers which, and refuses a
//! moment a live store's clock could not have given.

use socred_core::date::DateError;
use socred_core::date::{Date, MAX_DATE, MIN_DATE, Moment, format_date};
use socred_i18n::reasons::Cause;
use time::UtcOffset;

use crate::error::{Result, StoreError};

/// How far a live store's act may be dated from the system clock: enough for
/// a write that waited in a queue, too little to back-date anything.
pub const MAX_CLOCK_SKEW_MS: i64 = 5 * 60 * 1000;

/// China Standard Time, the default time zone of a store's calendar days.
pub const DEFAULT_UTC_OFFSET: UtcOffset = match UtcOffset::from_hms(8, 0, 0) {
    Ok(offset) => offset,
    Err(_) => UtcOffset::UTC,
};

/// Where a store's acts get their dates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dating {
    /// Acts are dated by the system clock; a caller can never choose a date.
    Clock,
    /// A store for scenario replay: the caller may supply the day of each act.
    Replay,
}

impl Dating {
    pub fn as_str(self) -> &'static str {
        match self {
            Dating::Clock => "clock",
            Dating::Replay => "replay",
        }
    }

    pub(crate) fn parse(text: &str) -> Option<Dating> {
        match text {
            "clock" => Some(Dating::Clock),
            "replay" => Some(Dating::Replay),
            _ => None,
        }
    }
}

/// How a new store dates its acts, and in which time zone its days fall.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TimeSettings {
    pub dating: Dating,
    pub utc_offset: UtcOffset,
}

impl TimeSettings {
    /// A live store: the system clock, China Standard Time.
    pub fn clock() -> TimeSettings {
        TimeSettings { dating: Dating::Clock, utc_offset: DEFAULT_UTC_OFFSET }
    }

    /// A store for scenario replay, China Standard Time.
    pub fn replay() -> TimeSettings {
        TimeSettings { dating: Dating::Replay, utc_offset: DEFAULT_UTC_OFFSET }
    }
}

/// Reads the time for one store: the system clock in the store's time zone,
/// or, in a replay store only, a day fixed by the caller.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Clock {
    settings: TimeSettings,
    fixed: Option<Date>,
}

fn system_ms() -> i64 {
    (time::OffsetDateTime::now_utc().unix_timestamp_nanos() / 1_000_000) as i64
}

impl Clock {
    pub(crate) fn new(settings: TimeSettings) -> Clock {
        Clock { settings, fixed: None }
    }

    pub fn settings(&self) -> TimeSettings {
        self.settings
    }

    pub fn is_replay(&self) -> bool {
        self.settings.dating == Dating::Replay
    }

    /// The same clock stopped on `day`: every act is dated that day. Only a
    /// replay store takes a date from its caller; a live store refuses.
    pub fn fixed_on(self, day: Date) -> Result<Clock> {
        if !self.is_replay() {
            return Err(StoreError::invalid_message("on", "input-live-store-dates", vec![]));
        }
        if !(MIN_DATE..=MAX_DATE).contains(&day) {
            return Err(StoreError::invalid_cause("on", Cause::Date(DateError::Range(format_date(day)))));
        }
        Ok(Clock { fixed: Some(day), ..self })
    }

    /// Now. The one place a store's acts and "today" come from.
    pub fn now(&self) -> Moment {
        match self.fixed {
            Some(day) => Moment::start_of(day, self.settings.utc_offset),
            None => Moment::at(system_ms(), self.settings.utc_offset).expect("the system clock is within the calendar"),
        }
    }

    /// Today's date in the store's time zone: the default `as_of` of reads.
    pub fn today(&self) -> Date {
        self.now().day
    }

    /// Refuses a moment this store's clock could not have given: in a live
    /// store, one away from the system clock or on another day than its
    /// instant's in the store's time zone. A replay store takes any day in range.
    pub(crate) fn admit(&self, moment: Moment) -> Result<()> {
        if !(MIN_DATE..=MAX_DATE).contains(&moment.day) {
            return Err(StoreError::invalid_cause("on", Cause::Date(DateError::Range(format_date(moment.day)))));
        }
        if self.is_replay() {
            return Ok(());
        }
        let skew = (moment.unix_ms - system_ms()).abs();
        let on_its_day = Moment::at(moment.unix_ms, self.settings.utc_offset).is_some_and(|m| m.day == moment.day);
        if skew > MAX_CLOCK_SKEW_MS || !on_its_day {
            return Err(StoreError::invalid(
                "on",
                format!(
                    "an act dated {} ({}) is not now: this store dates every act by its clock",
                    format_date(moment.day),
                    moment.rfc3339()
                ),
            ));
        }
        Ok(())
    }
}

/// `+08:00` and the like, as stored in the store's meta table.
pub fn format_offset(offset: UtcOffset) -> String {
    let (hours, minutes, _) = offset.as_hms();
    let sign = if offset.is_negative() { '-' } else { '+' };
    format!("{sign}{:02}:{:02}", hours.unsigned_abs(), minutes.unsigned_abs())
}

/// Parses `+08:00`, `-05:30`, `Z` or `+00:00`: whole minutes, at most ±14 hours.
pub fn parse_offset(text: &str) -> Option<UtcOffset> {
    if text == "Z" {
        return Some(UtcOffset::UTC);
    }
    let bytes = text.as_bytes();
    if bytes.len() != 6 || !matches!(bytes[0], b'+' | b'-') || bytes[3] != b':' {
        return None;
    }
    let digits = |range: std::ops::Range<usize>| -> Option<i8> { text.get(range)?.parse::<u8>().ok().and_then(|n| i8::try_from(n).ok()) };
    let (hours, minutes) = (digits(1..3)?, digits(4..6)?);
    if hours > 14 || minutes > 59 || !bytes[1..3].iter().chain(&bytes[4..6]).all(u8::is_ascii_digit) {
        return None;
    }
    let sign = if bytes[0] == b'-' { -1 } else { 1 };
    UtcOffset::from_hms(sign * hours, sign * minutes, 0).ok()
}

/// Now by the wall clock, as RFC 3339 UTC to the second: when a checkpoint
/// is signed (a real instant even on a replay store).
pub fn wall_clock_rfc3339() -> String {
    time::OffsetDateTime::now_utc()
        .replace_nanosecond(0)
        .ok()
        .and_then(|t| t.format(&time::format_description::well_known::Rfc3339).ok())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn offsets_round_trip_and_garbage_is_refused() {
        for text in ["+08:00", "-05:30", "+00:00", "+14:00"] {
            assert_eq!(format_offset(parse_offset(text).unwrap()), text);
        }
        assert_eq!(parse_offset("Z"), Some(UtcOffset::UTC));
        for bad in ["", "08:00", "+8:00", "+15:00", "+08:60", "+08-00", "+0８:00", "+08:00:00", "UTC"] {
            assert_eq!(parse_offset(bad), None, "{bad}");
        }
    }

    #[test]
    fn a_live_clock_takes_no_date_from_its_caller() {
        let live = Clock::new(TimeSettings::clock());
        assert!(live.fixed_on(date!(2025 - 01 - 10)).is_err());
        assert!(live.admit(live.now()).is_ok());
        let past = Moment::start_of(date!(2025 - 01 - 01), DEFAULT_UTC_OFFSET);
        assert!(matches!(live.admit(past), Err(StoreError::Invalid { field, .. }) if field == "on"));
        let wrong_day = Moment { day: live.today().next_day().unwrap(), ..live.now() };
        assert!(live.admit(wrong_day).is_err(), "the day must be the instant's");

        let replay = Clock::new(TimeSettings::replay()).fixed_on(date!(2025 - 01 - 10)).unwrap();
        assert_eq!(replay.today(), date!(2025 - 01 - 10));
        assert!(replay.admit(past).is_ok());
        assert!(replay.fixed_on(date!(9999 - 12 - 31)).is_err());
        assert!(replay.admit(Moment { unix_ms: 0, day: date!(9999 - 12 - 31) }).is_err());
    }
}
