/*
 * /v1/review-units: the districts and etdz come from the configuration; an
 * administrator adds the municipal state-owned enterprise groups (soe:…)
 * and headquarters enterprises (hq:…) that review their own members'
 * first_store applications.
 */
#include <stdio.h>
#include <string.h>

#include "api.h"
#include "spec.h"

static const struct field_spec unit_fields[] = {
    {.name = "id",
     .type = SPEC_STRING,
     .required = true,
     .min = 4,
     .max = UNIT_ID_CHARS,
     .help = "\"soe:<group name>\" or \"hq:<enterprise name>\""},
    {.name = "name_zh", .type = SPEC_STRING, .required = true, .min = 1, .max = UNIT_NAME_CHARS},
    {.name = "name_en", .type = SPEC_STRING, .required = true, .min = 1, .max = UNIT_NAME_CHARS},
    {.name = NULL},
};

/* NULL only when memory runs out. */
static json_t *unit_to_json(const struct unit *u)
{
    return json_pack("{s:s, s:s, s:s, s:s}", "id", u->id, "name_zh", u->name_zh, "name_en",
                     u->name_en, "kind", u->kind);
}

static bool list_one(const struct unit *u, void *ctx)
{
    listing_add(ctx, unit_to_json(u));
    return true;
}

void api_units_list(struct call *c)
{
    struct listing l;
    listing_init(&l);
    enum store_rc rc = store_unit_each(c->engine->store, list_one, &l);
    listing_reply(c, &l, rc == STORE_OK ? ENGINE_OK : ENGINE_ERROR);
}

static enum store_rc tx_unit_add(struct store_tx *tx, void *ctx)
{
    return store_unit_add(tx, ctx);
}

void api_unit_create(struct call *c)
{
    struct request *r = c->r;
    struct spec_errors errs;
    spec_errors_init(&errs);
    spec_validate(unit_fields, c->body, "", &errs);
    const char *id = json_string_value(json_object_get(c->body, "id"));
    struct unit u = {0};
    if (id && errs.count == 0) {
        size_t prefix = strncmp(id, "soe:", 4) == 0 ? 4 : strncmp(id, "hq:", 3) == 0 ? 3 : 0;
        if (prefix == 0 || id[prefix] == '\0' || strpbrk(id, " /?#%&"))
            spec_errors_add(
                &errs, "/id",
                "must be \"soe:<name>\" or \"hq:<name>\", without spaces or / ? # %% &");
        else
            snprintf(u.kind, sizeof u.kind, "%.*s", (int)prefix - 1, id);
    }
    if (errs.count > 0) {
        reply_invalid(r, &errs);
        spec_errors_release(&errs);
        return;
    }
    spec_errors_release(&errs);
    snprintf(u.id, sizeof u.id, "%s", id);
    snprintf(u.name_zh, sizeof u.name_zh, "%s",
             json_string_value(json_object_get(c->body, "name_zh")));
    snprintf(u.name_en, sizeof u.name_en, "%s",
             json_string_value(json_object_get(c->body, "name_en")));
    enum store_rc rc = store_write(c->engine->store, tx_unit_add, &u);
    json_t *doc = rc == STORE_OK ? unit_to_json(&u) : NULL;
    if (doc)
        reply_json(r, 201, doc);
    else if (rc == STORE_OK)
        reply_problem(r, P_INTERNAL, "the review unit was stored but could not be rendered");
    else if (rc == STORE_CONFLICT)
        reply_problem(r, P_EXISTS, "a review unit with this id exists");
    else
        reply_store_error(r, rc);
}
