/*
 * Events and objections.  Events are only ever inserted: the schema refuses
 * UPDATE and DELETE, and the chain of hashes shows any change made around
 * it.
 */
#include "store_impl.h"

#include <stdio.h>
#include <stdlib.h>
#include <stdint.h>
#include <string.h>

/* ---- events --------------------------------------------------------------- */

#define EVENT_COLUMNS                                                                              \
    "id, application_id, at, action, from_status, to_status, actor_account, actor_role,"           \
    " opinion, request_id, details, prev_hash, hash, format, actor_name, actor_unit,"              \
    " actor_authority"

void event_release(struct event *e)
{
    if (!e)
        return;
    free(e->opinion);
    free(e->details_json);
    free(e->actor_name);
    e->opinion = e->details_json = e->actor_name = NULL;
}

static enum store_rc event_from_row(sqlite3_stmt *st, struct event *e)
{
    memset(e, 0, sizeof *e);
    e->id = sqlite3_column_int64(st, 0);
    e->application_id = sqlite3_column_int64(st, 1);
    store_col_text(st, 2, e->at, sizeof e->at);
    store_col_text(st, 3, e->action, sizeof e->action);
    store_col_text(st, 4, e->from_status, sizeof e->from_status);
    store_col_text(st, 5, e->to_status, sizeof e->to_status);
    e->actor_account = sqlite3_column_int64(st, 6);
    store_col_text(st, 7, e->actor_role, sizeof e->actor_role);
    store_col_text(st, 9, e->request_id, sizeof e->request_id);
    /* A hash of the wrong size (tampering) reads as zeros, which never
     * verifies. */
    if (sqlite3_column_bytes(st, 11) == EVENT_HASH_LEN)
        memcpy(e->prev_hash, sqlite3_column_blob(st, 11), EVENT_HASH_LEN);
    if (sqlite3_column_bytes(st, 12) == EVENT_HASH_LEN)
        memcpy(e->hash, sqlite3_column_blob(st, 12), EVENT_HASH_LEN);
    e->format = sqlite3_column_int(st, 13);
    store_col_text(st, 15, e->actor_unit, sizeof e->actor_unit);
    store_col_text(st, 16, e->actor_authority, sizeof e->actor_authority);
    if (store_col_dup(st, 8, NULL, &e->opinion) != 0 ||
        store_col_dup(st, 10, "{}", &e->details_json) != 0 ||
        store_col_dup(st, 14, NULL, &e->actor_name) != 0) {
        event_release(e);
        return STORE_ERROR;
    }
    return STORE_OK;
}

enum store_rc store_event_last(struct store_tx *tx, int64_t *id, unsigned char hash[EVENT_HASH_LEN])
{
    static const char sql[] = "SELECT id, hash FROM events ORDER BY id DESC LIMIT 1";
    struct conn *c = store_tx_conn(tx);
    sqlite3_stmt *st = store_stmt(c, sql);
    enum store_rc rc;
    int step;

    if (st == NULL)
        return STORE_ERROR;
    step = sqlite3_step(st);
    if (step == SQLITE_ROW && sqlite3_column_bytes(st, 1) == EVENT_HASH_LEN) {
        *id = sqlite3_column_int64(st, 0);
        memcpy(hash, sqlite3_column_blob(st, 1), EVENT_HASH_LEN);
        rc = STORE_OK;
    } else if (step == SQLITE_DONE) {
        rc = STORE_NOT_FOUND;
    } else {
        rc = store_rc(c, step == SQLITE_ROW ? SQLITE_CORRUPT : step, sql);
    }
    store_stmt_done(st);
    return rc;
}

enum store_rc store_event_insert(struct store_tx *tx, const struct event *e)
{
    static const char sql[] =
        "INSERT INTO events (" EVENT_COLUMNS ")"
        " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15,"
        " ?16, ?17)";
    struct conn *c = store_tx_conn(tx);
    sqlite3_stmt *st = store_stmt(c, sql);
    enum store_rc rc;

    if (st == NULL)
        return STORE_ERROR;
    int bound = sqlite3_bind_int64(st, 1, e->id) | sqlite3_bind_int64(st, 2, e->application_id) |
                store_bind_text(st, 3, e->at) | store_bind_text(st, 4, e->action) |
                store_bind_opt(st, 5, e->from_status) | store_bind_opt(st, 6, e->to_status) |
                (e->actor_account ? sqlite3_bind_int64(st, 7, e->actor_account)
                                  : sqlite3_bind_null(st, 7)) |
                store_bind_text(st, 8, e->actor_role) | store_bind_text(st, 9, e->opinion) |
                store_bind_opt(st, 10, e->request_id) |
                store_bind_text(st, 11, e->details_json ? e->details_json : "{}") |
                sqlite3_bind_blob(st, 12, e->prev_hash, EVENT_HASH_LEN, SQLITE_STATIC) |
                sqlite3_bind_blob(st, 13, e->hash, EVENT_HASH_LEN, SQLITE_STATIC) |
                sqlite3_bind_int(st, 14, e->format > 1 ? e->format : 1) |
                store_bind_text(st, 15, e->format > 1 ? e->actor_name : NULL) |
                store_bind_opt(st, 16, e->format > 1 ? e->actor_unit : NULL) |
                store_bind_opt(st, 17, e->format > 1 ? e->actor_authority : NULL);
    if (bound != SQLITE_OK)
        rc = store_rc(c, SQLITE_ERROR, sql);
    else
        rc = store_rc(c, sqlite3_step(st), sql);
    store_stmt_done(st);
    return rc;
}

enum store_rc store_events_of(struct store *s, int64_t application_id,
                              void (*fn)(const struct event *e, void *ctx), void *ctx)
{
    /* Events of format 1 did not keep the actor's name: with the acting
     * account's name as it is now, for people reading the history (it is
     * not part of the event, nor of its hash). */
    static const char sql[] =
        "SELECT " EVENT_COLUMNS ", (SELECT name FROM accounts WHERE accounts.id ="
        " events.actor_account) FROM events WHERE application_id = ?1 ORDER BY id";
    struct conn *c = store_reader(s);
    sqlite3_stmt *st = c ? store_stmt(c, sql) : NULL;
    enum store_rc rc = STORE_OK;
    int step;

    if (st == NULL)
        return STORE_ERROR;
    if (sqlite3_bind_int64(st, 1, application_id) != SQLITE_OK) {
        rc = store_rc(c, SQLITE_ERROR, sql);
        goto out;
    }
    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
        struct event e;
        rc = event_from_row(st, &e);
        if (rc != STORE_OK)
            goto out;
        if (e.format < 2 && !e.actor_name && store_col_dup(st, 17, NULL, &e.actor_name) != 0) {
            event_release(&e);
            rc = STORE_ERROR;
            goto out;
        }
        fn(&e, ctx);
        event_release(&e);
    }
    if (step != SQLITE_DONE)
        rc = store_rc(c, step, sql);
out:
    store_stmt_done(st);
    return rc;
}

/* The events with ids in [first, last], in id order, on connection c. */
static enum store_rc events_range_on(struct conn *c, int64_t first, int64_t last,
                                     bool (*fn)(const struct event *e, void *ctx), void *ctx)
{
    static const char sql[] =
        "SELECT " EVENT_COLUMNS " FROM events WHERE id >= ?1 AND id <= ?2 ORDER BY id";
    sqlite3_stmt *st = c ? store_stmt(c, sql) : NULL;
    enum store_rc rc = STORE_OK;
    int step;

    if (st == NULL)
        return STORE_ERROR;
    if ((sqlite3_bind_int64(st, 1, first) | sqlite3_bind_int64(st, 2, last)) != SQLITE_OK) {
        rc = store_rc(c, SQLITE_ERROR, sql);
        goto out;
    }
    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
        struct event e;
        rc = event_from_row(st, &e);
        if (rc != STORE_OK)
            goto out;
        bool go_on = fn(&e, ctx);
        event_release(&e);
        if (!go_on)
            goto out;
    }
    if (step != SQLITE_DONE)
        rc = store_rc(c, step, sql);
out:
    store_stmt_done(st);
    return rc;
}

enum store_rc store_events_each(struct store *s, bool (*fn)(const struct event *e, void *ctx),
                                void *ctx)
{
    return events_range_on(store_reader(s), INT64_MIN, INT64_MAX, fn, ctx);
}

enum store_rc store_events_range(struct store *s, int64_t first, int64_t last,
                                 bool (*fn)(const struct event *e, void *ctx), void *ctx)
{
    return events_range_on(store_reader(s), first, last, fn, ctx);
}

enum store_rc store_events_range_tx(struct store_tx *tx, int64_t first, int64_t last,
                                    bool (*fn)(const struct event *e, void *ctx), void *ctx)
{
    return events_range_on(store_tx_conn(tx), first, last, fn, ctx);
}

/* ---- objections ----------------------------------------------------------- */

#define OBJECTION_COLUMNS                                                                          \
    "id, application_id, name, contact, reason, filed_at, client_addr, status, resolved_at,"       \
    " resolved_by, opinion"

void objection_release(struct objection *o)
{
    if (!o)
        return;
    free(o->name);
    free(o->contact);
    free(o->reason);
    free(o->opinion);
    o->name = o->contact = o->reason = o->opinion = NULL;
}

static enum store_rc objection_from_row(sqlite3_stmt *st, struct objection *o)
{
    memset(o, 0, sizeof *o);
    o->id = sqlite3_column_int64(st, 0);
    o->application_id = sqlite3_column_int64(st, 1);
    store_col_text(st, 5, o->filed_at, sizeof o->filed_at);
    store_col_text(st, 6, o->client_addr, sizeof o->client_addr);
    store_col_text(st, 7, o->status, sizeof o->status);
    store_col_text(st, 8, o->resolved_at, sizeof o->resolved_at);
    o->resolved_by = sqlite3_column_int64(st, 9);
    if (store_col_dup(st, 2, "", &o->name) != 0 || store_col_dup(st, 3, "", &o->contact) != 0 ||
        store_col_dup(st, 4, "", &o->reason) != 0 ||
        store_col_dup(st, 10, NULL, &o->opinion) != 0) {
        objection_release(o);
        return STORE_ERROR;
    }
    return STORE_OK;
}

enum store_rc store_objection_add(struct store_tx *tx, struct objection *o)
{
    static const char sql[] = "INSERT INTO objections (application_id, name, contact, reason,"
                              " filed_at, client_addr) VALUES (?1, ?2, ?3, ?4, ?5, ?6)";
    struct conn *c = store_tx_conn(tx);
    sqlite3_stmt *st = store_stmt(c, sql);
    enum store_rc rc;

    if (st == NULL)
        return STORE_ERROR;
    if ((sqlite3_bind_int64(st, 1, o->application_id) | store_bind_text(st, 2, o->name) |
         store_bind_text(st, 3, o->contact) | store_bind_text(st, 4, o->reason) |
         store_bind_text(st, 5, o->filed_at) | store_bind_text(st, 6, o->client_addr)) != SQLITE_OK)
        rc = store_rc(c, SQLITE_ERROR, sql);
    else
        rc = store_rc(c, sqlite3_step(st), sql);
    if (rc == STORE_OK) {
        o->id = sqlite3_last_insert_rowid(store_conn_db(c));
        snprintf(o->status, sizeof o->status, "open");
    }
    store_stmt_done(st);
    return rc;
}

enum store_rc store_objection_get_tx(struct store_tx *tx, int64_t id, struct objection *out)
{
    static const char sql[] = "SELECT " OBJECTION_COLUMNS " FROM objections WHERE id = ?1";
    struct conn *c = store_tx_conn(tx);
    sqlite3_stmt *st = store_stmt(c, sql);
    enum store_rc rc;
    int step;

    if (st == NULL)
        return STORE_ERROR;
    if (sqlite3_bind_int64(st, 1, id) != SQLITE_OK) {
        rc = store_rc(c, SQLITE_ERROR, sql);
        goto out;
    }
    step = sqlite3_step(st);
    if (step == SQLITE_ROW)
        rc = objection_from_row(st, out);
    else if (step == SQLITE_DONE)
        rc = STORE_NOT_FOUND;
    else
        rc = store_rc(c, step, sql);
out:
    store_stmt_done(st);
    return rc;
}

enum store_rc store_objection_resolve(struct store_tx *tx, int64_t id, const char *status,
                                      const char *resolved_at, int64_t resolved_by,
                                      const char *opinion)
{
    static const char sql[] = "UPDATE objections SET status = ?2, resolved_at = ?3,"
                              " resolved_by = ?4, opinion = ?5 WHERE id = ?1 AND status = 'open'";
    struct conn *c = store_tx_conn(tx);
    sqlite3_stmt *st = store_stmt(c, sql);
    enum store_rc rc;

    if (st == NULL)
        return STORE_ERROR;
    if ((sqlite3_bind_int64(st, 1, id) | store_bind_text(st, 2, status) |
         store_bind_text(st, 3, resolved_at) | sqlite3_bind_int64(st, 4, resolved_by) |
         store_bind_text(st, 5, opinion)) != SQLITE_OK)
        rc = store_rc(c, SQLITE_ERROR, sql);
    else
        rc = store_rc(c, sqlite3_step(st), sql);
    if (rc == STORE_OK && sqlite3_changes(store_conn_db(c)) != 1)
        rc = STORE_CONFLICT;
    store_stmt_done(st);
    return rc;
}

static const char sql_objections_open[] =
    "SELECT count(*) FROM objections WHERE application_id = ?1 AND status = 'open'";

static enum store_rc objections_open(struct conn *c, int64_t application_id, int *count)
{
    const char *sql = sql_objections_open;
    sqlite3_stmt *st = c ? store_stmt(c, sql) : NULL;
    int64_t n = 0;
    enum store_rc rc =
        store_one_int(c, st, sql, st ? sqlite3_bind_int64(st, 1, application_id) : SQLITE_OK, &n);
    *count = (int)n;
    return rc;
}

enum store_rc store_objections_open(struct store_tx *tx, int64_t application_id, int *count)
{
    return objections_open(store_tx_conn(tx), application_id, count);
}

enum store_rc store_objections_open_of(struct store *s, int64_t application_id, int *count)
{
    return objections_open(store_reader(s), application_id, count);
}

enum store_rc store_objections_of(struct store *s, int64_t application_id,
                                  void (*fn)(const struct objection *o, void *ctx), void *ctx)
{
    static const char sql[] =
        "SELECT " OBJECTION_COLUMNS " FROM objections WHERE application_id = ?1 ORDER BY id";
    struct conn *c = store_reader(s);
    sqlite3_stmt *st = c ? store_stmt(c, sql) : NULL;
    enum store_rc rc = STORE_OK;
    int step;

    if (st == NULL)
        return STORE_ERROR;
    if (sqlite3_bind_int64(st, 1, application_id) != SQLITE_OK) {
        rc = store_rc(c, SQLITE_ERROR, sql);
        goto out;
    }
    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
        struct objection o;
        rc = objection_from_row(st, &o);
        if (rc != STORE_OK)
            goto out;
        fn(&o, ctx);
        objection_release(&o);
    }
    if (step != SQLITE_DONE)
        rc = store_rc(c, step, sql);
out:
    store_stmt_done(st);
    return rc;
}

enum store_rc store_objections_from(struct store_tx *tx, const char *addr, const char *since,
                                    int64_t *count)
{
    static const char sql[] =
        "SELECT count(*) FROM objections WHERE client_addr = ?1 AND filed_at >= ?2";
    struct conn *c = store_tx_conn(tx);
    sqlite3_stmt *st = store_stmt(c, sql);
    return store_one_int(
        c, st, sql, st ? (store_bind_text(st, 1, addr) | store_bind_text(st, 2, since)) : SQLITE_OK,
        count);
}
