/*
 * Secret key files: creation and loading with the key directory's rules.
 */
#include "keyfile.h"

#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

const char *keyfile_dir_slash(const char *dir)
{
    size_t n = strlen(dir);

    return n > 0 && dir[n - 1] == '/' ? "" : "/";
}

/*
 * Opens the key directory and checks that only its owner may enter it.
 * Returns the descriptor or -1; errno is ENOENT (and err empty) when dir is
 * missing.
 */
static int open_key_dir(const char *dir, char *err, size_t errlen)
{
    struct stat st;
    int fd;

    fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) {
        int saved = errno;

        if (saved == ENOTDIR)
            snprintf(err, errlen, "key directory %s is not a directory", dir);
        else if (saved != ENOENT)
            snprintf(err, errlen, "cannot open key directory %s: %s", dir, strerror(saved));
        errno = saved;
        return -1;
    }
    if (fstat(fd, &st) != 0) {
        snprintf(err, errlen, "cannot stat key directory %s: %s", dir, strerror(errno));
        goto fail;
    }
    if ((st.st_mode & 077) != 0) {
        snprintf(err, errlen,
                 "key directory %s%s is accessible to others (mode %04o); run: chmod 700 %s%s", dir,
                 keyfile_dir_slash(dir), (unsigned)(st.st_mode & 07777), dir,
                 keyfile_dir_slash(dir));
        goto fail;
    }
    return fd;
fail:
    close(fd);
    errno = EACCES;
    return -1;
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

/* Reads up to len bytes, stopping early only at end of file.  Returns the
 * count read, or -1. */
static ssize_t read_full(int fd, unsigned char *buf, size_t len)
{
    size_t got = 0;

    while (got < len) {
        ssize_t n = read(fd, buf + got, len - got);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return -1;
        if (n == 0)
            break;
        got += (size_t)n;
    }
    return (ssize_t)got;
}

int keyfile_create(const char *dir, const char *name, const unsigned char *secret, size_t len,
                   const char *what, char *err, size_t errlen)
{
    const char *slash;
    int dfd = -1;
    int fd = -1;
    int created = 0;
    int closed;
    int ret = -1;

    assert(dir != NULL && name != NULL && secret != NULL && what != NULL && err != NULL);
    err[0] = '\0';
    slash = keyfile_dir_slash(dir);
    dfd = open_key_dir(dir, err, errlen);
    if (dfd < 0 && errno == ENOENT) {
        /* Only the last component is made: a missing parent is more likely
         * a mistyped path than something to build. */
        if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
            int saved = errno;

            snprintf(err, errlen, "cannot create key directory %s: %s%s", dir, strerror(saved),
                     saved == ENOENT ? " (its parent directory must exist)" : "");
            goto out;
        }
        dfd = open_key_dir(dir, err, errlen);
        if (dfd < 0 && err[0] == '\0')
            snprintf(err, errlen, "cannot open key directory %s: %s", dir, strerror(errno));
    }
    if (dfd < 0)
        goto out;

    fd = openat(dfd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0) {
        snprintf(err, errlen, "cannot create %s %s%s%s: %s", what, dir, slash, name,
                 strerror(errno));
        goto out;
    }
    created = 1;
    /* Both fsyncs: a key whose public half is published must survive a
     * crash, file contents and directory entry alike. */
    if (write_all(fd, secret, len) != 0 || fsync(fd) != 0) {
        snprintf(err, errlen, "cannot write %s %s%s%s: %s", what, dir, slash, name,
                 strerror(errno));
        goto out;
    }
    closed = close(fd);
    fd = -1;
    if (closed != 0) {
        snprintf(err, errlen, "cannot write %s %s%s%s: %s", what, dir, slash, name,
                 strerror(errno));
        goto out;
    }
    if (fsync(dfd) != 0) {
        snprintf(err, errlen, "cannot sync key directory %s: %s", dir, strerror(errno));
        goto out;
    }
    ret = 0;
out:
    if (fd >= 0)
        close(fd);
    /* A partial key file would be refused at every later load. */
    if (ret != 0 && created)
        unlinkat(dfd, name, 0);
    if (dfd >= 0)
        close(dfd);
    return ret;
}

unsigned char *keyfile_load(const char *dir, const char *name, size_t len, const char *what,
                            const char *id, char *err, size_t errlen)
{
    unsigned char *secret = NULL;
    unsigned char extra;
    const char *slash;
    struct stat st;
    ssize_t got;
    int dfd = -1;
    int fd = -1;
    int ok = 0;

    assert(dir != NULL && name != NULL && what != NULL && id != NULL && err != NULL);
    err[0] = '\0';
    slash = keyfile_dir_slash(dir);
    dfd = open_key_dir(dir, err, errlen);
    if (dfd < 0)
        goto out;
    /* O_NONBLOCK so that a FIFO planted under the key's name cannot stall
     * the open; it changes nothing for a regular file. */
    fd = openat(dfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) {
        /* A missing file leaves err empty: the caller says how to make one. */
        if (errno == ELOOP)
            snprintf(err, errlen, "%s %s%s%s is a symbolic link; refusing it", what, dir, slash,
                     name);
        else if (errno != ENOENT)
            snprintf(err, errlen, "cannot open %s %s%s%s: %s", what, dir, slash, name,
                     strerror(errno));
        goto out;
    }
    if (fstat(fd, &st) != 0) {
        snprintf(err, errlen, "cannot stat %s %s%s%s: %s", what, dir, slash, name, strerror(errno));
        goto out;
    }
    if (!S_ISREG(st.st_mode)) {
        snprintf(err, errlen, "%s %s%s%s is not a regular file", what, dir, slash, name);
        goto out;
    }
    if ((st.st_mode & 077) != 0) {
        snprintf(err, errlen,
                 "%s %s%s%s is accessible to others (mode %04o); run: chmod 600 %s%s%s", what, dir,
                 slash, name, (unsigned)(st.st_mode & 07777), dir, slash, name);
        goto out;
    }
    if (st.st_size < 0 || (unsigned long long)st.st_size != len) {
        snprintf(err, errlen, "%s %s%s%s must hold exactly %zu bytes, not %lld", what, dir, slash,
                 name, len, (long long)st.st_size);
        goto out;
    }
    secret = sodium_malloc(len);
    if (secret == NULL) {
        snprintf(err, errlen, "cannot allocate guarded memory for %s %s", what, id);
        goto out;
    }
    got = read_full(fd, secret, len);
    if (got < 0) {
        snprintf(err, errlen, "cannot read %s %s%s%s: %s", what, dir, slash, name, strerror(errno));
        goto out;
    }
    /* The size is checked again on what was read: the file may have changed
     * since fstat. */
    if ((size_t)got != len || read_full(fd, &extra, 1) != 0) {
        snprintf(err, errlen, "%s %s%s%s must hold exactly %zu bytes", what, dir, slash, name, len);
        goto out;
    }
    ok = 1;
out:
    if (fd >= 0)
        close(fd);
    if (dfd >= 0)
        close(dfd);
    if (!ok) {
        sodium_free(secret);
        secret = NULL;
    }
    return secret;
}

int keyfile_destroy(const char *dir, const char *name, const char *what, char *err, size_t errlen)
{
    static const unsigned char zeros[256];
    struct stat st;
    int ret = -1;
    int fd = -1;
    int dfd = open_key_dir(dir, err, errlen);

    err[0] = '\0';
    if (dfd < 0) {
        if (err[0] == '\0')
            snprintf(err, errlen, "cannot open key directory %s: %s", dir, strerror(errno));
        return -1;
    }
    fd = openat(dfd, name, O_WRONLY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) {
        if (errno == ENOENT)
            ret = 0; /* nothing left to destroy */
        else
            snprintf(err, errlen, "cannot open %s %s%s%s: %s", what, dir, keyfile_dir_slash(dir),
                     name, strerror(errno));
        goto out;
    }
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        snprintf(err, errlen, "%s %s%s%s is not a regular file", what, dir, keyfile_dir_slash(dir),
                 name);
        goto out;
    }
    /* Overwritten in place and synced before the name goes, so that the
     * secret's blocks do not outlive it on the disk (as far as a file
     * system that rewrites in place allows). */
    for (off_t done = 0; done < st.st_size;) {
        size_t n =
            (size_t)(st.st_size - done) < sizeof zeros ? (size_t)(st.st_size - done) : sizeof zeros;
        ssize_t w = pwrite(fd, zeros, n, done);
        if (w <= 0) {
            snprintf(err, errlen, "cannot overwrite %s %s%s%s: %s", what, dir,
                     keyfile_dir_slash(dir), name, strerror(errno));
            goto out;
        }
        done += w;
    }
    if (fsync(fd) != 0 || unlinkat(dfd, name, 0) != 0 || fsync(dfd) != 0) {
        snprintf(err, errlen, "cannot remove %s %s%s%s: %s", what, dir, keyfile_dir_slash(dir),
                 name, strerror(errno));
        goto out;
    }
    ret = 0;
out:
    if (fd >= 0)
        close(fd);
    close(dfd);
    return ret;
}
