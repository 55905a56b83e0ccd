/*
 * The hash chain of the event log.
 *
 * Each event's hash is BLAKE2b-256 over the previous event's hash followed by
 * the event's canonical encoding; the first event follows 32 zero bytes.  A
 * changed event no longer matches its hash; a removed or reordered one breaks
 * the link of the event after it.
 */
#ifndef SB_CHAIN_H
#define SB_CHAIN_H

#include <jansson.h>

#include "store.h"

/* The canonical encoding of e (every column but `hash`): a compact JSON array
 * in a fixed order, object keys sorted, non-ASCII escaped.  Format 1:
 * [id, application_id, at, action, from, to, account, role, opinion,
 * request_id, details, prev_hash hex]; format 2 puts the format and the
 * actor as it was (2, name, unit, authority) after the details, before the
 * previous hash (docs/RECORD.md).  `parsed` (may be
 * NULL: then the details text is parsed) is e->details_json as a document.
 * Caller frees. */
char *chain_canonical(const struct event *e, const json_t *parsed);

/* out = BLAKE2b-256(e->prev_hash || chain_canonical(e, parsed)). */
void chain_hash(unsigned char out[EVENT_HASH_LEN], const struct event *e, const json_t *parsed);

/* The same in two steps, so that the costly one can run before the log's
 * head is known: chain_body() is the canonical encoding less the event's
 * id, its application and the previous hash (the array's first two members
 * and its last, without the brackets; caller frees; NULL when memory runs
 * out), and chain_hash_body() the hash of e with that body, which only
 * writes two integers and the link around it.  A NULL body hashes as
 * chain_hash() does when the encoding cannot be made.  `parsed` as for
 * chain_canonical(). */
char *chain_body(const struct event *e, const json_t *parsed);
void chain_hash_body(unsigned char out[EVENT_HASH_LEN], const struct event *e, const char *body);

/* The canonical encoding of e whose body (chain_body) is `body`: the bytes
 * chain_canonical() gives, which are also the event's leaf in the
 * transparency log.  *len (may be NULL) gets their length.  Caller frees;
 * NULL when body is NULL or memory runs out. */
char *chain_canonical_of(const struct event *e, const char *body, size_t *len);

#endif
