-- The history of every application, append-only and chained, and the
-- objections filed during the public notice.

-- One row per thing that happened to an application: its creation, each
-- edit, each workflow transition (review, objection, resolution, the end of
-- the notice, withdrawal, revocation).  Every row carries the hash of the
-- row before it (of the whole log, not of the application) and its own hash
-- over a canonical encoding of its columns, so that a changed, removed or
-- reordered row breaks the chain where it happened (`shenbao audit verify`).
CREATE TABLE events (
    id INTEGER PRIMARY KEY,
    application_id INTEGER NOT NULL REFERENCES applications (id),
    at TEXT NOT NULL,
    action TEXT NOT NULL,
    from_status TEXT,
    to_status TEXT,
    actor_account INTEGER REFERENCES accounts (id),
    actor_role TEXT NOT NULL,
    opinion TEXT,
    request_id TEXT,
    details TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(details)),
    prev_hash BLOB NOT NULL CHECK (length(prev_hash) = 32),
    hash BLOB NOT NULL UNIQUE CHECK (length(hash) = 32)
) STRICT;
CREATE INDEX events_by_application ON events (application_id);

-- Nothing updates or deletes an event through SQL.  (Someone with the file
-- can drop these; the hash chain is what shows it.)
CREATE TRIGGER events_no_update BEFORE UPDATE ON events
BEGIN
    SELECT RAISE(ABORT, 'events are append-only');
END;
CREATE TRIGGER events_no_delete BEFORE DELETE ON events
BEGIN
    SELECT RAISE(ABORT, 'events are append-only');
END;

-- Objections (异议) filed by anyone during the public notice, and how the
-- authority resolved them.
CREATE TABLE objections (
    id INTEGER PRIMARY KEY,
    application_id INTEGER NOT NULL REFERENCES applications (id),
    name TEXT NOT NULL,
    contact TEXT NOT NULL,
    reason TEXT NOT NULL,
    filed_at TEXT NOT NULL,
    client_addr TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'upheld', 'dismissed')),
    resolved_at TEXT,
    resolved_by INTEGER REFERENCES accounts (id),
    opinion TEXT,
    CHECK ((status = 'open') = (resolved_at IS NULL))
) STRICT;
CREATE INDEX objections_by_application ON objections (application_id, status);
