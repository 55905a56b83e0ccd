/*
 * RFC 6962 Merkle trees: the Certificate Transparency test vectors (roots,
 * subtree hashes, compact ranges and proofs over the eight standard
 * leaves), every proof of every tree up to 64 leaves against a direct
 * transcription of RFC 6962's recursive definitions, tampered proofs, and
 * trees too large to build (all leaves equal) at the size limit.
 */
#include "merkle.h"
#include "support.h"

#include <check.h>
#include <sodium.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define H          MERKLE_HASH_LEN
#define MAX_LEAVES 64

/* ---- the standard vectors (certificate-transparency, transparency-dev) -- */

static const char *const ct_leaves[8] = {
    "",
    "00",
    "10",
    "2021",
    "3031",
    "40414243",
    "5051525354555657",
    "606162636465666768696a6b6c6d6e6f",
};

/* Roots of the trees of 0..8 of those leaves. */
static const char *const ct_roots[9] = {
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
};

/* Every full subtree of the 8-leaf tree, by level. */
static const char *const ct_level0[8] = {
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
    "0298d122906dcfc10892cb53a73992fc5b9f493ea4c9badb27b791b4127a7fe7",
    "07506a85fd9dd2f120eb694f86011e5bb4662e5c415a62917033d4a9624487e7",
    "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
    "4271a26be0d8a84f0bd54c8c302e7cb3a3b5d1fa6780a40bcce2873477dab658",
    "b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f",
    "46f6ffadd3d06a09ff3c5860d2755c8b9819db7df44251788c7d8e3180de8eb1",
};
static const char *const ct_level1[4] = {
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
    "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
    "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
};
static const char *const ct_level2[2] = {
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
};
static const char *const ct_level3 =
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328";

/* Known proofs: index (0-based), size, hashes leaf first. */
struct ct_proof {
    uint64_t a, b;
    size_t count;
    const char *hashes[4];
};

static const struct ct_proof ct_inclusion[] = {
    {0, 1, 0, {NULL}},
    {0,
     8,
     3,
     {"96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
      "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
      "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"}},
    {5,
     8,
     3,
     {"bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
      "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
      "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"}},
    {2, 3, 1, {"fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"}},
    {1,
     5,
     3,
     {"6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
      "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
      "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"}},
};

/* Known consistency proofs: old size, new size, hashes. */
static const struct ct_proof ct_consistency[] = {
    {1, 1, 0, {NULL}},
    {1,
     8,
     3,
     {"96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
      "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
      "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"}},
    {6,
     8,
     3,
     {"0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
      "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
      "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"}},
    {2,
     5,
     2,
     {"5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
      "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"}},
    {6,
     7,
     3,
     {"0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
      "b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f",
      "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"}},
};

static size_t unhex(unsigned char *out, size_t cap, const char *hex)
{
    size_t len = 0;

    ck_assert_int_eq(sodium_hex2bin(out, cap, hex, strlen(hex), NULL, &len, NULL), 0);
    return len;
}

static void assert_hex(const unsigned char got[H], const char *want)
{
    char hex[2 * H + 1];

    sodium_bin2hex(hex, sizeof(hex), got, H);
    ck_assert_str_eq(hex, want);
}

/* ---- a tree kept in memory as the store would keep it --------------------- */

struct mem_tree {
    struct merkle_frontier f;
    /* nodes[level][index]; at most MAX_LEAVES leaves */
    unsigned char nodes[7][MAX_LEAVES][H];
    unsigned char have[7][MAX_LEAVES];
    size_t reads;
    int fail_reads; /* make every read fail */
};

static int mem_read(void *ctx, unsigned level, uint64_t index, unsigned char out[H])
{
    struct mem_tree *t = ctx;

    t->reads++;
    if (t->fail_reads || level >= 7 || index >= MAX_LEAVES || !t->have[level][index])
        return -1;
    /* A proof of a tree of size n must read only subtrees inside it. */
    ck_assert_uint_le((index + 1) << level, t->f.size);
    memcpy(out, t->nodes[level][index], H);
    return 0;
}

static struct merkle_reader mem_reader(struct mem_tree *t)
{
    return (struct merkle_reader){.read = mem_read, .ctx = t};
}

static void mem_append(struct mem_tree *t, const unsigned char leaf[H])
{
    struct merkle_node nodes[MERKLE_MAX_LEVELS + 1];
    size_t count = 99;
    uint64_t before = t->f.size;

    ck_assert_int_eq(merkle_frontier_append(&t->f, leaf, nodes, &count), 0);
    ck_assert_uint_eq(t->f.size, before + 1);
    /* The leaf and one node per trailing one bit of the old size. */
    ck_assert_uint_eq(count, 1 + (size_t)__builtin_ctzll(~before));
    ck_assert_uint_eq(nodes[0].level, 0);
    ck_assert_uint_eq(nodes[0].index, before);
    ck_assert_mem_eq(nodes[0].hash, leaf, H);
    for (size_t i = 0; i < count; i++) {
        ck_assert_uint_eq(nodes[i].level, i);
        ck_assert_uint_eq((nodes[i].index + 1) << nodes[i].level, before + 1);
        ck_assert(!t->have[nodes[i].level][nodes[i].index]);
        memcpy(t->nodes[nodes[i].level][nodes[i].index], nodes[i].hash, H);
        t->have[nodes[i].level][nodes[i].index] = 1;
    }
}

/* Leaf i of the generated trees: its data is "leaf <i>". */
static void gen_leaf(unsigned char out[H], unsigned i)
{
    char data[32];
    int n = snprintf(data, sizeof(data), "leaf %u", i);

    merkle_leaf_hash(out, (const unsigned char *)data, (size_t)n);
}

static struct mem_tree *mem_build(unsigned n, unsigned char leaves[][H])
{
    struct mem_tree *t = calloc(1, sizeof(*t));

    ck_assert_ptr_nonnull(t);
    merkle_frontier_init(&t->f);
    for (unsigned i = 0; i < n; i++) {
        gen_leaf(leaves[i], i);
        mem_append(t, leaves[i]);
    }
    return t;
}

/* ---- RFC 6962 §2.1, transcribed recursively ------------------------------- */

static uint64_t ref_k(uint64_t n)
{
    uint64_t k = 1;

    while (2 * k < n)
        k *= 2;
    return k;
}

/* MTH(D[lo:hi]) over leaf hashes. */
static void ref_mth(unsigned char out[H], unsigned char leaves[][H], uint64_t lo, uint64_t hi)
{
    unsigned char l[H], r[H];
    uint64_t k;

    if (hi == lo) {
        merkle_empty_root(out);
        return;
    }
    if (hi - lo == 1) {
        memcpy(out, leaves[lo], H);
        return;
    }
    k = ref_k(hi - lo);
    ref_mth(l, leaves, lo, lo + k);
    ref_mth(r, leaves, lo + k, hi);
    merkle_node_hash(out, l, r);
}

/* PATH(m, D[lo:hi]), appended to out. */
static void ref_path(unsigned char *out, size_t *n, unsigned char leaves[][H], uint64_t m,
                     uint64_t lo, uint64_t hi)
{
    uint64_t k;

    if (hi - lo <= 1)
        return;
    k = ref_k(hi - lo);
    if (m < k) {
        ref_path(out, n, leaves, m, lo, lo + k);
        ref_mth(out + (*n)++ * H, leaves, lo + k, hi);
    } else {
        ref_path(out, n, leaves, m - k, lo + k, hi);
        ref_mth(out + (*n)++ * H, leaves, lo, lo + k);
    }
}

/* SUBPROOF(m, D[lo:hi], b), appended to out. */
static void ref_subproof(unsigned char *out, size_t *n, unsigned char leaves[][H], uint64_t m,
                         uint64_t lo, uint64_t hi, int b)
{
    uint64_t k;

    if (m == hi - lo) {
        if (!b)
            ref_mth(out + (*n)++ * H, leaves, lo, hi);
        return;
    }
    k = ref_k(hi - lo);
    if (m <= k) {
        ref_subproof(out, n, leaves, m, lo, lo + k, b);
        ref_mth(out + (*n)++ * H, leaves, lo + k, hi);
    } else {
        ref_subproof(out, n, leaves, m - k, lo + k, hi, 0);
        ref_mth(out + (*n)++ * H, leaves, lo, lo + k);
    }
}

/* ---- known answers --------------------------------------------------------- */

static struct mem_tree *ct_tree(unsigned n)
{
    struct mem_tree *t = calloc(1, sizeof(*t));

    ck_assert_ptr_nonnull(t);
    for (unsigned i = 0; i < n; i++) {
        unsigned char data[16], leaf[H];
        size_t len = unhex(data, sizeof(data), ct_leaves[i]);

        merkle_leaf_hash(leaf, data, len);
        mem_append(t, leaf);
    }
    return t;
}

START_TEST(test_ct_roots)
{
    for (unsigned n = 0; n <= 8; n++) {
        struct mem_tree *t = ct_tree(n);
        struct merkle_reader r = mem_reader(t);
        unsigned char root[H];

        merkle_frontier_root(root, &t->f);
        assert_hex(root, ct_roots[n]);
        ck_assert_int_eq(merkle_root(root, n, &r), 0);
        assert_hex(root, ct_roots[n]);
        free(t);
    }
}
END_TEST

START_TEST(test_ct_subtrees_and_compact_ranges)
{
    struct mem_tree *t = ct_tree(8);

    for (unsigned i = 0; i < 8; i++)
        assert_hex(t->nodes[0][i], ct_level0[i]);
    for (unsigned i = 0; i < 4; i++)
        assert_hex(t->nodes[1][i], ct_level1[i]);
    for (unsigned i = 0; i < 2; i++)
        assert_hex(t->nodes[2][i], ct_level2[i]);
    assert_hex(t->nodes[3][0], ct_level3);
    /* Nothing else was stored: 2n - popcount(n) nodes for n leaves. */
    {
        unsigned stored = 0;

        for (unsigned l = 0; l < 7; l++)
            for (unsigned i = 0; i < MAX_LEAVES; i++)
                stored += t->have[l][i];
        ck_assert_uint_eq(stored, 15);
    }
    free(t);

    /* transparency-dev's CompactTrees: size 7 is {level2[0], level1[2], level0[6]}. */
    t = ct_tree(7);
    assert_hex(t->f.hashes[2], ct_level2[0]);
    assert_hex(t->f.hashes[1], ct_level1[2]);
    assert_hex(t->f.hashes[0], ct_level0[6]);
    free(t);
}
END_TEST

START_TEST(test_ct_inclusion_proofs)
{
    struct mem_tree *t = ct_tree(8);
    struct merkle_reader r = mem_reader(t);

    for (size_t c = 0; c < sizeof(ct_inclusion) / sizeof(ct_inclusion[0]); c++) {
        const struct ct_proof *p = &ct_inclusion[c];
        unsigned char proof[MERKLE_MAX_PROOF * H], root[H];
        size_t count;

        ck_assert_int_eq(merkle_inclusion_proof(proof, &count, p->a, p->b, &r), 0);
        ck_assert_uint_eq(count, p->count);
        for (size_t i = 0; i < count; i++)
            assert_hex(proof + i * H, p->hashes[i]);
        unhex(root, H, ct_roots[p->b]);
        ck_assert_int_eq(merkle_verify_inclusion(t->nodes[0][p->a], p->a, p->b, proof, count, root),
                         0);
    }
    free(t);
}
END_TEST

START_TEST(test_ct_consistency_proofs)
{
    struct mem_tree *t = ct_tree(8);
    struct merkle_reader r = mem_reader(t);

    for (size_t c = 0; c < sizeof(ct_consistency) / sizeof(ct_consistency[0]); c++) {
        const struct ct_proof *p = &ct_consistency[c];
        unsigned char proof[MERKLE_MAX_PROOF * H], first[H], second[H];
        size_t count;

        ck_assert_int_eq(merkle_consistency_proof(proof, &count, p->a, p->b, &r), 0);
        ck_assert_uint_eq(count, p->count);
        for (size_t i = 0; i < count; i++)
            assert_hex(proof + i * H, p->hashes[i]);
        unhex(first, H, ct_roots[p->a]);
        unhex(second, H, ct_roots[p->b]);
        ck_assert_int_eq(merkle_verify_consistency(p->a, p->b, first, second, proof, count), 0);
    }
    free(t);
}
END_TEST

/* ---- every proof of every small tree ----------------------------------------- */

/* Asserts that every variation of a valid inclusion proof fails. */
static void assert_inclusion_tampered_fails(const unsigned char leaf[H], uint64_t i, uint64_t n,
                                            const unsigned char *proof, size_t count,
                                            const unsigned char root[H])
{
    unsigned char bad[(MERKLE_MAX_PROOF + 1) * H], other[H];

    for (size_t e = 0; e < count; e++)
        for (unsigned bit = 0; bit < 8 * H; bit += 61) {
            memcpy(bad, proof, count * H);
            bad[e * H + bit / 8] ^= (unsigned char)(1u << (bit % 8));
            ck_assert_int_eq(merkle_verify_inclusion(leaf, i, n, bad, count, root), -1);
        }
    if (count > 0) {
        ck_assert_int_eq(merkle_verify_inclusion(leaf, i, n, proof, count - 1, root), -1);
        ck_assert_int_eq(merkle_verify_inclusion(leaf, i, n, proof + H, count - 1, root), -1);
    }
    memcpy(bad, proof, count * H);
    memcpy(bad + count * H, root, H);
    ck_assert_int_eq(merkle_verify_inclusion(leaf, i, n, bad, count + 1, root), -1);
    memcpy(bad, leaf, H);
    memcpy(bad + H, proof, count * H);
    ck_assert_int_eq(merkle_verify_inclusion(leaf, i, n, bad, count + 1, root), -1);
    /* Another leaf, another root, another place. */
    memcpy(other, leaf, H);
    other[0] ^= 1;
    ck_assert_int_eq(merkle_verify_inclusion(other, i, n, proof, count, root), -1);
    ck_assert_int_eq(merkle_verify_inclusion(leaf, i, n, proof, count, other), -1);
    if (i > 0)
        ck_assert_int_eq(merkle_verify_inclusion(leaf, i - 1, n, proof, count, root), -1);
    if (i + 1 < n)
        ck_assert_int_eq(merkle_verify_inclusion(leaf, i + 1, n, proof, count, root), -1);
    ck_assert_int_eq(merkle_verify_inclusion(leaf, n, n, proof, count, root), -1);
    ck_assert_int_eq(merkle_verify_inclusion(leaf, i, 2 * n, proof, count, root), -1);
    if (n / 2 > i)
        ck_assert_int_eq(merkle_verify_inclusion(leaf, i, n / 2, proof, count, root), -1);
}

START_TEST(test_all_inclusion_proofs)
{
    unsigned char leaves[MAX_LEAVES][H];
    struct mem_tree *t = mem_build(MAX_LEAVES, leaves);
    uint64_t full = t->f.size;

    for (uint64_t n = 1; n <= MAX_LEAVES; n++) {
        struct merkle_reader r = mem_reader(t);
        unsigned char root[H], want_root[H];

        /* Proofs of the tree of n leaves only see that tree. */
        t->f.size = n;
        ref_mth(want_root, leaves, 0, n);
        ck_assert_int_eq(merkle_root(root, n, &r), 0);
        ck_assert_mem_eq(root, want_root, H);
        for (uint64_t i = 0; i < n; i++) {
            unsigned char proof[MERKLE_MAX_PROOF * H], want[MERKLE_MAX_PROOF * H];
            size_t count, want_count = 0;

            ck_assert_int_eq(merkle_inclusion_proof(proof, &count, i, n, &r), 0);
            ref_path(want, &want_count, leaves, i, 0, n);
            ck_assert_uint_eq(count, want_count);
            ck_assert(count == 0 || memcmp(proof, want, count * H) == 0);
            ck_assert_int_eq(merkle_verify_inclusion(leaves[i], i, n, proof, count, root), 0);
            assert_inclusion_tampered_fails(leaves[i], i, n, proof, count, root);
        }
    }
    t->f.size = full;
    free(t);
}
END_TEST

static void assert_consistency_tampered_fails(uint64_t m, uint64_t n, const unsigned char first[H],
                                              const unsigned char second[H],
                                              const unsigned char *proof, size_t count)
{
    unsigned char bad[(MERKLE_MAX_PROOF + 1) * H], other[H];

    for (size_t e = 0; e < count; e++)
        for (unsigned bit = 3; bit < 8 * H; bit += 67) {
            memcpy(bad, proof, count * H);
            bad[e * H + bit / 8] ^= (unsigned char)(1u << (bit % 8));
            ck_assert_int_eq(merkle_verify_consistency(m, n, first, second, bad, count), -1);
        }
    ck_assert_int_eq(merkle_verify_consistency(m, n, first, second, proof, count - 1), -1);
    ck_assert_int_eq(merkle_verify_consistency(m, n, first, second, proof + H, count - 1), -1);
    ck_assert_int_eq(merkle_verify_consistency(m, n, first, second, proof, 0), -1);
    memcpy(bad, proof, count * H);
    memcpy(bad + count * H, second, H);
    ck_assert_int_eq(merkle_verify_consistency(m, n, first, second, bad, count + 1), -1);
    memcpy(bad, first, H);
    memcpy(bad + H, proof, count * H);
    ck_assert_int_eq(merkle_verify_consistency(m, n, first, second, bad, count + 1), -1);
    memcpy(other, first, H);
    other[31] ^= 0x80;
    ck_assert_int_eq(merkle_verify_consistency(m, n, other, second, proof, count), -1);
    ck_assert_int_eq(merkle_verify_consistency(m, n, first, other, proof, count), -1);
    ck_assert_int_eq(merkle_verify_consistency(m, n, second, first, proof, count), -1);
    ck_assert_int_eq(merkle_verify_consistency(m - 1, n, first, second, proof, count), -1);
    ck_assert_int_eq(merkle_verify_consistency(m + 1, n, first, second, proof, count), -1);
    /* (Not n + 1: sometimes the same hashes fit there too, a subtree's hash
     * standing where a leaf's was; nothing tells 32 bytes apart.) */
    ck_assert_int_eq(merkle_verify_consistency(m ^ 2, n, first, second, proof, count), -1);
    ck_assert_int_eq(merkle_verify_consistency(m, 2 * n, first, second, proof, count), -1);
    if (n / 2 >= m)
        ck_assert_int_eq(merkle_verify_consistency(m, n / 2, first, second, proof, count), -1);
    ck_assert_int_eq(merkle_verify_consistency(n, m, second, first, proof, count), -1);
}

START_TEST(test_all_consistency_proofs)
{
    unsigned char leaves[MAX_LEAVES][H];
    struct mem_tree *t = mem_build(MAX_LEAVES, leaves);
    struct merkle_reader r = mem_reader(t);
    uint64_t full = t->f.size;

    for (uint64_t n = 1; n <= MAX_LEAVES; n++) {
        unsigned char second[H];

        t->f.size = n;
        ref_mth(second, leaves, 0, n);
        for (uint64_t m = 1; m <= n; m++) {
            unsigned char proof[MERKLE_MAX_PROOF * H], want[MERKLE_MAX_PROOF * H], first[H];
            size_t count, want_count = 0;

            ref_mth(first, leaves, 0, m);
            ck_assert_int_eq(merkle_consistency_proof(proof, &count, m, n, &r), 0);
            ref_subproof(want, &want_count, leaves, m, 0, n, 1);
            ck_assert_uint_eq(count, want_count);
            ck_assert(count == 0 || memcmp(proof, want, count * H) == 0);
            ck_assert_int_eq(merkle_verify_consistency(m, n, first, second, proof, count), 0);
            if (m == n) {
                ck_assert_uint_eq(count, 0);
                continue;
            }
            ck_assert_uint_gt(count, 0);
            assert_consistency_tampered_fails(m, n, first, second, proof, count);
        }
    }
    t->f.size = full;
    free(t);
}
END_TEST

START_TEST(test_frontier_load_matches_appends)
{
    unsigned char leaves[MAX_LEAVES][H];
    struct mem_tree *t = mem_build(MAX_LEAVES, leaves);
    struct merkle_reader r = mem_reader(t);
    uint64_t full = t->f.size;

    for (uint64_t n = 0; n <= MAX_LEAVES; n++) {
        struct merkle_frontier built, loaded;
        unsigned char a[H], b[H], want[H];
        unsigned char scratch[MAX_LEAVES][H];

        merkle_frontier_init(&built);
        for (uint64_t i = 0; i < n; i++) {
            struct merkle_node nodes[MERKLE_MAX_LEVELS + 1];
            size_t count;

            ck_assert_int_eq(merkle_frontier_append(&built, leaves[i], nodes, &count), 0);
        }
        t->f.size = full;
        t->reads = 0;
        ck_assert_int_eq(merkle_frontier_load(&loaded, n, &r), 0);
        /* One read per full subtree of the compact range. */
        ck_assert_uint_eq(t->reads, (size_t)__builtin_popcountll(n));
        ck_assert_uint_eq(loaded.size, n);
        ck_assert_mem_eq(&loaded, &built, sizeof(built));
        merkle_frontier_root(a, &built);
        merkle_frontier_root(b, &loaded);
        memcpy(scratch, leaves, sizeof(scratch));
        ref_mth(want, scratch, 0, n);
        ck_assert_mem_eq(a, want, H);
        ck_assert_mem_eq(b, want, H);
        /* Appending to a loaded frontier goes on as to a built one. */
        if (n < MAX_LEAVES) {
            struct merkle_node nodes[MERKLE_MAX_LEVELS + 1];
            size_t count;

            ck_assert_int_eq(merkle_frontier_append(&loaded, leaves[n], nodes, &count), 0);
            merkle_frontier_root(b, &loaded);
            ref_mth(want, scratch, 0, n + 1);
            ck_assert_mem_eq(b, want, H);
        }
    }
    free(t);
}
END_TEST

START_TEST(test_bad_arguments_and_failed_reads)
{
    unsigned char leaves[MAX_LEAVES][H];
    struct mem_tree *t = mem_build(8, leaves);
    struct merkle_reader r = mem_reader(t);
    unsigned char proof[MERKLE_MAX_PROOF * H], root[H], empty[H];
    struct merkle_frontier f;
    size_t count = 7;

    ck_assert_int_eq(merkle_inclusion_proof(proof, &count, 8, 8, &r), -1);
    ck_assert_uint_eq(count, 0);
    ck_assert_int_eq(merkle_inclusion_proof(proof, &count, 0, 0, &r), -1);
    ck_assert_int_eq(merkle_consistency_proof(proof, &count, 0, 8, &r), -1);
    ck_assert_int_eq(merkle_consistency_proof(proof, &count, 5, 4, &r), -1);
    ck_assert_int_eq(merkle_consistency_proof(proof, &count, 1, (uint64_t)MERKLE_MAX_SIZE + 1, &r),
                     -1);
    ck_assert_int_eq(merkle_root(root, (uint64_t)MERKLE_MAX_SIZE + 1, &r), -1);

    t->fail_reads = 1;
    ck_assert_int_eq(merkle_inclusion_proof(proof, &count, 3, 8, &r), -1);
    ck_assert_int_eq(merkle_consistency_proof(proof, &count, 3, 8, &r), -1);
    ck_assert_int_eq(merkle_root(root, 7, &r), -1);
    ck_assert_int_eq(merkle_frontier_load(&f, 7, &r), -1);
    ck_assert_uint_eq(f.size, 0);
    /* A one-leaf tree's proof needs no read at all. */
    ck_assert_int_eq(merkle_inclusion_proof(proof, &count, 0, 1, &r), 0);
    ck_assert_uint_eq(count, 0);
    t->fail_reads = 0;

    /* The empty tree: every tree extends it, with an empty proof. */
    merkle_empty_root(empty);
    ck_assert_int_eq(merkle_root(root, 0, &r), 0);
    ck_assert_mem_eq(root, empty, H);
    merkle_frontier_root(root, &t->f);
    ck_assert_int_eq(merkle_verify_consistency(0, 8, empty, root, NULL, 0), 0);
    ck_assert_int_eq(merkle_verify_consistency(0, 0, empty, empty, NULL, 0), 0);
    ck_assert_int_eq(merkle_verify_consistency(0, 8, root, root, NULL, 0), -1);
    ck_assert_int_eq(merkle_verify_consistency(0, 8, empty, root, root, 1), -1);
    ck_assert_int_eq(merkle_verify_consistency(8, 8, root, root, NULL, 0), 0);
    ck_assert_int_eq(merkle_verify_consistency(8, 8, root, empty, NULL, 0), -1);
    ck_assert_int_eq(merkle_verify_consistency(8, 8, root, root, root, 1), -1);
    ck_assert_int_eq(merkle_verify_inclusion(leaves[0], 0, 0, NULL, 0, empty), -1);
    ck_assert_int_eq(merkle_verify_inclusion(leaves[0], 0, 1, NULL, 0, leaves[0]), 0);
    free(t);
}
END_TEST

/* ---- trees at the size limit ---------------------------------------------- */

/* A tree whose leaves are all equal: every full subtree at level l has the
 * same hash, so a tree of any size can be read without being built. */
static unsigned char uniform[MERKLE_MAX_LEVELS][H];

static int uniform_read(void *ctx, unsigned level, uint64_t index, unsigned char out[H])
{
    uint64_t size = *(const uint64_t *)ctx;

    ck_assert_uint_lt(level, MERKLE_MAX_LEVELS);
    ck_assert_uint_le((index + 1) << level, size);
    memcpy(out, uniform[level], H);
    return 0;
}

START_TEST(test_size_limit)
{
    static const uint64_t sizes[] = {(uint64_t)MERKLE_MAX_SIZE, (uint64_t)MERKLE_MAX_SIZE - 1,
                                     UINT64_C(1) << 62, (UINT64_C(1) << 62) + 1, 1000000007};
    uint64_t size = 0;
    struct merkle_reader r = {.read = uniform_read, .ctx = &size};
    struct merkle_frontier f;
    struct merkle_node nodes[MERKLE_MAX_LEVELS + 1];
    size_t count;

    merkle_leaf_hash(uniform[0], (const unsigned char *)"x", 1);
    for (unsigned l = 1; l < MERKLE_MAX_LEVELS; l++)
        merkle_node_hash(uniform[l], uniform[l - 1], uniform[l - 1]);

    for (size_t s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++) {
        uint64_t n = sizes[s];
        const uint64_t indexes[] = {0, n / 2, n - 2, n - 1};
        unsigned char root[H], first[H], proof[MERKLE_MAX_PROOF * H];

        size = n;
        ck_assert_int_eq(merkle_root(root, n, &r), 0);
        for (size_t i = 0; i < 4; i++) {
            ck_assert_int_eq(merkle_inclusion_proof(proof, &count, indexes[i], n, &r), 0);
            ck_assert_uint_le(count, MERKLE_MAX_PROOF);
            ck_assert_int_eq(merkle_verify_inclusion(uniform[0], indexes[i], n, proof, count, root),
                             0);
            /* Equal leaves make places interchangeable, but not roots. */
            ck_assert_int_eq(merkle_verify_inclusion(uniform[1], indexes[i], n, proof, count, root),
                             -1);
        }
        for (size_t i = 0; i < 4; i++) {
            uint64_t m = indexes[i] + 1;

            ck_assert_int_eq(merkle_root(first, m, &r), 0);
            ck_assert_int_eq(merkle_consistency_proof(proof, &count, m, n, &r), 0);
            ck_assert_uint_le(count, MERKLE_MAX_PROOF);
            ck_assert_int_eq(merkle_verify_consistency(m, n, first, root, proof, count), 0);
            if (count > 0)
                ck_assert_int_eq(merkle_verify_consistency(m, n, root, first, proof, count), -1);
        }
    }

    /* The longest proofs: 63 hashes for a leaf, 64 for consistency (the
     * walk down 62 levels, the one above, and the old tree's own part). */
    size = (uint64_t)MERKLE_MAX_SIZE;
    {
        unsigned char proof[MERKLE_MAX_PROOF * H];

        ck_assert_int_eq(merkle_inclusion_proof(proof, &count, 0, size, &r), 0);
        ck_assert_uint_eq(count, 63);
        ck_assert_int_eq(merkle_consistency_proof(proof, &count, 3, size, &r), 0);
        ck_assert_uint_eq(count, MERKLE_MAX_PROOF);
    }

    /* A full frontier takes no more leaves. */
    size = (uint64_t)MERKLE_MAX_SIZE;
    ck_assert_int_eq(merkle_frontier_load(&f, size, &r), 0);
    ck_assert_int_eq(merkle_frontier_append(&f, uniform[0], nodes, &count), -1);
    ck_assert_uint_eq(f.size, size);
    ck_assert_int_eq(merkle_frontier_load(&f, size - 1, &r), 0);
    ck_assert_int_eq(merkle_frontier_append(&f, uniform[0], nodes, &count), 0);
    ck_assert_uint_eq(count, 1);
    {
        unsigned char a[H], b[H];

        merkle_frontier_root(a, &f);
        ck_assert_int_eq(merkle_root(b, size, &r), 0);
        ck_assert_mem_eq(a, b, H);
    }
}
END_TEST

static Suite *merkle_suite(void)
{
    Suite *s = suite_create("merkle");
    TCase *ct = tcase_create("vectors");
    TCase *all = tcase_create("exhaustive");
    TCase *edge = tcase_create("edges");

    tcase_add_test(ct, test_ct_roots);
    tcase_add_test(ct, test_ct_subtrees_and_compact_ranges);
    tcase_add_test(ct, test_ct_inclusion_proofs);
    tcase_add_test(ct, test_ct_consistency_proofs);
    suite_add_tcase(s, ct);

    tcase_set_timeout(all, 60);
    tcase_add_test(all, test_all_inclusion_proofs);
    tcase_add_test(all, test_all_consistency_proofs);
    tcase_add_test(all, test_frontier_load_matches_appends);
    suite_add_tcase(s, all);

    tcase_add_test(edge, test_bad_arguments_and_failed_reads);
    tcase_add_test(edge, test_size_limit);
    suite_add_tcase(s, edge);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(merkle_suite());
    int failures;

    if (sodium_init() < 0)
        return 1;
    srunner_run_all(sr, CK_NORMAL);
    failures = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failures != 0;
}
