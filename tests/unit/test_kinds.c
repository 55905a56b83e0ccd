/*
 * The kinds table, the application envelope and each kind's field table,
 * checked against the outside contract's field lists.  The examples are the
 * ones in tests/api/examples/, embedded so this test reads nothing from
 * disk.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "date.h"
#include "kind_first_store.h"
#include "kind_incubator.h"
#include "kind_tourism_award.h"
#include "kinds.h"
#include "spec.h"

/* Full examples: every field, the optional ones included. */
static const char incubator_full[] =
    "{\"kind\": \"incubator\", \"round\": 2020, \"review_unit\": \"110108\", "
    "\"applicant\": {\"name\": \"北京示例孵化器有限公司\", \"uscc\": \"91110108551385082Q\"}, "
    "\"data\": {\"registered_on\": \"2016-05-18\", \"good_credit\": true, "
    "\"field\": \"artificial_intelligence\", \"services\": [\"platform\", "
    "\"resource_matching\"], \"total_revenue_fen\": 1000000000, \"service_revenue_fen\": "
    "[300000000, "
    "360000000, 420000000], \"mentor_sessions\": 68, \"has_investment_fund\": true, "
    "\"team_qualified\": true, \"team_description\": "
    "\"运营团队共12人，负责人曾任人工智能企业技术总监，具有十年早期项目投资经验。\\nThe team of 12 "
    "is led by a former AI company CTO with ten years of early-stage investment experience.\", "
    "\"incubatee_revenue_fen\": [8000000000, 9600000000, 11040000000], \"incubatees\": [{\"name\": "
    "\"北京芯驰微电子科技有限公司\", "
    "\"uscc\": \"91110108MA011000AK\", \"employees\": 12, \"revenue_fen\": 150000000, "
    "\"hard_tech\": true, \"prohibited_catalogue\": false, \"invested\": true, "
    "\"invested_by_incubator\": true, \"ip_applied\": true, \"ip_valid\": true}, "
    "{\"name\": \"北京智源视觉科技有限公司\", \"uscc\": \"91110105MA011037BK\", "
    "\"employees\": 15, \"revenue_fen\": 170000000, \"hard_tech\": true, "
    "\"prohibited_catalogue\": false, \"invested\": true, \"invested_by_incubator\": true, "
    "\"ip_applied\": true, \"ip_valid\": false}, {\"name\": \"北京蓝海基因科技有限公司\", "
    "\"uscc\": \"91110102MA011074CY\", \"employees\": 18, \"revenue_fen\": 190000000, "
    "\"hard_tech\": true, \"prohibited_catalogue\": false, \"invested\": true, "
    "\"invested_by_incubator\": false, \"ip_applied\": true, \"ip_valid\": false}, "
    "{\"name\": \"北京星河机器人科技有限公司\", \"uscc\": \"91110114MA011111DG\", "
    "\"employees\": 21, \"revenue_fen\": 210000000, \"hard_tech\": true, "
    "\"prohibited_catalogue\": false, \"invested\": true, \"invested_by_incubator\": false, "
    "\"ip_applied\": true, \"ip_valid\": true}, {\"name\": \"北京清源新材科技有限公司\", "
    "\"uscc\": \"91110108MA011148E6\", \"employees\": 24, \"revenue_fen\": 230000000, "
    "\"hard_tech\": true, \"prohibited_catalogue\": false, \"invested\": true, "
    "\"invested_by_incubator\": false, \"ip_applied\": true, \"ip_valid\": false}, "
    "{\"name\": \"北京云杉软件科技有限公司\", \"uscc\": \"91110106MA011185F0\", "
    "\"employees\": 27, \"revenue_fen\": 250000000, \"hard_tech\": true, "
    "\"prohibited_catalogue\": false, \"invested\": true, \"invested_by_incubator\": false, "
    "\"ip_applied\": true, \"ip_valid\": false}, {\"name\": \"北京极光激光科技有限公司\", "
    "\"uscc\": \"91110108MA011222G2\", \"employees\": 30, \"revenue_fen\": 270000000, "
    "\"hard_tech\": true, \"prohibited_catalogue\": false, \"invested\": true, "
    "\"invested_by_incubator\": false, \"ip_applied\": true, \"ip_valid\": true}, "
    "{\"name\": \"北京磐石储能科技有限公司\", \"uscc\": \"91110105MA011259H2\", "
    "\"employees\": 33, \"revenue_fen\": 290000000, \"hard_tech\": true, "
    "\"prohibited_catalogue\": false, \"invested\": true, \"invested_by_incubator\": false, "
    "\"ip_applied\": true, \"ip_valid\": false}, {\"name\": \"北京青禾医疗科技有限公司\", "
    "\"uscc\": \"91110102MA011296JD\", \"employees\": 36, \"revenue_fen\": 310000000, "
    "\"hard_tech\": true, \"prohibited_catalogue\": false, \"invested\": true, "
    "\"invested_by_incubator\": false, \"ip_applied\": true, \"ip_valid\": false}, "
    "{\"name\": \"北京远望传感科技有限公司\", \"uscc\": \"91110114MA011333KY\", "
    "\"employees\": 39, \"revenue_fen\": 330000000, \"hard_tech\": true, "
    "\"prohibited_catalogue\": false, \"invested\": true, \"invested_by_incubator\": false, "
    "\"ip_applied\": true, \"ip_valid\": true}, {\"name\": \"北京深度求知科技有限公司\", "
    "\"uscc\": \"91110108MA011370A1\", \"employees\": 42, \"revenue_fen\": 350000000, "
    "\"hard_tech\": true, \"prohibited_catalogue\": false, \"invested\": false, "
    "\"invested_by_incubator\": false, \"ip_applied\": true, \"ip_valid\": false}, "
    "{\"name\": \"北京启明量子科技有限公司\", \"uscc\": \"91110106MA011407BX\", "
    "\"employees\": 45, \"revenue_fen\": 370000000, \"hard_tech\": true, "
    "\"prohibited_catalogue\": false, \"invested\": false, \"invested_by_incubator\": false, "
    "\"ip_applied\": true, \"ip_valid\": false}, {\"name\": \"北京天工智造科技有限公司\", "
    "\"uscc\": \"91110108MA011444CH\", \"employees\": 48, \"revenue_fen\": 390000000, "
    "\"hard_tech\": true, \"prohibited_catalogue\": false, \"invested\": false, "
    "\"invested_by_incubator\": false, \"ip_applied\": true, \"ip_valid\": true}, "
    "{\"name\": \"北京锐思算法科技有限公司\", \"uscc\": \"91110105MA011481DW\", "
    "\"employees\": 51, \"revenue_fen\": 410000000, \"hard_tech\": true, "
    "\"prohibited_catalogue\": false, \"invested\": false, \"invested_by_incubator\": false, "
    "\"ip_applied\": true, \"ip_valid\": false}, {\"name\": \"北京博瑞生物科技有限公司\", "
    "\"uscc\": \"91110102MA011518EB\", \"employees\": 54, \"revenue_fen\": 430000000, "
    "\"hard_tech\": true, \"prohibited_catalogue\": false, \"invested\": false, "
    "\"invested_by_incubator\": false, \"ip_applied\": true, \"ip_valid\": false}, "
    "{\"name\": \"北京中科晶片科技有限公司\", \"uscc\": \"91110114MA011555FE\", "
    "\"employees\": 57, \"revenue_fen\": 450000000, \"hard_tech\": true, "
    "\"prohibited_catalogue\": false, \"invested\": false, \"invested_by_incubator\": false, "
    "\"ip_applied\": false, \"ip_valid\": true}, {\"name\": \"北京未来出行科技有限公司\", "
    "\"uscc\": \"91110108MA011592GF\", \"employees\": 60, \"revenue_fen\": 470000000, "
    "\"hard_tech\": true, \"prohibited_catalogue\": false, \"invested\": false, "
    "\"invested_by_incubator\": false, \"ip_applied\": false, \"ip_valid\": false}, "
    "{\"name\": \"北京瀚海数据科技有限公司\", \"uscc\": \"91110106MA011629HC\", "
    "\"employees\": 63, \"revenue_fen\": 490000000, \"hard_tech\": true, "
    "\"prohibited_catalogue\": false, \"invested\": false, \"invested_by_incubator\": false, "
    "\"ip_applied\": false, \"ip_valid\": false}, {\"name\": \"北京安信网络科技有限公司\", "
    "\"uscc\": \"91110108MA011666J0\", \"employees\": 66, \"revenue_fen\": 510000000, "
    "\"hard_tech\": true, \"prohibited_catalogue\": false, \"invested\": false, "
    "\"invested_by_incubator\": false, \"ip_applied\": false, \"ip_valid\": true}, "
    "{\"name\": \"北京恒润材料科技有限公司\", \"uscc\": \"91110105MA011703KR\", "
    "\"employees\": 69, \"revenue_fen\": 530000000, \"hard_tech\": true, "
    "\"prohibited_catalogue\": false, \"invested\": false, \"invested_by_incubator\": false, "
    "\"ip_applied\": false, \"ip_valid\": false}, {\"name\": \"北京知行教育科技有限公司\", "
    "\"uscc\": \"91110102MA011740A6\", \"employees\": 72, \"revenue_fen\": 550000000, "
    "\"hard_tech\": true, \"prohibited_catalogue\": false, \"invested\": false, "
    "\"invested_by_incubator\": false, \"ip_applied\": false, \"ip_valid\": false}, "
    "{\"name\": \"北京精准医学科技有限公司\", \"uscc\": \"91110114MA011777BX\", "
    "\"employees\": 75, \"revenue_fen\": 570000000, \"hard_tech\": true, "
    "\"prohibited_catalogue\": false, \"invested\": false, \"invested_by_incubator\": false, "
    "\"ip_applied\": false, \"ip_valid\": true}, {\"name\": \"北京森林环保科技有限公司\", "
    "\"uscc\": \"91110108MA011814CD\", \"employees\": 78, \"revenue_fen\": 590000000, "
    "\"hard_tech\": true, \"prohibited_catalogue\": false, \"invested\": false, "
    "\"invested_by_incubator\": false, \"ip_applied\": false, \"ip_valid\": false}, "
    "{\"name\": \"北京光年航天科技有限公司\", \"uscc\": \"91110106MA011851D7\", "
    "\"employees\": 81, \"revenue_fen\": 610000000, \"hard_tech\": true, "
    "\"prohibited_catalogue\": false, \"invested\": false, \"invested_by_incubator\": false, "
    "\"ip_applied\": false, \"ip_valid\": false}]}}";

static const char first_store_full[] =
    "{\"kind\": \"first_store\", \"round\": 2020, \"review_unit\": \"110108\", "
    "\"applicant\": {\"name\": \"北京示例孵化器有限公司\", \"uscc\": \"91110108551385082Q\"}, "
    "\"data\": {\"project\": \"store_opening\", \"applicant_type\": \"international_brand\", "
    "\"category\": \"beijing_first\", \"brand\": \"Maison Exemple\", \"store\": {\"name\": "
    "\"Maison Exemple 北京首店\", "
    "\"address\": \"北京市海淀区中关村大街15号\", \"district\": \"110108\", "
    "\"registered_on\": \"2019-03-01\", \"opened_on\": \"2019-05-01\", \"area_m2\": 620, "
    "\"largest_in_beijing\": true, \"all_categories\": true}, \"rent_12m_fen\": 80000000, "
    "\"decoration_fen\": 50000000, \"declarations\": {\"actual_investor\": true, "
    "\"not_blacklisted\": true, \"no_bad_credit_sanction\": true, \"not_prohibited_catalogue\": "
    "true, "
    "\"no_duplicate_funding\": true}}}";

static const char tourism_award_full[] =
    "{\"kind\": \"tourism_award\", \"round\": 2020, \"review_unit\": \"110108\", "
    "\"applicant\": {\"name\": \"北京示例孵化器有限公司\", \"uscc\": \"91110108551385082Q\"}, "
    "\"data\": {\"inbound_business\": true, \"penalty\": \"none\", \"major_accident\": false, "
    "\"major_incident\": false, \"outbound_person_days\": 5000, \"outbound_person_days_prev\": "
    "4000, "
    "\"reception_person_days\": 8000, \"reception_person_days_prev\": 7000, "
    "\"groups\": [{\"type\": \"organised\", \"tourists\": 200, \"start_on\": \"2020-09-01\", "
    "\"end_on\": \"2020-09-10\"}, {\"type\": \"organised\", \"tourists\": 300, "
    "\"start_on\": \"2020-10-01\", \"end_on\": \"2020-10-10\"}, {\"type\": \"commissioned\", "
    "\"tourists\": 150, \"start_on\": \"2020-11-01\", \"end_on\": \"2020-11-20\"}], "
    "\"charters\": [{\"flight\": \"SU 9204 (Aeroflot charter)\", \"tourists\": 180, "
    "\"scheduled_route\": false, \"arrived_on\": \"2020-09-01\", \"nights_in_beijing\": 3}], "
    "\"special_award_claim\": \"在重点入境客源国举办北京旅游推介会6场，推广过境免签政策。\"}}";

/* Minimal examples: only what is required. */
static const char incubator_minimal[] =
    "{\"kind\": \"incubator\", \"round\": 2021, \"review_unit\": \"etdz\", "
    "\"applicant\": {\"name\": \"北京最小孵化器有限公司\", \"uscc\": \"91110000802100433B\"}, "
    "\"data\": {\"registered_on\": \"2019-01-02\", \"good_credit\": true, "
    "\"field\": \"integrated_circuits\", \"services\": [], \"total_revenue_fen\": 0, "
    "\"service_revenue_fen\": [0, 0, 0], \"mentor_sessions\": 0, "
    "\"has_investment_fund\": false, \"team_qualified\": false, \"team_description\": \"-\", "
    "\"incubatee_revenue_fen\": [0, 0, 0], \"incubatees\": []}}";

static const char first_store_launch_event[] =
    "{\"kind\": \"first_store\", \"round\": 2020, \"review_unit\": \"hq:示例总部\", "
    "\"applicant\": {\"name\": \"示例商业运营有限公司\", \"uscc\": \"91110000802100433B\"}, "
    "\"data\": {\"project\": \"launch_event\", "
    "\"event\": {\"name\": \"春季新品发布会\", \"held_on\": \"2020-04-18\", "
    "\"venue_rent_fen\": 60000000, \"setup_fen\": 90000000}, "
    "\"declarations\": {\"actual_investor\": true, \"not_blacklisted\": true, "
    "\"no_bad_credit_sanction\": true, \"not_prohibited_catalogue\": true, "
    "\"no_duplicate_funding\": true}}}";

static const char first_store_introduction[] =
    "{\"kind\": \"first_store\", \"round\": 2020, \"review_unit\": \"110105\", "
    "\"applicant\": {\"name\": \"示例商业地产有限公司\", \"uscc\": \"91110000802100433B\"}, "
    "\"data\": {\"project\": \"store_introduction\", \"stores\": [{\"brand\": \"Exemple\", "
    "\"brand_type\": \"international_brand\", \"category\": \"china_first\", "
    "\"registered_on\": \"2019-02-01\", \"opened_on\": \"2019-03-01\", "
    "\"rent_12m_fen\": 90000000, \"decoration_fen\": 30000000, \"agreement_years\": 3, "
    "\"in_pipeline\": true}], "
    "\"declarations\": {\"actual_investor\": true, \"not_blacklisted\": true, "
    "\"no_bad_credit_sanction\": true, \"not_prohibited_catalogue\": true, "
    "\"no_duplicate_funding\": true}}}";

static const char first_store_agent[] =
    "{\"kind\": \"first_store\", \"round\": 2020, \"review_unit\": \"110101\", "
    "\"applicant\": {\"name\": \"示例品牌代理有限公司\", \"uscc\": \"91110000802100433B\"}, "
    "\"data\": {\"project\": \"store_opening\", \"applicant_type\": \"international_agent\", "
    "\"category\": \"asia_first\", \"brand\": \"Exemple\", \"store\": {\"name\": \"Exemple\", "
    "\"address\": \"北京市东城区王府井大街1号\", \"district\": \"110101\", "
    "\"registered_on\": \"2019-06-01\", \"opened_on\": \"2019-07-01\", \"area_m2\": 120, "
    "\"largest_in_beijing\": false, \"all_categories\": false}, "
    "\"license_fee_fen\": 150000000, "
    "\"declarations\": {\"actual_investor\": true, \"not_blacklisted\": true, "
    "\"no_bad_credit_sanction\": true, \"not_prohibited_catalogue\": true, "
    "\"no_duplicate_funding\": true}}}";

static const char tourism_award_minimal[] =
    "{\"kind\": \"tourism_award\", \"round\": 2019, \"review_unit\": \"110102\", "
    "\"applicant\": {\"name\": \"北京示例国际旅行社有限公司\", "
    "\"uscc\": \"91110000802100433B\"}, "
    "\"data\": {\"inbound_business\": true, \"penalty\": \"warning\", "
    "\"major_accident\": false, \"major_incident\": false, \"outbound_person_days\": 0, "
    "\"outbound_person_days_prev\": 0, \"reception_person_days\": 0, "
    "\"reception_person_days_prev\": 0}}";

static const struct example {
    const char *name;
    const char *text;
    const char *kind;
} examples[] = {
    {"incubator_full", incubator_full, "incubator"},
    {"incubator_minimal", incubator_minimal, "incubator"},
    {"first_store_full", first_store_full, "first_store"},
    {"first_store_launch_event", first_store_launch_event, "first_store"},
    {"first_store_introduction", first_store_introduction, "first_store"},
    {"first_store_agent", first_store_agent, "first_store"},
    {"tourism_award_full", tourism_award_full, "tourism_award"},
    {"tourism_award_minimal", tourism_award_minimal, "tourism_award"},
};

#define N_EXAMPLES (sizeof examples / sizeof examples[0])

/* The members CONTRACT.md calls optional; every other member is required. */
static const char *const optional_members[] = {
    "/data/groups",
    "/data/charters",
    "/data/special_award_claim",
    NULL,
};

static json_t *parse(const char *text)
{
    json_error_t error;
    json_t *v = json_loads(text, JSON_REJECT_DUPLICATES, &error);

    ck_assert_msg(v != NULL, "bad test JSON: %s (line %d)", error.text, error.line);
    return v;
}

static void dump_errors(const struct spec_errors *errs, char *out, size_t cap)
{
    size_t len = 0;

    out[0] = '\0';
    for (size_t i = 0; i < errs->count && len + 1 < cap; i++) {
        int n = snprintf(out + len, cap - len, "\n  %s: %s", errs->items[i].pointer,
                         errs->items[i].detail);
        if (n < 0)
            break;
        len += (size_t)n;
    }
}

static bool has_error(const struct spec_errors *errs, const char *pointer, const char *detail)
{
    for (size_t i = 0; i < errs->count; i++)
        if (strcmp(errs->items[i].pointer, pointer) == 0 &&
            (!detail || strstr(errs->items[i].detail, detail)))
            return true;
    return false;
}

/* Validates and checks that exactly the listed pointers have errors (in any
 * order); `detail`, when given, must be part of the first one's detail. */
static void expect_errors(const json_t *doc, const char *const *pointers, const char *detail)
{
    struct spec_errors errs;
    char dump[8192];
    size_t n = 0;

    while (pointers[n])
        n++;
    spec_errors_init(&errs);
    application_validate(doc, &errs);
    dump_errors(&errs, dump, sizeof dump);
    ck_assert_msg(errs.count == n, "expected %zu errors, got %zu:%s", n, errs.count, dump);
    for (size_t i = 0; i < n; i++)
        ck_assert_msg(has_error(&errs, pointers[i], i == 0 ? detail : NULL),
                      "no error at %s%s%s, got:%s", pointers[i], i == 0 && detail ? " with " : "",
                      i == 0 && detail ? detail : "", dump);
    spec_errors_release(&errs);
}

#define EXPECT(doc, detail, ...)                                                                   \
    expect_errors(doc, (const char *const[]){__VA_ARGS__, NULL}, detail)
#define EXPECT_VALID(doc) expect_errors(doc, (const char *const[]){NULL}, NULL)

/* ---- JSON Pointer helpers for editing the examples ---- */

/* The next unescaped reference token of *ptr (which starts with '/'). */
static bool next_token(const char **ptr, char *token, size_t cap)
{
    const char *p = *ptr;
    size_t len = 0;

    if (*p != '/')
        return false;
    for (p++; *p && *p != '/'; p++) {
        char c = *p;
        if (c == '~') {
            p++;
            c = *p == '1' ? '/' : '~';
        }
        ck_assert(len + 1 < cap);
        token[len++] = c;
    }
    token[len] = '\0';
    *ptr = p;
    return true;
}

static json_t *child_of(json_t *node, const char *token)
{
    if (json_is_object(node))
        return json_object_get(node, token);
    if (json_is_array(node))
        return json_array_get(node, strtoul(token, NULL, 10));
    return NULL;
}

/* The node that holds the last token of `pointer`, and that token. */
static json_t *parent_of(json_t *root, const char *pointer, char *last, size_t cap)
{
    json_t *node = root, *parent = NULL;

    while (next_token(&pointer, last, cap)) {
        parent = node;
        if (*pointer)
            node = child_of(node, last);
        ck_assert_ptr_nonnull(node);
    }
    return parent;
}

static void set_at(json_t *root, const char *pointer, json_t *value)
{
    char last[128];
    json_t *parent = parent_of(root, pointer, last, sizeof last);

    ck_assert_ptr_nonnull(parent);
    if (json_is_array(parent))
        ck_assert_int_eq(json_array_set_new(parent, strtoul(last, NULL, 10), value), 0);
    else
        ck_assert_int_eq(json_object_set_new(parent, last, value), 0);
}

static void remove_at(json_t *root, const char *pointer)
{
    char last[128];
    json_t *parent = parent_of(root, pointer, last, sizeof last);

    ck_assert(json_is_object(parent));
    ck_assert_int_eq(json_object_del(parent, last), 0);
}

static json_t *example(const char *name)
{
    for (size_t i = 0; i < N_EXAMPLES; i++)
        if (strcmp(examples[i].name, name) == 0)
            return parse(examples[i].text);
    ck_abort_msg("no example %s", name);
    return NULL;
}

/* ---- the kinds table ---- */

START_TEST(test_table)
{
    size_t n = 0;

    for (; kinds[n]; n++) {
        ck_assert_ptr_eq(kind_find(kinds[n]->name), kinds[n]);
        ck_assert(kind_of_authority(kinds[n], kinds[n]->authority));
        ck_assert_ptr_nonnull(kinds[n]->data_fields);
        ck_assert_ptr_nonnull(kinds[n]->title_zh);
        ck_assert_ptr_nonnull(kinds[n]->title_en);
    }
    ck_assert_int_eq(n, 4);
    ck_assert_ptr_eq(kind_find("incubator"), &kind_incubator);
    ck_assert_ptr_eq(kind_find("experience_base"), &kind_experience_base);
    ck_assert_ptr_eq(kind_find("first_store"), &kind_first_store);
    ck_assert_ptr_eq(kind_find("tourism_award"), &kind_tourism_award);
    ck_assert_ptr_null(kind_find("Incubator"));
    ck_assert_ptr_null(kind_find(""));
    ck_assert_ptr_null(kind_find(NULL));
    ck_assert(kind_of_authority(&kind_incubator, "science_tech"));
    ck_assert(kind_of_authority(&kind_first_store, "commerce"));
    /* 市文化和旅游局 owns two kinds. */
    ck_assert(kind_of_authority(&kind_tourism_award, "culture_tourism"));
    ck_assert(kind_of_authority(&kind_experience_base, "culture_tourism"));
    ck_assert(!kind_of_authority(&kind_experience_base, "commerce"));
    ck_assert(!kind_of_authority(&kind_incubator, "finance"));
    ck_assert(!kind_of_authority(&kind_incubator, NULL));
    ck_assert_str_eq(authorities[0], "science_tech");
    ck_assert_str_eq(authorities[1], "commerce");
    ck_assert_str_eq(authorities[2], "culture_tourism");
    ck_assert_ptr_null(authorities[3]);
    ck_assert(kind_first_store.enterprise_units);
    ck_assert(!kind_incubator.enterprise_units);
    ck_assert(!kind_tourism_award.enterprise_units);
}
END_TEST

/* ---- examples ---- */

START_TEST(test_examples_valid)
{
    json_t *doc = parse(examples[_i].text);
    struct spec_errors errs;
    const struct kind *k;
    char dump[8192];

    spec_errors_init(&errs);
    k = application_validate(doc, &errs);
    dump_errors(&errs, dump, sizeof dump);
    ck_assert_msg(errs.count == 0, "%s:%s", examples[_i].name, dump);
    ck_assert_ptr_eq(k, kind_find(examples[_i].kind));
    spec_errors_release(&errs);
    json_decref(doc);
}
END_TEST

static bool is_optional(const char *pointer)
{
    for (const char *const *o = optional_members; *o; o++)
        if (strcmp(*o, pointer) == 0)
            return true;
    return false;
}

/* Removes every object member of the example, one at a time: a required
 * member gives exactly one error, at its pointer; an optional one none. */
static void remove_each(json_t *root, json_t *node, const char *pointer, size_t *tried)
{
    char child[SPEC_POINTER_LEN];
    const char *key;
    json_t *value;
    size_t i;

    if (json_is_object(node)) {
        json_object_foreach(node, key, value)
        {
            json_t *copy = json_deep_copy(root);
            spec_pointer_join(child, sizeof child, pointer, key);
            remove_at(copy, child);
            if (is_optional(child))
                EXPECT_VALID(copy);
            else
                EXPECT(copy, "is required", child);
            json_decref(copy);
            (*tried)++;
            remove_each(root, value, child, tried);
        }
    } else if (json_is_array(node)) {
        json_array_foreach(node, i, value)
        {
            spec_pointer_index(child, sizeof child, pointer, i);
            remove_each(root, value, child, tried);
        }
    }
}

START_TEST(test_required_removed_one_at_a_time)
{
    json_t *doc = parse(examples[_i].text);
    size_t tried = 0;

    remove_each(doc, doc, "", &tried);
    ck_assert_int_gt(tried, 10);
    json_decref(doc);
}
END_TEST

static const struct {
    const char *example;
    const char *pointer;
} enum_members[] = {
    {"incubator_full", "/kind"},
    {"incubator_full", "/data/field"},
    {"incubator_full", "/data/services/1"},
    {"first_store_full", "/data/project"},
    {"first_store_full", "/data/applicant_type"},
    {"first_store_full", "/data/category"},
    {"first_store_full", "/data/store/district"},
    {"first_store_introduction", "/data/stores/0/brand_type"},
    {"first_store_introduction", "/data/stores/0/category"},
    {"first_store_agent", "/data/applicant_type"},
    {"tourism_award_full", "/data/penalty"},
    {"tourism_award_full", "/data/groups/2/type"},
};

#define N_ENUM_MEMBERS (sizeof enum_members / sizeof enum_members[0])

/* A bad value of any enum gives one error at its pointer, even for a
 * discriminator whose variant members are then unknown. */
START_TEST(test_bad_enum_values)
{
    static const char *const bad_values[] = {"bogus", "", "STORE_OPENING", "110100"};

    for (size_t v = 0; v < sizeof bad_values / sizeof bad_values[0]; v++) {
        json_t *doc = example(enum_members[_i].example);
        set_at(doc, enum_members[_i].pointer, json_string(bad_values[v]));
        EXPECT(doc, "must be one of", enum_members[_i].pointer);
        json_decref(doc);
    }
}
END_TEST

/* ---- the envelope ---- */

START_TEST(test_envelope_read_only_members)
{
    json_t *doc = example("first_store_full");

    set_at(doc, "/id", json_integer(42));
    set_at(doc, "/status", json_string("draft"));
    set_at(doc, "/version", json_integer(3));
    set_at(doc, "/created_at", json_string("2020-07-28T09:00:00+08:00"));
    set_at(doc, "/updated_at", json_string("2020-07-28T09:00:00+08:00"));
    set_at(doc, "/submitted_at", json_null());
    set_at(doc, "/eligibility", parse("{\"eligible\": true, \"checks\": []}"));
    set_at(doc, "/award", parse("{\"basis\": \"as_applied\", \"total_fen\": 0, \"items\": []}"));
    set_at(doc, "/notice", json_null());
    set_at(doc, "/certificate_serial", json_null());
    EXPECT_VALID(doc);
    set_at(doc, "/owner", json_string("x"));
    EXPECT(doc, "unknown field", "/owner");
    json_decref(doc);
}
END_TEST

static const struct {
    const char *pointer;
    const char *value; /* JSON */
    bool ok;
} envelope_cases[] = {
    {"/round", "2018", false},
    {"/round", "2019", true},
    {"/round", "2100", true},
    {"/round", "2101", false},
    {"/round", "2020.0", false},
    {"/round", "\"2020\"", false},
    {"/review_unit", "\"\"", false},
    {"/review_unit", "\"soe:北京示例集团\"", true},
    {"/review_unit",
     "\"0123456789012345678901234567890123456789012345678901234567890123456789012345678\"", true},
    {"/review_unit",
     "\"01234567890123456789012345678901234567890123456789012345678901234567890123456789\"", false},
    {"/review_unit", "110108", false},
    {"/applicant/name", "\"\"", false},
    {"/applicant/name", "\"北\"", true},
    {"/applicant/uscc", "\"91110108551385082A\"", false},
    {"/applicant/uscc", "\"91110108551385082q\"", false},
    {"/applicant/uscc", "\"91330100799655058B\"", true}, /* Beijing is an eligibility rule */
    {"/applicant", "[]", false},
    {"/data", "[]", false},
    {"/data", "null", false},
};

#define N_ENVELOPE_CASES (sizeof envelope_cases / sizeof envelope_cases[0])

START_TEST(test_envelope_members)
{
    json_t *doc = example("incubator_minimal");

    set_at(doc, envelope_cases[_i].pointer,
           json_loads(envelope_cases[_i].value, JSON_DECODE_ANY, NULL));
    if (envelope_cases[_i].ok)
        EXPECT_VALID(doc);
    else
        EXPECT(doc, NULL, envelope_cases[_i].pointer);
    json_decref(doc);
}
END_TEST

START_TEST(test_envelope_kind)
{
    struct spec_errors errs;
    json_t *doc = example("incubator_full");
    json_t *not_object = parse("[1]");

    /* Without a known kind the data cannot be checked: one error only. */
    remove_at(doc, "/kind");
    set_at(doc, "/data", parse("{\"whatever\": 1.5}"));
    spec_errors_init(&errs);
    ck_assert_ptr_null(application_validate(doc, &errs));
    ck_assert_int_eq(errs.count, 1);
    ck_assert_str_eq(errs.items[0].pointer, "/kind");
    spec_errors_release(&errs);

    /* The kind decides the data's fields. */
    set_at(doc, "/kind", json_string("tourism_award"));
    spec_errors_init(&errs);
    ck_assert_ptr_eq(application_validate(doc, &errs), &kind_tourism_award);
    ck_assert(has_error(&errs, "/data/whatever", "unknown field"));
    ck_assert(has_error(&errs, "/data/penalty", "required"));
    spec_errors_release(&errs);

    spec_errors_init(&errs);
    ck_assert_ptr_null(application_validate(not_object, &errs));
    ck_assert_int_eq(errs.count, 1);
    ck_assert_str_eq(errs.items[0].pointer, "");
    spec_errors_release(&errs);
    json_decref(not_object);
    json_decref(doc);
}
END_TEST

/* Envelope and data errors come together in one pass. */
START_TEST(test_envelope_all_errors)
{
    json_t *doc = example("tourism_award_full");

    set_at(doc, "/round", json_integer(1999));
    set_at(doc, "/applicant/uscc", json_string("91110108551385082A"));
    set_at(doc, "/extra", json_true());
    set_at(doc, "/data/outbound_person_days", json_real(10.5));
    set_at(doc, "/data/groups/1/tourists", json_integer(0));
    set_at(doc, "/data/charters/0/arrived_on", json_string("2020-02-30"));
    remove_at(doc, "/data/major_accident");
    EXPECT(doc, NULL, "/round", "/applicant/uscc", "/extra", "/data/outbound_person_days",
           "/data/groups/1/tourists", "/data/charters/0/arrived_on", "/data/major_accident");
    json_decref(doc);
}
END_TEST

/* ---- first_store variants ---- */

START_TEST(test_first_store_other_project_fields_refused)
{
    json_t *doc = example("first_store_full");

    set_at(doc, "/data/stores", json_array());
    set_at(doc, "/data/event", parse("{}"));
    EXPECT(doc, "not used when project is store_opening", "/data/stores", "/data/event");
    json_decref(doc);

    doc = example("first_store_launch_event");
    set_at(doc, "/data/brand", json_string("X"));
    set_at(doc, "/data/rent_12m_fen", json_integer(1));
    EXPECT(doc, "not used when project is launch_event", "/data/brand", "/data/rent_12m_fen");
    json_decref(doc);
}
END_TEST

START_TEST(test_first_store_project_fields_required)
{
    json_t *doc = example("first_store_full");

    /* Switching the project makes its own fields required and the old ones
     * refused. */
    set_at(doc, "/data/project", json_string("launch_event"));
    EXPECT(doc, "required when project is launch_event", "/data/event", "/data/applicant_type",
           "/data/category", "/data/brand", "/data/store", "/data/rent_12m_fen",
           "/data/decoration_fen");
    json_decref(doc);

    doc = example("first_store_introduction");
    remove_at(doc, "/data/stores");
    EXPECT(doc, "required when project is store_introduction", "/data/stores");
    set_at(doc, "/data/stores", json_array());
    EXPECT(doc, "at least 1 item", "/data/stores");
    json_decref(doc);
}
END_TEST

START_TEST(test_first_store_agent_licence_fee)
{
    json_t *doc = example("first_store_full");

    /* An agent is funded on its licence fee; its store's rent and fit-out
     * may be given besides (RULES.md §5: left out of the amount). */
    set_at(doc, "/data/applicant_type", json_string("international_agent"));
    EXPECT(doc, "required when applicant_type is international_agent", "/data/license_fee_fen");
    json_decref(doc);

    doc = example("first_store_agent");
    set_at(doc, "/data/rent_12m_fen", json_integer(100));
    EXPECT_VALID(doc);
    set_at(doc, "/data/rent_12m_fen", json_integer(-1));
    EXPECT(doc, NULL, "/data/rent_12m_fen");
    remove_at(doc, "/data/rent_12m_fen");
    set_at(doc, "/data/applicant_type", json_string("domestic_brand"));
    set_at(doc, "/data/category", json_string("china_first"));
    EXPECT(doc, "required when applicant_type is domestic_brand", "/data/rent_12m_fen",
           "/data/decoration_fen", "/data/license_fee_fen");
    json_decref(doc);

    doc = example("first_store_full");
    set_at(doc, "/data/license_fee_fen", json_integer(100));
    EXPECT(doc, "not used when applicant_type is international_brand", "/data/license_fee_fen");
    json_decref(doc);
}
END_TEST

START_TEST(test_first_store_domestic_categories)
{
    json_t *doc = example("first_store_full");

    set_at(doc, "/data/applicant_type", json_string("domestic_brand"));
    EXPECT_VALID(doc);
    set_at(doc, "/data/category", json_string("asia_first"));
    EXPECT_VALID(doc); /* allowed to save; the category_allowed check fails instead */
    set_at(doc, "/data/applicant_type", json_string("international_brand"));
    EXPECT_VALID(doc);
    json_decref(doc);
}
END_TEST

START_TEST(test_first_store_money_is_integer_fen)
{
    json_t *doc = example("first_store_full");

    set_at(doc, "/data/rent_12m_fen", json_real(800000.5));
    set_at(doc, "/data/decoration_fen", json_integer(-1));
    set_at(doc, "/data/store/area_m2", json_integer(1000001));
    EXPECT(doc, "integer number of fen", "/data/rent_12m_fen", "/data/decoration_fen",
           "/data/store/area_m2");
    json_decref(doc);

    doc = example("first_store_full");
    set_at(doc, "/data/rent_12m_fen", json_integer(100000000000000LL));
    EXPECT_VALID(doc);
    set_at(doc, "/data/rent_12m_fen", json_integer(100000000000001LL));
    EXPECT(doc, "at most 100000000000000", "/data/rent_12m_fen");
    json_decref(doc);
}
END_TEST

/* ---- consistency ---- */

START_TEST(test_tourism_group_dates)
{
    json_t *doc = example("tourism_award_full");

    set_at(doc, "/data/groups/1/end_on", json_string("2020-10-01")); /* same day: 1 day */
    /* The declared totals must follow the groups (annex): now 2,300 and 5,300. */
    EXPECT(doc, "add up to", "/data/outbound_person_days", "/data/reception_person_days");
    set_at(doc, "/data/outbound_person_days", json_integer(2300));
    set_at(doc, "/data/reception_person_days", json_integer(5300));
    EXPECT_VALID(doc);
    set_at(doc, "/data/groups/1/end_on", json_string("2020-09-30"));
    EXPECT(doc, "must not be before start_on", "/data/groups/1/end_on");
    /* Envelope errors do not stop the data's consistency rules … */
    set_at(doc, "/round", json_integer(2018));
    EXPECT(doc, "must not be before start_on", "/data/groups/1/end_on", "/round");
    /* … but data errors do: the rules assume well-formed data. */
    set_at(doc, "/data/penalty", json_string("prison"));
    EXPECT(doc, NULL, "/data/penalty", "/round");
    json_decref(doc);
}
END_TEST

START_TEST(test_incubator_consistency)
{
    json_t *doc = example("incubator_full");

    set_at(doc, "/data/incubatees/5/invested_by_incubator", json_true());
    set_at(doc, "/data/incubatees/20/invested_by_incubator", json_true());
    EXPECT(doc, "while invested is false", "/data/incubatees/20/invested_by_incubator");
    set_at(doc, "/data/incubatees/20/invested_by_incubator", json_false());
    set_at(doc, "/data/incubatees/7/uscc",
           json_deep_copy(json_object_get(
               json_array_get(json_object_get(json_object_get(doc, "data"), "incubatees"), 3),
               "uscc")));
    EXPECT(doc, "same organisation as incubatee 4 (counted from 1)", "/data/incubatees/7/uscc");
    /* A third listing names the first one too. */
    set_at(doc, "/data/incubatees/9/uscc",
           json_deep_copy(json_object_get(
               json_array_get(json_object_get(json_object_get(doc, "data"), "incubatees"), 3),
               "uscc")));
    EXPECT(doc, "same organisation as incubatee 4 (counted from 1)", "/data/incubatees/7/uscc",
           "/data/incubatees/9/uscc");
    json_decref(doc);
}
END_TEST

/* More errors than a 422 lists: the consistency rules do not run, since
 * errors only counted may be the data's. */
START_TEST(test_consistency_after_many_errors)
{
    json_t *doc = example("incubator_full");
    json_t *list = json_object_get(json_object_get(doc, "data"), "incubatees");
    struct spec_errors errs;

    /* 150 unknown members in the envelope, then a repeated incubatee. */
    for (int i = 0; i < 150; i++) {
        char name[16];
        snprintf(name, sizeof name, "x%d", i);
        json_object_set_new(doc, name, json_true());
    }
    json_object_set(json_array_get(list, 7), "uscc",
                    json_object_get(json_array_get(list, 3), "uscc"));
    spec_errors_init(&errs);
    ck_assert_ptr_eq(application_validate(doc, &errs), &kind_incubator);
    ck_assert_int_eq(errs.count, SPEC_ERRORS_MAX);
    ck_assert_int_eq(spec_errors_total(&errs), 150);
    ck_assert(!has_error(&errs, "/data/incubatees/7/uscc", NULL));
    spec_errors_release(&errs);
    json_decref(doc);
}
END_TEST

START_TEST(test_array_sizes)
{
    json_t *doc = example("incubator_full");

    set_at(doc, "/data/service_revenue_fen", parse("[1, 2]"));
    set_at(doc, "/data/incubatee_revenue_fen", parse("[1, 2, 3, 4]"));
    set_at(doc, "/data/services", parse("[\"platform\", \"platform\"]"));
    EXPECT(doc, "exactly 3 items", "/data/service_revenue_fen", "/data/incubatee_revenue_fen",
           "/data/services/1");
    json_decref(doc);
}
END_TEST

/* ---- decoding ---- */

/* Every member of every kind's data table has a destination of its type:
 * the rules read nothing but the struct. */
static void assert_table_decodes(const struct field_spec *table, const char *where)
{
    for (const struct field_spec *f = table; f->name; f++) {
        ck_assert_msg(f->to.ctype != SPEC_C_NONE, "%s/%s has no destination", where, f->name);
        ck_assert_msg(spec_dest_fits(f), "%s/%s: its destination is not of its type", where,
                      f->name);
        if (f->type == SPEC_OBJECT)
            assert_table_decodes(f->fields, f->name);
        if (f->type == SPEC_ARRAY && f->items->type == SPEC_OBJECT)
            assert_table_decodes(f->items->fields, f->name);
        for (const struct spec_variant *v = f->variants; v && v->value; v++)
            assert_table_decodes(v->fields, v->value);
    }
}

START_TEST(test_tables_decode)
{
    for (size_t i = 0; kinds[i]; i++) {
        ck_assert_uint_gt(kinds[i]->data_size, 0);
        assert_table_decodes(kinds[i]->data_fields, kinds[i]->name);
    }
}
END_TEST

/* The spec of member `name` of table, or of a variant below it. */
static const struct field_spec *spec_of(const struct field_spec *table, const char *name)
{
    for (const struct field_spec *f = table; f->name; f++)
        if (strcmp(f->name, name) == 0)
            return f;
    for (const struct field_spec *f = table; f->name; f++)
        for (const struct spec_variant *v = f->variants; v && v->value; v++) {
            const struct field_spec *found = spec_of(v->fields, name);
            if (found)
                return found;
        }
    return NULL;
}

static void assert_object_decoded(const struct field_spec *table, const json_t *obj,
                                  const unsigned char *base, const char *pointer);

/* The value at `at` is what f decodes v to. */
static void assert_value_decoded(const struct field_spec *f, const json_t *v,
                                 const unsigned char *at, const char *pointer)
{
    const char *text;
    int64_t n;
    int index;
    bool flag;
    sb_day day, want;

    switch (f->type) {
    case SPEC_STRING:
    case SPEC_TEXT:
    case SPEC_USCC:
        memcpy(&text, at, sizeof text);
        ck_assert_msg(text == json_string_value(v), "%s not decoded", pointer);
        break;
    case SPEC_BOOL:
        memcpy(&flag, at, sizeof flag);
        ck_assert_msg(flag == json_is_true(v), "%s not decoded", pointer);
        break;
    case SPEC_INT:
    case SPEC_FEN:
        memcpy(&n, at, sizeof n);
        ck_assert_msg(n == json_integer_value(v), "%s not decoded", pointer);
        break;
    case SPEC_DATE:
        memcpy(&day, at, sizeof day);
        ck_assert(date_parse(json_string_value(v), &want));
        ck_assert_msg(day == want, "%s not decoded", pointer);
        break;
    case SPEC_ENUM:
        memcpy(&index, at, sizeof index);
        ck_assert_msg(index >= 0 && strcmp(f->enum_values[index], json_string_value(v)) == 0,
                      "%s not decoded", pointer);
        break;
    case SPEC_OBJECT:
        assert_object_decoded(f->fields, v, at, pointer);
        break;
    case SPEC_ARRAY:
        break; /* by assert_object_decoded, which knows where the count is */
    }
}

static void assert_object_decoded(const struct field_spec *table, const json_t *obj,
                                  const unsigned char *base, const char *pointer)
{
    char child[SPEC_POINTER_LEN], item_ptr[SPEC_POINTER_LEN];
    const char *key;
    json_t *v;

    json_object_foreach((json_t *)obj, key, v)
    {
        const struct field_spec *f = spec_of(table, key);
        const unsigned char *items;
        size_t count;

        spec_pointer_join(child, sizeof child, pointer, key);
        ck_assert_msg(f != NULL, "%s has no spec", child);
        if (f->type != SPEC_ARRAY) {
            assert_value_decoded(f, v, base + f->to.offset, child);
            continue;
        }
        memcpy(&items, base + f->to.offset, sizeof items);
        memcpy(&count, base + f->to.count_offset, sizeof count);
        ck_assert_msg(count == json_array_size(v), "%s: %zu items decoded", child, count);
        for (size_t i = 0; i < count; i++) {
            spec_pointer_index(item_ptr, sizeof item_ptr, child, i);
            assert_value_decoded(f->items, json_array_get(v, i), items + i * f->to.item_size,
                                 item_ptr);
        }
    }
}

/* Each example parses once into its kind's struct, every member where the
 * table says, the strings borrowed from the data object the result holds. */
START_TEST(test_examples_decoded)
{
    json_t *doc = parse(examples[_i].text);
    json_t *data = json_object_get(doc, "data");
    struct spec_errors errs;
    struct kind_data d;

    spec_errors_init(&errs);
    ck_assert_ptr_eq(application_parse(doc, &d, &errs), kind_find(examples[_i].kind));
    ck_assert_uint_eq(errs.count, 0);
    ck_assert_ptr_eq(d.kind, kind_find(examples[_i].kind));
    ck_assert_ptr_eq(d.json, data);
    ck_assert_ptr_nonnull(d.typed);
    assert_object_decoded(d.kind->data_fields, data, d.typed, "/data");
    /* The result holds its own reference to the data. */
    json_incref(data);
    json_decref(doc);
    ck_assert_int_eq(data->refcount, 2);
    kind_data_release(&d);
    ck_assert_int_eq(data->refcount, 1);
    ck_assert_ptr_null(d.json);
    ck_assert_ptr_null(d.typed);
    kind_data_release(&d);
    json_decref(data);
    spec_errors_release(&errs);
}
END_TEST

/* A few decoded figures, as the rules see them. */
START_TEST(test_examples_typed)
{
    struct spec_errors errs;
    struct kind_data d;
    json_t *doc;

    spec_errors_init(&errs);
    doc = parse(incubator_full);
    ck_assert_ptr_eq(application_parse(doc, &d, &errs), &kind_incubator);
    const struct incubator_data *inc = d.typed;
    ck_assert_int_eq(inc->registered_on, date_from_ymd(2016, 5, 18));
    ck_assert_int_eq(inc->field, FIELD_ARTIFICIAL_INTELLIGENCE);
    ck_assert_uint_eq(inc->n_services, 2);
    ck_assert_int_eq(inc->services[0], SERVICE_PLATFORM);
    ck_assert_int_eq(inc->services[1], SERVICE_RESOURCE_MATCHING);
    ck_assert_int_eq(inc->service_revenue_fen[2], 420000000);
    ck_assert_int_eq(inc->mentor_sessions, 68);
    ck_assert_str_eq(inc->incubatees[0].name, "北京芯驰微电子科技有限公司");
    kind_data_release(&d);
    json_decref(doc);

    doc = parse(first_store_agent);
    ck_assert_ptr_eq(application_parse(doc, &d, &errs), &kind_first_store);
    const struct first_store_data *fs = d.typed;
    ck_assert_int_eq(fs->project, PROJECT_STORE_OPENING);
    ck_assert_int_eq(fs->applicant_type, APPLICANT_INTERNATIONAL_AGENT);
    ck_assert_int_eq(fs->license_fee_fen, json_integer_value(json_object_get(
                                              json_object_get(doc, "data"), "license_fee_fen")));
    ck_assert(fs->declarations.actual_investor);
    kind_data_release(&d);
    json_decref(doc);

    doc = parse(tourism_award_minimal);
    ck_assert_ptr_eq(application_parse(doc, &d, &errs), &kind_tourism_award);
    const struct tourism_award_data *ta = d.typed;
    ck_assert_ptr_null(ta->groups);
    ck_assert_uint_eq(ta->n_groups, 0);
    ck_assert_uint_eq(ta->n_charters, 0);
    ck_assert_ptr_null(ta->special_award_claim);
    kind_data_release(&d);
    json_decref(doc);
    ck_assert_uint_eq(errs.count, 0);
    spec_errors_release(&errs);
}
END_TEST

/* Any error, in the data or elsewhere in the envelope, leaves the result
 * released; the errors are application_validate's. */
START_TEST(test_parse_errors_release)
{
    /* Where each way of breaking the example shows. */
    static const char *const pointers[] = {
        "/review_unit",            /* outside the data */
        "/data/mentor_sessions",   /* the field table */
        "/data/incubatees/1/uscc", /* the consistency rules */
        "/kind",                   /* no kind */
    };

    for (size_t i = 0; i < sizeof pointers / sizeof pointers[0]; i++) {
        json_t *doc = parse(incubator_full);
        json_t *list = json_object_get(json_object_get(doc, "data"), "incubatees");
        struct spec_errors parsed, validated;
        struct kind_data d;

        switch (i) {
        case 0:
            remove_at(doc, pointers[i]);
            break;
        case 1:
            set_at(doc, pointers[i], json_integer(-1));
            break;
        case 2:
            json_object_set(json_array_get(list, 1), "uscc",
                            json_object_get(json_array_get(list, 0), "uscc"));
            break;
        default:
            set_at(doc, pointers[i], json_string("nothing"));
            break;
        }
        spec_errors_init(&parsed);
        spec_errors_init(&validated);
        ck_assert_ptr_eq(application_parse(doc, &d, &parsed), i < 3 ? &kind_incubator : NULL);
        ck_assert_ptr_null(d.kind);
        ck_assert_ptr_null(d.json);
        ck_assert_ptr_null(d.typed);
        ck_assert_ptr_null(d.arena.head);
        application_validate(doc, &validated);
        ck_assert_uint_eq(parsed.count, validated.count);
        ck_assert_uint_gt(parsed.count, 0);
        for (size_t j = 0; j < parsed.count; j++) {
            ck_assert_str_eq(parsed.items[j].pointer, validated.items[j].pointer);
            ck_assert_str_eq(parsed.items[j].detail, validated.items[j].detail);
        }
        ck_assert_str_eq(parsed.items[0].pointer, pointers[i]);
        spec_errors_release(&parsed);
        spec_errors_release(&validated);
        json_decref(doc);
    }
}
END_TEST

/* Stored data parses again as it was stored (keys sorted); data that no
 * longer passes, with the round it is parsed for or not at all, says why. */
/* A draft parsed leniently: the envelope as ever, the data as far as it
 * goes; its gaps are what a strict parse says, consistency included once
 * the table passes. */
START_TEST(test_lenient_envelope)
{
    json_t *doc = example("incubator_full");
    struct spec_errors errs;
    struct kind_data d;

    /* a member missing, a list half filled: stored, with its gaps */
    remove_at(doc, "/data/team_description");
    set_at(doc, "/data/service_revenue_fen/1", json_null());
    spec_errors_init(&errs);
    ck_assert_ptr_eq(application_parse_mode(doc, SPEC_LENIENT, &d, &errs), &kind_incubator);
    ck_assert_uint_eq(errs.count, 0);
    ck_assert(!d.complete);
    ck_assert_uint_eq(d.gaps.count, 2);
    ck_assert_str_eq(d.gaps.items[0].pointer, "/data/service_revenue_fen/1");
    ck_assert_str_eq(d.gaps.items[1].pointer, "/data/team_description");
    ck_assert_str_eq(d.gaps.items[1].detail_zh, "必填");
    kind_data_release(&d);
    spec_errors_release(&errs);

    /* the table passes; the consistency rules find a repeated incubatee */
    json_decref(doc);
    doc = example("incubator_full");
    set_at(doc, "/data/incubatees/7/uscc",
           json_deep_copy(json_object_get(
               json_array_get(json_object_get(json_object_get(doc, "data"), "incubatees"), 3),
               "uscc")));
    spec_errors_init(&errs);
    ck_assert_ptr_nonnull(application_parse_mode(doc, SPEC_LENIENT, &d, &errs));
    ck_assert_uint_eq(errs.count, 0);
    ck_assert(!d.complete);
    ck_assert_uint_eq(d.gaps.count, 1);
    ck_assert_str_eq(d.gaps.items[0].pointer, "/data/incubatees/7/uscc");
    kind_data_release(&d);
    spec_errors_release(&errs);

    /* the envelope's own members are still required */
    remove_at(doc, "/review_unit");
    set_at(doc, "/data/mentor_sessions", json_string("many"));
    spec_errors_init(&errs);
    application_parse_mode(doc, SPEC_LENIENT, &d, &errs);
    ck_assert_uint_eq(errs.count, 2);
    ck_assert_str_eq(errs.items[0].pointer, "/review_unit");
    ck_assert_str_eq(errs.items[1].pointer, "/data/mentor_sessions");
    ck_assert_ptr_null(d.typed);
    spec_errors_release(&errs);

    /* complete data, leniently: complete */
    json_decref(doc);
    doc = example("incubator_full");
    spec_errors_init(&errs);
    application_parse_mode(doc, SPEC_LENIENT, &d, &errs);
    ck_assert_uint_eq(errs.count, 0);
    ck_assert(d.complete);
    ck_assert_uint_eq(d.gaps.count, 0);
    kind_data_release(&d);
    spec_errors_release(&errs);
    json_decref(doc);
}
END_TEST

START_TEST(test_stored_data)
{
    json_t *doc = parse(tourism_award_full);
    char *text = json_dumps(json_object_get(doc, "data"), JSON_COMPACT | JSON_SORT_KEYS);
    json_t *stored = json_loads(text, 0, NULL);
    struct spec_errors errs;
    struct kind_data d;

    spec_errors_init(&errs);
    ck_assert_int_eq(kind_data_parse(&kind_tourism_award, stored, 2020, &d, &errs), 0);
    ck_assert_uint_eq(errs.count, 0);
    ck_assert_ptr_eq(d.json, stored);
    ck_assert_uint_gt(((const struct tourism_award_data *)d.typed)->n_groups, 0);
    kind_data_release(&d);

    /* Its groups end in 2020, not in 2021. */
    ck_assert_int_eq(kind_data_parse(&kind_tourism_award, stored, 2021, &d, &errs), -1);
    ck_assert_uint_gt(errs.count, 0);
    ck_assert_str_eq(errs.items[0].pointer, "/data/groups/0/end_on");
    ck_assert_ptr_null(d.typed);
    ck_assert_ptr_null(d.json);

    /* A damaged row. */
    json_t *damaged = json_array();
    spec_errors_release(&errs);
    spec_errors_init(&errs);
    ck_assert_int_eq(kind_data_parse(&kind_incubator, damaged, 2020, &d, &errs), -1);
    ck_assert_uint_eq(errs.count, 1);
    ck_assert_str_eq(errs.items[0].pointer, "/data");
    json_decref(damaged);

    spec_errors_release(&errs);
    json_decref(stored);
    free(text);
    json_decref(doc);
}
END_TEST

/* ---- schema ---- */

static json_t *at(json_t *v, const char *path)
{
    char key[64];

    while (v && *path) {
        size_t n = strcspn(path, ".");
        ck_assert(n < sizeof key);
        memcpy(key, path, n);
        key[n] = '\0';
        v = json_object_get(v, key);
        path += n + (path[n] == '.');
    }
    return v;
}

static void assert_names(json_t *array, const char *const *names)
{
    size_t n = 0;

    ck_assert(json_is_array(array));
    for (; names[n]; n++) {
        size_t i;
        json_t *v;
        bool found = false;
        json_array_foreach(array, i, v) found =
            found || strcmp(json_string_value(v), names[n]) == 0;
        ck_assert_msg(found, "%s missing", names[n]);
    }
    ck_assert_int_eq(json_array_size(array), n);
}

static const char *const envelope_required[] = {"kind",      "round", "review_unit",
                                                "applicant", "data",  NULL};
static const char *const incubator_required[] = {
    "registered_on",
    "good_credit",
    "field",
    "services",
    "total_revenue_fen",
    "service_revenue_fen",
    "mentor_sessions",
    "has_investment_fund",
    "team_qualified",
    "team_description",
    "incubatee_revenue_fen",
    "incubatees",
    NULL,
};
static const char *const first_store_required[] = {"project", "declarations", NULL};
static const char *const tourism_award_required[] = {
    "inbound_business",
    "penalty",
    "major_accident",
    "major_incident",
    "outbound_person_days",
    "outbound_person_days_prev",
    "reception_person_days",
    "reception_person_days_prev",
    NULL,
};

START_TEST(test_schema)
{
    static const char *const *const data_required[] = {incubator_required, first_store_required,
                                                       tourism_award_required};
    const struct kind *k = kinds[_i];
    json_t *s = kind_schema(k);
    char id[64];

    snprintf(id, sizeof id, "urn:shenbao:schema:%s", k->name);
    ck_assert_str_eq(json_string_value(at(s, "$id")), id);
    ck_assert_str_eq(json_string_value(at(s, "$schema")),
                     "https://json-schema.org/draft/2020-12/schema");
    ck_assert(json_is_false(at(s, "additionalProperties")));
    assert_names(at(s, "required"), envelope_required);
    assert_names(at(s, "properties.kind.enum"), (const char *const[]){k->name, NULL});
    ck_assert_int_eq(json_integer_value(at(s, "properties.round.minimum")), 2019);
    ck_assert_int_eq(json_integer_value(at(s, "properties.round.maximum")), 2100);
    ck_assert(json_is_true(at(s, "properties.id.readOnly")));
    ck_assert(json_is_false(at(s, "properties.applicant.additionalProperties")));
    ck_assert_str_eq(json_string_value(at(s, "properties.applicant.properties.uscc.pattern")),
                     "^[0-9A-HJ-NPQRTUWXY]{18}$");
    ck_assert(json_is_false(at(s, "properties.data.additionalProperties")));
    ck_assert_str_eq(json_string_value(at(s, "properties.data.type")), "object");
    assert_names(at(s, "properties.data.required"), data_required[_i]);
    json_decref(s);
}
END_TEST

START_TEST(test_schema_details)
{
    json_t *s = kind_schema(&kind_incubator);
    json_t *d = at(s, "properties.data.properties");

    ck_assert_int_eq(json_integer_value(at(d, "service_revenue_fen.minItems")), 3);
    ck_assert_int_eq(json_integer_value(at(d, "service_revenue_fen.maxItems")), 3);
    ck_assert_str_eq(json_string_value(at(d, "service_revenue_fen.items.type")), "integer");
    ck_assert(json_is_true(at(d, "services.uniqueItems")));
    ck_assert_int_eq(json_array_size(at(d, "field.enum")), 10);
    ck_assert_str_eq(json_string_value(at(d, "registered_on.format")), "date");
    ck_assert_int_eq(json_array_size(at(d, "incubatees.items.required")), 10);
    ck_assert_str_eq(json_string_value(at(d, "registered_on.title")),
                     "注册登记日期 / Registration date");
    ck_assert_ptr_nonnull(at(d, "registered_on.description"));
    json_decref(s);

    /* first_store: variant members are properties, tied to the project. */
    s = kind_schema(&kind_first_store);
    d = at(s, "properties.data");
    for (const char *const *name =
             (const char *const[]){"applicant_type", "category", "brand", "store", "rent_12m_fen",
                                   "decoration_fen", "license_fee_fen", "stores", "event", NULL};
         *name; name++)
        ck_assert_msg(json_object_get(at(d, "properties"), *name), "no property %s", *name);
    ck_assert_int_eq(json_array_size(at(d, "properties.store.properties.district.enum")), 16);
    ck_assert_int_eq(json_array_size(at(d, "allOf")), 6);
    json_decref(s);
}
END_TEST

/* ---- what an approval and a revocation fix for later ---------------------- */

static sb_day ymd(const char *text)
{
    sb_day d;
    ck_assert_msg(date_parse(text, &d), "bad date in test: %s", text);
    return d;
}

static void assert_day(sb_day got, const char *want, const char *what)
{
    char text[DATE_TEXT_LEN];
    date_format(got, text);
    ck_assert_msg(strcmp(text, want) == 0, "%s: %s, expected %s", what, text, want);
}

/* 京科发〔2020〕13号 第十条: an incubator certificate is valid 3 years from
 * its issue date, which counts: its last valid day is the day before the
 * same date 3 years later (a 02-29 issue is "full" on 02-28, RULES.md §0).
 * The other kinds issue nothing that expires. */
START_TEST(test_validity)
{
    static const struct {
        const char *issued, *last_valid;
    } cases[] = {
        {"2020-10-13", "2023-10-12"}, {"2020-01-01", "2022-12-31"}, {"2020-12-31", "2023-12-30"},
        {"2021-01-01", "2023-12-31"}, {"2020-02-28", "2023-02-27"}, {"2020-02-29", "2023-02-27"},
        {"2020-03-01", "2023-02-28"}, {"2021-02-28", "2024-02-27"}, {"2021-03-01", "2024-02-29"},
    };

    ck_assert_int_eq(kind_incubator.valid_years, 3);
    ck_assert_int_eq(kind_first_store.valid_years, 0);
    ck_assert_int_eq(kind_tourism_award.valid_years, 0);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        assert_day(kind_valid_until(&kind_incubator, ymd(cases[i].issued)), cases[i].last_valid,
                   cases[i].issued);
}
END_TEST

/* 第十三条: a revocation on those grounds bars the incubator for 2 years:
 * the first day it may apply again is the same date 2 years later (the last
 * day of February for a 02-29 revocation).  Revoking a funding or an award
 * bars nothing. */
START_TEST(test_ban)
{
    static const struct {
        const char *revoked, *may_apply_from;
    } cases[] = {
        {"2020-10-13", "2022-10-13"}, {"2020-01-01", "2022-01-01"}, {"2020-12-31", "2022-12-31"},
        {"2020-02-29", "2022-02-28"}, {"2022-02-28", "2024-02-28"}, {"2022-03-01", "2024-03-01"},
    };

    ck_assert_int_eq(kind_incubator.ban_months, 24);
    ck_assert_int_eq(kind_first_store.ban_months, 0);
    ck_assert_int_eq(kind_tourism_award.ban_months, 0);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        assert_day(kind_ban_until(&kind_incubator, ymd(cases[i].revoked)), cases[i].may_apply_from,
                   cases[i].revoked);

    /* The four grounds of 第十三条 bar (the fourth, termination or the
     * operator's own request, as two grounds); the others do not. */
    static const char *const barring[] = {"fraud", "unreported_change",
                                          "false_advertising_or_illegal_operation", "terminated",
                                          "operator_request"};
    size_t n = 0;
    for (const char *const *g = kind_incubator.banning_grounds; *g; g++, n++) {
        ck_assert_uint_lt(n, 5);
        ck_assert_str_eq(*g, barring[n]);
    }
    ck_assert_uint_eq(n, 5);
    for (const char *const *g = kind_incubator.revocation_grounds; *g; g++) {
        bool bars = false;
        for (size_t i = 0; i < 5; i++)
            bars = bars || strcmp(*g, barring[i]) == 0;
        if (!bars)
            ck_assert_msg(strcmp(*g, "other") == 0 || strcmp(*g, "condition_change") == 0 ||
                              strcmp(*g, "missed_annual_reports") == 0,
                          "unexpected ground %s", *g);
    }
}
END_TEST

/* 京文旅发〔2020〕190号 第十条: at most 5 special awards a year; the 6th is
 * refused (不超过 5 家: 5 included). */
START_TEST(test_special_award_cap)
{
    ck_assert_int_eq(TOURISM_SPECIAL_AWARDS_PER_YEAR, 5);
    for (int granted = 0; granted < 5; granted++)
        ck_assert_msg(tourism_special_award_available(granted), "after %d", granted);
    ck_assert(!tourism_special_award_available(5));
    ck_assert(!tourism_special_award_available(6));
    ck_assert(!tourism_special_award_available(100));
}
END_TEST

static Suite *kinds_suite(void)
{
    Suite *s = suite_create("kinds");
    TCase *tc = tcase_create("kinds");
    TCase *te = tcase_create("envelope");
    TCase *tf = tcase_create("first_store");
    TCase *tr = tcase_create("consistency");
    TCase *ts = tcase_create("schema");
    TCase *td = tcase_create("decode");

    tcase_add_test(tc, test_table);
    tcase_add_loop_test(tc, test_examples_valid, 0, N_EXAMPLES);
    tcase_add_loop_test(tc, test_required_removed_one_at_a_time, 0, N_EXAMPLES);
    tcase_add_loop_test(tc, test_bad_enum_values, 0, N_ENUM_MEMBERS);
    tcase_add_test(tc, test_array_sizes);
    suite_add_tcase(s, tc);

    tcase_add_test(te, test_envelope_read_only_members);
    tcase_add_loop_test(te, test_envelope_members, 0, N_ENVELOPE_CASES);
    tcase_add_test(te, test_envelope_kind);
    tcase_add_test(te, test_envelope_all_errors);
    suite_add_tcase(s, te);

    tcase_add_test(tf, test_first_store_other_project_fields_refused);
    tcase_add_test(tf, test_first_store_project_fields_required);
    tcase_add_test(tf, test_first_store_agent_licence_fee);
    tcase_add_test(tf, test_first_store_domestic_categories);
    tcase_add_test(tf, test_first_store_money_is_integer_fen);
    suite_add_tcase(s, tf);

    tcase_add_test(tr, test_tourism_group_dates);
    tcase_add_test(tr, test_incubator_consistency);
    tcase_add_test(tr, test_consistency_after_many_errors);
    suite_add_tcase(s, tr);

    tcase_add_test(td, test_tables_decode);
    tcase_add_loop_test(td, test_examples_decoded, 0, N_EXAMPLES);
    tcase_add_test(td, test_examples_typed);
    tcase_add_test(td, test_parse_errors_release);
    tcase_add_test(td, test_stored_data);
    tcase_add_test(td, test_lenient_envelope);
    suite_add_tcase(s, td);

    tcase_add_loop_test(ts, test_schema, 0, 3);
    tcase_add_test(ts, test_schema_details);
    suite_add_tcase(s, ts);

    TCase *tt = tcase_create("terms");
    tcase_add_test(tt, test_validity);
    tcase_add_test(tt, test_ban);
    tcase_add_test(tt, test_special_award_cap);
    suite_add_tcase(s, tt);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(kinds_suite());
    int failures;

    srunner_run_all(sr, CK_NORMAL);
    failures = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failures != 0 ? EXIT_FAILURE : EXIT_SUCCESS;
}
