/*
 * Bearer tokens.  The server stores only a keyed hash of each token, so a
 * copy of the database alone does not let anyone sign in; the key lives in a
 * separate file that must be private to the server's user.
 */
#include "token.h"

#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define TOKEN_PREFIX_LEN (sizeof(TOKEN_PREFIX) - 1)
#define TOKEN_RAW_BYTES  32
/* sodium_base64_ENCODED_LEN counts the terminating NUL. */
#define TOKEN_BASE64_LEN                                                                           \
    (sodium_base64_ENCODED_LEN(TOKEN_RAW_BYTES, sodium_base64_VARIANT_URLSAFE_NO_PADDING) - 1)

_Static_assert(TOKEN_KEY_LEN == crypto_generichash_KEYBYTES, "token key is a generichash key");
_Static_assert(TOKEN_HASH_BYTES == crypto_generichash_BYTES, "token hash is a generichash hash");
_Static_assert(TOKEN_TEXT_LEN == TOKEN_PREFIX_LEN + TOKEN_BASE64_LEN,
               "token text is the prefix and unpadded base64url of the raw bytes");

/* sodium_init() is idempotent and cheap once done; calling it here spares
 * every caller from having to remember it.  Without a working random source
 * no token can be made safely, so failure ends the process. */
static void token_sodium_init(void)
{
    if (sodium_init() < 0) {
        fputs("libsodium could not be initialised\n", stderr);
        abort();
    }
}

/* Creates the parent directory of path, private to the server's user, when
 * it is missing.  Only the last component is created: a missing grandparent
 * is more likely a mistyped path than something to build. */
static int make_parent_dir(const char *path, char *err, size_t errlen)
{
    char dir[4096];
    const char *slash = strrchr(path, '/');
    size_t len;

    if (slash == NULL || slash == path)
        return 0;
    len = (size_t)(slash - path);
    if (len >= sizeof(dir)) {
        snprintf(err, errlen, "%s: path too long", path);
        return -1;
    }
    memcpy(dir, path, len);
    dir[len] = '\0';
    if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
        snprintf(err, errlen, "cannot create directory %s: %s", dir, strerror(errno));
        return -1;
    }
    return 0;
}

/* Writes all of buf to fd, retrying short writes and interruptions. */
static int write_all(int fd, const unsigned char *buf, size_t len)
{
    while (len > 0) {
        ssize_t n = write(fd, buf, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return -1;
        buf += n;
        len -= (size_t)n;
    }
    return 0;
}

/* Creates a new key file.  Returns 0, -1 on error, or 1 when another process
 * created the file first (the caller then reads that one). */
static int create_key(unsigned char key[TOKEN_KEY_LEN], const char *path, char *err, size_t errlen)
{
    int fd = -1;
    int ret = -1;

    if (make_parent_dir(path, err, errlen) != 0)
        goto out;
    fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0) {
        if (errno == EEXIST)
            ret = 1;
        else
            snprintf(err, errlen, "cannot create key file %s: %s", path, strerror(errno));
        goto out;
    }
    randombytes_buf(key, TOKEN_KEY_LEN);
    if (write_all(fd, key, TOKEN_KEY_LEN) != 0 || fsync(fd) != 0) {
        snprintf(err, errlen, "cannot write key file %s: %s", path, strerror(errno));
        /* A short key file would be refused at every later start. */
        unlink(path);
        goto out;
    }
    ret = 0;
out:
    if (fd >= 0 && close(fd) != 0 && ret == 0) {
        snprintf(err, errlen, "cannot write key file %s: %s", path, strerror(errno));
        unlink(path);
        ret = -1;
    }
    if (ret != 0)
        sodium_memzero(key, TOKEN_KEY_LEN);
    return ret;
}

/* Reads an existing key file.  Returns 0, -1 on error, or 1 when the file
 * does not exist. */
static int read_key(unsigned char key[TOKEN_KEY_LEN], const char *path, char *err, size_t errlen)
{
    unsigned char buf[TOKEN_KEY_LEN + 1];
    size_t got = 0;
    struct stat st;
    int fd;
    int ret = -1;

    fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) {
        if (errno == ENOENT)
            ret = 1;
        else if (errno == ELOOP)
            snprintf(err, errlen, "key file %s is a symbolic link; refusing it", path);
        else
            snprintf(err, errlen, "cannot open key file %s: %s", path, strerror(errno));
        goto out;
    }
    if (fstat(fd, &st) != 0) {
        snprintf(err, errlen, "cannot stat key file %s: %s", path, strerror(errno));
        goto out;
    }
    if (!S_ISREG(st.st_mode)) {
        snprintf(err, errlen, "key file %s is not a regular file", path);
        goto out;
    }
    if ((st.st_mode & 077) != 0) {
        snprintf(err, errlen, "key file %s is open to group or others (mode %03o); chmod 600 %s",
                 path, (unsigned)(st.st_mode & 0777), path);
        goto out;
    }
    /* Read one byte more than needed so that a longer file is noticed even
     * if it grew after fstat. */
    while (got < sizeof(buf)) {
        ssize_t n = read(fd, buf + got, sizeof(buf) - got);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            snprintf(err, errlen, "cannot read key file %s: %s", path, strerror(errno));
            goto out;
        }
        if (n == 0)
            break;
        got += (size_t)n;
    }
    if (got != TOKEN_KEY_LEN) {
        snprintf(err, errlen, "key file %s must hold exactly %d bytes", path, TOKEN_KEY_LEN);
        goto out;
    }
    memcpy(key, buf, TOKEN_KEY_LEN);
    ret = 0;
out:
    if (fd >= 0)
        close(fd);
    sodium_memzero(buf, sizeof(buf));
    return ret;
}

int token_key_read(unsigned char out_key[TOKEN_KEY_LEN], const char *path, char *err, size_t errlen)
{
    int ret;

    assert(out_key != NULL && path != NULL);
    token_sodium_init();
    ret = read_key(out_key, path, err, errlen);
    if (ret != 0)
        sodium_memzero(out_key, TOKEN_KEY_LEN);
    return ret;
}

int token_key_load(unsigned char out_key[TOKEN_KEY_LEN], const char *path, char *err, size_t errlen)
{
    int ret;

    assert(out_key != NULL && path != NULL);
    token_sodium_init();
    ret = read_key(out_key, path, err, errlen);
    if (ret == 1) {
        ret = create_key(out_key, path, err, errlen);
        /* Lost a race with another process creating the same file. */
        if (ret == 1)
            ret = read_key(out_key, path, err, errlen);
    }
    if (ret == 1)
        snprintf(err, errlen, "key file %s vanished while being read", path);
    if (ret != 0) {
        sodium_memzero(out_key, TOKEN_KEY_LEN);
        return -1;
    }
    return 0;
}

void token_key_fingerprint(char *out, const unsigned char key[TOKEN_KEY_LEN])
{
    /* A fixed text of its own, so the fingerprint is no token's hash. */
    static const char context[] = "shenbao token key fingerprint v1";
    unsigned char h[TOKEN_FINGERPRINT_LEN / 2];

    assert(out != NULL && key != NULL);
    token_sodium_init();
    crypto_generichash(h, sizeof(h), (const unsigned char *)context, sizeof(context) - 1, key,
                       TOKEN_KEY_LEN);
    sodium_bin2hex(out, TOKEN_FINGERPRINT_LEN + 1, h, sizeof(h));
}

void token_new(char *out_text, unsigned char out_hash[TOKEN_HASH_BYTES],
               const unsigned char key[TOKEN_KEY_LEN])
{
    unsigned char raw[TOKEN_RAW_BYTES];

    assert(out_text != NULL && out_hash != NULL && key != NULL);
    token_sodium_init();
    randombytes_buf(raw, sizeof(raw));
    memcpy(out_text, TOKEN_PREFIX, TOKEN_PREFIX_LEN);
    sodium_bin2base64(out_text + TOKEN_PREFIX_LEN, TOKEN_TEXT_LEN + 1 - TOKEN_PREFIX_LEN, raw,
                      sizeof(raw), sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    sodium_memzero(raw, sizeof(raw));
    crypto_generichash(out_hash, TOKEN_HASH_BYTES, (const unsigned char *)out_text, TOKEN_TEXT_LEN,
                       key, TOKEN_KEY_LEN);
}

int token_hash(unsigned char out_hash[TOKEN_HASH_BYTES], const char *text,
               const unsigned char key[TOKEN_KEY_LEN])
{
    unsigned char raw[TOKEN_RAW_BYTES];
    size_t raw_len = 0;
    int ret = -1;

    assert(out_hash != NULL && key != NULL);
    token_sodium_init();
    if (text == NULL || strnlen(text, TOKEN_TEXT_LEN + 1) != TOKEN_TEXT_LEN ||
        memcmp(text, TOKEN_PREFIX, TOKEN_PREFIX_LEN) != 0)
        goto out;
    /* Decoding checks the alphabet and that the unused low bits of the last
     * character are zero, so each token has exactly one spelling. */
    if (sodium_base642bin(raw, sizeof(raw), text + TOKEN_PREFIX_LEN, TOKEN_BASE64_LEN, NULL,
                          &raw_len, NULL, sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0 ||
        raw_len != sizeof(raw))
        goto out;
    crypto_generichash(out_hash, TOKEN_HASH_BYTES, (const unsigned char *)text, TOKEN_TEXT_LEN, key,
                       TOKEN_KEY_LEN);
    ret = 0;
out:
    sodium_memzero(raw, sizeof(raw));
    return ret;
}
