/*
 * The part of the database layer that both engines share: the statement
 * cache, binding with remembered failures, the column helpers that keep
 * text valid UTF-8, the transaction runner with its retries, and logging.
 * The engines themselves are db_sqlite.c and db_pg.c.
 */
#include "db_impl.h"
#include "store_impl.h"

#include <assert.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

bool db_is_postgresql(const char *target)
{
    return target != NULL &&
           (strncmp(target, "postgresql://", 13) == 0 || strncmp(target, "postgres://", 11) == 0);
}

bool store_target_postgresql(const char *target)
{
    return db_is_postgresql(target);
}

void store_target_shown(const char *target, char *out, size_t cap)
{
    const char *auth, *at = NULL, *colon = NULL, *p;
    size_t auth_len, o = 0;

    if (cap == 0)
        return;
    if (!db_is_postgresql(target)) {
        snprintf(out, cap, "%s", target);
        return;
    }
    /* user:password@host: the user stays, the password goes. */
    auth = strstr(target, "//") + 2;
    auth_len = strcspn(auth, "/?#");
    for (p = auth; p < auth + auth_len; p++)
        if (*p == '@')
            at = p;
    if (at != NULL)
        colon = memchr(auth, ':', (size_t)(at - auth));
    if (colon != NULL)
        o = (size_t)snprintf(out, cap, "%.*s***", (int)(colon + 1 - target), target);
    p = colon != NULL ? at : target;
    /* ?…&password=…: the value goes. */
    while (*p && o + 1 < cap) {
        if (p > auth + auth_len && (p[-1] == '?' || p[-1] == '&') &&
            strncmp(p, "password=", 9) == 0) {
            o += (size_t)snprintf(out + o, cap - o, "password=***");
            p += strcspn(p, "&#");
            continue;
        }
        out[o++] = *p++;
    }
    if (o >= cap)
        o = cap - 1;
    out[o] = '\0';
}

struct db *db_open(const char *target, unsigned flags, char *err, size_t errlen)
{
    if (db_is_postgresql(target))
        return db_pg_open(target, flags, err, errlen);
    return db_sqlite_open(target, flags, err, errlen);
}

void db_init(struct db *d, const struct db_backend *be)
{
    memset(d, 0, sizeof *d);
    d->be = be;
}

void db_cache_clear(struct db *d)
{
    for (size_t i = 0; i < d->cap; i++)
        if (d->slots[i].st != NULL)
            d->be->finalize(d->slots[i].st);
    free(d->slots);
    d->slots = NULL;
    d->cap = d->n = 0;
}

void db_close(struct db *d)
{
    if (d != NULL)
        d->be->close(d);
}

enum db_engine db_engine(const struct db *d)
{
    return d->be->engine;
}

bool db_alive(struct db *d)
{
    return d != NULL && d->be->alive(d);
}

const char *db_errmsg(struct db *d)
{
    const char *m = d ? d->be->errmsg(d) : NULL;

    return m ? m : "";
}

void db_log(struct db *d, const char *what)
{
    char line[1024];

    if (d != NULL)
        snprintf(line, sizeof line, "%s: %.200s: %s", d->be->name, what, db_errmsg(d));
    else
        snprintf(line, sizeof line, "%s", what);
    store_log_error(NULL, line);
}

bool db_identifier(const char *name)
{
    size_t n = 0;

    if (name == NULL || !((name[0] >= 'a' && name[0] <= 'z') || name[0] == '_'))
        return false;
    for (const char *p = name; *p; p++, n++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '_') || n == 48)
            return false;
    return true;
}

/* ---- the statement cache ---------------------------------------------- */

static size_t slot_hash(const char *key, size_t cap)
{
    uint64_t h = (uint64_t)(uintptr_t)key * UINT64_C(0x9E3779B97F4A7C15);

    return (size_t)(h >> 32) & (cap - 1);
}

/* The slot holding key, or the empty slot where it belongs.  cap > n. */
static struct db_slot *slot_find(struct db *d, const char *key)
{
    size_t i = slot_hash(key, d->cap);

    while (d->slots[i].key != NULL && d->slots[i].key != key)
        i = (i + 1) & (d->cap - 1);
    return &d->slots[i];
}

static int slots_grow(struct db *d)
{
    size_t old_cap = d->cap;
    struct db_slot *old = d->slots;
    size_t cap = old_cap ? old_cap * 2 : 32;

    d->slots = calloc(cap, sizeof *d->slots);
    if (d->slots == NULL) {
        d->slots = old;
        return -1;
    }
    d->cap = cap;
    for (size_t i = 0; i < old_cap; i++)
        if (old[i].key != NULL)
            *slot_find(d, old[i].key) = old[i];
    free(old);
    return 0;
}

struct db_stmt *db_prepare(struct db *d, const char *sql)
{
    struct db_slot *slot;
    struct db_stmt *st;

    if (d == NULL)
        return NULL;
    if (d->cap != 0) {
        slot = slot_find(d, sql);
        if (slot->key != NULL) {
            /* A statement still stepping means a caller re-entered a query
             * from inside its own callback; rebinding would corrupt it. */
            if (slot->st->busy) {
                db_log(NULL, "statement already in use on this connection");
                return NULL;
            }
            return slot->st;
        }
    }
    if ((d->n + 1) * 2 > d->cap && slots_grow(d) != 0) {
        db_log(NULL, "out of memory for the statement cache");
        return NULL;
    }
    st = d->be->prepare(d, sql);
    if (st == NULL) {
        db_log(d, sql);
        return NULL;
    }
    st->d = d;
    st->sql = sql;
    slot = slot_find(d, sql);
    slot->key = sql;
    slot->st = st;
    d->n++;
    return st;
}

struct db_stmt *db_prepare_pg(struct db *d, const char *sql, const char *pg_sql)
{
    if (d == NULL)
        return NULL;
    return db_prepare(d, d->be->engine == DB_POSTGRESQL ? pg_sql : sql);
}

/* ---- binding ----------------------------------------------------------- */

void db_bind_int64(struct db_stmt *st, int i, int64_t v)
{
    if (st->d->be->bind_int64(st, i, v) != 0)
        st->bind_failed = true;
}

void db_bind_text(struct db_stmt *st, int i, const char *s)
{
    if (st->d->be->bind_text(st, i, s) != 0)
        st->bind_failed = true;
}

void db_bind_opt(struct db_stmt *st, int i, const char *s)
{
    db_bind_text(st, i, s != NULL && s[0] != '\0' ? s : NULL);
}

void db_bind_blob(struct db_stmt *st, int i, const void *p, size_t n)
{
    if (st->d->be->bind_blob(st, i, p, n) != 0)
        st->bind_failed = true;
}

void db_bind_null(struct db_stmt *st, int i)
{
    if (st->d->be->bind_null(st, i) != 0)
        st->bind_failed = true;
}

/* ---- stepping and columns ------------------------------------------------ */

enum db_rc db_step(struct db_stmt *st)
{
    enum db_rc rc;

    if (st->bind_failed) {
        db_log(NULL, "a parameter could not be bound");
        db_log(NULL, st->sql);
        return DB_ERROR;
    }
    st->busy = true;
    rc = st->d->be->step(st);
    if (rc == DB_RETRY)
        st->d->retry = true;
    else if (rc == DB_ERROR)
        db_log(st->d, st->sql);
    return rc;
}

bool db_col_null(struct db_stmt *st, int i)
{
    return st->d->be->col_null(st, i);
}

int64_t db_col_int64(struct db_stmt *st, int i)
{
    return st->d->be->col_int64(st, i);
}

const char *db_col_text(struct db_stmt *st, int i)
{
    return st->d->be->col_text(st, i);
}

size_t db_col_bytes(struct db_stmt *st, int i)
{
    return st->d->be->col_bytes(st, i);
}

const void *db_col_blob(struct db_stmt *st, int i, size_t *n)
{
    return st->d->be->col_blob(st, i, n);
}

int64_t db_changes(struct db_stmt *st)
{
    return st->d->be->changes(st);
}

/* Logs that column i of the current row did not read as stored. */
static void col_log(struct db_stmt *st, int i, const char *what)
{
    char msg[256];
    const char *name = st->d->be->col_name(st, i);

    snprintf(msg, sizeof msg, "column %s of a row %s", name ? name : "?", what);
    db_log(NULL, msg);
}

void db_col_text_copy(struct db_stmt *st, int i, char *buf, size_t len)
{
    const char *t = db_col_text(st, i);
    bool changed = false;

    assert(len > 0);
    if (t == NULL) {
        buf[0] = '\0';
        return;
    }
    text_utf8_copy(buf, len, t, db_col_bytes(st, i), &changed);
    if (changed)
        col_log(st, i, "is too long or not valid UTF-8: read cut at a character, with U+FFFD");
}

int db_col_text_dup(struct db_stmt *st, int i, const char *if_null, char **out)
{
    const char *t = db_col_text(st, i);
    bool changed = false;

    if (t == NULL)
        *out = if_null ? strdup(if_null) : NULL;
    else
        *out = text_utf8_dup(t, db_col_bytes(st, i), &changed);
    if (*out == NULL && (t != NULL || if_null != NULL)) {
        db_log(NULL, "out of memory reading a row");
        return -1;
    }
    if (changed)
        col_log(st, i, "is not valid UTF-8: read with U+FFFD");
    return 0;
}

void db_done(struct db_stmt *st)
{
    if (st == NULL)
        return;
    st->d->be->reset(st);
    st->bind_failed = false;
    st->busy = false;
}

enum db_rc db_exec(struct db_stmt *st)
{
    enum db_rc rc;

    if (st == NULL)
        return DB_ERROR;
    while ((rc = db_step(st)) == DB_ROW)
        ;
    db_done(st);
    return rc;
}

enum db_rc db_exec_changes(struct db_stmt *st, int64_t *changed)
{
    enum db_rc rc;

    if (changed != NULL)
        *changed = 0;
    if (st == NULL)
        return DB_ERROR;
    while ((rc = db_step(st)) == DB_ROW)
        ;
    if (rc == DB_OK && changed != NULL)
        *changed = db_changes(st);
    db_done(st);
    return rc;
}

enum store_rc db_row_rc(enum db_rc step)
{
    if (step == DB_ROW)
        return STORE_OK;
    if (step == DB_OK)
        return STORE_NOT_FOUND;
    return db_store_rc(step);
}

enum db_rc db_exec_guarded(struct db_stmt *st)
{
    static const char sql_save[] = "SAVEPOINT db_guard";
    static const char sql_undo[] = "ROLLBACK TO SAVEPOINT db_guard";
    static const char sql_release[] = "RELEASE SAVEPOINT db_guard";
    struct db *d;
    enum db_rc rc;

    if (st == NULL)
        return DB_ERROR;
    d = st->d;
    if (d->be->engine != DB_POSTGRESQL || !d->be->in_transaction(d))
        return db_exec(st);
    if (db_exec(db_prepare(d, sql_save)) != DB_OK) {
        db_done(st);
        return DB_ERROR;
    }
    rc = db_exec(st);
    /* A serialization failure is not undone: the transaction must end. */
    if (rc != DB_OK && rc != DB_RETRY && db_exec(db_prepare(d, sql_undo)) != DB_OK)
        return DB_ERROR;
    if (rc != DB_RETRY && db_exec(db_prepare(d, sql_release)) != DB_OK)
        return DB_ERROR;
    return rc;
}

enum db_rc db_one_int64(struct db_stmt *st, int64_t *out)
{
    enum db_rc rc;

    if (st == NULL)
        return DB_ERROR;
    rc = db_step(st);
    if (rc == DB_ROW) {
        *out = db_col_int64(st, 0);
    } else if (rc == DB_OK) {
        db_log(NULL, "a query of one value returned no row");
        db_log(NULL, st->sql);
        rc = DB_ERROR;
    }
    db_done(st);
    return rc == DB_ROW ? DB_OK : rc;
}

enum db_rc db_exec_script(struct db *d, const char *sql)
{
    enum db_rc rc = d->be->exec_script(d, sql);

    if (rc == DB_RETRY)
        d->retry = true;
    else if (rc == DB_ERROR)
        db_log(d, sql);
    return rc;
}

enum store_rc db_store_rc(enum db_rc rc)
{
    switch (rc) {
    case DB_OK:
    case DB_ROW:
        return STORE_OK;
    case DB_CONFLICT:
        return STORE_CONFLICT;
    case DB_RETRY:
    case DB_ERROR:
        break;
    }
    return STORE_ERROR;
}

/* ---- transactions ------------------------------------------------------ */

static const char sql_commit[] = "COMMIT";
static const char sql_rollback[] = "ROLLBACK";

enum db_rc db_begin(struct db *d)
{
    d->retry = false;
    return db_exec(db_prepare(d, d->be->sql_begin));
}

enum db_rc db_commit(struct db *d)
{
    return db_exec(db_prepare(d, sql_commit));
}

enum db_rc db_rollback(struct db *d)
{
    if (!d->be->in_transaction(d))
        return DB_OK;
    return db_exec(db_prepare(d, sql_rollback));
}

bool db_in_transaction(struct db *d)
{
    return d->be->in_transaction(d);
}

bool db_must_retry(struct db *d)
{
    return d->retry;
}

static enum db_rc savepoint_cmd(struct db *d, const char *verb, const char *name)
{
    char sql[96];

    if (!db_identifier(name)) {
        db_log(NULL, "a savepoint name is not an identifier");
        return DB_ERROR;
    }
    snprintf(sql, sizeof sql, "%s %s", verb, name);
    return db_exec_script(d, sql);
}

enum db_rc db_savepoint(struct db *d, const char *name)
{
    return savepoint_cmd(d, "SAVEPOINT", name);
}

enum db_rc db_release(struct db *d, const char *name)
{
    return savepoint_cmd(d, "RELEASE SAVEPOINT", name);
}

enum db_rc db_rollback_to(struct db *d, const char *name)
{
    return savepoint_cmd(d, "ROLLBACK TO SAVEPOINT", name);
}

static void sleep_ms(long ms)
{
    struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L};

    while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
        ;
}

enum store_rc db_transaction(struct db *d, db_tx_fn fn, void *ctx)
{
    if (d == NULL)
        return STORE_ERROR;
    for (int attempt = 1;; attempt++) {
        enum store_rc res = db_store_rc(db_begin(d));

        if (res == STORE_OK) {
            res = fn(d, ctx);
            /* After a serialization failure PostgreSQL has aborted the
             * transaction whatever fn made of the error: no COMMIT. */
            if (res == STORE_OK && !d->retry)
                res = db_store_rc(db_commit(d));
        }
        /* What is still open (fn failed, or a COMMIT that did not end it)
         * is rolled back before anything else happens on d. */
        if (db_rollback(d) != DB_OK)
            res = STORE_ERROR;
        if (!d->retry)
            return res;
        if (attempt == DB_TX_ATTEMPTS) {
            char msg[160];
            snprintf(msg, sizeof msg,
                     "a transaction met a serialization failure or a deadlock %d times;"
                     " given up",
                     attempt);
            db_log(NULL, msg);
            return STORE_ERROR;
        }
        /* Two transactions that collided would collide again if both came
         * back at once: wait a random time that doubles each attempt. */
        sleep_ms(1 + (long)randombytes_uniform(5u << attempt));
    }
}

enum store_rc db_transaction_serial(struct db *d, int64_t lock_key, db_tx_fn fn, void *ctx)
{
    static const char sql_lock[] = "SELECT pg_advisory_lock(?1)";
    static const char sql_unlock[] = "SELECT pg_advisory_unlock(?1)";
    struct db_stmt *st;
    enum store_rc res;

    if (d == NULL)
        return STORE_ERROR;
    if (d->be->engine != DB_POSTGRESQL)
        return db_transaction(d, fn, ctx);
    st = db_prepare(d, sql_lock);
    if (st == NULL)
        return STORE_ERROR;
    db_bind_int64(st, 1, lock_key);
    if (db_exec(st) != DB_OK)
        return STORE_ERROR;
    res = db_transaction(d, fn, ctx);
    st = db_prepare(d, sql_unlock);
    if (st == NULL)
        return STORE_ERROR;
    db_bind_int64(st, 1, lock_key);
    if (db_exec(st) != DB_OK)
        res = STORE_ERROR;
    return res;
}

/* ---- large values ------------------------------------------------------ */

struct db_blob *db_blob_create(struct db *d, const char *table, const char *column, int64_t id,
                               int64_t size)
{
    if (!db_identifier(table) || !db_identifier(column) || size < 0) {
        db_log(NULL, "a blob's table or column is not an identifier");
        return NULL;
    }
    return d->be->blob_create(d, table, column, id, size);
}

struct db_blob *db_blob_open(struct db *d, const char *table, const char *column, int64_t id,
                             int64_t *size)
{
    *size = -1;
    if (!db_identifier(table) || !db_identifier(column)) {
        db_log(NULL, "a blob's table or column is not an identifier");
        return NULL;
    }
    return d->be->blob_open(d, table, column, id, size);
}

enum db_rc db_blob_write(struct db_blob *b, const void *p, size_t n)
{
    enum db_rc rc = b->d->be->blob_write(b, p, n);

    if (rc == DB_RETRY)
        b->d->retry = true;
    return rc;
}

enum db_rc db_blob_read(struct db_blob *b, int64_t offset, void *p, size_t n)
{
    enum db_rc rc = b->d->be->blob_read(b, offset, p, n);

    if (rc == DB_RETRY)
        b->d->retry = true;
    return rc;
}

/* Closing a value being written writes its last piece, which may meet a
 * serialization failure like any other statement: the transaction then
 * runs again (a value smaller than a piece is written only here). */
enum db_rc db_blob_close(struct db_blob *b)
{
    if (b == NULL)
        return DB_OK;
    struct db *d = b->d;
    enum db_rc rc = d->be->blob_close(b);

    if (rc == DB_RETRY)
        d->retry = true;
    return rc;
}

/* ---- placeholders ------------------------------------------------------ */

int db_pg_translate(const char *sql, char *out, size_t cap, int *nparams, unsigned char *used)
{
    size_t o = 0;
    int max = 0;

    for (const char *p = sql; *p;) {
        const char *start = p;

        if (*p == '\'' || *p == '"') {
            /* A literal or a quoted name, doubled quotes inside. */
            char q = *p++;
            while (*p && !(*p == q && p[1] != q))
                p += *p == q ? 2 : 1;
            if (*p)
                p++;
        } else if (p[0] == '-' && p[1] == '-') {
            while (*p && *p != '\n')
                p++;
        } else if (p[0] == '/' && p[1] == '*') {
            const char *end = strstr(p + 2, "*/");
            p = end ? end + 2 : p + strlen(p);
        } else if (p[0] == '?' && p[1] >= '0' && p[1] <= '9') {
            long n = 0;
            p++;
            while (*p >= '0' && *p <= '9' && n < 100000)
                n = n * 10 + (*p++ - '0');
            if (n < 1 || n > 65535)
                return -1;
            if (n > max)
                max = (int)n;
            if (used != NULL)
                used[(n - 1) / 8] |= (unsigned char)(1u << ((n - 1) % 8));
            if (o + 1 >= cap)
                return -1;
            out[o++] = '$';
            start++; /* copy the digits after the '$' */
        } else {
            p++;
        }
        if (o + (size_t)(p - start) >= cap)
            return -1;
        memcpy(out + o, start, (size_t)(p - start));
        o += (size_t)(p - start);
    }
    out[o] = '\0';
    *nparams = max;
    return 0;
}
