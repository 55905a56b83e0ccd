/*
 * /v1/rounds/tourism_award/{year}/ranking: the year's ranked awards
 * (京文旅发〔2020〕190号 第五至八条, 第十二条).
 *
 * The culture and tourism authority computes the ranking once the year's
 * applications are in: it ranks the eligible ones then in municipal_review,
 * stores the whole table, and fixes each ranked application's items (which
 * its award then shows, basis "ranked").  Computing again replaces all of
 * that, until the first application of the year is approved at the
 * municipal stage; from then on the ranking stands.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "clock.h"
#include "kind_tourism_award.h"
#include "kinds.h"
#include "ranking.h"
#include "rules.h"

#define RANKED_KIND       "tourism_award"
#define RANKING_AUTHORITY "culture_tourism"

/* Checks the path ({kind}, {year}) and the caller's authority; replies and
 * returns 0 when the request cannot go on. */
static int ranking_year(struct request *r)
{
    if (strcmp(r->params[0], RANKED_KIND) != 0) {
        reply_problem(r, P_NOT_FOUND, "only tourism_award applications are ranked");
        return 0;
    }
    char *end;
    errno = 0;
    long year = strtol(r->params[1], &end, 10);
    if (errno || *end || year < 2019 || year > 2100) {
        reply_problem(r, P_NOT_FOUND, "no round %s", r->params[1]);
        return 0;
    }
    if (r->role == ROLE_MUNICIPAL_REVIEWER &&
        strcmp(r->account.authority, RANKING_AUTHORITY) != 0) {
        reply_problem(r, P_FORBIDDEN,
                      "only the culture and tourism authority ranks "
                      "tourism_award applications");
        return 0;
    }
    return (int)year;
}

struct ranking_run {
    struct request *r;
    int year;
    struct application *apps; /* every application of the year, owned */
    size_t n, cap;
    json_t *result;    /* out: the stored ranking */
    char refusal[256]; /* out: why it may not be computed now */
};

static bool collect(struct application *a, void *ctx)
{
    struct ranking_run *run = ctx;
    if (run->n == run->cap) {
        size_t cap = run->cap ? run->cap * 2 : 32;
        struct application *grown = realloc(run->apps, cap * sizeof *grown);
        if (!grown)
            return false;
        run->apps = grown;
        run->cap = cap;
    }
    run->apps[run->n++] = *a;
    /* The copy now owns the strings. */
    a->applicant_name = NULL;
    a->data_json = NULL;
    a->facts_json = NULL;
    return true;
}

/* One line of the table: a ranked entry and its application. */
struct table_row {
    const struct ranking_entry *e;
    const struct application *a;
};

static int by_total_then_id(const void *x, const void *y)
{
    const struct table_row *a = x, *b = y;
    if (a->e->total_fen != b->e->total_fen)
        return a->e->total_fen < b->e->total_fen ? 1 : -1;
    return (a->a->id > b->a->id) - (a->a->id < b->a->id);
}

static json_t *rank_or_null(int rank)
{
    return rank > 0 ? json_integer(rank) : json_null();
}

/* One entry of the table; NULL only when memory runs out. */
static json_t *entry_json(const struct ranking_entry *e, const struct application *a)
{
    json_t *o = json_pack(
        "{s:I, s:{s:s, s:s}, s:{s:I, s:I, s:I, s:I}, s:{s:o, s:o, s:o, s:o}, s:o, s:o, s:I}",
        "application_id", (json_int_t)e->app_id, "applicant", "name", a->applicant_name, "uscc",
        a->applicant_uscc, "figures", "outbound_person_days", (json_int_t)e->outbound,
        "outbound_person_days_prev", (json_int_t)e->outbound_prev, "reception_person_days",
        (json_int_t)e->reception, "reception_person_days_prev", (json_int_t)e->reception_prev,
        "ranks", "outbound", rank_or_null(e->outbound_rank), "outbound_growth",
        rank_or_null(e->outbound_growth_rank), "reception", rank_or_null(e->reception_rank),
        "reception_growth", rank_or_null(e->reception_growth_rank), "group",
        e->group ? json_string(e->group) : json_null(), "items", ranking_items_json(e), "total_fen",
        (json_int_t)e->total_fen);
    return o;
}

/* A figure of the stored data, which validation keeps at 0 or more (data a
 * database changed by hand no longer parses, and is not eligible); held at
 * 0 all the same, so the ranking never computes on a negative figure. */
static int64_t person_days(int64_t n)
{
    return n > 0 ? n : 0;
}

/* Writes an application's new ranked items (NULL: none) when they change. */
static enum store_rc set_ranked_items(struct store_tx *tx, struct application *a, json_t *items,
                                      const char *now)
{
    json_t *facts = json_loads(a->facts_json ? a->facts_json : "{}", 0, NULL);
    if (!facts)
        facts = json_object();
    json_t *old = json_object_get(facts, "ranked_items");
    enum store_rc rc = STORE_OK;
    if ((!old && !items) || (old && items && json_equal(old, items)))
        goto out;
    if (items)
        json_object_set(facts, "ranked_items", items);
    else
        json_object_del(facts, "ranked_items");
    free(a->facts_json);
    a->facts_json = json_dumps(facts, JSON_COMPACT | JSON_SORT_KEYS);
    if (!a->facts_json) {
        rc = STORE_ERROR; /* out of memory: the transaction rolls back */
        goto out;
    }
    int64_t expected = a->version;
    a->version = expected + 1;
    snprintf(a->updated_at, sizeof a->updated_at, "%s", now);
    rc = store_app_update(tx, a, expected);
out:
    json_decref(facts);
    return rc;
}

static enum store_rc tx_rank(struct store_tx *tx, void *ctx)
{
    struct ranking_run *run = ctx;
    enum store_rc rc = store_app_each_tx(tx, RANKED_KIND, run->year, collect, run);
    if (rc != STORE_OK)
        return rc;

    for (size_t i = 0; i < run->n; i++) {
        const char *st = run->apps[i].status;
        if (strcmp(st, "public_notice") == 0 || strcmp(st, "approved") == 0 ||
            strcmp(st, "revoked") == 0) {
            snprintf(run->refusal, sizeof run->refusal,
                     "the %d ranking is fixed: application %lld has passed the municipal stage",
                     run->year, (long long)run->apps[i].id);
            return STORE_CONFLICT;
        }
    }

    /* Out of memory anywhere below is STORE_ERROR: the transaction rolls
     * back and nothing half-rendered is stored. */
    struct ranking_entry *entries = calloc(run->n ? run->n : 1, sizeof *entries);
    size_t *entry_of = calloc(run->n ? run->n : 1, sizeof *entry_of); /* app index → entry + 1 */
    json_t *excluded = json_array(), *table = json_array();
    struct table_row *rows = NULL;
    size_t n_entries = 0;
    if (!entries || !entry_of || !excluded || !table) {
        rc = STORE_ERROR;
        goto out;
    }
    for (size_t i = 0; i < run->n; i++) {
        struct application *a = &run->apps[i];
        if (strcmp(a->status, "municipal_review") != 0)
            continue;
        struct kind_data data;
        struct eligibility elig;
        struct award award;
        app_data_parse(a, &data);
        app_evaluate(a, &data, &elig, &award);
        if (!eligibility_all_passed(&elig)) {
            const char *why = "not eligible";
            for (size_t c = 0; c < elig.n; c++)
                if (!elig.checks[c].passed) {
                    why = elig.checks[c].detail;
                    break;
                }
            if (json_array_append_new(excluded, json_pack("{s:I, s:s, s:s}", "application_id",
                                                          (json_int_t)a->id, "applicant",
                                                          a->applicant_name, "reason", why)) != 0)
                rc = STORE_ERROR;
        } else {
            /* Eligible, so its data parsed. */
            const struct tourism_award_data *d = data.typed;
            struct ranking_entry *e = &entries[n_entries++];
            e->app_id = a->id;
            e->outbound = person_days(d->outbound_person_days);
            e->outbound_prev = person_days(d->outbound_person_days_prev);
            e->reception = person_days(d->reception_person_days);
            e->reception_prev = person_days(d->reception_person_days_prev);
            entry_of[i] = n_entries;
        }
        kind_data_release(&data);
    }
    ranking_compute(entries, n_entries);

    char now[RFC3339_LEN];
    clock_format_rfc3339(clock_now(), now);
    for (size_t i = 0; i < run->n && rc == STORE_OK; i++) {
        /* A ranked agency that earns nothing still has its award fixed by
         * the ranking (basis "ranked", no items). */
        json_t *items = entry_of[i] ? ranking_items_json(&entries[entry_of[i] - 1]) : NULL;
        rc = set_ranked_items(tx, &run->apps[i], items, now);
        json_decref(items);
    }

    /* The table, highest award first. */
    rows = calloc(n_entries ? n_entries : 1, sizeof *rows);
    if (!rows || rc != STORE_OK) {
        rc = rc != STORE_OK ? rc : STORE_ERROR;
        goto out;
    }
    for (size_t i = 0; i < run->n; i++)
        if (entry_of[i])
            rows[entry_of[i] - 1] = (struct table_row){&entries[entry_of[i] - 1], &run->apps[i]};
    qsort(rows, n_entries, sizeof *rows, by_total_then_id);
    for (size_t i = 0; i < n_entries; i++)
        if (json_array_append_new(table, entry_json(rows[i].e, rows[i].a)) != 0)
            rc = STORE_ERROR;
    if (rc == STORE_OK) {
        run->result =
            json_pack("{s:s, s:i, s:s, s:I, s:O, s:O}", "kind", RANKED_KIND, "year", run->year,
                      "computed_at", now, "computed_by", (json_int_t)run->r->account.id, "entries",
                      table, "excluded", excluded);
        if (!run->result)
            rc = STORE_ERROR;
    }
out:
    json_decref(table);
    json_decref(excluded);
    free(rows);
    free(entries);
    free(entry_of);
    if (rc != STORE_OK)
        return rc;

    char *text = json_dumps(run->result, JSON_COMPACT);
    struct ranking_row row = {.year = run->year, .computed_by = run->r->account.id};
    snprintf(row.kind, sizeof row.kind, "%s", RANKED_KIND);
    snprintf(row.computed_at, sizeof row.computed_at, "%s", now);
    row.result_json = text;
    rc = text ? store_ranking_put(tx, &row) : STORE_ERROR;
    free(text);
    return rc;
}

void api_ranking_compute(struct request *r)
{
    struct ranking_run run = {.r = r};
    run.year = ranking_year(r);
    if (!run.year)
        return;
    enum store_rc rc = store_write(r->srv->store, tx_rank, &run);
    if (rc == STORE_OK) {
        reply_json(r, 200, run.result);
        run.result = NULL;
    } else if (rc == STORE_CONFLICT && run.refusal[0]) {
        reply_problem(r, P_CONFLICT, "%s", run.refusal);
    } else if (rc == STORE_CONFLICT) {
        reply_problem(r, P_CONFLICT, "an application of the year changed meanwhile; try again");
    } else {
        reply_store_error(r, rc);
    }
    json_decref(run.result);
    for (size_t i = 0; i < run.n; i++)
        application_release(&run.apps[i]);
    free(run.apps);
}

void api_ranking_get(struct request *r)
{
    int year = ranking_year(r);
    if (!year)
        return;
    struct ranking_row row = {0};
    enum store_rc rc = store_ranking_get(r->srv->store, RANKED_KIND, year, &row);
    if (rc == STORE_NOT_FOUND) {
        reply_problem(r, P_NOT_FOUND, "the %d ranking has not been computed", year);
        return;
    }
    if (rc != STORE_OK) {
        reply_store_error(r, rc);
        return;
    }
    json_t *doc = json_loads(row.result_json, 0, NULL);
    free(row.result_json);
    if (!doc)
        reply_problem(r, P_INTERNAL, "the stored ranking cannot be read");
    else
        reply_json(r, 200, doc);
}
