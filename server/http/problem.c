/*
 * Replies: JSON documents and RFC 9457 problem details.
 */
#include <assert.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http.h"
#include "spec.h"
#include "text.h"

struct problem_def {
    unsigned status;
    const char *slug;
    const char *title;
};

static const struct problem_def problem_defs[] = {
#define X(name, status, slug, title) [name] = {status, slug, title},
    PROBLEMS(X)
#undef X
};

unsigned problem_status(enum problem p)
{
    return problem_defs[p].status;
}

static void reply_set(struct request *r, unsigned status, json_t *doc, const char *content_type)
{
    /* A handler replies once; a second reply is a bug, but the first one
     * stands so the client still gets a coherent answer. */
    assert(!r->replied);
    if (r->replied) {
        json_decref(doc);
        return;
    }
    r->replied = true;
    r->status = status;
    r->reply_doc = doc;
    r->content_type = content_type;
}

void reply_json(struct request *r, unsigned status, json_t *body)
{
    reply_set(r, status, body, "application/json");
}

void reply_empty(struct request *r, unsigned status)
{
    reply_set(r, status, NULL, NULL);
}

void reply_static(struct request *r, const char *content_type, const char *data, size_t len)
{
    reply_set(r, 200, NULL, content_type);
    r->static_body = data;
    r->static_len = len;
}

void reply_text(struct request *r, const char *content_type, char *text, size_t len)
{
    reply_set(r, 200, NULL, content_type);
    r->reply_body = text;
    r->reply_len = len;
}

json_t *reply_problem(struct request *r, enum problem p, const char *fmt, ...)
{
    char detail[512];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(detail, sizeof detail, fmt, ap);
    va_end(ap);
    if (n >= (int)sizeof detail)
        text_trim_utf8(detail);

    const struct problem_def *d = &problem_defs[p];
    char type[96];
    snprintf(type, sizeof type, PROBLEM_TYPE_PREFIX "%s", d->slug);
    json_t *doc = json_pack("{s:s, s:s, s:i, s:s, s:s, s:s}", "type", type, "title", d->title,
                            "status", (json_int_t)d->status, "detail", detail, "instance",
                            r->path ? r->path : "", "request_id", r->request_id);
    if (!doc)
        abort(); /* only on allocation failure or invalid UTF-8 in our own text */
    reply_set(r, d->status, doc, "application/problem+json");
    return doc;
}

void reply_invalid(struct request *r, const struct spec_errors *errs)
{
    char summary[128];
    spec_errors_summary(errs, summary, sizeof summary);
    spec_errors_to_problem(errs, reply_problem(r, P_INVALID, "%s", summary));
}

void reply_store_error(struct request *r, enum store_rc rc)
{
    switch (rc) {
    case STORE_NOT_FOUND:
        reply_problem(r, P_NOT_FOUND, "no such resource");
        break;
    case STORE_CONFLICT:
        reply_problem(r, P_CONFLICT, "the resource was changed by another request; retry");
        break;
    case STORE_OK:
    case STORE_ERROR:
    default:
        reply_problem(r, P_INTERNAL, "the database could not complete the request");
        break;
    }
}

void reply_finish(struct request *r)
{
    if (r->static_body)
        return;
    if (!r->replied)
        reply_problem(r, P_INTERNAL, "the request was not answered");
    if (r->reply_doc) {
        char *text = json_dumps(r->reply_doc, JSON_COMPACT);
        json_decref(r->reply_doc);
        r->reply_doc = NULL;
        if (!text)
            abort();
        /* A trailing newline keeps terminals tidy for people using curl. */
        size_t len = strlen(text);
        r->reply_body = realloc(text, len + 2);
        if (!r->reply_body)
            abort();
        r->reply_body[len] = '\n';
        r->reply_body[len + 1] = '\0';
        r->reply_len = len + 1;
    }
}
