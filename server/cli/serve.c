/*
 * shenbao serve: the HTTP server, and the server's clock between signals.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "api.h"
#include "calendar.h"
#include "cli.h"
#include "clock.h"
#include "log.h"
#include "metrics.h"
#include "notify.h"

#define KEYS_PER_RUN 16

/* Loads the active key when it is no longer the one in use: what an
 * approval issues must be signed with the key the database calls active. */
static void follow_rotation(const struct config *cfg, struct server *srv, struct signing_key *keys,
                            size_t *n)
{
    struct key_row row;
    char err[512];
    const struct signing_key *cur = atomic_load(&srv->engine.key);
    if (store_key_active(srv->engine.store, &row) != STORE_OK || strcmp(row.kid, cur->kid) == 0)
        return;
    if (*n == KEYS_PER_RUN) {
        log_msg(LOG_ERROR, "key %s is active but %d rotations in one run is too many: restart",
                row.kid, KEYS_PER_RUN);
        return;
    }
    if (sign_key_load(&keys[*n], cfg->keys, row.kid, err, sizeof err) != 0) {
        log_msg(LOG_ERROR, "key %s is active but cannot be loaded: %s", row.kid, err);
        return;
    }
    atomic_store(&srv->engine.key, &keys[(*n)++]);
    log_json(LOG_INFO, "signing key rotated",
             json_pack("{s:s, s:s}", "from", cur->kid, "to", row.kid));
}

static void log_tick(const struct application *a, const char *what, void *ctx)
{
    (void)ctx;
    log_json(LOG_INFO, "notice ended",
             json_pack("{s:I, s:s, s:s}", "application", (json_int_t)a->id, "kind", a->kind,
                       "outcome", what));
}

int cmd_serve(struct cli *c)
{
    struct server srv = {.cfg = &c->cfg};
    struct calendar *calendar = NULL;
    /* The keys loaded so far: a rotation (`shenbao keygen` while we run)
     * loads the new one before the next approvals are signed.  Old ones
     * stay until exit, as a worker may still be reading one. */
    struct signing_key keys[KEYS_PER_RUN] = {0};
    struct note_signer log_key = {0};
    size_t n_keys = 0;
    struct daemon *d = NULL;
    struct store *store = NULL;
    int in_use = -1;
    int ret = 1;
    char err[512];

    /* Core dumps could carry secrets: the token key now, signing keys later. */
    struct rlimit no_core = {0, 0};
    setrlimit(RLIMIT_CORE, &no_core);
    prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);

    if (c->clock) {
        int64_t t;
        if (clock_parse_rfc3339(c->clock, &t) != 0)
            return fail("--clock: \"%s\" is not an RFC 3339 date-time", c->clock);
        clock_set(t);
        log_json(LOG_WARN, "clock moved: this server's time is not the real time",
                 json_pack("{s:s}", "clock", c->clock));
    }
    /* Signals are taken by sigwait() below; block them before any thread
     * starts so that every thread inherits the mask. */
    sigset_t sigs;
    sigemptyset(&sigs);
    sigaddset(&sigs, SIGTERM);
    sigaddset(&sigs, SIGINT);
    pthread_sigmask(SIG_BLOCK, &sigs, NULL);
    signal(SIGPIPE, SIG_IGN);

    store = open_store(&c->cfg);
    if (!store)
        goto out;
    /* Mark the database file as in use, so that `restore` refuses to
     * replace it under us (a BSD lock, apart from SQLite's own POSIX
     * locks).  On PostgreSQL `restore` sees the servers' sessions. */
    if (!store_is_postgresql(store)) {
        in_use = open(c->cfg.db, O_RDONLY | O_CLOEXEC);
        if (in_use < 0 || flock(in_use, LOCK_SH | LOCK_NB) != 0) {
            fail("cannot mark %s as in use: %s", c->cfg.db, strerror(errno));
            goto out;
        }
    }
    calendar = load_calendar(&c->cfg);
    if (!calendar)
        goto out;
    if (engine_setup(&srv.engine, store, calendar, &c->cfg) != 0)
        goto out;
    if (load_token_key(&c->cfg, store, srv.token_key) != 0)
        goto out;
    if (load_signing_key(&c->cfg, store, &keys[0]) != 0)
        goto out;
    n_keys = 1;
    atomic_store(&srv.engine.key, &keys[0]);
    if (load_log_key(&c->cfg, &log_key) != 0)
        goto out;
    srv.engine.log_key = &log_key;
    log_json(LOG_INFO, "signing key loaded", json_pack("{s:s}", "kid", keys[0].kid));
    size_t n_routes;
    const char *const *names = api_route_names(&n_routes);
    metrics_routes(names, n_routes);
    d = daemon_start(&c->cfg, api_answer, api_head, &srv, err, sizeof err);
    if (!d) {
        fail("%s", err);
        goto out;
    }
    notify_systemd("READY=1");
    /* The main thread waits for a signal, and between signals performs the
     * transitions that fall due on the server's clock. */
    int sig;
    for (;;) {
        struct timespec interval = {(time_t)c->cfg.tick_interval, 0};
        sig = sigtimedwait(&sigs, NULL, &interval);
        if (sig > 0)
            break;
        if (errno != EAGAIN)
            continue;
        follow_rotation(&c->cfg, &srv, keys, &n_keys);
        engine_tick(&srv.engine, clock_now(), log_tick, NULL);
        api_idempotency_purge(&srv, clock_now());
    }
    log_json(LOG_INFO, "stopping", json_pack("{s:i}", "signal", sig));
    notify_systemd("STOPPING=1");
    daemon_stop(d);
    ret = 0;
out:
    if (store)
        store_free(store);
    calendar_free(calendar);
    for (size_t i = 0; i < n_keys; i++)
        sign_key_free(&keys[i]);
    note_signer_free(&log_key);
    if (in_use >= 0)
        close(in_use);
    sodium_memzero(srv.token_key, sizeof srv.token_key);
    return ret;
}
