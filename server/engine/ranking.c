/*
 * A ranked kind's year (the tourism awards, 京文旅发〔2020〕190号 第五至八条,
 * 第十二条), and the time-driven work of the server's clock.
 *
 * The authority computes the ranking once the year's applications are in:
 * it ranks the eligible ones then in municipal_review, stores the whole
 * table, and fixes each ranked application's items (which its award then
 * shows, basis "ranked") through the workflow's "ranked" action, each with
 * its event.  Computing again replaces all of that, until the first
 * application of the year is approved at the municipal stage; from then on
 * the ranking stands.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "date.h"
#include "engine_impl.h"
#include "jsontext.h"
#include "log.h"
#include "notice.h"

struct ranking_run {
    struct engine *e;
    const struct actor *who;
    const struct kind *kind;
    int year;
    int confirm; /* how many the authority confirmed are left out; -1: not given */
    int64_t now;
    struct outcome *out;
    struct app **apps; /* every application of the year, owned */
    size_t n, cap;
    json_t *result;
};

static bool collect(struct application *row, void *ctx)
{
    struct ranking_run *run = ctx;
    if (run->n == run->cap) {
        size_t cap = run->cap ? run->cap * 2 : 32;
        struct app **grown = realloc(run->apps, cap * sizeof *grown);
        if (!grown)
            return false;
        run->apps = grown;
        run->cap = cap;
    }
    struct app *a = app_load(run->e, row, run->now);
    if (!a)
        return false;
    run->apps[run->n++] = a;
    return true;
}

/* One line of the table: a ranked entry and its application. */
struct table_row {
    const struct ranking_entry *e;
    const struct app *a;
};

static int by_total_then_id(const void *x, const void *y)
{
    const struct table_row *a = x, *b = y;
    if (a->e->total_fen != b->e->total_fen)
        return a->e->total_fen < b->e->total_fen ? 1 : -1;
    return (a->a->row.id > b->a->row.id) - (a->a->row.id < b->a->row.id);
}

static json_t *rank_or_null(int rank)
{
    return rank > 0 ? json_integer(rank) : json_null();
}

/* One entry of the table; NULL only when memory runs out. */
static json_t *entry_json(const struct ranking_entry *e, const struct app *a)
{
    return json_pack(
        "{s:I, s:{s:s, s:s}, s:{s:I, s:I, s:I, s:I}, s:{s:o, s:o, s:o, s:o}, s:o, s:o, s:I}",
        "application_id", (json_int_t)e->app_id, "applicant", "name",
        a->row.applicant_name ? a->row.applicant_name : "", "uscc", a->row.applicant_uscc,
        "figures", "outbound_person_days", (json_int_t)e->outbound, "outbound_person_days_prev",
        (json_int_t)e->outbound_prev, "reception_person_days", (json_int_t)e->reception,
        "reception_person_days_prev", (json_int_t)e->reception_prev, "ranks", "outbound",
        rank_or_null(e->outbound_rank), "outbound_growth", rank_or_null(e->outbound_growth_rank),
        "reception", rank_or_null(e->reception_rank), "reception_growth",
        rank_or_null(e->reception_growth_rank), "group",
        e->group ? json_string(e->group) : json_null(), "items", ranking_items_json(e), "total_fen",
        (json_int_t)e->total_fen);
}

/* A figure of the stored data, which validation keeps at 0 or more; held at
 * 0 all the same, so the ranking never computes on a negative figure. */
static int64_t person_days(int64_t n)
{
    return n > 0 ? n : 0;
}

/* Sets application i's ranked items (NULL: none) through the workflow when
 * they change. */
static enum engine_rc set_ranked_items(struct store_tx *tx, struct ranking_run *run, struct app *a,
                                       json_t *items)
{
    json_t *old = json_object_get(a->facts, "ranked_items");
    if ((!old && !items) || (old && items && json_equal(old, items)))
        return ENGINE_OK;
    struct outcome o;
    outcome_init(&o);
    struct change c = {.e = run->e,
                       .who = run->who,
                       .action = "ranked",
                       .input = items,
                       .now = run->now,
                       .out = &o};
    enum engine_rc rc = change_run_tx(tx, &c, a->row.id);
    if (rc != ENGINE_OK)
        outcome_nest(run->out, rc, o.reason, o.reason_zh, "application %lld", (long long)a->row.id);
    change_reset(&c);
    outcome_release(&o);
    return rc;
}

/* Forgets what a run of tx_rank() collected and made, for the next. */
static void run_clear(struct ranking_run *run)
{
    for (size_t i = 0; i < run->n; i++)
        app_free(run->apps[i]);
    run->n = 0;
    json_decref(run->result);
    run->result = NULL;
}

/* On PostgreSQL this may run more than once (a serialization failure runs
 * the transaction again): each run starts from nothing collected. */
static enum store_rc tx_rank(struct store_tx *tx, void *ctx)
{
    struct ranking_run *run = ctx;
    struct outcome *out = run->out;
    run_clear(run);
    out->rc = ENGINE_OK;
    out->reason[0] = out->reason_zh[0] = '\0';
    json_decref(out->extra); /* a run before this one's */
    out->extra = NULL;
    if (store_app_each_tx(tx, run->kind->name, run->year, collect, run) != STORE_OK) {
        outcome_set(out, ENGINE_ERROR, "the applications of the year could not be read");
        return STORE_ERROR;
    }
    for (size_t i = 0; i < run->n; i++) {
        const char *st = run->apps[i]->row.status;
        if (strcmp(st, "public_notice") == 0 || strcmp(st, "approved") == 0 ||
            strcmp(st, "revoked") == 0) {
            outcome_set(out, ENGINE_REFUSED,
                        "the %d ranking is fixed: application %lld has passed the municipal "
                        "stage",
                        run->year, (long long)run->apps[i]->row.id);
            return STORE_CONFLICT;
        }
    }

    /* RULES.md §5: the ranking is final, so what it leaves out stays out —
     * the applications of the year still at an earlier stage (with the
     * district, or returned to the applicant) — and a round whose window has
     * not closed may still bring more.  Either needs the authority's
     * explicit confirmation, with the count, which the ranking records. */
    json_t *left_out = json_array();
    for (size_t i = 0; i < run->n && left_out; i++) {
        const struct application *r = &run->apps[i]->row;
        if (strcmp(r->status, "district_review") == 0 || strcmp(r->status, "returned") == 0)
            json_array_append_new(left_out,
                                  json_pack("{s:I, s:s, s:s}", "application_id", (json_int_t)r->id,
                                            "applicant", r->applicant_name ? r->applicant_name : "",
                                            "status", r->status));
    }
    struct round_row window;
    enum store_rc wrc = store_round_get_tx(tx, run->kind->name, run->year, &window);
    char today[DATE_TEXT_LEN];
    date_format(date_of_unix(run->now), today);
    bool round_closed =
        wrc == STORE_NOT_FOUND || (wrc == STORE_OK && strcmp(today, window.closes_on) > 0);
    if (!left_out || (wrc != STORE_OK && wrc != STORE_NOT_FOUND)) {
        json_decref(left_out);
        outcome_set(out, ENGINE_ERROR, "the applications of the year could not be read");
        return STORE_ERROR;
    }
    int count = (int)json_array_size(left_out);
    if ((count > 0 || !round_closed) && run->confirm != count) {
        json_t *extra = json_pack("{s:o, s:i, s:b}", "left_out", left_out, "count", count,
                                  "round_closed", round_closed);
        if (wrc == STORE_OK)
            json_object_set_new(extra, "closes_on", json_string(window.closes_on));
        out->extra = extra;
        if (run->confirm >= 0)
            outcome_set(out, ENGINE_REFUSED,
                        "confirm is %d, but %d application%s of %d would be left out now; "
                        "look again and confirm %d",
                        run->confirm, count, count == 1 ? "" : "s", run->year, count);
        else if (!round_closed)
            outcome_set(out, ENGINE_REFUSED,
                        "the %d round closes on %s, and %d application%s of the year wait at an "
                        "earlier stage: the ranking is final, so computing it now needs "
                        "\"confirm\": %d",
                        run->year, window.closes_on, count, count == 1 ? "" : "s", count);
        else
            outcome_set(out, ENGINE_REFUSED,
                        "%d application%s of %d wait at an earlier stage and would be left out "
                        "of the final ranking for good: computing it needs \"confirm\": %d",
                        count, count == 1 ? "" : "s", run->year, count);
        return STORE_CONFLICT;
    }

    enum store_rc rc = STORE_OK;
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
        struct app *a = run->apps[i];
        if (strcmp(a->row.status, "municipal_review") != 0)
            continue;
        if (!eligibility_all_passed(&a->elig)) {
            const char *why = "not eligible";
            for (size_t c = 0; c < a->elig.n; c++)
                if (!a->elig.checks[c].passed) {
                    why = a->elig.checks[c].detail;
                    break;
                }
            if (json_array_append_new(excluded,
                                      json_pack("{s:I, s:s, s:s}", "application_id",
                                                (json_int_t)a->row.id, "applicant",
                                                a->row.applicant_name ? a->row.applicant_name : "",
                                                "reason", why)) != 0)
                rc = STORE_ERROR;
        } else {
            /* Eligible, so its data parsed. */
            struct ranking_entry *e = &entries[n_entries++];
            run->kind->ranking->figures(a->data.typed, e);
            e->app_id = a->row.id;
            e->outbound = person_days(e->outbound);
            e->outbound_prev = person_days(e->outbound_prev);
            e->reception = person_days(e->reception);
            e->reception_prev = person_days(e->reception_prev);
            entry_of[i] = n_entries;
        }
    }
    ranking_compute(entries, n_entries);

    for (size_t i = 0; i < run->n && rc == STORE_OK; i++) {
        /* A ranked agency that earns nothing still has its award fixed by
         * the ranking (basis "ranked", no items). */
        json_t *items = entry_of[i] ? ranking_items_json(&entries[entry_of[i] - 1]) : NULL;
        if (set_ranked_items(tx, run, run->apps[i], items) != ENGINE_OK)
            rc = out->rc == ENGINE_ERROR ? STORE_ERROR : STORE_CONFLICT;
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
            rows[entry_of[i] - 1] = (struct table_row){&entries[entry_of[i] - 1], run->apps[i]};
    qsort(rows, n_entries, sizeof *rows, by_total_then_id);
    for (size_t i = 0; i < n_entries; i++)
        if (json_array_append_new(table, entry_json(rows[i].e, rows[i].a)) != 0)
            rc = STORE_ERROR;
    char now[RFC3339_LEN];
    clock_format_rfc3339(run->now, now);
    if (rc == STORE_OK) {
        run->result = json_pack(
            "{s:s, s:i, s:s, s:I, s:O, s:O, s:O, s:b, s:o}", "kind", run->kind->name, "year",
            run->year, "computed_at", now, "computed_by", (json_int_t)run->who->account, "entries",
            table, "excluded", excluded, "left_out", left_out, "round_closed", round_closed,
            "confirmed", run->confirm >= 0 ? json_integer(run->confirm) : json_null());
        if (!run->result)
            rc = STORE_ERROR;
    }
    if (rc == STORE_OK) {
        char *text = dump_json(run->result, JSON_COMPACT);
        struct ranking_row row = {.year = run->year, .computed_by = run->who->account};
        snprintf(row.kind, sizeof row.kind, "%s", run->kind->name);
        snprintf(row.computed_at, sizeof row.computed_at, "%s", now);
        row.result_json = text;
        rc = text ? store_ranking_put(tx, &row) : STORE_ERROR;
        free(text);
    }
out:
    json_decref(table);
    json_decref(excluded);
    json_decref(left_out);
    free(rows);
    free(entries);
    free(entry_of);
    if (rc == STORE_ERROR && out->rc == ENGINE_OK)
        outcome_set(out, ENGINE_ERROR, "the ranking could not be stored");
    return rc;
}

enum engine_rc engine_rank(struct engine *e, const struct actor *who, const struct kind *kind,
                           int year, int confirm, int64_t now, struct outcome *out)
{
    if (!kind->ranking)
        return outcome_set(out, ENGINE_NOT_FOUND, "%s applications are not ranked", kind->name);
    if (who->role != ROLE_MUNICIPAL_REVIEWER || !who->authority ||
        strcmp(who->authority, kind->authority) != 0)
        return outcome_set(out, ENGINE_FORBIDDEN, "only the authority of %s (%s) ranks them",
                           kind->name, kind->authority);
    struct ranking_run run = {
        .e = e, .who = who, .kind = kind, .year = year, .confirm = confirm, .now = now, .out = out};
    enum store_rc rc = store_write_log(e->store, tx_rank, &run);
    json_t *result = run.result;
    run.result = NULL;
    run_clear(&run);
    free(run.apps);
    run.result = result;
    if (rc != STORE_OK) {
        json_decref(run.result);
        if (out->rc == ENGINE_OK && rc == STORE_CONFLICT && out->extra)
            outcome_set(out, ENGINE_REFUSED, "the ranking needs confirmation");
        if (out->rc == ENGINE_OK)
            outcome_set(out, ENGINE_ERROR, "the ranking could not be stored");
        return out->rc;
    }
    out->extra = run.result;
    return out->rc = ENGINE_OK;
}

/* ---- the clock ----------------------------------------------------------------------- */

struct due {
    int64_t now;
    struct application *rows; /* applications whose notice has ended, owned */
    size_t n, cap;
};

static bool collect_due(struct application *row, void *ctx)
{
    struct due *d = ctx;
    json_t *facts = facts_parse(row->facts_json);
    json_t *n = json_object_get(facts, "notice");
    const char *e = json_string_value(json_object_get(n, "ends_on"));
    sb_day ends;
    bool over = e && date_parse(e, &ends) && notice_over(ends, d->now);
    json_decref(facts);
    if (!over)
        return true;
    if (d->n == d->cap) {
        size_t cap = d->cap ? d->cap * 2 : 16;
        struct application *grown = realloc(d->rows, cap * sizeof *grown);
        if (!grown)
            return false;
        d->rows = grown;
        d->cap = cap;
    }
    d->rows[d->n++] = *row;
    memset(row, 0, sizeof *row); /* the copy owns the text now */
    return true;
}

struct tick {
    struct engine *e;
    int64_t now;
    void (*report)(const struct application *a, const char *what, void *ctx);
    void *ctx;
    int result;
};

static void tick_run(void *arg)
{
    struct tick *t = arg;
    struct engine *e = t->e;
    struct due d = {.now = t->now};
    enum store_rc src = store_app_each_status(e->store, "public_notice", collect_due, &d);
    int approved = 0, failed = src == STORE_OK ? 0 : 1;
    for (size_t i = 0; i < d.n; i++) {
        struct outcome o;
        outcome_init(&o);
        struct application *row = &d.rows[i];
        enum engine_rc rc =
            engine_act(e, &actor_system, row->id, "notice_ended", NULL, 0, t->now, &o);
        if (rc == ENGINE_OK) {
            approved++;
            if (t->report)
                t->report(&o.app->row, "approved", t->ctx);
        } else if (rc == ENGINE_REFUSED || rc == ENGINE_NOT_FOUND) {
            /* Held (an open objection), or changed meanwhile: next time. */
            if (t->report)
                t->report(row, o.rule[0] ? o.rule : o.reason, t->ctx);
        } else {
            failed++;
            log_msg(LOG_ERROR, "tick: application %lld: %s", (long long)row->id, o.reason);
        }
        outcome_release(&o);
        application_release(row);
    }
    free(d.rows);
    /* The duties after approval (RULES.md §8). */
    if (duties_tick(e, t->now, t->report, t->ctx) < 0)
        failed++;
    t->result = failed ? -1 : approved;
}

/* Of several servers on one database, one ticks at a time (store_alone());
 * the others skip their turn.  Should two ever tick at once all the same,
 * each transition is still made once: engine_act() changes only the
 * version it read, and a duty moves only from the state it was read in. */
int engine_tick(struct engine *e, int64_t now,
                void (*report)(const struct application *a, const char *what, void *ctx), void *ctx)
{
    if (!atomic_load(&e->key))
        return -1;
    struct tick t = {.e = e, .now = now, .report = report, .ctx = ctx};
    if (!store_alone(e->store, STORE_LOCK_CLOCK, tick_run, &t))
        return ENGINE_TICK_BUSY;
    return t.result;
}
