/*
 * Text that must stay valid UTF-8 when cut to fit a buffer: Jansson (and so
 * every JSON reply) refuses a broken sequence, and Chinese names and details
 * are mostly multi-byte sequences.
 */
#ifndef SB_TEXT_H
#define SB_TEXT_H

#include <stdbool.h>
#include <stddef.h>

/* The bytes a text of `chars` characters may take in UTF-8 (4 each at
 * most), with its NUL: the size of a buffer that keeps whole any text a
 * limit of `chars` characters admits. */
#define TEXT_BYTES(chars) (4 * (chars) + 1)

/* Drops a UTF-8 sequence left incomplete at the end of s (by a truncating
 * snprintf, say). */
void text_trim_utf8(char *s);

/* Appends printf-formatted text to the NUL-terminated text in buf (cap
 * bytes); what does not fit is cut, at a character boundary. */
void text_append(char *buf, size_t cap, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* The number of characters (code points) of the UTF-8 text s. */
size_t text_chars(const char *s);

/* The length of the valid multi-byte UTF-8 sequence at p (n > 0 bytes
 * there), or 0 when there is none (an ASCII byte included): no overlong
 * form, no surrogate, nothing above U+10FFFF (RFC 3629, as Jansson checks).
 * Inline: the quick JSON reader and writer call it for every non-ASCII
 * character they pass. */
static inline size_t text_utf8_sequence(const unsigned char *p, size_t n)
{
    unsigned char c = p[0];
    if (c < 0xC2 || c > 0xF4)
        return 0;
    if (c < 0xE0)
        return n >= 2 && (p[1] & 0xC0) == 0x80 ? 2 : 0;
    if (c < 0xF0) {
        if (n < 3 || (p[1] & 0xC0) != 0x80 || (p[2] & 0xC0) != 0x80)
            return 0;
        if ((c == 0xE0 && p[1] < 0xA0) || (c == 0xED && p[1] >= 0xA0))
            return 0; /* overlong, surrogate */
        return 3;
    }
    if (n < 4 || (p[1] & 0xC0) != 0x80 || (p[2] & 0xC0) != 0x80 || (p[3] & 0xC0) != 0x80)
        return 0;
    if ((c == 0xF0 && p[1] < 0x90) || (c == 0xF4 && p[1] >= 0x90))
        return 0; /* overlong, past U+10FFFF */
    return 4;
}

/* Whether the len bytes at s are valid UTF-8 as Jansson accepts it (no
 * overlong form, no surrogate, nothing above U+10FFFF) with no NUL. */
bool text_utf8_valid(const char *s, size_t len);

/*
 * Copies the len bytes at `in` into out (cap bytes, cap > 0) as valid UTF-8:
 * each maximal invalid sequence (a stray byte, a sequence cut short, a NUL)
 * becomes U+FFFD, and when the result does not fit it is cut before the
 * first character that does not fit whole.  For text read back from storage
 * that an older version may have cut.  Returns the length written; *changed
 * (may be NULL) says whether anything was replaced or cut.
 */
size_t text_utf8_copy(char *out, size_t cap, const char *in, size_t len, bool *changed);

/* The same into a new string of the size needed (caller frees), so nothing
 * is cut; NULL only when memory runs out. */
char *text_utf8_dup(const char *in, size_t len, bool *changed);

#endif
