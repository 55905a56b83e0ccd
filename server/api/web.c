/*
 * The web front end: the files of web/, compiled into the binary and served
 * as they are.  No build step, no directory to install.
 */
#include <string.h>

#include "api.h"
#include "embedded.h"

/* What the pages may load: only our own files, no inline script or style,
 * no framing. */
#define CONTENT_SECURITY_POLICY                                                                    \
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "              \
    "connect-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'"

static const struct {
    const char *suffix, *type;
} types[] = {
    {".html", "text/html; charset=utf-8"},
    {".js", "text/javascript; charset=utf-8"},
    {".css", "text/css; charset=utf-8"},
    {".svg", "image/svg+xml"},
    {".json", "application/json"},
    {".txt", "text/plain; charset=utf-8"},
    {".png", "image/png"},
    {".ico", "image/x-icon"},
};

static const char *content_type(const char *name)
{
    size_t n = strlen(name);
    for (size_t i = 0; i < sizeof types / sizeof types[0]; i++) {
        size_t m = strlen(types[i].suffix);
        if (n > m && strcmp(name + n - m, types[i].suffix) == 0)
            return types[i].type;
    }
    return "application/octet-stream";
}

static void serve(struct request *r, const char *name)
{
    const struct embedded_file *f = embedded_find(embedded_web, name);
    if (!f) {
        reply_problem(r, P_NOT_FOUND, "no such page or file: %s", r->path);
        return;
    }
    reply_header(r, "Content-Security-Policy", CONTENT_SECURITY_POLICY);
    reply_header(r, "X-Frame-Options", "DENY");
    reply_header(r, "Referrer-Policy", "no-referrer");
    /* Revalidate every time: the files are small and change with the binary. */
    reply_header(r, "Cache-Control", "no-cache");
    reply_static(r, content_type(name), f->data, f->len);
}

void api_web_index(struct call *c)
{
    struct request *r = c->r;
    serve(r, "index.html");
}

void api_web_file(struct call *c)
{
    struct request *r = c->r;
    serve(r, c->params[0]);
}
