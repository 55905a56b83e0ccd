/*
 * Replies: JSON documents and RFC 9457 problem details.
 */
#include <assert.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http.h"
#include "jsontext.h"
#include "messages.h"
#include "spec.h"
#include "text.h"

struct problem_def {
    unsigned status;
    const char *slug;
    const char *title, *title_zh;
};

static const struct problem_def problem_defs[] = {
#define X(name, status, slug, title, title_zh) [name] = {status, slug, title, title_zh},
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

void reply_json_text(struct request *r, unsigned status, char *text, size_t len)
{
    reply_set(r, status, NULL, "application/json");
    r->reply_body = text;
    r->reply_len = len;
}

void reply_static(struct request *r, const char *content_type, const char *data, size_t len)
{
    reply_set(r, 200, NULL, content_type);
    r->static_body = data;
    r->static_len = len;
}

void reply_stream(struct request *r, const char *content_type, uint64_t size,
                  long (*read)(void *ctx, uint64_t pos, char *buf, size_t max),
                  void (*release)(void *ctx), void *ctx)
{
    struct reply_stream *st = calloc(1, sizeof *st);
    if (!st) {
        if (release)
            release(ctx);
        reply_problem(r, P_UNAVAILABLE, "out of memory; try again");
        return;
    }
    *st = (struct reply_stream){size, read, release, ctx};
    reply_set(r, 200, NULL, content_type);
    r->stream = st;
}

void reply_bytes(struct request *r, unsigned status, const char *content_type, char *text,
                 size_t len)
{
    reply_set(r, status, NULL, content_type);
    r->reply_body = text;
    r->reply_len = len;
}

void reply_text(struct request *r, const char *content_type, char *text, size_t len)
{
    reply_bytes(r, 200, content_type, text, len);
}

/* The problem's `instance`: the path as the client sent it, with what is
 * not printable ASCII escaped, so that it is valid UTF-8 (Jansson refuses
 * anything else) and a URI reference whatever arrived.  NULL when out of
 * memory. */
static json_t *instance_of(const struct request *r)
{
    const char *raw = r->target_raw ? r->target_raw : "";
    size_t len = strcspn(raw, "?");
    char *text = malloc(3 * len + 1);
    if (!text)
        return NULL;
    json_t *v = json_string(target_escape(text, 3 * len + 1, raw, len));
    free(text);
    return v;
}

json_t *reply_problem(struct request *r, enum problem p, const char *fmt, ...)
{
    char en[512], zh[512], shown[3 * sizeof en];
    va_list ap;
    va_start(ap, fmt);
    msg_vformat(en, sizeof en, zh, sizeof zh, fmt, ap);
    va_end(ap);
    const char *detail = r->zh && zh[0] ? zh : en;
    /* Details quote what the client sent; the checks before routing see
     * that it is UTF-8, but a reply must not depend on them. */
    const char *text = detail;
    if (!text_utf8_valid(detail, strlen(detail)))
        text = target_escape(shown, sizeof shown, detail, strlen(detail));

    const struct problem_def *d = &problem_defs[p];
    char type[96];
    snprintf(type, sizeof type, PROBLEM_TYPE_PREFIX "%s", d->slug);
    /* Every string is valid UTF-8 now, so this fails only when out of
     * memory; then reply_finish() sends a fixed reply. */
    json_t *doc =
        json_pack("{s:s, s:s, s:i, s:s, s:o*, s:s}", "type", type, "title",
                  r->zh ? d->title_zh : d->title, "status", (json_int_t)d->status, "detail", text,
                  "instance", instance_of(r), "request_id", r->request_id);
    reply_set(r, d->status, doc, "application/problem+json");
    return doc;
}

void reply_invalid(struct request *r, const struct spec_errors *errs)
{
    char summary[128], summary_zh[128];
    spec_errors_summary(errs, summary, sizeof summary, summary_zh, sizeof summary_zh);
    json_t *doc = reply_problem(r, P_INVALID, "%s", r->zh && summary_zh[0] ? summary_zh : summary);
    spec_errors_to_problem(errs, doc, r->zh);
}

/* The reply when memory ran out while making another: no allocation. */
static const char out_of_memory[] =
    "{\"type\":\"" PROBLEM_TYPE_PREFIX "unavailable\",\"title\":\"Service unavailable\","
    "\"status\":503,\"detail\":\"out of memory; try again\"}\n";

static void reply_out_of_memory(struct request *r)
{
    free(r->reply_body);
    r->reply_body = NULL;
    r->status = 503;
    r->content_type = "application/problem+json";
    r->static_body = out_of_memory;
    r->static_len = sizeof out_of_memory - 1;
}

void reply_finish(struct request *r)
{
    if (r->static_body || r->stream)
        return;
    if (!r->replied)
        reply_problem(r, P_INTERNAL, "the request was not answered");
    if (r->reply_doc) {
        char *text = dump_json(r->reply_doc, JSON_COMPACT);
        json_decref(r->reply_doc);
        r->reply_doc = NULL;
        /* dump_json() fails only when out of memory: every string in the
         * document passed Jansson's UTF-8 check when it was made. */
        if (!text) {
            reply_out_of_memory(r);
            return;
        }
        /* A trailing newline keeps terminals tidy for people using curl. */
        size_t len = strlen(text);
        char *body = realloc(text, len + 2);
        if (!body) {
            free(text);
            reply_out_of_memory(r);
            return;
        }
        r->reply_body = body;
        r->reply_body[len] = '\n';
        r->reply_body[len + 1] = '\0';
        r->reply_len = len + 1;
    } else if (r->content_type && strcmp(r->content_type, "application/problem+json") == 0 &&
               !r->reply_body) {
        reply_out_of_memory(r); /* the problem document could not be made */
    }
}
