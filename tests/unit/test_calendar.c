/*
 * The working-day calendar against the built-in State Council data.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "calendar.h"
#include "embedded.h"
#include "support.h"

static struct calendar *cal;

static void setup(void)
{
    const struct embedded_file *f = embedded_find(embedded_config, "cn-workdays.json");
    ck_assert_ptr_nonnull(f);
    char err[256];
    cal = calendar_load(f->data, f->len, err, sizeof err);
    ck_assert_msg(cal != NULL, "%s", err);
}

static void teardown(void)
{
    calendar_free(cal);
    cal = NULL;
}

static sb_day day(const char *text)
{
    sb_day d;
    ck_assert_msg(date_parse(text, &d), "bad date in test: %s", text);
    return d;
}

static const struct {
    const char *date;
    int workday;
} workday_cases[] = {
    {"2020-01-17", 1}, /* Friday */
    {"2020-01-18", 0}, /* Saturday */
    {"2020-01-19", 1}, /* Sunday worked before the Spring Festival */
    {"2020-01-24", 0}, /* Spring Festival eve */
    {"2020-01-31", 0}, /* the extension of the 2020 holiday to 2 February */
    {"2020-02-02", 0}, /* Sunday, last day of the extension */
    {"2020-02-03", 1}, /* Monday, back to work */
    {"2020-09-27", 1}, /* Sunday worked before National Day */
    {"2020-09-30", 1},  {"2020-10-01", 0}, {"2020-10-08", 0}, /* Thursday, still the holiday */
    {"2020-10-09", 1},  {"2020-10-10", 1},                    /* Saturday worked */
    {"2020-10-11", 0},  {"2019-12-31", 1},                    /* a year boundary: Tuesday */
    {"2020-01-01", 0},                                        /* New Year's Day */
    {"2020-01-02", 1},  {"2026-12-31", 1},                    /* the last covered day */
    {"2018-12-31", -1}, /* listed in the 2019 data, but 2018 is not covered */
    {"2027-01-04", -1}, /* an ordinary Monday in a year not covered: no guess */
    {"1999-06-01", -1},
};

START_TEST(is_workday)
{
    ck_assert_msg(calendar_is_workday(cal, day(workday_cases[_i].date)) ==
                      workday_cases[_i].workday,
                  "%s", workday_cases[_i].date);
}
END_TEST

/* RULES.md §1: the notice starts on the decision day when it is a working
 * day, else the next one; that day is day 1; it ends on the 5th. */
static const struct {
    const char *decided, *starts, *ends;
} notice_cases[] = {
    {"2020-09-29", "2020-09-29", "2020-10-12"}, /* across National Day and 10-10 */
    {"2020-09-30", "2020-09-30", "2020-10-13"},
    {"2020-10-01", "2020-10-09", "2020-10-14"}, /* decided on a holiday */
    {"2020-01-23", "2020-01-23", "2020-02-06"}, /* across the extended Spring Festival */
    {"2020-01-18", "2020-01-19", "2020-01-23"}, /* Saturday off, Sunday worked */
    {"2019-12-27", "2019-12-27", "2020-01-03"}, /* across the year boundary and New Year */
    {"2020-11-16", "2020-11-16", "2020-11-20"}, /* an ordinary week */
};

START_TEST(notice_period)
{
    sb_day start, end;
    ck_assert_int_eq(calendar_workday_on_or_after(cal, day(notice_cases[_i].decided), &start), 0);
    ck_assert_int_eq(calendar_nth_workday(cal, start, 5, &end), 0);
    char s[DATE_TEXT_LEN], e[DATE_TEXT_LEN];
    date_format(start, s);
    date_format(end, e);
    ck_assert_str_eq(s, notice_cases[_i].starts);
    ck_assert_str_eq(e, notice_cases[_i].ends);
}
END_TEST

START_TEST(counting_out_of_coverage_is_an_error)
{
    sb_day out = 0;
    /* 2026-12-28 is a Monday: its 5th working day would be in 2027. */
    ck_assert_int_eq(calendar_nth_workday(cal, day("2026-12-28"), 5, &out), -1);
    ck_assert_int_eq(calendar_nth_workday(cal, day("2026-12-28"), 4, &out), 0);
    ck_assert_int_eq(out, day("2026-12-31"));
    ck_assert_int_eq(calendar_nth_workday(cal, day("2020-01-02"), 0, &out), -1);
}
END_TEST

START_TEST(malformed_data_refused)
{
    char err[256];
    static const char *const bad[] = {
        "",
        "[]",
        "{\"covered_years\": [], \"years\": {}}",
        "{\"covered_years\": [2020], \"years\": {\"2020\": {}}}",
        "{\"covered_years\": [2020], \"years\": {\"2020\": {\"days\": [{\"date\": \"2020-02-30\", "
        "\"off\": true}]}}}",
        "{\"covered_years\": [2020], \"years\": {\"2020\": {\"days\": [{\"date\": \"2020-10-01\", "
        "\"off\": true}, {\"date\": \"2020-10-01\", \"off\": false}]}}}",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        err[0] = '\0';
        struct calendar *c = calendar_load(bad[i], strlen(bad[i]), err, sizeof err);
        ck_assert_msg(c == NULL, "accepted: %s", bad[i]);
        ck_assert_msg(err[0] != '\0', "no reason for: %s", bad[i]);
    }
}
END_TEST

/* An operator's copy of the file (config "workdays_file"), as an operator
 * would edit the built-in one: each edit below must be refused with a
 * reason that names what is wrong. */
static json_t *builtin_doc(void)
{
    const struct embedded_file *f = embedded_find(embedded_config, "cn-workdays.json");
    json_error_t jerr;
    json_t *doc = json_loadb(f->data, f->len, 0, &jerr);
    ck_assert_msg(doc != NULL, "%s", jerr.text);
    return doc;
}

static json_t *years_array(const int *years, size_t n)
{
    json_t *a = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(a, json_integer(years[i]));
    return a;
}

/* Loads doc as an operator's file; returns the calendar (or NULL, with the
 * reason in err).  Takes the reference. */
static struct calendar *load_doc(json_t *doc, char *err, size_t errlen)
{
    char *text = json_dumps(doc, 0);
    json_decref(doc);
    ck_assert_ptr_nonnull(text);
    err[0] = '\0';
    struct calendar *c = calendar_load(text, strlen(text), err, errlen);
    free(text);
    return c;
}

static void expect_refused(json_t *doc, const char *what, const char *const *reason_has)
{
    char err[256];
    struct calendar *c = load_doc(doc, err, sizeof err);
    ck_assert_msg(c == NULL, "%s: accepted", what);
    for (size_t i = 0; reason_has[i]; i++)
        ck_assert_msg(strstr(err, reason_has[i]) != NULL, "%s: the reason \"%s\" lacks \"%s\"",
                      what, err, reason_has[i]);
}

START_TEST(operator_file_unchanged_loads)
{
    char err[256];
    struct calendar *c = load_doc(builtin_doc(), err, sizeof err);
    ck_assert_msg(c != NULL, "%s", err);
    ck_assert_int_eq(calendar_is_workday(c, day("2020-10-09")), 1);
    calendar_free(c);
}
END_TEST

START_TEST(operator_file_with_a_gap)
{
    /* 2021 left out of covered_years (its list kept or removed). */
    static const int gap[] = {2019, 2020, 2022, 2023, 2024, 2025, 2026};
    json_t *doc = builtin_doc();
    json_object_set_new(doc, "covered_years", years_array(gap, 7));
    json_object_del(json_object_get(doc, "years"), "2021");
    expect_refused(doc, "gap", (const char *const[]){"gap", "2021", NULL});

    /* Only the ends, out of order. */
    static const int ends[] = {2026, 2019};
    doc = builtin_doc();
    json_object_set_new(doc, "covered_years", years_array(ends, 2));
    expect_refused(doc, "ends only", (const char *const[]){"gap", "2020", NULL});

    /* Two years apart, each with its list. */
    static const int apart[] = {2019, 2021};
    doc = builtin_doc();
    json_object_set_new(doc, "covered_years", years_array(apart, 2));
    json_t *y = json_object_get(doc, "years");
    for (int year = 2020; year <= 2026; year++) {
        char key[8];
        snprintf(key, sizeof key, "%d", year);
        if (year != 2021)
            json_object_del(y, key);
    }
    expect_refused(doc, "apart", (const char *const[]){"gap", "2020", NULL});
}
END_TEST

START_TEST(operator_file_with_missing_or_extra_years)
{
    /* A covered year without its holidays. */
    json_t *doc = builtin_doc();
    json_object_del(json_object_get(doc, "years"), "2023");
    expect_refused(doc, "2023 missing", (const char *const[]){"2023", "years", NULL});

    /* The next year's holidays added, but not to covered_years. */
    doc = builtin_doc();
    json_object_set_new(json_object_get(doc, "years"), "2027",
                        support_json("{\"days\": [{\"date\": \"2027-01-01\", \"off\": true}]}"));
    expect_refused(doc, "2027 not covered", (const char *const[]){"2027", "covered_years", NULL});

    /* A year listed twice. */
    static const int twice[] = {2019, 2020, 2021, 2022, 2023, 2024, 2025, 2026, 2024};
    doc = builtin_doc();
    json_object_set_new(doc, "covered_years", years_array(twice, 9));
    expect_refused(doc, "twice", (const char *const[]){"2024", "twice", NULL});

    /* A key that is not a year. */
    doc = builtin_doc();
    json_object_set_new(json_object_get(doc, "years"), "20x0", json_object());
    expect_refused(doc, "not a year", (const char *const[]){"20x0", NULL});

    /* The next year added properly is accepted, and then covered. */
    static const int next[] = {2019, 2020, 2021, 2022, 2023, 2024, 2025, 2026, 2027};
    doc = builtin_doc();
    json_object_set_new(doc, "covered_years", years_array(next, 9));
    json_object_set_new(json_object_get(doc, "years"), "2027",
                        support_json("{\"days\": [{\"date\": \"2027-01-01\", \"off\": true}]}"));
    char err[256];
    struct calendar *c = load_doc(doc, err, sizeof err);
    ck_assert_msg(c != NULL, "%s", err);
    ck_assert_int_eq(calendar_is_workday(c, day("2027-01-01")), 0);
    ck_assert_int_eq(calendar_is_workday(c, day("2027-01-04")), 1);
    ck_assert_int_eq(calendar_is_workday(c, day("2028-01-03")), -1);
    calendar_free(c);
}
END_TEST

/* Each malformed entry of one year, the rest of the file as built in. */
static const struct {
    const char *entry, *reason;
} malformed_entries[] = {
    {"{\"date\": \"2020-02-30\", \"off\": true}", "day 0"},
    {"{\"date\": \"2020-10-1\", \"off\": true}", "day 0"},
    {"{\"date\": \"20201001\", \"off\": true}", "day 0"},
    {"{\"date\": 20201001, \"off\": true}", "day 0"},
    {"{\"date\": \"2020-10-01\", \"off\": \"yes\"}", "off: true/false"},
    {"{\"date\": \"2020-10-01\", \"off\": 1}", "off: true/false"},
    {"{\"date\": \"2020-10-01\"}", "off: true/false"},
    {"{\"off\": true}", "needs a date"},
    {"\"2020-10-01\"", "needs a date"},
    {"{\"date\": \"2024-10-01\", \"off\": true}", "2024-10-01"}, /* not a day of 2020 */
    {"{\"date\": \"2018-12-31\", \"off\": true}", "2018-12-31"},
    {"{\"date\": \"2020-10-01\", \"off\": false}", "both as off and worked"},
};

START_TEST(operator_file_with_a_malformed_entry)
{
    json_t *doc = builtin_doc();
    json_t *days = json_object_get(json_object_get(json_object_get(doc, "years"), "2020"), "days");
    ck_assert(json_is_array(days));
    json_array_insert_new(days, 0, support_json(malformed_entries[_i].entry));
    expect_refused(doc, malformed_entries[_i].entry,
                   (const char *const[]){"2020", malformed_entries[_i].reason, NULL});
}
END_TEST

/* A year with no exceptions at all: Monday to Friday (no list to search). */
START_TEST(no_exceptions)
{
    static const char text[] = "{\"covered_years\": [2099], \"years\": {\"2099\": {\"days\": []}}}";
    char err[256];
    struct calendar *c = calendar_load(text, strlen(text), err, sizeof err);
    ck_assert_msg(c != NULL, "%s", err);
    ck_assert_int_eq(calendar_is_workday(c, day("2099-03-02")), 1); /* Monday */
    ck_assert_int_eq(calendar_is_workday(c, day("2099-03-07")), 0); /* Saturday */
    ck_assert_int_eq(calendar_is_workday(c, day("2098-12-31")), -1);
    sb_day out;
    ck_assert_int_eq(calendar_nth_workday(c, day("2099-03-07"), 5, &out), 0);
    ck_assert_int_eq(out, day("2099-03-13"));
    calendar_free(c);
}
END_TEST

START_TEST(covered_years)
{
    int first, last;
    calendar_years(cal, &first, &last);
    ck_assert_int_eq(first, 2019);
    ck_assert_int_eq(last, 2026);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("calendar");
    TCase *tc = tcase_create("workdays");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_loop_test(tc, is_workday, 0, sizeof workday_cases / sizeof workday_cases[0]);
    tcase_add_loop_test(tc, notice_period, 0, sizeof notice_cases / sizeof notice_cases[0]);
    tcase_add_test(tc, counting_out_of_coverage_is_an_error);
    tcase_add_test(tc, malformed_data_refused);
    tcase_add_test(tc, covered_years);
    tcase_add_test(tc, operator_file_unchanged_loads);
    tcase_add_test(tc, no_exceptions);
    tcase_add_test(tc, operator_file_with_a_gap);
    tcase_add_test(tc, operator_file_with_missing_or_extra_years);
    tcase_add_loop_test(tc, operator_file_with_a_malformed_entry, 0,
                        sizeof malformed_entries / sizeof malformed_entries[0]);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
