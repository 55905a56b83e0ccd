/*
 * Applications: one row each, the kind's `data` kept as JSON text.
 */
#include "store_impl.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

/* The most rows one listing may ask for (struct app_filter's limit). */
#define LIST_LIMIT_MAX 200

/* Columns read by every query below, in this order; app_from_row() reads
 * them.  submitted_at is NULL until the first submission. */
#define APP_COLUMNS                                                                                \
    "id, kind, round, review_unit, applicant_name, applicant_uscc, status, version,"               \
    " created_by, created_at, updated_at, submitted_at, data, facts"

static enum store_rc app_from_row(sqlite3_stmt *st, struct application *a)
{
    a->id = sqlite3_column_int64(st, 0);
    store_col_text(st, 1, a->kind, sizeof a->kind);
    a->round = sqlite3_column_int(st, 2);
    store_col_text(st, 3, a->review_unit, sizeof a->review_unit);
    store_col_text(st, 5, a->applicant_uscc, sizeof a->applicant_uscc);
    store_col_text(st, 6, a->status, sizeof a->status);
    a->version = sqlite3_column_int64(st, 7);
    a->created_by = sqlite3_column_int64(st, 8);
    store_col_text(st, 9, a->created_at, sizeof a->created_at);
    store_col_text(st, 10, a->updated_at, sizeof a->updated_at);
    store_col_text(st, 11, a->submitted_at, sizeof a->submitted_at);
    a->applicant_name = a->data_json = a->facts_json = NULL;
    if (store_col_dup(st, 4, "", &a->applicant_name) != 0 ||
        store_col_dup(st, 12, "{}", &a->data_json) != 0 ||
        store_col_dup(st, 13, "{}", &a->facts_json) != 0) {
        application_release(a);
        return STORE_ERROR;
    }
    return STORE_OK;
}

void application_release(struct application *a)
{
    if (a == NULL)
        return;
    free(a->applicant_name);
    a->applicant_name = NULL;
    free(a->data_json);
    a->data_json = NULL;
    free(a->facts_json);
    a->facts_json = NULL;
}

enum store_rc store_app_insert(struct store_tx *tx, struct application *a)
{
    static const char sql[] =
        "INSERT INTO applications (kind, round, review_unit, applicant_name, applicant_uscc,"
        " status, version, created_by, created_at, updated_at, submitted_at, data, facts)"
        " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)";
    struct conn *c = store_tx_conn(tx);
    sqlite3_stmt *st = store_stmt(c, sql);
    enum store_rc rc;
    int bound;

    assert(a->data_json != NULL && a->applicant_name != NULL);
    if (st == NULL)
        return STORE_ERROR;
    bound = store_bind_text(st, 1, a->kind) | sqlite3_bind_int(st, 2, a->round) |
            store_bind_text(st, 3, a->review_unit) | store_bind_text(st, 4, a->applicant_name) |
            store_bind_text(st, 5, a->applicant_uscc) | store_bind_text(st, 6, a->status) |
            sqlite3_bind_int64(st, 7, a->version) | sqlite3_bind_int64(st, 8, a->created_by) |
            store_bind_text(st, 9, a->created_at) | store_bind_text(st, 10, a->updated_at) |
            store_bind_opt(st, 11, a->submitted_at) | store_bind_text(st, 12, a->data_json) |
            store_bind_text(st, 13, a->facts_json ? a->facts_json : "{}");
    if (bound != SQLITE_OK)
        rc = store_rc(c, SQLITE_ERROR, sql);
    else
        rc = store_rc(c, sqlite3_step(st), sql);
    if (rc == STORE_OK)
        a->id = sqlite3_last_insert_rowid(store_conn_db(c));
    store_stmt_done(st);
    return rc;
}

static const char sql_app_get[] = "SELECT " APP_COLUMNS " FROM applications WHERE id = ?1";

/* One application by id on connection c. */
static enum store_rc app_get(struct conn *c, int64_t id, struct application *out)
{
    sqlite3_stmt *st = store_stmt(c, sql_app_get);
    enum store_rc rc;
    int step;

    if (st == NULL)
        return STORE_ERROR;
    if (sqlite3_bind_int64(st, 1, id) != SQLITE_OK) {
        rc = store_rc(c, SQLITE_ERROR, sql_app_get);
        goto out;
    }
    step = sqlite3_step(st);
    if (step == SQLITE_ROW)
        rc = app_from_row(st, out);
    else if (step == SQLITE_DONE)
        rc = STORE_NOT_FOUND;
    else
        rc = store_rc(c, step, sql_app_get);
out:
    store_stmt_done(st);
    return rc;
}

enum store_rc store_app_get(struct store *s, int64_t id, struct application *out)
{
    struct conn *c = store_reader(s);

    return c ? app_get(c, id, out) : STORE_ERROR;
}

enum store_rc store_app_get_tx(struct store_tx *tx, int64_t id, struct application *out)
{
    return app_get(store_tx_conn(tx), id, out);
}

enum store_rc store_app_update(struct store_tx *tx, const struct application *a,
                               int64_t expected_version)
{
    static const char sql[] =
        "UPDATE applications SET review_unit = ?2, applicant_name = ?3, status = ?4,"
        " version = ?5, updated_at = ?6, submitted_at = ?7, data = ?8,"
        " facts = coalesce(?10, facts)"
        " WHERE id = ?1 AND version = ?9";
    static const char sql_exists[] = "SELECT 1 FROM applications WHERE id = ?1";
    struct conn *c = store_tx_conn(tx);
    sqlite3_stmt *st = store_stmt(c, sql);
    enum store_rc rc;
    int step;

    assert(a->data_json != NULL && a->applicant_name != NULL);
    assert(a->version == expected_version + 1);
    if (st == NULL)
        return STORE_ERROR;
    if ((sqlite3_bind_int64(st, 1, a->id) | store_bind_text(st, 2, a->review_unit) |
         store_bind_text(st, 3, a->applicant_name) | store_bind_text(st, 4, a->status) |
         sqlite3_bind_int64(st, 5, a->version) | store_bind_text(st, 6, a->updated_at) |
         store_bind_opt(st, 7, a->submitted_at) | store_bind_text(st, 8, a->data_json) |
         sqlite3_bind_int64(st, 9, expected_version) | store_bind_text(st, 10, a->facts_json)) !=
        SQLITE_OK)
        rc = store_rc(c, SQLITE_ERROR, sql);
    else
        rc = store_rc(c, sqlite3_step(st), sql);
    store_stmt_done(st);
    if (rc != STORE_OK || sqlite3_changes(store_conn_db(c)) == 1)
        return rc;

    /* Nothing changed: tell a stale version from a missing row. */
    st = store_stmt(c, sql_exists);
    if (st == NULL)
        return STORE_ERROR;
    if (sqlite3_bind_int64(st, 1, a->id) != SQLITE_OK) {
        rc = store_rc(c, SQLITE_ERROR, sql_exists);
        goto out;
    }
    step = sqlite3_step(st);
    if (step == SQLITE_ROW)
        rc = STORE_CONFLICT;
    else if (step == SQLITE_DONE)
        rc = STORE_NOT_FOUND;
    else
        rc = store_rc(c, step, sql_exists);
out:
    store_stmt_done(st);
    return rc;
}

/*
 * Listings.  Each statement is driven by one equality on an indexed column
 * (the scope's, or for SCOPE_SUBMITTED the most selective filter given),
 * which the planner can only use when it is written as a plain equality;
 * the other filters are optional terms that hold when their parameter is
 * NULL (or 0).  The index's trailing rowid serves "id < ?6 ORDER BY id
 * DESC", so a page costs its own rows, never a sort.
 *
 *   ?1 the driving value   ?2 kind     ?3 status    ?4 round (0 = any)
 *   ?5 review_unit          ?6 before_id (exclusive) ?7 rows to fetch
 *   ?8..?11 the kinds the scope allows (NULL: any)
 */
#define LIST_FILTERS                                                                               \
    " AND (?2 IS NULL OR kind = ?2) AND (?3 IS NULL OR status = ?3)"                               \
    " AND (?4 = 0 OR round = ?4) AND (?5 IS NULL OR review_unit = ?5)"                             \
    " AND (?8 IS NULL OR kind IN (?8, ?9, ?10, ?11))"                                              \
    " AND id < ?6 ORDER BY id DESC LIMIT ?7"

static const char sql_list_by_uscc[] =
    "SELECT " APP_COLUMNS " FROM applications WHERE applicant_uscc = ?1" LIST_FILTERS;
static const char sql_list_by_unit[] =
    "SELECT " APP_COLUMNS " FROM applications"
    " WHERE review_unit = ?1 AND submitted_at IS NOT NULL" LIST_FILTERS;
static const char sql_list_by_kind[] = "SELECT " APP_COLUMNS " FROM applications"
                                       " WHERE kind = ?1 AND submitted_at IS NOT NULL" LIST_FILTERS;
static const char sql_list_by_status[] =
    "SELECT " APP_COLUMNS " FROM applications"
    " WHERE status = ?1 AND submitted_at IS NOT NULL" LIST_FILTERS;
static const char sql_list_submitted[] = "SELECT " APP_COLUMNS " FROM applications"
                                         " WHERE submitted_at IS NOT NULL" LIST_FILTERS;

/* The statement for f and the value of its ?1 (NULL when it has none).
 * False when f is not a valid filter. */
static bool list_query(const struct app_filter *f, const char **sql, const char **drive)
{
    *drive = f->scope_value;
    switch (f->scope) {
    case SCOPE_ORGANISATION:
        *sql = sql_list_by_uscc;
        return f->scope_value != NULL;
    case SCOPE_UNIT:
        *sql = sql_list_by_unit;
        return f->scope_value != NULL;
    case SCOPE_KIND:
        *sql = sql_list_by_kind;
        return f->scope_value != NULL;
    case SCOPE_SUBMITTED:
        /* A unit has the fewest rows, then a status, then a kind. */
        if (f->review_unit != NULL) {
            *sql = sql_list_by_unit;
            *drive = f->review_unit;
        } else if (f->status != NULL) {
            *sql = sql_list_by_status;
            *drive = f->status;
        } else if (f->kind != NULL) {
            *sql = sql_list_by_kind;
            *drive = f->kind;
        } else {
            *sql = sql_list_submitted;
            *drive = NULL;
        }
        return true;
    }
    return false;
}

const char *store_app_list_sql(const struct app_filter *f)
{
    const char *sql, *drive;

    return list_query(f, &sql, &drive) ? sql : NULL;
}

enum store_rc store_app_list(struct store *s, const struct app_filter *f,
                             void (*fn)(const struct application *a, void *ctx), void *ctx,
                             bool *more)
{
    struct conn *c;
    sqlite3_stmt *st = NULL;
    struct application *rows = NULL;
    const char *sql, *drive;
    size_t n = 0;
    bool extra = false;
    enum store_rc rc = STORE_ERROR;
    int step;

    assert(f->limit >= 1 && f->limit <= LIST_LIMIT_MAX);
    if (!list_query(f, &sql, &drive) || f->limit < 1 || f->limit > LIST_LIMIT_MAX ||
        f->before_id < 0) {
        store_log_error(NULL, "store_app_list: invalid filter");
        return STORE_ERROR;
    }
    c = store_reader(s);
    st = c ? store_stmt(c, sql) : NULL;
    if (st == NULL)
        return STORE_ERROR;
    rows = calloc((size_t)f->limit, sizeof *rows);
    if (rows == NULL) {
        store_log_error(NULL, "out of memory listing applications");
        goto out;
    }
    /* One row past the page tells whether there is a next page. */
    if ((store_bind_text(st, 1, drive) | store_bind_text(st, 2, f->kind) |
         store_bind_text(st, 3, f->status) | sqlite3_bind_int(st, 4, f->round) |
         store_bind_text(st, 5, f->review_unit) |
         sqlite3_bind_int64(st, 6, f->before_id > 0 ? f->before_id : INT64_MAX) |
         sqlite3_bind_int(st, 7, f->limit + 1) | store_bind_text(st, 8, f->kinds_in[0]) |
         store_bind_text(st, 9, f->kinds_in[1]) | store_bind_text(st, 10, f->kinds_in[2]) |
         store_bind_text(st, 11, f->kinds_in[3])) != SQLITE_OK) {
        store_rc(c, SQLITE_ERROR, sql);
        goto out;
    }
    /* Read the page whole before calling fn, so fn may use the store and
     * no read stays open while it runs. */
    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
        if (n == (size_t)f->limit) {
            extra = true;
            break;
        }
        if (app_from_row(st, &rows[n]) != STORE_OK)
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
    if (more != NULL)
        *more = extra;
    rc = STORE_OK;
out:
    store_stmt_done(st);
    for (size_t i = 0; i < n; i++)
        application_release(&rows[i]);
    free(rows);
    return rc;
}

/* Walks the rows of st (bound, ready to step), lowest id first. */
static enum store_rc app_walk(struct conn *c, sqlite3_stmt *st, const char *sql,
                              bool (*fn)(struct application *a, void *ctx), void *ctx)
{
    enum store_rc rc = STORE_OK;
    int step;
    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
        struct application a = {0};
        rc = app_from_row(st, &a);
        bool go_on = rc == STORE_OK && fn(&a, ctx);
        application_release(&a);
        if (!go_on)
            return rc;
    }
    return step == SQLITE_DONE ? STORE_OK : store_rc(c, step, sql);
}

enum store_rc store_app_each_tx(struct store_tx *tx, const char *kind, int round,
                                bool (*fn)(struct application *a, void *ctx), void *ctx)
{
    static const char sql[] =
        "SELECT " APP_COLUMNS " FROM applications WHERE kind = ?1 AND round = ?2 ORDER BY id";
    struct conn *c = store_tx_conn(tx);
    sqlite3_stmt *st = store_stmt(c, sql);
    enum store_rc rc;

    if (st == NULL)
        return STORE_ERROR;
    if ((store_bind_text(st, 1, kind) | sqlite3_bind_int(st, 2, round)) != SQLITE_OK)
        rc = store_rc(c, SQLITE_ERROR, sql);
    else
        rc = app_walk(c, st, sql, fn, ctx);
    store_stmt_done(st);
    return rc;
}

enum store_rc store_app_each_of_tx(struct store_tx *tx, const char *uscc, const char *kind,
                                   bool (*fn)(struct application *a, void *ctx), void *ctx)
{
    static const char sql[] =
        "SELECT " APP_COLUMNS " FROM applications WHERE applicant_uscc = ?1 AND kind = ?2"
        " ORDER BY id";
    struct conn *c = store_tx_conn(tx);
    sqlite3_stmt *st = store_stmt(c, sql);
    enum store_rc rc;

    if (st == NULL)
        return STORE_ERROR;
    if ((store_bind_text(st, 1, uscc) | store_bind_text(st, 2, kind)) != SQLITE_OK)
        rc = store_rc(c, SQLITE_ERROR, sql);
    else
        rc = app_walk(c, st, sql, fn, ctx);
    store_stmt_done(st);
    return rc;
}

static const char sql_each_status[] =
    "SELECT " APP_COLUMNS " FROM applications WHERE status = ?1 ORDER BY id";

static enum store_rc each_status(struct conn *c, const char *status,
                                 bool (*fn)(struct application *a, void *ctx), void *ctx)
{
    const char *sql = sql_each_status;
    sqlite3_stmt *st = c ? store_stmt(c, sql) : NULL;
    enum store_rc rc;

    if (st == NULL)
        return STORE_ERROR;
    if (store_bind_text(st, 1, status) != SQLITE_OK)
        rc = store_rc(c, SQLITE_ERROR, sql);
    else
        rc = app_walk(c, st, sql, fn, ctx);
    store_stmt_done(st);
    return rc;
}

enum store_rc store_app_each_status_tx(struct store_tx *tx, const char *status,
                                       bool (*fn)(struct application *a, void *ctx), void *ctx)
{
    return each_status(store_tx_conn(tx), status, fn, ctx);
}

enum store_rc store_app_each_status(struct store *s, const char *status,
                                    bool (*fn)(struct application *a, void *ctx), void *ctx)
{
    return each_status(store_reader(s), status, fn, ctx);
}

enum store_rc store_app_version_tx(struct store_tx *tx, int64_t id, int64_t *version)
{
    static const char sql[] =
        "SELECT coalesce((SELECT version FROM applications WHERE id = ?1), 0)";
    struct conn *c = store_tx_conn(tx);
    sqlite3_stmt *st = store_stmt(c, sql);
    if (st == NULL)
        return STORE_ERROR;
    int bound = sqlite3_bind_int64(st, 1, id);
    enum store_rc rc = store_one_int(c, st, sql, bound, version);
    return rc == STORE_OK && *version == 0 ? STORE_NOT_FOUND : rc;
}
