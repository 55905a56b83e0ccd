/*
 * Checkpoints off the writer's thread (walckpt.h).
 *
 * The writer's commit hook decides, from the pages the log holds, whether
 * to wake the thread or, at the limit, to copy the rest itself; the thread
 * runs passive checkpoints, which never wait for the writer or readers and
 * copy as far as the oldest reader allows.
 */
#include "walckpt.h"

#include "store_impl.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>

struct wal_ckpt {
    sqlite3 *writer;
    sqlite3 *db; /* the thread's own connection */
    unsigned pages, step, limit;
    pthread_t thread;
    pthread_mutex_t mu;   /* guards what follows */
    pthread_cond_t cv;    /* a pass is wanted, or the thread is to end */
    pthread_cond_t ended; /* a pass ended */
    bool wanted;          /* a commit asked for a pass */
    bool running;         /* a pass is under way */
    bool stopping;
    unsigned asked_at; /* what the log held when the last pass was asked */
    struct wal_ckpt_stats stats;
};

static void *ckpt_main(void *arg)
{
    struct wal_ckpt *w = arg;

    pthread_mutex_lock(&w->mu);
    for (;;) {
        while (!w->wanted && !w->stopping)
            pthread_cond_wait(&w->cv, &w->mu);
        if (w->stopping)
            break;
        w->wanted = false;
        w->running = true;
        pthread_mutex_unlock(&w->mu);
        int rc = sqlite3_wal_checkpoint_v2(w->db, "main", SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
        /* Busy: the writer is copying at the limit; it does the work. */
        if (rc != SQLITE_OK && rc != SQLITE_BUSY)
            store_log_error(w->db, "checkpoint");
        pthread_mutex_lock(&w->mu);
        w->running = false;
        w->stats.passes += rc == SQLITE_OK;
        pthread_cond_signal(&w->ended);
    }
    pthread_mutex_unlock(&w->mu);
    return NULL;
}

/* After every commit of the writer, on its thread, with the write lock
 * released; frames is what the log holds now. */
static int on_commit(void *arg, sqlite3 *db, const char *name, int frames)
{
    struct wal_ckpt *w = arg;
    bool copy = false;

    pthread_mutex_lock(&w->mu);
    if ((uint64_t)frames > w->stats.largest_log)
        w->stats.largest_log = (uint64_t)frames;
    if ((unsigned)frames < w->asked_at)
        w->asked_at = 0; /* the log began again */
    if ((unsigned)frames >= w->limit) {
        /* A pass asked for and not begun is not run, and the one under
         * way (if any) ends first, so that this copy finds the checkpoint
         * lock free.  No other is asked for while the log is this long. */
        w->wanted = false;
        while (w->running)
            pthread_cond_wait(&w->ended, &w->mu);
        copy = true;
    } else if ((unsigned)frames >= w->pages && (unsigned)frames - w->asked_at >= w->step &&
               !w->running && !w->wanted) {
        /* Not at once after the last pass, but once a step of new frames
         * came in: the pages written in every commit (an index's root,
         * the header) are copied and synced again in every pass. */
        w->wanted = true;
        w->asked_at = (unsigned)frames;
        pthread_cond_signal(&w->cv);
    }
    pthread_mutex_unlock(&w->mu);
    if (copy) {
        /* Busy: another process is checkpointing; the next commit tries
         * again.  A failure is logged, never the commit's: it happened. */
        int rc = sqlite3_wal_checkpoint_v2(db, name, SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
        if (rc == SQLITE_OK) {
            pthread_mutex_lock(&w->mu);
            w->stats.on_writer++;
            pthread_mutex_unlock(&w->mu);
        } else if (rc != SQLITE_BUSY) {
            store_log_error(db, "checkpoint at the log's limit");
        }
    }
    return SQLITE_OK;
}

/* The thread's connection, on a database that must be in WAL mode: on any
 * other a checkpoint would quietly do nothing, and the writer would never
 * checkpoint at all. */
static sqlite3 *ckpt_open(const char *path, char *err, size_t errlen)
{
    sqlite3 *db = NULL;
    sqlite3_stmt *st = NULL;
    bool ok = false;

    if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL) !=
            SQLITE_OK ||
        sqlite3_exec(db, "PRAGMA synchronous = FULL", NULL, NULL, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(db, "PRAGMA journal_mode", -1, &st, NULL) != SQLITE_OK ||
        sqlite3_step(st) != SQLITE_ROW) {
        snprintf(err, errlen, "cannot open %s to checkpoint it: %s", path,
                 db ? sqlite3_errmsg(db) : "out of memory");
        goto out;
    }
    if (sqlite3_stricmp((const char *)sqlite3_column_text(st, 0), "wal") != 0) {
        snprintf(err, errlen, "%s is not in WAL mode", path);
        goto out;
    }
    ok = true;
out:
    sqlite3_finalize(st);
    if (!ok) {
        sqlite3_close(db);
        db = NULL;
    }
    return db;
}

struct wal_ckpt *wal_ckpt_start(sqlite3 *writer, const char *path, unsigned pages, unsigned limit,
                                char *err, size_t errlen)
{
    struct wal_ckpt *w = calloc(1, sizeof *w);

    if (w == NULL) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    w->writer = writer;
    w->pages = pages > 0 ? pages : 1;
    w->step = w->pages / 4 > 0 ? w->pages / 4 : 1;
    w->limit = limit > w->pages ? limit : w->pages;
    w->db = ckpt_open(path, err, errlen);
    if (w->db == NULL) {
        free(w);
        return NULL;
    }
    pthread_mutex_init(&w->mu, NULL);
    pthread_cond_init(&w->cv, NULL);
    pthread_cond_init(&w->ended, NULL);
    if (pthread_create(&w->thread, NULL, ckpt_main, w) != 0) {
        snprintf(err, errlen, "cannot start the checkpoint thread");
        pthread_mutex_destroy(&w->mu);
        pthread_cond_destroy(&w->cv);
        pthread_cond_destroy(&w->ended);
        sqlite3_close(w->db);
        free(w);
        return NULL;
    }
    sqlite3_wal_hook(writer, on_commit, w);
    return w;
}

void wal_ckpt_stop(struct wal_ckpt *w)
{
    if (w == NULL)
        return;
    /* Replaces on_commit: no commit reaches w from here. */
    sqlite3_wal_autocheckpoint(w->writer, WAL_CKPT_PAGES);
    pthread_mutex_lock(&w->mu);
    w->stopping = true;
    pthread_cond_signal(&w->cv);
    pthread_mutex_unlock(&w->mu);
    pthread_join(w->thread, NULL);
    sqlite3_close(w->db);
    pthread_mutex_destroy(&w->mu);
    pthread_cond_destroy(&w->cv);
    pthread_cond_destroy(&w->ended);
    free(w);
}

struct wal_ckpt_stats wal_ckpt_stats(struct wal_ckpt *w)
{
    struct wal_ckpt_stats st = {0};

    if (w == NULL)
        return st;
    pthread_mutex_lock(&w->mu);
    st = w->stats;
    pthread_mutex_unlock(&w->mu);
    return st;
}
