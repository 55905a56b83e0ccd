/*
 * /v1/accounts: an administrator creates staff and applicant accounts.
 * The token is returned once and kept only as its keyed hash.
 */
#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "api.h"
#include "clock.h"
#include "kinds.h"
#include "spec.h"
#include "uscc.h"

static const char *const role_values[] = {
    "applicant", "district_reviewer", "municipal_reviewer", "auditor", "admin", NULL,
};

static const struct field_spec account_fields[] = {
    {.name = "role", .type = SPEC_ENUM, .required = true, .enum_values = role_values},
    {.name = "name", .type = SPEC_STRING, .required = true, .min = 1, .max = 200},
    {.name = "uscc", .type = SPEC_USCC},
    {.name = "unit", .type = SPEC_STRING, .min = 1, .max = 79},
    {.name = "authority", .type = SPEC_ENUM, .enum_values = authorities},
    {.name = NULL},
};

/* Each role is bound to exactly one thing (or nothing): say so for every
 * binding that is missing or does not belong. */
static void check_binding(const json_t *body, const char *role, const char *member,
                          const char *needs_role, struct spec_errors *errs)
{
    bool present = json_object_get(body, member) != NULL;
    bool needed = strcmp(role, needs_role) == 0;
    char ptr[32];
    snprintf(ptr, sizeof ptr, "/%s", member);
    if (needed && !present)
        spec_errors_add(errs, ptr, "required for a %s", role);
    else if (!needed && present)
        spec_errors_add(errs, ptr, "only a %s has a %s", needs_role, member);
}

void account_from_json(struct store *s, const json_t *body, struct account *a,
                       struct spec_errors *errs)
{
    memset(a, 0, sizeof *a);
    if (spec_validate(account_fields, body, "", errs) > 0)
        return;
    const char *role = json_string_value(json_object_get(body, "role"));
    check_binding(body, role, "uscc", "applicant", errs);
    check_binding(body, role, "unit", "district_reviewer", errs);
    check_binding(body, role, "authority", "municipal_reviewer", errs);

    const char *uscc = json_string_value(json_object_get(body, "uscc"));
    if (uscc && strcmp(role, "applicant") == 0 && !uscc_in_beijing(uscc))
        spec_errors_add(errs, "/uscc",
                        "the organisation must be registered in Beijing (division code 11…)");
    const char *unit = json_string_value(json_object_get(body, "unit"));
    struct unit u;
    if (unit && store_unit_get(s, unit, &u) != STORE_OK)
        spec_errors_add(errs, "/unit", "no such review unit; see GET /v1/review-units");
    if (errs->count > 0)
        return;

    snprintf(a->role, sizeof a->role, "%s", role);
    snprintf(a->name, sizeof a->name, "%s", json_string_value(json_object_get(body, "name")));
    if (uscc)
        snprintf(a->uscc, sizeof a->uscc, "%s", uscc);
    if (unit)
        snprintf(a->unit, sizeof a->unit, "%s", unit);
    const char *authority = json_string_value(json_object_get(body, "authority"));
    if (authority)
        snprintf(a->authority, sizeof a->authority, "%s", authority);
    clock_format_rfc3339(clock_now(), a->created_at);
}

json_t *account_to_json(const struct account *a)
{
    json_t *o = json_pack("{s:I, s:s, s:s, s:s}", "id", (json_int_t)a->id, "role", a->role, "name",
                          a->name, "created_at", a->created_at);
    if (a->uscc[0])
        json_object_set_new(o, "uscc", json_string(a->uscc));
    if (a->unit[0])
        json_object_set_new(o, "unit", json_string(a->unit));
    if (a->authority[0])
        json_object_set_new(o, "authority", json_string(a->authority));
    if (a->email[0])
        json_object_set_new(o, "email", json_string(a->email));
    return o;
}

struct new_account {
    struct account *a;
    const unsigned char *hash;
};

static enum store_rc tx_account_add(struct store_tx *tx, void *ctx)
{
    struct new_account *n = ctx;
    return store_account_add(tx, n->a, n->hash);
}

void api_account_create(struct request *r)
{
    struct spec_errors errs;
    struct account a;
    spec_errors_init(&errs);
    account_from_json(r->srv->store, r->body_json, &a, &errs);
    if (errs.count > 0) {
        reply_invalid(r, &errs);
        spec_errors_release(&errs);
        return;
    }
    spec_errors_release(&errs);

    char token[TOKEN_TEXT_LEN + 1];
    unsigned char hash[TOKEN_HASH_BYTES];
    token_new(token, hash, r->srv->token_key);
    struct new_account n = {&a, hash};
    enum store_rc rc = store_write(r->srv->store, tx_account_add, &n);
    if (rc == STORE_OK) {
        reply_header(r, "Location", "/v1/accounts/%lld", (long long)a.id);
        reply_json(r, 201, json_pack("{s:o, s:s}", "account", account_to_json(&a), "token", token));
    } else {
        reply_store_error(r, rc);
    }
    sodium_memzero(token, sizeof token);
}

void api_account_me(struct request *r)
{
    reply_json(r, 200, account_to_json(&r->account));
}
