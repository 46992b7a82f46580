-- The language a person chose for the pages. A display preference, not an
-- official act: it is not on the log and not exported; it follows the
-- account to every browser it signs in from. A reference table, like accounts.
CREATE TABLE account_languages (
    account  bigint PRIMARY KEY REFERENCES accounts(id),
    language text NOT NULL CHECK (language IN ('en', 'zh-CN'))
);
