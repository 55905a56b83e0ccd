-- Idempotency keys (the IETF httpapi Idempotency-Key draft, as Stripe uses
-- it): the first answer to a request sent with a key, kept with the key,
-- who sent it and a fingerprint of the request, so that a retry with the
-- same key and request gets the same answer and does nothing again.
CREATE TABLE idempotency_keys (
    -- Whose key: "account:<id>", or "address:<client address>" for a
    -- request made without an account (an objection).
    scope TEXT NOT NULL,
    key TEXT NOT NULL CHECK (length(key) BETWEEN 1 AND 255),
    -- SHA-256 of the method, the target, If-Match and the body.
    fingerprint BLOB NOT NULL CHECK (length(fingerprint) = 32),
    started_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    -- The answer; status is NULL while the first request still runs.
    status INTEGER CHECK (status IS NULL OR status BETWEEN 200 AND 499),
    content_type TEXT,
    location TEXT,
    etag TEXT,
    body BLOB,
    PRIMARY KEY (scope, key)
) STRICT;
-- The clock tick deletes what has expired.
CREATE INDEX idempotency_keys_by_expiry ON idempotency_keys (expires_at);
