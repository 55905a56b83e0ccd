/*
 * The engine: applications as it holds them (parsed once, evaluated),
 * visibility, creation, and the one runner every change goes through.
 */
#include <assert.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jsontext.h"
#include "date.h"
#include "engine_impl.h"
#include "log.h"
#include "messages.h"
#include "notice.h"
#include "ranking.h"
#include "text.h"
#include "uscc.h"

/* How often a change is prepared again when another one moved the
 * application between its two phases, before it gives up (409). */
#define CHANGE_ATTEMPTS 8

/* ---- outcomes ------------------------------------------------------------ */

void outcome_init(struct outcome *o)
{
    memset(o, 0, sizeof *o);
    spec_errors_init(&o->errs);
}

void outcome_release(struct outcome *o)
{
    spec_errors_release(&o->errs);
    json_decref(o->extra);
    app_free(o->app);
    outcome_init(o);
}

enum engine_rc outcome_set(struct outcome *o, enum engine_rc rc, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    msg_vformat(o->reason, sizeof o->reason, o->reason_zh, sizeof o->reason_zh, fmt, ap);
    va_end(ap);
    return o->rc = rc;
}

enum engine_rc outcome_invalid(struct outcome *o)
{
    spec_errors_summary(&o->errs, o->reason, sizeof o->reason, o->reason_zh, sizeof o->reason_zh);
    return o->rc = ENGINE_INVALID;
}

/* Adds member `key` to the outcome's extra members (reference stolen). */
static void outcome_extra(struct outcome *o, const char *key, json_t *value)
{
    if (!o->extra)
        o->extra = json_object();
    if (o->extra)
        json_object_set_new(o->extra, key, value);
    else
        json_decref(value);
}

/* ---- settings ------------------------------------------------------------- */

int engine_init(struct engine *e, struct store *s, const struct calendar *cal)
{
    memset(e, 0, sizeof *e);
    e->store = s;
    e->calendar = cal;
    atomic_store(&e->key, NULL);
    return 0;
}

unsigned engine_kind_stages(const struct engine *e, const struct kind *k)
{
    for (unsigned i = 0; i < e->settings.n_stages; i++)
        if (strcmp(e->settings.stages[i].kind, k->name) == 0)
            return e->settings.stages[i].stages;
    return k->stages;
}

int engine_check_settings(const struct engine_settings *s, char *err, size_t errlen)
{
    for (unsigned i = 0; i < s->n_stages; i++) {
        if (!kind_find(s->stages[i].kind)) {
            snprintf(err, errlen, "stages: there is no kind \"%s\"", s->stages[i].kind);
            return -1;
        }
        if (!(s->stages[i].stages & STAGE_MUNICIPAL)) {
            snprintf(err, errlen, "stages: %s must have the municipal stage", s->stages[i].kind);
            return -1;
        }
    }
    return 0;
}

/* ---- applications as the engine holds them --------------------------------- */

json_t *facts_parse(const char *text)
{
    json_t *f = text && text[0] ? parse_json0(text, 0, NULL) : NULL;
    if (f && !json_is_object(f)) {
        json_decref(f);
        f = NULL;
    }
    return f ? f : json_object();
}

/* The stages of one application: its kind's, less the district stage for
 * an application the kind sends straight to the municipal stage (a unit
 * directly under the authority, RULES.md §7). */
static unsigned app_stages(const struct engine *e, const struct app *a)
{
    unsigned stages = engine_kind_stages(e, a->kind);
    if (a->kind->skips_district && a->data.typed && a->kind->skips_district(a->data.typed))
        stages &= ~(unsigned)STAGE_DISTRICT;
    return stages;
}

void app_evaluate(struct app *a, int64_t now)
{
    const struct kind *k = a->kind;
    const json_t *facts = a->facts;
    struct award_item ranked[RULES_MAX_ITEMS];
    struct rule_input in = {
        .data = a->data.typed,
        .round = a->row.round,
        .applicant_uscc = a->row.applicant_uscc,
        .audited_fen = -1,
        .funded_charters = -1,
    };
    /* The rules speak of the submission date; a draft is judged as if it
     * were submitted today, so the applicant sees what a reviewer would. */
    int64_t submitted;
    if (!a->row.submitted_at[0] || clock_parse_rfc3339(a->row.submitted_at, &submitted) != 0)
        submitted = now;
    in.submitted_on = date_of_unix(submitted);
    if (json_is_integer(json_object_get(facts, "audited_fen")))
        in.audited_fen = json_integer_value(json_object_get(facts, "audited_fen"));
    if (json_is_integer(json_object_get(facts, "funded_charters")))
        in.funded_charters = (int)json_integer_value(json_object_get(facts, "funded_charters"));
    in.special_award = json_is_true(json_object_get(facts, "special_award"));
    if (json_is_array(json_object_get(facts, "ranked_items"))) {
        in.ranked = true;
        in.n_ranked_items =
            ranking_items_read(json_object_get(facts, "ranked_items"), ranked, RULES_MAX_ITEMS);
        in.ranked_items = ranked;
    }

    memset(&a->elig, 0, sizeof a->elig);
    memset(&a->award, 0, sizeof a->award);
    a->award.basis = "as_applied";
    if (!in.data) {
        /* Stored data that no longer passes (a newer rule, a damaged row)
         * is not for the rules to guess at. */
        eligibility_add(&a->elig, "data_valid", false,
                        "the stored data no longer passes the checks of its kind; a reviewer "
                        "must look at it");
        eligibility_zh(&a->elig, "已存储的申报内容不再符合本类申报的校验规则，需人工核查");
        return;
    }
    if (k->eligibility)
        k->eligibility(&in, &a->elig);
    if (k->award)
        k->award(&in, &a->award);
}

struct app *app_load(struct engine *e, struct application *row, int64_t now)
{
    const struct kind *k = kind_find(row->kind);
    struct app *a = calloc(1, sizeof *a);
    if (!a)
        return NULL;
    a->row = *row;
    memset(row, 0, sizeof *row); /* the text is a's now */
    a->facts = facts_parse(a->row.facts_json);
    if (!k) {
        /* A kind this binary does not know: a row from elsewhere. */
        log_msg(LOG_ERROR, "application %lld is of an unknown kind \"%s\"", (long long)a->row.id,
                a->row.kind);
        app_free(a);
        return NULL;
    }
    a->kind = k;
    json_t *data = parse_json0(a->row.data_json ? a->row.data_json : "", JSON_DECODE_ANY, NULL);
    struct spec_errors errs;
    spec_errors_init(&errs);
    if (!data || kind_data_parse(k, data, a->row.round, &a->data, &errs) != 0) {
        log_msg(LOG_WARN, "application %lld: its stored data no longer parses: %s %s",
                (long long)a->row.id, errs.count ? errs.items[0].pointer : "",
                errs.count ? errs.items[0].detail : "(not JSON)");
        memset(&a->data, 0, sizeof a->data);
        a->data.kind = k;
        /* Shown as stored (or {} when it is not JSON at all). */
        a->data.json = data && json_is_object(data) ? json_incref(data) : json_object();
    }
    json_decref(data);
    spec_errors_release(&errs);
    if (!a->facts || !a->data.json) {
        app_free(a);
        return NULL;
    }
    a->stages = app_stages(e, a);
    app_evaluate(a, now);
    return a;
}

struct app *engine_app_from_row(struct engine *e, struct application *row, int64_t now)
{
    return app_load(e, row, now);
}

void app_free(struct app *a)
{
    if (!a)
        return;
    application_release(&a->row);
    kind_data_release(&a->data);
    json_decref(a->facts);
    free(a);
}

/* The envelope's members before "data" (head) and after it (tail), in the
 * order clients see them.  0, or -1 when memory runs out (logged). */
static int app_parts(const struct app *a, json_t **head, json_t **tail)
{
    const struct application *r = &a->row;
    *head =
        json_pack("{s:I, s:s, s:i, s:s, s:{s:s, s:s}}", "id", (json_int_t)r->id, "kind", r->kind,
                  "round", r->round, "review_unit", r->review_unit, "applicant", "name",
                  r->applicant_name ? r->applicant_name : "", "uscc", r->applicant_uscc);
    *tail =
        json_pack("{s:s, s:I, s:s, s:s, s:o, s:o, s:o}", "status", r->status, "version",
                  (json_int_t)r->version, "created_at", r->created_at, "updated_at", r->updated_at,
                  "submitted_at", r->submitted_at[0] ? json_string(r->submitted_at) : json_null(),
                  "eligibility", eligibility_to_json(&a->elig), "award", award_to_json(&a->award));
    if (!*head || !*tail) {
        json_decref(*head);
        json_decref(*tail);
        *head = *tail = NULL;
        log_msg(LOG_ERROR, "application %lld could not be rendered", (long long)r->id);
        return -1;
    }
    /* The facts the workflow fixed show as they are: the notice dates, the
     * certificate issued. */
    json_t *notice = json_object_get(a->facts, "notice");
    json_t *serial = json_object_get(a->facts, "certificate_serial");
    json_object_set(*tail, "notice", notice ? notice : json_null());
    json_object_set(*tail, "certificate_serial", serial ? serial : json_null());
    return 0;
}

json_t *app_to_json(const struct app *a)
{
    json_t *head, *tail;
    if (app_parts(a, &head, &tail) != 0)
        return NULL;
    if (json_object_set(head, "data", a->data.json) != 0 || json_object_update(head, tail) != 0) {
        json_decref(head);
        head = NULL;
    }
    json_decref(tail);
    return head;
}

char *app_render(const struct app *a, size_t *len)
{
    /* The data as stored is its canonical text, written once when it was
     * parsed (valid data only: what no longer parses shows as parsed). */
    const char *data = a->data.typed ? a->row.data_json : NULL;
    if (!data || data[0] != '{') {
        json_t *doc = app_to_json(a);
        char *text = doc ? json_dumps(doc, JSON_COMPACT) : NULL;
        json_decref(doc);
        size_t n = text ? strlen(text) : 0;
        char *out = text ? realloc(text, n + 2) : NULL;
        if (!out) {
            free(text);
            return NULL;
        }
        out[n] = '\n';
        out[n + 1] = '\0';
        *len = n + 1;
        return out;
    }
    json_t *head, *tail;
    if (app_parts(a, &head, &tail) != 0)
        return NULL;
    char *h = json_dumps(head, JSON_COMPACT), *t = json_dumps(tail, JSON_COMPACT);
    json_decref(head);
    json_decref(tail);
    char *out = NULL;
    if (h && t) {
        /* {head…,"data":DATA,…tail}\n */
        static const char key[] = ",\"data\":";
        size_t hn = strlen(h) - 1, dn = strlen(data), tn = strlen(t) - 1;
        size_t n = hn + sizeof key - 1 + dn + 1 + tn + 1;
        out = malloc(n + 1);
        if (out) {
            char *p = out;
            memcpy(p, h, hn);
            p += hn;
            memcpy(p, key, sizeof key - 1);
            p += sizeof key - 1;
            memcpy(p, data, dn);
            p += dn;
            *p++ = ',';
            memcpy(p, t + 1, tn);
            p += tn;
            *p++ = '\n';
            *p = '\0';
            *len = n;
        }
    }
    free(h);
    free(t);
    return out;
}

/* ---- who sees what ----------------------------------------------------------- */

bool engine_may_see(const struct engine *e, const struct actor *who, const struct application *row)
{
    bool submitted = row->submitted_at[0] != '\0';
    switch (who->role) {
    case ROLE_APPLICANT:
        return who->uscc && strcmp(row->applicant_uscc, who->uscc) == 0;
    case ROLE_DISTRICT_REVIEWER: {
        /* Of its unit, and of a kind that has a district stage here. */
        const struct kind *k = kind_find(row->kind);
        return submitted && k && (engine_kind_stages(e, k) & STAGE_DISTRICT) && who->unit &&
               strcmp(row->review_unit, who->unit) == 0;
    }
    case ROLE_MUNICIPAL_REVIEWER: {
        const struct kind *k = kind_find(row->kind);
        return submitted && k && who->authority && strcmp(k->authority, who->authority) == 0;
    }
    case ROLE_AUDITOR:
        return submitted;
    case ROLE_SYSTEM:
        return true;
    case ROLE_PUBLIC:
        /* The public sees what is published: an application under notice
         * (whether the notice runs now is for the action to say). */
        return strcmp(row->status, "public_notice") == 0;
    default:
        return false;
    }
}

static enum engine_rc from_store(enum store_rc rc)
{
    switch (rc) {
    case STORE_OK:
        return ENGINE_OK;
    case STORE_NOT_FOUND:
        return ENGINE_NOT_FOUND;
    case STORE_CONFLICT:
        return ENGINE_REFUSED;
    case STORE_ERROR:
    default:
        return ENGINE_ERROR;
    }
}

enum engine_rc engine_get(struct engine *e, const struct actor *who, int64_t id, int64_t now,
                          struct app **out)
{
    struct application row = {0};
    *out = NULL;
    enum store_rc rc = id > 0 ? store_app_get(e->store, id, &row) : STORE_NOT_FOUND;
    if (rc == STORE_OK && !engine_may_see(e, who, &row))
        rc = STORE_NOT_FOUND;
    if (rc != STORE_OK) {
        application_release(&row);
        return from_store(rc);
    }
    *out = app_load(e, &row, now);
    return *out ? ENGINE_OK : ENGINE_ERROR;
}

struct listing_ctx {
    struct engine *e;
    int64_t now;
    void (*fn)(const struct app *a, void *ctx);
    void *ctx;
    bool failed;
};

static void list_one(const struct application *row, void *ctx)
{
    struct listing_ctx *l = ctx;
    struct application copy = *row;
    /* The store releases its row after this call: load a copy of its text. */
    copy.applicant_name = row->applicant_name ? strdup(row->applicant_name) : NULL;
    copy.data_json = row->data_json ? strdup(row->data_json) : NULL;
    copy.facts_json = row->facts_json ? strdup(row->facts_json) : NULL;
    struct app *a = app_load(l->e, &copy, l->now);
    application_release(&copy);
    if (!a) {
        l->failed = true;
        return;
    }
    l->fn(a, l->ctx);
    app_free(a);
}

enum engine_rc engine_list(struct engine *e, const struct actor *who, struct app_filter *f,
                           int64_t now, void (*fn)(const struct app *a, void *ctx), void *ctx,
                           bool *more)
{
    switch (who->role) {
    case ROLE_APPLICANT:
        f->scope = SCOPE_ORGANISATION;
        f->scope_value = who->uscc ? who->uscc : "";
        break;
    case ROLE_DISTRICT_REVIEWER: {
        f->scope = SCOPE_UNIT;
        f->scope_value = who->unit ? who->unit : "";
        /* Only the kinds that have a district stage here. */
        size_t n = 0;
        for (size_t i = 0; kinds[i] && n < 4; i++)
            if (engine_kind_stages(e, kinds[i]) & STAGE_DISTRICT)
                f->kinds_in[n++] = kinds[i]->name;
        if (n == 0)
            f->kinds_in[0] = ""; /* none: a kind no application has */
        break;
    }
    case ROLE_MUNICIPAL_REVIEWER: {
        /* The kinds of its authority. */
        size_t n = 0;
        for (size_t i = 0; kinds[i] && n < 4; i++)
            if (who->authority && strcmp(kinds[i]->authority, who->authority) == 0)
                f->kinds_in[n++] = kinds[i]->name;
        f->scope = SCOPE_SUBMITTED;
        if (n == 0)
            f->kinds_in[0] = "";
        break;
    }
    case ROLE_AUDITOR:
    case ROLE_SYSTEM:
        f->scope = SCOPE_SUBMITTED;
        break;
    default:
        return ENGINE_FORBIDDEN;
    }
    struct listing_ctx l = {e, now, fn, ctx, false};
    enum store_rc rc = store_app_list(e->store, f, list_one, &l, more);
    if (rc != STORE_OK)
        return from_store(rc);
    return l.failed ? ENGINE_ERROR : ENGINE_OK;
}

/* ---- creation ----------------------------------------------------------------- */

void envelope_from_json(struct envelope *env, const json_t *body, const struct kind *k,
                        struct kind_data *data)
{
    const json_t *applicant = json_object_get(body, "applicant");
    memset(env, 0, sizeof *env);
    env->kind = k;
    env->round = (int)json_integer_value(json_object_get(body, "round"));
    env->review_unit = json_string_value(json_object_get(body, "review_unit"));
    env->applicant_name = json_string_value(json_object_get(applicant, "name"));
    env->applicant_uscc = json_string_value(json_object_get(applicant, "uscc"));
    env->data = *data;
    memset(data, 0, sizeof *data);
}

static void check_unit_and_uscc(struct engine *e, const struct actor *who, const char *unit_id,
                                const char *uscc, const struct kind *k, struct spec_errors *errs)
{
    if (uscc && who->uscc && uscc_valid(uscc) && strcmp(uscc, who->uscc) != 0)
        spec_errors_add(errs, "/applicant/uscc", "must be the USCC of your organisation (%s)",
                        who->uscc);
    if (!unit_id)
        return;
    struct unit u;
    if (store_unit_get(e->store, unit_id, &u) != STORE_OK)
        spec_errors_add(errs, "/review_unit", "no such review unit; see GET /v1/review-units");
    else if (k && !k->enterprise_units && (strcmp(u.kind, "soe") == 0 || strcmp(u.kind, "hq") == 0))
        spec_errors_add(errs, "/review_unit",
                        "an enterprise review unit reviews only first_store applications; "
                        "choose the district or etdz");
}

void engine_check_envelope(struct engine *e, const struct actor *who, const json_t *body,
                           const struct kind *k, struct spec_errors *errs)
{
    const json_t *applicant = json_object_get(body, "applicant");
    check_unit_and_uscc(e, who, json_string_value(json_object_get(body, "review_unit")),
                        json_string_value(json_object_get(applicant, "uscc")), k, errs);
}

void envelope_check_unit(struct engine *e, const struct actor *who, const struct envelope *env,
                         struct outcome *o)
{
    check_unit_and_uscc(e, who, env->review_unit, env->applicant_uscc, env->kind, &o->errs);
}

struct creation {
    struct application *row;
    struct event_draft *event;
};

static enum store_rc tx_create(struct store_tx *tx, void *ctx)
{
    struct creation *cr = ctx;
    enum store_rc rc = store_app_insert(tx, cr->row);
    if (rc == STORE_OK)
        rc = event_draft_append(tx, cr->event, cr->row->id, NULL);
    return rc;
}

enum engine_rc engine_create(struct engine *e, const struct actor *who, struct envelope *env,
                             int64_t now, struct outcome *out)
{
    if (who->role != ROLE_APPLICANT)
        return outcome_set(out, ENGINE_FORBIDDEN, "only an applicant creates applications");
    envelope_check_unit(e, who, env, out);
    if (out->errs.count > 0)
        return outcome_invalid(out);

    struct app *a = calloc(1, sizeof *a);
    if (!a)
        return outcome_set(out, ENGINE_ERROR, "out of memory");
    struct application *row = &a->row;
    snprintf(row->kind, sizeof row->kind, "%s", env->kind->name);
    row->round = env->round;
    snprintf(row->review_unit, sizeof row->review_unit, "%s", env->review_unit);
    snprintf(row->applicant_uscc, sizeof row->applicant_uscc, "%s", env->applicant_uscc);
    row->applicant_name = strdup(env->applicant_name);
    /* The canonical text, written once, from the document parsed once. */
    row->data_json = json_dumps(env->data.json, JSON_COMPACT | JSON_SORT_KEYS);
    snprintf(row->status, sizeof row->status, "draft");
    row->version = 1;
    row->created_by = who->account;
    clock_format_rfc3339(now, row->created_at);
    memcpy(row->updated_at, row->created_at, sizeof row->updated_at);
    a->kind = env->kind;
    a->data = env->data;
    memset(&env->data, 0, sizeof env->data);
    a->facts = json_object();
    if (!row->applicant_name || !row->data_json || !a->facts) {
        app_free(a);
        return outcome_set(out, ENGINE_ERROR, "out of memory");
    }

    /* Everything but the row's id and the log's head is known now: only
     * those are left for the transaction. */
    struct event_draft event = {0};
    if (event_draft_make(&event, who, row, "create", NULL, NULL, NULL) != 0) {
        event_draft_release(&event);
        app_free(a);
        return outcome_set(out, ENGINE_ERROR, "out of memory");
    }
    struct creation cr = {row, &event};
    enum store_rc rc = store_write_log(e->store, tx_create, &cr);
    event_draft_release(&event);
    if (rc != STORE_OK) {
        app_free(a);
        return outcome_set(out, from_store(rc) == ENGINE_REFUSED ? ENGINE_ERROR : from_store(rc),
                           "the database could not store the application");
    }
    a->stages = app_stages(e, a);
    app_evaluate(a, now);
    out->app = a;
    return out->rc = ENGINE_OK;
}

/* ---- the runner ---------------------------------------------------------------- */

enum engine_rc refuse_in_status(struct change *c, const char *what)
{
    const char *acts[16];
    struct app *a = c->app;
    workflow_actions(a->row.status, c->who->role, a->stages, acts, 16);
    json_t *list = json_array();
    for (size_t i = 0; acts[i]; i++)
        json_array_append_new(list, json_string(acts[i]));
    outcome_extra(c->out, "current_status", json_string(a->row.status));
    outcome_extra(c->out, "allowed_actions", list);
    return outcome_set(c->out, ENGINE_REFUSED, "cannot %s an application that is %s", what,
                       a->row.status);
}

/* Releases what phase 1 prepared, for another attempt or the end. */
void change_reset(struct change *c)
{
    app_free(c->app);
    application_release(&c->next);
    json_decref(c->next_facts);
    kind_data_release(&c->next_data);
    json_decref(c->details);
    json_decref(c->certificate);
    event_draft_release(&c->event);
    struct engine *e = c->e;
    const struct actor *who = c->who;
    const char *action = c->action;
    const void *input = c->input;
    int64_t if_match = c->if_match, now = c->now;
    struct outcome *out = c->out;
    memset(c, 0, sizeof *c);
    c->e = e;
    c->who = who;
    c->action = action;
    c->input = input;
    c->if_match = if_match;
    c->now = now;
    c->out = out;
    clock_format_rfc3339(now, c->now_text);
}

static char *dup_or_null(const char *s)
{
    return s ? strdup(s) : NULL;
}

/* Phase 1: everything that needs no lock.  c->app is loaded. */
static enum engine_rc change_prepare(struct change *c)
{
    struct app *a = c->app;
    struct outcome *out = c->out;
    if (!engine_may_see(c->e, c->who, &a->row))
        return outcome_set(out, ENGINE_NOT_FOUND, "no application %lld", (long long)a->row.id);
    if (c->if_match && c->if_match != a->row.version)
        return outcome_set(out, ENGINE_STALE, "the application is at version %lld, not %lld",
                           (long long)a->row.version, (long long)c->if_match);

    c->def = action_find(c->action);
    if (strcmp(c->action, "edit") != 0) {
        c->t = workflow_find(a->row.status, c->action, a->stages);
        if (!c->t)
            return refuse_in_status(c, c->action);
        if (c->t->who != c->who->role)
            return outcome_set(out, ENGINE_FORBIDDEN, "a %s may not %s", role_name(c->who->role),
                               c->action);
    }

    /* The row to write starts as the row read, with copies of its text. */
    c->next = a->row;
    c->next.applicant_name = dup_or_null(a->row.applicant_name);
    c->next.data_json = dup_or_null(a->row.data_json);
    c->next.facts_json = NULL; /* unchanged unless next_facts says otherwise */
    if (!c->next.applicant_name || !c->next.data_json)
        return outcome_set(out, ENGINE_ERROR, "out of memory");
    if (c->t)
        snprintf(c->next.status, sizeof c->next.status, "%s", c->t->to);
    memcpy(c->next.updated_at, c->now_text, sizeof c->next.updated_at);
    c->elig = a->elig;
    c->award = a->award;

    /* What the guards look at that the application alone decides. */
    c->facts.eligible = eligibility_all_passed(&a->elig);
    for (size_t i = 0; i < a->elig.n; i++)
        if (!a->elig.checks[i].passed) {
            size_t used = strlen(c->failed_checks);
            snprintf(c->failed_checks + used, sizeof c->failed_checks - used, "%s%s",
                     used ? ", " : "", a->elig.checks[i].id);
        }
    c->facts.failed_checks = c->failed_checks;

    enum engine_rc rc = c->def && c->def->prepare ? c->def->prepare(c) : ENGINE_OK;
    if (rc != ENGINE_OK)
        return rc;
    if (c->t) {
        struct guard_result g;
        enum guard_verdict v = workflow_check(c->t, &c->facts, &g);
        if (v == GUARD_CONFLICT) {
            snprintf(out->rule, sizeof out->rule, "%s", g.detail);
            return outcome_set(out, ENGINE_REFUSED, "cannot %s: %s", c->action, g.detail);
        }
        if (v == GUARD_INVALID)
            spec_errors_add(&out->errs, g.pointer, "%s", g.detail);
    }
    if (out->errs.count > 0)
        return outcome_invalid(out);
    if (c->t && c->t->issues && (rc = certificate_prepare(c)) != ENGINE_OK)
        return rc;
    if (c->next_facts) {
        c->next.facts_json = json_dumps(c->next_facts, JSON_COMPACT | JSON_SORT_KEYS);
        if (!c->next.facts_json)
            return outcome_set(out, ENGINE_ERROR, "out of memory");
    }
    if (history_prepare(c) != 0)
        return outcome_set(out, ENGINE_ERROR, "out of memory");
    return ENGINE_OK;
}

/* Clears an outcome's refusal for another attempt. */
static void outcome_clear(struct outcome *o)
{
    spec_errors_release(&o->errs);
    spec_errors_init(&o->errs);
    json_decref(o->extra);
    o->extra = NULL;
    o->reason[0] = '\0';
    o->reason_zh[0] = '\0';
    o->rule[0] = '\0';
    o->retry_after = 0;
    o->rc = ENGINE_OK;
}

/* Phase 2, in the transaction.  A refusal rolls the transaction back
 * (STORE_CONFLICT with c->out set); so does c->retry.
 *
 * It may run more than once: on PostgreSQL a transaction that met a
 * serialization failure runs again whole.  So it starts each run from
 * what phase 1 left (the outcome is clear after a successful phase 1, and
 * what an earlier run set is cleared), and the hooks replace what they
 * make rather than add to it. */
static enum store_rc change_commit(struct store_tx *tx, struct change *c)
{
    struct outcome *out = c->out;
    if (c->runs++ > 0)
        outcome_clear(out);
    c->retry = false;
    c->made_id = 0;
    c->facts.barred_until = NULL;
    if (c->def && c->def->check && c->def->check(tx, c) != ENGINE_OK)
        return out->rc == ENGINE_ERROR ? STORE_ERROR : STORE_CONFLICT;
    if (c->t) {
        struct guard_result g;
        enum guard_verdict v = workflow_check(c->t, &c->facts, &g);
        if (v == GUARD_CONFLICT) {
            snprintf(out->rule, sizeof out->rule, "%s", g.detail);
            outcome_set(out, ENGINE_REFUSED, "cannot %s: %s", c->action, g.detail);
            return STORE_CONFLICT;
        }
        if (v == GUARD_INVALID) {
            spec_errors_add(&out->errs, g.pointer, "%s", g.detail);
            outcome_invalid(out);
            return STORE_CONFLICT;
        }
    }
    int64_t expected = c->app->row.version;
    enum store_rc rc;
    if (c->def && c->def->keeps_version) {
        int64_t now_at = 0;
        c->next.version = expected;
        rc = store_app_version_tx(tx, c->app->row.id, &now_at);
        if (rc == STORE_OK && now_at != expected)
            rc = STORE_CONFLICT;
    } else {
        c->next.version = expected + 1;
        rc = store_app_update(tx, &c->next, expected);
    }
    if (rc == STORE_CONFLICT) {
        c->retry = true;
        return rc;
    }
    if (rc != STORE_OK) {
        outcome_set(out, from_store(rc), "the database could not store the change");
        return rc;
    }
    if (c->def && c->def->before_event && c->def->before_event(tx, c) != ENGINE_OK)
        return out->rc == ENGINE_ERROR ? STORE_ERROR : STORE_CONFLICT;
    rc = history_record(tx, c);
    if (rc == STORE_OK && c->t && c->t->issues && certificate_issue(tx, c) != ENGINE_OK)
        return STORE_ERROR;
    if (rc != STORE_OK)
        outcome_set(out, ENGINE_ERROR, "the database could not record the event");
    return rc;
}

static enum store_rc tx_commit(struct store_tx *tx, void *ctx)
{
    return change_commit(tx, ctx);
}

/* The application as the change left it, for the answer: the new row and
 * facts, the data parsed in phase 1, the rules run again where what they
 * read changed. */
static void change_finish(struct change *c)
{
    struct app *a = c->app;
    application_release(&a->row);
    a->row = c->next;
    memset(&c->next, 0, sizeof c->next);
    if (!a->row.facts_json)
        a->row.facts_json = NULL;
    if (c->next_facts) {
        json_decref(a->facts);
        a->facts = c->next_facts;
        c->next_facts = NULL;
    }
    if (c->data_changed) {
        kind_data_release(&a->data);
        a->data = c->next_data;
        memset(&c->next_data, 0, sizeof c->next_data);
    }
    a->stages = app_stages(c->e, a);
    app_evaluate(a, c->now);
    c->out->app = a;
    c->out->id = c->made_id;
    c->app = NULL;
    c->out->rc = ENGINE_OK;
}

enum engine_rc engine_act(struct engine *e, const struct actor *who, int64_t id, const char *action,
                          const void *input, int64_t if_match, int64_t now, struct outcome *out)
{
    struct change c = {.e = e,
                       .who = who,
                       .action = action,
                       .input = input,
                       .if_match = if_match,
                       .now = now,
                       .out = out};
    clock_format_rfc3339(now, c.now_text);
    enum engine_rc rc = ENGINE_ERROR;
    for (int attempt = 0; attempt < CHANGE_ATTEMPTS; attempt++) {
        struct application row = {0};
        enum store_rc src = id > 0 ? store_app_get(e->store, id, &row) : STORE_NOT_FOUND;
        if (src != STORE_OK) {
            application_release(&row);
            rc = src == STORE_NOT_FOUND
                     ? outcome_set(out, ENGINE_NOT_FOUND, "no application %lld", (long long)id)
                     : outcome_set(out, ENGINE_ERROR, "the database could not be read");
            break;
        }
        c.app = app_load(e, &row, now);
        if (!c.app) {
            rc = outcome_set(out, ENGINE_ERROR, "the application could not be read");
            break;
        }
        rc = change_prepare(&c);
        if (rc != ENGINE_OK)
            break;
        src = store_write_log(e->store, tx_commit, &c);
        if (src == STORE_OK) {
            change_finish(&c);
            rc = ENGINE_OK;
            break;
        }
        if (!c.retry) {
            rc = out->rc != ENGINE_OK
                     ? out->rc
                     : outcome_set(out, ENGINE_ERROR, "the database could not store the change");
            break;
        }
        /* Another change came between our phases: read it and start over. */
        outcome_clear(out);
        change_reset(&c);
        rc = outcome_set(out, ENGINE_REFUSED,
                         "the application keeps changing under this request; read it again");
    }
    change_reset(&c);
    app_free(c.app);
    return rc;
}

enum engine_rc change_run_tx(struct store_tx *tx, struct change *c, int64_t id)
{
    struct application row = {0};
    enum store_rc src = store_app_get_tx(tx, id, &row);
    if (src != STORE_OK) {
        application_release(&row);
        return src == STORE_NOT_FOUND
                   ? outcome_set(c->out, ENGINE_NOT_FOUND, "no application %lld", (long long)id)
                   : outcome_set(c->out, ENGINE_ERROR, "the database could not be read");
    }
    clock_format_rfc3339(c->now, c->now_text);
    c->app = app_load(c->e, &row, c->now);
    if (!c->app)
        return outcome_set(c->out, ENGINE_ERROR, "the application could not be read");
    enum engine_rc rc = change_prepare(c);
    if (rc != ENGINE_OK)
        return rc;
    if (change_commit(tx, c) != STORE_OK)
        return c->out->rc != ENGINE_OK
                   ? c->out->rc
                   : outcome_set(c->out, ENGINE_ERROR, "the database could not store the change");
    change_finish(c);
    return ENGINE_OK;
}

enum engine_rc engine_review(struct engine *e, const struct actor *who, int64_t id,
                             const struct review_input *in, int64_t if_match, int64_t now,
                             struct outcome *out)
{
    unsigned stage_role =
        strcmp(in->stage, "district") == 0 ? ROLE_DISTRICT_REVIEWER : ROLE_MUNICIPAL_REVIEWER;
    if (who->role != stage_role)
        return outcome_set(out, ENGINE_FORBIDDEN, "the %s stage is for %s reviewers", in->stage,
                           in->stage);
    char action[40];
    snprintf(action, sizeof action, "%s_%s", in->stage, in->decision);
    return engine_act(e, who, id, action, in, if_match, now, out);
}

enum engine_rc engine_object(struct engine *e, const struct actor *who, int64_t id,
                             const struct objection_input *in, int64_t now, struct outcome *out)
{
    return engine_act(e, who, id, "objection_filed", in, 0, now, out);
}
