/*
 * After approval (RULES.md §8): the duties what was issued brings, the
 * reports that discharge them, the authority's reminders (催告) and
 * findings, the day funds were received, the clock that marks duties
 * overdue, missed, met or failed, and the revocation prompts that follow.
 *
 * Every change here is an action of the transition table, run by
 * engine_act(): an event of the application that leaves its status (and
 * version) as it was.  Phase 1 checks the request; phase 2 reads the duty in
 * the transaction, works out what it becomes (struct duty_work) and writes
 * it before the event.  Nothing here revokes: a prompt tells the authority,
 * which decides.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "date.h"
#include "engine_impl.h"
#include "jsontext.h"
#include "log.h"
#include "text.h"

/* ---- helpers ------------------------------------------------------------------ */

void duty_work_free(struct duty_work *w)
{
    if (!w)
        return;
    for (unsigned i = 0; i < w->n; i++)
        duty_release(&w->rows[i]);
    report_release(&w->report);
    json_decref(w->report_files);
    free(w);
}

static struct duty_work *work_of(struct change *c)
{
    if (!c->work)
        c->work = calloc(1, sizeof *c->work);
    return c->work;
}

static enum engine_rc db_failed(struct change *c)
{
    return outcome_set(c->out, ENGINE_ERROR, "the database could not complete the change");
}

static enum engine_rc no_memory(struct change *c)
{
    return outcome_set(c->out, ENGINE_ERROR, "out of memory");
}

/* A new row of the work, empty (to insert) or to be filled by a read. */
static struct duty *work_row(struct change *c, bool insert)
{
    struct duty_work *w = work_of(c);
    if (!w || w->n == DUTY_WORK_MAX)
        return NULL;
    struct duty *d = &w->rows[w->n];
    memset(d, 0, sizeof *d);
    d->amount_fen = -1;
    d->prompt_refund_fen = -1;
    w->insert[w->n++] = insert;
    return d;
}

/* A new duty of the application, due on `nominal` moved off days off
 * (unknown while the calendar does not cover it). */
static struct duty *new_duty(struct change *c, const char *type, const char *period, sb_day nominal,
                             bool move)
{
    struct duty *d = work_row(c, true);
    if (!d)
        return NULL;
    d->application_id = c->app->row.id;
    snprintf(d->type, sizeof d->type, "%s", type);
    snprintf(d->period, sizeof d->period, "%s", period);
    date_format(nominal, d->nominal_on);
    sb_day due = nominal;
    if (!move || duty_due_on(c->e->calendar, nominal, &due) == 0)
        date_format(due, d->due_on);
    snprintf(d->status, sizeof d->status, "due");
    memcpy(d->created_at, c->now_text, sizeof d->created_at);
    return d;
}

/* Reads duty `id` of the application into a new row of the work; 404 for
 * another application's. */
static enum engine_rc read_duty(struct store_tx *tx, struct change *c, int64_t id,
                                struct duty **out)
{
    struct duty *d = work_row(c, false);
    if (!d)
        return no_memory(c);
    enum store_rc rc = id > 0 ? store_duty_get_tx(tx, id, d) : STORE_NOT_FOUND;
    if (rc == STORE_OK && d->application_id != c->app->row.id) {
        duty_release(d);
        memset(d, 0, sizeof *d);
        rc = STORE_NOT_FOUND;
    }
    if (rc == STORE_NOT_FOUND)
        return outcome_set(c->out, ENGINE_NOT_FOUND, "application %lld has no duty %lld",
                           (long long)c->app->row.id, (long long)id);
    if (rc != STORE_OK)
        return db_failed(c);
    *out = d;
    return ENGINE_OK;
}

static void set_status(struct change *c, struct duty *d, const char *status)
{
    snprintf(d->status, sizeof d->status, "%s", status);
    memcpy(d->updated_at, c->now_text, sizeof d->updated_at);
}

/* Raises a revocation prompt on d for the authority. */
static void raise_prompt(struct change *c, struct duty *d, const char *ground, int64_t refund_fen)
{
    snprintf(d->prompt_ground, sizeof d->prompt_ground, "%s", ground);
    snprintf(d->prompt_state, sizeof d->prompt_state, "open");
    memcpy(d->prompt_at, c->now_text, sizeof d->prompt_at);
    d->prompt_refund_fen = refund_fen;
}

static sb_day today(const struct change *c)
{
    return date_of_unix(c->now);
}

/* What was issued: its issue date and last valid day ("" without end), its
 * amount (-1 without). */
struct issued {
    sb_day issued_on;
    char valid_until[DATE_TEXT_LEN];
    int64_t amount_fen;
};

static enum engine_rc read_issued(struct store_tx *tx, struct change *c, struct issued *out)
{
    struct certificate_row cert;
    enum store_rc rc = store_cert_of_app_tx(tx, c->app->row.id, &cert);
    if (rc == STORE_NOT_FOUND)
        return outcome_set(c->out, ENGINE_REFUSED, "application %lld has issued nothing",
                           (long long)c->app->row.id);
    if (rc != STORE_OK)
        return db_failed(c);
    memset(out, 0, sizeof *out);
    out->amount_fen = -1;
    if (!date_parse(cert.issued_on, &out->issued_on))
        out->issued_on = today(c);
    snprintf(out->valid_until, sizeof out->valid_until, "%s", cert.valid_until);
    json_t *doc = parse_json0(cert.document_json, 0, NULL);
    if (json_is_integer(json_object_get(doc, "amount_fen")))
        out->amount_fen = json_integer_value(json_object_get(doc, "amount_fen"));
    json_decref(doc);
    certificate_release(&cert);
    return ENGINE_OK;
}

/* The annual report of `period` after d's, while what was issued is valid
 * (an incubator's report of a year due after its certificate ended is not
 * asked); none when the kind asks none. */
static void next_annual(struct change *c, const char *period, const char *valid_until)
{
    const struct kind *k = c->app->kind;
    const struct duty_rules *r = k->duties;
    if (!r || r->annual_month == 0)
        return;
    int next = (int)strtol(period, NULL, 10) + 1;
    sb_day nominal = duty_annual_nominal(r, engine_annual_due(c->e, k), next);
    sb_day until;
    if (valid_until[0] && date_parse(valid_until, &until) && nominal > until)
        return;
    char p[12];
    snprintf(p, sizeof p, "%d", next);
    new_duty(c, "annual_report", p, nominal, true);
}

/* The details of the event: the duty the action is about, as it becomes. */
static json_t *duty_details(const struct duty *d)
{
    json_t *o = json_pack("{s:I, s:s, s:s, s:s}", "duty", (json_int_t)d->id, "type", d->type,
                          "period", d->period, "status", d->status);
    if (o && d->due_on[0])
        json_object_set_new(o, "due_on", json_string(d->due_on));
    if (o && d->prompt_ground[0] && strcmp(d->prompt_state, "open") == 0)
        json_object_set_new(o, "prompt", json_string(d->prompt_ground));
    if (o && d->prompt_refund_fen >= 0 && strcmp(d->prompt_state, "open") == 0)
        json_object_set_new(o, "prompt_refund_fen", json_integer(d->prompt_refund_fen));
    return o;
}

enum engine_rc duties_write(struct store_tx *tx, struct change *c)
{
    struct duty_work *w = c->work;
    if (!w)
        return ENGINE_OK;
    if (w->add_report) {
        if (store_report_add(tx, &w->report) != STORE_OK)
            return db_failed(c);
        c->made_id = w->report.id;
    }
    for (unsigned i = 0; i < w->n; i++) {
        struct duty *d = &w->rows[i];
        if (d->report_id == -1)
            d->report_id = w->report.id;
        enum store_rc rc = w->insert[i] ? store_duty_add(tx, d) : store_duty_update(tx, d);
        /* A successor that exists already (a report filed early, then the
         * clock) is no error: there is one duty per period. */
        if (rc == STORE_CONFLICT && w->insert[i] && i > 0) {
            d->id = 0;
            continue;
        }
        if (rc == STORE_CONFLICT)
            return outcome_set(c->out, ENGINE_REFUSED, "a %s of %s is recorded already", d->type,
                               d->period);
        if (rc != STORE_OK)
            return db_failed(c);
    }
    json_t *details = w->n ? duty_details(&w->rows[0]) : json_object();
    if (!details)
        return no_memory(c);
    if (w->add_report)
        json_object_set_new(details, "report", json_integer(w->report.id));
    if (w->add_report && w->report_files)
        json_object_set(details, "materials", w->report_files);
    for (unsigned i = 1; i < w->n; i++)
        if (w->insert[i] && w->rows[i].id > 0) {
            json_t *next = json_pack("{s:I, s:s, s:s}", "duty", (json_int_t)w->rows[i].id, "type",
                                     w->rows[i].type, "period", w->rows[i].period);
            if (!json_object_get(details, "next"))
                json_object_set_new(details, "next", json_array());
            json_array_append_new(json_object_get(details, "next"), next);
        }
    if (c->details) {
        json_object_update(details, c->details);
        json_decref(c->details);
    }
    c->details = details;
    /* The answer: the duty (and report) as written. */
    if (w->n) {
        json_t *doc = duty_to_json(&w->rows[0]);
        if (!c->out->extra)
            c->out->extra = json_object();
        if (doc && c->out->extra)
            json_object_set_new(c->out->extra, "duty", doc);
        else
            json_decref(doc);
    }
    return ENGINE_OK;
}

/* ---- issuing ------------------------------------------------------------------- */

enum engine_rc duties_on_issue(struct store_tx *tx, struct change *c, sb_day issued_on,
                               const char *valid_until)
{
    const struct kind *k = c->app->kind;
    const struct duty_rules *r = k->duties;
    if (!r)
        return ENGINE_OK;
    /* The issue's own work: nothing else is written by this change. */
    if (r->annual_month > 0) {
        struct month_day md = engine_annual_due(c->e, k);
        int period = duty_first_annual_period(r, md, issued_on);
        sb_day nominal = duty_annual_nominal(r, md, period);
        sb_day until;
        if (!(valid_until && valid_until[0] && date_parse(valid_until, &until) &&
              nominal > until)) {
            char p[12];
            snprintf(p, sizeof p, "%d", period);
            if (!new_duty(c, "annual_report", p, nominal, true))
                return no_memory(c);
        }
    }
    if (r->recheck_years > 0) {
        sb_day nominal = duty_recheck_nominal(r, issued_on);
        int y, m, d;
        date_to_ymd(nominal, &y, &m, &d);
        char p[12];
        snprintf(p, sizeof p, "%d", y);
        if (!new_duty(c, "recheck", p, nominal, true))
            return no_memory(c);
    }
    struct duty_work *w = c->work;
    for (unsigned i = 0; w && i < w->n; i++)
        if (store_duty_add(tx, &w->rows[i]) != STORE_OK)
            return db_failed(c);
    duty_work_free(c->work);
    c->work = NULL;
    return ENGINE_OK;
}

/* ---- reports --------------------------------------------------------------------- */

static const char *const report_types[] = {"annual", "change", "closure", NULL};
static const char *const change_kinds[] = {"split",    "merger", "restructuring",
                                           "business", "name",   NULL};
static const char *const closure_causes[] = {"demolition", "closure", "licence_revoked", NULL};

static const struct field_spec annual_fields[] = {
    {.name = "period",
     .type = SPEC_STRING,
     .required = true,
     .min = 4,
     .max = 4,
     .title_zh = "报告年度",
     .title_en = "Year reported"},
    {.name = NULL},
};

static const struct field_spec change_fields[] = {
    {.name = "changed_on",
     .type = SPEC_DATE,
     .required = true,
     .title_zh = "变化日期",
     .title_en = "Changed on"},
    {.name = "change",
     .type = SPEC_ENUM,
     .required = true,
     .enum_values = change_kinds,
     .title_zh = "变化类型",
     .title_en = "What changed",
     .help = "split, merger, restructuring, business (经营业务), or name (名称)"},
    {.name = NULL},
};

static const struct field_spec closure_fields[] = {
    {.name = "closed_on",
     .type = SPEC_DATE,
     .required = true,
     .title_zh = "停止经营日期",
     .title_en = "Closed on"},
    {.name = "cause",
     .type = SPEC_ENUM,
     .required = true,
     .enum_values = closure_causes,
     .title_zh = "原因",
     .title_en = "Cause",
     .help = "demolition (拆迁), closure (停止营业) or licence_revoked (被吊销营业执照)"},
    {.name = NULL},
};

static const struct spec_variant report_variants[] = {
    {"annual", annual_fields},
    {"change", change_fields},
    {"closure", closure_fields},
    {NULL, NULL},
};

/* A file a report brings: the id of a file of the application's
 * report_attachment type (POST /v1/applications/{id}/materials). */
static const struct field_spec report_file_item = {
    .type = SPEC_INT, .min = 1, .max = INT64_MAX, .title_zh = "附件编号", .title_en = "File id"};

static const struct field_spec report_fields[] = {
    {.name = "type",
     .type = SPEC_ENUM,
     .required = true,
     .enum_values = report_types,
     .variants = report_variants,
     .title_zh = "报告类型",
     .title_en = "Report",
     .help = "annual: 年度报告; change: 重大变化报告; closure: 项目停止经营"},
    {.name = "summary",
     .type = SPEC_TEXT,
     .required = true,
     .min = 1,
     .max = 20000,
     .title_zh = "报告内容",
     .title_en = "Report"},
    {.name = "materials",
     .type = SPEC_ARRAY,
     .min = 0,
     .max = 50,
     .items = &report_file_item,
     .unique_items = true,
     .title_zh = "附件",
     .title_en = "Files",
     .help = "Ids of files uploaded to the application as report_attachment.",
     .help_zh = "以“报告附件”类型上传到本申报的文件编号。"},
    {.name = NULL},
};

/* Which reports kind k takes, by its duty rules. */
static bool kind_takes(const struct kind *k, const char *type)
{
    const struct duty_rules *r = k->duties;
    if (!r)
        return false;
    if (strcmp(type, "annual") == 0)
        return r->annual_month > 0;
    if (strcmp(type, "change") == 0)
        return r->change_months > 0;
    return strcmp(type, "closure") == 0 && r->operating_months > 0;
}

enum engine_rc duties_prepare_report(struct change *c)
{
    const struct duty_input *in = c->input;
    const json_t *body = in->body;
    const struct kind *k = c->app->kind;
    struct spec_errors *errs = &c->out->errs;
    if (spec_validate(report_fields, body, "", errs) > 0)
        return ENGINE_OK;
    const char *type = json_string_value(json_object_get(body, "type"));
    if (!kind_takes(k, type)) {
        char takes[64] = "";
        for (const char *const *t = report_types; *t; t++)
            if (kind_takes(k, *t))
                text_append(takes, sizeof takes, "%s%s", takes[0] ? ", " : "", *t);
        spec_errors_add(errs, "/type", "%s files no %s report; it files: %s", k->name, type,
                        takes[0] ? takes : "none");
        return ENGINE_OK;
    }
    sb_day day;
    const char *period = json_string_value(json_object_get(body, "period"));
    if (period && !(period[0] >= '1' && period[0] <= '9' && strspn(period, "0123456789") == 4))
        spec_errors_add(errs, "/period", "must be a year such as \"2021\"");
    static const char *const dated[] = {"changed_on", "closed_on", NULL};
    for (const char *const *m = dated; *m; m++) {
        const char *t = json_string_value(json_object_get(body, *m));
        char ptr[32];
        snprintf(ptr, sizeof ptr, "/%s", *m);
        if (t && date_parse(t, &day) && day > today(c))
            spec_errors_add(errs, ptr, "must not lie in the future");
    }
    return ENGINE_OK;
}

struct closed_on {
    sb_day earliest;
};

static void earliest_closure(const struct report *r, void *ctx)
{
    struct closed_on *e = ctx;
    sb_day d;
    if (date_parse(r->period, &d) && (e->earliest == 0 || d < e->earliest))
        e->earliest = d;
}

/* What a closure on `closed` means for the year of operation d: within the
 * year, the duty fails and prompts a revocation with the refund. */
static enum engine_rc closure_within_year(struct store_tx *tx, struct change *c, struct duty *d,
                                          sb_day closed)
{
    const struct kind *k = c->app->kind;
    sb_day paid, full;
    if (!date_parse(d->period, &paid) || !date_parse(d->nominal_on, &full) || closed >= full)
        return ENGINE_OK;
    struct issued is;
    enum engine_rc rc = read_issued(tx, c, &is);
    if (rc != ENGINE_OK)
        return rc;
    int64_t refund = duty_refund_fen(k->duties, is.amount_fen > 0 ? is.amount_fen : 0, paid, closed,
                                     c->e->settings.refund_pro_rata);
    set_status(c, d, "failed");
    raise_prompt(c, d, k->duties->closure_ground, refund);
    return ENGINE_OK;
}

struct find_type {
    const char *type;
    int64_t id;
};

static void find_type(const struct duty *d, void *ctx)
{
    struct find_type *f = ctx;
    if (strcmp(d->type, f->type) == 0 && f->id == 0)
        f->id = d->id;
}

struct open_annual {
    char list[160];
};

static void open_annual(const struct duty *d, void *ctx)
{
    struct open_annual *o = ctx;
    if (strcmp(d->type, "annual_report") == 0 && strcmp(d->status, "filed") != 0 &&
        strcmp(d->status, "cancelled") != 0)
        text_append(o->list, sizeof o->list, "%s%s", o->list[0] ? ", " : "", d->period);
}

/* The files a report names: each a file of the application of a type
 * that goes with reports, not deleted, not brought by an earlier report. */
struct report_files {
    const json_t *ids;
    const struct kind *kind;
    json_t *found; /* [{id, type, sha256, bytes}] in the order named */
    bool taken[50];
    bool bad_type[50], used[50];
};

static void report_file(const struct material *m, void *ctx)
{
    struct report_files *f = ctx;
    size_t i;
    json_t *v;
    json_array_foreach (f->ids, i, v) {
        if (i >= 50 || json_integer_value(v) != m->id || m->deleted_at[0])
            continue;
        const struct material_type *t = material_type_find(f->kind->materials, m->type);
        if (!t || !t->with_reports) {
            f->bad_type[i] = true;
            continue;
        }
        if (m->submitted) {
            f->used[i] = true;
            continue;
        }
        char hex[MATERIAL_SHA256_LEN * 2 + 1];
        sodium_bin2hex(hex, sizeof hex, m->sha256, MATERIAL_SHA256_LEN);
        json_array_set_new(f->found, i,
                           json_pack("{s:I, s:s, s:s, s:I}", "id", (json_int_t)m->id, "type",
                                     m->type, "sha256", hex, "bytes", (json_int_t)m->bytes));
        f->taken[i] = true;
    }
}

/* Replaces the ids of body's "materials" by what each file is, or says
 * which id is not a file the report may bring (422). */
static enum engine_rc report_materials(struct store_tx *tx, struct change *c, json_t *body)
{
    const json_t *ids = json_object_get(body, "materials");
    if (!json_is_array(ids) || json_array_size(ids) == 0)
        return ENGINE_OK;
    struct report_files f = {.ids = ids, .kind = c->app->kind, .found = json_array()};
    for (size_t i = 0; f.found && i < json_array_size(ids); i++)
        json_array_append_new(f.found, json_null());
    if (!f.found)
        return no_memory(c);
    if (store_materials_of_tx(tx, c->app->row.id, report_file, &f) != STORE_OK) {
        json_decref(f.found);
        return db_failed(c);
    }
    for (size_t i = 0; i < json_array_size(ids) && i < 50; i++) {
        if (f.taken[i])
            continue;
        char ptr[32];
        snprintf(ptr, sizeof ptr, "/materials/%zu", i);
        long long id = (long long)json_integer_value(json_array_get(ids, i));
        if (f.bad_type[i])
            spec_errors_add(&c->out->errs, ptr,
                            "file %lld is one of the application's materials, not a "
                            "report_attachment",
                            id);
        else if (f.used[i])
            spec_errors_add(&c->out->errs, ptr, "file %lld went with an earlier report", id);
        else
            spec_errors_add(&c->out->errs, ptr,
                            "application %lld has no file %lld; upload it first with POST "
                            "/v1/applications/%lld/materials?type=report_attachment",
                            (long long)c->app->row.id, id, (long long)c->app->row.id);
    }
    if (c->out->errs.count > 0) {
        json_decref(f.found);
        return outcome_invalid(c->out);
    }
    json_object_set_new(body, "materials", f.found);
    /* Kept from now on, even when deleted later (as a submission's are). */
    return store_materials_submitted(tx, c->app->row.id) == STORE_OK ? ENGINE_OK : db_failed(c);
}

enum engine_rc duties_check_report(struct store_tx *tx, struct change *c)
{
    const struct duty_input *in = c->input;
    const json_t *body = in->body;
    const struct kind *k = c->app->kind;
    const struct duty_rules *r = k->duties;
    const char *type = json_string_value(json_object_get(body, "type"));
    struct duty_work *w = work_of(c);
    if (!w)
        return no_memory(c);
    /* The report, as filed. */
    w->add_report = true;
    w->report.application_id = c->app->row.id;
    snprintf(w->report.type, sizeof w->report.type, "%s", type);
    json_t *kept = json_deep_copy(body);
    if (!kept)
        return no_memory(c);
    enum engine_rc frc = report_materials(tx, c, kept);
    if (frc != ENGINE_OK) {
        json_decref(kept);
        return frc;
    }
    w->report.body_json = dump_json(kept, JSON_COMPACT | JSON_SORT_KEYS);
    json_t *files = json_object_get(kept, "materials");
    if (json_is_array(files) && json_array_size(files) > 0) {
        json_decref(w->report_files);
        w->report_files = json_incref(files);
    }
    json_decref(kept);
    memcpy(w->report.filed_at, c->now_text, sizeof w->report.filed_at);
    w->report.filed_by = c->who->account;
    if (!w->report.body_json)
        return no_memory(c);

    if (strcmp(type, "annual") == 0) {
        const char *period = json_string_value(json_object_get(body, "period"));
        snprintf(w->report.period, sizeof w->report.period, "%s", period);
        struct duty *d = work_row(c, false);
        if (!d)
            return no_memory(c);
        enum store_rc rc = store_duty_find_tx(tx, c->app->row.id, "annual_report", period, d);
        if (rc == STORE_NOT_FOUND) {
            struct open_annual o = {""};
            if (store_duties_of_tx(tx, c->app->row.id, open_annual, &o) != STORE_OK)
                return db_failed(c);
            spec_errors_add(&c->out->errs, "/period", "no annual report of %s is asked; %s", period,
                            o.list[0] ? "the reports to file are of " : "none is open");
            if (o.list[0])
                text_append(c->out->errs.items[c->out->errs.count - 1].detail,
                            sizeof c->out->errs.items[0].detail, "%s", o.list);
            return outcome_invalid(c->out);
        }
        if (rc != STORE_OK)
            return db_failed(c);
        if (strcmp(d->status, "filed") == 0)
            return outcome_set(c->out, ENGINE_REFUSED, "the annual report of %s was filed at %s",
                               period, d->filed_at);
        if (strcmp(d->status, "cancelled") == 0)
            return outcome_set(c->out, ENGINE_REFUSED,
                               "the annual report of %s is no longer asked: what was issued ended",
                               period);
        bool was_due = strcmp(d->status, "due") == 0;
        set_status(c, d, "filed");
        memcpy(d->filed_at, c->now_text, sizeof d->filed_at);
        d->report_id = -1;
        if (was_due) {
            struct issued is;
            enum engine_rc erc = read_issued(tx, c, &is);
            if (erc != ENGINE_OK)
                return erc;
            next_annual(c, period, is.valid_until);
        }
        return ENGINE_OK;
    }

    if (strcmp(type, "change") == 0) {
        const char *changed = json_string_value(json_object_get(body, "changed_on"));
        const char *what = json_string_value(json_object_get(body, "change"));
        sb_day changed_on, due;
        date_parse(changed, &changed_on);
        snprintf(w->report.period, sizeof w->report.period, "%s", changed);
        struct duty *d =
            new_duty(c, "change_report", changed, duty_change_nominal(r, changed_on), true);
        if (!d)
            return no_memory(c);
        set_status(c, d, "filed");
        memcpy(d->filed_at, c->now_text, sizeof d->filed_at);
        d->report_id = -1;
        /* 第十一条: within 3 months; a day off at the end moves it on. */
        if (!date_parse(d->due_on, &due))
            due = duty_change_nominal(r, changed_on);
        bool late = today(c) > due;
        json_t *details = json_pack("{s:s, s:b}", "change", what, "late", late);
        c->details = details;
        /* 第十三条 2 names a change of the conditions reported late; a name
         * reported late is not one. */
        if (late && strcmp(what, "name") != 0 && r->late_change_ground)
            raise_prompt(c, d, r->late_change_ground, -1);
        return ENGINE_OK;
    }

    /* closure (48号 四) */
    const char *closed = json_string_value(json_object_get(body, "closed_on"));
    sb_day closed_on;
    date_parse(closed, &closed_on);
    snprintf(w->report.period, sizeof w->report.period, "%s", closed);
    struct find_type f = {"operating_year", 0};
    if (store_duties_of_tx(tx, c->app->row.id, find_type, &f) != STORE_OK)
        return db_failed(c);
    if (f.id == 0) {
        /* The funds have not been recorded as received: the year has not
         * begun.  The report stays; recording the payment weighs it. */
        c->details = json_pack("{s:s, s:b}", "closed_on", closed, "year_started", 0);
        return ENGINE_OK;
    }
    struct duty *d;
    enum engine_rc rc = read_duty(tx, c, f.id, &d);
    if (rc != ENGINE_OK)
        return rc;
    if (strcmp(d->status, "due") == 0 || strcmp(d->status, "met") == 0)
        rc = closure_within_year(tx, c, d, closed_on);
    if (d->report_id == 0)
        d->report_id = -1;
    memcpy(d->updated_at, c->now_text, sizeof d->updated_at);
    return rc;
}

/* ---- the authority's acts ---------------------------------------------------------- */

static const struct field_spec reminder_fields[] = {
    {.name = "due_on", .type = SPEC_DATE, .required = true},
    {.name = "opinion", .type = SPEC_TEXT, .min = 1, .max = 4000},
    {.name = NULL},
};

enum engine_rc duties_prepare_reminder(struct change *c)
{
    const struct duty_input *in = c->input;
    struct spec_errors *errs = &c->out->errs;
    if (spec_validate(reminder_fields, in->body, "", errs) > 0)
        return ENGINE_OK;
    sb_day due;
    date_parse(json_string_value(json_object_get(in->body, "due_on")), &due);
    if (due <= today(c))
        spec_errors_add(errs, "/due_on", "must lie after today: it is the new date to file by");
    c->opinion = json_string_value(json_object_get(in->body, "opinion"));
    return ENGINE_OK;
}

enum engine_rc duties_check_reminder(struct store_tx *tx, struct change *c)
{
    const struct duty_input *in = c->input;
    struct duty *d;
    enum engine_rc rc = read_duty(tx, c, in->duty, &d);
    if (rc != ENGINE_OK)
        return rc;
    if (strcmp(d->status, "overdue") != 0)
        return outcome_set(c->out, ENGINE_REFUSED,
                           "only an overdue duty is reminded; this %s of %s is %s", d->type,
                           d->period, d->status);
    sb_day asked, due;
    date_parse(json_string_value(json_object_get(in->body, "due_on")), &asked);
    if (duty_due_on(c->e->calendar, asked, &due) != 0)
        return outcome_set(c->out, ENGINE_REFUSED,
                           "the working-day calendar does not cover the year of that date yet");
    set_status(c, d, "reminded");
    date_format(due, d->due_on);
    memcpy(d->reminded_at, c->now_text, sizeof d->reminded_at);
    return ENGINE_OK;
}

static const struct field_spec result_fields[] = {
    {.name = "passed", .type = SPEC_BOOL, .required = true},
    {.name = "date", .type = SPEC_DATE, .required = true},
    {.name = "summary", .type = SPEC_TEXT, .required = true, .min = 1, .max = 4000},
    {.name = "rectify_by", .type = SPEC_DATE},
    {.name = NULL},
};

enum engine_rc duties_prepare_result(struct change *c)
{
    const struct duty_input *in = c->input;
    struct spec_errors *errs = &c->out->errs;
    if (spec_validate(result_fields, in->body, "", errs) > 0)
        return ENGINE_OK;
    sb_day date;
    date_parse(json_string_value(json_object_get(in->body, "date")), &date);
    if (date > today(c))
        spec_errors_add(errs, "/date", "must not lie in the future");
    c->opinion = json_string_value(json_object_get(in->body, "summary"));
    return ENGINE_OK;
}

enum engine_rc duties_check_result(struct store_tx *tx, struct change *c)
{
    const struct duty_input *in = c->input;
    const struct duty_rules *r = c->app->kind->duties;
    struct spec_errors *errs = &c->out->errs;
    struct duty *d;
    enum engine_rc rc = read_duty(tx, c, in->duty, &d);
    if (rc != ENGINE_OK)
        return rc;
    bool passed = json_is_true(json_object_get(in->body, "passed"));
    const char *rectify = json_string_value(json_object_get(in->body, "rectify_by"));
    sb_day date, rectify_by = 0;
    date_parse(json_string_value(json_object_get(in->body, "date")), &date);
    free(d->result_json);
    d->result_json = dump_json(in->body, JSON_COMPACT | JSON_SORT_KEYS);
    if (!d->result_json)
        return no_memory(c);

    if (strcmp(d->type, "recheck") == 0 &&
        (strcmp(d->status, "due") == 0 || strcmp(d->status, "overdue") == 0)) {
        /* 第十四条: a base that fails gets a deadline to rectify. */
        if (passed) {
            if (rectify)
                spec_errors_add(errs, "/rectify_by", "only for a re-check that did not pass");
        } else if (!rectify) {
            spec_errors_add(errs, "/rectify_by",
                            "is required: a base that fails its re-check is given a deadline to "
                            "rectify (第十四条)");
        } else if (date_parse(rectify, &rectify_by) && rectify_by <= today(c)) {
            spec_errors_add(errs, "/rectify_by", "must lie after today");
        }
        if (errs->count)
            return outcome_invalid(c->out);
        if (passed) {
            set_status(c, d, "passed");
        } else {
            sb_day due;
            if (duty_due_on(c->e->calendar, rectify_by, &due) != 0)
                due = rectify_by;
            set_status(c, d, "rectifying");
            date_format(due, d->due_on);
        }
    } else if (strcmp(d->type, "recheck") == 0 && strcmp(d->status, "rectifying") == 0) {
        if (rectify) {
            spec_errors_add(errs, "/rectify_by", "the deadline to rectify is set already");
            return outcome_invalid(c->out);
        }
        /* 第十六条(五): not rectified in time. */
        set_status(c, d, passed ? "passed" : "failed");
        if (!passed)
            raise_prompt(c, d, r->failed_recheck_ground, -1);
    } else if (strcmp(d->type, "change_report") == 0 && strcmp(d->status, "filed") == 0) {
        if (rectify) {
            spec_errors_add(errs, "/rectify_by", "only for a re-check");
            return outcome_invalid(c->out);
        }
        /* 第十一条: the certification stays, or is cancelled from the day of
         * the change (no bar). */
        set_status(c, d, passed ? "passed" : "failed");
        if (!passed && r->failed_change_ground)
            raise_prompt(c, d, r->failed_change_ground, -1);
    } else {
        return outcome_set(c->out, ENGINE_REFUSED,
                           "there is nothing to find on this %s of %s, which is %s", d->type,
                           d->period, d->status);
    }
    (void)date;
    if (strcmp(d->type, "recheck") == 0 && strcmp(d->status, "passed") == 0) {
        /* The next re-check, 3 years after this one was due. */
        sb_day nominal, next;
        date_parse(d->nominal_on, &nominal);
        next = duty_recheck_nominal(r, nominal);
        int y, m, dd;
        date_to_ymd(next, &y, &m, &dd);
        char p[12];
        snprintf(p, sizeof p, "%d", y);
        new_duty(c, "recheck", p, next, true);
    }
    return ENGINE_OK;
}

static const struct field_spec funds_fields[] = {
    {.name = "paid_on", .type = SPEC_DATE, .required = true},
    {.name = "opinion", .type = SPEC_TEXT, .min = 1, .max = 4000},
    {.name = NULL},
};

enum engine_rc duties_prepare_funds(struct change *c)
{
    const struct duty_input *in = c->input;
    struct spec_errors *errs = &c->out->errs;
    if (spec_validate(funds_fields, in->body, "", errs) > 0)
        return ENGINE_OK;
    sb_day paid;
    date_parse(json_string_value(json_object_get(in->body, "paid_on")), &paid);
    if (paid > today(c))
        spec_errors_add(errs, "/paid_on", "must not lie in the future");
    c->opinion = json_string_value(json_object_get(in->body, "opinion"));
    return ENGINE_OK;
}

/* 48号 四: the year of operation counts from the day the funds were received. */
enum engine_rc duties_check_funds(struct store_tx *tx, struct change *c)
{
    const struct duty_input *in = c->input;
    const struct duty_rules *r = c->app->kind->duties;
    const char *paid_text = json_string_value(json_object_get(in->body, "paid_on"));
    sb_day paid;
    date_parse(paid_text, &paid);
    struct find_type f = {"operating_year", 0};
    if (store_duties_of_tx(tx, c->app->row.id, find_type, &f) != STORE_OK)
        return db_failed(c);
    if (f.id != 0)
        return outcome_set(c->out, ENGINE_REFUSED,
                           "the day the funds were received is recorded already (duty %lld)",
                           (long long)f.id);
    struct issued is;
    enum engine_rc rc = read_issued(tx, c, &is);
    if (rc != ENGINE_OK)
        return rc;
    if (paid < is.issued_on) {
        char issued[DATE_TEXT_LEN];
        date_format(is.issued_on, issued);
        spec_errors_add(&c->out->errs, "/paid_on", "must not lie before the decision of %s",
                        issued);
        return outcome_invalid(c->out);
    }
    /* The year is full on the same date a year later (RULES.md §0): that
     * day is when the duty is met, not a deadline, so it is not moved. */
    struct duty *d = new_duty(c, "operating_year", paid_text, duty_operating_full(r, paid), false);
    if (!d)
        return no_memory(c);
    /* A closure reported before the payment was recorded. */
    struct closed_on e = {0};
    if (store_reports_of_tx(tx, c->app->row.id, "closure", earliest_closure, &e) != STORE_OK)
        return db_failed(c);
    if (e.earliest)
        return closure_within_year(tx, c, d, e.earliest);
    return ENGINE_OK;
}

static const struct field_spec dismissal_fields[] = {
    {.name = "opinion", .type = SPEC_TEXT, .required = true, .min = 1, .max = 4000},
    {.name = NULL},
};

enum engine_rc duties_prepare_dismissal(struct change *c)
{
    const struct duty_input *in = c->input;
    spec_validate(dismissal_fields, in->body, "", &c->out->errs);
    c->opinion = json_string_value(json_object_get(in->body, "opinion"));
    c->facts.opinion = c->opinion != NULL;
    return ENGINE_OK;
}

enum engine_rc duties_check_dismissal(struct store_tx *tx, struct change *c)
{
    const struct duty_input *in = c->input;
    struct duty *d = NULL;
    enum engine_rc rc = read_duty(tx, c, in->duty, &d);
    if (rc != ENGINE_OK)
        return rc;
    if (strcmp(d->prompt_state, "open") != 0)
        return outcome_set(c->out, ENGINE_REFUSED, "duty %lld has no open revocation prompt",
                           (long long)d->id);
    snprintf(d->prompt_state, sizeof d->prompt_state, "dismissed");
    memcpy(d->updated_at, c->now_text, sizeof d->updated_at);
    return ENGINE_OK;
}

static const struct field_spec refund_paid_fields[] = {
    {.name = "paid_on", .type = SPEC_DATE, .required = true},
    {.name = "amount_fen", .type = SPEC_FEN, .required = true, .min = 1, .max = 100000000000000},
    {.name = "opinion", .type = SPEC_TEXT, .min = 1, .max = 4000},
    {.name = NULL},
};

enum engine_rc duties_prepare_refund_paid(struct change *c)
{
    const struct duty_input *in = c->input;
    struct spec_errors *errs = &c->out->errs;
    if (spec_validate(refund_paid_fields, in->body, "", errs) > 0)
        return ENGINE_OK;
    sb_day paid;
    date_parse(json_string_value(json_object_get(in->body, "paid_on")), &paid);
    if (paid > today(c))
        spec_errors_add(errs, "/paid_on", "must not lie in the future");
    c->opinion = json_string_value(json_object_get(in->body, "opinion"));
    return ENGINE_OK;
}

enum engine_rc duties_check_refund_paid(struct store_tx *tx, struct change *c)
{
    const struct duty_input *in = c->input;
    struct duty *d;
    enum engine_rc rc = read_duty(tx, c, in->duty, &d);
    if (rc != ENGINE_OK)
        return rc;
    if (strcmp(d->type, "refund") != 0)
        return outcome_set(c->out, ENGINE_REFUSED, "duty %lld is a %s, not a refund",
                           (long long)d->id, d->type);
    if (strcmp(d->status, "paid") == 0)
        return outcome_set(c->out, ENGINE_REFUSED, "the refund was recorded as paid at %s",
                           d->updated_at);
    json_int_t amount = json_integer_value(json_object_get(in->body, "amount_fen"));
    if (amount != d->amount_fen) {
        spec_errors_add(&c->out->errs, "/amount_fen", "the refund is %lld fen",
                        (long long)d->amount_fen);
        return outcome_invalid(c->out);
    }
    set_status(c, d, "paid");
    free(d->result_json);
    d->result_json = dump_json(in->body, JSON_COMPACT | JSON_SORT_KEYS);
    return d->result_json ? ENGINE_OK : no_memory(c);
}

/* ---- the clock ------------------------------------------------------------------------- */

struct missed_count {
    int missed;
    bool prompt_open;
};

static void count_missed(const struct duty *d, void *ctx)
{
    struct missed_count *m = ctx;
    if (strcmp(d->type, "annual_report") == 0 && d->missed_at[0])
        m->missed++;
    if (strcmp(d->prompt_state, "open") == 0)
        m->prompt_open = true;
}

/* The clock's actions, checked again in the transaction: the duty must
 * still be where the clock saw it. */
enum engine_rc duties_check_clock(struct store_tx *tx, struct change *c)
{
    const struct duty_input *in = c->input;
    const struct duty_rules *r = c->app->kind->duties;
    struct duty *d;
    enum engine_rc rc = read_duty(tx, c, in->duty, &d);
    if (rc != ENGINE_OK)
        return rc;
    sb_day due, now_day = today(c);
    bool known = date_parse(d->due_on, &due);
    const char *a = c->action;
    if (strcmp(a, "duty_met") == 0) {
        if (strcmp(d->type, "operating_year") != 0 || strcmp(d->status, "due") != 0 || !known ||
            now_day < due)
            return outcome_set(c->out, ENGINE_REFUSED, "not due to be met");
        set_status(c, d, "met");
        return ENGINE_OK;
    }
    if (!known || now_day <= due)
        return outcome_set(c->out, ENGINE_REFUSED, "not past its date");
    if (strcmp(a, "duty_overdue") == 0 && strcmp(d->status, "due") == 0 &&
        strcmp(d->type, "operating_year") != 0) {
        set_status(c, d, "overdue");
        if (strcmp(d->type, "annual_report") == 0) {
            struct issued is;
            rc = read_issued(tx, c, &is);
            if (rc != ENGINE_OK)
                return rc;
            next_annual(c, d->period, is.valid_until);
        }
        return ENGINE_OK;
    }
    if (strcmp(a, "duty_missed") == 0 && strcmp(d->status, "reminded") == 0) {
        set_status(c, d, "missed");
        memcpy(d->missed_at, c->now_text, sizeof d->missed_at);
        /* 第十二条: 2 reports not filed even after a reminder, within the
         * validity, prompt the authority. */
        if (strcmp(d->type, "annual_report") == 0 && r && r->missed_reports_prompt > 0) {
            struct missed_count m = {0, false};
            if (store_duties_of_tx(tx, c->app->row.id, count_missed, &m) != STORE_OK)
                return db_failed(c);
            if (m.missed + 1 >= r->missed_reports_prompt && !m.prompt_open)
                raise_prompt(c, d, r->missed_reports_ground, -1);
        }
        return ENGINE_OK;
    }
    if (strcmp(a, "duty_failed") == 0 && strcmp(d->status, "rectifying") == 0) {
        set_status(c, d, "failed");
        raise_prompt(c, d, r->failed_recheck_ground, -1);
        return ENGINE_OK;
    }
    return outcome_set(c->out, ENGINE_REFUSED, "the %s of %s is %s", d->type, d->period, d->status);
}

/* ---- revocation ------------------------------------------------------------------------- */

struct to_close {
    struct duty rows[64];
    size_t n;
    bool more;
};

static void collect_open(const struct duty *d, void *ctx)
{
    struct to_close *t = ctx;
    bool open = strcmp(d->status, "due") == 0 || strcmp(d->status, "overdue") == 0 ||
                strcmp(d->status, "reminded") == 0 || strcmp(d->status, "rectifying") == 0;
    if (strcmp(d->type, "refund") == 0 || !(open || strcmp(d->prompt_state, "open") == 0))
        return;
    if (t->n == sizeof t->rows / sizeof t->rows[0]) {
        t->more = true;
        return;
    }
    struct duty *row = &t->rows[t->n++];
    *row = *d;
    row->result_json = d->result_json ? strdup(d->result_json) : NULL;
    row->applicant_name = NULL;
}

enum engine_rc duties_on_revocation(struct store_tx *tx, struct change *c, int64_t refund_fen)
{
    struct to_close *t = calloc(1, sizeof *t);
    enum engine_rc rc = ENGINE_OK;
    if (!t)
        return no_memory(c);
    if (store_duties_of_tx(tx, c->app->row.id, collect_open, t) != STORE_OK) {
        rc = db_failed(c);
        goto out;
    }
    for (size_t i = 0; i < t->n && rc == ENGINE_OK; i++) {
        struct duty *d = &t->rows[i];
        if (strcmp(d->prompt_state, "open") == 0)
            snprintf(d->prompt_state, sizeof d->prompt_state, "acted");
        if (strcmp(d->status, "due") == 0 || strcmp(d->status, "overdue") == 0 ||
            strcmp(d->status, "reminded") == 0 || strcmp(d->status, "rectifying") == 0)
            snprintf(d->status, sizeof d->status, "cancelled");
        memcpy(d->updated_at, c->now_text, sizeof d->updated_at);
        if (store_duty_update(tx, d) != STORE_OK)
            rc = db_failed(c);
    }
    if (rc == ENGINE_OK && refund_fen > 0) {
        /* The refund is due within the configured days (RULES.md §8 leaves
         * the time open). */
        unsigned days = c->e->settings.refund_days ? c->e->settings.refund_days : 30;
        char period[DATE_TEXT_LEN];
        date_format(today(c), period);
        struct duty r = {
            .application_id = c->app->row.id, .amount_fen = refund_fen, .prompt_refund_fen = -1};
        snprintf(r.type, sizeof r.type, "refund");
        snprintf(r.period, sizeof r.period, "%s", period);
        sb_day nominal = today(c) + (sb_day)days, due = nominal;
        date_format(nominal, r.nominal_on);
        if (duty_due_on(c->e->calendar, nominal, &due) == 0)
            date_format(due, r.due_on);
        snprintf(r.status, sizeof r.status, "due");
        memcpy(r.created_at, c->now_text, sizeof r.created_at);
        if (store_duty_add(tx, &r) != STORE_OK)
            rc = db_failed(c);
        else if (c->details)
            json_object_set_new(c->details, "refund_duty", json_integer(r.id));
    }
out:
    for (size_t i = 0; i < t->n; i++)
        duty_release(&t->rows[i]);
    free(t);
    return rc;
}

/* ---- the clock, outside any change ----------------------------------------------------- */

struct pending {
    struct duty *rows;
    size_t n, cap;
    bool failed;
};

static void collect_pending(const struct duty *d, void *ctx)
{
    struct pending *p = ctx;
    if (p->n == p->cap) {
        size_t cap = p->cap ? 2 * p->cap : 32;
        struct duty *grown = realloc(p->rows, cap * sizeof *grown);
        if (!grown) {
            p->failed = true;
            return;
        }
        p->rows = grown;
        p->cap = cap;
    }
    struct duty *row = &p->rows[p->n++];
    *row = *d;
    row->result_json = NULL;
    row->applicant_name = d->applicant_name ? strdup(d->applicant_name) : NULL;
}

struct due_fix {
    int64_t id;
    char due_on[DATE_TEXT_LEN];
};

static enum store_rc tx_fix_due(struct store_tx *tx, void *ctx)
{
    struct due_fix *f = ctx;
    struct duty d;
    enum store_rc rc = store_duty_get_tx(tx, f->id, &d);
    if (rc != STORE_OK)
        return rc;
    if (!d.due_on[0]) {
        memcpy(d.due_on, f->due_on, sizeof d.due_on);
        rc = store_duty_update(tx, &d);
    }
    duty_release(&d);
    return rc;
}

int duties_tick(struct engine *e, int64_t now,
                void (*report)(const struct application *a, const char *what, void *ctx), void *ctx)
{
    sb_day day = date_of_unix(now);
    char today_text[DATE_TEXT_LEN];
    date_format(day, today_text);
    struct pending p = {0};
    int moved = 0, failed = 0;
    if (store_duties_pending(e->store, today_text, collect_pending, &p) != STORE_OK || p.failed)
        failed = 1;
    for (size_t i = 0; i < p.n; i++) {
        struct duty *d = &p.rows[i];
        const char *action = NULL;
        sb_day due, nominal;
        if (!d->due_on[0]) {
            /* A due date the calendar could not give when the duty was
             * made: give it now that the calendar covers its year. */
            struct due_fix fix = {.id = d->id};
            if (date_parse(d->nominal_on, &nominal) &&
                duty_due_on(e->calendar, nominal, &due) == 0) {
                date_format(due, fix.due_on);
                if (store_write(e->store, tx_fix_due, &fix) != STORE_OK)
                    failed++;
            }
            continue;
        }
        if (!date_parse(d->due_on, &due))
            continue;
        if (strcmp(d->status, "due") == 0)
            action = strcmp(d->type, "operating_year") == 0 ? "duty_met"
                     : day > due                            ? "duty_overdue"
                                                            : NULL;
        else if (strcmp(d->status, "reminded") == 0 && day > due)
            action = "duty_missed";
        else if (strcmp(d->status, "rectifying") == 0 && day > due)
            action = "duty_failed";
        if (!action)
            continue;
        struct duty_input in = {.duty = d->id};
        struct outcome o;
        outcome_init(&o);
        enum engine_rc rc =
            engine_act(e, &actor_system, d->application_id, action, &in, 0, now, &o);
        struct application row = {.id = d->application_id, .applicant_name = d->applicant_name};
        snprintf(row.kind, sizeof row.kind, "%s", d->kind);
        char what[160];
        if (rc == ENGINE_OK) {
            moved++;
            const json_t *doc = json_object_get(o.extra, "duty");
            const char *ground =
                json_string_value(json_object_get(json_object_get(doc, "prompt"), "ground"));
            snprintf(what, sizeof what, "%s %s %s%s%s", d->type, d->period,
                     json_string_value(json_object_get(doc, "status")),
                     ground ? ", revocation prompt: " : "", ground ? ground : "");
            if (report)
                report(&row, what, ctx);
        } else if (rc != ENGINE_REFUSED && rc != ENGINE_NOT_FOUND) {
            failed++;
            log_msg(LOG_ERROR, "tick: duty %lld: %s", (long long)d->id, o.reason);
        }
        outcome_release(&o);
    }
    for (size_t i = 0; i < p.n; i++)
        duty_release(&p.rows[i]);
    free(p.rows);
    return failed ? -1 : moved;
}

/* ---- reading --------------------------------------------------------------------------- */

json_t *duty_to_json(const struct duty *d)
{
    json_t *o = json_pack("{s:I, s:I, s:s, s:s, s:s, s:s, s:b}", "id", (json_int_t)d->id,
                          "application_id", (json_int_t)d->application_id, "type", d->type,
                          "period", d->period, "nominal_due_on", d->nominal_on, "status", d->status,
                          "missed", d->missed_at[0] != '\0');
    if (!o)
        return NULL;
    /* A due date the calendar does not give yet shows the rule's, marked. */
    json_object_set_new(o, "due_on", json_string(d->due_on[0] ? d->due_on : d->nominal_on));
    if (!d->due_on[0])
        json_object_set_new(o, "due_on_provisional", json_true());
    json_object_set_new(o, "filed_at", d->filed_at[0] ? json_string(d->filed_at) : json_null());
    json_object_set_new(o, "reminded_at",
                        d->reminded_at[0] ? json_string(d->reminded_at) : json_null());
    json_object_set_new(o, "report_id",
                        d->report_id > 0 ? json_integer(d->report_id) : json_null());
    if (d->amount_fen >= 0)
        json_object_set_new(o, "amount_fen", json_integer(d->amount_fen));
    json_t *result = d->result_json ? parse_json0(d->result_json, 0, NULL) : NULL;
    json_object_set_new(o, "result", result ? result : json_null());
    if (d->prompt_ground[0]) {
        json_t *p = json_pack("{s:s, s:s, s:s}", "ground", d->prompt_ground, "state",
                              d->prompt_state, "raised_at", d->prompt_at);
        if (p && d->prompt_refund_fen >= 0)
            json_object_set_new(p, "refund_fen", json_integer(d->prompt_refund_fen));
        json_object_set_new(o, "prompt", p ? p : json_null());
    } else {
        json_object_set_new(o, "prompt", json_null());
    }
    if (d->kind[0]) {
        json_object_set_new(o, "kind", json_string(d->kind));
        json_object_set_new(o, "application_status", json_string(d->app_status));
        json_object_set_new(o, "review_unit", json_string(d->review_unit));
        json_object_set_new(o, "holder",
                            json_pack("{s:s, s:s}", "name",
                                      d->applicant_name ? d->applicant_name : "", "uscc",
                                      d->applicant_uscc));
    }
    return o;
}

struct duties_walk {
    void (*fn)(const struct duty *d, void *ctx);
    void *ctx;
};

enum engine_rc engine_duties_of(struct engine *e, const struct actor *who, int64_t id,
                                void (*fn)(const struct duty *d, void *ctx), void *ctx)
{
    struct app *a;
    enum engine_rc rc = engine_get(e, who, id, 0, &a);
    if (rc != ENGINE_OK)
        return rc;
    app_free(a);
    return store_duties_of(e->store, id, fn, ctx) == STORE_OK ? ENGINE_OK : ENGINE_ERROR;
}

enum engine_rc engine_reports_of(struct engine *e, const struct actor *who, int64_t id,
                                 void (*fn)(const struct report *r, void *ctx), void *ctx)
{
    struct app *a;
    enum engine_rc rc = engine_get(e, who, id, 0, &a);
    if (rc != ENGINE_OK)
        return rc;
    app_free(a);
    return store_reports_of(e->store, id, fn, ctx) == STORE_OK ? ENGINE_OK : ENGINE_ERROR;
}

json_t *report_to_json(const struct report *r)
{
    json_t *body = parse_json0(r->body_json, 0, NULL);
    return json_pack("{s:I, s:I, s:s, s:s, s:o, s:s}", "id", (json_int_t)r->id, "application_id",
                     (json_int_t)r->application_id, "type", r->type, "period", r->period, "body",
                     body ? body : json_object(), "filed_at", r->filed_at);
}

enum engine_rc engine_duty_list(struct engine *e, const struct actor *who, struct duty_filter *f,
                                void (*fn)(const struct duty *d, void *ctx), void *ctx, bool *more)
{
    size_t n = 0;
    memset(f->kinds_in, 0, sizeof f->kinds_in);
    f->review_unit = NULL;
    switch (who->role) {
    case ROLE_DISTRICT_REVIEWER:
        /* Of its unit, of the kinds with a district stage here (an
         * experience base reports to its district bureau, 第十五条). */
        f->review_unit = who->unit ? who->unit : "";
        for (size_t i = 0; kinds[i] && n < 4; i++)
            if (engine_kind_stages(e, kinds[i]) & STAGE_DISTRICT)
                f->kinds_in[n++] = kinds[i]->name;
        if (n == 0)
            f->kinds_in[0] = "";
        break;
    case ROLE_MUNICIPAL_REVIEWER:
        for (size_t i = 0; kinds[i] && n < 4; i++)
            if (kind_of_authority(kinds[i], who->authority))
                f->kinds_in[n++] = kinds[i]->name;
        if (n == 0)
            f->kinds_in[0] = "";
        break;
    case ROLE_AUDITOR:
        break;
    default:
        return ENGINE_FORBIDDEN;
    }
    return store_duties_list(e->store, f, fn, ctx, more) == STORE_OK ? ENGINE_OK : ENGINE_ERROR;
}

struct standing {
    bool annual_overdue, rectifying;
    char rectify_by[DATE_TEXT_LEN];
};

static void standing_of(const struct duty *d, void *ctx)
{
    struct standing *s = ctx;
    if (strcmp(d->type, "annual_report") == 0 &&
        (strcmp(d->status, "overdue") == 0 || strcmp(d->status, "reminded") == 0 ||
         strcmp(d->status, "missed") == 0))
        s->annual_overdue = true;
    if (strcmp(d->type, "recheck") == 0 &&
        (strcmp(d->status, "rectifying") == 0 || strcmp(d->status, "failed") == 0)) {
        s->rectifying = true;
        memcpy(s->rectify_by, d->due_on, sizeof s->rectify_by);
    }
}

json_t *engine_standing(struct engine *e, const struct kind *k, int64_t application_id)
{
    if (!k->duties)
        return json_null();
    struct standing s = {0};
    if (store_duties_of(e->store, application_id, standing_of, &s) != STORE_OK)
        return NULL;
    json_t *o = json_object();
    if (k->duties->annual_month > 0)
        json_object_set_new(o, "annual_report_overdue", json_boolean(s.annual_overdue));
    if (k->duties->recheck_years > 0) {
        json_object_set_new(o, "under_rectification", json_boolean(s.rectifying));
        if (s.rectifying && s.rectify_by[0])
            json_object_set_new(o, "rectify_by", json_string(s.rectify_by));
    }
    return o;
}
