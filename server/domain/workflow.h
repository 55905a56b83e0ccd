/*
 * The review workflow as a transition table (RULES.md §1).
 *
 * Every status change in shenbao is one row of this table: the engine finds
 * the row (workflow_find), checks its guard (workflow_check) and sets the
 * row's `to`; no other code chooses a status.
 *
 * One state machine serves every kind; a kind uses the stages its measure
 * prescribes (RULES.md §1: incubators have no district stage, first-store
 * funding and tourism awards no notice, …), and a row may hold only for
 * applications that use, or do not use, a stage: submitting goes to the
 * district stage when there is one, else straight to the municipal stage; a
 * municipal approval publishes the notice when there is one, else approves
 * at once.
 */
#ifndef SB_WORKFLOW_H
#define SB_WORKFLOW_H

#include <stdbool.h>
#include <stddef.h>

/* The review stages an application may go through.  The municipal stage is
 * always one of them. */
enum stage {
    STAGE_DISTRICT = 1u << 0,  /* district preliminary review (初审) */
    STAGE_MUNICIPAL = 1u << 1, /* municipal re-review (复审) */
    STAGE_NOTICE = 1u << 2,    /* the 5-working-day public notice (公示) */
};
#define STAGES_ALL (STAGE_DISTRICT | STAGE_MUNICIPAL | STAGE_NOTICE)

/* What an application's kind does after approval (struct kind's `after`),
 * as bits beside its stages: a row of the table may hold only for kinds
 * that do it. */
enum after_approval {
    AFTER_DUTIES = 1u << 8,     /* reports and other duties (RULES.md §8) */
    AFTER_PAYMENT = 1u << 9,    /* the day its funds were received is recorded */
    AFTER_SURRENDER = 1u << 10, /* the holder may give up what was issued */
};

/* A stage's name ("district", "municipal", "notice") and back (0 for an
 * unknown name). */
const char *stage_name(enum stage s);
unsigned stage_from_name(const char *name);

/* What a guard looks at: facts the caller gathers about the request and
 * the application before taking a transition. */
struct guard_facts {
    bool opinion;              /* an opinion (or reason) was given */
    bool eligible;             /* every eligibility check passes */
    const char *failed_checks; /* their ids when not, "a, b" */
    bool override_reason;      /* an override reason was given */
    bool notice_over;          /* 24:00 of the notice's last day has passed */
    int open_objections;
    const char *barred_until; /* a revocation bars a new application until
                               * this date; NULL or "" when none */
    /* A request to give up what was issued (407号 第十七条): none, asked
     * by the holder, or passed on by the district bureau; whether the kind
     * goes through a district stage here (then the bureau passes it on). */
    enum { SURRENDER_NONE, SURRENDER_REQUESTED, SURRENDER_FORWARDED } surrender;
    bool surrender_via_district;
};

enum guard_verdict {
    GUARD_PASS = 0,
    GUARD_INVALID,  /* the request lacks something: 422 at `pointer` */
    GUARD_CONFLICT, /* not now: 409 */
};

struct guard_result {
    enum guard_verdict verdict;
    const char *pointer; /* GUARD_INVALID: the member at fault */
    char detail[256];
    char detail_zh[256]; /* the same in Chinese (messages.h); "" when none */
};

struct transition {
    const char *from;   /* status before */
    const char *action; /* "submit", "withdraw", … */
    const char *to;     /* status after */
    unsigned who;    /* the role that may take it (roles.h: a role bit, ROLE_PUBLIC, ROLE_SYSTEM) */
    unsigned when;   /* the row holds only for applications using these stages (0: any) */
    unsigned unless; /* … and not using these */
    /* What must hold besides (NULL: nothing), RULES.md §1: an opinion for a
     * return or a rejection, an override to approve what fails a check, no
     * open objection to end a notice, … */
    enum guard_verdict (*guard)(const struct guard_facts *f, struct guard_result *out);
    bool issues; /* reaching `to` issues, signed, what the kind issues */
    /* Taken only as what follows from another action (a revocation that
     * disqualifies pending applications), never asked for: not among the
     * actions offered. */
    bool follows;
};

/* Runs t's guard on f.  out->verdict is GUARD_PASS when t has none. */
enum guard_verdict workflow_check(const struct transition *t, const struct guard_facts *f,
                                  struct guard_result *out);

/* The statuses, NULL-terminated. */
extern const char *const workflow_statuses[];

/* True when `status` is one of workflow_statuses. */
bool workflow_status_valid(const char *status);

/* The transition for `action` from `status` for an application using
 * `stages`, or NULL when the table has none. */
const struct transition *workflow_find(const char *status, const char *action, unsigned stages);

/* Writes into out (NULL-terminated, at most cap-1 entries) the actions the
 * table allows from `status` to `role` (a role bit; ~0u = any role) for an
 * application using `stages`; returns how many. */
size_t workflow_actions(const char *status, unsigned role, unsigned stages, const char **out,
                        size_t cap);

#endif
