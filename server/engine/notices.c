/*
 * The public notice (公示, RULES.md §1) as the public sees it: the
 * applications under notice now.
 */
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
