/*
 * Duties after approval: periods and due dates (RULES.md §8).
 */
#include <string.h>

#include "duties.h"

static const char *const duty_type_names[] = {
#define DUTY_TYPE_NAME(id, name, en, zh) name,
    DUTY_TYPES(DUTY_TYPE_NAME)
#undef DUTY_TYPE_NAME
};

#define DUTY_STATUS_NAME(name) name,
const char *const duty_statuses[] = {DUTY_STATUSES(DUTY_STATUS_NAME) NULL};
#undef DUTY_STATUS_NAME

const char *duty_type_name(enum duty_type t)
{
    return (unsigned)t < DUTY_TYPE_COUNT ? duty_type_names[t] : NULL;
}

int duty_type_find(const char *name)
{
    for (int i = 0; name && i < DUTY_TYPE_COUNT; i++)
        if (strcmp(duty_type_names[i], name) == 0)
            return i;
    return -1;
}

sb_day duty_annual_nominal(const struct duty_rules *r, struct month_day md, int period)
{
    if (md.month <= 0) {
        md.month = r->annual_month;
        md.day = r->annual_day;
    }
    /* A 02-29 setting in a common year is the last day of February, as
     * date_add_months() counts (民法典 第二百零二条). */
    int year = period + (r->annual_next_year ? 1 : 0);
    sb_day first = date_from_ymd(year, md.month, 1);
    sb_day last = date_add_months(first, 1) - 1;
    sb_day day = first + md.day - 1;
    return day < last ? day : last;
}

int duty_first_annual_period(const struct duty_rules *r, struct month_day md, sb_day issued_on)
{
    int year, month, mday;
    date_to_ymd(issued_on, &year, &month, &mday);
    return duty_annual_nominal(r, md, year) > issued_on ? year : year + 1;
}

sb_day duty_recheck_nominal(const struct duty_rules *r, sb_day from)
{
    return date_add_months(from, 12 * r->recheck_years);
}

sb_day duty_operating_full(const struct duty_rules *r, sb_day paid_on)
{
    return date_add_months(paid_on, r->operating_months);
}

sb_day duty_change_nominal(const struct duty_rules *r, sb_day changed_on)
{
    return date_add_months(changed_on, r->change_months);
}

int duty_due_on(const struct calendar *cal, sb_day nominal, sb_day *out)
{
    return calendar_workday_on_or_after(cal, nominal, out);
}

int64_t duty_refund_fen(const struct duty_rules *r, int64_t granted_fen, sb_day paid_on,
                        sb_day closed_on, bool pro_rata)
{
    sb_day full = duty_operating_full(r, paid_on);
    if (closed_on >= full || granted_fen <= 0)
        return 0;
    if (!pro_rata || closed_on < paid_on)
        return granted_fen;
    /* Amounts stay below 10^14 fen and a year below 400 days: the product
     * fits in int64_t. */
    int64_t not_operated = (int64_t)full - closed_on, year = (int64_t)full - paid_on;
    return granted_fen * not_operated / year;
}
