/*
 * Materials (申报材料, RULES.md §6): the types of document each kind asks
 * for, declared once in the kind's row, and what a file is, recognised by
 * its bytes rather than by its name or by what the client says it is.
 *
 * A file is one of PDF, OFD (GB/T 33190 版式文档: a ZIP package whose root
 * holds OFD.xml), JPEG or PNG; MP4 video only where a type says so.  The
 * bytes are read through a struct byte_source, so the same code looks at a
 * file being uploaded, a row in the database or a buffer in a test.
 */
#ifndef SB_MATERIALS_H
#define SB_MATERIALS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The longest type id, and the buffer that holds one. */
#define MATERIAL_TYPE_LEN 48
/* The longest media type we take ("application/pdf", …). */
#define MEDIA_TYPE_LEN 48

enum material_need {
    MATERIAL_OPTIONAL = 0, /* "required": false */
    MATERIAL_REQUIRED,     /* "required": true */
    MATERIAL_CONDITIONAL,  /* "required": "conditional": the kind's data decides */
};

struct material_type {
    const char *type; /* "application_form": the id in URLs and JSON */
    const char *title_zh;
    const char *title_en;
    enum material_need need;
    /* MATERIAL_CONDITIONAL: whether the application's typed data (the
     * kind's struct) needs it, and that condition in words. */
    bool (*needed)(const void *data);
    const char *condition;
    const char *condition_zh;
    /* The media types taken, NULL-terminated; NULL: the documents
     * (material_documents). */
    const char *const *accept;
    /* The largest file of this type; 0: the configured largest file. */
    int64_t max_bytes;
};

/* PDF, OFD, JPEG, PNG: what every type takes unless it says otherwise. */
extern const char *const material_documents[];
/* The documents and MP4 video (RULES.md §6: one type of experience_base). */
extern const char *const material_documents_and_video[];

/* The type `type` in list (terminated by a row with type NULL), or NULL. */
const struct material_type *material_type_find(const struct material_type *list, const char *type);

/* The media types t takes (never NULL). */
const char *const *material_accept(const struct material_type *t);

/* Whether t takes files of media type `media_type` (lower case, no
 * parameters). */
bool material_accepts(const struct material_type *t, const char *media_type);

/* Whether an application whose typed data is `data` must have a file of
 * type t before it is submitted: a required type always, a conditional one
 * when its condition holds (never when data is NULL: data that no longer
 * parses cannot say), an optional one never. */
bool material_needed(const struct material_type *t, const void *data);

/* The media type a Content-Type header names, in lower case without its
 * parameters ("Application/PDF; x=y" -> "application/pdf"), into out
 * (MEDIA_TYPE_LEN bytes).  False when it is not of the form type/subtype
 * or too long. */
bool media_type_parse(const char *header, char *out);

/* ---- what a file is --------------------------------------------------------- */

/* Bytes read at an offset: a file, a blob, a buffer. */
struct byte_source {
    int64_t size;
    /* Reads exactly len bytes at off (off + len <= size) into buf: 0, or
     * -1 when they cannot be read. */
    int (*read_at)(void *ctx, int64_t off, void *buf, size_t len);
    void *ctx;
};

enum sniffed {
    SNIFF_UNKNOWN = 0, /* none of the below */
    SNIFF_PDF,
    SNIFF_OFD, /* a ZIP package with OFD.xml at its root */
    SNIFF_ZIP, /* another ZIP archive */
    SNIFF_JPEG,
    SNIFF_PNG,
    SNIFF_MP4,
    SNIFF_EMPTY,      /* no bytes at all */
    SNIFF_READ_ERROR, /* the bytes could not be read */
};

/*
 * What the content of src is, from its magic bytes: "%PDF-" at the start
 * (PDF), FF D8 FF (JPEG), the 8-byte PNG signature, an ISO base media file
 * whose first box is `ftyp` (MP4), a ZIP local file header — and then, for
 * a ZIP, whether its central directory names OFD.xml at the root (OFD).  A
 * ZIP whose end records or central directory do not hold together is
 * SNIFF_UNKNOWN; why (may be NULL) says what was wrong.
 */
enum sniffed material_sniff(const struct byte_source *src, char *why, size_t cap);

/* The media type a sniffed content is ("application/pdf", …,
 * "application/zip"), or NULL for SNIFF_UNKNOWN and the others. */
const char *sniffed_media_type(enum sniffed s);

/* The content in words, for a problem's detail ("a PNG image"). */
const char *sniffed_words(enum sniffed s);

/*
 * Whether the ZIP archive src holds an entry called `name` (exactly, at
 * the root: no directory part).  Reads the end of central directory record
 * (the ZIP64 one where the archive has it) and walks the central
 * directory, checking that the entry's local header is where the directory
 * says.  1 when it is there, 0 when not, -1 when src is not a well-formed
 * ZIP (why says how), -2 when src could not be read.
 */
int zip_has_entry(const struct byte_source *src, const char *name, char *why, size_t cap);

/* The largest central directory zip_has_entry() reads (it holds the names
 * of every entry; an OFD document's has a few dozen). */
#define ZIP_MAX_DIRECTORY (4 * 1024 * 1024)

/* A byte source over a buffer (tests, small documents). */
struct byte_buffer {
    const unsigned char *data;
    size_t len;
};
struct byte_source byte_source_buffer(struct byte_buffer *b);

#endif
