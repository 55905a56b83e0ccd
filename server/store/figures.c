/*
 * Figures for monitoring: counts that /metrics reports.
 */
#include "store_impl.h"

enum store_rc store_count_applications(struct store *s,
                                       void (*fn)(const char *kind, const char *status, int64_t n,
                                                  void *ctx),
                                       void *ctx)
{
    static const char sql[] =
        "SELECT kind, status, count(*) FROM applications GROUP BY kind, status ORDER BY 1, 2";
    struct conn *c = store_reader(s);
    sqlite3_stmt *st = c ? store_stmt(c, sql) : NULL;
    enum store_rc rc = STORE_OK;
    int step;

    if (st == NULL)
        return STORE_ERROR;
    while ((step = sqlite3_step(st)) == SQLITE_ROW)
        fn((const char *)sqlite3_column_text(st, 0), (const char *)sqlite3_column_text(st, 1),
           sqlite3_column_int64(st, 2), ctx);
    if (step != SQLITE_DONE)
        rc = store_rc(c, step, sql);
    store_stmt_done(st);
    return rc;
}

enum store_rc store_count_open_objections(struct store *s, int64_t *n)
{
    static const char sql[] = "SELECT count(*) FROM objections WHERE status = 'open'";
    struct conn *c = store_reader(s);
    return c ? store_one_int(c, store_stmt(c, sql), sql, SQLITE_OK, n) : STORE_ERROR;
}

enum store_rc store_account_any(struct store *s, bool *any)
{
    static const char sql[] = "SELECT EXISTS (SELECT 1 FROM accounts)";
    struct conn *c = store_reader(s);
    int64_t n = 0;
    enum store_rc rc = c ? store_one_int(c, store_stmt(c, sql), sql, SQLITE_OK, &n) : STORE_ERROR;
    *any = n != 0;
    return rc;
}
