-- Idempotency keys: the twin of migrations/0008_idempotency.sql.

CREATE TABLE idempotency_keys (
    scope text NOT NULL,
    key text NOT NULL CHECK (length(key) BETWEEN 1 AND 255),
    fingerprint bytea NOT NULL CHECK (length(fingerprint) = 32),
    started_at text NOT NULL,
    expires_at text NOT NULL,
    status bigint CHECK (status IS NULL OR status BETWEEN 200 AND 499),
    content_type text,
    location text,
    etag text,
    body bytea,
    PRIMARY KEY (scope, key)
);
CREATE INDEX idempotency_keys_by_expiry ON idempotency_keys (expires_at);
