/*
 * The reviewer's desk: the CSV export of a list, the statistics, opinion
 * templates and the records of one's last approval.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "text.h"

/* ---- the export ------------------------------------------------------------- */

/* A growing text; `failed` once memory ran out. */
struct csv {
    char *text;
    size_t len, cap;
    bool failed;
};

static void csv_put(struct csv *b, const char *s, size_t n)
{
    if (b->failed)
        return;
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 4096;
        while (cap < b->len + n + 1)
            cap *= 2;
        char *grown = realloc(b->text, cap);
        if (!grown) {
            b->failed = true;
            return;
        }
        b->text = grown;
        b->cap = cap;
    }
    memcpy(b->text + b->len, s, n);
    b->len += n;
    b->text[b->len] = '\0';
}

/*
 * One field (RFC 4180 §2): quoted when it holds a comma, a quote or a line
 * break, quotes doubled.  Free text that a spreadsheet would read as a
 * formula (=, +, -, @, a tab or a carriage return first) gets a leading
 * apostrophe, which Excel and LibreOffice show as text (OWASP, "CSV
 * injection"): a name is never run.
 */
static void csv_field(struct csv *b, const char *s, bool text, bool last)
{
    bool quote = strpbrk(s, ",\"\r\n") != NULL;
    bool formula = text && s[0] && strchr("=+-@\t\r", s[0]);
    if (quote || formula)
        csv_put(b, "\"", 1);
    if (formula)
        csv_put(b, "'", 1);
    for (const char *p = s; *p; p++) {
        if (*p == '"')
            csv_put(b, "\"", 1);
        csv_put(b, p, 1);
    }
    if (quote || formula)
        csv_put(b, "\"", 1);
    csv_put(b, last ? "\r\n" : ",", last ? 2 : 1);
}

static void csv_int(struct csv *b, int64_t v, bool null, bool last)
{
    char n[24] = "";
    if (!null)
        snprintf(n, sizeof n, "%lld", (long long)v);
    csv_field(b, n, false, last);
}

static void export_one(const struct app *a, void *ctx)
{
    struct csv *b = ctx;
    const struct application *r = &a->row;
    csv_int(b, r->id, false, false);
    csv_field(b, r->kind, false, false);
    csv_int(b, r->round, false, false);
    csv_field(b, r->review_unit, true, false);
    csv_field(b, r->applicant_name ? r->applicant_name : "", true, false);
    csv_field(b, r->applicant_uscc, false, false);
    csv_field(b, r->status, false, false);
    csv_field(b, r->submitted_at, false, false);
    csv_field(b, r->decided_at, false, false);
    csv_int(b, a->award.total_fen, false, false);
    csv_int(b, r->granted_fen, r->granted_fen < 0, false);
    csv_int(b, r->refund_fen, r->refund_fen < 0, true);
}

/* GET /v1/exports/applications.csv: the list's filters, every row the
 * caller may see (CONTRACT.md "Lists, exports, statistics"): RFC 4180 with
 * CRLF line ends, UTF-8 with a byte order mark so that Excel reads it as
 * UTF-8, a header row. */
void api_export_csv(struct call *c)
{
    static const char head[] = "\xEF\xBB\xBF"
                               "id,kind,round,review_unit,applicant,uscc,status,submitted_at,"
                               "decided_at,proposed_fen,granted_fen,refund_fen\r\n";
    struct list_query lq;
    if (!list_query_parse(c, &lq, false))
        return;
    lq.f.limit = 200;
    struct csv b = {0};
    csv_put(&b, head, sizeof head - 1);
    enum engine_rc rc = engine_each(c->engine, &c->actor, &lq.f, c->now, export_one, &b);
    if (rc != ENGINE_OK || b.failed) {
        free(b.text);
        reply_problem(c->r, P_INTERNAL, "the export could not be made");
        return;
    }
    reply_header(c->r, "Content-Disposition", "attachment; filename=\"applications.csv\"");
    reply_text(c->r, "text/csv; charset=utf-8; header=present", b.text, b.len);
}

/* ---- statistics ------------------------------------------------------------- */

void api_statistics(struct call *c)
{
    const char *kind_text = request_query(c->r, "kind");
    const char *round_text = request_query(c->r, "round");
    const struct kind *kind = kind_text ? kind_find(kind_text) : NULL;
    json_t *errors = json_array();
    if (kind_text && !kind)
        json_array_append_new(errors, json_pack("{s:s, s:s}", "parameter", "kind", "detail",
                                                "is not a kind (GET /v1/kinds)"));
    long long round = 0;
    if (round_text) {
        char *end;
        errno = 0;
        round = strtoll(round_text, &end, 10);
        if (!round_text[0] || *end || errno || round < 2019 || round > 2100)
            json_array_append_new(errors, json_pack("{s:s, s:s}", "parameter", "round", "detail",
                                                    "must be a year from 2019 to 2100"));
    }
    if (json_array_size(errors) > 0) {
        json_t *doc =
            reply_problem(c->r, P_BAD_QUERY, "%zu query parameter%s invalid; see errors",
                          json_array_size(errors), json_array_size(errors) == 1 ? " is" : "s are");
        json_object_set_new(doc, "errors", errors);
        return;
    }
    json_decref(errors);
    struct outcome o;
    outcome_init(&o);
    engine_statistics(c->engine, &c->actor, (int)round, kind, c->now, &o);
    if (api_outcome(c, &o)) {
        reply_json(c->r, 200, o.extra);
        o.extra = NULL;
    }
    outcome_release(&o);
}

/* ---- opinion templates ------------------------------------------------------- */

static void add_template(const struct opinion_template *t, void *ctx)
{
    listing_add(ctx, json_pack("{s:I, s:s, s:s, s:s}", "id", (json_int_t)t->id, "title", t->title,
                               "text", t->text, "created_at", t->created_at));
}

void api_templates_list(struct call *c)
{
    struct listing l;
    listing_init(&l);
    listing_reply(c, &l, engine_templates(c->engine, &c->actor, add_template, &l));
}

void api_template_create(struct call *c)
{
    struct outcome o;
    outcome_init(&o);
    engine_template_add(c->engine, &c->actor, c->body, c->now, &o);
    if (api_outcome(c, &o)) {
        reply_header(c->r, "Location", "/v1/opinion-templates/%lld", (long long)o.id);
        reply_json(c->r, 201, o.extra);
        o.extra = NULL;
    }
    outcome_release(&o);
}

void api_template_delete(struct call *c)
{
    struct outcome o;
    outcome_init(&o);
    engine_template_delete(c->engine, &c->actor, c->sub_id, &o);
    if (api_outcome(c, &o))
        reply_empty(c->r, 204);
    outcome_release(&o);
}

/* ---- the records of one's last approval ------------------------------------------ */

void api_last_review(struct call *c)
{
    const char *kind_text = request_query(c->r, "kind");
    const struct kind *kind = kind_text ? kind_find(kind_text) : NULL;
    if (!kind) {
        json_t *doc = reply_problem(c->r, P_BAD_QUERY, "1 query parameter is invalid; see errors");
        json_object_set_new(doc, "errors",
                            json_pack("[{s:s, s:s}]", "parameter", "kind", "detail",
                                      "is required: the kind whose last approval to read"));
        return;
    }
    struct outcome o;
    outcome_init(&o);
    engine_last_review(c->engine, &c->actor, kind, &o);
    if (api_outcome(c, &o)) {
        reply_json(c->r, 200, o.extra);
        o.extra = NULL;
    }
    outcome_release(&o);
}
