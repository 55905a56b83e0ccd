-- Fewer pages per submission: the twin of migrations/0014_fewer_pages.sql.
-- application_versions stays as it is: PostgreSQL keeps a long envelope
-- out of line (TOAST) whatever the table's key.
-- Here each dropped index had id after its column; the composite indexes
-- that lead with the same column answer those lookups, and the few that
-- ask for id order sort a handful of rows.

DROP INDEX applications_by_uscc;
DROP INDEX applications_by_unit;
DROP INDEX applications_by_kind;
DROP INDEX applications_by_status;

ALTER TABLE events DROP CONSTRAINT events_hash_key;

CREATE TABLE tlog_nodes_rebuilt (
    last_leaf bigint NOT NULL CHECK (last_leaf >= 0),
    level bigint NOT NULL CHECK (level BETWEEN 0 AND 62),
    hash bytea NOT NULL CHECK (length(hash) = 32),
    CHECK ((last_leaf + 1) % (1::bigint << level::integer) = 0),
    PRIMARY KEY (last_leaf, level)
);
INSERT INTO tlog_nodes_rebuilt (last_leaf, level, hash)
    SELECT ((idx + 1) << level::integer) - 1, level, hash FROM tlog_nodes;
DROP TABLE tlog_nodes;
ALTER TABLE tlog_nodes_rebuilt RENAME TO tlog_nodes;
ALTER TABLE tlog_nodes RENAME CONSTRAINT tlog_nodes_rebuilt_pkey TO tlog_nodes_pkey;
CREATE TRIGGER tlog_nodes_no_update BEFORE UPDATE ON tlog_nodes
    FOR EACH ROW EXECUTE FUNCTION tlog_nodes_append_only();
CREATE TRIGGER tlog_nodes_no_delete BEFORE DELETE ON tlog_nodes
    FOR EACH ROW EXECUTE FUNCTION tlog_nodes_append_only();
CREATE TRIGGER tlog_nodes_no_truncate BEFORE TRUNCATE ON tlog_nodes
    FOR EACH STATEMENT EXECUTE FUNCTION tlog_nodes_append_only();
