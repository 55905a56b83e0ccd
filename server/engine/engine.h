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
struct note_signer;

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
    /* Materials: the largest file (a type may allow less), and the most
     * bytes the files of one application may have together (413 beyond
     * either).  engine_init() sets the defaults below. */
    int64_t material_max_bytes;
    int64_t materials_max_bytes;
    /* Calendar days a returned application has to come back (configuration
     * `return_due_days`; a due date on a day off moves to the next working
     * day, RULES.md §8); 0: no due date. */
    unsigned return_due_days;
    /* RULES.md §5 is a product decision (P): a deployment may take any
     * number of applications per organisation, kind and round
     * (configuration `one_application_per_round`: false). */
    bool many_per_round;
    /* Duties (RULES.md §8): a kind's annual report date where the
     * authority sets it (configuration `annual_report_due`); whether a
     * closure within the year refunds pro rata rather than in full; the
     * days a refund is due in (0: 30). */
    struct {
        const char *kind;
        struct month_day due;
    } annual_due[ENGINE_MAX_STAGE_SETTINGS];
    unsigned n_annual_due;
    bool refund_pro_rata;
    unsigned refund_days;
};

#define ENGINE_MATERIAL_MAX_BYTES  (20 * 1024 * 1024)
#define ENGINE_MATERIALS_MAX_BYTES (200 * 1024 * 1024)

struct engine {
    struct store *store;
    const struct calendar *calendar;
    /* The active signing key, for what approvals issue; the main thread
     * swaps it when a new key is made active, workers only read it. */
    const struct signing_key *_Atomic key;
    /* The transparency log's key (note.h), which signs its checkpoints;
     * NULL: no checkpoint can be given. */
    const struct note_signer *log_key;
    struct engine_settings settings;
};

/* Sets up e on store s and calendar cal, with no settings (every kind's
 * default stages, no caps) and no signing key yet.  0. */
int engine_init(struct engine *e, struct store *s, const struct calendar *cal);

/* The stages application `kind` goes through here (STAGE_* bits): the
 * configured ones, else the kind's default. */
unsigned engine_kind_stages(const struct engine *e, const struct kind *k);

/* The month and day the annual report of kind k is due here: the
 * configured one, else {0, 0} (the kind's rule). */
struct month_day engine_annual_due(const struct engine *e, const struct kind *k);

/* Checks settings against the kinds (every kind named exists, every stage
 * list has the municipal stage, an annual report date only for a kind that
 * has annual reports).  0, or -1 with a one-line reason. */
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
    ENGINE_TOO_LARGE,   /* a file, or the files together, over their limit (413) */
    ENGINE_UNSUPPORTED, /* a file's content is not what it is said to be, or not taken (415) */
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
/* Sets rc and a reason made of a message (fmt, printf-formatted, as
 * outcome_set()) and, after a colon, a reason given in both languages (a
 * guard's, another outcome's): "cannot submit: <why>".  inner_zh may be
 * NULL or "" (the English stands). */
enum engine_rc outcome_nest(struct outcome *o, enum engine_rc rc, const char *inner,
                            const char *inner_zh, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
/* ENGINE_INVALID with the errors gathered so far in o->errs. */
enum engine_rc outcome_invalid(struct outcome *o);

/* ---- an application as the engine holds it -------------------------------- */

/* How long an application has waited and what is due, as of the instant it
 * was loaded at (the worklist's flags, RULES.md §5 and §8). */
struct app_clock {
    int days_waiting;    /* whole calendar days (Asia/Shanghai) in its status */
    sb_day due_on;       /* returned: the day it is due back by; 0: none */
    bool overdue;        /* returned and past due_on */
    bool notice_held;    /* under notice past its end, held by an open objection */
    int open_objections; /* under notice: how many are open; else 0 */
};

struct app {
    struct application row; /* as stored (owns its text) */
    const struct kind *kind;
    struct kind_data data; /* its data parsed; data.typed NULL when it no longer parses */
    json_t *facts;         /* what the workflow fixed (notice, stage records, …); owned */
    unsigned stages;       /* the stages this application goes through */
    struct eligibility elig;
    struct award award;
    struct app_clock clock;
};

/* {"complete": bool, "errors": [{pointer, detail, detail_zh}]}: what data
 * parsed leniently still lacks (CONTRACT.md "Lenient drafts").  NULL only
 * when memory runs out. */
json_t *completeness_to_json(const struct kind_data *d);

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
 * from the actor (any scope the caller set is replaced).  fn gets each row
 * as the store read it, which the store releases after fn returns (fn
 * loads a copy with engine_app_from_row() when it needs more than the
 * row: a rendering it does not keep already, say). */
enum engine_rc engine_list(struct engine *e, const struct actor *who, struct app_filter *f,
                           void (*fn)(const struct application *row, void *ctx), void *ctx,
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

/* "submit" (NULL: no input): the 承诺书 the applicant accepted, by the
 * version of its text it read (GET /v1/kinds/{kind}); recorded in the
 * event with its time and the text's SHA-256.  A version that is not the
 * kind's current one, or accepted not true, is 422. */
struct submission_input {
    const char *declaration_version; /* NULL: the declaration was not given */
    bool accepted;
};

/* "withdraw" (NULL: no input): the applicant's reason, recorded. */
struct withdrawal_input {
    const char *opinion; /* NULL: none */
};

struct revocation_input {
    const char *reason;
    const char *ground;       /* NULL: the kind's first ground */
    int64_t refund_fen;       /* -1: none */
    const char *effective_on; /* "YYYY-MM-DD"; NULL: the day of the revocation */
};

/* Giving up a certification (407号 第十七条): "surrender_requested" by the
 * holder, "surrender_forwarded" or "surrender_returned" by its district
 * bureau, "surrender_confirmed" or "surrender_refused" by the authority. */
struct surrender_input {
    const char *opinion; /* the holder's reason, the bureau's or the authority's opinion */
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

/* The members every review may carry (stage, decision, opinion,
 * override_reason); an approval adds its stage's records (the kind's
 * district_records or municipal_records). */
extern const struct field_spec engine_review_fields[];

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
 * event.  out->extra: the ranking as stored.  RULES.md §5: while the year's
 * round has not closed, or applications of the year wait at an earlier
 * stage (they would be left out for good), it is computed only with
 * `confirm` equal to how many are left out (-1: not given): else
 * ENGINE_REFUSED with out->extra {left_out: [...], count, round_closed}. */
enum engine_rc engine_rank(struct engine *e, const struct actor *who, const struct kind *kind,
                           int year, int confirm, int64_t now, struct outcome *out);

/* Performs every time-driven transition due at `now` (notices that ended
 * with no objection open: approved, and what they issue signed; duties
 * overdue, missed after a reminder, met, or failed after a rectification
 * deadline, with the revocation prompts they raise), each in its own
 * transaction.  report (may be NULL) is told of each application looked
 * at and each duty moved.  Returns how many were approved, -1 when the
 * store failed (or no signing key is loaded: nothing is approved without
 * one), or ENGINE_TICK_BUSY when another server on the same database is
 * ticking now (PostgreSQL): this turn is that server's. */
#define ENGINE_TICK_BUSY (-2)
int engine_tick(struct engine *e, int64_t now,
                void (*report)(const struct application *a, const char *what, void *ctx),
                void *ctx);

/* ---- rounds ----------------------------------------------------------------- */

/* A round's window (RULES.md §5), as stored. */
struct round_window {
    const struct kind *kind;
    int round;
    sb_day opens_on, closes_on;
    int64_t set_by;
    char set_at[40];
};

/* Sets the window of `kind`'s `round` (an administrator, or the municipal
 * reviewer of the kind's authority) from `body` {opens_on, closes_on}.
 * out->extra: the window as stored. */
enum engine_rc engine_round_set(struct engine *e, const struct actor *who, const struct kind *kind,
                                int round, const json_t *body, int64_t now, struct outcome *out);

/* Calls fn for every window defined, by kind and round. */
enum engine_rc engine_rounds(struct engine *e, void (*fn)(const struct round_window *w, void *ctx),
                             void *ctx);

/* A window as JSON, with whether it is open on the day of `now`. */
json_t *round_window_to_json(const struct round_window *w, int64_t now);

/* ---- lists, statistics ------------------------------------------------------- */

/* How many applications `who` may see match f (its scope set as
 * engine_list() sets it). */
enum engine_rc engine_count(struct engine *e, const struct actor *who, struct app_filter *f,
                            int64_t *n);

/* Calls fn for every application `who` may see that matches f, in f's
 * order, page after page (f->limit rows at a time). */
enum engine_rc engine_each(struct engine *e, const struct actor *who, struct app_filter *f,
                           int64_t now, void (*fn)(const struct app *a, void *ctx), void *ctx);

/* The statistics of the applications `who` may see (reviewers in scope,
 * auditors) of `round` (0: any) and `kind` (NULL: any): counts by status,
 * by review unit and kind, sums of proposed, granted and refunded fen.
 * out->extra: the document. */
enum engine_rc engine_statistics(struct engine *e, const struct actor *who, int round,
                                 const struct kind *kind, int64_t now, struct outcome *out);

/* ---- the reviewer's desk ------------------------------------------------------ */

/* The opinion templates of the actor's account, oldest first. */
enum engine_rc engine_templates(struct engine *e, const struct actor *who,
                                void (*fn)(const struct opinion_template *t, void *ctx), void *ctx);
/* A new template of the actor's account from body {title, text}; out->id
 * is its id (at most 100 per account: 409). */
enum engine_rc engine_template_add(struct engine *e, const struct actor *who, const json_t *body,
                                   int64_t now, struct outcome *out);
/* Deletes template id of the actor's account (404 for anyone else's). */
enum engine_rc engine_template_delete(struct engine *e, const struct actor *who, int64_t id,
                                      struct outcome *out);

/* The stage records of the actor's last approval of an application of
 * `kind` (to fill in the next one's): out->extra {application_id, at,
 * stage, records}; all null and no records when it has made none. */
enum engine_rc engine_last_review(struct engine *e, const struct actor *who,
                                  const struct kind *kind, struct outcome *out);
/* ---- after approval (RULES.md §8) ------------------------------------------ */

/* What a duty action takes ("report_filed", "duty_reminder", "duty_result",
 * "funds_paid", "prompt_dismissed", "refund_paid", and the clock's
 * "duty_overdue", "duty_missed", "duty_met", "duty_failed"): the duty acted
 * on (0 for a report or the funds) and the body as sent (NULL for the
 * clock).  On ENGINE_OK out->extra has "duty", the duty as written, and
 * out->id the report filed. */
struct duty_input {
    int64_t duty;
    const json_t *body;
};

/* A duty (with, when listed, its application's kind, status, unit and
 * holder) and a report as the API shows them; NULL only when memory runs
 * out. */
json_t *duty_to_json(const struct duty *d);
json_t *report_to_json(const struct report *r);

/* The duties and the reports of application id, as `who` may see it. */
enum engine_rc engine_duties_of(struct engine *e, const struct actor *who, int64_t id,
                                void (*fn)(const struct duty *d, void *ctx), void *ctx);
enum engine_rc engine_reports_of(struct engine *e, const struct actor *who, int64_t id,
                                 void (*fn)(const struct report *r, void *ctx), void *ctx);

/* The reviewers' worklist: the duties of the applications `who` reviews
 * (the scope is set from the actor), newest first. */
enum engine_rc engine_duty_list(struct engine *e, const struct actor *who, struct duty_filter *f,
                                void (*fn)(const struct duty *d, void *ctx), void *ctx, bool *more);

/* What a reader of a certificate of kind k would want to know of its
 * holder's duties ({"annual_report_overdue", "under_rectification",
 * "rectify_by"}), null for a kind without duties; NULL when the store
 * failed. */
json_t *engine_standing(struct engine *e, const struct kind *k, int64_t application_id);

/* The public list of kind k (k->public_list): each certified holder, with
 * what is certified, when, and its status now ("certified",
 * "under_rectification", "revoked" — announced with its ground and the day
 * it took effect — or "surrendered"), oldest first.  fn gets each entry (a
 * reference it may keep). */
enum engine_rc engine_public_list(struct engine *e, const struct kind *k, int64_t now,
                                  void (*fn)(json_t *entry, void *ctx), void *ctx);

/* ---- history -------------------------------------------------------------- */

/* The events of application id as `who` sees them, oldest first. */
enum engine_rc engine_events(struct engine *e, const struct actor *who, int64_t id,
                             void (*fn)(const struct event *ev, void *ctx), void *ctx);
/* An event as JSON; NULL only when memory runs out. */
json_t *event_to_json(const struct event *ev);

/* The objections to application id (reviewers of it, auditors). */
enum engine_rc engine_objections(struct engine *e, const struct actor *who, int64_t id,
                                 void (*fn)(const struct objection *o, void *ctx), void *ctx);

/* ---- versions -------------------------------------------------------------- */

/* Version n of application id as `who` may see it: the envelope as it was
 * then (its canonical text and SHA-256, which the create, edit and submit
 * events name as data_sha256).  ENGINE_NOT_FOUND when there is no such
 * application or version; caller releases out. */
enum engine_rc engine_version(struct engine *e, const struct actor *who, int64_t id, int64_t n,
                              struct app_version *out, struct outcome *o);

/* ---- materials (申报材料) ------------------------------------------------------ */

/* A file as received: its bytes (read through src), their SHA-256
 * computed while they arrived, what the client says of them. */
struct material_input {
    const char *type;         /* the material type (?type=) */
    const char *content_type; /* the Content-Type as sent; NULL when none */
    const char *filename;     /* from Content-Disposition, decoded; NULL when none */
    struct byte_source src;
    unsigned char sha256[MATERIAL_SHA256_LEN];
};

/* What can be said of an upload of `type` with `content_type` to
 * application id before its bytes arrive: the same checks as
 * engine_material_add() makes, save the content and the application's
 * total.  declared_bytes: the Content-Length, or -1.  ENGINE_OK when it
 * may go on; *max_bytes then receives the most the file may have. */
enum engine_rc engine_material_precheck(struct engine *e, const struct actor *who, int64_t id,
                                        const char *type, const char *content_type,
                                        int64_t declared_bytes, int64_t *max_bytes,
                                        struct outcome *out);

/* Adds a file to application id (its owner, while it is a draft or
 * returned): the type must be one of the kind's (422), the media type one
 * the type takes and the content what the media type says (415), the file
 * and the application's files together within the limits (413).  *made
 * receives the stored file (caller releases). */
enum engine_rc engine_material_add(struct engine *e, const struct actor *who, int64_t id,
                                   const struct material_input *in, int64_t now,
                                   struct material *made, struct outcome *out);

/* The files of application id as `who` may see it, the types its data
 * needs (required ones, and conditional ones whose condition holds) and
 * those of them with no file yet: {"items": [...], "needed": ["type", …],
 * "missing": ["type", …]}.  *doc: caller owns it. */
enum engine_rc engine_materials(struct engine *e, const struct actor *who, int64_t id, int64_t now,
                                json_t **doc, struct outcome *out);

/* File mid of application id as `who` may see it (deleted ones included:
 * what was submitted stays readable).  Caller releases out. */
enum engine_rc engine_material_get(struct engine *e, const struct actor *who, int64_t id,
                                   int64_t mid, struct material *m, struct outcome *out);

/* Reads len bytes at off of file mid (after engine_material_get): 0, or
 * -1 when they cannot be read (the file is gone, the database failed). */
int engine_material_read(struct engine *e, int64_t mid, int64_t off, void *buf, size_t len);

/* Deletes file mid of application id (its owner, while it is a draft or
 * returned). */
enum engine_rc engine_material_delete(struct engine *e, const struct actor *who, int64_t id,
                                      int64_t mid, int64_t now, struct outcome *out);

/* A file as the API shows it; NULL only when memory runs out. */
json_t *material_to_json(const struct material *m);

/* The material types of kind k as the API shows them (GET
 * /v1/kinds/{kind}/materials), with the largest file each takes here. */
json_t *engine_material_types(const struct engine *e, const struct kind *k);

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

/* The verdict on jws; why (may be NULL) says it in words, why_zh (may be
 * NULL) in Chinese, each of whylen bytes.  *payload (may be NULL) receives
 * the signed document when it is one (caller owns it). */
enum verdict certificate_verify(const struct key_source *keys, const char *jws,
                                const json_t *certificate, json_t **payload, char *why,
                                char *why_zh, size_t whylen);

/* The API's answer about a certificate given to it: valid or not, and its
 * status in the store ("active", "expired", "revoked"; "unknown" for a
 * valid one the store does not know; "invalid"), with why. */
int certificate_check(struct store *s, const char *jws, const json_t *certificate, int64_t now,
                      const char **status, char *why, char *why_zh, size_t whylen);

/* The public keys in the JWKS form (RFC 7517/8037); NULL when the store
 * failed. */
/* {"keys": [{kid, x, not_before, not_after}]}: every signing key with its
 * active period (not_after null while active); NULL when the store fails. */
json_t *engine_keys(struct store *s);
json_t *engine_jwks(struct store *s);

/* ---- accounts, tokens, sessions ----------------------------------------------- */

/* Checks an account request ({role, name, uscc, unit, authority}: roles.h
 * says which binding each role has) and fills a, created at `now`; every
 * problem is appended to errs with its pointer.  The unit must exist. */
void account_from_json(struct store *s, const json_t *body, int64_t now, struct account *a,
                       struct spec_errors *errs);

/* Why an applicant's USCC may not stand (a code outside Beijing of an
 * organisation not directly under the ministry or the municipal bureau), or
 * NULL when it may. */
const char *applicant_uscc_problem(const char *uscc, bool direct);

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

/* ---- passwords (CONTRACT.md "Passwords") ---- */

/* How long a reset link works. */
#define PASSWORD_RESET_SECONDS (24 * 3600)

/* A one-time reset code for the live account with this e-mail, valid 24
 * hours; its text to code_out (TOKEN_TEXT_LEN + 1 bytes), only its keyed
 * hash to the store, the account's older codes replaced.  *account_id and
 * expires_out (RFC3339_LEN bytes) say whose and until when.
 * STORE_NOT_FOUND when no live account has the e-mail address.  For
 * `shenbao account reset-password`. */
enum store_rc password_reset_issue(struct store *s, const unsigned char key[TOKEN_KEY_LEN],
                                   const char *email, int64_t now, char *code_out,
                                   int64_t *account_id, char *expires_out);
/* Uses reset code `code` once: the account's password becomes the one
 * password_hash hashes, and every session of it ends.  ENGINE_INVALID (at
 * /code) for a code unknown, used, replaced or expired. */
enum engine_rc engine_password_reset(struct engine *e, const unsigned char key[TOKEN_KEY_LEN],
                                     const char *code, const char *password_hash, int64_t now,
                                     struct outcome *o);
/* The actor's new password; every session of the account but `keep` (the
 * one that asked; NULL: none) ends.  *sessions: how many ended. */
enum engine_rc engine_password_change(struct engine *e, const struct actor *who,
                                      const char *password_hash,
                                      const unsigned char keep[TOKEN_HASH_BYTES], int64_t now,
                                      int *sessions, struct outcome *o);

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

/* ---- the transparency log (docs/TRANSPARENCY.md) ------------------------- */

/* Appends to the log, in one transaction, every event that is not a leaf
 * yet (a database written before the log existed); *added (may be NULL)
 * gets how many.  Each event written later is appended in its own
 * transaction.  0, or -1 when the store failed or the events and the log
 * disagree (logged). */
int engine_log_backfill(struct store *s, uint64_t *added);

/* The number of leaves in the log. */
enum engine_rc engine_log_size(struct engine *e, uint64_t *size);

/* The current checkpoint, signed with the log key: *note (caller frees),
 * its length, and the tree size it names (may be NULL).  ENGINE_UNAVAILABLE
 * without a log key. */
enum engine_rc engine_log_checkpoint(struct engine *e, char **note, size_t *len, uint64_t *size);

/* {"index", "size", "leaf_hash", "hashes"}: the inclusion proof of leaf
 * index in the tree of `size` leaves.  ENGINE_NOT_FOUND when index >= size
 * or the log has fewer than size leaves. */
enum engine_rc engine_log_inclusion(struct engine *e, uint64_t index, uint64_t size, json_t **out);

/* {"from", "to", "hashes"}: the consistency proof from the tree of `from`
 * leaves to that of `to` (empty when from is 0 or equal to to).
 * ENGINE_NOT_FOUND when from > to or the log has fewer than `to` leaves. */
enum engine_rc engine_log_consistency(struct engine *e, uint64_t from, uint64_t to, json_t **out);

/* Calls fn with each leaf in [start, end) as its event (event_to_json with
 * `index`, `application_id` and `leaf`: the base64 of the leaf's bytes);
 * fn takes the reference.  ENGINE_NOT_FOUND when start > end or the log has
 * fewer than end leaves. */
enum engine_rc engine_log_entries(struct engine *e, uint64_t start, uint64_t end,
                                  void (*fn)(json_t *entry, void *ctx), void *ctx);
json_t *engine_log_entry_json(const struct event *ev);

/* GET /v1/certificates/{serial}/bundle: {certificate, jws, status,
 * status_jws (a JWS by the active signing key over {serial, status, at}
 * and revoked_at when revoked), log_index and leaf (the approval event's
 * bytes, base64), inclusion (of that leaf at the checkpoint's size),
 * checkpoint}.  ENGINE_NOT_FOUND for a serial never issued,
 * ENGINE_UNAVAILABLE without a signing or log key. */
enum engine_rc engine_certificate_bundle(struct engine *e, const char *serial, int64_t now,
                                         json_t **out);

/* Recomputes the log from the events themselves: each event's leaf must be
 * the one the log holds at its index, the log may not hold more leaves
 * than there are events, applications and certificates must be in the
 * state their events leave them; and given cp (a checkpoint published
 * earlier, its signature already checked; may be NULL) the first cp->size
 * events must hash to its root, and there must be that many.  0 with the
 * tree's *size and root (either may be NULL); -1 with the first problem,
 * naming the event and log index where it is, in report; -2 when the store
 * failed. */
struct checkpoint;
int engine_audit_log(struct store *s, const struct checkpoint *cp, uint64_t *size,
                     unsigned char root[32], char *report, size_t cap);

#endif
