/*
 * The HTTP layer: the daemon, the request context every handler receives,
 * the route table and the replies.
 *
 * A request passes through: libmicrohttpd → daemon.c (reads the body, up to
 * the configured cap) → routes.c (finds the route, authenticates, checks the
 * role) → a handler in server/api/ → reply_*() → daemon.c queues the reply
 * and logs one JSON line.  Handlers never see libmicrohttpd.
 */
#ifndef SB_HTTP_H
#define SB_HTTP_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "config.h"
#include "store.h"
#include "token.h"

/* ---- roles ------------------------------------------------------------ */

enum role {
    ROLE_APPLICANT = 1u << 0,
    ROLE_DISTRICT_REVIEWER = 1u << 1,
    ROLE_MUNICIPAL_REVIEWER = 1u << 2,
    ROLE_AUDITOR = 1u << 3,
    ROLE_ADMIN = 1u << 4,
};
#define ROLE_ANY_ACCOUNT                                                                           \
    (ROLE_APPLICANT | ROLE_DISTRICT_REVIEWER | ROLE_MUNICIPAL_REVIEWER | ROLE_AUDITOR | ROLE_ADMIN)
#define ROLE_PUBLIC 0u /* no token needed */

/* The role bit of a role name, or 0 for an unknown name. */
unsigned role_from_name(const char *name);

/* ---- problems (RFC 9457) ---------------------------------------------- */

/* X(name, HTTP status, type slug, title) */
#define PROBLEMS(X)                                                                                \
    X(P_MALFORMED_JSON, 400, "malformed-json", "Malformed JSON")                                   \
    X(P_BAD_REQUEST, 400, "bad-request", "Bad request")                                            \
    X(P_BAD_QUERY, 400, "invalid-query", "Invalid query parameter")                                \
    X(P_UNAUTHORIZED, 401, "unauthorized", "Missing or invalid token")                             \
    X(P_FORBIDDEN, 403, "forbidden", "Not allowed for this role")                                  \
    X(P_NOT_FOUND, 404, "not-found", "Not found")                                                  \
    X(P_METHOD_NOT_ALLOWED, 405, "method-not-allowed", "Method not allowed")                       \
    X(P_CONFLICT, 409, "conflict", "Not allowed in the current state")                             \
    X(P_EXISTS, 409, "already-exists", "Already exists")                                           \
    X(P_STALE, 412, "stale-version", "The resource has changed")                                   \
    X(P_TOO_LARGE, 413, "body-too-large", "Request body too large")                                \
    X(P_MEDIA_TYPE, 415, "unsupported-media-type", "Request body must be JSON")                    \
    X(P_INVALID, 422, "invalid", "Invalid fields")                                                 \
    X(P_TOO_MANY, 429, "too-many-requests", "Too many requests")                                   \
    X(P_INTERNAL, 500, "internal-error", "Internal error")                                         \
    X(P_UNAVAILABLE, 503, "unavailable", "Service unavailable")

enum problem {
#define X(name, status, slug, title) name,
    PROBLEMS(X)
#undef X
};

#define PROBLEM_TYPE_PREFIX "urn:shenbao:problem:"

/* ---- the server and the request --------------------------------------- */

struct calendar;
struct signing_key;

struct server {
    const struct config *cfg;
    struct store *store;
    const struct calendar *calendar; /* working days (RULES.md §0) */
    /* The active key, for what approvals issue.  The main thread swaps it
     * when a new key is made active; workers only read it. */
    const struct signing_key *_Atomic signing_key;
    unsigned char token_key[TOKEN_KEY_LEN];
};

struct route;

#define ROUTE_MAX_PARAMS  4
#define REQUEST_ID_LEN    16 /* hex characters */
#define REPLY_MAX_HEADERS 6

struct request {
    struct server *srv;
    void *conn; /* the libmicrohttpd connection; only daemon.c and request.c look inside */
    const char *method;
    const char *path;
    char request_id[REQUEST_ID_LEN + 1];
    char client_addr[64]; /* the client's address, as told by a trusted proxy if any */
    bool secure;          /* reached us over TLS (a trusted proxy says so) */
    int64_t started_ns;

    /* body, read up to cfg->body_limit */
    char *body;
    size_t body_len, body_cap;
    bool body_too_large;
    json_t *body_json; /* the parsed body of a route that takes one; owned by the request */

    /* routing and authentication */
    const struct route *route;
    char params[ROUTE_MAX_PARAMS][128];
    unsigned n_params;
    bool authenticated;
    struct account account;
    unsigned role;    /* the account's role bit, 0 when unauthenticated */
    bool via_session; /* authenticated by a browser session cookie */
    char csrf[64];    /* that session's CSRF token */

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

typedef void (*handler_fn)(struct request *r);

struct route {
    const char *method;
    const char *pattern; /* "/v1/applications/{id}/submit": {…} matches one segment */
    handler_fn handler;
    unsigned roles;   /* who may call; ROLE_PUBLIC = anyone, no token */
    const char *name; /* stable route name for logs and metrics */
    bool takes_body;  /* parses a JSON object body */
};

/* The route table, for metrics: how many routes, and the i-th. */
size_t routes_count(void);
const struct route *routes_at(size_t i);

/* Finds the route for method and path, fills r->params, authenticates and
 * checks the role, parses a JSON body when the route takes one, and calls
 * the handler.  Every way this can fail ends in a problem reply. */
void routes_dispatch(struct request *r);

/* ---- request helpers (request.c) --------------------------------------- */

/* A request header's value, or NULL. */
const char *request_header(struct request *r, const char *name);
/* A cookie's value, or NULL. */
const char *request_cookie(struct request *r, const char *name);
/* A query parameter's value, or NULL. */
const char *request_query(struct request *r, const char *name);
/* Parses the body as one JSON object, rejecting duplicate keys.  On failure
 * replies 400/415 and returns NULL.  Caller owns the reference. */
json_t *request_json_object(struct request *r);
/* The If-Match version: 0 when absent, -1 (after replying 412) when the
 * header is present but not a quoted version number, else the version. */
int64_t request_if_match(struct request *r);
/* Appends a response header; silently ignores more than REPLY_MAX_HEADERS. */
void reply_header(struct request *r, const char *name, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* ---- replies (problem.c) ----------------------------------------------- */

/* Replies with status and a JSON body (reference stolen). */
void reply_json(struct request *r, unsigned status, json_t *body);
/* Replies with the problem p; detail is printf-formatted.  Returns the
 * problem object (borrowed, owned by the reply until it is sent) so the
 * caller may add members such as `errors`. */
json_t *reply_problem(struct request *r, enum problem p, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* 422 with one `errors` entry per spec error. */
struct spec_errors;
void reply_invalid(struct request *r, const struct spec_errors *errs);
/* Replies with the problem a store result stands for (404/409/500). */
void reply_store_error(struct request *r, enum store_rc rc);
/* Replies with no body (204, …). */
void reply_empty(struct request *r, unsigned status);
/* Replies 200 with text the request then owns (freed after sending). */
void reply_text(struct request *r, const char *content_type, char *text, size_t len);
/* Replies with bytes that live as long as the process (web files). */
void reply_static(struct request *r, const char *content_type, const char *data, size_t len);
/* The HTTP status of a problem. */
unsigned problem_status(enum problem p);

/* Serialises a pending JSON reply into r->reply_body (called by daemon.c). */
void reply_finish(struct request *r);

/* ---- the daemon (daemon.c) --------------------------------------------- */

struct daemon;
/* Starts listening per srv->cfg.  NULL with err on failure. */
struct daemon *daemon_start(struct server *srv, char *err, size_t errlen);
/* Stops accepting, lets requests in flight finish, then stops. */
void daemon_stop(struct daemon *d);

/* In-process use (tests/fuzz/): a daemon with the configuration's limits
 * but no listening socket and no thread; daemon_add_connection() hands it a
 * connected socket (which it then owns, and closes) with the client's
 * address, and each daemon_run() does the work that is ready, without
 * blocking. */
struct sockaddr;
struct daemon *daemon_start_in_process(struct server *srv);
bool daemon_add_connection(struct daemon *d, int fd, const struct sockaddr *addr,
                           unsigned addr_len);
void daemon_run(struct daemon *d);

#endif
