/*
 * digest_sha256() (server/crypto/digest.c) is SHA-256: the FIPS 180-2
 * vectors, and libsodium's answer for every length around the block sizes
 * and for an envelope's size, so that hashes written before and after it
 * replaced libsodium's one-shot call are the same.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "digest.h"

static void hex_of(const unsigned char *d, char *out)
{
    sodium_bin2hex(out, DIGEST_SHA256_LEN * 2 + 1, d, DIGEST_SHA256_LEN);
}

START_TEST(known_vectors)
{
    unsigned char d[DIGEST_SHA256_LEN];
    char hex[DIGEST_SHA256_LEN * 2 + 1];
    digest_sha256(d, NULL, 0);
    hex_of(d, hex);
    ck_assert_str_eq(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    digest_sha256(d, "abc", 3);
    hex_of(d, hex);
    ck_assert_str_eq(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    static const char two[] = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
    digest_sha256(d, two, sizeof two - 1);
    hex_of(d, hex);
    ck_assert_str_eq(hex, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
}
END_TEST

START_TEST(same_as_libsodium)
{
    enum { MAX = 6600 };
    unsigned char *buf = malloc(MAX);
    ck_assert_ptr_nonnull(buf);
    for (size_t i = 0; i < MAX; i++)
        buf[i] = (unsigned char)(i * 131 + 7);
    for (size_t len = 0; len < MAX; len += len < 300 ? 1 : 97) {
        unsigned char a[DIGEST_SHA256_LEN], b[crypto_hash_sha256_BYTES];
        digest_sha256(a, buf, len);
        crypto_hash_sha256(b, buf, len);
        ck_assert_msg(memcmp(a, b, sizeof a) == 0, "length %zu", len);
    }
    free(buf);
}
END_TEST

int main(void)
{
    if (sodium_init() < 0)
        return EXIT_FAILURE;
    Suite *s = suite_create("digest");
    TCase *tc = tcase_create("digest");
    tcase_add_test(tc, known_vectors);
    tcase_add_test(tc, same_as_libsodium);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_ENV);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
