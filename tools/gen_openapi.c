/*
 * gen-openapi: writes the OpenAPI document of the API, as the server makes
 * it (server/api/openapi.c: the route table and the tables below it merged
 * with schema/openapi.in.json), to FILE.
 *
 *     gen-openapi FILE           write it
 *     gen-openapi --check FILE   exit 0 only if FILE says what the server says
 *
 * The check runs as a test: a route added, removed or changed (its roles,
 * query parameters, body table), a kind or a problem type added, or an edit
 * of schema/openapi.in.json that is not followed by a regenerated
 * schema/openapi.json fails the build's tests, naming what differs.  A route
 * the hand-written half does not describe, or a description of a route that
 * does not exist, fails either way.
 */
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "api.h"

#define MAX_SHOWN 20

/* Prints up to MAX_SHOWN JSON Pointers where have and want differ. */
static void show_differences(const json_t *have, const json_t *want, const char *at, int *shown)
{
    if (*shown >= MAX_SHOWN || json_equal(have, want))
        return;
    if (json_is_object(have) && json_is_object(want)) {
        const char *key;
        json_t *v;
        char below[2048];
        json_object_foreach((json_t *)want, key, v)
        {
            snprintf(below, sizeof below, "%s/%s", at, key);
            if (!json_object_get(have, key)) {
                if ((*shown)++ < MAX_SHOWN)
                    fprintf(stderr, "  %s: missing from the file\n", below);
            } else {
                show_differences(json_object_get(have, key), v, below, shown);
            }
        }
        json_object_foreach((json_t *)have, key, v)
        {
            if (!json_object_get(want, key) && (*shown)++ < MAX_SHOWN)
                fprintf(stderr, "  %s/%s: in the file, but not made by the server\n", at, key);
        }
        return;
    }
    if (json_is_array(have) && json_is_array(want) &&
        json_array_size(have) == json_array_size(want)) {
        char below[2048];
        for (size_t i = 0; i < json_array_size(want); i++) {
            snprintf(below, sizeof below, "%s/%zu", at, i);
            show_differences(json_array_get(have, i), json_array_get(want, i), below, shown);
        }
        return;
    }
    if ((*shown)++ < MAX_SHOWN)
        fprintf(stderr, "  %s: differs\n", at[0] ? at : "/");
}

int main(int argc, char **argv)
{
    bool check = argc == 3 && strcmp(argv[1], "--check") == 0;
    if (!(argc == 2 && argv[1][0] != '-') && !check) {
        fprintf(stderr, "usage: gen-openapi FILE | gen-openapi --check FILE\n");
        return 2;
    }
    const char *path = argv[argc - 1];
    char err[16384];
    json_t *doc = api_openapi(err, sizeof err);
    if (!doc) {
        fprintf(stderr, "gen-openapi: the route table and schema/openapi.in.json disagree:\n%s\n",
                err);
        return 1;
    }
    int rc = 0;
    if (check) {
        json_error_t e;
        json_t *have = json_load_file(path, JSON_REJECT_DUPLICATES, &e);
        if (!have) {
            fprintf(stderr, "gen-openapi: %s: %s (line %d)\n", path, e.text, e.line);
            rc = 1;
        } else if (!json_equal(have, doc)) {
            fprintf(stderr, "gen-openapi: %s is not what the server describes:\n", path);
            int shown = 0;
            show_differences(have, doc, "", &shown);
            if (shown > MAX_SHOWN)
                fprintf(stderr, "  … and %d more\n", shown - MAX_SHOWN);
            fprintf(stderr,
                    "gen-openapi: regenerate with `ninja -C BUILD tests/gen-openapi && "
                    "BUILD/tests/gen-openapi %s`\n",
                    path);
            rc = 1;
        }
        json_decref(have);
    } else {
        FILE *f = fopen(path, "w");
        if (!f || json_dumpf(doc, f, JSON_INDENT(2)) != 0 || fputc('\n', f) == EOF) {
            fprintf(stderr, "gen-openapi: cannot write %s\n", path);
            rc = 1;
        }
        if (f && fclose(f) != 0)
            rc = 1;
    }
    json_decref(doc);
    return rc;
}
