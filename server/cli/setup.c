/*
 * What the commands share: the database opened, migrated and given its
 * review units; the working-day calendar; the signing and token keys; the
 * engine and its settings.
 */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <curl/curl.h>
#include <sodium.h>

#include "jsontext.h"
#include "calendar.h"
#include "cli.h"
#include "clock.h"
#include "embedded.h"
#include "log.h"
#include "text.h"

int fail(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("shenbao: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    return 1;
}

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
        doc = f ? parse_json(f->data, f->len, JSON_REJECT_DUPLICATES, &jerr) : NULL;
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
struct store *open_store(const struct config *cfg)
{
    char err[512];
    store_set_log(store_log);
    struct store *s = store_open(cfg->db, err, sizeof err);
    if (!s) {
        fail("%s", err);
        return NULL;
    }
    store_set_batch(s, cfg->write_batch_max, cfg->write_batch_wait_us);
    int applied = 0;
    if (store_migrate(s, &applied, err, sizeof err) != 0) {
        fail("%s", err);
        store_free(s);
        return NULL;
    }
    if (applied > 0) {
        char shown[sizeof cfg->db];
        store_target_shown(cfg->db, shown, sizeof shown);
        log_json(LOG_INFO, "migrated",
                 json_pack("{s:s, s:i, s:i}", "db", shown, "applied", (json_int_t)applied,
                           "version", (json_int_t)store_schema_version(s)));
    }
    if (load_units(s, cfg) != 0) {
        store_free(s);
        return NULL;
    }
    /* Events written before the transparency log existed become its first
     * leaves, once, before anything else is written (docs/TRANSPARENCY.md). */
    uint64_t added = 0;
    if (engine_log_backfill(s, &added) != 0) {
        fail("the transparency log could not be brought level with the events");
        store_free(s);
        return NULL;
    }
    if (added > 0)
        log_json(LOG_INFO, "events appended to the transparency log",
                 json_pack("{s:I}", "leaves", (json_int_t)added));
    return s;
}

struct calendar *load_calendar(const struct config *cfg)
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
int load_signing_key(const struct config *cfg, struct store *s, struct signing_key *key)
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

int load_log_key(const struct config *cfg, struct note_signer *key)
{
    char err[512];
    unsigned char pk[NOTE_PUBLIC_LEN];
    char path[PATH_MAX + 32];
    struct stat st;
    if (note_key_load(key, cfg->keys, cfg->log_origin, err, sizeof err) == 0)
        return 0;
    snprintf(path, sizeof path, "%s%s%s", cfg->keys,
             cfg->keys[0] && cfg->keys[strlen(cfg->keys) - 1] == '/' ? "" : "/", NOTE_KEY_FILE);
    if (lstat(path, &st) == 0 || errno != ENOENT)
        return fail("%s", err);
    /* None yet: the log's key is made once, the first time it is needed,
     * and kept (a new one would disown every checkpoint published). */
    if (note_keygen(cfg->keys, pk, err, sizeof err) != 0)
        return fail("%s", err);
    log_json(LOG_INFO, "log key created",
             json_pack("{s:s, s:s}", "dir", cfg->keys, "file", NOTE_KEY_FILE));
    if (note_key_load(key, cfg->keys, cfg->log_origin, err, sizeof err) != 0)
        return fail("%s", err[0] ? err : "the log key just made could not be read");
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
    if (store_target_postgresql(cfg->db))
        store_target_shown(cfg->db, db, sizeof db);
    else
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

int load_token_key(const struct config *cfg, struct store *s, unsigned char key[TOKEN_KEY_LEN])
{
    return token_key_for(cfg, s, key, true);
}

/* For commands that use the key directory but not the token key (keygen,
 * tick): a token key there must be the database's, or the directory is
 * another database's. */
int check_key_directory(const struct config *cfg, struct store *s)
{
    unsigned char key[TOKEN_KEY_LEN];
    int ret = token_key_for(cfg, s, key, false);
    sodium_memzero(key, sizeof key);
    return ret;
}

int engine_setup(struct engine *e, struct store *s, const struct calendar *cal,
                 const struct config *cfg)
{
    char err[256];
    engine_init(e, s, cal);
    for (unsigned i = 0; i < cfg->n_stages && i < ENGINE_MAX_STAGE_SETTINGS; i++) {
        e->settings.stages[i].kind = cfg->stages[i].kind;
        e->settings.stages[i].stages = cfg->stages[i].stages;
    }
    e->settings.n_stages = cfg->n_stages;
    e->settings.objections_open_per_application = cfg->objections_open_per_application;
    e->settings.objections_per_address_per_day = cfg->objections_per_address_per_day;
    e->settings.material_max_bytes = (int64_t)cfg->material_max_bytes;
    e->settings.materials_max_bytes = (int64_t)cfg->materials_max_bytes;
    e->settings.return_due_days = cfg->return_due_days;
    e->settings.many_per_round = !cfg->one_application_per_round;
    for (unsigned i = 0; i < cfg->n_annual_due && i < ENGINE_MAX_STAGE_SETTINGS; i++) {
        e->settings.annual_due[i].kind = cfg->annual_due[i].kind;
        e->settings.annual_due[i].due =
            (struct month_day){cfg->annual_due[i].month, cfg->annual_due[i].day};
    }
    e->settings.n_annual_due = cfg->n_annual_due;
    e->settings.refund_pro_rata = cfg->refund_pro_rata;
    e->settings.refund_days = cfg->refund_days;
    if (engine_check_settings(&e->settings, err, sizeof err) != 0)
        return fail("%s", err);
    return 0;
}

static size_t curl_collect(char *data, size_t size, size_t n, void *ctx)
{
    FILE *mem = ctx;
    return fwrite(data, size, n, mem);
}

char *read_source(const char *source, size_t *len)
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
