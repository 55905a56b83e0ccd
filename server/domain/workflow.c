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

/* 京文旅发〔2020〕407号 第十七条: the holder asks its district bureau, which
 * reviews the request and passes it to the authority, which confirms it.
 * One request at a time. */
static enum guard_verdict no_surrender_pending(const struct guard_facts *f,
                                               struct guard_result *out)
{
    if (f->surrender == SURRENDER_NONE)
        return GUARD_PASS;
    return verdict(
        out, GUARD_CONFLICT, NULL, "a request to give up the certification is already %s",
        f->surrender == SURRENDER_REQUESTED ? "with the district bureau" : "with the authority");
}

static enum guard_verdict surrender_with_district(const struct guard_facts *f,
                                                  struct guard_result *out)
{
    if (f->surrender == SURRENDER_REQUESTED)
        return GUARD_PASS;
    if (f->surrender == SURRENDER_FORWARDED)
        return verdict(out, GUARD_CONFLICT, NULL,
                       "the request was already passed on to the authority");
    return verdict(out, GUARD_CONFLICT, NULL, "there is no request to give up the certification");
}

static enum guard_verdict surrender_returned(const struct guard_facts *f, struct guard_result *out)
{
    enum guard_verdict v = surrender_with_district(f, out);
    return v == GUARD_PASS ? needs_opinion(f, out) : v;
}

/* The authority confirms a request its district bureau passed on (or, where
 * the kind has no district stage here, the holder's own request). */
static enum guard_verdict surrender_with_authority(const struct guard_facts *f,
                                                   struct guard_result *out)
{
    if (f->surrender == SURRENDER_FORWARDED ||
        (f->surrender == SURRENDER_REQUESTED && !f->surrender_via_district))
        return GUARD_PASS;
    if (f->surrender == SURRENDER_REQUESTED)
        return verdict(out, GUARD_CONFLICT, NULL,
                       "the district bureau has not passed the request on yet");
    return verdict(out, GUARD_CONFLICT, NULL, "there is no request to give up the certification");
}

static enum guard_verdict surrender_refused(const struct guard_facts *f, struct guard_result *out)
{
    enum guard_verdict v = surrender_with_authority(f, out);
    return v == GUARD_PASS ? needs_opinion(f, out) : v;
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
 * issued, and for some grounds that disqualifies the organisation's pending
 * applications of the kind. */
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
    /* 京文旅发〔2020〕190号 第十三条: a revocation on some grounds also
     * disqualifies the organisation's pending applications of the kind. */
    {"district_review", "disqualified", "rejected", M, 0, 0, needs_opinion, false, true},
    {"municipal_review", "disqualified", "rejected", M, 0, 0, needs_opinion, false, true},
    {"public_notice", "disqualified", "rejected", M, 0, 0, needs_opinion, false, true},
    {"returned", "disqualified", "rejected", M, 0, 0, needs_opinion, false, true},

    /* After approval (RULES.md §8): the holder files its reports, the
     * authority sends reminders (催告), records what it found (a re-check,
     * its review of a change), the day the funds were received, and
     * dismisses a revocation prompt it decides not to act on; the clock
     * marks duties overdue, missed, met or failed.  None moves the status:
     * revoking stays the authority's decision.  After a revocation with a
     * refund, the refund is tracked until it is recorded as paid. */
    {"approved", "report_filed", "approved", A, AFTER_DUTIES, 0, NULL, false},
    {"approved", "duty_reminder", "approved", M, AFTER_DUTIES, 0, NULL, false},
    {"approved", "duty_result", "approved", M, AFTER_DUTIES, 0, NULL, false},
    {"approved", "funds_paid", "approved", M, AFTER_PAYMENT, 0, NULL, false},
    {"approved", "prompt_dismissed", "approved", M, AFTER_DUTIES, 0, needs_opinion, false},
    {"approved", "duty_overdue", "approved", ROLE_SYSTEM, AFTER_DUTIES, 0, NULL, false},
    {"approved", "duty_missed", "approved", ROLE_SYSTEM, AFTER_DUTIES, 0, NULL, false},
    {"approved", "duty_met", "approved", ROLE_SYSTEM, AFTER_DUTIES, 0, NULL, false},
    {"approved", "duty_failed", "approved", ROLE_SYSTEM, AFTER_DUTIES, 0, NULL, false},
    {"revoked", "duty_overdue", "revoked", ROLE_SYSTEM, 0, 0, NULL, false},
    {"revoked", "duty_reminder", "revoked", M, 0, 0, NULL, false},
    {"revoked", "refund_paid", "revoked", M, 0, 0, NULL, false},

    /* 京文旅发〔2020〕407号 第十七条: giving up a certification, through the
     * district bureau; no bar follows. */
    {"approved", "surrender_requested", "approved", A, AFTER_SURRENDER, 0, no_surrender_pending,
     false},
    {"approved", "surrender_forwarded", "approved", D, AFTER_SURRENDER, 0, surrender_with_district,
     false},
    {"approved", "surrender_returned", "approved", D, AFTER_SURRENDER, 0, surrender_returned,
     false},
    {"approved", "surrender_confirmed", "revoked", M, AFTER_SURRENDER, 0, surrender_with_authority,
     false},
    {"approved", "surrender_refused", "approved", M, AFTER_SURRENDER, 0, surrender_refused, false},
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
        if (strcmp(t->from, status) != 0 || !holds(t, stages) || (role != ~0u && t->who != role) ||
            t->follows)
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
