/*
 * Money and exact comparisons (RULES.md §0): percentages round down to the
 * fen, ratios and growth rates compare exactly at their boundaries, amounts
 * print as yuan for people.
 */
#include <check.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "money.h"

#define E14 100000000000000LL /* 10^14 fen, the field tables' largest amount */

static const struct {
    int64_t amount_fen, percent, want;
} percent_cases[] = {
    {101, 50, 50},         /* 50.5 fen rounds down */
    {1, 50, 0},            /* half a fen is no fen */
    {199, 50, 99},         /* 99.5 */
    {200, 50, 100},        /* exact */
    {99, 1, 0},            /* 0.99 */
    {100, 1, 1},           /* exact */
    {0, 50, 0},            /* nothing */
    {12345, 0, 0},         /* no percentage */
    {12345, 100, 12345},   /* all of it */
    {1000001, 20, 200000}, /* 200,000.2 fen */
    {E14, 50, E14 / 2},    /* the largest amount */
    {E14 + 1, 50, E14 / 2},
    {E14, 100, E14},
};

#define N_PERCENT (sizeof percent_cases / sizeof percent_cases[0])

START_TEST(test_money_percent)
{
    ck_assert_int_eq(money_percent(percent_cases[_i].amount_fen, percent_cases[_i].percent),
                     percent_cases[_i].want);
}
END_TEST

START_TEST(test_money_min)
{
    ck_assert_int_eq(money_min(1, 2), 1);
    ck_assert_int_eq(money_min(2, 1), 1);
    ck_assert_int_eq(money_min(7, 7), 7);
    ck_assert_int_eq(money_min(-5, 3), -5);
    ck_assert_int_eq(money_min(50 * FEN_PER_WAN, 50 * FEN_PER_WAN + 1), 50 * FEN_PER_WAN);
    ck_assert_int_eq(money_min(INT64_MAX, INT64_MIN), INT64_MIN);
}
END_TEST

static const struct {
    int64_t a, b, c, d;
    int want;
} ratio_cases[] = {
    {1, 3, 1, 3, 0},
    {2, 6, 1, 3, 0},
    {1, 3, 1, 2, -1},
    {1, 2, 1, 3, 1},
    {0, 5, 0, 7, 0},
    {3 * (E14 / 10), E14, 3, 10, 0},
    {3 * (E14 / 10) - 1, E14, 3, 10, -1},
    /* 1 - 1/(10^14+1) against 1 - 1/10^14: they differ by about 10^-28,
     * far below what a double can tell apart, yet one is larger. */
    {E14, E14 + 1, E14 - 1, E14, 1},
    {E14 - 1, E14, E14, E14 + 1, -1},
    {E14 + 1, E14 + 2, E14, E14 + 1, 1},
    {E14 - 2, E14 - 1, E14 - 1, E14, -1},
};

#define N_RATIO (sizeof ratio_cases / sizeof ratio_cases[0])

START_TEST(test_ratio_cmp)
{
    ck_assert_int_eq(
        ratio_cmp(ratio_cases[_i].a, ratio_cases[_i].b, ratio_cases[_i].c, ratio_cases[_i].d),
        ratio_cases[_i].want);
}
END_TEST

static const struct {
    int64_t part, whole, percent;
    bool want;
} at_least_cases[] = {
    {30, 100, 30, true},
    {29, 100, 30, false},
    {31, 100, 30, true},
    {300000, 1000000, 30, true}, /* exactly 30 % of 10,000 yuan */
    {299999, 1000000, 30, false},
    {3, 10, 30, true},
    {2, 10, 30, false},
    {1, 10, 10, true},
    {1, 11, 10, false},
    {5, 10, 50, true},
    {4, 9, 44, true}, /* 44.4 % */
    {4, 9, 45, false},
    {1, 3, 33, true},
    {1, 3, 34, false},
    {0, 5, 0, true},
    {0, 5, 1, false},
    {3 * (E14 / 10), E14, 30, true},
    {3 * (E14 / 10) - 1, E14, 30, false},
    {E14, E14, 100, true},
    {E14 - 1, E14, 100, false},
};

#define N_AT_LEAST (sizeof at_least_cases / sizeof at_least_cases[0])

START_TEST(test_ratio_at_least_percent)
{
    ck_assert_int_eq(ratio_at_least_percent(at_least_cases[_i].part, at_least_cases[_i].whole,
                                            at_least_cases[_i].percent),
                     at_least_cases[_i].want);
}
END_TEST

static const struct {
    int64_t v0, v1, v2, percent;
    int want;
} growth_cases[] = {
    /* 5 % and 5 %: exactly 5 % on average. */
    {10000, 10500, 11025, 5, 1},
    {10000, 10500, 11024, 5, 0},
    /* 0 % and 10 %. */
    {100, 100, 110, 5, 1},
    {100, 100, 109, 5, 0},
    /* 10 % and 10 %. */
    {1000, 1100, 1210, 10, 1},
    {1000, 1100, 1209, 10, 0},
    /* -50 % then +100 %: 25 % on average although the figure ends where
     * it started; the gazette's measure is the mean of the rates. */
    {100, 50, 100, 25, 1},
    {100, 50, 100, 26, 0},
    /* Shrinking: -10 % twice. */
    {100, 90, 81, 0, 0},
    {100, 90, 81, -10, 1},
    {100, 90, 80, -10, 0},
    /* No change is 0 %. */
    {700, 700, 700, 0, 1},
    {700, 700, 700, 1, 0},
    /* A base year of 0 (either one) leaves the growth undefined. */
    {0, 100, 200, 5, -1},
    {100, 0, 200, 5, -1},
    {0, 0, 0, 0, -1},
    /* Large amounts stay exact: 0 % and 20 % is 10 % on the dot. */
    {E14, E14, E14 + E14 / 5, 10, 1},
    {E14, E14, E14 + E14 / 5 - 1, 10, 0},
    {1, E14, E14, 10, 1},
};

#define N_GROWTH (sizeof growth_cases / sizeof growth_cases[0])

START_TEST(test_growth_avg)
{
    ck_assert_int_eq(growth_avg_at_least_percent(growth_cases[_i].v0, growth_cases[_i].v1,
                                                 growth_cases[_i].v2, growth_cases[_i].percent),
                     growth_cases[_i].want);
}
END_TEST

static const struct {
    int64_t fen;
    const char *want;
} format_cases[] = {
    {123456789, "1,234,567.89 元"},
    {0, "0.00 元"},
    {5, "0.05 元"},
    {50, "0.50 元"},
    {100, "1.00 元"},
    {99999, "999.99 元"},
    {100000, "1,000.00 元"},
    {2000 * (int64_t)FEN_PER_WAN, "20,000,000.00 元"},
    {-5, "-0.05 元"},
    {-123456789, "-1,234,567.89 元"},
    {E14, "1,000,000,000,000.00 元"},
    {INT64_MIN, "-92,233,720,368,547,758.08 元"},
    {INT64_MAX, "92,233,720,368,547,758.07 元"},
};

#define N_FORMAT (sizeof format_cases / sizeof format_cases[0])

START_TEST(test_money_format)
{
    char out[64];

    money_format(format_cases[_i].fen, out, sizeof out);
    ck_assert_str_eq(out, format_cases[_i].want);
}
END_TEST

static Suite *money_suite(void)
{
    Suite *s = suite_create("money");
    TCase *tc = tcase_create("core");

    tcase_add_loop_test(tc, test_money_percent, 0, N_PERCENT);
    tcase_add_test(tc, test_money_min);
    tcase_add_loop_test(tc, test_ratio_cmp, 0, N_RATIO);
    tcase_add_loop_test(tc, test_ratio_at_least_percent, 0, N_AT_LEAST);
    tcase_add_loop_test(tc, test_growth_avg, 0, N_GROWTH);
    tcase_add_loop_test(tc, test_money_format, 0, N_FORMAT);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(money_suite());
    int failures;

    srunner_run_all(sr, CK_NORMAL);
    failures = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failures != 0 ? EXIT_FAILURE : EXIT_SUCCESS;
}
