-- socred on PostgreSQL: the baseline schema (migration 1), applied by refinery.
--
-- The same ledger as the embedded store (migrations/sqlite), laid out to be
-- sharded by subject (docs/scaling.md):
-- * every subject-owned table leads with `subject`, the subject's 18-character
--   identity number or credit code, and is hash-partitioned by it; a subject's
--   file, its check answer and its writes touch one partition (one shard);
-- * tables that are not owned by a subject (the log, rulebooks, evidence,
--   partner batches, seals, the check log) are small or append-only streams
--   kept whole (Citus reference or coordinator tables);
-- * a record id or a report id is found through a lookup table keyed by that
--   id, the only cross-subject index the hot paths use.
--
-- Every ledger row names the audit entry that wrote it (audit_seq) and its
-- place among that entry's rows (ordinal): `audit verify` rebuilds each
-- entry's row digest from the rows in that order (docs/audit-format.md).
-- Days are `date`; instants are unix milliseconds (`*_ms`). Ids compare
-- bytewise (COLLATE "C"): they are ASCII, and a locale's rules would only
-- slow every index on them.
-- Ledger tables are append-only: socred issues no UPDATE or DELETE on them.

CREATE TABLE meta (
    key   text PRIMARY KEY,
    value text NOT NULL
);

-- The log: `detail` is canonical JSON text (hashed as stored), `digest` the
-- digest of the ledger rows the entry wrote, `hash` its leaf hash.
CREATE TABLE audit (
    seq     bigint PRIMARY KEY,
    at      text NOT NULL,
    actor   text NOT NULL,
    action  text NOT NULL,
    subject text COLLATE "C",
    detail  text NOT NULL,
    digest  text NOT NULL,
    hash    text NOT NULL
);
CREATE INDEX audit_by_subject ON audit (subject, seq) WHERE subject IS NOT NULL;

-- The heads and counters, each row moved only by the transaction that holds
-- it `FOR UPDATE` (the write lock of its log): 'audit' holds the tree size and
-- its right edge; 'accesses' the row count and the newest row's hash;
-- 'subjects', 'records' and 'events' the last number given out.
CREATE TABLE log_head (
    log   text PRIMARY KEY,
    size  bigint NOT NULL,
    nodes text NOT NULL
);
INSERT INTO log_head (log, size, nodes) VALUES
    ('audit', 0, ''),
    ('accesses', 0, '0000000000000000000000000000000000000000000000000000000000000000'),
    ('subjects', 0, ''),
    ('records', 0, ''),
    ('events', 0, '');

CREATE TABLE rulebooks (
    seq          bigint PRIMARY KEY,
    id           text NOT NULL,
    version      text NOT NULL,
    fingerprint  text NOT NULL,
    source       text NOT NULL,
    file         text NOT NULL,
    recorded_ms  bigint NOT NULL,
    recorded_on  date NOT NULL,
    audit_seq    bigint NOT NULL,
    ordinal      integer NOT NULL
);

CREATE TABLE subjects (
    subject     text COLLATE "C" NOT NULL,
    number      bigint NOT NULL,
    kind        text NOT NULL CHECK (kind IN ('person', 'organisation')),
    name        text NOT NULL,
    reference   text NOT NULL,
    recorded_ms bigint NOT NULL,
    recorded_on date NOT NULL,
    audit_seq   bigint NOT NULL,
    ordinal     integer NOT NULL,
    PRIMARY KEY (subject)
) PARTITION BY HASH (subject);

CREATE TABLE links (
    subject     text COLLATE "C" NOT NULL,
    kind        text NOT NULL CHECK (kind IN ('guardian', 'represents')),
    other       text COLLATE "C" NOT NULL,
    recorded_ms bigint NOT NULL,
    recorded_on date NOT NULL,
    audit_seq   bigint NOT NULL,
    ordinal     integer NOT NULL,
    PRIMARY KEY (subject, kind, other)
) PARTITION BY HASH (subject);

CREATE TABLE records (
    subject     text COLLATE "C" NOT NULL,
    record_id   text COLLATE "C" NOT NULL,
    -- The store-wide order records were written in (a file lists them so).
    seq         bigint NOT NULL,
    behaviour   text NOT NULL,
    occurred_on date NOT NULL,
    source      text NOT NULL,
    evidence    text,
    recorded_ms bigint NOT NULL,
    recorded_on date NOT NULL,
    audit_seq   bigint NOT NULL,
    ordinal     integer NOT NULL,
    PRIMARY KEY (subject, record_id),
    CHECK (occurred_on <= recorded_on)
) PARTITION BY HASH (subject);

-- Which subject a record id belongs to: a record id is unique store-wide.
CREATE TABLE record_ids (
    record_id text COLLATE "C" PRIMARY KEY,
    subject   text COLLATE "C" NOT NULL
);

CREATE TABLE voids (
    subject     text COLLATE "C" NOT NULL,
    record_id   text COLLATE "C" NOT NULL,
    reason      text NOT NULL,
    recorded_ms bigint NOT NULL,
    recorded_on date NOT NULL,
    audit_seq   bigint NOT NULL,
    ordinal     integer NOT NULL,
    PRIMARY KEY (subject, record_id)
) PARTITION BY HASH (subject);

CREATE TABLE events (
    subject     text COLLATE "C" NOT NULL,
    seq         bigint NOT NULL,
    on_day      date NOT NULL,
    recorded_ms bigint NOT NULL,
    actor       text NOT NULL,
    kind        text NOT NULL,
    case_key    text COLLATE "C" NOT NULL,
    body        text NOT NULL,
    audit_seq   bigint NOT NULL,
    ordinal     integer NOT NULL,
    PRIMARY KEY (subject, seq)
) PARTITION BY HASH (subject);

CREATE TABLE rulebook_entries (
    subject      text COLLATE "C" NOT NULL,
    rulebook_seq bigint NOT NULL,
    entry_id     text COLLATE "C" NOT NULL,
    audit_seq    bigint NOT NULL,
    ordinal      integer NOT NULL,
    PRIMARY KEY (subject, rulebook_seq, entry_id)
) PARTITION BY HASH (subject);

CREATE TABLE reports (
    subject     text COLLATE "C" NOT NULL,
    report_id   text COLLATE "C" NOT NULL,
    reporter    text COLLATE "C" NOT NULL,
    behaviour   text NOT NULL,
    occurred_on date NOT NULL,
    description text NOT NULL,
    evidence    text NOT NULL,
    facts       text NOT NULL,
    filed_by    text NOT NULL,
    filed_at_ms bigint NOT NULL,
    filed_on    date NOT NULL,
    audit_seq   bigint NOT NULL,
    ordinal     integer NOT NULL,
    PRIMARY KEY (subject, report_id)
) PARTITION BY HASH (subject);

CREATE TABLE report_ids (
    report_id text COLLATE "C" PRIMARY KEY,
    subject   text COLLATE "C" NOT NULL
);

CREATE TABLE report_events (
    subject   text COLLATE "C" NOT NULL,
    report_id text COLLATE "C" NOT NULL,
    state     text NOT NULL,
    actor     text NOT NULL,
    at_ms     bigint NOT NULL,
    on_day    date NOT NULL,
    reasons   text NOT NULL,
    record_id text COLLATE "C",
    reward_id text,
    audit_seq bigint NOT NULL,
    ordinal   integer NOT NULL,
    PRIMARY KEY (subject, audit_seq, ordinal)
) PARTITION BY HASH (subject);

CREATE TABLE pending_records (
    subject     text COLLATE "C" NOT NULL,
    record_id   text COLLATE "C" NOT NULL,
    partner     text NOT NULL,
    behaviour   text NOT NULL,
    occurred_on date NOT NULL,
    source      text NOT NULL,
    evidence    text,
    recorded_ms bigint NOT NULL,
    audit_seq   bigint NOT NULL,
    ordinal     integer NOT NULL,
    PRIMARY KEY (subject, record_id)
) PARTITION BY HASH (subject);

CREATE TABLE pending_decisions (
    record_id text COLLATE "C" NOT NULL,
    outcome   text NOT NULL,
    reasons   text NOT NULL,
    actor     text NOT NULL,
    at        text NOT NULL,
    audit_seq bigint NOT NULL,
    ordinal   integer NOT NULL,
    PRIMARY KEY (audit_seq, ordinal)
);

CREATE TABLE evidence (
    hash       text PRIMARY KEY,
    media_type text NOT NULL,
    bytes      bigint NOT NULL,
    data       bytea NOT NULL,
    added_by   text NOT NULL,
    added_ms   bigint NOT NULL,
    audit_seq  bigint NOT NULL,
    ordinal    integer NOT NULL
);

CREATE TABLE partner_batches (
    partner   text NOT NULL,
    batch_id  text NOT NULL,
    at_ms     bigint NOT NULL,
    receipt   text NOT NULL,
    audit_seq bigint NOT NULL,
    ordinal   integer NOT NULL,
    PRIMARY KEY (partner, batch_id)
);

CREATE TABLE seals (
    kind      text NOT NULL CHECK (kind IN ('account', 'token')),
    key       text NOT NULL,
    state     text NOT NULL,
    audit_seq bigint NOT NULL,
    ordinal   integer NOT NULL,
    PRIMARY KEY (audit_seq, ordinal)
);

-- The access log: one chain over every staff read, each row in the file of
-- the subject read.
CREATE TABLE accesses (
    subject text COLLATE "C" NOT NULL,
    seq     bigint NOT NULL,
    at      text NOT NULL,
    actor   text NOT NULL,
    purpose text NOT NULL,
    what    text NOT NULL,
    prev    text NOT NULL,
    hash    text NOT NULL,
    PRIMARY KEY (subject, seq)
) PARTITION BY HASH (subject);

-- The check log: groups of packed check rows, chained (docs/audit-format.md).
CREATE TABLE check_groups (
    grp       bigint PRIMARY KEY,
    first_seq bigint NOT NULL,
    rows      bigint NOT NULL,
    data      bytea NOT NULL,
    prev      text NOT NULL,
    hash      text NOT NULL
);

-- Stored JSON text as a value for verification: text that is not JSON is
-- wrapped in an object no writer stores (docs/audit-format.md), so that a
-- damaged row changes the digest instead of stopping verification.
CREATE FUNCTION socred_json(value text) RETURNS json LANGUAGE plpgsql IMMUTABLE AS $$
BEGIN
    RETURN value::json;
EXCEPTION WHEN others THEN
    RETURN json_build_object('socred-not-json', value);
END
$$;

-- Derived, not ledger: the change feed. Each write adds the subjects whose
-- files it changed, under its entry's number, and notifies channel
-- `socred_changes` at commit; every server follows it to refresh what it keeps
-- in memory. Entries are numbered under the write lock and commit in that
-- order, so a follower's cursor (the last entry it read) never skips a row.
-- A write that changed more subjects than a follower reloads one by one
-- writes the subject '' instead: reload everything.
CREATE TABLE changes (
    audit_seq bigint NOT NULL,
    subject   text COLLATE "C" NOT NULL,
    PRIMARY KEY (audit_seq, subject)
);

-- Accounts and their credentials: reference data (small, read by every
-- node), live rows whose sign-in counters move, but every change to what they
-- grant is sealed in the log (`seals`, compared at verify). Secrets are hashed.
-- Ids are given out under the log's write lock. `subject` names the person an
-- account is (conflicts of interest are judged on it).
CREATE TABLE accounts (
    id              bigint PRIMARY KEY,
    username        text COLLATE "C" NOT NULL UNIQUE,
    role            text NOT NULL,
    password_hash   text,
    subject         text COLLATE "C",
    authority       text,
    services        text NOT NULL,
    behaviours      text NOT NULL,
    created_at      text NOT NULL,
    disabled        boolean NOT NULL DEFAULT false,
    failed_sign_ins integer NOT NULL DEFAULT 0,
    locked_until    bigint NOT NULL DEFAULT 0,
    last_failed_at  bigint NOT NULL DEFAULT 0,
    totp_secret     text,
    totp_confirmed  boolean NOT NULL DEFAULT false,
    totp_last_step  bigint NOT NULL DEFAULT 0
);
CREATE UNIQUE INDEX one_subject_account ON accounts (subject) WHERE role = 'subject';

-- API tokens: SHA-256 of the secret, shown once at issue; dead after
-- expires_at (unix seconds).
CREATE TABLE tokens (
    id          bigint PRIMARY KEY,
    account     bigint NOT NULL REFERENCES accounts (id),
    secret_hash text COLLATE "C" NOT NULL UNIQUE,
    label       text NOT NULL,
    created_at  text NOT NULL,
    revoked_at  text,
    expires_at  bigint NOT NULL
);
CREATE INDEX tokens_by_account ON tokens (account);

-- Browser sessions: SHA-256 of the cookie's secret, the CSRF token, the end
-- of its absolute lifetime and its last use (unix seconds). Not exported.
CREATE TABLE sessions (
    secret_hash text COLLATE "C" PRIMARY KEY,
    account     bigint NOT NULL REFERENCES accounts (id),
    csrf        text NOT NULL,
    expires_at  bigint NOT NULL,
    last_seen   bigint NOT NULL
);
CREATE INDEX sessions_by_account ON sessions (account);

-- Derived, not ledger: which check groups hold a check about a subject, so
-- that "who asked about me" reads the groups of one subject instead of the
-- whole log. Written in the transaction that appends the group; rebuilt from
-- the groups by `import-store`.
CREATE TABLE check_subjects (
    subject text COLLATE "C" NOT NULL,
    grp     bigint NOT NULL,
    PRIMARY KEY (subject, grp)
) PARTITION BY HASH (subject);

-- Derived, not ledger: each subject's list entries as the core evaluates
-- its file (`lists::evaluate` at the end of time), rewritten in the same
-- transaction as every write that changes the file, so that the public list
-- and its searches read one table, on the primary or on a standby, and are
-- never behind the ledger. `audit verify` recomputes it; `import-store`
-- rebuilds it.
CREATE TABLE entries (
    subject      text COLLATE "C" NOT NULL,
    entry_id     text COLLATE "C" NOT NULL,
    list         text NOT NULL,
    authority    text NOT NULL,
    legal_basis  text NOT NULL,
    published    boolean NOT NULL,
    listed_since date,
    listed_until date,
    PRIMARY KEY (subject, entry_id)
) PARTITION BY HASH (subject);

-- Sixteen hash partitions of each subject-owned table: enough to spread one
-- server's tables over its disks and vacuum them piecewise; Citus shards the
-- same tables across nodes by the same column (docs/scaling.md).
DO $$
DECLARE
    owned text[] := ARRAY['subjects', 'links', 'records', 'voids', 'events', 'rulebook_entries', 'reports', 'report_events',
                          'pending_records', 'accesses', 'check_subjects', 'entries'];
    name text;
BEGIN
    FOREACH name IN ARRAY owned LOOP
        FOR remainder IN 0..15 LOOP
            EXECUTE format('CREATE TABLE %I PARTITION OF %I FOR VALUES WITH (MODULUS 16, REMAINDER %s)',
                           name || '_p' || remainder, name, remainder);
        END LOOP;
    END LOOP;
END
$$;

-- `audit verify` reads each table in the order of the entries that wrote it.
CREATE INDEX rulebooks_by_entry ON rulebooks (audit_seq, ordinal);
CREATE INDEX subjects_by_entry ON subjects (audit_seq, ordinal);
CREATE UNIQUE INDEX subjects_by_number ON subjects (number, subject);
CREATE INDEX links_by_entry ON links (audit_seq, ordinal);
CREATE INDEX links_by_other ON links (other, kind);
-- records: no index by entry; verification sorts them (the hot path is the import).
CREATE INDEX voids_by_entry ON voids (audit_seq, ordinal);
CREATE INDEX events_by_entry ON events (audit_seq, ordinal);
CREATE INDEX events_by_case ON events (subject, case_key);
-- A case (appeal, dispute, repair, proposed entry) is found by its id alone,
-- and a tier's entry by the subject's reference: lookups across subjects
-- that due-process acts make once each (docs/scaling.md).
CREATE INDEX events_by_case_key ON events (case_key);
CREATE INDEX subjects_by_reference ON subjects (reference);
CREATE INDEX rulebook_entries_by_entry ON rulebook_entries (audit_seq, ordinal);
CREATE INDEX reports_by_entry ON reports (audit_seq, ordinal);
-- The reports a subject filed: a lookup across the subjects reported.
CREATE INDEX reports_by_reporter ON reports (reporter);
CREATE INDEX report_events_by_entry ON report_events (audit_seq, ordinal);
CREATE INDEX pending_records_by_entry ON pending_records (audit_seq, ordinal);
CREATE INDEX evidence_by_entry ON evidence (audit_seq, ordinal);
CREATE INDEX partner_batches_by_entry ON partner_batches (audit_seq, ordinal);
CREATE INDEX accesses_by_seq ON accesses (seq);
-- The public list: published entries in force on a day, newest first.
CREATE INDEX entries_listed ON entries (listed_since DESC, entry_id) WHERE published;
