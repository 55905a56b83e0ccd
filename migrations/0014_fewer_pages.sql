-- Fewer pages per submission.  Every page a transaction changes is written
-- to the log and synced at its commit, and the one writer waits for that
-- sync (docs/ARCHITECTURE.md, the store).  A batch of 8 submissions changed
-- 92 pages, 375 KB; laid out as below, the same rows change 62.  Nothing a
-- reader sees changes here: no value, no order.

-- Four single-column indexes lead composite ones that answer the same
-- lookups: applicant_uscc (applications_org_round, applications_org_own),
-- review_unit (applications_unit_status_waiting, applications_unit_submitted),
-- kind (applications_by_kind_round) and status (applications_status_waiting,
-- applications_status_submitted).  Each insert still changed a page of each.
DROP INDEX applications_by_uscc;
DROP INDEX applications_by_unit;
DROP INDEX applications_by_kind;
DROP INDEX applications_by_status;

-- An event's hash was UNIQUE.  Nothing looks an event up by its hash; the
-- chain is what holds the hashes to account (shenbao audit verify).  The
-- index that kept them unique took each new event to a random page: ten
-- pages a batch.  SQLite drops such a constraint only by rebuilding the
-- table (lang_altertable.html, "Making Other Kinds Of Table Schema
-- Changes"), with foreign keys off around this migration (store.c).
CREATE TABLE events_rebuilt (
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
    hash BLOB NOT NULL CHECK (length(hash) = 32),
    format INTEGER NOT NULL DEFAULT 1 CHECK (format IN (1, 2)),
    actor_name TEXT,
    actor_unit TEXT,
    actor_authority TEXT
) STRICT;
INSERT INTO events_rebuilt (id, application_id, at, action, from_status, to_status,
                            actor_account, actor_role, opinion, request_id, details, prev_hash,
                            hash, format, actor_name, actor_unit, actor_authority)
    SELECT id, application_id, at, action, from_status, to_status, actor_account, actor_role,
           opinion, request_id, details, prev_hash, hash, format, actor_name, actor_unit,
           actor_authority FROM events;
DROP TABLE events;
ALTER TABLE events_rebuilt RENAME TO events;
CREATE INDEX events_by_application ON events (application_id);
CREATE INDEX events_by_actor ON events (actor_account, action);
CREATE TRIGGER events_no_update BEFORE UPDATE ON events
BEGIN
    SELECT RAISE(ABORT, 'events are append-only');
END;
CREATE TRIGGER events_no_delete BEFORE DELETE ON events
BEGIN
    SELECT RAISE(ABORT, 'events are append-only');
END;

-- A version (5.7 KB for a typical incubator) was a row of a WITHOUT ROWID
-- table, whose b-tree keeps at most about 1 KB of a row on its leaf: the
-- rest took two overflow pages.  A table with rowids keeps up to 4 KB there,
-- so the same version takes one.  Its key is still unique, in an index of
-- its own.
CREATE TABLE application_versions_rebuilt (
    application_id INTEGER NOT NULL REFERENCES applications (id),
    version INTEGER NOT NULL CHECK (version >= 1),
    status TEXT NOT NULL,
    at TEXT NOT NULL,
    envelope TEXT NOT NULL,
    sha256 BLOB NOT NULL CHECK (length(sha256) = 32),
    PRIMARY KEY (application_id, version)
) STRICT;
INSERT INTO application_versions_rebuilt (application_id, version, status, at, envelope, sha256)
    SELECT application_id, version, status, at, envelope, sha256 FROM application_versions
    ORDER BY application_id, version;
DROP TABLE application_versions;
ALTER TABLE application_versions_rebuilt RENAME TO application_versions;
CREATE TRIGGER application_versions_no_update BEFORE UPDATE ON application_versions
BEGIN
    SELECT RAISE(ABORT, 'application versions are immutable');
END;
CREATE TRIGGER application_versions_no_delete BEFORE DELETE ON application_versions
BEGIN
    SELECT RAISE(ABORT, 'application versions are immutable');
END;

-- The transparency log's nodes were keyed by (level, idx).  A batch's new
-- leaves and the subtrees they complete went to a page of each level, ten
-- pages a batch.  Keyed by the last leaf a subtree covers, and then its
-- level, everything one leaf adds sorts together, after everything added
-- before.  The subtree at (level, idx) covers the leaves
-- [idx << level, (idx + 1) << level), so its last leaf is
-- ((idx + 1) << level) - 1.
CREATE TABLE tlog_nodes_rebuilt (
    last_leaf INTEGER NOT NULL CHECK (last_leaf >= 0),
    level INTEGER NOT NULL CHECK (level BETWEEN 0 AND 62),
    hash BLOB NOT NULL CHECK (length(hash) = 32),
    CHECK ((last_leaf + 1) % (1 << level) = 0),
    PRIMARY KEY (last_leaf, level)
) STRICT, WITHOUT ROWID;
INSERT INTO tlog_nodes_rebuilt (last_leaf, level, hash)
    SELECT ((idx + 1) << level) - 1, level, hash FROM tlog_nodes;
DROP TABLE tlog_nodes;
ALTER TABLE tlog_nodes_rebuilt RENAME TO tlog_nodes;
CREATE TRIGGER tlog_nodes_no_update BEFORE UPDATE ON tlog_nodes
BEGIN
    SELECT RAISE(ABORT, 'the transparency log is append-only');
END;
CREATE TRIGGER tlog_nodes_no_delete BEFORE DELETE ON tlog_nodes
BEGIN
    SELECT RAISE(ABORT, 'the transparency log is append-only');
END;
