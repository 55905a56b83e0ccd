/*
 * The public notice period (公示 5 个工作日).
 */
#include "notice.h"

int notice_period(const struct calendar *cal, sb_day decided_on, sb_day *starts, sb_day *ends)
{
    sb_day first, last;
    if (calendar_workday_on_or_after(cal, decided_on, &first) != 0 ||
        calendar_nth_workday(cal, first, NOTICE_WORKING_DAYS, &last) != 0)
        return -1;
    *starts = first;
    *ends = last;
    return 0;
}

bool notice_running(sb_day starts, sb_day ends, int64_t now)
{
    sb_day today = date_of_unix(now);
    return starts <= today && today <= ends;
}

bool notice_over(sb_day ends, int64_t now)
{
    /* 24:00 of the last day is 00:00 of the next. */
    return date_of_unix(now) > ends;
}
