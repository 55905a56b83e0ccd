/*
 * The HTTP layer: the daemon, the request every handler receives, and the
 * replies.
 *
 * A request passes through: libmicrohttpd → daemon.c (checks the head,
 * reads the body up to the configured cap) → the function the layer above
 * gave daemon_start() (server/api/routes.c: finds the route, authenticates,
 * checks the role, calls a handler) → reply_*() → daemon.c queues the reply
 * and logs one JSON line.  This layer knows no route, account or store;
 * nothing above it sees libmicrohttpd.
 */
#ifndef SB_HTTP_H
#define SB_HTTP_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "config.h"
#include "target.h"

/* ---- problems (RFC 9457) ---------------------------------------------- */

/* X(name, HTTP status, type slug, title, Chinese title) */
#define PROBLEMS(X)                                                                                \
    X(P_MALFORMED_JSON, 400, "malformed-json", "Malformed JSON", "JSON 格式有误")                  \
    X(P_BAD_REQUEST, 400, "bad-request", "Bad request", "请求有误")                                \
    X(P_BAD_QUERY, 400, "invalid-query", "Invalid query parameter", "查询参数有误")                \
    X(P_UNAUTHORIZED, 401, "unauthorized", "Missing or invalid token", "未登录或令牌无效")         \
    X(P_FORBIDDEN, 403, "forbidden", "Not allowed for this role", "当前角色无此权限")              \
    X(P_CSRF, 403, "csrf-token", "Missing or wrong CSRF token", "缺少或错误的跨站请求校验码")      \
    X(P_NOT_FOUND, 404, "not-found", "Not found", "未找到")                                        \
    X(P_METHOD_NOT_ALLOWED, 405, "method-not-allowed", "Method not allowed", "不支持该请求方法")   \
    X(P_CONFLICT, 409, "conflict", "Not allowed in the current state", "当前状态下不能办理")       \
    X(P_EXISTS, 409, "already-exists", "Already exists", "已存在")                                 \
    X(P_KEY_IN_USE, 409, "idempotency-key-in-use", "A request with this key is still running",     \
      "使用同一幂等键的请求仍在处理中")                                                            \
    X(P_STALE, 412, "stale-version", "The resource has changed", "内容已被修改，请刷新后重试")     \
    X(P_TOO_LARGE, 413, "body-too-large", "Request body too large", "请求内容过大")                \
    X(P_MEDIA_TYPE, 415, "unsupported-media-type", "Request body must be JSON",                    \
      "请求内容类型不受支持")                                                                      \
    X(P_UNSUPPORTED_CONTENT, 415, "unsupported-content", "Content not taken",                      \
      "文件内容与所述格式不符或不受支持")                                                          \
    X(P_INVALID, 422, "invalid", "Invalid fields", "填写内容有误")                                 \
    X(P_KEY_REUSED, 422, "idempotency-key-reused", "The key was used for another request",         \
      "该幂等键已用于另一请求")                                                                    \
    X(P_TOO_MANY, 429, "too-many-requests", "Too many requests", "请求过于频繁")                   \
    X(P_INTERNAL, 500, "internal-error", "Internal error", "服务器内部错误")                       \
    X(P_UNAVAILABLE, 503, "unavailable", "Service unavailable", "服务暂不可用")

enum problem {
#define X(name, status, slug, title, title_zh) name,
    PROBLEMS(X)
#undef X
};

#define PROBLEM_TYPE_PREFIX "urn:shenbao:problem:"

/* ---- the request ------------------------------------------------------ */

struct conn_slot;

#define REQUEST_ID_LEN    16 /* hex characters */
#define REPLY_MAX_HEADERS 6
#define REPLY_HEADER_LEN  1024 /* a header's name or value, with its NUL */

struct upload;

/* A reply read piece by piece while it is sent (reply_stream). */
struct reply_stream {
    uint64_t size;
    long (*read)(void *ctx, uint64_t pos, char *buf, size_t max);
    void (*release)(void *ctx);
    void *ctx;
};

struct request {
    const struct config *cfg;
    void *conn; /* the libmicrohttpd connection; only daemon.c and request.c look inside */
    struct conn_slot *slot; /* its deadlines (conntrack.h); may be NULL */
    /* The method and the decoded path, valid UTF-8 whatever the client
     * sent: when what it sent is not, these show it escaped (and the
     * request is refused before routing). */
    const char *method;
    const char *path;
    char *target_raw;        /* the request target as received: path and query */
    const char *target_line; /* where libmicrohttpd holds it, for request_begin() */
    struct target target;    /* decoded path and query parameters */
    char *shown[2];          /* escaped copies of a bad method or path, owned */
    bool began;              /* the head has arrived: request_begin() ran */
    char request_id[REQUEST_ID_LEN + 1];
    char client_addr[64]; /* the client's address, as told by a trusted proxy if any */
    bool secure;          /* reached us over TLS (a trusted proxy says so) */
    bool zh; /* answers in Chinese: Accept-Language prefers zh (CONTRACT.md "Languages") */
    int64_t started_ns;

    /* body, read up to cfg->body_limit */
    char *body;
    size_t body_len, body_cap;
    bool body_too_large;
    /* or, when the layer above asked for it when the head arrived
     * (request_take_file), received into a file */
    struct upload *upload;

    /* What the layer above found, for the log line and the metrics. */
    const char *route_name; /* NULL: no route matched */
    int route_index;        /* -1: none */
    int64_t account;        /* the authenticated account; 0: none */
    unsigned json_parses;   /* JSON texts parsed while answering (jsontext.h) */

    /* the reply, set by exactly one reply_*() call */
    bool replied;
    unsigned status;
    json_t *reply_doc; /* JSON reply waiting to be serialised by reply_finish() */
    char *reply_body;
    size_t reply_len;
    const char *content_type;
    char headers[REPLY_MAX_HEADERS][2][REPLY_HEADER_LEN];
    const char *static_body; /* a reply of bytes the binary carries (web files); not freed */
    size_t static_len;
    unsigned n_headers;
    /* a reply whose body is read piece by piece while it is sent
     * (reply_stream) */
    struct reply_stream *stream;

    /* daemon.c: answered on a writer thread while its connection waits
     * (suspended), and queued for one meanwhile */
    bool deferred;
    struct request *next_deferred;
};

/* ---- bodies received into a file (upload.c) ------------------------------ */

/*
 * A route that takes a file takes its body into a file instead of memory:
 * a temporary file with no name (O_TMPFILE where the file system has it,
 * else one unlinked as soon as it is made) in cfg->upload_dir, written
 * piece by piece as the body arrives and hashed (SHA-256) on the way, so
 * that a body of any size costs a buffer, and a body that never completes
 * (the client goes away) leaves nothing behind: the file has no name and
 * closes with the request.
 */

/* Takes the body of r, whose head has just arrived, into a file of at most
 * `limit` bytes (more is answered 413 when the body has arrived).  Called
 * by the head function (daemon_start).  0, or -1 when no file can be made
 * (logged; the caller replies 503). */
int request_take_file(struct request *r, int64_t limit);

struct upload_info {
    int fd; /* the file, open for reading; the request closes it */
    int64_t bytes;
    unsigned char sha256[32];
};

/* What the body that was taken into a file brought, once it has arrived;
 * false when the body was not taken into a file. */
bool request_upload(const struct request *r, struct upload_info *out);

/* For daemon.c: appends a piece of the body (0, or -1 when the file could
 * not be written), says whether it was too large or failed, and frees. */
int upload_write(struct upload *u, const char *data, size_t len);
bool upload_too_large(const struct upload *u);
bool upload_failed(const struct upload *u);
int64_t upload_limit(const struct upload *u);
void upload_finish(struct upload *u);
void upload_free(struct upload *u);

/* What answers a request once its head and body have arrived and passed
 * request_begin(): it must reply (reply_*()) before it returns. */
typedef void (*request_fn)(void *ctx, struct request *r);

/* ---- request helpers (request.c) --------------------------------------- */

/* Called once the head has arrived, before anything else looks at the
 * request: sets method and path, and refuses with 400 what no route may
 * see (CONTRACT.md "Every request"): a method that is not a token, a
 * target whose path or query is not valid UTF-8 once decoded, holds a NUL
 * (or, in the path, any control character), has a broken %-escape or more
 * than TARGET_MAX_PARAMS parameters; a header whose name is not a token or
 * whose value is not UTF-8 text; an HTTP/1.1 request without exactly one
 * Host; Content-Length given twice with different values, or with
 * Transfer-Encoding; a Transfer-Encoding other than chunked.  Returns
 * true, or false after replying. */
bool request_begin(struct request *r, const char *method, const char *version);

/* A request header's value, or NULL. */
const char *request_header(struct request *r, const char *name);
/* Whether a Prefer header (RFC 7240) asks for preference name=value, as in
 * "Prefer: handling=lenient" (any Prefer header, any place in its list). */
bool request_prefers(struct request *r, const char *name, const char *value);
/* A cookie's value, or NULL. */
const char *request_cookie(struct request *r, const char *name);
/* A query parameter's value (decoded; "" for a parameter without '='), or
 * NULL.  Only parameters the route declares reach the handler. */
const char *request_query(struct request *r, const char *name);
/* Parses the body as one JSON object, rejecting duplicate keys.  On failure
 * replies 400/415 and returns NULL.  Caller owns the reference. */
json_t *request_json_object(struct request *r);
/* The If-Match version: 0 when absent or "*", -1 (after replying 412) when
 * the header is present but not a quoted version number, else the version. */
int64_t request_if_match(struct request *r);
/* Appends a response header; silently ignores more than REPLY_MAX_HEADERS. */
void reply_header(struct request *r, const char *name, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* ---- replies (problem.c) ----------------------------------------------- */

/* Replies with status and a JSON body (reference stolen). */
void reply_json(struct request *r, unsigned status, json_t *body);
/* Replies with the problem p; detail is printf-formatted (bytes that are
 * not UTF-8 are shown escaped, never refused).  Returns the problem object
 * (borrowed, owned by the reply until it is sent) so the caller may add
 * members such as `errors`; NULL only when out of memory, which Jansson's
 * setters accept (the reply is then a fixed 503). */
json_t *reply_problem(struct request *r, enum problem p, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* 422 with one `errors` entry per spec error. */
struct spec_errors;
void reply_invalid(struct request *r, const struct spec_errors *errs);
/* Replies with no body (204, …). */
void reply_empty(struct request *r, unsigned status);
/* Replies 200 with text the request then owns (freed after sending). */
void reply_text(struct request *r, const char *content_type, char *text, size_t len);
/* Replies with status and JSON text the request then owns. */
void reply_json_text(struct request *r, unsigned status, char *text, size_t len);
/* The same with another status (an answer kept from before). */
void reply_bytes(struct request *r, unsigned status, const char *content_type, char *text,
                 size_t len);
/* Replies with bytes that live as long as the process (web files). */
void reply_static(struct request *r, const char *content_type, const char *data, size_t len);
/* Replies 200 with `size` bytes that read() gives piece by piece while they
 * are sent (a large file is never whole in memory): read(ctx, pos, buf,
 * max) fills buf with up to max bytes from pos and returns how many (> 0),
 * or -1 when it cannot (the connection is then cut short).  release(ctx)
 * (may be NULL) runs when the reply is done with, sent or not. */
void reply_stream(struct request *r, const char *content_type, uint64_t size,
                  long (*read)(void *ctx, uint64_t pos, char *buf, size_t max),
                  void (*release)(void *ctx), void *ctx);
/* The HTTP status of a problem. */
unsigned problem_status(enum problem p);

/* Serialises a pending JSON reply into r->reply_body (called by daemon.c,
 * and by the API before it keeps an answer for an Idempotency-Key); calling
 * it again changes nothing. */
void reply_finish(struct request *r);

/* ---- the daemon (daemon.c) --------------------------------------------- */

struct daemon;
/* Starts listening as cfg says, answering each request with answer(ctx, r).
 * head(ctx, r) (may be NULL) runs first, when a request's head has arrived
 * and passed request_begin() and before any of its body is read: it may
 * refuse the request (a reply_*(), sent at once; the connection then
 * closes) or take the body into a file (request_take_file()); else the
 * body is read into memory, up to cfg->body_limit.  cfg must outlive the
 * daemon.  NULL with err on failure. */
struct daemon *daemon_start(const struct config *cfg, request_fn answer, request_fn head, void *ctx,
                            char *err, size_t errlen);
/* Stops accepting, lets requests in flight finish, then stops. */
void daemon_stop(struct daemon *d);

/* In-process use (tests/fuzz/): a daemon with the configuration's limits
 * but no listening socket and no thread; daemon_add_connection() hands it a
 * connected socket (which it then owns, and closes) with the client's
 * address, and each daemon_run() does the work that is ready, without
 * blocking. */
struct sockaddr;
struct daemon *daemon_start_in_process(const struct config *cfg, request_fn answer, request_fn head,
                                       void *ctx);
bool daemon_add_connection(struct daemon *d, int fd, const struct sockaddr *addr,
                           unsigned addr_len);
void daemon_run(struct daemon *d);

#endif
