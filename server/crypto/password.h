/*
 * Passwords: Argon2id through libsodium's crypto_pwhash_str, with
 * libsodium's "interactive" limits (2 passes over 64 MiB), which exceed the
 * OWASP ASVS 4.0 L2 minimum for Argon2id (19 MiB, 2 passes).  Hashing is
 * deliberately expensive, so at most PASSWORD_MAX_CONCURRENT hashes run at
 * once; a caller that cannot get a turn in time is told to come back.
 */
#ifndef SB_PASSWORD_H
#define SB_PASSWORD_H

#include <stddef.h>

#define PASSWORD_HASH_LEN       128 /* crypto_pwhash_STRBYTES */
#define PASSWORD_MIN_CHARS      12
#define PASSWORD_MAX_BYTES      256
#define PASSWORD_MAX_CONCURRENT 2

enum password_rc {
    PASSWORD_OK = 0,
    PASSWORD_MISMATCH = -1, /* verify: not the password */
    PASSWORD_BUSY = -2,     /* no turn within a few seconds: retry later */
    PASSWORD_ERROR = -3,    /* out of memory, malformed stored hash */
};

/* Hashes `password` into out (PASSWORD_HASH_LEN bytes, NUL-terminated). */
enum password_rc password_hash(char out[PASSWORD_HASH_LEN], const char *password);

/* Checks `password` against a stored hash.  Takes as long for a missing
 * account (stored NULL or "") as for a wrong password, so timing does not
 * tell which e-mail addresses have accounts. */
enum password_rc password_verify(const char *stored, const char *password);

#endif
