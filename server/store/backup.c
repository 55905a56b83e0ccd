/*
 * Backups through SQLite's online backup API (on PostgreSQL: backup_pg.c): a consistent copy of a
 * live database, taken in one read transaction on a connection of its own, while the writer goes on
 * writing (WAL keeps readers and the writer apart).
 */
#include "store_impl.h"

#include "db.h"
#include "store_pg.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Copies database `from` (an open connection) into the file `to`. */
static int copy_db(sqlite3 *from, const char *to, char *err, size_t errlen)
{
    sqlite3 *dst = NULL;
    int rc = sqlite3_open_v2(to, &dst, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL);
    if (rc == SQLITE_OK) {
        sqlite3_backup *b = sqlite3_backup_init(dst, "main", from, "main");
        if (!b) {
            rc = sqlite3_errcode(dst);
        } else {
            /* All pages in one step: one read transaction, one snapshot. */
            do {
                rc = sqlite3_backup_step(b, -1);
                if (rc == SQLITE_BUSY || rc == SQLITE_LOCKED)
                    sqlite3_sleep(50);
            } while (rc == SQLITE_OK || rc == SQLITE_BUSY || rc == SQLITE_LOCKED);
            int fin = sqlite3_backup_finish(b);
            if (rc == SQLITE_DONE)
                rc = fin;
        }
    }
    /* A copy is one self-contained file: no write-ahead log beside it. */
    if (rc == SQLITE_OK)
        rc = sqlite3_exec(dst, "PRAGMA journal_mode=DELETE", NULL, NULL, NULL);
    if (rc != SQLITE_OK)
        snprintf(err, errlen, "copying into %s: %s", to,
                 dst ? sqlite3_errmsg(dst) : sqlite3_errstr(rc));
    sqlite3_close(dst);
    return rc == SQLITE_OK ? 0 : -1;
}

/* Runs PRAGMA integrity_check and reads the schema version of db. */
static int check_db(sqlite3 *db, const char *name, int *version, char *err, size_t errlen)
{
    sqlite3_stmt *st = NULL;
    int ok = -1;
    if (sqlite3_prepare_v2(db, "PRAGMA integrity_check", -1, &st, NULL) == SQLITE_OK &&
        sqlite3_step(st) == SQLITE_ROW) {
        const char *res = (const char *)sqlite3_column_text(st, 0);
        if (res && strcmp(res, "ok") == 0)
            ok = 0;
        else
            snprintf(err, errlen, "%s fails its integrity check: %s", name, res ? res : "?");
    } else {
        snprintf(err, errlen, "%s is not a readable SQLite database: %s", name, sqlite3_errmsg(db));
    }
    sqlite3_finalize(st);
    if (ok != 0)
        return -1;
    *version = 0;
    if (sqlite3_prepare_v2(db, "SELECT max(version) FROM schema_migrations", -1, &st, NULL) !=
            SQLITE_OK ||
        sqlite3_step(st) != SQLITE_ROW) {
        snprintf(err, errlen, "%s is not a shenbao database (no schema_migrations)", name);
        ok = -1;
    } else {
        *version = sqlite3_column_int(st, 0);
    }
    sqlite3_finalize(st);
    return ok;
}

int store_backup(const char *db, const char *to, char *err, size_t errlen)
{
    if (db_is_postgresql(db))
        return store_backup_pg(db, to, err, errlen);
    struct stat sb;
    if (stat(to, &sb) == 0) {
        snprintf(err, errlen, "%s exists; a backup never overwrites a file", to);
        return -1;
    }
    char tmp[4096];
    snprintf(tmp, sizeof tmp, "%s.partial", to);
    unlink(tmp);
    sqlite3 *src = NULL;
    int ret = -1, version;
    if (sqlite3_open_v2(db, &src, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
        snprintf(err, errlen, "cannot open %s: %s", db, src ? sqlite3_errmsg(src) : "?");
        goto out;
    }
    sqlite3_busy_timeout(src, 5000);
    if (copy_db(src, tmp, err, errlen) != 0)
        goto out;
    /* The copy is checked before it takes its name: a file called a backup
     * is one. */
    sqlite3 *copy = NULL;
    int checked = -1;
    if (sqlite3_open_v2(tmp, &copy, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK)
        checked = check_db(copy, to, &version, err, errlen);
    sqlite3_close(copy);
    if (checked != 0)
        goto out;
    int fd = open(tmp, O_RDONLY | O_CLOEXEC);
    if (fd < 0 || fsync(fd) != 0 || rename(tmp, to) != 0) {
        snprintf(err, errlen, "cannot write %s: %s", to, strerror(errno));
        if (fd >= 0)
            close(fd);
        goto out;
    }
    close(fd);
    ret = 0;
out:
    if (ret != 0)
        unlink(tmp);
    sqlite3_close(src);
    return ret;
}

int store_restore(const char *db, const char *from, int known_version, char *err, size_t errlen)
{
    if (db_is_postgresql(db))
        return store_restore_pg(db, from, known_version, err, errlen);
    sqlite3 *src = NULL;
    int version = 0, ret = -1;
    if (sqlite3_open_v2(from, &src, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
        snprintf(err, errlen, "cannot open %s: %s", from, src ? sqlite3_errmsg(src) : "?");
        goto out;
    }
    if (check_db(src, from, &version, err, errlen) != 0)
        goto out;
    if (version > known_version) {
        snprintf(err, errlen, "%s is at schema version %d, newer than this shenbao knows (%d)",
                 from, version, known_version);
        goto out;
    }
    ret = copy_db(src, db, err, errlen);
out:
    sqlite3_close(src);
    return ret;
}
