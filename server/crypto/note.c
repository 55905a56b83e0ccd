/*
 * Signed notes and checkpoints (c2sp.org/signed-note, c2sp.org/tlog-checkpoint).
 *
 * Parsing follows Go's golang.org/x/mod/sumdb/note, the reference the
 * formats came from, so that the two accept the same notes: the text ends
 * at the last blank line, every later line is a signature, a signature by
 * the known key that fails to verify spoils the whole note.
 */
#include "note.h"

#include "keyfile.h"

#include <assert.h>
#include <errno.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define B64_VARIANT sodium_base64_VARIANT_ORIGINAL
#define ALG_ED25519 0x01
/* "— ": U+2014 EM DASH in UTF-8, then a space. */
#define SIG_PREFIX     "\xe2\x80\x94 "
#define SIG_PREFIX_LEN 4
/* base64 of 0x01 || an Ed25519 public key. */
#define KEY_B64_LEN 44
/* base64 of a key id and an Ed25519 signature. */
#define SIG_B64_LEN 92
/* base64 of a SHA-256 root. */
#define ROOT_B64_LEN 44

_Static_assert(NOTE_PUBLIC_LEN == crypto_sign_PUBLICKEYBYTES, "public key is libsodium's");
_Static_assert(NOTE_SEED_LEN == crypto_sign_SEEDBYTES, "seed is libsodium's");
_Static_assert(NOTE_SECRET_LEN == crypto_sign_SECRETKEYBYTES, "secret key is libsodium's");
_Static_assert(KEY_B64_LEN + 1 == sodium_base64_ENCODED_LEN(1 + NOTE_PUBLIC_LEN, B64_VARIANT),
               "verifier key data length");
_Static_assert(SIG_B64_LEN + 1 == sodium_base64_ENCODED_LEN(4 + crypto_sign_BYTES, B64_VARIANT),
               "signature length");
_Static_assert(ROOT_B64_LEN + 1 == sodium_base64_ENCODED_LEN(32, B64_VARIANT), "root length");

/* As in sign.c: without a working random source no key is safe to make. */
static void note_sodium_init(void)
{
    if (sodium_init() < 0) {
        fputs("libsodium could not be initialised\n", stderr);
        abort();
    }
}

/*
 * Decodes one UTF-8 sequence at s (n > 0 bytes left): sets *cp and returns
 * its length, or 0 for an invalid one (overlong, surrogate, above U+10FFFF,
 * cut short), as Go's utf8.DecodeRune returns RuneError for them.
 */
static size_t utf8_next(const unsigned char *s, size_t n, uint32_t *cp)
{
    uint32_t c;
    size_t len;

    if (s[0] < 0x80) {
        *cp = s[0];
        return 1;
    }
    if (s[0] >= 0xc2 && s[0] <= 0xdf) {
        len = 2;
        c = s[0] & 0x1f;
    } else if (s[0] >= 0xe0 && s[0] <= 0xef) {
        len = 3;
        c = s[0] & 0x0f;
    } else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
        len = 4;
        c = s[0] & 0x07;
    } else {
        return 0;
    }
    if (n < len)
        return 0;
    for (size_t i = 1; i < len; i++) {
        if ((s[i] & 0xc0) != 0x80)
            return 0;
        c = (c << 6) | (s[i] & 0x3f);
    }
    if ((len == 3 && c < 0x800) || (len == 4 && (c < 0x10000 || c > 0x10ffff)) ||
        (c >= 0xd800 && c <= 0xdfff))
        return 0;
    *cp = c;
    return len;
}

/* Whether the len bytes at s are valid UTF-8 without control characters
 * (below U+0020) other than newline: what a signed note may contain. */
static int note_chars_valid(const char *s, size_t len)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0;

    while (i < len) {
        uint32_t cp;
        size_t n = utf8_next(p + i, len - i, &cp);

        if (n == 0 || (cp < 0x20 && cp != '\n'))
            return 0;
        i += n;
    }
    return 1;
}

/* Unicode's White_Space, as Go's unicode.IsSpace. */
static int is_space(uint32_t cp)
{
    switch (cp) {
    case '\t':
    case '\n':
    case '\v':
    case '\f':
    case '\r':
    case ' ':
    case 0x85:
    case 0xa0:
    case 0x1680:
    case 0x2028:
    case 0x2029:
    case 0x202f:
    case 0x205f:
    case 0x3000:
        return 1;
    default:
        return cp >= 0x2000 && cp <= 0x200a;
    }
}

int note_name_valid(const char *name, size_t len)
{
    const unsigned char *p = (const unsigned char *)name;
    size_t i = 0;

    if (name == NULL || len == 0)
        return 0;
    while (i < len) {
        uint32_t cp;
        size_t n = utf8_next(p + i, len - i, &cp);

        if (n == 0 || cp < 0x20 || cp == 0x7f || cp == '+' || is_space(cp))
            return 0;
        i += n;
    }
    return 1;
}

/* The key id over name and the encoded key (algorithm byte, public key). */
static uint32_t key_id_of(const char *name, size_t name_len, const unsigned char key[1 + 32])
{
    unsigned char digest[crypto_hash_sha256_BYTES];
    crypto_hash_sha256_state st;

    note_sodium_init();
    crypto_hash_sha256_init(&st);
    crypto_hash_sha256_update(&st, (const unsigned char *)name, name_len);
    crypto_hash_sha256_update(&st, (const unsigned char *)"\n", 1);
    crypto_hash_sha256_update(&st, key, 1 + NOTE_PUBLIC_LEN);
    crypto_hash_sha256_final(&st, digest);
    return (uint32_t)digest[0] << 24 | (uint32_t)digest[1] << 16 | (uint32_t)digest[2] << 8 |
           (uint32_t)digest[3];
}

uint32_t note_key_id(const char *name, const unsigned char pk[NOTE_PUBLIC_LEN])
{
    unsigned char key[1 + NOTE_PUBLIC_LEN];

    assert(name != NULL && pk != NULL);
    key[0] = ALG_ED25519;
    memcpy(key + 1, pk, NOTE_PUBLIC_LEN);
    return key_id_of(name, strlen(name), key);
}

char *note_verifier_key(const char *name, const unsigned char pk[NOTE_PUBLIC_LEN])
{
    unsigned char key[1 + NOTE_PUBLIC_LEN];
    char b64[KEY_B64_LEN + 1];
    size_t name_len, total;
    char *out;

    assert(name != NULL && pk != NULL);
    note_sodium_init();
    name_len = strlen(name);
    if (!note_name_valid(name, name_len))
        return NULL;
    key[0] = ALG_ED25519;
    memcpy(key + 1, pk, NOTE_PUBLIC_LEN);
    sodium_bin2base64(b64, sizeof(b64), key, sizeof(key), B64_VARIANT);
    total = name_len + 1 + 8 + 1 + KEY_B64_LEN + 1;
    out = malloc(total);
    if (out == NULL)
        return NULL;
    snprintf(out, total, "%s+%08x+%s", name, (unsigned)key_id_of(name, name_len, key), b64);
    return out;
}

/* Strict padded base64 of exactly want bytes: the one canonical spelling
 * (libsodium refuses wrong padding and non-zero trailing bits), nothing
 * ignored, nothing left over. */
static int b64_decode_exact(unsigned char *out, size_t want, const char *in, size_t inlen)
{
    size_t got = 0;

    if (inlen != sodium_base64_ENCODED_LEN(want, B64_VARIANT) - 1)
        return -1;
    if (sodium_base642bin(out, want, in, inlen, NULL, &got, NULL, B64_VARIANT) != 0 || got != want)
        return -1;
    return 0;
}

/* The value of a hex digit, or -1. */
static int hex_value(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

int note_verifier_parse(struct note_verifier *out, const char *vkey)
{
    unsigned char key[1 + NOTE_PUBLIC_LEN];
    const char *plus1, *plus2, *data;
    uint32_t id = 0;
    size_t name_len;

    assert(out != NULL && vkey != NULL);
    memset(out, 0, sizeof(*out));
    plus1 = strchr(vkey, '+');
    if (plus1 == NULL)
        return -1;
    plus2 = strchr(plus1 + 1, '+');
    if (plus2 == NULL || plus2 - plus1 != 9)
        return -1;
    name_len = (size_t)(plus1 - vkey);
    if (!note_name_valid(vkey, name_len))
        return -1;
    for (const char *p = plus1 + 1; p < plus2; p++) {
        int v = hex_value(*p);

        if (v < 0)
            return -1;
        id = id << 4 | (uint32_t)v;
    }
    data = plus2 + 1;
    if (b64_decode_exact(key, sizeof(key), data, strlen(data)) != 0 || key[0] != ALG_ED25519)
        return -1;
    if (key_id_of(vkey, name_len, key) != id)
        return -1;
    out->name = malloc(name_len + 1);
    if (out->name == NULL)
        return -1;
    memcpy(out->name, vkey, name_len);
    out->name[name_len] = '\0';
    out->id = id;
    memcpy(out->pk, key + 1, NOTE_PUBLIC_LEN);
    return 0;
}

void note_verifier_release(struct note_verifier *v)
{
    if (v == NULL)
        return;
    free(v->name);
    memset(v, 0, sizeof(*v));
}

/* Fills k's name and id and takes sk (guarded, made read-only here). */
static int signer_init(struct note_signer *k, const char *name, const unsigned char *pk,
                       unsigned char *sk)
{
    size_t name_len = strlen(name);

    k->name = malloc(name_len + 1);
    if (k->name == NULL)
        return -1;
    memcpy(k->name, name, name_len + 1);
    memcpy(k->pk, pk, NOTE_PUBLIC_LEN);
    k->id = note_key_id(name, pk);
    if (sodium_mprotect_readonly(sk) != 0) {
        free(k->name);
        k->name = NULL;
        return -1;
    }
    k->sk = sk;
    return 0;
}

int note_keygen(const char *dir, unsigned char pk[NOTE_PUBLIC_LEN], char *err, size_t errlen)
{
    unsigned char sk[NOTE_SECRET_LEN];
    int ret;

    assert(dir != NULL && pk != NULL && err != NULL);
    note_sodium_init();
    crypto_sign_keypair(pk, sk);
    ret = keyfile_create(dir, NOTE_KEY_FILE, sk, sizeof(sk), "log key", err, errlen);
    sodium_memzero(sk, sizeof(sk));
    if (ret != 0)
        sodium_memzero(pk, NOTE_PUBLIC_LEN);
    return ret;
}

int note_key_load(struct note_signer *out, const char *dir, const char *name, char *err,
                  size_t errlen)
{
    unsigned char derived_sk[NOTE_SECRET_LEN];
    unsigned char pk[NOTE_PUBLIC_LEN];
    unsigned char *sk = NULL;
    int ret = -1;

    assert(out != NULL && dir != NULL && name != NULL && err != NULL);
    note_sodium_init();
    memset(out, 0, sizeof(*out));
    err[0] = '\0';
    if (!note_name_valid(name, strlen(name))) {
        snprintf(err, errlen,
                 "\"%s\" cannot name the log key: it must be non-empty, without spaces or '+'",
                 name);
        goto out;
    }
    sk = keyfile_load(dir, NOTE_KEY_FILE, NOTE_SECRET_LEN, "log key", NOTE_KEY_FILE, err, errlen);
    if (sk == NULL) {
        if (err[0] == '\0')
            snprintf(err, errlen, "no log key %s in %s", NOTE_KEY_FILE, dir);
        goto out;
    }
    /* As for signing keys: the stored public half must be the seed's. */
    crypto_sign_seed_keypair(pk, derived_sk, sk);
    if (sodium_memcmp(derived_sk, sk, NOTE_SECRET_LEN) != 0) {
        snprintf(err, errlen, "log key %s%s%s is damaged: its public half is not its seed's", dir,
                 keyfile_dir_slash(dir), NOTE_KEY_FILE);
        goto out;
    }
    if (signer_init(out, name, pk, sk) != 0) {
        snprintf(err, errlen, "cannot keep log key %s: %s", NOTE_KEY_FILE, strerror(errno));
        goto out;
    }
    sk = NULL;
    ret = 0;
out:
    sodium_memzero(derived_sk, sizeof(derived_sk));
    sodium_free(sk);
    return ret;
}

int note_signer_from_seed(struct note_signer *out, const char *name,
                          const unsigned char seed[NOTE_SEED_LEN])
{
    unsigned char pk[NOTE_PUBLIC_LEN];
    unsigned char *sk;

    assert(out != NULL && name != NULL && seed != NULL);
    note_sodium_init();
    memset(out, 0, sizeof(*out));
    if (!note_name_valid(name, strlen(name)))
        return -1;
    sk = sodium_malloc(NOTE_SECRET_LEN);
    if (sk == NULL)
        return -1;
    crypto_sign_seed_keypair(pk, sk, seed);
    if (signer_init(out, name, pk, sk) != 0) {
        sodium_free(sk);
        return -1;
    }
    return 0;
}

void note_signer_free(struct note_signer *k)
{
    if (k == NULL)
        return;
    sodium_free(k->sk);
    free(k->name);
    sodium_memzero(k, sizeof(*k));
}

char *note_sign(const struct note_signer *k, const char *text, size_t len, size_t *outlen)
{
    unsigned char sig[4 + crypto_sign_BYTES];
    size_t name_len, total, n = 0;
    char *out;

    assert(k != NULL && k->sk != NULL && k->name != NULL && (text != NULL || len == 0));
    note_sodium_init();
    if (len == 0 || text[len - 1] != '\n' || !note_chars_valid(text, len))
        return NULL;
    name_len = strlen(k->name);
    /* text, blank line, "— ", name, space, signature, newline, NUL */
    if (len > SIZE_MAX / 2)
        return NULL;
    total = len + 1 + SIG_PREFIX_LEN + name_len + 1 + SIG_B64_LEN + 1 + 1;
    out = malloc(total);
    if (out == NULL)
        return NULL;
    sig[0] = (unsigned char)(k->id >> 24);
    sig[1] = (unsigned char)(k->id >> 16);
    sig[2] = (unsigned char)(k->id >> 8);
    sig[3] = (unsigned char)k->id;
    crypto_sign_detached(sig + 4, NULL, (const unsigned char *)text, len, k->sk);
    memcpy(out, text, len);
    n = len;
    out[n++] = '\n';
    memcpy(out + n, SIG_PREFIX, SIG_PREFIX_LEN);
    n += SIG_PREFIX_LEN;
    memcpy(out + n, k->name, name_len);
    n += name_len;
    out[n++] = ' ';
    sodium_bin2base64(out + n, SIG_B64_LEN + 1, sig, sizeof(sig), B64_VARIANT);
    n += SIG_B64_LEN;
    out[n++] = '\n';
    out[n] = '\0';
    assert(n + 1 == total);
    if (outlen != NULL)
        *outlen = n;
    return out;
}

/* Where the text of a note ends: just after the first newline of its last
 * "\n\n" (the text keeps its final newline, not the blank line).  0 when
 * there is none. */
static size_t text_end(const char *msg, size_t len)
{
    for (size_t i = len; i-- > 1;)
        if (msg[i] == '\n' && msg[i - 1] == '\n')
            return i;
    return 0;
}

/*
 * Reads one signature line [line, nl): "— <name> <base64>".  Sets the name
 * and the decoded bytes (*raw, caller frees; at least 5 bytes: the key id
 * and a signature of any algorithm).  0, or -1 when malformed.
 */
static int parse_signature_line(const char *line, const char *nl, const char **name,
                                size_t *name_len, unsigned char **raw, size_t *raw_len)
{
    const char *space, *b64;
    size_t b64_len, cap;
    unsigned char *buf;

    *raw = NULL;
    if ((size_t)(nl - line) < SIG_PREFIX_LEN || memcmp(line, SIG_PREFIX, SIG_PREFIX_LEN) != 0)
        return -1;
    *name = line + SIG_PREFIX_LEN;
    space = memchr(*name, ' ', (size_t)(nl - *name));
    if (space == NULL)
        return -1;
    *name_len = (size_t)(space - *name);
    b64 = space + 1;
    b64_len = (size_t)(nl - b64);
    if (!note_name_valid(*name, *name_len) || b64_len == 0 || b64_len % 4 != 0)
        return -1;
    cap = b64_len / 4 * 3;
    buf = malloc(cap);
    if (buf == NULL)
        return -1;
    if (sodium_base642bin(buf, cap, b64, b64_len, NULL, raw_len, NULL, B64_VARIANT) != 0 ||
        *raw_len < 5) {
        free(buf);
        return -1;
    }
    *raw = buf;
    return 0;
}

int note_open(const char *msg, size_t len, const struct note_verifier *v, size_t *text_len)
{
    const char *sigs, *end;
    size_t text_n, v_name_len;
    int count = 0;
    int verified = 0;

    assert((msg != NULL || len == 0) && v != NULL && v->name != NULL);
    note_sodium_init();
    if (!note_chars_valid(msg, len))
        return -1;
    text_n = text_end(msg, len);
    if (text_n == 0)
        return -1;
    sigs = msg + text_n + 1;
    end = msg + len;
    if (sigs == end || end[-1] != '\n')
        return -1;
    v_name_len = strlen(v->name);
    while (sigs < end) {
        const char *nl = memchr(sigs, '\n', (size_t)(end - sigs));
        const char *name;
        unsigned char *raw;
        size_t name_len, raw_len;
        uint32_t id;
        int ok;

        assert(nl != NULL);
        if (++count > NOTE_MAX_SIGNATURES)
            return -1;
        if (parse_signature_line(sigs, nl, &name, &name_len, &raw, &raw_len) != 0)
            return -1;
        sigs = nl + 1;
        id = (uint32_t)raw[0] << 24 | (uint32_t)raw[1] << 16 | (uint32_t)raw[2] << 8 |
             (uint32_t)raw[3];
        /* Signatures by other keys are ignored; every one that names v
         * (name and id both) must verify. */
        if (id != v->id || name_len != v_name_len || memcmp(name, v->name, name_len) != 0) {
            free(raw);
            continue;
        }
        ok = raw_len == 4 + crypto_sign_BYTES &&
             crypto_sign_verify_detached(raw + 4, (const unsigned char *)msg, text_n, v->pk) == 0;
        free(raw);
        if (!ok)
            return -1;
        verified = 1;
    }
    if (!verified)
        return -1;
    if (text_len != NULL)
        *text_len = text_n;
    return 0;
}

/* Whether the len bytes at s form one line of a note: no newline, valid
 * UTF-8, no control character. */
static int line_valid(const char *s, size_t len)
{
    return memchr(s, '\n', len) == NULL && note_chars_valid(s, len);
}

char *checkpoint_format(const struct checkpoint *c, size_t *len)
{
    char root[ROOT_B64_LEN + 1];
    char size[24];
    size_t origin_len, ext_len = 0, total;
    char *out;
    int size_len;

    assert(c != NULL && c->origin != NULL);
    note_sodium_init();
    origin_len = strlen(c->origin);
    if (origin_len == 0 || !line_valid(c->origin, origin_len) || c->size > (uint64_t)INT64_MAX)
        return NULL;
    if (c->extensions != NULL) {
        const char *p = c->extensions;

        ext_len = strlen(p);
        if (ext_len > 0 && (p[ext_len - 1] != '\n' || !note_chars_valid(p, ext_len)))
            return NULL;
        for (size_t i = 0; i < ext_len; i++)
            if (p[i] == '\n' && (i == 0 || p[i - 1] == '\n'))
                return NULL;
    }
    size_len = snprintf(size, sizeof(size), "%llu", (unsigned long long)c->size);
    sodium_bin2base64(root, sizeof(root), c->root, sizeof(c->root), B64_VARIANT);
    total = origin_len + 1 + (size_t)size_len + 1 + ROOT_B64_LEN + 1 + ext_len + 1;
    out = malloc(total);
    if (out == NULL)
        return NULL;
    snprintf(out, total, "%s\n%s\n%s\n%s", c->origin, size, root,
             c->extensions != NULL ? c->extensions : "");
    if (len != NULL)
        *len = total - 1;
    return out;
}

/* Parses the decimal tree size: digits only, no leading zero (but "0"),
 * at most INT64_MAX. */
static int parse_size(uint64_t *out, const char *s, size_t len)
{
    uint64_t v = 0;

    if (len == 0 || len > 19 || (len > 1 && s[0] == '0'))
        return -1;
    for (size_t i = 0; i < len; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        v = v * 10 + (uint64_t)(s[i] - '0');
    }
    if (v > (uint64_t)INT64_MAX)
        return -1;
    *out = v;
    return 0;
}

int checkpoint_parse(struct checkpoint *out, const char *text, size_t len)
{
    const char *lines[3];
    size_t lens[3];
    const char *p = text, *end = text + len, *ext;

    assert(out != NULL && (text != NULL || len == 0));
    memset(out, 0, sizeof(*out));
    if (len == 0 || text[len - 1] != '\n' || !note_chars_valid(text, len))
        return -1;
    for (int i = 0; i < 3; i++) {
        const char *nl = p < end ? memchr(p, '\n', (size_t)(end - p)) : NULL;

        if (nl == NULL)
            return -1;
        lines[i] = p;
        lens[i] = (size_t)(nl - p);
        p = nl + 1;
    }
    ext = p;
    /* Extension lines are opaque but never empty. */
    for (const char *q = ext; q < end; q++)
        if (*q == '\n' && (q == ext || q[-1] == '\n'))
            return -1;
    if (lens[0] == 0 || parse_size(&out->size, lines[1], lens[1]) != 0 ||
        b64_decode_exact(out->root, sizeof(out->root), lines[2], lens[2]) != 0)
        goto fail;
    out->origin = malloc(lens[0] + 1);
    if (out->origin == NULL)
        goto fail;
    memcpy(out->origin, lines[0], lens[0]);
    out->origin[lens[0]] = '\0';
    if (ext < end) {
        size_t n = (size_t)(end - ext);

        out->extensions = malloc(n + 1);
        if (out->extensions == NULL)
            goto fail;
        memcpy(out->extensions, ext, n);
        out->extensions[n] = '\0';
    }
    return 0;
fail:
    checkpoint_release(out);
    return -1;
}

int checkpoint_open(struct checkpoint *out, const char *msg, size_t len,
                    const struct note_verifier *v)
{
    size_t text_len;

    assert(out != NULL && v != NULL);
    memset(out, 0, sizeof(*out));
    if (note_open(msg, len, v, &text_len) != 0)
        return -1;
    if (checkpoint_parse(out, msg, text_len) != 0)
        return -1;
    if (strcmp(out->origin, v->name) != 0) {
        checkpoint_release(out);
        return -1;
    }
    return 0;
}

void checkpoint_release(struct checkpoint *c)
{
    if (c == NULL)
        return;
    free(c->origin);
    free(c->extensions);
    memset(c, 0, sizeof(*c));
}
