/*
 * Declarative JSON input: validation and JSON Schema from one field table.
 *
 * Validation of an object runs in two passes.  The first walks the table
 * (and the variants its discriminators select) and checks each declared
 * member: missing when required, else its value.  The second walks the
 * members the document actually has and refuses those the table does not
 * know, or knows only for another value of a discriminator.  Neither pass
 * stops at the first problem, so one call reports every bad field.
 *
 * Recursion follows the field table, never the document: a document nested
 * deeper than its table is refused at the first unknown member, so hostile
 * input cannot make the walk deeper than the static tables are.
 *
 * Decoding rides on the first pass: where a member's checks are made, its
 * value is written to its destination, if it has one and the walk was given
 * a struct to fill.  Each decoder looks at the value's type itself rather
 * than at the error count, so a value of the wrong type is never written
 * (one out of its bounds may be: a struct is used only when the walk found
 * no error at all).
 */
#include "spec.h"
#include "jsontext.h"
#include "messages.h"
#include "text.h"

#include <assert.h>
#include <inttypes.h>
#include <stdalign.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "date.h"
#include "uscc.h"

#define USCC_PATTERN "^[0-9A-HJ-NPQRTUWXY]{18}$"
#define DATE_PATTERN "^[0-9]{4}-[0-9]{2}-[0-9]{2}$"
/* No control characters; SPEC_TEXT keeps tab, line feed and carriage return. */
#define STRING_PATTERN "^[^\\u0000-\\u001F]*$"
#define TEXT_PATTERN   "^[^\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F]*$"

/* An enum listing longer than this is not spelled out in a detail. */
#define ENUM_LIST_MAX 160

void spec_errors_init(struct spec_errors *e)
{
    e->items = NULL;
    e->count = 0;
    e->cap = 0;
    e->dropped = 0;
}

void spec_errors_release(struct spec_errors *e)
{
    free(e->items);
    spec_errors_init(e);
}

/* The next error of e, its pointer set; NULL when the list is full (the
 * error is counted). */
static struct spec_error *next_error(struct spec_errors *e, const char *pointer)
{
    struct spec_error *err;
    size_t len;

    if (e->count >= SPEC_ERRORS_MAX) {
        e->dropped++;
        return NULL;
    }
    if (e->count == e->cap) {
        size_t cap = e->cap ? e->cap * 2 : 8;
        struct spec_error *items = realloc(e->items, cap * sizeof *items);
        if (!items)
            abort();
        e->items = items;
        e->cap = cap;
    }
    err = &e->items[e->count++];

    len = strlen(pointer);
    if (len >= sizeof err->pointer)
        len = sizeof err->pointer - 1;
    memcpy(err->pointer, pointer, len);
    err->pointer[len] = '\0';
    text_trim_utf8(err->pointer);
    return err;
}

void spec_errors_add(struct spec_errors *e, const char *pointer, const char *fmt, ...)
{
    struct spec_error *err = next_error(e, pointer);
    va_list ap;

    if (!err)
        return;
    va_start(ap, fmt);
    msg_vformat(err->detail, sizeof err->detail, err->detail_zh, sizeof err->detail_zh, fmt, ap);
    va_end(ap);
}

void spec_errors_add_text(struct spec_errors *e, const char *pointer, const char *detail,
                          const char *detail_zh)
{
    struct spec_error *err = next_error(e, pointer);

    if (!err)
        return;
    snprintf(err->detail, sizeof err->detail, "%s", detail);
    text_trim_utf8(err->detail);
    snprintf(err->detail_zh, sizeof err->detail_zh, "%s", detail_zh ? detail_zh : "");
    text_trim_utf8(err->detail_zh);
}

size_t spec_errors_total(const struct spec_errors *e)
{
    return e->count + e->dropped;
}

static void summary(char *out, size_t cap, char *zh, size_t cap_zh, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
static void summary(char *out, size_t cap, char *zh, size_t cap_zh, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    msg_vformat(out, cap, zh, cap_zh, fmt, ap);
    va_end(ap);
}

void spec_errors_summary(const struct spec_errors *e, char *out, size_t cap, char *out_zh,
                         size_t cap_zh)
{
    size_t total = spec_errors_total(e);

    if (e->dropped)
        summary(out, cap, out_zh, cap_zh, "%zu fields are invalid; errors lists the first %zu",
                total, e->count);
    else if (total == 1)
        summary(out, cap, out_zh, cap_zh, "%zu field is invalid; see errors", total);
    else
        summary(out, cap, out_zh, cap_zh, "%zu fields are invalid; see errors", total);
}

int spec_errors_to_problem(const struct spec_errors *e, json_t *problem, bool zh)
{
    json_t *list = json_array();

    for (size_t i = 0; list && i < e->count; i++) {
        const struct spec_error *err = &e->items[i];
        const char *detail = zh && err->detail_zh[0] ? err->detail_zh : err->detail;
        if (json_array_append_new(
                list, json_pack("{s:s, s:s}", "pointer", err->pointer, "detail", detail)) != 0) {
            json_decref(list);
            list = NULL;
        }
    }
    if (!list || json_object_set_new(problem, "errors", list) != 0)
        return -1;
    if (e->dropped && (json_object_set_new(problem, "truncated", json_true()) != 0 ||
                       json_object_set_new(problem, "error_count",
                                           json_integer((json_int_t)spec_errors_total(e))) != 0))
        return -1;
    return 0;
}

void spec_pointer_join(char *out, size_t cap, const char *base, const char *token)
{
    size_t len = 0;
    bool cut = false;

    assert(cap > 0);
    /* Nearly every pointer is short and its token has nothing to escape:
     * two copies.  The walk builds one for every member it looks at. */
    size_t base_len = strlen(base), token_len = strcspn(token, "~/");
    if (token[token_len] == '\0' && base_len + 1 + token_len < cap) {
        memcpy(out, base, base_len);
        out[base_len] = '/';
        memcpy(out + base_len + 1, token, token_len + 1);
        return;
    }
    for (const char *p = base; *p && !cut; p++) {
        if (len + 1 >= cap)
            cut = true;
        else
            out[len++] = *p;
    }
    if (!cut && len + 1 < cap)
        out[len++] = '/';
    else
        cut = true;
    for (const char *p = token; *p && !cut; p++) {
        const char *esc = *p == '~' ? "~0" : *p == '/' ? "~1" : NULL;
        size_t n = esc ? 2 : 1;
        if (len + n >= cap) {
            cut = true;
            break;
        }
        if (esc) {
            memcpy(out + len, esc, 2);
        } else {
            out[len] = *p;
        }
        len += n;
    }
    out[len] = '\0';
    if (cut)
        text_trim_utf8(out);
}

void spec_pointer_index(char *out, size_t cap, const char *base, size_t index)
{
    /* The digits from the end, without printf: one pointer per array item. */
    char token[24];
    size_t at = sizeof token - 1;

    token[at] = '\0';
    do {
        token[--at] = (char)('0' + index % 10);
        index /= 10;
    } while (index > 0);
    spec_pointer_join(out, cap, base, token + at);
}

/* ---- the arena ---- */

#define ARENA_BLOCK_MIN 4096

struct spec_arena_block {
    struct spec_arena_block *next;
    size_t used, cap;
    alignas(max_align_t) unsigned char bytes[];
};

void spec_arena_init(struct spec_arena *a)
{
    a->head = NULL;
}

void spec_arena_release(struct spec_arena *a)
{
    struct spec_arena_block *b = a->head;

    while (b) {
        struct spec_arena_block *next = b->next;
        free(b);
        b = next;
    }
    a->head = NULL;
}

void *spec_arena_alloc(struct spec_arena *a, size_t size)
{
    const size_t align = alignof(max_align_t);
    struct spec_arena_block *b = a->head;
    size_t need = size + (align - size % align) % align;
    void *p;

    if (need < size)
        abort();
    if (!b || b->cap - b->used < need) {
        /* Blocks double, so a long array costs few allocations; one bigger
         * than that gets a block of its own size. */
        size_t cap = b ? b->cap * 2 : ARENA_BLOCK_MIN;
        if (cap < need)
            cap = need;
        if (cap > SIZE_MAX - sizeof *b)
            abort();
        b = malloc(sizeof *b + cap);
        if (!b)
            abort();
        b->next = a->head;
        b->used = 0;
        b->cap = cap;
        a->head = b;
    }
    p = b->bytes + b->used;
    b->used += need;
    memset(p, 0, size);
    return p;
}

/* ---- validation and decoding ---- */

/* Where a value is decoded to: `at` (NULL: validate only); for an array,
 * its item count goes to `count` and its items into `arena`. */
struct target {
    void *at;
    size_t *count;
    struct spec_arena *arena;
};

static void validate_value(const struct field_spec *f, const json_t *v, const char *ptr,
                           const struct target *t, struct spec_errors *errs, bool lenient);
static void validate_object(const struct field_spec *table, const json_t *obj, const char *ptr,
                            const struct target *t, struct spec_errors *errs, bool lenient);

/* The C type spec type `type` decodes to. */
static enum spec_ctype ctype_for(enum spec_type type)
{
    switch (type) {
    case SPEC_STRING:
    case SPEC_TEXT:
    case SPEC_USCC:
        return SPEC_C_TEXT;
    case SPEC_BOOL:
        return SPEC_C_BOOL;
    case SPEC_INT:
    case SPEC_FEN:
        return SPEC_C_INT64;
    case SPEC_DATE:
    case SPEC_ENUM:
        return SPEC_C_INT;
    case SPEC_OBJECT:
    case SPEC_ARRAY:
        break;
    }
    return SPEC_C_OTHER;
}

bool spec_dest_fits(const struct field_spec *f)
{
    const struct spec_dest *d = &f->to;

    if (d->ctype == SPEC_C_NONE)
        return true;
    if (f->read_only || d->ctype != ctype_for(f->type))
        return false;
    if (d->ctype == SPEC_C_INT && d->size != sizeof(int))
        return false;
    if (f->type == SPEC_ENUM && !f->enum_values)
        return false;
    if (f->type == SPEC_ARRAY) {
        /* Items are scalars or objects: an array of arrays would need a
         * count per item, which nothing declares. */
        if (!f->items || f->items->type == SPEC_ARRAY || d->item_size == 0 ||
            d->size != sizeof(void *) || d->item_ctype != ctype_for(f->items->type))
            return false;
        if (d->item_ctype == SPEC_C_INT && d->item_size != sizeof(int))
            return false;
        if (f->items->type == SPEC_ENUM && !f->items->enum_values)
            return false;
    }
    return true;
}

static bool bounded(const struct field_spec *f)
{
    return f->min != 0 || f->max != 0;
}

/* The index of s in values, or -1.  A list that is NULL admits any value,
 * at index 0. */
static int enum_index(const char *const *values, const char *s)
{
    if (!values)
        return 0;
    for (int i = 0; values[i]; i++)
        if (strcmp(values[i], s) == 0)
            return i;
    return -1;
}

static bool enum_has(const char *const *values, const char *s)
{
    return enum_index(values, s) >= 0;
}

/* Writes "a, b, c" into out, or an empty string when the list would not fit
 * comfortably into a detail. */
static void enum_list(const char *const *values, char *out, size_t cap)
{
    size_t len = 0;

    out[0] = '\0';
    if (!values)
        return;
    for (const char *const *v = values; *v; v++) {
        size_t n = strlen(*v);
        size_t sep = v == values ? 0 : 2;
        if (len + sep + n >= cap) {
            out[0] = '\0';
            return;
        }
        memcpy(out + len, ", ", sep);
        memcpy(out + len + sep, *v, n);
        len += sep + n;
        out[len] = '\0';
    }
}

static void check_text(const struct field_spec *f, const json_t *v, const char *ptr,
                       struct spec_errors *errs)
{
    const char *s = json_string_value(v);
    size_t bytes = json_string_length(v);
    int64_t chars = 0;
    bool control = false;

    /* Jansson guarantees valid UTF-8, so counting the bytes that do not
     * continue a sequence counts code points, as JSON Schema's maxLength
     * does. */
    for (size_t i = 0; i < bytes; i++) {
        unsigned char c = (unsigned char)s[i];
        if ((c & 0xC0) != 0x80)
            chars++;
        if (c < 0x20 && !(f->type == SPEC_TEXT && (c == '\n' || c == '\r' || c == '\t')))
            control = true;
    }
    if (control) {
        if (f->type == SPEC_TEXT)
            spec_errors_add(errs, ptr,
                            "must not contain control characters other than line breaks "
                            "and tabs");
        else
            spec_errors_add(errs, ptr,
                            "must be a single line of text without control characters "
                            "such as line breaks or tabs");
    }
    if (!bounded(f))
        return;
    if (chars < f->min) {
        if (f->min == 1)
            spec_errors_add(errs, ptr, "must not be empty");
        else
            spec_errors_add(errs, ptr, "must be at least %lld characters long", (long long)f->min);
    } else if (chars > f->max) {
        spec_errors_add(errs, ptr, "must be at most %lld characters long (it has %lld)",
                        (long long)f->max, (long long)chars);
    }
}

static void check_integer(const struct field_spec *f, const json_t *v, const char *ptr,
                          struct spec_errors *errs)
{
    bool fen = f->type == SPEC_FEN;
    json_int_t n;

    /* Jansson reads 1.5, 1.0 and 1e3 as reals: all refused, money above all
     * must never pass through a floating-point value.  Each sentence is
     * whole, so that its Chinese is found by it (messages.h). */
    if (!json_is_integer(v)) {
        if (json_is_real(v))
            spec_errors_add(errs, ptr,
                            fen ? "must be an integer number of fen (1 yuan = 100 fen), written "
                                  "without a decimal point or exponent"
                                : "must be a whole number, written without a decimal point or "
                                  "exponent");
        else
            spec_errors_add(errs, ptr,
                            fen ? "must be an integer number of fen (1 yuan = 100 fen)"
                                : "must be a whole number");
        return;
    }
    if (!bounded(f))
        return;
    n = json_integer_value(v);
    if (n < f->min)
        spec_errors_add(errs, ptr,
                        fen ? "must be an integer number of fen (1 yuan = 100 fen), at least %lld"
                            : "must be a whole number, at least %lld",
                        (long long)f->min);
    else if (n > f->max)
        spec_errors_add(errs, ptr,
                        fen ? "must be an integer number of fen (1 yuan = 100 fen), at most %lld"
                            : "must be a whole number, at most %lld",
                        (long long)f->max);
}

/* Returns whether v is a date, *day the day it names. */
static bool check_date(const json_t *v, const char *ptr, sb_day *day, struct spec_errors *errs)
{
    const char *s;

    if (!json_is_string(v)) {
        spec_errors_add(errs, ptr, "must be a date written YYYY-MM-DD, such as 2020-07-28");
        return false;
    }
    s = json_string_value(v);
    if (date_parse(s, day))
        return true;
    if (json_string_length(v) == 10 && s[4] == '-' && s[7] == '-' && strspn(s, "0123456789") == 4 &&
        strspn(s + 5, "0123456789") == 2 && strspn(s + 8, "0123456789") == 2)
        spec_errors_add(errs, ptr,
                        "is not a real calendar date (years from 1900; check the month "
                        "and the day)");
    else
        spec_errors_add(errs, ptr, "must be a date written YYYY-MM-DD, such as 2020-07-28");
    return false;
}

static void check_uscc(const json_t *v, const char *ptr, struct spec_errors *errs)
{
    const char *s;
    char expected;
    size_t len, chars = 0;

    if (!json_is_string(v)) {
        spec_errors_add(errs, ptr,
                        "must be a Unified Social Credit Code (统一社会信用代码) of 18 characters");
        return;
    }
    s = json_string_value(v);
    len = json_string_length(v);
    for (size_t i = 0; i < len; i++)
        if (((unsigned char)s[i] & 0xC0) != 0x80)
            chars++;
    if (chars != USCC_LEN) {
        spec_errors_add(errs, ptr,
                        "must be a Unified Social Credit Code (统一社会信用代码) of exactly 18 "
                        "characters (it has %zu)",
                        chars);
        return;
    }
    /* 18 characters in more than 18 bytes, or a NUL inside: not the charset. */
    expected = len == USCC_LEN && strlen(s) == USCC_LEN ? uscc_check_char(s) : '\0';
    if (expected == '\0' || !strchr("0123456789ABCDEFGHJKLMNPQRTUWXY", s[USCC_LEN - 1])) {
        spec_errors_add(errs, ptr,
                        "may contain only digits and the capital letters A-Z except I, O, S, "
                        "V and Z (GB 32100-2015)");
        return;
    }
    if (s[USCC_LEN - 1] != expected)
        spec_errors_add(errs, ptr,
                        "has a wrong check character: for these first 17 characters the 18th "
                        "must be %c; please look for a typing error",
                        expected);
}

static void check_array(const struct field_spec *f, const json_t *v, const char *ptr,
                        const struct target *t, struct spec_errors *errs, bool lenient)
{
    size_t n = json_array_size(v);
    char item_ptr[SPEC_POINTER_LEN];
    size_t *repeats = NULL;
    unsigned char *items = NULL;
    size_t item_size = f->to.item_size;

    if (bounded(f)) {
        long long min = (long long)f->min, max = (long long)f->max;
        /* Leniently, a list shorter than it must be is one not finished
         * yet; one too long is wrong however far the form has come. */
        if (lenient && (int64_t)n < f->min)
            ;
        else if (f->min == f->max && (int64_t)n != f->min)
            spec_errors_add(errs, ptr,
                            min == 1 ? "must list exactly %lld item (it has %zu)"
                                     : "must list exactly %lld items (it has %zu)",
                            min, n);
        else if ((int64_t)n < f->min)
            spec_errors_add(
                errs, ptr,
                min == 1 ? "must list at least %lld item" : "must list at least %lld items", min);
        else if ((int64_t)n > f->max)
            spec_errors_add(errs, ptr,
                            max == 1 ? "must list at most %lld item (it has %zu)"
                                     : "must list at most %lld items (it has %zu)",
                            max, n);
        /* Too many is one error: what the items hold is for after the
         * client has cut the list, and looking at each of a hostile
         * number of them would cost what the limit is there to bound. */
        if ((int64_t)n > f->max)
            return;
    }
    if (f->unique_items && n > 1) {
        const json_t **values = malloc(n * sizeof *values);
        repeats = malloc(n * sizeof *repeats);
        for (size_t i = 0; values && i < n; i++)
            values[i] = lenient && json_is_null(json_array_get(v, i)) ? NULL : json_array_get(v, i);
        if (!values || !repeats || spec_find_repeats(values, n, repeats) != 0)
            abort(); /* out of memory: no answer can be given */
        free(values);
    }
    /* Room for the items only for a count the table admits: a hostile
     * document's long array costs no memory. */
    if (t && f->items && n > 0 &&
        (!bounded(f) || ((lenient || (int64_t)n >= f->min) && (int64_t)n <= f->max))) {
        if (n > SIZE_MAX / item_size)
            abort();
        items = spec_arena_alloc(t->arena, n * item_size);
        memcpy(t->at, &items, sizeof items);
        *t->count = n;
    }
    for (size_t i = 0; i < n; i++) {
        const json_t *item = json_array_get(v, i);
        struct target slot = {items ? items + i * item_size : NULL, NULL, t ? t->arena : NULL};

        spec_pointer_index(item_ptr, sizeof item_ptr, ptr, i);
        /* Leniently, null is an item not filled in yet (its slot stays
         * zero). */
        if (f->items && !(lenient && json_is_null(item)))
            validate_value(f->items, item, item_ptr, slot.at ? &slot : NULL, errs, lenient);
        if (repeats && repeats[i] != SPEC_NO_REPEAT)
            /* Text counts items from 1, as the forms do (the pointer
             * stays 0-based, RFC 6901). */
            spec_errors_add(errs, item_ptr,
                            "repeats item %zu (items counted from 1); each value may be listed "
                            "only once",
                            repeats[i] + 1);
    }
    free(repeats);
}

/* Checks v against f and, with a target, decodes it there when it has the
 * type f wants.  A value that fails another check (a bound, say) may still
 * be decoded: the struct is used only when there was no error at all. */
static void validate_value(const struct field_spec *f, const json_t *v, const char *ptr,
                           const struct target *t, struct spec_errors *errs, bool lenient)
{
    char list[ENUM_LIST_MAX];
    int index;
    sb_day day;

    if (f->read_only)
        return;
    switch (f->type) {
    case SPEC_STRING:
    case SPEC_TEXT:
        if (!json_is_string(v)) {
            spec_errors_add(errs, ptr, "must be text (a JSON string)");
            break;
        }
        check_text(f, v, ptr, errs);
        if (t)
            *(const char **)t->at = json_string_value(v);
        break;
    case SPEC_BOOL:
        if (!json_is_boolean(v))
            spec_errors_add(errs, ptr, "must be true or false");
        else if (t)
            *(bool *)t->at = json_is_true(v);
        break;
    case SPEC_INT:
    case SPEC_FEN:
        check_integer(f, v, ptr, errs);
        if (t && json_is_integer(v))
            *(int64_t *)t->at = json_integer_value(v);
        break;
    case SPEC_DATE:
        if (check_date(v, ptr, &day, errs) && t)
            memcpy(t->at, &day, sizeof day);
        break;
    case SPEC_ENUM:
        index = json_is_string(v) ? enum_index(f->enum_values, json_string_value(v)) : -1;
        if (index >= 0) {
            if (t)
                memcpy(t->at, &index, sizeof index);
            break;
        }
        enum_list(f->enum_values, list, sizeof list);
        if (list[0])
            spec_errors_add(errs, ptr, "must be one of: %s", list);
        else
            spec_errors_add(errs, ptr, "must be one of the values the schema lists");
        break;
    case SPEC_USCC:
        check_uscc(v, ptr, errs);
        if (t && json_is_string(v))
            *(const char **)t->at = json_string_value(v);
        break;
    case SPEC_OBJECT:
        if (!json_is_object(v))
            spec_errors_add(errs, ptr, "must be an object");
        else if (f->fields)
            validate_object(f->fields, v, ptr, t, errs, lenient);
        break;
    case SPEC_ARRAY:
        if (!json_is_array(v))
            spec_errors_add(errs, ptr, "must be an array");
        else
            check_array(f, v, ptr, t, errs, lenient);
        break;
    }
}

/* The variant that discriminator `f` selects in `obj`.  *determined says
 * whether the discriminator holds one of its values at all; the result is
 * NULL when it does not, or when that value has no extra members. */
static const struct spec_variant *variant_chosen(const struct field_spec *f, const json_t *obj,
                                                 const char **value, bool *determined)
{
    const json_t *d = json_object_get(obj, f->name);
    const char *s;

    *determined = false;
    *value = NULL;
    if (!json_is_string(d))
        return NULL;
    s = json_string_value(d);
    if (!enum_has(f->enum_values, s))
        return NULL;
    *determined = true;
    *value = s;
    for (const struct spec_variant *v = f->variants; v->value; v++)
        if (strcmp(v->value, s) == 0)
            return v;
    return NULL;
}

/* The spec of member `name` anywhere in `table` or the variants below it. */
static const struct field_spec *tree_find(const struct field_spec *table, const char *name)
{
    for (const struct field_spec *f = table; f->name; f++)
        if (strcmp(f->name, name) == 0)
            return f;
    for (const struct field_spec *f = table; f->name; f++) {
        if (!f->variants)
            continue;
        for (const struct spec_variant *v = f->variants; v->value; v++) {
            const struct field_spec *found = tree_find(v->fields, name);
            if (found)
                return found;
        }
    }
    return NULL;
}

/* First pass: every member the table and the chosen variants declare,
 * decoded into the struct at t->at (variant members into the same struct). */
static void validate_declared(const struct field_spec *table, const json_t *obj, const char *ptr,
                              const struct field_spec *disc, const char *disc_value,
                              const struct target *t, struct spec_errors *errs, bool lenient)
{
    char child[SPEC_POINTER_LEN];

    for (const struct field_spec *f = table; f->name; f++) {
        const json_t *m = json_object_get(obj, f->name);
        unsigned char *base = t ? t->at : NULL;

        /* Leniently, null is a member not filled in yet, as if absent. */
        if (lenient && json_is_null(m))
            m = NULL;
        struct target member = {0};

        if (base && f->to.ctype != SPEC_C_NONE) {
            assert(spec_dest_fits(f));
            member.at = base + f->to.offset;
            member.count = f->type == SPEC_ARRAY ? (size_t *)(base + f->to.count_offset) : NULL;
            member.arena = t->arena;
            assert(member.arena || f->type != SPEC_ARRAY);
            if (m && f->to.has_present)
                *(bool *)(base + f->to.present_offset) = true;
        }
        spec_pointer_join(child, sizeof child, ptr, f->name);
        if (!m) {
            if (f->required && !f->read_only && !lenient) {
                if (disc)
                    spec_errors_add(errs, child, "is required when %s is %s", disc->name,
                                    disc_value);
                else
                    spec_errors_add(errs, child, "is required");
            }
        } else {
            validate_value(f, m, child, member.at ? &member : NULL, errs, lenient);
        }
        if (f->variants) {
            const char *value;
            bool determined;
            const struct spec_variant *v = variant_chosen(f, obj, &value, &determined);
            if (v)
                validate_declared(v->fields, obj, ptr, f, value, t, errs, lenient);
        }
    }
}

enum member_status {
    MEMBER_UNKNOWN,   /* no such member anywhere */
    MEMBER_EXCLUDED,  /* a member of another value's variant */
    MEMBER_TOLERATED, /* a variant member while the discriminator is unknown */
    MEMBER_ACTIVE,    /* declared for this object: checked by the first pass */
};

struct member_class {
    const struct field_spec *spec; /* MEMBER_TOLERATED: how to check it */
    const struct field_spec *disc; /* MEMBER_EXCLUDED: the discriminator … */
    const char *value;             /* … and the value it has */
};

static enum member_status classify(const struct field_spec *table, const json_t *obj,
                                   const char *name, struct member_class *mc)
{
    enum member_status best = MEMBER_UNKNOWN;

    for (const struct field_spec *f = table; f->name; f++)
        if (strcmp(f->name, name) == 0)
            return MEMBER_ACTIVE;
    for (const struct field_spec *f = table; f->name; f++) {
        const struct spec_variant *chosen;
        const char *value;
        bool determined;

        if (!f->variants)
            continue;
        chosen = variant_chosen(f, obj, &value, &determined);
        if (chosen) {
            struct member_class sub = {0};
            enum member_status r = classify(chosen->fields, obj, name, &sub);
            if (r == MEMBER_ACTIVE)
                return r;
            if (r > best) {
                best = r;
                *mc = sub;
            }
        }
        for (const struct spec_variant *v = f->variants; v->value; v++) {
            const struct field_spec *found;
            if (v == chosen)
                continue;
            found = tree_find(v->fields, name);
            if (!found)
                continue;
            if (!determined && best < MEMBER_TOLERATED) {
                best = MEMBER_TOLERATED;
                mc->spec = found;
            } else if (determined && best < MEMBER_EXCLUDED) {
                best = MEMBER_EXCLUDED;
                mc->disc = f;
                mc->value = value;
            }
        }
    }
    return best;
}

static void validate_object(const struct field_spec *table, const json_t *obj, const char *ptr,
                            const struct target *t, struct spec_errors *errs, bool lenient)
{
    char child[SPEC_POINTER_LEN];
    const char *key;
    json_t *m;

    validate_declared(table, obj, ptr, NULL, NULL, t, errs, lenient);

    /* Jansson iterates in insertion order, so these come in document order. */
    json_object_foreach((json_t *)obj, key, m)
    {
        struct member_class mc = {0};

        switch (classify(table, obj, key, &mc)) {
        case MEMBER_ACTIVE:
            break;
        case MEMBER_TOLERATED:
            if (lenient && json_is_null(m))
                break;
            spec_pointer_join(child, sizeof child, ptr, key);
            validate_value(mc.spec, m, child, NULL, errs, lenient);
            break;
        case MEMBER_EXCLUDED:
            spec_pointer_join(child, sizeof child, ptr, key);
            spec_errors_add(errs, child, "is not used when %s is %s", mc.disc->name, mc.value);
            break;
        case MEMBER_UNKNOWN:
            spec_pointer_join(child, sizeof child, ptr, key);
            spec_errors_add(errs, child, "is an unknown field; remove it or check its spelling");
            break;
        }
    }
}

size_t spec_parse_mode(const struct field_spec *fields, const json_t *value, const char *pointer,
                       void *dest, struct spec_arena *arena, struct spec_errors *errs,
                       enum spec_mode mode)
{
    size_t before = spec_errors_total(errs);
    struct target t = {dest, NULL, arena};

    if (!json_is_object(value))
        spec_errors_add(errs, pointer, "must be an object");
    else
        validate_object(fields, value, pointer, dest ? &t : NULL, errs, mode == SPEC_LENIENT);
    return spec_errors_total(errs) - before;
}

size_t spec_parse(const struct field_spec *fields, const json_t *value, const char *pointer,
                  void *dest, struct spec_arena *arena, struct spec_errors *errs)
{
    return spec_parse_mode(fields, value, pointer, dest, arena, errs, SPEC_STRICT);
}

size_t spec_validate(const struct field_spec *fields, const json_t *value, const char *pointer,
                     struct spec_errors *errs)
{
    return spec_parse(fields, value, pointer, NULL, NULL, errs);
}

/* ---- repeated values ---- */

/* A value to sort: what orders it, and where it was. */
struct sort_key {
    const json_t *value;
    size_t index;
    char *text; /* a real, an object or an array: its canonical text */
};

/* A total order in which two values are equal exactly when json_equal()
 * says so: by type, then by value (a real, an object or an array by its
 * text with sorted keys, which is the same for equal ones and differs
 * otherwise: no floating point here). */
static int compare_values(const struct sort_key *a, const struct sort_key *b)
{
    int c = (int)json_typeof(a->value) - (int)json_typeof(b->value);

    if (c == 0) {
        switch (json_typeof(a->value)) {
        case JSON_STRING: {
            size_t la = json_string_length(a->value), lb = json_string_length(b->value);
            c = memcmp(json_string_value(a->value), json_string_value(b->value), la < lb ? la : lb);
            if (c == 0)
                c = (la > lb) - (la < lb);
            break;
        }
        case JSON_INTEGER: {
            json_int_t ia = json_integer_value(a->value), ib = json_integer_value(b->value);
            c = (ia > ib) - (ia < ib);
            break;
        }
        case JSON_REAL:
        case JSON_OBJECT:
        case JSON_ARRAY:
            c = strcmp(a->text, b->text);
            break;
        default: /* true, false, null: one value each */
            break;
        }
    }
    return c;
}

static int by_value_then_index(const void *x, const void *y)
{
    const struct sort_key *a = x, *b = y;
    int c = compare_values(a, b);

    return c ? c : (a->index > b->index) - (a->index < b->index);
}

int spec_find_repeats(const json_t *const *values, size_t n, size_t *out)
{
    struct sort_key *keys = n ? calloc(n, sizeof *keys) : NULL;
    size_t k = 0;
    int rc = -1;

    if (n && !keys)
        return -1;
    for (size_t i = 0; i < n; i++) {
        out[i] = SPEC_NO_REPEAT;
        if (!values[i])
            continue;
        keys[k].value = values[i];
        keys[k].index = i;
        if (json_is_object(values[i]) || json_is_array(values[i]) || json_is_real(values[i])) {
            keys[k].text = dump_json(values[i], JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY);
            if (!keys[k].text)
                goto out;
            /* -0.0 equals 0.0 (json_equal compares the numbers) */
            if (strcmp(keys[k].text, "-0.0") == 0)
                memmove(keys[k].text, keys[k].text + 1, sizeof "0.0");
        }
        k++;
    }
    if (k > 1)
        qsort(keys, k, sizeof *keys, by_value_then_index);
    /* Within a run of equal values the first is the earliest. */
    for (size_t i = 1, first = 0; i < k; i++) {
        if (compare_values(&keys[first], &keys[i]) != 0)
            first = i;
        else
            out[keys[i].index] = keys[first].index;
    }
    rc = 0;
out:
    for (size_t i = 0; i < n; i++)
        free(keys[i].text); /* calloc: NULL where none was made */
    free(keys);
    return rc;
}

/* ---- JSON Schema ---- */

static json_t *object_schema(const struct field_spec *table);

/* json_object_set_new that treats allocation failure as fatal, as
 * spec_errors_add does: a schema missing a keyword would be wrong, not
 * merely incomplete. */
static void put(json_t *obj, const char *key, json_t *value)
{
    if (!value || json_object_set_new(obj, key, value) != 0)
        abort();
}

static void append(json_t *array, json_t *value)
{
    if (!value || json_array_append_new(array, value) != 0)
        abort();
}

static json_t *new_object(void)
{
    json_t *o = json_object();

    if (!o)
        abort();
    return o;
}

static json_t *new_array(void)
{
    json_t *a = json_array();

    if (!a)
        abort();
    return a;
}

static void put_annotations(json_t *s, const struct field_spec *f)
{
    char title[512];

    if (f->title_zh && f->title_en) {
        snprintf(title, sizeof title, "%s / %s", f->title_zh, f->title_en);
        text_trim_utf8(title);
        put(s, "title", json_string(title));
    } else if (f->title_zh || f->title_en) {
        put(s, "title", json_string(f->title_zh ? f->title_zh : f->title_en));
    }
    if (f->help)
        put(s, "description", json_string(f->help));
    /* An annotation JSON Schema ignores and the Chinese forms read. */
    if (f->help_zh)
        put(s, "x-description-zh", json_string(f->help_zh));
    if (f->when_data)
        put(s, "x-when-data", json_string(f->when_data));
}

static void put_bounds(json_t *s, const struct field_spec *f, const char *min_key,
                       const char *max_key)
{
    if (!bounded(f))
        return;
    put(s, min_key, json_integer(f->min));
    put(s, max_key, json_integer(f->max));
}

static json_t *value_schema(const struct field_spec *f)
{
    json_t *s = new_object();
    json_t *values;

    put_annotations(s, f);
    if (f->read_only) {
        put(s, "readOnly", json_true());
        return s;
    }
    switch (f->type) {
    case SPEC_STRING:
    case SPEC_TEXT:
        put(s, "type", json_string("string"));
        put_bounds(s, f, "minLength", "maxLength");
        put(s, "pattern", json_string(f->type == SPEC_TEXT ? TEXT_PATTERN : STRING_PATTERN));
        break;
    case SPEC_BOOL:
        put(s, "type", json_string("boolean"));
        break;
    case SPEC_INT:
    case SPEC_FEN:
        put(s, "type", json_string("integer"));
        put_bounds(s, f, "minimum", "maximum");
        break;
    case SPEC_DATE:
        put(s, "type", json_string("string"));
        put(s, "format", json_string("date"));
        put(s, "pattern", json_string(DATE_PATTERN));
        break;
    case SPEC_ENUM:
        put(s, "type", json_string("string"));
        if (f->enum_values) {
            values = new_array();
            for (const char *const *v = f->enum_values; *v; v++)
                append(values, json_string(*v));
            put(s, "enum", values);
        }
        break;
    case SPEC_USCC:
        put(s, "type", json_string("string"));
        put(s, "pattern", json_string(USCC_PATTERN));
        break;
    case SPEC_OBJECT:
        if (f->fields) {
            json_t *o = object_schema(f->fields);
            if (json_object_update(o, s) != 0)
                abort();
            json_decref(s);
            s = o;
        } else {
            put(s, "type", json_string("object"));
        }
        break;
    case SPEC_ARRAY:
        put(s, "type", json_string("array"));
        put_bounds(s, f, "minItems", "maxItems");
        if (f->unique_items)
            put(s, "uniqueItems", json_true());
        if (f->items)
            put(s, "items", value_schema(f->items));
        break;
    }
    return s;
}

/* Adds to `props` the schema of every member of `table` and of all its
 * variants: additionalProperties only sees properties declared beside it,
 * so variant members must be declared here and forbidden per value below. */
static void collect_properties(const struct field_spec *table, json_t *props)
{
    for (const struct field_spec *f = table; f->name; f++)
        if (!json_object_get(props, f->name))
            put(props, f->name, value_schema(f));
    for (const struct field_spec *f = table; f->name; f++) {
        if (!f->variants)
            continue;
        for (const struct spec_variant *v = f->variants; v->value; v++)
            collect_properties(v->fields, props);
    }
}

static void collect_names(const struct field_spec *table, json_t *names)
{
    for (const struct field_spec *f = table; f->name; f++)
        put(names, f->name, json_true());
    for (const struct field_spec *f = table; f->name; f++) {
        if (!f->variants)
            continue;
        for (const struct spec_variant *v = f->variants; v->value; v++)
            collect_names(v->fields, names);
    }
}

static const struct spec_variant *variant_for(const struct field_spec *f, const char *value)
{
    for (const struct spec_variant *v = f->variants; v->value; v++)
        if (strcmp(v->value, value) == 0)
            return v;
    return NULL;
}

/* One allOf entry per value of discriminator `f`: if it has that value, the
 * variant's required members are required and the other variants' members
 * are forbidden.  Then the same for discriminators inside the variants. */
static void add_conditionals(const struct field_spec *f, json_t *all_of)
{
    assert(f->enum_values);
    for (const char *const *val = f->enum_values; *val; val++) {
        const struct spec_variant *chosen = variant_for(f, *val);
        json_t *mine = new_object(), *others = new_object();
        json_t *required = new_array(), *forbidden = new_object();
        json_t *cond, *then, *ifs, *ifprops, *eq;
        const char *name;
        json_t *unused;

        if (chosen) {
            collect_names(chosen->fields, mine);
            for (const struct field_spec *g = chosen->fields; g->name; g++)
                if (g->required && !g->read_only)
                    append(required, json_string(g->name));
        }
        for (const struct spec_variant *v = f->variants; v->value; v++)
            if (v != chosen)
                collect_names(v->fields, others);
        json_object_foreach(others, name, unused)
        {
            if (!json_object_get(mine, name))
                put(forbidden, name, json_false());
        }
        json_decref(mine);
        json_decref(others);

        if (json_array_size(required) == 0 && json_object_size(forbidden) == 0) {
            json_decref(required);
            json_decref(forbidden);
            continue;
        }
        then = new_object();
        if (json_array_size(required) > 0)
            put(then, "required", required);
        else
            json_decref(required);
        if (json_object_size(forbidden) > 0)
            put(then, "properties", forbidden);
        else
            json_decref(forbidden);

        eq = new_object();
        put(eq, "const", json_string(*val));
        ifprops = new_object();
        put(ifprops, f->name, eq);
        ifs = new_object();
        put(ifs, "properties", ifprops);
        required = new_array();
        append(required, json_string(f->name));
        put(ifs, "required", required);

        cond = new_object();
        put(cond, "if", ifs);
        put(cond, "then", then);
        append(all_of, cond);
    }
    for (const struct spec_variant *v = f->variants; v->value; v++)
        for (const struct field_spec *g = v->fields; g->name; g++)
            if (g->variants)
                add_conditionals(g, all_of);
}

static json_t *object_schema(const struct field_spec *table)
{
    json_t *s = new_object();
    json_t *props = new_object();
    json_t *required = new_array();
    json_t *all_of = new_array();

    put(s, "type", json_string("object"));
    collect_properties(table, props);
    put(s, "properties", props);
    for (const struct field_spec *f = table; f->name; f++)
        if (f->required && !f->read_only)
            append(required, json_string(f->name));
    if (json_array_size(required) > 0)
        put(s, "required", required);
    else
        json_decref(required);
    put(s, "additionalProperties", json_false());
    for (const struct field_spec *f = table; f->name; f++)
        if (f->variants)
            add_conditionals(f, all_of);
    if (json_array_size(all_of) > 0)
        put(s, "allOf", all_of);
    else
        json_decref(all_of);
    return s;
}

json_t *spec_schema(const struct field_spec *fields, const char *id, const char *title)
{
    json_t *s = object_schema(fields);

    put(s, "$schema", json_string("https://json-schema.org/draft/2020-12/schema"));
    if (id)
        put(s, "$id", json_string(id));
    if (title)
        put(s, "title", json_string(title));
    return s;
}
