-- socred embedded store: the baseline schema (migration 1). Every later
-- change is a migration of its own (V2__…, V3__…), applied in order by
-- refinery, which records what it applied in refinery_schema_history.
--
-- Time is bitemporal: a record has the day it happened (occurred_on) and the
-- instant the ledger learned it (recorded_ms, unix milliseconds, and
-- recorded_day, the calendar day of that instant in the store's time zone,
-- meta `utc_offset`). Every act (void, event) carries when it was recorded.
-- Days are Julian day numbers.
--
-- Ledger tables are append-only: the store issues no UPDATE or DELETE on them.
-- Every ledger row names the audit entry that wrote it (audit_seq), and rows are
-- appended in audit order, so `audit verify` can recompute each entry's digest in
-- one ordered pass.

CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
) STRICT;

-- The log (docs/audit-format.md): `detail` is canonical JSON, `digest` the
-- digest of the ledger rows the entry wrote, `hash` the entry's leaf hash in
-- the Merkle tree.
CREATE TABLE audit (
    seq     INTEGER PRIMARY KEY,
    at      TEXT NOT NULL,
    actor   TEXT NOT NULL,
    action  TEXT NOT NULL,
    subject TEXT,
    detail  TEXT NOT NULL,
    digest  TEXT NOT NULL,
    hash    TEXT NOT NULL
) STRICT;

-- The heads, moved only by the transaction that appends (under the write
-- lock): 'audit' holds the tree size and its right edge (the roots of its
-- perfect subtrees, hex, largest first); 'accesses' the row count and the
-- hash of the newest row.
CREATE TABLE log_head (
    log   TEXT PRIMARY KEY,
    size  INTEGER NOT NULL,
    nodes TEXT NOT NULL
) STRICT;
INSERT INTO log_head (log, size, nodes) VALUES
    ('audit', 0, ''),
    ('accesses', 0, '0000000000000000000000000000000000000000000000000000000000000000');

-- Seals (audit/seals.rs): the security-relevant state of an account or a
-- token after each change, under the change's audit entry. Append-only.
CREATE TABLE seals (
    seq       INTEGER PRIMARY KEY,
    kind      TEXT NOT NULL CHECK (kind IN ('account', 'token')),
    key       TEXT NOT NULL,
    state     TEXT NOT NULL,
    audit_seq INTEGER NOT NULL
) STRICT;

CREATE TABLE rulebooks (
    seq         INTEGER PRIMARY KEY,
    id          TEXT NOT NULL,
    version     TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    source      TEXT NOT NULL,
    file        TEXT NOT NULL,
    recorded_ms  INTEGER NOT NULL,
    recorded_day INTEGER NOT NULL,
    audit_seq   INTEGER NOT NULL
) STRICT;

-- The list entries each subject had when a rulebook version took effect
-- (computed at activation from the ledger as it stood, under the previous
-- version). An entry a new version makes that is not here is noticed on the
-- day the version took effect at the earliest: a rule change never serves a
-- notice in the past.
CREATE TABLE rulebook_entries (
    rulebook_seq INTEGER NOT NULL,
    subject      INTEGER NOT NULL,
    entry_id     TEXT NOT NULL,
    PRIMARY KEY (rulebook_seq, subject, entry_id)
) STRICT, WITHOUT ROWID;

CREATE TABLE subjects (
    key       INTEGER PRIMARY KEY,
    id        TEXT NOT NULL UNIQUE,
    kind      TEXT NOT NULL CHECK (kind IN ('person', 'organisation')),
    name      TEXT NOT NULL,
    recorded_ms  INTEGER NOT NULL,
    recorded_day INTEGER NOT NULL,
    audit_seq INTEGER NOT NULL,
    -- Stands for the subject in ids others see (tier entries): a keyed digest
    -- of the id under meta `secret`, so it cannot be traced back.
    reference TEXT NOT NULL UNIQUE
) STRICT;

-- (subject, 'guardian', other): other is a guardian of subject.
-- (subject, 'represents', other): subject is the legal representative of organisation other.
CREATE TABLE links (
    subject   INTEGER NOT NULL REFERENCES subjects(key),
    kind      TEXT NOT NULL CHECK (kind IN ('guardian', 'represents')),
    other     INTEGER NOT NULL REFERENCES subjects(key),
    recorded_ms  INTEGER NOT NULL,
    recorded_day INTEGER NOT NULL,
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
    recorded_ms  INTEGER NOT NULL,
    recorded_day INTEGER NOT NULL,
    audit_seq   INTEGER NOT NULL,
    CHECK (occurred_on <= recorded_day)
) STRICT;
CREATE INDEX records_by_subject ON records(subject);

CREATE TABLE voids (
    seq        INTEGER PRIMARY KEY,
    record_seq INTEGER NOT NULL UNIQUE REFERENCES records(seq),
    reason     TEXT NOT NULL,
    recorded_ms  INTEGER NOT NULL,
    recorded_day INTEGER NOT NULL,
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
-- acts with the day they were recorded (on_day, from the clock) and an actor. `case_key` is the entry, appeal, dispute
-- or repair id the event is about; `body` is the event as JSON.
CREATE TABLE events (
    seq       INTEGER PRIMARY KEY,
    subject   INTEGER NOT NULL REFERENCES subjects(key),
    on_day    INTEGER NOT NULL,
    recorded_ms INTEGER NOT NULL,
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

-- The change feed: every write appends the subjects it touched (subject 0:
-- every subject, after a rulebook activation), so that another process (a
-- server beside a CLI import, a second server) can follow the ledger from a
-- cursor. Pruned to the newest rows; a reader whose cursor falls behind the
-- oldest row, or lies beyond the newest (a feed emptied or restored), rebuilds
-- everything. AUTOINCREMENT: a position is never reused, even after pruning.
CREATE TABLE changes (
    seq     INTEGER PRIMARY KEY AUTOINCREMENT,
    subject INTEGER NOT NULL
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

-- Accounts and their credentials. Live rows (sign-in counters move), but every
-- change to what they grant is sealed in the log (`seals`); secrets are hashed.
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
    disabled      INTEGER NOT NULL DEFAULT 0,
    -- Consecutive failed sign-ins, and the instant (unix seconds) before
    -- which the account signs in no more: the backoff of a guessed password.
    failed_sign_ins INTEGER NOT NULL DEFAULT 0,
    locked_until    INTEGER NOT NULL DEFAULT 0,
    last_failed_at  INTEGER NOT NULL DEFAULT 0,
    -- The second factor (TOTP, base32), asked at sign-in once confirmed; the
    -- last step a code was accepted for, so that no code is used twice.
    totp_secret     TEXT,
    totp_confirmed  INTEGER NOT NULL DEFAULT 0,
    totp_last_step  INTEGER NOT NULL DEFAULT 0
) STRICT;

-- API tokens: SHA-256 of the secret, shown once at issue; dead after expires_at (unix seconds).
CREATE TABLE tokens (
    id          INTEGER PRIMARY KEY,
    account     INTEGER NOT NULL REFERENCES accounts(id),
    secret_hash TEXT NOT NULL UNIQUE,
    label       TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    revoked_at  TEXT,
    expires_at  INTEGER NOT NULL
) STRICT;

-- Browser sessions: SHA-256 of the cookie's secret, the CSRF token, the end
-- of its absolute lifetime and when it was last used (unix seconds; a session
-- idle too long is dead).
CREATE TABLE sessions (
    secret_hash TEXT PRIMARY KEY,
    account     INTEGER NOT NULL REFERENCES accounts(id),
    csrf        TEXT NOT NULL,
    expires_at  INTEGER NOT NULL,
    last_seen   INTEGER NOT NULL
) STRICT;
CREATE INDEX sessions_by_account ON sessions(account);

-- Every decision asked for by a provider (and every refused attempt): who asked,
-- about whom, for what service, and what they were told. Checks are logged in
-- groups: one row per group holds its checks packed in `data` (see
-- checks.rs), and each group is hash-chained to the previous one, so logging
-- a check costs no B-tree insert of its own.
CREATE TABLE check_groups (
    grp       INTEGER PRIMARY KEY,
    first_seq INTEGER NOT NULL,
    rows      INTEGER NOT NULL,
    data      BLOB NOT NULL,
    prev      TEXT NOT NULL,
    hash      TEXT NOT NULL
) STRICT;
CREATE UNIQUE INDEX check_groups_first_seq ON check_groups (first_seq);

-- The index that finds a subject's checks (derived from check_groups; see
-- checks.rs): sorted runs, each covering a range of the log, merged level by
-- level. A run's checks, sorted by subject, are packed into chunks of about a
-- page, each keyed by the last subject it holds. Chunks are written in order,
-- so a new run goes at the end of the table, not all over it.
-- meta key `checks_indexed_upto`: the last check the runs cover.
CREATE TABLE check_runs (
    run       INTEGER PRIMARY KEY,
    level     INTEGER NOT NULL,
    first_seq INTEGER NOT NULL,
    last_seq  INTEGER NOT NULL,
    checks    INTEGER NOT NULL
) STRICT;
CREATE INDEX check_runs_level ON check_runs (level, first_seq);

CREATE TABLE check_index (
    id           INTEGER PRIMARY KEY,
    run          INTEGER NOT NULL,
    last_subject INTEGER NOT NULL,
    data         BLOB NOT NULL
) STRICT;
CREATE INDEX check_index_lookup ON check_index (run, last_subject, id);

-- Evidence attached to public reports, stored once by content (SHA-256).
CREATE TABLE evidence (
    hash       TEXT PRIMARY KEY,
    media_type TEXT NOT NULL,
    bytes      INTEGER NOT NULL,
    data       BLOB NOT NULL,
    added_at   TEXT NOT NULL,
    added_by   TEXT NOT NULL,
    added_ms   INTEGER NOT NULL,
    audit_seq  INTEGER NOT NULL
) STRICT;
CREATE INDEX evidence_by_uploader ON evidence(added_by, added_ms);

-- Public reports. Insert-only: a report's state is its last row in
-- `report_events`. `facts` names (subject, behaviour, date): reports with the
-- same facts are duplicates of each other and count once.
CREATE TABLE reports (
    seq          INTEGER PRIMARY KEY,
    report_id    TEXT NOT NULL UNIQUE,
    reporter     INTEGER NOT NULL REFERENCES subjects(key),
    subject      INTEGER NOT NULL REFERENCES subjects(key),
    behaviour    TEXT NOT NULL,
    occurred_on  INTEGER NOT NULL,
    description  TEXT NOT NULL,
    evidence     TEXT NOT NULL,
    facts        TEXT NOT NULL,
    filed_by     TEXT NOT NULL,
    filed_at_ms  INTEGER NOT NULL,
    filed_on     INTEGER NOT NULL,
    audit_seq    INTEGER NOT NULL
) STRICT;
CREATE INDEX reports_facts ON reports (facts);
CREATE INDEX reports_filed_by ON reports (filed_by, filed_at_ms);
CREATE INDEX reports_subject ON reports (subject, filed_at_ms);
CREATE INDEX reports_reporter ON reports (reporter);

CREATE TABLE report_events (
    seq        INTEGER PRIMARY KEY,
    report     INTEGER NOT NULL REFERENCES reports(seq),
    state      TEXT NOT NULL,
    actor      TEXT NOT NULL,
    at_ms      INTEGER NOT NULL,
    on_day     INTEGER NOT NULL,
    reasons    TEXT NOT NULL,
    record_id  TEXT,
    reward_id  TEXT,
    audit_seq  INTEGER NOT NULL
) STRICT;
CREATE INDEX report_events_report ON report_events (report, seq);

-- Records from data partners that wait for a reviewer (behaviours with
-- `partner_review`), and the decisions on them. Insert-only.
CREATE TABLE pending_records (
    record_id   TEXT PRIMARY KEY,
    partner     TEXT NOT NULL,
    subject     INTEGER NOT NULL REFERENCES subjects(key),
    behaviour   TEXT NOT NULL,
    occurred_on INTEGER NOT NULL,
    source      TEXT NOT NULL,
    evidence    TEXT,
    audit_seq   INTEGER NOT NULL,
    recorded_ms INTEGER NOT NULL
) STRICT;
CREATE INDEX pending_records_by_subject ON pending_records(subject, partner, recorded_ms);
CREATE TABLE pending_decisions (
    record_id TEXT PRIMARY KEY REFERENCES pending_records(record_id),
    outcome   TEXT NOT NULL,
    reasons   TEXT NOT NULL,
    actor     TEXT NOT NULL,
    at        TEXT NOT NULL,
    audit_seq INTEGER NOT NULL
) STRICT;

-- The receipt of every partner batch, accepted or refused.
CREATE TABLE partner_batches (
    seq        INTEGER PRIMARY KEY,
    partner    TEXT NOT NULL,
    batch_id   TEXT NOT NULL,
    at_ms      INTEGER NOT NULL,
    lines      INTEGER NOT NULL,
    accepted   INTEGER NOT NULL,
    duplicates INTEGER NOT NULL,
    pending    INTEGER NOT NULL,
    rejected   INTEGER NOT NULL,
    stored     INTEGER NOT NULL,
    receipt    TEXT NOT NULL,
    audit_seq  INTEGER NOT NULL,
    UNIQUE (partner, batch_id)
) STRICT;
