-- socred embedded store, schema version 1.
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
