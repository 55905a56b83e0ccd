/*
 * Duties after approval and the reports that discharge them (RULES.md §8).
 */
#include "store_impl.h"

#include <assert.h>
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
        " VALUES (?1, ?2, ?3, ?4, ?5, ?6)";
    struct conn *c = store_tx_conn(tx);
    sqlite3_stmt *st = store_stmt(c, sql);
    enum store_rc rc;

    if (st == NULL)
        return STORE_ERROR;
    if ((sqlite3_bind_int64(st, 1, r->application_id) | store_bind_text(st, 2, r->type) |
         store_bind_text(st, 3, r->period) | store_bind_text(st, 4, r->body_json) |
         store_bind_text(st, 5, r->filed_at) | sqlite3_bind_int64(st, 6, r->filed_by)) != SQLITE_OK)
        rc = store_rc(c, SQLITE_ERROR, sql);
    else
        rc = store_rc(c, sqlite3_step(st), sql);
    if (rc == STORE_OK)
        r->id = sqlite3_last_insert_rowid(store_conn_db(c));
    store_stmt_done(st);
    return rc;
}

#define REPORT_COLUMNS "id, application_id, type, period, body, filed_at, filed_by"

static enum store_rc report_walk(struct conn *c, const char *sql, int64_t application_id,
                                 const char *type, void (*fn)(const struct report *r, void *ctx),
                                 void *ctx)
{
    sqlite3_stmt *st = c ? store_stmt(c, sql) : NULL;
    enum store_rc rc = STORE_OK;
    int step;

    if (st == NULL)
        return STORE_ERROR;
    if ((sqlite3_bind_int64(st, 1, application_id) |
         (type ? store_bind_text(st, 2, type) : SQLITE_OK)) != SQLITE_OK) {
        rc = store_rc(c, SQLITE_ERROR, sql);
        goto out;
    }
    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
        struct report r = {.id = sqlite3_column_int64(st, 0),
                           .application_id = sqlite3_column_int64(st, 1)};
        store_col_text(st, 2, r.type, sizeof r.type);
        store_col_text(st, 3, r.period, sizeof r.period);
        store_col_text(st, 5, r.filed_at, sizeof r.filed_at);
        r.filed_by = sqlite3_column_int64(st, 6);
        if (store_col_dup(st, 4, "{}", &r.body_json) != 0) {
            rc = STORE_ERROR;
            goto out;
        }
        fn(&r, ctx);
        report_release(&r);
    }
    if (step != SQLITE_DONE)
        rc = store_rc(c, step, sql);
out:
    store_stmt_done(st);
    return rc;
}

enum store_rc store_reports_of(struct store *s, int64_t application_id,
                               void (*fn)(const struct report *r, void *ctx), void *ctx)
{
    static const char sql[] =
        "SELECT " REPORT_COLUMNS " FROM reports WHERE application_id = ?1 ORDER BY id";
    return report_walk(store_reader(s), sql, application_id, NULL, fn, ctx);
}

enum store_rc store_reports_of_tx(struct store_tx *tx, int64_t application_id, const char *type,
                                  void (*fn)(const struct report *r, void *ctx), void *ctx)
{
    static const char sql[] = "SELECT " REPORT_COLUMNS
                              " FROM reports WHERE application_id = ?1 AND type = ?2 ORDER BY id";
    return report_walk(store_tx_conn(tx), sql, application_id, type, fn, ctx);
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

static int64_t col_int_or(sqlite3_stmt *st, int i, int64_t if_null)
{
    return sqlite3_column_type(st, i) == SQLITE_NULL ? if_null : sqlite3_column_int64(st, i);
}

static enum store_rc duty_from_row(sqlite3_stmt *st, struct duty *d)
{
    memset(d, 0, sizeof *d);
    d->id = sqlite3_column_int64(st, 0);
    d->application_id = sqlite3_column_int64(st, 1);
    store_col_text(st, 2, d->type, sizeof d->type);
    store_col_text(st, 3, d->period, sizeof d->period);
    store_col_text(st, 4, d->nominal_on, sizeof d->nominal_on);
    store_col_text(st, 5, d->due_on, sizeof d->due_on);
    store_col_text(st, 6, d->status, sizeof d->status);
    store_col_text(st, 7, d->created_at, sizeof d->created_at);
    store_col_text(st, 8, d->updated_at, sizeof d->updated_at);
    store_col_text(st, 9, d->reminded_at, sizeof d->reminded_at);
    store_col_text(st, 10, d->missed_at, sizeof d->missed_at);
    store_col_text(st, 11, d->filed_at, sizeof d->filed_at);
    d->report_id = col_int_or(st, 12, 0);
    d->amount_fen = col_int_or(st, 13, -1);
    store_col_text(st, 15, d->prompt_ground, sizeof d->prompt_ground);
    store_col_text(st, 16, d->prompt_state, sizeof d->prompt_state);
    store_col_text(st, 17, d->prompt_at, sizeof d->prompt_at);
    d->prompt_refund_fen = col_int_or(st, 18, -1);
    store_col_text(st, 19, d->kind, sizeof d->kind);
    store_col_text(st, 20, d->app_status, sizeof d->app_status);
    store_col_text(st, 21, d->review_unit, sizeof d->review_unit);
    store_col_text(st, 22, d->applicant_uscc, sizeof d->applicant_uscc);
    if (store_col_dup(st, 14, NULL, &d->result_json) != 0 ||
        store_col_dup(st, 23, "", &d->applicant_name) != 0) {
        duty_release(d);
        return STORE_ERROR;
    }
    return STORE_OK;
}

static int bind_int_or_null(sqlite3_stmt *st, int i, int64_t v, int64_t none)
{
    return v == none ? sqlite3_bind_null(st, i) : sqlite3_bind_int64(st, i, v);
}

enum store_rc store_duty_add(struct store_tx *tx, struct duty *d)
{
    static const char sql[] =
        "INSERT INTO duties (application_id, type, period, nominal_on, due_on, status,"
        " created_at, updated_at, filed_at, report_id, amount_fen, result, prompt_ground,"
        " prompt_state, prompt_at, prompt_refund_fen)"
        " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)";
    struct conn *c = store_tx_conn(tx);
    sqlite3_stmt *st = store_stmt(c, sql);
    enum store_rc rc;

    if (st == NULL)
        return STORE_ERROR;
    if ((sqlite3_bind_int64(st, 1, d->application_id) | store_bind_text(st, 2, d->type) |
         store_bind_text(st, 3, d->period) | store_bind_text(st, 4, d->nominal_on) |
         store_bind_opt(st, 5, d->due_on) | store_bind_text(st, 6, d->status) |
         store_bind_text(st, 7, d->created_at) | store_bind_opt(st, 8, d->filed_at) |
         bind_int_or_null(st, 9, d->report_id, 0) | bind_int_or_null(st, 10, d->amount_fen, -1) |
         store_bind_text(st, 11, d->result_json) | store_bind_opt(st, 12, d->prompt_ground) |
         store_bind_opt(st, 13, d->prompt_state) | store_bind_opt(st, 14, d->prompt_at) |
         bind_int_or_null(st, 15, d->prompt_refund_fen, -1)) != SQLITE_OK)
        rc = store_rc(c, SQLITE_ERROR, sql);
    else
        rc = store_rc(c, sqlite3_step(st), sql);
    if (rc == STORE_OK) {
        d->id = sqlite3_last_insert_rowid(store_conn_db(c));
        memcpy(d->updated_at, d->created_at, sizeof d->updated_at);
    }
    store_stmt_done(st);
    return rc;
}

enum store_rc store_duty_update(struct store_tx *tx, const struct duty *d)
{
    static const char sql[] =
        "UPDATE duties SET due_on = ?2, status = ?3, updated_at = ?4, reminded_at = ?5,"
        " missed_at = ?6, filed_at = ?7, report_id = ?8, amount_fen = ?9, result = ?10,"
        " prompt_ground = ?11, prompt_state = ?12, prompt_at = ?13, prompt_refund_fen = ?14"
        " WHERE id = ?1";
    struct conn *c = store_tx_conn(tx);
    sqlite3_stmt *st = store_stmt(c, sql);
    enum store_rc rc;

    if (st == NULL)
        return STORE_ERROR;
    if ((sqlite3_bind_int64(st, 1, d->id) | store_bind_opt(st, 2, d->due_on) |
         store_bind_text(st, 3, d->status) | store_bind_text(st, 4, d->updated_at) |
         store_bind_opt(st, 5, d->reminded_at) | store_bind_opt(st, 6, d->missed_at) |
         store_bind_opt(st, 7, d->filed_at) | bind_int_or_null(st, 8, d->report_id, 0) |
         bind_int_or_null(st, 9, d->amount_fen, -1) | store_bind_text(st, 10, d->result_json) |
         store_bind_opt(st, 11, d->prompt_ground) | store_bind_opt(st, 12, d->prompt_state) |
         store_bind_opt(st, 13, d->prompt_at) |
         bind_int_or_null(st, 14, d->prompt_refund_fen, -1)) != SQLITE_OK)
        rc = store_rc(c, SQLITE_ERROR, sql);
    else
        rc = store_rc(c, sqlite3_step(st), sql);
    if (rc == STORE_OK && sqlite3_changes(store_conn_db(c)) != 1)
        rc = STORE_NOT_FOUND;
    store_stmt_done(st);
    return rc;
}

/* One duty by a query whose parameters the caller bound. */
static enum store_rc duty_one(struct conn *c, sqlite3_stmt *st, const char *sql, int bound,
                              struct duty *out)
{
    enum store_rc rc;
    if (bound != SQLITE_OK) {
        rc = store_rc(c, SQLITE_ERROR, sql);
    } else {
        int step = sqlite3_step(st);
        if (step == SQLITE_ROW)
            rc = duty_from_row(st, out);
        else if (step == SQLITE_DONE)
            rc = STORE_NOT_FOUND;
        else
            rc = store_rc(c, step, sql);
    }
    store_stmt_done(st);
    return rc;
}

enum store_rc store_duty_get_tx(struct store_tx *tx, int64_t id, struct duty *out)
{
    static const char sql[] = "SELECT " DUTY_COLUMNS DUTY_FROM " WHERE d.id = ?1";
    struct conn *c = store_tx_conn(tx);
    sqlite3_stmt *st = store_stmt(c, sql);
    if (st == NULL)
        return STORE_ERROR;
    return duty_one(c, st, sql, sqlite3_bind_int64(st, 1, id), out);
}

enum store_rc store_duty_find_tx(struct store_tx *tx, int64_t application_id, const char *type,
                                 const char *period, struct duty *out)
{
    static const char sql[] = "SELECT " DUTY_COLUMNS DUTY_FROM
                              " WHERE d.application_id = ?1 AND d.type = ?2 AND d.period = ?3";
    struct conn *c = store_tx_conn(tx);
    sqlite3_stmt *st = store_stmt(c, sql);
    if (st == NULL)
        return STORE_ERROR;
    return duty_one(c, st, sql,
                    sqlite3_bind_int64(st, 1, application_id) | store_bind_text(st, 2, type) |
                        store_bind_text(st, 3, period),
                    out);
}

/* Reads every row of st (bound) before calling fn, so fn may use the store
 * and no read stays open while it runs. */
static enum store_rc duty_walk(struct conn *c, sqlite3_stmt *st, const char *sql, int bound,
                               size_t limit, void (*fn)(const struct duty *d, void *ctx), void *ctx,
                               bool *more)
{
    struct duty *rows = NULL;
    size_t n = 0, cap = 0;
    bool extra = false;
    enum store_rc rc = STORE_ERROR;
    int step = SQLITE_DONE;

    if (bound != SQLITE_OK) {
        store_rc(c, SQLITE_ERROR, sql);
        goto out;
    }
    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
        if (limit && n == limit) {
            extra = true;
            break;
        }
        if (n == cap) {
            size_t ncap = cap ? 2 * cap : 16;
            struct duty *grown = realloc(rows, ncap * sizeof *rows);
            if (!grown) {
                store_log_error(NULL, "out of memory reading duties");
                goto out;
            }
            rows = grown;
            cap = ncap;
        }
        if (duty_from_row(st, &rows[n]) != STORE_OK)
            goto out;
        n++;
    }
    if (step != SQLITE_ROW && step != SQLITE_DONE) {
        store_rc(c, step, sql);
        goto out;
    }
    store_stmt_done(st);
    st = NULL;
    for (size_t i = 0; i < n; i++)
        fn(&rows[i], ctx);
    if (more)
        *more = extra;
    rc = STORE_OK;
out:
    if (st)
        store_stmt_done(st);
    for (size_t i = 0; i < n; i++)
        duty_release(&rows[i]);
    free(rows);
    return rc;
}

static const char sql_duties_of[] =
    "SELECT " DUTY_COLUMNS DUTY_FROM " WHERE d.application_id = ?1 ORDER BY d.nominal_on, d.id";

enum store_rc store_duties_of(struct store *s, int64_t application_id,
                              void (*fn)(const struct duty *d, void *ctx), void *ctx)
{
    struct conn *c = store_reader(s);
    sqlite3_stmt *st = c ? store_stmt(c, sql_duties_of) : NULL;
    if (st == NULL)
        return STORE_ERROR;
    return duty_walk(c, st, sql_duties_of, sqlite3_bind_int64(st, 1, application_id), 0, fn, ctx,
                     NULL);
}

enum store_rc store_duties_of_tx(struct store_tx *tx, int64_t application_id,
                                 void (*fn)(const struct duty *d, void *ctx), void *ctx)
{
    struct conn *c = store_tx_conn(tx);
    sqlite3_stmt *st = store_stmt(c, sql_duties_of);
    if (st == NULL)
        return STORE_ERROR;
    return duty_walk(c, st, sql_duties_of, sqlite3_bind_int64(st, 1, application_id), 0, fn, ctx,
                     NULL);
}

enum store_rc store_duties_pending(struct store *s, const char *today,
                                   void (*fn)(const struct duty *d, void *ctx), void *ctx)
{
    /* Dates are YYYY-MM-DD: text order is date order. */
    static const char sql[] =
        "SELECT " DUTY_COLUMNS DUTY_FROM " WHERE d.status IN ('due', 'reminded', 'rectifying')"
        " AND (d.due_on IS NULL OR d.due_on <= ?1) ORDER BY d.id";
    struct conn *c = store_reader(s);
    sqlite3_stmt *st = c ? store_stmt(c, sql) : NULL;
    if (st == NULL)
        return STORE_ERROR;
    return duty_walk(c, st, sql, store_bind_text(st, 1, today), 0, fn, ctx, NULL);
}

enum store_rc store_duties_list(struct store *s, const struct duty_filter *f,
                                void (*fn)(const struct duty *d, void *ctx), void *ctx, bool *more)
{
    static const char sql[] =
        "SELECT " DUTY_COLUMNS DUTY_FROM " WHERE (?1 IS NULL OR a.kind IN (?1, ?2, ?3, ?4))"
        " AND (?5 IS NULL OR a.review_unit = ?5) AND (?6 IS NULL OR d.status = ?6)"
        " AND (?7 IS NULL OR d.type = ?7) AND (?8 IS NULL OR a.kind = ?8)"
        " AND (?9 = 0 OR d.prompt_state = 'open') AND d.id < ?10"
        " ORDER BY d.id DESC LIMIT ?11";
    struct conn *c;
    sqlite3_stmt *st;

    if (f->limit < 1 || f->limit > LIST_LIMIT_MAX || f->before_id < 0) {
        store_log_error(NULL, "store_duties_list: invalid filter");
        return STORE_ERROR;
    }
    c = store_reader(s);
    st = c ? store_stmt(c, sql) : NULL;
    if (st == NULL)
        return STORE_ERROR;
    int bound = store_bind_text(st, 1, f->kinds_in[0]) | store_bind_text(st, 2, f->kinds_in[1]) |
                store_bind_text(st, 3, f->kinds_in[2]) | store_bind_text(st, 4, f->kinds_in[3]) |
                store_bind_text(st, 5, f->review_unit) | store_bind_text(st, 6, f->status) |
                store_bind_text(st, 7, f->type) | store_bind_text(st, 8, f->kind) |
                sqlite3_bind_int(st, 9, f->prompt_open) |
                sqlite3_bind_int64(st, 10, f->before_id > 0 ? f->before_id : INT64_MAX) |
                sqlite3_bind_int(st, 11, f->limit + 1);
    return duty_walk(c, st, sql, bound, (size_t)f->limit, fn, ctx, more);
}
