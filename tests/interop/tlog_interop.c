/*
 * The transparency log checked by an independent implementation: this
 * driver builds logs with our Merkle and note code, signs checkpoints with a
 * log key from a key directory, makes inclusion and consistency proofs in
 * the JSON the log serves, and has tests/interop/go/tlogcheck (Go's
 * golang.org/x/mod/sumdb/note and sumdb/tlog) verify them, and refuse
 * tampered copies.  Conversely, notes that Go signs with a key it made
 * open with our verifier.
 *
 * TLOGCHECK names the Go program (the meson test sets it).
 */
#include "merkle.h"
#include "note.h"
#include "support.h"

#include <check.h>
#include <fcntl.h>
#include <jansson.h>
#include <limits.h>
#include <sodium.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define H       MERKLE_HASH_LEN
#define ORIGIN  "shenbao.test/log"
#define MAX_LOG 300

static const char *tlogcheck;
static char *tmp;

/* ---- files and processes ------------------------------------------------- */

static void path_of(char out[PATH_MAX], const char *name)
{
    int n = snprintf(out, PATH_MAX, "%s/%s", tmp, name);

    ck_assert(n > 0 && n < PATH_MAX);
}

static void write_file(const char *name, const void *data, size_t len)
{
    char path[PATH_MAX];
    FILE *f;

    path_of(path, name);
    f = fopen(path, "wb");
    ck_assert_ptr_nonnull(f);
    ck_assert_uint_eq(fwrite(data, 1, len, f), len);
    ck_assert_int_eq(fclose(f), 0);
}

/* Reads a whole file; caller frees.  NUL-terminated, *len without it. */
static char *read_file(const char *name, size_t *len)
{
    char path[PATH_MAX];
    char *buf;
    long n;
    FILE *f;

    path_of(path, name);
    f = fopen(path, "rb");
    ck_assert_ptr_nonnull(f);
    ck_assert_int_eq(fseek(f, 0, SEEK_END), 0);
    n = ftell(f);
    ck_assert_int_ge(n, 0);
    rewind(f);
    buf = malloc((size_t)n + 1);
    ck_assert_ptr_nonnull(buf);
    ck_assert_uint_eq(fread(buf, 1, (size_t)n, f), (size_t)n);
    buf[n] = '\0';
    fclose(f);
    if (len != NULL)
        *len = (size_t)n;
    return buf;
}

/*
 * Runs tlogcheck with up to five arguments (file names under tmp, except
 * for "sign"'s key name); stdin from in_name, stdout to out_name (NULL:
 * /dev/null).  Returns its exit status.
 */
static int go(const char *cmd, const char *a1, const char *a2, const char *a3, const char *a4,
              const char *in_name, const char *out_name)
{
    char paths[4][PATH_MAX];
    const char *args[4] = {a1, a2, a3, a4};
    char *argv[7];
    int argc = 0, status;
    pid_t pid;

    argv[argc++] = (char *)tlogcheck;
    argv[argc++] = (char *)cmd;
    for (int i = 0; i < 4 && args[i] != NULL; i++) {
        if (strcmp(cmd, "sign") == 0 && i == 0) {
            argv[argc++] = (char *)args[i];
            continue;
        }
        path_of(paths[i], args[i]);
        argv[argc++] = paths[i];
    }
    argv[argc] = NULL;
    fflush(NULL);
    pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        char in[PATH_MAX], out[PATH_MAX];
        int fd;

        if (in_name != NULL) {
            path_of(in, in_name);
            fd = open(in, O_RDONLY);
        } else {
            fd = open("/dev/null", O_RDONLY);
        }
        if (fd < 0 || dup2(fd, 0) < 0)
            _exit(127);
        if (out_name != NULL) {
            path_of(out, out_name);
            fd = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        } else {
            fd = open("/dev/null", O_WRONLY);
        }
        if (fd < 0 || dup2(fd, 1) < 0)
            _exit(127);
        execv(tlogcheck, argv);
        _exit(127);
    }
    ck_assert_int_eq(waitpid(pid, &status, 0), pid);
    ck_assert_msg(WIFEXITED(status), "tlogcheck did not exit");
    ck_assert_msg(WEXITSTATUS(status) != 2 && WEXITSTATUS(status) != 127,
                  "tlogcheck %s: usage error or not run (%d)", cmd, WEXITSTATUS(status));
    return WEXITSTATUS(status);
}

static char *b64(const unsigned char *data, size_t len)
{
    size_t cap = sodium_base64_ENCODED_LEN(len, sodium_base64_VARIANT_ORIGINAL);
    char *out = malloc(cap);

    ck_assert_ptr_nonnull(out);
    sodium_bin2base64(out, cap, data, len, sodium_base64_VARIANT_ORIGINAL);
    return out;
}

static void write_json(const char *name, json_t *j)
{
    char *text = json_dumps(j, JSON_COMPACT);

    ck_assert_ptr_nonnull(text);
    write_file(name, text, strlen(text));
    free(text);
    json_decref(j);
}

static json_t *hashes_json(const unsigned char *hashes, size_t count)
{
    json_t *a = json_array();

    for (size_t i = 0; i < count; i++) {
        char *s = b64(hashes + i * H, H);

        ck_assert_int_eq(json_array_append_new(a, json_string(s)), 0);
        free(s);
    }
    return a;
}

/* ---- a log in memory, as the store keeps it ------------------------------ */

struct log {
    struct merkle_frontier f;
    unsigned char *nodes[MERKLE_MAX_LEVELS]; /* nodes[level][index * H] */
    unsigned char data[MAX_LOG][24];         /* each leaf's bytes */
    size_t data_len[MAX_LOG];
    uint64_t limit; /* reads stay below this size */
};

static int log_read(void *ctx, unsigned level, uint64_t index, unsigned char out[H])
{
    struct log *l = ctx;

    if (level >= 9 || ((index + 1) << level) > l->limit)
        return -1;
    memcpy(out, l->nodes[level] + index * H, H);
    return 0;
}

/* Leaf i's bytes: text, then bytes that are not text (0x00, 0xff...).
 * Leaf `forged` (unless negative) has its first byte changed: the log as
 * someone who rewrote history would recompute it. */
static void make_log(struct log *l, unsigned n, int forged)
{
    memset(l, 0, sizeof(*l));
    for (unsigned lv = 0; lv < 9; lv++) {
        l->nodes[lv] = calloc((MAX_LOG >> lv) + 1, H);
        ck_assert_ptr_nonnull(l->nodes[lv]);
    }
    for (unsigned i = 0; i < n; i++) {
        struct merkle_node nodes[MERKLE_MAX_LEVELS + 1];
        unsigned char leaf[H];
        size_t count;
        int len = snprintf((char *)l->data[i], sizeof(l->data[i]), "event %u", i);

        for (unsigned k = 0; k < i % 5; k++)
            l->data[i][len++] = (unsigned char)(i * 37 + k * 255);
        l->data_len[i] = (size_t)len;
        if (forged >= 0 && (unsigned)forged == i)
            l->data[i][0] ^= 1;
        merkle_leaf_hash(leaf, l->data[i], l->data_len[i]);
        ck_assert_int_eq(merkle_frontier_append(&l->f, leaf, nodes, &count), 0);
        for (size_t k = 0; k < count; k++)
            memcpy(l->nodes[nodes[k].level] + nodes[k].index * H, nodes[k].hash, H);
    }
    l->limit = n;
}

static void free_log(struct log *l)
{
    for (unsigned lv = 0; lv < 9; lv++)
        free(l->nodes[lv]);
}

static struct merkle_reader reader_of(struct log *l, uint64_t size)
{
    l->limit = size;
    return (struct merkle_reader){.read = log_read, .ctx = l};
}

/* ---- the log key ---------------------------------------------------------- */

static struct note_signer key;
static char *vkey;

static void setup(void)
{
    char dir[PATH_MAX], err[512];
    unsigned char pk[NOTE_PUBLIC_LEN];

    ck_assert_int_ge(sodium_init(), 0);
    tmp = support_tmpdir();
    path_of(dir, "keys");
    ck_assert_msg(note_keygen(dir, pk, err, sizeof(err)) == 0, "%s", err);
    ck_assert_msg(note_key_load(&key, dir, ORIGIN, err, sizeof(err)) == 0, "%s", err);
    vkey = note_verifier_key(ORIGIN, key.pk);
    ck_assert_ptr_nonnull(vkey);
    write_file("key", vkey, strlen(vkey));
}

static void teardown(void)
{
    note_signer_free(&key);
    free(vkey);
    support_rmtree(tmp);
    free(tmp);
    tmp = NULL;
}

/* Signs the checkpoint of the log's first n leaves (origin as given) with
 * k into file `name`. */
static void write_checkpoint(const char *name, struct log *l, uint64_t n, const char *origin,
                             const struct note_signer *k)
{
    struct merkle_reader r = reader_of(l, n);
    struct checkpoint c = {.origin = (char *)origin, .size = n};
    char *text, *msg;
    size_t len, msg_len;

    ck_assert_int_eq(merkle_root(c.root, n, &r), 0);
    text = checkpoint_format(&c, &len);
    ck_assert_ptr_nonnull(text);
    msg = note_sign(k, text, len, &msg_len);
    ck_assert_ptr_nonnull(msg);
    write_file(name, msg, msg_len);
    free(msg);
    free(text);
}

static void write_leaves(const char *name, struct log *l, uint64_t n, int change)
{
    json_t *a = json_array();

    for (uint64_t i = 0; i < n; i++) {
        unsigned char data[24];
        char *s;

        memcpy(data, l->data[i], l->data_len[i]);
        if (change >= 0 && (uint64_t)change == i)
            data[0] ^= 1;
        s = b64(data, l->data_len[i]);
        json_array_append_new(a, json_string(s));
        free(s);
    }
    write_json(name, json_pack("{s:o}", "leaves", a));
}

/* The contract's inclusion proof JSON for leaf i of the first n, saying it
 * is for leaf `claim`, with hash flip_hash changed (unless negative) and
 * the last one dropped when drop_last. */
static void write_inclusion(const char *name, struct log *l, uint64_t i, uint64_t n, uint64_t claim,
                            int flip_hash, int drop_last)
{
    unsigned char proof[MERKLE_MAX_PROOF * H];
    struct merkle_reader r = reader_of(l, n);
    size_t count;
    char *leaf;

    ck_assert_int_eq(merkle_inclusion_proof(proof, &count, i, n, &r), 0);
    if (flip_hash >= 0 && (size_t)flip_hash < count)
        proof[flip_hash * H + 7] ^= 0x20;
    if (drop_last && count > 0)
        count--;
    leaf = b64(l->nodes[0] + i * H, H);
    write_json(name,
               json_pack("{s:I,s:I,s:s,s:o}", "index", (json_int_t)claim, "size", (json_int_t)n,
                         "leaf_hash", leaf, "hashes", hashes_json(proof, count)));
    free(leaf);
}

static void write_consistency(const char *name, struct log *l, uint64_t m, uint64_t n,
                              int flip_hash)
{
    unsigned char proof[MERKLE_MAX_PROOF * H];
    struct merkle_reader r = reader_of(l, n);
    size_t count;

    ck_assert_int_eq(merkle_consistency_proof(proof, &count, m, n, &r), 0);
    /* flip_hash past the end changes the last hash. */
    if (flip_hash >= 0 && count > 0)
        proof[((size_t)flip_hash < count ? (size_t)flip_hash : count - 1) * H + 31] ^= 0x01;
    write_json(name, json_pack("{s:I,s:I,s:o}", "from", (json_int_t)m, "to", (json_int_t)n,
                               "hashes", hashes_json(proof, count)));
}

/* ---- our log, Go's verifier ---------------------------------------------- */

static const uint64_t sizes[] = {0, 1, 2, 3, 4, 5, 7, 8, 9, 16, 31, 64, 100, 255, 300};
#define NSIZES (sizeof(sizes) / sizeof(sizes[0]))

START_TEST(test_checkpoints_and_roots)
{
    struct log *l = malloc(sizeof(*l));
    struct note_signer other;
    unsigned char seed[NOTE_SEED_LEN];

    ck_assert_ptr_nonnull(l);
    make_log(l, MAX_LOG, -1);
    randombytes_buf(seed, sizeof(seed));
    ck_assert_int_eq(note_signer_from_seed(&other, ORIGIN, seed), 0);
    for (size_t s = 0; s < NSIZES; s++) {
        uint64_t n = sizes[s];
        char *cp, *out;

        write_checkpoint("cp", l, n, ORIGIN, &key);
        ck_assert_int_eq(go("checkpoint", "key", "cp", NULL, NULL, NULL, "out"), 0);
        /* Go reads the same size and root. */
        cp = read_file("cp", NULL);
        out = read_file("out", NULL);
        {
            char want[128];
            const char *root_line = strchr(strchr(cp, '\n') + 1, '\n') + 1;
            int len = (int)(strchr(root_line, '\n') - root_line);

            snprintf(want, sizeof(want), "%llu %.*s\n", (unsigned long long)n, len, root_line);
            ck_assert_str_eq(out, want);
        }
        free(cp);
        free(out);
        /* Go recomputes the root from the leaves' bytes. */
        write_leaves("leaves", l, n, -1);
        ck_assert_int_eq(go("tree", "key", "cp", "leaves", NULL, NULL, NULL), 0);
        if (n > 0) {
            write_leaves("leaves", l, n, (int)(n / 2));
            ck_assert_int_eq(go("tree", "key", "cp", "leaves", NULL, NULL, NULL), 1);
            write_leaves("leaves", l, n - 1, -1);
            ck_assert_int_eq(go("tree", "key", "cp", "leaves", NULL, NULL, NULL), 1);
        }
        /* Another key under the log's name; another origin. */
        write_checkpoint("cp", l, n, ORIGIN, &other);
        ck_assert_int_eq(go("checkpoint", "key", "cp", NULL, NULL, NULL, NULL), 1);
        write_checkpoint("cp", l, n, "other.test/log", &key);
        ck_assert_int_eq(go("checkpoint", "key", "cp", NULL, NULL, NULL, NULL), 1);
    }
    /* A checkpoint whose size line was edited after signing. */
    {
        size_t len;
        char *cp;

        write_checkpoint("cp", l, 64, ORIGIN, &key);
        cp = read_file("cp", &len);
        ck_assert_int_eq(go("checkpoint", "key", "cp", NULL, NULL, NULL, NULL), 0);
        cp[strlen(ORIGIN) + 1] = '5';
        write_file("cp", cp, len);
        ck_assert_int_eq(go("checkpoint", "key", "cp", NULL, NULL, NULL, NULL), 1);
        free(cp);
    }
    note_signer_free(&other);
    free_log(l);
    free(l);
}
END_TEST

START_TEST(test_inclusion_proofs)
{
    struct log *l = malloc(sizeof(*l));

    ck_assert_ptr_nonnull(l);
    make_log(l, MAX_LOG, -1);
    for (size_t s = 0; s < NSIZES; s++) {
        uint64_t n = sizes[s];

        if (n == 0)
            continue;
        write_checkpoint("cp", l, n, ORIGIN, &key);
        for (uint64_t i = 0; i < n; i += (n <= 9 ? 1 : n / 7 + 1)) {
            write_file("leaf", l->data[i], l->data_len[i]);
            write_inclusion("proof", l, i, n, i, -1, 0);
            ck_assert_msg(go("inclusion", "key", "cp", "proof", "leaf", NULL, NULL) == 0,
                          "inclusion of %llu in %llu", (unsigned long long)i,
                          (unsigned long long)n);
            if (n == 1)
                continue;
            /* Another leaf's bytes, a changed hash, a shortened proof, the
             * proof said to be another leaf's. */
            write_file("leaf", l->data[(i + 1) % n], l->data_len[(i + 1) % n]);
            ck_assert_int_eq(go("inclusion", "key", "cp", "proof", "leaf", NULL, NULL), 1);
            write_inclusion("proof", l, i, n, i, 0, 0);
            ck_assert_int_eq(go("inclusion", "key", "cp", "proof", NULL, NULL, NULL), 1);
            write_inclusion("proof", l, i, n, i, -1, 1);
            ck_assert_int_eq(go("inclusion", "key", "cp", "proof", NULL, NULL, NULL), 1);
            write_inclusion("proof", l, i, n, (i + 1) % n, -1, 0);
            ck_assert_int_eq(go("inclusion", "key", "cp", "proof", NULL, NULL, NULL), 1);
        }
        /* A proof for this size against the checkpoint of another. */
        if (n > 1) {
            write_inclusion("proof", l, 0, n - 1, 0, -1, 0);
            ck_assert_int_eq(go("inclusion", "key", "cp", "proof", NULL, NULL, NULL), 1);
        }
    }
    free_log(l);
    free(l);
}
END_TEST

START_TEST(test_consistency_proofs)
{
    struct log *l = malloc(sizeof(*l));

    ck_assert_ptr_nonnull(l);
    make_log(l, MAX_LOG, -1);
    for (size_t a = 0; a < NSIZES; a++)
        for (size_t b = a; b < NSIZES; b++) {
            uint64_t m = sizes[a], n = sizes[b];

            if (m == 0)
                continue;
            write_checkpoint("old", l, m, ORIGIN, &key);
            write_checkpoint("new", l, n, ORIGIN, &key);
            write_consistency("proof", l, m, n, -1);
            ck_assert_msg(go("consistency", "key", "old", "new", "proof", NULL, NULL) == 0,
                          "consistency %llu -> %llu", (unsigned long long)m, (unsigned long long)n);
            if (m == n)
                continue;
            write_consistency("proof", l, m, n, 0);
            ck_assert_int_eq(go("consistency", "key", "old", "new", "proof", NULL, NULL), 1);
            write_consistency("proof", l, m, n, MERKLE_MAX_PROOF);
            ck_assert_int_eq(go("consistency", "key", "old", "new", "proof", NULL, NULL), 1);
            /* The old checkpoint of a rewritten log: one leaf changed. */
            {
                struct log *forged = malloc(sizeof(*forged));

                ck_assert_ptr_nonnull(forged);
                make_log(forged, (unsigned)m, (int)(m / 2));
                write_checkpoint("old", forged, m, ORIGIN, &key);
                ck_assert_int_eq(go("consistency", "key", "old", "new", "proof", NULL, NULL), 1);
                free_log(forged);
                free(forged);
            }
        }
    free_log(l);
    free(l);
}
END_TEST

/* ---- Go's notes, our verifier ---------------------------------------------- */

START_TEST(test_go_signed_notes_open_here)
{
    struct log *l = malloc(sizeof(*l));
    struct note_verifier v, ours;
    struct checkpoint c;
    char *gokey, *msg;
    size_t len, text_len;
    const char *text = "Hello from C.\nA second line, and 申报.\n";

    ck_assert_ptr_nonnull(l);
    write_file("text", text, strlen(text));
    ck_assert_int_eq(go("sign", "go.test/key", "gokey", NULL, NULL, "text", "signed"), 0);
    gokey = read_file("gokey", NULL);
    *strchr(gokey, '\n') = '\0';
    ck_assert_int_eq(note_verifier_parse(&v, gokey), 0);
    ck_assert_str_eq(v.name, "go.test/key");
    msg = read_file("signed", &len);
    ck_assert_int_eq(note_open(msg, len, &v, &text_len), 0);
    ck_assert_uint_eq(text_len, strlen(text));
    ck_assert_mem_eq(msg, text, text_len);
    /* Our key does not open it; a changed text does not verify. */
    ck_assert_int_eq(note_verifier_parse(&ours, vkey), 0);
    ck_assert_int_eq(note_open(msg, len, &ours, NULL), -1);
    msg[0] = 'J';
    ck_assert_int_eq(note_open(msg, len, &v, NULL), -1);
    free(msg);
    note_verifier_release(&v);
    free(gokey);

    /* A checkpoint of our log signed by Go under the log's own name. */
    make_log(l, 37, -1);
    {
        struct merkle_reader r = reader_of(l, 37);
        struct checkpoint want = {.origin = ORIGIN, .size = 37};
        char *cp;

        ck_assert_int_eq(merkle_root(want.root, 37, &r), 0);
        cp = checkpoint_format(&want, &len);
        write_file("text", cp, len);
        free(cp);
        ck_assert_int_eq(go("sign", ORIGIN, "gokey", NULL, NULL, "text", "signed"), 0);
        gokey = read_file("gokey", NULL);
        *strchr(gokey, '\n') = '\0';
        ck_assert_int_eq(note_verifier_parse(&v, gokey), 0);
        msg = read_file("signed", &len);
        ck_assert_int_eq(checkpoint_open(&c, msg, len, &v), 0);
        ck_assert_uint_eq(c.size, 37);
        ck_assert_mem_eq(c.root, want.root, H);
        checkpoint_release(&c);
        /* Not by our log key, though it has the same name. */
        ck_assert_int_eq(checkpoint_open(&c, msg, len, &ours), -1);
        free(msg);
        free(gokey);
        note_verifier_release(&v);
    }
    note_verifier_release(&ours);
    free_log(l);
    free(l);
}
END_TEST

static Suite *interop_suite(void)
{
    Suite *s = suite_create("tlog-interop");
    TCase *tc = tcase_create("go");

    tcase_set_timeout(tc, 300);
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_checkpoints_and_roots);
    tcase_add_test(tc, test_inclusion_proofs);
    tcase_add_test(tc, test_consistency_proofs);
    tcase_add_test(tc, test_go_signed_notes_open_here);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr;
    int failures;

    tlogcheck = getenv("TLOGCHECK");
    if (tlogcheck == NULL || access(tlogcheck, X_OK) != 0) {
        fprintf(stderr, "TLOGCHECK must name the built tests/interop/go/tlogcheck\n");
        return 1;
    }
    if (sodium_init() < 0)
        return 1;
    sr = srunner_create(interop_suite());
    srunner_run_all(sr, CK_NORMAL);
    failures = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failures != 0;
}
