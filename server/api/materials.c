/*
 * Materials (申报材料): a kind's types, and the files of an application —
 * upload (the body is the file, received into a file as it arrives and
 * checked before a byte of it is read), list, download (read from the
 * database piece by piece while it is sent), delete.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <sodium.h>

#include "api.h"
#include "ratelimit.h"
#include "text.h"

void api_kind_materials(struct call *c)
{
    json_t *doc = engine_material_types(c->engine, c->kind);
    if (doc)
        reply_json(c->r, 200, doc);
    else
        reply_problem(c->r, P_INTERNAL, "out of memory");
}

/* ---- upload ------------------------------------------------------------------------- */

/* Uploads per account and hour (config material_uploads_per_hour), counted
 * when the head arrives: a refused file counts as much as a stored one. */
static struct ratelimit uploads = RATELIMIT_INIT(3600);

/* The Content-Length as a number; -1 when absent or not one. */
static int64_t declared_length(struct request *r)
{
    const char *cl = request_header(r, "Content-Length");
    if (!cl || !*cl)
        return -1;
    char *end;
    errno = 0;
    long long n = strtoll(cl, &end, 10);
    return errno == 0 && *end == '\0' && n >= 0 ? n : -1;
}

void api_material_upload_head(struct call *c)
{
    struct request *r = c->r;
    char key[32];
    unsigned retry = 0;
    snprintf(key, sizeof key, "%lld", (long long)c->actor.account);
    if (!ratelimit_take(&uploads, key, c->now, r->cfg->material_uploads_per_hour, &retry)) {
        reply_header(r, "Retry-After", "%u", retry);
        reply_problem(r, P_TOO_MANY,
                      "at most %u uploads an hour from one account; try again in "
                      "%u s",
                      r->cfg->material_uploads_per_hour, retry);
        return;
    }
    struct outcome o;
    outcome_init(&o);
    int64_t max = 0;
    engine_material_precheck(c->engine, &c->actor, c->id, request_query(r, "type"),
                             request_header(r, "Content-Type"), declared_length(r), &max, &o);
    if (api_outcome(c, &o) && request_take_file(r, max) != 0)
        reply_problem(r, P_UNAVAILABLE, "the file cannot be received now; try again later");
    outcome_release(&o);
}

static int fd_read_at(void *ctx, int64_t off, void *buf, size_t len)
{
    int fd = *(int *)ctx;
    char *p = buf;
    while (len > 0) {
        ssize_t n = pread(fd, p, len, off);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return -1;
        p += n;
        off += n;
        len -= (size_t)n;
    }
    return 0;
}

static int hex_value(int ch)
{
    if (ch >= '0' && ch <= '9')
        return ch - '0';
    if (ch >= 'a' && ch <= 'f')
        return ch - 'a' + 10;
    if (ch >= 'A' && ch <= 'F')
        return ch - 'A' + 10;
    return -1;
}

/*
 * The file name a Content-Disposition gives (RFC 6266): filename*= in
 * RFC 8187's UTF-8''percent-encoded form preferred, else filename= as a
 * quoted string or a token.  A new string (caller frees), or NULL when
 * there is none it can read.
 */
static char *disposition_filename(const char *h)
{
    if (!h)
        return NULL;
    char *plain = NULL, *ext = NULL;
    const char *p = strchr(h, ';');
    while (p) {
        p++;
        while (*p == ' ' || *p == '\t')
            p++;
        const char *eq = strchr(p, '=');
        if (!eq)
            break;
        size_t nlen = (size_t)(eq - p);
        while (nlen > 0 && (p[nlen - 1] == ' ' || p[nlen - 1] == '\t'))
            nlen--;
        const char *v = eq + 1;
        while (*v == ' ' || *v == '\t')
            v++;
        const char *next;
        if (*v == '"') {
            /* quoted-string, with \-escapes */
            size_t cap = strlen(v);
            char *out = malloc(cap + 1), *o = out;
            const char *q = v + 1;
            for (; out && *q && *q != '"'; q++) {
                if (*q == '\\' && q[1])
                    q++;
                *o++ = *q;
            }
            if (out)
                *o = '\0';
            next = strchr(*q ? q + 1 : q, ';');
            if (nlen == 8 && strncasecmp(p, "filename", 8) == 0 && !plain)
                plain = out;
            else
                free(out);
        } else {
            size_t vlen = strcspn(v, ";");
            while (vlen > 0 && (v[vlen - 1] == ' ' || v[vlen - 1] == '\t'))
                vlen--;
            next = strchr(v, ';');
            if (nlen == 9 && strncasecmp(p, "filename*", 9) == 0 && !ext) {
                /* charset'language'value */
                const char *q1 = memchr(v, '\'', vlen);
                const char *q2 = q1 ? memchr(q1 + 1, '\'', vlen - (size_t)(q1 + 1 - v)) : NULL;
                if (q1 && q2 && q1 - v == 5 && strncasecmp(v, "UTF-8", 5) == 0) {
                    const char *s = q2 + 1, *end = v + vlen;
                    char *out = malloc((size_t)(end - s) + 1), *o = out;
                    bool ok = out != NULL;
                    for (; ok && s < end; s++) {
                        if (*s == '%') {
                            int hi = end - s >= 3 ? hex_value(s[1]) : -1;
                            int lo = hi >= 0 ? hex_value(s[2]) : -1;
                            if (hi < 0 || lo < 0) {
                                ok = false;
                                break;
                            }
                            *o++ = (char)(hi * 16 + lo);
                            s += 2;
                        } else {
                            *o++ = *s;
                        }
                    }
                    if (ok) {
                        *o = '\0';
                        ext = out;
                    } else {
                        free(out);
                    }
                }
            } else if (nlen == 8 && strncasecmp(p, "filename", 8) == 0 && !plain) {
                plain = strndup(v, vlen);
            }
        }
        p = next;
    }
    /* A name that is not valid UTF-8 (or holds a NUL) is no name. */
    if (ext && !text_utf8_valid(ext, strlen(ext))) {
        free(ext);
        ext = NULL;
    }
    if (ext) {
        free(plain);
        return ext;
    }
    return plain;
}

static void reply_material(struct call *c, unsigned status, const struct material *m)
{
    json_t *doc = material_to_json(m);
    if (!doc) {
        reply_problem(c->r, P_INTERNAL, "the file could not be rendered");
        return;
    }
    if (status == 201)
        reply_header(c->r, "Location", "/v1/applications/%lld/materials/%lld",
                     (long long)m->application_id, (long long)m->id);
    reply_json(c->r, status, doc);
}

void api_material_upload(struct call *c)
{
    struct upload_info u;
    if (!request_upload(c->r, &u)) {
        reply_problem(c->r, P_INTERNAL, "the file was not received");
        return;
    }
    int fd = u.fd;
    struct material_input in = {
        .type = request_query(c->r, "type"),
        .content_type = request_header(c->r, "Content-Type"),
        .src = {.size = u.bytes, .read_at = fd_read_at, .ctx = &fd},
    };
    memcpy(in.sha256, u.sha256, sizeof in.sha256);
    char *filename = disposition_filename(request_header(c->r, "Content-Disposition"));
    in.filename = filename;
    struct outcome o;
    struct material m;
    outcome_init(&o);
    engine_material_add(c->engine, &c->actor, c->id, &in, c->now, &m, &o);
    if (api_outcome(c, &o))
        reply_material(c, 201, &m);
    material_release(&m);
    outcome_release(&o);
    free(filename);
}

/* ---- list, download, delete ---------------------------------------------------------- */

void api_materials_list(struct call *c)
{
    struct outcome o;
    json_t *doc = NULL;
    outcome_init(&o);
    engine_materials(c->engine, &c->actor, c->id, c->now, &doc, &o);
    if (api_outcome(c, &o))
        reply_json(c->r, 200, doc);
    outcome_release(&o);
}

struct download {
    struct engine *engine;
    int64_t mid;
};

static long download_read(void *ctx, uint64_t pos, char *buf, size_t max)
{
    struct download *d = ctx;
    return engine_material_read(d->engine, d->mid, (int64_t)pos, buf, max) == 0 ? (long)max : -1;
}

/* RFC 8187 attr-char: what goes into filename*= unencoded. */
static bool attr_char(unsigned char ch)
{
    return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
           (ch && strchr("!#$&+-.^_`|~", ch));
}

/* Content-Disposition for a download: an ASCII filename= for old clients
 * and the name itself in filename*= (RFC 6266, RFC 8187).  A name too long
 * for the header is cut before a character that does not fit whole. */
static void disposition(struct call *c, const char *name)
{
    char ascii[128], ext[REPLY_HEADER_LEN - 200];
    size_t a = 0, e = 0;
    const unsigned char *p = (const unsigned char *)name;
    while (*p) {
        size_t n = 1; /* the bytes of this character */
        while (p[n] && (p[n] & 0xC0) == 0x80)
            n++;
        size_t need = 0;
        for (size_t i = 0; i < n; i++)
            need += attr_char(p[i]) ? 1 : 3;
        if (e + need >= sizeof ext)
            break;
        for (size_t i = 0; i < n; i++) {
            if (attr_char(p[i]))
                ext[e++] = (char)p[i];
            else
                e += (size_t)snprintf(ext + e, 4, "%%%02X", p[i]);
        }
        if (a + 1 < sizeof ascii)
            ascii[a++] =
                n == 1 && *p >= 0x20 && *p < 0x7F && *p != '"' && *p != '\\' ? (char)*p : '_';
        p += n;
    }
    ascii[a] = '\0';
    ext[e] = '\0';
    reply_header(c->r, "Content-Disposition", "attachment; filename=\"%s\"; filename*=UTF-8''%s",
                 ascii, ext);
}

void api_material_get(struct call *c)
{
    struct outcome o;
    struct material m;
    outcome_init(&o);
    engine_material_get(c->engine, &c->actor, c->id, c->sub_id, &m, &o);
    if (api_outcome(c, &o)) {
        struct download *d = malloc(sizeof *d);
        if (!d) {
            reply_problem(c->r, P_UNAVAILABLE, "out of memory; try again");
        } else {
            char
                b64[sodium_base64_ENCODED_LEN(MATERIAL_SHA256_LEN, sodium_base64_VARIANT_ORIGINAL)];
            sodium_bin2base64(b64, sizeof b64, m.sha256, MATERIAL_SHA256_LEN,
                              sodium_base64_VARIANT_ORIGINAL);
            *d = (struct download){c->engine, m.id};
            disposition(c, m.filename ? m.filename : "");
            reply_header(c->r, "Repr-Digest", "sha-256=:%s:", b64);
            reply_header(c->r, "ETag", "\"sha-256:%s\"", b64);
            if (m.deleted_at[0])
                reply_header(c->r, "X-Material-Deleted-At", "%s", m.deleted_at);
            reply_stream(c->r, m.content_type, (uint64_t)m.bytes, download_read, free, d);
        }
    }
    material_release(&m);
    outcome_release(&o);
}

void api_material_delete(struct call *c)
{
    struct outcome o;
    outcome_init(&o);
    engine_material_delete(c->engine, &c->actor, c->id, c->sub_id, c->now, &o);
    if (api_outcome(c, &o))
        reply_empty(c->r, 204);
    outcome_release(&o);
}
