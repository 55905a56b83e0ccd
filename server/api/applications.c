/*
 * /v1/applications: create, read, replace, submit, withdraw, list, and the
 * history.  Each handler parses what the request carries and hands it to
 * the engine, which decides who sees what: an application the caller may
 * not see is a 404, exactly as if it did not exist.
 */
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

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

/* Application id's row, its head only or whole, when c's caller may see
 * it; STORE_NOT_FOUND when not, as when there is none. */
static enum store_rc row_seen(struct call *c, int64_t id, struct application *row, bool whole)
{
    enum store_rc rc = whole ? store_app_get(c->engine->store, id, row)
                             : store_app_head(c->engine->store, id, row);
    if (rc == STORE_OK && !engine_may_see(c->engine, &c->actor, row))
        rc = STORE_NOT_FOUND;
    return rc;
}

/* The application's row for c: its head only, or whole; false when c has
 * replied (not found, or the store failed). */
static bool app_row_for(struct call *c, struct application *row, bool whole)
{
    enum store_rc rc = row_seen(c, c->id, row, whole);
    if (rc == STORE_OK)
        return true;
    application_release(row);
    if (rc == STORE_NOT_FOUND)
        reply_problem(c->r, P_NOT_FOUND, "no application %lld", (long long)c->id);
    else
        reply_store_error(c->r, rc);
    return false;
}

/* The day a rendering of row counts to: today while it was never
 * submitted, else none. */
static sb_day rendering_day(const struct application *row, int64_t now)
{
    return row->submitted_at[0] ? 0 : date_of_unix(now);
}

/* Renders a whole row as GET answers it (taking its text) and keeps the
 * rendering; NULL when that fails. */
static char *render_and_keep(struct call *c, struct application *row, size_t *len)
{
    struct application key = {.id = row->id, .version = row->version};
    sb_day day = rendering_day(row, c->now);
    struct app *a = engine_app_from_row(c->engine, row, c->now);
    char *text = a ? app_render(a, len) : NULL;
    app_free(a);
    if (text)
        rendered_put(&key, day, text, *len);
    return text;
}

void api_app_get(struct call *c)
{
    /* The head says who may see it and which rendering is current: the
     * data is read only to render it anew. */
    struct application row = {0};
    if (!app_row_for(c, &row, false))
        return;
    int64_t version = row.version;
    size_t len = 0;
    char *text = rendered_get(&row, rendering_day(&row, c->now), &len);
    if (!text) {
        application_release(&row);
        if (!app_row_for(c, &row, true))
            return;
        version = row.version;
        text = render_and_keep(c, &row, &len);
    }
    application_release(&row);
    if (!text) {
        reply_problem(c->r, P_INTERNAL, "the application could not be rendered");
        return;
    }
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

/* submit takes an optional body, {"declaration": {"version", "accepted"}}:
 * the 承诺书 the applicant accepted (CONTRACT.md "The 承诺书"). */
static const struct field_spec acceptance_fields[] = {
    {.name = "version", .type = SPEC_STRING, .required = true, .min = 1, .max = 100},
    {.name = "accepted", .type = SPEC_BOOL, .required = true},
    {.name = NULL},
};

static const struct field_spec submission_fields[] = {
    {.name = "declaration", .type = SPEC_OBJECT, .required = true, .fields = acceptance_fields},
    {.name = NULL},
};

void api_app_submit(struct call *c)
{
    struct submission_input in = {0};
    if (!api_optional_body(c, submission_fields))
        return;
    json_t *d = json_object_get(c->body, "declaration");
    in.declaration_version = json_string_value(json_object_get(d, "version"));
    in.accepted = json_is_true(json_object_get(d, "accepted"));
    act(c, "submit", &in);
}

/* withdraw takes an optional body, {"opinion": "…"}: the reason, kept. */
static const struct field_spec withdrawal_fields[] = {
    {.name = "opinion", .type = SPEC_TEXT, .min = 1, .max = 4000},
    {.name = NULL},
};

void api_app_withdraw(struct call *c)
{
    struct withdrawal_input in = {0};
    if (!api_optional_body(c, withdrawal_fields))
        return;
    in.opinion = json_string_value(json_object_get(c->body, "opinion"));
    act(c, "withdraw", &in);
}

/* ---- versions -------------------------------------------------------------- */

/* GET /v1/applications/{id}/versions/{version}: the envelope as that
 * version stored it, byte for byte, so that its SHA-256 (Repr-Digest) is
 * the data_sha256 the events name. */
void api_version_get(struct call *c)
{
    struct outcome o;
    struct app_version v;
    outcome_init(&o);
    engine_version(c->engine, &c->actor, c->id, c->sub_id, &v, &o);
    if (api_outcome(c, &o)) {
        char b64[sodium_base64_ENCODED_LEN(VERSION_SHA256_LEN, sodium_base64_VARIANT_ORIGINAL)];
        sodium_bin2base64(b64, sizeof b64, v.sha256, VERSION_SHA256_LEN,
                          sodium_base64_VARIANT_ORIGINAL);
        reply_header(c->r, "ETag", "\"%lld\"", (long long)v.version);
        reply_header(c->r, "Repr-Digest", "sha-256=:%s:", b64);
        size_t len = strlen(v.envelope);
        reply_text(c->r, "application/json", v.envelope, len);
        v.envelope = NULL; /* the reply's now */
    }
    app_version_release(&v);
    outcome_release(&o);
}

/* ---- listing ------------------------------------------------------------ */

#define LIST_DEFAULT 20
#define LIST_MAX     100

/* Adds one bad query parameter to `errors`. */
static void bad_param(json_t *errors, const char *name, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void bad_param(json_t *errors, const char *name, const char *fmt, ...)
{
    char d[256];
    va_list ap;
    va_start(ap, fmt);
    if (vsnprintf(d, sizeof d, fmt, ap) >= (int)sizeof d)
        text_trim_utf8(d);
    va_end(ap);
    json_array_append_new(errors, json_pack("{s:s, s:s}", "parameter", name, "detail", d));
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
        bad_param(errors, name, "must be an integer from %lld to %lld", min, max);
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

static const char *const sort_names[] = {
    [SORT_SUBMITTED_DESC] = "-submitted_at",
    [SORT_SUBMITTED_ASC] = "submitted_at",
    [SORT_WAITING] = "waiting",
};

/* A date's first instant in Beijing (UTC+8 all year), or the first instant
 * of the day after, as the store's RFC 3339 UTC text. */
static bool day_instant(const char *text, bool next_day, char *out)
{
    sb_day day;
    if (!text || !date_parse(text, &day))
        return false;
    clock_format_rfc3339(((int64_t)day + (next_day ? 1 : 0)) * 86400 - 8 * 3600, out);
    return true;
}

/*
 * The cursor of a list is opaque to clients: base64url of the sort it
 * belongs to, the sort key of the last row shown and its id, "2|2020-09-29T
 * 02:00:00Z|17".  A cursor of another sort, or one that is not ours, is a
 * 400.
 */
#define CURSOR_LEN 128

static void cursor_make(enum app_sort sort, const char *key, int64_t id, char *out, size_t cap)
{
    char plain[96];
    int n = snprintf(plain, sizeof plain, "%d|%s|%lld", (int)sort, key, (long long)id);
    sodium_bin2base64(out, cap, (const unsigned char *)plain, (size_t)n,
                      sodium_base64_VARIANT_URLSAFE_NO_PADDING);
}

static bool cursor_read(const char *text, enum app_sort sort, char *key, size_t key_cap,
                        int64_t *id)
{
    unsigned char plain[96];
    size_t n = 0;
    if (strlen(text) > CURSOR_LEN ||
        sodium_base642bin(plain, sizeof plain - 1, text, strlen(text), NULL, &n, NULL,
                          sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0)
        return false;
    plain[n] = '\0';
    char *p = (char *)plain, *bar1 = strchr(p, '|'), *bar2 = bar1 ? strchr(bar1 + 1, '|') : NULL;
    if (!bar1 || !bar2 || bar1 - p != 1 || p[0] != '0' + (int)sort)
        return false;
    size_t klen = (size_t)(bar2 - bar1 - 1);
    if (klen == 0 || klen >= key_cap)
        return false;
    for (const char *k = bar1 + 1; k < bar2; k++)
        if (!strchr("0123456789-:TZ+.", *k))
            return false;
    memcpy(key, bar1 + 1, klen);
    key[klen] = '\0';
    char *end;
    errno = 0;
    long long v = bar2[1] >= '1' && bar2[1] <= '9' ? strtoll(bar2 + 1, &end, 10) : 0;
    if (v <= 0 || errno != 0 || *end != '\0')
        return false;
    *id = v;
    return true;
}

bool list_query_parse(struct call *c, struct list_query *lq, bool paging)
{
    struct request *r = c->r;
    struct app_filter *f = &lq->f;
    json_t *errors = json_array();
    memset(lq, 0, sizeof *lq);
    f->limit = LIST_DEFAULT;

    f->kind = request_query(r, "kind");
    if (f->kind && !kind_find(f->kind)) {
        char names[160];
        kind_names(names, sizeof names);
        bad_param(errors, "kind", "must be %s", names);
    }
    /* status: one status or a comma list of them. */
    const char *status = request_query(r, "status");
    if (status) {
        snprintf(lq->statuses, sizeof lq->statuses, "%s", status);
        size_t n = 0;
        bool ok = strlen(status) < sizeof lq->statuses;
        for (char *save = NULL, *t = strtok_r(lq->statuses, ",", &save); ok && t;
             t = strtok_r(NULL, ",", &save)) {
            bool seen = false;
            for (size_t i = 0; i < n; i++)
                seen |= strcmp(f->statuses[i], t) == 0;
            if (!workflow_status_valid(t)) {
                bad_param(errors, "status", "\"%s\" is not a status an application can have", t);
                ok = false;
            } else if (!seen) {
                f->statuses[n++] = t;
            }
        }
        if (ok && n == 0)
            bad_param(errors, "status", "must name one status or more, separated by commas");
        else if (!ok && strlen(status) >= sizeof lq->statuses)
            bad_param(errors, "status", "is too long");
    }
    const char *authority = request_query(r, "authority");
    if (authority) {
        size_t n = 0;
        for (size_t i = 0; kinds[i] && n < APP_FILTER_KINDS; i++)
            if (strcmp(kinds[i]->authority, authority) == 0)
                f->kinds_in[n++] = kinds[i]->name;
        if (n == 0)
            bad_param(errors, "authority", "must be science_tech, commerce or culture_tourism");
    }
    f->review_unit = request_query(r, "review_unit");
    if (f->review_unit && (f->review_unit[0] == '\0' || strlen(f->review_unit) >= UNIT_ID_LEN ||
                           text_chars(f->review_unit) > UNIT_ID_CHARS))
        bad_param(errors, "review_unit", "must be a review unit id");
    const char *from = request_query(r, "submitted_from");
    if (from && !day_instant(from, false, lq->from))
        bad_param(errors, "submitted_from", "must be a date YYYY-MM-DD (Asia/Shanghai)");
    const char *to = request_query(r, "submitted_to");
    if (to && !day_instant(to, true, lq->before))
        bad_param(errors, "submitted_to", "must be a date YYYY-MM-DD (Asia/Shanghai)");
    f->submitted_from = from ? lq->from : NULL;
    f->submitted_before = to ? lq->before : NULL;
    const char *since = request_query(r, "updated_since");
    int64_t t;
    if (since) {
        if (clock_parse_rfc3339(since, &t) != 0)
            bad_param(errors, "updated_since",
                      "must be an RFC 3339 instant, e.g. 2020-09-29T10:00:00+08:00");
        else
            clock_format_rfc3339(t, lq->since);
        f->updated_since = lq->since;
    }
    const char *q = request_query(r, "q");
    if (q) {
        size_t len = strlen(q);
        if (len == 0 || text_chars(q) > 100 || len >= sizeof lq->q) {
            bad_param(errors, "q", "must be 1 to 100 characters");
        } else {
            /* ASCII case does not matter (SQLite's lower() is ASCII's). */
            for (size_t i = 0; i <= len; i++)
                lq->q[i] = q[i] >= 'A' && q[i] <= 'Z' ? (char)(q[i] + 32) : q[i];
            f->q = lq->q;
        }
    }
    const char *sort = request_query(r, "sort");
    if (sort) {
        bool found = false;
        for (size_t i = 0; i < sizeof sort_names / sizeof sort_names[0]; i++)
            if (strcmp(sort, sort_names[i]) == 0) {
                f->sort = (enum app_sort)i;
                found = true;
            }
        if (!found)
            bad_param(errors, "sort", "must be -submitted_at, submitted_at or waiting");
    }
    long long round = 0, limit = LIST_DEFAULT;
    query_int(r, "round", 2019, 2100, &round, errors);
    f->round = (int)round;
    if (paging) {
        query_int(r, "limit", 1, LIST_MAX, &limit, errors);
        f->limit = (int)limit;
        const char *cursor = request_query(r, "cursor");
        if (cursor) {
            if (!cursor_read(cursor, f->sort, lq->after, sizeof lq->after, &f->after_id))
                bad_param(errors, "cursor",
                          "is not a cursor of this list: pass next_cursor as it came, with the "
                          "same sort");
            else
                f->after_key = lq->after;
        }
        const char *count = request_query(r, "count");
        if (count && strcmp(count, "true") != 0 && strcmp(count, "false") != 0)
            bad_param(errors, "count", "must be true or false");
        lq->count = count && strcmp(count, "true") == 0;
    }
    if (json_array_size(errors) > 0) {
        size_t n = json_array_size(errors);
        json_t *doc = reply_problem(r, P_BAD_QUERY,
                                    n == 1 ? "%zu query parameter is invalid; see errors"
                                           : "%zu query parameters are invalid; see errors",
                                    n);
        json_object_set_new(doc, "errors", errors);
        return false;
    }
    json_decref(errors);
    return true;
}

/* A page of applications: each item is the text GET
 * /v1/applications/{id} answers, the rendering it keeps when there is one
 * (a reviewer's page read again renders nothing), and the page is those
 * texts joined, copied once into the answer: no JSON tree of its items. */
struct page_item {
    char *text; /* the rendering, its newline left out */
    size_t len;
};

struct page_ctx {
    struct call *c;
    struct page_item *items;
    size_t n, cap;
    bool failed;
    enum app_sort sort;
    char key[40];
    int64_t id;
};

static void list_one(const struct application *row, void *ctx)
{
    struct page_ctx *p = ctx;
    snprintf(p->key, sizeof p->key, "%s", store_app_sort_key(row, p->sort));
    p->id = row->id;
    size_t len = 0;
    char *text = rendered_get(row, rendering_day(row, p->c->now), &len);
    if (!text) {
        /* The list read heads: read this one whole to render it (changed
         * since, perhaps: rendered as it is now, if still the caller's). */
        struct application whole = {0};
        enum store_rc rc = row_seen(p->c, row->id, &whole, true);
        if (rc == STORE_OK)
            text = render_and_keep(p->c, &whole, &len);
        application_release(&whole);
        if (rc == STORE_NOT_FOUND)
            return; /* gone from the caller's sight meanwhile: not listed */
    }
    if (p->n == p->cap) {
        size_t cap = p->cap ? 2 * p->cap : 32;
        struct page_item *items = realloc(p->items, cap * sizeof *items);
        if (items) {
            p->items = items;
            p->cap = cap;
        }
    }
    if (!text || len == 0 || p->n == p->cap) {
        p->failed = true;
        free(text);
        return;
    }
    p->items[p->n++] = (struct page_item){text, len - 1};
}

/* The page's text: {"items":[…] and then tail (caller frees); NULL when
 * memory runs out. */
static char *page_text(const struct page_ctx *p, const char *tail, size_t *len)
{
    static const char head[] = "{\"items\":[";
    size_t tail_len = strlen(tail);
    size_t total = sizeof head - 1 + tail_len;
    for (size_t i = 0; i < p->n; i++)
        total += p->items[i].len + (i > 0);
    char *text = malloc(total + 1);
    if (!text)
        return NULL;
    char *at = text;
    memcpy(at, head, sizeof head - 1);
    at += sizeof head - 1;
    for (size_t i = 0; i < p->n; i++) {
        if (i > 0)
            *at++ = ',';
        memcpy(at, p->items[i].text, p->items[i].len);
        at += p->items[i].len;
    }
    memcpy(at, tail, tail_len + 1);
    *len = total;
    return text;
}

void api_app_list(struct call *c)
{
    struct list_query lq;
    if (!list_query_parse(c, &lq, true))
        return;
    struct page_ctx p = {.c = c, .sort = lq.f.sort};
    lq.f.heads = true; /* the data of what is rendered already is not read */
    bool more = false;
    int64_t total = 0;
    enum engine_rc rc = engine_list(c->engine, &c->actor, &lq.f, list_one, &p, &more);
    if (rc == ENGINE_OK && lq.count)
        rc = engine_count(c->engine, &c->actor, &lq.f, &total);
    char *text = NULL;
    size_t len = 0;
    if (rc == ENGINE_OK && !p.failed) {
        char cursor[CURSOR_LEN + 1] = "";
        if (more && p.n > 0)
            cursor_make(lq.f.sort, p.key, p.id, cursor, sizeof cursor);
        /* The cursor is base64url: no character of it needs escaping. */
        char count[40] = "";
        if (lq.count)
            snprintf(count, sizeof count, ",\"total\":%lld", (long long)total);
        const char *quote = cursor[0] ? "\"" : "";
        char tail[CURSOR_LEN + 64];
        snprintf(tail, sizeof tail, "],\"next_cursor\":%s%s%s%s}\n", quote,
                 cursor[0] ? cursor : "null", quote, count);
        text = page_text(&p, tail, &len);
    }
    for (size_t i = 0; i < p.n; i++)
        free(p.items[i].text);
    free(p.items);
    if (!text) {
        reply_problem(c->r, P_INTERNAL, "the list could not be read");
        return;
    }
    reply_json_text(c->r, 200, text, len);
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
