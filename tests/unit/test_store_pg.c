/*
 * The store on both engines: migrations applied the same way (twice is a
 * no-op; several servers at once apply each once), the two schemas
 * accepting and refusing the same rows, and the review units, the first
 * query file on the database layer, behaving the same through store.h.
 */
#include "db_impl.h"
#include "embedded.h"
#include "pg.h"
#include "store.h"
#include "support.h"

#include <check.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

static struct store *open_store(int engine, const char *target)
{
    char err[512] = "";
    struct store *s = store_open(target, err, sizeof err);

    ck_assert_msg(s != NULL, "%s: %s", engine_names[engine], err);
    return s;
}

static int migrate(struct store *s)
{
    char err[512] = "";
    int applied = -1;

    ck_assert_msg(store_migrate(s, &applied, err, sizeof err) == 0, "store_migrate: %s", err);
    return applied;
}

static int migration_count(void)
{
    int n = 0;

    for (const struct embedded_file *m = embedded_migrations; m->name; m++)
        n++;
    return n;
}

static void env_open(struct env *e, int engine)
{
    memset(e, 0, sizeof *e);
    e->engine = engine;
    store_set_log(count_error);
    atomic_store(&errors_logged, 0);
    e->target = engine == 0 ? support_tmp_db() : support_pg_db();
    e->s = open_store(engine, e->target);
}

static void env_close(struct env *e)
{
    store_free(e->s);
    if (e->engine == 0)
        support_tmp_db_free(e->target);
    else
        support_pg_db_free(e->target);
}

/* ---- migrations ---------------------------------------------------------- */

START_TEST(test_twins)
{
    const struct embedded_file *a = embedded_migrations;
    const struct embedded_file *b = embedded_migrations_pg;

    /* Every migration has its PostgreSQL twin of the same name. */
    for (; a->name != NULL; a++, b++) {
        ck_assert_msg(b->name != NULL, "%s has no twin in migrations/pg/", a->name);
        ck_assert_str_eq(a->name, b->name);
    }
    ck_assert_ptr_null(b->name);
}
END_TEST

START_TEST(test_migrate_twice)
{
    struct env e;
    struct store *again;

    env_open(&e, _i);
    ck_assert_int_eq(store_schema_version(e.s), 0);
    ck_assert_int_eq(migrate(e.s), migration_count());
    ck_assert_int_eq(store_schema_version(e.s), store_known_version());
    /* Applied twice is a no-op, in the same process and in another. */
    ck_assert_int_eq(migrate(e.s), 0);
    again = open_store(e.engine, e.target);
    ck_assert_int_eq(migrate(again), 0);
    ck_assert_int_eq(store_schema_version(again), store_known_version());
    store_free(again);
    ck_assert_int_eq(atomic_load(&errors_logged), 0);
    env_close(&e);
}
END_TEST

struct racer {
    int engine;
    const char *target;
    int applied;
    int rc;
};

static void *race_migrate(void *arg)
{
    struct racer *r = arg;
    char err[512] = "";
    struct store *s = store_open(r->target, err, sizeof err);

    r->rc = s ? store_migrate(s, &r->applied, err, sizeof err) : -1;
    if (r->rc != 0)
        fprintf(stderr, "migrating: %s\n", err);
    store_free(s);
    return NULL;
}

START_TEST(test_migrate_concurrently)
{
    struct env e;
    struct racer r[3];
    pthread_t t[3];
    int total = 0;

    /* Servers starting at once on one database: each migration applied by
     * exactly one of them, none failing. */
    env_open(&e, _i);
    for (int i = 0; i < 3; i++) {
        r[i] = (struct racer){.engine = e.engine, .target = e.target};
        ck_assert_int_eq(pthread_create(&t[i], NULL, race_migrate, &r[i]), 0);
    }
    for (int i = 0; i < 3; i++) {
        pthread_join(t[i], NULL);
        ck_assert_int_eq(r[i].rc, 0);
        total += r[i].applied;
    }
    ck_assert_int_eq(total, migration_count());
    ck_assert_int_eq(store_schema_version(e.s), store_known_version());
    env_close(&e);
}
END_TEST

/* ---- the two schemas ------------------------------------------------------- */

enum outcome { ACCEPTED, CONFLICT, REFUSED };

/* A statement and what both schemas must make of it.  ?1 and ?2, when used,
 * are blobs of the lengths given (0: unbound); -1 is the seed rows' hash. */
struct row_case {
    const char *what;
    const char *sql;
    int blob1, blob2;
    enum outcome expect;
};

#define APP_COLS                                                                                   \
    "INSERT INTO applications (kind, round, review_unit, applicant_name, applicant_uscc, status,"  \
    " version, created_by, created_at, updated_at, submitted_at, data) VALUES "
#define ACCOUNT_COLS                                                                               \
    "INSERT INTO accounts (role, name, uscc, unit, authority, token_hash, created_at"
#define EVENT_COLS                                                                                 \
    "INSERT INTO events (id, application_id, at, action, actor_role, details, prev_hash, hash)"    \
    " VALUES "
#define T "'2020-09-29T02:00:00Z'"

static const char *const seed_sql[] = {
    "INSERT INTO review_units VALUES ('110108', '海淀区', 'Haidian', 'district')",
    ACCOUNT_COLS ", email) VALUES ('applicant', 'A', '91110108MA01AAAAAA', NULL, NULL, ?1, " T
                 ", 'a@example.cn')",
    APP_COLS "('incubator', 2020, '110108', 'A', '91110108MA01AAAAAA', 'draft', 1, 1, " T ", " T
             ", NULL, '{}')",
    EVENT_COLS "(1, 1, " T ", 'create', 'applicant', '{}', ?1, ?1)",
    "INSERT INTO tlog_nodes VALUES (0, 0, ?1)",
    "INSERT INTO signing_keys VALUES ('k1', 'x1', " T ", NULL)",
};

static const struct row_case cases[] = {
    {"a review unit",
     "INSERT INTO review_units VALUES ('etdz', '开发区', 'ETDZ', 'development_area')", 0, 0,
     ACCEPTED},
    {"a unit of an unknown kind", "INSERT INTO review_units VALUES ('x', 'x', 'x', 'province')", 0,
     0, REFUSED},
    {"a unit id taken", "INSERT INTO review_units VALUES ('110108', 'a', 'b', 'district')", 0, 0,
     CONFLICT},

    {"an applicant",
     ACCOUNT_COLS ") VALUES ('applicant', 'B', '91110108MA01BBBBBB', NULL, NULL, ?1, " T ")", 32, 0,
     ACCEPTED},
    {"a district reviewer",
     ACCOUNT_COLS ") VALUES ('district_reviewer', 'R', NULL, '110108', NULL, ?1, " T ")", 32, 0,
     ACCEPTED},
    {"an unknown role", ACCOUNT_COLS ") VALUES ('root', 'R', NULL, NULL, NULL, ?1, " T ")", 32, 0,
     REFUSED},
    {"an applicant without an organisation",
     ACCOUNT_COLS ") VALUES ('applicant', 'B', NULL, NULL, NULL, ?1, " T ")", 32, 0, REFUSED},
    {"an auditor bound to an organisation",
     ACCOUNT_COLS ") VALUES ('auditor', 'B', '91110108MA01BBBBBB', NULL, NULL, ?1, " T ")", 32, 0,
     REFUSED},
    {"a district reviewer without a unit",
     ACCOUNT_COLS ") VALUES ('district_reviewer', 'R', NULL, NULL, NULL, ?1, " T ")", 32, 0,
     REFUSED},
    {"a district reviewer of an unknown unit",
     ACCOUNT_COLS ") VALUES ('district_reviewer', 'R', NULL, 'nowhere', NULL, ?1, " T ")", 32, 0,
     REFUSED},
    {"a municipal reviewer of an unknown authority",
     ACCOUNT_COLS ") VALUES ('municipal_reviewer', 'M', NULL, NULL, 'police', ?1, " T ")", 32, 0,
     REFUSED},
    {"a token hash of 31 bytes",
     ACCOUNT_COLS ") VALUES ('auditor', 'B', NULL, NULL, NULL, ?1, " T ")", 31, 0, REFUSED},
    {"a token hash taken", ACCOUNT_COLS ") VALUES ('auditor', 'B', NULL, NULL, NULL, ?1, " T ")",
     -1, 0, CONFLICT},
    {"an e-mail taken",
     ACCOUNT_COLS ", email) VALUES ('auditor', 'B', NULL, NULL, NULL, ?1, " T ", 'a@example.cn')",
     32, 0, CONFLICT},
    {"disabled neither 0 nor 1", "UPDATE accounts SET disabled = 2 WHERE id = 1", 0, 0, REFUSED},

    {"a draft",
     APP_COLS "('incubator', 2020, '110108', 'B', 'U', 'draft', 1, 1, " T ", " T
              ", NULL, '{\"a\": [1, \"二\"]}')",
     0, 0, ACCEPTED},
    {"data that is not JSON",
     APP_COLS "('incubator', 2020, '110108', 'B', 'U', 'draft', 1, 1, " T ", " T
              ", NULL, '{a: 1}')",
     0, 0, REFUSED},
    {"an approval never submitted",
     APP_COLS "('incubator', 2020, '110108', 'B', 'U', 'approved', 1, 1, " T ", " T ", NULL, '{}')",
     0, 0, REFUSED},
    {"an approval submitted",
     APP_COLS "('incubator', 2020, '110108', 'B', 'U', 'approved', 1, 1, " T ", " T ", " T
              ", '{}')",
     0, 0, ACCEPTED},
    {"an unknown status",
     APP_COLS "('incubator', 2020, '110108', 'B', 'U', 'lost', 1, 1, " T ", " T ", " T ", '{}')", 0,
     0, REFUSED},
    {"version 0",
     APP_COLS "('incubator', 2020, '110108', 'B', 'U', 'draft', 0, 1, " T ", " T ", NULL, '{}')", 0,
     0, REFUSED},
    {"made by no account",
     APP_COLS "('incubator', 2020, '110108', 'B', 'U', 'draft', 1, 99, " T ", " T ", NULL, '{}')",
     0, 0, REFUSED},
    {"facts that are not JSON", "UPDATE applications SET facts = '[' WHERE id = 1", 0, 0, REFUSED},

    {"an event", EVENT_COLS "(2, 1, " T ", 'edit', 'applicant', '{}', ?1, ?2)", 32, 32, ACCEPTED},
    {"an event changed", "UPDATE events SET action = 'approve' WHERE id = 1", 0, 0, REFUSED},
    {"an event removed", "DELETE FROM events WHERE id = 1", 0, 0, REFUSED},
    {"an event of details not JSON", EVENT_COLS "(3, 1, " T ", 'edit', 'applicant', 'x', ?1, ?2)",
     32, 32, REFUSED},
    {"an event hash of 31 bytes", EVENT_COLS "(3, 1, " T ", 'edit', 'applicant', '{}', ?1, ?2)", 32,
     31, REFUSED},
    {"an event hash taken", EVENT_COLS "(3, 1, " T ", 'edit', 'applicant', '{}', ?1, ?2)", 32, -1,
     CONFLICT},
    {"an event id taken", EVENT_COLS "(1, 1, " T ", 'edit', 'applicant', '{}', ?1, ?2)", 32, 32,
     CONFLICT},

    {"a log node", "INSERT INTO tlog_nodes VALUES (0, 1, ?1)", 32, 0, ACCEPTED},
    {"a log node changed", "UPDATE tlog_nodes SET hash = ?1 WHERE level = 0", 32, 0, REFUSED},
    {"a log node removed", "DELETE FROM tlog_nodes", 0, 0, REFUSED},
    {"a log node above level 62", "INSERT INTO tlog_nodes VALUES (63, 0, ?1)", 32, 0, REFUSED},
    {"a log node taken", "INSERT INTO tlog_nodes VALUES (0, 0, ?1)", 32, 0, CONFLICT},

    {"a second active key", "INSERT INTO signing_keys VALUES ('k2', 'x2', " T ", NULL)", 0, 0,
     CONFLICT},
    {"a retired key", "INSERT INTO signing_keys VALUES ('k0', 'x0', " T ", " T ")", 0, 0, ACCEPTED},
    {"a key retired before it was made",
     "INSERT INTO signing_keys VALUES ('k3', 'x3', " T ", '2019-01-01T00:00:00Z')", 0, 0, REFUSED},
    {"a certificate revoked without a reason",
     "INSERT INTO certificates (serial, application_id, kind, kid, issued_on, document, jws,"
     " revoked_at) VALUES ('s1', 1, 'incubator', 'k1', '2020-09-29', '{}', 'j', " T ")",
     0, 0, REFUSED},
    {"a certificate with a negative refund",
     "INSERT INTO certificates (serial, application_id, kind, kid, issued_on, document, jws,"
     " refund_fen) VALUES ('s1', 1, 'incubator', 'k1', '2020-09-29', '{}', 'j', -1)",
     0, 0, REFUSED},

    {"a ranking", "INSERT INTO rankings VALUES ('tourism_award', 2020, " T ", 1, '[]')", 0, 0,
     ACCEPTED},
    {"a ranking not JSON", "INSERT INTO rankings VALUES ('tourism_award', 2021, " T ", 1, 'x')", 0,
     0, REFUSED},
    {"a ban ending as it starts",
     "INSERT INTO bans (uscc, kind, starts_on, until_on, reason) VALUES"
     " ('U', 'incubator', '2020-01-01', '2020-01-01', 'r')",
     0, 0, REFUSED},
    {"an objection open and resolved",
     "INSERT INTO objections (application_id, name, contact, reason, filed_at, client_addr,"
     " resolved_at) VALUES (1, 'n', 'c', 'r', " T ", '127.0.0.1', " T ")",
     0, 0, REFUSED},
    {"a token",
     "INSERT INTO tokens (account_id, name, token_hash, created_at, expires_on) VALUES"
     " (1, 'ci', ?1, " T ", '2021-09-29')",
     32, 0, ACCEPTED},
    {"a token of a bad date",
     "INSERT INTO tokens (account_id, name, token_hash, created_at,"
     " expires_on) VALUES (1, 'ci', ?1, " T ", '2021-9-29')",
     32, 0, REFUSED},
    {"a token without a name",
     "INSERT INTO tokens (account_id, name, token_hash, created_at)"
     " VALUES (1, '', ?1, " T ")",
     32, 0, REFUSED},
    {"a second token key",
     "INSERT INTO token_key VALUES (2, "
     "'0000000000000000000000000000000000000000000000000000000000000000', 'f', " T ")",
     0, 0, REFUSED},
    {"a session",
     "INSERT INTO sessions (account_id, token_hash, csrf, created_at, expires_at)"
     " VALUES (1, ?1, 'c', " T ", " T ")",
     32, 0, ACCEPTED},
};

/* Fills a blob of length n (or the seed's hash when n is -1) unique to k. */
static const unsigned char *blob(int n, int k, unsigned char buf[64], size_t *len)
{
    if (n < 0) {
        memset(buf, 0xAA, 32);
        *len = 32;
        return buf;
    }
    for (int i = 0; i < n; i++)
        buf[i] = (unsigned char)(k * 7 + i);
    *len = (size_t)n;
    return buf;
}

static enum outcome run_case(struct db *d, const char *sql, int b1, int b2, int k)
{
    unsigned char x[64], y[64];
    size_t nx, ny;
    struct db_stmt *st = db_prepare(d, sql);
    enum db_rc rc;

    ck_assert_msg(st != NULL, "%s: %s", sql, db_errmsg(d));
    if (b1 != 0 && strstr(sql, "?1") != NULL) {
        const unsigned char *p = blob(b1, k, x, &nx);
        db_bind_blob(st, 1, p, nx);
    }
    if (b2 != 0 && strstr(sql, "?2") != NULL) {
        const unsigned char *p = blob(b2, k + 1000, y, &ny);
        db_bind_blob(st, 2, p, ny);
    }
    rc = db_exec(st);
    ck_assert_msg(rc != DB_RETRY, "%s: a retry outside any transaction", sql);
    return rc == DB_OK ? ACCEPTED : rc == DB_CONFLICT ? CONFLICT : REFUSED;
}

START_TEST(test_same_rows)
{
    static const char *const names[] = {"accepted", "a conflict", "refused"};
    struct env e;
    struct db *d;
    char err[512] = "";

    env_open(&e, _i);
    migrate(e.s);
    d = db_open(e.target, 0, err, sizeof err);
    ck_assert_msg(d != NULL, "%s", err);
    for (size_t i = 0; i < sizeof seed_sql / sizeof seed_sql[0]; i++)
        ck_assert_int_eq(run_case(d, seed_sql[i], -1, 0, 0), ACCEPTED);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        enum outcome got = run_case(d, cases[i].sql, cases[i].blob1, cases[i].blob2, (int)i);
        ck_assert_msg(got == cases[i].expect, "%s: %s on %s, expected %s", cases[i].what,
                      names[got], engine_names[e.engine], names[cases[i].expect]);
    }
    /* PostgreSQL refuses to empty the log wholesale too (SQLite has no
     * TRUNCATE; its DELETE is refused above). */
    if (e.engine == 1) {
        ck_assert_int_eq(db_exec_script(d, "TRUNCATE events CASCADE"), DB_ERROR);
        ck_assert_int_eq(db_exec_script(d, "TRUNCATE tlog_nodes"), DB_ERROR);
    }
    db_close(d);
    env_close(&e);
}
END_TEST

/* ---- review units through store.h ------------------------------------------ */

struct unit_op {
    enum store_rc (*op)(struct store_tx *tx, const struct unit *u);
    struct unit u;
};

static enum store_rc tx_unit(struct store_tx *tx, void *ctx)
{
    struct unit_op *o = ctx;

    return o->op(tx, &o->u);
}

static enum store_rc unit_op(struct store *s,
                             enum store_rc (*op)(struct store_tx *, const struct unit *),
                             const char *id, const char *name, const char *kind)
{
    struct unit_op o = {.op = op};

    snprintf(o.u.id, sizeof o.u.id, "%s", id);
    snprintf(o.u.name_zh, sizeof o.u.name_zh, "%s", name);
    snprintf(o.u.name_en, sizeof o.u.name_en, "%s", name);
    snprintf(o.u.kind, sizeof o.u.kind, "%s", kind);
    return store_write(s, tx_unit, &o);
}

struct collect_units {
    char ids[8][UNIT_ID_LEN];
    int n;
    int stop_after; /* -1: never */
};

static bool collect_unit(const struct unit *u, void *ctx)
{
    struct collect_units *c = ctx;

    snprintf(c->ids[c->n++], sizeof c->ids[0], "%s", u->id);
    return c->n != c->stop_after;
}

/* One transaction: adding a unit that exists (the conflict) and then one
 * that does not; the transaction goes on after the conflict. */
static enum store_rc tx_add_two(struct store_tx *tx, void *ctx)
{
    struct unit taken = {"110108", "海淀", "Haidian", "district"};
    struct unit fresh = {"110105", "朝阳区", "Chaoyang", "district"};
    enum store_rc *first = ctx;

    *first = store_unit_add(tx, &taken);
    return store_unit_add(tx, &fresh);
}

START_TEST(test_units)
{
    struct env e;
    struct unit u;
    struct collect_units all = {.stop_after = -1};
    struct collect_units two = {.stop_after = 2};
    enum store_rc first = STORE_OK;

    env_open(&e, _i);
    migrate(e.s);
    ck_assert_int_eq(unit_op(e.s, store_unit_put, "110108", "海淀区", "district"), STORE_OK);
    ck_assert_int_eq(unit_op(e.s, store_unit_put, "soe:首旅集团", "首旅集团", "soe"), STORE_OK);
    ck_assert_int_eq(unit_op(e.s, store_unit_put, "etdz", "开发区", "development_area"), STORE_OK);

    ck_assert_int_eq(store_unit_get(e.s, "110108", &u), STORE_OK);
    ck_assert_str_eq(u.name_zh, "海淀区");
    ck_assert_str_eq(u.kind, "district");
    ck_assert_int_eq(store_unit_get(e.s, "soe:首旅集团", &u), STORE_OK);
    ck_assert_str_eq(u.name_zh, "首旅集团");
    ck_assert_int_eq(store_unit_get(e.s, "999999", &u), STORE_NOT_FOUND);

    /* put replaces; add refuses a taken id and changes nothing. */
    ck_assert_int_eq(unit_op(e.s, store_unit_put, "110108", "海淀", "district"), STORE_OK);
    ck_assert_int_eq(store_unit_get(e.s, "110108", &u), STORE_OK);
    ck_assert_str_eq(u.name_zh, "海淀");
    ck_assert_int_eq(unit_op(e.s, store_unit_add, "110108", "别的", "district"), STORE_CONFLICT);
    ck_assert_int_eq(store_unit_get(e.s, "110108", &u), STORE_OK);
    ck_assert_str_eq(u.name_zh, "海淀");
    ck_assert_int_eq(atomic_load(&errors_logged), 0);
    /* A kind the schema does not know is an error, logged. */
    ck_assert_int_eq(unit_op(e.s, store_unit_add, "bad", "坏", "province"), STORE_ERROR);
    ck_assert_int_eq(atomic_load(&errors_logged), 1);
    ck_assert_int_eq(store_unit_get(e.s, "bad", &u), STORE_NOT_FOUND);

    /* A conflict is an answer inside a transaction that goes on. */
    ck_assert_int_eq(store_write(e.s, tx_add_two, &first), STORE_OK);
    ck_assert_int_eq(first, STORE_CONFLICT);
    ck_assert_int_eq(store_unit_get(e.s, "110105", &u), STORE_OK);
    ck_assert_str_eq(u.name_en, "Chaoyang");

    /* In byte order on both (PostgreSQL's database collates as C). */
    ck_assert_int_eq(store_unit_each(e.s, collect_unit, &all), STORE_OK);
    ck_assert_int_eq(all.n, 4);
    ck_assert_str_eq(all.ids[0], "110105");
    ck_assert_str_eq(all.ids[1], "110108");
    ck_assert_str_eq(all.ids[2], "etdz");
    ck_assert_str_eq(all.ids[3], "soe:首旅集团");
    ck_assert_int_eq(store_unit_each(e.s, collect_unit, &two), STORE_OK);
    ck_assert_int_eq(two.n, 2);
    env_close(&e);
}
END_TEST

/* ---- the store on PostgreSQL ---------------------------------------------- */

struct skew {
    struct store *other;
    int attempts;
};

static const char sql_units[] = "SELECT count(*) FROM review_units";

static enum store_rc tx_other(struct store_tx *tx, void *ctx)
{
    struct unit u = {"other", "别的", "Other", "hq"};
    int64_t n = 0;

    (void)ctx;
    if (db_one_int64(db_prepare(store_tx_db(tx), sql_units), &n) != DB_OK)
        return STORE_ERROR;
    return store_unit_add(tx, &u);
}

/* Names a unit after how many there are, after another server added one
 * meanwhile (on the first run only). */
static enum store_rc tx_counted(struct store_tx *tx, void *ctx)
{
    struct skew *k = ctx;
    struct unit u = {"", "第几", "Nth", "hq"};
    int64_t n = 0;

    k->attempts++;
    if (db_one_int64(db_prepare(store_tx_db(tx), sql_units), &n) != DB_OK)
        return STORE_ERROR;
    if (k->attempts == 1)
        ck_assert_int_eq(store_write(k->other, tx_other, NULL), STORE_OK);
    snprintf(u.id, sizeof u.id, "n%lld", (long long)n);
    return store_unit_add(tx, &u);
}

static enum store_rc tx_nested(struct store_tx *tx, void *ctx)
{
    struct store *s = ctx;

    (void)tx;
    return store_write(s, tx_nested, s);
}

static bool ignore_unit(const struct unit *u, void *ctx)
{
    (void)u;
    (void)ctx;
    return true;
}

START_TEST(test_postgresql_store)
{
    struct env e;
    struct skew k = {0};
    struct unit u;
    bool any = false;

    env_open(&e, 1);
    migrate(e.s);
    ck_assert(store_is_postgresql(e.s));
    ck_assert(store_ping(e.s));
    ck_assert(store_writable(e.s));
    ck_assert_int_gt(store_bytes(e.s), 0);

    /* A write that collides with another server's is run again. */
    k.other = open_store(1, e.target);
    ck_assert_int_eq(store_write(e.s, tx_counted, &k), STORE_OK);
    ck_assert_int_eq(k.attempts, 2);
    ck_assert_int_eq(store_unit_get(e.s, "n1", &u), STORE_OK);
    ck_assert_int_eq(store_unit_get(e.s, "n0", &u), STORE_NOT_FOUND);
    store_free(k.other);
    ck_assert_int_eq(atomic_load(&errors_logged), 0);

    /* A nested write is refused (logged). */
    ck_assert_int_eq(store_write(e.s, tx_nested, e.s), STORE_ERROR);
    ck_assert_int_ge(atomic_load(&errors_logged), 1);
    ck_assert_int_eq(store_account_any(e.s, &any), STORE_OK);
    ck_assert(!any);
    /* Readers on many threads each get their own connection. */
    ck_assert_int_eq(store_unit_each(e.s, ignore_unit, NULL), STORE_OK);
    env_close(&e);
}
END_TEST

static Suite *store_pg_suite(void)
{
    Suite *s = suite_create("store on both engines");
    TCase *tc = tcase_create("both");

    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, test_twins);
    tcase_add_loop_test(tc, test_migrate_twice, 0, 2);
    tcase_add_loop_test(tc, test_migrate_concurrently, 0, 2);
    tcase_add_loop_test(tc, test_same_rows, 0, 2);
    tcase_add_loop_test(tc, test_units, 0, 2);
    tcase_add_test(tc, test_postgresql_store);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr;
    int failed;

    if (support_pg_start() != 0)
        return EXIT_FAILURE;
    sr = srunner_create(store_pg_suite());
    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
