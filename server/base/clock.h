/*
 * The server's clock.  Normally the system's; `serve --clock` and
 * `tick --now` move its start to a given instant, after which it runs at
 * normal speed.  Every "now" in shenbao comes from here.
 */
#ifndef SB_CLOCK_H
#define SB_CLOCK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define RFC3339_LEN 32 /* "2020-09-29T10:00:00Z" and room for offsets */

/* Sets the clock so that now is `unix_seconds`.  Not thread-safe: call
 * before starting threads. */
void clock_set(int64_t unix_seconds);
bool clock_is_set(void);

/* Current time in Unix seconds. */
int64_t clock_now(void);

/* Current time in Unix milliseconds, for log lines that need sub-second
 * order; the same clock as clock_now(). */
int64_t clock_now_ms(void);

/* Nanoseconds on a clock that only goes forward, for how long something
 * took: never a time of day, and not moved by clock_set(). */
int64_t clock_monotonic_ns(void);

/* Parses an RFC 3339 date-time ("2020-09-29T10:00:00Z",
 * "2020-09-29T18:00:00+08:00", optional fraction).  Returns 0 or -1. */
int clock_parse_rfc3339(const char *text, int64_t *unix_seconds);

/* Formats as UTC "YYYY-MM-DDTHH:MM:SSZ" into out (RFC3339_LEN bytes). */
void clock_format_rfc3339(int64_t unix_seconds, char *out);

#endif
