/*
 * The store's side of the transparency log: the Merkle tree's full subtree
 * hashes (table tlog_nodes), written as leaves are appended and read to
 * compute roots and proofs (merkle.h).
 *
 * Appending a leaf, inside the write transaction that records its event:
 *
 *     merkle_frontier_append(&f, leaf_hash, nodes, &count);
 *     rc = store_tlog_nodes_add(tx, nodes, count);
 *
 * and on anything but STORE_OK the transaction rolls back, so the caller
 * reloads its frontier (merkle_frontier_load with store_tlog_size and a
 * reader from store_tlog_reader_tx) rather than keep one the database does
 * not have.
 */
#ifndef SB_STORE_TLOG_H
#define SB_STORE_TLOG_H

#include <stddef.h>
#include <stdint.h>

#include "merkle.h"
#include "store.h"

/* Stores the subtree hashes one append completed.  STORE_CONFLICT when one
 * of them is already stored (that leaf was appended already). */
enum store_rc store_tlog_nodes_add(struct store_tx *tx, const struct merkle_node *nodes,
                                   size_t count);

/* The stored hash of the full subtree at (level, index): STORE_OK,
 * STORE_NOT_FOUND, or STORE_ERROR.  On this thread's reader, or inside a
 * write transaction. */
enum store_rc store_tlog_node(struct store *s, unsigned level, uint64_t index,
                              unsigned char hash[MERKLE_HASH_LEN]);
enum store_rc store_tlog_node_tx(struct store_tx *tx, unsigned level, uint64_t index,
                                 unsigned char hash[MERKLE_HASH_LEN]);

/* The number of leaves stored (one past the highest leaf index; leaves are
 * only ever appended in order). */
enum store_rc store_tlog_size(struct store *s, uint64_t *size);
enum store_rc store_tlog_size_tx(struct store_tx *tx, uint64_t *size);

/* Readers of the stored hashes for merkle_root(), merkle_frontier_load()
 * and the proofs: on s's reader for this thread, or on tx (valid only
 * inside that transaction). */
void store_tlog_reader(struct merkle_reader *r, struct store *s);
void store_tlog_reader_tx(struct merkle_reader *r, struct store_tx *tx);

/* A row whose state the log does not account for. */
enum state_what {
    STATE_NONE = 0,
    STATE_APPLICATION_STATUS,     /* stored: its status; logged: its last event's */
    STATE_CERTIFICATE_REVOCATION, /* serial; stored: "valid" or "revoked" */
};
struct state_mismatch {
    enum state_what what;
    int64_t application_id;
    char serial[64];
    char stored[32];
    char logged[32];
};

/* The first application (lowest id) whose status is not the one its last
 * event left, else the first certificate that is revoked without an event
 * revoking its application, or not revoked despite one: STORE_OK with out
 * filled, STORE_NOT_FOUND when every row agrees with the log, STORE_ERROR.
 * On this thread's reader. */
enum store_rc store_tlog_state_mismatch(struct store *s, struct state_mismatch *out);

#endif
