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
    X(P_UNAUTHORIZED, 401, "unauthorized", "Missing or invalid token", "未登录或令牌无效")          \
    X(P_FORBIDDEN, 403, "forbidden", "Not allowed for this role", "当前角色无此权限")               \
    X(P_NOT_FOUND, 404, "not-found", "Not found", "未找到")                                        \
    X(P_METHOD_NOT_ALLOWED, 405, "method-not-allowed", "Method not allowed", "不支持该请求方法")    \
    X(P_CONFLICT, 409, "conflict", "Not allowed in the current state", "当前状态下不能办理")        \
    X(P_EXISTS, 409, "already-exists", "Already exists", "已存在")                                 \
    X(P_KEY_IN_USE, 409, "idempotency-key-in-use", "A request with this key is still running",    \
      "使用同一幂等键的请求仍在处理中")                                                             \
    X(P_STALE, 412, "stale-version", "The resource has changed", "内容已被修改，请刷新后重试")     \
    X(P_TOO_LARGE, 413, "body-too-large", "Request body too large", "请求内容过大")                \
    X(P_MEDIA_TYPE, 415, "unsupported-media-type", "Request body must be JSON",                   \
      "请求内容类型不受支持")                                                                       \
    X(P_INVALID, 422, "invalid", "Invalid fields", "填写内容有误")                                 \
    X(P_KEY_REUSED, 422, "idempotency-key-reused", "The key was used for another request",        \
      "该幂等键已用于另一请求")                                                                     \
    X(P_TOO_MANY, 429, "too-many-requests", "Too many requests", "请求过于频繁")                    \
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
    char headers[REPLY_MAX_HEADERS][2][512];
    const char *static_body; /* a reply of bytes the binary carries (web files); not freed */
    size_t static_len;
    unsigned n_headers;
};

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
/* The HTTP status of a problem. */
unsigned problem_status(enum problem p);

/* Serialises a pending JSON reply into r->reply_body (called by daemon.c,
 * and by the API before it keeps an answer for an Idempotency-Key); calling
 * it again changes nothing. */
void reply_finish(struct request *r);

/* ---- the daemon (daemon.c) --------------------------------------------- */

struct daemon;
/* Starts listening as cfg says, answering each request with answer(ctx, r).
 * cfg must outlive the daemon.  NULL with err on failure. */
struct daemon *daemon_start(const struct config *cfg, request_fn answer, void *ctx, char *err,
                            size_t errlen);
/* Stops accepting, lets requests in flight finish, then stops. */
void daemon_stop(struct daemon *d);

/* In-process use (tests/fuzz/): a daemon with the configuration's limits
 * but no listening socket and no thread; daemon_add_connection() hands it a
 * connected socket (which it then owns, and closes) with the client's
 * address, and each daemon_run() does the work that is ready, without
 * blocking. */
struct sockaddr;
struct daemon *daemon_start_in_process(const struct config *cfg, request_fn answer, void *ctx);
bool daemon_add_connection(struct daemon *d, int fd, const struct sockaddr *addr,
                           unsigned addr_len);
void daemon_run(struct daemon *d);

#endif
