#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "text.h"

void text_trim_utf8(char *s)
{
    size_t len = strlen(s);
    if (len == 0)
        return;
    size_t start = len - 1;
    while (start > 0 && ((unsigned char)s[start] & 0xC0) == 0x80)
        start--;
    unsigned char lead = (unsigned char)s[start];
    size_t need = lead < 0x80 ? 1 : (lead & 0xE0) == 0xC0 ? 2 : (lead & 0xF0) == 0xE0 ? 3 : 4;
    if (start + need > len)
        s[start] = '\0';
}

void text_append(char *buf, size_t cap, const char *fmt, ...)
{
    size_t len = strlen(buf);
    if (len + 1 >= cap)
        return;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf + len, cap - len, fmt, ap);
    va_end(ap);
    if (n >= 0 && (size_t)n >= cap - len)
        text_trim_utf8(buf);
}

size_t text_chars(const char *s)
{
    size_t n = 0;
    for (; *s; s++)
        if (((unsigned char)*s & 0xC0) != 0x80)
            n++;
    return n;
}

/* The length of the valid UTF-8 sequence at s (len > 0 bytes), or 0 when
 * there is none; then *bad is the length of the maximal invalid part to
 * replace (Unicode's "maximal subpart" practice: a lead byte and the
 * continuation bytes that fit it, or one stray byte). */
static size_t sequence(const unsigned char *s, size_t len, size_t *bad)
{
    unsigned char c = s[0];
    size_t need;
    unsigned char lo = 0x80, hi = 0xBF; /* the range of the second byte */

    *bad = 1;
    if (c >= 0x01 && c <= 0x7F)
        return 1;
    if (c >= 0xC2 && c <= 0xDF) {
        need = 2;
    } else if (c >= 0xE0 && c <= 0xEF) {
        need = 3;
        if (c == 0xE0)
            lo = 0xA0; /* no overlong form */
        else if (c == 0xED)
            hi = 0x9F; /* no surrogate */
    } else if (c >= 0xF0 && c <= 0xF4) {
        need = 4;
        if (c == 0xF0)
            lo = 0x90; /* no overlong form */
        else if (c == 0xF4)
            hi = 0x8F; /* nothing above U+10FFFF */
    } else {
        return 0; /* NUL, a continuation byte, C0, C1, F5..FF */
    }
    for (size_t i = 1; i < need; i++) {
        unsigned char min = i == 1 ? lo : 0x80, max = i == 1 ? hi : 0xBF;
        if (i >= len || s[i] < min || s[i] > max) {
            *bad = i;
            return 0;
        }
    }
    return need;
}

/* Whether none of the 8 bytes at p is NUL or above 0x7F: all plain ASCII
 * (the usual test for a zero byte, or'ed with the high bits). */
static bool ascii8(const unsigned char *p)
{
    uint64_t v;
    memcpy(&v, p, sizeof v);
    const uint64_t ones = 0x0101010101010101u, highs = 0x8080808080808080u;
    return (((v - ones) & ~v) | v) & highs ? false : true;
}

bool text_utf8_valid(const char *s, size_t len)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0, bad;

    while (i < len) {
        /* Stored text is mostly ASCII (keys, dates, digits): eight bytes
         * at a time while it is. */
        if (len - i >= 8 && ascii8(p + i)) {
            i += 8;
            continue;
        }
        size_t n = sequence(p + i, len - i, &bad);
        if (n == 0)
            return false;
        i += n;
    }
    return true;
}

#define REPLACEMENT     "\xEF\xBF\xBD" /* U+FFFD */
#define REPLACEMENT_LEN 3

/* text_utf8_copy(); with out NULL only measures, whatever cap says. */
static size_t copy_utf8(char *out, size_t cap, const char *in, size_t len, bool *changed)
{
    const unsigned char *p = (const unsigned char *)in;
    size_t i = 0, used = 0, bad;
    bool fixed = false;

    while (i < len) {
        size_t n = sequence(p + i, len - i, &bad);
        const char *piece = n ? in + i : REPLACEMENT;
        size_t piece_len = n ? n : REPLACEMENT_LEN;
        if (out && used + piece_len >= cap) {
            fixed = true;
            break;
        }
        if (out)
            memcpy(out + used, piece, piece_len);
        used += piece_len;
        i += n ? n : bad;
        fixed |= n == 0;
    }
    if (out)
        out[used] = '\0';
    if (changed)
        *changed = fixed;
    return used;
}

size_t text_utf8_copy(char *out, size_t cap, const char *in, size_t len, bool *changed)
{
    return copy_utf8(out, cap, in, len, changed);
}

char *text_utf8_dup(const char *in, size_t len, bool *changed)
{
    if (text_utf8_valid(in, len)) {
        /* What is stored is almost always valid: one check, one copy. */
        char *out = malloc(len + 1);
        if (out) {
            memcpy(out, in, len);
            out[len] = '\0';
        }
        if (changed)
            *changed = false;
        return out;
    }
    size_t need = copy_utf8(NULL, 0, in, len, changed);
    char *out = malloc(need + 1);

    if (out)
        copy_utf8(out, need + 1, in, len, NULL);
    return out;
}
