/*
 * The command line: which command, with which options.
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "cli.h"

static void usage(FILE *to)
{
    fputs("usage: shenbao COMMAND [options]\n"
          "\n"
          "commands:\n"
          "  serve [--listen HOST:PORT] [--keys DIR] [--clock RFC3339]\n"
          "                         migrate the database if needed, then serve HTTP\n"
          "  migrate                apply the migrations the database lacks\n"
          "  account add --role ROLE [--name N] [--uscc C] [--unit U] [--authority A]\n"
          "              [--keys DIR] [--expires YYYY-MM-DD] [--direct]\n"
          "                         create an account; its token is the last line printed\n"
          "  account disable ID     disable an account: its tokens and sessions stop working\n"
          "  account reset-password --email E [--url BASE] [--keys DIR]\n"
          "                         print a one-time link (24 h) that sets a new password\n"
          "  tick --now RFC3339     perform the transitions due at that instant\n"
          "  audit verify [--checkpoint FILE [--log-key FILE_OR_URL]]\n"
          "                         check the hash chain and the transparency log; with a\n"
          "                         checkpoint saved earlier, that the log extends it\n"
          "  audit watch --url URL --state FILE\n"
          "                         check a server's new checkpoint against the one saved in\n"
          "                         FILE (signature, consistency), then save it there\n"
          "  keygen [--keys DIR]    create a new signing key and make it the active one\n"
          "  verify FILE [--jwks FILE_OR_URL]\n"
          "                         check a certificate's signature offline\n"
          "  verify --bundle FILE [--jwks FILE_OR_URL] [--log-key FILE_OR_URL]\n"
          "                         check a certificate's bundle offline: signature and key\n"
          "                         period, signed status, checkpoint, inclusion\n"
          "  backup --to FILE       copy the live database consistently (online backup)\n"
          "  restore --from FILE    replace the database with a backup (server stopped)\n"
          "\n"
          "every command takes --config FILE and --db PATH\n",
          to);
}

/* ---- the command line --------------------------------------------------- */

enum {
    OPT_CONFIG = 1000,
    OPT_DB,
    OPT_LISTEN,
    OPT_KEYS,
    OPT_CLOCK,
    OPT_ROLE,
    OPT_NAME,
    OPT_USCC,
    OPT_UNIT,
    OPT_AUTHORITY,
    OPT_NOW,
    OPT_JWKS,
    OPT_TO,
    OPT_FROM,
    OPT_EXPIRES,
    OPT_CHECKPOINT,
    OPT_URL,
    OPT_STATE,
    OPT_BUNDLE,
    OPT_LOG_KEY,
    OPT_EMAIL,
    OPT_DIRECT,
    OPT_HELP,
};

static const struct option options[] = {
    {"config", required_argument, NULL, OPT_CONFIG},
    {"db", required_argument, NULL, OPT_DB},
    {"listen", required_argument, NULL, OPT_LISTEN},
    {"keys", required_argument, NULL, OPT_KEYS},
    {"clock", required_argument, NULL, OPT_CLOCK},
    {"role", required_argument, NULL, OPT_ROLE},
    {"name", required_argument, NULL, OPT_NAME},
    {"uscc", required_argument, NULL, OPT_USCC},
    {"unit", required_argument, NULL, OPT_UNIT},
    {"authority", required_argument, NULL, OPT_AUTHORITY},
    {"now", required_argument, NULL, OPT_NOW},
    {"jwks", required_argument, NULL, OPT_JWKS},
    {"to", required_argument, NULL, OPT_TO},
    {"from", required_argument, NULL, OPT_FROM},
    {"expires", required_argument, NULL, OPT_EXPIRES},
    {"checkpoint", required_argument, NULL, OPT_CHECKPOINT},
    {"url", required_argument, NULL, OPT_URL},
    {"state", required_argument, NULL, OPT_STATE},
    {"bundle", required_argument, NULL, OPT_BUNDLE},
    {"log-key", required_argument, NULL, OPT_LOG_KEY},
    {"email", required_argument, NULL, OPT_EMAIL},
    {"direct", no_argument, NULL, OPT_DIRECT},
    {"help", no_argument, NULL, OPT_HELP},
    {NULL, 0, NULL, 0},
};

struct command {
    const char *name;
    int (*run)(struct cli *c);
    const char *flags; /* the options it takes besides --config and --db */
};

static const struct command commands[] = {
    {"serve", cmd_serve, "listen keys clock"},
    {"migrate", cmd_migrate, ""},
    {"account add", cmd_account_add, "keys role name uscc unit authority expires direct"},
    {"account disable", cmd_account_disable, ""},
    {"account reset-password", cmd_account_reset_password, "keys email url"},
    {"tick", cmd_tick, "now keys"},
    {"audit verify", cmd_audit_verify, "checkpoint keys log-key"},
    {"audit watch", cmd_audit_watch, "url state"},
    {"keygen", cmd_keygen, "keys"},
    {"verify", cmd_verify, "jwks bundle log-key keys"},
    {"backup", cmd_backup, "to"},
    {"restore", cmd_restore, "from"},
};

static bool takes_flag(const struct command *cmd, const char *flag)
{
    size_t n = strlen(flag);
    for (const char *p = cmd->flags; (p = strstr(p, flag)) != NULL; p += n)
        if ((p == cmd->flags || p[-1] == ' ') && (p[n] == ' ' || p[n] == '\0'))
            return true;
    return false;
}

/* Takes --config and --db given before the command ("shenbao --config F
 * migrate") by moving them after it, where the options are read.  argv is
 * rearranged in place. */
static void hoist_global_options(int argc, char **argv)
{
    int lead = 1;
    while (lead < argc) {
        if (strcmp(argv[lead], "--config") == 0 || strcmp(argv[lead], "--db") == 0)
            lead += 2;
        else if (strncmp(argv[lead], "--config=", 9) == 0 || strncmp(argv[lead], "--db=", 5) == 0)
            lead += 1;
        else
            break;
    }
    if (lead == 1 || lead >= argc)
        return;
    /* The command is one or two words (account add, audit verify). */
    int words = 1;
    if (lead + 1 < argc && argv[lead + 1][0] != '-' &&
        (strcmp(argv[lead], "account") == 0 || strcmp(argv[lead], "audit") == 0))
        words = 2;
    char *moved[16];
    int n = lead - 1 < 16 ? lead - 1 : 16;
    memcpy(moved, argv + 1, (size_t)n * sizeof *argv);
    memmove(argv + 1, argv + lead, (size_t)words * sizeof *argv);
    memcpy(argv + 1 + words, moved, (size_t)n * sizeof *argv);
}

int cli_main(int argc, char **argv)
{
    hoist_global_options(argc, argv);
    if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "help") == 0) {
        usage(argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    if (strcmp(argv[1], "--version") == 0) {
        printf("shenbao %s\n", SHENBAO_VERSION);
        return 0;
    }
    const struct command *cmd = NULL;
    int first = 2;
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++) {
        const char *name = commands[i].name, *space = strchr(name, ' ');
        if (!space && strcmp(argv[1], name) == 0) {
            cmd = &commands[i];
        } else if (space && argc > 2 && strncmp(argv[1], name, (size_t)(space - name)) == 0 &&
                   argv[1][space - name] == '\0' && strcmp(argv[2], space + 1) == 0) {
            cmd = &commands[i];
            first = 3;
        }
    }
    if (!cmd) {
        fail("unknown command \"%s\"; try shenbao --help", argv[1]);
        return 2;
    }
    if (sodium_init() < 0)
        return fail("libsodium could not be initialised");

    struct cli c = {.command = cmd->name};
    optind = first;
    opterr = 0;
    int opt;
    while ((opt = getopt_long(argc, argv, "", options, NULL)) != -1) {
        if (opt == '?' || opt == ':') {
            fail("%s: unknown option or missing value: %s", cmd->name, argv[optind - 1]);
            return 2;
        }
        if (opt == OPT_HELP) {
            usage(stdout);
            return 0;
        }
        const char *flag = options[opt - OPT_CONFIG].name;
        if (opt != OPT_CONFIG && opt != OPT_DB && !takes_flag(cmd, flag)) {
            fail("%s does not take --%s", cmd->name, flag);
            return 2;
        }
        if (opt == OPT_DIRECT) {
            c.direct = true;
            continue;
        }
        /* In the order of the OPT_ values. */
        const char **slot[] = {&c.config_file, &c.db,   &c.listen, &c.keys,   &c.clock,
                               &c.role,        &c.name, &c.uscc,   &c.unit,   &c.authority,
                               &c.now,         &c.jwks, &c.to,     &c.from,   &c.expires,
                               &c.checkpoint,  &c.url,  &c.state,  &c.bundle, &c.log_key,
                               &c.email};
        _Static_assert(sizeof slot / sizeof slot[0] == OPT_EMAIL - OPT_CONFIG + 1,
                       "one slot per option with a value, in order");
        *slot[opt - OPT_CONFIG] = optarg;
    }
    /* verify takes one positional argument, the file; account disable the
     * account's id. */
    if (strcmp(cmd->name, "verify") == 0 && optind < argc)
        c.file = argv[optind++];
    else if (strcmp(cmd->name, "account disable") == 0 && optind < argc)
        c.id = argv[optind++];
    if (optind < argc) {
        fail("%s: unexpected argument \"%s\"", cmd->name, argv[optind]);
        return 2;
    }

    char err[512];
    config_defaults(&c.cfg);
    if (c.config_file && config_load_file(&c.cfg, c.config_file, err, sizeof err) != 0)
        return fail("%s", err);
    if (c.db)
        snprintf(c.cfg.db, sizeof c.cfg.db, "%s", c.db);
    if (c.keys)
        snprintf(c.cfg.keys, sizeof c.cfg.keys, "%s", c.keys);
    if (c.listen && config_set_listen(&c.cfg, c.listen, err, sizeof err) != 0)
        return fail("--listen: %s", err);
    /* The settings the engine takes, checked before anything is opened. */
    struct engine_settings settings = {.n_stages = c.cfg.n_stages,
                                       .n_annual_due = c.cfg.n_annual_due};
    for (unsigned i = 0; i < c.cfg.n_stages; i++) {
        settings.stages[i].kind = c.cfg.stages[i].kind;
        settings.stages[i].stages = c.cfg.stages[i].stages;
    }
    for (unsigned i = 0; i < c.cfg.n_annual_due; i++)
        settings.annual_due[i].kind = c.cfg.annual_due[i].kind;
    if (engine_check_settings(&settings, err, sizeof err) != 0)
        return fail("%s%s%s", c.config_file ? c.config_file : "", c.config_file ? ": " : "", err);
    return cmd->run(&c);
}
