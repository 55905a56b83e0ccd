/*
 * Checkpoints off the writer's thread: a pass of the thread's lets the
 * writer begin the log again; a pass waits for a step of new frames; under
 * writes that never pause the log stays near its limit because the writer
 * copies the rest itself; stopping gives the writer SQLite's own
 * checkpoints back; and a database not in WAL mode is refused.
 */
#include "support.h"
#include "walckpt.h"

#include <check.h>
#include <sqlite3.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

static char *db_path;
static sqlite3 *writer;

static void exec(sqlite3 *db, const char *sql)
{
    char *msg = NULL;
    int rc = sqlite3_exec(db, sql, NULL, NULL, &msg);
    ck_assert_msg(rc == SQLITE_OK, "%s: %s", sql, msg ? msg : sqlite3_errstr(rc));
}

static void setup(void)
{
    db_path = support_tmp_db();
    ck_assert_int_eq(sqlite3_open(db_path, &writer), SQLITE_OK);
    exec(writer, "PRAGMA journal_mode = WAL");
    /* The hook does not depend on the writer's syncs; the tests are
     * quicker without them. */
    exec(writer, "PRAGMA synchronous = OFF");
    exec(writer, "CREATE TABLE t (id INTEGER PRIMARY KEY, b BLOB NOT NULL)");
}

static void teardown(void)
{
    sqlite3_close(writer);
    support_tmp_db_free(db_path);
}

/* count commits, each of one row of size bytes. */
static void insert(int count, int size)
{
    sqlite3_stmt *st;

    ck_assert_int_eq(
        sqlite3_prepare_v2(writer, "INSERT INTO t (b) VALUES (zeroblob(?))", -1, &st, NULL),
        SQLITE_OK);
    for (int i = 0; i < count; i++) {
        sqlite3_bind_int(st, 1, size);
        ck_assert_int_eq(sqlite3_step(st), SQLITE_DONE);
        sqlite3_reset(st);
    }
    sqlite3_finalize(st);
}

/* The frames the log holds now, asked on a connection of its own (its
 * passive checkpoint copies what it can, but answers what was there). */
static int log_frames(void)
{
    sqlite3 *db;
    sqlite3_stmt *st;
    int frames;

    ck_assert_int_eq(sqlite3_open(db_path, &db), SQLITE_OK);
    ck_assert_int_eq(sqlite3_prepare_v2(db, "PRAGMA wal_checkpoint(PASSIVE)", -1, &st, NULL),
                     SQLITE_OK);
    ck_assert_int_eq(sqlite3_step(st), SQLITE_ROW);
    frames = sqlite3_column_int(st, 1);
    sqlite3_finalize(st);
    sqlite3_close(db);
    return frames;
}

static long long count_rows(void)
{
    sqlite3 *db;
    sqlite3_stmt *st;
    long long n;

    ck_assert_int_eq(sqlite3_open(db_path, &db), SQLITE_OK);
    ck_assert_int_eq(sqlite3_prepare_v2(db, "PRAGMA integrity_check", -1, &st, NULL), SQLITE_OK);
    ck_assert_int_eq(sqlite3_step(st), SQLITE_ROW);
    ck_assert_str_eq((const char *)sqlite3_column_text(st, 0), "ok");
    sqlite3_finalize(st);
    ck_assert_int_eq(sqlite3_prepare_v2(db, "SELECT count(*) FROM t", -1, &st, NULL), SQLITE_OK);
    ck_assert_int_eq(sqlite3_step(st), SQLITE_ROW);
    n = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    sqlite3_close(db);
    return n;
}

START_TEST(test_thread_copies_and_the_log_begins_again)
{
    char err[256] = "";
    struct wal_ckpt *w = wal_ckpt_start(writer, db_path, 50, 1000000, err, sizeof err);
    ck_assert_msg(w != NULL, "%s", err);

    /* One commit of about 80 pages asks for a pass. */
    exec(writer, "BEGIN");
    insert(80, 4000);
    exec(writer, "COMMIT");
    struct wal_ckpt_stats got = wal_ckpt_stats(w);
    ck_assert_uint_ge(got.largest_log, 80);
    for (int i = 0; i < 1000 && got.passes == 0; i++) {
        nanosleep(&(struct timespec){.tv_nsec = 10 * 1000 * 1000}, NULL);
        got = wal_ckpt_stats(w);
    }
    ck_assert_uint_eq(got.passes, 1);
    ck_assert_uint_eq(got.on_writer, 0);

    /* Everything was copied, so the next commit starts the log again. */
    insert(1, 10);
    ck_assert_int_lt(log_frames(), 10);
    wal_ckpt_stop(w);
    ck_assert_int_eq(count_rows(), 81);
}
END_TEST

START_TEST(test_a_pass_waits_for_a_step_of_new_frames)
{
    char err[256] = "";
    sqlite3 *reader;
    sqlite3_stmt *st;
    /* Passes from 40 pages on, each once 10 new frames came in. */
    struct wal_ckpt *w = wal_ckpt_start(writer, db_path, 40, 1000000, err, sizeof err);
    ck_assert_msg(w != NULL, "%s", err);

    /* A reader's snapshot keeps the log from beginning again, so that the
     * frames pile up and every pass finds itself with little to do. */
    insert(1, 3000);
    ck_assert_int_eq(sqlite3_open(db_path, &reader), SQLITE_OK);
    exec(reader, "BEGIN");
    ck_assert_int_eq(sqlite3_prepare_v2(reader, "SELECT count(*) FROM t", -1, &st, NULL),
                     SQLITE_OK);
    ck_assert_int_eq(sqlite3_step(st), SQLITE_ROW);
    /* About 450 frames, three or so per commit, with time between
     * commits for a pass to end. */
    for (int i = 0; i < 150; i++) {
        insert(1, 3000);
        nanosleep(&(struct timespec){.tv_nsec = 2 * 1000 * 1000}, NULL);
    }
    sqlite3_finalize(st);
    exec(reader, "COMMIT");
    sqlite3_close(reader);
    struct wal_ckpt_stats got = wal_ckpt_stats(w);
    wal_ckpt_stop(w);
    /* A pass after every commit from 40 frames on would be over 130. */
    ck_assert_uint_ge(got.largest_log, 400);
    ck_assert_uint_ge(got.passes, 1);
    ck_assert_uint_le(got.passes, got.largest_log / 10 + 1);
    ck_assert_uint_eq(got.on_writer, 0);
    ck_assert_int_eq(count_rows(), 151);
}
END_TEST

START_TEST(test_the_writer_copies_the_rest_at_the_limit)
{
    char err[256] = "";
    /* A pass only at the limit: the writer does every one itself. */
    struct wal_ckpt *w = wal_ckpt_start(writer, db_path, 40, 40, err, sizeof err);
    ck_assert_msg(w != NULL, "%s", err);

    insert(300, 3000);
    struct wal_ckpt_stats got = wal_ckpt_stats(w);
    ck_assert_uint_eq(got.passes, 0);
    ck_assert_uint_ge(got.on_writer, 3);
    ck_assert_uint_lt(got.largest_log, 45);
    wal_ckpt_stop(w);
    ck_assert_int_eq(count_rows(), 300);
}
END_TEST

START_TEST(test_the_log_stays_near_its_limit_under_steady_writes)
{
    char err[256] = "";
    struct wal_ckpt *w = wal_ckpt_start(writer, db_path, 20, 100, err, sizeof err);
    ck_assert_msg(w != NULL, "%s", err);

    insert(3000, 3000); /* about 3,000 pages, with no pause */
    struct wal_ckpt_stats got = wal_ckpt_stats(w);
    wal_ckpt_stop(w);
    /* The limit and one commit: the writer lets a pass under way end,
     * then copies.  A row of 3,000 bytes is three pages in the log (its
     * leaf, the page above it, the header), a few more when one splits. */
    ck_assert_uint_lt(got.largest_log, 100 + 8);
    ck_assert_uint_ge(got.passes + got.on_writer, 10);
    char wal[4096];
    struct stat sb;
    snprintf(wal, sizeof wal, "%s-wal", db_path);
    ck_assert_int_eq(stat(wal, &sb), 0);
    ck_assert_int_lt(sb.st_size, (100 + 8) * (4096 + 24) + 32);
    ck_assert_int_eq(count_rows(), 3000);
}
END_TEST

START_TEST(test_stopping_gives_back_sqlites_own_checkpoints)
{
    char err[256] = "";
    struct wal_ckpt *w = wal_ckpt_start(writer, db_path, 20, 100, err, sizeof err);
    ck_assert_msg(w != NULL, "%s", err);
    wal_ckpt_stop(w);

    /* Without a hook nothing would checkpoint, and the log would hold
     * every one of these commits. */
    insert(1500, 3000);
    ck_assert_int_lt(log_frames(), WAL_CKPT_PAGES + 10);
    ck_assert_int_eq(count_rows(), 1500);
}
END_TEST

START_TEST(test_a_database_not_in_wal_mode_is_refused)
{
    char err[256] = "";
    char *path = support_tmp_db();
    sqlite3 *db;

    ck_assert_int_eq(sqlite3_open(path, &db), SQLITE_OK);
    exec(db, "CREATE TABLE t (x)");
    ck_assert_ptr_null(wal_ckpt_start(db, path, 20, 100, err, sizeof err));
    ck_assert_msg(strstr(err, "not in WAL mode") != NULL, "%s", err);
    sqlite3_close(db);
    support_tmp_db_free(path);
}
END_TEST

static Suite *walckpt_suite(void)
{
    Suite *s = suite_create("walckpt");
    TCase *tc = tcase_create("core");

    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, test_thread_copies_and_the_log_begins_again);
    tcase_add_test(tc, test_a_pass_waits_for_a_step_of_new_frames);
    tcase_add_test(tc, test_the_writer_copies_the_rest_at_the_limit);
    tcase_add_test(tc, test_the_log_stays_near_its_limit_under_steady_writes);
    tcase_add_test(tc, test_stopping_gives_back_sqlites_own_checkpoints);
    tcase_add_test(tc, test_a_database_not_in_wal_mode_is_refused);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(walckpt_suite());
    int failures;

    srunner_run_all(sr, CK_NORMAL);
    failures = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failures != 0;
}
