/*
 * What the engine's own files share: one change in progress, the actions'
 * table, and helpers.  Nothing outside server/engine/ includes this.
 */
#ifndef SB_ENGINE_IMPL_H
#define SB_ENGINE_IMPL_H

#include "clock.h"
#include "engine.h"

/*
 * An event made ready in phase 1, outside the write lock: its text, its
 * details written out, and the costly part of its canonical encoding.
 * Phase 2 only links it to the log's head and hashes it.
 */
struct event_draft {
    struct event e;        /* owns details_json; opinion borrowed */
    char *body;            /* chain_body() of e */
    const void *made_from; /* the details it was made from */
};

/* Makes d (releasing what it held) for application row `a` by `who`: the
 * event of `action` from status `from` to a's.  0, or -1 when memory runs
 * out. */
int event_draft_make(struct event_draft *d, const struct actor *who, const struct application *a,
                     const char *action, const char *from, const char *opinion,
                     const json_t *details);
/* Appends d to the log as an event of application_id (known only now for a
 * new application): reads the head, sets d's id and link, hashes, inserts.
 * hash_out (may be NULL) gets its hash. */
enum store_rc event_draft_append(struct store_tx *tx, struct event_draft *d, int64_t application_id,
                                 unsigned char *hash_out);
void event_draft_release(struct event_draft *d);

/* ---- the transparency log (engine/logtree.c) ------------------------------ */

/* Appends event e (just inserted, its chain_body() `body`) to the log as
 * leaf e->id - 1, in tx; first any earlier events that are not leaves yet.
 * STORE_ERROR when the log has more leaves than there are events before e. */
enum store_rc logtree_append(struct store_tx *tx, const struct event *e, const char *body);
/* The leaf hash of bytes, and of an event's canonical bytes (-1 when
 * memory runs out). */
void logtree_leaf_hash(unsigned char out[32], const char *leaf, size_t len);
int logtree_event_leaf_hash(unsigned char out[32], const struct event *e);
/* Hashes of 32 bytes as a JSON array of padded base64 strings. */
json_t *log_hashes_json(const unsigned char *hashes, size_t count);

/*
 * One change to an application (engine_act and the in-transaction
 * variant).  Phase 1 (prepare) fills `next`, the event and what the action
 * will write besides; phase 2 (commit) writes them.
 */
struct change {
    struct engine *e;
    const struct actor *who;
    const char *action;
    const void *input;
    int64_t if_match;
    int64_t now;
    char now_text[RFC3339_LEN];
    struct outcome *out;

    /* Phase 1. */
    struct app *app;            /* as read; owned */
    const struct transition *t; /* NULL for "edit" */
    const struct action_def *def;
    struct guard_facts facts; /* what the guard looks at */
    char failed_checks[192];  /* text the guard facts point to */
    char barred_until[16];
    struct application next;    /* the row to write: owns its new texts */
    json_t *next_facts;         /* the facts to write (owned); NULL: unchanged */
    struct kind_data next_data; /* "edit": the new data (owned) */
    bool data_changed;
    bool reevaluate;         /* the facts the rules read changed */
    struct eligibility elig; /* as they stood before the change (the decision basis) */
    struct award award;
    const char *opinion;      /* the event's; borrowed from the input */
    json_t *details;          /* the event's details (owned) */
    json_t *details_prepared; /* as phase 1 left them, for a run again (owned) */
    json_t *certificate;      /* what an issuing transition signs (owned) */
    char serial[48];
    /* The version the change writes: its envelope's canonical text (owned)
     * and SHA-256; NULL for an action that keeps the version. */
    char *envelope;
    unsigned char envelope_sha256[VERSION_SHA256_LEN];

    struct event_draft event; /* the event, as phase 1 left c */

    /* What the action writes to duties and reports (engine/duties.c),
     * worked out in phase 2; owned.  NULL: nothing. */
    struct duty_work *work;

    /* Phase 2. */
    unsigned char event_hash[EVENT_HASH_LEN];
    int64_t made_id; /* what the action inserted (an objection) */
    bool retry;      /* the version moved between the phases: prepare again */
    unsigned runs;   /* of phase 2 in this attempt (PostgreSQL may run it again) */
};

/*
 * What an action does besides the status the transition table gives it.
 * Each hook may be NULL.
 */
struct action_def {
    const char *action;
    /* Phase 1, no lock: checks the input, fills the guard facts the
     * application alone decides, and prepares what will be written (bad
     * fields to c->out->errs).  Returns ENGINE_OK or a refusal. */
    enum engine_rc (*prepare)(struct change *c);
    /* Phase 2, in the transaction, before anything is written: facts that
     * involve other rows (bans, caps, open objections), for the guard and
     * for refusals of its own. */
    enum engine_rc (*check)(struct store_tx *tx, struct change *c);
    /* Phase 2, after the row is written and before its event: rows of
     * its own (an objection, a revocation). */
    enum engine_rc (*before_event)(struct store_tx *tx, struct change *c);
    /* Phase 2, after its event: what follows from it for other
     * applications (a revocation that disqualifies pending ones). */
    enum engine_rc (*after_event)(struct store_tx *tx, struct change *c);
    /* The action leaves the application as it was (its representation, and
     * so its version, the ETag): an objection is an event of the
     * application, not a change to it.  Phase 2 then only checks that the
     * version has not moved. */
    bool keeps_version;
    /* The event names the envelope the change leaves (data_sha256 and
     * version): creation, edits, submissions. */
    bool names_envelope;
};

/* The action's entry, or NULL. */
const struct action_def *action_find(const char *action);

/* ---- after approval (engine/duties.c) ---------------------------------------- */

/* Duties and a report an action writes, in its transaction: rows to
 * update or insert, and the report to insert first (rows whose report_id is
 * -1 take its id). */
#define DUTY_WORK_MAX 4
struct duty_work {
    struct duty rows[DUTY_WORK_MAX];
    bool insert[DUTY_WORK_MAX];
    unsigned n;
    bool add_report;
    struct report report;
    json_t *report_files; /* what the report's files are, for its event; NULL: none */
};

void duty_work_free(struct duty_work *w);

/* The hooks of the actions after approval (action_def). */
enum engine_rc duties_prepare_report(struct change *c);
enum engine_rc duties_check_report(struct store_tx *tx, struct change *c);
enum engine_rc duties_prepare_reminder(struct change *c);
enum engine_rc duties_check_reminder(struct store_tx *tx, struct change *c);
enum engine_rc duties_prepare_result(struct change *c);
enum engine_rc duties_check_result(struct store_tx *tx, struct change *c);
enum engine_rc duties_prepare_funds(struct change *c);
enum engine_rc duties_check_funds(struct store_tx *tx, struct change *c);
enum engine_rc duties_prepare_dismissal(struct change *c);
enum engine_rc duties_check_dismissal(struct store_tx *tx, struct change *c);
enum engine_rc duties_prepare_refund_paid(struct change *c);
enum engine_rc duties_check_refund_paid(struct store_tx *tx, struct change *c);
enum engine_rc duties_check_clock(struct store_tx *tx, struct change *c);
/* before_event of each: writes c->work. */
enum engine_rc duties_write(struct store_tx *tx, struct change *c);

/* The duties what was just issued starts (certificate_issue()). */
enum engine_rc duties_on_issue(struct store_tx *tx, struct change *c, sb_day issued_on,
                               const char *valid_until);
/* What a revocation does to the duties: those still open are cancelled, the
 * open prompts acted on, and a refund (refund_fen > 0) becomes a duty. */
enum engine_rc duties_on_revocation(struct store_tx *tx, struct change *c, int64_t refund_fen);

/* The clock's part for duties (engine_tick). */
int duties_tick(struct engine *e, int64_t now,
                void (*report)(const struct application *a, const char *what, void *ctx),
                void *ctx);

/* Parses and evaluates an application the store read (taking the row's
 * text) as of `now`.  NULL when memory runs out. */
struct app *app_load(struct engine *e, struct application *row, int64_t now);
/* Whether the applicant may still change the application (draft,
 * returned): only such data may be incomplete. */
bool app_editable(const struct application *row);
/* Runs the kind's rules on a again (its facts or data changed). */
void app_evaluate(struct app *a, int64_t now);
/* Works out a->clock (waiting, due dates, a held notice) as of `now`. */
void app_clock(struct engine *e, struct app *a, int64_t now);

/* Parses a's facts text (NULL or "" as {}); never NULL unless memory runs
 * out. */
json_t *facts_parse(const char *text);

/* Makes the event of change c (the application as it will be written,
 * c->next, with c->opinion and c->details) in phase 1.  0 or -1. */
int history_prepare(struct change *c);
/* Appends the event of change c to the log; c->event_hash gets its hash.
 * The event is made again here when the action has a before_event hook
 * (which may set c->details in phase 2) or c->details was replaced since
 * phase 1: details must be replaced, not changed in place, after
 * history_prepare(). */
enum store_rc history_record(struct store_tx *tx, struct change *c);

/* Prepares, in phase 1, what an issuing transition signs (c->certificate,
 * c->serial, facts.certificate_serial); certificate_issue() signs and
 * stores it in phase 2, citing the event. */
enum engine_rc certificate_prepare(struct change *c);
enum engine_rc certificate_issue(struct store_tx *tx, struct change *c);

/* What a new or replaced envelope needs of the store and the account: the
 * review unit exists and may review the kind; the USCC is the applicant's
 * own.  Every problem to o->errs. */
void envelope_check_unit(struct engine *e, const struct actor *who, const struct envelope *env,
                         struct outcome *o);

/* The canonical text of an application's envelope (kind, round,
 * review_unit, applicant, data: compact JSON, keys sorted, UTF-8 as is) as
 * row a has it; sha256_out (may be NULL) gets its SHA-256.  Caller frees;
 * NULL when memory runs out. */
char *envelope_text(const struct application *a, unsigned char *sha256_out);

/* Keeps the version row a (as written) and its envelope: text and sha256 as
 * envelope_text() made them. */
enum store_rc version_keep(struct store_tx *tx, const struct application *a, const char *text,
                           const unsigned char *sha256);

/* The members an event adds for an envelope: data_sha256 (hex) and
 * version. */
void details_name_envelope(json_t *details, const unsigned char *sha256, int64_t version);

/* The decision basis: the eligibility checks and the award as they stood
 * (what the decider saw), {"eligibility", "award"}. */
json_t *decision_basis(const struct change *c);

/* Releases what a change holds (its application, what it prepared) and
 * sets it up for another attempt with the same input. */
void change_reset(struct change *c);

/* Runs phase 1 and 2 of c inside tx (ranking, tick): the application is read
 * in the transaction.  ENGINE_OK or why not (in c->out). */
enum engine_rc change_run_tx(struct store_tx *tx, struct change *c, int64_t id);

/* The reason text of an outcome, for a refusal made with GUARD_CONFLICT. */
enum engine_rc refuse_in_status(struct change *c, const char *what);

#endif
