/*
 * Signing keys and JWS: key ids against RFC 7638 and RFC 8037, strict
 * base64url, tamper detection, header rules, and the key files' safety
 * checks.
 */
#include "sign.h"
#include "support.h"

#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* RFC 8037 Appendix A.1: the example Ed25519 key. */
#define RFC_D "nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A"
#define RFC_X "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"
/* Appendix A.3: its thumbprint. */
#define RFC_KID "kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k"
/* Appendix A.4: the signed example. */
#define RFC_PAYLOAD "Example of Ed25519 signing"
#define RFC_H64     "eyJhbGciOiJFZERTQSJ9"
#define RFC_P64     "RXhhbXBsZSBvZiBFZDI1NTE5IHNpZ25pbmc"
#define RFC_SIG64                                                                                  \
    "hgyY0il_MGCjP0JzlnLWG1PPOt7-09PGcvMg3AIbQR6dWbhijcNR4ki4iylGjg5BhVsPt9g7sVvpAr_MuM0KAg"

static char *tmp;

static void setup(void)
{
    ck_assert_int_ge(sodium_init(), 0);
    tmp = support_tmpdir();
}

static void teardown(void)
{
    /* Tests loosen modes on purpose; make everything removable again. */
    support_rmtree(tmp);
    free(tmp);
    tmp = NULL;
}

static void join(char out[PATH_MAX], const char *dir, const char *name)
{
    int n = snprintf(out, PATH_MAX, "%s/%s", dir, name);

    ck_assert(n > 0 && n < PATH_MAX);
}

static void key_file(char out[PATH_MAX], const char *dir, const char *kid)
{
    char name[64];

    snprintf(name, sizeof(name), "%s.ed25519", kid);
    join(out, dir, name);
}

static void write_file(const char *path, const void *data, size_t len, mode_t mode)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, mode);

    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(write(fd, data, len), (ssize_t)len);
    ck_assert_int_eq(fchmod(fd, mode), 0);
    close(fd);
}

static void read_file(const char *path, unsigned char *buf, size_t len)
{
    int fd = open(path, O_RDONLY);

    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(read(fd, buf, len), (ssize_t)len);
    close(fd);
}

/* A fresh 0700 key directory under tmp. */
static void make_keys_dir(char out[PATH_MAX])
{
    join(out, tmp, "keys");
    ck_assert_int_eq(mkdir(out, 0700), 0);
}

static void decode_exact(unsigned char *out, size_t want, const char *text)
{
    size_t len = 0;

    ck_assert_int_eq(b64url_decode(out, want, &len, text, strlen(text)), 0);
    ck_assert_uint_eq(len, want);
}

/* The RFC 8037 A.1 key pair in libsodium's layout. */
static void rfc_keypair(unsigned char pk[SIGN_PUBLIC_LEN], unsigned char sk[SIGN_SECRET_LEN])
{
    unsigned char seed[crypto_sign_SEEDBYTES];
    unsigned char x[SIGN_PUBLIC_LEN];

    decode_exact(seed, sizeof(seed), RFC_D);
    decode_exact(x, sizeof(x), RFC_X);
    ck_assert_int_eq(crypto_sign_seed_keypair(pk, sk, seed), 0);
    ck_assert_mem_eq(pk, x, sizeof(x));
    sodium_memzero(seed, sizeof(seed));
}

/* A compact JWS built here, independently of jws_sign: header text as
 * given, signature by sk (or 64 zero bytes when sk is NULL).  Caller frees. */
static char *build_jws(const char *header, const char *payload, size_t len, const unsigned char *sk)
{
    unsigned char sig[crypto_sign_BYTES] = {0};
    char *h = b64url_encode((const unsigned char *)header, strlen(header));
    char *p = b64url_encode((const unsigned char *)payload, len);
    char *s, *out;
    size_t n;

    ck_assert_ptr_nonnull(h);
    ck_assert_ptr_nonnull(p);
    n = strlen(h) + strlen(p) + 2 + 86 + 1;
    out = malloc(n);
    ck_assert_ptr_nonnull(out);
    snprintf(out, n, "%s.%s", h, p);
    if (sk != NULL)
        crypto_sign_detached(sig, NULL, (const unsigned char *)out, strlen(out), sk);
    s = b64url_encode(sig, sizeof(sig));
    ck_assert_ptr_nonnull(s);
    snprintf(out, n, "%s.%s.%s", h, p, s);
    free(h);
    free(p);
    free(s);
    return out;
}

static int parses(const char *jws)
{
    char kid[SIGN_KID_LEN + 1];
    char *payload = NULL;
    size_t len = 99;
    int r = jws_parse(jws, kid, &payload, &len);

    if (r != 0) {
        ck_assert_ptr_null(payload);
        ck_assert_uint_eq(len, 0);
    }
    free(payload);
    return r;
}

static void new_key(struct signing_key *k, const char *dir)
{
    char kid[SIGN_KID_LEN + 1];
    unsigned char pk[SIGN_PUBLIC_LEN];
    char err[512];

    ck_assert_msg(sign_keygen(dir, kid, pk, err, sizeof(err)) == 0, "keygen: %s", err);
    ck_assert_msg(sign_key_load(k, dir, kid, err, sizeof(err)) == 0, "load: %s", err);
    ck_assert_mem_eq(k->pk, pk, sizeof(pk));
    ck_assert_str_eq(k->kid, kid);
}

/* --- base64url --- */

START_TEST(test_b64url_table)
{
    static const struct {
        const char *in;
        int ok;
        const char *out;
        size_t out_len;
    } cases[] = {
        {"", 1, "", 0},
        {"QQ", 1, "A", 1},
        {"QUE", 1, "AA", 2},
        {"QUFB", 1, "AAA", 3},
        {"_w", 1, "\xff", 1},
        {"-w", 1, "\xfb", 1},
        {"AA", 1, "\0", 1},
        /* Non-canonical: same bytes, non-zero spare bits. */
        {"QR", 0, NULL, 0},
        {"QZ", 0, NULL, 0},
        {"QUF", 0, NULL, 0},
        {"QUG", 0, NULL, 0},
        {"_x", 0, NULL, 0},
        /* Lengths of 1 mod 4 encode no whole byte. */
        {"Q", 0, NULL, 0},
        {"QUFBQ", 0, NULL, 0},
        /* Padding, anywhere. */
        {"QQ==", 0, NULL, 0},
        {"QQ=", 0, NULL, 0},
        {"=QQ", 0, NULL, 0},
        {"Q=Q", 0, NULL, 0},
        {"QUE=", 0, NULL, 0},
        /* Whitespace. */
        {"Q Q", 0, NULL, 0},
        {" QQ", 0, NULL, 0},
        {"QQ\n", 0, NULL, 0},
        {"QU\tE", 0, NULL, 0},
        /* The standard alphabet's characters and others. */
        {"+w", 0, NULL, 0},
        {"/w", 0, NULL, 0},
        {"Q.", 0, NULL, 0},
        {"Q\xc3\xa9", 0, NULL, 0},
    };

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        unsigned char out[16];
        size_t len = 99;
        int r = b64url_decode(out, sizeof(out), &len, cases[i].in, strlen(cases[i].in));

        ck_assert_msg((r == 0) == cases[i].ok, "\"%s\": got %d", cases[i].in, r);
        if (cases[i].ok) {
            ck_assert_uint_eq(len, cases[i].out_len);
            ck_assert_mem_eq(out, cases[i].out, len);
        }
    }
}
END_TEST

START_TEST(test_b64url_embedded_nul)
{
    unsigned char out[4];
    size_t len;

    ck_assert_int_eq(b64url_decode(out, sizeof(out), &len, "QQ\0A", 4), -1);
}
END_TEST

START_TEST(test_b64url_capacity)
{
    unsigned char out[3];
    size_t len = 99;

    ck_assert_int_eq(b64url_decode(out, 2, &len, "QUFB", 4), -1);
    ck_assert_int_eq(b64url_decode(out, 3, &len, "QUFB", 4), 0);
    ck_assert_uint_eq(len, 3);
    ck_assert_int_eq(b64url_decode(out, 1, &len, "QUE", 3), -1);
    ck_assert_int_eq(b64url_decode(NULL, 0, &len, "", 0), 0);
    ck_assert_uint_eq(len, 0);
}
END_TEST

START_TEST(test_b64url_round_trip)
{
    unsigned char in[70], out[70];

    for (size_t n = 0; n <= sizeof(in); n++) {
        size_t len = 99;
        char *text;

        randombytes_buf(in, n);
        text = b64url_encode(in, n);
        ck_assert_ptr_nonnull(text);
        ck_assert_uint_eq(strlen(text), (n * 4 + 2) / 3);
        ck_assert_ptr_null(strpbrk(text, "=+/"));
        ck_assert_int_eq(b64url_decode(out, n, &len, text, strlen(text)), 0);
        ck_assert_uint_eq(len, n);
        ck_assert_mem_eq(out, in, n);
        free(text);
    }
}
END_TEST

/* --- key ids --- */

START_TEST(test_kid_rfc8037)
{
    unsigned char pk[SIGN_PUBLIC_LEN];
    char kid[SIGN_KID_LEN + 1], x[SIGN_X_LEN + 1];

    decode_exact(pk, sizeof(pk), RFC_X);
    sign_kid(kid, pk);
    ck_assert_str_eq(kid, RFC_KID);
    sign_x(x, pk);
    ck_assert_str_eq(x, RFC_X);
}
END_TEST

START_TEST(test_kid_rfc7638_input)
{
    /* The thumbprint is SHA-256 over exactly this text. */
    static const char jwk[] = "{\"crv\":\"Ed25519\",\"kty\":\"OKP\",\"x\":\"" RFC_X "\"}";
    unsigned char digest[crypto_hash_sha256_BYTES];
    unsigned char pk[SIGN_PUBLIC_LEN];
    char kid[SIGN_KID_LEN + 1];
    char *want;

    randombytes_buf(pk, sizeof(pk));
    sign_kid(kid, pk);
    ck_assert_uint_eq(strlen(kid), SIGN_KID_LEN);

    crypto_hash_sha256(digest, (const unsigned char *)jwk, sizeof(jwk) - 1);
    want = b64url_encode(digest, sizeof(digest));
    ck_assert_str_eq(want, RFC_KID);
    free(want);
}
END_TEST

/* --- RFC 8037 interoperability --- */

START_TEST(test_rfc8037_a4_signature)
{
    unsigned char pk[SIGN_PUBLIC_LEN], sk[SIGN_SECRET_LEN];
    char *h, *p, *jws;

    rfc_keypair(pk, sk);
    h = b64url_encode((const unsigned char *)"{\"alg\":\"EdDSA\"}", 15);
    p = b64url_encode((const unsigned char *)RFC_PAYLOAD, strlen(RFC_PAYLOAD));
    ck_assert_str_eq(h, RFC_H64);
    ck_assert_str_eq(p, RFC_P64);
    free(h);
    free(p);

    jws = build_jws("{\"alg\":\"EdDSA\"}", RFC_PAYLOAD, strlen(RFC_PAYLOAD), sk);
    ck_assert_str_eq(jws, RFC_H64 "." RFC_P64 "." RFC_SIG64);
    free(jws);

    /* Our verifier accepts the RFC's JWS as printed there... */
    ck_assert_int_eq(jws_verify(RFC_H64 "." RFC_P64 "." RFC_SIG64, pk), 0);
    /* ...though its header names no kid, so jws_parse does not. */
    ck_assert_int_eq(parses(RFC_H64 "." RFC_P64 "." RFC_SIG64), -1);
    sodium_memzero(sk, sizeof(sk));
}
END_TEST

/* jws_sign with the RFC key, loaded from a file, gives exactly the JWS
 * built by hand with the header {"alg":"EdDSA","kid":"<thumbprint>"}. */
START_TEST(test_jws_sign_matches_rfc_construction)
{
    unsigned char pk[SIGN_PUBLIC_LEN], sk[SIGN_SECRET_LEN];
    struct signing_key k = {0};
    char dir[PATH_MAX], path[PATH_MAX], err[512];
    char *want, *got;

    rfc_keypair(pk, sk);
    make_keys_dir(dir);
    key_file(path, dir, RFC_KID);
    write_file(path, sk, sizeof(sk), 0600);
    ck_assert_msg(sign_key_load(&k, dir, RFC_KID, err, sizeof(err)) == 0, "%s", err);
    ck_assert_str_eq(k.kid, RFC_KID);
    ck_assert_mem_eq(k.pk, pk, sizeof(pk));

    want = build_jws("{\"alg\":\"EdDSA\",\"kid\":\"" RFC_KID "\"}", RFC_PAYLOAD,
                     strlen(RFC_PAYLOAD), sk);
    got = jws_sign(&k, RFC_PAYLOAD, strlen(RFC_PAYLOAD));
    ck_assert_ptr_nonnull(got);
    ck_assert_str_eq(got, want);
    ck_assert_int_eq(jws_verify(got, pk), 0);
    free(want);
    free(got);
    sign_key_free(&k);
    sodium_memzero(sk, sizeof(sk));
}
END_TEST

/* --- sign and verify --- */

START_TEST(test_round_trip)
{
    static const char msg[] = "{\"certificate\":42,\"名称\":\"申报\"}";
    struct signing_key k = {0};
    char dir[PATH_MAX], kid[SIGN_KID_LEN + 1];
    char *jws, *payload = NULL;
    size_t len = 0;

    join(dir, tmp, "keys");
    new_key(&k, dir);
    jws = jws_sign(&k, msg, strlen(msg));
    ck_assert_ptr_nonnull(jws);
    ck_assert_int_eq(jws_verify(jws, k.pk), 0);
    ck_assert_int_eq(jws_parse(jws, kid, &payload, &len), 0);
    ck_assert_str_eq(kid, k.kid);
    ck_assert_uint_eq(len, strlen(msg));
    ck_assert_str_eq(payload, msg);
    free(payload);
    free(jws);
    sign_key_free(&k);
}
END_TEST

START_TEST(test_empty_and_binary_payload)
{
    static const char bin[] = {'a', '\0', 'b', '\0'};
    struct signing_key k = {0};
    char dir[PATH_MAX], kid[SIGN_KID_LEN + 1];
    char *jws, *payload = NULL;
    size_t len = 99;

    join(dir, tmp, "keys");
    new_key(&k, dir);

    jws = jws_sign(&k, NULL, 0);
    ck_assert_ptr_nonnull(jws);
    ck_assert_ptr_nonnull(strstr(jws, ".."));
    ck_assert_int_eq(jws_verify(jws, k.pk), 0);
    ck_assert_int_eq(jws_parse(jws, kid, &payload, &len), 0);
    ck_assert_uint_eq(len, 0);
    ck_assert_str_eq(payload, "");
    free(payload);
    free(jws);

    jws = jws_sign(&k, bin, sizeof(bin));
    ck_assert_int_eq(jws_verify(jws, k.pk), 0);
    ck_assert_int_eq(jws_parse(jws, kid, &payload, &len), 0);
    ck_assert_uint_eq(len, sizeof(bin));
    ck_assert_mem_eq(payload, bin, sizeof(bin));
    ck_assert_int_eq(payload[len], '\0');
    free(payload);
    free(jws);
    sign_key_free(&k);
}
END_TEST

/* Every single-character change anywhere in the JWS (header, payload,
 * signature or a separator) breaks verification, whether the new character
 * is valid base64url or not. */
START_TEST(test_tamper_every_position)
{
    static const char msg[] = "{\"application\":1234,\"status\":\"approved\"}";
    static const char alphabet[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    static const char others[] = {'=', '+', '/', ' ', '\n', '!', '.'};
    struct signing_key k = {0};
    char dir[PATH_MAX];
    char *jws;
    size_t n;

    join(dir, tmp, "keys");
    new_key(&k, dir);
    jws = jws_sign(&k, msg, strlen(msg));
    n = strlen(jws);
    ck_assert_int_eq(jws_verify(jws, k.pk), 0);
    for (size_t i = 0; i < n; i++) {
        char saved = jws[i];

        for (const char *c = alphabet; *c != '\0'; c++) {
            if (*c == saved)
                continue;
            jws[i] = *c;
            ck_assert_msg(jws_verify(jws, k.pk) == -1, "position %zu changed to '%c' verifies", i,
                          *c);
        }
        for (size_t j = 0; j < sizeof(others); j++) {
            if (others[j] == saved)
                continue;
            jws[i] = others[j];
            ck_assert_msg(jws_verify(jws, k.pk) == -1, "position %zu changed to %#x verifies", i,
                          (unsigned)others[j]);
            ck_assert_int_eq(parses(jws), -1);
        }
        jws[i] = saved;
    }
    ck_assert_int_eq(jws_verify(jws, k.pk), 0);
    free(jws);
    sign_key_free(&k);
}
END_TEST

START_TEST(test_truncated_and_extended)
{
    struct signing_key k = {0};
    char dir[PATH_MAX];
    char *jws, *buf;
    size_t n;

    join(dir, tmp, "keys");
    new_key(&k, dir);
    jws = jws_sign(&k, "hello", 5);
    n = strlen(jws);
    buf = malloc(n + 3);
    ck_assert_ptr_nonnull(buf);
    snprintf(buf, n + 3, "%sAA", jws);
    ck_assert_int_eq(jws_verify(buf, k.pk), -1);
    ck_assert_int_eq(parses(buf), -1);
    snprintf(buf, n + 3, "%s.", jws);
    ck_assert_int_eq(jws_verify(buf, k.pk), -1);
    ck_assert_int_eq(parses(buf), -1);
    for (size_t cut = 0; cut < n; cut++) {
        snprintf(buf, n + 3, "%.*s", (int)cut, jws);
        ck_assert_msg(jws_verify(buf, k.pk) == -1, "prefix of %zu verifies", cut);
        ck_assert_int_eq(parses(buf), -1);
    }
    free(buf);
    free(jws);
    sign_key_free(&k);
}
END_TEST

START_TEST(test_other_key_fails)
{
    struct signing_key a = {0}, b = {0};
    char dir[PATH_MAX];
    char *jws;

    join(dir, tmp, "keys");
    new_key(&a, dir);
    new_key(&b, dir);
    ck_assert_str_ne(a.kid, b.kid);
    jws = jws_sign(&a, "payload", 7);
    ck_assert_int_eq(jws_verify(jws, a.pk), 0);
    ck_assert_int_eq(jws_verify(jws, b.pk), -1);
    free(jws);
    sign_key_free(&a);
    sign_key_free(&b);
}
END_TEST

/* --- header rules --- */

START_TEST(test_header_rules)
{
    static const struct {
        const char *header;
        int ok;
    } cases[] = {
        {"{\"alg\":\"EdDSA\",\"kid\":\"" RFC_KID "\"}", 1},
        {"{\"kid\":\"k1\",\"alg\":\"EdDSA\"}", 1},
        {"{\"alg\":\"EdDSA\",\"kid\":\"k1\",\"typ\":\"JWT\",\"x5u\":null}", 1},
        {" { \"alg\" : \"EdDSA\" , \"kid\" : \"k1\" } ", 1},
        {"{\"alg\":\"none\",\"kid\":\"k1\"}", 0},
        {"{\"alg\":\"HS256\",\"kid\":\"k1\"}", 0},
        {"{\"alg\":\"RS256\",\"kid\":\"k1\"}", 0},
        {"{\"alg\":\"eddsa\",\"kid\":\"k1\"}", 0},
        {"{\"alg\":\"EdDSA \",\"kid\":\"k1\"}", 0},
        {"{\"alg\":\"Ed25519\",\"kid\":\"k1\"}", 0},
        {"{\"alg\":[\"EdDSA\"],\"kid\":\"k1\"}", 0},
        {"{\"kid\":\"k1\"}", 0},
        {"{\"alg\":\"EdDSA\"}", 0},
        {"{\"alg\":\"EdDSA\",\"kid\":null}", 0},
        {"{\"alg\":\"EdDSA\",\"kid\":7}", 0},
        {"{\"alg\":\"EdDSA\",\"kid\":\"\"}", 0},
        {"{\"alg\":\"EdDSA\",\"kid\":\"" RFC_KID "A\"}", 0},
        {"{\"alg\":\"EdDSA\",\"kid\":\"k\\u0000\"}", 0},
        {"{\"alg\":\"EdDSA\",\"kid\":\"k1\",\"crit\":[\"exp\"]}", 0},
        {"{\"alg\":\"EdDSA\",\"kid\":\"k1\",\"crit\":[]}", 0},
        {"{\"alg\":\"EdDSA\",\"kid\":\"k1\",\"b64\":false,\"crit\":[\"b64\"]}", 0},
        {"{\"alg\":\"EdDSA\",\"kid\":\"k1\",\"kid\":\"k2\"}", 0},
        {"{\"alg\":\"EdDSA\",\"alg\":\"EdDSA\",\"kid\":\"k1\"}", 0},
        {"[\"alg\",\"EdDSA\"]", 0},
        {"\"EdDSA\"", 0},
        {"{\"alg\":\"EdDSA\",\"kid\":\"k1\"", 0},
        {"{\"alg\":\"EdDSA\",\"kid\":\"k1\"}x", 0},
        {"{\"alg\":\"EdDSA\",\"kid\":\"k1\"}{}", 0},
        {"{\"alg\":\"EdDSA\",\"kid\":\"\xff\"}", 0},
        {"", 0},
    };

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char *jws = build_jws(cases[i].header, "body", 4, NULL);
        char kid[SIGN_KID_LEN + 1];
        char *payload = NULL;
        size_t len = 0;
        int r = jws_parse(jws, kid, &payload, &len);

        ck_assert_msg((r == 0) == cases[i].ok, "header %s: got %d", cases[i].header, r);
        if (r == 0) {
            ck_assert_uint_eq(len, 4);
            ck_assert_str_eq(payload, "body");
        }
        free(payload);
        free(jws);
    }
}
END_TEST

START_TEST(test_parse_returns_kid)
{
    char *jws = build_jws("{\"alg\":\"EdDSA\",\"kid\":\"some-unknown-key\"}", "p", 1, NULL);
    char kid[SIGN_KID_LEN + 1];
    char *payload = NULL;
    size_t len = 0;

    /* Whether the kid is known is the caller's question. */
    ck_assert_int_eq(jws_parse(jws, kid, &payload, &len), 0);
    ck_assert_str_eq(kid, "some-unknown-key");
    free(payload);
    free(jws);
}
END_TEST

START_TEST(test_shape_rules)
{
    unsigned char sig[crypto_sign_BYTES + 1] = {0};
    char *good = build_jws("{\"alg\":\"EdDSA\",\"kid\":\"k1\"}", "AB", 2, NULL);
    char *first = strchr(good, '.');
    char *second = strchr(first + 1, '.');
    char buf[512];
    char *s63, *s65;

    ck_assert_int_eq(parses(good), 0);
    ck_assert_int_eq(parses(""), -1);
    ck_assert_int_eq(parses("."), -1);
    ck_assert_int_eq(parses(".."), -1);
    ck_assert_int_eq(parses("..."), -1);

    /* Two parts, four parts. */
    snprintf(buf, sizeof(buf), "%.*s", (int)(second - good), good);
    ck_assert_int_eq(parses(buf), -1);
    snprintf(buf, sizeof(buf), "%s.", good);
    ck_assert_int_eq(parses(buf), -1);
    snprintf(buf, sizeof(buf), "%s.AAAA", good);
    ck_assert_int_eq(parses(buf), -1);

    /* Padding in each part: "AB" encodes as "QUI", which padded is "QUI=". */
    snprintf(buf, sizeof(buf), "%.*s.QUI=.%s", (int)(first - good), good, second + 1);
    ck_assert_int_eq(parses(buf), -1);
    snprintf(buf, sizeof(buf), "%.*s.QUI.%s", (int)(first - good), good, second + 1);
    ck_assert_int_eq(parses(buf), 0);
    snprintf(buf, sizeof(buf), "%.*s=.QUI.%s", (int)(first - good), good, second + 1);
    ck_assert_int_eq(parses(buf), -1);
    snprintf(buf, sizeof(buf), "%s==", good);
    ck_assert_int_eq(parses(buf), -1);
    /* Whitespace around and inside. */
    snprintf(buf, sizeof(buf), " %s", good);
    ck_assert_int_eq(parses(buf), -1);
    snprintf(buf, sizeof(buf), "%s\n", good);
    ck_assert_int_eq(parses(buf), -1);
    snprintf(buf, sizeof(buf), "%.*s.Q UI.%s", (int)(first - good), good, second + 1);
    ck_assert_int_eq(parses(buf), -1);
    /* Non-canonical payload: "QUJ" decodes to "AB" too. */
    snprintf(buf, sizeof(buf), "%.*s.QUJ.%s", (int)(first - good), good, second + 1);
    ck_assert_int_eq(parses(buf), -1);
    /* A payload part of length 1 mod 4. */
    snprintf(buf, sizeof(buf), "%.*s.QUIAQ.%s", (int)(first - good), good, second + 1);
    ck_assert_int_eq(parses(buf), -1);
    /* The standard alphabet. */
    snprintf(buf, sizeof(buf), "%.*s.+/8.%s", (int)(first - good), good, second + 1);
    ck_assert_int_eq(parses(buf), -1);
    snprintf(buf, sizeof(buf), "%.*s.-_8.%s", (int)(first - good), good, second + 1);
    ck_assert_int_eq(parses(buf), 0);

    /* Signatures of 63 and 65 bytes. */
    s63 = b64url_encode(sig, 63);
    s65 = b64url_encode(sig, 65);
    snprintf(buf, sizeof(buf), "%.*s.%s", (int)(second - good), good, s63);
    ck_assert_int_eq(parses(buf), -1);
    snprintf(buf, sizeof(buf), "%.*s.%s", (int)(second - good), good, s65);
    ck_assert_int_eq(parses(buf), -1);
    snprintf(buf, sizeof(buf), "%.*s.", (int)(second - good), good);
    ck_assert_int_eq(parses(buf), -1);
    free(s63);
    free(s65);
    free(good);
}
END_TEST

/* The 1-byte payload 'A' is "QQ"; "QR" carries the same byte with non-zero
 * spare bits and must not verify even though the signature covers "QQ"'s
 * decoding. */
START_TEST(test_noncanonical_signed_payload)
{
    struct signing_key k = {0};
    char dir[PATH_MAX];
    char *jws, *dot;

    join(dir, tmp, "keys");
    new_key(&k, dir);
    jws = jws_sign(&k, "A", 1);
    dot = strchr(jws, '.');
    ck_assert_int_eq(strncmp(dot, ".QQ.", 4), 0);
    dot[2] = 'R';
    ck_assert_int_eq(jws_verify(jws, k.pk), -1);
    ck_assert_int_eq(parses(jws), -1);
    free(jws);
    sign_key_free(&k);
}
END_TEST

/* --- key files --- */

START_TEST(test_keygen_creates_private_dir_and_file)
{
    unsigned char pk[SIGN_PUBLIC_LEN], file[SIGN_SECRET_LEN];
    unsigned char derived_pk[SIGN_PUBLIC_LEN], derived_sk[SIGN_SECRET_LEN];
    char dir[PATH_MAX], path[PATH_MAX], kid[SIGN_KID_LEN + 1], want[SIGN_KID_LEN + 1];
    char err[512];
    struct stat st;

    join(dir, tmp, "keys");
    ck_assert_msg(sign_keygen(dir, kid, pk, err, sizeof(err)) == 0, "%s", err);
    ck_assert_int_eq(stat(dir, &st), 0);
    ck_assert(S_ISDIR(st.st_mode));
    ck_assert_uint_eq(st.st_mode & 07777, 0700);

    sign_kid(want, pk);
    ck_assert_str_eq(kid, want);
    key_file(path, dir, kid);
    ck_assert_int_eq(lstat(path, &st), 0);
    ck_assert(S_ISREG(st.st_mode));
    ck_assert_uint_eq(st.st_mode & 07777, 0600);
    ck_assert_int_eq(st.st_size, SIGN_SECRET_LEN);

    /* libsodium's layout: seed, then the public key it derives. */
    read_file(path, file, sizeof(file));
    ck_assert_mem_eq(file + 32, pk, SIGN_PUBLIC_LEN);
    ck_assert_int_eq(crypto_sign_seed_keypair(derived_pk, derived_sk, file), 0);
    ck_assert_mem_eq(derived_pk, pk, SIGN_PUBLIC_LEN);
    sodium_memzero(file, sizeof(file));
    sodium_memzero(derived_sk, sizeof(derived_sk));

    /* An existing private directory is used as it is; keys differ. */
    ck_assert_msg(sign_keygen(dir, want, pk, err, sizeof(err)) == 0, "%s", err);
    ck_assert_str_ne(want, kid);
}
END_TEST

START_TEST(test_keygen_trailing_slash)
{
    unsigned char pk[SIGN_PUBLIC_LEN];
    char dir[PATH_MAX], kid[SIGN_KID_LEN + 1], err[512];
    struct stat st;

    join(dir, tmp, "keys/");
    ck_assert_msg(sign_keygen(dir, kid, pk, err, sizeof(err)) == 0, "%s", err);
    ck_assert_int_eq(stat(dir, &st), 0);
    ck_assert_uint_eq(st.st_mode & 07777, 0700);
}
END_TEST

/* What keygen does to the key it retires: the file overwritten and gone,
 * the key no longer loadable; another key in the directory untouched. */
START_TEST(test_destroy_removes_the_secret)
{
    unsigned char pk[SIGN_PUBLIC_LEN];
    char dir[PATH_MAX], path[PATH_MAX], kid[SIGN_KID_LEN + 1], other[SIGN_KID_LEN + 1];
    char err[512];
    struct signing_key k;
    struct stat st;

    join(dir, tmp, "keys");
    ck_assert_msg(sign_keygen(dir, kid, pk, err, sizeof(err)) == 0, "%s", err);
    ck_assert_msg(sign_keygen(dir, other, pk, err, sizeof(err)) == 0, "%s", err);
    key_file(path, dir, kid);
    ck_assert_msg(sign_key_destroy(dir, kid, err, sizeof(err)) == 0, "%s", err);
    ck_assert_int_eq(lstat(path, &st), -1);
    ck_assert_int_eq(errno, ENOENT);
    ck_assert_int_eq(sign_key_load(&k, dir, kid, err, sizeof(err)), -1);
    ck_assert_msg(sign_key_load(&k, dir, other, err, sizeof(err)) == 0, "%s", err);
    sign_key_free(&k);
    /* Gone already: nothing to do.  Not a key id: refused. */
    ck_assert_int_eq(sign_key_destroy(dir, kid, err, sizeof(err)), 0);
    ck_assert_int_eq(sign_key_destroy(dir, "../etc/passwd", err, sizeof(err)), -1);
    /* A symbolic link in its place is not followed. */
    char target[PATH_MAX];
    join(target, tmp, "elsewhere");
    FILE *f = fopen(target, "w");
    ck_assert_ptr_nonnull(f);
    fputs("keep me", f);
    fclose(f);
    ck_assert_int_eq(symlink(target, path), 0);
    ck_assert_int_eq(sign_key_destroy(dir, kid, err, sizeof(err)), -1);
    ck_assert_int_eq(stat(target, &st), 0);
    ck_assert_int_eq(st.st_size, 7);
}
END_TEST

START_TEST(test_keygen_missing_parent)
{
    unsigned char pk[SIGN_PUBLIC_LEN];
    char dir[PATH_MAX], kid[SIGN_KID_LEN + 1], err[512] = "";
    struct stat st;

    join(dir, tmp, "missing/keys");
    ck_assert_int_eq(sign_keygen(dir, kid, pk, err, sizeof(err)), -1);
    ck_assert_msg(strstr(err, "cannot create key directory") != NULL, "%s", err);
    ck_assert_int_eq(stat(dir, &st), -1);
}
END_TEST

START_TEST(test_keygen_refuses_loose_dir)
{
    unsigned char pk[SIGN_PUBLIC_LEN];
    char dir[PATH_MAX], kid[SIGN_KID_LEN + 1], err[1024] = "";
    char want[2 * PATH_MAX + 128];

    make_keys_dir(dir);
    ck_assert_int_eq(chmod(dir, 0755), 0);
    ck_assert_int_eq(sign_keygen(dir, kid, pk, err, sizeof(err)), -1);
    snprintf(want, sizeof(want),
             "key directory %s/ is accessible to others (mode 0755); "
             "run: chmod 700 %s/",
             dir, dir);
    ck_assert_str_eq(err, want);

    ck_assert_int_eq(chmod(dir, 0710), 0);
    ck_assert_int_eq(sign_keygen(dir, kid, pk, err, sizeof(err)), -1);
    ck_assert_int_eq(chmod(dir, 0701), 0);
    ck_assert_int_eq(sign_keygen(dir, kid, pk, err, sizeof(err)), -1);
}
END_TEST

START_TEST(test_keygen_refuses_non_directory)
{
    unsigned char pk[SIGN_PUBLIC_LEN];
    char dir[PATH_MAX], kid[SIGN_KID_LEN + 1], err[512] = "";

    join(dir, tmp, "keys");
    write_file(dir, "x", 1, 0600);
    ck_assert_int_eq(sign_keygen(dir, kid, pk, err, sizeof(err)), -1);
    ck_assert_msg(strstr(err, "not a directory") != NULL, "%s", err);
}
END_TEST

START_TEST(test_load_refuses_loose_dir)
{
    struct signing_key k = {0};
    unsigned char pk[SIGN_PUBLIC_LEN];
    char dir[PATH_MAX], kid[SIGN_KID_LEN + 1], err[1024];

    join(dir, tmp, "keys");
    ck_assert_int_eq(sign_keygen(dir, kid, pk, err, sizeof(err)), 0);
    ck_assert_int_eq(chmod(dir, 0755), 0);
    ck_assert_int_eq(sign_key_load(&k, dir, kid, err, sizeof(err)), -1);
    ck_assert_msg(strstr(err, "(mode 0755); run: chmod 700 ") != NULL, "%s", err);
    ck_assert_ptr_null(k.sk);
    ck_assert_int_eq(chmod(dir, 0700), 0);
    ck_assert_msg(sign_key_load(&k, dir, kid, err, sizeof(err)) == 0, "%s", err);
    sign_key_free(&k);
}
END_TEST

START_TEST(test_load_refuses_loose_file)
{
    struct signing_key k = {0};
    unsigned char pk[SIGN_PUBLIC_LEN];
    char dir[PATH_MAX], path[PATH_MAX], kid[SIGN_KID_LEN + 1], err[1024];
    char want[2 * PATH_MAX + 128];
    static const mode_t loose[] = {0644, 0640, 0604, 0620, 0602, 0610};

    join(dir, tmp, "keys");
    ck_assert_int_eq(sign_keygen(dir, kid, pk, err, sizeof(err)), 0);
    key_file(path, dir, kid);
    ck_assert_int_eq(chmod(path, 0644), 0);
    ck_assert_int_eq(sign_key_load(&k, dir, kid, err, sizeof(err)), -1);
    snprintf(want, sizeof(want),
             "signing key %s is accessible to others (mode 0644); run: chmod 600 %s", path, path);
    ck_assert_str_eq(err, want);
    for (size_t i = 0; i < sizeof(loose) / sizeof(loose[0]); i++) {
        ck_assert_int_eq(chmod(path, loose[i]), 0);
        ck_assert_int_eq(sign_key_load(&k, dir, kid, err, sizeof(err)), -1);
    }
    /* Stricter than 0600 is fine. */
    ck_assert_int_eq(chmod(path, 0400), 0);
    ck_assert_msg(sign_key_load(&k, dir, kid, err, sizeof(err)) == 0, "%s", err);
    sign_key_free(&k);
}
END_TEST

START_TEST(test_load_refuses_wrong_size)
{
    unsigned char pk[SIGN_PUBLIC_LEN], sk[SIGN_SECRET_LEN + 1];
    struct signing_key k = {0};
    char dir[PATH_MAX], path[PATH_MAX], kid[SIGN_KID_LEN + 1], err[1024];

    join(dir, tmp, "keys");
    ck_assert_int_eq(sign_keygen(dir, kid, pk, err, sizeof(err)), 0);
    key_file(path, dir, kid);
    read_file(path, sk, SIGN_SECRET_LEN);
    sk[SIGN_SECRET_LEN] = 0;

    write_file(path, sk, SIGN_SECRET_LEN - 1, 0600);
    ck_assert_int_eq(sign_key_load(&k, dir, kid, err, sizeof(err)), -1);
    ck_assert_msg(strstr(err, "exactly 64 bytes") != NULL, "%s", err);
    write_file(path, sk, SIGN_SECRET_LEN + 1, 0600);
    ck_assert_int_eq(sign_key_load(&k, dir, kid, err, sizeof(err)), -1);
    ck_assert_msg(strstr(err, "exactly 64 bytes") != NULL, "%s", err);
    write_file(path, sk, 0, 0600);
    ck_assert_int_eq(sign_key_load(&k, dir, kid, err, sizeof(err)), -1);
    /* The seed alone (32 bytes) is not accepted either. */
    write_file(path, sk, 32, 0600);
    ck_assert_int_eq(sign_key_load(&k, dir, kid, err, sizeof(err)), -1);
    write_file(path, sk, SIGN_SECRET_LEN, 0600);
    ck_assert_msg(sign_key_load(&k, dir, kid, err, sizeof(err)) == 0, "%s", err);
    sign_key_free(&k);
    sodium_memzero(sk, sizeof(sk));
}
END_TEST

START_TEST(test_load_refuses_other_key)
{
    unsigned char pk1[SIGN_PUBLIC_LEN], pk2[SIGN_PUBLIC_LEN];
    struct signing_key k = {0};
    char dir[PATH_MAX], path1[PATH_MAX], path2[PATH_MAX], err[1024];
    char kid1[SIGN_KID_LEN + 1], kid2[SIGN_KID_LEN + 1];

    join(dir, tmp, "keys");
    ck_assert_int_eq(sign_keygen(dir, kid1, pk1, err, sizeof(err)), 0);
    ck_assert_int_eq(sign_keygen(dir, kid2, pk2, err, sizeof(err)), 0);
    key_file(path1, dir, kid1);
    key_file(path2, dir, kid2);
    ck_assert_int_eq(unlink(path2), 0);
    ck_assert_int_eq(rename(path1, path2), 0);
    ck_assert_int_eq(sign_key_load(&k, dir, kid2, err, sizeof(err)), -1);
    ck_assert_msg(strstr(err, "does not hold key") != NULL, "%s", err);
    ck_assert_msg(strstr(err, kid2) != NULL, "%s", err);
    ck_assert_ptr_null(k.sk);
}
END_TEST

START_TEST(test_load_refuses_mismatched_halves)
{
    unsigned char pk[SIGN_PUBLIC_LEN], sk[SIGN_SECRET_LEN];
    struct signing_key k = {0};
    char dir[PATH_MAX], path[PATH_MAX], kid[SIGN_KID_LEN + 1], err[1024];

    /* A file whose public half is right for the kid but not the seed's. */
    join(dir, tmp, "keys");
    ck_assert_int_eq(sign_keygen(dir, kid, pk, err, sizeof(err)), 0);
    key_file(path, dir, kid);
    read_file(path, sk, sizeof(sk));
    sk[0] ^= 1;
    write_file(path, sk, sizeof(sk), 0600);
    ck_assert_int_eq(sign_key_load(&k, dir, kid, err, sizeof(err)), -1);
    ck_assert_msg(strstr(err, "damaged") != NULL, "%s", err);
    sodium_memzero(sk, sizeof(sk));
}
END_TEST

START_TEST(test_load_refuses_symlink)
{
    unsigned char pk[SIGN_PUBLIC_LEN];
    struct signing_key k = {0};
    char dir[PATH_MAX], path[PATH_MAX], real[PATH_MAX], kid[SIGN_KID_LEN + 1], err[1024];

    join(dir, tmp, "keys");
    ck_assert_int_eq(sign_keygen(dir, kid, pk, err, sizeof(err)), 0);
    key_file(path, dir, kid);
    join(real, dir, "real");
    ck_assert_int_eq(rename(path, real), 0);
    ck_assert_int_eq(symlink("real", path), 0);
    ck_assert_int_eq(sign_key_load(&k, dir, kid, err, sizeof(err)), -1);
    ck_assert_msg(strstr(err, "symbolic link") != NULL, "%s", err);
    ck_assert_ptr_null(k.sk);
}
END_TEST

START_TEST(test_load_refuses_non_regular)
{
    unsigned char pk[SIGN_PUBLIC_LEN];
    struct signing_key k = {0};
    char dir[PATH_MAX], path[PATH_MAX], kid[SIGN_KID_LEN + 1], err[1024];

    join(dir, tmp, "keys");
    ck_assert_int_eq(sign_keygen(dir, kid, pk, err, sizeof(err)), 0);
    key_file(path, dir, kid);
    ck_assert_int_eq(unlink(path), 0);
    /* A FIFO must be refused, not waited on. */
    ck_assert_int_eq(mkfifo(path, 0600), 0);
    ck_assert_int_eq(sign_key_load(&k, dir, kid, err, sizeof(err)), -1);
    ck_assert_msg(strstr(err, "not a regular file") != NULL, "%s", err);
    ck_assert_int_eq(unlink(path), 0);
    ck_assert_int_eq(mkdir(path, 0700), 0);
    ck_assert_int_eq(sign_key_load(&k, dir, kid, err, sizeof(err)), -1);
}
END_TEST

START_TEST(test_load_missing)
{
    struct signing_key k = {0};
    char dir[PATH_MAX], err[1024], want[2 * PATH_MAX + 128];

    make_keys_dir(dir);
    ck_assert_int_eq(sign_key_load(&k, dir, RFC_KID, err, sizeof(err)), -1);
    snprintf(want, sizeof(want),
             "no signing key " RFC_KID " in %s (create one with: shenbao keygen --keys %s)", dir,
             dir);
    ck_assert_str_eq(err, want);

    /* A missing directory says the same. */
    join(dir, tmp, "nowhere");
    ck_assert_int_eq(sign_key_load(&k, dir, RFC_KID, err, sizeof(err)), -1);
    ck_assert_msg(strstr(err, "no signing key") != NULL, "%s", err);

    /* So does a file in place of the directory, in its own words. */
    write_file(dir, "x", 1, 0600);
    ck_assert_int_eq(sign_key_load(&k, dir, RFC_KID, err, sizeof(err)), -1);
    ck_assert_msg(strstr(err, "not a directory") != NULL, "%s", err);
}
END_TEST

START_TEST(test_load_refuses_bad_kid)
{
    static const char *bad[] = {
        "",
        "../keys",
        "kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4",
        "kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4kA",
        "kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4l", /* non-canonical */
        "kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBy/rS4k",
    };
    struct signing_key k = {0};
    char dir[PATH_MAX], err[1024];

    make_keys_dir(dir);
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        ck_assert_int_eq(sign_key_load(&k, dir, bad[i], err, sizeof(err)), -1);
        ck_assert_msg(strstr(err, "is not a signing key id") != NULL, "%s", err);
    }
}
END_TEST

START_TEST(test_loaded_key_is_guarded)
{
    unsigned char pk[SIGN_PUBLIC_LEN], sk[SIGN_SECRET_LEN];
    struct signing_key k = {0};
    char dir[PATH_MAX], path[PATH_MAX], kid[SIGN_KID_LEN + 1], err[1024];

    join(dir, tmp, "keys");
    ck_assert_int_eq(sign_keygen(dir, kid, pk, err, sizeof(err)), 0);
    key_file(path, dir, kid);
    read_file(path, sk, sizeof(sk));
    ck_assert_msg(sign_key_load(&k, dir, kid, err, sizeof(err)) == 0, "%s", err);
    ck_assert_ptr_nonnull(k.sk);
    ck_assert_int_eq(sodium_memcmp(k.sk, sk, sizeof(sk)), 0);
    sign_key_free(&k);
    ck_assert_ptr_null(k.sk);
    ck_assert_str_eq(k.kid, "");
    sodium_memzero(sk, sizeof(sk));
}
END_TEST

START_TEST(test_free_zeroed)
{
    struct signing_key k = {0};

    sign_key_free(&k);
    sign_key_free(&k);
    sign_key_free(NULL);
    ck_assert_ptr_null(k.sk);
}
END_TEST

static Suite *sign_suite(void)
{
    Suite *s = suite_create("sign");
    TCase *b64 = tcase_create("b64url");
    TCase *kid = tcase_create("kid");
    TCase *jws = tcase_create("jws");
    TCase *keys = tcase_create("keys");

    tcase_add_test(b64, test_b64url_table);
    tcase_add_test(b64, test_b64url_embedded_nul);
    tcase_add_test(b64, test_b64url_capacity);
    tcase_add_test(b64, test_b64url_round_trip);
    suite_add_tcase(s, b64);

    tcase_add_test(kid, test_kid_rfc8037);
    tcase_add_test(kid, test_kid_rfc7638_input);
    suite_add_tcase(s, kid);

    tcase_add_checked_fixture(jws, setup, teardown);
    tcase_add_test(jws, test_rfc8037_a4_signature);
    tcase_add_test(jws, test_jws_sign_matches_rfc_construction);
    tcase_add_test(jws, test_round_trip);
    tcase_add_test(jws, test_empty_and_binary_payload);
    tcase_add_test(jws, test_tamper_every_position);
    tcase_add_test(jws, test_truncated_and_extended);
    tcase_add_test(jws, test_other_key_fails);
    tcase_add_test(jws, test_header_rules);
    tcase_add_test(jws, test_parse_returns_kid);
    tcase_add_test(jws, test_shape_rules);
    tcase_add_test(jws, test_noncanonical_signed_payload);
    suite_add_tcase(s, jws);

    tcase_add_checked_fixture(keys, setup, teardown);
    tcase_add_test(keys, test_keygen_creates_private_dir_and_file);
    tcase_add_test(keys, test_keygen_trailing_slash);
    tcase_add_test(keys, test_destroy_removes_the_secret);
    tcase_add_test(keys, test_keygen_missing_parent);
    tcase_add_test(keys, test_keygen_refuses_loose_dir);
    tcase_add_test(keys, test_keygen_refuses_non_directory);
    tcase_add_test(keys, test_load_refuses_loose_dir);
    tcase_add_test(keys, test_load_refuses_loose_file);
    tcase_add_test(keys, test_load_refuses_wrong_size);
    tcase_add_test(keys, test_load_refuses_other_key);
    tcase_add_test(keys, test_load_refuses_mismatched_halves);
    tcase_add_test(keys, test_load_refuses_symlink);
    tcase_add_test(keys, test_load_refuses_non_regular);
    tcase_add_test(keys, test_load_missing);
    tcase_add_test(keys, test_load_refuses_bad_kid);
    tcase_add_test(keys, test_loaded_key_is_guarded);
    tcase_add_test(keys, test_free_zeroed);
    suite_add_tcase(s, keys);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(sign_suite());
    int failures;

    if (sodium_init() < 0)
        return 1;
    srunner_run_all(sr, CK_NORMAL);
    failures = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failures != 0;
}
