/*
 * Unified Social Credit Code: check character, validity, Beijing division.
 * Test values from the project's USCC notes (real, publicly listed codes).
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "uscc.h"

static const char CHARSET[] = "0123456789ABCDEFGHJKLMNPQRTUWXY";

static const struct {
    const char *code;
    bool beijing;
} valid_codes[] = {
    {"91110000802100433B", true},
    {"91110108551385082Q", true},
    {"91330100799655058B", false},
    {"9144030071526726XG", false},
};

#define N_VALID (sizeof valid_codes / sizeof valid_codes[0])

START_TEST(test_valid_codes)
{
    const char *code = valid_codes[_i].code;

    ck_assert_msg(uscc_valid(code), "%s should be valid", code);
    ck_assert_int_eq(uscc_check_char(code), code[USCC_LEN - 1]);
    ck_assert_int_eq(uscc_in_beijing(code), valid_codes[_i].beijing);
}
END_TEST

/* Every other check character must fail, including characters outside the
 * set and lower case. */
START_TEST(test_flipped_check_char)
{
    char code[USCC_LEN + 1];
    const char *others = CHARSET;
    int tried = 0;

    memcpy(code, valid_codes[_i].code, sizeof code);
    for (const char *c = others; *c; c++) {
        if (*c == valid_codes[_i].code[USCC_LEN - 1])
            continue;
        code[USCC_LEN - 1] = *c;
        ck_assert_msg(!uscc_valid(code), "%s should fail", code);
        tried++;
    }
    ck_assert_int_eq(tried, 30);
    for (const char *c = "IOSVZabqxy-* "; *c; c++) {
        code[USCC_LEN - 1] = *c;
        ck_assert_msg(!uscc_valid(code), "%s should fail", code);
    }
}
END_TEST

START_TEST(test_lowercase)
{
    ck_assert(!uscc_valid("91110108551385082q"));
    ck_assert(!uscc_valid("9144030071526726xG"));
    ck_assert(!uscc_valid("9144030071526726xg"));
    ck_assert_int_eq(uscc_check_char("9144030071526726x"), '\0');
}
END_TEST

START_TEST(test_wrong_length)
{
    static const char *const bad[] = {
        "",
        "9",
        "91110108551385082",   /* 17 */
        "91110108551385082QQ", /* 19 */
        "091110108551385082Q", /* 19, valid code shifted */
        "91110108551385082Q ",
        " 91110108551385082Q",
    };

    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        ck_assert_msg(!uscc_valid(bad[i]), "'%s' should fail", bad[i]);
}
END_TEST

/* I, O, S, V and Z are not in the set (they look like 1, 0, 5, U and 2):
 * in any position they make the code invalid and the check undefined. */
START_TEST(test_forbidden_letters)
{
    char code[USCC_LEN + 1];

    for (const char *c = "IOSVZ"; *c; c++) {
        for (int pos = 0; pos < USCC_LEN - 1; pos++) {
            memcpy(code, "91110108551385082Q", sizeof code);
            code[pos] = *c;
            ck_assert_int_eq(uscc_check_char(code), '\0');
            ck_assert_msg(!uscc_valid(code), "%s should fail", code);
        }
    }
}
END_TEST

/* Any code built with uscc_check_char is valid, and the weights differ per
 * position, so swapping two different adjacent characters breaks it. */
START_TEST(test_computed_check_char)
{
    char code[USCC_LEN + 1];

    memcpy(code, "91110105MA01XYW00", 17);
    code[12] = 'X';
    code[13] = 'Y';
    code[14] = 'W';
    code[USCC_LEN] = '\0';
    code[USCC_LEN - 1] = uscc_check_char(code);
    ck_assert_int_ne(code[USCC_LEN - 1], '\0');
    ck_assert(uscc_valid(code));
    ck_assert(uscc_in_beijing(code));
    code[12] = 'Y';
    code[13] = 'X';
    ck_assert(!uscc_valid(code));
}
END_TEST

/* Every character has its value (at weight 1, the first position decides
 * the sum alone), and every other byte none. */
START_TEST(test_every_character_value)
{
    char code[USCC_LEN + 1];

    for (int v = 0; CHARSET[v]; v++) {
        memcpy(code, "00000000000000000", USCC_LEN);
        code[0] = CHARSET[v];
        code[USCC_LEN - 1] = '\0';
        ck_assert_int_eq(uscc_check_char(code), CHARSET[(31 - v % 31) % 31]);
    }
    for (int c = 1; c < 256; c++) {
        if (strchr(CHARSET, c))
            continue;
        memcpy(code, "00000000000000000", USCC_LEN);
        code[0] = (char)c;
        ck_assert_msg(uscc_check_char(code) == '\0', "byte %d is no character of a code", c);
    }
}
END_TEST

START_TEST(test_beijing_division)
{
    ck_assert(uscc_in_beijing("91110000802100433B"));
    ck_assert(uscc_in_beijing("91110108551385082Q"));
    ck_assert(!uscc_in_beijing("91330100799655058B"));
    ck_assert(!uscc_in_beijing("9144030071526726XG"));
    /* "11" must be the division (characters 3-4), not just anywhere. */
    ck_assert(!uscc_in_beijing("11330100799655058B"));
}
END_TEST

/* The province part of the division (characters 3-4, GB/T 2260) at and
 * around Beijing's 11: 10 (a national-level registration), 12-15 (Tianjin,
 * Hebei, Shanxi, Inner Mongolia), 21 and 01 (the digits swapped or shifted)
 * are all outside Beijing.  Every code here is valid, so only the division
 * decides. */
static const struct {
    const char *code;
    bool beijing;
} division_cases[] = {
    {"91110000MA0000001L", true},  /* 110000, Beijing itself */
    {"91110101MA00000018", true},  /* 110101 Dongcheng */
    {"91111111MA00000014", true},  /* 11 followed by anything */
    {"91119999MA00000010", true},  /* the last code under 11 */
    {"91100000MA0000001G", false}, /* 100000: national, below 11 */
    {"91101010MA0000001C", false}, /* 101010 */
    {"91120000MA0000001Q", false}, /* 120000 Tianjin, just above 11 */
    {"91120101MA0000001C", false}, /* 120101 */
    {"91130100MA00000012", false}, /* 130100 Hebei */
    {"91140100MA00000016", false}, /* 140100 Shanxi */
    {"91150000MA00000015", false}, /* 150000 Inner Mongolia */
    {"91150100MA0000001A", false}, /* 150100 */
    {"91210100MA0000001G", false}, /* 210100: the digits of 12 the other way */
    {"91010000MA0000001X", false}, /* 010000 */
    {"91011000MA0000001A", false}, /* 011000: "11" one place late */
    {"911A0000MA0000001R", false}, /* 1A0000: a letter where a digit belongs */
    {"91310115MA0000001Y", false}, /* 310115 Shanghai */
};

START_TEST(test_division_boundaries)
{
    const char *code = division_cases[_i].code;

    ck_assert_msg(uscc_valid(code), "%s should be valid", code);
    ck_assert_msg(uscc_in_beijing(code) == division_cases[_i].beijing, "%s: division %.6s %s", code,
                  code + 2, division_cases[_i].beijing ? "is Beijing" : "is not Beijing");
}
END_TEST

static Suite *uscc_suite(void)
{
    Suite *s = suite_create("uscc");
    TCase *tc = tcase_create("core");

    tcase_add_loop_test(tc, test_valid_codes, 0, N_VALID);
    tcase_add_loop_test(tc, test_flipped_check_char, 0, N_VALID);
    tcase_add_test(tc, test_lowercase);
    tcase_add_test(tc, test_wrong_length);
    tcase_add_test(tc, test_forbidden_letters);
    tcase_add_test(tc, test_computed_check_char);
    tcase_add_test(tc, test_every_character_value);
    tcase_add_test(tc, test_beijing_division);
    tcase_add_loop_test(tc, test_division_boundaries, 0,
                        sizeof division_cases / sizeof division_cases[0]);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(uscc_suite());
    int failures;

    srunner_run_all(sr, CK_NORMAL);
    failures = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failures != 0 ? EXIT_FAILURE : EXIT_SUCCESS;
}
