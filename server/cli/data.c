/*
 * The database as a whole: shenbao migrate, backup and restore (an SQLite
 * file, or on PostgreSQL pg_dump's archive, run for the operator).
 */
#include <fcntl.h>
#include <stdio.h>
#include <sys/file.h>
#include <unistd.h>

#include "cli.h"

/* ---- migrate ------------------------------------------------------------ */

int cmd_migrate(struct cli *c)
{
    char shown[sizeof c->cfg.db];
    struct store *s = open_store(&c->cfg);
    if (!s)
        return 1;
    store_target_shown(c->cfg.db, shown, sizeof shown);
    printf("database %s is at schema version %d\n", shown, store_schema_version(s));
    store_free(s);
    return 0;
}

/* ---- backup and restore ------------------------------------------------- */

int cmd_backup(struct cli *c)
{
    char err[512], shown[sizeof c->cfg.db];
    if (!c->to)
        return fail("backup: --to FILE is required");
    if (store_backup(c->cfg.db, c->to, err, sizeof err) != 0)
        return fail("backup: %s", err);
    store_target_shown(c->cfg.db, shown, sizeof shown);
    printf("backed up %s to %s\n", shown, c->to);
    return 0;
}

int cmd_restore(struct cli *c)
{
    char err[512], shown[sizeof c->cfg.db];
    if (!c->from)
        return fail("restore: --from FILE is required");
    store_target_shown(c->cfg.db, shown, sizeof shown);
    /* A running server holds a shared lock on the database file.  (On
     * PostgreSQL a restore goes into an empty database only, which no
     * server is using.) */
    int fd = store_target_postgresql(c->cfg.db) ? -1 : open(c->cfg.db, O_RDONLY | O_CLOEXEC);
    if (fd >= 0 && flock(fd, LOCK_EX | LOCK_NB) != 0) {
        close(fd);
        return fail("restore: %s is in use by a running server; stop it first", shown);
    }
    int ret = 0;
    if (store_restore(c->cfg.db, c->from, store_known_version(), err, sizeof err) != 0)
        ret = fail("restore: %s", err);
    else if (store_target_postgresql(c->cfg.db))
        printf("restored %s from %s; point the servers' db at it and start them\n", shown, c->from);
    else
        printf("restored %s from %s; start the server to use it\n", shown, c->from);
    if (fd >= 0)
        close(fd);
    return ret;
}
