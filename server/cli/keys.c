/*
 * Signing keys and what they sign: shenbao keygen and shenbao verify.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <sodium.h>

#include "jsontext.h"
#include "merkle.h"
#include "cli.h"
#include "clock.h"

/* ---- keygen ------------------------------------------------------------- */

static enum store_rc tx_rotate(struct store_tx *tx, void *ctx)
{
    return store_key_rotate(tx, ctx);
}

int cmd_keygen(struct cli *c)
{
    char err[512];
    unsigned char pk[SIGN_PUBLIC_LEN];
    struct key_row row = {0};
    struct store *s = open_store(&c->cfg);
    if (!s)
        return 1;
    int ret = 1;
    if (check_key_directory(&c->cfg, s) != 0)
        goto out;
    /* The key this one retires, whose secret goes once the new one is
     * recorded. */
    struct key_row old = {0};
    enum store_rc had = store_key_active(s, &old);
    if (had != STORE_OK && had != STORE_NOT_FOUND) {
        fail("keygen: the signing keys could not be read from the database");
        goto out;
    }
    if (sign_keygen(c->cfg.keys, row.kid, pk, err, sizeof err) != 0) {
        fail("keygen: %s", err);
        goto out;
    }
    sign_x(row.x, pk);
    clock_format_rfc3339(clock_now(), row.created_at);
    if (store_write(s, tx_rotate, &row) != STORE_OK) {
        fail("keygen: the key was written to %s but could not be recorded in the database",
             c->cfg.keys);
        goto out;
    }
    printf("signing key %s created in %s and made active; earlier keys stay for "
           "verification\n",
           row.kid, c->cfg.keys);
    if (had == STORE_OK) {
        /* Retired: its public key stays published, its secret is destroyed,
         * so nothing can be signed with it any more. */
        if (sign_key_destroy(c->cfg.keys, old.kid, err, sizeof err) != 0) {
            fail("keygen: key %s is retired but its secret could not be destroyed: %s", old.kid,
                 err);
            goto out;
        }
        printf("signing key %s retired; its secret was overwritten and removed\n", old.kid);
    }
    ret = 0;
out:
    store_free(s);
    return ret;
}

/* ---- verify --------------------------------------------------------------- */

static const char *or_empty(const char *s)
{
    return s ? s : "";
}

/* A key source reading a JWKS document (RFC 7517): Ed25519 keys by kid.  A
 * JWKS says nothing of when a key was retired: that check needs the
 * database. */
static int jwks_find(void *ctx, const char *kid, struct key_row *out)
{
    size_t i;
    json_t *k;
    json_array_foreach(json_object_get(ctx, "keys"), i, k)
    {
        const char *x = json_string_value(json_object_get(k, "x"));
        const char *id = json_string_value(json_object_get(k, "kid"));
        /* A JWKS's keys, or GET /v1/keys's, which carry their periods. */
        const char *retired = json_string_value(json_object_get(k, "not_after"));
        bool periods = json_object_get(k, "not_before") != NULL;
        if (id && x && strcmp(id, kid) == 0 &&
            (periods ||
             (strcmp(or_empty(json_string_value(json_object_get(k, "kty"))), "OKP") == 0 &&
              strcmp(or_empty(json_string_value(json_object_get(k, "crv"))), "Ed25519") == 0)) &&
            strlen(id) < sizeof out->kid && strlen(x) < sizeof out->x) {
            memset(out, 0, sizeof *out);
            snprintf(out->kid, sizeof out->kid, "%s", id);
            snprintf(out->x, sizeof out->x, "%s", x);
            if (retired && strlen(retired) < sizeof out->retired_at)
                snprintf(out->retired_at, sizeof out->retired_at, "%s", retired);
            return 0;
        }
    }
    return -1;
}

/* The keys to check signatures with: --jwks (a JWKS or GET /v1/keys, file
 * or URL), else the database's.  0, or 1 after saying why. */
static int open_keys(struct cli *c, json_t **jwks, struct store **s, struct key_source *keys)
{
    if (c->jwks) {
        size_t jlen;
        char *jtext = read_source(c->jwks, &jlen);
        *jwks = jtext ? parse_json(jtext, jlen, 0, NULL) : NULL;
        free(jtext);
        if (!*jwks)
            return fail("verify: cannot read a JWKS from %s", c->jwks);
        *keys = (struct key_source){jwks_find, *jwks};
        return 0;
    }
    char err[512];
    struct stat st;
    if (stat(c->cfg.db, &st) != 0)
        return fail("verify: no database at %s to take the keys from; give --jwks FILE_OR_URL",
                    c->cfg.db);
    *s = store_open_readonly(c->cfg.db, err, sizeof err);
    if (!*s)
        return fail("verify: no --jwks given and %s", err);
    *keys = key_source_store(*s);
    return 0;
}

/* The log's verifier key: --log-key (a file or URL holding it, as GET
 * /v1/log/key gives it), else the public half of the log key in the key
 * directory.  0, or 1 after saying why. */
static int open_log_key(struct cli *c, struct note_verifier *v)
{
    char err[512];
    if (c->log_key) {
        size_t len = 0;
        char *text = read_source(c->log_key, &len);
        if (text)
            text[strcspn(text, "\r\n")] = '\0';
        int rc = text ? note_verifier_parse(v, text) : -1;
        free(text);
        return rc == 0 ? 0 : fail("verify: %s holds no note verifier key", c->log_key);
    }
    struct note_signer k = {0};
    if (note_key_load(&k, c->cfg.keys, c->cfg.log_origin, err, sizeof err) != 0)
        return fail("verify: give --log-key FILE (the log's key, GET /v1/log/key): %s", err);
    v->name = strdup(k.name);
    v->id = k.id;
    memcpy(v->pk, k.pk, sizeof v->pk);
    note_signer_free(&k);
    return v->name ? 0 : fail("verify: out of memory");
}

/* Decodes padded base64 of at most cap bytes; -1 when it is not. */
static int b64_decode(const char *text, unsigned char *out, size_t cap, size_t *len)
{
    return text && sodium_base642bin(out, cap, text, strlen(text), NULL, len, NULL,
                                     sodium_base64_VARIANT_ORIGINAL) == 0
               ? 0
               : -1;
}

/* shenbao verify --bundle FILE: everything a bundle claims, offline. */
static int verify_bundle(struct cli *c)
{
    size_t len = 0;
    char *text = read_source(c->bundle, &len);
    if (!text)
        return fail("verify: cannot read %s", c->bundle);
    int ret = 1;
    char why[256];
    json_t *b = parse_json(text, len, JSON_REJECT_DUPLICATES, NULL);
    json_t *jwks = NULL, *cert_doc = NULL, *status_doc = NULL, *leaf_doc = NULL;
    struct store *s = NULL;
    struct key_source keys;
    struct note_verifier v = {0};
    struct checkpoint cp = {0};
    unsigned char *leaf = NULL;
    free(text);
    if (!json_is_object(b)) {
        fail("verify: %s is not a bundle (a JSON object)", c->bundle);
        goto out;
    }
    if (open_keys(c, &jwks, &s, &keys) != 0 || open_log_key(c, &v) != 0)
        goto out;
    const json_t *certificate = json_object_get(b, "certificate");
    const char *serial = json_string_value(json_object_get(certificate, "serial"));
    /* 1. The certificate: its signature, by a key in its period. */
    if (certificate_verify(&keys, json_string_value(json_object_get(b, "jws")), certificate,
                           &cert_doc, why, NULL, sizeof why) != VERIFY_VALID ||
        !serial) {
        fail("verify: INVALID: the certificate: %s", why);
        goto out;
    }
    /* 2. Its status, signed by the service. */
    const char *status = json_string_value(json_object_get(b, "status"));
    if (certificate_verify(&keys, json_string_value(json_object_get(b, "status_jws")), NULL,
                           &status_doc, why, NULL, sizeof why) != VERIFY_VALID) {
        fail("verify: INVALID: the status statement: %s", why);
        goto out;
    }
    const char *signed_serial = json_string_value(json_object_get(status_doc, "serial"));
    const char *signed_status = json_string_value(json_object_get(status_doc, "status"));
    if (!status || !signed_serial || !signed_status || strcmp(signed_serial, serial) != 0 ||
        strcmp(signed_status, status) != 0) {
        fail("verify: INVALID: the signed status statement is not about %s as %s", serial,
             status ? status : "(no status)");
        goto out;
    }
    /* 3. The checkpoint, signed with the log key. */
    const char *note = json_string_value(json_object_get(b, "checkpoint"));
    if (!note || checkpoint_open(&cp, note, strlen(note), &v) != 0) {
        fail("verify: INVALID: the checkpoint is not signed by the log key %s", v.name);
        goto out;
    }
    /* 4. The approval's event: its bytes name the certificate, and the
     * inclusion proof puts it at its index in the checkpoint's tree. */
    const json_t *inc = json_object_get(b, "inclusion");
    json_int_t index = json_integer_value(json_object_get(b, "log_index"));
    const char *leaf_text = json_string_value(json_object_get(b, "leaf"));
    size_t leaf_cap = leaf_text ? strlen(leaf_text) : 0, leaf_len = 0, hlen = 0, n = 0;
    unsigned char leaf_hash[MERKLE_HASH_LEN], claimed[MERKLE_HASH_LEN];
    unsigned char hashes[MERKLE_MAX_PROOF * MERKLE_HASH_LEN];
    leaf = leaf_cap ? malloc(leaf_cap) : NULL;
    if (!leaf || b64_decode(leaf_text, leaf, leaf_cap, &leaf_len) != 0) {
        fail("verify: INVALID: the bundle has no leaf (the approval event's bytes)");
        goto out;
    }
    merkle_leaf_hash(leaf_hash, leaf, leaf_len);
    leaf_doc = parse_json((const char *)leaf, leaf_len, 0, NULL);
    const char *named =
        json_string_value(json_object_get(json_array_get(leaf_doc, 10), "certificate_serial"));
    const json_t *cert_index = json_object_get(certificate, "log_index");
    const json_t *list = json_object_get(inc, "hashes");
    size_t i;
    json_t *h;
    bool ok = json_is_array(list) && json_array_size(list) <= MERKLE_MAX_PROOF;
    json_array_foreach(list, i, h)
    {
        ok = ok &&
             b64_decode(json_string_value(h), hashes + i * MERKLE_HASH_LEN, MERKLE_HASH_LEN, &n) ==
                 0 &&
             n == MERKLE_HASH_LEN;
    }
    if (!named || strcmp(named, serial) != 0 || index < 0 ||
        (cert_index && json_integer_value(cert_index) != index)) {
        fail("verify: INVALID: the leaf is not the event that issued %s", serial);
        goto out;
    }
    if (!ok ||
        b64_decode(json_string_value(json_object_get(inc, "leaf_hash")), claimed, sizeof claimed,
                   &hlen) != 0 ||
        hlen != sizeof claimed || sodium_memcmp(claimed, leaf_hash, sizeof claimed) != 0 ||
        json_integer_value(json_object_get(inc, "index")) != index ||
        (uint64_t)json_integer_value(json_object_get(inc, "size")) != cp.size ||
        merkle_verify_inclusion(leaf_hash, (uint64_t)index, cp.size, hashes, json_array_size(list),
                                cp.root) != 0) {
        fail("verify: INVALID: the inclusion proof does not put event %lld at log index %lld "
             "of the checkpoint's %llu leaves",
             (long long)index + 1, (long long)index, (unsigned long long)cp.size);
        goto out;
    }
    char kid[SIGN_KID_LEN + 1] = "";
    char *payload = NULL;
    size_t plen;
    if (jws_parse(json_string_value(json_object_get(b, "jws")), kid, &payload, &plen) == 0)
        free(payload);
    printf("valid: certificate %s, signed with key %s\n", serial, kid);
    printf("status: %s as of %s (signed)\n", status,
           or_empty(json_string_value(json_object_get(status_doc, "at"))));
    printf("log: its approval is leaf %lld of the checkpoint of %llu leaves signed by %s\n",
           (long long)index, (unsigned long long)cp.size, v.name);
    ret = 0;
out:
    json_decref(b);
    json_decref(jwks);
    json_decref(cert_doc);
    json_decref(status_doc);
    json_decref(leaf_doc);
    checkpoint_release(&cp);
    note_verifier_release(&v);
    free(leaf);
    if (s)
        store_free(s);
    return ret;
}

int cmd_verify(struct cli *c)
{
    if (c->bundle)
        return c->file ? fail("verify: give a certificate file or --bundle FILE, not both")
                       : verify_bundle(c);
    if (!c->file)
        return fail("verify: name the certificate file: shenbao verify FILE [--jwks FILE_OR_URL]");
    size_t len;
    char *text = read_source(c->file, &len);
    if (!text)
        return fail("verify: cannot read %s", c->file);

    /* The {certificate, jws} object as issued, a JSON string, or the bare
     * compact JWS. */
    int ret = 1;
    json_t *doc = parse_json(text, len, JSON_DECODE_ANY | JSON_REJECT_DUPLICATES, NULL);
    json_t *jwks = NULL, *signed_doc = NULL;
    struct store *s = NULL;
    const char *jws = NULL;
    const json_t *certificate = NULL;
    if (json_is_object(doc)) {
        jws = json_string_value(json_object_get(doc, "jws"));
        certificate = json_object_get(doc, "certificate");
    } else if (json_is_string(doc)) {
        jws = json_string_value(doc);
    } else {
        text[strcspn(text, " \t\r\n")] = '\0';
        jws = text;
    }

    struct key_source keys;
    if (c->jwks) {
        size_t jlen;
        char *jtext = read_source(c->jwks, &jlen);
        jwks = jtext ? parse_json(jtext, jlen, 0, NULL) : NULL;
        free(jtext);
        if (!jwks) {
            fail("verify: cannot read a JWKS from %s", c->jwks);
            goto out;
        }
        keys = (struct key_source){jwks_find, jwks};
    } else {
        /* The keys this installation ever used, from its database. */
        char err[512];
        struct stat st;
        if (!store_target_postgresql(c->cfg.db) && stat(c->cfg.db, &st) != 0) {
            fail("verify: no database at %s to take the keys from; give --jwks FILE_OR_URL",
                 c->cfg.db);
            goto out;
        }
        s = store_open_readonly(c->cfg.db, err, sizeof err);
        if (!s) {
            fail("verify: no --jwks given and %s", err);
            goto out;
        }
        keys = key_source_store(s);
    }
    char why[256];
    enum verdict v =
        certificate_verify(&keys, jws, certificate, &signed_doc, why, NULL, sizeof why);
    if (v == VERIFY_MALFORMED) {
        fail("verify: %s holds no compact JWS with an EdDSA header and a key id", c->file);
    } else if (v != VERIFY_VALID) {
        fail("verify: INVALID: %s", why);
    } else {
        char kid[SIGN_KID_LEN + 1] = "";
        char *payload = NULL;
        size_t plen;
        if (jws_parse(jws, kid, &payload, &plen) == 0)
            free(payload);
        printf("valid: %s %s for %s, signed with key %s\n",
               or_empty(json_string_value(json_object_get(signed_doc, "kind"))),
               or_empty(json_string_value(json_object_get(signed_doc, "serial"))),
               or_empty(json_string_value(
                   json_object_get(json_object_get(signed_doc, "holder"), "name"))),
               kid);
        ret = 0;
    }
out:
    json_decref(signed_doc);
    json_decref(jwks);
    json_decref(doc);
    if (s)
        store_free(s);
    free(text);
    return ret;
}
