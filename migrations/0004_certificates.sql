-- Signed certificates and decisions, and the public keys that signed them.

-- Every signing key ever used, by its key id (RFC 7638 thumbprint).  The
-- secret halves live only in the key directory.  Exactly one key is active
-- (retired_at NULL); a retired key stays to verify what it signed while it
-- was active.
CREATE TABLE signing_keys (
    kid TEXT PRIMARY KEY,
    x TEXT NOT NULL UNIQUE,
    created_at TEXT NOT NULL,
    retired_at TEXT,
    CHECK (retired_at IS NULL OR retired_at >= created_at)
) STRICT;
CREATE UNIQUE INDEX signing_keys_one_active ON signing_keys (retired_at IS NULL)
    WHERE retired_at IS NULL;

-- What an approval issued: the certificate document and its compact JWS,
-- exactly as signed.  One per application.
CREATE TABLE certificates (
    serial TEXT PRIMARY KEY,
    application_id INTEGER NOT NULL UNIQUE REFERENCES applications (id),
    kind TEXT NOT NULL,
    kid TEXT NOT NULL REFERENCES signing_keys (kid),
    issued_on TEXT NOT NULL,
    valid_until TEXT,
    document TEXT NOT NULL CHECK (json_valid(document)),
    jws TEXT NOT NULL,
    revoked_at TEXT,
    revocation_reason TEXT,
    revocation_ground TEXT,
    refund_fen INTEGER CHECK (refund_fen IS NULL OR refund_fen >= 0),
    CHECK ((revoked_at IS NULL) = (revocation_reason IS NULL))
) STRICT;
