/*
 * The server's clock: the real clock plus a fixed offset.  Keeping an
 * offset rather than a frozen instant lets a clock moved by `--clock` run on
 * at normal speed, so durations measured with it stay true.
 *
 * Date arithmetic is done by hand (days from the civil date and back, as in
 * Howard Hinnant's "chrono-compatible low-level date algorithms") instead of
 * timegm() or mktime(): those depend on TZ and the C library, and the server
 * must compute the same instant on every host.
 */
#include "clock.h"

#include <assert.h>
#include <stdio.h>
#include <time.h>

static int64_t clock_offset_ms;
static bool clock_was_set;

static int64_t real_now_ms(void)
{
    struct timespec ts;

    /* CLOCK_REALTIME cannot fail with a valid pointer and clock id. */
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Floor division: C rounds toward zero, but instants before 1970 must fall
 * into the day they belong to. */
static int64_t floor_div(int64_t a, int64_t b)
{
    int64_t q = a / b;

    if (a % b != 0 && (a < 0) != (b < 0))
        q--;
    return q;
}

void clock_set(int64_t unix_seconds)
{
    /* Whole seconds, so the milliseconds of the server clock stay those of
     * the real clock and log lines keep their real sub-second order. */
    clock_offset_ms = (unix_seconds - floor_div(real_now_ms(), 1000)) * 1000;
    clock_was_set = true;
}

bool clock_is_set(void)
{
    return clock_was_set;
}

int64_t clock_now_ms(void)
{
    return real_now_ms() + clock_offset_ms;
}

int64_t clock_monotonic_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

int64_t clock_now(void)
{
    return floor_div(clock_now_ms(), 1000);
}

static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    unsigned yoe = (unsigned)(y - era * 400);
    unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
    unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;

    return era * 146097 + (int64_t)doe - 719468;
}

static void civil_from_days(int64_t z, int64_t *year, unsigned *month, unsigned *day)
{
    z += 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    unsigned doe = (unsigned)(z - era * 146097);
    unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    unsigned mp = (5 * doy + 2) / 153;

    *day = doy - (153 * mp + 2) / 5 + 1;
    *month = mp < 10 ? mp + 3 : mp - 9;
    *year = (int64_t)yoe + era * 400 + (*month <= 2);
}

static bool is_leap(int y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int days_in_month(int y, int m)
{
    static const int days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};

    return m == 2 && is_leap(y) ? 29 : days[m - 1];
}

/* Reads exactly n ASCII digits at *p and advances past them. */
static bool read_digits(const char **p, int n, int *out)
{
    int v = 0;

    for (int i = 0; i < n; i++) {
        char c = (*p)[i];
        if (c < '0' || c > '9')
            return false;
        v = v * 10 + (c - '0');
    }
    *p += n;
    *out = v;
    return true;
}

static bool read_char(const char **p, char lower)
{
    char c = **p;

    /* RFC 3339 section 5.6 allows "t" and "z" in lower case. */
    if (c != lower && !(lower >= 'a' && lower <= 'z' && c == lower - 'a' + 'A'))
        return false;
    (*p)++;
    return true;
}

int clock_parse_rfc3339(const char *text, int64_t *unix_seconds)
{
    const char *p = text;
    int year, month, day, hour, minute, second;
    int off_h = 0, off_m = 0, sign = 0;

    assert(text != NULL && unix_seconds != NULL);
    if (!read_digits(&p, 4, &year) || !read_char(&p, '-') || !read_digits(&p, 2, &month) ||
        !read_char(&p, '-') || !read_digits(&p, 2, &day) || !read_char(&p, 't') ||
        !read_digits(&p, 2, &hour) || !read_char(&p, ':') || !read_digits(&p, 2, &minute) ||
        !read_char(&p, ':') || !read_digits(&p, 2, &second))
        return -1;
    if (*p == '.') {
        /* The fraction is dropped: the server counts whole seconds.  Since
         * it only adds to the time, dropping it rounds down. */
        p++;
        if (*p < '0' || *p > '9')
            return -1;
        while (*p >= '0' && *p <= '9')
            p++;
    }
    if (read_char(&p, 'z')) {
        sign = 0;
    } else if (*p == '+' || *p == '-') {
        sign = *p == '+' ? 1 : -1;
        p++;
        if (!read_digits(&p, 2, &off_h) || !read_char(&p, ':') || !read_digits(&p, 2, &off_m))
            return -1;
    } else {
        return -1;
    }
    if (*p != '\0')
        return -1;

    if (month < 1 || month > 12 || day < 1 || day > days_in_month(year, month))
        return -1;
    if (hour > 23 || minute > 59 || second > 59 || off_h > 23 || off_m > 59)
        return -1;

    int64_t t = days_from_civil(year, (unsigned)month, (unsigned)day) * 86400 + hour * 3600 +
                minute * 60 + second;
    /* Local time is UTC plus the offset, so UTC is local time minus it. */
    t -= (int64_t)sign * (off_h * 3600 + off_m * 60);
    *unix_seconds = t;
    return 0;
}

void clock_format_rfc3339(int64_t unix_seconds, char *out)
{
    /* RFC 3339 has four-digit years only; instants beyond them (which no
     * parsed input can produce) are pinned to 0000-01-01 or 9999-12-31. */
    static const int64_t first = -62167219200; /* 0000-01-01T00:00:00Z */
    static const int64_t last = 253402300799;  /* 9999-12-31T23:59:59Z */
    int64_t t = unix_seconds < first ? first : unix_seconds > last ? last : unix_seconds;
    int64_t days = floor_div(t, 86400);
    int64_t secs = t - days * 86400;
    int64_t year;
    unsigned month, day;

    assert(out != NULL);
    civil_from_days(days, &year, &month, &day);
    /* The narrow casts let the compiler see that the text fits. */
    snprintf(out, RFC3339_LEN, "%04hu-%02hhu-%02hhuT%02hhu:%02hhu:%02hhuZ", (unsigned short)year,
             (unsigned char)month, (unsigned char)day, (unsigned char)(secs / 3600),
             (unsigned char)(secs / 60 % 60), (unsigned char)(secs % 60));
}
