/*
 * /v1/applications: create, read, replace, submit, withdraw, list, and the
 * history.  Each handler parses what the request carries and hands it to
 * the engine, which decides who sees what: an application the caller may
 * not see is a 404, exactly as if it did not exist.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "text.h"

/* ---- reading -------------------------------------------------------------- */

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

/* A copy of the cached rendering of row, or NULL. */
static char *rendered_get(const struct application *row, sb_day day, size_t *len)
{
    char *copy = NULL;
    struct rendered *slot = &rendered[(uint64_t)row->id % RENDER_SLOTS];
    pthread_mutex_lock(&rendered_lock);
    if (slot->text && slot->id == row->id && slot->version == row->version && slot->day == day) {
        copy = malloc(slot->len + 1);
        if (copy) {
            memcpy(copy, slot->text, slot->len + 1);
            *len = slot->len;
        }
    }
    pthread_mutex_unlock(&rendered_lock);
    return copy;
}

static void rendered_put(const struct application *row, sb_day day, const char *text, size_t len)
{
    char *copy = malloc(len + 1);
    if (!copy)
        return;
    memcpy(copy, text, len + 1);
    struct rendered *slot = &rendered[(uint64_t)row->id % RENDER_SLOTS];
    pthread_mutex_lock(&rendered_lock);
    char *old = slot->text;
    *slot = (struct rendered){row->id, row->version, day, copy, len};
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

void api_app_get(struct call *c)
{
    struct application row = {0};
    enum store_rc rc = store_app_get(c->engine->store, c->id, &row);
    if (rc == STORE_OK && !engine_may_see(c->engine, &c->actor, &row))
        rc = STORE_NOT_FOUND;
    if (rc != STORE_OK) {
        application_release(&row);
        if (rc == STORE_NOT_FOUND)
            reply_problem(c->r, P_NOT_FOUND, "no application %lld", (long long)c->id);
        else
            reply_store_error(c->r, rc);
        return;
    }
    sb_day day = row.submitted_at[0] ? 0 : date_of_unix(c->now);
    size_t len = 0;
    int64_t version = row.version;
    char *text = rendered_get(&row, day, &len);
    if (!text) {
        struct application key = {.id = row.id, .version = row.version};
        struct app *a = engine_app_from_row(c->engine, &row, c->now);
        text = a ? app_render(a, &len) : NULL;
        app_free(a);
        if (!text) {
            reply_problem(c->r, P_INTERNAL, "the application could not be rendered");
            application_release(&row);
            return;
        }
        rendered_put(&key, day, text, len);
    }
    application_release(&row);
    reply_header(c->r, "ETag", "\"%lld\"", (long long)version);
    reply_text(c->r, "application/json", text, len);
}

/* ---- writing -------------------------------------------------------------- */

/* Whether the request asks for a lenient draft (CONTRACT.md "Lenient
 * drafts": Prefer: handling=lenient, RFC 7240).  When it does, the answer
 * says it was applied: an editable application is always written so. */
static enum spec_mode requested_mode(struct call *c)
{
    if (!request_prefers(c->r, "handling", "lenient"))
        return SPEC_STRICT;
    reply_header(c->r, "Preference-Applied", "handling=lenient");
    return SPEC_LENIENT;
}

/* Parses the body as an envelope of its kind (one pass: validated and
 * decoded), strictly or as a draft being filled in; replies 422 and returns
 * false when it is not one. */
static bool parse_envelope(struct call *c, struct envelope *env)
{
    struct spec_errors errs;
    struct kind_data data;
    spec_errors_init(&errs);
    const struct kind *k = application_parse_mode(c->body, requested_mode(c), &data, &errs);
    bool ok = k && errs.count == 0;
    if (ok) {
        envelope_from_json(env, c->body, k, &data);
    } else {
        /* One 422 names every bad field, those the store decides too. */
        engine_check_envelope(c->engine, &c->actor, c->body, k, &errs);
        reply_invalid(c->r, &errs);
    }
    spec_errors_release(&errs);
    return ok;
}

void api_app_create(struct call *c)
{
    struct envelope env;
    if (!parse_envelope(c, &env))
        return;
    struct outcome o;
    outcome_init(&o);
    if (api_outcome(c, (engine_create(c->engine, &c->actor, &env, c->now, &o), &o))) {
        reply_header(c->r, "Location", "/v1/applications/%lld", (long long)o.app->row.id);
        reply_app(c, 201, o.app);
    }
    kind_data_release(&env.data);
    outcome_release(&o);
}

/* Runs one action on the {id} application and answers with it as left. */
static void act(struct call *c, const char *action, const void *input)
{
    int64_t if_match = call_if_match(c);
    if (if_match < 0)
        return; /* 412 already sent */
    struct outcome o;
    outcome_init(&o);
    engine_act(c->engine, &c->actor, c->id, action, input, if_match, c->now, &o);
    if (api_outcome(c, &o))
        reply_app(c, 200, o.app);
    outcome_release(&o);
}

void api_app_put(struct call *c)
{
    struct envelope env;
    if (!parse_envelope(c, &env))
        return;
    act(c, "edit", &env);
    kind_data_release(&env.data);
}

void api_app_submit(struct call *c)
{
    act(c, "submit", NULL);
}

void api_app_withdraw(struct call *c)
{
    act(c, "withdraw", NULL);
}

/* ---- listing ------------------------------------------------------------ */

#define LIST_DEFAULT 20
#define LIST_MAX     100

static void list_one(const struct app *a, void *ctx)
{
    listing_add(ctx, app_to_json(a));
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

/* "incubator, first_store or tourism_award" from the kinds table. */
static void kind_names(char *out, size_t cap)
{
    out[0] = '\0';
    for (size_t i = 0; kinds[i]; i++)
        text_append(out, cap, "%s%s", i == 0 ? "" : kinds[i + 1] ? ", " : " or ", kinds[i]->name);
}

void api_app_list(struct call *c)
{
    struct request *r = c->r;
    struct app_filter f = {.limit = LIST_DEFAULT};
    json_t *errors = json_array();

    f.kind = request_query(r, "kind");
    if (f.kind && !kind_find(f.kind)) {
        char names[160], d[200];
        kind_names(names, sizeof names);
        snprintf(d, sizeof d, "must be %s", names);
        json_array_append_new(errors, json_pack("{s:s, s:s}", "parameter", "kind", "detail", d));
    }
    f.status = request_query(r, "status");
    if (f.status && !workflow_status_valid(f.status))
        json_array_append_new(errors, json_pack("{s:s, s:s}", "parameter", "status", "detail",
                                                "is not a status an application can have"));
    f.review_unit = request_query(r, "review_unit");
    if (f.review_unit && (f.review_unit[0] == '\0' || strlen(f.review_unit) >= UNIT_ID_LEN ||
                          text_chars(f.review_unit) > UNIT_ID_CHARS))
        json_array_append_new(errors, json_pack("{s:s, s:s}", "parameter", "review_unit", "detail",
                                                "must be a review unit id"));
    long long round = 0, limit = LIST_DEFAULT, cursor = 0;
    query_int(r, "round", 2019, 2100, &round, errors);
    query_int(r, "limit", 1, LIST_MAX, &limit, errors);
    query_int(r, "cursor", 1, INT64_MAX, &cursor, errors);
    if (json_array_size(errors) > 0) {
        size_t n = json_array_size(errors);
        json_t *doc = reply_problem(r, P_BAD_QUERY,
                                    n == 1 ? "%zu query parameter is invalid; see errors"
                                           : "%zu query parameters are invalid; see errors",
                                    n);
        json_object_set_new(doc, "errors", errors);
        return;
    }
    json_decref(errors);
    f.round = (int)round;
    f.limit = (int)limit;
    f.before_id = cursor;

    struct listing l;
    listing_init(&l);
    bool more = false;
    enum engine_rc rc = engine_list(c->engine, &c->actor, &f, c->now, list_one, &l, &more);
    json_t *items = l.items;
    if (rc != ENGINE_OK || l.failed) {
        json_decref(items);
        reply_problem(r, P_INTERNAL, "the list could not be read");
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

/* ---- the history --------------------------------------------------------- */

static void add_event(const struct event *e, void *ctx)
{
    listing_add(ctx, event_to_json(e));
}

void api_events_list(struct call *c)
{
    struct listing l;
    listing_init(&l);
    enum engine_rc rc = engine_events(c->engine, &c->actor, c->id, add_event, &l);
    listing_reply(c, &l, rc);
}
