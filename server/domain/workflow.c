#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "text.h"
#include "workflow.h"

static enum guard_verdict verdict(struct guard_result *out, enum guard_verdict v,
                                  const char *pointer, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static enum guard_verdict verdict(struct guard_result *out, enum guard_verdict v,
                                  const char *pointer, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    if (vsnprintf(out->detail, sizeof out->detail, fmt, ap) >= (int)sizeof out->detail)
        text_trim_utf8(out->detail);
    va_end(ap);
    out->pointer = pointer;
    return out->verdict = v;
}

/* A return or a rejection says why (审核意见), so the applicant can act. */
static enum guard_verdict needs_opinion(const struct guard_facts *f, struct guard_result *out)
{
    if (f->opinion)
        return GUARD_PASS;
    return verdict(out, GUARD_INVALID, "/opinion",
                   "is required: say what is wrong or missing, for the applicant and the record");
}

/* Eligibility is advice, not a gate: approving against it needs a reason on
 * record (RULES.md §1). */
static enum guard_verdict eligible_or_overridden(const struct guard_facts *f,
                                                 struct guard_result *out)
{
    if (f->eligible || f->override_reason)
        return GUARD_PASS;
    return verdict(out, GUARD_INVALID, "/override_reason",
                   "is required to approve an application that fails checks: %s",
                   f->failed_checks ? f->failed_checks : "");
}

/* 京科发〔2020〕13号 第十三条: no new application while a revocation bars it. */
static enum guard_verdict not_barred(const struct guard_facts *f, struct guard_result *out)
{
    if (!f->barred_until || !f->barred_until[0])
        return GUARD_PASS;
    return verdict(out, GUARD_CONFLICT, NULL,
                   "a revocation bars this organisation from applying before %s; it may submit "
                   "again from that day",
                   f->barred_until);
}

/* The notice ends at 24:00 of its 5th working day, and not while an
 * objection is open (RULES.md §1). */
static enum guard_verdict notice_ended(const struct guard_facts *f, struct guard_result *out)
{
    if (!f->notice_over)
        return verdict(out, GUARD_CONFLICT, NULL, "the public notice has not ended");
    if (f->open_objections == 1)
        return verdict(out, GUARD_CONFLICT, NULL, "held by an open objection");
    if (f->open_objections > 1)
        return verdict(out, GUARD_CONFLICT, NULL, "held by %d open objections", f->open_objections);
    return GUARD_PASS;
}

const char *const workflow_statuses[] = {
    "draft",    "district_review", "municipal_review", "public_notice", "approved",
    "returned", "rejected",        "withdrawn",        "revoked",       NULL,
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
    {"draft", "submit", "district_review", "applicant", not_barred},
    {"returned", "submit", "district_review", "applicant", not_barred},

    {"district_review", "district_approve", "municipal_review", "district_reviewer", NULL},
    {"district_review", "district_return", "returned", "district_reviewer", needs_opinion},
    {"district_review", "district_reject", "rejected", "district_reviewer", needs_opinion},

    {"municipal_review", "municipal_approve", "public_notice", "municipal_reviewer",
     eligible_or_overridden},
    {"municipal_review", "municipal_return", "returned", "municipal_reviewer", needs_opinion},
    {"municipal_review", "municipal_reject", "rejected", "municipal_reviewer", needs_opinion},

    {"public_notice", "objection_filed", "public_notice", "public", NULL},
    {"public_notice", "objection_upheld", "rejected", "municipal_reviewer", needs_opinion},
    {"public_notice", "objection_dismissed", "public_notice", "municipal_reviewer", needs_opinion},
    {"public_notice", "notice_ended", "approved", "system", notice_ended},

    {"draft", "withdraw", "withdrawn", "applicant", NULL},
    {"returned", "withdraw", "withdrawn", "applicant", NULL},
    {"district_review", "withdraw", "withdrawn", "applicant", NULL},
    {"municipal_review", "withdraw", "withdrawn", "applicant", NULL},
    {"public_notice", "withdraw", "withdrawn", "applicant", NULL},

    {"approved", "revoke", "revoked", "municipal_reviewer", needs_opinion},
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

enum guard_verdict workflow_check(const struct transition *t, const struct guard_facts *f,
                                  struct guard_result *out)
{
    out->verdict = GUARD_PASS;
    out->pointer = NULL;
    out->detail[0] = '\0';
    return t->guard ? t->guard(f, out) : GUARD_PASS;
}
