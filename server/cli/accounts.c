/*
 * shenbao account add, account disable and account reset-password.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "cli.h"
#include "clock.h"

int cmd_account_add(struct cli *c)
{
    if (!c->role)
        return fail("account add: --role is required (applicant, district_reviewer, "
                    "municipal_reviewer, auditor, admin)");
    const char *why =
        c->expires ? token_expiry_problem(c->expires, date_of_unix(clock_now())) : NULL;
    if (why)
        return fail("account add: --expires %s", why);
    json_t *body = json_pack("{s:s, s:s}", "role", c->role, "name", c->name ? c->name : c->role);
    if (!body)
        return fail("account add: --role and --name must be UTF-8 text");
    if (c->uscc)
        json_object_set_new(body, "uscc", json_string(c->uscc));
    if (c->unit)
        json_object_set_new(body, "unit", json_string(c->unit));
    if (c->authority)
        json_object_set_new(body, "authority", json_string(c->authority));
    if (c->direct)
        json_object_set_new(body, "direct", json_true());

    int ret = 1;
    unsigned char key[TOKEN_KEY_LEN];
    char token[TOKEN_TEXT_LEN + 1] = "";
    struct spec_errors errs;
    spec_errors_init(&errs);
    struct store *s = open_store(&c->cfg);
    if (!s)
        goto out;
    if (load_token_key(&c->cfg, s, key) != 0)
        goto out;

    struct account a;
    account_from_json(s, body, clock_now(), &a, &errs);
    if (errs.count > 0) {
        /* Name the flag, not the JSON member. */
        for (size_t i = 0; i < errs.count; i++)
            fprintf(stderr, "shenbao: account add: --%s %s\n", errs.items[i].pointer + 1,
                    errs.items[i].detail);
        goto out;
    }
    if (account_store_new(s, key, &a, c->expires, token) != STORE_OK) {
        fail("account add: the account could not be stored");
    } else {
        printf("account %lld (%s) created; its token%s%s, shown only now:\n%s\n", (long long)a.id,
               a.role, c->expires ? ", valid through " : "", c->expires ? c->expires : "", token);
        ret = 0;
    }
out:
    sodium_memzero(token, sizeof token);
    sodium_memzero(key, sizeof key);
    spec_errors_release(&errs);
    json_decref(body);
    if (s)
        store_free(s);
    return ret;
}

int cmd_account_disable(struct cli *c)
{
    if (!c->id)
        return fail("account disable: name the account: shenbao account disable ID");
    char *end;
    long long parsed = c->id[0] >= '1' && c->id[0] <= '9' ? strtoll(c->id, &end, 10) : 0;
    int64_t id = parsed > 0 && *end == '\0' && strlen(c->id) <= 18 ? parsed : 0;
    if (id == 0)
        return fail("account disable: \"%s\" is not an account id (a positive integer)", c->id);
    struct store *s = open_store(&c->cfg);
    if (!s)
        return 1;
    int tokens = 0, sessions = 0, ret = 1;
    struct account a;
    enum store_rc rc = account_disable(s, id, clock_now(), &tokens, &sessions);
    if (rc == STORE_OK)
        rc = store_account_get(s, id, &a);
    if (rc == STORE_NOT_FOUND) {
        char shown[sizeof c->cfg.db];
        store_target_shown(c->cfg.db, shown, sizeof shown);
        fail("account disable: database %s has no account %lld", shown, (long long)id);
    } else if (rc != STORE_OK)
        fail("account disable: the database could not disable account %lld", (long long)id);
    else {
        printf("account %lld (%s, %s) disabled: %d token%s and %d session%s no longer work\n",
               (long long)id, a.role, a.name, tokens, tokens == 1 ? "" : "s", sessions,
               sessions == 1 ? "" : "s");
        ret = 0;
    }
    store_free(s);
    return ret;
}

/* A one-time link that sets a new password (the administrator hands it to
 * the account's owner; shenbao sends no mail).  --url: where the web pages
 * are, as their users reach them; default the server's listen address. */
int cmd_account_reset_password(struct cli *c)
{
    if (!c->email || !c->email[0])
        return fail("account reset-password: --email is required (the e-mail address the "
                    "account signs in with)");
    char base[512];
    if (c->url) {
        size_t n = strlen(c->url);
        if (strncmp(c->url, "http://", 7) != 0 && strncmp(c->url, "https://", 8) != 0)
            return fail("account reset-password: --url %s is not an http:// or https:// address",
                        c->url);
        while (n > 0 && c->url[n - 1] == '/')
            n--;
        snprintf(base, sizeof base, "%.*s", (int)n, c->url);
    } else {
        snprintf(base, sizeof base, "http://%s:%u", c->cfg.listen_host, c->cfg.listen_port);
    }
    struct store *s = open_store(&c->cfg);
    if (!s)
        return 1;
    int ret = 1;
    unsigned char key[TOKEN_KEY_LEN];
    char code[TOKEN_TEXT_LEN + 1] = "", until[RFC3339_LEN] = "";
    int64_t id = 0;
    if (load_token_key(&c->cfg, s, key) != 0)
        goto out;
    enum store_rc rc = password_reset_issue(s, key, c->email, clock_now(), code, &id, until);
    if (rc == STORE_NOT_FOUND) {
        fail("account reset-password: database %s has no account that signs in with %s (or it is "
             "disabled)",
             c->cfg.db, c->email);
    } else if (rc != STORE_OK) {
        fail("account reset-password: the database could not store the reset");
    } else {
        printf("account %lld: a one-time link to set a new password, valid until %s (its "
               "sessions end when it is used); shown only now:\n%s/#/reset/%s\n",
               (long long)id, until, base, code);
        ret = 0;
    }
out:
    sodium_memzero(code, sizeof code);
    sodium_memzero(key, sizeof key);
    store_free(s);
    return ret;
}
