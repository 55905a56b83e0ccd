/*
 * What approvals issue: certificates and decisions, signed as a compact JWS
 * (EdDSA, RFC 7515/8037) in the approving transaction, citing the approval
 * event's hash; reading them, revoking them, and the one verifier.
 *
 * The JWS payload is exactly the stored document, so anyone holding the
 * JWKS can check a certificate without this server.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "jsontext.h"
#include "date.h"
#include "engine_impl.h"
#include "messages.h"
#include "sign.h"

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

static void certified_file(const struct material *m, void *ctx)
{
    char hex[MATERIAL_SHA256_LEN * 2 + 1];
    sodium_bin2hex(hex, sizeof hex, m->sha256, MATERIAL_SHA256_LEN);
    json_array_append_new(ctx, json_pack("{s:s, s:s}", "type", m->type, "sha256", hex));
}

/* Phase 1: the document, as far as it is known before the transaction (its
 * award as the change leaves it: a municipal approval may just have fixed
 * the audited figures). */
enum engine_rc certificate_prepare(struct change *c)
{
    const struct app *a = c->app;
    const struct kind *k = a->kind;
    const struct application *row = &a->row;
    if (!atomic_load(&c->e->key))
        return outcome_set(c->out, ENGINE_UNAVAILABLE,
                           "no signing key is loaded; nothing can be issued until one is "
                           "(shenbao keygen)");
    new_serial(c->serial, sizeof c->serial, row->round);
    json_object_set_new(c->next_facts ? c->next_facts : (c->next_facts = json_deep_copy(a->facts)),
                        "certificate_serial", json_string(c->serial));

    /* The award the rules give with the facts as they will be. */
    struct app after = *a;
    after.facts = c->next_facts;
    app_evaluate(&after, c->now);

    sb_day issued_on = date_of_unix(c->now);
    char issued[DATE_TEXT_LEN];
    date_format(issued_on, issued);
    c->certificate =
        json_pack("{s:s, s:s, s:I, s:i, s:{s:s, s:s}, s:s, s:s, s:{s:s, s:s, s:s}, s:s}", "kind",
                  k->name, "serial", c->serial, "application_id", (json_int_t)row->id, "round",
                  row->round, "holder", "name", row->applicant_name ? row->applicant_name : "",
                  "uscc", row->applicant_uscc, "title_zh", k->issued_zh, "title_en", k->issued_en,
                  "issuer", "authority", k->authority, "name_zh", authority_name_zh(k->authority),
                  "name_en", authority_name_en(k->authority), "issued_on", issued);
    if (!c->certificate)
        return outcome_set(c->out, ENGINE_ERROR, "out of memory");
    /* What the decision grants (RULES.md §5): what the municipal approval
     * decided, at most the computed award; the items are the computation. */
    const json_t *decided = json_object_get(after.facts, "granted_fen");
    int64_t granted =
        json_is_integer(decided) ? json_integer_value(decided) : after.award.total_fen;
    c->next.granted_fen = granted;
    if (k->source)
        json_object_set_new(c->certificate, "measure", json_string(k->source));
    if (k->decision_details && a->data.typed)
        k->decision_details(a->data.typed, c->certificate);
    if (k->subject && a->data.typed)
        json_object_set_new(c->certificate, "subject", k->subject(a->data.typed));
    if (k->certification) {
        /* Certified, with no amount: until a date, or without end. */
        if (k->valid_years > 0) {
            char until[DATE_TEXT_LEN];
            date_format(kind_valid_until(k, issued_on), until);
            json_object_set_new(c->certificate, "valid_until", json_string(until));
        }
    } else {
        json_t *awarded = award_to_json(&after.award);
        json_object_set_new(c->certificate, "amount_fen", json_integer(granted));
        json_object_set(c->certificate, "basis", json_object_get(awarded, "basis"));
        json_object_set(c->certificate, "items", json_object_get(awarded, "items"));
        if (granted != after.award.total_fen) {
            json_object_set_new(c->certificate, "proposed_fen",
                                json_integer(after.award.total_fen));
            json_t *why = json_object_get(after.facts, "grant_reason");
            if (why)
                json_object_set(c->certificate, "grant_reason", why);
        }
        json_decref(awarded);
    }
    /* The files it was granted on (RULES.md §6): those submitted, which
     * cannot change while the application is under review. */
    json_t *files = json_array();
    if (!files || store_materials_of(c->e->store, row->id, certified_file, files) != STORE_OK) {
        json_decref(files);
        return outcome_set(c->out, ENGINE_ERROR, "the database could not be read");
    }
    json_object_set_new(c->certificate, "materials", files);
    if (!c->details)
        c->details = json_object();
    json_object_set_new(c->details, "certificate_serial", json_string(c->serial));
    return ENGINE_OK;
}

/* Phase 2: cites the approval's event, signs and stores. */
enum engine_rc certificate_issue(struct store_tx *tx, struct change *c)
{
    const struct signing_key *key = atomic_load(&c->e->key);
    const struct kind *k = c->app->kind;
    char hash_hex[EVENT_HASH_LEN * 2 + 1];
    sodium_bin2hex(hash_hex, sizeof hash_hex, c->event_hash, EVENT_HASH_LEN);
    json_object_set_new(c->certificate, "application_event_hash", json_string(hash_hex));
    /* And its place in the transparency log, where a bundle proves it. */
    json_object_set_new(c->certificate, "log_index", json_integer(c->event.e.id - 1));

    struct certificate_row row = {.application_id = c->app->row.id};
    const char *until = json_string_value(json_object_get(c->certificate, "valid_until"));
    snprintf(row.valid_until, sizeof row.valid_until, "%s", until ? until : "");
    row.document_json = dump_json(c->certificate, JSON_COMPACT | JSON_SORT_KEYS);
    if (!key || !row.document_json) {
        certificate_release(&row);
        return outcome_set(c->out, ENGINE_ERROR, "the certificate could not be made");
    }
    row.jws = jws_sign(key, row.document_json, strlen(row.document_json));
    snprintf(row.serial, sizeof row.serial, "%s", c->serial);
    snprintf(row.kind, sizeof row.kind, "%s", k->name);
    snprintf(row.kid, sizeof row.kid, "%s", key->kid);
    snprintf(row.issued_on, sizeof row.issued_on, "%s",
             json_string_value(json_object_get(c->certificate, "issued_on")));
    enum store_rc rc = row.jws ? store_cert_insert(tx, &row) : STORE_ERROR;
    sb_day issued_on = date_of_unix(c->now);
    date_parse(row.issued_on, &issued_on);
    certificate_release(&row);
    if (rc != STORE_OK)
        return outcome_set(c->out, ENGINE_ERROR, "the certificate could not be stored");
    /* What is issued starts the holder's duties (RULES.md §8). */
    return duties_on_issue(tx, c, issued_on, until);
}

/* ---- reading ------------------------------------------------------------------ */

const char *certificate_status(const struct certificate_row *c, int64_t now)
{
    if (c->revoked_at[0])
        return "revoked";
    char today[DATE_TEXT_LEN];
    date_format(date_of_unix(now), today);
    /* Dates are YYYY-MM-DD: text order is date order. */
    if (c->valid_until[0] && strcmp(today, c->valid_until) > 0)
        return "expired";
    return "active";
}

json_t *certificate_to_json(const struct certificate_row *c, int64_t now)
{
    json_t *doc = parse_json0(c->document_json, 0, NULL);
    json_t *o = json_pack("{s:o, s:s, s:s}", "certificate", doc ? doc : json_object(), "jws",
                          c->jws, "status", certificate_status(c, now));
    if (o && c->revoked_at[0]) {
        json_t *rev = json_pack("{s:s, s:s, s:s}", "revoked_at", c->revoked_at, "reason",
                                c->revocation_reason ? c->revocation_reason : "", "ground",
                                c->revocation_ground);
        if (rev && c->revocation_effective_on[0])
            json_object_set_new(rev, "effective_on", json_string(c->revocation_effective_on));
        if (rev && c->refund_fen >= 0)
            json_object_set_new(rev, "refund_fen", json_integer(c->refund_fen));
        if (!rev || json_object_set_new(o, "revocation", rev) != 0) {
            json_decref(o);
            o = NULL;
        }
    }
    return o;
}

enum engine_rc engine_certificate_of(struct engine *e, const struct actor *who, int64_t id,
                                     struct certificate_row *out, struct outcome *o)
{
    struct app *a;
    enum engine_rc rc = engine_get(e, who, id, 0, &a);
    if (rc == ENGINE_NOT_FOUND)
        return outcome_set(o, rc, "no application %lld", (long long)id);
    if (rc != ENGINE_OK)
        return outcome_set(o, rc, "the application could not be read");
    enum store_rc src = store_cert_of_app(e->store, id, out);
    if (src == STORE_NOT_FOUND)
        rc = outcome_set(o, ENGINE_NOT_FOUND, "application %lld has no certificate (it is %s)",
                         (long long)id, a->row.status);
    else if (src != STORE_OK)
        rc = outcome_set(o, ENGINE_ERROR, "the certificate could not be read");
    app_free(a);
    return rc;
}

/* ---- revocation ------------------------------------------------------------------ */

/* The date of text, or `otherwise` when it is none. */
static sb_day date_parse_or(const char *text, sb_day otherwise)
{
    sb_day d;
    return date_parse(text, &d) ? d : otherwise;
}

enum engine_rc engine_revoke(struct engine *e, const struct actor *who, const char *serial,
                             const json_t *body, int64_t now, struct outcome *out)
{
    struct certificate_row cert;
    enum store_rc src = store_cert_get(e->store, serial, &cert);
    if (src == STORE_NOT_FOUND)
        return outcome_set(out, ENGINE_NOT_FOUND, "no certificate with this serial");
    if (src != STORE_OK)
        return outcome_set(out, ENGINE_ERROR, "the certificate could not be read");
    const struct kind *k = kind_find(cert.kind);
    enum engine_rc rc = ENGINE_OK;
    if (!k || !who->authority || strcmp(k->authority, who->authority) != 0) {
        rc = outcome_set(out, ENGINE_FORBIDDEN, "only the issuing authority (%s) may revoke it",
                         k ? k->authority : "unknown");
        goto done;
    }
    const struct field_spec fields[] = {
        {.name = "reason", .type = SPEC_TEXT, .required = true, .min = 1, .max = 4000},
        {.name = "ground", .type = SPEC_ENUM, .enum_values = k->revocation_grounds},
        {.name = "refund_fen", .type = SPEC_FEN, .min = 0, .max = 100000000000000},
        {.name = "effective_on", .type = SPEC_DATE},
        {.name = NULL},
    };
    spec_validate(fields, body, "", &out->errs);
    json_t *refund = json_object_get(body, "refund_fen");
    json_t *doc = parse_json0(cert.document_json, 0, NULL);
    json_int_t amount = json_integer_value(json_object_get(doc, "amount_fen"));
    json_decref(doc);
    if (json_is_integer(refund) && json_integer_value(refund) > amount)
        spec_errors_add(&out->errs, "/refund_fen",
                        k->certification ? "a certificate carries no amount to refund"
                                         : "cannot exceed the amount granted");
    /* 京科发〔2020〕13号 第十一条: a cancellation may take effect from the day
     * of the change, in the past; never later than today. */
    const char *effective = json_string_value(json_object_get(body, "effective_on"));
    sb_day eff;
    if (effective && date_parse(effective, &eff) && eff > date_of_unix(now))
        spec_errors_add(&out->errs, "/effective_on", "must not lie after today");
    if (effective && date_parse(effective, &eff) && eff < date_parse_or(cert.issued_on, eff))
        spec_errors_add(&out->errs, "/effective_on", "must not lie before the issue on %s",
                        cert.issued_on);
    if (out->errs.count > 0) {
        rc = outcome_invalid(out);
        goto done;
    }
    struct revocation_input in = {
        .effective_on = effective,
        .reason = json_string_value(json_object_get(body, "reason")),
        .ground = json_string_value(json_object_get(body, "ground")),
        .refund_fen = json_is_integer(refund) ? json_integer_value(refund) : -1,
    };
    rc = engine_act(e, who, cert.application_id, "revoke", &in, 0, now, out);
done:
    certificate_release(&cert);
    return rc;
}

/* ---- verification ------------------------------------------------------------------ */

static int store_find_key(void *ctx, const char *kid, struct key_row *out)
{
    return store_key_get(ctx, kid, out) == STORE_OK ? 0 : -1;
}

struct key_source key_source_store(struct store *s)
{
    return (struct key_source){store_find_key, s};
}

/* Says why in both languages (messages.h); why_zh may be NULL. */
static void say(char *why, char *why_zh, size_t len, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static void say(char *why, char *why_zh, size_t len, const char *fmt, ...)
{
    if (!why || !len)
        return;
    va_list ap;
    va_start(ap, fmt);
    msg_vformat(why, len, why_zh, why_zh ? len : 0, fmt, ap);
    va_end(ap);
}

enum verdict certificate_verify(const struct key_source *keys, const char *jws,
                                const json_t *certificate, json_t **payload, char *why,
                                char *why_zh, size_t whylen)
{
    char kid[SIGN_KID_LEN + 1];
    char *text = NULL;
    size_t len;
    if (payload)
        *payload = NULL;
    if (!jws || jws_parse(jws, kid, &text, &len) != 0) {
        say(why, why_zh, whylen, "not a compact JWS with an EdDSA header and a key id");
        return VERIFY_MALFORMED;
    }
    enum verdict v;
    struct key_row key;
    unsigned char pk[SIGN_PUBLIC_LEN];
    size_t pklen = 0;
    json_t *doc = parse_json(text, len, JSON_REJECT_DUPLICATES, NULL);
    if (keys->find(keys->ctx, kid, &key) != 0) {
        say(why, why_zh, whylen, "signed with a key this server does not know (%s)", kid);
        v = VERIFY_UNKNOWN_KEY;
    } else if (b64url_decode(pk, sizeof pk, &pklen, key.x, strlen(key.x)) != 0 ||
               pklen != sizeof pk || jws_verify(jws, pk) != 0) {
        say(why, why_zh, whylen, "the signature does not verify");
        v = VERIFY_BAD_SIGNATURE;
    } else if (!json_is_object(doc)) {
        say(why, why_zh, whylen, "the signed payload is not a certificate");
        v = VERIFY_NOT_CERTIFICATE;
    } else if (certificate && !json_equal((json_t *)certificate, doc)) {
        say(why, why_zh, whylen, "the certificate differs from what was signed");
        v = VERIFY_DIFFERS;
    } else {
        const char *issued = json_string_value(json_object_get(doc, "issued_on"));
        /* A key signs only while active: a signature dated after its
         * retirement was not made by this server. */
        if (key.retired_at[0] && issued && strncmp(issued, key.retired_at, 10) > 0) {
            say(why, why_zh, whylen, "signed with key %s after it was retired on %.10s", kid,
                key.retired_at);
            v = VERIFY_RETIRED;
        } else {
            say(why, why_zh, whylen, "the signature verifies with key %s", kid);
            v = VERIFY_VALID;
        }
    }
    if (payload && json_is_object(doc))
        *payload = json_incref(doc);
    json_decref(doc);
    free(text);
    return v;
}

int certificate_check(struct store *s, const char *jws, const json_t *certificate, int64_t now,
                      const char **status, char *why, char *why_zh, size_t whylen)
{
    struct key_source keys = key_source_store(s);
    json_t *doc = NULL;
    *status = "invalid";
    if (certificate_verify(&keys, jws, certificate, &doc, why, why_zh, whylen) != VERIFY_VALID) {
        json_decref(doc);
        return 0;
    }
    *status = "unknown";
    struct certificate_row row;
    const char *serial = json_string_value(json_object_get(doc, "serial"));
    enum store_rc rc = serial ? store_cert_get(s, serial, &row) : STORE_NOT_FOUND;
    int valid = 0;
    if (rc == STORE_OK) {
        /* A signature by one of our keys is not enough: what this service
         * issued under that serial is on record, and only that is valid. */
        if (row.jws && jws && strcmp(row.jws, jws) == 0) {
            *status = certificate_status(&row, now);
            valid = 1;
        } else {
            *status = "invalid";
            say(why, why_zh, whylen,
                "not the certificate this service issued under serial %s, though signed with "
                "one of its keys",
                serial);
        }
        certificate_release(&row);
    } else if (rc == STORE_NOT_FOUND) {
        /* Signed with one of our keys but never issued: a key's secret was
         * used outside this service. */
        say(why, why_zh, whylen,
            "this service never issued a certificate %s, though it is signed with one of its "
            "keys",
            serial ? serial : "without a serial");
    } else {
        *status = "invalid";
        say(why, why_zh, whylen, "the certificates could not be read");
    }
    json_decref(doc);
    return valid;
}

static void add_jwk(const struct key_row *k, void *ctx)
{
    json_array_append_new(ctx, json_pack("{s:s, s:s, s:s, s:s, s:s, s:s}", "kty", "OKP", "crv",
                                         "Ed25519", "kid", k->kid, "x", k->x, "use", "sig", "alg",
                                         "EdDSA"));
}

static void add_key_period(const struct key_row *k, void *ctx)
{
    json_array_append_new(ctx,
                          json_pack("{s:s, s:s, s:s, s:o}", "kid", k->kid, "x", k->x, "not_before",
                                    k->created_at, "not_after",
                                    k->retired_at[0] ? json_string(k->retired_at) : json_null()));
}

json_t *engine_keys(struct store *s)
{
    json_t *keys = json_array();
    if (!keys || store_keys_each(s, add_key_period, keys) != STORE_OK) {
        json_decref(keys);
        return NULL;
    }
    return json_pack("{s:o}", "keys", keys);
}

json_t *engine_jwks(struct store *s)
{
    json_t *keys = json_array();
    if (!keys || store_keys_each(s, add_jwk, keys) != STORE_OK) {
        json_decref(keys);
        return NULL;
    }
    return json_pack("{s:o}", "keys", keys);
}
