/*
 * The SQLite store: opening and migrating, pragmas, each query, listings
 * against a model of what they should return, and reads from many threads
 * while a writer writes.
 */
#include "store.h"
#include "store_impl.h"
#include "embedded.h"
#include "support.h"

#include <check.h>
#include <pthread.h>
#include <sodium.h>
#include <sqlite3.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define NOW   "2020-09-29T02:00:00Z"
#define TODAY "2020-09-29"

static char *db_path;
static struct store *st;
static atomic_int errors_logged;

/* Errors are expected in several tests; count them instead of printing. */
static void count_error(const char *msg)
{
    (void)msg;
    atomic_fetch_add(&errors_logged, 1);
}

static int known_version(void)
{
    int v = 0;

    for (const struct embedded_file *m = embedded_migrations; m->name; m++)
        v = (int)strtol(m->name, NULL, 10);
    return v;
}

static int migration_count(void)
{
    int n = 0;

    for (const struct embedded_file *m = embedded_migrations; m->name; m++)
        n++;
    return n;
}

static struct store *open_store(const char *path)
{
    char err[256] = "";
    struct store *s = store_open(path, err, sizeof err);

    ck_assert_msg(s != NULL, "store_open: %s", err);
    return s;
}

static void migrate(struct store *s)
{
    char err[256] = "";

    ck_assert_msg(store_migrate(s, NULL, err, sizeof err) == 0, "store_migrate: %s", err);
}

/* ---- fixture: a migrated store with units and an account -------------- */

static const struct unit seed_units[] = {
    {"110101", "东城区", "Dongcheng District", "district"},
    {"110108", "海淀区", "Haidian District", "district"},
    {"etdz", "北京经济技术开发区", "Beijing Economic-Technological Development Area",
     "development_area"},
    {"soe:首旅集团", "首旅集团", "BTG", "soe"},
};
#define N_SEED_UNITS (sizeof seed_units / sizeof seed_units[0])

static int64_t applicant_id;

static enum store_rc tx_seed(struct store_tx *tx, void *ctx)
{
    struct account a = {.role = "applicant",
                        .name = "某孵化器有限公司",
                        .uscc = "91110108MA01AAAAAA",
                        .created_at = NOW};
    enum store_rc rc;

    (void)ctx;
    for (size_t i = 0; i < N_SEED_UNITS; i++) {
        rc = store_unit_put(tx, &seed_units[i]);
        if (rc != STORE_OK)
            return rc;
    }
    rc = store_account_add(tx, &a);
    applicant_id = a.id;
    return rc;
}

static void setup(void)
{
    atomic_store(&errors_logged, 0);
    store_set_log(count_error);
    db_path = support_tmp_db();
    st = open_store(db_path);
    migrate(st);
    ck_assert_int_eq(store_write(st, tx_seed, NULL), STORE_OK);
}

static void teardown(void)
{
    store_free(st);
    st = NULL;
    support_tmp_db_free(db_path);
    db_path = NULL;
}

/* A raw connection to the test database, beside the store's own. */
static sqlite3 *raw_open(void)
{
    sqlite3 *db = NULL;

    ck_assert_int_eq(sqlite3_open(db_path, &db), SQLITE_OK);
    sqlite3_busy_timeout(db, 5000);
    return db;
}

static void raw_exec(const char *sql)
{
    sqlite3 *db = raw_open();
    char *msg = NULL;
    int rc = sqlite3_exec(db, sql, NULL, NULL, &msg);

    ck_assert_msg(rc == SQLITE_OK, "%s: %s", sql, msg ? msg : "?");
    sqlite3_free(msg);
    sqlite3_close(db);
}

/* The first column of the first row of sql on db, as text. */
static void query_text(sqlite3 *db, const char *sql, char *out, size_t len)
{
    sqlite3_stmt *q = NULL;

    ck_assert_int_eq(sqlite3_prepare_v2(db, sql, -1, &q, NULL), SQLITE_OK);
    ck_assert_int_eq(sqlite3_step(q), SQLITE_ROW);
    snprintf(out, len, "%s", (const char *)sqlite3_column_text(q, 0));
    sqlite3_finalize(q);
}

/* The first column of the first row of sql, as an integer. */
static int64_t raw_count(const char *sql)
{
    sqlite3 *db = raw_open();
    sqlite3_stmt *q = NULL;
    int64_t n;

    ck_assert_int_eq(sqlite3_prepare_v2(db, sql, -1, &q, NULL), SQLITE_OK);
    ck_assert_int_eq(sqlite3_step(q), SQLITE_ROW);
    n = sqlite3_column_int64(q, 0);
    sqlite3_finalize(q);
    sqlite3_close(db);
    return n;
}

/* ---- open and migrate ------------------------------------------------- */

START_TEST(test_open_migrate)
{
    char *path = support_tmp_db();
    char err[256] = "";
    int applied = -1;
    struct store *s;

    store_set_log(count_error);
    s = open_store(path);
    ck_assert_int_eq(store_schema_version(s), 0);
    ck_assert(store_ping(s));
    ck_assert_int_eq(store_migrate(s, &applied, err, sizeof err), 0);
    ck_assert_int_eq(applied, migration_count());
    ck_assert_int_eq(store_schema_version(s), known_version());
    ck_assert_int_eq(store_migrate(s, &applied, err, sizeof err), 0);
    ck_assert_int_eq(applied, 0);
    store_free(s);

    /* Reopened, the file keeps its schema and needs nothing more. */
    s = open_store(path);
    ck_assert_int_eq(store_schema_version(s), known_version());
    ck_assert_int_eq(store_migrate(s, &applied, err, sizeof err), 0);
    ck_assert_int_eq(applied, 0);
    store_free(s);
    support_tmp_db_free(path);
}
END_TEST

START_TEST(test_open_fails_cleanly)
{
    char err[256] = "";
    struct store *s = store_open("/nonexistent-dir/sub/x.db", err, sizeof err);

    ck_assert_ptr_null(s);
    ck_assert_msg(strstr(err, "cannot open") != NULL, "err: %s", err);
}
END_TEST

static enum store_rc tx_pragmas(struct store_tx *tx, void *ctx)
{
    sqlite3 *db = store_conn_db(store_tx_conn(tx));
    char *out = ctx;

    query_text(db, "PRAGMA journal_mode", out, 16);
    query_text(db, "PRAGMA synchronous", out + 16, 16);
    query_text(db, "PRAGMA foreign_keys", out + 32, 16);
    query_text(db, "PRAGMA busy_timeout", out + 48, 16);
    return STORE_OK;
}

START_TEST(test_pragmas)
{
    char got[64];
    struct conn *reader;
    sqlite3 *db;

    ck_assert_int_eq(store_write(st, tx_pragmas, got), STORE_OK);
    ck_assert_str_eq(got, "wal");
    ck_assert_str_eq(got + 16, "2"); /* FULL */
    ck_assert_str_eq(got + 32, "1");
    ck_assert_str_eq(got + 48, "5000");

    reader = store_reader(st);
    ck_assert_ptr_nonnull(reader);
    ck_assert_ptr_eq(store_reader(st), reader); /* the same one on this thread */
    query_text(store_conn_db(reader), "PRAGMA foreign_keys", got, 16);
    ck_assert_str_eq(got, "1");
    query_text(store_conn_db(reader), "PRAGMA busy_timeout", got, 16);
    ck_assert_str_eq(got, "5000");
    ck_assert(sqlite3_db_readonly(store_conn_db(reader), "main") == 1);

    /* WAL is a property of the file: another connection sees it too. */
    db = raw_open();
    query_text(db, "PRAGMA journal_mode", got, 16);
    ck_assert_str_eq(got, "wal");
    sqlite3_close(db);
}
END_TEST

START_TEST(test_future_version_refused)
{
    char err[256] = "";
    char want[256];
    char sql[256];
    int applied = -1;
    int future = known_version() + 1;

    snprintf(sql, sizeof sql,
             "INSERT INTO schema_migrations VALUES (%d, '%04d_future.sql', '" NOW "')", future,
             future);
    raw_exec(sql);
    ck_assert_int_eq(store_schema_version(st), future);
    ck_assert_int_eq(store_migrate(st, &applied, err, sizeof err), -1);
    ck_assert_int_eq(applied, 0);
    snprintf(want, sizeof want,
             "database schema version %d is newer than this shenbao (knows up to %d)", future,
             known_version());
    ck_assert_str_eq(err, want);
}
END_TEST

/* ---- review units ----------------------------------------------------- */

struct unit_op {
    enum store_rc (*op)(struct store_tx *tx, const struct unit *u);
    struct unit u;
};

static enum store_rc tx_unit(struct store_tx *tx, void *ctx)
{
    struct unit_op *o = ctx;

    return o->op(tx, &o->u);
}

static enum store_rc unit_op(enum store_rc (*op)(struct store_tx *, const struct unit *),
                             const char *id, const char *zh, const char *kind)
{
    struct unit_op o = {.op = op};

    snprintf(o.u.id, sizeof o.u.id, "%s", id);
    snprintf(o.u.name_zh, sizeof o.u.name_zh, "%s", zh);
    snprintf(o.u.name_en, sizeof o.u.name_en, "%s", "English");
    snprintf(o.u.kind, sizeof o.u.kind, "%s", kind);
    return store_write(st, tx_unit, &o);
}

struct collect_units {
    char ids[16][UNIT_ID_LEN];
    int n;
    int stop_after;
};

static bool collect_unit(const struct unit *u, void *ctx)
{
    struct collect_units *c = ctx;

    snprintf(c->ids[c->n++], sizeof c->ids[0], "%s", u->id);
    return c->n != c->stop_after;
}

START_TEST(test_units)
{
    struct unit u;
    struct collect_units all = {.stop_after = -1};
    struct collect_units two = {.stop_after = 2};

    ck_assert_int_eq(store_unit_get(st, "110108", &u), STORE_OK);
    ck_assert_str_eq(u.name_zh, "海淀区");
    ck_assert_str_eq(u.name_en, "Haidian District");
    ck_assert_str_eq(u.kind, "district");
    ck_assert_int_eq(store_unit_get(st, "soe:首旅集团", &u), STORE_OK);
    ck_assert_str_eq(u.kind, "soe");
    ck_assert_int_eq(store_unit_get(st, "999999", &u), STORE_NOT_FOUND);

    /* put updates in place; add refuses a taken id and changes nothing. */
    ck_assert_int_eq(unit_op(store_unit_put, "110108", "海淀", "district"), STORE_OK);
    ck_assert_int_eq(store_unit_get(st, "110108", &u), STORE_OK);
    ck_assert_str_eq(u.name_zh, "海淀");
    ck_assert_str_eq(u.name_en, "English");
    ck_assert_int_eq(unit_op(store_unit_add, "110108", "别的", "district"), STORE_CONFLICT);
    ck_assert_int_eq(store_unit_get(st, "110108", &u), STORE_OK);
    ck_assert_str_eq(u.name_zh, "海淀");
    ck_assert_int_eq(unit_op(store_unit_add, "hq:某总部", "某总部", "hq"), STORE_OK);
    ck_assert_int_eq(errors_logged, 0);
    ck_assert_int_eq(unit_op(store_unit_add, "bad", "坏", "province"), STORE_ERROR);
    ck_assert_int_eq(errors_logged, 1);

    ck_assert_int_eq(store_unit_each(st, collect_unit, &all), STORE_OK);
    ck_assert_int_eq(all.n, (int)N_SEED_UNITS + 1);
    for (int i = 1; i < all.n; i++)
        ck_assert_msg(strcmp(all.ids[i - 1], all.ids[i]) < 0, "not ordered by id");
    ck_assert_str_eq(all.ids[0], "110101");
    ck_assert_int_eq(store_unit_each(st, collect_unit, &two), STORE_OK);
    ck_assert_int_eq(two.n, 2);
}
END_TEST

/* ---- accounts --------------------------------------------------------- */

struct account_op {
    struct account a;
    unsigned char hash[TOKEN_HASH_LEN];
};

/* The account and its first token, in one transaction. */
static enum store_rc tx_account(struct store_tx *tx, void *ctx)
{
    struct account_op *o = ctx;
    enum store_rc rc = store_account_add(tx, &o->a);
    struct token_row t = {.account_id = o->a.id, .name = "initial", .created_at = NOW};

    if (rc == STORE_OK)
        rc = store_token_add(tx, &t, o->hash);
    return rc;
}

static enum store_rc add_account(struct account_op *o, const char *role, const char *uscc,
                                 const char *unit, const char *authority, unsigned char fill)
{
    memset(o, 0, sizeof *o);
    snprintf(o->a.role, sizeof o->a.role, "%s", role);
    snprintf(o->a.name, sizeof o->a.name, "%s 的账户", role);
    snprintf(o->a.uscc, sizeof o->a.uscc, "%s", uscc);
    snprintf(o->a.unit, sizeof o->a.unit, "%s", unit);
    snprintf(o->a.authority, sizeof o->a.authority, "%s", authority);
    snprintf(o->a.created_at, sizeof o->a.created_at, "%s", NOW);
    randombytes_buf(o->hash, sizeof o->hash);
    o->hash[0] = fill;
    return store_write(st, tx_account, o);
}

START_TEST(test_accounts)
{
    struct account_op app, dist, muni, admin, dup, bad;
    struct account got;
    unsigned char wrong[TOKEN_HASH_LEN];
    char sql[128];

    ck_assert_int_eq(add_account(&app, "applicant", "91110108MA01BBBBBB", "", "", 1), STORE_OK);
    ck_assert_int_eq(add_account(&dist, "district_reviewer", "", "110108", "", 2), STORE_OK);
    ck_assert_int_eq(add_account(&muni, "municipal_reviewer", "", "", "science_tech", 3), STORE_OK);
    ck_assert_int_eq(add_account(&admin, "admin", "", "", "", 4), STORE_OK);
    ck_assert_int_gt(app.a.id, 0);
    ck_assert_int_ne(app.a.id, dist.a.id);

    ck_assert_int_eq(store_account_by_token(st, dist.hash, TODAY, &got), STORE_OK);
    ck_assert_int_eq(got.id, dist.a.id);
    ck_assert_str_eq(got.role, "district_reviewer");
    ck_assert_str_eq(got.unit, "110108");
    ck_assert_str_eq(got.uscc, "");
    ck_assert_str_eq(got.authority, "");
    ck_assert_str_eq(got.created_at, NOW);
    ck_assert_int_eq(store_account_by_token(st, app.hash, TODAY, &got), STORE_OK);
    ck_assert_str_eq(got.uscc, "91110108MA01BBBBBB");
    ck_assert_str_eq(got.name, "applicant 的账户");

    memcpy(wrong, app.hash, sizeof wrong);
    wrong[TOKEN_HASH_LEN - 1] ^= 1;
    ck_assert_int_eq(store_account_by_token(st, wrong, TODAY, &got), STORE_NOT_FOUND);

    ck_assert_int_eq(store_account_get(st, muni.a.id, &got), STORE_OK);
    ck_assert_str_eq(got.authority, "science_tech");
    ck_assert_int_eq(store_account_get(st, 999999, &got), STORE_NOT_FOUND);

    /* The same token hash twice is a conflict, not a fault, and the
     * account of the refused token is not stored either. */
    dup = app;
    dup.a.id = 0;
    snprintf(dup.a.name, sizeof dup.a.name, "%s", "重复的令牌");
    ck_assert_int_eq(store_write(st, tx_account, &dup), STORE_CONFLICT);
    ck_assert_int_eq(errors_logged, 0);
    ck_assert_int_eq(raw_count("SELECT count(*) FROM accounts WHERE name = '重复的令牌'"), 0);

    /* A role with the wrong binding, or an unknown unit, is refused. */
    ck_assert_int_eq(add_account(&bad, "applicant", "", "", "", 5), STORE_ERROR);
    ck_assert_int_eq(add_account(&bad, "auditor", "", "110108", "", 6), STORE_ERROR);
    ck_assert_int_eq(add_account(&bad, "district_reviewer", "", "nowhere", "", 7), STORE_ERROR);
    ck_assert_int_eq(add_account(&bad, "municipal_reviewer", "", "", "tax", 8), STORE_ERROR);
    ck_assert_int_eq(errors_logged, 4);

    /* A disabled account no longer authenticates, but history can name it. */
    snprintf(sql, sizeof sql, "UPDATE accounts SET disabled = 1 WHERE id = %lld",
             (long long)app.a.id);
    raw_exec(sql);
    ck_assert_int_eq(store_account_by_token(st, app.hash, TODAY, &got), STORE_NOT_FOUND);
    ck_assert_int_eq(store_account_get(st, app.a.id, &got), STORE_OK);
}
END_TEST

/* ---- tokens, disabling, the token key ---------------------------------- */

struct token_op {
    struct token_row t;
    unsigned char hash[TOKEN_HASH_LEN];
    int64_t account_id, id;
    const char *at;
    int tokens, sessions;
};

static enum store_rc tx_token_add(struct store_tx *tx, void *ctx)
{
    struct token_op *o = ctx;
    return store_token_add(tx, &o->t, o->hash);
}

static enum store_rc tx_token_revoke(struct store_tx *tx, void *ctx)
{
    struct token_op *o = ctx;
    return store_token_revoke(tx, o->account_id, o->id, o->at);
}

static enum store_rc tx_disable(struct store_tx *tx, void *ctx)
{
    struct token_op *o = ctx;
    return store_account_disable(tx, o->account_id, o->at, &o->tokens, &o->sessions);
}

static enum store_rc tx_session(struct store_tx *tx, void *ctx)
{
    struct token_op *o = ctx;
    return store_session_add(tx, o->account_id, o->hash, "csrf", NOW, "2020-09-30T02:00:00Z");
}

static void add_token(struct token_op *o, int64_t account, const char *name, const char *expires_on)
{
    memset(o, 0, sizeof *o);
    o->t = (struct token_row){
        .account_id = account, .name = name, .created_at = NOW, .expires_on = expires_on};
    randombytes_buf(o->hash, sizeof o->hash);
    ck_assert_int_eq(store_write(st, tx_token_add, o), STORE_OK);
    ck_assert_int_gt(o->t.id, 0);
}

struct token_list {
    int n;
    int64_t ids[8];
    char expires[8][16];
};

static void collect_token(const struct token_row *t, void *ctx)
{
    struct token_list *l = ctx;
    if (l->n < 8) {
        l->ids[l->n] = t->id;
        snprintf(l->expires[l->n], sizeof l->expires[0], "%s", t->expires_on ? t->expires_on : "-");
        l->n++;
    }
}

static enum store_rc tx_count_tokens(struct store_tx *tx, void *ctx)
{
    struct token_op *o = ctx;
    int64_t n = 0;
    enum store_rc rc = store_tokens_count(tx, o->account_id, &n);
    o->tokens = (int)n;
    return rc;
}

START_TEST(test_tokens)
{
    struct account_op owner, other;
    struct token_op until_today, until_yesterday, open_ended, op, session;
    struct token_list list = {0};
    struct account got;

    ck_assert_int_eq(add_account(&owner, "auditor", "", "", "", 1), STORE_OK);
    ck_assert_int_eq(add_account(&other, "auditor", "", "", "", 2), STORE_OK);
    add_token(&until_today, owner.a.id, "今天到期", TODAY);
    add_token(&until_yesterday, owner.a.id, "昨天到期", "2020-09-28");
    add_token(&open_ended, owner.a.id, "无期限", NULL);

    /* A token works through its last day, and not after it. */
    ck_assert_int_eq(store_account_by_token(st, until_today.hash, TODAY, &got), STORE_OK);
    ck_assert_int_eq(got.id, owner.a.id);
    ck_assert_int_eq(store_account_by_token(st, until_today.hash, "2020-09-30", &got),
                     STORE_NOT_FOUND);
    ck_assert_int_eq(store_account_by_token(st, until_yesterday.hash, TODAY, &got),
                     STORE_NOT_FOUND);
    ck_assert_int_eq(store_account_by_token(st, open_ended.hash, "9999-12-31", &got), STORE_OK);

    /* Listed oldest first, expired ones too; no other account's. */
    ck_assert_int_eq(store_tokens_of(st, owner.a.id, collect_token, &list), STORE_OK);
    ck_assert_int_eq(list.n, 4);
    ck_assert_int_eq(list.ids[1], until_today.t.id);
    ck_assert_str_eq(list.expires[1], TODAY);
    ck_assert_str_eq(list.expires[2], "2020-09-28");
    ck_assert_str_eq(list.expires[3], "-");
    op.account_id = owner.a.id;
    ck_assert_int_eq(store_write(st, tx_count_tokens, &op), STORE_OK);
    ck_assert_int_eq(op.tokens, 4);

    /* Revoked by its own account only, once. */
    op = (struct token_op){.account_id = other.a.id, .id = open_ended.t.id, .at = NOW};
    ck_assert_int_eq(store_write(st, tx_token_revoke, &op), STORE_NOT_FOUND);
    ck_assert_int_eq(store_account_by_token(st, open_ended.hash, TODAY, &got), STORE_OK);
    op.account_id = owner.a.id;
    ck_assert_int_eq(store_write(st, tx_token_revoke, &op), STORE_OK);
    ck_assert_int_eq(store_account_by_token(st, open_ended.hash, TODAY, &got), STORE_NOT_FOUND);
    ck_assert_int_eq(store_write(st, tx_token_revoke, &op), STORE_NOT_FOUND);
    memset(&list, 0, sizeof list);
    ck_assert_int_eq(store_tokens_of(st, owner.a.id, collect_token, &list), STORE_OK);
    ck_assert_int_eq(list.n, 3);

    /* Disabling revokes every token and session at once. */
    session.account_id = owner.a.id;
    randombytes_buf(session.hash, sizeof session.hash);
    ck_assert_int_eq(store_write(st, tx_session, &session), STORE_OK);
    char csrf[64];
    ck_assert_int_eq(store_session_find(st, session.hash, NOW, &got, csrf), STORE_OK);
    op = (struct token_op){.account_id = owner.a.id, .at = NOW};
    ck_assert_int_eq(store_write(st, tx_disable, &op), STORE_OK);
    ck_assert_int_eq(op.tokens, 3);
    ck_assert_int_eq(op.sessions, 1);
    ck_assert_int_eq(store_account_by_token(st, owner.hash, TODAY, &got), STORE_NOT_FOUND);
    ck_assert_int_eq(store_account_by_token(st, until_today.hash, TODAY, &got), STORE_NOT_FOUND);
    ck_assert_int_eq(store_session_find(st, session.hash, NOW, &got, csrf), STORE_NOT_FOUND);
    char sql[128];
    snprintf(sql, sizeof sql,
             "SELECT count(*) FROM tokens WHERE revoked_at IS NULL AND account_id = %lld",
             (long long)owner.a.id);
    ck_assert_int_eq(raw_count(sql), 0);
    /* Again: nothing left to revoke; the other account is untouched. */
    ck_assert_int_eq(store_write(st, tx_disable, &op), STORE_OK);
    ck_assert_int_eq(op.tokens + op.sessions, 0);
    ck_assert_int_eq(store_account_by_token(st, other.hash, TODAY, &got), STORE_OK);
    op.account_id = 999999;
    ck_assert_int_eq(store_write(st, tx_disable, &op), STORE_NOT_FOUND);
    ck_assert_int_eq(errors_logged, 0);
}
END_TEST

struct key_op {
    const char *fingerprint, *file;
};

static enum store_rc tx_key_record(struct store_tx *tx, void *ctx)
{
    struct key_op *k = ctx;
    return store_token_key_record(tx, k->fingerprint, k->file, NOW);
}

START_TEST(test_token_key_record)
{
    char fp[65], file[64];
    char a[65], b[65];
    struct key_op first = {a, "/var/lib/shenbao/keys/token.key"},
                  second = {b, "/tmp/keys/token.key"};

    memset(a, 'a', 64);
    a[64] = '\0';
    memset(b, 'b', 64);
    b[64] = '\0';
    ck_assert_int_eq(store_token_key_get(st, fp, file, sizeof file), STORE_NOT_FOUND);
    ck_assert_int_eq(store_write(st, tx_key_record, &first), STORE_OK);
    ck_assert_int_eq(store_write(st, tx_key_record, &second), STORE_CONFLICT);
    ck_assert_int_eq(store_token_key_get(st, fp, file, sizeof file), STORE_OK);
    ck_assert_str_eq(fp, a);
    ck_assert_str_eq(file, "/var/lib/shenbao/keys/token.key");
    ck_assert_int_eq(errors_logged, 0);
}
END_TEST

/* ---- applications: one at a time --------------------------------------- */

static void fill_app(struct application *a, const char *kind, int round, const char *unit,
                     const char *uscc, const char *status, bool submitted)
{
    memset(a, 0, sizeof *a);
    snprintf(a->kind, sizeof a->kind, "%s", kind);
    a->round = round;
    snprintf(a->review_unit, sizeof a->review_unit, "%s", unit);
    a->applicant_name = (char *)"某孵化器有限公司";
    snprintf(a->applicant_uscc, sizeof a->applicant_uscc, "%s", uscc);
    snprintf(a->status, sizeof a->status, "%s", status);
    a->version = 1;
    a->created_by = applicant_id;
    snprintf(a->created_at, sizeof a->created_at, "%s", NOW);
    snprintf(a->updated_at, sizeof a->updated_at, "%s", NOW);
    if (submitted)
        snprintf(a->submitted_at, sizeof a->submitted_at, "%s", NOW);
    a->data_json = (char *)"{\"mentor_sessions\":12,\"field\":\"integrated_circuits\"}";
}

static enum store_rc tx_insert(struct store_tx *tx, void *ctx)
{
    return store_app_insert(tx, ctx);
}

struct update_op {
    struct application a;
    int64_t expected;
};

static enum store_rc tx_update(struct store_tx *tx, void *ctx)
{
    struct update_op *o = ctx;

    return store_app_update(tx, &o->a, o->expected);
}

static int64_t insert_app(struct application *a)
{
    ck_assert_int_eq(store_write(st, tx_insert, a), STORE_OK);
    ck_assert_int_gt(a->id, 0);
    return a->id;
}

struct from_op {
    const char *addr, *since;
    int64_t n;
};

static enum store_rc tx_from(struct store_tx *tx, void *ctx)
{
    struct from_op *f = ctx;
    return store_objections_from(tx, f->addr, f->since, &f->n);
}

START_TEST(test_objections_from_address)
{
    static const struct {
        const char *addr, *at;
    } filed[] = {
        {"192.0.2.1", "2020-09-28T15:59:59Z"}, /* the day before, in Beijing */
        {"192.0.2.1", "2020-09-28T16:00:00Z"},
        {"192.0.2.1", "2020-09-29T02:00:00Z"},
        {"192.0.2.2", "2020-09-29T02:00:00Z"},
    };
    struct application a;
    struct from_op f = {0};
    char sql[256];

    fill_app(&a, "incubator", 2020, "110108", "91110108MA01AAAAAA", "public_notice", true);
    int64_t id = insert_app(&a);
    for (size_t i = 0; i < sizeof filed / sizeof filed[0]; i++) {
        snprintf(sql, sizeof sql,
                 "INSERT INTO objections (application_id, name, contact, reason, filed_at,"
                 " client_addr) VALUES (%lld, '张三', '13800000000', '理由', '%s', '%s')",
                 (long long)id, filed[i].at, filed[i].addr);
        raw_exec(sql);
    }
    f.addr = "192.0.2.1";
    f.since = "2020-09-28T16:00:00Z";
    ck_assert_int_eq(store_write(st, tx_from, &f), STORE_OK);
    ck_assert_int_eq(f.n, 2);
    f.addr = "192.0.2.3";
    ck_assert_int_eq(store_write(st, tx_from, &f), STORE_OK);
    ck_assert_int_eq(f.n, 0);
}
END_TEST

START_TEST(test_app_insert_get_update)
{
    struct application a, got = {0};
    struct update_op up;
    int64_t id;

    fill_app(&a, "incubator", 2020, "110108", "91110108MA01AAAAAA", "draft", false);
    id = insert_app(&a);

    ck_assert_int_eq(store_app_get(st, id, &got), STORE_OK);
    ck_assert_int_eq(got.id, id);
    ck_assert_str_eq(got.kind, "incubator");
    ck_assert_int_eq(got.round, 2020);
    ck_assert_str_eq(got.review_unit, "110108");
    ck_assert_str_eq(got.applicant_name, "某孵化器有限公司");
    ck_assert_str_eq(got.applicant_uscc, "91110108MA01AAAAAA");
    ck_assert_str_eq(got.status, "draft");
    ck_assert_int_eq(got.version, 1);
    ck_assert_int_eq(got.created_by, applicant_id);
    ck_assert_str_eq(got.created_at, NOW);
    ck_assert_str_eq(got.updated_at, NOW);
    ck_assert_str_eq(got.submitted_at, "");
    ck_assert_str_eq(got.data_json, a.data_json);
    application_release(&got);
    ck_assert_ptr_null(got.data_json);

    /* Submit: version 1 -> 2. */
    up.a = a;
    up.expected = 1;
    up.a.version = 2;
    snprintf(up.a.status, sizeof up.a.status, "district_review");
    snprintf(up.a.updated_at, sizeof up.a.updated_at, "2020-09-30T08:00:00Z");
    snprintf(up.a.submitted_at, sizeof up.a.submitted_at, "2020-09-30T08:00:00Z");
    snprintf(up.a.review_unit, sizeof up.a.review_unit, "etdz");
    up.a.data_json = (char *)"{\"mentor_sessions\":13}";
    ck_assert_int_eq(store_write(st, tx_update, &up), STORE_OK);
    ck_assert_int_eq(store_app_get(st, id, &got), STORE_OK);
    ck_assert_int_eq(got.version, 2);
    ck_assert_str_eq(got.status, "district_review");
    ck_assert_str_eq(got.review_unit, "etdz");
    ck_assert_str_eq(got.submitted_at, "2020-09-30T08:00:00Z");
    ck_assert_str_eq(got.updated_at, "2020-09-30T08:00:00Z");
    ck_assert_str_eq(got.created_at, NOW);
    ck_assert_str_eq(got.data_json, "{\"mentor_sessions\":13}");
    application_release(&got);

    /* The same change again is stale now: a conflict, nothing written. */
    snprintf(up.a.status, sizeof up.a.status, "withdrawn");
    ck_assert_int_eq(store_write(st, tx_update, &up), STORE_CONFLICT);
    ck_assert_int_eq(store_app_get(st, id, &got), STORE_OK);
    ck_assert_int_eq(got.version, 2);
    ck_assert_str_eq(got.status, "district_review");
    application_release(&got);

    up.a.id = id + 1000;
    ck_assert_int_eq(store_write(st, tx_update, &up), STORE_NOT_FOUND);
    ck_assert_int_eq(store_app_get(st, id + 1000, &got), STORE_NOT_FOUND);
    ck_assert_int_eq(errors_logged, 0);
}
END_TEST

/* A certificate is revoked once: the second revocation is a conflict and
 * leaves the first as it was (the API's workflow refuses it earlier; the
 * store holds on its own). */
struct cert_op {
    struct key_row key;
    struct certificate_row cert;
    const char *serial, *at, *reason, *ground;
    int64_t refund_fen;
};

static enum store_rc tx_cert_issue(struct store_tx *tx, void *ctx)
{
    struct cert_op *o = ctx;
    enum store_rc rc = store_key_rotate(tx, &o->key);
    return rc == STORE_OK ? store_cert_insert(tx, &o->cert) : rc;
}

static enum store_rc tx_cert_revoke(struct store_tx *tx, void *ctx)
{
    struct cert_op *o = ctx;
    return store_cert_revoke(tx, o->serial, o->at, o->reason, o->ground, o->refund_fen, NULL);
}

START_TEST(test_certificate_revoked_once)
{
    struct application a;
    fill_app(&a, "first_store", 2020, "110108", "91110108MA01AAAAAA", "approved", true);
    int64_t id = insert_app(&a);

    struct cert_op o = {0};
    snprintf(o.key.kid, sizeof o.key.kid, "%s", "k1");
    snprintf(o.key.x, sizeof o.key.x, "%s", "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo");
    snprintf(o.key.created_at, sizeof o.key.created_at, "%s", NOW);
    snprintf(o.cert.serial, sizeof o.cert.serial, "%s", "SB-2020-TEST-0000-0000-0001");
    o.cert.application_id = id;
    snprintf(o.cert.kind, sizeof o.cert.kind, "%s", "first_store");
    snprintf(o.cert.kid, sizeof o.cert.kid, "%s", "k1");
    snprintf(o.cert.issued_on, sizeof o.cert.issued_on, "%s", "2020-10-13");
    o.cert.document_json = (char *)"{\"amount_fen\":100}";
    o.cert.jws = (char *)"e30.e30.sig";
    ck_assert_int_eq(store_write(st, tx_cert_issue, &o), STORE_OK);

    o.serial = o.cert.serial;
    o.at = "2021-03-01T02:00:00Z";
    o.reason = "门店关闭";
    o.ground = "closed_within_year";
    o.refund_fen = 100;
    ck_assert_int_eq(store_write(st, tx_cert_revoke, &o), STORE_OK);

    struct cert_op again = o;
    again.at = "2021-04-01T02:00:00Z";
    again.reason = "再次撤销";
    again.ground = "other";
    again.refund_fen = 0;
    ck_assert_int_eq(store_write(st, tx_cert_revoke, &again), STORE_CONFLICT);
    again.serial = "SB-2020-NONE-0000-0000-0000";
    ck_assert_int_eq(store_write(st, tx_cert_revoke, &again), STORE_CONFLICT);

    struct certificate_row got;
    ck_assert_int_eq(store_cert_get(st, o.cert.serial, &got), STORE_OK);
    ck_assert_str_eq(got.revoked_at, "2021-03-01T02:00:00Z");
    ck_assert_str_eq(got.revocation_reason, "门店关闭");
    ck_assert_str_eq(got.revocation_ground, "closed_within_year");
    ck_assert_int_eq(got.refund_fen, 100);
    certificate_release(&got);
    ck_assert_int_eq(errors_logged, 0);
}
END_TEST

START_TEST(test_app_refused)
{
    struct application a;

    /* Unknown review unit (foreign key), data that is not JSON, a status
     * past the draft that was never submitted. */
    fill_app(&a, "incubator", 2020, "nowhere", "91110108MA01AAAAAA", "draft", false);
    ck_assert_int_eq(store_write(st, tx_insert, &a), STORE_ERROR);
    fill_app(&a, "incubator", 2020, "110108", "91110108MA01AAAAAA", "draft", false);
    a.data_json = (char *)"{not json";
    ck_assert_int_eq(store_write(st, tx_insert, &a), STORE_ERROR);
    fill_app(&a, "incubator", 2020, "110108", "91110108MA01AAAAAA", "approved", false);
    ck_assert_int_eq(store_write(st, tx_insert, &a), STORE_ERROR);
    fill_app(&a, "incubator", 2020, "110108", "91110108MA01AAAAAA", "pending", true);
    ck_assert_int_eq(store_write(st, tx_insert, &a), STORE_ERROR);
    ck_assert_int_eq(errors_logged, 4);
}
END_TEST

struct own_writes {
    struct application a;
    enum store_rc result; /* what the transaction returns after its writes */
    bool seen_insert, seen_update;
};

static enum store_rc tx_own_writes(struct store_tx *tx, void *ctx)
{
    struct own_writes *o = ctx;
    struct application got = {0};
    struct application next;
    enum store_rc rc = store_app_insert(tx, &o->a);

    if (rc != STORE_OK)
        return rc;
    if (store_app_get_tx(tx, o->a.id, &got) == STORE_OK)
        o->seen_insert = got.version == 1 && strcmp(got.status, "draft") == 0;
    application_release(&got);

    next = o->a;
    next.version = 2;
    snprintf(next.status, sizeof next.status, "district_review");
    snprintf(next.submitted_at, sizeof next.submitted_at, "%s", NOW);
    rc = store_app_update(tx, &next, 1);
    if (rc != STORE_OK)
        return rc;
    if (store_app_get_tx(tx, o->a.id, &got) == STORE_OK)
        o->seen_update = got.version == 2 && strcmp(got.status, "district_review") == 0;
    application_release(&got);
    return o->result;
}

START_TEST(test_app_transactions)
{
    struct own_writes kept = {.result = STORE_OK};
    struct own_writes undone = {.result = STORE_CONFLICT};
    struct application got = {0};

    fill_app(&kept.a, "incubator", 2020, "110108", "91110108MA01AAAAAA", "draft", false);
    ck_assert_int_eq(store_write(st, tx_own_writes, &kept), STORE_OK);
    ck_assert(kept.seen_insert);
    ck_assert(kept.seen_update);
    ck_assert_int_eq(store_app_get(st, kept.a.id, &got), STORE_OK);
    ck_assert_int_eq(got.version, 2);
    application_release(&got);

    /* Returning anything but STORE_OK rolls every write back. */
    fill_app(&undone.a, "incubator", 2020, "110108", "91110108MA01AAAAAA", "draft", false);
    ck_assert_int_eq(store_write(st, tx_own_writes, &undone), STORE_CONFLICT);
    ck_assert(undone.seen_insert);
    ck_assert(undone.seen_update);
    ck_assert_int_gt(undone.a.id, kept.a.id);
    ck_assert_int_eq(store_app_get(st, undone.a.id, &got), STORE_NOT_FOUND);
    ck_assert_int_eq(errors_logged, 0);
}
END_TEST

static enum store_rc tx_nested(struct store_tx *tx, void *ctx)
{
    enum store_rc *inner = ctx;

    (void)tx;
    *inner = store_write(st, tx_insert, NULL);
    return STORE_OK;
}

START_TEST(test_nested_write_refused)
{
    enum store_rc inner = STORE_OK;

    ck_assert_int_eq(store_write(st, tx_nested, &inner), STORE_OK);
    ck_assert_int_eq(inner, STORE_ERROR);
    ck_assert_int_eq(errors_logged, 1);
}
END_TEST

/* ---- group commit ------------------------------------------------------ */

#define GROUP_WRITERS 12

static void sleep_ms_test(long ms)
{
    struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

/* One concurrent writer: writes row `n` of table g (its value is how many
 * rows it saw before it), and fails when n is even when told to. */
struct group_writer {
    pthread_t thread;
    int n;
    bool fail_even;
    enum store_rc rc;
    int64_t seen; /* rows g held when this callback ran */
};

static atomic_int group_started;
static atomic_bool group_hold; /* the first callback waits while this is set */

static enum store_rc tx_group(struct store_tx *tx, void *ctx)
{
    struct group_writer *w = ctx;
    sqlite3 *db = store_conn_db(store_tx_conn(tx));
    sqlite3_stmt *q = NULL;
    char sql[128];

    /* The first writer holds the writer until all the others have queued
     * behind it, so they must make one batch. */
    while (atomic_load(&group_hold) && atomic_load(&group_started) < GROUP_WRITERS)
        sleep_ms_test(1);
    if (atomic_load(&group_hold)) {
        sleep_ms_test(50);
        atomic_store(&group_hold, false);
    }
    ck_assert_int_eq(sqlite3_prepare_v2(db, "SELECT count(*) FROM g", -1, &q, NULL), SQLITE_OK);
    ck_assert_int_eq(sqlite3_step(q), SQLITE_ROW);
    w->seen = sqlite3_column_int64(q, 0);
    sqlite3_finalize(q);
    snprintf(sql, sizeof sql, "INSERT INTO g (n, seen) VALUES (%d, %lld)", w->n,
             (long long)w->seen);
    ck_assert_int_eq(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
    return w->fail_even && w->n % 2 == 0 ? STORE_CONFLICT : STORE_OK;
}

static void *group_thread(void *p)
{
    struct group_writer *w = p;

    atomic_fetch_add(&group_started, 1);
    w->rc = store_write(st, tx_group, w);
    return NULL;
}

static enum store_rc tx_make_g(struct store_tx *tx, void *ctx)
{
    (void)ctx;
    return sqlite3_exec(store_conn_db(store_tx_conn(tx)),
                        "CREATE TABLE g (n INTEGER PRIMARY KEY, seen INTEGER)", NULL, NULL,
                        NULL) == SQLITE_OK
               ? STORE_OK
               : STORE_ERROR;
}

/* Runs GROUP_WRITERS writers at once, the first holding the writer until
 * the others queued; returns the stats of that run. */
static struct store_write_stats run_group(struct group_writer *w, bool fail_even)
{
    struct store_write_stats before = store_write_stats(st), after;

    atomic_store(&group_started, 0);
    atomic_store(&group_hold, true);
    for (int i = 0; i < GROUP_WRITERS; i++) {
        w[i] = (struct group_writer){.n = i + 1, .fail_even = fail_even, .rc = STORE_ERROR};
        ck_assert_int_eq(pthread_create(&w[i].thread, NULL, group_thread, &w[i]), 0);
        if (i == 0)
            while (atomic_load(&group_started) == 0)
                sleep_ms_test(1);
    }
    for (int i = 0; i < GROUP_WRITERS; i++)
        pthread_join(w[i].thread, NULL);
    after = store_write_stats(st);
    after.commits -= before.commits;
    after.writes -= before.writes;
    return after;
}

/* Concurrent writes share transactions: the ones that queued behind a
 * commit make the next batch, in one commit, each seeing the writes before
 * it; every caller returns with its write committed. */
START_TEST(test_group_commit)
{
    struct group_writer w[GROUP_WRITERS];

    ck_assert_int_eq(store_write(st, tx_make_g, NULL), STORE_OK);
    struct store_write_stats got = run_group(w, false);
    for (int i = 0; i < GROUP_WRITERS; i++)
        ck_assert_int_eq(w[i].rc, STORE_OK);
    ck_assert_int_eq(got.writes, GROUP_WRITERS);
    /* The first alone, the other eleven behind it in one batch. */
    ck_assert_int_eq(got.commits, 2);
    ck_assert_int_eq(got.largest_batch, GROUP_WRITERS - 1);

    /* Committed, as seen from another connection, and each callback saw
     * exactly the rows of the ones before it. */
    sqlite3 *db = raw_open();
    sqlite3_stmt *q = NULL;
    bool seen[GROUP_WRITERS] = {false};
    ck_assert_int_eq(sqlite3_prepare_v2(db, "SELECT n, seen FROM g", -1, &q, NULL), SQLITE_OK);
    int rows = 0;
    while (sqlite3_step(q) == SQLITE_ROW) {
        int64_t s = sqlite3_column_int64(q, 1);
        ck_assert(s >= 0 && s < GROUP_WRITERS && !seen[s]);
        seen[s] = true;
        rows++;
    }
    ck_assert_int_eq(rows, GROUP_WRITERS);
    sqlite3_finalize(q);
    sqlite3_close(db);
    ck_assert_int_eq(errors_logged, 0);
}
END_TEST

/* A callback that fails in a batch takes only its own writes back. */
START_TEST(test_group_commit_failure_alone)
{
    struct group_writer w[GROUP_WRITERS];

    ck_assert_int_eq(store_write(st, tx_make_g, NULL), STORE_OK);
    struct store_write_stats got = run_group(w, true);
    ck_assert_int_eq(got.largest_batch, GROUP_WRITERS - 1);
    for (int i = 0; i < GROUP_WRITERS; i++)
        ck_assert_int_eq(w[i].rc, w[i].n % 2 == 0 ? STORE_CONFLICT : STORE_OK);
    ck_assert_int_eq(got.writes, GROUP_WRITERS / 2);

    sqlite3 *db = raw_open();
    sqlite3_stmt *q = NULL;
    ck_assert_int_eq(sqlite3_prepare_v2(db, "SELECT n, seen FROM g ORDER BY seen", -1, &q, NULL),
                     SQLITE_OK);
    int64_t rows = 0;
    while (sqlite3_step(q) == SQLITE_ROW) {
        ck_assert_int_eq(sqlite3_column_int(q, 0) % 2, 1);
        /* The rolled-back rows were gone for the callbacks after them. */
        ck_assert_int_eq(sqlite3_column_int64(q, 1), rows);
        rows++;
    }
    ck_assert_int_eq(rows, GROUP_WRITERS / 2);
    sqlite3_finalize(q);
    sqlite3_close(db);
}
END_TEST

/* With a batch of one, every write commits alone. */
START_TEST(test_group_commit_off)
{
    struct group_writer w[GROUP_WRITERS];

    ck_assert_int_eq(store_write(st, tx_make_g, NULL), STORE_OK);
    store_set_batch(st, 1, 0);
    struct store_write_stats got = run_group(w, false);
    ck_assert_int_eq(got.commits, GROUP_WRITERS);
    ck_assert_int_eq(got.largest_batch, 1);
    for (int i = 0; i < GROUP_WRITERS; i++)
        ck_assert_int_eq(w[i].rc, STORE_OK);
}
END_TEST

static enum store_rc tx_slow_row(struct store_tx *tx, void *ctx)
{
    (void)ctx;
    sleep_ms_test(100);
    return sqlite3_exec(store_conn_db(store_tx_conn(tx)), "INSERT INTO g (seen) VALUES (0)", NULL,
                        NULL, NULL) == SQLITE_OK
               ? STORE_OK
               : STORE_ERROR;
}

/* The writer's busy time is counted in two parts: a write whose statements
 * take 100 ms shows there, and its commit (a sync of the log) in the
 * other. */
START_TEST(test_writer_time)
{
    ck_assert_int_eq(store_write(st, tx_make_g, NULL), STORE_OK);
    struct store_write_stats before = store_write_stats(st);
    ck_assert_int_eq(store_write(st, tx_slow_row, NULL), STORE_OK);
    struct store_write_stats after = store_write_stats(st);

    ck_assert_uint_ge(after.statements_ns - before.statements_ns, 100 * 1000000ULL);
    ck_assert_uint_lt(after.statements_ns - before.statements_ns, 10 * 1000000000ULL);
    ck_assert_uint_gt(after.commit_ns - before.commit_ns, 0);
    ck_assert_uint_eq(after.commits - before.commits, 1);
}
END_TEST

/* A nested call from a callback that runs in a batch (on another thread
 * than its caller's) is refused as well. */
static enum store_rc tx_nested_group(struct store_tx *tx, void *ctx)
{
    struct group_writer *w = ctx;
    enum store_rc rc = tx_group(tx, ctx);
    if (w->n == GROUP_WRITERS)
        w->rc = store_write(st, tx_insert, NULL);
    return rc;
}

static void *nested_group_thread(void *p)
{
    struct group_writer *w = p;
    atomic_fetch_add(&group_started, 1);
    enum store_rc inner = STORE_OK;
    enum store_rc rc = store_write(st, tx_nested_group, w);
    if (w->n == GROUP_WRITERS) {
        inner = w->rc;
        w->rc = rc == STORE_OK && inner == STORE_ERROR ? STORE_OK : STORE_ERROR;
    } else {
        w->rc = rc;
    }
    return NULL;
}

START_TEST(test_group_nested_refused)
{
    struct group_writer w[GROUP_WRITERS];

    ck_assert_int_eq(store_write(st, tx_make_g, NULL), STORE_OK);
    atomic_store(&group_started, 0);
    atomic_store(&group_hold, true);
    for (int i = 0; i < GROUP_WRITERS; i++) {
        w[i] = (struct group_writer){.n = i + 1, .rc = STORE_ERROR};
        ck_assert_int_eq(pthread_create(&w[i].thread, NULL, nested_group_thread, &w[i]), 0);
        if (i == 0)
            while (atomic_load(&group_started) == 0)
                sleep_ms_test(1);
    }
    for (int i = 0; i < GROUP_WRITERS; i++) {
        pthread_join(w[i].thread, NULL);
        ck_assert_int_eq(w[i].rc, STORE_OK);
    }
    ck_assert_int_eq(errors_logged, 1);
}
END_TEST

/* ---- client text: kept whole, read back as valid UTF-8 ------------------ */

/* `count` copies of the UTF-8 character ch, in a new string. */
static char *repeat(const char *ch, size_t count)
{
    size_t len = strlen(ch);
    char *out = malloc(len * count + 1);

    ck_assert_ptr_nonnull(out);
    for (size_t i = 0; i < count; i++)
        memcpy(out + i * len, ch, len);
    out[len * count] = '\0';
    return out;
}

struct text_rows {
    struct unit unit;
    struct account_op account;
    struct application app;
    struct objection objection;
};

static enum store_rc tx_text_rows(struct store_tx *tx, void *ctx)
{
    struct text_rows *t = ctx;
    enum store_rc rc = store_unit_add(tx, &t->unit);

    if (rc == STORE_OK)
        rc = tx_account(tx, &t->account);
    if (rc == STORE_OK)
        rc = store_app_insert(tx, &t->app);
    t->objection.application_id = t->app.id;
    if (rc == STORE_OK)
        rc = store_objection_add(tx, &t->objection);
    if (rc == STORE_OK) {
        struct event e = {.id = 1, .application_id = t->app.id, .actor_account = t->account.a.id};
        snprintf(e.at, sizeof e.at, "%s", NOW);
        snprintf(e.action, sizeof e.action, "create");
        snprintf(e.to_status, sizeof e.to_status, "draft");
        snprintf(e.actor_role, sizeof e.actor_role, "applicant");
        rc = store_event_insert(tx, &e);
    }
    return rc;
}

static void same_objection(const struct objection *o, void *ctx)
{
    const struct objection *want = ctx;

    ck_assert_str_eq(o->name, want->name);
    ck_assert_str_eq(o->contact, want->contact);
    ck_assert_str_eq(o->reason, want->reason);
}

static void same_actor(const struct event *e, void *ctx)
{
    ck_assert_ptr_nonnull(e->actor_name);
    ck_assert_str_eq(e->actor_name, ctx);
}

static void same_name(const struct application *a, void *ctx)
{
    ck_assert_str_eq(a->applicant_name, ctx);
}

/* The longest text each field admits, in 4-byte characters, and longer
 * free text still, round-trips byte for byte through every struct. */
START_TEST(test_long_text_round_trips)
{
    char *unit_id = repeat("首", UNIT_ID_CHARS - 4), *emoji_200 = repeat("😀", 200);
    char *emoji_80 = repeat("😀", UNIT_NAME_CHARS), *local = repeat("用", 248);
    char *long_name = repeat("长", 5000), *reason = repeat("😀", 4000), *contact = emoji_200;
    struct text_rows t = {0};
    struct unit u;
    struct account got;
    struct application app = {0};
    struct app_filter f = {
        .scope = SCOPE_ORGANISATION, .scope_value = "91110108MA01CCCCCC", .limit = 10};

    snprintf(t.unit.id, sizeof t.unit.id, "soe:%s", unit_id);
    ck_assert_uint_eq(strlen(t.unit.id), 4 + 3 * (UNIT_ID_CHARS - 4));
    snprintf(t.unit.name_zh, sizeof t.unit.name_zh, "%s", emoji_80);
    ck_assert_uint_eq(strlen(t.unit.name_zh), 4 * UNIT_NAME_CHARS);
    snprintf(t.unit.name_en, sizeof t.unit.name_en, "%s", emoji_80);
    snprintf(t.unit.kind, sizeof t.unit.kind, "soe");

    snprintf(t.account.a.role, sizeof t.account.a.role, "district_reviewer");
    snprintf(t.account.a.name, sizeof t.account.a.name, "%s", emoji_200);
    ck_assert_uint_eq(strlen(t.account.a.name), 800);
    snprintf(t.account.a.unit, sizeof t.account.a.unit, "%s", t.unit.id);
    /* the longest address: 248 + 6 characters */
    snprintf(t.account.a.email, sizeof t.account.a.email, "%s@例子.中国", local);
    ck_assert_uint_eq(text_chars(t.account.a.email), ACCOUNT_EMAIL_CHARS);
    snprintf(t.account.a.created_at, sizeof t.account.a.created_at, "%s", NOW);
    randombytes_buf(t.account.hash, sizeof t.account.hash);

    fill_app(&t.app, "first_store", 2020, t.unit.id, "91110108MA01CCCCCC", "draft", false);
    t.app.applicant_name = long_name;
    t.objection.name = emoji_200 + 400; /* 100 characters */
    t.objection.contact = contact;
    t.objection.reason = reason;
    snprintf(t.objection.filed_at, sizeof t.objection.filed_at, "%s", NOW);
    snprintf(t.objection.client_addr, sizeof t.objection.client_addr, "127.0.0.1");
    ck_assert_int_eq(store_write(st, tx_text_rows, &t), STORE_OK);

    ck_assert_int_eq(store_unit_get(st, t.unit.id, &u), STORE_OK);
    ck_assert_str_eq(u.id, t.unit.id);
    ck_assert_str_eq(u.name_zh, emoji_80);
    ck_assert_str_eq(u.name_en, emoji_80);
    ck_assert_int_eq(store_account_by_token(st, t.account.hash, "2020-09-01", &got), STORE_OK);
    ck_assert_str_eq(got.name, emoji_200);
    ck_assert_str_eq(got.unit, t.unit.id);
    ck_assert_str_eq(got.email, t.account.a.email);
    ck_assert_int_eq(store_app_get(st, t.app.id, &app), STORE_OK);
    ck_assert_str_eq(app.applicant_name, long_name);
    ck_assert_str_eq(app.review_unit, t.unit.id);
    application_release(&app);
    ck_assert_int_eq(store_app_list(st, &f, same_name, long_name, NULL), STORE_OK);
    ck_assert_int_eq(store_objections_of(st, t.app.id, same_objection, &t.objection), STORE_OK);
    ck_assert_int_eq(store_events_of(st, t.app.id, same_actor, emoji_200), STORE_OK);
    ck_assert_int_eq(errors_logged, 0);

    free(unit_id);
    free(emoji_200);
    free(emoji_80);
    free(local);
    free(long_name);
    free(reason);
}
END_TEST

/* What an older version stored cut inside a character, or longer than a
 * buffer, reads as valid UTF-8 (U+FFFD for the broken bytes, a cut at a
 * character), and each such read is logged. */
START_TEST(test_broken_text_reads_repaired)
{
    struct application a, got = {0};
    struct unit u;
    char *name = repeat("测", 171), *expect = repeat("测", 170), sql[1024];
    int64_t id;

    fill_app(&a, "incubator", 2020, "110108", "91110108MA01AAAAAA", "draft", false);
    id = insert_app(&a);
    /* the 511 bytes a 512-byte buffer kept of a 513-byte name */
    snprintf(sql, sizeof sql,
             "UPDATE applications SET applicant_name = CAST(substr(CAST('%s' AS BLOB), 1, 511)"
             " AS TEXT) WHERE id = %lld",
             name, (long long)id);
    raw_exec(sql);
    ck_assert_int_eq(store_app_get(st, id, &got), STORE_OK);
    ck_assert_uint_eq(strlen(got.applicant_name), 510 + 3);
    ck_assert(strncmp(got.applicant_name, expect, 510) == 0);
    ck_assert_str_eq(got.applicant_name + 510, "\xEF\xBF\xBD");
    ck_assert_int_eq(errors_logged, 1);
    application_release(&got);

    /* into a buffer: a stray byte, and more than the buffer holds */
    raw_exec("UPDATE review_units SET name_zh = CAST(X'E6B5FF41' AS TEXT),"
             " name_en = printf('%.400c', 'x') || '北' WHERE id = '110101'");
    ck_assert_int_eq(store_unit_get(st, "110101", &u), STORE_OK);
    ck_assert_str_eq(u.name_zh, "\xEF\xBF\xBD\xEF\xBF\xBD"
                                "A");
    ck_assert_uint_eq(strlen(u.name_en), UNIT_NAME_LEN - 1);
    ck_assert_int_eq(errors_logged, 3);
    free(name);
    free(expect);
}
END_TEST

/* ---- listings against a model ------------------------------------------ */

#define N_MODEL 60

static const char *const kinds[] = {"incubator", "first_store", "tourism_award"};
static const char *const units[] = {"110101", "110108", "etdz"};
static const char *const usccs[] = {"91110108MA01AAAAAA", "91110105MA02BBBBBB"};
static const char *const statuses[] = {"draft",         "district_review", "municipal_review",
                                       "public_notice", "approved",        "returned",
                                       "rejected",      "withdrawn",       "revoked"};
static const char *const names[] = {"北京甲孵化器有限公司", "Alpha Travel 北京分社",
                                    "北京丙商业管理有限公司"};

struct model {
    int64_t id;
    const char *kind, *unit, *uscc, *status, *name;
    int round;
    bool submitted;
    /* RFC 3339 texts, in an order of their own (not the ids'), with ties. */
    char created_at[32], submitted_at[32], status_at[32], updated_at[32];
};

static struct model model[N_MODEL];

/* An instant of September 2020, minute m after the start of the 1st. */
static void instant(char *out, size_t cap, int m)
{
    snprintf(out, cap, "2020-09-%02dT%02d:%02d:00Z", 1 + m / (24 * 60), m / 60 % 24, m % 60);
}

/* Spreads the rows over every value with co-prime strides, so each
 * combination of scope and filter selects a different mix, and gives them
 * times that neither follow the ids nor are all distinct. */
static void seed_model(void)
{
    for (int i = 0; i < N_MODEL; i++) {
        struct model *m = &model[i];
        struct application a;

        m->kind = kinds[i % 3];
        m->unit = units[(i / 2) % 3];
        m->uscc = usccs[(i / 5) % 2];
        m->status = statuses[(i * 7) % 9];
        m->name = names[(i / 3) % 3];
        m->round = 2020 + (i % 4 == 0);
        m->submitted =
            strcmp(m->status, "draft") != 0 && (strcmp(m->status, "withdrawn") != 0 || i % 2 == 0);
        instant(m->created_at, sizeof m->created_at, (i * 37) % 400);
        instant(m->submitted_at, sizeof m->submitted_at, 400 + (i * 11) % 23 * 60);
        instant(m->status_at, sizeof m->status_at, 2000 + (i * 13) % 17 * 30);
        instant(m->updated_at, sizeof m->updated_at, 3000 + i * 5);
        fill_app(&a, m->kind, m->round, m->unit, m->uscc, m->status, m->submitted);
        a.applicant_name = (char *)m->name;
        snprintf(a.created_at, sizeof a.created_at, "%s", m->created_at);
        snprintf(a.updated_at, sizeof a.updated_at, "%s", m->updated_at);
        snprintf(a.status_at, sizeof a.status_at, "%s", m->status_at);
        if (m->submitted)
            snprintf(a.submitted_at, sizeof a.submitted_at, "%s", m->submitted_at);
        m->id = insert_app(&a);
    }
}

static bool in_list(const char *const *list, size_t n, const char *s)
{
    for (size_t i = 0; i < n && list[i]; i++)
        if (strcmp(list[i], s) == 0)
            return true;
    return false;
}

/* The model's sort key, as the store's: when submitted (a draft of its
 * organisation: when made), since when it waits. */
static const char *model_key(const struct model *m, enum app_sort sort)
{
    if (sort == SORT_WAITING)
        return m->status_at;
    return m->submitted ? m->submitted_at : m->created_at;
}

static bool model_match(const struct model *m, const struct app_filter *f)
{
    switch (f->scope) {
    case SCOPE_ORGANISATION:
        if (strcmp(m->uscc, f->scope_value) != 0)
            return false;
        break;
    case SCOPE_UNIT:
        if (!m->submitted || strcmp(m->unit, f->scope_value) != 0)
            return false;
        break;
    case SCOPE_SUBMITTED:
        if (!m->submitted)
            return false;
        break;
    }
    const char *sub = m->submitted ? m->submitted_at : NULL;
    return (f->kind == NULL || strcmp(m->kind, f->kind) == 0) &&
           (f->statuses[0] == NULL || in_list(f->statuses, APP_FILTER_STATUSES, m->status)) &&
           (f->kinds_in[0] == NULL || in_list(f->kinds_in, APP_FILTER_KINDS, m->kind)) &&
           (f->round == 0 || m->round == f->round) &&
           (f->review_unit == NULL || strcmp(m->unit, f->review_unit) == 0) &&
           (f->submitted_from == NULL || (sub && strcmp(sub, f->submitted_from) >= 0)) &&
           (f->submitted_before == NULL || (sub && strcmp(sub, f->submitted_before) < 0)) &&
           (f->updated_since == NULL || strcmp(m->updated_at, f->updated_since) >= 0) &&
           (f->q == NULL || strstr(m->name, f->q) || strstr(m->uscc, f->q));
}

static enum app_sort cmp_sort;

/* The order of f's sort: the key, then the id, both the same way. */
static int model_cmp(const void *x, const void *y)
{
    const struct model *a = *(const struct model *const *)x, *b = *(const struct model *const *)y;
    int c = strcmp(model_key(a, cmp_sort), model_key(b, cmp_sort));
    if (c == 0)
        c = (a->id > b->id) - (a->id < b->id);
    return cmp_sort == SORT_SUBMITTED_DESC ? -c : c;
}

/* The ids f should list, in its order, from its start. */
static int model_list(const struct app_filter *f, int64_t *ids)
{
    const struct model *rows[N_MODEL];
    int n = 0, out = 0;

    for (int i = 0; i < N_MODEL; i++)
        if (model_match(&model[i], f))
            rows[n++] = &model[i];
    cmp_sort = f->sort;
    qsort(rows, (size_t)n, sizeof rows[0], model_cmp);
    for (int i = 0; i < n; i++) {
        if (f->after_key) {
            struct model after = {.id = f->after_id};
            const struct model *pa = &after;
            snprintf(after.submitted_at, sizeof after.submitted_at, "%s", f->after_key);
            snprintf(after.status_at, sizeof after.status_at, "%s", f->after_key);
            after.submitted = true;
            if (model_cmp(&rows[i], &pa) <= 0)
                continue;
        }
        ids[out++] = rows[i]->id;
    }
    return out;
}

struct page {
    int64_t ids[N_MODEL + 1];
    int n;
    bool consistent; /* every row passed had the fields the model says */
    char key[40];    /* the sort key of the last row */
    enum app_sort sort;
};

static void collect_app(const struct application *a, void *ctx)
{
    struct page *p = ctx;
    int i;

    for (i = 0; i < N_MODEL && model[i].id != a->id; i++)
        ;
    if (i == N_MODEL || strcmp(a->kind, model[i].kind) != 0 ||
        strcmp(a->status, model[i].status) != 0 || a->data_json == NULL ||
        strcmp(a->status_at, model[i].status_at) != 0 || a->granted_fen != -1 ||
        a->refund_fen != -1)
        p->consistent = false;
    if (p->n <= N_MODEL)
        p->ids[p->n++] = a->id;
    snprintf(p->key, sizeof p->key, "%s", store_app_sort_key(a, p->sort));
}

static void assert_lists(const struct app_filter *f)
{
    int64_t want[N_MODEL], count = -1;
    struct page got = {.consistent = true, .sort = f->sort};
    int n = model_list(f, want);
    bool more = true;

    ck_assert_int_eq(store_app_list(st, f, collect_app, &got, &more), STORE_OK);
    ck_assert(got.consistent);
    ck_assert_msg(got.n == n,
                  "scope %d %s kind %s status %s… round %d unit %s sort %d: %d rows, want %d",
                  f->scope, f->scope_value ? f->scope_value : "-", f->kind ? f->kind : "-",
                  f->statuses[0] ? f->statuses[0] : "-", f->round,
                  f->review_unit ? f->review_unit : "-", f->sort, got.n, n);
    for (int i = 0; i < n; i++)
        ck_assert_int_eq(got.ids[i], want[i]);
    ck_assert(!more);
    ck_assert_int_eq(store_app_count(st, f, &count), STORE_OK);
    ck_assert_int_eq(count, n);
}

struct scope_case {
    enum app_scope scope;
    const char *value;
};

static const struct scope_case scope_cases[] = {
    {SCOPE_ORGANISATION, "91110108MA01AAAAAA"},
    {SCOPE_ORGANISATION, "91110105MA02BBBBBB"},
    {SCOPE_ORGANISATION, "91110000000000000X"},
    {SCOPE_UNIT, "110101"},
    {SCOPE_UNIT, "etdz"},
    {SCOPE_SUBMITTED, NULL},
};
#define N_SCOPE_CASES (sizeof scope_cases / sizeof scope_cases[0])

START_TEST(test_list_scopes_filters)
{
    const char *kind_f[] = {NULL, "incubator", "first_store"};
    const char *const status_f[][3] = {
        {NULL}, {"draft"}, {"district_review"}, {"withdrawn"}, {"returned", "approved", "draft"}};
    const int round_f[] = {0, 2020, 2021};
    const char *unit_f[] = {NULL, "110108", "etdz"};
    int checked = 0;

    seed_model();
    for (size_t s = 0; s < N_SCOPE_CASES; s++)
        for (size_t k = 0; k < 3; k++)
            for (size_t t = 0; t < 5; t++)
                for (size_t r = 0; r < 3; r++)
                    for (size_t u = 0; u < 3; u++)
                        for (int sort = 0; sort <= SORT_WAITING; sort++) {
                            struct app_filter f = {
                                .scope = scope_cases[s].scope,
                                .scope_value = scope_cases[s].value,
                                .kind = kind_f[k],
                                .round = round_f[r],
                                .review_unit = unit_f[u],
                                .sort = (enum app_sort)sort,
                                .limit = 200,
                            };
                            memcpy(f.statuses, status_f[t], sizeof status_f[t]);
                            assert_lists(&f);
                            checked++;
                        }
    ck_assert_int_eq(checked, (int)N_SCOPE_CASES * 3 * 5 * 3 * 3 * 3);
    ck_assert_int_eq(errors_logged, 0);
}
END_TEST

/* The filters beyond the scope: kinds allowed, submission dates, changes
 * since, a substring of the name or the USCC. */
START_TEST(test_list_more_filters)
{
    static const struct app_filter cases[] = {
        {.scope = SCOPE_SUBMITTED, .kinds_in = {"incubator", "tourism_award"}},
        {.scope = SCOPE_SUBMITTED, .kinds_in = {""}},
        {.scope = SCOPE_SUBMITTED, .submitted_from = "2020-09-01T12:00:00Z"},
        {.scope = SCOPE_SUBMITTED, .submitted_before = "2020-09-01T12:00:00Z"},
        {.scope = SCOPE_SUBMITTED,
         .submitted_from = "2020-09-01T09:00:00Z",
         .submitted_before = "2020-09-01T15:00:00Z"},
        {.scope = SCOPE_ORGANISATION,
         .scope_value = "91110108MA01AAAAAA",
         .submitted_from = "2020-09-01T09:00:00Z"},
        {.scope = SCOPE_SUBMITTED, .updated_since = "2020-09-03T03:00:00Z"},
        {.scope = SCOPE_UNIT, .scope_value = "110108", .q = "alpha travel"},
        {.scope = SCOPE_SUBMITTED, .q = "丙商业"},
        {.scope = SCOPE_SUBMITTED, .q = "110105ma02"},
        {.scope = SCOPE_SUBMITTED, .q = "nobody"},
    };
    seed_model();
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        for (int sort = 0; sort <= SORT_WAITING; sort++) {
            struct app_filter f = cases[i];
            f.sort = (enum app_sort)sort;
            f.limit = 200;
            /* The model compares case as the store's lower() does: the
             * model's names are lower-case where the query is. */
            if (f.q && strcmp(f.q, "alpha travel") == 0)
                f.q = "Alpha Travel";
            if (f.q && strcmp(f.q, "110105ma02") == 0)
                f.q = "110105MA02";
            int64_t want[N_MODEL];
            int n = model_list(&f, want);
            struct app_filter lower = f;
            if (f.q && strcmp(f.q, "Alpha Travel") == 0)
                lower.q = "alpha travel";
            if (f.q && strcmp(f.q, "110105MA02") == 0)
                lower.q = "110105ma02";
            struct page got = {.consistent = true, .sort = f.sort};
            bool more = true;
            int64_t count = -1;
            ck_assert_int_eq(store_app_list(st, &lower, collect_app, &got, &more), STORE_OK);
            ck_assert_msg(got.n == n, "case %zu sort %d: %d rows, want %d", i, sort, got.n, n);
            for (int j = 0; j < n; j++)
                ck_assert_int_eq(got.ids[j], want[j]);
            ck_assert_int_eq(store_app_count(st, &lower, &count), STORE_OK);
            ck_assert_int_eq(count, n);
        }
    /* The cases above do select something, and not everything. */
    struct app_filter some = {.scope = SCOPE_SUBMITTED, .q = "alpha travel", .limit = 200};
    int64_t n = 0, all = 0;
    struct app_filter every = {.scope = SCOPE_SUBMITTED, .limit = 200};
    ck_assert_int_eq(store_app_count(st, &some, &n), STORE_OK);
    ck_assert_int_eq(store_app_count(st, &every, &all), STORE_OK);
    ck_assert(n > 0 && n < all);
    ck_assert_int_eq(errors_logged, 0);
}
END_TEST

START_TEST(test_list_paging)
{
    seed_model();
    for (size_t s = 0; s < N_SCOPE_CASES; s++)
        for (int sort = 0; sort <= SORT_WAITING; sort++) {
            struct app_filter all = {.scope = scope_cases[s].scope,
                                     .scope_value = scope_cases[s].value,
                                     .sort = (enum app_sort)sort};
            int64_t want[N_MODEL];
            int total = model_list(&all, want);

            /* Page sizes that divide the total exactly and ones that do not. */
            for (int limit = 1; limit <= total + 1; limit++) {
                struct app_filter f = all;
                int seen = 0;
                bool more = true;
                char key[40];

                f.limit = limit;
                while (more) {
                    struct page p = {.consistent = true, .sort = f.sort};

                    ck_assert_int_eq(store_app_list(st, &f, collect_app, &p, &more), STORE_OK);
                    ck_assert(p.n <= limit);
                    for (int i = 0; i < p.n; i++) {
                        ck_assert_int_lt(seen, total);
                        ck_assert_int_eq(p.ids[i], want[seen]);
                        seen++;
                    }
                    /* More exactly when rows remain, even at a page boundary. */
                    ck_assert_int_eq(more, seen < total);
                    ck_assert(more ? p.n == limit : true);
                    if (p.n > 0) {
                        snprintf(key, sizeof key, "%s", p.key);
                        f.after_key = key;
                        f.after_id = p.ids[p.n - 1];
                    }
                }
                ck_assert_int_eq(seen, total);
            }
        }
}
END_TEST

/* Listing from inside a listing's callback: the page is read whole first,
 * so the store is free to use. */
static void nested_list(const struct application *a, void *ctx)
{
    struct app_filter f = {.scope = SCOPE_SUBMITTED, .limit = 5};
    struct page inner = {.consistent = true};
    struct application got = {0};
    int *ok = ctx;

    if (store_app_list(st, &f, collect_app, &inner, NULL) == STORE_OK && inner.n == 5 &&
        store_app_get(st, a->id, &got) == STORE_OK && got.id == a->id)
        (*ok)++;
    application_release(&got);
}

START_TEST(test_list_reentrant)
{
    struct app_filter f = {.scope = SCOPE_SUBMITTED, .limit = 10};
    int ok = 0;

    seed_model();
    ck_assert_int_eq(store_app_list(st, &f, nested_list, &ok, NULL), STORE_OK);
    ck_assert_int_eq(ok, 10);
}
END_TEST

/* The query plan of sql, one line. */
static void plan_of(sqlite3 *db, const char *sql, char *plan, size_t cap)
{
    char explain[4096];
    sqlite3_stmt *q = NULL;

    plan[0] = '\0';
    snprintf(explain, sizeof explain, "EXPLAIN QUERY PLAN %s", sql);
    ck_assert_int_eq(sqlite3_prepare_v2(db, explain, -1, &q, NULL), SQLITE_OK);
    while (sqlite3_step(q) == SQLITE_ROW) {
        size_t used = strlen(plan);
        snprintf(plan + used, cap - used, "%s; ", (const char *)sqlite3_column_text(q, 3));
    }
    sqlite3_finalize(q);
}

/* The worklists and the lists reviewers open most are driven by an index
 * that gives their order, start where the previous page ended (a range on
 * the index, not a scan from the start) and never sort. */
START_TEST(test_list_plans)
{
    static const struct {
        struct app_filter f;
        const char *uses;
    } cases[] = {
        /* a district clerk's worklist: its unit, waiting for it, oldest first */
        {{.scope = SCOPE_UNIT,
          .scope_value = "x",
          .statuses = {"district_review"},
          .kinds_in = {"first_store"},
          .sort = SORT_WAITING,
          .limit = 1},
         "applications_unit_status_waiting (review_unit=? AND status=? AND"},
        /* the municipal worklist: a status of every unit, the authority's kinds */
        {{.scope = SCOPE_SUBMITTED,
          .statuses = {"municipal_review"},
          .kinds_in = {"incubator"},
          .sort = SORT_WAITING,
          .limit = 1},
         "applications_status_waiting (status=? AND"},
        /* the done tab of a unit: several statuses, last submitted first */
        {{.scope = SCOPE_UNIT,
          .scope_value = "x",
          .statuses = {"municipal_review", "approved", "rejected"},
          .limit = 1},
         "applications_unit_submitted (review_unit=? AND"},
        /* one status, by submission */
        {{.scope = SCOPE_SUBMITTED, .statuses = {"approved"}, .round = 2020, .limit = 1},
         "applications_status_submitted (status=? AND"},
        {{.scope = SCOPE_SUBMITTED,
          .statuses = {"approved"},
          .sort = SORT_SUBMITTED_ASC,
          .limit = 1},
         "applications_status_submitted (status=? AND"},
        /* everything, as an auditor reads it */
        {{.scope = SCOPE_SUBMITTED, .kind = "first_store", .limit = 1}, "applications_submitted ("},
        {{.scope = SCOPE_SUBMITTED, .sort = SORT_WAITING, .limit = 1}, "applications_waiting ("},
        {{.scope = SCOPE_SUBMITTED, .review_unit = "x", .limit = 1},
         "applications_unit_submitted (review_unit=? AND"},
    };
    sqlite3 *db;
    char plan[2048];

    seed_model();
    db = raw_open();
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const char *sql = store_app_list_sql(&cases[i].f);
        ck_assert_ptr_nonnull(sql);
        plan_of(db, sql, plan, sizeof plan);
        ck_assert_msg(strstr(plan, cases[i].uses) != NULL, "case %zu: plan %s", i, plan);
        ck_assert_msg(strstr(plan, "TEMP B-TREE") == NULL, "case %zu sorts: %s", i, plan);
    }
    /* An organisation's own list, newest first, in the order its index
     * holds, however many it has. */
    struct app_filter own = {.scope = SCOPE_ORGANISATION, .scope_value = "x", .limit = 1};
    plan_of(db, store_app_list_sql(&own), plan, sizeof plan);
    ck_assert_msg(strstr(plan, "applications_org_own (applicant_uscc=?"), "own list: %s", plan);
    ck_assert_msg(strstr(plan, "TEMP B-TREE") == NULL, "own list sorts: %s", plan);
    sqlite3_close(db);
}
END_TEST

START_TEST(test_list_invalid_filter)
{
    struct app_filter f = {.scope = SCOPE_UNIT, .scope_value = NULL, .limit = 10};
    int64_t n;

    ck_assert_ptr_null(store_app_list_sql(&f));
    ck_assert_int_eq(store_app_list(st, &f, collect_app, NULL, NULL), STORE_ERROR);
    ck_assert_int_eq(store_app_count(st, &f, &n), STORE_ERROR);
    ck_assert_int_eq(errors_logged, 2);
}
END_TEST

/* ---- threads ---------------------------------------------------------- */

#define N_READERS      8
#define READS_EACH     200
#define INITIAL_ROWS   50
#define WRITER_INSERTS 100

static atomic_int thread_failures;

static void *reader_main(void *arg)
{
    unsigned seed = (unsigned)(uintptr_t)arg;

    for (int i = 0; i < READS_EACH; i++) {
        const struct model *m = &model[rand_r(&seed) % INITIAL_ROWS];
        struct application a = {0};

        if (store_app_get(st, m->id, &a) != STORE_OK || a.id != m->id ||
            strcmp(a.kind, m->kind) != 0 || strcmp(a.review_unit, m->unit) != 0)
            atomic_fetch_add(&thread_failures, 1);
        application_release(&a);
        if (i % 50 == 0 && !store_ping(st))
            atomic_fetch_add(&thread_failures, 1);
    }
    return NULL;
}

static void *writer_main(void *arg)
{
    (void)arg;
    for (int i = 0; i < WRITER_INSERTS; i++) {
        struct application a;

        fill_app(&a, "first_store", 2021, "etdz", "91110105MA02BBBBBB", "draft", false);
        if (store_write(st, tx_insert, &a) != STORE_OK)
            atomic_fetch_add(&thread_failures, 1);
    }
    return NULL;
}

static void count_app(const struct application *a, void *ctx)
{
    (void)a;
    (*(int *)ctx)++;
}

static void run_threads(void)
{
    pthread_t readers[N_READERS], writer;

    ck_assert_int_eq(pthread_create(&writer, NULL, writer_main, NULL), 0);
    for (uintptr_t i = 0; i < N_READERS; i++)
        ck_assert_int_eq(pthread_create(&readers[i], NULL, reader_main, (void *)(i + 1)), 0);
    for (int i = 0; i < N_READERS; i++)
        pthread_join(readers[i], NULL);
    pthread_join(writer, NULL);
}

START_TEST(test_threads)
{
    struct app_filter f = {.scope = SCOPE_ORGANISATION,
                           .scope_value = "91110105MA02BBBBBB",
                           .kind = "first_store",
                           .round = 2021,
                           .limit = 200};
    int listed = 0;

    atomic_store(&thread_failures, 0);
    for (int i = 0; i < INITIAL_ROWS; i++) {
        struct application a;

        model[i].kind = kinds[i % 3];
        model[i].unit = units[i % 3];
        fill_app(&a, model[i].kind, 2020, model[i].unit, "91110108MA01AAAAAA", "draft", false);
        model[i].id = insert_app(&a);
    }
    /* Twice: the second round's threads take over the readers that the
     * first round's threads handed back when they ended. */
    run_threads();
    run_threads();
    ck_assert_int_eq(atomic_load(&thread_failures), 0);
    ck_assert_int_eq(errors_logged, 0);

    ck_assert_int_eq(store_app_list(st, &f, count_app, &listed, NULL), STORE_OK);
    ck_assert_int_eq(listed, 2 * WRITER_INSERTS);
}
END_TEST

/* A store freed and another opened (perhaps at the same address) must not
 * hand this thread the first one's closed reader. */
START_TEST(test_reader_per_store)
{
    char *path2 = support_tmp_db();
    struct store *other;
    struct unit u;

    ck_assert_int_eq(store_unit_get(st, "110108", &u), STORE_OK);
    store_free(st);
    st = NULL;
    for (int i = 0; i < 3; i++) {
        other = open_store(path2);
        migrate(other);
        ck_assert_int_eq(store_unit_get(other, "110108", &u), STORE_NOT_FOUND);
        store_free(other);
    }
    st = open_store(db_path);
    ck_assert_int_eq(store_unit_get(st, "110108", &u), STORE_OK);
    support_tmp_db_free(path2);
    ck_assert_int_eq(errors_logged, 0);
}
END_TEST

/* ---- support ---------------------------------------------------------- */

START_TEST(test_support)
{
    json_t *j = support_json("{\"a\": [1, 2, {\"b\": null}]}");

    support_assert_json_eq(j, "{\"a\":[1,2,{\"b\":null}]}");
    json_decref(j);
}
END_TEST

static Suite *store_suite(void)
{
    Suite *s = suite_create("store");
    TCase *plain = tcase_create("open");
    TCase *tc = tcase_create("queries");

    tcase_add_test(plain, test_open_migrate);
    tcase_add_test(plain, test_open_fails_cleanly);
    tcase_add_test(plain, test_support);
    suite_add_tcase(s, plain);

    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_pragmas);
    tcase_add_test(tc, test_future_version_refused);
    tcase_add_test(tc, test_units);
    tcase_add_test(tc, test_accounts);
    tcase_add_test(tc, test_tokens);
    tcase_add_test(tc, test_token_key_record);
    tcase_add_test(tc, test_objections_from_address);
    tcase_add_test(tc, test_app_insert_get_update);
    tcase_add_test(tc, test_long_text_round_trips);
    tcase_add_test(tc, test_broken_text_reads_repaired);
    tcase_add_test(tc, test_app_refused);
    tcase_add_test(tc, test_certificate_revoked_once);
    tcase_add_test(tc, test_app_transactions);
    tcase_add_test(tc, test_nested_write_refused);
    tcase_add_test(tc, test_group_commit);
    tcase_add_test(tc, test_group_commit_failure_alone);
    tcase_add_test(tc, test_group_commit_off);
    tcase_add_test(tc, test_writer_time);
    tcase_add_test(tc, test_group_nested_refused);
    tcase_add_test(tc, test_list_scopes_filters);
    tcase_add_test(tc, test_list_more_filters);
    tcase_add_test(tc, test_list_paging);
    tcase_add_test(tc, test_list_reentrant);
    tcase_add_test(tc, test_list_plans);
    tcase_add_test(tc, test_list_invalid_filter);
    tcase_add_test(tc, test_threads);
    tcase_add_test(tc, test_reader_per_store);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(store_suite());
    int failed;

    srunner_run_all(sr, CK_ENV);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
