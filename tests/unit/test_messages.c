/*
 * The two-language messages (base/messages.h): the catalog carried in the
 * binary parses, each Chinese format takes the same arguments as its
 * English one, and formatting picks the Chinese by the English format.
 */
#include <check.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "embedded.h"
#include "messages.h"

/* The conversions of a printf format, in argument order ("d", "s", "zu", …;
 * positional ones placed at their position).  Returns how many. */
static int conversions(const char *fmt, char out[16][8])
{
    int n = 0, next = 0;
    for (const char *p = fmt; *p; p++) {
        if (*p != '%')
            continue;
        p++;
        if (*p == '%')
            continue;
        int pos = -1;
        const char *q = p;
        int num = 0;
        while (*q >= '0' && *q <= '9')
            num = num * 10 + (*q++ - '0');
        if (*q == '$' && num > 0) {
            pos = num - 1;
            p = q + 1;
        }
        while (strchr("-+ #0", *p))
            p++;
        while ((*p >= '0' && *p <= '9') || *p == '.' || *p == '*')
            p++;
        char conv[8];
        size_t len = 0;
        while (strchr("hlqjzt", *p) && len < 4)
            conv[len++] = *p++;
        conv[len++] = *p;
        conv[len] = '\0';
        int at = pos >= 0 ? pos : next++;
        if (at < 16)
            snprintf(out[at], 8, "%s", conv);
        if (at + 1 > n)
            n = at + 1;
    }
    return n;
}

START_TEST(catalog_formats_match)
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
        char a[16][8] = {{0}}, b[16][8] = {{0}};
        ck_assert_msg(json_is_string(zh), "%s", en);
        int na = conversions(en, a), nb = conversions(json_string_value(zh), b);
        /* The Chinese may leave out trailing arguments, never change one. */
        ck_assert_msg(nb <= na, "%s: the Chinese takes more arguments", en);
        for (int i = 0; i < nb; i++)
            ck_assert_msg(b[i][0] == '\0' || strcmp(a[i], b[i]) == 0,
                          "%s: argument %d is %%%s in English, %%%s in Chinese", en, i + 1, a[i],
                          b[i]);
        ck_assert_ptr_eq(msg_zh(en), msg_zh(en));
        ck_assert_str_eq(msg_zh(en), json_string_value(zh));
    }
    json_decref(doc);
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
}
END_TEST

int main(void)
{
    Suite *s = suite_create("messages");
    TCase *tc = tcase_create("messages");
    tcase_add_test(tc, catalog_formats_match);
    tcase_add_test(tc, formatting);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? 0 : 1;
}
