#include "support.h"
#include "kinds.h"

#include <check.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define DB_NAME "/test.db"

void support_source_path(char *out, size_t outlen, const char *rel)
{
    static const char self[] = "tests/support/support.c";
    size_t len = strlen(__FILE__);

    ck_assert_uint_ge(len, sizeof(self) - 1);
    len -= sizeof(self) - 1;
    ck_assert_str_eq(__FILE__ + len, self);
    snprintf(out, outlen, "%.*s%s", (int)len, __FILE__, rel);
}

char *support_tmpdir(void)
{
    const char *base = getenv("TMPDIR");
    char *path = NULL;
    size_t len;

    if (base == NULL || base[0] == '\0')
        base = "/tmp";
    len = strlen(base) + sizeof "/shenbao-test-XXXXXX";
    path = malloc(len);
    ck_assert_ptr_nonnull(path);
    snprintf(path, len, "%s/shenbao-test-XXXXXX", base);
    ck_assert_msg(mkdtemp(path) != NULL, "mkdtemp %s failed", path);
    return path;
}

static int remove_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb;
    (void)flag;
    (void)ftw;
    remove(path);
    return 0;
}

void support_rmtree(const char *dir)
{
    /* Depth first so directories are empty when their turn comes; never
     * follow links out of the tree. */
    nftw(dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

char *support_tmp_db(void)
{
    char *dir = support_tmpdir();
    size_t len = strlen(dir) + sizeof DB_NAME;
    char *path = malloc(len);

    ck_assert_ptr_nonnull(path);
    snprintf(path, len, "%s" DB_NAME, dir);
    free(dir);
    return path;
}

void support_tmp_db_free(char *path)
{
    char *slash;

    if (path == NULL)
        return;
    slash = strrchr(path, '/');
    if (slash != NULL && strcmp(slash, DB_NAME) == 0) {
        *slash = '\0';
        support_rmtree(path);
    }
    free(path);
}

json_t *support_json(const char *text)
{
    json_error_t error;
    json_t *j = json_loads(text, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &error);

    if (j == NULL)
        ck_abort_msg("bad JSON in test (line %d, column %d): %s: %s", error.line, error.column,
                     error.text, text);
    return j;
}

void support_assert_json_eq(const json_t *got, const char *expected)
{
    json_t *want = support_json(expected);
    char *got_text = NULL;
    int equal = json_equal(got, want);

    if (!equal)
        got_text = json_dumps(got, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY);
    json_decref(want);
    if (!equal) {
        /* Copy first: ck_assert_msg does not return, so free before it. */
        char shown[2048];
        snprintf(shown, sizeof shown, "%s", got_text ? got_text : "(null)");
        free(got_text);
        ck_abort_msg("JSON differs: got %s, expected %s", shown, expected);
    }
}

void support_kind_data(const struct kind *k, json_t *data, int round, struct kind_data *out)
{
    struct spec_errors errs;

    spec_errors_init(&errs);
    int rc = kind_data_parse(k, data, round, out, &errs);
    ck_assert_msg(rc == 0, "%s data refused at %s: %s", k->name,
                  errs.count ? errs.items[0].pointer : "", errs.count ? errs.items[0].detail : "");
    ck_assert_uint_eq(errs.count, 0);
    spec_errors_release(&errs);
}
