/*
 * What the store's own files share: connections, the statement cache,
 * binding and column helpers, error reporting.  Nothing outside
 * server/store/ (and the store's unit test) includes this.
 */
#ifndef SB_STORE_IMPL_H
#define SB_STORE_IMPL_H

#include <sqlite3.h>

#include "store.h"

/* One SQLite connection with its cache of prepared statements.  Used by one
 * thread at a time: the writer under the store's write mutex, a reader by
 * the thread it belongs to. */
struct conn;

/* This thread's read connection for s, opened on first use.  NULL when it
 * cannot be opened (logged). */
struct conn *store_reader(struct store *s);

/* The writer connection of an open transaction. */
struct conn *store_tx_conn(struct store_tx *tx);

sqlite3 *store_conn_db(struct conn *c);

/* The statement for `sql` on c, prepared on first use and cached by the
 * address of `sql` (so pass a static string), reset and ready to bind.
 * NULL on failure (logged).  Give it back with store_stmt_done(). */
sqlite3_stmt *store_stmt(struct conn *c, const char *sql);

/* Resets st and clears its bindings, ending any read it holds open. */
void store_stmt_done(sqlite3_stmt *st);

/* For a query of one integer (a count, EXISTS): given st from store_stmt()
 * (NULL is an error) and `bound`, the OR of its bind results, steps it, puts
 * the first column of the row into *out, and gives st back. */
enum store_rc store_one_int(struct conn *c, sqlite3_stmt *st, const char *sql, int bound,
                            int64_t *out);

/* Maps the result of a failed or finished sqlite3_step() (or bind) on c:
 * SQLITE_DONE/SQLITE_OK to STORE_OK, a unique or primary key violation to
 * STORE_CONFLICT (not logged: it is an answer, not a fault), anything else
 * to STORE_ERROR, logged with SQLite's message and `what`. */
enum store_rc store_rc(struct conn *c, int rc, const char *what);

/* Logs an error of the store as one line.  `db` (may be NULL) adds SQLite's
 * message and extended error code. */
void store_log_error(sqlite3 *db, const char *what);

/* Binding: these return SQLite codes like sqlite3_bind_*(), so a query ORs
 * a row of binds together and compares the result with SQLITE_OK (any
 * failure leaves it nonzero; the connection keeps the message). */

/* Binds text, or NULL when s is NULL. */
int store_bind_text(sqlite3_stmt *st, int i, const char *s);
/* Binds text, or NULL when s is NULL or "": for optional columns whose
 * struct field uses "" for "none". */
int store_bind_opt(sqlite3_stmt *st, int i, const char *s);
/* Copies text column i into buf (NULL becomes ""), as valid UTF-8: text
 * too long is cut at a character, broken sequences read as U+FFFD, and
 * either is logged (struct fields are sized so that neither happens to
 * what the server wrote). */
void store_col_text(sqlite3_stmt *st, int i, char *buf, size_t len);
/* Sets *out to a new string (caller frees) of text column i, whole and as
 * valid UTF-8 (broken sequences read as U+FFFD, logged); a NULL column
 * gives a copy of if_null, or NULL when if_null is NULL.  0, or -1 when
 * memory runs out (logged). */
int store_col_dup(sqlite3_stmt *st, int i, const char *if_null, char **out);

/* The listing statement store_app_list() runs for f, exposed so a test can
 * check its query plan.  NULL for an invalid filter. */
const char *store_app_list_sql(const struct app_filter *f);

#endif
