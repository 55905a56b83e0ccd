/*
 * Calendar dates as a day number: days since 1970-01-01 (proleptic
 * Gregorian).  All dates in shenbao are Asia/Shanghai calendar dates; China
 * keeps UTC+8 all year, so the date of an instant is (unix seconds + 8 h)
 * divided by a day.
 */
#ifndef SB_DATE_H
#define SB_DATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef int32_t sb_day;

#define DATE_TEXT_LEN 11 /* "YYYY-MM-DD" and the terminating NUL */

/* Parses exactly "YYYY-MM-DD" (years 1900-9999) naming a real date.
 * Returns false for anything else, leaving *out untouched. */
bool date_parse(const char *text, sb_day *out);

/* Writes "YYYY-MM-DD" into out (at least DATE_TEXT_LEN bytes). */
void date_format(sb_day day, char *out);

sb_day date_from_ymd(int year, int month, int day);
void date_to_ymd(sb_day day, int *year, int *month, int *mday);

/* ISO weekday: 1 = Monday … 7 = Sunday. */
int date_weekday(sb_day day);

/* The same day `months` months later (民法典 art. 202: without such a day in
 * the target month, its last day).  Negative months go back. */
sb_day date_add_months(sb_day day, int months);

/* The Asia/Shanghai calendar date of a Unix time. */
sb_day date_of_unix(int64_t unix_seconds);

#endif
