#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <sodium.h>

#include "jsontext.h"
#include "chain.h"

char *chain_canonical(const struct event *e, const json_t *parsed)
{
    /* What the event's details text says; the engine gives the document it
     * wrote them from, so that nothing is read back that was just made. */
    json_t *details = parsed ? json_incref((json_t *)parsed)
                     : e->details_json ? json_text_parse0(e->details_json, 0, NULL)
                                       : json_object();
    char prev[EVENT_HASH_LEN * 2 + 1];
    sodium_bin2hex(prev, sizeof prev, e->prev_hash, EVENT_HASH_LEN);
    /* A details text that is not JSON (only by tampering) still hashes,
     * as a string, so verification reports it instead of crashing. */
    json_t *doc =
        json_pack("[I, I, s, s, s, s, o, s, o, s, o, s]", (json_int_t)e->id,
                  (json_int_t)e->application_id, e->at, e->action, e->from_status, e->to_status,
                  e->actor_account ? json_integer(e->actor_account) : json_null(), e->actor_role,
                  e->opinion ? json_string(e->opinion) : json_null(), e->request_id,
                  details ? details : json_string(e->details_json ? e->details_json : ""), prev);
    if (!doc)
        return NULL;
    char *text = json_dumps(doc, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENSURE_ASCII);
    json_decref(doc);
    return text;
}

void chain_hash(unsigned char out[EVENT_HASH_LEN], const struct event *e, const json_t *parsed)
{
    char *text = chain_canonical(e, parsed);
    crypto_generichash_state st;
    crypto_generichash_init(&st, NULL, 0, EVENT_HASH_LEN);
    crypto_generichash_update(&st, e->prev_hash, EVENT_HASH_LEN);
    if (text)
        crypto_generichash_update(&st, (const unsigned char *)text, strlen(text));
    crypto_generichash_final(&st, out, EVENT_HASH_LEN);
    free(text);
}
