/*
 * The public notice (公示, RULES.md §1): the public list, objections and
 * their resolution, and the end of the notice on the server's clock.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "date.h"
#include "kinds.h"
#include "notice.h"
#include "ratelimit.h"
#include "rules.h"
#include "spec.h"

/* The notice dates an application's municipal approval fixed. */
static bool notice_dates(const struct application *a, sb_day *starts, sb_day *ends)
{
    json_t *facts = json_loads(a->facts_json ? a->facts_json : "{}", 0, NULL);
    json_t *n = json_object_get(facts, "notice");
    const char *s = json_string_value(json_object_get(n, "starts_on"));
    const char *e = json_string_value(json_object_get(n, "ends_on"));
    bool ok = s && e && date_parse(s, starts) && date_parse(e, ends);
    json_decref(facts);
    return ok;
}

/* Under notice at `now`: published, begun, and not past 24:00 of its last
 * day. */
static bool under_notice(const struct application *a, int64_t now)
{
    sb_day starts, ends;
    return strcmp(a->status, "public_notice") == 0 && notice_dates(a, &starts, &ends) &&
           notice_running(starts, ends, now);
}

/* What the public sees: who, what kind, what is proposed, the dates.  No
 * contact data, no figures beyond the proposed result.  NULL only when
 * memory runs out. */
static json_t *notice_to_json(const struct application *a)
{
    const struct kind *k = kind_find(a->kind);
    struct kind_data data;
    struct eligibility elig;
    struct award award;
    app_data_parse(a, &data);
    app_evaluate(a, &data, &elig, &award);
    kind_data_release(&data);
    sb_day starts = 0, ends = 0;
    notice_dates(a, &starts, &ends);
    char s[DATE_TEXT_LEN], e[DATE_TEXT_LEN];
    date_format(starts, s);
    date_format(ends, e);
    json_t *proposed = json_pack("{s:s, s:s}", "title_zh", k ? k->issued_zh : "", "title_en",
                                 k ? k->issued_en : "");
    if (k && k->valid_years > 0)
        json_object_set_new(proposed, "valid_years", json_integer(k->valid_years));
    else
        json_object_set_new(proposed, "amount_fen", json_integer(award.total_fen));
    return json_pack("{s:I, s:s, s:s, s:o, s:s, s:s}", "id", (json_int_t)a->id, "kind", a->kind,
                     "holder", a->applicant_name, "proposed", proposed, "starts_on", s, "ends_on",
                     e);
}

struct notice_list {
    struct listing items;
    int64_t last_id; /* of the last application looked at, for the next page */
};

/* Listed exactly while objections are taken: from the first day to 24:00
 * of the last, even before the clock's next tick has approved it. */
static void add_if_under_notice(const struct application *a, void *ctx)
{
    struct notice_list *l = ctx;
    l->last_id = a->id;
    if (under_notice(a, clock_now()))
        listing_add(&l->items, notice_to_json(a));
}

void api_notices_list(struct request *r)
{
    struct app_filter f = {.scope = SCOPE_SUBMITTED, .status = "public_notice", .limit = 200};
    struct notice_list l;
    listing_init(&l.items);
    bool more = true;
    enum store_rc rc = STORE_OK;
    while (more && rc == STORE_OK) {
        l.last_id = 0;
        rc = store_app_list(r->srv->store, &f, add_if_under_notice, &l, &more);
        if (l.last_id == 0)
            break;
        f.before_id = l.last_id;
    }
    listing_reply(r, &l.items, rc);
}

/* ---- objections ----------------------------------------------------------- */

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

/* NULL only when memory runs out. */
static json_t *objection_to_json(const struct objection *o)
{
    json_t *j =
        json_pack("{s:I, s:I, s:s, s:s, s:s, s:s, s:s}", "id", (json_int_t)o->id, "application_id",
                  (json_int_t)o->application_id, "name", o->name, "contact", o->contact, "reason",
                  o->reason, "filed_at", o->filed_at, "status", o->status);
    if (j && o->resolved_at[0]) {
        json_object_set_new(j, "resolved_at", json_string(o->resolved_at));
        json_object_set_new(j, "resolved_by", json_integer(o->resolved_by));
        json_object_set_new(j, "opinion", o->opinion ? json_string(o->opinion) : json_null());
    }
    return j;
}

/* The Retry-After when an application has all the open objections it
 * takes: a reviewer may have resolved some within the hour. */
#define FULL_RETRY_S 3600

struct filing {
    struct request *r;
    int64_t app_id;
    struct objection o;
    char day_start[RFC3339_LEN]; /* 00:00 today in Beijing, as filed_at is written */
    enum { FILED, APPLICATION_FULL, ADDRESS_DONE } refused;
};

static enum store_rc tx_file(struct store_tx *tx, void *ctx)
{
    struct filing *f = ctx;
    const struct config *cfg = f->r->srv->cfg;
    struct application a = {0};
    int64_t filed_today = 0;
    int open = 0;
    enum store_rc rc = store_app_get_tx(tx, f->app_id, &a);
    if (rc == STORE_OK && !under_notice(&a, clock_now()))
        rc = STORE_NOT_FOUND;
    /* Counted in the transaction that adds one, so that objections filed
     * side by side cannot all slip under the caps. */
    if (rc == STORE_OK)
        rc = store_objections_from(tx, f->o.client_addr, f->day_start, &filed_today);
    if (rc == STORE_OK && filed_today >= cfg->objections_per_address_per_day) {
        f->refused = ADDRESS_DONE;
        rc = STORE_CONFLICT;
    }
    if (rc == STORE_OK)
        rc = store_objections_open(tx, f->app_id, &open);
    if (rc == STORE_OK && (unsigned)open >= cfg->objections_open_per_application) {
        f->refused = APPLICATION_FULL;
        rc = STORE_CONFLICT;
    }
    if (rc == STORE_OK)
        rc = store_objection_add(tx, &f->o);
    if (rc == STORE_OK) {
        /* The application does not change, but its history says so. */
        snprintf(a.updated_at, sizeof a.updated_at, "%s", f->o.filed_at);
        json_t *details = json_pack("{s:I}", "objection", (json_int_t)f->o.id);
        rc = history_record(tx, f->r, &a, "objection_filed", a.status, NULL, details, NULL);
        json_decref(details);
    }
    application_release(&a);
    return rc;
}

void api_objection_file(struct request *r)
{
    char *end;
    errno = 0;
    long long id = strtoll(r->params[0], &end, 10);
    if (errno || *end || id <= 0) {
        reply_problem(r, P_NOT_FOUND, "no application under notice with id %s", r->params[0]);
        return;
    }
    struct spec_errors errs;
    spec_errors_init(&errs);
    spec_validate(objection_fields, r->body_json, "", &errs);
    if (errs.count > 0) {
        reply_invalid(r, &errs);
        spec_errors_release(&errs);
        return;
    }
    spec_errors_release(&errs);
    static struct ratelimit per_address = RATELIMIT_INIT(60);
    unsigned retry;
    if (!ratelimit_take(&per_address, r->client_addr, clock_now(),
                        r->srv->cfg->objections_per_minute, &retry)) {
        reply_header(r, "Retry-After", "%u", retry);
        reply_problem(r, P_TOO_MANY,
                      "at most %u objections a minute from one address; try "
                      "again in %u s",
                      r->srv->cfg->objections_per_minute, retry);
        return;
    }

    struct filing f = {.r = r, .app_id = id};
    f.o.application_id = id;
    /* Borrowed from the body, whole: the objection is not released. */
    f.o.name = (char *)json_string_value(json_object_get(r->body_json, "name"));
    f.o.contact = (char *)json_string_value(json_object_get(r->body_json, "contact"));
    f.o.reason = (char *)json_string_value(json_object_get(r->body_json, "reason"));
    int64_t now = clock_now();
    clock_format_rfc3339(now, f.o.filed_at);
    snprintf(f.o.client_addr, sizeof f.o.client_addr, "%s", r->client_addr);
    /* Beijing keeps UTC+8 all year: its day starts at 16:00 UTC. */
    int64_t day_start = (int64_t)date_of_unix(now) * 86400 - 8 * 3600;
    clock_format_rfc3339(day_start, f.day_start);
    enum store_rc rc = store_write(r->srv->store, tx_file, &f);
    if (f.refused == ADDRESS_DONE) {
        unsigned wait = (unsigned)(day_start + 86400 - now);
        reply_header(r, "Retry-After", "%u", wait);
        reply_problem(r, P_TOO_MANY,
                      "at most %u objections a day from one address; try again tomorrow, "
                      "in %u s",
                      r->srv->cfg->objections_per_address_per_day, wait);
    } else if (f.refused == APPLICATION_FULL) {
        reply_header(r, "Retry-After", "%u", FULL_RETRY_S);
        reply_problem(r, P_TOO_MANY,
                      "application %lld has %u open objections, as many as it takes at once; "
                      "try again in %u s, when some may be resolved",
                      id, r->srv->cfg->objections_open_per_application, FULL_RETRY_S);
    } else if (rc == STORE_OK) {
        reply_header(r, "Location", "/v1/applications/%lld/objections/%lld", id, (long long)f.o.id);
        /* The objector gets the receipt; contact data stays with reviewers. */
        reply_json(r, 201,
                   json_pack("{s:I, s:I, s:s, s:s}", "id", (json_int_t)f.o.id, "application_id",
                             (json_int_t)id, "filed_at", f.o.filed_at, "status", "open"));
    } else if (rc == STORE_NOT_FOUND) {
        reply_problem(r, P_NOT_FOUND, "application %lld is not under public notice now", id);
    } else {
        reply_store_error(r, rc);
    }
}

static void add_objection(const struct objection *o, void *ctx)
{
    listing_add(ctx, objection_to_json(o));
}

void api_objections_list(struct request *r)
{
    struct application a = {0};
    if (app_load_visible(r, &a) != 0)
        return;
    struct listing l;
    listing_init(&l);
    enum store_rc rc = store_objections_of(r->srv->store, a.id, add_objection, &l);
    listing_reply(r, &l, rc);
    application_release(&a);
}

/* ---- resolution ------------------------------------------------------------ */

static const char *const outcomes[] = {"upheld", "dismissed", NULL};

static const struct field_spec resolution_fields[] = {
    {.name = "outcome", .type = SPEC_ENUM, .required = true, .enum_values = outcomes},
    {.name = "opinion", .type = SPEC_TEXT, .required = true, .min = 1, .max = 4000},
    {.name = NULL},
};

static enum store_rc apply_resolution(struct store_tx *tx, struct change *c)
{
    const json_t *body = c->ctx;
    char *end;
    errno = 0;
    long long oid = strtoll(c->r->params[1], &end, 10);
    struct objection o = {0};
    enum store_rc rc = STORE_NOT_FOUND;
    if (!errno && !*end && oid > 0)
        rc = store_objection_get_tx(tx, oid, &o);
    if (rc == STORE_OK && o.application_id != c->app.id)
        rc = STORE_NOT_FOUND;
    if (rc == STORE_NOT_FOUND) {
        rc = change_refuse(c, P_NOT_FOUND, "application %lld has no objection %s",
                           (long long)c->app.id, c->r->params[1]);
    } else if (rc == STORE_OK && strcmp(o.status, "open") != 0) {
        rc = change_refuse(c, P_CONFLICT, "objection %lld was already %s on %s", oid, o.status,
                           o.resolved_at);
    } else if (rc == STORE_OK) {
        const char *outcome = json_string_value(json_object_get(body, "outcome"));
        c->opinion = json_string_value(json_object_get(body, "opinion"));
        rc = store_objection_resolve(tx, oid, outcome, c->now, c->r->account.id, c->opinion);
        c->details = json_pack("{s:I, s:s}", "objection", (json_int_t)oid, "outcome", outcome);
    }
    objection_release(&o);
    return rc;
}

static enum store_rc gather_resolution(struct store_tx *tx, struct change *c, struct guard_facts *f)
{
    (void)tx;
    f->opinion = json_object_get(c->ctx, "opinion") != NULL;
    return STORE_OK;
}

void api_objection_resolve(struct request *r)
{
    struct spec_errors errs;
    spec_errors_init(&errs);
    spec_validate(resolution_fields, r->body_json, "", &errs);
    if (errs.count > 0) {
        reply_invalid(r, &errs);
        spec_errors_release(&errs);
        return;
    }
    spec_errors_release(&errs);
    const char *outcome = json_string_value(json_object_get(r->body_json, "outcome"));
    struct change c = {
        .action = strcmp(outcome, "upheld") == 0 ? "objection_upheld" : "objection_dismissed",
        .gather = gather_resolution,
        .apply = apply_resolution,
        .ctx = r->body_json,
    };
    change_run(r, &c);
}

/* ---- the end of the notice ------------------------------------------------- */

struct tick_run {
    const struct signing_key *key;
    int64_t now;
    void (*report)(const struct application *a, const char *what, void *ctx);
    void *ctx;
    int64_t *due; /* ids of applications whose notice has ended */
    size_t n, cap;
    int approved;
};

static bool collect_due(struct application *a, void *ctx)
{
    struct tick_run *t = ctx;
    sb_day starts, ends;
    if (!notice_dates(a, &starts, &ends) || !notice_over(ends, t->now))
        return true;
    if (t->n == t->cap) {
        size_t cap = t->cap ? t->cap * 2 : 16;
        int64_t *grown = realloc(t->due, cap * sizeof *grown);
        if (!grown)
            return false;
        t->due = grown;
        t->cap = cap;
    }
    t->due[t->n++] = a->id;
    return true;
}

/* The notice ended: approve, and issue what the kind issues, signed, citing
 * the approval's event, all in the caller's transaction. */
static enum store_rc approve(struct store_tx *tx, struct tick_run *t, struct application *a,
                             const struct transition *tr, const char *now)
{
    char serial[48];
    certificate_serial_new(serial, sizeof serial, a->round);
    json_t *facts = json_loads(a->facts_json ? a->facts_json : "{}", 0, NULL);
    if (!facts)
        facts = json_object();
    json_object_set_new(facts, "certificate_serial", json_string(serial));
    free(a->facts_json);
    a->facts_json = json_dumps(facts, JSON_COMPACT | JSON_SORT_KEYS);
    json_decref(facts);
    if (!a->facts_json)
        return STORE_ERROR;

    int64_t expected = a->version;
    snprintf(a->status, sizeof a->status, "%s", tr->to);
    a->version = expected + 1;
    snprintf(a->updated_at, sizeof a->updated_at, "%s", now);
    unsigned char hash[EVENT_HASH_LEN];
    json_t *details = json_pack("{s:s}", "certificate_serial", serial);
    enum store_rc rc = store_app_update(tx, a, expected);
    if (rc == STORE_OK)
        rc = history_record(tx, NULL, a, "notice_ended", "public_notice", NULL, details, hash);
    json_decref(details);
    if (rc == STORE_OK && certificate_issue(tx, t->key, a, hash, date_of_unix(t->now), serial) != 0)
        rc = STORE_ERROR;
    return rc;
}

static enum store_rc tx_tick(struct store_tx *tx, void *ctx)
{
    struct tick_run *t = ctx;
    enum store_rc rc = store_app_each_status_tx(tx, "public_notice", collect_due, t);
    char now[RFC3339_LEN];
    clock_format_rfc3339(t->now, now);
    for (size_t i = 0; i < t->n && rc == STORE_OK; i++) {
        struct application a = {0};
        struct guard_facts facts = {.notice_over = true};
        struct guard_result g;
        rc = store_app_get_tx(tx, t->due[i], &a);
        if (rc == STORE_OK)
            rc = store_objections_open(tx, a.id, &facts.open_objections);
        const struct transition *tr =
            rc == STORE_OK ? workflow_find(a.status, "notice_ended") : NULL;
        if (tr && workflow_check(tr, &facts, &g) != GUARD_PASS) {
            if (t->report)
                t->report(&a, g.detail, t->ctx);
        } else if (tr) {
            rc = approve(tx, t, &a, tr, now);
            if (rc == STORE_OK) {
                t->approved++;
                if (t->report)
                    t->report(&a, "approved", t->ctx);
            }
        }
        application_release(&a);
    }
    return rc;
}

int notices_tick(struct store *s, const struct signing_key *key, int64_t now,
                 void (*report)(const struct application *a, const char *what, void *ctx),
                 void *ctx)
{
    struct tick_run t = {.key = key, .now = now, .report = report, .ctx = ctx};
    if (!key)
        return -1;
    enum store_rc rc = store_write(s, tx_tick, &t);
    free(t.due);
    return rc == STORE_OK ? t.approved : -1;
}
