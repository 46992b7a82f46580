#!/usr/bin/env bash
# Runs every test of socred: core, store, ingest, CLI, HTTP, and the browser
# tests in headless Chromium, on SQLite and on PostgreSQL. Starts PostgreSQL
# when it is down (each test makes and drops a database of its own on it), and
# installs what the tests need when it is missing: Debian's chromium,
# playwright-core and axe-core (browser tests), poppler-utils and fonts (PDF
# notices), python-stdnum (the identifier check characters are compared with it).
set -euo pipefail
cd "$(dirname "$0")/.."

# Debian packages the tests use: Chromium (browser tests), poppler-utils
# (the PDF notices are read back with pdftotext), the fonts the PDF
# notices, the browser's Chinese pages and the Chinese charts (a face with
# both Han and Latin letters: WenQuanYi Micro Hei) are set in, and openssl
# (the certificates of the TLS tests' own PostgreSQL cluster).
packages=(poppler-utils fonts-dejavu-core fonts-droid-fallback fonts-wqy-microhei openssl)
if [ -z "${SOCRED_SKIP_BROWSER:-}" ] && [ ! -x "${SOCRED_CHROMIUM:-/usr/bin/chromium}" ]; then
    packages+=(chromium)
fi
missing=()
for package in "${packages[@]}"; do
    dpkg -s "$package" >/dev/null 2>&1 || missing+=("$package")
done
if [ "${#missing[@]}" -gt 0 ]; then
    echo "installing Debian's ${missing[*]} for the tests"
    sudo_if_needed() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }
    sudo_if_needed apt-get update -qq
    sudo_if_needed env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi
if [ -z "${SOCRED_SKIP_BROWSER:-}" ]; then
    if [ ! -d crates/socred-server/browser/node_modules/playwright-core ] || [ ! -d crates/socred-server/browser/node_modules/axe-core ]; then
        echo "installing playwright-core and axe-core for the browser tests"
        (cd crates/socred-server/browser && npm ci --no-audit --no-fund --loglevel=error)
    fi
fi

if ! python3 -c "import stdnum" 2>/dev/null; then
    echo "installing python-stdnum for the differential test of identifiers"
    python3 -m pip install --quiet python-stdnum
fi

bash scripts/postgres.sh

cargo test --workspace --locked "$@"
