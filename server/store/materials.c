/*
 * Materials (the files of an application) and the versions of
 * applications.
 *
 * A file's bytes live in its row, written and read with SQLite's
 * incremental blob I/O (sqlite3_blob_open/write/read) in pieces of
 * BLOB_PIECE bytes: the row is inserted with a zeroblob of the file's size
 * and filled from the source, so neither the store nor SQLite ever holds
 * the whole file in memory, and an online backup copies it with the rest
 * of the database.
 */
#include "store_impl.h"

#include <stdlib.h>
#include <string.h>

/* The piece a file is copied in. */
#define BLOB_PIECE (64 * 1024)

#define MATERIAL_COLUMNS                                                                           \
    "id, application_id, type, filename, content_type, bytes, sha256, uploaded_at,"                \
    " uploaded_by, submitted, deleted_at"

void material_release(struct material *m)
{
    if (!m)
        return;
    free(m->filename);
    m->filename = NULL;
}

static enum store_rc material_from_row(sqlite3_stmt *st, struct material *m)
{
    memset(m, 0, sizeof *m);
    m->id = sqlite3_column_int64(st, 0);
    m->application_id = sqlite3_column_int64(st, 1);
    store_col_text(st, 2, m->type, sizeof m->type);
    store_col_text(st, 4, m->content_type, sizeof m->content_type);
    m->bytes = sqlite3_column_int64(st, 5);
    if (sqlite3_column_bytes(st, 6) == MATERIAL_SHA256_LEN)
        memcpy(m->sha256, sqlite3_column_blob(st, 6), MATERIAL_SHA256_LEN);
    store_col_text(st, 7, m->uploaded_at, sizeof m->uploaded_at);
    m->uploaded_by = sqlite3_column_int64(st, 8);
    m->submitted = sqlite3_column_int(st, 9) != 0;
    store_col_text(st, 10, m->deleted_at, sizeof m->deleted_at);
    if (store_col_dup(st, 3, "", &m->filename) != 0)
        return STORE_ERROR;
    return STORE_OK;
}

/* Copies src into the blob, piece by piece. */
static enum store_rc blob_fill(struct conn *c, int64_t rowid, const struct byte_source *src)
{
    sqlite3 *db = store_conn_db(c);
    sqlite3_blob *blob = NULL;
    enum store_rc rc = STORE_ERROR;
    unsigned char *piece = NULL;
    if (sqlite3_blob_open(db, "main", "materials", "data", rowid, 1, &blob) != SQLITE_OK) {
        store_log_error(db, "opening a material's blob to write it");
        goto out;
    }
    piece = malloc(BLOB_PIECE);
    if (!piece) {
        store_log_error(NULL, "out of memory copying a material");
        goto out;
    }
    for (int64_t off = 0; off < src->size;) {
        size_t n = src->size - off < BLOB_PIECE ? (size_t)(src->size - off) : BLOB_PIECE;
        if (src->read_at(src->ctx, off, piece, n) != 0) {
            store_log_error(NULL, "a material's source could not be read while storing it");
            goto out;
        }
        if (sqlite3_blob_write(blob, piece, (int)n, (int)off) != SQLITE_OK) {
            store_log_error(db, "writing a material's blob");
            goto out;
        }
        off += (int64_t)n;
    }
    rc = STORE_OK;
out:
    free(piece);
    if (blob && sqlite3_blob_close(blob) != SQLITE_OK && rc == STORE_OK) {
        store_log_error(db, "closing a material's blob");
        rc = STORE_ERROR;
    }
    return rc;
}

enum store_rc store_material_add(struct store_tx *tx, struct material *m,
                                 const struct byte_source *src)
{
    static const char sql[] =
        "INSERT INTO materials (application_id, type, filename, content_type, bytes, sha256,"
        " uploaded_at, uploaded_by, data) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, zeroblob(?5))";
    struct conn *c = store_tx_conn(tx);
    sqlite3_stmt *st = store_stmt(c, sql);
    enum store_rc rc;
    /* SQLite's blobs are at most SQLITE_MAX_LENGTH (1e9 bytes by default),
     * and blob offsets are ints. */
    if (st == NULL)
        return STORE_ERROR;
    if (m->bytes != src->size || m->bytes < 0 || m->bytes > 1000 * 1000 * 1000) {
        store_log_error(NULL, "a material's size is not its source's, or too large");
        store_stmt_done(st);
        return STORE_ERROR;
    }
    int bound = sqlite3_bind_int64(st, 1, m->application_id) | store_bind_text(st, 2, m->type) |
                store_bind_text(st, 3, m->filename ? m->filename : "") |
                store_bind_text(st, 4, m->content_type) | sqlite3_bind_int64(st, 5, m->bytes) |
                sqlite3_bind_blob(st, 6, m->sha256, MATERIAL_SHA256_LEN, SQLITE_STATIC) |
                store_bind_text(st, 7, m->uploaded_at) | sqlite3_bind_int64(st, 8, m->uploaded_by);
    if (bound != SQLITE_OK)
        rc = store_rc(c, SQLITE_ERROR, sql);
    else
        rc = store_rc(c, sqlite3_step(st), sql);
    store_stmt_done(st);
    if (rc != STORE_OK)
        return rc;
    m->id = sqlite3_last_insert_rowid(store_conn_db(c));
    return blob_fill(c, m->id, src);
}

static enum store_rc materials_walk(struct conn *c, const char *sql, int64_t application_id,
                                    void (*fn)(const struct material *m, void *ctx), void *ctx)
{
    sqlite3_stmt *st = c ? store_stmt(c, sql) : NULL;
    enum store_rc rc = STORE_OK;
    int step;
    if (st == NULL)
        return STORE_ERROR;
    if (sqlite3_bind_int64(st, 1, application_id) != SQLITE_OK) {
        rc = store_rc(c, SQLITE_ERROR, sql);
        goto out;
    }
    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
        struct material m;
        rc = material_from_row(st, &m);
        if (rc != STORE_OK) {
            material_release(&m);
            goto out;
        }
        fn(&m, ctx);
        material_release(&m);
    }
    if (step != SQLITE_DONE)
        rc = store_rc(c, step, sql);
out:
    store_stmt_done(st);
    return rc;
}

static const char sql_materials_of[] = "SELECT " MATERIAL_COLUMNS " FROM materials"
                                       " WHERE application_id = ?1 AND deleted_at IS NULL"
                                       " ORDER BY id";

enum store_rc store_materials_of(struct store *s, int64_t application_id,
                                 void (*fn)(const struct material *m, void *ctx), void *ctx)
{
    return materials_walk(store_reader(s), sql_materials_of, application_id, fn, ctx);
}

enum store_rc store_materials_of_tx(struct store_tx *tx, int64_t application_id,
                                    void (*fn)(const struct material *m, void *ctx), void *ctx)
{
    return materials_walk(store_tx_conn(tx), sql_materials_of, application_id, fn, ctx);
}

enum store_rc store_material_get(struct store *s, int64_t application_id, int64_t id,
                                 struct material *out)
{
    static const char sql[] = "SELECT " MATERIAL_COLUMNS " FROM materials"
                              " WHERE id = ?1 AND application_id = ?2";
    struct conn *c = store_reader(s);
    sqlite3_stmt *st = c ? store_stmt(c, sql) : NULL;
    enum store_rc rc;
    memset(out, 0, sizeof *out);
    if (st == NULL)
        return STORE_ERROR;
    if ((sqlite3_bind_int64(st, 1, id) | sqlite3_bind_int64(st, 2, application_id)) != SQLITE_OK) {
        rc = store_rc(c, SQLITE_ERROR, sql);
    } else {
        int step = sqlite3_step(st);
        if (step == SQLITE_ROW)
            rc = material_from_row(st, out);
        else if (step == SQLITE_DONE)
            rc = STORE_NOT_FOUND;
        else
            rc = store_rc(c, step, sql);
    }
    store_stmt_done(st);
    return rc;
}

enum store_rc store_materials_bytes(struct store_tx *tx, int64_t application_id, int64_t *total)
{
    static const char sql[] = "SELECT coalesce(sum(bytes), 0) FROM materials"
                              " WHERE application_id = ?1 AND deleted_at IS NULL";
    struct conn *c = store_tx_conn(tx);
    sqlite3_stmt *st = store_stmt(c, sql);
    return store_one_int(c, st, sql, st ? sqlite3_bind_int64(st, 1, application_id) : SQLITE_OK,
                         total);
}

enum store_rc store_material_delete(struct store_tx *tx, int64_t application_id, int64_t id,
                                    const char *at)
{
    static const char sql_remove[] = "DELETE FROM materials WHERE id = ?1 AND application_id = ?2"
                                     " AND submitted = 0 AND deleted_at IS NULL";
    static const char sql_mark[] = "UPDATE materials SET deleted_at = ?3"
                                   " WHERE id = ?1 AND application_id = ?2 AND submitted = 1"
                                   " AND deleted_at IS NULL";
    struct conn *c = store_tx_conn(tx);
    int changed = 0;
    const char *const sqls[] = {sql_remove, sql_mark};
    for (int i = 0; i < 2 && changed == 0; i++) {
        sqlite3_stmt *st = store_stmt(c, sqls[i]);
        if (st == NULL)
            return STORE_ERROR;
        int bound = sqlite3_bind_int64(st, 1, id) | sqlite3_bind_int64(st, 2, application_id) |
                    (i == 1 ? store_bind_text(st, 3, at) : SQLITE_OK);
        enum store_rc rc = bound != SQLITE_OK ? store_rc(c, SQLITE_ERROR, sqls[i])
                                              : store_rc(c, sqlite3_step(st), sqls[i]);
        store_stmt_done(st);
        if (rc != STORE_OK)
            return rc;
        changed = sqlite3_changes(store_conn_db(c));
    }
    return changed ? STORE_OK : STORE_NOT_FOUND;
}

enum store_rc store_materials_submitted(struct store_tx *tx, int64_t application_id)
{
    static const char sql[] = "UPDATE materials SET submitted = 1"
                              " WHERE application_id = ?1 AND deleted_at IS NULL AND submitted = 0";
    struct conn *c = store_tx_conn(tx);
    sqlite3_stmt *st = store_stmt(c, sql);
    enum store_rc rc;
    if (st == NULL)
        return STORE_ERROR;
    if (sqlite3_bind_int64(st, 1, application_id) != SQLITE_OK)
        rc = store_rc(c, SQLITE_ERROR, sql);
    else
        rc = store_rc(c, sqlite3_step(st), sql);
    store_stmt_done(st);
    return rc;
}

enum store_rc store_material_read(struct store *s, int64_t id, int64_t off, void *buf, size_t len)
{
    struct conn *c = store_reader(s);
    sqlite3_blob *blob = NULL;
    if (c == NULL)
        return STORE_ERROR;
    sqlite3 *db = store_conn_db(c);
    int rc = sqlite3_blob_open(db, "main", "materials", "data", id, 0, &blob);
    if (rc != SQLITE_OK) {
        /* SQLITE_ERROR with "no such rowid": it is gone. */
        sqlite3_blob_close(blob);
        return STORE_NOT_FOUND;
    }
    if (off < 0 || len > INT32_MAX || off > sqlite3_blob_bytes(blob) ||
        (int64_t)len > sqlite3_blob_bytes(blob) - off) {
        sqlite3_blob_close(blob);
        return STORE_NOT_FOUND;
    }
    rc = sqlite3_blob_read(blob, buf, (int)len, (int)off);
    if (rc != SQLITE_OK)
        store_log_error(db, "reading a material's blob");
    sqlite3_blob_close(blob);
    return rc == SQLITE_OK ? STORE_OK : STORE_ERROR;
}

/* ---- versions -------------------------------------------------------------------- */

void app_version_release(struct app_version *v)
{
    if (!v)
        return;
    free(v->envelope);
    v->envelope = NULL;
}

enum store_rc store_version_add(struct store_tx *tx, const struct app_version *v)
{
    static const char sql[] =
        "INSERT INTO application_versions (application_id, version, status, at, envelope, sha256)"
        " VALUES (?1, ?2, ?3, ?4, ?5, ?6)";
    struct conn *c = store_tx_conn(tx);
    sqlite3_stmt *st = store_stmt(c, sql);
    enum store_rc rc;
    if (st == NULL)
        return STORE_ERROR;
    int bound = sqlite3_bind_int64(st, 1, v->application_id) |
                sqlite3_bind_int64(st, 2, v->version) | store_bind_text(st, 3, v->status) |
                store_bind_text(st, 4, v->at) | store_bind_text(st, 5, v->envelope) |
                sqlite3_bind_blob(st, 6, v->sha256, VERSION_SHA256_LEN, SQLITE_STATIC);
    if (bound != SQLITE_OK)
        rc = store_rc(c, SQLITE_ERROR, sql);
    else
        rc = store_rc(c, sqlite3_step(st), sql);
    store_stmt_done(st);
    return rc;
}

enum store_rc store_version_get(struct store *s, int64_t application_id, int64_t version,
                                struct app_version *out)
{
    static const char sql[] = "SELECT status, at, envelope, sha256 FROM application_versions"
                              " WHERE application_id = ?1 AND version = ?2";
    struct conn *c = store_reader(s);
    sqlite3_stmt *st = c ? store_stmt(c, sql) : NULL;
    enum store_rc rc;
    memset(out, 0, sizeof *out);
    if (st == NULL)
        return STORE_ERROR;
    if ((sqlite3_bind_int64(st, 1, application_id) | sqlite3_bind_int64(st, 2, version)) !=
        SQLITE_OK) {
        rc = store_rc(c, SQLITE_ERROR, sql);
    } else {
        int step = sqlite3_step(st);
        if (step == SQLITE_ROW) {
            out->application_id = application_id;
            out->version = version;
            store_col_text(st, 0, out->status, sizeof out->status);
            store_col_text(st, 1, out->at, sizeof out->at);
            if (sqlite3_column_bytes(st, 3) == VERSION_SHA256_LEN)
                memcpy(out->sha256, sqlite3_column_blob(st, 3), VERSION_SHA256_LEN);
            rc = store_col_dup(st, 2, "", &out->envelope) == 0 ? STORE_OK : STORE_ERROR;
        } else {
            rc = step == SQLITE_DONE ? STORE_NOT_FOUND : store_rc(c, step, sql);
        }
    }
    store_stmt_done(st);
    return rc;
}
