/*
 * The write limit the server is measured against on PostgreSQL: raw libpq
 * inserting the rows one submission writes (an application and its first
 * event, after reading the log's head), `batch` submissions per commit, on
 * one connection, for `seconds` seconds, into a database `shenbao migrate`
 * made, with the cluster's own durability (fsync on: its synchronous
 * commit is the server's).  Prints "rows/s" (submissions per second), as
 * bench-sqlite does.  Not a test.
 *
 *     bench-pg URI ENVELOPE_JSON_FILE SECONDS BATCH
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <libpq-fe.h>
#include <sodium.h>

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int die(PGconn *c, const char *what)
{
    fprintf(stderr, "bench-pg: %s: %s\n", what, c ? PQerrorMessage(c) : "");
    return 1;
}

static char *read_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *buf = n >= 0 ? malloc((size_t)n + 1) : NULL;
    if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) {
        free(buf);
        buf = NULL;
    }
    if (buf)
        buf[n] = '\0';
    fclose(f);
    return buf;
}

/* Runs a command of no result; false on failure. */
static int ok(PGconn *c, PGresult *r, ExecStatusType want)
{
    int good = r != NULL && PQresultStatus(r) == want;
    if (!good)
        fprintf(stderr, "bench-pg: %s", PQerrorMessage(c));
    PQclear(r);
    return good;
}

int main(int argc, char **argv)
{
    if (argc != 5) {
        fprintf(stderr, "usage: bench-pg URI ENVELOPE_JSON SECONDS BATCH\n");
        return 2;
    }
    char *data = read_file(argv[2]);
    double seconds = strtod(argv[3], NULL);
    long batch = strtol(argv[4], NULL, 10);
    if (!data || seconds <= 0 || batch < 1 || sodium_init() < 0) {
        fprintf(stderr, "bench-pg: bad arguments\n");
        return 2;
    }
    PGconn *c = PQconnectdb(argv[1]);
    if (PQstatus(c) != CONNECTION_OK)
        return die(c, "connect");
    /* The statements the server's queries are, prepared once. */
    if (!ok(c,
            PQprepare(c, "app",
                      "INSERT INTO applications (kind, round, review_unit, applicant_name,"
                      " applicant_uscc, status, version, created_by, created_at, updated_at,"
                      " data) VALUES ('incubator', 2020, '110108', $1, '91110108551385082Q',"
                      " 'draft', 1, 1, $2, $2, $3) RETURNING id",
                      3, NULL),
            PGRES_COMMAND_OK) ||
        !ok(c,
            PQprepare(c, "ev",
                      "INSERT INTO events (id, application_id, at, action, from_status,"
                      " to_status, actor_account, actor_role, opinion, request_id, details,"
                      " prev_hash, hash) VALUES ($1, $2, $3, 'create', NULL, 'draft', 1,"
                      " 'applicant', NULL, $4, '{}', $5, $6)",
                      6, NULL),
            PGRES_COMMAND_OK) ||
        !ok(c, PQprepare(c, "last", "SELECT id, hash FROM events ORDER BY id DESC LIMIT 1", 0,
                         NULL),
            PGRES_COMMAND_OK))
        return die(c, "prepare");

    long done = 0;
    double start = now_s(), end = start + seconds;
    const char *at = "2020-09-01T02:00:00Z";
    while (now_s() < end) {
        if (!ok(c, PQexec(c, "BEGIN ISOLATION LEVEL SERIALIZABLE"), PGRES_COMMAND_OK))
            return die(c, "begin");
        for (long i = 0; i < batch; i++) {
            /* The log head, as the server reads it for every event. */
            int64_t prev_id = 0;
            unsigned char prev[32] = {0}, hash[32];
            PGresult *r = PQexecPrepared(c, "last", 0, NULL, NULL, NULL, 1);
            if (PQresultStatus(r) != PGRES_TUPLES_OK)
                return die(c, "read the head");
            if (PQntuples(r) == 1) {
                uint64_t be = 0;
                memcpy(&be, PQgetvalue(r, 0, 0), 8);
                prev_id = (int64_t)__builtin_bswap64(be);
                memcpy(prev, PQgetvalue(r, 0, 1), 32);
            }
            PQclear(r);
            const char *av[3] = {"北京示例孵化器有限公司", at, data};
            r = PQexecPrepared(c, "app", 3, av, NULL, NULL, 0);
            if (PQresultStatus(r) != PGRES_TUPLES_OK)
                return die(c, "insert application");
            char app_id[24], ev_id[24], rid[17];
            snprintf(app_id, sizeof app_id, "%s", PQgetvalue(r, 0, 0));
            PQclear(r);
            crypto_generichash(hash, sizeof hash, (const unsigned char *)data, strlen(data), prev,
                               sizeof prev);
            snprintf(ev_id, sizeof ev_id, "%lld", (long long)prev_id + 1);
            snprintf(rid, sizeof rid, "%016lx", (unsigned long)done);
            const char *ev[6] = {ev_id, app_id, at, rid, (const char *)prev, (const char *)hash};
            int len[6] = {0, 0, 0, 0, 32, 32};
            int fmt[6] = {0, 0, 0, 0, 1, 1};
            if (!ok(c, PQexecPrepared(c, "ev", 6, ev, len, fmt, 0), PGRES_COMMAND_OK))
                return die(c, "insert event");
            done++;
        }
        if (!ok(c, PQexec(c, "COMMIT"), PGRES_COMMAND_OK))
            return die(c, "commit");
    }
    double took = now_s() - start;
    printf("%.0f\n", (double)done / took);
    PQfinish(c);
    free(data);
    return 0;
}
