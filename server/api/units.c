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
     .max = 79,
     .help = "\"soe:<group name>\" or \"hq:<enterprise name>\""},
    {.name = "name_zh", .type = SPEC_STRING, .required = true, .min = 1, .max = 80},
    {.name = "name_en", .type = SPEC_STRING, .required = true, .min = 1, .max = 80},
    {.name = NULL},
};

static json_t *unit_to_json(const struct unit *u)
{
    return json_pack("{s:s, s:s, s:s, s:s}", "id", u->id, "name_zh", u->name_zh, "name_en",
                     u->name_en, "kind", u->kind);
}

static bool list_one(const struct unit *u, void *ctx)
{
    json_array_append_new(ctx, unit_to_json(u));
    return true;
}

void api_units_list(struct request *r)
{
    json_t *items = json_array();
    enum store_rc rc = store_unit_each(r->srv->store, list_one, items);
    if (rc != STORE_OK) {
        json_decref(items);
        reply_store_error(r, rc);
        return;
    }
    reply_json(r, 200, json_pack("{s:o}", "items", items));
}

static enum store_rc tx_unit_add(struct store_tx *tx, void *ctx)
{
    return store_unit_add(tx, ctx);
}

void api_unit_create(struct request *r)
{
    struct spec_errors errs;
    spec_errors_init(&errs);
    spec_validate(unit_fields, r->body_json, "", &errs);
    const char *id = json_string_value(json_object_get(r->body_json, "id"));
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
             json_string_value(json_object_get(r->body_json, "name_zh")));
    snprintf(u.name_en, sizeof u.name_en, "%s",
             json_string_value(json_object_get(r->body_json, "name_en")));
    enum store_rc rc = store_write(r->srv->store, tx_unit_add, &u);
    if (rc == STORE_OK)
        reply_json(r, 201, unit_to_json(&u));
    else if (rc == STORE_CONFLICT)
        reply_problem(r, P_EXISTS, "a review unit with this id exists");
    else
        reply_store_error(r, rc);
}
