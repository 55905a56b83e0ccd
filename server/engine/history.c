/*
 * The history of applications: appending events to the chained log inside
 * the transaction that makes the change, reading an application's events
 * and objections back, and checking the whole log.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "chain.h"
#include "jsontext.h"
#include "engine_impl.h"

void event_draft_release(struct event_draft *d)
{
    free(d->e.details_json);
    free(d->body);
    memset(d, 0, sizeof *d);
}

int event_draft_make(struct event_draft *d, const struct actor *who, const struct application *a,
                     const char *action, const char *from, const char *opinion,
                     const json_t *details)
{
    event_draft_release(d);
    struct event *e = &d->e;
    const char *role = role_name(who->role);
    e->application_id = a->id;
    snprintf(e->at, sizeof e->at, "%s", a->updated_at);
    snprintf(e->action, sizeof e->action, "%s", action);
    snprintf(e->from_status, sizeof e->from_status, "%s", from ? from : "");
    snprintf(e->to_status, sizeof e->to_status, "%s", a->status);
    e->actor_account = who->account;
    snprintf(e->actor_role, sizeof e->actor_role, "%s", role ? role : "public");
    snprintf(e->request_id, sizeof e->request_id, "%s", who->request_id ? who->request_id : "");
    /* The actor as it is now, inside what the hash covers (format 2). */
    e->format = 2;
    e->actor_name = (char *)who->name; /* borrowed: not released */
    snprintf(e->actor_unit, sizeof e->actor_unit, "%s", who->unit ? who->unit : "");
    snprintf(e->actor_authority, sizeof e->actor_authority, "%s",
             who->authority ? who->authority : "");
    e->opinion = (char *)opinion; /* borrowed: not released */
    e->details_json = details ? dump_json(details, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
    d->body = details && !e->details_json ? NULL : chain_body(e, details);
    d->made_from = details;
    return d->body ? 0 : -1;
}

enum store_rc event_draft_append(struct store_tx *tx, struct event_draft *d, int64_t application_id,
                                 unsigned char *hash_out)
{
    struct event *e = &d->e;
    int64_t last_id = 0;
    if (!d->body)
        return STORE_ERROR;
    e->application_id = application_id;
    enum store_rc rc = store_event_last(tx, &last_id, e->prev_hash);
    if (rc == STORE_NOT_FOUND)
        memset(e->prev_hash, 0, EVENT_HASH_LEN); /* the first event of the log */
    else if (rc != STORE_OK)
        return rc;
    e->id = last_id + 1;
    chain_hash_body(e->hash, e, d->body);
    rc = store_event_insert(tx, e);
    if (rc == STORE_OK)
        rc = logtree_append(tx, e, d->body);
    if (rc == STORE_OK && hash_out)
        memcpy(hash_out, e->hash, EVENT_HASH_LEN);
    return rc;
}

int history_prepare(struct change *c)
{
    return event_draft_make(&c->event, c->who, &c->next, c->action, c->app->row.status, c->opinion,
                            c->details);
}

enum store_rc history_record(struct store_tx *tx, struct change *c)
{
    /* A hook of phase 2 may have given the event its details only now
     * (the objection it filed). */
    if ((c->def && c->def->before_event) || c->details != c->event.made_from ||
        c->opinion != c->event.e.opinion || !c->event.body)
        if (history_prepare(c) != 0)
            return STORE_ERROR;
    return event_draft_append(tx, &c->event, c->next.id, c->event_hash);
}

json_t *event_to_json(const struct event *e)
{
    char hash[EVENT_HASH_LEN * 2 + 1];
    sodium_bin2hex(hash, sizeof hash, e->hash, EVENT_HASH_LEN);
    json_t *details = parse_json0(e->details_json ? e->details_json : "{}", 0, NULL);
    json_t *o =
        json_pack("{s:I, s:s, s:s, s:o, s:o, s:{s:o, s:s, s:o, s:o, s:o}, s:o, s:o, s:o, s:s}",
                  "id", (json_int_t)e->id, "at", e->at, "action", e->action, "from",
                  e->from_status[0] ? json_string(e->from_status) : json_null(), "to",
                  e->to_status[0] ? json_string(e->to_status) : json_null(), "actor", "account",
                  e->actor_account ? json_integer(e->actor_account) : json_null(), "role",
                  e->actor_role, "name", e->actor_name ? json_string(e->actor_name) : json_null(),
                  "unit", e->actor_unit[0] ? json_string(e->actor_unit) : json_null(), "authority",
                  e->actor_authority[0] ? json_string(e->actor_authority) : json_null(), "opinion",
                  e->opinion ? json_string(e->opinion) : json_null(), "request_id",
                  e->request_id[0] ? json_string(e->request_id) : json_null(), "details",
                  details ? details : json_object(), "hash", hash);
    if (o && json_object_set_new(o, "actor_name",
                                 e->actor_name ? json_string(e->actor_name) : json_null()) != 0) {
        json_decref(o);
        o = NULL;
    }
    /* Its place in the transparency log: leaf id - 1, and the leaf's hash
     * over the canonical bytes the hash chain covers. */
    unsigned char leaf[32];
    json_t *leaf_hash =
        o && logtree_event_leaf_hash(leaf, e) == 0 ? log_hashes_json(leaf, 1) : NULL;
    if (o && (!leaf_hash ||
              json_object_set_new(o, "log_index", json_integer((json_int_t)(e->id - 1))) != 0 ||
              json_object_set(o, "leaf_hash", json_array_get(leaf_hash, 0)) != 0)) {
        json_decref(o);
        o = NULL;
    }
    json_decref(leaf_hash);
    return o;
}

/* Whether `who` may see application id: ENGINE_OK, or why not. */
static enum engine_rc visible(struct engine *e, const struct actor *who, int64_t id)
{
    struct application row = {0};
    enum store_rc rc = id > 0 ? store_app_get(e->store, id, &row) : STORE_NOT_FOUND;
    bool seen = rc == STORE_OK && engine_may_see(e, who, &row);
    application_release(&row);
    if (rc == STORE_ERROR)
        return ENGINE_ERROR;
    return seen ? ENGINE_OK : ENGINE_NOT_FOUND;
}

enum engine_rc engine_events(struct engine *e, const struct actor *who, int64_t id,
                             void (*fn)(const struct event *ev, void *ctx), void *ctx)
{
    enum engine_rc rc = visible(e, who, id);
    if (rc != ENGINE_OK)
        return rc;
    return store_events_of(e->store, id, fn, ctx) == STORE_OK ? ENGINE_OK : ENGINE_ERROR;
}

enum engine_rc engine_objections(struct engine *e, const struct actor *who, int64_t id,
                                 void (*fn)(const struct objection *o, void *ctx), void *ctx)
{
    enum engine_rc rc = visible(e, who, id);
    if (rc != ENGINE_OK)
        return rc;
    return store_objections_of(e->store, id, fn, ctx) == STORE_OK ? ENGINE_OK : ENGINE_ERROR;
}

/* ---- checking the log --------------------------------------------------------- */

struct audit {
    int64_t count;
    int64_t last_id;
    unsigned char last_hash[EVENT_HASH_LEN];
    char *problem;
    size_t cap;
};

static bool audit_one(const struct event *e, void *ctx)
{
    struct audit *au = ctx;
    unsigned char expect[EVENT_HASH_LEN];
    if (e->id != au->last_id + 1) {
        snprintf(au->problem, au->cap,
                 "event %lld follows event %lld: the events between were removed or reordered",
                 (long long)e->id, (long long)au->last_id);
        return false;
    }
    if (sodium_memcmp(e->prev_hash, au->last_hash, EVENT_HASH_LEN) != 0 && au->last_id == 0) {
        snprintf(au->problem, au->cap,
                 "event %lld does not start the chain: its link is not 32 zero bytes",
                 (long long)e->id);
        return false;
    }
    if (sodium_memcmp(e->prev_hash, au->last_hash, EVENT_HASH_LEN) != 0) {
        snprintf(au->problem, au->cap,
                 "event %lld does not follow event %lld: its link to that event's hash is "
                 "broken (event %lld was altered and its hash recomputed, or events were "
                 "removed or reordered there)",
                 (long long)e->id, (long long)au->last_id, (long long)au->last_id);
        return false;
    }
    chain_hash(expect, e, NULL);
    if (sodium_memcmp(expect, e->hash, EVENT_HASH_LEN) != 0) {
        snprintf(au->problem, au->cap,
                 "event %lld (application %lld, %s at %s) was altered: its content no longer "
                 "matches its hash",
                 (long long)e->id, (long long)e->application_id, e->action, e->at);
        return false;
    }
    au->count++;
    au->last_id = e->id;
    memcpy(au->last_hash, e->hash, EVENT_HASH_LEN);
    return true;
}

int engine_audit_verify(struct store *s, int64_t *count, char *report, size_t cap)
{
    struct audit au = {.problem = report, .cap = cap};
    report[0] = '\0';
    if (store_events_each(s, audit_one, &au) != STORE_OK)
        return -2;
    if (count)
        *count = au.count;
    return report[0] ? -1 : 0;
}
