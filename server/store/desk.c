/*
 * The reviewer's desk: rounds and their windows, opinion templates, a
 * reviewer's last approval, and whether a year's ranking took an
 * application into account.
 */
#include "db.h"
#include "store_impl.h"

#include <stdlib.h>
#include <string.h>

/* ---- rounds ------------------------------------------------------------- */

#define ROUND_COLUMNS "kind, round, opens_on, closes_on, set_by, set_at"

static void round_from_row(struct db_stmt *st, struct round_row *r)
{
    db_col_text_copy(st, 0, r->kind, sizeof r->kind);
    r->round = (int)db_col_int64(st, 1);
    db_col_text_copy(st, 2, r->opens_on, sizeof r->opens_on);
    db_col_text_copy(st, 3, r->closes_on, sizeof r->closes_on);
    r->set_by = db_col_int64(st, 4);
    db_col_text_copy(st, 5, r->set_at, sizeof r->set_at);
}

enum store_rc store_round_put(struct store_tx *tx, const struct round_row *r)
{
    static const char sql[] =
        "INSERT INTO rounds (" ROUND_COLUMNS ") VALUES (?1, ?2, ?3, ?4, ?5, ?6)"
        " ON CONFLICT (kind, round) DO UPDATE SET opens_on = excluded.opens_on,"
        " closes_on = excluded.closes_on, set_by = excluded.set_by, set_at = excluded.set_at";
    struct db_stmt *st = db_prepare(store_tx_db(tx), sql);

    if (st == NULL)
        return STORE_ERROR;
    db_bind_text(st, 1, r->kind);
    db_bind_int64(st, 2, r->round);
    db_bind_text(st, 3, r->opens_on);
    db_bind_text(st, 4, r->closes_on);
    db_bind_int64(st, 5, r->set_by);
    db_bind_text(st, 6, r->set_at);
    return db_store_rc(db_exec(st));
}

static const char sql_round_get[] =
    "SELECT " ROUND_COLUMNS " FROM rounds WHERE kind = ?1 AND round = ?2";

static enum store_rc round_get(struct db *d, const char *kind, int round, struct round_row *out)
{
    struct db_stmt *st = d ? db_prepare(d, sql_round_get) : NULL;
    enum store_rc rc;

    if (st == NULL)
        return STORE_ERROR;
    db_bind_text(st, 1, kind);
    db_bind_int64(st, 2, round);
    rc = db_row_rc(db_step(st));
    if (rc == STORE_OK)
        round_from_row(st, out);
    db_done(st);
    return rc;
}

enum store_rc store_round_get_tx(struct store_tx *tx, const char *kind, int round,
                                 struct round_row *out)
{
    return round_get(store_tx_db(tx), kind, round, out);
}

enum store_rc store_round_get(struct store *s, const char *kind, int round, struct round_row *out)
{
    return round_get(store_db(s), kind, round, out);
}

/* A page at a time, so fn may use the store: by (kind, round), after the
 * last row of the page before. */
enum store_rc store_rounds_each(struct store *s, void (*fn)(const struct round_row *r, void *ctx),
                                void *ctx)
{
    static const char sql[] = "SELECT " ROUND_COLUMNS " FROM rounds WHERE (kind, round) > (?1, ?2)"
                              " ORDER BY kind, round LIMIT 64";
    struct db *d = store_db(s);
    struct round_row rows[64];
    char after_kind[sizeof rows[0].kind] = "";
    int64_t after_round = INT64_MIN;
    enum db_rc step;
    size_t n;

    if (d == NULL)
        return STORE_ERROR;
    do {
        struct db_stmt *st = db_prepare(d, sql);
        if (st == NULL)
            return STORE_ERROR;
        db_bind_text(st, 1, after_kind);
        db_bind_int64(st, 2, after_round);
        n = 0;
        while (n < 64 && (step = db_step(st)) == DB_ROW)
            round_from_row(st, &rows[n++]);
        db_done(st);
        if (n < 64 && step != DB_OK)
            return db_store_rc(step);
        for (size_t i = 0; i < n; i++)
            fn(&rows[i], ctx);
        if (n > 0) {
            memcpy(after_kind, rows[n - 1].kind, sizeof after_kind);
            after_round = rows[n - 1].round;
        }
    } while (n == 64);
    return STORE_OK;
}

/* ---- opinion templates ------------------------------------------------------ */

enum store_rc store_template_add(struct store_tx *tx, struct opinion_template *t)
{
    static const char sql[] = "INSERT INTO opinion_templates (account_id, title, text, created_at)"
                              " VALUES (?1, ?2, ?3, ?4) RETURNING id";
    struct db_stmt *st = db_prepare(store_tx_db(tx), sql);

    if (st == NULL)
        return STORE_ERROR;
    db_bind_int64(st, 1, t->account_id);
    db_bind_text(st, 2, t->title);
    db_bind_text(st, 3, t->text);
    db_bind_text(st, 4, t->created_at);
    return db_store_rc(db_one_int64(st, &t->id));
}

/* Counted in the transaction that adds one: on PostgreSQL two additions
 * that both counted under the cap are a write skew that serializable
 * isolation refuses. */
enum store_rc store_templates_count(struct store_tx *tx, int64_t account_id, int64_t *n)
{
    static const char sql[] = "SELECT count(*) FROM opinion_templates WHERE account_id = ?1";
    struct db_stmt *st = db_prepare(store_tx_db(tx), sql);

    if (st != NULL)
        db_bind_int64(st, 1, account_id);
    return db_store_rc(db_one_int64(st, n));
}

enum store_rc store_templates_of(struct store *s, int64_t account_id,
                                 void (*fn)(const struct opinion_template *t, void *ctx), void *ctx)
{
    static const char sql[] = "SELECT id, title, text, created_at FROM opinion_templates"
                              " WHERE account_id = ?1 ORDER BY id";
    struct db *d = store_db(s);
    struct db_stmt *st = d ? db_prepare(d, sql) : NULL;
    enum db_rc step;

    if (st == NULL)
        return STORE_ERROR;
    db_bind_int64(st, 1, account_id);
    /* At most 100 of them (the engine's cap): the callback runs with the
     * statement open, and does not use the store. */
    while ((step = db_step(st)) == DB_ROW) {
        struct opinion_template t = {
            .id = db_col_int64(st, 0),
            .account_id = account_id,
            .title = db_col_text(st, 1),
            .text = db_col_text(st, 2),
            .created_at = db_col_text(st, 3),
        };
        fn(&t, ctx);
    }
    db_done(st);
    return db_store_rc(step);
}

enum store_rc store_template_delete(struct store_tx *tx, int64_t account_id, int64_t id)
{
    static const char sql[] = "DELETE FROM opinion_templates WHERE id = ?1 AND account_id = ?2";
    struct db_stmt *st = db_prepare(store_tx_db(tx), sql);
    int64_t changed = 0;
    enum store_rc rc;

    if (st == NULL)
        return STORE_ERROR;
    db_bind_int64(st, 1, id);
    db_bind_int64(st, 2, account_id);
    rc = db_store_rc(db_exec_changes(st, &changed));
    return rc == STORE_OK && changed == 0 ? STORE_NOT_FOUND : rc;
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
    struct db *d = store_db(s);
    struct db_stmt *st = d ? db_prepare(d, sql) : NULL;
    enum store_rc rc;

    if (st == NULL)
        return STORE_ERROR;
    db_bind_int64(st, 1, account_id);
    db_bind_text(st, 2, kind);
    rc = db_row_rc(db_step(st));
    if (rc == STORE_OK) {
        *application_id = db_col_int64(st, 0);
        db_col_text_copy(st, 1, at, at_cap);
        db_col_text_copy(st, 2, action, action_cap);
        rc = db_col_text_dup(st, 3, "{}", details_json) == 0 ? STORE_OK : STORE_ERROR;
    }
    db_done(st);
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
    /* jsonb compares numbers by value: 7 and 7.0 are one. */
    static const char pg[] = "SELECT EXISTS (SELECT 1 FROM rankings AS r,"
                             "  jsonb_array_elements(r.result::jsonb -> 'entries') AS x (value)"
                             "  WHERE r.kind = ?1 AND r.year = ?2"
                             "  AND x.value -> 'application_id' = to_jsonb(CAST(?3 AS bigint)))"
                             " OR EXISTS (SELECT 1 FROM rankings AS r,"
                             "  jsonb_array_elements(r.result::jsonb -> 'excluded') AS x (value)"
                             "  WHERE r.kind = ?1 AND r.year = ?2"
                             "  AND x.value -> 'application_id' = to_jsonb(CAST(?3 AS bigint)))";
    struct db_stmt *st = db_prepare_pg(store_tx_db(tx), sql, pg);
    int64_t found = 0;
    enum store_rc rc;

    if (st != NULL) {
        db_bind_text(st, 1, kind);
        db_bind_int64(st, 2, year);
        db_bind_int64(st, 3, application_id);
    }
    rc = db_store_rc(db_one_int64(st, &found));
    return rc != STORE_OK ? rc : found ? STORE_OK : STORE_NOT_FOUND;
}
