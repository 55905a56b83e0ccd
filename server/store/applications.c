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

/* Columns read by every query below, in this order; app_from_row_of()
 * reads them.  submitted_at is NULL until the first submission.  The data
 * and facts are the two long texts, in their places: a query that does not
 * need them reads NULL there. */
#define APP_COLUMNS_WITH(data, facts)                                                              \
    "id, kind, round, review_unit, applicant_name, applicant_uscc, status, version,"               \
    " created_by, created_at, updated_at, submitted_at, " data ", " facts ", status_at,"           \
    " decided_at, granted_fen, refund_fen"
#define APP_COLUMNS      APP_COLUMNS_WITH("data", "facts")
#define APP_HEAD_COLUMNS APP_COLUMNS_WITH("NULL", "NULL")

/* An integer column that may be NULL: -1 for NULL. */
static int64_t col_fen(struct db_stmt *st, int i)
{
    return db_col_null(st, i) ? -1 : db_col_int64(st, i);
}

/* Binds a fen amount, NULL for a negative one (none). */
static void bind_fen(struct db_stmt *st, int i, int64_t fen)
{
    if (fen < 0)
        db_bind_null(st, i);
    else
        db_bind_int64(st, i, fen);
}

/* Reads a row of APP_COLUMNS, or of APP_HEAD_COLUMNS (or LIST_COLUMNS
 * with heads) when !whole. */
static enum store_rc app_from_row_of(struct db_stmt *st, struct application *a, bool whole)
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
    db_col_text_copy(st, 14, a->status_at, sizeof a->status_at);
    db_col_text_copy(st, 15, a->decided_at, sizeof a->decided_at);
    a->granted_fen = col_fen(st, 16);
    a->refund_fen = col_fen(st, 17);
    a->applicant_name = a->data_json = a->facts_json = NULL;
    if (db_col_text_dup(st, 4, "", &a->applicant_name) != 0 ||
        (whole && (db_col_text_dup(st, 12, "{}", &a->data_json) != 0 ||
                   db_col_text_dup(st, 13, "{}", &a->facts_json) != 0))) {
        application_release(a);
        return STORE_ERROR;
    }
    return STORE_OK;
}

static enum store_rc app_from_row(struct db_stmt *st, struct application *a)
{
    return app_from_row_of(st, a, true);
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

int application_copy(struct application *to, const struct application *from)
{
    *to = *from;
    to->applicant_name = from->applicant_name ? strdup(from->applicant_name) : NULL;
    to->data_json = from->data_json ? strdup(from->data_json) : NULL;
    to->facts_json = from->facts_json ? strdup(from->facts_json) : NULL;
    if ((from->applicant_name && !to->applicant_name) || (from->data_json && !to->data_json) ||
        (from->facts_json && !to->facts_json)) {
        application_release(to);
        return -1;
    }
    return 0;
}

enum store_rc store_app_insert(struct store_tx *tx, struct application *a)
{
    static const char sql[] =
        "INSERT INTO applications (kind, round, review_unit, applicant_name, applicant_uscc,"
        " status, version, created_by, created_at, updated_at, submitted_at, data, facts,"
        " status_at)"
        " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, coalesce(?14, ?9))"
        " RETURNING id";
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
    db_bind_opt(st, 14, a->status_at);
    return db_store_rc(db_one_int64(st, &a->id));
}
/* One application by id on connection d, whole or its head. */
static enum store_rc app_get(struct db *d, int64_t id, struct application *out, bool whole)
{
    static const char sql[] = "SELECT " APP_COLUMNS " FROM applications WHERE id = ?1";
    static const char sql_head[] = "SELECT " APP_HEAD_COLUMNS " FROM applications WHERE id = ?1";
    struct db_stmt *st = db_prepare(d, whole ? sql : sql_head);
    enum store_rc rc;

    if (st == NULL)
        return STORE_ERROR;
    db_bind_int64(st, 1, id);
    rc = db_row_rc(db_step(st));
    if (rc == STORE_OK)
        rc = app_from_row_of(st, out, whole);
    db_done(st);
    return rc;
}

enum store_rc store_app_get(struct store *s, int64_t id, struct application *out)
{
    return app_get(store_db(s), id, out, true);
}

enum store_rc store_app_get_tx(struct store_tx *tx, int64_t id, struct application *out)
{
    return app_get(store_tx_db(tx), id, out, true);
}

enum store_rc store_app_head(struct store *s, int64_t id, struct application *out)
{
    return app_get(store_db(s), id, out, false);
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
        " facts = coalesce(?10, facts), status_at = coalesce(?11, status_at), decided_at = ?12,"
        " granted_fen = ?13, refund_fen = ?14"
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
    db_bind_opt(st, 11, a->status_at);
    db_bind_opt(st, 12, a->decided_at);
    bind_fen(st, 13, a->granted_fen);
    bind_fen(st, 14, a->refund_fen);
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
 * Listings.  Each statement is driven by the equalities of one index (the
 * scope's, or the most selective filter given: a unit and one status, a
 * unit, one status, or none), which the planner can only use when they are
 * written as plain equalities; the other filters are optional terms that
 * hold when their parameter is NULL (or 0).  The order is the index's next
 * column and the id (its trailing rowid; PostgreSQL's index names id last),
 * and a page starts after the previous page's last row as a row-value range
 * on both, so a page costs its own rows, never a sort, wherever it is in the
 * list.  An organisation's own list (drafts included, a few rows) orders on
 * an expression and sorts.
 *
 *   ?1, ?2 what drives    ?3 kind        ?4..?12 statuses    ?13 round (0 = any)
 *   ?14 review_unit       ?15..?22 the kinds the scope allows
 *   ?23 submitted from    ?24 submitted before   ?25 updated since   ?26 q
 *   ?27, ?28 the sort key and id the page starts after   ?29 rows to fetch
 *
 * The PostgreSQL text differs in what SQLite spells its own way: a
 * parameter that only IS NULL would type is cast, instr() is strpos(), and
 * the search looks into the JSON with jsonb's operators.  A listing that
 * does not drive on ?2 still binds it: the layer declares it text.
 */
#define LIST_FILTERS                                                                               \
    " AND (?3 IS NULL OR kind = ?3)"                                                               \
    " AND (?4 IS NULL OR status IN (?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12))"                       \
    " AND (?13 = 0 OR round = ?13) AND (?14 IS NULL OR review_unit = ?14)"                         \
    " AND (?15 IS NULL OR kind IN (?15, ?16, ?17, ?18, ?19, ?20, ?21, ?22))"                       \
    " AND (?23 IS NULL OR submitted_at >= ?23) AND (?24 IS NULL OR submitted_at < ?24)"            \
    " AND (?25 IS NULL OR updated_at >= ?25)"                                                      \
    " AND (?26 IS NULL OR instr(lower(applicant_name), ?26) OR instr(lower(applicant_uscc), ?26)"  \
    "  OR instr(lower(coalesce(data ->> '$.brand', '')), ?26)"                                     \
    "  OR instr(lower(coalesce(data ->> '$.store.name', '')), ?26)"                                \
    "  OR instr(lower(coalesce(data ->> '$.base.name', '')), ?26)"                                 \
    "  OR EXISTS (SELECT 1 FROM json_each(data, '$.stores') AS s"                                  \
    "             WHERE instr(lower(coalesce(s.value ->> '$.brand', '')), ?26)))"

#define LIST_FILTERS_PG                                                                            \
    " AND (CAST(?3 AS TEXT) IS NULL OR kind = ?3)"                                                 \
    " AND (CAST(?4 AS TEXT) IS NULL OR status IN (?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12))"         \
    " AND (?13 = 0 OR round = ?13) AND (CAST(?14 AS TEXT) IS NULL OR review_unit = ?14)"           \
    " AND (CAST(?15 AS TEXT) IS NULL OR kind IN (?15, ?16, ?17, ?18, ?19, ?20, ?21, ?22))"         \
    " AND (CAST(?23 AS TEXT) IS NULL OR submitted_at >= ?23)"                                      \
    " AND (CAST(?24 AS TEXT) IS NULL OR submitted_at < ?24)"                                       \
    " AND (CAST(?25 AS TEXT) IS NULL OR updated_at >= ?25)"                                        \
    " AND (CAST(?26 AS TEXT) IS NULL OR strpos(lower(applicant_name), ?26) > 0"                    \
    "  OR strpos(lower(applicant_uscc), ?26) > 0"                                                  \
    "  OR strpos(lower(coalesce(data::jsonb ->> 'brand', '')), ?26) > 0"                           \
    "  OR strpos(lower(coalesce(data::jsonb #>> '{store,name}', '')), ?26) > 0"                    \
    "  OR strpos(lower(coalesce(data::jsonb #>> '{base,name}', '')), ?26) > 0"                     \
    "  OR EXISTS (SELECT 1 FROM jsonb_array_elements(CASE jsonb_typeof(data::jsonb -> 'stores')"   \
    "             WHEN 'array' THEN data::jsonb -> 'stores' ELSE '[]'::jsonb END) AS s (value)"    \
    "             WHERE strpos(lower(coalesce(s.value ->> 'brand', '')), ?26) > 0))"

/* The sort keys: when it was submitted (an organisation's draft: when it
 * was made), since when it waits. */
#define KEY_SUBMITTED "submitted_at"
#define KEY_OWN       "coalesce(submitted_at, created_at)"
#define KEY_WAITING   "status_at"

/* The data and facts only when ?30 is 1 (not f->heads). */
#define LIST_COLUMNS                                                                               \
    APP_COLUMNS_WITH("CASE WHEN ?30 = 1 THEN data END", "CASE WHEN ?30 = 1 THEN facts END")
#define LIST_DESC_OF(filters, where, key)                                                          \
    "SELECT " LIST_COLUMNS " FROM applications WHERE " where filters " AND (" key ", id) < "       \
    "(?27, ?28) ORDER BY " key " DESC, id DESC LIMIT ?29"
#define LIST_ASC_OF(filters, where, key)                                                           \
    "SELECT " LIST_COLUMNS " FROM applications WHERE " where filters " AND (" key ", id) > "       \
    "(?27, ?28) ORDER BY " key ", id LIMIT ?29"
#define LIST_COUNT_OF(filters, where) "SELECT count(*) FROM applications WHERE " where filters

#define WHERE_USCC        "applicant_uscc = ?1"
#define WHERE_UNIT_STATUS "review_unit = ?1 AND status = ?2 AND submitted_at IS NOT NULL"
#define WHERE_UNIT        "review_unit = ?1 AND submitted_at IS NOT NULL"
#define WHERE_STATUS      "status = ?1 AND submitted_at IS NOT NULL"
#define WHERE_SUBMITTED   "submitted_at IS NOT NULL"

/* What drives a listing: one statement per order, and its count, in each
 * dialect. */
struct list_drive {
    const char *sql[3]; /* by enum app_sort */
    const char *count;
    const char *pg[3];
    const char *count_pg;
};

#define LIST_DRIVE(where, own_key)                                                                 \
    {                                                                                              \
        {LIST_DESC_OF(LIST_FILTERS, where, own_key), LIST_ASC_OF(LIST_FILTERS, where, own_key),    \
         LIST_ASC_OF(LIST_FILTERS, where, KEY_WAITING)},                                           \
            LIST_COUNT_OF(LIST_FILTERS, where),                                                    \
            {LIST_DESC_OF(LIST_FILTERS_PG, where, own_key),                                        \
             LIST_ASC_OF(LIST_FILTERS_PG, where, own_key),                                         \
             LIST_ASC_OF(LIST_FILTERS_PG, where, KEY_WAITING)},                                    \
            LIST_COUNT_OF(LIST_FILTERS_PG, where),                                                 \
    }

static const struct list_drive drive_uscc = LIST_DRIVE(WHERE_USCC, KEY_OWN);
static const struct list_drive drive_unit_status = LIST_DRIVE(WHERE_UNIT_STATUS, KEY_SUBMITTED);
static const struct list_drive drive_unit = LIST_DRIVE(WHERE_UNIT, KEY_SUBMITTED);
static const struct list_drive drive_status = LIST_DRIVE(WHERE_STATUS, KEY_SUBMITTED);
static const struct list_drive drive_submitted = LIST_DRIVE(WHERE_SUBMITTED, KEY_SUBMITTED);

const char *store_app_sort_key(const struct application *a, enum app_sort sort)
{
    if (sort == SORT_WAITING)
        return a->status_at;
    return a->submitted_at[0] ? a->submitted_at : a->created_at;
}

/* The one status f asks for, or NULL when it asks for none or several. */
static const char *one_status(const struct app_filter *f)
{
    return f->statuses[0] && !f->statuses[1] ? f->statuses[0] : NULL;
}

/* The statements for f and the values of ?1 and ?2 (NULL when unused).
 * False when f is not a valid filter. */
static bool list_query(const struct app_filter *f, const struct list_drive **d, const char **v1,
                       const char **v2)
{
    const char *status = one_status(f);
    *v2 = NULL;
    *v1 = f->scope_value;
    if ((unsigned)f->sort > SORT_WAITING)
        return false;
    switch (f->scope) {
    case SCOPE_ORGANISATION:
        *d = &drive_uscc;
        return f->scope_value != NULL;
    case SCOPE_UNIT:
        *d = status ? &drive_unit_status : &drive_unit;
        *v2 = status;
        return f->scope_value != NULL;
    case SCOPE_SUBMITTED:
        /* A unit has the fewest rows, then a status. */
        if (f->review_unit != NULL) {
            *d = status ? &drive_unit_status : &drive_unit;
            *v1 = f->review_unit;
            *v2 = status;
        } else if (status != NULL) {
            *d = &drive_status;
            *v1 = status;
        } else {
            *d = &drive_submitted;
            *v1 = NULL;
        }
        return true;
    }
    return false;
}

const char *store_app_list_sql(const struct app_filter *f)
{
    const struct list_drive *d;
    const char *v1, *v2;

    return list_query(f, &d, &v1, &v2) ? d->sql[f->sort] : NULL;
}

/* Binds ?1 to ?26 of a listing or count statement. */
static void bind_filters(struct db_stmt *st, const struct app_filter *f, const char *v1,
                         const char *v2)
{
    db_bind_text(st, 1, v1);
    db_bind_text(st, 2, v2);
    db_bind_text(st, 3, f->kind);
    db_bind_int64(st, 13, f->round);
    db_bind_text(st, 14, f->review_unit);
    db_bind_text(st, 23, f->submitted_from);
    db_bind_text(st, 24, f->submitted_before);
    db_bind_text(st, 25, f->updated_since);
    db_bind_text(st, 26, f->q);
    for (int i = 0; i < APP_FILTER_STATUSES; i++)
        db_bind_text(st, 4 + i, f->statuses[i]);
    for (int i = 0; i < APP_FILTER_KINDS; i++)
        db_bind_text(st, 15 + i, f->kinds_in[i]);
}

enum store_rc store_app_list(struct store *s, const struct app_filter *f,
                             void (*fn)(const struct application *a, void *ctx), void *ctx,
                             bool *more)
{
    struct db_stmt *st = NULL;
    struct application *rows = NULL;
    const struct list_drive *d;
    const char *v1, *v2;
    size_t n = 0;
    bool extra = false;
    enum store_rc rc = STORE_ERROR;
    enum db_rc step;

    assert(f->limit >= 1 && f->limit <= LIST_LIMIT_MAX);
    if (!list_query(f, &d, &v1, &v2) || f->limit < 1 || f->limit > LIST_LIMIT_MAX ||
        f->after_id < 0) {
        db_log(NULL, "store_app_list: invalid filter");
        return STORE_ERROR;
    }
    struct db *db = store_db(s);
    st = db ? db_prepare_pg(db, d->sql[f->sort], d->pg[f->sort]) : NULL;
    if (st == NULL)
        return STORE_ERROR;
    rows = calloc((size_t)f->limit, sizeof *rows);
    if (rows == NULL) {
        db_log(NULL, "out of memory listing applications");
        goto out;
    }
    /* With no start, the first page starts past the end of the order:
     * after every key going down, before every key going up ("" sorts
     * first, and every RFC 3339 text before "~"; both engines compare text
     * bytewise). */
    bool desc = f->sort == SORT_SUBMITTED_DESC;
    const char *after_key = f->after_key ? f->after_key : desc ? "~" : "";
    int64_t after_id = f->after_key ? f->after_id : desc ? INT64_MAX : 0;
    /* One row past the page tells whether there is a next page. */
    bind_filters(st, f, v1, v2);
    db_bind_text(st, 27, after_key);
    db_bind_int64(st, 28, after_id);
    db_bind_int64(st, 29, f->limit + 1);
    db_bind_int64(st, 30, !f->heads);
    /* Read the page whole before calling fn, so fn may use the store and
     * no read stays open while it runs. */
    while ((step = db_step(st)) == DB_ROW) {
        if (n == (size_t)f->limit) {
            extra = true;
            break;
        }
        if (app_from_row_of(st, &rows[n], !f->heads) != STORE_OK)
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

enum store_rc store_app_count(struct store *s, const struct app_filter *f, int64_t *n)
{
    const struct list_drive *d;
    const char *v1, *v2;

    if (!list_query(f, &d, &v1, &v2)) {
        db_log(NULL, "store_app_count: invalid filter");
        return STORE_ERROR;
    }
    struct db *db = store_db(s);
    struct db_stmt *st = db ? db_prepare_pg(db, d->count, d->count_pg) : NULL;
    if (st != NULL)
        bind_filters(st, f, v1, v2);
    return db_store_rc(db_one_int64(st, n));
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

enum store_rc store_app_each_of_org_tx(struct store_tx *tx, const char *uscc, const char *kind,
                                       int round, int64_t except,
                                       bool (*fn)(struct application *a, void *ctx), void *ctx)
{
    static const char sql[] = "SELECT " APP_COLUMNS " FROM applications"
                              " WHERE applicant_uscc = ?1 AND kind = ?2 AND round = ?3"
                              " AND id <> ?4 ORDER BY id";
    struct db_stmt *st = db_prepare(store_tx_db(tx), sql);

    if (st == NULL)
        return STORE_ERROR;
    db_bind_text(st, 1, uscc);
    db_bind_text(st, 2, kind);
    db_bind_int64(st, 3, round);
    db_bind_int64(st, 4, except);
    return app_walk(st, fn, ctx);
}

enum store_rc store_app_each_of_tx(struct store_tx *tx, const char *uscc, const char *kind,
                                   bool (*fn)(struct application *a, void *ctx), void *ctx)
{
    static const char sql[] =
        "SELECT " APP_COLUMNS " FROM applications WHERE applicant_uscc = ?1 AND kind = ?2"
        " ORDER BY id";
    struct db_stmt *st = db_prepare(store_tx_db(tx), sql);

    if (st == NULL)
        return STORE_ERROR;
    db_bind_text(st, 1, uscc);
    db_bind_text(st, 2, kind);
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
