/*
 * The transparency log's nodes in the store: leaves appended one
 * transaction each, roots and proofs read back from the table, the
 * frontier rebuilt from it, a repeated append refused and rolled back, and
 * the table append-only.
 */
#include "merkle.h"
#include "store.h"
#include "support.h"
#include "tlog.h"

#include <check.h>
#include <sodium.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define H MERKLE_HASH_LEN
#define N 100

static char *db_path;
static struct store *st;

static void setup(void)
{
    char err[256] = "";

    ck_assert_int_ge(sodium_init(), 0);
    db_path = support_tmp_db();
    st = store_open(db_path, err, sizeof(err));
    ck_assert_msg(st != NULL, "store_open: %s", err);
    ck_assert_msg(store_migrate(st, NULL, err, sizeof(err)) == 0, "store_migrate: %s", err);
}

static void teardown(void)
{
    store_free(st);
    support_tmp_db_free(db_path);
}

struct append {
    struct merkle_frontier *f;
    unsigned char leaf[H];
    unsigned char root_in_tx[H];
};

/* One append as the engine will do it: the frontier, then its nodes, in
 * the transaction; the root read back inside it. */
static enum store_rc tx_append(struct store_tx *tx, void *ctx)
{
    struct append *a = ctx;
    struct merkle_node nodes[MERKLE_MAX_LEVELS + 1];
    struct merkle_reader r;
    struct merkle_frontier next = *a->f;
    uint64_t size;
    size_t count;
    enum store_rc rc;

    if (merkle_frontier_append(&next, a->leaf, nodes, &count) != 0)
        return STORE_ERROR;
    rc = store_tlog_nodes_add(tx, nodes, count);
    if (rc != STORE_OK)
        return rc;
    store_tlog_reader_tx(&r, tx);
    ck_assert_int_eq(store_tlog_size_tx(tx, &size), STORE_OK);
    ck_assert_uint_eq(size, next.size);
    ck_assert_int_eq(merkle_root(a->root_in_tx, size, &r), 0);
    *a->f = next;
    return STORE_OK;
}

static void leaf_of(unsigned char out[H], unsigned i)
{
    char data[32];
    int n = snprintf(data, sizeof(data), "event %u", i);

    merkle_leaf_hash(out, (const unsigned char *)data, (size_t)n);
}

START_TEST(test_append_and_read_back)
{
    static unsigned char roots[N + 1][H];
    unsigned char leaves[N][H];
    struct merkle_frontier f, loaded;
    struct merkle_reader r;
    uint64_t size = 99;

    ck_assert_int_eq(store_tlog_size(st, &size), STORE_OK);
    ck_assert_uint_eq(size, 0);
    merkle_frontier_init(&f);
    merkle_empty_root(roots[0]);
    for (unsigned i = 0; i < N; i++) {
        struct append a = {.f = &f};

        leaf_of(a.leaf, i);
        memcpy(leaves[i], a.leaf, H);
        ck_assert_int_eq(store_write(st, tx_append, &a), STORE_OK);
        merkle_frontier_root(roots[i + 1], &f);
        ck_assert_mem_eq(a.root_in_tx, roots[i + 1], H);
    }
    ck_assert_int_eq(store_tlog_size(st, &size), STORE_OK);
    ck_assert_uint_eq(size, N);

    /* Every size's root, every proof, from the table. */
    store_tlog_reader(&r, st);
    for (uint64_t n = 0; n <= N; n++) {
        unsigned char root[H], proof[MERKLE_MAX_PROOF * H];
        size_t count;

        ck_assert_int_eq(merkle_root(root, n, &r), 0);
        ck_assert_mem_eq(root, roots[n], H);
        for (uint64_t i = 0; i < n; i++) {
            ck_assert_int_eq(merkle_inclusion_proof(proof, &count, i, n, &r), 0);
            ck_assert_int_eq(merkle_verify_inclusion(leaves[i], i, n, proof, count, roots[n]), 0);
        }
        for (uint64_t m = 1; m <= n; m++) {
            ck_assert_int_eq(merkle_consistency_proof(proof, &count, m, n, &r), 0);
            ck_assert_int_eq(merkle_verify_consistency(m, n, roots[m], roots[n], proof, count), 0);
        }
    }

    /* A server starting again rebuilds its frontier from the table. */
    ck_assert_int_eq(merkle_frontier_load(&loaded, size, &r), 0);
    ck_assert_mem_eq(&loaded, &f, sizeof(f));

    /* 2n - popcount(n) nodes: the leaves and the full subtrees above. */
    {
        unsigned char hash[H];
        unsigned stored = 0;

        for (unsigned level = 0; level < 8; level++)
            for (uint64_t i = 0; i < N; i++)
                if (store_tlog_node(st, level, i, hash) == STORE_OK)
                    stored++;
        ck_assert_uint_eq(stored, 2 * N - __builtin_popcount(N));
        ck_assert_int_eq(store_tlog_node(st, 0, N, hash), STORE_NOT_FOUND);
        ck_assert_int_eq(store_tlog_node(st, 2, N / 4, hash), STORE_NOT_FOUND);
        ck_assert_int_eq(store_tlog_node(st, 0, UINT64_MAX, hash), STORE_NOT_FOUND);
        /* Subtrees whose last leaf would be past the largest tree, whose
         * key cannot be computed in 63 bits. */
        ck_assert_int_eq(store_tlog_node(st, 1, (uint64_t)INT64_MAX >> 1, hash), STORE_NOT_FOUND);
        ck_assert_int_eq(store_tlog_node(st, 62, 2, hash), STORE_NOT_FOUND);
        ck_assert_int_eq(store_tlog_node(st, 63, 0, hash), STORE_NOT_FOUND);
        ck_assert_int_eq(store_tlog_node(st, 0, 7, hash), STORE_OK);
        ck_assert_mem_eq(hash, leaves[7], H);
    }
}
END_TEST

static enum store_rc tx_add_again(struct store_tx *tx, void *ctx)
{
    const struct merkle_node *nodes = ctx;

    /* A new node first, then one that is there: all of it rolls back. */
    ck_assert_int_eq(store_tlog_nodes_add(tx, nodes, 1), STORE_OK);
    return store_tlog_nodes_add(tx, nodes + 1, 1);
}

START_TEST(test_repeated_append_refused)
{
    struct merkle_frontier f;
    struct merkle_node again[2];
    unsigned char hash[H];
    uint64_t size;

    merkle_frontier_init(&f);
    for (unsigned i = 0; i < 3; i++) {
        struct append a = {.f = &f};

        leaf_of(a.leaf, i);
        ck_assert_int_eq(store_write(st, tx_append, &a), STORE_OK);
    }
    again[0] = (struct merkle_node){.level = 0, .index = 3};
    again[1] = (struct merkle_node){.level = 0, .index = 1};
    ck_assert_int_eq(store_write(st, tx_add_again, again), STORE_CONFLICT);
    ck_assert_int_eq(store_tlog_size(st, &size), STORE_OK);
    ck_assert_uint_eq(size, 3);
    ck_assert_int_eq(store_tlog_node(st, 0, 3, hash), STORE_NOT_FOUND);
}
END_TEST

START_TEST(test_table_is_append_only)
{
    struct merkle_frontier f;
    sqlite3 *db;
    char *msg = NULL;

    merkle_frontier_init(&f);
    for (unsigned i = 0; i < 2; i++) {
        struct append a = {.f = &f};

        leaf_of(a.leaf, i);
        ck_assert_int_eq(store_write(st, tx_append, &a), STORE_OK);
    }
    ck_assert_int_eq(sqlite3_open(db_path, &db), SQLITE_OK);
    ck_assert_int_ne(sqlite3_exec(db, "DELETE FROM tlog_nodes WHERE last_leaf = 1 AND level = 0",
                                  NULL, NULL, &msg),
                     SQLITE_OK);
    ck_assert_ptr_nonnull(strstr(msg, "append-only"));
    sqlite3_free(msg);
    ck_assert_int_ne(
        sqlite3_exec(db, "UPDATE tlog_nodes SET hash = zeroblob(32)", NULL, NULL, &msg), SQLITE_OK);
    sqlite3_free(msg);
    ck_assert_int_ne(
        sqlite3_exec(db, "INSERT INTO tlog_nodes VALUES (5, 0, zeroblob(31))", NULL, NULL, &msg),
        SQLITE_OK);
    sqlite3_free(msg);
    ck_assert_int_ne(
        sqlite3_exec(db, "INSERT INTO tlog_nodes VALUES (0, 63, zeroblob(32))", NULL, NULL, &msg),
        SQLITE_OK);
    sqlite3_free(msg);
    sqlite3_close(db);
}
END_TEST

static Suite *store_tlog_suite(void)
{
    Suite *s = suite_create("store_tlog");
    TCase *tc = tcase_create("nodes");

    tcase_set_timeout(tc, 60);
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_append_and_read_back);
    tcase_add_test(tc, test_repeated_append_refused);
    tcase_add_test(tc, test_table_is_append_only);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(store_tlog_suite());
    int failures;

    srunner_run_all(sr, CK_NORMAL);
    failures = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failures != 0;
}
