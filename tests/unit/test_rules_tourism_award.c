/*
 * tourism_award rules (RULES.md §4, 京文旅发〔2020〕190号): the groups that
 * must add up to the declared totals (annex), the eligibility checks
 * (第二、四条) and the award: ranked items, charters (第九条) and the
 * special award (第十条).
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "kinds.h"
#include "money.h"
#include "ranking.h"
#include "support.h"
#include "uscc.h"

#define WAN ((int64_t)FEN_PER_WAN)

/* Two organised groups (200 × 10 + 300 × 10 = 5,000 person-days) and one
 * commissioned (150 × 20 = 3,000): outbound 5,000, reception 8,000. */
static const char base_data[] =
    "{\"inbound_business\": true, \"penalty\": \"none\", \"major_accident\": false, "
    "\"major_incident\": false, \"outbound_person_days\": 5000, "
    "\"outbound_person_days_prev\": 4000, \"reception_person_days\": 8000, "
    "\"reception_person_days_prev\": 7000, "
    "\"groups\": ["
    "{\"type\": \"organised\", \"tourists\": 200, \"start_on\": \"2020-09-01\", "
    "\"end_on\": \"2020-09-10\"}, "
    "{\"type\": \"organised\", \"tourists\": 300, \"start_on\": \"2020-10-01\", "
    "\"end_on\": \"2020-10-10\"}, "
    "{\"type\": \"commissioned\", \"tourists\": 150, \"start_on\": \"2020-11-01\", "
    "\"end_on\": \"2020-11-20\"}]}";

#define BEIJING_USCC "91110108551385082Q"

static json_t *data(void)
{
    return support_json(base_data);
}

static json_t *group(const json_t *d, size_t i)
{
    return json_array_get(json_object_get(d, "groups"), i);
}

static void set_int(json_t *obj, const char *member, json_int_t v)
{
    ck_assert_int_eq(json_object_set_new(obj, member, json_integer(v)), 0);
}

static void set_str(json_t *obj, const char *member, const char *v)
{
    ck_assert_int_eq(json_object_set_new(obj, member, json_string(v)), 0);
}

/* Runs the consistency rules on d, which passes the field table, and checks
 * the pointers of the errors, in order; `detail`, when given, must appear in
 * the first error. */
static void expect(const json_t *d, int round, const char *detail, const char *const *pointers)
{
    struct spec_errors errs;
    struct spec_arena arena;
    size_t n = 0;

    spec_errors_init(&errs);
    spec_arena_init(&arena);
    void *typed = spec_arena_alloc(&arena, kind_tourism_award.data_size);
    ck_assert(spec_parse(kind_tourism_award.data_fields, d, "/data", typed, &arena, &errs) == 0);
    kind_tourism_award.check_consistency(typed, round, &errs);
    while (pointers[n])
        n++;
    if (errs.count != n)
        for (size_t i = 0; i < errs.count; i++)
            fprintf(stderr, "  %s: %s\n", errs.items[i].pointer, errs.items[i].detail);
    ck_assert_uint_eq(errs.count, n);
    for (size_t i = 0; i < n; i++)
        ck_assert_str_eq(errs.items[i].pointer, pointers[i]);
    if (detail)
        ck_assert_msg(strstr(errs.items[0].detail, detail), "'%s' lacks '%s'", errs.items[0].detail,
                      detail);
    spec_errors_release(&errs);
    spec_arena_release(&arena);
}

#define EXPECT(d, round, detail, ...)                                                              \
    expect(d, round, detail, (const char *const[]){__VA_ARGS__, NULL})
#define EXPECT_VALID(d, round) expect(d, round, NULL, (const char *const[]){NULL})

/* ---- groups and totals ---- */

START_TEST(test_groups_add_up)
{
    json_t *d = data();

    EXPECT_VALID(d, 2020);
    /* Without groups, or with an empty list, nothing is cross-checked. */
    set_int(d, "outbound_person_days", 123);
    json_object_set_new(d, "groups", json_array());
    EXPECT_VALID(d, 2020);
    json_object_del(d, "groups");
    EXPECT_VALID(d, 2020);
    json_decref(d);
}
END_TEST

START_TEST(test_groups_off_by_one)
{
    json_t *d = data();

    set_int(d, "outbound_person_days", 5001);
    EXPECT(d, 2020, "the listed groups add up to 5,000 person-days; the declared figure is 5,001",
           "/data/outbound_person_days");
    set_int(d, "outbound_person_days", 5000);
    set_int(d, "reception_person_days", 7999);
    EXPECT(d, 2020, "the listed groups add up to 8,000 person-days; the declared figure is 7,999",
           "/data/reception_person_days");
    set_int(d, "outbound_person_days", 4999);
    EXPECT(d, 2020, "add up to 5,000", "/data/outbound_person_days", "/data/reception_person_days");
    json_decref(d);
}
END_TEST

/* Last year's groups are not listed: the _prev figures are free. */
START_TEST(test_prev_not_checked)
{
    json_t *d = data();

    set_int(d, "outbound_person_days_prev", 1);
    set_int(d, "reception_person_days_prev", 999999999);
    EXPECT_VALID(d, 2020);
    json_decref(d);
}
END_TEST

/* One more tourist in the commissioned group (20 days) changes reception
 * only; one more in an organised group (10 days) changes both. */
START_TEST(test_commissioned_counts_for_reception_only)
{
    json_t *d = data();

    set_int(group(d, 2), "tourists", 151);
    EXPECT(d, 2020, "add up to 8,020 person-days", "/data/reception_person_days");
    set_int(d, "reception_person_days", 8020);
    EXPECT_VALID(d, 2020);

    set_int(group(d, 0), "tourists", 201);
    EXPECT(d, 2020, "add up to 5,010 person-days", "/data/outbound_person_days",
           "/data/reception_person_days");
    set_int(d, "outbound_person_days", 5010);
    set_int(d, "reception_person_days", 8030);
    EXPECT_VALID(d, 2020);
    json_decref(d);
}
END_TEST

/* days = (end − start) + 1: a group that leaves the day it came counts one
 * day per tourist. */
START_TEST(test_days_formula)
{
    json_t *d = data();

    set_str(group(d, 1), "end_on", "2020-10-01"); /* 300 tourists × 1 day */
    set_int(d, "outbound_person_days", 2300);
    set_int(d, "reception_person_days", 5300);
    EXPECT_VALID(d, 2020);
    set_str(group(d, 1), "end_on", "2020-10-02"); /* × 2 days */
    EXPECT(d, 2020, "add up to 2,600 person-days", "/data/outbound_person_days",
           "/data/reception_person_days");
    json_decref(d);
}
END_TEST

START_TEST(test_group_end_before_start)
{
    json_t *d = data();

    set_str(group(d, 1), "end_on", "2020-09-30");
    /* The totals are not compared while a group is wrong. */
    EXPECT(d, 2020, "must not be before start_on", "/data/groups/1/end_on");
    json_decref(d);
}
END_TEST

/* A group belongs to the year it ends in: one that arrived in December of
 * last year and left in January counts for this year; one that leaves in
 * January of next year does not. */
START_TEST(test_group_year)
{
    json_t *d = data();

    set_str(group(d, 0), "start_on", "2020-08-23"); /* 19 days */
    set_str(group(d, 2), "start_on", "2019-12-30");
    set_str(group(d, 2), "end_on", "2020-01-02"); /* 4 days */
    set_int(d, "outbound_person_days", 200 * 19 + 3000);
    set_int(d, "reception_person_days", 200 * 19 + 3000 + 150 * 4);
    EXPECT_VALID(d, 2020);

    set_str(group(d, 1), "start_on", "2020-12-30");
    set_str(group(d, 1), "end_on", "2021-01-02");
    EXPECT(d, 2020, "must fall in the award year 2020", "/data/groups/1/end_on");
    EXPECT(d, 2019, "must fall in the award year 2019", "/data/groups/0/end_on",
           "/data/groups/1/end_on", "/data/groups/2/end_on");
    /* Without a valid round there is no year to hold the groups to; the
     * totals are still compared (group 1 now has 4 days, not 10). */
    EXPECT(d, 0, "add up to 5,000", "/data/outbound_person_days", "/data/reception_person_days");
    json_decref(d);
}
END_TEST

/* Sums beyond what a declared figure may be (10^9) are reported as such,
 * without overflowing. */
START_TEST(test_group_sum_bounded)
{
    json_t *d = data();
    json_t *groups = json_array();

    for (int i = 0; i < 3; i++)
        json_array_append_new(groups, support_json("{\"type\": \"organised\", \"tourists\": "
                                                   "1000000, \"start_on\": \"1900-01-01\", "
                                                   "\"end_on\": \"2020-12-31\"}"));
    json_object_set_new(d, "groups", groups);
    set_int(d, "outbound_person_days", 1000000000);
    set_int(d, "reception_person_days", 1000000000);
    EXPECT(d, 2020, "more than 1,000,000,000 person-days", "/data/outbound_person_days",
           "/data/reception_person_days");

    /* 2 × 1,000,000 tourists × 500 days is exactly the most allowed; one
     * tourist-day more is beyond it. */
    json_object_set_new(d, "groups", json_array());
    for (int i = 0; i < 2; i++)
        json_array_append_new(json_object_get(d, "groups"),
                              support_json("{\"type\": \"organised\", \"tourists\": 1000000, "
                                           "\"start_on\": \"2019-08-20\", "
                                           "\"end_on\": \"2020-12-31\"}"));
    EXPECT_VALID(d, 2020);
    json_array_append_new(json_object_get(d, "groups"),
                          support_json("{\"type\": \"commissioned\", \"tourists\": 1, "
                                       "\"start_on\": \"2020-12-31\", "
                                       "\"end_on\": \"2020-12-31\"}"));
    EXPECT(d, 2020, "more than 1,000,000,000 person-days", "/data/reception_person_days");
    json_decref(d);
}
END_TEST

/* The rules run as part of validating a whole envelope. */
START_TEST(test_envelope)
{
    json_t *env = json_pack("{s:s, s:i, s:s, s:{s:s, s:s}, s:o}", "kind", "tourism_award", "round",
                            2020, "review_unit", "110108", "applicant", "name",
                            "北京示例国际旅行社有限公司", "uscc", BEIJING_USCC, "data", data());
    struct spec_errors errs;

    spec_errors_init(&errs);
    ck_assert_ptr_eq(application_validate(env, &errs), &kind_tourism_award);
    ck_assert_uint_eq(errs.count, 0);
    set_int(json_object_get(env, "data"), "reception_person_days", 8001);
    ck_assert_ptr_eq(application_validate(env, &errs), &kind_tourism_award);
    ck_assert_uint_eq(errs.count, 1);
    ck_assert_str_eq(errs.items[0].pointer, "/data/reception_person_days");
    spec_errors_release(&errs);
    json_decref(env);
}
END_TEST

/* ---- eligibility ---- */

/* s contains part. */
static void assert_has(const char *s, const char *part)
{
    ck_assert_msg(strstr(s, part) != NULL, "'%s' lacks '%s'", s, part);
}

/* A Chinese detail is whole: given, and not cut short (it ends its sentence). */
static void assert_zh_whole(const char *zh)
{
    size_t len = strlen(zh), stop = strlen("。");

    ck_assert_msg(len > stop && strcmp(zh + len - stop, "。") == 0, "'%s' is not whole", zh);
    ck_assert_uint_lt(len, RULE_DETAIL_LEN - 1);
}

static const char *const check_ids[] = {
    "registered_in_beijing", "inbound_business",  "no_heavier_penalty",
    "no_major_accident",     "no_major_incident",
};

/* The facts of a rule input; the data comes from the JSON the rules are run
 * on (run_checks(), award_of()), which the tests change between runs. */
static struct rule_input input(void)
{
    struct rule_input in;

    memset(&in, 0, sizeof in);
    in.round = 2020;
    in.applicant_uscc = BEIJING_USCC;
    in.audited_fen = -1;
    in.funded_charters = -1;
    return in;
}

/* Runs the checks on d, parsed as the server parses it, with the facts of
 * in; every id, in order, every time.  Returns the one with id `id`. */
static struct check run_checks(const struct rule_input *in, json_t *d, const char *id, bool *all)
{
    struct rule_input typed = *in;
    struct kind_data parsed;
    struct eligibility e;
    struct check found;

    support_kind_data(&kind_tourism_award, d, in->round, &parsed);
    typed.data = parsed.typed;
    memset(&e, 0, sizeof e);
    memset(&found, 0, sizeof found);
    kind_tourism_award.eligibility(&typed, &e);
    ck_assert_uint_eq(e.n, sizeof check_ids / sizeof check_ids[0]);
    for (size_t i = 0; i < e.n; i++) {
        ck_assert_str_eq(e.checks[i].id, check_ids[i]);
        ck_assert(e.checks[i].detail[0] != '\0');
        assert_zh_whole(e.checks[i].detail_zh);
        /* The checks after the first are held to the award year. */
        if (i > 1)
            assert_has(e.checks[i].detail_zh, "申报年度（2020年）");
        if (strcmp(e.checks[i].id, id) == 0)
            found = e.checks[i];
    }
    *all = eligibility_all_passed(&e);
    kind_data_release(&parsed);
    return found;
}

static const struct penalty_case {
    const char *penalty;
    bool passed;
    const char *zh; /* in the Chinese detail */
} penalty_cases[] = {
    {"none", true, "未受到文化和旅游行政管理部门行政处罚"},
    {"warning", true, "受到警告处罚，未受到罚款以上（不含）行政处罚"},
    {"fine", true, "受到罚款处罚，未受到罚款以上（不含）行政处罚"}, /* a fine is allowed */
    {"heavier", false, "受到罚款以上（不含）行政处罚，不符合申报条件"},
};

START_TEST(test_penalty)
{
    const struct penalty_case *c = &penalty_cases[_i];
    json_t *d = data();
    struct rule_input in = input();
    struct check ck;
    bool all;

    set_str(d, "penalty", c->penalty);
    ck = run_checks(&in, d, "no_heavier_penalty", &all);
    ck_assert_int_eq(ck.passed, c->passed);
    assert_has(ck.detail_zh, c->zh);
    ck_assert_int_eq(all, c->passed);
    json_decref(d);
}
END_TEST

START_TEST(test_all_pass)
{
    json_t *d = data();
    struct rule_input in = input();
    bool all;
    struct check ck = run_checks(&in, d, "registered_in_beijing", &all);

    ck_assert(all);
    ck_assert(ck.passed);
    ck_assert_ptr_nonnull(strstr(ck.detail, "110108"));
    ck_assert_str_eq(ck.detail_zh, "在北京市行政区域内注册（行政区划码110108）。");
    ck = run_checks(&in, d, "inbound_business", &all);
    ck_assert_str_eq(ck.detail_zh, "经营入境旅游业务。");
    ck = run_checks(&in, d, "no_major_accident", &all);
    ck_assert_str_eq(ck.detail_zh, "自申报年度（2020年）以来无重大安全责任事故。");
    ck = run_checks(&in, d, "no_major_incident", &all);
    ck_assert_str_eq(ck.detail_zh, "自申报年度（2020年）以来无重大群体访事件和重大旅游投诉。");
    json_decref(d);
}
END_TEST

static const struct flag_case {
    const char *member;
    bool value;
    const char *check;
    const char *zh; /* the Chinese detail */
} flag_cases[] = {
    {"inbound_business", false, "inbound_business",
     "未申报经营入境旅游业务；申报主体须为经营入境旅游业务的旅行社。"},
    {"major_accident", true, "no_major_accident",
     "自申报年度（2020年）以来发生重大安全责任事故，不符合申报条件。"},
    {"major_incident", true, "no_major_incident",
     "自申报年度（2020年）以来发生重大群体访事件或重大旅游投诉，不符合申报条件。"},
};

START_TEST(test_flags)
{
    const struct flag_case *c = &flag_cases[_i];
    json_t *d = data();
    struct rule_input in = input();
    struct check ck;
    bool all;

    json_object_set_new(d, c->member, json_boolean(c->value));
    ck = run_checks(&in, d, c->check, &all);
    ck_assert(!ck.passed);
    ck_assert(!all);
    ck_assert_str_eq(ck.detail_zh, c->zh);
    json_decref(d);
}
END_TEST

START_TEST(test_registered_outside_beijing)
{
    char shanghai[USCC_LEN + 1] = "91310104MA1FR0000";
    json_t *d = data();
    struct rule_input in = input();
    struct check ck;
    bool all;

    shanghai[17] = uscc_check_char(shanghai);
    shanghai[18] = '\0';
    ck_assert(uscc_valid(shanghai));
    in.applicant_uscc = shanghai;
    ck = run_checks(&in, d, "registered_in_beijing", &all);
    ck_assert(!ck.passed);
    ck_assert_ptr_nonnull(strstr(ck.detail, "310104"));
    ck_assert_str_eq(ck.detail_zh, "注册地不在北京市（行政区划码310104）；申报主体须为在北京市行政"
                                   "区域内注册的旅行社，行政区划码以11开头。");
    ck_assert(!all);

    in.applicant_uscc = NULL;
    ck = run_checks(&in, d, "registered_in_beijing", &all);
    ck_assert(!ck.passed);
    assert_has(ck.detail_zh, "行政区划码?");
    json_decref(d);
}
END_TEST

/* 第二条 a Beijing travel agency: division 11…, not 10 or 12-15. */
START_TEST(test_division_boundaries)
{
    static const struct {
        const char *uscc;
        bool beijing;
    } cases[] = {
        {"91110000MA0000001L", true},  {"91119999MA00000010", true},  {"91100000MA0000001G", false},
        {"91120000MA0000001Q", false}, {"91130100MA00000012", false}, {"91150000MA00000015", false},
        {"91210100MA0000001G", false}, {"91011000MA0000001A", false},
    };
    json_t *d = data();
    struct rule_input in = input();

    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        bool all;
        ck_assert(uscc_valid(cases[i].uscc));
        in.applicant_uscc = cases[i].uscc;
        struct check ck = run_checks(&in, d, "registered_in_beijing", &all);
        ck_assert_msg(ck.passed == cases[i].beijing, "%s: %s", cases[i].uscc, ck.detail);
        char division[7];
        memcpy(division, cases[i].uscc + 2, 6);
        division[6] = '\0';
        ck_assert_ptr_nonnull(strstr(ck.detail, division));
        ck_assert_int_eq(all, cases[i].beijing);
    }
    json_decref(d);
}
END_TEST

/* ---- award ---- */

/* The award of d, parsed as the server parses it, with the facts of in. */
static struct award award_of(const struct rule_input *in, json_t *d)
{
    struct rule_input typed = *in;
    struct kind_data parsed;
    struct award a;

    support_kind_data(&kind_tourism_award, d, in->round, &parsed);
    typed.data = parsed.typed;
    memset(&a, 0, sizeof a);
    kind_tourism_award.award(&typed, &a);
    kind_data_release(&parsed);
    return a;
}

static const struct award_item *find_item(const struct award *a, const char *name)
{
    for (size_t i = 0; i < a->n; i++)
        if (strcmp(a->items[i].item, name) == 0)
            return &a->items[i];
    return NULL;
}

static json_t *charter(int tourists, bool scheduled, const char *arrived_on, int nights)
{
    return json_pack("{s:s, s:i, s:b, s:s, s:i}", "flight", "CA 999", "tourists", tourists,
                     "scheduled_route", scheduled, "arrived_on", arrived_on, "nights_in_beijing",
                     nights);
}

START_TEST(test_nothing_before_ranking)
{
    json_t *d = data();
    struct rule_input in = input();
    struct award a = award_of(&in, d);

    ck_assert_str_eq(a.basis, "as_applied");
    ck_assert_uint_eq(a.n, 0);
    ck_assert_int_eq(a.total_fen, 0);
    json_decref(d);
}
END_TEST

static const struct charter_case {
    int tourists;
    bool scheduled;
    const char *arrived_on;
    int nights;
    bool qualifies;
} charter_cases[] = {
    {60, false, "2020-09-01", 2, true},
    {59, false, "2020-09-01", 2, false},
    {60, false, "2020-09-01", 1, false},
    {60, true, "2020-09-01", 2, false},
    {180, false, "2020-12-31", 5, true},
    {180, false, "2019-12-31", 5, false}, /* 申报年度内: not of the award year */
    {180, false, "2021-01-01", 5, false},
};

START_TEST(test_charter_conditions)
{
    const struct charter_case *c = &charter_cases[_i];
    json_t *d = data();
    json_t *list = json_array();
    struct rule_input in = input();
    struct award a;

    json_array_append_new(list, charter(c->tourists, c->scheduled, c->arrived_on, c->nights));
    json_object_set_new(d, "charters", list);
    a = award_of(&in, d);
    if (c->qualifies) {
        ck_assert_uint_eq(a.n, 1);
        ck_assert_str_eq(a.items[0].item, "charter");
        ck_assert_int_eq(a.items[0].amount_fen, 2 * WAN);
        ck_assert_int_eq(a.items[0].count, 1);
        ck_assert_int_eq(a.total_fen, 2 * WAN);
        ck_assert_str_eq(a.items[0].detail_zh,
                         "入境包机1架次，每架次均组织不少于60名境外旅游者乘非固定航线包机入境"
                         "抵京，且在京过夜两晚（含）以上，每架次奖励2万元。");
    } else {
        ck_assert_uint_eq(a.n, 0);
        ck_assert_int_eq(a.total_fen, 0);
    }
    json_decref(d);
}
END_TEST

/* Three qualifying charters and one that does not; the authority's count
 * caps what is paid, never raises it. */
START_TEST(test_funded_charters)
{
    static const struct {
        int funded, paid;
    } cases[] = {{-1, 3}, {0, 0}, {1, 1}, {2, 2}, {3, 3}, {5, 3}};
    json_t *d = data();
    json_t *list = json_array();
    struct rule_input in = input();

    json_array_append_new(list, charter(60, false, "2020-03-01", 2));
    json_array_append_new(list, charter(59, false, "2020-04-01", 2));
    json_array_append_new(list, charter(120, false, "2020-05-01", 3));
    json_array_append_new(list, charter(200, false, "2020-06-01", 4));
    json_object_set_new(d, "charters", list);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct award a;
        const struct award_item *it;

        in.funded_charters = cases[i].funded;
        a = award_of(&in, d);
        it = find_item(&a, "charter");
        ck_assert_int_eq(a.total_fen, cases[i].paid * 2 * WAN);
        if (cases[i].paid == 0) {
            ck_assert_ptr_null(it);
            continue;
        }
        ck_assert_ptr_nonnull(it);
        ck_assert_int_eq(it->count, cases[i].paid);
        ck_assert_int_eq(it->amount_fen, cases[i].paid * 2 * WAN);
        assert_zh_whole(it->detail_zh);
        if (cases[i].paid < 3) {
            char zh[RULE_DETAIL_LEN];

            snprintf(zh, sizeof zh,
                     "符合条件的入境包机3架次，经市文化和旅游局择优认定奖励%d架次，每架次2万元。",
                     cases[i].paid);
            ck_assert_str_eq(it->detail_zh, zh);
        } else {
            assert_has(it->detail_zh, "入境包机3架次，");
            assert_has(it->detail_zh, "每架次奖励2万元");
        }
    }
    json_decref(d);
}
END_TEST

START_TEST(test_special_award)
{
    json_t *d = data();
    struct rule_input in = input();
    struct award a;

    /* The claim alone earns nothing: the authority grants it. */
    set_str(d, "special_award_claim", "推广过境免签政策。");
    a = award_of(&in, d);
    ck_assert_ptr_null(find_item(&a, "special_award"));
    in.special_award = true;
    a = award_of(&in, d);
    ck_assert_uint_eq(a.n, 1);
    ck_assert_str_eq(a.items[0].item, "special_award");
    ck_assert_int_eq(a.items[0].amount_fen, 10 * WAN);
    ck_assert_int_eq(a.total_fen, 10 * WAN);
    ck_assert_str_eq(a.items[0].detail_zh, "入境旅游特别奖，经市文化和旅游局认定，奖励10万元。");
    json_decref(d);
}
END_TEST

/* Once the ranking is fixed, its items come first, as the ranking made
 * them; charters and the special award follow. */
START_TEST(test_ranked)
{
    struct ranking_entry e;
    json_t *d = data();
    json_t *list = json_array();
    struct rule_input in = input();
    struct award a;

    memset(&e, 0, sizeof e);
    e.outbound = 5000;
    e.outbound_prev = 4000;
    e.reception = 8000;
    e.reception_prev = 7000;
    ranking_compute(&e, 1);
    /* As the ranking stores them and the server reads them back. */
    json_t *stored = ranking_items_json(&e);
    struct award_item items[RULES_MAX_ITEMS];
    in.ranked = true;
    in.ranked_items = items;
    in.n_ranked_items = ranking_items_read(stored, items, RULES_MAX_ITEMS);
    json_array_append_new(list, charter(60, false, "2020-09-01", 2));
    json_object_set_new(d, "charters", list);
    in.special_award = true;

    a = award_of(&in, d);
    ck_assert_str_eq(a.basis, "ranked");
    ck_assert_uint_eq(a.n, 4);
    ck_assert_str_eq(a.items[0].item, "outbound");
    ck_assert_int_eq(a.items[0].rank, 1);
    ck_assert_int_eq(a.items[0].amount_fen, 50 * WAN);
    ck_assert_str_eq(a.items[0].detail, e.items[0].detail);
    ck_assert_str_eq(a.items[1].item, "outbound_growth");
    ck_assert_int_eq(a.items[1].amount_fen, 30 * WAN);
    ck_assert_str_eq(a.items[2].item, "charter");
    ck_assert_str_eq(a.items[3].item, "special_award");
    ck_assert_int_eq(a.total_fen, (50 + 30 + 2 + 10) * WAN);
    /* The ranking's Chinese details come along as the ranking wrote them. */
    ck_assert_str_eq(a.items[0].detail_zh, e.items[0].detail_zh);
    ck_assert_str_eq(a.items[1].detail_zh, e.items[1].detail_zh);
    assert_has(a.items[0].detail_zh, "申报年度5,000人天");
    assert_has(a.items[1].detail_zh, "上年度4,000人天，增加1,000人天");
    for (size_t i = 0; i < a.n; i++)
        assert_zh_whole(a.items[i].detail_zh);
    json_decref(stored);

    /* Ranked without a place: the basis says so, and nothing is ranked. */
    stored = support_json("[]");
    in.n_ranked_items = ranking_items_read(stored, items, RULES_MAX_ITEMS);
    in.special_award = false;
    a = award_of(&in, d);
    ck_assert_str_eq(a.basis, "ranked");
    ck_assert_uint_eq(a.n, 1);
    ck_assert_str_eq(a.items[0].item, "charter");
    json_decref(stored);

    /* Items the award does not know, and zero amounts, are left out. */
    stored = support_json("[{\"item\": \"bonus\", \"amount_fen\": 100, \"rank\": 1}, "
                          "{\"item\": \"reception\", \"amount_fen\": 0, \"rank\": 12}, "
                          "{\"item\": \"reception\", \"amount_fen\": 150000, "
                          "\"rank\": 2}]");
    in.n_ranked_items = ranking_items_read(stored, items, RULES_MAX_ITEMS);
    a = award_of(&in, d);
    ck_assert_uint_eq(a.n, 2);
    ck_assert_str_eq(a.items[0].item, "reception");
    ck_assert_int_eq(a.items[0].rank, 2);
    ck_assert_str_eq(a.items[0].detail, "");
    ck_assert_str_eq(a.items[0].detail_zh, "");
    json_decref(stored);

    /* A stored item with only a Chinese detail keeps it. */
    stored = support_json("[{\"item\": \"reception\", \"amount_fen\": 150000, "
                          "\"rank\": 2, \"detail_zh\": \"入境接待人天项目。\"}]");
    in.n_ranked_items = ranking_items_read(stored, items, RULES_MAX_ITEMS);
    a = award_of(&in, d);
    ck_assert_uint_eq(a.n, 2);
    ck_assert_str_eq(a.items[0].detail_zh, "入境接待人天项目。");
    json_decref(stored);
    json_decref(d);
}
END_TEST

/* The award as JSON, in the contract's shape. */
START_TEST(test_award_json)
{
    json_t *d = data();
    json_t *list = json_array();
    struct rule_input in = input();
    struct award a;
    json_t *j;

    json_array_append_new(list, charter(60, false, "2020-09-01", 2));
    json_array_append_new(list, charter(60, false, "2020-10-01", 2));
    json_object_set_new(d, "charters", list);
    in.funded_charters = 1;
    a = award_of(&in, d);
    j = award_to_json(&a);
    ck_assert_str_eq(json_string_value(json_object_get(j, "basis")), "as_applied");
    ck_assert_int_eq(json_integer_value(json_object_get(j, "total_fen")), 2 * WAN);
    ck_assert_int_eq(json_integer_value(
                         json_object_get(json_array_get(json_object_get(j, "items"), 0), "count")),
                     1);
    ck_assert_str_eq(json_string_value(json_object_get(
                         json_array_get(json_object_get(j, "items"), 0), "detail_zh")),
                     "符合条件的入境包机2架次，经市文化和旅游局择优认定奖励1架次，每架次2万元。");
    json_decref(j);
    json_decref(d);
}
END_TEST

static Suite *tourism_award_suite(void)
{
    Suite *s = suite_create("rules_tourism_award");
    TCase *tc = tcase_create("consistency");
    TCase *te = tcase_create("eligibility");
    TCase *ta = tcase_create("award");

    tcase_add_test(tc, test_groups_add_up);
    tcase_add_test(tc, test_groups_off_by_one);
    tcase_add_test(tc, test_prev_not_checked);
    tcase_add_test(tc, test_commissioned_counts_for_reception_only);
    tcase_add_test(tc, test_days_formula);
    tcase_add_test(tc, test_group_end_before_start);
    tcase_add_test(tc, test_group_year);
    tcase_add_test(tc, test_group_sum_bounded);
    tcase_add_test(tc, test_envelope);
    suite_add_tcase(s, tc);
    tcase_add_loop_test(te, test_penalty, 0, sizeof penalty_cases / sizeof penalty_cases[0]);
    tcase_add_test(te, test_all_pass);
    tcase_add_loop_test(te, test_flags, 0, sizeof flag_cases / sizeof flag_cases[0]);
    tcase_add_test(te, test_registered_outside_beijing);
    tcase_add_test(te, test_division_boundaries);
    suite_add_tcase(s, te);
    tcase_add_test(ta, test_nothing_before_ranking);
    tcase_add_loop_test(ta, test_charter_conditions, 0,
                        sizeof charter_cases / sizeof charter_cases[0]);
    tcase_add_test(ta, test_funded_charters);
    tcase_add_test(ta, test_special_award);
    tcase_add_test(ta, test_ranked);
    tcase_add_test(ta, test_award_json);
    suite_add_tcase(s, ta);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(tourism_award_suite());
    int failures;

    srunner_run_all(sr, CK_NORMAL);
    failures = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failures != 0;
}
