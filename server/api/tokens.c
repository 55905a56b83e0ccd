/*
 * /v1/tokens: the bearer tokens of the signed-in account.  Each has a name
 * and may have a last day; its text is shown once, when it is made, and
 * kept only as its keyed hash.
 */
#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "api.h"

/* An account that can make tokens without end would fill the table. */
#define TOKENS_PER_ACCOUNT 100

const char *token_expiry_problem(const char *text, sb_day today)
{
    sb_day day;
    if (!date_parse(text, &day))
        return "must be a date YYYY-MM-DD";
    if (day < today)
        return "must not lie in the past: it is the last day the token works";
    return NULL;
}

enum store_rc token_issue(struct store_tx *tx, const unsigned char key[TOKEN_KEY_LEN],
                          struct token_row *t, char *out_text)
{
    unsigned char hash[TOKEN_HASH_BYTES];
    token_new(out_text, hash, key);
    return store_token_add(tx, t, hash);
}

static json_t *token_to_json(const struct token_row *t)
{
    return json_pack("{s:I, s:s, s:s, s:o}", "id", (json_int_t)t->id, "name", t->name, "created_at",
                     t->created_at, "expires_on",
                     t->expires_on ? json_string(t->expires_on) : json_null());
}

/* ---- POST /v1/tokens ------------------------------------------------------ */

static const struct field_spec token_fields[] = {
    {.name = "name",
     .type = SPEC_STRING,
     .required = true,
     .min = 1,
     .max = 100,
     .title_zh = "名称",
     .title_en = "Name",
     .help = "what the token is for, to tell it from the others"},
    {.name = "expires_on",
     .type = SPEC_DATE,
     .title_zh = "有效期至",
     .title_en = "Last day",
     .help = "the last day the token works (Beijing time); null or absent: no end"},
    {.name = NULL},
};

struct new_token {
    struct token_row t;
    const unsigned char *key;
    char text[TOKEN_TEXT_LEN + 1];
    bool full;
};

static enum store_rc tx_token(struct store_tx *tx, void *ctx)
{
    struct new_token *n = ctx;
    int64_t count = 0;
    enum store_rc rc = store_tokens_count(tx, n->t.account_id, &count);
    if (rc == STORE_OK && count >= TOKENS_PER_ACCOUNT) {
        n->full = true;
        return STORE_CONFLICT;
    }
    if (rc == STORE_OK)
        rc = token_issue(tx, n->key, &n->t, n->text);
    return rc;
}

void api_token_create(struct request *r)
{
    /* "expires_on": null says what leaving it out says. */
    json_t *body = json_copy(r->body_json);
    if (json_is_null(json_object_get(body, "expires_on")))
        json_object_del(body, "expires_on");
    struct spec_errors errs;
    spec_errors_init(&errs);
    spec_validate(token_fields, body, "", &errs);
    char today[DATE_TEXT_LEN];
    date_format(date_of_unix(clock_now()), today);
    const char *expires_on = json_string_value(json_object_get(body, "expires_on"));
    if (errs.count == 0 && expires_on) {
        const char *why = token_expiry_problem(expires_on, date_of_unix(clock_now()));
        if (why)
            spec_errors_add(&errs, "/expires_on", "%s (today is %s)", why, today);
    }
    if (errs.count > 0) {
        reply_invalid(r, &errs);
        spec_errors_release(&errs);
        json_decref(body);
        return;
    }
    spec_errors_release(&errs);

    char now[RFC3339_LEN];
    clock_format_rfc3339(clock_now(), now);
    struct new_token n = {
        .t = {.account_id = r->account.id,
              .name = json_string_value(json_object_get(body, "name")),
              .created_at = now,
              .expires_on = expires_on},
        .key = r->srv->token_key,
    };
    enum store_rc rc = store_write(r->srv->store, tx_token, &n);
    if (rc == STORE_OK) {
        json_t *out = token_to_json(&n.t);
        json_object_set_new(out, "token", json_string(n.text));
        reply_header(r, "Location", "/v1/tokens/%lld", (long long)n.t.id);
        reply_json(r, 201, out);
    } else if (n.full) {
        reply_problem(r, P_CONFLICT,
                      "an account may have at most %d tokens; revoke one first "
                      "(DELETE /v1/tokens/{id})",
                      TOKENS_PER_ACCOUNT);
    } else {
        reply_store_error(r, rc);
    }
    sodium_memzero(n.text, sizeof n.text);
    json_decref(body);
}

/* ---- GET /v1/tokens -------------------------------------------------------- */

static void add_token(const struct token_row *t, void *ctx)
{
    json_array_append_new(ctx, token_to_json(t));
}

void api_tokens_list(struct request *r)
{
    json_t *items = json_array();
    enum store_rc rc = store_tokens_of(r->srv->store, r->account.id, add_token, items);
    if (rc != STORE_OK) {
        json_decref(items);
        reply_store_error(r, rc);
        return;
    }
    reply_json(r, 200, json_pack("{s:o}", "items", items));
}

/* ---- DELETE /v1/tokens/{id} ------------------------------------------------ */

struct revocation {
    int64_t account_id, id;
    char at[RFC3339_LEN];
};

static enum store_rc tx_revoke(struct store_tx *tx, void *ctx)
{
    struct revocation *v = ctx;
    return store_token_revoke(tx, v->account_id, v->id, v->at);
}

void api_token_delete(struct request *r)
{
    struct revocation v = {.account_id = r->account.id, .id = path_id_param(r->params[0])};
    clock_format_rfc3339(clock_now(), v.at);
    /* Another account's token is as unknown as one that never was. */
    enum store_rc rc = v.id ? store_write(r->srv->store, tx_revoke, &v) : STORE_NOT_FOUND;
    if (rc == STORE_OK)
        reply_empty(r, 204);
    else if (rc == STORE_NOT_FOUND)
        reply_problem(r, P_NOT_FOUND, "you have no token with this id");
    else
        reply_store_error(r, rc);
}
