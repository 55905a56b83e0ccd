/*
 * Subcommands: serve, migrate, account add and disable, tick, keygen,
 * verify, audit verify, backup, restore.
 *
 * Each takes --config FILE and --db PATH.  Configuration is layered:
 * built-in defaults, then the config file, then flags.  Every failure is one
 * line on stderr and a non-zero exit status.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <pthread.h>
#include <stdarg.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>
#include <sodium.h>

#include "api.h"
#include "calendar.h"
#include "chain.h"
#include "sign.h"
#include "cli.h"
#include "clock.h"
#include "config.h"
#include "embedded.h"
#include "http.h"
#include "log.h"
#include "notify.h"
#include "spec.h"
#include "store.h"
#include "token.h"

struct cli {
    const char *command;
    const char *config_file;
    const char *db, *listen, *keys, *clock;
    const char *role, *name, *uscc, *unit, *authority, *now, *jwks;
    const char *to, *from, *expires;
    const char *file; /* verify: the positional argument */
    const char *id;   /* account disable: the positional argument */
    struct config cfg;
};

static void usage(FILE *to)
{
    fputs("usage: shenbao COMMAND [options]\n"
          "\n"
          "commands:\n"
          "  serve [--listen HOST:PORT] [--keys DIR] [--clock RFC3339]\n"
          "                         migrate the database if needed, then serve HTTP\n"
          "  migrate                apply the migrations the database lacks\n"
          "  account add --role ROLE [--name N] [--uscc C] [--unit U] [--authority A]\n"
          "              [--keys DIR] [--expires YYYY-MM-DD]\n"
          "                         create an account; its token is the last line printed\n"
          "  account disable ID     disable an account: its tokens and sessions stop working\n"
          "  tick --now RFC3339     perform the transitions due at that instant\n"
          "  audit verify           check the hash chain of the whole history\n"
          "  keygen [--keys DIR]    create a new signing key and make it the active one\n"
          "  verify FILE [--jwks FILE_OR_URL]\n"
          "                         check a certificate's signature offline\n"
          "  backup --to FILE       copy the live database consistently (online backup)\n"
          "  restore --from FILE    replace the database with a backup (server stopped)\n"
          "\n"
          "every command takes --config FILE and --db PATH\n",
          to);
}

static int fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int fail(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("shenbao: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    return 1;
}

/* ---- shared set-up ------------------------------------------------------ */

/* Reads the review units (config file or the built-in copy) into the store:
 * the districts and etdz are configuration, kept in step at every start. */
struct units_load {
    json_t *units;
    char err[256];
};

static enum store_rc tx_units(struct store_tx *tx, void *ctx)
{
    struct units_load *l = ctx;
    size_t i;
    json_t *u;
    json_array_foreach(l->units, i, u)
    {
        struct unit row = {0};
        const char *id = json_string_value(json_object_get(u, "id"));
        const char *zh = json_string_value(json_object_get(u, "name_zh"));
        const char *en = json_string_value(json_object_get(u, "name_en"));
        const char *kind = json_string_value(json_object_get(u, "kind"));
        if (!id || !zh || !en || !kind) {
            snprintf(l->err, sizeof l->err, "review unit %zu needs id, name_zh, name_en, kind", i);
            return STORE_ERROR;
        }
        /* Kept whole, as a unit added through the API: refused, never cut. */
        if (id[0] == '\0' || text_chars(id) > UNIT_ID_CHARS || text_chars(zh) > UNIT_NAME_CHARS ||
            text_chars(en) > UNIT_NAME_CHARS || strlen(kind) >= sizeof row.kind) {
            snprintf(l->err, sizeof l->err,
                     "review unit %zu: id at most %d characters, names at most %d, kind a kind", i,
                     UNIT_ID_CHARS, UNIT_NAME_CHARS);
            return STORE_ERROR;
        }
        snprintf(row.id, sizeof row.id, "%s", id);
        snprintf(row.name_zh, sizeof row.name_zh, "%s", zh);
        snprintf(row.name_en, sizeof row.name_en, "%s", en);
        snprintf(row.kind, sizeof row.kind, "%s", kind);
        enum store_rc rc = store_unit_put(tx, &row);
        if (rc != STORE_OK) {
            snprintf(l->err, sizeof l->err, "review unit \"%s\" could not be stored", id);
            return rc;
        }
    }
    return STORE_OK;
}

static int load_units(struct store *s, const struct config *cfg)
{
    json_error_t jerr;
    json_t *doc;
    const char *source = cfg->units_file[0] ? cfg->units_file : "built-in review-units.json";
    if (cfg->units_file[0]) {
        doc = json_load_file(cfg->units_file, JSON_REJECT_DUPLICATES, &jerr);
    } else {
        const struct embedded_file *f = embedded_find(embedded_config, "review-units.json");
        doc = f ? json_loadb(f->data, f->len, JSON_REJECT_DUPLICATES, &jerr) : NULL;
    }
    if (!doc)
        return fail("%s: %s", source, jerr.text);
    struct units_load l = {.units = json_object_get(doc, "units")};
    int ret = 0;
    if (!json_is_array(l.units))
        ret = fail("%s: needs a \"units\" array", source);
    else if (store_write(s, tx_units, &l) != STORE_OK)
        ret = fail("%s: %s", source, l.err[0] ? l.err : "database error");
    json_decref(doc);
    return ret;
}

static void store_log(const char *msg)
{
    log_msg(LOG_ERROR, "%s", msg);
}

/* Opens the database, applies missing migrations and loads the units. */
static struct store *open_store(const struct config *cfg)
{
    char err[512];
    store_set_log(store_log);
    struct store *s = store_open(cfg->db, err, sizeof err);
    if (!s) {
        fail("%s", err);
        return NULL;
    }
    int applied = 0;
    if (store_migrate(s, &applied, err, sizeof err) != 0) {
        fail("%s", err);
        store_free(s);
        return NULL;
    }
    if (applied > 0)
        log_json(LOG_INFO, "migrated",
                 json_pack("{s:s, s:i, s:i}", "db", cfg->db, "applied", (json_int_t)applied,
                           "version", (json_int_t)store_schema_version(s)));
    if (load_units(s, cfg) != 0) {
        store_free(s);
        return NULL;
    }
    return s;
}

/* The working-day calendar: the config file's copy or the built-in one. */
static char *read_source(const char *source, size_t *len);

static struct calendar *load_calendar(const struct config *cfg)
{
    char err[512];
    struct calendar *cal = NULL;
    if (cfg->workdays_file[0]) {
        size_t len;
        char *text = read_source(cfg->workdays_file, &len);
        if (!text) {
            fail("%s (workdays_file): %s", cfg->workdays_file, strerror(errno));
            return NULL;
        }
        cal = calendar_load(text, len, err, sizeof err);
        free(text);
        if (!cal)
            fail("%s (workdays_file): %s", cfg->workdays_file, err);
        return cal;
    }
    const struct embedded_file *f = embedded_find(embedded_config, "cn-workdays.json");
    cal = calendar_load(f->data, f->len, err, sizeof err);
    if (!cal)
        fail("%s", err);
    return cal;
}

/* The active signing key: its id from the database, its secret from the key
 * directory, into guarded memory. */
static int load_signing_key(const struct config *cfg, struct store *s, struct signing_key *key)
{
    struct key_row row;
    char err[512];
    enum store_rc rc = store_key_active(s, &row);
    if (rc == STORE_NOT_FOUND)
        return fail("no signing key: create one with: shenbao keygen --keys %s", cfg->keys);
    if (rc != STORE_OK)
        return fail("the signing keys could not be read from the database");
    if (sign_key_load(key, cfg->keys, row.kid, err, sizeof err) != 0)
        return fail("%s", err);
    return 0;
}

/* path as an absolute path (for messages and for the record in the
 * database): its directory resolved when it exists, else joined to the
 * working directory. */
static void absolute_path(const char *path, char *out, size_t cap)
{
    char dir[PATH_MAX], real[PATH_MAX];
    const char *slash = strrchr(path, '/');
    const char *base = slash ? slash + 1 : path;
    size_t len = slash ? (size_t)(slash - path) : 0;
    if (len == 0 && slash)
        len = 1; /* "/file" */
    snprintf(dir, sizeof dir, "%.*s", (int)len, slash ? path : ".");
    if (realpath(dir, real))
        snprintf(out, cap, "%s%s%s", real, strcmp(real, "/") == 0 ? "" : "/", base);
    else if (path[0] == '/' || !getcwd(real, sizeof real))
        snprintf(out, cap, "%s", path);
    else
        snprintf(out, cap, "%s/%s", real, path[0] == '.' && path[1] == '/' ? path + 2 : path);
}

/* The directory part of an absolute file path, into out. */
static void dir_of(const char *file, char *out, size_t cap)
{
    const char *slash = strrchr(file, '/');
    snprintf(out, cap, "%.*s", slash && slash != file ? (int)(slash - file) : 1,
             slash ? file : ".");
}

struct key_record {
    const char *fingerprint, *key_file;
};

static enum store_rc tx_record_key(struct store_tx *tx, void *ctx)
{
    struct key_record *k = ctx;
    char now[RFC3339_LEN];
    clock_format_rfc3339(clock_now(), now);
    return store_token_key_record(tx, k->fingerprint, k->key_file, now);
}

/* The key that token hashes are made with: one per database.  The
 * database records the fingerprint of its first key and the file it came
 * from; a key with another fingerprint, or none where one is recorded, is
 * refused with the key file, the database and the --keys to pass, because
 * a token hashed with another key than the server's would be printed and
 * then refused.  A key is made only for a database that has none recorded
 * and no accounts yet: once accounts exist, a missing key means a lost one,
 * and a new key would silently invalidate every token and session.
 * `create` false: a missing key file is no error (commands that only check
 * that a key directory belongs to the database), and key is not set. */
static int token_key_for(const struct config *cfg, struct store *s,
                         unsigned char key[TOKEN_KEY_LEN], bool create)
{
    char path[1100], abs[PATH_MAX + 16], db[PATH_MAX + 16], err[512];
    char recorded[TOKEN_FINGERPRINT_LEN + 1], recorded_file[PATH_MAX + 16], recorded_dir[PATH_MAX];
    char fp[TOKEN_FINGERPRINT_LEN + 1];
    snprintf(path, sizeof path, "%s/token.key", cfg->keys);
    absolute_path(path, abs, sizeof abs);
    absolute_path(cfg->db, db, sizeof db);
    enum store_rc rc = store_token_key_get(s, recorded, recorded_file, sizeof recorded_file);
    if (rc != STORE_OK && rc != STORE_NOT_FOUND)
        return fail("the token key's fingerprint could not be read from database %s", db);
    bool have = rc == STORE_OK;
    if (have)
        dir_of(recorded_file, recorded_dir, sizeof recorded_dir);

    int got = token_key_read(key, path, err, sizeof err);
    if (got < 0)
        return fail("%s", err);
    if (got == 1 && !create)
        return 0;
    if (got == 1 && have)
        return fail("token key %s is missing, and database %s was set up with the token key %s: "
                    "run with --keys %s (or \"keys\" in the config file), or restore that file "
                    "from the backup of the key directory",
                    abs, db, recorded_file, recorded_dir);
    if (got == 1) {
        bool any = false;
        if (store_account_any(s, &any) != STORE_OK)
            return fail("the accounts of database %s could not be read", db);
        if (any)
            return fail("token key %s is missing but database %s has accounts: restore it from "
                        "the backup of the key directory (a new key would make every token and "
                        "session invalid)",
                        abs, db);
        if (token_key_load(key, path, err, sizeof err) != 0)
            return fail("%s", err);
    }
    token_key_fingerprint(fp, key);
    if (!have) {
        struct key_record k = {fp, abs};
        rc = store_write(s, tx_record_key, &k);
        if (rc == STORE_CONFLICT) /* another process recorded one first */
            rc = store_token_key_get(s, recorded, recorded_file, sizeof recorded_file);
        else if (rc == STORE_OK)
            snprintf(recorded, sizeof recorded, "%s", fp);
        if (rc != STORE_OK) {
            sodium_memzero(key, TOKEN_KEY_LEN);
            return fail("the token key's fingerprint could not be recorded in database %s", db);
        }
        dir_of(recorded_file, recorded_dir, sizeof recorded_dir);
    }
    if (sodium_memcmp(fp, recorded, TOKEN_FINGERPRINT_LEN) != 0) {
        sodium_memzero(key, TOKEN_KEY_LEN);
        return fail("token key %s (fingerprint %.16s) is not the token key of database %s, which "
                    "was set up with %s (fingerprint %.16s): run with --keys %s (or \"keys\" in "
                    "the config file)",
                    abs, fp, db, recorded_file, recorded, recorded_dir);
    }
    return 0;
}

static int load_token_key(const struct config *cfg, struct store *s,
                          unsigned char key[TOKEN_KEY_LEN])
{
    return token_key_for(cfg, s, key, true);
}

/* For commands that use the key directory but not the token key (keygen,
 * tick): a token key there must be the database's, or the directory is
 * another database's. */
static int check_key_directory(const struct config *cfg, struct store *s)
{
    unsigned char key[TOKEN_KEY_LEN];
    int ret = token_key_for(cfg, s, key, false);
    sodium_memzero(key, sizeof key);
    return ret;
}

/* ---- serve -------------------------------------------------------------- */

#define KEYS_PER_RUN 16

/* Loads the active key when it is no longer the one in use: what an
 * approval issues must be signed with the key the database calls active. */
static void follow_rotation(const struct config *cfg, struct server *srv, struct signing_key *keys,
                            size_t *n)
{
    struct key_row row;
    char err[512];
    const struct signing_key *cur = srv->signing_key;
    if (store_key_active(srv->store, &row) != STORE_OK || strcmp(row.kid, cur->kid) == 0)
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
    srv->signing_key = &keys[(*n)++];
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

static int cmd_serve(struct cli *c)
{
    struct server srv = {.cfg = &c->cfg};
    struct calendar *calendar = NULL;
    /* The keys loaded so far: a rotation (`shenbao keygen` while we run)
     * loads the new one before the next approvals are signed.  Old ones
     * stay until exit, as a worker may still be reading one. */
    struct signing_key keys[KEYS_PER_RUN] = {0};
    size_t n_keys = 0;
    struct daemon *d = NULL;
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

    srv.store = open_store(&c->cfg);
    if (!srv.store)
        goto out;
    /* Mark the database as in use, so that `restore` refuses to replace it
     * under us (a BSD lock, apart from SQLite's own POSIX locks). */
    in_use = open(c->cfg.db, O_RDONLY | O_CLOEXEC);
    if (in_use < 0 || flock(in_use, LOCK_SH | LOCK_NB) != 0) {
        fail("cannot mark %s as in use: %s", c->cfg.db, strerror(errno));
        goto out;
    }
    calendar = load_calendar(&c->cfg);
    if (!calendar)
        goto out;
    srv.calendar = calendar;
    if (load_token_key(&c->cfg, srv.store, srv.token_key) != 0)
        goto out;
    if (load_signing_key(&c->cfg, srv.store, &keys[0]) != 0)
        goto out;
    n_keys = 1;
    srv.signing_key = &keys[0];
    log_json(LOG_INFO, "signing key loaded", json_pack("{s:s}", "kid", keys[0].kid));
    d = daemon_start(&srv, err, sizeof err);
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
        notices_tick(srv.store, srv.signing_key, clock_now(), log_tick, NULL);
    }
    log_json(LOG_INFO, "stopping", json_pack("{s:i}", "signal", sig));
    notify_systemd("STOPPING=1");
    daemon_stop(d);
    ret = 0;
out:
    if (srv.store)
        store_free(srv.store);
    calendar_free(calendar);
    for (size_t i = 0; i < n_keys; i++)
        sign_key_free(&keys[i]);
    if (in_use >= 0)
        close(in_use);
    sodium_memzero(srv.token_key, sizeof srv.token_key);
    return ret;
}

/* ---- migrate ------------------------------------------------------------ */

static int cmd_migrate(struct cli *c)
{
    struct store *s = open_store(&c->cfg);
    if (!s)
        return 1;
    printf("database %s is at schema version %d\n", c->cfg.db, store_schema_version(s));
    store_free(s);
    return 0;
}

/* ---- account add and disable ---------------------------------------------- */

static int cmd_account_add(struct cli *c)
{
    if (!c->role)
        return fail("account add: --role is required (applicant, district_reviewer, "
                    "municipal_reviewer, auditor, admin)");
    const char *why =
        c->expires ? token_expiry_problem(c->expires, date_of_unix(clock_now())) : NULL;
    if (why)
        return fail("account add: --expires %s", why);
    json_t *body = json_pack("{s:s, s:s}", "role", c->role, "name", c->name ? c->name : c->role);
    if (!body)
        return fail("account add: --role and --name must be UTF-8 text");
    if (c->uscc)
        json_object_set_new(body, "uscc", json_string(c->uscc));
    if (c->unit)
        json_object_set_new(body, "unit", json_string(c->unit));
    if (c->authority)
        json_object_set_new(body, "authority", json_string(c->authority));

    int ret = 1;
    unsigned char key[TOKEN_KEY_LEN];
    char token[TOKEN_TEXT_LEN + 1] = "";
    struct spec_errors errs;
    spec_errors_init(&errs);
    struct store *s = open_store(&c->cfg);
    if (!s)
        goto out;
    if (load_token_key(&c->cfg, s, key) != 0)
        goto out;

    struct account a;
    account_from_json(s, body, &a, &errs);
    if (errs.count > 0) {
        /* Name the flag, not the JSON member. */
        for (size_t i = 0; i < errs.count; i++)
            fprintf(stderr, "shenbao: account add: --%s %s\n", errs.items[i].pointer + 1,
                    errs.items[i].detail);
        goto out;
    }
    if (account_store_new(s, key, &a, c->expires, token) != STORE_OK) {
        fail("account add: the account could not be stored");
    } else {
        printf("account %lld (%s) created; its token%s%s, shown only now:\n%s\n", (long long)a.id,
               a.role, c->expires ? ", valid through " : "", c->expires ? c->expires : "", token);
        ret = 0;
    }
out:
    sodium_memzero(token, sizeof token);
    sodium_memzero(key, sizeof key);
    spec_errors_release(&errs);
    json_decref(body);
    if (s)
        store_free(s);
    return ret;
}

static int cmd_account_disable(struct cli *c)
{
    if (!c->id)
        return fail("account disable: name the account: shenbao account disable ID");
    int64_t id = path_id_param(c->id);
    if (id == 0)
        return fail("account disable: \"%s\" is not an account id (a positive integer)", c->id);
    struct store *s = open_store(&c->cfg);
    if (!s)
        return 1;
    int tokens = 0, sessions = 0, ret = 1;
    struct account a;
    enum store_rc rc = account_disable(s, id, &tokens, &sessions);
    if (rc == STORE_OK)
        rc = store_account_get(s, id, &a);
    if (rc == STORE_NOT_FOUND)
        fail("account disable: database %s has no account %lld", c->cfg.db, (long long)id);
    else if (rc != STORE_OK)
        fail("account disable: the database could not disable account %lld", (long long)id);
    else {
        printf("account %lld (%s, %s) disabled: %d token%s and %d session%s no longer work\n",
               (long long)id, a.role, a.name, tokens, tokens == 1 ? "" : "s", sessions,
               sessions == 1 ? "" : "s");
        ret = 0;
    }
    store_free(s);
    return ret;
}

/* ---- tick --------------------------------------------------------------- */

static void print_tick(const struct application *a, const char *what, void *ctx)
{
    (void)ctx;
    printf("application %lld (%s, %s): %s\n", (long long)a->id, a->kind, a->applicant_name, what);
}

static int cmd_tick(struct cli *c)
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
    int n = -1;
    if (load_signing_key(&c->cfg, s, &key) == 0)
        n = notices_tick(s, &key, now, print_tick, NULL);
    sign_key_free(&key);
    store_free(s);
    if (n < 0)
        return fail("tick: the database could not complete the transitions");
    printf("%d application%s approved\n", n, n == 1 ? "" : "s");
    return 0;
}

/* ---- backup and restore ------------------------------------------------- */

static int cmd_backup(struct cli *c)
{
    char err[512];
    if (!c->to)
        return fail("backup: --to FILE is required");
    if (store_backup(c->cfg.db, c->to, err, sizeof err) != 0)
        return fail("backup: %s", err);
    printf("backed up %s to %s\n", c->cfg.db, c->to);
    return 0;
}

static int cmd_restore(struct cli *c)
{
    char err[512];
    if (!c->from)
        return fail("restore: --from FILE is required");
    /* A running server holds a shared lock on the database file. */
    int fd = open(c->cfg.db, O_RDONLY | O_CLOEXEC);
    if (fd >= 0 && flock(fd, LOCK_EX | LOCK_NB) != 0) {
        close(fd);
        return fail("restore: %s is in use by a running server; stop it first", c->cfg.db);
    }
    int ret = 0;
    if (store_restore(c->cfg.db, c->from, store_known_version(), err, sizeof err) != 0)
        ret = fail("restore: %s", err);
    else
        printf("restored %s from %s; start the server to use it\n", c->cfg.db, c->from);
    if (fd >= 0)
        close(fd);
    return ret;
}

/* ---- keygen ------------------------------------------------------------- */

static enum store_rc tx_rotate(struct store_tx *tx, void *ctx)
{
    return store_key_rotate(tx, ctx);
}

static int cmd_keygen(struct cli *c)
{
    char err[512];
    unsigned char pk[SIGN_PUBLIC_LEN];
    struct key_row row = {0};
    struct store *s = open_store(&c->cfg);
    if (!s)
        return 1;
    int ret = 1;
    if (check_key_directory(&c->cfg, s) != 0)
        goto out;
    if (sign_keygen(c->cfg.keys, row.kid, pk, err, sizeof err) != 0) {
        fail("keygen: %s", err);
        goto out;
    }
    sign_x(row.x, pk);
    clock_format_rfc3339(clock_now(), row.created_at);
    if (store_write(s, tx_rotate, &row) != STORE_OK) {
        fail("keygen: the key was written to %s but could not be recorded in the database",
             c->cfg.keys);
        goto out;
    }
    printf("signing key %s created in %s and made active; earlier keys stay for "
           "verification\n",
           row.kid, c->cfg.keys);
    ret = 0;
out:
    store_free(s);
    return ret;
}

/* ---- verify --------------------------------------------------------------- */

static size_t curl_collect(char *data, size_t size, size_t n, void *ctx)
{
    FILE *mem = ctx;
    return fwrite(data, size, n, mem);
}

/* Reads a whole file, or fetches an http(s) URL, into a new buffer. */
static char *read_source(const char *source, size_t *len)
{
    char *text = NULL;
    *len = 0;
    FILE *mem = open_memstream(&text, len);
    if (!mem)
        return NULL;
    bool ok;
    if (strncmp(source, "http://", 7) == 0 || strncmp(source, "https://", 8) == 0) {
        CURL *curl = curl_easy_init();
        ok = curl != NULL;
        if (ok) {
            curl_easy_setopt(curl, CURLOPT_URL, source);
            curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, curl_collect);
            curl_easy_setopt(curl, CURLOPT_WRITEDATA, mem);
            curl_easy_setopt(curl, CURLOPT_FAILONERROR, 1L);
            curl_easy_setopt(curl, CURLOPT_TIMEOUT, 30L);
            curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
            ok = curl_easy_perform(curl) == CURLE_OK;
            curl_easy_cleanup(curl);
        }
    } else {
        FILE *f = fopen(source, "rb");
        char buf[8192];
        size_t n;
        ok = f != NULL;
        while (f && (n = fread(buf, 1, sizeof buf, f)) > 0)
            fwrite(buf, 1, n, mem);
        if (f && ferror(f))
            ok = false;
        if (f)
            fclose(f);
    }
    fclose(mem);
    if (!ok) {
        free(text);
        return NULL;
    }
    return text;
}

static const char *or_empty(const char *s)
{
    return s ? s : "";
}

/* The public key of `kid` in a JWKS document. */
static int jwks_key(const json_t *jwks, const char *kid, unsigned char pk[SIGN_PUBLIC_LEN])
{
    size_t i, len;
    json_t *k;
    json_array_foreach(json_object_get(jwks, "keys"), i, k)
    {
        const char *x = json_string_value(json_object_get(k, "x"));
        if (json_is_string(json_object_get(k, "kid")) &&
            strcmp(json_string_value(json_object_get(k, "kid")), kid) == 0 &&
            strcmp(or_empty(json_string_value(json_object_get(k, "kty"))), "OKP") == 0 &&
            strcmp(or_empty(json_string_value(json_object_get(k, "crv"))), "Ed25519") == 0 && x &&
            b64url_decode(pk, SIGN_PUBLIC_LEN, &len, x, strlen(x)) == 0 && len == SIGN_PUBLIC_LEN)
            return 0;
    }
    return -1;
}

static void add_jwk_cli(const struct key_row *k, void *ctx)
{
    json_array_append_new(ctx, json_pack("{s:s, s:s, s:s, s:s}", "kty", "OKP", "crv", "Ed25519",
                                         "kid", k->kid, "x", k->x));
}

static int cmd_verify(struct cli *c)
{
    if (!c->file)
        return fail("verify: name the certificate file: shenbao verify FILE [--jwks FILE_OR_URL]");
    size_t len;
    char *text = read_source(c->file, &len);
    if (!text)
        return fail("verify: cannot read %s", c->file);

    /* The {certificate, jws} object as issued, a JSON string, or the bare
     * compact JWS. */
    int ret = 1;
    json_t *doc = json_loadb(text, len, JSON_DECODE_ANY | JSON_REJECT_DUPLICATES, NULL);
    json_t *jwks = NULL;
    char *payload = NULL;
    const char *jws = NULL;
    const json_t *certificate = NULL;
    if (json_is_object(doc)) {
        jws = json_string_value(json_object_get(doc, "jws"));
        certificate = json_object_get(doc, "certificate");
    } else if (json_is_string(doc)) {
        jws = json_string_value(doc);
    } else {
        text[strcspn(text, " \t\r\n")] = '\0';
        jws = text;
    }
    char kid[SIGN_KID_LEN + 1];
    size_t plen;
    unsigned char pk[SIGN_PUBLIC_LEN];
    if (!jws || jws_parse(jws, kid, &payload, &plen) != 0) {
        fail("verify: %s holds no compact JWS with an EdDSA header and a key id", c->file);
        goto out;
    }

    if (c->jwks) {
        size_t jlen;
        char *jtext = read_source(c->jwks, &jlen);
        jwks = jtext ? json_loadb(jtext, jlen, 0, NULL) : NULL;
        free(jtext);
        if (!jwks) {
            fail("verify: cannot read a JWKS from %s", c->jwks);
            goto out;
        }
    } else {
        /* The keys this installation ever used, from its database. */
        char err[512];
        struct stat st;
        if (stat(c->cfg.db, &st) != 0) {
            fail("verify: no database at %s to take the keys from; give --jwks FILE_OR_URL",
                 c->cfg.db);
            goto out;
        }
        struct store *s = store_open_readonly(c->cfg.db, err, sizeof err);
        if (!s) {
            fail("verify: no --jwks given and %s", err);
            goto out;
        }
        jwks = json_pack("{s:[]}", "keys");
        store_keys_each(s, add_jwk_cli, json_object_get(jwks, "keys"));
        store_free(s);
    }
    if (jwks_key(jwks, kid, pk) != 0) {
        fail("verify: INVALID: key %s is not in the JWKS", kid);
        goto out;
    }
    if (jws_verify(jws, pk) != 0) {
        fail("verify: INVALID: the signature does not verify (the file was changed)");
        goto out;
    }
    json_t *signed_doc = json_loadb(payload, plen, 0, NULL);
    bool same = !certificate || (signed_doc && json_equal((json_t *)certificate, signed_doc));
    if (same)
        printf("valid: %s %s for %s, signed with key %s\n",
               or_empty(json_string_value(json_object_get(signed_doc, "kind"))),
               or_empty(json_string_value(json_object_get(signed_doc, "serial"))),
               or_empty(json_string_value(
                   json_object_get(json_object_get(signed_doc, "holder"), "name"))),
               kid);
    else
        fail("verify: INVALID: the certificate differs from what was signed");
    json_decref(signed_doc);
    ret = same ? 0 : 1;
out:
    free(payload);
    json_decref(jwks);
    json_decref(doc);
    free(text);
    return ret;
}

/* ---- audit verify ------------------------------------------------------- */

struct audit {
    int64_t count;
    int64_t last_id;
    unsigned char last_hash[EVENT_HASH_LEN];
    char problem[512];
};

static bool audit_one(const struct event *e, void *ctx)
{
    struct audit *au = ctx;
    unsigned char expect[EVENT_HASH_LEN];
    if (e->id != au->last_id + 1) {
        snprintf(au->problem, sizeof au->problem,
                 "event %lld follows event %lld: the events between were removed or reordered",
                 (long long)e->id, (long long)au->last_id);
        return false;
    }
    if (sodium_memcmp(e->prev_hash, au->last_hash, EVENT_HASH_LEN) != 0 && au->last_id == 0) {
        snprintf(au->problem, sizeof au->problem,
                 "event %lld does not start the chain: its link is not 32 zero bytes",
                 (long long)e->id);
        return false;
    }
    if (sodium_memcmp(e->prev_hash, au->last_hash, EVENT_HASH_LEN) != 0) {
        snprintf(au->problem, sizeof au->problem,
                 "event %lld does not follow event %lld: its link to that event's hash is "
                 "broken (event %lld was altered and its hash recomputed, or events were "
                 "removed or reordered there)",
                 (long long)e->id, (long long)au->last_id, (long long)au->last_id);
        return false;
    }
    chain_hash(expect, e);
    if (sodium_memcmp(expect, e->hash, EVENT_HASH_LEN) != 0) {
        snprintf(au->problem, sizeof au->problem,
                 "event %lld (application %lld, %s at %s) was altered: its content no longer "
                 "matches its hash",
                 (long long)e->id, (long long)e->application_id, e->action, e->at);
        return false;
    }
    au->count++;
    au->last_id = e->id;
    memcpy(au->last_hash, e->hash, EVENT_HASH_LEN);
    return true;
}

static int cmd_audit_verify(struct cli *c)
{
    char err[512];
    struct store *s = store_open_readonly(c->cfg.db, err, sizeof err);
    if (!s)
        return fail("%s", err);
    struct audit au = {0};
    enum store_rc rc = store_events_each(s, audit_one, &au);
    store_free(s);
    if (rc != STORE_OK)
        return fail("audit verify: the events could not be read");
    if (au.problem[0])
        return fail("audit verify: %s", au.problem);
    printf("audit verify: %lld events, the chain is intact\n", (long long)au.count);
    return 0;
}

/* ---- the command line --------------------------------------------------- */

enum {
    OPT_CONFIG = 1000,
    OPT_DB,
    OPT_LISTEN,
    OPT_KEYS,
    OPT_CLOCK,
    OPT_ROLE,
    OPT_NAME,
    OPT_USCC,
    OPT_UNIT,
    OPT_AUTHORITY,
    OPT_NOW,
    OPT_JWKS,
    OPT_TO,
    OPT_FROM,
    OPT_EXPIRES,
    OPT_HELP,
};

static const struct option options[] = {
    {"config", required_argument, NULL, OPT_CONFIG},
    {"db", required_argument, NULL, OPT_DB},
    {"listen", required_argument, NULL, OPT_LISTEN},
    {"keys", required_argument, NULL, OPT_KEYS},
    {"clock", required_argument, NULL, OPT_CLOCK},
    {"role", required_argument, NULL, OPT_ROLE},
    {"name", required_argument, NULL, OPT_NAME},
    {"uscc", required_argument, NULL, OPT_USCC},
    {"unit", required_argument, NULL, OPT_UNIT},
    {"authority", required_argument, NULL, OPT_AUTHORITY},
    {"now", required_argument, NULL, OPT_NOW},
    {"jwks", required_argument, NULL, OPT_JWKS},
    {"to", required_argument, NULL, OPT_TO},
    {"from", required_argument, NULL, OPT_FROM},
    {"expires", required_argument, NULL, OPT_EXPIRES},
    {"help", no_argument, NULL, OPT_HELP},
    {NULL, 0, NULL, 0},
};

struct command {
    const char *name;
    int (*run)(struct cli *c);
    const char *flags; /* the options it takes besides --config and --db */
};

static const struct command commands[] = {
    {"serve", cmd_serve, "listen keys clock"},
    {"migrate", cmd_migrate, ""},
    {"account add", cmd_account_add, "keys role name uscc unit authority expires"},
    {"account disable", cmd_account_disable, ""},
    {"tick", cmd_tick, "now keys"},
    {"audit verify", cmd_audit_verify, ""},
    {"keygen", cmd_keygen, "keys"},
    {"verify", cmd_verify, "jwks"},
    {"backup", cmd_backup, "to"},
    {"restore", cmd_restore, "from"},
};

static bool takes_flag(const struct command *cmd, const char *flag)
{
    size_t n = strlen(flag);
    for (const char *p = cmd->flags; (p = strstr(p, flag)) != NULL; p += n)
        if ((p == cmd->flags || p[-1] == ' ') && (p[n] == ' ' || p[n] == '\0'))
            return true;
    return false;
}

/* Takes --config and --db given before the command ("shenbao --config F
 * migrate") by moving them after it, where the options are read.  argv is
 * rearranged in place. */
static void hoist_global_options(int argc, char **argv)
{
    int lead = 1;
    while (lead < argc) {
        if (strcmp(argv[lead], "--config") == 0 || strcmp(argv[lead], "--db") == 0)
            lead += 2;
        else if (strncmp(argv[lead], "--config=", 9) == 0 || strncmp(argv[lead], "--db=", 5) == 0)
            lead += 1;
        else
            break;
    }
    if (lead == 1 || lead >= argc)
        return;
    /* The command is one or two words (account add, audit verify). */
    int words = 1;
    if (lead + 1 < argc && argv[lead + 1][0] != '-' &&
        (strcmp(argv[lead], "account") == 0 || strcmp(argv[lead], "audit") == 0))
        words = 2;
    char *moved[16];
    int n = lead - 1 < 16 ? lead - 1 : 16;
    memcpy(moved, argv + 1, (size_t)n * sizeof *argv);
    memmove(argv + 1, argv + lead, (size_t)words * sizeof *argv);
    memcpy(argv + 1 + words, moved, (size_t)n * sizeof *argv);
}

int cli_main(int argc, char **argv)
{
    hoist_global_options(argc, argv);
    if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "help") == 0) {
        usage(argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    if (strcmp(argv[1], "--version") == 0) {
        printf("shenbao %s\n", SHENBAO_VERSION);
        return 0;
    }
    const struct command *cmd = NULL;
    int first = 2;
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++) {
        const char *name = commands[i].name, *space = strchr(name, ' ');
        if (!space && strcmp(argv[1], name) == 0) {
            cmd = &commands[i];
        } else if (space && argc > 2 && strncmp(argv[1], name, (size_t)(space - name)) == 0 &&
                   argv[1][space - name] == '\0' && strcmp(argv[2], space + 1) == 0) {
            cmd = &commands[i];
            first = 3;
        }
    }
    if (!cmd) {
        fail("unknown command \"%s\"; try shenbao --help", argv[1]);
        return 2;
    }
    if (sodium_init() < 0)
        return fail("libsodium could not be initialised");

    struct cli c = {.command = cmd->name};
    optind = first;
    opterr = 0;
    int opt;
    while ((opt = getopt_long(argc, argv, "", options, NULL)) != -1) {
        if (opt == '?' || opt == ':') {
            fail("%s: unknown option or missing value: %s", cmd->name, argv[optind - 1]);
            return 2;
        }
        if (opt == OPT_HELP) {
            usage(stdout);
            return 0;
        }
        const char *flag = options[opt - OPT_CONFIG].name;
        if (opt != OPT_CONFIG && opt != OPT_DB && !takes_flag(cmd, flag)) {
            fail("%s does not take --%s", cmd->name, flag);
            return 2;
        }
        /* In the order of the OPT_ values. */
        const char **slot[] = {&c.config_file, &c.db,   &c.listen, &c.keys, &c.clock,
                               &c.role,        &c.name, &c.uscc,   &c.unit, &c.authority,
                               &c.now,         &c.jwks, &c.to,     &c.from, &c.expires};
        *slot[opt - OPT_CONFIG] = optarg;
    }
    /* verify takes one positional argument, the file; account disable the
     * account's id. */
    if (strcmp(cmd->name, "verify") == 0 && optind < argc)
        c.file = argv[optind++];
    else if (strcmp(cmd->name, "account disable") == 0 && optind < argc)
        c.id = argv[optind++];
    if (optind < argc) {
        fail("%s: unexpected argument \"%s\"", cmd->name, argv[optind]);
        return 2;
    }

    char err[512];
    config_defaults(&c.cfg);
    if (c.config_file && config_load_file(&c.cfg, c.config_file, err, sizeof err) != 0)
        return fail("%s", err);
    if (c.db)
        snprintf(c.cfg.db, sizeof c.cfg.db, "%s", c.db);
    if (c.keys)
        snprintf(c.cfg.keys, sizeof c.cfg.keys, "%s", c.keys);
    if (c.listen && config_set_listen(&c.cfg, c.listen, err, sizeof err) != 0)
        return fail("--listen: %s", err);
    return cmd->run(&c);
}
