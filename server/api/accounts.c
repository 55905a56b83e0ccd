/*
 * /v1/accounts: an administrator creates staff and applicant accounts and
 * disables them.  The account's first token is returned once and kept only
 * as its keyed hash.
 */
#include <sodium.h>

#include "api.h"

void api_account_create(struct call *c)
{
    struct spec_errors errs;
    struct account a;
    spec_errors_init(&errs);
    account_from_json(c->engine->store, c->body, c->now, &a, &errs);
    if (errs.count > 0) {
        reply_invalid(c->r, &errs);
        spec_errors_release(&errs);
        return;
    }
    spec_errors_release(&errs);

    char token[TOKEN_TEXT_LEN + 1];
    enum store_rc rc = account_store_new(c->engine->store, c->srv->token_key, &a, NULL, token);
    if (rc == STORE_OK) {
        reply_header(c->r, "Location", "/v1/accounts/%lld", (long long)a.id);
        reply_json(c->r, 201,
                   json_pack("{s:o, s:s}", "account", account_to_json(&a), "token", token));
    } else {
        reply_store_error(c->r, rc);
    }
    sodium_memzero(token, sizeof token);
}

void api_account_disable(struct call *c)
{
    int64_t id = c->sub_id;
    if (id != 0 && id == c->account.id) {
        /* The last administrator would lock everyone out of the API. */
        reply_problem(c->r, P_CONFLICT,
                      "an administrator does not disable their own account: another "
                      "administrator can, or `shenbao account disable %lld`",
                      (long long)id);
        return;
    }
    int tokens = 0, sessions = 0;
    enum store_rc rc =
        id ? account_disable(c->engine->store, id, c->now, &tokens, &sessions) : STORE_NOT_FOUND;
    struct account a;
    if (rc == STORE_OK)
        rc = store_account_get(c->engine->store, id, &a);
    if (rc == STORE_NOT_FOUND) {
        reply_problem(c->r, P_NOT_FOUND, "no account with this id");
        return;
    }
    if (rc != STORE_OK) {
        reply_store_error(c->r, rc);
        return;
    }
    json_t *out = account_to_json(&a);
    json_object_set_new(out, "disabled", json_true());
    /* What stopped now: 0 and 0 when it was disabled before. */
    json_object_set_new(out, "tokens_revoked", json_integer(tokens));
    json_object_set_new(out, "sessions_revoked", json_integer(sessions));
    reply_json(c->r, 200, out);
}

void api_account_me(struct call *c)
{
    reply_json(c->r, 200, account_to_json(&c->account));
}
