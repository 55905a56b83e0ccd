/*
 * The reviewer's desk: rounds and their windows, statistics, opinion
 * templates and the stage records of a reviewer's last approval.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "date.h"
#include "engine_impl.h"
#include "jsontext.h"

/* ---- rounds ------------------------------------------------------------------ */

static const struct field_spec window_fields[] = {
    {.name = "opens_on", .type = SPEC_DATE, .required = true, .title_en = "Opens on"},
    {.name = "closes_on", .type = SPEC_DATE, .required = true, .title_en = "Closes on"},
    {.name = NULL},
};

/* Sets a window in one transaction. */
static enum store_rc tx_round(struct store_tx *tx, void *ctx)
{
    return store_round_put(tx, ctx);
}

static bool window_from_row(const struct round_row *r, struct round_window *w)
{
    memset(w, 0, sizeof *w);
    w->kind = kind_find(r->kind);
    w->round = r->round;
    w->set_by = r->set_by;
    snprintf(w->set_at, sizeof w->set_at, "%s", r->set_at);
    return w->kind && date_parse(r->opens_on, &w->opens_on) &&
           date_parse(r->closes_on, &w->closes_on);
}

json_t *round_window_to_json(const struct round_window *w, int64_t now)
{
    char opens[DATE_TEXT_LEN], closes[DATE_TEXT_LEN];
    sb_day today = date_of_unix(now);
    date_format(w->opens_on, opens);
    date_format(w->closes_on, closes);
    const char *state = today < w->opens_on ? "not_open" : today > w->closes_on ? "closed" : "open";
    return json_pack("{s:s, s:i, s:s, s:s, s:b, s:s, s:I, s:s}", "kind", w->kind->name, "round",
                     w->round, "opens_on", opens, "closes_on", closes, "open",
                     today >= w->opens_on && today <= w->closes_on, "state", state, "set_by",
                     (json_int_t)w->set_by, "set_at", w->set_at);
}

enum engine_rc engine_round_set(struct engine *e, const struct actor *who, const struct kind *kind,
                                int round, const json_t *body, int64_t now, struct outcome *out)
{
    /* An administrator, or the authority that owns the kind. */
    if (who->role != ROLE_ADMIN && !(who->role == ROLE_MUNICIPAL_REVIEWER && who->authority &&
                                     strcmp(who->authority, kind->authority) == 0))
        return outcome_set(out, ENGINE_FORBIDDEN,
                           "only an administrator or the authority of %s (%s) sets its rounds",
                           kind->name, kind->authority);
    spec_validate(window_fields, body, "", &out->errs);
    struct round_row r = {.round = round, .set_by = who->account};
    snprintf(r.kind, sizeof r.kind, "%s", kind->name);
    sb_day opens = 0, closes = 0;
    if (out->errs.count == 0) {
        snprintf(r.opens_on, sizeof r.opens_on, "%s",
                 json_string_value(json_object_get(body, "opens_on")));
        snprintf(r.closes_on, sizeof r.closes_on, "%s",
                 json_string_value(json_object_get(body, "closes_on")));
        if (date_parse(r.opens_on, &opens) && date_parse(r.closes_on, &closes) && closes < opens)
            spec_errors_add(&out->errs, "/closes_on", "must not be before opens_on (%s)",
                            r.opens_on);
    }
    if (out->errs.count > 0)
        return outcome_invalid(out);
    clock_format_rfc3339(now, r.set_at);
    enum store_rc rc = store_write(e->store, tx_round, &r);
    if (rc != STORE_OK)
        return outcome_set(out, ENGINE_ERROR, "the database could not store the round");
    struct round_window w;
    window_from_row(&r, &w);
    out->extra = round_window_to_json(&w, now);
    return out->rc = ENGINE_OK;
}

struct rounds_walk {
    void (*fn)(const struct round_window *w, void *ctx);
    void *ctx;
};

static void round_one(const struct round_row *r, void *ctx)
{
    struct rounds_walk *w = ctx;
    struct round_window win;
    /* A window of a kind this binary does not know is not shown. */
    if (window_from_row(r, &win))
        w->fn(&win, w->ctx);
}

enum engine_rc engine_rounds(struct engine *e, void (*fn)(const struct round_window *w, void *ctx),
                             void *ctx)
{
    struct rounds_walk w = {fn, ctx};
    return store_rounds_each(e->store, round_one, &w) == STORE_OK ? ENGINE_OK : ENGINE_ERROR;
}

/* ---- statistics ------------------------------------------------------------------ */

struct stats {
    json_t *all;    /* {count, by_status: {status: count}, proposed_fen, granted_fen, refund_fen} */
    json_t *groups; /* the same per "unit\x1fkind", with review_unit and kind */
    bool failed;
};

/* Whether a decision on an application is still to come: its proposal is
 * what the statistics call proposed (RULES.md §5: a total never adds a
 * proposal to a grant). */
static bool pending(const char *status)
{
    return strcmp(status, "district_review") == 0 || strcmp(status, "municipal_review") == 0 ||
           strcmp(status, "public_notice") == 0 || strcmp(status, "returned") == 0;
}

static void tally_add(json_t *group, const struct app *a)
{
    const struct application *r = &a->row;
    json_t *by = json_object_get(group, "by_status");
    json_object_set_new(by, r->status,
                        json_integer(json_integer_value(json_object_get(by, r->status)) + 1));
    const char *keys[] = {"count", "proposed_fen", "granted_fen", "refund_fen"};
    int64_t add[] = {1, pending(r->status) ? a->award.total_fen : 0,
                     r->granted_fen > 0 ? r->granted_fen : 0,
                     r->refund_fen > 0 ? r->refund_fen : 0};
    for (int i = 0; i < 4; i++)
        json_object_set_new(
            group, keys[i],
            json_integer(json_integer_value(json_object_get(group, keys[i])) + add[i]));
}

static json_t *group_new(const char *unit, const char *kind)
{
    json_t *g =
        json_pack("{s:I, s:{}, s:I, s:I, s:I}", "count", (json_int_t)0, "by_status", "proposed_fen",
                  (json_int_t)0, "granted_fen", (json_int_t)0, "refund_fen", (json_int_t)0);
    if (g && unit)
        json_object_set_new(g, "review_unit", json_string(unit));
    if (g && kind)
        json_object_set_new(g, "kind", json_string(kind));
    return g;
}

static void stats_one(const struct app *a, void *ctx)
{
    struct stats *st = ctx;
    char key[UNIT_ID_LEN + 32];
    snprintf(key, sizeof key, "%s\x1f%s", a->row.review_unit, a->row.kind);
    json_t *g = json_object_get(st->groups, key);
    if (!g) {
        g = group_new(a->row.review_unit, a->row.kind);
        if (!g || json_object_set_new(st->groups, key, g) != 0) {
            st->failed = true;
            return;
        }
    }
    tally_add(g, a);
    tally_add(st->all, a);
}

static int by_key(const void *x, const void *y)
{
    return strcmp(*(const char *const *)x, *(const char *const *)y);
}

enum engine_rc engine_statistics(struct engine *e, const struct actor *who, int round,
                                 const struct kind *kind, int64_t now, struct outcome *out)
{
    if (who->role != ROLE_DISTRICT_REVIEWER && who->role != ROLE_MUNICIPAL_REVIEWER &&
        who->role != ROLE_AUDITOR)
        return outcome_set(out, ENGINE_FORBIDDEN, "statistics are for reviewers and auditors");
    struct stats st = {.groups = json_object()};
    /* all.by_status holds the totals as a group of its own. */
    st.all = group_new(NULL, NULL);
    struct app_filter f = {.round = round, .kind = kind ? kind->name : NULL, .limit = 200};
    enum engine_rc rc =
        st.groups && st.all ? engine_each(e, who, &f, now, stats_one, &st) : ENGINE_ERROR;
    if (rc != ENGINE_OK || st.failed) {
        json_decref(st.groups);
        json_decref(st.all);
        return outcome_set(out, rc == ENGINE_OK ? ENGINE_ERROR : rc,
                           "the statistics could not be computed");
    }
    /* The groups by review unit, then kind. */
    size_t n = json_object_size(st.groups), i = 0;
    const char **keys = calloc(n ? n : 1, sizeof *keys);
    const char *key;
    json_t *value, *groups = json_array();
    json_object_foreach(st.groups, key, value)
    {
        if (keys)
            keys[i++] = key;
    }
    if (keys)
        qsort(keys, n, sizeof *keys, by_key);
    for (i = 0; keys && i < n; i++)
        json_array_append(groups, json_object_get(st.groups, keys[i]));
    free(keys);
    json_t *doc = st.all; /* count, by_status and the sums */
    json_object_set_new(doc, "round", round ? json_integer(round) : json_null());
    json_object_set_new(doc, "kind", kind ? json_string(kind->name) : json_null());
    json_object_set_new(doc, "by_unit_kind", groups);
    json_decref(st.groups);
    out->extra = doc;
    return out->rc = ENGINE_OK;
}

/* ---- opinion templates ------------------------------------------------------------- */

#define TEMPLATES_PER_ACCOUNT 100

static bool staff(const struct actor *who)
{
    return who->role == ROLE_DISTRICT_REVIEWER || who->role == ROLE_MUNICIPAL_REVIEWER;
}

enum engine_rc engine_templates(struct engine *e, const struct actor *who,
                                void (*fn)(const struct opinion_template *t, void *ctx), void *ctx)
{
    if (!staff(who))
        return ENGINE_FORBIDDEN;
    return store_templates_of(e->store, who->account, fn, ctx) == STORE_OK ? ENGINE_OK
                                                                           : ENGINE_ERROR;
}

struct template_add {
    struct opinion_template t;
    bool full;
};

static enum store_rc tx_template(struct store_tx *tx, void *ctx)
{
    struct template_add *x = ctx;
    int64_t n = 0;
    enum store_rc rc = store_templates_count(tx, x->t.account_id, &n);
    if (rc != STORE_OK)
        return rc;
    if (n >= TEMPLATES_PER_ACCOUNT) {
        x->full = true;
        return STORE_CONFLICT;
    }
    return store_template_add(tx, &x->t);
}

enum engine_rc engine_template_add(struct engine *e, const struct actor *who, const json_t *body,
                                   int64_t now, struct outcome *out)
{
    static const struct field_spec fields[] = {
        {.name = "title", .type = SPEC_STRING, .required = true, .min = 1, .max = 100},
        {.name = "text", .type = SPEC_TEXT, .required = true, .min = 1, .max = 4000},
        {.name = NULL},
    };
    if (!staff(who))
        return outcome_set(out, ENGINE_FORBIDDEN, "opinion templates are for reviewers");
    spec_validate(fields, body, "", &out->errs);
    if (out->errs.count > 0)
        return outcome_invalid(out);
    char at[RFC3339_LEN];
    clock_format_rfc3339(now, at);
    struct template_add x = {.t = {
                                 .account_id = who->account,
                                 .title = json_string_value(json_object_get(body, "title")),
                                 .text = json_string_value(json_object_get(body, "text")),
                                 .created_at = at,
                             }};
    enum store_rc rc = store_write(e->store, tx_template, &x);
    if (x.full)
        return outcome_set(out, ENGINE_REFUSED, "an account keeps at most %d opinion templates",
                           TEMPLATES_PER_ACCOUNT);
    if (rc != STORE_OK)
        return outcome_set(out, ENGINE_ERROR, "the database could not store the template");
    out->id = x.t.id;
    out->extra = json_pack("{s:I, s:s, s:s, s:s}", "id", (json_int_t)x.t.id, "title", x.t.title,
                           "text", x.t.text, "created_at", at);
    return out->rc = ENGINE_OK;
}

struct template_delete {
    int64_t account, id;
};

static enum store_rc tx_template_delete(struct store_tx *tx, void *ctx)
{
    struct template_delete *d = ctx;
    return store_template_delete(tx, d->account, d->id);
}

enum engine_rc engine_template_delete(struct engine *e, const struct actor *who, int64_t id,
                                      struct outcome *out)
{
    if (!staff(who))
        return outcome_set(out, ENGINE_FORBIDDEN, "opinion templates are for reviewers");
    struct template_delete d = {who->account, id};
    enum store_rc rc = id > 0 ? store_write(e->store, tx_template_delete, &d) : STORE_NOT_FOUND;
    if (rc == STORE_NOT_FOUND)
        return outcome_set(out, ENGINE_NOT_FOUND, "no opinion template %lld of yours",
                           (long long)id);
    if (rc != STORE_OK)
        return outcome_set(out, ENGINE_ERROR, "the database could not delete the template");
    return out->rc = ENGINE_OK;
}

/* ---- the last approval's records --------------------------------------------------- */

enum engine_rc engine_last_review(struct engine *e, const struct actor *who,
                                  const struct kind *kind, struct outcome *out)
{
    if (!staff(who))
        return outcome_set(out, ENGINE_FORBIDDEN, "only reviewers approve");
    int64_t app = 0;
    char at[40], action[40];
    char *text = NULL;
    enum store_rc rc = store_last_approval(e->store, who->account, kind->name, &app, at, sizeof at,
                                           action, sizeof action, &text);
    if (rc == STORE_NOT_FOUND) {
        /* None yet: nothing to fill in, which is no error for a form. */
        out->extra = json_pack("{s:n, s:n, s:n, s:{}}", "application_id", "at", "stage", "records");
        return out->rc = ENGINE_OK;
    }
    if (rc != STORE_OK)
        return outcome_set(out, ENGINE_ERROR, "the database could not be read");
    json_t *details = parse_json0(text, 0, NULL);
    free(text);
    bool municipal = strncmp(action, "municipal", 9) == 0;
    const struct field_spec *records = municipal ? kind->municipal_records : kind->district_records;
    json_t *kept = json_object();
    for (size_t i = 0; records && records[i].name; i++) {
        json_t *v = json_object_get(details, records[i].name);
        if (v)
            json_object_set(kept, records[i].name, v);
    }
    json_decref(details);
    out->extra = json_pack("{s:I, s:s, s:s, s:o}", "application_id", (json_int_t)app, "at", at,
                           "stage", municipal ? "municipal" : "district", "records", kept);
    return out->rc = ENGINE_OK;
}
