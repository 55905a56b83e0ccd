/*
 * Configuration: defaults, then the config file (JSON), then command-line
 * flags, each overriding the one before.
 */
#ifndef SB_CONFIG_H
#define SB_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CONFIG_MAX_PROXIES     16
#define CONFIG_MAX_STAGES      16
#define CONFIG_STAGE_DISTRICT  1u
#define CONFIG_STAGE_MUNICIPAL 2u
#define CONFIG_STAGE_NOTICE    4u

struct config {
    char db[1024];         /* "db": SQLite file, default "./shenbao.db" */
    char listen_host[256]; /* "listen": "127.0.0.1:8080" split in two */
    unsigned listen_port;
    char keys[1024];                /* "keys": key directory, default "./keys" */
    char log_origin[256];           /* "log_origin": the transparency log's name (its
                                     * checkpoints' origin line), default
                                     * "shenbao.example/log" */
    char units_file[1024];          /* "review_units_file": "" = the copy built in */
    char workdays_file[1024];       /* "workdays_file": "" = the copy built in */
    unsigned threads;               /* "threads": 0 = four per core */
    unsigned write_threads;         /* "write_threads": threads that answer the requests
                                     * that write, default 16 (0: none) */
    size_t body_limit;              /* "body_limit_bytes": default 1 MiB */
    unsigned connection_timeout;    /* "connection_timeout_s": idle seconds, default 30 */
    unsigned header_timeout;        /* "header_timeout_s": seconds to send a request's
                                     * head, idle or not, default 10 */
    unsigned connection_limit;      /* "connection_limit": total, default 1024 */
    unsigned per_ip_limit;          /* "per_ip_connection_limit": default 128 */
    size_t connection_memory;       /* "connection_memory_limit_bytes": default 128 KiB */
    unsigned request_timeout;       /* "request_timeout_s": seconds for a body to arrive
                                     * once its head has, default 60 */
    unsigned objections_per_minute; /* "objections_per_minute": per address, default 10 */
    unsigned tick_interval;         /* "tick_interval_s": how often serve runs due
                                     * transitions, default 60 */
    unsigned idempotency_ttl;       /* "idempotency_key_ttl_s": how long the answer to
                                     * a request sent with an Idempotency-Key is kept
                                     * for its retries, default 86400 (24 h) */
    char trusted_proxies[CONFIG_MAX_PROXIES][64]; /* "trusted_proxies": addresses */
    unsigned n_trusted_proxies;
    char metrics_allow[CONFIG_MAX_PROXIES][64]; /* "metrics_allow": who may read /metrics,
                                                 * default 127.0.0.1 and ::1 */
    unsigned n_metrics_allow;

    /* "stages": per kind, the review stages it goes through where the
     * deployment differs from the kind's default (RULES.md §1), e.g.
     * {"incubator": ["district", "municipal", "notice"]}: in that order,
     * the municipal stage always among them.  The bits are the workflow's
     * STAGE_* (district 1, municipal 2, notice 4); whether each kind exists
     * is the engine's to check. */
    struct {
        char kind[32];
        unsigned stages;
    } stages[CONFIG_MAX_STAGES];
    unsigned n_stages;

    /* Objections: how many may be open at once on one application
     * ("objections_open_per_application", default 20) and how many one
     * address may file in a day in Beijing ("objections_per_address_per_day",
     * default 10); more are 429. */
    unsigned objections_open_per_application;
    unsigned objections_per_address_per_day;

    /* Calendar days a returned application has to come back before the
     * worklist marks it overdue ("return_due_days", default 15; 0: no due
     * date; RULES.md §8 moves a due date on a day off to the next working
     * day). */
    unsigned return_due_days;
    /* RULES.md §5 (P): one application per organisation (first_store: per
     * project), kind and round ("one_application_per_round", default
     * true); false takes any number. */
    bool one_application_per_round;
    /* Duties after approval (RULES.md §8).  "annual_report_due": per kind,
     * the month and day its annual report is due where the authority sets
     * it, e.g. {"incubator": "03-31"} (a kind not named keeps its rule's).
     * "refund": what a first store closed within its year refunds, "full"
     * (the default) or "pro_rata" (the share of the year not operated).
     * "refund_days": the days a holder has to pay a refund back (30). */
    struct {
        char kind[32];
        int month, day;
    } annual_due[CONFIG_MAX_STAGES];
    unsigned n_annual_due;
    bool refund_pro_rata;
    unsigned refund_days;

    /* Sign-in throttling; server/http/throttle.h has the arithmetic.
     * Failures before any delay: per account and address
     * ("signin_free_failures", default 3), per address
     * ("signin_free_failures_per_address", 10), per account
     * ("signin_free_failures_per_account", 5).  The first delay
     * ("signin_delay_base_s", 1), doubled after each failure up to
     * "signin_delay_max_s" (900) per address and per account and address,
     * and up to "signin_account_delay_max_s" (180) per account. */
    unsigned signin_free_failures;
    unsigned signin_free_failures_per_address;
    unsigned signin_free_failures_per_account;
    unsigned signin_delay_base_s;
    unsigned signin_delay_max_s;
    unsigned signin_account_delay_max_s;

    /* Group commit (server/store/store.h, store_set_batch()): at most
     * "write_batch_max" writes share one transaction and its fsync (default
     * 64; 1 commits each write alone), and the write leading a batch waits
     * up to "write_batch_wait_us" for it to fill (default 0: never; the
     * writes that queue while a commit runs make the next batch, so a lone
     * write is not delayed). */
    unsigned write_batch_max;
    unsigned write_batch_wait_us;
    /* Materials (uploaded files): the largest file ("material_max_bytes",
     * default 20 MiB), the most the files of one application may have
     * together ("materials_max_bytes_per_application", 200 MiB), how many
     * uploads one account may make in an hour ("material_uploads_per_hour",
     * 200), and where a file is received before it is stored ("upload_dir",
     * default "": $TMPDIR, else /tmp; the file there never has a name). */
    size_t material_max_bytes;
    size_t materials_max_bytes;
    unsigned material_uploads_per_hour;
    char upload_dir[1024];
};

/* Fills c with the built-in defaults. */
void config_defaults(struct config *c);

/* Reads the JSON config file at path over c.  Unknown keys and values of the
 * wrong type or out of range are errors (a typo must not be ignored).
 * Returns 0 or -1 with a one-line reason in err. */
int config_load_file(struct config *c, const char *path, char *err, size_t errlen);

/* Parses "HOST:PORT" (or "[v6]:PORT") into c.  Returns 0 or -1 with err. */
int config_set_listen(struct config *c, const char *value, char *err, size_t errlen);

#endif
