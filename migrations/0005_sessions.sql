-- Applicants who sign up on the web: an e-mail to sign in with, a password
-- kept only as its Argon2id hash, and browser sessions.

ALTER TABLE accounts ADD COLUMN email TEXT;
ALTER TABLE accounts ADD COLUMN password_hash TEXT;
CREATE UNIQUE INDEX accounts_by_email ON accounts (email) WHERE email IS NOT NULL;
CREATE INDEX accounts_by_uscc ON accounts (uscc) WHERE uscc IS NOT NULL;

-- A browser session: the cookie carries a token of the same kind as the
-- bearer tokens, kept only as its hash; the CSRF token is compared with the
-- X-CSRF-Token header of every state-changing request.
CREATE TABLE sessions (
    id INTEGER PRIMARY KEY,
    account_id INTEGER NOT NULL REFERENCES accounts (id),
    token_hash BLOB NOT NULL UNIQUE CHECK (length(token_hash) = 32),
    csrf TEXT NOT NULL,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    revoked_at TEXT
) STRICT;
CREATE INDEX sessions_by_account ON sessions (account_id);
