/*
 * Review units: the districts, the ETDZ and the enterprise units that do
 * the district preliminary review.
 *
 * The model for a query file on the database layer (db.h), on SQLite and
 * PostgreSQL alike: take the connection (store_db() to read, store_tx_db()
 * inside a write), prepare the static SQL, bind its row of parameters,
 * step, read the columns, db_done(); map the result with db_store_rc().
 * Where the dialects differ, db_prepare_pg() takes the PostgreSQL text
 * beside the SQLite one (here they agree: ON CONFLICT … DO UPDATE with
 * `excluded` is both SQLite's and PostgreSQL's upsert, and ON CONFLICT DO
 * NOTHING both engines' way to find a key taken without failing).
 */
#include "db.h"

#include <stdlib.h>

/* Columns read by every query below, in this order. */
#define UNIT_COLUMNS "id, name_zh, name_en, kind"

static void unit_from_row(struct db_stmt *st, struct unit *u)
{
    db_col_text_copy(st, 0, u->id, sizeof u->id);
    db_col_text_copy(st, 1, u->name_zh, sizeof u->name_zh);
    db_col_text_copy(st, 2, u->name_en, sizeof u->name_en);
    db_col_text_copy(st, 3, u->kind, sizeof u->kind);
}

/* Binds the unit's columns to ?1..?4 of st. */
static void unit_bind(struct db_stmt *st, const struct unit *u)
{
    db_bind_text(st, 1, u->id);
    db_bind_text(st, 2, u->name_zh);
    db_bind_text(st, 3, u->name_en);
    db_bind_text(st, 4, u->kind);
}

enum store_rc store_unit_put(struct store_tx *tx, const struct unit *u)
{
    static const char sql[] =
        "INSERT INTO review_units (id, name_zh, name_en, kind) VALUES (?1, ?2, ?3, ?4)"
        " ON CONFLICT (id) DO UPDATE SET"
        " name_zh = excluded.name_zh, name_en = excluded.name_en, kind = excluded.kind";
    struct db_stmt *st = db_prepare(store_tx_db(tx), sql);

    if (st == NULL)
        return STORE_ERROR;
    unit_bind(st, u);
    return db_store_rc(db_exec(st));
}

/* A taken id is an answer, not a failure: DO NOTHING leaves the
 * transaction usable on PostgreSQL too (where a failed statement would
 * abort it), and no row changed is the conflict. */
enum store_rc store_unit_add(struct store_tx *tx, const struct unit *u)
{
    static const char sql[] =
        "INSERT INTO review_units (id, name_zh, name_en, kind) VALUES (?1, ?2, ?3, ?4)"
        " ON CONFLICT DO NOTHING";
    struct db_stmt *st = db_prepare(store_tx_db(tx), sql);
    enum db_rc rc;
    int64_t changed;

    if (st == NULL)
        return STORE_ERROR;
    unit_bind(st, u);
    rc = db_step(st);
    changed = rc == DB_OK ? db_changes(st) : 0;
    db_done(st);
    if (rc != DB_OK)
        return db_store_rc(rc);
    return changed == 1 ? STORE_OK : STORE_CONFLICT;
}

enum store_rc store_unit_get(struct store *s, const char *id, struct unit *out)
{
    static const char sql[] = "SELECT " UNIT_COLUMNS " FROM review_units WHERE id = ?1";
    struct db_stmt *st = db_prepare(store_db(s), sql);
    enum store_rc rc;
    enum db_rc step;

    if (st == NULL)
        return STORE_ERROR;
    db_bind_text(st, 1, id);
    step = db_step(st);
    if (step == DB_ROW) {
        unit_from_row(st, out);
        rc = STORE_OK;
    } else if (step == DB_OK) {
        rc = STORE_NOT_FOUND;
    } else {
        rc = db_store_rc(step);
    }
    db_done(st);
    return rc;
}

enum store_rc store_unit_each(struct store *s, bool (*fn)(const struct unit *u, void *ctx),
                              void *ctx)
{
    static const char sql[] = "SELECT " UNIT_COLUMNS " FROM review_units ORDER BY id";
    struct db_stmt *st = db_prepare(store_db(s), sql);
    struct unit *units = NULL;
    size_t n = 0, cap = 0;
    enum store_rc rc = STORE_ERROR;
    enum db_rc step;

    if (st == NULL)
        return STORE_ERROR;
    /* Read them all first: fn may query the store itself, and the read
     * should not stay open while it runs. */
    while ((step = db_step(st)) == DB_ROW) {
        if (n == cap) {
            size_t ncap = cap ? cap * 2 : 32;
            struct unit *grown = realloc(units, ncap * sizeof *units);
            if (grown == NULL) {
                db_log(NULL, "out of memory listing review units");
                goto out;
            }
            units = grown;
            cap = ncap;
        }
        unit_from_row(st, &units[n++]);
    }
    if (step != DB_OK)
        goto out;
    db_done(st);
    st = NULL;
    for (size_t i = 0; i < n; i++)
        if (!fn(&units[i], ctx))
            break;
    rc = STORE_OK;
out:
    db_done(st);
    free(units);
    return rc;
}
