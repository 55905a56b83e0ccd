/*
 * After approval (RULES.md §8): an application's duties and reports, the
 * holder's reports, the authority's reminders, findings, payments and
 * dismissals, the reviewers' worklist of duties, and giving up a
 * certification (407号 第十七条).  Every change is an action of the engine.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"

/* ---- reading -------------------------------------------------------------- */

static void add_duty(const struct duty *d, void *ctx)
{
    listing_add(ctx, duty_to_json(d));
}

static void add_report(const struct report *r, void *ctx)
{
    listing_add(ctx, report_to_json(r));
}

void api_duties_of(struct call *c)
{
    struct listing l;
    listing_init(&l);
    listing_reply(c, &l, engine_duties_of(c->engine, &c->actor, c->id, add_duty, &l));
}

void api_reports_of(struct call *c)
{
    struct listing l;
    listing_init(&l);
    listing_reply(c, &l, engine_reports_of(c->engine, &c->actor, c->id, add_report, &l));
}

static void bad_param(json_t *errors, const char *name, const char *detail)
{
    json_array_append_new(errors, json_pack("{s:s, s:s}", "parameter", name, "detail", detail));
}

/* A positive integer of at most `max` digits' worth, or 0. */
static long long positive(const char *v, long long max)
{
    char *end;
    errno = 0;
    long long n = v[0] >= '1' && v[0] <= '9' ? strtoll(v, &end, 10) : 0;
    return n > 0 && errno == 0 && *end == '\0' && n <= max ? n : 0;
}

/* The query of the worklist: known values only, each named in one 400. */
static bool worklist_query(struct call *c, struct duty_filter *f)
{
    json_t *errors = json_array();
    const char *v;
    f->limit = 50;
    if ((f->type = request_query(c->r, "type")) && duty_type_find(f->type) < 0)
        bad_param(errors, "type",
                  "must be annual_report, change_report, recheck, operating_year or refund");
    if ((f->status = request_query(c->r, "status"))) {
        bool known = false;
        for (const char *const *s = duty_statuses; *s; s++)
            known |= strcmp(*s, f->status) == 0;
        if (!known)
            bad_param(errors, "status", "is not a status a duty can have");
    }
    if ((f->kind = request_query(c->r, "kind")) && !kind_find(f->kind))
        bad_param(errors, "kind", "is not a kind");
    if ((v = request_query(c->r, "prompt"))) {
        if (strcmp(v, "open") != 0)
            bad_param(errors, "prompt", "must be open: the duties with an open revocation prompt");
        f->prompt_open = true;
    }
    if ((v = request_query(c->r, "limit")) && !(f->limit = (int)positive(v, 200)))
        bad_param(errors, "limit", "must be an integer from 1 to 200");
    if ((v = request_query(c->r, "cursor")) && !(f->before_id = positive(v, INT64_MAX)))
        bad_param(errors, "cursor", "is not a cursor this list gave");
    size_t n = json_array_size(errors);
    if (n == 0) {
        json_decref(errors);
        return true;
    }
    json_t *doc = reply_problem(c->r, P_BAD_QUERY, "%zu query parameter%s invalid; see errors", n,
                                n == 1 ? " is" : "s are");
    json_object_set_new(doc, "errors", errors);
    return false;
}

struct worklist {
    struct listing l;
    int64_t last;
};

static void add_work(const struct duty *d, void *ctx)
{
    struct worklist *w = ctx;
    w->last = d->id;
    listing_add(&w->l, duty_to_json(d));
}

void api_duty_list(struct call *c)
{
    struct duty_filter f = {0};
    if (!worklist_query(c, &f))
        return;
    struct worklist w = {0};
    bool more = false;
    listing_init(&w.l);
    enum engine_rc rc = engine_duty_list(c->engine, &c->actor, &f, add_work, &w, &more);
    if (rc != ENGINE_OK || w.l.failed) {
        listing_reply(c, &w.l, rc == ENGINE_OK ? ENGINE_ERROR : rc);
        return;
    }
    char next[24];
    snprintf(next, sizeof next, "%lld", (long long)w.last);
    json_t *doc = json_pack("{s:o, s:o}", "items", w.l.items, "next_cursor",
                            more ? json_string(next) : json_null());
    if (doc)
        reply_json(c->r, 200, doc);
    else
        reply_problem(c->r, P_INTERNAL, "the list could not be rendered");
}

/* ---- changes ---------------------------------------------------------------- */

/* Runs a duty action and answers with the duty as written (and the report
 * filed, 201). */
static void duty_action(struct call *c, const char *action, int64_t duty)
{
    int64_t if_match = call_if_match(c);
    if (if_match < 0)
        return;
    struct duty_input in = {.duty = duty, .body = c->body};
    struct outcome o;
    outcome_init(&o);
    if (api_outcome(
            c, (engine_act(c->engine, &c->actor, c->id, action, &in, if_match, c->now, &o), &o))) {
        json_t *doc = json_object();
        json_t *d = json_object_get(o.extra, "duty");
        json_object_set(doc, "duty", d ? d : json_null());
        json_object_set_new(doc, "application_id", json_integer(c->id));
        if (o.id > 0)
            json_object_set_new(doc, "report_id", json_integer(o.id));
        if (o.id > 0)
            reply_header(c->r, "Location", "/v1/applications/%lld/reports", (long long)c->id);
        reply_json(c->r, o.id > 0 ? 201 : 200, doc);
    }
    outcome_release(&o);
}

void api_report_file(struct call *c)
{
    duty_action(c, "report_filed", 0);
}

void api_funds_paid(struct call *c)
{
    duty_action(c, "funds_paid", 0);
}

/* A duty id that names nothing is a 404 of its own. */
static bool duty_id(struct call *c)
{
    if (c->sub_id > 0)
        return true;
    reply_problem(c->r, P_NOT_FOUND, "no duty %s", c->params[1]);
    return false;
}

void api_duty_reminder(struct call *c)
{
    if (duty_id(c))
        duty_action(c, "duty_reminder", c->sub_id);
}

void api_duty_result(struct call *c)
{
    if (duty_id(c))
        duty_action(c, "duty_result", c->sub_id);
}

void api_duty_dismissal(struct call *c)
{
    if (duty_id(c))
        duty_action(c, "prompt_dismissed", c->sub_id);
}

void api_refund_paid(struct call *c)
{
    if (duty_id(c))
        duty_action(c, "refund_paid", c->sub_id);
}

/* ---- giving up a certification --------------------------------------------------- */

static void surrender(struct call *c, const char *action)
{
    int64_t if_match = call_if_match(c);
    if (if_match < 0)
        return;
    struct surrender_input in = {json_string_value(json_object_get(c->body, "opinion"))};
    struct outcome o;
    outcome_init(&o);
    if (api_outcome(
            c, (engine_act(c->engine, &c->actor, c->id, action, &in, if_match, c->now, &o), &o)))
        reply_app(c, 200, o.app);
    outcome_release(&o);
}

void api_surrender_request(struct call *c)
{
    surrender(c, "surrender_requested");
}

/* The district bureau passes the request on or returns it; the authority
 * confirms or refuses it. */
void api_surrender_decision(struct call *c)
{
    bool approve = strcmp(json_string_value(json_object_get(c->body, "decision")), "approve") == 0;
    if (c->actor.role == ROLE_DISTRICT_REVIEWER)
        surrender(c, approve ? "surrender_forwarded" : "surrender_returned");
    else
        surrender(c, approve ? "surrender_confirmed" : "surrender_refused");
}
