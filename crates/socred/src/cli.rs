//! Command-line arguments.

use std::path::PathBuf;

use clap::{Parser, Subcommand, ValueEnum};

/// Import file formats.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum FormatArg {
    Ndjson,
    Csv,
}

impl From<FormatArg> for socred_ingest::Format {
    fn from(format: FormatArg) -> Self {
        match format {
            FormatArg::Ndjson => socred_ingest::Format::Ndjson,
            FormatArg::Csv => socred_ingest::Format::Csv,
        }
    }
}

/// socred: a transparent, due-process social credit ledger.
///
/// Every number can be explained (`socred show`), every record is on an
/// append-only ledger under a hash-chained audit log (`socred audit verify`).
#[derive(Debug, Parser)]
#[command(name = "socred", version, propagate_version = true, max_term_width = 100)]
pub struct Cli {
    /// The store file.
    #[arg(long, global = true, env = "SOCRED_DB", default_value = "socred.db")]
    pub db: PathBuf,

    /// The key that signs the log's checkpoints, kept outside the database
    /// (default: the store's path with `.log-key` appended).
    #[arg(long, global = true, env = "SOCRED_LOG_KEY")]
    pub log_key: Option<PathBuf>,

    /// PostgreSQL only: a hot standby of --db that file reads (`show`,
    /// `subject show`) are sent to; they may lag the primary by its replay delay.
    #[arg(long, global = true, env = "SOCRED_READ_DB")]
    pub read_db: Option<String>,

    /// The site's public address (https://…), which e-mail-ready texts link
    /// to (`mail`, and the API's texts when serving).
    #[arg(long, global = true, env = "SOCRED_PUBLIC_URL")]
    pub public_url: Option<String>,

    /// Who is acting, as written to the audit log.
    #[arg(long, global = true, env = "SOCRED_ACTOR", default_value = "cli")]
    pub actor: String,

    /// Replay stores only: the day this command's acts are dated and its reads
    /// default to (YYYY-MM-DD). A live store dates every act by the clock and
    /// refuses it.
    #[arg(long, global = true)]
    pub on: Option<String>,

    /// The language of human output: en or zh-CN (default: the locale's, from
    /// LC_ALL, LC_MESSAGES or LANG; else English). JSON is the same in both.
    #[arg(long, global = true, env = "SOCRED_LANG", value_parser = crate::render::parse_language)]
    pub lang: Option<socred_i18n::Language>,

    /// The commercial scorecard (TOML) that `score` commands and `serve` use (default: the
    /// built-in scorecards/default.toml). Checked against the rulebook in force.
    #[arg(long, global = true, env = "SOCRED_SCORECARD")]
    pub scorecard: Option<PathBuf>,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Create a new, empty store.
    Init {
        /// The rulebook to start with (default: the built-in rulebooks/default.toml).
        #[arg(long)]
        rulebook: Option<PathBuf>,
        /// A store for scenario replay: every command may date its acts with --on.
        /// Stated by `audit head` and on every page the server renders.
        #[arg(long)]
        replay: bool,
        /// The time zone of the store's calendar days, as an offset from UTC.
        #[arg(long, default_value = "+08:00")]
        utc_offset: String,
        /// Names the log in its checkpoints, e.g. credit.example.gov/city
        /// (default: socred/ and a random id).
        #[arg(long)]
        origin: Option<String>,
    },
    /// Check, show or change the rulebook.
    Rulebook {
        #[command(subcommand)]
        command: RulebookCommand,
    },
    /// Register and look up subjects (persons and organisations).
    Subject {
        #[command(subcommand)]
        command: SubjectCommand,
    },
    /// Add or void credit records.
    Record {
        #[command(subcommand)]
        command: RecordCommand,
    },
    /// Import records from an NDJSON or CSV file, atomically.
    ///
    /// NDJSON: one object per line with subject, behaviour, at (YYYY-MM-DD),
    /// source, and optionally id and evidence. CSV: a header naming the same
    /// columns. Rows without an id get one derived from their content, so
    /// importing the same file twice stores it once.
    Import {
        /// The file to import.
        file: PathBuf,
        /// The format (default: from the file extension).
        #[arg(long, value_enum)]
        format: Option<FormatArg>,
        /// Store the valid rows and write the invalid ones to a rejects file,
        /// instead of refusing the whole file.
        #[arg(long)]
        skip_invalid: bool,
        /// Where rejected rows go with --skip-invalid (default: FILE.rejected).
        #[arg(long, requires = "skip_invalid")]
        rejects: Option<PathBuf>,
        /// Import as this partner account (username): only the behaviours of its
        /// agreement, its name as source, a receipt kept; NDJSON only.
        #[arg(long, conflicts_with = "rejects")]
        partner: Option<String>,
        /// With --partner: the batch id (default: from the file's content). A batch id seen before does nothing.
        #[arg(long, requires = "partner")]
        batch_id: Option<String>,
        /// Print the receipt as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Show a subject's score, tier, locks and the explanation of every point.
    Show {
        /// Resident identity number or unified social credit code.
        id: String,
        /// The date to assess on (default: today, or --known-on).
        #[arg(long)]
        as_of: Option<String>,
        /// Answer as the ledger stood at the end of this day: only what had been
        /// recorded by then, under the rulebook then active.
        #[arg(long)]
        known_on: Option<String>,
        /// Why you are reading the file (shown to the subject).
        #[arg(long, default_value = "not stated")]
        purpose: String,
        #[arg(long)]
        json: bool,
    },
    /// Create a store with a synthetic, seeded population and print a summary.
    ///
    /// Replaces a store made by an earlier demo; refuses to touch any other store.
    Demo {
        /// How many subjects to generate.
        #[arg(long, default_value_t = 10_000, value_parser = clap::value_parser!(u64).range(1..=socred_sim::MAX_SUBJECTS))]
        subjects: u64,
        /// The random seed: the same seed gives the same population.
        #[arg(long, default_value_t = 42)]
        seed: u64,
        /// The last day of the generated history and the date of the summary (default: today).
        #[arg(long)]
        until: Option<String>,
        /// How many years of records to generate.
        #[arg(long, default_value_t = 6, value_parser = clap::value_parser!(u32).range(1..=30))]
        years: u32,
        #[arg(long)]
        json: bool,
        /// Then start the server on the demo store, with demo accounts, and print the URL and logins.
        #[arg(long)]
        serve: bool,
        /// The address for --serve.
        #[arg(long, default_value = "127.0.0.1:8080")]
        addr: std::net::SocketAddr,
    },
    /// Run the HTTP server: JSON API, web UI, /healthz, /metrics. Stops gracefully on Ctrl-C or SIGTERM.
    Serve {
        #[arg(long, default_value = "127.0.0.1:8080")]
        addr: std::net::SocketAddr,
        /// Read connections in the pool (default: 2 x cores).
        #[arg(long, value_parser = clap::value_parser!(u32).range(1..=64))]
        readers: Option<u32>,
        /// Do not mark cookies Secure (only behind plain HTTP on a host other than localhost).
        #[arg(long)]
        insecure_cookies: bool,
        /// Log as JSON lines instead of text.
        #[arg(long)]
        log_json: bool,
        /// A reverse proxy (the TLS terminator) whose X-Forwarded-For names the client
        /// (repeatable). Rate limits then count the client's address, not the proxy's.
        #[arg(long = "trusted-proxy")]
        trusted_proxies: Vec<std::net::IpAddr>,
    },
    /// Write the whole store into DIR as files of domain values (the ledger
    /// entry by entry, the access and check logs, evidence, rulebooks), with a
    /// checkpoint signed by --log-key: the backup format, readable by any backend.
    Export {
        /// A directory that does not exist yet, or is empty.
        dir: PathBuf,
    },
    /// Rebuild a store at --db (which must not exist) from an export; every
    /// digest and hash is recomputed and the heads must be the export's.
    ImportStore {
        dir: PathBuf,
        /// The key the export's checkpoint must be signed with (text or file);
        /// default: the verifier key the export carries.
        #[arg(long)]
        verifier_key: Option<String>,
    },
    /// Verify and read the audit log; checkpoints and inclusion proofs.
    Audit {
        #[command(subcommand)]
        command: AuditCommand,
    },
    /// Blacklist and redlist entries: propose, serve notice, withdraw, show, the public list.
    List {
        #[command(subcommand)]
        command: ListCommand,
    },
    /// Appeal a list entry (within its window) and decide appeals.
    Appeal {
        #[command(subcommand)]
        command: AppealCommand,
    },
    /// Dispute any record of a file, at any time, and decide disputes.
    Dispute {
        #[command(subcommand)]
        command: DisputeCommand,
    },
    /// Credit repair: after the minimum publication, show the obligation fulfilled.
    Repair {
        #[command(subcommand)]
        command: RepairCommand,
    },
    /// A subject's entire file: records, explanation, list entries, notices,
    /// appeals, disputes, repairs, and every access to the file.
    File {
        id: String,
        #[arg(long)]
        as_of: Option<String>,
        /// Answer as the ledger stood at the end of this day.
        #[arg(long)]
        known_on: Option<String>,
        /// Why you are reading the file (shown to the subject).
        #[arg(long, default_value = "not stated")]
        purpose: String,
        #[arg(long)]
        json: bool,
    },
    /// Every e-mail-ready text due process owes a subject (each notice
    /// served, each decision on an appeal, a repair or a dispute), in --lang,
    /// as Internet messages a mailer can send; socred sends nothing itself.
    Mail {
        id: String,
        /// Why you are reading the file (shown to the subject).
        #[arg(long, default_value = "not stated")]
        purpose: String,
        #[arg(long)]
        json: bool,
    },
    /// Decide whether a subject may use a service, with the reasons; logged like a provider's check.
    Check {
        id: String,
        /// A service category of the rulebook (e.g. civil-aviation).
        #[arg(long)]
        service: String,
        #[arg(long)]
        as_of: Option<String>,
        /// Answer as the ledger stood at the end of this day: what a provider was told then.
        #[arg(long)]
        known_on: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// Reports.
    Report {
        #[command(subcommand)]
        command: ReportCommand,
    },
    /// Data partners: receipts, and records waiting for a reviewer.
    Partner {
        #[command(subcommand)]
        command: PartnerCommand,
    },
    /// Accounts for the server.
    Account {
        #[command(subcommand)]
        command: AccountCommand,
    },
    /// API tokens for machines.
    Token {
        #[command(subcommand)]
        command: TokenCommand,
    },
    /// Simulate a population year by year under one or more rulebooks.
    Sim {
        #[command(subcommand)]
        command: SimCommand,
    },
    /// Policy impact: what a proposed rulebook would do, before it is activated.
    Policy {
        #[command(subcommand)]
        command: PolicyCommand,
    },
    /// The commercial credit score (350-950): `socred score ID` scores a subject, with the four
    /// costliest reasons; the subcommands check, fit and monitor a scorecard.
    #[command(args_conflicts_with_subcommands = true, subcommand_negates_reqs = true)]
    Score {
        /// The subject to score.
        id: Option<String>,
        /// The day to score on (default: today).
        #[arg(long)]
        as_of: Option<String>,
        /// Why you are reading the subject's data (shown to the subject).
        #[arg(long, default_value = "not stated")]
        purpose: String,
        #[arg(long)]
        json: bool,
        #[command(subcommand)]
        command: Option<ScoreCommand>,
    },
    /// What reviewers have to decide: appeals, disputes, repairs, proposals, with deadlines.
    Queue {
        #[arg(long)]
        as_of: Option<String>,
        /// Only what is past its deadline.
        #[arg(long)]
        overdue: bool,
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum PartnerCommand {
    /// Partner records waiting for a reviewer's confirmation.
    Pending {
        #[arg(long)]
        json: bool,
    },
    /// Confirm a pending partner record: it becomes a record and counts.
    Confirm {
        record_id: String,
        #[arg(long)]
        reasons: String,
        #[arg(long)]
        json: bool,
    },
    /// Reject a pending partner record: it never counts.
    Reject {
        record_id: String,
        #[arg(long)]
        reasons: String,
        #[arg(long)]
        json: bool,
    },
    /// Receipts of partner batches, newest first.
    Batches {
        /// Only this partner's.
        #[arg(long)]
        partner: Option<String>,
        #[arg(long, default_value_t = 100, value_parser = clap::value_parser!(u32).range(1..=10_000))]
        limit: u32,
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum ReportCommand {
    /// File a public report about someone (as the reporter named by --reporter). No effect until verified.
    File {
        /// The reporter's identifier (they are rewarded or penalised).
        #[arg(long)]
        reporter: String,
        /// Whom the report is about.
        #[arg(long)]
        subject: String,
        #[arg(long)]
        behaviour: String,
        /// When it happened (YYYY-MM-DD).
        #[arg(long)]
        at: String,
        #[arg(long)]
        description: String,
        /// An evidence file (PNG, JPEG, PDF or text, per the rulebook); repeat for several.
        #[arg(long)]
        evidence: Vec<PathBuf>,
        #[arg(long)]
        report_id: Option<String>,
        #[command(flatten)]
        output: ActOutput,
    },
    /// Take a submitted report into review (as --actor).
    Review {
        id: String,
        #[command(flatten)]
        output: ActOutput,
    },
    /// Decide a report you took into review: verified, rejected or malicious.
    Decide {
        id: String,
        #[arg(long)]
        outcome: String,
        #[arg(long)]
        reasons: String,
        #[command(flatten)]
        output: ActOutput,
    },
    /// One report, with its history and the reporter's record.
    Show {
        id: String,
        #[arg(long)]
        json: bool,
    },
    /// Open reports, oldest first.
    Queue {
        #[arg(long)]
        json: bool,
    },
    /// Reports by state and time to decision; partner batches and rejection rates.
    Metrics {
        #[arg(long)]
        json: bool,
    },
    /// Subjects whose net gain in a year is below the rulebook's annual expectation (CSV by default).
    Annual {
        #[arg(long, value_parser = clap::value_parser!(i32).range(1800..=9999))]
        year: i32,
        #[arg(long, default_value_t = 10_000, value_parser = clap::value_parser!(u32).range(1..=10_000))]
        limit: u32,
        #[arg(long, default_value_t = 0)]
        offset: u64,
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum AccountCommand {
    /// Create an account for the server (admins only, in practice: whoever runs this CLI).
    Add {
        #[arg(long)]
        username: String,
        /// subject, officer, reviewer, provider, partner, auditor or admin.
        #[arg(long)]
        role: String,
        /// For a subject account: whose file it is.
        #[arg(long)]
        subject: Option<String>,
        /// For an officer: the authority whose records they make.
        #[arg(long)]
        authority: Option<String>,
        /// For a provider: a service category it may ask about (repeatable).
        #[arg(long = "service")]
        services: Vec<String>,
        /// For a partner: a behaviour of its agreement; for an officer: a behaviour their
        /// authority is entitled to record (none named: every behaviour). Repeatable.
        #[arg(long = "behaviour")]
        behaviours: Vec<String>,
        /// Read the password from the first line of standard input (else: token-only account).
        #[arg(long)]
        password_stdin: bool,
        #[arg(long)]
        json: bool,
    },
    /// List accounts.
    List {
        #[arg(long)]
        json: bool,
    },
    /// Set an account's password from the first line of standard input (an
    /// admin's reset): 12-256 characters, not the username, not a common one.
    /// Every session of the account ends.
    Password {
        #[arg(long)]
        username: String,
    },
    /// Disable an account: its sessions end, its tokens stop authenticating.
    Disable {
        #[arg(long)]
        username: String,
    },
    /// Enable a disabled account.
    Enable {
        #[arg(long)]
        username: String,
    },
    /// Remove an account's second factor (a lost device); it can enrol again.
    RemoveSecondFactor {
        #[arg(long)]
        username: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum TokenCommand {
    /// Issue an API token for an account; it is printed once and stored hashed.
    Issue {
        #[arg(long)]
        username: String,
        #[arg(long, default_value = "cli")]
        label: String,
        /// Days until the token stops authenticating (1-365).
        #[arg(long, default_value_t = 90)]
        expires_in_days: u32,
        #[arg(long)]
        json: bool,
    },
    /// Revoke a token by its number.
    Revoke { id: i64 },
    /// List an account's tokens (never their secrets).
    List {
        #[arg(long)]
        username: String,
        #[arg(long)]
        json: bool,
    },
}

/// How to report an act. Its date is the clock's (or, in a replay store, --on).
#[derive(Debug, clap::Args)]
pub struct ActOutput {
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Subcommand)]
pub enum ListCommand {
    /// Propose an entry by a reviewer's decision with a stated legal basis.
    Propose {
        #[arg(long)]
        subject: String,
        /// The list code (e.g. blacklist, redlist).
        #[arg(long)]
        list: String,
        #[arg(long)]
        legal_basis: String,
        #[arg(long)]
        facts: String,
        /// A client-chosen case id (default: derived from the content).
        #[arg(long)]
        case_id: Option<String>,
        #[command(flatten)]
        output: ActOutput,
    },
    /// Serve the written notice of a proposed entry; the appeal window opens.
    Serve {
        entry: String,
        #[command(flatten)]
        output: ActOutput,
    },
    /// Withdraw an entry that is not yet listed.
    Withdraw {
        entry: String,
        #[arg(long)]
        reason: String,
        #[command(flatten)]
        output: ActOutput,
    },
    /// An entry with its state and full history.
    Show {
        entry: String,
        #[arg(long)]
        as_of: Option<String>,
        #[arg(long, default_value = "not stated")]
        purpose: String,
        #[arg(long)]
        json: bool,
    },
    /// The written notice of an entry, ready to print.
    Notice {
        entry: String,
        #[arg(long, default_value = "not stated")]
        purpose: String,
        #[arg(long)]
        json: bool,
        /// Also write the notice as a one-page A4 PDF to this file, in the
        /// output's language (fonts: SOCRED_FONT_LATIN, SOCRED_FONT_HAN, or
        /// Debian's fonts-dejavu-core and fonts-droid-fallback).
        #[arg(long, value_name = "FILE")]
        pdf: Option<std::path::PathBuf>,
    },
    /// The published list: name, masked id, authority, legal basis, since, until.
    Public {
        #[arg(long)]
        list: Option<String>,
        /// Part of a name, or a masked identifier as the list shows it.
        #[arg(long)]
        search: Option<String>,
        /// The listing authority, as the list names it in either language.
        #[arg(long)]
        authority: Option<String>,
        /// A province (`11`, the region code's first two digits) or a city (`1101`, its first four).
        #[arg(long)]
        region: Option<String>,
        #[arg(long)]
        as_of: Option<String>,
        #[arg(long, default_value_t = 100, value_parser = clap::value_parser!(u32).range(1..=10_000))]
        limit: u32,
        #[arg(long, default_value_t = 0)]
        offset: u32,
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum AppealOutcomeArg {
    /// The listing decision stands.
    Uphold,
    /// The listing decision is overturned; the entry and its effects are withdrawn.
    Overturn,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum DisputeOutcomeArg {
    /// The dispute is upheld: the record is voided and everything recomputed.
    Uphold,
    /// The record stands.
    Reject,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum RepairOutcomeArg {
    /// Credit repaired: publication ends today.
    Approve,
    Refuse,
}

#[derive(Debug, Subcommand)]
pub enum AppealCommand {
    /// Appeal a list entry (first instance within the window after the notice;
    /// once more against a decision upholding it, where the list allows).
    File {
        entry: String,
        #[arg(long)]
        grounds: String,
        #[arg(long)]
        appeal_id: Option<String>,
        #[command(flatten)]
        output: ActOutput,
    },
    /// Decide an appeal (not one you filed, nor against an entry you raised).
    Decide {
        appeal_id: String,
        #[arg(long, value_enum)]
        outcome: AppealOutcomeArg,
        #[arg(long)]
        reasons: String,
        #[command(flatten)]
        output: ActOutput,
    },
}

#[derive(Debug, Subcommand)]
pub enum DisputeCommand {
    /// Dispute a record; it is marked disputed until decided.
    File {
        record_id: String,
        #[arg(long)]
        grounds: String,
        #[arg(long)]
        dispute_id: Option<String>,
        #[command(flatten)]
        output: ActOutput,
    },
    /// Decide a dispute (not one you filed, nor of a record you made).
    Decide {
        dispute_id: String,
        #[arg(long, value_enum)]
        outcome: DisputeOutcomeArg,
        #[arg(long)]
        reasons: String,
        #[command(flatten)]
        output: ActOutput,
    },
}

#[derive(Debug, Subcommand)]
pub enum RepairCommand {
    /// Apply for credit repair of a listed entry.
    Apply {
        entry: String,
        /// How the obligation was fulfilled (e.g. the judgment paid).
        #[arg(long)]
        evidence: String,
        /// A commitment letter, where the list requires one.
        #[arg(long)]
        commitment: Option<String>,
        #[arg(long)]
        repair_id: Option<String>,
        #[command(flatten)]
        output: ActOutput,
    },
    /// Decide a repair application (not your own).
    Decide {
        repair_id: String,
        #[arg(long, value_enum)]
        outcome: RepairOutcomeArg,
        #[arg(long)]
        reasons: String,
        #[command(flatten)]
        output: ActOutput,
    },
}

#[derive(Debug, Subcommand)]
pub enum RulebookCommand {
    /// Validate a rulebook file and report every problem (file, line, key, reason).
    Check {
        file: PathBuf,
        #[arg(long)]
        json: bool,
    },
    /// Show the active rulebook.
    Show {
        #[arg(long)]
        json: bool,
    },
    /// Activate a new rulebook version (a versioned, audited event).
    ///
    /// Needs the impact assessment of this exact rulebook on the store as it
    /// is today: `socred policy compare --rulebook FILE --json > impact.json`,
    /// then `--impact impact.json`. The comparison is made again and must
    /// match; its digest goes on the audit log with the activation.
    Activate {
        file: PathBuf,
        /// The comparison saved by `socred policy compare --json`.
        #[arg(long)]
        impact: Option<PathBuf>,
        /// Activate without an impact assessment: only a store without subjects.
        #[arg(long)]
        skip_impact: bool,
        /// Why no impact was assessed (audited with the activation).
        #[arg(long)]
        reason: Option<String>,
    },
}

#[derive(Debug, Subcommand)]
pub enum SimCommand {
    /// Simulate a seeded population year by year under each rulebook, side by side.
    ///
    /// Behaviours are drawn per profile; subjects under a restriction cut
    /// their deductions by --deterrence; a share of deductions are wrong and
    /// some are disputed (an upheld dispute voids its record); entries are
    /// appealed and repairs applied for (their outcomes are not simulated);
    /// the reviewers decide a number of cases a month. Per year and rulebook:
    /// the tiers, the subjects under each measure, the cases filed and
    /// overdue, how many wrong records were corrected within the dispute
    /// deadline, and the false-sanction rate (restricted subjects who are so
    /// only through uncorrected wrong records). Writes summary.csv, tiers.csv,
    /// measures.csv and simulation.json into --out. The same arguments give
    /// the same bytes.
    #[command(allow_negative_numbers = true)]
    Run {
        #[arg(long, default_value_t = 2_000, value_parser = clap::value_parser!(u64).range(1..=socred_sim::simulate::MAX_SIMULATED_SUBJECTS))]
        subjects: u64,
        #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u32).range(1..=i64::from(socred_sim::simulate::MAX_SIMULATED_YEARS)))]
        years: u32,
        #[arg(long, default_value_t = 42)]
        seed: u64,
        /// The first simulated year (default: next year).
        #[arg(long, value_parser = clap::value_parser!(i32).range(1901..=2900))]
        first_year: Option<i32>,
        /// A rulebook to run (repeat to run several side by side; default: the built-in one).
        #[arg(long)]
        rulebook: Vec<PathBuf>,
        /// The share by which a subject under a restriction cuts its deductions (0-1).
        #[arg(long, default_value_t = 0.3)]
        deterrence: f64,
        /// The share of recorded deductions that are wrong (0-1).
        #[arg(long, default_value_t = 0.02)]
        error_rate: f64,
        /// The share of wrong records their subject disputes (0-1).
        #[arg(long, default_value_t = 0.5)]
        dispute_rate: f64,
        /// The share of new list entries appealed (0-1).
        #[arg(long, default_value_t = 0.2)]
        appeal_rate: f64,
        /// The share of listed subjects applying for repair in a year (0-1).
        #[arg(long, default_value_t = 0.1)]
        repair_rate: f64,
        /// Cases the reviewers decide in a month.
        #[arg(long, default_value_t = 50)]
        reviewer_capacity: u32,
        /// The directory to write into (created when missing).
        #[arg(long)]
        out: PathBuf,
        /// Also print the whole result as JSON.
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum ScoreCommand {
    /// Validate a scorecard against a rulebook (default: the built-in one): refused grounds,
    /// unknown behaviours, bins with gaps or against their declared direction.
    Check {
        file: PathBuf,
        #[arg(long)]
        rulebook: Option<PathBuf>,
    },
    /// The score distribution on two dates and the population stability index between them.
    Monitor {
        #[arg(long)]
        from: String,
        #[arg(long)]
        to: String,
        #[arg(long)]
        json: bool,
        /// Also draw both distributions into this directory, as SVG and PNG.
        #[arg(long)]
        plots: Option<PathBuf>,
    },
    /// Write a labelled sample from the simulator: synthetic files scored by a scorecard's
    /// characteristics, each with a latent repayment outcome (defaulted within a year or not).
    Sample {
        #[arg(long, default_value_t = 20_000, value_parser = clap::value_parser!(u64).range(100..=socred_sim::credit::MAX_SAMPLE_ROWS as u64))]
        subjects: u64,
        #[arg(long, default_value_t = 42)]
        seed: u64,
        /// The CSV file to write (a column per characteristic of --scorecard's card).
        #[arg(long)]
        out: PathBuf,
    },
    /// Fit a scorecard's points on a labelled sample: weight of evidence per bin (made monotone
    /// where the card declares a direction), logistic regression, points scaled by the card's
    /// base score, base odds and points to double the odds. Reports AUC, Gini, KS and calibration.
    Fit {
        #[arg(long)]
        sample: PathBuf,
        /// The card whose characteristics and bins are fitted (default: --scorecard's, else the built-in one).
        #[arg(long)]
        template: Option<PathBuf>,
        /// The version of the card written.
        #[arg(long, default_value = "fitted")]
        card_version: String,
        #[arg(long)]
        out: PathBuf,
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum PolicyCommand {
    /// What a proposed rulebook would do to every subject of the store, against the active one.
    ///
    /// Tier transitions, list entries gained and lost, subjects each service
    /// denies or rewards, the points distribution, the largest individual
    /// changes with their causes, and the impact by province, age band, sex
    /// and organisation type with the four-fifths rule. `--json` gives the
    /// whole result, with the digest `rulebook activate --impact` checks.
    Compare {
        /// The proposed rulebook (TOML).
        #[arg(long)]
        rulebook: PathBuf,
        /// The day to compare on (default: today).
        #[arg(long)]
        as_of: Option<String>,
        #[arg(long)]
        json: bool,
        /// Also draw the tiers, the transition matrix and the impact by province and age band
        /// into this directory, as SVG and PNG.
        #[arg(long)]
        plots: Option<PathBuf>,
    },
}

#[derive(Debug, Subcommand)]
pub enum SubjectCommand {
    /// Register a person or an organisation. Idempotent: the same id and name again is a no-op.
    Add {
        /// Resident identity number (persons) or unified social credit code (organisations).
        #[arg(long)]
        id: String,
        /// Full name.
        #[arg(long)]
        name: String,
        /// person or organisation (default: from the id).
        #[arg(long)]
        kind: Option<String>,
        /// A registered person who is this person's guardian (repeatable).
        #[arg(long)]
        guardian: Vec<String>,
        /// A registered organisation this person legally represents (repeatable).
        #[arg(long)]
        represents: Vec<String>,
        #[arg(long)]
        json: bool,
    },
    /// Show a subject and its links.
    Show {
        id: String,
        #[arg(long, default_value = "not stated")]
        purpose: String,
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum RecordCommand {
    /// Record a behaviour. Idempotent by record id.
    Add {
        #[arg(long)]
        subject: String,
        /// A behaviour code from the rulebook.
        #[arg(long)]
        behaviour: String,
        /// When it happened (YYYY-MM-DD).
        #[arg(long)]
        at: String,
        /// The authority that makes the record.
        #[arg(long)]
        source: String,
        /// A reference to the evidence (case number, document).
        #[arg(long)]
        evidence: Option<String>,
        /// A client-chosen id; by default one is derived from the content, so
        /// repeating the same command records once.
        #[arg(long)]
        record_id: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// Void a record: it stops counting everywhere but stays in the file.
    Void {
        record_id: String,
        #[arg(long)]
        reason: String,
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum AuditCommand {
    /// Check the database's integrity, recompute every entry's digest of the
    /// ledger rows, the Merkle root, the seals of accounts and tokens, and the
    /// access and check logs; with --checkpoint, also prove that the store
    /// extends a checkpoint kept earlier.
    Verify {
        #[arg(long)]
        json: bool,
        /// A signed checkpoint taken earlier (`socred audit checkpoint`).
        #[arg(long)]
        checkpoint: Option<PathBuf>,
        /// The key the checkpoint must be signed with: its text (name+id+key)
        /// or a file holding it. Default: the public half of --log-key.
        #[arg(long)]
        verifier_key: Option<String>,
    },
    /// Create the key that signs checkpoints (--log-key), unless it exists.
    Keygen,
    /// Print the public key that verifies checkpoints: give it to whoever keeps them.
    VerifierKey,
    /// Print the current heads as a signed checkpoint (C2SP tlog-checkpoint).
    Checkpoint,
    /// Print a proof that a record or a due-process event is in the log, or
    /// check one (--verify FILE).
    Prove {
        /// The record to prove.
        #[arg(long)]
        record: Option<String>,
        /// The case (a list entry, appeal or dispute id) of the event to prove.
        #[arg(long)]
        case: Option<String>,
        /// The kind of event of --case.
        #[arg(long, default_value = "notice")]
        event: String,
        /// A proof file to check instead.
        #[arg(long)]
        verify: Option<PathBuf>,
        /// The key the proof's checkpoint must be signed with (see `verify`).
        #[arg(long)]
        verifier_key: Option<String>,
    },
    /// The newest audit entries.
    Log {
        #[arg(long)]
        subject: Option<String>,
        #[arg(long, default_value_t = 50, value_parser = clap::value_parser!(u32).range(1..=10_000))]
        limit: u32,
        #[arg(long)]
        json: bool,
    },
    /// The newest entry's number and leaf hash, and how the store dates acts.
    Head,
}
