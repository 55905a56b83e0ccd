/*
 * Declarative JSON validation and the JSON Schema made from the same table.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

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
    {"{\"arr\": [1, 1]}", "/arr/1", "repeats item 0"},
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
    char pointer[32], detail[80];

    spec_errors_init(&errs);
    ck_assert_int_eq(spec_validate(lists, doc, "", &errs), 9);
    for (size_t i = 0; i < 9; i++) {
        snprintf(pointer, sizeof pointer, "/any/%zu", expected[i].item);
        snprintf(detail, sizeof detail, "repeats item %zu; each value may be listed only once",
                 expected[i].first);
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
    ck_assert_str_eq(errs.items[0].detail, "repeats item 0; each value may be listed only once");
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

    spec_errors_summary(&errs, summary, sizeof summary);
    ck_assert_str_eq(summary, "10000 fields are invalid; errors lists the first 100");
    json_t *problem = json_object();
    ck_assert_int_eq(spec_errors_to_problem(&errs, problem), 0);
    ck_assert_int_eq(json_array_size(json_object_get(problem, "errors")), SPEC_ERRORS_MAX);
    ck_assert(json_is_true(json_object_get(problem, "truncated")));
    ck_assert_int_eq(json_integer_value(json_object_get(problem, "error_count")), 10000);
    json_decref(problem);
    spec_errors_release(&errs);

    /* Within the bound, the 422 is as it always was. */
    spec_errors_init(&errs);
    spec_errors_add(&errs, "/a", "is required");
    spec_errors_summary(&errs, summary, sizeof summary);
    ck_assert_str_eq(summary, "1 field is invalid; see errors");
    problem = json_object();
    ck_assert_int_eq(spec_errors_to_problem(&errs, problem), 0);
    ck_assert_int_eq(json_object_size(problem), 1);
    json_t *first = json_array_get(json_object_get(problem, "errors"), 0);
    ck_assert_str_eq(json_string_value(json_object_get(first, "pointer")), "/a");
    ck_assert_str_eq(json_string_value(json_object_get(first, "detail")), "is required");
    json_decref(problem);
    spec_errors_release(&errs);
    json_decref(doc);
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
