//! A subject's consents to partners seeing their commercial score: stored
//! as events in the file (`consent-given`, `consent-withdrawn`), so each is
//! dated, attributed and on the log. The state on a day follows from them.

use serde::Serialize;
use time::Date;

use crate::date::serde_date;
use crate::process::Event;
use crate::record::SubjectFile;

/// One partner's consent as it stands on a day.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Consent {
    pub partner: String,
    #[serde(with = "serde_date")]
    pub given_on: Date,
    /// The day it was withdrawn; None while it is in force.
    #[serde(with = "serde_date::option", skip_serializing_if = "Option::is_none")]
    pub withdrawn_on: Option<Date>,
}

/// Every consent the subject gave up to `on`, newest first: in force, or withdrawn.
pub fn consents(file: &SubjectFile, on: Date) -> Vec<Consent> {
    let mut events: Vec<_> = file.events.iter().filter(|stored| stored.on <= on).collect();
    events.sort_by_key(|stored| (stored.on, stored.seq));
    let mut found: Vec<Consent> = Vec::new();
    for stored in events {
        match &stored.event {
            Event::ConsentGiven { partner, .. } => {
                found.push(Consent { partner: partner.clone(), given_on: stored.on, withdrawn_on: None })
            }
            Event::ConsentWithdrawn { partner, .. } => {
                if let Some(open) = found.iter_mut().rev().find(|c| &c.partner == partner && c.withdrawn_on.is_none()) {
                    open.withdrawn_on = Some(stored.on);
                }
            }
            _ => {}
        }
    }
    found.reverse();
    found
}

/// Whether the subject's consent to `partner` is in force on `on`.
pub fn in_force(file: &SubjectFile, partner: &str, on: Date) -> bool {
    consents(file, on).iter().any(|consent| consent.partner == partner && consent.withdrawn_on.is_none())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::SubjectId;
    use crate::lists::check;
    use crate::process::{CaseId, StoredEvent};
    use crate::{DEFAULT_RULEBOOK, Rulebook, parse_date};

    fn act(file: &mut SubjectFile, seq: u64, day: &str, event: Event) -> Result<(), String> {
        let rulebook = Rulebook::from_toml(DEFAULT_RULEBOOK, "default.toml").unwrap();
        let subject = SubjectId::parse("110101199003074514").unwrap();
        let stored = StoredEvent { seq, on: parse_date(day).unwrap(), actor: "subject".into(), event };
        check(&rulebook, subject, file, &stored).map_err(|error| format!("{}: {}", error.field, error.reason))?;
        file.events.push(stored);
        Ok(())
    }

    fn give(id: &str) -> Event {
        Event::ConsentGiven { consent: CaseId::parse(id).unwrap(), partner: "rent-a-car".into() }
    }

    fn withdraw(id: &str) -> Event {
        Event::ConsentWithdrawn { consent: CaseId::parse(id).unwrap(), partner: "rent-a-car".into() }
    }

    #[test]
    fn consent_is_given_withdrawn_and_given_again_in_order() {
        let mut file = SubjectFile::default();
        let day = |text: &str| parse_date(text).unwrap();
        assert_eq!(act(&mut file, 1, "2026-01-01", withdraw("c-0")).unwrap_err(), "partner: no consent to rent-a-car is in force");
        act(&mut file, 1, "2026-01-01", give("c-1")).unwrap();
        assert_eq!(act(&mut file, 2, "2026-01-02", give("c-2")).unwrap_err(), "partner: consent to rent-a-car is already given");
        assert!(act(&mut file, 2, "2026-01-02", withdraw("c-1")).unwrap_err().starts_with("consent: consent id c-1 is already used"));
        act(&mut file, 2, "2026-02-01", withdraw("c-2")).unwrap();
        act(&mut file, 3, "2026-03-01", give("c-3")).unwrap();
        assert!(!in_force(&file, "rent-a-car", day("2025-12-31")));
        assert!(in_force(&file, "rent-a-car", day("2026-01-31")));
        assert!(!in_force(&file, "rent-a-car", day("2026-02-01")));
        assert!(in_force(&file, "rent-a-car", day("2026-03-01")));
        assert!(!in_force(&file, "another-partner", day("2026-03-01")));
        let history = consents(&file, day("2026-03-01"));
        assert_eq!(history.len(), 2);
        assert_eq!((history[0].given_on, history[0].withdrawn_on), (day("2026-03-01"), None));
        assert_eq!(history[1].withdrawn_on, Some(day("2026-02-01")));
        let bad = Event::ConsentGiven { consent: CaseId::parse("c-9").unwrap(), partner: "no spaces allowed".into() };
        assert!(act(&mut file, 4, "2026-03-02", bad).unwrap_err().starts_with("partner:"));
        // Any account name is a partner's name, the X of an identity number included.
        let bank = Event::ConsentGiven { consent: CaseId::parse("c-10").unwrap(), partner: "bank-x.cn_11010519491231002X".into() };
        act(&mut file, 4, "2026-03-02", bank).unwrap();
    }
}
