-- The dossier: the materials (申报材料) filed with each application, every
-- stored version of an application, and the actor of each event as it was,
-- inside what the event's hash covers.  (Numbered after the last migration
-- when this was written; renumber it when merging if that number has been
-- taken.)

-- The files of an application, one row each under one material type of its
-- kind (RULES.md §6), the bytes in the row itself (written with SQLite's
-- incremental blob I/O, so that a backup of the database carries them).
-- AUTOINCREMENT so that an id is never handed out twice: a download that
-- reads the bytes piece by piece can never move to another file's.
--
-- A file that was part of a submission is never removed: deleting it while
-- the application is returned marks it deleted (deleted_at) and keeps its
-- bytes, so that what was submitted stays what the submit event's hashes
-- name.  A file never submitted is removed outright.
CREATE TABLE materials (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    application_id INTEGER NOT NULL REFERENCES applications (id),
    type TEXT NOT NULL,
    filename TEXT NOT NULL,
    content_type TEXT NOT NULL,
    bytes INTEGER NOT NULL CHECK (bytes >= 0),
    sha256 BLOB NOT NULL CHECK (length(sha256) = 32),
    uploaded_at TEXT NOT NULL,
    uploaded_by INTEGER NOT NULL REFERENCES accounts (id),
    submitted INTEGER NOT NULL DEFAULT 0 CHECK (submitted IN (0, 1)),
    deleted_at TEXT,
    -- Last, so that reading the columns before it never reads its pages.
    content BLOB NOT NULL,
    CHECK (deleted_at IS NULL OR submitted = 1)
) STRICT;
CREATE INDEX materials_by_application ON materials (application_id, deleted_at);

-- Every stored version of an application: the envelope (kind, round,
-- review_unit, applicant, data) exactly as the version had it, as canonical
-- JSON, and its SHA-256, which the events that made it name (data_sha256).
-- Immutable, as the events are.
CREATE TABLE application_versions (
    application_id INTEGER NOT NULL REFERENCES applications (id),
    version INTEGER NOT NULL CHECK (version >= 1),
    status TEXT NOT NULL,
    at TEXT NOT NULL,
    envelope TEXT NOT NULL,
    sha256 BLOB NOT NULL CHECK (length(sha256) = 32),
    PRIMARY KEY (application_id, version)
) STRICT, WITHOUT ROWID;

CREATE TRIGGER application_versions_no_update BEFORE UPDATE ON application_versions
BEGIN
    SELECT RAISE(ABORT, 'application versions are immutable');
END;
CREATE TRIGGER application_versions_no_delete BEFORE DELETE ON application_versions
BEGIN
    SELECT RAISE(ABORT, 'application versions are immutable');
END;

-- The actor of an event as it was when it acted: its name, review unit and
-- authority, hashed with the event from format 2 on (docs/RECORD.md).
-- Events written before keep format 1 and their encoding.
ALTER TABLE events ADD COLUMN format INTEGER NOT NULL DEFAULT 1 CHECK (format IN (1, 2));
ALTER TABLE events ADD COLUMN actor_name TEXT;
ALTER TABLE events ADD COLUMN actor_unit TEXT;
ALTER TABLE events ADD COLUMN actor_authority TEXT;
