/*
 * experience_base rules (RULES.md §7, 京文旅发〔2020〕407号): the data (the
 * theme `other` with its description), the eligibility checks at their
 * boundaries (第九条: two years since founding, the declarations, the food
 * permit only with catering), what the stages record (第十二、十三条), the
 * route of a direct unit, and the duties after certification (第十四、十五条)
 * with the other kinds' (RULES.md §8).
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "calendar.h"
#include "duties.h"
#include "kind_experience_base.h"
#include "kinds.h"
#include "support.h"

#define BEIJING_USCC  "91110108551385082Q"
#define NATIONAL_USCC "12100000400010399T" /* a ministry's unit: division 100000 */

static const char base_data[] =
    "{\"theme\": \"red\", \"base\": {\"name\": \"测试红色文化体验基地\", "
    "\"address\": \"北京市东城区测试路1号\", \"district\": \"110101\", "
    "\"opening\": \"published_hours\"}, \"established_on\": \"2018-10-15\", "
    "\"direct\": false, \"catering\": false, \"declarations\": {"
    "\"no_major_accident\": true, \"no_market_order_problem\": true, "
    "\"no_environmental_event\": true, \"no_major_violation\": true, "
    "\"fire_permit\": true, \"property_certificates\": true, \"health_permit\": true, "
    "\"food_permit\": false, \"toilets\": true, \"parking\": true, \"rest_areas\": true, "
    "\"safety_equipment\": true, \"professional_staff\": true}}";

static sb_day ymd(const char *text)
{
    sb_day d;
    ck_assert_msg(date_parse(text, &d), "bad date %s", text);
    return d;
}

static json_t *data(void)
{
    return support_json(base_data);
}

static void set_bool(json_t *obj, const char *member, bool v)
{
    ck_assert_int_eq(json_object_set_new(obj, member, json_boolean(v)), 0);
}

static void set_str(json_t *obj, const char *member, const char *v)
{
    ck_assert_int_eq(json_object_set_new(obj, member, json_string(v)), 0);
}

static json_t *declarations(json_t *d)
{
    return json_object_get(d, "declarations");
}

/* The checks of d (which must pass the field table) for an applicant with
 * `uscc` submitting on `submitted`. */
static void evaluate(json_t *d, const char *uscc, const char *submitted, struct eligibility *out)
{
    struct kind_data kd;
    support_kind_data(&kind_experience_base, d, 2020, &kd);
    struct rule_input in = {
        .data = kd.typed,
        .round = 2020,
        .applicant_uscc = uscc,
        .submitted_on = ymd(submitted),
        .audited_fen = -1,
        .funded_charters = -1,
    };
    memset(out, 0, sizeof *out);
    kind_experience_base.eligibility(&in, out);
    kind_data_release(&kd);
}

static const struct check *find_check(const struct eligibility *e, const char *id)
{
    for (size_t i = 0; i < e->n; i++)
        if (strcmp(e->checks[i].id, id) == 0)
            return &e->checks[i];
    ck_abort_msg("no check %s", id);
    return NULL;
}

static bool passed(json_t *d, const char *uscc, const char *submitted, const char *id)
{
    struct eligibility e;
    evaluate(d, uscc, submitted, &e);
    return find_check(&e, id)->passed;
}

/* The pointers of the errors the field table finds in d. */
static size_t table_errors(json_t *d, struct spec_errors *errs)
{
    struct spec_arena arena;
    spec_errors_init(errs);
    spec_arena_init(&arena);
    void *typed = spec_arena_alloc(&arena, kind_experience_base.data_size);
    size_t n = spec_parse(kind_experience_base.data_fields, d, "/data", typed, &arena, errs);
    spec_arena_release(&arena);
    return n;
}

/* ---- the checks ----------------------------------------------------------- */

START_TEST(test_all_pass)
{
    json_t *d = data();
    struct eligibility e;
    evaluate(d, BEIJING_USCC, "2020-11-02", &e);
    static const char *const ids[] = {"registered_in_beijing",
                                      "established_two_years",
                                      "clean_record",
                                      "theme",
                                      "facilities",
                                      "professional_staff",
                                      "permits"};
    ck_assert_uint_eq(e.n, sizeof ids / sizeof ids[0]);
    for (size_t i = 0; i < e.n; i++) {
        ck_assert_str_eq(e.checks[i].id, ids[i]);
        ck_assert_msg(e.checks[i].passed, "%s: %s", ids[i], e.checks[i].detail);
        ck_assert_msg(e.checks[i].detail_zh[0], "%s has no Chinese detail", ids[i]);
    }
    ck_assert(eligibility_all_passed(&e));
    json_decref(d);
}
END_TEST

/* 第九条(八) 成立时间两年以上: founded exactly two years before the
 * submission date is eligible (以上 includes it), a day less is not. */
START_TEST(test_two_years_boundary)
{
    static const struct {
        const char *established, *submitted;
        bool ok;
    } cases[] = {
        {"2018-10-15", "2020-10-15", true},  /* exactly two years */
        {"2018-10-16", "2020-10-15", false}, /* a day less */
        {"2018-10-14", "2020-10-15", true},
        {"2016-02-29", "2018-02-28", true}, /* a 02-29 founding: full on 02-28 */
        {"2016-02-29", "2018-02-27", false},
        {"2018-02-28", "2020-02-28", true},
        {"2018-02-28", "2020-02-27", false},
        {"2018-03-01", "2020-02-29", false},
        {"2018-12-31", "2020-12-31", true},
        {"2020-11-02", "2020-11-02", false}, /* founded on the day */
        {"2021-01-01", "2020-11-02", false}, /* founded after it */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        json_t *d = data();
        set_str(d, "established_on", cases[i].established);
        ck_assert_msg(passed(d, BEIJING_USCC, cases[i].submitted, "established_two_years") ==
                          cases[i].ok,
                      "established %s, submitted %s", cases[i].established, cases[i].submitted);
        ck_assert(experience_base_established_two_years(ymd(cases[i].established),
                                                        ymd(cases[i].submitted)) == cases[i].ok);
        json_decref(d);
    }
    json_t *d = data();
    set_str(d, "established_on", "2018-10-16");
    struct eligibility e;
    evaluate(d, BEIJING_USCC, "2020-10-15", &e);
    ck_assert_ptr_nonnull(strstr(find_check(&e, "established_two_years")->detail, "2020-10-16"));
    ck_assert_ptr_nonnull(strstr(find_check(&e, "established_two_years")->detail_zh, "不足两年"));
    json_decref(d);
}
END_TEST

/* A Beijing code passes; a national code passes only for a unit that
 * declares itself directly under the ministry or the municipal bureau (the
 * reviewer confirms it), and fails otherwise; never refused by the code. */
START_TEST(test_registered)
{
    json_t *d = data();
    ck_assert(passed(d, BEIJING_USCC, "2020-11-02", "registered_in_beijing"));
    ck_assert(!passed(d, NATIONAL_USCC, "2020-11-02", "registered_in_beijing"));
    ck_assert(!passed(d, "not a code", "2020-11-02", "registered_in_beijing"));
    set_bool(d, "direct", true);
    struct eligibility e;
    evaluate(d, NATIONAL_USCC, "2020-11-02", &e);
    ck_assert(find_check(&e, "registered_in_beijing")->passed);
    ck_assert_ptr_nonnull(strstr(find_check(&e, "registered_in_beijing")->detail, "100000"));
    ck_assert_ptr_nonnull(strstr(find_check(&e, "registered_in_beijing")->detail, "confirms"));
    json_decref(d);
}
END_TEST

/* Each declaration of a group fails its check alone, and is named. */
START_TEST(test_declarations)
{
    static const struct {
        const char *member, *check;
    } cases[] = {
        {"no_major_accident", "clean_record"},
        {"no_market_order_problem", "clean_record"},
        {"no_environmental_event", "clean_record"},
        {"no_major_violation", "clean_record"},
        {"toilets", "facilities"},
        {"parking", "facilities"},
        {"rest_areas", "facilities"},
        {"safety_equipment", "facilities"},
        {"professional_staff", "professional_staff"},
        {"fire_permit", "permits"},
        {"property_certificates", "permits"},
        {"health_permit", "permits"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        json_t *d = data();
        set_bool(declarations(d), cases[i].member, false);
        struct eligibility e;
        evaluate(d, BEIJING_USCC, "2020-11-02", &e);
        const struct check *c = find_check(&e, cases[i].check);
        ck_assert_msg(!c->passed, "%s false, %s passed", cases[i].member, cases[i].check);
        ck_assert_ptr_nonnull(strstr(c->detail, cases[i].member));
        size_t failed = 0;
        for (size_t j = 0; j < e.n; j++)
            failed += !e.checks[j].passed;
        ck_assert_uint_eq(failed, 1);
        json_decref(d);
    }
}
END_TEST

/* 第九条(九): the food hygiene permit only when the base serves food. */
START_TEST(test_food_permit_only_with_catering)
{
    json_t *d = data();
    ck_assert(passed(d, BEIJING_USCC, "2020-11-02", "permits"));
    set_bool(d, "catering", true);
    ck_assert(!passed(d, BEIJING_USCC, "2020-11-02", "permits"));
    set_bool(declarations(d), "food_permit", true);
    ck_assert(passed(d, BEIJING_USCC, "2020-11-02", "permits"));
    set_bool(d, "catering", false);
    ck_assert(passed(d, BEIJING_USCC, "2020-11-02", "permits"));
    json_decref(d);
}
END_TEST

/* 第二条 names four themes and ends in 等: another theme needs its
 * description and is the reviewer's to judge (a check an approval
 * overrides with the judgement). */
START_TEST(test_theme_other)
{
    static const char *const named[] = {"ancient_capital", "red", "beijing_flavour", "innovation"};
    for (size_t i = 0; i < 4; i++) {
        json_t *d = data();
        set_str(d, "theme", named[i]);
        ck_assert(passed(d, BEIJING_USCC, "2020-11-02", "theme"));
        json_decref(d);
    }
    json_t *d = data();
    set_str(d, "theme", "other");
    struct spec_errors errs;
    ck_assert_uint_eq(table_errors(d, &errs), 1);
    ck_assert_str_eq(errs.items[0].pointer, "/data/theme_description");
    spec_errors_release(&errs);
    set_str(d, "theme_description", "运河文化");
    ck_assert_uint_eq(table_errors(d, &errs), 0);
    spec_errors_release(&errs);
    struct eligibility e;
    evaluate(d, BEIJING_USCC, "2020-11-02", &e);
    ck_assert(!find_check(&e, "theme")->passed);
    ck_assert_ptr_nonnull(strstr(find_check(&e, "theme")->detail, "运河文化"));
    /* A description with a named theme is refused. */
    set_str(d, "theme", "red");
    ck_assert_uint_eq(table_errors(d, &errs), 1);
    ck_assert_str_eq(errs.items[0].pointer, "/data/theme_description");
    spec_errors_release(&errs);
    json_decref(d);
}
END_TEST

/* The base is in one of Beijing's 16 districts; the opening one of two. */
START_TEST(test_base_fields)
{
    json_t *d = data();
    struct spec_errors errs;
    set_str(json_object_get(d, "base"), "district", "120101");
    set_str(json_object_get(d, "base"), "opening", "sometimes");
    json_object_del(d, "established_on");
    ck_assert_uint_eq(table_errors(d, &errs), 3);
    ck_assert_str_eq(errs.items[0].pointer, "/data/base/district");
    ck_assert_str_eq(errs.items[1].pointer, "/data/base/opening");
    ck_assert_str_eq(errs.items[2].pointer, "/data/established_on");
    spec_errors_release(&errs);
    json_decref(d);
}
END_TEST

/* ---- stages ------------------------------------------------------------------- */

/* 第十三条: a direct application's municipal approval confirms its direct
 * status, a record that belongs to applications whose `direct` is true
 * (required of those, refused of the others: the engine's), optional in
 * the table; none at the district stage. */
START_TEST(test_direct_status_record)
{
    const struct field_spec *r = kind_experience_base.municipal_records;
    size_t n = 0;
    for (; r[n].name; n++)
        if (strcmp(r[n].name, "direct_status") == 0) {
            ck_assert_str_eq(r[n].when_data, "direct");
            ck_assert(!r[n].required);
            ck_assert_ptr_eq(r[n].fields, stage_finding_fields);
        } else {
            ck_assert_ptr_null(r[n].when_data);
        }
    ck_assert_uint_eq(n, 2);
    for (r = kind_experience_base.district_records; r->name; r++)
        ck_assert_ptr_null(r->when_data);
    json_t *schema = spec_schema(kind_experience_base.municipal_records, "urn:x", NULL);
    ck_assert_str_eq(json_string_value(json_object_get(
                         json_object_get(json_object_get(schema, "properties"), "direct_status"),
                         "x-when-data")),
                     "direct");
    json_decref(schema);
}
END_TEST

/* The district bureau scores 0-100 on site; the municipal stage inspects. */
START_TEST(test_stage_tables)
{
    struct spec_errors errs;
    spec_errors_init(&errs);
    json_t *ok = support_json("{\"site_scoring\": {\"date\": \"2020-11-05\", \"score\": 100, "
                              "\"summary\": \"勘验合格\"}}");
    ck_assert_uint_eq(spec_validate(kind_experience_base.district_records, ok, "", &errs), 0);
    json_object_set_new(json_object_get(ok, "site_scoring"), "score", json_integer(0));
    ck_assert_uint_eq(spec_validate(kind_experience_base.district_records, ok, "", &errs), 0);
    json_object_set_new(json_object_get(ok, "site_scoring"), "score", json_integer(101));
    ck_assert_uint_eq(spec_validate(kind_experience_base.district_records, ok, "", &errs), 1);
    ck_assert_str_eq(errs.items[0].pointer, "/site_scoring/score");
    spec_errors_release(&errs);
    spec_errors_init(&errs);
    json_object_set_new(json_object_get(ok, "site_scoring"), "score", json_integer(-1));
    ck_assert_uint_eq(spec_validate(kind_experience_base.district_records, ok, "", &errs), 1);
    spec_errors_release(&errs);
    spec_errors_init(&errs);
    json_t *none = support_json("{}");
    ck_assert_uint_eq(spec_validate(kind_experience_base.municipal_records, none, "", &errs), 1);
    ck_assert_str_eq(errs.items[0].pointer, "/site_inspection");
    spec_errors_release(&errs);
    json_decref(ok);
    json_decref(none);
}
END_TEST

/* The stages of 第十二条, no notice; a direct unit skips the district. */
START_TEST(test_route)
{
    ck_assert_uint_eq(kind_experience_base.stages, STAGE_DISTRICT | STAGE_MUNICIPAL);
    ck_assert_str_eq(kind_experience_base.authority, "culture_tourism");
    ck_assert_str_eq(kind_experience_base.source, "京文旅发〔2020〕407号");
    ck_assert(kind_experience_base.certification);
    ck_assert_int_eq(kind_experience_base.valid_years, 0);
    ck_assert(kind_experience_base.public_list);
    ck_assert(kind_experience_base.after & AFTER_SURRENDER);
    json_t *d = data();
    struct kind_data kd;
    support_kind_data(&kind_experience_base, d, 2020, &kd);
    ck_assert(!kind_experience_base.skips_district(kd.typed));
    kind_data_release(&kd);
    set_bool(d, "direct", true);
    support_kind_data(&kind_experience_base, d, 2020, &kd);
    ck_assert(kind_experience_base.skips_district(kd.typed));
    json_t *subject = kind_experience_base.subject(kd.typed);
    support_assert_json_eq(subject,
                           "{\"name\": \"测试红色文化体验基地\", \"address\": "
                           "\"北京市东城区测试路1号\", \"district\": \"110101\", \"theme\": "
                           "\"red\", \"theme_zh\": \"红色文化\"}");
    json_decref(subject);
    kind_data_release(&kd);
    json_decref(d);
}
END_TEST

/* 第十六条 bars on each of its grounds, 2 years; `other` does not. */
START_TEST(test_grounds)
{
    ck_assert_int_eq(kind_experience_base.ban_months, 24);
    size_t n = 0;
    for (const char *const *g = kind_experience_base.banning_grounds; *g; g++, n++) {
        bool listed = false;
        for (const char *const *r = kind_experience_base.revocation_grounds; *r; r++)
            listed |= strcmp(*r, *g) == 0;
        ck_assert_msg(listed, "%s bars but is no ground", *g);
        ck_assert_str_ne(*g, "other");
    }
    ck_assert_uint_eq(n, 5);
    ck_assert_str_eq(kind_experience_base.revocation_grounds[0], "other");
    ck_assert_str_eq(kind_experience_base.duties->failed_recheck_ground, "failed_recheck");
}
END_TEST

/* ---- duties (RULES.md §8) ---------------------------------------------------- */

static void assert_day(sb_day got, const char *want)
{
    char text[DATE_TEXT_LEN];
    date_format(got, text);
    ck_assert_str_eq(text, want);
}

static const struct month_day no_setting = {0, 0};

/* 第十五条: by 12-15 of each year; the year of certification counts when
 * its 12-15 is still ahead. */
START_TEST(test_annual_experience_base)
{
    const struct duty_rules *r = kind_experience_base.duties;
    assert_day(duty_annual_nominal(r, no_setting, 2021), "2021-12-15");
    ck_assert_int_eq(duty_first_annual_period(r, no_setting, ymd("2020-11-02")), 2020);
    ck_assert_int_eq(duty_first_annual_period(r, no_setting, ymd("2020-12-14")), 2020);
    ck_assert_int_eq(duty_first_annual_period(r, no_setting, ymd("2020-12-15")), 2021);
    ck_assert_int_eq(duty_first_annual_period(r, no_setting, ymd("2020-12-31")), 2021);
    /* 第十四条: a re-check every 3 years. */
    assert_day(duty_recheck_nominal(r, ymd("2020-11-02")), "2023-11-02");
    assert_day(duty_recheck_nominal(r, ymd("2020-02-29")), "2023-02-28");
}
END_TEST

/* 京科发〔2020〕13号 第十二条: each year's report, by default by 03-31 of the
 * next (the authority's setting may say otherwise); 第十一条: a change within
 * 3 months. */
START_TEST(test_annual_incubator)
{
    const struct duty_rules *r = kind_incubator.duties;
    ck_assert_ptr_nonnull(r);
    assert_day(duty_annual_nominal(r, no_setting, 2020), "2021-03-31");
    ck_assert_int_eq(duty_first_annual_period(r, no_setting, ymd("2020-10-13")), 2020);
    struct month_day feb29 = {2, 29};
    assert_day(duty_annual_nominal(r, feb29, 2020), "2021-02-28");
    assert_day(duty_annual_nominal(r, feb29, 2023), "2024-02-29");
    struct month_day june30 = {6, 30};
    assert_day(duty_annual_nominal(r, june30, 2021), "2022-06-30");
    ck_assert_int_eq(r->missed_reports_prompt, 2);
    ck_assert_str_eq(r->missed_reports_ground, "missed_annual_reports");
    assert_day(duty_change_nominal(r, ymd("2021-05-10")), "2021-08-10");
    assert_day(duty_change_nominal(r, ymd("2021-11-30")), "2022-02-28");
    ck_assert_str_eq(r->late_change_ground, "unreported_change");
    ck_assert_str_eq(r->failed_change_ground, "condition_change");
    /* The late change bars; the failed review does not (第十一、十三条). */
    bool late_bars = false, failed_bars = false;
    for (const char *const *g = kind_incubator.banning_grounds; *g; g++) {
        late_bars |= strcmp(*g, r->late_change_ground) == 0;
        failed_bars |= strcmp(*g, r->failed_change_ground) == 0;
    }
    ck_assert(late_bars);
    ck_assert(!failed_bars);
    ck_assert(kind_tourism_award.duties == NULL);
}
END_TEST

/* 京商消促字〔2020〕48号 四: a year from the day the funds were received; a
 * closure within it refunds everything (or, configured, the share not
 * operated). */
START_TEST(test_operating_year)
{
    const struct duty_rules *r = kind_first_store.duties;
    sb_day paid = ymd("2021-01-15");
    assert_day(duty_operating_full(r, paid), "2022-01-15");
    int64_t granted = 130000000;
    ck_assert_int_eq(duty_refund_fen(r, granted, paid, ymd("2021-12-10"), false), granted);
    ck_assert_int_eq(duty_refund_fen(r, granted, paid, ymd("2022-01-14"), false), granted);
    ck_assert_int_eq(duty_refund_fen(r, granted, paid, ymd("2022-01-15"), false), 0);
    /* Pro rata: 36 of 365 days not operated, rounded down to the fen. */
    ck_assert_int_eq(duty_refund_fen(r, granted, paid, ymd("2021-12-10"), true),
                     granted * 36 / 365);
    ck_assert_int_eq(duty_refund_fen(r, granted, paid, ymd("2022-01-14"), true), granted / 365);
    ck_assert_int_eq(duty_refund_fen(r, 1, paid, ymd("2022-01-14"), true), 0);
    ck_assert_int_eq(duty_refund_fen(r, granted, paid, ymd("2021-01-10"), true), granted);
    ck_assert_str_eq(r->closure_ground, "closed_within_year");
}
END_TEST

/* A due date on a day off moves to the next working day; a year the
 * calendar does not cover gives no date. */
START_TEST(test_due_moves_off_days_off)
{
    static const char cal_json[] =
        "{\"covered_years\": [2021], \"years\": {\"2021\": {\"days\": ["
        "{\"date\": \"2021-10-01\", \"off\": true}, {\"date\": \"2021-10-04\", \"off\": true},"
        "{\"date\": \"2021-10-09\", \"off\": false}]}}}";
    char err[200];
    struct calendar *cal = calendar_load(cal_json, strlen(cal_json), err, sizeof err);
    ck_assert_msg(cal != NULL, "%s", err);
    sb_day due;
    ck_assert_int_eq(duty_due_on(cal, ymd("2021-12-15"), &due), 0); /* a Wednesday */
    assert_day(due, "2021-12-15");
    ck_assert_int_eq(duty_due_on(cal, ymd("2021-10-01"), &due), 0); /* holiday, weekend, holiday */
    assert_day(due, "2021-10-05");
    ck_assert_int_eq(duty_due_on(cal, ymd("2021-10-09"), &due), 0); /* a Saturday made a workday */
    assert_day(due, "2021-10-09");
    ck_assert_int_eq(duty_due_on(cal, ymd("2022-03-31"), &due), -1);
    calendar_free(cal);
    ck_assert_int_eq(duty_type_find("annual_report"), DUTY_ANNUAL_REPORT);
    ck_assert_int_eq(duty_type_find("refund"), DUTY_REFUND);
    ck_assert_int_eq(duty_type_find("nonsense"), -1);
    ck_assert_str_eq(duty_type_name(DUTY_RECHECK), "recheck");
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("rules_experience_base");
    TCase *tc = tcase_create("checks");
    tcase_add_test(tc, test_all_pass);
    tcase_add_test(tc, test_two_years_boundary);
    tcase_add_test(tc, test_registered);
    tcase_add_test(tc, test_declarations);
    tcase_add_test(tc, test_food_permit_only_with_catering);
    tcase_add_test(tc, test_theme_other);
    tcase_add_test(tc, test_base_fields);
    suite_add_tcase(s, tc);
    tc = tcase_create("stages");
    tcase_add_test(tc, test_direct_status_record);
    tcase_add_test(tc, test_stage_tables);
    tcase_add_test(tc, test_route);
    tcase_add_test(tc, test_grounds);
    suite_add_tcase(s, tc);
    tc = tcase_create("duties");
    tcase_add_test(tc, test_annual_experience_base);
    tcase_add_test(tc, test_annual_incubator);
    tcase_add_test(tc, test_operating_year);
    tcase_add_test(tc, test_due_moves_off_days_off);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
