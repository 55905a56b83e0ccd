/*
 * /v1/accounts: an administrator creates staff and applicant accounts and
 * disables them.  The account's first token is returned once and kept only
 * as its keyed hash.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
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

int64_t path_id_param(const char *text)
{
    if (text[0] < '1' || text[0] > '9' || strlen(text) > 18)
        return 0;
    char *end;
    errno = 0;
    long long n = strtoll(text, &end, 10);
    return errno == 0 && *end == '\0' ? n : 0;
}

struct new_account {
    struct account *a;
    const unsigned char *key;
    const char *expires_on;
    char *token;
};

static enum store_rc tx_account_add(struct store_tx *tx, void *ctx)
{
    struct new_account *n = ctx;
    enum store_rc rc = store_account_add(tx, n->a);
    struct token_row t = {.account_id = n->a->id,
                          .name = "initial",
                          .created_at = n->a->created_at,
                          .expires_on = n->expires_on};
    if (rc == STORE_OK)
        rc = token_issue(tx, n->key, &t, n->token);
    return rc;
}

enum store_rc account_store_new(struct store *s, const unsigned char key[TOKEN_KEY_LEN],
                                struct account *a, const char *expires_on, char *token_out)
{
    struct new_account n = {a, key, expires_on, token_out};
    return store_write(s, tx_account_add, &n);
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
    enum store_rc rc = account_store_new(r->srv->store, r->srv->token_key, &a, NULL, token);
    if (rc == STORE_OK) {
        reply_header(r, "Location", "/v1/accounts/%lld", (long long)a.id);
        reply_json(r, 201, json_pack("{s:o, s:s}", "account", account_to_json(&a), "token", token));
    } else {
        reply_store_error(r, rc);
    }
    sodium_memzero(token, sizeof token);
}

struct disabling {
    int64_t id;
    char at[RFC3339_LEN];
    int tokens, sessions;
};

static enum store_rc tx_disable(struct store_tx *tx, void *ctx)
{
    struct disabling *d = ctx;
    return store_account_disable(tx, d->id, d->at, &d->tokens, &d->sessions);
}

enum store_rc account_disable(struct store *s, int64_t id, int *tokens, int *sessions)
{
    struct disabling d = {.id = id};
    clock_format_rfc3339(clock_now(), d.at);
    enum store_rc rc = store_write(s, tx_disable, &d);
    *tokens = d.tokens;
    *sessions = d.sessions;
    return rc;
}

void api_account_disable(struct request *r)
{
    int64_t id = path_id_param(r->params[0]);
    if (id != 0 && id == r->account.id) {
        /* The last administrator would lock everyone out of the API. */
        reply_problem(r, P_CONFLICT,
                      "an administrator does not disable their own account: another "
                      "administrator can, or `shenbao account disable %lld`",
                      (long long)id);
        return;
    }
    int tokens = 0, sessions = 0;
    enum store_rc rc =
        id ? account_disable(r->srv->store, id, &tokens, &sessions) : STORE_NOT_FOUND;
    struct account a;
    if (rc == STORE_OK)
        rc = store_account_get(r->srv->store, id, &a);
    if (rc == STORE_NOT_FOUND) {
        reply_problem(r, P_NOT_FOUND, "no account with this id");
        return;
    }
    if (rc != STORE_OK) {
        reply_store_error(r, rc);
        return;
    }
    json_t *out = account_to_json(&a);
    json_object_set_new(out, "disabled", json_true());
    /* What stopped now: 0 and 0 when it was disabled before. */
    json_object_set_new(out, "tokens_revoked", json_integer(tokens));
    json_object_set_new(out, "sessions_revoked", json_integer(sessions));
    reply_json(r, 200, out);
}

void api_account_me(struct request *r)
{
    reply_json(r, 200, account_to_json(&r->account));
}
