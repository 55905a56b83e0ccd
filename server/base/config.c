/*
 * Configuration.  The file is read against a table of keys, so every key
 * is checked the same way and an unknown key (most often a typo) is an error
 * rather than a setting silently left at its default.
 *
 * Relative paths in the file are kept as written and so are taken relative
 * to the server's working directory, not to the config file's directory:
 * that is what a systemd unit with WorkingDirectory= leads one to expect.
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define KIB ((size_t)1024)
#define MIB (1024 * KIB)

void config_defaults(struct config *c)
{
    memset(c, 0, sizeof(*c));
    snprintf(c->db, sizeof(c->db), "%s", "./shenbao.db");
    snprintf(c->listen_host, sizeof(c->listen_host), "%s", "127.0.0.1");
    c->listen_port = 8080;
    snprintf(c->keys, sizeof(c->keys), "%s", "./keys");
    snprintf(c->log_origin, sizeof(c->log_origin), "%s", "shenbao.example/log");
    c->threads = 0;
    c->write_threads = 16;
    c->body_limit = 1 * MIB;
    c->connection_timeout = 30;
    c->header_timeout = 10;
    c->connection_limit = 1024;
    c->per_ip_limit = 128;
    c->connection_memory = 128 * KIB;
    c->request_timeout = 60;
    c->objections_per_minute = 10;
    c->objections_open_per_application = 20;
    c->objections_per_address_per_day = 10;
    c->return_due_days = 15;
    c->one_application_per_round = true;
    c->signin_free_failures = 3;
    c->signin_free_failures_per_address = 10;
    c->signin_free_failures_per_account = 5;
    c->signin_delay_base_s = 1;
    c->signin_delay_max_s = 900;
    c->signin_account_delay_max_s = 180;
    c->tick_interval = 60;
    c->write_batch_max = 64;
    c->write_batch_wait_us = 0;
    c->material_max_bytes = 20 * MIB;
    c->materials_max_bytes = 200 * MIB;
    c->material_uploads_per_hour = 200;
    c->refund_days = 30;
    c->idempotency_ttl = 24 * 3600;
    c->n_trusted_proxies = 0;
    snprintf(c->metrics_allow[0], sizeof c->metrics_allow[0], "127.0.0.1");
    snprintf(c->metrics_allow[1], sizeof c->metrics_allow[1], "::1");
    c->n_metrics_allow = 2;
}

enum key_type {
    KEY_PATH,
    KEY_UNSIGNED,
    KEY_SIZE,
    KEY_BOOL,
    KEY_LISTEN,
    KEY_PROXIES,
    KEY_STAGES,
    KEY_ANNUAL_DUE,
    KEY_REFUND,
};

struct config_key {
    const char *name;
    enum key_type type;
    size_t offset; /* of the member in struct config */
    size_t size;   /* KEY_PATH: buffer size; KEY_PROXIES: offset of the count */
    bool may_be_empty;
    long long min, max; /* KEY_UNSIGNED, KEY_SIZE */
};

#define PATH_KEY(n, member, empty)                                                                 \
    {                                                                                              \
        .name = n, .type = KEY_PATH, .offset = offsetof(struct config, member),                    \
        .size = sizeof(((struct config *)0)->member), .may_be_empty = empty                        \
    }
#define INT_KEY(n, t, member, lo, hi)                                                              \
    {                                                                                              \
        .name = n, .type = t, .offset = offsetof(struct config, member), .min = lo, .max = hi      \
    }

static const struct config_key config_keys[] = {
    PATH_KEY("db", db, false),
    {.name = "listen", .type = KEY_LISTEN},
    PATH_KEY("keys", keys, false),
    PATH_KEY("log_origin", log_origin, false),
    PATH_KEY("review_units_file", units_file, true),
    PATH_KEY("workdays_file", workdays_file, true),
    INT_KEY("threads", KEY_UNSIGNED, threads, 0, 256),
    INT_KEY("write_threads", KEY_UNSIGNED, write_threads, 0, 1024),
    INT_KEY("body_limit_bytes", KEY_SIZE, body_limit, 1024, 64 * 1024 * 1024),
    INT_KEY("connection_timeout_s", KEY_UNSIGNED, connection_timeout, 1, 3600),
    INT_KEY("header_timeout_s", KEY_UNSIGNED, header_timeout, 1, 3600),
    INT_KEY("connection_limit", KEY_UNSIGNED, connection_limit, 1, 100000),
    INT_KEY("per_ip_connection_limit", KEY_UNSIGNED, per_ip_limit, 1, 100000),
    INT_KEY("connection_memory_limit_bytes", KEY_SIZE, connection_memory, 16 * 1024,
            64 * 1024 * 1024),
    INT_KEY("request_timeout_s", KEY_UNSIGNED, request_timeout, 1, 3600),
    INT_KEY("objections_per_minute", KEY_UNSIGNED, objections_per_minute, 1, 10000),
    INT_KEY("objections_open_per_application", KEY_UNSIGNED, objections_open_per_application, 1,
            10000),
    INT_KEY("objections_per_address_per_day", KEY_UNSIGNED, objections_per_address_per_day, 1,
            100000),
    INT_KEY("return_due_days", KEY_UNSIGNED, return_due_days, 0, 365),
    {.name = "one_application_per_round",
     .type = KEY_BOOL,
     .offset = offsetof(struct config, one_application_per_round)},
    INT_KEY("signin_free_failures", KEY_UNSIGNED, signin_free_failures, 0, 100),
    INT_KEY("signin_free_failures_per_address", KEY_UNSIGNED, signin_free_failures_per_address, 0,
            10000),
    INT_KEY("signin_free_failures_per_account", KEY_UNSIGNED, signin_free_failures_per_account, 0,
            10000),
    INT_KEY("signin_delay_base_s", KEY_UNSIGNED, signin_delay_base_s, 1, 3600),
    INT_KEY("signin_delay_max_s", KEY_UNSIGNED, signin_delay_max_s, 1, 86400),
    INT_KEY("signin_account_delay_max_s", KEY_UNSIGNED, signin_account_delay_max_s, 0, 3600),
    INT_KEY("tick_interval_s", KEY_UNSIGNED, tick_interval, 1, 3600),
    INT_KEY("write_batch_max", KEY_UNSIGNED, write_batch_max, 1, 256),
    INT_KEY("write_batch_wait_us", KEY_UNSIGNED, write_batch_wait_us, 0, 100000),
    INT_KEY("material_max_bytes", KEY_SIZE, material_max_bytes, 1024, 512 * 1024 * 1024),
    INT_KEY("materials_max_bytes_per_application", KEY_SIZE, materials_max_bytes, 1024,
            64LL * 1024 * 1024 * 1024),
    INT_KEY("material_uploads_per_hour", KEY_UNSIGNED, material_uploads_per_hour, 1, 1000000),
    PATH_KEY("upload_dir", upload_dir, true),
    INT_KEY("idempotency_key_ttl_s", KEY_UNSIGNED, idempotency_ttl, 1, 30 * 86400),
    {.name = "trusted_proxies",
     .type = KEY_PROXIES,
     .offset = offsetof(struct config, trusted_proxies),
     .size = offsetof(struct config, n_trusted_proxies)},
    {.name = "metrics_allow",
     .type = KEY_PROXIES,
     .offset = offsetof(struct config, metrics_allow),
     .size = offsetof(struct config, n_metrics_allow)},
    {.name = "stages", .type = KEY_STAGES},
    {.name = "annual_report_due", .type = KEY_ANNUAL_DUE},
    {.name = "refund", .type = KEY_REFUND},
    INT_KEY("refund_days", KEY_UNSIGNED, refund_days, 1, 366),
};

/* "annual_report_due": {"incubator": "03-31", …}: the month and day of a
 * kind's annual report where the authority sets it (RULES.md §8). */
static int set_annual_due(struct config *c, const json_t *value, const char *path, char *err,
                          size_t errlen)
{
    const char *kind;
    json_t *md;
    if (!json_is_object(value) || json_object_size(value) > CONFIG_MAX_STAGES) {
        snprintf(err, errlen, "%s: \"annual_report_due\" must be an object of at most %d kinds",
                 path, CONFIG_MAX_STAGES);
        return -1;
    }
    c->n_annual_due = 0;
    json_object_foreach((json_t *)value, kind, md)
    {
        static const int days_in[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
        const char *t = json_string_value(md);
        int month = 0, day = 0;
        bool ok = t && strlen(t) == 5 && t[2] == '-';
        for (int i = 0; ok && i < 5; i++)
            ok = i == 2 || (t[i] >= '0' && t[i] <= '9');
        if (ok) {
            month = (t[0] - '0') * 10 + (t[1] - '0');
            day = (t[3] - '0') * 10 + (t[4] - '0');
            ok = month >= 1 && month <= 12 && day >= 1 && day <= days_in[month - 1];
        }
        if (!ok || strlen(kind) == 0 || strlen(kind) >= sizeof c->annual_due[0].kind) {
            snprintf(err, errlen,
                     "%s: \"annual_report_due\".\"%s\" must be a month and day \"MM-DD\"", path,
                     kind);
            return -1;
        }
        snprintf(c->annual_due[c->n_annual_due].kind, sizeof c->annual_due[0].kind, "%s", kind);
        c->annual_due[c->n_annual_due].month = month;
        c->annual_due[c->n_annual_due++].day = day;
    }
    return 0;
}

/* "stages": {"kind": ["district", "municipal", "notice"], …}, each list in
 * that order, without repeats, with "municipal". */
static int set_stages(struct config *c, const json_t *value, const char *path, char *err,
                      size_t errlen)
{
    static const struct {
        const char *name;
        unsigned bit;
    } names[] = {{"district", CONFIG_STAGE_DISTRICT},
                 {"municipal", CONFIG_STAGE_MUNICIPAL},
                 {"notice", CONFIG_STAGE_NOTICE}};
    const char *kind;
    json_t *list;
    if (!json_is_object(value) || json_object_size(value) > CONFIG_MAX_STAGES) {
        snprintf(err, errlen, "%s: \"stages\" must be an object of at most %d kinds", path,
                 CONFIG_MAX_STAGES);
        return -1;
    }
    c->n_stages = 0;
    json_object_foreach((json_t *)value, kind, list)
    {
        unsigned mask = 0, last = 0;
        size_t i;
        json_t *item;
        if (strlen(kind) == 0 || strlen(kind) >= sizeof c->stages[0].kind || !json_is_array(list)) {
            snprintf(err, errlen, "%s: \"stages\".\"%s\" must be a kind and a list of stages", path,
                     kind);
            return -1;
        }
        json_array_foreach(list, i, item)
        {
            unsigned bit = 0;
            for (size_t n = 0; n < sizeof names / sizeof names[0]; n++)
                if (json_is_string(item) && strcmp(json_string_value(item), names[n].name) == 0)
                    bit = names[n].bit;
            if (bit == 0 || bit <= last) {
                snprintf(err, errlen,
                         "%s: \"stages\".\"%s\"[%zu] must be \"district\", \"municipal\" or "
                         "\"notice\", in that order, each once",
                         path, kind, i);
                return -1;
            }
            mask |= bit;
            last = bit;
        }
        if (!(mask & CONFIG_STAGE_MUNICIPAL)) {
            snprintf(err, errlen, "%s: \"stages\".\"%s\" must include \"municipal\"", path, kind);
            return -1;
        }
        snprintf(c->stages[c->n_stages].kind, sizeof c->stages[0].kind, "%s", kind);
        c->stages[c->n_stages++].stages = mask;
    }
    return 0;
}

/* Stores an address in its canonical text form, so that comparing it with
 * a peer address formatted by inet_ntop() is a plain string comparison. */
static bool canonical_address(const char *text, char *out, size_t outlen)
{
    unsigned char bin[sizeof(struct in6_addr)];

    if (inet_pton(AF_INET, text, bin) == 1)
        return inet_ntop(AF_INET, bin, out, (socklen_t)outlen) != NULL;
    if (inet_pton(AF_INET6, text, bin) == 1)
        return inet_ntop(AF_INET6, bin, out, (socklen_t)outlen) != NULL;
    return false;
}

/* An address list: `offset` is the array's, `size` (reused) its count's. */
static int set_proxies(struct config *c, const struct config_key *k, const json_t *value,
                       const char *path, char *err, size_t errlen)
{
    size_t i;
    const json_t *item;
    char(*list)[64] = (char(*)[64])((char *)c + k->offset);
    unsigned *count = (unsigned *)(void *)((char *)c + k->size);

    if (!json_is_array(value) || json_array_size(value) > CONFIG_MAX_PROXIES) {
        snprintf(err, errlen, "%s: \"%s\" must be an array of at most %d addresses", path, k->name,
                 CONFIG_MAX_PROXIES);
        return -1;
    }
    json_array_foreach(value, i, item)
    {
        const char *text = json_string_value(item);
        if (text == NULL || !canonical_address(text, list[i], 64)) {
            snprintf(err, errlen, "%s: \"%s\"[%zu] must be an IPv4 or IPv6 address", path, k->name,
                     i);
            return -1;
        }
    }
    *count = (unsigned)json_array_size(value);
    return 0;
}

static int set_key(struct config *c, const struct config_key *k, const json_t *value,
                   const char *path, char *err, size_t errlen)
{
    char *base = (char *)c;
    char reason[256];

    switch (k->type) {
    case KEY_PATH: {
        const char *text = json_string_value(value);
        size_t len = json_string_length(value);
        /* A NUL inside the string would silently shorten the path. */
        if (text == NULL || strlen(text) != len || (len == 0 && !k->may_be_empty)) {
            snprintf(err, errlen, "%s: \"%s\" must be a %sfile path", path, k->name,
                     k->may_be_empty ? "" : "non-empty ");
            return -1;
        }
        if (len >= k->size) {
            snprintf(err, errlen, "%s: \"%s\" is longer than %zu bytes", path, k->name,
                     k->size - 1);
            return -1;
        }
        memcpy(base + k->offset, text, len + 1);
        return 0;
    }
    case KEY_UNSIGNED:
    case KEY_SIZE: {
        json_int_t v = json_integer_value(value);
        if (!json_is_integer(value) || v < k->min || v > k->max) {
            snprintf(err, errlen, "%s: \"%s\" must be an integer from %lld to %lld", path, k->name,
                     k->min, k->max);
            return -1;
        }
        if (k->type == KEY_UNSIGNED) {
            unsigned u = (unsigned)v;
            memcpy(base + k->offset, &u, sizeof(u));
        } else {
            size_t z = (size_t)v;
            memcpy(base + k->offset, &z, sizeof(z));
        }
        return 0;
    }
    case KEY_BOOL:
        if (!json_is_boolean(value)) {
            snprintf(err, errlen, "%s: \"%s\" must be true or false", path, k->name);
            return -1;
        }
        *(bool *)(void *)(base + k->offset) = json_is_true(value);
        return 0;
    case KEY_LISTEN:
        if (!json_is_string(value)) {
            snprintf(err, errlen, "%s: \"listen\" must be a string like \"127.0.0.1:8080\"", path);
            return -1;
        }
        if (config_set_listen(c, json_string_value(value), reason, sizeof(reason)) != 0) {
            snprintf(err, errlen, "%s: \"listen\": %s", path, reason);
            return -1;
        }
        return 0;
    case KEY_PROXIES:
        return set_proxies(c, k, value, path, err, errlen);
    case KEY_STAGES:
        return set_stages(c, value, path, err, errlen);
    case KEY_ANNUAL_DUE:
        return set_annual_due(c, value, path, err, errlen);
    case KEY_REFUND: {
        const char *t = json_string_value(value);
        if (!t || (strcmp(t, "full") != 0 && strcmp(t, "pro_rata") != 0)) {
            snprintf(err, errlen, "%s: \"refund\" must be \"full\" or \"pro_rata\"", path);
            return -1;
        }
        c->refund_pro_rata = strcmp(t, "pro_rata") == 0;
        return 0;
    }
    }
    return -1;
}

int config_load_file(struct config *c, const char *path, char *err, size_t errlen)
{
    json_error_t jerr;
    json_t *root = NULL;
    struct config next;
    const char *name;
    json_t *value;
    int ret = -1;

    root = json_load_file(path, JSON_REJECT_DUPLICATES, &jerr);
    if (root == NULL) {
        if (json_error_code(&jerr) == json_error_cannot_open_file)
            snprintf(err, errlen, "%s", jerr.text);
        else
            snprintf(err, errlen, "%s:%d:%d: %s", path, jerr.line, jerr.column, jerr.text);
        goto out;
    }
    if (!json_is_object(root)) {
        snprintf(err, errlen, "%s: must hold a JSON object", path);
        goto out;
    }

    /* Work on a copy so that a bad file leaves c as it was. */
    next = *c;
    json_object_foreach(root, name, value)
    {
        const struct config_key *k = NULL;
        for (size_t i = 0; i < sizeof(config_keys) / sizeof(config_keys[0]); i++) {
            if (strcmp(config_keys[i].name, name) == 0) {
                k = &config_keys[i];
                break;
            }
        }
        if (k == NULL) {
            snprintf(err, errlen, "%s: unknown key \"%s\"", path, name);
            goto out;
        }
        if (set_key(&next, k, value, path, err, errlen) != 0)
            goto out;
    }
    *c = next;
    ret = 0;
out:
    json_decref(root);
    return ret;
}

/* Parses a port: decimal digits only (no sign, no spaces), 1 to 65535. */
static bool parse_port(const char *text, unsigned *out)
{
    char *end;
    unsigned long v;

    if (text[0] < '0' || text[0] > '9')
        return false;
    errno = 0;
    v = strtoul(text, &end, 10);
    if (errno != 0 || *end != '\0' || v < 1 || v > 65535)
        return false;
    *out = (unsigned)v;
    return true;
}

int config_set_listen(struct config *c, const char *value, char *err, size_t errlen)
{
    static const char bad_host[] = "the host must be an IP address or localhost";
    char host[sizeof(c->listen_host)];
    unsigned char bin[sizeof(struct in6_addr)];
    const char *port_text = NULL;
    const char *why = NULL;
    size_t host_len;
    unsigned port;

    if (value[0] == '[') {
        const char *close = strchr(value, ']');
        if (close == NULL) {
            why = "lacks the closing ']'";
            goto out;
        }
        host_len = (size_t)(close - value - 1);
        if (host_len >= sizeof(host)) {
            why = bad_host;
            goto out;
        }
        memcpy(host, value + 1, host_len);
        host[host_len] = '\0';
        if (inet_pton(AF_INET6, host, bin) != 1) {
            why = "the host in brackets must be an IPv6 address";
            goto out;
        }
        if (close[1] != ':') {
            why = "lacks a port, as in [::1]:8080";
            goto out;
        }
        port_text = close + 2;
    } else {
        const char *colon = strrchr(value, ':');
        if (colon == NULL) {
            why = "lacks a port, as in 127.0.0.1:8080";
            goto out;
        }
        host_len = (size_t)(colon - value);
        if (memchr(value, ':', host_len) != NULL) {
            why = "an IPv6 address goes in brackets, as in [::1]:8080";
            goto out;
        }
        if (host_len >= sizeof(host)) {
            why = bad_host;
            goto out;
        }
        memcpy(host, value, host_len);
        host[host_len] = '\0';
        /* The server binds, it does not resolve names; localhost is the one
         * name everyone expects to work. */
        if (strcmp(host, "localhost") == 0) {
            snprintf(host, sizeof(host), "%s", "127.0.0.1");
        } else if (inet_pton(AF_INET, host, bin) != 1) {
            why = bad_host;
            goto out;
        }
        port_text = colon + 1;
    }
    if (!parse_port(port_text, &port)) {
        why = "the port must be a number from 1 to 65535";
        goto out;
    }
    memcpy(c->listen_host, host, strlen(host) + 1);
    c->listen_port = port;
out:
    if (why != NULL) {
        snprintf(err, errlen, "\"%s\": %s", value, why);
        return -1;
    }
    return 0;
}
