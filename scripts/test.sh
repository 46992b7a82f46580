#!/usr/bin/env bash
# Runs every test of socred: core, store, ingest, CLI, HTTP, and the browser
# tests in headless Chromium, on SQLite and on PostgreSQL. Starts PostgreSQL
# when it is down (each test makes and drops a database of its own on it), and
# installs what the tests need when it is missing: Debian's chromium and
# playwright-core (browser tests), python-stdnum (the identifier check
# characters are compared with it).
set -euo pipefail
cd "$(dirname "$0")/.."

if [ -z "${SOCRED_SKIP_BROWSER:-}" ]; then
    if [ ! -x "${SOCRED_CHROMIUM:-/usr/bin/chromium}" ]; then
        echo "installing Debian's chromium for the browser tests"
        if [ "$(id -u)" = 0 ]; then
            apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
        else
            sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
        fi
    fi
    if [ ! -d crates/socred-server/browser/node_modules/playwright-core ]; then
        echo "installing playwright-core for the browser tests"
        (cd crates/socred-server/browser && npm ci --no-audit --no-fund --loglevel=error)
    fi
fi

if ! python3 -c "import stdnum" 2>/dev/null; then
    echo "installing python-stdnum for the differential test of identifiers"
    python3 -m pip install --quiet python-stdnum
fi

bash scripts/postgres.sh

cargo test --workspace --locked "$@"
