/*
 * The log of what happens to applications: shenbao tick (the transitions
 * due at an instant) and shenbao audit verify (the hash chain, the
 * transparency log, and a checkpoint saved earlier).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

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
    if (n < 0)
        return fail("tick: the database could not complete the transitions");
    printf("%d application%s approved\n", n, n == 1 ? "" : "s");
    return 0;
}

/* ---- audit verify ------------------------------------------------------- */

/* Reads and opens the checkpoint file against the log key in the key
 * directory (its public half only).  0, or 1 after saying why. */
static int read_checkpoint(struct cli *c, struct checkpoint *cp)
{
    char err[512];
    struct note_signer key = {0};
    size_t len = 0;
    char *text = read_source(c->checkpoint, &len);
    if (!text)
        return fail("audit verify: --checkpoint %s cannot be read", c->checkpoint);
    if (note_key_load(&key, c->cfg.keys, c->cfg.log_origin, err, sizeof err) != 0) {
        free(text);
        return fail("audit verify: the log key is needed to check the checkpoint: %s",
                    err[0] ? err : "there is none in the key directory");
    }
    struct note_verifier v = {.name = key.name, .id = key.id};
    memcpy(v.pk, key.pk, sizeof v.pk);
    int rc = checkpoint_open(cp, text, len, &v);
    note_signer_free(&key);
    free(text);
    if (rc != 0)
        return fail("audit verify: %s is not a checkpoint signed by this log's key", c->checkpoint);
    return 0;
}

int cmd_audit_verify(struct cli *c)
{
    char err[1024];
    struct checkpoint cp = {0};
    if (c->checkpoint && read_checkpoint(c, &cp) != 0)
        return 1;
    struct store *s = store_open_readonly(c->cfg.db, err, sizeof err);
    if (!s) {
        checkpoint_release(&cp);
        return fail("%s", err);
    }
    int64_t count = 0;
    uint64_t size = 0;
    unsigned char root[32];
    int rc = engine_audit_verify(s, &count, err, sizeof err);
    if (rc == 0)
        rc = engine_audit_log(s, c->checkpoint ? &cp : NULL, &size, root, err, sizeof err);
    store_free(s);
    uint64_t cp_size = cp.size;
    checkpoint_release(&cp);
    if (rc == -2)
        return fail("audit verify: the events could not be read");
    if (rc != 0)
        return fail("audit verify: %s", err);
    char b64[sodium_base64_ENCODED_LEN(32, sodium_base64_VARIANT_ORIGINAL)];
    sodium_bin2base64(b64, sizeof b64, root, sizeof root, sodium_base64_VARIANT_ORIGINAL);
    printf("audit verify: %lld events, the chain is intact; the log's %llu leaves hash to %s\n",
           (long long)count, (unsigned long long)size, b64);
    if (c->checkpoint)
        printf("audit verify: the log extends the checkpoint of %llu leaves in %s\n",
               (unsigned long long)cp_size, c->checkpoint);
    return 0;
}
