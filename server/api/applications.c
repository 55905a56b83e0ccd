/*
 * /v1/applications: create, read, replace, submit, withdraw, list.
 *
 * Visibility is decided here, per object: an application the caller may not
 * see is a 404, exactly as if it did not exist, so nobody learns that
 * another organisation's application is there.
 */
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "clock.h"
#include "date.h"
#include "kinds.h"
#include "rules.h"
#include "spec.h"
#include "text.h"
#include "uscc.h"
#include "workflow.h"

/* ---- reading ------------------------------------------------------------ */

static bool app_visible(const struct request *r, const struct application *a)
{
    const struct account *acc = &r->account;
    bool submitted = a->submitted_at[0] != '\0';
    switch (r->role) {
    case ROLE_APPLICANT:
        return strcmp(a->applicant_uscc, acc->uscc) == 0;
    case ROLE_DISTRICT_REVIEWER:
        return submitted && strcmp(a->review_unit, acc->unit) == 0;
    case ROLE_MUNICIPAL_REVIEWER: {
        const struct kind *k = kind_for_authority(acc->authority);
        return submitted && k && strcmp(a->kind, k->name) == 0;
    }
    case ROLE_AUDITOR:
        return submitted;
    default:
        return false;
    }
}

/* app_evaluate() with the application's facts already parsed. */
static void evaluate(const struct application *a, const json_t *data, const json_t *facts,
                     struct eligibility *elig, struct award *award)
{
    const struct kind *k = kind_find(a->kind);
    struct rule_input in = {
        .data = data,
        .round = a->round,
        .applicant_uscc = a->applicant_uscc,
        .audited_fen = -1,
        .funded_charters = -1,
    };
    /* The rules speak of the submission date; a draft is judged as if it
     * were submitted today, so the applicant sees what a reviewer would. */
    int64_t submitted;
    if (!a->submitted_at[0] || clock_parse_rfc3339(a->submitted_at, &submitted) != 0)
        submitted = clock_now();
    in.submitted_on = date_of_unix(submitted);
    if (json_is_integer(json_object_get(facts, "audited_fen")))
        in.audited_fen = json_integer_value(json_object_get(facts, "audited_fen"));
    if (json_is_integer(json_object_get(facts, "funded_charters")))
        in.funded_charters = (int)json_integer_value(json_object_get(facts, "funded_charters"));
    in.special_award = json_is_true(json_object_get(facts, "special_award"));
    if (json_is_array(json_object_get(facts, "ranked_items")))
        in.ranked_items = json_object_get(facts, "ranked_items");

    memset(elig, 0, sizeof *elig);
    memset(award, 0, sizeof *award);
    award->basis = "as_applied";
    if (k && k->eligibility)
        k->eligibility(&in, elig);
    if (k && k->award)
        k->award(&in, award);
}

void app_evaluate(const struct application *a, const json_t *data, struct eligibility *elig,
                  struct award *award)
{
    json_t *facts = json_loads(a->facts_json ? a->facts_json : "{}", 0, NULL);
    evaluate(a, data, facts, elig, award);
    json_decref(facts);
}

/* The application as clients see it.  Caller owns the reference. */
static json_t *app_to_json(const struct application *a)
{
    json_t *data = json_loads(a->data_json, JSON_DECODE_ANY, NULL);
    if (!data)
        data = json_object();
    json_t *o = json_pack(
        "{s:I, s:s, s:i, s:s, s:{s:s, s:s}, s:O, s:s, s:I, s:s, s:s}", "id", (json_int_t)a->id,
        "kind", a->kind, "round", a->round, "review_unit", a->review_unit, "applicant", "name",
        a->applicant_name, "uscc", a->applicant_uscc, "data", data, "status", a->status, "version",
        (json_int_t)a->version, "created_at", a->created_at, "updated_at", a->updated_at);
    if (!o)
        abort();
    json_object_set_new(o, "submitted_at",
                        a->submitted_at[0] ? json_string(a->submitted_at) : json_null());
    /* The facts the workflow fixed feed the rules and show as they are:
     * the notice dates, the certificate issued. */
    json_t *facts = json_loads(a->facts_json ? a->facts_json : "{}", 0, NULL);
    struct eligibility elig;
    struct award award;
    evaluate(a, data, facts, &elig, &award);
    json_object_set_new(o, "eligibility", eligibility_to_json(&elig));
    json_object_set_new(o, "award", award_to_json(&award));
    json_t *notice = json_object_get(facts, "notice");
    json_t *serial = json_object_get(facts, "certificate_serial");
    json_object_set(o, "notice", notice ? notice : json_null());
    json_object_set(o, "certificate_serial", serial ? serial : json_null());
    json_decref(facts);
    json_decref(data);
    return o;
}

static void reply_app(struct request *r, unsigned status, const struct application *a)
{
    reply_header(r, "ETag", "\"%lld\"", (long long)a->version);
    reply_json(r, status, app_to_json(a));
}

/* Parses the {id} path parameter; 0 when it is not a positive integer. */
static int64_t path_id(const struct request *r)
{
    const char *s = r->params[0];
    if (s[0] < '1' || s[0] > '9' || strlen(s) > 18)
        return 0;
    char *end;
    errno = 0;
    long long n = strtoll(s, &end, 10);
    return errno == 0 && *end == '\0' ? n : 0;
}

int app_load_visible(struct request *r, struct application *a)
{
    int64_t id = path_id(r);
    enum store_rc rc = id ? store_app_get(r->srv->store, id, a) : STORE_NOT_FOUND;
    if (rc == STORE_OK && !app_visible(r, a))
        rc = STORE_NOT_FOUND;
    if (rc == STORE_OK)
        return 0;
    if (rc == STORE_NOT_FOUND)
        reply_problem(r, P_NOT_FOUND, "no application %s", r->params[0]);
    else
        reply_store_error(r, rc);
    application_release(a);
    return -1;
}

/*
 * Rendering an application — parsing its data, running its kind's rules,
 * serialising the answer — costs several times more than reading it.  What
 * it renders to depends only on the row (its version changes with every
 * change, facts fixed by reviewers included) and, while it was never
 * submitted, on today's date (its rules count to today).  So GET keeps the
 * text of recent renderings, one slot per id modulo the table size.
 */
#define RENDER_SLOTS 1024

static struct rendered {
    int64_t id, version;
    sb_day day; /* today for an application never submitted; else 0 */
    char *text;
    size_t len;
} rendered[RENDER_SLOTS];
static pthread_mutex_t rendered_lock = PTHREAD_MUTEX_INITIALIZER;

/* A copy of the cached rendering of a, or NULL. */
static char *rendered_get(const struct application *a, sb_day day, size_t *len)
{
    char *copy = NULL;
    struct rendered *slot = &rendered[(uint64_t)a->id % RENDER_SLOTS];
    pthread_mutex_lock(&rendered_lock);
    if (slot->text && slot->id == a->id && slot->version == a->version && slot->day == day) {
        copy = malloc(slot->len + 1);
        if (copy) {
            memcpy(copy, slot->text, slot->len + 1);
            *len = slot->len;
        }
    }
    pthread_mutex_unlock(&rendered_lock);
    return copy;
}

static void rendered_put(const struct application *a, sb_day day, const char *text, size_t len)
{
    char *copy = malloc(len + 1);
    if (!copy)
        return;
    memcpy(copy, text, len + 1);
    struct rendered *slot = &rendered[(uint64_t)a->id % RENDER_SLOTS];
    pthread_mutex_lock(&rendered_lock);
    char *old = slot->text;
    *slot = (struct rendered){a->id, a->version, day, copy, len};
    pthread_mutex_unlock(&rendered_lock);
    free(old);
}

void app_renderings_forget(void)
{
    pthread_mutex_lock(&rendered_lock);
    for (size_t i = 0; i < RENDER_SLOTS; i++) {
        free(rendered[i].text);
        rendered[i] = (struct rendered){0};
    }
    pthread_mutex_unlock(&rendered_lock);
}

void api_app_get(struct request *r)
{
    struct application a = {0};
    if (app_load_visible(r, &a) != 0)
        return;
    sb_day day = a.submitted_at[0] ? 0 : date_of_unix(clock_now());
    size_t len = 0;
    char *text = rendered_get(&a, day, &len);
    if (!text) {
        json_t *doc = app_to_json(&a);
        char *dumped = json_dumps(doc, JSON_COMPACT);
        json_decref(doc);
        if (!dumped)
            abort();
        len = strlen(dumped);
        text = realloc(dumped, len + 2);
        if (!text)
            abort();
        text[len++] = '\n';
        text[len] = '\0';
        rendered_put(&a, day, text, len);
    }
    reply_header(r, "ETag", "\"%lld\"", (long long)a.version);
    reply_text(r, "application/json", text, len);
    application_release(&a);
}

/* ---- writing ------------------------------------------------------------ */

/* Validates an envelope for the calling applicant: the envelope and the
 * kind's data (domain), then what needs the store and the account.  Returns
 * the kind, or NULL after replying 422. */
static const struct kind *validate_envelope(struct request *r, const json_t *body)
{
    struct spec_errors errs;
    spec_errors_init(&errs);
    const struct kind *k = application_validate(body, &errs);

    const char *uscc =
        json_string_value(json_object_get(json_object_get(body, "applicant"), "uscc"));
    if (uscc && uscc_valid(uscc) && strcmp(uscc, r->account.uscc) != 0)
        spec_errors_add(&errs, "/applicant/uscc", "must be the USCC of your organisation (%s)",
                        r->account.uscc);

    const char *unit_id = json_string_value(json_object_get(body, "review_unit"));
    if (unit_id) {
        struct unit u;
        if (store_unit_get(r->srv->store, unit_id, &u) != STORE_OK)
            spec_errors_add(&errs, "/review_unit", "no such review unit; see GET /v1/review-units");
        else if (k && !k->enterprise_units &&
                 (strcmp(u.kind, "soe") == 0 || strcmp(u.kind, "hq") == 0))
            spec_errors_add(&errs, "/review_unit",
                            "an enterprise review unit reviews only first_store applications; "
                            "choose the district or etdz");
    }
    if (errs.count > 0) {
        reply_invalid(r, &errs);
        k = NULL;
    }
    spec_errors_release(&errs);
    return k;
}

/* Copies the envelope's fields into a (which owns the new data_json). */
static void envelope_into(const json_t *body, struct application *a)
{
    const json_t *applicant = json_object_get(body, "applicant");
    snprintf(a->kind, sizeof a->kind, "%s", json_string_value(json_object_get(body, "kind")));
    a->round = (int)json_integer_value(json_object_get(body, "round"));
    snprintf(a->review_unit, sizeof a->review_unit, "%s",
             json_string_value(json_object_get(body, "review_unit")));
    snprintf(a->applicant_name, sizeof a->applicant_name, "%s",
             json_string_value(json_object_get(applicant, "name")));
    snprintf(a->applicant_uscc, sizeof a->applicant_uscc, "%s",
             json_string_value(json_object_get(applicant, "uscc")));
    free(a->data_json);
    a->data_json = json_dumps(json_object_get(body, "data"), JSON_COMPACT | JSON_SORT_KEYS);
    if (!a->data_json)
        abort();
}

struct creation {
    struct request *r;
    struct application *a;
};

static enum store_rc tx_insert(struct store_tx *tx, void *ctx)
{
    struct creation *cr = ctx;
    enum store_rc rc = store_app_insert(tx, cr->a);
    if (rc == STORE_OK)
        rc = history_record(tx, cr->r, cr->a, "create", NULL, NULL, NULL, NULL);
    return rc;
}

void api_app_create(struct request *r)
{
    if (!validate_envelope(r, r->body_json))
        return;
    struct application a = {0};
    envelope_into(r->body_json, &a);
    char now[RFC3339_LEN];
    clock_format_rfc3339(clock_now(), now);
    snprintf(a.status, sizeof a.status, "draft");
    a.version = 1;
    a.created_by = r->account.id;
    memcpy(a.created_at, now, sizeof now);
    memcpy(a.updated_at, now, sizeof now);

    struct creation cr = {r, &a};
    enum store_rc rc = store_write(r->srv->store, tx_insert, &cr);
    if (rc == STORE_OK) {
        reply_header(r, "Location", "/v1/applications/%lld", (long long)a.id);
        reply_app(r, 201, &a);
    } else {
        reply_store_error(r, rc);
    }
    application_release(&a);
}

/* Refuses the change with problem p; the transaction then rolls back. */
enum store_rc change_refuse(struct change *c, enum problem p, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(c->detail, sizeof c->detail, fmt, ap);
    va_end(ap);
    if (n >= (int)sizeof c->detail)
        text_trim_utf8(c->detail);
    c->problem = p;
    return STORE_CONFLICT;
}

static json_t *allowed_actions(const char *status, const char *role)
{
    const char *acts[16];
    workflow_actions(status, role, acts, 16);
    json_t *list = json_array();
    for (size_t i = 0; acts[i]; i++)
        json_array_append_new(list, json_string(acts[i]));
    return list;
}

/* 409 naming the status and what the caller may do from it. */
static enum store_rc refuse_in_status(struct change *c, const char *what)
{
    const struct application *a = &c->app;
    c->extra = json_pack("{s:s, s:o}", "current_status", a->status, "allowed_actions",
                         allowed_actions(a->status, c->r->account.role));
    return change_refuse(c, P_CONFLICT, "cannot %s an application that is %s", what, a->status);
}

/* 422 with every bad field gathered in c->errs. */
static enum store_rc refuse_invalid(struct change *c)
{
    json_t *list = json_array();
    for (size_t i = 0; i < c->errs.count; i++)
        json_array_append_new(list, json_pack("{s:s, s:s}", "pointer", c->errs.items[i].pointer,
                                              "detail", c->errs.items[i].detail));
    c->extra = json_pack("{s:o}", "errors", list);
    return change_refuse(c, P_INVALID, "%zu field%s invalid; see errors", c->errs.count,
                         c->errs.count == 1 ? " is" : "s are");
}

static enum store_rc tx_change(struct store_tx *tx, void *ctx)
{
    struct change *c = ctx;
    struct application *a = &c->app;
    enum store_rc rc = store_app_get_tx(tx, c->id, a);
    if (rc != STORE_OK)
        return rc;
    if (!app_visible(c->r, a))
        return STORE_NOT_FOUND;
    if (c->if_match && c->if_match != a->version)
        return change_refuse(c, P_STALE, "the application is at version %lld, not %lld",
                             (long long)a->version, (long long)c->if_match);

    clock_format_rfc3339(clock_now(), c->now);
    int64_t expected = a->version;
    char from[sizeof a->status];
    memcpy(from, a->status, sizeof from);
    if (c->action) {
        c->t = workflow_find(a->status, c->action);
        if (!c->t)
            return refuse_in_status(c, c->action);
        if (strcmp(c->t->who, c->r->account.role) != 0)
            return change_refuse(c, P_FORBIDDEN, "a %s may not %s", c->r->account.role, c->action);
        struct guard_facts facts = {0};
        struct guard_result g;
        if (c->gather && (rc = c->gather(tx, c, &facts)) != STORE_OK)
            return rc;
        enum guard_verdict v = workflow_check(c->t, &facts, &g);
        if (v == GUARD_CONFLICT)
            return change_refuse(c, P_CONFLICT, "cannot %s: %s", c->action, g.detail);
        if (v == GUARD_INVALID)
            spec_errors_add(&c->errs, g.pointer, "%s", g.detail);
        snprintf(a->status, sizeof a->status, "%s", c->t->to);
    }
    if (c->apply && (rc = c->apply(tx, c)) != STORE_OK)
        return rc;
    if (c->errs.count > 0)
        return refuse_invalid(c);
    a->version = expected + 1;
    memcpy(a->updated_at, c->now, sizeof c->now);
    rc = store_app_update(tx, a, expected);
    if (rc == STORE_OK)
        rc = history_record(tx, c->r, a, c->action ? c->action : "edit", from, c->opinion,
                            c->details, NULL);
    return rc;
}

void change_run(struct request *r, struct change *c)
{
    c->r = r;
    spec_errors_init(&c->errs);
    if (!c->id)
        c->id = path_id(r);
    c->if_match = request_if_match(r);
    if (c->if_match < 0)
        return; /* 412 already sent */
    enum store_rc rc = c->id ? store_write(r->srv->store, tx_change, c) : STORE_NOT_FOUND;
    if (rc == STORE_OK && c->reply) {
        c->reply(r, c);
    } else if (rc == STORE_OK) {
        reply_app(r, 200, &c->app);
    } else if (rc == STORE_NOT_FOUND) {
        reply_problem(r, P_NOT_FOUND, "no application %s", r->params[0]);
    } else if (rc == STORE_CONFLICT && c->detail[0]) {
        json_t *doc = reply_problem(r, c->problem, "%s", c->detail);
        if (c->extra)
            json_object_update(doc, c->extra);
    } else if (rc == STORE_CONFLICT) {
        /* The version moved between our read and our write: another request
         * won.  Only possible for a writer outside this process. */
        reply_problem(r, P_STALE, "the application changed meanwhile; read it again");
    } else {
        reply_store_error(r, rc);
    }
    json_decref(c->extra);
    json_decref(c->details);
    spec_errors_release(&c->errs);
    application_release(&c->app);
}

/* The members of an envelope that may not change once created. */
static void check_immutable(const struct application *a, const json_t *body,
                            struct spec_errors *errs)
{
    const json_t *applicant = json_object_get(body, "applicant");
    if (strcmp(json_string_value(json_object_get(body, "kind")), a->kind) != 0)
        spec_errors_add(errs, "/kind", "cannot change from \"%s\"; create a new application",
                        a->kind);
    if (json_integer_value(json_object_get(body, "round")) != a->round)
        spec_errors_add(errs, "/round", "cannot change from %d", a->round);
    if (strcmp(json_string_value(json_object_get(applicant, "uscc")), a->applicant_uscc) != 0)
        spec_errors_add(errs, "/applicant/uscc", "cannot change from %s", a->applicant_uscc);
    if (strcmp(json_string_value(json_object_get(applicant, "name")), a->applicant_name) != 0)
        spec_errors_add(errs, "/applicant/name",
                        "cannot change; it is the name the application was created with");
}

/* PUT: a draft or a returned application takes the new envelope. */
static enum store_rc apply_replace(struct store_tx *tx, struct change *c)
{
    (void)tx;
    struct application *a = &c->app;
    if (strcmp(a->status, "draft") != 0 && strcmp(a->status, "returned") != 0)
        return refuse_in_status(c, "edit");
    struct spec_errors errs;
    spec_errors_init(&errs);
    check_immutable(a, c->ctx, &errs);
    if (errs.count > 0) {
        json_t *list = json_array();
        for (size_t i = 0; i < errs.count; i++)
            json_array_append_new(list, json_pack("{s:s, s:s}", "pointer", errs.items[i].pointer,
                                                  "detail", errs.items[i].detail));
        c->extra = json_pack("{s:o}", "errors", list);
        spec_errors_release(&errs);
        return change_refuse(c, P_INVALID, "fields that identify the application cannot change");
    }
    spec_errors_release(&errs);
    envelope_into(c->ctx, a);
    return STORE_OK;
}

/* Whether a revocation bars the organisation from applying (第十三条:
 * 2 years for an incubator); the transition's guard decides. */
static enum store_rc gather_ban(struct store_tx *tx, struct change *c, struct guard_facts *f)
{
    char *until = c->scratch;
    const struct application *a = &c->app;
    const struct kind *k = kind_find(a->kind);
    if (!k || k->ban_months == 0)
        return STORE_OK;
    char today[DATE_TEXT_LEN];
    date_format(date_of_unix(clock_now()), today);
    enum store_rc rc = store_ban_find_tx(tx, a->applicant_uscc, a->kind, today, until);
    if (rc == STORE_NOT_FOUND)
        return STORE_OK;
    if (rc == STORE_OK) {
        f->barred_until = until;
        c->extra = json_pack("{s:s}", "may_apply_from", until);
    }
    return rc;
}

/* Submission stamps submitted_at: the date the rules count from. */
static enum store_rc apply_submit(struct store_tx *tx, struct change *c)
{
    (void)tx;
    memcpy(c->app.submitted_at, c->now, sizeof c->now);
    return STORE_OK;
}

void api_app_put(struct request *r)
{
    if (!validate_envelope(r, r->body_json))
        return;
    struct change c = {.apply = apply_replace, .ctx = r->body_json};
    change_run(r, &c);
}

void api_app_submit(struct request *r)
{
    struct change c = {.action = "submit", .gather = gather_ban, .apply = apply_submit};
    change_run(r, &c);
}

void api_app_withdraw(struct request *r)
{
    struct change c = {.action = "withdraw"};
    change_run(r, &c);
}

/* ---- listing ------------------------------------------------------------ */

#define LIST_DEFAULT 20
#define LIST_MAX     100

static void list_one(const struct application *a, void *ctx)
{
    json_array_append_new(ctx, app_to_json(a));
}

/* Parses an optional positive integer query parameter within [min, max]. */
static bool query_int(struct request *r, const char *name, long long min, long long max,
                      long long *out, json_t *errors)
{
    const char *v = request_query(r, name);
    if (!v)
        return true;
    char *end;
    errno = 0;
    long long n = strtoll(v, &end, 10);
    if (v[0] == '\0' || *end != '\0' || errno != 0 || n < min || n > max) {
        char d[128];
        snprintf(d, sizeof d, "must be an integer from %lld to %lld", min, max);
        json_array_append_new(errors, json_pack("{s:s, s:s}", "parameter", name, "detail", d));
        return false;
    }
    *out = n;
    return true;
}

void api_app_list(struct request *r)
{
    struct app_filter f = {.limit = LIST_DEFAULT};
    json_t *errors = json_array();

    f.kind = request_query(r, "kind");
    if (f.kind && !kind_find(f.kind))
        json_array_append_new(errors, json_pack("{s:s, s:s}", "parameter", "kind", "detail",
                                                "must be incubator, first_store or tourism_award"));
    f.status = request_query(r, "status");
    if (f.status && !workflow_status_valid(f.status))
        json_array_append_new(errors, json_pack("{s:s, s:s}", "parameter", "status", "detail",
                                                "is not a status an application can have"));
    f.review_unit = request_query(r, "review_unit");
    if (f.review_unit && (f.review_unit[0] == '\0' || strlen(f.review_unit) >= 80))
        json_array_append_new(errors, json_pack("{s:s, s:s}", "parameter", "review_unit", "detail",
                                                "must be a review unit id"));
    long long round = 0, limit = LIST_DEFAULT, cursor = 0;
    query_int(r, "round", 2019, 2100, &round, errors);
    query_int(r, "limit", 1, LIST_MAX, &limit, errors);
    query_int(r, "cursor", 1, INT64_MAX, &cursor, errors);
    if (json_array_size(errors) > 0) {
        json_t *doc =
            reply_problem(r, P_BAD_QUERY, "%zu query parameter%s invalid; see errors",
                          json_array_size(errors), json_array_size(errors) == 1 ? " is" : "s are");
        json_object_set_new(doc, "errors", errors);
        return;
    }
    json_decref(errors);
    f.round = (int)round;
    f.limit = (int)limit;
    f.before_id = cursor;

    const struct account *acc = &r->account;
    switch (r->role) {
    case ROLE_APPLICANT:
        f.scope = SCOPE_ORGANISATION;
        f.scope_value = acc->uscc;
        break;
    case ROLE_DISTRICT_REVIEWER:
        f.scope = SCOPE_UNIT;
        f.scope_value = acc->unit;
        break;
    case ROLE_MUNICIPAL_REVIEWER: {
        const struct kind *k = kind_for_authority(acc->authority);
        f.scope = SCOPE_KIND;
        f.scope_value = k ? k->name : "";
        break;
    }
    default:
        f.scope = SCOPE_SUBMITTED;
        break;
    }

    json_t *items = json_array();
    bool more = false;
    enum store_rc rc = store_app_list(r->srv->store, &f, list_one, items, &more);
    if (rc != STORE_OK) {
        json_decref(items);
        reply_store_error(r, rc);
        return;
    }
    json_t *next = json_null();
    size_t n = json_array_size(items);
    if (more && n > 0) {
        char buf[24];
        json_int_t last = json_integer_value(json_object_get(json_array_get(items, n - 1), "id"));
        snprintf(buf, sizeof buf, "%lld", (long long)last);
        next = json_string(buf);
    }
    reply_json(r, 200, json_pack("{s:o, s:o}", "items", items, "next_cursor", next));
}
