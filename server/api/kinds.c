/*
 * /v1/kinds and /v1/schemas: what each kind is, as its row in the kinds
 * table says — names, authority, the stages it goes through here, what its
 * stages record, what it issues, why that may be revoked, which year its
 * round is — and the JSON Schema of its envelope.  The web front end builds
 * its forms, labels and review pages from these, so a kind is described in
 * one place only.
 */
#include "api.h"
#include "kinds.h"

/* The JSON Schema of a kind's envelope, made from the same field
 * declarations that validate it. */
void api_schema_get(struct call *c)
{
    reply_json(c->r, 200, kind_schema(c->kind));
}

static json_t *names(const char *const *list)
{
    json_t *a = json_array();
    for (; list && *list; list++)
        json_array_append_new(a, json_string(*list));
    return a;
}

/* A stage's records as a JSON Schema of the review's members, or null. */
static json_t *records_schema(const struct field_spec *records, const char *id)
{
    return records ? spec_schema(records, id, NULL) : json_null();
}

/* What the holder of what the kind issues must do after approval, as this
 * server asks it: the reports it files and when, re-checks, a year of
 * operation; null for a kind without duties. */
static json_t *duties_json(const struct engine *e, const struct kind *k)
{
    const struct duty_rules *r = k->duties;
    if (!r)
        return json_null();
    json_t *o = json_object(), *reports = json_array();
    if (r->annual_month > 0) {
        struct month_day md = engine_annual_due(e, k);
        char due[8];
        snprintf(due, sizeof due, "%02d-%02d", md.month ? md.month : r->annual_month,
                 md.month ? md.day : r->annual_day);
        json_array_append_new(reports, json_string("annual"));
        json_object_set_new(
            o, "annual_report",
            json_pack("{s:s, s:b}", "due", due, "of_the_following_year", r->annual_next_year));
        if (r->missed_reports_prompt)
            json_object_set_new(o, "missed_reports_prompt", json_integer(r->missed_reports_prompt));
    }
    if (r->change_months > 0) {
        json_array_append_new(reports, json_string("change"));
        json_object_set_new(o, "change_report_months", json_integer(r->change_months));
    }
    if (r->operating_months > 0) {
        json_array_append_new(reports, json_string("closure"));
        json_object_set_new(o, "operating_months", json_integer(r->operating_months));
    }
    if (r->recheck_years > 0)
        json_object_set_new(o, "recheck_years", json_integer(r->recheck_years));
    json_object_set_new(o, "reports", reports);
    return o;
}

static json_t *kind_to_json(const struct engine *e, const struct kind *k, unsigned stages)
{
    json_t *st = json_array();
    for (unsigned bit = STAGE_DISTRICT; bit <= STAGE_NOTICE; bit <<= 1)
        if (stages & bit)
            json_array_append_new(st, json_string(stage_name(bit)));
    char id[96];
    json_t *o = json_pack(
        "{s:s, s:s, s:s, s:s, s:s, s:s, s:{s:s, s:s}, s:o, s:b, s:b, s:s}", "name", k->name,
        "authority", k->authority, "authority_zh", authority_name_zh(k->authority), "authority_en",
        authority_name_en(k->authority), "title_zh", k->title_zh, "title_en", k->title_en, "issues",
        "title_zh", k->issued_zh, "title_en", k->issued_en, "stages", st, "enterprise_units",
        k->enterprise_units, "ranked", k->ranking != NULL, "schema", "");
    if (!o)
        return NULL;
    char schema[96];
    snprintf(schema, sizeof schema, "/v1/schemas/%s", k->name);
    json_object_set_new(o, "schema", json_string(schema));
    /* A ranked kind ranks the figures of a closed calendar year against
     * each other (RULES.md §5), so its round is that award year and its
     * applications come in the year after; the other kinds' round is the
     * year they are made in.  Forms default to the one or the other. */
    json_object_set_new(o, "round_is_award_year", json_boolean(k->round_is_award_year));
    json_object_set_new(o, "source", k->source ? json_string(k->source) : json_null());
    json_object_set_new(o, "decides_zh", json_string(k->decides_zh ? k->decides_zh : ""));
    json_object_set_new(o, "decides_en", json_string(k->decides_en ? k->decides_en : ""));
    if (k->amount_zh) {
        json_object_set_new(json_object_get(o, "issues"), "amount_zh", json_string(k->amount_zh));
        json_object_set_new(json_object_get(o, "issues"), "amount_en",
                            json_string(k->amount_en ? k->amount_en : k->amount_zh));
    }
    if (k->valid_years > 0)
        json_object_set_new(json_object_get(o, "issues"), "valid_years",
                            json_integer(k->valid_years));
    snprintf(id, sizeof id, "urn:shenbao:schema:%s:district-records", k->name);
    json_object_set_new(o, "district_records", records_schema(k->district_records, id));
    snprintf(id, sizeof id, "urn:shenbao:schema:%s:municipal-records", k->name);
    json_object_set_new(o, "municipal_records", records_schema(k->municipal_records, id));
    json_object_set_new(o, "revocation_grounds", names(k->revocation_grounds));
    /* The 承诺书 a submission accepts, and its version. */
    struct declaration d = kind_declaration(k);
    json_object_set_new(o, "declaration", json_pack("{s:s, s:s, s:s}", "version", d.version,
                                                    "text_zh", d.zh, "text_en", d.en));
    json_object_set_new(o, "banning_grounds", names(k->banning_grounds));
    json_object_set_new(o, "disqualifying_grounds", names(k->rejecting_grounds));
    json_object_set_new(json_object_get(o, "issues"), "certification",
                        json_boolean(k->certification));
    char list[96];
    snprintf(list, sizeof list, "/v1/kinds/%s/list", k->name);
    json_object_set_new(o, "public_list", k->public_list ? json_string(list) : json_null());
    json_object_set_new(o, "direct_submission", json_boolean(k->skips_district != NULL));
    json_object_set_new(o, "surrender", json_boolean((k->after & AFTER_SURRENDER) != 0));
    json_object_set_new(o, "duties", duties_json(e, k));
    return o;
}

void api_kinds_list(struct call *c)
{
    struct listing l;
    listing_init(&l);
    for (size_t i = 0; kinds[i]; i++)
        listing_add(&l, kind_to_json(c->engine, kinds[i], engine_kind_stages(c->engine, kinds[i])));
    listing_reply(c, &l, ENGINE_OK);
}

static void add_entry(json_t *entry, void *ctx)
{
    listing_add(ctx, entry);
}

/* 407号 第十二条(五): what the authority certified, published; with the
 * revocations announced (第十六条). */
void api_kind_public_list(struct call *c)
{
    if (!c->kind->public_list) {
        reply_problem(c->r, P_NOT_FOUND, "%s has no public list", c->kind->name);
        return;
    }
    struct listing l;
    listing_init(&l);
    listing_reply(c, &l, engine_public_list(c->engine, c->kind, c->now, add_entry, &l));
}

void api_kind_get(struct call *c)
{
    json_t *o = kind_to_json(c->engine, c->kind, engine_kind_stages(c->engine, c->kind));
    if (o)
        reply_json(c->r, 200, o);
    else
        reply_problem(c->r, P_INTERNAL, "out of memory");
}
