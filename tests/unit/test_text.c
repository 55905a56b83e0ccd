#include <check.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

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

START_TEST(counts_characters)
{
    ck_assert_uint_eq(text_chars(""), 0);
    ck_assert_uint_eq(text_chars("abc"), 3);
    ck_assert_uint_eq(text_chars("北京a\xF0\x9F\x98\x80"), 4);
    ck_assert_uint_eq(TEXT_BYTES(200), 801);
}
END_TEST

/* Valid as Jansson reads it: the same verdict as json_stringn(). */
START_TEST(validity_as_jansson_has_it)
{
    static const char *const cases[] = {
        "",
        "plain",
        "北京",
        "\xF0\x9F\x98\x80", /* U+1F600 */
        "\xF4\x8F\xBF\xBF", /* U+10FFFF */
        "\xF4\x90\x80\x80", /* above U+10FFFF */
        "\xED\x9F\xBF",     /* U+D7FF */
        "\xED\xA0\x80",     /* a surrogate */
        "\xC0\xAF",         /* overlong '/' */
        "\xE0\x80\xAF",     /* overlong */
        "\xF0\x80\x80\xAF", /* overlong */
        "\xC2\x80",         /* U+0080 */
        "\xE4\xB8",         /* cut short */
        "\x80",             /* stray continuation */
        "a\xFF"
        "b",                /* never in UTF-8 */
        "\xF5\x80\x80\x80", /* lead byte past F4 */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        json_t *j = json_stringn(cases[i], strlen(cases[i]));
        ck_assert_msg(text_utf8_valid(cases[i], strlen(cases[i])) == (j != NULL), "case %zu", i);
        json_decref(j);
    }
    ck_assert(!text_utf8_valid("a\0b", 3)); /* a NUL inside */
}
END_TEST

/* The same verdicts inside long ASCII text, which is checked eight bytes
 * at a time: each case at every offset of a 24-byte run, so that it falls
 * at each place of a word and across two; and a NUL or a high byte at
 * every place. */
START_TEST(validity_inside_ascii_runs)
{
    static const char *const cases[] = {
        "北京", "\xF0\x9F\x98\x80", "\xED\xA0\x80", "\xC0\xAF", "\xE4\xB8", "\x80",
        "\xFF", "\xF5\x80\x80\x80", "\xC2\x80",     "\x7F",
    };
    char buf[64];
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        size_t n = strlen(cases[i]);
        for (size_t at = 0; at <= 24; at++) {
            memset(buf, 'a', sizeof buf);
            memcpy(buf + at, cases[i], n);
            size_t len = 24 + n;
            json_t *j = json_stringn(buf, len);
            ck_assert_msg(text_utf8_valid(buf, len) == (j != NULL), "case %zu at %zu", i, at);
            json_decref(j);
        }
    }
    for (size_t at = 0; at < 24; at++) {
        memset(buf, 'a', 24);
        buf[at] = '\0';
        ck_assert_msg(!text_utf8_valid(buf, 24), "NUL at %zu", at);
        buf[at] = (char)0x80;
        ck_assert_msg(!text_utf8_valid(buf, 24), "0x80 at %zu", at);
        buf[at] = 0x01;
        ck_assert_msg(text_utf8_valid(buf, 24), "0x01 at %zu", at);
    }
}
END_TEST

START_TEST(copy_repairs_and_cuts_whole)
{
    char out[16];
    bool changed = true;

    /* valid text is copied as it is */
    ck_assert_uint_eq(text_utf8_copy(out, sizeof out, "北京", 6, &changed), 6);
    ck_assert_str_eq(out, "北京");
    ck_assert(!changed);
    /* each broken part becomes one U+FFFD: a cut 3-byte sequence, a stray
     * byte, a cut 4-byte sequence at the end */
    ck_assert_uint_eq(text_utf8_copy(out, sizeof out, "\xE4\xB8x\xFFy\xF0\x9F\x98", 8, &changed),
                      11);
    ck_assert_str_eq(out, "\xEF\xBF\xBDx\xEF\xBF\xBDy\xEF\xBF\xBD");
    ck_assert(changed);
    /* what does not fit is cut before the first character that does not */
    ck_assert_uint_eq(text_utf8_copy(out, 6, "北京", 6, &changed), 3);
    ck_assert_str_eq(out, "北");
    ck_assert(changed);
    ck_assert_uint_eq(text_utf8_copy(out, 1, "a", 1, NULL), 0);
    ck_assert_str_eq(out, "");
}
END_TEST

START_TEST(dup_keeps_everything)
{
    /* 171 CJK characters cut at 511 bytes, as an old 512-byte buffer did */
    char cut[512];
    for (int i = 0; i < 171; i++)
        memcpy(cut + 3 * i, "测", i < 170 ? 3 : 1);
    cut[511] = '\0';
    bool changed = false;
    char *s = text_utf8_dup(cut, 511, &changed);
    ck_assert_ptr_nonnull(s);
    ck_assert(changed);
    ck_assert_uint_eq(strlen(s), 510 + 3);
    ck_assert_uint_eq(text_chars(s), 171);
    ck_assert(memcmp(s, cut, 510) == 0);
    ck_assert_str_eq(s + 510, "\xEF\xBF\xBD");
    free(s);
    /* long valid text: byte for byte */
    size_t len = 4 * 5000;
    char *big = malloc(len + 1);
    for (size_t i = 0; i < len; i += 4)
        memcpy(big + i, "\xF0\x9F\x98\x80", 4);
    big[len] = '\0';
    s = text_utf8_dup(big, len, &changed);
    ck_assert(!changed);
    ck_assert_str_eq(s, big);
    free(s);
    free(big);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("text");
    TCase *tc = tcase_create("utf8");
    tcase_add_test(tc, trim_keeps_whole_characters);
    tcase_add_test(tc, trim_drops_a_cut_sequence);
    tcase_add_test(tc, append_cuts_at_a_character);
    tcase_add_test(tc, counts_characters);
    tcase_add_test(tc, validity_as_jansson_has_it);
    tcase_add_test(tc, validity_inside_ascii_runs);
    tcase_add_test(tc, copy_repairs_and_cuts_whole);
    tcase_add_test(tc, dup_keeps_everything);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
