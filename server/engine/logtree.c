/*
 * The transparency log over the events (docs/TRANSPARENCY.md): each event,
 * in id order, is a leaf of one Merkle tree (leaf index = id - 1, leaf bytes
 * = the event's canonical encoding, chain.h), appended in the transaction
 * that writes the event; signed checkpoints of the tree and its proofs.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "chain.h"
#include "clock.h"
#include "digest.h"
#include "jsontext.h"
#include "sign.h"
#include "engine_impl.h"
#include "log.h"
#include "note.h"
#include "tlog.h"

/* Appends the leaf hash of an event to the tree of `size` leaves, in tx. */
static enum store_rc add_leaf(struct store_tx *tx, uint64_t size,
                              const unsigned char leaf[MERKLE_HASH_LEN])
{
    struct merkle_reader r;
    struct merkle_frontier f;
    struct merkle_node nodes[MERKLE_MAX_LEVELS + 1];
    size_t count = 0;
    store_tlog_reader_tx(&r, tx);
    /* The frontier from the stored subtrees: one read per bit of size. */
    if (merkle_frontier_load(&f, size, &r) != 0 || merkle_frontier_append(&f, leaf, nodes, &count))
        return STORE_ERROR;
    return store_tlog_nodes_add(tx, nodes, count);
}

void logtree_leaf_hash(unsigned char out[MERKLE_HASH_LEN], const char *leaf, size_t len)
{
    merkle_leaf_hash(out, (const unsigned char *)leaf, len);
}

int logtree_event_leaf_hash(unsigned char out[MERKLE_HASH_LEN], const struct event *e)
{
    char *text = chain_canonical(e, NULL);
    if (!text)
        return -1;
    logtree_leaf_hash(out, text, strlen(text));
    free(text);
    return 0;
}

struct catch_up {
    struct store_tx *tx;
    uint64_t size;
    enum store_rc rc;
};

static bool catch_up_one(const struct event *e, void *ctx)
{
    struct catch_up *cu = ctx;
    unsigned char leaf[MERKLE_HASH_LEN];
    if ((uint64_t)e->id != cu->size + 1) {
        log_json(
            LOG_ERROR, "the events and the transparency log disagree",
            json_pack("{s:I, s:I}", "event", (json_int_t)e->id, "leaves", (json_int_t)cu->size));
        cu->rc = STORE_ERROR;
        return false;
    }
    if (logtree_event_leaf_hash(leaf, e) != 0 || (cu->rc = add_leaf(cu->tx, cu->size, leaf))) {
        if (cu->rc == STORE_OK)
            cu->rc = STORE_ERROR;
        return false;
    }
    cu->size++;
    return true;
}

/* Appends, in tx, the events before `next_id` that are not leaves yet (a
 * database written before the log).  *size is the tree's size, updated. */
static enum store_rc catch_up(struct store_tx *tx, int64_t next_id, uint64_t *size)
{
    struct catch_up cu = {.tx = tx, .size = *size, .rc = STORE_OK};
    if ((uint64_t)next_id - 1 == *size)
        return STORE_OK;
    if ((uint64_t)next_id - 1 < *size) {
        /* More leaves than events: events were removed under the log. */
        log_json(LOG_ERROR, "the transparency log has more leaves than there are events",
                 json_pack("{s:I, s:I}", "events", (json_int_t)(next_id - 1), "leaves",
                           (json_int_t)*size));
        return STORE_ERROR;
    }
    enum store_rc rc =
        store_events_range_tx(tx, (int64_t)*size + 1, next_id - 1, catch_up_one, &cu);
    if (rc == STORE_OK)
        rc = cu.rc;
    if (rc == STORE_OK && cu.size != (uint64_t)next_id - 1) {
        log_json(LOG_ERROR, "events are missing under the transparency log",
                 json_pack("{s:I, s:I}", "expected", (json_int_t)(next_id - 1), "found",
                           (json_int_t)cu.size));
        rc = STORE_ERROR;
    }
    *size = cu.size;
    return rc;
}

enum store_rc logtree_append(struct store_tx *tx, const struct event *e, const char *body)
{
    uint64_t size = 0;
    size_t len = 0;
    unsigned char leaf[MERKLE_HASH_LEN];
    enum store_rc rc = store_tlog_size_tx(tx, &size);
    if (rc != STORE_OK)
        return rc;
    if (e->id < 1 || (rc = catch_up(tx, e->id, &size)) != STORE_OK)
        return rc == STORE_OK ? STORE_ERROR : rc;
    char *text = chain_canonical_of(e, body, &len);
    if (!text)
        return STORE_ERROR;
    logtree_leaf_hash(leaf, text, len);
    free(text);
    return add_leaf(tx, size, leaf);
}

static enum store_rc tx_backfill(struct store_tx *tx, void *ctx)
{
    uint64_t *added = ctx;
    int64_t last_id = 0;
    unsigned char last_hash[EVENT_HASH_LEN];
    uint64_t size = 0, before;
    enum store_rc rc = store_tlog_size_tx(tx, &size);
    if (rc != STORE_OK)
        return rc;
    rc = store_event_last(tx, &last_id, last_hash);
    if (rc == STORE_NOT_FOUND)
        last_id = 0;
    else if (rc != STORE_OK)
        return rc;
    before = size;
    rc = catch_up(tx, last_id + 1, &size);
    *added = size - before;
    return rc;
}

int engine_log_backfill(struct store *s, uint64_t *added)
{
    uint64_t n = 0;
    enum store_rc rc = store_write(s, tx_backfill, &n);
    if (added)
        *added = rc == STORE_OK ? n : 0;
    return rc == STORE_OK ? 0 : -1;
}

/* ---- reading the log ------------------------------------------------------ */

enum engine_rc engine_log_size(struct engine *e, uint64_t *size)
{
    return store_tlog_size(e->store, size) == STORE_OK ? ENGINE_OK : ENGINE_ERROR;
}

enum engine_rc engine_log_checkpoint(struct engine *e, char **note, size_t *len, uint64_t *size)
{
    const struct note_signer *k = e->log_key;
    struct merkle_reader r;
    struct checkpoint cp = {0};
    *note = NULL;
    if (!k || !k->sk)
        return ENGINE_UNAVAILABLE;
    store_tlog_reader(&r, e->store);
    /* The size first: the tree of that size never changes afterwards. */
    if (store_tlog_size(e->store, &cp.size) != STORE_OK || merkle_root(cp.root, cp.size, &r) != 0)
        return ENGINE_ERROR;
    cp.origin = k->name;
    size_t text_len = 0;
    char *text = checkpoint_format(&cp, &text_len);
    if (!text)
        return ENGINE_ERROR;
    *note = note_sign(k, text, text_len, len);
    free(text);
    if (size)
        *size = cp.size;
    return *note ? ENGINE_OK : ENGINE_ERROR;
}

json_t *log_hashes_json(const unsigned char *hashes, size_t count)
{
    json_t *a = json_array();
    char b64[sodium_base64_ENCODED_LEN(MERKLE_HASH_LEN, sodium_base64_VARIANT_ORIGINAL)];
    for (size_t i = 0; a && i < count; i++) {
        sodium_bin2base64(b64, sizeof b64, hashes + i * MERKLE_HASH_LEN, MERKLE_HASH_LEN,
                          sodium_base64_VARIANT_ORIGINAL);
        if (json_array_append_new(a, json_string(b64)) != 0) {
            json_decref(a);
            return NULL;
        }
    }
    return a;
}

enum engine_rc engine_log_inclusion(struct engine *e, uint64_t index, uint64_t size, json_t **out)
{
    unsigned char proof[MERKLE_MAX_PROOF * MERKLE_HASH_LEN];
    unsigned char leaf[MERKLE_HASH_LEN];
    size_t count = 0;
    uint64_t have = 0;
    struct merkle_reader r;
    *out = NULL;
    if (store_tlog_size(e->store, &have) != STORE_OK)
        return ENGINE_ERROR;
    if (index >= size || size > have)
        return ENGINE_NOT_FOUND;
    store_tlog_reader(&r, e->store);
    if (merkle_inclusion_proof(proof, &count, index, size, &r) != 0 ||
        store_tlog_node(e->store, 0, index, leaf) != STORE_OK)
        return ENGINE_ERROR;
    json_t *hashes = log_hashes_json(proof, count);
    json_t *leaf_hash = log_hashes_json(leaf, 1);
    if (!hashes || !leaf_hash) {
        json_decref(hashes);
        json_decref(leaf_hash);
        return ENGINE_ERROR;
    }
    *out = json_pack("{s:I, s:I, s:O, s:o}", "index", (json_int_t)index, "size", (json_int_t)size,
                     "leaf_hash", json_array_get(leaf_hash, 0), "hashes", hashes);
    json_decref(leaf_hash);
    return *out ? ENGINE_OK : ENGINE_ERROR;
}

enum engine_rc engine_log_consistency(struct engine *e, uint64_t from, uint64_t to, json_t **out)
{
    unsigned char proof[MERKLE_MAX_PROOF * MERKLE_HASH_LEN];
    size_t count = 0;
    uint64_t have = 0;
    struct merkle_reader r;
    *out = NULL;
    if (store_tlog_size(e->store, &have) != STORE_OK)
        return ENGINE_ERROR;
    if (from > to || to > have)
        return ENGINE_NOT_FOUND;
    store_tlog_reader(&r, e->store);
    /* Every tree extends the empty one: nothing to prove from size 0. */
    if (from > 0 && merkle_consistency_proof(proof, &count, from, to, &r) != 0)
        return ENGINE_ERROR;
    json_t *hashes = log_hashes_json(proof, count);
    *out = hashes ? json_pack("{s:I, s:I, s:o}", "from", (json_int_t)from, "to", (json_int_t)to,
                              "hashes", hashes)
                  : NULL;
    return *out ? ENGINE_OK : ENGINE_ERROR;
}

json_t *engine_log_entry_json(const struct event *ev)
{
    size_t len = 0;
    unsigned char leaf[MERKLE_HASH_LEN];
    char *body = chain_body(ev, NULL);
    char *text = chain_canonical_of(ev, body, &len);
    free(body);
    json_t *o = text ? event_to_json(ev) : NULL;
    if (!o) {
        free(text);
        return NULL;
    }
    logtree_leaf_hash(leaf, text, len);
    json_t *leaf_hash = log_hashes_json(leaf, 1);
    size_t cap = sodium_base64_ENCODED_LEN(len, sodium_base64_VARIANT_ORIGINAL);
    char *b64 = malloc(cap);
    if (b64)
        sodium_bin2base64(b64, cap, (const unsigned char *)text, len,
                          sodium_base64_VARIANT_ORIGINAL);
    free(text);
    if (!leaf_hash || !b64 ||
        json_object_set_new(o, "index", json_integer((json_int_t)(ev->id - 1))) != 0 ||
        json_object_set_new(o, "application_id", json_integer(ev->application_id)) != 0 ||
        json_object_set_new(o, "leaf", json_string(b64)) != 0) {
        free(b64);
        json_decref(leaf_hash);
        json_decref(o);
        return NULL;
    }
    free(b64);
    json_decref(leaf_hash);
    return o;
}

struct entries {
    void (*fn)(json_t *entry, void *ctx);
    void *ctx;
    int64_t next;
    bool failed;
};

static bool entry_one(const struct event *ev, void *ctx)
{
    struct entries *en = ctx;
    json_t *o = ev->id == en->next ? engine_log_entry_json(ev) : NULL;
    if (!o) {
        en->failed = true;
        return false;
    }
    en->next++;
    en->fn(o, en->ctx);
    return true;
}

enum engine_rc engine_log_entries(struct engine *e, uint64_t start, uint64_t end,
                                  void (*fn)(json_t *entry, void *ctx), void *ctx)
{
    uint64_t have = 0;
    if (store_tlog_size(e->store, &have) != STORE_OK)
        return ENGINE_ERROR;
    if (start > end || end > have)
        return ENGINE_NOT_FOUND;
    if (start == end)
        return ENGINE_OK;
    struct entries en = {.fn = fn, .ctx = ctx, .next = (int64_t)start + 1};
    enum store_rc rc =
        store_events_range(e->store, (int64_t)start + 1, (int64_t)end, entry_one, &en);
    /* Every leaf below the tree's size is an event: a gap is a database
     * changed under the log. */
    if (rc != STORE_OK || en.failed || en.next != (int64_t)end + 1)
        return ENGINE_ERROR;
    return ENGINE_OK;
}

/* ---- checking the log ------------------------------------------------------ */

struct audit_tree {
    struct store *s;
    const struct checkpoint *cp;
    uint64_t stored; /* leaves the database holds */
    struct merkle_frontier f;
    bool cp_checked;
    char *report;
    size_t cap;
    bool failed;
    int64_t max_app; /* the highest application id an event names */
    /* Which application ids some event names (index: id): ids no event
     * names are no concern of the log (a PostgreSQL sequence skips the ids
     * of transactions it rolled back). */
    unsigned char *named;
    size_t n_named;
    /* The objections the events filed, in id order, with the outcome the
     * events gave each ("open" until resolved). */
    struct logged_objection {
        int64_t id, application_id;
        char status[16];
        bool row_seen;
    } * objections;
    size_t n_objections, cap_objections;
    /* The ranked items the last "ranked" event of each application gave
     * (index: application id; NULL: none or null). */
    json_t **ranked;
    size_t n_ranked;
};

static void checkpoint_root_check(struct audit_tree *at)
{
    unsigned char root[MERKLE_HASH_LEN];
    char b64[sodium_base64_ENCODED_LEN(MERKLE_HASH_LEN, sodium_base64_VARIANT_ORIGINAL)];
    at->cp_checked = true;
    merkle_frontier_root(root, &at->f);
    if (sodium_memcmp(root, at->cp->root, MERKLE_HASH_LEN) == 0)
        return;
    sodium_bin2base64(b64, sizeof b64, root, MERKLE_HASH_LEN, sodium_base64_VARIANT_ORIGINAL);
    snprintf(at->report, at->cap,
             "the first %llu events hash to %s, not to the checkpoint's root: the history up "
             "to event %llu (log index %llu) was rewritten, together with the log's stored "
             "tree, so the checkpoint alone cannot say which event",
             (unsigned long long)at->f.size, b64, (unsigned long long)at->f.size,
             (unsigned long long)at->f.size - 1);
    at->failed = true;
}

/* An event that names an envelope (create, edit, submit: data_sha256 and
 * version) must name the version kept: 0, or -1 with the report. */
static int audit_named_version(struct audit_tree *at, const struct event *e)
{
    json_t *details = e->details_json ? parse_json0(e->details_json, 0, NULL) : NULL;
    const char *named = json_string_value(json_object_get(details, "data_sha256"));
    json_int_t version = json_integer_value(json_object_get(details, "version"));
    struct app_version v;
    char hex[VERSION_SHA256_LEN * 2 + 1];
    int ret = 0;
    if (!named || version < 1) {
        json_decref(details);
        return 0;
    }
    enum store_rc rc = store_version_get(at->s, e->application_id, version, &v);
    if (rc == STORE_OK)
        sodium_bin2hex(hex, sizeof hex, v.sha256, VERSION_SHA256_LEN);
    if (rc == STORE_ERROR) {
        snprintf(at->report, at->cap, "the versions could not be read");
        ret = -1;
    } else if (rc != STORE_OK || strcmp(hex, named) != 0) {
        snprintf(at->report, at->cap,
                 "event %lld (log index %lld) names version %lld of application %lld with "
                 "SHA-256 %.16s…, but the version kept %s: it was changed outside the log",
                 (long long)e->id, (long long)e->id - 1, (long long)version,
                 (long long)e->application_id, named,
                 rc == STORE_OK ? "has another" : "is missing");
        ret = -1;
    }
    if (rc == STORE_OK)
        app_version_release(&v);
    json_decref(details);
    if (ret != 0)
        at->failed = true;
    return ret;
}

static struct logged_objection *logged_objection(struct audit_tree *at, int64_t id)
{
    size_t lo = 0, hi = at->n_objections;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (at->objections[mid].id == id)
            return &at->objections[mid];
        if (at->objections[mid].id < id)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

/* What a "ranked" event gave its application.  0, or -1 when memory runs
 * out. */
static int note_ranked(struct audit_tree *at, const struct event *e)
{
    if (strcmp(e->action, "ranked") != 0 || e->application_id < 1)
        return 0;
    if ((size_t)e->application_id >= at->n_ranked) {
        size_t n = (size_t)e->application_id * 2 + 16;
        json_t **p = realloc(at->ranked, n * sizeof *p);
        if (!p)
            return -1;
        memset(p + at->n_ranked, 0, (n - at->n_ranked) * sizeof *p);
        at->ranked = p;
        at->n_ranked = n;
    }
    json_t *details = e->details_json ? parse_json0(e->details_json, 0, NULL) : NULL;
    json_t *items = json_object_get(details, "ranked_items");
    json_decref(at->ranked[e->application_id]);
    at->ranked[e->application_id] = json_is_null(items) ? NULL : json_incref(items);
    json_decref(details);
    return 0;
}

/* What an event says of an objection: filed (its id), or resolved (its id
 * and outcome).  0, or -1 when memory runs out. */
static int note_objection(struct audit_tree *at, const struct event *e)
{
    bool filed = strcmp(e->action, "objection_filed") == 0;
    bool resolved =
        strcmp(e->action, "objection_upheld") == 0 || strcmp(e->action, "objection_dismissed") == 0;
    if (!filed && !resolved)
        return 0;
    json_t *details = e->details_json ? parse_json0(e->details_json, 0, NULL) : NULL;
    int64_t id = json_integer_value(json_object_get(details, "objection"));
    json_decref(details);
    if (id <= 0)
        return 0;
    if (resolved) {
        struct logged_objection *o = logged_objection(at, id);
        if (o)
            snprintf(o->status, sizeof o->status, "%s", e->action + strlen("objection_"));
        return 0;
    }
    /* Filed in id order; one out of order is kept apart by the search,
     * and then reported as a row the log does not account for. */
    if (at->n_objections > 0 && at->objections[at->n_objections - 1].id >= id)
        return 0;
    if (at->n_objections == at->cap_objections) {
        size_t cap = at->cap_objections ? 2 * at->cap_objections : 64;
        void *p = realloc(at->objections, cap * sizeof *at->objections);
        if (!p)
            return -1;
        at->objections = p;
        at->cap_objections = cap;
    }
    struct logged_objection *o = &at->objections[at->n_objections++];
    memset(o, 0, sizeof *o);
    o->id = id;
    o->application_id = e->application_id;
    snprintf(o->status, sizeof o->status, "open");
    return 0;
}

struct objection_rows {
    struct audit_tree *at;
    bool bad;
};

static void check_objection_row(const struct objection *row, void *ctx)
{
    struct objection_rows * or = ctx;
    struct audit_tree *at = or->at;
    struct logged_objection *o = logged_objection(at, row->id);
    if (or->bad)
        return;
    if (!o || o->application_id != row->application_id) {
        snprintf(at->report, at->cap,
                 "objection %lld to application %lld was filed by no event: it was added "
                 "outside the log",
                 (long long)row->id, (long long)row->application_id);
        or->bad = true;
    } else if (strcmp(o->status, row->status) != 0) {
        snprintf(at->report, at->cap,
                 "objection %lld to application %lld is %s but its events left it %s: it was "
                 "changed outside the log",
                 (long long)row->id, (long long)row->application_id, row->status, o->status);
        or->bad = true;
    }
    if (o)
        o->row_seen = true;
}

/* Each application as stored must be its latest version as kept, and that
 * version its own bytes: 0, or -1 with the report (-2: the store failed). */
static int audit_rows(struct audit_tree *at)
{
    for (int64_t id = 1; id <= at->max_app; id++) {
        if ((size_t)id >= at->n_named || !at->named[id])
            continue;
        struct application row = {0};
        struct app_version v;
        unsigned char sha[VERSION_SHA256_LEN], kept[VERSION_SHA256_LEN];
        enum store_rc rc = store_app_get(at->s, id, &row);
        if (rc == STORE_NOT_FOUND) {
            snprintf(at->report, at->cap,
                     "application %lld has events but no row: it was removed outside the log",
                     (long long)id);
            return -1;
        }
        if (rc != STORE_OK)
            return -2;
        char *text = envelope_text(&row, sha);
        rc = text ? store_version_get(at->s, id, row.version, &v) : STORE_ERROR;
        free(text);
        int64_t version = row.version;
        /* The items a ranking gave it (what its award is computed on) are
         * the ones its last "ranked" event recorded. */
        json_t *facts = row.facts_json ? parse_json0(row.facts_json, 0, NULL) : NULL;
        json_t *items = json_object_get(facts, "ranked_items");
        json_t *logged = (size_t)id < at->n_ranked ? at->ranked[id] : NULL;
        bool ranked_ok = json_is_null(items) ? !logged
                         : items             ? logged && json_equal(items, logged)
                                             : !logged;
        json_decref(facts);
        application_release(&row);
        if (!ranked_ok) {
            if (rc == STORE_OK)
                app_version_release(&v);
            snprintf(at->report, at->cap,
                     "application %lld's ranked items are not the ones its last ranked event "
                     "gave it: the row was changed outside the log",
                     (long long)id);
            return -1;
        }
        if (rc == STORE_NOT_FOUND)
            continue; /* stored before versions were kept, unchanged since */
        if (rc != STORE_OK)
            return -2;
        digest_sha256(kept, v.envelope, strlen(v.envelope));
        bool own = sodium_memcmp(kept, v.sha256, sizeof kept) == 0;
        bool same = sodium_memcmp(sha, v.sha256, sizeof sha) == 0;
        app_version_release(&v);
        if (!own) {
            snprintf(at->report, at->cap,
                     "version %lld of application %lld no longer hashes to its SHA-256: it was "
                     "changed outside the log",
                     (long long)version, (long long)id);
            return -1;
        }
        if (!same) {
            snprintf(at->report, at->cap,
                     "application %lld is not its version %lld as kept (applicant, data, kind, "
                     "review unit or round differ): the row was changed outside the log",
                     (long long)id, (long long)version);
            return -1;
        }
    }
    /* The objections: each row filed by an event, as its events left it;
     * each one filed still there. */
    struct objection_rows or = {.at = at};
    for (int64_t id = 1; id <= at->max_app && ! or.bad; id++)
        if (store_objections_of(at->s, id, check_objection_row, & or) != STORE_OK)
            return -2;
    if (or.bad)
        return -1;
    for (size_t i = 0; i < at->n_objections; i++)
        if (!at->objections[i].row_seen) {
            snprintf(at->report, at->cap,
                     "objection %lld to application %lld, filed in the log, is gone: it was "
                     "removed outside the log",
                     (long long)at->objections[i].id, (long long)at->objections[i].application_id);
            return -1;
        }
    return 0;
}

static bool audit_leaf(const struct event *e, void *ctx)
{
    struct audit_tree *at = ctx;
    unsigned char leaf[MERKLE_HASH_LEN], stored[MERKLE_HASH_LEN];
    struct merkle_node nodes[MERKLE_MAX_LEVELS + 1];
    size_t count;
    uint64_t index = at->f.size;
    if (logtree_event_leaf_hash(leaf, e) != 0) {
        at->failed = true;
        snprintf(at->report, at->cap, "out of memory");
        return false;
    }
    if (index < at->stored) {
        enum store_rc rc = store_tlog_node(at->s, 0, index, stored);
        if (rc == STORE_ERROR) {
            at->failed = true;
            snprintf(at->report, at->cap, "the log's leaves could not be read");
            return false;
        }
        if (rc != STORE_OK || sodium_memcmp(stored, leaf, MERKLE_HASH_LEN) != 0) {
            snprintf(at->report, at->cap,
                     "event %lld (log index %llu) is not the leaf the log holds at that index: "
                     "the events diverge from the published log there (changed, removed, "
                     "reordered or inserted)",
                     (long long)e->id, (unsigned long long)index);
            at->failed = true;
            return false;
        }
    }
    if (e->application_id > at->max_app)
        at->max_app = e->application_id;
    if (e->application_id > 0 && (size_t)e->application_id >= at->n_named) {
        size_t n = (size_t)e->application_id * 2 + 64;
        unsigned char *p = realloc(at->named, n);
        if (!p) {
            snprintf(at->report, at->cap, "out of memory");
            at->failed = true;
            return false;
        }
        memset(p + at->n_named, 0, n - at->n_named);
        at->named = p;
        at->n_named = n;
    }
    if (e->application_id > 0)
        at->named[e->application_id] = 1;
    if (audit_named_version(at, e) != 0)
        return false;
    if (note_objection(at, e) != 0 || note_ranked(at, e) != 0) {
        snprintf(at->report, at->cap, "out of memory");
        at->failed = true;
        return false;
    }
    merkle_frontier_append(&at->f, leaf, nodes, &count);
    if (at->cp && at->f.size == at->cp->size) {
        checkpoint_root_check(at);
        if (at->failed)
            return false;
    }
    return true;
}

int engine_audit_log(struct store *s, const struct checkpoint *cp, uint64_t *size,
                     unsigned char root[MERKLE_HASH_LEN], char *report, size_t cap)
{
    struct audit_tree *at = calloc(1, sizeof *at);
    int ret = -1;
    if (!at)
        return -2;
    at->s = s;
    at->cp = cp;
    at->report = report;
    at->cap = cap;
    report[0] = '\0';
    merkle_frontier_init(&at->f);
    if (store_tlog_size(s, &at->stored) != STORE_OK ||
        store_events_each(s, audit_leaf, at) != STORE_OK) {
        ret = -2;
        goto out;
    }
    if (at->failed)
        goto out;
    if (cp && cp->size == 0)
        checkpoint_root_check(at); /* the empty tree's root */
    if (at->failed)
        goto out;
    if (cp && at->f.size < cp->size) {
        snprintf(report, cap,
                 "the log has %llu events but the checkpoint was taken at %llu: event %llu "
                 "(log index %llu) and every one after it were removed",
                 (unsigned long long)at->f.size, (unsigned long long)cp->size,
                 (unsigned long long)at->f.size + 1, (unsigned long long)at->f.size);
        goto out;
    }
    if (at->f.size < at->stored) {
        snprintf(report, cap,
                 "the log holds %llu leaves but there are %llu events: event %llu (log index "
                 "%llu) and every one after it were removed",
                 (unsigned long long)at->stored, (unsigned long long)at->f.size,
                 (unsigned long long)at->f.size + 1, (unsigned long long)at->f.size);
        goto out;
    }
    int rows = audit_rows(at);
    if (rows == -2) {
        ret = -2;
        goto out;
    }
    if (rows != 0)
        goto out;
    struct state_mismatch m;
    enum store_rc rc = store_tlog_state_mismatch(s, &m);
    if (rc == STORE_ERROR) {
        ret = -2;
        goto out;
    }
    if (rc == STORE_OK && m.what == STATE_APPLICATION_STATUS) {
        snprintf(report, cap,
                 "application %lld is %s but its last event left it %s: the row was changed "
                 "outside the log",
                 (long long)m.application_id, m.stored, m.logged[0] ? m.logged : "(no event)");
        goto out;
    }
    if (rc == STORE_OK) {
        snprintf(report, cap,
                 "certificate %s (application %lld) is %s, which its application's events do "
                 "not say: the row was changed outside the log",
                 m.serial, (long long)m.application_id, m.stored);
        goto out;
    }
    if (size)
        *size = at->f.size;
    if (root)
        merkle_frontier_root(root, &at->f);
    ret = 0;
out:
    for (size_t i = 0; i < at->n_ranked; i++)
        json_decref(at->ranked[i]);
    free(at->ranked);
    free(at->named);
    free(at->objections);
    free(at);
    return ret;
}

/* ---- certificate bundles ------------------------------------------------- */

struct find_event {
    const char *hash_hex;
    struct event found;
    bool have;
};

static void find_event_one(const struct event *ev, void *ctx)
{
    struct find_event *fe = ctx;
    char hex[EVENT_HASH_LEN * 2 + 1];
    sodium_bin2hex(hex, sizeof hex, ev->hash, EVENT_HASH_LEN);
    if (fe->have || strcmp(hex, fe->hash_hex) != 0)
        return;
    /* Copied: the store releases ev after the call. */
    fe->found = *ev;
    fe->found.opinion = ev->opinion ? strdup(ev->opinion) : NULL;
    fe->found.details_json = ev->details_json ? strdup(ev->details_json) : NULL;
    fe->found.actor_name = ev->actor_name ? strdup(ev->actor_name) : NULL;
    fe->have = true;
}

enum engine_rc engine_certificate_bundle(struct engine *e, const char *serial, int64_t now,
                                         json_t **out)
{
    struct certificate_row row;
    struct find_event fe = {0};
    const struct signing_key *key = atomic_load(&e->key);
    char *note = NULL, *status_text = NULL, *status_jws = NULL, *leaf = NULL, *leaf_b64 = NULL;
    size_t note_len = 0, leaf_len = 0;
    uint64_t size = 0;
    json_t *doc = NULL, *inclusion = NULL, *status_doc = NULL;
    enum engine_rc rc;
    char at[RFC3339_LEN];
    *out = NULL;
    enum store_rc src = store_cert_get(e->store, serial, &row);
    if (src == STORE_NOT_FOUND)
        return ENGINE_NOT_FOUND;
    if (src != STORE_OK)
        return ENGINE_ERROR;
    rc = ENGINE_ERROR;
    doc = parse_json0(row.document_json, 0, NULL);
    fe.hash_hex = json_string_value(json_object_get(doc, "application_event_hash"));
    if (!doc || !fe.hash_hex ||
        store_events_of(e->store, row.application_id, find_event_one, &fe) != STORE_OK || !fe.have)
        goto out;
    if ((rc = engine_log_checkpoint(e, &note, &note_len, &size)) != ENGINE_OK)
        goto out;
    rc = ENGINE_ERROR;
    if ((uint64_t)fe.found.id > size ||
        engine_log_inclusion(e, (uint64_t)fe.found.id - 1, size, &inclusion) != ENGINE_OK)
        goto out;
    char *body = chain_body(&fe.found, NULL);
    leaf = chain_canonical_of(&fe.found, body, &leaf_len);
    free(body);
    size_t cap = sodium_base64_ENCODED_LEN(leaf_len, sodium_base64_VARIANT_ORIGINAL);
    leaf_b64 = leaf ? malloc(cap) : NULL;
    if (!leaf_b64)
        goto out;
    sodium_bin2base64(leaf_b64, cap, (const unsigned char *)leaf, leaf_len,
                      sodium_base64_VARIANT_ORIGINAL);
    /* The status as of now, signed: an offline check of a revoked
     * certificate sees the revocation. */
    const char *status = certificate_status(&row, now);
    clock_format_rfc3339(now, at);
    status_doc = json_pack("{s:s, s:s, s:s}", "serial", row.serial, "status", status, "at", at);
    if (status_doc && row.revoked_at[0])
        json_object_set_new(status_doc, "revoked_at", json_string(row.revoked_at));
    status_text = status_doc ? dump_json(status_doc, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
    if (!key || !key->sk) {
        rc = ENGINE_UNAVAILABLE;
        goto out;
    }
    status_jws = status_text ? jws_sign(key, status_text, strlen(status_text)) : NULL;
    if (!status_jws)
        goto out;
    *out = json_pack("{s:O, s:s, s:s, s:s, s:I, s:s, s:O, s:s}", "certificate", doc, "jws", row.jws,
                     "status", status, "status_jws", status_jws, "log_index",
                     (json_int_t)(fe.found.id - 1), "leaf", leaf_b64, "inclusion", inclusion,
                     "checkpoint", note);
    rc = *out ? ENGINE_OK : ENGINE_ERROR;
out:
    json_decref(doc);
    json_decref(inclusion);
    json_decref(status_doc);
    free(note);
    free(status_text);
    free(status_jws);
    free(leaf);
    free(leaf_b64);
    if (fe.have)
        event_release(&fe.found);
    certificate_release(&row);
    return rc;
}
