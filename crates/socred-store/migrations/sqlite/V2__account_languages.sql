-- The language a person chose for the pages. A display preference, not an
-- official act: it is not on the log and not exported; it follows the
-- account to every browser it signs in from.
CREATE TABLE account_languages (
    account  INTEGER PRIMARY KEY REFERENCES accounts(id),
    language TEXT NOT NULL CHECK (language IN ('en', 'zh-CN'))
);
