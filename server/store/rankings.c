/*
 * Rankings: the computed ranking of a kind's year, kept whole, and the bans
 * that keep an organisation from applying.
 */
#include "store_impl.h"

#include <stdlib.h>
#include <string.h>

enum store_rc store_ranking_put(struct store_tx *tx, const struct ranking_row *r)
{
    static const char sql[] =
        "INSERT INTO rankings (kind, year, computed_at, computed_by, result)"
        " VALUES (?1, ?2, ?3, ?4, ?5)"
        " ON CONFLICT (kind, year) DO UPDATE SET computed_at = excluded.computed_at,"
        " computed_by = excluded.computed_by, result = excluded.result";
    struct conn *c = store_tx_conn(tx);
    sqlite3_stmt *st = store_stmt(c, sql);
    enum store_rc rc;

    if (st == NULL)
        return STORE_ERROR;
    if ((store_bind_text(st, 1, r->kind) | sqlite3_bind_int(st, 2, r->year) |
         store_bind_text(st, 3, r->computed_at) | sqlite3_bind_int64(st, 4, r->computed_by) |
         store_bind_text(st, 5, r->result_json)) != SQLITE_OK)
        rc = store_rc(c, SQLITE_ERROR, sql);
    else
        rc = store_rc(c, sqlite3_step(st), sql);
    store_stmt_done(st);
    return rc;
}

enum store_rc store_ranking_get(struct store *s, const char *kind, int year,
                                struct ranking_row *out)
{
    static const char sql[] = "SELECT kind, year, computed_at, computed_by, result"
                              " FROM rankings WHERE kind = ?1 AND year = ?2";
    struct conn *c = store_reader(s);
    sqlite3_stmt *st = c ? store_stmt(c, sql) : NULL;
    enum store_rc rc;
    int step;

    if (st == NULL)
        return STORE_ERROR;
    if ((store_bind_text(st, 1, kind) | sqlite3_bind_int(st, 2, year)) != SQLITE_OK) {
        rc = store_rc(c, SQLITE_ERROR, sql);
        goto out;
    }
    step = sqlite3_step(st);
    if (step == SQLITE_ROW) {
        store_col_text(st, 0, out->kind, sizeof out->kind);
        out->year = sqlite3_column_int(st, 1);
        store_col_text(st, 2, out->computed_at, sizeof out->computed_at);
        out->computed_by = sqlite3_column_int64(st, 3);
        rc = store_col_dup(st, 4, "{}", &out->result_json) == 0 ? STORE_OK : STORE_ERROR;
    } else if (step == SQLITE_DONE) {
        rc = STORE_NOT_FOUND;
    } else {
        rc = store_rc(c, step, sql);
    }
out:
    store_stmt_done(st);
    return rc;
}

enum store_rc store_ban_add(struct store_tx *tx, const char *uscc, const char *kind,
                            const char *starts_on, const char *until_on, const char *reason)
{
    static const char sql[] = "INSERT INTO bans (uscc, kind, starts_on, until_on, reason)"
                              " VALUES (?1, ?2, ?3, ?4, ?5)";
    struct conn *c = store_tx_conn(tx);
    sqlite3_stmt *st = store_stmt(c, sql);
    enum store_rc rc;

    if (st == NULL)
        return STORE_ERROR;
    if ((store_bind_text(st, 1, uscc) | store_bind_text(st, 2, kind) |
         store_bind_text(st, 3, starts_on) | store_bind_text(st, 4, until_on) |
         store_bind_text(st, 5, reason)) != SQLITE_OK)
        rc = store_rc(c, SQLITE_ERROR, sql);
    else
        rc = store_rc(c, sqlite3_step(st), sql);
    store_stmt_done(st);
    return rc;
}

enum store_rc store_ban_find_tx(struct store_tx *tx, const char *uscc, const char *kind,
                                const char *day, char *until_out)
{
    /* Dates are "YYYY-MM-DD", so text order is date order. */
    static const char sql[] = "SELECT max(until_on) FROM bans WHERE uscc = ?1 AND kind = ?2"
                              " AND starts_on <= ?3 AND until_on > ?3";
    struct conn *c = store_tx_conn(tx);
    sqlite3_stmt *st = store_stmt(c, sql);
    enum store_rc rc;
    int step;

    if (st == NULL)
        return STORE_ERROR;
    if ((store_bind_text(st, 1, uscc) | store_bind_text(st, 2, kind) |
         store_bind_text(st, 3, day)) != SQLITE_OK) {
        rc = store_rc(c, SQLITE_ERROR, sql);
        goto out;
    }
    step = sqlite3_step(st);
    if (step == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL) {
        store_col_text(st, 0, until_out, 11);
        rc = STORE_OK;
    } else if (step == SQLITE_ROW || step == SQLITE_DONE) {
        rc = STORE_NOT_FOUND;
    } else {
        rc = store_rc(c, step, sql);
    }
out:
    store_stmt_done(st);
    return rc;
}

enum store_rc store_ranking_exists_tx(struct store_tx *tx, const char *kind, int year)
{
    static const char sql[] = "SELECT count(*) FROM rankings WHERE kind = ?1 AND year = ?2";
    struct conn *c = store_tx_conn(tx);
    sqlite3_stmt *st = store_stmt(c, sql);
    int64_t n = 0;
    if (st == NULL)
        return STORE_ERROR;
    int bound = store_bind_text(st, 1, kind) | sqlite3_bind_int(st, 2, year);
    enum store_rc rc = store_one_int(c, st, sql, bound, &n);
    return rc != STORE_OK ? rc : n > 0 ? STORE_OK : STORE_NOT_FOUND;
}
