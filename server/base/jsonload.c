/*
 * A quick JSON reader for the common case; jsonload.h says what it
 * promises.  One pass over the text: strings are checked and copied once
 * (Jansson's reader goes through each byte several times and calls a
 * function for each), objects and arrays are built with Jansson's own
 * constructors.  Whatever it is not sure of it leaves to Jansson.
 *
 * It makes strings and keys with Jansson's *_nocheck constructors, which
 * trust that the text is UTF-8 without U+0000: read_string() has checked
 * exactly that (text_utf8_sequence(), and escapes of U+0000 and surrogates
 * are left to Jansson), so nothing unchecked gets in.
 */
#include "jsonload.h"
#include "text.h"

#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* Deeper documents go to Jansson, which has its own limit. */
#define QUICK_MAX_DEPTH 64

struct reader {
    const unsigned char *p, *end;
    char *buf; /* decoded strings with escapes */
    size_t cap;
    int depth;
};

static void skip_space(struct reader *r)
{
    while (r->p < r->end && (*r->p == ' ' || *r->p == '\n' || *r->p == '\r' || *r->p == '\t'))
        r->p++;
}

static int hex4(const unsigned char *p, unsigned *out)
{
    unsigned v = 0;
    for (int i = 0; i < 4; i++) {
        unsigned char c = p[i];
        v <<= 4;
        if (c >= '0' && c <= '9')
            v |= c - '0';
        else if (c >= 'a' && c <= 'f')
            v |= c - 'a' + 10;
        else if (c >= 'A' && c <= 'F')
            v |= c - 'A' + 10;
        else
            return -1;
    }
    *out = v;
    return 0;
}

static int reserve(struct reader *r, size_t need)
{
    if (need <= r->cap)
        return 0;
    size_t cap = r->cap ? r->cap : 256;
    while (cap < need)
        cap *= 2;
    char *b = realloc(r->buf, cap);
    if (!b)
        return -1;
    r->buf = b;
    r->cap = cap;
    return 0;
}

/* Appends the bytes [from, to) of the input to r->buf at *used. */
static int copy_run(struct reader *r, size_t *used, const unsigned char *from,
                    const unsigned char *to)
{
    size_t n = (size_t)(to - from);
    if (reserve(r, *used + n + 4) != 0)
        return -1;
    memcpy(r->buf + *used, from, n);
    *used += n;
    return 0;
}

/* Appends the escape at r->p (its backslash) to r->buf at *used. */
static int unescape(struct reader *r, size_t *used)
{
    static const char simple[][2] = {{'"', '"'},  {'\\', '\\'}, {'/', '/'},  {'b', '\b'},
                                     {'f', '\f'}, {'n', '\n'},  {'r', '\r'}, {'t', '\t'}};
    if (r->end - r->p < 2 || reserve(r, *used + 4) != 0)
        return -1;
    unsigned char e = r->p[1];
    r->p += 2;
    for (size_t i = 0; i < sizeof simple / sizeof simple[0]; i++)
        if (e == (unsigned char)simple[i][0]) {
            r->buf[(*used)++] = simple[i][1];
            return 0;
        }
    unsigned v;
    if (e != 'u' || r->end - r->p < 4 || hex4(r->p, &v) != 0 || v == 0 ||
        (v >= 0xD800 && v < 0xE000))
        return -1; /* U+0000 and surrogates are Jansson's to judge */
    r->p += 4;
    char *out = r->buf + *used;
    if (v < 0x80) {
        out[0] = (char)v;
        *used += 1;
    } else if (v < 0x800) {
        out[0] = (char)(0xC0 | (v >> 6));
        out[1] = (char)(0x80 | (v & 0x3F));
        *used += 2;
    } else {
        out[0] = (char)(0xE0 | (v >> 12));
        out[1] = (char)(0x80 | ((v >> 6) & 0x3F));
        out[2] = (char)(0x80 | (v & 0x3F));
        *used += 3;
    }
    return 0;
}

/* Reads the string whose opening quote r->p is past.  *text and *len get
 * it: pointing into the input when it has no escapes, else into r->buf
 * (until the next string is read).  -1 for anything left to Jansson: a
 * control character, bad UTF-8, an escape of U+0000 or of a surrogate, the
 * end of the input. */
static int read_string(struct reader *r, const char **text, size_t *len)
{
    const unsigned char *start = r->p, *run = r->p;
    size_t used = 0;
    bool escaped = false;
    for (;;) {
        if (r->p >= r->end)
            return -1;
        unsigned char c = *r->p;
        if (c == '"')
            break;
        if (c < 0x20)
            return -1;
        if (c < 0x80 && c != '\\') {
            r->p++;
            continue;
        }
        if (c >= 0x80) {
            size_t n = text_utf8_sequence(r->p, (size_t)(r->end - r->p));
            if (n == 0)
                return -1;
            r->p += n;
            continue;
        }
        escaped = true;
        if (copy_run(r, &used, run, r->p) != 0 || unescape(r, &used) != 0)
            return -1;
        run = r->p;
    }
    if (escaped) {
        if (copy_run(r, &used, run, r->p) != 0)
            return -1;
        *text = r->buf;
        *len = used;
    } else {
        *text = (const char *)start;
        *len = (size_t)(r->p - start);
    }
    r->p++;
    return 0;
}

static bool is_digit(unsigned char c)
{
    return c >= '0' && c <= '9';
}

/* A number as JSON writes it; an integer of up to 18 digits here, the rest
 * (reals, longer integers) through strtod as Jansson does, or left to it. */
static json_t *read_number(struct reader *r)
{
    const unsigned char *start = r->p;
    bool integer = true;
    if (r->p < r->end && *r->p == '-')
        r->p++;
    if (r->p >= r->end || !is_digit(*r->p))
        return NULL;
    if (*r->p == '0')
        r->p++;
    else
        while (r->p < r->end && is_digit(*r->p))
            r->p++;
    if (r->p < r->end && *r->p == '.') {
        integer = false;
        r->p++;
        if (r->p >= r->end || !is_digit(*r->p))
            return NULL;
        while (r->p < r->end && is_digit(*r->p))
            r->p++;
    }
    if (r->p < r->end && (*r->p == 'e' || *r->p == 'E')) {
        integer = false;
        r->p++;
        if (r->p < r->end && (*r->p == '+' || *r->p == '-'))
            r->p++;
        if (r->p >= r->end || !is_digit(*r->p))
            return NULL;
        while (r->p < r->end && is_digit(*r->p))
            r->p++;
    }
    size_t n = (size_t)(r->p - start);
    bool negative = *start == '-';
    if (integer && n - negative <= 18) {
        json_int_t v = 0;
        for (const unsigned char *q = start + negative; q < r->p; q++)
            v = v * 10 + (*q - '0');
        return json_integer(negative ? -v : v);
    }
    if (integer || n >= 64)
        return NULL; /* Jansson says whether it fits */
    char text[64];
    memcpy(text, start, n);
    text[n] = '\0';
    errno = 0;
    double d = strtod(text, NULL);
    if (errno == ERANGE && (d == HUGE_VAL || d == -HUGE_VAL))
        return NULL;
    return json_real(d);
}

static json_t *read_value(struct reader *r);

static json_t *read_object(struct reader *r)
{
    json_t *obj = json_object();
    if (!obj)
        return NULL;
    skip_space(r);
    if (r->p < r->end && *r->p == '}') {
        r->p++;
        return obj;
    }
    for (;;) {
        const char *key;
        char *copy = NULL;
        size_t klen;
        json_t *v = NULL;
        skip_space(r);
        if (r->p >= r->end || *r->p != '"')
            goto fail;
        r->p++;
        if (read_string(r, &key, &klen) != 0)
            goto fail;
        if (key == r->buf) {
            /* Unescaped in the buffer the value's strings use next. */
            copy = malloc(klen + 1);
            if (!copy)
                goto fail;
            memcpy(copy, key, klen);
            key = copy;
        }
        skip_space(r);
        if (r->p < r->end && *r->p == ':') {
            r->p++;
            v = read_value(r);
        }
        bool ok = false;
        if (v && json_object_getn(obj, key, klen))
            json_decref(v); /* a repeated key: Jansson's to refuse */
        else if (v)
            ok = json_object_setn_new_nocheck(obj, key, klen, v) == 0;
        free(copy);
        if (!ok)
            goto fail;
        skip_space(r);
        if (r->p < r->end && *r->p == ',') {
            r->p++;
            continue;
        }
        if (r->p < r->end && *r->p == '}') {
            r->p++;
            return obj;
        }
        goto fail;
    }
fail:
    json_decref(obj);
    return NULL;
}

static json_t *read_array(struct reader *r)
{
    json_t *arr = json_array();
    if (!arr)
        return NULL;
    skip_space(r);
    if (r->p < r->end && *r->p == ']') {
        r->p++;
        return arr;
    }
    for (;;) {
        json_t *v = read_value(r);
        if (!v || json_array_append_new(arr, v) != 0)
            goto fail;
        skip_space(r);
        if (r->p < r->end && *r->p == ',') {
            r->p++;
            continue;
        }
        if (r->p < r->end && *r->p == ']') {
            r->p++;
            return arr;
        }
        goto fail;
    }
fail:
    json_decref(arr);
    return NULL;
}

static bool literal(struct reader *r, const char *word, size_t n)
{
    if ((size_t)(r->end - r->p) < n || memcmp(r->p, word, n) != 0)
        return false;
    r->p += n;
    return true;
}

static json_t *read_value(struct reader *r)
{
    skip_space(r);
    if (r->p >= r->end)
        return NULL;
    switch (*r->p) {
    case '{':
    case '[': {
        if (r->depth >= QUICK_MAX_DEPTH)
            return NULL;
        bool object = *r->p == '{';
        r->p++;
        r->depth++;
        json_t *v = object ? read_object(r) : read_array(r);
        r->depth--;
        return v;
    }
    case '"': {
        const char *s;
        size_t n;
        r->p++;
        return read_string(r, &s, &n) == 0 ? json_stringn_nocheck(s, n) : NULL;
    }
    case 't':
        return literal(r, "true", 4) ? json_true() : NULL;
    case 'f':
        return literal(r, "false", 5) ? json_false() : NULL;
    case 'n':
        return literal(r, "null", 4) ? json_null() : NULL;
    default:
        return read_number(r);
    }
}

json_t *quick_json_read(const char *text, size_t len)
{
    struct reader r = {(const unsigned char *)text, (const unsigned char *)text + len, NULL, 0, 0};
    skip_space(&r);
    json_t *doc = r.p < r.end && *r.p == '{' ? read_value(&r) : NULL;
    free(r.buf);
    if (doc) {
        /* Only white space may follow. */
        skip_space(&r);
        if (r.p != r.end) {
            json_decref(doc);
            doc = NULL;
        }
    }
    return doc;
}
