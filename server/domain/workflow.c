#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "messages.h"
#include "text.h"
#include "config.h"
#include "roles.h"
#include "workflow.h"

/* The configuration reads stage lists with the same bits. */
_Static_assert(STAGE_DISTRICT == CONFIG_STAGE_DISTRICT &&
                   STAGE_MUNICIPAL == CONFIG_STAGE_MUNICIPAL && STAGE_NOTICE == CONFIG_STAGE_NOTICE,
               "stage bits");

static enum guard_verdict verdict(struct guard_result *out, enum guard_verdict v,
                                  const char *pointer, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static enum guard_verdict verdict(struct guard_result *out, enum guard_verdict v,
                                  const char *pointer, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    msg_vformat(out->detail, sizeof out->detail, out->detail_zh, sizeof out->detail_zh, fmt, ap);
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
 * record, at the municipal stage (RULES.md §1) and at the district stage
 * (§5, P). */
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
 * (re)submits it to its first stage: the district stage when its kind has
 * one, else the municipal stage.  The review unit approves it on to the
 * municipal stage, returns it for correction or rejects it; the authority
 * does the same at its stage, where approval publishes the result for the
 * 5-working-day public notice when the kind has one, and otherwise approves
 * and issues at once.  An upheld objection rejects it; a dismissed one lets
 * the notice run on; when the notice has ended with no objection open, the
 * application is approved (ROLE_SYSTEM: the server's clock).  The ranking
 * of a year fixes ranked items of applications in municipal review.  The
 * applicant may withdraw until approval; the authority may revoke what it
 * issued. */
#define A ROLE_APPLICANT
#define D ROLE_DISTRICT_REVIEWER
#define M ROLE_MUNICIPAL_REVIEWER
static const struct transition transitions[] = {
    {"draft", "submit", "district_review", A, STAGE_DISTRICT, 0, not_barred, false},
    {"draft", "submit", "municipal_review", A, 0, STAGE_DISTRICT, not_barred, false},
    {"returned", "submit", "district_review", A, STAGE_DISTRICT, 0, not_barred, false},
    {"returned", "submit", "municipal_review", A, 0, STAGE_DISTRICT, not_barred, false},

    {"district_review", "district_approve", "municipal_review", D, 0, 0, eligible_or_overridden,
     false},
    {"district_review", "district_return", "returned", D, 0, 0, needs_opinion, false},
    {"district_review", "district_reject", "rejected", D, 0, 0, needs_opinion, false},

    {"municipal_review", "municipal_approve", "public_notice", M, STAGE_NOTICE, 0,
     eligible_or_overridden, false},
    {"municipal_review", "municipal_approve", "approved", M, 0, STAGE_NOTICE,
     eligible_or_overridden, true},
    {"municipal_review", "municipal_return", "returned", M, 0, 0, needs_opinion, false},
    {"municipal_review", "municipal_reject", "rejected", M, 0, 0, needs_opinion, false},
    {"municipal_review", "ranked", "municipal_review", M, 0, 0, NULL, false},

    {"public_notice", "objection_filed", "public_notice", ROLE_PUBLIC, 0, 0, NULL, false},
    {"public_notice", "objection_upheld", "rejected", M, 0, 0, needs_opinion, false},
    {"public_notice", "objection_dismissed", "public_notice", M, 0, 0, needs_opinion, false},
    {"public_notice", "notice_ended", "approved", ROLE_SYSTEM, 0, 0, notice_ended, true},

    {"draft", "withdraw", "withdrawn", A, 0, 0, NULL, false},
    {"returned", "withdraw", "withdrawn", A, 0, 0, NULL, false},
    {"district_review", "withdraw", "withdrawn", A, 0, 0, NULL, false},
    {"municipal_review", "withdraw", "withdrawn", A, 0, 0, NULL, false},
    {"public_notice", "withdraw", "withdrawn", A, 0, 0, NULL, false},

    {"approved", "revoke", "revoked", M, 0, 0, needs_opinion, false},
};
#undef A
#undef D
#undef M

#define N_TRANSITIONS (sizeof transitions / sizeof transitions[0])

bool workflow_status_valid(const char *status)
{
    for (const char *const *s = workflow_statuses; *s; s++)
        if (strcmp(*s, status) == 0)
            return true;
    return false;
}

static const char *const stage_names[] = {"district", "municipal", "notice"};

const char *stage_name(enum stage s)
{
    for (unsigned i = 0; i < 3; i++)
        if (s == 1u << i)
            return stage_names[i];
    return NULL;
}

unsigned stage_from_name(const char *name)
{
    for (unsigned i = 0; i < 3; i++)
        if (strcmp(stage_names[i], name) == 0)
            return 1u << i;
    return 0;
}

static bool holds(const struct transition *t, unsigned stages)
{
    return (t->when & stages) == t->when && (t->unless & stages) == 0;
}

const struct transition *workflow_find(const char *status, const char *action, unsigned stages)
{
    for (size_t i = 0; i < N_TRANSITIONS; i++)
        if (strcmp(transitions[i].from, status) == 0 &&
            strcmp(transitions[i].action, action) == 0 && holds(&transitions[i], stages))
            return &transitions[i];
    return NULL;
}

size_t workflow_actions(const char *status, unsigned role, unsigned stages, const char **out,
                        size_t cap)
{
    size_t n = 0;
    for (size_t i = 0; i < N_TRANSITIONS && n + 1 < cap; i++) {
        const struct transition *t = &transitions[i];
        if (strcmp(t->from, status) != 0 || !holds(t, stages) || (role != ~0u && t->who != role))
            continue;
        bool seen = false; /* an action listed once, whichever row holds */
        for (size_t j = 0; j < n; j++)
            seen |= strcmp(out[j], t->action) == 0;
        if (!seen)
            out[n++] = t->action;
    }
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
