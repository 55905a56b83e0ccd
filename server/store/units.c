/*
 * Review units: the districts, the ETDZ and the enterprise units that do
 * the district preliminary review.
 */
#include "store_impl.h"

#include <stdlib.h>

/* Columns read by every query below, in this order. */
#define UNIT_COLUMNS "id, name_zh, name_en, kind"

static void unit_from_row(sqlite3_stmt *st, struct unit *u)
{
    store_col_text(st, 0, u->id, sizeof u->id);
    store_col_text(st, 1, u->name_zh, sizeof u->name_zh);
    store_col_text(st, 2, u->name_en, sizeof u->name_en);
    store_col_text(st, 3, u->kind, sizeof u->kind);
}

/* Runs an insert whose parameters ?1..?4 are the unit's columns. */
static enum store_rc unit_write(struct store_tx *tx, const char *sql, const struct unit *u)
{
    struct conn *c = store_tx_conn(tx);
    sqlite3_stmt *st = store_stmt(c, sql);
    enum store_rc rc;

    if (st == NULL)
        return STORE_ERROR;
    if ((store_bind_text(st, 1, u->id) | store_bind_text(st, 2, u->name_zh) |
         store_bind_text(st, 3, u->name_en) | store_bind_text(st, 4, u->kind)) != SQLITE_OK)
        rc = store_rc(c, SQLITE_ERROR, sql);
    else
        rc = store_rc(c, sqlite3_step(st), sql);
    store_stmt_done(st);
    return rc;
}

enum store_rc store_unit_put(struct store_tx *tx, const struct unit *u)
{
    static const char sql[] =
        "INSERT INTO review_units (id, name_zh, name_en, kind) VALUES (?1, ?2, ?3, ?4)"
        " ON CONFLICT (id) DO UPDATE SET"
        " name_zh = excluded.name_zh, name_en = excluded.name_en, kind = excluded.kind";

    return unit_write(tx, sql, u);
}

enum store_rc store_unit_add(struct store_tx *tx, const struct unit *u)
{
    static const char sql[] =
        "INSERT INTO review_units (id, name_zh, name_en, kind) VALUES (?1, ?2, ?3, ?4)";

    return unit_write(tx, sql, u);
}

enum store_rc store_unit_get(struct store *s, const char *id, struct unit *out)
{
    static const char sql[] = "SELECT " UNIT_COLUMNS " FROM review_units WHERE id = ?1";
    struct conn *c = store_reader(s);
    sqlite3_stmt *st = c ? store_stmt(c, sql) : NULL;
    enum store_rc rc = STORE_ERROR;
    int step;

    if (st == NULL)
        return STORE_ERROR;
    if (store_bind_text(st, 1, id) != SQLITE_OK) {
        store_rc(c, SQLITE_ERROR, sql);
        goto out;
    }
    step = sqlite3_step(st);
    if (step == SQLITE_ROW) {
        unit_from_row(st, out);
        rc = STORE_OK;
    } else if (step == SQLITE_DONE) {
        rc = STORE_NOT_FOUND;
    } else {
        rc = store_rc(c, step, sql);
    }
out:
    store_stmt_done(st);
    return rc;
}

enum store_rc store_unit_each(struct store *s, bool (*fn)(const struct unit *u, void *ctx),
                              void *ctx)
{
    static const char sql[] = "SELECT " UNIT_COLUMNS " FROM review_units ORDER BY id";
    struct conn *c = store_reader(s);
    sqlite3_stmt *st = c ? store_stmt(c, sql) : NULL;
    struct unit *units = NULL;
    size_t n = 0, cap = 0;
    enum store_rc rc = STORE_ERROR;
    int step;

    if (st == NULL)
        return STORE_ERROR;
    /* Read them all first: fn may query the store itself, and the read
     * should not stay open while it runs. */
    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
        if (n == cap) {
            size_t ncap = cap ? cap * 2 : 32;
            struct unit *grown = realloc(units, ncap * sizeof *units);
            if (grown == NULL) {
                store_log_error(NULL, "out of memory listing review units");
                goto out;
            }
            units = grown;
            cap = ncap;
        }
        unit_from_row(st, &units[n++]);
    }
    if (step != SQLITE_DONE) {
        store_rc(c, step, sql);
        goto out;
    }
    store_stmt_done(st);
    st = NULL;
    for (size_t i = 0; i < n; i++)
        if (!fn(&units[i], ctx))
            break;
    rc = STORE_OK;
out:
    store_stmt_done(st);
    free(units);
    return rc;
}
