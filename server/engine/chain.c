#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <sodium.h>

#include "chain.h"
#include "jsontext.h"

char *chain_body(const struct event *e, const json_t *parsed)
{
    /* What the event's details text says; the engine gives the document it
     * wrote them from, so that nothing is read back that was just made. */
    json_t *details = parsed            ? json_incref((json_t *)parsed)
                      : e->details_json ? parse_json0(e->details_json, 0, NULL)
                                        : json_object();
    /* A details text that is not JSON (only by tampering) still hashes,
     * as a string, so verification reports it instead of crashing. */
    json_t *doc =
        json_pack("[s, s, s, s, o, s, o, s, o]", e->at, e->action, e->from_status, e->to_status,
                  e->actor_account ? json_integer(e->actor_account) : json_null(), e->actor_role,
                  e->opinion ? json_string(e->opinion) : json_null(), e->request_id,
                  details ? details : json_string(e->details_json ? e->details_json : ""));
    if (!doc)
        return NULL;
    /* Format 2 (docs/RECORD.md) appends its number and the actor as it was;
     * an event of format 1 keeps exactly the encoding it was hashed with. */
    if (e->format >= 2) {
        json_t *actor = json_pack(
            "[i, o, o, o]", e->format, e->actor_name ? json_string(e->actor_name) : json_null(),
            e->actor_unit[0] ? json_string(e->actor_unit) : json_null(),
            e->actor_authority[0] ? json_string(e->actor_authority) : json_null());
        if (!actor || json_array_extend(doc, actor) != 0) {
            json_decref(actor);
            json_decref(doc);
            return NULL;
        }
        json_decref(actor);
    }
    char *text = dump_json(doc, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENSURE_ASCII);
    json_decref(doc);
    if (!text)
        return NULL;
    /* The members without the brackets around them. */
    size_t len = strlen(text);
    memmove(text, text + 1, len - 2);
    text[len - 2] = '\0';
    return text;
}

/* The canonical text of e, whose members but the first two and the last
 * are `body`, written to buf (or only measured, when cap is 0): Jansson's
 * compact form of the array, so the same text chain_canonical() gave when
 * it was one json_dumps(). */
static int canonical_of(char *buf, size_t cap, const struct event *e, const char *body)
{
    char prev[EVENT_HASH_LEN * 2 + 1];
    sodium_bin2hex(prev, sizeof prev, e->prev_hash, EVENT_HASH_LEN);
    return snprintf(buf, cap, "[%" PRId64 ",%" PRId64 ",%s,\"%s\"]", e->id, e->application_id, body,
                    prev);
}

char *chain_canonical_of(const struct event *e, const char *body, size_t *len)
{
    int n = body ? canonical_of(NULL, 0, e, body) : -1;
    char *text = n > 0 ? malloc((size_t)n + 1) : NULL;
    if (text)
        canonical_of(text, (size_t)n + 1, e, body);
    if (len)
        *len = text ? (size_t)n : 0;
    return text;
}

char *chain_canonical(const struct event *e, const json_t *parsed)
{
    char *body = chain_body(e, parsed);
    char *text = chain_canonical_of(e, body, NULL);
    free(body);
    return text;
}

void chain_hash_body(unsigned char out[EVENT_HASH_LEN], const struct event *e, const char *body)
{
    char head[48];
    char tail[EVENT_HASH_LEN * 2 + 8];
    char prev[EVENT_HASH_LEN * 2 + 1];
    crypto_generichash_state st;
    crypto_generichash_init(&st, NULL, 0, EVENT_HASH_LEN);
    crypto_generichash_update(&st, e->prev_hash, EVENT_HASH_LEN);
    if (body) {
        /* The canonical text in three pieces, without copying the body. */
        int n = snprintf(head, sizeof head, "[%" PRId64 ",%" PRId64 ",", e->id, e->application_id);
        crypto_generichash_update(&st, (const unsigned char *)head, (size_t)n);
        crypto_generichash_update(&st, (const unsigned char *)body, strlen(body));
        sodium_bin2hex(prev, sizeof prev, e->prev_hash, EVENT_HASH_LEN);
        n = snprintf(tail, sizeof tail, ",\"%s\"]", prev);
        crypto_generichash_update(&st, (const unsigned char *)tail, (size_t)n);
    }
    crypto_generichash_final(&st, out, EVENT_HASH_LEN);
}

void chain_hash(unsigned char out[EVENT_HASH_LEN], const struct event *e, const json_t *parsed)
{
    char *body = chain_body(e, parsed);
    chain_hash_body(out, e, body);
    free(body);
}
