/*
 * The subcommands of the shenbao binary (CONTRACT.md, "Command line"), one
 * file per command group: serve.c, accounts.c, keys.c (keygen, verify),
 * log.c (tick, audit verify), data.c (migrate, backup, restore), and the
 * set-up they share (setup.c).  cli.c reads the command line.
 *
 * Each command takes --config FILE and --db PATH.  Configuration is layered:
 * built-in defaults, then the config file, then flags.  Every failure is one
 * line on stderr and a non-zero exit status.
 */
#ifndef SB_CLI_H
#define SB_CLI_H

#include <stdbool.h>
#include <stddef.h>

#include "config.h"
#include "engine.h"
#include "note.h"
#include "sign.h"
#include "token.h"

/* Runs the command line; returns the process exit status. */
int cli_main(int argc, char **argv);

/* What the command line said. */
struct cli {
    const char *command;
    const char *config_file;
    const char *db, *listen, *keys, *clock;
    const char *role, *name, *uscc, *unit, *authority, *now, *jwks;
    const char *to, *from, *expires;
    const char *checkpoint;       /* audit verify: a checkpoint saved earlier */
    const char *url, *state;      /* audit watch: the server, the file it keeps */
    const char *bundle, *log_key; /* verify --bundle FILE [--log-key FILE] */
    const char *email;            /* account reset-password */
    bool direct;      /* account add: directly under the ministry or the municipal bureau */
    const char *file; /* verify: the positional argument */
    const char *id;   /* account disable: the positional argument */
    struct config cfg;
};

/* The commands. */
int cmd_serve(struct cli *c);
int cmd_migrate(struct cli *c);
int cmd_account_add(struct cli *c);
int cmd_account_disable(struct cli *c);
int cmd_account_reset_password(struct cli *c);
int cmd_tick(struct cli *c);
int cmd_audit_verify(struct cli *c);
int cmd_audit_watch(struct cli *c);
int cmd_keygen(struct cli *c);
int cmd_verify(struct cli *c);
int cmd_backup(struct cli *c);
int cmd_restore(struct cli *c);

/* ---- shared set-up (setup.c) ------------------------------------------------- */

/* Prints "shenbao: <message>" on stderr; returns 1 (an exit status). */
int fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Opens the database, applies missing migrations and loads the review
 * units; NULL after saying why. */
struct store *open_store(const struct config *cfg);

/* The working-day calendar: the config file's copy or the built-in one;
 * NULL after saying why. */
struct calendar *load_calendar(const struct config *cfg);

/* The active signing key: its id from the database, its secret from the
 * key directory.  0, or 1 after saying why. */
int load_signing_key(const struct config *cfg, struct store *s, struct signing_key *key);

/* The transparency log's key (note.h) under the name cfg->log_origin,
 * made in the key directory the first time.  0, or 1 after saying why. */
int load_log_key(const struct config *cfg, struct note_signer *key);

/* The key token hashes are made with: the database's own (see setup.c).
 * 0, or 1 after saying why. */
int load_token_key(const struct config *cfg, struct store *s, unsigned char key[TOKEN_KEY_LEN]);

/* For commands that use the key directory but not the token key (keygen,
 * tick): a token key there must be the database's.  0, or 1. */
int check_key_directory(const struct config *cfg, struct store *s);

/* Sets up an engine on store s with the configuration's settings (the
 * stages per kind, the caps).  0, or 1 after saying why. */
int engine_setup(struct engine *e, struct store *s, const struct calendar *cal,
                 const struct config *cfg);

/* Reads a whole file, or fetches an http(s) URL, into a new buffer (caller
 * frees); NULL when it cannot. */
char *read_source(const char *source, size_t *len);

#endif
