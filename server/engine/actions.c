/*
 * What each workflow action does besides the status the transition table
 * gives it: edits, submissions, reviews and their stage records,
 * objections and their resolution, the end of a notice, rankings and
 * revocations.  Each action has hooks for the runner's two phases
 * (engine_impl.h, struct action_def).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "date.h"
#include "engine_impl.h"
#include "log.h"
#include "notice.h"
#include "text.h"

/* ---- helpers ------------------------------------------------------------- */

/* The facts the change writes, made from the application's on first use. */
static json_t *next_facts(struct change *c)
{
    if (!c->next_facts)
        c->next_facts = json_deep_copy(c->app->facts);
    if (!c->next_facts)
        c->next_facts = json_object();
    return c->next_facts;
}

/* The notice dates a municipal approval fixed. */
static bool notice_dates(const json_t *facts, sb_day *starts, sb_day *ends)
{
    json_t *n = json_object_get(facts, "notice");
    const char *s = json_string_value(json_object_get(n, "starts_on"));
    const char *e = json_string_value(json_object_get(n, "ends_on"));
    return s && e && date_parse(s, starts) && date_parse(e, ends);
}

static enum engine_rc db_failed(struct change *c)
{
    return outcome_set(c->out, ENGINE_ERROR, "the database could not complete the change");
}

/* ---- edit ------------------------------------------------------------------ */

/* PUT: a draft or a returned application takes a new envelope; what
 * identifies it (kind, round, applicant) stays. */
static enum engine_rc prepare_edit(struct change *c)
{
    struct envelope *env = (struct envelope *)c->input;
    struct application *row = &c->app->row;
    struct outcome *out = c->out;
    if (strcmp(row->status, "draft") != 0 && strcmp(row->status, "returned") != 0)
        return refuse_in_status(c, "edit");
    if (c->who->role != ROLE_APPLICANT)
        return outcome_set(out, ENGINE_FORBIDDEN, "only the applicant edits an application");
    envelope_check_unit(c->e, c->who, env, out);
    if (out->errs.count > 0)
        return outcome_invalid(out);
    if (env->kind != c->app->kind)
        spec_errors_add(&out->errs, "/kind", "cannot change from \"%s\"; create a new application",
                        row->kind);
    if (env->round != row->round)
        spec_errors_add(&out->errs, "/round", "cannot change from %d", row->round);
    if (strcmp(env->applicant_uscc, row->applicant_uscc) != 0)
        spec_errors_add(&out->errs, "/applicant/uscc", "cannot change from %s",
                        row->applicant_uscc);
    if (strcmp(env->applicant_name, row->applicant_name ? row->applicant_name : "") != 0)
        spec_errors_add(&out->errs, "/applicant/name",
                        "cannot change; it is the name the application was created with");
    if (out->errs.count > 0) {
        outcome_invalid(out);
        return outcome_set(out, ENGINE_INVALID,
                           "fields that identify the application cannot change");
    }
    snprintf(c->next.review_unit, sizeof c->next.review_unit, "%s", env->review_unit);
    free(c->next.data_json);
    c->next.data_json = json_dumps(env->data.json, JSON_COMPACT | JSON_SORT_KEYS);
    if (!c->next.data_json)
        return outcome_set(out, ENGINE_ERROR, "out of memory");
    c->next_data = env->data;
    memset(&env->data, 0, sizeof env->data);
    c->data_changed = true;
    return ENGINE_OK;
}

/* ---- submission and withdrawal ---------------------------------------------- */

/* Submission stamps submitted_at: the date the rules count from. */
static enum engine_rc prepare_submit(struct change *c)
{
    memcpy(c->next.submitted_at, c->now_text, sizeof c->next.submitted_at);
    c->reevaluate = true;
    return ENGINE_OK;
}

/* Whether a revocation bars the organisation from applying (第十三条: 2
 * years for an incubator); the transition's guard decides. */
static enum engine_rc check_submit(struct store_tx *tx, struct change *c)
{
    const struct application *row = &c->app->row;
    if (c->app->kind->ban_months == 0)
        return ENGINE_OK;
    char today[DATE_TEXT_LEN];
    date_format(date_of_unix(c->now), today);
    enum store_rc rc =
        store_ban_find_tx(tx, row->applicant_uscc, row->kind, today, c->barred_until);
    if (rc == STORE_NOT_FOUND)
        return ENGINE_OK;
    if (rc != STORE_OK)
        return db_failed(c);
    c->facts.barred_until = c->barred_until;
    if (!c->out->extra)
        c->out->extra = json_object();
    json_object_set_new(c->out->extra, "may_apply_from", json_string(c->barred_until));
    return ENGINE_OK;
}

/* ---- reviews --------------------------------------------------------------- */

static const char *const review_stages[] = {"district", "municipal", NULL};
static const char *const review_decisions[] = {"approve", "reject", "return", NULL};

#define MAX_RECORD_FIELDS 8

/* The review table plus the stage records this review must carry. */
static void review_table(struct field_spec *out, const struct field_spec *records)
{
    static const struct field_spec base[] = {
        {.name = "stage", .type = SPEC_ENUM, .required = true, .enum_values = review_stages},
        {.name = "decision", .type = SPEC_ENUM, .required = true, .enum_values = review_decisions},
        {.name = "opinion", .type = SPEC_TEXT, .min = 1, .max = 4000},
        {.name = "override_reason", .type = SPEC_TEXT, .min = 1, .max = 4000},
    };
    size_t n = sizeof base / sizeof base[0];
    memcpy(out, base, sizeof base);
    for (size_t i = 0; records && records[i].name && i < MAX_RECORD_FIELDS; i++)
        out[n++] = records[i];
    out[n] = (struct field_spec){.name = NULL};
}

/* Every finding a review records must have passed: an approval over a
 * failed expert review or inspection is a rejection or a return instead. */
static void records_passed(const struct field_spec *records, const json_t *body,
                           struct spec_errors *errs)
{
    for (size_t i = 0; records && records[i].name; i++) {
        const json_t *passed = json_object_get(json_object_get(body, records[i].name), "passed");
        if (json_is_false(passed)) {
            char ptr[64];
            snprintf(ptr, sizeof ptr, "/%s/passed", records[i].name);
            spec_errors_add(errs, ptr, "did not pass: reject or return the application instead");
        }
    }
}

/* Keeps the stage records of a review in the facts, under `key`. */
static void keep_records(json_t *facts, const char *key, const struct field_spec *records,
                         const json_t *body)
{
    json_t *kept = json_object();
    for (size_t i = 0; records && records[i].name; i++) {
        json_t *rec = json_object_get(body, records[i].name);
        if (rec)
            json_object_set(kept, records[i].name, rec);
    }
    json_object_set_new(facts, key, kept);
}

/* The municipal approval: the kind's stage records, the eligibility
 * override, the figures the kind fixes at this stage, and the notice. */
static enum engine_rc prepare_municipal_approval(struct change *c, const json_t *body)
{
    const struct kind *k = c->app->kind;
    struct outcome *out = c->out;
    records_passed(k->municipal_records, body, &out->errs);
    if (out->errs.count > 0)
        return ENGINE_OK; /* answered with the other bad fields in one 422 */

    json_t *facts = next_facts(c);
    if (c->t && strcmp(c->t->to, "public_notice") == 0) {
        /* The public notice (notice.h). */
        sb_day starts, ends;
        if (notice_period(c->e->calendar, date_of_unix(c->now), &starts, &ends) != 0) {
            int first, last;
            calendar_years(c->e->calendar, &first, &last);
            return outcome_set(out, ENGINE_REFUSED,
                               "the working-day calendar covers %d-%d only; the notice period "
                               "cannot be set until the year's holiday arrangement is loaded",
                               first, last);
        }
        char s[DATE_TEXT_LEN], e[DATE_TEXT_LEN];
        date_format(starts, s);
        date_format(ends, e);
        json_object_set_new(facts, "notice", json_pack("{s:s, s:s}", "starts_on", s, "ends_on", e));
    }
    keep_records(facts, "municipal_records", k->municipal_records, body);
    if (json_object_get(body, "override_reason"))
        json_object_set(facts, "override_reason", json_object_get(body, "override_reason"));
    if (k->fix_figures)
        k->fix_figures(body, facts);
    c->reevaluate = true;
    return ENGINE_OK;
}

static enum engine_rc prepare_review(struct change *c)
{
    const struct review_input *in = c->input;
    const json_t *body = in->body;
    const struct kind *k = c->app->kind;
    struct outcome *out = c->out;
    bool approval = strcmp(in->decision, "approve") == 0;
    bool municipal = strcmp(in->stage, "municipal") == 0;
    const struct field_spec *records =
        approval ? (municipal ? k->municipal_records : k->district_records) : NULL;

    /* The body again, now that the kind is known: an approval carries the
     * stage's records, nothing else carries any. */
    struct field_spec table[8 + MAX_RECORD_FIELDS];
    review_table(table, records);
    spec_validate(table, body, "", &out->errs);
    if (json_object_get(body, "override_reason") && !(approval && municipal))
        spec_errors_add(&out->errs, "/override_reason", "only a municipal approval takes one");

    c->facts.opinion = json_object_get(body, "opinion") != NULL;
    c->facts.override_reason = json_object_get(body, "override_reason") != NULL;
    c->opinion = json_string_value(json_object_get(body, "opinion"));
    if (approval && !municipal && records) {
        records_passed(records, body, &out->errs);
        if (out->errs.count == 0)
            keep_records(next_facts(c), "district_records", records, body);
    }
    if (approval && municipal) {
        enum engine_rc rc = prepare_municipal_approval(c, body);
        if (rc != ENGINE_OK)
            return rc;
    }
    /* The history keeps the review as sent (its records, the override). */
    c->details = json_deep_copy(body);
    json_object_del(c->details, "opinion");
    return ENGINE_OK;
}

/* The year's questions of a kind's before_approval hook, answered in the
 * approving transaction. */
struct year_query {
    struct store_tx *tx;
    const struct application *row;
    const char *fact;
    int count;
};

static int query_ranking(void *ctx)
{
    struct year_query *q = ctx;
    enum store_rc rc = store_ranking_exists_tx(q->tx, q->row->kind, q->row->round);
    return rc == STORE_OK ? 1 : rc == STORE_NOT_FOUND ? 0 : -1;
}

static bool count_fact(struct application *a, void *ctx)
{
    struct year_query *q = ctx;
    if (a->id == q->row->id)
        return true;
    if (strcmp(a->status, "public_notice") != 0 && strcmp(a->status, "approved") != 0)
        return true;
    json_t *facts = facts_parse(a->facts_json);
    if (json_is_true(json_object_get(facts, q->fact)))
        q->count++;
    json_decref(facts);
    return true;
}

static int query_granted(void *ctx, const char *fact)
{
    struct year_query *q = ctx;
    q->fact = fact;
    q->count = 0;
    if (store_app_each_tx(q->tx, q->row->kind, q->row->round, count_fact, q) != STORE_OK)
        return -1;
    return q->count;
}

static enum engine_rc check_review(struct store_tx *tx, struct change *c)
{
    const struct review_input *in = c->input;
    const struct kind *k = c->app->kind;
    if (strcmp(c->action, "municipal_approve") != 0 || !k->before_approval)
        return ENGINE_OK;
    struct year_query yq = {.tx = tx, .row = &c->app->row};
    struct approval_query q = {
        .ctx = &yq,
        .round = c->app->row.round,
        .ranking_computed = query_ranking,
        .count_granted = query_granted,
    };
    char why[256] = "";
    int r = k->before_approval(&q, in->body, why, sizeof why);
    if (r < 0)
        return db_failed(c);
    if (r > 0)
        return outcome_set(c->out, ENGINE_REFUSED, "%s", why);
    return ENGINE_OK;
}

/* ---- objections ------------------------------------------------------------- */

/* How long the filer of an objection to an application that has as many
 * open objections as it takes is told to wait. */
#define FULL_RETRY_S 3600

/* Filed only while the notice runs: from 00:00 of its first day to 24:00
 * of its last (an application not under notice now is, to the public, not
 * there: 404). */
static enum engine_rc prepare_objection(struct change *c)
{
    sb_day starts, ends;
    if (!notice_dates(c->app->facts, &starts, &ends) || !notice_running(starts, ends, c->now))
        return outcome_set(c->out, ENGINE_NOT_FOUND,
                           "application %lld is not under public notice now",
                           (long long)c->app->row.id);
    return ENGINE_OK;
}

/* The caps, counted in the transaction that adds one, so that objections
 * filed side by side cannot all slip under them. */
static enum engine_rc check_objection(struct store_tx *tx, struct change *c)
{
    const struct engine_settings *s = &c->e->settings;
    const char *addr = c->who->client_addr ? c->who->client_addr : "";
    /* Beijing keeps UTC+8 all year: its day starts at 16:00 UTC. */
    int64_t day_start = (int64_t)date_of_unix(c->now) * 86400 - 8 * 3600;
    char since[RFC3339_LEN];
    clock_format_rfc3339(day_start, since);
    int64_t filed_today = 0;
    int open = 0;
    if (store_objections_from(tx, addr, since, &filed_today) != STORE_OK ||
        store_objections_open(tx, c->app->row.id, &open) != STORE_OK)
        return db_failed(c);
    if (s->objections_per_address_per_day && filed_today >= s->objections_per_address_per_day) {
        c->out->retry_after = (unsigned)(day_start + 86400 - c->now);
        return outcome_set(c->out, ENGINE_LIMIT,
                           "at most %u objections a day from one address; try again tomorrow, "
                           "in %u s",
                           s->objections_per_address_per_day, c->out->retry_after);
    }
    if (s->objections_open_per_application &&
        (unsigned)open >= s->objections_open_per_application) {
        c->out->retry_after = FULL_RETRY_S;
        return outcome_set(c->out, ENGINE_LIMIT,
                           "application %lld has %u open objections, as many as it takes at "
                           "once; try again in %u s, when some may be resolved",
                           (long long)c->app->row.id, s->objections_open_per_application,
                           FULL_RETRY_S);
    }
    return ENGINE_OK;
}

static enum engine_rc file_objection(struct store_tx *tx, struct change *c)
{
    const struct objection_input *in = c->input;
    struct objection o = {.application_id = c->app->row.id};
    /* Borrowed from the input, whole: not released here. */
    o.name = (char *)in->name;
    o.contact = (char *)in->contact;
    o.reason = (char *)in->reason;
    memcpy(o.filed_at, c->now_text, sizeof o.filed_at);
    snprintf(o.client_addr, sizeof o.client_addr, "%s",
             c->who->client_addr ? c->who->client_addr : "");
    if (store_objection_add(tx, &o) != STORE_OK)
        return db_failed(c);
    c->made_id = o.id;
    /* Phase 1 made no details; a run before this one may have. */
    json_decref(c->details);
    c->details = json_pack("{s:I}", "objection", (json_int_t)o.id);
    return ENGINE_OK;
}

static enum engine_rc prepare_resolution(struct change *c)
{
    const struct resolution_input *in = c->input;
    c->facts.opinion = in->opinion != NULL;
    c->opinion = in->opinion;
    c->details = json_pack("{s:I, s:s}", "objection", (json_int_t)in->objection, "outcome",
                           in->upheld ? "upheld" : "dismissed");
    return ENGINE_OK;
}

static enum engine_rc resolve_objection(struct store_tx *tx, struct change *c)
{
    const struct resolution_input *in = c->input;
    struct objection o = {0};
    enum store_rc rc =
        in->objection > 0 ? store_objection_get_tx(tx, in->objection, &o) : STORE_NOT_FOUND;
    enum engine_rc erc = ENGINE_OK;
    if (rc == STORE_OK && o.application_id != c->app->row.id)
        rc = STORE_NOT_FOUND;
    if (rc == STORE_NOT_FOUND)
        erc = outcome_set(c->out, ENGINE_NOT_FOUND, "application %lld has no objection %lld",
                          (long long)c->app->row.id, (long long)in->objection);
    else if (rc != STORE_OK)
        erc = db_failed(c);
    else if (strcmp(o.status, "open") != 0)
        erc = outcome_set(c->out, ENGINE_REFUSED, "objection %lld was already %s on %s",
                          (long long)in->objection, o.status, o.resolved_at);
    else if (store_objection_resolve(tx, in->objection, in->upheld ? "upheld" : "dismissed",
                                     c->now_text, c->who->account, in->opinion) != STORE_OK)
        erc = db_failed(c);
    objection_release(&o);
    return erc;
}

/* ---- the end of the notice ---------------------------------------------------- */

static enum engine_rc prepare_notice_end(struct change *c)
{
    sb_day starts, ends;
    c->facts.notice_over = notice_dates(c->app->facts, &starts, &ends) && notice_over(ends, c->now);
    return ENGINE_OK;
}

static enum engine_rc check_notice_end(struct store_tx *tx, struct change *c)
{
    if (store_objections_open(tx, c->app->row.id, &c->facts.open_objections) != STORE_OK)
        return db_failed(c);
    return ENGINE_OK;
}

/* ---- the ranking ----------------------------------------------------------------- */

/* The ranking sets (or, with NULL, removes) the application's ranked items. */
static enum engine_rc prepare_ranked(struct change *c)
{
    const json_t *items = c->input;
    json_t *facts = next_facts(c);
    if (items)
        json_object_set(facts, "ranked_items", (json_t *)items);
    else
        json_object_del(facts, "ranked_items");
    c->details = json_pack("{s:O}", "ranked_items", items ? (json_t *)items : json_null());
    c->reevaluate = true;
    return ENGINE_OK;
}

/* ---- revocation -------------------------------------------------------------------- */

static enum engine_rc prepare_revocation(struct change *c)
{
    const struct revocation_input *in = c->input;
    c->facts.opinion = in->reason != NULL;
    c->opinion = in->reason;
    return ENGINE_OK;
}

static bool in_list(const char *const *list, const char *s)
{
    for (; list && *list; list++)
        if (strcmp(*list, s) == 0)
            return true;
    return false;
}

static enum engine_rc revoke_certificate(struct store_tx *tx, struct change *c)
{
    const struct revocation_input *in = c->input;
    const struct kind *k = c->app->kind;
    const char *serial = json_string_value(json_object_get(c->app->facts, "certificate_serial"));
    const char *ground = in->ground ? in->ground : k->revocation_grounds[0];
    if (!serial)
        return outcome_set(c->out, ENGINE_NOT_FOUND, "application %lld has no certificate",
                           (long long)c->app->row.id);
    enum store_rc rc =
        store_cert_revoke(tx, serial, c->now_text, in->reason, ground, in->refund_fen);
    if (rc == STORE_CONFLICT)
        return outcome_set(c->out, ENGINE_REFUSED, "certificate %s is already revoked", serial);
    if (rc != STORE_OK)
        return db_failed(c);
    json_decref(c->details); /* a run before this one's */
    c->details = json_pack("{s:s, s:s}", "serial", serial, "ground", ground);
    if (in->refund_fen >= 0)
        json_object_set_new(c->details, "refund_fen", json_integer(in->refund_fen));
    if (k->ban_months > 0 && in_list(k->banning_grounds, ground)) {
        sb_day today = date_of_unix(c->now);
        char from[DATE_TEXT_LEN], until[DATE_TEXT_LEN];
        date_format(today, from);
        date_format(kind_ban_until(k, today), until);
        if (store_ban_add(tx, c->app->row.applicant_uscc, k->name, from, until, ground) != STORE_OK)
            return db_failed(c);
        json_object_set_new(c->details, "barred_until", json_string(until));
    }
    return ENGINE_OK;
}

/* ---- the table ------------------------------------------------------------------------ */

static const struct action_def actions[] = {
    {"edit", prepare_edit, NULL, NULL},
    {"submit", prepare_submit, check_submit, NULL},
    {"withdraw", NULL, NULL, NULL},
    {"district_approve", prepare_review, check_review, NULL},
    {"district_return", prepare_review, check_review, NULL},
    {"district_reject", prepare_review, check_review, NULL},
    {"municipal_approve", prepare_review, check_review, NULL},
    {"municipal_return", prepare_review, check_review, NULL},
    {"municipal_reject", prepare_review, check_review, NULL},
    {"ranked", prepare_ranked, NULL, NULL},
    {"objection_filed", prepare_objection, check_objection, file_objection, true},
    {"objection_upheld", prepare_resolution, NULL, resolve_objection},
    {"objection_dismissed", prepare_resolution, NULL, resolve_objection},
    {"notice_ended", prepare_notice_end, check_notice_end, NULL},
    {"revoke", prepare_revocation, NULL, revoke_certificate},
};

const struct action_def *action_find(const char *action)
{
    for (size_t i = 0; i < sizeof actions / sizeof actions[0]; i++)
        if (strcmp(actions[i].action, action) == 0)
            return &actions[i];
    return NULL;
}
