/*
 * The quick JSON reader (server/base/jsonload.c) against Jansson's: for
 * every text, either it leaves the text to Jansson or it makes exactly the
 * document Jansson makes (the same members in the same order, the same
 * values); and what Jansson refuses it never accepts.  The texts: the
 * example envelopes, documents at each boundary of the grammar, and many
 * thousands of mutations of the examples.  parse_json(), which the
 * server parses with, gives Jansson's answer either way.
 */
#include <check.h>
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jsonload.h"
#include "jsontext.h"
#include "support.h"

static char *read_example(const char *name, size_t *len)
{
    char path[PATH_MAX];
    support_source_path(path, sizeof path, name);
    FILE *f = fopen(path, "rb");
    ck_assert_ptr_nonnull(f);
    char *buf = malloc(1 << 20);
    ck_assert_ptr_nonnull(buf);
    *len = fread(buf, 1, (1 << 20) - 1, f);
    buf[*len] = '\0';
    fclose(f);
    return buf;
}

/* Whether the quick reader agrees with Jansson on text; *quick tells
 * whether it read the text itself. */
static void agree(const char *text, size_t len, bool *quick)
{
    json_error_t err;
    json_t *q = quick_json_read(text, len);
    json_t *j = json_loadb(text, len, JSON_REJECT_DUPLICATES, &err);
    json_t *o = parse_json(text, len, JSON_REJECT_DUPLICATES, &err);
    if (q) {
        ck_assert_msg(j != NULL, "the quick reader accepts what Jansson refuses: %.*s", (int)len,
                      text);
        ck_assert(json_is_object(q));
        ck_assert(json_equal(q, j));
        /* The same members in the same order, the same numbers. */
        char *a = json_dumps(q, JSON_COMPACT | JSON_ENCODE_ANY);
        char *b = json_dumps(j, JSON_COMPACT | JSON_ENCODE_ANY);
        ck_assert_str_eq(a, b);
        free(a);
        free(b);
    }
    ck_assert_int_eq(o != NULL, j != NULL);
    if (o)
        ck_assert(json_equal(o, j));
    if (quick)
        *quick = q != NULL;
    json_decref(q);
    json_decref(j);
    json_decref(o);
}

static bool quick_reads(const char *text)
{
    bool quick;
    agree(text, strlen(text), &quick);
    return quick;
}

START_TEST(examples_read_quickly)
{
    static const char *const names[] = {"tests/api/examples/incubator.json",
                                        "tests/api/examples/first_store.json",
                                        "tests/api/examples/tourism_award.json"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        size_t len;
        char *text = read_example(names[i], &len);
        bool quick;
        agree(text, len, &quick);
        ck_assert_msg(quick, "%s went to Jansson", names[i]);
        free(text);
    }
}
END_TEST

START_TEST(boundaries)
{
    /* Read here. */
    static const char *const quick[] = {
        "{}",
        " \t\r\n{ } \n",
        "{\"\":\"\"}",
        "{\"a\":[],\"b\":{},\"c\":[[]],\"d\":[{}]}",
        "{\"a\":true,\"b\":false,\"c\":null}",
        "{\"n\":0,\"m\":-0,\"i\":123456789012345678,\"j\":-123456789012345678}",
        "{\"r\":1.5,\"s\":-0.25,\"t\":1e10,\"u\":1E+2,\"v\":2.5e-3,\"w\":1e-400,\"x\":-0.0}",
        "{\"esc\":\"\\\"\\\\\\/\\b\\f\\n\\r\\t\",\"u\":\"\\u00e9\\u4eac\\u0041\\uFFFF\\u07FF\"}",
        "{\"k\\u00e9y\":1,\"k\\\"\":2,\"plain\":\"\\u5317\\u4EAC and more\"}",
        "{\"utf8\":\"é北京😀\\u0800\",\"last\":\"\xf4\x8f\xbf\xbf\"}",
        "{\"a\":{\"b\":{\"c\":[1,[2,[3,{\"d\":\"e\"}]]]}}}",
        "{\"del\":\"\x7f\"}",
    };
    /* Left to Jansson (which reads some and refuses the rest). */
    static const char *const jansson[] = {
        "",
        "   ",
        "[1]",
        "\"x\"",
        "1",
        "{",
        "{\"a\"}",
        "{\"a\":}",
        "{\"a\":1,}",
        "{,}",
        "{\"a\":01}",
        "{\"a\":-}",
        "{\"a\":1.}",
        "{\"a\":.5}",
        "{\"a\":1e}",
        "{\"a\":+1}",
        "{\"a\":tru}",
        "{\"a\":nul}",
        "{\"a\":True}",
        "{\"a\":1234567890123456789}",
        "{\"a\":-9223372036854775809}",
        "{\"a\":99999999999999999999}",
        "{\"a\":1e400}",
        "{\"a\":-1e400}",
        "{\"a\":\"\x01\"}",
        "{\"a\":\"tab\there\"}",
        "{\"a\":\"\xc0\xaf\"}",
        "{\"a\":\"\xc1\x81\"}",
        "{\"a\":\"\xe0\x80\xaf\"}",
        "{\"a\":\"\xed\xa0\x80\"}",
        "{\"a\":\"\xf0\x80\x80\xaf\"}",
        "{\"a\":\"\xf4\x90\x80\x80\"}",
        "{\"a\":\"\xf5\x80\x80\x80\"}",
        "{\"a\":\"\xe4\xba\"}",
        "{\"a\":\"\x80\"}",
        "{\"a\":\"\\u0000\"}",
        "{\"a\\u0000\":1}",
        "{\"a\":\"\\ud800\"}",
        "{\"a\":\"\\udc00\"}",
        "{\"a\":\"\\ud83d\\ude00\"}",
        "{\"a\":\"\\u12\"}",
        "{\"a\":\"\\u12G4\"}",
        "{\"a\":\"\\x\"}",
        "{\"a\":\"\\'\"}",
        "{\"a\":\"open}",
        "{\"a\":1,\"a\":2}",
        "{\"a\":{\"b\":1,\"b\":1}}",
        "{\"a\":1} x",
        "{\"a\":1}{}",
        "\xef\xbb\xbf{}",
        "{'a':1}",
        "{a:1}",
        "{\"a\" 1}",
        "{\"a\":[1 2]}",
        "{\"a\":[1,]}",
        "{\"a\":NaN}",
        "{\"a\":Infinity}",
    };
    for (size_t i = 0; i < sizeof quick / sizeof quick[0]; i++)
        ck_assert_msg(quick_reads(quick[i]), "went to Jansson: %s", quick[i]);
    for (size_t i = 0; i < sizeof jansson / sizeof jansson[0]; i++)
        ck_assert_msg(!quick_reads(jansson[i]), "read quickly: %s", jansson[i]);

    /* A NUL byte inside or after the text. */
    static const char nul_in[] = "{\"a\":\"x\0y\"}";
    static const char nul_after[] = "{\"a\":1}\0";
    bool q;
    agree(nul_in, sizeof nul_in - 1, &q);
    ck_assert(!q);
    agree(nul_after, sizeof nul_after - 1, &q);
    ck_assert(!q);

    /* Nesting: 64 levels here, deeper ones to Jansson. */
    char deep[400];
    for (int depth = 60; depth <= 70; depth++) {
        size_t n = 0;
        deep[n++] = '{';
        deep[n++] = '"';
        deep[n++] = 'a';
        deep[n++] = '"';
        deep[n++] = ':';
        for (int i = 1; i < depth; i++)
            deep[n++] = '[';
        for (int i = 1; i < depth; i++)
            deep[n++] = ']';
        deep[n++] = '}';
        agree(deep, n, &q);
        ck_assert_int_eq(q, depth <= 64);
    }
}
END_TEST

/* Many mutations of an example: bytes changed, dropped and doubled at
 * random, with a fixed seed. */
START_TEST(mutations_agree)
{
    static const char *const names[] = {"tests/api/examples/incubator.json",
                                        "tests/api/examples/first_store.json",
                                        "tests/api/examples/tourism_award.json"};
    static const char pick[] =
        "{}[]\":,\\u0123456789eE+-.tfnl \x01\x7f\x80\xbf\xc2\xe4\xed\xf0\xf4";
    uint64_t seed = 0x5eed;
    int quick = 0, total = 0;
    for (size_t f = 0; f < sizeof names / sizeof names[0]; f++) {
        size_t len;
        char *orig = read_example(names[f], &len);
        char *text = malloc(len + 64);
        for (int round = 0; round < 3000; round++) {
            memcpy(text, orig, len);
            size_t n = len;
            int edits = 1 + round % 3;
            for (int e = 0; e < edits; e++) {
                seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
                size_t at = (size_t)(seed >> 33) % n;
                unsigned what = (unsigned)(seed >> 20) % 3;
                unsigned char c = (unsigned char)pick[(seed >> 8) % (sizeof pick - 1)];
                if (what == 0) {
                    text[at] = (char)c;
                } else if (what == 1 && n > 1) {
                    memmove(text + at, text + at + 1, n - at - 1);
                    n--;
                } else {
                    memmove(text + at + 1, text + at, n - at);
                    text[at] = (char)c;
                    n++;
                }
            }
            bool q;
            agree(text, n, &q);
            quick += q;
            total++;
        }
        free(text);
        free(orig);
    }
    /* Many mutations still read (a changed letter in a string), so both
     * paths were compared. */
    ck_assert_int_gt(quick, total / 10);
    ck_assert_int_lt(quick, total);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("jsonload");
    TCase *tc = tcase_create("jsonload");
    tcase_add_test(tc, examples_read_quickly);
    tcase_add_test(tc, boundaries);
    tcase_add_test(tc, mutations_agree);
    tcase_set_timeout(tc, 120);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_ENV);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
