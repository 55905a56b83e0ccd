/*
 * What the unit tests share: temporary directories and databases, and JSON
 * helpers that fail the running Check test instead of returning errors.
 */
#ifndef SB_TEST_SUPPORT_H
#define SB_TEST_SUPPORT_H

#include <jansson.h>

/* Creates a new empty directory under $TMPDIR (or /tmp).  Caller frees the
 * path and removes the directory (support_rmtree).  Aborts the test when it
 * cannot. */
char *support_tmpdir(void);

/* Removes dir and everything below it; quietly ignores what is missing. */
void support_rmtree(const char *dir);

/* A path for a database that does not exist yet, in a new temporary
 * directory.  Give it back with support_tmp_db_free(). */
char *support_tmp_db(void);

/* Removes the directory support_tmp_db() made for path, and frees path. */
void support_tmp_db_free(char *path);

/* The path of rel (a path from the top of the source tree, such as
 * "tests/api/examples/incubator.json") into out (outlen bytes), found from
 * where the compiler saw this library's source: meson runs the tests in
 * the build directory, and __FILE__ names the source relative to it. */
void support_source_path(char *out, size_t outlen, const char *rel);

/* Parses text (duplicate keys rejected), aborting the test on an error.
 * Caller owns the reference. */
json_t *support_json(const char *text);

/* Fails the test unless got equals the JSON in expected, showing both. */
void support_assert_json_eq(const json_t *got, const char *expected);

/* Parses data of kind k and year round as the server parses what it
 * stored (kind_data_parse()), failing the test with the first error when it
 * does not pass, so that rules are only ever tested on data they can meet.
 * out->typed is then the rules' input; give it back with
 * kind_data_release(). */
struct kind;
struct kind_data;
void support_kind_data(const struct kind *k, json_t *data, int round, struct kind_data *out);

#endif
