/*
 * Signing keys and what they sign: shenbao keygen and shenbao verify.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "jsontext.h"
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
        if (id && x && strcmp(id, kid) == 0 &&
            strcmp(or_empty(json_string_value(json_object_get(k, "kty"))), "OKP") == 0 &&
            strcmp(or_empty(json_string_value(json_object_get(k, "crv"))), "Ed25519") == 0 &&
            strlen(id) < sizeof out->kid && strlen(x) < sizeof out->x) {
            memset(out, 0, sizeof *out);
            snprintf(out->kid, sizeof out->kid, "%s", id);
            snprintf(out->x, sizeof out->x, "%s", x);
            return 0;
        }
    }
    return -1;
}

int cmd_verify(struct cli *c)
{
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
        if (stat(c->cfg.db, &st) != 0) {
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
