/*
 * The store on PostgreSQL: a pool of writer connections, each write one
 * serializable transaction that is run again on a serialization failure or
 * a deadlock; a read connection per thread, as on SQLite; migrations from
 * migrations/pg/, one transaction each, applied by one process at a time.
 *
 * Why a pool and not one writer: many servers share the database anyway,
 * so the one-writer discipline that SQLite needs buys nothing here, and
 * serializable isolation keeps every invariant that the single writer kept
 * (docs/POSTGRESQL.md).  The pool is small: a thread that finds every
 * writer busy waits for one.
 */
#include "store_pg.h"
#include "store_impl.h"

#include "embedded.h"

#include <limits.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Writers open at most at once per store. */
#define WRITERS_MAX 8

struct reader {
    struct db *h;
    struct store_pg *p;
    bool in_use;
    struct reader *next;
};

struct store_pg {
    char *uri;
    pthread_mutex_t mu;
    pthread_cond_t writer_free;
    struct db *idle[WRITERS_MAX];
    int n_idle;
    int n_open;
    pthread_key_t reader_key;
    pthread_key_t writing_key; /* set while this thread is inside a write */
    int keys_made;
    struct reader *readers;
    unsigned flags; /* db_open()'s: DB_READONLY for a store that only reads */
};

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

/* ---- writers ----------------------------------------------------------- */

static struct db *writer_take(struct store_pg *p)
{
    struct db *h = NULL;
    char err[512];

    pthread_mutex_lock(&p->mu);
    while (p->n_idle == 0 && p->n_open == WRITERS_MAX)
        pthread_cond_wait(&p->writer_free, &p->mu);
    if (p->n_idle > 0) {
        h = p->idle[--p->n_idle];
        pthread_mutex_unlock(&p->mu);
        if (db_alive(h))
            return h;
        /* The server went away (a restart, a failover): connect again. */
        db_close(h);
    } else {
        p->n_open++;
        pthread_mutex_unlock(&p->mu);
    }
    h = db_open(p->uri, p->flags, err, sizeof err);
    if (h == NULL) {
        store_log_error(NULL, err);
        pthread_mutex_lock(&p->mu);
        p->n_open--;
        pthread_cond_signal(&p->writer_free);
        pthread_mutex_unlock(&p->mu);
    }
    return h;
}

static void writer_give(struct store_pg *p, struct db *h)
{
    pthread_mutex_lock(&p->mu);
    p->idle[p->n_idle++] = h;
    pthread_cond_signal(&p->writer_free);
    pthread_mutex_unlock(&p->mu);
}

enum store_rc store_pg_write(struct store_pg *p, int64_t lock, db_tx_fn fn, void *ctx)
{
    struct db *h;
    enum store_rc rc;

    if (pthread_getspecific(p->writing_key) != NULL) {
        store_log_error(NULL, "store_write called inside a write transaction");
        return STORE_ERROR;
    }
    h = writer_take(p);
    if (h == NULL)
        return STORE_ERROR;
    pthread_setspecific(p->writing_key, p);
    rc = lock != 0 ? db_transaction_serial(h, lock, fn, ctx) : db_transaction(h, fn, ctx);
    pthread_setspecific(p->writing_key, NULL);
    writer_give(p, h);
    return rc;
}

/* ---- readers ----------------------------------------------------------- */

/* The key's destructor: a thread that ends hands its reader back. */
static void reader_release(void *arg)
{
    struct reader *r = arg;

    pthread_mutex_lock(&r->p->mu);
    r->in_use = false;
    pthread_mutex_unlock(&r->p->mu);
}

struct db *store_pg_reader(struct store_pg *p)
{
    struct reader *r = pthread_getspecific(p->reader_key);
    char err[512];

    if (r != NULL) {
        if (db_alive(r->h))
            return r->h;
        db_close(r->h);
        r->h = db_open(p->uri, p->flags, err, sizeof err);
        if (r->h == NULL)
            store_log_error(NULL, err);
        return r->h;
    }
    pthread_mutex_lock(&p->mu);
    for (r = p->readers; r != NULL && r->in_use; r = r->next)
        ;
    if (r == NULL) {
        r = calloc(1, sizeof *r);
        if (r == NULL) {
            pthread_mutex_unlock(&p->mu);
            store_log_error(NULL, "out of memory for a reader");
            return NULL;
        }
        r->p = p;
        r->next = p->readers;
        p->readers = r;
    }
    r->in_use = true;
    pthread_mutex_unlock(&p->mu);
    if (r->h == NULL || !db_alive(r->h)) {
        db_close(r->h);
        r->h = db_open(p->uri, p->flags, err, sizeof err);
        if (r->h == NULL) {
            store_log_error(NULL, err);
            reader_release(r);
            return NULL;
        }
    }
    if (pthread_setspecific(p->reader_key, r) != 0) {
        reader_release(r);
        store_log_error(NULL, "cannot attach a reader to this thread");
        return NULL;
    }
    return r->h;
}

/* ---- open and free ------------------------------------------------------ */

/* Text must sort as bytes (SQLite's BINARY) and be UTF-8, or orderings and
 * comparisons of the queries would differ between the two stores. */
static int check_database(struct db *h, char *err, size_t errlen)
{
    static const char sql[] = "SELECT datcollate, pg_encoding_to_char(encoding)"
                              " FROM pg_database WHERE datname = current_database()";
    struct db_stmt *st = db_prepare(h, sql);
    int rc = -1;

    if (st == NULL || db_step(st) != DB_ROW) {
        set_err(err, errlen, "cannot read the database's settings: %s", db_errmsg(h));
        goto out;
    }
    if (strcmp(db_col_text(st, 1), "UTF8") != 0) {
        set_err(err, errlen, "the database's encoding is %s; shenbao needs UTF8",
                db_col_text(st, 1));
        goto out;
    }
    if (strcmp(db_col_text(st, 0), "C") != 0 && strcmp(db_col_text(st, 0), "POSIX") != 0) {
        set_err(err, errlen,
                "the database's collation is %s; shenbao needs C (CREATE DATABASE … "
                "TEMPLATE template0 ENCODING 'UTF8' LC_COLLATE 'C' LC_CTYPE 'C')",
                db_col_text(st, 0));
        goto out;
    }
    rc = 0;
out:
    db_done(st);
    return rc;
}

struct store_pg *store_pg_open(const char *uri, bool readonly, char *err, size_t errlen)
{
    struct store_pg *p = calloc(1, sizeof *p);
    struct db *h = NULL;

    if (p == NULL || (p->uri = strdup(uri)) == NULL) {
        free(p);
        set_err(err, errlen, "out of memory");
        return NULL;
    }
    p->flags = readonly ? DB_READONLY : 0;
    pthread_mutex_init(&p->mu, NULL);
    pthread_cond_init(&p->writer_free, NULL);
    if (pthread_key_create(&p->reader_key, reader_release) != 0)
        goto fail_keys;
    p->keys_made++;
    if (pthread_key_create(&p->writing_key, NULL) != 0)
        goto fail_keys;
    p->keys_made++;
    h = db_open(uri, p->flags, err, errlen);
    if (h == NULL || check_database(h, err, errlen) != 0)
        goto fail;
    p->idle[p->n_idle++] = h;
    p->n_open = 1;
    return p;
fail_keys:
    set_err(err, errlen, "cannot create thread keys");
fail:
    db_close(h);
    store_pg_free(p);
    return NULL;
}

void store_pg_free(struct store_pg *p)
{
    struct reader *next;

    if (p == NULL)
        return;
    if (p->keys_made > 0)
        pthread_key_delete(p->reader_key);
    if (p->keys_made > 1)
        pthread_key_delete(p->writing_key);
    for (struct reader *r = p->readers; r != NULL; r = next) {
        next = r->next;
        db_close(r->h);
        free(r);
    }
    for (int i = 0; i < p->n_idle; i++)
        db_close(p->idle[i]);
    pthread_cond_destroy(&p->writer_free);
    pthread_mutex_destroy(&p->mu);
    free(p->uri);
    free(p);
}

/* ---- migrations -------------------------------------------------------- */

/* The version of a migration file: its leading digits, which a '_'
 * follows.  -1 when the name has none. */
static int migration_version(const char *name)
{
    const char *q = name;
    long v = 0;

    for (; *q >= '0' && *q <= '9'; q++) {
        v = v * 10 + (*q - '0');
        if (v > INT_MAX)
            return -1;
    }
    if (q == name || *q != '_')
        return -1;
    return (int)v;
}

static const char sql_migrations_table[] = "CREATE TABLE IF NOT EXISTS schema_migrations ("
                                           " version bigint PRIMARY KEY,"
                                           " name text NOT NULL,"
                                           " applied_at text NOT NULL)";

/* The highest applied version on h, 0 before any; -1 on failure. */
static int read_version(struct db *h)
{
    static const char sql_exists[] = "SELECT to_regclass('schema_migrations') IS NOT NULL";
    static const char sql_max[] = "SELECT coalesce(max(version), 0) FROM schema_migrations";
    int64_t exists = 0;
    int64_t v = -1;

    if (db_one_int64(db_prepare(h, sql_exists), &exists) != DB_OK)
        return -1;
    if (!exists)
        return 0;
    if (db_one_int64(db_prepare(h, sql_max), &v) != DB_OK)
        return -1;
    return (int)v;
}

struct migration_run {
    const struct embedded_file *m;
    int version;
    int applied; /* 1 when this run applied it */
    char *err;
    size_t errlen;
};

static enum store_rc migrate_one(struct db *h, void *ctx)
{
    static const char sql_applied[] = "SELECT count(*) FROM schema_migrations WHERE version = ?1";
    static const char sql_record[] =
        "INSERT INTO schema_migrations (version, name, applied_at)"
        " VALUES (?1, ?2, to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'))";
    struct migration_run *run = ctx;
    struct db_stmt *st;
    int64_t n = 0;

    run->applied = 0;
    if (db_exec_script(h, sql_migrations_table) != DB_OK)
        goto fail;
    st = db_prepare(h, sql_applied);
    if (st == NULL)
        goto fail;
    db_bind_int64(st, 1, run->version);
    if (db_one_int64(st, &n) != DB_OK)
        goto fail;
    if (n > 0)
        return STORE_OK; /* another server applied it first */
    if (db_exec_script(h, run->m->data) != DB_OK)
        goto fail;
    st = db_prepare(h, sql_record);
    if (st == NULL)
        goto fail;
    db_bind_int64(st, 1, run->version);
    db_bind_text(st, 2, run->m->name);
    if (db_exec(st) != DB_OK)
        goto fail;
    run->applied = 1;
    return STORE_OK;
fail:
    set_err(run->err, run->errlen, "migration %s: %s", run->m->name, db_errmsg(h));
    return STORE_ERROR;
}

/* Every migration has its PostgreSQL twin of the same name, and only those:
 * the two schemas move together. */
static int check_twins(char *err, size_t errlen)
{
    const struct embedded_file *a = embedded_migrations;
    const struct embedded_file *b = embedded_migrations_pg;

    for (; a->name != NULL && b->name != NULL; a++, b++)
        if (strcmp(a->name, b->name) != 0)
            break;
    if (a->name == NULL && b->name == NULL)
        return 0;
    set_err(err, errlen,
            "migration %s has no PostgreSQL twin in migrations/pg/ (or %s no SQLite one)",
            a->name ? a->name : "-", b->name ? b->name : "-");
    return -1;
}

int store_pg_migrate(struct store_pg *p, int *applied, char *err, size_t errlen)
{
    struct db *h;
    int known = 0;
    int have;
    int count = 0;
    int rc = -1;

    if (applied != NULL)
        *applied = 0;
    if (check_twins(err, errlen) != 0)
        return -1;
    for (const struct embedded_file *m = embedded_migrations_pg; m->name; m++) {
        int v = migration_version(m->name);
        if (v <= known) {
            set_err(err, errlen, "migration %s is not numbered after the one before it", m->name);
            return -1;
        }
        known = v;
    }
    h = writer_take(p);
    if (h == NULL) {
        set_err(err, errlen, "cannot connect to PostgreSQL");
        return -1;
    }
    have = read_version(h);
    if (have < 0) {
        set_err(err, errlen, "cannot read the schema version: %s", db_errmsg(h));
        goto out;
    }
    if (have > known) {
        set_err(err, errlen,
                "database schema version %d is newer than this shenbao (knows up to %d)", have,
                known);
        goto out;
    }
    for (const struct embedded_file *m = embedded_migrations_pg; m->name; m++) {
        struct migration_run run = {
            .m = m, .version = migration_version(m->name), .err = err, .errlen = errlen};

        if (run.version <= have)
            continue;
        if (db_transaction_serial(h, STORE_PG_LOCK_MIGRATE, migrate_one, &run) != STORE_OK) {
            if (err != NULL && err[0] == '\0')
                set_err(err, errlen, "migration %s failed: %s", m->name, db_errmsg(h));
            goto out;
        }
        count += run.applied;
    }
    rc = 0;
out:
    writer_give(p, h);
    if (applied != NULL)
        *applied = count;
    return rc;
}

int store_pg_schema_version(struct store_pg *p)
{
    struct db *h = writer_take(p);
    int v;

    if (h == NULL)
        return -1;
    v = read_version(h);
    writer_give(p, h);
    return v;
}

bool store_pg_ping(struct store_pg *p)
{
    static const char sql[] = "SELECT 1";
    int64_t one = 0;

    return db_one_int64(db_prepare(store_pg_reader(p), sql), &one) == DB_OK && one == 1;
}

bool store_pg_writable(struct store_pg *p)
{
    /* A standby answers reads but refuses writes: after a failover the
     * old primary may come back as one.  A primary made read-only (for
     * maintenance, or by a failover manager fencing it) refuses them too. */
    static const char sql[] = "SELECT NOT pg_is_in_recovery()"
                              " AND current_setting('default_transaction_read_only') = 'off'";
    struct db *h = writer_take(p);
    int64_t ok = 0;

    if (h == NULL)
        return false;
    if (db_one_int64(db_prepare(h, sql), &ok) != DB_OK)
        ok = 0;
    writer_give(p, h);
    return ok == 1;
}

int64_t store_pg_bytes(struct store_pg *p)
{
    static const char sql[] = "SELECT pg_database_size(current_database())";
    int64_t n = 0;

    if (db_one_int64(db_prepare(store_pg_reader(p), sql), &n) != DB_OK)
        return 0;
    return n;
}

bool store_pg_alone(struct store_pg *p, int64_t lock, void (*fn)(void *ctx), void *ctx)
{
    static const char sql_try[] = "SELECT pg_try_advisory_lock(?1)";
    static const char sql_unlock[] = "SELECT pg_advisory_unlock(?1)";
    struct db *h = store_pg_reader(p);
    struct db_stmt *st = db_prepare(h, sql_try);
    int64_t got = 0;

    if (st == NULL)
        return false;
    db_bind_int64(st, 1, lock);
    if (db_one_int64(st, &got) != DB_OK || !got)
        return false;
    fn(ctx);
    /* fn reads on this thread's reader too; should the connection have
     * been lost meanwhile, so was the lock, and there is none to give up. */
    h = store_pg_reader(p);
    st = db_prepare(h, sql_unlock);
    if (st != NULL) {
        db_bind_int64(st, 1, lock);
        db_one_int64(st, &got);
    }
    return true;
}
