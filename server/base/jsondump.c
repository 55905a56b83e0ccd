/*
 * A quick JSON writer for the common case; jsondump.h says what it
 * promises.  Everything is written straight into one growing buffer:
 * strings are checked and escaped in the same pass, objects' members are
 * put in Jansson's order (its iteration order, or with JSON_SORT_KEYS its
 * comparison: the bytes, then the length), integers are written as
 * "%lld" writes them, and a real is left to Jansson (the server stores
 * none; its text is Jansson's own).
 */
#include "jsondump.h"
#include "text.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* Containers nested deeper go to Jansson, which also finds loops. */
#define QUICK_MAX_DEPTH 64
/* Members of an object sorted without an allocation. */
#define MEMBERS_ON_STACK 32

struct writer {
    char *buf;
    size_t len, cap;
    bool failed; /* out of memory, or something left to Jansson */
};

/* Room for `more` bytes at the end of the buffer. */
static bool room(struct writer *w, size_t more)
{
    if (w->failed)
        return false;
    if (w->cap - w->len >= more)
        return true;
    size_t cap = w->cap ? w->cap : 1024;
    while (cap - w->len < more) {
        if (cap > SIZE_MAX / 2) {
            w->failed = true;
            return false;
        }
        cap *= 2;
    }
    char *buf = realloc(w->buf, cap);
    if (!buf) {
        w->failed = true;
        return false;
    }
    w->buf = buf;
    w->cap = cap;
    return true;
}

static void put(struct writer *w, const char *s, size_t n)
{
    if (room(w, n)) {
        memcpy(w->buf + w->len, s, n);
        w->len += n;
    }
}

static void put_char(struct writer *w, char c)
{
    if (room(w, 1))
        w->buf[w->len++] = c;
}

/* s (n bytes) as a JSON string: `"` and `\` escaped, control characters as
 * \b \f \n \r \t or \u00XX, everything else as it is.  Text that is not
 * UTF-8 (Jansson's check: no overlong form, no surrogate, nothing above
 * U+10FFFF) fails the writer, as it fails Jansson's. */
static void put_string(struct writer *w, const char *s, size_t n)
{
    static const char hex[] = "0123456789ABCDEF";
    if (n > (SIZE_MAX - 2) / 6) {
        w->failed = true;
        return;
    }
    if (!room(w, 6 * n + 2)) /* every byte as \u00XX, and the quotes */
        return;
    const unsigned char *p = (const unsigned char *)s, *end = p + n;
    char *o = w->buf + w->len;
    *o++ = '"';
    while (p < end) {
        unsigned char b = *p;
        if (b >= 0x80) {
            size_t k = text_utf8_sequence(p, (size_t)(end - p));
            if (k == 0) {
                w->failed = true;
                return;
            }
            memcpy(o, p, k);
            o += k;
            p += k;
            continue;
        }
        p++;
        if (b >= 0x20 && b != '"' && b != '\\') {
            *o++ = (char)b;
            continue;
        }
        *o++ = '\\';
        switch (b) {
        case '"':
        case '\\':
            *o++ = (char)b;
            break;
        case '\b':
            *o++ = 'b';
            break;
        case '\f':
            *o++ = 'f';
            break;
        case '\n':
            *o++ = 'n';
            break;
        case '\r':
            *o++ = 'r';
            break;
        case '\t':
            *o++ = 't';
            break;
        default:
            *o++ = 'u';
            *o++ = '0';
            *o++ = '0';
            *o++ = hex[b >> 4];
            *o++ = hex[b & 0xF];
        }
    }
    *o++ = '"';
    w->len = (size_t)(o - w->buf);
}

static void put_integer(struct writer *w, json_int_t v)
{
    char digits[24], *d = digits + sizeof digits;
    /* In unsigned arithmetic, so that the most negative value has a
     * magnitude too. */
    unsigned long long m = v < 0 ? 0ULL - (unsigned long long)v : (unsigned long long)v;
    do {
        *--d = (char)('0' + m % 10);
        m /= 10;
    } while (m);
    if (v < 0)
        *--d = '-';
    put(w, d, (size_t)(digits + sizeof digits - d));
}

struct member {
    const char *key;
    size_t len;
    json_t *value;
};

/* Jansson's order of keys: their bytes, then the shorter first. */
static int member_order(const void *a, const void *b)
{
    const struct member *x = a, *y = b;
    int c = memcmp(x->key, y->key, x->len < y->len ? x->len : y->len);
    if (c)
        return c;
    return (x->len > y->len) - (x->len < y->len);
}

static void put_value(struct writer *w, const json_t *j, size_t flags, int depth);

static void put_member(struct writer *w, const char *key, size_t len, const json_t *value,
                       size_t flags, int depth)
{
    put_string(w, key, len);
    put_char(w, ':');
    put_value(w, value, flags, depth + 1);
}

static void put_object(struct writer *w, const json_t *j, size_t flags, int depth)
{
    put_char(w, '{');
    if (!(flags & JSON_SORT_KEYS)) {
        bool first = true;
        for (void *it = json_object_iter((json_t *)j); it && !w->failed;
             it = json_object_iter_next((json_t *)j, it)) {
            if (!first)
                put_char(w, ',');
            first = false;
            put_member(w, json_object_iter_key(it), json_object_iter_key_len(it),
                       json_object_iter_value(it), flags, depth);
        }
        put_char(w, '}');
        return;
    }
    size_t n = json_object_size(j), i = 0;
    struct member stack[MEMBERS_ON_STACK];
    struct member *m = n <= MEMBERS_ON_STACK ? stack : malloc(n * sizeof *m);
    if (!m) {
        w->failed = true;
        return;
    }
    for (void *it = json_object_iter((json_t *)j); it && i < n;
         it = json_object_iter_next((json_t *)j, it))
        m[i++] = (struct member){json_object_iter_key(it), json_object_iter_key_len(it),
                                 json_object_iter_value(it)};
    qsort(m, i, sizeof *m, member_order);
    for (size_t k = 0; k < i && !w->failed; k++) {
        if (k)
            put_char(w, ',');
        put_member(w, m[k].key, m[k].len, m[k].value, flags, depth);
    }
    if (m != stack)
        free(m);
    put_char(w, '}');
}

static void put_value(struct writer *w, const json_t *j, size_t flags, int depth)
{
    if (w->failed)
        return;
    if (!j || ((json_is_object(j) || json_is_array(j)) && depth >= QUICK_MAX_DEPTH)) {
        w->failed = true;
        return;
    }
    switch (json_typeof(j)) {
    case JSON_NULL:
        put(w, "null", 4);
        break;
    case JSON_TRUE:
        put(w, "true", 4);
        break;
    case JSON_FALSE:
        put(w, "false", 5);
        break;
    case JSON_INTEGER:
        put_integer(w, json_integer_value(j));
        break;
    case JSON_REAL: {
        char *text = json_dumps(j, JSON_ENCODE_ANY | JSON_COMPACT);
        if (text)
            put(w, text, strlen(text));
        else
            w->failed = true;
        free(text);
        break;
    }
    case JSON_STRING:
        put_string(w, json_string_value(j), json_string_length(j));
        break;
    case JSON_ARRAY: {
        put_char(w, '[');
        size_t n = json_array_size(j);
        for (size_t i = 0; i < n && !w->failed; i++) {
            if (i)
                put_char(w, ',');
            put_value(w, json_array_get(j, i), flags, depth + 1);
        }
        put_char(w, ']');
        break;
    }
    case JSON_OBJECT:
        put_object(w, j, flags, depth);
        break;
    }
}

char *quick_json_write(const json_t *j, size_t flags)
{
    const size_t known = JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY;
    if (!j || !(flags & JSON_COMPACT) || (flags & ~known))
        return NULL;
    if (!(flags & JSON_ENCODE_ANY) && !json_is_object(j) && !json_is_array(j))
        return NULL;
    struct writer w = {0};
    put_value(&w, j, flags, 0);
    put_char(&w, '\0');
    if (w.failed) {
        free(w.buf);
        return NULL;
    }
    /* Give back what the last doubling reserved. */
    char *text = realloc(w.buf, w.len);
    return text ? text : w.buf;
}
