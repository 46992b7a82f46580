//! The policy comparison on populations whose outcome is known by
//! construction; a split of the work merges to the single-threaded result;
//! reading only the files that need it changes nothing.

use socred_core::batch::Population;
use socred_core::id::{SubjectId, synthetic_org, synthetic_person};
use socred_core::policy::groups::{Dimension, Judgement};
use socred_core::policy::{Comparer, Comparison, FileFilter, compare};
use socred_core::record::{Record, RecordId, SubjectFile};
use socred_core::{DEFAULT_RULEBOOK, Date, Rulebook};

fn date(text: &str) -> Date {
    socred_core::parse_date(text).unwrap()
}

fn default_rulebook() -> Rulebook {
    Rulebook::from_toml(DEFAULT_RULEBOOK, "default.toml").unwrap()
}

/// The default rulebook with one behaviour's points changed (and a new version).
fn with_points(code: &str, points: i64) -> Rulebook {
    let marker = format!("code = \"{code}\"");
    let at = DEFAULT_RULEBOOK.find(&marker).expect("the behaviour is in the default rulebook");
    let points_at = at + DEFAULT_RULEBOOK[at..].find("points = ").unwrap();
    let line_end = points_at + DEFAULT_RULEBOOK[points_at..].find('\n').unwrap();
    let mut source = format!("{}points = {points}{}", &DEFAULT_RULEBOOK[..points_at], &DEFAULT_RULEBOOK[line_end..]);
    let version_at = source.find("version = \"").unwrap() + "version = \"".len();
    source.insert_str(version_at, "proposed-");
    Rulebook::from_toml(&source, "proposed.toml").unwrap()
}

fn file_of(subject: SubjectId, records: &[(&str, &str)]) -> SubjectFile {
    let records = records
        .iter()
        .enumerate()
        .map(|(index, (behaviour, occurred_on))| Record {
            id: RecordId::parse(&format!("{}-{index}", subject.as_str())).unwrap(),
            subject,
            behaviour: behaviour.to_string(),
            occurred_on: date(occurred_on),
            source: "authority".into(),
            evidence: None,
        })
        .collect();
    SubjectFile { records, ..Default::default() }
}

/// The population's columns and, for each subject, its file when the comparison needs it.
fn load(before: &Rulebook, after: &Rulebook, files: &[(SubjectId, SubjectFile)], as_of: Date) -> (Population, Vec<Option<SubjectFile>>) {
    let filter = FileFilter::new(before, after, as_of);
    let mut population = Population::default();
    let mut kept = Vec::new();
    for (subject, file) in files {
        population.push_file(*subject, file).unwrap();
        kept.push(filter.needs_file(file).then(|| file.clone()));
    }
    (population, kept)
}

fn org(number: u32) -> SubjectId {
    SubjectId::Organisation(synthetic_org(110101, &format!("MA{number:07}")))
}

#[test]
fn transitions_measures_and_causes_are_exactly_the_constructed_ones() {
    let before = default_rulebook();
    let after = with_points("speeding-serious", -200);
    let as_of = date("2026-06-30");
    let files = vec![
        // 980 (A) → 800 (C): one serious speeding.
        (org(1), file_of(org(1), &[("speeding-serious", "2026-01-10")])),
        // 1000 (A) → 1000 (A).
        (org(2), file_of(org(2), &[])),
        // 900 (B) → 900 (B): a record the proposal leaves alone.
        (org(3), file_of(org(3), &[("tax-evasion", "2025-06-01")])),
        // 960 (A) → 600 (C): two.
        (org(4), file_of(org(4), &[("speeding-serious", "2026-02-01"), ("speeding-serious", "2026-03-01")])),
    ];
    let (population, kept) = load(&before, &after, &files, as_of);
    let comparison = compare(&before, &after, &population, &kept, as_of);

    assert_eq!(comparison.subjects, 4);
    let cells: Vec<(&str, &str, u64)> =
        comparison.transitions.iter().map(|cell| (cell.from.as_str(), cell.to.as_str(), cell.subjects)).collect();
    assert_eq!(cells, vec![("A", "A", 1), ("A", "C", 2), ("B", "B", 1)]);
    let tier = |name: &str| comparison.tiers.iter().find(|row| row.tier == name).map(|row| (row.before, row.after)).unwrap();
    assert_eq!((tier("A"), tier("B"), tier("C")), ((3, 1), (1, 1), (0, 2)));

    // Tier C brings more frequent inspections on organisations.
    let inspections = comparison.measures.iter().find(|m| m.service == "inspection-frequency").expect("a row for the service");
    assert_eq!((inspections.before, inspections.after), (0, 2));

    // The largest change first, with its cause.
    let largest = &comparison.largest_changes[0];
    assert_eq!((largest.score_before, largest.score_after), (960, 600));
    assert_eq!(largest.causes.len(), 1);
    assert_eq!(
        (largest.causes[0].behaviour.as_str(), largest.causes[0].points_before, largest.causes[0].points_after),
        ("speeding-serious", -40, -400)
    );
    assert_eq!(comparison.largest_changes.len(), 2, "only subjects who moved");

    assert_eq!(comparison.points.before, vec![900, 900, 900, 960, 980, 1000, 1000], "nearest rank of 900, 960, 980, 1000");
    assert_eq!(comparison.points.after, vec![600, 600, 600, 800, 900, 1000, 1000]);
    assert_eq!(comparison.impact_by_group.adverse_subjects, 2);
    assert_eq!(comparison.digest, comparison.compute_digest());
}

#[test]
fn a_rule_that_falls_on_one_province_is_flagged() {
    let before = default_rulebook();
    let after = with_points("speeding-serious", -60);
    let as_of = date("2026-06-30");
    let birth = date("1985-04-02");
    let mut files = Vec::new();
    for sequence in 0..40u16 {
        // Beijing (11): every one has a serious speeding record; Shanghai (31): a minor one.
        let beijing = SubjectId::Person(synthetic_person(110101, birth, sequence));
        files.push((beijing, file_of(beijing, &[("speeding-serious", "2026-03-01")])));
        let shanghai = SubjectId::Person(synthetic_person(310101, birth, sequence));
        files.push((shanghai, file_of(shanghai, &[("speeding-minor", "2026-03-01")])));
    }
    let (population, kept) = load(&before, &after, &files, as_of);
    let comparison = compare(&before, &after, &population, &kept, as_of);

    let groups = &comparison.impact_by_group;
    assert_eq!(groups.adverse_subjects, 40, "every Beijing subject falls from A to B");
    let province = |code: &str| groups.groups.iter().find(|g| g.dimension == Dimension::Province && g.group == code).unwrap();
    assert_eq!(province("11").ratio, Some(2.0));
    assert_eq!(province("11").judgement, Judgement::Outside);
    assert_eq!(province("31").ratio, Some(0.0));
    // Same birth date, so one age band at the population's rate.
    let band = groups.groups.iter().find(|g| g.dimension == Dimension::AgeBand).unwrap();
    assert_eq!((band.subjects, band.ratio, band.judgement), (80, Some(1.0), Judgement::Within));
}

/// A population with every kind of file the comparison meets: quiet, deep
/// falls, forced tiers, list triggers, measure-triggering records.
fn mixed_population() -> Vec<(SubjectId, SubjectFile)> {
    let codes: Vec<String> = default_rulebook().behaviours.iter().map(|b| b.code.clone()).collect();
    let mut state = 0x9e37_79b9_7f4a_7c15u64;
    let mut next = move |bound: u64| {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state % bound
    };
    let mut files = Vec::new();
    for sequence in 0..300u32 {
        let subject = if sequence % 3 == 0 {
            org(sequence)
        } else {
            let birth = Date::from_julian_day(2_440_000 + next(15_000) as i32).unwrap();
            SubjectId::Person(synthetic_person([110101, 310101, 440103][next(3) as usize], birth, (sequence % 1000) as u16))
        };
        let count = next(6) as usize;
        let records: Vec<(String, String)> = (0..count)
            .map(|_| {
                // Deductions mostly; rare codes (crime, defaults, awards) now and then.
                let code = codes[next(codes.len() as u64) as usize].clone();
                let day = Date::from_julian_day(2_459_000 + next(2_300) as i32).unwrap();
                (code, day.to_string())
            })
            .collect();
        let borrowed: Vec<(&str, &str)> = records.iter().map(|(code, day)| (code.as_str(), day.as_str())).collect();
        files.push((subject, file_of(subject, &borrowed)));
    }
    files
}

#[test]
fn reading_only_the_files_that_need_it_changes_nothing() {
    let before = default_rulebook();
    let after = with_points("tax-evasion", -300);
    let as_of = date("2026-09-01");
    let files = mixed_population();
    let (population, kept) = load(&before, &after, &files, as_of);
    let every: Vec<Option<SubjectFile>> = files.iter().map(|(_, file)| Some(file.clone())).collect();
    let filtered = compare(&before, &after, &population, &kept, as_of);
    let full = compare(&before, &after, &population, &every, as_of);
    assert!(filtered.read_in_full < full.read_in_full, "some files are quiet: {} of {}", filtered.read_in_full, full.subjects);
    assert!(filtered.lists.iter().any(|list| list.after > 0), "the population has list entries");
    let without_count = |comparison: &Comparison| {
        let mut comparison = comparison.clone();
        comparison.read_in_full = 0;
        comparison.digest = comparison.compute_digest();
        comparison
    };
    assert_eq!(without_count(&filtered), without_count(&full));
}

#[test]
fn any_split_of_the_work_merges_to_the_same_result() {
    let before = default_rulebook();
    let after = with_points("speeding-serious", -90);
    let as_of = date("2026-09-01");
    let files = mixed_population();
    let (population, kept) = load(&before, &after, &files, as_of);
    let whole = compare(&before, &after, &population, &kept, as_of);
    let comparer = Comparer::new(&before, &after, &population, as_of);
    let parts = vec![
        comparer.partial(&population, &kept, 170..300),
        comparer.partial(&population, &kept, 0..1),
        comparer.partial(&population, &kept, 1..170),
    ];
    assert_eq!(comparer.finish(parts), whole);
    assert!(whole.transitions.iter().any(|cell| cell.from != cell.to), "the proposal moves someone");
}

#[test]
fn the_same_rulebook_changes_nothing() {
    let before = default_rulebook();
    let as_of = date("2026-09-01");
    let files = mixed_population();
    let (population, kept) = load(&before, &before, &files, as_of);
    let same = compare(&before, &before, &population, &kept, as_of);
    assert!(same.transitions.iter().all(|cell| cell.from == cell.to));
    assert!(same.lists.iter().all(|list| list.gained == 0 && list.lost == 0 && list.before == list.after));
    assert!(same.measures.iter().all(|measure| measure.before == measure.after));
    assert!(same.largest_changes.is_empty());
    assert_eq!(same.impact_by_group.adverse_subjects, 0);
}
