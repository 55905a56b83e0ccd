/*
 * The public notice (公示, RULES.md §1): the public list, objections and
 * their resolution.
 */
#include <string.h>

#include "api.h"
#include "ratelimit.h"

/* What the public sees: who, what kind, what is proposed, the dates.  No
 * contact data, no figures beyond the proposed result.  NULL only when
 * memory runs out. */
static json_t *notice_to_json(const struct app *a, int64_t now)
{
    const struct kind *k = a->kind;
    sb_day starts = 0, ends = 0;
    engine_under_notice(a, now, &starts, &ends);
    char s[DATE_TEXT_LEN], e[DATE_TEXT_LEN];
    date_format(starts, s);
    date_format(ends, e);
    json_t *proposed = json_pack("{s:s, s:s}", "title_zh", k->issued_zh, "title_en", k->issued_en);
    if (proposed && k->certification && k->valid_years > 0)
        json_object_set_new(proposed, "valid_years", json_integer(k->valid_years));
    else if (proposed && !k->certification)
        json_object_set_new(proposed, "amount_fen", json_integer(a->award.total_fen));
    return json_pack("{s:I, s:s, s:s, s:o, s:s, s:s}", "id", (json_int_t)a->row.id, "kind",
                     a->row.kind, "holder", a->row.applicant_name ? a->row.applicant_name : "",
                     "proposed", proposed, "starts_on", s, "ends_on", e);
}

struct notice_list {
    struct listing l;
    int64_t now;
};

static void add_notice(const struct app *a, void *ctx)
{
    struct notice_list *n = ctx;
    listing_add(&n->l, notice_to_json(a, n->now));
}

void api_notices_list(struct call *c)
{
    struct notice_list n = {.now = c->now};
    listing_init(&n.l);
    listing_reply(c, &n.l, engine_notices(c->engine, c->now, add_notice, &n));
}

/* ---- objections ----------------------------------------------------------- */

/* NULL only when memory runs out. */
static json_t *objection_to_json(const struct objection *o)
{
    json_t *j =
        json_pack("{s:I, s:I, s:s, s:s, s:s, s:s, s:s}", "id", (json_int_t)o->id, "application_id",
                  (json_int_t)o->application_id, "name", o->name, "contact", o->contact, "reason",
                  o->reason, "filed_at", o->filed_at, "status", o->status);
    if (j && o->resolved_at[0]) {
        json_object_set_new(j, "resolved_at", json_string(o->resolved_at));
        json_object_set_new(j, "resolved_by", json_integer(o->resolved_by));
        json_object_set_new(j, "opinion", o->opinion ? json_string(o->opinion) : json_null());
    }
    return j;
}

void api_objection_file(struct call *c)
{
    /* Per address and minute, before anything is read (the caps per
     * application and per day are the engine's, in its transaction). */
    static struct ratelimit per_address = RATELIMIT_INIT(60);
    unsigned retry, limit = c->srv->cfg->objections_per_minute;
    if (!ratelimit_take(&per_address, c->r->client_addr, c->now, limit, &retry)) {
        reply_header(c->r, "Retry-After", "%u", retry);
        reply_problem(c->r, P_TOO_MANY,
                      "at most %u objections a minute from one address; try again in %u s", limit,
                      retry);
        return;
    }
    struct objection_input in = {
        .name = json_string_value(json_object_get(c->body, "name")),
        .contact = json_string_value(json_object_get(c->body, "contact")),
        .reason = json_string_value(json_object_get(c->body, "reason")),
    };
    struct outcome o;
    outcome_init(&o);
    engine_object(c->engine, &c->actor, c->id, &in, c->now, &o);
    if (api_outcome(c, &o)) {
        char filed_at[RFC3339_LEN];
        clock_format_rfc3339(c->now, filed_at);
        reply_header(c->r, "Location", "/v1/applications/%lld/objections/%lld", (long long)c->id,
                     (long long)o.id);
        /* The objector gets the receipt; contact data stays with reviewers. */
        reply_json(c->r, 201,
                   json_pack("{s:I, s:I, s:s, s:s}", "id", (json_int_t)o.id, "application_id",
                             (json_int_t)c->id, "filed_at", filed_at, "status", "open"));
    }
    outcome_release(&o);
}

static void add_objection(const struct objection *o, void *ctx)
{
    listing_add(ctx, objection_to_json(o));
}

void api_objections_list(struct call *c)
{
    struct listing l;
    listing_init(&l);
    listing_reply(c, &l, engine_objections(c->engine, &c->actor, c->id, add_objection, &l));
}

void api_objection_resolve(struct call *c)
{
    const char *outcome = json_string_value(json_object_get(c->body, "outcome"));
    struct resolution_input in = {
        .objection = c->sub_id,
        .upheld = strcmp(outcome, "upheld") == 0,
        .opinion = json_string_value(json_object_get(c->body, "opinion")),
    };
    int64_t if_match = call_if_match(c);
    if (if_match < 0)
        return;
    struct outcome o;
    outcome_init(&o);
    engine_act(c->engine, &c->actor, c->id, in.upheld ? "objection_upheld" : "objection_dismissed",
               &in, if_match, c->now, &o);
    if (api_outcome(c, &o))
        reply_app(c, 200, o.app);
    outcome_release(&o);
}
