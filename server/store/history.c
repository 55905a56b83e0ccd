/*
 * Events and objections.  Events are only ever inserted: the schema refuses
 * UPDATE and DELETE, and the chain of hashes shows any change made around
 * it.
 */
#include "db.h"

#include <stdio.h>
#include <stdlib.h>
#include <stdint.h>
#include <string.h>

/* ---- events --------------------------------------------------------------- */

#define EVENT_COLUMNS                                                                              \
    "id, application_id, at, action, from_status, to_status, actor_account, actor_role,"           \
    " opinion, request_id, details, prev_hash, hash, format, actor_name, actor_unit,"              \
    " actor_authority"

/* How many events store_events_each() reads at a time: a page is held in
 * memory whole (a PostgreSQL result is), never the whole log. */
#define EVENTS_PAGE 1000

void event_release(struct event *e)
{
    if (!e)
        return;
    free(e->opinion);
    free(e->details_json);
    free(e->actor_name);
    e->opinion = e->details_json = e->actor_name = NULL;
}

/* Copies a hash column; one of the wrong size (tampering) reads as zeros,
 * which never verifies. */
static void hash_col(struct db_stmt *st, int i, unsigned char out[EVENT_HASH_LEN])
{
    size_t n = 0;
    const void *p = db_col_blob(st, i, &n);

    if (p != NULL && n == EVENT_HASH_LEN)
        memcpy(out, p, EVENT_HASH_LEN);
}

static enum store_rc event_from_row(struct db_stmt *st, struct event *e)
{
    memset(e, 0, sizeof *e);
    e->id = db_col_int64(st, 0);
    e->application_id = db_col_int64(st, 1);
    db_col_text_copy(st, 2, e->at, sizeof e->at);
    db_col_text_copy(st, 3, e->action, sizeof e->action);
    db_col_text_copy(st, 4, e->from_status, sizeof e->from_status);
    db_col_text_copy(st, 5, e->to_status, sizeof e->to_status);
    e->actor_account = db_col_int64(st, 6);
    db_col_text_copy(st, 7, e->actor_role, sizeof e->actor_role);
    db_col_text_copy(st, 9, e->request_id, sizeof e->request_id);
    hash_col(st, 11, e->prev_hash);
    hash_col(st, 12, e->hash);
    e->format = (int)db_col_int64(st, 13);
    db_col_text_copy(st, 15, e->actor_unit, sizeof e->actor_unit);
    db_col_text_copy(st, 16, e->actor_authority, sizeof e->actor_authority);
    if (db_col_text_dup(st, 8, NULL, &e->opinion) != 0 ||
        db_col_text_dup(st, 10, "{}", &e->details_json) != 0 ||
        db_col_text_dup(st, 14, NULL, &e->actor_name) != 0) {
        event_release(e);
        return STORE_ERROR;
    }
    return STORE_OK;
}

/* The head of the log.  On PostgreSQL the transactions that append run one
 * at a time (store_write_log(): an advisory lock taken before BEGIN), so
 * the head read here is the last one committed; and should two ever read
 * the same head, the events' primary key makes the second insert fail,
 * which serializable isolation reports as a serialization failure: that
 * transaction runs again on the new head. */
enum store_rc store_event_last(struct store_tx *tx, int64_t *id, unsigned char hash[EVENT_HASH_LEN])
{
    static const char sql[] = "SELECT id, hash FROM events ORDER BY id DESC LIMIT 1";
    struct db_stmt *st = db_prepare(store_tx_db(tx), sql);
    enum store_rc rc;
    const void *p;
    size_t n = 0;

    if (st == NULL)
        return STORE_ERROR;
    rc = db_row_rc(db_step(st));
    if (rc == STORE_OK) {
        p = db_col_blob(st, 1, &n);
        if (p != NULL && n == EVENT_HASH_LEN) {
            *id = db_col_int64(st, 0);
            memcpy(hash, p, EVENT_HASH_LEN);
        } else {
            db_log(NULL, "events: the newest event's hash is not 32 bytes");
            rc = STORE_ERROR;
        }
    }
    db_done(st);
    return rc;
}

enum store_rc store_event_insert(struct store_tx *tx, const struct event *e)
{
    static const char sql[] =
        "INSERT INTO events (" EVENT_COLUMNS ")"
        " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15,"
        " ?16, ?17)";
    struct db_stmt *st = db_prepare(store_tx_db(tx), sql);

    if (st == NULL)
        return STORE_ERROR;
    db_bind_int64(st, 1, e->id);
    db_bind_int64(st, 2, e->application_id);
    db_bind_text(st, 3, e->at);
    db_bind_text(st, 4, e->action);
    db_bind_opt(st, 5, e->from_status);
    db_bind_opt(st, 6, e->to_status);
    if (e->actor_account)
        db_bind_int64(st, 7, e->actor_account);
    else
        db_bind_null(st, 7);
    db_bind_text(st, 8, e->actor_role);
    db_bind_text(st, 9, e->opinion);
    db_bind_opt(st, 10, e->request_id);
    db_bind_text(st, 11, e->details_json ? e->details_json : "{}");
    db_bind_blob(st, 12, e->prev_hash, EVENT_HASH_LEN);
    db_bind_blob(st, 13, e->hash, EVENT_HASH_LEN);
    db_bind_int64(st, 14, e->format > 1 ? e->format : 1);
    db_bind_text(st, 15, e->format > 1 ? e->actor_name : NULL);
    db_bind_opt(st, 16, e->format > 1 ? e->actor_unit : NULL);
    db_bind_opt(st, 17, e->format > 1 ? e->actor_authority : NULL);
    return db_store_rc(db_exec(st));
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
    struct db_stmt *st = db_prepare(store_db(s), sql);
    enum store_rc rc = STORE_OK;
    enum db_rc step;

    if (st == NULL)
        return STORE_ERROR;
    db_bind_int64(st, 1, application_id);
    while ((step = db_step(st)) == DB_ROW) {
        struct event e;
        rc = event_from_row(st, &e);
        if (rc != STORE_OK)
            break;
        if (e.format < 2 && !e.actor_name && db_col_text_dup(st, 17, NULL, &e.actor_name) != 0) {
            event_release(&e);
            rc = STORE_ERROR;
            break;
        }
        fn(&e, ctx);
        event_release(&e);
    }
    db_done(st);
    return rc != STORE_OK ? rc : db_store_rc(step);
}

/* The events with ids in [first, last] on connection d, a page of ids at a
 * time: each page is read whole before fn sees it, so fn may use the store
 * and no result ever holds the log. */
static enum store_rc events_range_on(struct db *d, int64_t first, int64_t last,
                                     bool (*fn)(const struct event *e, void *ctx), void *ctx)
{
    static const char sql[] = "SELECT " EVENT_COLUMNS
                              " FROM events WHERE id > ?1 AND id <= ?3 ORDER BY id LIMIT ?2";
    struct event *page = calloc(EVENTS_PAGE, sizeof *page);
    int64_t after = first == INT64_MIN ? INT64_MIN : first - 1;
    enum store_rc rc = STORE_OK;
    bool go_on = true;

    if (page == NULL) {
        db_log(NULL, "out of memory reading the log");
        return STORE_ERROR;
    }
    while (go_on && rc == STORE_OK) {
        struct db_stmt *st = d ? db_prepare(d, sql) : NULL;
        enum db_rc step = DB_ERROR;
        size_t n = 0;

        if (st == NULL) {
            rc = STORE_ERROR;
            break;
        }
        db_bind_int64(st, 1, after);
        db_bind_int64(st, 2, EVENTS_PAGE);
        db_bind_int64(st, 3, last);
        while (n < EVENTS_PAGE && (step = db_step(st)) == DB_ROW) {
            rc = event_from_row(st, &page[n]);
            if (rc != STORE_OK)
                break;
            n++;
        }
        db_done(st);
        if (rc == STORE_OK && step != DB_ROW && step != DB_OK)
            rc = db_store_rc(step);
        for (size_t i = 0; i < n; i++) {
            if (rc == STORE_OK && go_on)
                go_on = fn(&page[i], ctx);
            after = page[i].id;
            event_release(&page[i]);
        }
        if (n < EVENTS_PAGE)
            break;
    }
    free(page);
    return rc;
}

enum store_rc store_events_each(struct store *s, bool (*fn)(const struct event *e, void *ctx),
                                void *ctx)
{
    return events_range_on(store_db(s), INT64_MIN, INT64_MAX, fn, ctx);
}

enum store_rc store_events_range(struct store *s, int64_t first, int64_t last,
                                 bool (*fn)(const struct event *e, void *ctx), void *ctx)
{
    return events_range_on(store_db(s), first, last, fn, ctx);
}

enum store_rc store_events_range_tx(struct store_tx *tx, int64_t first, int64_t last,
                                    bool (*fn)(const struct event *e, void *ctx), void *ctx)
{
    return events_range_on(store_tx_db(tx), first, last, fn, ctx);
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

static enum store_rc objection_from_row(struct db_stmt *st, struct objection *o)
{
    memset(o, 0, sizeof *o);
    o->id = db_col_int64(st, 0);
    o->application_id = db_col_int64(st, 1);
    db_col_text_copy(st, 5, o->filed_at, sizeof o->filed_at);
    db_col_text_copy(st, 6, o->client_addr, sizeof o->client_addr);
    db_col_text_copy(st, 7, o->status, sizeof o->status);
    db_col_text_copy(st, 8, o->resolved_at, sizeof o->resolved_at);
    o->resolved_by = db_col_int64(st, 9);
    if (db_col_text_dup(st, 2, "", &o->name) != 0 || db_col_text_dup(st, 3, "", &o->contact) != 0 ||
        db_col_text_dup(st, 4, "", &o->reason) != 0 ||
        db_col_text_dup(st, 10, NULL, &o->opinion) != 0) {
        objection_release(o);
        return STORE_ERROR;
    }
    return STORE_OK;
}

enum store_rc store_objection_add(struct store_tx *tx, struct objection *o)
{
    static const char sql[] = "INSERT INTO objections (application_id, name, contact, reason,"
                              " filed_at, client_addr) VALUES (?1, ?2, ?3, ?4, ?5, ?6)"
                              " RETURNING id";
    struct db_stmt *st = db_prepare(store_tx_db(tx), sql);
    enum store_rc rc;

    if (st == NULL)
        return STORE_ERROR;
    db_bind_int64(st, 1, o->application_id);
    db_bind_text(st, 2, o->name);
    db_bind_text(st, 3, o->contact);
    db_bind_text(st, 4, o->reason);
    db_bind_text(st, 5, o->filed_at);
    db_bind_text(st, 6, o->client_addr);
    rc = db_store_rc(db_one_int64(st, &o->id));
    if (rc == STORE_OK)
        snprintf(o->status, sizeof o->status, "open");
    return rc;
}

enum store_rc store_objection_get_tx(struct store_tx *tx, int64_t id, struct objection *out)
{
    static const char sql[] = "SELECT " OBJECTION_COLUMNS " FROM objections WHERE id = ?1";
    struct db_stmt *st = db_prepare(store_tx_db(tx), sql);
    enum store_rc rc;

    if (st == NULL)
        return STORE_ERROR;
    db_bind_int64(st, 1, id);
    rc = db_row_rc(db_step(st));
    if (rc == STORE_OK)
        rc = objection_from_row(st, out);
    db_done(st);
    return rc;
}

enum store_rc store_objection_resolve(struct store_tx *tx, int64_t id, const char *status,
                                      const char *resolved_at, int64_t resolved_by,
                                      const char *opinion)
{
    static const char sql[] = "UPDATE objections SET status = ?2, resolved_at = ?3,"
                              " resolved_by = ?4, opinion = ?5 WHERE id = ?1 AND status = 'open'";
    struct db_stmt *st = db_prepare(store_tx_db(tx), sql);
    int64_t changed = 0;
    enum store_rc rc;

    if (st == NULL)
        return STORE_ERROR;
    db_bind_int64(st, 1, id);
    db_bind_text(st, 2, status);
    db_bind_text(st, 3, resolved_at);
    db_bind_int64(st, 4, resolved_by);
    db_bind_text(st, 5, opinion);
    rc = db_store_rc(db_exec_changes(st, &changed));
    return rc == STORE_OK && changed != 1 ? STORE_CONFLICT : rc;
}

static const char sql_objections_open[] =
    "SELECT count(*) FROM objections WHERE application_id = ?1 AND status = 'open'";

static enum store_rc objections_open(struct db *d, int64_t application_id, int *count)
{
    struct db_stmt *st = d ? db_prepare(d, sql_objections_open) : NULL;
    int64_t n = 0;
    enum store_rc rc;

    if (st != NULL)
        db_bind_int64(st, 1, application_id);
    rc = db_store_rc(db_one_int64(st, &n));
    *count = (int)n;
    return rc;
}

/* The caps are counted in the transaction that files one: on PostgreSQL two
 * filings that both counted under a cap are a write skew that serializable
 * isolation refuses, and the one that runs again counts the other. */
enum store_rc store_objections_open(struct store_tx *tx, int64_t application_id, int *count)
{
    return objections_open(store_tx_db(tx), application_id, count);
}

enum store_rc store_objections_open_of(struct store *s, int64_t application_id, int *count)
{
    return objections_open(store_db(s), application_id, count);
}

enum store_rc store_objections_of(struct store *s, int64_t application_id,
                                  void (*fn)(const struct objection *o, void *ctx), void *ctx)
{
    static const char sql[] =
        "SELECT " OBJECTION_COLUMNS " FROM objections WHERE application_id = ?1 ORDER BY id";
    struct db_stmt *st = db_prepare(store_db(s), sql);
    enum store_rc rc = STORE_OK;
    enum db_rc step;

    if (st == NULL)
        return STORE_ERROR;
    db_bind_int64(st, 1, application_id);
    while ((step = db_step(st)) == DB_ROW) {
        struct objection o;
        rc = objection_from_row(st, &o);
        if (rc != STORE_OK)
            break;
        fn(&o, ctx);
        objection_release(&o);
    }
    db_done(st);
    return rc != STORE_OK ? rc : db_store_rc(step);
}

enum store_rc store_objections_from(struct store_tx *tx, const char *addr, const char *since,
                                    int64_t *count)
{
    static const char sql[] =
        "SELECT count(*) FROM objections WHERE client_addr = ?1 AND filed_at >= ?2";
    struct db_stmt *st = db_prepare(store_tx_db(tx), sql);

    if (st != NULL) {
        db_bind_text(st, 1, addr);
        db_bind_text(st, 2, since);
    }
    return db_store_rc(db_one_int64(st, count));
}
