/*
 * Bearer tokens: 256 random bits, shown to their holder once, kept by the
 * server only as a keyed BLAKE2b hash.
 */
#ifndef SB_TOKEN_H
#define SB_TOKEN_H

#include <stddef.h>

#define TOKEN_KEY_LEN    32 /* crypto_generichash_KEYBYTES */
#define TOKEN_HASH_BYTES 32 /* crypto_generichash_BYTES */
#define TOKEN_PREFIX     "sb_"
#define TOKEN_TEXT_LEN   (3 + 43) /* prefix + base64url(32 bytes) without padding */

#define TOKEN_FINGERPRINT_LEN 64 /* hex characters */

/* Reads the token-hashing key from `path` into out_key.  Refuses a key file
 * readable by group or others, a symbolic link, or one not of exactly
 * TOKEN_KEY_LEN bytes.  Returns 0, 1 when the file does not exist (nothing
 * created), or -1 with err set. */
int token_key_read(unsigned char out_key[TOKEN_KEY_LEN], const char *path, char *err,
                   size_t errlen);

/* As token_key_read(), but creates the key (32 random bytes, mode 0600, and
 * its directory, mode 0700) when the file is missing.  Returns 0 or -1 with
 * err set. */
int token_key_load(unsigned char out_key[TOKEN_KEY_LEN], const char *path, char *err,
                   size_t errlen);

/* The key's fingerprint, to tell one key from another without telling
 * anything about either: the hex of BLAKE2b-256 keyed with the key over a
 * fixed text.  out receives TOKEN_FINGERPRINT_LEN characters and a NUL. */
void token_key_fingerprint(char *out, const unsigned char key[TOKEN_KEY_LEN]);

/* Makes a new token: out_text receives TOKEN_TEXT_LEN characters and a NUL
 * (buffer of at least TOKEN_TEXT_LEN + 1), out_hash its keyed hash. */
void token_new(char *out_text, unsigned char out_hash[TOKEN_HASH_BYTES],
               const unsigned char key[TOKEN_KEY_LEN]);

/* Hashes a presented token.  Returns -1 (and hashes nothing) when text is
 * not shaped like a token, so garbage never reaches the store. */
int token_hash(unsigned char out_hash[TOKEN_HASH_BYTES], const char *text,
               const unsigned char key[TOKEN_KEY_LEN]);

#endif
