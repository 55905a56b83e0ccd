/*
 * The two-language messages (base/messages.h): the catalogs carried in the
 * binary parse, each Chinese format fits its English one (the same
 * arguments, of the same types, in any order), and formatting picks the
 * Chinese by the English format, reorders, leaves out and translates terms.
 */
#include <check.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "embedded.h"
#include "messages.h"

START_TEST(catalog_formats_fit)
{
    const struct embedded_file *f = embedded_find(embedded_config, "messages-zh.json");
    ck_assert_ptr_nonnull(f);
    json_t *doc = json_loadb(f->data, f->len, JSON_REJECT_DUPLICATES, NULL);
    ck_assert(json_is_object(doc));
    ck_assert_int_eq(msg_catalog_size(), (int)json_object_size(doc));
    const char *en;
    json_t *zh;
    json_object_foreach(doc, en, zh)
    {
        ck_assert_msg(json_is_string(zh), "%s", en);
        ck_assert_msg(json_string_length(zh) > 0, "%s: no Chinese", en);
        ck_assert_msg(msg_fits(json_string_value(zh), en) == 0,
                      "%s: the Chinese \"%s\" does not fit its arguments", en,
                      json_string_value(zh));
        ck_assert_str_eq(msg_zh(en), json_string_value(zh));
    }
    json_decref(doc);
}
END_TEST

START_TEST(terms_catalog)
{
    const struct embedded_file *f = embedded_find(embedded_config, "terms-zh.json");
    ck_assert_ptr_nonnull(f);
    json_t *doc = json_loadb(f->data, f->len, JSON_REJECT_DUPLICATES, NULL);
    ck_assert(json_is_object(doc));
    const char *en;
    json_t *zh;
    json_object_foreach(doc, en, zh)
    {
        /* a term is written as it is (%s), never read as a format */
        ck_assert_msg(json_is_string(zh) && json_string_length(zh) > 0, "%s", en);
    }
    json_decref(doc);
    ck_assert_str_eq(msg_term_zh("draft"), "草稿");
    ck_assert_ptr_null(msg_term_zh("no such term"));
}
END_TEST

static void both(char *en, size_t en_cap, char *zh, size_t zh_cap, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
static void both(char *en, size_t en_cap, char *zh, size_t zh_cap, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    msg_vformat(en, en_cap, zh, zh_cap, fmt, ap);
    va_end(ap);
}

static int zh_of(char *out, size_t cap, const char *zh_fmt, const char *en_fmt, ...)
{
    va_list ap;
    va_start(ap, en_fmt);
    int rc = msg_vformat_zh(out, cap, zh_fmt, en_fmt, ap);
    va_end(ap);
    return rc;
}

START_TEST(formatting)
{
    char en[128], zh[128];
    both(en, sizeof en, zh, sizeof zh, "no application %lld", 42LL);
    ck_assert_str_eq(en, "no application 42");
    ck_assert_str_eq(zh, "没有编号为 42 的申报（或无权查看）");
    /* positional arguments */
    both(en, sizeof en, zh, sizeof zh, "%zu fields are invalid; errors lists the first %zu",
         (size_t)250, (size_t)100);
    ck_assert_str_eq(zh, "250 项填写有误，errors 列出前 100 项");
    /* a message the catalog lacks: English only */
    both(en, sizeof en, zh, sizeof zh, "nothing like this %d", 1);
    ck_assert_str_eq(en, "nothing like this 1");
    ck_assert_str_eq(zh, "");
    ck_assert_ptr_null(msg_zh("nothing like this %d"));
    /* cut to fit at a character, never inside one */
    char small[8];
    both(en, sizeof en, small, sizeof small, "no application %lld", 7LL);
    ck_assert_str_eq(small, "没有");
    /* no Chinese wanted */
    both(en, sizeof en, NULL, 0, "no application %lld", 7LL);
    ck_assert_str_eq(en, "no application 7");
}
END_TEST

START_TEST(reordering_and_terms)
{
    char out[128];
    /* another order, an argument left out in the middle, widths kept */
    ck_assert_int_eq(zh_of(out, sizeof out, "%3$s·%1$03d", "%d %s %s", 7, "skipped", "third"), 0);
    ck_assert_str_eq(out, "third·007");
    /* every integer width and the character */
    ck_assert_int_eq(
        zh_of(out, sizeof out, "%4$c%3$zu%2$lld%1$u", "%u %lld %zu %c", 1u, -2LL, (size_t)3, 'x'),
        0);
    ck_assert_str_eq(out, "x3-21");
    /* terms: the lookup of the layers above, then the file, else as is */
    ck_assert_int_eq(
        zh_of(out, sizeof out, "%2$~s状态的申报不能%1$~s", "cannot %s an %s", "edit", "approved"),
        0);
    ck_assert_str_eq(out, "已批准状态的申报不能修改");
    ck_assert_int_eq(zh_of(out, sizeof out, "“%~s”", "%s", "not a term"), 0);
    ck_assert_str_eq(out, "“not a term”");
    /* precision on text, %% */
    ck_assert_int_eq(zh_of(out, sizeof out, "%.4s 100%%", "%s", "2020-10-12"), 0);
    ck_assert_str_eq(out, "2020 100%");
}
END_TEST

static const char *fake_terms(const char *term)
{
    return strcmp(term, "applicant") == 0 ? "申报单位（测试）" : NULL;
}

START_TEST(term_lookup_first)
{
    char out[128];
    msg_set_terms(fake_terms);
    ck_assert_int_eq(zh_of(out, sizeof out, "%~s", "%s", "applicant"), 0);
    ck_assert_str_eq(out, "申报单位（测试）");
    /* what the lookup lacks comes from the file */
    ck_assert_str_eq(msg_term_zh("draft"), "草稿");
    msg_set_terms(NULL);
}
END_TEST

START_TEST(misfits)
{
    char out[64];
    /* another type, an argument the English has not, a term of a number, '*' */
    ck_assert_int_eq(msg_fits("%1$d", "%s"), -1);
    ck_assert_int_eq(msg_fits("%2$s", "%s"), -1);
    ck_assert_int_eq(msg_fits("%s %s", "%s"), -1);
    ck_assert_int_eq(msg_fits("%~d", "%d"), -1);
    ck_assert_int_eq(msg_fits("%*d", "%d %d"), -1);
    ck_assert_int_eq(msg_fits("%n", "%d"), -1);
    ck_assert_int_eq(msg_fits("%zu", "%u"), -1);
    /* an English format with a gap has no known types */
    ck_assert_int_eq(msg_fits("%1$s", "%2$s"), -1);
    ck_assert_int_eq(msg_fits("%1$s", "%1$s"), 0);
    ck_assert_int_eq(msg_fits("没有参数", "%d %s"), 0);
    ck_assert_int_eq(zh_of(out, sizeof out, "%2$d", "%d", 1), -1);
    ck_assert_str_eq(out, "");
}
END_TEST

int main(void)
{
    Suite *s = suite_create("messages");
    TCase *tc = tcase_create("messages");
    tcase_add_test(tc, catalog_formats_fit);
    tcase_add_test(tc, terms_catalog);
    tcase_add_test(tc, formatting);
    tcase_add_test(tc, reordering_and_terms);
    tcase_add_test(tc, term_lookup_first);
    tcase_add_test(tc, misfits);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? 0 : 1;
}
