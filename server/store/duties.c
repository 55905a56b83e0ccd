/*
 * Duties after approval and the reports that discharge them (RULES.md §8),
 * on the database layer (db.h): the same text on SQLite and PostgreSQL.
 */
#include "db.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define LIST_LIMIT_MAX 200

/* ---- reports ----------------------------------------------------------------- */

void report_release(struct report *r)
{
    if (!r)
        return;
    free(r->body_json);
    r->body_json = NULL;
}

enum store_rc store_report_add(struct store_tx *tx, struct report *r)
{
    static const char sql[] =
        "INSERT INTO reports (application_id, type, period, body, filed_at, filed_by)"
        " VALUES (?1, ?2, ?3, ?4, ?5, ?6) RETURNING id";
    struct db_stmt *st = db_prepare(store_tx_db(tx), sql);
    enum db_rc rc;

    if (st == NULL)
        return STORE_ERROR;
    db_bind_int64(st, 1, r->application_id);
    db_bind_text(st, 2, r->type);
    db_bind_text(st, 3, r->period);
    db_bind_text(st, 4, r->body_json);
    db_bind_text(st, 5, r->filed_at);
    db_bind_int64(st, 6, r->filed_by);
    rc = db_step(st);
    if (rc == DB_ROW)
        r->id = db_col_int64(st, 0);
    db_done(st);
    return rc == DB_ROW ? STORE_OK : rc == DB_OK ? STORE_ERROR : db_store_rc(rc);
}

#define REPORT_COLUMNS "id, application_id, type, period, body, filed_at, filed_by"

static enum store_rc report_walk(struct db *d, const char *sql, int64_t application_id,
                                 const char *type, void (*fn)(const struct report *r, void *ctx),
                                 void *ctx)
{
    struct db_stmt *st = db_prepare(d, sql);
    struct report *rows = NULL;
    size_t n = 0, cap = 0;
    enum store_rc rc = STORE_ERROR;
    enum db_rc step;

    if (st == NULL)
        return STORE_ERROR;
    db_bind_int64(st, 1, application_id);
    if (type)
        db_bind_text(st, 2, type);
    /* Read them all first: fn may use the store. */
    while ((step = db_step(st)) == DB_ROW) {
        if (n == cap) {
            size_t ncap = cap ? 2 * cap : 8;
            struct report *grown = realloc(rows, ncap * sizeof *rows);
            if (!grown) {
                db_log(NULL, "out of memory reading reports");
                goto out;
            }
            rows = grown;
            cap = ncap;
        }
        struct report *r = &rows[n];
        memset(r, 0, sizeof *r);
        r->id = db_col_int64(st, 0);
        r->application_id = db_col_int64(st, 1);
        db_col_text_copy(st, 2, r->type, sizeof r->type);
        db_col_text_copy(st, 3, r->period, sizeof r->period);
        db_col_text_copy(st, 5, r->filed_at, sizeof r->filed_at);
        r->filed_by = db_col_int64(st, 6);
        if (db_col_text_dup(st, 4, "{}", &r->body_json) != 0)
            goto out;
        n++;
    }
    if (step != DB_OK) {
        rc = db_store_rc(step);
        goto out;
    }
    db_done(st);
    st = NULL;
    for (size_t i = 0; i < n; i++)
        fn(&rows[i], ctx);
    rc = STORE_OK;
out:
    db_done(st);
    for (size_t i = 0; i < n; i++)
        report_release(&rows[i]);
    free(rows);
    return rc;
}

enum store_rc store_reports_of(struct store *s, int64_t application_id,
                               void (*fn)(const struct report *r, void *ctx), void *ctx)
{
    static const char sql[] =
        "SELECT " REPORT_COLUMNS " FROM reports WHERE application_id = ?1 ORDER BY id";
    return report_walk(store_db(s), sql, application_id, NULL, fn, ctx);
}

enum store_rc store_reports_of_tx(struct store_tx *tx, int64_t application_id, const char *type,
                                  void (*fn)(const struct report *r, void *ctx), void *ctx)
{
    static const char sql[] = "SELECT " REPORT_COLUMNS
                              " FROM reports WHERE application_id = ?1 AND type = ?2 ORDER BY id";
    return report_walk(store_tx_db(tx), sql, application_id, type, fn, ctx);
}

/* ---- duties -------------------------------------------------------------------- */

void duty_release(struct duty *d)
{
    if (!d)
        return;
    free(d->result_json);
    free(d->applicant_name);
    d->result_json = NULL;
    d->applicant_name = NULL;
}

#define DUTY_COLUMNS                                                                               \
    "d.id, d.application_id, d.type, d.period, d.nominal_on, d.due_on, d.status, d.created_at,"    \
    " d.updated_at, d.reminded_at, d.missed_at, d.filed_at, d.report_id, d.amount_fen, d.result,"  \
    " d.prompt_ground, d.prompt_state, d.prompt_at, d.prompt_refund_fen, a.kind, a.status,"        \
    " a.review_unit, a.applicant_uscc, a.applicant_name"
#define DUTY_FROM " FROM duties d JOIN applications a ON a.id = d.application_id"

static int64_t col_int_or(struct db_stmt *st, int i, int64_t if_null)
{
    return db_col_null(st, i) ? if_null : db_col_int64(st, i);
}

static enum store_rc duty_from_row(struct db_stmt *st, struct duty *d)
{
    memset(d, 0, sizeof *d);
    d->id = db_col_int64(st, 0);
    d->application_id = db_col_int64(st, 1);
    db_col_text_copy(st, 2, d->type, sizeof d->type);
    db_col_text_copy(st, 3, d->period, sizeof d->period);
    db_col_text_copy(st, 4, d->nominal_on, sizeof d->nominal_on);
    db_col_text_copy(st, 5, d->due_on, sizeof d->due_on);
    db_col_text_copy(st, 6, d->status, sizeof d->status);
    db_col_text_copy(st, 7, d->created_at, sizeof d->created_at);
    db_col_text_copy(st, 8, d->updated_at, sizeof d->updated_at);
    db_col_text_copy(st, 9, d->reminded_at, sizeof d->reminded_at);
    db_col_text_copy(st, 10, d->missed_at, sizeof d->missed_at);
    db_col_text_copy(st, 11, d->filed_at, sizeof d->filed_at);
    d->report_id = col_int_or(st, 12, 0);
    d->amount_fen = col_int_or(st, 13, -1);
    db_col_text_copy(st, 15, d->prompt_ground, sizeof d->prompt_ground);
    db_col_text_copy(st, 16, d->prompt_state, sizeof d->prompt_state);
    db_col_text_copy(st, 17, d->prompt_at, sizeof d->prompt_at);
    d->prompt_refund_fen = col_int_or(st, 18, -1);
    db_col_text_copy(st, 19, d->kind, sizeof d->kind);
    db_col_text_copy(st, 20, d->app_status, sizeof d->app_status);
    db_col_text_copy(st, 21, d->review_unit, sizeof d->review_unit);
    db_col_text_copy(st, 22, d->applicant_uscc, sizeof d->applicant_uscc);
    if (db_col_text_dup(st, 14, NULL, &d->result_json) != 0 ||
        db_col_text_dup(st, 23, "", &d->applicant_name) != 0) {
        duty_release(d);
        return STORE_ERROR;
    }
    return STORE_OK;
}

static void bind_int_or_null(struct db_stmt *st, int i, int64_t v, int64_t none)
{
    if (v == none)
        db_bind_null(st, i);
    else
        db_bind_int64(st, i, v);
}

enum store_rc store_duty_add(struct store_tx *tx, struct duty *d)
{
    static const char sql[] =
        "INSERT INTO duties (application_id, type, period, nominal_on, due_on, status,"
        " created_at, updated_at, filed_at, report_id, amount_fen, result, prompt_ground,"
        " prompt_state, prompt_at, prompt_refund_fen)"
        " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)"
        /* A period taken is an answer the transaction goes on after (a
         * successor made twice): no failed statement (docs/POSTGRESQL.md). */
        " ON CONFLICT (application_id, type, period) DO NOTHING RETURNING id";
    struct db_stmt *st = db_prepare(store_tx_db(tx), sql);
    enum db_rc rc;

    if (st == NULL)
        return STORE_ERROR;
    db_bind_int64(st, 1, d->application_id);
    db_bind_text(st, 2, d->type);
    db_bind_text(st, 3, d->period);
    db_bind_text(st, 4, d->nominal_on);
    db_bind_opt(st, 5, d->due_on);
    db_bind_text(st, 6, d->status);
    db_bind_text(st, 7, d->created_at);
    db_bind_opt(st, 8, d->filed_at);
    bind_int_or_null(st, 9, d->report_id, 0);
    bind_int_or_null(st, 10, d->amount_fen, -1);
    db_bind_text(st, 11, d->result_json);
    db_bind_opt(st, 12, d->prompt_ground);
    db_bind_opt(st, 13, d->prompt_state);
    db_bind_opt(st, 14, d->prompt_at);
    bind_int_or_null(st, 15, d->prompt_refund_fen, -1);
    rc = db_step(st);
    if (rc == DB_ROW) {
        d->id = db_col_int64(st, 0);
        memcpy(d->updated_at, d->created_at, sizeof d->updated_at);
    }
    db_done(st);
    return rc == DB_ROW ? STORE_OK : rc == DB_OK ? STORE_CONFLICT : db_store_rc(rc);
}

enum store_rc store_duty_update(struct store_tx *tx, const struct duty *d)
{
    static const char sql[] =
        "UPDATE duties SET due_on = ?2, status = ?3, updated_at = ?4, reminded_at = ?5,"
        " missed_at = ?6, filed_at = ?7, report_id = ?8, amount_fen = ?9, result = ?10,"
        " prompt_ground = ?11, prompt_state = ?12, prompt_at = ?13, prompt_refund_fen = ?14"
        " WHERE id = ?1";
    struct db_stmt *st = db_prepare(store_tx_db(tx), sql);
    enum db_rc rc;
    int64_t changed;

    if (st == NULL)
        return STORE_ERROR;
    db_bind_int64(st, 1, d->id);
    db_bind_opt(st, 2, d->due_on);
    db_bind_text(st, 3, d->status);
    db_bind_text(st, 4, d->updated_at);
    db_bind_opt(st, 5, d->reminded_at);
    db_bind_opt(st, 6, d->missed_at);
    db_bind_opt(st, 7, d->filed_at);
    bind_int_or_null(st, 8, d->report_id, 0);
    bind_int_or_null(st, 9, d->amount_fen, -1);
    db_bind_text(st, 10, d->result_json);
    db_bind_opt(st, 11, d->prompt_ground);
    db_bind_opt(st, 12, d->prompt_state);
    db_bind_opt(st, 13, d->prompt_at);
    bind_int_or_null(st, 14, d->prompt_refund_fen, -1);
    rc = db_step(st);
    changed = rc == DB_OK ? db_changes(st) : 0;
    db_done(st);
    if (rc != DB_OK)
        return db_store_rc(rc);
    return changed == 1 ? STORE_OK : STORE_NOT_FOUND;
}

/* One duty by a query whose parameters the caller bound. */
static enum store_rc duty_one(struct db_stmt *st, struct duty *out)
{
    enum store_rc rc;
    enum db_rc step = db_step(st);
    if (step == DB_ROW)
        rc = duty_from_row(st, out);
    else if (step == DB_OK)
        rc = STORE_NOT_FOUND;
    else
        rc = db_store_rc(step);
    db_done(st);
    return rc;
}

enum store_rc store_duty_get_tx(struct store_tx *tx, int64_t id, struct duty *out)
{
    static const char sql[] = "SELECT " DUTY_COLUMNS DUTY_FROM " WHERE d.id = ?1";
    struct db_stmt *st = db_prepare(store_tx_db(tx), sql);
    if (st == NULL)
        return STORE_ERROR;
    db_bind_int64(st, 1, id);
    return duty_one(st, out);
}

enum store_rc store_duty_find_tx(struct store_tx *tx, int64_t application_id, const char *type,
                                 const char *period, struct duty *out)
{
    static const char sql[] = "SELECT " DUTY_COLUMNS DUTY_FROM
                              " WHERE d.application_id = ?1 AND d.type = ?2 AND d.period = ?3";
    struct db_stmt *st = db_prepare(store_tx_db(tx), sql);
    if (st == NULL)
        return STORE_ERROR;
    db_bind_int64(st, 1, application_id);
    db_bind_text(st, 2, type);
    db_bind_text(st, 3, period);
    return duty_one(st, out);
}

/* Reads every row of st (bound) before calling fn, so fn may use the store
 * and no read stays open while it runs; at most `limit` (0: all), *more
 * saying whether there was another. */
static enum store_rc duty_walk(struct db_stmt *st, size_t limit,
                               void (*fn)(const struct duty *d, void *ctx), void *ctx, bool *more)
{
    struct duty *rows = NULL;
    size_t n = 0, cap = 0;
    bool extra = false;
    enum store_rc rc = STORE_ERROR;
    enum db_rc step;

    while ((step = db_step(st)) == DB_ROW) {
        if (limit && n == limit) {
            extra = true;
            break;
        }
        if (n == cap) {
            size_t ncap = cap ? 2 * cap : 16;
            struct duty *grown = realloc(rows, ncap * sizeof *rows);
            if (!grown) {
                db_log(NULL, "out of memory reading duties");
                goto out;
            }
            rows = grown;
            cap = ncap;
        }
        if (duty_from_row(st, &rows[n]) != STORE_OK)
            goto out;
        n++;
    }
    if (step != DB_ROW && step != DB_OK) {
        rc = db_store_rc(step);
        goto out;
    }
    db_done(st);
    st = NULL;
    for (size_t i = 0; i < n; i++)
        fn(&rows[i], ctx);
    if (more)
        *more = extra;
    rc = STORE_OK;
out:
    db_done(st);
    for (size_t i = 0; i < n; i++)
        duty_release(&rows[i]);
    free(rows);
    return rc;
}

static const char sql_duties_of[] =
    "SELECT " DUTY_COLUMNS DUTY_FROM " WHERE d.application_id = ?1 ORDER BY d.nominal_on, d.id";

static enum store_rc duties_of(struct db *d, int64_t application_id,
                               void (*fn)(const struct duty *d, void *ctx), void *ctx)
{
    struct db_stmt *st = db_prepare(d, sql_duties_of);
    if (st == NULL)
        return STORE_ERROR;
    db_bind_int64(st, 1, application_id);
    return duty_walk(st, 0, fn, ctx, NULL);
}

enum store_rc store_duties_of(struct store *s, int64_t application_id,
                              void (*fn)(const struct duty *d, void *ctx), void *ctx)
{
    return duties_of(store_db(s), application_id, fn, ctx);
}

enum store_rc store_duties_of_tx(struct store_tx *tx, int64_t application_id,
                                 void (*fn)(const struct duty *d, void *ctx), void *ctx)
{
    return duties_of(store_tx_db(tx), application_id, fn, ctx);
}

enum store_rc store_duties_pending(struct store *s, const char *today,
                                   void (*fn)(const struct duty *d, void *ctx), void *ctx)
{
    /* Dates are YYYY-MM-DD: text order is date order (byte order on both
     * engines). */
    static const char sql[] =
        "SELECT " DUTY_COLUMNS DUTY_FROM " WHERE d.status IN ('due', 'reminded', 'rectifying')"
        " AND (d.due_on IS NULL OR d.due_on <= ?1) ORDER BY d.id";
    struct db_stmt *st = db_prepare(store_db(s), sql);
    if (st == NULL)
        return STORE_ERROR;
    db_bind_text(st, 1, today);
    return duty_walk(st, 0, fn, ctx, NULL);
}

enum store_rc store_duties_list(struct store *s, const struct duty_filter *f,
                                void (*fn)(const struct duty *d, void *ctx), void *ctx, bool *more)
{
    /* A parameter that is only compared with NULL has no type PostgreSQL
     * can infer: each is cast to text (the same in both dialects). */
    static const char sql[] = "SELECT " DUTY_COLUMNS DUTY_FROM
                              " WHERE (CAST(?1 AS text) IS NULL OR a.kind IN (?1, ?2, ?3, ?4))"
                              " AND (CAST(?5 AS text) IS NULL OR a.review_unit = ?5)"
                              " AND (CAST(?6 AS text) IS NULL OR d.status = ?6)"
                              " AND (CAST(?7 AS text) IS NULL OR d.type = ?7) AND (CAST(?8 AS "
                              "text) IS NULL OR a.kind = ?8)"
                              " AND (?9 = 0 OR d.prompt_state = 'open') AND d.id < ?10"
                              " ORDER BY d.id DESC LIMIT ?11";
    struct db_stmt *st;

    if (f->limit < 1 || f->limit > LIST_LIMIT_MAX || f->before_id < 0) {
        db_log(NULL, "store_duties_list: invalid filter");
        return STORE_ERROR;
    }
    st = db_prepare(store_db(s), sql);
    if (st == NULL)
        return STORE_ERROR;
    for (int i = 0; i < 4; i++)
        db_bind_text(st, 1 + i, f->kinds_in[i]);
    db_bind_text(st, 5, f->review_unit);
    db_bind_text(st, 6, f->status);
    db_bind_text(st, 7, f->type);
    db_bind_text(st, 8, f->kind);
    db_bind_int64(st, 9, f->prompt_open);
    db_bind_int64(st, 10, f->before_id > 0 ? f->before_id : INT64_MAX);
    db_bind_int64(st, 11, f->limit + 1);
    return duty_walk(st, (size_t)f->limit, fn, ctx, more);
}
