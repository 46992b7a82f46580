//! The storage seam: what the domain asks of a backend, by concern. SQLite
//! (`Store`) and PostgreSQL (`PgStore`) implement every trait;
//! `tests/contract.rs` states the contract
//! once, generic over the traits, and runs it on every backend. No signature
//! here names a database type: errors are `StoreError` (a backend's own error
//! is wrapped opaquely in `DatabaseError`), times come from the `Actor`.
//!
//! Each write is one transaction that validates and writes (the due-process
//! and report state machines of the core are consulted inside it), reserves
//! its log position under the backend's write lock and appends one audit
//! entry whose digest covers exactly its rows (docs/audit-format.md).

use std::path::Path;

use socred_auth::Account;
use socred_core::assess::{Assessment, TimelinePoint};
use socred_core::decide::Decision;
use socred_core::lists::DueProcessView;
use socred_core::process::Event;
use socred_core::record::{Record, RecordId, SubjectFile};
use socred_core::{Date, SubjectId};
use socred_log::SigningKey;

use crate::audit::{InclusionProof, LogHeads, ProvenItem};
use crate::partners::{PartnerBatch, PartnerMetrics, PendingRecord};
use crate::postgres::PgImport;
use crate::reports::{ReportMetrics, ReporterStats};
use crate::{
    Access, ActOutcome, Actor, AnnualRow, AuditEntry, CheckEntry, CheckLog, Credentials, EvidenceInfo, ImportSession, ImportSummary,
    KnownReads, Manifest, NewAccount, NewReport, NewSubject, PgStore, PublicEntry, PublicFilter, Queue, ReportOutcome, ReportView, Result,
    Reviewer, RowOutcome, SignIn, SignInRecorded, Store, SubjectInfo, SubjectOutcome, SubjectRef, TokenInfo, VerifyReport, VoidOutcome,
};

/// Subjects, records, voids and due-process acts: the ledger.
pub trait LedgerStore {
    fn add_subject(&mut self, subject: &NewSubject, actor: &Actor) -> Result<SubjectOutcome>;
    /// Idempotent by record id: the same content again is a duplicate; other content, a conflict that changes nothing.
    fn add_record(&mut self, record: &Record, actor: &Actor) -> Result<RowOutcome>;
    fn void_record(&mut self, record_id: &RecordId, reason: &str, actor: &Actor) -> Result<VoidOutcome>;
    fn file(&self, id: &SubjectId) -> Result<SubjectFile>;
    fn audit_recent(&self, subject: Option<&SubjectId>, limit: u32) -> Result<Vec<AuditEntry>>;
}

/// A batch of records written atomically under one audit entry: nothing is
/// visible until `commit`, and `rollback` (or dropping it) writes nothing.
pub trait RecordBatch {
    /// What happened to each record, in order (a rejection names its field).
    fn push(&mut self, records: &[Record]) -> Result<Vec<RowOutcome>>;
    /// Inserted, duplicates, rejected so far.
    fn counts(&self) -> (u64, u64, u64);
    fn commit(self: Box<Self>, detail: serde_json::Value) -> Result<ImportSummary>;
    fn rollback(self: Box<Self>);
}

/// Record batches: the API's `records/batch` on either backend.
pub trait BatchStore {
    fn begin_batch(&mut self, actor: &Actor, action: &str) -> Result<Box<dyn RecordBatch + '_>>;
}

impl RecordBatch for ImportSession<'_> {
    fn push(&mut self, records: &[Record]) -> Result<Vec<RowOutcome>> {
        records.iter().map(|record| ImportSession::push(self, record)).collect()
    }
    fn counts(&self) -> (u64, u64, u64) {
        ImportSession::counts(self)
    }
    fn commit(self: Box<Self>, detail: serde_json::Value) -> Result<ImportSummary> {
        ImportSession::commit(*self, detail)
    }
    fn rollback(self: Box<Self>) {
        ImportSession::rollback(*self)
    }
}

impl RecordBatch for PgImport {
    fn push(&mut self, records: &[Record]) -> Result<Vec<RowOutcome>> {
        PgImport::push(self, records)
    }
    fn counts(&self) -> (u64, u64, u64) {
        PgImport::counts(self)
    }
    fn commit(self: Box<Self>, detail: serde_json::Value) -> Result<ImportSummary> {
        PgImport::commit(*self, detail)
    }
    fn rollback(self: Box<Self>) {
        PgImport::rollback(*self)
    }
}

impl BatchStore for Store {
    fn begin_batch(&mut self, actor: &Actor, action: &str) -> Result<Box<dyn RecordBatch + '_>> {
        Ok(Box::new(Store::begin_import(self, actor, action)?))
    }
}

impl BatchStore for PgStore {
    fn begin_batch(&mut self, actor: &Actor, action: &str) -> Result<Box<dyn RecordBatch + '_>> {
        Ok(Box::new(PgStore::begin_import(self, actor, action)?))
    }
}

/// Due process: notices, appeals, disputes, repairs.
pub trait DueProcessStore {
    /// A due-process event, checked by `lists::check` in the write's transaction.
    fn act(&mut self, proposal_subject: Option<&SubjectId>, actor: &Actor, event: Event) -> Result<ActOutcome>;
    /// The published lists on a date, as of every write stored: listed,
    /// published entries only, filtered by list, authority and region and
    /// searched by part of a name or a whole masked id (see `PublicFilter`).
    fn public_list(&mut self, as_of: Date, filter: &PublicFilter, limit: u32, offset: u32) -> Result<Vec<PublicEntry>>;
    /// The authorities of the entries published on a date (the filter's choices).
    fn published_authorities(&self, as_of: Date) -> Result<Vec<String>>;
    /// What reviewers have to decide on a date: open appeals, disputes,
    /// repair applications and proposals, each with its deadline.
    fn queue(&self, as_of: Date) -> Result<Queue>;
}

/// The log: verification, checkpoints, and the export of everything.
pub trait LogStore: Sized {
    fn audit_verify_against(&self, earlier: Option<&LogHeads>) -> Result<VerifyReport>;
    fn log_heads(&self) -> Result<LogHeads>;
    fn sign_checkpoint(&self, key: &SigningKey, time: &str) -> Result<String>;
    fn export(&self, dir: &Path, signer: Option<(&SigningKey, &str)>) -> Result<Manifest>;
    /// A new store of this backend at `target` (a file path or a URL),
    /// rebuilt from an export and verified to the manifest's heads.
    fn import_export(target: &str, dir: &Path, signed: Option<&LogHeads>) -> Result<Self>;
}

/// Inclusion proofs.
pub trait ProofStore {
    fn prove(&self, item: &ProvenItem, key: &SigningKey, time: &str) -> Result<InclusionProof>;
    /// The subject whose file holds `item`, if it is in the ledger.
    fn proven_item_subject(&self, item: &ProvenItem) -> Result<Option<SubjectId>>;
}

/// Accounts and API tokens; every change is sealed on the log.
pub trait AccountStore {
    fn add_account(&mut self, account: &NewAccount, actor: &Actor) -> Result<i64>;
    fn account(&self, username: &str) -> Result<Option<Account>>;
    fn account_by_token(&self, secret_hash: &str, now_unix: i64) -> Result<Option<Account>>;
    fn issue_token(&mut self, account: &Account, secret_hash: &str, label: &str, valid_days: u32, actor: &Actor) -> Result<i64>;
    fn revoke_token(&mut self, token: i64, owner: Option<i64>, actor: &Actor) -> Result<()>;
    fn set_password(&mut self, username: &str, password_hash: &str, actor: &Actor) -> Result<()>;
    fn set_disabled(&mut self, username: &str, disabled: bool, actor: &Actor) -> Result<()>;
    fn accounts(&self) -> Result<Vec<Account>>;
    fn tokens_of(&self, account: i64) -> Result<Vec<TokenInfo>>;
}

/// Reads of a subject's file for people (staff, the subject), each a
/// function of the ledger; on PostgreSQL from the standby with `--read-db`.
pub trait FileReads {
    fn subject(&self, id: &SubjectId) -> Result<Option<SubjectInfo>>;
    fn assessment(&self, id: &SubjectId, as_of: Date) -> Result<Assessment>;
    fn timeline(&self, id: &SubjectId, from: Date, until: Date) -> Result<Vec<TimelinePoint>>;
    fn due_process(&self, id: &SubjectId, as_of: Date) -> Result<DueProcessView>;
    fn decide_all(&self, id: &SubjectId, as_of: Date) -> Result<Vec<Decision>>;
    /// Every rulebook version adopted, newest first, with its impact assessment.
    fn rulebook_versions(&self) -> Result<Vec<crate::RulebookVersion>>;
    /// Every subject's file, in identifier order, from one snapshot.
    fn each_file(&self, visit: &mut dyn FnMut(SubjectId, SubjectFile) -> Result<()>) -> Result<u64>;
    /// The subjects registered after `day`, with the day each was.
    fn registered_after(&self, day: Date) -> Result<Vec<(SubjectId, Date)>>;
    /// Subjects whose identifier starts with `text` or whose name contains it.
    fn search_subjects(&self, text: &str, limit: u32) -> Result<Vec<SubjectRef>>;
    /// A record by id, with its void reason if voided.
    fn record(&self, record_id: &RecordId) -> Result<Option<(Record, Option<String>)>>;
    /// Every logged read of a subject's file.
    fn accesses(&self, subject: &SubjectId) -> Result<Vec<Access>>;
    /// The verified public reports about a subject, newest first.
    fn reports_about(&self, subject: &SubjectId, limit: u32) -> Result<Vec<ReportView>>;
    /// The public reports a subject filed, newest first.
    fn reports_by(&self, reporter: &SubjectId, limit: u32) -> Result<Vec<ReportView>>;
    /// The ledger as known at the end of `day` (refused for a day before the store existed).
    fn known_on(&self, day: Date) -> Result<Box<dyn KnownReads + '_>>;
    /// The annual report: subjects whose net gain in `year` is below the
    /// rulebook's expectation, a page at a time, and how many there are.
    fn annual_report(&self, year: i32, limit: u32, offset: u64) -> Result<(u64, Vec<AnnualRow>)>;
}

/// Signing in: the backoff of failed attempts (each on the log), browser
/// sessions, and the TOTP second factor. Sessions are live rows, read from
/// the primary: a session ended on one server is ended on all.
pub trait SignInStore {
    fn credentials(&self, username: &str) -> Result<Option<Credentials>>;
    fn record_sign_in(&mut self, username: &str, address: &str, outcome: &SignIn, actor: &Actor) -> Result<SignInRecorded>;
    fn create_session(&mut self, account: i64, secret_hash: &str, csrf: &str, now_unix: i64, expires_unix: i64) -> Result<()>;
    /// The account, CSRF token and last use of a live session.
    fn session(&self, secret_hash: &str, now_unix: i64, idle_seconds: i64) -> Result<Option<(Account, String, i64)>>;
    fn touch_session(&mut self, secret_hash: &str, now_unix: i64) -> Result<()>;
    fn end_session(&mut self, secret_hash: &str) -> Result<()>;
    fn begin_second_factor(&mut self, account: i64, secret: &str, actor: &Actor) -> Result<()>;
    fn pending_second_factor(&self, account: i64) -> Result<Option<String>>;
    /// Confirms the enrolment of `secret` (the one the code matched) with the code's step.
    fn confirm_second_factor(&mut self, account: i64, secret: &str, step: u64, actor: &Actor) -> Result<()>;
    fn remove_second_factor(&mut self, username: &str, actor: &Actor) -> Result<()>;
    /// The language the account chose for the pages (`en`, `zh-CN`), if any.
    fn account_language(&self, account: i64) -> Result<Option<String>>;
    /// Keeps the account's choice of language: a display preference, not an act.
    fn set_account_language(&mut self, account: i64, language: &str) -> Result<()>;
}

/// Public reports and their evidence.
pub trait ReportStore {
    fn add_evidence(&mut self, data: &[u8], actor: &Actor) -> Result<EvidenceInfo>;
    fn file_report(&mut self, report: &NewReport, actor: &Actor) -> Result<ReportView>;
    fn review_report(&mut self, id: &str, reviewer: &Reviewer) -> Result<ReportView>;
    fn decide_report(&mut self, id: &str, outcome: ReportOutcome, reasons: &str, reviewer: &Reviewer) -> Result<ReportView>;
    fn report(&self, id: &str) -> Result<Option<ReportView>>;
    fn evidence(&self, hash: &str) -> Result<Option<(EvidenceInfo, Vec<u8>)>>;
    fn evidence_visible_to(&self, hash: &str, subject: &SubjectId) -> Result<bool>;
    /// Open reports, oldest first, with each reporter's record.
    fn report_queue(&self, limit: u32) -> Result<Vec<ReportView>>;
    fn reporter_stats(&self, reporter: &SubjectId) -> Result<ReporterStats>;
    fn report_metrics(&self) -> Result<ReportMetrics>;
}

/// One partner batch being written: its records, the records that wait for
/// a reviewer and its receipt commit together, or nothing does.
pub trait PartnerBatchWrite: RecordBatch {
    /// Why a line about `record.subject` is beyond the rulebook's plausibility limits, if it is.
    fn partner_line_refusal(&mut self, record: &Record, partner: &str) -> Result<Option<socred_core::record::ProblemKind>>;
    /// Stores a record that waits for a reviewer; idempotent by id.
    fn push_pending(&mut self, record: &Record, partner: &str) -> Result<RowOutcome>;
    fn save_receipt(&mut self, receipt: &PartnerBatch) -> Result<()>;
    /// The receipt of a batch with this id stored before, as the session's transaction sees it.
    fn earlier_receipt(&mut self, partner: &str, batch_id: &str) -> Result<Option<PartnerBatch>>;
}

/// Data partners: batches under an agreement, their receipts, and the
/// records that wait for a reviewer.
pub trait PartnerStore {
    /// The rulebook a batch is judged by.
    fn active_rulebook(&self) -> std::sync::Arc<socred_core::Rulebook>;
    fn partner_batch(&self, partner: &str, batch_id: &str) -> Result<Option<PartnerBatch>>;
    /// Starts a batch (`action` names its audit entry), holding the write lock until it ends.
    fn begin_partner_batch(&mut self, actor: &Actor, action: &str) -> Result<Box<dyn PartnerBatchWrite + '_>>;
    /// Keeps the receipt of a batch refused whole, under an entry of its own.
    fn save_partner_batch(&mut self, receipt: &PartnerBatch, actor: &Actor) -> Result<()>;
    fn partner_batches(&self, partner: Option<&str>, limit: u32) -> Result<Vec<PartnerBatch>>;
    fn partner_metrics(&self) -> Result<Vec<PartnerMetrics>>;
    fn pending_records(&self, limit: u32) -> Result<Vec<PendingRecord>>;
    /// Confirms or rejects a pending record: the subject when it changed, None when decided so already.
    fn decide_pending(&mut self, record_id: &str, confirm: bool, reasons: &str, actor: &Actor) -> Result<Option<String>>;
}

/// The check log.
pub trait CheckStore {
    fn log_checks(&self, logs: &[CheckLog]) -> Result<()>;
    fn checks_of(&self, id: &SubjectId) -> Result<Vec<CheckEntry>>;
}

/// Everything a backend provides.
pub trait Backend: LedgerStore + DueProcessStore + LogStore + ProofStore + AccountStore + ReportStore + PartnerStore + CheckStore {}

impl<T: LedgerStore + DueProcessStore + LogStore + ProofStore + AccountStore + ReportStore + PartnerStore + CheckStore> Backend for T {}

// The embedded backend: each method is the inherent one of the same name.

impl LedgerStore for Store {
    fn add_subject(&mut self, subject: &NewSubject, actor: &Actor) -> Result<SubjectOutcome> {
        Store::add_subject(self, subject, actor)
    }
    fn add_record(&mut self, record: &Record, actor: &Actor) -> Result<RowOutcome> {
        Store::add_record(self, record, actor)
    }
    fn void_record(&mut self, record_id: &RecordId, reason: &str, actor: &Actor) -> Result<VoidOutcome> {
        Store::void_record(self, record_id, reason, actor)
    }
    fn file(&self, id: &SubjectId) -> Result<SubjectFile> {
        Store::file(self, id)
    }
    fn audit_recent(&self, subject: Option<&SubjectId>, limit: u32) -> Result<Vec<AuditEntry>> {
        Store::audit_recent(self, subject, limit)
    }
}

impl DueProcessStore for Store {
    fn act(&mut self, proposal_subject: Option<&SubjectId>, actor: &Actor, event: Event) -> Result<ActOutcome> {
        Store::act(self, proposal_subject, actor, event)
    }
    fn public_list(&mut self, as_of: Date, filter: &PublicFilter, limit: u32, offset: u32) -> Result<Vec<PublicEntry>> {
        Store::public_list(self, as_of, filter, limit, offset)
    }
    fn published_authorities(&self, as_of: Date) -> Result<Vec<String>> {
        Store::published_authorities(self, as_of)
    }
    fn queue(&self, as_of: Date) -> Result<Queue> {
        Store::queue(self, as_of)
    }
}

impl LogStore for Store {
    fn audit_verify_against(&self, earlier: Option<&LogHeads>) -> Result<VerifyReport> {
        Store::audit_verify_against(self, earlier)
    }
    fn log_heads(&self) -> Result<LogHeads> {
        Store::log_heads(self)
    }
    fn sign_checkpoint(&self, key: &SigningKey, time: &str) -> Result<String> {
        Store::sign_checkpoint(self, key, time)
    }
    fn export(&self, dir: &Path, signer: Option<(&SigningKey, &str)>) -> Result<Manifest> {
        Store::export(self, dir, signer)
    }
    fn import_export(target: &str, dir: &Path, signed: Option<&LogHeads>) -> Result<Store> {
        Store::import_export(Path::new(target), dir, signed)
    }
}

impl ProofStore for Store {
    fn prove(&self, item: &ProvenItem, key: &SigningKey, time: &str) -> Result<InclusionProof> {
        Store::prove(self, item, key, time)
    }
    fn proven_item_subject(&self, item: &ProvenItem) -> Result<Option<SubjectId>> {
        Store::proven_item_subject(self, item)
    }
}

impl ProofStore for PgStore {
    fn prove(&self, item: &ProvenItem, key: &SigningKey, time: &str) -> Result<InclusionProof> {
        PgStore::prove(self, item, key, time)
    }
    fn proven_item_subject(&self, item: &ProvenItem) -> Result<Option<SubjectId>> {
        PgStore::proven_item_subject(self, item)
    }
}

impl AccountStore for Store {
    fn add_account(&mut self, account: &NewAccount, actor: &Actor) -> Result<i64> {
        Store::add_account(self, account, actor)
    }
    fn account(&self, username: &str) -> Result<Option<Account>> {
        Store::account(self, username)
    }
    fn account_by_token(&self, secret_hash: &str, now_unix: i64) -> Result<Option<Account>> {
        Store::account_by_token(self, secret_hash, now_unix)
    }
    fn issue_token(&mut self, account: &Account, secret_hash: &str, label: &str, valid_days: u32, actor: &Actor) -> Result<i64> {
        Store::issue_token(self, account, secret_hash, label, valid_days, actor)
    }
    fn revoke_token(&mut self, token: i64, owner: Option<i64>, actor: &Actor) -> Result<()> {
        Store::revoke_token(self, token, owner, actor)
    }
    fn set_password(&mut self, username: &str, password_hash: &str, actor: &Actor) -> Result<()> {
        Store::set_password(self, username, password_hash, actor)
    }
    fn set_disabled(&mut self, username: &str, disabled: bool, actor: &Actor) -> Result<()> {
        Store::set_disabled(self, username, disabled, actor)
    }
    fn accounts(&self) -> Result<Vec<Account>> {
        Store::accounts(self)
    }
    fn tokens_of(&self, account: i64) -> Result<Vec<TokenInfo>> {
        Store::tokens_of(self, account)
    }
}

impl SignInStore for Store {
    fn credentials(&self, username: &str) -> Result<Option<Credentials>> {
        Store::credentials(self, username)
    }
    fn record_sign_in(&mut self, username: &str, address: &str, outcome: &SignIn, actor: &Actor) -> Result<SignInRecorded> {
        Store::record_sign_in(self, username, address, outcome, actor)
    }
    fn create_session(&mut self, account: i64, secret_hash: &str, csrf: &str, now_unix: i64, expires_unix: i64) -> Result<()> {
        Store::create_session(self, account, secret_hash, csrf, now_unix, expires_unix)
    }
    fn account_language(&self, account: i64) -> Result<Option<String>> {
        Store::account_language(self, account)
    }
    fn set_account_language(&mut self, account: i64, language: &str) -> Result<()> {
        Store::set_account_language(self, account, language)
    }
    fn session(&self, secret_hash: &str, now_unix: i64, idle_seconds: i64) -> Result<Option<(Account, String, i64)>> {
        Store::session(self, secret_hash, now_unix, idle_seconds)
    }
    fn touch_session(&mut self, secret_hash: &str, now_unix: i64) -> Result<()> {
        Store::touch_session(self, secret_hash, now_unix)
    }
    fn end_session(&mut self, secret_hash: &str) -> Result<()> {
        Store::end_session(self, secret_hash)
    }
    fn begin_second_factor(&mut self, account: i64, secret: &str, actor: &Actor) -> Result<()> {
        Store::begin_second_factor(self, account, secret, actor)
    }
    fn pending_second_factor(&self, account: i64) -> Result<Option<String>> {
        Store::pending_second_factor(self, account)
    }
    fn confirm_second_factor(&mut self, account: i64, secret: &str, step: u64, actor: &Actor) -> Result<()> {
        Store::confirm_second_factor(self, account, secret, step, actor)
    }
    fn remove_second_factor(&mut self, username: &str, actor: &Actor) -> Result<()> {
        Store::remove_second_factor(self, username, actor)
    }
}

impl ReportStore for Store {
    fn add_evidence(&mut self, data: &[u8], actor: &Actor) -> Result<EvidenceInfo> {
        Store::add_evidence(self, data, actor)
    }
    fn file_report(&mut self, report: &NewReport, actor: &Actor) -> Result<ReportView> {
        Store::file_report(self, report, actor)
    }
    fn review_report(&mut self, id: &str, reviewer: &Reviewer) -> Result<ReportView> {
        Store::review_report(self, id, reviewer)
    }
    fn decide_report(&mut self, id: &str, outcome: ReportOutcome, reasons: &str, reviewer: &Reviewer) -> Result<ReportView> {
        Store::decide_report(self, id, outcome, reasons, reviewer)
    }
    fn report(&self, id: &str) -> Result<Option<ReportView>> {
        Store::report(self, id)
    }
    fn evidence(&self, hash: &str) -> Result<Option<(EvidenceInfo, Vec<u8>)>> {
        Store::evidence(self, hash)
    }
    fn evidence_visible_to(&self, hash: &str, subject: &SubjectId) -> Result<bool> {
        Store::evidence_visible_to(self, hash, subject)
    }
    fn report_queue(&self, limit: u32) -> Result<Vec<ReportView>> {
        Store::report_queue(self, limit)
    }
    fn reporter_stats(&self, reporter: &SubjectId) -> Result<ReporterStats> {
        Store::reporter_stats(self, reporter)
    }
    fn report_metrics(&self) -> Result<ReportMetrics> {
        Store::report_metrics(self)
    }
}

impl CheckStore for Store {
    fn log_checks(&self, logs: &[CheckLog]) -> Result<()> {
        Store::log_checks(self, logs)
    }
    fn checks_of(&self, id: &SubjectId) -> Result<Vec<CheckEntry>> {
        Store::checks_of(self, id)
    }
}

// PostgreSQL (see `postgres/`).

impl LedgerStore for PgStore {
    fn add_subject(&mut self, subject: &NewSubject, actor: &Actor) -> Result<SubjectOutcome> {
        PgStore::add_subject(self, subject, actor)
    }
    fn add_record(&mut self, record: &Record, actor: &Actor) -> Result<RowOutcome> {
        PgStore::add_record(self, record, actor)
    }
    fn void_record(&mut self, record_id: &RecordId, reason: &str, actor: &Actor) -> Result<VoidOutcome> {
        PgStore::void_record(self, record_id, reason, actor)
    }
    fn file(&self, id: &SubjectId) -> Result<SubjectFile> {
        PgStore::file(self, id)
    }
    fn audit_recent(&self, subject: Option<&SubjectId>, limit: u32) -> Result<Vec<AuditEntry>> {
        PgStore::audit_recent(self, subject, limit)
    }
}

impl LogStore for PgStore {
    fn audit_verify_against(&self, earlier: Option<&LogHeads>) -> Result<VerifyReport> {
        PgStore::audit_verify_against(self, earlier)
    }
    fn log_heads(&self) -> Result<LogHeads> {
        PgStore::log_heads(self)
    }
    fn sign_checkpoint(&self, key: &SigningKey, time: &str) -> Result<String> {
        PgStore::sign_checkpoint(self, key, time)
    }
    fn export(&self, dir: &Path, signer: Option<(&SigningKey, &str)>) -> Result<Manifest> {
        PgStore::export(self, dir, signer)
    }
    fn import_export(target: &str, dir: &Path, signed: Option<&LogHeads>) -> Result<PgStore> {
        PgStore::import_export(target, dir, signed)
    }
}

impl DueProcessStore for PgStore {
    fn act(&mut self, proposal_subject: Option<&SubjectId>, actor: &Actor, event: Event) -> Result<ActOutcome> {
        PgStore::act(self, proposal_subject, actor, event)
    }
    fn public_list(&mut self, as_of: Date, filter: &PublicFilter, limit: u32, offset: u32) -> Result<Vec<PublicEntry>> {
        PgStore::published(self, as_of, filter, limit, offset)
    }
    fn published_authorities(&self, as_of: Date) -> Result<Vec<String>> {
        PgStore::published_authorities(self, as_of)
    }
    fn queue(&self, as_of: Date) -> Result<Queue> {
        PgStore::queue(self, as_of)
    }
}

impl AccountStore for PgStore {
    fn add_account(&mut self, account: &NewAccount, actor: &Actor) -> Result<i64> {
        PgStore::add_account(self, account, actor)
    }
    fn account(&self, username: &str) -> Result<Option<Account>> {
        PgStore::account(self, username)
    }
    fn account_by_token(&self, secret_hash: &str, now_unix: i64) -> Result<Option<Account>> {
        PgStore::account_by_token(self, secret_hash, now_unix)
    }
    fn issue_token(&mut self, account: &Account, secret_hash: &str, label: &str, valid_days: u32, actor: &Actor) -> Result<i64> {
        PgStore::issue_token(self, account, secret_hash, label, valid_days, actor)
    }
    fn revoke_token(&mut self, token: i64, owner: Option<i64>, actor: &Actor) -> Result<()> {
        PgStore::revoke_token(self, token, owner, actor)
    }
    fn set_password(&mut self, username: &str, password_hash: &str, actor: &Actor) -> Result<()> {
        PgStore::set_password(self, username, password_hash, actor)
    }
    fn set_disabled(&mut self, username: &str, disabled: bool, actor: &Actor) -> Result<()> {
        PgStore::set_disabled(self, username, disabled, actor)
    }
    fn accounts(&self) -> Result<Vec<Account>> {
        PgStore::accounts(self)
    }
    fn tokens_of(&self, account: i64) -> Result<Vec<TokenInfo>> {
        PgStore::tokens_of(self, account)
    }
}

impl SignInStore for PgStore {
    fn credentials(&self, username: &str) -> Result<Option<Credentials>> {
        PgStore::credentials(self, username)
    }
    fn record_sign_in(&mut self, username: &str, address: &str, outcome: &SignIn, actor: &Actor) -> Result<SignInRecorded> {
        PgStore::record_sign_in(self, username, address, outcome, actor)
    }
    fn create_session(&mut self, account: i64, secret_hash: &str, csrf: &str, now_unix: i64, expires_unix: i64) -> Result<()> {
        PgStore::create_session(self, account, secret_hash, csrf, now_unix, expires_unix)
    }
    fn account_language(&self, account: i64) -> Result<Option<String>> {
        PgStore::account_language(self, account)
    }
    fn set_account_language(&mut self, account: i64, language: &str) -> Result<()> {
        PgStore::set_account_language(self, account, language)
    }
    fn session(&self, secret_hash: &str, now_unix: i64, idle_seconds: i64) -> Result<Option<(Account, String, i64)>> {
        PgStore::session(self, secret_hash, now_unix, idle_seconds)
    }
    fn touch_session(&mut self, secret_hash: &str, now_unix: i64) -> Result<()> {
        PgStore::touch_session(self, secret_hash, now_unix)
    }
    fn end_session(&mut self, secret_hash: &str) -> Result<()> {
        PgStore::end_session(self, secret_hash)
    }
    fn begin_second_factor(&mut self, account: i64, secret: &str, actor: &Actor) -> Result<()> {
        PgStore::begin_second_factor(self, account, secret, actor)
    }
    fn pending_second_factor(&self, account: i64) -> Result<Option<String>> {
        PgStore::pending_second_factor(self, account)
    }
    fn confirm_second_factor(&mut self, account: i64, secret: &str, step: u64, actor: &Actor) -> Result<()> {
        PgStore::confirm_second_factor(self, account, secret, step, actor)
    }
    fn remove_second_factor(&mut self, username: &str, actor: &Actor) -> Result<()> {
        PgStore::remove_second_factor(self, username, actor)
    }
}

impl CheckStore for PgStore {
    fn log_checks(&self, logs: &[CheckLog]) -> Result<()> {
        PgStore::log_checks(self, logs)
    }
    fn checks_of(&self, id: &SubjectId) -> Result<Vec<CheckEntry>> {
        PgStore::checks_of(self, id)
    }
}

impl FileReads for Store {
    fn rulebook_versions(&self) -> Result<Vec<crate::RulebookVersion>> {
        Store::rulebook_versions(self)
    }
    fn each_file(&self, visit: &mut dyn FnMut(SubjectId, SubjectFile) -> Result<()>) -> Result<u64> {
        Store::each_file(self, visit)
    }
    fn registered_after(&self, day: Date) -> Result<Vec<(SubjectId, Date)>> {
        Store::registered_after(self, day)
    }
    fn subject(&self, id: &SubjectId) -> Result<Option<SubjectInfo>> {
        Store::subject(self, id)
    }
    fn assessment(&self, id: &SubjectId, as_of: Date) -> Result<Assessment> {
        Store::assessment(self, id, as_of)
    }
    fn timeline(&self, id: &SubjectId, from: Date, until: Date) -> Result<Vec<TimelinePoint>> {
        Store::timeline(self, id, from, until)
    }
    fn due_process(&self, id: &SubjectId, as_of: Date) -> Result<DueProcessView> {
        Store::due_process(self, id, as_of)
    }
    fn decide_all(&self, id: &SubjectId, as_of: Date) -> Result<Vec<Decision>> {
        Store::decide_all(self, id, as_of)
    }
    fn search_subjects(&self, text: &str, limit: u32) -> Result<Vec<SubjectRef>> {
        Store::search_subjects(self, text, limit)
    }
    fn record(&self, record_id: &RecordId) -> Result<Option<(Record, Option<String>)>> {
        Store::record(self, record_id)
    }
    fn accesses(&self, subject: &SubjectId) -> Result<Vec<Access>> {
        Store::accesses(self, subject)
    }
    fn reports_about(&self, subject: &SubjectId, limit: u32) -> Result<Vec<ReportView>> {
        Store::reports_about(self, subject, limit)
    }
    fn reports_by(&self, reporter: &SubjectId, limit: u32) -> Result<Vec<ReportView>> {
        Store::reports_by(self, reporter, limit)
    }
    fn known_on(&self, day: Date) -> Result<Box<dyn KnownReads + '_>> {
        Ok(Box::new(Store::known_on(self, day)?))
    }
    fn annual_report(&self, year: i32, limit: u32, offset: u64) -> Result<(u64, Vec<AnnualRow>)> {
        Store::annual_report(self, year, limit, offset)
    }
}

impl FileReads for PgStore {
    fn rulebook_versions(&self) -> Result<Vec<crate::RulebookVersion>> {
        PgStore::rulebook_versions(self)
    }
    fn each_file(&self, visit: &mut dyn FnMut(SubjectId, SubjectFile) -> Result<()>) -> Result<u64> {
        PgStore::each_file(self, visit)
    }
    fn registered_after(&self, day: Date) -> Result<Vec<(SubjectId, Date)>> {
        PgStore::registered_after(self, day)
    }
    fn subject(&self, id: &SubjectId) -> Result<Option<SubjectInfo>> {
        PgStore::subject(self, id)
    }
    fn assessment(&self, id: &SubjectId, as_of: Date) -> Result<Assessment> {
        PgStore::assessment(self, id, as_of)
    }
    fn timeline(&self, id: &SubjectId, from: Date, until: Date) -> Result<Vec<TimelinePoint>> {
        PgStore::timeline(self, id, from, until)
    }
    fn due_process(&self, id: &SubjectId, as_of: Date) -> Result<DueProcessView> {
        PgStore::due_process(self, id, as_of)
    }
    fn decide_all(&self, id: &SubjectId, as_of: Date) -> Result<Vec<Decision>> {
        PgStore::decide_all(self, id, as_of)
    }
    fn search_subjects(&self, text: &str, limit: u32) -> Result<Vec<SubjectRef>> {
        PgStore::search_subjects(self, text, limit)
    }
    fn record(&self, record_id: &RecordId) -> Result<Option<(Record, Option<String>)>> {
        PgStore::record(self, record_id)
    }
    fn accesses(&self, subject: &SubjectId) -> Result<Vec<Access>> {
        PgStore::accesses(self, subject)
    }
    fn reports_about(&self, subject: &SubjectId, limit: u32) -> Result<Vec<ReportView>> {
        PgStore::reports_about(self, subject, limit)
    }
    fn reports_by(&self, reporter: &SubjectId, limit: u32) -> Result<Vec<ReportView>> {
        PgStore::reports_by(self, reporter, limit)
    }
    fn known_on(&self, day: Date) -> Result<Box<dyn KnownReads + '_>> {
        Ok(Box::new(PgStore::known_on(self, day)?))
    }
    fn annual_report(&self, year: i32, limit: u32, offset: u64) -> Result<(u64, Vec<AnnualRow>)> {
        PgStore::annual_report(self, year, limit, offset)
    }
}

impl ReportStore for PgStore {
    fn add_evidence(&mut self, data: &[u8], actor: &Actor) -> Result<EvidenceInfo> {
        PgStore::add_evidence(self, data, actor)
    }
    fn file_report(&mut self, report: &NewReport, actor: &Actor) -> Result<ReportView> {
        PgStore::file_report(self, report, actor)
    }
    fn review_report(&mut self, id: &str, reviewer: &Reviewer) -> Result<ReportView> {
        PgStore::review_report(self, id, reviewer)
    }
    fn decide_report(&mut self, id: &str, outcome: ReportOutcome, reasons: &str, reviewer: &Reviewer) -> Result<ReportView> {
        PgStore::decide_report(self, id, outcome, reasons, reviewer)
    }
    fn report(&self, id: &str) -> Result<Option<ReportView>> {
        PgStore::report(self, id)
    }
    fn evidence(&self, hash: &str) -> Result<Option<(EvidenceInfo, Vec<u8>)>> {
        PgStore::evidence(self, hash)
    }
    fn evidence_visible_to(&self, hash: &str, subject: &SubjectId) -> Result<bool> {
        PgStore::evidence_visible_to(self, hash, subject)
    }
    fn report_queue(&self, limit: u32) -> Result<Vec<ReportView>> {
        PgStore::report_queue(self, limit)
    }
    fn reporter_stats(&self, reporter: &SubjectId) -> Result<ReporterStats> {
        PgStore::reporter_stats(self, reporter)
    }
    fn report_metrics(&self) -> Result<ReportMetrics> {
        PgStore::report_metrics(self)
    }
}

impl PartnerBatchWrite for ImportSession<'_> {
    fn partner_line_refusal(&mut self, record: &Record, partner: &str) -> Result<Option<socred_core::record::ProblemKind>> {
        ImportSession::partner_line_refusal(self, record, partner)
    }
    fn push_pending(&mut self, record: &Record, partner: &str) -> Result<RowOutcome> {
        ImportSession::push_pending(self, record, partner)
    }
    fn save_receipt(&mut self, receipt: &PartnerBatch) -> Result<()> {
        ImportSession::save_partner_batch(self, receipt)
    }
    fn earlier_receipt(&mut self, partner: &str, batch_id: &str) -> Result<Option<PartnerBatch>> {
        ImportSession::earlier_receipt(self, partner, batch_id)
    }
}

impl PartnerStore for Store {
    fn active_rulebook(&self) -> std::sync::Arc<socred_core::Rulebook> {
        Store::rulebook(self).clone()
    }
    fn partner_batch(&self, partner: &str, batch_id: &str) -> Result<Option<PartnerBatch>> {
        Store::partner_batch(self, partner, batch_id)
    }
    fn begin_partner_batch(&mut self, actor: &Actor, action: &str) -> Result<Box<dyn PartnerBatchWrite + '_>> {
        Ok(Box::new(Store::begin_import(self, actor, action)?))
    }
    fn save_partner_batch(&mut self, receipt: &PartnerBatch, actor: &Actor) -> Result<()> {
        Store::save_partner_batch(self, receipt, actor)
    }
    fn partner_batches(&self, partner: Option<&str>, limit: u32) -> Result<Vec<PartnerBatch>> {
        Store::partner_batches(self, partner, limit)
    }
    fn partner_metrics(&self) -> Result<Vec<PartnerMetrics>> {
        Store::partner_metrics(self)
    }
    fn pending_records(&self, limit: u32) -> Result<Vec<PendingRecord>> {
        Store::pending_records(self, limit)
    }
    fn decide_pending(&mut self, record_id: &str, confirm: bool, reasons: &str, actor: &Actor) -> Result<Option<String>> {
        Store::decide_pending(self, record_id, confirm, reasons, actor)
    }
}

impl PartnerBatchWrite for PgImport {
    fn partner_line_refusal(&mut self, record: &Record, partner: &str) -> Result<Option<socred_core::record::ProblemKind>> {
        PgImport::partner_line_refusal(self, record, partner)
    }
    fn push_pending(&mut self, record: &Record, partner: &str) -> Result<RowOutcome> {
        PgImport::push_pending(self, record, partner)
    }
    fn save_receipt(&mut self, receipt: &PartnerBatch) -> Result<()> {
        PgImport::save_partner_batch(self, receipt)
    }
    fn earlier_receipt(&mut self, partner: &str, batch_id: &str) -> Result<Option<PartnerBatch>> {
        PgImport::earlier_receipt(self, partner, batch_id)
    }
}

impl PartnerStore for PgStore {
    fn active_rulebook(&self) -> std::sync::Arc<socred_core::Rulebook> {
        PgStore::rulebook(self).clone()
    }
    fn partner_batch(&self, partner: &str, batch_id: &str) -> Result<Option<PartnerBatch>> {
        PgStore::partner_batch(self, partner, batch_id)
    }
    fn begin_partner_batch(&mut self, actor: &Actor, action: &str) -> Result<Box<dyn PartnerBatchWrite + '_>> {
        Ok(Box::new(PgStore::begin_import(self, actor, action)?))
    }
    fn save_partner_batch(&mut self, receipt: &PartnerBatch, actor: &Actor) -> Result<()> {
        PgStore::save_partner_batch(self, receipt, actor)
    }
    fn partner_batches(&self, partner: Option<&str>, limit: u32) -> Result<Vec<PartnerBatch>> {
        PgStore::partner_batches(self, partner, limit)
    }
    fn partner_metrics(&self) -> Result<Vec<PartnerMetrics>> {
        PgStore::partner_metrics(self)
    }
    fn pending_records(&self, limit: u32) -> Result<Vec<PendingRecord>> {
        PgStore::pending_records(self, limit)
    }
    fn decide_pending(&mut self, record_id: &str, confirm: bool, reasons: &str, actor: &Actor) -> Result<Option<String>> {
        PgStore::decide_pending(self, record_id, confirm, reasons, actor)
    }
}
