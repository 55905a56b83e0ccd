/*
 * Declarative JSON input.
 *
 * Every JSON body the server accepts is described once, as a table of
 * struct field_spec.  One call, spec_parse(), walks a parsed document
 * against that table, reports *every* bad field with its JSON Pointer
 * (RFC 6901), so a client learns all of its mistakes in a single 422, and
 * in the same pass decodes each member that has a destination into a C
 * struct (as lwan's JSON_OBJ_DESCR_* and Taler's GNUNET_JSON_Specification
 * do), so nothing reads the JSON member by member again.  spec_schema()
 * turns the same table into a JSON Schema (draft 2020-12), so the schema
 * served to clients cannot drift from what is enforced.
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
 * The C type of a destination member, as the SPEC_TO macros find it.  Each
 * spec type decodes to one of them:
 *   STRING, TEXT, USCC  const char *, borrowed from the json_t (which the
 *                       caller keeps alive as long as the struct);
 *   BOOL                bool;
 *   INT, FEN            int64_t;
 *   DATE                sb_day (date.h);
 *   ENUM                the index of the value in enum_values, into an int
 *                       or a C enum generated from the same list (see
 *                       SPEC_ENUM_ID);
 *   OBJECT              a nested struct decoded with `fields`;
 *   ARRAY               a pointer to `count` decoded items, in memory of the
 *                       arena given to spec_parse().
 */
enum spec_ctype {
    SPEC_C_NONE,  /* no destination: validated only */
    SPEC_C_TEXT,  /* const char * */
    SPEC_C_BOOL,  /* bool */
    SPEC_C_INT64, /* int64_t */
    SPEC_C_INT,   /* int, an enum or sb_day: 4-byte integers */
    SPEC_C_OTHER, /* a struct, or a pointer to items */
};

/*
 * Where spec_parse() puts a member's decoded value: `offset` bytes into the
 * struct being filled.  Written with the macros below so that the offsets,
 * sizes and C types come from the struct itself.  A member that is absent
 * leaves its destination as it was (zero, when the caller cleared it), and
 * sets `present` when the table asks for it.
 */
struct spec_dest {
    enum spec_ctype ctype; /* of the member; SPEC_C_NONE: no destination */
    size_t offset;         /* of the member */
    size_t size;           /* of the member: a nested struct's size for OBJECT */
    /* ARRAY: one item's size and C type, and where the item count goes (a
     * size_t). */
    size_t item_size;
    enum spec_ctype item_ctype;
    size_t count_offset;
    /* Optional members whose absence means something other than a zero
     * value: a bool set to true when the member is there. */
    bool has_present;
    size_t present_offset;
};

#define SPEC_MEMBER(T, m) (((T *)0)->m)
/* The spec_ctype of an expression's type (not evaluated). */
#define SPEC_CTYPE_OF(x)                                                                           \
    _Generic((x),                                                                                  \
        const char *: SPEC_C_TEXT,                                                                 \
        bool: SPEC_C_BOOL,                                                                         \
        int64_t: SPEC_C_INT64,                                                                     \
        int: SPEC_C_INT,                                                                           \
        unsigned: SPEC_C_INT,                                                                      \
        default: SPEC_C_OTHER)
/* Fails to compile unless member m of T is a size_t. */
#define SPEC_IS_SIZE_T(T, m)                                                                       \
    (0 * sizeof(char[_Generic(SPEC_MEMBER(T, m), size_t : 1, default : -1)]))

/* .to = SPEC_TO(struct incubator_data, mentor_sessions): the member's value
 * goes to that member of the struct. */
#define SPEC_TO(T, m)                                                                              \
    {                                                                                              \
        .ctype = SPEC_CTYPE_OF(SPEC_MEMBER(T, m)), .offset = offsetof(T, m),                       \
        .size = sizeof SPEC_MEMBER(T, m),                                                          \
    }
/* The same, and `present` (a bool member) says whether the member was there. */
#define SPEC_TO_OPTIONAL(T, m, present)                                                            \
    {                                                                                              \
        .ctype = SPEC_CTYPE_OF(SPEC_MEMBER(T, m)), .offset = offsetof(T, m),                       \
        .size = sizeof SPEC_MEMBER(T, m), .has_present = true,                                     \
        .present_offset = offsetof(T, present),                                                    \
    }
/* An array's items go to a pointer member m (the items' type is what it
 * points to) and their number to size_t member n. */
#define SPEC_TO_ARRAY(T, m, n)                                                                     \
    {                                                                                              \
        .ctype = SPEC_C_OTHER, .offset = offsetof(T, m), .size = sizeof SPEC_MEMBER(T, m),         \
        .item_size = sizeof *SPEC_MEMBER(T, m), .item_ctype = SPEC_CTYPE_OF(*SPEC_MEMBER(T, m)),   \
        .count_offset = offsetof(T, n) + SPEC_IS_SIZE_T(T, n),                                     \
    }

/*
 * An enum's values listed once, as an X-macro of (C name, JSON value, …),
 * give both the C enum and the string table, in the same order, so the
 * index spec_parse() decodes is the enumerator:
 *
 *     #define COLOURS(X) X(COLOUR_RED, "red") X(COLOUR_GREEN, "green")
 *     enum colour { COLOURS(SPEC_ENUM_ID) };
 *     static const char *const colour_values[] = {COLOURS(SPEC_ENUM_TEXT) NULL};
 *
 * Further columns (names for people, say) are ignored here.
 */
#define SPEC_ENUM_ID(id, text, ...)   id,
#define SPEC_ENUM_TEXT(id, text, ...) text,

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
    struct spec_dest to;                 /* where spec_parse() decodes it; see SPEC_TO */
    /* Stage records only: the record belongs to an application whose data
     * has this member true (a unit directly under the authority), is
     * required of it and refused of any other; "x-when-data" in the
     * schema.  NULL: always as `required` says.  spec_parse() ignores it. */
    const char *when_data;
};

#define SPEC_POINTER_LEN 256
#define SPEC_DETAIL_LEN  256

/* One bad field: JSON Pointer and a sentence saying what is wrong.  Both are
 * valid UTF-8 even when cut short to fit. */
struct spec_error {
    char pointer[SPEC_POINTER_LEN];
    char detail[SPEC_DETAIL_LEN];
    char detail_zh[SPEC_DETAIL_LEN]; /* the same in Chinese (messages.h); "" when none */
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
/* Appends an error whose detail was made already, in both languages (a
 * guard's, say); detail_zh may be NULL or "". */
void spec_errors_add_text(struct spec_errors *e, const char *pointer, const char *detail,
                          const char *detail_zh);
/* Every error added: those kept and those only counted. */
size_t spec_errors_total(const struct spec_errors *e);
/* Writes the `detail` of a 422 for e into out (cap bytes), and its Chinese
 * into out_zh (may be NULL): how many fields are invalid, and when not all
 * are listed, how many are. */
void spec_errors_summary(const struct spec_errors *e, char *out, size_t cap, char *out_zh,
                         size_t cap_zh);
/* Sets the members of a 422 problem object for e: `errors`, the errors kept
 * as [{pointer, detail}] in the order they were added (each detail in
 * Chinese when zh and the error has it), and when some were only counted,
 * `truncated: true` and `error_count`, how many were found.  0, or -1 when
 * memory runs out. */
int spec_errors_to_problem(const struct spec_errors *e, json_t *problem, bool zh);

/*
 * Memory for what spec_parse() decodes, freed all at once.  spec_arena_init()
 * sets it up without allocating; spec_arena_release() frees every block.
 */
struct spec_arena_block;
struct spec_arena {
    struct spec_arena_block *head; /* the block being filled; earlier ones follow */
};

void spec_arena_init(struct spec_arena *a);
void spec_arena_release(struct spec_arena *a);
/* `size` zeroed bytes aligned for any type, valid until the arena is
 * released.  Allocation failure is fatal, as in spec_errors_add(). */
void *spec_arena_alloc(struct spec_arena *a, size_t size);

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
 *
 * In the same pass, each member whose spec has a destination (`to`) is
 * decoded into the struct at `dest`, arrays into memory from `arena`.  The
 * caller clears `dest` first, keeps `value` alive as long as it reads the
 * strings, and uses the struct only when no error was found (a member of
 * the wrong type is left as it was, one out of its bounds may be decoded).
 * With `dest` NULL it only validates, and `arena` may be NULL.
 */
size_t spec_parse(const struct field_spec *fields, const json_t *value, const char *pointer,
                  void *dest, struct spec_arena *arena, struct spec_errors *errs);

/*
 * How much spec_parse_mode() asks of a document.  SPEC_STRICT: everything
 * above.  SPEC_LENIENT, for a form being filled in (CONTRACT.md "Lenient
 * drafts"): what is there must have the right JSON type and hold within its
 * bounds (lengths, values, the enum, real dates, check characters, the most
 * items an array may have), but nothing is required, null counts as not
 * filled in yet (a member or an array item), and an array may have fewer
 * items than it must.  Absent and null members leave their destination
 * zero.  What a strict parse would say besides is the document's
 * incompleteness, for the caller to ask separately.
 */
enum spec_mode { SPEC_STRICT, SPEC_LENIENT };

size_t spec_parse_mode(const struct field_spec *fields, const json_t *value, const char *pointer,
                       void *dest, struct spec_arena *arena, struct spec_errors *errs,
                       enum spec_mode mode);

/* spec_parse() without decoding. */
size_t spec_validate(const struct field_spec *fields, const json_t *value, const char *pointer,
                     struct spec_errors *errs);

/* Whether f's destination has the C type its spec type decodes to (for
 * ARRAY, its items' too): what spec_parse() asserts, for tests to check
 * every table. */
bool spec_dest_fits(const struct field_spec *f);

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
