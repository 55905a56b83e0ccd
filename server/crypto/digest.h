/*
 * SHA-256 of bytes held whole, on OpenSSL's libcrypto (which libpq loads
 * anyway): it uses the processor's SHA instructions where they exist, and
 * libsodium's portable code does not; an envelope of 6.5 KB, hashed with
 * every version a submission writes, takes 4 µs instead of 20.  Hashes
 * computed piece by piece (an upload as it arrives) and the Merkle tree's
 * small nodes stay on libsodium; both are the same SHA-256.
 */
#ifndef SB_DIGEST_H
#define SB_DIGEST_H

#include <stddef.h>

#define DIGEST_SHA256_LEN 32

/* out = SHA-256 of the len bytes at data (data may be NULL when len is 0). */
void digest_sha256(unsigned char out[DIGEST_SHA256_LEN], const void *data, size_t len);

#endif
