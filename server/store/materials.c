/*
 * Materials (the files of an application) and the versions of
 * applications, on the database layer (db.h): the same queries on SQLite
 * and PostgreSQL.
 *
 * A file's bytes are a large value of the layer (db_blob_*): on SQLite the
 * BLOB column `content` of its row, made with zeroblob(size) by the insert and
 * filled through incremental blob I/O; on PostgreSQL the rows of
 * materials_content, one per piece.  Either way they are copied in and read
 * out in pieces of BLOB_PIECE bytes, so neither the store nor the database
 * client ever holds a whole file, and a backup carries them with the rest.
 */
#include "db.h"

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

static enum store_rc material_from_row(struct db_stmt *st, struct material *m)
{
    size_t n = 0;
    const void *sha;
    memset(m, 0, sizeof *m);
    m->id = db_col_int64(st, 0);
    m->application_id = db_col_int64(st, 1);
    db_col_text_copy(st, 2, m->type, sizeof m->type);
    db_col_text_copy(st, 4, m->content_type, sizeof m->content_type);
    m->bytes = db_col_int64(st, 5);
    sha = db_col_blob(st, 6, &n);
    if (sha && n == MATERIAL_SHA256_LEN)
        memcpy(m->sha256, sha, MATERIAL_SHA256_LEN);
    db_col_text_copy(st, 7, m->uploaded_at, sizeof m->uploaded_at);
    m->uploaded_by = db_col_int64(st, 8);
    m->submitted = db_col_int64(st, 9) != 0;
    db_col_text_copy(st, 10, m->deleted_at, sizeof m->deleted_at);
    return db_col_text_dup(st, 3, "", &m->filename) == 0 ? STORE_OK : STORE_ERROR;
}

/* Copies src into the new row's value, piece by piece. */
static enum store_rc blob_fill(struct db *d, int64_t id, const struct byte_source *src)
{
    struct db_blob *b = db_blob_create(d, "materials", "content", id, src->size);
    unsigned char *piece = malloc(BLOB_PIECE);
    enum store_rc rc = STORE_ERROR;
    if (!b || !piece) {
        if (!piece)
            db_log(NULL, "out of memory copying a material");
        goto out;
    }
    for (int64_t off = 0; off < src->size;) {
        size_t n = src->size - off < BLOB_PIECE ? (size_t)(src->size - off) : BLOB_PIECE;
        if (src->read_at(src->ctx, off, piece, n) != 0) {
            db_log(NULL, "a material's source could not be read while storing it");
            goto out;
        }
        if (db_blob_write(b, piece, n) != DB_OK)
            goto out;
        off += (int64_t)n;
    }
    rc = STORE_OK;
out:
    free(piece);
    if (b && db_blob_close(b) != DB_OK)
        rc = STORE_ERROR;
    return rc;
}

enum store_rc store_material_add(struct store_tx *tx, struct material *m,
                                 const struct byte_source *src)
{
    /* SQLite keeps the bytes in the row (zeroblob of the size, filled
     * after); PostgreSQL in materials_content. */
    static const char sql[] =
        "INSERT INTO materials (application_id, type, filename, content_type, bytes, sha256,"
        " uploaded_at, uploaded_by, content) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, zeroblob(?5))"
        " RETURNING id";
    static const char sql_pg[] =
        "INSERT INTO materials (application_id, type, filename, content_type, bytes, sha256,"
        " uploaded_at, uploaded_by) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) RETURNING id";
    struct db *d = store_tx_db(tx);
    struct db_stmt *st;
    enum db_rc rc;

    /* Blob offsets are ints in SQLite, and its values at most 1e9 bytes. */
    if (m->bytes != src->size || m->bytes < 0 || m->bytes > 1000 * 1000 * 1000) {
        db_log(NULL, "a material's size is not its source's, or too large");
        return STORE_ERROR;
    }
    st = db_prepare_pg(d, sql, sql_pg);
    if (st == NULL)
        return STORE_ERROR;
    db_bind_int64(st, 1, m->application_id);
    db_bind_text(st, 2, m->type);
    db_bind_text(st, 3, m->filename ? m->filename : "");
    db_bind_text(st, 4, m->content_type);
    db_bind_int64(st, 5, m->bytes);
    db_bind_blob(st, 6, m->sha256, MATERIAL_SHA256_LEN);
    db_bind_text(st, 7, m->uploaded_at);
    db_bind_int64(st, 8, m->uploaded_by);
    rc = db_step(st);
    if (rc == DB_ROW)
        m->id = db_col_int64(st, 0);
    db_done(st);
    if (rc != DB_ROW)
        return rc == DB_OK ? STORE_ERROR : db_store_rc(rc);
    return blob_fill(d, m->id, src);
}

static enum store_rc materials_walk(struct db *d, const char *sql, int64_t application_id,
                                    void (*fn)(const struct material *m, void *ctx), void *ctx)
{
    struct db_stmt *st = d ? db_prepare(d, sql) : NULL;
    struct material *rows = NULL;
    size_t n = 0, cap = 0;
    enum store_rc rc = STORE_ERROR;
    enum db_rc step;

    if (st == NULL)
        return STORE_ERROR;
    db_bind_int64(st, 1, application_id);
    /* Read them all first: fn may query the store itself. */
    while ((step = db_step(st)) == DB_ROW) {
        if (n == cap) {
            size_t ncap = cap ? cap * 2 : 16;
            struct material *grown = realloc(rows, ncap * sizeof *rows);
            if (grown == NULL) {
                db_log(NULL, "out of memory listing materials");
                goto out;
            }
            rows = grown;
            cap = ncap;
        }
        if (material_from_row(st, &rows[n++]) != STORE_OK)
            goto out;
    }
    if (step != DB_OK)
        goto out;
    db_done(st);
    st = NULL;
    for (size_t i = 0; i < n; i++)
        fn(&rows[i], ctx);
    rc = STORE_OK;
out:
    db_done(st);
    for (size_t i = 0; i < n; i++)
        material_release(&rows[i]);
    free(rows);
    return rc;
}

static const char sql_materials_of[] = "SELECT " MATERIAL_COLUMNS " FROM materials"
                                       " WHERE application_id = ?1 AND deleted_at IS NULL"
                                       " ORDER BY id";

enum store_rc store_materials_of(struct store *s, int64_t application_id,
                                 void (*fn)(const struct material *m, void *ctx), void *ctx)
{
    return materials_walk(store_db(s), sql_materials_of, application_id, fn, ctx);
}

enum store_rc store_materials_of_tx(struct store_tx *tx, int64_t application_id,
                                    void (*fn)(const struct material *m, void *ctx), void *ctx)
{
    return materials_walk(store_tx_db(tx), sql_materials_of, application_id, fn, ctx);
}

enum store_rc store_material_get(struct store *s, int64_t application_id, int64_t id,
                                 struct material *out)
{
    static const char sql[] = "SELECT " MATERIAL_COLUMNS " FROM materials"
                              " WHERE id = ?1 AND application_id = ?2";
    struct db *d = store_db(s);
    struct db_stmt *st = d ? db_prepare(d, sql) : NULL;
    enum store_rc rc;
    enum db_rc step;

    memset(out, 0, sizeof *out);
    if (st == NULL)
        return STORE_ERROR;
    db_bind_int64(st, 1, id);
    db_bind_int64(st, 2, application_id);
    step = db_step(st);
    if (step == DB_ROW)
        rc = material_from_row(st, out);
    else
        rc = step == DB_OK ? STORE_NOT_FOUND : db_store_rc(step);
    db_done(st);
    return rc;
}

enum store_rc store_materials_bytes(struct store_tx *tx, int64_t application_id, int64_t *total)
{
    static const char sql[] = "SELECT coalesce(sum(bytes), 0) FROM materials"
                              " WHERE application_id = ?1 AND deleted_at IS NULL";
    struct db_stmt *st = db_prepare(store_tx_db(tx), sql);
    if (st == NULL)
        return STORE_ERROR;
    db_bind_int64(st, 1, application_id);
    return db_store_rc(db_one_int64(st, total));
}

enum store_rc store_material_delete(struct store_tx *tx, int64_t application_id, int64_t id,
                                    const char *at)
{
    /* A file never submitted goes (its pieces with it, on PostgreSQL by the
     * foreign key); a submitted one is marked deleted and kept. */
    static const char sql_remove[] = "DELETE FROM materials WHERE id = ?1 AND application_id = ?2"
                                     " AND submitted = 0 AND deleted_at IS NULL";
    static const char sql_mark[] = "UPDATE materials SET deleted_at = ?3"
                                   " WHERE id = ?1 AND application_id = ?2 AND submitted = 1"
                                   " AND deleted_at IS NULL";
    const char *const sqls[] = {sql_remove, sql_mark};
    struct db *d = store_tx_db(tx);
    int64_t changed = 0;

    for (int i = 0; i < 2 && changed == 0; i++) {
        struct db_stmt *st = db_prepare(d, sqls[i]);
        enum db_rc rc;
        if (st == NULL)
            return STORE_ERROR;
        db_bind_int64(st, 1, id);
        db_bind_int64(st, 2, application_id);
        if (i == 1)
            db_bind_text(st, 3, at);
        rc = db_step(st);
        changed = rc == DB_OK ? db_changes(st) : 0;
        db_done(st);
        if (rc != DB_OK)
            return db_store_rc(rc);
    }
    return changed ? STORE_OK : STORE_NOT_FOUND;
}

enum store_rc store_materials_submitted(struct store_tx *tx, int64_t application_id)
{
    static const char sql[] = "UPDATE materials SET submitted = 1"
                              " WHERE application_id = ?1 AND deleted_at IS NULL AND submitted = 0";
    struct db_stmt *st = db_prepare(store_tx_db(tx), sql);
    if (st == NULL)
        return STORE_ERROR;
    db_bind_int64(st, 1, application_id);
    return db_store_rc(db_exec(st));
}

enum store_rc store_material_read(struct store *s, int64_t id, int64_t off, void *buf, size_t len)
{
    /* Each piece in a read of its own: a download that reads slowly holds
     * nothing open between its pieces. */
    struct db *d = store_db(s);
    int64_t size = -1;
    struct db_blob *b = d ? db_blob_open(d, "materials", "content", id, &size) : NULL;
    enum store_rc rc;

    if (b == NULL)
        return d && size < 0 ? STORE_NOT_FOUND : STORE_ERROR;
    if (off < 0 || off > size || (int64_t)len > size - off)
        rc = STORE_NOT_FOUND;
    else
        rc = db_blob_read(b, off, buf, len) == DB_OK ? STORE_OK : STORE_ERROR;
    if (db_blob_close(b) != DB_OK && rc == STORE_OK)
        rc = STORE_ERROR;
    return rc;
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
    struct db_stmt *st = db_prepare(store_tx_db(tx), sql);
    if (st == NULL)
        return STORE_ERROR;
    db_bind_int64(st, 1, v->application_id);
    db_bind_int64(st, 2, v->version);
    db_bind_text(st, 3, v->status);
    db_bind_text(st, 4, v->at);
    db_bind_text(st, 5, v->envelope);
    db_bind_blob(st, 6, v->sha256, VERSION_SHA256_LEN);
    return db_store_rc(db_exec(st));
}

enum store_rc store_version_get(struct store *s, int64_t application_id, int64_t version,
                                struct app_version *out)
{
    static const char sql[] = "SELECT status, at, envelope, sha256 FROM application_versions"
                              " WHERE application_id = ?1 AND version = ?2";
    struct db *d = store_db(s);
    struct db_stmt *st = d ? db_prepare(d, sql) : NULL;
    enum store_rc rc;
    enum db_rc step;

    memset(out, 0, sizeof *out);
    if (st == NULL)
        return STORE_ERROR;
    db_bind_int64(st, 1, application_id);
    db_bind_int64(st, 2, version);
    step = db_step(st);
    if (step == DB_ROW) {
        size_t n = 0;
        const void *sha = db_col_blob(st, 3, &n);
        out->application_id = application_id;
        out->version = version;
        db_col_text_copy(st, 0, out->status, sizeof out->status);
        db_col_text_copy(st, 1, out->at, sizeof out->at);
        if (sha && n == VERSION_SHA256_LEN)
            memcpy(out->sha256, sha, VERSION_SHA256_LEN);
        rc = db_col_text_dup(st, 2, "", &out->envelope) == 0 ? STORE_OK : STORE_ERROR;
    } else {
        rc = step == DB_OK ? STORE_NOT_FOUND : db_store_rc(step);
    }
    db_done(st);
    return rc;
}
