/*
 * The working-day calendar (工作日, RULES.md §0): Monday to Friday, minus
 * the public holidays, plus the weekend days declared working days (调休),
 * as the State Council's General Office publishes them each year.
 *
 * The data is config/cn-workdays.json (built in; a config file may name
 * another copy).  A date in a year the data does not cover is an error, never
 * a guess: the arrangement for a year is only known once it is published.
 */
#ifndef SB_CALENDAR_H
#define SB_CALENDAR_H

#include <stddef.h>

#include "date.h"

struct calendar;

/* Parses the calendar from JSON text (the cn-workdays.json format).  NULL
 * with a one-line reason in err when the data is malformed: covered_years
 * must be one unbroken run of years, each listed once and each with its
 * entry in "years" (and "years" nothing else); every day needs a real date
 * in or next to its year and `off` true or false.  Caller frees with
 * calendar_free(). */
struct calendar *calendar_load(const char *json, size_t len, char *err, size_t errlen);
void calendar_free(struct calendar *c);

/* 1 when `day` is a working day, 0 when it is not, -1 when its year is not
 * covered by the data. */
int calendar_is_workday(const struct calendar *c, sb_day day);

/* The first working day on or after `day` into *out.  0, or -1 when the
 * search leaves the covered years. */
int calendar_workday_on_or_after(const struct calendar *c, sb_day day, sb_day *out);

/* The n-th working day (n >= 1) counting `start` as the first when it is a
 * working day: n = 1 gives the first working day on or after start.  0, or
 * -1 when the count leaves the covered years. */
int calendar_nth_workday(const struct calendar *c, sb_day start, int n, sb_day *out);

/* The first and last covered years. */
void calendar_years(const struct calendar *c, int *first, int *last);

#endif
