/*
 * /v1/rounds/{kind}/{year}/ranking: a ranked kind's year (the tourism
 * awards, 京文旅发〔2020〕190号 第五至八条, 第十二条), computed and fixed by
 * the engine.
 */
#include <stdlib.h>
#include <string.h>

#include "jsontext.h"
#include "api.h"

/* The body is optional: {"confirm": N}, the count of applications of the
 * year the ranking leaves out (RULES.md §5). */
void api_ranking_compute(struct call *c)
{
    static const struct field_spec fields[] = {
        {.name = "confirm", .type = SPEC_INT, .min = 0, .max = 1000000},
        {.name = NULL},
    };
    if (!api_optional_body(c, fields))
        return;
    json_t *v = json_object_get(c->body, "confirm");
    int confirm = v ? (int)json_integer_value(v) : -1;
    struct outcome o;
    outcome_init(&o);
    engine_rank(c->engine, &c->actor, c->kind, c->year, confirm, c->now, &o);
    if (api_outcome(c, &o)) {
        reply_json(c->r, 200, o.extra);
        o.extra = NULL;
    }
    outcome_release(&o);
}

void api_ranking_get(struct call *c)
{
    if (!c->kind->ranking) {
        reply_problem(c->r, P_NOT_FOUND, "%s applications are not ranked", c->kind->name);
        return;
    }
    if (c->actor.role == ROLE_MUNICIPAL_REVIEWER &&
        strcmp(c->actor.authority ? c->actor.authority : "", c->kind->authority) != 0) {
        reply_problem(c->r, P_FORBIDDEN, "only the authority of %s (%s) ranks them", c->kind->name,
                      c->kind->authority);
        return;
    }
    struct ranking_row row = {0};
    enum store_rc rc = store_ranking_get(c->engine->store, c->kind->name, c->year, &row);
    if (rc == STORE_NOT_FOUND) {
        reply_problem(c->r, P_NOT_FOUND, "the %d ranking has not been computed", c->year);
        return;
    }
    if (rc != STORE_OK) {
        reply_store_error(c->r, rc);
        return;
    }
    json_t *doc = parse_json0(row.result_json, 0, NULL);
    free(row.result_json);
    if (!doc)
        reply_problem(c->r, P_INTERNAL, "the stored ranking cannot be read");
    else
        reply_json(c->r, 200, doc);
}

/* ---- rounds ---------------------------------------------------------------------- */

static void add_window(const struct round_window *w, void *ctx)
{
    struct call *c = ((void **)ctx)[0];
    listing_add(((void **)ctx)[1], round_window_to_json(w, c->now));
}

void api_rounds_list(struct call *c)
{
    struct listing l;
    listing_init(&l);
    void *ctx[2] = {c, &l};
    listing_reply(c, &l, engine_rounds(c->engine, add_window, ctx));
}

void api_round_put(struct call *c)
{
    struct outcome o;
    outcome_init(&o);
    engine_round_set(c->engine, &c->actor, c->kind, c->year, c->body, c->now, &o);
    if (api_outcome(c, &o)) {
        reply_json(c->r, 200, o.extra);
        o.extra = NULL;
    }
    outcome_release(&o);
}
