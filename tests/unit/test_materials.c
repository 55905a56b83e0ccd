/*
 * Materials (RULES.md §6): what a file is by its bytes — the magic bytes
 * of PDF, JPEG, PNG and MP4, and OFD as a ZIP package whose central
 * directory names OFD.xml at its root — and each kind's material types.
 */
#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kinds.h"
#include "materials.h"

/* ---- building ZIP archives ------------------------------------------------------ */

struct zbuf {
    unsigned char data[1 << 16];
    size_t len;
};

static void put(struct zbuf *b, const void *p, size_t n)
{
    ck_assert_uint_le(b->len + n, sizeof b->data);
    memcpy(b->data + b->len, p, n);
    b->len += n;
}

static void u16(struct zbuf *b, unsigned v)
{
    unsigned char x[2] = {(unsigned char)v, (unsigned char)(v >> 8)};
    put(b, x, 2);
}

static void u32(struct zbuf *b, uint32_t v)
{
    u16(b, v & 0xFFFF);
    u16(b, v >> 16);
}

static void u64(struct zbuf *b, uint64_t v)
{
    u32(b, (uint32_t)v);
    u32(b, (uint32_t)(v >> 32));
}

enum zip_flaw {
    ZIP_SOUND = 0,
    ZIP_ZIP64,       /* the end records of ZIP64 */
    ZIP_COMMENT,     /* an archive comment after the end record */
    ZIP_BAD_OFFSET,  /* the directory's offset points past the archive */
    ZIP_TOO_MANY,    /* the end record claims more entries than the directory holds */
    ZIP_BAD_LOCAL,   /* an entry points at bytes that are no local header */
    ZIP_NO_END,      /* the end record cut off */
    ZIP_SPLIT,       /* a multi-disk archive */
    ZIP_BAD_LOCATOR, /* ZIP64 end records, the locator pointing nowhere */
};

/* A ZIP of stored (uncompressed) entries named names[0..n), each holding
 * its own name as content. */
static void zip_build(struct zbuf *b, const char *const *names, size_t n, enum zip_flaw flaw)
{
    uint32_t offsets[16];
    ck_assert_uint_le(n, 16);
    b->len = 0;
    for (size_t i = 0; i < n; i++) {
        size_t len = strlen(names[i]);
        offsets[i] = (uint32_t)b->len;
        put(b, "PK\3\4", 4);
        u16(b, 20), u16(b, 0), u16(b, 0), u16(b, 0), u16(b, 0);
        u32(b, 0), u32(b, (uint32_t)len), u32(b, (uint32_t)len);
        u16(b, (unsigned)len), u16(b, 0);
        put(b, names[i], len);
        put(b, names[i], len);
    }
    uint32_t cd_off = (uint32_t)b->len;
    for (size_t i = 0; i < n; i++) {
        size_t len = strlen(names[i]);
        put(b, "PK\1\2", 4);
        u16(b, 20), u16(b, 20), u16(b, 0), u16(b, 0), u16(b, 0), u16(b, 0);
        u32(b, 0), u32(b, (uint32_t)len), u32(b, (uint32_t)len);
        u16(b, (unsigned)len), u16(b, 0), u16(b, 0), u16(b, 0), u16(b, 0), u32(b, 0);
        u32(b, flaw == ZIP_BAD_LOCAL ? offsets[i] + 1 : offsets[i]);
        put(b, names[i], len);
    }
    uint32_t cd_len = (uint32_t)b->len - cd_off;
    if (flaw == ZIP_ZIP64 || flaw == ZIP_BAD_LOCATOR) {
        uint64_t rec = b->len;
        put(b, "PK\6\6", 4);
        u64(b, 44), u16(b, 45), u16(b, 45), u32(b, 0), u32(b, 0);
        u64(b, n), u64(b, n), u64(b, cd_len), u64(b, cd_off);
        put(b, "PK\6\7", 4);
        u32(b, 0), u64(b, flaw == ZIP_BAD_LOCATOR ? rec + 3 : rec), u32(b, 1);
        put(b, "PK\5\6", 4);
        u16(b, 0), u16(b, 0), u16(b, 0xFFFF), u16(b, 0xFFFF);
        u32(b, 0xFFFFFFFFu), u32(b, 0xFFFFFFFFu), u16(b, 0);
        return;
    }
    put(b, "PK\5\6", 4);
    u16(b, flaw == ZIP_SPLIT ? 1 : 0), u16(b, 0);
    u16(b, (unsigned)n), u16(b, flaw == ZIP_TOO_MANY ? (unsigned)n + 5 : (unsigned)n);
    if (flaw == ZIP_TOO_MANY) {
        b->data[b->len - 4] = (unsigned char)(n + 5); /* this disk's count too */
    }
    u32(b, cd_len), u32(b, flaw == ZIP_BAD_OFFSET ? cd_off + 1000 : cd_off);
    if (flaw == ZIP_COMMENT) {
        u16(b, 11);
        put(b, "PK\5\6 fake!", 11); /* a signature inside the comment misleads nobody */
    } else {
        u16(b, 0);
    }
    if (flaw == ZIP_NO_END)
        b->len -= 10;
}

static enum sniffed sniff(const void *data, size_t len, char *why, size_t cap)
{
    struct byte_buffer buf = {data, len};
    struct byte_source src = byte_source_buffer(&buf);
    return material_sniff(&src, why, cap);
}

/* ---- OFD: a ZIP whose root holds OFD.xml ------------------------------------------- */

static const char *const ofd_names[] = {"OFD.xml", "Doc_0/Document.xml",
                                        "Doc_0/Pages/Page_0/Content.xml"};
static const char *const nested_names[] = {"Doc_0/OFD.xml", "Doc_0/Document.xml"};
static const char *const lower_names[] = {"ofd.xml", "Doc_0/Document.xml"};
static const char *const late_names[] = {"a", "b", "c", "d", "e", "f", "g", "OFD.xml"};
static const char *const dir_names[] = {"x/", "OFD.xml/", "OFD.xmlx"};

static const struct {
    const char *what;
    const char *const *names;
    size_t n;
    enum zip_flaw flaw;
    enum sniffed want;
} zip_cases[] = {
    {"OFD.xml at the root", ofd_names, 3, ZIP_SOUND, SNIFF_OFD},
    {"OFD.xml only in a folder", nested_names, 2, ZIP_SOUND, SNIFF_ZIP},
    {"ofd.xml in lower case", lower_names, 2, ZIP_SOUND, SNIFF_ZIP},
    {"names that merely start with OFD.xml", dir_names, 3, ZIP_SOUND, SNIFF_ZIP},
    {"OFD.xml as the last of many", late_names, 8, ZIP_SOUND, SNIFF_OFD},
    {"an empty archive", NULL, 0, ZIP_SOUND, SNIFF_ZIP},
    {"ZIP64 end records", ofd_names, 3, ZIP_ZIP64, SNIFF_OFD},
    {"an archive comment", ofd_names, 3, ZIP_COMMENT, SNIFF_OFD},
    {"the directory outside the archive", ofd_names, 3, ZIP_BAD_OFFSET, SNIFF_UNKNOWN},
    {"more entries claimed than held", ofd_names, 3, ZIP_TOO_MANY, SNIFF_UNKNOWN},
    {"an entry pointing at no local header", ofd_names, 3, ZIP_BAD_LOCAL, SNIFF_UNKNOWN},
    {"the end record cut off", ofd_names, 3, ZIP_NO_END, SNIFF_UNKNOWN},
    {"a split archive", ofd_names, 3, ZIP_SPLIT, SNIFF_UNKNOWN},
    {"a ZIP64 locator pointing nowhere", ofd_names, 3, ZIP_BAD_LOCATOR, SNIFF_UNKNOWN},
};

#define N_ZIP (sizeof zip_cases / sizeof zip_cases[0])

START_TEST(test_zip)
{
    static struct zbuf b;
    char why[256];
    zip_build(&b, zip_cases[_i].names, zip_cases[_i].n, zip_cases[_i].flaw);
    if (zip_cases[_i].n == 0)
        ck_assert_int_eq(b.data[0], 'P'); /* an empty archive starts with its end record */
    enum sniffed got = sniff(b.data, b.len, why, sizeof why);
    /* An empty archive has no local header to start with: it is no ZIP we
     * recognise by its first bytes. */
    enum sniffed want = zip_cases[_i].n == 0 ? SNIFF_UNKNOWN : zip_cases[_i].want;
    ck_assert_msg(got == want, "%s: sniffed %d (%s), want %d", zip_cases[_i].what, got, why, want);
    if (want == SNIFF_UNKNOWN)
        ck_assert_msg(why[0] != '\0', "%s: no reason given", zip_cases[_i].what);
}
END_TEST

/* zip_has_entry() itself: whole names at the root, exactly. */
START_TEST(test_zip_has_entry)
{
    static struct zbuf b;
    char why[256];
    zip_build(&b, ofd_names, 3, ZIP_SOUND);
    struct byte_buffer buf = {b.data, b.len};
    struct byte_source src = byte_source_buffer(&buf);
    ck_assert_int_eq(zip_has_entry(&src, "OFD.xml", why, sizeof why), 1);
    ck_assert_int_eq(zip_has_entry(&src, "Doc_0/Document.xml", why, sizeof why), 1);
    ck_assert_int_eq(zip_has_entry(&src, "Document.xml", why, sizeof why), 0);
    ck_assert_int_eq(zip_has_entry(&src, "OFD.xm", why, sizeof why), 0);
    /* Not a ZIP at all. */
    struct byte_buffer text = {(const unsigned char *)"just some text, no archive", 26};
    struct byte_source t = byte_source_buffer(&text);
    ck_assert_int_eq(zip_has_entry(&t, "OFD.xml", why, sizeof why), -1);
    ck_assert_str_eq(why, "it has no ZIP end of central directory record");
}
END_TEST

static int failing_read(void *ctx, int64_t off, void *buf, size_t len)
{
    (void)ctx, (void)off, (void)buf, (void)len;
    return -1;
}

START_TEST(test_read_error)
{
    struct byte_source src = {.size = 100, .read_at = failing_read};
    ck_assert_int_eq(material_sniff(&src, NULL, 0), SNIFF_READ_ERROR);
}
END_TEST

/* ---- magic bytes ------------------------------------------------------------------ */

static const struct {
    const char *what;
    const char *bytes;
    size_t len;
    enum sniffed want;
} magic_cases[] = {
    {"PDF", "%PDF-1.7\n", 9, SNIFF_PDF},
    {"PDF, the shortest", "%PDF-", 5, SNIFF_PDF},
    {"%PDF without its dash", "%PDF", 4, SNIFF_UNKNOWN},
    {"PDF not at the start", " %PDF-1.7", 9, SNIFF_UNKNOWN},
    {"PNG", "\x89PNG\r\n\x1a\n\0\0\0\rIHDR", 16, SNIFF_PNG},
    {"PNG signature cut", "\x89PNG\r\n\x1a", 7, SNIFF_UNKNOWN},
    {"JPEG", "\xff\xd8\xff\xe0\0\x10JFIF", 10, SNIFF_JPEG},
    {"JPEG, two bytes only", "\xff\xd8", 2, SNIFF_UNKNOWN},
    {"MP4",
     "\0\0\0\x20"
     "ftypisom\0\0\2\0",
     16, SNIFF_MP4},
    {"MP4 box too small",
     "\0\0\0\x04"
     "ftypisom",
     12, SNIFF_UNKNOWN},
    {"ftyp not where it belongs", "ftypisom\0\0\0\x20", 12, SNIFF_UNKNOWN},
    {"a ZIP local header and nothing else", "PK\3\4", 4, SNIFF_UNKNOWN},
    {"text", "hello, world", 12, SNIFF_UNKNOWN},
    {"nothing", "", 0, SNIFF_EMPTY},
};

#define N_MAGIC (sizeof magic_cases / sizeof magic_cases[0])

START_TEST(test_magic)
{
    char why[256];
    enum sniffed got = sniff(magic_cases[_i].bytes, magic_cases[_i].len, why, sizeof why);
    ck_assert_msg(got == magic_cases[_i].want, "%s: sniffed %d, want %d", magic_cases[_i].what, got,
                  magic_cases[_i].want);
}
END_TEST

START_TEST(test_sniffed_names)
{
    ck_assert_str_eq(sniffed_media_type(SNIFF_PDF), "application/pdf");
    ck_assert_str_eq(sniffed_media_type(SNIFF_OFD), "application/ofd");
    ck_assert_str_eq(sniffed_media_type(SNIFF_ZIP), "application/zip");
    ck_assert_str_eq(sniffed_media_type(SNIFF_JPEG), "image/jpeg");
    ck_assert_str_eq(sniffed_media_type(SNIFF_PNG), "image/png");
    ck_assert_str_eq(sniffed_media_type(SNIFF_MP4), "video/mp4");
    ck_assert_ptr_null(sniffed_media_type(SNIFF_UNKNOWN));
    ck_assert_ptr_null(sniffed_media_type(SNIFF_EMPTY));
    ck_assert_str_eq(sniffed_words(SNIFF_PNG), "a PNG image");
}
END_TEST

/* ---- media types ------------------------------------------------------------------ */

static const struct {
    const char *header;
    const char *want; /* NULL: refused */
} media_cases[] = {
    {"application/pdf", "application/pdf"},
    {"Application/PDF", "application/pdf"},
    {"application/pdf; charset=binary", "application/pdf"},
    {"  image/png  ", "image/png"},
    {"image/png ;q=1", "image/png"},
    {"application/ofd", "application/ofd"},
    {"pdf", NULL},
    {"/pdf", NULL},
    {"application/", NULL},
    {"application/pdf/x", NULL},
    {"application/p df", NULL},
    {"", NULL},
    {"application/pdf\x01", NULL},
    {"application/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
     NULL},
};

#define N_MEDIA (sizeof media_cases / sizeof media_cases[0])

START_TEST(test_media_type)
{
    char out[MEDIA_TYPE_LEN];
    bool ok = media_type_parse(media_cases[_i].header, out);
    if (media_cases[_i].want) {
        ck_assert_msg(ok, "%s refused", media_cases[_i].header);
        ck_assert_str_eq(out, media_cases[_i].want);
    } else {
        ck_assert_msg(!ok, "%s taken as %s", media_cases[_i].header, out);
    }
}
END_TEST

/* ---- the kinds' types (RULES.md §6) ---------------------------------------------- */

static bool always(const void *data)
{
    (void)data;
    return true;
}

START_TEST(test_needed)
{
    struct material_type req = {"a", "甲", "A", MATERIAL_REQUIRED};
    struct material_type opt = {"b", "乙", "B", MATERIAL_OPTIONAL};
    struct material_type cond = {"c", "丙", "C", MATERIAL_CONDITIONAL, always, "always", "总是"};
    int data = 0;
    ck_assert(material_needed(&req, NULL));
    ck_assert(material_needed(&req, &data));
    ck_assert(!material_needed(&opt, &data));
    ck_assert(material_needed(&cond, &data));
    /* Data that no longer parses cannot say what it needs. */
    ck_assert(!material_needed(&cond, NULL));
    ck_assert(material_accepts(&req, "application/ofd"));
    ck_assert(!material_accepts(&req, "video/mp4"));
    struct material_type video = {"m", "视频", "Video", MATERIAL_REQUIRED,
                                  .accept = material_documents_and_video};
    ck_assert(material_accepts(&video, "video/mp4"));
    ck_assert(material_accepts(&video, "image/png"));
}
END_TEST

/* Each kind's types as RULES.md §6 lists them: id and whether required. */
static const struct {
    const char *kind;
    const char *types; /* "type:R" required, ":C" conditional, ":O" optional */
} kind_types[] = {
    {"incubator", "application_form:R business_licence:R service_description:R audit_report:R "
                  "financial_statements:R"},
    {"first_store", "application_form:R expense_list:R commitment:R funding_summary:R "
                    "legal_documents:R financial_statements:R store_evidence:C "
                    "agency_agreement:C introduction_agreement:C event_photos:C other:O"},
    {"tourism_award", "written_application:R annual_financials:R statistics_report:R "
                      "charter_evidence:C special_award_evidence:C other:O"},
};

#define N_KIND_TYPES (sizeof kind_types / sizeof kind_types[0])

START_TEST(test_kind_types)
{
    const struct kind *k = kind_find(kind_types[_i].kind);
    char got[1024] = "";
    ck_assert_ptr_nonnull(k);
    for (const struct material_type *t = k->materials; t && t->type; t++) {
        char one[96];
        snprintf(one, sizeof one, "%s%s:%c", got[0] ? " " : "", t->type,
                 t->need == MATERIAL_REQUIRED      ? 'R'
                 : t->need == MATERIAL_CONDITIONAL ? 'C'
                                                   : 'O');
        strncat(got, one, sizeof got - strlen(got) - 1);
        ck_assert_msg(t->title_zh && t->title_zh[0] && t->title_en && t->title_en[0],
                      "%s has no titles", t->type);
        ck_assert_msg(t->need != MATERIAL_CONDITIONAL ||
                          (t->needed && t->condition && t->condition_zh),
                      "%s is conditional without its condition", t->type);
        ck_assert(!material_accepts(t, "video/mp4"));
    }
    ck_assert_str_eq(got, kind_types[_i].types);
}
END_TEST

static Suite *materials_suite(void)
{
    Suite *s = suite_create("materials");
    TCase *tc = tcase_create("core");
    tcase_add_loop_test(tc, test_zip, 0, N_ZIP);
    tcase_add_test(tc, test_zip_has_entry);
    tcase_add_test(tc, test_read_error);
    tcase_add_loop_test(tc, test_magic, 0, N_MAGIC);
    tcase_add_test(tc, test_sniffed_names);
    tcase_add_loop_test(tc, test_media_type, 0, N_MEDIA);
    tcase_add_test(tc, test_needed);
    tcase_add_loop_test(tc, test_kind_types, 0, N_KIND_TYPES);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(materials_suite());
    int failures;

    srunner_run_all(sr, CK_NORMAL);
    failures = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failures != 0 ? EXIT_FAILURE : EXIT_SUCCESS;
}
