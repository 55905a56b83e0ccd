/*
 * What db.c shares with the two engines behind it (db_sqlite.c, db_pg.c):
 * the connection and statement each engine extends, and the table of its
 * functions.  db.c holds everything both have in common: the statement
 * cache, bind-failure bookkeeping, logging, the transaction runner.
 */
#ifndef SB_DB_IMPL_H
#define SB_DB_IMPL_H

#include "db.h"

struct db_slot {
    const char *key; /* the address of a static SQL string */
    struct db_stmt *st;
};

/* One engine: a table of functions, as the kinds and routes are. */
struct db_backend {
    enum db_engine engine;
    const char *name; /* "SQLite", "PostgreSQL" */
    void (*close)(struct db *d);
    /* A new statement for sql (not cached; db.c caches it). */
    struct db_stmt *(*prepare)(struct db *d, const char *sql);
    void (*finalize)(struct db_stmt *st);
    /* Binds return 0, or -1 for a position out of range. */
    int (*bind_int64)(struct db_stmt *st, int i, int64_t v);
    int (*bind_text)(struct db_stmt *st, int i, const char *s);
    int (*bind_blob)(struct db_stmt *st, int i, const void *p, size_t n);
    int (*bind_null)(struct db_stmt *st, int i);
    enum db_rc (*step)(struct db_stmt *st);
    bool (*col_null)(struct db_stmt *st, int i);
    int64_t (*col_int64)(struct db_stmt *st, int i);
    const char *(*col_text)(struct db_stmt *st, int i);
    size_t (*col_bytes)(struct db_stmt *st, int i);
    const void *(*col_blob)(struct db_stmt *st, int i, size_t *n);
    const char *(*col_name)(struct db_stmt *st, int i);
    int64_t (*changes)(struct db_stmt *st);
    void (*reset)(struct db_stmt *st);
    enum db_rc (*exec_script)(struct db *d, const char *sql);
    const char *(*errmsg)(struct db *d);
    bool (*in_transaction)(struct db *d);
    bool (*alive)(struct db *d);
    const char *sql_begin; /* what db_begin() runs */
    struct db_blob *(*blob_create)(struct db *d, const char *table, const char *column, int64_t id,
                                   int64_t size);
    struct db_blob *(*blob_open)(struct db *d, const char *table, const char *column, int64_t id,
                                 int64_t *size);
    enum db_rc (*blob_write)(struct db_blob *b, const void *p, size_t n);
    enum db_rc (*blob_read)(struct db_blob *b, int64_t offset, void *p, size_t n);
    enum db_rc (*blob_close)(struct db_blob *b);
};

/* Each engine's connection begins with this. */
struct db {
    const struct db_backend *be;
    /* The statement cache: open addressing on the key's address; cap is 0
     * or a power of two, kept at most half full. */
    struct db_slot *slots;
    size_t cap;
    size_t n;
    bool retry; /* the transaction met DB_RETRY (sticky until db_begin) */
};

/* Each engine's statement begins with this. */
struct db_stmt {
    struct db *d;
    const char *sql; /* as given, for messages */
    bool bind_failed;
    bool busy; /* stepped and not yet given back */
};

struct db_blob {
    struct db *d;
};

extern const struct db_backend db_sqlite_backend;
extern const struct db_backend db_pg_backend;

/* The engines' openers, called by db_open(). */
struct db *db_sqlite_open(const char *path, unsigned flags, char *err, size_t errlen);
struct db *db_pg_open(const char *uri, unsigned flags, char *err, size_t errlen);

/* Sets up the common part of a new connection. */
void db_init(struct db *d, const struct db_backend *be);
/* Finalizes every cached statement (before an engine closes d). */
void db_cache_clear(struct db *d);

/* Whether name is a plain identifier ([a-z_][a-z_0-9]*, at most 48
 * characters), safe to put into SQL text. */
bool db_identifier(const char *name);

/* Writes sql into out (cap bytes) with every placeholder ?N written $N,
 * outside quotes and comments; *nparams gets the highest N, and used (may
 * be NULL; DB_PG_PARAMS_MAX / 8 bytes, zeroed by the caller) a bit for each
 * N that appears.  A '?' that no digit follows stays (jsonb's operator).
 * -1 when out is too small or N is out of range. */
#define DB_PG_PARAMS_MAX 65536
int db_pg_translate(const char *sql, char *out, size_t cap, int *nparams, unsigned char *used);

#endif
