//! Any text as a rulebook: loaded, or refused with its problems, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|text: &str| {
    match socred_core::Rulebook::from_toml(text, "fuzz.toml") {
        Ok(rulebook) => assert!(!rulebook.fingerprint.is_empty()),
        Err(error) => assert!(!error.problems.is_empty()),
    }
});
