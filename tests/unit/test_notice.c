/*
 * The public notice (RULES.md §1, notice.h) against the built-in State
 * Council calendar: 5 working days, starting on the decision day when it is
 * a working day, else on the next one; running from 00:00 of the first day
 * to 24:00 of the last, Asia/Shanghai.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "calendar.h"
#include "clock.h"
#include "embedded.h"
#include "notice.h"

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

/* An instant given as "YYYY-MM-DD" and seconds after 00:00 Asia/Shanghai. */
static int64_t at(const char *date, int64_t seconds)
{
    return (int64_t)day(date) * 86400 - 8 * 3600 + seconds;
}

static const struct {
    const char *decided, *starts, *ends, *why;
} period_cases[] = {
    /* An ordinary week: Monday is day 1, Friday day 5. */
    {"2020-11-16", "2020-11-16", "2020-11-20", "Monday: days 1-5 are Mon-Fri"},
    {"2020-11-17", "2020-11-17", "2020-11-23", "Tuesday: the weekend is skipped"},
    {"2020-11-20", "2020-11-20", "2020-11-26", "Friday: day 1 on the decision day"},
    /* Decided on a day off: day 1 is the next working day. */
    {"2020-11-21", "2020-11-23", "2020-11-27", "Saturday: starts Monday"},
    {"2020-11-22", "2020-11-23", "2020-11-27", "Sunday: starts Monday"},
    {"2020-10-01", "2020-10-09", "2020-10-14", "National Day: starts after the holiday"},
    {"2020-10-08", "2020-10-09", "2020-10-14", "the holiday's last day"},
    /* Weekend days worked (调休) count. */
    {"2020-09-29", "2020-09-29", "2020-10-12", "across National Day, with 09-27 and 10-10"},
    {"2020-10-09", "2020-10-09", "2020-10-14", "Friday, then Saturday 10-10 worked"},
    {"2020-01-18", "2020-01-19", "2020-01-23", "Saturday off, Sunday worked: starts Sunday"},
    /* Across the extended Spring Festival and the year boundary. */
    {"2020-01-23", "2020-01-23", "2020-02-06", "the 2020 Spring Festival extension"},
    {"2019-12-27", "2019-12-27", "2020-01-03", "across New Year"},
    {"2026-12-24", "2026-12-24", "2026-12-30", "the last covered week"},
};

START_TEST(period)
{
    sb_day starts = -1, ends = -1;
    ck_assert_int_eq(notice_period(cal, day(period_cases[_i].decided), &starts, &ends), 0);
    char s[DATE_TEXT_LEN], e[DATE_TEXT_LEN];
    date_format(starts, s);
    date_format(ends, e);
    ck_assert_msg(strcmp(s, period_cases[_i].starts) == 0 && strcmp(e, period_cases[_i].ends) == 0,
                  "%s (decided %s): %s to %s, expected %s to %s", period_cases[_i].why,
                  period_cases[_i].decided, s, e, period_cases[_i].starts, period_cases[_i].ends);
    /* Exactly 5 working days, the first and the last among them. */
    int n = 0;
    for (sb_day d = starts; d <= ends; d++)
        n += calendar_is_workday(cal, d) == 1;
    ck_assert_int_eq(n, NOTICE_WORKING_DAYS);
    ck_assert_int_eq(calendar_is_workday(cal, starts), 1);
    ck_assert_int_eq(calendar_is_workday(cal, ends), 1);
}
END_TEST

/* A period the calendar cannot count is an error, never a guess. */
START_TEST(period_outside_the_calendar)
{
    sb_day starts = 7, ends = 7;
    /* 2026-12-28 (Monday): its 5th working day would be in 2027. */
    ck_assert_int_eq(notice_period(cal, day("2026-12-28"), &starts, &ends), -1);
    ck_assert_int_eq(notice_period(cal, day("2027-01-04"), &starts, &ends), -1);
    ck_assert_int_eq(notice_period(cal, day("2018-12-28"), &starts, &ends), -1);
    ck_assert_int_eq(starts, 7);
    ck_assert_int_eq(ends, 7);
    /* The latest decision that still fits: Thursday 12-24 (above), and
     * Friday 12-25 ends on 12-31. */
    ck_assert_int_eq(notice_period(cal, day("2026-12-25"), &starts, &ends), 0);
    ck_assert_int_eq(ends, day("2026-12-31"));
}
END_TEST

/* From 00:00 of the first day to 24:00 of the last, Asia/Shanghai (UTC+8):
 * the last second of 10-12 is inside, the first of 10-13 is not. */
START_TEST(running_and_over)
{
    sb_day starts = day("2020-09-29"), ends = day("2020-10-12");

    ck_assert(!notice_running(starts, ends, at("2020-09-28", 86399)));
    ck_assert(notice_running(starts, ends, at("2020-09-29", 0)));
    ck_assert(notice_running(starts, ends, at("2020-10-01", 43200)));
    ck_assert(notice_running(starts, ends, at("2020-10-12", 0)));
    ck_assert(notice_running(starts, ends, at("2020-10-12", 86399)));
    ck_assert(!notice_running(starts, ends, at("2020-10-13", 0)));
    ck_assert(!notice_running(starts, ends, at("2020-10-20", 0)));

    ck_assert(!notice_over(ends, at("2020-09-29", 0)));
    ck_assert(!notice_over(ends, at("2020-10-12", 86399)));
    ck_assert(notice_over(ends, at("2020-10-13", 0)));
    ck_assert(notice_over(ends, at("2020-10-13", 1)));
    ck_assert(notice_over(ends, at("2021-01-01", 0)));

    /* 2020-10-12T16:00:00Z is 2020-10-13T00:00:00+08:00: over in Beijing
     * although still the 12th in UTC. */
    int64_t t;
    ck_assert_int_eq(clock_parse_rfc3339("2020-10-12T15:59:59Z", &t), 0);
    ck_assert(notice_running(starts, ends, t));
    ck_assert(!notice_over(ends, t));
    ck_assert_int_eq(clock_parse_rfc3339("2020-10-12T16:00:00Z", &t), 0);
    ck_assert(!notice_running(starts, ends, t));
    ck_assert(notice_over(ends, t));
    ck_assert_int_eq(clock_parse_rfc3339("2020-10-12T23:59:59+08:00", &t), 0);
    ck_assert(!notice_over(ends, t));
    ck_assert_int_eq(clock_parse_rfc3339("2020-10-13T00:00:00+08:00", &t), 0);
    ck_assert(notice_over(ends, t));
}
END_TEST

/* A one-day notice (starts == ends) runs that day only. */
START_TEST(one_day)
{
    sb_day d = day("2020-11-16");
    ck_assert(!notice_running(d, d, at("2020-11-15", 86399)));
    ck_assert(notice_running(d, d, at("2020-11-16", 0)));
    ck_assert(notice_running(d, d, at("2020-11-16", 86399)));
    ck_assert(!notice_running(d, d, at("2020-11-17", 0)));
}
END_TEST

int main(void)
{
    Suite *s = suite_create("notice");
    TCase *tc = tcase_create("notice");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_loop_test(tc, period, 0, sizeof period_cases / sizeof period_cases[0]);
    tcase_add_test(tc, period_outside_the_calendar);
    tcase_add_test(tc, running_and_over);
    tcase_add_test(tc, one_day);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
