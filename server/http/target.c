/*
 * The request target: percent-decoding, UTF-8 and the query's parameters.
 */
#include "target.h"
#include "text.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static int hex_value(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* Decodes s[0..len) into out (room for len + 1 bytes): "%XX" is the byte
 * XX, and in a query (form) '+' is a space, as browsers encode one
 * (application/x-www-form-urlencoded).  *out_len receives the length; out
 * is NUL-terminated either way.  Returns TARGET_OK or TARGET_BAD_ESCAPE. */
static enum target_error decode(char *out, size_t *out_len, const char *s, size_t len, bool form)
{
    size_t n = 0;
    for (size_t i = 0; i < len; i++) {
        if (s[i] == '%') {
            int h = len - i < 3 ? -1 : hex_value(s[i + 1]);
            int l = len - i < 3 ? -1 : hex_value(s[i + 2]);
            if (h < 0 || l < 0) {
                out[n] = '\0';
                *out_len = n;
                return TARGET_BAD_ESCAPE;
            }
            out[n++] = (char)(h * 16 + l);
            i += 2;
        } else if (form && s[i] == '+') {
            out[n++] = ' ';
        } else {
            out[n++] = s[i];
        }
    }
    out[n] = '\0';
    *out_len = n;
    return TARGET_OK;
}

/* Decodes one query component (a name or a value) and checks it. */
static enum target_error decode_component(char *out, const char *s, size_t len)
{
    size_t n;
    enum target_error e = decode(out, &n, s, len, true);
    if (e != TARGET_OK)
        return e;
    if (memchr(out, '\0', n))
        return TARGET_NUL;
    if (!text_utf8_valid(out, n))
        return TARGET_BAD_UTF8;
    return TARGET_OK;
}

enum target_error target_parse(struct target *t, const char *raw, size_t *param_at,
                               size_t *param_len)
{
    memset(t, 0, sizeof *t);
    *param_at = *param_len = 0;
    if (raw[0] != '/')
        return TARGET_NOT_ORIGIN_FORM;
    size_t path_len = strcspn(raw, "?");
    const char *query = raw[path_len] == '?' ? raw + path_len + 1 : NULL;
    size_t query_len = query ? strlen(query) : 0;

    /* Count before decoding anything: a query of thousands of parameters
     * costs no more than a scan. */
    unsigned n = 0;
    for (size_t i = 0; i < query_len;) {
        size_t seg = strcspn(query + i, "&");
        if (seg > 0 && ++n > TARGET_MAX_PARAMS)
            return TARGET_TOO_MANY_PARAMS;
        i += seg + 1;
    }

    /* Decoding never lengthens: the path, then each name and value, each
     * with its NUL, fit in the raw length plus one NUL per component. */
    char *buf = malloc(path_len + 1 + query_len + 2 * (size_t)n + 1);
    if (!buf)
        return TARGET_NO_MEMORY;
    size_t len;
    enum target_error e = decode(buf, &len, raw, path_len, false);
    /* Control characters first: NUL among them, which the UTF-8 check
     * would refuse under a vaguer name. */
    for (size_t i = 0; e == TARGET_OK && i < len; i++)
        if ((unsigned char)buf[i] < 0x20 || buf[i] == 0x7F)
            e = TARGET_CONTROL;
    if (e == TARGET_OK && !text_utf8_valid(buf, len))
        e = TARGET_BAD_UTF8;
    if (e != TARGET_OK) {
        free(buf);
        return e;
    }
    t->path = buf;
    char *out = buf + len + 1;

    for (size_t i = 0; i < query_len;) {
        const char *seg = query + i;
        size_t seg_len = strcspn(seg, "&");
        i += seg_len + 1;
        if (seg_len == 0)
            continue; /* "a=1&&b=2": nothing between the two */
        const char *eq = memchr(seg, '=', seg_len);
        size_t name_len = eq ? (size_t)(eq - seg) : seg_len;
        struct target_param *p = &t->params[t->n_params];
        /* Checked, a component holds no NUL: its end is its length. */
        e = decode_component(out, seg, name_len);
        if (e == TARGET_OK) {
            p->name = out;
            out += strlen(out) + 1;
            const char *v = eq ? eq + 1 : "";
            e = decode_component(out, v, eq ? seg_len - name_len - 1 : 0);
        }
        if (e == TARGET_OK) {
            p->value = out;
            out += strlen(out) + 1;
        } else {
            *param_at = (size_t)(seg - raw);
            *param_len = name_len;
            free(buf);
            memset(t, 0, sizeof *t);
            return e;
        }
        t->n_params++;
    }
    t->buf = buf;
    return TARGET_OK;
}

void target_release(struct target *t)
{
    free(t->buf);
    memset(t, 0, sizeof *t);
}

const char *target_error_text(enum target_error e)
{
    switch (e) {
    case TARGET_OK:
        return "valid";
    case TARGET_NOT_ORIGIN_FORM:
        return "the request target must be a path beginning with '/'";
    case TARGET_BAD_ESCAPE:
        return "'%' must begin an escape of two hexadecimal digits";
    case TARGET_BAD_UTF8:
        return "decoded, it is not valid UTF-8";
    case TARGET_CONTROL:
        return "decoded, it holds a control character (such as %00)";
    case TARGET_NUL:
        return "decoded, it holds a NUL byte (%00)";
    case TARGET_TOO_MANY_PARAMS:
        return "the query has more parameters than any request takes";
    case TARGET_NO_MEMORY:
        return "out of memory";
    }
    return "invalid";
}

char *target_escape(char *out, size_t cap, const char *s, size_t len)
{
    static const char hex[] = "0123456789ABCDEF";
    size_t n = 0;
    if (cap == 0)
        return out;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c > 0x20 && c < 0x7F) {
            if (n + 1 >= cap)
                break;
            out[n++] = (char)c;
        } else {
            if (n + 3 >= cap)
                break;
            out[n++] = '%';
            out[n++] = hex[c >> 4];
            out[n++] = hex[c & 0xF];
        }
    }
    out[n] = '\0';
    return out;
}
