#!/usr/bin/env bash
# Makes sure the PostgreSQL server the tests use is up (SOCRED_TEST_POSTGRES,
# by default postgres://postgres@127.0.0.1:5432/postgres): starts Debian's
# cluster when it is down and waits until it answers. Each test creates and
# drops a database of its own on it.
set -euo pipefail
host=127.0.0.1
port=5432
if ! command -v pg_isready >/dev/null; then
    echo "PostgreSQL's client tools are missing (apt-get install postgresql)" >&2
    exit 1
fi
if ! pg_isready -h "$host" -p "$port" -q; then
    version=$(ls /etc/postgresql | sort -n | tail -n 1)
    echo "starting PostgreSQL $version"
    pg_ctlcluster --skip-systemctl-redirect "$version" main start || true
    for _ in $(seq 1 30); do pg_isready -h "$host" -p "$port" -q && break; sleep 1; done
fi
pg_isready -h "$host" -p "$port"
