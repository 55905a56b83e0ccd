/*
 * Certificates and decisions: issuing them signed at approval, reading and
 * checking them, the public keys, and revocation.
 *
 * What is issued is a JSON document signed as a compact JWS (EdDSA,
 * RFC 7515/8037).  The JWS payload is exactly the stored document, so anyone
 * holding the JWKS can check a certificate without this server.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "api.h"
#include "date.h"
#include "kinds.h"
#include "rules.h"
#include "sign.h"
#include "spec.h"

/* A serial nobody can guess: the year and 80 random bits in Crockford's
 * base32 (no I, L, O, U), e.g. "SB-2020-7K3M-9QXD-R2TB-5W8H". */
static void new_serial(char *out, size_t cap, int year)
{
    static const char alphabet[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
    unsigned char r[10];
    char groups[20];
    size_t g = 0;
    randombytes_buf(r, sizeof r);
    for (int i = 0; i < 16; i++) {
        int bit = i * 5;
        unsigned v =
            ((unsigned)r[bit / 8] << 8 | (bit / 8 + 1 < 10 ? r[bit / 8 + 1] : 0)) >> (11 - bit % 8);
        if (i > 0 && i % 4 == 0)
            groups[g++] = '-';
        groups[g++] = alphabet[v & 31];
    }
    groups[g] = '\0';
    snprintf(out, cap, "SB-%d-%s", year, groups);
}

int certificate_issue(struct store_tx *tx, const struct signing_key *key,
                      const struct application *a, const unsigned char event_hash[EVENT_HASH_LEN],
                      sb_day issued_on, const char *serial)
{
    const struct kind *k = kind_find(a->kind);
    if (!k || !key || !key->sk)
        return -1;
    struct kind_data data;
    struct eligibility elig;
    struct award award;
    app_data_parse(a, &data);
    app_evaluate(a, &data, &elig, &award);
    kind_data_release(&data);

    char issued[DATE_TEXT_LEN], hash_hex[EVENT_HASH_LEN * 2 + 1];
    date_format(issued_on, issued);
    sodium_bin2hex(hash_hex, sizeof hash_hex, event_hash, EVENT_HASH_LEN);
    json_t *doc = json_pack(
        "{s:s, s:s, s:I, s:i, s:{s:s, s:s}, s:s, s:s, s:{s:s, s:s, s:s}, s:s, s:s}", "kind",
        a->kind, "serial", serial, "application_id", (json_int_t)a->id, "round", a->round, "holder",
        "name", a->applicant_name, "uscc", a->applicant_uscc, "title_zh", k->issued_zh, "title_en",
        k->issued_en, "issuer", "authority", k->authority, "name_zh",
        authority_name_zh(k->authority), "name_en", authority_name_en(k->authority), "issued_on",
        issued, "application_event_hash", hash_hex);
    if (!doc)
        return -1;
    struct certificate_row row = {.application_id = a->id};
    if (k->valid_years > 0) {
        date_format(kind_valid_until(k, issued_on), row.valid_until);
        json_object_set_new(doc, "valid_until", json_string(row.valid_until));
    } else {
        json_t *awarded = award_to_json(&award);
        json_object_set_new(doc, "amount_fen", json_integer(award.total_fen));
        json_object_set(doc, "basis", json_object_get(awarded, "basis"));
        json_object_set(doc, "items", json_object_get(awarded, "items"));
        json_decref(awarded);
    }
    row.document_json = json_dumps(doc, JSON_COMPACT | JSON_SORT_KEYS);
    json_decref(doc);
    if (!row.document_json)
        return -1;
    row.jws = jws_sign(key, row.document_json, strlen(row.document_json));
    snprintf(row.serial, sizeof row.serial, "%s", serial);
    snprintf(row.kind, sizeof row.kind, "%s", a->kind);
    snprintf(row.kid, sizeof row.kid, "%s", key->kid);
    memcpy(row.issued_on, issued, sizeof row.issued_on);
    enum store_rc rc = row.jws ? store_cert_insert(tx, &row) : STORE_ERROR;
    certificate_release(&row);
    return rc == STORE_OK ? 0 : -1;
}

void certificate_serial_new(char *out, size_t cap, int year)
{
    new_serial(out, cap, year);
}

/* ---- reading ---------------------------------------------------------------- */

static const char *cert_status(const struct certificate_row *c)
{
    if (c->revoked_at[0])
        return "revoked";
    char today[DATE_TEXT_LEN];
    date_format(date_of_unix(clock_now()), today);
    /* Dates are YYYY-MM-DD: text order is date order. */
    if (c->valid_until[0] && strcmp(today, c->valid_until) > 0)
        return "expired";
    return "active";
}

static json_t *cert_to_json(const struct certificate_row *c)
{
    json_t *doc = json_loads(c->document_json, 0, NULL);
    json_t *o = json_pack("{s:o, s:s, s:s}", "certificate", doc ? doc : json_object(), "jws",
                          c->jws, "status", cert_status(c));
    if (c->revoked_at[0]) {
        json_t *rev = json_pack("{s:s, s:s, s:s}", "revoked_at", c->revoked_at, "reason",
                                c->revocation_reason ? c->revocation_reason : "", "ground",
                                c->revocation_ground);
        if (c->refund_fen >= 0)
            json_object_set_new(rev, "refund_fen", json_integer(c->refund_fen));
        json_object_set_new(o, "revocation", rev);
    }
    return o;
}

void api_app_certificate(struct request *r)
{
    struct application a = {0};
    if (app_load_visible(r, &a) != 0)
        return;
    struct certificate_row c;
    enum store_rc rc = store_cert_of_app(r->srv->store, a.id, &c);
    if (rc == STORE_OK)
        reply_json(r, 200, cert_to_json(&c));
    else if (rc == STORE_NOT_FOUND)
        reply_problem(r, P_NOT_FOUND, "application %lld has no certificate (it is %s)",
                      (long long)a.id, a.status);
    else
        reply_store_error(r, rc);
    if (rc == STORE_OK)
        certificate_release(&c);
    application_release(&a);
}

void api_cert_get(struct request *r)
{
    struct certificate_row c;
    enum store_rc rc = store_cert_get(r->srv->store, r->params[0], &c);
    if (rc == STORE_OK) {
        reply_json(r, 200, cert_to_json(&c));
        certificate_release(&c);
    } else if (rc == STORE_NOT_FOUND) {
        reply_problem(r, P_NOT_FOUND, "no certificate with this serial");
    } else {
        reply_store_error(r, rc);
    }
}

/* ---- keys -------------------------------------------------------------------- */

static void add_jwk(const struct key_row *k, void *ctx)
{
    json_array_append_new(ctx, json_pack("{s:s, s:s, s:s, s:s, s:s, s:s}", "kty", "OKP", "crv",
                                         "Ed25519", "kid", k->kid, "x", k->x, "use", "sig", "alg",
                                         "EdDSA"));
}

void api_jwks(struct request *r)
{
    json_t *keys = json_array();
    enum store_rc rc = store_keys_each(r->srv->store, add_jwk, keys);
    if (rc != STORE_OK) {
        json_decref(keys);
        reply_store_error(r, rc);
        return;
    }
    /* Public and rarely changing, but a rotation must show soon. */
    reply_header(r, "Cache-Control", "public, max-age=300");
    reply_json(r, 200, json_pack("{s:o}", "keys", keys));
}

/* ---- verification --------------------------------------------------------------- */

int certificate_check(struct store *s, const char *jws, const json_t *certificate,
                      const char **status, char *why, size_t whylen)
{
    char kid[SIGN_KID_LEN + 1];
    char *payload = NULL;
    size_t len;
    int valid = 0;
    *status = "invalid";
    if (jws_parse(jws, kid, &payload, &len) != 0) {
        snprintf(why, whylen, "not a compact JWS with an EdDSA header and a key id");
        return 0;
    }
    struct key_row key;
    unsigned char pk[SIGN_PUBLIC_LEN];
    size_t pklen = 0;
    json_t *doc = json_loadb(payload, len, JSON_REJECT_DUPLICATES, NULL);
    if (store_key_get(s, kid, &key) != STORE_OK) {
        snprintf(why, whylen, "signed with a key this server does not know (%s)", kid);
    } else if (b64url_decode(pk, sizeof pk, &pklen, key.x, strlen(key.x)) != 0 ||
               pklen != sizeof pk || jws_verify(jws, pk) != 0) {
        snprintf(why, whylen, "the signature does not verify");
    } else if (!doc) {
        snprintf(why, whylen, "the signed payload is not a certificate");
    } else if (certificate && !json_equal((json_t *)certificate, doc)) {
        snprintf(why, whylen, "the certificate differs from what was signed");
    } else {
        const char *issued = json_string_value(json_object_get(doc, "issued_on"));
        /* A key signs only while active: a signature dated after its
         * retirement was not made by this server. */
        if (key.retired_at[0] && issued && strncmp(issued, key.retired_at, 10) > 0) {
            snprintf(why, whylen, "signed with key %s after it was retired on %.10s", kid,
                     key.retired_at);
        } else {
            valid = 1;
            *status = "unknown";
            snprintf(why, whylen, "the signature verifies with key %s", kid);
            struct certificate_row row;
            const char *serial = json_string_value(json_object_get(doc, "serial"));
            if (serial && store_cert_get(s, serial, &row) == STORE_OK) {
                *status = cert_status(&row);
                certificate_release(&row);
            }
        }
    }
    json_decref(doc);
    free(payload);
    return valid;
}

void api_cert_verify(struct request *r)
{
    static const struct field_spec fields[] = {
        {.name = "jws", .type = SPEC_STRING, .required = true, .min = 1, .max = 100000},
        {.name = "certificate", .type = SPEC_OBJECT},
        {.name = "status", .type = SPEC_STRING, .read_only = true},
        {.name = "revocation", .type = SPEC_OBJECT, .read_only = true},
        {.name = NULL},
    };
    struct spec_errors errs;
    spec_errors_init(&errs);
    spec_validate(fields, r->body_json, "", &errs);
    if (errs.count > 0) {
        reply_invalid(r, &errs);
        spec_errors_release(&errs);
        return;
    }
    spec_errors_release(&errs);
    const char *status;
    char why[200];
    int valid =
        certificate_check(r->srv->store, json_string_value(json_object_get(r->body_json, "jws")),
                          json_object_get(r->body_json, "certificate"), &status, why, sizeof why);
    reply_json(r, 200,
               json_pack("{s:b, s:s, s:s}", "valid", valid, "status", status, "detail", why));
}

/* ---- revocation ------------------------------------------------------------------ */

struct revocation {
    struct certificate_row cert;
    const struct kind *kind;
    const char *reason, *ground;
    int64_t refund_fen;
};

static bool in_list(const char *const *list, const char *s)
{
    for (; list && *list; list++)
        if (strcmp(*list, s) == 0)
            return true;
    return false;
}

static enum store_rc apply_revocation(struct store_tx *tx, struct change *c)
{
    struct revocation *rv = c->ctx;
    const struct kind *k = rv->kind;
    enum store_rc rc =
        store_cert_revoke(tx, rv->cert.serial, c->now, rv->reason, rv->ground, rv->refund_fen);
    if (rc == STORE_CONFLICT)
        return change_refuse(c, P_CONFLICT, "certificate %s is already revoked", rv->cert.serial);
    if (rc != STORE_OK)
        return rc;
    c->opinion = rv->reason;
    c->details = json_pack("{s:s, s:s}", "serial", rv->cert.serial, "ground", rv->ground);
    if (rv->refund_fen >= 0)
        json_object_set_new(c->details, "refund_fen", json_integer(rv->refund_fen));
    if (k->ban_months > 0 && in_list(k->banning_grounds, rv->ground)) {
        sb_day today = date_of_unix(clock_now());
        char from[DATE_TEXT_LEN], until[DATE_TEXT_LEN];
        date_format(today, from);
        date_format(kind_ban_until(k, today), until);
        rc = store_ban_add(tx, c->app.applicant_uscc, k->name, from, until, rv->ground);
        json_object_set_new(c->details, "barred_until", json_string(until));
    }
    return rc;
}

static enum store_rc gather_revocation(struct store_tx *tx, struct change *c, struct guard_facts *f)
{
    (void)tx;
    f->opinion = ((struct revocation *)c->ctx)->reason != NULL;
    return STORE_OK;
}

/* The revoked certificate, as GET /v1/certificates/{serial} now shows it. */
static void reply_revoked(struct request *r, struct change *c)
{
    struct revocation *rv = c->ctx;
    struct certificate_row row;
    if (store_cert_get(r->srv->store, rv->cert.serial, &row) == STORE_OK) {
        reply_json(r, 200, cert_to_json(&row));
        certificate_release(&row);
    } else {
        reply_problem(r, P_INTERNAL, "the revoked certificate cannot be read back");
    }
}

void api_cert_revoke(struct request *r)
{
    struct revocation rv = {.refund_fen = -1};
    enum store_rc rc = store_cert_get(r->srv->store, r->params[0], &rv.cert);
    if (rc == STORE_NOT_FOUND) {
        reply_problem(r, P_NOT_FOUND, "no certificate with this serial");
        return;
    }
    if (rc != STORE_OK) {
        reply_store_error(r, rc);
        return;
    }
    rv.kind = kind_find(rv.cert.kind);
    if (!rv.kind || strcmp(rv.kind->authority, r->account.authority) != 0) {
        reply_problem(r, P_FORBIDDEN, "only the issuing authority (%s) may revoke it",
                      rv.kind ? rv.kind->authority : "unknown");
        goto out;
    }

    const struct field_spec fields[] = {
        {.name = "reason", .type = SPEC_TEXT, .required = true, .min = 1, .max = 4000},
        {.name = "ground", .type = SPEC_ENUM, .enum_values = rv.kind->revocation_grounds},
        {.name = "refund_fen", .type = SPEC_FEN, .min = 0, .max = 100000000000000},
        {.name = NULL},
    };
    struct spec_errors errs;
    spec_errors_init(&errs);
    spec_validate(fields, r->body_json, "", &errs);
    json_t *refund = json_object_get(r->body_json, "refund_fen");
    json_t *doc = json_loads(rv.cert.document_json, 0, NULL);
    json_int_t amount = json_integer_value(json_object_get(doc, "amount_fen"));
    json_decref(doc);
    if (json_is_integer(refund) && json_integer_value(refund) > amount)
        spec_errors_add(&errs, "/refund_fen",
                        rv.kind->valid_years > 0 ? "a certificate carries no amount to refund"
                                                 : "cannot exceed the amount granted");
    if (errs.count > 0) {
        reply_invalid(r, &errs);
        spec_errors_release(&errs);
        goto out;
    }
    spec_errors_release(&errs);
    rv.reason = json_string_value(json_object_get(r->body_json, "reason"));
    rv.ground = json_string_value(json_object_get(r->body_json, "ground"));
    if (!rv.ground)
        rv.ground = rv.kind->revocation_grounds[0];
    if (json_is_integer(refund))
        rv.refund_fen = json_integer_value(refund);

    struct change c = {.action = "revoke",
                       .gather = gather_revocation,
                       .apply = apply_revocation,
                       .ctx = &rv,
                       .reply = reply_revoked,
                       .id = rv.cert.application_id};
    change_run(r, &c);
out:
    certificate_release(&rv.cert);
}
