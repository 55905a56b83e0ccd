/*
 * The log of what happens to applications: shenbao tick (the transitions
 * due at an instant) and shenbao audit verify (the hash chain, the
 * transparency log, and a checkpoint saved earlier).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>
#include <unistd.h>

#include "jsontext.h"
#include "merkle.h"

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

/* Reads and opens the checkpoint file against the log's key: --log-key (a
 * file or URL holding the verifier key, as GET /v1/log/key gives it), else
 * the public half of the log key in the key directory.  0, or 1 after
 * saying why. */
static int read_checkpoint(struct cli *c, struct checkpoint *cp)
{
    char err[512];
    struct note_verifier v = {0};
    size_t len = 0;
    if (c->log_key) {
        char *vkey = read_source(c->log_key, &len);
        if (vkey)
            vkey[strcspn(vkey, "\r\n")] = '\0';
        int rc = vkey ? note_verifier_parse(&v, vkey) : -1;
        free(vkey);
        if (rc != 0)
            return fail("audit verify: %s holds no note verifier key", c->log_key);
    } else {
        struct note_signer key = {0};
        if (note_key_load(&key, c->cfg.keys, c->cfg.log_origin, err, sizeof err) != 0)
            return fail("audit verify: the log's key is needed to check the checkpoint (give "
                        "--log-key FILE, as GET /v1/log/key gives it): %s",
                        err);
        v.name = strdup(key.name);
        v.id = key.id;
        memcpy(v.pk, key.pk, sizeof v.pk);
        note_signer_free(&key);
        if (!v.name)
            return fail("audit verify: out of memory");
    }
    char *text = read_source(c->checkpoint, &len);
    if (!text) {
        note_verifier_release(&v);
        return fail("audit verify: --checkpoint %s cannot be read", c->checkpoint);
    }
    int rc = checkpoint_open(cp, text, len, &v);
    note_verifier_release(&v);
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

/* ---- audit watch ---------------------------------------------------------- */

/*
 * The state file: the log's verifier key on its first line (taken from the
 * server the first time, and never again: trust on first use), then the
 * last signed checkpoint that was verified.
 */

/* GET url + path, whole; NULL after saying why. */
static char *fetch(const char *url, const char *path, size_t *len)
{
    size_t n = strlen(url);
    char *full = malloc(n + strlen(path) + 1);
    if (!full)
        return NULL;
    /* One slash between them, however the URL ends. */
    while (n > 0 && url[n - 1] == '/')
        n--;
    memcpy(full, url, n);
    memcpy(full + n, path, strlen(path) + 1);
    char *text = read_source(full, len);
    if (!text)
        fail("audit watch: %s could not be fetched", full);
    free(full);
    return text;
}

/* The hashes of a proof's JSON ("hashes": [base64…]) into out; -1 when they
 * are not 32-byte hashes or too many. */
static int proof_hashes(json_t *doc, unsigned char *out, size_t *count)
{
    json_t *a = json_object_get(doc, "hashes");
    size_t i;
    json_t *h;
    if (!json_is_array(a) || json_array_size(a) > MERKLE_MAX_PROOF)
        return -1;
    json_array_foreach(a, i, h)
    {
        const char *s = json_string_value(h);
        size_t bin = 0;
        if (!s ||
            sodium_base642bin(out + i * MERKLE_HASH_LEN, MERKLE_HASH_LEN, s, strlen(s), NULL, &bin,
                              NULL, sodium_base64_VARIANT_ORIGINAL) != 0 ||
            bin != MERKLE_HASH_LEN)
            return -1;
    }
    *count = json_array_size(a);
    return 0;
}

/* Writes the state atomically (a new file renamed over the old). */
static int save_state(const char *path, const char *vkey, const char *note, size_t len)
{
    size_t n = strlen(path);
    char *tmp = malloc(n + 8);
    if (!tmp)
        return -1;
    snprintf(tmp, n + 8, "%s.new", path);
    FILE *f = fopen(tmp, "wb");
    bool ok = f && fprintf(f, "%s\n", vkey) > 0 && fwrite(note, 1, len, f) == len;
    if (f && fflush(f) == 0 && ok)
        ok = fsync(fileno(f)) == 0;
    if (f && fclose(f) != 0)
        ok = false;
    if (ok)
        ok = rename(tmp, path) == 0;
    else
        unlink(tmp);
    free(tmp);
    return ok ? 0 : -1;
}

int cmd_audit_watch(struct cli *c)
{
    if (!c->url || !c->state)
        return fail("audit watch: --url URL and --state FILE are required");
    int ret = 1;
    size_t len = 0, old_len = 0;
    char *state = read_source(c->state, &old_len);
    char *vkey = NULL, *old_note = NULL, *note = NULL, *proof = NULL;
    struct note_verifier v = {0};
    struct checkpoint old = {0}, cp = {0};
    if (state) {
        char *nl = memchr(state, '\n', old_len);
        if (!nl)
            goto bad_state;
        *nl = '\0';
        vkey = strdup(state);
        old_note = nl + 1;
        old_len -= (size_t)(old_note - state);
        if (!vkey || note_verifier_parse(&v, vkey) != 0 ||
            checkpoint_open(&old, old_note, old_len, &v) != 0)
            goto bad_state;
    } else if (access(c->state, F_OK) == 0) {
        fail("audit watch: %s cannot be read", c->state);
        goto out;
    } else {
        /* The first run: the key as the server gives it, kept from now on. */
        vkey = fetch(c->url, "/v1/log/key", &len);
        if (!vkey)
            goto out;
        vkey[strcspn(vkey, "\n")] = '\0';
        if (note_verifier_parse(&v, vkey) != 0) {
            fail("audit watch: %s/v1/log/key is not a note verifier key", c->url);
            goto out;
        }
    }
    note = fetch(c->url, "/v1/log/checkpoint", &len);
    if (!note)
        goto out;
    if (checkpoint_open(&cp, note, len, &v) != 0) {
        fail("audit watch: the checkpoint the server gives is not signed by the log key %s", vkey);
        goto out;
    }
    if (state && cp.size < old.size) {
        fail("audit watch: the log shrank from %llu to %llu leaves: leaves from index %llu on "
             "were removed",
             (unsigned long long)old.size, (unsigned long long)cp.size,
             (unsigned long long)cp.size);
        goto out;
    }
    if (state && old.size > 0) {
        char path[96];
        unsigned char hashes[MERKLE_MAX_PROOF * MERKLE_HASH_LEN];
        size_t count = 0, plen = 0;
        snprintf(path, sizeof path, "/v1/log/proof/consistency?from=%llu&to=%llu",
                 (unsigned long long)old.size, (unsigned long long)cp.size);
        proof = fetch(c->url, path, &plen);
        if (!proof)
            goto out;
        json_t *doc = parse_json0(proof, 0, NULL);
        int bad = !doc || proof_hashes(doc, hashes, &count) != 0;
        json_decref(doc);
        if (bad) {
            fail("audit watch: %s%s is not a consistency proof", c->url, path);
            goto out;
        }
        if (merkle_verify_consistency(old.size, cp.size, old.root, cp.root, hashes, count) != 0) {
            fail("audit watch: the log of %llu leaves does not extend the one of %llu leaves "
                 "saved in %s: history before leaf index %llu was changed",
                 (unsigned long long)cp.size, (unsigned long long)old.size, c->state,
                 (unsigned long long)old.size);
            goto out;
        }
    }
    if (save_state(c->state, vkey, note, len) != 0) {
        fail("audit watch: %s could not be written", c->state);
        goto out;
    }
    if (state)
        printf("audit watch: the log grew from %llu to %llu leaves, consistently; saved in %s\n",
               (unsigned long long)old.size, (unsigned long long)cp.size, c->state);
    else
        printf("audit watch: first checkpoint (%llu leaves) and the log key %s saved in %s\n",
               (unsigned long long)cp.size, vkey, c->state);
    ret = 0;
    goto out;
bad_state:
    fail("audit watch: %s is not a state this command wrote (a verifier key line, then a "
         "checkpoint signed by it)",
         c->state);
out:
    checkpoint_release(&old);
    checkpoint_release(&cp);
    note_verifier_release(&v);
    free(vkey);
    free(state);
    free(note);
    free(proof);
    return ret;
}
