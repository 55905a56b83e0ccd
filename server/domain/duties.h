/*
 * Duties after approval (RULES.md §8): what the holder of what was issued
 * must still do, and when, as each kind's measure says.
 *
 * A kind's row says which duties it has (struct duty_rules); these pure
 * functions work out their periods and due dates.  The engine keeps the
 * duties themselves (created when something is issued, moved by the clock),
 * and the calendar moves a due date that falls on a day off.
 */
#ifndef SB_DUTIES_H
#define SB_DUTIES_H

#include <stdbool.h>
#include <stdint.h>

#include "calendar.h"
#include "date.h"

/* The duties: C name, the API's `type`, English and Chinese names. */
#define DUTY_TYPES(X)                                                                              \
    X(DUTY_ANNUAL_REPORT, "annual_report", "annual report", "年度报告")                            \
    X(DUTY_CHANGE_REPORT, "change_report", "report of a major change", "重大变化报告")             \
    X(DUTY_RECHECK, "recheck", "re-check", "复核")                                                 \
    X(DUTY_OPERATING_YEAR, "operating_year", "year of operation after funding",                    \
      "获得补助资金后持续经营1年")                                                                 \
    X(DUTY_REFUND, "refund", "refund of the funds", "退回补助资金")

#define DUTY_TYPE_ID(id, name, en, zh) id,
enum duty_type { DUTY_TYPES(DUTY_TYPE_ID) DUTY_TYPE_COUNT };
#undef DUTY_TYPE_ID

/* The type's API name ("annual_report"), or NULL. */
const char *duty_type_name(enum duty_type t);
/* The type called `name`, or -1. */
int duty_type_find(const char *name);

/*
 * A duty's status.  due: not yet due or within its time; overdue: its date
 * passed and nothing was filed; reminded: the authority sent a reminder (催告)
 * with a new date; missed: still not filed after the reminder; filed: the
 * holder filed it (a report filed after being missed stays counted as
 * missed).  For the authority's own re-check: passed, rectifying (failed,
 * with a rectification deadline), failed (rectification not achieved in
 * time).  For a year of operation: met (the year is full), failed (closed
 * within the year).  For a refund: paid.  cancelled: what was issued ended
 * before the duty fell due.
 */
#define DUTY_STATUSES(X)                                                                           \
    X("due")                                                                                       \
    X("overdue")                                                                                   \
    X("reminded")                                                                                  \
    X("missed")                                                                                    \
    X("filed")                                                                                     \
    X("passed")                                                                                    \
    X("rectifying")                                                                                \
    X("failed")                                                                                    \
    X("met")                                                                                       \
    X("paid")                                                                                      \
    X("cancelled")

/* The statuses, NULL-terminated. */
extern const char *const duty_statuses[];

/*
 * What a kind's measure asks of a holder after approval.  Zero members ask
 * for nothing.
 */
struct duty_rules {
    /* An annual report of each year (the period), due on this month and day
     * (0: none) of the year itself or, with annual_next_year, of the year
     * after; an authority's setting may give another month and day.  While
     * what was issued is valid. */
    int annual_month, annual_day;
    bool annual_next_year;
    /* Reports missed (not filed even after a reminder) within the validity
     * that raise a revocation prompt with this ground (0: none). */
    int missed_reports_prompt;
    const char *missed_reports_ground;
    /* A major change is reported within this many months (0: no change
     * reports); one reported later raises a prompt with late_change_ground,
     * one the authority's review finds no longer meets the conditions with
     * failed_change_ground.  A change of name is reported in the same time
     * but a late one raises nothing. */
    int change_months;
    const char *late_change_ground;
    const char *failed_change_ground;
    /* A re-check by the authority every this many years (0: none); one failed
     * and not rectified by its deadline raises a prompt with this ground. */
    int recheck_years;
    const char *failed_recheck_ground;
    /* Kept operating for this many months from the day the funds were
     * received (0: none); a closure within them raises a prompt with this
     * ground and the refund. */
    int operating_months;
    const char *closure_ground;
};

/* An annual report's month and day: the authority's setting when given
 * (month > 0), else the rule's. */
struct month_day {
    int month, day;
};

/* The day (before any move off a day off) the annual report of year
 * `period` is due: md's month and day in that year or the next. */
sb_day duty_annual_nominal(const struct duty_rules *r, struct month_day md, int period);

/* The first period whose annual report falls due after `issued_on` (the
 * year of issue when its report is due later than that day, else the year
 * after). */
int duty_first_annual_period(const struct duty_rules *r, struct month_day md, sb_day issued_on);

/* The day a re-check falls due, `recheck_years` after `from` (the issue, or
 * the re-check before). */
sb_day duty_recheck_nominal(const struct duty_rules *r, sb_day from);

/* The day a year of operation from `paid_on` is full (RULES.md §0: the same
 * date a year later); a closure before it is within the year. */
sb_day duty_operating_full(const struct duty_rules *r, sb_day paid_on);

/* The last day to report a change made on `changed_on` before moving off a
 * day off: the same date change_months later. */
sb_day duty_change_nominal(const struct duty_rules *r, sb_day changed_on);

/* The due date of a duty whose rule gives `nominal`: the first working day
 * on or after it (RULES.md §8).  0, or -1 when the calendar does not cover
 * that year yet (the due date is then not known: never guessed). */
int duty_due_on(const struct calendar *cal, sb_day nominal, sb_day *out);

/* What a closure on `closed_on` within the year from `paid_on` obliges to
 * refund of `granted_fen` (京商消促字〔2020〕48号 四, 退回相应补助资金): all of
 * it, or with pro_rata the share of the year not operated, in whole days,
 * rounded down to the fen.  0 when the year was full. */
int64_t duty_refund_fen(const struct duty_rules *r, int64_t granted_fen, sb_day paid_on,
                        sb_day closed_on, bool pro_rata);

#endif
