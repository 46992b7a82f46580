//! The `[limits]` section: plausibility bounds the rulebook puts on what
//! machines may do, so that one feed or one client cannot move a score or
//! learn about other days without a human noticing.

use serde::{Deserialize, Serialize};
use toml::Spanned;

use super::{Problems, says};

pub const MAX_CHECK_WINDOW_DAYS: i64 = 7;
pub const MAX_PARTNER_LINES_PER_SUBJECT: i64 = 10_000;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Limits {
    /// Providers ask for a decision on today, or at most this many days before
    /// or after it (0: today only). A provider needs no other day.
    pub check_window_days: u32,
    /// Lines about one subject a partner batch may carry; the excess is refused with the reason.
    pub partner_lines_per_subject_per_batch: u32,
    /// Lines about one subject one partner may send in a day (all its batches together).
    pub partner_lines_per_subject_per_day: u32,
}

impl Default for Limits {
    fn default() -> Self {
        Limits { check_window_days: 0, partner_lines_per_subject_per_batch: 10, partner_lines_per_subject_per_day: 20 }
    }
}

impl Limits {
    /// The day a provider's check is decided on: today, or a day the window
    /// allows; the reason otherwise. Pure: today comes from the caller's clock.
    pub fn check_day(&self, requested: Option<crate::Date>, today: crate::Date) -> Result<crate::Date, String> {
        let Some(day) = requested else {
            return Ok(today);
        };
        let distance = (day - today).whole_days().abs();
        if distance > i64::from(self.check_window_days) {
            return Err(if self.check_window_days == 0 {
                format!("decisions are given for today ({}) only", crate::date::format_date(today))
            } else {
                format!(
                    "decisions are given for at most {} days either side of today ({})",
                    self.check_window_days,
                    crate::date::format_date(today)
                )
            });
        }
        Ok(day)
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawLimits {
    check_window_days: Option<i64>,
    partner_lines_per_subject_per_batch: Option<i64>,
    partner_lines_per_subject_per_day: Option<i64>,
}

pub(super) fn validate_limits(raw: Option<Spanned<RawLimits>>, problems: &mut Problems<'_>) -> Limits {
    let defaults = Limits::default();
    let Some(raw) = raw else {
        return defaults;
    };
    let span = raw.span();
    let raw = raw.into_inner();
    let mut bounded = |key: &str, value: Option<i64>, min: i64, max: i64, default: u32| -> u32 {
        match value {
            None => default,
            Some(v) if (min..=max).contains(&v) => v as u32,
            Some(_) => {
                problems.add(&span, format!("limits.{key}"), says::BETWEEN.with([("min", &min), ("max", &max)]));
                default
            }
        }
    };
    let check_window_days = bounded("check_window_days", raw.check_window_days, 0, MAX_CHECK_WINDOW_DAYS, defaults.check_window_days);
    let per_batch = bounded(
        "partner_lines_per_subject_per_batch",
        raw.partner_lines_per_subject_per_batch,
        1,
        MAX_PARTNER_LINES_PER_SUBJECT,
        defaults.partner_lines_per_subject_per_batch,
    );
    let per_day = bounded(
        "partner_lines_per_subject_per_day",
        raw.partner_lines_per_subject_per_day,
        1,
        MAX_PARTNER_LINES_PER_SUBJECT,
        defaults.partner_lines_per_subject_per_day,
    );
    if per_day < per_batch {
        problems.add(&span, "limits.partner_lines_per_subject_per_day", says::LINES_PER_DAY);
    }
    Limits { check_window_days, partner_lines_per_subject_per_batch: per_batch, partner_lines_per_subject_per_day: per_day }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn providers_decide_for_today_or_within_the_window() {
        let today = crate::date::parse_date("2026-12-03").unwrap();
        let day = |text: &str| Some(crate::date::parse_date(text).unwrap());
        let today_only = Limits::default();
        assert_eq!(today_only.check_day(None, today), Ok(today));
        assert_eq!(today_only.check_day(Some(today), today), Ok(today));
        assert!(today_only.check_day(day("2026-12-02"), today).unwrap_err().contains("today (2026-12-03) only"));
        assert!(today_only.check_day(day("1900-01-01"), today).is_err());
        assert!(today_only.check_day(day("2999-12-31"), today).is_err());
        let week = Limits { check_window_days: 7, ..Limits::default() };
        assert_eq!(week.check_day(day("2026-12-10"), today), day("2026-12-10").ok_or(String::new()));
        assert!(week.check_day(day("2026-12-11"), today).is_err());
    }
}
