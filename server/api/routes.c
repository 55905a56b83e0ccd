/*
 * The route table and dispatch: who may call what, with which parameters
 * and which body; and the one place that turns engine outcomes into
 * replies.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <sodium.h>

#include "api.h"
#include "text.h"

#define APPLICATION_READERS                                                                        \
    (ROLE_APPLICANT | ROLE_DISTRICT_REVIEWER | ROLE_MUNICIPAL_REVIEWER | ROLE_AUDITOR)

const char *const ROUTE_QUERY_IGNORED[] = {NULL};
const struct field_spec BODY_ANY[] = {{.name = NULL}};
const struct field_spec BODY_FILE[] = {{.name = NULL}};

/* The query parameters of each route that takes any (CONTRACT.md). */
static const char *const applications_list_query[] = {
    "kind",           "status",       "round",         "review_unit", "authority",
    "submitted_from", "submitted_to", "updated_since", "q",           "sort",
    "count",          "limit",        "cursor",        NULL,
};
static const char *const material_upload_query[] = {"type", NULL};
static const char *const export_query[] = {
    "kind",         "status",        "round", "review_unit", "authority", "submitted_from",
    "submitted_to", "updated_since", "q",     "sort",        NULL,
};
static const char *const statistics_query[] = {"round", "kind", NULL};
static const char *const last_review_query[] = {"kind", NULL};
static const char *const inclusion_query[] = {"index", "size", NULL};
static const char *const consistency_query[] = {"from", "to", NULL};
static const char *const entries_query[] = {"start", "end", NULL};

#define REVIEWERS (ROLE_DISTRICT_REVIEWER | ROLE_MUNICIPAL_REVIEWER)

static const char *const duties_list_query[] = {
    "type", "status", "kind", "prompt", "limit", "cursor", NULL,
};

/* The bodies routes declare. */
static const char *const outcomes[] = {"upheld", "dismissed", NULL};
static const struct field_spec resolution_fields[] = {
    {.name = "outcome", .type = SPEC_ENUM, .required = true, .enum_values = outcomes},
    {.name = "opinion", .type = SPEC_TEXT, .required = true, .min = 1, .max = 4000},
    {.name = NULL},
};

static const struct field_spec objection_fields[] = {
    {.name = "name",
     .type = SPEC_STRING,
     .required = true,
     .min = 1,
     .max = 100,
     .title_zh = "姓名或单位",
     .title_en = "Name or organisation"},
    {.name = "contact",
     .type = SPEC_STRING,
     .required = true,
     .min = 1,
     .max = 200,
     .title_zh = "联系方式",
     .title_en = "Contact",
     .help = "telephone or e-mail"},
    {.name = "reason",
     .type = SPEC_TEXT,
     .required = true,
     .min = 1,
     .max = 4000,
     .title_zh = "异议理由",
     .title_en = "Reason"},
    {.name = NULL},
};

static const struct field_spec window_fields[] = {
    {.name = "opens_on",
     .type = SPEC_DATE,
     .required = true,
     .title_zh = "开始申报日期",
     .title_en = "Opens on"},
    {.name = "closes_on",
     .type = SPEC_DATE,
     .required = true,
     .title_zh = "截止申报日期",
     .title_en = "Closes on"},
    {.name = NULL},
};

static const struct field_spec template_fields[] = {
    {.name = "title",
     .type = SPEC_STRING,
     .required = true,
     .min = 1,
     .max = 100,
     .title_zh = "名称",
     .title_en = "Title"},
    {.name = "text",
     .type = SPEC_TEXT,
     .required = true,
     .min = 1,
     .max = 4000,
     .title_zh = "意见",
     .title_en = "Opinion"},
    {.name = NULL},
};

static const struct field_spec surrender_request_fields[] = {
    {.name = "opinion",
     .type = SPEC_TEXT,
     .min = 1,
     .max = 4000,
     .title_zh = "申请理由",
     .title_en = "Why"},
    {.name = NULL},
};

static const char *const surrender_decisions[] = {"approve", "reject", NULL};
static const struct field_spec surrender_decision_fields[] = {
    {.name = "decision", .type = SPEC_ENUM, .required = true, .enum_values = surrender_decisions},
    {.name = "opinion", .type = SPEC_TEXT, .min = 1, .max = 4000},
    {.name = NULL},
};

static const struct field_spec verify_fields[] = {
    {.name = "jws", .type = SPEC_STRING, .required = true, .min = 1, .max = 100000},
    {.name = "certificate", .type = SPEC_OBJECT},
    {.name = "status", .type = SPEC_STRING, .read_only = true},
    {.name = "revocation", .type = SPEC_OBJECT, .read_only = true},
    {.name = NULL},
};

static const struct route routes[] = {
    {"GET", "/healthz", api_healthz, ROLE_PUBLIC, "healthz"},
    {"GET", "/readyz", api_readyz, ROLE_PUBLIC, "readyz"},
    {"GET", "/metrics", api_metrics, ROLE_PUBLIC, "metrics"},
    {"GET", "/v1/openapi.json", api_openapi_get, ROLE_PUBLIC, "openapi"},
    {"GET", "/v1/schemas/{kind}", api_schema_get, ROLE_PUBLIC, "schema"},
    {"GET", "/v1/kinds", api_kinds_list, ROLE_PUBLIC, "kinds_list"},
    {"GET", "/v1/kinds/{kind}", api_kind_get, ROLE_PUBLIC, "kind_get"},
    {"GET", "/v1/kinds/{kind}/materials", api_kind_materials, ROLE_PUBLIC, "kind_materials"},
    {"GET", "/v1/kinds/{kind}/list", api_kind_public_list, ROLE_PUBLIC, "kind_public_list"},
    {"GET", "/v1/account", api_account_me, ROLE_ANY_ACCOUNT, "account_me"},
    {"POST", "/v1/signup", api_signup, ROLE_PUBLIC, "signup", BODY_ANY},
    {"POST", "/v1/session", api_session_create, ROLE_PUBLIC, "session_create", BODY_ANY},
    {"DELETE", "/v1/session", api_session_delete, ROLE_ANY_ACCOUNT, "session_delete"},
    {"POST", "/v1/password-reset", api_password_reset, ROLE_PUBLIC, "password_reset", BODY_ANY},
    {"POST", "/v1/account/password", api_password_change, ROLE_ANY_ACCOUNT, "password_change",
     BODY_ANY},
    {"POST", "/v1/accounts", api_account_create, ROLE_ADMIN, "accounts_create", BODY_ANY},
    {"POST", "/v1/accounts/{aid}/disable", api_account_disable, ROLE_ADMIN, "account_disable"},
    {"POST", "/v1/tokens", api_token_create, ROLE_ANY_ACCOUNT, "tokens_create", BODY_ANY},
    {"GET", "/v1/tokens", api_tokens_list, ROLE_ANY_ACCOUNT, "tokens_list"},
    {"DELETE", "/v1/tokens/{tid}", api_token_delete, ROLE_ANY_ACCOUNT, "token_delete"},
    {"GET", "/v1/review-units", api_units_list, ROLE_ANY_ACCOUNT, "units_list"},
    {"POST", "/v1/review-units", api_unit_create, ROLE_ADMIN, "units_create", BODY_ANY},
    {"POST", "/v1/applications", api_app_create, ROLE_APPLICANT, "applications_create", BODY_ANY,
     NULL, ROUTE_IDEMPOTENT},
    {"GET", "/v1/applications", api_app_list, APPLICATION_READERS, "applications_list", NULL,
     applications_list_query},
    {"GET", "/v1/applications/{id}", api_app_get, APPLICATION_READERS, "application_get"},
    {"PUT", "/v1/applications/{id}", api_app_put, ROLE_APPLICANT, "application_put", BODY_ANY},
    {"POST", "/v1/applications/{id}/submit", api_app_submit, ROLE_APPLICANT, "application_submit",
     NULL, NULL, ROUTE_IDEMPOTENT},
    {"POST", "/v1/applications/{id}/withdraw", api_app_withdraw, ROLE_APPLICANT,
     "application_withdraw", NULL, NULL, ROUTE_IDEMPOTENT},
    {"GET", "/v1/applications/{id}/events", api_events_list, APPLICATION_READERS,
     "application_events"},
    {"GET", "/v1/applications/{id}/versions/{version}", api_version_get, APPLICATION_READERS,
     "application_version"},
    {"POST", "/v1/applications/{id}/materials", api_material_upload, ROLE_APPLICANT,
     "material_upload", BODY_FILE, material_upload_query, ROUTE_IDEMPOTENT,
     api_material_upload_head},
    {"GET", "/v1/applications/{id}/materials", api_materials_list, APPLICATION_READERS,
     "materials_list"},
    {"GET", "/v1/applications/{id}/materials/{mid}", api_material_get, APPLICATION_READERS,
     "material_get"},
    {"DELETE", "/v1/applications/{id}/materials/{mid}", api_material_delete, ROLE_APPLICANT,
     "material_delete"},
    {"POST", "/v1/applications/{id}/reviews", api_review_create,
     ROLE_DISTRICT_REVIEWER | ROLE_MUNICIPAL_REVIEWER, "application_review", BODY_ANY, NULL,
     ROUTE_IDEMPOTENT},
    {"GET", "/v1/notices", api_notices_list, ROLE_PUBLIC, "notices_list"},
    {"POST", "/v1/applications/{id}/objections", api_objection_file, ROLE_PUBLIC, "objection_file",
     objection_fields, NULL, ROUTE_IDEMPOTENT},
    {"GET", "/v1/applications/{id}/objections", api_objections_list,
     ROLE_DISTRICT_REVIEWER | ROLE_MUNICIPAL_REVIEWER | ROLE_AUDITOR, "objections_list"},
    {"POST", "/v1/applications/{id}/objections/{oid}/resolution", api_objection_resolve,
     ROLE_MUNICIPAL_REVIEWER, "objection_resolve", resolution_fields},
    {"GET", "/v1/applications/{id}/certificate", api_app_certificate, APPLICATION_READERS,
     "application_certificate"},
    {"GET", "/v1/certificates/{serial}", api_cert_get, ROLE_PUBLIC, "certificate_get"},
    {"GET", "/v1/certificates/{serial}/bundle", api_cert_bundle, ROLE_PUBLIC, "certificate_bundle"},
    {"POST", "/v1/certificates/verify", api_cert_verify, ROLE_PUBLIC, "certificate_verify",
     verify_fields},
    {"POST", "/v1/certificates/{serial}/revocation", api_cert_revoke, ROLE_MUNICIPAL_REVIEWER,
     "certificate_revoke", BODY_ANY},
    {"GET", "/.well-known/jwks.json", api_jwks, ROLE_PUBLIC, "jwks"},
    {"GET", "/v1/keys", api_keys, ROLE_PUBLIC, "keys"},
    /* The transparency log. */
    {"GET", "/v1/log/checkpoint", api_log_checkpoint, ROLE_PUBLIC, "log_checkpoint"},
    {"GET", "/v1/log/key", api_log_key, ROLE_PUBLIC, "log_key"},
    {"GET", "/v1/log/proof/inclusion", api_log_inclusion, ROLE_PUBLIC, "log_inclusion", NULL,
     inclusion_query},
    {"GET", "/v1/log/proof/consistency", api_log_consistency, ROLE_PUBLIC, "log_consistency", NULL,
     consistency_query},
    {"GET", "/v1/log/entries", api_log_entries, ROLE_AUDITOR, "log_entries", NULL, entries_query},
    {"POST", "/v1/rounds/{kind}/{year}/ranking", api_ranking_compute, ROLE_MUNICIPAL_REVIEWER,
     "ranking_compute"},
    {"GET", "/v1/rounds/{kind}/{year}/ranking", api_ranking_get,
     ROLE_MUNICIPAL_REVIEWER | ROLE_AUDITOR, "ranking_get"},
    {"GET", "/v1/rounds", api_rounds_list, ROLE_PUBLIC, "rounds_list"},
    {"PUT", "/v1/rounds/{kind}/{year}", api_round_put, ROLE_ADMIN | ROLE_MUNICIPAL_REVIEWER,
     "round_put", window_fields},
    {"GET", "/v1/exports/applications.csv", api_export_csv, APPLICATION_READERS,
     "applications_export", NULL, export_query},
    {"GET", "/v1/statistics", api_statistics, REVIEWERS | ROLE_AUDITOR, "statistics", NULL,
     statistics_query},
    {"GET", "/v1/opinion-templates", api_templates_list, REVIEWERS, "templates_list"},
    {"POST", "/v1/opinion-templates", api_template_create, REVIEWERS, "templates_create",
     template_fields, NULL, ROUTE_IDEMPOTENT},
    {"DELETE", "/v1/opinion-templates/{tid}", api_template_delete, REVIEWERS, "template_delete"},
    {"GET", "/v1/account/last-review", api_last_review, REVIEWERS, "last_review", NULL,
     last_review_query},
    /* After approval (RULES.md §8). */
    {"GET", "/v1/applications/{id}/duties", api_duties_of, APPLICATION_READERS,
     "application_duties"},
    {"GET", "/v1/applications/{id}/reports", api_reports_of, APPLICATION_READERS,
     "application_reports"},
    {"POST", "/v1/applications/{id}/reports", api_report_file, ROLE_APPLICANT, "report_file",
     BODY_ANY, NULL, ROUTE_IDEMPOTENT},
    {"POST", "/v1/applications/{id}/funds", api_funds_paid, ROLE_MUNICIPAL_REVIEWER, "funds_paid",
     BODY_ANY, NULL, ROUTE_IDEMPOTENT},
    {"POST", "/v1/applications/{id}/duties/{did}/reminder", api_duty_reminder,
     ROLE_MUNICIPAL_REVIEWER, "duty_reminder", BODY_ANY, NULL, ROUTE_IDEMPOTENT},
    {"POST", "/v1/applications/{id}/duties/{did}/result", api_duty_result, ROLE_MUNICIPAL_REVIEWER,
     "duty_result", BODY_ANY, NULL, ROUTE_IDEMPOTENT},
    {"POST", "/v1/applications/{id}/duties/{did}/dismissal", api_duty_dismissal,
     ROLE_MUNICIPAL_REVIEWER, "duty_dismissal", BODY_ANY, NULL, ROUTE_IDEMPOTENT},
    {"POST", "/v1/applications/{id}/duties/{did}/payment", api_refund_paid, ROLE_MUNICIPAL_REVIEWER,
     "refund_paid", BODY_ANY, NULL, ROUTE_IDEMPOTENT},
    {"GET", "/v1/duties", api_duty_list,
     ROLE_DISTRICT_REVIEWER | ROLE_MUNICIPAL_REVIEWER | ROLE_AUDITOR, "duties_list", NULL,
     duties_list_query},
    {"POST", "/v1/applications/{id}/surrender", api_surrender_request, ROLE_APPLICANT,
     "surrender_request", surrender_request_fields, NULL, ROUTE_IDEMPOTENT},
    {"POST", "/v1/applications/{id}/surrender/decision", api_surrender_decision,
     ROLE_DISTRICT_REVIEWER | ROLE_MUNICIPAL_REVIEWER, "surrender_decision",
     surrender_decision_fields, NULL, ROUTE_IDEMPOTENT},
    /* The web front end: last, so that it never shadows an API path. */
    {"GET", "/", api_web_index, ROLE_PUBLIC, "web_index", NULL, ROUTE_QUERY_IGNORED},
    {"GET", "/{file}", api_web_file, ROLE_PUBLIC, "web_file", NULL, ROUTE_QUERY_IGNORED},
};

#define N_ROUTES (sizeof routes / sizeof routes[0])

const struct route *api_routes(size_t *n)
{
    *n = N_ROUTES;
    return routes;
}

const char *const *api_route_names(size_t *n)
{
    static const char *names[N_ROUTES];
    for (size_t i = 0; i < N_ROUTES; i++)
        names[i] = routes[i].name;
    *n = N_ROUTES;
    return names;
}

/* ---- matching ---------------------------------------------------------------- */

/* Matches path against pattern segment by segment; {…} segments capture. */
static bool route_match(const char *pattern, const char *path, struct call *c)
{
    unsigned n = 0;
    const char *p = pattern, *s = path;
    while (*p && *s) {
        if (*p != '/' || *s != '/')
            return false;
        p++, s++;
        size_t plen = strcspn(p, "/"), slen = strcspn(s, "/");
        if (*p == '{') {
            if (slen == 0 || slen >= sizeof c->params[0] || n >= ROUTE_MAX_PARAMS)
                return false;
            memcpy(c->params[n], s, slen);
            c->params[n][slen] = '\0';
            n++;
        } else if (plen != slen || memcmp(p, s, plen) != 0) {
            return false;
        }
        p += plen, s += slen;
    }
    if (*p || *s)
        return false;
    c->n_params = n;
    return true;
}

/* A positive decimal integer with no sign, spaces or leading zeros, else 0. */
static int64_t positive_id(const char *text)
{
    if (text[0] < '1' || text[0] > '9' || strlen(text) > 18)
        return 0;
    char *end;
    errno = 0;
    long long n = strtoll(text, &end, 10);
    return errno == 0 && *end == '\0' ? n : 0;
}

/* Gives the path parameters their types, by name: an {id}, {oid} or {tid}
 * that is not a positive integer, a {kind} that is none, a {year} outside
 * the rounds — each names nothing there is: 404. */
static bool typed_params(struct call *c)
{
    const char *p = c->route->pattern;
    unsigned i = 0;
    while ((p = strchr(p, '{')) != NULL && i < c->n_params) {
        size_t len = strcspn(p + 1, "}");
        const char *v = c->params[i++];
        if ((len == 2 && strncmp(p + 1, "id", 2) == 0)) {
            if (!(c->id = positive_id(v))) {
                reply_problem(c->r, P_NOT_FOUND, "no application %s", v);
                return false;
            }
        } else if ((len == 3 && (strncmp(p + 1, "oid", 3) == 0 || strncmp(p + 1, "tid", 3) == 0 ||
                                 strncmp(p + 1, "aid", 3) == 0 || strncmp(p + 1, "mid", 3) == 0 ||
                                 strncmp(p + 1, "did", 3) == 0)) ||
                   (len == 7 && strncmp(p + 1, "version", 7) == 0)) {
            c->sub_id = positive_id(v);
            /* The handler says what it is not: an objection, a token, an
             * account, a file, a duty, a version. */
        } else if (len == 4 && strncmp(p + 1, "kind", 4) == 0) {
            if (!(c->kind = kind_find(v))) {
                reply_problem(c->r, P_NOT_FOUND, "no kind %s", v);
                return false;
            }
        } else if (len == 4 && strncmp(p + 1, "year", 4) == 0) {
            int64_t y = positive_id(v);
            if (y < 2019 || y > 2100) {
                reply_problem(c->r, P_NOT_FOUND, "no round %s", v);
                return false;
            }
            c->year = (int)y;
        }
        p += len + 1;
    }
    return true;
}

json_t *api_path_param_schema(const char *name)
{
    if (strcmp(name, "id") == 0 || strcmp(name, "oid") == 0 || strcmp(name, "tid") == 0 ||
        strcmp(name, "aid") == 0 || strcmp(name, "mid") == 0 || strcmp(name, "did") == 0 ||
        strcmp(name, "version") == 0)
        return json_pack("{s:s, s:s, s:i, s:I}", "type", "integer", "format", "int64", "minimum", 1,
                         "maximum", (json_int_t)999999999999999999);
    if (strcmp(name, "kind") == 0)
        return json_pack("{s:s}", "$ref", "#/components/schemas/Kind");
    if (strcmp(name, "year") == 0)
        return json_pack("{s:s, s:i, s:i}", "type", "integer", "minimum", 2019, "maximum", 2100);
    return json_pack("{s:s, s:i, s:i}", "type", "string", "minLength", 1, "maxLength",
                     (int)sizeof((struct call *)0)->params[0] - 1);
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
    json_t *doc = reply_problem(r, P_BAD_QUERY,
                                n == 1 ? "%zu query parameter is invalid; see errors"
                                       : "%zu query parameters are invalid; see errors",
                                n);
    json_object_set_new(doc, "errors", errors);
    return false;
}

/* ---- who calls ----------------------------------------------------------------- */

/* Finds the caller's account: a bearer token ("Authorization: Bearer …"),
 * else a browser session cookie. */
static bool authenticate(struct call *c)
{
    struct request *r = c->r;
    struct store *s = c->engine->store;
    const char *h = request_header(r, "Authorization");
    unsigned char hash[TOKEN_HASH_BYTES];
    if (h) {
        if (strncasecmp(h, "Bearer ", 7) != 0)
            return false;
        const char *token = h + 7;
        while (*token == ' ')
            token++;
        char today[DATE_TEXT_LEN];
        date_format(date_of_unix(c->now), today);
        if (token_hash(hash, token, c->srv->token_key) != 0 ||
            store_account_by_token(s, hash, today, &c->account) != STORE_OK)
            return false;
    } else {
        const char *cookie = request_cookie(r, "sb_session");
        char now[RFC3339_LEN];
        clock_format_rfc3339(c->now, now);
        if (!cookie || token_hash(hash, cookie, c->srv->token_key) != 0 ||
            store_session_find(s, hash, now, &c->account, c->csrf) != STORE_OK)
            return false;
        c->via_session = true;
    }
    c->authenticated = true;
    actor_of_account(&c->actor, &c->account);
    c->actor.request_id = r->request_id;
    c->actor.client_addr = r->client_addr;
    r->account = c->account.id;
    return c->actor.role != 0;
}

/* A browser sends cookies with any request to us, whoever made the page
 * that sends it: a change made with a session must prove it came from our
 * own pages by echoing the session's CSRF token. */
static bool csrf_ok(struct call *c)
{
    const char *m = c->r->method;
    if (!c->via_session || strcmp(m, "GET") == 0 || strcmp(m, "HEAD") == 0)
        return true;
    const char *sent = request_header(c->r, "X-CSRF-Token");
    size_t len = strlen(c->csrf);
    return sent && len > 0 && strlen(sent) == len && sodium_memcmp(sent, c->csrf, len) == 0;
}

bool api_body_valid(struct call *c, const struct field_spec *fields)
{
    struct spec_errors errs;
    spec_errors_init(&errs);
    spec_validate(fields, c->body, "", &errs);
    bool ok = errs.count == 0;
    if (!ok)
        reply_invalid(c->r, &errs);
    spec_errors_release(&errs);
    return ok;
}

bool api_optional_body(struct call *c, const struct field_spec *fields)
{
    if (c->r->body_len == 0)
        return true;
    c->body = request_json_object(c->r);
    return c->body && api_body_valid(c, fields); /* 400/415 already sent */
}

/* Parses the body a route takes and checks it against the route's table. */
static bool body_ok(struct call *c)
{
    c->body = request_json_object(c->r);
    if (!c->body)
        return false;
    return c->route->body == BODY_ANY || api_body_valid(c, c->route->body);
}

/* The route of r's method and path; NULL when none (with the methods the
 * path takes in allow, "" when it takes none).  c's parameters are the
 * route's. */
static const struct route *route_find(struct call *c, char *allow, size_t cap)
{
    struct request *r = c->r;
    const struct route *found = NULL;
    allow[0] = '\0';
    for (size_t i = 0; i < N_ROUTES; i++) {
        if (!route_match(routes[i].pattern, r->path, c))
            continue;
        if (strcmp(routes[i].method, r->method) == 0) {
            found = &routes[i];
            break;
        }
        size_t used = strlen(allow);
        if (!strstr(allow, routes[i].method))
            snprintf(allow + used, cap - used, "%s%s", used ? ", " : "", routes[i].method);
    }
    /* route_match() of later, non-matching routes may have clobbered the
     * parameters: match the chosen one again. */
    if (found)
        route_match(found->pattern, r->path, c);
    return found;
}

/* Everything before the handler: the route, its query, who calls and may
 * they, the typed path parameters.  The route, or NULL after replying. */
static const struct route *dispatch(struct call *c)
{
    struct request *r = c->r;
    char allow[96];
    const struct route *found = route_find(c, allow, sizeof allow);
    if (!found) {
        if (allow[0]) {
            reply_header(r, "Allow", "%s", allow);
            reply_problem(r, P_METHOD_NOT_ALLOWED, "%s is not allowed here; use %s", r->method,
                          allow);
        } else {
            reply_problem(r, P_NOT_FOUND, "no such resource: %s", r->path);
        }
        return NULL;
    }
    c->route = found;
    r->route_name = found->name;
    r->route_index = (int)(found - routes);
    if (!query_ok(r, found))
        return NULL;

    if (found->roles != ROLE_PUBLIC) {
        if (!authenticate(c)) {
            reply_header(r, "WWW-Authenticate", "Bearer realm=\"shenbao\"");
            reply_problem(r, P_UNAUTHORIZED,
                          "send a valid token as \"Authorization: Bearer <token>\"");
            return NULL;
        }
        if (!csrf_ok(c)) {
            /* Not a question of role: a problem type of its own, so that
             * a page can tell it (and sign in again) from a refusal. */
            reply_problem(r, P_CSRF,
                          "a change made with a browser session must carry the X-CSRF-Token "
                          "header with the session's token (the sb_csrf cookie)");
            return NULL;
        }
        if (!(found->roles & c->actor.role)) {
            reply_problem(r, P_FORBIDDEN, "a %s may not %s %s", c->account.role, r->method,
                          r->path);
            return NULL;
        }
    }
    return typed_params(c) ? found : NULL;
}

static void call_init(struct call *c, struct request *r, void *ctx)
{
    memset(c, 0, sizeof *c);
    c->r = r;
    c->srv = ctx;
    c->now = clock_now();
    c->engine = &c->srv->engine;
    c->actor.role = ROLE_PUBLIC;
    c->actor.request_id = r->request_id;
    c->actor.client_addr = r->client_addr;
}

void api_head(void *ctx, struct request *r)
{
    struct call c;
    char allow[96];
    call_init(&c, r, ctx);
    /* Only a route that takes a file looks at the head; every other
     * request is dispatched once, when its body has arrived. */
    const struct route *rt = route_find(&c, allow, sizeof allow);
    if (!rt || rt->body != BODY_FILE)
        return;
    if (dispatch(&c) && rt->head)
        rt->head(&c);
}

void api_answer(void *ctx, struct request *r)
{
    struct call c;
    call_init(&c, r, ctx);
    const struct route *found = dispatch(&c);
    if (found && (!found->body || found->body == BODY_FILE || body_ok(&c)) && idem_begin(&c)) {
        found->handler(&c);
        idem_end(&c);
    }
    json_decref(c.body);
}

/* ---- replies ------------------------------------------------------------------- */

bool api_outcome(struct call *c, const struct outcome *o)
{
    static const enum problem problems[] = {
        [ENGINE_OK] = P_INTERNAL,
        [ENGINE_NOT_FOUND] = P_NOT_FOUND,
        [ENGINE_FORBIDDEN] = P_FORBIDDEN,
        [ENGINE_INVALID] = P_INVALID,
        [ENGINE_REFUSED] = P_CONFLICT,
        [ENGINE_EXISTS] = P_EXISTS,
        [ENGINE_STALE] = P_STALE,
        [ENGINE_LIMIT] = P_TOO_MANY,
        [ENGINE_UNAVAILABLE] = P_UNAVAILABLE,
        [ENGINE_ERROR] = P_INTERNAL,
        [ENGINE_TOO_LARGE] = P_TOO_LARGE,
        [ENGINE_UNSUPPORTED] = P_UNSUPPORTED_CONTENT,
    };
    if (o->rc == ENGINE_OK)
        return true;
    if (o->rc == ENGINE_LIMIT)
        reply_header(c->r, "Retry-After", "%u", o->retry_after);
    const char *reason = c->r->zh && o->reason_zh[0] ? o->reason_zh : o->reason;
    json_t *doc = reply_problem(c->r, problems[o->rc], "%s",
                                reason[0] ? reason : "the request could not be done");
    if (o->rc == ENGINE_INVALID)
        spec_errors_to_problem(&o->errs, doc, c->r->zh);
    if (o->extra && doc)
        json_object_update(doc, o->extra);
    return false;
}

void reply_app(struct call *c, unsigned status, const struct app *a)
{
    size_t len = 0;
    char *text = app_render(a, &len);
    if (!text) {
        reply_problem(c->r, P_INTERNAL, "the application could not be rendered");
        return;
    }
    reply_header(c->r, "ETag", "\"%lld\"", (long long)a->row.version);
    reply_json_text(c->r, status, text, len);
}

void reply_store_error(struct request *r, enum store_rc rc)
{
    switch (rc) {
    case STORE_NOT_FOUND:
        reply_problem(r, P_NOT_FOUND, "no such resource");
        break;
    case STORE_CONFLICT:
        reply_problem(r, P_CONFLICT, "the resource was changed by another request; retry");
        break;
    case STORE_OK:
    case STORE_ERROR:
    default:
        reply_problem(r, P_INTERNAL, "the database could not complete the request");
        break;
    }
}

int64_t call_if_match(struct call *c)
{
    return request_if_match(c->r);
}

void listing_init(struct listing *l)
{
    l->items = json_array();
    l->failed = l->items == NULL;
}

void listing_add(struct listing *l, json_t *item)
{
    if (!item || json_array_append_new(l->items, item) != 0)
        l->failed = true;
}

void listing_reply(struct call *c, struct listing *l, enum engine_rc rc)
{
    json_t *doc = NULL;
    if (rc == ENGINE_OK && !l->failed)
        doc = json_pack("{s:o}", "items", l->items); /* steals it, even on failure */
    else
        json_decref(l->items);
    l->items = NULL;
    if (doc)
        reply_json(c->r, 200, doc);
    else if (rc == ENGINE_NOT_FOUND)
        reply_problem(c->r, P_NOT_FOUND, "no application %lld", (long long)c->id);
    else
        reply_problem(c->r, P_INTERNAL, "the list could not be rendered");
}
