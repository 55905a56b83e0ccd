/*
 * The handlers, one file per resource.  Each has one shape: read what the
 * request carries, authorise against the object, run one store
 * transaction, reply.
 */
#ifndef SB_API_H
#define SB_API_H

#include "clock.h"
#include "date.h"
#include "http.h"
#include "spec.h"
#include "workflow.h"

/* health.c */
void api_healthz(struct request *r);
void api_readyz(struct request *r);
void api_metrics(struct request *r);

/* schemas.c */
void api_schema_get(struct request *r);

/* accounts.c */
void api_account_create(struct request *r);
void api_account_me(struct request *r);

/* sessions.c */
void api_signup(struct request *r);
void api_session_create(struct request *r);
void api_session_delete(struct request *r);

/* web.c */
void api_web_index(struct request *r);
void api_web_file(struct request *r);

/* units.c */
void api_units_list(struct request *r);
void api_unit_create(struct request *r);

/* applications.c */
void api_app_create(struct request *r);
void api_app_get(struct request *r);
void api_app_put(struct request *r);
void api_app_submit(struct request *r);
void api_app_withdraw(struct request *r);
void api_app_list(struct request *r);

/* reviews.c */
void api_review_create(struct request *r);

/* notices.c */
void api_notices_list(struct request *r);
void api_objection_file(struct request *r);
void api_objections_list(struct request *r);
void api_objection_resolve(struct request *r);

/* Performs every transition due at `now`: each public notice that has ended
 * with no objection open approves its application and issues, signed with
 * key, what its kind issues (in one transaction: both or neither; without a
 * key nothing is approved).  report (may be NULL) is told of each
 * application handled.  Idempotent: a second run at the same
 * instant finds nothing due.  Returns how many were approved, or -1. */
int notices_tick(struct store *s, const struct signing_key *key, int64_t now,
                 void (*report)(const struct application *a, const char *what, void *ctx),
                 void *ctx);

/* certificates.c */
struct signing_key;
void api_app_certificate(struct request *r);
void api_cert_get(struct request *r);
void api_cert_verify(struct request *r);
void api_cert_revoke(struct request *r);
void api_jwks(struct request *r);

/* A new unguessable serial for a certificate of `year`. */
void certificate_serial_new(char *out, size_t cap, int year);
/* Builds, signs with key and stores in tx what approving a issues, citing
 * the approval event's hash.  0, or -1 (nothing stored). */
int certificate_issue(struct store_tx *tx, const struct signing_key *key,
                      const struct application *a, const unsigned char event_hash[EVENT_HASH_LEN],
                      sb_day issued_on, const char *serial);
/* Checks a compact JWS (and, when given, that `certificate` is its payload)
 * against the keys in the store: 1 when valid, else 0; *status is the
 * certificate's (active, expired, revoked) or "invalid"; why says in words. */
int certificate_check(struct store *s, const char *jws, const json_t *certificate,
                      const char **status, char *why, size_t whylen);

/* rankings.c */
void api_ranking_compute(struct request *r);
void api_ranking_get(struct request *r);

/* Shared by accounts.c and the command line: checks an account request
 * ({role, name, uscc, unit, authority}) and fills a; every problem is
 * appended to errs with its pointer.  The unit must exist in the store. */
struct spec_errors;
void account_from_json(struct store *s, const json_t *body, struct account *a,
                       struct spec_errors *errs);

/* Forgets the renderings GET /v1/applications/{id} keeps.  They are keyed by
 * id and version, which only stay unique while the database is the one the
 * process started with: for a database replaced under a running process
 * (the fuzzers put theirs back after every input). */
void app_renderings_forget(void);

/* The eligibility checks and award of an application, from its kind's rules,
 * its data (parsed) and the facts reviewers fixed. */
struct eligibility;
struct award;
void app_evaluate(const struct application *a, const json_t *data, struct eligibility *elig,
                  struct award *award);

/*
 * One change to an existing application: a workflow action (submit, a
 * review, …) or a replacement of the envelope.  change_run() reads the
 * application inside a write transaction, checks that the caller may see it
 * (404) and the If-Match precondition (412), finds the action in the
 * workflow table (409 with the actions possible now; 403 when it is another
 * role's), gathers the facts the transition's guard needs and checks it,
 * sets the new status, calls `apply` for what the action does besides,
 * answers every bad field in one 422, bumps the version and writes, so that
 * reading, checking and writing cannot interleave with another request.  Then it replies: the
 * application, or the problem `apply` chose with change_refuse().
 */
struct change {
    const char *action; /* workflow action; NULL: `apply` does the whole change */
    /* Gathers what the transition's guard looks at (may be NULL). */
    enum store_rc (*gather)(struct store_tx *tx, struct change *c, struct guard_facts *f);
    /* Does what the action does besides the status (may be NULL).  Bad
     * fields go to `errs`: they are answered with the guard's in one 422. */
    enum store_rc (*apply)(struct store_tx *tx, struct change *c);
    void *ctx;                                          /* for apply */
    void (*reply)(struct request *r, struct change *c); /* NULL: reply with the application */
    int64_t id; /* the application; 0: the {id} path parameter */

    /* Set by change_run() for apply. */
    struct request *r;
    int64_t if_match;
    char now[RFC3339_LEN];
    const struct transition *t;
    struct application app; /* as read, then as written */
    char scratch[192];      /* for gather: text the guard facts point to */

    /* For the history: set by apply, owned by the change. */
    const char *opinion;
    json_t *details;

    /* When refused. */
    struct spec_errors errs;
    enum problem problem;
    char detail[256];
    json_t *extra; /* members added to the problem */
};

void change_run(struct request *r, struct change *c);

/* Makes apply's transaction roll back and the request fail with p. */
enum store_rc change_refuse(struct change *c, enum problem p, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* history.c: the chained event log. */

/* Appends e to the log: sets its id, prev_hash and hash. */
enum store_rc history_append(struct store_tx *tx, struct event *e);
/* Records that `action` took a (as now written, status and updated_at
 * included) from status `from` (NULL: creation), by the caller of r (NULL:
 * the server's clock), with an opinion and details (both may be NULL).  The
 * new event's hash goes to hash_out (EVENT_HASH_LEN bytes) unless NULL. */
enum store_rc history_record(struct store_tx *tx, const struct request *r,
                             const struct application *a, const char *action, const char *from,
                             const char *opinion, const json_t *details, unsigned char *hash_out);
json_t *event_to_json(const struct event *e);
void api_events_list(struct request *r);

/* Reads the application of the {id} path parameter into a when the caller
 * may see it; else replies 404 (or the store's error) and returns -1. */
int app_load_visible(struct request *r, struct application *a);

/* An account as JSON (no secrets). */
json_t *account_to_json(const struct account *a);

#endif
