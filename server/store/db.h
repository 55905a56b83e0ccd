/*
 * The store's access to its database: one small interface that SQLite and
 * PostgreSQL (libpq) both implement, so a query is written once.
 *
 * A struct db is one connection, used by one thread at a time.  A statement
 * is prepared once per connection and cached by the address of its SQL
 * text (so pass a static string), as store.c has always done; binding is by
 * position, a row is read column by column, and db_done() gives the
 * statement back for its next use.
 *
 * Dialect rules (docs/POSTGRESQL.md has them all):
 *   - Placeholders are written ?1 … ?N.  On PostgreSQL they become $1 … $N
 *     when the statement is prepared; a '?' that no digit follows (jsonb's
 *     operator) and anything inside quotes or comments stay as written.
 *   - Where the dialects disagree (upserts that name the conflict target
 *     differently, json functions, AUTOINCREMENT against identity, date
 *     arithmetic), db_prepare_pg() takes a PostgreSQL variant beside the
 *     SQLite text; both are static strings and the one used is the key.
 *   - Integers are int64 on both sides (bigint in PostgreSQL), booleans are
 *     the integers 0 and 1, texts are UTF-8, binary values are blobs
 *     (bytea).  A column that PostgreSQL returns as boolean (EXISTS) reads
 *     as 0 or 1 through db_col_int64().
 *
 * Errors are logged by the layer, once, with the engine's message; a unique
 * violation is not an error but an answer (DB_CONFLICT, not logged), and a
 * serialization failure, a deadlock or a lock still busy after the wait
 * (DB_RETRY) is what the transaction runner answers by running the
 * transaction again.
 */
#ifndef SB_DB_H
#define SB_DB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "store.h"

enum db_engine {
    DB_SQLITE,
    DB_POSTGRESQL,
};

enum db_rc {
    DB_OK = 0,   /* done: the statement has no (more) rows, or the call worked */
    DB_ROW,      /* db_step(): a row is ready to read */
    DB_CONFLICT, /* a unique or primary key is taken (not logged) */
    DB_RETRY,    /* serialization failure, deadlock, lock busy: run the transaction again */
    DB_ERROR,    /* anything else; logged */
};

struct db;      /* one connection */
struct db_stmt; /* a prepared statement of one connection */

/* ---- connections ------------------------------------------------------- */

#define DB_READONLY 1u /* SQLite: open read-only; PostgreSQL: read-only sessions */
#define DB_CREATE   2u /* SQLite: create the file when missing */

/* Whether target names a PostgreSQL database ("postgresql://…" or
 * "postgres://…", libpq's URI) rather than an SQLite file. */
bool db_is_postgresql(const char *target);

/* SQLite's settings for the whole process, made once before its first
 * connection opens (every opener calls this): no count of the memory it
 * allocates, which it would keep under one mutex that every connection's
 * every allocation takes (under concurrent writes, a quarter of all the
 * server's futex calls). */
void db_sqlite_setup(void);

/* Opens a connection: an SQLite file (foreign keys on, a busy timeout, WAL
 * when writable) or a PostgreSQL URI (client encoding UTF-8, notices kept
 * quiet).  NULL with a one-line reason in err on failure. */
struct db *db_open(const char *target, unsigned flags, char *err, size_t errlen);

/* A struct db over an SQLite connection that someone else opened and will
 * close (store.c's connections); db_close() then finalizes only the
 * statements it prepared. */
struct sqlite3;
struct db *db_sqlite_borrow(struct sqlite3 *handle);

/* Finalizes every cached statement and closes the connection (unless it was
 * borrowed).  NULL is allowed. */
void db_close(struct db *d);

enum db_engine db_engine(const struct db *d);

/* False when the connection is known to be lost (PostgreSQL: the server went
 * away); a pool drops such a connection instead of reusing it. */
bool db_alive(struct db *d);

/* ---- statements -------------------------------------------------------- */

/* The statement for sql on d, prepared on first use and cached by the
 * address of sql, ready to bind.  NULL on failure (logged), or when the
 * statement is still being stepped (a query re-entered from its own
 * callback).  Give it back with db_done(). */
struct db_stmt *db_prepare(struct db *d, const char *sql);

/* The same with a PostgreSQL variant: pg_sql (also with ?N placeholders) is
 * prepared on PostgreSQL, sql on SQLite. */
struct db_stmt *db_prepare_pg(struct db *d, const char *sql, const char *pg_sql);

/* Binding, by position from 1.  Nothing is copied: text and blobs must stay
 * valid until db_done().  A failed bind (a position out of range) is
 * remembered and makes the next db_step() fail, so a query binds its row of
 * parameters and checks only the step. */
void db_bind_int64(struct db_stmt *st, int i, int64_t v);
void db_bind_text(struct db_stmt *st, int i, const char *s); /* NULL binds NULL */
/* Text, or NULL when s is NULL or "" (a struct field's "none"). */
void db_bind_opt(struct db_stmt *st, int i, const char *s);
void db_bind_blob(struct db_stmt *st, int i, const void *p, size_t n);
void db_bind_null(struct db_stmt *st, int i);

/* Runs the statement (on the first call) and moves to its next row: DB_ROW,
 * DB_OK when there are no more, or a failure. */
enum db_rc db_step(struct db_stmt *st);

/* Columns of the current row, from 0.  Text and blobs stay valid until the
 * next db_step() or db_done(). */
bool db_col_null(struct db_stmt *st, int i);
int64_t db_col_int64(struct db_stmt *st, int i);    /* NULL reads as 0 */
const char *db_col_text(struct db_stmt *st, int i); /* NULL when the column is */
size_t db_col_bytes(struct db_stmt *st, int i);     /* of text or blob */
const void *db_col_blob(struct db_stmt *st, int i, size_t *n);
/* Copies text column i into buf (NULL becomes ""), as valid UTF-8: text too
 * long is cut at a character and broken sequences read as U+FFFD, either
 * logged.  As store_col_text(). */
void db_col_text_copy(struct db_stmt *st, int i, char *buf, size_t len);
/* Sets *out to a new string (caller frees) of text column i, whole and
 * valid UTF-8; a NULL column gives a copy of if_null, or NULL.  0, or -1
 * when memory runs out (logged).  As store_col_dup(). */
int db_col_text_dup(struct db_stmt *st, int i, const char *if_null, char **out);

/* Ends the statement's run and clears its bindings, so it can be used
 * again.  NULL is allowed. */
void db_done(struct db_stmt *st);

/* For statements that return no row (or whose rows do not matter): steps
 * st to its end and gives it back.  NULL st is DB_ERROR. */
enum db_rc db_exec(struct db_stmt *st);

/* As db_exec(), for a statement whose failure the caller answers and after
 * which the transaction goes on (a conflict that means "already there").
 * SQLite undoes a failed statement and nothing else; PostgreSQL aborts the
 * whole transaction, so there the statement runs inside a savepoint that is
 * rolled back when it fails.  Outside a transaction it is db_exec().
 * (An insert can often say ON CONFLICT DO NOTHING instead, in both.) */
enum db_rc db_exec_guarded(struct db_stmt *st);

/* For a query of one integer (a count, EXISTS): its first row's first
 * column into *out, and st given back.  No row is DB_ERROR (logged). */
enum db_rc db_one_int64(struct db_stmt *st, int64_t *out);

/* How many rows the last run of st inserted, updated or deleted; read it
 * before db_done().  (For the id of an inserted row, both dialects have
 * INSERT … RETURNING id, read with db_one_int64().) */
int64_t db_changes(struct db_stmt *st);

/* As db_exec(), and *changed (may be NULL) gets db_changes() of the run. */
enum db_rc db_exec_changes(struct db_stmt *st, int64_t *changed);

/* A query of at most one row after its first db_step(): the row is
 * STORE_OK, no row STORE_NOT_FOUND, a failure db_store_rc()'s code. */
enum store_rc db_row_rc(enum db_rc step);

/* Runs SQL text of one or more statements, without parameters and without
 * caching (migrations, settings).  On PostgreSQL the text is sent as it is:
 * no placeholder is translated. */
enum db_rc db_exec_script(struct db *d, const char *sql);

/* The engine's last message on d ("" when none). */
const char *db_errmsg(struct db *d);

/* Logs a failure as the store logs its errors: `what`, and with d (may be
 * NULL) the engine's last message. */
void db_log(struct db *d, const char *what);

/* Maps a finished step or call to the store's codes: DB_OK and DB_ROW to
 * STORE_OK, DB_CONFLICT to STORE_CONFLICT, the rest to STORE_ERROR (logged
 * already). */
enum store_rc db_store_rc(enum db_rc rc);

/* ---- transactions ------------------------------------------------------ */

/* BEGIN IMMEDIATE on SQLite (the single writer's lock, taken at once);
 * BEGIN ISOLATION LEVEL SERIALIZABLE on PostgreSQL. */
enum db_rc db_begin(struct db *d);
enum db_rc db_commit(struct db *d);
/* Rolls back the open transaction; nothing when there is none. */
enum db_rc db_rollback(struct db *d);
bool db_in_transaction(struct db *d);

/* Savepoints inside a transaction; name is an identifier ([a-z_0-9]). */
enum db_rc db_savepoint(struct db *d, const char *name);
enum db_rc db_release(struct db *d, const char *name);
enum db_rc db_rollback_to(struct db *d, const char *name);

/* Whether the current (or last) transaction on d met DB_RETRY.  Sticky
 * until the next db_begin(): a query that turned the failure into
 * STORE_ERROR, or a caller that turned that into something else, cannot
 * hide it from the runner. */
bool db_must_retry(struct db *d);

/* How often db_transaction() runs a transaction at most. */
#define DB_TX_ATTEMPTS 8

/* Runs fn in a transaction on d: begins, calls fn, commits when fn returns
 * STORE_OK and rolls back otherwise.  When the transaction met a
 * serialization failure or a deadlock (at any statement or at the commit)
 * it is rolled back and run again, after a short random wait that doubles
 * each time, up to DB_TX_ATTEMPTS times in all; so fn must leave nothing
 * behind but its writes (it may run more than once; only the last run's
 * effects count).  Returns fn's result, or STORE_ERROR. */
typedef enum store_rc (*db_tx_fn)(struct db *d, void *ctx);
enum store_rc db_transaction(struct db *d, db_tx_fn fn, void *ctx);

/* Runs fn as db_transaction() does, but one at a time among all the
 * connections, in any process, that use the same lock_key: on PostgreSQL a
 * session advisory lock is taken before BEGIN, so that the transaction's
 * snapshot, taken at its first statement, already sees the commit of the
 * last holder (an advisory lock taken inside a serializable transaction
 * would come after its snapshot), and given up after the transaction ends.
 * On SQLite the single writer already is such a lock.  For work that is a
 * chain by nature (migrations, the log head): it runs without retries
 * instead of colliding. */
enum store_rc db_transaction_serial(struct db *d, int64_t lock_key, db_tx_fn fn, void *ctx);

/* ---- large values, streamed ------------------------------------------- */

/*
 * A value too large to hold in memory at once (a 20 MiB material) is
 * written and read in pieces.  On SQLite it is BLOB column `column` of the
 * row `id` (the rowid) of `table`, made with zeroblob(size) by the insert
 * and filled through incremental blob I/O.  On PostgreSQL it is the rows of
 * the table `<table>_<column>` (owner bigint REFERENCES table ON DELETE
 * CASCADE, seq, data bytea), one row per DB_BLOB_PIECE bytes: ordinary rows
 * that transactions, foreign keys, pg_dump and every kind of replication
 * carry, with no whole-value rewrite per piece (docs/POSTGRESQL.md says why
 * not large objects).  Table and column are static identifiers.
 */
#define DB_BLOB_PIECE (1 << 20)

struct db_blob;

/* Opens the value for writing, in a write transaction, after the row was
 * inserted: size bytes are to be written, in order.  NULL on failure. */
struct db_blob *db_blob_create(struct db *d, const char *table, const char *column, int64_t id,
                               int64_t size);
/* Opens the value for reading; *size gets its length.  Outside a
 * transaction, PostgreSQL reads every piece from one snapshot.  NULL on
 * failure (logged), or with *size -1 when there is no such value. */
struct db_blob *db_blob_open(struct db *d, const char *table, const char *column, int64_t id,
                             int64_t *size);
/* Appends n bytes to a value opened by db_blob_create(). */
enum db_rc db_blob_write(struct db_blob *b, const void *p, size_t n);
/* Reads n bytes at offset (the range must lie inside the value). */
enum db_rc db_blob_read(struct db_blob *b, int64_t offset, void *p, size_t n);
/* Closes b; for a value being written, what is buffered is written and
 * fewer bytes than announced is DB_ERROR.  NULL is allowed. */
enum db_rc db_blob_close(struct db_blob *b);

/* ---- where the store's query files get a connection -------------------- */

/* This thread's read connection to s (opened on first use); NULL when it
 * cannot be had (logged). */
struct db *store_db(struct store *s);
/* The connection of an open write transaction. */
struct db *store_tx_db(struct store_tx *tx);

/* ---- rows more than one query file reads -------------------------------- */

/* An account's columns in the order store_account_from_row() reads them,
 * each after P (a table's alias and its dot, or ""); a query that selects
 * more has them from ACCOUNT_NEXT_COLUMN on. */
#define ACCOUNT_COLUMNS_OF(P)                                                                      \
    P "id, " P "role, " P "name, " P "uscc, " P "unit, " P "authority, " P "created_at, " P        \
      "email, " P "direct"
#define ACCOUNT_NEXT_COLUMN 9
void store_account_from_row(struct db_stmt *st, struct account *a);

#endif
