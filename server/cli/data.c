/*
 * The database as a file: shenbao migrate, backup and restore.
 */
#include <fcntl.h>
#include <stdio.h>
#include <sys/file.h>
#include <unistd.h>

#include "cli.h"

/* ---- migrate ------------------------------------------------------------ */

int cmd_migrate(struct cli *c)
{
    struct store *s = open_store(&c->cfg);
    if (!s)
        return 1;
    printf("database %s is at schema version %d\n", c->cfg.db, store_schema_version(s));
    store_free(s);
    return 0;
}

/* ---- backup and restore ------------------------------------------------- */

int cmd_backup(struct cli *c)
{
    char err[512];
    if (!c->to)
        return fail("backup: --to FILE is required");
    if (store_backup(c->cfg.db, c->to, err, sizeof err) != 0)
        return fail("backup: %s", err);
    printf("backed up %s to %s\n", c->cfg.db, c->to);
    return 0;
}

int cmd_restore(struct cli *c)
{
    char err[512];
    if (!c->from)
        return fail("restore: --from FILE is required");
    /* A running server holds a shared lock on the database file. */
    int fd = open(c->cfg.db, O_RDONLY | O_CLOEXEC);
    if (fd >= 0 && flock(fd, LOCK_EX | LOCK_NB) != 0) {
        close(fd);
        return fail("restore: %s is in use by a running server; stop it first", c->cfg.db);
    }
    int ret = 0;
    if (store_restore(c->cfg.db, c->from, store_known_version(), err, sizeof err) != 0)
        ret = fail("restore: %s", err);
    else
        printf("restored %s from %s; start the server to use it\n", c->cfg.db, c->from);
    if (fd >= 0)
        close(fd);
    return ret;
}
