/*
 * The transparency log (CONTRACT.md "Transparency log", docs/TRANSPARENCY.md):
 * the signed checkpoint, the log's verifier key, inclusion and consistency
 * proofs, and the entries for auditors.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "note.h"

/* At most this many entries per GET /v1/log/entries. */
#define LOG_ENTRIES_MAX 256

/* What a proof or a range of entries answers never changes (a size of the
 * log is a fixed prefix of it). */
#define CACHE_FOREVER "max-age=31536000, immutable"

/* The query parameters, parsed: each one named in the one 400. */
struct log_query {
    json_t *errors;
};

static void bad_param(struct log_query *q, const char *name, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void bad_param(struct log_query *q, const char *name, const char *fmt, ...)
{
    char detail[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(detail, sizeof detail, fmt, ap);
    va_end(ap);
    json_array_append_new(q->errors, json_pack("{s:s, s:s}", "parameter", name, "detail", detail));
}

/* Parameter `name` as a tree size or index: a decimal integer from 0 to
 * 2^63 - 1 without sign or leading zeros.  *out keeps `dflt` when the
 * parameter is absent and not required. */
static void size_param(struct call *c, struct log_query *q, const char *name, bool required,
                       uint64_t *out)
{
    const char *v = request_query(c->r, name);
    if (!v) {
        if (required)
            bad_param(q, name, "is required");
        return;
    }
    char *end = NULL;
    errno = 0;
    unsigned long long n = v[0] >= '0' && v[0] <= '9' ? strtoull(v, &end, 10) : 0;
    if (!end || *end || errno || (v[0] == '0' && v[1]) || n > (unsigned long long)INT64_MAX) {
        bad_param(q, name, "must be an integer from 0 to 9223372036854775807");
        return;
    }
    *out = n;
}

/* Replies 400 naming the bad parameters, if any; true when there are none. */
static bool query_ok(struct call *c, struct log_query *q)
{
    size_t n = json_array_size(q->errors);
    if (n == 0) {
        json_decref(q->errors);
        q->errors = NULL;
        return true;
    }
    json_t *doc = reply_problem(c->r, P_BAD_QUERY, "%zu query parameter%s invalid; see errors", n,
                                n == 1 ? " is" : "s are");
    json_object_set_new(doc, "errors", q->errors);
    q->errors = NULL;
    return false;
}

static bool log_size(struct call *c, uint64_t *size)
{
    if (engine_log_size(c->engine, size) == ENGINE_OK)
        return true;
    reply_problem(c->r, P_INTERNAL, "the log could not be read");
    return false;
}

void api_log_checkpoint(struct call *c)
{
    char *note = NULL;
    size_t len = 0;
    uint64_t size = 0;
    enum engine_rc rc = engine_log_checkpoint(c->engine, &note, &len, &size);
    if (rc == ENGINE_UNAVAILABLE) {
        reply_problem(c->r, P_UNAVAILABLE, "no log key is loaded");
        return;
    }
    if (rc != ENGINE_OK) {
        reply_problem(c->r, P_INTERNAL, "the checkpoint could not be made");
        return;
    }
    /* A new one after every write: caches ask every time. */
    reply_header(c->r, "Cache-Control", "no-cache");
    reply_text(c->r, "text/plain; charset=utf-8", note, len);
}

void api_log_key(struct call *c)
{
    const struct note_signer *k = c->engine->log_key;
    char *vkey = k ? note_verifier_key(k->name, k->pk) : NULL;
    if (!vkey) {
        reply_problem(c->r, P_UNAVAILABLE, "no log key is loaded");
        return;
    }
    size_t len = strlen(vkey);
    char *text = realloc(vkey, len + 2);
    if (!text) {
        free(vkey);
        reply_problem(c->r, P_INTERNAL, "out of memory");
        return;
    }
    text[len] = '\n';
    text[len + 1] = '\0';
    reply_header(c->r, "Cache-Control", "max-age=86400");
    reply_text(c->r, "text/plain; charset=utf-8", text, len + 1);
}

void api_log_inclusion(struct call *c)
{
    struct log_query q = {.errors = json_array()};
    uint64_t have = 0, index = 0, size = 0;
    if (!log_size(c, &have)) {
        json_decref(q.errors);
        return;
    }
    size = have;
    size_param(c, &q, "index", true, &index);
    size_param(c, &q, "size", false, &size);
    if (json_array_size(q.errors) == 0) {
        if (size > have)
            bad_param(&q, "size", "the log has %llu leaves", (unsigned long long)have);
        else if (index >= size)
            bad_param(&q, "index", "must be below the size, %llu", (unsigned long long)size);
    }
    if (!query_ok(c, &q))
        return;
    json_t *doc = NULL;
    enum engine_rc rc = engine_log_inclusion(c->engine, index, size, &doc);
    if (rc != ENGINE_OK) {
        reply_problem(c->r, P_INTERNAL, "the proof could not be made");
        return;
    }
    /* Only a proof for a size given in the query is the same forever. */
    reply_header(c->r, "Cache-Control", "%s",
                 request_query(c->r, "size") ? CACHE_FOREVER : "no-cache");
    reply_json(c->r, 200, doc);
}

void api_log_consistency(struct call *c)
{
    struct log_query q = {.errors = json_array()};
    uint64_t have = 0, from = 0, to = 0;
    if (!log_size(c, &have)) {
        json_decref(q.errors);
        return;
    }
    to = have;
    size_param(c, &q, "from", true, &from);
    size_param(c, &q, "to", false, &to);
    if (json_array_size(q.errors) == 0) {
        if (to > have)
            bad_param(&q, "to", "the log has %llu leaves", (unsigned long long)have);
        else if (from > to)
            bad_param(&q, "from", "must be at most to, %llu", (unsigned long long)to);
    }
    if (!query_ok(c, &q))
        return;
    json_t *doc = NULL;
    if (engine_log_consistency(c->engine, from, to, &doc) != ENGINE_OK) {
        reply_problem(c->r, P_INTERNAL, "the proof could not be made");
        return;
    }
    reply_header(c->r, "Cache-Control", "%s",
                 request_query(c->r, "to") ? CACHE_FOREVER : "no-cache");
    reply_json(c->r, 200, doc);
}

static void add_entry(json_t *entry, void *ctx)
{
    listing_add(ctx, entry);
}

void api_log_entries(struct call *c)
{
    struct log_query q = {.errors = json_array()};
    uint64_t have = 0, start = 0, end = 0;
    if (!log_size(c, &have)) {
        json_decref(q.errors);
        return;
    }
    size_param(c, &q, "start", true, &start);
    end = start + LOG_ENTRIES_MAX < have ? start + LOG_ENTRIES_MAX : have;
    size_param(c, &q, "end", false, &end);
    if (json_array_size(q.errors) == 0) {
        if (end > have)
            bad_param(&q, "end", "the log has %llu leaves", (unsigned long long)have);
        else if (start > end)
            bad_param(&q, "start", "must be at most end, %llu", (unsigned long long)end);
        else if (end - start > LOG_ENTRIES_MAX)
            bad_param(&q, "end", "at most %d entries at a time: end must be at most %llu",
                      LOG_ENTRIES_MAX, (unsigned long long)(start + LOG_ENTRIES_MAX));
    }
    if (!query_ok(c, &q))
        return;
    struct listing l;
    listing_init(&l);
    enum engine_rc rc = engine_log_entries(c->engine, start, end, add_entry, &l);
    json_t *doc = NULL;
    if (rc == ENGINE_OK && !l.failed)
        doc = json_pack("{s:I, s:I, s:I, s:o}", "start", (json_int_t)start, "end", (json_int_t)end,
                        "size", (json_int_t)have, "entries", l.items);
    else
        json_decref(l.items);
    if (!doc) {
        reply_problem(c->r, P_INTERNAL, "the entries could not be read");
        return;
    }
    /* Auditors only: private caches alone may keep it; a range given in
     * full never changes. */
    reply_header(c->r, "Cache-Control", "private, %s",
                 request_query(c->r, "end") ? CACHE_FOREVER : "no-cache");
    reply_json(c->r, 200, doc);
}
