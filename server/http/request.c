/*
 * Request helpers: the checks every request passes before routing, headers,
 * query parameters, the JSON body, If-Match.
 */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <microhttpd.h>

#include "jsontext.h"
#include "http.h"
#include "text.h"

const char *request_header(struct request *r, const char *name)
{
    return MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, name);
}

struct preference_scan {
    const char *name, *value;
    bool found;
};

/* Whether one Prefer header value (RFC 7240 §2: preferences separated by
 * commas, each `token [= word] *(; parameter)`, names and tokens
 * case-insensitive, a value perhaps quoted) holds name=value. */
static bool prefer_holds(const char *header, const char *name, const char *value)
{
    size_t nlen = strlen(name), vlen = strlen(value);
    for (const char *p = header; *p;) {
        while (*p == ' ' || *p == '\t' || *p == ',')
            p++;
        size_t len = strcspn(p, ",");
        const char *end = p + len;
        size_t plen = strcspn(p, ";,");
        /* the preference itself, before any parameter */
        const char *q = p;
        while (q < p + plen && *q != '=' && *q != ' ' && *q != '\t')
            q++;
        if ((size_t)(q - p) == nlen && strncasecmp(p, name, nlen) == 0) {
            while (q < p + plen && (*q == ' ' || *q == '\t'))
                q++;
            if (q < p + plen && *q == '=') {
                q++;
                while (q < p + plen && (*q == ' ' || *q == '\t'))
                    q++;
                bool quoted = q < p + plen && *q == '"';
                if (quoted)
                    q++;
                const char *v = q;
                while (q < p + plen && *q != '"' && *q != ' ' && *q != '\t')
                    q++;
                if ((size_t)(q - v) == vlen && strncasecmp(v, value, vlen) == 0)
                    return true;
            }
        }
        p = end;
    }
    return false;
}

static enum MHD_Result scan_prefer(void *cls, enum MHD_ValueKind kind, const char *key,
                                   size_t key_size, const char *value, size_t value_size)
{
    (void)kind;
    (void)key_size;
    (void)value_size;
    struct preference_scan *s = cls;
    if (value && strcasecmp(key, "Prefer") == 0 && prefer_holds(value, s->name, s->value))
        s->found = true;
    return MHD_YES;
}

bool request_prefers(struct request *r, const char *name, const char *value)
{
    struct preference_scan s = {name, value, false};
    MHD_get_connection_values_n(r->conn, MHD_HEADER_KIND, scan_prefer, &s);
    return s.found;
}

const char *request_cookie(struct request *r, const char *name)
{
    return MHD_lookup_connection_value(r->conn, MHD_COOKIE_KIND, name);
}

const char *request_query(struct request *r, const char *name)
{
    for (unsigned i = 0; i < r->target.n_params; i++)
        if (strcmp(r->target.params[i].name, name) == 0)
            return r->target.params[i].value;
    return NULL;
}

/* ---- before routing ------------------------------------------------------ */

/* RFC 9110 §5.6.2: the characters of a token (methods, header names). */
static bool is_token(const char *s, size_t len)
{
    static const char extra[] = "!#$%&'*+-.^_`|~";
    if (len == 0)
        return false;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (!isalnum(c) && (c == '\0' || !strchr(extra, c)))
            return false;
    }
    return true;
}

/* A header value is text: UTF-8 (RFC 9110 allows other bytes, but we read
 * every value as UTF-8 and log it as JSON), no control character but
 * horizontal tab. */
static bool is_text(const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++)
        if (((unsigned char)s[i] < 0x20 && s[i] != '\t') || s[i] == 0x7F)
            return false;
    return text_utf8_valid(s, len);
}

/* What the headers say, gathered in one pass. */
struct head_scan {
    const char *bad_name; /* the first header refused, and why */
    size_t bad_len;
    const char *bad_why;
    unsigned hosts;
    const char *length; /* the first Content-Length */
    bool lengths_differ;
    const char *transfer_encoding;
};

static enum MHD_Result scan_header(void *cls, enum MHD_ValueKind kind, const char *key,
                                   size_t key_size, const char *value, size_t value_size)
{
    (void)kind;
    struct head_scan *h = cls;
    if (!h->bad_name && !is_token(key, key_size)) {
        h->bad_name = key, h->bad_len = key_size;
        h->bad_why = "is not a valid header name";
    } else if (!h->bad_name && value && !is_text(value, value_size)) {
        h->bad_name = key, h->bad_len = key_size;
        h->bad_why = "has a value that is not UTF-8 text";
    }
    if (strcasecmp(key, MHD_HTTP_HEADER_HOST) == 0)
        h->hosts++;
    if (strcasecmp(key, MHD_HTTP_HEADER_CONTENT_LENGTH) == 0) {
        if (!h->length)
            h->length = value ? value : "";
        else if (strcmp(h->length, value ? value : "") != 0)
            h->lengths_differ = true;
    }
    if (strcasecmp(key, MHD_HTTP_HEADER_TRANSFER_ENCODING) == 0)
        h->transfer_encoding = value ? value : "";
    return MHD_YES;
}

/* An owned copy of s[0..len) with what is not printable ASCII escaped; NULL
 * when out of memory. */
static char *escaped_copy(const char *s, size_t len)
{
    char *out = malloc(3 * len + 1);
    return out ? target_escape(out, 3 * len + 1, s, len) : NULL;
}

/* Replies 400 naming the query parameter at raw[at..at+len). */
static void refuse_parameter(struct request *r, size_t at, size_t len, const char *why)
{
    char *name = escaped_copy(r->target_raw + at, len);
    json_t *doc =
        reply_problem(r, P_BAD_QUERY, "query parameter \"%s\": %s", name ? name : "", why);
    json_object_set_new(doc, "errors",
                        json_pack("[{s:s, s:s}]", "parameter", name ? name : "", "detail", why));
    free(name);
}

/*
 * True when the request line held no NUL byte, which would have cut the
 * method or the target that libmicrohttpd hands us ("/v1/applications/1"
 * from "/v1/applications/1\0…").  libmicrohttpd 0.9.75 parses the line
 * in place (connection.c, parse_initial_message_line()): the method from
 * its start to the first space, made a string there; then spaces; then
 * the target up to the last space, made a string there; then exactly the
 * eight bytes of the version.  The line stays where it is until the
 * request ends, so the three pointers into it can be compared.
 */
static bool request_line_whole(const struct request *r, const char *method, const char *version)
{
    const char *target = r->target_line;
    if (!target || target <= method || version <= target)
        return true; /* not laid out as expected: nothing to compare */
    for (const char *p = method + strlen(method) + 1; p < target; p++)
        if (*p != ' ')
            return false;
    return (size_t)(version - 1 - target) == strlen(r->target_raw);
}

/* Whether Accept-Language prefers Chinese: the language range of the
 * highest weight (the first of equal weights) is zh or zh-…  (RFC 9110
 * §12.5.4; CONTRACT.md "Languages": anything else gets English). */
static bool prefers_zh(const char *v)
{
    bool zh = false;
    int best = -1;
    while (v && *v) {
        while (*v == ' ' || *v == '\t' || *v == ',')
            v++;
        size_t len = strcspn(v, ",;");
        const char *range = v;
        size_t range_len = len;
        while (range_len > 0 && (range[range_len - 1] == ' ' || range[range_len - 1] == '\t'))
            range_len--;
        v += len;
        int q = 1000;
        if (*v == ';') {
            const char *qp = strstr(v, "q=");
            size_t params = strcspn(v, ",");
            if (qp && (size_t)(qp - v) < params) {
                q = 0;
                int digits = 0, scale = 1000;
                qp += 2;
                if (*qp == '1')
                    q = 1000;
                else if (*qp == '0' && qp[1] == '.')
                    for (const char *d = qp + 2; *d >= '0' && *d <= '9' && digits < 3;
                         d++, digits++)
                        q += (*d - '0') * (scale /= 10);
            }
            v += params;
        }
        if (range_len > 0 && q > best) {
            best = q;
            zh = (range_len == 2 || (range_len > 2 && range[2] == '-')) &&
                 strncasecmp(range, "zh", 2) == 0;
        }
    }
    return zh && best > 0;
}

bool request_begin(struct request *r, const char *method, const char *version)
{
    r->began = true;
    r->zh = prefers_zh(request_header(r, "Accept-Language"));
    const char *raw = r->target_raw ? r->target_raw : "";
    size_t raw_path_len = strcspn(raw, "?");
    size_t at, len;

    bool method_ok = is_token(method, strlen(method));
    r->method = method_ok ? method : (r->shown[0] = escaped_copy(method, strlen(method)));
    enum target_error e = target_parse(&r->target, raw, &at, &len);
    r->path = e == TARGET_OK ? r->target.path : (r->shown[1] = escaped_copy(raw, raw_path_len));
    if (!r->method)
        r->method = "";
    if (!r->path)
        r->path = "";

    if (!method_ok) {
        reply_problem(r, P_BAD_REQUEST, "the method \"%s\" is not a token (RFC 9110)", r->method);
        return false;
    }
    if (!request_line_whole(r, method, version)) {
        reply_problem(r, P_BAD_REQUEST, "the request line holds a NUL byte");
        return false;
    }
    if (e == TARGET_NO_MEMORY) {
        reply_problem(r, P_UNAVAILABLE, "out of memory; try again");
        return false;
    }
    if (e != TARGET_OK && len > 0) {
        refuse_parameter(r, at, len, target_error_text(e));
        return false;
    }
    if (e == TARGET_TOO_MANY_PARAMS) {
        reply_problem(r, P_BAD_QUERY, "%s (at most %d)", target_error_text(e), TARGET_MAX_PARAMS);
        return false;
    }
    if (e != TARGET_OK) {
        reply_problem(r, P_BAD_REQUEST, "the path \"%s\": %s", r->path, target_error_text(e));
        return false;
    }

    struct head_scan h = {0};
    MHD_get_connection_values_n(r->conn, MHD_HEADER_KIND, scan_header, &h);
    if (h.bad_name) {
        char *name = escaped_copy(h.bad_name, h.bad_len);
        reply_problem(r, P_BAD_REQUEST, "the header \"%s\" %s", name ? name : "", h.bad_why);
        free(name);
        return false;
    }
    /* RFC 9112 §3.2: every HTTP/1.1 request (libmicrohttpd takes 1.2 to
     * 1.9 as 1.1) names its host once; HTTP/1.0 had no Host. */
    if (h.hosts > 1 || (h.hosts == 0 && strcmp(version, MHD_HTTP_VERSION_1_0) != 0)) {
        reply_problem(r, P_BAD_REQUEST, "an HTTP/1.1 request carries exactly one Host header");
        return false;
    }
    if (h.lengths_differ) {
        reply_problem(r, P_BAD_REQUEST, "Content-Length is given twice with different values");
        return false;
    }
    if (h.transfer_encoding && h.length) {
        reply_problem(r, P_BAD_REQUEST,
                      "send either Content-Length or Transfer-Encoding, not both");
        return false;
    }
    if (h.transfer_encoding && strcasecmp(h.transfer_encoding, "chunked") != 0) {
        reply_problem(r, P_BAD_REQUEST, "the only Transfer-Encoding taken is chunked");
        return false;
    }
    return true;
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
    json_t *doc = parse_json(r->body, r->body_len, JSON_REJECT_DUPLICATES, &err);
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
    char(*h)[REPLY_HEADER_LEN] = r->headers[r->n_headers++];
    snprintf(h[0], sizeof h[0], "%s", name);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(h[1], sizeof h[1], fmt, ap);
    va_end(ap);
}
