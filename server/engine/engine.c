/*
 * The engine: applications as it holds them (parsed once, evaluated),
 * visibility, creation, and the one runner every change goes through.
 */
#include <assert.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "digest.h"
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

enum engine_rc outcome_nest(struct outcome *o, enum engine_rc rc, const char *inner,
                            const char *inner_zh, const char *fmt, ...)
{
    char en[256], zh[256];
    va_list ap;
    va_start(ap, fmt);
    msg_vformat(en, sizeof en, zh, sizeof zh, fmt, ap);
    va_end(ap);
    snprintf(o->reason, sizeof o->reason, "%s: %s", en, inner);
    text_trim_utf8(o->reason);
    if (zh[0])
        snprintf(o->reason_zh, sizeof o->reason_zh, "%s：%s", zh,
                 inner_zh && inner_zh[0] ? inner_zh : inner);
    else
        o->reason_zh[0] = '\0';
    text_trim_utf8(o->reason_zh);
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
    e->settings.material_max_bytes = ENGINE_MATERIAL_MAX_BYTES;
    e->settings.materials_max_bytes = ENGINE_MATERIALS_MAX_BYTES;
    /* Messages name roles, kinds and authorities in Chinese by their tables. */
    msg_set_terms(domain_term_zh);
    return 0;
}

unsigned engine_kind_stages(const struct engine *e, const struct kind *k)
{
    for (unsigned i = 0; i < e->settings.n_stages; i++)
        if (strcmp(e->settings.stages[i].kind, k->name) == 0)
            return e->settings.stages[i].stages;
    return k->stages;
}

struct month_day engine_annual_due(const struct engine *e, const struct kind *k)
{
    for (unsigned i = 0; i < e->settings.n_annual_due; i++)
        if (strcmp(e->settings.annual_due[i].kind, k->name) == 0)
            return e->settings.annual_due[i].due;
    return (struct month_day){0, 0};
}

int engine_check_settings(const struct engine_settings *s, char *err, size_t errlen)
{
    for (unsigned i = 0; i < s->n_annual_due; i++) {
        const struct kind *k = kind_find(s->annual_due[i].kind);
        if (!k) {
            snprintf(err, errlen, "annual_report_due: there is no kind \"%s\"",
                     s->annual_due[i].kind);
            return -1;
        }
        if (!k->duties || k->duties->annual_month == 0) {
            snprintf(err, errlen, "annual_report_due: %s has no annual reports", k->name);
            return -1;
        }
    }
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

/* The route of one application through the transition table: its kind's
 * stages, less the district stage for an application the kind sends
 * straight to the municipal stage (a unit directly under the authority,
 * RULES.md §7), and what its kind does after approval (AFTER_*). */
static unsigned app_stages(const struct engine *e, const struct app *a)
{
    unsigned stages = engine_kind_stages(e, a->kind);
    if (a->kind->skips_district && a->data.typed && a->kind->skips_district(a->data.typed))
        stages &= ~(unsigned)STAGE_DISTRICT;
    return stages | a->kind->after;
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
    /* The reviewer's decisions on the items of a list (the stores of an
     * introduction), borrowed from the facts. */
    struct item_decision decided[RULES_MAX_ITEM_DECISIONS];
    const json_t *decisions = json_object_get(facts, "item_decisions");
    for (size_t i = 0; i < json_array_size(decisions) && i < RULES_MAX_ITEM_DECISIONS; i++) {
        const json_t *d = json_array_get(decisions, i);
        decided[i].included = !json_is_false(json_object_get(d, "included"));
        decided[i].reason = json_string_value(json_object_get(d, "reason"));
        in.n_item_decisions = i + 1;
    }
    in.item_decisions = decided;

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
    if (!a->data.complete) {
        /* A draft still being filled in: the rules read complete data
         * only, so eligibility waits (CONTRACT.md "Lenient drafts"). */
        size_t n = spec_errors_total(&a->data.gaps);
        eligibility_add(&a->elig, "complete", false,
                        "the application is not complete yet: %zu fields are missing or not yet "
                        "consistent (completeness lists them); the checks are made once it is",
                        n);
        eligibility_zh(&a->elig,
                       "申报表尚未填写完整：还有 %zu 项缺少或前后不一致；"
                       "填写完整后即进行资格审查",
                       n);
        return;
    }
    if (k->eligibility)
        k->eligibility(&in, &a->elig);
    if (k->award)
        k->award(&in, &a->award);
}

/* Whole calendar days in Beijing from the instant `since` (RFC 3339) to
 * `now`; 0 when it is not an instant. */
static int days_since(const char *since, int64_t now)
{
    int64_t t;
    if (!since || !since[0] || clock_parse_rfc3339(since, &t) != 0)
        return 0;
    int64_t d = (int64_t)date_of_unix(now) - (int64_t)date_of_unix(t);
    return d > 0 ? (int)d : 0;
}

void app_clock(struct engine *e, struct app *a, int64_t now)
{
    struct app_clock *k = &a->clock;
    const struct application *r = &a->row;
    memset(k, 0, sizeof *k);
    k->days_waiting = days_since(r->status_at, now);
    int64_t since;
    if (strcmp(r->status, "returned") == 0 && e->settings.return_due_days > 0 &&
        clock_parse_rfc3339(r->status_at, &since) == 0) {
        /* RULES.md §8: calendar days, and a due date on a day off moves to
         * the next working day (a year the calendar does not cover keeps
         * the calendar date). */
        sb_day due = date_of_unix(since) + (sb_day)e->settings.return_due_days, moved;
        if (e->calendar && calendar_workday_on_or_after(e->calendar, due, &moved) == 0)
            due = moved;
        k->due_on = due;
        k->overdue = date_of_unix(now) > due;
    }
    /* A notice past its end that an open objection holds (RULES.md §1): the
     * clock cannot approve it until the authority resolves the objection. */
    const json_t *notice = json_object_get(a->facts, "notice");
    const char *ends_on = json_string_value(json_object_get(notice, "ends_on"));
    sb_day ends;
    if (strcmp(r->status, "public_notice") == 0) {
        if (store_objections_open_of(e->store, r->id, &k->open_objections) != STORE_OK)
            k->open_objections = 0;
        k->notice_held = ends_on && date_parse(ends_on, &ends) && notice_over(ends, now) &&
                         k->open_objections > 0;
    }
}

bool app_editable(const struct application *row)
{
    return strcmp(row->status, "draft") == 0 || strcmp(row->status, "returned") == 0;
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
    int parsed = data ? kind_data_parse(k, data, a->row.round, &a->data, &errs) : -1;
    if (parsed != 0 && data && app_editable(&a->row)) {
        /* A draft (or a returned application) may have been saved while
         * still being filled in: complete or not, it is what the applicant
         * wrote (CONTRACT.md "Lenient drafts"). */
        struct spec_errors again;
        spec_errors_init(&again);
        parsed = kind_data_parse_mode(k, data, a->row.round, SPEC_LENIENT, &a->data, &again);
        spec_errors_release(&again);
    }
    if (parsed != 0) {
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
    app_clock(e, a, now);
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

/* What a reviewer's worklist shows of an application besides the envelope:
 * since when and how long it waits, its due date, how often it was
 * returned and submitted, a held notice, and the notes it carries. */
static json_t *review_json(const struct app *a)
{
    const struct application *r = &a->row;
    const struct app_clock *k = &a->clock;
    json_t *o = json_object();
    char due[DATE_TEXT_LEN];
    json_object_set_new(o, "status_since", json_string(r->status_at));
    json_object_set_new(o, "days_waiting", json_integer(k->days_waiting));
    if (k->due_on) {
        date_format(k->due_on, due);
        json_object_set_new(o, "due_on", json_string(due));
    } else {
        json_object_set_new(o, "due_on", json_null());
    }
    json_object_set_new(o, "overdue", json_boolean(k->overdue));
    json_object_set_new(o, "notice_held", json_boolean(k->notice_held));
    json_object_set_new(o, "open_objections", json_integer(k->open_objections));
    json_int_t returns = json_integer_value(json_object_get(a->facts, "returns"));
    json_int_t submissions = json_integer_value(json_object_get(a->facts, "submissions"));
    json_object_set_new(o, "times_returned", json_integer(returns));
    json_object_set_new(o, "submissions", json_integer(submissions));
    size_t failed = 0;
    for (size_t i = 0; i < a->elig.n; i++)
        failed += !a->elig.checks[i].passed;
    json_object_set_new(o, "failed_checks", json_integer((json_int_t)failed));
    json_t *notes = json_array();
    if (uscc_registered_elsewhere(r->applicant_uscc, r->review_unit)) {
        /* RULES.md §5: the unit follows the kind's rule, not the place of
         * registration; the reviewer sees where they differ. */
        const char *div = r->applicant_uscc + 2;
        bool municipal = strncmp(div, "110000", 6) == 0;
        json_t *n = json_pack("{s:s, s:s#, s:s}", "id", "registered_elsewhere", "division", div,
                              (int)6, "review_unit", r->review_unit);
        /* The unit is a district here: six digits. */
        char text[320];
        snprintf(text, sizeof text,
                 "registered with division %.6s%s, reviewed by unit %.6s: check the affiliation "
                 "or where the project is",
                 div, municipal ? " (the municipal level)" : "", r->review_unit);
        json_object_set_new(n, "detail", json_string(text));
        snprintf(text, sizeof text,
                 "统一社会信用代码显示登记机关区划为 %.6s%s，与初审单位 %.6s 不一致，"
                 "请核实隶属关系或项目所在地",
                 div, municipal ? "（市级登记）" : "", r->review_unit);
        json_object_set_new(n, "detail_zh", json_string(text));
        json_array_append_new(notes, n);
    }
    json_object_set_new(o, "notes", notes);
    /* What a municipal approval of this application must carry, by name
     * (the kind's municipal_records in GET /v1/kinds may describe more:
     * those of every project of the kind). */
    json_t *records = json_array();
    const struct field_spec *f =
        a->data.typed ? kind_municipal_records(a->kind, a->data.typed) : a->kind->municipal_records;
    for (; f && f->name; f++)
        json_array_append_new(records, json_string(f->name));
    json_object_set_new(o, "municipal_records", records);
    return o;
}

json_t *completeness_to_json(const struct kind_data *d)
{
    /* Data that no longer parses at all is no draft being filled in: the
     * eligibility says so (data_valid). */
    bool complete = d->complete || !d->typed;
    json_t *errors = json_array();
    for (size_t i = 0; errors && !complete && i < d->gaps.count; i++) {
        const struct spec_error *g = &d->gaps.items[i];
        json_t *e = json_pack("{s:s, s:s}", "pointer", g->pointer, "detail", g->detail);
        if (e && g->detail_zh[0])
            json_object_set_new(e, "detail_zh", json_string(g->detail_zh));
        if (!e || json_array_append_new(errors, e) != 0) {
            json_decref(e);
            json_decref(errors);
            errors = NULL;
        }
    }
    json_t *doc = errors ? json_pack("{s:b, s:o}", "complete", complete, "errors", errors) : NULL;
    if (doc && !complete && d->gaps.dropped)
        json_object_set_new(doc, "error_count",
                            json_integer((json_int_t)spec_errors_total(&d->gaps)));
    return doc;
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
    /* What was granted and asked back (RULES.md §5): the award stays the
     * proposal. */
    json_object_set_new(*tail, "granted_fen",
                        r->granted_fen >= 0 ? json_integer(r->granted_fen) : json_null());
    json_object_set_new(*tail, "refund_fen",
                        r->refund_fen >= 0 ? json_integer(r->refund_fen) : json_null());
    json_object_set_new(*tail, "decided_at",
                        r->decided_at[0] ? json_string(r->decided_at) : json_null());
    json_t *grant = json_object_get(a->facts, "grant_reason");
    if (grant)
        json_object_set(*tail, "grant_reason", grant);
    json_object_set_new(*tail, "review", review_json(a));
    json_t *completeness = completeness_to_json(&a->data);
    if (!completeness || json_object_set_new(*tail, "completeness", completeness) != 0) {
        json_decref(*head);
        json_decref(*tail);
        *head = *tail = NULL;
        log_msg(LOG_ERROR, "application %lld could not be rendered", (long long)r->id);
        return -1;
    }
    /* A request to give up what was issued, while it is pending (407号
     * 第十七条). */
    json_t *surrender = json_object_get(a->facts, "surrender");
    if (surrender)
        json_object_set(*tail, "surrender", surrender);
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
        char *text = doc ? dump_json(doc, JSON_COMPACT) : NULL;
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
    char *h = dump_json(head, JSON_COMPACT), *t = dump_json(tail, JSON_COMPACT);
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

/* ---- versions ------------------------------------------------------------------ */

/* A string as JSON text, appended to f. */
static void put_string(FILE *f, const char *text)
{
    json_t *j = json_string(text ? text : "");
    char *t = j ? dump_json(j, JSON_ENCODE_ANY | JSON_COMPACT) : NULL;
    if (t)
        fputs(t, f);
    else
        fputs("\x01", f); /* poisons the text: the caller sees it fail below */
    free(t);
    json_decref(j);
}

char *envelope_text(const struct application *a, unsigned char *sha256_out)
{
    /* The members in key order, as dump_json(JSON_SORT_KEYS | JSON_COMPACT)
     * writes them; `data` as stored, which was written the same way. */
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    if (!f)
        return NULL;
    fputs("{\"applicant\":{\"name\":", f);
    put_string(f, a->applicant_name);
    fputs(",\"uscc\":", f);
    put_string(f, a->applicant_uscc);
    fprintf(f, "},\"data\":%s,\"kind\":", a->data_json && a->data_json[0] ? a->data_json : "{}");
    put_string(f, a->kind);
    fputs(",\"review_unit\":", f);
    put_string(f, a->review_unit);
    fprintf(f, ",\"round\":%d}", a->round);
    if (fclose(f) != 0 || !text || memchr(text, '\x01', len)) {
        free(text);
        return NULL;
    }
    if (sha256_out)
        digest_sha256(sha256_out, text, len);
    return text;
}

enum store_rc version_keep(struct store_tx *tx, const struct application *a, const char *text,
                           const unsigned char *sha256)
{
    struct app_version v = {.application_id = a->id, .version = a->version};
    snprintf(v.status, sizeof v.status, "%s", a->status);
    snprintf(v.at, sizeof v.at, "%s", a->updated_at);
    v.envelope = (char *)text; /* borrowed */
    memcpy(v.sha256, sha256, VERSION_SHA256_LEN);
    return store_version_add(tx, &v);
}

void details_name_envelope(json_t *details, const unsigned char *sha256, int64_t version)
{
    char hex[VERSION_SHA256_LEN * 2 + 1];
    sodium_bin2hex(hex, sizeof hex, sha256, VERSION_SHA256_LEN);
    json_object_set_new(details, "data_sha256", json_string(hex));
    json_object_set_new(details, "version", json_integer(version));
}

json_t *decision_basis(const struct change *c)
{
    return json_pack("{s:o, s:o}", "eligibility", eligibility_to_json(&c->elig), "award",
                     award_to_json(&c->award));
}

enum engine_rc engine_version(struct engine *e, const struct actor *who, int64_t id, int64_t n,
                              struct app_version *out, struct outcome *o)
{
    struct application row = {0};
    memset(out, 0, sizeof *out);
    enum store_rc rc = id > 0 ? store_app_get(e->store, id, &row) : STORE_NOT_FOUND;
    if (rc == STORE_OK && !engine_may_see(e, who, &row))
        rc = STORE_NOT_FOUND;
    if (rc == STORE_NOT_FOUND) {
        application_release(&row);
        return outcome_set(o, ENGINE_NOT_FOUND, "no application %lld", (long long)id);
    }
    int64_t current = row.version;
    if (rc == STORE_OK)
        rc = n > 0 && n <= current ? store_version_get(e->store, id, n, out) : STORE_NOT_FOUND;
    if (rc == STORE_NOT_FOUND && n == current) {
        /* Stored before versions were kept, and not changed since: the
         * version is the row itself. */
        out->application_id = id;
        out->version = n;
        snprintf(out->status, sizeof out->status, "%s", row.status);
        snprintf(out->at, sizeof out->at, "%s", row.updated_at);
        out->envelope = envelope_text(&row, out->sha256);
        rc = out->envelope ? STORE_OK : STORE_ERROR;
    }
    application_release(&row);
    if (rc == STORE_NOT_FOUND && n > 0 && n < current)
        return outcome_set(o, ENGINE_NOT_FOUND,
                           "version %lld of application %lld was written before versions were "
                           "kept",
                           (long long)n, (long long)id);
    if (rc == STORE_NOT_FOUND)
        return outcome_set(o, ENGINE_NOT_FOUND,
                           "application %lld has versions 1 to %lld; there is no version %lld",
                           (long long)id, (long long)current, (long long)n);
    if (rc != STORE_OK)
        return outcome_set(o, ENGINE_ERROR, "the database could not be read");
    return o->rc = ENGINE_OK;
}

/* ---- who sees what ----------------------------------------------------------- */

/* Whether district reviewer `who` reviews kind k: a kind with a district
 * stage here, and of its authority when it is the bureau of one (RULES.md
 * §5); an account made without an authority reviews every such kind. */
static bool district_reviews(const struct engine *e, const struct actor *who, const struct kind *k)
{
    return (engine_kind_stages(e, k) & STAGE_DISTRICT) &&
           (!who->authority || strcmp(k->authority, who->authority) == 0);
}

bool engine_may_see(const struct engine *e, const struct actor *who, const struct application *row)
{
    bool submitted = row->submitted_at[0] != '\0';
    switch (who->role) {
    case ROLE_APPLICANT:
        return who->uscc && strcmp(row->applicant_uscc, who->uscc) == 0;
    case ROLE_DISTRICT_REVIEWER: {
        /* Of its unit, and of a kind it reviews. */
        const struct kind *k = kind_find(row->kind);
        return submitted && k && district_reviews(e, who, k) && who->unit &&
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

/* Whether kind k may be listed for `who` (its scope's kinds). */
static bool scope_has_kind(const struct engine *e, const struct actor *who, const struct kind *k)
{
    switch (who->role) {
    case ROLE_DISTRICT_REVIEWER:
        return district_reviews(e, who, k);
    case ROLE_MUNICIPAL_REVIEWER:
        return who->authority && strcmp(k->authority, who->authority) == 0;
    default:
        return true;
    }
}

/* Sets f's scope from the actor: its organisation, unit or stage, and the
 * kinds it may see, narrowed to those the caller asked for in kinds_in
 * (all NULL: any).  ENGINE_FORBIDDEN for an actor who lists nothing. */
static enum engine_rc scope_filter(const struct engine *e, const struct actor *who,
                                   struct app_filter *f)
{
    const char *asked[APP_FILTER_KINDS];
    memcpy(asked, f->kinds_in, sizeof asked);
    switch (who->role) {
    case ROLE_APPLICANT:
        f->scope = SCOPE_ORGANISATION;
        f->scope_value = who->uscc ? who->uscc : "";
        break;
    case ROLE_DISTRICT_REVIEWER:
        f->scope = SCOPE_UNIT;
        f->scope_value = who->unit ? who->unit : "";
        break;
    case ROLE_MUNICIPAL_REVIEWER:
    case ROLE_AUDITOR:
    case ROLE_SYSTEM:
        f->scope = SCOPE_SUBMITTED;
        break;
    default:
        return ENGINE_FORBIDDEN;
    }
    bool narrowed = asked[0] != NULL || (who->role != ROLE_APPLICANT && who->role != ROLE_AUDITOR &&
                                         who->role != ROLE_SYSTEM);
    if (!narrowed)
        return ENGINE_OK;
    size_t n = 0;
    memset(f->kinds_in, 0, sizeof f->kinds_in);
    for (size_t i = 0; kinds[i] && n < APP_FILTER_KINDS; i++) {
        bool wanted = asked[0] == NULL;
        for (size_t j = 0; j < APP_FILTER_KINDS && asked[j] && !wanted; j++)
            wanted = strcmp(asked[j], kinds[i]->name) == 0;
        if (wanted && scope_has_kind(e, who, kinds[i]))
            f->kinds_in[n++] = kinds[i]->name;
    }
    if (n == 0)
        f->kinds_in[0] = ""; /* none: a kind no application has */
    return ENGINE_OK;
}

enum engine_rc engine_list(struct engine *e, const struct actor *who, struct app_filter *f,
                           void (*fn)(const struct application *row, void *ctx), void *ctx,
                           bool *more)
{
    enum engine_rc erc = scope_filter(e, who, f);
    if (erc != ENGINE_OK)
        return erc;
    return from_store(store_app_list(e->store, f, fn, ctx, more));
}

enum engine_rc engine_count(struct engine *e, const struct actor *who, struct app_filter *f,
                            int64_t *n)
{
    enum engine_rc erc = scope_filter(e, who, f);
    if (erc != ENGINE_OK)
        return erc;
    return from_store(store_app_count(e->store, f, n));
}

struct each_ctx {
    struct engine *e;
    int64_t now;
    void (*fn)(const struct app *a, void *ctx);
    void *ctx;
    char key[40];
    int64_t id;
    enum app_sort sort;
    size_t seen;
    bool failed;
};

static void each_one(const struct application *row, void *ctx)
{
    struct each_ctx *w = ctx;
    snprintf(w->key, sizeof w->key, "%s", store_app_sort_key(row, w->sort));
    w->id = row->id;
    w->seen++;
    /* The store releases its row after this call: load a copy. */
    struct application copy;
    struct app *a = application_copy(&copy, row) == 0 ? app_load(w->e, &copy, w->now) : NULL;
    application_release(&copy);
    if (a)
        w->fn(a, w->ctx);
    else
        w->failed = true;
    app_free(a);
}

enum engine_rc engine_each(struct engine *e, const struct actor *who, struct app_filter *f,
                           int64_t now, void (*fn)(const struct app *a, void *ctx), void *ctx)
{
    struct each_ctx w = {.e = e, .now = now, .fn = fn, .ctx = ctx, .sort = f->sort};
    bool more = true;
    enum engine_rc rc = ENGINE_OK;
    f->after_key = NULL;
    while (more && rc == ENGINE_OK && !w.failed) {
        w.seen = 0;
        rc = engine_list(e, who, f, each_one, &w, &more);
        if (w.seen == 0)
            break;
        f->after_key = w.key;
        f->after_id = w.id;
    }
    return rc == ENGINE_OK && w.failed ? ENGINE_ERROR : rc;
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
    const char *envelope;
    const unsigned char *sha256;
};

static enum store_rc tx_create(struct store_tx *tx, void *ctx)
{
    struct creation *cr = ctx;
    enum store_rc rc = store_app_insert(tx, cr->row);
    if (rc == STORE_OK)
        rc = version_keep(tx, cr->row, cr->envelope, cr->sha256);
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
    row->data_json = dump_json(env->data.json, JSON_COMPACT | JSON_SORT_KEYS);
    snprintf(row->status, sizeof row->status, "draft");
    row->version = 1;
    row->created_by = who->account;
    clock_format_rfc3339(now, row->created_at);
    memcpy(row->updated_at, row->created_at, sizeof row->updated_at);
    memcpy(row->status_at, row->created_at, sizeof row->status_at);
    row->granted_fen = row->refund_fen = -1;
    a->kind = env->kind;
    a->data = env->data;
    memset(&env->data, 0, sizeof env->data);
    a->facts = json_object();
    if (!row->applicant_name || !row->data_json || !a->facts) {
        app_free(a);
        return outcome_set(out, ENGINE_ERROR, "out of memory");
    }

    /* Everything but the row's id and the log's head is known now: only
     * those are left for the transaction.  The event names the version it
     * writes (data_sha256). */
    unsigned char sha256[VERSION_SHA256_LEN];
    char *envelope = envelope_text(row, sha256);
    json_t *details = json_object();
    struct event_draft event = {0};
    if (envelope && details)
        details_name_envelope(details, sha256, row->version);
    if (!envelope || !details ||
        event_draft_make(&event, who, row, "create", NULL, NULL, details) != 0) {
        event_draft_release(&event);
        free(envelope);
        json_decref(details);
        app_free(a);
        return outcome_set(out, ENGINE_ERROR, "out of memory");
    }
    struct creation cr = {row, &event, envelope, sha256};
    enum store_rc rc = store_write_log(e->store, tx_create, &cr);
    event_draft_release(&event);
    free(envelope);
    json_decref(details);
    if (rc != STORE_OK) {
        app_free(a);
        return outcome_set(out, from_store(rc) == ENGINE_REFUSED ? ENGINE_ERROR : from_store(rc),
                           "the database could not store the application");
    }
    a->stages = app_stages(e, a);
    app_evaluate(a, now);
    app_clock(e, a, now);
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
    json_decref(c->details_prepared);
    json_decref(c->certificate);
    event_draft_release(&c->event);
    free(c->envelope);
    duty_work_free(c->work);
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
    if (c->t && strcmp(c->t->to, a->row.status) != 0) {
        /* Its waiting starts again; a decision is dated. */
        memcpy(c->next.status_at, c->now_text, sizeof c->next.status_at);
        if (strcmp(c->t->to, "approved") == 0 || strcmp(c->t->to, "rejected") == 0)
            memcpy(c->next.decided_at, c->now_text, sizeof c->next.decided_at);
    }
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
            return outcome_nest(out, ENGINE_REFUSED, g.detail, g.detail_zh, "cannot %s", c->action);
        }
        if (v == GUARD_INVALID)
            spec_errors_add_text(&out->errs, g.pointer, g.detail, g.detail_zh);
    }
    if (out->errs.count > 0)
        return outcome_invalid(out);
    if (c->t && c->t->issues && (rc = certificate_prepare(c)) != ENGINE_OK)
        return rc;
    if (c->next_facts) {
        c->next.facts_json = dump_json(c->next_facts, JSON_COMPACT | JSON_SORT_KEYS);
        if (!c->next.facts_json)
            return outcome_set(out, ENGINE_ERROR, "out of memory");
    }
    /* The version this change writes, kept whole (the record). */
    if (!(c->def && c->def->keeps_version)) {
        c->envelope = envelope_text(&c->next, c->envelope_sha256);
        if (!c->envelope)
            return outcome_set(out, ENGINE_ERROR, "out of memory");
        if (c->def && c->def->names_envelope) {
            if (!c->details)
                c->details = json_object();
            details_name_envelope(c->details, c->envelope_sha256, a->row.version + 1);
        }
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
    /* On PostgreSQL a run may be followed by another (the transaction
     * collided and runs again): each starts from what phase 1 left — the
     * event's details as prepared, no duty work (the duties' checks build
     * it in phase 2, row by row). */
    if (c->runs++ > 0) {
        outcome_clear(out);
        json_decref(c->details);
        c->details = c->details_prepared ? json_deep_copy(c->details_prepared) : NULL;
    } else if (c->details) {
        c->details_prepared = json_deep_copy(c->details);
    }
    duty_work_free(c->work);
    c->work = NULL;
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
            outcome_nest(out, ENGINE_REFUSED, g.detail, g.detail_zh, "cannot %s", c->action);
            return STORE_CONFLICT;
        }
        if (v == GUARD_INVALID) {
            spec_errors_add_text(&out->errs, g.pointer, g.detail, g.detail_zh);
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
    if (rc == STORE_OK && c->envelope)
        rc = version_keep(tx, &c->next, c->envelope, c->envelope_sha256);
    if (rc != STORE_OK) {
        outcome_set(out, from_store(rc), "the database could not store the change");
        return rc;
    }
    if (c->def && c->def->before_event && c->def->before_event(tx, c) != ENGINE_OK)
        return out->rc == ENGINE_ERROR ? STORE_ERROR : STORE_CONFLICT;
    rc = history_record(tx, c);
    if (rc == STORE_OK && c->t && c->t->issues && certificate_issue(tx, c) != ENGINE_OK)
        return STORE_ERROR;
    if (rc != STORE_OK) {
        outcome_set(out, ENGINE_ERROR, "the database could not record the event");
        return rc;
    }
    if (c->def && c->def->after_event && c->def->after_event(tx, c) != ENGINE_OK)
        return out->rc == ENGINE_ERROR ? STORE_ERROR : STORE_CONFLICT;
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
    app_clock(c->e, a, c->now);
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
