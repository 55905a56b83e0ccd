-- Tokens of their own, with names and expiry dates; the fingerprint of the
-- key that hashes them; objections counted per client address.

-- A bearer token of an account: kept only as its keyed hash, as before.
-- An account has as many as it makes (POST /v1/tokens); each may end on a
-- date (the last day it works, Asia/Shanghai) and may be revoked.
-- Disabling the account revokes them all.
CREATE TABLE tokens (
    id INTEGER PRIMARY KEY,
    account_id INTEGER NOT NULL REFERENCES accounts (id),
    name TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
    token_hash BLOB NOT NULL UNIQUE CHECK (length(token_hash) = 32),
    created_at TEXT NOT NULL,
    expires_on TEXT CHECK (expires_on IS NULL OR expires_on GLOB
                           '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'),
    revoked_at TEXT
) STRICT;
CREATE INDEX tokens_by_account ON tokens (account_id);

-- The one token each account had so far becomes one of its tokens.
-- Accounts that signed up on the web have a password instead: their hash
-- was random bytes that no token hashes to, so they get no row.
INSERT INTO tokens (account_id, name, token_hash, created_at)
    SELECT id, 'initial', token_hash, created_at FROM accounts
    WHERE password_hash IS NULL;

-- accounts.token_hash stays (NOT NULL UNIQUE, and SQLite cannot drop such
-- a column in place) but is no longer read: it holds random bytes from now
-- on, so no working hash is left where nothing revokes it.
UPDATE accounts SET token_hash = randomblob(32);

-- The token key belongs to the database: its fingerprint (a keyed BLAKE2b
-- of a fixed text, which says nothing about the key) is recorded when the
-- first key is made or first used, with the file it was read from, and
-- every command refuses to hash tokens with another key.
CREATE TABLE token_key (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    fingerprint TEXT NOT NULL CHECK (length(fingerprint) = 64),
    key_file TEXT NOT NULL,
    recorded_at TEXT NOT NULL
) STRICT;

-- Objections filed from one address in a day (the per-address cap).
CREATE INDEX objections_by_address ON objections (client_addr, filed_at);
