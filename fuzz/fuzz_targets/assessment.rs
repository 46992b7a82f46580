//! Any set of records, voids and acts at any dates: the assessment, the lists,
//! the timeline and the check of a new act compute without a panic, and the
//! explanation adds up to the score.
#![no_main]

use std::sync::OnceLock;

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use socred_core::date::Date;
use socred_core::process::{AppealOutcome, CaseId, Event, StoredEvent};
use socred_core::record::{Record, RecordId, Recording, SubjectFile, Void};
use socred_core::{Rulebook, SubjectId};

#[derive(Debug, Arbitrary)]
struct Fact {
    behaviour: u8,
    occurred: i32,
    recorded: i32,
    voided: Option<i32>,
}

#[derive(Debug, Arbitrary)]
struct Input {
    facts: Vec<Fact>,
    appeals: Vec<(i32, bool)>,
    as_of: i32,
    act_on: i32,
}

fn rulebook() -> &'static Rulebook {
    static RULEBOOK: OnceLock<Rulebook> = OnceLock::new();
    RULEBOOK.get_or_init(|| Rulebook::from_toml(socred_core::DEFAULT_RULEBOOK, "default.toml").expect("valid"))
}

fn day(number: i32) -> Date {
    let span = Date::MAX.to_julian_day() - Date::MIN.to_julian_day() + 1;
    Date::from_julian_day(Date::MIN.to_julian_day() + number.rem_euclid(span)).expect("in range")
}

fuzz_target!(|input: Input| {
    let rulebook = rulebook();
    let subject = SubjectId::parse("110101199003074514").expect("valid");
    let mut file = SubjectFile::default();
    for (index, fact) in input.facts.iter().take(64).enumerate() {
        let behaviour = &rulebook.behaviours[usize::from(fact.behaviour) % rulebook.behaviours.len()];
        let id = RecordId::parse(&format!("r{index}")).expect("valid");
        file.records.push(Record {
            id: id.clone(),
            subject,
            behaviour: behaviour.code.clone(),
            occurred_on: day(fact.occurred),
            source: "authority".into(),
            evidence: None,
        });
        file.recorded.insert(id.clone(), Recording { on: day(fact.recorded), by: "clerk".into() });
        if let Some(voided) = fact.voided {
            file.voids.push(Void { record_id: id, reason: "fuzz".into(), recorded_on: day(voided) });
        }
    }
    let as_of = day(input.as_of);
    let assessment = socred_core::assess(rulebook, subject, &file, as_of);
    assert_eq!(assessment.base_score + assessment.explanation.iter().map(|c| c.points).sum::<i64>(), assessment.score);
    let view = socred_core::lists::evaluate(rulebook, subject, &file, as_of);
    let _ = socred_core::assess::timeline(rulebook, &file, as_of, day(input.act_on));
    for (seq, (on, uphold)) in input.appeals.iter().take(8).enumerate() {
        let Some(entry) = view.entries.get(seq % view.entries.len().max(1)) else { break };
        let appeal = CaseId::parse(&format!("a{seq}")).expect("valid");
        let filed = StoredEvent {
            seq: seq as u64 * 2 + 1,
            on: day(*on),
            actor: "subject".into(),
            event: Event::AppealFiled { appeal: appeal.clone(), entry: entry.id.clone(), grounds: "g".into() },
        };
        if socred_core::lists::check(rulebook, subject, &file, &filed).is_ok() {
            file.events.push(filed);
            let outcome = if *uphold { AppealOutcome::Uphold } else { AppealOutcome::Overturn };
            let decided = StoredEvent {
                seq: seq as u64 * 2 + 2,
                on: day(on.saturating_add(3)),
                actor: "reviewer".into(),
                event: Event::AppealDecided { appeal, outcome, reasons: "r".into() },
            };
            if socred_core::lists::check(rulebook, subject, &file, &decided).is_ok() {
                file.events.push(decided);
            }
        }
    }
    let _ = socred_core::lists::evaluate(rulebook, subject, &file, day(input.act_on));
    let _ = file.as_known_on(day(input.act_on));
});
