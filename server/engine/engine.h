/*
 * The application engine: an application's lifecycle as a library that
 * knows nothing of HTTP.
 *
 * Every change to an application — its creation, an edit, a submission, a
 * review, an objection and its resolution, the end of a notice, a ranking,
 * a revocation — is one call here, by an actor (struct actor, roles.h), at
 * an instant `now` the caller gives.  The handlers in server/api/, the
 * server's clock and every command call the same functions, so there is one
 * place that sets a status: the transition table (workflow.h), applied by
 * engine_act().
 *
 * A change runs in two phases.  The first, with no lock held, reads the
 * application, parses its data once into the kind's typed struct, runs the
 * kind's rules, finds the transition and checks its guard, and prepares
 * everything that will be written: the new row, the event, its details.
 * The second runs inside one write transaction and does only what must see
 * the latest state: it checks that the application's version has not moved
 * (else the first phase runs again), checks what involves other rows (a
 * ban, a yearly cap, open objections), writes the row, appends the event to
 * the log and issues what an approval issues.  So the write lock is held for
 * SQL and hashing, not for JSON.
 *
 * Results are a struct outcome: ENGINE_OK with the application as now
 * written, or why not — distinguishing "refused, with a reason" (409) from
 * "invalid" (422), "not found or not yours" (404), "stale" (412) and the
 * rest, so that one function in server/api/ turns any of them into a reply.
 */
#ifndef SB_ENGINE_H
#define SB_ENGINE_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>

#include "calendar.h"
#include "kinds.h"
#include "roles.h"
#include "rules.h"
#include "spec.h"
#include "store.h"
#include "token.h"
#include "workflow.h"

struct signing_key;

/* ---- the engine ---------------------------------------------------------- */

#define ENGINE_MAX_STAGE_SETTINGS 16

struct engine_settings {
    /* Stages per kind where the deployment differs from the kind's default
     * (configuration `stages`): kind name and a STAGE_* mask. */
    struct {
        const char *kind;
        unsigned stages;
    } stages[ENGINE_MAX_STAGE_SETTINGS];
    unsigned n_stages;
    unsigned objections_open_per_application; /* 0: no cap */
    unsigned objections_per_address_per_day;  /* 0: no cap */
};

struct engine {
    struct store *store;
    const struct calendar *calendar;
    /* The active signing key, for what approvals issue; the main thread
     * swaps it when a new key is made active, workers only read it. */
    const struct signing_key *_Atomic key;
    struct engine_settings settings;
};

/* Sets up e on store s and calendar cal, with no settings (every kind's
 * default stages, no caps) and no signing key yet.  0. */
int engine_init(struct engine *e, struct store *s, const struct calendar *cal);

/* The stages application `kind` goes through here (STAGE_* bits): the
 * configured ones, else the kind's default. */
unsigned engine_kind_stages(const struct engine *e, const struct kind *k);

/* Checks settings against the kinds (every kind named exists, every stage
 * list has the municipal stage).  0, or -1 with a one-line reason. */
int engine_check_settings(const struct engine_settings *s, char *err, size_t errlen);

/* ---- outcomes ------------------------------------------------------------ */

enum engine_rc {
    ENGINE_OK = 0,
    ENGINE_NOT_FOUND,   /* no such thing, or not visible to the actor (404) */
    ENGINE_FORBIDDEN,   /* the actor's role may not do this (403) */
    ENGINE_INVALID,     /* bad fields: `errs` (422) */
    ENGINE_REFUSED,     /* not now, not in this state, or a rule says no: `reason` (409) */
    ENGINE_EXISTS,      /* it exists already (409) */
    ENGINE_STALE,       /* If-Match names another version (412) */
    ENGINE_LIMIT,       /* a limit is reached: `retry_after` seconds (429) */
    ENGINE_UNAVAILABLE, /* cannot be done now by this server, e.g. no signing key (503) */
    ENGINE_ERROR,       /* the database failed (500; logged) */
};

struct app;

struct outcome {
    enum engine_rc rc;
    char reason[512];        /* what went wrong, for a person; "" when OK */
    char reason_zh[512];     /* the same in Chinese (messages.h); "" when none */
    char rule[256];          /* when a transition's guard refused: its own words */
    struct spec_errors errs; /* ENGINE_INVALID: every bad field */
    json_t *extra;           /* members the answer adds (current_status, …); owned */
    unsigned retry_after;    /* ENGINE_LIMIT */
    struct app *app;         /* ENGINE_OK from a change: the application as written; owned */
    int64_t id;              /* what the change made (an objection's id, …); 0 when none */
};

void outcome_init(struct outcome *o);
void outcome_release(struct outcome *o);
/* Sets rc and the reason (printf-formatted, cut at a character); returns
 * rc.  Whatever extra members the caller wants go to o->extra. */
enum engine_rc outcome_set(struct outcome *o, enum engine_rc rc, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* ENGINE_INVALID with the errors gathered so far in o->errs. */
enum engine_rc outcome_invalid(struct outcome *o);

/* ---- an application as the engine holds it -------------------------------- */

struct app {
    struct application row; /* as stored (owns its text) */
    const struct kind *kind;
    struct kind_data data; /* its data parsed; data.typed NULL when it no longer parses */
    json_t *facts;         /* what the workflow fixed (notice, stage records, …); owned */
    unsigned stages;       /* the stages this application goes through */
    struct eligibility elig;
    struct award award;
};

/* Frees what a owns, and a. */
void app_free(struct app *a);

/* The application as clients see it (CONTRACT.md "The application
 * envelope").  Caller owns the reference; NULL only when memory runs out. */
json_t *app_to_json(const struct app *a);
/* The same as compact JSON text and a newline (*len bytes, caller frees),
 * with the data as its stored canonical text rather than written out
 * again.  NULL only when memory runs out. */
char *app_render(const struct app *a, size_t *len);

/* Whether actor may see the application (an application another may not
 * see is, to them, one that does not exist). */
bool engine_may_see(const struct engine *e, const struct actor *who, const struct application *row);

/* Reads application id as `who` sees it, parsed and evaluated at `now`.
 * ENGINE_NOT_FOUND when there is none or it is not theirs to see. */
enum engine_rc engine_get(struct engine *e, const struct actor *who, int64_t id, int64_t now,
                          struct app **out);

/* Loads a row the store read into an engine application (parsing and
 * evaluating it at `now`).  Takes the row's text.  NULL when memory runs
 * out. */
struct app *engine_app_from_row(struct engine *e, struct application *row, int64_t now);

/* The listing of applications `who` may see: the filter's scope is set
 * from the actor (any scope the caller set is replaced).  fn gets each
 * application parsed and evaluated; it is freed after fn returns. */
enum engine_rc engine_list(struct engine *e, const struct actor *who, struct app_filter *f,
                           int64_t now, void (*fn)(const struct app *a, void *ctx), void *ctx,
                           bool *more);

/* Whether a is under public notice at `now` (from 00:00 of its first day to
 * 24:00 of its last): objections are taken.  Fills the dates. */
bool engine_under_notice(const struct app *a, int64_t now, sb_day *starts, sb_day *ends);

/* Calls fn for every application under notice at `now` (what the public
 * list shows), newest first. */
enum engine_rc engine_notices(struct engine *e, int64_t now,
                              void (*fn)(const struct app *a, void *ctx), void *ctx);

/* ---- changes ------------------------------------------------------------- */

/* A new application: the envelope as application_parse() parsed it. */
struct envelope {
    const struct kind *kind;
    int round;
    const char *review_unit;
    const char *applicant_name;
    const char *applicant_uscc;
    struct kind_data data; /* owned by the caller */
};

/* Reads a parsed envelope's members into env (borrowing from body, which
 * must outlive env, and taking over `data`). */
void envelope_from_json(struct envelope *env, const json_t *body, const struct kind *k,
                        struct kind_data *data);

/* What an envelope needs of the store and the account, on the JSON as sent
 * (for one 422 with the envelope's own errors): the review unit exists and
 * may review kind k (NULL: any), the USCC is the applicant's own. */
void engine_check_envelope(struct engine *e, const struct actor *who, const json_t *body,
                           const struct kind *k, struct spec_errors *errs);

/* Creates a draft of env by applicant `who`.  Checks what needs the store
 * and the account: the review unit exists and suits the kind, the USCC is
 * the account's.  out->app: the new application. */
enum engine_rc engine_create(struct engine *e, const struct actor *who, struct envelope *env,
                             int64_t now, struct outcome *out);

/* What an action takes besides the application (NULL for none). */
struct review_input {
    const char *stage;    /* "district" | "municipal" */
    const char *decision; /* "approve" | "reject" | "return" */
    const json_t *body;   /* the whole review as sent: opinion, override_reason, stage records */
};

struct objection_input {
    const char *name, *contact, *reason;
};

struct resolution_input {
    int64_t objection;
    bool upheld;
    const char *opinion;
};

struct revocation_input {
    const char *reason;
    const char *ground; /* NULL: the kind's first ground */
    int64_t refund_fen; /* -1: none */
};

/*
 * Takes application id through `action` (a workflow action: "submit",
 * "withdraw", "district_approve", …, "objection_filed", "objection_upheld",
 * "revoke"; or "edit", which replaces the envelope of a draft or returned
 * application and takes a struct envelope) with its input.  if_match: 0,
 * or the version the actor last read (412 when it moved).  On ENGINE_OK
 * out->app is the application as written.
 */
enum engine_rc engine_act(struct engine *e, const struct actor *who, int64_t id, const char *action,
                          const void *input, int64_t if_match, int64_t now, struct outcome *out);

/* A review (POST …/reviews): the action its stage and decision name. */
enum engine_rc engine_review(struct engine *e, const struct actor *who, int64_t id,
                             const struct review_input *in, int64_t if_match, int64_t now,
                             struct outcome *out);

/* An objection to application id by anyone during its notice; out->id is
 * the new objection's id.  Limits: the configured caps (429). */
enum engine_rc engine_object(struct engine *e, const struct actor *who, int64_t id,
                             const struct objection_input *in, int64_t now, struct outcome *out);

/* Revokes what was issued with `serial` (the application's authority
 * only), as `body` says: {"reason", "ground" (one of the kind's), "refund_fen"
 * (at most what was granted)}. */
enum engine_rc engine_revoke(struct engine *e, const struct actor *who, const char *serial,
                             const json_t *body, int64_t now, struct outcome *out);

/* Computes and fixes the ranking of `kind` (ranked kinds only) for `year`
 * (the authority's municipal reviewer); each application whose ranked
 * items change is changed through the workflow's "ranked" action, with its
 * event.  out->extra: the ranking as stored. */
enum engine_rc engine_rank(struct engine *e, const struct actor *who, const struct kind *kind,
                           int year, int64_t now, struct outcome *out);

/* Performs every time-driven transition due at `now` (notices that ended
 * with no objection open: approved, and what they issue signed), each in
 * its own transaction.  report (may be NULL) is told of each application
 * looked at.  Returns how many were approved, -1 when the store failed
 * (or no signing key is loaded: nothing is approved without one), or
 * ENGINE_TICK_BUSY when another server on the same database is ticking
 * now (PostgreSQL): this turn is that server's. */
#define ENGINE_TICK_BUSY (-2)
int engine_tick(struct engine *e, int64_t now,
                void (*report)(const struct application *a, const char *what, void *ctx),
                void *ctx);

/* ---- history -------------------------------------------------------------- */

/* The events of application id as `who` sees them, oldest first. */
enum engine_rc engine_events(struct engine *e, const struct actor *who, int64_t id,
                             void (*fn)(const struct event *ev, void *ctx), void *ctx);
/* An event as JSON; NULL only when memory runs out. */
json_t *event_to_json(const struct event *ev);

/* The objections to application id (reviewers of it, auditors). */
enum engine_rc engine_objections(struct engine *e, const struct actor *who, int64_t id,
                                 void (*fn)(const struct objection *o, void *ctx), void *ctx);

/* ---- what approvals issue -------------------------------------------------- */

/* The certificate of application id as `who` may see it. */
enum engine_rc engine_certificate_of(struct engine *e, const struct actor *who, int64_t id,
                                     struct certificate_row *out, struct outcome *o);
/* A certificate's status at `now`: "active", "expired" or "revoked". */
const char *certificate_status(const struct certificate_row *c, int64_t now);
/* The certificate as the API shows it ({certificate, jws, status,
 * revocation?}); NULL only when memory runs out. */
json_t *certificate_to_json(const struct certificate_row *c, int64_t now);

/*
 * The one certificate verifier, for POST /v1/certificates/verify and
 * `shenbao verify`: checks a compact JWS against the public keys `keys`
 * gives and, when given, that `certificate` is its payload.  A signature
 * dated (issued_on) after its key was retired is not valid.
 */
enum verdict {
    VERIFY_VALID = 0,
    VERIFY_MALFORMED,   /* not a compact JWS with an EdDSA header and a key id */
    VERIFY_UNKNOWN_KEY, /* its key id is not among the keys */
    VERIFY_BAD_SIGNATURE,
    VERIFY_NOT_CERTIFICATE, /* the payload is not a JSON object */
    VERIFY_DIFFERS,         /* `certificate` is not what was signed */
    VERIFY_RETIRED,         /* dated after its key was retired */
};

struct key_source {
    /* Fills out with key kid (retired_at "" when active or unknown); 0, or
     * -1 when there is no such key. */
    int (*find)(void *ctx, const char *kid, struct key_row *out);
    void *ctx;
};

/* A key source reading the keys in the store. */
struct key_source key_source_store(struct store *s);

/* The verdict on jws; why (may be NULL) says it in words.  *payload (may be
 * NULL) receives the signed document when it is one (caller owns it). */
enum verdict certificate_verify(const struct key_source *keys, const char *jws,
                                const json_t *certificate, json_t **payload, char *why,
                                size_t whylen);

/* The API's answer about a certificate given to it: valid or not, and its
 * status in the store ("active", "expired", "revoked"; "unknown" for a
 * valid one the store does not know; "invalid"), with why. */
int certificate_check(struct store *s, const char *jws, const json_t *certificate, int64_t now,
                      const char **status, char *why, size_t whylen);

/* The public keys in the JWKS form (RFC 7517/8037); NULL when the store
 * failed. */
json_t *engine_jwks(struct store *s);

/* ---- accounts, tokens, sessions ----------------------------------------------- */

/* Checks an account request ({role, name, uscc, unit, authority}: roles.h
 * says which binding each role has) and fills a, created at `now`; every
 * problem is appended to errs with its pointer.  The unit must exist. */
void account_from_json(struct store *s, const json_t *body, int64_t now, struct account *a,
                       struct spec_errors *errs);

/* An account as JSON (no secrets); NULL only when memory runs out. */
json_t *account_to_json(const struct account *a);

/* The actor of an account (strings borrowed from it). */
void actor_of_account(struct actor *out, const struct account *a);

/* Stores the new account a (as account_from_json() made it) and its first
 * token, named "initial", whose last day is expires_on (NULL: no end), in
 * one transaction; the token's text goes to token_out (TOKEN_TEXT_LEN + 1
 * bytes).  For the API and `shenbao account add`. */
enum store_rc account_store_new(struct store *s, const unsigned char key[TOKEN_KEY_LEN],
                                struct account *a, const char *expires_on, char *token_out);

/* Disables account id at `now`: every token and session of it stops
 * working.  *tokens, *sessions: how many were live.  STORE_NOT_FOUND for no
 * such account. */
enum store_rc account_disable(struct store *s, int64_t id, int64_t now, int *tokens, int *sessions);

/* Makes a new token for t->account_id (t->name, t->created_at,
 * t->expires_on as given) in tx: its text goes to out_text (TOKEN_TEXT_LEN
 * + 1 bytes), only its hash, made with key, to the store; t->id is set. */
enum store_rc token_issue(struct store_tx *tx, const unsigned char key[TOKEN_KEY_LEN],
                          struct token_row *t, char *out_text);

/* Why `text` cannot be the last day of a token made on `today`, or NULL
 * when it can. */
const char *token_expiry_problem(const char *text, sb_day today);

/* A token of t->account_id as t describes it (at most 100 live per
 * account: 409); its text to text (TOKEN_TEXT_LEN + 1 bytes). */
enum engine_rc engine_token_create(struct engine *e, const unsigned char key[TOKEN_KEY_LEN],
                                   struct token_row *t, char *text, struct outcome *o);
/* Revokes token id of the actor's account (404 for anyone else's). */
enum engine_rc engine_token_revoke(struct engine *e, const struct actor *who, int64_t id,
                                   int64_t now, struct outcome *o);

/* A browser session of `account`, by the hash of its cookie, for `seconds`. */
enum engine_rc engine_session_open(struct engine *e, int64_t account,
                                   const unsigned char hash[TOKEN_HASH_LEN], const char *csrf,
                                   int64_t now, int64_t seconds, struct outcome *o);
enum engine_rc engine_session_close(struct engine *e, const unsigned char hash[TOKEN_HASH_LEN],
                                    int64_t now, struct outcome *o);

/* A new applicant account with a password (sign-up).  ENGINE_EXISTS, with
 * one and the same reason, when its organisation or its e-mail address has
 * an account already. */
enum engine_rc engine_signup(struct engine *e, struct account *a, const char *password_hash,
                             struct outcome *o);

/* ---- the log --------------------------------------------------------------- */

/* Checks the whole event log: each event's hash over its canonical
 * encoding, and each link to the one before.  report gets the first
 * problem (one line) and the function returns -1; 0 when intact, with
 * *count the number of events; -2 when the store failed. */
int engine_audit_verify(struct store *s, int64_t *count, char *report, size_t cap);

#endif
