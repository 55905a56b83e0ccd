#include <string.h>

#include "workflow.h"

const char *const workflow_statuses[] = {
    "draft",         "district_review", "municipal_review", "public_notice", "approved",
    "returned",      "rejected",        "withdrawn",        "revoked",       NULL,
};

/* RULES.md §1.  The applicant edits a draft or a returned application and
 * (re)submits it to the district stage; the review unit approves it on to the
 * municipal stage, returns it for correction or rejects it; the authority
 * does the same at its stage, where approval publishes the result for the
 * 5-working-day public notice.  An upheld objection rejects it; a dismissed
 * one lets the notice run on; when the notice has ended with no objection
 * open, the application is approved ("system": the server's clock).  The
 * applicant may withdraw until approval; the authority may revoke what it
 * issued. */
static const struct transition transitions[] = {
    {"draft", "submit", "district_review", "applicant"},
    {"returned", "submit", "district_review", "applicant"},

    {"district_review", "district_approve", "municipal_review", "district_reviewer"},
    {"district_review", "district_return", "returned", "district_reviewer"},
    {"district_review", "district_reject", "rejected", "district_reviewer"},

    {"municipal_review", "municipal_approve", "public_notice", "municipal_reviewer"},
    {"municipal_review", "municipal_return", "returned", "municipal_reviewer"},
    {"municipal_review", "municipal_reject", "rejected", "municipal_reviewer"},

    {"public_notice", "objection_filed", "public_notice", "public"},
    {"public_notice", "objection_upheld", "rejected", "municipal_reviewer"},
    {"public_notice", "objection_dismissed", "public_notice", "municipal_reviewer"},
    {"public_notice", "notice_ended", "approved", "system"},

    {"draft", "withdraw", "withdrawn", "applicant"},
    {"returned", "withdraw", "withdrawn", "applicant"},
    {"district_review", "withdraw", "withdrawn", "applicant"},
    {"municipal_review", "withdraw", "withdrawn", "applicant"},
    {"public_notice", "withdraw", "withdrawn", "applicant"},

    {"approved", "revoke", "revoked", "municipal_reviewer"},
};

#define N_TRANSITIONS (sizeof transitions / sizeof transitions[0])

bool workflow_status_valid(const char *status)
{
    for (const char *const *s = workflow_statuses; *s; s++)
        if (strcmp(*s, status) == 0)
            return true;
    return false;
}

const struct transition *workflow_find(const char *status, const char *action)
{
    for (size_t i = 0; i < N_TRANSITIONS; i++)
        if (strcmp(transitions[i].from, status) == 0 && strcmp(transitions[i].action, action) == 0)
            return &transitions[i];
    return NULL;
}

size_t workflow_actions(const char *status, const char *role, const char **out, size_t cap)
{
    size_t n = 0;
    for (size_t i = 0; i < N_TRANSITIONS && n + 1 < cap; i++)
        if (strcmp(transitions[i].from, status) == 0 &&
            (!role || strcmp(transitions[i].who, role) == 0))
            out[n++] = transitions[i].action;
    if (cap)
        out[n] = NULL;
    return n;
}
