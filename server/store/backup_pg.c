/*
 * Backups of a PostgreSQL store: PostgreSQL's own tools, run for the
 * operator.  `backup` is pg_dump's custom format (one consistent snapshot
 * of a live database; servers go on writing), checked with pg_restore
 * before it takes its name; `restore` is pg_restore into an empty
 * database, in one transaction, refused for a database that holds
 * anything (a live database is never overwritten: restore into a new one
 * and point the servers at it).  pg_dump and pg_restore come with
 * PostgreSQL's client (Debian: postgresql-client), of the server's major
 * version or newer.
 */
#include "db.h"
#include "store_pg.h"

#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

/* The most of a tool's output read (its schema_migrations data, its
 * message). */
#define TOOL_OUTPUT_MAX (256 * 1024)

/* Runs argv (argv[0] found on PATH) with stdin from /dev/null; its stdout
 * and stderr are read into *out (NUL-terminated, at most TOOL_OUTPUT_MAX
 * bytes kept; caller frees).  Its exit status, or -1 when it could not be
 * run (err says why). */
static int run_tool(char *const argv[], char **out, char *err, size_t errlen)
{
    posix_spawn_file_actions_t fa;
    int pipefd[2];
    pid_t pid;
    int status = -1;
    size_t n = 0;
    char *buf = malloc(TOOL_OUTPUT_MAX + 1);

    *out = NULL;
    if (buf == NULL) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    if (pipe2(pipefd, O_CLOEXEC) != 0) {
        snprintf(err, errlen, "pipe: %s", strerror(errno));
        free(buf);
        return -1;
    }
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_adddup2(&fa, pipefd[1], 1);
    posix_spawn_file_actions_adddup2(&fa, pipefd[1], 2);
    int rc = posix_spawnp(&pid, argv[0], &fa, NULL, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    close(pipefd[1]);
    if (rc != 0) {
        snprintf(err, errlen,
                 "cannot run %s: %s (PostgreSQL's client tools: Debian's "
                 "postgresql-client)",
                 argv[0], strerror(rc));
        close(pipefd[0]);
        free(buf);
        return -1;
    }
    for (;;) {
        char chunk[4096];
        ssize_t got = read(pipefd[0], chunk, sizeof chunk);
        if (got < 0 && errno == EINTR)
            continue;
        if (got <= 0)
            break;
        size_t keep = (size_t)got;
        if (keep > TOOL_OUTPUT_MAX - n)
            keep = TOOL_OUTPUT_MAX - n;
        memcpy(buf + n, chunk, keep);
        n += keep;
    }
    close(pipefd[0]);
    buf[n] = '\0';
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
        ;
    *out = buf;
    if (!WIFEXITED(status)) {
        snprintf(err, errlen, "%s ended by signal %d", argv[0],
                 WIFSIGNALED(status) ? WTERMSIG(status) : 0);
        return -1;
    }
    return WEXITSTATUS(status);
}

/* The tool's message on one line, for an error. */
static void one_line(char *text)
{
    size_t n = strlen(text);

    for (char *p = text; *p; p++)
        if (*p == '\n' || *p == '\t')
            *p = ' ';
    while (n > 0 && text[n - 1] == ' ')
        text[--n] = '\0';
}

/* The highest schema version a dump holds (its schema_migrations rows, as
 * pg_restore prints them: "COPY …" then "version<TAB>name<TAB>at" lines
 * until "\."), or -1 with err. */
static int dump_version(const char *file, char *err, size_t errlen)
{
    char *argv[] = {"pg_restore", "--data-only", "--table=schema_migrations",
                    "--file=-",   (char *)file,  NULL};
    char *out = NULL;
    int version = -1;
    int rc = run_tool(argv, &out, err, errlen);

    if (rc != 0) {
        if (rc > 0 && out != NULL) {
            one_line(out);
            snprintf(err, errlen, "%s is not a readable pg_dump archive: %.400s", file, out);
        }
        free(out);
        return -1;
    }
    const char *p = strstr(out, "COPY public.schema_migrations ");
    if (p != NULL)
        p = strchr(p, '\n');
    while (p != NULL && p[1] != '\0' && !(p[1] == '\\' && p[2] == '.')) {
        char *end;
        long v = strtol(p + 1, &end, 10);
        if (end != p + 1 && *end == '\t' && v > version)
            version = (int)v;
        p = strchr(p + 1, '\n');
    }
    if (version < 0)
        snprintf(err, errlen, "%s is not a backup of a shenbao database (no schema_migrations)",
                 file);
    free(out);
    return version;
}

int store_backup_pg(const char *uri, const char *to, char *err, size_t errlen)
{
    struct stat sb;
    char tmp[4096], file_arg[4200], db_arg[4200];
    char *out = NULL;
    int ret = -1;

    if (stat(to, &sb) == 0) {
        snprintf(err, errlen, "%s exists; a backup never overwrites a file", to);
        return -1;
    }
    snprintf(tmp, sizeof tmp, "%s.partial", to);
    snprintf(file_arg, sizeof file_arg, "--file=%s", tmp);
    snprintf(db_arg, sizeof db_arg, "--dbname=%s", uri);
    unlink(tmp);
    char *argv[] = {"pg_dump", "--format=custom", file_arg, db_arg, NULL};
    int rc = run_tool(argv, &out, err, errlen);
    if (rc != 0) {
        if (rc > 0) {
            one_line(out);
            snprintf(err, errlen, "pg_dump failed: %.450s", out);
        }
        goto out;
    }
    /* The copy is checked before it takes its name: a file called a backup
     * is one. */
    if (dump_version(tmp, err, errlen) < 0)
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
    free(out);
    if (ret != 0)
        unlink(tmp);
    return ret;
}

/* How many objects the database has of its own (tables, sequences,
 * functions in schema public): a database to restore into has none. */
static int count_objects(const char *uri, int64_t *n, char *err, size_t errlen)
{
    static const char sql[] =
        "SELECT (SELECT count(*) FROM pg_class c JOIN pg_namespace s ON s.oid = c.relnamespace"
        "        WHERE s.nspname = 'public')"
        "     + (SELECT count(*) FROM pg_proc p JOIN pg_namespace s ON s.oid = p.pronamespace"
        "        WHERE s.nspname = 'public')";
    struct db *d = db_open(uri, 0, err, errlen);
    enum db_rc rc;

    if (d == NULL)
        return -1;
    rc = db_one_int64(db_prepare(d, sql), n);
    if (rc != DB_OK)
        snprintf(err, errlen, "cannot read what the database holds: %s", db_errmsg(d));
    db_close(d);
    return rc == DB_OK ? 0 : -1;
}

int store_restore_pg(const char *uri, const char *from, int known_version, char *err, size_t errlen)
{
    char db_arg[4200];
    char *out = NULL;
    int64_t objects = 0;
    int version = dump_version(from, err, errlen);

    if (version < 0)
        return -1;
    if (version > known_version) {
        snprintf(err, errlen, "%s is at schema version %d, newer than this shenbao knows (%d)",
                 from, version, known_version);
        return -1;
    }
    if (count_objects(uri, &objects, err, errlen) != 0)
        return -1;
    if (objects > 0) {
        snprintf(err, errlen,
                 "the database is not empty (%lld tables, sequences and functions): a restore "
                 "never overwrites one.  Create an empty one (CREATE DATABASE name TEMPLATE "
                 "template0 ENCODING 'UTF8' LC_COLLATE 'C' LC_CTYPE 'C'), restore into it "
                 "with db set to its URI, then point the servers at it",
                 (long long)objects);
        return -1;
    }
    snprintf(db_arg, sizeof db_arg, "--dbname=%s", uri);
    char *argv[] = {"pg_restore",      "--single-transaction",
                    "--exit-on-error", "--no-owner",
                    "--no-privileges", db_arg,
                    (char *)from,      NULL};
    int rc = run_tool(argv, &out, err, errlen);
    if (rc > 0) {
        one_line(out);
        snprintf(err, errlen, "pg_restore failed (nothing was restored): %.420s", out);
    }
    free(out);
    return rc == 0 ? 0 : -1;
}
