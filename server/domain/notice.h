/*
 * The public notice (公示, RULES.md §1; 京科发〔2020〕13号 第八条): the result
 * of the municipal stage is published for 5 working days.  The notice starts
 * on the day of the municipal decision when that is a working day, else on
 * the next working day, and that day is day 1 (as notices are dated in
 * practice, "公示期9月14日至9月18日"); it ends at 24:00 of the 5th working
 * day.  Days are Asia/Shanghai calendar days.
 */
#ifndef SB_NOTICE_H
#define SB_NOTICE_H

#include <stdbool.h>
#include <stdint.h>

#include "calendar.h"
#include "date.h"

#define NOTICE_WORKING_DAYS 5

/* The first and last day of the notice of a decision made on `decided_on`.
 * 0, or -1 when the calendar does not cover the days it needs (never a
 * guess). */
int notice_period(const struct calendar *cal, sb_day decided_on, sb_day *starts, sb_day *ends);

/* True at `now` (Unix seconds) from 00:00 of `starts` to 24:00 of `ends`:
 * the notice is running and objections are taken. */
bool notice_running(sb_day starts, sb_day ends, int64_t now);

/* True from 00:00 of the day after `ends` on: the notice is over. */
bool notice_over(sb_day ends, int64_t now);

#endif
