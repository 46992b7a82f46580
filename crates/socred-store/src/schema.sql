-- socred embedded store, schema version 7.
--
-- Ledger tables are append-only: the store issues no UPDATE or DELETE on them.
-- Every ledger row names the audit entry that wrote it (audit_seq), and rows are
-- appended in audit order, so `audit verify` can recompute each entry's digest in
-- one ordered pass.

CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
) STRICT;

CREATE TABLE audit (
    seq     INTEGER PRIMARY KEY,
    at      TEXT NOT NULL,
    actor   TEXT NOT NULL,
    action  TEXT NOT NULL,
    subject TEXT,
    detail  TEXT NOT NULL,
    digest  TEXT NOT NULL,
    prev    TEXT NOT NULL,
    hash    TEXT NOT NULL
) STRICT;

CREATE TABLE rulebooks (
    seq         INTEGER PRIMARY KEY,
    id          TEXT NOT NULL,
    version     TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    source      TEXT NOT NULL,
    file        TEXT NOT NULL,
    audit_seq   INTEGER NOT NULL
) STRICT;

CREATE TABLE subjects (
    key       INTEGER PRIMARY KEY,
    id        TEXT NOT NULL UNIQUE,
    kind      TEXT NOT NULL CHECK (kind IN ('person', 'organisation')),
    name      TEXT NOT NULL,
    audit_seq INTEGER NOT NULL
) STRICT;

-- (subject, 'guardian', other): other is a guardian of subject.
-- (subject, 'represents', other): subject is the legal representative of organisation other.
CREATE TABLE links (
    subject   INTEGER NOT NULL REFERENCES subjects(key),
    kind      TEXT NOT NULL CHECK (kind IN ('guardian', 'represents')),
    other     INTEGER NOT NULL REFERENCES subjects(key),
    audit_seq INTEGER NOT NULL,
    UNIQUE (subject, kind, other)
) STRICT;
CREATE INDEX links_by_other ON links(other, kind);

CREATE TABLE records (
    seq         INTEGER PRIMARY KEY,
    record_id   TEXT NOT NULL UNIQUE,
    subject     INTEGER NOT NULL,
    behaviour   TEXT NOT NULL,
    occurred_on INTEGER NOT NULL,  -- Julian day number
    source      TEXT NOT NULL,
    evidence    TEXT,
    audit_seq   INTEGER NOT NULL
) STRICT;
CREATE INDEX records_by_subject ON records(subject);

CREATE TABLE voids (
    seq        INTEGER PRIMARY KEY,
    record_seq INTEGER NOT NULL UNIQUE REFERENCES records(seq),
    reason     TEXT NOT NULL,
    audit_seq  INTEGER NOT NULL
) STRICT;

-- Derived, not ledger: the hot summary per subject, valid for as-of dates in
-- [valid_from, valid_until) under the rulebook with this fingerprint.
CREATE TABLE assessment_cache (
    subject     INTEGER PRIMARY KEY,
    fingerprint TEXT NOT NULL,
    valid_from  INTEGER NOT NULL,
    valid_until INTEGER,
    score       INTEGER NOT NULL,
    tier        INTEGER NOT NULL,
    points_tier INTEGER NOT NULL,
    lock_tier   INTEGER,
    lock_since  INTEGER,
    lock_until  INTEGER
) STRICT;

-- Due-process events (proposals, notices, appeals, disputes, repairs): append-only
-- facts with a date (on_day) and an actor. `case_key` is the entry, appeal, dispute
-- or repair id the event is about; `body` is the event as JSON.
CREATE TABLE events (
    seq       INTEGER PRIMARY KEY,
    subject   INTEGER NOT NULL REFERENCES subjects(key),
    on_day    INTEGER NOT NULL,
    actor     TEXT NOT NULL,
    kind      TEXT NOT NULL,
    case_key  TEXT NOT NULL,
    body      TEXT NOT NULL,
    audit_seq INTEGER NOT NULL
) STRICT;
CREATE INDEX events_by_subject ON events(subject);
CREATE INDEX events_by_case ON events(case_key, kind);

-- Every read of a subject's file by anyone but the subject: who, when, why.
-- Hash-chained on its own (reads are frequent; they do not go through the audit log).
CREATE TABLE accesses (
    seq     INTEGER PRIMARY KEY,
    at      TEXT NOT NULL,
    actor   TEXT NOT NULL,
    subject INTEGER NOT NULL REFERENCES subjects(key),
    purpose TEXT NOT NULL,
    what    TEXT NOT NULL,
    prev    TEXT NOT NULL,
    hash    TEXT NOT NULL
) STRICT;
CREATE INDEX accesses_by_subject ON accesses(subject);

-- Derived: subjects whose list entries must be recomputed (written by every
-- write that touches a subject, cleared by the refresh).
CREATE TABLE dirty (
    subject INTEGER PRIMARY KEY
) STRICT;

-- Derived: every list entry with its listing interval [listed_since, listed_until)
-- as known from the ledger so far; the public list is a range query on it.
CREATE TABLE entries (
    entry_id     TEXT PRIMARY KEY,
    subject      INTEGER NOT NULL,
    list         TEXT NOT NULL,
    authority    TEXT NOT NULL,
    legal_basis  TEXT NOT NULL,
    published    INTEGER NOT NULL,
    listed_since INTEGER,
    listed_until INTEGER
) STRICT;
CREATE INDEX entries_by_subject ON entries(subject);
CREATE INDEX entries_listed ON entries(list, listed_since);

-- Accounts and their credentials. Not ledger: changes are audited in the log
-- (actor, action, detail), secrets never stored in clear.
CREATE TABLE accounts (
    id            INTEGER PRIMARY KEY,
    username      TEXT NOT NULL UNIQUE,
    role          TEXT NOT NULL,
    password_hash TEXT,
    subject       INTEGER REFERENCES subjects(key),
    authority     TEXT,
    services      TEXT NOT NULL,
    behaviours    TEXT NOT NULL,
    created_at    TEXT NOT NULL,
    disabled      INTEGER NOT NULL DEFAULT 0
) STRICT;

-- API tokens: SHA-256 of the secret, shown once at issue.
CREATE TABLE tokens (
    id          INTEGER PRIMARY KEY,
    account     INTEGER NOT NULL REFERENCES accounts(id),
    secret_hash TEXT NOT NULL UNIQUE,
    label       TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    revoked_at  TEXT
) STRICT;

-- Browser sessions: SHA-256 of the cookie's secret, the CSRF token, expiry (unix seconds).
CREATE TABLE sessions (
    secret_hash TEXT PRIMARY KEY,
    account     INTEGER NOT NULL REFERENCES accounts(id),
    csrf        TEXT NOT NULL,
    expires_at  INTEGER NOT NULL
) STRICT;

-- Every decision asked for by a provider (and every refused attempt): who asked,
-- about whom, for what service, and what they were told. Checks are logged in
-- groups: one row per group holds its checks packed in `data` (see
-- decisions.rs), and each group is hash-chained to the previous one, so logging
-- a check costs no B-tree insert of its own. `check_index` finds a subject's
-- checks; it is filled behind the log in large sorted batches, and readers
-- decode the groups it does not cover yet (meta key `checks_indexed_upto`).
CREATE TABLE check_groups (
    grp       INTEGER PRIMARY KEY,
    first_seq INTEGER NOT NULL,
    rows      INTEGER NOT NULL,
    data      BLOB NOT NULL,
    prev      TEXT NOT NULL,
    hash      TEXT NOT NULL
) STRICT;
CREATE UNIQUE INDEX check_groups_first_seq ON check_groups (first_seq);

CREATE TABLE check_index (
    subject INTEGER NOT NULL,
    seq     INTEGER NOT NULL,
    PRIMARY KEY (subject, seq)
) STRICT, WITHOUT ROWID;
