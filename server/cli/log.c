/*
 * The log of what happens to applications: shenbao tick (the transitions
 * due at an instant) and shenbao audit verify (the hash chain).
 */
#include <stdio.h>

#include "calendar.h"
#include "cli.h"
#include "clock.h"

static void print_tick(const struct application *a, const char *what, void *ctx)
{
    (void)ctx;
    printf("application %lld (%s, %s): %s\n", (long long)a->id, a->kind, a->applicant_name, what);
}

int cmd_tick(struct cli *c)
{
    if (!c->now)
        return fail("tick: --now RFC3339 is required");
    int64_t now;
    if (clock_parse_rfc3339(c->now, &now) != 0)
        return fail("tick: --now: \"%s\" is not an RFC 3339 date-time", c->now);
    struct store *s = open_store(&c->cfg);
    if (!s)
        return 1;
    if (check_key_directory(&c->cfg, s) != 0) {
        store_free(s);
        return 1;
    }
    struct signing_key key = {0};
    struct calendar *cal = load_calendar(&c->cfg);
    struct engine e;
    int n = -1;
    if (cal && engine_setup(&e, s, cal, &c->cfg) == 0 && load_signing_key(&c->cfg, s, &key) == 0) {
        atomic_store(&e.key, &key);
        n = engine_tick(&e, now, print_tick, NULL);
    }
    sign_key_free(&key);
    calendar_free(cal);
    store_free(s);
    if (n == ENGINE_TICK_BUSY) {
        printf("another server is performing the transitions now; nothing done\n");
        return 0;
    }
    if (n < 0)
        return fail("tick: the database could not complete the transitions");
    printf("%d application%s approved\n", n, n == 1 ? "" : "s");
    return 0;
}

/* ---- audit verify ------------------------------------------------------- */

int cmd_audit_verify(struct cli *c)
{
    char err[512];
    struct store *s = store_open_readonly(c->cfg.db, err, sizeof err);
    if (!s)
        return fail("%s", err);
    int64_t count = 0;
    int rc = engine_audit_verify(s, &count, err, sizeof err);
    store_free(s);
    if (rc == -2)
        return fail("audit verify: the events could not be read");
    if (rc != 0)
        return fail("audit verify: %s", err);
    printf("audit verify: %lld events, the chain is intact\n", (long long)count);
    return 0;
}
