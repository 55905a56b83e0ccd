/*
 * Declarative JSON input.
 *
 * Every JSON body the server accepts is described once, as a table of
 * struct field_spec.  One call, spec_validate(), walks a parsed document
 * against that table and reports *every* bad field with its JSON Pointer
 * (RFC 6901), so a client learns all of its mistakes in a single 422.
 * spec_schema() turns the same table into a JSON Schema (draft 2020-12),
 * so the schema served to clients cannot drift from what is enforced.
 *
 * Domain code only: no libmicrohttpd, no SQLite.
 */
#ifndef SB_SPEC_H
#define SB_SPEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

enum spec_type {
    SPEC_STRING, /* UTF-8 text, length in characters within [min, max] */
    SPEC_TEXT,   /* alias of SPEC_STRING for long free text (forms render a textarea) */
    SPEC_BOOL,   /* true / false */
    SPEC_INT,    /* integer within [min, max] */
    SPEC_FEN,    /* money: integer number of fen within [min, max], never a float */
    SPEC_DATE,   /* "YYYY-MM-DD", a real calendar date */
    SPEC_ENUM,   /* one string of enum_values */
    SPEC_USCC,   /* Unified Social Credit Code with a valid check character */
    SPEC_OBJECT, /* object whose members are `fields`; unknown members refused.  With
                  * `fields` NULL any object passes here: the caller checks it. */
    SPEC_ARRAY,  /* array of `items`, item count within [min, max] */
};

struct field_spec;

/*
 * Members that exist only for one value of a discriminator.  A SPEC_ENUM
 * member may carry `variants`: when the object's discriminator has the value
 * `value`, the members of `fields` belong to the same object as well, with
 * their own `required` flags (and may carry variants of their own, nested
 * as deep as needed).  Members of the other values' variants are refused
 * ("not used when project is launch_event").  When the discriminator is
 * missing or not one of its values, variant members are checked for type
 * only, never required, so one bad discriminator gives one error.
 * spec_schema() says the same with allOf / if / then.
 */
struct spec_variant {
    const char *value;               /* a value of the discriminator; NULL ends a list */
    const struct field_spec *fields; /* its extra members, a table ending with a NULL name */
};

struct field_spec {
    const char *name; /* member name; NULL ends a table */
    enum spec_type type;
    bool required;
    int64_t min, max;                /* value, length or count bounds; both 0 = unbounded */
    const char *const *enum_values;  /* SPEC_ENUM: NULL-terminated list */
    const struct field_spec *fields; /* SPEC_OBJECT: member table */
    const struct field_spec *items;  /* SPEC_ARRAY: one spec describing each item (name unused) */
    bool unique_items;               /* SPEC_ARRAY of scalars: no repeated values */
    const char *title_zh;            /* label for forms and schema titles */
    const char *title_en;
    const char *help;                    /* what the value means, where it comes from */
    const char *help_zh;                 /* the same in Chinese, for the Chinese forms */
    const struct spec_variant *variants; /* SPEC_ENUM: members per value, see above */
    bool read_only;                      /* set by the server: accepted and ignored on input,
                                          * "readOnly" in the schema */
};

#define SPEC_POINTER_LEN 256
#define SPEC_DETAIL_LEN  256

/* One bad field: JSON Pointer and a sentence saying what is wrong.  Both are
 * valid UTF-8 even when cut short to fit. */
struct spec_error {
    char pointer[SPEC_POINTER_LEN];
    char detail[SPEC_DETAIL_LEN];
};

/* The most errors a list keeps, and so the most one 422 names: a client
 * learns what to fix first and that there is more, and a hostile body of a
 * megabyte of mistakes costs a small answer. */
#define SPEC_ERRORS_MAX 100

/* A growable list of errors, of at most SPEC_ERRORS_MAX items; errors past
 * those are counted in `dropped`.  spec_errors_init() sets it up without
 * allocating; spec_errors_release() frees the storage. */
struct spec_errors {
    struct spec_error *items;
    size_t count, cap;
    size_t dropped;
};

void spec_errors_init(struct spec_errors *e);
void spec_errors_release(struct spec_errors *e);
/* Appends an error; detail is printf-formatted.  Texts too long for
 * struct spec_error are cut at a character boundary.  Past SPEC_ERRORS_MAX
 * the error is only counted.  Allocation failure is fatal (abort()): no
 * answer could be given without memory. */
void spec_errors_add(struct spec_errors *e, const char *pointer, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Every error added: those kept and those only counted. */
size_t spec_errors_total(const struct spec_errors *e);
/* Writes the `detail` of a 422 for e into out (cap bytes): how many fields
 * are invalid, and when not all are listed, how many are. */
void spec_errors_summary(const struct spec_errors *e, char *out, size_t cap);
/* Sets the members of a 422 problem object for e: `errors`, the errors kept
 * as [{pointer, detail}] in the order they were added, and when some were
 * only counted, `truncated: true` and `error_count`, how many were found.
 * 0, or -1 when memory runs out. */
int spec_errors_to_problem(const struct spec_errors *e, json_t *problem);

/*
 * Validates `value` against the object member table `fields` (a table ending
 * with a NULL name).  `pointer` is where `value` sits in the whole document
 * ("" for the root, "/data" for a nested object).  Every problem is appended
 * to `errs`: missing required members, unknown members, wrong types, values
 * out of bounds or not in the enum.  An array over its maximum is one error
 * and its items are not looked at; repeated items of a unique array are
 * found by sorting, not by comparing every pair: the work stays linear in
 * the document (n log n for a unique array).  Returns the number of errors
 * found (kept or only counted).
 */
size_t spec_validate(const struct field_spec *fields, const json_t *value, const char *pointer,
                     struct spec_errors *errs);

/*
 * Returns a new JSON Schema object (draft 2020-12) describing an object with
 * the members of `fields`.  Caller owns the reference.
 */
json_t *spec_schema(const struct field_spec *fields, const char *id, const char *title);

/* Writes to `out` (size `cap`, not overlapping `base`) the JSON Pointer of
 * `base` extended by one reference token, escaping '~' and '/' as RFC 6901
 * requires.  A result too long is cut at a character boundary. */
void spec_pointer_join(char *out, size_t cap, const char *base, const char *token);
/* The same for an array index. */
void spec_pointer_index(char *out, size_t cap, const char *base, size_t index);

/*
 * For each of the n values (NULL entries are skipped), the index of the
 * first earlier value equal to it (json_equal), or SPEC_NO_REPEAT: out[i] <
 * i names the first occurrence that value i repeats.  O(n log n) by
 * sorting; 0, or -1 when memory runs out.
 */
#define SPEC_NO_REPEAT SIZE_MAX
int spec_find_repeats(const json_t *const *values, size_t n, size_t *out);

#endif
