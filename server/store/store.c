/*
 * The SQLite store: opening, pragmas, connections, the statement cache,
 * transactions and migrations.  The queries live in one file per table
 * group (units.c, accounts.c, applications.c).
 *
 * Readers are found through a pthread key made per store rather than a
 * plain thread-local pointer: a key is private to its store, so a thread
 * using two stores, or a store opened at the address of a freed one, can
 * never pick up a connection that belongs elsewhere (a deleted and remade
 * key reads as NULL in every thread).  The key's destructor gives a
 * finished thread's connection back to the store's pool, so servers that
 * start a thread per connection do not pile up SQLite handles.
 */
#include "store_impl.h"

#include "clock.h"
#include "db.h"
#include "embedded.h"
#include "jsontext.h"
#include "store_pg.h"
#include "walckpt.h"

#include <assert.h>
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/stat.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>
#include <sodium.h>

/* How long SQLite itself waits for another process's lock, and how often
 * store_write() tries BEGIN/COMMIT again after that. */
#define BUSY_TIMEOUT_MS 5000
#define BUSY_RETRIES    3

struct stmt_slot {
    const char *sql; /* the key: the address of a static SQL string */
    sqlite3_stmt *st;
};

struct conn {
    sqlite3 *db;
    /* Open addressing on the SQL address; cap is 0 or a power of two. */
    struct stmt_slot *slots;
    size_t cap;
    size_t n;
    struct store *s;
    struct db *h;      /* the database layer over db, made on first use */
    bool in_use;       /* readers: held by a live thread */
    struct conn *next; /* readers: the store's list of all of them */
};

/* One caller's write waiting in the queue, on that caller's stack. */
struct write_req {
    store_tx_fn fn;
    void *ctx;
    enum store_rc rc;
    bool done; /* rc is final: committed, or rolled back */
    struct write_req *next;
    pthread_cond_t cv; /* done, or its turn to lead the next batch */
};

struct store {
    struct conn writer;
    pthread_mutex_t write_mu; /* the writer: held by the thread committing a
                               * batch; error-checking, so a nested
                               * store_migrate() or store_writable() fails */
    char *path;               /* as SQLite resolved it, for the readers */
    pthread_key_t reader_key;
    bool key_made;
    pthread_mutex_t readers_mu;
    struct conn *readers;

    /* Group commit (store_write): the queue of writes waiting, and whether a
     * thread is committing a batch now.  queue_mu guards all of it. */
    pthread_mutex_t queue_mu;
    pthread_cond_t gather_cv; /* the queue grew to a full batch */
    struct write_req *head, **tail;
    unsigned queued;
    bool leading;
    unsigned batch_max;     /* writes per transaction at most */
    unsigned batch_wait_us; /* how long a batch waits to fill; 0: never */
    struct store_write_stats stats;
    struct wal_ckpt *ckpt; /* checkpoints off the writer's thread (walckpt.h) */
    struct store_pg *pg;   /* not NULL: the store is on PostgreSQL (store_pg.c) */
};

struct store_tx {
    struct store *s;
    struct conn *c; /* NULL on PostgreSQL */
    struct db *h;   /* PostgreSQL: the transaction's connection */
};

/* The store whose batch this thread is running, so that a callback calling
 * store_write() on it again is refused instead of waiting for itself. */
static _Thread_local const struct store *writing;

static _Atomic(store_log_fn) log_hook;

void store_set_log(store_log_fn fn)
{
    atomic_store(&log_hook, fn);
}

/* Jansson refuses text that is not UTF-8; a message cut short by the line
 * buffer may end inside a character, and losing the line would be worse
 * than showing '?' for the bad bytes. */
static json_t *string_lossy(const char *text)
{
    json_t *j = json_string(text);
    char *copy;

    if (j != NULL)
        return j;
    copy = strdup(text);
    if (copy == NULL)
        return NULL;
    for (char *p = copy; *p; p++)
        if ((unsigned char)*p >= 0x80)
            *p = '?';
    j = json_string(copy);
    free(copy);
    return j;
}

void store_log_error(sqlite3 *db, const char *what)
{
    char line[1024];
    store_log_fn fn = atomic_load(&log_hook);
    json_t *obj = NULL;
    char *text = NULL;

    if (db != NULL)
        snprintf(line, sizeof line, "store: %s: %s (%d)", what, sqlite3_errmsg(db),
                 sqlite3_extended_errcode(db));
    else
        snprintf(line, sizeof line, "store: %s", what);
    if (fn != NULL) {
        fn(line);
        return;
    }
    obj = json_object();
    if (obj == NULL || json_object_set_new(obj, "level", json_string("error")) != 0 ||
        json_object_set_new(obj, "msg", string_lossy(line)) != 0)
        goto out;
    text = dump_json(obj, JSON_COMPACT);
    if (text != NULL)
        fprintf(stderr, "%s\n", text);
out:
    free(text);
    json_decref(obj);
}

static void set_err(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void set_err(char *err, size_t errlen, const char *fmt, ...)
{
    va_list ap;

    if (err == NULL || errlen == 0)
        return;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
}

/* ---- statements ------------------------------------------------------ */

static size_t slot_hash(const char *sql, size_t cap)
{
    uint64_t h = (uint64_t)(uintptr_t)sql * UINT64_C(0x9E3779B97F4A7C15);

    return (size_t)(h >> 32) & (cap - 1);
}

/* The slot holding sql, or the empty slot where it belongs.  cap > n. */
static struct stmt_slot *slot_find(struct conn *c, const char *sql)
{
    size_t i = slot_hash(sql, c->cap);

    while (c->slots[i].sql != NULL && c->slots[i].sql != sql)
        i = (i + 1) & (c->cap - 1);
    return &c->slots[i];
}

static int slots_grow(struct conn *c)
{
    size_t old_cap = c->cap;
    struct stmt_slot *old = c->slots;
    size_t cap = old_cap ? old_cap * 2 : 32;

    c->slots = calloc(cap, sizeof *c->slots);
    if (c->slots == NULL) {
        c->slots = old;
        return -1;
    }
    c->cap = cap;
    for (size_t i = 0; i < old_cap; i++)
        if (old[i].sql != NULL)
            *slot_find(c, old[i].sql) = old[i];
    free(old);
    return 0;
}

sqlite3_stmt *store_stmt(struct conn *c, const char *sql)
{
    struct stmt_slot *slot;
    sqlite3_stmt *st = NULL;

    if (c == NULL) {
        store_log_error(NULL, "an SQLite statement on a store that is not SQLite's");
        return NULL;
    }
    if (c->cap != 0) {
        slot = slot_find(c, sql);
        if (slot->sql != NULL) {
            /* A statement still stepping means a caller re-entered a query
             * from inside its own callback; rebinding would corrupt it. */
            if (sqlite3_stmt_busy(slot->st)) {
                store_log_error(NULL, "statement already in use on this connection");
                return NULL;
            }
            return slot->st;
        }
    }
    /* Keep the table at most half full so probes stay short. */
    if ((c->n + 1) * 2 > c->cap && slots_grow(c) != 0) {
        store_log_error(NULL, "out of memory for the statement cache");
        return NULL;
    }
    if (sqlite3_prepare_v3(c->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &st, NULL) != SQLITE_OK) {
        store_log_error(c->db, sql);
        sqlite3_finalize(st);
        return NULL;
    }
    slot = slot_find(c, sql);
    slot->sql = sql;
    slot->st = st;
    c->n++;
    return st;
}

void store_stmt_done(sqlite3_stmt *st)
{
    if (st == NULL)
        return;
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
}

enum store_rc store_one_int(struct conn *c, sqlite3_stmt *st, const char *sql, int bound,
                            int64_t *out)
{
    enum store_rc rc;
    if (st == NULL)
        return STORE_ERROR;
    if (bound != SQLITE_OK) {
        rc = store_rc(c, SQLITE_ERROR, sql);
    } else {
        int step = sqlite3_step(st);
        if (step == SQLITE_ROW) {
            *out = sqlite3_column_int64(st, 0);
            rc = STORE_OK;
        } else {
            rc = store_rc(c, step == SQLITE_DONE ? SQLITE_ERROR : step, sql);
        }
    }
    store_stmt_done(st);
    return rc;
}

enum store_rc store_rc(struct conn *c, int rc, const char *what)
{
    if (rc == SQLITE_OK || rc == SQLITE_DONE)
        return STORE_OK;
    if (rc == SQLITE_CONSTRAINT_UNIQUE || rc == SQLITE_CONSTRAINT_PRIMARYKEY)
        return STORE_CONFLICT;
    store_log_error(c->db, what);
    return STORE_ERROR;
}

int store_bind_text(sqlite3_stmt *st, int i, const char *s)
{
    /* SQLITE_STATIC is safe: store_stmt_done() clears the bindings before
     * any caller's string can go away. */
    if (s == NULL)
        return sqlite3_bind_null(st, i);
    return sqlite3_bind_text(st, i, s, -1, SQLITE_STATIC);
}

int store_bind_opt(sqlite3_stmt *st, int i, const char *s)
{
    return store_bind_text(st, i, s != NULL && s[0] != '\0' ? s : NULL);
}

/* The account's buffers are written as numbers in store.h; they are the
 * byte limits of its texts all the same. */
_Static_assert(sizeof(((struct account *)0)->name) == ACCOUNT_NAME_LEN, "account name");
_Static_assert(sizeof(((struct account *)0)->unit) == UNIT_ID_LEN, "account unit");
_Static_assert(sizeof(((struct account *)0)->email) == ACCOUNT_EMAIL_LEN, "account email");

/* Logs that column i of the current row of st did not read as stored. */
static void col_log(sqlite3_stmt *st, int i, const char *what)
{
    char msg[256];
    const char *name = sqlite3_column_name(st, i);

    if (sqlite3_column_type(st, 0) == SQLITE_INTEGER)
        snprintf(msg, sizeof msg, "column %s of row %lld %s", name ? name : "?",
                 (long long)sqlite3_column_int64(st, 0), what);
    else
        snprintf(msg, sizeof msg, "column %s of a row %s", name ? name : "?", what);
    store_log_error(NULL, msg);
}

void store_col_text(sqlite3_stmt *st, int i, char *buf, size_t len)
{
    const char *t = (const char *)sqlite3_column_text(st, i);
    size_t n;
    bool changed = false;

    assert(len > 0);
    if (t == NULL) {
        buf[0] = '\0';
        return;
    }
    n = (size_t)sqlite3_column_bytes(st, i);
    text_utf8_copy(buf, len, t, n, &changed);
    if (changed)
        col_log(st, i, "is too long or not valid UTF-8: read cut at a character, with U+FFFD");
}

int store_col_dup(sqlite3_stmt *st, int i, const char *if_null, char **out)
{
    const char *t = (const char *)sqlite3_column_text(st, i);
    bool changed = false;

    if (t == NULL)
        *out = if_null ? strdup(if_null) : NULL;
    else
        *out = text_utf8_dup(t, (size_t)sqlite3_column_bytes(st, i), &changed);
    if (*out == NULL && (t != NULL || if_null != NULL)) {
        store_log_error(NULL, "out of memory reading a row");
        return -1;
    }
    if (changed)
        col_log(st, i, "is not valid UTF-8: read with U+FFFD");
    return 0;
}

/* ---- connections ----------------------------------------------------- */

static void conn_close(struct conn *c)
{
    db_close(c->h);
    c->h = NULL;
    for (size_t i = 0; i < c->cap; i++)
        sqlite3_finalize(c->slots[i].st);
    free(c->slots);
    c->slots = NULL;
    c->cap = c->n = 0;
    if (c->db != NULL && sqlite3_close(c->db) != SQLITE_OK)
        store_log_error(c->db, "close");
    c->db = NULL;
}

static int conn_exec(struct conn *c, const char *sql, char *err, size_t errlen)
{
    if (sqlite3_exec(c->db, sql, NULL, NULL, NULL) != SQLITE_OK) {
        set_err(err, errlen, "%s: %s", sql, sqlite3_errmsg(c->db));
        return -1;
    }
    return 0;
}

/* Opens c on path with the pragmas every connection needs.  On failure c
 * holds nothing. */
static int conn_open(struct conn *c, struct store *s, const char *path, int flags, char *err,
                     size_t errlen)
{
    int rc;

    memset(c, 0, sizeof *c);
    c->s = s;
    /* NOMUTEX: a connection is only ever used by one thread at a time (the
     * writer behind write_mu, a reader by its thread), so SQLite's own
     * per-connection mutex would be pure cost. */
    db_sqlite_setup();
    rc = sqlite3_open_v2(path, &c->db, flags | SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_EXRESCODE, NULL);
    if (rc != SQLITE_OK) {
        set_err(err, errlen, "cannot open %s: %s", path,
                c->db ? sqlite3_errmsg(c->db) : sqlite3_errstr(rc));
        goto fail;
    }
    if (sqlite3_busy_timeout(c->db, BUSY_TIMEOUT_MS) != SQLITE_OK ||
        conn_exec(c, "PRAGMA foreign_keys = ON", err, errlen) != 0)
        goto fail;
    return 0;
fail:
    sqlite3_close(c->db);
    c->db = NULL;
    return -1;
}

/* The writer's pragmas beyond conn_open's.  journal_mode answers with the
 * mode actually in force, which is not WAL on file systems without shared
 * memory: refuse those rather than run with weaker guarantees. */
static int writer_pragmas(struct conn *c, char *err, size_t errlen)
{
    sqlite3_stmt *st = NULL;
    int rc = -1;

    if (sqlite3_prepare_v2(c->db, "PRAGMA journal_mode = WAL", -1, &st, NULL) != SQLITE_OK ||
        sqlite3_step(st) != SQLITE_ROW) {
        set_err(err, errlen, "cannot set journal_mode: %s", sqlite3_errmsg(c->db));
        goto out;
    }
    if (sqlite3_stricmp((const char *)sqlite3_column_text(st, 0), "wal") != 0) {
        set_err(err, errlen, "the database cannot use WAL (journal_mode stays %s)",
                (const char *)sqlite3_column_text(st, 0));
        goto out;
    }
    if (conn_exec(c, "PRAGMA synchronous = FULL", err, errlen) != 0)
        goto out;
    /* A batch of writes dirties a few hundred pages (each submission's
     * rows, and the leaves of every index they touch); with SQLite's
     * default 2 MiB cache they would spill into the WAL before the commit
     * and be written there twice.  4 MiB holds a full batch of 64
     * submissions (about 400 pages), and stays small beside a large
     * material, whose pages pass through it. */
    if (conn_exec(c, "PRAGMA cache_size = -4096", err, errlen) != 0)
        goto out;
    /* Each write of a batch runs in a savepoint, whose journal of the
     * pages it changes would otherwise go to a temporary file past 64 KiB
     * (a file made, written and removed per batch). */
    if (conn_exec(c, "PRAGMA temp_store = MEMORY", err, errlen) != 0)
        goto out;
    rc = 0;
out:
    sqlite3_finalize(st);
    return rc;
}

/* The key's destructor: a thread that ends hands its reader back. */
static void reader_release(void *p)
{
    struct conn *c = p;

    pthread_mutex_lock(&c->s->readers_mu);
    c->in_use = false;
    pthread_mutex_unlock(&c->s->readers_mu);
}

struct conn *store_reader(struct store *s)
{
    struct conn *c;
    char err[512];

    if (s->pg != NULL) {
        store_log_error(NULL, "an SQLite reader of a store that is not SQLite's");
        return NULL;
    }
    c = pthread_getspecific(s->reader_key);
    if (c != NULL)
        return c;
    pthread_mutex_lock(&s->readers_mu);
    for (c = s->readers; c != NULL && c->in_use; c = c->next)
        ;
    if (c == NULL) {
        c = malloc(sizeof *c);
        if (c == NULL || conn_open(c, s, s->path, SQLITE_OPEN_READONLY, err, sizeof err) != 0) {
            pthread_mutex_unlock(&s->readers_mu);
            store_log_error(NULL, c ? err : "out of memory for a reader");
            free(c);
            return NULL;
        }
        c->next = s->readers;
        s->readers = c;
    }
    c->in_use = true;
    pthread_mutex_unlock(&s->readers_mu);
    if (pthread_setspecific(s->reader_key, c) != 0) {
        reader_release(c);
        store_log_error(NULL, "cannot attach a reader to this thread");
        return NULL;
    }
    return c;
}

struct conn *store_tx_conn(struct store_tx *tx)
{
    return tx->c;
}

sqlite3 *store_conn_db(struct conn *c)
{
    return c->db;
}

/* ---- open and free --------------------------------------------------- */

static struct store *store_open_mode(const char *path, bool readonly, char *err, size_t errlen)
{
    const int writer_flags =
        readonly ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE;
    struct store *s = NULL;
    pthread_mutexattr_t attr;
    const char *resolved;
    bool ok = false;

    if (sodium_init() < 0) {
        set_err(err, errlen, "cannot initialise libsodium");
        return NULL;
    }
    s = calloc(1, sizeof *s);
    if (s == NULL) {
        set_err(err, errlen, "out of memory");
        return NULL;
    }
    pthread_mutexattr_init(&attr);
    pthread_mutexattr_settype(&attr, PTHREAD_MUTEX_ERRORCHECK);
    pthread_mutex_init(&s->write_mu, &attr);
    pthread_mutexattr_destroy(&attr);
    pthread_mutex_init(&s->readers_mu, NULL);
    pthread_mutex_init(&s->queue_mu, NULL);
    pthread_cond_init(&s->gather_cv, NULL);
    s->tail = &s->head;
    s->batch_max = STORE_BATCH_MAX_DEFAULT;
    s->batch_wait_us = 0;

    if (conn_open(&s->writer, s, path, writer_flags, err, errlen) != 0 ||
        (!readonly && writer_pragmas(&s->writer, err, errlen) != 0))
        goto out;
    /* Readers open the very file the writer did, whatever the working
     * directory is by then. */
    resolved = sqlite3_db_filename(s->writer.db, "main");
    s->path = strdup(resolved && resolved[0] ? resolved : path);
    if (s->path == NULL) {
        set_err(err, errlen, "out of memory");
        goto out;
    }
    if (pthread_key_create(&s->reader_key, reader_release) != 0) {
        set_err(err, errlen, "cannot create a thread key for readers");
        goto out;
    }
    s->key_made = true;
    if (!readonly) {
        s->ckpt =
            wal_ckpt_start(s->writer.db, s->path, WAL_CKPT_PAGES, WAL_CKPT_LIMIT, err, errlen);
        if (s->ckpt == NULL)
            goto out;
    }
    ok = true;
out:
    if (!ok) {
        store_free(s);
        s = NULL;
    }
    return s;
}

void store_free(struct store *s)
{
    struct conn *next;

    if (s == NULL)
        return;
    if (s->pg != NULL) {
        store_pg_free(s->pg);
        free(s);
        return;
    }
    /* Deleting the key runs no destructors, and remade keys read as NULL,
     * so no thread can reach the readers closed below. */
    if (s->key_made)
        pthread_key_delete(s->reader_key);
    for (struct conn *c = s->readers; c != NULL; c = next) {
        next = c->next;
        conn_close(c);
        free(c);
    }
    wal_ckpt_stop(s->ckpt);
    /* The writer last: closing the last connection checkpoints the WAL. */
    conn_close(&s->writer);
    pthread_mutex_destroy(&s->readers_mu);
    pthread_mutex_destroy(&s->write_mu);
    pthread_mutex_destroy(&s->queue_mu);
    pthread_cond_destroy(&s->gather_cv);
    free(s->path);
    free(s);
}

/* ---- transactions ---------------------------------------------------- */

static void sleep_ms(long ms)
{
    struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L};

    while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
        ;
}

/* Runs a one-statement command (BEGIN, COMMIT, ROLLBACK) on c, trying again
 * a few times when another process still holds the lock after SQLite's
 * own busy timeout.  Returns the SQLite result; failures are logged. */
static int run_retry(struct conn *c, const char *sql)
{
    sqlite3_stmt *st = store_stmt(c, sql);
    int rc = SQLITE_ERROR;

    if (st == NULL)
        return rc;
    for (int attempt = 0;; attempt++) {
        rc = sqlite3_step(st);
        if ((rc & 0xff) != SQLITE_BUSY || attempt == BUSY_RETRIES)
            break;
        sqlite3_reset(st);
        sleep_ms(10L << attempt);
    }
    if (rc != SQLITE_DONE)
        store_log_error(c->db, sql);
    sqlite3_reset(st);
    return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

static const char sql_begin[] = "BEGIN IMMEDIATE";
static const char sql_commit[] = "COMMIT";
static const char sql_rollback[] = "ROLLBACK";

/* Ends whatever transaction is still open on c, e.g. after a failed COMMIT
 * that SQLite did not roll back itself. */
static void rollback_open(struct conn *c)
{
    if (!sqlite3_get_autocommit(c->db))
        run_retry(c, sql_rollback);
}

/* A write on PostgreSQL: fn runs with a store_tx over the connection of
 * the serializable transaction that store_pg_write() runs (and may run
 * again). */
struct pg_write {
    struct store *s;
    store_tx_fn fn;
    void *ctx;
};

static enum store_rc pg_write_tx(struct db *h, void *arg)
{
    struct pg_write *w = arg;
    struct store_tx tx = {.s = w->s, .h = h};

    return w->fn(&tx, w->ctx);
}

static const char sql_savepoint[] = "SAVEPOINT w";
static const char sql_release[] = "RELEASE w";
static const char sql_rollback_to[] = "ROLLBACK TO w";

/* Runs one statement of the batch's own (a savepoint's); false when it
 * failed (logged). */
static bool run_once(struct conn *c, const char *sql)
{
    sqlite3_stmt *st = store_stmt(c, sql);
    int rc = st ? sqlite3_step(st) : SQLITE_ERROR;
    if (st && rc != SQLITE_DONE)
        store_log_error(c->db, sql);
    if (st)
        sqlite3_reset(st);
    return rc == SQLITE_DONE;
}

/* What one batch did, for the store's stats. */
struct tally {
    uint64_t commits, writes, statements_ns, commit_ns;
};

/* Runs the callbacks of batch[0..n) in one transaction on the writer, each
 * inside a savepoint of its own (a lone one needs none), and commits once.
 * A callback that fails rolls back to its savepoint: its own writes go and
 * the others' stay.  Sets every rc and adds to *t the transactions
 * committed, the writes they held and the time the statements and the
 * commits took.  Called with write_mu held. */
static void run_batch(struct store *s, struct write_req **batch, size_t n, struct tally *t)
{
    struct store_tx tx = {.s = s, .c = &s->writer};
    size_t i = 0;

    while (i < n) {
        size_t first = i, kept = 0;
        bool lone = n == 1, aborted = false;
        int64_t began = clock_monotonic_ns();

        if (run_retry(tx.c, sql_begin) != SQLITE_OK) {
            for (; i < n; i++)
                batch[i]->rc = STORE_ERROR;
            return;
        }
        for (; i < n && !aborted; i++) {
            struct write_req *r = batch[i];
            if (!lone && !run_once(tx.c, sql_savepoint)) {
                r->rc = STORE_ERROR;
                continue;
            }
            r->rc = r->fn(&tx, r->ctx);
            if (sqlite3_get_autocommit(tx.c->db)) {
                /* SQLite rolled the whole transaction back itself (an I/O
                 * error, a full disk): the callbacks before this one lost
                 * their writes too.  Nobody was answered yet; the rest go
                 * on in a new transaction. */
                aborted = true;
                if (r->rc == STORE_OK)
                    r->rc = STORE_ERROR;
                for (size_t j = first; j < i; j++)
                    if (batch[j]->rc == STORE_OK) {
                        batch[j]->rc = STORE_ERROR;
                        store_log_error(NULL, "a write was rolled back with another's error");
                    }
                continue;
            }
            if (lone) {
                kept += r->rc == STORE_OK;
                continue;
            }
            if (r->rc != STORE_OK && !run_once(tx.c, sql_rollback_to)) {
                /* Its writes cannot be taken out alone: none of the
                 * transaction's may stay. */
                for (size_t j = first; j <= i; j++)
                    if (batch[j]->rc == STORE_OK)
                        batch[j]->rc = STORE_ERROR;
                kept = 0;
                i++;
                break;
            }
            if (!run_once(tx.c, sql_release) && r->rc == STORE_OK)
                r->rc = STORE_ERROR;
            kept += r->rc == STORE_OK;
        }
        int64_t committing = clock_monotonic_ns();
        t->statements_ns += (uint64_t)(committing - began);
        if (aborted)
            continue;
        if (kept > 0 && run_retry(tx.c, sql_commit) != SQLITE_OK) {
            for (size_t j = first; j < i; j++)
                if (batch[j]->rc == STORE_OK)
                    batch[j]->rc = STORE_ERROR;
        }
        rollback_open(tx.c);
        t->commit_ns += (uint64_t)(clock_monotonic_ns() - committing);
        for (size_t j = first; j < i; j++)
            t->writes += batch[j]->rc == STORE_OK;
        t->commits += kept > 0;
    }
}

/* Takes up to batch_max writes off the queue into batch.  queue_mu held. */
static size_t take_batch(struct store *s, struct write_req **batch)
{
    size_t n = 0;
    while (s->head && n < s->batch_max) {
        batch[n++] = s->head;
        s->head = s->head->next;
        s->queued--;
    }
    if (!s->head)
        s->tail = &s->head;
    return n;
}

/* Waits, as the next batch's leader, until the queue holds a full batch
 * or batch_wait_us have passed.  queue_mu held. */
static void gather(struct store *s)
{
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    long ns = until.tv_nsec + (long)s->batch_wait_us * 1000L;
    until.tv_sec += ns / 1000000000L;
    until.tv_nsec = ns % 1000000000L;
    while (s->queued < s->batch_max &&
           pthread_cond_timedwait(&s->gather_cv, &s->queue_mu, &until) == 0)
        ;
}

/*
 * Group commit.  Every caller queues its write and waits.  A caller that
 * finds no batch being committed leads the next one: it takes the queue
 * (batch_max writes at most), runs them on the writer in one transaction,
 * commits once and wakes them all.  Meanwhile the next callers queue up
 * behind that commit, so under load one fsync serves many writes and a
 * lone write waits for nobody.  A caller returns only when its write is
 * committed (or rolled back), so an answer never promises what a crash
 * could still take away.
 */
enum store_rc store_write(struct store *s, store_tx_fn fn, void *ctx)
{
    struct write_req me = {.fn = fn, .ctx = ctx, .rc = STORE_ERROR, .cv = PTHREAD_COND_INITIALIZER};

    if (s->pg != NULL) {
        struct pg_write w = {.s = s, .fn = fn, .ctx = ctx};
        return store_pg_write(s->pg, 0, pg_write_tx, &w);
    }
    if (writing == s) {
        store_log_error(NULL, "store_write called inside a write transaction");
        return STORE_ERROR;
    }
    pthread_mutex_lock(&s->queue_mu);
    *s->tail = &me;
    s->tail = &me.next;
    if (++s->queued >= s->batch_max)
        pthread_cond_signal(&s->gather_cv);
    while (!me.done) {
        if (s->leading) {
            pthread_cond_wait(&me.cv, &s->queue_mu);
            continue;
        }
        s->leading = true;
        if (s->batch_wait_us > 0)
            gather(s);
        struct write_req *batch[STORE_BATCH_MAX];
        size_t n = take_batch(s, batch);
        struct tally t = {0};
        pthread_mutex_unlock(&s->queue_mu);

        if (pthread_mutex_lock(&s->write_mu) != 0) {
            /* This thread holds the writer already (store_migrate's). */
            store_log_error(NULL, "store_write called while the writer is held");
            for (size_t i = 0; i < n; i++)
                batch[i]->rc = STORE_ERROR;
        } else {
            const struct store *outer = writing;
            writing = s;
            run_batch(s, batch, n, &t);
            writing = outer;
            pthread_mutex_unlock(&s->write_mu);
        }

        /* Each caller of the batch is woken alone, and the first of those
         * queued since leads the next batch: nobody wakes to find it is not
         * their turn. */
        pthread_mutex_lock(&s->queue_mu);
        for (size_t i = 0; i < n; i++) {
            batch[i]->done = true;
            pthread_cond_signal(&batch[i]->cv);
        }
        s->stats.commits += t.commits;
        s->stats.writes += t.writes;
        s->stats.statements_ns += t.statements_ns;
        s->stats.commit_ns += t.commit_ns;
        if (n > s->stats.largest_batch)
            s->stats.largest_batch = n;
        s->leading = false;
        if (s->head)
            pthread_cond_signal(&s->head->cv);
    }
    pthread_mutex_unlock(&s->queue_mu);
    pthread_cond_destroy(&me.cv);
    return me.rc;
}

/* On SQLite every write already is one at a time (and appends to the log
 * inside its batch); on PostgreSQL the writes that append queue on the
 * log's advisory lock, before their transactions begin, so each sees the
 * head the one before it left (docs/POSTGRESQL.md, "the log head"). */
enum store_rc store_write_log(struct store *s, store_tx_fn fn, void *ctx)
{
    if (s->pg != NULL) {
        struct pg_write w = {.s = s, .fn = fn, .ctx = ctx};
        return store_pg_write(s->pg, STORE_PG_LOCK_LOG, pg_write_tx, &w);
    }
    return store_write(s, fn, ctx);
}

bool store_alone(struct store *s, enum store_lock lock, void (*fn)(void *ctx), void *ctx)
{
    if (s->pg != NULL)
        return store_pg_alone(s->pg, STORE_PG_LOCK(0x10 + (int64_t)lock), fn, ctx);
    fn(ctx);
    return true;
}

void store_set_batch(struct store *s, unsigned max, unsigned wait_us)
{
    /* On PostgreSQL every write is its own transaction, on a pool of
     * connections: there is no batch to size. */
    if (s->pg != NULL)
        return;
    pthread_mutex_lock(&s->queue_mu);
    s->batch_max = max < 1 ? 1 : max > STORE_BATCH_MAX ? STORE_BATCH_MAX : max;
    s->batch_wait_us = wait_us > STORE_BATCH_WAIT_MAX_US ? STORE_BATCH_WAIT_MAX_US : wait_us;
    pthread_mutex_unlock(&s->queue_mu);
}

struct store_write_stats store_write_stats(struct store *s)
{
    if (s->pg != NULL)
        return (struct store_write_stats){0};
    pthread_mutex_lock(&s->queue_mu);
    struct store_write_stats st = s->stats;
    pthread_mutex_unlock(&s->queue_mu);
    struct wal_ckpt_stats c = wal_ckpt_stats(s->ckpt);
    st.checkpoints = c.passes;
    st.checkpoints_on_writer = c.on_writer;
    return st;
}

/* ---- migrations ------------------------------------------------------ */

static const char sql_migrations_table[] = "CREATE TABLE IF NOT EXISTS schema_migrations ("
                                           " version INTEGER PRIMARY KEY,"
                                           " name TEXT NOT NULL,"
                                           " applied_at TEXT NOT NULL"
                                           ") STRICT";

/* The version of a migration file: its leading digits, which a '_'
 * follows ("0001_init.sql" is 1).  -1 when the name has none. */
static int migration_version(const char *name)
{
    const char *p = name;
    long v = 0;

    for (; *p >= '0' && *p <= '9'; p++) {
        v = v * 10 + (*p - '0');
        if (v > INT_MAX)
            return -1;
    }
    if (p == name || *p != '_')
        return -1;
    return (int)v;
}

/* The highest applied version on c, 0 before any; -1 on failure. */
static int read_version(struct conn *c)
{
    static const char sql_exists[] = "SELECT count(*) FROM sqlite_schema"
                                     " WHERE type = 'table' AND name = 'schema_migrations'";
    static const char sql_max[] = "SELECT coalesce(max(version), 0) FROM schema_migrations";
    sqlite3_stmt *st;
    int version = -1;

    st = store_stmt(c, sql_exists);
    if (st == NULL)
        return -1;
    if (sqlite3_step(st) != SQLITE_ROW) {
        store_log_error(c->db, sql_exists);
        goto out;
    }
    if (sqlite3_column_int(st, 0) == 0) {
        version = 0;
        goto out;
    }
    store_stmt_done(st);
    st = store_stmt(c, sql_max);
    if (st == NULL)
        return -1;
    if (sqlite3_step(st) != SQLITE_ROW) {
        store_log_error(c->db, sql_max);
        goto out;
    }
    version = sqlite3_column_int(st, 0);
out:
    store_stmt_done(st);
    return version;
}

/* Applies migration m (version v) in its own transaction on the writer.
 * Foreign keys are off meanwhile, as SQLite's procedure for rebuilding a
 * table requires, and checked as a whole before the commit.  Returns 1
 * when applied, 0 when another process applied it first, -1 on failure. */
static int apply_migration(struct conn *c, const struct embedded_file *m, int v, char *err,
                           size_t errlen)
{
    static const char sql_applied[] = "SELECT 1 FROM schema_migrations WHERE version = ?1";
    static const char sql_record[] = "INSERT INTO schema_migrations (version, name, applied_at)"
                                     " VALUES (?1, ?2, strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))";
    sqlite3_stmt *st = NULL;
    sqlite3_stmt *check = NULL;
    char *msg = NULL;
    int rc = -1;

    if (strlen(m->data) != m->len) {
        set_err(err, errlen, "migration %s contains a NUL byte", m->name);
        return -1;
    }
    if (conn_exec(c, "PRAGMA foreign_keys = OFF", err, errlen) != 0)
        return -1;
    if (run_retry(c, sql_begin) != SQLITE_OK) {
        set_err(err, errlen, "migration %s: cannot begin: %s", m->name, sqlite3_errmsg(c->db));
        goto out;
    }
    st = store_stmt(c, sql_applied);
    if (st == NULL || sqlite3_bind_int(st, 1, v) != SQLITE_OK)
        goto sql_fail;
    switch (sqlite3_step(st)) {
    case SQLITE_ROW:
        rc = 0;
        goto out;
    case SQLITE_DONE:
        break;
    default:
        goto sql_fail;
    }
    store_stmt_done(st);
    st = NULL;

    if (sqlite3_exec(c->db, m->data, NULL, NULL, &msg) != SQLITE_OK) {
        set_err(err, errlen, "migration %s: %s", m->name, msg ? msg : sqlite3_errmsg(c->db));
        goto out;
    }
    if (sqlite3_prepare_v2(c->db, "PRAGMA foreign_key_check", -1, &check, NULL) != SQLITE_OK)
        goto sql_fail;
    switch (sqlite3_step(check)) {
    case SQLITE_DONE:
        break;
    case SQLITE_ROW:
        set_err(err, errlen, "migration %s leaves rows of %s with a broken foreign key", m->name,
                (const char *)sqlite3_column_text(check, 0));
        goto out;
    default:
        goto sql_fail;
    }

    st = store_stmt(c, sql_record);
    if (st == NULL || (sqlite3_bind_int(st, 1, v) | store_bind_text(st, 2, m->name)) != SQLITE_OK ||
        sqlite3_step(st) != SQLITE_DONE)
        goto sql_fail;
    store_stmt_done(st);
    st = NULL;
    if (run_retry(c, sql_commit) != SQLITE_OK)
        goto sql_fail;
    rc = 1;
    goto out;
sql_fail:
    set_err(err, errlen, "migration %s: %s", m->name, sqlite3_errmsg(c->db));
out:
    store_stmt_done(st);
    sqlite3_finalize(check);
    sqlite3_free(msg);
    if (rc >= 0 && !sqlite3_get_autocommit(c->db) && run_retry(c, sql_commit) != SQLITE_OK) {
        set_err(err, errlen, "migration %s: %s", m->name, sqlite3_errmsg(c->db));
        rc = -1;
    }
    rollback_open(c);
    /* Without this the connection would go on unchecked; a first error
     * already in err says more, so keep it. */
    if (conn_exec(c, "PRAGMA foreign_keys = ON", rc < 0 ? NULL : err, errlen) != 0)
        rc = -1;
    return rc;
}

int store_migrate(struct store *s, int *applied, char *err, size_t errlen)
{
    struct conn *c = &s->writer;
    int known = 0;
    int have;
    int count = 0;
    int rc = -1;

    if (s->pg != NULL)
        return store_pg_migrate(s->pg, applied, err, errlen);
    if (applied != NULL)
        *applied = 0;
    if (pthread_mutex_lock(&s->write_mu) != 0) {
        set_err(err, errlen, "store_migrate called inside a write transaction");
        return -1;
    }
    for (const struct embedded_file *m = embedded_migrations; m->name; m++) {
        int v = migration_version(m->name);
        if (v <= known) {
            set_err(err, errlen, "migration %s is not numbered after the one before it", m->name);
            goto out;
        }
        known = v;
    }
    if (conn_exec(c, sql_migrations_table, err, errlen) != 0)
        goto out;
    have = read_version(c);
    if (have < 0) {
        set_err(err, errlen, "cannot read the schema version: %s", sqlite3_errmsg(c->db));
        goto out;
    }
    /* An older binary must not write to a schema it does not understand. */
    if (have > known) {
        set_err(err, errlen,
                "database schema version %d is newer than this shenbao (knows up to %d)", have,
                known);
        goto out;
    }
    for (const struct embedded_file *m = embedded_migrations; m->name; m++) {
        int v = migration_version(m->name);
        int done;

        if (v <= have)
            continue;
        done = apply_migration(c, m, v, err, errlen);
        if (done < 0)
            goto out;
        count += done;
    }
    rc = 0;
out:
    pthread_mutex_unlock(&s->write_mu);
    if (applied != NULL)
        *applied = count;
    return rc;
}

int store_schema_version(struct store *s)
{
    int version;

    if (s->pg != NULL)
        return store_pg_schema_version(s->pg);
    if (pthread_mutex_lock(&s->write_mu) != 0)
        return -1;
    version = read_version(&s->writer);
    pthread_mutex_unlock(&s->write_mu);
    return version;
}

bool store_ping(struct store *s)
{
    static const char sql[] = "SELECT 1";
    struct conn *c;

    if (s->pg != NULL)
        return store_pg_ping(s->pg);
    c = store_reader(s);
    sqlite3_stmt *st = c ? store_stmt(c, sql) : NULL;
    bool ok;

    if (st == NULL)
        return false;
    ok = sqlite3_step(st) == SQLITE_ROW;
    if (!ok)
        store_log_error(c->db, sql);
    store_stmt_done(st);
    return ok;
}

/* A store on PostgreSQL: the connections and transactions of store_pg.c
 * behind the same struct store. */
static struct store *open_postgresql(const char *uri, bool readonly, char *err, size_t errlen)
{
    struct store *s;

    if (sodium_init() < 0) {
        set_err(err, errlen, "cannot initialise libsodium");
        return NULL;
    }
    s = calloc(1, sizeof *s);
    if (s == NULL) {
        set_err(err, errlen, "out of memory");
        return NULL;
    }
    s->pg = store_pg_open(uri, readonly, err, errlen);
    if (s->pg == NULL) {
        free(s);
        return NULL;
    }
    return s;
}

struct store *store_open(const char *path, char *err, size_t errlen)
{
    if (db_is_postgresql(path))
        return open_postgresql(path, false, err, errlen);
    return store_open_mode(path, false, err, errlen);
}

bool store_is_postgresql(const struct store *s)
{
    return s->pg != NULL;
}

/* The layer's connection over c, made on first use. */
static struct db *conn_db(struct conn *c)
{
    if (c->h == NULL) {
        c->h = db_sqlite_borrow(c->db);
        if (c->h == NULL)
            store_log_error(NULL, "out of memory for a connection");
    }
    return c->h;
}

struct db *store_db(struct store *s)
{
    struct conn *c;

    if (s->pg != NULL)
        return store_pg_reader(s->pg);
    c = store_reader(s);
    return c ? conn_db(c) : NULL;
}

struct db *store_tx_db(struct store_tx *tx)
{
    return tx->h != NULL ? tx->h : conn_db(tx->c);
}

struct store *store_open_readonly(const char *path, char *err, size_t errlen)
{
    if (db_is_postgresql(path))
        return open_postgresql(path, true, err, errlen);
    return store_open_mode(path, true, err, errlen);
}

int store_known_version(void)
{
    int known = 0;
    for (const struct embedded_file *m = embedded_migrations; m->name; m++)
        if (migration_version(m->name) > known)
            known = migration_version(m->name);
    return known;
}

bool store_writable(struct store *s)
{
    if (s->pg != NULL)
        return store_pg_writable(s->pg);
    if (pthread_mutex_lock(&s->write_mu) != 0)
        return false;
    bool ok = sqlite3_exec(s->writer.db, "BEGIN IMMEDIATE", NULL, NULL, NULL) == SQLITE_OK;
    if (ok)
        sqlite3_exec(s->writer.db, "ROLLBACK", NULL, NULL, NULL);
    else
        store_log_error(s->writer.db, "BEGIN IMMEDIATE (readiness)");
    pthread_mutex_unlock(&s->write_mu);
    return ok;
}

int64_t store_bytes(struct store *s)
{
    char wal[4200];
    struct stat st;
    int64_t total = 0;
    if (s->pg != NULL)
        return store_pg_bytes(s->pg);
    if (stat(s->path, &st) == 0)
        total += st.st_size;
    snprintf(wal, sizeof wal, "%s-wal", s->path);
    if (stat(wal, &st) == 0)
        total += st.st_size;
    return total;
}
