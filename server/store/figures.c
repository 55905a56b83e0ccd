/*
 * Figures for monitoring: counts that /metrics reports.
 */
#include "db.h"

enum store_rc store_count_applications(struct store *s,
                                       void (*fn)(const char *kind, const char *status, int64_t n,
                                                  void *ctx),
                                       void *ctx)
{
    static const char sql[] =
        "SELECT kind, status, count(*) FROM applications GROUP BY kind, status ORDER BY 1, 2";
    struct db_stmt *st = db_prepare(store_db(s), sql);
    enum db_rc step;

    if (st == NULL)
        return STORE_ERROR;
    while ((step = db_step(st)) == DB_ROW)
        fn(db_col_text(st, 0), db_col_text(st, 1), db_col_int64(st, 2), ctx);
    db_done(st);
    return db_store_rc(step);
}

enum store_rc store_count_open_objections(struct store *s, int64_t *n)
{
    static const char sql[] = "SELECT count(*) FROM objections WHERE status = 'open'";
    return db_store_rc(db_one_int64(db_prepare(store_db(s), sql), n));
}

enum store_rc store_account_any(struct store *s, bool *any)
{
    static const char sql[] = "SELECT EXISTS (SELECT 1 FROM accounts)";
    int64_t n = 0;
    enum store_rc rc = db_store_rc(db_one_int64(db_prepare(store_db(s), sql), &n));
    *any = n != 0;
    return rc;
}
