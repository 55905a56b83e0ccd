/*
 * The database layer on SQLite: statements are sqlite3_stmt, binds are
 * SQLITE_STATIC (db_done() clears them before a caller's value can go
 * away), and large values use incremental blob I/O on a BLOB column that
 * the insert made with zeroblob(size).
 */
#include "db_impl.h"

#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* How long SQLite itself waits for another connection's lock before a
 * statement answers SQLITE_BUSY (DB_RETRY). */
#define BUSY_TIMEOUT_MS 5000

struct sq_db {
    struct db base;
    sqlite3 *h;
    bool borrowed;
};

struct sq_stmt {
    struct db_stmt base;
    sqlite3_stmt *st;
};

struct sq_blob {
    struct db_blob base;
    sqlite3_blob *b;
    int64_t size;
    int64_t written;
    bool writing;
};

static sqlite3 *handle(struct db *d)
{
    return ((struct sq_db *)d)->h;
}

static sqlite3_stmt *stmt(struct db_stmt *st)
{
    return ((struct sq_stmt *)st)->st;
}

/* What a finished step or exec answered, in the layer's codes. */
static enum db_rc map_rc(int rc)
{
    switch (rc) {
    case SQLITE_OK:
    case SQLITE_DONE:
        return DB_OK;
    case SQLITE_ROW:
        return DB_ROW;
    case SQLITE_CONSTRAINT_UNIQUE:
    case SQLITE_CONSTRAINT_PRIMARYKEY:
        return DB_CONFLICT;
    default:
        break;
    }
    /* Another connection held the lock past the busy timeout; for the
     * single writer this is the one failure that running again can cure. */
    if ((rc & 0xff) == SQLITE_BUSY || (rc & 0xff) == SQLITE_LOCKED)
        return DB_RETRY;
    return DB_ERROR;
}

static const struct db_backend *const backend = &db_sqlite_backend;

static struct db *wrap(sqlite3 *h, bool borrowed)
{
    struct sq_db *d = malloc(sizeof *d);

    if (d == NULL)
        return NULL;
    db_init(&d->base, backend);
    d->h = h;
    d->borrowed = borrowed;
    return &d->base;
}

struct db *db_sqlite_borrow(struct sqlite3 *h)
{
    return wrap(h, true);
}

static void sqlite_setup_once(void)
{
    /* Only before SQLite initialises; later it answers SQLITE_MISUSE and
     * keeps counting, which is correct, only slower. */
    sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
}

void db_sqlite_setup(void)
{
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    pthread_once(&once, sqlite_setup_once);
}

struct db *db_sqlite_open(const char *path, unsigned flags, char *err, size_t errlen)
{
    int oflags = SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_EXRESCODE;
    sqlite3 *h = NULL;
    struct db *d;
    int rc;

    if (flags & DB_READONLY)
        oflags |= SQLITE_OPEN_READONLY;
    else
        oflags |= SQLITE_OPEN_READWRITE | ((flags & DB_CREATE) ? SQLITE_OPEN_CREATE : 0);
    db_sqlite_setup();
    rc = sqlite3_open_v2(path, &h, oflags, NULL);
    if (rc != SQLITE_OK) {
        snprintf(err, errlen, "cannot open %s: %s", path,
                 h ? sqlite3_errmsg(h) : sqlite3_errstr(rc));
        goto fail;
    }
    if (sqlite3_busy_timeout(h, BUSY_TIMEOUT_MS) != SQLITE_OK ||
        sqlite3_exec(h, "PRAGMA foreign_keys = ON", NULL, NULL, NULL) != SQLITE_OK ||
        (!(flags & DB_READONLY) &&
         sqlite3_exec(h, "PRAGMA journal_mode = WAL", NULL, NULL, NULL) != SQLITE_OK)) {
        snprintf(err, errlen, "cannot set up %s: %s", path, sqlite3_errmsg(h));
        goto fail;
    }
    d = wrap(h, false);
    if (d == NULL) {
        snprintf(err, errlen, "out of memory");
        goto fail;
    }
    return d;
fail:
    sqlite3_close(h);
    return NULL;
}

static void sq_close(struct db *d)
{
    struct sq_db *s = (struct sq_db *)d;

    db_cache_clear(d);
    if (!s->borrowed && sqlite3_close(s->h) != SQLITE_OK)
        db_log(d, "close");
    free(s);
}

static struct db_stmt *sq_prepare(struct db *d, const char *sql)
{
    struct sq_stmt *st = calloc(1, sizeof *st);

    if (st == NULL)
        return NULL;
    if (sqlite3_prepare_v3(handle(d), sql, -1, SQLITE_PREPARE_PERSISTENT, &st->st, NULL) !=
            SQLITE_OK ||
        st->st == NULL) {
        sqlite3_finalize(st->st);
        free(st);
        return NULL;
    }
    return &st->base;
}

static void sq_finalize(struct db_stmt *st)
{
    sqlite3_finalize(stmt(st));
    free(st);
}

static int sq_bind_int64(struct db_stmt *st, int i, int64_t v)
{
    return sqlite3_bind_int64(stmt(st), i, v) == SQLITE_OK ? 0 : -1;
}

static int sq_bind_text(struct db_stmt *st, int i, const char *s)
{
    if (s == NULL)
        return sqlite3_bind_null(stmt(st), i) == SQLITE_OK ? 0 : -1;
    return sqlite3_bind_text(stmt(st), i, s, -1, SQLITE_STATIC) == SQLITE_OK ? 0 : -1;
}

static int sq_bind_blob(struct db_stmt *st, int i, const void *p, size_t n)
{
    int rc;

    /* A NULL pointer would bind NULL; an empty blob is a value. */
    if (n == 0)
        rc = sqlite3_bind_zeroblob(stmt(st), i, 0);
    else
        rc = sqlite3_bind_blob64(stmt(st), i, p, n, SQLITE_STATIC);
    return rc == SQLITE_OK ? 0 : -1;
}

static int sq_bind_null(struct db_stmt *st, int i)
{
    return sqlite3_bind_null(stmt(st), i) == SQLITE_OK ? 0 : -1;
}

static enum db_rc sq_step(struct db_stmt *st)
{
    return map_rc(sqlite3_step(stmt(st)));
}

static bool sq_col_null(struct db_stmt *st, int i)
{
    return sqlite3_column_type(stmt(st), i) == SQLITE_NULL;
}

static int64_t sq_col_int64(struct db_stmt *st, int i)
{
    return sqlite3_column_int64(stmt(st), i);
}

static const char *sq_col_text(struct db_stmt *st, int i)
{
    return (const char *)sqlite3_column_text(stmt(st), i);
}

static size_t sq_col_bytes(struct db_stmt *st, int i)
{
    return (size_t)sqlite3_column_bytes(stmt(st), i);
}

static const void *sq_col_blob(struct db_stmt *st, int i, size_t *n)
{
    const void *p = sqlite3_column_blob(stmt(st), i);

    *n = (size_t)sqlite3_column_bytes(stmt(st), i);
    /* An empty blob is "" rather than NULL, so NULL means a NULL column. */
    return p != NULL || sqlite3_column_type(stmt(st), i) == SQLITE_NULL ? p : "";
}

static const char *sq_col_name(struct db_stmt *st, int i)
{
    return sqlite3_column_name(stmt(st), i);
}

static int64_t sq_changes(struct db_stmt *st)
{
    return sqlite3_changes64(handle(st->d));
}

static void sq_reset(struct db_stmt *st)
{
    sqlite3_reset(stmt(st));
    sqlite3_clear_bindings(stmt(st));
}

static enum db_rc sq_exec_script(struct db *d, const char *sql)
{
    return map_rc(sqlite3_exec(handle(d), sql, NULL, NULL, NULL));
}

static const char *sq_errmsg(struct db *d)
{
    return sqlite3_errmsg(handle(d));
}

static bool sq_in_transaction(struct db *d)
{
    return !sqlite3_get_autocommit(handle(d));
}

static bool sq_alive(struct db *d)
{
    (void)d;
    return true;
}

/* ---- large values ------------------------------------------------------ */

static struct db_blob *blob_new(struct db *d, const char *table, const char *column, int64_t id,
                                bool writing)
{
    struct sq_blob *b = calloc(1, sizeof *b);
    int rc;

    if (b == NULL) {
        db_log(NULL, "out of memory opening a blob");
        return NULL;
    }
    b->base.d = d;
    b->writing = writing;
    rc = sqlite3_blob_open(handle(d), "main", table, column, id, writing, &b->b);
    if (rc != SQLITE_OK) {
        if (rc != SQLITE_ERROR || sqlite3_errcode(handle(d)) != SQLITE_ERROR ||
            strstr(sqlite3_errmsg(handle(d)), "no such rowid") == NULL)
            db_log(d, "opening a blob");
        sqlite3_blob_close(b->b);
        free(b);
        return NULL;
    }
    b->size = sqlite3_blob_bytes(b->b);
    return &b->base;
}

static struct db_blob *sq_blob_create(struct db *d, const char *table, const char *column,
                                      int64_t id, int64_t size)
{
    struct db_blob *b = blob_new(d, table, column, id, true);

    if (b != NULL && ((struct sq_blob *)b)->size != size) {
        db_log(NULL, "a blob was not made with zeroblob() of its size");
        sqlite3_blob_close(((struct sq_blob *)b)->b);
        free(b);
        return NULL;
    }
    return b;
}

static struct db_blob *sq_blob_open(struct db *d, const char *table, const char *column, int64_t id,
                                    int64_t *size)
{
    struct db_blob *b = blob_new(d, table, column, id, false);

    if (b != NULL)
        *size = ((struct sq_blob *)b)->size;
    return b;
}

static enum db_rc sq_blob_write(struct db_blob *base, const void *p, size_t n)
{
    struct sq_blob *b = (struct sq_blob *)base;
    int rc;

    if (!b->writing || n > (size_t)(b->size - b->written) || n > (size_t)INT32_MAX) {
        db_log(NULL, "a blob is written past its size");
        return DB_ERROR;
    }
    rc = sqlite3_blob_write(b->b, p, (int)n, (int)b->written);
    if (rc != SQLITE_OK) {
        db_log(base->d, "writing a blob");
        return map_rc(rc) == DB_RETRY ? DB_RETRY : DB_ERROR;
    }
    b->written += (int64_t)n;
    return DB_OK;
}

static enum db_rc sq_blob_read(struct db_blob *base, int64_t offset, void *p, size_t n)
{
    struct sq_blob *b = (struct sq_blob *)base;

    if (offset < 0 || offset > b->size || n > (size_t)(b->size - offset) || n > (size_t)INT32_MAX) {
        db_log(NULL, "a blob is read past its end");
        return DB_ERROR;
    }
    if (sqlite3_blob_read(b->b, p, (int)n, (int)offset) != SQLITE_OK) {
        db_log(base->d, "reading a blob");
        return DB_ERROR;
    }
    return DB_OK;
}

static enum db_rc sq_blob_close(struct db_blob *base)
{
    struct sq_blob *b = (struct sq_blob *)base;
    enum db_rc rc = DB_OK;

    if (b->writing && b->written != b->size) {
        db_log(NULL, "a blob was closed before all of it was written");
        rc = DB_ERROR;
    }
    if (sqlite3_blob_close(b->b) != SQLITE_OK) {
        db_log(base->d, "closing a blob");
        rc = DB_ERROR;
    }
    free(b);
    return rc;
}

const struct db_backend db_sqlite_backend = {
    .engine = DB_SQLITE,
    .name = "SQLite",
    .close = sq_close,
    .prepare = sq_prepare,
    .finalize = sq_finalize,
    .bind_int64 = sq_bind_int64,
    .bind_text = sq_bind_text,
    .bind_blob = sq_bind_blob,
    .bind_null = sq_bind_null,
    .step = sq_step,
    .col_null = sq_col_null,
    .col_int64 = sq_col_int64,
    .col_text = sq_col_text,
    .col_bytes = sq_col_bytes,
    .col_blob = sq_col_blob,
    .col_name = sq_col_name,
    .changes = sq_changes,
    .reset = sq_reset,
    .exec_script = sq_exec_script,
    .errmsg = sq_errmsg,
    .in_transaction = sq_in_transaction,
    .alive = sq_alive,
    .sql_begin = "BEGIN IMMEDIATE",
    .blob_create = sq_blob_create,
    .blob_open = sq_blob_open,
    .blob_write = sq_blob_write,
    .blob_read = sq_blob_read,
    .blob_close = sq_blob_close,
};
