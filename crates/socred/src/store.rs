//! The two backends as the CLI's ledger commands see them: the embedded
//! store (a file path in `--db`) and PostgreSQL (a `postgres://` URL).

use std::sync::Arc;

use socred_core::assess::Assessment;
use socred_core::{Date, Rulebook, SubjectId};
use socred_store::backend::{
    AccountStore, CheckStore, DueProcessStore, FileReads, LedgerStore, LogStore, PartnerStore, ProofStore, ReportStore, SignInStore,
};
use socred_store::{Actor, Clock, PgStore, Store, StoreError, SubjectInfo};

pub(crate) trait CliStore:
    LedgerStore + LogStore + ProofStore + AccountStore + SignInStore + DueProcessStore + FileReads + ReportStore + PartnerStore + CheckStore
{
    fn clock(&self) -> Clock;
    fn rulebook(&self) -> &Arc<Rulebook>;
    fn origin_name(&self) -> Result<String, StoreError>;
    fn subject_info(&self, id: &SubjectId) -> Result<Option<SubjectInfo>, StoreError>;
    fn log_access(&self, actor: &Actor, subject: &SubjectId, purpose: &str, what: &str) -> Result<(), StoreError>;
    fn assessment(&self, id: &SubjectId, as_of: Date) -> Result<Assessment, StoreError>;
    fn entry(&self, entry: &socred_core::process::EntryId, as_of: Date) -> Result<socred_core::lists::ListEntry, StoreError>;
    /// Replaces the active rulebook with a new version; `impact` goes on the
    /// audit entry; refused when the log has grown past `audit_size`.
    fn activate_rulebook_with_impact(
        &mut self,
        source: &str,
        file: &str,
        actor: &Actor,
        impact: serde_json::Value,
        audit_size: Option<u64>,
    ) -> Result<Arc<Rulebook>, StoreError>;
    fn subject_count(&self) -> Result<u64, StoreError>;
    /// The decision for one service, from the files.
    fn decide(&self, id: &SubjectId, service: &str, as_of: Date) -> Result<socred_core::decide::Decision, StoreError>;
    /// Logs several reads of files (the embedded store commits them together).
    fn log_accesses(&self, reads: &[socred_store::AccessRequest]) -> Result<(), StoreError> {
        reads.iter().try_for_each(|read| self.log_access(&read.actor, &read.subject, &read.purpose, &read.what))
    }
}

impl CliStore for Store {
    fn clock(&self) -> Clock {
        Store::clock(self)
    }
    fn rulebook(&self) -> &Arc<Rulebook> {
        Store::rulebook(self)
    }
    fn origin_name(&self) -> Result<String, StoreError> {
        Store::origin(self)
    }
    fn subject_info(&self, id: &SubjectId) -> Result<Option<SubjectInfo>, StoreError> {
        Store::subject(self, id)
    }
    fn log_access(&self, actor: &Actor, subject: &SubjectId, purpose: &str, what: &str) -> Result<(), StoreError> {
        Store::log_access(self, actor, subject, purpose, what)
    }
    fn assessment(&self, id: &SubjectId, as_of: Date) -> Result<Assessment, StoreError> {
        Store::assessment(self, id, as_of)
    }
    fn entry(&self, entry: &socred_core::process::EntryId, as_of: Date) -> Result<socred_core::lists::ListEntry, StoreError> {
        Store::entry(self, entry, as_of)
    }
    fn log_accesses(&self, reads: &[socred_store::AccessRequest]) -> Result<(), StoreError> {
        Store::log_accesses(self, reads)
    }
    fn decide(&self, id: &SubjectId, service: &str, as_of: Date) -> Result<socred_core::decide::Decision, StoreError> {
        Store::decide(self, id, service, as_of)
    }
    fn activate_rulebook_with_impact(
        &mut self,
        source: &str,
        file: &str,
        actor: &Actor,
        impact: serde_json::Value,
        audit_size: Option<u64>,
    ) -> Result<Arc<Rulebook>, StoreError> {
        Store::activate_rulebook_with_impact(self, source, file, actor, impact, audit_size)
    }
    fn subject_count(&self) -> Result<u64, StoreError> {
        let overview = Store::overview(self)?;
        Ok(overview.persons + overview.organisations)
    }
}

impl CliStore for PgStore {
    fn clock(&self) -> Clock {
        PgStore::clock(self)
    }
    fn rulebook(&self) -> &Arc<Rulebook> {
        PgStore::rulebook(self)
    }
    fn origin_name(&self) -> Result<String, StoreError> {
        Ok(PgStore::origin(self).to_string())
    }
    fn subject_info(&self, id: &SubjectId) -> Result<Option<SubjectInfo>, StoreError> {
        PgStore::subject(self, id)
    }
    fn log_access(&self, actor: &Actor, subject: &SubjectId, purpose: &str, what: &str) -> Result<(), StoreError> {
        PgStore::log_access(self, actor, subject, purpose, what)
    }
    fn assessment(&self, id: &SubjectId, as_of: Date) -> Result<Assessment, StoreError> {
        PgStore::assessment(self, id, as_of)
    }
    fn entry(&self, entry: &socred_core::process::EntryId, as_of: Date) -> Result<socred_core::lists::ListEntry, StoreError> {
        PgStore::entry(self, entry, as_of)
    }
    fn decide(&self, id: &SubjectId, service: &str, as_of: Date) -> Result<socred_core::decide::Decision, StoreError> {
        PgStore::decide(self, id, service, as_of)
    }
    fn activate_rulebook_with_impact(
        &mut self,
        source: &str,
        file: &str,
        actor: &Actor,
        impact: serde_json::Value,
        audit_size: Option<u64>,
    ) -> Result<Arc<Rulebook>, StoreError> {
        PgStore::activate_rulebook_with_impact(self, source, file, actor, impact, audit_size)
    }
    fn subject_count(&self) -> Result<u64, StoreError> {
        PgStore::subject_count(self)
    }
}
