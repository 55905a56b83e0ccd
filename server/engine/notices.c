/*
 * What the public sees of applications: those under public notice now (公示,
 * RULES.md §1), and a kind's published list of what it certified (407号
 * 第十二条(五), 第十六条: the list and the announcement of revocations).
 */
#include <stdlib.h>
#include <string.h>

#include "date.h"
#include "engine_impl.h"
#include "notice.h"

bool engine_under_notice(const struct app *a, int64_t now, sb_day *starts, sb_day *ends)
{
    json_t *n = json_object_get(a->facts, "notice");
    const char *s = json_string_value(json_object_get(n, "starts_on"));
    const char *e = json_string_value(json_object_get(n, "ends_on"));
    return strcmp(a->row.status, "public_notice") == 0 && s && e && date_parse(s, starts) &&
           date_parse(e, ends) && notice_running(*starts, *ends, now);
}

struct notice_walk {
    int64_t now;
    void (*fn)(const struct app *a, void *ctx);
    void *ctx;
};

static void if_under_notice(const struct app *a, void *ctx)
{
    struct notice_walk *w = ctx;
    sb_day starts, ends;
    if (engine_under_notice(a, w->now, &starts, &ends))
        w->fn(a, w->ctx);
}

enum engine_rc engine_notices(struct engine *e, int64_t now,
                              void (*fn)(const struct app *a, void *ctx), void *ctx)
{
    struct app_filter f = {.statuses = {"public_notice"}, .limit = 200};
    struct notice_walk w = {.now = now, .fn = fn, .ctx = ctx};
    return engine_each(e, &actor_system, &f, now, if_under_notice, &w);
}

/* ---- a kind's public list --------------------------------------------------------- */

struct public_walk {
    struct engine *e;
    int64_t now;
    json_t *entries; /* [id, entry] pairs, sorted at the end */
    bool failed;
};

static void public_entry(const struct app *a, void *ctx)
{
    struct public_walk *w = ctx;
    const struct kind *k = a->kind;
    struct certificate_row cert;
    enum store_rc rc = store_cert_of_app(w->e->store, a->row.id, &cert);
    if (rc == STORE_NOT_FOUND)
        return;
    if (rc != STORE_OK) {
        w->failed = true;
        return;
    }
    json_t *o = k->subject && a->data.typed ? k->subject(a->data.typed) : json_object();
    if (!o) {
        certificate_release(&cert);
        w->failed = true;
        return;
    }
    json_object_set_new(o, "serial", json_string(cert.serial));
    json_object_set_new(o, "application_id", json_integer(a->row.id));
    json_object_set_new(o, "operator",
                        json_pack("{s:s, s:s}", "name",
                                  a->row.applicant_name ? a->row.applicant_name : "", "uscc",
                                  a->row.applicant_uscc));
    json_object_set_new(o, "certified_on", json_string(cert.issued_on));
    const char *status = certificate_status(&cert, w->now);
    if (strcmp(status, "revoked") == 0) {
        bool surrendered = strcmp(cert.revocation_ground, "surrender") == 0;
        json_object_set_new(o, "status", json_string(surrendered ? "surrendered" : "revoked"));
        /* The announcement (公告, 第十六条): when, on which ground, and until
         * when no new application is taken. */
        char revoked_on[DATE_TEXT_LEN];
        int64_t at;
        date_format(clock_parse_rfc3339(cert.revoked_at, &at) == 0 ? date_of_unix(at)
                                                                   : date_of_unix(w->now),
                    revoked_on);
        json_t *ann =
            json_pack("{s:s, s:s}", "revoked_on", revoked_on, "ground", cert.revocation_ground);
        if (ann && cert.revocation_effective_on[0])
            json_object_set_new(ann, "effective_on", json_string(cert.revocation_effective_on));
        for (const char *const *g = k->banning_grounds; ann && k->ban_months > 0 && g && *g; g++)
            if (strcmp(*g, cert.revocation_ground) == 0) {
                sb_day day;
                char until[DATE_TEXT_LEN];
                if (date_parse(revoked_on, &day)) {
                    date_format(kind_ban_until(k, day), until);
                    json_object_set_new(ann, "no_application_before", json_string(until));
                }
            }
        json_object_set_new(o, "revocation", ann ? ann : json_null());
    } else {
        json_t *standing = engine_standing(w->e, k, a->row.id);
        bool rectifying = json_is_true(json_object_get(standing, "under_rectification"));
        json_object_set_new(o, "status",
                            json_string(strcmp(status, "expired") == 0 ? "expired"
                                        : rectifying                   ? "under_rectification"
                                                                       : "certified"));
        if (json_is_object(standing))
            json_object_update(o, standing);
        json_decref(standing);
    }
    certificate_release(&cert);
    json_array_append_new(w->entries, json_pack("[I, o]", (json_int_t)a->row.id, o));
}

static int by_id(const void *x, const void *y)
{
    json_int_t a = json_integer_value(json_array_get(*(json_t *const *)x, 0));
    json_int_t b = json_integer_value(json_array_get(*(json_t *const *)y, 0));
    return (a > b) - (a < b);
}

enum engine_rc engine_public_list(struct engine *e, const struct kind *k, int64_t now,
                                  void (*fn)(json_t *entry, void *ctx), void *ctx)
{
    struct public_walk w = {.e = e, .now = now, .entries = json_array()};
    struct app_filter f = {.kind = k->name, .statuses = {"approved", "revoked"}, .limit = 200};
    enum engine_rc rc = w.entries ? engine_each(e, &actor_system, &f, now, public_entry, &w)
                                  : ENGINE_ERROR;
    if (w.failed && rc == ENGINE_OK)
        rc = ENGINE_ERROR;
    size_t n = json_array_size(w.entries);
    json_t **items = n ? calloc(n, sizeof *items) : NULL;
    if (n && !items)
        rc = ENGINE_ERROR;
    for (size_t i = 0; rc == ENGINE_OK && i < n; i++)
        items[i] = json_array_get(w.entries, i);
    if (rc == ENGINE_OK && n)
        qsort(items, n, sizeof *items, by_id);
    for (size_t i = 0; rc == ENGINE_OK && i < n; i++)
        fn(json_incref(json_array_get(items[i], 1)), ctx);
    free(items);
    json_decref(w.entries);
    return rc;
}
