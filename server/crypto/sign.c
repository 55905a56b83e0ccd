/*
 * Signing keys and compact JWS with EdDSA (RFC 7515, RFC 8037).
 *
 * A key file holds libsodium's 64-byte secret key (seed, then public key)
 * and is named after the key id, so an operator can see which file backs
 * which JWKS entry.  Both the directory and the file must be private to the
 * server's user: a signing key that others can read signs for them too.
 */
#include "digest.h"
#include "jsontext.h"
#include "sign.h"

#include "keyfile.h"

#include <assert.h>
#include <errno.h>
#include <jansson.h>
#include <sodium.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define B64_VARIANT     sodium_base64_VARIANT_URLSAFE_NO_PADDING
#define KEY_FILE_SUFFIX ".ed25519"
/* base64url of an Ed25519 signature, without padding. */
#define SIG_B64_LEN 86

_Static_assert(SIGN_PUBLIC_LEN == crypto_sign_PUBLICKEYBYTES, "public key is libsodium's");
_Static_assert(SIGN_SECRET_LEN == crypto_sign_SECRETKEYBYTES, "secret key is libsodium's");
_Static_assert(SIGN_KID_LEN + 1 == sodium_base64_ENCODED_LEN(crypto_hash_sha256_BYTES, B64_VARIANT),
               "kid is the base64url of a SHA-256 digest");
_Static_assert(SIGN_X_LEN + 1 == sodium_base64_ENCODED_LEN(SIGN_PUBLIC_LEN, B64_VARIANT),
               "x is the base64url of the public key");
_Static_assert(SIG_B64_LEN + 1 == sodium_base64_ENCODED_LEN(crypto_sign_BYTES, B64_VARIANT),
               "signature part length");

/* sodium_init() is idempotent and cheap once done.  Without a working
 * random source no key can be made safely, so failure ends the process. */
static void sign_sodium_init(void)
{
    if (sodium_init() < 0) {
        fputs("libsodium could not be initialised\n", stderr);
        abort();
    }
}

/* The value of a base64url character, or -1 for anything else (padding and
 * whitespace included). */
static int b64url_value(char c)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    if (c == '-')
        return 62;
    if (c == '_')
        return 63;
    return -1;
}

/*
 * Whether in is the one canonical unpadded base64url spelling of some bytes.
 * A length of 1 mod 4 encodes no whole byte; after 2 or 3 trailing
 * characters the last one carries 4 or 2 unused bits that must be zero, or
 * the same bytes would have several spellings (and a JWS several texts).
 * libsodium 1.0.18 refuses these as well; checking here keeps the rule in
 * one visible place whatever the library version does.
 */
static int b64url_valid(const char *in, size_t inlen)
{
    int last = 0;

    if (inlen % 4 == 1)
        return 0;
    for (size_t i = 0; i < inlen; i++) {
        last = b64url_value(in[i]);
        if (last < 0)
            return 0;
    }
    if (inlen % 4 == 2 && (last & 0x0f) != 0)
        return 0;
    if (inlen % 4 == 3 && (last & 0x03) != 0)
        return 0;
    return 1;
}

/* The number of bytes a valid unpadded base64url text of inlen characters
 * decodes to. */
static size_t b64url_decoded_len(size_t inlen)
{
    size_t rem = inlen % 4;

    return inlen / 4 * 3 + (rem == 0 ? 0 : rem - 1);
}

char *b64url_encode(const unsigned char *in, size_t len)
{
    size_t outlen;
    char *out;

    assert(in != NULL || len == 0);
    /* sodium_base64_ENCODED_LEN would overflow for lengths this close to
     * SIZE_MAX; nothing that large is ever signed. */
    if (len > SIZE_MAX / 4 * 3 - 3)
        return NULL;
    outlen = sodium_base64_ENCODED_LEN(len, B64_VARIANT);
    out = malloc(outlen);
    if (out == NULL)
        return NULL;
    sodium_bin2base64(out, outlen, in, len, B64_VARIANT);
    return out;
}

int b64url_decode(unsigned char *out, size_t cap, size_t *len, const char *in, size_t inlen)
{
    size_t want;
    size_t got = 0;

    assert(len != NULL && (in != NULL || inlen == 0));
    *len = 0;
    if (!b64url_valid(in, inlen))
        return -1;
    want = b64url_decoded_len(inlen);
    if (want > cap)
        return -1;
    if (want == 0)
        return 0;
    if (sodium_base642bin(out, cap, in, inlen, NULL, &got, NULL, B64_VARIANT) != 0 || got != want)
        return -1;
    *len = got;
    return 0;
}

void sign_kid(char out[SIGN_KID_LEN + 1], const unsigned char pk[SIGN_PUBLIC_LEN])
{
    /* RFC 7638: the required members of the JWK (RFC 8037 §2 for OKP), in
     * lexicographic order, without whitespace. */
    static const char pre[] = "{\"crv\":\"Ed25519\",\"kty\":\"OKP\",\"x\":\"";
    static const char post[] = "\"}";
    char jwk[sizeof(pre) - 1 + SIGN_X_LEN + sizeof(post)];
    unsigned char digest[DIGEST_SHA256_LEN];
    size_t n = 0;

    assert(out != NULL && pk != NULL);
    sign_sodium_init();
    memcpy(jwk, pre, sizeof(pre) - 1);
    n += sizeof(pre) - 1;
    sign_x(jwk + n, pk);
    n += SIGN_X_LEN;
    memcpy(jwk + n, post, sizeof(post) - 1);
    n += sizeof(post) - 1;
    digest_sha256(digest, jwk, n);
    sodium_bin2base64(out, SIGN_KID_LEN + 1, digest, sizeof(digest), B64_VARIANT);
}

void sign_x(char out[SIGN_X_LEN + 1], const unsigned char pk[SIGN_PUBLIC_LEN])
{
    assert(out != NULL && pk != NULL);
    sodium_bin2base64(out, SIGN_X_LEN + 1, pk, SIGN_PUBLIC_LEN, B64_VARIANT);
}

/* Whether kid has the shape of our key ids.  Besides refusing ids that
 * cannot exist, this keeps '/' and ".." out of the key file name. */
static int kid_valid(const char *kid)
{
    return strnlen(kid, SIGN_KID_LEN + 1) == SIGN_KID_LEN && b64url_valid(kid, SIGN_KID_LEN);
}

int sign_keygen(const char *dir, char kid[SIGN_KID_LEN + 1], unsigned char pk[SIGN_PUBLIC_LEN],
                char *err, size_t errlen)
{
    unsigned char sk[SIGN_SECRET_LEN];
    char name[SIGN_KID_LEN + sizeof(KEY_FILE_SUFFIX)];
    int ret;

    assert(dir != NULL && kid != NULL && pk != NULL && err != NULL);
    sign_sodium_init();
    crypto_sign_keypair(pk, sk);
    sign_kid(kid, pk);
    snprintf(name, sizeof(name), "%s" KEY_FILE_SUFFIX, kid);
    ret = keyfile_create(dir, name, sk, sizeof(sk), "signing key", err, errlen);
    sodium_memzero(sk, sizeof(sk));
    if (ret != 0) {
        kid[0] = '\0';
        sodium_memzero(pk, SIGN_PUBLIC_LEN);
    }
    return ret;
}

int sign_key_destroy(const char *dir, const char *kid, char *err, size_t errlen)
{
    char name[SIGN_KID_LEN + sizeof(KEY_FILE_SUFFIX)];

    assert(dir != NULL && kid != NULL && err != NULL);
    if (!kid_valid(kid)) {
        snprintf(err, errlen, "\"%.*s\" is not a signing key id", SIGN_KID_LEN + 1, kid);
        return -1;
    }
    snprintf(name, sizeof(name), "%s" KEY_FILE_SUFFIX, kid);
    return keyfile_destroy(dir, name, "signing key", err, errlen);
}

int sign_key_load(struct signing_key *out, const char *dir, const char *kid, char *err,
                  size_t errlen)
{
    unsigned char derived_sk[SIGN_SECRET_LEN];
    unsigned char pk[SIGN_PUBLIC_LEN];
    char name[SIGN_KID_LEN + sizeof(KEY_FILE_SUFFIX)];
    char actual_kid[SIGN_KID_LEN + 1];
    unsigned char *sk = NULL;
    const char *slash;
    int ret = -1;

    assert(out != NULL && dir != NULL && kid != NULL && err != NULL);
    sign_sodium_init();
    memset(out, 0, sizeof(*out));
    err[0] = '\0';
    if (!kid_valid(kid)) {
        snprintf(err, errlen, "\"%.*s\" is not a signing key id", SIGN_KID_LEN + 1, kid);
        goto out;
    }
    slash = keyfile_dir_slash(dir);
    snprintf(name, sizeof(name), "%s" KEY_FILE_SUFFIX, kid);
    sk = keyfile_load(dir, name, SIGN_SECRET_LEN, "signing key", kid, err, errlen);
    if (sk == NULL) {
        if (err[0] == '\0')
            snprintf(err, errlen,
                     "no signing key %s in %s (create one with: shenbao keygen --keys %s)", kid,
                     dir, dir);
        goto out;
    }
    /* The public half stored in the file is what libsodium hashes into every
     * signature; were it not the seed's own, signatures would not verify
     * (and could leak the key), so it is recomputed from the seed. */
    crypto_sign_seed_keypair(pk, derived_sk, sk);
    if (sodium_memcmp(derived_sk, sk, SIGN_SECRET_LEN) != 0) {
        snprintf(err, errlen, "signing key %s%s%s is damaged: its public half is not its seed's",
                 dir, slash, name);
        goto out;
    }
    sign_kid(actual_kid, pk);
    if (sodium_memcmp(actual_kid, kid, SIGN_KID_LEN) != 0) {
        snprintf(err, errlen, "signing key file %s%s%s does not hold key %s (it holds %s)", dir,
                 slash, name, kid, actual_kid);
        goto out;
    }
    if (sodium_mprotect_readonly(sk) != 0) {
        snprintf(err, errlen, "cannot protect signing key %s: %s", kid, strerror(errno));
        goto out;
    }
    memcpy(out->kid, kid, SIGN_KID_LEN + 1);
    memcpy(out->pk, pk, SIGN_PUBLIC_LEN);
    out->sk = sk;
    sk = NULL;
    ret = 0;
out:
    sodium_memzero(derived_sk, sizeof(derived_sk));
    sodium_free(sk);
    return ret;
}

void sign_key_free(struct signing_key *k)
{
    if (k == NULL)
        return;
    /* sodium_free makes the pages writable again and wipes them. */
    sodium_free(k->sk);
    sodium_memzero(k, sizeof(*k));
}

char *jws_sign(const struct signing_key *k, const char *payload, size_t len)
{
    static const char pre[] = "{\"alg\":\"EdDSA\",\"kid\":\"";
    static const char post[] = "\"}";
    char header[sizeof(pre) - 1 + SIGN_KID_LEN + sizeof(post)];
    unsigned char sig[crypto_sign_BYTES];
    size_t kid_len, header_len, h_len, p_len, total, n;
    char *out;

    assert(k != NULL && k->sk != NULL && (payload != NULL || len == 0));
    sign_sodium_init();
    kid_len = strnlen(k->kid, SIGN_KID_LEN + 1);
    assert(kid_len <= SIGN_KID_LEN);
    memcpy(header, pre, sizeof(pre) - 1);
    header_len = sizeof(pre) - 1;
    memcpy(header + header_len, k->kid, kid_len);
    header_len += kid_len;
    memcpy(header + header_len, post, sizeof(post) - 1);
    header_len += sizeof(post) - 1;

    if (len > SIZE_MAX / 4 * 3 - 3 - 256)
        return NULL;
    /* Each ENCODED_LEN counts a NUL: the first two stand for the dots. */
    h_len = sodium_base64_ENCODED_LEN(header_len, B64_VARIANT);
    p_len = sodium_base64_ENCODED_LEN(len, B64_VARIANT);
    total = h_len + p_len + SIG_B64_LEN + 1;
    out = malloc(total);
    if (out == NULL)
        return NULL;
    /* The parts are encoded in place, so the signing input
     * ASCII(BASE64URL(header) || '.' || BASE64URL(payload)) is a prefix of
     * the output. */
    sodium_bin2base64(out, h_len, (const unsigned char *)header, header_len, B64_VARIANT);
    n = h_len - 1;
    out[n++] = '.';
    sodium_bin2base64(out + n, p_len, (const unsigned char *)payload, len, B64_VARIANT);
    n += p_len - 1;
    crypto_sign_detached(sig, NULL, (const unsigned char *)out, n, k->sk);
    out[n++] = '.';
    sodium_bin2base64(out + n, SIG_B64_LEN + 1, sig, sizeof(sig), B64_VARIANT);
    return out;
}

/* The three parts of a compact JWS, each strict base64url. */
struct jws_parts {
    const char *header, *payload, *sig;
    size_t header_len, payload_len, sig_len;
};

static int jws_split(struct jws_parts *p, const char *jws)
{
    const char *dot1, *dot2;

    dot1 = strchr(jws, '.');
    if (dot1 == NULL)
        return -1;
    dot2 = strchr(dot1 + 1, '.');
    if (dot2 == NULL || strchr(dot2 + 1, '.') != NULL)
        return -1;
    p->header = jws;
    p->header_len = (size_t)(dot1 - jws);
    p->payload = dot1 + 1;
    p->payload_len = (size_t)(dot2 - p->payload);
    p->sig = dot2 + 1;
    p->sig_len = strlen(p->sig);
    if (!b64url_valid(p->header, p->header_len) || !b64url_valid(p->payload, p->payload_len) ||
        !b64url_valid(p->sig, p->sig_len))
        return -1;
    return 0;
}

/* Decodes a part already known to be valid into a new NUL-terminated
 * buffer.  Caller frees. */
static unsigned char *decode_part(const char *in, size_t inlen, size_t *len)
{
    size_t cap = b64url_decoded_len(inlen);
    unsigned char *buf = malloc(cap + 1);

    if (buf == NULL)
        return NULL;
    if (b64url_decode(buf, cap, len, in, inlen) != 0) {
        free(buf);
        return NULL;
    }
    buf[*len] = '\0';
    return buf;
}

/*
 * Accepts the protected header only when it names EdDSA and a kid.  "crit"
 * lists extensions the recipient must understand (RFC 7515 §4.1.11); we
 * understand none, so any "crit" is refused.  Other members are ignored.
 */
static int header_check(char kid[SIGN_KID_LEN + 1], const unsigned char *text, size_t len)
{
    json_t *hdr = NULL;
    json_t *alg, *jkid;
    size_t kid_len;
    int ret = -1;

    hdr = parse_json((const char *)text, len, JSON_REJECT_DUPLICATES, NULL);
    if (hdr == NULL || !json_is_object(hdr))
        goto out;
    alg = json_object_get(hdr, "alg");
    if (!json_is_string(alg) || json_string_length(alg) != 5 ||
        memcmp(json_string_value(alg), "EdDSA", 5) != 0)
        goto out;
    jkid = json_object_get(hdr, "kid");
    if (!json_is_string(jkid))
        goto out;
    kid_len = json_string_length(jkid);
    /* Jansson refuses "\u0000" unless asked to allow it, so the kid has no
     * embedded NUL. */
    if (kid_len == 0 || kid_len > SIGN_KID_LEN)
        goto out;
    if (json_object_get(hdr, "crit") != NULL)
        goto out;
    memcpy(kid, json_string_value(jkid), kid_len);
    kid[kid_len] = '\0';
    ret = 0;
out:
    json_decref(hdr);
    return ret;
}

int jws_parse(const char *jws, char kid[SIGN_KID_LEN + 1], char **payload, size_t *len)
{
    struct jws_parts p;
    unsigned char sig[crypto_sign_BYTES];
    unsigned char *header = NULL;
    unsigned char *body = NULL;
    size_t header_len, body_len, sig_len;
    int ret = -1;

    assert(jws != NULL && kid != NULL && payload != NULL && len != NULL);
    kid[0] = '\0';
    *payload = NULL;
    *len = 0;
    if (jws_split(&p, jws) != 0)
        goto out;
    if (b64url_decode(sig, sizeof(sig), &sig_len, p.sig, p.sig_len) != 0 || sig_len != sizeof(sig))
        goto out;
    header = decode_part(p.header, p.header_len, &header_len);
    if (header == NULL || header_check(kid, header, header_len) != 0)
        goto out;
    body = decode_part(p.payload, p.payload_len, &body_len);
    if (body == NULL)
        goto out;
    *payload = (char *)body;
    *len = body_len;
    body = NULL;
    ret = 0;
out:
    if (ret != 0)
        kid[0] = '\0';
    free(header);
    free(body);
    return ret;
}

int jws_verify(const char *jws, const unsigned char pk[SIGN_PUBLIC_LEN])
{
    struct jws_parts p;
    unsigned char sig[crypto_sign_BYTES];
    size_t sig_len;

    assert(jws != NULL && pk != NULL);
    sign_sodium_init();
    if (jws_split(&p, jws) != 0)
        return -1;
    if (b64url_decode(sig, sizeof(sig), &sig_len, p.sig, p.sig_len) != 0 || sig_len != sizeof(sig))
        return -1;
    /* The signing input is the text as it arrived, not a re-encoding. */
    if (crypto_sign_verify_detached(sig, (const unsigned char *)jws,
                                    p.header_len + 1 + p.payload_len, pk) != 0)
        return -1;
    return 0;
}
