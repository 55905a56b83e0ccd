-- Password resets (an applicant who forgot its password): a one-time code
-- an administrator issues (`shenbao account reset-password --email E`),
-- kept only as its keyed hash, as tokens are; it works once, within 24
-- hours, and using it ends every session of the account.
CREATE TABLE password_resets (
    id INTEGER PRIMARY KEY,
    account_id INTEGER NOT NULL REFERENCES accounts (id),
    code_hash BLOB NOT NULL UNIQUE CHECK (length(code_hash) = 32),
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    -- when it was used, or replaced by a newer code of the account
    used_at TEXT
) STRICT;
CREATE INDEX password_resets_by_account ON password_resets (account_id);
