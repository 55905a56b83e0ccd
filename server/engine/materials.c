/*
 * Materials (申报材料, RULES.md §6): the files of an application.  Who may
 * add and delete them (its owner, while it is a draft or returned), what is
 * taken (the kind's types, the types' media, content that is what it says,
 * within the limits), and reading them back (as the application is seen).
 *
 * An upload is checked twice: before its body is read (what the request
 * line and the headers say: engine_material_precheck), so that a file that
 * would be refused is not received at all, and when it has arrived
 * (engine_material_add), against the bytes themselves and, inside the
 * transaction that stores it, against the application as it is then.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "engine_impl.h"
#include "log.h"
#include "text.h"

/* The longest file name kept, in characters (a name is a label; the bytes
 * are what counts). */
#define FILENAME_CHARS 200

/* The types of kind k in words: "application_form, business_licence, …". */
static void type_names(const struct kind *k, char *out, size_t cap)
{
    out[0] = '\0';
    for (const struct material_type *t = k->materials; t && t->type; t++)
        text_append(out, cap, "%s%s", out[0] ? ", " : "", t->type);
}

static void accept_names(const struct material_type *t, char *out, size_t cap)
{
    out[0] = '\0';
    for (const char *const *a = material_accept(t); *a; a++)
        text_append(out, cap, "%s%s", out[0] ? ", " : "", *a);
}

/* The largest file of type t here. */
static int64_t type_max_bytes(const struct engine *e, const struct material_type *t)
{
    int64_t max = e->settings.material_max_bytes;
    return t->max_bytes > 0 && t->max_bytes < max ? t->max_bytes : max;
}

/* Reads application id for a change to its files by `who`: the owner, the
 * status draft or returned.  ENGINE_OK with *row (caller releases). */
static enum engine_rc writable(struct engine *e, const struct actor *who, int64_t id,
                               struct application *row, struct outcome *out)
{
    enum store_rc rc = id > 0 ? store_app_get(e->store, id, row) : STORE_NOT_FOUND;
    if (rc == STORE_OK && !engine_may_see(e, who, row))
        rc = STORE_NOT_FOUND;
    if (rc == STORE_NOT_FOUND)
        return outcome_set(out, ENGINE_NOT_FOUND, "no application %lld", (long long)id);
    if (rc != STORE_OK)
        return outcome_set(out, ENGINE_ERROR, "the database could not be read");
    if (who->role != ROLE_APPLICANT)
        return outcome_set(out, ENGINE_FORBIDDEN, "only the applicant changes its materials");
    if (strcmp(row->status, "draft") != 0 && strcmp(row->status, "returned") != 0) {
        if (!out->extra)
            out->extra = json_object();
        json_object_set_new(out->extra, "current_status", json_string(row->status));
        return outcome_set(out, ENGINE_REFUSED,
                           "the materials of an application that is %s cannot change; only a "
                           "draft or a returned application's can",
                           row->status);
    }
    return ENGINE_OK;
}

/* The kind's type `type` and the media type the client declared, checked:
 * 422 for a type the kind does not have, 415 for a media type the type does
 * not take.  *t, media (MEDIA_TYPE_LEN) are set on ENGINE_OK. */
static enum engine_rc check_type(const struct kind *k, const char *type, const char *content_type,
                                 const struct material_type **t, char *media, struct outcome *out)
{
    char names[1024];
    *t = type ? material_type_find(k->materials, type) : NULL;
    if (!*t) {
        type_names(k, names, sizeof names);
        spec_errors_add(&out->errs, "/type", "%s is not a material type of %s; it takes %s",
                        type ? type : "(none)", k->name, names[0] ? names : "none");
        return outcome_invalid(out);
    }
    accept_names(*t, names, sizeof names);
    if (!content_type || !media_type_parse(content_type, media))
        return outcome_set(out, ENGINE_UNSUPPORTED,
                           "send the file's media type as Content-Type: one of %s", names);
    if (!material_accepts(*t, media))
        return outcome_set(out, ENGINE_UNSUPPORTED, "%s is not taken for %s; it takes %s", media,
                           (*t)->type, names);
    return ENGINE_OK;
}

static enum engine_rc too_large(struct outcome *out, int64_t bytes, int64_t max)
{
    return outcome_set(out, ENGINE_TOO_LARGE,
                       "the file has %lld bytes; a file of this type may have at most %lld",
                       (long long)bytes, (long long)max);
}

enum engine_rc engine_material_precheck(struct engine *e, const struct actor *who, int64_t id,
                                        const char *type, const char *content_type,
                                        int64_t declared_bytes, int64_t *max_bytes,
                                        struct outcome *out)
{
    struct application row = {0};
    enum engine_rc rc = writable(e, who, id, &row, out);
    const struct kind *k = rc == ENGINE_OK ? kind_find(row.kind) : NULL;
    const struct material_type *t = NULL;
    char media[MEDIA_TYPE_LEN];
    if (rc == ENGINE_OK && !k)
        rc =
            outcome_set(out, ENGINE_ERROR, "application %lld is of an unknown kind", (long long)id);
    if (rc == ENGINE_OK)
        rc = check_type(k, type, content_type, &t, media, out);
    if (rc == ENGINE_OK) {
        *max_bytes = type_max_bytes(e, t);
        if (declared_bytes > *max_bytes)
            rc = too_large(out, declared_bytes, *max_bytes);
    }
    application_release(&row);
    return rc;
}

/* ---- adding ---------------------------------------------------------------------- */

struct addition {
    struct engine *e;
    const struct actor *who;
    int64_t id;
    struct material *m;
    const struct byte_source *src;
    struct outcome *out;
};

/* In the transaction: the application may still take files, and this one
 * fits beside the others. */
static enum store_rc tx_add(struct store_tx *tx, void *ctx)
{
    struct addition *ad = ctx;
    struct application row = {0};
    enum store_rc rc = store_app_get_tx(tx, ad->id, &row);
    if (rc != STORE_OK) {
        application_release(&row);
        outcome_set(ad->out, rc == STORE_NOT_FOUND ? ENGINE_NOT_FOUND : ENGINE_ERROR,
                    "application %lld could not be read", (long long)ad->id);
        return rc == STORE_NOT_FOUND ? STORE_CONFLICT : rc;
    }
    bool open = strcmp(row.status, "draft") == 0 || strcmp(row.status, "returned") == 0;
    if (!open) {
        outcome_set(ad->out, ENGINE_REFUSED,
                    "application %lld became %s meanwhile; its materials cannot change",
                    (long long)ad->id, row.status);
        application_release(&row);
        return STORE_CONFLICT;
    }
    application_release(&row);
    int64_t total = 0;
    if (store_materials_bytes(tx, ad->id, &total) != STORE_OK) {
        outcome_set(ad->out, ENGINE_ERROR, "the database could not be read");
        return STORE_ERROR;
    }
    int64_t max = ad->e->settings.materials_max_bytes;
    if (total + ad->m->bytes > max) {
        outcome_set(ad->out, ENGINE_TOO_LARGE,
                    "the files of an application may have at most %lld bytes together; it has "
                    "%lld, and this one has %lld",
                    (long long)max, (long long)total, (long long)ad->m->bytes);
        return STORE_CONFLICT;
    }
    rc = store_material_add(tx, ad->m, ad->src);
    if (rc != STORE_OK)
        outcome_set(ad->out, ENGINE_ERROR, "the database could not store the file");
    return rc;
}

/* A file name that is fine to keep and show: valid UTF-8 (the request
 * layer sees to that), no control characters, no directory part, at most
 * FILENAME_CHARS characters (cut at a character). */
static char *clean_filename(const char *name, const char *type, const char *media)
{
    const char *base = name && text_utf8_valid(name, strlen(name)) ? name : "";
    for (const char *p = base; *p; p++)
        if (*p == '/' || *p == '\\')
            base = p + 1;
    size_t len = strlen(base);
    char *out = malloc(len + 64);
    if (!out)
        return NULL;
    size_t n = 0;
    for (size_t i = 0; i < len; i++)
        out[n++] = (unsigned char)base[i] < 0x20 || base[i] == 0x7F ? '_' : base[i];
    out[n] = '\0';
    if (n == 0 || strcmp(out, ".") == 0 || strcmp(out, "..") == 0) {
        const char *ext = strrchr(media, '/');
        snprintf(out, len + 64, "%s.%s", type, ext ? ext + 1 : "bin");
    }
    /* Cut before the first byte of character FILENAME_CHARS + 1. */
    size_t chars = 0;
    for (size_t i = 0; out[i]; i++)
        if (((unsigned char)out[i] & 0xC0) != 0x80 && ++chars > FILENAME_CHARS) {
            out[i] = '\0';
            break;
        }
    return out;
}

enum engine_rc engine_material_add(struct engine *e, const struct actor *who, int64_t id,
                                   const struct material_input *in, int64_t now,
                                   struct material *made, struct outcome *out)
{
    struct application row = {0};
    memset(made, 0, sizeof *made);
    enum engine_rc rc = writable(e, who, id, &row, out);
    const struct kind *k = rc == ENGINE_OK ? kind_find(row.kind) : NULL;
    application_release(&row);
    if (rc != ENGINE_OK)
        return rc;
    if (!k)
        return outcome_set(out, ENGINE_ERROR, "application %lld is of an unknown kind",
                           (long long)id);
    const struct material_type *t;
    char media[MEDIA_TYPE_LEN];
    if ((rc = check_type(k, in->type, in->content_type, &t, media, out)) != ENGINE_OK)
        return rc;
    int64_t max = type_max_bytes(e, t);
    if (in->src.size > max)
        return too_large(out, in->src.size, max);

    /* The content must be what the client says it is. */
    char why[256];
    enum sniffed s = material_sniff(&in->src, why, sizeof why);
    if (s == SNIFF_READ_ERROR)
        return outcome_set(out, ENGINE_ERROR, "the file received could not be read back");
    const char *is = sniffed_media_type(s);
    if (!is || strcmp(is, media) != 0)
        return outcome_set(out, ENGINE_UNSUPPORTED, "the content is %s, not %s%s%s",
                           sniffed_words(s), media, why[0] ? ": " : "", why);

    made->application_id = id;
    snprintf(made->type, sizeof made->type, "%s", t->type);
    snprintf(made->content_type, sizeof made->content_type, "%s", media);
    made->filename = clean_filename(in->filename, t->type, media);
    made->bytes = in->src.size;
    memcpy(made->sha256, in->sha256, MATERIAL_SHA256_LEN);
    clock_format_rfc3339(now, made->uploaded_at);
    made->uploaded_by = who->account;
    if (!made->filename)
        return outcome_set(out, ENGINE_ERROR, "out of memory");
    struct addition ad = {e, who, id, made, &in->src, out};
    enum store_rc src = store_write(e->store, tx_add, &ad);
    if (src != STORE_OK) {
        material_release(made);
        return out->rc != ENGINE_OK
                   ? out->rc
                   : outcome_set(out, ENGINE_ERROR, "the database could not store the file");
    }
    return out->rc = ENGINE_OK;
}

/* ---- reading ---------------------------------------------------------------------- */

json_t *material_to_json(const struct material *m)
{
    char hex[MATERIAL_SHA256_LEN * 2 + 1];
    sodium_bin2hex(hex, sizeof hex, m->sha256, MATERIAL_SHA256_LEN);
    json_t *o =
        json_pack("{s:I, s:s, s:s, s:s, s:I, s:s, s:s}", "id", (json_int_t)m->id, "type", m->type,
                  "filename", m->filename ? m->filename : "", "content_type", m->content_type,
                  "bytes", (json_int_t)m->bytes, "sha256", hex, "uploaded_at", m->uploaded_at);
    if (o && m->deleted_at[0])
        json_object_set_new(o, "deleted_at", json_string(m->deleted_at));
    return o;
}

struct listed {
    json_t *items;
    const struct material_type *types;
    bool have[64];
    bool failed;
};

static void list_one(const struct material *m, void *ctx)
{
    struct listed *l = ctx;
    json_t *item = material_to_json(m);
    if (!item || json_array_append_new(l->items, item) != 0)
        l->failed = true;
    for (size_t i = 0; l->types && l->types[i].type && i < 64; i++)
        if (strcmp(l->types[i].type, m->type) == 0)
            l->have[i] = true;
}

enum engine_rc engine_materials(struct engine *e, const struct actor *who, int64_t id, int64_t now,
                                json_t **doc, struct outcome *out)
{
    struct app *a = NULL;
    *doc = NULL;
    enum engine_rc rc = engine_get(e, who, id, now, &a);
    if (rc == ENGINE_NOT_FOUND)
        return outcome_set(out, rc, "no application %lld", (long long)id);
    if (rc != ENGINE_OK)
        return outcome_set(out, rc, "the application could not be read");
    struct listed l = {.items = json_array(), .types = a->kind->materials};
    json_t *missing = json_array(), *needed = json_array();
    if (!l.items || !missing || !needed ||
        store_materials_of(e->store, id, list_one, &l) != STORE_OK || l.failed) {
        json_decref(l.items);
        json_decref(missing);
        json_decref(needed);
        app_free(a);
        return outcome_set(out, ENGINE_ERROR, "the materials could not be read");
    }
    for (size_t i = 0; l.types && l.types[i].type && i < 64; i++) {
        if (!material_needed(&l.types[i], a->data.typed))
            continue;
        json_array_append_new(needed, json_string(l.types[i].type));
        if (!l.have[i])
            json_array_append_new(missing, json_string(l.types[i].type));
    }
    app_free(a);
    *doc = json_pack("{s:o, s:o, s:o}", "items", l.items, "needed", needed, "missing", missing);
    return *doc ? (out->rc = ENGINE_OK) : outcome_set(out, ENGINE_ERROR, "out of memory");
}

enum engine_rc engine_material_get(struct engine *e, const struct actor *who, int64_t id,
                                   int64_t mid, struct material *m, struct outcome *out)
{
    struct application row = {0};
    memset(m, 0, sizeof *m);
    enum store_rc rc = id > 0 ? store_app_get(e->store, id, &row) : STORE_NOT_FOUND;
    if (rc == STORE_OK && !engine_may_see(e, who, &row))
        rc = STORE_NOT_FOUND;
    application_release(&row);
    if (rc == STORE_NOT_FOUND)
        return outcome_set(out, ENGINE_NOT_FOUND, "no application %lld", (long long)id);
    if (rc == STORE_OK)
        rc = mid > 0 ? store_material_get(e->store, id, mid, m) : STORE_NOT_FOUND;
    if (rc == STORE_NOT_FOUND)
        return outcome_set(out, ENGINE_NOT_FOUND, "application %lld has no file %lld",
                           (long long)id, (long long)mid);
    if (rc != STORE_OK)
        return outcome_set(out, ENGINE_ERROR, "the database could not be read");
    return out->rc = ENGINE_OK;
}

int engine_material_read(struct engine *e, int64_t mid, int64_t off, void *buf, size_t len)
{
    return store_material_read(e->store, mid, off, buf, len) == STORE_OK ? 0 : -1;
}

/* ---- deleting ----------------------------------------------------------------------- */

struct deletion {
    int64_t id, mid;
    const char *at;
    struct outcome *out;
};

static enum store_rc tx_delete(struct store_tx *tx, void *ctx)
{
    struct deletion *d = ctx;
    struct application row = {0};
    enum store_rc rc = store_app_get_tx(tx, d->id, &row);
    bool open =
        rc == STORE_OK && (strcmp(row.status, "draft") == 0 || strcmp(row.status, "returned") == 0);
    if (rc == STORE_OK && !open)
        outcome_set(d->out, ENGINE_REFUSED,
                    "application %lld became %s meanwhile; its materials cannot change",
                    (long long)d->id, row.status);
    application_release(&row);
    if (rc != STORE_OK) {
        outcome_set(d->out, ENGINE_ERROR, "the database could not be read");
        return rc;
    }
    if (!open)
        return STORE_CONFLICT;
    rc = store_material_delete(tx, d->id, d->mid, d->at);
    if (rc == STORE_NOT_FOUND) {
        outcome_set(d->out, ENGINE_NOT_FOUND, "application %lld has no file %lld", (long long)d->id,
                    (long long)d->mid);
        return STORE_CONFLICT;
    }
    if (rc != STORE_OK)
        outcome_set(d->out, ENGINE_ERROR, "the database could not delete the file");
    return rc;
}

enum engine_rc engine_material_delete(struct engine *e, const struct actor *who, int64_t id,
                                      int64_t mid, int64_t now, struct outcome *out)
{
    struct application row = {0};
    enum engine_rc rc = writable(e, who, id, &row, out);
    application_release(&row);
    if (rc != ENGINE_OK)
        return rc;
    char at[RFC3339_LEN];
    clock_format_rfc3339(now, at);
    struct deletion d = {id, mid, at, out};
    if (store_write(e->store, tx_delete, &d) != STORE_OK)
        return out->rc != ENGINE_OK
                   ? out->rc
                   : outcome_set(out, ENGINE_ERROR, "the database could not delete the file");
    return out->rc = ENGINE_OK;
}

/* ---- the types ---------------------------------------------------------------------- */

json_t *engine_material_types(const struct engine *e, const struct kind *k)
{
    json_t *items = json_array();
    for (const struct material_type *t = k->materials; items && t && t->type; t++) {
        json_t *accept = json_array();
        for (const char *const *a = material_accept(t); accept && *a; a++)
            json_array_append_new(accept, json_string(*a));
        json_t *required = t->need == MATERIAL_REQUIRED      ? json_true()
                           : t->need == MATERIAL_CONDITIONAL ? json_string("conditional")
                                                             : json_false();
        json_t *item =
            json_pack("{s:s, s:s, s:s, s:o, s:o, s:o, s:o, s:I}", "type", t->type, "title_zh",
                      t->title_zh, "title_en", t->title_en, "required", required, "condition",
                      t->condition ? json_string(t->condition) : json_null(), "condition_zh",
                      t->condition_zh ? json_string(t->condition_zh) : json_null(), "accept",
                      accept, "max_bytes", (json_int_t)type_max_bytes(e, t));
        if (!item || json_array_append_new(items, item) != 0) {
            json_decref(items);
            return NULL;
        }
    }
    return items ? json_pack("{s:o}", "items", items) : NULL;
}
