/*
 * The transparency log's Merkle tree nodes (migrations/0007_tlog.sql).
 */
#include "tlog.h"

#include "db.h"

#include <stdbool.h>
#include <string.h>

/* The last leaf the full subtree at (level, index) covers: the first part
 * of its key, so that what one append adds is stored together, after
 * everything stored before (migrations/0014_fewer_pages.sql).  False when
 * that subtree would reach past the largest tree. */
static bool last_leaf_of(unsigned level, uint64_t index, int64_t *leaf)
{
    if (level >= MERKLE_MAX_LEVELS || index >= (uint64_t)MERKLE_MAX_SIZE >> level)
        return false;
    *leaf = (int64_t)(((index + 1) << level) - 1);
    return true;
}

enum store_rc store_tlog_nodes_add(struct store_tx *tx, const struct merkle_node *nodes,
                                   size_t count)
{
    static const char sql[] = "INSERT INTO tlog_nodes (last_leaf, level, hash) VALUES (?1, ?2, ?3)";
    struct db *d = store_tx_db(tx);
    enum store_rc rc = STORE_OK;

    for (size_t i = 0; i < count && rc == STORE_OK; i++) {
        struct db_stmt *st;
        int64_t leaf;

        if (!last_leaf_of(nodes[i].level, nodes[i].index, &leaf)) {
            db_log(NULL, "tlog_nodes: a subtree past the largest tree");
            return STORE_ERROR;
        }
        st = db_prepare(d, sql);
        if (st == NULL)
            return STORE_ERROR;
        db_bind_int64(st, 1, leaf);
        db_bind_int64(st, 2, nodes[i].level);
        db_bind_blob(st, 3, nodes[i].hash, MERKLE_HASH_LEN);
        rc = db_store_rc(db_exec(st));
    }
    return rc;
}

static enum store_rc node_on(struct db *d, unsigned level, uint64_t index,
                             unsigned char hash[MERKLE_HASH_LEN])
{
    static const char sql[] = "SELECT hash FROM tlog_nodes WHERE last_leaf = ?1 AND level = ?2";
    struct db_stmt *st;
    enum store_rc rc;
    const void *p;
    size_t n = 0;
    int64_t leaf;

    if (!last_leaf_of(level, index, &leaf))
        return d != NULL ? STORE_NOT_FOUND : STORE_ERROR;
    st = db_prepare(d, sql);
    if (st == NULL)
        return STORE_ERROR;
    db_bind_int64(st, 1, leaf);
    db_bind_int64(st, 2, level);
    rc = db_row_rc(db_step(st));
    if (rc == STORE_OK) {
        /* The table's CHECK keeps every hash 32 bytes long. */
        p = db_col_blob(st, 0, &n);
        if (p == NULL || n != MERKLE_HASH_LEN) {
            db_log(NULL, "tlog_nodes: a hash is not 32 bytes");
            rc = STORE_ERROR;
        } else {
            memcpy(hash, p, MERKLE_HASH_LEN);
        }
    }
    db_done(st);
    return rc;
}

enum store_rc store_tlog_node(struct store *s, unsigned level, uint64_t index,
                              unsigned char hash[MERKLE_HASH_LEN])
{
    return node_on(store_db(s), level, index, hash);
}

enum store_rc store_tlog_node_tx(struct store_tx *tx, unsigned level, uint64_t index,
                                 unsigned char hash[MERKLE_HASH_LEN])
{
    return node_on(store_tx_db(tx), level, index, hash);
}

static enum store_rc size_on(struct db *d, uint64_t *size)
{
    /* Every leaf appended stores itself at level 0, keyed by its own index:
     * the largest key is the last leaf.  max() over the primary key's first
     * column reads one row of it, however long the log. */
    static const char sql[] = "SELECT coalesce(max(last_leaf) + 1, 0) FROM tlog_nodes";
    int64_t n = 0;
    enum store_rc rc = db_store_rc(db_one_int64(db_prepare(d, sql), &n));

    *size = rc == STORE_OK && n > 0 ? (uint64_t)n : 0;
    return rc;
}

enum store_rc store_tlog_size(struct store *s, uint64_t *size)
{
    return size_on(store_db(s), size);
}

enum store_rc store_tlog_size_tx(struct store_tx *tx, uint64_t *size)
{
    return size_on(store_tx_db(tx), size);
}

static int read_reader(void *ctx, unsigned level, uint64_t index,
                       unsigned char out[MERKLE_HASH_LEN])
{
    return store_tlog_node(ctx, level, index, out) == STORE_OK ? 0 : -1;
}

static int read_tx(void *ctx, unsigned level, uint64_t index, unsigned char out[MERKLE_HASH_LEN])
{
    return store_tlog_node_tx(ctx, level, index, out) == STORE_OK ? 0 : -1;
}

void store_tlog_reader(struct merkle_reader *r, struct store *s)
{
    r->read = read_reader;
    r->ctx = s;
}

void store_tlog_reader_tx(struct merkle_reader *r, struct store_tx *tx)
{
    r->read = read_tx;
    r->ctx = tx;
}

/* The first row of sql (an application id, then two texts) into the
 * report, or nothing when there is none. */
static enum store_rc first_mismatch(struct db *d, const char *sql, int64_t *id, char *a,
                                    size_t alen, char *b, size_t blen)
{
    struct db_stmt *st = d ? db_prepare(d, sql) : NULL;
    if (st == NULL)
        return STORE_ERROR;
    enum store_rc rc = db_row_rc(db_step(st));
    if (rc == STORE_OK) {
        *id = db_col_int64(st, 0);
        db_col_text_copy(st, 1, a, alen);
        db_col_text_copy(st, 2, b, blen);
    }
    db_done(st);
    return rc;
}

enum store_rc store_tlog_state_mismatch(struct store *s, struct state_mismatch *out)
{
    /* Every application is in the status its last event left it in. */
    static const char apps[] =
        "SELECT a.id, a.status, coalesce((SELECT e.to_status FROM events e WHERE"
        " e.application_id = a.id ORDER BY e.id DESC LIMIT 1), '') FROM applications a"
        " WHERE a.status <> coalesce((SELECT e.to_status FROM events e WHERE"
        " e.application_id = a.id ORDER BY e.id DESC LIMIT 1), '') ORDER BY a.id LIMIT 1";
    /* A certificate is revoked exactly when the log revoked its
     * application. */
    static const char certs[] =
        "SELECT c.application_id, c.serial, CASE WHEN c.revoked_at IS NULL THEN 'valid'"
        " ELSE 'revoked' END FROM certificates c WHERE (c.revoked_at IS NOT NULL) <>"
        " EXISTS (SELECT 1 FROM events e WHERE e.application_id = c.application_id AND"
        " e.to_status = 'revoked') ORDER BY c.application_id LIMIT 1";
    struct db *c = store_db(s);
    memset(out, 0, sizeof *out);
    enum store_rc rc = first_mismatch(c, apps, &out->application_id, out->stored,
                                      sizeof out->stored, out->logged, sizeof out->logged);
    if (rc == STORE_OK) {
        out->what = STATE_APPLICATION_STATUS;
        return STORE_OK;
    }
    if (rc != STORE_NOT_FOUND)
        return rc;
    rc = first_mismatch(c, certs, &out->application_id, out->serial, sizeof out->serial,
                        out->stored, sizeof out->stored);
    if (rc == STORE_OK)
        out->what = STATE_CERTIFICATE_REVOCATION;
    return rc;
}
