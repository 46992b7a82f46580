//! Any bytes as an NDJSON or CSV import (a partner's too): every line gets a
//! verdict, valid records satisfy the record rules, never a panic.
#![no_main]

use std::sync::{Arc, OnceLock};

use libfuzzer_sys::fuzz_target;
use socred_core::Rulebook;
use socred_ingest::{Format, RowCheck, dry_run};

fn rulebook() -> Arc<Rulebook> {
    static RULEBOOK: OnceLock<Arc<Rulebook>> = OnceLock::new();
    RULEBOOK.get_or_init(|| Arc::new(Rulebook::from_toml(socred_core::DEFAULT_RULEBOOK, "default.toml").expect("valid"))).clone()
}

fuzz_target!(|input: (bool, bool, &[u8])| {
    let (csv, partner, bytes) = input;
    let today = time::macros::date!(2026 - 12 - 02);
    let scope = partner.then(|| socred_store_scope());
    let format = if csv { Format::Csv } else { Format::Ndjson };
    if let Ok(rows) = dry_run(bytes, format, rulebook(), today, scope) {
        for row in rows {
            if let RowCheck::Valid { record, .. } = row {
                assert!(record.occurred_on <= today);
                assert!(socred_core::record::check_occurred_on(&rulebook(), &record.subject, record.occurred_on, today).is_ok());
            }
        }
    }
});

fn socred_store_scope() -> socred_ingest::PartnerScope {
    socred_ingest::PartnerScope { username: "bikes".into(), source: "Hello Bike Co.".into(), behaviours: vec!["unpaid-shared-bike-ride".into()] }
}
