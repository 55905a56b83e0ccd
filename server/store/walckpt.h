/*
 * Checkpoints of an SQLite database's write-ahead log, off the writer's
 * thread.
 *
 * By default SQLite checkpoints on the thread that commits: the commit that
 * takes the log past 1,000 pages copies them into the database and syncs
 * it before it returns, and every write queued behind it waits.  Under a
 * steady load of submissions those stalls were most of the slowest
 * hundredth of answers.  A wal_ckpt hooks the writer's commits and does
 * that copying on a thread of its own, with a connection of its own,
 * while the writer goes on appending to the log.  Durability is SQLite's
 * either way: a commit is synced to the log before it returns, and a
 * checkpoint syncs the database before the log can be reused.
 *
 * A checkpoint that runs beside the writer copies what the log held when
 * it began, so while writes keep coming it never catches up, and SQLite
 * starts the log again from its beginning only once every frame in it has
 * been copied.  So that the log cannot grow without end, a commit that
 * finds it at `limit` pages or more lets a pass under way end and copies
 * the rest on the writer's thread (what came in since), as SQLite itself
 * would have, and the writer's next transaction starts the log again: the
 * log holds at most the limit and one commit (unless a reader's snapshot
 * keeps the rest from being copied, as it would SQLite's own).
 *
 * Passes are not run back to back: the pages every commit writes (the
 * header, the indexes' upper pages) would be copied and synced in each,
 * which cost a lone submission 0.1-0.2 ms more CPU.  The next pass is
 * asked for once a quarter of `pages` new pages came in.
 */
#ifndef SHENBAO_WALCKPT_H
#define SHENBAO_WALCKPT_H

#include <sqlite3.h>
#include <stddef.h>
#include <stdint.h>

/* SQLite's own threshold: a pass is started once the log holds this many
 * pages (4 MiB of 4 KiB pages). */
#define WAL_CKPT_PAGES 1000
/* The writer copies the rest itself from here (32 MiB of 4 KiB pages).  A
 * larger limit means fewer such stalls under a load that never pauses, and
 * a larger log file, which SQLite keeps at its largest size for reuse. */
#define WAL_CKPT_LIMIT 8000

struct wal_ckpt;

struct wal_ckpt_stats {
    uint64_t passes;      /* checkpoints the thread ran to the end */
    uint64_t on_writer;   /* checkpoints the writer ran, at the limit */
    uint64_t largest_log; /* the most pages a commit found in the log */
};

/* Hooks the commits of writer (a connection in WAL mode, used by one
 * thread at a time) and starts the thread, whose connection opens path.
 * A pass starts when a commit leaves `pages` pages or more in the log, a
 * quarter of `pages` of them new since the last pass; the writer copies
 * the rest itself at `limit` (at least pages).  NULL
 * with err filled when the connection or the thread cannot be had; the
 * writer then checkpoints as SQLite does by default. */
struct wal_ckpt *wal_ckpt_start(sqlite3 *writer, const char *path, unsigned pages, unsigned limit,
                                char *err, size_t errlen);

/* Unhooks the writer (which checkpoints as SQLite does by default again),
 * lets a pass under way finish, ends the thread and closes its connection.
 * Call it on the writer's thread, or when no one writes.  NULL is
 * ignored. */
void wal_ckpt_stop(struct wal_ckpt *w);

struct wal_ckpt_stats wal_ckpt_stats(struct wal_ckpt *w);

#endif
