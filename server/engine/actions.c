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

#include <sodium.h>

#include "date.h"
#include "digest.h"
#include "engine_impl.h"
#include "jsontext.h"
#include "money.h"
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

/* Adds one to the counter `key` of the facts the change writes. */
static void count_up(struct change *c, const char *key)
{
    json_t *facts = next_facts(c);
    json_int_t n = json_integer_value(json_object_get(facts, key));
    json_object_set_new(facts, key, json_integer(n + 1));
}

/* The day the application was first submitted (Asia/Shanghai): stage
 * records cannot be older.  Before any submission, today. */
static sb_day first_submitted_on(const struct change *c)
{
    const char *at = json_string_value(json_object_get(c->app->facts, "first_submitted_at"));
    int64_t t;
    if (!at)
        at = c->app->row.submitted_at;
    if (!at || !at[0] || clock_parse_rfc3339(at, &t) != 0)
        t = c->now;
    return date_of_unix(t);
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
    c->next.data_json = dump_json(env->data.json, JSON_COMPACT | JSON_SORT_KEYS);
    if (!c->next.data_json)
        return outcome_set(out, ENGINE_ERROR, "out of memory");
    c->next_data = env->data;
    memset(&env->data, 0, sizeof env->data);
    c->data_changed = true;
    return ENGINE_OK;
}

/* ---- submission and withdrawal ---------------------------------------------- */

/* The 承诺书 accepted with the submission: the version read must be the
 * kind's current text, and accepted true.  The event records the version,
 * the SHA-256 of the Chinese text (the official one) and the time. */
static void accept_declaration(struct change *c)
{
    const struct submission_input *in = c->input;
    if (!in || !in->declaration_version)
        return;
    struct declaration d = kind_declaration(c->app->kind);
    if (strcmp(in->declaration_version, d.version) != 0)
        spec_errors_add(&c->out->errs, "/declaration/version",
                        "the declaration in force is version %s, not %s; read it again (GET "
                        "/v1/kinds/%s) and accept that one",
                        d.version, in->declaration_version, c->app->row.kind);
    if (!in->accepted)
        spec_errors_add(&c->out->errs, "/declaration/accepted",
                        "must be true: the declaration is accepted, or the application is not "
                        "submitted");
    if (c->out->errs.count > 0)
        return;
    unsigned char sum[DIGEST_SHA256_LEN];
    char hex[sizeof sum * 2 + 1];
    digest_sha256(sum, d.zh, strlen(d.zh));
    sodium_bin2hex(hex, sizeof hex, sum, sizeof sum);
    if (!c->details)
        c->details = json_object();
    json_object_set_new(c->details, "declaration",
                        json_pack("{s:s, s:s, s:s}", "version", d.version, "text_sha256", hex,
                                  "accepted_at", c->now_text));
}

/* Submission stamps submitted_at: the date the rules count from.  The
 * first one is kept (stage records date from it), and each is counted (the
 * worklist's "第 2 次提交"). */
static enum engine_rc prepare_submit(struct change *c)
{
    /* A draft saved while still being filled in is submitted once it is
     * complete: one 422 lists everything still missing (CONTRACT.md
     * "Lenient drafts"). */
    const struct kind_data *d = &c->app->data;
    if (d->typed && !d->complete) {
        for (size_t i = 0; i < d->gaps.count; i++)
            spec_errors_add_text(&c->out->errs, d->gaps.items[i].pointer, d->gaps.items[i].detail,
                                 d->gaps.items[i].detail_zh);
        c->out->errs.dropped += d->gaps.dropped;
    }
    accept_declaration(c);
    memcpy(c->next.submitted_at, c->now_text, sizeof c->next.submitted_at);
    if (!json_object_get(c->app->facts, "first_submitted_at"))
        json_object_set_new(
            next_facts(c), "first_submitted_at",
            json_string(c->app->row.submitted_at[0] ? c->app->row.submitted_at : c->now_text));
    count_up(c, "submissions");
    c->reevaluate = true;
    return ENGINE_OK;
}

/* RULES.md §5: submitting outside the round's window is refused, saying
 * when it opens or that it closed.  No window: open all year. */
static enum engine_rc check_window(struct store_tx *tx, struct change *c)
{
    const struct application *row = &c->app->row;
    struct round_row w;
    enum store_rc rc = store_round_get_tx(tx, row->kind, row->round, &w);
    if (rc == STORE_NOT_FOUND)
        return ENGINE_OK;
    if (rc != STORE_OK)
        return db_failed(c);
    char today[DATE_TEXT_LEN];
    date_format(date_of_unix(c->now), today);
    if (strcmp(today, w.opens_on) >= 0 && strcmp(today, w.closes_on) <= 0)
        return ENGINE_OK;
    if (!c->out->extra)
        c->out->extra = json_object();
    json_object_set_new(c->out->extra, "opens_on", json_string(w.opens_on));
    json_object_set_new(c->out->extra, "closes_on", json_string(w.closes_on));
    if (strcmp(today, w.opens_on) < 0)
        return outcome_set(c->out, ENGINE_REFUSED,
                           "the %d round of %s is not open yet: it opens on %s (and closes on "
                           "%s); submit from that day",
                           row->round, row->kind, w.opens_on, w.closes_on);
    return outcome_set(c->out, ENGINE_REFUSED,
                       "the %d round of %s closed on %s; applications of that round are no "
                       "longer taken",
                       row->round, row->kind, w.closes_on);
}

/* The other applications of the organisation, kind and round: the first
 * live one that is the same project. */
struct same_walk {
    struct change *c;
    int64_t found;
    char status[24];
    char what[256];
    bool failed;
};

static bool find_same(struct application *other, void *ctx)
{
    struct same_walk *w = ctx;
    const struct kind *k = w->c->app->kind;
    /* A draft is not filed yet; a withdrawn or rejected one no longer
     * counts (RULES.md §5). */
    if (strcmp(other->status, "draft") == 0 || strcmp(other->status, "withdrawn") == 0 ||
        strcmp(other->status, "rejected") == 0)
        return true;
    if (k->same_project) {
        if (!w->c->app->data.typed)
            return true;
        json_t *data = parse_json0(other->data_json ? other->data_json : "", 0, NULL);
        struct kind_data d;
        struct spec_errors errs;
        spec_errors_init(&errs);
        bool parsed = data && kind_data_parse(k, data, other->round, &d, &errs) == 0;
        bool same =
            parsed && k->same_project(w->c->app->data.typed, d.typed, w->what, sizeof w->what);
        if (parsed)
            kind_data_release(&d);
        spec_errors_release(&errs);
        json_decref(data);
        if (!same)
            return true;
    }
    w->found = other->id;
    snprintf(w->status, sizeof w->status, "%s", other->status);
    return false;
}

/* RULES.md §5: one application per organisation, kind and round (per
 * project where the kind says so), checked in the submitting
 * transaction. */
static enum engine_rc check_one_per_round(struct store_tx *tx, struct change *c)
{
    const struct application *row = &c->app->row;
    struct same_walk w = {.c = c};
    if (c->e->settings.many_per_round)
        return ENGINE_OK;
    if (store_app_each_of_org_tx(tx, row->applicant_uscc, row->kind, row->round, row->id, find_same,
                                 &w) != STORE_OK)
        return db_failed(c);
    if (!w.found)
        return ENGINE_OK;
    if (!c->out->extra)
        c->out->extra = json_object();
    json_object_set_new(c->out->extra, "other_application", json_integer(w.found));
    if (w.what[0])
        return outcome_set(c->out, ENGINE_REFUSED,
                           "application %lld of this organisation is the same project (%s) in "
                           "the %d round of %s, and is %s: one application per project and "
                           "round",
                           (long long)w.found, w.what, row->round, row->kind, w.status);
    return outcome_set(c->out, ENGINE_REFUSED,
                       "application %lld of this organisation in the %d round of %s is %s: one "
                       "application per organisation and round (withdraw it first, or wait "
                       "for its decision)",
                       (long long)w.found, row->round, row->kind, w.status);
}

/* Whether a revocation bars the organisation from applying (第十三条: 2
 * years for an incubator); the transition's guard decides. */
static enum engine_rc check_year(struct store_tx *tx, struct change *c, bool submitting);

/* The files a submission takes with it, for its event. */
struct submitted_files {
    json_t *list;
    const struct material_type *types;
    bool have[64]; /* by index into types */
};

static void submitted_file(const struct material *m, void *ctx)
{
    struct submitted_files *f = ctx;
    char hex[MATERIAL_SHA256_LEN * 2 + 1];
    sodium_bin2hex(hex, sizeof hex, m->sha256, MATERIAL_SHA256_LEN);
    json_array_append_new(f->list,
                          json_pack("{s:I, s:s, s:s, s:I}", "id", (json_int_t)m->id, "type",
                                    m->type, "sha256", hex, "bytes", (json_int_t)m->bytes));
    for (size_t i = 0; f->types && f->types[i].type && i < 64; i++)
        if (strcmp(f->types[i].type, m->type) == 0)
            f->have[i] = true;
}

/* What goes with the submission (RULES.md §6): every type the application
 * needs has a file (else 422 at /materials/<type>), and the event lists
 * every file with its hash. */
static enum engine_rc check_materials(struct store_tx *tx, struct change *c)
{
    const struct kind *k = c->app->kind;
    struct submitted_files f = {.list = json_array(), .types = k->materials};
    if (!f.list)
        return outcome_set(c->out, ENGINE_ERROR, "out of memory");
    if (store_materials_of_tx(tx, c->app->row.id, submitted_file, &f) != STORE_OK) {
        json_decref(f.list);
        return db_failed(c);
    }
    for (size_t i = 0; k->materials && k->materials[i].type && i < 64; i++) {
        const struct material_type *t = &k->materials[i];
        if (f.have[i] || !material_needed(t, c->app->data.typed))
            continue;
        char ptr[MATERIAL_TYPE_LEN + 16];
        snprintf(ptr, sizeof ptr, "/materials/%s", t->type);
        if (t->need == MATERIAL_CONDITIONAL)
            spec_errors_add(&c->out->errs, ptr,
                            "a file of type %s (%s) is needed when %s; upload it with POST "
                            "/v1/applications/%lld/materials?type=%s",
                            t->type, t->title_zh, t->condition, (long long)c->app->row.id, t->type);
        else
            spec_errors_add(&c->out->errs, ptr,
                            "a file of type %s (%s) is required; upload it with POST "
                            "/v1/applications/%lld/materials?type=%s",
                            t->type, t->title_zh, (long long)c->app->row.id, t->type);
    }
    if (c->out->errs.count > 0) {
        json_decref(f.list);
        outcome_invalid(c->out);
        if (c->out->errs.count == 1)
            return outcome_set(c->out, ENGINE_INVALID,
                               "a required material is missing; see errors");
        return outcome_set(c->out, ENGINE_INVALID, "%zu required materials are missing; see errors",
                           c->out->errs.count);
    }
    if (!c->details)
        c->details = json_object();
    json_object_set_new(c->details, "materials", f.list);
    /* The event phase 1 prepared is now out of date: made again, with the
     * files, when it is recorded. */
    c->event.made_from = NULL;
    return ENGINE_OK;
}

/* The files submitted are kept from now on, even when deleted later. */
static enum engine_rc mark_submitted(struct store_tx *tx, struct change *c)
{
    return store_materials_submitted(tx, c->app->row.id) == STORE_OK ? ENGINE_OK : db_failed(c);
}

/* Whether a revocation bars the organisation from applying (第十三条: 2
 * years for an incubator; the transition's guard decides), and then the
 * materials: an organisation that may not apply is told so first. */
static enum engine_rc check_submit(struct store_tx *tx, struct change *c)
{
    const struct application *row = &c->app->row;
    enum engine_rc erc;
    if ((erc = check_window(tx, c)) != ENGINE_OK ||
        (erc = check_one_per_round(tx, c)) != ENGINE_OK ||
        (erc = check_year(tx, c, true)) != ENGINE_OK)
        return erc;
    if (c->app->kind->ban_months == 0)
        return check_materials(tx, c);
    char today[DATE_TEXT_LEN];
    date_format(date_of_unix(c->now), today);
    enum store_rc rc =
        store_ban_find_tx(tx, row->applicant_uscc, row->kind, today, c->barred_until);
    if (rc == STORE_NOT_FOUND)
        return check_materials(tx, c);
    if (rc != STORE_OK)
        return db_failed(c);
    c->facts.barred_until = c->barred_until;
    if (!c->out->extra)
        c->out->extra = json_object();
    json_object_set_new(c->out->extra, "may_apply_from", json_string(c->barred_until));
    return ENGINE_OK;
}

/* The applicant's reason for withdrawing, when it gives one. */
static enum engine_rc prepare_withdraw(struct change *c)
{
    const struct withdrawal_input *in = c->input;
    c->opinion = in ? in->opinion : NULL;
    c->facts.opinion = c->opinion != NULL;
    return ENGINE_OK;
}

/* ---- reviews --------------------------------------------------------------- */

static const char *const review_stages[] = {"district", "municipal", NULL};
static const char *const review_decisions[] = {"approve", "reject", "return", NULL};

#define MAX_RECORD_FIELDS 8

const struct field_spec engine_review_fields[] = {
    {.name = "stage", .type = SPEC_ENUM, .required = true, .enum_values = review_stages},
    {.name = "decision", .type = SPEC_ENUM, .required = true, .enum_values = review_decisions},
    {.name = "opinion", .type = SPEC_TEXT, .min = 1, .max = 4000},
    {.name = "override_reason", .type = SPEC_TEXT, .min = 1, .max = 4000},
    {.name = "granted_fen", .type = SPEC_FEN, .min = 0, .max = 100000000000000},
    {.name = "grant_reason", .type = SPEC_TEXT, .min = 1, .max = 4000},
    {.name = NULL},
};

/* The review table plus the stage records this review must carry. */
static void review_table(struct field_spec *out, const struct field_spec *records)
{
    size_t n = 0;
    for (; engine_review_fields[n].name; n++)
        out[n] = engine_review_fields[n];
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

/* RULES.md §5: what a stage records (an expert review, an inspection, an
 * audit, a site scoring) happened between the submission and the decision,
 * both days included. */
static void records_dated(const struct change *c, const struct field_spec *records,
                          const json_t *body, struct spec_errors *errs)
{
    sb_day from = first_submitted_on(c), to = date_of_unix(c->now), day;
    char from_text[DATE_TEXT_LEN], to_text[DATE_TEXT_LEN];
    date_format(from, from_text);
    date_format(to, to_text);
    for (size_t i = 0; records && records[i].name; i++) {
        const char *date =
            json_string_value(json_object_get(json_object_get(body, records[i].name), "date"));
        if (!date || !date_parse(date, &day) || (day >= from && day <= to))
            continue;
        char ptr[64];
        snprintf(ptr, sizeof ptr, "/%s/date", records[i].name);
        if (day < from)
            spec_errors_add(errs, ptr,
                            "%s is before the submission on %s: it must lie between that day and "
                            "the decision on %s, both included",
                            date, from_text, to_text);
        else
            spec_errors_add(errs, ptr,
                            "%s lies in the future: it must lie between the submission on %s and "
                            "the decision on %s, both included",
                            date, from_text, to_text);
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

/* RULES.md §5, amounts are ceilings: the approval grants the computed
 * award, or less with a reason, never more. */
static void decide_grant(struct change *c, const json_t *body, json_t *facts)
{
    struct outcome *out = c->out;
    struct app after = *c->app;
    after.facts = facts;
    app_evaluate(&after, c->now);
    int64_t proposed = after.award.total_fen;
    const json_t *granted = json_object_get(body, "granted_fen");
    const json_t *reason = json_object_get(body, "grant_reason");
    char text[48];
    int64_t amount = proposed;
    if (json_is_integer(granted)) {
        amount = json_integer_value(granted);
        if (amount > proposed) {
            money_format(proposed, text, sizeof text);
            spec_errors_add(&out->errs, "/granted_fen",
                            "cannot exceed the computed award, %s (%lld fen): the measure's "
                            "amounts are ceilings",
                            text, (long long)proposed);
            return;
        }
        if (amount < proposed && !reason)
            spec_errors_add(&out->errs, "/grant_reason",
                            "is required to grant less than the computed award (择优, budget)");
    }
    json_object_set_new(facts, "granted_fen", json_integer(amount));
    if (reason)
        json_object_set(facts, "grant_reason", (json_t *)reason);
    else
        json_object_del(facts, "grant_reason");
}

/* The municipal approval: the kind's stage records, the eligibility
 * override, the figures the kind fixes at this stage, the grant and the
 * notice. */
static enum engine_rc prepare_municipal_approval(struct change *c, const json_t *body,
                                                 const struct field_spec *records)
{
    const struct kind *k = c->app->kind;
    struct outcome *out = c->out;
    records_passed(records, body, &out->errs);
    if (k->check_records && c->app->data.typed)
        k->check_records(c->app->data.typed, body, &out->errs);
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
    keep_records(facts, "municipal_records", records, body);
    if (json_object_get(body, "override_reason"))
        json_object_set(facts, "override_reason", json_object_get(body, "override_reason"));
    if (k->fix_figures)
        k->fix_figures(body, facts);
    decide_grant(c, body, facts);
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
        approval ? (municipal ? kind_municipal_records(k, c->app->data.typed) : k->district_records)
                 : NULL;

    /* The body again, now that the kind is known: an approval carries the
     * stage's records, nothing else carries any. */
    struct field_spec table[8 + MAX_RECORD_FIELDS];
    review_table(table, records);
    spec_validate(table, body, "", &out->errs);
    if (json_object_get(body, "override_reason") && !approval)
        spec_errors_add(&out->errs, "/override_reason", "only an approval takes one");
    if (!(approval && municipal)) {
        if (json_object_get(body, "granted_fen"))
            spec_errors_add(&out->errs, "/granted_fen", "only a municipal approval grants");
        if (json_object_get(body, "grant_reason"))
            spec_errors_add(&out->errs, "/grant_reason", "only a municipal approval grants");
    }
    records_dated(c, records, body, &out->errs);

    c->facts.opinion = json_object_get(body, "opinion") != NULL;
    c->facts.override_reason = json_object_get(body, "override_reason") != NULL;
    c->opinion = json_string_value(json_object_get(body, "opinion"));
    /* Records that belong to some applications only: required of those,
     * refused of the others. */
    for (size_t i = 0; approval && records && records[i].name; i++) {
        const char *member = records[i].when_data;
        if (!member)
            continue;
        bool applies = json_is_true(json_object_get(c->app->data.json, member));
        bool given = json_object_get(body, records[i].name) != NULL;
        char ptr[64];
        snprintf(ptr, sizeof ptr, "/%s", records[i].name);
        if (applies && !given)
            spec_errors_add(&out->errs, ptr, "is required: the application's %s is true", member);
        else if (!applies && given)
            spec_errors_add(&out->errs, ptr, "only for an application whose %s is true", member);
    }
    if (approval && !municipal) {
        records_passed(records, body, &out->errs);
        if (out->errs.count == 0 && records)
            keep_records(next_facts(c), "district_records", records, body);
        if (out->errs.count == 0 && json_object_get(body, "override_reason"))
            json_object_set(next_facts(c), "district_override_reason",
                            json_object_get(body, "override_reason"));
    }
    if (approval && municipal) {
        enum engine_rc rc = prepare_municipal_approval(c, body, records);
        if (rc != ENGINE_OK)
            return rc;
    }
    if (strcmp(in->decision, "return") == 0)
        count_up(c, "returns");
    /* The history keeps the review as sent (its records, the override) and
     * what it rested on. */
    c->details = json_deep_copy(body);
    json_object_del(c->details, "opinion");
    json_object_set_new(c->details, "basis", decision_basis(c));
    if (approval && municipal && c->next_facts && json_object_get(c->next_facts, "granted_fen"))
        json_object_set(c->details, "granted_fen", json_object_get(c->next_facts, "granted_fen"));
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

static int query_in_ranking(void *ctx)
{
    struct year_query *q = ctx;
    enum store_rc rc = store_ranking_has_tx(q->tx, q->row->kind, q->row->round, q->row->id);
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

/* What the kind says must hold of the year: before a submission
 * (before_submit) or a municipal approval (before_approval). */
static enum engine_rc check_year(struct store_tx *tx, struct change *c, bool submitting)
{
    const struct review_input *in = c->input;
    const struct kind *k = c->app->kind;
    if (submitting ? !k->before_submit : !k->before_approval)
        return ENGINE_OK;
    struct year_query yq = {.tx = tx, .row = &c->app->row};
    struct approval_query q = {
        .ctx = &yq,
        .round = c->app->row.round,
        .ranking_computed = query_ranking,
        .count_granted = query_granted,
        .in_ranking = query_in_ranking,
    };
    char why[256] = "", why_zh[384] = "";
    q.why_zh = why_zh;
    q.zh_cap = sizeof why_zh;
    int r = submitting ? k->before_submit(&q, why, sizeof why)
                       : k->before_approval(&q, in->body, why, sizeof why);
    if (r < 0)
        return db_failed(c);
    if (r > 0) {
        outcome_set(c->out, ENGINE_REFUSED, "%s", why);
        snprintf(c->out->reason_zh, sizeof c->out->reason_zh, "%s", why_zh);
        return ENGINE_REFUSED;
    }
    return ENGINE_OK;
}

static enum engine_rc check_review(struct store_tx *tx, struct change *c)
{
    if (strcmp(c->action, "municipal_approve") != 0)
        return ENGINE_OK;
    return check_year(tx, c, false);
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
    /* The approval the end of the notice makes, on the checks and the award
     * as they stand. */
    if (!c->details)
        c->details = json_object();
    json_object_set_new(c->details, "basis", decision_basis(c));
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
    /* What is asked back stays beside what was granted (RULES.md §5). */
    c->next.refund_fen = in->refund_fen >= 0 ? in->refund_fen : -1;
    return ENGINE_OK;
}

static bool in_list(const char *const *list, const char *s)
{
    for (; list && *list; list++)
        if (strcmp(*list, s) == 0)
            return true;
    return false;
}

/* Revokes what the application was issued, on `ground`: bars the
 * organisation when the ground bars (and the kind has a bar), ends the
 * duties, and makes a refund one. */
static enum engine_rc revoke_issued(struct store_tx *tx, struct change *c, const char *ground,
                                    const char *reason, int64_t refund_fen,
                                    const char *effective_on)
{
    const struct kind *k = c->app->kind;
    const char *serial = json_string_value(json_object_get(c->app->facts, "certificate_serial"));
    char today[DATE_TEXT_LEN];
    date_format(date_of_unix(c->now), today);
    if (!serial)
        return outcome_set(c->out, ENGINE_NOT_FOUND, "application %lld has no certificate",
                           (long long)c->app->row.id);
    const char *effective = effective_on ? effective_on : today;
    enum store_rc rc =
        store_cert_revoke(tx, serial, c->now_text, reason, ground, refund_fen, effective);
    if (rc == STORE_CONFLICT)
        return outcome_set(c->out, ENGINE_REFUSED, "certificate %s is already revoked", serial);
    if (rc != STORE_OK)
        return db_failed(c);
    json_decref(c->details); /* a run before this one's */
    c->details =
        json_pack("{s:s, s:s, s:s}", "serial", serial, "ground", ground, "effective_on", effective);
    if (refund_fen >= 0)
        json_object_set_new(c->details, "refund_fen", json_integer(refund_fen));
    if (k->ban_months > 0 && in_list(k->banning_grounds, ground)) {
        sb_day day = date_of_unix(c->now);
        char until[DATE_TEXT_LEN];
        date_format(kind_ban_until(k, day), until);
        if (store_ban_add(tx, c->app->row.applicant_uscc, k->name, today, until, ground) !=
            STORE_OK)
            return db_failed(c);
        json_object_set_new(c->details, "barred_until", json_string(until));
    }
    if (in_list(k->rejecting_grounds, ground))
        json_object_set_new(c->details, "disqualifies", json_true());
    return duties_on_revocation(tx, c, refund_fen);
}

static enum engine_rc revoke_certificate(struct store_tx *tx, struct change *c)
{
    const struct revocation_input *in = c->input;
    const struct kind *k = c->app->kind;
    return revoke_issued(tx, c, in->ground ? in->ground : k->revocation_grounds[0], in->reason,
                         in->refund_fen, in->effective_on);
}

/* 京文旅发〔2020〕190号 第十三条: a revocation on its grounds takes away the
 * right to apply: the organisation's pending applications of the kind are
 * rejected with it, each with its event. */
struct pending_of {
    int64_t ids[64];
    size_t n;
    int64_t self;
};

static bool pending_one(struct application *a, void *ctx)
{
    struct pending_of *p = ctx;
    static const char *const pending[] = {"district_review", "municipal_review", "public_notice",
                                          "returned", NULL};
    if (a->id != p->self && in_list(pending, a->status) && p->n < sizeof p->ids / sizeof p->ids[0])
        p->ids[p->n++] = a->id;
    return true;
}

static enum engine_rc disqualify_pending(struct store_tx *tx, struct change *c)
{
    const struct revocation_input *in = c->input;
    const struct kind *k = c->app->kind;
    const char *ground = in->ground ? in->ground : k->revocation_grounds[0];
    if (!in_list(k->rejecting_grounds, ground))
        return ENGINE_OK;
    struct pending_of p = {.self = c->app->row.id};
    if (store_app_each_of_tx(tx, c->app->row.applicant_uscc, k->name, pending_one, &p) != STORE_OK)
        return db_failed(c);
    const char *serial = json_string_value(json_object_get(c->app->facts, "certificate_serial"));
    char opinion[512];
    snprintf(
        opinion, sizeof opinion,
        "disqualified by the revocation of %s on the ground %s (京文旅发〔2020〕190号 第十三条): "
        "%s",
        serial ? serial : "", ground, in->reason ? in->reason : "");
    text_trim_utf8(opinion);
    for (size_t i = 0; i < p.n; i++) {
        struct outcome o;
        outcome_init(&o);
        struct change sub = {.e = c->e,
                             .who = c->who,
                             .action = "disqualified",
                             .input = opinion,
                             .now = c->now,
                             .out = &o};
        enum engine_rc rc = change_run_tx(tx, &sub, p.ids[i]);
        change_reset(&sub);
        app_free(sub.app);
        if (rc != ENGINE_OK) {
            enum engine_rc why = o.rc == ENGINE_ERROR ? ENGINE_ERROR : ENGINE_REFUSED;
            outcome_set(c->out, why, "application %lld could not be disqualified: %s",
                        (long long)p.ids[i], o.reason);
            outcome_release(&o);
            return why;
        }
        outcome_release(&o);
    }
    return ENGINE_OK;
}

static enum engine_rc prepare_disqualified(struct change *c)
{
    c->opinion = c->input;
    c->facts.opinion = c->opinion != NULL;
    return ENGINE_OK;
}

/* ---- giving up a certification (407号 第十七条) -------------------------------------- */

static enum engine_rc prepare_surrender(struct change *c)
{
    const struct surrender_input *in = c->input;
    const json_t *pending = json_object_get(c->app->facts, "surrender");
    const char *state = json_string_value(json_object_get(pending, "state"));
    c->facts.surrender = !state                            ? SURRENDER_NONE
                         : strcmp(state, "forwarded") == 0 ? SURRENDER_FORWARDED
                                                           : SURRENDER_REQUESTED;
    c->facts.surrender_via_district =
        (engine_kind_stages(c->e, c->app->kind) & STAGE_DISTRICT) != 0;
    c->opinion = in ? in->opinion : NULL;
    c->facts.opinion = c->opinion != NULL;

    json_t *facts = next_facts(c);
    if (strcmp(c->action, "surrender_requested") == 0) {
        json_object_set_new(
            facts, "surrender",
            json_pack("{s:s, s:s}", "state", "requested", "requested_at", c->now_text));
    } else if (strcmp(c->action, "surrender_forwarded") == 0) {
        json_t *s = json_deep_copy(pending);
        if (!s)
            s = json_object();
        json_object_set_new(s, "state", json_string("forwarded"));
        json_object_set_new(s, "forwarded_at", json_string(c->now_text));
        json_object_set_new(facts, "surrender", s);
    } else {
        json_object_del(facts, "surrender");
    }
    return ENGINE_OK;
}

/* The authority confirms: revoked on the ground `surrender`, which bars
 * nothing. */
static enum engine_rc confirm_surrender(struct store_tx *tx, struct change *c)
{
    const struct surrender_input *in = c->input;
    return revoke_issued(tx, c, "surrender",
                         in && in->opinion ? in->opinion : "given up by its holder", -1, NULL);
}

/* ---- the table ------------------------------------------------------------------------ */

#define DUTY_ACTION(name, prepare_fn, check_fn)                                                    \
    {                                                                                              \
        .action = name, .prepare = prepare_fn, .check = check_fn, .before_event = duties_write,    \
        .keeps_version = true,                                                                     \
    }

static const struct action_def actions[] = {
    {.action = "edit", .prepare = prepare_edit, .names_envelope = true},
    {.action = "submit",
     .prepare = prepare_submit,
     .check = check_submit,
     .before_event = mark_submitted,
     .names_envelope = true},
    {.action = "withdraw", .prepare = prepare_withdraw},
    {.action = "district_approve", .prepare = prepare_review, .check = check_review},
    {.action = "district_return", .prepare = prepare_review, .check = check_review},
    {.action = "district_reject", .prepare = prepare_review, .check = check_review},
    {.action = "municipal_approve", .prepare = prepare_review, .check = check_review},
    {.action = "municipal_return", .prepare = prepare_review, .check = check_review},
    {.action = "municipal_reject", .prepare = prepare_review, .check = check_review},
    {.action = "ranked", .prepare = prepare_ranked},
    {.action = "objection_filed",
     .prepare = prepare_objection,
     .check = check_objection,
     .before_event = file_objection,
     .keeps_version = true},
    {.action = "objection_upheld",
     .prepare = prepare_resolution,
     .before_event = resolve_objection},
    {.action = "objection_dismissed",
     .prepare = prepare_resolution,
     .before_event = resolve_objection},
    {.action = "notice_ended", .prepare = prepare_notice_end, .check = check_notice_end},
    {.action = "revoke",
     .prepare = prepare_revocation,
     .before_event = revoke_certificate,
     .after_event = disqualify_pending},
    {.action = "disqualified", .prepare = prepare_disqualified},
    DUTY_ACTION("report_filed", duties_prepare_report, duties_check_report),
    DUTY_ACTION("duty_reminder", duties_prepare_reminder, duties_check_reminder),
    DUTY_ACTION("duty_result", duties_prepare_result, duties_check_result),
    DUTY_ACTION("funds_paid", duties_prepare_funds, duties_check_funds),
    DUTY_ACTION("prompt_dismissed", duties_prepare_dismissal, duties_check_dismissal),
    DUTY_ACTION("refund_paid", duties_prepare_refund_paid, duties_check_refund_paid),
    DUTY_ACTION("duty_overdue", NULL, duties_check_clock),
    DUTY_ACTION("duty_missed", NULL, duties_check_clock),
    DUTY_ACTION("duty_met", NULL, duties_check_clock),
    DUTY_ACTION("duty_failed", NULL, duties_check_clock),
    {.action = "surrender_requested", .prepare = prepare_surrender},
    {.action = "surrender_forwarded", .prepare = prepare_surrender},
    {.action = "surrender_returned", .prepare = prepare_surrender},
    {.action = "surrender_refused", .prepare = prepare_surrender},
    {.action = "surrender_confirmed",
     .prepare = prepare_surrender,
     .before_event = confirm_surrender},
};

const struct action_def *action_find(const char *action)
{
    for (size_t i = 0; i < sizeof actions / sizeof actions[0]; i++)
        if (strcmp(actions[i].action, action) == 0)
            return &actions[i];
    return NULL;
}
