/*
 * Sign-in throttling: the delay arithmetic, the three tables, what a
 * success and a cancelled attempt do, forgetting, and a full table.
 */
#include "throttle.h"

#include <check.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define S  1000LL             /* milliseconds */
#define T0 (1601344800LL * S) /* 2020-09-29T02:00:00Z */

/* The defaults of config.c. */
static const struct throttle_policy defaults = {
    .free_pair = 3,
    .free_address = 10,
    .free_account = 5,
    .base_s = 1,
    .max_s = 900,
    .account_max_s = 180,
};

static struct throttle *new_throttle(void)
{
    struct throttle *t = calloc(1, sizeof *t);
    ck_assert_ptr_nonnull(t);
    ck_assert_int_eq(pthread_mutex_init(&t->lock, NULL), 0);
    return t;
}

static void free_throttle(struct throttle *t)
{
    pthread_mutex_destroy(&t->lock);
    free(t);
}

/* One failed attempt at now; returns what throttle_begin() said. */
static unsigned fail_once(struct throttle *t, const struct throttle_policy *p, const char *email,
                          const char *addr, int64_t now)
{
    unsigned wait = throttle_begin(t, p, email, addr, now);
    if (wait == 0)
        throttle_failed(t, email, addr, now);
    return wait;
}

START_TEST(test_delay_arithmetic)
{
    static const struct {
        unsigned n, free, base, max;
        int64_t ms;
    } cases[] = {
        {0, 3, 1, 900, 0},        {3, 3, 1, 900, 0},          {4, 3, 1, 900, 1 * S},
        {5, 3, 1, 900, 2 * S},    {6, 3, 1, 900, 4 * S},      {13, 3, 1, 900, 512 * S},
        {14, 3, 1, 900, 900 * S}, {1000, 3, 1, 900, 900 * S}, {UINT32_MAX, 3, 1, 900, 900 * S},
        {1, 0, 1, 900, 1 * S},    {6, 5, 2, 180, 2 * S},      {9, 5, 2, 180, 16 * S},
        {12, 5, 2, 180, 128 * S}, {13, 5, 2, 180, 180 * S},   {40, 5, 3600, 86400, 86400 * S},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        ck_assert_msg(throttle_delay_ms(cases[i].n, cases[i].free, cases[i].base, cases[i].max) ==
                          cases[i].ms,
                      "case %zu: n=%u free=%u base=%u max=%u", i, cases[i].n, cases[i].free,
                      cases[i].base, cases[i].max);
}
END_TEST

/* One address against one account: 4 tries at once, then 1, 2, 4 … s. */
START_TEST(test_pair_doubles)
{
    struct throttle *t = new_throttle();
    int64_t now = T0;

    for (int i = 0; i < 4; i++)
        ck_assert_uint_eq(fail_once(t, &defaults, "a@example.com", "192.0.2.1", now), 0);
    ck_assert_uint_eq(throttle_begin(t, &defaults, "a@example.com", "192.0.2.1", now), 1);
    ck_assert_uint_eq(throttle_begin(t, &defaults, "a@example.com", "192.0.2.1", now + 999), 1);
    now += 1 * S;
    ck_assert_uint_eq(fail_once(t, &defaults, "a@example.com", "192.0.2.1", now), 0);
    ck_assert_uint_eq(throttle_begin(t, &defaults, "a@example.com", "192.0.2.1", now), 2);
    /* A refused attempt counts nothing: still 2 s from the last failure. */
    ck_assert_uint_eq(throttle_begin(t, &defaults, "a@example.com", "192.0.2.1", now + S), 1);
    now += 2 * S;
    ck_assert_uint_eq(fail_once(t, &defaults, "a@example.com", "192.0.2.1", now), 0);
    ck_assert_uint_eq(throttle_begin(t, &defaults, "a@example.com", "192.0.2.1", now), 4);
    /* Another account from the same address, the same account from another. */
    ck_assert_uint_eq(throttle_begin(t, &defaults, "b@example.com", "192.0.2.1", now), 0);
    free_throttle(t);
}
END_TEST

/* The delay runs from the end of the check, not from its start. */
START_TEST(test_delay_from_the_failure)
{
    struct throttle *t = new_throttle();
    const struct throttle_policy p = {.free_pair = 0, .base_s = 1, .max_s = 900};

    ck_assert_uint_eq(throttle_begin(t, &p, "a@example.com", "192.0.2.1", T0), 0);
    throttle_failed(t, "a@example.com", "192.0.2.1", T0 + 700);
    ck_assert_uint_eq(throttle_begin(t, &p, "a@example.com", "192.0.2.1", T0 + 1000), 1);
    ck_assert_uint_eq(throttle_begin(t, &p, "a@example.com", "192.0.2.1", T0 + 1700), 0);
    free_throttle(t);
}
END_TEST

/* Many addresses against one account: one guess per 3 minutes at most;
 * the owner at a new address waits at most that, at a known one not at
 * all. */
START_TEST(test_account_bounded_and_owner_exempt)
{
    struct throttle *t = new_throttle();
    char addr[32];
    int64_t now = T0;
    unsigned wait = 0;

    throttle_remember(t, "v@example.com", "198.51.100.7", now);
    for (int i = 0; i < 200; i++) {
        snprintf(addr, sizeof addr, "203.0.113.%d", i % 250);
        wait = fail_once(t, &defaults, "v@example.com", addr, now);
        if (wait > 0) {
            ck_assert_uint_le(wait, 180);
            now += (int64_t)wait * S;
        }
    }
    /* The attackers made the account wait the longest it waits. */
    ck_assert_uint_eq(throttle_begin(t, &defaults, "v@example.com", "192.0.2.99", now), 180);
    /* Not the owner at home. */
    ck_assert_uint_eq(throttle_begin(t, &defaults, "v@example.com", "198.51.100.7", now), 0);
    throttle_succeeded(t, "v@example.com", "198.51.100.7", now);
    /* Nor a month later: known for 30 days from the last sign-in. */
    now += THROTTLE_KNOWN_MS - S;
    ck_assert_uint_eq(throttle_begin(t, &defaults, "v@example.com", "198.51.100.7", now), 0);
    throttle_cancel(t, "v@example.com", "198.51.100.7");
    free_throttle(t);
}
END_TEST

/* One address spraying many accounts: 10 free, then doubling. */
START_TEST(test_address_spraying)
{
    struct throttle *t = new_throttle();
    char email[32];
    unsigned waits[3] = {0};
    int64_t now = T0;
    int n = 0;

    for (int i = 0; n < 3; i++) {
        snprintf(email, sizeof email, "u%d@example.com", i);
        unsigned w = fail_once(t, &defaults, email, "192.0.2.5", now);
        if (w > 0) {
            ck_assert_int_eq(i, 11 + n);
            waits[n++] = w;
            now += (int64_t)w * S;
            i--; /* the same account again, now allowed */
        }
    }
    ck_assert_uint_eq(waits[0], 1);
    ck_assert_uint_eq(waits[1], 2);
    ck_assert_uint_eq(waits[2], 4);
    free_throttle(t);
}
END_TEST

START_TEST(test_success_and_cancel)
{
    struct throttle *t = new_throttle();
    const struct throttle_policy p = {.free_pair = 1,
                                      .free_address = 1,
                                      .free_account = 1,
                                      .base_s = 1,
                                      .max_s = 900,
                                      .account_max_s = 60};

    /* A success forgets the failures of its account and address. */
    ck_assert_uint_eq(fail_once(t, &p, "a@example.com", "192.0.2.1", T0), 0);
    ck_assert_uint_eq(throttle_begin(t, &p, "a@example.com", "192.0.2.1", T0), 0);
    throttle_succeeded(t, "a@example.com", "192.0.2.1", T0);
    ck_assert_uint_eq(fail_once(t, &p, "a@example.com", "192.0.2.1", T0), 0);
    /* but the address's failure stays: it now has 2, one more than free */
    ck_assert_uint_eq(throttle_begin(t, &p, "b@example.com", "192.0.2.1", T0), 1);

    /* A cancelled attempt is as if it had not been. */
    ck_assert_uint_eq(throttle_begin(t, &p, "c@example.com", "192.0.2.2", T0), 0);
    throttle_cancel(t, "c@example.com", "192.0.2.2");
    ck_assert_uint_eq(fail_once(t, &p, "c@example.com", "192.0.2.2", T0), 0);
    ck_assert_uint_eq(throttle_begin(t, &p, "c@example.com", "192.0.2.2", T0), 0);
    free_throttle(t);
}
END_TEST

/* Attempts side by side: each is counted when it begins. */
START_TEST(test_counted_when_begun)
{
    struct throttle *t = new_throttle();
    int allowed = 0;

    for (int i = 0; i < 10; i++)
        allowed += throttle_begin(t, &defaults, "a@example.com", "192.0.2.1", T0) == 0;
    ck_assert_int_eq(allowed, 4);
    free_throttle(t);
}
END_TEST

START_TEST(test_forgotten_after_a_day)
{
    struct throttle *t = new_throttle();

    for (int i = 0; i < 20; i++)
        fail_once(t, &defaults, "a@example.com", "192.0.2.1", T0 + i * 900 * S);
    ck_assert_uint_gt(throttle_begin(t, &defaults, "a@example.com", "192.0.2.1", T0 + 19 * 900 * S),
                      0);
    int64_t later = T0 + 19 * 900 * S + THROTTLE_FORGET_MS;
    for (int i = 0; i < 4; i++)
        ck_assert_uint_eq(fail_once(t, &defaults, "a@example.com", "192.0.2.1", later), 0);
    ck_assert_uint_eq(throttle_begin(t, &defaults, "a@example.com", "192.0.2.1", later), 1);
    free_throttle(t);
}
END_TEST

/* More keys than slots: nothing breaks, the newest are kept. */
START_TEST(test_full_table)
{
    struct throttle *t = new_throttle();
    char email[48];

    for (int i = 0; i < 3 * THROTTLE_SLOTS; i++) {
        snprintf(email, sizeof email, "flood%d@example.com", i);
        throttle_begin(t, &defaults, email, "192.0.2.1", T0 + i);
        throttle_failed(t, email, "192.0.2.1", T0 + i);
    }
    for (int i = 0; i < 4; i++)
        fail_once(t, &defaults, "victim@example.com", "198.51.100.1", T0 + 3 * THROTTLE_SLOTS);
    ck_assert_uint_eq(
        throttle_begin(t, &defaults, "victim@example.com", "198.51.100.1", T0 + 3 * THROTTLE_SLOTS),
        1);
    free_throttle(t);
}
END_TEST

static Suite *throttle_suite(void)
{
    Suite *s = suite_create("throttle");
    TCase *tc = tcase_create("throttle");

    tcase_add_test(tc, test_delay_arithmetic);
    tcase_add_test(tc, test_pair_doubles);
    tcase_add_test(tc, test_delay_from_the_failure);
    tcase_add_test(tc, test_account_bounded_and_owner_exempt);
    tcase_add_test(tc, test_address_spraying);
    tcase_add_test(tc, test_success_and_cancel);
    tcase_add_test(tc, test_counted_when_begun);
    tcase_add_test(tc, test_forgotten_after_a_day);
    tcase_add_test(tc, test_full_table);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    if (sodium_init() < 0)
        return EXIT_FAILURE;
    SRunner *sr = srunner_create(throttle_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
