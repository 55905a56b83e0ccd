/*
 * /v1/tokens: the bearer tokens of the signed-in account.  Each has a name
 * and may have a last day; its text is shown once, when it is made, and
 * kept only as its keyed hash.
 */
#include <sodium.h>

#include "api.h"

static json_t *token_to_json(const struct token_row *t)
{
    return json_pack("{s:I, s:s, s:s, s:o}", "id", (json_int_t)t->id, "name", t->name, "created_at",
                     t->created_at, "expires_on",
                     t->expires_on ? json_string(t->expires_on) : json_null());
}

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

void api_token_create(struct call *c)
{
    /* "expires_on": null says what leaving it out says. */
    json_t *body = json_copy(c->body);
    if (json_is_null(json_object_get(body, "expires_on")))
        json_object_del(body, "expires_on");
    struct spec_errors errs;
    spec_errors_init(&errs);
    spec_validate(token_fields, body, "", &errs);
    char today[DATE_TEXT_LEN];
    date_format(date_of_unix(c->now), today);
    const char *expires_on = json_string_value(json_object_get(body, "expires_on"));
    if (errs.count == 0 && expires_on) {
        const char *why = token_expiry_problem(expires_on, date_of_unix(c->now));
        if (why)
            spec_errors_add(&errs, "/expires_on", "%s (today is %s)", why, today);
    }
    if (errs.count > 0) {
        reply_invalid(c->r, &errs);
        spec_errors_release(&errs);
        json_decref(body);
        return;
    }
    spec_errors_release(&errs);

    char now[RFC3339_LEN], text[TOKEN_TEXT_LEN + 1];
    clock_format_rfc3339(c->now, now);
    struct token_row t = {.account_id = c->account.id,
                          .name = json_string_value(json_object_get(body, "name")),
                          .created_at = now,
                          .expires_on = expires_on};
    struct outcome o;
    outcome_init(&o);
    if (api_outcome(c, (engine_token_create(c->engine, c->srv->token_key, &t, text, &o), &o))) {
        json_t *out = token_to_json(&t);
        json_object_set_new(out, "token", json_string(text));
        reply_header(c->r, "Location", "/v1/tokens/%lld", (long long)t.id);
        reply_json(c->r, 201, out);
    }
    outcome_release(&o);
    sodium_memzero(text, sizeof text);
    json_decref(body);
}

static void add_token(const struct token_row *t, void *ctx)
{
    listing_add(ctx, token_to_json(t));
}

void api_tokens_list(struct call *c)
{
    struct listing l;
    listing_init(&l);
    enum store_rc rc = store_tokens_of(c->engine->store, c->account.id, add_token, &l);
    listing_reply(c, &l, rc == STORE_OK ? ENGINE_OK : ENGINE_ERROR);
}

void api_token_delete(struct call *c)
{
    struct outcome o;
    outcome_init(&o);
    if (api_outcome(c, (engine_token_revoke(c->engine, &c->actor, c->sub_id, c->now, &o), &o)))
        reply_empty(c->r, 204);
    outcome_release(&o);
}
