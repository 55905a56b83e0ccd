/*
 * Calendar arithmetic on day numbers (days since 1970-01-01, proleptic
 * Gregorian).  The conversions are Howard Hinnant's days_from_civil and
 * civil_from_days: they count in 400-year eras starting on 1 March, so the
 * leap day is the last day of its year and needs no special case.
 */
#include "date.h"

#include <assert.h>

#define SECONDS_PER_DAY   86400
#define SHANGHAI_OFFSET_S (8 * 3600)

static bool is_leap(int year)
{
    return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
}

static int days_in_month(int year, int month)
{
    static const int days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};

    assert(month >= 1 && month <= 12);
    return month == 2 && is_leap(year) ? 29 : days[month - 1];
}

/* Floor division, for day numbers and instants before 1970. */
static int64_t floor_div(int64_t a, int64_t b)
{
    int64_t q = a / b;

    if ((a % b != 0) && ((a < 0) != (b < 0)))
        q--;
    return q;
}

sb_day date_from_ymd(int year, int month, int day)
{
    int64_t y = month <= 2 ? (int64_t)year - 1 : year;
    int64_t era = floor_div(y, 400);
    int64_t yoe = y - era * 400;                         /* [0, 399] */
    int64_t mp = month > 2 ? month - 3 : month + 9;      /* March = 0 */
    int64_t doy = (153 * mp + 2) / 5 + day - 1;          /* [0, 365] */
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy; /* [0, 146096] */

    return (sb_day)(era * 146097 + doe - 719468);
}

void date_to_ymd(sb_day day, int *year, int *month, int *mday)
{
    int64_t z = (int64_t)day + 719468;
    int64_t era = floor_div(z, 146097);
    int64_t doe = z - era * 146097;                                      /* [0, 146096] */
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365; /* [0, 399] */
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);               /* [0, 365] */
    int64_t mp = (5 * doy + 2) / 153;                                    /* [0, 11] */
    int64_t d = doy - (153 * mp + 2) / 5 + 1;                            /* [1, 31] */
    int64_t m = mp < 10 ? mp + 3 : mp - 9;                               /* [1, 12] */
    int64_t y = yoe + era * 400 + (m <= 2);

    *year = (int)y;
    *month = (int)m;
    *mday = (int)d;
}

/* Reads exactly n decimal digits; false on anything else. */
static bool read_digits(const char *s, int n, int *out)
{
    int v = 0;

    for (int i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return false;
        v = v * 10 + (s[i] - '0');
    }
    *out = v;
    return true;
}

bool date_parse(const char *text, sb_day *out)
{
    int year, month, mday;

    /* Fixed positions rather than sscanf: "2020-1-01", " 2020-01-01" and
     * "2020-01-01x" must all be refused, and sscanf would take them. */
    if (!read_digits(text, 4, &year) || text[4] != '-' || !read_digits(text + 5, 2, &month) ||
        text[7] != '-' || !read_digits(text + 8, 2, &mday) || text[10] != '\0')
        return false;
    if (year < 1900 || month < 1 || month > 12 || mday < 1 || mday > days_in_month(year, month))
        return false;
    *out = date_from_ymd(year, month, mday);
    return true;
}

static void put_digits(char *out, int value, int n)
{
    for (int i = n - 1; i >= 0; i--) {
        out[i] = (char)('0' + value % 10);
        value /= 10;
    }
}

void date_format(sb_day day, char *out)
{
    int year, month, mday;

    date_to_ymd(day, &year, &month, &mday);
    /* Years outside 0..9999 cannot come from date_parse; clamp rather than
     * write past the buffer. */
    if (year < 0)
        year = 0;
    if (year > 9999)
        year = 9999;
    put_digits(out, year, 4);
    out[4] = '-';
    put_digits(out + 5, month, 2);
    out[7] = '-';
    put_digits(out + 8, mday, 2);
    out[10] = '\0';
}

int date_weekday(sb_day day)
{
    /* 1970-01-01 was a Thursday (ISO 4). */
    return (int)(((int64_t)day % 7 + 7 + 3) % 7) + 1;
}

sb_day date_add_months(sb_day day, int months)
{
    int year, month, mday, last;
    int64_t index;

    date_to_ymd(day, &year, &month, &mday);
    index = (int64_t)year * 12 + (month - 1) + months;
    year = (int)floor_div(index, 12);
    month = (int)(index - (int64_t)year * 12) + 1;
    last = days_in_month(year, month);
    if (mday > last)
        mday = last;
    return date_from_ymd(year, month, mday);
}

sb_day date_of_unix(int64_t unix_seconds)
{
    return (sb_day)floor_div(unix_seconds + SHANGHAI_OFFSET_S, SECONDS_PER_DAY);
}
