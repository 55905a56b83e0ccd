/*
 * Material types and what a file's bytes are.
 *
 * ZIP (for OFD) as PKWARE's APPNOTE.TXT describes it: the archive ends with
 * the end of central directory record (EOCD, signature PK\5\6, 22 bytes and
 * a comment of up to 65535), which gives the offset and size of the central
 * directory: one header (PK\1\2, 46 bytes, then the name, extra field and
 * comment) per entry, each pointing at the entry's local header (PK\3\4).
 * An archive too large for the EOCD's 16- and 32-bit fields sets them to
 * all ones and puts a ZIP64 EOCD (PK\6\6) before it, found through the
 * ZIP64 locator (PK\6\7) right before the EOCD.
 */
#include "materials.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *const material_documents[] = {"application/pdf", "application/ofd", "image/jpeg",
                                          "image/png", NULL};
const char *const material_documents_and_video[] = {
    "application/pdf", "application/ofd", "image/jpeg", "image/png", "video/mp4", NULL};

const struct material_type *material_type_find(const struct material_type *list, const char *type)
{
    for (; list && list->type; list++)
        if (strcmp(list->type, type) == 0)
            return list;
    return NULL;
}

const char *const *material_accept(const struct material_type *t)
{
    return t->accept ? t->accept : material_documents;
}

bool material_accepts(const struct material_type *t, const char *media_type)
{
    for (const char *const *a = material_accept(t); *a; a++)
        if (strcmp(*a, media_type) == 0)
            return true;
    return false;
}

bool material_needed(const struct material_type *t, const void *data)
{
    switch (t->need) {
    case MATERIAL_REQUIRED:
        return true;
    case MATERIAL_CONDITIONAL:
        return data && t->needed && t->needed(data);
    case MATERIAL_OPTIONAL:
    default:
        return false;
    }
}

/* RFC 9110 §5.6.2 token characters. */
static bool token_char(int c)
{
    return isalnum(c) || (c && strchr("!#$%&'*+-.^_`|~", c));
}

bool media_type_parse(const char *header, char *out)
{
    size_t n = 0;
    bool slash = false;
    const char *p = header;
    out[0] = '\0';
    while (*p == ' ' || *p == '\t')
        p++;
    for (; *p && *p != ';' && *p != ' ' && *p != '\t'; p++) {
        unsigned char c = (unsigned char)*p;
        if (c == '/') {
            if (slash || n == 0)
                return false;
            slash = true;
        } else if (!token_char(c)) {
            return false;
        }
        if (n + 1 >= MEDIA_TYPE_LEN)
            return false;
        out[n++] = (char)tolower(c);
    }
    out[n] = '\0';
    while (*p == ' ' || *p == '\t')
        p++;
    if (*p && *p != ';')
        return false;
    return slash && out[n - 1] != '/';
}

/* ---- reading ------------------------------------------------------------------ */

static void refuse(char *why, size_t cap, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static void refuse(char *why, size_t cap, const char *fmt, ...)
{
    if (!why || cap == 0)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, cap, fmt, ap);
    va_end(ap);
}

static int read_at(const struct byte_source *src, int64_t off, void *buf, size_t len)
{
    if (off < 0 || (uint64_t)off > (uint64_t)src->size || len > (uint64_t)(src->size - off))
        return -1;
    return len == 0 ? 0 : src->read_at(src->ctx, off, buf, len);
}

static unsigned le16(const unsigned char *p)
{
    return (unsigned)p[0] | (unsigned)p[1] << 8;
}

static uint32_t le32(const unsigned char *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint32_t be32(const unsigned char *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | (uint32_t)p[3];
}

static uint64_t le64(const unsigned char *p)
{
    return (uint64_t)le32(p) | (uint64_t)le32(p + 4) << 32;
}

/* ---- ZIP ---------------------------------------------------------------------- */

#define EOCD_LEN         22
#define EOCD_MAX_COMMENT 65535
#define LOCATOR_LEN      20
#define EOCD64_LEN       56
#define CDH_LEN          46

static const unsigned char sig_local[4] = {'P', 'K', 3, 4};
static const unsigned char sig_cdh[4] = {'P', 'K', 1, 2};
static const unsigned char sig_eocd[4] = {'P', 'K', 5, 6};
static const unsigned char sig_locator[4] = {'P', 'K', 6, 7};
static const unsigned char sig_eocd64[4] = {'P', 'K', 6, 6};

/* Where the central directory is: found from the end of src.  0, -1 (not a
 * well-formed ZIP, why set) or -2 (read error). */
static int zip_directory(const struct byte_source *src, int64_t *cd_off, int64_t *cd_len,
                         uint64_t *entries, char *why, size_t cap)
{
    if (src->size < EOCD_LEN) {
        refuse(why, cap, "it is too short to end with a ZIP end of central directory record");
        return -1;
    }
    int64_t tail_len =
        src->size < EOCD_LEN + EOCD_MAX_COMMENT ? src->size : EOCD_LEN + EOCD_MAX_COMMENT;
    int64_t tail_off = src->size - tail_len;
    unsigned char *tail = malloc((size_t)tail_len);
    if (!tail)
        return -2;
    int rc = -2;
    if (read_at(src, tail_off, tail, (size_t)tail_len) != 0)
        goto out;
    /* The record is the last thing in the archive: its comment, whose
     * length it gives, runs exactly to the end. */
    int64_t at = -1;
    for (int64_t i = tail_len - EOCD_LEN; i >= 0; i--)
        if (memcmp(tail + i, sig_eocd, 4) == 0 &&
            i + EOCD_LEN + (int64_t)le16(tail + i + 20) == tail_len) {
            at = i;
            break;
        }
    rc = -1;
    if (at < 0) {
        refuse(why, cap, "it has no ZIP end of central directory record");
        goto out;
    }
    const unsigned char *e = tail + at;
    int64_t eocd_off = tail_off + at;
    uint64_t n = le16(e + 10);
    uint64_t len = le32(e + 12);
    uint64_t off = le32(e + 16);
    int64_t dir_end = eocd_off; /* the directory ends where the records after it start */
    if (le16(e + 4) != 0 || le16(e + 6) != 0) {
        refuse(why, cap, "it is a ZIP archive split over several disks");
        goto out;
    }
    if (n == 0xFFFF || len == 0xFFFFFFFFu || off == 0xFFFFFFFFu) {
        /* ZIP64: the locator sits right before the record. */
        unsigned char loc[LOCATOR_LEN], rec[EOCD64_LEN];
        if (eocd_off < LOCATOR_LEN) {
            refuse(why, cap, "its ZIP64 end of central directory locator is missing");
            goto out;
        }
        if (read_at(src, eocd_off - LOCATOR_LEN, loc, sizeof loc) != 0) {
            rc = -2;
            goto out;
        }
        uint64_t rec_off = le64(loc + 8);
        if (memcmp(loc, sig_locator, 4) != 0 || rec_off > (uint64_t)(eocd_off - LOCATOR_LEN) ||
            (uint64_t)(eocd_off - LOCATOR_LEN) - rec_off < EOCD64_LEN) {
            refuse(why, cap, "its ZIP64 end of central directory locator is missing or wrong");
            goto out;
        }
        if (read_at(src, (int64_t)rec_off, rec, sizeof rec) != 0) {
            rc = -2;
            goto out;
        }
        if (memcmp(rec, sig_eocd64, 4) != 0) {
            refuse(why, cap,
                "its ZIP64 end of central directory record is not where the locator "
                "says");
            goto out;
        }
        n = le64(rec + 32);
        len = le64(rec + 40);
        off = le64(rec + 48);
        dir_end = (int64_t)rec_off;
    }
    if (off > (uint64_t)dir_end || len > (uint64_t)dir_end - off) {
        refuse(why, cap, "its central directory lies outside the archive");
        goto out;
    }
    if (n > len / CDH_LEN) {
        refuse(why, cap, "its central directory is too short for the %llu entries it claims",
            (unsigned long long)n);
        goto out;
    }
    *cd_off = (int64_t)off;
    *cd_len = (int64_t)len;
    *entries = n;
    rc = 0;
out:
    free(tail);
    return rc;
}

int zip_has_entry(const struct byte_source *src, const char *name, char *why, size_t cap)
{
    int64_t cd_off, cd_len;
    uint64_t entries;
    int rc = zip_directory(src, &cd_off, &cd_len, &entries, why, cap);
    if (rc != 0)
        return rc;
    if (cd_len > ZIP_MAX_DIRECTORY) {
        refuse(why, cap, "its central directory is larger than %d bytes", ZIP_MAX_DIRECTORY);
        return -1;
    }
    unsigned char *cd = malloc(cd_len > 0 ? (size_t)cd_len : 1);
    if (!cd)
        return -2;
    rc = -2;
    if (read_at(src, cd_off, cd, (size_t)cd_len) != 0)
        goto out;
    rc = 0;
    size_t name_len = strlen(name), pos = 0;
    for (uint64_t i = 0; i < entries; i++) {
        if ((size_t)cd_len - pos < CDH_LEN || memcmp(cd + pos, sig_cdh, 4) != 0) {
            refuse(why, cap, "entry %llu of its central directory is not a file header",
                (unsigned long long)i + 1);
            rc = -1;
            goto out;
        }
        const unsigned char *h = cd + pos;
        size_t n = le16(h + 28), extra = le16(h + 30), comment = le16(h + 32);
        size_t whole = CDH_LEN + n + extra + comment;
        if ((size_t)cd_len - pos < whole) {
            refuse(why, cap, "entry %llu runs past the end of its central directory",
                (unsigned long long)i + 1);
            rc = -1;
            goto out;
        }
        if (n == name_len && memcmp(h + CDH_LEN, name, n) == 0) {
            /* The directory must point at the entry itself: a local
             * header within the archive, before the directory. */
            uint64_t local = le32(h + 42);
            unsigned char sig[4];
            if (local == 0xFFFFFFFFu) {
                rc = 1; /* in a ZIP64 extra field: the name is what we asked */
                goto out;
            }
            if (local + sizeof sig > (uint64_t)cd_off) {
                refuse(why, cap, "its entry %s points outside the archive", name);
                rc = -1;
                goto out;
            }
            if (read_at(src, (int64_t)local, sig, sizeof sig) != 0) {
                rc = -2;
                goto out;
            }
            if (memcmp(sig, sig_local, 4) != 0) {
                refuse(why, cap, "its entry %s does not point at a local file header", name);
                rc = -1;
                goto out;
            }
            rc = 1;
            goto out;
        }
        pos += whole;
    }
out:
    free(cd);
    return rc;
}

/* ---- sniffing ----------------------------------------------------------------- */

enum sniffed material_sniff(const struct byte_source *src, char *why, size_t cap)
{
    static const unsigned char png[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'};
    unsigned char head[12];
    size_t n = src->size < (int64_t)sizeof head ? (size_t)src->size : sizeof head;
    refuse(why, cap, "%s", "");
    if (src->size <= 0)
        return SNIFF_EMPTY;
    if (read_at(src, 0, head, n) != 0)
        return SNIFF_READ_ERROR;
    if (n >= 5 && memcmp(head, "%PDF-", 5) == 0)
        return SNIFF_PDF;
    if (n >= 8 && memcmp(head, png, 8) == 0)
        return SNIFF_PNG;
    if (n >= 3 && head[0] == 0xFF && head[1] == 0xD8 && head[2] == 0xFF)
        return SNIFF_JPEG;
    /* ISO/IEC 14496-12: a file is a series of boxes (32-bit size, 4-char
     * type); an MP4 file starts with its `ftyp` box. */
    if (n >= 12 && memcmp(head + 4, "ftyp", 4) == 0 && be32(head) >= 12)
        return SNIFF_MP4;
    if (n >= 4 && memcmp(head, sig_local, 4) == 0) {
        int rc = zip_has_entry(src, "OFD.xml", why, cap);
        if (rc == -2)
            return SNIFF_READ_ERROR;
        if (rc == 1)
            return SNIFF_OFD;
        if (rc == 0) {
            refuse(why, cap, "the ZIP archive has no OFD.xml at its root");
            return SNIFF_ZIP;
        }
        return SNIFF_UNKNOWN;
    }
    refuse(why, cap, "its first bytes are none of PDF, OFD, JPEG, PNG or MP4");
    return SNIFF_UNKNOWN;
}

const char *sniffed_media_type(enum sniffed s)
{
    switch (s) {
    case SNIFF_PDF:
        return "application/pdf";
    case SNIFF_OFD:
        return "application/ofd";
    case SNIFF_ZIP:
        return "application/zip";
    case SNIFF_JPEG:
        return "image/jpeg";
    case SNIFF_PNG:
        return "image/png";
    case SNIFF_MP4:
        return "video/mp4";
    default:
        return NULL;
    }
}

const char *sniffed_words(enum sniffed s)
{
    switch (s) {
    case SNIFF_PDF:
        return "a PDF document";
    case SNIFF_OFD:
        return "an OFD document";
    case SNIFF_ZIP:
        return "a ZIP archive that is not an OFD document";
    case SNIFF_JPEG:
        return "a JPEG image";
    case SNIFF_PNG:
        return "a PNG image";
    case SNIFF_MP4:
        return "an MP4 video";
    case SNIFF_EMPTY:
        return "empty";
    case SNIFF_READ_ERROR:
        return "unreadable";
    case SNIFF_UNKNOWN:
    default:
        return "of no type we take";
    }
}

static int buffer_read(void *ctx, int64_t off, void *buf, size_t len)
{
    const struct byte_buffer *b = ctx;
    if (off < 0 || (uint64_t)off > b->len || len > b->len - (size_t)off)
        return -1;
    memcpy(buf, b->data + off, len);
    return 0;
}

struct byte_source byte_source_buffer(struct byte_buffer *b)
{
    return (struct byte_source){.size = (int64_t)b->len, .read_at = buffer_read, .ctx = b};
}
