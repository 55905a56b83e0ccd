/*
 * gen-schema: writes the JSON Schema of each application kind, as the field
 * tables in server/domain/ declare it, to DIR/<kind>.schema.json.
 *
 *     gen-schema DIR           write the files
 *     gen-schema --check DIR   exit 0 only if the files say what the tables say
 *
 * The check runs as a test, so a change to a field table that is not
 * followed by regenerated schemas fails the build's tests.
 */
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "kinds.h"

#define DUMP_FLAGS (JSON_INDENT(2) | JSON_SORT_KEYS)

static int schema_path(char *out, size_t cap, const char *dir, const struct kind *k)
{
    int n = snprintf(out, cap, "%s/%s.schema.json", dir, k->name);

    if (n < 0 || (size_t)n >= cap) {
        fprintf(stderr, "gen-schema: path too long: %s\n", dir);
        return -1;
    }
    return 0;
}

static int write_schema(const char *dir, const struct kind *k)
{
    char path[4096];
    json_t *schema = NULL;
    FILE *f = NULL;
    int rc = -1;

    if (schema_path(path, sizeof path, dir, k) != 0)
        goto out;
    schema = kind_schema(k);
    f = fopen(path, "w");
    if (!f) {
        perror(path);
        goto out;
    }
    if (json_dumpf(schema, f, DUMP_FLAGS) != 0 || fputc('\n', f) == EOF) {
        fprintf(stderr, "gen-schema: cannot write %s\n", path);
        goto out;
    }
    rc = 0;
out:
    if (f && fclose(f) != 0 && rc == 0) {
        perror(path);
        rc = -1;
    }
    json_decref(schema);
    return rc;
}

static int check_schema(const char *dir, const struct kind *k)
{
    char path[4096];
    json_t *want = NULL, *have = NULL;
    json_error_t error;
    int rc = -1;

    if (schema_path(path, sizeof path, dir, k) != 0)
        goto out;
    want = kind_schema(k);
    have = json_load_file(path, JSON_REJECT_DUPLICATES, &error);
    if (!have) {
        fprintf(stderr, "gen-schema: %s: %s (line %d)\n", path, error.text, error.line);
        goto out;
    }
    if (!json_equal(want, have)) {
        fprintf(stderr, "gen-schema: %s differs from the field tables of kind %s\n", path, k->name);
        goto out;
    }
    rc = 0;
out:
    json_decref(want);
    json_decref(have);
    return rc;
}

int main(int argc, char **argv)
{
    bool check = argc == 3 && strcmp(argv[1], "--check") == 0;
    const char *dir;
    int failed = 0;

    if (!(argc == 2 && argv[1][0] != '-') && !check) {
        fprintf(stderr, "usage: gen-schema DIR | gen-schema --check DIR\n");
        return 2;
    }
    dir = argv[argc - 1];
    for (size_t i = 0; kinds[i]; i++) {
        if ((check ? check_schema(dir, kinds[i]) : write_schema(dir, kinds[i])) != 0)
            failed = 1;
    }
    if (failed && check)
        fprintf(stderr,
                "gen-schema: regenerate with `ninja -C BUILD tests/gen-schema && "
                "BUILD/tests/gen-schema %s`\n",
                dir);
    return failed;
}
