/*
 * The review workflow as a transition table (RULES.md §1).
 *
 * Every status change in shenbao is one row of this table, applied through
 * workflow_apply(); no other code assigns a status.
 */
#ifndef SB_WORKFLOW_H
#define SB_WORKFLOW_H

#include <stdbool.h>
#include <stddef.h>

struct transition {
    const char *from;   /* status before */
    const char *action; /* "submit", "withdraw", … */
    const char *to;     /* status after */
    const char *who;    /* the role that may take it */
};

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
