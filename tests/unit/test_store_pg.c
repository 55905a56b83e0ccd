/*
 * The store on both engines: migrations applied the same way (twice is a
 * no-op; several servers at once apply each once), the two schemas
 * accepting and refusing the same rows, and the review units, the first
 * query file on the database layer, and the idempotency keys behaving the
 * same through store.h.
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
    /* RULES.md §5: a district bureau of one authority (migration 0008). */
    {"a district reviewer of one authority",
     ACCOUNT_COLS ") VALUES ('district_reviewer', 'R', NULL, '110108', 'commerce', ?1, " T ")", 32,
     0, ACCEPTED},
    {"an applicant with an authority",
     ACCOUNT_COLS ") VALUES ('applicant', 'B', '91110108MA01CCCCCC', NULL, 'commerce', ?1, " T ")",
     32, 0, REFUSED},
    {"a municipal reviewer without an authority",
     ACCOUNT_COLS ") VALUES ('municipal_reviewer', 'M', NULL, NULL, NULL, ?1, " T ")", 32, 0,
     REFUSED},
    {"a round",
     "INSERT INTO rounds VALUES ('incubator', 2021, '2021-03-01', '2021-05-31', 1, " T ")", 0, 0,
     ACCEPTED},
    {"a round closing before it opens",
     "INSERT INTO rounds VALUES ('incubator', 2022, '2021-03-01', '2021-02-28', 1, " T ")", 0, 0,
     REFUSED},
    {"a round's day not a date",
     "INSERT INTO rounds VALUES ('incubator', 2023, '2021-3-1', '2021-05-31', 1, " T ")", 0, 0,
     REFUSED},
    {"a negative grant", "UPDATE applications SET granted_fen = -1 WHERE id = 1", 0, 0, REFUSED},
    {"an opinion template",
     "INSERT INTO opinion_templates (account_id, title, text, created_at) VALUES (1, 't', 'x', " T
     ")",
     0, 0, ACCEPTED},
    {"an opinion template without a title",
     "INSERT INTO opinion_templates (account_id, title, text, created_at) VALUES (1, '', 'x', " T
     ")",
     0, 0, REFUSED},
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
    /* The chain, not the table, holds the hashes to account (0014). */
    {"an event repeating a hash", EVENT_COLS "(3, 1, " T ", 'edit', 'applicant', '{}', ?1, ?2)", 32,
     -1, ACCEPTED},
    {"an event id taken", EVENT_COLS "(1, 1, " T ", 'edit', 'applicant', '{}', ?1, ?2)", 32, 32,
     CONFLICT},

    {"an event naming its actor",
     "INSERT INTO events (id, application_id, at, action, actor_role, details, prev_hash, hash,"
     " format, actor_name, actor_unit) VALUES (4, 1, " T ", 'edit', 'district_reviewer', '{}',"
     " ?1, ?2, 2, '海淀区初审员', '110108')",
     32, 32, ACCEPTED},
    {"an event of format 3",
     "INSERT INTO events (id, application_id, at, action, actor_role, details, prev_hash, hash,"
     " format) VALUES (5, 1, " T ", 'edit', 'applicant', '{}', ?1, ?2, 3)",
     32, 32, REFUSED},
    {"an event's actor renamed", "UPDATE events SET actor_name = 'x' WHERE id = 4", 0, 0, REFUSED},

    {"a version", "INSERT INTO application_versions VALUES (1, 1, 'draft', " T ", '{}', ?1)", 32, 0,
     ACCEPTED},
    {"a version taken", "INSERT INTO application_versions VALUES (1, 1, 'draft', " T ", '{}', ?1)",
     32, 0, CONFLICT},
    {"version 0", "INSERT INTO application_versions VALUES (1, 0, 'draft', " T ", '{}', ?1)", 32, 0,
     REFUSED},
    {"a version's hash of 31 bytes",
     "INSERT INTO application_versions VALUES (1, 2, 'draft', " T ", '{}', ?1)", 31, 0, REFUSED},
    {"a version changed", "UPDATE application_versions SET envelope = '[]'", 0, 0, REFUSED},
    {"a version removed", "DELETE FROM application_versions", 0, 0, REFUSED},

    {"a log node", "INSERT INTO tlog_nodes VALUES (1, 0, ?1)", 32, 0, ACCEPTED},
    {"a log node's subtree", "INSERT INTO tlog_nodes VALUES (1, 1, ?1)", 32, 0, ACCEPTED},
    {"a log node ending inside a subtree", "INSERT INTO tlog_nodes VALUES (2, 1, ?1)", 32, 0,
     REFUSED},
    {"a log node changed", "UPDATE tlog_nodes SET hash = ?1 WHERE level = 0", 32, 0, REFUSED},
    {"a log node removed", "DELETE FROM tlog_nodes", 0, 0, REFUSED},
    {"a log node above level 62", "INSERT INTO tlog_nodes VALUES (0, 63, ?1)", 32, 0, REFUSED},
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

    {"an applicant directly under the ministry",
     ACCOUNT_COLS ", direct) VALUES ('applicant', 'D', '12100000400010399T', NULL, NULL, ?1, " T
                  ", 1)",
     32, 0, ACCEPTED},
    {"an auditor directly under the ministry",
     ACCOUNT_COLS ", direct) VALUES ('auditor', 'D', NULL, NULL, NULL, ?1, " T ", 1)", 32, 0,
     REFUSED},
    {"direct neither 0 nor 1", "UPDATE accounts SET direct = 2 WHERE id = 1", 0, 0, REFUSED},
    {"a report",
     "INSERT INTO reports (application_id, type, period, body, filed_at, filed_by)"
     " VALUES (1, 'annual', '2020', '{\"summary\": \"年报\"}', " T ", 1)",
     0, 0, ACCEPTED},
    {"a report of an unknown type",
     "INSERT INTO reports (application_id, type, period, body, filed_at, filed_by)"
     " VALUES (1, 'weekly', '2020', '{}', " T ", 1)",
     0, 0, REFUSED},
    {"a report not JSON",
     "INSERT INTO reports (application_id, type, period, body, filed_at,"
     " filed_by) VALUES (1, 'annual', '2021', 'x', " T ", 1)",
     0, 0, REFUSED},
    {"a duty",
     "INSERT INTO duties (application_id, type, period, nominal_on, due_on, status,"
     " created_at, updated_at) VALUES (1, 'annual_report', '2020', '2021-03-31',"
     " '2021-03-31', 'due', " T ", " T ")",
     0, 0, ACCEPTED},
    {"a duty of the same period",
     "INSERT INTO duties (application_id, type, period, nominal_on, status, created_at,"
     " updated_at) VALUES (1, 'annual_report', '2020', '2021-03-31', 'due', " T ", " T ")",
     0, 0, CONFLICT},
    {"a duty of an unknown status",
     "INSERT INTO duties (application_id, type, period, nominal_on, status, created_at,"
     " updated_at) VALUES (1, 'recheck', '2023', '2023-09-29', 'late', " T ", " T ")",
     0, 0, REFUSED},
    {"a prompt without its state",
     "INSERT INTO duties (application_id, type, period, nominal_on, status, created_at,"
     " updated_at, prompt_ground) VALUES (1, 'recheck', '2023', '2023-09-29', 'failed', " T ", " T
     ", 'failed_recheck')",
     0, 0, REFUSED},
    {"a negative refund duty",
     "INSERT INTO duties (application_id, type, period, nominal_on, status, created_at,"
     " updated_at, amount_fen) VALUES (1, 'refund', '2021-12-15', '2022-01-14', 'due', " T ", " T
     ", -1)",
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

/* ---- materials and versions through store.h ---------------------------------- */

/* A file of n bytes whose every byte says where it is. */
struct pattern {
    int64_t n;
};

static int pattern_read(void *ctx, int64_t off, void *buf, size_t len)
{
    (void)ctx;
    unsigned char *p = buf;
    for (size_t i = 0; i < len; i++)
        p[i] = (unsigned char)((off + (int64_t)i) * 31 / 7);
    return 0;
}

struct material_op {
    struct material m;
    struct byte_source src;
    int64_t total;
};

static enum store_rc tx_material_add(struct store_tx *tx, void *ctx)
{
    struct material_op *o = ctx;
    enum store_rc rc = store_material_add(tx, &o->m, &o->src);
    if (rc == STORE_OK)
        rc = store_materials_bytes(tx, o->m.application_id, &o->total);
    return rc;
}

static enum store_rc tx_submitted(struct store_tx *tx, void *ctx)
{
    return store_materials_submitted(tx, *(int64_t *)ctx);
}

struct deletion_op {
    int64_t app, id;
};

static enum store_rc tx_delete(struct store_tx *tx, void *ctx)
{
    struct deletion_op *o = ctx;
    return store_material_delete(tx, o->app, o->id, "2020-09-30T02:00:00Z");
}

static enum store_rc tx_version(struct store_tx *tx, void *ctx)
{
    return store_version_add(tx, ctx);
}

static void count_material(const struct material *m, void *ctx)
{
    (void)m;
    (*(int *)ctx)++;
}

static void add_material(struct store *s, int64_t app, int64_t n, struct material_op *o)
{
    static struct pattern p;
    memset(o, 0, sizeof *o);
    o->m.application_id = app;
    snprintf(o->m.type, sizeof o->m.type, "%s", "audit_report");
    o->m.filename = (char *)"审计报告.pdf";
    snprintf(o->m.content_type, sizeof o->m.content_type, "%s", "application/pdf");
    o->m.bytes = n;
    memset(o->m.sha256, 0x5A, sizeof o->m.sha256);
    snprintf(o->m.uploaded_at, sizeof o->m.uploaded_at, "%s", "2020-09-29T02:00:00Z");
    o->m.uploaded_by = 1;
    o->src = (struct byte_source){.size = n, .read_at = pattern_read, .ctx = &p};
    ck_assert_int_eq(store_write(s, tx_material_add, o), STORE_OK);
    ck_assert_int_gt(o->m.id, 0);
}

START_TEST(test_materials_and_versions)
{
    static const char *const seed[] = {
        "INSERT INTO review_units VALUES ('110108', '海淀区', 'Haidian', 'district')",
        ACCOUNT_COLS ") VALUES ('applicant', 'A', '91110108MA01AAAAAA', NULL, NULL, ?1, " T ")",
        APP_COLS "('incubator', 2020, '110108', 'A', '91110108MA01AAAAAA', 'draft', 1, 1, " T ", " T
                 ", NULL, '{}')",
    };
    /* Across PostgreSQL's pieces of 1 MiB, and the store's of 64 KiB. */
    const int64_t n = 3 * (1 << 20) + 12345;
    struct env e;
    struct db *d;
    char err[512] = "";
    struct material_op big, small;
    struct material got;
    unsigned char buf[70000], want[70000];
    int listed = 0;

    env_open(&e, _i);
    migrate(e.s);
    d = db_open(e.target, 0, err, sizeof err);
    ck_assert_msg(d != NULL, "%s", err);
    for (size_t i = 0; i < sizeof seed / sizeof seed[0]; i++)
        ck_assert_int_eq(run_case(d, seed[i], 32, 0, 0), ACCEPTED);
    db_close(d);

    add_material(e.s, 1, n, &big);
    ck_assert_int_eq(big.total, n);
    add_material(e.s, 1, 10, &small);
    ck_assert_int_eq(small.total, n + 10);
    ck_assert_int_ne(small.m.id, big.m.id);

    ck_assert_int_eq(store_material_get(e.s, 1, big.m.id, &got), STORE_OK);
    ck_assert_int_eq(got.bytes, n);
    ck_assert_str_eq(got.filename, "审计报告.pdf");
    ck_assert_str_eq(got.type, "audit_report");
    ck_assert_mem_eq(got.sha256, big.m.sha256, sizeof got.sha256);
    ck_assert(!got.submitted);
    material_release(&got);
    ck_assert_int_eq(store_material_get(e.s, 2, big.m.id, &got), STORE_NOT_FOUND);

    /* Ranges at the start, across a piece, at the very end. */
    const int64_t offs[] = {0, (1 << 20) - 100, 2 * (1 << 20) + 5, n - (int64_t)sizeof buf};
    for (size_t i = 0; i < sizeof offs / sizeof offs[0]; i++) {
        ck_assert_int_eq(store_material_read(e.s, big.m.id, offs[i], buf, sizeof buf), STORE_OK);
        pattern_read(NULL, offs[i], want, sizeof want);
        ck_assert_mem_eq(buf, want, sizeof buf);
    }
    ck_assert_int_eq(store_material_read(e.s, big.m.id, n - 10, buf, 11), STORE_NOT_FOUND);
    ck_assert_int_eq(store_material_read(e.s, 999, 0, buf, 1), STORE_NOT_FOUND);
    ck_assert_int_eq(store_materials_of(e.s, 1, count_material, &listed), STORE_OK);
    ck_assert_int_eq(listed, 2);

    /* Never submitted: gone with its bytes.  Submitted: kept, readable. */
    struct deletion_op del = {1, small.m.id};
    ck_assert_int_eq(store_write(e.s, tx_delete, &del), STORE_OK);
    ck_assert_int_eq(store_material_get(e.s, 1, small.m.id, &got), STORE_NOT_FOUND);
    ck_assert_int_eq(store_material_read(e.s, small.m.id, 0, buf, 1), STORE_NOT_FOUND);
    ck_assert_int_eq(store_write(e.s, tx_delete, &del), STORE_NOT_FOUND);
    int64_t app = 1;
    ck_assert_int_eq(store_write(e.s, tx_submitted, &app), STORE_OK);
    del.id = big.m.id;
    ck_assert_int_eq(store_write(e.s, tx_delete, &del), STORE_OK);
    ck_assert_int_eq(store_material_get(e.s, 1, big.m.id, &got), STORE_OK);
    ck_assert(got.submitted);
    ck_assert_str_eq(got.deleted_at, "2020-09-30T02:00:00Z");
    material_release(&got);
    ck_assert_int_eq(store_material_read(e.s, big.m.id, 5, buf, 100), STORE_OK);
    listed = 0;
    ck_assert_int_eq(store_materials_of(e.s, 1, count_material, &listed), STORE_OK);
    ck_assert_int_eq(listed, 0);
    ck_assert_int_eq(store_write(e.s, tx_delete, &del), STORE_NOT_FOUND);

    /* Versions: kept as written, once. */
    struct app_version v = {.application_id = 1,
                            .version = 1,
                            .status = "draft",
                            .at = "2020-09-29T02:00:00Z",
                            .envelope = (char *)"{\"k\":\"北京\"}"};
    memset(v.sha256, 0x11, sizeof v.sha256);
    ck_assert_int_eq(store_write(e.s, tx_version, &v), STORE_OK);
    ck_assert_int_eq(store_write(e.s, tx_version, &v), STORE_CONFLICT);
    struct app_version back;
    ck_assert_int_eq(store_version_get(e.s, 1, 1, &back), STORE_OK);
    ck_assert_str_eq(back.envelope, "{\"k\":\"北京\"}");
    ck_assert_str_eq(back.status, "draft");
    ck_assert_mem_eq(back.sha256, v.sha256, sizeof v.sha256);
    app_version_release(&back);
    ck_assert_int_eq(store_version_get(e.s, 1, 2, &back), STORE_NOT_FOUND);
    env_close(&e);
}
END_TEST

/* ---- duties and reports through store.h (written on the layer) ------------ */

struct duty_op {
    struct duty d;
    struct report r;
    enum store_rc again; /* a second insert of the same period, in the same transaction */
    enum store_rc after; /* an insert of another period after it */
};

/* One transaction: a report, its duty, the same period again (the
 * conflict, answered) and another period (the transaction goes on). */
static enum store_rc tx_duties(struct store_tx *tx, void *ctx)
{
    struct duty_op *o = ctx;
    struct duty same, next;
    enum store_rc rc = store_report_add(tx, &o->r);

    if (rc != STORE_OK)
        return rc;
    o->d.report_id = o->r.id;
    if ((rc = store_duty_add(tx, &o->d)) != STORE_OK)
        return rc;
    same = o->d;
    next = o->d;
    same.report_id = next.report_id = 0;
    o->again = store_duty_add(tx, &same);
    snprintf(next.period, sizeof next.period, "2021");
    snprintf(next.nominal_on, sizeof next.nominal_on, "2022-03-31");
    snprintf(next.due_on, sizeof next.due_on, "2022-03-31");
    snprintf(next.status, sizeof next.status, "due");
    next.filed_at[0] = '\0';
    o->after = store_duty_add(tx, &next);
    return STORE_OK;
}

static enum store_rc tx_duty_update(struct store_tx *tx, void *ctx)
{
    struct duty *d = ctx;
    struct duty got;
    enum store_rc rc = store_duty_get_tx(tx, d->id, &got);

    if (rc != STORE_OK)
        return rc;
    snprintf(got.status, sizeof got.status, "missed");
    snprintf(got.missed_at, sizeof got.missed_at, "2022-05-01T00:00:00Z");
    snprintf(got.prompt_ground, sizeof got.prompt_ground, "missed_annual_reports");
    snprintf(got.prompt_state, sizeof got.prompt_state, "open");
    snprintf(got.prompt_at, sizeof got.prompt_at, "2022-05-01T00:00:00Z");
    rc = store_duty_update(tx, &got);
    duty_release(&got);
    return rc;
}

struct duty_seen {
    int n;
    char types[4][24], periods[4][24], statuses[4][16];
    int64_t ids[4];
};

static void see_duty(const struct duty *d, void *ctx)
{
    struct duty_seen *s = ctx;
    if (s->n < 4) {
        snprintf(s->types[s->n], sizeof s->types[0], "%s", d->type);
        snprintf(s->periods[s->n], sizeof s->periods[0], "%s", d->period);
        snprintf(s->statuses[s->n], sizeof s->statuses[0], "%s", d->status);
        s->ids[s->n] = d->id;
    }
    s->n++;
}

static void see_report(const struct report *r, void *ctx)
{
    int *n = ctx;
    ck_assert_str_eq(r->type, "annual");
    ck_assert_str_eq(r->body_json, "{\"summary\":\"年报\"}");
    (*n)++;
}

START_TEST(test_duties)
{
    struct env e;
    struct db *d;
    char err[512] = "";

    env_open(&e, _i);
    migrate(e.s);
    d = db_open(e.target, 0, err, sizeof err);
    ck_assert_msg(d != NULL, "%s", err);
    for (size_t i = 0; i < sizeof seed_sql / sizeof seed_sql[0]; i++)
        ck_assert_int_eq(run_case(d, seed_sql[i], -1, 0, 0), ACCEPTED);
    db_close(d);

    struct duty_op o = {
        .d = {.application_id = 1, .amount_fen = -1, .prompt_refund_fen = -1},
        .r = {.application_id = 1, .filed_by = 1},
    };
    snprintf(o.d.type, sizeof o.d.type, "annual_report");
    snprintf(o.d.period, sizeof o.d.period, "2020");
    snprintf(o.d.nominal_on, sizeof o.d.nominal_on, "2021-03-31");
    snprintf(o.d.due_on, sizeof o.d.due_on, "2021-03-31");
    snprintf(o.d.status, sizeof o.d.status, "filed");
    snprintf(o.d.created_at, sizeof o.d.created_at, "2021-03-01T02:00:00Z");
    snprintf(o.d.filed_at, sizeof o.d.filed_at, "2021-03-01T02:00:00Z");
    snprintf(o.r.type, sizeof o.r.type, "annual");
    snprintf(o.r.period, sizeof o.r.period, "2020");
    snprintf(o.r.filed_at, sizeof o.r.filed_at, "2021-03-01T02:00:00Z");
    o.r.body_json = (char *)"{\"summary\":\"年报\"}";
    ck_assert_int_eq(store_write(e.s, tx_duties, &o), STORE_OK);
    ck_assert_int_eq(o.again, STORE_CONFLICT);
    ck_assert_int_eq(o.after, STORE_OK);
    ck_assert_int_gt(o.d.id, 0);
    ck_assert_int_gt(o.r.id, 0);
    ck_assert_int_eq(atomic_load(&errors_logged), 0);

    struct duty_seen seen = {0};
    ck_assert_int_eq(store_duties_of(e.s, 1, see_duty, &seen), STORE_OK);
    ck_assert_int_eq(seen.n, 2);
    ck_assert_str_eq(seen.periods[0], "2020");
    ck_assert_str_eq(seen.statuses[0], "filed");
    ck_assert_str_eq(seen.periods[1], "2021");
    int reports = 0;
    ck_assert_int_eq(store_reports_of(e.s, 1, see_report, &reports), STORE_OK);
    ck_assert_int_eq(reports, 1);

    /* The clock's work on 2022-04-01: the report of 2021 is due. */
    struct duty_seen pending = {0};
    ck_assert_int_eq(store_duties_pending(e.s, "2022-04-01", see_duty, &pending), STORE_OK);
    ck_assert_int_eq(pending.n, 1);
    ck_assert_str_eq(pending.periods[0], "2021");
    memset(&pending, 0, sizeof pending);
    ck_assert_int_eq(store_duties_pending(e.s, "2022-03-30", see_duty, &pending), STORE_OK);
    ck_assert_int_eq(pending.n, 0);

    struct duty changed = {.id = seen.ids[1]};
    ck_assert_int_eq(store_write(e.s, tx_duty_update, &changed), STORE_OK);
    struct duty_filter f = {.prompt_open = true, .limit = 10};
    struct duty_seen open = {0};
    bool more = true;
    ck_assert_int_eq(store_duties_list(e.s, &f, see_duty, &open, &more), STORE_OK);
    ck_assert_int_eq(open.n, 1);
    ck_assert_str_eq(open.statuses[0], "missed");
    ck_assert(!more);
    f.kinds_in[0] = "first_store";
    memset(&open, 0, sizeof open);
    ck_assert_int_eq(store_duties_list(e.s, &f, see_duty, &open, &more), STORE_OK);
    ck_assert_int_eq(open.n, 0);
    struct duty_filter page = {.limit = 1};
    memset(&open, 0, sizeof open);
    ck_assert_int_eq(store_duties_list(e.s, &page, see_duty, &open, &more), STORE_OK);
    ck_assert_int_eq(open.n, 1);
    ck_assert(more);
    env_close(&e);
}
END_TEST

/* ---- idempotency keys ------------------------------------------------------- */

struct idem_op {
    struct store *s;
    struct idem_request q;
    const char *now, *stale_before, *expires_at;
    enum idem_found found;
    struct idem_answer answer;
    const struct idem_answer *keep; /* NULL: release */
    int64_t purged;
};

static enum store_rc tx_idem_claim(struct store_tx *tx, void *ctx)
{
    struct idem_op *o = ctx;
    return store_idem_claim(tx, &o->q, o->now, o->stale_before, o->expires_at, &o->found,
                            &o->answer);
}

static enum store_rc tx_idem_keep(struct store_tx *tx, void *ctx)
{
    struct idem_op *o = ctx;
    return o->keep ? store_idem_answer(tx, &o->q, o->keep) : store_idem_release(tx, &o->q);
}

static enum store_rc tx_idem_purge(struct store_tx *tx, void *ctx)
{
    struct idem_op *o = ctx;
    return store_idem_purge(tx, o->now, &o->purged);
}

static enum idem_found idem_find(struct idem_op *o)
{
    idem_answer_release(&o->answer);
    ck_assert_int_eq(store_idem_find(o->s, &o->q, o->now, o->stale_before, &o->found, &o->answer),
                     STORE_OK);
    return o->found;
}

static enum idem_found idem_claim(struct idem_op *o)
{
    idem_answer_release(&o->answer);
    ck_assert_int_eq(store_write(o->s, tx_idem_claim, o), STORE_OK);
    return o->found;
}

START_TEST(test_idempotency_keys)
{
    struct env e;
    env_open(&e, _i);
    migrate(e.s);
    struct idem_op o = {.s = e.s,
                        .q = {.scope = "account:2", .key = "k-1"},
                        .now = "2020-09-29T02:00:00Z",
                        .stale_before = "2020-09-29T01:58:00Z",
                        .expires_at = "2020-09-30T02:00:00Z"};
    memset(o.q.fingerprint, 7, sizeof o.q.fingerprint);

    /* Unknown, then claimed: running for everyone else. */
    ck_assert_int_eq(idem_find(&o), IDEM_NONE);
    ck_assert_int_eq(idem_claim(&o), IDEM_NONE);
    ck_assert_int_eq(idem_find(&o), IDEM_RUNNING);
    ck_assert_int_eq(idem_claim(&o), IDEM_RUNNING);

    /* Another request with the key, another caller with it. */
    struct idem_op other = o;
    other.answer = (struct idem_answer){0};
    other.q.fingerprint[0] = 8;
    ck_assert_int_eq(idem_find(&other), IDEM_OTHER);
    other.q = o.q;
    other.q.scope = "account:3";
    ck_assert_int_eq(idem_find(&other), IDEM_NONE);

    /* The answer kept, bytes and all, NUL included. */
    char body[] = "{\"id\":1}\n\0tail";
    struct idem_answer a = {.status = 201, .body = body, .body_len = sizeof body - 1};
    snprintf(a.content_type, sizeof a.content_type, "application/json");
    snprintf(a.location, sizeof a.location, "/v1/applications/1");
    o.keep = &a;
    ck_assert_int_eq(store_write(o.s, tx_idem_keep, &o), STORE_OK);
    ck_assert_int_eq(store_write(o.s, tx_idem_keep, &o), STORE_NOT_FOUND); /* answered once */
    ck_assert_int_eq(idem_find(&o), IDEM_ANSWERED);
    ck_assert_uint_eq(o.answer.status, 201);
    ck_assert_str_eq(o.answer.content_type, "application/json");
    ck_assert_str_eq(o.answer.location, "/v1/applications/1");
    ck_assert_str_eq(o.answer.etag, "");
    ck_assert_uint_eq(o.answer.body_len, sizeof body - 1);
    ck_assert_mem_eq(o.answer.body, body, sizeof body - 1);
    ck_assert_int_eq(idem_claim(&o), IDEM_ANSWERED);

    /* A claim whose server stopped gives way after stale_before. */
    struct idem_op stale = o;
    stale.answer = (struct idem_answer){0};
    stale.q.key = "k-2";
    ck_assert_int_eq(idem_claim(&stale), IDEM_NONE);
    stale.stale_before = "2020-09-29T02:00:00Z";
    ck_assert_int_eq(idem_find(&stale), IDEM_NONE);
    ck_assert_int_eq(idem_claim(&stale), IDEM_NONE);
    /* A released key is free at once. */
    stale.keep = NULL;
    ck_assert_int_eq(store_write(stale.s, tx_idem_keep, &stale), STORE_OK);
    stale.stale_before = o.stale_before;
    ck_assert_int_eq(idem_find(&stale), IDEM_NONE);

    /* Expired: not found, taken again by a claim, and purged. */
    o.now = "2020-09-30T02:00:00Z";
    ck_assert_int_eq(idem_find(&o), IDEM_NONE);
    ck_assert_int_eq(store_write(o.s, tx_idem_purge, &o), STORE_OK);
    ck_assert_int_eq(o.purged, 1);
    ck_assert_int_eq(store_write(o.s, tx_idem_purge, &o), STORE_OK);
    ck_assert_int_eq(o.purged, 0);
    o.expires_at = "2020-10-01T02:00:00Z";
    ck_assert_int_eq(idem_claim(&o), IDEM_NONE);
    o.now = "2020-09-30T12:00:00Z";
    ck_assert_int_eq(store_write(o.s, tx_idem_purge, &o), STORE_OK);
    ck_assert_int_eq(o.purged, 0);
    idem_answer_release(&o.answer);
    idem_answer_release(&other.answer);
    idem_answer_release(&stale.answer);
    ck_assert_int_eq(atomic_load(&errors_logged), 0);
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

/* ---- the desk and the listings ------------------------------------------- */

#define USCC_A "91110108MA01AAAAAA"

struct desk_op {
    int64_t ids[3];
    int64_t org[4];
    size_t n_org;
    enum store_rc has[3];
    int64_t templates;
    int64_t template_ids[2];
    enum store_rc deleted, deleted_again;
};

static bool see_org(struct application *a, void *ctx)
{
    struct desk_op *o = ctx;
    if (o->n_org < 4)
        o->org[o->n_org++] = a->id;
    return true;
}

static enum store_rc tx_desk(struct store_tx *tx, void *ctx)
{
    struct desk_op *o = ctx;
    static const struct {
        const char *kind, *name, *status, *submitted, *data;
    } apps[] = {
        {"incubator", "Alpha 孵化器", "district_review", "2020-09-02T02:00:00Z",
         "{\"brand\":\"Sunny Brand\"}"},
        {"first_store", "Beta", "municipal_review", "2020-09-03T02:00:00Z",
         "{\"stores\":[{\"brand\":\"Lucky\"}],\"store\":{\"name\":\"North Shop\"}}"},
        {"incubator", "Gamma", "district_review", "2020-09-04T02:00:00Z",
         "{\"base\":{\"name\":\"Park\"}}"},
    };
    enum store_rc rc = STORE_OK;
    for (size_t i = 0; i < 3 && rc == STORE_OK; i++) {
        struct application a = {
            .round = 2020, .version = 2, .created_by = 1, .granted_fen = -1, .refund_fen = -1};
        snprintf(a.kind, sizeof a.kind, "%s", apps[i].kind);
        snprintf(a.review_unit, sizeof a.review_unit, "110108");
        snprintf(a.applicant_uscc, sizeof a.applicant_uscc, USCC_A);
        snprintf(a.status, sizeof a.status, "%s", apps[i].status);
        snprintf(a.created_at, sizeof a.created_at, "2020-09-01T02:00:00Z");
        snprintf(a.updated_at, sizeof a.updated_at, "%s", apps[i].submitted);
        snprintf(a.submitted_at, sizeof a.submitted_at, "%s", apps[i].submitted);
        snprintf(a.status_at, sizeof a.status_at, "%s", apps[i].submitted);
        a.applicant_name = (char *)apps[i].name;
        a.data_json = (char *)apps[i].data;
        rc = store_app_insert(tx, &a);
        o->ids[i] = a.id;
    }
    if (rc != STORE_OK)
        return rc;
    o->n_org = 0;
    rc = store_app_each_of_org_tx(tx, USCC_A, "incubator", 2020, o->ids[0], see_org, o);
    if (rc != STORE_OK)
        return rc;

    struct ranking_row r = {.year = 2020, .computed_by = 1};
    char result[160];
    snprintf(r.kind, sizeof r.kind, "tourism_award");
    snprintf(r.computed_at, sizeof r.computed_at, "2020-10-01T02:00:00Z");
    snprintf(result, sizeof result,
             "{\"entries\":[{\"application_id\":%lld}],\"excluded\":[{\"application_id\":%lld}]}",
             (long long)o->ids[1], (long long)o->ids[2]);
    r.result_json = result;
    if ((rc = store_ranking_put(tx, &r)) != STORE_OK)
        return rc;
    for (size_t i = 0; i < 3; i++)
        o->has[i] = store_ranking_has_tx(tx, "tourism_award", 2020, o->ids[i]);

    static const char *const kinds[] = {"tourism_award", "incubator", "incubator"};
    static const int rounds[] = {2020, 2021, 2021};
    for (size_t i = 0; i < 3 && rc == STORE_OK; i++) {
        struct round_row w = {.round = rounds[i], .set_by = 1};
        snprintf(w.kind, sizeof w.kind, "%s", kinds[i]);
        snprintf(w.opens_on, sizeof w.opens_on, "2021-0%zu-01", i + 1);
        snprintf(w.closes_on, sizeof w.closes_on, "2021-12-31");
        snprintf(w.set_at, sizeof w.set_at, "2021-01-01T02:00:00Z");
        rc = store_round_put(tx, &w); /* the third replaces the second */
    }

    for (size_t i = 0; i < 2 && rc == STORE_OK; i++) {
        struct opinion_template t = {.account_id = 1,
                                     .title = i ? "退回" : "同意",
                                     .text = i ? "请补充材料。" : "经审核，同意。",
                                     .created_at = "2021-01-01T02:00:00Z"};
        rc = store_template_add(tx, &t);
        o->template_ids[i] = t.id;
    }
    if (rc == STORE_OK)
        rc = store_templates_count(tx, 1, &o->templates);
    if (rc == STORE_OK) {
        o->deleted = store_template_delete(tx, 1, o->template_ids[0]);
        o->deleted_again = store_template_delete(tx, 1, o->template_ids[0]);
    }
    return rc;
}

struct listed {
    int64_t ids[8];
    char keys[8][40];
    size_t n;
};

static void see_listed(const struct application *a, void *ctx)
{
    struct listed *l = ctx;
    if (l->n < 8) {
        snprintf(l->keys[l->n], sizeof l->keys[0], "%s", a->submitted_at);
        l->ids[l->n++] = a->id;
    }
}

static size_t list_q(struct store *s, const char *q, const char *status, int64_t *first)
{
    struct app_filter f = {.scope = SCOPE_SUBMITTED, .q = q, .limit = 10};
    struct listed l = {0};
    int64_t counted = -1;
    f.statuses[0] = status;
    ck_assert_int_eq(store_app_list(s, &f, see_listed, &l, NULL), STORE_OK);
    ck_assert_int_eq(store_app_count(s, &f, &counted), STORE_OK);
    ck_assert_int_eq(counted, (int64_t)l.n);
    *first = l.n ? l.ids[0] : 0;
    return l.n;
}

static void see_round(const struct round_row *r, void *ctx)
{
    struct listed *l = ctx;
    if (l->n < 8)
        snprintf(l->keys[l->n++], sizeof l->keys[0], "%s %d %s", r->kind, r->round, r->opens_on);
}

static void see_template(const struct opinion_template *t, void *ctx)
{
    struct listed *l = ctx;
    if (l->n < 8) {
        l->ids[l->n] = t->id;
        snprintf(l->keys[l->n++], sizeof l->keys[0], "%s", t->title);
    }
}

START_TEST(test_desk_and_listings)
{
    struct env e;
    struct db *d;
    char err[512] = "";

    env_open(&e, _i);
    migrate(e.s);
    d = db_open(e.target, 0, err, sizeof err);
    ck_assert_msg(d != NULL, "%s", err);
    for (size_t i = 0; i < sizeof seed_sql / sizeof seed_sql[0]; i++)
        ck_assert_int_eq(run_case(d, seed_sql[i], -1, 0, 0), ACCEPTED);
    db_close(d);

    struct desk_op o = {0};
    ck_assert_int_eq(store_write(e.s, tx_desk, &o), STORE_OK);
    ck_assert_int_eq(atomic_load(&errors_logged), 0);
    /* The organisation's other incubator applications of 2020: the draft
     * of the seed and the third. */
    ck_assert_int_eq(o.n_org, 2);
    ck_assert_int_eq(o.org[1], o.ids[2]);
    /* A ranking holds what it ranked and what it excluded, nothing else. */
    ck_assert_int_eq(o.has[0], STORE_NOT_FOUND);
    ck_assert_int_eq(o.has[1], STORE_OK);
    ck_assert_int_eq(o.has[2], STORE_OK);
    ck_assert_int_eq(o.templates, 2);
    ck_assert_int_eq(o.deleted, STORE_OK);
    ck_assert_int_eq(o.deleted_again, STORE_NOT_FOUND);

    /* The search, the same on both engines: the name, the USCC, a brand,
     * a store's name, a base's name, a brand of one of the stores. */
    int64_t first = 0;
    ck_assert_uint_eq(list_q(e.s, "sunny", NULL, &first), 1);
    ck_assert_int_eq(first, o.ids[0]);
    ck_assert_uint_eq(list_q(e.s, "lucky", NULL, &first), 1);
    ck_assert_int_eq(first, o.ids[1]);
    ck_assert_uint_eq(list_q(e.s, "north shop", NULL, &first), 1);
    ck_assert_int_eq(first, o.ids[1]);
    ck_assert_uint_eq(list_q(e.s, "park", NULL, &first), 1);
    ck_assert_int_eq(first, o.ids[2]);
    ck_assert_uint_eq(list_q(e.s, "孵化", NULL, &first), 1);
    ck_assert_int_eq(first, o.ids[0]);
    ck_assert_uint_eq(list_q(e.s, "ma01", NULL, &first), 3);
    ck_assert_int_eq(first, o.ids[2]); /* last submitted first */
    ck_assert_uint_eq(list_q(e.s, "nothing like it", NULL, &first), 0);
    ck_assert_uint_eq(list_q(e.s, NULL, "district_review", &first), 2);
    ck_assert_uint_eq(list_q(e.s, "sunny", "municipal_review", &first), 0);

    /* Pages of one, each after the last row of the one before. */
    struct app_filter f = {.scope = SCOPE_SUBMITTED, .limit = 1, .sort = SORT_SUBMITTED_ASC};
    int64_t order[3];
    for (int i = 0; i < 3; i++) {
        struct listed l = {0};
        bool more = false;
        ck_assert_int_eq(store_app_list(e.s, &f, see_listed, &l, &more), STORE_OK);
        ck_assert_uint_eq(l.n, 1);
        ck_assert(more == (i < 2));
        order[i] = l.ids[0];
        static char key[40];
        snprintf(key, sizeof key, "%s", l.keys[0]);
        f.after_key = key;
        f.after_id = l.ids[0];
    }
    ck_assert_int_eq(order[0], o.ids[0]);
    ck_assert_int_eq(order[2], o.ids[2]);

    /* Rounds in order of kind and round, the replaced one as replaced;
     * the templates left. */
    struct listed rounds = {0};
    ck_assert_int_eq(store_rounds_each(e.s, see_round, &rounds), STORE_OK);
    ck_assert_uint_eq(rounds.n, 2);
    ck_assert_str_eq(rounds.keys[0], "incubator 2021 2021-03-01");
    ck_assert_str_eq(rounds.keys[1], "tourism_award 2020 2021-01-01");
    struct round_row w;
    ck_assert_int_eq(store_round_get(e.s, "incubator", 2021, &w), STORE_OK);
    ck_assert_str_eq(w.opens_on, "2021-03-01");
    ck_assert_int_eq(store_round_get(e.s, "incubator", 2022, &w), STORE_NOT_FOUND);
    struct listed templates = {0};
    ck_assert_int_eq(store_templates_of(e.s, 1, see_template, &templates), STORE_OK);
    ck_assert_uint_eq(templates.n, 1);
    ck_assert_str_eq(templates.keys[0], "退回");
    ck_assert_int_eq(atomic_load(&errors_logged), 0);
    env_close(&e);
}
END_TEST

/* ---- passwords and their resets ------------------------------------------- */

struct reset_op {
    unsigned char code[TOKEN_HASH_LEN];
    const char *now, *until, *hash;
    const unsigned char *keep;
    int64_t account;
    int sessions;
};

static enum store_rc tx_reset_add(struct store_tx *tx, void *ctx)
{
    struct reset_op *o = ctx;
    return store_reset_add(tx, 1, o->code, o->now, o->until);
}

static enum store_rc tx_reset_take(struct store_tx *tx, void *ctx)
{
    struct reset_op *o = ctx;
    o->account = 0;
    return store_reset_take(tx, o->code, o->now, &o->account);
}

static enum store_rc tx_password_replace(struct store_tx *tx, void *ctx)
{
    struct reset_op *o = ctx;
    return store_password_replace(tx, 1, o->hash, o->keep, o->now, &o->sessions);
}

START_TEST(test_password_resets)
{
    struct env e;
    struct db *d;
    char err[512] = "", stored[128] = "";
    unsigned char s1[TOKEN_HASH_LEN], s2[TOKEN_HASH_LEN];

    env_open(&e, _i);
    migrate(e.s);
    d = db_open(e.target, 0, err, sizeof err);
    ck_assert_msg(d != NULL, "%s", err);
    for (size_t i = 0; i < sizeof seed_sql / sizeof seed_sql[0]; i++)
        ck_assert_int_eq(run_case(d, seed_sql[i], -1, 0, 0), ACCEPTED);
    memset(s1, 1, sizeof s1);
    memset(s2, 2, sizeof s2);
    for (int i = 0; i < 2; i++) {
        struct db_stmt *st = db_prepare(d, "INSERT INTO sessions (account_id, token_hash, csrf,"
                                           " created_at, expires_at) VALUES (1, ?1, 'c', " T
                                           ", '2099-01-01T00:00:00Z')");
        ck_assert_ptr_nonnull(st);
        db_bind_blob(st, 1, i == 0 ? s1 : s2, TOKEN_HASH_LEN);
        ck_assert_int_eq(db_exec(st), DB_OK);
    }
    db_close(d);

    int64_t id = 0;
    bool has_password = true;
    ck_assert_int_eq(store_account_by_email_any(e.s, "a@example.cn", &id, &has_password), STORE_OK);
    ck_assert_int_eq(id, 1);
    ck_assert(!has_password);
    ck_assert_int_eq(store_account_by_email_any(e.s, "b@example.cn", &id, &has_password),
                     STORE_NOT_FOUND);
    ck_assert_int_eq(store_password_hash_of(e.s, 1, stored, sizeof stored), STORE_NOT_FOUND);

    /* Two codes: the newer replaces the older. */
    struct reset_op a = {.now = "2020-09-29T02:00:00Z", .until = "2020-09-30T02:00:00Z"};
    struct reset_op b = a;
    memset(a.code, 0xa, sizeof a.code);
    memset(b.code, 0xb, sizeof b.code);
    ck_assert_int_eq(store_write(e.s, tx_reset_add, &a), STORE_OK);
    ck_assert_int_eq(store_write(e.s, tx_reset_add, &b), STORE_OK);
    a.now = "2020-09-29T03:00:00Z";
    ck_assert_int_eq(store_write(e.s, tx_reset_take, &a), STORE_NOT_FOUND);
    /* Past its expiry (the instant itself included), nothing. */
    b.now = "2020-09-30T02:00:00Z";
    ck_assert_int_eq(store_write(e.s, tx_reset_take, &b), STORE_NOT_FOUND);
    /* Once, within it. */
    b.now = "2020-09-30T01:59:59Z";
    ck_assert_int_eq(store_write(e.s, tx_reset_take, &b), STORE_OK);
    ck_assert_int_eq(b.account, 1);
    ck_assert_int_eq(store_write(e.s, tx_reset_take, &b), STORE_NOT_FOUND);

    /* The new password, every session but the one kept ended; then all. */
    struct reset_op p = {.now = "2020-09-29T04:00:00Z", .hash = "$argon2id$x", .keep = s1};
    ck_assert_int_eq(store_write(e.s, tx_password_replace, &p), STORE_OK);
    ck_assert_int_eq(p.sessions, 1);
    ck_assert_int_eq(store_password_hash_of(e.s, 1, stored, sizeof stored), STORE_OK);
    ck_assert_str_eq(stored, "$argon2id$x");
    p.keep = NULL;
    p.hash = "$argon2id$y";
    ck_assert_int_eq(store_write(e.s, tx_password_replace, &p), STORE_OK);
    ck_assert_int_eq(p.sessions, 1);
    ck_assert_int_eq(store_write(e.s, tx_password_replace, &p), STORE_OK);
    ck_assert_int_eq(p.sessions, 0);

    /* A disabled account's code does not work. */
    struct reset_op c = a;
    memset(c.code, 0xc, sizeof c.code);
    ck_assert_int_eq(store_write(e.s, tx_reset_add, &c), STORE_OK);
    d = db_open(e.target, 0, err, sizeof err);
    ck_assert_int_eq(db_exec_script(d, "UPDATE accounts SET disabled = 1 WHERE id = 1"), DB_OK);
    db_close(d);
    ck_assert_int_eq(store_write(e.s, tx_reset_take, &c), STORE_NOT_FOUND);
    ck_assert_int_eq(store_account_by_email_any(e.s, "a@example.cn", &id, &has_password),
                     STORE_NOT_FOUND);
    ck_assert_int_eq(atomic_load(&errors_logged), 0);
    env_close(&e);
}
END_TEST

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
    tcase_add_loop_test(tc, test_materials_and_versions, 0, 2);
    tcase_add_loop_test(tc, test_duties, 0, 2);
    tcase_add_loop_test(tc, test_idempotency_keys, 0, 2);
    tcase_add_loop_test(tc, test_desk_and_listings, 0, 2);
    tcase_add_loop_test(tc, test_password_resets, 0, 2);
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
