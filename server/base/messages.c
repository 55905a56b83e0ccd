/*
 * Messages in two languages: the catalogs, and the formatting of a Chinese
 * format with the arguments of its English one.
 *
 * The English is formatted by vsnprintf().  The Chinese format may take the
 * arguments in another order, leave some out and ask for terms (%~s), none
 * of which vsnprintf() can do with a va_list made for the English: so the
 * English format says what each argument is (the compiler checked it against
 * the call), the arguments are read once into an array by those types, and
 * each conversion of the Chinese format is formatted alone from its
 * argument.
 */
#include "messages.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#include <jansson.h>

#include "embedded.h"
#include "jsontext.h"
#include "text.h"

/* ---- the catalogs ---------------------------------------------------------- */

struct entry {
    const char *en, *zh;
};

struct catalog {
    const char *file;
    struct entry *entries;
    size_t n;
    json_t *doc; /* owns the strings entries point into */
    int loaded;  /* entries, or -1 when the file could not be read */
};

static struct catalog messages = {"messages-zh.json", NULL, 0, NULL, -1};
static struct catalog terms = {"terms-zh.json", NULL, 0, NULL, -1};
static pthread_once_t once = PTHREAD_ONCE_INIT;
static const char *(*term_lookup)(const char *term);

static int by_en(const void *a, const void *b)
{
    return strcmp(((const struct entry *)a)->en, ((const struct entry *)b)->en);
}

static void load_catalog(struct catalog *c)
{
    const struct embedded_file *f = embedded_find(embedded_config, c->file);
    c->doc = f ? parse_json(f->data, f->len, JSON_REJECT_DUPLICATES, NULL) : NULL;
    if (!json_is_object(c->doc))
        return;
    c->entries = calloc(json_object_size(c->doc) + 1, sizeof *c->entries);
    if (!c->entries)
        return;
    const char *key;
    json_t *value;
    json_object_foreach(c->doc, key, value)
    {
        if (json_is_string(value))
            c->entries[c->n++] = (struct entry){key, json_string_value(value)};
    }
    qsort(c->entries, c->n, sizeof *c->entries, by_en);
    c->loaded = (int)c->n;
}

static void load(void)
{
    load_catalog(&messages);
    load_catalog(&terms);
}

static const char *find(struct catalog *c, const char *en)
{
    pthread_once(&once, load);
    if (!c->entries || !en)
        return NULL;
    struct entry key = {en, NULL};
    const struct entry *hit = bsearch(&key, c->entries, c->n, sizeof *c->entries, by_en);
    return hit ? hit->zh : NULL;
}

const char *msg_zh(const char *en_fmt)
{
    return find(&messages, en_fmt);
}

int msg_catalog_size(void)
{
    pthread_once(&once, load);
    return messages.loaded;
}

void msg_set_terms(const char *(*lookup)(const char *term))
{
    term_lookup = lookup;
}

const char *msg_term_zh(const char *term)
{
    const char *zh = term && term_lookup ? term_lookup(term) : NULL;
    return zh ? zh : find(&terms, term);
}

/* ---- conversions ---------------------------------------------------------- */

#define MAX_ARGS 16

/* What an argument is, as a conversion reads it. */
enum arg_type {
    T_NONE,
    T_INT,
    T_UINT,
    T_LONG,
    T_ULONG,
    T_LLONG,
    T_ULLONG,
    T_SSIZE,
    T_SIZE,
    T_INTMAX,
    T_UINTMAX,
    T_PTRDIFF,
    T_STR,
    T_PTR,
    T_DOUBLE,
};

/* One conversion of a format: "%" [n$] flags width [.precision] length
 * conversion. */
struct conv {
    int pos; /* 0-based argument, or -1 when it has no n$ */
    bool term;
    char flags[8];
    char width[8];
    char precision[8]; /* with its '.', or "" */
    char conversion;
    enum arg_type type;
};

/* Copies the digits at *p (at most cap - 1 of them) to out; false when there
 * are more. */
static bool digits(const char **p, char *out, size_t cap)
{
    size_t n = 0;
    while (**p >= '0' && **p <= '9') {
        if (n + 1 >= cap)
            return false;
        out[n++] = *(*p)++;
    }
    out[n] = '\0';
    return true;
}

static enum arg_type type_of(const char *length, char conversion)
{
    bool ll = strcmp(length, "ll") == 0 || strcmp(length, "q") == 0;
    bool l = strcmp(length, "l") == 0;
    bool short_or_none = !length[0] || strcmp(length, "h") == 0 || strcmp(length, "hh") == 0;
    switch (conversion) {
    case 'd':
    case 'i':
        return short_or_none      ? T_INT
               : l                ? T_LONG
               : ll               ? T_LLONG
               : length[0] == 'z' ? T_SSIZE
               : length[0] == 'j' ? T_INTMAX
               : length[0] == 't' ? T_PTRDIFF
                                  : T_NONE;
    case 'o':
    case 'u':
    case 'x':
    case 'X':
        return short_or_none      ? T_UINT
               : l                ? T_ULONG
               : ll               ? T_ULLONG
               : length[0] == 'z' ? T_SIZE
               : length[0] == 'j' ? T_UINTMAX
               : length[0] == 't' ? T_PTRDIFF
                                  : T_NONE;
    case 'c':
        return !length[0] ? T_INT : T_NONE;
    case 's':
        return !length[0] ? T_STR : T_NONE;
    case 'p':
        return !length[0] ? T_PTR : T_NONE;
    case 'e':
    case 'E':
    case 'f':
    case 'F':
    case 'g':
    case 'G':
    case 'a':
    case 'A':
        return !length[0] || l ? T_DOUBLE : T_NONE;
    default:
        return T_NONE;
    }
}

/* Reads the conversion after the '%' at *p (not "%%"); false when it is not
 * one this module formats. */
static bool parse_conv(const char **p, struct conv *c)
{
    const char *s = *p;
    char num[8], length[3] = "";
    size_t n;

    memset(c, 0, sizeof *c);
    c->pos = -1;
    const char *save = s;
    if (digits(&s, num, sizeof num) && num[0] && *s == '$') {
        int at = 0;
        for (const char *d = num; *d; d++)
            at = at * 10 + (*d - '0');
        c->pos = at - 1;
        if (c->pos < 0)
            return false;
        s++;
    } else {
        s = save;
    }
    for (n = 0; strchr("-+ #0~", *s) && *s; s++) {
        if (*s == '~') {
            c->term = true;
            continue;
        }
        if (n + 1 >= sizeof c->flags)
            return false;
        c->flags[n++] = *s;
    }
    if (*s == '*' || !digits(&s, c->width, sizeof c->width))
        return false;
    if (*s == '.') {
        s++;
        c->precision[0] = '.';
        if (*s == '*' || !digits(&s, c->precision + 1, sizeof c->precision - 1))
            return false;
    }
    for (n = 0; strchr("hlqjzt", *s) && *s; s++) {
        if (n + 1 >= sizeof length)
            return false;
        length[n++] = *s;
    }
    c->conversion = *s;
    if (!*s)
        return false;
    c->type = type_of(length, *s);
    if (c->type == T_NONE || (c->term && c->type != T_STR))
        return false;
    *p = s + 1;
    return true;
}

union arg {
    long long i;
    unsigned long long u;
    const char *s;
    const void *p;
    double d;
};

/* The types of the English format's arguments, in order; their number, or
 * -1 when it has a conversion this module does not format. */
static int arg_types(const char *fmt, enum arg_type types[MAX_ARGS])
{
    int n = 0, next = 0;
    for (const char *p = fmt; *p;) {
        if (*p++ != '%')
            continue;
        if (*p == '%') {
            p++;
            continue;
        }
        struct conv c;
        if (!parse_conv(&p, &c) || c.term)
            return -1;
        int at = c.pos >= 0 ? c.pos : next++;
        if (at >= MAX_ARGS || (types[at] != T_NONE && types[at] != c.type))
            return -1;
        types[at] = c.type;
        if (at + 1 > n)
            n = at + 1;
    }
    for (int i = 0; i < n; i++)
        if (types[i] == T_NONE)
            return -1; /* a gap: its type is unknown */
    return n;
}

static void read_args(union arg *args, const enum arg_type *types, int n, va_list ap)
{
    for (int i = 0; i < n; i++) {
        switch (types[i]) {
        case T_INT:
            args[i].i = va_arg(ap, int);
            break;
        case T_UINT:
            args[i].u = va_arg(ap, unsigned);
            break;
        case T_LONG:
            args[i].i = va_arg(ap, long);
            break;
        case T_ULONG:
            args[i].u = va_arg(ap, unsigned long);
            break;
        case T_LLONG:
            args[i].i = va_arg(ap, long long);
            break;
        case T_ULLONG:
            args[i].u = va_arg(ap, unsigned long long);
            break;
        case T_SSIZE:
            args[i].i = va_arg(ap, ssize_t);
            break;
        case T_SIZE:
            args[i].u = va_arg(ap, size_t);
            break;
        case T_INTMAX:
            args[i].i = va_arg(ap, intmax_t);
            break;
        case T_UINTMAX:
            args[i].u = va_arg(ap, uintmax_t);
            break;
        case T_PTRDIFF:
            args[i].i = va_arg(ap, ptrdiff_t);
            break;
        case T_STR:
            args[i].s = va_arg(ap, const char *);
            break;
        case T_PTR:
            args[i].p = va_arg(ap, const void *);
            break;
        case T_DOUBLE:
            args[i].d = va_arg(ap, double);
            break;
        case T_NONE:
            break;
        }
    }
}

/* Appends one conversion of argument a to out (len bytes used of cap). */
static void put_conv(char *out, size_t cap, size_t *len, const struct conv *c, const union arg *a)
{
    char spec[40];
    bool integer =
        c->type != T_STR && c->type != T_PTR && c->type != T_DOUBLE && !(c->conversion == 'c');
    bool is_unsigned = strchr("ouxX", c->conversion) != NULL;
    snprintf(spec, sizeof spec, "%%%s%s%s%s%c", c->flags, c->width, c->precision,
             integer ? "ll" : "", c->conversion);
    size_t room = cap - *len;
    int w;
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
    if (c->type == T_STR) {
        const char *s = a->s ? a->s : "(null)";
        const char *term = c->term ? msg_term_zh(s) : NULL;
        w = snprintf(out + *len, room, spec, term ? term : s);
    } else if (c->type == T_PTR) {
        w = snprintf(out + *len, room, spec, a->p);
    } else if (c->type == T_DOUBLE) {
        w = snprintf(out + *len, room, spec, a->d);
    } else if (c->conversion == 'c') {
        w = snprintf(out + *len, room, spec, (int)a->i);
    } else if (is_unsigned) {
        w = snprintf(out + *len, room, spec, a->u);
    } else {
        w = snprintf(out + *len, room, spec, a->i);
    }
#pragma GCC diagnostic pop
    if (w < 0)
        return;
    *len = (size_t)w >= room ? cap - 1 : *len + (size_t)w;
}

/* Formats zh_fmt with args (types as the English format gave them). */
static int render(char *out, size_t cap, const char *zh_fmt, const union arg *args,
                  const enum arg_type *types, int n)
{
    size_t len = 0;
    int next = 0;
    out[0] = '\0';
    for (const char *p = zh_fmt; *p && len + 1 < cap;) {
        if (*p != '%' || p[1] == '%') {
            out[len++] = *p;
            p += *p == '%' ? 2 : 1;
            out[len] = '\0';
            continue;
        }
        p++;
        struct conv c;
        if (!parse_conv(&p, &c))
            return -1;
        int at = c.pos >= 0 ? c.pos : next++;
        if (at >= n || types[at] != c.type)
            return -1;
        put_conv(out, cap, &len, &c, &args[at]);
    }
    out[len] = '\0';
    text_trim_utf8(out);
    return 0;
}

int msg_fits(const char *zh_fmt, const char *en_fmt)
{
    enum arg_type types[MAX_ARGS] = {T_NONE};
    int n = arg_types(en_fmt, types), next = 0;
    if (n < 0)
        return -1;
    for (const char *p = zh_fmt; *p;) {
        if (*p++ != '%')
            continue;
        if (*p == '%') {
            p++;
            continue;
        }
        struct conv c;
        if (!parse_conv(&p, &c))
            return -1;
        int at = c.pos >= 0 ? c.pos : next++;
        if (at >= n || types[at] != c.type)
            return -1;
    }
    return 0;
}

int msg_vformat_zh(char *out, size_t cap, const char *zh_fmt, const char *en_fmt, va_list ap)
{
    enum arg_type types[MAX_ARGS] = {T_NONE};
    union arg args[MAX_ARGS];
    if (cap == 0)
        return -1;
    out[0] = '\0';
    int n = arg_types(en_fmt, types);
    if (n < 0)
        return -1;
    read_args(args, types, n, ap);
    if (render(out, cap, zh_fmt, args, types, n) != 0) {
        out[0] = '\0';
        return -1;
    }
    return 0;
}

void msg_vformat(char *en, size_t en_cap, char *zh, size_t zh_cap, const char *fmt, va_list ap)
{
    va_list copy;
    va_copy(copy, ap);
    if (vsnprintf(en, en_cap, fmt, ap) >= (int)en_cap)
        text_trim_utf8(en);
    const char *zfmt = zh && zh_cap ? msg_zh(fmt) : NULL;
    if (zfmt)
        msg_vformat_zh(zh, zh_cap, zfmt, fmt, copy);
    else if (zh && zh_cap)
        zh[0] = '\0';
    va_end(copy);
}

void msg_format(char *en, size_t en_cap, char *zh, size_t zh_cap, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    msg_vformat(en, en_cap, zh, zh_cap, fmt, ap);
    va_end(ap);
}
