/*
 * POST /v1/applications/{id}/reviews: the district preliminary review and
 * the municipal re-review (RULES.md §1).
 *
 * A review is a workflow action named by its stage and decision
 * ("district_approve", "municipal_return", …).  The municipal approval
 * carries the kind's stage records, fixes the figures the award is computed
 * from, and publishes the result for the 5-working-day public notice.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "calendar.h"
#include "clock.h"
#include "date.h"
#include "kinds.h"
#include "notice.h"
#include "rules.h"
#include "spec.h"

static const char *const stages[] = {"district", "municipal", NULL};
static const char *const decisions[] = {"approve", "reject", "return", NULL};

#define REVIEW_BASE_FIELDS                                                                         \
    {.name = "stage", .type = SPEC_ENUM, .required = true, .enum_values = stages},                 \
        {.name = "decision", .type = SPEC_ENUM, .required = true, .enum_values = decisions},       \
        {.name = "opinion", .type = SPEC_TEXT, .min = 1, .max = 4000},                             \
    {                                                                                              \
        .name = "override_reason", .type = SPEC_TEXT, .min = 1, .max = 4000                        \
    }

#define MAX_RECORD_FIELDS 8

/* The review table plus, for a municipal approval, the kind's stage records. */
static void review_table(struct field_spec *out, const struct field_spec *records)
{
    static const struct field_spec base[] = {REVIEW_BASE_FIELDS};
    size_t n = sizeof base / sizeof base[0];
    memcpy(out, base, sizeof base);
    for (size_t i = 0; records && records[i].name && i < MAX_RECORD_FIELDS; i++)
        out[n++] = records[i];
    out[n] = (struct field_spec){.name = NULL};
}

struct review {
    const json_t *body;
    const char *stage, *decision;
    const struct calendar *calendar;
};

struct special_count {
    int64_t self;
    int granted;
};

static bool count_special(struct application *a, void *ctx)
{
    struct special_count *sc = ctx;
    if (a->id == sc->self)
        return true;
    if (strcmp(a->status, "public_notice") != 0 && strcmp(a->status, "approved") != 0)
        return true;
    json_t *facts = json_loads(a->facts_json, 0, NULL);
    if (json_is_true(json_object_get(facts, "special_award")))
        sc->granted++;
    json_decref(facts);
    return true;
}

/* The municipal approval: stage records, the eligibility override, what the
 * kind fixes at this stage, and the public notice. */
static enum store_rc municipal_approve(struct store_tx *tx, struct change *c, struct review *rv,
                                       const struct kind *k, json_t *facts)
{
    struct application *a = &c->app;
    const json_t *body = rv->body;

    /* Each finding recorded must have passed: an approval over a failed
     * expert review or inspection is a rejection or a return instead. */
    for (size_t i = 0; k->municipal_records[i].name; i++) {
        const json_t *rec = json_object_get(body, k->municipal_records[i].name);
        const json_t *passed = json_object_get(rec, "passed");
        if (json_is_false(passed)) {
            char ptr[64];
            snprintf(ptr, sizeof ptr, "/%s/passed", k->municipal_records[i].name);
            spec_errors_add(&c->errs, ptr,
                            "did not pass: reject or return the application instead");
        }
    }

    if (c->errs.count > 0)
        return STORE_OK; /* answered with the other bad fields in one 422 */

    if (strcmp(k->name, "tourism_award") == 0) {
        struct ranking_row row = {0};
        enum store_rc rc = store_ranking_get(c->r->srv->store, k->name, a->round, &row);
        free(row.result_json);
        if (rc == STORE_NOT_FOUND)
            return change_refuse(c, P_CONFLICT,
                                 "the %d ranking has not been computed; compute it first "
                                 "(POST /v1/rounds/tourism_award/%d/ranking)",
                                 a->round, a->round);
        if (rc != STORE_OK)
            return rc;
        if (json_is_true(json_object_get(body, "special_award"))) {
            struct special_count sc = {.self = a->id};
            rc = store_app_each_tx(tx, k->name, a->round, count_special, &sc);
            if (rc != STORE_OK)
                return rc;
            if (!tourism_special_award_available(sc.granted))
                return change_refuse(c, P_CONFLICT,
                                     "%d special awards were already granted in %d; at most %d "
                                     "a year",
                                     sc.granted, a->round, TOURISM_SPECIAL_AWARDS_PER_YEAR);
        }
    }

    /* The public notice (notice.h). */
    sb_day starts, ends;
    if (notice_period(rv->calendar, date_of_unix(clock_now()), &starts, &ends) != 0) {
        int first, last;
        calendar_years(rv->calendar, &first, &last);
        return change_refuse(c, P_CONFLICT,
                             "the working-day calendar covers %d-%d only; the notice period "
                             "cannot be set until the year's holiday arrangement is loaded",
                             first, last);
    }
    char s[DATE_TEXT_LEN], e[DATE_TEXT_LEN];
    date_format(starts, s);
    date_format(ends, e);
    json_object_set_new(facts, "notice", json_pack("{s:s, s:s}", "starts_on", s, "ends_on", e));

    json_t *records = json_object();
    for (size_t i = 0; k->municipal_records[i].name; i++) {
        json_t *rec = json_object_get(body, k->municipal_records[i].name);
        if (rec)
            json_object_set(records, k->municipal_records[i].name, rec);
    }
    json_object_set_new(facts, "municipal_records", records);
    if (json_object_get(body, "override_reason"))
        json_object_set(facts, "override_reason", json_object_get(body, "override_reason"));
    /* The figures the award is then computed from (struct rule_input). */
    if (json_object_get(body, "audited_amount_fen"))
        json_object_set(facts, "audited_fen", json_object_get(body, "audited_amount_fen"));
    if (json_object_get(body, "funded_charters"))
        json_object_set(facts, "funded_charters", json_object_get(body, "funded_charters"));
    if (json_object_get(body, "special_award"))
        json_object_set(facts, "special_award", json_object_get(body, "special_award"));
    return STORE_OK;
}

/* What the transition's guard looks at: the opinion, and for a municipal
 * approval whether the application passes every eligibility check. */
static enum store_rc gather_review(struct store_tx *tx, struct change *c, struct guard_facts *f)
{
    (void)tx;
    struct review *rv = c->ctx;
    f->opinion = json_object_get(rv->body, "opinion") != NULL;
    f->override_reason = json_object_get(rv->body, "override_reason") != NULL;
    if (strcmp(c->action, "municipal_approve") != 0)
        return STORE_OK;
    struct kind_data data;
    struct eligibility elig;
    struct award award;
    app_data_parse(&c->app, &data);
    app_evaluate(&c->app, &data, &elig, &award);
    kind_data_release(&data);
    f->eligible = eligibility_all_passed(&elig);
    c->scratch[0] = '\0';
    for (size_t i = 0; i < elig.n; i++)
        if (!elig.checks[i].passed) {
            size_t used = strlen(c->scratch);
            snprintf(c->scratch + used, sizeof c->scratch - used, "%s%s", used ? ", " : "",
                     elig.checks[i].id);
        }
    f->failed_checks = c->scratch;
    return STORE_OK;
}

static enum store_rc apply_review(struct store_tx *tx, struct change *c)
{
    struct review *rv = c->ctx;
    struct application *a = &c->app;
    const struct kind *k = kind_find(a->kind);
    bool municipal_approval = strcmp(c->action, "municipal_approve") == 0;

    /* The body again, now that the kind is known: a municipal approval
     * carries the kind's stage records, nothing else carries any. */
    struct field_spec table[8 + MAX_RECORD_FIELDS];
    review_table(table, municipal_approval && k ? k->municipal_records : NULL);
    spec_validate(table, rv->body, "", &c->errs);
    if (json_object_get(rv->body, "override_reason") && !municipal_approval)
        spec_errors_add(&c->errs, "/override_reason", "only a municipal approval takes one");

    c->opinion = json_string_value(json_object_get(rv->body, "opinion"));
    json_t *facts = json_loads(a->facts_json ? a->facts_json : "{}", 0, NULL);
    if (!facts)
        facts = json_object();
    enum store_rc rc = STORE_OK;
    if (municipal_approval && k)
        rc = municipal_approve(tx, c, rv, k, facts);
    if (rc == STORE_OK && c->errs.count == 0) {
        /* The history keeps the review as sent (its records, the override). */
        c->details = json_deep_copy(rv->body);
        json_object_del(c->details, "opinion");
        free(a->facts_json);
        a->facts_json = json_dumps(facts, JSON_COMPACT | JSON_SORT_KEYS);
        if (!a->facts_json)
            rc = STORE_ERROR; /* out of memory: the transaction rolls back */
    }
    json_decref(facts);
    return rc;
}

void api_review_create(struct request *r)
{
    /* First the shape of the request alone, so that a bad stage or decision
     * is a 422 before anything is read. */
    const json_t *body = r->body_json;
    const char *stage = json_string_value(json_object_get(body, "stage"));
    const char *decision = json_string_value(json_object_get(body, "decision"));
    struct spec_errors errs;
    spec_errors_init(&errs);
    static const struct field_spec shape[] = {
        {.name = "stage", .type = SPEC_ENUM, .required = true, .enum_values = stages},
        {.name = "decision", .type = SPEC_ENUM, .required = true, .enum_values = decisions},
        {.name = NULL},
    };
    json_t *head = json_object();
    if (json_object_get(body, "stage"))
        json_object_set(head, "stage", json_object_get(body, "stage"));
    if (json_object_get(body, "decision"))
        json_object_set(head, "decision", json_object_get(body, "decision"));
    spec_validate(shape, head, "", &errs);
    json_decref(head);
    if (errs.count > 0) {
        reply_invalid(r, &errs);
        spec_errors_release(&errs);
        return;
    }
    spec_errors_release(&errs);

    unsigned stage_role =
        strcmp(stage, "district") == 0 ? ROLE_DISTRICT_REVIEWER : ROLE_MUNICIPAL_REVIEWER;
    if (r->role != stage_role) {
        reply_problem(r, P_FORBIDDEN, "the %s stage is for %s reviewers", stage, stage);
        return;
    }
    char action[40];
    snprintf(action, sizeof action, "%s_%s", stage, decision);
    struct review rv = {
        .body = body, .stage = stage, .decision = decision, .calendar = r->srv->calendar};
    struct change c = {
        .action = action, .gather = gather_review, .apply = apply_review, .ctx = &rv};
    change_run(r, &c);
}
