/*
 * Bodies received into a file: a nameless temporary file, written piece by
 * piece as libmicrohttpd hands the body over, hashed on the way (http.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "http.h"
#include "log.h"

struct upload {
    int fd;
    int64_t limit;
    int64_t bytes;
    crypto_hash_sha256_state sha;
    unsigned char sha256[32];
    bool too_large; /* more than limit arrived: the rest is discarded */
    bool failed;    /* the file could not be written */
    bool finished;
};

/* The directory files are received in. */
static const char *upload_dir(const struct config *cfg)
{
    if (cfg->upload_dir[0])
        return cfg->upload_dir;
    const char *tmp = getenv("TMPDIR");
    return tmp && tmp[0] ? tmp : "/tmp";
}

/* A file with no name in dir, open for reading and writing; -1 on failure.
 * O_TMPFILE makes it nameless from the start; where the file system does
 * not have it, a file made with mkstemp() loses its name at once. */
static int nameless_file(const char *dir)
{
    int fd = open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
    if (fd >= 0 || (errno != EOPNOTSUPP && errno != EISDIR && errno != EINVAL))
        return fd;
    char path[4200];
    if (snprintf(path, sizeof path, "%s/shenbao-upload-XXXXXX", dir) >= (int)sizeof path) {
        errno = ENAMETOOLONG;
        return -1;
    }
    fd = mkostemp(path, O_CLOEXEC);
    if (fd >= 0 && unlink(path) != 0) {
        int e = errno;
        close(fd);
        unlink(path);
        errno = e;
        return -1;
    }
    return fd;
}

int request_take_file(struct request *r, int64_t limit)
{
    struct upload *u = calloc(1, sizeof *u);
    if (!u)
        return -1;
    u->fd = nameless_file(upload_dir(r->cfg));
    if (u->fd < 0) {
        log_json(LOG_ERROR, "cannot make a file to receive an upload in",
                 json_pack("{s:s, s:s}", "dir", upload_dir(r->cfg), "error", strerror(errno)));
        free(u);
        return -1;
    }
    u->limit = limit;
    crypto_hash_sha256_init(&u->sha);
    upload_free(r->upload);
    r->upload = u;
    return 0;
}

int upload_write(struct upload *u, const char *data, size_t len)
{
    if (u->too_large || u->failed)
        return 0; /* discarded; answered when the body has arrived */
    if ((uint64_t)u->bytes + len > (uint64_t)u->limit) {
        u->too_large = true;
        return 0;
    }
    crypto_hash_sha256_update(&u->sha, (const unsigned char *)data, len);
    while (len > 0) {
        ssize_t n = write(u->fd, data, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            log_json(LOG_ERROR, "cannot write an upload's file",
                     json_pack("{s:s}", "error", n < 0 ? strerror(errno) : "no progress"));
            u->failed = true;
            return -1;
        }
        data += n;
        len -= (size_t)n;
        u->bytes += n;
    }
    return 0;
}

void upload_finish(struct upload *u)
{
    if (!u->finished)
        crypto_hash_sha256_final(&u->sha, u->sha256);
    u->finished = true;
}

bool upload_too_large(const struct upload *u)
{
    return u->too_large;
}

bool upload_failed(const struct upload *u)
{
    return u->failed;
}

int64_t upload_limit(const struct upload *u)
{
    return u->limit;
}

void upload_free(struct upload *u)
{
    if (!u)
        return;
    if (u->fd >= 0)
        close(u->fd);
    free(u);
}

bool request_upload(const struct request *r, struct upload_info *out)
{
    const struct upload *u = r->upload;
    if (!u || !u->finished || u->too_large || u->failed)
        return false;
    out->fd = u->fd;
    out->bytes = u->bytes;
    memcpy(out->sha256, u->sha256, sizeof out->sha256);
    return true;
}
