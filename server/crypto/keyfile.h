/*
 * Secret key files in the key directory, shared by the signing keys
 * (sign.c) and the log key (note.c).  Internal to server/crypto/.
 *
 * The directory must be private to the server's user (no group or other
 * bits) and every key file too: a key that others can read signs for them.
 * Checks run on open descriptors and files are opened relative to the
 * directory's, so nothing can be swapped between check and use.  Messages
 * name the key by `what` ("signing key", "log key") and its path.
 */
#ifndef SB_KEYFILE_H
#define SB_KEYFILE_H

#include <stddef.h>

/*
 * Writes len bytes of secret to <dir>/<name>, mode 0600, never overwriting;
 * creates dir (mode 0700) when missing, refuses one that others may access.
 * File and directory are synced before it returns 0; on -1 (one-line reason
 * in err) no partial file is left.
 */
int keyfile_create(const char *dir, const char *name, const unsigned char *secret, size_t len,
                   const char *what, char *err, size_t errlen);

/*
 * Reads <dir>/<name>, which must be a regular file (not a symbolic link)
 * that only its owner may access, holding exactly len bytes.  Returns them
 * in new guarded memory (sodium_malloc, still writable; the caller frees
 * with sodium_free), or NULL with a one-line reason in err — left empty
 * when the directory or the file does not exist, for the caller to say how
 * to make one.  `id` names the key in the message for a failed allocation.
 */
unsigned char *keyfile_load(const char *dir, const char *name, size_t len, const char *what,
                            const char *id, char *err, size_t errlen);

/*
 * Destroys <dir>/<name>: overwrites it with zeros, syncs, removes it and
 * syncs the directory.  0 when done or when there is no such file; -1 with
 * a one-line reason in err.
 */
int keyfile_destroy(const char *dir, const char *name, const char *what, char *err, size_t errlen);

/* "/" to put between dir and a file name in messages, or "" when dir
 * already ends in one. */
const char *keyfile_dir_slash(const char *dir);

#endif
