/*
 * The quick JSON writer (server/base/jsondump.c) against Jansson's: for
 * every document and every set of flags, either it leaves the document to
 * Jansson or it writes exactly the bytes json_dumps() writes; and what
 * Jansson refuses to write (text that is not UTF-8, a loop) it never
 * writes.  The documents: the example envelopes, every ASCII byte and the
 * UTF-8 boundaries in strings and keys, bad UTF-8, integers and reals at
 * their ends, keys that sort on a shared prefix and on their length, the
 * depth limit, and thousands of generated trees.  dump_json(), which the
 * server writes with, gives Jansson's answer either way.
 */
#include <check.h>
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jsondump.h"
#include "jsontext.h"
#include "support.h"

/* The sets of flags the quick writer writes itself. */
static const size_t quick_flags[] = {
    JSON_COMPACT,
    JSON_COMPACT | JSON_SORT_KEYS,
    JSON_COMPACT | JSON_ENCODE_ANY,
    JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY,
};
#define N_QUICK_FLAGS (sizeof quick_flags / sizeof quick_flags[0])

/* Whether the quick writer agrees with Jansson on j written with flags:
 * the same bytes when it writes, nothing when Jansson writes nothing, and
 * dump_json() always Jansson's answer.  Returns whether it wrote. */
static bool agree(const json_t *j, size_t flags)
{
    char *q = quick_json_write(j, flags);
    char *ref = json_dumps(j, flags);
    char *d = dump_json(j, flags);
    if (q) {
        ck_assert_msg(ref != NULL, "the quick writer writes what Jansson refuses: %s", q);
        ck_assert_str_eq(q, ref);
    }
    ck_assert_int_eq(d != NULL, ref != NULL);
    if (d)
        ck_assert_str_eq(d, ref);
    bool wrote = q != NULL;
    free(q);
    free(ref);
    free(d);
    return wrote;
}

/* agree() for every set of flags the quick writer takes; it must write j
 * with each when `writes`, and with none when not. */
static void agree_all(const json_t *j, bool writes)
{
    for (size_t i = 0; i < N_QUICK_FLAGS; i++) {
        bool root_ok = (quick_flags[i] & JSON_ENCODE_ANY) || json_is_object(j) || json_is_array(j);
        ck_assert_int_eq(agree(j, quick_flags[i]), writes && root_ok);
    }
}

START_TEST(examples_write_quickly)
{
    static const char *const names[] = {
        "tests/api/examples/incubator.json", "tests/api/examples/first_store.json",
        "tests/api/examples/tourism_award.json", "tests/api/examples/experience_base.json"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        char path[PATH_MAX];
        support_source_path(path, sizeof path, names[i]);
        json_error_t err;
        json_t *doc = json_load_file(path, 0, &err);
        ck_assert_msg(doc != NULL, "%s: %s", names[i], err.text);
        agree_all(doc, true);
        agree_all(json_object_get(doc, "data"), true);
        json_decref(doc);
    }
}
END_TEST

/* A string of the n bytes at s, unchecked (as the quick reader makes them),
 * alone, as an array's item and as a key. */
static void agree_string(const char *s, size_t n, bool valid)
{
    json_t *str = json_stringn_nocheck(s, n);
    json_t *arr = json_pack("[O]", str);
    json_t *obj = json_object();
    ck_assert_ptr_nonnull(arr);
    ck_assert_ptr_nonnull(obj);
    ck_assert_int_eq(json_object_setn_new_nocheck(obj, s, n, json_integer(1)), 0);
    agree_all(str, valid);
    agree_all(arr, valid);
    agree_all(obj, valid);
    json_decref(str);
    json_decref(arr);
    json_decref(obj);
}

START_TEST(every_ascii_byte)
{
    for (int b = 0; b < 0x80; b++) {
        char s[3] = {'a', (char)b, 'z'};
        agree_string(s + 1, 1, true);
        agree_string(s, 3, true);
    }
    /* Everything that is escaped, in one string. */
    static const char mixed[] = "\"\\/\b\f\n\r\t\x01\x1f\x7f q\0u";
    agree_string(mixed, sizeof mixed - 1, true);
    agree_string("", 0, true);
}
END_TEST

START_TEST(utf8_boundaries)
{
    static const char *const good[] = {
        "\xC2\x80",     "\xDF\xBF",        "\xE0\xA0\x80",     "\xED\x9F\xBF",
        "\xEE\x80\x80", "\xEF\xBF\xBF",    "\xF0\x90\x80\x80", "\xF4\x8F\xBF\xBF",
        "北京市海淀区", "申报 “first” 店", "\xF0\x9F\x98\x80",
    };
    static const char *const bad[] = {
        "\x80",
        "\xBF",
        "\xC0\x80",
        "\xC1\xBF",
        "\xC2",
        "\xC2\x41",
        "\xE0\x80\x80",
        "\xE0\x9F\xBF",
        "\xED\xA0\x80",
        "\xED\xBF\xBF",
        "\xE4\xB8",
        "\xF0\x80\x80\x80",
        "\xF0\x8F\xBF\xBF",
        "\xF4\x90\x80\x80",
        "\xF5\x80\x80\x80",
        "\xFF",
        "\xE4\xB8\x00",
    };
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        agree_string(good[i], strlen(good[i]), true);
        char s[64];
        int n = snprintf(s, sizeof s, "x%s\"y", good[i]);
        agree_string(s, (size_t)n, true);
    }
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        size_t n = strlen(bad[i]) ? strlen(bad[i]) : 1;
        if (i == sizeof bad / sizeof bad[0] - 1)
            n = 3; /* a sequence cut by a NUL */
        agree_string(bad[i], n, false);
        char s[64];
        memcpy(s, "ok ", 3);
        memcpy(s + 3, bad[i], n);
        memcpy(s + 3 + n, " ok", 3);
        agree_string(s, n + 6, false);
    }
}
END_TEST

START_TEST(numbers)
{
    static const json_int_t ints[] = {0,
                                      1,
                                      -1,
                                      9,
                                      10,
                                      -10,
                                      99,
                                      100,
                                      1000000007,
                                      INT64_MAX,
                                      INT64_MIN,
                                      INT64_MIN + 1,
                                      INT64_MAX - 1};
    for (size_t i = 0; i < sizeof ints / sizeof ints[0]; i++) {
        json_t *v = json_integer(ints[i]);
        json_t *a = json_pack("[O,{sO}]", v, "n", v);
        agree_all(v, true);
        agree_all(a, true);
        json_decref(v);
        json_decref(a);
    }
    static const double reals[] = {0.0, -0.0, 0.1, 1.0, -2.5, 1e300, 1e-300, 123456789.125};
    for (size_t i = 0; i < sizeof reals / sizeof reals[0]; i++) {
        json_t *a = json_pack("[f,{sf}]", reals[i], "r", reals[i]);
        agree_all(a, true);
        json_decref(a);
    }
    json_t *lits = json_pack("[n,b,b,{s:n}]", 1, 0, "z");
    agree_all(lits, true);
    json_decref(lits);
}
END_TEST

START_TEST(keys_sort_as_jansson_sorts_them)
{
    /* A shared prefix, an embedded NUL, the empty key, upper and lower case,
     * UTF-8 after ASCII; inserted in an order that is not the sorted one. */
    static const struct {
        const char *key;
        size_t len;
    } keys[] = {{"b", 1},    {"a\0b", 3}, {"ab", 2}, {"", 0},         {"a", 1},
                {"Z", 1},    {"a\0", 2},  {"中", 3}, {"aa", 2},       {"\x7f", 1},
                {"data", 4}, {"d", 1},    {"da", 2}, {"\xC2\x80", 2}, {"A", 1}};
    json_t *obj = json_object();
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
        json_object_setn_new_nocheck(obj, keys[i].key, keys[i].len, json_integer((json_int_t)i));
    agree_all(obj, true);
    /* More members than fit on the writer's stack. */
    json_t *big = json_object();
    for (int i = 0; i < 100; i++) {
        char k[16];
        snprintf(k, sizeof k, "k%d", (i * 37) % 100);
        json_object_set_new(big, k, json_pack("{si}", "v", i));
    }
    json_object_set(big, "small", obj);
    agree_all(big, true);
    json_decref(obj);
    json_decref(big);
}
END_TEST

START_TEST(other_flags_go_to_jansson)
{
    json_t *doc = json_pack("{s:[i,s],s:{s:s}}", "b", 1, "é/x", "a", "k", "v");
    static const size_t others[] = {0,
                                    JSON_INDENT(2),
                                    JSON_COMPACT | JSON_INDENT(1),
                                    JSON_COMPACT | JSON_ENSURE_ASCII,
                                    JSON_COMPACT | JSON_ESCAPE_SLASH,
                                    JSON_COMPACT | JSON_SORT_KEYS | JSON_REAL_PRECISION(3)};
    for (size_t i = 0; i < sizeof others / sizeof others[0]; i++)
        ck_assert(!agree(doc, others[i]));
    json_decref(doc);
    /* A bare value without JSON_ENCODE_ANY: refused by both. */
    json_t *s = json_string("x");
    ck_assert(!agree(s, JSON_COMPACT));
    char *d = dump_json(s, JSON_COMPACT);
    ck_assert_ptr_null(d);
    json_decref(s);
}
END_TEST

/* Arrays nested n deep around an object. */
static json_t *nested(int n)
{
    json_t *j = json_pack("{si}", "deep", n);
    for (int i = 0; i < n; i++)
        j = json_pack("[o]", j);
    return j;
}

START_TEST(depth_and_loops)
{
    /* 64 containers, one in the other, and then 65. */
    json_t *ok = nested(63);
    agree_all(ok, true);
    json_decref(ok);
    json_t *over = nested(64);
    agree_all(over, false);
    json_decref(over);
    json_t *deep = nested(200);
    agree_all(deep, false); /* Jansson writes it */
    char *text = dump_json(deep, JSON_COMPACT);
    ck_assert_ptr_nonnull(text);
    ck_assert_uint_eq(strspn(text, "["), 200);
    free(text);
    json_decref(deep);

    /* An array holding an array that holds it: Jansson refuses to write it,
     * and so does dump_json(). */
    json_t *loop = json_array(), *inner = json_array();
    ck_assert_int_eq(json_array_append(inner, loop), 0);
    ck_assert_int_eq(json_array_append_new(loop, inner), 0);
    for (size_t i = 0; i < N_QUICK_FLAGS; i++) {
        ck_assert_ptr_null(quick_json_write(loop, quick_flags[i]));
        ck_assert_ptr_null(dump_json(loop, quick_flags[i]));
    }
    json_array_clear(loop);
    json_decref(loop);
}
END_TEST

/* ---- generated trees ------------------------------------------------------------- */

static uint64_t rng_state;

static unsigned rnd(unsigned n)
{
    rng_state = rng_state * 6364136223846793005ULL + 1442695040888963407ULL;
    return (unsigned)((rng_state >> 33) % n);
}

static const char *const pieces[] = {"a",    "b",    "ab",   "z",    "申",
                                     "报",   "\"",   "\\",   "\n",   "\t",
                                     "\x01", "\x1f", " ",    "/",    "\xF0\x9F\x98\x80",
                                     "\x7f", "0",    "data", "名称", "é"};

static void random_text(char *out, size_t cap, size_t *len)
{
    size_t n = 0, parts = rnd(6);
    for (size_t i = 0; i < parts; i++) {
        const char *p = pieces[rnd(sizeof pieces / sizeof pieces[0])];
        size_t k = strlen(p);
        if (n + k >= cap)
            break;
        memcpy(out + n, p, k);
        n += k;
    }
    if (rnd(40) == 0 && n + 1 < cap)
        out[n++] = '\0'; /* an embedded NUL */
    *len = n;
}

static json_t *random_tree(int depth)
{
    char text[64];
    size_t len;
    switch (depth > 5 ? rnd(5) : rnd(7)) {
    case 0:
        return json_null();
    case 1:
        return json_boolean(rnd(2));
    case 2:
        return json_integer((json_int_t)rnd(2000000) - 1000000);
    case 3:
        random_text(text, sizeof text, &len);
        return json_stringn_nocheck(text, len);
    case 4:
        return json_real((double)rnd(100000) / 64.0);
    case 5: {
        json_t *a = json_array();
        for (unsigned i = rnd(6); i > 0; i--)
            json_array_append_new(a, random_tree(depth + 1));
        return a;
    }
    default: {
        json_t *o = json_object();
        for (unsigned i = rnd(8); i > 0; i--) {
            random_text(text, sizeof text, &len);
            json_object_setn_new_nocheck(o, text, len, random_tree(depth + 1));
        }
        return o;
    }
    }
}

START_TEST(generated_trees_agree)
{
    rng_state = 20201245;
    unsigned written = 0;
    for (int i = 0; i < 5000; i++) {
        json_t *t = random_tree(0);
        bool container = json_is_object(t) || json_is_array(t);
        for (size_t f = 0; f < N_QUICK_FLAGS; f++) {
            bool wrote = agree(t, quick_flags[f]);
            /* Every generated text is UTF-8, so only a bare value without
             * JSON_ENCODE_ANY is left to Jansson. */
            ck_assert_int_eq(wrote, container || (quick_flags[f] & JSON_ENCODE_ANY));
            written += wrote;
        }
        json_decref(t);
    }
    ck_assert_uint_gt(written, 5000);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("jsondump");
    TCase *tc = tcase_create("jsondump");
    tcase_add_test(tc, examples_write_quickly);
    tcase_add_test(tc, every_ascii_byte);
    tcase_add_test(tc, utf8_boundaries);
    tcase_add_test(tc, numbers);
    tcase_add_test(tc, keys_sort_as_jansson_sorts_them);
    tcase_add_test(tc, other_flags_go_to_jansson);
    tcase_add_test(tc, depth_and_loops);
    tcase_add_test(tc, generated_trees_agree);
    tcase_set_timeout(tc, 120);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_ENV);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
