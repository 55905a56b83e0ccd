/*
 * Certificates and decisions: reading them, checking them, the public keys,
 * and revocation.  Issuing them is the engine's, in the approving
 * transaction.
 */
#include <string.h>

#include "api.h"

/* What a reader of an active certificate would want to know of its holder's
 * duties: an annual report overdue, a base under rectification. */
static void add_standing(struct call *c, const struct certificate_row *cert, json_t *doc)
{
    const struct kind *k = kind_find(cert->kind);
    if (!doc || !k || !k->duties || strcmp(certificate_status(cert, c->now), "active") != 0)
        return;
    json_t *standing = engine_standing(c->engine, k, cert->application_id);
    if (standing)
        json_object_set_new(doc, "duties", standing);
}

void api_app_certificate(struct call *c)
{
    struct certificate_row cert;
    struct outcome o;
    outcome_init(&o);
    if (api_outcome(c, (engine_certificate_of(c->engine, &c->actor, c->id, &cert, &o), &o))) {
        json_t *doc = certificate_to_json(&cert, c->now);
        add_standing(c, &cert, doc);
        if (doc)
            reply_json(c->r, 200, doc);
        else
            reply_problem(c->r, P_INTERNAL, "the certificate could not be rendered");
        certificate_release(&cert);
    }
    outcome_release(&o);
}

void api_cert_get(struct call *c)
{
    struct certificate_row cert;
    enum store_rc rc = store_cert_get(c->engine->store, c->params[0], &cert);
    if (rc == STORE_OK) {
        json_t *doc = certificate_to_json(&cert, c->now);
        add_standing(c, &cert, doc);
        if (doc)
            reply_json(c->r, 200, doc);
        else
            reply_problem(c->r, P_INTERNAL, "the certificate could not be rendered");
        certificate_release(&cert);
    } else if (rc == STORE_NOT_FOUND) {
        reply_problem(c->r, P_NOT_FOUND, "no certificate with this serial");
    } else {
        reply_store_error(c->r, rc);
    }
}

void api_jwks(struct call *c)
{
    json_t *doc = engine_jwks(c->engine->store);
    if (!doc) {
        reply_problem(c->r, P_INTERNAL, "the keys could not be read");
        return;
    }
    /* Public and rarely changing, but a rotation must show soon. */
    reply_header(c->r, "Cache-Control", "public, max-age=300");
    reply_json(c->r, 200, doc);
}

void api_cert_verify(struct call *c)
{
    const char *status;
    char why[256], why_zh[256] = "";
    int valid = certificate_check(
        c->engine->store, json_string_value(json_object_get(c->body, "jws")),
        json_object_get(c->body, "certificate"), c->now, &status, why, why_zh, sizeof why);
    /* The detail in the language asked for, as a problem's. */
    const char *said = c->r->zh && why_zh[0] ? why_zh : why;
    json_t *doc = json_pack("{s:b, s:s, s:s}", "valid", valid, "status", status, "detail", said);
    /* Why not, as the contract names it. */
    if (doc && !valid)
        json_object_set_new(doc, "reason", json_string(said));
    reply_json(c->r, 200, doc);
}

void api_cert_bundle(struct call *c)
{
    json_t *doc = NULL;
    enum engine_rc rc = engine_certificate_bundle(c->engine, c->params[0], c->now, &doc);
    if (rc == ENGINE_NOT_FOUND)
        reply_problem(c->r, P_NOT_FOUND, "no certificate with this serial");
    else if (rc == ENGINE_UNAVAILABLE)
        reply_problem(c->r, P_UNAVAILABLE, "no signing key or log key is loaded");
    else if (rc != ENGINE_OK)
        reply_problem(c->r, P_INTERNAL, "the bundle could not be made");
    else {
        /* Its status and checkpoint are as of now. */
        reply_header(c->r, "Cache-Control", "no-cache");
        reply_json(c->r, 200, doc);
    }
}

void api_keys(struct call *c)
{
    json_t *doc = engine_keys(c->engine->store);
    if (!doc) {
        reply_problem(c->r, P_INTERNAL, "the keys could not be read");
        return;
    }
    reply_header(c->r, "Cache-Control", "max-age=300");
    reply_json(c->r, 200, doc);
}

void api_cert_revoke(struct call *c)
{
    struct outcome o;
    outcome_init(&o);
    engine_revoke(c->engine, &c->actor, c->params[0], c->body, c->now, &o);
    if (api_outcome(c, &o)) {
        /* The revoked certificate, as GET /v1/certificates/{serial} now shows it. */
        struct certificate_row cert;
        json_t *doc = NULL;
        if (store_cert_get(c->engine->store, c->params[0], &cert) == STORE_OK) {
            doc = certificate_to_json(&cert, c->now);
            certificate_release(&cert);
        }
        if (doc)
            reply_json(c->r, 200, doc);
        else
            reply_problem(c->r, P_INTERNAL, "the revoked certificate cannot be read back");
    }
    outcome_release(&o);
}
