/*
 * Tokens: their shape, their keyed hash, and the key file's safety checks.
 */
#include "token.h"

#include <check.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char tmpdir[64]; /* "/tmp/shenbao-test-token-XXXXXX" */

static void make_tmpdir(void)
{
    snprintf(tmpdir, sizeof(tmpdir), "%s", "/tmp/shenbao-test-token-XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(tmpdir));
}

static void remove_path(const char *name)
{
    char path[PATH_MAX];

    snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
    unlink(path);
    rmdir(path);
}

static void remove_tmpdir(void)
{
    remove_path("keys/token.key");
    remove_path("keys");
    remove_path("token.key");
    rmdir(tmpdir);
}

static void write_file(const char *path, const void *data, size_t len, mode_t mode)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, mode);

    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(write(fd, data, len), (ssize_t)len);
    ck_assert_int_eq(fchmod(fd, mode), 0);
    close(fd);
}

static void fixed_key(unsigned char key[TOKEN_KEY_LEN], unsigned char fill)
{
    memset(key, fill, TOKEN_KEY_LEN);
}

static bool is_base64url(char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '_';
}

START_TEST(test_new_shape)
{
    unsigned char key[TOKEN_KEY_LEN], hash[TOKEN_HASH_BYTES];
    char text[TOKEN_TEXT_LEN + 1];

    fixed_key(key, 1);
    token_new(text, hash, key);
    ck_assert_uint_eq(strlen(text), TOKEN_TEXT_LEN);
    ck_assert_uint_eq(TOKEN_TEXT_LEN, 46);
    ck_assert_int_eq(memcmp(text, TOKEN_PREFIX, 3), 0);
    for (size_t i = 3; i < TOKEN_TEXT_LEN; i++)
        ck_assert_msg(is_base64url(text[i]), "bad character in %s", text);
}
END_TEST

START_TEST(test_new_differs)
{
    unsigned char key[TOKEN_KEY_LEN], h1[TOKEN_HASH_BYTES], h2[TOKEN_HASH_BYTES];
    char t1[TOKEN_TEXT_LEN + 1], t2[TOKEN_TEXT_LEN + 1];

    fixed_key(key, 2);
    token_new(t1, h1, key);
    token_new(t2, h2, key);
    ck_assert_str_ne(t1, t2);
    ck_assert_int_ne(memcmp(h1, h2, sizeof(h1)), 0);
}
END_TEST

START_TEST(test_hash_matches_new)
{
    unsigned char key[TOKEN_KEY_LEN], made[TOKEN_HASH_BYTES], again[TOKEN_HASH_BYTES];
    char text[TOKEN_TEXT_LEN + 1];

    fixed_key(key, 3);
    token_new(text, made, key);
    ck_assert_int_eq(token_hash(again, text, key), 0);
    ck_assert_int_eq(sodium_memcmp(made, again, sizeof(made)), 0);
    ck_assert_int_eq(token_hash(again, text, key), 0);
    ck_assert_int_eq(sodium_memcmp(made, again, sizeof(made)), 0);
}
END_TEST

START_TEST(test_hash_depends_on_key)
{
    unsigned char k1[TOKEN_KEY_LEN], k2[TOKEN_KEY_LEN];
    unsigned char h1[TOKEN_HASH_BYTES], h2[TOKEN_HASH_BYTES];
    char text[TOKEN_TEXT_LEN + 1];

    fixed_key(k1, 4);
    fixed_key(k2, 5);
    token_new(text, h1, k1);
    ck_assert_int_eq(token_hash(h2, text, k2), 0);
    ck_assert_int_ne(memcmp(h1, h2, sizeof(h1)), 0);
}
END_TEST

START_TEST(test_hash_refuses_malformed)
{
    /* A well-formed token to spoil in different ways. */
    static const char good[] = "sb_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";
    unsigned char key[TOKEN_KEY_LEN], hash[TOKEN_HASH_BYTES];
    char bad[TOKEN_TEXT_LEN + 2];
    static const struct {
        size_t at;
        char c;
    } swaps[] = {
        {0, 'x'},
        {2, '-'},
        {10, '+'},
        {10, '/'},
        {45, '='},
        {20, ' '},
        {20, '.'},
        /* The last character carries 4 bits and 2 zero bits; 'B' sets one of
         * the unused bits, so the token would have two spellings. */
        {45, 'B'},
    };

    ck_assert_uint_eq(sizeof(good) - 1, TOKEN_TEXT_LEN);
    fixed_key(key, 6);
    ck_assert_int_eq(token_hash(hash, good, key), 0);

    ck_assert_int_eq(token_hash(hash, "", key), -1);
    ck_assert_int_eq(token_hash(hash, "sb_", key), -1);
    /* One character short and one too many. */
    memcpy(bad, good, TOKEN_TEXT_LEN - 1);
    bad[TOKEN_TEXT_LEN - 1] = '\0';
    ck_assert_int_eq(token_hash(hash, bad, key), -1);
    memcpy(bad, good, TOKEN_TEXT_LEN);
    bad[TOKEN_TEXT_LEN] = 'A';
    bad[TOKEN_TEXT_LEN + 1] = '\0';
    ck_assert_int_eq(token_hash(hash, bad, key), -1);
    /* Wrong prefix, same length. */
    ck_assert_int_eq(token_hash(hash, "SB_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", key), -1);
    ck_assert_int_eq(token_hash(hash, "xx_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", key), -1);

    for (size_t i = 0; i < sizeof(swaps) / sizeof(swaps[0]); i++) {
        memcpy(bad, good, sizeof(good));
        bad[swaps[i].at] = swaps[i].c;
        ck_assert_msg(token_hash(hash, bad, key) == -1, "accepted %s", bad);
    }
}
END_TEST

START_TEST(test_key_created_private)
{
    unsigned char k1[TOKEN_KEY_LEN], k2[TOKEN_KEY_LEN];
    char path[PATH_MAX], dir[PATH_MAX], err[256];
    struct stat st;

    make_tmpdir();
    snprintf(dir, sizeof(dir), "%s/keys", tmpdir);
    snprintf(path, sizeof(path), "%s/keys/token.key", tmpdir);
    ck_assert_msg(token_key_load(k1, path, err, sizeof(err)) == 0, "%s", err);
    ck_assert_int_eq(stat(path, &st), 0);
    ck_assert_uint_eq(st.st_mode & 0777, 0600);
    ck_assert_int_eq(st.st_size, TOKEN_KEY_LEN);
    ck_assert_int_eq(stat(dir, &st), 0);
    ck_assert_uint_eq(st.st_mode & 0777, 0700);

    /* Loading again gives the same key. */
    ck_assert_msg(token_key_load(k2, path, err, sizeof(err)) == 0, "%s", err);
    ck_assert_int_eq(sodium_memcmp(k1, k2, sizeof(k1)), 0);
    remove_tmpdir();
}
END_TEST

START_TEST(test_key_loose_mode_refused)
{
    unsigned char key[TOKEN_KEY_LEN], data[TOKEN_KEY_LEN];
    char path[PATH_MAX], err[256] = "";

    make_tmpdir();
    snprintf(path, sizeof(path), "%s/token.key", tmpdir);
    memset(data, 7, sizeof(data));
    write_file(path, data, sizeof(data), 0644);
    ck_assert_int_eq(token_key_load(key, path, err, sizeof(err)), -1);
    ck_assert_ptr_nonnull(strstr(err, path));
    ck_assert_ptr_nonnull(strstr(err, "chmod 600"));

    ck_assert_int_eq(chmod(path, 0600), 0);
    ck_assert_msg(token_key_load(key, path, err, sizeof(err)) == 0, "%s", err);
    ck_assert_int_eq(memcmp(key, data, sizeof(key)), 0);
    remove_tmpdir();
}
END_TEST

START_TEST(test_key_wrong_size_refused)
{
    unsigned char key[TOKEN_KEY_LEN], data[TOKEN_KEY_LEN + 1];
    char path[PATH_MAX], err[256] = "";

    make_tmpdir();
    snprintf(path, sizeof(path), "%s/token.key", tmpdir);
    memset(data, 8, sizeof(data));
    write_file(path, data, TOKEN_KEY_LEN - 1, 0600);
    ck_assert_int_eq(token_key_load(key, path, err, sizeof(err)), -1);
    ck_assert_ptr_nonnull(strstr(err, "32 bytes"));
    write_file(path, data, TOKEN_KEY_LEN + 1, 0600);
    ck_assert_int_eq(token_key_load(key, path, err, sizeof(err)), -1);
    write_file(path, data, 0, 0600);
    ck_assert_int_eq(token_key_load(key, path, err, sizeof(err)), -1);
    remove_tmpdir();
}
END_TEST

START_TEST(test_key_symlink_refused)
{
    unsigned char key[TOKEN_KEY_LEN], data[TOKEN_KEY_LEN];
    char path[PATH_MAX], link_path[PATH_MAX], err[256] = "";

    make_tmpdir();
    snprintf(path, sizeof(path), "%s/token.key", tmpdir);
    snprintf(link_path, sizeof(link_path), "%s/keys", tmpdir);
    memset(data, 9, sizeof(data));
    write_file(path, data, sizeof(data), 0600);
    ck_assert_int_eq(symlink(path, link_path), 0);
    ck_assert_int_eq(token_key_load(key, link_path, err, sizeof(err)), -1);
    ck_assert_ptr_nonnull(strstr(err, "symbolic link"));
    remove_tmpdir();
}
END_TEST

START_TEST(test_key_read_creates_nothing)
{
    unsigned char key[TOKEN_KEY_LEN], data[TOKEN_KEY_LEN];
    char path[PATH_MAX], err[256] = "";
    struct stat st;

    make_tmpdir();
    snprintf(path, sizeof(path), "%s/keys/token.key", tmpdir);
    ck_assert_int_eq(token_key_read(key, path, err, sizeof(err)), 1);
    ck_assert_int_eq(stat(path, &st), -1);
    snprintf(path, sizeof(path), "%s/token.key", tmpdir);
    ck_assert_int_eq(token_key_read(key, path, err, sizeof(err)), 1);
    ck_assert_int_eq(stat(path, &st), -1);
    memset(data, 9, sizeof(data));
    write_file(path, data, sizeof(data), 0600);
    ck_assert_msg(token_key_read(key, path, err, sizeof(err)) == 0, "%s", err);
    ck_assert_int_eq(memcmp(key, data, sizeof(key)), 0);
    /* The same checks as load: open to others is refused. */
    ck_assert_int_eq(chmod(path, 0640), 0);
    ck_assert_int_eq(token_key_read(key, path, err, sizeof(err)), -1);
    ck_assert_ptr_nonnull(strstr(err, "chmod 600"));
    remove_tmpdir();
}
END_TEST

START_TEST(test_key_fingerprint)
{
    unsigned char k1[TOKEN_KEY_LEN], k2[TOKEN_KEY_LEN];
    char f1[TOKEN_FINGERPRINT_LEN + 1], f1again[TOKEN_FINGERPRINT_LEN + 1];
    char f2[TOKEN_FINGERPRINT_LEN + 1], hex[2 * TOKEN_KEY_LEN + 1];

    fixed_key(k1, 1);
    fixed_key(k2, 1);
    k2[TOKEN_KEY_LEN - 1] ^= 1;
    token_key_fingerprint(f1, k1);
    token_key_fingerprint(f1again, k1);
    token_key_fingerprint(f2, k2);
    ck_assert_uint_eq(strlen(f1), TOKEN_FINGERPRINT_LEN);
    ck_assert_uint_eq(strspn(f1, "0123456789abcdef"), TOKEN_FINGERPRINT_LEN);
    ck_assert_str_eq(f1, f1again);
    ck_assert_str_ne(f1, f2);
    /* Nothing of the key shows. */
    sodium_bin2hex(hex, sizeof(hex), k1, sizeof(k1));
    ck_assert_ptr_null(strstr(f1, hex));
    ck_assert_str_ne(f1, hex);
}
END_TEST

static Suite *token_suite(void)
{
    Suite *s = suite_create("token");
    TCase *tc = tcase_create("token");

    tcase_add_test(tc, test_new_shape);
    tcase_add_test(tc, test_new_differs);
    tcase_add_test(tc, test_hash_matches_new);
    tcase_add_test(tc, test_hash_depends_on_key);
    tcase_add_test(tc, test_hash_refuses_malformed);
    tcase_add_test(tc, test_key_created_private);
    tcase_add_test(tc, test_key_loose_mode_refused);
    tcase_add_test(tc, test_key_wrong_size_refused);
    tcase_add_test(tc, test_key_symlink_refused);
    tcase_add_test(tc, test_key_read_creates_nothing);
    tcase_add_test(tc, test_key_fingerprint);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(token_suite());
    int failures;

    srunner_run_all(sr, CK_NORMAL);
    failures = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failures != 0;
}
