/*
 * Rankings: the computed ranking of a kind's year, kept whole, and the bans
 * that keep an organisation from applying.
 */
#include "db.h"

#include <stdlib.h>
#include <string.h>

enum store_rc store_ranking_put(struct store_tx *tx, const struct ranking_row *r)
{
    static const char sql[] =
        "INSERT INTO rankings (kind, year, computed_at, computed_by, result)"
        " VALUES (?1, ?2, ?3, ?4, ?5)"
        " ON CONFLICT (kind, year) DO UPDATE SET computed_at = excluded.computed_at,"
        " computed_by = excluded.computed_by, result = excluded.result";
    struct db_stmt *st = db_prepare(store_tx_db(tx), sql);

    if (st == NULL)
        return STORE_ERROR;
    db_bind_text(st, 1, r->kind);
    db_bind_int64(st, 2, r->year);
    db_bind_text(st, 3, r->computed_at);
    db_bind_int64(st, 4, r->computed_by);
    db_bind_text(st, 5, r->result_json);
    return db_store_rc(db_exec(st));
}

enum store_rc store_ranking_get(struct store *s, const char *kind, int year,
                                struct ranking_row *out)
{
    static const char sql[] = "SELECT kind, year, computed_at, computed_by, result"
                              " FROM rankings WHERE kind = ?1 AND year = ?2";
    struct db_stmt *st = db_prepare(store_db(s), sql);
    enum store_rc rc;

    if (st == NULL)
        return STORE_ERROR;
    db_bind_text(st, 1, kind);
    db_bind_int64(st, 2, year);
    rc = db_row_rc(db_step(st));
    if (rc == STORE_OK) {
        db_col_text_copy(st, 0, out->kind, sizeof out->kind);
        out->year = (int)db_col_int64(st, 1);
        db_col_text_copy(st, 2, out->computed_at, sizeof out->computed_at);
        out->computed_by = db_col_int64(st, 3);
        rc = db_col_text_dup(st, 4, "{}", &out->result_json) == 0 ? STORE_OK : STORE_ERROR;
    }
    db_done(st);
    return rc;
}

enum store_rc store_ban_add(struct store_tx *tx, const char *uscc, const char *kind,
                            const char *starts_on, const char *until_on, const char *reason)
{
    static const char sql[] = "INSERT INTO bans (uscc, kind, starts_on, until_on, reason)"
                              " VALUES (?1, ?2, ?3, ?4, ?5)";
    struct db_stmt *st = db_prepare(store_tx_db(tx), sql);

    if (st == NULL)
        return STORE_ERROR;
    db_bind_text(st, 1, uscc);
    db_bind_text(st, 2, kind);
    db_bind_text(st, 3, starts_on);
    db_bind_text(st, 4, until_on);
    db_bind_text(st, 5, reason);
    return db_store_rc(db_exec(st));
}

enum store_rc store_ban_find_tx(struct store_tx *tx, const char *uscc, const char *kind,
                                const char *day, char *until_out)
{
    /* Dates are "YYYY-MM-DD", so text order is date order. */
    static const char sql[] = "SELECT max(until_on) FROM bans WHERE uscc = ?1 AND kind = ?2"
                              " AND starts_on <= ?3 AND until_on > ?3";
    struct db_stmt *st = db_prepare(store_tx_db(tx), sql);
    enum store_rc rc;

    if (st == NULL)
        return STORE_ERROR;
    db_bind_text(st, 1, uscc);
    db_bind_text(st, 2, kind);
    db_bind_text(st, 3, day);
    rc = db_row_rc(db_step(st));
    if (rc == STORE_OK && db_col_null(st, 0))
        rc = STORE_NOT_FOUND;
    else if (rc == STORE_OK)
        db_col_text_copy(st, 0, until_out, 11);
    db_done(st);
    return rc;
}

/* Read in the approving transaction: on PostgreSQL a ranking stored while
 * an approval counts on there being none is a conflict that serializable
 * isolation refuses (one of the two runs again). */
enum store_rc store_ranking_exists_tx(struct store_tx *tx, const char *kind, int year)
{
    static const char sql[] = "SELECT count(*) FROM rankings WHERE kind = ?1 AND year = ?2";
    struct db_stmt *st = db_prepare(store_tx_db(tx), sql);
    int64_t n = 0;
    enum store_rc rc;

    if (st != NULL) {
        db_bind_text(st, 1, kind);
        db_bind_int64(st, 2, year);
    }
    rc = db_store_rc(db_one_int64(st, &n));
    return rc != STORE_OK ? rc : n > 0 ? STORE_OK : STORE_NOT_FOUND;
}
