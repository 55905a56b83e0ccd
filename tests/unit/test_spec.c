/*
 * Declarative JSON validation and the JSON Schema made from the same table.
 */
#include <check.h>
#include <stdalign.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "date.h"
#include "spec.h"

static const char *const colours[] = {"red", "green", NULL};

static const struct field_spec item_fields[] = {
    {.name = "n", .type = SPEC_INT, .required = true, .min = 0, .max = 10},
    {.name = "label", .type = SPEC_STRING, .min = 1, .max = 20},
    {0},
};

static const struct field_spec item_object = {
    .type = SPEC_OBJECT,
    .fields = item_fields,
};

static const struct field_spec small_int = {.type = SPEC_INT, .min = 0, .max = 10};

static const struct field_spec inner_fields[] = {
    {.name = "x", .type = SPEC_INT, .required = true},
    {0},
};

/* One member of each type, all optional, so each case exercises one. */
static const struct field_spec all_types[] = {
    {.name = "s",
     .type = SPEC_STRING,
     .min = 2,
     .max = 5,
     .title_zh = "名称",
     .title_en = "Name",
     .help = "A short name."},
    {.name = "t", .type = SPEC_TEXT, .min = 1, .max = 5},
    {.name = "b", .type = SPEC_BOOL},
    {.name = "i", .type = SPEC_INT, .min = -5, .max = 5},
    {.name = "any", .type = SPEC_INT},
    {.name = "f", .type = SPEC_FEN, .min = 0, .max = 100},
    {.name = "d", .type = SPEC_DATE},
    {.name = "e", .type = SPEC_ENUM, .enum_values = colours},
    {.name = "u", .type = SPEC_USCC},
    {.name = "o", .type = SPEC_OBJECT, .fields = inner_fields},
    {.name = "arr",
     .type = SPEC_ARRAY,
     .min = 1,
     .max = 3,
     .items = &small_int,
     .unique_items = true},
    {.name = "objs", .type = SPEC_ARRAY, .items = &item_object},
    {.name = "a/b", .type = SPEC_BOOL},
    {.name = "m~n", .type = SPEC_BOOL},
    {.name = "ro", .type = SPEC_INT, .read_only = true},
    {0},
};

struct vcase {
    const char *json;
    const char *pointer; /* the one error expected, NULL for none */
    const char *detail;  /* a part of its detail, or NULL */
};

static const struct vcase type_cases[] = {
    /* strings: length in characters, bounds 2..5 */
    {"{\"s\": \"a\"}", "/s", "at least 2 characters"},
    {"{\"s\": \"ab\"}", NULL, NULL},
    {"{\"s\": \"abcde\"}", NULL, NULL},
    {"{\"s\": \"abcdef\"}", "/s", "at most 5 characters"},
    {"{\"s\": \"中文字符号\"}", NULL, NULL}, /* 5 characters, 15 bytes */
    {"{\"s\": \"中文字符号六\"}", "/s", "at most 5"},
    {"{\"s\": \"a\\nb\"}", "/s", "control characters"},
    {"{\"s\": \"a\\tb\"}", "/s", "control characters"},
    {"{\"s\": \"a\\u0000b\"}", "/s", "control characters"},
    {"{\"s\": \"a\\u001fb\"}", "/s", "control characters"},
    {"{\"s\": \"a\\u007fb\"}", NULL, NULL},
    {"{\"s\": 12}", "/s", "text"},
    {"{\"s\": null}", "/s", "text"},
    /* text: line breaks and tabs allowed, other controls not; bounds 1..5 */
    {"{\"t\": \"\"}", "/t", "must not be empty"},
    {"{\"t\": \"a\"}", NULL, NULL},
    {"{\"t\": \"a\\r\\nb\\t\"}", NULL, NULL},
    {"{\"t\": \"abcdef\"}", "/t", "at most 5"},
    {"{\"t\": \"a\\u0001\"}", "/t", "control characters"},
    /* booleans */
    {"{\"b\": true}", NULL, NULL},
    {"{\"b\": false}", NULL, NULL},
    {"{\"b\": 0}", "/b", "true or false"},
    {"{\"b\": \"true\"}", "/b", "true or false"},
    {"{\"b\": null}", "/b", "true or false"},
    /* integers, bounds -5..5 */
    {"{\"i\": -6}", "/i", "at least -5"},
    {"{\"i\": -5}", NULL, NULL},
    {"{\"i\": 5}", NULL, NULL},
    {"{\"i\": 6}", "/i", "at most 5"},
    {"{\"i\": 1.0}", "/i", "whole number"},
    {"{\"i\": 1e0}", "/i", "whole number"},
    {"{\"i\": \"1\"}", "/i", "whole number"},
    {"{\"any\": -9223372036854775807}", NULL, NULL},
    {"{\"any\": 9223372036854775807}", NULL, NULL},
    /* fen, bounds 0..100: never a real */
    {"{\"f\": -1}", "/f", "fen (1 yuan = 100 fen), at least 0"},
    {"{\"f\": 0}", NULL, NULL},
    {"{\"f\": 100}", NULL, NULL},
    {"{\"f\": 101}", "/f", "at most 100"},
    {"{\"f\": 1.5}", "/f", "integer number of fen"},
    {"{\"f\": 10.0}", "/f", "decimal point"},
    {"{\"f\": 1e1}", "/f", "integer number of fen"},
    {"{\"f\": \"10\"}", "/f", "integer number of fen"},
    /* dates */
    {"{\"d\": \"2020-02-29\"}", NULL, NULL},
    {"{\"d\": \"2019-02-29\"}", "/d", "calendar date"},
    {"{\"d\": \"2020-13-01\"}", "/d", "calendar date"},
    {"{\"d\": \"2020-1-01\"}", "/d", "YYYY-MM-DD"},
    {"{\"d\": \"2020-01-01T00:00:00Z\"}", "/d", "YYYY-MM-DD"},
    {"{\"d\": 20200101}", "/d", "YYYY-MM-DD"},
    /* enums */
    {"{\"e\": \"red\"}", NULL, NULL},
    {"{\"e\": \"green\"}", NULL, NULL},
    {"{\"e\": \"blue\"}", "/e", "one of: red, green"},
    {"{\"e\": \"RED\"}", "/e", "one of"},
    {"{\"e\": 1}", "/e", "one of"},
    /* USCC */
    {"{\"u\": \"91110108551385082Q\"}", NULL, NULL},
    {"{\"u\": \"91110108551385082A\"}", "/u", "must be Q"},
    {"{\"u\": \"91110108551385082q\"}", "/u", "capital letters"},
    {"{\"u\": \"9111010855138508O2\"}", "/u", "except I, O, S, V and Z"},
    {"{\"u\": \"9111010855138508\"}", "/u", "exactly 18 characters (it has 16)"},
    {"{\"u\": \"911101085513850中2Q\"}", "/u", "capital letters"},
    {"{\"u\": 91110108}", "/u", "Unified Social Credit Code"},
    /* objects */
    {"{\"o\": {\"x\": 1}}", NULL, NULL},
    {"{\"o\": {}}", "/o/x", "required"},
    {"{\"o\": []}", "/o", "object"},
    {"{\"o\": {\"x\": 1, \"y\": 2}}", "/o/y", "unknown field"},
    /* arrays: 1..3 items, unique, each 0..10 */
    {"{\"arr\": []}", "/arr", "at least 1 item"},
    {"{\"arr\": [1]}", NULL, NULL},
    {"{\"arr\": [1, 2, 3]}", NULL, NULL},
    {"{\"arr\": [1, 2, 3, 4]}", "/arr", "at most 3 items"},
    {"{\"arr\": [11, 11, 12, \"x\"]}", "/arr", "at most 3 items (it has 4)"},
    {"{\"arr\": [1, 1]}", "/arr/1", "repeats item 1 (items counted from 1)"},
    {"{\"arr\": [1, 11]}", "/arr/1", "at most 10"},
    {"{\"arr\": 5}", "/arr", "array"},
    {"{\"objs\": []}", NULL, NULL},
    {"{\"objs\": [{\"n\": 1}, {\"n\": 2, \"label\": \"x\"}]}", NULL, NULL},
    {"{\"objs\": [{\"n\": 1}, 7]}", "/objs/1", "object"},
    /* member names that need escaping in a JSON Pointer */
    {"{\"a/b\": 1}", "/a~1b", "true or false"},
    {"{\"m~n\": 1}", "/m~0n", "true or false"},
    {"{\"x/y~z\": 1}", "/x~1y~0z", "unknown field"},
    {"{\"\": 1}", "/", "unknown field"},
    /* read-only members are accepted with any value */
    {"{\"ro\": \"anything\"}", NULL, NULL},
    {"{\"ro\": {\"deep\": [1.5]}}", NULL, NULL},
    /* the document itself */
    {"{}", NULL, NULL},
    {"[]", "", "object"},
    {"\"text\"", "", "object"},
};

#define N_TYPE_CASES (sizeof type_cases / sizeof type_cases[0])

static json_t *parse(const char *text)
{
    json_error_t error;
    json_t *v = json_loads(text, JSON_DECODE_ANY | JSON_REJECT_DUPLICATES | JSON_ALLOW_NUL, &error);

    ck_assert_msg(v != NULL, "bad test JSON %s: %s", text, error.text);
    return v;
}

static void dump_errors(const struct spec_errors *errs, char *out, size_t cap)
{
    size_t len = 0;

    out[0] = '\0';
    for (size_t i = 0; i < errs->count && len + 1 < cap; i++) {
        int n = snprintf(out + len, cap - len, "\n  %s: %s", errs->items[i].pointer,
                         errs->items[i].detail);
        if (n < 0)
            break;
        len += (size_t)n;
    }
}

static void check_case(const struct field_spec *table, const struct vcase *c)
{
    struct spec_errors errs;
    json_t *doc = parse(c->json);
    char dump[4096];
    size_t n;

    spec_errors_init(&errs);
    n = spec_validate(table, doc, "", &errs);
    dump_errors(&errs, dump, sizeof dump);
    ck_assert_int_eq(n, errs.count);
    if (!c->pointer) {
        ck_assert_msg(errs.count == 0, "%s: expected no error, got:%s", c->json, dump);
    } else {
        ck_assert_msg(errs.count == 1, "%s: expected one error at %s, got:%s", c->json, c->pointer,
                      dump);
        ck_assert_str_eq(errs.items[0].pointer, c->pointer);
        if (c->detail)
            ck_assert_msg(strstr(errs.items[0].detail, c->detail) != NULL,
                          "%s: detail '%s' lacks '%s'", c->json, errs.items[0].detail, c->detail);
    }
    spec_errors_release(&errs);
    json_decref(doc);
}

START_TEST(test_types_and_bounds)
{
    check_case(all_types, &type_cases[_i]);
}
END_TEST

static bool has_error(const struct spec_errors *errs, const char *pointer, const char *detail)
{
    for (size_t i = 0; i < errs->count; i++)
        if (strcmp(errs->items[i].pointer, pointer) == 0 &&
            (!detail || strstr(errs->items[i].detail, detail)))
            return true;
    return false;
}

/* Every bad field is reported in one pass, each at its own pointer. */
START_TEST(test_all_errors_in_one_pass)
{
    static const char *const expected[] = {"/s", "/i", "/f", "/e", "/zz"};
    json_t *doc = parse("{\"s\": \"a\", \"i\": 99, \"f\": 1.5, \"e\": \"blue\", \"b\": true, "
                        "\"zz\": 1}");
    struct spec_errors errs;

    spec_errors_init(&errs);
    ck_assert_int_eq(spec_validate(all_types, doc, "", &errs), 5);
    for (size_t i = 0; i < 5; i++)
        ck_assert_msg(has_error(&errs, expected[i], NULL), "no error at %s", expected[i]);
    spec_errors_release(&errs);
    json_decref(doc);
}
END_TEST

START_TEST(test_nested_array_pointers)
{
    json_t *doc = parse("{\"objs\": [{\"n\": 1}, {\"n\": \"x\"}, {\"n\": 11, \"q\": 1}, "
                        "{\"label\": \"\"}]}");
    struct spec_errors errs;

    spec_errors_init(&errs);
    ck_assert_int_eq(spec_validate(all_types, doc, "/data", &errs), 5);
    ck_assert(has_error(&errs, "/data/objs/1/n", "whole number"));
    ck_assert(has_error(&errs, "/data/objs/2/n", "at most 10"));
    ck_assert(has_error(&errs, "/data/objs/2/q", "unknown field"));
    ck_assert(has_error(&errs, "/data/objs/3/n", "required"));
    ck_assert(has_error(&errs, "/data/objs/3/label", "empty"));
    spec_errors_release(&errs);
    json_decref(doc);
}
END_TEST

static const struct field_spec required_fields[] = {
    {.name = "a", .type = SPEC_INT, .required = true},
    {.name = "b", .type = SPEC_STRING, .required = true},
    {.name = "c", .type = SPEC_BOOL},
    {.name = "ro", .type = SPEC_INT, .required = true, .read_only = true},
    {0},
};

START_TEST(test_required_and_unknown)
{
    json_t *doc = parse("{\"c\": true, \"extra\": 1, \"other\": {}}");
    struct spec_errors errs;

    spec_errors_init(&errs);
    ck_assert_int_eq(spec_validate(required_fields, doc, "", &errs), 4);
    ck_assert(has_error(&errs, "/a", "is required"));
    ck_assert(has_error(&errs, "/b", "is required"));
    ck_assert(has_error(&errs, "/extra", "unknown field"));
    ck_assert(has_error(&errs, "/other", "unknown field"));
    /* read-only members are never required */
    ck_assert(!has_error(&errs, "/ro", NULL));
    spec_errors_release(&errs);
    json_decref(doc);
}
END_TEST

/* ---- variants ---- */

static const char *const modes[] = {"a", "b", "c", NULL};
static const char *const subs[] = {"p", "q", NULL};

static const struct field_spec mode_a_fields[] = {
    {.name = "x", .type = SPEC_INT, .required = true},
    {.name = "opt", .type = SPEC_INT},
    {0},
};
static const struct field_spec sub_p_fields[] = {
    {.name = "z", .type = SPEC_INT, .required = true},
    {0},
};
static const struct spec_variant sub_variants[] = {
    {"p", sub_p_fields},
    {NULL, NULL},
};
static const struct field_spec mode_b_fields[] = {
    {.name = "y", .type = SPEC_INT, .required = true},
    {.name = "sub",
     .type = SPEC_ENUM,
     .required = true,
     .enum_values = subs,
     .variants = sub_variants},
    {0},
};
static const struct spec_variant mode_variants[] = {
    {"a", mode_a_fields},
    {"b", mode_b_fields},
    {NULL, NULL},
};
static const struct field_spec variant_table[] = {
    {.name = "mode",
     .type = SPEC_ENUM,
     .required = true,
     .enum_values = modes,
     .variants = mode_variants},
    {.name = "common", .type = SPEC_BOOL},
    {0},
};

static const struct vcase variant_cases[] = {
    {"{\"mode\": \"a\", \"x\": 1}", NULL, NULL},
    {"{\"mode\": \"a\", \"x\": 1, \"opt\": 2, \"common\": true}", NULL, NULL},
    {"{\"mode\": \"a\"}", "/x", "required when mode is a"},
    {"{\"mode\": \"a\", \"x\": \"1\"}", "/x", "whole number"},
    {"{\"mode\": \"a\", \"x\": 1, \"y\": 2}", "/y", "not used when mode is a"},
    {"{\"mode\": \"a\", \"x\": 1, \"z\": 2}", "/z", "not used when mode is a"},
    {"{\"mode\": \"c\"}", NULL, NULL},
    {"{\"mode\": \"c\", \"x\": 1}", "/x", "not used when mode is c"},
    {"{\"mode\": \"b\", \"y\": 1, \"sub\": \"q\"}", NULL, NULL},
    {"{\"mode\": \"b\", \"y\": 1, \"sub\": \"p\", \"z\": 3}", NULL, NULL},
    {"{\"mode\": \"b\", \"y\": 1, \"sub\": \"p\"}", "/z", "required when sub is p"},
    {"{\"mode\": \"b\", \"y\": 1, \"sub\": \"q\", \"z\": 3}", "/z", "not used when sub is q"},
    {"{\"mode\": \"b\", \"y\": 1, \"sub\": \"r\", \"z\": 3}", "/sub", "one of: p, q"},
    {"{\"mode\": \"b\", \"y\": 1, \"z\": 3}", "/sub", "required"},
    {"{\"mode\": \"b\", \"y\": 1, \"sub\": \"q\", \"x\": 3}", "/x", "not used when mode is b"},
    /* an unknown discriminator gives one error; the rest is only type-checked */
    {"{\"x\": 1, \"y\": 2}", "/mode", "required"},
    {"{\"mode\": \"zz\", \"x\": 1, \"sub\": \"p\"}", "/mode", "one of: a, b, c"},
    {"{\"mode\": 7, \"x\": 1}", "/mode", "one of"},
    {"{\"mode\": \"a\", \"x\": 1, \"w\": 1}", "/w", "unknown field"},
};

#define N_VARIANT_CASES (sizeof variant_cases / sizeof variant_cases[0])

START_TEST(test_variants)
{
    check_case(variant_table, &variant_cases[_i]);
}
END_TEST

START_TEST(test_variant_unknown_discriminator_type_checks)
{
    json_t *doc = parse("{\"mode\": \"zz\", \"x\": \"bad\", \"z\": true}");
    struct spec_errors errs;

    spec_errors_init(&errs);
    ck_assert_int_eq(spec_validate(variant_table, doc, "", &errs), 3);
    ck_assert(has_error(&errs, "/mode", "one of"));
    ck_assert(has_error(&errs, "/x", "whole number"));
    ck_assert(has_error(&errs, "/z", "whole number"));
    spec_errors_release(&errs);
    json_decref(doc);
}
END_TEST

/* ---- pointers and error texts ---- */

START_TEST(test_pointer_join)
{
    char out[SPEC_POINTER_LEN];

    spec_pointer_join(out, sizeof out, "", "a");
    ck_assert_str_eq(out, "/a");
    spec_pointer_join(out, sizeof out, "/data", "a/b");
    ck_assert_str_eq(out, "/data/a~1b");
    spec_pointer_join(out, sizeof out, "/data", "m~n");
    ck_assert_str_eq(out, "/data/m~0n");
    spec_pointer_join(out, sizeof out, "", "~1/~0");
    ck_assert_str_eq(out, "/~01~1~00");
    spec_pointer_join(out, sizeof out, "/x", "");
    ck_assert_str_eq(out, "/x/");
    spec_pointer_index(out, sizeof out, "/data/incubatees", 3);
    ck_assert_str_eq(out, "/data/incubatees/3");
    spec_pointer_index(out, sizeof out, "", 0);
    ck_assert_str_eq(out, "/0");
}
END_TEST

/* A result cut short keeps whole characters and whole escapes. */
START_TEST(test_pointer_join_truncates)
{
    char out[8];

    spec_pointer_join(out, sizeof out, "/ab", "中文"); /* "/ab/" + 3 + 3 bytes */
    ck_assert_str_eq(out, "/ab/中");
    spec_pointer_join(out, sizeof out, "/abcd", "x~");
    ck_assert_str_eq(out, "/abcd/x");
    spec_pointer_join(out, sizeof out, "/abcdefghij", "k");
    ck_assert_str_eq(out, "/abcdef");
    ck_assert_int_eq(strlen(out), 7);
}
END_TEST

START_TEST(test_errors_truncate_utf8)
{
    struct spec_errors errs;
    char pointer[400], detail[400];
    json_t *s;

    /* 300 bytes of three-byte characters after a one-byte prefix: any cut
     * at 255 bytes lands inside a character. */
    pointer[0] = '/';
    for (size_t i = 0; i < 100; i++)
        memcpy(pointer + 1 + 3 * i, "中", 3);
    pointer[301] = '\0';
    memcpy(detail, pointer, 302);
    spec_errors_init(&errs);
    spec_errors_add(&errs, pointer, "%s", detail);
    ck_assert_int_eq(errs.count, 1);
    ck_assert_int_lt(strlen(errs.items[0].pointer), SPEC_POINTER_LEN);
    ck_assert_int_lt(strlen(errs.items[0].detail), SPEC_DETAIL_LEN);
    /* json_string refuses invalid UTF-8 */
    s = json_string(errs.items[0].pointer);
    ck_assert_ptr_nonnull(s);
    json_decref(s);
    s = json_string(errs.items[0].detail);
    ck_assert_ptr_nonnull(s);
    json_decref(s);
    ck_assert_int_eq(strlen(errs.items[0].pointer), 1 + 3 * 84);
    for (int i = 0; i < 100; i++)
        spec_errors_add(&errs, "/x", "error %d", i);
    /* The first SPEC_ERRORS_MAX are kept, the rest counted. */
    ck_assert_int_eq(errs.count, SPEC_ERRORS_MAX);
    ck_assert_int_eq(errs.dropped, 1);
    ck_assert_int_eq(spec_errors_total(&errs), 101);
    ck_assert_str_eq(errs.items[SPEC_ERRORS_MAX - 1].detail, "error 98");
    spec_errors_release(&errs);
    ck_assert_int_eq(errs.dropped, 0);
    ck_assert_int_eq(errs.count, 0);
    ck_assert_ptr_null(errs.items);
}
END_TEST

/* ---- stopping early ---- */

static const struct field_spec lists[] = {
    {.name = "arr",
     .type = SPEC_ARRAY,
     .min = 0,
     .max = 3,
     .items = &small_int,
     .unique_items = true},
    {.name = "any", .type = SPEC_ARRAY, .unique_items = true}, /* no bounds, any items */
    {.name = "objs", .type = SPEC_ARRAY, .min = 0, .max = 100000, .items = &item_object},
    {0},
};

/* An array over its maximum is one error: its items, each of them out of
 * bounds here, are not looked at. */
START_TEST(test_huge_array_is_one_error)
{
    json_t *arr = json_array();
    struct spec_errors errs;

    for (int i = 0; i < 160000; i++)
        json_array_append_new(arr, json_integer(100 + i));
    json_t *doc = json_pack("{s:o}", "arr", arr);
    spec_errors_init(&errs);
    ck_assert_int_eq(spec_validate(lists, doc, "/data", &errs), 1);
    ck_assert_int_eq(errs.count, 1);
    ck_assert_int_eq(errs.dropped, 0);
    ck_assert_str_eq(errs.items[0].pointer, "/data/arr");
    ck_assert_str_eq(errs.items[0].detail, "must list at most 3 items (it has 160000)");
    spec_errors_release(&errs);
    json_decref(doc);
}
END_TEST

/* Repeated values are those json_equal() finds equal, whatever their
 * type; each names the first occurrence; errors come in item order. */
START_TEST(test_repeats_of_any_type)
{
    static const struct {
        size_t item, first;
    } expected[] = {{4, 0},  {8, 7},   {11, 5}, {12, 6}, {13, 1},
                    {15, 2}, {17, 16}, {18, 9}, {23, 22}};
    json_t *doc = parse("{\"any\": [1, \"1\", 1.0, 2, 1, true, null, {\"a\": 1, \"b\": [2]},"
                        " {\"b\": [2], \"a\": 1}, [1, 2], [2, 1], true, null, \"1\", 2.0, 1.0,"
                        " 0.1, 0.1, [1, 2], \"1 \", false, {}, 0.0, -0.0]}");
    struct spec_errors errs;
    char pointer[32], detail[120];

    spec_errors_init(&errs);
    ck_assert_int_eq(spec_validate(lists, doc, "", &errs), 9);
    for (size_t i = 0; i < 9; i++) {
        snprintf(pointer, sizeof pointer, "/any/%zu", expected[i].item);
        snprintf(detail, sizeof detail,
                 "repeats item %zu (items counted from 1); each value may be listed only once",
                 expected[i].first + 1);
        ck_assert_str_eq(errs.items[i].pointer, pointer);
        ck_assert_str_eq(errs.items[i].detail, detail);
    }
    spec_errors_release(&errs);
    json_decref(doc);
}
END_TEST

/* 20,000 items of 100 values: each past the first hundred repeats one of
 * them, found without comparing every pair; the list keeps the first
 * SPEC_ERRORS_MAX errors and counts the rest. */
START_TEST(test_many_repeats)
{
    json_t *arr = json_array();
    struct spec_errors errs;

    for (int i = 0; i < 20000; i++)
        json_array_append_new(arr, json_integer(i % 100));
    json_t *doc = json_pack("{s:o}", "any", arr);
    spec_errors_init(&errs);
    ck_assert_int_eq(spec_validate(lists, doc, "", &errs), 19900);
    ck_assert_int_eq(errs.count, SPEC_ERRORS_MAX);
    ck_assert_int_eq(errs.dropped, 19900 - SPEC_ERRORS_MAX);
    ck_assert_str_eq(errs.items[0].pointer, "/any/100");
    ck_assert_str_eq(errs.items[0].detail,
                     "repeats item 1 (items counted from 1); each value may be listed only once");
    ck_assert_str_eq(errs.items[SPEC_ERRORS_MAX - 1].pointer, "/any/199");
    spec_errors_release(&errs);
    json_decref(doc);
}
END_TEST

START_TEST(test_find_repeats)
{
    json_t *a = json_string("北京"), *b = json_string("北京"), *c = json_integer(7);
    const json_t *values[] = {a, NULL, c, b, NULL, c};
    size_t out[6];

    ck_assert_int_eq(spec_find_repeats(values, 6, out), 0);
    ck_assert(out[0] == SPEC_NO_REPEAT && out[1] == SPEC_NO_REPEAT && out[2] == SPEC_NO_REPEAT);
    ck_assert_uint_eq(out[3], 0);
    ck_assert(out[4] == SPEC_NO_REPEAT);
    ck_assert_uint_eq(out[5], 2);
    ck_assert_int_eq(spec_find_repeats(values, 0, out), 0);
    json_decref(a);
    json_decref(b);
    json_decref(c);
}
END_TEST

/* Thousands of bad fields: the first SPEC_ERRORS_MAX in document order,
 * and a 422 that says how many there were. */
START_TEST(test_error_list_is_bounded)
{
    json_t *objs = json_array();
    struct spec_errors errs;
    char summary[128];

    for (int i = 0; i < 5000; i++)
        json_array_append_new(objs, json_pack("{s:s, s:i}", "n", "x", "q", 1));
    json_t *doc = json_pack("{s:o}", "objs", objs);
    spec_errors_init(&errs);
    ck_assert_int_eq(spec_validate(lists, doc, "", &errs), 10000);
    ck_assert_int_eq(errs.count, SPEC_ERRORS_MAX);
    ck_assert_int_eq(spec_errors_total(&errs), 10000);
    ck_assert_str_eq(errs.items[0].pointer, "/objs/0/n");
    ck_assert_str_eq(errs.items[1].pointer, "/objs/0/q");
    ck_assert_str_eq(errs.items[SPEC_ERRORS_MAX - 1].pointer, "/objs/49/q");

    spec_errors_summary(&errs, summary, sizeof summary, NULL, 0);
    ck_assert_str_eq(summary, "10000 fields are invalid; errors lists the first 100");
    json_t *problem = json_object();
    ck_assert_int_eq(spec_errors_to_problem(&errs, problem, false), 0);
    ck_assert_int_eq(json_array_size(json_object_get(problem, "errors")), SPEC_ERRORS_MAX);
    ck_assert(json_is_true(json_object_get(problem, "truncated")));
    ck_assert_int_eq(json_integer_value(json_object_get(problem, "error_count")), 10000);
    json_decref(problem);
    spec_errors_release(&errs);

    /* Within the bound, the 422 is as it always was. */
    spec_errors_init(&errs);
    spec_errors_add(&errs, "/a", "is required");
    spec_errors_summary(&errs, summary, sizeof summary, NULL, 0);
    ck_assert_str_eq(summary, "1 field is invalid; see errors");
    problem = json_object();
    ck_assert_int_eq(spec_errors_to_problem(&errs, problem, false), 0);
    ck_assert_int_eq(json_object_size(problem), 1);
    json_t *first = json_array_get(json_object_get(problem, "errors"), 0);
    ck_assert_str_eq(json_string_value(json_object_get(first, "pointer")), "/a");
    ck_assert_str_eq(json_string_value(json_object_get(first, "detail")), "is required");
    json_decref(problem);
    spec_errors_release(&errs);
    json_decref(doc);
}
END_TEST

/* ---- decoding ---- */

#define SHADES(X) X(SHADE_LIGHT, "light") X(SHADE_DARK, "dark")
enum shade { SHADES(SPEC_ENUM_ID) };
static const char *const shades[] = {SHADES(SPEC_ENUM_TEXT) NULL};

struct decoded_inner {
    int64_t x;
};

struct decoded_item {
    int64_t n;
    const char *label;
};

/* Where all_types_decoded puts what it decodes: one member of each type. */
struct decoded {
    const char *s, *t, *u;
    bool b;
    int64_t i, any, f;
    sb_day d;
    int e; /* an index into colours */
    struct decoded_inner o;
    const int64_t *arr;
    size_t n_arr;
    const struct decoded_item *objs;
    size_t n_objs;
    bool slash, tilde;
    enum shade shade; /* a C enum generated with the string table */
    const enum shade *shades;
    size_t n_shades;
    int64_t opt;
    bool has_opt;
};

#define TO(m) SPEC_TO(struct decoded, m)

static const struct field_spec inner_decoded_fields[] = {
    {.name = "x", .type = SPEC_INT, .required = true, .to = SPEC_TO(struct decoded_inner, x)},
    {0},
};

static const struct field_spec item_decoded_fields[] = {
    {.name = "n",
     .type = SPEC_INT,
     .required = true,
     .min = 0,
     .max = 10,
     .to = SPEC_TO(struct decoded_item, n)},
    {.name = "label",
     .type = SPEC_STRING,
     .min = 1,
     .max = 20,
     .to = SPEC_TO(struct decoded_item, label)},
    {0},
};

static const struct field_spec item_decoded = {.type = SPEC_OBJECT, .fields = item_decoded_fields};
static const struct field_spec shade_item = {.type = SPEC_ENUM, .enum_values = shades};

/* all_types with destinations, plus a C enum, an array of enums and an
 * optional member with its presence flag: checked exactly as all_types. */
static const struct field_spec all_types_decoded[] = {
    {.name = "s",
     .type = SPEC_STRING,
     .min = 2,
     .max = 5,
     .title_zh = "名称",
     .title_en = "Name",
     .help = "A short name.",
     .to = TO(s)},
    {.name = "t", .type = SPEC_TEXT, .min = 1, .max = 5, .to = TO(t)},
    {.name = "b", .type = SPEC_BOOL, .to = TO(b)},
    {.name = "i", .type = SPEC_INT, .min = -5, .max = 5, .to = TO(i)},
    {.name = "any", .type = SPEC_INT, .to = TO(any)},
    {.name = "f", .type = SPEC_FEN, .min = 0, .max = 100, .to = TO(f)},
    {.name = "d", .type = SPEC_DATE, .to = TO(d)},
    {.name = "e", .type = SPEC_ENUM, .enum_values = colours, .to = TO(e)},
    {.name = "u", .type = SPEC_USCC, .to = TO(u)},
    {.name = "o", .type = SPEC_OBJECT, .fields = inner_decoded_fields, .to = TO(o)},
    {.name = "arr",
     .type = SPEC_ARRAY,
     .min = 1,
     .max = 3,
     .items = &small_int,
     .unique_items = true,
     .to = SPEC_TO_ARRAY(struct decoded, arr, n_arr)},
    {.name = "objs",
     .type = SPEC_ARRAY,
     .items = &item_decoded,
     .to = SPEC_TO_ARRAY(struct decoded, objs, n_objs)},
    {.name = "a/b", .type = SPEC_BOOL, .to = TO(slash)},
    {.name = "m~n", .type = SPEC_BOOL, .to = TO(tilde)},
    {.name = "ro", .type = SPEC_INT, .read_only = true},
    {0},
};

static const struct field_spec more_decoded[] = {
    {.name = "shade", .type = SPEC_ENUM, .enum_values = shades, .to = TO(shade)},
    {.name = "shades",
     .type = SPEC_ARRAY,
     .items = &shade_item,
     .to = SPEC_TO_ARRAY(struct decoded, shades, n_shades)},
    {.name = "opt", .type = SPEC_INT, .to = SPEC_TO_OPTIONAL(struct decoded, opt, has_opt)},
    {0},
};

/* Parses text into *out (cleared first) with table; returns the number of
 * errors, which go to errs.  The document and the arena are the caller's. */
static size_t decode(const struct field_spec *table, json_t *doc, struct decoded *out,
                     struct spec_arena *arena, struct spec_errors *errs)
{
    memset(out, 0, sizeof *out);
    return spec_parse(table, doc, "", out, arena, errs);
}

/* Every type decoded, at the low and the high ends of its bounds. */
START_TEST(test_decode_every_type)
{
    static const char *const docs[] = {
        "{\"s\": \"ab\", \"t\": \"a\", \"b\": false, \"i\": -5, \"any\": -9223372036854775807,"
        " \"f\": 0, \"d\": \"1900-01-01\", \"e\": \"red\", \"u\": \"91110108551385082Q\","
        " \"o\": {\"x\": -1}, \"arr\": [0], \"objs\": [], \"a/b\": false, \"m~n\": true,"
        " \"ro\": \"ignored\"}",
        "{\"s\": \"中文字符号\", \"t\": \"a\\r\\nb\\t\", \"b\": true, \"i\": 5,"
        " \"any\": 9223372036854775807, \"f\": 100, \"d\": \"9999-12-31\", \"e\": \"green\","
        " \"u\": \"91110000802100433B\", \"o\": {\"x\": 7}, \"arr\": [10, 0, 5],"
        " \"objs\": [{\"n\": 10, \"label\": \"x\"}], \"a/b\": true, \"m~n\": false}",
    };
    struct spec_arena arena;
    struct spec_errors errs;
    struct decoded v;

    for (size_t k = 0; k < 2; k++) {
        json_t *doc = parse(docs[k]);

        spec_arena_init(&arena);
        spec_errors_init(&errs);
        ck_assert_uint_eq(decode(all_types_decoded, doc, &v, &arena, &errs), 0);
        if (k == 0) {
            ck_assert_str_eq(v.s, "ab");
            ck_assert_str_eq(v.t, "a");
            ck_assert(!v.b);
            ck_assert_int_eq(v.i, -5);
            ck_assert_int_eq(v.any, -9223372036854775807LL);
            ck_assert_int_eq(v.f, 0);
            ck_assert_int_eq(v.d, date_from_ymd(1900, 1, 1));
            ck_assert_int_eq(v.e, 0);
            ck_assert_str_eq(v.u, "91110108551385082Q");
            ck_assert_int_eq(v.o.x, -1);
            ck_assert_uint_eq(v.n_arr, 1);
            ck_assert_int_eq(v.arr[0], 0);
            ck_assert_uint_eq(v.n_objs, 0);
            ck_assert_ptr_null(v.objs);
            ck_assert(!v.slash);
            ck_assert(v.tilde);
        } else {
            ck_assert_str_eq(v.s, "中文字符号");
            ck_assert_str_eq(v.t, "a\r\nb\t");
            ck_assert(v.b);
            ck_assert_int_eq(v.i, 5);
            ck_assert_int_eq(v.any, INT64_MAX);
            ck_assert_int_eq(v.f, 100);
            ck_assert_int_eq(v.d, date_from_ymd(9999, 12, 31));
            ck_assert_int_eq(v.e, 1);
            ck_assert_str_eq(v.u, "91110000802100433B");
            ck_assert_int_eq(v.o.x, 7);
            ck_assert_uint_eq(v.n_arr, 3);
            ck_assert_int_eq(v.arr[0], 10);
            ck_assert_int_eq(v.arr[1], 0);
            ck_assert_int_eq(v.arr[2], 5);
            ck_assert_uint_eq(v.n_objs, 1);
            ck_assert_int_eq(v.objs[0].n, 10);
            ck_assert_str_eq(v.objs[0].label, "x");
            ck_assert(v.slash);
            ck_assert(!v.tilde);
        }
        /* Strings are borrowed from the document, not copied. */
        ck_assert_ptr_eq(v.s, json_string_value(json_object_get(doc, "s")));
        spec_errors_release(&errs);
        spec_arena_release(&arena);
        json_decref(doc);
    }
}
END_TEST

/* Arrays of objects keep their order; a missing optional member of an item
 * stays NULL; an item's members are its own. */
START_TEST(test_decode_array_of_objects)
{
    json_t *doc = parse("{\"objs\": [{\"n\": 1}, {\"n\": 2, \"label\": \"two\"}, {\"n\": 3}]}");
    struct spec_arena arena;
    struct spec_errors errs;
    struct decoded v;

    spec_arena_init(&arena);
    spec_errors_init(&errs);
    ck_assert_uint_eq(decode(all_types_decoded, doc, &v, &arena, &errs), 0);
    ck_assert_uint_eq(v.n_objs, 3);
    for (size_t i = 0; i < 3; i++)
        ck_assert_int_eq(v.objs[i].n, (int64_t)i + 1);
    ck_assert_ptr_null(v.objs[0].label);
    ck_assert_str_eq(v.objs[1].label, "two");
    ck_assert_ptr_null(v.objs[2].label);
    ck_assert_uint_eq(v.n_arr, 0);
    ck_assert_ptr_null(v.arr);
    spec_errors_release(&errs);
    spec_arena_release(&arena);
    json_decref(doc);
}
END_TEST

/* A C enum from the same X-macro as the strings; arrays of enums; an
 * optional member absent, present with zero, present with a value. */
START_TEST(test_decode_enums_and_optional)
{
    static const struct {
        const char *json;
        bool has_opt;
        int64_t opt;
    } cases[] = {
        {"{\"shade\": \"dark\", \"shades\": [\"dark\", \"light\", \"dark\"]}", false, 0},
        {"{\"shade\": \"light\", \"opt\": 0}", true, 0},
        {"{\"opt\": -3}", true, -3},
    };

    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        json_t *doc = parse(cases[k].json);
        struct spec_arena arena;
        struct spec_errors errs;
        struct decoded v;

        spec_arena_init(&arena);
        spec_errors_init(&errs);
        ck_assert_uint_eq(decode(more_decoded, doc, &v, &arena, &errs), 0);
        ck_assert_int_eq(v.has_opt, cases[k].has_opt);
        ck_assert_int_eq(v.opt, cases[k].opt);
        if (k == 0) {
            ck_assert_int_eq(v.shade, SHADE_DARK);
            ck_assert_uint_eq(v.n_shades, 3);
            ck_assert_int_eq(v.shades[0], SHADE_DARK);
            ck_assert_int_eq(v.shades[1], SHADE_LIGHT);
            ck_assert_int_eq(v.shades[2], SHADE_DARK);
        } else {
            ck_assert_int_eq(v.shade, SHADE_LIGHT); /* the first, or absent: zero */
            ck_assert_uint_eq(v.n_shades, 0);
        }
        spec_errors_release(&errs);
        spec_arena_release(&arena);
        json_decref(doc);
    }
}
END_TEST

/* Leniently (a form being filled in): nothing is required, null is not
 * filled in yet, a list may be short; what is there is held to its type and
 * bounds as strictly as ever. */
START_TEST(test_lenient_mode)
{
    static const struct {
        const char *json;
        size_t strict, lenient; /* errors found */
        const char *pointer;    /* the first lenient error, or NULL */
    } cases[] = {
        /* item n required, o.x required */
        {"{\"objs\": [{}], \"o\": {}}", 2, 0, NULL},
        {"{\"s\": null, \"o\": null, \"objs\": null}", 3, 0, NULL},
        {"{\"objs\": [null, {\"n\": null}]}", 2, 0, NULL},
        /* arr: 1..3 items, unique; short is unfinished, long is wrong */
        {"{\"arr\": []}", 1, 0, NULL},
        {"{\"arr\": [null, null]}", 3, 0, NULL},
        {"{\"arr\": [1, 2, 3, 4]}", 1, 1, "/arr"},
        {"{\"arr\": [1, null, 1]}", 2, 1, "/arr/2"},
        /* types and bounds of what is there */
        {"{\"i\": \"3\"}", 1, 1, "/i"},
        {"{\"i\": 6}", 1, 1, "/i"},
        {"{\"s\": \"a\"}", 1, 1, "/s"},
        {"{\"e\": \"blue\"}", 1, 1, "/e"},
        {"{\"d\": \"2019-02-30\"}", 1, 1, "/d"},
        {"{\"u\": \"91110108551385082A\"}", 1, 1, "/u"},
        {"{\"objs\": [{\"n\": 11}]}", 1, 1, "/objs/0/n"},
        {"{\"nope\": 1}", 1, 1, "/nope"},
    };

    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        json_t *doc = parse(cases[k].json);
        struct spec_errors errs;

        spec_errors_init(&errs);
        ck_assert_msg(spec_validate(all_types, doc, "", &errs) == cases[k].strict,
                      "%s: %zu strict errors", cases[k].json, errs.count);
        spec_errors_release(&errs);
        spec_errors_init(&errs);
        ck_assert_msg(spec_parse_mode(all_types, doc, "", NULL, NULL, &errs, SPEC_LENIENT) ==
                          cases[k].lenient,
                      "%s: %zu lenient errors, first %s", cases[k].json, errs.count,
                      errs.count ? errs.items[0].pointer : "");
        if (cases[k].pointer)
            ck_assert_str_eq(errs.items[0].pointer, cases[k].pointer);
        spec_errors_release(&errs);
        json_decref(doc);
    }
}
END_TEST

/* What a lenient parse decodes: what is there, the rest zero. */
START_TEST(test_lenient_decoding)
{
    json_t *doc = parse("{\"i\": 4, \"arr\": [null, 7], \"objs\": [{\"label\": \"x\"}, null], "
                        "\"o\": null}");
    struct spec_arena arena;
    struct spec_errors errs;
    struct decoded v;

    spec_arena_init(&arena);
    spec_errors_init(&errs);
    memset(&v, 0, sizeof v);
    ck_assert_uint_eq(spec_parse_mode(all_types_decoded, doc, "", &v, &arena, &errs, SPEC_LENIENT),
                      0);
    ck_assert_int_eq(v.i, 4);
    ck_assert_uint_eq(v.n_arr, 2);
    ck_assert_int_eq(v.arr[0], 0);
    ck_assert_int_eq(v.arr[1], 7);
    ck_assert_uint_eq(v.n_objs, 2);
    ck_assert_int_eq(v.objs[0].n, 0);
    ck_assert_str_eq(v.objs[0].label, "x");
    ck_assert_ptr_null(v.objs[1].label);
    ck_assert_int_eq(v.o.x, 0);
    ck_assert_ptr_null(v.s);
    /* strictly, the same document has four things to say */
    spec_errors_release(&errs);
    spec_errors_init(&errs);
    ck_assert_uint_eq(spec_validate(all_types, doc, "", &errs), 4);
    spec_errors_release(&errs);
    spec_arena_release(&arena);
    json_decref(doc);
}
END_TEST

/* Variants decode into the same struct; the discriminator says which
 * members are meaningful, and the others stay as they were. */
struct decoded_variant {
    int mode; /* index into modes */
    bool common;
    int64_t x, opt; /* mode a */
    int64_t y;      /* mode b */
    int sub;        /* mode b: index into subs */
    int64_t z;      /* mode b, sub p */
};

#define VTO(m) SPEC_TO(struct decoded_variant, m)

static const struct field_spec mode_a_decoded[] = {
    {.name = "x", .type = SPEC_INT, .required = true, .to = VTO(x)},
    {.name = "opt", .type = SPEC_INT, .to = VTO(opt)},
    {0},
};
static const struct field_spec sub_p_decoded[] = {
    {.name = "z", .type = SPEC_INT, .required = true, .to = VTO(z)},
    {0},
};
static const struct spec_variant sub_variants_decoded[] = {
    {"p", sub_p_decoded},
    {NULL, NULL},
};
static const struct field_spec mode_b_decoded[] = {
    {.name = "y", .type = SPEC_INT, .required = true, .to = VTO(y)},
    {.name = "sub",
     .type = SPEC_ENUM,
     .required = true,
     .enum_values = subs,
     .variants = sub_variants_decoded,
     .to = VTO(sub)},
    {0},
};
static const struct spec_variant mode_variants_decoded[] = {
    {"a", mode_a_decoded},
    {"b", mode_b_decoded},
    {NULL, NULL},
};
static const struct field_spec variant_table_decoded[] = {
    {.name = "mode",
     .type = SPEC_ENUM,
     .required = true,
     .enum_values = modes,
     .variants = mode_variants_decoded,
     .to = VTO(mode)},
    {.name = "common", .type = SPEC_BOOL, .to = VTO(common)},
    {0},
};

START_TEST(test_decode_variants)
{
    static const struct {
        const char *json;
        struct decoded_variant want;
    } cases[] = {
        {"{\"mode\": \"a\", \"x\": 4, \"opt\": 5, \"common\": true}",
         {.mode = 0, .common = true, .x = 4, .opt = 5}},
        {"{\"mode\": \"b\", \"y\": 6, \"sub\": \"q\"}", {.mode = 1, .y = 6, .sub = 1}},
        {"{\"mode\": \"b\", \"y\": 6, \"sub\": \"p\", \"z\": 9}",
         {.mode = 1, .y = 6, .sub = 0, .z = 9}},
        {"{\"mode\": \"c\"}", {.mode = 2}},
    };

    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        json_t *doc = parse(cases[k].json);
        struct spec_errors errs;
        struct decoded_variant v;

        /* Filled with a marker, so that what is not decoded shows. */
        memset(&v, 0, sizeof v);
        v.x = v.opt = v.y = v.z = -1;
        spec_errors_init(&errs);
        ck_assert_uint_eq(spec_parse(variant_table_decoded, doc, "", &v, NULL, &errs), 0);
        ck_assert_int_eq(v.mode, cases[k].want.mode);
        ck_assert_int_eq(v.common, cases[k].want.common);
        ck_assert_int_eq(v.x, cases[k].want.x ? cases[k].want.x : -1);
        ck_assert_int_eq(v.opt, cases[k].want.opt ? cases[k].want.opt : -1);
        ck_assert_int_eq(v.y, cases[k].want.y ? cases[k].want.y : -1);
        ck_assert_int_eq(v.sub, cases[k].want.sub);
        ck_assert_int_eq(v.z, cases[k].want.z ? cases[k].want.z : -1);
        spec_errors_release(&errs);
        json_decref(doc);
    }
}
END_TEST

/* The errors of a document do not depend on decoding: every case of the
 * validation tests gives the same list, pointer and text, whether it is
 * only validated (spec_validate, or spec_parse into a NULL dest) or also
 * decoded. */
static void assert_same_errors(const struct spec_errors *a, const struct spec_errors *b,
                               const char *json)
{
    ck_assert_msg(a->count == b->count, "%s: %zu errors against %zu", json, a->count, b->count);
    ck_assert_uint_eq(a->dropped, b->dropped);
    for (size_t i = 0; i < a->count; i++) {
        ck_assert_str_eq(a->items[i].pointer, b->items[i].pointer);
        ck_assert_str_eq(a->items[i].detail, b->items[i].detail);
    }
}

static void check_same_errors(const struct field_spec *plain, const struct field_spec *typed,
                              const char *json, size_t dest_size)
{
    json_t *doc = parse(json);
    struct spec_errors validated, undecoded, decoded;
    struct spec_arena arena;
    alignas(max_align_t) unsigned char dest[256];

    ck_assert_uint_le(dest_size, sizeof dest);
    memset(dest, 0, sizeof dest);
    spec_arena_init(&arena);
    spec_errors_init(&validated);
    spec_errors_init(&undecoded);
    spec_errors_init(&decoded);
    ck_assert_uint_eq(spec_validate(plain, doc, "/data", &validated),
                      spec_errors_total(&validated));
    ck_assert_uint_eq(spec_parse(typed, doc, "/data", NULL, NULL, &undecoded),
                      spec_errors_total(&undecoded));
    ck_assert_uint_eq(spec_parse(typed, doc, "/data", dest, &arena, &decoded),
                      spec_errors_total(&decoded));
    assert_same_errors(&validated, &undecoded, json);
    assert_same_errors(&validated, &decoded, json);
    spec_errors_release(&validated);
    spec_errors_release(&undecoded);
    spec_errors_release(&decoded);
    spec_arena_release(&arena);
    json_decref(doc);
}

START_TEST(test_decode_same_errors)
{
    check_same_errors(all_types, all_types_decoded, type_cases[_i].json, sizeof(struct decoded));
}
END_TEST

START_TEST(test_decode_same_errors_variants)
{
    check_same_errors(variant_table, variant_table_decoded, variant_cases[_i].json,
                      sizeof(struct decoded_variant));
}
END_TEST

/* Many errors at once, nested ones included, come in the same order. */
START_TEST(test_decode_same_errors_many)
{
    check_same_errors(all_types, all_types_decoded,
                      "{\"s\": \"a\", \"i\": 99, \"f\": 1.5, \"e\": \"blue\", \"b\": true, "
                      "\"zz\": 1, \"objs\": [{\"n\": 1}, {\"n\": \"x\"}, {\"n\": 11, \"q\": 1}, "
                      "{\"label\": \"\"}], \"arr\": [1, 1, 2, 3], \"o\": {\"y\": 1}}",
                      sizeof(struct decoded));
}
END_TEST

/* Past the errors a list keeps, the count still agrees, and spec_parse
 * says how many it found. */
START_TEST(test_decode_same_errors_bounded)
{
    char doc[4096];
    size_t len = 0;

    len += (size_t)snprintf(doc + len, sizeof doc - len, "{\"s\": 1");
    for (int i = 0; i < 150; i++)
        len += (size_t)snprintf(doc + len, sizeof doc - len, ", \"x%d\": %d", i, i);
    snprintf(doc + len, sizeof doc - len, "}");
    check_same_errors(all_types, all_types_decoded, doc, sizeof(struct decoded));

    json_t *parsed = parse(doc);
    struct spec_errors errs;
    struct spec_arena arena;
    struct decoded v;

    spec_errors_init(&errs);
    spec_arena_init(&arena);
    ck_assert_uint_eq(decode(all_types_decoded, parsed, &v, &arena, &errs), 151);
    ck_assert_uint_eq(errs.count, SPEC_ERRORS_MAX);
    spec_errors_release(&errs);
    spec_arena_release(&arena);
    json_decref(parsed);
}
END_TEST

/* What fails its checks is not what the struct is used for; an array whose
 * count is out of bounds is not given memory at all, nor a value of the
 * wrong type a destination. */
START_TEST(test_decode_invalid_left_alone)
{
    json_t *doc = parse("{\"arr\": [1, 2, 3, 4], \"b\": 1, \"d\": \"2019-02-29\", "
                        "\"e\": \"blue\", \"s\": 5, \"o\": []}");
    struct spec_arena arena;
    struct spec_errors errs;
    struct decoded v;

    spec_arena_init(&arena);
    spec_errors_init(&errs);
    ck_assert_uint_eq(decode(all_types_decoded, doc, &v, &arena, &errs), 6);
    ck_assert_ptr_null(v.arr);
    ck_assert_uint_eq(v.n_arr, 0);
    ck_assert(!v.b);
    ck_assert_int_eq(v.d, 0);
    ck_assert_int_eq(v.e, 0);
    ck_assert_ptr_null(v.s);
    ck_assert_int_eq(v.o.x, 0);
    ck_assert_ptr_null(arena.head);
    spec_errors_release(&errs);
    spec_arena_release(&arena);
    json_decref(doc);
}
END_TEST

/* Destinations must have the C type of their spec type: the check the
 * parse asserts, which the kinds' tests run over every table. */
START_TEST(test_dest_fits)
{
    struct wrong {
        int64_t n;
        bool flag;
        int index;
        const char *text;
        const int64_t *list;
        size_t n_list;
    };
    const struct field_spec good[] = {
        {.name = "a", .type = SPEC_INT, .to = SPEC_TO(struct wrong, n)},
        {.name = "b", .type = SPEC_BOOL, .to = SPEC_TO(struct wrong, flag)},
        {.name = "c", .type = SPEC_DATE, .to = SPEC_TO(struct wrong, index)},
        {.name = "d",
         .type = SPEC_ENUM,
         .enum_values = colours,
         .to = SPEC_TO(struct wrong, index)},
        {.name = "e", .type = SPEC_USCC, .to = SPEC_TO(struct wrong, text)},
        {.name = "f",
         .type = SPEC_ARRAY,
         .items = &small_int,
         .to = SPEC_TO_ARRAY(struct wrong, list, n_list)},
        {.name = "g", .type = SPEC_BOOL},
    };
    const struct field_spec bad[] = {
        {.name = "a", .type = SPEC_INT, .to = SPEC_TO(struct wrong, index)},
        {.name = "b", .type = SPEC_BOOL, .to = SPEC_TO(struct wrong, n)},
        {.name = "c", .type = SPEC_DATE, .to = SPEC_TO(struct wrong, n)},
        {.name = "d", .type = SPEC_STRING, .to = SPEC_TO(struct wrong, n)},
        {.name = "e", .type = SPEC_INT, .to = SPEC_TO(struct wrong, text)},
        {.name = "f", .type = SPEC_ENUM, .to = SPEC_TO(struct wrong, index)}, /* no values */
        {.name = "g",
         .type = SPEC_ARRAY,
         .items = &item_decoded,
         .to = SPEC_TO_ARRAY(struct wrong, list, n_list)},
        {.name = "h", .type = SPEC_INT, .read_only = true, .to = SPEC_TO(struct wrong, n)},
    };

    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++)
        ck_assert_msg(spec_dest_fits(&good[i]), "good %s", good[i].name);
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        ck_assert_msg(!spec_dest_fits(&bad[i]), "bad %s", bad[i].name);
    for (const struct field_spec *f = all_types_decoded; f->name; f++)
        ck_assert_msg(spec_dest_fits(f), "%s", f->name);
    for (const struct field_spec *f = more_decoded; f->name; f++)
        ck_assert_msg(spec_dest_fits(f), "%s", f->name);
}
END_TEST

/* Arena memory is zeroed, aligned for any type, and comes in blocks that
 * grow; an allocation larger than a block gets one of its own. */
START_TEST(test_arena)
{
    struct spec_arena arena;
    unsigned char *p[40];

    spec_arena_init(&arena);
    ck_assert_ptr_null(arena.head);
    for (size_t i = 0; i < 40; i++) {
        size_t size = i == 20 ? 100000 : 1 + i * 37;

        p[i] = spec_arena_alloc(&arena, size);
        ck_assert_uint_eq((uintptr_t)p[i] % alignof(max_align_t), 0);
        for (size_t j = 0; j < size; j++)
            ck_assert_uint_eq(p[i][j], 0);
        memset(p[i], 0xab, size);
    }
    ck_assert_ptr_nonnull(spec_arena_alloc(&arena, 0));
    spec_arena_release(&arena);
    ck_assert_ptr_null(arena.head);
    spec_arena_release(&arena);
}
END_TEST

/* ---- schema ---- */

static json_t *at(json_t *v, const char *path)
{
    char key[64];

    while (v && *path) {
        size_t n = strcspn(path, ".");
        ck_assert(n < sizeof key);
        memcpy(key, path, n);
        key[n] = '\0';
        v = json_object_get(v, key);
        path += n + (path[n] == '.');
    }
    return v;
}

static bool array_has(const json_t *array, const char *s)
{
    size_t i;
    json_t *v;

    json_array_foreach(array, i, v) if (json_is_string(v) &&
                                        strcmp(json_string_value(v), s) == 0) return true;
    return false;
}

START_TEST(test_schema_types)
{
    json_t *s = spec_schema(all_types, "urn:test", "Test");
    json_t *p = at(s, "properties");

    ck_assert_str_eq(json_string_value(at(s, "$schema")),
                     "https://json-schema.org/draft/2020-12/schema");
    ck_assert_str_eq(json_string_value(at(s, "$id")), "urn:test");
    ck_assert_str_eq(json_string_value(at(s, "title")), "Test");
    ck_assert_str_eq(json_string_value(at(s, "type")), "object");
    ck_assert(json_is_false(at(s, "additionalProperties")));
    ck_assert_ptr_null(at(s, "required")); /* nothing required */

    ck_assert_str_eq(json_string_value(at(p, "s.type")), "string");
    ck_assert_int_eq(json_integer_value(at(p, "s.minLength")), 2);
    ck_assert_int_eq(json_integer_value(at(p, "s.maxLength")), 5);
    ck_assert_str_eq(json_string_value(at(p, "s.title")), "名称 / Name");
    ck_assert_str_eq(json_string_value(at(p, "s.description")), "A short name.");
    ck_assert_ptr_nonnull(at(p, "s.pattern"));
    ck_assert_str_eq(json_string_value(at(p, "b.type")), "boolean");
    ck_assert_str_eq(json_string_value(at(p, "i.type")), "integer");
    ck_assert_int_eq(json_integer_value(at(p, "i.minimum")), -5);
    ck_assert_int_eq(json_integer_value(at(p, "i.maximum")), 5);
    ck_assert_ptr_null(at(p, "any.minimum"));
    ck_assert_str_eq(json_string_value(at(p, "f.type")), "integer");
    ck_assert_int_eq(json_integer_value(at(p, "f.maximum")), 100);
    ck_assert_str_eq(json_string_value(at(p, "d.format")), "date");
    ck_assert_str_eq(json_string_value(at(p, "d.pattern")), "^[0-9]{4}-[0-9]{2}-[0-9]{2}$");
    ck_assert_int_eq(json_array_size(at(p, "e.enum")), 2);
    ck_assert(array_has(at(p, "e.enum"), "red"));
    ck_assert_str_eq(json_string_value(at(p, "u.pattern")), "^[0-9A-HJ-NPQRTUWXY]{18}$");
    ck_assert(json_is_false(at(p, "o.additionalProperties")));
    ck_assert(array_has(at(p, "o.required"), "x"));
    ck_assert_str_eq(json_string_value(at(p, "arr.type")), "array");
    ck_assert_int_eq(json_integer_value(at(p, "arr.minItems")), 1);
    ck_assert_int_eq(json_integer_value(at(p, "arr.maxItems")), 3);
    ck_assert(json_is_true(at(p, "arr.uniqueItems")));
    ck_assert_int_eq(json_integer_value(at(p, "arr.items.maximum")), 10);
    ck_assert(array_has(at(p, "objs.items.required"), "n"));
    ck_assert_ptr_nonnull(at(p, "a/b"));
    ck_assert(json_is_true(at(p, "ro.readOnly")));
    json_decref(s);
}
END_TEST

/* Variant members are properties of the object (additionalProperties only
 * sees those), required and forbidden per discriminator value. */
START_TEST(test_schema_variants)
{
    json_t *s = spec_schema(variant_table, NULL, NULL);
    json_t *all_of = at(s, "allOf");
    bool seen_a = false, seen_c = false, seen_p = false;
    size_t i;
    json_t *cond;

    ck_assert_ptr_null(at(s, "$id"));
    for (const char *const *name =
             (const char *const[]){"mode", "common", "x", "opt", "y", "sub", "z", NULL};
         *name; name++)
        ck_assert_msg(json_object_get(at(s, "properties"), *name), "no property %s", *name);
    ck_assert_int_eq(json_array_size(at(s, "required")), 1);
    ck_assert(json_is_array(all_of));
    json_array_foreach(all_of, i, cond)
    {
        const char *mode = json_string_value(at(cond, "if.properties.mode.const"));
        const char *sub = json_string_value(at(cond, "if.properties.sub.const"));
        if (mode && strcmp(mode, "a") == 0) {
            seen_a = true;
            ck_assert(array_has(at(cond, "if.required"), "mode"));
            ck_assert(array_has(at(cond, "then.required"), "x"));
            ck_assert(!array_has(at(cond, "then.required"), "opt"));
            ck_assert(json_is_false(at(cond, "then.properties.y")));
            ck_assert(json_is_false(at(cond, "then.properties.z")));
            ck_assert_ptr_null(at(cond, "then.properties.x"));
        }
        if (mode && strcmp(mode, "c") == 0) {
            seen_c = true;
            ck_assert_ptr_null(at(cond, "then.required"));
            ck_assert(json_is_false(at(cond, "then.properties.x")));
            ck_assert(json_is_false(at(cond, "then.properties.sub")));
        }
        if (sub && strcmp(sub, "p") == 0) {
            seen_p = true;
            ck_assert(array_has(at(cond, "then.required"), "z"));
        }
    }
    ck_assert(seen_a && seen_c && seen_p);
    json_decref(s);
}
END_TEST

static Suite *spec_suite(void)
{
    Suite *s = suite_create("spec");
    TCase *tc = tcase_create("validate");
    TCase *tp = tcase_create("pointers");
    TCase *ts = tcase_create("schema");
    TCase *td = tcase_create("decode");

    tcase_add_loop_test(tc, test_types_and_bounds, 0, N_TYPE_CASES);
    tcase_add_test(tc, test_all_errors_in_one_pass);
    tcase_add_test(tc, test_nested_array_pointers);
    tcase_add_test(tc, test_required_and_unknown);
    tcase_add_loop_test(tc, test_variants, 0, N_VARIANT_CASES);
    tcase_add_test(tc, test_variant_unknown_discriminator_type_checks);
    tcase_add_test(tc, test_huge_array_is_one_error);
    tcase_add_test(tc, test_repeats_of_any_type);
    tcase_add_test(tc, test_many_repeats);
    tcase_add_test(tc, test_find_repeats);
    tcase_add_test(tc, test_error_list_is_bounded);
    suite_add_tcase(s, tc);

    tcase_add_test(tp, test_pointer_join);
    tcase_add_test(tp, test_pointer_join_truncates);
    tcase_add_test(tp, test_errors_truncate_utf8);
    suite_add_tcase(s, tp);

    tcase_add_test(td, test_decode_every_type);
    tcase_add_test(td, test_decode_array_of_objects);
    tcase_add_test(td, test_decode_enums_and_optional);
    tcase_add_test(td, test_decode_variants);
    tcase_add_loop_test(td, test_decode_same_errors, 0, N_TYPE_CASES);
    tcase_add_loop_test(td, test_decode_same_errors_variants, 0, N_VARIANT_CASES);
    tcase_add_test(td, test_decode_same_errors_many);
    tcase_add_test(td, test_decode_same_errors_bounded);
    tcase_add_test(td, test_decode_invalid_left_alone);
    tcase_add_test(td, test_dest_fits);
    tcase_add_test(td, test_arena);
    tcase_add_test(td, test_lenient_mode);
    tcase_add_test(td, test_lenient_decoding);
    suite_add_tcase(s, td);

    tcase_add_test(ts, test_schema_types);
    tcase_add_test(ts, test_schema_variants);
    suite_add_tcase(s, ts);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(spec_suite());
    int failures;

    srunner_run_all(sr, CK_NORMAL);
    failures = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failures != 0 ? EXIT_FAILURE : EXIT_SUCCESS;
}
