/*
 * The request target (RFC 9112 §3.2): the path and the query of a request
 * line, decoded and checked before anything routes on them.
 *
 * libmicrohttpd decodes both itself, but a decoded "%00" silently cuts the
 * path ("/v1/applications/1%00" became "/v1/applications/1"), bytes that are
 * not UTF-8 reach the JSON replies, and a query of a few thousand parameters
 * overflows its connection memory and leaves the connection hanging.  So the
 * daemon keeps the target as it was received and this module parses it.
 */
#ifndef SB_TARGET_H
#define SB_TARGET_H

#include <stdbool.h>
#include <stddef.h>

/* More parameters than any route takes: a longer query is refused whole,
 * without looking at each parameter. */
#define TARGET_MAX_PARAMS 64

struct target_param {
    const char *name;  /* decoded, valid UTF-8, no NUL */
    const char *value; /* decoded, valid UTF-8, no NUL; "" when the parameter has no '=' */
};

struct target {
    const char *path; /* decoded, valid UTF-8, no control characters */
    struct target_param params[TARGET_MAX_PARAMS];
    unsigned n_params;
    char *buf; /* one allocation behind path and params */
};

/* Why a target was refused. */
enum target_error {
    TARGET_OK = 0,
    TARGET_NOT_ORIGIN_FORM, /* does not start with '/' */
    TARGET_BAD_ESCAPE,      /* '%' not followed by two hex digits */
    TARGET_BAD_UTF8,        /* decoded bytes are not UTF-8 */
    TARGET_CONTROL,         /* a control character (NUL included) in the decoded path */
    TARGET_NUL,             /* a NUL byte in a query parameter */
    TARGET_TOO_MANY_PARAMS, /* more than TARGET_MAX_PARAMS */
    TARGET_NO_MEMORY,
};

/* Parses the raw request target into t (zeroed first).  On an error in the
 * query, *param_at receives the raw (undecoded) parameter's offset in raw
 * and *param_len its length, so the caller can name it; otherwise both are
 * 0.  Returns TARGET_OK or why not; t owns nothing then.
 * Release with target_release(). */
enum target_error target_parse(struct target *t, const char *raw, size_t *param_at,
                               size_t *param_len);

/* Frees what target_parse() allocated. */
void target_release(struct target *t);

/* A sentence saying what is wrong, for a problem detail. */
const char *target_error_text(enum target_error e);

/* Writes s[0..len) into out (cap bytes, NUL-terminated) with every byte that
 * is not printable ASCII percent-encoded, for showing raw client text: the
 * result is always valid UTF-8, and still a URI reference when s was one
 * ('%' is left alone, so escapes already in s read as they were sent).
 * What does not fit is cut at an escape's boundary.  Returns out. */
char *target_escape(char *out, size_t cap, const char *s, size_t len);

#endif
