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

/* Loads the token-hashing key from `path`, creating it (32 random bytes,
 * mode 0600) when missing.  Refuses a key file readable by group or others.
 * key is written to out_key.  Returns 0 or -1 with err set. */
int token_key_load(unsigned char out_key[TOKEN_KEY_LEN], const char *path, char *err,
                   size_t errlen);

/* Makes a new token: out_text receives TOKEN_TEXT_LEN characters and a NUL
 * (buffer of at least TOKEN_TEXT_LEN + 1), out_hash its keyed hash. */
void token_new(char *out_text, unsigned char out_hash[TOKEN_HASH_BYTES],
               const unsigned char key[TOKEN_KEY_LEN]);

/* Hashes a presented token.  Returns -1 (and hashes nothing) when text is
 * not shaped like a token, so garbage never reaches the store. */
int token_hash(unsigned char out_hash[TOKEN_HASH_BYTES], const char *text,
               const unsigned char key[TOKEN_KEY_LEN]);

#endif
