/*
 * Merkle tree hashing of an append-only log (RFC 6962 §2.1, restated in
 * RFC 9162 §2.1): the tree head of any size, inclusion proofs (audit paths)
 * and consistency proofs, and their verification.
 *
 * The tree is kept incrementally.  Every full subtree, once complete, never
 * changes: the subtree at (level, index) covers the leaves
 * [index << level, (index + 1) << level), and level 0 holds the leaf hashes.
 * Appending a leaf completes at most one subtree per level, so the caller
 * stores those few new hashes and nothing else ever moves.  The frontier
 * (the full subtrees that [0, size) splits into, one per bit of size) gives
 * the root of the current tree in O(log n), and proofs for any earlier size
 * are built from stored subtree hashes read through a merkle_reader.
 *
 * This module knows no storage: whoever keeps the hashes (a table, an array
 * in a test) supplies the reader.  Sizes and indexes are at most
 * MERKLE_MAX_SIZE, as Go's sumdb/tlog and JSON integers allow.
 */
#ifndef SB_MERKLE_H
#define SB_MERKLE_H

#include <stddef.h>
#include <stdint.h>

#define MERKLE_HASH_LEN 32 /* SHA-256 */
/* Levels of full subtrees a tree of at most MERKLE_MAX_SIZE leaves has. */
#define MERKLE_MAX_LEVELS 63
#define MERKLE_MAX_SIZE   INT64_MAX
/* The longest inclusion or consistency proof of such a tree. */
#define MERKLE_MAX_PROOF 64

/* out = SHA-256(0x00 || data): the hash of one leaf. */
void merkle_leaf_hash(unsigned char out[MERKLE_HASH_LEN], const unsigned char *data, size_t len);

/* out = SHA-256(0x01 || left || right): the hash of an interior node. */
void merkle_node_hash(unsigned char out[MERKLE_HASH_LEN], const unsigned char left[MERKLE_HASH_LEN],
                      const unsigned char right[MERKLE_HASH_LEN]);

/* out = SHA-256(""): the root of the empty tree. */
void merkle_empty_root(unsigned char out[MERKLE_HASH_LEN]);

/*
 * Where the hashes of full subtrees come from.  read() fills out with the
 * hash of the full subtree at (level, index) — a leaf hash when level is 0 —
 * and returns 0, or -1 when it cannot (not stored, storage failed).  It is
 * asked only for subtrees that lie wholly inside the tree being proved.
 */
struct merkle_reader {
    int (*read)(void *ctx, unsigned level, uint64_t index, unsigned char out[MERKLE_HASH_LEN]);
    void *ctx;
};

/* A full subtree hash that an append completed and the caller stores. */
struct merkle_node {
    unsigned level;
    uint64_t index;
    unsigned char hash[MERKLE_HASH_LEN];
};

/*
 * The right border of a tree of `size` leaves: for each bit l set in size,
 * hashes[l] is the full subtree at level l, index (size >> l) - 1.  Entries
 * for clear bits are zero, so two frontiers of one tree compare equal with
 * memcmp.  A zeroed struct is the empty tree.
 */
struct merkle_frontier {
    uint64_t size;
    unsigned char hashes[MERKLE_MAX_LEVELS][MERKLE_HASH_LEN];
};

/* Makes f the empty tree. */
void merkle_frontier_init(struct merkle_frontier *f);

/*
 * Appends the leaf whose hash is `leaf` (see merkle_leaf_hash).  Fills
 * nodes[0..*count) with the subtrees completed by it, the leaf itself first
 * (level 0, index = the old size), then one per level it closed, lowest
 * first; the caller stores them.  Returns 0, or -1 (f unchanged) when the
 * tree already has MERKLE_MAX_SIZE leaves.  O(log n) hashes.
 */
int merkle_frontier_append(struct merkle_frontier *f, const unsigned char leaf[MERKLE_HASH_LEN],
                           struct merkle_node nodes[MERKLE_MAX_LEVELS + 1], size_t *count);

/* The root of the tree f describes (merkle_empty_root for size 0). */
void merkle_frontier_root(unsigned char out[MERKLE_HASH_LEN], const struct merkle_frontier *f);

/*
 * Rebuilds the frontier of a tree of `size` leaves from stored hashes (one
 * read per bit set in size).  Returns 0, or -1 (f emptied) on a failed read
 * or a size above MERKLE_MAX_SIZE.
 */
int merkle_frontier_load(struct merkle_frontier *f, uint64_t size, const struct merkle_reader *r);

/* The root of the tree of the first `size` leaves, from stored hashes.
 * Returns 0, or -1 on a failed read or a size above MERKLE_MAX_SIZE. */
int merkle_root(unsigned char out[MERKLE_HASH_LEN], uint64_t size, const struct merkle_reader *r);

/*
 * The inclusion proof of leaf `index` in the tree of the first `size`
 * leaves: RFC 6962 §2.1.1's PATH(index, D[size]), the sibling hashes from
 * the leaf up.  Fills the first *count hashes of proof (hash i at
 * proof + i * MERKLE_HASH_LEN).  Returns 0, or -1 when index >= size,
 * size > MERKLE_MAX_SIZE, or a read fails.
 */
int merkle_inclusion_proof(unsigned char proof[MERKLE_MAX_PROOF * MERKLE_HASH_LEN], size_t *count,
                           uint64_t index, uint64_t size, const struct merkle_reader *r);

/*
 * The consistency proof from the tree of the first m leaves to the tree of
 * the first n: RFC 6962 §2.1.2's PROOF(m, D[n]), laid out as above.  Empty
 * when m == n.
 * Returns 0, or -1 when m is 0 or above n, n > MERKLE_MAX_SIZE, or a read
 * fails.  (Every tree extends the empty one; nothing needs proving there.)
 */
int merkle_consistency_proof(unsigned char proof[MERKLE_MAX_PROOF * MERKLE_HASH_LEN], size_t *count,
                             uint64_t m, uint64_t n, const struct merkle_reader *r);

/*
 * Verifies an inclusion proof (RFC 9162 §2.1.3.2): 0 when the count hashes
 * at proof show that the leaf with hash `leaf` is at `index` in the tree of `size`
 * leaves whose root is `root`; -1 otherwise (index >= size included).
 */
int merkle_verify_inclusion(const unsigned char leaf[MERKLE_HASH_LEN], uint64_t index,
                            uint64_t size, const unsigned char *proof, size_t count,
                            const unsigned char root[MERKLE_HASH_LEN]);

/*
 * Verifies a consistency proof (RFC 9162 §2.1.4.2): 0 when the count hashes
 * at proof show that the tree of m leaves with root `first` is a prefix of the tree
 * of n leaves with root `second`; -1 otherwise.  m == n needs an empty proof
 * and equal roots; m == 0 an empty proof and `first` the empty tree's root.
 */
int merkle_verify_consistency(uint64_t m, uint64_t n, const unsigned char first[MERKLE_HASH_LEN],
                              const unsigned char second[MERKLE_HASH_LEN],
                              const unsigned char *proof, size_t count);

#endif
