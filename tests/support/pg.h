/*
 * PostgreSQL for the unit tests: a throwaway cluster (tools/pg-scratch) and
 * a fresh database per test.
 */
#ifndef SB_TEST_PG_H
#define SB_TEST_PG_H

/* The URI of the cluster the tests use: $SHENBAO_TEST_PG when set
 * (tools/test starts one cluster for the whole run), else a cluster started
 * now with tools/pg-scratch ($PG_SCRATCH, which meson sets) and stopped
 * when the process exits.  Fails the running test when neither works. */
const char *support_pg_cluster(void);

/* The same for main(), before any test runs, so that tests forked by Check
 * share one cluster: 0, or -1 with the reason on stderr. */
int support_pg_start(void);

/* A new empty database on that cluster (UTF-8, collation C), as a URI the
 * store and libpq take.  support_pg_db_free() drops it and frees uri. */
char *support_pg_db(void);
void support_pg_db_free(char *uri);

#endif
