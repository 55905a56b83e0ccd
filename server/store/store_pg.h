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
struct store_pg *store_pg_open(const char *uri, char *err, size_t errlen);
void store_pg_free(struct store_pg *p);

/* This thread's read connection (autocommit; each statement sees what is
 * committed when it starts); given back to the pool when the thread ends. */
struct db *store_pg_reader(struct store_pg *p);

/* Runs fn in a serializable transaction on a writer taken from the pool
 * (db_transaction(): retried on serialization failures and deadlocks).
 * STORE_ERROR when the thread is inside a write on p already. */
enum store_rc store_pg_write(struct store_pg *p, db_tx_fn fn, void *ctx);

/* As store_migrate() and the others of store.h. */
int store_pg_migrate(struct store_pg *p, int *applied, char *err, size_t errlen);
int store_pg_schema_version(struct store_pg *p);
bool store_pg_ping(struct store_pg *p);
bool store_pg_writable(struct store_pg *p);
int64_t store_pg_bytes(struct store_pg *p);

#endif
