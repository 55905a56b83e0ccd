/*
 * Calendar dates: parsing, formatting, day numbers, weekdays, month
 * arithmetic and the Asia/Shanghai date of an instant.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "date.h"

static const struct {
    const char *text;
    bool ok;
} parse_cases[] = {
    {"2020-02-29", true},  /* leap year */
    {"2019-02-29", false}, /* not a leap year */
    {"1900-02-29", false}, /* divisible by 100, not by 400 */
    {"2000-02-29", true},  /* divisible by 400 */
    {"2019-02-28", true},
    {"2020-12-31", true},
    {"2020-04-31", false},
    {"2020-04-30", true},
    {"2020-13-01", false},
    {"2020-00-10", false},
    {"2020-01-00", false},
    {"2020-01-32", false},
    {"2020-1-01", false},
    {"2020-01-1", false},
    {"20-01-01", false},
    {"2020/01/01", false},
    {"2020-01-01x", false},
    {"2020-01-01 ", false},
    {" 2020-01-01", false},
    {"2020-01-01T00:00:00Z", false},
    {"+2020-01-01", false},
    {"2020-+1-01", false},
    {"", false},
    {"1899-12-31", false}, /* before the supported range */
    {"1900-01-01", true},
    {"9999-12-31", true},
    {"１９７０-01-01", false}, /* full-width digits */
};

#define N_PARSE (sizeof parse_cases / sizeof parse_cases[0])

START_TEST(test_parse)
{
    sb_day day = 12345;
    bool ok = date_parse(parse_cases[_i].text, &day);

    ck_assert_msg(ok == parse_cases[_i].ok, "'%s': expected %s", parse_cases[_i].text,
                  parse_cases[_i].ok ? "valid" : "invalid");
    if (!ok)
        ck_assert_int_eq(day, 12345); /* untouched */
}
END_TEST

static const struct {
    const char *text;
    sb_day day;
    int weekday;
} known_days[] = {
    {"1970-01-01", 0, 4},       {"1969-12-31", -1, 3},    {"2000-03-01", 11017, 3},
    {"2020-02-29", 18321, 6},   {"2020-07-28", 18471, 2}, {"1900-01-01", -25567, 1},
    {"9999-12-31", 2932896, 5},
};

#define N_KNOWN (sizeof known_days / sizeof known_days[0])

START_TEST(test_known_days)
{
    char text[DATE_TEXT_LEN];
    sb_day day;
    int y, m, d;

    ck_assert(date_parse(known_days[_i].text, &day));
    ck_assert_int_eq(day, known_days[_i].day);
    ck_assert_int_eq(date_weekday(day), known_days[_i].weekday);
    date_format(day, text);
    ck_assert_str_eq(text, known_days[_i].text);
    date_to_ymd(day, &y, &m, &d);
    ck_assert_int_eq(date_from_ymd(y, m, d), day);
}
END_TEST

/* Every day from 1900 to 2100 formats to text that parses back to it, and
 * consecutive day numbers are consecutive dates. */
START_TEST(test_round_trip)
{
    sb_day first = date_from_ymd(1900, 1, 1), last = date_from_ymd(2100, 12, 31);
    int py, pm, pd;

    date_to_ymd(first - 1, &py, &pm, &pd);
    ck_assert(py == 1899 && pm == 12 && pd == 31);
    for (sb_day day = first; day <= last; day++) {
        char text[DATE_TEXT_LEN];
        sb_day back;
        int y, m, d;

        date_format(day, text);
        ck_assert_msg(date_parse(text, &back) && back == day, "%s", text);
        date_to_ymd(day, &y, &m, &d);
        if (d == 1) {
            ck_assert(pd >= 28);
            ck_assert(m == pm + 1 || (m == 1 && pm == 12 && y == py + 1));
        } else {
            ck_assert(d == pd + 1 && m == pm && y == py);
        }
        ck_assert_int_eq(date_weekday(day) % 7, (date_weekday(day - 1) + 1) % 7);
        py = y;
        pm = m;
        pd = d;
    }
}
END_TEST

static const struct {
    const char *from;
    int months;
    const char *to;
} month_cases[] = {
    {"2020-02-29", 12, "2021-02-28"}, /* no 29 February: last day */
    {"2019-07-28", 12, "2020-07-28"}, /* RULES.md §0: the year is full on 2020-07-28 */
    {"2020-01-31", 1, "2020-02-29"},
    {"2019-01-31", 1, "2019-02-28"},
    {"2020-03-31", 1, "2020-04-30"},
    {"2020-03-31", -1, "2020-02-29"},
    {"2020-01-15", -1, "2019-12-15"},
    {"2019-12-15", 1, "2020-01-15"},
    {"2020-01-31", 13, "2021-02-28"},
    {"2020-05-18", 36, "2023-05-18"}, /* three-year certificate validity */
    {"2020-05-18", 0, "2020-05-18"},
    {"2020-02-29", 48, "2024-02-29"},
    {"2020-02-29", -12, "2019-02-28"},
    {"2020-06-30", -30, "2017-12-30"},
};

#define N_MONTHS (sizeof month_cases / sizeof month_cases[0])

START_TEST(test_add_months)
{
    char text[DATE_TEXT_LEN];
    sb_day day;

    ck_assert(date_parse(month_cases[_i].from, &day));
    date_format(date_add_months(day, month_cases[_i].months), text);
    ck_assert_str_eq(text, month_cases[_i].to);
}
END_TEST

static const struct {
    int64_t unix_seconds;
    const char *date;
} unix_cases[] = {
    {1595865599, "2020-07-27"}, /* 2020-07-27T15:59:59Z = 23:59:59 in Shanghai */
    {1595865600, "2020-07-28"}, /* 2020-07-27T16:00:00Z = midnight in Shanghai */
    {1595923199, "2020-07-28"}, /* 2020-07-28T07:59:59Z */
    {0, "1970-01-01"},          {-28800, "1970-01-01"},     /* 1969-12-31T16:00:00Z */
    {-28801, "1969-12-31"},     {1609430399, "2020-12-31"}, /* 2020-12-31T15:59:59Z */
    {1609430400, "2021-01-01"},
};

#define N_UNIX (sizeof unix_cases / sizeof unix_cases[0])

START_TEST(test_date_of_unix)
{
    char text[DATE_TEXT_LEN];

    date_format(date_of_unix(unix_cases[_i].unix_seconds), text);
    ck_assert_str_eq(text, unix_cases[_i].date);
}
END_TEST

static Suite *date_suite(void)
{
    Suite *s = suite_create("date");
    TCase *tc = tcase_create("core");

    tcase_add_loop_test(tc, test_parse, 0, N_PARSE);
    tcase_add_loop_test(tc, test_known_days, 0, N_KNOWN);
    tcase_add_test(tc, test_round_trip);
    tcase_add_loop_test(tc, test_add_months, 0, N_MONTHS);
    tcase_add_loop_test(tc, test_date_of_unix, 0, N_UNIX);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(date_suite());
    int failures;

    srunner_run_all(sr, CK_NORMAL);
    failures = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failures != 0 ? EXIT_FAILURE : EXIT_SUCCESS;
}
