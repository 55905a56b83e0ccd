/*
 * The write limit the server is measured against: raw SQLite inserting the
 * rows one submission writes (an application and its first event), with
 * the server's own durability (WAL, synchronous=FULL), `batch` submissions
 * per commit, for `seconds` seconds, into a database `shenbao migrate`
 * made.  Prints "rows/s" (submissions per second).  Not a test.
 *
 *     bench-sqlite DB ENVELOPE_JSON_FILE SECONDS BATCH
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>
#include <sqlite3.h>

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int die(sqlite3 *db, const char *what)
{
    fprintf(stderr, "bench-sqlite: %s: %s\n", what, db ? sqlite3_errmsg(db) : "");
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

int main(int argc, char **argv)
{
    if (argc != 5) {
        fprintf(stderr, "usage: bench-sqlite DB ENVELOPE_JSON SECONDS BATCH\n");
        return 2;
    }
    char *data = read_file(argv[2]);
    double seconds = strtod(argv[3], NULL);
    long batch = strtol(argv[4], NULL, 10);
    if (!data || seconds <= 0 || batch < 1 || sodium_init() < 0) {
        fprintf(stderr, "bench-sqlite: bad arguments\n");
        return 2;
    }
    sqlite3 *db;
    if (sqlite3_open(argv[1], &db) != SQLITE_OK)
        return die(db, "open");
    if (sqlite3_exec(db,
                     "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON;"
                     "PRAGMA busy_timeout=5000;",
                     NULL, NULL, NULL) != SQLITE_OK)
        return die(db, "pragmas");
    sqlite3_stmt *app, *ev, *last;
    if (sqlite3_prepare_v2(db,
                           "INSERT INTO applications (kind, round, review_unit, applicant_name,"
                           " applicant_uscc, status, version, created_by, created_at, updated_at,"
                           " data) VALUES ('incubator', 2020, '110108', ?1, '91110108551385082Q',"
                           " 'draft', 1, 1, ?2, ?2, ?3)",
                           -1, &app, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(db,
                           "INSERT INTO events (id, application_id, at, action, from_status,"
                           " to_status, actor_account, actor_role, opinion, request_id, details,"
                           " prev_hash, hash) VALUES (?1, ?2, ?3, 'create', NULL, 'draft', 1,"
                           " 'applicant', NULL, ?4, '{}', ?5, ?6)",
                           -1, &ev, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(db, "SELECT id, hash FROM events ORDER BY id DESC LIMIT 1", -1, &last,
                           NULL) != SQLITE_OK)
        return die(db, "prepare");

    long done = 0;
    double start = now_s(), end = start + seconds;
    const char *at = "2020-09-01T02:00:00Z";
    while (now_s() < end) {
        if (sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
            return die(db, "begin");
        for (long i = 0; i < batch; i++) {
            /* The log head, as the server reads it for every event. */
            int64_t prev_id = 0;
            unsigned char prev[32] = {0}, hash[32];
            if (sqlite3_step(last) == SQLITE_ROW) {
                prev_id = sqlite3_column_int64(last, 0);
                memcpy(prev, sqlite3_column_blob(last, 1), 32);
            }
            sqlite3_reset(last);
            sqlite3_bind_text(app, 1, "北京示例孵化器有限公司", -1, SQLITE_STATIC);
            sqlite3_bind_text(app, 2, at, -1, SQLITE_STATIC);
            sqlite3_bind_text(app, 3, data, -1, SQLITE_STATIC);
            if (sqlite3_step(app) != SQLITE_DONE)
                return die(db, "insert application");
            sqlite3_reset(app);
            int64_t app_id = sqlite3_last_insert_rowid(db);
            crypto_generichash(hash, sizeof hash, (const unsigned char *)data, strlen(data), prev,
                               sizeof prev);
            char rid[17];
            snprintf(rid, sizeof rid, "%016lx", (unsigned long)done);
            sqlite3_bind_int64(ev, 1, prev_id + 1);
            sqlite3_bind_int64(ev, 2, app_id);
            sqlite3_bind_text(ev, 3, at, -1, SQLITE_STATIC);
            sqlite3_bind_text(ev, 4, rid, -1, SQLITE_TRANSIENT);
            sqlite3_bind_blob(ev, 5, prev, 32, SQLITE_TRANSIENT);
            sqlite3_bind_blob(ev, 6, hash, 32, SQLITE_TRANSIENT);
            if (sqlite3_step(ev) != SQLITE_DONE)
                return die(db, "insert event");
            sqlite3_reset(ev);
            done++;
        }
        if (sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
            return die(db, "commit");
    }
    double took = now_s() - start;
    printf("%.0f\n", (double)done / took);
    sqlite3_finalize(app);
    sqlite3_finalize(ev);
    sqlite3_finalize(last);
    sqlite3_close(db);
    free(data);
    return 0;
}
