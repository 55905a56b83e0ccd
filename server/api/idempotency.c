/*
 * Idempotency-Key (draft-ietf-httpapi-idempotency-key-header, as Stripe
 * and others use it) on the routes whose row says ROUTE_IDEMPOTENT.
 *
 * A client that sent a POST and heard nothing back cannot tell whether it
 * was done; with a key it may send the same request again.  The first
 * request with a key claims it (a row in the database, so that a restart or
 * another server sees it), runs, and its answer is kept with the key, the
 * caller and a fingerprint of the request.  Then, until the key expires:
 *
 *   the same key and request    the first answer again (status, body,
 *                               Location, ETag), marked
 *                               Idempotent-Replayed: true; nothing is done
 *   the same key, another       422 idempotency-key-reused
 *   request
 *   while the first still runs  409 idempotency-key-in-use, Retry-After: 1
 *
 * The key belongs to the caller: its account, or for a request made
 * without one (an objection) its client address.  The fingerprint is
 * SHA-256 over the method, the target (path and query), If-Match and the
 * body: a JSON body as its canonical text (members sorted, no white
 * space), so that a client library that writes the same object in
 * another order still retries; a file (a material upload, received into a
 * file) as its SHA-256 and length, with its Content-Type and
 * Content-Disposition; any other body as its bytes, with its
 * Content-Type.  Only answers that say what became of the request are
 * kept: a 5xx or a 429 says to try again, and the key is let go so that a
 * retry runs.  Requests refused before their handler ran (401, 403, a bad
 * query, a body that does not parse) never claim the key.
 *
 * None of this runs inside the engine's write transaction: the claim and
 * the answer are transactions of their own, before and after the handler.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <sodium.h>

#include "api.h"
#include "jsontext.h"
#include "log.h"

/* A claim still running this long after it began is one whose server
 * stopped before it answered: a retry may take the key over (and run the
 * request again, which the first one may or may not have done). */
#define IDEM_STALE_S 120

/* The media types an answer kept may have: the replay sends one of these
 * static strings. */
static const char *const kept_types[] = {"application/json", "application/problem+json", NULL};

static const char *kept_type(const char *type)
{
    for (size_t i = 0; type && kept_types[i]; i++)
        if (strcmp(type, kept_types[i]) == 0)
            return kept_types[i];
    return NULL;
}

/* The key as sent: a Structured Field string ("…", RFC 8941 §3.3.3, as the
 * draft says) or, as most clients send it, the bare text; 1–255 printable
 * ASCII characters either way.  False when it is neither. */
static bool key_parse(const char *v, char *out, size_t cap)
{
    size_t n = 0;
    if (v[0] == '"') {
        const char *p = v + 1;
        for (; *p && *p != '"'; p++) {
            if (*p == '\\') {
                p++;
                if (*p != '"' && *p != '\\')
                    return false;
            } else if (*p < 0x20 || *p > 0x7e) {
                return false;
            }
            if (n + 1 >= cap)
                return false;
            out[n++] = *p;
        }
        if (*p != '"' || p[1] != '\0')
            return false;
    } else {
        for (const char *p = v; *p; p++) {
            if (*p <= 0x20 || *p > 0x7e || n + 1 >= cap)
                return false;
            out[n++] = *p;
        }
    }
    out[n] = '\0';
    return n > 0 && n <= IDEM_KEY_CHARS;
}

static void hash_text(crypto_hash_sha256_state *st, const char *text)
{
    /* With its NUL, so that no two sequences of texts hash alike. */
    crypto_hash_sha256_update(st, (const unsigned char *)text, strlen(text) + 1);
}

/* 0, or -1 when memory ran out (or a file is not there). */
static int fingerprint(struct call *c, unsigned char out[IDEM_FINGERPRINT_LEN])
{
    struct request *r = c->r;
    const char *if_match = request_header(r, "If-Match");
    crypto_hash_sha256_state st;
    crypto_hash_sha256_init(&st);
    hash_text(&st, r->method);
    hash_text(&st, r->target_raw ? r->target_raw : r->path);
    hash_text(&st, if_match ? if_match : "");
    if (c->body) {
        char *text = dump_json(c->body, JSON_COMPACT | JSON_SORT_KEYS);
        if (!text)
            return -1;
        hash_text(&st, "json");
        hash_text(&st, text);
        free(text);
    } else if (c->route->body == BODY_FILE) {
        /* A file, received into a file and hashed as it came: its
         * SHA-256 and length stand for its bytes, beside its media type
         * and the name it is given. */
        struct upload_info u;
        const char *type = request_header(r, "Content-Type");
        const char *disposition = request_header(r, "Content-Disposition");
        char length[24];
        if (!request_upload(r, &u))
            return -1;
        snprintf(length, sizeof length, "%lld", (long long)u.bytes);
        hash_text(&st, "file");
        hash_text(&st, type ? type : "");
        hash_text(&st, disposition ? disposition : "");
        hash_text(&st, length);
        crypto_hash_sha256_update(&st, u.sha256, sizeof u.sha256);
    } else {
        const char *type = request_header(r, "Content-Type");
        hash_text(&st, "bytes");
        hash_text(&st, type ? type : "");
        crypto_hash_sha256_update(&st, (const unsigned char *)(r->body ? r->body : ""),
                                  r->body_len);
    }
    crypto_hash_sha256_final(&st, out);
    return 0;
}

struct claim {
    const struct idem_request *q;
    char now[RFC3339_LEN], stale_before[RFC3339_LEN], expires_at[RFC3339_LEN];
    enum idem_found found;
    struct idem_answer answer;
};

static enum store_rc tx_claim(struct store_tx *tx, void *ctx)
{
    struct claim *k = ctx;
    idem_answer_release(&k->answer); /* a BUSY retry runs this again */
    return store_idem_claim(tx, k->q, k->now, k->stale_before, k->expires_at, &k->found,
                            &k->answer);
}

/* The answer kept for the key, again. */
static void replay(struct call *c, struct idem_answer *a)
{
    const char *type = kept_type(a->content_type);
    if (a->location[0])
        reply_header(c->r, "Location", "%s", a->location);
    if (a->etag[0])
        reply_header(c->r, "ETag", "%s", a->etag);
    reply_header(c->r, "Idempotent-Replayed", "true");
    reply_bytes(c->r, a->status, type ? type : "application/json", a->body, a->body_len);
    a->body = NULL; /* the reply owns it */
    a->body_len = 0;
}

bool idem_begin(struct call *c)
{
    struct request *r = c->r;
    if (!(c->route->flags & ROUTE_IDEMPOTENT))
        return true;
    const char *sent = request_header(r, "Idempotency-Key");
    if (!sent)
        return true;
    if (!key_parse(sent, c->idem_key, sizeof c->idem_key)) {
        reply_problem(r, P_BAD_REQUEST,
                      "Idempotency-Key must be 1 to %d printable ASCII characters, bare or as a "
                      "quoted string (\"…\"), e.g. a UUID",
                      IDEM_KEY_CHARS);
        return false;
    }
    if (c->authenticated)
        snprintf(c->idem_scope, sizeof c->idem_scope, "account:%lld", (long long)c->account.id);
    else
        snprintf(c->idem_scope, sizeof c->idem_scope, "address:%s", r->client_addr);
    c->idem.scope = c->idem_scope;
    c->idem.key = c->idem_key;
    if (fingerprint(c, c->idem.fingerprint) != 0) {
        reply_problem(r, P_UNAVAILABLE, "out of memory; try again");
        return false;
    }

    struct claim k = {.q = &c->idem};
    clock_format_rfc3339(c->now, k.now);
    clock_format_rfc3339(c->now - IDEM_STALE_S, k.stale_before);
    clock_format_rfc3339(c->now + (int64_t)c->srv->cfg->idempotency_ttl, k.expires_at);
    struct store *s = c->engine->store;
    /* A retry after an answer, the usual case, needs no write. */
    enum store_rc rc = store_idem_find(s, &c->idem, k.now, k.stale_before, &k.found, &k.answer);
    if (rc == STORE_OK && k.found == IDEM_NONE)
        rc = store_write(s, tx_claim, &k);
    if (rc != STORE_OK) {
        idem_answer_release(&k.answer);
        reply_problem(r, P_UNAVAILABLE, "the Idempotency-Key could not be looked up; try again");
        return false;
    }
    switch (k.found) {
    case IDEM_NONE:
        c->idem_held = true;
        return true;
    case IDEM_ANSWERED:
        replay(c, &k.answer);
        break;
    case IDEM_RUNNING:
        reply_header(r, "Retry-After", "1");
        reply_problem(r, P_KEY_IN_USE,
                      "the request first sent with this Idempotency-Key is still running; "
                      "send it again once that one has answered");
        break;
    case IDEM_OTHER:
        reply_problem(r, P_KEY_REUSED,
                      "this Idempotency-Key came with another request (method, path, If-Match or "
                      "body) within the last %u s; a new request needs a new key",
                      c->srv->cfg->idempotency_ttl);
        break;
    }
    idem_answer_release(&k.answer);
    return false;
}

struct keep {
    const struct idem_request *q;
    const struct idem_answer *answer; /* NULL: let the key go */
};

static enum store_rc tx_keep(struct store_tx *tx, void *ctx)
{
    struct keep *k = ctx;
    return k->answer ? store_idem_answer(tx, k->q, k->answer) : store_idem_release(tx, k->q);
}

static const char *reply_header_value(const struct request *r, const char *name)
{
    for (unsigned i = 0; i < r->n_headers; i++)
        if (strcasecmp(r->headers[i][0], name) == 0)
            return r->headers[i][1];
    return NULL;
}

void idem_end(struct call *c)
{
    struct request *r = c->r;
    if (!c->idem_held)
        return;
    c->idem_held = false;
    /* Serialise the reply now, so that what is kept is what is sent. */
    reply_finish(r);
    const char *type = kept_type(r->content_type);
    const char *location = reply_header_value(r, "Location");
    const char *etag = reply_header_value(r, "ETag");
    bool keep = r->status >= 200 && r->status < 500 && r->status != 429 && type &&
                !r->static_body && (!location || strlen(location) < 512) &&
                (!etag || strlen(etag) < 64);
    struct idem_answer a = {.status = r->status, .body = r->reply_body, .body_len = r->reply_len};
    if (keep) {
        snprintf(a.content_type, sizeof a.content_type, "%s", type);
        snprintf(a.location, sizeof a.location, "%s", location ? location : "");
        snprintf(a.etag, sizeof a.etag, "%s", etag ? etag : "");
    }
    struct keep k = {.q = &c->idem, .answer = keep ? &a : NULL};
    enum store_rc rc = store_write(c->engine->store, tx_keep, &k);
    if (rc == STORE_ERROR && keep) {
        /* Not kept: let the key go rather than answer 409 to every retry
         * until it is taken for stopped. */
        k.answer = NULL;
        rc = store_write(c->engine->store, tx_keep, &k);
    }
    if (rc == STORE_ERROR)
        log_msg(LOG_ERROR, "idempotency key of %s: the answer %u could not be kept", c->idem_scope,
                r->status);
}

struct purge {
    char now[RFC3339_LEN];
    int64_t n;
};

static enum store_rc tx_purge(struct store_tx *tx, void *ctx)
{
    struct purge *p = ctx;
    return store_idem_purge(tx, p->now, &p->n);
}

int64_t api_idempotency_purge(struct server *srv, int64_t now)
{
    struct purge p = {.n = 0};
    clock_format_rfc3339(now, p.now);
    return store_write(srv->engine.store, tx_purge, &p) == STORE_OK ? p.n : -1;
}
