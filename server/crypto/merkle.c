/*
 * RFC 6962 Merkle trees over SHA-256, kept incrementally.
 *
 * Proofs are built top-down, as RFC 6962 §2.1.1 and §2.1.2 recurse, but
 * iteratively: at each step the range [lo, hi) splits at lo + k, k the
 * largest power of two below hi - lo, and the half not walked into is a
 * sibling whose hash the proof carries.  Such a sibling is either a full
 * subtree (one stored hash) or the right end of its parent, whose start is a
 * multiple of a power of two at least its length; its hash then folds the
 * few full subtrees it splits into.  Verification follows RFC 9162's
 * bit-walking algorithms, so it shares no code with the construction.
 */
#include "merkle.h"

#include <assert.h>
#include <sodium.h>
#include <string.h>

_Static_assert(MERKLE_HASH_LEN == crypto_hash_sha256_BYTES, "hashes are SHA-256");

void merkle_leaf_hash(unsigned char out[MERKLE_HASH_LEN], const unsigned char *data, size_t len)
{
    static const unsigned char prefix = 0x00;
    crypto_hash_sha256_state st;

    assert(out != NULL && (data != NULL || len == 0));
    crypto_hash_sha256_init(&st);
    crypto_hash_sha256_update(&st, &prefix, 1);
    crypto_hash_sha256_update(&st, data, len);
    crypto_hash_sha256_final(&st, out);
}

void merkle_node_hash(unsigned char out[MERKLE_HASH_LEN], const unsigned char left[MERKLE_HASH_LEN],
                      const unsigned char right[MERKLE_HASH_LEN])
{
    unsigned char buf[1 + 2 * MERKLE_HASH_LEN];

    assert(out != NULL && left != NULL && right != NULL);
    /* Copied first: out may be left or right. */
    buf[0] = 0x01;
    memcpy(buf + 1, left, MERKLE_HASH_LEN);
    memcpy(buf + 1 + MERKLE_HASH_LEN, right, MERKLE_HASH_LEN);
    crypto_hash_sha256(out, buf, sizeof(buf));
}

void merkle_empty_root(unsigned char out[MERKLE_HASH_LEN])
{
    assert(out != NULL);
    crypto_hash_sha256(out, NULL, 0);
}

/* The largest power of two strictly below n (n >= 2). */
static uint64_t split_point(uint64_t n)
{
    uint64_t k = 1;

    assert(n >= 2);
    while (k << 1 < n)
        k <<= 1;
    return k;
}

void merkle_frontier_init(struct merkle_frontier *f)
{
    assert(f != NULL);
    memset(f, 0, sizeof(*f));
}

int merkle_frontier_append(struct merkle_frontier *f, const unsigned char leaf[MERKLE_HASH_LEN],
                           struct merkle_node nodes[MERKLE_MAX_LEVELS + 1], size_t *count)
{
    unsigned char carry[MERKLE_HASH_LEN];
    uint64_t size;
    unsigned l = 0;
    size_t n = 0;

    assert(f != NULL && leaf != NULL && nodes != NULL && count != NULL);
    *count = 0;
    size = f->size;
    if (size >= (uint64_t)MERKLE_MAX_SIZE)
        return -1;
    memcpy(carry, leaf, MERKLE_HASH_LEN);
    nodes[n].level = 0;
    nodes[n].index = size;
    memcpy(nodes[n].hash, carry, MERKLE_HASH_LEN);
    n++;
    /* Like adding one in binary: each set low bit is a full subtree on the
     * left that the new one completes into a subtree a level higher. */
    while ((size >> l) & 1) {
        merkle_node_hash(carry, f->hashes[l], carry);
        /* Zeroed when unused, so that equal trees have equal frontiers. */
        memset(f->hashes[l], 0, MERKLE_HASH_LEN);
        l++;
        nodes[n].level = l;
        nodes[n].index = (size >> l);
        memcpy(nodes[n].hash, carry, MERKLE_HASH_LEN);
        n++;
    }
    assert(l < MERKLE_MAX_LEVELS);
    memcpy(f->hashes[l], carry, MERKLE_HASH_LEN);
    f->size = size + 1;
    *count = n;
    return 0;
}

void merkle_frontier_root(unsigned char out[MERKLE_HASH_LEN], const struct merkle_frontier *f)
{
    unsigned l = 0;

    assert(out != NULL && f != NULL);
    if (f->size == 0) {
        merkle_empty_root(out);
        return;
    }
    /* The smallest subtree is the rightmost; each larger one sits to the
     * left of everything folded so far. */
    while (((f->size >> l) & 1) == 0)
        l++;
    memcpy(out, f->hashes[l], MERKLE_HASH_LEN);
    for (l++; l < MERKLE_MAX_LEVELS; l++)
        if ((f->size >> l) & 1)
            merkle_node_hash(out, f->hashes[l], out);
}

int merkle_frontier_load(struct merkle_frontier *f, uint64_t size, const struct merkle_reader *r)
{
    assert(f != NULL && r != NULL && r->read != NULL);
    merkle_frontier_init(f);
    if (size > (uint64_t)MERKLE_MAX_SIZE)
        return -1;
    for (unsigned l = 0; l < MERKLE_MAX_LEVELS; l++) {
        if (((size >> l) & 1) == 0)
            continue;
        if (r->read(r->ctx, l, (size >> l) - 1, f->hashes[l]) != 0) {
            merkle_frontier_init(f);
            return -1;
        }
    }
    f->size = size;
    return 0;
}

int merkle_root(unsigned char out[MERKLE_HASH_LEN], uint64_t size, const struct merkle_reader *r)
{
    struct merkle_frontier f;

    assert(out != NULL);
    if (merkle_frontier_load(&f, size, r) != 0)
        return -1;
    merkle_frontier_root(out, &f);
    return 0;
}

/*
 * The hash of the leaves [lo, hi), lo < hi, where lo is a multiple of a
 * power of two at least hi - lo (true of every range a proof needs): the
 * full subtrees it splits into, largest first, folded from the right.
 */
static int range_hash(unsigned char out[MERKLE_HASH_LEN], uint64_t lo, uint64_t hi,
                      const struct merkle_reader *r)
{
    unsigned char parts[MERKLE_MAX_LEVELS][MERKLE_HASH_LEN];
    uint64_t len = hi - lo;
    uint64_t at = lo;
    size_t n = 0;

    assert(lo < hi);
    for (unsigned l = MERKLE_MAX_LEVELS; l-- > 0;) {
        if (((len >> l) & 1) == 0)
            continue;
        assert((at & ((UINT64_C(1) << l) - 1)) == 0);
        if (r->read(r->ctx, l, at >> l, parts[n]) != 0)
            return -1;
        at += UINT64_C(1) << l;
        n++;
    }
    memcpy(out, parts[n - 1], MERKLE_HASH_LEN);
    while (n-- > 1)
        merkle_node_hash(out, parts[n - 1], out);
    return 0;
}

/* A range of leaves whose hash a proof carries. */
struct span {
    uint64_t lo, hi;
};

/* Writes the hashes of spans[0..n) into proof, the last span first (the
 * walk found them root first; proofs list them leaf first). */
static int emit_reversed(unsigned char *proof, size_t at, const struct span *spans, size_t n,
                         const struct merkle_reader *r)
{
    while (n-- > 0) {
        if (range_hash(proof + at * MERKLE_HASH_LEN, spans[n].lo, spans[n].hi, r) != 0)
            return -1;
        at++;
    }
    return 0;
}

int merkle_inclusion_proof(unsigned char proof[MERKLE_MAX_PROOF * MERKLE_HASH_LEN], size_t *count,
                           uint64_t index, uint64_t size, const struct merkle_reader *r)
{
    struct span spans[MERKLE_MAX_PROOF];
    uint64_t lo = 0, hi = size;
    size_t n = 0;

    assert(proof != NULL && count != NULL && r != NULL && r->read != NULL);
    *count = 0;
    if (index >= size || size > (uint64_t)MERKLE_MAX_SIZE)
        return -1;
    /* PATH(m, D[n]) = PATH(m, D[0:k]) : MTH(D[k:n]) when m < k, else
     * PATH(m - k, D[k:n]) : MTH(D[0:k]). */
    while (hi - lo > 1) {
        uint64_t k = split_point(hi - lo);

        assert(n < MERKLE_MAX_PROOF);
        if (index < lo + k) {
            spans[n++] = (struct span){lo + k, hi};
            hi = lo + k;
        } else {
            spans[n++] = (struct span){lo, lo + k};
            lo += k;
        }
    }
    if (emit_reversed(proof, 0, spans, n, r) != 0)
        return -1;
    *count = n;
    return 0;
}

int merkle_consistency_proof(unsigned char proof[MERKLE_MAX_PROOF * MERKLE_HASH_LEN], size_t *count,
                             uint64_t m, uint64_t n, const struct merkle_reader *r)
{
    struct span spans[MERKLE_MAX_PROOF];
    uint64_t lo = 0, hi = n;
    size_t ns = 0, first = 0;
    int whole = 1; /* SUBPROOF's b: [lo, hi) starts where the old tree did */

    assert(proof != NULL && count != NULL && r != NULL && r->read != NULL);
    *count = 0;
    if (m == 0 || m > n || n > (uint64_t)MERKLE_MAX_SIZE)
        return -1;
    /* SUBPROOF(m, D[n], b): at m == n, nothing when b (the verifier has
     * that root), else MTH(D[n]); otherwise SUBPROOF(m, D[0:k], b) :
     * MTH(D[k:n]) when m <= k, else SUBPROOF(m - k, D[k:n], false) :
     * MTH(D[0:k]). */
    while (m != hi) {
        uint64_t k = split_point(hi - lo);

        assert(ns < MERKLE_MAX_PROOF);
        if (m <= lo + k) {
            spans[ns++] = (struct span){lo + k, hi};
            hi = lo + k;
        } else {
            spans[ns++] = (struct span){lo, lo + k};
            lo += k;
            whole = 0;
        }
    }
    if (!whole) {
        assert(ns < MERKLE_MAX_PROOF);
        if (range_hash(proof, lo, hi, r) != 0)
            return -1;
        first = 1;
    }
    if (emit_reversed(proof, first, spans, ns, r) != 0)
        return -1;
    *count = first + ns;
    return 0;
}

static int hash_equal(const unsigned char a[MERKLE_HASH_LEN],
                      const unsigned char b[MERKLE_HASH_LEN])
{
    return memcmp(a, b, MERKLE_HASH_LEN) == 0;
}

int merkle_verify_inclusion(const unsigned char leaf[MERKLE_HASH_LEN], uint64_t index,
                            uint64_t size, const unsigned char *proof, size_t count,
                            const unsigned char root[MERKLE_HASH_LEN])
{
    unsigned char r[MERKLE_HASH_LEN];
    uint64_t fn, sn;

    assert(leaf != NULL && root != NULL && (proof != NULL || count == 0));
    if (index >= size || count > MERKLE_MAX_PROOF)
        return -1;
    fn = index;
    sn = size - 1;
    memcpy(r, leaf, MERKLE_HASH_LEN);
    for (size_t i = 0; i < count; i++) {
        const unsigned char *p = proof + i * MERKLE_HASH_LEN;

        if (sn == 0)
            return -1;
        if ((fn & 1) || fn == sn) {
            merkle_node_hash(r, p, r);
            if ((fn & 1) == 0)
                while (fn != 0 && (fn & 1) == 0) {
                    fn >>= 1;
                    sn >>= 1;
                }
        } else {
            merkle_node_hash(r, r, p);
        }
        fn >>= 1;
        sn >>= 1;
    }
    return sn == 0 && hash_equal(r, root) ? 0 : -1;
}

int merkle_verify_consistency(uint64_t m, uint64_t n, const unsigned char first[MERKLE_HASH_LEN],
                              const unsigned char second[MERKLE_HASH_LEN],
                              const unsigned char *proof, size_t count)
{
    unsigned char fr[MERKLE_HASH_LEN], sr[MERKLE_HASH_LEN];
    uint64_t fn, sn;
    size_t i = 0;

    assert(first != NULL && second != NULL && (proof != NULL || count == 0));
    if (m > n || count > MERKLE_MAX_PROOF)
        return -1;
    if (m == 0) {
        unsigned char empty[MERKLE_HASH_LEN];

        merkle_empty_root(empty);
        return count == 0 && hash_equal(first, empty) ? 0 : -1;
    }
    if (m == n)
        return count == 0 && hash_equal(first, second) ? 0 : -1;
    if (count == 0)
        return -1;
    /* When m is a power of two the old tree is a full subtree of the new
     * one and the proof leaves out its hash: the path starts from it. */
    if ((m & (m - 1)) == 0) {
        memcpy(fr, first, MERKLE_HASH_LEN);
    } else {
        memcpy(fr, proof, MERKLE_HASH_LEN);
        i = 1;
    }
    memcpy(sr, fr, MERKLE_HASH_LEN);
    fn = m - 1;
    sn = n - 1;
    while (fn & 1) {
        fn >>= 1;
        sn >>= 1;
    }
    for (; i < count; i++) {
        const unsigned char *c = proof + i * MERKLE_HASH_LEN;

        if (sn == 0)
            return -1;
        if ((fn & 1) || fn == sn) {
            merkle_node_hash(fr, c, fr);
            merkle_node_hash(sr, c, sr);
            if ((fn & 1) == 0)
                while (fn != 0 && (fn & 1) == 0) {
                    fn >>= 1;
                    sn >>= 1;
                }
        } else {
            merkle_node_hash(sr, sr, c);
        }
        fn >>= 1;
        sn >>= 1;
    }
    return sn == 0 && hash_equal(fr, first) && hash_equal(sr, second) ? 0 : -1;
}
