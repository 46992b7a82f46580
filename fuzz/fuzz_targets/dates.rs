//! Any text as a date, and any calendar day through the date arithmetic:
//! parsed within the supported range or refused, and arithmetic saturates.
#![no_main]

use libfuzzer_sys::fuzz_target;
use socred_core::date::{Date, MAX_DATE, MIN_DATE, Moment, add_days, add_years, end_of_year, format_date, parse_date, start_of_year, subtract_years};

fuzz_target!(|input: (&str, i32, u32, i64)| {
    let (text, day, years, unix_ms) = input;
    if let Ok(date) = parse_date(text) {
        assert!((MIN_DATE..=MAX_DATE).contains(&date));
        assert_eq!(format_date(date), text);
    }
    let span = Date::MAX.to_julian_day() - Date::MIN.to_julian_day() + 1;
    let date = Date::from_julian_day(Date::MIN.to_julian_day() + day.rem_euclid(span)).expect("in range");
    assert!(add_years(date, years) >= date);
    assert!(subtract_years(date, years) <= date);
    assert!(add_days(date, years) >= date);
    let _ = (start_of_year(date.year()), end_of_year(date.year()), start_of_year(day), end_of_year(day));
    let _ = format_date(date);
    let offset = time::UtcOffset::from_whole_seconds((day % 50_000).clamp(-50_399, 50_399)).expect("within ±14 hours");
    if let Some(moment) = Moment::at(unix_ms, offset) {
        let _ = moment.rfc3339();
    }
    let _ = Moment::start_of(date, offset);
});
