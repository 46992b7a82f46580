//! Joint rewards and punishments: the brief's scenarios 5 and 6 for decisions,
//! the links along which measures reach other subjects, and the rule that deny
//! wins.

use socred_core::date::parse_date;
use socred_core::decide::{Cause, LinkedStandings, Outcome, Standing, decide, standing};
use socred_core::lists::{Effect, check};
use socred_core::process::{CaseId, EntryId, Event, RepairOutcome, StoredEvent};
use socred_core::record::{Record, RecordId, SubjectFile};
use socred_core::rulebook::Extension;
use socred_core::{DEFAULT_RULEBOOK, Date, Rulebook, SubjectId};

fn rulebook() -> Rulebook {
    Rulebook::from_toml(DEFAULT_RULEBOOK, "default.toml").unwrap()
}

fn day(text: &str) -> Date {
    parse_date(text).unwrap()
}

const PARENT: &str = "11010519491231002X";
const CHILD: &str = "110101199003074514";
const ORG: &str = "91350100M000100Y43";

fn id(text: &str) -> SubjectId {
    SubjectId::parse(text).unwrap()
}

fn file_with(subject: &str, behaviour: &str, on: &str, record_id: &str) -> SubjectFile {
    SubjectFile {
        records: vec![Record {
            id: RecordId::parse(record_id).unwrap(),
            subject: id(subject),
            behaviour: behaviour.into(),
            occurred_on: day(on),
            source: "Intermediate People's Court".into(),
            evidence: None,
        }],
        ..Default::default()
    }
}

fn clean(subject: &str, rulebook: &Rulebook, on: &str) -> Standing {
    standing(rulebook, id(subject), &SubjectFile::default(), day(on))
}

#[test]
fn scenario_5_and_6_flights_rail_and_a_child_s_school() {
    let rulebook = rulebook();
    let mut parent_file = file_with(PARENT, "judgment-default", "2025-01-10", "jd-1");
    let parent = |file: &SubjectFile, on: &str| standing(&rulebook, id(PARENT), file, day(on));
    let none = LinkedStandings::default();
    let outcome = |service: &str, own: &Standing, linked: &LinkedStandings, on: &str| {
        decide(&rulebook, service, day(on), own, linked).unwrap().outcome
    };

    // During the notice window nothing applies; once listed, flights and high-speed rail are denied.
    assert_eq!(outcome("civil-aviation", &parent(&parent_file, "2025-01-15"), &none, "2025-01-15"), Outcome::Allow);
    assert_eq!(outcome("civil-aviation", &parent(&parent_file, "2025-01-22"), &none, "2025-01-22"), Outcome::Deny);
    assert_eq!(outcome("high-speed-rail", &parent(&parent_file, "2025-01-22"), &none, "2025-01-22"), Outcome::Deny);
    assert_eq!(outcome("ordinary-rail", &parent(&parent_file, "2025-01-22"), &none, "2025-01-22"), Outcome::Allow);
    // The parent is not restricted from private schools; their child is.
    assert_eq!(outcome("private-school-admission", &parent(&parent_file, "2025-01-22"), &none, "2025-01-22"), Outcome::Allow);
    let child = clean(CHILD, &rulebook, "2025-01-22");
    let through_parent = LinkedStandings { guardians: vec![parent(&parent_file, "2025-01-22")], ..Default::default() };
    let school = decide(&rulebook, "private-school-admission", day("2025-01-22"), &child, &through_parent).unwrap();
    assert_eq!(school.outcome, Outcome::Deny);
    assert_eq!(school.reasons[0].measure, "no-private-school-for-children");
    assert_eq!(school.reasons[0].via.as_ref().unwrap().link, Extension::Children);
    assert_eq!(school.reasons[0].via.as_ref().unwrap().subject, id(PARENT));
    assert!(matches!(&school.reasons[0].cause, Cause::List { list, entry } if list == "blacklist" && entry.as_str() == "blacklist:jd-1"));
    assert!(school.appeal.contains("linked subject"));
    assert_eq!(outcome("civil-aviation", &child, &through_parent, "2025-01-22"), Outcome::Allow, "flights do not extend to children");

    // Repair on 2026-02-01: both are allowed again.
    let entry = EntryId::parse("blacklist:jd-1").unwrap();
    for (seq, on, actor, event) in [
        (
            1,
            "2026-02-01",
            PARENT,
            Event::RepairApplied {
                repair: CaseId::parse("r1").unwrap(),
                entry: entry.clone(),
                evidence: "paid".into(),
                commitment: Some("letter".into()),
            },
        ),
        (
            2,
            "2026-02-01",
            "reviewer",
            Event::RepairDecided { repair: CaseId::parse("r1").unwrap(), outcome: RepairOutcome::Approve, reasons: "paid".into() },
        ),
    ] {
        let stored = StoredEvent { seq, on: day(on), actor: actor.into(), event };
        assert_eq!(check(&rulebook, id(PARENT), &parent_file, &stored), Ok(Effect::None));
        parent_file.events.push(stored);
    }
    assert_eq!(outcome("civil-aviation", &parent(&parent_file, "2026-02-01"), &none, "2026-02-01"), Outcome::Allow);
    let repaired = LinkedStandings { guardians: vec![parent(&parent_file, "2026-02-01")], ..Default::default() };
    assert_eq!(outcome("private-school-admission", &clean(CHILD, &rulebook, "2026-02-01"), &repaired, "2026-02-01"), Outcome::Allow);
    assert_eq!(outcome("civil-aviation", &parent(&parent_file, "2025-06-01"), &none, "2025-06-01"), Outcome::Deny, "the past is unchanged");
}

#[test]
fn organisations_and_their_representatives() {
    let rulebook = rulebook();
    let org_file = file_with(ORG, "judgment-default", "2025-01-10", "org-jd");
    let org = standing(&rulebook, id(ORG), &org_file, day("2025-03-01"));
    let none = LinkedStandings::default();
    for service in ["public-procurement", "share-issuance", "import-export-licensing", "inspection-frequency", "bank-loan"] {
        assert_eq!(decide(&rulebook, service, day("2025-03-01"), &org, &none).unwrap().outcome, Outcome::Deny, "{service}");
    }
    assert_eq!(
        decide(&rulebook, "civil-aviation", day("2025-03-01"), &org, &none).unwrap().outcome,
        Outcome::Allow,
        "flights are for persons"
    );
    // The listed organisation's legal representative is restricted from flights, through the link.
    let representative = clean(PARENT, &rulebook, "2025-03-01");
    let linked = LinkedStandings { represented: vec![org.clone()], ..Default::default() };
    let flight = decide(&rulebook, "civil-aviation", day("2025-03-01"), &representative, &linked).unwrap();
    assert_eq!(flight.outcome, Outcome::Deny);
    assert_eq!(flight.reasons[0].via.as_ref().unwrap().link, Extension::LegalRepresentatives);
    assert_eq!(
        decide(&rulebook, "bank-loan", day("2025-03-01"), &representative, &linked).unwrap().outcome,
        Outcome::Allow,
        "loans do not extend"
    );
    // A listed representative bars the organisation from procurement, not from share issuance.
    let rep_file = file_with(PARENT, "judgment-default", "2025-01-10", "rep-jd");
    let rep = standing(&rulebook, id(PARENT), &rep_file, day("2025-03-01"));
    let clean_org = clean(ORG, &rulebook, "2025-03-01");
    let through_rep = LinkedStandings { representatives: vec![rep], ..Default::default() };
    assert_eq!(decide(&rulebook, "public-procurement", day("2025-03-01"), &clean_org, &through_rep).unwrap().outcome, Outcome::Deny);
    assert_eq!(decide(&rulebook, "share-issuance", day("2025-03-01"), &clean_org, &through_rep).unwrap().outcome, Outcome::Allow);
}

#[test]
fn rewards_come_with_their_benefit_and_deny_wins() {
    let rulebook = rulebook();
    let mut file = SubjectFile::default();
    for (index, on) in ["2025-01-01", "2025-02-01", "2025-03-01"].iter().enumerate() {
        file.records.extend(file_with(CHILD, "sports-championship", on, &format!("s{index}")).records);
    }
    let aaa = standing(&rulebook, id(CHILD), &file, day("2025-03-02"));
    let none = LinkedStandings::default();
    let rental = decide(&rulebook, "rental-deposit", day("2025-03-02"), &aaa, &none).unwrap();
    assert_eq!(
        (rental.outcome, rental.benefits.clone()),
        (Outcome::AllowWithBenefit, vec!["deposit-free".to_string(), "rental-discount".to_string()]),
        "two rewards on one service: each benefit once, in the catalogue's order"
    );
    assert_eq!(
        decide(&rulebook, "ordinary-rail", day("2025-03-02"), &aaa, &none).unwrap().outcome,
        Outcome::Allow,
        "no measure means allow"
    );
    // An organisation both redlisted (by decision) and blacklisted: deny wins, no benefit.
    let both = Standing {
        subject: id(ORG),
        tier: rulebook.tiers.by_name("A").unwrap(),
        listed: vec![
            socred_core::decide::Listed { list: "redlist".into(), entry: EntryId::parse("redlist/x").unwrap() },
            socred_core::decide::Listed { list: "blacklist".into(), entry: EntryId::parse("blacklist/y").unwrap() },
        ],
        records: vec![],
    };
    let procurement = decide(&rulebook, "public-procurement", day("2025-03-02"), &both, &none).unwrap();
    assert_eq!(procurement.outcome, Outcome::Deny);
    assert!(procurement.benefits.is_empty() && procurement.reasons.iter().all(|r| r.measure == "no-public-procurement"));
    assert!(decide(&rulebook, "spaceflight", day("2025-03-02"), &both, &none).is_err());
}

#[test]
fn tier_triggers_apply_without_a_listing() {
    let rulebook = rulebook();
    let file = file_with(CHILD, "intentional-crime", "2025-01-01", "c1");
    let mut own = standing(&rulebook, id(CHILD), &file, day("2025-06-01"));
    own.listed.clear();
    let decision = decide(&rulebook, "public-sector-hiring", day("2025-06-01"), &own, &LinkedStandings::default()).unwrap();
    assert_eq!(decision.outcome, Outcome::Deny);
    assert!(matches!(&decision.reasons[0].cause, Cause::Tier { tier } if tier == "D"));
}

/// Two list entries that set off one measure give two reasons, and a provider
/// is told the measure once.
#[test]
fn a_measure_set_off_twice_is_disclosed_once() {
    let rulebook = rulebook();
    let mut file = file_with(PARENT, "judgment-default", "2025-01-10", "jd-1");
    file.records.push(Record {
        id: RecordId::parse("jd-2").unwrap(),
        subject: id(PARENT),
        behaviour: "judgment-default".into(),
        occurred_on: day("2025-02-10"),
        source: "Intermediate People's Court".into(),
        evidence: None,
    });
    let own = standing(&rulebook, id(PARENT), &file, day("2025-03-01"));
    assert_eq!(own.listed.len(), 2, "{own:?}");
    let decision = decide(&rulebook, "civil-aviation", day("2025-03-01"), &own, &LinkedStandings::default()).unwrap();
    assert_eq!(decision.reasons.iter().filter(|r| r.measure == "no-flights").count(), 2);
    assert_eq!(decision.disclosed_measures(), vec!["no-flights".to_string()]);
}

#[test]
fn evading_military_service_bars_further_education_while_the_record_counts() {
    let rulebook = rulebook();
    let none = LinkedStandings::default();
    let enrolment = |file: &SubjectFile, on: &str| {
        decide(&rulebook, "further-education-enrolment", day(on), &standing(&rulebook, id(CHILD), file, day(on)), &none).unwrap()
    };
    let mut evader = file_with(CHILD, "military-service-evasion", "2024-09-01", "msl-1");
    // Before the act, and for anyone without such a record: allowed.
    assert_eq!(enrolment(&evader, "2024-08-31").outcome, Outcome::Allow);
    assert_eq!(enrolment(&SubjectFile::default(), "2025-06-01").outcome, Outcome::Allow);
    // While the record counts (five years, the rulebook's deduction period): refused, the record named.
    let refused = enrolment(&evader, "2024-09-01");
    assert_eq!(refused.outcome, Outcome::Deny);
    assert_eq!(refused.reasons.len(), 1);
    assert_eq!(refused.reasons[0].measure, "no-further-education-for-evaders");
    assert!(
        matches!(&refused.reasons[0].cause, Cause::Record { behaviour, record } if behaviour == "military-service-evasion" && record.as_str() == "msl-1")
    );
    assert_eq!(enrolment(&evader, "2029-08-31").outcome, Outcome::Deny);
    // From the day it stops counting: allowed again.
    assert_eq!(enrolment(&evader, "2029-09-01").outcome, Outcome::Allow);
    // Other services are not touched by the record itself (the points may still move the tier).
    assert_eq!(
        decide(&rulebook, "ordinary-rail", day("2025-01-01"), &standing(&rulebook, id(CHILD), &evader, day("2025-01-01")), &none)
            .unwrap()
            .outcome,
        Outcome::Allow
    );
    // A void record (a dispute upheld) triggers nothing.
    evader.voids.push(socred_core::record::Void {
        record_id: RecordId::parse("msl-1").unwrap(),
        reason: "wrong person".into(),
        recorded_on: day("2025-01-02"),
    });
    assert_eq!(enrolment(&evader, "2025-06-01").outcome, Outcome::Allow);
    // Organisations are not enrolled: the measure applies to persons only.
    let org = file_with(ORG, "military-service-evasion", "2024-09-01", "msl-2");
    let decision =
        decide(&rulebook, "further-education-enrolment", day("2025-01-01"), &standing(&rulebook, id(ORG), &org, day("2025-01-01")), &none)
            .unwrap();
    assert_eq!(decision.outcome, Outcome::Allow);
}

#[test]
fn a_record_trigger_must_name_a_behaviour_of_the_rulebook() {
    let text = DEFAULT_RULEBOOK.replace(r#"records = ["military-service-evasion"]"#, r#"records = ["posting-online"]"#);
    let problems = Rulebook::from_toml(&text, "default.toml").unwrap_err();
    assert!(problems.to_string().contains("\"posting-online\" is not a [[behaviour]] of this rulebook"), "{problems}");
    // Without any trigger a measure is refused.
    let text = DEFAULT_RULEBOOK.replace(r#"records = ["military-service-evasion"]"#, "");
    let problems = Rulebook::from_toml(&text, "default.toml").unwrap_err();
    assert!(problems.to_string().contains("a measure needs a trigger"), "{problems}");
}
