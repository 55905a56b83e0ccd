/*
 * The working-day calendar.  Exceptions to "Monday to Friday" are few (a few
 * dozen a year), so they are kept as one sorted array and found by binary
 * search.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "jsontext.h"
#include "calendar.h"

/* The years a calendar may cover: a sanity bound on the data, wide of any
 * arrangement the State Council has published or will soon. */
#define FIRST_YEAR 1990
#define LAST_YEAR  2100

struct exception_day {
    sb_day day;
    bool off; /* true: a weekday off; false: a weekend day worked */
};

/* The covered years are one unbroken run, first_year..last_year: a gap
 * would make a deadline counted across it fail in the middle of the run
 * (or, were the gap missed, a guess), so calendar_load() refuses one. */
struct calendar {
    int first_year, last_year;
    struct exception_day *days;
    size_t n_days;
};

static int cmp_day(const void *a, const void *b)
{
    const struct exception_day *x = a, *y = b;
    return (x->day > y->day) - (x->day < y->day);
}

void calendar_free(struct calendar *c)
{
    if (!c)
        return;
    free(c->days);
    free(c);
}

/* The year a "years" key names ("2020"), or 0. */
static int year_of_key(const char *key)
{
    int y = 0;
    for (int i = 0; i < 4; i++) {
        if (key[i] < '0' || key[i] > '9')
            return 0;
        y = y * 10 + (key[i] - '0');
    }
    return key[4] == '\0' && y >= FIRST_YEAR && y <= LAST_YEAR ? y : 0;
}

/* Reads "covered_years" into c->first_year..last_year: whole years, each
 * once, with no gap between them. */
static int load_covered(struct calendar *c, const json_t *years, char *err, size_t errlen)
{
    bool listed[LAST_YEAR - FIRST_YEAR + 1] = {false};
    size_t i;
    json_t *y;

    c->first_year = LAST_YEAR;
    c->last_year = FIRST_YEAR;
    json_array_foreach(years, i, y)
    {
        json_int_t v = json_integer_value(y);
        if (!json_is_integer(y) || v < FIRST_YEAR || v > LAST_YEAR) {
            snprintf(err, errlen,
                     "working-day calendar: covered_years[%zu] is not a year from %d to %d", i,
                     FIRST_YEAR, LAST_YEAR);
            return -1;
        }
        if (listed[v - FIRST_YEAR]) {
            snprintf(err, errlen, "working-day calendar: covered_years lists %d twice", (int)v);
            return -1;
        }
        listed[v - FIRST_YEAR] = true;
        if (v < c->first_year)
            c->first_year = (int)v;
        if (v > c->last_year)
            c->last_year = (int)v;
    }
    for (int year = c->first_year; year <= c->last_year; year++)
        if (!listed[year - FIRST_YEAR]) {
            snprintf(err, errlen,
                     "working-day calendar: covered_years has a gap: %d is missing between %d "
                     "and %d (a year not covered would stop every deadline that crosses it)",
                     year, c->first_year, c->last_year);
            return -1;
        }
    return 0;
}

struct calendar *calendar_load(const char *text, size_t len, char *err, size_t errlen)
{
    json_error_t jerr;
    json_t *doc = parse_json(text, len, JSON_REJECT_DUPLICATES, &jerr);
    struct calendar *c = calloc(1, sizeof *c);
    if (!doc || !c) {
        snprintf(err, errlen, "working-day calendar: %s", doc ? "out of memory" : jerr.text);
        goto fail;
    }
    json_t *years = json_object_get(doc, "covered_years");
    json_t *per_year = json_object_get(doc, "years");
    if (!json_is_array(years) || json_array_size(years) == 0 || !json_is_object(per_year)) {
        snprintf(err, errlen, "working-day calendar: needs \"covered_years\" and \"years\"");
        goto fail;
    }
    if (load_covered(c, years, err, errlen) != 0)
        goto fail;
    /* Every covered year has its arrangement, and no arrangement is for a
     * year left out of covered_years (it would be silently ignored). */
    for (int year = c->first_year; year <= c->last_year; year++) {
        char key[8];
        snprintf(key, sizeof key, "%d", year);
        if (!json_object_get(per_year, key)) {
            snprintf(err, errlen,
                     "working-day calendar: %d is covered but \"years\" has no \"%d\" entry "
                     "with its holidays",
                     year, year);
            goto fail;
        }
    }

    const char *key;
    json_t *entry;
    size_t i, cap = 0;
    json_object_foreach(per_year, key, entry)
    {
        int year = year_of_key(key);
        if (year == 0) {
            snprintf(err, errlen, "working-day calendar: \"years\" has \"%.16s\", not a year", key);
            goto fail;
        }
        if (year < c->first_year || year > c->last_year) {
            snprintf(err, errlen,
                     "working-day calendar: \"years\" has %d, which covered_years (%d-%d) "
                     "does not list",
                     year, c->first_year, c->last_year);
            goto fail;
        }
        json_t *days = json_object_get(entry, "days");
        json_t *d;
        if (!json_is_array(days)) {
            snprintf(err, errlen, "working-day calendar: year %s has no \"days\" list", key);
            goto fail;
        }
        json_array_foreach(days, i, d)
        {
            sb_day day;
            int y, m, md;
            const char *date = json_string_value(json_object_get(d, "date"));
            json_t *off = json_object_get(d, "off");
            if (!date || !date_parse(date, &day) || !json_is_boolean(off)) {
                snprintf(err, errlen,
                         "working-day calendar: year %s, day %zu needs a date and "
                         "off: true/false",
                         key, i);
                goto fail;
            }
            /* A year's list may hold days of its neighbours (New Year). */
            date_to_ymd(day, &y, &m, &md);
            if (y < year - 1 || y > year + 1) {
                snprintf(err, errlen, "working-day calendar: year %s lists %s, not a day of it",
                         key, date);
                goto fail;
            }
            if (c->n_days == cap) {
                cap = cap ? cap * 2 : 64;
                struct exception_day *grown = realloc(c->days, cap * sizeof *grown);
                if (!grown) {
                    snprintf(err, errlen, "out of memory");
                    goto fail;
                }
                c->days = grown;
            }
            c->days[c->n_days++] = (struct exception_day){day, json_is_true(off)};
        }
    }
    /* A calendar may list no exceptions at all (days is then NULL, which
     * qsort and bsearch must not be given). */
    if (c->n_days > 0)
        qsort(c->days, c->n_days, sizeof *c->days, cmp_day);
    /* A year's list may repeat a neighbouring year's day (New Year): merge
     * equal entries, refuse contradicting ones. */
    size_t w = 0;
    for (i = 0; i < c->n_days; i++) {
        if (w > 0 && c->days[w - 1].day == c->days[i].day) {
            if (c->days[w - 1].off != c->days[i].off) {
                char t[DATE_TEXT_LEN];
                date_format(c->days[i].day, t);
                snprintf(err, errlen, "working-day calendar: %s is listed both as off and worked",
                         t);
                goto fail;
            }
            continue;
        }
        c->days[w++] = c->days[i];
    }
    c->n_days = w;
    json_decref(doc);
    return c;
fail:
    json_decref(doc);
    calendar_free(c);
    return NULL;
}

void calendar_years(const struct calendar *c, int *first, int *last)
{
    *first = c->first_year;
    *last = c->last_year;
}

int calendar_is_workday(const struct calendar *c, sb_day day)
{
    int y, m, d;
    date_to_ymd(day, &y, &m, &d);
    if (y < c->first_year || y > c->last_year)
        return -1;
    struct exception_day key = {day, false};
    const struct exception_day *e =
        c->n_days > 0 ? bsearch(&key, c->days, c->n_days, sizeof key, cmp_day) : NULL;
    if (e)
        return e->off ? 0 : 1;
    return date_weekday(day) <= 5;
}

int calendar_workday_on_or_after(const struct calendar *c, sb_day day, sb_day *out)
{
    return calendar_nth_workday(c, day, 1, out);
}

int calendar_nth_workday(const struct calendar *c, sb_day start, int n, sb_day *out)
{
    if (n < 1)
        return -1;
    for (sb_day d = start;; d++) {
        int w = calendar_is_workday(c, d);
        if (w < 0)
            return -1;
        if (w == 1 && --n == 0) {
            *out = d;
            return 0;
        }
    }
}
