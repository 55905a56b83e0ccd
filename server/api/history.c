/*
 * The history of applications: appending events to the chained log inside
 * the transaction that makes the change, and reading an application's
 * events back.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "api.h"
#include "chain.h"

enum store_rc history_append(struct store_tx *tx, struct event *e)
{
    int64_t last_id = 0;
    enum store_rc rc = store_event_last(tx, &last_id, e->prev_hash);
    if (rc == STORE_NOT_FOUND)
        memset(e->prev_hash, 0, EVENT_HASH_LEN); /* the first event of the log */
    else if (rc != STORE_OK)
        return rc;
    e->id = last_id + 1;
    chain_hash(e->hash, e);
    return store_event_insert(tx, e);
}

enum store_rc history_record(struct store_tx *tx, const struct request *r,
                             const struct application *a, const char *action, const char *from,
                             const char *opinion, const json_t *details, unsigned char *hash_out)
{
    struct event e = {.application_id = a->id};
    snprintf(e.at, sizeof e.at, "%s", a->updated_at);
    snprintf(e.action, sizeof e.action, "%s", action);
    snprintf(e.from_status, sizeof e.from_status, "%s", from ? from : "");
    snprintf(e.to_status, sizeof e.to_status, "%s", a->status);
    if (r && r->authenticated) {
        e.actor_account = r->account.id;
        snprintf(e.actor_role, sizeof e.actor_role, "%s", r->account.role);
    } else {
        snprintf(e.actor_role, sizeof e.actor_role, "%s", r ? "public" : "system");
    }
    if (r)
        snprintf(e.request_id, sizeof e.request_id, "%s", r->request_id);
    e.opinion = (char *)opinion; /* borrowed: not released below */
    e.details_json = details ? json_dumps(details, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
    enum store_rc rc = history_append(tx, &e);
    if (rc == STORE_OK && hash_out)
        memcpy(hash_out, e.hash, EVENT_HASH_LEN);
    free(e.details_json);
    return rc;
}

json_t *event_to_json(const struct event *e)
{
    char hash[EVENT_HASH_LEN * 2 + 1];
    sodium_bin2hex(hash, sizeof hash, e->hash, EVENT_HASH_LEN);
    json_t *details = json_loads(e->details_json ? e->details_json : "{}", 0, NULL);
    json_t *o =
        json_pack("{s:I, s:s, s:s, s:o, s:o, s:{s:o, s:s}, s:o, s:o, s:o, s:s}", "id",
                  (json_int_t)e->id, "at", e->at, "action", e->action, "from",
                  e->from_status[0] ? json_string(e->from_status) : json_null(), "to",
                  e->to_status[0] ? json_string(e->to_status) : json_null(), "actor", "account",
                  e->actor_account ? json_integer(e->actor_account) : json_null(), "role",
                  e->actor_role, "opinion", e->opinion ? json_string(e->opinion) : json_null(),
                  "request_id", e->request_id[0] ? json_string(e->request_id) : json_null(),
                  "details", details ? details : json_object(), "hash", hash);
    if (o && json_object_set_new(o, "actor_name",
                                 e->actor_name ? json_string(e->actor_name) : json_null()) != 0) {
        json_decref(o);
        o = NULL;
    }
    return o;
}

static void add_event(const struct event *e, void *ctx)
{
    listing_add(ctx, event_to_json(e));
}

void api_events_list(struct request *r)
{
    struct application a = {0};
    if (app_load_visible(r, &a) != 0)
        return;
    struct listing l;
    listing_init(&l);
    enum store_rc rc = store_events_of(r->srv->store, a.id, add_event, &l);
    listing_reply(r, &l, rc);
    application_release(&a);
}
