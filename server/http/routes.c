/*
 * The route table and dispatch: who may call what.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <microhttpd.h>
#include <sodium.h>

#include "api.h"
#include "clock.h"
#include "http.h"
#include "text.h"

#define APPLICATION_READERS                                                                        \
    (ROLE_APPLICANT | ROLE_DISTRICT_REVIEWER | ROLE_MUNICIPAL_REVIEWER | ROLE_AUDITOR)

const char *const ROUTE_QUERY_IGNORED[] = {NULL};

/* The query parameters of each route that takes any (CONTRACT.md). */
static const char *const applications_list_query[] = {
    "kind", "status", "round", "review_unit", "limit", "cursor", NULL,
};

static const struct route routes[] = {
    {"GET", "/healthz", api_healthz, ROLE_PUBLIC, "healthz", false},
    {"GET", "/readyz", api_readyz, ROLE_PUBLIC, "readyz", false},
    {"GET", "/metrics", api_metrics, ROLE_PUBLIC, "metrics", false},
    {"GET", "/v1/schemas/{kind}", api_schema_get, ROLE_PUBLIC, "schema", false},
    {"GET", "/v1/account", api_account_me, ROLE_ANY_ACCOUNT, "account_me", false},
    {"POST", "/v1/signup", api_signup, ROLE_PUBLIC, "signup", true},
    {"POST", "/v1/session", api_session_create, ROLE_PUBLIC, "session_create", true},
    {"DELETE", "/v1/session", api_session_delete, ROLE_ANY_ACCOUNT, "session_delete", false},
    {"POST", "/v1/accounts", api_account_create, ROLE_ADMIN, "accounts_create", true},
    {"POST", "/v1/accounts/{id}/disable", api_account_disable, ROLE_ADMIN, "account_disable",
     false},
    {"POST", "/v1/tokens", api_token_create, ROLE_ANY_ACCOUNT, "tokens_create", true},
    {"GET", "/v1/tokens", api_tokens_list, ROLE_ANY_ACCOUNT, "tokens_list", false},
    {"DELETE", "/v1/tokens/{id}", api_token_delete, ROLE_ANY_ACCOUNT, "token_delete", false},
    {"GET", "/v1/review-units", api_units_list, ROLE_ANY_ACCOUNT, "units_list", false},
    {"POST", "/v1/review-units", api_unit_create, ROLE_ADMIN, "units_create", true},
    {"POST", "/v1/applications", api_app_create, ROLE_APPLICANT, "applications_create", true},
    {"GET", "/v1/applications", api_app_list, APPLICATION_READERS, "applications_list", false,
     applications_list_query},
    {"GET", "/v1/applications/{id}", api_app_get, APPLICATION_READERS, "application_get", false},
    {"PUT", "/v1/applications/{id}", api_app_put, ROLE_APPLICANT, "application_put", true},
    {"POST", "/v1/applications/{id}/submit", api_app_submit, ROLE_APPLICANT, "application_submit",
     false},
    {"POST", "/v1/applications/{id}/withdraw", api_app_withdraw, ROLE_APPLICANT,
     "application_withdraw", false},
    {"GET", "/v1/applications/{id}/events", api_events_list, APPLICATION_READERS,
     "application_events", false},
    {"POST", "/v1/applications/{id}/reviews", api_review_create,
     ROLE_DISTRICT_REVIEWER | ROLE_MUNICIPAL_REVIEWER, "application_review", true},
    {"GET", "/v1/notices", api_notices_list, ROLE_PUBLIC, "notices_list", false},
    {"POST", "/v1/applications/{id}/objections", api_objection_file, ROLE_PUBLIC, "objection_file",
     true},
    {"GET", "/v1/applications/{id}/objections", api_objections_list,
     ROLE_DISTRICT_REVIEWER | ROLE_MUNICIPAL_REVIEWER | ROLE_AUDITOR, "objections_list", false},
    {"POST", "/v1/applications/{id}/objections/{oid}/resolution", api_objection_resolve,
     ROLE_MUNICIPAL_REVIEWER, "objection_resolve", true},
    {"GET", "/v1/applications/{id}/certificate", api_app_certificate, APPLICATION_READERS,
     "application_certificate", false},
    {"GET", "/v1/certificates/{serial}", api_cert_get, ROLE_PUBLIC, "certificate_get", false},
    {"POST", "/v1/certificates/verify", api_cert_verify, ROLE_PUBLIC, "certificate_verify", true},
    {"POST", "/v1/certificates/{serial}/revocation", api_cert_revoke, ROLE_MUNICIPAL_REVIEWER,
     "certificate_revoke", true},
    {"GET", "/.well-known/jwks.json", api_jwks, ROLE_PUBLIC, "jwks", false},
    /* The web front end: last, so that it never shadows an API path. */
    {"GET", "/", api_web_index, ROLE_PUBLIC, "web_index", false, ROUTE_QUERY_IGNORED},
    {"GET", "/{file}", api_web_file, ROLE_PUBLIC, "web_file", false, ROUTE_QUERY_IGNORED},
    {"POST", "/v1/rounds/{kind}/{year}/ranking", api_ranking_compute, ROLE_MUNICIPAL_REVIEWER,
     "ranking_compute", false},
    {"GET", "/v1/rounds/{kind}/{year}/ranking", api_ranking_get,
     ROLE_MUNICIPAL_REVIEWER | ROLE_AUDITOR, "ranking_get", false},
};

size_t routes_count(void)
{
    return sizeof routes / sizeof routes[0];
}

const struct route *routes_at(size_t i)
{
    return i < routes_count() ? &routes[i] : NULL;
}

static const char *const role_names[] = {
    "applicant", "district_reviewer", "municipal_reviewer", "auditor", "admin", NULL,
};

unsigned role_from_name(const char *name)
{
    for (unsigned i = 0; role_names[i]; i++)
        if (strcmp(role_names[i], name) == 0)
            return 1u << i;
    return 0;
}

/* Matches path against pattern segment by segment; {…} segments capture. */
static bool route_match(const char *pattern, const char *path, struct request *r)
{
    unsigned n = 0;
    const char *p = pattern, *s = path;
    while (*p && *s) {
        if (*p != '/' || *s != '/')
            return false;
        p++, s++;
        size_t plen = strcspn(p, "/"), slen = strcspn(s, "/");
        if (*p == '{') {
            if (slen == 0 || slen >= sizeof r->params[0] || n >= ROUTE_MAX_PARAMS)
                return false;
            memcpy(r->params[n], s, slen);
            r->params[n][slen] = '\0';
            n++;
        } else if (plen != slen || memcmp(p, s, plen) != 0) {
            return false;
        }
        p += plen, s += slen;
    }
    if (*p || *s)
        return false;
    r->n_params = n;
    return true;
}

static bool declared(const char *const *names, const char *name)
{
    for (; names && *names; names++)
        if (strcmp(*names, name) == 0)
            return true;
    return false;
}

/* Refuses, with one 400 naming each, a query parameter the route does not
 * take and one given twice (CONTRACT.md "Every request"): a misspelt
 * filter must not look like a filter that worked.  True when the query is
 * fine. */
static bool query_ok(struct request *r, const struct route *rt)
{
    if (rt->query == ROUTE_QUERY_IGNORED || r->target.n_params == 0)
        return true;
    char taken[256] = "";
    for (const char *const *q = rt->query; q && *q; q++)
        text_append(taken, sizeof taken, "%s%s", taken[0] ? ", " : "", *q);
    char unknown[sizeof taken + 64];
    if (taken[0])
        snprintf(unknown, sizeof unknown, "is not a parameter of this request; it takes %s", taken);
    else
        snprintf(unknown, sizeof unknown, "is not a parameter of this request; it takes none");

    json_t *errors = json_array();
    const struct target_param *p = r->target.params;
    for (unsigned i = 0; i < r->target.n_params; i++) {
        bool seen = false;
        for (unsigned j = 0; j < i && !seen; j++)
            seen = strcmp(p[j].name, p[i].name) == 0;
        if (seen)
            continue; /* named once is enough */
        const char *why = NULL;
        if (!declared(rt->query, p[i].name))
            why = unknown;
        else
            for (unsigned j = i + 1; j < r->target.n_params && !why; j++)
                if (strcmp(p[j].name, p[i].name) == 0)
                    why = "is given more than once; it takes one value";
        if (why)
            json_array_append_new(errors,
                                  json_pack("{s:s, s:s}", "parameter", p[i].name, "detail", why));
    }
    size_t n = json_array_size(errors);
    if (n == 0) {
        json_decref(errors);
        return true;
    }
    json_t *doc = reply_problem(r, P_BAD_QUERY, "%zu query parameter%s invalid; see errors", n,
                                n == 1 ? " is" : "s are");
    json_object_set_new(doc, "errors", errors);
    return false;
}

/* Finds the caller's account: a bearer token ("Authorization: Bearer …"),
 * else a browser session cookie. */
static bool authenticate(struct request *r)
{
    const char *h = request_header(r, MHD_HTTP_HEADER_AUTHORIZATION);
    unsigned char hash[TOKEN_HASH_BYTES];
    if (h) {
        if (strncasecmp(h, "Bearer ", 7) != 0)
            return false;
        const char *token = h + 7;
        while (*token == ' ')
            token++;
        char today[DATE_TEXT_LEN];
        date_format(date_of_unix(clock_now()), today);
        if (token_hash(hash, token, r->srv->token_key) != 0 ||
            store_account_by_token(r->srv->store, hash, today, &r->account) != STORE_OK)
            return false;
    } else {
        const char *cookie = request_cookie(r, "sb_session");
        char now[RFC3339_LEN];
        clock_format_rfc3339(clock_now(), now);
        if (!cookie || token_hash(hash, cookie, r->srv->token_key) != 0 ||
            store_session_find(r->srv->store, hash, now, &r->account, r->csrf) != STORE_OK)
            return false;
        r->via_session = true;
    }
    r->authenticated = true;
    r->role = role_from_name(r->account.role);
    return r->role != 0;
}

/* A browser sends cookies with any request to us, whoever made the page
 * that sends it: a change made with a session must prove it came from our
 * own pages by echoing the session's CSRF token. */
static bool csrf_ok(struct request *r)
{
    if (!r->via_session || strcmp(r->method, "GET") == 0 || strcmp(r->method, "HEAD") == 0)
        return true;
    const char *sent = request_header(r, "X-CSRF-Token");
    size_t len = strlen(r->csrf);
    return sent && len > 0 && strlen(sent) == len && sodium_memcmp(sent, r->csrf, len) == 0;
}

void routes_dispatch(struct request *r)
{
    const struct route *found = NULL;
    char allow[96] = "";
    size_t n_routes = sizeof routes / sizeof routes[0];

    for (size_t i = 0; i < n_routes; i++) {
        if (!route_match(routes[i].pattern, r->path, r))
            continue;
        if (strcmp(routes[i].method, r->method) == 0) {
            found = &routes[i];
            break;
        }
        size_t used = strlen(allow);
        if (!strstr(allow, routes[i].method))
            snprintf(allow + used, sizeof allow - used, "%s%s", used ? ", " : "", routes[i].method);
    }
    if (!found) {
        if (allow[0]) {
            reply_header(r, MHD_HTTP_HEADER_ALLOW, "%s", allow);
            reply_problem(r, P_METHOD_NOT_ALLOWED, "%s is not allowed here; use %s", r->method,
                          allow);
        } else {
            reply_problem(r, P_NOT_FOUND, "no such resource: %s", r->path);
        }
        return;
    }
    /* route_match() of later, non-matching routes may have clobbered the
     * parameters: match the chosen one again. */
    route_match(found->pattern, r->path, r);
    r->route = found;
    if (!query_ok(r, found))
        return;

    if (found->roles != ROLE_PUBLIC) {
        if (!authenticate(r)) {
            reply_header(r, MHD_HTTP_HEADER_WWW_AUTHENTICATE, "Bearer realm=\"shenbao\"");
            reply_problem(r, P_UNAUTHORIZED,
                          "send a valid token as \"Authorization: Bearer <token>\"");
            return;
        }
        if (!csrf_ok(r)) {
            reply_problem(r, P_FORBIDDEN,
                          "send the X-CSRF-Token header with this session's "
                          "token (the sb_csrf cookie)");
            return;
        }
        if (!(found->roles & r->role)) {
            reply_problem(r, P_FORBIDDEN, "a %s may not %s %s", r->account.role, r->method,
                          r->path);
            return;
        }
    }
    if (found->takes_body) {
        r->body_json = request_json_object(r);
        if (!r->body_json)
            return;
    }
    found->handler(r);
}
