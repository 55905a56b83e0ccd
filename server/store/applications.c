/*
 * Applications: one row each, the kind's `data` kept as JSON text.
 */
#include "db.h"
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

static enum store_rc app_from_row(struct db_stmt *st, struct application *a)
{
    a->id = db_col_int64(st, 0);
    db_col_text_copy(st, 1, a->kind, sizeof a->kind);
    a->round = (int)db_col_int64(st, 2);
    db_col_text_copy(st, 3, a->review_unit, sizeof a->review_unit);
    db_col_text_copy(st, 5, a->applicant_uscc, sizeof a->applicant_uscc);
    db_col_text_copy(st, 6, a->status, sizeof a->status);
    a->version = db_col_int64(st, 7);
    a->created_by = db_col_int64(st, 8);
    db_col_text_copy(st, 9, a->created_at, sizeof a->created_at);
    db_col_text_copy(st, 10, a->updated_at, sizeof a->updated_at);
    db_col_text_copy(st, 11, a->submitted_at, sizeof a->submitted_at);
    a->applicant_name = a->data_json = a->facts_json = NULL;
    if (db_col_text_dup(st, 4, "", &a->applicant_name) != 0 ||
        db_col_text_dup(st, 12, "{}", &a->data_json) != 0 ||
        db_col_text_dup(st, 13, "{}", &a->facts_json) != 0) {
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
        " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13) RETURNING id";
    struct db_stmt *st = db_prepare(store_tx_db(tx), sql);

    assert(a->data_json != NULL && a->applicant_name != NULL);
    if (st == NULL)
        return STORE_ERROR;
    db_bind_text(st, 1, a->kind);
    db_bind_int64(st, 2, a->round);
    db_bind_text(st, 3, a->review_unit);
    db_bind_text(st, 4, a->applicant_name);
    db_bind_text(st, 5, a->applicant_uscc);
    db_bind_text(st, 6, a->status);
    db_bind_int64(st, 7, a->version);
    db_bind_int64(st, 8, a->created_by);
    db_bind_text(st, 9, a->created_at);
    db_bind_text(st, 10, a->updated_at);
    db_bind_opt(st, 11, a->submitted_at);
    db_bind_text(st, 12, a->data_json);
    db_bind_text(st, 13, a->facts_json ? a->facts_json : "{}");
    return db_store_rc(db_one_int64(st, &a->id));
}

/* One application by id on connection d. */
static enum store_rc app_get(struct db *d, int64_t id, struct application *out)
{
    static const char sql[] = "SELECT " APP_COLUMNS " FROM applications WHERE id = ?1";
    struct db_stmt *st = db_prepare(d, sql);
    enum store_rc rc;

    if (st == NULL)
        return STORE_ERROR;
    db_bind_int64(st, 1, id);
    rc = db_row_rc(db_step(st));
    if (rc == STORE_OK)
        rc = app_from_row(st, out);
    db_done(st);
    return rc;
}

enum store_rc store_app_get(struct store *s, int64_t id, struct application *out)
{
    return app_get(store_db(s), id, out);
}

enum store_rc store_app_get_tx(struct store_tx *tx, int64_t id, struct application *out)
{
    return app_get(store_tx_db(tx), id, out);
}

/* Conditional on the version in the same statement: of two changes made
 * from one version only one matches (on PostgreSQL the other transaction,
 * serializable, fails and runs again to find the version moved). */
enum store_rc store_app_update(struct store_tx *tx, const struct application *a,
                               int64_t expected_version)
{
    static const char sql[] =
        "UPDATE applications SET review_unit = ?2, applicant_name = ?3, status = ?4,"
        " version = ?5, updated_at = ?6, submitted_at = ?7, data = ?8,"
        " facts = coalesce(?10, facts)"
        " WHERE id = ?1 AND version = ?9";
    static const char sql_exists[] = "SELECT 1 FROM applications WHERE id = ?1";
    struct db *d = store_tx_db(tx);
    struct db_stmt *st = db_prepare(d, sql);
    int64_t changed = 0;
    enum store_rc rc;

    assert(a->data_json != NULL && a->applicant_name != NULL);
    assert(a->version == expected_version + 1);
    if (st == NULL)
        return STORE_ERROR;
    db_bind_int64(st, 1, a->id);
    db_bind_text(st, 2, a->review_unit);
    db_bind_text(st, 3, a->applicant_name);
    db_bind_text(st, 4, a->status);
    db_bind_int64(st, 5, a->version);
    db_bind_text(st, 6, a->updated_at);
    db_bind_opt(st, 7, a->submitted_at);
    db_bind_text(st, 8, a->data_json);
    db_bind_int64(st, 9, expected_version);
    db_bind_text(st, 10, a->facts_json);
    rc = db_store_rc(db_exec_changes(st, &changed));
    if (rc != STORE_OK || changed == 1)
        return rc;

    /* Nothing changed: tell a stale version from a missing row. */
    st = db_prepare(d, sql_exists);
    if (st == NULL)
        return STORE_ERROR;
    db_bind_int64(st, 1, a->id);
    rc = db_row_rc(db_step(st));
    db_done(st);
    return rc == STORE_OK ? STORE_CONFLICT : rc;
}

/*
 * Listings.  Each statement is driven by one equality on an indexed column
 * (the scope's, or for SCOPE_SUBMITTED the most selective filter given),
 * which the planner can only use when it is written as a plain equality;
 * the other filters are optional terms that hold when their parameter is
 * NULL (or 0).  (A parameter that only IS NULL would type is cast: on
 * PostgreSQL every parameter's type must be known from its first use.)  The index's trailing rowid
 * serves "id < ?6 ORDER BY id DESC", so a page costs its own rows, never a sort.
 *
 *   ?1 the driving value   ?2 kind     ?3 status    ?4 round (0 = any)
 *   ?5 review_unit          ?6 before_id (exclusive) ?7 rows to fetch
 *   ?8..?11 the kinds the scope allows (NULL: any)
 */
#define LIST_FILTERS                                                                               \
    " AND (CAST(?2 AS TEXT) IS NULL OR kind = ?2)"                                                 \
    " AND (CAST(?3 AS TEXT) IS NULL OR status = ?3)"                                               \
    " AND (?4 = 0 OR round = ?4) AND (CAST(?5 AS TEXT) IS NULL OR review_unit = ?5)"               \
    " AND (CAST(?8 AS TEXT) IS NULL OR kind IN (?8, ?9, ?10, ?11))"                                \
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
    struct db_stmt *st = NULL;
    struct application *rows = NULL;
    const char *sql, *drive;
    size_t n = 0;
    bool extra = false;
    enum store_rc rc = STORE_ERROR;
    enum db_rc step;

    assert(f->limit >= 1 && f->limit <= LIST_LIMIT_MAX);
    if (!list_query(f, &sql, &drive) || f->limit < 1 || f->limit > LIST_LIMIT_MAX ||
        f->before_id < 0) {
        db_log(NULL, "store_app_list: invalid filter");
        return STORE_ERROR;
    }
    st = db_prepare(store_db(s), sql);
    if (st == NULL)
        return STORE_ERROR;
    rows = calloc((size_t)f->limit, sizeof *rows);
    if (rows == NULL) {
        db_log(NULL, "out of memory listing applications");
        goto out;
    }
    /* One row past the page tells whether there is a next page. */
    db_bind_text(st, 1, drive);
    db_bind_text(st, 2, f->kind);
    db_bind_text(st, 3, f->status);
    db_bind_int64(st, 4, f->round);
    db_bind_text(st, 5, f->review_unit);
    db_bind_int64(st, 6, f->before_id > 0 ? f->before_id : INT64_MAX);
    db_bind_int64(st, 7, f->limit + 1);
    for (int i = 0; i < 4; i++)
        db_bind_text(st, 8 + i, f->kinds_in[i]);
    /* Read the page whole before calling fn, so fn may use the store and
     * no read stays open while it runs. */
    while ((step = db_step(st)) == DB_ROW) {
        if (n == (size_t)f->limit) {
            extra = true;
            break;
        }
        if (app_from_row(st, &rows[n]) != STORE_OK)
            goto out;
        n++;
    }
    if (step != DB_ROW && step != DB_OK)
        goto out;
    db_done(st);
    st = NULL;
    for (size_t i = 0; i < n; i++)
        fn(&rows[i], ctx);
    if (more != NULL)
        *more = extra;
    rc = STORE_OK;
out:
    db_done(st);
    for (size_t i = 0; i < n; i++)
        application_release(&rows[i]);
    free(rows);
    return rc;
}

/* Walks the rows of st (bound, ready to step), lowest id first, and gives
 * st back. */
static enum store_rc app_walk(struct db_stmt *st, bool (*fn)(struct application *a, void *ctx),
                              void *ctx)
{
    enum store_rc rc = STORE_OK;
    enum db_rc step;

    while ((step = db_step(st)) == DB_ROW) {
        struct application a = {0};
        rc = app_from_row(st, &a);
        bool go_on = rc == STORE_OK && fn(&a, ctx);
        application_release(&a);
        if (!go_on) {
            db_done(st);
            return rc;
        }
    }
    db_done(st);
    return db_store_rc(step);
}

enum store_rc store_app_each_tx(struct store_tx *tx, const char *kind, int round,
                                bool (*fn)(struct application *a, void *ctx), void *ctx)
{
    static const char sql[] =
        "SELECT " APP_COLUMNS " FROM applications WHERE kind = ?1 AND round = ?2 ORDER BY id";
    struct db_stmt *st = db_prepare(store_tx_db(tx), sql);

    if (st == NULL)
        return STORE_ERROR;
    db_bind_text(st, 1, kind);
    db_bind_int64(st, 2, round);
    return app_walk(st, fn, ctx);
}

static enum store_rc each_status(struct db *d, const char *status,
                                 bool (*fn)(struct application *a, void *ctx), void *ctx)
{
    static const char sql[] =
        "SELECT " APP_COLUMNS " FROM applications WHERE status = ?1 ORDER BY id";
    struct db_stmt *st = db_prepare(d, sql);

    if (st == NULL)
        return STORE_ERROR;
    db_bind_text(st, 1, status);
    return app_walk(st, fn, ctx);
}

enum store_rc store_app_each_status_tx(struct store_tx *tx, const char *status,
                                       bool (*fn)(struct application *a, void *ctx), void *ctx)
{
    return each_status(store_tx_db(tx), status, fn, ctx);
}

enum store_rc store_app_each_status(struct store *s, const char *status,
                                    bool (*fn)(struct application *a, void *ctx), void *ctx)
{
    return each_status(store_db(s), status, fn, ctx);
}

enum store_rc store_app_version_tx(struct store_tx *tx, int64_t id, int64_t *version)
{
    static const char sql[] =
        "SELECT coalesce((SELECT version FROM applications WHERE id = ?1), 0)";
    struct db_stmt *st = db_prepare(store_tx_db(tx), sql);
    enum store_rc rc;

    if (st != NULL)
        db_bind_int64(st, 1, id);
    rc = db_store_rc(db_one_int64(st, version));
    return rc == STORE_OK && *version == 0 ? STORE_NOT_FOUND : rc;
}
