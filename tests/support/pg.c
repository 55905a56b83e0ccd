/*
 * PostgreSQL for the unit tests; see pg.h.
 */
#include "pg.h"

#include <check.h>
#include <stdbool.h>
#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char *cluster;    /* the URI */
static pid_t started_by; /* the process that stops it at exit; 0: not ours */

static void stop_cluster(void)
{
    char cmd[4096];
    const char *script = getenv("PG_SCRATCH");

    /* Check's forked children inherit the handler: only the process that
     * started the cluster stops it. */
    if (started_by != getpid() || script == NULL)
        return;
    snprintf(cmd, sizeof cmd, "'%s' stop '%s'", script, cluster);
    if (system(cmd) != 0)
        fprintf(stderr, "could not stop the test cluster %s\n", cluster);
}

/* Finds or starts the cluster; NULL with why on failure.  No Check
 * assertion here: main() calls it before any test runs. */
static const char *find_cluster(const char **why)
{
    const char *env = getenv("SHENBAO_TEST_PG");
    const char *script = getenv("PG_SCRATCH");
    char cmd[4096], line[4096];
    FILE *p;
    int rc;

    if (cluster != NULL)
        return cluster;
    if (env != NULL && env[0] != '\0') {
        cluster = strdup(env);
        *why = "out of memory";
        return cluster;
    }
    if (script == NULL) {
        *why = "neither SHENBAO_TEST_PG (a cluster's URI) nor PG_SCRATCH (tools/pg-scratch) is set";
        return NULL;
    }
    snprintf(cmd, sizeof cmd, "'%s' start --while %ld", script, (long)getpid());
    p = popen(cmd, "r");
    if (p == NULL) {
        *why = "cannot run tools/pg-scratch";
        return NULL;
    }
    if (fgets(line, sizeof line, p) == NULL)
        line[0] = '\0';
    rc = pclose(p);
    if (rc != 0 || strncmp(line, "postgresql://", 13) != 0) {
        *why = "tools/pg-scratch start failed (is PostgreSQL installed? tools/install-deps --test)";
        return NULL;
    }
    line[strcspn(line, "\n")] = '\0';
    cluster = strdup(line);
    if (cluster == NULL) {
        *why = "out of memory";
        return NULL;
    }
    started_by = getpid();
    atexit(stop_cluster);
    return cluster;
}

int support_pg_start(void)
{
    const char *why = "";

    if (find_cluster(&why) != NULL)
        return 0;
    fprintf(stderr, "PostgreSQL for the tests: %s\n", why);
    return -1;
}

const char *support_pg_cluster(void)
{
    const char *why = "";
    const char *uri = find_cluster(&why);

    ck_assert_msg(uri != NULL, "PostgreSQL for the tests: %s", why);
    return uri;
}

/* The cluster's URI with its database name replaced by name. */
static char *uri_with_db(const char *uri, const char *name)
{
    const char *path = strstr(uri, "://");
    const char *q;
    char *out;
    size_t n;

    ck_assert_ptr_nonnull(path);
    path = strchr(path + 3, '/');
    ck_assert_ptr_nonnull(path);
    q = strchr(path, '?');
    n = strlen(uri) + strlen(name) + 2;
    out = malloc(n);
    ck_assert_ptr_nonnull(out);
    snprintf(out, n, "%.*s/%s%s", (int)(path - uri), uri, name, q ? q : "");
    return out;
}

static void run(const char *sql)
{
    PGconn *c = PQconnectdb(support_pg_cluster());
    PGresult *r;

    ck_assert_msg(PQstatus(c) == CONNECTION_OK, "%s", PQerrorMessage(c));
    r = PQexec(c, sql);
    ck_assert_msg(PQresultStatus(r) == PGRES_COMMAND_OK, "%s: %s", sql, PQerrorMessage(c));
    PQclear(r);
    PQfinish(c);
}

char *support_pg_db(void)
{
    static unsigned n;
    char name[64], sql[256];

    snprintf(name, sizeof name, "t%ld_%u", (long)getpid(), ++n);
    snprintf(sql, sizeof sql,
             "CREATE DATABASE %s TEMPLATE template0 ENCODING 'UTF8' LC_COLLATE 'C' LC_CTYPE 'C'",
             name);
    run(sql);
    return uri_with_db(support_pg_cluster(), name);
}

void support_pg_db_free(char *uri)
{
    const char *path, *end;
    char sql[256];

    if (uri == NULL)
        return;
    path = strchr(strstr(uri, "://") + 3, '/') + 1;
    end = strchr(path, '?');
    snprintf(sql, sizeof sql, "DROP DATABASE IF EXISTS %.*s WITH (FORCE)",
             (int)(end ? end - path : (long)strlen(path)), path);
    run(sql);
    free(uri);
}
