//! Rulebook versions on PostgreSQL. An activation is one write: the new
//! version, the list entries every subject carries over from the one in
//! force (they decide notice days under the new one, so they are ledger, in
//! the entry's digest), and every subject's derived entries rewritten under
//! it. Several servers share the database, and each holds the rulebook in
//! memory: a write under another version than the newest is refused (its
//! checks and derived rows were made under the old one), and a server's
//! follower loads the new version when the change feed says everything
//! changed (`follow_rulebook`), which the activation does, and publishes it to
//! the server's requests once its check index is loaded under it.

use std::sync::Arc;

use socred_core::{Rulebook, SubjectId};

use super::rows::insert_rulebook;
use super::{PgStore, entries, load_active_rulebook, log};
use crate::Actor;
use crate::audit::LedgerRow;
use crate::error::{Result, StoreError};

/// The newest rulebook version the database holds.
pub(crate) fn newest_seq(client: &mut impl postgres::GenericClient) -> Result<i64> {
    Ok(client.query_one("SELECT max(seq) FROM rulebooks", &[])?.get::<_, Option<i64>>(0).unwrap_or(0))
}

impl PgStore {
    /// Replaces the active rulebook with a new version (see
    /// [`crate::Store::activate_rulebook`]): refused if records in the ledger
    /// use behaviours it does not declare; the same version again is a no-op.
    pub fn activate_rulebook(&mut self, source: &str, file: &str, actor: &Actor) -> Result<Arc<Rulebook>> {
        self.activate_rulebook_with_impact(source, file, actor, serde_json::Value::Null, None)
    }

    /// [`Self::activate_rulebook`], with the impact assessment that preceded
    /// it (its digest and summary, or why it was skipped) on the audit entry.
    /// With `audit_size`, the log's size when the assessment began: any entry
    /// written since (the ledger may have changed) refuses the activation.
    pub fn activate_rulebook_with_impact(
        &mut self,
        source: &str,
        file: &str,
        actor: &Actor,
        impact: serde_json::Value,
        audit_size: Option<u64>,
    ) -> Result<Arc<Rulebook>> {
        let rulebook = Arc::new(Rulebook::from_toml(source, file)?);
        self.clock.admit(actor.moment())?;
        let mut connection = self.connection()?;
        let mut transaction = connection.transaction()?;
        let mut writer = log::Writer::lock(&mut transaction)?;
        if audit_size.is_some_and(|size| writer.seq() != size as i64 + 1) {
            return Err(StoreError::invalid_message("impact", crate::CHANGED_SINCE_ASSESSMENT, vec![]));
        }
        let (current, current_seq) = load_active_rulebook(&mut transaction)?;
        if current.fingerprint == rulebook.fingerprint {
            drop(transaction);
            self.take_rulebook(Arc::new(current), current_seq);
            self.publish_rulebook();
            return Ok(self.rulebook.clone());
        }
        let used: Vec<String> = transaction.query("SELECT DISTINCT behaviour FROM records", &[])?.iter().map(|row| row.get(0)).collect();
        let missing: Vec<String> = used.iter().filter(|code| rulebook.behaviour(code).is_none()).map(|code| format!("{code:?}")).collect();
        if !missing.is_empty() {
            return Err(StoreError::behaviours_in_use(&missing, &rulebook));
        }
        let moment = actor.moment();
        let seq = current_seq + 1;
        let mut rows = super::EntryRows::new(writer.seq());
        let row = LedgerRow::Rulebook { fingerprint: rulebook.fingerprint.clone(), recorded_ms: moment.unix_ms, recorded_on: moment.day };
        insert_rulebook(&mut transaction, &mut rows, &row, seq, &rulebook.id, &rulebook.version, source, file)?;
        // The entries under the version in force, as the derived table holds them (always current on PostgreSQL).
        // In registration order, as the embedded store digests them: the same ledger, the same entry.
        const CARRIED: &str = "FROM entries e JOIN subjects s ON s.subject = e.subject";
        let carried = transaction.query(&format!("SELECT e.subject, e.entry_id {CARRIED} ORDER BY s.number, e.entry_id"), &[])?;
        // Digested one by one, written by one statement in the same order with the same ordinals.
        let mut first_ordinal = None;
        for entry in carried {
            let subject: &str = entry.get(0);
            let subject = SubjectId::parse(subject).map_err(|e| StoreError::Corrupt(format!("an entry of subject {subject:?}: {e}")))?;
            let ordinal = rows.add(&LedgerRow::RulebookEntry { rulebook_seq: seq, subject, entry_id: entry.get(1) });
            first_ordinal.get_or_insert(ordinal);
        }
        if let Some(first) = first_ordinal {
            transaction.execute(
                &format!(
                    "INSERT INTO rulebook_entries (subject, rulebook_seq, entry_id, audit_seq, ordinal)
                     SELECT e.subject, $1, e.entry_id, $2, ($3::integer + row_number() OVER (ORDER BY s.number, e.entry_id) - 1)::integer {CARRIED}"
                ),
                &[&seq, &rows.seq, &first],
            )?;
        }
        rows.touch_everything();
        // Every subject's entries again, under the new version and what it carries over.
        let mut activated = self.clone();
        activated.take_rulebook(rulebook.clone(), seq);
        entries::rebuild_in(&activated, &mut transaction)?;
        let detail = crate::activation_detail(&rulebook, impact);
        writer.append(&mut transaction, actor, "rulebook.activate", None, &detail, rows)?;
        transaction.commit()?;
        self.take_rulebook(rulebook, seq);
        self.publish_rulebook();
        Ok(self.rulebook.clone())
    }

    /// This handle now serves `rulebook` (version `seq`); its clones take it
    /// only once it is published.
    fn take_rulebook(&mut self, rulebook: Arc<Rulebook>, seq: i64) {
        self.rulebook = rulebook;
        self.rulebook_seq = seq;
    }

    /// Offers this handle's version to every clone of it (`sync_rulebook`):
    /// after the activation committed, or once a server's index is loaded
    /// under it. The shared version never goes back.
    pub fn publish_rulebook(&self) {
        let mut shared = self.shared.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if self.rulebook_seq > shared.1 {
            *shared = (self.rulebook.clone(), self.rulebook_seq);
        }
    }

    /// Loads the newest version into this handle if another process activated
    /// one; true when it did. Clones take it once it is published.
    pub fn follow_rulebook(&mut self) -> Result<bool> {
        self.sync_rulebook();
        let mut connection = self.connection()?;
        if newest_seq(&mut **connection)? == self.rulebook_seq {
            return Ok(false);
        }
        let (rulebook, seq) = load_active_rulebook(&mut **connection)?;
        drop(connection);
        self.take_rulebook(Arc::new(rulebook), seq);
        Ok(true)
    }

    /// Takes the version another clone of this handle has published, if newer.
    pub fn sync_rulebook(&mut self) {
        let (rulebook, seq) = self.shared.lock().unwrap_or_else(std::sync::PoisonError::into_inner).clone();
        if seq > self.rulebook_seq {
            self.rulebook = rulebook;
            self.rulebook_seq = seq;
        }
    }
}
