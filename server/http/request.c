/*
 * Request helpers: headers, query parameters, the JSON body, If-Match.
 */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <microhttpd.h>

#include "http.h"

const char *request_header(struct request *r, const char *name)
{
    return MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, name);
}

const char *request_cookie(struct request *r, const char *name)
{
    return MHD_lookup_connection_value(r->conn, MHD_COOKIE_KIND, name);
}

const char *request_query(struct request *r, const char *name)
{
    return MHD_lookup_connection_value(r->conn, MHD_GET_ARGUMENT_KIND, name);
}

/* True when the Content-Type names JSON: application/json, optionally with
 * parameters (charset=utf-8), or a +json suffix type. */
static bool is_json_media_type(const char *ct)
{
    if (!ct)
        return false;
    size_t n = strcspn(ct, ";");
    while (n > 0 && isspace((unsigned char)ct[n - 1]))
        n--;
    if (n == 16 && strncasecmp(ct, "application/json", 16) == 0)
        return true;
    return n > 5 && strncasecmp(ct + n - 5, "+json", 5) == 0 &&
           strncasecmp(ct, "application/", 12) == 0;
}

json_t *request_json_object(struct request *r)
{
    if (!is_json_media_type(request_header(r, MHD_HTTP_HEADER_CONTENT_TYPE))) {
        reply_problem(r, P_MEDIA_TYPE, "send the body with Content-Type: application/json");
        return NULL;
    }
    if (r->body_len == 0) {
        reply_problem(r, P_MALFORMED_JSON, "the request body is empty; a JSON object is expected");
        return NULL;
    }
    json_error_t err;
    json_t *doc = json_loadb(r->body, r->body_len, JSON_REJECT_DUPLICATES, &err);
    if (!doc) {
        reply_problem(r, P_MALFORMED_JSON, "line %d, column %d: %s", err.line, err.column,
                      err.text);
        return NULL;
    }
    if (!json_is_object(doc)) {
        json_decref(doc);
        reply_problem(r, P_MALFORMED_JSON, "the body must be a JSON object");
        return NULL;
    }
    return doc;
}

int64_t request_if_match(struct request *r)
{
    const char *v = request_header(r, MHD_HTTP_HEADER_IF_MATCH);
    if (!v || strcmp(v, "*") == 0)
        return 0;
    /* Only a strong, quoted version as our ETags are: "7".  Entity-tags
     * compare character by character (RFC 9110 8.8.3.2), so "07" is not
     * "7": a leading zero is refused, as are "0" and signs. */
    size_t len = strlen(v);
    if (len >= 3 && len < 24 && v[0] == '"' && v[len - 1] == '"' && v[1] >= '1' && v[1] <= '9') {
        char digits[24];
        memcpy(digits, v + 1, len - 2);
        digits[len - 2] = '\0';
        char *end;
        errno = 0;
        long long n = strtoll(digits, &end, 10);
        if (errno == 0 && *end == '\0' && n > 0)
            return n;
    }
    reply_problem(r, P_STALE, "If-Match must be a version as the ETag gives it, e.g. \"3\"");
    return -1;
}

void reply_header(struct request *r, const char *name, const char *fmt, ...)
{
    if (r->n_headers >= REPLY_MAX_HEADERS)
        return;
    char(*h)[512] = r->headers[r->n_headers++];
    snprintf(h[0], sizeof h[0], "%s", name);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(h[1], sizeof h[1], fmt, ap);
    va_end(ap);
}
