//! Any text as an identifier: parsed or refused with a reason, never a panic;
//! what parses round-trips and masks.
#![no_main]

use libfuzzer_sys::fuzz_target;
use socred_core::id::{SubjectId, SubjectKind};
use socred_core::process::{CaseId, EntryId};
use socred_core::record::RecordId;

fuzz_target!(|text: &str| {
    if let Ok(id) = SubjectId::parse(text) {
        assert_eq!(SubjectId::parse(id.as_str()), Ok(id));
        assert_eq!(id.masked().len(), 18);
        let today = time::macros::date!(2026 - 12 - 02);
        let _ = id.check_plausible(today);
    }
    for kind in [SubjectKind::Person, SubjectKind::Organisation] {
        if let Ok(id) = SubjectId::parse_as(text, kind) {
            assert_eq!(id.kind(), kind);
        }
    }
    if let Ok(id) = RecordId::parse(text) {
        assert_eq!(id.as_str(), text);
    }
    let _ = CaseId::parse(text);
    if let Ok(entry) = EntryId::parse(text) {
        assert!(entry.origin().is_some());
        let _ = entry.list();
    }
});
