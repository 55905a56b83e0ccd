/*
 * Signed notes and checkpoints: the known answers of Go's
 * golang.org/x/mod/sumdb/note (the PeterNeumann key and note), the same
 * malformed keys and notes it refuses, tampering, the log key's file, and
 * the checkpoint text of c2sp.org/tlog-checkpoint.
 */
#include "note.h"
#include "support.h"

#include <check.h>
#include <fcntl.h>
#include <limits.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* From golang.org/x/mod/sumdb/note's tests and documentation. */
#define PETER_SKEY_DATA "AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz"
#define PETER_VKEY      "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"
#define ENOCH_VKEY      "EnochRoot+af0cfe78+ATtqJ7zOtqQtYqOo0CpvDXNlMhV3HeJDpjrASKGLWdop"
#define TEXT                                                                                       \
    "If you think cryptography is the answer to your problem,\n"                                   \
    "then you don't know what your problem is.\n"
#define PETER_SIG                                                                                  \
    "\xe2\x80\x94 PeterNeumann "                                                                   \
    "x08go/ZJkuBS9UG/"                                                                             \
    "SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n"
#define ENOCH_SIG                                                                                  \
    "\xe2\x80\x94 EnochRoot "                                                                      \
    "rwz+eBzmZa0SO3NbfRGzPCpDckykFXSdeX+MNtCOXm2/"                                                 \
    "5n2tiOHp+vAF1aGrQ5ovTG01oOTGwnWLox33WWd1RvMc+QQ=\n"

static char *tmp;

static void setup(void)
{
    ck_assert_int_ge(sodium_init(), 0);
    tmp = support_tmpdir();
}

static void teardown(void)
{
    support_rmtree(tmp);
    free(tmp);
    tmp = NULL;
}

static void peter_signer(struct note_signer *k)
{
    unsigned char raw[33];
    size_t len = 0;

    ck_assert_int_eq(sodium_base642bin(raw, sizeof(raw), PETER_SKEY_DATA, strlen(PETER_SKEY_DATA),
                                       NULL, &len, NULL, sodium_base64_VARIANT_ORIGINAL),
                     0);
    ck_assert_uint_eq(len, 33);
    ck_assert_uint_eq(raw[0], 1);
    ck_assert_int_eq(note_signer_from_seed(k, "PeterNeumann", raw + 1), 0);
}

static void parse_ok(struct note_verifier *v, const char *vkey)
{
    ck_assert_msg(note_verifier_parse(v, vkey) == 0, "refused %s", vkey);
}

/* Opens msg (a C string) against vkey; returns note_open's answer. */
static int open_with(const char *vkey, const char *msg, size_t *text_len)
{
    struct note_verifier v;
    int rc;

    parse_ok(&v, vkey);
    rc = note_open(msg, strlen(msg), &v, text_len);
    note_verifier_release(&v);
    return rc;
}

START_TEST(test_known_key_and_signature)
{
    struct note_signer k;
    struct note_verifier v;
    char *vkey, *msg;
    size_t len = 0;

    peter_signer(&k);
    ck_assert_uint_eq(k.id, 0xc74f20a3);
    vkey = note_verifier_key(k.name, k.pk);
    ck_assert_str_eq(vkey, PETER_VKEY);
    msg = note_sign(&k, TEXT, strlen(TEXT), &len);
    ck_assert_ptr_nonnull(msg);
    /* Ed25519 is deterministic: Go's note.Sign gives these very bytes. */
    ck_assert_str_eq(msg, TEXT "\n" PETER_SIG);
    ck_assert_uint_eq(len, strlen(msg));

    parse_ok(&v, PETER_VKEY);
    ck_assert_str_eq(v.name, "PeterNeumann");
    ck_assert_uint_eq(v.id, 0xc74f20a3);
    ck_assert_mem_eq(v.pk, k.pk, NOTE_PUBLIC_LEN);
    ck_assert_uint_eq(note_key_id("PeterNeumann", k.pk), 0xc74f20a3);
    note_verifier_release(&v);
    parse_ok(&v, ENOCH_VKEY);
    ck_assert_uint_eq(v.id, 0xaf0cfe78);
    note_verifier_release(&v);
    free(msg);
    free(vkey);
    note_signer_free(&k);
}
END_TEST

START_TEST(test_verifier_key_manglings)
{
    char b[sizeof(PETER_VKEY)];
    struct note_verifier v;
    size_t n = strlen(PETER_VKEY);

    /* Every proper substring (as Go's TestNewVerifier). */
    for (size_t i = 0; i <= n; i++)
        for (size_t j = i + 1; j <= n; j++) {
            if (i == 0 && j == n)
                continue;
            memcpy(b, PETER_VKEY + i, j - i);
            b[j - i] = '\0';
            ck_assert_msg(note_verifier_parse(&v, b) == -1, "accepted %s", b);
            ck_assert_ptr_null(v.name);
        }
    /* Every byte changed. */
    memcpy(b, PETER_VKEY, sizeof(b));
    for (size_t i = 0; i < n; i++) {
        b[i]++;
        ck_assert_msg(note_verifier_parse(&v, b) == -1, "accepted %s", b);
        b[i]--;
    }
    /* Key of the wrong length, unknown algorithm (each with its own id). */
    ck_assert_int_eq(note_verifier_parse(&v,
                                         "PeterNeumann+cc469956+"
                                         "ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TWBADKEY=="),
                     -1);
    ck_assert_int_eq(note_verifier_parse(
                         &v, "PeterNeumann+173116ae+ZRpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"),
                     -1);
    /* Upper-case hex is the same id. */
    parse_ok(&v, "PeterNeumann+C74F20A3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW");
    note_verifier_release(&v);
    note_verifier_release(&v);
}
END_TEST

START_TEST(test_open_known_notes)
{
    size_t text_len = 0;
    const char *both = TEXT "\n" PETER_SIG ENOCH_SIG;

    ck_assert_int_eq(open_with(PETER_VKEY, both, &text_len), 0);
    ck_assert_uint_eq(text_len, strlen(TEXT));
    ck_assert_int_eq(open_with(ENOCH_VKEY, both, &text_len), 0);
    ck_assert_int_eq(open_with(ENOCH_VKEY, TEXT "\n" PETER_SIG, NULL), -1);
    /* Repeated signatures, and one by Enoch's name and id that would not
     * verify: nothing to Peter's verifier. */
    ck_assert_int_eq(open_with(PETER_VKEY,
                               TEXT "\n" PETER_SIG PETER_SIG ENOCH_SIG ENOCH_SIG
                                    "\xe2\x80\x94 EnochRoot rwz+eBzmZa0SO3NbfRGzPCpDckykFXSdeX+MNtC"
                                    "OXm2/5nABCD2tiOHp+vAF1aGrQ5ovTG01oOTGwnWLox33WWd1RvMc+QQ=\n",
                               NULL),
                     0);
    /* Signatures of another length (another algorithm) are well formed. */
    ck_assert_int_eq(
        open_with(PETER_VKEY, TEXT "\n\xe2\x80\x94 witness AAAAAAAA\n" PETER_SIG, NULL), 0);
}
END_TEST

START_TEST(test_open_refuses)
{
    char *many;
    size_t sig_len = strlen(PETER_SIG), pos;
    const char *bad[] = {
        TEXT,
        TEXT "\n",
        TEXT "\n" PETER_SIG "x",
        "\x01" TEXT "\n" PETER_SIG,
        "\xff" TEXT "\n" PETER_SIG,
        "\xc0\xa0" TEXT "\n" PETER_SIG,
        "\xed\xa0\x80" TEXT "\n" PETER_SIG,
        "a\rb\n" TEXT "\n" PETER_SIG,
        TEXT "\n\xe2\x80\x94 Bad Name "
             "x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6Ry"
             "yBwJnAM=\n",
        TEXT "\n" PETER_SIG "Unexpected line.\n",
        TEXT "\n" PETER_SIG "\n",
        TEXT "\n- PeterNeumann "
             "x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6Ry"
             "yBwJnAM=\n",
        TEXT "\n\xe2\x80\x94 PeterNeumann\n",
        TEXT "\n\xe2\x80\x94 PeterNeumann \n",
        TEXT "\n\xe2\x80\x94 PeterNeumann AAAA\n",
        TEXT "\n\xe2\x80\x94 PeterNeumann AAAAAAA\n",
        TEXT "\n\xe2\x80\x94 PeterNeumann "
             "x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6Ry"
             "yBwJnAM\n",
        /* Signature by Peter's name and id that does not verify. */
        TEXT "\n\xe2\x80\x94 PeterNeumann "
             "x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6Ry"
             "yBwJnAA=\n",
        /* Only a signature by an unknown key. */
        TEXT "\n" ENOCH_SIG,
        "",
        "\n\n",
    };

    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        ck_assert_msg(open_with(PETER_VKEY, bad[i], NULL) == -1, "accepted bad note %zu", i);
    /* A valid one beside a bad one by the same key spoils the note. */
    ck_assert_int_eq(open_with(PETER_VKEY,
                               TEXT "\n" PETER_SIG "\xe2\x80\x94 PeterNeumann "
                                    "x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZ"
                                    "SNXgKvqfqdngotpRZb6KE6RyyBwJnAA=\n",
                               NULL),
                     -1);
    /* Too many signatures. */
    many = malloc(strlen(TEXT) + 1 + 101 * sig_len + 1);
    ck_assert_ptr_nonnull(many);
    pos = (size_t)snprintf(many, strlen(TEXT) + 2, "%s\n", TEXT);
    for (int i = 0; i < 100; i++, pos += sig_len)
        memcpy(many + pos, PETER_SIG, sig_len + 1);
    ck_assert_int_eq(open_with(PETER_VKEY, many, NULL), 0);
    memcpy(many + pos, PETER_SIG, sig_len + 1);
    ck_assert_int_eq(open_with(PETER_VKEY, many, NULL), -1);
    free(many);
}
END_TEST

START_TEST(test_tampered_text)
{
    char msg[] = TEXT "\n" PETER_SIG;

    for (size_t i = 0; i < strlen(TEXT); i++) {
        char saved = msg[i];

        /* Another printable character, or a newline for a letter. */
        msg[i] = saved == 'a' ? 'b' : 'a';
        ck_assert_msg(open_with(PETER_VKEY, msg, NULL) == -1, "accepted a change at %zu", i);
        msg[i] = saved;
    }
    ck_assert_int_eq(open_with(PETER_VKEY, msg, NULL), 0);
}
END_TEST

START_TEST(test_sign_refuses_non_note_text)
{
    struct note_signer k;
    size_t len;
    const char *bad[] = {"", "abc", "a\n\x01\n", "\xff\n", "a\tb\n", "a\r\n"};

    peter_signer(&k);
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        ck_assert_ptr_null(note_sign(&k, bad[i], strlen(bad[i]), &len));
    ck_assert_ptr_null(note_sign(&k, "a\0b\n", 4, &len));
    note_signer_free(&k);
}
END_TEST

START_TEST(test_names)
{
    static const char *const good[] = {"example.com/log", "PeterNeumann", "申报.beijing.gov.cn/log",
                                       "a"};
    static const char *const bad[] = {"",          "a+b",           "a b",           "a\tb",
                                      "a\xc2\xa0", "a\xe3\x80\x80", "a\xe2\x80\x89", "\xff",
                                      "a\x01",     "a\x7f"};

    for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++)
        ck_assert_msg(note_name_valid(good[i], strlen(good[i])), "%s", good[i]);
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        ck_assert_msg(!note_name_valid(bad[i], strlen(bad[i])), "accepted bad name %zu", i);
    {
        unsigned char pk[NOTE_PUBLIC_LEN] = {1};
        struct note_signer k;

        ck_assert_ptr_null(note_verifier_key("a b", pk));
        ck_assert_int_eq(note_signer_from_seed(&k, "a+b", pk), -1);
    }
}
END_TEST

START_TEST(test_round_trip_many_keys)
{
    for (int i = 0; i < 20; i++) {
        unsigned char seed[NOTE_SEED_LEN];
        struct note_signer k;
        struct note_verifier v;
        char name[32], *vkey, *msg;
        const char *text = "example.com/log\n42\n\nmore text after an empty line\n";
        size_t len, text_len;

        randombytes_buf(seed, sizeof(seed));
        snprintf(name, sizeof(name), "log%d.example", i);
        ck_assert_int_eq(note_signer_from_seed(&k, name, seed), 0);
        vkey = note_verifier_key(name, k.pk);
        parse_ok(&v, vkey);
        ck_assert_uint_eq(v.id, k.id);
        msg = note_sign(&k, text, strlen(text), &len);
        ck_assert_int_eq(note_open(msg, len, &v, &text_len), 0);
        ck_assert_uint_eq(text_len, strlen(text));
        ck_assert_mem_eq(msg, text, text_len);
        free(msg);
        free(vkey);
        note_verifier_release(&v);
        note_signer_free(&k);
    }
}
END_TEST

/* ---- the log key's file ---------------------------------------------------- */

static void key_path(char out[PATH_MAX], const char *dir)
{
    int n = snprintf(out, PATH_MAX, "%s/" NOTE_KEY_FILE, dir);

    ck_assert(n > 0 && n < PATH_MAX);
}

START_TEST(test_keygen_and_load)
{
    char dir[PATH_MAX], path[PATH_MAX], err[1024];
    unsigned char pk[NOTE_PUBLIC_LEN], pk2[NOTE_PUBLIC_LEN];
    struct note_signer k;
    struct note_verifier v;
    struct stat st;
    char *vkey, *msg;
    size_t len;

    snprintf(dir, sizeof(dir), "%s/keys", tmp);
    key_path(path, dir);
    ck_assert_msg(note_keygen(dir, pk, err, sizeof(err)) == 0, "%s", err);
    ck_assert_int_eq(stat(dir, &st), 0);
    ck_assert_uint_eq(st.st_mode & 07777, 0700);
    ck_assert_int_eq(stat(path, &st), 0);
    ck_assert_uint_eq(st.st_mode & 07777, 0600);
    ck_assert_int_eq(st.st_size, NOTE_SECRET_LEN);
    /* Never overwritten. */
    ck_assert_int_eq(note_keygen(dir, pk2, err, sizeof(err)), -1);
    ck_assert_msg(strstr(err, "cannot create log key") != NULL, "%s", err);

    ck_assert_msg(note_key_load(&k, dir, "shenbao.example/log", err, sizeof(err)) == 0, "%s", err);
    ck_assert_mem_eq(k.pk, pk, NOTE_PUBLIC_LEN);
    ck_assert_str_eq(k.name, "shenbao.example/log");
    vkey = note_verifier_key(k.name, pk);
    parse_ok(&v, vkey);
    msg = note_sign(&k, "hello\n", 6, &len);
    ck_assert_int_eq(note_open(msg, len, &v, NULL), 0);
    free(msg);
    free(vkey);
    note_verifier_release(&v);
    note_signer_free(&k);
    ck_assert_ptr_null(k.sk);
    note_signer_free(&k);

    ck_assert_int_eq(note_key_load(&k, dir, "bad name", err, sizeof(err)), -1);
    ck_assert_msg(strstr(err, "cannot name the log key") != NULL, "%s", err);
}
END_TEST

START_TEST(test_load_refuses)
{
    char dir[PATH_MAX], path[PATH_MAX], err[1024], want[2 * PATH_MAX + 128];
    int n;
    unsigned char pk[NOTE_PUBLIC_LEN], sk[NOTE_SECRET_LEN];
    struct note_signer k;
    int fd;

    snprintf(dir, sizeof(dir), "%s/keys", tmp);
    key_path(path, dir);
    ck_assert_int_eq(note_key_load(&k, dir, "log", err, sizeof(err)), -1);
    n = snprintf(want, sizeof(want), "no log key " NOTE_KEY_FILE " in %s", dir);
    ck_assert(n > 0 && (size_t)n < sizeof(want));
    ck_assert_str_eq(err, want);

    ck_assert_msg(note_keygen(dir, pk, err, sizeof(err)) == 0, "%s", err);
    ck_assert_int_eq(chmod(path, 0640), 0);
    ck_assert_int_eq(note_key_load(&k, dir, "log", err, sizeof(err)), -1);
    n = snprintf(want, sizeof(want),
                 "log key %s is accessible to others (mode 0640); run: chmod 600 %s", path, path);
    ck_assert(n > 0 && (size_t)n < sizeof(want));
    ck_assert_str_eq(err, want);
    ck_assert_ptr_null(k.sk);
    ck_assert_int_eq(chmod(path, 0600), 0);
    ck_assert_int_eq(chmod(dir, 0750), 0);
    ck_assert_int_eq(note_key_load(&k, dir, "log", err, sizeof(err)), -1);
    ck_assert_msg(strstr(err, "key directory") != NULL, "%s", err);
    ck_assert_int_eq(chmod(dir, 0700), 0);

    /* A public half that is not the seed's. */
    fd = open(path, O_RDWR);
    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(read(fd, sk, sizeof(sk)), (ssize_t)sizeof(sk));
    sk[NOTE_SECRET_LEN - 1] ^= 1;
    ck_assert_int_eq(pwrite(fd, sk, sizeof(sk), 0), (ssize_t)sizeof(sk));
    close(fd);
    ck_assert_int_eq(note_key_load(&k, dir, "log", err, sizeof(err)), -1);
    ck_assert_msg(strstr(err, "is damaged") != NULL, "%s", err);

    /* A wrong size, and a symbolic link. */
    ck_assert_int_eq(truncate(path, 32), 0);
    ck_assert_int_eq(note_key_load(&k, dir, "log", err, sizeof(err)), -1);
    ck_assert_msg(strstr(err, "must hold exactly 64 bytes, not 32") != NULL, "%s", err);
    ck_assert_int_eq(unlink(path), 0);
    ck_assert_int_eq(symlink("/etc/passwd", path), 0);
    ck_assert_int_eq(note_key_load(&k, dir, "log", err, sizeof(err)), -1);
    ck_assert_msg(strstr(err, "symbolic link") != NULL, "%s", err);
}
END_TEST

/* ---- checkpoints ----------------------------------------------------------- */

/* c2sp.org/tlog-checkpoint's example. */
#define SPEC_CHECKPOINT                                                                            \
    "example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n"

START_TEST(test_checkpoint_parse_and_format)
{
    struct checkpoint c;
    char *text;
    size_t len;

    ck_assert_int_eq(checkpoint_parse(&c, SPEC_CHECKPOINT, strlen(SPEC_CHECKPOINT)), 0);
    ck_assert_str_eq(c.origin, "example.com/behind-the-sofa");
    ck_assert_uint_eq(c.size, 20852163);
    ck_assert_uint_eq(c.root[0], 0x0a);
    ck_assert_ptr_null(c.extensions);
    text = checkpoint_format(&c, &len);
    ck_assert_str_eq(text, SPEC_CHECKPOINT);
    ck_assert_uint_eq(len, strlen(SPEC_CHECKPOINT));
    free(text);
    checkpoint_release(&c);

    {
        const char *with_ext = SPEC_CHECKPOINT "ext one\n— ext two\n";

        ck_assert_int_eq(checkpoint_parse(&c, with_ext, strlen(with_ext)), 0);
        ck_assert_str_eq(c.extensions, "ext one\n— ext two\n");
        text = checkpoint_format(&c, NULL);
        ck_assert_str_eq(text, with_ext);
        free(text);
        checkpoint_release(&c);
    }
    {
        const char *empty = "log\n0\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n";

        ck_assert_int_eq(checkpoint_parse(&c, empty, strlen(empty)), 0);
        ck_assert_uint_eq(c.size, 0);
        checkpoint_release(&c);
    }
    {
        const char *max =
            "log\n9223372036854775807\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n";

        ck_assert_int_eq(checkpoint_parse(&c, max, strlen(max)), 0);
        ck_assert_uint_eq(c.size, INT64_MAX);
        checkpoint_release(&c);
    }
}
END_TEST

START_TEST(test_checkpoint_refuses)
{
#define R "\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n"
    static const char *const bad[] = {
        "",
        "log\n1\n",
        "log\n1" R "x",
        "\n1" R,
        "log\n01" R,
        "log\n-1" R,
        "log\n+1" R,
        "log\n 1" R,
        "log\n" R,
        "log\n9223372036854775808" R,
        "log\n99999999999999999999" R,
        "log\n1\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU\n",
        "log\n1\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFV=\n",
        "log\n1\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuA==\n",
        "log\n1\n47DEQpj8HBSa-_TImW-5JCeuQeRkm5NMpJWZG3hSuFU=\n",
        "log\n1" R "\n",
        "log\n1" R "ext\n\n",
        "log\n1" R "ext",
        "lo\x01g\n1" R,
    };
#undef R
    struct checkpoint c;

    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        ck_assert_msg(checkpoint_parse(&c, bad[i], strlen(bad[i])) == -1, "accepted %zu", i);
        ck_assert_ptr_null(c.origin);
    }

    memset(&c, 0, sizeof(c));
    c.origin = "";
    ck_assert_ptr_null(checkpoint_format(&c, NULL));
    c.origin = "a\nb";
    ck_assert_ptr_null(checkpoint_format(&c, NULL));
    c.origin = "log";
    c.size = (uint64_t)INT64_MAX + 1;
    ck_assert_ptr_null(checkpoint_format(&c, NULL));
    c.size = 1;
    c.extensions = "no newline";
    ck_assert_ptr_null(checkpoint_format(&c, NULL));
    c.extensions = "a\n\nb\n";
    ck_assert_ptr_null(checkpoint_format(&c, NULL));
    c.extensions = "\n";
    ck_assert_ptr_null(checkpoint_format(&c, NULL));
}
END_TEST

START_TEST(test_checkpoint_open)
{
    struct note_signer k, other;
    struct note_verifier v;
    struct checkpoint c = {.origin = "shenbao.example/log", .size = 7}, got;
    unsigned char seed[NOTE_SEED_LEN] = {7};
    char *text, *msg, *vkey;
    size_t len, msg_len;

    memset(c.root, 0xab, sizeof(c.root));
    ck_assert_int_eq(note_signer_from_seed(&k, "shenbao.example/log", seed), 0);
    text = checkpoint_format(&c, &len);
    msg = note_sign(&k, text, len, &msg_len);
    vkey = note_verifier_key(k.name, k.pk);
    parse_ok(&v, vkey);
    ck_assert_int_eq(checkpoint_open(&got, msg, msg_len, &v), 0);
    ck_assert_str_eq(got.origin, c.origin);
    ck_assert_uint_eq(got.size, 7);
    ck_assert_mem_eq(got.root, c.root, sizeof(c.root));
    checkpoint_release(&got);
    free(msg);

    /* Signed by the right key under another origin. */
    free(text);
    c.origin = "other.example/log";
    text = checkpoint_format(&c, &len);
    msg = note_sign(&k, text, len, &msg_len);
    ck_assert_int_eq(checkpoint_open(&got, msg, msg_len, &v), -1);
    ck_assert_ptr_null(got.origin);
    free(msg);

    /* The right origin signed by another key under the log's name. */
    free(text);
    c.origin = "shenbao.example/log";
    seed[0] = 8;
    ck_assert_int_eq(note_signer_from_seed(&other, "shenbao.example/log", seed), 0);
    text = checkpoint_format(&c, &len);
    msg = note_sign(&other, text, len, &msg_len);
    ck_assert_int_eq(checkpoint_open(&got, msg, msg_len, &v), -1);
    free(msg);

    free(text);
    free(vkey);
    note_verifier_release(&v);
    note_signer_free(&k);
    note_signer_free(&other);
}
END_TEST

static Suite *note_suite(void)
{
    Suite *s = suite_create("note");
    TCase *notes = tcase_create("notes");
    TCase *keys = tcase_create("keys");
    TCase *cps = tcase_create("checkpoints");

    tcase_add_test(notes, test_known_key_and_signature);
    tcase_add_test(notes, test_verifier_key_manglings);
    tcase_add_test(notes, test_open_known_notes);
    tcase_add_test(notes, test_open_refuses);
    tcase_add_test(notes, test_tampered_text);
    tcase_add_test(notes, test_sign_refuses_non_note_text);
    tcase_add_test(notes, test_names);
    tcase_add_test(notes, test_round_trip_many_keys);
    suite_add_tcase(s, notes);

    tcase_add_checked_fixture(keys, setup, teardown);
    tcase_add_test(keys, test_keygen_and_load);
    tcase_add_test(keys, test_load_refuses);
    suite_add_tcase(s, keys);

    tcase_add_test(cps, test_checkpoint_parse_and_format);
    tcase_add_test(cps, test_checkpoint_refuses);
    tcase_add_test(cps, test_checkpoint_open);
    suite_add_tcase(s, cps);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(note_suite());
    int failures;

    if (sodium_init() < 0)
        return 1;
    srunner_run_all(sr, CK_NORMAL);
    failures = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failures != 0;
}
