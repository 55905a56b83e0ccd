/*
 * The API: the route table and the handlers, one file per resource.
 *
 * Every handler has one shape.  The route row declares who may call it
 * (roles), what its path parameters are (typed: {id} a positive integer,
 * {kind} a kind, {year} a year; anything else is a 404 before the handler
 * runs), the query parameters it takes and whether it takes a JSON body —
 * and, for most, the body's field table, checked before the handler runs.
 * The handler turns what it got into a call of the engine and answers with
 * api_reply(), which turns any engine outcome into its reply.
 */
#ifndef SB_API_H
#define SB_API_H

#include "clock.h"
#include "date.h"
#include "engine.h"
#include "http.h"
#include "spec.h"
#include "token.h"

/* ---- the server ------------------------------------------------------------ */

struct server {
    const struct config *cfg;
    struct engine engine; /* the store, the calendar, the signing key */
    unsigned char token_key[TOKEN_KEY_LEN];
};

/* Answers one request (request_fn for daemon_start(); ctx is the struct
 * server). */
void api_answer(void *ctx, struct request *r);
/* Looks at a request whose head has arrived (the head function of
 * daemon_start()): a route that takes a file decides here whether to
 * receive it. */
void api_head(void *ctx, struct request *r);

/* The route names, in table order, for the metrics (metrics_routes()). */
const char *const *api_route_names(size_t *n);

/* Deletes the Idempotency-Key records expired at `now` (the clock tick).
 * How many, or -1 when the database failed (logged). */
int64_t api_idempotency_purge(struct server *srv, int64_t now);

/* ---- one call ------------------------------------------------------------- */

#define ROUTE_MAX_PARAMS 4

struct route;

struct call {
    struct request *r; /* the HTTP request: headers, query, replies */
    struct server *srv;
    struct engine *engine;
    const struct route *route;
    int64_t now; /* the server's clock when the call began */

    /* Path parameters, typed by name: {id} and {oid}/{tid} (positive
     * integers), {kind} (a kind), {year}; the others as text. */
    char params[ROUTE_MAX_PARAMS][128];
    unsigned n_params;
    int64_t id, sub_id;
    const struct kind *kind;
    int year;

    /* Who calls. */
    bool authenticated;
    struct account account;
    struct actor actor; /* borrows from account and r */
    bool via_session;   /* authenticated by a browser session cookie */
    char csrf[64];      /* that session's CSRF token */

    json_t *body; /* the JSON body of a route that takes one; owned by the call */

    /* The Idempotency-Key this call holds (idempotency.c), if any. */
    bool idem_held;
    struct idem_request idem;
    char idem_scope[96];
    char idem_key[IDEM_KEY_CHARS + 1];
};

typedef void (*handler_fn)(struct call *c);

/* A route that takes a JSON object body whose fields the handler checks
 * itself (an envelope, whose table depends on its kind). */
extern const struct field_spec BODY_ANY[];
/* A route whose body is a file, of any size up to its limit: received into
 * a file (never whole in memory) once the route's `head` handler has let it
 * in; the handler reads it with request_upload(). */
extern const struct field_spec BODY_FILE[];

struct route {
    const char *method;
    const char *pattern; /* "/v1/applications/{id}/submit": {…} matches one segment */
    handler_fn handler;
    unsigned roles;   /* who may call; ROLE_PUBLIC = anyone, no token */
    const char *name; /* stable route name for logs and metrics */
    /* The JSON object body it takes: its field table, checked before the
     * handler runs (one 422 naming every bad field); BODY_ANY for a body
     * the handler checks; NULL for none. */
    const struct field_spec *body;
    /* The query parameters it takes, NULL-terminated; NULL for none, or
     * ROUTE_QUERY_IGNORED.  Each takes one value.  Dispatch refuses any
     * other, and any given twice, before the handler runs. */
    const char *const *query;
    unsigned flags; /* ROUTE_* below */
    /* BODY_FILE routes: runs when the request's head has arrived, before a
     * byte of the body is read, with the call as the handler would get it
     * (the caller authenticated, the parameters typed): replies to refuse
     * the body, or takes it into a file with request_take_file(). */
    handler_fn head;
};

/* The route takes an Idempotency-Key: a POST that a client retries when it
 * did not hear the answer (a time-out on a bad line) gets the first answer
 * again instead of doing it twice (idempotency.c). */
#define ROUTE_IDEMPOTENT 1u

/* The query of a web page (not the API) is ignored: shared links gain
 * parameters of their own (WeChat adds from=singlemessage). */
extern const char *const ROUTE_QUERY_IGNORED[];

/* ---- replies --------------------------------------------------------------- */

/* Replies with what an engine outcome says: on ENGINE_OK nothing (the
 * handler replies with what was done); else the problem it stands for
 * (404, 403, 422 with every bad field, 409 with the reason and any extra
 * members, 412, 429 with Retry-After, 503, 500).  Returns true when the
 * outcome was ENGINE_OK. */
bool api_outcome(struct call *c, const struct outcome *o);

/* Checks c->body against fields: true, or false after a 422 naming every
 * bad field. */
bool api_body_valid(struct call *c, const struct field_spec *fields);
/* A body a route may take or not (submit, withdraw, a ranking's confirm):
 * none is fine (c->body stays NULL); one is a JSON object checked against
 * fields.  False after replying with why it is not taken. */
bool api_optional_body(struct call *c, const struct field_spec *fields);

/* Forgets the renderings GET /v1/applications/{id} keeps.  They are keyed by
 * id and version, which only stay unique while the database is the one the
 * process started with: for a database replaced under a running process
 * (the fuzzers put theirs back after every input). */
void app_renderings_forget(void);

/* Replies with an application (and its version as the ETag). */
void reply_app(struct call *c, unsigned status, const struct app *a);

/* Replies with the problem a store result stands for (404/409/500). */
void reply_store_error(struct request *r, enum store_rc rc);

/* The If-Match version: 0 when absent or "*", -1 (after replying 412) when
 * the header is present but not a version. */
int64_t call_if_match(struct call *c);

/* A list being rendered for a reply, one item at a time.  What the store
 * reads is valid UTF-8, so an item fails to render only when memory runs
 * out: the reply is then a 500, never a list silently missing a row. */
struct listing {
    json_t *items;
    bool failed;
};
void listing_init(struct listing *l);
/* Appends item (reference stolen); NULL marks the listing failed. */
void listing_add(struct listing *l, json_t *item);
/* Replies {"items": [...]} when rc is ENGINE_OK and nothing failed, else
 * the problem; l->items is consumed either way. */
void listing_reply(struct call *c, struct listing *l, enum engine_rc rc);

/* The filters of GET /v1/applications, the export and the statistics, as
 * the query gives them (CONTRACT.md "Lists"), with the text they point
 * into. */
struct list_query {
    struct app_filter f;
    bool count;                           /* count=true: the answer adds "total" */
    char statuses[256];                   /* the status list, split in place */
    char from[32], before[32], since[32]; /* RFC 3339 UTC */
    char q[404];                          /* lower-cased */
    char after[40];                       /* the cursor's sort key */
};

/* Reads the query of c into lq; paging adds limit, cursor and count.  On a
 * bad parameter replies 400 naming each and returns false. */
bool list_query_parse(struct call *c, struct list_query *lq, bool paging);
/* ---- the description (openapi.c) ---------------------------------------------- */

/* The route table, in order; *n gets its length. */
const struct route *api_routes(size_t *n);

/* The JSON Schema of a path parameter, as dispatch types it by its name
 * ({id} a positive integer, {kind} a kind, …).  Caller owns it. */
json_t *api_path_param_schema(const char *name);

/* The OpenAPI 3.1 document of the API: the hand-written half
 * (schema/openapi.in.json, compiled in) merged with what the route table and
 * the tables below it say.  NULL when the two disagree (a route the
 * hand-written half does not describe, or describes wrongly; a description
 * of a route that does not exist), with every such reason in err, one a
 * line.  Caller owns the document. */
json_t *api_openapi(char *err, size_t errlen);

/* ---- Idempotency-Key (idempotency.c) ------------------------------------------ */

/* Before the handler of a ROUTE_IDEMPOTENT route: true when it is to run
 * (no key sent, or the key is now this call's); false after replying with
 * the answer kept for the key, or why the key cannot be taken. */
bool idem_begin(struct call *c);
/* After the handler: keeps its answer under the key the call holds (or
 * lets the key go when the answer says to try again). */
void idem_end(struct call *c);

/* ---- the handlers ------------------------------------------------------------ */

/* health.c */
void api_healthz(struct call *c);
void api_readyz(struct call *c);
void api_metrics(struct call *c);

/* openapi.c */
void api_openapi_get(struct call *c);

/* kinds.c */
void api_schema_get(struct call *c);
void api_kinds_list(struct call *c);
void api_kind_get(struct call *c);
void api_kind_public_list(struct call *c);

/* accounts.c */
void api_account_create(struct call *c);
void api_account_me(struct call *c);
void api_account_disable(struct call *c);

/* tokens.c */
void api_token_create(struct call *c);
void api_tokens_list(struct call *c);
void api_token_delete(struct call *c);

/* sessions.c */
void api_signup(struct call *c);
void api_session_create(struct call *c);
void api_session_delete(struct call *c);
void api_password_reset(struct call *c);
void api_password_change(struct call *c);

/* web.c */
void api_web_index(struct call *c);
void api_web_file(struct call *c);

/* units.c */
void api_units_list(struct call *c);
void api_unit_create(struct call *c);

/* applications.c */
void api_app_create(struct call *c);
void api_app_get(struct call *c);
void api_app_put(struct call *c);
void api_app_submit(struct call *c);
void api_app_withdraw(struct call *c);
void api_app_list(struct call *c);
void api_events_list(struct call *c);

/* reviews.c */
void api_review_create(struct call *c);

/* notices.c */
void api_notices_list(struct call *c);
void api_objection_file(struct call *c);
void api_objections_list(struct call *c);
void api_objection_resolve(struct call *c);

/* certificates.c */
void api_app_certificate(struct call *c);
void api_cert_get(struct call *c);
void api_cert_verify(struct call *c);
void api_cert_revoke(struct call *c);
void api_jwks(struct call *c);
void api_keys(struct call *c);
void api_cert_bundle(struct call *c);

/* log.c: the transparency log. */
void api_log_checkpoint(struct call *c);
void api_log_key(struct call *c);
void api_log_inclusion(struct call *c);
void api_log_consistency(struct call *c);
void api_log_entries(struct call *c);

/* materials.c */
void api_kind_materials(struct call *c);
void api_material_upload_head(struct call *c);
void api_material_upload(struct call *c);
void api_materials_list(struct call *c);
void api_material_get(struct call *c);
void api_material_delete(struct call *c);

/* applications.c: the versions */
void api_version_get(struct call *c);
/* duties.c */
void api_duties_of(struct call *c);
void api_reports_of(struct call *c);
void api_report_file(struct call *c);
void api_funds_paid(struct call *c);
void api_duty_reminder(struct call *c);
void api_duty_result(struct call *c);
void api_duty_dismissal(struct call *c);
void api_refund_paid(struct call *c);
void api_duty_list(struct call *c);
void api_surrender_request(struct call *c);
void api_surrender_decision(struct call *c);

/* rankings.c */
void api_ranking_compute(struct call *c);
void api_ranking_get(struct call *c);
void api_rounds_list(struct call *c);
void api_round_put(struct call *c);

/* desk.c */
void api_export_csv(struct call *c);
void api_statistics(struct call *c);
void api_templates_list(struct call *c);
void api_template_create(struct call *c);
void api_template_delete(struct call *c);
void api_last_review(struct call *c);

#endif
