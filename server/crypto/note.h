/*
 * Signed notes (C2SP signed-note) with Ed25519, and transparency log
 * checkpoints (C2SP tlog-checkpoint), on libsodium.
 *
 * A note is UTF-8 text of whole lines without control characters other
 * than newline; signing it appends a blank line and one line per signature:
 *
 *     — <key name> base64(key id || Ed25519 signature of the text)
 *
 * The key id is the first four bytes, big-endian, of
 * SHA-256(key name || "\n" || 0x01 || public key), and the verifier key
 * that names the key to a client is "<name>+<key id, 8 hex>+base64(0x01 ||
 * public key)".  base64 is the standard, padded alphabet (RFC 4648 §4)
 * throughout.  Go's golang.org/x/mod/sumdb/note is the reference; notes
 * and keys from either side are accepted by the other.
 *
 * The log key is an Ed25519 key of its own, kept in the key directory as
 * the signing keys are (sign.h): file NOTE_KEY_FILE, mode 0600, holding
 * libsodium's 64-byte secret key; once loaded the secret lives only in
 * guarded memory.  Its name (the checkpoint's origin) is configuration, not
 * part of the file.
 */
#ifndef SB_NOTE_H
#define SB_NOTE_H

#include <stddef.h>
#include <stdint.h>

#define NOTE_PUBLIC_LEN 32 /* crypto_sign_PUBLICKEYBYTES */
#define NOTE_SEED_LEN   32 /* crypto_sign_SEEDBYTES */
#define NOTE_SECRET_LEN 64 /* crypto_sign_SECRETKEYBYTES */
#define NOTE_KEY_FILE   "log.ed25519"
/* Signature lines a note may carry; C2SP asks verifiers to accept 16. */
#define NOTE_MAX_SIGNATURES 100

/* 1 when the len bytes at name may name a key: non-empty UTF-8 with no
 * white space (Unicode's), no '+' and no control character; else 0. */
int note_name_valid(const char *name, size_t len);

/* The key id of an Ed25519 key under name. */
uint32_t note_key_id(const char *name, const unsigned char pk[NOTE_PUBLIC_LEN]);

/* The verifier key "<name>+<id>+<base64(0x01 || pk)>".  Caller frees; NULL
 * when name is not valid (or memory runs out). */
char *note_verifier_key(const char *name, const unsigned char pk[NOTE_PUBLIC_LEN]);

/* A parsed verifier key.  name is owned (note_verifier_release frees it). */
struct note_verifier {
    char *name;
    uint32_t id;
    unsigned char pk[NOTE_PUBLIC_LEN];
};

/*
 * Parses a verifier key (NUL-terminated, nothing around it).  Refuses (-1)
 * an invalid name, a key id that is not 8 hex digits or not the key's, key
 * data that is not canonical base64 of 0x01 and 32 bytes (another
 * algorithm included).  0 on success.
 */
int note_verifier_parse(struct note_verifier *out, const char *vkey);

/* Frees v's name and zeroes v.  Safe on a zeroed struct. */
void note_verifier_release(struct note_verifier *v);

/* A key that signs notes.  name is owned; sk points into guarded memory
 * (sodium_malloc), read-only once loaded. */
struct note_signer {
    char *name;
    uint32_t id;
    unsigned char pk[NOTE_PUBLIC_LEN];
    unsigned char *sk;
};

/*
 * Makes a new log key: <dir>/NOTE_KEY_FILE, mode 0600, never overwriting
 * one; dir is created (0700) when missing and refused when others may
 * access it, as for signing keys.  Fills pk.  Returns 0, or -1 with a
 * one-line reason in err.
 */
int note_keygen(const char *dir, unsigned char pk[NOTE_PUBLIC_LEN], char *err, size_t errlen);

/*
 * Loads the log key from dir under the key name `name`.  Refuses (-1,
 * reason in err) an invalid name and whatever sign_key_load refuses of a
 * key file: a loose directory or file, a missing file, a symbolic link, a
 * wrong size, a public half that is not the seed's.
 */
int note_key_load(struct note_signer *out, const char *dir, const char *name, char *err,
                  size_t errlen);

/* A signer from a seed in memory (tests, known answers).  0, or -1 when
 * name is not valid or memory runs out. */
int note_signer_from_seed(struct note_signer *out, const char *name,
                          const unsigned char seed[NOTE_SEED_LEN]);

/* Wipes and frees the secret and the name.  Safe on a zeroed struct. */
void note_signer_free(struct note_signer *k);

/*
 * Signs the note text (len bytes: whole lines, the last ending in "\n",
 * valid UTF-8 without other control characters).  Returns the signed note,
 * NUL-terminated with its length in *outlen (caller frees), or NULL for a
 * text that is not a note's.
 */
char *note_sign(const struct note_signer *k, const char *text, size_t len, size_t *outlen);

/*
 * Opens a signed note of len bytes against the one key v: 0 when the note
 * is well formed (valid UTF-8, no control character but newline, text
 * ending in newline, a blank line, then 1 to NOTE_MAX_SIGNATURES signature
 * lines and nothing else) and carries a signature by v that verifies; then
 * *text_len (may be NULL) is the length of the text, which starts the note.
 * -1 when it is malformed, when a signature naming v (its name and key id)
 * does not verify, or when none names v — signatures by other keys are
 * ignored, as the specification asks.
 */
int note_open(const char *msg, size_t len, const struct note_verifier *v, size_t *text_len);

/* A checkpoint: the note text of a log's tree head. */
struct checkpoint {
    char *origin;           /* owned, NUL-terminated */
    uint64_t size;          /* leaves, at most INT64_MAX */
    unsigned char root[32]; /* RFC 6962 root of those leaves */
    char *extensions;       /* owned; whole lines each ending in "\n", or NULL */
};

/*
 * The note text "<origin>\n<size>\n<base64 root>\n<extensions>".  Caller
 * frees; *len (may be NULL) gets its length.  NULL when the origin is empty
 * or not a valid note line, the size is above INT64_MAX, or an extension
 * line is empty or not a valid note line.
 */
char *checkpoint_format(const struct checkpoint *c, size_t *len);

/*
 * Parses checkpoint note text (the text of an opened note): an origin line,
 * the size in decimal without leading zeros, the root in padded base64 of
 * exactly 32 bytes, then optional non-empty extension lines.  0, or -1 (out
 * zeroed) when the text is not one.
 */
int checkpoint_parse(struct checkpoint *out, const char *text, size_t len);

/* Opens a signed checkpoint against the log's verifier key and parses it;
 * the origin must be the key's name.  0, or -1 (out zeroed). */
int checkpoint_open(struct checkpoint *out, const char *msg, size_t len,
                    const struct note_verifier *v);

/* Frees c's strings and zeroes c.  Safe on a zeroed struct. */
void checkpoint_release(struct checkpoint *c);

#endif
