-- The transparency log's Merkle tree (RFC 6962 §2.1 over SHA-256; see
-- docs/TRANSPARENCY.md).  (Numbered after the last migration when this was
-- written; renumber it when merging if that number has been taken.)

-- The hash of every full subtree of the tree, once complete: level 0 holds
-- the leaf hashes, and the subtree at (level, idx) covers the leaves
-- [idx << level, (idx + 1) << level).  Appending a leaf adds the leaf and
-- the subtrees it completes, at most one per level, and changes nothing
-- already here: the root of any size and every proof are read from these
-- rows.
CREATE TABLE tlog_nodes (
    level INTEGER NOT NULL CHECK (level BETWEEN 0 AND 62),
    idx INTEGER NOT NULL CHECK (idx >= 0),
    hash BLOB NOT NULL CHECK (length(hash) = 32),
    PRIMARY KEY (level, idx)
) STRICT, WITHOUT ROWID;

-- Append-only, as the events are.  (Someone with the file can drop these;
-- the signed checkpoints published earlier are what shows it.)
CREATE TRIGGER tlog_nodes_no_update BEFORE UPDATE ON tlog_nodes
BEGIN
    SELECT RAISE(ABORT, 'the transparency log is append-only');
END;
CREATE TRIGGER tlog_nodes_no_delete BEFORE DELETE ON tlog_nodes
BEGIN
    SELECT RAISE(ABORT, 'the transparency log is append-only');
END;
