/*
 * Web sign-up and sign-in.
 *
 * An organisation signs up with its USCC, a contact e-mail and a password
 * (kept as an Argon2id hash); staff sign in with the access token an
 * administrator gave them.  Either way the browser gets a session: an
 * HttpOnly, SameSite=Strict cookie carrying a token of the same kind as the
 * bearer tokens (kept as its hash), and a CSRF token that every
 * state-changing request must echo in X-CSRF-Token.
 */
#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "api.h"
#include "kinds.h"
#include "password.h"
#include "ratelimit.h"
#include "spec.h"
#include "throttle.h"
#include "uscc.h"

#define SESSION_SECONDS            (12 * 3600)
#define LOGIN_ATTEMPTS_PER_ADDRESS 20 /* a minute: an office behind one NAT */
#define SIGNUPS_PER_ADDRESS        20 /* an hour */

static struct ratelimit login_by_address = RATELIMIT_INIT(60);
static struct ratelimit signup_by_address = RATELIMIT_INIT(3600);
/* Progressive delays after wrong passwords (throttle.h has the arithmetic). */
static struct throttle signin_throttle = THROTTLE_INIT;

static void set_cookies(struct request *r, const char *token, const char *csrf, int max_age)
{
    const char *secure = r->secure ? "; Secure" : "";
    reply_header(r, "Set-Cookie", "sb_session=%s; Path=/; Max-Age=%d; HttpOnly; SameSite=Strict%s",
                 token, max_age, secure);
    reply_header(r, "Set-Cookie", "sb_csrf=%s; Path=/; Max-Age=%d; SameSite=Strict%s", csrf,
                 max_age, secure);
}

/* Opens a session for the account, sets its cookies and answers with the
 * account and the CSRF token. */
static void reply_signed_in(struct call *c, unsigned status, const struct account *a)
{
    char token[TOKEN_TEXT_LEN + 1], csrf[64];
    unsigned char hash[TOKEN_HASH_BYTES], raw[32];
    token_new(token, hash, c->srv->token_key);
    randombytes_buf(raw, sizeof raw);
    sodium_bin2base64(csrf, sizeof csrf, raw, sizeof raw, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    struct outcome o;
    outcome_init(&o);
    engine_session_open(c->engine, a->id, hash, csrf, c->now, SESSION_SECONDS, &o);
    if (api_outcome(c, &o)) {
        set_cookies(c->r, token, csrf, SESSION_SECONDS);
        reply_json(c->r, status,
                   json_pack("{s:o, s:s}", "account", account_to_json(a), "csrf_token", csrf));
    }
    outcome_release(&o);
    sodium_memzero(token, sizeof token);
}

/* A 429 telling when to come back. */
static void too_many(struct request *r, unsigned retry, const char *what)
{
    reply_header(r, "Retry-After", "%u", retry);
    reply_problem(r, P_TOO_MANY, "%s; try again in %u s", what, retry);
}

/* ---- sign-up ---------------------------------------------------------------- */

static const struct field_spec signup_fields[] = {
    {.name = "name",
     .type = SPEC_STRING,
     .required = true,
     .min = 1,
     .max = 200,
     .title_zh = "单位名称",
     .title_en = "Organisation name"},
    {.name = "uscc",
     .type = SPEC_USCC,
     .required = true,
     .title_zh = "统一社会信用代码",
     .title_en = "Unified Social Credit Code"},
    {.name = "email",
     .type = SPEC_STRING,
     .required = true,
     .min = 3,
     .max = 254,
     .title_zh = "联系邮箱",
     .title_en = "Contact e-mail"},
    {.name = "password",
     .type = SPEC_STRING,
     .required = true,
     .min = PASSWORD_MIN_CHARS,
     .max = 128,
     .title_zh = "密码",
     .title_en = "Password"},
    {.name = "direct",
     .type = SPEC_BOOL,
     .title_zh = "文化和旅游部或市文化和旅游局直属单位",
     .title_en = "Directly under the ministry or the municipal bureau",
     .help = "such a unit may carry a national division code in its USCC; the reviewers check "
             "it"},
    {.name = NULL},
};

/* Enough of an address to reach someone: one '@' with text on both sides
 * and a dot in the domain, no spaces.  Whether it reaches anyone, only a
 * mail would tell. */
static bool email_plausible(const char *e)
{
    const char *at = strchr(e, '@');
    return at && at != e && !strchr(at + 1, '@') && strchr(at + 1, '.') && at[1] != '.' &&
           e[strlen(e) - 1] != '.' && !strpbrk(e, " \t\r\n<>,;\"");
}

void api_signup(struct call *c)
{
    struct request *r = c->r;
    const json_t *b = c->body;
    struct spec_errors errs;
    spec_errors_init(&errs);
    spec_validate(signup_fields, b, "", &errs);
    const char *uscc = json_string_value(json_object_get(b, "uscc"));
    const char *email = json_string_value(json_object_get(b, "email"));
    const char *password = json_string_value(json_object_get(b, "password"));
    bool direct = json_is_true(json_object_get(b, "direct"));
    const char *why = applicant_uscc_problem(uscc, direct);
    if (why)
        spec_errors_add(&errs, "/uscc", "%s", why);
    if (email && !email_plausible(email))
        spec_errors_add(&errs, "/email", "is not an e-mail address");
    if (password && email && strcmp(password, email) == 0)
        spec_errors_add(&errs, "/password", "must not be the e-mail address");
    if (errs.count > 0) {
        reply_invalid(r, &errs);
        spec_errors_release(&errs);
        return;
    }
    spec_errors_release(&errs);
    unsigned retry;
    if (!ratelimit_take(&signup_by_address, r->client_addr, c->now, SIGNUPS_PER_ADDRESS, &retry)) {
        too_many(r, retry, "too many sign-ups from this address");
        return;
    }

    char hash[PASSWORD_HASH_LEN];
    enum password_rc prc = password_hash(hash, password);
    if (prc == PASSWORD_BUSY) {
        too_many(r, 5, "the server is busy checking passwords");
        return;
    }
    if (prc != PASSWORD_OK) {
        reply_problem(r, P_INTERNAL, "the password could not be stored");
        return;
    }
    struct account a = {0};
    snprintf(a.role, sizeof a.role, "applicant");
    snprintf(a.name, sizeof a.name, "%s", json_string_value(json_object_get(b, "name")));
    snprintf(a.uscc, sizeof a.uscc, "%s", uscc);
    snprintf(a.email, sizeof a.email, "%s", email);
    a.direct = direct;
    clock_format_rfc3339(c->now, a.created_at);
    struct outcome o;
    outcome_init(&o);
    engine_signup(c->engine, &a, hash, &o);
    sodium_memzero(hash, sizeof hash);
    if (api_outcome(c, &o)) {
        throttle_remember(&signin_throttle, email, r->client_addr, clock_now_ms());
        reply_signed_in(c, 201, &a);
    }
    outcome_release(&o);
}

/* ---- sign-in and sign-out ------------------------------------------------------ */

static const struct field_spec session_fields[] = {
    {.name = "email", .type = SPEC_STRING, .min = 1, .max = 254},
    {.name = "password", .type = SPEC_STRING, .min = 1, .max = 256},
    {.name = "token", .type = SPEC_STRING, .min = 1, .max = 100},
    {.name = NULL},
};

void api_session_create(struct call *c)
{
    struct request *r = c->r;
    const json_t *b = c->body;
    struct spec_errors errs;
    spec_errors_init(&errs);
    spec_validate(session_fields, b, "", &errs);
    const char *email = json_string_value(json_object_get(b, "email"));
    const char *password = json_string_value(json_object_get(b, "password"));
    const char *token = json_string_value(json_object_get(b, "token"));
    if (errs.count == 0 && !token && (!email || !password))
        spec_errors_add(&errs, email ? "/password" : "/email",
                        "is required: sign in with e-mail and password, or with a token");
    if (errs.count == 0 && token && (email || password))
        spec_errors_add(&errs, "/token",
                        "sign in with a token or with e-mail and password, "
                        "not both");
    if (errs.count > 0) {
        reply_invalid(r, &errs);
        spec_errors_release(&errs);
        return;
    }
    spec_errors_release(&errs);

    int64_t now = c->now;
    unsigned retry;
    if (!ratelimit_take(&login_by_address, r->client_addr, now, LOGIN_ATTEMPTS_PER_ADDRESS,
                        &retry)) {
        too_many(r, retry, "too many sign-in attempts from this address");
        return;
    }
    struct account a;
    if (token) {
        unsigned char hash[TOKEN_HASH_BYTES];
        char today[DATE_TEXT_LEN];
        date_format(date_of_unix(now), today);
        if (token_hash(hash, token, c->srv->token_key) != 0 ||
            store_account_by_token(c->engine->store, hash, today, &a) != STORE_OK) {
            reply_problem(r, P_UNAUTHORIZED, "this token is not valid");
            return;
        }
        reply_signed_in(c, 200, &a);
        return;
    }
    const struct config *cfg = c->srv->cfg;
    const struct throttle_policy policy = {
        .free_pair = cfg->signin_free_failures,
        .free_address = cfg->signin_free_failures_per_address,
        .free_account = cfg->signin_free_failures_per_account,
        .base_s = cfg->signin_delay_base_s,
        .max_s = cfg->signin_delay_max_s,
        .account_max_s = cfg->signin_account_delay_max_s,
    };
    retry = throttle_begin(&signin_throttle, &policy, email, r->client_addr, clock_now_ms());
    if (retry > 0) {
        too_many(r, retry, "too many failed sign-ins");
        return;
    }
    char stored[PASSWORD_HASH_LEN] = "";
    enum store_rc rc = store_account_by_email(c->engine->store, email, &a, stored, sizeof stored);
    enum password_rc prc = PASSWORD_ERROR;
    if (rc == STORE_OK || rc == STORE_NOT_FOUND)
        prc = password_verify(rc == STORE_OK ? stored : NULL, password);
    sodium_memzero(stored, sizeof stored);
    if (prc == PASSWORD_OK) {
        throttle_succeeded(&signin_throttle, email, r->client_addr, clock_now_ms());
        reply_signed_in(c, 200, &a);
    } else if (prc == PASSWORD_MISMATCH) {
        throttle_failed(&signin_throttle, email, r->client_addr, clock_now_ms());
        reply_problem(r, P_UNAUTHORIZED, "wrong e-mail address or password");
    } else {
        /* Nothing was checked: the attempt does not count. */
        throttle_cancel(&signin_throttle, email, r->client_addr);
        if (rc != STORE_OK && rc != STORE_NOT_FOUND)
            reply_store_error(r, rc);
        else if (prc == PASSWORD_BUSY)
            too_many(r, 5, "the server is busy checking passwords");
        else
            reply_problem(r, P_INTERNAL, "the password could not be checked");
    }
}

void api_session_delete(struct call *c)
{
    const char *cookie = request_cookie(c->r, "sb_session");
    unsigned char hash[TOKEN_HASH_BYTES];
    if (cookie && token_hash(hash, cookie, c->srv->token_key) == 0) {
        struct outcome o;
        outcome_init(&o);
        bool ok = api_outcome(c, (engine_session_close(c->engine, hash, c->now, &o), &o));
        outcome_release(&o);
        if (!ok)
            return;
    }
    set_cookies(c->r, "", "", 0);
    reply_empty(c->r, 204);
}

/* ---- passwords ------------------------------------------------------------------ */

/* Hashes a new password; false when the answer (429 or 500) is sent. */
static bool new_password_hash(struct call *c, const char *password, char *hash)
{
    enum password_rc prc = password_hash(hash, password);
    if (prc == PASSWORD_BUSY)
        too_many(c->r, 5, "the server is busy checking passwords");
    else if (prc != PASSWORD_OK)
        reply_problem(c->r, P_INTERNAL, "the password could not be stored");
    return prc == PASSWORD_OK;
}

static const struct field_spec reset_fields[] = {
    {.name = "code",
     .type = SPEC_STRING,
     .required = true,
     .min = 1,
     .max = 200,
     .title_zh = "重置码",
     .title_en = "Reset code"},
    {.name = "password",
     .type = SPEC_STRING,
     .required = true,
     .min = PASSWORD_MIN_CHARS,
     .max = 128,
     .title_zh = "新密码",
     .title_en = "New password"},
    {.name = NULL},
};

/* POST /v1/password-reset {code, password}: the one-time code of a reset
 * link sets a new password and ends every session of the account. */
void api_password_reset(struct call *c)
{
    struct request *r = c->r;
    if (!api_body_valid(c, reset_fields))
        return;
    unsigned retry;
    if (!ratelimit_take(&login_by_address, r->client_addr, c->now, LOGIN_ATTEMPTS_PER_ADDRESS,
                        &retry)) {
        too_many(r, retry, "too many attempts from this address");
        return;
    }
    char hash[PASSWORD_HASH_LEN];
    if (!new_password_hash(c, json_string_value(json_object_get(c->body, "password")), hash))
        return;
    struct outcome o;
    outcome_init(&o);
    engine_password_reset(c->engine, c->srv->token_key,
                          json_string_value(json_object_get(c->body, "code")), hash, c->now, &o);
    sodium_memzero(hash, sizeof hash);
    if (api_outcome(c, &o))
        reply_empty(r, 204);
    outcome_release(&o);
}

static const struct field_spec password_fields[] = {
    {.name = "current_password",
     .type = SPEC_STRING,
     .required = true,
     .min = 1,
     .max = 256,
     .title_zh = "当前密码",
     .title_en = "Current password"},
    {.name = "password",
     .type = SPEC_STRING,
     .required = true,
     .min = PASSWORD_MIN_CHARS,
     .max = 128,
     .title_zh = "新密码",
     .title_en = "New password"},
    {.name = NULL},
};

/* POST /v1/account/password {current_password, password}: the signed-in
 * account's new password; its other sessions end (the one asking stays). */
void api_password_change(struct call *c)
{
    struct request *r = c->r;
    struct spec_errors errs;
    spec_errors_init(&errs);
    spec_validate(password_fields, c->body, "", &errs);
    const char *current = json_string_value(json_object_get(c->body, "current_password"));
    const char *password = json_string_value(json_object_get(c->body, "password"));
    if (errs.count == 0 && strcmp(current, password) == 0)
        spec_errors_add(&errs, "/password", "must differ from the current password");
    if (errs.count == 0 && strcmp(password, c->account.email) == 0)
        spec_errors_add(&errs, "/password", "must not be the e-mail address");
    bool ok = errs.count == 0;
    if (!ok)
        reply_invalid(r, &errs);
    spec_errors_release(&errs);
    if (!ok)
        return;
    unsigned retry;
    if (!ratelimit_take(&login_by_address, r->client_addr, c->now, LOGIN_ATTEMPTS_PER_ADDRESS,
                        &retry)) {
        too_many(r, retry, "too many attempts from this address");
        return;
    }
    char stored[PASSWORD_HASH_LEN] = "";
    enum store_rc rc =
        store_password_hash_of(c->engine->store, c->account.id, stored, sizeof stored);
    if (rc == STORE_NOT_FOUND) {
        sodium_memzero(stored, sizeof stored);
        reply_problem(r, P_CONFLICT,
                      "this account signs in with a token and has no password to change");
        return;
    }
    if (rc != STORE_OK) {
        reply_store_error(r, rc);
        return;
    }
    enum password_rc prc = password_verify(stored, current);
    sodium_memzero(stored, sizeof stored);
    if (prc == PASSWORD_MISMATCH) {
        spec_errors_init(&errs);
        spec_errors_add(&errs, "/current_password", "is not the account's password");
        reply_invalid(r, &errs);
        spec_errors_release(&errs);
        return;
    }
    if (prc != PASSWORD_OK) {
        if (prc == PASSWORD_BUSY)
            too_many(r, 5, "the server is busy checking passwords");
        else
            reply_problem(r, P_INTERNAL, "the password could not be checked");
        return;
    }
    char hash[PASSWORD_HASH_LEN];
    if (!new_password_hash(c, password, hash))
        return;
    unsigned char keep[TOKEN_HASH_BYTES];
    const char *cookie = c->via_session ? request_cookie(r, "sb_session") : NULL;
    bool keeping = cookie && token_hash(keep, cookie, c->srv->token_key) == 0;
    struct outcome o;
    outcome_init(&o);
    int ended = 0;
    engine_password_change(c->engine, &c->actor, hash, keeping ? keep : NULL, c->now, &ended, &o);
    sodium_memzero(hash, sizeof hash);
    if (api_outcome(c, &o))
        reply_json(r, 200, json_pack("{s:i}", "sessions_ended", ended));
    outcome_release(&o);
}
