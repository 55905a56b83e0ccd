/*
 * Signing keys and JWS (RFC 7515 compact serialisation, EdDSA with Ed25519
 * as RFC 8037 defines it), on libsodium.
 *
 * The secret key lives in its own file in the key directory and, once
 * loaded, only in libsodium's guarded memory.  Public keys are also kept in
 * the database (every key ever used, for the JWKS); this module knows only
 * files and bytes.
 */
#ifndef SB_SIGN_H
#define SB_SIGN_H

#include <stddef.h>

#define SIGN_PUBLIC_LEN 32 /* crypto_sign_PUBLICKEYBYTES */
#define SIGN_SECRET_LEN 64 /* crypto_sign_SECRETKEYBYTES */
#define SIGN_KID_LEN    43 /* base64url of a SHA-256 digest */
#define SIGN_X_LEN      43 /* base64url of the public key */

/* The key id of a public key: its RFC 7638 JWK thumbprint, base64url
 * without padding.  Anyone can recompute it from the JWKS entry. */
void sign_kid(char out[SIGN_KID_LEN + 1], const unsigned char pk[SIGN_PUBLIC_LEN]);

/* The JWK "x" member of a public key. */
void sign_x(char out[SIGN_X_LEN + 1], const unsigned char pk[SIGN_PUBLIC_LEN]);

/*
 * Makes a new key pair.  Creates `dir` (mode 0700) when missing and refuses
 * one that group or others may access; writes the secret key to
 * <dir>/<kid>.ed25519 (mode 0600, never overwriting).  Fills kid and pk.
 * Returns 0, or -1 with a one-line reason in err.
 */
int sign_keygen(const char *dir, char kid[SIGN_KID_LEN + 1], unsigned char pk[SIGN_PUBLIC_LEN],
                char *err, size_t errlen);

/* A loaded signing key.  sk points into guarded memory (sodium_malloc),
 * read-only except while being loaded. */
struct signing_key {
    char kid[SIGN_KID_LEN + 1];
    unsigned char pk[SIGN_PUBLIC_LEN];
    unsigned char *sk;
};

/* Destroys the secret of key kid in dir (keyfile_destroy): what keygen
 * does to the key it retires, so that nobody who later reads the directory
 * can sign with it.  0 (also when the file is gone already), or -1 with a
 * reason in err. */
int sign_key_destroy(const char *dir, const char *kid, char *err, size_t errlen);

/*
 * Loads the secret key `kid` from `dir`.  Refuses (-1, reason in err) a
 * directory that group or others may access, a key file that is missing, not
 * a regular file, readable by group or others, of the wrong size, or whose
 * public half does not have this kid.
 */
int sign_key_load(struct signing_key *out, const char *dir, const char *kid, char *err,
                  size_t errlen);

/* Wipes and frees the secret.  Safe on a zeroed struct. */
void sign_key_free(struct signing_key *k);

/* The compact JWS of payload with the protected header
 * {"alg":"EdDSA","kid":"<kid>"}.  Caller frees. */
char *jws_sign(const struct signing_key *k, const char *payload, size_t len);

/*
 * Splits and decodes a compact JWS without verifying it: the header must be a
 * JSON object with "alg" "EdDSA" and a string "kid" (and no "crit"); every
 * part must be strict base64url without padding.  On success fills kid and
 * *payload (caller frees; NUL-terminated, *len without the NUL) and returns
 * 0; else -1.
 */
int jws_parse(const char *jws, char kid[SIGN_KID_LEN + 1], char **payload, size_t *len);

/* 0 when jws carries a valid Ed25519 signature by pk over its header and
 * payload, else -1. */
int jws_verify(const char *jws, const unsigned char pk[SIGN_PUBLIC_LEN]);

/* base64url without padding (RFC 7515 §2).  Encode: caller frees.  Decode:
 * strict — no padding, no whitespace, no non-canonical trailing bits; returns
 * 0 and the length in *len, or -1. */
char *b64url_encode(const unsigned char *in, size_t len);
int b64url_decode(unsigned char *out, size_t cap, size_t *len, const char *in, size_t inlen);

#endif
