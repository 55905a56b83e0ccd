-- The transparency log's Merkle tree: the twin of migrations/0007_tlog.sql.

CREATE TABLE tlog_nodes (
    level bigint NOT NULL CHECK (level BETWEEN 0 AND 62),
    idx bigint NOT NULL CHECK (idx >= 0),
    hash bytea NOT NULL CHECK (length(hash) = 32),
    PRIMARY KEY (level, idx)
);

CREATE FUNCTION tlog_nodes_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the transparency log is append-only' USING ERRCODE = 'restrict_violation';
END
$$;
CREATE TRIGGER tlog_nodes_no_update BEFORE UPDATE ON tlog_nodes
    FOR EACH ROW EXECUTE FUNCTION tlog_nodes_append_only();
CREATE TRIGGER tlog_nodes_no_delete BEFORE DELETE ON tlog_nodes
    FOR EACH ROW EXECUTE FUNCTION tlog_nodes_append_only();
CREATE TRIGGER tlog_nodes_no_truncate BEFORE TRUNCATE ON tlog_nodes
    FOR EACH STATEMENT EXECUTE FUNCTION tlog_nodes_append_only();
