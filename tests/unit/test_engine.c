/*
 * The engine without HTTP: applications created, walked through their
 * stages and issued by actors, on a temporary database — with a kind that
 * lives only in the test tree (toy_kind.c), registered at start, to show
 * that a kind is its own file and one row.  Also what the engine answers
 * when it says no: not found, forbidden, invalid, refused, stale.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include <sqlite3.h>

#include "calendar.h"
#include "chain.h"
#include "clock.h"
#include "embedded.h"
#include "engine.h"
#include "merkle.h"
#include "note.h"
#include "sign.h"
#include "support.h"
#include "toy_kind.h"

#define USCC_A "91110108551385082Q"
#define USCC_B "91110105MA01BBBBB6"

static char *db_path, *key_dir;
static struct store *st;
static struct calendar *cal;
static struct engine eng;
static struct signing_key key;
static struct account applicant, other, reviewer, clerk;
static struct actor applicant_actor, other_actor, reviewer_actor, clerk_actor;
static int64_t now;

static enum store_rc tx_setup(struct store_tx *tx, void *ctx)
{
    (void)ctx;
    struct unit u = {.id = "110108", .name_zh = "海淀区", .name_en = "Haidian", .kind = "district"};
    enum store_rc rc = store_unit_put(tx, &u);
    struct account *all[] = {&applicant, &other, &reviewer, &clerk};
    for (size_t i = 0; i < 4 && rc == STORE_OK; i++)
        rc = store_account_add(tx, all[i]);
    return rc;
}

static enum store_rc tx_key(struct store_tx *tx, void *ctx)
{
    return store_key_rotate(tx, ctx);
}

static void account(struct account *a, const char *role, const char *uscc, const char *unit,
                    const char *authority)
{
    memset(a, 0, sizeof *a);
    snprintf(a->role, sizeof a->role, "%s", role);
    snprintf(a->name, sizeof a->name, "%s 的账户", role);
    snprintf(a->uscc, sizeof a->uscc, "%s", uscc);
    snprintf(a->unit, sizeof a->unit, "%s", unit);
    snprintf(a->authority, sizeof a->authority, "%s", authority);
    snprintf(a->created_at, sizeof a->created_at, "2020-09-01T00:00:00Z");
}

static void setup(void)
{
    char err[256];
    ck_assert_int_eq(clock_parse_rfc3339("2020-09-29T10:00:00+08:00", &now), 0);
    db_path = support_tmp_db();
    st = store_open(db_path, err, sizeof err);
    ck_assert_msg(st != NULL, "%s", err);
    ck_assert_int_eq(store_migrate(st, NULL, err, sizeof err), 0);
    account(&applicant, "applicant", USCC_A, "", "");
    account(&other, "applicant", USCC_B, "", "");
    account(&reviewer, "municipal_reviewer", "", "", "science_tech");
    account(&clerk, "district_reviewer", "", "110108", "");
    ck_assert_int_eq(store_write(st, tx_setup, NULL), STORE_OK);
    actor_of_account(&applicant_actor, &applicant);
    actor_of_account(&other_actor, &other);
    actor_of_account(&reviewer_actor, &reviewer);
    actor_of_account(&clerk_actor, &clerk);

    const struct embedded_file *f = embedded_find(embedded_config, "cn-workdays.json");
    cal = calendar_load(f->data, f->len, err, sizeof err);
    ck_assert_msg(cal != NULL, "%s", err);
    ck_assert_int_eq(engine_init(&eng, st, cal), 0);

    key_dir = support_tmpdir();
    struct key_row row = {0};
    unsigned char pk[SIGN_PUBLIC_LEN];
    char keys[1100];
    snprintf(keys, sizeof keys, "%s/keys", key_dir);
    ck_assert_int_eq(sign_keygen(keys, row.kid, pk, err, sizeof err), 0);
    sign_x(row.x, pk);
    snprintf(row.created_at, sizeof row.created_at, "2020-09-01T00:00:00Z");
    ck_assert_int_eq(store_write(st, tx_key, &row), STORE_OK);
    ck_assert_int_eq(sign_key_load(&key, keys, row.kid, err, sizeof err), 0);
    atomic_store(&eng.key, &key);
}

static void teardown(void)
{
    sign_key_free(&key);
    store_free(st);
    calendar_free(cal);
    support_tmp_db_free(db_path);
    support_rmtree(key_dir);
    free(key_dir);
}

/* A new application of the toy kind by the applicant; returns its id. */
static int64_t create_toy(int64_t lamps)
{
    char text[512];
    snprintf(text, sizeof text,
             "{\"kind\": \"toy_lamps\", \"round\": 2020, \"review_unit\": \"110108\","
             " \"applicant\": {\"name\": \"北京路灯公司\", \"uscc\": \"%s\"},"
             " \"data\": {\"street\": \"学院路\", \"lamps\": %lld, \"cost_fen\": 900000,"
             " \"council_approved\": true}}",
             USCC_A, (long long)lamps);
    json_t *body = support_json(text);
    struct spec_errors errs;
    struct kind_data data;
    struct envelope env;
    struct outcome o;
    spec_errors_init(&errs);
    const struct kind *k = application_parse(body, &data, &errs);
    ck_assert_msg(k == &kind_toy && errs.count == 0, "%s %s",
                  errs.count ? errs.items[0].pointer : "", errs.count ? errs.items[0].detail : "");
    envelope_from_json(&env, body, k, &data);
    outcome_init(&o);
    ck_assert_int_eq(engine_create(&eng, &applicant_actor, &env, now, &o), ENGINE_OK);
    int64_t id = o.app->row.id;
    ck_assert_str_eq(o.app->row.status, "draft");
    ck_assert_int_eq(o.app->row.version, 1);
    outcome_release(&o);
    kind_data_release(&env.data);
    spec_errors_release(&errs);
    json_decref(body);
    return id;
}

static enum engine_rc act(const struct actor *who, int64_t id, const char *action,
                          const void *input, struct outcome *o)
{
    outcome_release(o);
    return engine_act(&eng, who, id, action, input, 0, now, o);
}

static const char approval[] =
    "{\"stage\": \"municipal\", \"decision\": \"approve\","
    " \"inspection\": {\"date\": \"2020-09-29\", \"passed\": true, \"summary\": \"看过了\"},"
    " \"audited_cost_fen\": 600000}";

/* The approval with its inspection on `date` and what it grants (-1: the
 * computed award), with a reason when `reason` is not NULL. */
static json_t *approval_on(const char *date, int64_t granted, const char *reason)
{
    json_t *body = support_json(approval);
    json_object_set_new(json_object_get(body, "inspection"), "date", json_string(date));
    if (granted >= 0)
        json_object_set_new(body, "granted_fen", json_integer(granted));
    if (reason)
        json_object_set_new(body, "grant_reason", json_string(reason));
    return body;
}

START_TEST(toy_kind_walks_and_issues)
{
    int64_t id = create_toy(5);
    struct outcome o;
    outcome_init(&o);

    /* Its stages (the row's): straight to the municipal stage. */
    ck_assert_int_eq(act(&applicant_actor, id, "submit", NULL, &o), ENGINE_OK);
    ck_assert_str_eq(o.app->row.status, "municipal_review");
    ck_assert(eligibility_all_passed(&o.app->elig));
    ck_assert_int_eq(o.app->award.total_fen, 450000); /* half of 900000 */

    /* The kind's records are asked of the approval. */
    json_t *bare = support_json("{\"stage\": \"municipal\", \"decision\": \"approve\"}");
    struct review_input in = {"municipal", "approve", bare};
    outcome_release(&o);
    ck_assert_int_eq(engine_review(&eng, &reviewer_actor, id, &in, 0, now, &o), ENGINE_INVALID);
    ck_assert_uint_eq(o.errs.count, 2);
    ck_assert_str_eq(o.errs.items[0].pointer, "/inspection");
    json_decref(bare);

    /* Approved with them: the kind fixes the audited cost, and what it
     * issues is signed at once (no notice in its stages). */
    json_t *body = support_json(approval);
    in.body = body;
    outcome_release(&o);
    ck_assert_int_eq(engine_review(&eng, &reviewer_actor, id, &in, 0, now, &o), ENGINE_OK);
    ck_assert_str_eq(o.app->row.status, "approved");
    ck_assert_str_eq(o.app->award.basis, "audited");
    ck_assert_int_eq(o.app->award.total_fen, 300000);
    const char *serial = json_string_value(json_object_get(o.app->facts, "certificate_serial"));
    ck_assert_ptr_nonnull(serial);
    struct certificate_row cert;
    ck_assert_int_eq(store_cert_get(st, serial, &cert), STORE_OK);
    const char *status;
    char why[256];
    ck_assert_int_eq(certificate_check(st, cert.jws, NULL, now, &status, why, NULL, sizeof why), 1);
    ck_assert_str_eq(status, "active");
    json_t *doc = support_json(cert.document_json);
    ck_assert_str_eq(json_string_value(json_object_get(doc, "kind")), "toy_lamps");
    ck_assert_int_eq(json_integer_value(json_object_get(doc, "amount_fen")), 300000);
    json_decref(doc);
    certificate_release(&cert);
    json_decref(body);
    outcome_release(&o);

    /* The history, oldest first, and the chain intact. */
    int64_t count;
    ck_assert_int_eq(engine_audit_verify(st, &count, why, sizeof why), 0);
    ck_assert_int_eq(count, 3); /* create, submit, municipal_approve */
}
END_TEST

START_TEST(configured_stages_add_a_notice)
{
    eng.settings.stages[0].kind = "toy_lamps";
    eng.settings.stages[0].stages = STAGE_MUNICIPAL | STAGE_NOTICE;
    eng.settings.n_stages = 1;
    int64_t id = create_toy(4);
    struct outcome o;
    outcome_init(&o);
    ck_assert_int_eq(act(&applicant_actor, id, "submit", NULL, &o), ENGINE_OK);
    json_t *body = support_json(approval);
    struct review_input in = {"municipal", "approve", body};
    outcome_release(&o);
    ck_assert_int_eq(engine_review(&eng, &reviewer_actor, id, &in, 0, now, &o), ENGINE_OK);
    ck_assert_str_eq(o.app->row.status, "public_notice");
    ck_assert_ptr_null(json_object_get(o.app->facts, "certificate_serial"));
    /* 2020-09-29 is the first of 5 working days, across National Day: the
     * clock approves on 2020-10-13. */
    int64_t before, after;
    ck_assert_int_eq(clock_parse_rfc3339("2020-10-12T23:59:59+08:00", &before), 0);
    ck_assert_int_eq(clock_parse_rfc3339("2020-10-13T00:00:00+08:00", &after), 0);
    ck_assert_int_eq(engine_tick(&eng, before, NULL, NULL), 0);
    ck_assert_int_eq(engine_tick(&eng, after, NULL, NULL), 1);
    struct app *a;
    ck_assert_int_eq(engine_get(&eng, &applicant_actor, id, after, &a), ENGINE_OK);
    ck_assert_str_eq(a->row.status, "approved");
    ck_assert_ptr_nonnull(json_object_get(a->facts, "certificate_serial"));
    app_free(a);
    json_decref(body);
    outcome_release(&o);
    eng.settings.n_stages = 0;
}
END_TEST

START_TEST(what_the_engine_refuses)
{
    int64_t id = create_toy(2);
    struct outcome o;
    outcome_init(&o);
    /* Another organisation's application does not exist for it. */
    ck_assert_int_eq(act(&other_actor, id, "submit", NULL, &o), ENGINE_NOT_FOUND);
    ck_assert_int_eq(act(&applicant_actor, id + 1000, "submit", NULL, &o), ENGINE_NOT_FOUND);
    /* A draft is not for the reviewer to see (never submitted). */
    struct app *a;
    ck_assert_int_eq(engine_get(&eng, &reviewer_actor, id, now, &a), ENGINE_NOT_FOUND);
    /* Not in this status: refused, with what may be done now. */
    ck_assert_int_eq(act(&applicant_actor, id, "district_approve", NULL, &o), ENGINE_REFUSED);
    ck_assert_str_eq(json_string_value(json_object_get(o.extra, "current_status")), "draft");
    ck_assert_uint_eq(json_array_size(json_object_get(o.extra, "allowed_actions")), 2);
    /* A stale version. */
    outcome_release(&o);
    ck_assert_int_eq(engine_act(&eng, &applicant_actor, id, "submit", NULL, 7, now, &o),
                     ENGINE_STALE);
    ck_assert_int_eq(act(&applicant_actor, id, "submit", NULL, &o), ENGINE_OK);
    ck_assert_int_eq(o.app->row.version, 2);
    /* Fails a check: approving it needs an override reason (422). */
    json_t *body = support_json(approval);
    struct review_input in = {"municipal", "approve", body};
    outcome_release(&o);
    ck_assert_int_eq(engine_review(&eng, &reviewer_actor, id, &in, 0, now, &o), ENGINE_INVALID);
    ck_assert_str_eq(o.errs.items[0].pointer, "/override_reason");
    /* Another role's stage. */
    outcome_release(&o);
    ck_assert_int_eq(engine_review(&eng, &clerk_actor, id, &in, 0, now, &o), ENGINE_FORBIDDEN);
    /* A district clerk does not see a kind without a district stage. */
    ck_assert_int_eq(engine_get(&eng, &clerk_actor, id, now, &a), ENGINE_NOT_FOUND);
    json_decref(body);
    outcome_release(&o);
}
END_TEST

/* RULES.md §5: stage records are dated between the submission and the
 * decision; an approval grants the computed award or less with a reason,
 * never more; what is issued carries what was granted; the decision event
 * records its basis. */
START_TEST(grants_and_record_dates)
{
    int64_t id = create_toy(5);
    struct outcome o;
    outcome_init(&o);
    ck_assert_int_eq(act(&applicant_actor, id, "submit", NULL, &o), ENGINE_OK);
    ck_assert_int_eq(o.app->row.granted_fen, -1);
    static const struct {
        const char *date;
        int64_t granted;
        const char *reason;
        const char *pointer; /* NULL: approved */
    } cases[] = {
        {"2020-09-28", -1, NULL, "/inspection/date"}, /* the day before the submission */
        {"2020-09-30", -1, NULL, "/inspection/date"}, /* tomorrow */
        {"2020-09-29", 300001, "x", "/granted_fen"},  /* a fen above the award */
        {"2020-09-29", 200000, NULL, "/grant_reason"},
        {"2020-09-29", 200000, "预算有限，择优支持", NULL},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        json_t *body = approval_on(cases[i].date, cases[i].granted, cases[i].reason);
        struct review_input in = {"municipal", "approve", body};
        outcome_release(&o);
        enum engine_rc rc = engine_review(&eng, &reviewer_actor, id, &in, 0, now, &o);
        if (cases[i].pointer) {
            ck_assert_msg(rc == ENGINE_INVALID, "case %zu: %d", i, rc);
            ck_assert_str_eq(o.errs.items[0].pointer, cases[i].pointer);
        } else {
            ck_assert_msg(rc == ENGINE_OK, "case %zu: %s", i, o.reason);
        }
        json_decref(body);
    }
    ck_assert_str_eq(o.app->row.status, "approved");
    ck_assert_int_eq(o.app->award.total_fen, 300000); /* the proposal stays */
    ck_assert_int_eq(o.app->row.granted_fen, 200000);
    ck_assert(o.app->row.decided_at[0] != '\0');
    struct certificate_row cert;
    const char *serial = json_string_value(json_object_get(o.app->facts, "certificate_serial"));
    ck_assert_int_eq(store_cert_get(st, serial, &cert), STORE_OK);
    json_t *doc = support_json(cert.document_json);
    ck_assert_int_eq(json_integer_value(json_object_get(doc, "amount_fen")), 200000);
    ck_assert_int_eq(json_integer_value(json_object_get(doc, "proposed_fen")), 300000);
    ck_assert_str_eq(json_string_value(json_object_get(doc, "grant_reason")), "预算有限，择优支持");
    json_decref(doc);
    certificate_release(&cert);
    outcome_release(&o);
}
END_TEST

/* ---- the transparency log ---------------------------------------------------- */

/* The leaf hashes of every event, in order, from the events themselves. */
struct leaves {
    unsigned char h[64][MERKLE_HASH_LEN];
    size_t n;
};

static bool collect_leaf(const struct event *e, void *ctx)
{
    struct leaves *l = ctx;
    char *text = chain_canonical(e, NULL);
    ck_assert_ptr_nonnull(text);
    ck_assert_uint_lt(l->n, 64);
    ck_assert_int_eq(e->id, (int64_t)l->n + 1);
    merkle_leaf_hash(l->h[l->n++], (const unsigned char *)text, strlen(text));
    free(text);
    return true;
}

static void root_of(unsigned char out[MERKLE_HASH_LEN], const struct leaves *l, size_t n)
{
    struct merkle_frontier f;
    struct merkle_node nodes[MERKLE_MAX_LEVELS + 1];
    size_t count;
    merkle_frontier_init(&f);
    for (size_t i = 0; i < n; i++)
        ck_assert_int_eq(merkle_frontier_append(&f, l->h[i], nodes, &count), 0);
    merkle_frontier_root(out, &f);
}

static size_t hashes_of(const json_t *doc, unsigned char *out)
{
    size_t i, len;
    json_t *h;
    json_array_foreach(json_object_get(doc, "hashes"), i, h)
    {
        const char *b64 = json_string_value(h);
        ck_assert_int_eq(sodium_base642bin(out + i * MERKLE_HASH_LEN, MERKLE_HASH_LEN, b64,
                                           strlen(b64), NULL, &len, NULL,
                                           sodium_base64_VARIANT_ORIGINAL),
                         0);
        ck_assert_uint_eq(len, MERKLE_HASH_LEN);
    }
    return json_array_size(json_object_get(doc, "hashes"));
}

static void count_entry(json_t *entry, void *ctx)
{
    int64_t *n = ctx;
    ck_assert_int_eq(json_integer_value(json_object_get(entry, "index")), *n);
    ck_assert_int_eq(json_integer_value(json_object_get(entry, "log_index")), *n);
    (*n)++;
    json_decref(entry);
}

/* An event written as a database from before the log has them: inserted
 * with its link and hash, and no leaf. */
static enum store_rc tx_bare_event(struct store_tx *tx, void *ctx)
{
    struct event e = {0};
    int64_t last = 0;
    ck_assert_int_eq(store_event_last(tx, &last, e.prev_hash), STORE_OK);
    e.id = last + 1;
    e.application_id = *(int64_t *)ctx;
    snprintf(e.at, sizeof e.at, "2020-09-29T02:00:00Z");
    snprintf(e.action, sizeof e.action, "objection_filed");
    snprintf(e.from_status, sizeof e.from_status, "draft");
    snprintf(e.to_status, sizeof e.to_status, "draft");
    snprintf(e.actor_role, sizeof e.actor_role, "public");
    e.details_json = (char *)"{}";
    e.format = 1;
    chain_hash(e.hash, &e, NULL);
    return store_event_insert(tx, &e);
}

START_TEST(transparency_log)
{
    static const unsigned char seed[NOTE_SEED_LEN] = {7};
    struct note_signer log_key = {0};
    ck_assert_int_eq(note_signer_from_seed(&log_key, "test.example/log", seed), 0);
    eng.log_key = &log_key;

    int64_t a = create_toy(5), b = create_toy(6);
    struct outcome o;
    outcome_init(&o);
    ck_assert_int_eq(act(&applicant_actor, a, "submit", NULL, &o), ENGINE_OK);
    json_t *body = support_json(approval);
    struct review_input in = {"municipal", "approve", body};
    outcome_release(&o);
    ck_assert_int_eq(engine_review(&eng, &reviewer_actor, a, &in, 0, now, &o), ENGINE_OK);
    const char *serial = json_string_value(json_object_get(o.app->facts, "certificate_serial"));
    char serial_copy[64];
    snprintf(serial_copy, sizeof serial_copy, "%s", serial);
    json_decref(body);

    /* Every event is a leaf, appended as it was written. */
    struct leaves l = {0};
    uint64_t size = 0;
    ck_assert_int_eq(store_events_each(st, collect_leaf, &l), STORE_OK);
    ck_assert_int_eq(engine_log_size(&eng, &size), ENGINE_OK);
    ck_assert_uint_eq(l.n, 4); /* create, create, submit, municipal_approve */
    ck_assert_uint_eq(size, l.n);

    /* The checkpoint: signed, of that size, with the root of those leaves. */
    char *note = NULL;
    size_t len = 0;
    uint64_t cp_size = 0;
    ck_assert_int_eq(engine_log_checkpoint(&eng, &note, &len, &cp_size), ENGINE_OK);
    struct note_verifier v = {.name = log_key.name, .id = log_key.id};
    memcpy(v.pk, log_key.pk, sizeof v.pk);
    struct checkpoint cp;
    ck_assert_int_eq(checkpoint_open(&cp, note, len, &v), 0);
    unsigned char root[MERKLE_HASH_LEN];
    root_of(root, &l, l.n);
    ck_assert_uint_eq(cp.size, 4);
    ck_assert_mem_eq(cp.root, root, MERKLE_HASH_LEN);
    free(note);

    /* Proofs for every leaf and every earlier size. */
    unsigned char hashes[MERKLE_MAX_PROOF * MERKLE_HASH_LEN];
    json_t *doc;
    for (uint64_t i = 0; i < size; i++) {
        ck_assert_int_eq(engine_log_inclusion(&eng, i, size, &doc), ENGINE_OK);
        size_t n = hashes_of(doc, hashes);
        ck_assert_int_eq(merkle_verify_inclusion(l.h[i], i, size, hashes, n, root), 0);
        ck_assert_int_ne(merkle_verify_inclusion(l.h[(i + 1) % size], i, size, hashes, n, root), 0);
        json_decref(doc);
    }
    for (uint64_t m = 0; m <= size; m++) {
        unsigned char old[MERKLE_HASH_LEN];
        root_of(old, &l, m);
        ck_assert_int_eq(engine_log_consistency(&eng, m, size, &doc), ENGINE_OK);
        size_t n = hashes_of(doc, hashes);
        ck_assert_int_eq(merkle_verify_consistency(m, size, old, root, hashes, n), 0);
        json_decref(doc);
    }
    ck_assert_int_eq(engine_log_inclusion(&eng, size, size, &doc), ENGINE_NOT_FOUND);
    ck_assert_int_eq(engine_log_inclusion(&eng, 0, size + 1, &doc), ENGINE_NOT_FOUND);
    ck_assert_int_eq(engine_log_consistency(&eng, 3, 2, &doc), ENGINE_NOT_FOUND);
    int64_t entries = 0;
    ck_assert_int_eq(engine_log_entries(&eng, 0, size, count_entry, &entries), ENGINE_OK);
    ck_assert_int_eq(entries, 4);
    ck_assert_int_eq(engine_log_entries(&eng, 1, size + 1, count_entry, &entries),
                     ENGINE_NOT_FOUND);

    /* The bundle of what the approval issued: its leaf is the approval's. */
    ck_assert_int_eq(engine_certificate_bundle(&eng, serial_copy, now, &doc), ENGINE_OK);
    ck_assert_int_eq(json_integer_value(json_object_get(doc, "log_index")), 3);
    ck_assert_int_eq(
        json_integer_value(json_object_get(json_object_get(doc, "certificate"), "log_index")), 3);
    ck_assert_str_eq(json_string_value(json_object_get(doc, "status")), "active");
    size_t n = hashes_of(json_object_get(doc, "inclusion"), hashes);
    ck_assert_int_eq(merkle_verify_inclusion(l.h[3], 3, size, hashes, n, root), 0);
    json_decref(doc);
    ck_assert_int_eq(engine_certificate_bundle(&eng, "SB-2020-0000-0000-0000-0000", now, &doc),
                     ENGINE_NOT_FOUND);

    /* The log recomputed from the events agrees, and extends cp. */
    char report[512];
    uint64_t audited = 0;
    unsigned char audited_root[MERKLE_HASH_LEN];
    ck_assert_int_eq(engine_audit_log(st, &cp, &audited, audited_root, report, sizeof report), 0);
    ck_assert_uint_eq(audited, size);
    ck_assert_mem_eq(audited_root, root, MERKLE_HASH_LEN);
    /* A checkpoint of another root at that size is not extended. */
    cp.root[0] ^= 1;
    ck_assert_int_eq(engine_audit_log(st, &cp, NULL, NULL, report, sizeof report), -1);
    ck_assert_msg(strstr(report, "not to the checkpoint's root") != NULL, "%s", report);
    cp.root[0] ^= 1;
    /* A checkpoint larger than the log: the missing tail is named. */
    cp.size = size + 2;
    ck_assert_int_eq(engine_audit_log(st, &cp, NULL, NULL, report, sizeof report), -1);
    ck_assert_msg(strstr(report, "event 5 (log index 4)") != NULL, "%s", report);
    checkpoint_release(&cp);

    /* An event without its leaf (written before the log existed) is
     * appended by the backfill, once; and by the next write otherwise. */
    uint64_t added = 9;
    ck_assert_int_eq(engine_log_backfill(st, &added), 0);
    ck_assert_uint_eq(added, 0);
    ck_assert_int_eq(store_write(st, tx_bare_event, &b), STORE_OK);
    ck_assert_int_eq(engine_log_size(&eng, &size), ENGINE_OK);
    ck_assert_uint_eq(size, 4);
    ck_assert_int_eq(engine_log_backfill(st, &added), 0);
    ck_assert_uint_eq(added, 1);
    ck_assert_int_eq(engine_log_size(&eng, &size), ENGINE_OK);
    ck_assert_uint_eq(size, 5);
    ck_assert_int_eq(store_write(st, tx_bare_event, &b), STORE_OK);
    create_toy(7);
    ck_assert_int_eq(engine_log_size(&eng, &size), ENGINE_OK);
    ck_assert_uint_eq(size, 7);
    l.n = 0;
    ck_assert_int_eq(store_events_each(st, collect_leaf, &l), STORE_OK);
    root_of(root, &l, l.n);
    ck_assert_int_eq(engine_audit_log(st, NULL, &audited, audited_root, report, sizeof report), 0);
    ck_assert_mem_eq(audited_root, root, MERKLE_HASH_LEN);
    ck_assert_int_eq(engine_audit_verify(st, NULL, report, sizeof report), 0);

    /* A row changed outside the log is named. */
    sqlite3 *raw;
    ck_assert_int_eq(sqlite3_open(db_path, &raw), SQLITE_OK);
    char sql[128];
    snprintf(sql, sizeof sql, "UPDATE applications SET status = 'withdrawn' WHERE id = %lld",
             (long long)a);
    ck_assert_int_eq(sqlite3_exec(raw, sql, NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(raw);
    ck_assert_int_eq(engine_audit_log(st, NULL, NULL, NULL, report, sizeof report), -1);
    snprintf(sql, sizeof sql, "application %lld is withdrawn but its last event left it approved",
             (long long)a);
    ck_assert_msg(strstr(report, sql) != NULL, "%s", report);

    outcome_release(&o);
    eng.log_key = NULL;
    note_signer_free(&log_key);
}
END_TEST

START_TEST(registration)
{
    ck_assert_ptr_eq(kind_find("toy_lamps"), &kind_toy);
    ck_assert_int_eq(kind_register(&kind_toy), -1); /* its name is taken */
    json_t *schema = kind_schema(&kind_toy);
    ck_assert_ptr_nonnull(json_object_get(json_object_get(schema, "properties"), "data"));
    json_decref(schema);
}
END_TEST

int main(void)
{
    if (sodium_init() < 0 || kind_register(&kind_toy) != 0)
        return 1;
    Suite *s = suite_create("engine");
    TCase *tc = tcase_create("engine");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, toy_kind_walks_and_issues);
    tcase_add_test(tc, grants_and_record_dates);
    tcase_add_test(tc, configured_stages_add_a_notice);
    tcase_add_test(tc, what_the_engine_refuses);
    tcase_add_test(tc, registration);
    tcase_add_test(tc, transparency_log);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? 0 : 1;
}
