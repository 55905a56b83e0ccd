/*
 * Accounts, their tokens and browser sessions: what is written about who
 * may act.  Tokens and sessions are random secrets kept only as their keyed
 * hashes (token.h); passwords only as Argon2id hashes (password.h).
 */
#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "clock.h"
#include "engine.h"
#include "kinds.h"
#include "log.h"
#include "uscc.h"

/* An account that can make tokens without end would fill the table. */
#define TOKENS_PER_ACCOUNT 100

static const struct field_spec account_fields[] = {
    {.name = "role", .type = SPEC_ENUM, .required = true, .enum_values = NULL},
    {.name = "name", .type = SPEC_STRING, .required = true, .min = 1, .max = ACCOUNT_NAME_CHARS},
    {.name = "uscc", .type = SPEC_USCC},
    {.name = "unit", .type = SPEC_STRING, .min = 1, .max = UNIT_ID_CHARS},
    {.name = "authority", .type = SPEC_ENUM, .enum_values = authorities},
    {.name = "direct", .type = SPEC_BOOL},
    {.name = NULL},
};

/* An applicant's organisation is registered in Beijing (USCC division code
 * 11…), unless it is a unit directly under the Ministry of Culture and
 * Tourism or the municipal bureau (京文旅发〔2020〕407号 第十三条), which may
 * carry a national code: it says so (`direct`), and the reviewers check the
 * claim with each application.  NULL when the code may stand, else why not. */
const char *applicant_uscc_problem(const char *uscc, bool direct)
{
    if (!uscc || !uscc_valid(uscc) || direct || uscc_in_beijing(uscc))
        return NULL;
    return "the organisation must be registered in Beijing (division code 11…), unless it is "
           "directly under the Ministry of Culture and Tourism or the municipal bureau "
           "(direct: true)";
}

/* The role names (roles.h), NULL-terminated, for the field table. */
static const char *const *role_values(void)
{
    static const char *names[16];
    if (!names[0])
        for (unsigned i = 0; i < n_roles && i + 1 < 16; i++)
            names[i] = roles[i].name;
    return names;
}

/* Each role is bound to exactly one thing (or nothing, roles.h): say so for
 * every binding that is missing or does not belong. */
static void check_bindings(const json_t *body, const struct role_def *role,
                           struct spec_errors *errs)
{
    for (unsigned i = 0; i < n_roles; i++) {
        const char *member = roles[i].binding;
        if (!member[0])
            continue;
        bool present = json_object_get(body, member) != NULL;
        bool needed = strcmp(role->binding, member) == 0;
        bool may = needed || strcmp(role->also, member) == 0;
        char ptr[32];
        snprintf(ptr, sizeof ptr, "/%s", member);
        if (needed && !present)
            spec_errors_add(errs, ptr, "required for a %s", role->name);
        else if (!may && present)
            spec_errors_add(errs, ptr, "a %s has no %s", role->name, member);
    }
}

void account_from_json(struct store *s, const json_t *body, int64_t now, struct account *a,
                       struct spec_errors *errs)
{
    struct field_spec fields[sizeof account_fields / sizeof account_fields[0]];
    memcpy(fields, account_fields, sizeof fields);
    fields[0].enum_values = role_values();
    memset(a, 0, sizeof *a);
    if (spec_validate(fields, body, "", errs) > 0)
        return;
    const struct role_def *role = role_find(json_string_value(json_object_get(body, "role")));
    check_bindings(body, role, errs);

    const char *uscc = json_string_value(json_object_get(body, "uscc"));
    bool direct = json_is_true(json_object_get(body, "direct"));
    if (direct && role->bit != ROLE_APPLICANT)
        spec_errors_add(errs, "/direct", "only an applicant is directly under an authority");
    const char *why = role->bit == ROLE_APPLICANT ? applicant_uscc_problem(uscc, direct) : NULL;
    if (why)
        spec_errors_add(errs, "/uscc", "%s", why);
    const char *unit = json_string_value(json_object_get(body, "unit"));
    struct unit u;
    const char *authority = json_string_value(json_object_get(body, "authority"));
    if (unit && store_unit_get(s, unit, &u) != STORE_OK)
        spec_errors_add(errs, "/unit", "no such review unit; see GET /v1/review-units");
    else if (unit && authority && (strcmp(u.kind, "soe") == 0 || strcmp(u.kind, "hq") == 0) &&
             strcmp(authority, kind_first_store.authority) != 0)
        /* An enterprise unit reviews its members' first-store projects only
         * (RULES.md §0). */
        spec_errors_add(errs, "/authority",
                        "an enterprise review unit reviews only first_store applications (%s)",
                        kind_first_store.authority);
    if (errs->count > 0)
        return;

    snprintf(a->role, sizeof a->role, "%s", role->name);
    snprintf(a->name, sizeof a->name, "%s", json_string_value(json_object_get(body, "name")));
    if (uscc)
        snprintf(a->uscc, sizeof a->uscc, "%s", uscc);
    if (unit)
        snprintf(a->unit, sizeof a->unit, "%s", unit);
    if (authority)
        snprintf(a->authority, sizeof a->authority, "%s", authority);
    a->direct = direct;
    clock_format_rfc3339(now, a->created_at);
}

json_t *account_to_json(const struct account *a)
{
    json_t *o = json_pack("{s:I, s:s, s:s, s:s}", "id", (json_int_t)a->id, "role", a->role, "name",
                          a->name, "created_at", a->created_at);
    if (o && a->uscc[0])
        json_object_set_new(o, "uscc", json_string(a->uscc));
    if (o && a->unit[0])
        json_object_set_new(o, "unit", json_string(a->unit));
    if (o && a->authority[0])
        json_object_set_new(o, "authority", json_string(a->authority));
    if (o && a->email[0])
        json_object_set_new(o, "email", json_string(a->email));
    if (o && strcmp(a->role, "applicant") == 0)
        json_object_set_new(o, "direct", json_boolean(a->direct));
    return o;
}

void actor_of_account(struct actor *out, const struct account *a)
{
    memset(out, 0, sizeof *out);
    out->account = a->id;
    out->role = role_bit(a->role);
    out->name = a->name;
    out->uscc = a->uscc[0] ? a->uscc : NULL;
    out->unit = a->unit[0] ? a->unit : NULL;
    out->authority = a->authority[0] ? a->authority : NULL;
}

/* ---- tokens ------------------------------------------------------------------ */

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

enum store_rc account_disable(struct store *s, int64_t id, int64_t now, int *tokens, int *sessions)
{
    struct disabling d = {.id = id};
    clock_format_rfc3339(now, d.at);
    enum store_rc rc = store_write(s, tx_disable, &d);
    *tokens = d.tokens;
    *sessions = d.sessions;
    return rc;
}

struct new_token {
    struct token_row *t;
    const unsigned char *key;
    char *text;
    bool full;
};

static enum store_rc tx_token(struct store_tx *tx, void *ctx)
{
    struct new_token *n = ctx;
    int64_t count = 0;
    n->full = false;
    enum store_rc rc = store_tokens_count(tx, n->t->account_id, &count);
    if (rc == STORE_OK && count >= TOKENS_PER_ACCOUNT) {
        n->full = true;
        return STORE_CONFLICT;
    }
    if (rc == STORE_OK)
        rc = token_issue(tx, n->key, n->t, n->text);
    return rc;
}

enum engine_rc engine_token_create(struct engine *e, const unsigned char key[TOKEN_KEY_LEN],
                                   struct token_row *t, char *text, struct outcome *o)
{
    struct new_token n = {.t = t, .key = key, .text = text};
    enum store_rc rc = store_write(e->store, tx_token, &n);
    if (rc == STORE_OK)
        return o->rc = ENGINE_OK;
    if (n.full)
        return outcome_set(o, ENGINE_REFUSED,
                           "an account may have at most %d tokens; revoke one first "
                           "(DELETE /v1/tokens/{id})",
                           TOKENS_PER_ACCOUNT);
    return outcome_set(o, ENGINE_ERROR, "the token could not be stored");
}

struct token_end {
    int64_t account_id, id;
    char at[RFC3339_LEN];
};

static enum store_rc tx_token_end(struct store_tx *tx, void *ctx)
{
    struct token_end *v = ctx;
    return store_token_revoke(tx, v->account_id, v->id, v->at);
}

enum engine_rc engine_token_revoke(struct engine *e, const struct actor *who, int64_t id,
                                   int64_t now, struct outcome *o)
{
    struct token_end v = {.account_id = who->account, .id = id};
    clock_format_rfc3339(now, v.at);
    /* Another account's token is as unknown as one that never was. */
    enum store_rc rc = id > 0 ? store_write(e->store, tx_token_end, &v) : STORE_NOT_FOUND;
    if (rc == STORE_OK)
        return o->rc = ENGINE_OK;
    if (rc == STORE_NOT_FOUND)
        return outcome_set(o, ENGINE_NOT_FOUND, "you have no token with this id");
    return outcome_set(o, ENGINE_ERROR, "the token could not be revoked");
}

/* ---- sessions and sign-up -------------------------------------------------------- */

struct new_session {
    int64_t account;
    const unsigned char *hash;
    const char *csrf;
    char now[RFC3339_LEN], until[RFC3339_LEN];
};

static enum store_rc tx_session(struct store_tx *tx, void *ctx)
{
    struct new_session *ns = ctx;
    return store_session_add(tx, ns->account, ns->hash, ns->csrf, ns->now, ns->until);
}

enum engine_rc engine_session_open(struct engine *e, int64_t account,
                                   const unsigned char hash[TOKEN_HASH_LEN], const char *csrf,
                                   int64_t now, int64_t seconds, struct outcome *o)
{
    struct new_session ns = {account, hash, csrf, "", ""};
    clock_format_rfc3339(now, ns.now);
    clock_format_rfc3339(now + seconds, ns.until);
    if (store_write(e->store, tx_session, &ns) != STORE_OK)
        return outcome_set(o, ENGINE_ERROR, "the session could not be stored");
    return o->rc = ENGINE_OK;
}

struct session_end {
    const unsigned char *hash;
    char at[RFC3339_LEN];
};

static enum store_rc tx_session_end(struct store_tx *tx, void *ctx)
{
    struct session_end *end = ctx;
    return store_session_revoke(tx, end->hash, end->at);
}

enum engine_rc engine_session_close(struct engine *e, const unsigned char hash[TOKEN_HASH_LEN],
                                    int64_t now, struct outcome *o)
{
    struct session_end end = {hash, ""};
    clock_format_rfc3339(now, end.at);
    if (store_write(e->store, tx_session_end, &end) != STORE_OK)
        return outcome_set(o, ENGINE_ERROR, "the session could not be ended");
    return o->rc = ENGINE_OK;
}

/* One answer whether the organisation, the e-mail address or both have an
 * account, so that sign-up does not tell which (docs/CONTRACT.md). */
static const char signup_taken[] =
    "an account exists for this organisation or for this e-mail address: sign in with it, "
    "or ask the administrator for access";

struct signup {
    struct account *a;
    const char *password_hash;
};

static enum store_rc tx_signup(struct store_tx *tx, void *ctx)
{
    struct signup *su = ctx;
    bool taken = false;
    enum store_rc rc = store_account_uscc_taken(tx, su->a->uscc, &taken);
    if (rc != STORE_OK)
        return rc;
    if (taken)
        return STORE_CONFLICT;
    /* The e-mail address is unique: taken, the insert is a conflict.  The
     * account signs in with its password and has no token. */
    rc = store_account_add(tx, su->a);
    if (rc == STORE_OK)
        rc = store_account_set_password(tx, su->a->id, su->password_hash);
    return rc;
}

enum engine_rc engine_signup(struct engine *e, struct account *a, const char *password_hash,
                             struct outcome *o)
{
    struct signup su = {a, password_hash};
    enum store_rc rc = store_write(e->store, tx_signup, &su);
    if (rc == STORE_CONFLICT)
        return outcome_set(o, ENGINE_EXISTS, "%s", signup_taken);
    if (rc != STORE_OK)
        return outcome_set(o, ENGINE_ERROR, "the account could not be stored");
    return o->rc = ENGINE_OK;
}

/* ---- passwords ------------------------------------------------------------------ */

struct reset_issue {
    int64_t account;
    const unsigned char *hash;
    char now[RFC3339_LEN], until[RFC3339_LEN];
};

static enum store_rc tx_reset_issue(struct store_tx *tx, void *ctx)
{
    struct reset_issue *ri = ctx;
    return store_reset_add(tx, ri->account, ri->hash, ri->now, ri->until);
}

enum store_rc password_reset_issue(struct store *s, const unsigned char key[TOKEN_KEY_LEN],
                                   const char *email, int64_t now, char *code_out,
                                   int64_t *account_id, char *expires_out)
{
    bool has_password = false;
    unsigned char hash[TOKEN_HASH_BYTES];
    enum store_rc rc = store_account_by_email_any(s, email, account_id, &has_password);
    if (rc != STORE_OK)
        return rc;
    token_new(code_out, hash, key);
    struct reset_issue ri = {*account_id, hash, "", ""};
    clock_format_rfc3339(now, ri.now);
    clock_format_rfc3339(now + PASSWORD_RESET_SECONDS, ri.until);
    rc = store_write(s, tx_reset_issue, &ri);
    if (rc == STORE_OK)
        memcpy(expires_out, ri.until, sizeof ri.until);
    else
        sodium_memzero(code_out, TOKEN_TEXT_LEN + 1);
    return rc;
}

struct reset_use {
    const unsigned char *code_hash;
    const char *password_hash;
    char now[RFC3339_LEN];
    int64_t account;
    int sessions;
};

static enum store_rc tx_reset_use(struct store_tx *tx, void *ctx)
{
    struct reset_use *ru = ctx;
    enum store_rc rc = store_reset_take(tx, ru->code_hash, ru->now, &ru->account);
    if (rc == STORE_OK)
        rc = store_password_replace(tx, ru->account, ru->password_hash, NULL, ru->now,
                                    &ru->sessions);
    return rc;
}

enum engine_rc engine_password_reset(struct engine *e, const unsigned char key[TOKEN_KEY_LEN],
                                     const char *code, const char *password_hash, int64_t now,
                                     struct outcome *o)
{
    unsigned char hash[TOKEN_HASH_BYTES];
    struct reset_use ru = {hash, password_hash, "", 0, 0};
    enum store_rc rc = STORE_NOT_FOUND;
    clock_format_rfc3339(now, ru.now);
    if (token_hash(hash, code, key) == 0)
        rc = store_write(e->store, tx_reset_use, &ru);
    if (rc == STORE_NOT_FOUND) {
        spec_errors_add(&o->errs, "/code",
                        "the reset link is not valid: it was used already, a newer one "
                        "replaced it, or its 24 hours are over; ask the administrator for a "
                        "new one");
        return outcome_invalid(o);
    }
    if (rc != STORE_OK)
        return outcome_set(o, ENGINE_ERROR, "the password could not be stored");
    log_json(
        LOG_INFO, "password reset",
        json_pack("{s:I, s:i}", "account", (json_int_t)ru.account, "sessions_ended", ru.sessions));
    return o->rc = ENGINE_OK;
}

struct password_change {
    int64_t account;
    const char *password_hash;
    const unsigned char *keep;
    char now[RFC3339_LEN];
    int sessions;
};

static enum store_rc tx_password_change(struct store_tx *tx, void *ctx)
{
    struct password_change *pc = ctx;
    return store_password_replace(tx, pc->account, pc->password_hash, pc->keep, pc->now,
                                  &pc->sessions);
}

enum engine_rc engine_password_change(struct engine *e, const struct actor *who,
                                      const char *password_hash,
                                      const unsigned char keep[TOKEN_HASH_BYTES], int64_t now,
                                      int *sessions, struct outcome *o)
{
    struct password_change pc = {who->account, password_hash, keep, "", 0};
    clock_format_rfc3339(now, pc.now);
    if (store_write(e->store, tx_password_change, &pc) != STORE_OK)
        return outcome_set(o, ENGINE_ERROR, "the password could not be stored");
    if (sessions)
        *sessions = pc.sessions;
    return o->rc = ENGINE_OK;
}
