/*
 * A store on PostgreSQL: the connections and transactions behind struct
 * store when its target is a postgresql:// URI (store.c hands these calls
 * over).  Nothing outside server/store/ includes this.
 */
#ifndef SB_STORE_PG_H
#define SB_STORE_PG_H

#include "db.h"

struct store_pg;

/* Connects once to check the database (UTF-8, the "C" collation, which
 * makes text order byte order as in SQLite) and keeps that connection as
 * the first writer.  NULL with err on failure. */
struct store_pg *store_pg_open(const char *uri, bool readonly, char *err, size_t errlen);
void store_pg_free(struct store_pg *p);

/* This thread's read connection (autocommit; each statement sees what is
 * committed when it starts); given back to the pool when the thread ends. */
struct db *store_pg_reader(struct store_pg *p);

/* Runs fn in a serializable transaction on a writer taken from the pool
 * (db_transaction(): retried on serialization failures and deadlocks);
 * with lock not 0, one at a time among every server that uses that lock
 * (db_transaction_serial()).  STORE_ERROR when the thread is inside a
 * write on p already. */
enum store_rc store_pg_write(struct store_pg *p, int64_t lock, db_tx_fn fn, void *ctx);

/* The advisory lock of each kind of work that runs one at a time: "shenbao"
 * and a number. */
#define STORE_PG_LOCK(n)      (INT64_C(0x7368656e62616f00) | (n))
#define STORE_PG_LOCK_MIGRATE STORE_PG_LOCK(1)
#define STORE_PG_LOCK_LOG     STORE_PG_LOCK(2)

/* Runs fn unless another session holds lock: on this thread's reader, a
 * session advisory lock tried (never waited for) and given up after fn.
 * True when fn ran.  A server that dies holding it loses it with its
 * connection. */
bool store_pg_alone(struct store_pg *p, int64_t lock, void (*fn)(void *ctx), void *ctx);

/* As store_migrate() and the others of store.h. */
int store_pg_migrate(struct store_pg *p, int *applied, char *err, size_t errlen);
int store_pg_schema_version(struct store_pg *p);
bool store_pg_ping(struct store_pg *p);
bool store_pg_writable(struct store_pg *p);
int64_t store_pg_bytes(struct store_pg *p);

/* store_backup() and store_restore() on PostgreSQL (backup_pg.c): pg_dump
 * and pg_restore, run for the operator. */
int store_backup_pg(const char *uri, const char *to, char *err, size_t errlen);
int store_restore_pg(const char *uri, const char *from, int known_version, char *err,
                     size_t errlen);

#endif
