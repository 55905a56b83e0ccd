/*
 * first_store rules (京商消促字〔2020〕48号, RULES.md §3): the eligibility
 * checks and the award of each project type, at every threshold on the
 * value and one unit either side.  Every application built here first passes
 * the kind's field table, so the rules are tried on data the server would
 * accept.
 */
#include <check.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "kinds.h"
#include "money.h"
#include "rules.h"
#include "spec.h"
#include "support.h"

#define WAN(n) (FEN_PER_WAN * (int64_t)(n))

#define BEIJING_USCC  "91110108551385082Q"
#define ZHEJIANG_USCC "91330100799655058B"
#define SUBMITTED     "2020-11-15"
#define UNSET         (-1)

static sb_day day(const char *text)
{
    sb_day d = 0;

    ck_assert_msg(date_parse(text, &d), "bad date in a test: %s", text);
    return d;
}

static json_t *declarations(const char *false_one)
{
    json_t *d = json_pack("{s:b, s:b, s:b, s:b, s:b}", "actual_investor", 1, "not_blacklisted", 1,
                          "no_bad_credit_sanction", 1, "not_prohibited_catalogue", 1,
                          "no_duplicate_funding", 1);

    if (false_one)
        json_object_set_new(d, false_one, json_false());
    return d;
}

/* What the rules computed for one application. */
struct outcome {
    struct eligibility e;
    struct award a;
};

/* Validates data as the server would (a test with invalid data tests
 * nothing), then runs the kind's rules.  Takes the reference to data. */
static void evaluate_decided(json_t *data, const char *uscc, const char *submitted,
                             int64_t audited_fen, const struct item_decision *decided,
                             size_t n_decided, struct outcome *out);

static void evaluate(json_t *data, const char *uscc, const char *submitted, int64_t audited_fen,
                     struct outcome *out)
{
    evaluate_decided(data, uscc, submitted, audited_fen, NULL, 0, out);
}

/* Parses data as a first_store envelope's (refusing bad test data). */
static void parse_data(json_t *data, const char *uscc, json_t **env, struct kind_data *parsed)
{
    struct spec_errors errs;
    *env = json_pack("{s:s, s:i, s:s, s:{s:s, s:s}, s:O}", "kind", "first_store", "round", 2020,
                     "review_unit", "110105", "applicant", "name", "北京示例商业管理有限公司",
                     "uscc", uscc, "data", data);
    ck_assert_ptr_nonnull(*env);
    spec_errors_init(&errs);
    ck_assert_ptr_eq(application_parse(*env, parsed, &errs), &kind_first_store);
    ck_assert_msg(errs.count == 0, "test data refused at %s: %s",
                  errs.count ? errs.items[0].pointer : "", errs.count ? errs.items[0].detail : "");
    spec_errors_release(&errs);
}

static void evaluate_decided(json_t *data, const char *uscc, const char *submitted,
                             int64_t audited_fen, const struct item_decision *decided,
                             size_t n_decided, struct outcome *out)
{
    json_t *env = json_pack("{s:s, s:i, s:s, s:{s:s, s:s}, s:O}", "kind", "first_store", "round",
                            2020, "review_unit", "110105", "applicant", "name",
                            "北京示例商业管理有限公司", "uscc", uscc, "data", data);
    struct spec_errors errs;
    struct kind_data parsed;

    ck_assert_ptr_nonnull(env);
    spec_errors_init(&errs);
    ck_assert_ptr_eq(application_parse(env, &parsed, &errs), &kind_first_store);
    ck_assert_msg(errs.count == 0, "test data refused at %s: %s",
                  errs.count ? errs.items[0].pointer : "", errs.count ? errs.items[0].detail : "");
    spec_errors_release(&errs);

    struct rule_input in = {
        .data = parsed.typed,
        .round = 2020,
        .applicant_uscc = uscc,
        .submitted_on = day(submitted),
        .audited_fen = audited_fen,
        .funded_charters = -1,
        .item_decisions = decided,
        .n_item_decisions = n_decided,
    };
    memset(out, 0, sizeof *out);
    kind_first_store.eligibility(&in, &out->e);
    kind_first_store.award(&in, &out->a);
    kind_data_release(&parsed);
    json_decref(env);
    json_decref(data);
}

static const struct check *find_check(const struct outcome *o, const char *id)
{
    for (size_t i = 0; i < o->e.n; i++)
        if (strcmp(o->e.checks[i].id, id) == 0)
            return &o->e.checks[i];
    ck_abort_msg("no check %s", id);
    return NULL;
}

static const struct award_item *find_item(const struct outcome *o, const char *item)
{
    for (size_t i = 0; i < o->a.n; i++)
        if (strcmp(o->a.items[i].item, item) == 0)
            return &o->a.items[i];
    return NULL;
}

static void expect_check(const struct outcome *o, const char *id, bool passed, const char *name)
{
    const struct check *c = find_check(o, id);

    ck_assert_msg(c->passed == passed, "%s: %s should %s: %s", name, id, passed ? "pass" : "fail",
                  c->detail);
    ck_assert_msg(c->detail[0] != '\0', "%s: %s has no detail", name, id);
}

static void expect_detail_has(const char *detail, const char *part)
{
    ck_assert_msg(strstr(detail, part) != NULL, "detail \"%s\" lacks \"%s\"", detail, part);
}

/* ---- store_opening ---- */

/* One store opening; members left 0 or NULL take an ordinary value that
 * passes every check (an international brand's China first store). */
struct opening {
    const char *type;          /* international_brand */
    const char *category;      /* china_first */
    const char *registered_on; /* 2019-03-01 */
    const char *opened_on;     /* 2019-05-01 */
    const char *submitted_on;  /* SUBMITTED */
    int64_t rent_fen;          /* 60万 */
    int64_t decoration_fen;    /* 50万 */
    int64_t license_fee_fen;   /* 200万, agents */
    int64_t area_m2;           /* 800 */
    bool not_largest, not_all_categories;
};

#define OR(v, d) ((v) ? (v) : (d))

static json_t *opening_data(const struct opening *o)
{
    const char *type = OR(o->type, "international_brand");
    json_t *data = json_pack(
        "{s:s, s:s, s:s, s:s, s:{s:s, s:s, s:s, s:s, s:s, s:I, s:b, s:b}, s:o}", "project",
        "store_opening", "applicant_type", type, "category", OR(o->category, "china_first"),
        "brand", "Exemple", "store", "name", "Exemple 三里屯", "address", "朝阳区三里屯路19号",
        "district", "110105", "registered_on", OR(o->registered_on, "2019-03-01"), "opened_on",
        OR(o->opened_on, "2019-05-01"), "area_m2", (json_int_t)OR(o->area_m2, 800),
        "largest_in_beijing", !o->not_largest, "all_categories", !o->not_all_categories,
        "declarations", declarations(NULL));

    ck_assert_ptr_nonnull(data);
    if (strcmp(type, "international_agent") == 0) {
        json_object_set_new(data, "license_fee_fen",
                            json_integer(OR(o->license_fee_fen, WAN(200))));
    } else {
        json_object_set_new(data, "rent_12m_fen", json_integer(OR(o->rent_fen, WAN(60))));
        json_object_set_new(data, "decoration_fen", json_integer(OR(o->decoration_fen, WAN(50))));
    }
    return data;
}

static void evaluate_opening(const struct opening *o, int64_t audited_fen, struct outcome *out)
{
    evaluate(opening_data(o), BEIJING_USCC, OR(o->submitted_on, SUBMITTED), audited_fen, out);
}

static const struct {
    const char *name;
    struct opening o;
    const char *check;
    bool passed;
} opening_cases[] = {
    /* 二(二)2: 超过 100万 / 50万, the threshold itself fails. */
    {"intl rent+decoration exactly 100万",
     {.rent_fen = WAN(60), .decoration_fen = WAN(40)},
     "spend_threshold",
     false},
    {"intl rent+decoration 100万 + 1 fen",
     {.rent_fen = WAN(60), .decoration_fen = WAN(40) + 1},
     "spend_threshold",
     true},
    {"domestic rent+decoration exactly 50万",
     {.type = "domestic_brand", .rent_fen = WAN(30), .decoration_fen = WAN(20)},
     "spend_threshold",
     false},
    {"domestic rent+decoration 50万 + 1 fen",
     {.type = "domestic_brand", .rent_fen = WAN(30), .decoration_fen = WAN(20) + 1},
     "spend_threshold",
     true},
    {"agent licence fee exactly 100万",
     {.type = "international_agent", .license_fee_fen = WAN(100)},
     "spend_threshold",
     false},
    {"agent licence fee 100万 + 1 fen",
     {.type = "international_agent", .license_fee_fen = WAN(100) + 1},
     "spend_threshold",
     true},
    /* 二(二)1: new on or after 2019-01-01. */
    {"registered 2018-12-31", {.registered_on = "2018-12-31"}, "new_since_2019", false},
    {"registered 2019-01-01", {.registered_on = "2019-01-01"}, "new_since_2019", true},
    /* Footnote 7: a flagship registered earlier counts when it became a
     * flagship on or after 2019-01-01 (opened_on). */
    {"flagship registered 2015, flagship since 2019-01-01",
     {.category = "flagship", .registered_on = "2015-06-01", .opened_on = "2019-01-01"},
     "new_since_2019",
     true},
    {"flagship registered 2015, flagship since 2018-12-31",
     {.category = "flagship", .registered_on = "2015-06-01", .opened_on = "2018-12-31"},
     "new_since_2019",
     false},
    {"flagship registered 2019-01-01",
     {.category = "flagship", .registered_on = "2019-01-01"},
     "new_since_2019",
     true},
    /* Registered on the day itself counts for a flagship too, whatever
     * opened_on says (the field does not have to follow registered_on). */
    {"flagship registered 2019-01-01, flagship since 2018-12-31",
     {.category = "flagship", .registered_on = "2019-01-01", .opened_on = "2018-12-31"},
     "new_since_2019",
     true},
    {"flagship registered 2018-12-31, flagship since 2018-12-31",
     {.category = "flagship", .registered_on = "2018-12-31", .opened_on = "2018-12-31"},
     "new_since_2019",
     false},
    /* 二(二)1: 连续经营 12 个月以上 includes 12. */
    {"opened 2019-11-15, submitted 2020-11-14",
     {.registered_on = "2019-11-01", .opened_on = "2019-11-15", .submitted_on = "2020-11-14"},
     "operated_12_months",
     false},
    {"opened 2019-11-15, submitted 2020-11-15",
     {.registered_on = "2019-11-01", .opened_on = "2019-11-15", .submitted_on = "2020-11-15"},
     "operated_12_months",
     true},
    {"opened 2020-02-29, submitted 2021-02-27",
     {.registered_on = "2020-02-01", .opened_on = "2020-02-29", .submitted_on = "2021-02-27"},
     "operated_12_months",
     false},
    {"opened 2020-02-29, submitted 2021-02-28 (no 29th: the last day)",
     {.registered_on = "2020-02-01", .opened_on = "2020-02-29", .submitted_on = "2021-02-28"},
     "operated_12_months",
     true},
    {"opened after the submission",
     {.opened_on = "2020-12-01", .submitted_on = "2020-11-15"},
     "operated_12_months",
     false},
    /* Footnote 6: 500 m² 以上(含), largest, all categories. */
    {"flagship 499 m²", {.category = "flagship", .area_m2 = 499}, "flagship_criteria", false},
    {"flagship 500 m²", {.category = "flagship", .area_m2 = 500}, "flagship_criteria", true},
    {"flagship 501 m²", {.category = "flagship", .area_m2 = 501}, "flagship_criteria", true},
    {"flagship not the largest",
     {.category = "flagship", .not_largest = true},
     "flagship_criteria",
     false},
    {"flagship without every category",
     {.category = "flagship", .not_all_categories = true},
     "flagship_criteria",
     false},
    /* 三(一)1: the categories of each type. */
    {"domestic asia_first",
     {.type = "domestic_brand", .category = "asia_first"},
     "category_allowed",
     false},
    {"domestic china_first",
     {.type = "domestic_brand", .category = "china_first"},
     "category_allowed",
     true},
    {"domestic flagship",
     {.type = "domestic_brand", .category = "flagship"},
     "category_allowed",
     true},
    {"intl asia_first", {.category = "asia_first"}, "category_allowed", true},
    {"agent asia_first",
     {.type = "international_agent", .category = "asia_first"},
     "category_allowed",
     true},
    {"agent beijing_first",
     {.type = "international_agent", .category = "beijing_first"},
     "category_allowed",
     true},
    {"store in Chaoyang", {0}, "store_in_beijing", true},
};

START_TEST(test_opening_checks)
{
    struct outcome out;

    evaluate_opening(&opening_cases[_i].o, UNSET, &out);
    expect_check(&out, opening_cases[_i].check, opening_cases[_i].passed, opening_cases[_i].name);
}
END_TEST

START_TEST(test_opening_ordinary_passes_all)
{
    struct outcome out;
    struct opening flagship = {.category = "flagship"};

    evaluate_opening(&(struct opening){0}, UNSET, &out);
    ck_assert_msg(eligibility_all_passed(&out.e), "an ordinary opening should be eligible");
    evaluate_opening(&flagship, UNSET, &out);
    ck_assert_msg(eligibility_all_passed(&out.e), "an ordinary flagship should be eligible");
}
END_TEST

static void expect_ids(const struct outcome *o, const char *const *ids)
{
    size_t n = 0;

    for (; ids[n]; n++) {
        ck_assert_msg(n < o->e.n, "missing check %s", ids[n]);
        ck_assert_str_eq(o->e.checks[n].id, ids[n]);
    }
    ck_assert_uint_eq(o->e.n, n);
}

/* Every applicable check every time, passed or not, in a stable order. */
START_TEST(test_check_ids)
{
    static const char *const opening_ids[] = {
        "registered_in_beijing", "declarations",       "category_allowed", "store_in_beijing",
        "new_since_2019",        "operated_12_months", "spend_threshold",  NULL,
    };
    static const char *const flagship_ids[] = {
        "registered_in_beijing", "declarations",      "category_allowed",
        "store_in_beijing",      "new_since_2019",    "operated_12_months",
        "spend_threshold",       "flagship_criteria", NULL,
    };
    struct outcome out;
    struct opening failing = {.type = "domestic_brand",
                              .category = "asia_first",
                              .registered_on = "2018-01-01",
                              .opened_on = "2020-10-01",
                              .rent_fen = 1,
                              .decoration_fen = 1};

    evaluate_opening(&(struct opening){0}, UNSET, &out);
    expect_ids(&out, opening_ids);
    evaluate_opening(&failing, UNSET, &out);
    expect_ids(&out, opening_ids);
    evaluate_opening(&(struct opening){.category = "flagship", .area_m2 = 10}, UNSET, &out);
    expect_ids(&out, flagship_ids);
}
END_TEST

START_TEST(test_opening_details)
{
    struct outcome out;

    evaluate_opening(&(struct opening){.rent_fen = WAN(60), .decoration_fen = WAN(40)}, UNSET,
                     &out);
    expect_detail_has(find_check(&out, "spend_threshold")->detail,
                      "600,000.00 元 + decoration 400,000.00 元 = 1,000,000.00 元, does not "
                      "exceed 1,000,000.00 元");
    evaluate_opening(&(struct opening){.opened_on = "2019-11-15", .submitted_on = "2020-11-14"},
                     UNSET, &out);
    expect_detail_has(find_check(&out, "operated_12_months")->detail, "11 full months");
    expect_detail_has(find_check(&out, "operated_12_months")->detail, "2020-11-15");
    evaluate_opening(
        &(struct opening){.category = "flagship", .area_m2 = 499, .not_all_categories = true},
        UNSET, &out);
    expect_detail_has(find_check(&out, "flagship_criteria")->detail, "499 m²");
    expect_detail_has(find_check(&out, "flagship_criteria")->detail, "does not carry all");
    evaluate_opening(&(struct opening){.type = "domestic_brand", .category = "asia_first"}, UNSET,
                     &out);
    expect_detail_has(find_check(&out, "category_allowed")->detail,
                      "china_first, beijing_first or flagship");
}
END_TEST

/* 三(一): min(percent × base, cap); an item per application. */
static const struct {
    const char *name, *type, *category;
    int64_t a, b; /* rent and decoration, or the licence fee (a) of an agent */
    int64_t audited_fen;
    int64_t expected_fen;
    const char *basis;
} opening_awards[] = {
    {"50% rounds down: 100,000,001 fen", "international_brand", "china_first", WAN(100) + 1, 0,
     UNSET, WAN(50), "as_applied"},
    {"20% of 7 fen", "domestic_brand", "china_first", 3, 4, UNSET, 1, "as_applied"},
    {"20% of 9 fen", "domestic_brand", "china_first", 9, 0, UNSET, 1, "as_applied"},
    {"agent 50% of an odd fee", "international_agent", "china_first", WAN(300) + 1, 0, UNSET,
     WAN(150), "as_applied"},
    {"beijing_first capped", "international_brand", "beijing_first", WAN(100), WAN(20), UNSET,
     WAN(50), "as_applied"},
    /* RULES.md §5: the base is min(audited, declared). */
    {"audited below the applied spend lowers it", "international_brand", "asia_first", WAN(100),
     WAN(100), WAN(150), WAN(75), "audited"},
    {"audited one fen below the applied spend", "international_brand", "asia_first", WAN(100),
     WAN(100), WAN(200) - 2, WAN(100) - 1, "audited"},
    {"audited equal to the applied spend", "international_brand", "asia_first", WAN(100), WAN(100),
     WAN(200), WAN(100), "audited"},
    {"audited above the applied spend never raises it", "international_brand", "asia_first",
     WAN(100), WAN(100), WAN(300), WAN(100), "audited"},
    {"audited above the applied spend, the applied capped", "international_brand", "china_first",
     WAN(300), WAN(300), WAN(500), WAN(200), "audited"},
    {"the issue's day: declared 150万, audited 260万", "international_brand", "flagship", WAN(100),
     WAN(50), WAN(260), WAN(50), "audited"},
    {"the issue's day, china_first", "international_brand", "china_first", WAN(100), WAN(50),
     WAN(260), WAN(75), "audited"},
    {"audited 0", "international_brand", "asia_first", WAN(100), WAN(100), 0, 0, "audited"},
    {"audited domestic 20%", "domestic_brand", "china_first", WAN(80), WAN(20), WAN(50) + 7,
     WAN(10) + 1, "audited"},
    {"audited agent licence fee", "international_agent", "asia_first", WAN(1000), 0, WAN(120),
     WAN(60), "audited"},
    {"domestic asia_first gets nothing", "domestic_brand", "asia_first", WAN(300), WAN(300), UNSET,
     0, "as_applied"},
    {"domestic asia_first gets nothing, audited", "domestic_brand", "asia_first", WAN(300),
     WAN(300), WAN(600), 0, "audited"},
    /* Ineligible (the spend does not exceed 100万) still shows the amount. */
    {"ineligible shows the amount as applied", "international_brand", "china_first", WAN(60),
     WAN(40), UNSET, WAN(50), "as_applied"},
};

static json_t *award_opening_data(const char *type, const char *category, int64_t a, int64_t b)
{
    struct opening o = {.type = type,
                        .category = category,
                        .rent_fen = a,
                        .decoration_fen = b,
                        .license_fee_fen = a};
    json_t *data = opening_data(&o);

    /* 0 means "default" to opening_data; here 0 is a figure. */
    if (strcmp(type, "international_agent") == 0) {
        json_object_set_new(data, "license_fee_fen", json_integer(a));
    } else {
        json_object_set_new(data, "rent_12m_fen", json_integer(a));
        json_object_set_new(data, "decoration_fen", json_integer(b));
    }
    return data;
}

START_TEST(test_opening_award)
{
    struct outcome out;

    evaluate(award_opening_data(opening_awards[_i].type, opening_awards[_i].category,
                                opening_awards[_i].a, opening_awards[_i].b),
             BEIJING_USCC, SUBMITTED, opening_awards[_i].audited_fen, &out);
    ck_assert_msg(out.a.n == 1, "%s: %zu items", opening_awards[_i].name, out.a.n);
    ck_assert_str_eq(out.a.items[0].item, "store_opening");
    ck_assert_msg(out.a.items[0].amount_fen == opening_awards[_i].expected_fen,
                  "%s: %lld fen, expected %lld (%s)", opening_awards[_i].name,
                  (long long)out.a.items[0].amount_fen, (long long)opening_awards[_i].expected_fen,
                  out.a.items[0].detail);
    ck_assert_int_eq(out.a.total_fen, opening_awards[_i].expected_fen);
    ck_assert_str_eq(out.a.basis, opening_awards[_i].basis);
    ck_assert_msg(out.a.items[0].detail[0] != '\0', "no detail");
}
END_TEST

START_TEST(test_opening_award_details)
{
    struct outcome out;

    evaluate(award_opening_data("international_brand", "beijing_first", WAN(100), WAN(20)),
             BEIJING_USCC, SUBMITTED, UNSET, &out);
    expect_detail_has(out.a.items[0].detail, "50% of rent + decoration 1,200,000.00 元 = "
                                             "600,000.00 元, capped at 500,000.00 元 "
                                             "(beijing_first)");
    evaluate(award_opening_data("domestic_brand", "asia_first", WAN(300), WAN(300)), BEIJING_USCC,
             SUBMITTED, UNSET, &out);
    expect_detail_has(out.a.items[0].detail, "domestic_brand may not apply as asia_first");
    evaluate(award_opening_data("international_agent", "china_first", WAN(300), 0), BEIJING_USCC,
             SUBMITTED, WAN(250), &out);
    expect_detail_has(out.a.items[0].detail, "50% of the audited investment 2,500,000.00 元");
}
END_TEST

/* Every cap of 三(一)1: the share one fen below, exactly at and one fen
 * above the cap. */
static const struct {
    const char *type, *category;
    int64_t cap_fen;
    int64_t percent;
} caps[] = {
    {"international_brand", "asia_first", WAN(500), 50},
    {"international_brand", "china_first", WAN(200), 50},
    {"international_brand", "beijing_first", WAN(50), 50},
    {"international_brand", "flagship", WAN(50), 50},
    {"domestic_brand", "china_first", WAN(200), 20},
    {"domestic_brand", "beijing_first", WAN(50), 20},
    {"domestic_brand", "flagship", WAN(50), 20},
    {"international_agent", "asia_first", WAN(500), 50},
    {"international_agent", "china_first", WAN(200), 50},
    {"international_agent", "beijing_first", WAN(50), 50},
    {"international_agent", "flagship", WAN(50), 50},
};

#define N_CAPS (sizeof caps / sizeof caps[0])

START_TEST(test_opening_caps)
{
    size_t row = (size_t)_i / 3;
    int where = _i % 3 - 1;                 /* -1 below, 0 at, +1 above */
    int64_t step = 100 / caps[row].percent; /* base that adds one fen of share */
    int64_t base = caps[row].cap_fen * 100 / caps[row].percent + where * step;
    int64_t expected = where < 0 ? caps[row].cap_fen - 1 : caps[row].cap_fen;
    struct outcome out;

    /* The spend split over rent and decoration, and as an agent's fee. */
    evaluate(award_opening_data(caps[row].type, caps[row].category, base - base / 3, base / 3),
             BEIJING_USCC, SUBMITTED, UNSET, &out);
    if (strcmp(caps[row].type, "international_agent") == 0)
        evaluate(award_opening_data(caps[row].type, caps[row].category, base, 0), BEIJING_USCC,
                 SUBMITTED, UNSET, &out);
    ck_assert_msg(out.a.items[0].amount_fen == expected,
                  "%s %s base %lld: %lld fen, expected %lld (%s)", caps[row].type,
                  caps[row].category, (long long)base, (long long)out.a.items[0].amount_fen,
                  (long long)expected, out.a.items[0].detail);
    if (where > 0)
        expect_detail_has(out.a.items[0].detail, "capped at");
    else
        ck_assert_msg(strstr(out.a.items[0].detail, "capped") == NULL, "%s", out.a.items[0].detail);

    /* The same through an audited figure below what was applied for. */
    evaluate(award_opening_data(caps[row].type, caps[row].category, base, base), BEIJING_USCC,
             SUBMITTED, base, &out);
    ck_assert_int_eq(out.a.items[0].amount_fen, expected);
    ck_assert_str_eq(out.a.basis, "audited");
}
END_TEST

/* ---- store_introduction ---- */

struct introduced {
    const char *brand;
    const char *brand_type;
    const char *category;
    const char *registered_on;
    int64_t rent_fen, decoration_fen;
    int agreement_years;
    bool in_pipeline;
};

static json_t *introduced_store(const struct introduced *s)
{
    json_t *o =
        json_pack("{s:s, s:s, s:s, s:s, s:s, s:I, s:I, s:i, s:b}", "brand", s->brand, "brand_type",
                  s->brand_type, "category", OR(s->category, "beijing_first"), "registered_on",
                  s->registered_on, "opened_on", s->registered_on, "rent_12m_fen",
                  (json_int_t)s->rent_fen, "decoration_fen", (json_int_t)s->decoration_fen,
                  "agreement_years", s->agreement_years, "in_pipeline", s->in_pipeline);

    ck_assert_ptr_nonnull(o);
    return o;
}

static json_t *introduction_data(const struct introduced *stores, size_t n)
{
    json_t *list = json_array();

    for (size_t i = 0; i < n; i++)
        json_array_append_new(list, introduced_store(&stores[i]));
    return json_pack("{s:s, s:o, s:o}", "project", "store_introduction", "stores", list,
                     "declarations", declarations(NULL));
}

/* One store at a time, every condition of 二(三) at its threshold. */
static const struct {
    const char *name;
    struct introduced s;
    const char *submitted_on;
    bool qualifies;
    const char *why; /* part of the detail when it does not */
} introduced_cases[] = {
    {"intl exactly 100万",
     {"A", "international_brand", NULL, "2019-03-01", WAN(60), WAN(40), 2, false},
     SUBMITTED,
     false,
     "rent + decoration 1,000,000.00 元, must exceed 1,000,000.00 元"},
    {"intl 100万 + 1 fen",
     {"A", "international_brand", NULL, "2019-03-01", WAN(60), WAN(40) + 1, 2, false},
     SUBMITTED,
     true,
     NULL},
    {"domestic exactly 50万",
     {"B", "domestic_brand", NULL, "2019-03-01", WAN(30), WAN(20), 2, false},
     SUBMITTED,
     false,
     "must exceed 500,000.00 元"},
    {"domestic 50万 + 1 fen",
     {"B", "domestic_brand", NULL, "2019-03-01", WAN(30), WAN(20) + 1, 2, false},
     SUBMITTED,
     true,
     NULL},
    {"registered 2018-12-31",
     {"C", "international_brand", NULL, "2018-12-31", WAN(100), WAN(10), 2, false},
     SUBMITTED,
     false,
     "registered 2018-12-31 (before 2019-01-01)"},
    {"registered 2019-01-01",
     {"C", "international_brand", NULL, "2019-01-01", WAN(100), WAN(10), 2, false},
     SUBMITTED,
     true,
     NULL},
    /* 自注册登记起连续经营 12 个月以上: from registration, 12 included. */
    {"registered 2019-11-15, submitted 2020-11-14",
     {"D", "international_brand", NULL, "2019-11-15", WAN(100), WAN(10), 2, false},
     "2020-11-14",
     false,
     "operated 11 months, needs 12"},
    {"registered 2019-11-15, submitted 2020-11-15",
     {"D", "international_brand", NULL, "2019-11-15", WAN(100), WAN(10), 2, false},
     "2020-11-15",
     true,
     NULL},
    {"agreement 1 year",
     {"E", "international_brand", NULL, "2019-03-01", WAN(100), WAN(10), 1, false},
     SUBMITTED,
     false,
     "agreement of 1 year, needs 2 or more"},
    {"agreement 2 years",
     {"E", "international_brand", NULL, "2019-03-01", WAN(100), WAN(10), 2, false},
     SUBMITTED,
     true,
     NULL},
    /* 三(二) rewards any of the four kinds of store; footnote 3 defines an
     * Asia first store for domestic brands too. */
    {"domestic asia_first introduced",
     {"F", "domestic_brand", "asia_first", "2019-03-01", WAN(50), WAN(10), 2, false},
     SUBMITTED,
     true,
     NULL},
};

START_TEST(test_introduced_store)
{
    struct outcome out;
    bool q = introduced_cases[_i].qualifies;

    evaluate(introduction_data(&introduced_cases[_i].s, 1), BEIJING_USCC,
             introduced_cases[_i].submitted_on, UNSET, &out);
    expect_check(&out, "stores_qualifying", q, introduced_cases[_i].name);
    ck_assert_int_eq(find_item(&out, "store_introduction")->amount_fen, q ? WAN(10) : 0);
    ck_assert_int_eq(find_item(&out, "store_introduction")->count, q ? 1 : 0);
    if (introduced_cases[_i].why)
        expect_detail_has(find_check(&out, "stores_qualifying")->detail, introduced_cases[_i].why);
}
END_TEST

START_TEST(test_introduction_mixed)
{
    static const struct introduced stores[] = {
        {"Alpha", "international_brand", "china_first", "2019-03-01", WAN(80), WAN(30), 3, true},
        {"Beta", "domestic_brand", "flagship", "2019-06-01", WAN(40), WAN(20), 2, false},
        {"Gamma", "international_brand", "beijing_first", "2019-12-20", WAN(90), WAN(30), 5, true},
        {"Delta", "domestic_brand", "china_first", "2019-05-01", WAN(40), WAN(20), 1, true},
        {"Epsilon", "domestic_brand", "beijing_first", "2019-05-01", WAN(30), WAN(20), 2, true},
        {"Zeta", "international_brand", "asia_first", "2019-01-01", WAN(100), 1, 2, true},
    };
    struct outcome out;

    evaluate(introduction_data(stores, 6), BEIJING_USCC, SUBMITTED, UNSET, &out);
    expect_check(&out, "stores_qualifying", true, "mixed");
    const char *detail = find_check(&out, "stores_qualifying")->detail;
    expect_detail_has(detail, "3 of 6 stores qualify");
    expect_detail_has(detail, "store 3 (Gamma): operated 10 months, needs 12");
    expect_detail_has(detail, "store 4 (Delta): agreement of 1 year");
    expect_detail_has(detail, "store 5 (Epsilon): rent + decoration 500,000.00 元");

    const struct award_item *intro = find_item(&out, "store_introduction");
    const struct award_item *bonus = find_item(&out, "pipeline_bonus");
    ck_assert_ptr_nonnull(intro);
    ck_assert_int_eq(intro->amount_fen, 3 * WAN(10));
    ck_assert_int_eq(intro->count, 3);
    /* Pipeline stores that do not qualify (Gamma, Delta, Epsilon) earn no bonus. */
    ck_assert_ptr_nonnull(bonus);
    ck_assert_int_eq(bonus->amount_fen, 2 * WAN(2));
    ck_assert_int_eq(bonus->count, 2);
    ck_assert_int_eq(out.a.total_fen, 3 * WAN(10) + 2 * WAN(2));
    ck_assert_str_eq(out.a.basis, "as_applied");

    /* The JSON the contract gives: counts on both items. */
    json_t *j = award_to_json(&out.a);
    ck_assert_int_eq(json_integer_value(json_object_get(j, "total_fen")), 34000000);
    json_t *items = json_object_get(j, "items");
    ck_assert_uint_eq(json_array_size(items), 2);
    ck_assert_str_eq(json_string_value(json_object_get(json_array_get(items, 1), "item")),
                     "pipeline_bonus");
    ck_assert_int_eq(json_integer_value(json_object_get(json_array_get(items, 0), "count")), 3);
    json_decref(j);
}
END_TEST

START_TEST(test_introduction_none_qualifies)
{
    static const struct introduced stores[] = {
        {"Alpha", "international_brand", NULL, "2018-06-01", WAN(80), WAN(30), 3, true},
        {"Beta", "domestic_brand", NULL, "2019-06-01", WAN(40), WAN(20), 0, true},
    };
    struct outcome out;

    evaluate(introduction_data(stores, 2), BEIJING_USCC, SUBMITTED, UNSET, &out);
    expect_check(&out, "stores_qualifying", false, "none");
    expect_detail_has(find_check(&out, "stores_qualifying")->detail, "0 of 2 stores qualify");
    ck_assert_uint_eq(out.a.n, 1);
    ck_assert_int_eq(find_item(&out, "store_introduction")->amount_fen, 0);
    ck_assert_ptr_null(find_item(&out, "pipeline_bonus"));
    ck_assert_int_eq(out.a.total_fen, 0);
}
END_TEST

/* An audited figure has no percentage to replace in 三(二): ignored. */
START_TEST(test_introduction_ignores_audited)
{
    static const struct introduced store = {
        "Alpha", "international_brand", NULL, "2019-03-01", WAN(80), WAN(30), 2, true,
    };
    struct outcome out;

    evaluate(introduction_data(&store, 1), BEIJING_USCC, SUBMITTED, 12345, &out);
    ck_assert_str_eq(out.a.basis, "as_applied");
    ck_assert_int_eq(out.a.total_fen, WAN(10) + WAN(2));
}
END_TEST

static json_t *launch_data(const char *held_on, int64_t venue_fen, int64_t setup_fen);

/* RULES.md §5: the municipal stage includes or leaves out each store
 * introduced, with a reason; the award counts the included ones that
 * qualify, and the basis is then the audit. */
START_TEST(test_introduction_reviewer_decisions)
{
    static const struct introduced stores[] = {
        {"Alpha", "international_brand", "china_first", "2019-03-01", WAN(80), WAN(30), 3, true},
        {"Zeta", "international_brand", "asia_first", "2019-01-01", WAN(100), 1, 2, true},
        {"Beta", "domestic_brand", "flagship", "2019-06-01", WAN(20), WAN(20), 2, false},
    };
    const struct item_decision decided[] = {
        {true, NULL},
        {false, "门店已于2020年8月闭店"},
        {true, "资料齐全"},
    };
    struct outcome out;

    evaluate_decided(introduction_data(stores, 3), BEIJING_USCC, SUBMITTED, UNSET, decided, 3,
                     &out);
    ck_assert_str_eq(out.a.basis, "audited");
    ck_assert_int_eq(find_item(&out, "store_introduction")->count, 1);
    ck_assert_int_eq(find_item(&out, "store_introduction")->amount_fen, WAN(10));
    ck_assert_int_eq(find_item(&out, "pipeline_bonus")->amount_fen, WAN(2));
    ck_assert_int_eq(out.a.total_fen, WAN(12));
    const struct check *c = find_check(&out, "stores_qualifying");
    expect_detail_has(c->detail, "1 of 3 stores qualifies");
    expect_detail_has(c->detail, "store 2 (Zeta): left out by the reviewer: 门店已于2020年8月闭店");
    /* A store that does not qualify stays out, whatever the decision. */
    expect_detail_has(c->detail, "store 3 (Beta): rent + decoration 400,000.00 元");
    expect_detail_has(c->detail_zh, "第 2 家（Zeta）：经审核不予计入：门店已于2020年8月闭店");

    /* Every store left out: nothing, and the check fails. */
    const struct item_decision none[] = {{false, "a"}, {false, "b"}, {false, "c"}};
    evaluate_decided(introduction_data(stores, 3), BEIJING_USCC, SUBMITTED, UNSET, none, 3, &out);
    expect_check(&out, "stores_qualifying", false, "all left out");
    ck_assert_int_eq(out.a.total_fen, 0);
}
END_TEST

/* An agent's store has a lease and a fit-out too: given, they are recorded
 * and left out of the amount, which is half the licence fee (三(一)3). */
START_TEST(test_agent_rent_left_out)
{
    json_t *data = award_opening_data("international_agent", "china_first", WAN(300), 0);
    struct outcome out;

    json_object_set_new(data, "rent_12m_fen", json_integer(WAN(80)));
    json_object_set_new(data, "decoration_fen", json_integer(WAN(40)));
    evaluate(data, BEIJING_USCC, SUBMITTED, UNSET, &out);
    ck_assert_int_eq(out.a.total_fen, WAN(150));
    expect_detail_has(out.a.items[0].detail, "the rent 800,000.00 元 and decoration 400,000.00 元 "
                                             "given are not part of an agent's amount");
    expect_detail_has(out.a.items[0].detail_zh, "不计入授权代理商的支持金额");
    /* Without them, nothing is said. */
    evaluate(award_opening_data("international_agent", "china_first", WAN(300), 0), BEIJING_USCC,
             SUBMITTED, UNSET, &out);
    ck_assert_ptr_null(strstr(out.a.items[0].detail, "not part of"));
}
END_TEST

/* RULES.md §5: one application per project and round. */
static bool same(json_t *a, json_t *b, char *what, size_t cap)
{
    json_t *ea, *eb;
    struct kind_data pa, pb;
    parse_data(a, BEIJING_USCC, &ea, &pa);
    parse_data(b, BEIJING_USCC, &eb, &pb);
    bool r = kind_first_store.same_project(pa.typed, pb.typed, what, cap);
    kind_data_release(&pa);
    kind_data_release(&pb);
    json_decref(ea);
    json_decref(eb);
    json_decref(a);
    json_decref(b);
    return r;
}

START_TEST(test_same_project)
{
    char what[256];
    static const struct introduced s1[] = {
        {"Alpha", "international_brand", NULL, "2019-03-01", WAN(80), WAN(30), 3, true},
        {"Beta", "domestic_brand", NULL, "2019-06-01", WAN(40), WAN(20), 2, false},
    };
    static const struct introduced s2[] = {
        {"Gamma", "international_brand", NULL, "2019-03-01", WAN(80), WAN(30), 3, true},
        {"Beta", "domestic_brand", NULL, "2019-06-01", WAN(40), WAN(20), 2, false},
    };
    static const struct introduced s3[] = {
        {"Beta", "domestic_brand", NULL, "2019-07-01", WAN(40), WAN(20), 2, false},
    };

    /* The same brand and store; another store of the brand; another brand. */
    ck_assert(same(opening_data(&(struct opening){.type = "international_brand"}),
                   opening_data(&(struct opening){.type = "international_brand"}), what,
                   sizeof what));
    expect_detail_has(what, "brand ");
    json_t *other_store = opening_data(&(struct opening){.type = "international_brand"});
    json_object_set_new(json_object_get(other_store, "store"), "name", json_string("另一家门店"));
    ck_assert(!same(opening_data(&(struct opening){.type = "international_brand"}), other_store,
                    what, sizeof what));
    json_t *other_brand = opening_data(&(struct opening){.type = "international_brand"});
    json_object_set_new(other_brand, "brand", json_string("Another Brand"));
    ck_assert(!same(opening_data(&(struct opening){.type = "international_brand"}), other_brand,
                    what, sizeof what));
    /* Introductions overlapping in one store (brand and registration). */
    ck_assert(same(introduction_data(s1, 2), introduction_data(s2, 2), what, sizeof what));
    expect_detail_has(what, "the introduced store of Beta registered on 2019-06-01");
    ck_assert(!same(introduction_data(s1, 2), introduction_data(s3, 1), what, sizeof what));
    /* A launch event: its name and day. */
    ck_assert(same(launch_data("2020-05-01", WAN(10), WAN(10)),
                   launch_data("2020-05-01", WAN(20), WAN(10)), what, sizeof what));
    ck_assert(!same(launch_data("2020-05-01", WAN(10), WAN(10)),
                    launch_data("2020-05-02", WAN(10), WAN(10)), what, sizeof what));
    /* Different project types are different projects. */
    ck_assert(!same(launch_data("2020-05-01", WAN(10), WAN(10)), introduction_data(s1, 2), what,
                    sizeof what));
}
END_TEST

/* ---- launch_event ---- */

static json_t *launch_data(const char *held_on, int64_t venue_fen, int64_t setup_fen)
{
    return json_pack("{s:s, s:{s:s, s:s, s:I, s:I}, s:o}", "project", "launch_event", "event",
                     "name", "Exemple 2021 春夏新品发布", "held_on", held_on, "venue_rent_fen",
                     (json_int_t)venue_fen, "setup_fen", (json_int_t)setup_fen, "declarations",
                     declarations(NULL));
}

static const struct {
    const char *name, *held_on, *submitted_on;
    int64_t venue_fen, setup_fen, audited_fen;
    bool held_ok;
    int64_t expected_fen;
    const char *basis;
} launch_cases[] = {
    {"held 2019-12-31", "2019-12-31", SUBMITTED, WAN(30), WAN(10), UNSET, false, WAN(20),
     "as_applied"},
    {"held 2020-01-01", "2020-01-01", SUBMITTED, WAN(30), WAN(10), UNSET, true, WAN(20),
     "as_applied"},
    {"held on the submission day", SUBMITTED, SUBMITTED, WAN(30), WAN(10), UNSET, true, WAN(20),
     "as_applied"},
    {"held after the submission", "2020-11-16", SUBMITTED, WAN(30), WAN(10), UNSET, false, WAN(20),
     "as_applied"},
    {"50% rounds down", "2020-05-01", SUBMITTED, WAN(30), WAN(10) + 1, UNSET, true, WAN(20),
     "as_applied"},
    {"one fen below the cap", "2020-05-01", SUBMITTED, WAN(150), WAN(50) - 2, UNSET, true,
     WAN(100) - 1, "as_applied"},
    {"exactly at the cap", "2020-05-01", SUBMITTED, WAN(150), WAN(50), UNSET, true, WAN(100),
     "as_applied"},
    {"above the cap", "2020-05-01", SUBMITTED, WAN(150), WAN(50) + 2, UNSET, true, WAN(100),
     "as_applied"},
    {"far above the cap", "2020-05-01", SUBMITTED, WAN(500), WAN(300), UNSET, true, WAN(100),
     "as_applied"},
    {"audited replaces the costs", "2020-05-01", SUBMITTED, WAN(150), WAN(50), WAN(50) + 1, true,
     WAN(25), "audited"},
    {"audited above the cap", "2020-05-01", SUBMITTED, WAN(200), WAN(200), WAN(300), true, WAN(100),
     "audited"},
    {"audited above the applied costs never raises them", "2020-05-01", SUBMITTED, WAN(1), WAN(1),
     WAN(300), true, WAN(1), "audited"},
};

START_TEST(test_launch_event)
{
    struct outcome out;

    evaluate(launch_data(launch_cases[_i].held_on, launch_cases[_i].venue_fen,
                         launch_cases[_i].setup_fen),
             BEIJING_USCC, launch_cases[_i].submitted_on, launch_cases[_i].audited_fen, &out);
    expect_check(&out, "held_in_period", launch_cases[_i].held_ok, launch_cases[_i].name);
    ck_assert_uint_eq(out.a.n, 1);
    ck_assert_str_eq(out.a.items[0].item, "launch_event");
    ck_assert_msg(out.a.items[0].amount_fen == launch_cases[_i].expected_fen,
                  "%s: %lld fen, expected %lld (%s)", launch_cases[_i].name,
                  (long long)out.a.items[0].amount_fen, (long long)launch_cases[_i].expected_fen,
                  out.a.items[0].detail);
    ck_assert_str_eq(out.a.basis, launch_cases[_i].basis);
}
END_TEST

/* ---- every project: the applicant and its declarations (二(一)) ---- */

static json_t *project_data(int project)
{
    static const struct introduced store = {
        "Alpha", "international_brand", NULL, "2019-03-01", WAN(80), WAN(30), 2, false,
    };

    switch (project) {
    case 0:
        return opening_data(&(struct opening){0});
    case 1:
        return introduction_data(&store, 1);
    default:
        return launch_data("2020-05-01", WAN(30), WAN(10));
    }
}

START_TEST(test_applicant_in_beijing)
{
    struct outcome out;

    evaluate(project_data(_i), BEIJING_USCC, SUBMITTED, UNSET, &out);
    expect_check(&out, "registered_in_beijing", true, "Beijing applicant");
    expect_detail_has(find_check(&out, "registered_in_beijing")->detail, "110108");
    ck_assert_msg(eligibility_all_passed(&out.e), "project %d should be eligible", _i);

    evaluate(project_data(_i), ZHEJIANG_USCC, SUBMITTED, UNSET, &out);
    expect_check(&out, "registered_in_beijing", false, "Zhejiang applicant");
    expect_detail_has(find_check(&out, "registered_in_beijing")->detail, "330100");
    ck_assert(!eligibility_all_passed(&out.e));
    /* Ineligible, the amount is still shown. */
    ck_assert_int_gt(out.a.total_fen, 0);
}
END_TEST

/* 二(一) registered in Beijing: the division's province part is 11, not
 * its neighbours 10 or 12-15, for every project type. */
static const struct {
    const char *uscc;
    bool beijing;
} division_cases[] = {
    {"91110000MA0000001L", true},  {"91119999MA00000010", true},  {"91100000MA0000001G", false},
    {"91120000MA0000001Q", false}, {"91130100MA00000012", false}, {"91140100MA00000016", false},
    {"91150000MA00000015", false}, {"91210100MA0000001G", false}, {"91011000MA0000001A", false},
};

START_TEST(test_applicant_division_boundaries)
{
    struct outcome out;

    for (size_t i = 0; i < sizeof division_cases / sizeof division_cases[0]; i++) {
        evaluate(project_data(_i), division_cases[i].uscc, SUBMITTED, UNSET, &out);
        expect_check(&out, "registered_in_beijing", division_cases[i].beijing,
                     division_cases[i].uscc);
        expect_detail_has(find_check(&out, "registered_in_beijing")->detail,
                          division_cases[i].uscc);
        ck_assert_msg(eligibility_all_passed(&out.e) == division_cases[i].beijing, "project %d, %s",
                      _i, division_cases[i].uscc);
    }
}
END_TEST

static const char *const declaration_names[] = {
    "actual_investor",          "not_blacklisted",      "no_bad_credit_sanction",
    "not_prohibited_catalogue", "no_duplicate_funding",
};

START_TEST(test_declaration_false)
{
    const char *name = declaration_names[_i % 5];
    json_t *data = project_data(_i / 5);
    struct outcome out;

    json_object_set_new(data, "declarations", declarations(name));
    evaluate(data, BEIJING_USCC, SUBMITTED, UNSET, &out);
    expect_check(&out, "declarations", false, name);
    expect_detail_has(find_check(&out, "declarations")->detail, name);
    for (size_t i = 0; i < 5; i++)
        if (strcmp(declaration_names[i], name) != 0)
            ck_assert_msg(strstr(find_check(&out, "declarations")->detail, declaration_names[i]) ==
                              NULL,
                          "%s named though true", declaration_names[i]);
}
END_TEST

START_TEST(test_declarations_two_false)
{
    json_t *data = project_data(0);
    json_t *d = declarations("not_blacklisted");
    struct outcome out;

    json_object_set_new(d, "no_duplicate_funding", json_false());
    json_object_set_new(data, "declarations", d);
    evaluate(data, BEIJING_USCC, SUBMITTED, UNSET, &out);
    expect_check(&out, "declarations", false, "two false");
    expect_detail_has(find_check(&out, "declarations")->detail,
                      "2 of 5 declarations are false: not_blacklisted, no_duplicate_funding");
}
END_TEST

START_TEST(test_project_check_ids)
{
    static const char *const intro_ids[] = {"registered_in_beijing", "declarations",
                                            "stores_qualifying", NULL};
    static const char *const launch_ids[] = {"registered_in_beijing", "declarations",
                                             "held_in_period", NULL};
    struct outcome out;

    evaluate(project_data(1), ZHEJIANG_USCC, SUBMITTED, UNSET, &out);
    expect_ids(&out, intro_ids);
    evaluate(project_data(2), ZHEJIANG_USCC, SUBMITTED, UNSET, &out);
    expect_ids(&out, launch_ids);
}
END_TEST

/* A domestic brand's asia_first is saved (no 422) and shown as ineligible. */
START_TEST(test_domestic_asia_first_is_valid_data)
{
    struct outcome out;

    evaluate_opening(&(struct opening){.type = "domestic_brand", .category = "asia_first"}, UNSET,
                     &out);
    expect_check(&out, "category_allowed", false, "domestic asia_first");
    ck_assert(!eligibility_all_passed(&out.e));
    ck_assert_int_eq(out.a.total_fen, 0);
}
END_TEST

/* ---- the Chinese details ---- */

/* True when text is whole UTF-8 sequences and has at least one that is not
 * ASCII (a Chinese detail, not the English one copied). */
static bool chinese_text(const char *text)
{
    bool wide = false;

    for (const unsigned char *p = (const unsigned char *)text; *p;) {
        size_t need = *p < 0x80 ? 1 : *p >= 0xF0 ? 4 : *p >= 0xE0 ? 3 : *p >= 0xC0 ? 2 : 0;
        if (need == 0)
            return false;
        for (size_t k = 1; k < need; k++)
            if ((p[k] & 0xC0) != 0x80)
                return false;
        wide = wide || need > 1;
        p += need;
    }
    return wide;
}

/* Every check and every award item has a Chinese detail, whole (not cut at
 * the end of the buffer) and not the English one. */
static void expect_all_zh(const struct outcome *o, const char *name)
{
    ck_assert_msg(o->e.n > 0 && o->a.n > 0, "%s: no checks or no award items", name);
    for (size_t i = 0; i < o->e.n; i++) {
        const struct check *c = &o->e.checks[i];
        ck_assert_msg(c->detail_zh[0] != '\0', "%s: check %s has no Chinese detail", name, c->id);
        ck_assert_msg(chinese_text(c->detail_zh), "%s: check %s: \"%s\" is not Chinese", name,
                      c->id, c->detail_zh);
        ck_assert_msg(strlen(c->detail_zh) < RULE_DETAIL_LEN - 4,
                      "%s: check %s: \"%s\" fills the buffer", name, c->id, c->detail_zh);
    }
    for (size_t i = 0; i < o->a.n; i++) {
        const struct award_item *it = &o->a.items[i];
        ck_assert_msg(it->detail_zh[0] != '\0', "%s: item %s has no Chinese detail", name,
                      it->item);
        ck_assert_msg(chinese_text(it->detail_zh), "%s: item %s: \"%s\" is not Chinese", name,
                      it->item, it->detail_zh);
        ck_assert_msg(strlen(it->detail_zh) < RULE_DETAIL_LEN - 4,
                      "%s: item %s: \"%s\" fills the buffer", name, it->item, it->detail_zh);
    }
}

static json_t *zh_opening_failing(void)
{
    json_t *data = opening_data(&(struct opening){.category = "flagship",
                                                  .registered_on = "2015-06-01",
                                                  .opened_on = "2018-12-31",
                                                  .area_m2 = 499,
                                                  .not_largest = true,
                                                  .not_all_categories = true,
                                                  .rent_fen = WAN(60),
                                                  .decoration_fen = WAN(40)});

    json_object_set_new(data, "declarations", declarations("not_blacklisted"));
    return data;
}

static json_t *zh_opening_domestic_asia(void)
{
    return opening_data(&(struct opening){.type = "domestic_brand", .category = "asia_first"});
}

static json_t *zh_opening_agent(void)
{
    return opening_data(&(struct opening){.type = "international_agent", .category = "asia_first"});
}

static json_t *zh_opening_capped(void)
{
    return award_opening_data("international_brand", "beijing_first", WAN(100), WAN(20));
}

static json_t *zh_opening_all_false(void)
{
    json_t *data = project_data(0);
    json_t *d = json_object_get(data, "declarations");

    for (size_t i = 0; i < 5; i++)
        json_object_set_new(d, declaration_names[i], json_false());
    return data;
}

static json_t *zh_introduction_mixed(void)
{
    static const struct introduced stores[] = {
        {"Alpha", "international_brand", "china_first", "2019-03-01", WAN(80), WAN(30), 3, true},
        {"Beta", "domestic_brand", "flagship", "2019-06-01", WAN(30), WAN(20), 2, true},
        {"Gamma", "international_brand", "beijing_first", "2018-12-20", WAN(90), WAN(20), 1, true},
    };
    return introduction_data(stores, 3);
}

/* More failing stores than their reasons have room for. */
static json_t *zh_introduction_many(void)
{
    static const struct introduced failing = {
        "某国际品牌旗舰店", "international_brand", NULL, "2018-12-20", WAN(90), WAN(10), 1, false,
    };
    struct introduced stores[30];

    for (size_t i = 0; i < 30; i++)
        stores[i] = failing;
    return introduction_data(stores, 30);
}

static json_t *zh_launch_before_2020(void)
{
    return launch_data("2019-12-31", WAN(30), WAN(10));
}

static json_t *zh_launch_capped(void)
{
    return launch_data("2020-05-01", WAN(150), WAN(50) + 2);
}

static json_t *zh_project_0(void)
{
    return project_data(0);
}

static json_t *zh_project_1(void)
{
    return project_data(1);
}

static json_t *zh_project_2(void)
{
    return project_data(2);
}

/* Applications of every project type, eligible and not, so that each check
 * and award item is built in each of its wordings. */
static const struct {
    const char *name;
    json_t *(*data)(void);
    const char *uscc;
    int64_t audited_fen;
} zh_cases[] = {
    {"opening", zh_project_0, BEIJING_USCC, UNSET},
    {"opening outside Beijing", zh_project_0, ZHEJIANG_USCC, UNSET},
    {"opening failing flagship", zh_opening_failing, BEIJING_USCC, UNSET},
    {"opening domestic asia_first", zh_opening_domestic_asia, BEIJING_USCC, UNSET},
    {"opening agent", zh_opening_agent, BEIJING_USCC, UNSET},
    {"opening agent audited", zh_opening_agent, BEIJING_USCC, WAN(250)},
    {"opening capped", zh_opening_capped, BEIJING_USCC, UNSET},
    {"opening every declaration false", zh_opening_all_false, BEIJING_USCC, UNSET},
    {"introduction", zh_project_1, BEIJING_USCC, UNSET},
    {"introduction mixed", zh_introduction_mixed, BEIJING_USCC, UNSET},
    {"introduction many failing", zh_introduction_many, BEIJING_USCC, UNSET},
    {"introduction outside Beijing", zh_project_1, ZHEJIANG_USCC, UNSET},
    {"launch", zh_project_2, BEIJING_USCC, UNSET},
    {"launch before 2020", zh_launch_before_2020, BEIJING_USCC, UNSET},
    {"launch capped", zh_launch_capped, BEIJING_USCC, UNSET},
    {"launch audited", zh_project_2, BEIJING_USCC, WAN(300)},
};

START_TEST(test_details_zh_everywhere)
{
    struct outcome out;

    evaluate(zh_cases[_i].data(), zh_cases[_i].uscc, SUBMITTED, zh_cases[_i].audited_fen, &out);
    expect_all_zh(&out, zh_cases[_i].name);
}
END_TEST

/* A code that is not a valid USCC cannot reach the rules through the
 * envelope's validation; the rules still word it. */
START_TEST(test_details_zh_invalid_uscc)
{
    json_t *data = project_data(_i);
    struct kind_data parsed;
    support_kind_data(&kind_first_store, data, 2020, &parsed);
    struct rule_input in = {
        .data = parsed.typed,
        .round = 2020,
        .applicant_uscc = _i == 0 ? NULL : "NOT-A-USCC",
        .submitted_on = day(SUBMITTED),
        .audited_fen = UNSET,
        .funded_charters = -1,
    };
    struct outcome out;

    memset(&out, 0, sizeof out);
    kind_first_store.eligibility(&in, &out.e);
    kind_first_store.award(&in, &out.a);
    expect_all_zh(&out, "invalid USCC");
    expect_check(&out, "registered_in_beijing", false, "invalid USCC");
    expect_detail_has(find_check(&out, "registered_in_beijing")->detail_zh,
                      _i == 0 ? "未提供项目申报单位统一社会信用代码" : "NOT-A-USCC 无效");
    kind_data_release(&parsed);
    json_decref(data);
}
END_TEST

/* The Chinese details state the same figures as the English ones. */
START_TEST(test_details_zh_figures)
{
    struct outcome out;

    /* store_opening */
    evaluate(zh_opening_failing(), BEIJING_USCC, "2019-12-30", UNSET, &out);
    expect_detail_has(find_check(&out, "spend_threshold")->detail_zh,
                      "连续12个月实际房租 600,000.00 元、店面装修 400,000.00 元，合计 "
                      "1,000,000.00 元，未超过标准 1,000,000.00 元");
    expect_detail_has(find_check(&out, "operated_12_months")->detail_zh,
                      "连续经营满 11 个月；须连续经营 12 个月以上（2019-12-31 届满）");
    expect_detail_has(find_check(&out, "new_since_2019")->detail_zh, "2015-06-01");
    expect_detail_has(find_check(&out, "flagship_criteria")->detail_zh, "门店面积 499 平方米");
    expect_detail_has(find_check(&out, "flagship_criteria")->detail_zh, "未超过北京市本品牌");
    expect_detail_has(find_check(&out, "declarations")->detail_zh,
                      "5 项承诺事项中有 1 项未作出：未纳入全市联合惩戒“黑名单”");
    evaluate(zh_opening_domestic_asia(), ZHEJIANG_USCC, SUBMITTED, UNSET, &out);
    expect_detail_has(find_check(&out, "registered_in_beijing")->detail_zh, "330100");
    expect_detail_has(find_check(&out, "category_allowed")->detail_zh,
                      "本土自主品牌企业不可申报亚洲首店");
    expect_detail_has(find_check(&out, "category_allowed")->detail_zh,
                      "中国(内地)首店、北京首店或旗舰店");
    expect_detail_has(out.a.items[0].detail_zh, "不予支持");
    evaluate(zh_opening_capped(), BEIJING_USCC, SUBMITTED, UNSET, &out);
    expect_detail_has(out.a.items[0].detail_zh,
                      "房租与店面装修合计 1,200,000.00 元，按 50% 计 600,000.00 元，超过北京首店"
                      "最高限额 500,000.00 元");
    evaluate(zh_opening_agent(), BEIJING_USCC, SUBMITTED, WAN(250), &out);
    expect_detail_has(find_check(&out, "spend_threshold")->detail_zh,
                      "国际品牌授权代理商海外版权代理费 2,000,000.00 元，超过标准 1,000,000.00 元");
    expect_detail_has(out.a.items[0].detail_zh, "海外版权代理费 2,000,000.00 元，按 50% 计 "
                                                "1,000,000.00 元（亚洲首店最高限额 "
                                                "5,000,000.00 元）；审定金额 2,500,000.00 元 "
                                                "不低于申报金额 2,000,000.00 元，按申报金额计算");
    evaluate(zh_opening_agent(), BEIJING_USCC, SUBMITTED, WAN(150), &out);
    expect_detail_has(out.a.items[0].detail_zh, "审定实际投资额 1,500,000.00 元，按 50% 计 "
                                                "750,000.00 元（亚洲首店最高限额 "
                                                "5,000,000.00 元）");

    /* store_introduction */
    evaluate(zh_introduction_mixed(), BEIJING_USCC, SUBMITTED, UNSET, &out);
    const char *why = find_check(&out, "stores_qualifying")->detail_zh;
    expect_detail_has(why, "引进首店、旗舰店 3 家，其中 1 家符合条件");
    expect_detail_has(why, "第 2 家（Beta）：12个月实际房租与装修投入合计 500,000.00 元，须超过 "
                           "500,000.00 元");
    expect_detail_has(why, "第 3 家（Gamma）：注册登记日期 2018-12-20，早于 2019-01-01；入驻协议 "
                           "1 年，须 2 年以上");
    expect_detail_has(find_item(&out, "store_introduction")->detail_zh,
                      "奖励 100,000.00 元，符合条件 1 个，合计 100,000.00 元");
    expect_detail_has(find_item(&out, "pipeline_bonus")->detail_zh,
                      "纳入首店在谈项目库并落地经营的 1 个，每个额外奖励 20,000.00 元");
    evaluate(zh_introduction_many(), BEIJING_USCC, SUBMITTED, UNSET, &out);
    why = find_check(&out, "stores_qualifying")->detail_zh;
    expect_detail_has(why,
                      "引进首店、旗舰店 30 家，其中 0 家符合条件。第 1 家（某国际品牌旗舰店）");
    expect_detail_has(why, "家不符合条件，未列出");

    /* launch_event */
    evaluate(zh_launch_before_2020(), BEIJING_USCC, SUBMITTED, UNSET, &out);
    expect_detail_has(find_check(&out, "held_in_period")->detail_zh,
                      "新品发布活动举办日期 2019-12-31，须在 2020-01-01（含）至申报日 2020-11-15");
    expect_detail_has(out.a.items[0].detail_zh,
                      "场租、搭建总费用 400,000.00 元，按 50% 计 200,000.00 元，最高限额 "
                      "1,000,000.00 元");
    evaluate(zh_launch_capped(), BEIJING_USCC, SUBMITTED, UNSET, &out);
    expect_detail_has(out.a.items[0].detail_zh, "超过最高限额 1,000,000.00 元，按最高限额支持");
}
END_TEST

#define N(a) ((int)(sizeof(a) / sizeof((a)[0])))

static Suite *rules_first_store_suite(void)
{
    Suite *s = suite_create("rules_first_store");
    TCase *open = tcase_create("store_opening");
    TCase *intro = tcase_create("store_introduction");
    TCase *launch = tcase_create("launch_event");
    TCase *all = tcase_create("applicant");
    TCase *zh = tcase_create("details_zh");

    tcase_add_loop_test(open, test_opening_checks, 0, N(opening_cases));
    tcase_add_test(open, test_opening_ordinary_passes_all);
    tcase_add_test(open, test_check_ids);
    tcase_add_test(open, test_opening_details);
    tcase_add_loop_test(open, test_opening_award, 0, N(opening_awards));
    tcase_add_test(open, test_opening_award_details);
    tcase_add_loop_test(open, test_opening_caps, 0, (int)N_CAPS * 3);
    tcase_add_test(open, test_domestic_asia_first_is_valid_data);
    suite_add_tcase(s, open);

    tcase_add_loop_test(intro, test_introduced_store, 0, N(introduced_cases));
    tcase_add_test(intro, test_introduction_mixed);
    tcase_add_test(intro, test_introduction_none_qualifies);
    tcase_add_test(intro, test_introduction_ignores_audited);
    tcase_add_test(intro, test_introduction_reviewer_decisions);
    tcase_add_test(intro, test_same_project);
    tcase_add_test(open, test_agent_rent_left_out);
    suite_add_tcase(s, intro);

    tcase_add_loop_test(launch, test_launch_event, 0, N(launch_cases));
    suite_add_tcase(s, launch);

    tcase_add_loop_test(all, test_applicant_in_beijing, 0, 3);
    tcase_add_loop_test(all, test_applicant_division_boundaries, 0, 3);
    tcase_add_loop_test(all, test_declaration_false, 0, 15);
    tcase_add_test(all, test_declarations_two_false);
    tcase_add_test(all, test_project_check_ids);
    suite_add_tcase(s, all);

    tcase_add_loop_test(zh, test_details_zh_everywhere, 0, N(zh_cases));
    tcase_add_loop_test(zh, test_details_zh_invalid_uscc, 0, 3);
    tcase_add_test(zh, test_details_zh_figures);
    suite_add_tcase(s, zh);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(rules_first_store_suite());

    srunner_run_all(sr, CK_NORMAL);
    int failures = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failures != 0;
}
