//! Rescoring a population at memory speed: 10,000,000 records over
//! 1,000,000 subjects, the full assessment (score, tiers, locks, recovery)
//! on one thread and on every core, against DuckDB computing only the
//! points sum with expiry per subject on the same records (one thread and
//! every thread). The two take turns, run by run, so that a busy moment of
//! the machine slows both; each round's ratio is reported as well as the
//! best runs'. Then a whole policy comparison of the same population, with
//! the process's peak memory.
//!
//! cargo bench -p socred-core --bench rescore [-- --subjects N]
//!
//! DuckDB runs through its Python package (`pip install duckdb`); without it
//! the peer's rows say so.

use std::fs::File;
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use std::time::Instant;

use socred_core::batch::{Population, Scorer};
use socred_core::id::{SubjectId, synthetic_person};
use socred_core::policy::Comparer;
use socred_core::{DEFAULT_RULEBOOK, Date, Rulebook};

const RECORDS_PER_SUBJECT_MEAN: u64 = 10;
/// Rounds of runs: socred and DuckDB, one thread then every thread, in turn.
const ROUNDS: usize = 5;

struct Random(u64);

impl Random {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

/// Behaviours as often as a city sees them: small acts mostly, a judgment
/// default or a crime rarely (weights per 10,000 records).
const WEIGHTS: [(&str, u64); 21] = [
    ("volunteering", 1750),
    ("blood-donation", 900),
    ("charitable-donation", 900),
    ("waste-sorting", 1200),
    ("speeding-minor", 1500),
    ("jaywalking", 900),
    ("not-yielding-to-pedestrians", 600),
    ("unpaid-shared-bike-ride", 700),
    ("speeding-serious", 500),
    ("rail-disorder", 250),
    ("overdue-consumer-loan", 300),
    ("verified-report", 150),
    ("family-member-enlists", 100),
    ("sports-championship", 60),
    ("malicious-report", 30),
    ("tax-evasion", 30),
    ("judgment-default", 40),
    ("military-service-evasion", 10),
    ("national-award", 10),
    ("organ-donation-registration", 60),
    ("intentional-crime", 10),
];

fn generate(subjects: usize) -> Population {
    let total: u64 = WEIGHTS.iter().map(|(_, weight)| weight).sum();
    assert_eq!(total, 10_000);
    let mut population = Population::with_capacity(subjects, subjects * RECORDS_PER_SUBJECT_MEAN as usize);
    let codes: Vec<u16> = WEIGHTS.iter().map(|(code, _)| population.code(code).unwrap()).collect();
    let mut random = Random(0x9e37_79b9_7f4a_7c15);
    let first_day = Date::from_calendar_date(2020, time::Month::July, 1).unwrap().to_julian_day();
    let regions = [110101, 310101, 440103, 510104, 330102, 420102];
    let mut records = Vec::with_capacity(2 * RECORDS_PER_SUBJECT_MEAN as usize);
    for index in 0..subjects {
        let birth = Date::from_julian_day(2_430_000 + (random.next() % 25_000) as i32).unwrap();
        let region = regions[(random.next() % regions.len() as u64) as usize] + (index / 1000 % 50) as u32;
        let subject = SubjectId::Person(synthetic_person(region, birth, (index % 1000) as u16));
        records.clear();
        for _ in 0..random.next() % (2 * RECORDS_PER_SUBJECT_MEAN + 1) {
            let mut pick = random.next() % total;
            let behaviour = WEIGHTS
                .iter()
                .position(|(_, weight)| {
                    pick < *weight || {
                        pick -= weight;
                        false
                    }
                })
                .unwrap();
            let day = Date::from_julian_day(first_day + (random.next() % 2_190) as i32).unwrap();
            records.push((codes[behaviour], day));
        }
        population.push_raw(subject, records.iter().copied()).unwrap();
    }
    population.shrink_to_fit();
    population
}

/// Rescoring every subject of `range`; returns a checksum so nothing is optimised away.
fn rescore(scorer: &Scorer<'_>, population: &Population, range: std::ops::Range<usize>) -> (i64, u64) {
    let mut scratch = Vec::new();
    let (mut checksum, mut locked) = (0i64, 0u64);
    for index in range {
        let (behaviours, days) = population.records(index);
        let summary = scorer.summarise(behaviours, days, &mut scratch);
        checksum = checksum.wrapping_add(summary.score * 31 + i64::from(summary.tier.0));
        locked += u64::from(summary.lock.is_some());
    }
    (checksum, locked)
}

fn seconds(run: impl FnOnce() -> i64) -> (f64, i64) {
    let started = Instant::now();
    let checksum = run();
    (started.elapsed().as_secs_f64(), checksum)
}

fn peak_resident_bytes() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|line| line.starts_with("VmHWM:"))?;
    let kilobytes: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kilobytes * 1024)
}

/// The same records as (subject, points, first day counted, first day no longer counted), for DuckDB.
fn write_peer_input(rulebook: &Rulebook, population: &Population, path: &Path) {
    let mut out = std::io::BufWriter::with_capacity(1 << 20, std::fs::File::create(path).unwrap());
    writeln!(out, "subject,points,start_day,end_day").unwrap();
    let rules: Vec<(i64, u32)> =
        population.codes().iter().map(|code| rulebook.behaviour(code).map_or((0, 0), |b| (b.points, b.years))).collect();
    for index in 0..population.len() {
        let (behaviours, days) = population.records(index);
        for (&behaviour, &day) in behaviours.iter().zip(days) {
            let (points, years) = rules[usize::from(behaviour)];
            let start = Date::from_julian_day(day).unwrap();
            let end = socred_core::date::add_years(start, years).to_julian_day();
            writeln!(out, "{index},{points},{day},{end}").unwrap();
        }
    }
    out.flush().unwrap();
}

/// DuckDB with the records loaded, answering one query at a time.
struct Peer {
    child: Child,
    input: ChildStdin,
    output: BufReader<ChildStdout>,
    /// Where its standard error goes: read only when it fails, so that it never fills a pipe.
    errors: PathBuf,
}

impl Peer {
    /// Starts the peer on the records of `input`; why it could not, when it could not.
    fn start(input: &Path, as_of_day: i32) -> Result<Peer, String> {
        let script = concat!(env!("CARGO_MANIFEST_DIR"), "/benches/duckdb_points.py");
        let errors = input.with_extension("stderr");
        let errors_file = File::create(&errors).map_err(|error| format!("{}: {error}", errors.display()))?;
        let mut child = Command::new("python3")
            .args([script, input.to_str().expect("a temporary path in UTF-8"), &as_of_day.to_string()])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::from(errors_file))
            .spawn()
            .map_err(|error| format!("python3: {error}"))?;
        let input = child.stdin.take().expect("piped");
        let output = BufReader::new(child.stdout.take().expect("piped"));
        let mut peer = Peer { child, input, output, errors };
        let mut line = String::new();
        match peer.output.read_line(&mut line) {
            Ok(_) if line.trim() == "ready" => Ok(peer),
            _ => Err(peer.failure()),
        }
    }

    /// Stops the peer and says why it failed: the last line of its standard error.
    fn failure(&mut self) -> String {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let errors = std::fs::read_to_string(&self.errors).unwrap_or_default();
        errors.lines().last().unwrap_or("the peer stopped without a word").to_string()
    }

    /// One query with `threads` threads: (seconds, subjects in the result).
    fn run(&mut self, threads: usize) -> Result<(f64, u64), String> {
        let asked = writeln!(self.input, "{threads}").and_then(|()| self.input.flush());
        let mut line = String::new();
        let answered = asked.and_then(|()| self.output.read_line(&mut line));
        let fields: Vec<&str> = line.split_whitespace().collect();
        match (answered, &fields[..]) {
            (Ok(_), [answered, seconds, groups]) if *answered == threads.to_string() => {
                Ok((seconds.parse().expect("seconds"), groups.parse().expect("a count of subjects")))
            }
            _ => Err(self.failure()),
        }
    }
}

impl Drop for Peer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_file(&self.errors);
    }
}

/// One query of the peer while it runs; none (NaN) once it has failed, and then why.
fn run_peer(peer: &mut Result<Peer, String>, threads: usize) -> (f64, u64) {
    let Ok(running) = peer else { return (f64::NAN, 0) };
    match running.run(threads) {
        Ok(answer) => answer,
        Err(reason) => {
            *peer = Err(reason);
            (f64::NAN, 0)
        }
    }
}

/// The lowest, the median and the highest of a few figures.
fn spread(mut figures: Vec<f64>) -> (f64, f64, f64) {
    assert!(!figures.is_empty());
    figures.sort_by(f64::total_cmp);
    (figures[0], figures[figures.len() / 2], figures[figures.len() - 1])
}

fn main() {
    let mut subjects = 1_000_000usize;
    let args: Vec<String> = std::env::args().collect();
    if let Some(position) = args.iter().position(|arg| arg == "--subjects") {
        subjects = args[position + 1].parse().expect("--subjects N");
    }
    let rulebook = Rulebook::from_toml(DEFAULT_RULEBOOK, "default.toml").unwrap();
    let as_of = Date::from_calendar_date(2026, time::Month::June, 30).unwrap();
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());

    let started = Instant::now();
    let population = generate(subjects);
    let records = population.record_count();
    eprintln!("generated {subjects} subjects, {records} records in {:.1} s", started.elapsed().as_secs_f64());
    let scorer = Scorer::new(&rulebook, population.codes(), as_of);

    let input = std::env::temp_dir().join(format!("socred-rescore-{}.csv", std::process::id()));
    write_peer_input(&rulebook, &population, &input);
    // Both warmed up: socred by the run that counts locks below, the peer by a query of each kind.
    let mut peer = Peer::start(&input, as_of.to_julian_day()).and_then(|mut peer| {
        peer.run(1)?;
        peer.run(threads)?;
        Ok(peer)
    });
    let _ = std::fs::remove_file(&input);

    let per_thread = population.len().div_ceil(threads);
    let rescore_split = || {
        std::thread::scope(|scope| {
            let workers: Vec<_> = (0..threads)
                .map(|thread| {
                    let range = (thread * per_thread).min(population.len())..((thread + 1) * per_thread).min(population.len());
                    let (scorer, population) = (&scorer, &population);
                    scope.spawn(move || rescore(scorer, population, range).0)
                })
                .collect();
            workers.into_iter().map(|worker| worker.join().unwrap()).fold(0i64, |sum, part| sum.wrapping_add(part))
        })
    };
    let (checksum, locked) = rescore(&scorer, &population, 0..population.len());
    // Seconds per round: socred on one thread, on every thread; the peer on one, on every.
    let mut rounds: Vec<[f64; 4]> = Vec::with_capacity(ROUNDS);
    let mut peer_groups = Vec::with_capacity(2 * ROUNDS);
    for _ in 0..ROUNDS {
        let (single, single_checksum) = seconds(|| rescore(&scorer, &population, 0..population.len()).0);
        let (peer_single, groups_single) = run_peer(&mut peer, 1);
        let (parallel, parallel_checksum) = seconds(rescore_split);
        let (peer_parallel, groups_parallel) = run_peer(&mut peer, threads);
        assert_eq!((single_checksum, parallel_checksum), (checksum, checksum), "every run gives the same answers");
        rounds.push([single, parallel, peer_single, peer_parallel]);
        peer_groups.extend([groups_single, groups_parallel]);
    }
    // The peer is stopped before the comparison is timed.
    let peer: Result<(), String> = peer.map(drop);
    let best = |column: usize| rounds.iter().map(|round| round[column]).fold(f64::INFINITY, f64::min);
    let (single, parallel, peer_single, peer_parallel) = (best(0), best(1), best(2), best(3));

    // A whole comparison: a proposal that doubles the weight of serious speeding.
    let proposal_source = {
        let at = DEFAULT_RULEBOOK.find("code = \"speeding-serious\"").unwrap();
        let points_at = at + DEFAULT_RULEBOOK[at..].find("points = ").unwrap();
        let line_end = points_at + DEFAULT_RULEBOOK[points_at..].find('\n').unwrap();
        format!("{}points = -40{}", &DEFAULT_RULEBOOK[..points_at], &DEFAULT_RULEBOOK[line_end..])
    };
    let proposal = Rulebook::from_toml(&proposal_source, "proposal.toml").unwrap();
    let files = vec![None; population.len()];
    let started = Instant::now();
    let comparer = Comparer::new(&rulebook, &proposal, &population, as_of);
    let parts = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..threads)
            .map(|thread| {
                let range = (thread * per_thread).min(population.len())..((thread + 1) * per_thread).min(population.len());
                let (comparer, population, files) = (&comparer, &population, &files);
                scope.spawn(move || comparer.partial(population, files, range))
            })
            .collect();
        workers.into_iter().map(|worker| worker.join().unwrap()).collect()
    });
    let comparison = comparer.finish(parts);
    let compare_seconds = started.elapsed().as_secs_f64();
    let moved: u64 = comparison.transitions.iter().filter(|cell| cell.from != cell.to).map(|cell| cell.subjects).sum();
    let peak = peak_resident_bytes();

    let rate = |seconds: f64| records as f64 / seconds / 1e6;
    println!("\nrescore: {subjects} subjects, {records} records, as of {as_of}, {threads} threads available");
    println!("| measure | figure |");
    println!("|---|---|");
    println!("| socred batch rescore, 1 thread (tiers, locks, recovery) | {:.1} M records/s ({:.0} ms) |", rate(single), single * 1e3);
    println!(
        "| socred batch rescore, {threads} threads | {:.1} M records/s ({:.1} M records/s per core) |",
        rate(parallel),
        rate(parallel) / threads as f64
    );
    match &peer {
        Ok(()) => {
            assert!(peer_groups.iter().all(|groups| *groups == peer_groups[0] && *groups > 0), "the peer gives one answer every run");
            let peer_groups = peer_groups[0];
            for (peer_threads, seconds) in [(1, peer_single), (threads, peer_parallel)] {
                println!(
                    "| DuckDB points sum with expiry, {peer_threads} thread(s) | {:.1} M records/s ({peer_groups} subjects) |",
                    rate(seconds)
                );
            }
            // socred's rate over DuckDB's is the inverse ratio of their times, round by round.
            let ratios = |socred: usize, peer: usize| spread(rounds.iter().map(|round| round[peer] / round[socred]).collect());
            println!("| ratio, socred 1 thread / DuckDB 1 thread, best runs | {:.2} |", peer_single / single);
            let (lowest, median, highest) = ratios(0, 2);
            println!("| ratio, socred 1 thread / DuckDB 1 thread, each round | median {median:.2} ({lowest:.2} – {highest:.2}) |");
            let (_, median, _) = ratios(1, 3);
            println!("| ratio, socred {threads} threads / DuckDB {threads} threads, each round | median {median:.2} |");
        }
        Err(reason) => println!("| DuckDB | not run: {reason} |"),
    }
    println!("| subjects in a locked tier on the day | {locked} |");
    println!("| hot state per subject (summary + offset) | {} bytes |", size_of::<socred_core::batch::BatchSummary>() + size_of::<u32>());
    println!("| columns per million subjects | {:.0} MiB |", population.column_bytes() as f64 / (subjects as f64 / 1e6) / (1 << 20) as f64);
    println!("| policy comparison, {threads} threads | {:.0} ms, {moved} subjects move |", compare_seconds * 1e3);
    if let Some(peak) = peak {
        println!(
            "| peak resident memory (generation, rescoring, comparison) per million subjects | {:.0} MiB |",
            peak as f64 / (subjects as f64 / 1e6) / (1 << 20) as f64
        );
    }
}
