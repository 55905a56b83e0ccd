#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "text.h"

START_TEST(trim_keeps_whole_characters)
{
    char ascii[] = "abc";
    text_trim_utf8(ascii);
    ck_assert_str_eq(ascii, "abc");
    char whole[] = "北京"; /* two 3-byte characters */
    text_trim_utf8(whole);
    ck_assert_str_eq(whole, "北京");
    char empty[] = "";
    text_trim_utf8(empty);
    ck_assert_str_eq(empty, "");
}
END_TEST

START_TEST(trim_drops_a_cut_sequence)
{
    /* "北京" cut after 4 and after 5 bytes: the second character is incomplete. */
    char four[8], five[8];
    memcpy(four, "北京", 4);
    four[4] = '\0';
    memcpy(five, "北京", 5);
    five[5] = '\0';
    text_trim_utf8(four);
    text_trim_utf8(five);
    ck_assert_str_eq(four, "北");
    ck_assert_str_eq(five, "北");
    char emoji[8]; /* a 4-byte sequence cut after 3 bytes */
    memcpy(emoji, "a\xF0\x9F\x98", 4);
    emoji[4] = '\0';
    text_trim_utf8(emoji);
    ck_assert_str_eq(emoji, "a");
}
END_TEST

START_TEST(append_cuts_at_a_character)
{
    char buf[8] = "ab";
    text_append(buf, sizeof buf, "%s", "北京"); /* 2 + 6 bytes needs 9 with the NUL */
    ck_assert_str_eq(buf, "ab北");
    text_append(buf, sizeof buf, "%d", 12345); /* full: nothing more fits whole */
    ck_assert_uint_le(strlen(buf), sizeof buf - 1);
    char roomy[32] = "";
    text_append(roomy, sizeof roomy, "%d 人次", 49);
    text_append(roomy, sizeof roomy, "，要求不少于 %d", 50);
    ck_assert_str_eq(roomy, "49 人次，要求不少于 50");
}
END_TEST

int main(void)
{
    Suite *s = suite_create("text");
    TCase *tc = tcase_create("utf8");
    tcase_add_test(tc, trim_keeps_whole_characters);
    tcase_add_test(tc, trim_drops_a_cut_sequence);
    tcase_add_test(tc, append_cuts_at_a_character);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
