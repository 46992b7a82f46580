//! The `[reporting]` section: public reports (what may be reported, the reward
//! and the penalty, rate limits, evidence limits, whether the reporter is named
//! to the subject).

use serde::{Deserialize, Serialize};
use toml::Spanned;

use super::{Behaviour, Problems, says};

/// Bounds on what a rulebook may allow.
pub const MAX_REPORTS_PER_DAY: i64 = 1_000;
pub const MAX_EVIDENCE_BYTES: i64 = 8 * 1024 * 1024;
pub const MAX_EVIDENCE_FILES: i64 = 16;
/// The media types socred can recognise from their content (magic bytes).
pub const KNOWN_MEDIA_TYPES: [&str; 4] = ["image/png", "image/jpeg", "application/pdf", "text/plain"];

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Reporting {
    /// Behaviours members of the public may report.
    pub reportable: Vec<String>,
    /// Recorded for the reporter when their report is verified (the first of those facts only).
    pub reward_behaviour: Option<String>,
    /// Recorded for the reporter when their report is found malicious.
    pub malicious_behaviour: Option<String>,
    /// Whether the reported subject learns who reported them.
    pub disclose_reporter: bool,
    /// Reports one account may file in 24 hours.
    pub per_account_per_day: u32,
    /// Reports about one subject, from anyone, in 24 hours.
    pub per_target_per_day: u32,
    pub evidence_max_bytes: u64,
    pub evidence_max_files: u32,
    pub evidence_types: Vec<String>,
    /// Evidence files one account may upload in 24 hours (whether or not they
    /// are attached to a report): what one account can make the store keep.
    pub evidence_uploads_per_account_per_day: u32,
}

impl Default for Reporting {
    /// Without a `[reporting]` section nothing may be reported.
    fn default() -> Self {
        Reporting {
            reportable: Vec::new(),
            reward_behaviour: None,
            malicious_behaviour: None,
            disclose_reporter: false,
            per_account_per_day: 5,
            per_target_per_day: 10,
            evidence_max_bytes: 2 * 1024 * 1024,
            evidence_max_files: 5,
            evidence_types: KNOWN_MEDIA_TYPES.iter().map(|t| t.to_string()).collect(),
            evidence_uploads_per_account_per_day: 20,
        }
    }
}

impl Reporting {
    pub fn may_report(&self, behaviour: &str) -> bool {
        self.reportable.iter().any(|b| b == behaviour)
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawReporting {
    #[serde(default)]
    reportable: Vec<String>,
    reward_behaviour: Option<String>,
    malicious_behaviour: Option<String>,
    #[serde(default)]
    disclose_reporter: bool,
    per_account_per_day: Option<i64>,
    per_target_per_day: Option<i64>,
    evidence_max_bytes: Option<i64>,
    evidence_max_files: Option<i64>,
    evidence_types: Option<Vec<String>>,
    evidence_uploads_per_account_per_day: Option<i64>,
}

pub(super) fn validate_reporting(raw: Option<Spanned<RawReporting>>, behaviours: &[Behaviour], problems: &mut Problems<'_>) -> Reporting {
    let defaults = Reporting::default();
    let Some(raw) = raw else {
        return defaults;
    };
    let span = raw.span();
    let raw = raw.into_inner();
    let known = |code: &str| behaviours.iter().find(|b| b.code == code);
    for (index, code) in raw.reportable.iter().enumerate() {
        if known(code).is_none() {
            problems.add(&span, format!("reporting.reportable[{index}]"), says::NOT_A_BEHAVIOUR.with([("code", &format!("{code:?}"))]));
        }
    }
    if raw.reportable.len() > 1_000 {
        problems.add(&span, "reporting.reportable", says::REPORTABLE_AT_MOST.with([("max", &1_000)]));
    }
    for (key, code, sign) in [("reward_behaviour", &raw.reward_behaviour, 1i64), ("malicious_behaviour", &raw.malicious_behaviour, -1i64)] {
        if let Some(code) = code {
            match known(code) {
                None => problems.add(&span, format!("reporting.{key}"), says::NOT_A_BEHAVIOUR.with([("code", &format!("{code:?}"))])),
                Some(behaviour) if behaviour.points.signum() != sign => {
                    let template = if sign > 0 { says::REWARD_MUST_ADD } else { says::MALICIOUS_MUST_DEDUCT };
                    problems.add(
                        &span,
                        format!("reporting.{key}"),
                        template.with([("code", &format!("{code:?}")), ("points", &behaviour.points)]),
                    )
                }
                Some(_) => {}
            }
        }
    }
    let mut bounded = |key: &str, value: Option<i64>, min: i64, max: i64, default: u64| -> u64 {
        match value {
            None => default,
            Some(v) if (min..=max).contains(&v) => v as u64,
            Some(_) => {
                problems.add(&span, format!("reporting.{key}"), says::BETWEEN.with([("min", &min), ("max", &max)]));
                default
            }
        }
    };
    let per_account_per_day = bounded("per_account_per_day", raw.per_account_per_day, 1, MAX_REPORTS_PER_DAY, 5) as u32;
    let per_target_per_day = bounded("per_target_per_day", raw.per_target_per_day, 1, MAX_REPORTS_PER_DAY, 10) as u32;
    let evidence_max_bytes = bounded("evidence_max_bytes", raw.evidence_max_bytes, 1, MAX_EVIDENCE_BYTES, defaults.evidence_max_bytes);
    let evidence_max_files = bounded("evidence_max_files", raw.evidence_max_files, 0, MAX_EVIDENCE_FILES, 5) as u32;
    let evidence_uploads_per_account_per_day =
        bounded("evidence_uploads_per_account_per_day", raw.evidence_uploads_per_account_per_day, 1, MAX_REPORTS_PER_DAY, 20) as u32;
    let evidence_types = match raw.evidence_types {
        None => defaults.evidence_types,
        Some(types) => {
            for (index, media_type) in types.iter().enumerate() {
                if !KNOWN_MEDIA_TYPES.contains(&media_type.as_str()) {
                    let message = says::MEDIA_TYPE_UNKNOWN
                        .with([("media_type", &format!("{media_type:?}")), ("choices", &KNOWN_MEDIA_TYPES.join(", "))]);
                    problems.add(&span, format!("reporting.evidence_types[{index}]"), message);
                }
            }
            types
        }
    };
    Reporting {
        reportable: raw.reportable,
        reward_behaviour: raw.reward_behaviour,
        malicious_behaviour: raw.malicious_behaviour,
        disclose_reporter: raw.disclose_reporter,
        per_account_per_day,
        per_target_per_day,
        evidence_max_bytes,
        evidence_max_files,
        evidence_types,
        evidence_uploads_per_account_per_day,
    }
}

/// The media type of `data` judged by its content, if it is one socred knows.
/// Declared types are not trusted: a file is what its bytes say it is.
pub fn sniff_media_type(data: &[u8]) -> Option<&'static str> {
    if data.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some("image/png")
    } else if data.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some("image/jpeg")
    } else if data.starts_with(b"%PDF-") {
        Some("application/pdf")
    } else if !data.is_empty()
        && std::str::from_utf8(data).is_ok_and(|t| !t.chars().any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t')))
    {
        Some("text/plain")
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn media_types_come_from_the_bytes() {
        assert_eq!(sniff_media_type(b"\x89PNG\r\n\x1a\nrest"), Some("image/png"));
        assert_eq!(sniff_media_type(&[0xFF, 0xD8, 0xFF, 0xE0]), Some("image/jpeg"));
        assert_eq!(sniff_media_type(b"%PDF-1.7"), Some("application/pdf"));
        assert_eq!(sniff_media_type("a photo of the bike, 3 May\n".as_bytes()), Some("text/plain"));
        assert_eq!(sniff_media_type(b"MZ\x90\x00\x03"), None, "an executable is refused");
        assert_eq!(sniff_media_type(b""), None);
        assert_eq!(sniff_media_type(b"text\x00with nul"), None);
    }
}
