/*
 * The kinds table and the application envelope around every kind's `data`.
 */
#include "date.h"
#include "kinds.h"
#include "messages.h"

#include <stdarg.h>
#include "roles.h"

#include <assert.h>
#include <stdio.h>
#include <string.h>

#define KINDS_MAX 16

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

/* The built-in kinds, one row each: the kinds table and the names the
 * envelope's `kind` takes are made from this one list. */
#define BUILTIN_KINDS(X)                                                                           \
    X(incubator)                                                                                   \
    X(first_store)                                                                                 \
    X(tourism_award)                                                                               \
    X(experience_base)

#define KIND_NAME(k) #k,
#define KIND_ROW(k)  &kind_##k,

/* The names of the kinds in the table, for the envelope's `kind`. */
static const char *kind_names[KINDS_MAX + 1] = {BUILTIN_KINDS(KIND_NAME) NULL};

/* The kinds: the built-in rows, then room for those registered at start
 * (kind_register()), NULL-terminated. */
static const struct kind *kind_table[KINDS_MAX + 1] = {BUILTIN_KINDS(KIND_ROW) NULL};
const struct kind *const *const kinds = kind_table;

int kind_register(const struct kind *k)
{
    size_t n = 0;
    while (kind_table[n])
        if (strcmp(kind_table[n++]->name, k->name) == 0)
            return -1;
    if (n == KINDS_MAX)
        return -1;
    kind_table[n] = k;
    kind_table[n + 1] = NULL;
    kind_names[n] = k->name;
    kind_names[n + 1] = NULL;
    return 0;
}

const char *const beijing_districts[] = {
    "110101", "110102", "110105", "110106", "110107", "110108", "110109", "110111", "110112",
    "110113", "110114", "110115", "110116", "110117", "110118", "110119", NULL,
};

const char *const authorities[] = {"science_tech", "commerce", "culture_tourism", NULL};

static const struct {
    const char *id, *zh, *en;
} authority_names[] = {
    {"science_tech", "北京市科学技术委员会", "Beijing Municipal Science and Technology Commission"},
    {"commerce", "北京市商务局", "Beijing Municipal Bureau of Commerce"},
    {"culture_tourism", "北京市文化和旅游局", "Beijing Municipal Bureau of Culture and Tourism"},
};

const char *authority_name_zh(const char *authority)
{
    for (size_t i = 0; i < sizeof authority_names / sizeof authority_names[0]; i++)
        if (strcmp(authority_names[i].id, authority) == 0)
            return authority_names[i].zh;
    return NULL;
}

const char *authority_name_en(const char *authority)
{
    for (size_t i = 0; i < sizeof authority_names / sizeof authority_names[0]; i++)
        if (strcmp(authority_names[i].id, authority) == 0)
            return authority_names[i].en;
    return NULL;
}

static const struct field_spec applicant_fields[] = {
    {
        .name = "name",
        .type = SPEC_STRING,
        .required = true,
        .min = 1,
        .max = 200,
        .title_zh = "申报单位名称",
        .title_en = "Applicant name",
        .help = "The organisation's registered name, as on its business licence.",
        .help_zh = "与营业执照一致的单位全称。",
    },
    {
        .name = "uscc",
        .type = SPEC_USCC,
        .required = true,
        .title_zh = "统一社会信用代码",
        .title_en = "Unified Social Credit Code",
        .help = "The organisation's 18-character code (GB 32100-2015); it must be the code "
                "of the applicant's account.",
        .help_zh = "18 位统一社会信用代码，须为本账号所属单位的代码。",
    },
    {0},
};

#define RESPONSE_MEMBER(member, text)                                                              \
    {                                                                                              \
        .name = member, .read_only = true, .help = text,                                           \
    }

/*
 * The envelope.  Besides what a client writes, it lists the members the
 * server adds to its answers (id, status, …) as read-only: a client that
 * edits what it got and sends it back in a PUT is not refused for them, and
 * they are ignored — the server alone sets them.  `data` is checked against
 * the kind's own table, filled in per kind below.
 */
static const struct field_spec envelope_fields[] = {
    {
        .name = "kind",
        .type = SPEC_ENUM,
        .required = true,
        .enum_values = kind_names,
        .title_zh = "申报类型",
        .title_en = "Kind",
        .help = "What is applied for: incubator, first_store, tourism_award or "
                "experience_base.",
        .help_zh = "申报事项：孵化器认定、品牌首店资金支持、入境旅游奖励或文化旅游体验基地认定。",
    },
    {
        .name = "round",
        .type = SPEC_INT,
        .required = true,
        .min = 2019,
        .max = 2100,
        .title_zh = "申报年度",
        .title_en = "Round",
        .help = "The year the application belongs to (for tourism_award, the award year).",
        .help_zh = "申报所属年度（入境旅游奖励为奖励年度）。",
    },
    {
        .name = "review_unit",
        .type = SPEC_STRING,
        .required = true,
        .min = 1,
        .max = 79,
        .title_zh = "初审单位",
        .title_en = "Review unit",
        .help = "Who does the preliminary review: a district's GB/T 2260 code such as "
                "110108, etdz, or for first_store an enterprise unit (soe:…, hq:…); for "
                "experience_base the district of the base.",
        .help_zh =
            "负责初审的单位：所在区、经济技术开发区，或（首店项目）所属市属国企集团、总部企业。",
    },
    {
        .name = "applicant",
        .type = SPEC_OBJECT,
        .required = true,
        .fields = applicant_fields,
        .title_zh = "申报单位",
        .title_en = "Applicant",
        .help = "The organisation that applies.",
        .help_zh = "申报单位。",
    },
    {
        .name = "data",
        .type = SPEC_OBJECT,
        .required = true,
        .title_zh = "申报内容",
        .title_en = "Application data",
        .help = "What the kind asks for.",
        .help_zh = "本类申报须填写的内容。",
    },
    RESPONSE_MEMBER("id", "Set by the server: the application's id."),
    RESPONSE_MEMBER("status", "Set by the server: where the application is in the workflow."),
    RESPONSE_MEMBER("version", "Set by the server: changes with every write (the ETag)."),
    RESPONSE_MEMBER("created_at", "Set by the server."),
    RESPONSE_MEMBER("updated_at", "Set by the server."),
    RESPONSE_MEMBER("submitted_at", "Set by the server."),
    RESPONSE_MEMBER("eligibility", "Set by the server: the eligibility checks and results."),
    RESPONSE_MEMBER("award", "Set by the server: what would be or was granted, in fen."),
    RESPONSE_MEMBER("notice", "Set by the server: the public notice period once published."),
    RESPONSE_MEMBER("certificate_serial", "Set by the server once a certificate is issued."),
    RESPONSE_MEMBER("granted_fen", "Set by the server: what the decision granted, in fen."),
    RESPONSE_MEMBER("refund_fen", "Set by the server: what a revocation asked back, in fen."),
    RESPONSE_MEMBER("grant_reason", "Set by the server: why less than the award was granted."),
    RESPONSE_MEMBER("decided_at", "Set by the server: when it was approved or rejected."),
    RESPONSE_MEMBER("review", "Set by the server: waiting, due dates, returns and notes."),
    RESPONSE_MEMBER("completeness", "Set by the server: what a draft saved while being filled "
                                    "in still lacks."),
    {0},
};

/* What every applicant declares, for a kind whose measure says no more
 * (the truthfulness every measure of the gazette asks for). */
static const struct declaration general_declaration = {
    .zh = "本单位郑重承诺：\n"
          "一、本次申报所填写的内容和提交的材料真实、准确、完整，不存在弄虚作假行为；\n"
          "二、积极配合主管部门及其委托机构开展的审核、核查、监督检查和审计工作；\n"
          "三、如有虚假，愿依照有关规定承担相应责任，已获得的认定或资金支持可予撤销、收回。",
    .en = "We solemnly declare:\n"
          "1. What this application states and the materials submitted with it are true, "
          "accurate and complete, and nothing in it is falsified;\n"
          "2. We will cooperate with the review, verification, inspection and audit of the "
          "authority and of those it entrusts;\n"
          "3. Should anything be false, we accept the consequences the rules provide, and that "
          "what was certified or granted may be revoked or recovered.",
    .version = "general-1",
};

struct declaration kind_declaration(const struct kind *k)
{
    if (!k->declaration_zh || !k->declaration_version)
        return general_declaration;
    return (struct declaration){k->declaration_zh,
                                k->declaration_en ? k->declaration_en : general_declaration.en,
                                k->declaration_version};
}

const char *domain_term_zh(const char *term)
{
    const struct role_def *role = role_find(term);
    const struct kind *k = kind_find(term);
    if (role)
        return role->title_zh;
    if (k)
        return k->title_zh;
    return authority_name_zh(term);
}

const struct kind *kind_find(const char *name)
{
    if (!name)
        return NULL;
    for (size_t i = 0; kinds[i]; i++)
        if (strcmp(kinds[i]->name, name) == 0)
            return kinds[i];
    return NULL;
}

bool kind_of_authority(const struct kind *k, const char *authority)
{
    return k && authority && strcmp(k->authority, authority) == 0;
}

/* Copies the envelope table into `out` with `data` bound to the fields of
 * kind k (any object when k is NULL).  Only `data` has a destination: its
 * struct is the whole of what a parse of the envelope decodes. */
static void envelope_for(const struct kind *k, struct field_spec out[ARRAY_LEN(envelope_fields)])
{
    memcpy(out, envelope_fields, sizeof envelope_fields);
    for (size_t i = 0; out[i].name; i++)
        if (strcmp(out[i].name, "data") == 0) {
            out[i].fields = k ? k->data_fields : NULL;
            if (k)
                out[i].to = (struct spec_dest){
                    .ctype = SPEC_C_OTHER,
                    .offset = 0,
                    .size = k->data_size,
                };
        }
}

static bool under_data(const char *pointer)
{
    return strncmp(pointer, "/data", 5) == 0 && (pointer[5] == '\0' || pointer[5] == '/');
}

void kind_data_release(struct kind_data *d)
{
    json_decref(d->json);
    spec_arena_release(&d->arena);
    spec_errors_release(&d->gaps);
    d->kind = NULL;
    d->json = NULL;
    d->typed = NULL;
    d->complete = false;
}

static void kind_data_init(struct kind_data *d)
{
    d->kind = NULL;
    d->json = NULL;
    d->typed = NULL;
    d->complete = false;
    spec_arena_init(&d->arena);
    spec_errors_init(&d->gaps);
}

const struct kind *application_parse(const json_t *envelope, struct kind_data *out,
                                     struct spec_errors *errs)
{
    struct field_spec table[ARRAY_LEN(envelope_fields)];
    const struct kind *k = NULL;
    size_t before = errs->count, dropped = errs->dropped;
    size_t total = spec_errors_total(errs);
    json_t *data;
    bool data_ok = true, round_ok = true;

    kind_data_init(out);
    if (json_is_object(envelope))
        k = kind_find(json_string_value(json_object_get(envelope, "kind")));
    envelope_for(k, table);
    if (k)
        out->typed = spec_arena_alloc(&out->arena, k->data_size);
    spec_parse(table, envelope, "", out->typed, &out->arena, errs);
    data = json_object_get(envelope, "data");
    if (!k || !json_is_object(data))
        goto out;

    /* Consistency rules assume well-formed data: run them only when the
     * data itself passed, whatever else in the envelope is wrong.  Errors
     * only counted (more than a 422 lists) may be the data's.  A round that
     * failed its own check is no year to check against. */
    if (errs->dropped != dropped)
        data_ok = false;
    for (size_t i = before; i < errs->count; i++) {
        if (under_data(errs->items[i].pointer))
            data_ok = false;
        if (strcmp(errs->items[i].pointer, "/round") == 0)
            round_ok = false;
    }
    if (data_ok && k->check_consistency) {
        json_int_t round = json_integer_value(json_object_get(envelope, "round"));
        k->check_consistency(out->typed, round_ok ? (int)round : 0, errs);
    }
out:
    if (!k || spec_errors_total(errs) != total) {
        kind_data_release(out);
        return k;
    }
    out->kind = k;
    out->json = json_incref(data);
    out->complete = true;
    return k;
}

/* What a strict parse of data d (decoded leniently into d->typed, without
 * an error) finds: into d->gaps; d->complete when nothing.  The consistency
 * rules run only on data that passes the field table, as in a strict
 * parse; then the lenient decoding is the strict one (no null, no short
 * list passed). */
static void find_gaps(const struct kind *k, const json_t *data, int round, struct kind_data *d)
{
    if (spec_validate(k->data_fields, data, "/data", &d->gaps) == 0 && k->check_consistency)
        k->check_consistency(d->typed, round, &d->gaps);
    d->complete = spec_errors_total(&d->gaps) == 0;
}

const struct kind *application_parse_mode(const json_t *envelope, enum spec_mode mode,
                                          struct kind_data *out, struct spec_errors *errs)
{
    if (mode == SPEC_STRICT)
        return application_parse(envelope, out, errs);

    /* The envelope's own members as ever (without them there is no draft
     * to store: no kind, no year, no unit, no organisation), the data
     * leniently. */
    struct field_spec table[ARRAY_LEN(envelope_fields)];
    const struct kind *k = NULL;
    size_t total = spec_errors_total(errs);
    bool round_ok;

    kind_data_init(out);
    if (json_is_object(envelope))
        k = kind_find(json_string_value(json_object_get(envelope, "kind")));
    envelope_for(NULL, table);
    spec_parse(table, envelope, "", NULL, NULL, errs);
    round_ok = true;
    for (size_t i = 0; i < errs->count; i++)
        if (strcmp(errs->items[i].pointer, "/round") == 0)
            round_ok = false;
    const json_t *data = json_object_get(envelope, "data");
    if (!k || !json_is_object(data)) {
        kind_data_release(out);
        return k;
    }
    out->typed = spec_arena_alloc(&out->arena, k->data_size);
    spec_parse_mode(k->data_fields, data, "/data", out->typed, &out->arena, errs, SPEC_LENIENT);
    if (spec_errors_total(errs) != total) {
        kind_data_release(out);
        return k;
    }
    json_int_t round = json_integer_value(json_object_get(envelope, "round"));
    find_gaps(k, data, round_ok ? (int)round : 0, out);
    out->kind = k;
    out->json = json_incref((json_t *)data);
    return k;
}

const struct kind *application_validate(const json_t *envelope, struct spec_errors *errs)
{
    struct kind_data d;
    const struct kind *k = application_parse(envelope, &d, errs);

    kind_data_release(&d);
    return k;
}

int kind_data_parse_mode(const struct kind *k, json_t *data, int round, enum spec_mode mode,
                         struct kind_data *out, struct spec_errors *errs)
{
    size_t before = spec_errors_total(errs);

    assert(k);
    kind_data_init(out);
    out->typed = spec_arena_alloc(&out->arena, k->data_size);
    if (mode == SPEC_LENIENT) {
        if (spec_parse_mode(k->data_fields, data, "/data", out->typed, &out->arena, errs,
                            SPEC_LENIENT) == 0)
            find_gaps(k, data, round, out);
    } else if (spec_parse(k->data_fields, data, "/data", out->typed, &out->arena, errs) == 0 &&
               k->check_consistency) {
        k->check_consistency(out->typed, round, errs);
    }
    if (spec_errors_total(errs) != before) {
        kind_data_release(out);
        return -1;
    }
    out->kind = k;
    out->json = json_incref(data);
    if (mode == SPEC_STRICT)
        out->complete = true;
    return 0;
}

int kind_data_parse(const struct kind *k, json_t *data, int round, struct kind_data *out,
                    struct spec_errors *errs)
{
    return kind_data_parse_mode(k, data, round, SPEC_STRICT, out, errs);
}

json_t *kind_schema(const struct kind *k)
{
    struct field_spec table[ARRAY_LEN(envelope_fields)];
    const char *only[2] = {k->name, NULL};
    char id[128], title[256];

    envelope_for(k, table);
    /* A kind's schema admits that kind only. */
    for (size_t i = 0; table[i].name; i++)
        if (strcmp(table[i].name, "kind") == 0)
            table[i].enum_values = only;
    snprintf(id, sizeof id, "urn:shenbao:schema:%s", k->name);
    snprintf(title, sizeof title, "%s / %s", k->title_zh, k->title_en);
    return spec_schema(table, id, title);
}

void kind_why(const struct approval_query *q, char *why, size_t cap, const char *fmt, ...)
{
    char ignored[8];
    va_list ap;
    va_start(ap, fmt);
    if (q->why_zh && q->zh_cap > 0)
        msg_vformat(why, cap, q->why_zh, q->zh_cap, fmt, ap);
    else
        msg_vformat(why, cap, ignored, sizeof ignored, fmt, ap);
    va_end(ap);
}

const struct field_spec *kind_municipal_records(const struct kind *k, const void *data)
{
    if (k->municipal_records_for && data)
        return k->municipal_records_for(data);
    return k->municipal_records;
}

sb_day kind_ban_until(const struct kind *k, sb_day revoked_on)
{
    return date_add_months(revoked_on, k->ban_months);
}

sb_day kind_valid_until(const struct kind *k, sb_day issued_on)
{
    return date_add_months(issued_on, 12 * k->valid_years) - 1;
}
