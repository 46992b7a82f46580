#!/usr/bin/env bash
# Runs every cargo-fuzz target for a bounded time (seconds each, default 10):
# identifiers, dates, the rulebook loader, import rows, the assessment. No
# input may panic. cargo-fuzz needs nightly features: on the stable toolchain
# RUSTC_BOOTSTRAP=1 enables them for this build only. Installs cargo-fuzz when missing.
set -euo pipefail
cd "$(dirname "$0")/../fuzz"
seconds="${1:-10}"
if ! cargo fuzz --version >/dev/null 2>&1; then
    echo "installing cargo-fuzz"
    cargo install cargo-fuzz --locked --quiet
fi
export RUSTC_BOOTSTRAP=1
cargo fuzz build
for target in $(cargo fuzz list); do
    echo "== fuzz $target (${seconds} s)"
    mkdir -p "corpus/$target"
    cargo fuzz run "$target" "corpus/$target" -- -max_total_time="$seconds" -print_final_stats=0 2>&1 | grep -E "Done|ERROR|panicked|SUMMARY|crash-" || true
    # A crash leaves an artifact and a non-zero status: report it.
    if ls "artifacts/$target"/crash-* >/dev/null 2>&1; then
        echo "fuzz target $target crashed; inputs in fuzz/artifacts/$target" >&2
        exit 1
    fi
done
