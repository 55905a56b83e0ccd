/*
 * The request target: decoding, UTF-8 and the query's parameters.
 */
#include "target.h"
#include "text.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

START_TEST(utf8_validity)
{
    static const struct {
        const char *bytes;
        bool valid;
    } cases[] = {
        {"", true},
        {"abc", true},
        {"北京市", true},
        {"\xF0\x9F\x98\x80", true},  /* U+1F600 */
        {"\xF4\x8F\xBF\xBF", true},  /* U+10FFFF */
        {"\xEF\xBF\xBD", true},      /* U+FFFD */
        {"\xFF", false},             /* never in UTF-8 */
        {"\xC0\xAF", false},         /* overlong '/' */
        {"\xE0\x80\xAF", false},     /* overlong '/' */
        {"\xED\xA0\x80", false},     /* a surrogate */
        {"\xF4\x90\x80\x80", false}, /* above U+10FFFF */
        {"\xE5\x8C", false},         /* cut short */
        {"\x80", false},             /* a lone continuation */
        {"\xE5\x8Cx", false},        /* not a continuation */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        ck_assert_msg(text_utf8_valid(cases[i].bytes, strlen(cases[i].bytes)) == cases[i].valid,
                      "case %zu", i);
    /* Nor is a NUL the text a JSON document may hold: refused either way. */
    ck_assert(!text_utf8_valid("a\0b", 3));
}
END_TEST

START_TEST(path_decoded)
{
    struct target t;
    size_t at, len;
    ck_assert_int_eq(target_parse(&t, "/v1/applications/12", &at, &len), TARGET_OK);
    ck_assert_str_eq(t.path, "/v1/applications/12");
    ck_assert_uint_eq(t.n_params, 0);
    target_release(&t);

    ck_assert_int_eq(target_parse(&t, "/a%20b/%E5%8C%97+c", &at, &len), TARGET_OK);
    ck_assert_str_eq(t.path, "/a b/北+c"); /* '+' is a space only in a query */
    target_release(&t);

    ck_assert_int_eq(target_parse(&t, "/北京", &at, &len), TARGET_OK);
    ck_assert_str_eq(t.path, "/北京");
    target_release(&t);
}
END_TEST

START_TEST(path_refused)
{
    static const struct {
        const char *raw;
        enum target_error want;
    } cases[] = {
        {"/v1/applications/1%00", TARGET_CONTROL},
        {"/v1/applications/1%0A", TARGET_CONTROL},
        {"/a\tb", TARGET_CONTROL},
        {"/a%7F", TARGET_CONTROL},
        {"/%FF", TARGET_BAD_UTF8},
        {"/v1/certificates/%FF", TARGET_BAD_UTF8},
        {"/\xFF\xFE", TARGET_BAD_UTF8},
        {"/%C0%AF", TARGET_BAD_UTF8},
        {"/%E5%8C", TARGET_BAD_UTF8},
        {"/%", TARGET_BAD_ESCAPE},
        {"/%4", TARGET_BAD_ESCAPE},
        {"/%zz", TARGET_BAD_ESCAPE},
        {"", TARGET_NOT_ORIGIN_FORM},
        {"*", TARGET_NOT_ORIGIN_FORM},
        {"http://example/x", TARGET_NOT_ORIGIN_FORM},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct target t;
        size_t at = 99, len = 99;
        ck_assert_msg(target_parse(&t, cases[i].raw, &at, &len) == cases[i].want, "%s",
                      cases[i].raw);
        ck_assert_ptr_null(t.buf);
        ck_assert_uint_eq(len, 0); /* not a parameter's fault */
    }
}
END_TEST

START_TEST(query_parameters)
{
    struct target t;
    size_t at, len;
    const char *raw = "/v1/applications?kind=incubator&q=%E5%8C%97+%E4%BA%AC&&count&x=&a%3Db=c%26d";
    ck_assert_int_eq(target_parse(&t, raw, &at, &len), TARGET_OK);
    ck_assert_str_eq(t.path, "/v1/applications");
    ck_assert_uint_eq(t.n_params, 5);
    ck_assert_str_eq(t.params[0].name, "kind");
    ck_assert_str_eq(t.params[0].value, "incubator");
    ck_assert_str_eq(t.params[1].name, "q");
    ck_assert_str_eq(t.params[1].value, "北 京");
    ck_assert_str_eq(t.params[2].name, "count"); /* no '=': an empty value */
    ck_assert_str_eq(t.params[2].value, "");
    ck_assert_str_eq(t.params[3].name, "x");
    ck_assert_str_eq(t.params[3].value, "");
    ck_assert_str_eq(t.params[4].name, "a=b"); /* escaped separators are data */
    ck_assert_str_eq(t.params[4].value, "c&d");
    target_release(&t);

    /* Repeats are kept: refusing them is the route's business. */
    ck_assert_int_eq(target_parse(&t, "/x?limit=1&limit=2", &at, &len), TARGET_OK);
    ck_assert_uint_eq(t.n_params, 2);
    target_release(&t);

    ck_assert_int_eq(target_parse(&t, "/x?", &at, &len), TARGET_OK);
    ck_assert_uint_eq(t.n_params, 0);
    target_release(&t);
}
END_TEST

START_TEST(query_refused_names_the_parameter)
{
    static const struct {
        const char *raw;
        enum target_error want;
        const char *named; /* the raw name reported */
    } cases[] = {
        {"/x?a=1&status=%FF", TARGET_BAD_UTF8, "status"},
        {"/x?a=1&%FF=1", TARGET_BAD_UTF8, "%FF"},
        {"/x?id=1%00", TARGET_NUL, "id"},
        {"/x?%00=1", TARGET_NUL, "%00"},
        {"/x?limit=%4", TARGET_BAD_ESCAPE, "limit"},
        {"/x?q=\xE5\x8C", TARGET_BAD_UTF8, "q"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct target t;
        size_t at, len;
        ck_assert_msg(target_parse(&t, cases[i].raw, &at, &len) == cases[i].want, "%s",
                      cases[i].raw);
        ck_assert_uint_eq(len, strlen(cases[i].named));
        ck_assert_int_eq(memcmp(cases[i].raw + at, cases[i].named, len), 0);
        ck_assert_ptr_null(t.buf);
    }
}
END_TEST

START_TEST(query_count_is_bounded)
{
    /* 3000 parameters: refused whole, at once. */
    size_t cap = 16 + 3000 * 8;
    char *raw = malloc(cap);
    ck_assert_ptr_nonnull(raw);
    size_t n = (size_t)snprintf(raw, cap, "/v1/applications?");
    for (int i = 0; i < 3000; i++)
        n += (size_t)snprintf(raw + n, cap - n, "%sa%d=1", i ? "&" : "", i);
    struct target t;
    size_t at, len;
    ck_assert_int_eq(target_parse(&t, raw, &at, &len), TARGET_TOO_MANY_PARAMS);
    ck_assert_ptr_null(t.buf);

    /* Exactly the maximum is fine, one more is not. */
    n = (size_t)snprintf(raw, cap, "/x?");
    for (int i = 0; i < TARGET_MAX_PARAMS; i++)
        n += (size_t)snprintf(raw + n, cap - n, "%sa%d=1", i ? "&" : "", i);
    ck_assert_int_eq(target_parse(&t, raw, &at, &len), TARGET_OK);
    ck_assert_uint_eq(t.n_params, TARGET_MAX_PARAMS);
    target_release(&t);
    snprintf(raw + n, cap - n, "&last=1");
    ck_assert_int_eq(target_parse(&t, raw, &at, &len), TARGET_TOO_MANY_PARAMS);
    free(raw);
}
END_TEST

START_TEST(escape_for_display)
{
    char out[64];
    ck_assert_str_eq(target_escape(out, sizeof out, "/a%FF", 5), "/a%FF"); /* as sent */
    ck_assert_str_eq(target_escape(out, sizeof out, "/\xFF b", 4), "/%FF%20b");
    ck_assert_str_eq(target_escape(out, sizeof out, "G\xFFT", 3), "G%FFT");
    ck_assert_str_eq(target_escape(out, sizeof out, "北", 3), "%E5%8C%97");
    ck_assert_str_eq(target_escape(out, sizeof out, "a\0b", 3), "a%00b");
    /* Cut at an escape's boundary, never inside one. */
    ck_assert_str_eq(target_escape(out, 6, "ab\xFF\xFF", 4), "ab%FF");
    ck_assert_str_eq(target_escape(out, 5, "ab\xFF\xFF", 4), "ab");
}
END_TEST

int main(void)
{
    Suite *s = suite_create("target");
    TCase *tc = tcase_create("target");
    tcase_add_test(tc, utf8_validity);
    tcase_add_test(tc, path_decoded);
    tcase_add_test(tc, path_refused);
    tcase_add_test(tc, query_parameters);
    tcase_add_test(tc, query_refused_names_the_parameter);
    tcase_add_test(tc, query_count_is_bounded);
    tcase_add_test(tc, escape_for_display);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
