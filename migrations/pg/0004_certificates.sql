-- Signed certificates and the keys that signed them: the twin of
-- migrations/0004_certificates.sql.

CREATE TABLE signing_keys (
    kid text PRIMARY KEY,
    x text NOT NULL UNIQUE,
    created_at text NOT NULL,
    retired_at text,
    CHECK (retired_at IS NULL OR retired_at >= created_at)
);
-- At most one active key.
CREATE UNIQUE INDEX signing_keys_one_active ON signing_keys ((retired_at IS NULL))
    WHERE retired_at IS NULL;

CREATE TABLE certificates (
    serial text PRIMARY KEY,
    application_id bigint NOT NULL UNIQUE REFERENCES applications (id),
    kind text NOT NULL,
    kid text NOT NULL REFERENCES signing_keys (kid),
    issued_on text NOT NULL,
    valid_until text,
    document text NOT NULL CHECK (json_valid(document)),
    jws text NOT NULL,
    revoked_at text,
    revocation_reason text,
    revocation_ground text,
    refund_fen bigint CHECK (refund_fen IS NULL OR refund_fen >= 0),
    CHECK ((revoked_at IS NULL) = (revocation_reason IS NULL))
);
