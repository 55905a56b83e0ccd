/*
 * The reviewer's desk: rounds and their windows, opinion templates, a
 * reviewer's last approval, and whether a year's ranking took an
 * application into account.
 */
#include "store_impl.h"

#include <stdlib.h>
#include <string.h>

/* ---- rounds ------------------------------------------------------------- */

#define ROUND_COLUMNS "kind, round, opens_on, closes_on, set_by, set_at"

static void round_from_row(sqlite3_stmt *st, struct round_row *r)
{
    store_col_text(st, 0, r->kind, sizeof r->kind);
    r->round = sqlite3_column_int(st, 1);
    store_col_text(st, 2, r->opens_on, sizeof r->opens_on);
    store_col_text(st, 3, r->closes_on, sizeof r->closes_on);
    r->set_by = sqlite3_column_int64(st, 4);
    store_col_text(st, 5, r->set_at, sizeof r->set_at);
}

enum store_rc store_round_put(struct store_tx *tx, const struct round_row *r)
{
    static const char sql[] =
        "INSERT INTO rounds (" ROUND_COLUMNS ") VALUES (?1, ?2, ?3, ?4, ?5, ?6)"
        " ON CONFLICT (kind, round) DO UPDATE SET opens_on = excluded.opens_on,"
        " closes_on = excluded.closes_on, set_by = excluded.set_by, set_at = excluded.set_at";
    struct conn *c = store_tx_conn(tx);
    sqlite3_stmt *st = store_stmt(c, sql);
    enum store_rc rc;

    if (st == NULL)
        return STORE_ERROR;
    if ((store_bind_text(st, 1, r->kind) | sqlite3_bind_int(st, 2, r->round) |
         store_bind_text(st, 3, r->opens_on) | store_bind_text(st, 4, r->closes_on) |
         sqlite3_bind_int64(st, 5, r->set_by) | store_bind_text(st, 6, r->set_at)) != SQLITE_OK)
        rc = store_rc(c, SQLITE_ERROR, sql);
    else
        rc = store_rc(c, sqlite3_step(st), sql);
    store_stmt_done(st);
    return rc;
}

static const char sql_round_get[] =
    "SELECT " ROUND_COLUMNS " FROM rounds WHERE kind = ?1 AND round = ?2";

static enum store_rc round_get(struct conn *c, const char *kind, int round, struct round_row *out)
{
    sqlite3_stmt *st = c ? store_stmt(c, sql_round_get) : NULL;
    enum store_rc rc;
    int step;

    if (st == NULL)
        return STORE_ERROR;
    if ((store_bind_text(st, 1, kind) | sqlite3_bind_int(st, 2, round)) != SQLITE_OK) {
        rc = store_rc(c, SQLITE_ERROR, sql_round_get);
    } else if ((step = sqlite3_step(st)) == SQLITE_ROW) {
        round_from_row(st, out);
        rc = STORE_OK;
    } else {
        rc = step == SQLITE_DONE ? STORE_NOT_FOUND : store_rc(c, step, sql_round_get);
    }
    store_stmt_done(st);
    return rc;
}

enum store_rc store_round_get_tx(struct store_tx *tx, const char *kind, int round,
                                 struct round_row *out)
{
    return round_get(store_tx_conn(tx), kind, round, out);
}

enum store_rc store_round_get(struct store *s, const char *kind, int round, struct round_row *out)
{
    return round_get(store_reader(s), kind, round, out);
}

enum store_rc store_rounds_each(struct store *s, void (*fn)(const struct round_row *r, void *ctx),
                                void *ctx)
{
    static const char sql[] = "SELECT " ROUND_COLUMNS " FROM rounds ORDER BY kind, round";
    struct conn *c = store_reader(s);
    sqlite3_stmt *st = c ? store_stmt(c, sql) : NULL;
    struct round_row rows[64];
    enum store_rc rc = STORE_OK;
    int step;
    size_t n;

    if (st == NULL)
        return STORE_ERROR;
    /* A page at a time, so fn may use the store. */
    do {
        n = 0;
        while (n < 64 && (step = sqlite3_step(st)) == SQLITE_ROW)
            round_from_row(st, &rows[n++]);
        if (n < 64 && step != SQLITE_DONE) {
            rc = store_rc(c, step, sql);
            break;
        }
        for (size_t i = 0; i < n; i++)
            fn(&rows[i], ctx);
    } while (n == 64);
    store_stmt_done(st);
    return rc;
}

/* ---- opinion templates ------------------------------------------------------ */

enum store_rc store_template_add(struct store_tx *tx, struct opinion_template *t)
{
    static const char sql[] = "INSERT INTO opinion_templates (account_id, title, text, created_at)"
                              " VALUES (?1, ?2, ?3, ?4)";
    struct conn *c = store_tx_conn(tx);
    sqlite3_stmt *st = store_stmt(c, sql);
    enum store_rc rc;

    if (st == NULL)
        return STORE_ERROR;
    if ((sqlite3_bind_int64(st, 1, t->account_id) | store_bind_text(st, 2, t->title) |
         store_bind_text(st, 3, t->text) | store_bind_text(st, 4, t->created_at)) != SQLITE_OK)
        rc = store_rc(c, SQLITE_ERROR, sql);
    else
        rc = store_rc(c, sqlite3_step(st), sql);
    if (rc == STORE_OK)
        t->id = sqlite3_last_insert_rowid(store_conn_db(c));
    store_stmt_done(st);
    return rc;
}

enum store_rc store_templates_count(struct store_tx *tx, int64_t account_id, int64_t *n)
{
    static const char sql[] = "SELECT count(*) FROM opinion_templates WHERE account_id = ?1";
    struct conn *c = store_tx_conn(tx);
    sqlite3_stmt *st = store_stmt(c, sql);
    return store_one_int(c, st, sql, st ? sqlite3_bind_int64(st, 1, account_id) : SQLITE_ERROR, n);
}

enum store_rc store_templates_of(struct store *s, int64_t account_id,
                                 void (*fn)(const struct opinion_template *t, void *ctx), void *ctx)
{
    static const char sql[] = "SELECT id, title, text, created_at FROM opinion_templates"
                              " WHERE account_id = ?1 ORDER BY id";
    struct conn *c = store_reader(s);
    sqlite3_stmt *st = c ? store_stmt(c, sql) : NULL;
    enum store_rc rc = STORE_OK;
    int step;

    if (st == NULL)
        return STORE_ERROR;
    if (sqlite3_bind_int64(st, 1, account_id) != SQLITE_OK) {
        rc = store_rc(c, SQLITE_ERROR, sql);
        goto out;
    }
    /* At most 100 of them (the engine's cap): the callback runs with the
     * statement open, and does not use the store. */
    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
        struct opinion_template t = {
            .id = sqlite3_column_int64(st, 0),
            .account_id = account_id,
            .title = (const char *)sqlite3_column_text(st, 1),
            .text = (const char *)sqlite3_column_text(st, 2),
            .created_at = (const char *)sqlite3_column_text(st, 3),
        };
        fn(&t, ctx);
    }
    if (step != SQLITE_DONE)
        rc = store_rc(c, step, sql);
out:
    store_stmt_done(st);
    return rc;
}

enum store_rc store_template_delete(struct store_tx *tx, int64_t account_id, int64_t id)
{
    static const char sql[] = "DELETE FROM opinion_templates WHERE id = ?1 AND account_id = ?2";
    struct conn *c = store_tx_conn(tx);
    sqlite3_stmt *st = store_stmt(c, sql);
    enum store_rc rc;

    if (st == NULL)
        return STORE_ERROR;
    if ((sqlite3_bind_int64(st, 1, id) | sqlite3_bind_int64(st, 2, account_id)) != SQLITE_OK)
        rc = store_rc(c, SQLITE_ERROR, sql);
    else
        rc = store_rc(c, sqlite3_step(st), sql);
    if (rc == STORE_OK && sqlite3_changes(store_conn_db(c)) == 0)
        rc = STORE_NOT_FOUND;
    store_stmt_done(st);
    return rc;
}

/* ---- a reviewer's last approval ------------------------------------------- */

enum store_rc store_last_approval(struct store *s, int64_t account_id, const char *kind,
                                  int64_t *application_id, char *at, size_t at_cap, char *action,
                                  size_t action_cap, char **details_json)
{
    static const char sql[] =
        "SELECT e.application_id, e.at, e.action, e.details FROM events AS e"
        " JOIN applications AS a ON a.id = e.application_id"
        " WHERE e.actor_account = ?1 AND e.action IN ('district_approve', 'municipal_approve')"
        " AND a.kind = ?2 ORDER BY e.id DESC LIMIT 1";
    struct conn *c = store_reader(s);
    sqlite3_stmt *st = c ? store_stmt(c, sql) : NULL;
    enum store_rc rc;
    int step;

    if (st == NULL)
        return STORE_ERROR;
    if ((sqlite3_bind_int64(st, 1, account_id) | store_bind_text(st, 2, kind)) != SQLITE_OK) {
        rc = store_rc(c, SQLITE_ERROR, sql);
    } else if ((step = sqlite3_step(st)) == SQLITE_ROW) {
        *application_id = sqlite3_column_int64(st, 0);
        store_col_text(st, 1, at, at_cap);
        store_col_text(st, 2, action, action_cap);
        rc = store_col_dup(st, 3, "{}", details_json) == 0 ? STORE_OK : STORE_ERROR;
    } else {
        rc = step == SQLITE_DONE ? STORE_NOT_FOUND : store_rc(c, step, sql);
    }
    store_stmt_done(st);
    return rc;
}

/* ---- the ranking's applications ------------------------------------------- */

enum store_rc store_ranking_has_tx(struct store_tx *tx, const char *kind, int year,
                                   int64_t application_id)
{
    static const char sql[] =
        "SELECT EXISTS (SELECT 1 FROM rankings AS r, json_each(r.result, '$.entries') AS x"
        "  WHERE r.kind = ?1 AND r.year = ?2 AND x.value ->> '$.application_id' = ?3)"
        " OR EXISTS (SELECT 1 FROM rankings AS r, json_each(r.result, '$.excluded') AS x"
        "  WHERE r.kind = ?1 AND r.year = ?2 AND x.value ->> '$.application_id' = ?3)";
    struct conn *c = store_tx_conn(tx);
    sqlite3_stmt *st = store_stmt(c, sql);
    int64_t found = 0;
    int bound = st ? store_bind_text(st, 1, kind) | sqlite3_bind_int(st, 2, year) |
                         sqlite3_bind_int64(st, 3, application_id)
                   : SQLITE_ERROR;
    enum store_rc rc = store_one_int(c, st, sql, bound, &found);
    return rc != STORE_OK ? rc : found ? STORE_OK : STORE_NOT_FOUND;
}
