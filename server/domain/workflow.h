/*
 * The review workflow as a transition table (RULES.md §1).
 *
 * Every status change in shenbao is one row of this table: the server finds
 * the row (workflow_find), checks its guard (workflow_check) and sets the
 * row's `to`; no other code chooses a status.
 */
#ifndef SB_WORKFLOW_H
#define SB_WORKFLOW_H

#include <stdbool.h>
#include <stddef.h>

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
};

struct transition {
    const char *from;   /* status before */
    const char *action; /* "submit", "withdraw", … */
    const char *to;     /* status after */
    const char *who;    /* the role that may take it */
    /* What must hold besides (NULL: nothing), RULES.md §1: an opinion for a
     * return or a rejection, an override to approve what fails a check, no
     * open objection to end a notice, … */
    enum guard_verdict (*guard)(const struct guard_facts *f, struct guard_result *out);
};

/* Runs t's guard on f.  out->verdict is GUARD_PASS when t has none. */
enum guard_verdict workflow_check(const struct transition *t, const struct guard_facts *f,
                                  struct guard_result *out);

/* The statuses, NULL-terminated. */
extern const char *const workflow_statuses[];

/* True when `status` is one of workflow_statuses. */
bool workflow_status_valid(const char *status);

/* The transition for `action` from `status`, or NULL when the table has
 * none. */
const struct transition *workflow_find(const char *status, const char *action);

/* Writes into out (NULL-terminated, at most cap-1 entries) the actions the
 * table allows from `status` to `role` (NULL = any role); returns how many. */
size_t workflow_actions(const char *status, const char *role, const char **out, size_t cap);

#endif
