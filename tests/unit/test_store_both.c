/*
 * Every query of store.h on both engines: the same calls, the same answers,
 * on an SQLite file and on a PostgreSQL database.  Then what several
 * servers on one PostgreSQL database rely on: writes that append to the
 * log one at a time (store_write_log), work one server does at a time
 * (store_alone), and a URI's password never shown.
 */
#include "db.h"
#include "pg.h"
#include "store.h"
#include "support.h"
#include "tlog.h"

#include <check.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char *const engine_names[] = {"SQLite", "PostgreSQL"};
static atomic_int errors_logged;

static void count_error(const char *msg)
{
    if (getenv("SHOW_LOG"))
        fprintf(stderr, "logged: %s\n", msg);
    atomic_fetch_add(&errors_logged, 1);
}

struct env {
    int engine;
    char *target;
    struct store *s;
};

static struct store *open_store(const char *target)
{
    char err[512] = "";
    struct store *s = store_open(target, err, sizeof err);

    ck_assert_msg(s != NULL, "%s", err);
    return s;
}

static void env_open(struct env *e, int engine)
{
    char err[512] = "";

    memset(e, 0, sizeof *e);
    e->engine = engine;
    store_set_log(count_error);
    atomic_store(&errors_logged, 0);
    e->target = engine == 0 ? support_tmp_db() : support_pg_db();
    e->s = open_store(e->target);
    ck_assert_msg(store_migrate(e->s, NULL, err, sizeof err) == 0, "%s: %s", engine_names[engine],
                  err);
    ck_assert_int_eq(store_is_postgresql(e->s), engine == 1);
}

static void env_close(struct env *e)
{
    store_free(e->s);
    if (e->engine == 0)
        support_tmp_db_free(e->target);
    else
        support_pg_db_free(e->target);
}

/* ---- one write of a callback and its context --------------------------- */

typedef enum store_rc (*op_fn)(struct store_tx *tx, void *arg);

struct op {
    op_fn fn;
    void *arg;
};

static enum store_rc tx_op(struct store_tx *tx, void *ctx)
{
    struct op *o = ctx;
    return o->fn(tx, o->arg);
}

static enum store_rc write_op(struct store *s, op_fn fn, void *arg)
{
    struct op o = {fn, arg};
    return store_write(s, tx_op, &o);
}

/* ---- the rows of a small installation ------------------------------------ */

static enum store_rc add_unit(struct store_tx *tx, void *arg)
{
    (void)arg;
    struct unit u = {"110108", "海淀区", "Haidian", "district"};
    return store_unit_put(tx, &u);
}

static enum store_rc add_account(struct store_tx *tx, void *arg)
{
    return store_account_add(tx, arg);
}

static enum store_rc add_app(struct store_tx *tx, void *arg)
{
    return store_app_insert(tx, arg);
}

static enum store_rc update_app(struct store_tx *tx, void *arg)
{
    struct application *a = arg;
    return store_app_update(tx, a, a->version - 1);
}

struct token_add {
    struct token_row t;
    unsigned char hash[TOKEN_HASH_LEN];
};

static enum store_rc add_token(struct store_tx *tx, void *arg)
{
    struct token_add *t = arg;
    return store_token_add(tx, &t->t, t->hash);
}

static enum store_rc count_tokens(struct store_tx *tx, void *arg)
{
    int64_t *n = arg;
    return store_tokens_count(tx, 1, n);
}

static enum store_rc revoke_token(struct store_tx *tx, void *arg)
{
    int64_t *id = arg;
    return store_token_revoke(tx, 1, *id, "2020-10-01T00:00:00Z");
}

static void account_of(struct account *a, const char *role, const char *name, const char *uscc,
                       const char *email)
{
    memset(a, 0, sizeof *a);
    snprintf(a->role, sizeof a->role, "%s", role);
    snprintf(a->name, sizeof a->name, "%s", name);
    snprintf(a->uscc, sizeof a->uscc, "%s", uscc);
    snprintf(a->email, sizeof a->email, "%s", email);
    snprintf(a->created_at, sizeof a->created_at, "2020-09-29T02:00:00Z");
}

static void app_of(struct application *a, const char *status, const char *uscc)
{
    memset(a, 0, sizeof *a);
    snprintf(a->kind, sizeof a->kind, "incubator");
    a->round = 2020;
    snprintf(a->review_unit, sizeof a->review_unit, "110108");
    a->applicant_name = (char *)"北京测试孵化器有限公司";
    snprintf(a->applicant_uscc, sizeof a->applicant_uscc, "%s", uscc);
    snprintf(a->status, sizeof a->status, "%s", status);
    a->version = 1;
    a->created_by = 1;
    snprintf(a->created_at, sizeof a->created_at, "2020-09-29T02:00:00Z");
    snprintf(a->updated_at, sizeof a->updated_at, "2020-09-29T02:00:00Z");
    if (strcmp(status, "draft") != 0)
        snprintf(a->submitted_at, sizeof a->submitted_at, "2020-09-29T03:00:00Z");
    a->data_json = (char *)"{\"mentor_sessions\":64,\"名\":\"数据\"}";
}

/* ---- accounts, tokens, sessions ------------------------------------------ */

struct session_add {
    unsigned char hash[TOKEN_HASH_LEN];
};

static enum store_rc add_session(struct store_tx *tx, void *arg)
{
    struct session_add *sa = arg;
    return store_session_add(tx, 1, sa->hash, "csrf-token", "2020-09-29T02:00:00Z",
                             "2020-09-30T02:00:00Z");
}

static enum store_rc end_session(struct store_tx *tx, void *arg)
{
    struct session_add *sa = arg;
    return store_session_revoke(tx, sa->hash, "2020-09-29T05:00:00Z");
}

static enum store_rc set_password(struct store_tx *tx, void *arg)
{
    return store_account_set_password(tx, 1, arg);
}

struct disabling {
    int64_t id;
    int tokens, sessions;
};

static enum store_rc disable(struct store_tx *tx, void *arg)
{
    struct disabling *d = arg;
    return store_account_disable(tx, d->id, "2020-10-02T00:00:00Z", &d->tokens, &d->sessions);
}

static enum store_rc uscc_taken(struct store_tx *tx, void *arg)
{
    bool *taken = arg;
    return store_account_uscc_taken(tx, "91110108MA01AAAAAA", taken);
}

static enum store_rc record_key(struct store_tx *tx, void *arg)
{
    (void)arg;
    return store_token_key_record(
        tx, "ab01234567890123456789012345678901234567890123456789012345678901", "/keys/token.key",
        "2020-09-29T02:00:00Z");
}

struct token_list {
    int n;
    int64_t ids[4];
    char last_name[32];
};

static void list_token(const struct token_row *t, void *ctx)
{
    struct token_list *l = ctx;
    l->ids[l->n++] = t->id;
    snprintf(l->last_name, sizeof l->last_name, "%s", t->name);
}

START_TEST(test_accounts_tokens_sessions)
{
    struct env e;
    struct account a, b, got;
    struct token_add t = {.t = {.account_id = 1, .name = "ci", .created_at = "2020-09-29"}};
    struct token_add t2 = {.t = {.account_id = 1,
                                 .name = "短期",
                                 .created_at = "2020-09-29",
                                 .expires_on = "2020-09-30"}};
    struct session_add sa;
    struct token_list tl = {0};
    struct disabling dis = {.id = 1};
    char hash_out[128], csrf[64], fp[65], file[64];
    int64_t n = -1;
    bool any = true, taken = false;

    env_open(&e, _i);
    ck_assert_int_eq(store_account_any(e.s, &any), STORE_OK);
    ck_assert(!any);
    ck_assert_int_eq(write_op(e.s, add_unit, NULL), STORE_OK);
    account_of(&a, "applicant", "北京测试孵化器有限公司", "91110108MA01AAAAAA", "a@例子.中国");
    ck_assert_int_eq(write_op(e.s, add_account, &a), STORE_OK);
    ck_assert_int_eq(a.id, 1);
    account_of(&b, "auditor", "审计员", "", "");
    ck_assert_int_eq(write_op(e.s, add_account, &b), STORE_OK);
    ck_assert_int_eq(b.id, 2);
    /* An e-mail address taken is a conflict. */
    account_of(&b, "auditor", "审计员", "", "a@例子.中国");
    ck_assert_int_eq(write_op(e.s, add_account, &b), STORE_CONFLICT);
    ck_assert_int_eq(store_account_any(e.s, &any), STORE_OK);
    ck_assert(any);
    ck_assert_int_eq(store_account_get(e.s, 1, &got), STORE_OK);
    ck_assert_str_eq(got.name, "北京测试孵化器有限公司");
    ck_assert_str_eq(got.uscc, "91110108MA01AAAAAA");
    ck_assert_str_eq(got.unit, "");
    ck_assert_int_eq(store_account_get(e.s, 99, &got), STORE_NOT_FOUND);
    ck_assert_int_eq(write_op(e.s, uscc_taken, &taken), STORE_OK);
    ck_assert(taken);

    /* Tokens: by hash, live or not, counted, revoked. */
    memset(t.hash, 0x11, sizeof t.hash);
    memset(t2.hash, 0x22, sizeof t2.hash);
    ck_assert_int_eq(write_op(e.s, add_token, &t), STORE_OK);
    ck_assert_int_eq(write_op(e.s, add_token, &t2), STORE_OK);
    ck_assert_int_eq(t2.t.id, t.t.id + 1);
    ck_assert_int_eq(write_op(e.s, add_token, &t), STORE_CONFLICT); /* the same hash */
    ck_assert_int_eq(store_account_by_token(e.s, t.hash, "2030-01-01", &got), STORE_OK);
    ck_assert_int_eq(got.id, 1);
    ck_assert_int_eq(store_account_by_token(e.s, t2.hash, "2020-09-30", &got), STORE_OK);
    ck_assert_int_eq(store_account_by_token(e.s, t2.hash, "2020-10-01", &got), STORE_NOT_FOUND);
    ck_assert_int_eq(store_tokens_of(e.s, 1, list_token, &tl), STORE_OK);
    ck_assert_int_eq(tl.n, 2);
    ck_assert_str_eq(tl.last_name, "短期");
    ck_assert_int_eq(write_op(e.s, count_tokens, &n), STORE_OK);
    ck_assert_int_eq(n, 2);
    ck_assert_int_eq(write_op(e.s, revoke_token, &t2.t.id), STORE_OK);
    ck_assert_int_eq(write_op(e.s, revoke_token, &t2.t.id), STORE_NOT_FOUND);
    ck_assert_int_eq(write_op(e.s, count_tokens, &n), STORE_OK);
    ck_assert_int_eq(n, 1);

    /* Passwords and sessions. */
    ck_assert_int_eq(write_op(e.s, set_password, "$argon2id$v=19$x"), STORE_OK);
    ck_assert_int_eq(store_account_by_email(e.s, "a@例子.中国", &got, hash_out, sizeof hash_out),
                     STORE_OK);
    ck_assert_str_eq(hash_out, "$argon2id$v=19$x");
    ck_assert_int_eq(store_account_by_email(e.s, "b@例子.中国", &got, hash_out, sizeof hash_out),
                     STORE_NOT_FOUND);
    memset(sa.hash, 0x33, sizeof sa.hash);
    ck_assert_int_eq(write_op(e.s, add_session, &sa), STORE_OK);
    ck_assert_int_eq(store_session_find(e.s, sa.hash, "2020-09-29T04:00:00Z", &got, csrf),
                     STORE_OK);
    ck_assert_str_eq(csrf, "csrf-token");
    ck_assert_int_eq(store_session_find(e.s, sa.hash, "2020-09-30T04:00:00Z", &got, csrf),
                     STORE_NOT_FOUND);
    ck_assert_int_eq(write_op(e.s, end_session, &sa), STORE_OK);
    ck_assert_int_eq(store_session_find(e.s, sa.hash, "2020-09-29T06:00:00Z", &got, csrf),
                     STORE_NOT_FOUND);

    /* Disabling: every live token and session, once. */
    ck_assert_int_eq(write_op(e.s, disable, &dis), STORE_OK);
    ck_assert_int_eq(dis.tokens, 1);
    ck_assert_int_eq(store_account_by_token(e.s, t.hash, "2030-01-01", &got), STORE_NOT_FOUND);
    dis = (struct disabling){.id = 99};
    ck_assert_int_eq(write_op(e.s, disable, &dis), STORE_NOT_FOUND);

    /* The token key: recorded once; a second record is an answer. */
    ck_assert_int_eq(store_token_key_get(e.s, fp, file, sizeof file), STORE_NOT_FOUND);
    ck_assert_int_eq(write_op(e.s, record_key, NULL), STORE_OK);
    ck_assert_int_eq(write_op(e.s, record_key, NULL), STORE_CONFLICT);
    ck_assert_int_eq(store_token_key_get(e.s, fp, file, sizeof file), STORE_OK);
    ck_assert_str_eq(file, "/keys/token.key");
    ck_assert_int_eq(atomic_load(&errors_logged), 0);
    env_close(&e);
}
END_TEST

/* ---- applications ------------------------------------------------------------ */

struct listing {
    int64_t ids[64];
    int n;
    char last_key[40]; /* the last row's key in the newest-first order */
    int with_data;     /* rows that came with their data and facts */
};

static void list_app(const struct application *a, void *ctx)
{
    struct listing *l = ctx;
    l->with_data += a->data_json && a->facts_json;
    ck_assert(a->applicant_name && a->version >= 1 && a->status[0]);
    l->ids[l->n++] = a->id;
    snprintf(l->last_key, sizeof l->last_key, "%s", store_app_sort_key(a, SORT_SUBMITTED_DESC));
}

static bool each_app(struct application *a, void *ctx)
{
    struct listing *l = ctx;
    l->ids[l->n++] = a->id;
    return l->n < 3;
}

static enum store_rc app_version(struct store_tx *tx, void *arg)
{
    int64_t *io = arg;
    return store_app_version_tx(tx, io[0], &io[1]);
}

struct each_in_tx {
    const char *status;
    struct listing l;
};

static enum store_rc walk_status(struct store_tx *tx, void *arg)
{
    struct each_in_tx *w = arg;
    return store_app_each_status_tx(tx, w->status, each_app, &w->l);
}

static enum store_rc walk_year(struct store_tx *tx, void *arg)
{
    struct listing *l = arg;
    return store_app_each_tx(tx, "incubator", 2020, each_app, l);
}

START_TEST(test_applications)
{
    struct env e;
    struct account acct;
    struct application a, got = {0};
    struct listing l = {0};
    struct each_in_tx w = {.status = "district_review"};
    int64_t io[2];
    bool more = false;
    int64_t first = 0;

    env_open(&e, _i);
    ck_assert_int_eq(write_op(e.s, add_unit, NULL), STORE_OK);
    account_of(&acct, "applicant", "A", "91110108MA01AAAAAA", "");
    ck_assert_int_eq(write_op(e.s, add_account, &acct), STORE_OK);
    for (int i = 0; i < 7; i++) {
        app_of(&a, i % 2 ? "district_review" : "draft", "91110108MA01AAAAAA");
        ck_assert_int_eq(write_op(e.s, add_app, &a), STORE_OK);
        if (i == 0)
            first = a.id;
        ck_assert_int_eq(a.id, first + i);
    }
    ck_assert_int_eq(store_app_get(e.s, first, &got), STORE_OK);
    ck_assert_str_eq(got.data_json, "{\"mentor_sessions\":64,\"名\":\"数据\"}");
    ck_assert_str_eq(got.facts_json, "{}");
    ck_assert_str_eq(got.submitted_at, "");
    ck_assert_int_eq(got.round, 2020);
    application_release(&got);
    ck_assert_int_eq(store_app_get(e.s, first + 100, &got), STORE_NOT_FOUND);

    /* An update only from the version it was made from. */
    app_of(&a, "district_review", "91110108MA01AAAAAA");
    a.id = first;
    a.version = 2;
    a.facts_json = (char *)"{\"checked\":true}";
    ck_assert_int_eq(write_op(e.s, update_app, &a), STORE_OK);
    ck_assert_int_eq(write_op(e.s, update_app, &a), STORE_CONFLICT);
    a.id = first + 100;
    ck_assert_int_eq(write_op(e.s, update_app, &a), STORE_NOT_FOUND);
    ck_assert_int_eq(store_app_get(e.s, first, &got), STORE_OK);
    ck_assert_int_eq(got.version, 2);
    ck_assert_str_eq(got.facts_json, "{\"checked\":true}");
    ck_assert_str_eq(got.status, "district_review");
    application_release(&got);
    /* The head: every column but the data and facts, which it leaves NULL. */
    struct application whole = {0};
    ck_assert_int_eq(store_app_get(e.s, first, &whole), STORE_OK);
    ck_assert_int_eq(store_app_head(e.s, first, &got), STORE_OK);
    ck_assert_ptr_null(got.data_json);
    ck_assert_ptr_null(got.facts_json);
    ck_assert_str_eq(got.applicant_name, whole.applicant_name);
    char *name = got.applicant_name;
    got.applicant_name = whole.applicant_name;
    got.data_json = whole.data_json;
    got.facts_json = whole.facts_json;
    ck_assert_mem_eq(&got, &whole, sizeof got); /* the rest field by field */
    got.applicant_name = name;
    got.data_json = got.facts_json = NULL;
    application_release(&got);
    application_release(&whole);
    ck_assert_int_eq(store_app_head(e.s, first + 100, &got), STORE_NOT_FOUND);
    /* A copy owns text of its own. */
    struct application copy;
    ck_assert_int_eq(store_app_get(e.s, first, &whole), STORE_OK);
    ck_assert_int_eq(application_copy(&copy, &whole), 0);
    ck_assert_ptr_ne(copy.data_json, whole.data_json);
    ck_assert_ptr_ne(copy.facts_json, whole.facts_json);
    ck_assert_ptr_ne(copy.applicant_name, whole.applicant_name);
    ck_assert_str_eq(copy.data_json, whole.data_json);
    ck_assert_str_eq(copy.facts_json, whole.facts_json);
    ck_assert_str_eq(copy.applicant_name, whole.applicant_name);
    ck_assert_int_eq(copy.version, whole.version);
    ck_assert_str_eq(copy.status, whole.status);
    application_release(&whole);
    ck_assert_str_eq(copy.data_json, "{\"mentor_sessions\":64,\"名\":\"数据\"}");
    application_release(&copy);
    io[0] = first;
    ck_assert_int_eq(write_op(e.s, app_version, io), STORE_OK);
    ck_assert_int_eq(io[1], 2);
    io[0] = first + 100;
    ck_assert_int_eq(write_op(e.s, app_version, io), STORE_NOT_FOUND);

    /* Listings: newest first, a page and whether there is more; the
     * filters that are NULL or 0 hold for every row. */
    struct app_filter f = {
        .scope = SCOPE_ORGANISATION, .scope_value = "91110108MA01AAAAAA", .limit = 3};
    ck_assert_int_eq(store_app_list(e.s, &f, list_app, &l, &more), STORE_OK);
    ck_assert_int_eq(l.n, 3);
    /* The submitted ones (03:00; the first since its update) before the
     * drafts (02:00, by their creation), highest id first in each. */
    ck_assert_int_eq(l.ids[0], first + 5);
    ck_assert(more);
    f.after_key = l.last_key;
    f.after_id = l.ids[2];
    f.limit = 10;
    l.n = 0;
    ck_assert_int_eq(store_app_list(e.s, &f, list_app, &l, &more), STORE_OK);
    ck_assert_int_eq(l.n, 4);
    ck_assert(!more);
    struct app_filter g = {.scope = SCOPE_SUBMITTED,
                           .statuses = {"district_review"},
                           .kinds_in = {"incubator", "first_store"},
                           .round = 2020,
                           .limit = 200};
    l.n = l.with_data = 0;
    ck_assert_int_eq(store_app_list(e.s, &g, list_app, &l, NULL), STORE_OK);
    ck_assert_int_eq(l.n, 4); /* three submitted, and the first one now */
    ck_assert_int_eq(l.with_data, l.n);
    /* The same rows as heads: no data or facts read. */
    g.heads = true;
    l.n = l.with_data = 0;
    ck_assert_int_eq(store_app_list(e.s, &g, list_app, &l, NULL), STORE_OK);
    ck_assert_int_eq(l.n, 4);
    ck_assert_int_eq(l.with_data, 0);
    g.heads = false;
    g.kinds_in[0] = "tourism_award";
    g.kinds_in[1] = NULL;
    l.n = 0;
    ck_assert_int_eq(store_app_list(e.s, &g, list_app, &l, NULL), STORE_OK);
    ck_assert_int_eq(l.n, 0);
    struct app_filter all = {.scope = SCOPE_SUBMITTED, .limit = 200};
    l.n = 0;
    ck_assert_int_eq(store_app_list(e.s, &all, list_app, &l, NULL), STORE_OK);
    ck_assert_int_eq(l.n, 4);
    struct app_filter unit = {.scope = SCOPE_UNIT, .scope_value = "110108", .limit = 200};
    l.n = 0;
    ck_assert_int_eq(store_app_list(e.s, &unit, list_app, &l, NULL), STORE_OK);
    ck_assert_int_eq(l.n, 4);

    /* Walks, lowest id first, stopped by the callback. */
    l.n = 0;
    ck_assert_int_eq(store_app_each_status(e.s, "draft", each_app, &l), STORE_OK);
    ck_assert_int_eq(l.n, 3);
    ck_assert_int_eq(l.ids[0], first + 2);
    ck_assert_int_eq(write_op(e.s, walk_status, &w), STORE_OK);
    ck_assert_int_eq(w.l.n, 3);
    ck_assert_int_eq(w.l.ids[0], first);
    l.n = 0;
    ck_assert_int_eq(write_op(e.s, walk_year, &l), STORE_OK);
    ck_assert_int_eq(l.n, 3);
    ck_assert_int_eq(atomic_load(&errors_logged), 0);
    env_close(&e);
}
END_TEST

/* ---- the log, objections, the tree ------------------------------------------- */

struct append {
    int64_t app_id;
    int n; /* events to append */
    int64_t last_id;
};

static enum store_rc append_events(struct store_tx *tx, void *arg)
{
    struct append *ap = arg;
    for (int i = 0; i < ap->n; i++) {
        struct event ev = {.application_id = ap->app_id};
        int64_t last = 0;
        enum store_rc rc = store_event_last(tx, &last, ev.prev_hash);
        if (rc == STORE_NOT_FOUND)
            memset(ev.prev_hash, 0, sizeof ev.prev_hash);
        else if (rc != STORE_OK)
            return rc;
        ev.id = last + 1;
        snprintf(ev.at, sizeof ev.at, "2020-09-29T02:00:00Z");
        snprintf(ev.action, sizeof ev.action, "edit");
        snprintf(ev.to_status, sizeof ev.to_status, "draft");
        ev.actor_account = ev.id % 2 ? 1 : 0;
        snprintf(ev.actor_role, sizeof ev.actor_role, ev.actor_account ? "applicant" : "system");
        ev.opinion = ev.id % 3 ? NULL : (char *)"同意。";
        ev.details_json = (char *)"{\"n\":1}";
        /* Any 32 bytes that differ per event will do here. */
        memset(ev.hash, 0, sizeof ev.hash);
        memcpy(ev.hash, &ev.id, sizeof ev.id);
        ev.hash[31] = 0xEE;
        rc = store_event_insert(tx, &ev);
        if (rc != STORE_OK)
            return rc;
        ap->last_id = ev.id;
    }
    return STORE_OK;
}

struct walk {
    int64_t count, last;
    bool linked;
    int64_t stop_at;
    unsigned char prev[EVENT_HASH_LEN];
};

static bool walk_event(const struct event *e, void *ctx)
{
    struct walk *w = ctx;
    if (e->id != w->last + 1 || memcmp(e->prev_hash, w->prev, EVENT_HASH_LEN) != 0)
        w->linked = false;
    w->count++;
    w->last = e->id;
    memcpy(w->prev, e->hash, EVENT_HASH_LEN);
    return e->id != w->stop_at;
}

struct of_app {
    int n;
    char actor[64];
    char opinion[32];
};

static void event_of(const struct event *e, void *ctx)
{
    struct of_app *o = ctx;
    o->n++;
    if (e->actor_name)
        snprintf(o->actor, sizeof o->actor, "%s", e->actor_name);
    if (e->opinion)
        snprintf(o->opinion, sizeof o->opinion, "%s", e->opinion);
}

struct objection_op {
    struct objection o;
    int open;
    int64_t from;
};

static enum store_rc file_objection(struct store_tx *tx, void *arg)
{
    struct objection_op *op = arg;
    enum store_rc rc = store_objection_add(tx, &op->o);
    if (rc == STORE_OK)
        rc = store_objections_open(tx, op->o.application_id, &op->open);
    if (rc == STORE_OK)
        rc = store_objections_from(tx, "127.0.0.9", "2020-09-29T00:00:00Z", &op->from);
    return rc;
}

static enum store_rc resolve(struct store_tx *tx, void *arg)
{
    struct objection_op *op = arg;
    struct objection got;
    enum store_rc rc = store_objection_get_tx(tx, op->o.id, &got);
    if (rc != STORE_OK)
        return rc;
    ck_assert_str_eq(got.reason, "数字不符");
    objection_release(&got);
    return store_objection_resolve(tx, op->o.id, "upheld", "2020-09-30T00:00:00Z", 1, "属实。");
}

static void objection_seen(const struct objection *o, void *ctx)
{
    struct objection *out = ctx;
    snprintf(out->status, sizeof out->status, "%s", o->status);
    snprintf(out->resolved_at, sizeof out->resolved_at, "%s", o->resolved_at);
}

static enum store_rc add_nodes(struct store_tx *tx, void *arg)
{
    struct merkle_node *nodes = arg;
    return store_tlog_nodes_add(tx, nodes, 3);
}

static enum store_rc tree_size(struct store_tx *tx, void *arg)
{
    uint64_t *size = arg;
    return store_tlog_size_tx(tx, size);
}

static void count_app(const char *kind, const char *status, int64_t n, void *ctx)
{
    int64_t *total = ctx;
    ck_assert_str_eq(kind, "incubator");
    ck_assert(strcmp(status, "draft") == 0 || strcmp(status, "public_notice") == 0);
    *total += n;
}

START_TEST(test_log_objections_tree)
{
    struct env e;
    struct account acct;
    struct application a;
    struct append ap;
    struct walk w = {.linked = true, .stop_at = -1};
    struct walk half = {.linked = true, .stop_at = 700};
    struct of_app of = {0};
    struct objection_op op = {.o = {.name = (char *)"张三",
                                    .contact = (char *)"138",
                                    .reason = (char *)"数字不符",
                                    .filed_at = "2020-09-29T02:00:00Z",
                                    .client_addr = "127.0.0.9"}};
    struct objection seen = {0};
    struct merkle_node nodes[3];
    unsigned char h[MERKLE_HASH_LEN];
    uint64_t size = 0;
    int64_t n = -1, total = 0;

    env_open(&e, _i);
    ck_assert_int_eq(write_op(e.s, add_unit, NULL), STORE_OK);
    account_of(&acct, "applicant", "甲单位", "91110108MA01AAAAAA", "");
    ck_assert_int_eq(write_op(e.s, add_account, &acct), STORE_OK);
    app_of(&a, "public_notice", "91110108MA01AAAAAA");
    ck_assert_int_eq(write_op(e.s, add_app, &a), STORE_OK);

    /* More events than one page of store_events_each(), appended in
     * writes of several events each through the log's own write. */
    ap = (struct append){.app_id = a.id, .n = 250};
    for (int i = 0; i < 10; i++)
        ck_assert_int_eq(store_write_log(e.s, tx_op, &(struct op){append_events, &ap}), STORE_OK);
    ck_assert_int_eq(ap.last_id, 2500);
    ck_assert_int_eq(store_events_each(e.s, walk_event, &w), STORE_OK);
    ck_assert_int_eq(w.count, 2500);
    ck_assert(w.linked);
    ck_assert_int_eq(store_events_each(e.s, walk_event, &half), STORE_OK);
    ck_assert_int_eq(half.count, 700);
    /* Events of one application, with the acting account's name. */
    ck_assert_int_eq(store_events_of(e.s, a.id, event_of, &of), STORE_OK);
    ck_assert_int_eq(of.n, 2500);
    ck_assert_str_eq(of.actor, "甲单位");
    ck_assert_str_eq(of.opinion, "同意。");

    /* Objections: filed, counted, resolved once. */
    op.o.application_id = a.id;
    ck_assert_int_eq(write_op(e.s, file_objection, &op), STORE_OK);
    ck_assert_int_gt(op.o.id, 0);
    ck_assert_int_eq(op.open, 1);
    ck_assert_int_eq(op.from, 1);
    ck_assert_int_eq(store_count_open_objections(e.s, &n), STORE_OK);
    ck_assert_int_eq(n, 1);
    ck_assert_int_eq(write_op(e.s, resolve, &op), STORE_OK);
    ck_assert_int_eq(write_op(e.s, resolve, &op) == STORE_OK, 0);
    ck_assert_int_eq(store_objections_of(e.s, a.id, objection_seen, &seen), STORE_OK);
    ck_assert_str_eq(seen.status, "upheld");
    ck_assert_str_eq(seen.resolved_at, "2020-09-30T00:00:00Z");
    ck_assert_int_eq(store_count_open_objections(e.s, &n), STORE_OK);
    ck_assert_int_eq(n, 0);

    /* The tree's nodes: once each. */
    for (unsigned i = 0; i < 3; i++) {
        nodes[i].level = i == 2 ? 1 : 0;
        nodes[i].index = i == 2 ? 0 : i;
        memset(nodes[i].hash, (int)(0x40 + i), MERKLE_HASH_LEN);
    }
    ck_assert_int_eq(write_op(e.s, add_nodes, nodes), STORE_OK);
    ck_assert_int_eq(write_op(e.s, add_nodes, nodes), STORE_CONFLICT);
    ck_assert_int_eq(store_tlog_size(e.s, &size), STORE_OK);
    ck_assert_int_eq(size, 2);
    size = 0;
    ck_assert_int_eq(write_op(e.s, tree_size, &size), STORE_OK);
    ck_assert_int_eq(size, 2);
    ck_assert_int_eq(store_tlog_node(e.s, 1, 0, h), STORE_OK);
    ck_assert_int_eq(h[0], 0x42);
    ck_assert_int_eq(store_tlog_node(e.s, 1, 1, h), STORE_NOT_FOUND);

    app_of(&a, "draft", "91110108MA01AAAAAA");
    ck_assert_int_eq(write_op(e.s, add_app, &a), STORE_OK);
    ck_assert_int_eq(store_count_applications(e.s, count_app, &total), STORE_OK);
    ck_assert_int_eq(total, 2);
    /* The conflicts above were answers: one logged error for the tree's
     * taken node on neither engine. */
    ck_assert_int_eq(atomic_load(&errors_logged), 0);
    env_close(&e);
}
END_TEST

/* ---- keys, certificates, rankings, bans ---------------------------------------- */

static enum store_rc rotate(struct store_tx *tx, void *arg)
{
    return store_key_rotate(tx, arg);
}

static enum store_rc add_cert(struct store_tx *tx, void *arg)
{
    return store_cert_insert(tx, arg);
}

static enum store_rc revoke_cert(struct store_tx *tx, void *arg)
{
    (void)arg;
    return store_cert_revoke(tx, "S-1", "2020-12-01T00:00:00Z", "材料虚假", "false_materials", -1,
                             "2020-12-01");
}

static enum store_rc put_ranking(struct store_tx *tx, void *arg)
{
    return store_ranking_put(tx, arg);
}

static enum store_rc ranking_exists(struct store_tx *tx, void *arg)
{
    (void)arg;
    return store_ranking_exists_tx(tx, "tourism_award", 2020);
}

static enum store_rc add_ban(struct store_tx *tx, void *arg)
{
    (void)arg;
    return store_ban_add(tx, "91110108MA01AAAAAA", "incubator", "2020-12-01", "2022-12-01",
                         "false_materials");
}

static enum store_rc find_ban(struct store_tx *tx, void *arg)
{
    char *until = arg;
    return store_ban_find_tx(tx, "91110108MA01AAAAAA", "incubator", "2021-06-01", until);
}

static void key_seen(const struct key_row *k, void *ctx)
{
    int *n = ctx;
    (void)k;
    (*n)++;
}

START_TEST(test_keys_certificates_rankings)
{
    struct env e;
    struct account acct;
    struct application a;
    struct key_row k1 = {"k1", "x1", "2020-01-01T00:00:00Z", ""};
    struct key_row k2 = {"k2", "x2", "2020-06-01T00:00:00Z", ""};
    struct key_row got;
    struct certificate_row c = {.serial = "S-1",
                                .kind = "incubator",
                                .kid = "k2",
                                .issued_on = "2020-11-01",
                                .document_json = (char *)"{\"证书\":1}",
                                .jws = (char *)"a.b.c"};
    struct certificate_row cr;
    struct ranking_row r = {.kind = "tourism_award",
                            .year = 2020,
                            .computed_at = "2020-10-01T00:00:00Z",
                            .computed_by = 1,
                            .result_json = (char *)"{\"entries\":[]}"};
    struct ranking_row rr;
    char until[11] = "";
    int keys = 0;

    env_open(&e, _i);
    ck_assert_int_eq(store_key_active(e.s, &got), STORE_NOT_FOUND);
    ck_assert_int_eq(write_op(e.s, rotate, &k1), STORE_OK);
    ck_assert_int_eq(write_op(e.s, rotate, &k2), STORE_OK);
    ck_assert_int_eq(store_key_active(e.s, &got), STORE_OK);
    ck_assert_str_eq(got.kid, "k2");
    ck_assert_int_eq(store_key_get(e.s, "k1", &got), STORE_OK);
    ck_assert_str_eq(got.retired_at, "2020-06-01T00:00:00Z");
    ck_assert_int_eq(store_keys_each(e.s, key_seen, &keys), STORE_OK);
    ck_assert_int_eq(keys, 2);

    ck_assert_int_eq(write_op(e.s, add_unit, NULL), STORE_OK);
    account_of(&acct, "applicant", "甲", "91110108MA01AAAAAA", "");
    ck_assert_int_eq(write_op(e.s, add_account, &acct), STORE_OK);
    app_of(&a, "approved", "91110108MA01AAAAAA");
    ck_assert_int_eq(write_op(e.s, add_app, &a), STORE_OK);
    c.application_id = a.id;
    ck_assert_int_eq(write_op(e.s, add_cert, &c), STORE_OK);
    ck_assert_int_eq(write_op(e.s, add_cert, &c), STORE_CONFLICT);
    ck_assert_int_eq(store_cert_get(e.s, "S-1", &cr), STORE_OK);
    ck_assert_str_eq(cr.document_json, "{\"证书\":1}");
    ck_assert_str_eq(cr.valid_until, "");
    ck_assert_int_eq(cr.refund_fen, -1);
    ck_assert_ptr_null(cr.revocation_reason);
    certificate_release(&cr);
    ck_assert_int_eq(write_op(e.s, revoke_cert, NULL), STORE_OK);
    ck_assert_int_eq(write_op(e.s, revoke_cert, NULL), STORE_CONFLICT);
    ck_assert_int_eq(store_cert_of_app(e.s, a.id, &cr), STORE_OK);
    ck_assert_str_eq(cr.revocation_reason, "材料虚假");
    ck_assert_str_eq(cr.revocation_ground, "false_materials");
    certificate_release(&cr);
    ck_assert_int_eq(store_cert_get(e.s, "S-2", &cr), STORE_NOT_FOUND);

    ck_assert_int_eq(write_op(e.s, ranking_exists, NULL), STORE_NOT_FOUND);
    ck_assert_int_eq(write_op(e.s, put_ranking, &r), STORE_OK);
    r.result_json = (char *)"{\"entries\":[1]}";
    ck_assert_int_eq(write_op(e.s, put_ranking, &r), STORE_OK); /* replaces */
    ck_assert_int_eq(write_op(e.s, ranking_exists, NULL), STORE_OK);
    ck_assert_int_eq(store_ranking_get(e.s, "tourism_award", 2020, &rr), STORE_OK);
    ck_assert_str_eq(rr.result_json, "{\"entries\":[1]}");
    free(rr.result_json);
    ck_assert_int_eq(store_ranking_get(e.s, "tourism_award", 2021, &rr), STORE_NOT_FOUND);

    ck_assert_int_eq(write_op(e.s, find_ban, until), STORE_NOT_FOUND);
    ck_assert_int_eq(write_op(e.s, add_ban, NULL), STORE_OK);
    ck_assert_int_eq(write_op(e.s, find_ban, until), STORE_OK);
    ck_assert_str_eq(until, "2022-12-01");
    ck_assert_int_eq(atomic_load(&errors_logged), 0);
    env_close(&e);
}
END_TEST

/* ---- several servers on one database ------------------------------------------ */

struct appender {
    struct store *s;
    int64_t app_id;
    int writes;
    _Atomic int *runs;
    int failed;
};

static enum store_rc append_one(struct store_tx *tx, void *arg)
{
    struct appender *ap = arg;
    struct append one = {.app_id = ap->app_id, .n = 1};
    atomic_fetch_add(ap->runs, 1);
    return append_events(tx, &one);
}

static void *append_from(void *arg)
{
    struct appender *ap = arg;
    for (int i = 0; i < ap->writes; i++)
        if (store_write_log(ap->s, tx_op, &(struct op){append_one, ap}) != STORE_OK)
            ap->failed++;
    return NULL;
}

START_TEST(test_servers_append_one_at_a_time)
{
    struct env e;
    struct account acct;
    struct application a;
    struct appender ap[3];
    pthread_t t[3];
    struct walk w = {.linked = true, .stop_at = -1};
    _Atomic int runs = 0;

    /* Three servers (stores) append to one log at once: the chain stays
     * whole, and on PostgreSQL nobody's write had to run again, because
     * they queued on the log's lock before their transactions began. */
    env_open(&e, _i);
    ck_assert_int_eq(write_op(e.s, add_unit, NULL), STORE_OK);
    account_of(&acct, "applicant", "甲", "91110108MA01AAAAAA", "");
    ck_assert_int_eq(write_op(e.s, add_account, &acct), STORE_OK);
    app_of(&a, "draft", "91110108MA01AAAAAA");
    ck_assert_int_eq(write_op(e.s, add_app, &a), STORE_OK);
    for (int i = 0; i < 3; i++) {
        ap[i] = (struct appender){
            .s = open_store(e.target), .app_id = a.id, .writes = 40, .runs = &runs};
        ck_assert_int_eq(pthread_create(&t[i], NULL, append_from, &ap[i]), 0);
    }
    for (int i = 0; i < 3; i++) {
        pthread_join(t[i], NULL);
        ck_assert_int_eq(ap[i].failed, 0);
        store_free(ap[i].s);
    }
    ck_assert_int_eq(store_events_each(e.s, walk_event, &w), STORE_OK);
    ck_assert_int_eq(w.count, 120);
    ck_assert(w.linked);
    ck_assert_int_eq(atomic_load(&runs), 120);
    ck_assert_int_eq(atomic_load(&errors_logged), 0);
    env_close(&e);
}
END_TEST

struct alone {
    struct store *other;
    bool other_ran;
    int ran;
};

static void inner(void *ctx)
{
    int *n = ctx;
    (*n)++;
}

static void outer(void *ctx)
{
    struct alone *al = ctx;
    int n = 0;
    al->ran++;
    /* Another server asks while this one runs the clock. */
    al->other_ran = store_alone(al->other, STORE_LOCK_CLOCK, inner, &n);
    ck_assert_int_eq(n, al->other_ran ? 1 : 0);
}

START_TEST(test_one_server_at_a_time)
{
    struct env e;
    struct alone al = {0};
    int n = 0;

    env_open(&e, _i);
    al.other = open_store(e.target);
    ck_assert(store_alone(e.s, STORE_LOCK_CLOCK, outer, &al));
    ck_assert_int_eq(al.ran, 1);
    /* On PostgreSQL the other server skips its turn; SQLite is one
     * server's file, and it runs. */
    ck_assert_int_eq(al.other_ran, e.engine == 0);
    /* Once given up, the other has it. */
    ck_assert(store_alone(al.other, STORE_LOCK_CLOCK, inner, &n));
    ck_assert_int_eq(n, 1);
    store_free(al.other);
    /* A server that goes away gives it up with its connection. */
    if (e.engine == 1) {
        struct store *gone = open_store(e.target);
        char err[512] = "";
        struct db *d = db_open(e.target, 0, err, sizeof err);
        int64_t got = 0;
        struct db_stmt *st = db_prepare(d, "SELECT pg_try_advisory_lock(?1)");
        ck_assert_ptr_nonnull(st);
        db_bind_int64(st, 1, INT64_C(0x7368656e62616f00) | (0x10 + STORE_LOCK_CLOCK));
        ck_assert_int_eq(db_one_int64(st, &got), DB_OK);
        ck_assert_int_eq(got, 1);
        n = 0;
        ck_assert(!store_alone(gone, STORE_LOCK_CLOCK, inner, &n));
        db_close(d); /* the holder's session ends (its backend exits a moment later) */
        bool had = false;
        for (int i = 0; i < 500 && !had; i++)
            if (!(had = store_alone(gone, STORE_LOCK_CLOCK, inner, &n)))
                usleep(10000);
        ck_assert(had);
        ck_assert_int_eq(n, 1);
        store_free(gone);
    }
    env_close(&e);
}
END_TEST

START_TEST(test_target_shown)
{
    static const struct {
        const char *in, *out;
    } cases[] = {
        {"/var/lib/shenbao/shenbao.db", "/var/lib/shenbao/shenbao.db"},
        {"postgresql://shenbao@db/shenbao", "postgresql://shenbao@db/shenbao"},
        {"postgresql://shenbao:s3cret@db:5432/shenbao?sslmode=verify-full",
         "postgresql://shenbao:***@db:5432/shenbao?sslmode=verify-full"},
        {"postgres://u:p@a,b/x", "postgres://u:***@a,b/x"},
        {"postgresql:///shenbao?host=/run/postgresql&password=pw&user=u",
         "postgresql:///shenbao?host=/run/postgresql&password=***&user=u"},
        {"postgresql://db/shenbao?password=pw", "postgresql://db/shenbao?password=***"},
        {"postgresql://u@db/x?application_name=password=no",
         "postgresql://u@db/x?application_name=password=no"},
    };
    char out[256];

    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        store_target_shown(cases[i].in, out, sizeof out);
        ck_assert_str_eq(out, cases[i].out);
    }
    store_target_shown("postgresql://u:secret@host/db", out, 18);
    ck_assert_ptr_null(strstr(out, "secret"));
    ck_assert(store_target_postgresql("postgres://x"));
    ck_assert(!store_target_postgresql("postgresql.db"));
}
END_TEST

static Suite *both_suite(void)
{
    Suite *s = suite_create("every query on both engines");
    TCase *tc = tcase_create("both");

    tcase_set_timeout(tc, 120);
    tcase_add_loop_test(tc, test_accounts_tokens_sessions, 0, 2);
    tcase_add_loop_test(tc, test_applications, 0, 2);
    tcase_add_loop_test(tc, test_log_objections_tree, 0, 2);
    tcase_add_loop_test(tc, test_keys_certificates_rankings, 0, 2);
    tcase_add_loop_test(tc, test_servers_append_one_at_a_time, 0, 2);
    tcase_add_loop_test(tc, test_one_server_at_a_time, 0, 2);
    tcase_add_test(tc, test_target_shown);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr;
    int failed;

    if (support_pg_start() != 0)
        return EXIT_FAILURE;
    sr = srunner_create(both_suite());
    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
