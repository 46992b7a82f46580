//! Assessment of one subject: the full explained assessment and the hot
//! summary, for files of 10, 100 and 1000 records.
//!
//! cargo bench -p socred-core --bench assess

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use socred_core::assess::{assess, summarise};
use socred_core::record::{Record, RecordId, SubjectFile};
use socred_core::{DEFAULT_RULEBOOK, Date, Rulebook, SubjectId};

fn file(rulebook: &Rulebook, subject: SubjectId, records: usize) -> SubjectFile {
    let start = Date::from_calendar_date(2016, time::Month::January, 1).unwrap();
    let mut state = 0x9e3779b97f4a7c15u64;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let records = (0..records)
        .map(|index| Record {
            id: RecordId::parse(&format!("r{index}")).unwrap(),
            subject,
            behaviour: rulebook.behaviours[(next() % rulebook.behaviours.len() as u64) as usize].code.clone(),
            occurred_on: start + time::Duration::days((next() % 3650) as i64),
            source: "bench".into(),
            evidence: None,
        })
        .collect();
    SubjectFile { records, ..Default::default() }
}

fn bench(c: &mut Criterion) {
    let rulebook = Rulebook::from_toml(DEFAULT_RULEBOOK, "default.toml").unwrap();
    let subject = SubjectId::parse("110101199003074514").unwrap();
    let as_of = Date::from_calendar_date(2026, time::Month::June, 30).unwrap();
    let mut group = c.benchmark_group("assessment");
    for records in [10usize, 100, 1000] {
        let file = file(&rulebook, subject, records);
        group.throughput(Throughput::Elements(records as u64));
        group.bench_with_input(BenchmarkId::new("assess", records), &file, |b, file| {
            b.iter(|| assess(&rulebook, subject, std::hint::black_box(file), as_of))
        });
        group.bench_with_input(BenchmarkId::new("summarise", records), &file, |b, file| {
            b.iter(|| summarise(&rulebook, std::hint::black_box(file), as_of))
        });
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
